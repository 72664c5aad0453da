/* Lock/I/O wait core: time-weighted sampling math (weights, unbiased totals
 * of ns, calls and bytes over a mix of short and long waits, exact mode),
 * the leaf labels, the call classes, and descriptor classification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "preload/alloc.h"
#include "preload/wait.h"

static void test_weight_exact(void **st)
{
    (void)st;
    uint64_t ns, c, b;
    wait_weight(12345, 0, 4096, &ns, &c, &b);
    assert_int_equal(ns, 12345);
    assert_int_equal(c, ALLOC_COUNT_ONE);
    assert_int_equal(b, 4096);
    /* 0 ns still counts as a call */
    wait_weight(0, 0, 0, &ns, &c, &b);
    assert_int_equal(ns, 1);
    assert_int_equal(c, ALLOC_COUNT_ONE);
    assert_int_equal(b, 0);
}

static void test_weight_limits(void **st)
{
    (void)st;
    const uint64_t T = 100000;
    uint64_t ns, c, b;
    /* long wait: p ~ 1, weighs its own duration */
    wait_weight(100 * T, T, 1000, &ns, &c, &b);
    assert_true(ns >= 100 * T && ns < 100 * T + 2);
    assert_true(c >= ALLOC_COUNT_ONE && c < ALLOC_COUNT_ONE + 2);
    assert_true(b >= 1000 && b < 1002);
    /* short wait d << T: weighs about T + d/2, bytes b*T/d */
    wait_weight(100, T, 10, &ns, &c, &b);
    assert_true(fabs((double)ns - (T + 50)) < 2);
    assert_true(fabs((double)b - 10.0 * (T + 50) / 100) < 20);
    double p = -expm1(-100.0 / T);
    assert_true(fabs((double)c - ALLOC_COUNT_ONE / p) < 2);
}

/* The interposers' countdown (wait_note + wait_sample_slow) on a stream of
 * waits: short (1-20 us, the bulk of the calls) and long (1-5 ms); the
 * weighted sums of sampled waits estimate the true ns, calls and bytes. */
static void run_sim(uint64_t T, double tol_ns, double tol_calls)
{
    uint64_t rng = 7, wrng = 99;
    int64_t left = alloc_draw(&wrng, T);
    double true_ns = 0, true_calls = 0, true_bytes = 0, est_ns = 0, est_calls = 0, est_bytes = 0;
    uint64_t sampled = 0;
    const int N = 2000000;
    for (int i = 0; i < N; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uint64_t d = rng % 100 < 98 ? 1000 + rng % 19000 : 1000000 + rng % 4000000;
        uint64_t bytes = (rng >> 20) % 65536;
        true_ns += (double)d, true_calls += 1, true_bytes += (double)bytes;
        if ((left -= (int64_t)d) < 0) {
            uint64_t ns, c, b;
            wait_weight(d, T, bytes, &ns, &c, &b);
            est_ns += (double)ns, est_calls += (double)c / ALLOC_COUNT_ONE, est_bytes += (double)b;
            sampled++;
            left = alloc_draw(&wrng, T);
        }
    }
    double e1 = 100 * (est_ns / true_ns - 1), e2 = 100 * (est_calls / true_calls - 1),
           e3 = 100 * (est_bytes / true_bytes - 1);
    print_message("T=%llu: sampled %llu of %d; ns %+.3f%%, calls %+.3f%%, bytes %+.3f%%\n",
                  (unsigned long long)T, (unsigned long long)sampled, N, e1, e2, e3);
    assert_true(fabs(e1) < tol_ns);
    assert_true(fabs(e2) < tol_calls);
    assert_true(fabs(e3) < tol_calls);
    if (T == 0)
        assert_int_equal(sampled, N);
}

static void test_unbiased_sampled(void **st)
{
    (void)st;
    run_sim(100000, 1.0, 2.0);
}

static void test_unbiased_exact(void **st)
{
    (void)st;
    run_sim(0, 1e-9, 1e-9);
}

static void test_labels(void **st)
{
    (void)st;
    char buf[64];
    wait_label_string(WAIT_LABEL(WC_pthread_mutex_lock, FDK_NONE), buf, sizeof buf);
    assert_string_equal(buf, "pthread_mutex_lock");
    wait_label_string(WAIT_LABEL(WC_read, FDK_PIPE), buf, sizeof buf);
    assert_string_equal(buf, "read [pipe]");
    wait_label_string(WAIT_LABEL(WC_recv, FDK_TCP), buf, sizeof buf);
    assert_string_equal(buf, "recv [tcp]");
    wait_label_string(WAIT_LABEL(WC_epoll_wait, FDK_POLL), buf, sizeof buf);
    assert_string_equal(buf, "epoll_wait [poll]");
    wait_label_string(WAIT_LABEL(WC_read, FDK_PIPE), buf, 7);
    assert_string_equal(buf, "read ["); /* cut, still terminated */
    assert_int_equal(wait_call_class(WC_sem_wait), WAIT_LOCK);
    assert_int_equal(wait_call_class(WC_pthread_spin_lock), WAIT_LOCK);
    assert_int_equal(wait_call_class(WC_pthread_cond_wait), WAIT_COND);
    assert_int_equal(wait_call_class(WC_fsync), WAIT_IO);
    assert_int_equal(wait_call_class(WC_fread), WAIT_IO);
    assert_true(WC_COUNT < 256 && FDK_COUNT < 256); /* both fit the label */
}

static void test_classify(void **st)
{
    (void)st;
    int p[2];
    assert_int_equal(pipe(p), 0);
    errno = 1234;
    assert_int_equal(wait_classify_fd(p[0]), FDK_PIPE);
    assert_int_equal(errno, 1234);
    char path[] = "/tmp/flamepre-wait-XXXXXX";
    int f = mkstemp(path);
    assert_true(f >= 0);
    unlink(path);
    assert_int_equal(wait_classify_fd(f), FDK_FILE);
    int z = open("/dev/zero", O_RDONLY);
    assert_int_equal(wait_classify_fd(z), FDK_CHR);
    int d = open("/tmp", O_RDONLY | O_DIRECTORY);
    assert_int_equal(wait_classify_fd(d), FDK_DIR);
    int sp[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    assert_int_equal(wait_classify_fd(sp[0]), FDK_UNIX);
    int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET6, SOCK_DGRAM, 0);
    assert_int_equal(wait_classify_fd(t), FDK_TCP);
    if (u >= 0)
        assert_int_equal(wait_classify_fd(u), FDK_UDP);
    int e = eventfd(0, 0), ep = epoll_create1(0);
    assert_int_equal(wait_classify_fd(e), FDK_EVENTFD);
    assert_int_equal(wait_classify_fd(ep), FDK_EPOLL);
    close(p[1]);
    assert_int_equal(wait_classify_fd(p[1]), FDK_OTHER); /* closed */
    assert_int_equal(wait_classify_fd(-1), FDK_OTHER);
    close(p[0]), close(f), close(z), close(d), close(sp[0]), close(sp[1]), close(t), close(e),
        close(ep);
    if (u >= 0)
        close(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weight_exact),     cmocka_unit_test(test_weight_limits),
        cmocka_unit_test(test_unbiased_sampled), cmocka_unit_test(test_unbiased_exact),
        cmocka_unit_test(test_labels),           cmocka_unit_test(test_classify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
