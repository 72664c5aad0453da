/*
 * Stack walking inside the SIGPROF handler and from interposers (see
 * unwind.h for the contract).
 *
 * Address ranges of four modules are learnt once at init: the dynamic
 * loader, libunwind (where it is loaded), libgcc_s and this library. A sample whose pc lies in
 * one of the first three is not unwound (their locks and half-updated state
 * are what an unwinder would walk into); return addresses inside this
 * library are dropped.
 */
#define UNW_LOCAL_ONLY
#include "preload/unwind.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <libunwind.h>
#include <unwind.h>

#include "preload/cfa_rule.h"
#include "preload/threads.h"

struct range {
    uintptr_t lo, hi;
};

static enum unwind_mode mode;
static struct range self_text, loader_text, unwinder_text;
/* The program's own libgcc_s, if loaded: a sample inside it (a C++ throw
 * installing its target context) has no consistent CFA to walk from. */
static struct range prog_gcc_text;
/* libgcc's unwinder: a private copy, linked statically from libgcc_eh.a
 * with its symbols local to the library (the Makefile puts the archive
 * ahead of libunwind, which exports the same names). Private, so no
 * program's __register_frame* ever reaches it: its FDE lookup is
 * _dl_find_object alone and never takes libgcc's object mutex; and no
 * libgcc_s.so.1 is loaded into a program that has none. */
static _Unwind_Reason_Code (*gcc_backtrace)(_Unwind_Trace_Fn, void *);
static _Unwind_Ptr (*gcc_get_ip)(struct _Unwind_Context *);
static _Unwind_Word (*gcc_get_cfa)(struct _Unwind_Context *);
static _Unwind_Word (*gcc_get_gr)(struct _Unwind_Context *, int);

/* Handler-side libgcc walk (see walk_dwarf). */
static bool gcc_signal_safe; /* libgcc present and glibc has _dl_find_object */

/* libgcc's FDE lookup: does CFI cover pc? (In the library the call goes
 * through interpose_fde.c's guard, which only acts inside gcc_walk.) */
const void *_Unwind_Find_FDE(void *pc, void *bases);

/* libunwind: the handler's DWARF unwinder only where libgcc's is not
 * async-signal-safe (glibc without _dl_find_object). Loaded with dlopen
 * then, and only then: linked in, it and liblzma cost every process two
 * more shared objects and its start-up (~0.7 ms of a 3 ms /bin/true). */
static struct {
    int (*init_local)(unw_cursor_t *, unw_context_t *);
    int (*init_local2)(unw_cursor_t *, unw_context_t *, int);
    int (*step)(unw_cursor_t *);
    int (*get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
    int (*getcontext)(unw_context_t *);
} lu;

struct stacks;

struct sig_bt {
    uintptr_t *pcs;
    unsigned n, max, skipped;
    unsigned *flags;
    uintptr_t pc;
    bool found;
    uintptr_t last_fp, last_cfa; /* rbp and CFA of the last frame reported */
    bool skip_match;             /* the frame at pc is recorded already */
    /* a walk resumed from a frame-pointer chain (walk_dwarf): each step is
     * checked first (resumed_step); the frame at pc was seated with this
     * rsp */
    const struct stacks *guard;
    uintptr_t seat_sp;
};

static _Unwind_Reason_Code sig_frame(struct _Unwind_Context *ctx, void *data);

struct find_arg {
    uintptr_t base;     /* match by load base ... */
    const char *substr; /* ... or by name */
    struct range *out;
};

/* Union of the executable PT_LOAD segments of the module that matches. */
static int find_module(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct find_arg *fa = data;
    bool match = fa->substr ? (info->dlpi_name && strstr(info->dlpi_name, fa->substr))
                            : info->dlpi_addr == fa->base;
    if (!match)
        return 0;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (a < lo)
            lo = a;
        if (a + ph->p_memsz > hi)
            hi = a + ph->p_memsz;
    }
    if (hi > lo) {
        fa->out->lo = lo;
        fa->out->hi = hi;
    }
    return 1;
}

