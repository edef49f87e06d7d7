/* em.c - lgc_gmm_fit: k-means++ and Lloyd initialisation, then EM with full
 * covariances in matrix form (see gmm.h for the algorithm and its choices). */
#include "gmm/internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/simd.h"
#include "lgc/tensor.h"

/* Rows with a smaller responsibility are left out of a component's mean and
 * scatter: each would change them by less than double rounding. */
#define RESP_KEEP 1e-16
#define LLOYD_MAX_ITER 100
#define FLOOR_RETRIES 10
/* Rows of the float scatter per block: (SBLK, dp) floats, 32 KiB at d = 64, stay in L1. */
#define SBLK 128
/* Coordinates of the float M-step's mean summed at once, in registers. */
#define MEAN_COLS 16

enum { COMP_OK = 0, COMP_EMPTY = 1, COMP_SINGULAR = 2 };

typedef struct {
    size_t n, d, k;
    int T;               // threads of the OpenMP loops
    int f32;             // o->precision == LGC_GMM_F32: the two products below in float
    double *X;           // (n, d) the points in double
    const float *Xf;     // (n, d) the caller's points, as given (f32 E-step)
    double *resp;        // (n, k) log densities, then responsibilities
    double *ll;          // (n) log-likelihood of each point
    double *logc;        // (k) point-independent part of each log density
    double *nk;          // (k) responsibility mass of each component
    double *floor;       // (k) diagonal floor each component's factorisation needed
    int *state;          // (k) COMP_* outcome of each component's M-step
    /* Scratch in double, or in float when f32 (the allocation fits either). */
    void *zwork;         // (T, LGC_GMM_BLOCK, d) E-step per thread: whitened block (f64),
                         // tile (f32)
    void *ywork;         // (T, yper) M-step: sqrt(resp)-scaled centred rows per thread
    size_t yper;         // max(n d, SBLK dp): elements of ywork per thread
    void *swork;         // (T, d, d) M-step: scatter of those rows, per thread (f64 only)
    double *sdwork;      // (T, d, d) M-step: scatter / N in double, per thread (f32 only)
    float *cholf;        // (k, dp, dp) E-step: inverse factors in float, transposed (f32 only)
    double *icol;        // (T, d, d) E-step: an inverse factor in double per thread (f32 only)
    float *muf;          // (k, d) E-step: the means rounded to float (f32 only)
    size_t *iwork;       // (T, n) M-step: indices of the kept rows, per thread
    double *data_mean;   // (d) of all points
    double *data_chol;   // (d, d) factor of the covariance of all points + floor (re-seeding)
    double data_floor;   // floor data_chol needed
    double *hist;        // (max_iter + 1) mean log-likelihood per E-step of the current restart
    double abandon_ll;   // EM stops once abandon_after M-steps leave the mean log-likelihood
    int abandon_after;   // below abandon_ll (the sweep's abandonment); 0: never
    double *centers;     // (k, d) k-means centres
    double *dist;        // (n) squared distance of each point to its centre
    double *xsq;         // (n) squared norm of each point
    size_t *label;       // (n) k-means cluster of each point
    size_t *count;       // (k) points per cluster
    unsigned char *used; // (n) point already taken by a re-seed in this M-step
} em_work;

static void work_free(em_work *w)
{
    free(w->X), free(w->resp), free(w->ll), free(w->logc), free(w->nk), free(w->floor);
    free(w->state), free(w->zwork), free(w->ywork), free(w->swork), free(w->iwork);
    free(w->sdwork), free(w->cholf), free(w->muf), free(w->icol);
    free(w->data_mean), free(w->data_chol), free(w->hist), free(w->centers), free(w->dist);
    free(w->xsq);
    free(w->label), free(w->count), free(w->used);
    memset(w, 0, sizeof *w);
}

