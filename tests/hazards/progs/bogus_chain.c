/*
 * A frame-pointer chain that lies, under code without CFI. The mmap'd
 * spinner (no unwind information, as JIT code) points rbp at a record on
 * the stack that looks like a frame: it returns into framed_fn, whose CFI
 * takes the CFA from rbp, and its caller's rbp "saved" there is 0x1000.
 * A DWARF walk that resumes after the spinner follows the chain into
 * framed_fn, then computes the next CFA from 0x1000 and reads there: the
 * sampling handler must end the walk before that read, not fault.
 *
 * Prints "done" and exits 0 when it survives.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static volatile uintptr_t ret_in_framed;
static volatile int sink;

__attribute__((noinline)) static void note_return(void)
{
    ret_in_framed = (uintptr_t)__builtin_return_address(0);
}

/* Built with frame pointers (-fno-omit-frame-pointer): after its call,
 * its CFA is rbp + 16. */
__attribute__((noinline)) static void framed_fn(void)
{
    note_return();
    sink++;
}

int main(void)
{
    framed_fn();
    /* push %rbp; mov %rdi,%rbp; mov $0x40000000,%rcx; 1: dec %rcx;
     * jnz 1b; pop %rbp; ret */
    static const unsigned char spinner[] = {0x55, 0x48, 0x89, 0xfd, 0x48, 0xc7, 0xc1, 0x00, 0x00,
                                            0x00, 0x40, 0x48, 0xff, 0xc9, 0x75, 0xfb, 0x5d, 0xc3};
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    memcpy(p, spinner, sizeof spinner);
    if (mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0)
        return 1;
    /* fake[0..1]: the record rbp points at (next record, return address);
     * fake[2..3]: the next record, whose "saved rbp" is no address */
    volatile uintptr_t fake[6];
    fake[0] = (uintptr_t)&fake[2];
    fake[1] = ret_in_framed;
    fake[2] = 0x1000;
    fake[3] = ret_in_framed;
    fake[4] = fake[5] = 0;
    void (*spin)(volatile uintptr_t *) = (void (*)(volatile uintptr_t *))p;
    spin(fake);
    printf("done\n");
    return 0;
}
