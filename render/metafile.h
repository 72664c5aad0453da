#ifndef FLAMEPRE_RENDER_METAFILE_H
#define FLAMEPRE_RENDER_METAFILE_H
/*
 * Reading back the meta.json files the collector writes (collector/meta.c)
 * for the graphs' titles: small lookups in a tree the JSON reader of the
 * format layer parsed (json_parse_file, format/json.h).
 */
#include <stdbool.h>
#include <stddef.h>

struct json;

/* The whole file (meta.json, or any small text file), NUL-terminated and
 * malloc'd; NULL if it cannot be read. */
char *read_text_file(const char *path);

/* The value of the top-level member `key` (a string, or a number written
 * out) into out; false if absent or of another type. */
bool meta_value(const struct json *meta, const char *key, char *out, size_t len);

/* The number at object.key, or at the top-level key when object is NULL;
 * 0 if absent or not a number. */
double meta_number(const struct json *meta, const char *object, const char *key);

/* The path of the meta.json of a folded file "<prefix>.<metric>.folded"
 * ("<prefix>.meta.json") into out; false if the name is not of that form. */
bool meta_path_of(const char *folded, char *out, size_t len);

#endif
