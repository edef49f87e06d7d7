/* ref.c - naive twins of the fast kernels: slow, obviously correct, test oracles. */
#include "lgc/tensor.h"

#include <math.h>

#define AT(X, ld, t, r, c) ((t) ? (X)[(size_t)(c) * (ld) + (r)] : (X)[(size_t)(r) * (ld) + (c)])

void lgc_sgemm_ref(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                   const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                   size_t ldc)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0.0;
            for (size_t k = 0; k < K; k++)
                s += (double)AT(A, lda, trans_a, i, k) * AT(B, ldb, trans_b, k, j);
            float *c = &C[i * ldc + j];
            *c = (float)(alpha * s + (beta == 0.0f ? 0.0 : (double)beta * *c));
        }
}

void lgc_dgemm_ref(int trans_a, int trans_b, size_t M, size_t N, size_t K, double alpha,
                   const double *A, size_t lda, const double *B, size_t ldb, double beta,
                   double *C, size_t ldc)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0.0;
            for (size_t k = 0; k < K; k++)
                s += AT(A, lda, trans_a, i, k) * AT(B, ldb, trans_b, k, j);
            double *c = &C[i * ldc + j];
            *c = alpha * s + (beta == 0.0 ? 0.0 : beta * *c);
        }
}

void lgc_dtrsm_right_lower_t_ref(size_t M, size_t N, const double *L, size_t ldl, double *B,
                                 size_t ldb)
{
    /* Row by row: solve L x = b by forward substitution. */
    for (size_t r = 0; r < M; r++) {
        double *x = &B[r * ldb];
        for (size_t i = 0; i < N; i++) {
            double s = x[i];
            for (size_t k = 0; k < i; k++)
                s -= L[i * ldl + k] * x[k];
            x[i] = s / L[i * ldl + i];
        }
    }
}

lgc_status lgc_dpotrf_lower_ref(double *A, size_t n, size_t lda)
{
    for (size_t j = 0; j < n; j++) {
        double d = A[j * lda + j];
        for (size_t k = 0; k < j; k++)
            d -= A[j * lda + k] * A[j * lda + k];
        if (!(d > 0.0))
            return LGC_ERR_NUMERIC;
        d = sqrt(d);
        A[j * lda + j] = d;
        for (size_t i = j + 1; i < n; i++) {
            double s = A[i * lda + j];
            for (size_t k = 0; k < j; k++)
                s -= A[i * lda + k] * A[j * lda + k];
            A[i * lda + j] = s / d;
        }
        for (size_t i = j + 1; i < n; i++)
            A[j * lda + i] = 0.0;
    }
    return LGC_OK;
}
