/* lapack.c - the one file that calls LAPACKE. */
#include "lgc/tensor.h"

#include <lapacke.h>

lgc_status lgc_dpotrf_lower(double *A, size_t n, size_t lda)
{
    lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, A, (lapack_int)lda);
    if (info != 0)
        return LGC_ERR_NUMERIC;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            A[i * lda + j] = 0.0;
    return LGC_OK;
}
