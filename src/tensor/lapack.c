/* lapack.c - the one file that calls LAPACKE, and lgc's own Cholesky for small matrices. */
#include "lgc/tensor.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>

/* Below this order lgc_dpotrf_lower does not call LAPACK. Debian's
 * liblapack.so.3 is OpenBLAS's, whose dpotrf goes multi-threaded from
 * n = 64 on with its own pthreads: those threads then spin on sched_yield
 * after every call and take a core away from BLIS and OpenMP. For a
 * 64 x 64 covariance the factorisation is ~90k multiply-adds, less than the
 * cost of waking a thread, so the loop below is as fast single-threaded and
 * safe to call from inside OpenMP loops (the mixture M-step does). */
#define POTRF_NATIVE_MAX 256

/* Right-looking Cholesky on U = L^T: row-major U is stored like L column by
 * column, so the trailing update runs along contiguous rows and vectorizes. */
static lgc_status potrf_native(double *A, size_t n, size_t lda)
{
    /* Only the lower triangle is input (as in LAPACK); mirror it into the upper. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            A[j * lda + i] = A[i * lda + j];
    for (size_t j = 0; j < n; j++) {
        double *uj = A + j * lda;
        double d = uj[j];
        if (!(d > 0.0))
            return LGC_ERR_NUMERIC;
        d = sqrt(d);
        uj[j] = d;
        for (size_t k = j + 1; k < n; k++)
            uj[k] /= d;
        for (size_t i = j + 1; i < n; i++) {
            double a = uj[i];
            double *ui = A + i * lda;
            for (size_t k = i; k < n; k++)
                ui[k] -= a * uj[k];
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            A[i * lda + j] = A[j * lda + i];
            A[j * lda + i] = 0.0;
        }
    return LGC_OK;
}

lgc_status lgc_dpotrf_lower(double *A, size_t n, size_t lda)
{
    if (n <= POTRF_NATIVE_MAX)
        return potrf_native(A, n, lda);
    lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, A, (lapack_int)lda);
    if (info != 0)
        return LGC_ERR_NUMERIC;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            A[i * lda + j] = 0.0;
    return LGC_OK;
}

lgc_status lgc_dsym_psd(double *A, size_t n, double floor_)
{
    /* A = V diag(w) V^T (dsyevd, eigenvectors in the columns of A), then
     * rebuilt with max(w, floor_) */
    double *w = malloc(n * sizeof *w), *V = malloc(n * n * sizeof *V);
    lgc_status st = LGC_OK;
    if (!w || !V) {
        st = LGC_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n * n; i++)
        V[i] = A[i];
    if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'L', (lapack_int)n, V, (lapack_int)n, w) != 0) {
        st = LGC_ERR_NUMERIC;
        goto done;
    }
    for (size_t k = 0; k < n; k++)
        w[k] = w[k] > floor_ ? w[k] : floor_;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0.0;
            for (size_t k = 0; k < n; k++)
                s += V[i * n + k] * w[k] * V[j * n + k];
            A[i * n + j] = A[j * n + i] = s;
        }
done:
    free(w), free(V);
    return st;
}
