/*
 * Hook table (see hooks.h). One row per interposed function; `required`
 * rows are reported when missing, the others (dlmopen on libcs without it)
 * are simply left NULL and their interposer fails the call. ON_USE rows
 * (jemalloc's extensions) are resolved by their own shims at their first
 * call: a dlsym that fails builds its error message with malloc, and at
 * start that malloc would set up the heap (brk, page faults, getrandom) in
 * every process, nearly none of which ever calls them.
 */
#include "preload/hooks.h"

#include <errno.h>
#include <stddef.h>

#include "preload/log.h"

struct hooks real;

#define ON_USE 2

static const struct {
    const char *name;
    size_t off;
    int required;
} table[] = {
#define ROW(n, req)                        \
    {                                      \
#n, offsetof(struct hooks, n), req \
    }
    /* allocation first: once these are known, the rest of the resolution
     * (and dlsym's own allocations) use the real allocator */
    ROW(malloc, 1),
    ROW(free, 1),
    ROW(calloc, 1),
    ROW(realloc, 1),
    ROW(reallocarray, 0),
    ROW(posix_memalign, 1),
    ROW(aligned_alloc, 0),
    ROW(memalign, 0),
    ROW(valloc, 0),
    ROW(pvalloc, 0),
    ROW(malloc_usable_size, 0),
    ROW(mallocx, ON_USE),
    ROW(rallocx, ON_USE),
    ROW(sdallocx, ON_USE),
    ROW(dallocx, ON_USE),
    ROW(pthread_create, 1),
    ROW(exit, 1),
    ROW(_exit, 1),
    ROW(_Exit, 1),
    ROW(__libc_start_main, 1),
    ROW(dlopen, 1),
    ROW(dlmopen, 0),
    ROW(dlclose, 1),
    ROW(execve, 1),
    ROW(execvpe, 1),
    ROW(fexecve, 1),
    ROW(sigaction, 1),
    ROW(close, 1),
    ROW(close_range, 0),
    ROW(dup2, 1),
    ROW(dup3, 1),
    ROW(mmap, 1),
    ROW(mmap64, 0),
    ROW(pthread_sigmask, 1),
    ROW(sigprocmask, 1),
    ROW(sigwaitinfo, 1),
    ROW(sigtimedwait, 1),
    ROW(signalfd, 0),
#define ROWC(n, req) ROW(n, req),
    HOOKS_WAIT(ROWC) HOOKS_WALL(ROWC)
#undef ROWC
        ROW(dl_iterate_phdr, 1),
#undef ROW
};

void hooks_resolve(void)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        void **slot = (void **)((char *)&real + table[i].off);
        if (*slot || table[i].required == ON_USE)
            continue;
        void *fn = dlsym(RTLD_NEXT, table[i].name);
        if (!fn && table[i].required)
            log_error("cannot resolve %s in the libraries after flamepre; its calls may fail",
                      table[i].name);
        *slot = fn;
    }
}

int hooks_on_use_done;

void hooks_resolve_on_use(void)
{
    if (__atomic_load_n(&hooks_on_use_done, __ATOMIC_ACQUIRE))
        return;
    int saved = errno;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        void **slot = (void **)((char *)&real + table[i].off);
        if (table[i].required == ON_USE && !*slot)
            *slot = dlsym(RTLD_NEXT, table[i].name);
    }
    __atomic_store_n(&hooks_on_use_done, 1, __ATOMIC_RELEASE);
    errno = saved;
}

void hooks_resolve_keep_errno(void)
{
    int saved = errno;
    hooks_resolve();
    errno = saved;
}
