/* knn.c - exact nearest neighbours: float GEMM shortlists, exact arithmetic decides. */
#include "lgc/knn.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/tensor.h"

/* Sum of squared differences of two uint8 rows: exact (784 * 255^2 < 2^26). */
static uint64_t ssd_u8(const uint8_t *a, const uint8_t *b, size_t dim)
{
    uint64_t s = 0;
    for (size_t k = 0; k < dim; k++) {
        int d = (int)a[k] - (int)b[k];
        s += (uint64_t)(d * d);
    }
    return s;
}

static double ssd_f32(const float *a, const float *b, size_t dim)
{
    double s = 0.0;
    for (size_t k = 0; k < dim; k++) {
        double d = (double)a[k] - (double)b[k];
        s += d * d;
    }
    return s;
}

/* Bound on the float error of ||a||^2 + ||b||^2 - 2 a.b as computed here
 * (norms in double, a.b in float with any summation order): twice the
 * classic gamma_dim |a||b| bound, with a factor 2 to spare. */
static double shortlist_tol(size_t dim, double qn, double rn_max)
{
    return 2.0 * (double)dim * (double)FLT_EPSILON * (qn + rn_max) + 1e-12;
}

lgc_status lgc_nn_u8(const uint8_t *Q, size_t nq, const uint8_t *R, size_t nr, size_t dim,
                     double *dist, uint32_t *idx, lgc_err *err)
{
    if (nr == 0 || dim == 0 || nr > UINT32_MAX)
        return lgc_err_set(err, LGC_ERR_ARG, "nearest neighbours: %zu references of %zu values",
                           nr, dim);
    size_t B = LGC_KNN_BLOCK;
    float *Rf = malloc(nr * dim * sizeof *Rf);   /* (nr, dim) x/255 */
    float *Qf = malloc(B * dim * sizeof *Qf);    /* (B, dim) */
    float *G = malloc(B * nr * sizeof *G);       /* (B, nr) Q R^T */
    double *rn = malloc(nr * sizeof *rn);        /* (nr) squared norms, exact */
    lgc_status st = LGC_OK;
    if (!Rf || !Qf || !G || !rn) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "nearest neighbours: out of memory for %zu x %zu",
                         nq, nr);
        goto fail;
    }
    const double inv = 1.0 / (255.0 * 255.0);
    double rn_max = 0.0;
    for (size_t j = 0; j < nr; j++) {
        uint64_t s = 0;
        for (size_t k = 0; k < dim; k++) {
            Rf[j * dim + k] = (float)R[j * dim + k] * (1.0f / 255.0f);
            s += (uint64_t)R[j * dim + k] * R[j * dim + k];
        }
        rn[j] = (double)s * inv;
        rn_max = rn[j] > rn_max ? rn[j] : rn_max;
    }
    for (size_t q0 = 0; q0 < nq; q0 += B) {
        size_t b = nq - q0 < B ? nq - q0 : B;
        for (size_t i = 0; i < b * dim; i++)
            Qf[i] = (float)Q[q0 * dim + i] * (1.0f / 255.0f);
        lgc_sgemm(0, 1, b, nr, dim, 1.0f, Qf, dim, Rf, dim, 0.0f, G, nr);
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < b; i++) {
            const uint8_t *q = Q + (q0 + i) * dim;
            const float *g = G + i * nr;
            uint64_t qs = 0;
            for (size_t k = 0; k < dim; k++)
                qs += (uint64_t)q[k] * q[k];
            double qn = (double)qs * inv, best = INFINITY;
            /* ||q||^2 is the same for every j: rank by ||r||^2 - 2 q.r */
            for (size_t j = 0; j < nr; j++) {
                double v = rn[j] - 2.0 * (double)g[j];
                best = v < best ? v : best;
            }
            double lim = best + shortlist_tol(dim, qn, rn_max);
            uint64_t bs = UINT64_MAX;
            size_t bj = 0;
            for (size_t j = 0; j < nr; j++) {
                if (rn[j] - 2.0 * (double)g[j] > lim)
                    continue;
                uint64_t s = ssd_u8(q, R + j * dim, dim);
                if (s < bs)
                    bs = s, bj = j;
            }
            dist[q0 + i] = sqrt((double)bs) / 255.0;
            if (idx)
                idx[q0 + i] = (uint32_t)bj;
        }
    }
fail:
    free(Rf), free(Qf), free(G), free(rn);
    return st;
}