static void range_of_address(const void *addr, struct range *out)
{
    Dl_info di;
    if (!dladdr(addr, &di) || !di.dli_fbase)
        return;
    /* dladdr gives the mapping base; dl_iterate_phdr reports the load bias.
     * For shared objects linked at 0 they are equal. */
    struct find_arg fa = {(uintptr_t)di.dli_fbase, NULL, out};
    dl_iterate_phdr(find_module, &fa);
}

static inline bool in_range(const struct range *r, uintptr_t a);

bool unwind_pc_in_libunwind(uintptr_t pc)
{
    return in_range(&unwinder_text, pc);
}

static inline bool in_range(const struct range *r, uintptr_t a)
{
    return a - r->lo < r->hi - r->lo;
}

int unwind_is_self(uintptr_t addr)
{
    return in_range(&self_text, addr);
}

void unwind_modules_changed(void)
{
    struct range r = {0, 0};
    struct find_arg fa = {0, "/libgcc_s.so", &r};
    dl_iterate_phdr(find_module, &fa);
    if (r.lo == prog_gcc_text.lo && r.hi == prog_gcc_text.hi)
        return;
    /* The handler may read it meanwhile: empty first, then the bounds. */
    __atomic_store_n(&prog_gcc_text.hi, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&prog_gcc_text.lo, r.lo, __ATOMIC_RELEASE);
    __atomic_store_n(&prog_gcc_text.hi, r.hi, __ATOMIC_RELEASE);
}

/* Load and prime libunwind (normal context). Without it the handler walks
 * frame pointers (walk_dwarf). */
static void libunwind_load(void)
{
    void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
    int (*policy)(unw_addr_space_t, unw_caching_policy_t) =
        (int (*)(unw_addr_space_t, unw_caching_policy_t))dlsym(h, "_ULx86_64_set_caching_policy");
    unw_addr_space_t *space = (unw_addr_space_t *)dlsym(h, "_ULx86_64_local_addr_space");
    lu.init_local = (int (*)(unw_cursor_t *, unw_context_t *))dlsym(h, "_ULx86_64_init_local");
    lu.init_local2 =
        (int (*)(unw_cursor_t *, unw_context_t *, int))dlsym(h, "_ULx86_64_init_local2");
    lu.step = (int (*)(unw_cursor_t *))dlsym(h, "_ULx86_64_step");
    lu.get_reg = (int (*)(unw_cursor_t *, unw_regnum_t, unw_word_t *))dlsym(h, "_ULx86_64_get_reg");
    lu.getcontext = (int (*)(unw_context_t *))dlsym(h, "_Ux86_64_getcontext");
    if (!policy || !space || !lu.init_local || !lu.init_local2 || !lu.step || !lu.get_reg ||
        !lu.getcontext) {
        memset(&lu, 0, sizeof lu);
        return;
    }
    range_of_address((const void *)lu.step, &unwinder_text);
    policy(*space, UNW_CACHE_PER_THREAD);
    /* libunwind's one-time init (tdep_init: it takes a lock, masks
     * signals, maps its caches and opens a pipe) ran in the call above,
     * here and not first in a handler; a cursor checks it worked. */
    unw_context_t ctx;
    unw_cursor_t cur;
    (void)(lu.getcontext(&ctx) == 0 && lu.init_local(&cur, &ctx) == 0);
}

int unwind_init(enum unwind_mode m)
{
    mode = m;
    range_of_address((const void *)unwind_init, &self_text);
    struct find_arg fa = {0, "/ld-linux", &loader_text};
    dl_iterate_phdr(find_module, &fa);
    if (!loader_text.hi) {
        fa.substr = "/ld-";
        dl_iterate_phdr(find_module, &fa);
    }
    gcc_backtrace = _Unwind_Backtrace;
    gcc_get_ip = _Unwind_GetIP;
    gcc_get_cfa = _Unwind_GetCFA;
    gcc_get_gr = _Unwind_GetGR;
    unwind_modules_changed();
    gcc_signal_safe = gcc_backtrace && dlsym(RTLD_DEFAULT, "_dl_find_object");
    if (gcc_signal_safe) {
        /* Its one-time initialisation (pthread_once) happens here, in
         * normal context, not first inside a handler. */
        uintptr_t tmp[8];
        unsigned fl = 0;
        struct sig_bt a = {tmp, 0, 8, 0, &fl, 0, true, 0, 0, false, NULL, 0};
        gcc_backtrace(sig_frame, &a);
    }

    if (m == UNWIND_DWARF && !gcc_signal_safe)
        libunwind_load();
    return 0;
}

