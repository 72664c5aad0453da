/*
 * CFA rule of a frame from its CIE and FDE (see cfa_rule.h). The decoding
 * follows the DWARF call frame instructions as libgcc executes them, so
 * the answer is the rule libgcc itself will apply at the same pc.
 */
#include "preload/cfa_rule.h"

#include <stdbool.h>
#include <stddef.h>

/* A bounded reader: any read past `end` sets `bad` and yields 0. */
struct rd {
    uintptr_t p, end;
    bool bad;
};

static uint8_t u8(struct rd *r)
{
    if (r->bad || r->p >= r->end) {
        r->bad = true;
        return 0;
    }
    return *(const uint8_t *)r->p++;
}

static uint64_t fixed(struct rd *r, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)u8(r) << (8 * i);
    return v;
}

/* LEB128; `sign`: sign-extend from the last byte's bit 6. */
static uint64_t leb(struct rd *r, bool sign)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t b = u8(r);
        if (r->bad || shift > 63) {
            r->bad = true;
            return 0;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (sign && shift + 7 < 64 && (b & 0x40))
                v |= ~(uint64_t)0 << (shift + 7);
            return v;
        }
    }
}

static uint64_t uleb(struct rd *r)
{
    return leb(r, false);
}

static int64_t sleb(struct rd *r)
{
    return (int64_t)leb(r, true);
}

static void skip(struct rd *r, uint64_t n)
{
    if (r->bad || n > r->end - r->p) {
        r->bad = true;
        return;
    }
    r->p += (uintptr_t)n;
}

/* DW_EH_PE_* pointer encodings: skip one encoded value. */
#define PE_OMIT 0xff
#define PE_ALIGNED 0x50
static void skip_encoded(struct rd *r, uint8_t enc)
{
    if (enc == PE_OMIT)
        return;
    if ((enc & 0x70) == PE_ALIGNED) {
        uintptr_t a = (r->p + 7) & ~(uintptr_t)7;
        if (a < r->p || a > r->end) {
            r->bad = true;
            return;
        }
        r->p = a;
        skip(r, 8);
        return;
    }
    switch (enc & 0x0f) {
    case 0x00: /* absptr */
    case 0x04: /* udata8 */
    case 0x0c: /* sdata8 */ skip(r, 8); break;
    case 0x02: /* udata2 */
    case 0x0a: /* sdata2 */ skip(r, 2); break;
    case 0x03: /* udata4 */
    case 0x0b: /* sdata4 */ skip(r, 4); break;
    case 0x01: uleb(r); break;
    case 0x09: sleb(r); break;
    default: r->bad = true;
    }
}

struct cie {
    uint64_t code_align;
    int64_t data_align;
    uint8_t fde_enc;
    bool z; /* FDEs carry an augmentation length */
    uintptr_t ins, ins_end;
};

/* The length field of a CIE or FDE at p: [p + 4, end) is its body. */
static bool entry_bounds(uintptr_t p, uintptr_t lo, uintptr_t hi, uintptr_t *body, uintptr_t *end)
{
    if (p < lo || p > hi || hi - p < 8)
        return false;
    struct rd r = {p, hi, false};
    uint32_t len = (uint32_t)fixed(&r, 4);
    /* 0 ends a section; 0xffffffff is 64-bit DWARF, never in .eh_frame */
    if (r.bad || len == 0 || len == 0xffffffffu || len > hi - r.p)
        return false;
    *body = r.p;
    *end = r.p + len;
    return true;
}

static int parse_cie(uintptr_t p, uintptr_t lo, uintptr_t hi, struct cie *c)
{
    uintptr_t body, end;
    if (!entry_bounds(p, lo, hi, &body, &end))
        return -1;
    struct rd r = {body, end, false};
    if (fixed(&r, 4) != 0) /* a CIE's id in .eh_frame */
        return -1;
    uint8_t version = u8(&r);
    if (version != 1 && version != 3)
        return -1;
    char aug[8];
    size_t na = 0;
    for (;;) {
        uint8_t ch = u8(&r);
        if (r.bad || na + 1 >= sizeof aug)
            return -1;
        if (!ch)
            break;
        aug[na++] = (char)ch;
    }
    aug[na] = 0;
    c->code_align = uleb(&r);
    c->data_align = sleb(&r);
    if (version == 1)
        u8(&r);
    else
        uleb(&r);   /* the return address column */
    c->fde_enc = 0; /* absptr */
    c->z = false;
    if (aug[0] == 'z') {
        c->z = true;
        uint64_t alen = uleb(&r);
        if (r.bad || alen > r.end - r.p)
            return -1;
        uintptr_t aend = r.p + (uintptr_t)alen;
        struct rd a = {r.p, aend, false};
        for (const char *s = aug + 1; *s; s++) {
            if (*s == 'R') {
                c->fde_enc = u8(&a);
            } else if (*s == 'P') {
                uint8_t enc = u8(&a);
                skip_encoded(&a, enc);
            } else if (*s == 'L') {
                u8(&a);
            } else if (*s != 'S' && *s != 'B') {
                return -1; /* the encoding may follow what is not understood */
            }
        }
        if (a.bad)
            return -1;
        r.p = aend;
    } else if (aug[0]) {
        return -1; /* "eh" and other pre-'z' forms */
    }
    if (r.bad || c->code_align == 0)
        return -1;
    c->ins = r.p;
    c->ins_end = end;
    return 0;
}

#define STATE_DEPTH 8

struct cfa {
    unsigned reg;
    int64_t off;
    bool expr, have;
};

