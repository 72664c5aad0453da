#ifndef FLAMEPRE_IMAGE_H
#define FLAMEPRE_IMAGE_H
/*
 * Collection of one process image from its shared mapping (layout.h): the
 * same code whether it runs in the collector process (over a memfd the
 * host handed over) or in the host's fallback thread (over the host's own
 * mapping).
 *
 * Model: a stack table keyed by thread serial and module-map epoch, and
 * one record per thread serial ever seen (tid, name, counters). A drain
 * moves every complete ring record into the table and frees the slots of
 * threads that are gone, after their last records. A write symbolizes and
 * writes <comm>.<pid>.<metric>.folded and <comm>.<pid>.meta.json
 * atomically, into the output directory opened without following a
 * symlink (preload/outdir.h); it may be repeated (periodic snapshots) and
 * never changes the table. Files it cannot write are one error line for
 * the image, however many and however often. Allocation sites are read from the mapping at each write.
 *
 * Reads nothing but the mapping and /proc; never calls preload code except
 * through the hooks below. Not thread-safe: one caller at a time.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collector/symbolize.h"
#include "preload/layout.h"

struct image;
struct tslot;

struct image_hooks {
    /* The thread of slot s is gone without its exit hook: stop its clock
     * and retire the slot (only the host can). NULL: the collector retires
     * the slot itself when the slot holds no clock. */
    void (*retire_gone)(struct tslot *s);
    /* Once a second per live slot (host only: re-arm a closed clock). */
    void (*check)(struct tslot *s);
};

/* Is the header h, of a mapping of size bytes, a layout this build reads?
 * NULL if so, else why not. (A copy of the header will do: only its own
 * fields are read.) */
const char *image_check(const struct layout_header *h, size_t size);

/* Check the mapping at base (size bytes) and start collecting it. NULL
 * with *why set when it is not a layout this build reads. */
struct image *image_open(void *base, size_t size, const struct image_hooks *hooks,
                         const char **why);
void image_free(struct image *img);

/* The process as this collector's PID namespace knows it (for /proc and
 * thread liveness), where it differs from the pid the host wrote. */
void image_set_proc_pid(struct image *img, pid_t pid);

/* Records drained from now on are named in module-map epoch `epoch`
 * (symbolize.h); 0 at the start. */
void image_set_epoch(struct image *img, uint32_t epoch);

/* The session as the host wrote it (pid, comm, config, ...). */
const struct layout_header *image_header(const struct image *img);

/* Move every complete record into the table; with refresh, also read
 * names and find threads that are gone. */
void image_drain(struct image *img, bool refresh);

/* Modules of the image, registered on `sym` (which the caller may share
 * between images of one process, such as fork children): the caller's
 * choice of source (its own dl_iterate_phdr, or /proc/<pid>/maps). */
struct image_write {
    struct symbolizer *sym;
    const char *how;       /* exit path or end: "exit", "signal SIGKILL", "snapshot" */
    const char *collector; /* "process" or "thread" */
    int exit_status;       /* -1: unknown */
    const char *name_tag;  /* "" or ".2": tells apart images of one pid */
};

/* Write the files. 0, or -1 when nothing was written. */
int image_write(struct image *img, const struct image_write *w);

/* Something was recorded (a sample, a wait or an allocation site). */
bool image_has_data(const struct image *img);

#endif
