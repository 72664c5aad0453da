#ifndef FLAMEPRE_ATOMIC_FILE_H
#define FLAMEPRE_ATOMIC_FILE_H
/*
 * Write a file so that readers see either the old content or the complete new
 * one: write to "<path>.tmp.<pid>" in the same directory, rename. The temp
 * file is created with O_EXCL|O_NOFOLLOW, and both names are taken
 * relative to a directory descriptor where one is given (the collector
 * writes into the output directory it opened once, without following a
 * symlink: preload/outdir.h), so nothing is written through a symlink. No fsync
 * (see atomic_file.c): atomic for readers, not durable against an OS crash.
 * Uses write(2), not stdio. The writer keeps its first error and ignores
 * later writes (the jemalloc dump-writer habit), so callers check once at
 * commit.
 */
#include <stddef.h>

struct atomic_file {
    int fd;
    int dirfd;        /* names are relative to it (AT_FDCWD: plain paths); borrowed */
    int err;          /* first errno seen, 0 if none */
    char *path;       /* final path */
    char *tmp;        /* temp path */
    char buf[8192];
    size_t used;
};

/* Returns 0, or -1 with errno set. path is relative to dirfd, which
 * must stay open until commit or abort. */
int atomic_file_openat(struct atomic_file *af, int dirfd, const char *path);
/* atomic_file_openat(af, AT_FDCWD, path). */
int atomic_file_open(struct atomic_file *af, const char *path);
void atomic_file_write(struct atomic_file *af, const void *data, size_t len);
void atomic_file_puts(struct atomic_file *af, const char *s);
void atomic_file_printf(struct atomic_file *af, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Flush, close, rename. Returns 0, or -1 with errno set; the temp file is
 * removed on failure. Frees af's memory either way. */
int atomic_file_commit(struct atomic_file *af);
/* Discard: remove the temp file, free memory. */
void atomic_file_abort(struct atomic_file *af);

#endif
