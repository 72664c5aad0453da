/*
 * What a seccomp filter lets the profiler do (see sandbox.h).
 */
#include "preload/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "preload/fds.h"
#include "preload/log.h"
#include "preload/sampler.h"

#define ALL (SANDBOX_PERF | SANDBOX_TIMER | SANDBOX_SOCKET | SANDBOX_MEMFD | SANDBOX_PAIR)

static _Atomic unsigned allowed;
static _Atomic bool probed;

/* Does a seccomp filter apply to this process (inherited at exec)? */
static bool seccomp_filtered(void)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    fds_close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    const char *p = strstr(buf, "\nSeccomp:");
    if (!p)
        return false;
    p += 9;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p == '2';
}

/* The call of `kind`, in the probe child: 0 if it succeeded. */
static int try_call(unsigned kind)
{
    long r = -1;
    switch (kind) {
    case SANDBOX_PERF: {
        struct perf_event_attr attr;
        sampler_perf_attr(&attr);
        r = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
        break;
    }
    case SANDBOX_TIMER: {
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = SIGEV_NONE;
        int id;
        r = syscall(SYS_timer_create, CLOCK_THREAD_CPUTIME_ID, &sev, &id);
        break;
    }
    case SANDBOX_SOCKET: r = syscall(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0); break;
    case SANDBOX_MEMFD: r = syscall(SYS_memfd_create, "flamepre-probe", MFD_CLOEXEC); break;
    case SANDBOX_PAIR: {
        int sv[2];
        r = syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
        break;
    }
    default: break;
    }
    return r >= 0 ? 0 : 1;
}

/* The call of `kind` in a bare clone (no atfork handlers; its exit signal
 * is none, so the program never sees it), SIGSYS at its default action so
 * that a trapping filter ends it too. */
static bool probe(unsigned kind)
{
    long pid = syscall(SYS_clone, 0L, NULL, NULL, NULL, 0L);
    if (pid == 0) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        syscall(SYS_rt_sigaction, SIGSYS, &dfl, NULL, 8); /* the kernel's sigset size */
        syscall(SYS_exit_group, try_call(kind));
    }
    if (pid < 0)
        return false;
    int st;
    while (syscall(SYS_wait4, pid, &st, __WCLONE, NULL) < 0)
        if (errno != EINTR)
            return false;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static const char *kind_name(unsigned kind)
{
    switch (kind) {
    case SANDBOX_PERF: return "perf_event_open";
    case SANDBOX_TIMER: return "timer_create";
    case SANDBOX_SOCKET: return "socket";
    case SANDBOX_PAIR: return "socketpair";
    default: return "memfd_create";
    }
}

bool sandbox_allows(enum sandbox_call kind)
{
    if (!atomic_load_explicit(&probed, memory_order_acquire)) {
        unsigned ok = ALL;
        if (seccomp_filtered()) {
            int saved = errno;
            for (unsigned k = SANDBOX_PERF; k <= SANDBOX_PAIR; k <<= 1)
                if (!probe(k)) {
                    ok &= ~k;
                    log_info("a seccomp filter refuses %s: not used", kind_name(k));
                }
            errno = saved;
        }
        atomic_store_explicit(&allowed, ok, memory_order_relaxed);
        atomic_store_explicit(&probed, true, memory_order_release);
    }
    return (atomic_load_explicit(&allowed, memory_order_relaxed) & kind) != 0;
}

static _Atomic bool later;

/* The seccomp data of one call, as a filter sees it. */
static void call_data(unsigned kind, struct seccomp_data *d)
{
    memset(d, 0, sizeof *d);
    d->arch = AUDIT_ARCH_X86_64;
    switch (kind) {
    case SANDBOX_PERF:
        d->nr = SYS_perf_event_open;
        d->args[2] = (uint64_t)-1;
        d->args[3] = (uint64_t)-1;
        d->args[4] = PERF_FLAG_FD_CLOEXEC;
        break;
    case SANDBOX_TIMER: d->nr = SYS_timer_create; break;
    case SANDBOX_SOCKET:
        d->nr = SYS_socket;
        d->args[0] = AF_UNIX;
        d->args[1] = SOCK_SEQPACKET | SOCK_CLOEXEC;
        break;
    case SANDBOX_PAIR:
        d->nr = SYS_socketpair;
        d->args[0] = AF_UNIX;
        d->args[1] = SOCK_SEQPACKET | SOCK_CLOEXEC;
        break;
    default:
        d->nr = SYS_memfd_create;
        d->args[1] = MFD_CLOEXEC;
        break;
    }
}

