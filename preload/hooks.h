#ifndef FLAMEPRE_HOOKS_H
#define FLAMEPRE_HOOKS_H
/*
 * The hook table: every libc function the library interposes, resolved once
 * with dlsym(RTLD_NEXT). An interposer calls the real function through
 * `real.NAME`, after hooks_ensure(), and never through NULL: a required
 * hook that cannot be resolved is reported once, and the interposer falls
 * back to the raw system call or a failure return.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

/* Lock and I/O calls (interpose_lock.c, interpose_io.c): name, required.
 * Required ones exist in every glibc this builds against; the rest (newer
 * calls, fortify variants) are optional and their interposer fails the
 * call with ENOSYS if missing, which cannot happen when the program itself
 * linked against them. */
#define HOOKS_WAIT(X)                                                                              \
    X(pthread_mutex_lock, 1)                                                                       \
    X(pthread_mutex_trylock, 1)                                                                    \
    X(pthread_mutex_timedlock, 1) X(pthread_mutex_clocklock, 0) X(pthread_rwlock_rdlock, 1) X(     \
        pthread_rwlock_tryrdlock, 1) X(pthread_rwlock_wrlock, 1) X(pthread_rwlock_trywrlock, 1)    \
        X(pthread_rwlock_timedrdlock, 1) X(pthread_rwlock_timedwrlock, 1) X(                       \
            pthread_rwlock_clockrdlock, 0) X(pthread_rwlock_clockwrlock,                           \
                                             0) X(pthread_spin_lock, 1) X(pthread_spin_trylock, 1) \
            X(sem_wait, 1) X(sem_trywait, 1) X(sem_timedwait, 1) X(sem_clockwait, 0) X(            \
                pthread_cond_wait, 1) X(pthread_cond_timedwait, 1) X(pthread_cond_clockwait, 0)    \
                X(read, 1) X(write, 1) X(pread, 1) X(pread64, 1) X(pwrite, 1) X(pwrite64, 1) X(    \
                    readv, 1)                                                                      \
                    X(writev, 1) X(preadv, 0) X(preadv64, 0) X(pwritev, 0) X(pwritev64, 0)         \
                        X(preadv2, 0) X(preadv64v2, 0) X(pwritev2, 0) X(pwritev64v2, 0) X(         \
                            recv,                                                                  \
                            1) X(recvfrom,                                                         \
                                 1) X(recvmsg, 1)                                                  \
                            X(recvmmsg, 0) X(send, 1) X(sendto, 1) X(sendmsg, 1) X(sendmmsg, 0)    \
                                X(accept, 1) X(accept4, 0) X(connect, 1) X(poll, 1) X(ppoll, 0) X( \
                                    select,                                                        \
                                    1) X(pselect, 0)                                               \
                                    X(epoll_wait, 0) X(epoll_pwait, 0) X(epoll_pwait2, 0) X(       \
                                        fsync, 1) X(fdatasync, 1)                                  \
                                        X(sync_file_range, 0) X(open, 1) X(open64, 0) X(openat, 1) \
                                            X(openat64, 0) X(sendfile, 0) X(sendfile64, 0)         \
                                                X(splice, 0) X(copy_file_range, 0) X(fread, 1)     \
                                                    X(fwrite, 1) X(fgets, 1) X(fputs, 1) X(        \
                                                        getline, 1) X(getdelim, 1)                 \
                                                        X(fflush, 1) X(fgetc, 1)                   \
                                                            X(getc, 1) X(fputc, 1) X(putc, 1) X(   \
                                                                getchar, 1) X(putchar, 1)          \
                                                                X(puts, 1) X(__read_chk, 0) X(     \
                                                                    __pread_chk,                   \
                                                                    0) X(__pread64_chk,            \
                                                                         0) X(__recv_chk, 0)       \
                                                                    X(__recvfrom_chk,              \
                                                                      0) X(__poll_chk,             \
                                                                           0) X(__ppoll_chk, 0)    \
                                                                        X(__open_2,                \
                                                                          0) X(__open64_2,         \
                                                                               0) X(__openat_2, 0) \
                                                                            X(__openat64_2,        \
                                                                              0) X(__fread_chk, 0) \
                                                                                X(__fgets_chk, 0)

/* Sleeps, child waits and the C11 calls (interpose_sleep.c,
 * interpose_child.c, interpose_lock.c): recorded for the wall event. The
 * C11 ones are optional (glibc 2.28). */
#define HOOKS_WALL(X)          \
    X(nanosleep, 1)            \
    X(clock_nanosleep, 1)      \
    X(usleep, 1)               \
    X(sleep, 1)                \
    X(sched_yield, 1)          \
    X(pause, 1)                \
    X(sigsuspend, 1)           \
    X(wait, 1)                 \
    X(waitpid, 1)              \
    X(wait4, 1)                \
    X(waitid, 1)               \
    X(pthread_join, 1)         \
    X(pthread_timedjoin_np, 0) \
    X(pthread_clockjoin_np, 0) \
    X(thrd_join, 0)            \
    X(thrd_sleep, 0)           \
    X(thrd_yield, 0)           \
    X(mtx_lock, 0)             \
    X(mtx_trylock, 0)          \
    X(mtx_timedlock, 0)        \
    X(cnd_wait, 0)             \
    X(cnd_timedwait, 0)

/* glibc's fortify entry points (declared by its headers only under
 * _FORTIFY_SOURCE). */