static lgc_status work_init(em_work *w, size_t n, size_t d, size_t k, int max_iter, int f32)
{
    memset(w, 0, sizeof *w);
    w->n = n, w->d = d, w->k = k, w->f32 = f32;
    w->T = lgc_gmmi_threads();
    size_t T = (size_t)w->T;
    if (lgc_mul_overflows(n, d) || lgc_mul_overflows(n * d, T) ||
        lgc_mul_overflows(n * d * T, sizeof(double)) || lgc_mul_overflows(n, k) ||
        lgc_mul_overflows(n * k, sizeof(double)) || lgc_mul_overflows(d, d) ||
        lgc_mul_overflows(d * d, T) || lgc_mul_overflows(LGC_GMM_BLOCK * d, T) ||
        lgc_mul_overflows(d * d, k) || lgc_mul_overflows(d * d * k, sizeof(double)) ||
        lgc_mul_overflows(lgc_gmmi_pad8(d) * lgc_gmmi_pad8(d), k * sizeof(float)) ||
        lgc_mul_overflows(SBLK * lgc_gmmi_pad8(d), T * sizeof(double)))
        return LGC_ERR_LIMIT;
    w->X = malloc(n * d * sizeof *w->X);
    w->resp = malloc(n * k * sizeof *w->resp);
    w->ll = malloc(n * sizeof *w->ll);
    w->logc = malloc(k * sizeof *w->logc);
    w->nk = malloc(k * sizeof *w->nk);
    w->floor = malloc(k * sizeof *w->floor);
    w->state = malloc(k * sizeof *w->state);
    w->zwork = malloc(T * LGC_GMM_BLOCK * d * sizeof(double));
    size_t dp = lgc_gmmi_pad8(d);
    w->yper = n * d > SBLK * dp ? n * d : SBLK * dp;
    w->ywork = malloc(T * w->yper * sizeof(double));
    w->swork = malloc(T * d * d * sizeof(double));
    w->sdwork = malloc((f32 ? T * d * d : 1) * sizeof *w->sdwork);
    w->cholf = malloc((f32 ? k * dp * dp : 1) * sizeof *w->cholf);
    w->icol = malloc((f32 ? T * d * d : 1) * sizeof *w->icol);
    w->muf = malloc((f32 ? k * d : 1) * sizeof *w->muf);
    w->iwork = malloc(T * n * sizeof *w->iwork);
    w->data_mean = malloc(d * sizeof *w->data_mean);
    w->data_chol = malloc(d * d * sizeof *w->data_chol);
    w->hist = malloc(((size_t)max_iter + 1) * sizeof *w->hist);
    w->centers = malloc(k * d * sizeof *w->centers);
    w->dist = malloc(n * sizeof *w->dist);
    w->xsq = malloc(n * sizeof *w->xsq);
    w->label = malloc(n * sizeof *w->label);
    w->count = malloc(k * sizeof *w->count);
    w->used = malloc(n * sizeof *w->used);
    if (!w->X || !w->resp || !w->ll || !w->logc || !w->nk || !w->floor || !w->state ||
        !w->zwork || !w->ywork || !w->swork || !w->sdwork || !w->cholf || !w->muf || !w->icol ||
        !w->iwork ||
        !w->data_mean || !w->data_chol ||
        !w->hist || !w->centers || !w->dist || !w->xsq || !w->label || !w->count || !w->used) {
        work_free(w);
        return LGC_ERR_NOMEM;
    }
    return LGC_OK;
}

/* Element off of a scratch buffer holding doubles, or floats if f32. */
static void *scratch(void *base, int f32, size_t off)
{
    return f32 ? (void *)((float *)base + off) : (void *)((double *)base + off);
}

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static double sqdist(const double *a, const double *b, size_t d)
{
    /* Four running sums, as in lgc_gmmi_sqnorm: a single chain of adds is latency-bound. */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t j = 0;
    for (; j + 4 <= d; j += 4) {
        double t0 = a[j] - b[j], t1 = a[j + 1] - b[j + 1];
        double t2 = a[j + 2] - b[j + 2], t3 = a[j + 3] - b[j + 3];
        s0 += t0 * t0, s1 += t1 * t1, s2 += t2 * t2, s3 += t3 * t3;
    }
    for (; j < d; j++) {
        double t = a[j] - b[j];
        s0 += t * t;
    }
    return (s0 + s1) + (s2 + s3);
}

/* ---- initialisation ---------------------------------------------------- */

/* k-means++ seeding: each new centre is the best, by resulting potential,
 * of 2 + floor(ln k) candidates drawn with probability proportional to the
 * squared distance to the nearest centre so far (scikit-learn's greedy
 * variant). Serial: the sums must not depend on the thread count. */
static void kmeans_pp(em_work *w, lgc_rng *r)
{
    size_t n = w->n, d = w->d, k = w->k;
    const double *X = w->X;
    double *dist = w->dist;
    size_t first = (size_t)lgc_rng_below(r, n);
    memcpy(w->centers, X + first * d, d * sizeof *X);
    for (size_t i = 0; i < n; i++)
        dist[i] = sqdist(X + i * d, X + first * d, d);
    int trials = 2 + (int)floor(log((double)k));
    for (size_t c = 1; c < k; c++) {
        double pot = 0.0;
        size_t last_pos = n - 1; // fallback when rounding leaves u beyond the running sum
        for (size_t i = 0; i < n; i++) {
            pot += dist[i];
            if (dist[i] > 0.0)
                last_pos = i;
        }
        size_t best = 0;
        double best_pot = INFINITY;
        for (int t = 0; t < trials; t++) {
            size_t cand;
            if (pot > 0.0) {
                double u = lgc_rng_uniform(r) * pot, acc = 0.0;
                cand = last_pos;
                for (size_t i = 0; i < n; i++) {
                    acc += dist[i];
                    if (u < acc) {
                        cand = i;
                        break;
                    }
                }
            } else {
                cand = (size_t)lgc_rng_below(r, n); // every point sits on a centre
            }
            double p = 0.0;
            for (size_t i = 0; i < n; i++) {
                double s = sqdist(X + i * d, X + cand * d, d);
                p += s < dist[i] ? s : dist[i];
            }
            if (p < best_pot)
                best_pot = p, best = cand;
        }
        memcpy(w->centers + c * d, X + best * d, d * sizeof *X);
        for (size_t i = 0; i < n; i++) {
            double s = sqdist(X + i * d, X + best * d, d);
            if (s < dist[i])
                dist[i] = s;
        }
    }
}

