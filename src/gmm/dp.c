/* dp.c - a Gaussian fitted under differential privacy: the Gaussian mechanism
 * on the clipped sufficient statistics (docs/PRIVACY.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/gmm.h"
#include "lgc/tensor.h"

lgc_status lgc_gmm_dp_gaussian(const float *X, size_t n, size_t d, double R, double z,
                               lgc_rng *r, lgc_gmm *g, double *noisy_n, lgc_err *err)
{
    memset(g, 0, sizeof *g);
    if (!(R > 0.0) || !(z > 0.0) || d == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "dp gaussian: clip %g, noise %g, %zu dimensions", R,
                           z, d);
    double *s = calloc(d, sizeof *s), *S = calloc(d * d, sizeof *S), *x = malloc(d * sizeof *x);
    lgc_status st = LGC_OK;
    if (!s || !S || !x) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "dp gaussian: out of memory");
        goto done;
    }
    /* the exact statistics of the clipped points: one point moves the count
     * by 1, the sum by at most R and the scatter (lower triangle) by at most
     * |x x^T|_F = |x|^2 <= R^2 */
    for (size_t i = 0; i < n; i++) {
        double nn = 0.0;
        for (size_t j = 0; j < d; j++)
            x[j] = X[i * d + j], nn += x[j] * x[j];
        double f = nn > R * R ? R / sqrt(nn) : 1.0;
        for (size_t j = 0; j < d; j++)
            x[j] *= f, s[j] += x[j];
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b <= a; b++)
                S[a * d + b] += x[a] * x[b];
    }
    /* the noise: standard deviation z times each sensitivity */
    double cnt = (double)n + z * lgc_rng_normal(r);
    for (size_t j = 0; j < d; j++)
        s[j] += z * R * lgc_rng_normal(r);
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b <= a; b++) {
            S[a * d + b] += z * R * R * lgc_rng_normal(r);
            S[b * d + a] = S[a * d + b];
        }
    /* what follows only reads the noisy numbers (post-processing) */
    double m = cnt > 2.0 ? cnt : 2.0;
    *noisy_n = cnt;
    if (lgc_gmm_init(g, 1, d)) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "dp gaussian: out of memory");
        goto done;
    }
    g->weights[0] = 1.0;
    for (size_t j = 0; j < d; j++)
        g->means[j] = s[j] / m;
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++)
            S[a * d + b] = S[a * d + b] / m - g->means[a] * g->means[b];
    /* a floor on the variances: 1e-3 of the largest per-coordinate variance
     * the clip allows, so that noise cannot leave a flat direction */
    if ((st = lgc_dsym_psd(S, d, 1e-3 * R * R / (double)d))) {
        st = lgc_err_set(err, st, "dp gaussian: eigen decomposition failed");
        goto done;
    }
    if (lgc_dpotrf_lower(S, d, d)) {
        st = lgc_err_set(err, LGC_ERR_NUMERIC, "dp gaussian: covariance not positive definite");
        goto done;
    }
    memcpy(g->chol, S, d * d * sizeof *S);
done:
    if (st)
        lgc_gmm_free(g);
    free(s), free(S), free(x);
    return st;
}
