/* test_tensor.c - every fast linear-algebra kernel against its naive twin. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/rng.h"
#include "lgc/tensor.h"

static void fill(float *x, size_t n, lgc_rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)lgc_rng_normal(r);
}

static void test_sgemm_matches_ref(void **state)
{
    (void)state;
    lgc_rng r;
    lgc_rng_init(&r, 1, 0);
    const size_t shapes[][3] = {{1, 1, 1}, {7, 5, 3}, {64, 128, 784}, {33, 65, 17}};
    for (size_t s = 0; s < 4; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                size_t M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
                float *A = malloc(M * K * sizeof *A), *B = malloc(K * N * sizeof *B);
                float *C1 = malloc(M * N * sizeof *C1), *C2 = malloc(M * N * sizeof *C2);
                fill(A, M * K, &r);
                fill(B, K * N, &r);
                fill(C1, M * N, &r);
                for (size_t i = 0; i < M * N; i++)
                    C2[i] = C1[i];
                size_t lda = ta ? M : K, ldb = tb ? K : N;
                lgc_sgemm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 0.25f, C1, N);
                lgc_sgemm_ref(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 0.25f, C2, N);
                for (size_t i = 0; i < M * N; i++)
                    assert_true(fabsf(C1[i] - C2[i]) <= 1e-3f * (1.0f + fabsf(C2[i])));
                free(A), free(B), free(C1), free(C2);
            }
}

static void test_dgemm_trsm_potrf_match_ref(void **state)
{
    (void)state;
    lgc_rng r;
    lgc_rng_init(&r, 2, 0);
    const size_t n = 13, m = 9;
    double X[13 * 13], S[13 * 13], S2[13 * 13], B[9 * 13], B2[9 * 13];
    for (size_t i = 0; i < n * n; i++)
        X[i] = lgc_rng_normal(&r);
    lgc_dgemm(1, 0, n, n, n, 1.0, X, n, X, n, 0.0, S, n); /* S = X^T X is SPD */
    lgc_dgemm_ref(1, 0, n, n, n, 1.0, X, n, X, n, 0.0, S2, n);
    for (size_t i = 0; i < n * n; i++)
        assert_true(fabs(S[i] - S2[i]) < 1e-9 * (1 + fabs(S2[i])));
    for (size_t i = 0; i < n; i++)
        S[i * n + i] += 0.1, S2[i * n + i] += 0.1;
    assert_int_equal(lgc_dpotrf_lower(S, n, n), LGC_OK);
    assert_int_equal(lgc_dpotrf_lower_ref(S2, n, n), LGC_OK);
    for (size_t i = 0; i < n * n; i++)
        assert_true(fabs(S[i] - S2[i]) < 1e-9 * (1 + fabs(S2[i])));
    for (size_t i = 0; i < m * n; i++)
        B[i] = B2[i] = lgc_rng_normal(&r);
    lgc_dtrsm_right_lower_t(m, n, S, n, B, n);
    lgc_dtrsm_right_lower_t_ref(m, n, S2, n, B2, n);
    for (size_t i = 0; i < m * n; i++)
        assert_true(fabs(B[i] - B2[i]) < 1e-8 * (1 + fabs(B2[i])));
    /* not positive definite */
    double bad[4] = {1, 2, 2, 1};
    assert_int_equal(lgc_dpotrf_lower(bad, 2, 2), LGC_ERR_NUMERIC);
}

/* lgc_dpotrf_lower on both of its paths (lgc's own loop up to 256, LAPACKE
 * above) against the naive twin; only the lower triangle is read. */
