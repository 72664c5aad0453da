/*
 * I/O interposers: thin shims over the blocking calls that time every call
 * (two vDSO clock reads) and report its duration to wait.h, which samples
 * by time and classifies the descriptor only for sampled calls.
 *
 * Semantics are the real call's: each shim calls the real function once,
 * directly, with the program's arguments, holds no profiler state across it
 * (so pthread_cancel of a thread blocked in read unwinds through the shim
 * like through any frame), and returns its result; errno is not touched
 * (clock_gettime from the vDSO does not set it; the recording path saves
 * and restores it). Partial transfers, EINTR, EAGAIN and SIGPIPE are the
 * kernel's business, seen by the program exactly as without us.
 *
 * stdio: glibc's fread/fgets/... reach the kernel through internal calls
 * (__read, __write: no PLT), so they never pass through the read/write
 * shims; the stdio call itself is timed. A stream whose callbacks do call
 * read/write through the PLT (fopencookie) would be counted twice: the
 * stdio shims raise tstate.io_nest around the real call and the inner
 * shims pass through while it is set.
 *
 * Names: pread64/pwrite64/preadv64/..., open64/openat64 and the fortify
 * variants (__read_chk, __open_2, ...) record as their plain call (pread,
 * open, read).
 *
 * Character calls (fputc, putc, putchar, fgetc, getc, getchar) are the
 * hottest calls of all: a program's output loop makes one per byte, and a
 * hop through a shim into glibc's fputc costs as much as the call itself.
 * With I/O profiling off, in a single-threaded process (glibc's
 * __libc_single_threaded: fputc then takes no lock either) the shim does
 * what glibc's own putc_unlocked/getc_unlocked do (the buffer-pointer test
 * of <bits/types/struct_FILE.h>, a public ABI): a byte that fits in the
 * buffer is stored or taken in place, and anything else (buffer full or
 * empty, line-buffered or unbuffered streams, errors, wide orientation
 * checks) is the real call's.
 *
 * With I/O profiling off every shim costs one predictable branch on
 * wait_io_on.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/single_threaded.h>
#include <sys/uio.h>
#include <unistd.h>

#include "preload/hooks.h"
#include "preload/wait.h"

#define RA ((uintptr_t)__builtin_return_address(0))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LIKELY(x) __builtin_expect(!!(x), 1)
/* Recording this call? (off, or inside a recorded stdio call: no) */
#define IO_ON() UNLIKELY(__atomic_load_n(&wait_io_on, __ATOMIC_RELAXED) && !tstate.io_nest)

static inline void io_end(enum wait_call call, int fd, enum wait_fd_kind fdk, uint64_t t0,
                          uint64_t bytes, uintptr_t ra)
{
    uint64_t d = wait_now() - t0;
    wait_note(WAIT_LABEL(call, fdk), fd, d, bytes, NULL, ra);
}

static inline uint64_t pos(long r)
{
    return r > 0 ? (uint64_t)r : 0;
}

/*
 * SHIM(ret, name, call, FAIL, FD, KIND, BYTES, (params), (args))
 * FD: the descriptor to classify when sampled (-1: use KIND as is);
 * BYTES: bytes moved, from the result `r`. FAIL: returned (errno ENOSYS)
 * when the real function does not exist.
 */
#define SHIM(ret, name, call, FAIL, FD, KIND, BYTES, params, args) \
    FLAMEPRE_EXPORT ret name params                                \
    {                                                              \
        HOOK_REAL_OR_FAIL(name, FAIL);                             \
        if (LIKELY(!IO_ON()))                                      \
            return real.name args;                                 \
        uint64_t t0 = wait_now();                                  \
        ret r = real.name args;                                    \
        io_end(call, FD, KIND, t0, BYTES, RA);                     \
        return r;                                                  \
    }

/* stdio: the same, with io_nest raised around the real call.
 * STDIO_FN defines it as `linkage ret fname` over real.name. */
#define STDIO(ret, name, call, FAIL, FP, BYTES, params, args) \
    STDIO_FN(FLAMEPRE_EXPORT, ret, name, name, call, FAIL, FP, BYTES, params, args)
