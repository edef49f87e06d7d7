/* gauss.c - is each mixture component Gaussian? Squared Mahalanobis
 * distances against chi^2 (see include/lgc/report.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/report.h"
#include "lgc/tensor.h"

#define ASSIGN_BLOCK 512 /* rows whitened at once: (512, d) doubles */
#define KL_FLOOR 1e-16   /* scipy's entropy, as the study clipped both sides */
#define Z_CUT 4.0        /* the study dropped distances with |z-score| above this */

double lgc_chi2_pdf(double x, double dof)
{
    if (x < 0.0 || !(dof > 0.0))
        return 0.0;
    double k2 = 0.5 * dof;
    if (x == 0.0)
        return dof < 2.0 ? INFINITY : dof == 2.0 ? 0.5 : 0.0;
    return exp((k2 - 1.0) * log(x) - 0.5 * x - k2 * log(2.0) - lgamma(k2));
}

lgc_status lgc_gmm_assign(const lgc_gmm *g, const float *Z, size_t n, uint32_t *comp,
                          double *d2, lgc_err *err)
{
    size_t k = g->k, d = g->d, B = ASSIGN_BLOCK;
    double *W = malloc(B * d * sizeof *W);    /* (B, d) a block, centred and whitened */
    double *best = malloc(B * sizeof *best);  /* (B) best log weight + log density so far */
    double *logc = malloc(k * sizeof *logc);  /* (k) log w - log det L */
    if (!W || !best || !logc) {
        free(W), free(best), free(logc);
        return lgc_err_set(err, LGC_ERR_NOMEM, "Gaussianity: out of memory");
    }
    for (size_t c = 0; c < k; c++) {
        double ld = 0.0;
        for (size_t j = 0; j < d; j++)
            ld += log(g->chol[(c * d + j) * d + j]);
        /* a component of weight 0 (possible after float16 rounding) never wins */
        logc[c] = g->weights[c] > 0.0 ? log(g->weights[c]) - ld : -INFINITY;
    }
    for (size_t i0 = 0; i0 < n; i0 += B) {
        size_t nb = n - i0 < B ? n - i0 : B;
        for (size_t i = 0; i < nb; i++)
            best[i] = -INFINITY, comp[i0 + i] = 0, d2[i0 + i] = INFINITY;
        for (size_t c = 0; c < k; c++) {
            const double *mu = g->means + c * d;
            for (size_t i = 0; i < nb; i++)
                for (size_t j = 0; j < d; j++)
                    W[i * d + j] = (double)Z[(i0 + i) * d + j] - mu[j];
            lgc_dtrsm_right_lower_t(nb, d, g->chol + c * d * d, d, W, d);
            for (size_t i = 0; i < nb; i++) {
                double q = 0.0;
                for (size_t j = 0; j < d; j++)
                    q += W[i * d + j] * W[i * d + j];
                double lp = logc[c] - 0.5 * q; /* the 2 pi term is the same for all */
                if (lp > best[i] || (c == 0 && !(best[i] > -INFINITY)))
                    best[i] = lp, comp[i0 + i] = (uint32_t)c, d2[i0 + i] = q;
            }
        }
    }
    free(W), free(best), free(logc);
    return LGC_OK;
}

double lgc_chi2_kl(const double *d2, size_t n, double dof, size_t bins)
{
    if (n < 2 || bins < 1)
        return NAN;
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += d2[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        var += (d2[i] - mean) * (d2[i] - mean);
    double sd = sqrt(var / (double)n); /* scipy.stats.zscore: ddof 0 */
    double lo = INFINITY, hi = -INFINITY;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (sd == 0.0 || fabs(d2[i] - mean) / sd <= Z_CUT) {
            lo = fmin(lo, d2[i]), hi = fmax(hi, d2[i]);
            kept++;
        }
    if (kept < 2 || !(hi > lo))
        return NAN;
    double *h = calloc(bins, sizeof *h);
    if (!h)
        return NAN;
    double wd = (hi - lo) / (double)bins;
    for (size_t i = 0; i < n; i++) {
        if (!(sd == 0.0 || fabs(d2[i] - mean) / sd <= Z_CUT))
            continue;
        size_t b = (size_t)((d2[i] - lo) / wd);
        h[b < bins ? b : bins - 1] += 1.0; /* numpy: the last bin is closed */
    }
    double sp = 0.0, sq = 0.0;
    for (size_t b = 0; b < bins; b++) {
        h[b] = fmax(h[b] / ((double)kept * wd), KL_FLOOR);
        sp += h[b];
        sq += fmax(lgc_chi2_pdf(lo + ((double)b + 0.5) * wd, dof), KL_FLOOR);
    }
    double kl = 0.0;
    for (size_t b = 0; b < bins; b++) {
        double p = h[b] / sp;
        double q = fmax(lgc_chi2_pdf(lo + ((double)b + 0.5) * wd, dof), KL_FLOOR) / sq;
        kl += p * log(p / q);
    }
    free(h);
    return kl;
}
