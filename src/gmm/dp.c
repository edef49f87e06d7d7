/* dp.c - Gaussians fitted under differential privacy: the Gaussian mechanism
 * on clipped sufficient statistics, the clips chosen from noisy histograms
 * (docs/PRIVACY.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/gmm.h"
#include "lgc/tensor.h"

/* Norm histograms: bin j holds norms in (edge(j - 1), edge(j)], edge(j) =
 * 2^(-4 + j / 2), so 1/16 .. 4096 in steps of sqrt 2 (the last bin also
 * holds everything above). Fixed in advance: the bins may not depend on the
 * data. Few bins, because the noise of every empty bin above the quantile
 * adds to the tail it is read from. */
#define DP_BINS 33

static double bin_edge(size_t j)
{
    return exp2(-4.0 + 0.5 * (double)j);
}

static size_t bin_of(double norm)
{
    size_t j = 0;
    while (j + 1 < DP_BINS && norm > bin_edge(j))
        j++;
    return j;
}

/* The upper edge of the bin where the top (1 - q) of the noisy counts c
 * (DP_BINS) begins: scanning down, the first bin at which the tail exceeds (1 - q) of
 * the noisy total. Reads only noisy numbers. */
static double hist_quantile(const double *c, double q)
{
    double tot = 0.0, tail = 0.0;
    for (size_t j = 0; j < DP_BINS; j++)
        tot += c[j];
    for (size_t j = DP_BINS - 1; j > 0; j--)
        if ((tail += c[j]) > (1.0 - q) * tot)
            return bin_edge(j);
    return bin_edge(0);
}

static void add_noise(double *v, size_t n, double sd, lgc_rng *r)
{
    for (size_t i = 0; i < n; i++)
        v[i] += sd * lgc_rng_normal(r);
}

/* x (d) := X row minus mu (NULL: none), scaled to norm <= R; returns the norm before */
static double clipped(const float *row, const double *mu, size_t d, double R, double *x)
{
    double nn = 0.0;
    for (size_t j = 0; j < d; j++)
        x[j] = (double)row[j] - (mu ? mu[j] : 0.0), nn += x[j] * x[j];
    double norm = sqrt(nn), f = norm > R ? R / norm : 1.0;
    for (size_t j = 0; j < d; j++)
        x[j] *= f;
    return norm;
}

void lgc_gmm_dp_opts_default(lgc_gmm_dp_opts *o)
{
    o->z = 1.0, o->mean_clip = 0.0, o->mean_quantile = 0.99, o->spread_quantile = 0.98;
    o->k = 1, o->iters = 5;
}

size_t lgc_gmm_dp_releases(const lgc_gmm_dp_opts *o)
{
    return (o->mean_clip > 0.0 ? 4 : 5) + (o->k > 1 ? 2 * o->iters : 0);
}

/* Components of set s by noisy Lloyd iterations (releases 6 and 7 of each
 * iteration, lgc/gmm.h). X (n, d) the set's points, mu its noisy mean, C (d,
 * d) its noisy covariance (PSD), c (k, d) and cnt (k) out, sum (k, d) and x
 * (d) work space. *kept: how many components stay, first in c and cnt: those
 * whose last noisy count is above 20 z (below that the sum's noise, z rs per
 * coordinate, moves the centre by more than rs / 20). */
