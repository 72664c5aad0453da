/*
 * lock_contention — lock waiting with a known pattern and its own
 * measurement, for the lock profiler's accuracy tests
 * (tests/integration/t_lock_*.sh).
 *
 * Usage: lock_contention [THREADS [ITERS]]     (default 4 threads, 100)
 *
 * THREADS workers run four phases, one per site, separated by a barrier so
 * that every site is contended by all threads at once; in a phase each
 * thread calls the site ITERS times; the site takes its lock, holds it busy
 * (nanosleep, plus the kernel's timer slack of ~50 us), and releases it:
 *   site_hot:   pthread_mutex_lock on mutex `hot`,  held 200 us
 *   site_cold:  pthread_mutex_lock on mutex `cold`, held 50 us
 *   site_rw:    pthread_rwlock_wrlock on `rw`,      held 50 us
 *   site_sem:   sem_wait on a semaphore of 1,       held 50 us
 * With every thread contending, a thread waits at a site for about
 * (THREADS-1) x its hold time, so the expected shares of lock_ns are about
 * hot 40-50%, cold/rw/sem 17-20% each (250:100:100:100 with the slack)
 * — the exact split depends on
 * how often the threads meet, so the example measures it: every lock call
 * is bracketed by CLOCK_MONOTONIC reads and summed per site. After the
 * workers join, stdout has one line per site:
 *     wait site_hot ns=... calls=...
 * The profile's lock_ns under each site must match these sums (they also
 * include the ~20 ns of each uncontended acquisition, which the profiler
 * rightly does not count: negligible next to the waits).
 * Call chains: worker -> run_phase -> site_x -> lock call.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

static pthread_mutex_t hot = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cold = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t sem;
static unsigned iters = 100;

enum { HOT, COLD, RW, SEM, NSITES };
static const char *const names[NSITES] = {"site_hot", "site_cold", "site_rw", "site_sem"};
static _Atomic uint64_t waited[NSITES], calls[NSITES];
static volatile uint64_t sink;

static uint64_t now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Hold the lock by sleeping: the holder gives its CPU to the waiters, so
 * they really block on the lock even on a machine with fewer CPUs than
 * threads (a spinning holder starved them of CPU instead: they then waited
 * for the scheduler, not for the lock). */
static void hold(uint64_t ns)
{
    struct timespec ts = {0, (long)ns};
    nanosleep(&ts, NULL);
    sink++;
}

static void account(int site, uint64_t t0)
{
    waited[site] += now() - t0;
    calls[site]++;
}

static NOINLINE void site_hot(void)
{
    uint64_t t0 = now();
    pthread_mutex_lock(&hot);
    account(HOT, t0);
    hold(200000);
    pthread_mutex_unlock(&hot);
}

static NOINLINE void site_cold(void)
{
    uint64_t t0 = now();
    pthread_mutex_lock(&cold);
    account(COLD, t0);
    hold(50000);
    pthread_mutex_unlock(&cold);
}

static NOINLINE void site_rw(void)
{
    uint64_t t0 = now();
    pthread_rwlock_wrlock(&rw);
    account(RW, t0);
    hold(50000);
    pthread_rwlock_unlock(&rw);
}

static NOINLINE void site_sem(void)
{
    uint64_t t0 = now();
    while (sem_wait(&sem) != 0)
        ;
    account(SEM, t0);
    hold(50000);
    sem_post(&sem);
}

static pthread_barrier_t barrier;

static NOINLINE void run_phase(void (*site)(void))
{
    pthread_barrier_wait(&barrier);
    for (unsigned i = 0; i < iters; i++)
        site();
}

static void *worker(void *arg)
{
    (void)arg;
    run_phase(site_hot);
    run_phase(site_cold);
    run_phase(site_rw);
    run_phase(site_sem);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned nt = argc > 1 ? (unsigned)atoi(argv[1]) : 4;
    if (argc > 2)
        iters = (unsigned)atoi(argv[2]);
    if (nt < 1 || nt > 64)
        nt = 4;
    sem_init(&sem, 0, 1);
    pthread_barrier_init(&barrier, NULL, nt);
    pthread_t t[64];
    for (unsigned i = 0; i < nt; i++)
        if (pthread_create(&t[i], NULL, worker, NULL) != 0)
            return 1;
    for (unsigned i = 0; i < nt; i++)
        pthread_join(t[i], NULL);
    for (int s = 0; s < NSITES; s++)
        printf("wait %s ns=%llu calls=%llu\n", names[s], (unsigned long long)waited[s],
               (unsigned long long)calls[s]);
    return 0;
}
