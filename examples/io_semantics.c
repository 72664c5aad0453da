/*
 * io_semantics — checks that lock and I/O calls behave exactly as libc's
 * own, for tests/integration/t_wait_semantics.sh (run with and without the
 * profiler; the output must be identical and the exit code 0).
 *
 * Each check prints one line "name: result" and counts a failure when the
 * result is not what POSIX/glibc specify:
 *   errno and partial transfers: short read from a pipe, EAGAIN on an empty
 *   non-blocking pipe, EBADF, EPIPE with SIGPIPE ignored, SIGPIPE delivered
 *   when not ignored, EINTR from a handler installed without SA_RESTART,
 *   readv/writev partial counts, fread/fgets/getline on a file, EOF.
 *   locks: error-checking mutex relocked by its owner (EDEADLK), recursive
 *   mutex (0, 0), robust mutex whose owner died (EOWNERDEAD, then
 *   consistent), timedlock timeout (ETIMEDOUT), sem_timedwait with a bad
 *   timeout (EINVAL) and timing out (ETIMEDOUT), rwlock rdlock under own
 *   wrlock (EDEADLK), spin lock.
 *   cancellation: a thread blocked in read on a pipe is cancelled (its
 *   cleanup handler runs; join returns PTHREAD_CANCELED); likewise sem_wait
 *   and pthread_cond_wait.
 * stdout: the lines, then "failures N". Exit 1 if N > 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check(const char *name, int ok, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    printf("%s: %s%s\n", name, buf, ok ? "" : "  <-- WRONG");
    if (!ok)
        failures++;
}

static void on_alarm(int sig)
{
    (void)sig;
}

static int cleanup_ran;
static void cleanup(void *arg)
{
    (void)arg;
    cleanup_ran++;
}

static int cancel_pipe[2];
static void *blocked_reader(void *arg)
{
    (void)arg;
    char c;
    pthread_cleanup_push(cleanup, NULL);
    for (;;)
        read(cancel_pipe[0], &c, 1);
    pthread_cleanup_pop(0);
    return NULL;
}

static sem_t cancel_sem;
static void *blocked_sem(void *arg)
{
    (void)arg;
    pthread_cleanup_push(cleanup, NULL);
    for (;;)
        sem_wait(&cancel_sem);
    pthread_cleanup_pop(0);
    return NULL;
}

static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static void unlock_cm(void *arg)
{
    (void)arg;
    cleanup_ran++;
    pthread_mutex_unlock(&cm);
}
static void *blocked_cond(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&cm);
    pthread_cleanup_push(unlock_cm, NULL);
    for (;;)
        pthread_cond_wait(&cv, &cm);
    pthread_cleanup_pop(0);
    return NULL;
}

static void cancel_test(const char *name, void *(*fn)(void *))
{
    pthread_t t;
    cleanup_ran = 0;
    pthread_create(&t, NULL, fn, NULL);
    struct timespec ts = {0, 50 * 1000000};
    nanosleep(&ts, NULL);
    pthread_cancel(t);
    void *res = NULL;
    pthread_join(t, &res);
    check(name, res == PTHREAD_CANCELED && cleanup_ran == 1, "canceled=%d cleanup=%d",
          res == PTHREAD_CANCELED, cleanup_ran);
}

static pthread_mutex_t robust;
static void *die_holding(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&robust);
    return NULL; /* exits owning it */
}

