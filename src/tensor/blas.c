/* blas.c - the one file that calls BLAS (BLIS through its CBLAS layer). */
#include "lgc/tensor.h"

#include <blis.h>
#include <stdio.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static int g_threads = 1;
static int g_blis_threads = 1; /* what BLIS is set to now */

/* Small products run faster on one thread than the cost of waking a second
 * (paper-cnn's convolutions are 6x43264x9 and 16x5184x150): below this many
 * multiply-adds BLIS is asked for one thread. */
#define SMALL_GEMM_MACS ((size_t)1 << 22)

static void blis_threads_for(size_t macs)
{
#ifdef _OPENMP
    if (omp_in_parallel())
        return; /* inside a data-parallel region BLIS stays at one thread (lgc_blas_serial) */
#endif
    int want = macs < SMALL_GEMM_MACS ? 1 : g_threads;
    if (want != g_blis_threads) {
        bli_thread_set_num_threads(want);
        g_blis_threads = want;
    }
}

void lgc_threads_set(int n)
{
#ifdef _OPENMP
    if (n <= 0)
        n = omp_get_num_procs();
    omp_set_num_threads(n);
#else
    if (n <= 0)
        n = 1;
#endif
    g_threads = n;
    g_blis_threads = n;
    bli_thread_set_num_threads(n);
}

int lgc_threads_get(void) { return g_threads; }

const char *lgc_blas_info(void)
{
    static char buf[96];
    snprintf(buf, sizeof buf, "BLIS %s, kernels %s", bli_info_get_version_str(),
             bli_arch_string(bli_arch_query_id()));
    return buf;
}

void lgc_sgemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
               const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
               size_t ldc)
{
    if (M == 0 || N == 0)
        return;
    blis_threads_for(M * N * K);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (f77_int)M, (f77_int)N, (f77_int)K, alpha, A,
                (f77_int)lda, B, (f77_int)ldb, beta, C, (f77_int)ldc);
}

void lgc_dgemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, double alpha,
               const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
               size_t ldc)
{
    if (M == 0 || N == 0)
        return;
    blis_threads_for(M * N * K);
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (f77_int)M, (f77_int)N, (f77_int)K, alpha, A,
                (f77_int)lda, B, (f77_int)ldb, beta, C, (f77_int)ldc);
}

void lgc_dtrsm_right_lower_t(size_t M, size_t N, const double *L, size_t ldl, double *B,
                             size_t ldb)
{
    if (M == 0 || N == 0)
        return;
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (f77_int)M,
                (f77_int)N, 1.0, L, (f77_int)ldl, B, (f77_int)ldb);
}

void lgc_blas_serial(void)
{
    if (g_blis_threads != 1) {
        bli_thread_set_num_threads(1);
        g_blis_threads = 1;
    }
}