ssize_t __read_chk(int, void *, size_t, size_t);
ssize_t __pread_chk(int, void *, size_t, off_t, size_t);
ssize_t __pread64_chk(int, void *, size_t, off64_t, size_t);
ssize_t __recv_chk(int, void *, size_t, size_t, int);
ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
int __poll_chk(struct pollfd *, nfds_t, int, size_t);
int __ppoll_chk(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t);
int __open_2(const char *, int);
int __open64_2(const char *, int);
int __openat_2(int, const char *, int);
int __openat64_2(int, const char *, int);
size_t __fread_chk(void *, size_t, size_t, size_t, FILE *);
char *__fgets_chk(char *, size_t, int, FILE *);
/* glibc's start of every dynamically linked program (called by _start),
 * declared in no header */
int __libc_start_main(int (*)(int, char **, char **), int, char **, void (*)(void), void (*)(void),
                      void (*)(void), void *);

#define FLAMEPRE_EXPORT __attribute__((visibility("default")))

/* For the library's big zero-initialised arrays: .lbss, placed after .bss,
 * so the small variables every process touches at start share a few pages
 * instead of sitting between the arrays, a page (and a page fault, tens of
 * microseconds in a VM) apiece. */
#define FLAMEPRE_BIG_BSS __attribute__((section(".lbss")))

struct hooks {
    int (*pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    void (*exit)(int) __attribute__((noreturn));
    void (*_exit)(int) __attribute__((noreturn));
    void (*_Exit)(int) __attribute__((noreturn));
    int (*__libc_start_main)(int (*)(int, char **, char **), int, char **, void (*)(void),
                             void (*)(void), void (*)(void), void *);
    void *(*dlopen)(const char *, int);
    void *(*dlmopen)(Lmid_t, const char *, int);
    int (*dlclose)(void *);
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execvpe)(const char *, char *const[], char *const[]);
    int (*fexecve)(int, char *const[], char *const[]);
    int (*sigaction)(int, const struct sigaction *, struct sigaction *);
    /* the sampling signal's other users (interpose_signal.c) */
    int (*pthread_sigmask)(int, const sigset_t *, sigset_t *);
    int (*sigprocmask)(int, const sigset_t *, sigset_t *);
    int (*sigwaitinfo)(const sigset_t *, siginfo_t *);
    int (*sigtimedwait)(const sigset_t *, siginfo_t *, const struct timespec *);
    int (*signalfd)(int, const sigset_t *, int);
    /* descriptors (interpose_fd.c); close_range is optional (glibc 2.34) */
    int (*close)(int);
    int (*close_range)(unsigned, unsigned, int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    /* code mapped without the loader (interpose_mmap.c) */
    void *(*mmap)(void *, size_t, int, int, int, off_t);
    void *(*mmap64)(void *, size_t, int, int, int, off64_t);
    /* allocation (interpose_alloc.c); the jemalloc extensions are optional */
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*reallocarray)(void *, size_t, size_t);
    void (*free)(void *);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    void *(*mallocx)(size_t, int);
    void *(*rallocx)(void *, size_t, int);
    void (*sdallocx)(void *, size_t, int);
    void (*dallocx)(void *, int);
#define HOOK_MEMBER(n, req) __typeof__(&n) n;
    HOOKS_WAIT(HOOK_MEMBER)
    HOOKS_WALL(HOOK_MEMBER)
#undef HOOK_MEMBER
    /* last: hooks_ensure() tests it to know the table is resolved */
    int (*dl_iterate_phdr)(int (*)(struct dl_phdr_info *, size_t, void *), void *);
};

extern struct hooks real;

/* Resolve every hook (idempotent, thread-safe enough: each store is a
 * pointer and every resolution gives the same value). dlsym may allocate:
 * the allocation interposers serve those calls from the bootstrap arena
 * while real.malloc is still NULL. */
void hooks_resolve(void);

/* hooks_resolve for an interposer's first call: the program's errno is
 * kept (dlsym may set it). Out of line and cold, so the interposers' fast
 * paths stay small. */
void hooks_resolve_keep_errno(void) __attribute__((cold));

/* The rows hooks_resolve leaves alone (jemalloc's mallocx, rallocx,
 * sdallocx, dallocx): resolved at the first call of one of their shims,
 * once; errno kept. */
void hooks_resolve_on_use(void) __attribute__((cold));
extern int hooks_on_use_done; /* read and written with __atomic builtins */
static inline void hooks_on_use(void)
{
    if (__builtin_expect(!__atomic_load_n(&hooks_on_use_done, __ATOMIC_ACQUIRE), 0))
        hooks_resolve_on_use();
}

/* An interposer's prologue: resolve real.name on first use; where the
 * libraries after flamepre have no such function, fail as a missing one
 * would (errno ENOSYS, return FAIL; FAIL empty for a void function). */
#define HOOK_REAL_OR_FAIL(name, FAIL)               \
    do {                                            \
        if (__builtin_expect(!real.name, 0)) {      \
            hooks_resolve_keep_errno();             \
            if (!real.name) {                       \
                errno = ENOSYS;                     \
                return FAIL;                        \
            }                                       \
        }                                           \
    } while (0)

static inline void hooks_ensure(void)
{
    if (__builtin_expect(real.dl_iterate_phdr == 0, 0))
        hooks_resolve();
}

#endif
