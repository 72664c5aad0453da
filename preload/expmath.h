#ifndef FLAMEPRE_EXPMATH_H
#define FLAMEPRE_EXPMATH_H
/*
 * The two transcendental functions the samplers need (alloc.c, wait.c):
 * the natural logarithm of a uniform draw, and expm1 of a negative ratio.
 *
 * Why not libm: linking it makes every profiled process load, relocate
 * and initialize one more shared object (its IFUNC resolvers run at load),
 * which is measurable on short processes (a shell loop of /bin/true),
 * for two functions. These are accurate to a few ulp (unit-tested against
 * libm), which is far below the sampling noise they feed.
 *
 * Pure functions: async-signal-safe, no errno, no state.
 */

/* ln(x) for finite x > 0 (subnormals included). Returns -inf for 0, NaN for
 * negative or NaN input. */
double expmath_log(double x);

/* exp(x) - 1 for x <= 0, accurate near 0. Returns -1 below about -40 (where
 * exp(x) is under half an ulp of 1) and NaN for NaN; x > 0 is outside the
 * contract (returns NaN). */
double expmath_expm1_neg(double x);

#endif
