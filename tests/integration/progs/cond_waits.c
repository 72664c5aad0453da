/*
 * 20 condition waits of 5 ms each (pthread_cond_timedwait that times out,
 * nobody signals): about 100 ms in cond_ns, no CPU time to speak of. The
 * issue-11 case: the CLI read cond_ns as samples of CPU time ("1069802.39
 * s") in the hot palette because it did not know the metric.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static __attribute__((noinline)) int wait_5ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 5 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    int rc;
    pthread_mutex_lock(&mu);
    do
        rc = pthread_cond_timedwait(&cv, &mu, &ts);
    while (rc == 0); /* spurious wakeup: wait out the 5 ms */
    pthread_mutex_unlock(&mu);
    return rc == ETIMEDOUT;
}

int main(void)
{
    int timeouts = 0;
    for (int i = 0; i < 20; i++)
        timeouts += wait_5ms();
    printf("cond_waits: %d timeouts\n", timeouts);
    return timeouts == 20 ? 0 : 1;
}