/* Nearest centre of every point (ties: the lower index); returns how many
 * labels changed. Distances as |x|^2 - 2 x.c + |c|^2 with one GEMM per
 * block, w->resp (n, k) serving as scratch for the dot products. */
static size_t kmeans_assign(em_work *w)
{
    size_t n = w->n, d = w->d, k = w->k, changed = 0;
    const size_t B = LGC_GMM_BLOCK, nblk = (n + B - 1) / B;
    double *csq = w->logc; // (k) squared norms of the centres
    for (size_t c = 0; c < k; c++)
        csq[c] = lgc_gmmi_sqnorm(w->centers + c * d, d);
#pragma omp parallel for schedule(static) num_threads(w->T) reduction(+ : changed)
    for (size_t b = 0; b < nblk; b++) {
        size_t i0 = b * B, nb = n - i0 < B ? n - i0 : B;
        double *D = w->resp + i0 * k;
        lgc_dgemm(0, 1, nb, k, d, 1.0, w->X + i0 * d, d, w->centers, d, 0.0, D, k);
        for (size_t i = i0; i < i0 + nb; i++) {
            size_t bc = 0;
            double bd = INFINITY;
            for (size_t c = 0; c < k; c++) {
                double s = w->xsq[i] - 2.0 * D[(i - i0) * k + c] + csq[c];
                if (s < bd)
                    bd = s, bc = c;
            }
            changed += w->label[i] != bc;
            w->label[i] = bc;
            w->dist[i] = bd > 0.0 ? bd : 0.0; // the expansion can round below 0
        }
    }
    return changed;
}

static void kmeans_lloyd(em_work *w)
{
    size_t n = w->n, d = w->d, k = w->k;
    for (size_t i = 0; i < n; i++)
        w->label[i] = SIZE_MAX;
    for (int it = 0;; it++) {
        if (kmeans_assign(w) == 0 || it == LLOYD_MAX_ITER)
            break;
        memset(w->centers, 0, k * d * sizeof *w->centers);
        memset(w->count, 0, k * sizeof *w->count);
        for (size_t i = 0; i < n; i++) {
            double *c = w->centers + w->label[i] * d;
            for (size_t j = 0; j < d; j++)
                c[j] += w->X[i * d + j];
            w->count[w->label[i]]++;
        }
        for (size_t c = 0; c < k; c++) {
            if (w->count[c] > 0) {
                for (size_t j = 0; j < d; j++)
                    w->centers[c * d + j] /= (double)w->count[c];
                continue;
            }
            /* Empty cluster: move its centre onto the point farthest from its own centre. */
            size_t far = 0;
            for (size_t i = 1; i < n; i++)
                if (w->dist[i] > w->dist[far])
                    far = i;
            memcpy(w->centers + c * d, w->X + far * d, d * sizeof *w->X);
            w->dist[far] = -1.0; // not again in this round
        }
    }
    /* With duplicate points two centres can coincide and one cluster stay
     * empty; give it the farthest point of a cluster that has more than one,
     * so that every component starts with at least one point (k <= n). */
    memset(w->count, 0, k * sizeof *w->count);
    for (size_t i = 0; i < n; i++)
        w->count[w->label[i]]++;
    for (size_t c = 0; c < k; c++) {
        if (w->count[c] > 0)
            continue;
        size_t far = SIZE_MAX;
        for (size_t i = 0; i < n; i++)
            if (w->count[w->label[i]] > 1 && (far == SIZE_MAX || w->dist[i] > w->dist[far]))
                far = i;
        w->count[w->label[far]]--;
        w->label[far] = c;
        w->count[c] = 1;
        w->dist[far] = 0.0;
    }
}

/* ---- EM ---------------------------------------------------------------- */

/* Scatter of the kept rows idx (m) about mu, weighted by column c of resp
 * (or 1 if resp is NULL), divided by nkept, into the lower triangle of S
 * (d, d). Y (m, d) is scratch. */