/* Run a classic BPF seccomp program on d: its action, or KILL_PROCESS for
 * a program this does not understand (so the call is not made). */
static uint32_t run_filter(const struct sock_filter *f, unsigned len, const struct seccomp_data *d)
{
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
    for (unsigned pc = 0; pc < len; pc++) {
        const struct sock_filter *i = &f[pc];
        uint32_t k = i->k, src = BPF_SRC(i->code) == BPF_X ? x : k;
        switch (BPF_CLASS(i->code)) {
        case BPF_LD:
        case BPF_LDX: {
            uint32_t v;
            if (BPF_MODE(i->code) == BPF_ABS && BPF_SIZE(i->code) == BPF_W && k % 4 == 0 &&
                k + 4 <= sizeof *d)
                memcpy(&v, (const char *)d + k, 4);
            else if (BPF_MODE(i->code) == BPF_IMM)
                v = k;
            else if (BPF_MODE(i->code) == BPF_MEM && k < BPF_MEMWORDS)
                v = mem[k];
            else if (BPF_MODE(i->code) == BPF_LEN)
                v = sizeof *d;
            else
                return SECCOMP_RET_KILL_PROCESS;
            if (BPF_CLASS(i->code) == BPF_LD)
                a = v;
            else
                x = v;
            break;
        }
        case BPF_ST:
        case BPF_STX:
            if (k >= BPF_MEMWORDS)
                return SECCOMP_RET_KILL_PROCESS;
            mem[k] = BPF_CLASS(i->code) == BPF_ST ? a : x;
            break;
        case BPF_ALU:
            switch (BPF_OP(i->code)) {
            case BPF_ADD: a += src; break;
            case BPF_SUB: a -= src; break;
            case BPF_MUL: a *= src; break;
            case BPF_DIV:
                if (!src)
                    return SECCOMP_RET_KILL_PROCESS;
                a /= src;
                break;
            case BPF_MOD:
                if (!src)
                    return SECCOMP_RET_KILL_PROCESS;
                a %= src;
                break;
            case BPF_OR: a |= src; break;
            case BPF_AND: a &= src; break;
            case BPF_XOR: a ^= src; break;
            case BPF_LSH: a = src < 32 ? a << src : 0; break;
            case BPF_RSH: a = src < 32 ? a >> src : 0; break;
            case BPF_NEG: a = -a; break;
            default: return SECCOMP_RET_KILL_PROCESS;
            }
            break;
        case BPF_JMP: {
            if (BPF_OP(i->code) == BPF_JA) {
                pc += k;
                break;
            }
            bool t;
            switch (BPF_OP(i->code)) {
            case BPF_JEQ: t = a == src; break;
            case BPF_JGT: t = a > src; break;
            case BPF_JGE: t = a >= src; break;
            case BPF_JSET: t = (a & src) != 0; break;
            default: return SECCOMP_RET_KILL_PROCESS;
            }
            pc += t ? i->jt : i->jf;
            break;
        }
        case BPF_RET: return BPF_RVAL(i->code) == BPF_A ? a : k;
        case BPF_MISC:
            if (BPF_MISCOP(i->code) == BPF_TAX)
                x = a;
            else
                a = x;
            break;
        default: return SECCOMP_RET_KILL_PROCESS;
        }
    }
    return SECCOMP_RET_KILL_PROCESS; /* ran off the end: the kernel refuses such a program */
}

void sandbox_installed(const void *prog)
{
    unsigned ok = 0;
    const struct sock_fprog *fp = prog;
    if (fp && fp->filter && fp->len && fp->len <= BPF_MAXINSNS) {
        for (unsigned k = SANDBOX_PERF; k <= SANDBOX_PAIR; k <<= 1) {
            struct seccomp_data d;
            call_data(k, &d);
            uint32_t act = run_filter(fp->filter, fp->len, &d) & SECCOMP_RET_ACTION_FULL;
            if (act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG || act == SECCOMP_RET_ERRNO)
                ok |= k;
        }
    }
    atomic_store_explicit(&later, true, memory_order_relaxed);
    /* Not probed yet (the profiler is off here): never now, as a probe's
     * clone may be what the new filter kills. */
    if (!atomic_load_explicit(&probed, memory_order_acquire)) {
        atomic_store_explicit(&allowed, ok, memory_order_relaxed);
        atomic_store_explicit(&probed, true, memory_order_release);
    } else {
        atomic_fetch_and_explicit(&allowed, ok, memory_order_relaxed);
    }
}

bool sandbox_installed_later(void)
{
    return atomic_load_explicit(&later, memory_order_relaxed);
}
