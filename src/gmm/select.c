/* select.c - lgc_gmm_select: fit k = 1..k_max and choose k by BIC. */
#include "gmm/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgc/clock.h"

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

/* Greedy: one k at a time, in order (the rule needs it), with the threads
 * inside each fit; it holds only two mixtures at a time. */
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

/* ---- argmin over many sets, all fits sharing the threads ------------------ */

/* A millisecond's wait for a thread that has nothing to do yet. */
static void nap(void)
{
    struct timespec t = {0, 1000000};
    nanosleep(&t, NULL);
}

/* One fit of the sweep: set s with k components. */
typedef struct {
    lgc_gmm g;
    lgc_status st;
    lgc_err err;
    double ll;     // mean log-likelihood of g
    int n_iter;    // M-steps so far
    double prev;   // mean log-likelihood of the E-step before the last
    int converged; // stopped by tol (not max_iter)
    int abandoned; // stopped by the abandonment rule: no candidate
    double floor;  // abandonment: the mean log-likelihood it must pass (-inf: none)
} fit_job;

typedef struct {
    size_t n_sets, d, k_max;
    const float *const *X;
    const size_t *n;
    const uint64_t *seeds;
    const lgc_gmm_opts *o;
    fit_job *jobs;      // (n_sets, k_max), row s for set s
    size_t *k_last;     // (n_sets) largest feasible k of each set
    size_t *left;       // (n_sets) jobs of each set not finished yet
    int *phase;         // (n_sets) 1 sweeping, 2 refining, 3 done
    size_t *queue;      // (2 n_sets k_max) job indices: refinements first, then fits
    size_t q_ref_head, q_ref_tail, q_fit_head, q_fit_tail;
    size_t cap;         // n_sets k_max: where the fits' half of the queue starts
    int failed;         // a job failed with something other than LGC_ERR_NUMERIC, or cancelled
    int cancelled;      // o->cancel was seen set: no job starts
    lgc_progress_fn progress; /* a call per set as its k is chosen */
    void *ctx;
    size_t n_done;      // sets whose k is chosen
    double t0;          // when the sweep began
    size_t *k_chosen;
    double *curve;      // (n_sets, k_max) BICs
} sweep;

static double job_bic(const sweep *sw, size_t s, size_t k)
{
    const fit_job *j = &sw->jobs[s * sw->k_max + k - 1];
    return j->st == LGC_OK && !j->abandoned ? lgc_gmm_bic(&j->g, j->ll, sw->n[s]) : NAN;
}

/* Abandonment (lgc_gmm_opts.abandon_margin): the mean log-likelihood fit
 * (s, k) must pass for its BIC to come within margin * n of the lowest BIC
 * of the set's smaller k, all finished by now; -inf when none has a BIC. */
static double abandon_floor(const sweep *sw, size_t s, size_t k)
{
    double best = INFINITY, n = (double)sw->n[s];
    for (size_t q = 1; q < k; q++) {
        double b = job_bic(sw, s, q);
        if (b < best)
            best = b;
    }
    if (!isfinite(best))
        return -INFINITY;
    return (lgc_gmmi_nparams(k, sw->d) * log(n) - best - sw->o->abandon_margin * n) /
           (2.0 * n);
}

/* Called with the lock held when the last job of set s finishes: either
 * queue its refinements or choose its k. */
static void set_finished(sweep *sw, size_t s)
{
    const lgc_gmm_opts *o = sw->o;
    double *curve = sw->curve + s * sw->k_max;
    for (size_t k = 1; k <= sw->k_max; k++)
        curve[k - 1] = k <= sw->k_last[s] ? job_bic(sw, s, k) : NAN;
    if (sw->phase[s] == 1 && o->refine_margin > 0.0) {
        sw->phase[s] = 2;
        size_t kb = lgc_gmm_ksel_choose(curve, sw->k_max, LGC_KSEL_ARGMIN);
        if (kb) {
            double lim = curve[kb - 1] + o->refine_margin * (double)sw->n[s];
            /* largest k first: the longest refinements start earliest */
            for (size_t k = sw->k_last[s]; k >= 1; k--) {
                const fit_job *j = &sw->jobs[s * sw->k_max + k - 1];
                if (curve[k - 1] <= lim && j->n_iter < o->refine_max_iter &&
                    !(j->converged && fabs(j->ll - j->prev) < o->refine_tol)) {
                    sw->queue[sw->q_ref_tail++] = s * sw->k_max + k - 1;
                    sw->left[s]++;
                }
            }
        }
        if (sw->left[s] > 0)
            return;
    }
    sw->phase[s] = 3;
    sw->k_chosen[s] = lgc_gmm_ksel_choose(curve, sw->k_max, LGC_KSEL_ARGMIN);
    sw->n_done++;
    if (sw->progress) {
        lgc_progress pr = {"mixtures", sw->n_done, sw->n_sets, s, (double)sw->k_chosen[s],
                           lgc_now() - sw->t0};
        sw->progress(sw->ctx, &pr);
    }
}

