/*
 * gmm.h - Gaussian mixtures with full covariances: EM fitting, choice of the
 * number of components by BIC, log density and sampling.
 *
 * lgc stores, for every class of a dataset, a mixture fitted to that class's
 * latent codes; decompression draws codes from it and decodes them. This
 * module knows nothing of classes, networks or files: it turns an (n, d)
 * float matrix into a mixture and back into samples.
 *
 * Representation. A mixture of k components in d dimensions is three arrays:
 * weights (k), means (k, d) and the lower Cholesky factor L of every
 * covariance (k, d, d), Sigma = L L^T. Keeping L rather than Sigma makes the
 * three uses direct: sampling is mu + L eps; the log density needs the
 * whitened point L^{-1} (x - mu) (one triangular solve) and log det Sigma =
 * 2 sum_j log L_jj; and "positive definite" is just "L_jj > 0".
 *
 * Fitting (lgc_gmm_fit) follows scikit-learn's GaussianMixture with
 * covariance_type='full', init_params='kmeans', all arithmetic in double
 * (LGC_GMM_F64; LGC_GMM_F32 runs the two big products in float, below):
 *   - init: k-means++ seeding (2 + floor(ln k) candidates per centre, the one
 *     that lowers the potential most is kept), then Lloyd iterations until no
 *     point changes cluster (at most 100); empty clusters are refilled with
 *     the farthest points. The hard assignment gives the first M-step.
 *   - E-step, in blocks of LGC_GMM_BLOCK points: per component, the block is
 *     centred and whitened at once with one triangular solve (BLAS-3), the
 *     squared row norms are the Mahalanobis distances; responsibilities by
 *     log-sum-exp over components.
 *   - M-step, per component: N_k = sum of responsibilities, weighted mean,
 *     then the rows scaled by sqrt(resp) and centred are multiplied as
 *     Y^T Y (one GEMM), divided by N_k, reg_covar added to the diagonal, and
 *     factored. Rows whose responsibility is below 1e-16 are left out of
 *     the mean and the scatter (together they weigh less than n * 1e-16
 *     points; with k = 10 on well-clustered data they are about 3 rows in
 *     4), but every row counts in N_k.
 *   - stop when the mean log-likelihood per point changes by less than tol
 *     between two E-steps, or after max_iter M-steps. The returned mixture is
 *     the one the last E-step scored, so mean_loglik is exactly its mean
 *     log-likelihood (scikit-learn does one more M-step after its check).
 *   - n_init restarts, restart r drawing from rng stream LGC_GMM_STREAM + r
 *     of the seed; the highest final mean log-likelihood wins (ties: the
 *     earlier restart).
 *
 * Degenerate data. Non-finite input is refused (LGC_ERR_VALUE), n == 0 or
 * k > n is refused (LGC_ERR_ARG). Fewer points than dimensions, duplicate
 * points and constant or all-zero dimensions are fine: reg_covar keeps every
 * covariance positive definite. If a factorisation still fails, that
 * component's floor is raised tenfold (starting from at least 1e-10 times
 * its mean variance) up to 10 times, then the fit fails with
 * LGC_ERR_NUMERIC. A component whose responsibilities sum to less than
 * LGC_GMM_EMPTY points is re-seeded, not dropped (so the fit always returns
 * exactly k components): its mean becomes the point with the lowest
 * likelihood under the current mixture (a different point for each such
 * component), its covariance that of the whole data set (plus reg_covar),
 * its weight one point's worth. That iteration may lower the likelihood, so
 * the convergence test is skipped right after a re-seed.
 *
 * Threads and determinism. In one fit the E-step runs OpenMP over point
 * blocks, the M-step over components; BLAS is called inside those loops,
 * where OpenMP's default (no nested parallelism) makes BLIS single-threaded,
 * so threads are never nested. lgc_gmm_select with ARGMIN instead runs the
 * fits for different k in parallel, each serial inside: one barrier per
 * sweep rather than two per EM iteration, which matters on a machine shared
 * with other jobs. A caller's own parallel loop (over classes, say) makes
 * everything inside serial the same way. Blocks have a fixed size and every
 * sum is reduced in a fixed order, so for a given seed the result is the
 * same bits whatever the thread count (lgc_threads_set) or schedule.
 *
 * Choosing k (lgc_gmm_select) fits k = 1..k_max and scores each fit with
 * scikit-learn's BIC. LGC_KSEL_ARGMIN takes the lowest BIC over all k (the
 * paper's text); LGC_KSEL_GREEDY stops at the first k whose BIC is not lower
 * than that of k - 1 and keeps k - 1 (the authors' code).
 *
 * Refinement (ARGMIN). tol = 1e-3 per point, scikit-learn's default, stops
 * many fits on a plateau: on the 64-d MNIST codes some fits still lower
 * their BIC by more than n after it (one sat near 63 iterations, then
 * climbed until 229), so the k that wins under tol need not be the one a
 * full run picks. Running every k to convergence costs about 2.5 times the
 * sweep. With refine_margin > 0, the sweep runs under tol, then only the
 * fits whose BIC is within refine_margin * n of the lowest go on, from
 * where they stopped, to refine_tol: each ends exactly where a fit run to
 * refine_tol from the start ends, and k is chosen again. bench/README.md
 * has the measurements behind lgc compress's choice (margin 1, 1e-5).
 *
 * Precision. LGC_GMM_F32 does the E-step's whitening and the M-step's
 * scatter product in float and keeps every sum over points, the
 * factorisation and the log-likelihood in double. Its E-step multiplies the
 * points, centred in float, by each component's inverse factor (inverted in
 * double, then rounded) in one fused pass that also sums the squares,
 * instead of the triangular solve: the same multiply-adds, no BLAS packing
 * and no separate centring and norm passes. The mean log-likelihood then
 * moves by about 1e-6 per point from one iteration to the next on rounding
 * alone, so a tol below ~1e-5 is not meaningful with it.
 */
