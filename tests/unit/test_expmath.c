/* preload/expmath.c against libm: relative error within a few ulp over
 * the ranges the samplers use (ln of (0, 1], expm1 of (-inf, 0]) and
 * beyond, plus the edge values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <math.h>

#include "preload/expmath.h"

/* |got - want| in units of want's last place. */
static double ulps(double got, double want)
{
    if (got == want)
        return 0;
    return fabs(got - want) / (nextafter(fabs(want), INFINITY) - fabs(want));
}

static uint64_t rng = 88172645463325252ull;

static double uniform01(void) /* (0, 1] */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)((rng >> 11) + 1) * 0x1.0p-53;
}

static void test_log(void **st)
{
    (void)st;
    double worst = 0;
    for (int i = 0; i < 200000; i++) {
        double u = uniform01();
        double x = i % 3 == 0   ? u
                   : i % 3 == 1 ? ldexp(u, (int)(uniform01() * 2000) - 1000)
                                : 1.0 + (u - 0.5) * 1e-6;
        double e = ulps(expmath_log(x), log(x));
        if (e > worst)
            worst = e;
        assert_true(e <= 4);
    }
    print_message("log: worst %.2f ulp\n", worst);
    assert_true(expmath_log(1.0) == 0.0);
    assert_true(fabs(expmath_log(0x1.0p-53) - log(0x1.0p-53)) < 1e-13);
    assert_true(fabs(expmath_log(DBL_TRUE_MIN) - log(DBL_TRUE_MIN)) < 1e-12);
    assert_true(fabs(expmath_log(DBL_MAX) - log(DBL_MAX)) < 1e-12);
    assert_true(isinf(expmath_log(0.0)) && expmath_log(0.0) < 0);
    assert_true(isnan(expmath_log(-1.0)));
    assert_true(isnan(expmath_log(NAN)));
    assert_true(isinf(expmath_log(INFINITY)));
}

static void test_expm1(void **st)
{
    (void)st;
    double worst = 0;
    for (int i = 0; i < 200000; i++) {
        double u = uniform01();
        /* -size/T over the ratios the samplers see: 1e-12 .. 50 */
        double x = -exp(log(1e-12) + u * (log(50.0) - log(1e-12)));
        double e = ulps(expmath_expm1_neg(x), expm1(x));
        if (e > worst)
            worst = e;
        assert_true(e <= 4);
    }
    print_message("expm1: worst %.2f ulp\n", worst);
    assert_true(expmath_expm1_neg(0.0) == 0.0);
    assert_true(expmath_expm1_neg(-0.5) == expm1(-0.5) ||
                ulps(expmath_expm1_neg(-0.5), expm1(-0.5)) <= 2);
    assert_true(expmath_expm1_neg(-41.0) == -1.0);
    assert_true(expmath_expm1_neg(-INFINITY) == -1.0);
    assert_true(ulps(expmath_expm1_neg(-39.9), expm1(-39.9)) <= 2);
    assert_true(ulps(expmath_expm1_neg(-1e-300), -1e-300) <= 1);
    assert_true(isnan(expmath_expm1_neg(NAN)));
    assert_true(isnan(expmath_expm1_neg(1.0)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log),
        cmocka_unit_test(test_expm1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
