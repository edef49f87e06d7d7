/* gmm.c - the mixture object: allocation, validation, BIC, log density, sampling,
 * and the E-step kernels that lgc_gmm_fit shares with lgc_gmm_score. */
#include "gmm/internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/simd.h"
#include "lgc/tensor.h"

void lgc_gmm_opts_default(lgc_gmm_opts *o)
{
    o->k_max = 10;
    o->select = LGC_KSEL_ARGMIN;
    o->n_init = 3;
    o->max_iter = 200;
    o->tol = 1e-3;
    o->reg_covar = 1e-6;
    o->seed = 0;
    o->precision = LGC_GMM_F64;
    o->refine_margin = 0.0;
    o->refine_tol = 1e-6;
    o->refine_max_iter = 2000;
    o->abandon_margin = 0.0;
    o->abandon_after = 10;
    o->cancel = NULL;
}


lgc_status lgc_gmm_init(lgc_gmm *g, size_t k, size_t d)
{
    memset(g, 0, sizeof *g);
    if (k == 0 || d == 0 || lgc_mul_overflows(k, d) || lgc_mul_overflows(k * d, d) ||
        lgc_mul_overflows(k * d * d, sizeof(double)))
        return LGC_ERR_ARG;
    g->weights = calloc(k, sizeof *g->weights);
    g->means = calloc(k * d, sizeof *g->means);
    g->chol = calloc(k * d * d, sizeof *g->chol);
    if (!g->weights || !g->means || !g->chol) {
        lgc_gmm_free(g);
        return LGC_ERR_NOMEM;
    }
    g->k = k;
    g->d = d;
    return LGC_OK;
}

void lgc_gmm_free(lgc_gmm *g)
{
    if (!g)
        return;
    free(g->weights), free(g->means), free(g->chol);
    memset(g, 0, sizeof *g);
}

lgc_status lgc_gmm_validate(const lgc_gmm *g, lgc_err *err)
{
    if (!g || g->k == 0 || g->d == 0 || !g->weights || !g->means || !g->chol)
        return lgc_err_set(err, LGC_ERR_ARG, "mixture is empty or not allocated");
    size_t k = g->k, d = g->d;
    double sum = 0.0;
    for (size_t c = 0; c < k; c++) {
        double w = g->weights[c];
        if (!isfinite(w))
            return lgc_err_set(err, LGC_ERR_VALUE, "component %zu: weight is %g, not finite", c, w);
        if (w < 0.0)
            return lgc_err_set(err, LGC_ERR_VALUE, "component %zu: weight %g is negative", c, w);
        sum += w;
    }
    /* 1e-3: weights may have been rounded to float16 (11-bit significand) one by one. */
    if (!(fabs(sum - 1.0) <= 1e-3))
        return lgc_err_set(err, LGC_ERR_VALUE, "weights sum to %.9g, not 1", sum);
    for (size_t c = 0; c < k; c++) {
        const double *mu = g->means + c * d, *L = g->chol + c * d * d;
        for (size_t j = 0; j < d; j++)
            if (!isfinite(mu[j]))
                return lgc_err_set(err, LGC_ERR_VALUE, "component %zu: mean[%zu] is %g, not finite",
                                   c, j, mu[j]);
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) {
                double v = L[i * d + j];
                if (!isfinite(v))
                    return lgc_err_set(err, LGC_ERR_VALUE,
                                       "component %zu: factor entry (%zu,%zu) is %g, not finite", c,
                                       i, j, v);
                if (j > i && v != 0.0)
                    return lgc_err_set(err, LGC_ERR_VALUE,
                                       "component %zu: factor entry (%zu,%zu) above the diagonal is "
                                       "%g, not 0",
                                       c, i, j, v);
                if (j == i && !(v > 0.0))
                    return lgc_err_set(err, LGC_ERR_VALUE,
                                       "component %zu: factor diagonal %zu is %g, not positive", c,
                                       i, v);
            }
    }
    return LGC_OK;
}

double lgc_gmm_bic(const lgc_gmm *g, double mean_loglik, size_t n)
{
    if (!g || n == 0)
        return NAN;
    return -2.0 * (double)n * mean_loglik + lgc_gmmi_nparams(g->k, g->d) * log((double)n);
}

