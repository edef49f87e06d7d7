/*
 * dp.h - differential-privacy accounting (docs/PRIVACY.md).
 *
 * Rényi differential privacy (RDP): a mechanism is (alpha, r)-RDP when the
 * Rényi divergence of order alpha between its output distributions on any
 * two neighbouring data sets (one record added or removed) is at most r.
 * RDP composes by addition, order by order, so an accountant keeps one sum
 * per order and converts to (epsilon, delta)-DP only at the end, taking the
 * best order.
 *
 * Mechanisms:
 *   - the Poisson-subsampled Gaussian (one DP-SGD step): every record joins
 *     the batch independently with probability q, the per-record gradients
 *     are clipped to L2 norm C and summed, and Gaussian noise of standard
 *     deviation sigma * C is added (sigma: the noise multiplier). Its RDP is
 *     computed exactly as in Mironov, Talwar, Zhang 2019, "Rényi Differential
 *     Privacy of the Sampled Gaussian Mechanism" (arXiv:1908.10530), §3.3;
 *   - the plain Gaussian mechanism of L2 sensitivity s and noise standard
 *     deviation std: RDP alpha s^2 / (2 std^2) at every order (Mironov 2017).
 *
 * (epsilon, delta): the conversion of Balle et al. 2020 (arXiv:1905.09982,
 * Theorem 21; Canonne, Kamath, Steinke 2020, arXiv:2004.00010, Proposition
 * 12), minimised over the orders, as TF Privacy / dp_accounting and Opacus
 * compute it:
 *   epsilon = r + log((alpha - 1) / alpha) - (log delta + log alpha) / (alpha - 1).
 *
 * No state outside the caller's structs; nothing here allocates.
 */
#ifndef LGC_DP_H
#define LGC_DP_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/status.h"

/* The default orders, Opacus's RDPAccountant.DEFAULT_ALPHAS (and TF
 * Privacy's tutorials): 1.1, 1.2, ..., 10.9 (1 + x / 10 for x = 1..99), then
 * 12, 13, ..., 63. */
#define LGC_DP_N_DEFAULT_ORDERS 151
/* Orders a ledger can hold. */
#define LGC_DP_MAX_ORDERS 256

/* Fill orders[0 .. LGC_DP_N_DEFAULT_ORDERS) with the default orders. */
void lgc_dp_default_orders(double *orders);

/* RDP at order alpha of ONE step of the Poisson-subsampled Gaussian mechanism
 * with sampling rate q in [0, 1] and noise multiplier sigma. q = 0 or
 * sigma = +inf gives 0, q = 1 gives alpha / (2 sigma^2), sigma = 0 gives +inf
 * (no noise), as does alpha = +inf. Integer alpha: the binomial expansion,
 * alpha + 1 terms (O(alpha) time). Fractional alpha: the two series of the
 * paper's §3.3, summed until their terms fall below e^-30 of the total
 * (usually tens of terms, thousands for orders near 1 with a large q; at most
 * 100000, then +inf, which leaves that order out of any minimum). Both sum
 * values near A_alpha in log space, so the absolute error of the result is
 * about 1e-13 / (alpha - 1). NaN when q is outside [0, 1], sigma < 0 or
 * alpha <= 1 (or any is NaN). T steps compose to T times this. */
double lgc_dp_rdp_sgm(double q, double sigma, double alpha);

/* (epsilon, delta) from rdp[i] at orders[i], i < n: the smallest epsilon over
 * the orders (the conversion above; clamped at 0), and the order reaching it
 * in *best_order (may be NULL). An order with rdp +inf gives +inf; epsilon is
 * +inf when every order does. An order whose rdp is so small that
 * delta >= sqrt(1 - exp(-rdp)) gives 0 (the bound through the KL divergence,
 * which no order's RDP is below); otherwise orders up to 1.01 give +inf, as
 * in dp_accounting, since the formula is unstable there. LGC_ERR_ARG for
 * n = 0, delta outside (0, 1), an order below 1 or NaN, an rdp negative or
 * NaN. */
lgc_status lgc_dp_epsilon(const double *rdp, const double *orders, size_t n, double delta,
                          double *eps, double *best_order, lgc_err *err);

/* epsilon of DP-SGD: steps steps of the subsampled Gaussian (q, sigma),
 * composed, over the default orders. *order (may be NULL) gets the best
 * order. LGC_ERR_ARG for q outside [0, 1], sigma not positive and finite,
 * delta outside (0, 1). */
lgc_status lgc_dp_sgd_epsilon(double q, double sigma, uint64_t steps, double delta, double *eps,
                              double *order, lgc_err *err);

/* The smallest noise multiplier (to a relative 1e-9) for which steps steps of
 * the subsampled Gaussian with rate q stay within eps_target at delta, by
 * bisection on lgc_dp_sgd_epsilon, which only falls as sigma grows. The
 * returned sigma always satisfies the target. LGC_ERR_ARG for q outside
 * (0, 1], steps = 0, eps_target not positive and finite, delta outside
 * (0, 1), or a target that needs sigma above 1e6. */
lgc_status lgc_dp_sgd_sigma(double q, uint64_t steps, double eps_target, double delta,
                            double *sigma, lgc_err *err);

/* An accountant for a composition of different mechanisms: the RDP spent so
 * far at each of n orders. Plain data; copy it to branch a plan. */
typedef struct {
    size_t n;                         /* orders in use, 1 .. LGC_DP_MAX_ORDERS */
    double orders[LGC_DP_MAX_ORDERS]; /* each > 1 */
    double rdp[LGC_DP_MAX_ORDERS];    /* RDP spent at orders[i] */
} lgc_dp_ledger;

/* Empty ledger over orders[0 .. n), or the default orders when orders is
 * NULL (n ignored). LGC_ERR_ARG for n = 0 or above LGC_DP_MAX_ORDERS, or an
 * order not above 1 (infinite orders are allowed). */
lgc_status lgc_dp_ledger_init(lgc_dp_ledger *l, const double *orders, size_t n, lgc_err *err);
/* Spend steps steps of the Poisson-subsampled Gaussian (q, sigma): DP-SGD.
 * LGC_ERR_ARG for q outside [0, 1] or sigma not positive and finite. */
lgc_status lgc_dp_ledger_add_sgm(lgc_dp_ledger *l, double q, double sigma, uint64_t steps,
                                 lgc_err *err);
/* Spend count releases of the Gaussian mechanism: a statistic of L2
 * sensitivity `sensitivity` plus N(0, std^2) noise per coordinate (noisy sums
 * of a mixture's sufficient statistics, say). LGC_ERR_ARG for a sensitivity
 * negative or not finite, or std not positive and finite. */
lgc_status lgc_dp_ledger_add_gaussian(lgc_dp_ledger *l, double sensitivity, double std,
                                      uint64_t count, lgc_err *err);
/* (epsilon, delta) of everything spent so far: lgc_dp_epsilon over the ledger. */
lgc_status lgc_dp_ledger_epsilon(const lgc_dp_ledger *l, double delta, double *eps,
                                 double *best_order, lgc_err *err);

#endif
