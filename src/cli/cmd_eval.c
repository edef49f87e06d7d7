/* cmd_eval.c - `lgc eval`: train a judge on a training set, test on the real test set. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lgc/data.h"
#include "lgc/groups.h"
#include "lgc/judge.h"
#include "lgc/tensor.h"

#define DEFAULT_TEST_IMAGES "data/mnist/t10k-images-idx3-ubyte"
#define DEFAULT_TEST_LABELS "data/mnist/t10k-labels-idx1-ubyte"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc eval --train-images F --train-labels F [options]\n\n"
            "Train a judge only on the given training set (IDX or NPY, uint8 or float in [0,1])\n"
            "for a fixed number of steps, test it on the real test set, and report accuracy\n"
            "mean +- sd over seeds, per-class accuracy and the confusion matrix.\n\n"
            "  --train-images F     training images\n"
            "  --train-labels F     training labels\n"
            "  --test-images F      [" DEFAULT_TEST_IMAGES "]\n"
            "  --test-labels F      [" DEFAULT_TEST_LABELS "]\n"
            "  --weights F          per-image loss weights (float32 NPY of shape (n,), finite,\n"
            "                       >= 0); each batch's loss is sum w l / sum w\n"
            "  --test-groups F      group id of each test image (uint8 IDX or NPY, e.g. from\n"
            "                       lgc spuco): also report accuracy per group and the worst\n"
            "                       group's (groups without test images are ignored)\n"
            "  --upsample-groups F  group id of each training image: train on every group\n"
            "                       repeated to the size of the largest (SpuCo's UpSampleERM,\n"
            "                       as the study's notebook), resampled for each seed\n"
            "  --judge NAME         paper-cnn | lenet | convnet3 [paper-cnn]\n"
            "  --steps N            optimiser steps, batch 64 [%d]\n"
            "  --seeds K            judge seeds 1..K [3]\n"
            "  --seed S             first seed [1]\n"
            "  --classes N          number of classes [10]\n"
            "  --threads T          threads [2]\n"
            "  --json               one JSON object on stdout\n"
            "  -q                   no progress\n",
            LGC_JUDGE_DEFAULT_STEPS);
}

typedef struct {
    const cli_common *c;
    size_t seed_i, n_seeds;
    double t0;
} prog_ctx;

static void on_progress(void *p, size_t done, size_t total, double loss)
{
    prog_ctx *pc = p;
    double el = cli_now() - pc->t0, eta = el / (double)done * (double)(total - done);
    cli_progress(pc->c, "eval: seed %zu/%zu step %zu/%zu loss %.4f eta %.0fs", pc->seed_i + 1,
                 pc->n_seeds, done, total, loss, eta);
}

int cmd_eval(int argc, char **argv)
{
    const char *cmd = "eval";
    const char *tri = NULL, *trl = NULL, *tei = DEFAULT_TEST_IMAGES, *tel = DEFAULT_TEST_LABELS;
    const char *weights_path = NULL, *tgp = NULL, *ugp = NULL, *v;
    lgc_judge_opts o;
    lgc_judge_opts_default(&o);
    size_t n_seeds = 3, n_classes = 10, threads = 2;
    uint64_t seed0 = 1;
    cli_common c;
    cli_common_init(&c);
    int rc;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (cli_common_flag(&c, argv[i])) {
        } else if (cli_opt(argc, argv, &i, "--train-images", &v)) {
            if ((rc = cli_need(cmd, "--train-images", v)))
                return rc;
            tri = v;
        } else if (cli_opt(argc, argv, &i, "--train-labels", &v)) {
            if ((rc = cli_need(cmd, "--train-labels", v)))
                return rc;
            trl = v;
        } else if (cli_opt(argc, argv, &i, "--test-images", &v)) {
            if ((rc = cli_need(cmd, "--test-images", v)))
                return rc;
            tei = v;
        } else if (cli_opt(argc, argv, &i, "--test-labels", &v)) {
            if ((rc = cli_need(cmd, "--test-labels", v)))
                return rc;
            tel = v;
        } else if (cli_opt(argc, argv, &i, "--weights", &v)) {
            if ((rc = cli_need(cmd, "--weights", v)))
                return rc;
            weights_path = v;
        } else if (cli_opt(argc, argv, &i, "--test-groups", &v)) {
            if ((rc = cli_need(cmd, "--test-groups", v)))
                return rc;
            tgp = v;
        } else if (cli_opt(argc, argv, &i, "--upsample-groups", &v)) {
            if ((rc = cli_need(cmd, "--upsample-groups", v)))
                return rc;
            ugp = v;
        } else if (cli_opt(argc, argv, &i, "--judge", &v)) {
            int k = v ? lgc_judge_from_name(v) : -1;
            if (k < 0)
                return cli_fail(cmd, EXIT_USAGE,
                                "--judge: unknown judge '%s' (paper-cnn, lenet, convnet3)",
                                v ? v : "");
            o.kind = (lgc_judge_kind)k;
        } else if (cli_opt(argc, argv, &i, "--steps", &v)) {
            if ((rc = cli_size(cmd, "--steps", v, 1, 100000000, &o.steps)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--seeds", &v)) {
            if ((rc = cli_size(cmd, "--seeds", v, 1, 100, &n_seeds)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--seed", &v)) {
            if ((rc = cli_u64(cmd, "--seed", v, &seed0)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--classes", &v)) {
            if ((rc = cli_size(cmd, "--classes", v, 2, LGC_MAX_CLASSES, &n_classes)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--threads", &v)) {
            if ((rc = cli_size(cmd, "--threads", v, 1, 256, &threads)))
                return rc;
        } else {
            return cli_fail(cmd, EXIT_USAGE, "unknown option '%s' (see lgc eval --help)", argv[i]);
        }
    }
    if (!tri || !trl)
        return cli_fail(cmd, EXIT_USAGE, "--train-images and --train-labels are required");
    lgc_threads_set((int)threads);

    lgc_err err;
    lgc_dataset train = {0}, test = {0};
    float *w = NULL;
    double *acc = NULL;
    lgc_labels tgroups = {0}, ugroups = {0};
    uint8_t *pred = NULL;
    uint32_t *rows = NULL;
    size_t n_rows = 0;
    lgc_group_acc *gacc = NULL; /* (n_seeds) */
    rc = 0;
    if (lgc_dataset_load(tri, trl, n_classes, &train, &err) ||
        lgc_dataset_load(tei, tel, n_classes, &test, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (test.x.h != train.x.h || test.x.w != train.x.w || test.x.c != train.x.c) {
        rc = cli_fail(cmd, EXIT_DATA, "%s: test images are %zux%zux%zu, the training images %s are "
                      "%zux%zux%zu", tei, test.x.h, test.x.w, test.x.c, tri, train.x.h, train.x.w,
                      train.x.c);
        goto done;
    }
    if ((tgp && lgc_labels_read(tgp, &tgroups, &err)) ||
        (ugp && lgc_labels_read(ugp, &ugroups, &err))) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (tgp && tgroups.n != test.x.n) {
        rc = cli_fail(cmd, EXIT_DATA, "%s: %zu group ids for %zu test images", tgp, tgroups.n,
                      test.x.n);
        goto done;
    }
    if (ugp && ugroups.n != train.x.n) {
        rc = cli_fail(cmd, EXIT_DATA, "%s: %zu group ids for %zu training images", ugp, ugroups.n,
                      train.x.n);
        goto done;
    }
    if (weights_path) {
        /* One weight per training image, e.g. CRUST's cluster sizes from `lgc
         * subset --method crust`: the judge then trains on sum w l / sum w per
         * batch (judge.h), so a medoid's loss counts as often as its cluster
         * has members. */
        size_t nw = 0;
        double wsum = 0.0;
        if (lgc_npy_read_f32_vec(weights_path, &w, &nw, &err)) {
            rc = cli_fail_err(cmd, &err);
            goto done;
        }
        if (nw != train.x.n) {
            rc = cli_fail(cmd, EXIT_DATA, "%s: %zu weights for %zu training images (%s)",
                          weights_path, nw, train.x.n, tri);
            goto done;
        }
        for (size_t i = 0; i < nw; i++) {
            if (!isfinite(w[i]) || w[i] < 0.0f) {
                rc = cli_fail(cmd, EXIT_DATA, "%s: weight %zu is %g; weights must be finite and "
                              ">= 0", weights_path, i, (double)w[i]);
                goto done;
            }
            wsum += w[i];
        }
        if (!(wsum > 0.0) || !isfinite(wsum)) {
            rc = cli_fail(cmd, EXIT_DATA, "%s: the weights sum to %g; they must sum to a "
                          "positive finite number", weights_path, wsum);
            goto done;
        }
    }
    acc = calloc(n_seeds, sizeof *acc);
    gacc = calloc(n_seeds, sizeof *gacc);
    pred = malloc(test.x.n + 1);
    lgc_judge_result res, first;
    if (!acc || !gacc || !pred) {
        rc = cli_fail(cmd, EXIT_DATA, "out of memory");
        goto done;
    }
    double per_class_mean[LGC_MAX_CLASSES] = {0};
    lgc_labelled tr = {train.x.pix, train.y.y, w, train.x.n, train.x.h, train.x.w, train.x.c};
    lgc_labelled te = {test.x.pix, test.y.y, NULL, test.x.n, test.x.h, test.x.w, test.x.c};
    double t0 = cli_now();
    for (size_t s = 0; s < n_seeds; s++) {
        o.seed = seed0 + s;
        o.test_pred = pred;
        if (ugp) { /* each seed its own resampling, as each its own initialisation */
            free(rows);
            if (lgc_groups_upsample(ugroups.y, ugroups.n, o.seed, &rows, &n_rows, &err)) {
                rc = cli_fail_err(cmd, &err);
                goto done;
            }
            o.train_idx = rows, o.n_train_idx = n_rows;
        }
        prog_ctx pc = {&c, s, n_seeds, cli_now()};
        if (lgc_judge_run(&o, &tr, &te, n_classes, &res, on_progress, &pc, &err)) {
            cli_progress_done(&c);
            rc = cli_fail_err(cmd, &err);
            goto done;
        }
        if (s == 0)
            first = res;
        acc[s] = res.accuracy;
        if (tgp)
            lgc_group_accuracy(pred, test.y.y, tgroups.y, test.x.n, &gacc[s]);
        for (size_t k = 0; k < n_classes; k++)
            per_class_mean[k] += res.per_class[k] / (double)n_seeds;
        cli_progress_done(&c);
        if (!c.json && !c.quiet)
            fprintf(stderr, "eval: seed %llu: test accuracy %.2f%%\n",
                    (unsigned long long)o.seed, 100.0 * res.accuracy);
    }
    double secs = cli_now() - t0, mean = 0.0, var = 0.0;
    for (size_t s = 0; s < n_seeds; s++)
        mean += acc[s] / (double)n_seeds;
    for (size_t s = 0; s < n_seeds; s++)
        var += (acc[s] - mean) * (acc[s] - mean);
    double sd = n_seeds > 1 ? sqrt(var / (double)(n_seeds - 1)) : 0.0; /* sample sd */
    /* worst group per seed, its mean and sd; each group's accuracy averaged over seeds */
    double wmean = 0.0, wvar = 0.0, gmean[LGC_MAX_GROUPS] = {0};
    for (size_t s = 0; tgp && s < n_seeds; s++) {
        wmean += gacc[s].worst / (double)n_seeds;
        for (int g = 0; g < LGC_MAX_GROUPS; g++)
            if (gacc[s].n[g])
                gmean[g] += (double)gacc[s].correct[g] / (double)gacc[s].n[g] / (double)n_seeds;
    }
    for (size_t s = 0; tgp && s < n_seeds; s++)
        wvar += (gacc[s].worst - wmean) * (gacc[s].worst - wmean);
    double wsd = n_seeds > 1 ? sqrt(wvar / (double)(n_seeds - 1)) : 0.0;

    if (c.json) {
        printf("{\"judge\":\"%s\",\"steps\":%zu,\"batch\":%zu,\"train_images\":",
               lgc_judge_name(o.kind), o.steps, o.batch);
        cli_json_str(tri);
        printf(",\"weights\":");
        if (weights_path)
            cli_json_str(weights_path);
        else
            printf("null");
        printf(",\"n_train\":%zu,\"n_test\":%zu,\"seeds\":[", train.x.n, test.x.n);
        for (size_t s = 0; s < n_seeds; s++)
            printf("%s%llu", s ? "," : "", (unsigned long long)(seed0 + s));
        printf("],\"accuracy\":[");
        for (size_t s = 0; s < n_seeds; s++)
            printf("%s%.6f", s ? "," : "", acc[s]);
        printf("],\"accuracy_mean\":%.6f,\"accuracy_sd\":%.6f,\"per_class_mean\":[", mean, sd);
        for (size_t k = 0; k < n_classes; k++)
            printf("%s%.6f", k ? "," : "", per_class_mean[k]);
        printf("],\"confusion_first_seed\":[");
        for (size_t t = 0; t < n_classes; t++) {
            printf("%s[", t ? "," : "");
            for (size_t p = 0; p < n_classes; p++)
                printf("%s%u", p ? "," : "", first.confusion[t][p]);
            printf("]");
        }
        printf("]");
        if (ugp) {
            printf(",\"upsample_groups\":");
            cli_json_str(ugp);
            printf(",\"n_train_rows\":%zu", n_rows);
        }
        if (tgp) {
            printf(",\"test_groups\":");
            cli_json_str(tgp);
            printf(",\"n_groups\":%zu,\"worst_group_accuracy\":[", gacc[0].n_groups);
            for (size_t s = 0; s < n_seeds; s++)
                printf("%s%.6f", s ? "," : "", gacc[s].worst);
            printf("],\"worst_group\":[");
            for (size_t s = 0; s < n_seeds; s++)
                printf("%s%d", s ? "," : "", gacc[s].worst_group);
            printf("],\"worst_group_mean\":%.6f,\"worst_group_sd\":%.6f,\"groups\":[", wmean,
                   wsd);
            for (int g = 0, k = 0; g < LGC_MAX_GROUPS; g++)
                if (gacc[0].n[g])
                    printf("%s{\"group\":%d,\"n\":%zu,\"accuracy_mean\":%.6f}", k++ ? "," : "",
                           g, gacc[0].n[g], gmean[g]);
            printf("]");
        }
        printf(",\"seconds\":%.2f,\"threads\":%zu}\n", secs, threads);
    } else {
        printf("judge %s, %zu steps at batch %zu, trained on %zu images%s, tested on %zu\n",
               lgc_judge_name(o.kind), o.steps, o.batch, train.x.n,
               weights_path ? " (weighted)" : "", test.x.n);
        printf("test accuracy: %.2f +- %.2f %% (mean +- sd over %zu seeds:", 100 * mean, 100 * sd,
               n_seeds);
        for (size_t s = 0; s < n_seeds; s++)
            printf(" %.2f", 100 * acc[s]);
        printf(")\n");
        if (ugp)
            printf("trained on the groups of %s upsampled: %zu rows a pass\n", ugp, n_rows);
        if (tgp) {
            printf("worst-group accuracy: %.2f +- %.2f %% over %zu groups with test images (per "
                   "seed:", 100 * wmean, 100 * wsd, gacc[0].n_groups);
            for (size_t s = 0; s < n_seeds; s++)
                printf(" %.2f (group %d)", 100 * gacc[s].worst, gacc[s].worst_group);
            printf(")\nlowest groups by mean accuracy over seeds:");
            int shown[LGC_MAX_GROUPS] = {0};
            for (int k = 0; k < 5; k++) { /* the five lowest, without sorting everything */
                int best = -1;
                for (int g = 0; g < LGC_MAX_GROUPS; g++)
                    if (gacc[0].n[g] && !shown[g] && (best < 0 || gmean[g] < gmean[best]))
                        best = g;
                if (best < 0)
                    break;
                shown[best] = 1;
                printf("%s group %d %.2f %% (%zu images)", k ? "," : "", best, 100 * gmean[best],
                       gacc[0].n[best]);
            }
            printf("\n");
        }
        printf("per-class accuracy (mean over seeds):\n");
        for (size_t k = 0; k < n_classes; k++)
            printf("  class %2zu  %6.2f %%\n", k, 100 * per_class_mean[k]);
        printf("confusion matrix (seed %llu; rows = true class, columns = predicted):\n     ",
               (unsigned long long)seed0);
        for (size_t p = 0; p < n_classes; p++)
            printf("%6zu", p);
        printf("\n");
        for (size_t t = 0; t < n_classes; t++) {
            printf("  %2zu ", t);
            for (size_t p = 0; p < n_classes; p++)
                printf("%6u", first.confusion[t][p]);
            printf("\n");
        }
        printf("time: %.1f s (%zu threads)\n", secs, threads);
    }
done:
    free(acc);
    free(gacc);
    free(pred);
    free(rows);
    lgc_labels_free(&tgroups);
    lgc_labels_free(&ugroups);
    free(w);
    lgc_dataset_free(&train);
    lgc_dataset_free(&test);
    return rc;
}