#define STDIO_FN(linkage, ret, fname, name, call, FAIL, FP, BYTES, params, args) \
    linkage ret fname params                                                     \
    {                                                                            \
        HOOK_REAL_OR_FAIL(name, FAIL);                                           \
        if (LIKELY(!IO_ON()))                                                    \
            return real.name args;                                               \
        uint64_t t0 = wait_now();                                                \
        tstate.io_nest++;                                                        \
        ret r = real.name args;                                                  \
        tstate.io_nest--;                                                        \
        FILE *fp_ = (FP);                                                        \
        io_end(call, fp_ ? fileno_unlocked(fp_) : -1, FDK_OTHER, t0, BYTES, RA); \
        return r;                                                                \
    }

#define FD_SHIM(ret, name, call, params, args, fd) \
    SHIM(ret, name, call, -1, fd, FDK_OTHER, pos((long)r), params, args)

/* ---- read/write family ---- */
FD_SHIM(ssize_t, read, WC_read, (int fd, void *b, size_t n), (fd, b, n), fd)
FD_SHIM(ssize_t, write, WC_write, (int fd, const void *b, size_t n), (fd, b, n), fd)
FD_SHIM(ssize_t, pread, WC_pread, (int fd, void *b, size_t n, off_t o), (fd, b, n, o), fd)
FD_SHIM(ssize_t, pread64, WC_pread, (int fd, void *b, size_t n, off64_t o), (fd, b, n, o), fd)
FD_SHIM(ssize_t, pwrite, WC_pwrite, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o), fd)
FD_SHIM(ssize_t, pwrite64, WC_pwrite, (int fd, const void *b, size_t n, off64_t o), (fd, b, n, o),
        fd)
FD_SHIM(ssize_t, readv, WC_readv, (int fd, const struct iovec *v, int c), (fd, v, c), fd)
FD_SHIM(ssize_t, writev, WC_writev, (int fd, const struct iovec *v, int c), (fd, v, c), fd)
FD_SHIM(ssize_t, preadv, WC_preadv, (int fd, const struct iovec *v, int c, off_t o), (fd, v, c, o),
        fd)
FD_SHIM(ssize_t, preadv64, WC_preadv, (int fd, const struct iovec *v, int c, off64_t o),
        (fd, v, c, o), fd)
FD_SHIM(ssize_t, pwritev, WC_pwritev, (int fd, const struct iovec *v, int c, off_t o),
        (fd, v, c, o), fd)
FD_SHIM(ssize_t, pwritev64, WC_pwritev, (int fd, const struct iovec *v, int c, off64_t o),
        (fd, v, c, o), fd)
FD_SHIM(ssize_t, preadv2, WC_preadv2, (int fd, const struct iovec *v, int c, off_t o, int f),
        (fd, v, c, o, f), fd)
FD_SHIM(ssize_t, preadv64v2, WC_preadv2, (int fd, const struct iovec *v, int c, off64_t o, int f),
        (fd, v, c, o, f), fd)
FD_SHIM(ssize_t, pwritev2, WC_pwritev2, (int fd, const struct iovec *v, int c, off_t o, int f),
        (fd, v, c, o, f), fd)
FD_SHIM(ssize_t, pwritev64v2, WC_pwritev2, (int fd, const struct iovec *v, int c, off64_t o, int f),
        (fd, v, c, o, f), fd)
FD_SHIM(ssize_t, __read_chk, WC_read, (int fd, void *b, size_t n, size_t bl), (fd, b, n, bl), fd)
FD_SHIM(ssize_t, __pread_chk, WC_pread, (int fd, void *b, size_t n, off_t o, size_t bl),
        (fd, b, n, o, bl), fd)
FD_SHIM(ssize_t, __pread64_chk, WC_pread, (int fd, void *b, size_t n, off64_t o, size_t bl),
        (fd, b, n, o, bl), fd)