static void run_job(sweep *sw, size_t idx, int refine)
{
    size_t s = idx / sw->k_max, k = idx % sw->k_max + 1;
    fit_job *j = &sw->jobs[idx];
    lgc_gmm_opts o = *sw->o;
    o.seed = sw->seeds[s];
    lgc_gmm_info info = {0};
    double prev = 0.0; /* mean log-likelihood of the E-step before the last */
    if (!refine) {
        /* The history's last two entries are where a refinement would start from. */
        double *h = malloc(((size_t)o.max_iter + 1) * sizeof *h);
        if (!h) {
            j->st = lgc_err_set(&j->err, LGC_ERR_NOMEM, "select: out of memory");
            return;
        }
        info.history = h, info.history_cap = (size_t)o.max_iter + 1;
        j->st = lgc_gmmi_fit_floor(&j->g, sw->X[s], sw->n[s], sw->d, k, &o, j->floor,
                                   o.abandon_margin > 0.0 ? o.abandon_after : 0, &info,
                                   &j->err);
        prev = info.history_len > 1 ? h[info.history_len - 2] : 0.0;
        free(h);
    } else {
        o.tol = o.refine_tol, o.max_iter = o.refine_max_iter;
        j->st = lgc_gmmi_continue(&j->g, sw->X[s], sw->n[s], &o, j->n_iter, j->prev, &info,
                                  &j->err);
        if (j->st != LGC_OK) /* the fit broke down on the way: its BIC becomes NaN */
            lgc_gmm_free(&j->g);
    }
    if (j->st == LGC_OK) {
        if (!refine)
            j->prev = prev;
        j->ll = info.mean_loglik;
        j->n_iter = info.n_iter;
        j->converged = info.converged;
        if (!refine)
            j->abandoned = info.abandoned;
    }
}

static lgc_status select_many(size_t n_sets, const float *const *X, const size_t *n, size_t d,
                              const uint64_t *seeds, const lgc_gmm_opts *o, lgc_gmm *best,
                              double *bic_out, size_t *k_chosen,
                              lgc_progress_fn progress, void *ctx, int T, lgc_err *err)
{
    lgc_status st = LGC_OK;
    size_t km = o->k_max;
    sweep sw = {.n_sets = n_sets, .d = d, .k_max = km, .X = X, .n = n, .seeds = seeds, .o = o,
                .progress = progress, .ctx = ctx, .k_chosen = k_chosen, .t0 = lgc_now()};
    sw.jobs = calloc(n_sets * km, sizeof *sw.jobs);
    sw.k_last = calloc(n_sets, sizeof *sw.k_last);
    sw.left = calloc(n_sets, sizeof *sw.left);
    sw.phase = calloc(n_sets, sizeof *sw.phase);
    sw.cap = n_sets * km;
    sw.queue = malloc(2 * sw.cap * sizeof *sw.queue);
    sw.curve = malloc(n_sets * km * sizeof *sw.curve);
    if (!sw.jobs || !sw.k_last || !sw.left || !sw.phase || !sw.queue || !sw.curve) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "select: out of memory for %zu fits", n_sets * km);
        goto fail;
    }
    /* Fits go in the second half of the queue, set by set, largest k first
     * in each (longest first balances the threads), so that the sets finish
     * their sweeps one after another; the refinements each one then queues
     * go in the first half and are taken first. */
    sw.q_fit_head = sw.q_fit_tail = sw.cap;
    for (size_t s = 0; s < n_sets; s++) {
        sw.k_last[s] = km < n[s] ? km : n[s];
        sw.left[s] = sw.k_last[s];
        sw.phase[s] = 1;
    }
    /* With abandonment, each set's fits form a chain, k queued when k - 1
     * ends (the rule compares a fit with the smaller k's BICs). */
    int chain = o->abandon_margin > 0.0;
    for (size_t s = 0; s < n_sets; s++)
        for (size_t k = chain ? 1 : sw.k_last[s]; k >= 1; k--)
            sw.queue[sw.q_fit_tail++] = s * km + k - 1;

