/* dp.c - RDP of the subsampled Gaussian mechanism, composition, and the
 * conversion to (epsilon, delta) (lgc/dp.h, docs/PRIVACY.md). */
#include "lgc/dp.h"

#include <math.h>

/* log(exp(a) + exp(b)) without overflow; -inf stands for 0. */
static double log_add(double a, double b)
{
    double lo = a < b ? a : b, hi = a < b ? b : a;
    if (lo == -INFINITY)
        return hi;
    return hi + log1p(exp(lo - hi));
}

/* log(erfc(x)), accurate where erfc underflows (x above about 26.5): there
 * the asymptotic series log erfc(x) = -x^2 - log x - log(pi)/2
 * + log(1 - 1/(2x^2) + 3/(4x^4) - ...) expanded to x^-8 (its next term is
 * below 1e-11 at x = 20). */
static double log_erfc(double x)
{
    if (x < 20.0)
        return log(erfc(x));
    double u = 1.0 / (x * x);
    return -x * x - log(x) - 0.57236494292470008707 /* log(pi)/2 */
           + u * (-0.5 + u * (0.625 + u * (-37.0 / 24.0 + u * (353.0 / 64.0))));
}

/* log A_alpha for integer alpha and 0 < q < 1 (the paper's §3.3):
 * A_alpha = sum_{i=0}^{alpha} C(alpha, i) q^i (1-q)^(alpha-i) exp((i^2 - i) / (2 sigma^2)).
 * The binomial coefficient is built up term by term in log space, so no
 * factorial is ever formed. */
static double log_a_int(double q, double sigma, double alpha)
{
    double lq = log(q), l1q = log1p(-q), s2 = 2.0 * sigma * sigma;
    double la = -INFINITY, lcomb = 0.0; /* log C(alpha, 0) */
    for (double i = 0.0; i <= alpha; i += 1.0) {
        if (i > 0.0)
            lcomb += log(alpha - i + 1.0) - log(i);
        la = log_add(la, lcomb + i * lq + (alpha - i) * l1q + (i * i - i) / s2);
    }
    return la;
}

/* log(exp(a) - exp(b)) for a > b; NaN when a <= b (b = -inf: a). */
static double log_sub(double a, double b)
{
    if (b == -INFINITY)
        return a;
    if (!(a > b))
        return NAN;
    return a + log(-expm1(b - a));
}

/* log A_alpha for fractional alpha and 0 < q < 1 (the paper's §3.3): A_alpha
 * is split at z0 = sigma^2 log(1/q - 1) + 1/2, where the mixture's density
 * ratio crosses 1, into the integrals below and above z0; each is a binomial
 * series whose terms carry the Gaussian tail mass on its side (erfc). Past
 * i = alpha + 1 the binomial coefficients alternate in sign: the positive and
 * the negative terms are summed apart in log space and subtracted at the end,
 * so the value is the integral itself (summing absolute values, as
 * dp_accounting does, gives an upper bound up to 3% higher at alpha = 1.5).
 * An alternating tail of falling terms is smaller than its first term, so
 * stopping once both series' terms fall and are below e^-30 of the total
 * leaves an error below that. Past z0 the terms fall only like i^-(alpha+2)
 * (z0 is where their exponential factors cancel): small orders with a large q
 * or a small sigma need thousands of terms, hence the cap of 100000; +inf (a
 * bound that never wins) if even that is not enough or a difference comes out
 * non-positive, which the integrals, both positive, rule out. */
