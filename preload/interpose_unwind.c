/*
 * Frame registration with libgcc's unwinder (JIT compilers, some language
 * runtimes). Once any frames are registered, libgcc's FDE lookup takes a
 * global mutex, which a sampling handler must never wait on; the shims
 * tell the unwinder to stop using libgcc in the handler, then forward.
 */
#include <dlfcn.h>
#include <stddef.h>

#include "preload/hooks.h"
#include "preload/unwind.h"

/* The libgcc entry points, resolved on first use: they are rare and not
 * in the hook table so a program without libgcc_s pays nothing. */
static void *next(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

FLAMEPRE_EXPORT void __register_frame_info(const void *begin, void *ob);
FLAMEPRE_EXPORT void __register_frame_info(const void *begin, void *ob)
{
    unwind_note_registered_frames();
    void (*f)(const void *, void *) = (void (*)(const void *, void *))next("__register_frame_info");
    if (f)
        f(begin, ob);
}

FLAMEPRE_EXPORT void __register_frame_info_bases(const void *begin, void *ob, void *t, void *d);
FLAMEPRE_EXPORT void __register_frame_info_bases(const void *begin, void *ob, void *t, void *d)
{
    unwind_note_registered_frames();
    void (*f)(const void *, void *, void *, void *) =
        (void (*)(const void *, void *, void *, void *))next("__register_frame_info_bases");
    if (f)
        f(begin, ob, t, d);
}

FLAMEPRE_EXPORT void __register_frame_info_table_bases(void *begin, void *ob, void *t, void *d);
FLAMEPRE_EXPORT void __register_frame_info_table_bases(void *begin, void *ob, void *t, void *d)
{
    unwind_note_registered_frames();
    void (*f)(void *, void *, void *, void *) =
        (void (*)(void *, void *, void *, void *))next("__register_frame_info_table_bases");
    if (f)
        f(begin, ob, t, d);
}

FLAMEPRE_EXPORT void __register_frame(void *begin);
FLAMEPRE_EXPORT void __register_frame(void *begin)
{
    unwind_note_registered_frames();
    void (*f)(void *) = (void (*)(void *))next("__register_frame");
    if (f)
        f(begin);
}

FLAMEPRE_EXPORT void __register_frame_table(void *begin);
FLAMEPRE_EXPORT void __register_frame_table(void *begin)
{
    unwind_note_registered_frames();
    void (*f)(void *) = (void (*)(void *))next("__register_frame_table");
    if (f)
        f(begin);
}