/* Stacks whose bounds are known: the thread's and, in the handler, the
 * signal stack it may run on. Frames inside them are read directly. */
enum { STACK_THREAD, STACK_ALT, STACK_NKNOWN };
struct stacks {
    struct range r[STACK_NKNOWN]; /* {0, 0} when unknown */
};

/* The known stack holding [a, a + len), or -1. */
static int stack_of(const struct stacks *st, uintptr_t a, uintptr_t len)
{
    for (int i = 0; i < STACK_NKNOWN; i++)
        if (st->r[i].hi && a >= st->r[i].lo && a <= st->r[i].hi - len)
            return i;
    return -1;
}

/* Room assumed on the stack of a thread whose bounds are unknown (one that
 * was running before the library: registered from outside, by tid). It is
 * an ordinary thread as far as anyone can tell, and walking it is what it
 * was always given; it is a coroutine's only when it has known bounds and
 * runs outside them. */
#define ROOM_ASSUMED ((uintptr_t)1 << 30)

/* Bytes of stack below `here` on the known stack it lies on; 0 when it
 * lies on none (a coroutine's stack). The signal stack is looked at
 * first: a program may put it inside its thread's stack (a local array),
 * where the thread's bounds overstate the room. */
static uintptr_t stack_room(const struct stacks *st, uintptr_t here)
{
    for (int i = STACK_NKNOWN; i-- > 0;)
        if (st->r[i].hi && here > st->r[i].lo && here < st->r[i].hi)
            return here - st->r[i].lo;
    return st->r[STACK_THREAD].hi ? 0 : ROOM_ASSUMED;
}

/* len bytes at a into out, without the risk of a fault: process_vm_readv
 * on this process answers EFAULT where a load would raise SIGSEGV
 * (mincore, used before, calls a PROT_NONE page resident). A system call,
 * so async-signal-safe; errno is kept. *pid: getpid()'s answer, asked on
 * first use (not cached across walks: a fork child's differs). */
