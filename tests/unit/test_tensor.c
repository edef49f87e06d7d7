/* test_tensor.c - every fast linear-algebra kernel against its naive twin. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
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

int main(void)
{
    lgc_threads_set(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgemm_matches_ref),
        cmocka_unit_test(test_dgemm_trsm_potrf_match_ref),
        cmocka_unit_test(test_dpotrf_sizes_match_ref),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
