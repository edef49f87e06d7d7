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

static const char *const judge_names[] = {"paper-cnn", "lenet", "convnet3", NULL};

static const cli_command command = {
    .name = "eval",
    .summary = "train a judge on a training set and test it",
    .synopsis = "--train-images F --train-labels F [options]",
    .description =
        "Train a judge only on the given training set (IDX or NPY, uint8 or float in [0,1]) for "
        "a fixed number of steps, test it on the real test set, and report accuracy mean +- sd "
        "over seeds, per-class accuracy and the confusion matrix.\n\n"
        "The test set defaults to MNIST's t10k files in the data folder.",
};

typedef struct {
    const cli_common *c;
    size_t seed_i, n_seeds;
    double t0;
} prog_ctx;

static void on_progress(void *p, size_t done, size_t total, double loss)
{
    prog_ctx *pc = p;
    double el = lgc_now() - pc->t0, eta = el / (double)done * (double)(total - done);
    cli_progress(pc->c, "eval: seed %zu/%zu step %zu/%zu loss %.4f eta %.0fs", pc->seed_i + 1,
                 pc->n_seeds, done, total, loss, eta);
}

int cmd_eval(int argc, char **argv)
{
    const char *cmd = command.name;
    const char *tri = NULL, *trl = NULL, *tei = NULL, *tel = NULL, *data_dir = NULL;
    const char *weights_path = NULL, *tgp = NULL, *ugp = NULL;
    char tei_buf[4096], tel_buf[4096];
    lgc_judge_opts o;
    lgc_judge_opts_default(&o);
    size_t n_seeds = 3, n_classes = 10, threads = 2, n_pos;
    uint64_t seed0 = 1;
    int judge = (int)o.kind, rc;
    cli_common c;
    cli_common_init(&c);
    const cli_option opt_rows[] = {
        {.name = "--train-images", .kind = OPT_FILE, .meta = "F", .dest = &tri,
         .flags = OPT_REQUIRED, .help = "training images"},
        {.name = "--train-labels", .kind = OPT_FILE, .meta = "F", .dest = &trl,
         .flags = OPT_REQUIRED, .help = "training labels"},
        {.name = "--test-images", .kind = OPT_FILE, .meta = "F", .dest = &tei,
         .def = "t10k-images-idx3-ubyte in the data folder", .help = "test images"},
        {.name = "--test-labels", .kind = OPT_FILE, .meta = "F", .dest = &tel,
         .def = "t10k-labels-idx1-ubyte in the data folder", .help = "test labels"},
        CLI_ROW_DATA_DIR(&data_dir),
        {.name = "--weights", .kind = OPT_FILE, .meta = "F", .dest = &weights_path,
         .help = "per-image loss weights (float32 NPY of shape (n,), finite, >= 0); each "
                 "batch's loss is sum w l / sum w"},
        {.name = "--test-groups", .kind = OPT_FILE, .meta = "F", .dest = &tgp,
         .help = "group id of each test image (uint8 IDX or NPY, e.g. from lgc spuco): also "
                 "report accuracy per group and the worst group's (groups without test images "
                 "are ignored)"},
        {.name = "--upsample-groups", .kind = OPT_FILE, .meta = "F", .dest = &ugp,
         .help = "group id of each training image: train on every group repeated to the size "
                 "of the largest (SpuCo's UpSampleERM, as the study's notebook), resampled for "
                 "each seed"},
        {.name = "--judge", .kind = OPT_CHOICE, .meta = "NAME", .dest = &judge,
         .choices = judge_names, .noun = "judge", .help = "the classifier (docs/PROTOCOL.md §4)"},
        {.name = "--steps", .kind = OPT_SIZE, .meta = "N", .dest = &o.steps, .lo = 1,
         .hi = 100000000, .help = "optimiser steps, batch 64"},
        {.name = "--seeds", .kind = OPT_SIZE, .meta = "K", .dest = &n_seeds, .lo = 1, .hi = 100,
         .help = "judge seeds S..S+K-1"},
        {.name = "--seed", .kind = OPT_U64, .meta = "S", .dest = &seed0, .help = "first seed"},
        {.name = "--classes", .kind = OPT_SIZE, .meta = "N", .dest = &n_classes, .lo = 2,
         .hi = LGC_MAX_CLASSES, .help = "number of classes"},
        CLI_ROW_THREADS(&threads),
        CLI_ROW_JSON(&c.json),
        CLI_ROW_QUIET(&c.quiet),
    };
    if ((rc = cli_parse(&command, opt_rows, CLI_N_ROWS(opt_rows), argc, argv, NULL, &n_pos)))
        return rc == CLI_HELP_SHOWN ? 0 : rc;
    o.kind = (lgc_judge_kind)judge;
    if (!tei) {
        if ((rc = cli_data_file(cmd, data_dir, "t10k-images-idx3-ubyte", "--test-images", tei_buf,
                                sizeof tei_buf)))
            return rc;
        tei = tei_buf;
    }
    if (!tel) {
        if ((rc = cli_data_file(cmd, data_dir, "t10k-labels-idx1-ubyte", "--test-labels", tel_buf,
                                sizeof tel_buf)))
            return rc;
        tel = tel_buf;
    }
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
    double t0 = lgc_now();
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
        prog_ctx pc = {&c, s, n_seeds, lgc_now()};
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
    double secs = lgc_now() - t0, mean = 0.0, var = 0.0;
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
        cli_json j;
        cli_json_begin(&j, cmd);
        cli_json_str(&j, "judge", lgc_judge_name(o.kind));
        cli_json_u64(&j, "steps", o.steps);
        cli_json_u64(&j, "batch", o.batch);
        cli_json_str(&j, "train_images", tri);
        cli_json_str(&j, "train_labels", trl);
        cli_json_str(&j, "test_images", tei);
        cli_json_str(&j, "test_labels", tel);
        cli_json_str(&j, "weights", weights_path);
        cli_json_u64(&j, "n_train_images", train.x.n);
        cli_json_u64(&j, "n_test_images", test.x.n);
        cli_json_u64(&j, "n_classes", n_classes);
        cli_json_array(&j, "seeds");
        for (size_t s = 0; s < n_seeds; s++)
            cli_json_u64(&j, NULL, seed0 + s);
        cli_json_close(&j);
        cli_json_nums(&j, "accuracy", acc, n_seeds, 6);
        cli_json_num(&j, "accuracy_mean", mean, 6);
        cli_json_num(&j, "accuracy_sd", sd, 6);
        cli_json_nums(&j, "per_class_mean", per_class_mean, n_classes, 6);
        cli_json_array(&j, "confusion_first_seed");
        for (size_t t = 0; t < n_classes; t++) {
            cli_json_array(&j, NULL);
            for (size_t p = 0; p < n_classes; p++)
                cli_json_u64(&j, NULL, first.confusion[t][p]);
            cli_json_close(&j);
        }
        cli_json_close(&j);
        cli_json_str(&j, "upsample_groups", ugp);
        if (ugp)
            cli_json_u64(&j, "n_train_rows", n_rows);
        else
            cli_json_null(&j, "n_train_rows");
        cli_json_str(&j, "test_groups", tgp);
        if (tgp) {
            cli_json_u64(&j, "n_groups", gacc[0].n_groups);
            cli_json_array(&j, "worst_group_accuracy");
            for (size_t s = 0; s < n_seeds; s++)
                cli_json_num(&j, NULL, gacc[s].worst, 6);
            cli_json_close(&j);
            cli_json_array(&j, "worst_group");
            for (size_t s = 0; s < n_seeds; s++)
                cli_json_i64(&j, NULL, gacc[s].worst_group);
            cli_json_close(&j);
            cli_json_num(&j, "worst_group_mean", wmean, 6);
            cli_json_num(&j, "worst_group_sd", wsd, 6);
            cli_json_array(&j, "groups");
            for (int g = 0; g < LGC_MAX_GROUPS; g++)
                if (gacc[0].n[g]) {
                    cli_json_object(&j, NULL);
                    cli_json_i64(&j, "group", g);
                    cli_json_u64(&j, "n", gacc[0].n[g]);
                    cli_json_num(&j, "accuracy_mean", gmean[g], 6);
                    cli_json_close(&j);
                }
            cli_json_close(&j);
        } else {
            static const char *const none[] = {"n_groups", "worst_group_accuracy", "worst_group",
                                               "worst_group_mean", "worst_group_sd", "groups"};
            for (size_t k = 0; k < sizeof none / sizeof *none; k++)
                cli_json_null(&j, none[k]);
        }
        cli_json_num(&j, "seconds", secs, 2);
        cli_json_u64(&j, "threads", threads);
        cli_json_end(&j);
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