static bool read_safe(pid_t *pid, uintptr_t a, void *out, size_t len)
{
    int saved = errno;
    if (!*pid)
        *pid = getpid();
    struct iovec local = {out, len}, remote = {(void *)a, len};
    bool ok = process_vm_readv(*pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
    errno = saved;
    return ok;
}

/* The frame record (saved rbp, return address) at fp. */
static bool read_record_safe(pid_t *pid, uintptr_t fp, uintptr_t rec[2])
{
    return read_safe(pid, fp, rec, 16);
}

bool unwind_readable(uintptr_t addr, size_t len)
{
    char buf[16];
    pid_t pid = 0;
    return len <= sizeof buf && read_safe(&pid, addr, buf, len);
}

/* Follow the frame-pointer chain from fp, appending return addresses to
 * pcs[n..max). sp is the lowest address a frame may have.
 *
 * Every frame address is checked before it is read. On a known stack a
 * frame lies in it, above sp, each above the last; the chain may leave
 * the signal stack for the thread's stack once (a handler's frames lead
 * back to the code it interrupted). When sp is on no known stack, frames
 * must still rise from sp (within 8 MiB) and each is read with
 * read_record_safe. Anything else ends the walk: a chain that wanders
 * off its stack is garbage (code without frame pointers uses rbp freely).
 *
 * cfas (or NULL): for each pc recorded, the CFA of the frame that returns
 * there (the address above the slot that held it), as libgcc reports it.
 *
 * resume (or NULL): stop at the first return address that CFI covers, with
 * the registers of the frame it returns into, so a DWARF walk can go on
 * from there (walk_dwarf); resume->pc is 0 when the chain ended first. */
struct resume {
    uintptr_t pc, sp, fp;
};

/* The rbp a resumed walk gets when the saved one is no frame address: code
 * without a frame pointer uses rbp freely, and a CFI rule taking the CFA
 * from it would send libgcc to read anywhere. Here such a rule reads
 * zeros, a return address of 0, and the walk ends. Read-only, so every
 * thread's handler may share it. */
static const uintptr_t zero_frame[64];

static unsigned walk_fp_chain(uintptr_t sp, uintptr_t fp, const struct stacks *st, uintptr_t *pcs,
                              unsigned n, unsigned max, unsigned *flags, uintptr_t *cfas,
                              struct resume *resume)
{
    if (resume)
        resume->pc = 0;
    int cur = stack_of(st, sp, 0);
    uintptr_t floor = sp;
    pid_t pid = 0;
    while (n < max) {
        if (fp & 7)
            return n;
        uintptr_t rec[2];
        if (cur < 0) {
            if (fp < floor || fp - sp > (8u << 20) || !read_record_safe(&pid, fp, rec))
                return n;
        } else {
            int in = stack_of(st, fp, 16);
            if (in == cur) {
                if (fp < floor)
                    return n;
            } else if (cur == STACK_ALT && in == STACK_THREAD) {
                cur = in;
            } else {
                return n;
            }
            const uintptr_t *frame = (const uintptr_t *)fp;
            rec[0] = frame[0];
            rec[1] = frame[1];
        }
        uintptr_t next = rec[0], ret = rec[1];
        if (ret < 4096)
            return n;
        if (!in_range(&self_text, ret)) {
            if (cfas)
                cfas[n] = fp + 16;
            pcs[n++] = ret;
        }
        if (resume && n < max) {
            void *bases[3];
            if (_Unwind_Find_FDE((void *)(ret - 1), bases)) {
                /* The frame returned into gets rbp = next when that is a
                 * frame address above this one on this frame's stack (the
                 * loop's own test), else zero_frame's middle. */
                bool plausible =
                    !(next & 7) && next > fp &&
                    (cur < 0 ? next - sp <= (8u << 20) : stack_of(st, next, 16) == cur);
                *resume =
                    (struct resume){ret, fp + 16, plausible ? next : (uintptr_t)&zero_frame[32]};
                return n;
            }
        }
        if (next == 0)
            return n; /* the outermost frame */
        floor = fp + 16;
        fp = next;
    }
    *flags |= UNW_F_TRUNCATED;
    return n;
}

static unsigned walk_fp(const ucontext_t *uc, const struct stacks *st, uintptr_t *pcs, unsigned max,
                        unsigned *flags)
{
    const greg_t *g = uc->uc_mcontext.gregs;
    uintptr_t sp = (uintptr_t)g[REG_RSP];
    uintptr_t fp = (uintptr_t)g[REG_RBP];
    unsigned n = 0;
    /* The interrupted pc even inside this library: the leaf [flamepre]
     * (symbolize.h) charges the profiler's own time to itself. */
    pcs[n++] = (uintptr_t)g[REG_RIP];
    return walk_fp_chain(sp, fp, st, pcs, n, max, flags, NULL, NULL);
}

/* Step a libunwind cursor, keeping the pcs outside this library. */
static unsigned walk_cursor(unw_cursor_t *cur, uintptr_t *pcs, unsigned max, unsigned *flags)
{
    unsigned n = 0;
    for (;;) {
        unw_word_t ip;
        if (lu.get_reg(cur, UNW_REG_IP, &ip) < 0 || ip == 0)
            break;
        if (n == 0 || !in_range(&self_text, ip)) /* the leaf: see walk_fp */
            pcs[n++] = ip;
        if (n >= max) {
            if (lu.step(cur) > 0)
                *flags |= UNW_F_TRUNCATED;
            break;
        }
        int r = lu.step(cur);
        if (r < 0)
            *flags |= UNW_F_FAILED;
        if (r <= 0)
            break;
    }
    return n;
}

/*
 * DWARF walk from the handler with libgcc's unwinder. libunwind is exact
 * but masks signals around every register-state cache access (two
 * rt_sigprocmask system calls per frame in Debian's build): a dozen system
 * calls per sample. libgcc's unwinder makes none when glibc has
 * _dl_find_object (lock-free and async-signal-safe by glibc's own
 * contract); our private copy never sees frames registered through
 * __register_frame* (the only path where it takes a lock). It starts
 * in this handler, crosses the kernel's signal frame through the CFI of
 * glibc's __restore_rt, and reaches the interrupted code: frames before the
 * interrupted pc are ours and are skipped.
 */

/*
 * In a walk resumed from a frame-pointer chain, may libgcc step past this
 * frame? The step computes the frame's CFA by its CFI rule from the
 * registers libgcc holds, then reads the return address and saved
 * registers below that CFA, unchecked. On a resumed walk those registers
 * came from a chain that may lie (code without frame pointers uses rbp
 * freely), and what libgcc restores from such frames is anything: a CFA
 * computed from it faulted in the handler (tests/hazards/t_bogus_chain.sh).
 * So the rule is evaluated here first (cfa_rule.h), and the CFA must lie
 * on the stack rsp is on, at least 8 above rsp (every frame's does); on a
 * stack of unknown bounds, within 8 MiB above rsp and readable.
 *
 * _URC_NO_REASON: go on. Otherwise the walk ends here; with UNW_F_FAILED
 * unless the rule takes rbp and rbp is zero_frame (walk_fp_chain's
 * deliberate end, which libgcc would have reached reading zeros).
 */
static _Unwind_Reason_Code resumed_step(struct _Unwind_Context *ctx, struct sig_bt *a, bool seat)
{
    uintptr_t ip = (uintptr_t)gcc_get_ip(ctx);
    /* (the seated frame is reached through the signal frame: exact pc) */
    uintptr_t look = seat ? ip : ip - 1;
    void *bases[3];
    const void *fde = _Unwind_Find_FDE((void *)look, bases);
    if (!fde)
        return _URC_NO_REASON; /* libgcc finds none either: its walk ends */
    struct cfa_rule rule;
    uintptr_t rsp = seat ? a->seat_sp : (uintptr_t)gcc_get_cfa(ctx);
    uintptr_t base;
    /* Callee-saved registers (rbx, rbp, r12-r15) always have a place in
     * libgcc's context; an expression or a scratch register (a realigned
     * frame's DRAP in rdi or r10) is not followed. */
    if (cfa_rule_at(fde, (uintptr_t)bases[2], look, 0, UINTPTR_MAX, &rule) < 0 ||
        rule.kind != CFA_REG ||
        !(rule.reg == 3 || rule.reg == 6 || rule.reg == 7 || (rule.reg >= 12 && rule.reg <= 15)))
        goto fail;
    base = rule.reg == 7 ? rsp : (uintptr_t)gcc_get_gr(ctx, (int)rule.reg);
    if (rule.reg == 6 && base >= (uintptr_t)zero_frame && base < (uintptr_t)(zero_frame + 64))
        return _URC_END_OF_STACK;
    uintptr_t cfa = base + (uintptr_t)rule.off;
    /* (CFA - 8, the return address's slot, is at or above rsp: the
     * outermost frames, _start and clone3's child, have CFA = rsp + 8) */
    if ((rule.off >= 0 ? cfa < base : cfa > base) || cfa < rsp + 8)
        goto fail;
    int in = stack_of(a->guard, rsp, 0);
    if (in >= 0 ? stack_of(a->guard, cfa - 8, 8) == in
                : cfa - rsp <= (8u << 20) && unwind_readable(cfa - 8, 8))
        return _URC_NO_REASON;
fail:
    *a->flags |= UNW_F_FAILED;
    a->last_fp = 0; /* no further resumption from here */
    return _URC_END_OF_STACK;
}

static _Unwind_Reason_Code sig_frame(struct _Unwind_Context *ctx, void *data)
{
    struct sig_bt *a = data;
    uintptr_t ip = (uintptr_t)gcc_get_ip(ctx);
    if (ip == 0)
        return _URC_END_OF_STACK;
    if (!a->found) {
        /* handler, its callers in this library, the trampoline */
        if (ip != a->pc)
            return ++a->skipped > 16 ? _URC_END_OF_STACK : _URC_NO_REASON;
        a->found = true;
        if (a->skip_match) {
            a->last_fp = (uintptr_t)gcc_get_gr(ctx, 6);
            a->last_cfa = (uintptr_t)gcc_get_cfa(ctx);
            return a->guard ? resumed_step(ctx, a, true) : _URC_NO_REASON;
        }
    }
    if (a->n > 0 && in_range(&self_text, ip)) /* the leaf: see walk_fp */
        return a->guard ? resumed_step(ctx, a, false) : _URC_NO_REASON;
    if (a->n >= a->max) {
        *a->flags |= UNW_F_TRUNCATED;
        return _URC_END_OF_STACK;
    }
    a->pcs[a->n++] = ip;
    a->last_fp = (uintptr_t)gcc_get_gr(ctx, 6); /* DWARF register 6: rbp */
    a->last_cfa = (uintptr_t)gcc_get_cfa(ctx);
    return a->guard ? resumed_step(ctx, a, false) : _URC_NO_REASON;
}

/* libgcc's walk, left early through tstate.gcc_escape when the next
 * frame's pc is not readable memory (interpose_fde.c says why). */
static __attribute__((noinline)) void gcc_walk(_Unwind_Trace_Fn fn, void *arg)
{
    void *buf[5];
    void **volatile outer = tstate.gcc_escape;
    tstate.in_unwind++;
    if (__builtin_setjmp(buf) == 0) {
        tstate.gcc_escape = buf;
        gcc_backtrace(fn, arg);
    }
    tstate.gcc_escape = outer;
    tstate.in_unwind--;
}

static unsigned walk_dwarf_libunwind(const ucontext_t *uc, unw_cursor_t *cur, uintptr_t *pcs,
                                     unsigned max, unsigned *flags);

/* The interrupted pc alone: the stack was not walked (flag says why). */
static unsigned leaf_only(const ucontext_t *uc, uintptr_t *pcs, unsigned *flags, unsigned why)
{
    pcs[0] = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    *flags = why;
    return 1;
}

/* Walks through code without CFI that a DWARF walk may resume after. */
#define MAX_RESUMES 32

static unsigned walk_dwarf(const ucontext_t *ucc, const struct stacks *st, uintptr_t room,
                           void *cursor, uintptr_t *pcs, unsigned max, unsigned *flags)
{
    uintptr_t pc = (uintptr_t)ucc->uc_mcontext.gregs[REG_RIP];
    bool gcc_room = room >= UNWIND_NEED_GCC;
    if (gcc_signal_safe && gcc_room && !tstate.in_unwind) {
        struct sig_bt a = {pcs, 0, max, 0, flags, pc, false, 0, 0, false, NULL, 0};
        gcc_walk(sig_frame, &a);
        if (!a.found)
            return leaf_only(ucc, pcs, flags, UNW_F_FAILED);
        /*
         * The walk ends at code without CFI (a JIT's frames, hand-written
         * assembly) or at the outermost frame, whose rbp is 0 (_start and
         * clone clear it). Code that keeps a frame-pointer chain, as V8 and
         * HotSpot do, is followed through it, with the fp walker's checks
         * (frames inside the stack, rising; unknown stacks read without
         * faulting), up to the first return address CFI covers; from there
         * libgcc walks again: the kernel's signal frame is re-seated on that
         * frame (its rip, rsp and rbp in the ucontext the walk crosses) and
         * put back before the handler returns. libgcc reads the registers
         * only from there, and nothing else reads them while the handler
         * runs with the signal blocked.
         */
        greg_t *g = ((ucontext_t *)ucc)->uc_mcontext.gregs;
        greg_t rip = g[REG_RIP], rsp = g[REG_RSP], rbp = g[REG_RBP];
        for (int hop = 0;
             hop < MAX_RESUMES && a.last_fp && a.n < max && !(*flags & UNW_F_TRUNCATED); hop++) {
            struct resume r;
            a.n = walk_fp_chain(a.last_cfa, a.last_fp, st, pcs, a.n, max, flags, NULL, &r);
            if (!r.pc)
                break;
            /* ret - 1: the call's CFI row, as for any return address. */
            g[REG_RIP] = (greg_t)(r.pc - 1);
            g[REG_RSP] = (greg_t)r.sp;
            g[REG_RBP] = (greg_t)r.fp;
            a.pc = r.pc - 1;
            a.found = false;
            a.skipped = 0;
            a.skip_match = true;
            a.last_fp = 0;
            a.guard = st;
            a.seat_sp = r.sp;
            gcc_walk(sig_frame, &a);
            if (!a.found)
                break;
        }
        g[REG_RIP] = rip;
        g[REG_RSP] = rsp;
        g[REG_RBP] = rbp;
        return a.n;
    }
    if (!lu.init_local2 && !gcc_signal_safe) /* libunwind missing: see unwind_init */
        return room && room < UNWIND_NEED_FP ? leaf_only(ucc, pcs, flags, UNW_F_LOW_STACK)
                                             : walk_fp(ucc, st, pcs, max, flags);
    if (room < UNWIND_NEED_LIBUNWIND || !lu.init_local2)
        return leaf_only(ucc, pcs, flags, UNW_F_LOW_STACK);
    return walk_dwarf_libunwind(ucc, cursor, pcs, max, flags);
}

/* The cursor lives in the slot's memory, not on the program's stack (a
 * third of libunwind's need); the handler is its only user (the sampling
 * signal is blocked while it runs). */
_Static_assert(sizeof(unw_cursor_t) <= UNWIND_CURSOR_BYTES, "UNWIND_CURSOR_BYTES too small");

static unsigned walk_dwarf_libunwind(const ucontext_t *uc, unw_cursor_t *cur, uintptr_t *pcs,
                                     unsigned max, unsigned *flags)
{
    /* libunwind's unw_context_t is ucontext_t on x86_64; the signal frame
     * flag makes it use the exact pc for the first frame. */
    if (!lu.init_local2 || lu.init_local2(cur, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME) < 0)
        return leaf_only(uc, pcs, flags, UNW_F_FAILED);
    return walk_cursor(cur, pcs, max, flags);
}

unsigned unwind_capture(const ucontext_t *uc, uintptr_t stack_lo, uintptr_t stack_hi, void *cursor,
                        uintptr_t *pcs, unsigned max, unsigned *flags)
{
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    *flags = 0;
    /* Our libgcc unwinder is linked into this library: whether it was
     * interrupted is tstate.in_unwind, not the pc (a pc anywhere in the
     * library, an interposer's own work, is walked from, under the leaf
     * [flamepre]). */
    if (tstate.in_loader || tstate.in_unwind || in_range(&loader_text, pc) ||
        in_range(&unwinder_text, pc) || in_range(&prog_gcc_text, pc))
        return leaf_only(uc, pcs, flags, UNW_F_SHALLOW);
    /* The signal stack as the kernel saved it for this signal (no system
     * call): the handler runs on it when the code it interrupted did. A
     * stack the program's handler disarmed (SS_AUTODISARM) reads as
     * disabled: a walk on it finds no known stack, as it should. */
    struct stacks st = {{{stack_lo, stack_lo && stack_hi > stack_lo ? stack_hi : 0}, {0, 0}}};
    const stack_t *ss = &uc->uc_stack;
    if (!(ss->ss_flags & SS_DISABLE) && ss->ss_size)
        st.r[STACK_ALT] = (struct range){(uintptr_t)ss->ss_sp, (uintptr_t)ss->ss_sp + ss->ss_size};
    uintptr_t room = stack_room(&st, (uintptr_t)__builtin_frame_address(0));
    if (mode == UNWIND_FP) {
        /* Unknown room (0) walks too: see unwind.h. */
        if (room && room < UNWIND_NEED_FP)
            return leaf_only(uc, pcs, flags, UNW_F_LOW_STACK);
        return walk_fp(uc, &st, pcs, max, flags);
    }
    return walk_dwarf(uc, &st, room, cursor, pcs, max, flags);
}

struct bt_arg {
    uintptr_t *pcs;
    unsigned n, max;
    unsigned *flags;
    uintptr_t *cfas; /* NULL, or CFA of each recorded frame */
};

static _Unwind_Reason_Code bt_frame(struct _Unwind_Context *ctx, void *data)
{
    struct bt_arg *a = data;
    uintptr_t ip = (uintptr_t)gcc_get_ip(ctx);
    if (ip == 0)
        return _URC_END_OF_STACK;
    if (in_range(&self_text, ip))
        return _URC_NO_REASON;
    if (a->n >= a->max) {
        *a->flags |= UNW_F_TRUNCATED;
        return _URC_END_OF_STACK;
    }
    if (a->cfas)
        a->cfas[a->n] = (uintptr_t)gcc_get_cfa(ctx);
    a->pcs[a->n++] = ip;
    return _URC_NO_REASON;
}

__attribute__((noinline)) unsigned unwind_capture_here(uintptr_t caller, uintptr_t stack_lo,
                                                       uintptr_t stack_hi, uintptr_t *pcs,
                                                       unsigned max, unsigned *flags,
                                                       uintptr_t *cfas)
{
    *flags = 0;
    if (max == 0)
        return 0;
    if (cfas)
        cfas[0] = 0;
    /* Inside the loader, or called from an unwinder (ours: in_unwind;
     * libunwind, which allocates): do not unwind again. The program's own
     * libgcc_s allocates under its frame-registration lock, but our copy of
     * the unwinder never takes that lock. */
    if (tstate.in_loader || tstate.in_unwind || in_range(&unwinder_text, caller) ||
        in_range(&loader_text, caller)) {
        pcs[0] = caller;
        *flags |= UNW_F_SHALLOW;
        return 1;
    }
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
    struct stacks st = {{{stack_lo, stack_lo && stack_hi > stack_lo ? stack_hi : 0}, {0, 0}}};
    /* As in the handler (unwind.h): a DWARF walk needs room we can see. */
    uintptr_t room = stack_room(&st, fp);
    uintptr_t need = mode == UNWIND_FP ? UNWIND_NEED_FP
                     : gcc_backtrace   ? UNWIND_NEED_GCC
                                       : UNWIND_NEED_LIBUNWIND;
    if (room ? room < need : mode != UNWIND_FP) {
        pcs[0] = caller;
        *flags |= UNW_F_LOW_STACK;
        return 1;
    }
    if (mode == UNWIND_FP) {
        /* This library is built with frame pointers, so the chain from here
         * runs through its own frames (skipped) into the caller's. */
        unsigned n = walk_fp_chain(fp, fp, &st, pcs, 0, max, flags, cfas, NULL);
        if (n == 0) {
            pcs[n++] = caller;
            *flags |= UNW_F_FAILED;
        }
        return n;
    }
    /* DWARF from normal context: libgcc's unwinder, not libunwind. With
     * glibc >= 2.35 it finds each frame's CFI through _dl_find_object
     * (lock-free, no system call); libunwind masks signals around every
     * lookup (~14 sigprocmask calls per stack), which made exact mode 100x
     * slower. The handler keeps libunwind: libgcc's unwinder is not
     * async-signal-safe. */
    unsigned n;
    if (gcc_backtrace) {
        struct bt_arg a = {pcs, 0, max, flags, gcc_get_cfa ? cfas : NULL};
        /* Its return code does not tell a clean end (the outermost frame
         * of a thread) from an error reliably: judge by the frames. */
        gcc_walk(bt_frame, &a);
        n = a.n;
    } else {
        unw_context_t ctx;
        unw_cursor_t cur;
        if (!lu.getcontext || lu.getcontext(&ctx) < 0 || lu.init_local(&cur, &ctx) < 0)
            n = 0;
        else
            n = walk_cursor(&cur, pcs, max, flags);
    }
    if (n == 0) {
        pcs[n++] = caller;
        *flags |= UNW_F_FAILED;
    }
    return n;
}
