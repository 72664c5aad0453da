/*
 * preload/cfa_rule.c: the CFA rule from CIE and FDE bytes.
 *
 * A hand-made CIE and FDE exercise each instruction that moves the CFA
 * (def_cfa and its variants, remember/restore_state, every advance form,
 * the expression form) at pcs before, on and after each row's start,
 * plus malformed entries and bounds. Then every FDE of every object
 * loaded in this process (the test, libcmocka, libc, the loader), found
 * through its .eh_frame_hdr table, is evaluated at its function's entry,
 * where the x86-64 ABI puts the CFA at rsp + 8, and at points inside.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <link.h>
#include <string.h>

#include "preload/cfa_rule.h"

/* The entries are laid out in one buffer: CIE at 0, FDE at FDE_AT. */
#define FDE_AT 32
static uint8_t buf[128];
static size_t fde_len;

static size_t put_cie(void)
{
    static const uint8_t cie[] = {
        0x1c, 0,   0, 0,                  /* length 28 */
        0,    0,   0, 0,                  /* CIE id */
        1,                                /* version */
        'z',  'R', 0,                     /* augmentation */
        1,                                /* code alignment */
        0x78,                             /* data alignment -8 */
        16,                               /* return address column */
        1,                                /* augmentation data length */
        0x1b,                             /* FDE pointers: pcrel sdata4 */
        0x0c, 7,   8,                     /* def_cfa rsp+8 */
        0x90, 1,                          /* offset r16 at cfa-8 */
        0,    0,   0, 0, 0, 0, 0, 0, 0, 0 /* nop padding */
    };
    _Static_assert(sizeof cie == 32, "CIE layout");
    memcpy(buf, cie, sizeof cie);
    return sizeof cie;
}

/* An FDE at FDE_AT with these instructions (pc_begin, pc_range ignored). */
static void put_fde(const uint8_t *ins, size_t n)
{
    put_cie();
    uint8_t *f = buf + FDE_AT;
    uint32_t len = (uint32_t)(4 + 4 + 4 + 1 + n);
    memcpy(f, &len, 4);
    uint32_t cie_ptr = FDE_AT + 4; /* back to the CIE at 0 */
    memcpy(f + 4, &cie_ptr, 4);
    memset(f + 8, 0, 8); /* pc_begin, pc_range */
    f[16] = 0;           /* augmentation data length */
    memcpy(f + 17, ins, n);
    fde_len = 4 + len;
}

static int rule_at(uintptr_t pc_off, struct cfa_rule *r)
{
    const uintptr_t func = 0x400000;
    return cfa_rule_at(buf + FDE_AT, func, func + pc_off, (uintptr_t)buf,
                       (uintptr_t)buf + FDE_AT + fde_len, r);
}

static void expect_reg(uintptr_t pc_off, unsigned reg, int64_t off)
{
    struct cfa_rule r;
    assert_int_equal(rule_at(pc_off, &r), 0);
    assert_int_equal(r.kind, CFA_REG);
    assert_int_equal(r.reg, reg);
    assert_int_equal(r.off, off);
}

static void test_prologue(void **state)
{
    (void)state;
    /* push %rbp; mov %rsp,%rbp; ... leave; ret */
    static const uint8_t ins[] = {
        0x41,        /* advance 1 */
        0x0e, 16,    /* def_cfa_offset 16 */
        0x86, 2,     /* offset rbp at cfa-16 */
        0x43,        /* advance 3 (pc 4) */
        0x0d, 6,     /* def_cfa_register rbp */
        0x02, 20,    /* advance_loc1 20 (pc 24) */
        0x0c, 7,  8, /* def_cfa rsp+8 */
    };
    put_fde(ins, sizeof ins);
    expect_reg(0, 7, 8);
    expect_reg(1, 7, 16);
    expect_reg(3, 7, 16);
    expect_reg(4, 6, 16);
    expect_reg(23, 6, 16);
    expect_reg(24, 7, 8);
    expect_reg(1000, 7, 8);
}

static void test_states_and_advances(void **state)
{
    (void)state;
    static const uint8_t ins[] = {
        0x0e, 32,                  /* def_cfa_offset 32 at pc 0 */
        0x0a,                      /* remember_state */
        0x03, 0x00, 0x01,          /* advance_loc2 256 */
        0x12, 6,    0x7e,          /* def_cfa_sf rbp, -2 * -8 = 16 */
        0x04, 0,    1,    0,    0, /* advance_loc4 256 (pc 512) */
        0x0b,                      /* restore_state: rsp+32 */
        0x41,                      /* advance 1 (pc 513) */
        0x13, 0x7d,                /* def_cfa_offset_sf -3 * -8 = 24 */
        0x41,                      /* pc 514 */
        0x0f, 2,    0x77, 0x08,    /* def_cfa_expression (breg7 +8) */
        0x41,                      /* pc 515 */
        0x0e, 40,                  /* def_cfa_offset: still an expression */
        0x41,                      /* pc 516 */
        0x0c, 7,    8,             /* def_cfa rsp+8 */
    };
    put_fde(ins, sizeof ins);
    expect_reg(0, 7, 32);
    expect_reg(255, 7, 32);
    expect_reg(256, 6, 16);
    expect_reg(511, 6, 16);
    expect_reg(512, 7, 32);
    expect_reg(513, 7, 24);
    struct cfa_rule r;
    assert_int_equal(rule_at(514, &r), 0);
    assert_int_equal(r.kind, CFA_EXPR);
    assert_int_equal(rule_at(515, &r), 0);
    assert_int_equal(r.kind, CFA_EXPR);
    expect_reg(516, 7, 8);
}

