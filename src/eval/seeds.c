/* seeds.c - a judge over several seeds and its statistics (see lgc/seeds.h). */
#include "lgc/seeds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Mean and sample sd of v (n). */
static void mean_sd(const double *v, size_t n, double *mean, double *sd)
{
    double m = 0.0, var = 0.0;
    for (size_t i = 0; i < n; i++)
        m += v[i] / (double)n;
    for (size_t i = 0; i < n; i++)
        var += (v[i] - m) * (v[i] - m);
    *mean = m;
    *sd = n > 1 ? sqrt(var / (double)(n - 1)) : 0.0;
}

lgc_status lgc_judge_seeds(const lgc_judge_opts *o, size_t n_seeds, const lgc_dataset *train,
                           const lgc_dataset *test, size_t n_classes,
                           const uint8_t *test_groups, const uint8_t *upsample_groups,
                           lgc_judge_seeds_result *res, lgc_progress_fn progress, void *ctx,
                           lgc_err *err)
{
    memset(res, 0, sizeof *res);
    if (n_seeds < 1 || n_seeds > LGC_JUDGE_MAX_SEEDS)
        return lgc_err_set(err, LGC_ERR_ARG, "judge: %zu seeds (1..%d)", n_seeds,
                           LGC_JUDGE_MAX_SEEDS);
    if (upsample_groups && o->train_idx)
        return lgc_err_set(err, LGC_ERR_ARG, "judge: upsampling replaces the training rows");
    lgc_status st = LGC_OK;
    lgc_judge_opts so = *o;
    uint8_t *pred = malloc(test->x.n + 1);
    uint32_t *rows = NULL;
    lgc_group_acc *gacc = calloc(n_seeds, sizeof *gacc);
    /* one seed's result: 256 x 256 confusion counts, too large for a thread's stack */
    lgc_judge_result *r = malloc(sizeof *r);
    double *pc = malloc(n_seeds * n_classes * sizeof *pc); /* (n_seeds, n_classes) recall */
    if (!pred || !gacc || !r || !pc) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "judge: out of memory");
        goto done;
    }
    res->n_seeds = n_seeds;
    res->has_groups = test_groups != NULL;
    res->n_train_rows = o->train_idx ? o->n_train_idx : train->x.n;
    size_t R = o->comm ? (size_t)lgc_comm_size(o->comm) : 1,
           me = o->comm ? (size_t)lgc_comm_rank(o->comm) : 0;
    for (size_t s = 0; s < n_seeds; s++) {
        if (s % R != me) /* another rank's seed */
            continue;
        so.seed = o->seed + s;
        so.test_pred = pred;
        if (upsample_groups) { /* each seed its own resampling, as its own initialisation */
            free(rows);
            rows = NULL;
            if ((st = lgc_groups_upsample(upsample_groups, train->x.n, so.seed, &rows,
                                          &res->n_train_rows, err)))
                goto done;
            so.train_idx = rows, so.n_train_idx = res->n_train_rows;
        }
        if ((st = lgc_judge_run(&so, train, test, n_classes, r, progress, ctx, err)))
            goto done;
        if (s == 0)
            res->first = *r;
        res->accuracy[s] = r->accuracy;
        memcpy(pc + s * n_classes, r->per_class, n_classes * sizeof *pc);
        if (test_groups) {
            lgc_group_accuracy(pred, test->y.y, test_groups, test->x.n, &gacc[s]);
            res->worst[s] = gacc[s].worst, res->worst_group[s] = gacc[s].worst_group;
        }
        if (progress) {
            lgc_progress pr = {"seed", s + 1, n_seeds, s + 1, r->accuracy, NAN};
            progress(ctx, &pr);
        }
    }
    /* every seed's figures from the rank that ran it (the ranks' runs do not
     * depend on one another: a rank that failed has aborted the job) */
    for (size_t s = 0; R > 1 && s < n_seeds && st == LGC_OK; s++) {
        int q = (int)(s % R);
        if ((st = lgc_comm_bcast(o->comm, &res->accuracy[s], sizeof res->accuracy[s], q, err)) ||
            (st = lgc_comm_bcast(o->comm, pc + s * n_classes, n_classes * sizeof *pc, q, err)) ||
            (st = lgc_comm_bcast(o->comm, &gacc[s], sizeof gacc[s], q, err)) ||
            (s == 0 && (st = lgc_comm_bcast(o->comm, &res->first, sizeof res->first, q, err))))
            goto done;
        res->worst[s] = gacc[s].worst, res->worst_group[s] = gacc[s].worst_group;
    }
    /* upsampled: the rows a pass visits, the same for every seed, from seed 0's rank */
    if (R > 1 && upsample_groups && st == LGC_OK)
        st = lgc_comm_bcast(o->comm, &res->n_train_rows, sizeof res->n_train_rows, 0, err);
    if (st)
        goto done;
    for (size_t s = 0; s < n_seeds; s++) { /* in seed order: the sums of one process */
        res->seed[s] = o->seed + s;
        for (size_t k = 0; k < n_classes; k++)
            res->per_class_mean[k] += pc[s * n_classes + k] / (double)n_seeds;
    }
    mean_sd(res->accuracy, n_seeds, &res->mean, &res->sd);
    if (test_groups) {
        mean_sd(res->worst, n_seeds, &res->worst_mean, &res->worst_sd);
        res->n_groups = gacc[0].n_groups;
        for (int g = 0; g < LGC_MAX_GROUPS; g++) {
            res->group_n[g] = gacc[0].n[g];
            for (size_t s = 0; s < n_seeds && gacc[0].n[g]; s++)
                res->group_mean[g] +=
                    (double)gacc[s].correct[g] / (double)gacc[s].n[g] / (double)n_seeds;
        }
    }
done:
    free(pred), free(rows), free(gacc), free(r), free(pc);
    return st;
}