double lgc_gmmi_nparams(size_t k, size_t d)
{
    double kk = (double)k, dd = (double)d;
    return kk * dd + kk * dd * (dd + 1.0) / 2.0 + kk - 1.0;
}

int lgc_gmmi_threads(void)
{
#ifdef _OPENMP
    /* Inside a caller's parallel loop (lgc_gmm_select's over k, or a loop
     * over classes) a nested region would get one thread: size for that. */
    if (omp_get_active_level() >= omp_get_max_active_levels())
        return 1;
    int t = omp_get_max_threads();
    return t > 0 ? t : 1;
#else
    return 1;
#endif
}

void lgc_gmmi_logconst(const lgc_gmm *g, double *logc)
{
    size_t d = g->d;
    for (size_t c = 0; c < g->k; c++) {
        const double *L = g->chol + c * d * d;
        double half_logdet = 0.0;
        for (size_t j = 0; j < d; j++)
            half_logdet += log(L[j * d + j]);
        logc[c] = log(g->weights[c]) - 0.5 * (double)d * LGC_GMM_LOG_2PI - half_logdet;
    }
}

void lgc_gmmi_block_logp(const lgc_gmm *g, const double *logc, const double *Xb, size_t nb,
                         double *lp, double *Z)
{
    size_t k = g->k, d = g->d;
    for (size_t c = 0; c < k; c++) {
        const double *restrict mu = g->means + c * d;
        const double *restrict x = Xb;
        double *restrict z = Z;
        for (size_t i = 0; i < nb; i++)
            for (size_t j = 0; j < d; j++)
                z[i * d + j] = x[i * d + j] - mu[j];
        lgc_dtrsm_right_lower_t(nb, d, g->chol + c * d * d, d, Z, d);
        for (size_t i = 0; i < nb; i++)
            lp[i * k + c] = logc[c] - 0.5 * lgc_gmmi_sqnorm(Z + i * d, d);
    }
}

size_t lgc_gmmi_pad8(size_t d) { return (d + 7) & ~(size_t)7; }

void lgc_gmmi_to_f32(const lgc_gmm *g, size_t c, float *Pt, float *muf, double *inv)
{
    size_t d = g->d, dp = lgc_gmmi_pad8(d);
    const double *L = g->chol + c * d * d;
    float *P = Pt + c * dp * dp;
    /* inv = L^-1 in double, row by row from L inv = I: row i is (e_i - sum over
     * m < i of L[i][m] row m) / L[i][i], rows m having nonzeros in 0..m only.
     * The inner loops run along rows (no chain of dependent adds): d^3/6
     * multiply-adds, against the E-step's n d^2/2 with this component. */
    for (size_t i = 0; i < d; i++) {
        double *r = inv + i * d;
        for (size_t j = 0; j <= i; j++)
            r[j] = i == j ? 1.0 : 0.0;
        for (size_t m = 0; m < i; m++) {
            double l = L[i * d + m];
            const double *rm = inv + m * d;
            for (size_t j = 0; j <= m; j++)
                r[j] -= l * rm[j];
        }
        for (size_t j = 0; j <= i; j++)
            r[j] /= L[i * d + i];
    }
    memset(P, 0, dp * dp * sizeof *P);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++)
            P[j * dp + i] = (float)inv[i * d + j];
    for (size_t j = 0; j < d; j++)
        muf[c * d + j] = (float)g->means[c * d + j];
}

/* Eight floats; GCC lowers the arithmetic to one AVX2 or two SSE instructions
 * per operation, whichever clone runs. Loads and stores by memcpy: a function
 * passing v8f by value would differ in ABI between the two clones. */
typedef float gmm_v8f __attribute__((vector_size(32)));
#define EPTS 8 /* points per tile of the float E-step */