#ifndef LGC_GMM_H
#define LGC_GMM_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/progress.h"
#include "lgc/rng.h"
#include "lgc/status.h"

#define LGC_GMM_BLOCK 1024           /* points per E-step block; (1024, 64) doubles fit in L2 */
#define LGC_GMM_EMPTY 1e-8           /* a component with less responsibility mass is re-seeded */
#define LGC_GMM_STREAM 0x474d4d00ULL /* "GMM\0": rng stream of restart 0 */

typedef struct {
    size_t k, d;
    double *weights; // (k), sum 1
    double *means;   // (k, d)
    double *chol;    // (k, d, d) lower factor L of each covariance, row-major, strict upper = 0
} lgc_gmm;

typedef enum { LGC_KSEL_ARGMIN = 0, LGC_KSEL_GREEDY = 1 } lgc_ksel;

/* Arithmetic of the two products of each EM iteration. F64: all in double,
 * as scikit-learn. F32: the E-step's triangular solve and the M-step's
 * scatter product run in float (about 1.5x faster per iteration here);
 * points are centred, and every sum over points, the factorisation and the
 * log-likelihood stay in double. */
typedef enum { LGC_GMM_F64 = 0, LGC_GMM_F32 = 1 } lgc_gmm_prec;

typedef struct {
    size_t k_max;     // lgc_gmm_select tries k = 1..k_max
    lgc_ksel select;
    int n_init;       // restarts, >= 1
    int max_iter;     // M-steps per restart, >= 0
    double tol;       // on the change of mean log-likelihood per point
    double reg_covar; // added to every covariance diagonal, >= 0
    uint64_t seed;
    lgc_gmm_prec precision;
    /* ARGMIN only. After every k has been fitted under tol, the fits whose
     * BIC lies within refine_margin * n of the lowest are run on to
     * refine_tol or refine_max_iter M-steps in all, exactly as if they had
     * been fitted that way from the start, and k is chosen on their new BICs
     * (the others keep theirs). 0 turns it off. See gmm.h's header for why. */
    double refine_margin;
    double refine_tol;
    int refine_max_iter;
    /* ARGMIN sweeps only. Abandonment: each set's k are fitted in order, k
     * after k - 1, and a fit whose BIC after abandon_after M-steps still lies
     * more than abandon_margin * n above the lowest BIC of the set's smaller
     * k stops there; its BIC is NaN (it is no candidate, nor refined). The
     * choice is as deterministic as without it (the smaller k are done when
     * the rule looks at them). 0 turns it off. */
    double abandon_margin;
    int abandon_after;
    /* May be NULL. The sweep (lgc_gmm_select, lgc_gmm_select_many) reads it
     * before every fit it starts; once non-zero (set from another thread,
     * e.g. by lgc/api.h's caller), no fit starts and the sweep returns
     * LGC_ERR_CANCELLED when the running ones end. */
    const int *cancel;
} lgc_gmm_opts;

/* What a fit did. history and history_cap are inputs (history may be NULL);
 * the rest is output and describes the restart that was kept. */
