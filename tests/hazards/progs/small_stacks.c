/* Code that runs on small stacks, for t_small_stacks.sh. Each mode burns
 * CPU where a sampling handler finds little room below the interrupted
 * frame, and prints the same lines whether profiled or not:
 *
 *   threads N   threads with 16 KiB and 32 KiB stacks (pthread_attr_
 *               setstacksize) that use all of it but `ROOM` bytes, one 16
 *               KiB thread that does not, and the main thread; each burns
 *               N iterations
 *   altstack N  a thread whose SIGUSR1 handler runs on a small
 *               sigaltstack (malloc'd, canaries on both sides) and burns
 *   coro N      a makecontext coroutine on a 16 KiB malloc'd stack without
 *               a guard page, canaries on both sides, using all of it but
 *               `ROOM` bytes, then burning
 *   fpnone N    fp hazard: a coroutine on an mmap'd stack burns with rbp
 *               pointing into the PROT_NONE page right above that stack
 *   paint N     measurement: a SIGUSR1 handler on a 1 MiB sigaltstack
 *               painted with a pattern burns; prints (on stderr, not part
 *               of the compared output) how deep below its own frame the
 *               stack was touched
 *   paintjit N  the same, burning in code without unwind tables (the
 *               dwarf unwinders' deepest path)
 *   paintbase N the same, unprofiled, with an interval timer whose
 *               SIGPROF handler is empty: the kernel's signal frame alone
 *
 * ROOM is the kernel's signal frame size (AT_MINSIGSTKSZ) plus 1 KiB: an
 * ordinary signal handler fits, the unwinders of a sampling profiler do
 * not. Canaries are checked after the burn; a clobbered one is reported
 * and the exit status is 3. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

static unsigned long iters;
static int bad;

static size_t kernel_frame(void)
{
    unsigned long m = getauxval(AT_MINSIGSTKSZ);
    return m ? m : 2048;
}

static size_t room(void)
{
    return kernel_frame() + 1024;
}

/* Each burner is its own function (a constant of its own, or gcc's
 * identical code folding would merge them), so the folded stacks tell them
 * apart. Asking for its frame address gives it a frame record even where
 * gcc leaves leaves without one: the fp walk then sees its caller. */
#define BURNER(name, k)                                                  \
    __attribute__((noinline)) static unsigned long name(unsigned long n) \
    {                                                                    \
        unsigned long x = k;                                             \
        __asm__ volatile("" : : "r"(__builtin_frame_address(0)));        \
        for (unsigned long i = 0; i < n; i++)                            \
            x = x * 6364136223846793005ul + i;                           \
        __asm__ volatile("" : "+r"(x));                                  \
        return x;                                                        \
    }
BURNER(burn_main, 1)
BURNER(burn_small16, 2)
BURNER(burn_small32, 3)
BURNER(burn_roomy16, 4)
BURNER(burn_altstack, 5)
BURNER(burn_coro, 6)

/* ---- canaries ---- */

#define CANARY 0x5a
static void canary_fill(unsigned char *p, size_t n)
{
    memset(p, CANARY, n);
}

static void canary_check(const char *what, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != CANARY) {
            printf("%s: canary clobbered at byte %zu of %zu\n", what, i, n);
            bad = 1;
            return;
        }
}

/* Run `handler` for a SIGUSR1 of this thread on the signal stack
 * [sp, sp + size), then disable that stack. */
static void on_altstack(void *sp, size_t size, void (*handler)(int))
{
    stack_t ss = {.ss_sp = sp, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        abort();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    stack_t off = {.ss_flags = SS_DISABLE};
    sigaltstack(&off, NULL);
}

/* Run `body` as a coroutine on the stack [sp, sp + size) until it ends. */
static ucontext_t main_ctx, coro_ctx;
static void on_coroutine(void *sp, size_t size, void (*body)(void))
{
    getcontext(&coro_ctx);
    coro_ctx.uc_stack.ss_sp = sp;
    coro_ctx.uc_stack.ss_size = size;
    coro_ctx.uc_link = &main_ctx;
    makecontext(&coro_ctx, body, 0);
    swapcontext(&main_ctx, &coro_ctx);
}

/* ---- threads ---- */

struct tjob {
    const char *name;
    size_t stack;
    int deep;
    unsigned long (*burn)(unsigned long);
    unsigned long result;
};

/* Use all of the thread's stack but room() bytes, then call burn. */
__attribute__((noinline)) static unsigned long burn_deep(struct tjob *j)
{
    pthread_attr_t a;
    void *lo;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &a) != 0 || pthread_attr_getstack(&a, &lo, &size) != 0)
        abort();
    pthread_attr_destroy(&a);
    char *sp = __builtin_frame_address(0);
    size_t used = (size_t)(sp - (char *)lo) - room();
    volatile char *fill = __builtin_alloca(used);
    fill[0] = 0;
    return j->burn(iters) + fill[0];
}

