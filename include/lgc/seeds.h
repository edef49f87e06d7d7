/*
 * seeds.h - a judge trained and tested over several seeds, and what the
 * protocol reports of it (docs/PROTOCOL.md §4): accuracy per seed, their mean
 * and sample sd, per-class accuracy averaged over seeds, the first seed's
 * confusion matrix; with test groups, the worst group per seed (mean, sd) and
 * every group's accuracy averaged over seeds.
 */
#ifndef LGC_SEEDS_H
#define LGC_SEEDS_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/groups.h"
#include "lgc/judge.h"

#define LGC_JUDGE_MAX_SEEDS 100

typedef struct {
    size_t n_seeds;
    uint64_t seed[LGC_JUDGE_MAX_SEEDS];
    double accuracy[LGC_JUDGE_MAX_SEEDS];
    double mean, sd;                      /* sd: sample sd (n - 1); 0 for one seed */
    double per_class_mean[LGC_MAX_CLASSES];
    lgc_judge_result first;               /* the first seed's run (its confusion matrix) */
    size_t n_train_rows;                  /* rows a pass visits (upsampled: more than n) */
    /* with test groups (has_groups): */
    int has_groups;
    double worst[LGC_JUDGE_MAX_SEEDS];    /* worst-group accuracy per seed */
    int worst_group[LGC_JUDGE_MAX_SEEDS];
    double worst_mean, worst_sd;
    size_t n_groups;                      /* groups with test images */
    size_t group_n[LGC_MAX_GROUPS];       /* test images per group */
    double group_mean[LGC_MAX_GROUPS];    /* each group's accuracy, mean over seeds */
} lgc_judge_seeds_result;

/* Train and test the judge o for seeds o->seed .. o->seed + n_seeds - 1
 * (1..LGC_JUDGE_MAX_SEEDS). test_groups (test n) may be NULL; with
 * upsample_groups (train n), each seed trains on the groups upsampled
 * (lgc_groups_upsample, resampled per seed; o->train_idx must then be NULL).
 * progress hears each judge's steps (stage "judge") and, after each seed,
 * stage "seed" (done seeds of total, value its accuracy). */
lgc_status lgc_judge_seeds(const lgc_judge_opts *o, size_t n_seeds, const lgc_dataset *train,
                           const lgc_dataset *test, size_t n_classes,
                           const uint8_t *test_groups, const uint8_t *upsample_groups,
                           lgc_judge_seeds_result *res, lgc_progress_fn progress, void *ctx,
                           lgc_err *err);

#endif
