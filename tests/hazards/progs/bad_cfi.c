/* Code whose CFI lies about its return address: bogus_spin pushes the
 * number 3 and burns CPU without saying so in its CFI, so an unwinder that
 * trusts the CFI takes 3 for the return address (as with V8's builtins,
 * whose frames the CFI of node's binary does not describe). libgcc's
 * unwinder then reads the code at address 3 to look for a signal
 * trampoline. The program must run to the end, profiled or not. */
#include <stdio.h>
#include <stdlib.h>

void bogus_spin(long n);
__asm__(".text\n"
        ".globl bogus_spin\n"
        ".type bogus_spin, @function\n"
        "bogus_spin:\n"
        ".cfi_startproc\n"
        "    pushq $3\n" /* no .cfi_adjust_cfa_offset: the CFI still says RA = [rsp] */
        "1:  decq %rdi\n"
        "    jnz 1b\n"
        "    addq $8, %rsp\n"
        "    ret\n"
        ".cfi_endproc\n"
        ".size bogus_spin, .-bogus_spin\n");

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 20;
    for (long i = 0; i < rounds; i++)
        bogus_spin(20000000);
    printf("done %ld\n", rounds);
    return 0;
}
