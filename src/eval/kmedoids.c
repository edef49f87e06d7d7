/* kmedoids.c - k-medoids++ and the assignment/update alternation on a distance matrix. */
#include "lgc/kmedoids.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/tensor.h"

lgc_status lgc_pdist_f32(float *D, const float *X, size_t n, size_t d, lgc_err *err)
{
    /* Distances do not change under a shift, but the float error of
     * |a|^2 + |b|^2 - 2 a.b grows with the norms: centre the rows first. */
    float *Xc = malloc((n * d + 1) * sizeof *Xc);       /* (n, d) rows minus their mean */
    double *nrm = malloc((n ? n : 1) * sizeof *nrm);      /* (n) squared norms of Xc's rows */
    double *mean = calloc(d ? d : 1, sizeof *mean);       /* (d) */
    if (!Xc || !nrm || !mean) {
        free(Xc), free(nrm), free(mean);
        return lgc_err_set(err, LGC_ERR_NOMEM, "distances: out of memory for %zu points", n);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            mean[j] += X[i * d + j];
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            Xc[i * d + j] = (float)((double)X[i * d + j] - mean[j]);
            s += (double)Xc[i * d + j] * Xc[i * d + j];
        }
        nrm[i] = s;
    }
    lgc_sgemm(0, 1, n, n, d, -2.0f, Xc, d, Xc, d, 0.0f, D, n); /* D = -2 Xc Xc^T */
    /* Only the upper triangle is read; row i writes its part of the upper
     * triangle and the mirror image in column i, which no one reads. */
#pragma omp parallel for schedule(dynamic, 16) if (n > 256)
    for (size_t i = 0; i < n; i++) {
        D[i * n + i] = 0.0f;
        for (size_t j = i + 1; j < n; j++) {
            double q = nrm[i] + nrm[j] + (double)D[i * n + j];
            float v = q > 0.0 ? (float)sqrt(q) : 0.0f;
            D[i * n + j] = v;
            D[j * n + i] = v;
        }
    }
    free(Xc), free(nrm), free(mean);
    return LGC_OK;
}

void lgc_pdist_f32_ref(float *D, const float *X, size_t n, size_t d)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t t = 0; t < d; t++) {
                double e = (double)X[i * d + t] - X[j * d + t];
                s += e * e;
            }
            D[i * n + j] = (float)sqrt(s);
        }
}

/* k-medoids++: medoids[0..k) drawn as described in kmedoids.h; near (n) is scratch. */
static void init_pp(const float *D, size_t n, size_t k, lgc_rng *r, uint32_t *medoids,
                    int32_t *medoid_of, double *near)
{
    size_t m0 = (size_t)lgc_rng_below(r, n);
    medoids[0] = (uint32_t)m0;
    medoid_of[m0] = 0;
    for (size_t i = 0; i < n; i++)
        near[i] = D[m0 * n + i];
    for (size_t c = 1; c < k; c++) {
        double total = 0.0;
        for (size_t i = 0; i < n; i++)
            total += near[i] * near[i];
        size_t pick = n;
        if (total > 0.0) {
            double u = lgc_rng_uniform(r) * total, acc = 0.0;
            for (size_t i = 0; i < n; i++) {
                if (near[i] <= 0.0)
                    continue;
                acc += near[i] * near[i];
                pick = i; /* the last one with weight, should rounding leave acc <= u */
                if (acc > u)
                    break;
            }
        } else { /* every point sits on a medoid: draw among the points that are not one */
            size_t t = (size_t)lgc_rng_below(r, n - c);
            for (size_t i = 0; i < n; i++)
                if (medoid_of[i] < 0 && t-- == 0) {
                    pick = i;
                    break;
                }
        }
        medoids[c] = (uint32_t)pick;
        medoid_of[pick] = (int32_t)c;
        const float *row = D + pick * n;
        for (size_t i = 0; i < n; i++)
            near[i] = row[i] < near[i] ? row[i] : near[i];
        near[pick] = 0.0;
    }
}

/* Every point to its nearest medoid (ties: the lower cluster index; a medoid to its own). */
static void assign_all(const float *D, size_t n, size_t k, const uint32_t *medoids,
                       const int32_t *medoid_of, uint32_t *as)
{
#pragma omp parallel for schedule(static) if (n * k > 65536)
    for (size_t i = 0; i < n; i++) {
        if (medoid_of[i] >= 0) {
            as[i] = (uint32_t)medoid_of[i];
            continue;
        }
        const float *row = D + i * n; /* D is symmetric: row i holds i's distance to every medoid */
        size_t best = 0;
        float bd = row[medoids[0]];
        for (size_t c = 1; c < k; c++)
            if (row[medoids[c]] < bd)
                bd = row[medoids[c]], best = c;
        as[i] = (uint32_t)best;
    }
}