LGC_WIDE void lgc_gmmi_block_logp_f32(const lgc_gmm *g, const double *logc, const float *Pt,
                                      const float *muf, const float *Xb, size_t nb, double *lp,
                                      float *Z)
{
    size_t k = g->k, d = g->d, dp = lgc_gmmi_pad8(d);
    float *xc = Z; /* (EPTS, dp): a tile of points centred on one component, zero-padded */
    for (size_t c = 0; c < k; c++) {
        const float *restrict mu = muf + c * d, *restrict P = Pt + c * dp * dp;
        for (size_t i0 = 0; i0 < nb; i0 += EPTS) {
            size_t np = nb - i0 < EPTS ? nb - i0 : EPTS;
            for (size_t p = 0; p < EPTS; p++) {
                float *restrict y = xc + p * dp;
                const float *restrict x = Xb + (i0 + p) * d;
                size_t j = 0;
                if (p < np)
                    for (; j < d; j++)
                        y[j] = x[j] - mu[j];
                for (; j < dp; j++)
                    y[j] = 0.0f;
            }
            /* z = L^-1 (x - mu), eight rows r of z for eight points at a time:
             * z[r0..r0+8) += column j of L^-1 (rows r0..r0+8) * xc[p][j] for
             * j <= r0 + 7 (the inverse is lower triangular); then its squares
             * into q[p], eight lanes each. */
            gmm_v8f q[EPTS] = {{0}};
            for (size_t r0 = 0; r0 < dp; r0 += 8) {
                gmm_v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
                gmm_v8f a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
                size_t jend = r0 + 8 < d ? r0 + 8 : d;
                for (size_t j = 0; j < jend; j++) {
                    gmm_v8f pc;
                    memcpy(&pc, P + j * dp + r0, sizeof pc);
                    a0 += pc * xc[0 * dp + j], a1 += pc * xc[1 * dp + j];
                    a2 += pc * xc[2 * dp + j], a3 += pc * xc[3 * dp + j];
                    a4 += pc * xc[4 * dp + j], a5 += pc * xc[5 * dp + j];
                    a6 += pc * xc[6 * dp + j], a7 += pc * xc[7 * dp + j];
                }
                q[0] += a0 * a0, q[1] += a1 * a1, q[2] += a2 * a2, q[3] += a3 * a3;
                q[4] += a4 * a4, q[5] += a5 * a5, q[6] += a6 * a6, q[7] += a7 * a7;
            }
            for (size_t p = 0; p < np; p++) {
                double t = 0.0; /* the eight lane sums added up in double */
                for (size_t u = 0; u < 8; u++)
                    t += q[p][u];
                lp[(i0 + p) * k + c] = logc[c] - 0.5 * t;
            }
        }
    }
}

double lgc_gmmi_sqnorm(const double *x, size_t d)
{
    /* Four running sums: one sum is a chain of dependent adds (4 cycles
     * each) that costs as much as the triangular solve it follows. */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t j = 0;
    for (; j + 4 <= d; j += 4) {
        s0 += x[j] * x[j];
        s1 += x[j + 1] * x[j + 1];
        s2 += x[j + 2] * x[j + 2];
        s3 += x[j + 3] * x[j + 3];
    }
    for (; j < d; j++)
        s0 += x[j] * x[j];
    return (s0 + s1) + (s2 + s3);
}

/* exp of x <= 0 relative to a row's largest entry, whose own term is 1:
 * below -40 a term is under 4.3e-18, less than a fiftieth of the rounding
 * of that 1 even summed over 10 components, so it is taken as 0. That spares
 * exp on most entries of a k > 1 fit (and libm's slow underflow path), and
 * such responsibilities are below RESP_KEEP in the M-step anyway. */
static double exp_neg(double x) { return x < -40.0 ? 0.0 : exp(x); }

LGC_WIDE void lgc_gmmi_logsumexp_rows(double *lp, size_t nb, size_t k, double *ll, int resp)
{
    for (size_t i = 0; i < nb; i++) {
        double *row = lp + i * k;
        double m = -INFINITY;
        for (size_t c = 0; c < k; c++)
            if (row[c] > m)
                m = row[c];
        if (m == -INFINITY) {
            /* Every component has density 0 here (or weight 0): no finite
             * answer exists; the caller turns -inf into an error. */
            ll[i] = -INFINITY;
            if (resp)
                for (size_t c = 0; c < k; c++)
                    row[c] = 1.0 / (double)k;
            continue;
        }
        double s = 0.0;
        if (resp) {
            /* one exp per entry: the responsibilities are the terms over their sum */
            for (size_t c = 0; c < k; c++)
                s += row[c] = exp_neg(row[c] - m);
            for (size_t c = 0; c < k; c++)
                row[c] /= s;
        } else {
            for (size_t c = 0; c < k; c++)
                s += exp_neg(row[c] - m);
        }
        ll[i] = m + log(s);
    }
}