static lgc_status dp_lloyd(const float *X, size_t n, size_t d, const double *mu, const double *C,
                           const lgc_gmm_dp_opts *o, double rs, lgc_rng *r, double *c, double *cnt,
                           double *sum, double *x, size_t *kept, lgc_err *err)
{
    size_t k = o->k;
    double z = o->z, *L = malloc(d * d * sizeof *L);
    if (!L)
        return lgc_err_set(err, LGC_ERR_NOMEM, "dp gaussians: out of memory");
    /* the start: k draws from the noisy Gaussian (no further look at the data) */
    memcpy(L, C, d * d * sizeof *L);
    if (lgc_dpotrf_lower(L, d, d)) {
        free(L);
        return lgc_err_set(err, LGC_ERR_NUMERIC, "dp gaussians: covariance not positive definite");
    }
    for (size_t q = 0; q < k; q++) {
        for (size_t j = 0; j < d; j++)
            x[j] = lgc_rng_normal(r);
        for (size_t a = 0; a < d; a++) {
            double v = mu[a];
            for (size_t b = 0; b <= a; b++)
                v += L[a * d + b] * x[b];
            c[q * d + a] = v;
        }
    }
    free(L);
    for (size_t it = 0; it < o->iters; it++) {
        memset(cnt, 0, k * sizeof *cnt), memset(sum, 0, k * d * sizeof *sum);
        for (size_t i = 0; i < n; i++) { /* nearest centre; its count and clipped offset */
            size_t best = 0;
            double bd = INFINITY;
            for (size_t q = 0; q < k; q++) {
                double dd = 0.0;
                for (size_t j = 0; j < d; j++) {
                    double t = (double)X[i * d + j] - c[q * d + j];
                    dd += t * t;
                }
                if (dd < bd)
                    bd = dd, best = q;
            }
            cnt[best] += 1.0;
            clipped(X + i * d, mu, d, rs, x);
            for (size_t j = 0; j < d; j++)
                sum[best * d + j] += x[j];
        }
        add_noise(cnt, k, z, r);
        add_noise(sum, k * d, z * rs, r);
        for (size_t q = 0; q < k; q++)
            if (cnt[q] > 20.0 * z)
                for (size_t j = 0; j < d; j++)
                    c[q * d + j] = mu[j] + sum[q * d + j] / cnt[q];
    }
    size_t m = 0;
    for (size_t q = 0; q < k; q++)
        if (cnt[q] > 20.0 * z) {
            memmove(c + m * d, c + q * d, d * sizeof *c);
            cnt[m++] = cnt[q];
        }
    *kept = m;
    return LGC_OK;
}