static double log_a_frac(double q, double sigma, double alpha)
{
    double lq = log(q), l1q = log1p(-q), s2 = 2.0 * sigma * sigma;
    double r2s = sqrt(2.0) * sigma, lhalf = log(0.5);
    double z0 = sigma * sigma * log(1.0 / q - 1.0) + 0.5;
    double pos0 = -INFINITY, neg0 = -INFINITY, pos1 = -INFINITY, neg1 = -INFINITY;
    double last0 = -INFINITY, last1 = -INFINITY;
    double lcomb = 0.0; /* log |C(alpha, i)| */
    int negative = 0;   /* C(alpha, i) < 0 */
    for (int k = 0; k < 100000; k++) {
        double i = k, j = alpha - i;
        if (k > 0) {
            lcomb += log(fabs(alpha - i + 1.0)) - log(i);
            negative ^= alpha - i + 1.0 < 0.0;
        }
        double ls0 = lcomb + i * lq + j * l1q + (i * i - i) / s2 + lhalf + log_erfc((i - z0) / r2s);
        double ls1 = lcomb + j * lq + i * l1q + (j * j - j) / s2 + lhalf + log_erfc((z0 - j) / r2s);
        if (negative) {
            neg0 = log_add(neg0, ls0);
            neg1 = log_add(neg1, ls1);
        } else {
            pos0 = log_add(pos0, ls0);
            pos1 = log_add(pos1, ls1);
        }
        if (ls0 < last0 && ls1 < last1 && fmax(ls0, ls1) < log_add(pos0, pos1) - 30.0) {
            double la = log_add(log_sub(pos0, neg0), log_sub(pos1, neg1));
            return isnan(la) ? INFINITY : la;
        }
        last0 = ls0;
        last1 = ls1;
    }
    return INFINITY;
}

double lgc_dp_rdp_sgm(double q, double sigma, double alpha)
{
    if (!(q >= 0.0 && q <= 1.0) || !(sigma >= 0.0) || !(alpha > 1.0))
        return NAN;
    if (q == 0.0 || isinf(sigma))
        return 0.0;
    if (sigma == 0.0 || isinf(alpha))
        return INFINITY;
    if (q == 1.0)
        return alpha / (2.0 * sigma * sigma);
    double la = alpha == floor(alpha) ? log_a_int(q, sigma, alpha) : log_a_frac(q, sigma, alpha);
    return la / (alpha - 1.0);
}

void lgc_dp_default_orders(double *orders)
{
    /* Computed as Python computes 1 + x / 10.0, so the orders are the very
     * doubles Opacus and TF Privacy use. */
    for (int x = 1; x < 100; x++)
        orders[x - 1] = 1.0 + x / 10.0;
    for (int a = 12; a < 64; a++)
        orders[99 + a - 12] = a;
}

lgc_status lgc_dp_epsilon(const double *rdp, const double *orders, size_t n, double delta,
                          double *eps, double *best_order, lgc_err *err)
{
    if (n == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "privacy accounting: no orders");
    if (!(delta > 0.0 && delta < 1.0))
        return lgc_err_set(err, LGC_ERR_ARG, "privacy accounting: delta %g is not in (0, 1)",
                           delta);
    double best = INFINITY, best_a = orders[0];
    for (size_t i = 0; i < n; i++) {
        double a = orders[i], r = rdp[i], e;
        if (!(a >= 1.0))
            return lgc_err_set(err, LGC_ERR_ARG, "privacy accounting: order %g is below 1", a);
        if (!(r >= 0.0))
            return lgc_err_set(err, LGC_ERR_ARG,
                               "privacy accounting: RDP %g at order %g is negative or NaN", r, a);
        if (delta * delta + expm1(-r) > 0.0)
            e = 0.0; /* delta >= sqrt(1 - exp(-KL)) and KL <= RDP at any order */
        else if (a > 1.01 && !isinf(a))
            e = r + log1p(-1.0 / a) - (log(delta) + log(a)) / (a - 1.0);
        else
            e = INFINITY;
        if (e < best) {
            best = e;
            best_a = a;
        }
    }
    *eps = best > 0.0 ? best : 0.0;
    if (best_order)
        *best_order = best_a;
    return LGC_OK;
}

static int sgm_args_ok(double q, double sigma)
{
    return q >= 0.0 && q <= 1.0 && sigma > 0.0 && isfinite(sigma);
}

lgc_status lgc_dp_ledger_init(lgc_dp_ledger *l, const double *orders, size_t n, lgc_err *err)
{
    if (!orders) {
        n = LGC_DP_N_DEFAULT_ORDERS;
        lgc_dp_default_orders(l->orders);
    } else if (n == 0 || n > LGC_DP_MAX_ORDERS) {
        return lgc_err_set(err, LGC_ERR_ARG, "privacy ledger: %zu orders (1 .. %d allowed)", n,
                           LGC_DP_MAX_ORDERS);
    }
    for (size_t i = 0; i < n; i++) {
        if (orders)
            l->orders[i] = orders[i];
        if (!(l->orders[i] > 1.0))
            return lgc_err_set(err, LGC_ERR_ARG, "privacy ledger: order %g is not above 1",
                               l->orders[i]);
        l->rdp[i] = 0.0;
    }
    l->n = n;
    return LGC_OK;
}

