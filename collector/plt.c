/*
 * PLT stub names (see plt.h).
 */
#include "collector/plt.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    uint64_t got;     /* GOT slot address (r_offset) */
    const char *name; /* in the ELF's string table */
};

static int cmp_slot(const void *a, const void *b)
{
    uint64_t x = ((const struct slot *)a)->got, y = ((const struct slot *)b)->got;
    return x < y ? -1 : x > y;
}

/* Every JUMP_SLOT and GLOB_DAT relocation with a named symbol. */
static long read_slots(Elf *e, struct slot **out)
{
    struct slot *v = NULL;
    size_t n = 0, cap = 0;
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;
    while ((scn = elf_nextscn(e, scn)) != NULL) {
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
            continue;
        Elf_Scn *symscn = elf_getscn(e, sh.sh_link);
        GElf_Shdr symsh;
        Elf_Data *rel = elf_getdata(scn, NULL), *syms;
        if (!symscn || !gelf_getshdr(symscn, &symsh) || !rel || !(syms = elf_getdata(symscn, NULL)))
            continue;
        size_t nrel = sh.sh_size / sh.sh_entsize;
        for (size_t i = 0; i < nrel; i++) {
            GElf_Rela r;
            GElf_Sym s;
            if (!gelf_getrela(rel, (int)i, &r))
                break;
            unsigned type = (unsigned)GELF_R_TYPE(r.r_info);
            if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
                continue;
            const char *name;
            if (!gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &s) ||
                !(name = elf_strptr(e, symsh.sh_link, s.st_name)) || !*name)
                continue;
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 256;
                struct slot *nv = realloc(v, nc * sizeof *nv);
                if (!nv) {
                    free(v);
                    return -1;
                }
                v = nv;
                cap = nc;
            }
            v[n++] = (struct slot){r.r_offset, name};
        }
    }
    if (n)
        qsort(v, n, sizeof *v, cmp_slot);
    *out = v;
    return (long)n;
}

static const char *slot_name(const struct slot *v, long n, uint64_t got)
{
    long lo = 0, hi = n;
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (v[mid].got < got)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].got == got ? v[lo].name : NULL;
}

static int cmp_stub(const void *a, const void *b)
{
    uint64_t x = ((const struct plt_stub *)a)->lo, y = ((const struct plt_stub *)b)->lo;
    return x < y ? -1 : x > y;
}

/* The GOT slot a stub at addr (bytes p, len) jumps through, or 0. */
static uint64_t stub_target(const unsigned char *p, size_t len, uint64_t addr)
{
    for (size_t k = 0; k + 6 <= len; k++) {
        if (p[k] != 0xff || p[k + 1] != 0x25)
            continue;
        int32_t disp;
        memcpy(&disp, p + k + 2, 4);
        return addr + k + 6 + (uint64_t)(int64_t)disp;
    }
    return 0;
}

long plt_stubs(Elf *e, struct plt_stub **out)
{
    *out = NULL;
    GElf_Ehdr eh;
    size_t shstrndx;
    if (!gelf_getehdr(e, &eh) || eh.e_machine != EM_X86_64 || elf_getshdrstrndx(e, &shstrndx))
        return 0;
    struct slot *slots;
    long nslots = read_slots(e, &slots);
    if (nslots <= 0)
        return nslots;
    struct plt_stub *v = NULL;
    long n = 0, cap = 0;
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;
    while ((scn = elf_nextscn(e, scn)) != NULL) {
        const char *sn;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
            !(sn = elf_strptr(e, shstrndx, sh.sh_name)) ||
            (strcmp(sn, ".plt") && strcmp(sn, ".plt.sec") && strcmp(sn, ".plt.got")))
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        size_t ent = sh.sh_entsize ? sh.sh_entsize : 16;
        if (!d || !d->d_buf || d->d_size < ent)
            continue;
        for (size_t off = 0; off + ent <= d->d_size; off += ent) {
            uint64_t addr = sh.sh_addr + off;
            const char *name = slot_name(
                slots, nslots, stub_target((const unsigned char *)d->d_buf + off, ent, addr));
            if (!name)
                continue; /* PLT0, or a lazy-binding entry of an IBT .plt */
            if (n == cap) {
                long nc = cap ? cap * 2 : 256;
                struct plt_stub *nv = realloc(v, (size_t)nc * sizeof *nv);
                if (!nv)
                    goto fail;
                v = nv;
                cap = nc;
            }
            size_t len = strlen(name);
            char *s = malloc(len + 5);
            if (!s)
                goto fail;
            memcpy(s, name, len);
            memcpy(s + len, "@plt", 5);
            v[n++] = (struct plt_stub){addr, addr + ent, s};
        }
    }
    free(slots);
    if (n)
        qsort(v, (size_t)n, sizeof *v, cmp_stub);
    *out = v;
    return n;
fail:
    free(slots);
    plt_free(v, n);
    return -1;
}

void plt_free(struct plt_stub *v, long n)
{
    for (long i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}
