#ifndef FLAMEPRE_RENDER_METAFILE_H
#define FLAMEPRE_RENDER_METAFILE_H
/*
 * Reading back the meta.json files the collector writes (collector/meta.c):
 * one key per line at the top level ("\n  \"key\": "), small objects on one
 * line ("wait": {"sampled": 1, "dropped": 0, ...}). A key search over a
 * format we write ourselves, not a JSON parser; the shared format layer
 * (issue 11) is to replace it with a real reader behind the same calls.
 */
#include <stdbool.h>
#include <stddef.h>

/* The whole file (meta.json, or any small text file), NUL-terminated and
 * malloc'd; NULL if it cannot be read. */
char *read_text_file(const char *path);

/* The value of a top-level "key": N or "key": "S" into out (strings
 * unescaped simply: \" and \\ only); false if absent. */
bool meta_value(const char *text, const char *key, char *out, size_t len);

/* The number at "object": {..., "key": N, ...} (object on one line), or at
 * the top-level "key" when object is NULL; 0 if absent. */
double meta_number(const char *text, const char *object, const char *key);

/* The path of the meta.json of a folded file "<prefix>.<metric>.folded"
 * ("<prefix>.meta.json") into out; false if the name is not of that form. */
bool meta_path_of(const char *folded, char *out, size_t len);

#endif
