/*
 * Thread lifetimes for the wall event (see wall.h).
 */
#include "preload/wall.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "preload/threads.h"

uint64_t wall_parse_schedstat(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && buf[i] >= '0' && buf[i] <= '9')
        i++;
    if (i == 0 || i >= len || buf[i] != ' ')
        return 0;
    i++;
    uint64_t v = 0;
    size_t digits = 0;
    for (; i < len && buf[i] >= '0' && buf[i] <= '9' && digits < 19; i++, digits++)
        v = v * 10 + (uint64_t)(buf[i] - '0');
    if (!digits || (i < len && buf[i] != ' ' && buf[i] != '\n'))
        return 0;
    return v;
}

uint64_t wall_run_delay(pid_t tid)
{
    int saved = errno;
    tstate.guard++;
    char path[64], buf[96];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", (int)tid);
    uint64_t v = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0)
            v = wall_parse_schedstat(buf, (size_t)n);
        close(fd);
    }
    tstate.guard--;
    errno = saved;
    return v;
}

void wall_thread_begin(struct tslot *s)
{
    s->run_delay0 = wall_run_delay(s->tid);
}

void wall_thread_end(struct tslot *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, zero = 0;
    if (!atomic_compare_exchange_strong(&s->end_ns, &zero, now))
        return;
    uint64_t rd = wall_run_delay(s->tid);
    atomic_store(&s->run_delay_ns, rd > s->run_delay0 ? rd - s->run_delay0 : 0);
}

void wall_end_all(void)
{
    if (!threads_slots)
        return;
    unsigned high = atomic_load(&shm_hdr->threads_high);
    for (unsigned i = 0; i < high; i++) {
        struct tslot *s = &threads_slots[i];
        if (atomic_load_explicit(&s->state, memory_order_acquire) == SLOT_ACTIVE)
            wall_thread_end(s);
    }
}