typedef struct {
    double mean_loglik;   // mean log-likelihood per point of the returned mixture
    int n_iter;           // M-steps after the initial one
    int converged;        // 1 if the change fell below tol before max_iter
    int n_reseeded;       // empty components re-seeded
    int abandoned;        // 1 if the sweep's abandonment rule stopped it (see abandon_margin)
    double reg_covar_max; // largest diagonal floor used (> reg_covar if a factorisation failed)
    double *history;      // (history_cap): mean log-likelihood after each E-step, in order
    size_t history_cap;   // max_iter + 1 entries suffice
    size_t history_len;   // entries written
} lgc_gmm_info;

/* k_max 10, argmin, n_init 3, max_iter 200, tol 1e-3, reg_covar 1e-6, seed 0, F64,
 * no refinement (refine_margin 0, refine_tol 1e-6, refine_max_iter 2000), no
 * abandonment (abandon_margin 0, abandon_after 10). */
void lgc_gmm_opts_default(lgc_gmm_opts *o);

/* One Gaussian per set of points (or k components), under differential privacy. The
 * sets are disjoint (a record is in one: its class), so each of these
 * releases is one Gaussian mechanism over all sets, with noise of standard
 * deviation z times its L2 sensitivity:
 *   1. a histogram of the norms |x| of all points on fixed bins (sensitivity
 *      1), whose noisy mean_quantile is the means' clip R (skipped when
 *      mean_clip > 0 gives R);
 *   2. each set's count (1);
 *   3. each set's sum of points clipped to norm R (R): the noisy means mu;
 *   4. a histogram of |x - mu(set)| (1), whose noisy spread_quantile is the
 *      spread's clip rs;
 *   5. each set's scatter about mu, points clipped to rs, lower triangle (rs^2).
 * With k > 1, then iters noisy Lloyd iterations per set, each two releases:
 *   6. the count of points nearest each centre (1: a point is near one);
 *   7. the sum of their offsets x - mu clipped to rs (rs): the new centres.
 *   The centres start as k draws from the set's noisy Gaussian; a centre
 *   whose last noisy count is at most 20 z is dropped; the components share
 *   one covariance, the set's minus the weighted scatter of the centres.
 * Means and covariances (projected to eigenvalues >= 1e-3 rs^2 / d) are made
 * from the noisy numbers only. The clips follow the codes' own scale, which a
 * fixed clip cannot: an autoencoder's codes may lie far from the origin and
 * close together, and a clip about the origin that holds them all spends its
 * noise on the distance, not the spread. */
typedef struct {
    double z;               /* noise multiplier of every release, > 0 */
    double mean_clip;       /* > 0: R; 0: from release 1 */
    double mean_quantile;   /* in (0, 1) [0.99] */
    double spread_quantile; /* in (0, 1) [0.98] */
    size_t k;               /* components per set, 1..LGC_GMM_DP_KMAX [1] */
    size_t iters;           /* Lloyd iterations when k > 1 [5] */
} lgc_gmm_dp_opts;
#define LGC_GMM_DP_KMAX 64

/* z 1, mean_clip 0, quantiles 0.99 and 0.98, k 1, iters 5. */
void lgc_gmm_dp_opts_default(lgc_gmm_dp_opts *o);
/* The Gaussian mechanisms lgc_gmm_dp_fit releases with o (5, or 4 with a
 * fixed mean_clip, plus 2 iters with k > 1), each of multiplier o->z: its privacy cost
 * (lgc_dp_ledger_add_gaussian). */
size_t lgc_gmm_dp_releases(const lgc_gmm_dp_opts *o);
/* X (off[m], d): set s is rows off[s] .. off[s + 1] - 1. Fills g (m) with up
 * to k components each, noisy_n (m) with the noisy counts (for priors), and
 * the clips used. Draws from r. On failure g is left zeroed. */
lgc_status lgc_gmm_dp_fit(const float *X, const size_t *off, size_t m, size_t d,
                          const lgc_gmm_dp_opts *o, lgc_rng *r, lgc_gmm *g, double *noisy_n,
                          double *mean_clip, double *spread_clip, lgc_err *err);

/* Allocate a k-component, d-dimensional mixture, all zero. */
lgc_status lgc_gmm_init(lgc_gmm *g, size_t k, size_t d);
/* Release and zero g. NULL and a zeroed g are no-ops. */
void lgc_gmm_free(lgc_gmm *g);

