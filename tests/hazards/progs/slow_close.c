/* Ends by the raw exit_group system call (no END reaches the collector)
 * while holding a memfd with argv[1] MB of pages: their release, after the
 * channel's close, keeps the process from being a zombie for a while.
 * argv[2]: the exit code. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long mb = argc > 1 ? atol(argv[1]) : 256;
    int code = argc > 2 ? atoi(argv[2]) : 0;
    int fd = memfd_create("slow", 0);
    if (fd < 0 || fallocate(fd, 0, 0, mb << 20) != 0)
        return 2;
    syscall(SYS_exit_group, code);
    return 99;
}
