/*
 * Symbolizer test data: a program whose functions have known names, shapes
 * and bindings. The Makefile builds it (-O1 -g -fno-inline) as a full
 * binary, a stripped copy, a .debug file and a stripped copy with a
 * .gnu_debuglink. test_symbolize.c reads the full binary's .symtab for the
 * addresses and checks what the symbolizer says for each variant.
 *
 *   symtest_big          large static (LOCAL) function: "inside" lookups
 *   _ZN3foo3barEv        C++ mangled name -> "foo::bar()"
 *   _ZN4core3fmt5write17h0123456789abcdefE   Rust legacy -> "core::fmt::write"
 *   symtest_global / symtest_weak_alias      same address, GLOBAL vs WEAK
 *   symtest_zero_size    assembly function without .size (st_size 0)
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline, used)) static unsigned symtest_big(unsigned n)
{
    unsigned a = 1, b = 2, c = 3;

    for (unsigned i = 0; i < n; i++) {
        a = a * 31 + i;
        b ^= a >> 3;
        c += (b << 2) | (a & 7);
        if (c & 1)
            a += b * 17;
        else
            b -= c / 3 + 1;
        switch (i & 3) {
        case 0: c ^= 0x1234; break;
        case 1: a += 0x777; break;
        case 2: b *= 5; break;
        default: c = c * 3 + a; break;
        }
    }
    return a ^ b ^ c;
}

__attribute__((noinline, used)) void cxx_foo_bar(void) __asm__("_ZN3foo3barEv");
__attribute__((noinline, used)) void cxx_foo_bar(void)
{
    __asm__ volatile("" ::: "memory");
    puts("foo::bar");
}

__attribute__((noinline, used)) void
rust_write(void) __asm__("_ZN4core3fmt5write17h0123456789abcdefE");
__attribute__((noinline, used)) void rust_write(void)
{
    __asm__ volatile("" ::: "memory");
    puts("core::fmt::write");
}

__attribute__((noinline, used)) int symtest_global(int x)
{
    __asm__ volatile("" ::: "memory");
    return x * 7 + 1;
}

/* Declared after the target so the GLOBAL name must win by rank, not by
 * order in the symbol table. */
int symtest_weak_alias(int x) __attribute__((weak, alias("symtest_global")));

void symtest_zero_size(void);
__asm__(".text\n"
        ".globl symtest_zero_size\n"
        ".type symtest_zero_size, @function\n"
        "symtest_zero_size:\n"
        "  nop\n  nop\n  nop\n  nop\n  nop\n  nop\n  nop\n  nop\n"
        "  ret\n");

int main(int argc, char **argv)
{
    (void)argv;
    cxx_foo_bar();
    rust_write();
    symtest_zero_size();
    printf("%u %d\n", symtest_big((unsigned)argc * 100), symtest_weak_alias(argc));
    return 0;
}
