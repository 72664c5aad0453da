/*
 * The dynamic loader's entry points. While a thread is inside them it may
 * hold the loader's locks with its data structures half updated; a sample
 * landing then must not unwind (libunwind would walk the same structures
 * through dl_iterate_phdr). These shims only mark the thread as "in the
 * loader" around the real call; unwind.c checks the mark.
 */
#include <errno.h>

#include "preload/hooks.h"
#include "preload/lifecycle.h"
#include "preload/threads.h"

FLAMEPRE_EXPORT void *dlopen(const char *file, int mode)
{
    hooks_ensure();
    tstate.in_loader++;
    void *h = real.dlopen(file, mode);
    tstate.in_loader--;
    if (h) {
        int saved = errno;
        lifecycle_maps_changed(false);
        errno = saved;
    }
    return h;
}

FLAMEPRE_EXPORT void *dlmopen(Lmid_t lmid, const char *file, int mode)
{
    hooks_ensure();
    if (!real.dlmopen)
        return NULL;
    tstate.in_loader++;
    void *h = real.dlmopen(lmid, file, mode);
    tstate.in_loader--;
    if (h) {
        int saved = errno;
        lifecycle_maps_changed(false);
        errno = saved;
    }
    return h;
}

FLAMEPRE_EXPORT int dlclose(void *handle)
{
    hooks_ensure();
    tstate.in_loader++;
    int r = real.dlclose(handle);
    tstate.in_loader--;
    int saved = errno;
    lifecycle_maps_changed(true);
    errno = saved;
    return r;
}

FLAMEPRE_EXPORT int dl_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
    hooks_ensure();
    tstate.in_loader++;
    int r = real.dl_iterate_phdr(cb, data);
    tstate.in_loader--;
    return r;
}
