/* select.c - lgc_gmm_select: fit k = 1..k_max and choose k by BIC. */
#include "gmm/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t lgc_gmm_ksel_choose(const double *bic, size_t k_max, lgc_ksel rule)
{
    size_t best = 0;
    for (size_t k = 1; k <= k_max; k++) {
        double b = bic[k - 1];
        if (isnan(b)) {
            if (rule == LGC_KSEL_GREEDY)
                break;
            continue;
        }
        if (best == 0 || b < bic[best - 1])
            best = k;
        else if (rule == LGC_KSEL_GREEDY)
            break;
    }
    return best;
}

/* One k at a time, with the threads inside each fit; greedy needs this
 * order, and with one thread it holds only two mixtures at a time. */
static lgc_status select_serial(lgc_gmm *best, double *bic_out, size_t *k_chosen,
                                const float *X, size_t n, size_t d, const lgc_gmm_opts *o,
                                size_t k_last, lgc_err *err)
{
    lgc_gmm cur = {0};
    lgc_status st = LGC_OK;
    double best_bic = INFINITY;
    size_t best_k = 0;
    lgc_err last = {LGC_OK, ""}; // why the last k that broke down did
    for (size_t k = 1; k <= k_last; k++) {
        lgc_gmm_info info = {0};
        lgc_err e;
        st = lgc_gmm_fit(&cur, X, n, d, k, o, &info, &e);
        if (st == LGC_ERR_NUMERIC) {
            /* This k broke down even with a raised floor: its BIC stays NaN. Greedy
             * cannot tell whether k improved, so it stops at the best so far. */
            last = e;
            if (o->select == LGC_KSEL_GREEDY)
                break;
            continue;
        }
        if (st != LGC_OK) {
            if (err)
                *err = e;
            goto fail;
        }
        double b = lgc_gmm_bic(&cur, info.mean_loglik, n);
        if (bic_out)
            bic_out[k - 1] = b;
        if (best_k == 0 || b < best_bic) {
            lgc_gmm_free(best);
            *best = cur;
            memset(&cur, 0, sizeof cur);
            best_bic = b;
            best_k = k;
        } else {
            lgc_gmm_free(&cur);
            if (o->select == LGC_KSEL_GREEDY)
                break;
        }
    }
    if (best_k == 0) {
        st = lgc_err_set(err, LGC_ERR_NUMERIC,
                         "no mixture with 1..%zu components could be fitted to %zu points (%s)",
                         o->k_max, n, last.msg);
        goto fail;
    }
    *k_chosen = best_k;
    return LGC_OK;

fail:
    lgc_gmm_free(&cur);
    lgc_gmm_free(best);
    return st;
}

/* Argmin with several threads: all k at once, one fit per thread (each fit
 * then runs serially inside). One barrier for the whole sweep instead of two
 * per EM iteration, so a thread that loses its core to another process holds
 * up one fit, not every iteration of every fit. */
static lgc_status select_parallel(lgc_gmm *best, double *bic_out, size_t *k_chosen,
                                  const float *X, size_t n, size_t d, const lgc_gmm_opts *o,
                                  size_t k_last, int T, lgc_err *err)
{
    lgc_status st = LGC_OK;
    lgc_gmm *fits = calloc(k_last, sizeof *fits);     // (k_last) the fit with k = index + 1
    double *ll = malloc(k_last * sizeof *ll);         // (k_last) its mean log-likelihood
    double *curve = malloc(k_last * sizeof *curve);   // (k_last) its BIC
    lgc_status *sts = malloc(k_last * sizeof *sts);   // (k_last) its status
    lgc_err *errs = malloc(k_last * sizeof *errs);    // (k_last) its error
    if (!fits || !ll || !curve || !sts || !errs) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "select: out of memory for %zu fits", k_last);
        goto fail;
    }
    /* Largest k first: those take longest, so dynamic scheduling balances the
     * threads like longest-job-first. Each fit is the same whichever thread
     * runs it, so the result does not depend on the schedule. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
    for (size_t t = 0; t < k_last; t++) {
        size_t k = k_last - t;
        lgc_gmm_info info = {0};
        sts[k - 1] = lgc_gmm_fit(&fits[k - 1], X, n, d, k, o, &info, &errs[k - 1]);
        ll[k - 1] = info.mean_loglik;
    }
    size_t last_broken = 0;
    for (size_t k = 1; k <= k_last; k++) {
        curve[k - 1] = NAN;
        if (sts[k - 1] == LGC_OK)
            curve[k - 1] = lgc_gmm_bic(&fits[k - 1], ll[k - 1], n);
        else if (sts[k - 1] == LGC_ERR_NUMERIC)
            last_broken = k;
        else {
            st = sts[k - 1];
            if (err)
                *err = errs[k - 1];
            goto fail;
        }
    }
    size_t kc = lgc_gmm_ksel_choose(curve, k_last, LGC_KSEL_ARGMIN);
    if (kc == 0) {
        st = lgc_err_set(err, LGC_ERR_NUMERIC,
                         "no mixture with 1..%zu components could be fitted to %zu points (%s)",
                         o->k_max, n, last_broken ? errs[last_broken - 1].msg : "");
        goto fail;
    }
    if (bic_out)
        memcpy(bic_out, curve, k_last * sizeof *curve);
    *best = fits[kc - 1];
    memset(&fits[kc - 1], 0, sizeof fits[kc - 1]);
    *k_chosen = kc;

fail:
    if (fits)
        for (size_t k = 0; k < k_last; k++)
            lgc_gmm_free(&fits[k]);
    free(fits), free(ll), free(curve), free(sts), free(errs);
    return st;
}

lgc_status lgc_gmm_select(lgc_gmm *best, double *bic_out, size_t *k_chosen, const float *X,
                          size_t n, size_t d, const lgc_gmm_opts *o, lgc_err *err)
{
    lgc_status st;
    size_t kc = 0;
    if (!best)
        return lgc_err_set(err, LGC_ERR_ARG, "select: output mixture must not be NULL");
    memset(best, 0, sizeof *best);
    if (k_chosen)
        *k_chosen = 0;
    if ((st = lgc_gmmi_check_opts(o, err)) != LGC_OK)
        return st;
    if (o->k_max == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "k_max must be at least 1");
    if (bic_out)
        for (size_t k = 1; k <= o->k_max; k++)
            bic_out[k - 1] = NAN;
    if ((st = lgc_gmmi_check_data(X, n, d, err)) != LGC_OK)
        return st;
    /* k > n is infeasible (fewer points than components): those BICs stay NaN. */
    size_t k_last = o->k_max < n ? o->k_max : n;
    int T = lgc_gmmi_threads();
    if (o->select == LGC_KSEL_ARGMIN && T > 1 && k_last > 1)
        st = select_parallel(best, bic_out, &kc, X, n, d, o, k_last, T, err);
    else
        st = select_serial(best, bic_out, &kc, X, n, d, o, k_last, err);
    if (st == LGC_OK && k_chosen)
        *k_chosen = kc;
    return st;
}