lgc_status lgc_gmm_dp_fit(const float *X, const size_t *off, size_t m, size_t d,
                          const lgc_gmm_dp_opts *o, lgc_rng *r, lgc_gmm *g, double *noisy_n,
                          double *mean_clip, double *spread_clip, lgc_err *err)
{
    memset(g, 0, m * sizeof *g);
    double z = o->z;
    if (!(z > 0.0) || d == 0 || m == 0 || !(o->mean_clip >= 0.0) || o->k < 1 ||
        o->k > LGC_GMM_DP_KMAX ||
        !(o->mean_quantile > 0.0 && o->mean_quantile < 1.0) ||
        !(o->spread_quantile > 0.0 && o->spread_quantile < 1.0))
        return lgc_err_set(err, LGC_ERR_ARG, "dp gaussians: noise %g, clip %g, quantiles %g %g, "
                           "%zu components, %zu sets of %zu dimensions", z, o->mean_clip,
                           o->mean_quantile, o->spread_quantile, o->k, m, d);
    size_t n = off[m];
    size_t K = o->k;
    double *mu = calloc(m * d, sizeof *mu), *S = calloc(d * d, sizeof *S),
           *x = malloc(d * sizeof *x), hist[DP_BINS];
    double *c = malloc(K * d * sizeof *c), *cnt = malloc(K * sizeof *cnt),
           *sum = malloc(K * d * sizeof *sum); /* (K, d), (K), (K, d): Lloyd's centres */
    lgc_status st = LGC_OK;
    if (!mu || !S || !x || !c || !cnt || !sum) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "dp gaussians: out of memory");
        goto done;
    }
    /* 1. the means' clip R: a histogram of |x| over all points (a point is in
     * one bin: sensitivity 1) */
    double R = o->mean_clip;
    if (!(R > 0.0)) {
        memset(hist, 0, sizeof hist);
        for (size_t i = 0; i < n; i++)
            hist[bin_of(clipped(X + i * d, NULL, d, INFINITY, x))] += 1.0;
        add_noise(hist, DP_BINS, z, r);
        R = hist_quantile(hist, o->mean_quantile);
    }
    /* 2, 3. each set's count (sensitivity 1) and sum of points clipped to R
     * (sensitivity R); a point is in one set, so all sets make one release of each */
    for (size_t s = 0; s < m; s++) {
        double *sm = mu + s * d;
        for (size_t i = off[s]; i < off[s + 1]; i++) {
            clipped(X + i * d, NULL, d, R, x);
            for (size_t j = 0; j < d; j++)
                sm[j] += x[j];
        }
        noisy_n[s] = (double)(off[s + 1] - off[s]) + z * lgc_rng_normal(r);
        add_noise(sm, d, z * R, r);
        double nc = noisy_n[s] > 2.0 ? noisy_n[s] : 2.0;
        for (size_t j = 0; j < d; j++)
            sm[j] /= nc;
    }
    /* 4. the spread's clip: a histogram of |x - mu(set)| over all points */
    memset(hist, 0, sizeof hist);
    for (size_t s = 0; s < m; s++)
        for (size_t i = off[s]; i < off[s + 1]; i++)
            hist[bin_of(clipped(X + i * d, mu + s * d, d, INFINITY, x))] += 1.0;
    add_noise(hist, DP_BINS, z, r);
    double rs = hist_quantile(hist, o->spread_quantile);
    /* 5. each set's scatter about its noisy mean, points clipped to rs: one
     * point moves the lower triangle by at most |x x^T|_F = |x|^2 <= rs^2 */
    for (size_t s = 0; s < m; s++) {
        memset(S, 0, d * d * sizeof *S);
        for (size_t i = off[s]; i < off[s + 1]; i++) {
            clipped(X + i * d, mu + s * d, d, rs, x);
            for (size_t a = 0; a < d; a++)
                for (size_t b = 0; b <= a; b++)
                    S[a * d + b] += x[a] * x[b];
        }
        double nc = noisy_n[s] > 2.0 ? noisy_n[s] : 2.0;
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b <= a; b++) {
                S[a * d + b] = (S[a * d + b] + z * rs * rs * lgc_rng_normal(r)) / nc;
                S[b * d + a] = S[a * d + b];
            }
        /* post-processing of noisy numbers only: a floor on the variances,
         * 1e-3 of the largest per-coordinate variance the clip allows, so
         * that noise cannot leave a flat direction */
        if ((st = lgc_dsym_psd(S, d, 1e-3 * rs * rs / (double)d))) {
            st = lgc_err_set(err, st, "dp gaussians: eigen decomposition failed");
            goto done;
        }
        size_t k = 1;
        memcpy(c, mu + s * d, d * sizeof *c), cnt[0] = 1.0;
        if (K > 1) {
            /* 6, 7 (each iteration): the centres' counts (1) and offsets from
             * mu clipped to rs (rs); the components share the covariance
             * within them, the set's minus the scatter of the centres */
            if ((st = dp_lloyd(X + off[s] * d, off[s + 1] - off[s], d, mu + s * d, S, o, rs, r,
                               c, cnt, sum, x, &k, err)))
                goto done;
            if (k == 0) /* every count too small: the set's Gaussian */
                k = 1, memcpy(c, mu + s * d, d * sizeof *c), cnt[0] = 1.0;
            double tot = 0.0;
            for (size_t q = 0; q < k; q++)
                tot += cnt[q];
            for (size_t q = 0; q < k; q++) {
                double w = cnt[q] / tot;
                for (size_t a = 0; a < d; a++)
                    for (size_t b = 0; b < d; b++)
                        S[a * d + b] -= w * (c[q * d + a] - mu[s * d + a]) *
                                        (c[q * d + b] - mu[s * d + b]);
            }
            if ((st = lgc_dsym_psd(S, d, 1e-3 * rs * rs / (double)d))) {
                st = lgc_err_set(err, st, "dp gaussians: eigen decomposition failed");
                goto done;
            }
        }
        if (lgc_dpotrf_lower(S, d, d)) {
            st = lgc_err_set(err, LGC_ERR_NUMERIC, "dp gaussians: covariance not positive definite");
            goto done;
        }
        if (lgc_gmm_init(&g[s], k, d)) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "dp gaussians: out of memory");
            goto done;
        }
        double tot = 0.0;
        for (size_t q = 0; q < k; q++)
            tot += cnt[q];
        for (size_t q = 0; q < k; q++) {
            g[s].weights[q] = cnt[q] / tot;
            memcpy(g[s].means + q * d, c + q * d, d * sizeof *c);
            memcpy(g[s].chol + q * d * d, S, d * d * sizeof *S);
        }
    }
    *mean_clip = R, *spread_clip = rs;
done:
    if (st)
        for (size_t s = 0; s < m; s++)
            lgc_gmm_free(&g[s]);
    free(mu), free(S), free(x), free(c), free(cnt), free(sum);
    return st;
}