static void *thread_main(void *arg)
{
    struct tjob *j = arg;
    pthread_setname_np(pthread_self(), j->name);
    j->result = j->deep ? burn_deep(j) : j->burn(iters);
    return NULL;
}

static int mode_threads(void)
{
    struct tjob jobs[] = {
        {"small16", 16384, 1, burn_small16, 0},
        {"small32", 32768, 1, burn_small32, 0},
        {"roomy16", 16384, 0, burn_roomy16, 0},
    };
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        pthread_attr_t a;
        pthread_attr_init(&a);
        if (pthread_attr_setstacksize(&a, jobs[i].stack) != 0 ||
            pthread_create(&t[i], &a, thread_main, &jobs[i]) != 0) {
            printf("cannot start %s\n", jobs[i].name);
            return 1;
        }
        pthread_attr_destroy(&a);
    }
    unsigned long m = burn_main(iters);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        printf("%s %lx\n", jobs[i].name, jobs[i].result);
    }
    printf("main %lx\n", m);
    return 0;
}

/* ---- altstack ---- */

static unsigned long alt_result;
static void on_usr1(int sig)
{
    (void)sig;
    alt_result = burn_altstack(iters);
}

static void *alt_thread(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "altstack");
    /* Two kernel frames (the program's signal, a sample on top of it) and
     * 1 KiB: ample for a handler that calls one function. */
    size_t size = 2 * kernel_frame() + 1024, guard = 16384;
    unsigned char *m = malloc(size + 2 * guard);
    if (!m)
        abort();
    canary_fill(m, guard);
    canary_fill(m + guard + size, guard);
    on_altstack(m + guard, size, on_usr1);
    canary_check("altstack below", m, guard);
    canary_check("altstack above", m + guard + size, guard);
    free(m);
    return NULL;
}

static int mode_altstack(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, alt_thread, NULL) != 0)
        return 1;
    pthread_join(t, NULL);
    printf("altstack %lx\n", alt_result);
    return 0;
}

/* ---- coroutine on a malloc'd stack ---- */

static unsigned char *coro_stack;
static unsigned long coro_result;

static void coro_body(void)
{
    char *sp = __builtin_frame_address(0);
    size_t used = (size_t)(sp - (char *)coro_stack) - room();
    volatile char *fill = __builtin_alloca(used);
    fill[0] = 0;
    coro_result = burn_coro(iters) + fill[0];
}

static int mode_coro(void)
{
    size_t size = 16384, guard = 16384;
    unsigned char *m = malloc(size + 2 * guard);
    if (!m)
        abort();
    canary_fill(m, guard);
    canary_fill(m + guard + size, guard);
    coro_stack = m + guard;
    on_coroutine(coro_stack, size, coro_body);
    canary_check("coroutine stack below", m, guard);
    canary_check("coroutine stack above", m + guard + size, guard);
    free(m);
    printf("coro %lx\n", coro_result);
    return 0;
}

/* ---- fp hazard: rbp into a PROT_NONE page ---- */

static unsigned char *none_page;
static unsigned long fpnone_result;

/* Burn with rbp pointing into none_page. The function is built without
 * a frame pointer and tells the compiler rbp is clobbered, so its CFI
 * saves and restores rbp like any callee-saved register: a DWARF unwinder
 * is not misled, a frame-pointer walker that trusts rbp reads an
 * unreadable page. */
__attribute__((noinline, optimize("omit-frame-pointer"))) static unsigned long
burn_badfp(unsigned long n)
{
    unsigned long x = 1;
    unsigned char *p = none_page + 64;
    __asm__ volatile("mov %[p], %%rbp\n\t"
                     "1:\n\t"
                     "imul $0x5851f42d, %[x], %[x]\n\t"
                     "add %[n], %[x]\n\t"
                     "dec %[n]\n\t"
                     "jnz 1b\n\t"
                     : [x] "+r"(x), [n] "+r"(n)
                     : [p] "r"(p)
                     : "rbp", "cc");
    return x;
}

static void fpnone_body(void)
{
    fpnone_result = burn_badfp(iters);
}