struct exec {
    const struct cie *c;
    uintptr_t loc, target;
    struct cfa cur;
    struct cfa saved[STATE_DEPTH];
    unsigned depth;
};

/* A factored offset times the data alignment; false on overflow. */
static bool factored(int64_t v, int64_t align, int64_t *out)
{
    return !__builtin_mul_overflow(v, align, out);
}

/* Advance the location by delta code units: true when it passed the
 * target, where libgcc stops executing. */
static bool advance(struct exec *e, uint64_t delta)
{
    uint64_t d = delta * e->c->code_align;
    if (e->c->code_align && d / e->c->code_align != delta)
        return true;
    if (d > UINTPTR_MAX - e->loc)
        return true;
    e->loc += (uintptr_t)d;
    return e->loc > e->target;
}

/* Execute [p, end): 1 stopped at the target, 0 ran to the end, -1 an
 * instruction this does not decode or a read out of bounds. */
static int run(struct exec *e, uintptr_t p, uintptr_t end)
{
    struct rd r = {p, end, false};
    while (r.p < r.end) {
        uint8_t op = u8(&r);
        switch (op & 0xc0) {
        case 0x40: /* advance_loc */
            if (advance(e, op & 0x3f))
                return 1;
            continue;
        case 0x80: /* offset: register in the opcode, factored offset */ uleb(&r); continue;
        case 0xc0: /* restore */ continue;
        }
        switch (op) {
        case 0x00: /* nop */ break;
        case 0x02: /* advance_loc1 */
            if (advance(e, u8(&r)) && !r.bad)
                return 1;
            break;
        case 0x03: /* advance_loc2 */
            if (advance(e, fixed(&r, 2)) && !r.bad)
                return 1;
            break;
        case 0x04: /* advance_loc4 */
            if (advance(e, fixed(&r, 4)) && !r.bad)
                return 1;
            break;
        case 0x05: /* offset_extended */
        case 0x09: /* register */
        case 0x14: /* val_offset */
        case 0x2f: /* GNU_negative_offset_extended */
            uleb(&r);
            uleb(&r);
            break;
        case 0x06: /* restore_extended */
        case 0x07: /* undefined */
        case 0x08: /* same_value */
        case 0x2e: /* GNU_args_size */ uleb(&r); break;
        case 0x0a: /* remember_state */
            if (e->depth == STATE_DEPTH)
                return -1;
            e->saved[e->depth++] = e->cur;
            break;
        case 0x0b: /* restore_state */
            if (e->depth == 0)
                return -1;
            e->cur = e->saved[--e->depth];
            break;
        case 0x0c: /* def_cfa */
            e->cur.reg = (unsigned)uleb(&r);
            e->cur.off = (int64_t)uleb(&r);
            e->cur.expr = false;
            e->cur.have = true;
            break;
        case 0x0d: /* def_cfa_register */
            e->cur.reg = (unsigned)uleb(&r);
            e->cur.expr = false;
            e->cur.have = true;
            break;
        case 0x0e: /* def_cfa_offset (the rule's kind is left as it is) */
            e->cur.off = (int64_t)uleb(&r);
            break;
        case 0x0f: /* def_cfa_expression */
            skip(&r, uleb(&r));
            e->cur.expr = true;
            e->cur.have = true;
            break;
        case 0x10: /* expression */
        case 0x16: /* val_expression */
            uleb(&r);
            skip(&r, uleb(&r));
            break;
        case 0x11: /* offset_extended_sf */
        case 0x15: /* val_offset_sf */
            uleb(&r);
            sleb(&r);
            break;
        case 0x12: /* def_cfa_sf */
            e->cur.reg = (unsigned)uleb(&r);
            if (!factored(sleb(&r), e->c->data_align, &e->cur.off))
                return -1;
            e->cur.expr = false;
            e->cur.have = true;
            break;
        case 0x13: /* def_cfa_offset_sf */
            if (!factored(sleb(&r), e->c->data_align, &e->cur.off))
                return -1;
            break;
        default: /* set_loc, GNU_window_save, vendor opcodes */ return -1;
        }
        if (r.bad)
            return -1;
    }
    return r.bad ? -1 : 0;
}

int cfa_rule_at(const void *fde, uintptr_t func, uintptr_t pc, uintptr_t lo, uintptr_t hi,
                struct cfa_rule *out)
{
    uintptr_t body, end;
    if (!entry_bounds((uintptr_t)fde, lo, hi, &body, &end))
        return -1;
    struct rd r = {body, end, false};
    uint32_t cie_ptr = (uint32_t)fixed(&r, 4);
    if (r.bad || cie_ptr == 0 || cie_ptr > body) /* 0: this is a CIE */
        return -1;
    struct cie c;
    if (parse_cie(body - cie_ptr, lo, hi, &c) < 0)
        return -1;
    skip_encoded(&r, c.fde_enc);        /* pc_begin (bases give it) */
    skip_encoded(&r, c.fde_enc & 0x0f); /* pc_range: the format only */
    if (c.z)
        skip(&r, uleb(&r));
    if (r.bad)
        return -1;
    struct exec e = {.c = &c, .loc = func, .target = pc};
    if (pc < func || run(&e, c.ins, c.ins_end) < 0)
        return -1;
    if (e.loc <= pc && run(&e, r.p, end) < 0)
        return -1;
    if (!e.cur.have)
        return -1;
    out->kind = e.cur.expr ? CFA_EXPR : CFA_REG;
    out->reg = e.cur.reg;
    out->off = e.cur.off;
    return 0;
}
