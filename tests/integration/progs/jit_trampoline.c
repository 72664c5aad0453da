/* Code without unwind information, as a JIT makes it: an mmap'd
 * trampoline (no CFI) calls jitted_work, which burns CPU; then main burns
 * CPU itself for comparison. Without a frame pointer kept (no argument) a
 * walk from jitted_work stops at the trampoline: the stack never reaches
 * _start. With "fp" the trampoline keeps a frame-pointer chain, as V8 and
 * HotSpot frames do, and a walk can go on through it to main. With
 * "fpspin" the framed code burns CPU itself, so samples land in code
 * without CFI and the walk must start from the frame pointer. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static volatile double sink;

__attribute__((noinline)) static void spin_ms(int ms)
{
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    do {
        for (int i = 0; i < 10000; i++)
            sink += i * 0.5;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

/* (the adds after the calls keep them from being tail calls, so the
 * functions stay on the stack) */
__attribute__((noinline)) void jitted_work(void)
{
    spin_ms(400);
    sink += 1;
}

__attribute__((noinline)) void native_work(void)
{
    spin_ms(400);
    sink += 1;
}

int main(int argc, char **argv)
{
    /* sub $8,%rsp; call *%rdi; add $8,%rsp; ret */
    static const unsigned char plain[] = {0x48, 0x83, 0xec, 0x08, 0xff, 0xd7,
                                          0x48, 0x83, 0xc4, 0x08, 0xc3};
    /* push %rbp; mov %rsp,%rbp; call *%rdi; pop %rbp; ret */
    static const unsigned char framed[] = {0x55, 0x48, 0x89, 0xe5, 0xff, 0xd7, 0x5d, 0xc3};
    /* push %rbp; mov %rsp,%rbp; mov $0x30000000,%rcx; 1: dec %rcx; jnz 1b;
     * pop %rbp; ret */
    static const unsigned char spinner[] = {0x55, 0x48, 0x89, 0xe5, 0x48, 0xc7, 0xc1, 0x00, 0x00,
                                            0x00, 0x30, 0x48, 0xff, 0xc9, 0x75, 0xfb, 0x5d, 0xc3};
    int fp = argc > 1 && strcmp(argv[1], "fp") == 0;
    int spin = argc > 1 && strcmp(argv[1], "fpspin") == 0;
    const unsigned char *code = spin ? spinner : fp ? framed : plain;
    size_t size = spin ? sizeof spinner : fp ? sizeof framed : sizeof plain;
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    memcpy(p, code, size);
    if (mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0)
        return 1;
    void (*tramp)(void (*)(void)) = (void (*)(void (*)(void)))p;
    tramp(jitted_work);
    native_work();
    printf("done\n");
    return 0;
}