lgc_status lgc_kmedoids(const float *D, size_t n, size_t k, lgc_rng *r, size_t max_iter,
                        uint32_t *medoids, uint32_t *assign, uint32_t *sizes,
                        lgc_kmedoids_info *info, lgc_err *err)
{
    if (k == 0 || k > n || n > UINT32_MAX)
        return lgc_err_set(err, LGC_ERR_ARG, "k-medoids: %zu clusters of %zu points", k, n);
    double *near = malloc(n * sizeof *near);          /* (n) init scratch */
    int32_t *medoid_of = malloc(n * sizeof *medoid_of); /* (n) cluster a medoid leads, or -1 */
    uint32_t *as = malloc(n * sizeof *as);             /* (n) cluster of every point */
    uint32_t *members = malloc(n * sizeof *members);   /* (n) points grouped by cluster */
    size_t *start = malloc((k + 1) * sizeof *start);   /* (k+1) c: members[start[c]..start[c+1]) */
    uint8_t *changed = malloc(k);                      /* (k) */
    if (!near || !medoid_of || !as || !members || !start || !changed) {
        free(near), free(medoid_of), free(as), free(members), free(start), free(changed);
        return lgc_err_set(err, LGC_ERR_NOMEM, "k-medoids: out of memory for %zu points", n);
    }
    for (size_t i = 0; i < n; i++)
        medoid_of[i] = -1;
    init_pp(D, n, k, r, medoids, medoid_of, near);

    size_t iter = 0;
    int converged = 0;
    while (iter < max_iter && !converged) {
        assign_all(D, n, k, medoids, medoid_of, as);
        /* counting sort: members of each cluster in ascending point order */
        memset(start, 0, (k + 1) * sizeof *start);
        for (size_t i = 0; i < n; i++)
            start[as[i] + 1]++;
        for (size_t c = 0; c < k; c++)
            start[c + 1] += start[c];
        for (size_t i = 0; i < n; i++)
            members[start[as[i]]++] = (uint32_t)i;
        for (size_t c = k; c > 0; c--)
            start[c] = start[c - 1];
        start[0] = 0;
        /* one cluster per task: their costs (members squared) differ widely */
#pragma omp parallel for schedule(dynamic, 1) if (n > 256)
        for (size_t c = 0; c < k; c++) {
            const uint32_t *mem = members + start[c];
            size_t m = start[c + 1] - start[c], cur = medoids[c], best = cur;
            double best_s = 0.0;
            for (size_t b = 0; b < m; b++)
                best_s += D[cur * n + mem[b]];
            for (size_t a = 0; a < m; a++) {
                if (mem[a] == cur)
                    continue;
                const float *row = D + (size_t)mem[a] * n;
                double s = 0.0;
                for (size_t b = 0; b < m && s < best_s; b++) /* stop once it cannot win */
                    s += row[mem[b]];
                if (s < best_s)
                    best_s = s, best = mem[a];
            }
            changed[c] = best != cur;
            medoids[c] = (uint32_t)best;
        }
        converged = 1;
        for (size_t c = 0; c < k; c++)
            if (changed[c])
                converged = 0;
        for (size_t i = 0; i < n; i++)
            medoid_of[i] = -1;
        for (size_t c = 0; c < k; c++)
            medoid_of[medoids[c]] = (int32_t)c;
        iter++;
    }
    if (!converged) /* the cap stopped it after an update: assign to the final medoids */
        assign_all(D, n, k, medoids, medoid_of, as);
    double cost = 0.0;
    if (sizes)
        memset(sizes, 0, k * sizeof *sizes);
    for (size_t i = 0; i < n; i++) {
        cost += D[i * n + medoids[as[i]]];
        if (sizes)
            sizes[as[i]]++;
        if (assign)
            assign[i] = as[i];
    }
    if (info) {
        info->n_iter = iter;
        info->converged = converged;
        info->cost = cost;
    }
    free(near), free(medoid_of), free(as), free(members), free(start), free(changed);
    return LGC_OK;
}