#pragma omp parallel num_threads(T)
    for (;;) {
        size_t idx = 0;
        int refine = -1; /* -1: nothing queued now, -2: all done */
#pragma omp critical(lgc_gmm_sweep)
        {
            if (!sw.failed && o->cancel && __atomic_load_n(o->cancel, __ATOMIC_RELAXED))
                sw.cancelled = sw.failed = 1;
            if (sw.q_ref_head < sw.q_ref_tail && !sw.failed) {
                idx = sw.queue[sw.q_ref_head++], refine = 1;
            } else if (sw.q_fit_head < sw.q_fit_tail && !sw.failed) {
                idx = sw.queue[sw.q_fit_head++], refine = 0;
                sw.jobs[idx].floor = chain ? abandon_floor(&sw, idx / km, idx % km + 1)
                                           : -INFINITY;
            } else {
                refine = -2;
                for (size_t s = 0; s < n_sets && !sw.failed; s++)
                    if (sw.phase[s] != 3)
                        refine = -1;
            }
        }
        if (refine == -2)
            break;
        if (refine == -1) {
            /* A job still running may queue refinements when it ends. */
            nap();
            continue;
        }
        run_job(&sw, idx, refine);
#pragma omp critical(lgc_gmm_sweep)
        {
            size_t s = idx / km;
            fit_job *j = &sw.jobs[idx];
            if (j->st != LGC_OK && j->st != LGC_ERR_NUMERIC) {
                sw.failed = 1;
            } else {
                size_t k = idx % km + 1;
                if (chain && !refine && k < sw.k_last[s])
                    sw.queue[sw.q_fit_tail++] = idx + 1; /* k + 1 of the same set */
                if (--sw.left[s] == 0)
                    set_finished(&sw, s);
            }
        }
    }

    if (sw.cancelled) {
        st = lgc_err_set(err, LGC_ERR_CANCELLED, "select: cancelled");
        goto fail;
    }
    /* The first real failure in (set, k) order, whatever the schedule. */
    for (size_t i = 0; i < n_sets * km && sw.failed; i++)
        if (sw.jobs[i].st != LGC_OK && sw.jobs[i].st != LGC_ERR_NUMERIC &&
            i % km < sw.k_last[i / km]) {
            st = sw.jobs[i].st;
            if (err)
                *err = sw.jobs[i].err;
            goto fail;
        }
    for (size_t s = 0; s < n_sets; s++) {
        size_t kc = k_chosen[s];
        if (kc == 0) {
            size_t last_broken = 0;
            for (size_t k = 1; k <= sw.k_last[s]; k++)
                if (sw.jobs[s * km + k - 1].st == LGC_ERR_NUMERIC)
                    last_broken = k;
            st = lgc_err_set(err, LGC_ERR_NUMERIC,
                             "no mixture with 1..%zu components could be fitted to %zu points (%s)",
                             km, n[s], last_broken ? sw.jobs[s * km + last_broken - 1].err.msg : "");
            goto fail;
        }
    }
    for (size_t s = 0; s < n_sets; s++) {
        size_t kc = k_chosen[s];
        if (bic_out)
            memcpy(bic_out + s * km, sw.curve + s * km, km * sizeof *bic_out);
        best[s] = sw.jobs[s * km + kc - 1].g;
        memset(&sw.jobs[s * km + kc - 1].g, 0, sizeof(lgc_gmm));
    }

fail:
    if (st != LGC_OK)
        for (size_t s = 0; s < n_sets; s++) {
            lgc_gmm_free(&best[s]);
            k_chosen[s] = 0;
        }
    if (sw.jobs)
        for (size_t i = 0; i < n_sets * km; i++)
            lgc_gmm_free(&sw.jobs[i].g);
    free(sw.jobs), free(sw.k_last), free(sw.left), free(sw.phase), free(sw.queue);
    free(sw.curve);
    return st;
}

lgc_status lgc_gmm_select_many(size_t n_sets, const float *const *X, const size_t *n, size_t d,
                               const uint64_t *seeds, const lgc_gmm_opts *o, lgc_gmm *best,
                               double *bic_out, size_t *k_chosen,
                               lgc_progress_fn progress, void *ctx, lgc_err *err)
{
    lgc_status st;
    if (!best || !k_chosen || !X || !n || !seeds)
        return lgc_err_set(err, LGC_ERR_ARG, "select: NULL argument");
    for (size_t s = 0; s < n_sets; s++) {
        memset(&best[s], 0, sizeof best[s]);
        k_chosen[s] = 0;
    }
    if ((st = lgc_gmmi_check_opts(o, err)) != LGC_OK)
        return st;
    if (o->select != LGC_KSEL_ARGMIN)
        return lgc_err_set(err, LGC_ERR_ARG, "select_many takes the argmin rule only");
    if (o->k_max == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "k_max must be at least 1");
    if (bic_out)
        for (size_t i = 0; i < n_sets * o->k_max; i++)
            bic_out[i] = NAN;
    for (size_t s = 0; s < n_sets; s++) {
        lgc_err e;
        if ((st = lgc_gmmi_check_data(X[s], n[s], d, &e)) != LGC_OK)
            return lgc_err_set(err, st, "set %zu: %s", s, e.msg);
    }
    return select_many(n_sets, X, n, d, seeds, o, best, bic_out, k_chosen, progress, ctx,
                       lgc_gmmi_threads(), err);
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
    if (o->select == LGC_KSEL_ARGMIN) {
        const float *const sets[1] = {X};
        st = select_many(1, sets, &n, d, &o->seed, o, best, bic_out, &kc, NULL, NULL,
                         lgc_gmmi_threads(), err);
    } else {
        st = select_serial(best, bic_out, &kc, X, n, d, o, k_last, err);
    }
    if (st == LGC_OK && k_chosen)
        *k_chosen = kc;
    return st;
}