/* Fit k components to X (n, d) float (latent codes come from a float
 * network). g is overwritten: pass a zeroed or freed lgc_gmm; on success it
 * owns new memory, on failure it is left zeroed. info may be NULL. */
lgc_status lgc_gmm_fit(lgc_gmm *g, const float *X, size_t n, size_t d, size_t k,
                       const lgc_gmm_opts *o, lgc_gmm_info *info, lgc_err *err);

/* EM from the parameters already in g (a warm start: no k-means, no
 * restarts), on X (n, g->d), until o->tol or o->max_iter. On success g holds
 * the result; on failure it is unchanged. */
lgc_status lgc_gmm_em(lgc_gmm *g, const float *X, size_t n, const lgc_gmm_opts *o,
                      lgc_gmm_info *info, lgc_err *err);

/* Fit k = 1..o->k_max and keep the one chosen by o->select (see above) in
 * best (overwritten like lgc_gmm_fit's g). bic_out (k_max), if not NULL,
 * receives the BIC curve: NaN where k was not evaluated (greedy stop), is
 * infeasible (k > n) or could not be fitted (LGC_ERR_NUMERIC). k_chosen
 * may be NULL. */
lgc_status lgc_gmm_select(lgc_gmm *best, double *bic_out, size_t *k_chosen, const float *X,
                          size_t n, size_t d, const lgc_gmm_opts *o, lgc_err *err);

/* lgc_gmm_select (ARGMIN only) for n_sets independent point sets at once:
 * set s is X[s] (n[s], d) with seed seeds[s]; it gets best[s], k_chosen[s]
 * and, if bic_out is not NULL, the curve bic_out + s * k_max. All (set, k)
 * fits and refinements share the threads, largest k first over all sets, so
 * no thread idles at the end of each set; results are those of
 * lgc_gmm_select on each set alone. progress, if not NULL, is called once per
 * set as its k is chosen (stage "mixtures", item the set, value its k,
 * seconds since the sweep began), from whichever thread finished it, one call
 * at a time. On failure every best[s] is left zeroed. */
lgc_status lgc_gmm_select_many(size_t n_sets, const float *const *X, const size_t *n, size_t d,
                               const uint64_t *seeds, const lgc_gmm_opts *o, lgc_gmm *best,
                               double *bic_out, size_t *k_chosen,
                               lgc_progress_fn progress, void *ctx, lgc_err *err);

/* The k (1-based) that rule picks from a BIC curve bic (k_max), NaN meaning
 * "not available": ARGMIN, the lowest (ties: the smaller k); GREEDY, walking
 * up from k = 1 and stopping before the first k whose BIC is NaN or not
 * lower than its predecessor's. 0 if bic[0] (greedy) or every entry
 * (argmin) is NaN. lgc_gmm_select applies the same rules as it goes. */
size_t lgc_gmm_ksel_choose(const double *bic, size_t k_max, lgc_ksel rule);

/* scikit-learn's BIC: -2 n mean_loglik + p ln n with p = k d + k d (d + 1) / 2
 * + k - 1 free parameters. NaN if n == 0. */
double lgc_gmm_bic(const lgc_gmm *g, double mean_loglik, size_t n);

/* Per-point log density of X (n, g->d): loglik (n). Refuses a mixture that
 * lgc_gmm_validate refuses and non-finite points. */
lgc_status lgc_gmm_score(const lgc_gmm *g, const float *X, size_t n, double *loglik,
                         lgc_err *err);
/* Naive twin of lgc_gmm_score, point by point (test oracle); no checks. */
void lgc_gmm_score_ref(const lgc_gmm *g, const float *X, size_t n, double *loglik);

/* Draw n points into out (n, g->d): per point, one uniform picks the
 * component by weight, then d normals eps give mean + L eps. */
lgc_status lgc_gmm_sample(const lgc_gmm *g, lgc_rng *r, size_t n, float *out, lgc_err *err);

/* Check that everything is finite, weights are >= 0 and sum to 1 within
 * 1e-3 (weights may have been stored as float16), every factor is lower
 * triangular with a positive diagonal. LGC_ERR_VALUE names the component and
 * the problem. */
lgc_status lgc_gmm_validate(const lgc_gmm *g, lgc_err *err);

/* Assign each row of Z (n, g->d) to its most responsible component (largest
 * weight times density; ties to the lower index): comp (n), and d2 (n), its
 * squared Mahalanobis distance to that component. */
lgc_status lgc_gmm_assign(const lgc_gmm *g, const float *Z, size_t n, uint32_t *comp,
                          double *d2, lgc_err *err);

#endif
