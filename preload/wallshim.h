#ifndef FLAMEPRE_WALLSHIM_H
#define FLAMEPRE_WALLSHIM_H
/*
 * The shim of a blocking call only the wall event records (sleeps, signal
 * waits, child waits: interpose_sleep.c, interpose_child.c).
 *
 * WALL_SHIM(ret, name, FAIL, (params), (args)) defines `name`: with the
 * wall event off, or inside the profiler (tstate.guard), the real call and
 * nothing else; on, the real call between two vDSO clock reads, its
 * duration reported to wait.h (wait_note: time-weighted sampling, the
 * stack captured here, in the caller's normal context). The real call runs
 * once with the program's arguments and its result is returned as is:
 * EINTR, remaining-time outputs and errno are the kernel's (the clock
 * reads do not set errno and the recording path restores it). A blocked
 * thread is never signalled. Before the hook table is resolved (a call
 * from another library's constructor) it is resolved first; a function
 * missing from the libc fails with ENOSYS and FAIL, which cannot happen to
 * a program linked against it.
 */
#include <errno.h>
#include <stdint.h>

#include "preload/hooks.h"
#include "preload/wait.h"

#define WALL_ON() \
    __builtin_expect(__atomic_load_n(&wait_wall_on, __ATOMIC_RELAXED) && !tstate.guard, 0)

#define WALL_SHIM(ret, name, FAIL, params, args)                                 \
    FLAMEPRE_EXPORT ret name params                                              \
    {                                                                            \
        HOOK_REAL_OR_FAIL(name, FAIL);                                           \
        if (!WALL_ON())                                                          \
            return real.name args;                                               \
        uint64_t t0 = wait_now();                                                \
        ret r = real.name args;                                                  \
        wait_note(WAIT_LABEL(WC_##name, FDK_NONE), -1, wait_now() - t0, 0, NULL, \
                  (uintptr_t)__builtin_return_address(0));                       \
        return r;                                                                \
    }

#endif