static void test_dpotrf_sizes_match_ref(void **state)
{
    (void)state;
    lgc_rng r;
    lgc_rng_init(&r, 3, 0);
    const size_t sizes[] = {1, 2, 13, 64, 100, 256, 257, 300};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t n = sizes[s];
        double *X = malloc(n * n * sizeof *X), *A = malloc(n * n * sizeof *A);
        double *B = malloc(n * n * sizeof *B);
        assert_non_null(X);
        assert_non_null(A);
        assert_non_null(B);
        for (size_t i = 0; i < n * n; i++)
            X[i] = lgc_rng_normal(&r);
        lgc_dgemm_ref(1, 0, n, n, n, 1.0, X, n, X, n, 0.0, A, n);
        for (size_t i = 0; i < n; i++)
            A[i * n + i] += 1.0;
        for (size_t i = 0; i < n * n; i++)
            B[i] = A[i];
        for (size_t i = 0; i < n; i++) /* junk above the diagonal must not be read */
            for (size_t j = i + 1; j < n; j++)
                A[i * n + j] = 1e300;
        assert_int_equal(lgc_dpotrf_lower(A, n, n), LGC_OK);
        assert_int_equal(lgc_dpotrf_lower_ref(B, n, n), LGC_OK);
        for (size_t i = 0; i < n * n; i++)
            assert_true(fabs(A[i] - B[i]) < 1e-9 * (1 + fabs(B[i])));
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                assert_true(A[i * n + j] == 0.0);
        /* not positive definite: a negative pivot late in the matrix */
        for (size_t i = 0; i < n * n; i++)
            A[i] = B[i] = (i % (n + 1) == 0) ? 1.0 : 0.0;
        A[n * n - 1] = B[n * n - 1] = -1.0;
        assert_int_equal(lgc_dpotrf_lower(A, n, n), LGC_ERR_NUMERIC);
        assert_int_equal(lgc_dpotrf_lower_ref(B, n, n), LGC_ERR_NUMERIC);
        free(X), free(A), free(B);
    }
}

/* The vector sigmoid and expf give libm's bits, float for float: a
 * stride through every bit pattern (both signs, subnormals, |z| >= 88, inf,
 * NaN), every tail length, and in place. */
static void test_sigmoid_same_bits_as_libm(void **state)
{
    (void)state;
    enum { M = 1 << 16 };
    float *z = malloc(M * sizeof *z), *got = malloc(M * sizeof *got),
          *want = malloc(M * sizeof *want);
    assert_non_null(z), assert_non_null(got), assert_non_null(want);
    size_t checked = 0;
    for (uint64_t u = 0; u < (1ull << 32); u += (uint64_t)M * 97) {
        for (size_t i = 0; i < M; i++) {
            uint32_t b = (uint32_t)(u + i * 97);
            memcpy(&z[i], &b, sizeof b);
        }
        lgc_sigmoid_f32(got, z, M);
        lgc_sigmoid_f32_ref(want, z, M);
        assert_memory_equal(got, want, M * sizeof *got);
        lgc_expf_f32(got, z, M);
        for (size_t i = 0; i < M; i++)
            want[i] = expf(z[i]);
        assert_memory_equal(got, want, M * sizeof *got);
        checked += M;
    }
    assert_true(checked > 40000000);
    /* the two floats where glibc's FMA and plain builds differ, tails of 0..17 */
    const float odd[2] = {0x1.04845ep+5f, -0x1.f8cbb2p+5f};
    for (size_t n = 0; n < 18; n++) {
        for (size_t i = 0; i < n; i++)
            z[i] = i < 2 ? -odd[i] : (float)i * 0.37f - 3.0f;
        lgc_sigmoid_f32_ref(want, z, n);
        lgc_sigmoid_f32(z, z, n); /* in place */
        assert_memory_equal(z, want, n * sizeof *z);
    }
#if defined(__x86_64__) && defined(__GNUC__)
    /* On an AVX2 CPU with glibc the vector kernel is the one used (else this
     * test would only compare libm with itself). */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2"))
        assert_true(lgc_sigmoid_kernel() > 0);
#endif
    free(z), free(got), free(want);
}

int main(void)
{
    lgc_threads_set(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgemm_matches_ref),
        cmocka_unit_test(test_dgemm_trsm_potrf_match_ref),
        cmocka_unit_test(test_dpotrf_sizes_match_ref),
        cmocka_unit_test(test_sigmoid_same_bits_as_libm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
