/*
 * tensor.h - dense linear algebra for lgc: the only door to BLAS and LAPACK.
 *
 * All matrices are row-major. GEMM computes C = alpha * op(A) op(B) + beta * C
 * where op(X) is X or X^T, op(A) is (M,K), op(B) is (K,N), C is (M,N).
 * Every fast routine has a naive `_ref` twin used as the test oracle.
 *
 * The BLAS behind these calls is BLIS (Debian's libblis, OpenMP build): it
 * detects the CPU itself, so it runs its AVX2/AVX-512 kernels where Debian's
 * OpenBLAS 0.3.21 may fall back to its slow "Prescott" kernels
 * (see bench/README.md for the measurement).
 */
#ifndef LGC_TENSOR_H
#define LGC_TENSOR_H

#include <stddef.h>

#include "lgc/status.h"

/* Threads used by BLAS and by lgc's own OpenMP loops; n <= 0 means all cores. */
void lgc_threads_set(int n);
int lgc_threads_get(void);

/* Call before an OpenMP parallel region whose threads each call GEMM (data
 * parallelism): BLAS then runs one thread per caller. The next GEMM called
 * outside a parallel region restores the thread count. */
void lgc_blas_serial(void);

/* e.g. "BLIS 0.9.0, kernels zen3". Static storage. */
const char *lgc_blas_info(void);

void lgc_sgemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
               const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
               size_t ldc);
void lgc_sgemm_ref(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                   const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                   size_t ldc);
void lgc_dgemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, double alpha,
               const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
               size_t ldc);
void lgc_dgemm_ref(int trans_a, int trans_b, size_t M, size_t N, size_t K, double alpha,
                   const double *A, size_t lda, const double *B, size_t ldb, double beta,
                   double *C, size_t ldc);

/* p[i] = 1 / (1 + expf(-z[i])) and y[i] = expf(x[i]) (n floats), with
 * exactly the bits libm's expf gives, eight at a time with AVX2 where a
 * check on the first call finds the vector expf agrees with libm's (else
 * libm itself): see sigmoid.c. In place (p == z) is allowed. The _ref twin
 * is the scalar expression. lgc_sigmoid_kernel says which: 0 libm, 1 AVX2,
 * 2 AVX2 with FMA. */
void lgc_sigmoid_f32(float *p, const float *z, size_t n);
void lgc_sigmoid_f32_ref(float *p, const float *z, size_t n);
void lgc_expf_f32(float *y, const float *x, size_t n);
int lgc_sigmoid_kernel(void);

/* Solve X L^T = B for X in place (B is (M,N), L is (N,N) lower triangular, row-major):
 * with L the Cholesky factor of a covariance, the rows of X are L^{-1} b,
 * i.e. whitened points. */
void lgc_dtrsm_right_lower_t(size_t M, size_t N, const double *L, size_t ldl, double *B,
                             size_t ldb);
void lgc_dtrsm_right_lower_t_ref(size_t M, size_t N, const double *L, size_t ldl, double *B,
                                 size_t ldb);
/* In-place Cholesky A = L L^T of an (n,n) row-major SPD matrix; on success the
 * lower triangle holds L and the strict upper triangle is zeroed.
 * Returns LGC_ERR_NUMERIC if A is not positive definite. Only the lower
 * triangle is read. Up to n = 256 lgc factors A itself (LAPACK here is
 * OpenBLAS, whose threads would fight BLIS and OpenMP: see lapack.c), above
 * it calls LAPACKE dpotrf. */
lgc_status lgc_dpotrf_lower(double *A, size_t n, size_t lda);
lgc_status lgc_dpotrf_lower_ref(double *A, size_t n, size_t lda);
/* The nearest (Frobenius) symmetric matrix to A (n, n, row-major, symmetric)
 * whose eigenvalues are all >= floor_: eigenvalues below it raised to it
 * (LAPACKE dsyevd). For covariances made from noisy sums (gmm/dp.c). */
lgc_status lgc_dsym_psd(double *A, size_t n, double floor_);

#endif
