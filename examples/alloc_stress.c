/*
 * alloc_stress — cross-thread allocation and free for the allocation
 * profiler's stress test (tests/integration/t_alloc_stress.sh).
 *
 * Usage: alloc_stress [THREADS [ROUNDS]]   (defaults 16, 200000)
 *
 * Thread i allocates blocks (sizes 8..4103 bytes, a fixed pseudo-random
 * sequence per thread) in stress_alloc and hands each to thread i+1 through
 * a mutex-protected queue; thread i+1 frees it in stress_free. Some blocks
 * are grown with realloc by the receiving thread before being freed. At the
 * end every block has been freed: the live heap of these functions is 0.
 * The work is fixed, so stdout (a checksum of sizes) is deterministic.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))
#define QCAP 1024

struct queue {
    pthread_mutex_t lock;
    pthread_cond_t more, room;
    void *items[QCAP];
    size_t sizes[QCAP];
    unsigned head, tail;
    int done;
};

static struct queue *queues;
static int nthreads = 16;
static long rounds = 200000;
static uint64_t sums[256];

static void q_put(struct queue *q, void *p, size_t n)
{
    pthread_mutex_lock(&q->lock);
    while (q->tail - q->head == QCAP)
        pthread_cond_wait(&q->room, &q->lock);
    q->items[q->tail % QCAP] = p;
    q->sizes[q->tail % QCAP] = n;
    q->tail++;
    pthread_cond_signal(&q->more);
    pthread_mutex_unlock(&q->lock);
}

/* Returns 0 when the producer is done and the queue is empty. */
static int q_get(struct queue *q, void **p, size_t *n)
{
    pthread_mutex_lock(&q->lock);
    while (q->tail == q->head && !q->done)
        pthread_cond_wait(&q->more, &q->lock);
    if (q->tail == q->head) {
        pthread_mutex_unlock(&q->lock);
        return 0;
    }
    *p = q->items[q->head % QCAP];
    *n = q->sizes[q->head % QCAP];
    q->head++;
    pthread_cond_signal(&q->room);
    pthread_mutex_unlock(&q->lock);
    return 1;
}

static NOINLINE void *stress_alloc(size_t n)
{
    unsigned char *p = malloc(n);
    if (!p)
        abort();
    p[0] = (unsigned char)n;
    p[n - 1] = 1;
    return p;
}

static NOINLINE uint64_t stress_free(void *p, size_t n, int grow)
{
    unsigned char *b = p;
    uint64_t s = b[0] + b[n - 1];
    if (grow) {
        b = realloc(b, n * 2);
        if (!b)
            abort();
        s += b[0];
    }
    free(b);
    return s;
}

static void *consumer(void *arg)
{
    int i = (int)(intptr_t)arg;
    struct queue *q = &queues[i];
    void *p;
    size_t n;
    uint64_t s = 0, k = 0;
    while (q_get(q, &p, &n))
        s += stress_free(p, n, (k++ % 7) == 0);
    return (void *)(uintptr_t)s;
}

static void *producer(void *arg)
{
    int i = (int)(intptr_t)arg;
    struct queue *q = &queues[(i + 1) % nthreads];
    uint64_t x = (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ull, s = 0;
    for (long r = 0; r < rounds; r++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t n = 8 + (x & 4095);
        q_put(q, stress_alloc(n), n);
        s += n;
    }
    pthread_mutex_lock(&q->lock);
    q->done = 1;
    pthread_cond_broadcast(&q->more);
    pthread_mutex_unlock(&q->lock);
    sums[i] = s;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        nthreads = atoi(argv[1]);
    if (argc > 2)
        rounds = atol(argv[2]);
    if (nthreads < 2 || nthreads > 256)
        nthreads = 16;
    queues = calloc((size_t)nthreads, sizeof *queues);
    pthread_t prod[256], cons[256];
    for (int i = 0; i < nthreads; i++) {
        pthread_mutex_init(&queues[i].lock, NULL);
        pthread_cond_init(&queues[i].more, NULL);
        pthread_cond_init(&queues[i].room, NULL);
    }
    for (int i = 0; i < nthreads; i++) {
        pthread_create(&cons[i], NULL, consumer, (void *)(intptr_t)i);
        pthread_create(&prod[i], NULL, producer, (void *)(intptr_t)i);
    }
    uint64_t total = 0, freed = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(prod[i], NULL);
        total += sums[i];
    }
    for (int i = 0; i < nthreads; i++) {
        void *r;
        pthread_join(cons[i], &r);
        freed += (uintptr_t)r;
    }
    printf("alloc_stress: threads=%d rounds=%ld bytes=%llu check=%llu\n", nthreads, rounds,
           (unsigned long long)total, (unsigned long long)freed);
    free(queues);
    return 0;
}
