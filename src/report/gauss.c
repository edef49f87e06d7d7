/* gauss.c - is each mixture component Gaussian? Squared Mahalanobis
 * distances against chi^2 (see include/lgc/report.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/report.h"
#include "lgc/tensor.h"

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
