/* internal.h - kernels shared by the files of src/gmm; not public API. */
#ifndef LGC_GMM_INTERNAL_H
#define LGC_GMM_INTERNAL_H

#include <stddef.h>

#include "core/ckd.h"
#include "lgc/gmm.h"

#define LGC_GMM_LOG_2PI 1.8378770664093454836

/* Threads an OpenMP loop of this module may use (1 without OpenMP). */
int lgc_gmmi_threads(void);
/* Free parameters of a k-component, d-dimensional full-covariance mixture (BIC's count). */
double lgc_gmmi_nparams(size_t k, size_t d);

/* logc (k): log w_c - d/2 log 2 pi - sum_j log L_jj, the part of each
 * component's log density that does not depend on the point. */
void lgc_gmmi_logconst(const lgc_gmm *g, double *logc);

/* lp (nb, k) = logc_c - |L_c^{-1} (x_i - mu_c)|^2 / 2 for the rows of Xb
 * (nb, d), one centring copy and one triangular solve per component.
 * Z (nb, d) is scratch. */
void lgc_gmmi_block_logp(const lgc_gmm *g, const double *logc, const double *Xb, size_t nb,
                         double *lp, double *Z);

/* d rounded up to a multiple of 8 (the float E-step's row groups). */
size_t lgc_gmmi_pad8(size_t d);

/* Component c of Pt (k, dp, dp), dp = lgc_gmmi_pad8(d): its inverse factor
 * L^-1, computed in double, rounded to float and stored transposed
 * (Pt[j dp + r] = (L^-1)[r][j]; zero above the diagonal and in the padding);
 * and of muf (k, d): its mean rounded to float. inv (d, d) is double scratch. */
void lgc_gmmi_to_f32(const lgc_gmm *g, size_t c, float *Pt, float *muf, double *inv);

/* lgc_gmmi_block_logp in float (LGC_GMM_F32), for float points Xb (nb, d)
 * and Pt, muf from lgc_gmmi_to_f32: the points are exact in float (they are
 * float codes), so centring loses only the rounding of the mean. Instead of
 * a triangular solve per component, one fused pass multiplies eight centred
 * points by the inverse factor, eight rows at a time, and sums the squares
 * (in float over at most d / 8 terms per lane, then in double): the same
 * d^2/2 multiply-adds per point, without the solve's packing and the
 * separate centring and norm passes. Z (8 lgc_gmmi_pad8(d)) is scratch. */
void lgc_gmmi_block_logp_f32(const lgc_gmm *g, const double *logc, const float *Pt,
                             const float *muf, const float *Xb, size_t nb, double *lp, float *Z);

/* Sum of squares of x (d), in a fixed order. */
double lgc_gmmi_sqnorm(const double *x, size_t d);

/* Log-sum-exp of each row of lp (nb, k) into ll (nb). If resp is not 0 the
 * row is overwritten with the responsibilities exp(lp - ll). A row whose
 * entries are all -inf gets ll = -inf (responsibilities 1/k). */
void lgc_gmmi_logsumexp_rows(double *lp, size_t nb, size_t k, double *ll, int resp);

/* Argument checks shared by lgc_gmm_fit and lgc_gmm_select. check_data
 * refuses n == 0, d == 0, sizes BLAS cannot take and non-finite points. */
lgc_status lgc_gmmi_check_opts(const lgc_gmm_opts *o, lgc_err *err);
lgc_status lgc_gmmi_check_data(const float *X, size_t n, size_t d, lgc_err *err);

/* Continue EM on g (fitted to X (n, g->d) by lgc_gmm_fit, which stopped after
 * E-step it0 having seen mean log-likelihood prev at E-step it0 - 1) under
 * o's tol and max_iter: the run goes on exactly as if lgc_gmm_fit had been
 * called with o from the start. g is updated in place. */
/* lgc_gmm_fit whose EM stops (info->abandoned) once `after` M-steps (0:
 * never) leave the mean log-likelihood below ll_floor. */
lgc_status lgc_gmmi_fit_floor(lgc_gmm *g, const float *X, size_t n, size_t d, size_t k,
                              const lgc_gmm_opts *o, double ll_floor, int after,
                              lgc_gmm_info *info, lgc_err *err);
lgc_status lgc_gmmi_continue(lgc_gmm *g, const float *X, size_t n, const lgc_gmm_opts *o,
                             int it0, double prev, lgc_gmm_info *info, lgc_err *err);

/* 1 if a * b overflows size_t. */

#endif
