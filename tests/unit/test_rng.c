/* test_rng.c - the ziggurat normal against the standard normal: its moments,
 * its distribution function (Kolmogorov-Smirnov, against the exact CDF and
 * against its naive twin, Box-Muller), its tail beyond the base layer, and
 * the fill being the same values as single draws. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lgc/rng.h"

#define N 2000000

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double phi(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

static double *zig_draws(uint64_t seed)
{
    double *v = malloc(N * sizeof *v);
    assert_non_null(v);
    lgc_rng r;
    lgc_rng_init(&r, seed, 7);
    lgc_rng_normal_zig_fill(&r, v, N);
    return v;
}

static void test_moments_and_tail(void **state)
{
    (void)state;
    double *v = zig_draws(1);
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    size_t tail = 0, far = 0;
    for (size_t i = 0; i < N; i++) {
        double x = v[i];
        m1 += x, m2 += x * x, m3 += x * x * x, m4 += x * x * x * x;
        tail += fabs(x) > 3.6541528853610088; /* the base layer's tail */
        far += fabs(x) > 4.5;
    }
    m1 /= N, m2 /= N, m3 /= N, m4 /= N;
    /* sds of the estimates over 2e6 draws: 7e-4, 1e-3, 3.9e-3, 1.7e-2 */
    assert_true(fabs(m1) < 5 * 7.1e-4);
    assert_true(fabs(m2 - 1.0) < 5 * 1.0e-3);
    assert_true(fabs(m3) < 5 * 3.9e-3);
    assert_true(fabs(m4 - 3.0) < 5 * 1.7e-2);
    double p_tail = 2.0 * (1.0 - phi(3.6541528853610088)), e = N * p_tail;
    assert_true(fabs((double)tail - e) < 5 * sqrt(e)); /* 516 +- 23 expected */
    double p_far = 2.0 * (1.0 - phi(4.5)), ef = N * p_far;
    assert_true(fabs((double)far - ef) < 5 * sqrt(ef) + 1); /* 13.6 expected */
    free(v);
}

/* Kolmogorov-Smirnov distance to the exact CDF: below 1.63 / sqrt(N) (the 1 %
 * critical value); and the two-sample distance to Box-Muller's draws, below
 * 1.63 * sqrt(2 / N). A wrong layer table, sign or tail fails both. */
static void test_ks(void **state)
{
    (void)state;
    double *v = zig_draws(2), *w = malloc(N * sizeof *w);
    assert_non_null(w);
    lgc_rng r;
    lgc_rng_init(&r, 3, 7);
    for (size_t i = 0; i < N; i++)
        w[i] = lgc_rng_normal(&r);
    qsort(v, N, sizeof *v, cmp_double);
    qsort(w, N, sizeof *w, cmp_double);
    double D = 0.0;
    for (size_t i = 0; i < N; i++) {
        double F = phi(v[i]), lo = F - (double)i / N, hi = (double)(i + 1) / N - F;
        D = fmax(D, fmax(lo, hi));
    }
    assert_true(D < 1.63 / sqrt((double)N));
    double D2 = 0.0;
    for (size_t i = 0, j = 0; i < N && j < N;) {
        if (v[i] <= w[j])
            i++;
        else
            j++;
        D2 = fmax(D2, fabs((double)i / N - (double)j / N));
    }
    assert_true(D2 < 1.63 * sqrt(2.0 / N));
    free(v), free(w);
}

static void test_fill_is_single_draws(void **state)
{
    (void)state;
    lgc_rng a, b;
    lgc_rng_init(&a, 11, 0);
    lgc_rng_init(&b, 11, 0);
    double v[1000];
    lgc_rng_normal_zig_fill(&a, v, 1000);
    for (size_t i = 0; i < 1000; i++)
        assert_true(v[i] == lgc_rng_normal_zig(&b));
    assert_true(lgc_rng_u64(&a) == lgc_rng_u64(&b)); /* the same draws consumed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moments_and_tail),
        cmocka_unit_test(test_ks),
        cmocka_unit_test(test_fill_is_single_draws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
