/*
 * pthread_create: threads start through a wrapper that registers them with
 * the profiler before the program's start routine runs. The wrapper's own
 * frame is inside libflamepre.so and is filtered out of every stack.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "preload/hooks.h"
#include "preload/lifecycle.h"

struct start {
    void *(*fn)(void *);
    void *arg;
};

static void *thread_start(void *p)
{
    struct start st = *(struct start *)p;
    /* Register first: the free below may be of a sampled block, and its
     * record should go through this thread's ring. */
    lifecycle_thread_begin();
    free(p);
    return st.fn(st.arg);
}

FLAMEPRE_EXPORT int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
                                   void *arg)
{
    hooks_ensure();
    if (!real.pthread_create)
        return EAGAIN;
    if (!lifecycle_recording())
        return real.pthread_create(t, attr, fn, arg);
    int saved = errno;
    struct start *st = malloc(sizeof *st);
    errno = saved;
    if (!st)
        return real.pthread_create(t, attr, fn, arg);
    st->fn = fn;
    st->arg = arg;
    int rc = real.pthread_create(t, attr, thread_start, st);
    if (rc != 0)
        free(st);
    errno = saved;
    return rc;
}
