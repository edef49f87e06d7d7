/*
 * knn.h - exact nearest neighbours by brute force through GEMM.
 *
 * Squared distances come from ||a||^2 + ||b||^2 - 2 a.b, with a.b for a block
 * of query rows against every reference row in one SGEMM (tensor.h). Float
 * GEMM loses digits exactly where it matters (near-identical rows: a copy
 * must come out at distance 0), so the GEMM only shortlists: every reference
 * whose float distance lies within a bound of float rounding error of the
 * row's best (or k-th best) is measured again exactly (integers for uint8
 * images, double for float rows), and the answer comes from those exact
 * values. Ties go to the lower reference index. The result does not depend
 * on the thread count.
 *
 * Memory: the references as float (nr, dim) plus one block of
 * LGC_KNN_BLOCK x nr floats.
 */
#ifndef LGC_KNN_H
#define LGC_KNN_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/status.h"

#define LGC_KNN_BLOCK 256 /* query rows per GEMM */

/* For each of the nq images of Q (nq, dim) uint8, the nearest of the nr
 * images of R (nr, dim): dist (nq) receives the L2 distance of pixels x/255,
 * idx (nq) its index in R (idx may be NULL). nr >= 1. */
lgc_status lgc_nn_u8(const uint8_t *Q, size_t nq, const uint8_t *R, size_t nr, size_t dim,
                     double *dist, uint32_t *idx, lgc_err *err);

/* The k nearest other rows of every row of X (n, d) float, nearest first:
 * idx (n, k) and squared distances d2 (n, k), in double. 1 <= k < n. */
lgc_status lgc_knn_f32(const float *X, size_t n, size_t d, size_t k, uint32_t *idx, double *d2,
                       lgc_err *err);

/* Naive twins (test oracles): every pair measured exactly. */
void lgc_nn_u8_ref(const uint8_t *Q, size_t nq, const uint8_t *R, size_t nr, size_t dim,
                   double *dist, uint32_t *idx);
void lgc_knn_f32_ref(const float *X, size_t n, size_t d, size_t k, uint32_t *idx, double *d2);

#endif
