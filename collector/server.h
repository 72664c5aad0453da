#ifndef FLAMEPRE_SERVER_H
#define FLAMEPRE_SERVER_H
/*
 * The collector process's loop: serves process images that attach over
 * a listening SOCK_SEQPACKET socket (attach.h has the host's side).
 *
 * Each client connection is one image: its first message hands over the
 * image's memfd, which the server maps and collects (image.h) every 50 ms;
 * the connection's end of file is the end of the image, however it came,
 * and the server then writes the image's files from the mapping, which
 * outlives the host. An END message writes them at once, and the answer
 * lets the host exit knowing they exist. Module maps are read from
 * /proc/<pid>/maps at attach and after each change the host announces; one
 * symbolizer (one read of each ELF) serves every image.
 *
 * One thread; nothing here blocks but the poll. Peers of another user are
 * refused (SO_PEERCRED).
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct server;

/* Listen on abstract name `name`. NULL with errno EADDRINUSE when another
 * collector already listens there (not an error for `flamepre collect`). */
struct server *server_new(const char *name);

/* Answer END before writing the image's files, not after: for `flamepre
 * record`, whose promise is that the files exist when it returns (it
 * writes every image before), so its processes do not wait at exit for
 * their symbolization, which serialised a `make -j` on its collector. The
 * image's maps are read, and its rings drained, before the answer all the
 * same (the memory outlives the process). */
void server_set_early_end(struct server *s, bool early);

/* Raise this process's descriptor limit to its hard limit: a client holds
 * up to four (its channel, /proc stat, pidfd, and its image until mapped),
 * and a fork storm or make -j has hundreds at once. In the collector's own
 * process only, never before it starts a program: the limit is inherited.
 * Past what the limit leaves room for, new clients are refused (they
 * collect in-process). */
void server_more_descriptors(struct server *s);

/* One round: wait up to timeout_ms for messages, then drain and write
 * what is due. Returns the number of images attached. */
size_t server_step(struct server *s, int timeout_ms);

/* Images attached now, and milliseconds since the last one left (0 while
 * any is attached). */
size_t server_clients(const struct server *s);
unsigned long server_idle_ms(const struct server *s);

/* Write every image still attached, as it is now (`how` goes to
 * meta.json's end), and let them go. */
void server_finish_all(struct server *s, const char *how);

void server_free(struct server *s);

#endif
