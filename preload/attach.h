#ifndef FLAMEPRE_ATTACH_H
#define FLAMEPRE_ATTACH_H
/*
 * The host's side of the collector process: one private channel per
 * process image.
 *
 * The channel is a SOCK_SEQPACKET connection to the collector's listening
 * socket (an abstract Unix name derived from the user and the output
 * directory, or FLAMEPRE_SOCKET from `flamepre record`), close-on-exec and
 * kept at a high descriptor number. The first message hands over the
 * image's memfd (SCM_RIGHTS); from then on the collector reads everything
 * from the mapping, and the channel's end of file is the end of the image,
 * however it came (exit, _exit, exec, a signal, SIGKILL, a crash). Where
 * no collector is listening, the first process starts one (`flamepre
 * collect`, double-forked and setsid, so the program never sees it as a
 * child).
 *
 * Every system call here is a raw one: none goes through the library's
 * own interposers, and none is a cancellation point the program could
 * stop us in. Normal context only.
 */
#include <stdbool.h>
#include <stdint.h>

/* Messages (host -> collector, each answered with the same type). */
enum attach_msg {
    ATTACH_HELLO = 1, /* carries the memfd */
    ATTACH_SYNC = 2,  /* after dlclose: drain, then read the maps again */
    ATTACH_END = 3,   /* the image ends: write its files, then answer */
    /* From a fork child, on the channel it inherited from its parent:
     * carries the child's own channel (one end of a socket pair) and its
     * memfd, in that order; answered with HELLO on the new channel. */
    ATTACH_FORK = 4,
};

struct attach_wire {
    uint32_t magic;   /* ATTACH_MAGIC */
    uint32_t type;    /* enum attach_msg */
    int32_t pid;      /* as the host sees itself */
    uint32_t version; /* LAYOUT_VERSION */
};
#define ATTACH_MAGIC 0x464c4d50u /* "FLMP" */

/* Hand the image (shm_fd) to a collector process, starting one if none
 * listens, in two steps so that the collector's answer overlaps the
 * host's own start-up: attach_begin connects and sends the image;
 * attach_confirm waits for the answer (and on silence tries once more: a
 * collector that was ending its idle time). The memfd is closed here once
 * the answer came. Each returns 0, or -1 (the reason in *why) when the
 * caller must collect in-process. */
int attach_begin(const char *outdir, const char **why);
int attach_confirm(const char **why);

/* The image ends: ask the collector to write its files and wait for it,
 * bounded. With no_wait (nothing will be written) it sends nothing: the
 * channel's EOF at exit is the end, and the header says how it came. The
 * channel stays open. */
void attach_end(bool no_wait);

/* After dlclose: the collector drains and reads the module map again
 * before the program can map something else at the same addresses. */
void attach_sync(void);

/* In a fork child, before anything else uses the channel: the inherited
 * one is the parent's. The child's own channel and mapping go to the
 * parent's collector through it (ATTACH_FORK), so no connection by name is
 * needed: that reaches no collector after the program changed its network
 * namespace, and is refused after it changed its user. Only where the
 * parent's channel is gone, or socketpair is not allowed, the child
 * connects by name. Either way without waiting for an answer (the
 * collector accepted the parent); the parent's channel is then closed.
 * 0 or -1 as attach_begin. */
int attach_fork_child(const char **why);

/* The channel's descriptor, or -1: the close interposers keep the
 * program from closing it. */
int attach_fd(void);

/* Has the collector hung up (killed, crashed)? One poll of the channel,
 * none once it has; false when there is no channel. Any context. */
bool attach_collector_gone(void);

/* The program wants the channel's number (dup2 onto it): move the channel
 * to another high number. */
void attach_move(void);

#endif
