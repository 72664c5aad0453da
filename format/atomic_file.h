#ifndef FLAMEPRE_FORMAT_ATOMIC_FILE_H
#define FLAMEPRE_FORMAT_ATOMIC_FILE_H
/*
 * The one file writer of flamepre: the collector's .folded files and
 * meta.json (in the collector process, or in the host at exit), and every
 * output of the CLI (render/outfile.h decides, from what -o names, which
 * of the two modes below to use).
 *
 * Replacing (atomic_file_openat): readers see either the old content or
 * the complete new one. Bytes go to a temp file "<path>.tmp.XXXXXX" in the
 * same directory, renamed over <path> at commit, removed on failure. The
 * temp name is random and created with O_CREAT|O_EXCL|O_NOFOLLOW, retried
 * under a new name when taken: a file or symlink planted at a guessable
 * name can neither redirect the write nor block it (the collector's old
 * "<path>.tmp.<pid>" could be planted; the CLI's old fopen of it wrote
 * through a symlink). Both names are relative to a directory descriptor
 * where one is given: the collector writes into the output directory it
 * opened once without following a symlink (preload/outdir.h), so nothing
 * on the way can be swapped for a link either. No fsync (atomic_file.c
 * says why): atomic for readers, not durable against an OS crash.
 *
 * In place (atomic_file_fdopen): the bytes go to a descriptor as they
 * are, for what must not be replaced by a regular file (a FIFO, a device,
 * the standard output the shell gave us).
 *
 * Uses write(2), not stdio (this also runs inside the profiled host, whose
 * FILE locks may be held at exit). The writer keeps its first error and
 * ignores later writes (the jemalloc dump-writer habit), so callers check
 * once, at commit. Not async-signal-safe (malloc, snprintf).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct atomic_file {
    int fd;
    int dirfd;   /* names are relative to it (AT_FDCWD: plain paths); borrowed */
    int err;     /* first errno seen, 0 if none */
    bool own_fd; /* close fd at commit/abort */
    char *path;  /* final name; NULL when writing in place */
    char *tmp;   /* temp name; NULL when writing in place */
    char buf[8192];
    size_t used;
};

/* Replace path (relative to dirfd, which must stay open until commit or
 * abort; AT_FDCWD for a plain path) through a new temp file created with
 * `mode` (less the umask). Returns 0, or -1 with errno set; af is then
 * safe to write to, commit (which fails again) and abort. */
int atomic_file_openat(struct atomic_file *af, int dirfd, const char *path, mode_t mode);
/* Write to fd in place: no temp file, no rename. own: close fd at the
 * end. Never fails. */
void atomic_file_fdopen(struct atomic_file *af, int fd, bool own);

void atomic_file_write(struct atomic_file *af, const void *data, size_t len);
void atomic_file_puts(struct atomic_file *af, const char *s);
void atomic_file_printf(struct atomic_file *af, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Flush and close (an owned descriptor; close reports what write could
 * not: NFS, quotas), then rename the temp file into place. Returns 0, or
 * -1 with errno set to the first error; the temp file is removed on
 * failure. Frees af's memory either way. */
int atomic_file_commit(struct atomic_file *af);
/* Discard: close, remove the temp file (what was written in place stays),
 * free memory. errno is kept. */
void atomic_file_abort(struct atomic_file *af);

/* The temp name for target: "<target>.tmp.XXXXXX", the X's six characters
 * of [0-9A-Za-z] from rnd. out must hold strlen(target) + 12 bytes. Pure. */
void atomic_file_tmp_name(char *out, const char *target, uint64_t rnd);

#endif