static void scatter_f64(const double *restrict X, size_t d, const double *restrict resp,
                        size_t stride, size_t c, const size_t *restrict idx, size_t m,
                        double nkept, const double *restrict mu, double *restrict Y,
                        double *restrict S)
{
    for (size_t t = 0; t < m; t++) {
        double s = resp ? sqrt(resp[idx[t] * stride + c]) : 1.0;
        const double *x = X + idx[t] * d;
        double *y = Y + t * d;
        for (size_t j = 0; j < d; j++)
            y[j] = s * (x[j] - mu[j]);
    }
    /* S = Y^T Y / N: the weighted, centred scatter, biased (/N) as in scikit-learn. */
    lgc_dgemm(1, 0, d, d, m, 1.0 / nkept, Y, d, Y, d, 0.0, S, d);
}

typedef float em_v8f __attribute__((vector_size(32)));
typedef float em_v4f __attribute__((vector_size(16)));
typedef double em_v4d __attribute__((vector_size(32)));

/* The same in float (LGC_GMM_F32), reading the caller's float points (half
 * the memory traffic; the same values). The rows are centred and scaled in
 * double, rounded to float, SBLK at a time into Y (SBLK, dp) with zeros in
 * columns d..dp; each 8 x 8 block of the lower triangle of Y^T Y is summed
 * in float over those rows (eight columns in one register, the eight rows'
 * entries broadcast) and then into S in double. Each entry is then off by
 * about sqrt(SBLK) 2^-24 of the variances, below the default reg_covar. */
LGC_WIDE static void scatter_f32(const float *restrict X, size_t d, const double *restrict resp,
                        size_t stride, size_t c, const size_t *restrict idx, size_t m,
                        double nkept, const double *restrict mu, float *restrict Y,
                        double *restrict S)
{
    size_t dp = lgc_gmmi_pad8(d);
    memset(S, 0, d * d * sizeof *S);
    for (size_t t0 = 0; t0 < m; t0 += SBLK) {
        size_t mb = m - t0 < SBLK ? m - t0 : SBLK;
        for (size_t t = 0; t < mb; t++) {
            size_t i = idx[t0 + t];
            double s = resp ? sqrt(resp[i * stride + c]) : 1.0;
            const float *x = X + i * d;
            float *y = Y + t * dp;
            size_t j = 0;
            for (; j < d; j++)
                y[j] = (float)(s * ((double)x[j] - mu[j]));
            for (; j < dp; j++)
                y[j] = 0.0f;
        }
        for (size_t a0 = 0; a0 < dp; a0 += 8)
            for (size_t b0 = 0; b0 <= a0; b0 += 8) {
                em_v8f c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
                em_v8f c4 = {0}, c5 = {0}, c6 = {0}, c7 = {0};
                for (size_t t = 0; t < mb; t++) {
                    const float *y = Y + t * dp;
                    em_v8f yb;
                    memcpy(&yb, y + b0, sizeof yb);
                    c0 += y[a0] * yb, c1 += y[a0 + 1] * yb;
                    c2 += y[a0 + 2] * yb, c3 += y[a0 + 3] * yb;
                    c4 += y[a0 + 4] * yb, c5 += y[a0 + 5] * yb;
                    c6 += y[a0 + 6] * yb, c7 += y[a0 + 7] * yb;
                }
                em_v8f cs[8] = {c0, c1, c2, c3, c4, c5, c6, c7};
                for (size_t u = 0; u < 8 && a0 + u < d; u++)
                    for (size_t v = 0; v < 8 && b0 + v <= a0 + u; v++)
                        S[(a0 + u) * d + b0 + v] += (double)cs[u][v];
            }
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++)
            S[i * d + j] /= nkept;
}

/* Mean and factor of one component from column c of resp (n, stride), or
 * from all points with weight 1 if resp is NULL. idx (n), Y (n, d) and S
 * (d, d) are scratch, in float if f32 (then Sd (d, d) too). Returns COMP_*. */
