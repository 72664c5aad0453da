/*
 * wall_states — four threads whose time goes to known states, with the
 * example's own measurement, for the wall event's accuracy test
 * (tests/integration/t_wall.sh).
 *
 * Usage: wall_states [MEASURE_FILE [SCALE]]   (SCALE: time factor, default 1)
 *
 * Threads (named for the profile's root frames), each timed from its first
 * to its last instruction:
 *   cruncher  computes 800 ms of its own CPU time           -> [cpu]
 *   sleeper   computes 200 ms, then nanosleep 600 ms        -> [cpu] [sleep]
 *   locker    computes 200 ms, then pthread_mutex_lock on a mutex the
 *             main thread holds until 600 ms after that     -> [cpu] [lock]
 *   reader    computes 200 ms, then read()s a pipe the main thread writes
 *             600 ms after that                             -> [cpu] [io]
 * (the main thread watches for the moment each starts waiting, so the
 * waits last 600 ms however long the computing took; it waits for them
 * with nanosleep and joins them)
 * "Computes N ms" spins until the thread's CPU clock advanced N ms, so a
 * loaded machine stretches it in wall time (runnable) but not in CPU time.
 * MEASURE_FILE gets one line per thread:
 *     NAME lifetime_ns=L cpu_ns=C wait_ns=W
 * (cpu from CLOCK_THREAD_CPUTIME_ID, wait = the blocking call bracketed by
 * CLOCK_MONOTONIC reads). stdout is one deterministic line.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static int pipefd[2];
static double scale = 1;
/* CLOCK_MONOTONIC ns at which the locker / reader starts waiting, 0 before */
static _Atomic uint64_t wait_from[2];

struct meas {
    const char *name;
    uint64_t life, cpu, wait;
};
static struct meas meas[4] = {{"cruncher"}, {"sleeper"}, {"locker"}, {"reader"}};

static uint64_t clk(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t ms(double m)
{
    return (uint64_t)(m * scale * 1e6);
}

static volatile uint64_t sink;

NOINLINE static void compute(uint64_t cpu_ns)
{
    uint64_t end = clk(CLOCK_THREAD_CPUTIME_ID) + cpu_ns;
    uint64_t x = 1;
    while (clk(CLOCK_THREAD_CPUTIME_ID) < end)
        for (int i = 0; i < 200000; i++)
            x = x * 6364136223846793005u + 1442695040888963407u;
    sink = x;
}

NOINLINE static void nap(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

NOINLINE static void take_lock(void)
{
    pthread_mutex_lock(&held);
    pthread_mutex_unlock(&held);
}

NOINLINE static void read_pipe(void)
{
    char c;
    while (read(pipefd[0], &c, 1) < 0)
        ;
}

static void *worker(void *arg)
{
    struct meas *m = arg;
    uint64_t t0 = clk(CLOCK_MONOTONIC);
    pthread_setname_np(pthread_self(), m->name);
    int which = (int)(m - meas);
    compute(ms(which == 0 ? 800 : 200));
    uint64_t w0 = clk(CLOCK_MONOTONIC);
    if (which == 1)
        nap(ms(600));
    else if (which == 2)
        wait_from[0] = w0, take_lock();
    else if (which == 3)
        wait_from[1] = w0, read_pipe();
    uint64_t w1 = clk(CLOCK_MONOTONIC);
    m->wait = w1 - w0;
    m->cpu = clk(CLOCK_THREAD_CPUTIME_ID);
    m->life = clk(CLOCK_MONOTONIC) - t0;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 2)
        scale = atof(argv[2]) > 0 ? atof(argv[2]) : 1;
    if (pipe(pipefd) < 0)
        return 1;
    pthread_mutex_lock(&held);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, &meas[i]);
    for (int done = 0; done != 3;) {
        nap(1000000);
        uint64_t now = clk(CLOCK_MONOTONIC);
        for (int k = 0; k < 2; k++) {
            if ((done & 1 << k) || !wait_from[k] || now - wait_from[k] < ms(600))
                continue;
            done |= 1 << k;
            if (k == 0)
                pthread_mutex_unlock(&held);
            else if (write(pipefd[1], "x", 1) != 1)
                return 1;
        }
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    if (argc > 1) {
        FILE *f = fopen(argv[1], "w");
        if (!f)
            return 1;
        for (int i = 0; i < 4; i++)
            fprintf(f, "%s lifetime_ns=%llu cpu_ns=%llu wait_ns=%llu\n", meas[i].name,
                    (unsigned long long)meas[i].life, (unsigned long long)meas[i].cpu,
                    (unsigned long long)meas[i].wait);
        fclose(f);
    }
    puts("wall_states: 4 threads done");
    return 0;
}
