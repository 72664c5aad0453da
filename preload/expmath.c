/*
 * expmath.h's functions: range reduction to a small argument, then a short
 * polynomial (Horner form) whose truncation error is below 1e-20 relative.
 */
#include "preload/expmath.h"

#include <stdint.h>
#include <string.h>

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^11. */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define SQRT2 1.41421356237309504880

static uint64_t bits_of(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

static double of_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

double expmath_log(double x)
{
    if (x != x || x < 0)
        return __builtin_nan("");
    if (x == 0)
        return -__builtin_inf();
    if (x == __builtin_inf())
        return x;
    int e = 0;
    if (x < 2.2250738585072014e-308) { /* subnormal: scale into range */
        x *= 18014398509481984.0;      /* 2^54 */
        e = -54;
    }
    uint64_t b = bits_of(x);
    e += (int)((b >> 52) & 0x7ff) - 1023;
    double m = of_bits((b & 0x000fffffffffffffull) | 0x3ff0000000000000ull); /* [1, 2) */
    if (m > SQRT2) {
        m *= 0.5;
        e++;
    }
    /* ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| <= 0.1716 */
    double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double p = 1.0 / 21;
    for (int k = 19; k >= 1; k -= 2)
        p = 1.0 / k + s2 * p;
    double lnm = 2.0 * s * p;
    return (double)e * LN2_HI + ((double)e * LN2_LO + lnm);
}

/* exp(x) - 1 by its Taylor series: for |x| <= 0.5, 18 terms leave an
 * error below x^19/19! < 2e-23. */
static double expm1_series(double x)
{
    double r = 1.0;
    for (int k = 18; k >= 2; k--)
        r = 1.0 + x * r / k;
    return x * r;
}

double expmath_expm1_neg(double x)
{
    if (x != x || x > 0)
        return __builtin_nan("");
    if (x >= -0.5)
        return expm1_series(x);
    if (x < -40.0)
        return -1.0;
    /* x = k ln2 + r, |r| <= ln2 / 2; exp(x) = 2^k (1 + expm1(r)) */
    /* nearest integer; the conversion truncates toward zero (x < 0) */
    double kd = (double)(int)(x / (LN2_HI + LN2_LO) - 0.5);
    double r = (x - kd * LN2_HI) - kd * LN2_LO;
    int k = (int)kd; /* -58 <= k <= -1: 2^k is a normal number */
    double two_k = of_bits((uint64_t)(k + 1023) << 52);
    return two_k * (1.0 + expm1_series(r)) - 1.0;
}