LGC_WIDE static int mstep_component(const double *restrict X, const float *restrict Xf, size_t n,
                           size_t d,
                           const double *restrict resp, size_t stride, size_t c, double reg,
                           double *restrict mu, double *restrict L, double *nk_out,
                           double *floor_out, size_t *restrict idx, int f32, void *Y, void *S,
                           double *Sd)
{
    double nk = 0.0, nkept = 0.0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double r = resp ? resp[i * stride + c] : 1.0;
        nk += r;
        if (r >= RESP_KEEP) {
            idx[m++] = i;
            nkept += r;
        }
    }
    *nk_out = nk;
    if (!(nk >= LGC_GMM_EMPTY) || m == 0)
        return COMP_EMPTY;
    memset(mu, 0, d * sizeof *mu);
    /* f32 reads the same values from the caller's floats (half the bytes) and
     * keeps 16 coordinates of the sum in registers over all rows (summed in mu
     * itself, each row waited for the store of the one before); each
     * coordinate is still summed in row order. */
    size_t j0 = 0;
    if (f32)
        for (; j0 + MEAN_COLS <= d; j0 += MEAN_COLS) {
            em_v4d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}; /* named: an array was spilled */
            for (size_t t = 0; t < m; t++) {
                double r = resp ? resp[idx[t] * stride + c] : 1.0;
                em_v4d rv = {r, r, r, r};
                const float *x = Xf + idx[t] * d + j0;
                em_v4f x0, x1, x2, x3;
                memcpy(&x0, x, sizeof x0), memcpy(&x1, x + 4, sizeof x1);
                memcpy(&x2, x + 8, sizeof x2), memcpy(&x3, x + 12, sizeof x3);
                a0 += rv * __builtin_convertvector(x0, em_v4d);
                a1 += rv * __builtin_convertvector(x1, em_v4d);
                a2 += rv * __builtin_convertvector(x2, em_v4d);
                a3 += rv * __builtin_convertvector(x3, em_v4d);
            }
            memcpy(mu + j0, &a0, sizeof a0), memcpy(mu + j0 + 4, &a1, sizeof a1);
            memcpy(mu + j0 + 8, &a2, sizeof a2), memcpy(mu + j0 + 12, &a3, sizeof a3);
        }
    for (size_t t = 0; j0 < d && t < m; t++) {
        double r = resp ? resp[idx[t] * stride + c] : 1.0;
        if (f32) {
            const float *x = Xf + idx[t] * d;
            for (size_t j = j0; j < d; j++)
                mu[j] += r * (double)x[j];
        } else {
            const double *x = X + idx[t] * d;
            for (size_t j = 0; j < d; j++)
                mu[j] += r * x[j];
        }
    }
    for (size_t j = 0; j < d; j++)
        mu[j] /= nkept;
    if (f32)
        scatter_f32(Xf, d, resp, stride, c, idx, m, nkept, mu, Y, Sd);
    else
        scatter_f64(X, d, resp, stride, c, idx, m, nkept, mu, Y, S), Sd = S;
    double trace = 0.0;
    for (size_t j = 0; j < d; j++)
        trace += Sd[j * d + j];
    double fl = reg;
    for (int attempt = 0;; attempt++) {
        memcpy(L, Sd, d * d * sizeof *L);
        for (size_t j = 0; j < d; j++)
            L[j * d + j] += fl;
        if (lgc_dpotrf_lower(L, d, d) == LGC_OK) {
            *floor_out = fl;
            return COMP_OK;
        }
        if (attempt == FLOOR_RETRIES)
            return COMP_SINGULAR;
        double base = trace > 0.0 ? 1e-10 * trace / (double)d : 1e-10;
        fl = 10.0 * fl > base ? 10.0 * fl : base;
    }
}

/* Log densities and responsibilities of all points; returns the mean log-likelihood. */
static double em_estep(const lgc_gmm *g, em_work *w)
{
    size_t n = w->n, d = w->d, k = w->k;
    const size_t B = LGC_GMM_BLOCK, nblk = (n + B - 1) / B;
    lgc_gmmi_logconst(g, w->logc);
    if (w->f32) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->T)
        for (size_t c = 0; c < k; c++)
            lgc_gmmi_to_f32(g, c, w->cholf, w->muf, w->icol + (size_t)thread_id() * d * d);
    }
#pragma omp parallel for schedule(static) num_threads(w->T)
    for (size_t b = 0; b < nblk; b++) {
        size_t i0 = b * B, nb = n - i0 < B ? n - i0 : B, t = (size_t)thread_id();
        if (w->f32)
            lgc_gmmi_block_logp_f32(g, w->logc, w->cholf, w->muf, w->Xf + i0 * d, nb,
                                    w->resp + i0 * k, (float *)w->zwork + t * B * d);
        else
            lgc_gmmi_block_logp(g, w->logc, w->X + i0 * d, nb, w->resp + i0 * k,
                                (double *)w->zwork + t * B * d);
        lgc_gmmi_logsumexp_rows(w->resp + i0 * k, nb, k, w->ll + i0, 1);
    }
    double s = 0.0; // in point order: the same bits for any thread count
    for (size_t i = 0; i < n; i++)
        s += w->ll[i];
    return s / (double)n;
}

/* New parameters from w->resp. badness (n) ranks the points for re-seeding
 * empty components (the lowest first); NULL when no component can be empty. */