/* ---- sockets ---- */
FD_SHIM(ssize_t, recv, WC_recv, (int fd, void *b, size_t n, int f), (fd, b, n, f), fd)
FD_SHIM(ssize_t, __recv_chk, WC_recv, (int fd, void *b, size_t n, size_t bl, int f),
        (fd, b, n, bl, f), fd)
FD_SHIM(ssize_t, recvfrom, WC_recvfrom,
        (int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l), (fd, b, n, f, a, l),
        fd)
FD_SHIM(ssize_t, __recvfrom_chk, WC_recvfrom,
        (int fd, void *b, size_t n, size_t bl, int f, struct sockaddr *a, socklen_t *l),
        (fd, b, n, bl, f, a, l), fd)
FD_SHIM(ssize_t, recvmsg, WC_recvmsg, (int fd, struct msghdr *m, int f), (fd, m, f), fd)
FD_SHIM(ssize_t, send, WC_send, (int fd, const void *b, size_t n, int f), (fd, b, n, f), fd)
FD_SHIM(ssize_t, sendto, WC_sendto,
        (int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l),
        (fd, b, n, f, a, l), fd)
FD_SHIM(ssize_t, sendmsg, WC_sendmsg, (int fd, const struct msghdr *m, int f), (fd, m, f), fd)

static inline uint64_t mmsg_bytes(const struct mmsghdr *v, int r)
{
    uint64_t b = 0;
    for (int i = 0; i < r; i++)
        b += v[i].msg_len;
    return b;
}

SHIM(int, recvmmsg, WC_recvmmsg, -1, fd, FDK_OTHER, mmsg_bytes(v, r),
     (int fd, struct mmsghdr *v, unsigned n, int f, struct timespec *t), (fd, v, n, f, t))
SHIM(int, sendmmsg, WC_sendmmsg, -1, fd, FDK_OTHER, mmsg_bytes(v, r),
     (int fd, struct mmsghdr *v, unsigned n, int f), (fd, v, n, f))
SHIM(int, accept, WC_accept, -1, fd, FDK_OTHER, 0, (int fd, struct sockaddr *a, socklen_t *l),
     (fd, a, l))
SHIM(int, accept4, WC_accept4, -1, fd, FDK_OTHER, 0,
     (int fd, struct sockaddr *a, socklen_t *l, int f), (fd, a, l, f))
SHIM(int, connect, WC_connect, -1, fd, FDK_OTHER, 0,
     (int fd, const struct sockaddr *a, socklen_t l), (fd, a, l))

/* ---- readiness waits: [poll] whatever the descriptors ---- */
SHIM(int, poll, WC_poll, -1, -1, FDK_POLL, 0, (struct pollfd * f, nfds_t n, int t), (f, n, t))
SHIM(int, __poll_chk, WC_poll, -1, -1, FDK_POLL, 0, (struct pollfd * f, nfds_t n, int t, size_t l),
     (f, n, t, l))
SHIM(int, ppoll, WC_ppoll, -1, -1, FDK_POLL, 0,
     (struct pollfd * f, nfds_t n, const struct timespec *t, const sigset_t *s), (f, n, t, s))
SHIM(int, __ppoll_chk, WC_ppoll, -1, -1, FDK_POLL, 0,
     (struct pollfd * f, nfds_t n, const struct timespec *t, const sigset_t *s, size_t l),
     (f, n, t, s, l))
SHIM(int, select, WC_select, -1, -1, FDK_POLL, 0,
     (int n, fd_set *r_, fd_set *w, fd_set *e, struct timeval *t), (n, r_, w, e, t))
SHIM(int, pselect, WC_pselect, -1, -1, FDK_POLL, 0,
     (int n, fd_set *r_, fd_set *w, fd_set *e, const struct timespec *t, const sigset_t *s),
     (n, r_, w, e, t, s))
SHIM(int, epoll_wait, WC_epoll_wait, -1, -1, FDK_POLL, 0,
     (int fd, struct epoll_event *e, int n, int t), (fd, e, n, t))
SHIM(int, epoll_pwait, WC_epoll_pwait, -1, -1, FDK_POLL, 0,
     (int fd, struct epoll_event *e, int n, int t, const sigset_t *s), (fd, e, n, t, s))
