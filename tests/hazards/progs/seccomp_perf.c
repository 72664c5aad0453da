/* A sandboxed program: it installs a seccomp filter against
 * perf_event_open (argv[1]: "kill" or "eperm"; argv[2]: "prctl",
 * "syscall", or "exec" to install it with prctl and re-execute itself,
 * so the filter is inherited at start), then runs 5 threads that burn
 * CPU. It must run as unprofiled, and every thread must still be sampled. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static void *worker(void *arg)
{
    (void)arg;
    burn_us(150000);
    return NULL;
}

static int install(int kill, int use_syscall)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_perf_event_open, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, kill ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    if (use_syscall)
        return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int kill = strcmp(argv[1], "kill") == 0;
    if (strcmp(argv[2], "run") != 0) {
        if (install(kill, strcmp(argv[2], "syscall") == 0) != 0) {
            perror("seccomp");
            return 3;
        }
        if (strcmp(argv[2], "exec") == 0) {
            execl("/proc/self/exe", argv[0], argv[1], "run", (char *)NULL);
            perror("exec");
            return 4;
        }
    }
    pthread_t t[5];
    for (int i = 0; i < 5; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 5; i++)
        pthread_join(t[i], NULL);
    printf("5 threads done (%s, %s)\n", argv[1], argv[2]);
    return 0;
}