static lgc_status em_mstep(lgc_gmm *g, em_work *w, double reg, const double *badness,
                           int *n_reseeded, lgc_err *err)
{
    size_t n = w->n, d = w->d, k = w->k;
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->T)
    for (size_t c = 0; c < k; c++) {
        size_t t = (size_t)thread_id();
        w->state[c] = mstep_component(w->X, w->Xf, n, d, w->resp, k, c, reg, g->means + c * d,
                                      g->chol + c * d * d, &w->nk[c], &w->floor[c],
                                      w->iwork + t * n, w->f32,
                                      scratch(w->ywork, w->f32, t * w->yper),
                                      scratch(w->swork, w->f32, t * d * d),
                                      w->sdwork + (w->f32 ? t * d * d : 0));
    }
    for (size_t c = 0; c < k; c++)
        if (w->state[c] == COMP_SINGULAR)
            return lgc_err_set(err, LGC_ERR_NUMERIC,
                               "component %zu: covariance is not positive definite even with a "
                               "diagonal floor raised %d times from %g",
                               c, FLOOR_RETRIES, reg);
    memset(w->used, 0, n);
    for (size_t c = 0; c < k; c++) {
        if (w->state[c] != COMP_EMPTY)
            continue;
        if (!badness)
            return lgc_err_set(err, LGC_ERR_INTERNAL,
                               "component %zu is empty right after k-means initialisation", c);
        size_t worst = SIZE_MAX;
        for (size_t i = 0; i < n; i++)
            if (!w->used[i] && (worst == SIZE_MAX || badness[i] < badness[worst]))
                worst = i;
        w->used[worst] = 1; // k <= n, so a free point always exists
        memcpy(g->means + c * d, w->X + worst * d, d * sizeof *w->X);
        memcpy(g->chol + c * d * d, w->data_chol, d * d * sizeof *w->data_chol);
        w->nk[c] = 1.0;
        w->floor[c] = w->data_floor;
        (*n_reseeded)++;
    }
    double total = 0.0;
    for (size_t c = 0; c < k; c++)
        total += w->nk[c];
    for (size_t c = 0; c < k; c++)
        g->weights[c] = w->nk[c] / total;
    return LGC_OK;
}

typedef struct {
    double ll;
    int n_iter, converged, n_reseeded, abandoned;
    double floor_max;
    size_t hist_len;
} run_result;

/* EM from the parameters in g until tol or max_iter; g ends as the mixture
 * the last E-step scored and w->resp holds its responsibilities. it0 and
 * prev continue a run that stopped after E-step it0 with prev the mean
 * log-likelihood of E-step it0 - 1 (0 and anything for a fresh run). */
static lgc_status em_iterate(lgc_gmm *g, em_work *w, const lgc_gmm_opts *o, run_result *res,
                             int it0, double prev, lgc_err *err)
{
    int reseeded_last = 0;
    for (int it = it0;; it++) {
        for (size_t c = 0; c < w->k; c++)
            if (w->floor[c] > res->floor_max)
                res->floor_max = w->floor[c];
        double ll = em_estep(g, w);
        if (!isfinite(ll))
            return lgc_err_set(err, LGC_ERR_NUMERIC,
                               "mean log-likelihood is %g after %d EM iterations", ll, it);
        w->hist[res->hist_len++] = ll;
        res->ll = ll;
        res->n_iter = it;
        if (it > 0 && !reseeded_last && fabs(ll - prev) < o->tol) {
            res->converged = 1;
            return LGC_OK;
        }
        if (w->abandon_after > 0 && it >= w->abandon_after && ll < w->abandon_ll) {
            res->abandoned = 1;
            return LGC_OK;
        }
        if (it == o->max_iter)
            return LGC_OK;
        int before = res->n_reseeded;
        lgc_status st = em_mstep(g, w, o->reg_covar, w->ll, &res->n_reseeded, err);
        if (st != LGC_OK)
            return st;
        reseeded_last = res->n_reseeded != before;
        prev = ll;
    }
}

/* One restart of lgc_gmm_fit: k-means from rng stream LGC_GMM_STREAM + restart,
 * the M-step of its hard assignment, then EM. */
static lgc_status em_run(lgc_gmm *g, em_work *w, const lgc_gmm_opts *o, uint64_t restart,
                         run_result *res, lgc_err *err)
{
    memset(res, 0, sizeof *res);
    lgc_rng r;
    lgc_rng_init(&r, o->seed, LGC_GMM_STREAM + restart);
    kmeans_pp(w, &r);
    kmeans_lloyd(w);
    for (size_t i = 0; i < w->n; i++)
        for (size_t c = 0; c < w->k; c++)
            w->resp[i * w->k + c] = w->label[i] == c ? 1.0 : 0.0;
    lgc_status st = em_mstep(g, w, o->reg_covar, NULL, &res->n_reseeded, err);
    if (st != LGC_OK)
        return st;
    res->floor_max = o->reg_covar;
    return em_iterate(g, w, o, res, 0, 0.0, err);
}