static void test_skipped_instructions(void **state)
{
    (void)state;
    /* every register rule form is decoded and does not touch the CFA */
    static const uint8_t ins[] = {
        0x00,                       /* nop */
        0x05, 3,  2,                /* offset_extended */
        0x06, 3,                    /* restore_extended */
        0x07, 4,                    /* undefined */
        0x08, 5,                    /* same_value */
        0x09, 3,  4,                /* register */
        0x10, 3,  2,    0x70, 0x00, /* expression */
        0x11, 3,  0x7e,             /* offset_extended_sf */
        0x14, 3,  1,                /* val_offset */
        0x15, 3,  0x7f,             /* val_offset_sf */
        0x16, 3,  1,    0x96,       /* val_expression */
        0x2e, 16,                   /* GNU_args_size */
        0x2f, 3,  1,                /* GNU_negative_offset_extended */
        0xc3,                       /* restore r3 */
        0x83, 4,                    /* offset r3 */
        0x0e, 24,                   /* def_cfa_offset 24 */
    };
    put_fde(ins, sizeof ins);
    expect_reg(0, 7, 24);
}

static void test_malformed(void **state)
{
    (void)state;
    struct cfa_rule r;
    static const uint8_t set_loc[] = {0x01, 0, 0, 0, 0};
    put_fde(set_loc, sizeof set_loc);
    assert_int_equal(rule_at(0, &r), -1);
    /* restore_state with nothing remembered */
    static const uint8_t pop[] = {0x0b};
    put_fde(pop, sizeof pop);
    assert_int_equal(rule_at(0, &r), -1);
    /* an instruction cut by the FDE's end */
    static const uint8_t cut[] = {0x0c, 7};
    put_fde(cut, sizeof cut);
    assert_int_equal(rule_at(0, &r), -1);
    /* a pc before the function */
    static const uint8_t ok[] = {0x0e, 16};
    put_fde(ok, sizeof ok);
    assert_int_equal(cfa_rule_at(buf + FDE_AT, 0x400000, 0x3fffff, (uintptr_t)buf,
                                 (uintptr_t)buf + sizeof buf, &r),
                     -1);
    /* the CIE outside the bounds */
    assert_int_equal(cfa_rule_at(buf + FDE_AT, 0x400000, 0x400000, (uintptr_t)buf + 1,
                                 (uintptr_t)buf + sizeof buf, &r),
                     -1);
    /* the FDE longer than the bounds */
    assert_int_equal(cfa_rule_at(buf + FDE_AT, 0x400000, 0x400000, (uintptr_t)buf,
                                 (uintptr_t)buf + FDE_AT + 10, &r),
                     -1);
    /* a pointer to a CIE where an FDE is expected */
    assert_int_equal(
        cfa_rule_at(buf, 0x400000, 0x400000, (uintptr_t)buf, (uintptr_t)buf + sizeof buf, &r), -1);
    /* an augmentation that is not understood */
    put_fde(ok, sizeof ok);
    buf[10] = 'Q';
    assert_int_equal(rule_at(0, &r), -1);
}

/* ---- every FDE of the loaded objects ---- */

struct tally {
    unsigned fdes, entry_ok, entry_rsp8, inside, inside_ok;
};

static int each_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct tally *t = arg;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type != PT_GNU_EH_FRAME)
            continue;
        const uint8_t *hdr = (const uint8_t *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
        /* version 1; eh_frame_ptr pcrel sdata4; count udata4; table
         * datarel sdata4 (what binutils writes) */
        if (hdr[0] != 1 || hdr[1] != 0x1b || hdr[2] != 0x03 || hdr[3] != 0x3b)
            continue;
        uint32_t count;
        memcpy(&count, hdr + 8, 4);
        const uint8_t *tab = hdr + 12;
        for (uint32_t k = 0; k < count; k++) {
            int32_t loc, off;
            memcpy(&loc, tab + 8 * k, 4);
            memcpy(&off, tab + 8 * k + 4, 4);
            uintptr_t func = (uintptr_t)hdr + (intptr_t)loc;
            const void *fde = hdr + off;
            struct cfa_rule r;
            t->fdes++;
            if (cfa_rule_at(fde, func, func, 0, UINTPTR_MAX, &r) == 0) {
                t->entry_ok++;
                if (r.kind == CFA_REG && r.reg == 7 && r.off == 8)
                    t->entry_rsp8++;
            }
            if (k + 1 < count) {
                int32_t next;
                memcpy(&next, tab + 8 * (k + 1), 4);
                uintptr_t end = (uintptr_t)hdr + (intptr_t)next;
                for (uintptr_t pc = func + 1; pc < end && pc < func + 4096; pc += 7) {
                    t->inside++;
                    if (cfa_rule_at(fde, func, pc, 0, UINTPTR_MAX, &r) == 0 &&
                        (r.kind == CFA_EXPR || r.reg < 17))
                        t->inside_ok++;
                }
            }
        }
    }
    return 0;
}

static void test_loaded_objects(void **state)
{
    (void)state;
    struct tally t = {0};
    dl_iterate_phdr(each_object, &t);
    print_message("    %u FDEs: %u decoded at entry (%u rsp+8), %u/%u points inside\n", t.fdes,
                  t.entry_ok, t.entry_rsp8, t.inside_ok, t.inside);
    assert_true(t.fdes > 1000); /* libc alone has thousands */
    assert_int_equal(t.entry_ok, t.fdes);
    /* the exceptions: the signal trampoline, PLT entries and the cold
     * parts of split functions, which start in their parent's frame */
    assert_true(t.entry_rsp8 >= t.fdes - t.fdes / 20);
    assert_int_equal(t.inside_ok, t.inside);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prologue),
        cmocka_unit_test(test_states_and_advances),
        cmocka_unit_test(test_skipped_instructions),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_loaded_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