static void deadline(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += ms * 1000000L;
    while (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *hold_then_release(void *arg)
{
    pthread_mutex_t *m = arg;
    pthread_mutex_lock(m);
    struct timespec ts = {0, 200 * 1000000};
    nanosleep(&ts, NULL);
    pthread_mutex_unlock(m);
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* ---- I/O ---- */
    int p[2];
    pipe(p);
    write(p[1], "0123456789", 10);
    char buf[100];
    errno = 0;
    ssize_t n = read(p[0], buf, sizeof buf);
    check("short read", n == 10 && errno == 0, "%zd errno=%d", n, errno);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    n = read(p[0], buf, sizeof buf);
    check("eagain", n == -1 && errno == EAGAIN, "%zd errno=%s", n, strerror(errno));
    n = read(1000, buf, 1);
    check("ebadf", n == -1 && errno == EBADF, "%zd errno=%s", n, strerror(errno));
    write(p[1], "abcdef", 6);
    struct iovec iov[2] = {{buf, 2}, {buf + 2, 10}};
    n = readv(p[0], iov, 2);
    check("readv partial", n == 6 && memcmp(buf, "abcdef", 6) == 0, "%zd", n);
    n = writev(p[1], iov, 2);
    check("writev", n == 12, "%zd", n);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    n = write(p[1], "x", 1);
    check("epipe", n == -1 && errno == EPIPE, "%zd errno=%s", n, strerror(errno));
    close(p[1]);
    /* SIGPIPE when not ignored: in a child, which must die of it */
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        int q[2];
        pipe(q);
        close(q[0]);
        write(q[1], "x", 1);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    check("sigpipe", WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE, "signaled=%d sig=%d",
          WIFSIGNALED(status), WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    /* EINTR: handler without SA_RESTART interrupts a blocked read */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    pipe(p);
    struct itimerval itv = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &itv, NULL);
    errno = 0;
    n = read(p[0], buf, 1);
    check("eintr", n == -1 && errno == EINTR, "%zd errno=%s", n, strerror(errno));
    close(p[0]);
    close(p[1]);
    /* stdio on a file */
    char path[] = "/tmp/io_semantics-XXXXXX";
    int fd = mkstemp(path);
    write(fd, "line one\nline two\nend", 21);
    close(fd);
    FILE *f = fopen(path, "r");
    char line[64];
    char *s = fgets(line, sizeof line, f);
    check("fgets", s == line && strcmp(line, "line one\n") == 0, "%s", s ? "ok" : "NULL");
    char *lp = NULL;
    size_t cap = 0;
    n = getline(&lp, &cap, f);
    check("getline", n == 9, "%zd", n);
    size_t r = fread(buf, 1, sizeof buf, f);
    check("fread short", r == 3 && feof(f), "%zu eof=%d", r, feof(f));
    int c = fgetc(f);
    check("fgetc eof", c == EOF, "%d", c);
    free(lp);
    fclose(f);
    unlink(path);
    errno = 0;
    fd = open("/nonexistent/x", O_RDONLY);
    check("open enoent", fd == -1 && errno == ENOENT, "%d errno=%s", fd, strerror(errno));
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
    struct stat st;
    fstat(fd, &st);
    check("open mode", fd >= 0 && (st.st_mode & 0777) == (0640 & ~umask(022)), "mode=%o",
          (unsigned)(st.st_mode & 0777));
    umask(022);
    check("fsync", fsync(fd) == 0, "ok");
    close(fd);
    unlink(path);

    /* ---- locks ---- */
    pthread_mutexattr_t a;
    pthread_mutex_t m;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&m, &a);
    int rc1 = pthread_mutex_lock(&m), rc2 = pthread_mutex_lock(&m);
    check("errorcheck relock", rc1 == 0 && rc2 == EDEADLK, "%d %s", rc1, strerror(rc2));
    pthread_mutex_unlock(&m);
    pthread_mutex_destroy(&m);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&m, &a);
    rc1 = pthread_mutex_lock(&m), rc2 = pthread_mutex_lock(&m);
    int rc3 = pthread_mutex_unlock(&m), rc4 = pthread_mutex_unlock(&m),
        rc5 = pthread_mutex_unlock(&m);
    check("recursive", rc1 == 0 && rc2 == 0 && rc3 == 0 && rc4 == 0 && rc5 == EPERM,
          "%d %d %d %d %d", rc1, rc2, rc3, rc4, rc5);
    pthread_mutex_destroy(&m);
    pthread_mutexattr_destroy(&a);
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);
    pthread_t t;
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    rc1 = pthread_mutex_lock(&robust);
    rc2 = pthread_mutex_consistent(&robust);
    rc3 = pthread_mutex_unlock(&robust);
    check("robust", rc1 == EOWNERDEAD && rc2 == 0 && rc3 == 0, "%s %d %d", strerror(rc1), rc2, rc3);
    /* contended robust: owner dies while we wait */
    pthread_mutex_t hm = PTHREAD_MUTEX_INITIALIZER;
    pthread_create(&t, NULL, hold_then_release, &hm);
    struct timespec ts = {0, 50 * 1000000};
    nanosleep(&ts, NULL);
    struct timespec dl;
    deadline(&dl, 20);
    rc1 = pthread_mutex_timedlock(&hm, &dl);
    rc2 = pthread_mutex_lock(&hm); /* contended, then acquired */
    check("timedlock timeout", rc1 == ETIMEDOUT && rc2 == 0, "%s %d", strerror(rc1), rc2);
    pthread_mutex_unlock(&hm);
    pthread_join(t, NULL);
    sem_t sm;
    sem_init(&sm, 0, 0);
    struct timespec bad = {0, 2000000000L};
    errno = 0;
    rc1 = sem_timedwait(&sm, &bad);
    check("sem_timedwait einval", rc1 == -1 && errno == EINVAL, "%d %s", rc1, strerror(errno));
    deadline(&dl, 20);
    errno = 0;
    rc1 = sem_timedwait(&sm, &dl);
    check("sem_timedwait timeout", rc1 == -1 && errno == ETIMEDOUT, "%d %s", rc1, strerror(errno));
    errno = 0;
    rc1 = sem_trywait(&sm);
    check("sem_trywait", rc1 == -1 && errno == EAGAIN, "%d %s", rc1, strerror(errno));
    sem_post(&sm);
    errno = 4321;
    rc1 = sem_wait(&sm);
    check("sem_wait errno kept", rc1 == 0 && errno == 4321, "%d %d", rc1, errno);
    pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
    rc1 = pthread_rwlock_wrlock(&rw);
    rc2 = pthread_rwlock_rdlock(&rw);
    rc3 = pthread_rwlock_wrlock(&rw);
    check("rwlock self", rc1 == 0 && rc2 == EDEADLK && rc3 == EDEADLK, "%d %s %s", rc1,
          strerror(rc2), strerror(rc3));
    pthread_rwlock_unlock(&rw);
    pthread_spinlock_t sp;
    pthread_spin_init(&sp, 0);
    rc1 = pthread_spin_lock(&sp);
    rc2 = pthread_spin_trylock(&sp);
    check("spin", rc1 == 0 && rc2 == EBUSY, "%d %s", rc1, strerror(rc2));
    pthread_spin_unlock(&sp);

    /* ---- cancellation ---- */
    pipe(cancel_pipe);
    cancel_test("cancel read", blocked_reader);
    sem_init(&cancel_sem, 0, 0);
    cancel_test("cancel sem_wait", blocked_sem);
    cancel_test("cancel cond_wait", blocked_cond);
    rc1 = pthread_mutex_trylock(&cm);
    check("cond mutex released", rc1 == 0, "%d", rc1);
    pthread_mutex_unlock(&cm);

    printf("failures %d\n", failures);
    return failures ? 1 : 0;
}
