/*
 * libelf on demand, for the library only: the in-process fallback collector
 * (collector/collector.c) symbolizes with libelf, but a process profiled by
 * the collector process never does. Linking libelf into the library would
 * make every profiled process load libelf and zlib at start (about 0.4 ms
 * of a 3 ms /bin/true on this project's test VM) for nothing, so the
 * library defines the few libelf entry points the symbolizer calls as
 * hidden forwarders to libelf.so.1, which elf_ondemand_load opens when the
 * fallback starts (normal context). Before that, or if libelf is missing,
 * every forwarder fails the way libelf reports failure (NULL, -1, 0,
 * EV_NONE), and the symbolizer writes addresses instead of names.
 *
 * The CLI and the unit tests link libelf itself and never this file.
 */
#include <dlfcn.h>
#include <gelf.h>
#include <pthread.h>
#include <stdbool.h>

#include "preload/elf_ondemand.h"

#define ELF_CALLS(X)                                                                               \
    X(Elf *, elf_begin, NULL, (int fd, Elf_Cmd cmd, Elf *ref), (fd, cmd, ref))                     \
    X(int, elf_end, 0, (Elf * e), (e))                                                             \
    X(Elf_Data *, elf_getdata, NULL, (Elf_Scn * s, Elf_Data * d), (s, d))                          \
    X(Elf_Scn *, elf_getscn, NULL, (Elf * e, size_t i), (e, i))                                    \
    X(int, elf_getshdrnum, -1, (Elf * e, size_t * n), (e, n))                                      \
    X(int, elf_getshdrstrndx, -1, (Elf * e, size_t * n), (e, n))                                   \
    X(Elf_Kind, elf_kind, ELF_K_NONE, (Elf * e), (e))                                              \
    X(Elf *, elf_memory, NULL, (char *img, size_t n), (img, n))                                    \
    X(Elf_Scn *, elf_nextscn, NULL, (Elf * e, Elf_Scn * s), (e, s))                                \
    X(char *, elf_strptr, NULL, (Elf * e, size_t i, size_t o), (e, i, o))                          \
    X(unsigned int, elf_version, EV_NONE, (unsigned int v), (v))                                   \
    X(size_t, gelf_fsize, 0, (Elf * e, Elf_Type t, size_t n, unsigned int v), (e, t, n, v))        \
    X(GElf_Ehdr *, gelf_getehdr, NULL, (Elf * e, GElf_Ehdr * d), (e, d))                           \
    X(size_t, gelf_getnote, 0, (Elf_Data * d, size_t o, GElf_Nhdr * n, size_t * no, size_t * dof), \
      (d, o, n, no, dof))                                                                          \
    X(GElf_Rela *, gelf_getrela, NULL, (Elf_Data * d, int i, GElf_Rela *r), (d, i, r))             \
    X(GElf_Shdr *, gelf_getshdr, NULL, (Elf_Scn * s, GElf_Shdr * d), (s, d))                       \
    X(GElf_Sym *, gelf_getsym, NULL, (Elf_Data * d, int i, GElf_Sym *s), (d, i, s))

static struct {
#define X(ret, name, fail, params, args) ret(*name) params;
    ELF_CALLS(X)
#undef X
} fn;
static bool loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    void *h = dlopen("libelf.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
#define X(ret, name, fail, params, args)      \
    fn.name = (ret(*) params)dlsym(h, #name); \
    if (!fn.name)                             \
        return;
    ELF_CALLS(X)
#undef X
    __atomic_store_n(&loaded, true, __ATOMIC_RELEASE);
}

bool elf_ondemand_load(void)
{
    pthread_once(&once, load);
    return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE);
}

#define X(ret, name, fail, params, args)                  \
    __attribute__((visibility("hidden"))) ret name params \
    {                                                     \
        if (!__atomic_load_n(&loaded, __ATOMIC_ACQUIRE))  \
            return fail;                                  \
        return fn.name args;                              \
    }
ELF_CALLS(X)
#undef X