lgc_status lgc_gmm_score(const lgc_gmm *g, const float *X, size_t n, double *loglik,
                         lgc_err *err)
{
    lgc_status st = lgc_gmm_validate(g, err);
    if (st != LGC_OK)
        return st;
    if (n == 0)
        return LGC_OK;
    if (!X || !loglik)
        return lgc_err_set(err, LGC_ERR_ARG, "score: X and loglik must not be NULL");
    size_t k = g->k, d = g->d;
    if (lgc_mul_overflows(n, d))
        return lgc_err_set(err, LGC_ERR_LIMIT, "score: %zu points of dimension %zu overflow", n, d);
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(X[i]))
            return lgc_err_set(err, LGC_ERR_VALUE, "score: point %zu coordinate %zu is not finite",
                               i / d, i % d);

    const int T = lgc_gmmi_threads();
    const size_t B = LGC_GMM_BLOCK, nblk = (n + B - 1) / B;
    double *logc = malloc(k * sizeof *logc);    // (k)
    double *work = malloc((size_t)T * B * (2 * d + k) * sizeof *work); // per thread: Xb (B,d), Z (B,d), lp (B,k)
    if (!logc || !work) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "score: out of memory for %zu-point blocks", B);
        goto fail;
    }
    lgc_gmmi_logconst(g, logc);

#pragma omp parallel for schedule(static) num_threads(T)
    for (size_t b = 0; b < nblk; b++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        double *Xb = work + (size_t)tid * B * (2 * d + k), *Z = Xb + B * d, *lp = Z + B * d;
        size_t i0 = b * B, nb = n - i0 < B ? n - i0 : B;
        for (size_t t = 0; t < nb * d; t++)
            Xb[t] = X[i0 * d + t];
        lgc_gmmi_block_logp(g, logc, Xb, nb, lp, Z);
        lgc_gmmi_logsumexp_rows(lp, nb, k, loglik + i0, 0);
    }

fail:
    free(logc);
    free(work);
    return st;
}

void lgc_gmm_score_ref(const lgc_gmm *g, const float *X, size_t n, double *loglik)
{
    size_t k = g->k, d = g->d;
    double *z = malloc(d * sizeof *z), *lp = malloc(k * sizeof *lp);
    if (!z || !lp) {
        for (size_t i = 0; i < n; i++)
            loglik[i] = NAN;
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        const float *x = X + i * d;
        for (size_t c = 0; c < k; c++) {
            const double *mu = g->means + c * d, *L = g->chol + c * d * d;
            double maha = 0.0, logdet = 0.0;
            for (size_t r = 0; r < d; r++) { /* forward substitution L z = x - mu */
                double s = (double)x[r] - mu[r];
                for (size_t j = 0; j < r; j++)
                    s -= L[r * d + j] * z[j];
                z[r] = s / L[r * d + r];
                maha += z[r] * z[r];
                logdet += 2.0 * log(L[r * d + r]);
            }
            lp[c] = log(g->weights[c]) -
                    0.5 * ((double)d * log(2.0 * 3.14159265358979323846) + logdet + maha);
        }
        double m = lp[0];
        for (size_t c = 1; c < k; c++)
            m = lp[c] > m ? lp[c] : m;
        double s = 0.0;
        for (size_t c = 0; c < k; c++)
            s += exp(lp[c] - m);
        loglik[i] = m + log(s);
    }
fail:
    free(z);
    free(lp);
}

/* x (d) = mu + L eps from Lt (d, d) = L^T (zero above the diagonal of L):
 * each x[i] still sums mu[i], then L[i][j] eps[j] for j = 0..i in that
 * order (so the same bits as the row-by-row loop). Four samples of one
 * component at a time, rows eight at a time: the 4 x 8 sums stay in
 * registers while j runs (a row of Lt and each sample's eps[j] loaded once
 * for all of them); within the diagonal block a mask keeps the terms with
 * j > i out (not added as zeros: -0.0 would turn into +0.0). Rows past the
 * last full eight one by one. eps (4, d) the normals (es[4]), x (4, d) the
 * draws (rows of out, anywhere: xs[4]). */
