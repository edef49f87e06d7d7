/*
 * kmedoids.h - k-medoids clustering on a distance matrix (CRUST's coresets,
 * docs/PROTOCOL.md §5).
 *
 * Points are given by their pairwise distances D (n, n), symmetric with a
 * zero diagonal; lgc_pdist_f32 computes them for the rows of a float matrix
 * (Euclidean, through one SGEMM). The clustering is the classic alternation
 * (Voronoi iteration):
 *
 *  1. k-medoids++ initialisation: the first medoid uniformly at random, each
 *     next one with probability proportional to the squared distance of a
 *     point to its nearest medoid so far (as k-means++; points at distance 0
 *     are never drawn unless nothing else is left).
 *  2. Assignment: every point joins its nearest medoid (ties: the medoid
 *     drawn first); a medoid always belongs to its own cluster.
 *  3. Update: each cluster's medoid becomes the member with the least summed
 *     distance to the other members (ties: the current medoid stays, else the
 *     lowest index).
 *  4. Repeat 2-3 until no medoid changes, or max_iter alternations.
 *
 * The summed distance to the medoids falls strictly at every alternation that
 * changes a medoid, so the loop ends; max_iter is a safety net. The result is
 * a local optimum, not necessarily the global one. Same D, same rng state:
 * same result, whatever the thread count.
 *
 * Memory: D is n*n floats (a class of 6,742 MNIST digits: 182 MB).
 */
#ifndef LGC_KMEDOIDS_H
#define LGC_KMEDOIDS_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/rng.h"
#include "lgc/status.h"

/* D (n, n) = Euclidean distances between the rows of X (n, d): the rows are
 * centred (less cancellation), then squared norms in double plus -2 X X^T
 * from one SGEMM, clamped at 0, square-rooted, the upper triangle mirrored so
 * that D is exactly symmetric, diagonal 0. The squared distances are off by
 * at most about d * FLT_EPSILON * (|a|^2 + |b|^2) (centred norms), so
 * distances near 0 come out as up to the square root of that. Fails only for
 * want of memory (a copy of X). */
lgc_status lgc_pdist_f32(float *D, const float *X, size_t n, size_t d, lgc_err *err);
/* Naive twin: every pair summed in double. */
void lgc_pdist_f32_ref(float *D, const float *X, size_t n, size_t d);

typedef struct {
    size_t n_iter;  /* alternations run */
    int converged;  /* 1: the last alternation changed nothing; 0: max_iter stopped it */
    double cost;    /* sum over points of the distance to their medoid */
} lgc_kmedoids_info;

/* Cluster n points into k (1 <= k <= n) by the alternation above. medoids (k)
 * receives point indices in the order drawn, assign (n) the cluster of every
 * point (may be NULL), sizes (k) each cluster's number of members (may be
 * NULL), info (may be NULL) how it went. r supplies the initialisation. */
lgc_status lgc_kmedoids(const float *D, size_t n, size_t k, lgc_rng *r, size_t max_iter,
                        uint32_t *medoids, uint32_t *assign, uint32_t *sizes,
                        lgc_kmedoids_info *info, lgc_err *err);

#endif
