/* select.c - lgc_gmm_select: fit k = 1..k_max and choose k by BIC. */
#include "gmm/internal.h"

#include <math.h>
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

lgc_status lgc_gmm_select(lgc_gmm *best, double *bic_out, size_t *k_chosen, const float *X,
                          size_t n, size_t d, const lgc_gmm_opts *o, lgc_err *err)
{
    lgc_gmm cur = {0};
    lgc_status st;
    if (!best)
        return lgc_err_set(err, LGC_ERR_ARG, "select: output mixture must not be NULL");
    memset(best, 0, sizeof *best);
    if (k_chosen)
        *k_chosen = 0;
    if ((st = lgc_gmmi_check_opts(o, err)) != LGC_OK)
        goto fail;
    if (o->k_max == 0) {
        st = lgc_err_set(err, LGC_ERR_ARG, "k_max must be at least 1");
        goto fail;
    }
    if (bic_out)
        for (size_t k = 1; k <= o->k_max; k++)
            bic_out[k - 1] = NAN;
    if ((st = lgc_gmmi_check_data(X, n, d, err)) != LGC_OK)
        goto fail;

    double best_bic = INFINITY;
    size_t best_k = 0;
    lgc_err last = {LGC_OK, ""}; // why the last k that broke down did
    /* k > n is infeasible (fewer points than components) and so is every larger k. */
    for (size_t k = 1; k <= o->k_max && k <= n; k++) {
        lgc_gmm_info info = {0};
        lgc_err e;
        st = lgc_gmm_fit(&cur, X, n, d, k, o, &info, &e);
        if (st == LGC_ERR_NUMERIC) {
            last = e;
            /* This k broke down even with a raised floor: its BIC stays NaN. Greedy
             * cannot tell whether k improved, so it stops at the best so far. */
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
        if (b < best_bic || best_k == 0) {
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
    if (k_chosen)
        *k_chosen = best_k;
    return LGC_OK;

fail:
    lgc_gmm_free(&cur);
    lgc_gmm_free(best);
    return st;
}