typedef double gmm_v4d __attribute__((vector_size(32)));
typedef long long gmm_v4l __attribute__((vector_size(32)));
LGC_WIDE static void mvn_cols4(float *const xs[4], const double *restrict mu,
                               const double *restrict Lt, const double *const es[4], size_t d)
{
    size_t i0 = 0;
    for (; i0 + 8 <= d; i0 += 8) {
        gmm_v4d m0, m1;
        memcpy(&m0, mu + i0, sizeof m0), memcpy(&m1, mu + i0 + 4, sizeof m1);
        gmm_v4d a0 = m0, b0 = m1, a1 = m0, b1 = m1, a2 = m0, b2 = m1, a3 = m0, b3 = m1;
        for (size_t j = 0; j < i0 + 8; j++) {
            gmm_v4d c0, c1;
            memcpy(&c0, Lt + j * d + i0, sizeof c0), memcpy(&c1, Lt + j * d + i0 + 4, sizeof c1);
            gmm_v4d e0 = {es[0][j], es[0][j], es[0][j], es[0][j]};
            gmm_v4d e1 = {es[1][j], es[1][j], es[1][j], es[1][j]};
            gmm_v4d e2 = {es[2][j], es[2][j], es[2][j], es[2][j]};
            gmm_v4d e3 = {es[3][j], es[3][j], es[3][j], es[3][j]};
            if (j < i0) {
                a0 += c0 * e0, b0 += c1 * e0, a1 += c0 * e1, b1 += c1 * e1;
                a2 += c0 * e2, b2 += c1 * e2, a3 += c0 * e3, b3 += c1 * e3;
                continue;
            }
            gmm_v4l lo, hi; /* row i0 + l takes the term when j <= i0 + l */
            for (int l = 0; l < 4; l++)
                lo[l] = j <= i0 + (size_t)l ? -1 : 0, hi[l] = j <= i0 + 4 + (size_t)l ? -1 : 0;
#define MVN_KEEP(acc, c, e, m) acc = (gmm_v4d)(((gmm_v4l)(acc + c * e) & m) | ((gmm_v4l)acc & ~m))
            MVN_KEEP(a0, c0, e0, lo), MVN_KEEP(b0, c1, e0, hi);
            MVN_KEEP(a1, c0, e1, lo), MVN_KEEP(b1, c1, e1, hi);
            MVN_KEEP(a2, c0, e2, lo), MVN_KEEP(b2, c1, e2, hi);
            MVN_KEEP(a3, c0, e3, lo), MVN_KEEP(b3, c1, e3, hi);
#undef MVN_KEEP
        }
        gmm_v4d acc[8] = {a0, b0, a1, b1, a2, b2, a3, b3};
        for (size_t q = 0; q < 4; q++)
            for (size_t l = 0; l < 8; l++)
                xs[q][i0 + l] = (float)acc[2 * q + l / 4][l % 4];
    }
    for (; i0 < d; i0++)
        for (size_t q = 0; q < 4; q++) {
            double v = mu[i0];
            for (size_t j = 0; j <= i0; j++)
                v += Lt[j * d + i0] * es[q][j];
            xs[q][i0] = (float)v;
        }
}

/* One sample: the row-by-row sums (the same bits as mvn_cols4's). */
static void mvn_rows(float *x, const double *mu, const double *L, const double *eps, size_t d)
{
    for (size_t i = 0; i < d; i++) {
        double v = mu[i];
        for (size_t j = 0; j <= i; j++)
            v += L[i * d + j] * eps[j];
        x[i] = (float)v;
    }
}

/* Samples drawn before they are transformed: (SAMPLE_CHUNK, d) normals. */
#define SAMPLE_CHUNK 256