lgc_status lgc_gmmi_check_opts(const lgc_gmm_opts *o, lgc_err *err)
{
    if (!o)
        return lgc_err_set(err, LGC_ERR_ARG, "gmm options must not be NULL");
    if (o->n_init < 1)
        return lgc_err_set(err, LGC_ERR_ARG, "n_init is %d, must be at least 1", o->n_init);
    if (o->max_iter < 0)
        return lgc_err_set(err, LGC_ERR_ARG, "max_iter is %d, must not be negative", o->max_iter);
    if (!(o->tol >= 0.0) || !isfinite(o->tol))
        return lgc_err_set(err, LGC_ERR_ARG, "tol is %g, must be finite and >= 0", o->tol);
    if (!(o->reg_covar >= 0.0) || !isfinite(o->reg_covar))
        return lgc_err_set(err, LGC_ERR_ARG, "reg_covar is %g, must be finite and >= 0",
                           o->reg_covar);
    if (!(o->refine_margin >= 0.0) || !isfinite(o->refine_margin))
        return lgc_err_set(err, LGC_ERR_ARG, "refine_margin is %g, must be finite and >= 0",
                           o->refine_margin);
    if (o->refine_margin > 0.0 && (!(o->refine_tol >= 0.0) || !isfinite(o->refine_tol) ||
                                   o->refine_max_iter < o->max_iter))
        return lgc_err_set(err, LGC_ERR_ARG,
                           "refinement needs a finite refine_tol >= 0 and refine_max_iter >= "
                           "max_iter (%g, %d)", o->refine_tol, o->refine_max_iter);
    if (!(o->abandon_margin >= 0.0) || !isfinite(o->abandon_margin) ||
        (o->abandon_margin > 0.0 && o->abandon_after < 1))
        return lgc_err_set(err, LGC_ERR_ARG, "abandonment needs a finite abandon_margin >= 0 "
                           "and abandon_after >= 1 (%g, %d)", o->abandon_margin,
                           o->abandon_after);
    if (o->precision != LGC_GMM_F64 && o->precision != LGC_GMM_F32)
        return lgc_err_set(err, LGC_ERR_ARG, "unknown precision %d", (int)o->precision);
    if (o->select != LGC_KSEL_ARGMIN && o->select != LGC_KSEL_GREEDY)
        return lgc_err_set(err, LGC_ERR_ARG, "unknown k selection rule %d", (int)o->select);
    return LGC_OK;
}

lgc_status lgc_gmmi_check_data(const float *X, size_t n, size_t d, lgc_err *err)
{
    if (n == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "no points to fit a mixture to");
    if (d == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "points have dimension 0");
    if (!X)
        return lgc_err_set(err, LGC_ERR_ARG, "points must not be NULL");
    /* BLAS takes int sizes: a component's scatter multiplies up to n rows at once. */
    if (n > INT_MAX || d > INT_MAX || lgc_mul_overflows(n, d))
        return lgc_err_set(err, LGC_ERR_LIMIT, "%zu points of dimension %zu are too many", n, d);
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(X[i]))
            return lgc_err_set(err, LGC_ERR_VALUE, "point %zu coordinate %zu is %g, not finite",
                               i / d, i % d, (double)X[i]);
    return LGC_OK;
}

/* Checks and work space shared by lgc_gmm_fit and lgc_gmm_em. */
static lgc_status em_prepare(em_work *w, const float *X, size_t n, size_t d, size_t k,
                             const lgc_gmm_opts *o, lgc_err *err)
{
    lgc_status st;
    if ((st = lgc_gmmi_check_opts(o, err)) != LGC_OK)
        return st;
    if ((st = lgc_gmmi_check_data(X, n, d, err)) != LGC_OK)
        return st;
    if (k == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "a mixture needs at least 1 component");
    if (k > n)
        return lgc_err_set(err, LGC_ERR_ARG, "%zu components need at least %zu points, got %zu",
                           k, k, n);
    if ((st = work_init(w, n, d, k, o->max_iter, o->precision == LGC_GMM_F32)) != LGC_OK)
        return lgc_err_set(err, st, "cannot allocate EM work space for %zu points, %zu "
                           "components, dimension %zu", n, k, d);
    for (size_t i = 0; i < n * d; i++)
        w->X[i] = (double)X[i];
    w->Xf = X;
    for (size_t i = 0; i < n; i++)
        w->xsq[i] = lgc_gmmi_sqnorm(w->X + i * d, d);
    /* The whole data's covariance, kept for re-seeding empty components. */
    double nall;
    if (mstep_component(w->X, w->Xf, n, d, NULL, 1, 0, o->reg_covar, w->data_mean, w->data_chol, &nall,
                        &w->data_floor, w->iwork, w->f32, w->ywork, w->swork,
                        w->sdwork) != COMP_OK)
        return lgc_err_set(err, LGC_ERR_NUMERIC,
                           "covariance of the %zu points is not positive definite even with a "
                           "raised floor", n);
    return LGC_OK;
}

