/* Installs a seccomp filter that kills the process on system call
 * argv[1] (a number) and otherwise allows everything, then:
 *   later   starts 2 threads and 3 fork children (each exits 7), and
 *           prints "bad=N" (children that did not exit 7);
 *   exec    execs argv[3...] under the filter. */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile double sink;

__attribute__((noinline)) static void burn(double sec)
{
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    do {
        for (int i = 0; i < 20000; i++)
            sink += i;
        free(malloc(1000));
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    } while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < sec);
}

static void *worker(void *arg)
{
    burn(0.1);
    return arg;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    unsigned nr = (unsigned)atoi(argv[1]);
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
    burn(0.05);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
        return 9;
    if (strcmp(argv[2], "exec") == 0) {
        execvp(argv[3], argv + 3);
        return 10;
    }
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    burn(0.1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    int bad = 0;
    for (int i = 0; i < 3; i++) {
        pid_t c = fork();
        if (c == 0) {
            burn(0.02);
            _exit(7);
        }
        int st;
        if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
            bad++;
    }
    printf("bad=%d\n", bad);
    return 0;
}
