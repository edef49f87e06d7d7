/*
 * tsne.h - t-SNE maps of latent codes (van der Maaten and Hinton 2008;
 * Barnes-Hut: van der Maaten 2014), written for lgc's report.
 *
 * Input similarities: for every point, its K nearest neighbours (exact,
 * knn.h; K = min(n - 1, floor(3 * perplexity)), or every other point when
 * theta is 0) get conditional probabilities exp(-beta_i d^2) / sum, with
 * beta_i found by bisection so that the row's perplexity is the one asked
 * for; then P = (P_cond + P_cond^T) / (2n), a sparse symmetric matrix summing to 1.
 *
 * Map: 2-D points Y, first drawn from N(0, 1e-4^2) with lgc_rng (seed),
 * moved by gradient descent on KL(P || Q) with Student-t similarities
 * q_ij ~ 1 / (1 + |y_i - y_j|^2), as scikit-learn's TSNE: early
 * exaggeration (P times 12) with momentum 0.5 for the first 250 steps, then
 * momentum 0.8; per-coordinate gains (+0.2 when the gradient changes sign,
 * times 0.8 otherwise, at least 0.01); learning rate max(n / 12 / 4, 50).
 * The repulsive half of the gradient is either exact, O(n^2) per step
 * (theta = 0, for small n), or Barnes-Hut, O(n log n): a quadtree of the
 * map, a cell of width w at distance r from the point standing for all its
 * points at their centre of mass when w / r < theta.
 *
 * Deterministic: the same seed and input give the same map whatever the
 * thread count (the optimisation runs on one thread; only the kNN search's
 * GEMM uses more, and its result does not depend on them).
 */
#ifndef LGC_TSNE_H
#define LGC_TSNE_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/status.h"

typedef struct {
    double perplexity;        /* 30 */
    size_t n_iter;            /* 1000 */
    double theta;             /* 0.5; 0 = exact */
    double learning_rate;     /* 0 = max(n / exaggeration / 4, 50) */
    double exaggeration;      /* 12 */
    size_t exaggeration_iter; /* 250 */
    uint64_t seed;            /* 42 */
} lgc_tsne_opts;

void lgc_tsne_opts_default(lgc_tsne_opts *o);

/* Map X (n, d) float to Y (n, 2) double. 1 <= perplexity, 3 <= n and
 * perplexity < n - 1 (a row cannot be more uncertain than uniform over the
 * others). kl, if not NULL, receives KL(P || Q) of the final map (Q as the
 * last step saw it: Barnes-Hut's normaliser when theta > 0). */
lgc_status lgc_tsne(const float *X, size_t n, size_t d, const lgc_tsne_opts *o, double *Y,
                    double *kl, lgc_err *err);

/* The gradient of KL(P || Q) at Y (n, 2) for a symmetric P given as CSR:
 * row_ptr (n + 1), col and val (row_ptr[n]) without diagonal entries;
 * grad (n, 2). Exact when theta is 0, Barnes-Hut otherwise. *z receives the
 * normaliser sum_{i != j} 1 / (1 + |y_i - y_j|^2) (or its approximation).
 * Exposed for tests. */
lgc_status lgc_tsne_gradient(const size_t *row_ptr, const uint32_t *col, const double *val,
                             size_t n, const double *Y, double theta, double *grad, double *z,
                             lgc_err *err);

/* How well a map keeps classes apart: for each point of Y (n, 2), the share
 * of its k nearest other points (1 <= k < n) with its label, averaged over
 * the points. NaN if out of memory or k is out of range. */
double lgc_map_knn_agreement(const double *Y, const uint8_t *labels, size_t n, size_t k);

#endif
