#ifndef FLAMEPRE_RENDER_OUTFILE_H
#define FLAMEPRE_RENDER_OUTFILE_H
/*
 * The one way the flamepre CLI writes an output file (-o PATH of every
 * command, the SVGs and tree files of `record`).
 *
 * Where the bytes go, decided from PATH when it is opened:
 *  - NULL or "-": standard output;
 *  - a missing name or a regular file: a new temp file in the same
 *    directory, renamed over PATH on success, removed on failure, so a
 *    failed run never leaves half a file. The temp name is random and
 *    created with O_CREAT|O_EXCL|O_NOFOLLOW: a file or symlink planted at
 *    a guessable name cannot redirect the write (the old "PATH.tmp.<pid>"
 *    could). Mode 0666 less the umask, like any new file;
 *  - a symlink to a regular file: the same, next to the link's resolved
 *    target, which is replaced; the link itself stays;
 *  - a symlink to our own standard output or error (/dev/stdout,
 *    /proc/self/fd/1): that descriptor, as it is (a pipe, a file opened
 *    for appending, a socket);
 *  - anything else that exists and is not a directory (FIFO, character or
 *    block device, directly or through a symlink): opened for writing and
 *    written in place, never replaced by a regular file;
 *  - a directory or a dangling symlink: an error.
 *
 * The bytes go through stdio into the one file writer of flamepre,
 * format/atomic_file.h (its replacing or its in-place mode), which keeps
 * the first write error; out_close reports it once, as "PATH: strerror"
 * (one line). This file only decides which mode PATH needs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "format/atomic_file.h"

struct out_file {
    FILE *f;               /* write here */
    struct atomic_file af; /* where f's bytes go */
    const char *name;      /* for messages: the path as given, or "standard output" */
};

/* Open the output named by path (see above). Returns 0, or -1 (printed).
 * o must stay at its address, and path valid, until out_close. */
int out_open(struct out_file *o, const char *path);
/* Flush and close. When ok and nothing failed, rename the temp file into
 * place; otherwise remove it. Returns 0, or -1 (a write, close or rename
 * error is printed; when !ok the caller has printed its own). */
int out_close(struct out_file *o, int ok);

/* How an existing or missing PATH is written, from lstat(2) and stat(2) of
 * it: lmode/mode are their st_mode, 0 where the call failed (missing
 * name, dangling link). Pure: the unit tests call it. */
enum out_how {
    OUT_REPLACE,      /* temp file next to PATH, renamed over it */
    OUT_REPLACE_LINK, /* temp file next to the link's target, renamed over it */
    OUT_IN_PLACE,     /* open PATH for writing, no rename */
    OUT_IS_DIR,       /* error: a directory */
    OUT_DANGLING,     /* error: a symlink to nothing */
};
enum out_how out_how(mode_t lmode, mode_t mode);

#endif