SHIM(int, epoll_pwait2, WC_epoll_pwait2, -1, -1, FDK_POLL, 0,
     (int fd, struct epoll_event *e, int n, const struct timespec *t, const sigset_t *s),
     (fd, e, n, t, s))

/* ---- durability ---- */
SHIM(int, fsync, WC_fsync, -1, fd, FDK_OTHER, 0, (int fd), (fd))
SHIM(int, fdatasync, WC_fdatasync, -1, fd, FDK_OTHER, 0, (int fd), (fd))
SHIM(int, sync_file_range, WC_sync_file_range, -1, fd, FDK_OTHER, 0,
     (int fd, off64_t o, off64_t n, unsigned f), (fd, o, n, f))

/* ---- copies between descriptors: classified by the destination ---- */
SHIM(ssize_t, sendfile, WC_sendfile, -1, o, FDK_OTHER, pos((long)r),
     (int o, int i, off_t *off, size_t n), (o, i, off, n))
SHIM(ssize_t, sendfile64, WC_sendfile, -1, o, FDK_OTHER, pos((long)r),
     (int o, int i, off64_t *off, size_t n), (o, i, off, n))
SHIM(ssize_t, splice, WC_splice, -1, o, FDK_OTHER, pos((long)r),
     (int i, off64_t *io, int o, off64_t *oo, size_t n, unsigned f), (i, io, o, oo, n, f))
SHIM(ssize_t, copy_file_range, WC_copy_file_range, -1, o, FDK_OTHER, pos((long)r),
     (int i, off64_t *io, int o, off64_t *oo, size_t n, unsigned f), (i, io, o, oo, n, f))

/* ---- open: variadic; the kind is the opened descriptor's ---- */
static inline int open_mode(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, int) : 0;
}

#define OPEN_BODY(name, call, ...)                             \
    HOOK_REAL_OR_FAIL(name, -1);                               \
    if (LIKELY(!IO_ON()))                                      \
        return real.name(__VA_ARGS__);                         \
    uint64_t t0 = wait_now();                                  \
    int r = real.name(__VA_ARGS__);                            \
    io_end(call, r, r >= 0 ? FDK_OTHER : FDK_FILE, t0, 0, RA); \
    return r;

FLAMEPRE_EXPORT int open(const char *p, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = open_mode(flags, ap);
    va_end(ap);
    OPEN_BODY(open, WC_open, p, flags, mode)
}

FLAMEPRE_EXPORT int open64(const char *p, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = open_mode(flags, ap);
    va_end(ap);
    OPEN_BODY(open64, WC_open, p, flags, mode)
}

FLAMEPRE_EXPORT int openat(int d, const char *p, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = open_mode(flags, ap);
    va_end(ap);
    OPEN_BODY(openat, WC_openat, d, p, flags, mode)
}

FLAMEPRE_EXPORT int openat64(int d, const char *p, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = open_mode(flags, ap);
    va_end(ap);
    OPEN_BODY(openat64, WC_openat, d, p, flags, mode)
}

FLAMEPRE_EXPORT int __open_2(const char *p, int flags){OPEN_BODY(__open_2, WC_open, p, flags)}

FLAMEPRE_EXPORT int __open64_2(const char *p, int flags){OPEN_BODY(__open64_2, WC_open, p, flags)}

FLAMEPRE_EXPORT
    int __openat_2(int d, const char *p, int flags){OPEN_BODY(__openat_2, WC_openat, d, p, flags)}

FLAMEPRE_EXPORT int __openat64_2(int d, const char *p,
                                 int flags){OPEN_BODY(__openat64_2, WC_openat, d, p, flags)}