void lgc_nn_u8_ref(const uint8_t *Q, size_t nq, const uint8_t *R, size_t nr, size_t dim,
                   double *dist, uint32_t *idx)
{
    for (size_t i = 0; i < nq; i++) {
        uint64_t bs = UINT64_MAX;
        size_t bj = 0;
        for (size_t j = 0; j < nr; j++) {
            uint64_t s = ssd_u8(Q + i * dim, R + j * dim, dim);
            if (s < bs)
                bs = s, bj = j;
        }
        dist[i] = sqrt((double)bs) / 255.0;
        if (idx)
            idx[i] = (uint32_t)bj;
    }
}

typedef struct {
    double d2;
    uint32_t j;
} cand;

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->d2 != y->d2)
        return x->d2 < y->d2 ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

lgc_status lgc_knn_f32(const float *X, size_t n, size_t d, size_t k, uint32_t *idx, double *d2,
                       lgc_err *err)
{
    if (k < 1 || k >= n || d == 0 || n > UINT32_MAX)
        return lgc_err_set(err, LGC_ERR_ARG, "k nearest neighbours: k = %zu of %zu points", k, n);
    size_t B = LGC_KNN_BLOCK;
    float *G = malloc(B * n * sizeof *G); /* (B, n) X_block X^T */
    double *rn = malloc(n * sizeof *rn);  /* (n) squared norms */
    double *top = malloc(k * sizeof *top); /* (k) smallest shortlist values, ascending */
    cand *cs = malloc(n * sizeof *cs);    /* (n) the shortlist of one row */
    lgc_status st = LGC_OK;
    if (!G || !rn || !top || !cs) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "k nearest neighbours: out of memory (%zu points)", n);
        goto fail;
    }
    double rn_max = 0.0;
    for (size_t j = 0; j < n; j++) {
        double s = 0.0;
        for (size_t t = 0; t < d; t++)
            s += (double)X[j * d + t] * (double)X[j * d + t];
        if (!isfinite(s)) {
            st = lgc_err_set(err, LGC_ERR_VALUE, "k nearest neighbours: row %zu is not finite", j);
            goto fail;
        }
        rn[j] = s;
        rn_max = s > rn_max ? s : rn_max;
    }
    for (size_t i0 = 0; i0 < n; i0 += B) {
        size_t b = n - i0 < B ? n - i0 : B;
        lgc_sgemm(0, 1, b, n, d, 1.0f, X + i0 * d, d, X, d, 0.0f, G, n);
        for (size_t ii = 0; ii < b; ii++) {
            size_t i = i0 + ii;
            const float *g = G + ii * n;
            /* the k smallest values of ||x_j||^2 - 2 x_i.x_j over j != i, by insertion */
            size_t nt = 0;
            for (size_t j = 0; j < n; j++) {
                if (j == i)
                    continue;
                double v = rn[j] - 2.0 * (double)g[j];
                if (nt == k && v >= top[k - 1])
                    continue;
                size_t p = nt < k ? nt++ : k - 1;
                while (p > 0 && top[p - 1] > v) {
                    top[p] = top[p - 1];
                    p--;
                }
                top[p] = v;
            }
            double lim = top[k - 1] + shortlist_tol(d, rn[i], rn_max);
            size_t nc = 0;
            for (size_t j = 0; j < n; j++)
                if (j != i && rn[j] - 2.0 * (double)g[j] <= lim)
                    cs[nc++] = (cand){ssd_f32(X + i * d, X + j * d, d), (uint32_t)j};
            qsort(cs, nc, sizeof *cs, cand_cmp);
            for (size_t t = 0; t < k; t++)
                idx[i * k + t] = cs[t].j, d2[i * k + t] = cs[t].d2;
        }
    }
fail:
    free(G), free(rn), free(top), free(cs);
    return st;
}

void lgc_knn_f32_ref(const float *X, size_t n, size_t d, size_t k, uint32_t *idx, double *d2)
{
    cand *cs = malloc(n * sizeof *cs);
    if (!cs)
        return;
    for (size_t i = 0; i < n; i++) {
        size_t nc = 0;
        for (size_t j = 0; j < n; j++)
            if (j != i)
                cs[nc++] = (cand){ssd_f32(X + i * d, X + j * d, d), (uint32_t)j};
        qsort(cs, nc, sizeof *cs, cand_cmp);
        for (size_t t = 0; t < k; t++)
            idx[i * k + t] = cs[t].j, d2[i * k + t] = cs[t].d2;
    }
    free(cs);
}