static void fill_info(lgc_gmm_info *info, const run_result *res, const double *hist)
{
    if (!info)
        return;
    info->mean_loglik = res->ll;
    info->n_iter = res->n_iter;
    info->converged = res->converged;
    info->n_reseeded = res->n_reseeded;
    info->abandoned = res->abandoned;
    info->reg_covar_max = res->floor_max;
    info->history_len = 0;
    if (info->history) {
        size_t m = res->hist_len < info->history_cap ? res->hist_len : info->history_cap;
        memcpy(info->history, hist, m * sizeof *hist);
        info->history_len = m;
    }
}

lgc_status lgc_gmm_fit(lgc_gmm *g, const float *X, size_t n, size_t d, size_t k,
                       const lgc_gmm_opts *o, lgc_gmm_info *info, lgc_err *err)
{
    return lgc_gmmi_fit_floor(g, X, n, d, k, o, -INFINITY, 0, info, err);
}

lgc_status lgc_gmmi_fit_floor(lgc_gmm *g, const float *X, size_t n, size_t d, size_t k,
                              const lgc_gmm_opts *o, double ll_floor, int after,
                              lgc_gmm_info *info, lgc_err *err)
{
    lgc_gmm cur = {0}, best = {0};
    em_work w = {0};
    run_result res, best_res = {0};
    double *best_hist = NULL; // (max_iter + 1) history of the best restart so far
    lgc_status st;
    if (!g)
        return lgc_err_set(err, LGC_ERR_ARG, "fit: output mixture must not be NULL");
    memset(g, 0, sizeof *g);
    if ((st = em_prepare(&w, X, n, d, k, o, err)) != LGC_OK)
        goto fail;
    w.abandon_ll = ll_floor, w.abandon_after = after;
    best_hist = malloc(((size_t)o->max_iter + 1) * sizeof *best_hist);
    if (!best_hist || (st = lgc_gmm_init(&cur, k, d)) != LGC_OK ||
        (st = lgc_gmm_init(&best, k, d)) != LGC_OK) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "fit: out of memory for a %zu-component mixture", k);
        goto fail;
    }
    for (int r = 0; r < o->n_init; r++) {
        if ((st = em_run(&cur, &w, o, (uint64_t)r, &res, err)) != LGC_OK)
            goto fail;
        if (r == 0 || res.ll > best_res.ll) {
            lgc_gmm t = best;
            best = cur, cur = t;
            best_res = res;
            memcpy(best_hist, w.hist, res.hist_len * sizeof *w.hist);
        }
    }
    fill_info(info, &best_res, best_hist);
    *g = best;
    memset(&best, 0, sizeof best);

fail:
    free(best_hist);
    lgc_gmm_free(&cur);
    lgc_gmm_free(&best);
    work_free(&w);
    return st;
}

lgc_status lgc_gmm_em(lgc_gmm *g, const float *X, size_t n, const lgc_gmm_opts *o,
                      lgc_gmm_info *info, lgc_err *err)
{
    lgc_gmm cur = {0};
    em_work w = {0};
    run_result res = {0};
    lgc_status st;
    if ((st = lgc_gmm_validate(g, err)) != LGC_OK)
        return st;
    if ((st = em_prepare(&w, X, n, g->d, g->k, o, err)) != LGC_OK)
        goto fail;
    if ((st = lgc_gmm_init(&cur, g->k, g->d)) != LGC_OK) {
        st = lgc_err_set(err, st, "em: out of memory for a %zu-component mixture", g->k);
        goto fail;
    }
    memcpy(cur.weights, g->weights, g->k * sizeof *g->weights);
    memcpy(cur.means, g->means, g->k * g->d * sizeof *g->means);
    memcpy(cur.chol, g->chol, g->k * g->d * g->d * sizeof *g->chol);
    for (size_t c = 0; c < g->k; c++)
        w.floor[c] = 0.0;
    res.floor_max = o->reg_covar;
    if ((st = em_iterate(&cur, &w, o, &res, 0, 0.0, err)) != LGC_OK)
        goto fail;
    fill_info(info, &res, w.hist);
    lgc_gmm t = *g;
    *g = cur, cur = t; // the old parameters are freed below

fail:
    lgc_gmm_free(&cur);
    work_free(&w);
    return st;
}

lgc_status lgc_gmmi_continue(lgc_gmm *g, const float *X, size_t n, const lgc_gmm_opts *o,
                             int it0, double prev, lgc_gmm_info *info, lgc_err *err)
{
    em_work w = {0};
    run_result res = {0};
    lgc_status st;
    if ((st = em_prepare(&w, X, n, g->d, g->k, o, err)) != LGC_OK)
        goto fail;
    for (size_t c = 0; c < g->k; c++)
        w.floor[c] = 0.0;
    res.floor_max = o->reg_covar;
    /* g and w.resp are updated in place: a failure leaves g a valid mixture
     * that the caller discards. */
    if ((st = em_iterate(g, &w, o, &res, it0, prev, err)) != LGC_OK)
        goto fail;
    fill_info(info, &res, w.hist);

fail:
    work_free(&w);
    return st;
}