/* ---- stdio ---- */
STDIO(size_t, fread, WC_fread, 0, f, (uint64_t)r *s, (void *p, size_t s, size_t n, FILE *f),
      (p, s, n, f)) STDIO(size_t, __fread_chk, WC_fread, 0, f, (uint64_t)r *s,
                          (void *p, size_t pl, size_t s, size_t n, FILE *f), (p, pl, s, n, f))
    STDIO(size_t, fwrite, WC_fwrite, 0, f, (uint64_t)r *s,
          (const void *p, size_t s, size_t n, FILE *f), (p, s, n, f))
        STDIO(char *, fgets, WC_fgets, NULL, f, 0, (char *s, int n, FILE *f), (s, n, f))
            STDIO(char *, __fgets_chk, WC_fgets, NULL, f, 0, (char *s, size_t sl, int n, FILE *f),
                  (s, sl, n, f))
                STDIO(int, fputs, WC_fputs, EOF, f, 0, (const char *s, FILE *f), (s, f))
                    STDIO(int, puts, WC_puts, EOF, stdout, 0, (const char *s), (s))
                        STDIO(ssize_t, getline, WC_getline, -1, f, pos((long)r),
                              (char **l, size_t *n, FILE *f), (l, n, f))
                            STDIO(ssize_t, getdelim, WC_getdelim, -1, f, pos((long)r),
                                  (char **l, size_t *n, int d, FILE *f), (l, n, d, f))
                                STDIO(int, fflush, WC_fflush, EOF, f, 0, (FILE * f), (f))

/* Character calls: the in-buffer fast path (see the top), then STDIO's. */
#define IN_PLACE() (LIKELY(__libc_single_threaded) && !IO_ON())
    /* A NULL stream is the real call's to fault on (glibc declares the
 * parameter nonnull, so the test is hidden from the optimizer). */
    static inline FILE *stream(FILE *f)
{
    __asm__("" : "+r"(f));
    return f;
}
#define GET_FAST(f0)                                                 \
    do {                                                             \
        FILE *s_ = stream(f0);                                       \
        if (IN_PLACE() && s_ && s_->_IO_read_ptr < s_->_IO_read_end) \
            return *(unsigned char *)s_->_IO_read_ptr++;             \
    } while (0)
#define PUT_FAST(c, f0)                                                \
    do {                                                               \
        FILE *s_ = stream(f0);                                         \
        if (IN_PLACE() && s_ && s_->_IO_write_ptr < s_->_IO_write_end) \
            return (unsigned char)(*s_->_IO_write_ptr++ = (char)(c));  \
    } while (0)

#define SLOW static __attribute__((noinline))
STDIO_FN(SLOW, int, fgetc_slow, fgetc, WC_fgetc, EOF, f, r != EOF, (FILE * f), (f))
STDIO_FN(SLOW, int, getc_slow, getc, WC_getc, EOF, f, r != EOF, (FILE * f), (f))
STDIO_FN(SLOW, int, getchar_slow, getchar, WC_getchar, EOF, stdin, r != EOF, (void), ())
STDIO_FN(SLOW, int, fputc_slow, fputc, WC_fputc, EOF, f, r != EOF, (int c, FILE *f), (c, f))
STDIO_FN(SLOW, int, putc_slow, putc, WC_putc, EOF, f, r != EOF, (int c, FILE *f), (c, f))
STDIO_FN(SLOW, int, putchar_slow, putchar, WC_putchar, EOF, stdout, r != EOF, (int c), (c))

FLAMEPRE_EXPORT int fgetc(FILE *f)
{
    GET_FAST(f);
    return fgetc_slow(f);
}

FLAMEPRE_EXPORT int getc(FILE *f)
{
    GET_FAST(f);
    return getc_slow(f);
}

FLAMEPRE_EXPORT int getchar(void)
{
    FILE *f = stdin;
    GET_FAST(f);
    return getchar_slow();
}

FLAMEPRE_EXPORT int fputc(int c, FILE *f)
{
    PUT_FAST(c, f);
    return fputc_slow(c, f);
}

FLAMEPRE_EXPORT int putc(int c, FILE *f)
{
    PUT_FAST(c, f);
    return putc_slow(c, f);
}

FLAMEPRE_EXPORT int putchar(int c)
{
    FILE *f = stdout;
    PUT_FAST(c, f);
    return putchar_slow(c);
}