lgc_status lgc_gmm_sample(const lgc_gmm *g, lgc_rng *r, size_t n, float *out, lgc_err *err)
{
    lgc_status st = lgc_gmm_validate(g, err);
    if (st != LGC_OK)
        return st;
    if (n == 0)
        return LGC_OK;
    if (!r || !out)
        return lgc_err_set(err, LGC_ERR_ARG, "sample: rng and out must not be NULL");
    size_t k = g->k, d = g->d, CH = n < SAMPLE_CHUNK ? n : SAMPLE_CHUNK;
    int by_cols = n >= 4;
    double *eps = malloc(CH * d * sizeof *eps);       // (CH, d) normals
    double *cum = malloc(k * sizeof *cum);            // (k) running sum of weights
    size_t *comp = malloc(CH * sizeof *comp);         // (CH) each sample's component
    size_t *order = malloc(CH * sizeof *order);       // (CH) samples grouped by component
    double *Lt = by_cols ? malloc(k * d * d * sizeof *Lt) : NULL; // (k, d, d) factors transposed
    unsigned char *built = calloc(k, 1); // (k) Lt of component c made (only those drawn 4 at a time)
    size_t *first = malloc((k + 1) * sizeof *first);
    if (!eps || !cum || !comp || !order || !first || !built || (by_cols && !Lt)) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "sample: out of memory");
        goto fail;
    }
    double total = 0.0;
    for (size_t c = 0; c < k; c++)
        cum[c] = total += g->weights[c];
    for (size_t s0 = 0; s0 < n; s0 += CH) {
        size_t m = n - s0 < CH ? n - s0 : CH;
        /* the draws, sample by sample: a uniform for the component, d normals */
        for (size_t s = 0; s < m; s++) {
            /* Scale by the total rather than assume 1: float16 weights sum to 1 only within 1e-3. */
            double u = lgc_rng_uniform(r) * total;
            size_t c = 0;
            while (c + 1 < k && !(u < cum[c]))
                c++;
            /* A zero weight can only be picked if it is the last one and rounding left u >= cum;
             * step back to a component that can be drawn. */
            while (c > 0 && g->weights[c] == 0.0)
                c--;
            comp[s] = c;
            lgc_rng_normal_zig_fill(r, eps + s * d, d);
        }
        /* the transforms, four samples of one component at a time */
        memset(first, 0, (k + 1) * sizeof *first);
        for (size_t s = 0; s < m; s++)
            first[comp[s] + 1]++;
        for (size_t c = 0; c < k; c++)
            first[c + 1] += first[c];
        for (size_t s = 0; s < m; s++)
            order[first[comp[s]]++] = s;
        for (size_t c = k; c > 0; c--) /* back to where each component starts */
            first[c] = first[c - 1];
        first[0] = 0;
        for (size_t c = 0; c < k; c++) {
            const double *mu = g->means + c * d;
            size_t a = first[c], b = first[c + 1];
            if (by_cols && a + 4 <= b && !built[c]) { /* L^T of c, once per call */
                for (size_t i = 0; i < d; i++)
                    for (size_t j = 0; j < d; j++)
                        Lt[(c * d + j) * d + i] = j <= i ? g->chol[(c * d + i) * d + j] : 0.0;
                built[c] = 1;
            }
            for (; by_cols && a + 4 <= b; a += 4) {
                float *xs[4];
                const double *es[4];
                for (size_t q = 0; q < 4; q++)
                    xs[q] = out + (s0 + order[a + q]) * d, es[q] = eps + order[a + q] * d;
                mvn_cols4(xs, mu, Lt + c * d * d, es, d);
            }
            for (; a < b; a++)
                mvn_rows(out + (s0 + order[a]) * d, mu, g->chol + c * d * d,
                         eps + order[a] * d, d);
        }
    }
fail:
    free(eps), free(cum), free(comp), free(order), free(Lt), free(first), free(built);
    return st;
}

#define ASSIGN_BLOCK 512 /* rows whitened at once: (512, d) doubles */

lgc_status lgc_gmm_assign(const lgc_gmm *g, const float *Z, size_t n, uint32_t *comp,
                          double *d2, lgc_err *err)
{
    size_t k = g->k, d = g->d, B = ASSIGN_BLOCK;
    double *W = malloc(B * d * sizeof *W);    /* (B, d) a block, centred and whitened */
    double *best = malloc(B * sizeof *best);  /* (B) best log weight + log density so far */
    double *logc = malloc(k * sizeof *logc);  /* (k) log w - log det L */
    if (!W || !best || !logc) {
        free(W), free(best), free(logc);
        return lgc_err_set(err, LGC_ERR_NOMEM, "assign: out of memory");
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