lgc_status lgc_dp_ledger_add_sgm(lgc_dp_ledger *l, double q, double sigma, uint64_t steps,
                                 lgc_err *err)
{
    if (!sgm_args_ok(q, sigma))
        return lgc_err_set(err, LGC_ERR_ARG,
                           "privacy ledger: sampling rate %g not in [0, 1] or noise multiplier "
                           "%g not positive",
                           q, sigma);
    if (steps == 0)
        return LGC_OK; /* and 0 * inf would be NaN */
    for (size_t i = 0; i < l->n; i++)
        l->rdp[i] += (double)steps * lgc_dp_rdp_sgm(q, sigma, l->orders[i]);
    return LGC_OK;
}

lgc_status lgc_dp_ledger_add_gaussian(lgc_dp_ledger *l, double sensitivity, double std,
                                      uint64_t count, lgc_err *err)
{
    if (!(sensitivity >= 0.0 && isfinite(sensitivity)) || !(std > 0.0 && isfinite(std)))
        return lgc_err_set(err, LGC_ERR_ARG,
                           "privacy ledger: Gaussian mechanism with sensitivity %g and noise %g",
                           sensitivity, std);
    double c = (double)count * sensitivity * sensitivity / (2.0 * std * std);
    if (c == 0.0)
        return LGC_OK;
    for (size_t i = 0; i < l->n; i++)
        l->rdp[i] += c * l->orders[i];
    return LGC_OK;
}

lgc_status lgc_dp_ledger_epsilon(const lgc_dp_ledger *l, double delta, double *eps,
                                 double *best_order, lgc_err *err)
{
    return lgc_dp_epsilon(l->rdp, l->orders, l->n, delta, eps, best_order, err);
}

lgc_status lgc_dp_sgd_epsilon(double q, double sigma, uint64_t steps, double delta, double *eps,
                              double *order, lgc_err *err)
{
    lgc_dp_ledger l;
    lgc_status st = lgc_dp_ledger_init(&l, NULL, 0, err);
    if (st == LGC_OK)
        st = lgc_dp_ledger_add_sgm(&l, q, sigma, steps, err);
    if (st == LGC_OK)
        st = lgc_dp_ledger_epsilon(&l, delta, eps, order, err);
    return st;
}

lgc_status lgc_dp_sgd_sigma(double q, uint64_t steps, double eps_target, double delta,
                            double *sigma, lgc_err *err)
{
    if (!(q > 0.0 && q <= 1.0) || steps == 0)
        return lgc_err_set(err, LGC_ERR_ARG,
                           "privacy accounting: sampling rate %g not in (0, 1] or no steps", q);
    if (!(eps_target > 0.0 && isfinite(eps_target)))
        return lgc_err_set(err, LGC_ERR_ARG, "privacy accounting: epsilon %g is not positive",
                           eps_target);
    if (!(delta > 0.0 && delta < 1.0))
        return lgc_err_set(err, LGC_ERR_ARG, "privacy accounting: delta %g is not in (0, 1)",
                           delta);
    /* Bracket: eps(lo) > target >= eps(hi); lo = 0 is no noise at all. */
    double lo = 0.0, hi = 1.0, e;
    lgc_status st;
    for (;;) {
        if ((st = lgc_dp_sgd_epsilon(q, hi, steps, delta, &e, NULL, err)) != LGC_OK)
            return st;
        if (e <= eps_target)
            break;
        lo = hi;
        hi *= 2.0;
        if (hi > 1e6)
            return lgc_err_set(err, LGC_ERR_ARG,
                               "privacy accounting: epsilon %g at delta %g needs a noise "
                               "multiplier above 1e6 for %llu steps at rate %g",
                               eps_target, delta, (unsigned long long)steps, q);
    }
    while (hi - lo > 1e-9 * hi) {
        double mid = 0.5 * (lo + hi);
        if ((st = lgc_dp_sgd_epsilon(q, mid, steps, delta, &e, NULL, err)) != LGC_OK)
            return st;
        if (e <= eps_target)
            hi = mid;
        else
            lo = mid;
    }
    *sigma = hi;
    return LGC_OK;
}