static int mode_fpnone(void)
{
    /* [stack 16 KiB | PROT_NONE page]: the bad rbp lies just above the
     * interrupted sp, where a walker looks for the caller's frame. */
    size_t size = 16384, page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *m =
        mmap(NULL, size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect(m + size, page, PROT_NONE) != 0)
        abort();
    none_page = m + size;
    on_coroutine(m, size, fpnone_body);
    /* The same on the main thread's stack. */
    unsigned long r = burn_badfp(iters);
    printf("fpnone %lx %lx\n", fpnone_result, r);
    munmap(m, size + page);
    return 0;
}

/* ---- measurement: how deep does a sample reach below a frame? ---- */

#define PAINT 0xa7
#define PAINT_SIZE (1u << 20)
static unsigned char *paint_stack;
static uintptr_t paint_frame;
static unsigned long paint_result;

static unsigned long (*paint_burn)(unsigned long);

static void on_usr1_paint(int sig)
{
    (void)sig;
    paint_frame = (uintptr_t)__builtin_frame_address(0);
    paint_result = paint_burn(iters);
}

/* A loop in code no unwind table describes (like JIT code): a dwarf
 * unwinder falls back to its slowest, deepest path. Returns 0. */
static unsigned long (*jit_loop(void))(unsigned long)
{
    static const unsigned char code[] = {
        0x48, 0x89, 0xf8, /* mov %rdi, %rax */
        0x48, 0xff, 0xc8, /* 1: dec %rax */
        0x75, 0xfb,       /* jnz 1b */
        0xc3,             /* ret */
    };
    void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        abort();
    memcpy(m, code, sizeof code);
    if (mprotect(m, 4096, PROT_READ | PROT_EXEC) != 0)
        abort();
    return (unsigned long (*)(unsigned long))m;
}

static volatile unsigned long ticks;
static void on_prof(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    ticks++;
}

/* jit: burn in jit_loop(); base: unprofiled, with the program's own
 * trivial SIGPROF handler on an interval timer (the kernel's frame plus
 * an empty handler: the baseline the profiler's figure is read against). */
static int mode_paint(int jit, int base)
{
    paint_burn = jit ? jit_loop() : burn_main;
    if (base) {
        struct sigaction sp;
        memset(&sp, 0, sizeof sp);
        sp.sa_sigaction = on_prof;
        sp.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&sp.sa_mask);
        sigaction(SIGPROF, &sp, NULL);
        struct itimerval it = {{0, 1000}, {0, 1000}};
        setitimer(ITIMER_PROF, &it, NULL);
    }
    paint_stack =
        mmap(NULL, PAINT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (paint_stack == MAP_FAILED)
        abort();
    memset(paint_stack, PAINT, PAINT_SIZE);
    on_altstack(paint_stack, PAINT_SIZE, on_usr1_paint);
    if (base) {
        struct itimerval it = {{0, 0}, {0, 0}};
        setitimer(ITIMER_PROF, &it, NULL);
    }
    size_t low = 0;
    while (low < PAINT_SIZE && paint_stack[low] == PAINT)
        low++;
    /* burn_main's frame lies a few words below the handler's; all else
     * below it is the sample's: the kernel's signal frame, then the
     * sampling handler. */
    uintptr_t deepest = (uintptr_t)paint_stack + low;
    fprintf(stderr,
            "paint%s: touched %lu bytes below the handler's frame; kernel signal frame %zu\n",
            jit    ? "jit"
            : base ? "base"
                   : "",
            (unsigned long)(paint_frame - deepest), kernel_frame());
    printf("paint %lx\n", paint_result);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: small_stacks threads|altstack|coro|fpnone|paint|paintjit|paintbase "
                        "ITERATIONS\n");
        return 2;
    }
    iters = strtoul(argv[2], NULL, 0);
    int r;
    if (!strcmp(argv[1], "threads"))
        r = mode_threads();
    else if (!strcmp(argv[1], "altstack"))
        r = mode_altstack();
    else if (!strcmp(argv[1], "coro"))
        r = mode_coro();
    else if (!strcmp(argv[1], "fpnone"))
        r = mode_fpnone();
    else if (!strcmp(argv[1], "paint"))
        r = mode_paint(0, 0);
    else if (!strcmp(argv[1], "paintjit"))
        r = mode_paint(1, 0);
    else if (!strcmp(argv[1], "paintbase"))
        r = mode_paint(0, 1);
    else
        return 2;
    fflush(stdout);
    return r ? r : bad ? 3 : 0;
}
