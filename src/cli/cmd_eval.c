/* cmd_eval.c - `lgc eval`: train a judge on a training set, test on the real test set. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lgc/data.h"
#include "lgc/seeds.h"
#include "lgc/tensor.h"

static const char *const judge_names[] = {"paper-cnn", "lenet", "convnet3", NULL};
/* In the order of lgc_layout. */
static const char *const layout_names[] = {"auto", "nhwc", "nchw", NULL};

typedef struct {
    const char *tri, *trl, *tei, *tel, *data_dir, *weights, *tgp, *ugp, *softp;
    char tei_buf[4096], tel_buf[4096];
    lgc_judge_opts o;
    size_t n_seeds, n_classes, threads;
    int judge, layout;
    cli_common c;
} eval_args;

/* What eval reads: the two sets, the weights, the group ids. */
typedef struct {
    lgc_dataset train, test;
    float *w;
    float *soft; /* (train n, n_classes) */
    lgc_labels tgroups, ugroups;
} eval_inputs;

static void inputs_free(eval_inputs *in)
{
    lgc_dataset_free(&in->train), lgc_dataset_free(&in->test);
    lgc_labels_free(&in->tgroups), lgc_labels_free(&in->ugroups);
    free(in->w), free(in->soft);
}

static void on_progress(void *p, const lgc_progress *pr)
{
    const cli_common *c = p;
    if (!strcmp(pr->stage, "judge"))
        cli_progress(c, "eval: step %zu/%zu loss %.4f", pr->done, pr->total, pr->value);
    if (!strcmp(pr->stage, "seed")) {
        cli_progress_done(c);
        if (!c->json && !c->quiet)
            fprintf(stderr, "eval: seed %zu/%zu: test accuracy %.2f%%\n", pr->done, pr->total,
                    100.0 * pr->value);
    }
}

static int parse(eval_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    lgc_judge_opts_default(&a->o);
    a->o.seed = 1, a->n_seeds = 3, a->n_classes = 0, a->threads = 2, a->judge = (int)a->o.kind;
    cli_common_init(&a->c);
    const cli_option rows[] = {
        {.name = "--train-images", .kind = OPT_FILE, .meta = "F", .dest = &a->tri,
         .flags = OPT_REQUIRED,
         .help = "training images: IDX, NPY or a folder of class folders of PNG or JPEG files"},
        {.name = "--train-labels", .kind = OPT_FILE, .meta = "F", .dest = &a->trl,
         .def = "none for a folder of class folders; required otherwise",
         .help = "training labels"},
        {.name = "--test-images", .kind = OPT_FILE, .meta = "F", .dest = &a->tei,
         .def = "t10k-images-idx3-ubyte in the data folder", .help = "test images"},
        {.name = "--test-labels", .kind = OPT_FILE, .meta = "F", .dest = &a->tel,
         .def = "t10k-labels-idx1-ubyte in the data folder; none when --test-images is a folder",
         .help = "test labels"},
        {.name = "--layout", .kind = OPT_CHOICE, .meta = "L", .dest = &a->layout,
         .choices = layout_names,
         .help = "layout of rank-4 NPY image arrays: auto | nhwc | nchw (as lgc compress)"},
        CLI_ROW_DATA_DIR(&a->data_dir),
        {.name = "--weights", .kind = OPT_FILE, .meta = "F", .dest = &a->weights,
         .help = "per-image loss weights (float32 NPY of shape (n,), finite, >= 0); each "
                 "batch's loss is sum w l / sum w"},
        {.name = "--test-groups", .kind = OPT_FILE, .meta = "F", .dest = &a->tgp,
         .help = "group id of each test image (uint8 IDX or NPY, e.g. from lgc spuco): also "
                 "report accuracy per group and the worst group's (groups without test images "
                 "are ignored)"},
        {.name = "--upsample-groups", .kind = OPT_FILE, .meta = "F", .dest = &a->ugp,
         .help = "group id of each training image: train on every group repeated to the size "
                 "of the largest (SpuCo's UpSampleERM, as the study's notebook), resampled for "
                 "each seed"},
        {.name = "--augment", .kind = OPT_FLAG, .dest = &a->o.augment,
         .help = "the augmenting judge: every training image, each time it is drawn, gets a "
                 "fresh random affine transform (rotation +-12 degrees, scale 0.9-1.1, shift "
                 "-2..2 px, bilinear; docs/PROTOCOL.md §4)"},
        {.name = "--soft-labels", .kind = OPT_FILE, .meta = "F", .dest = &a->softp,
         .help = "train on soft targets: float32 NPY (n, classes), one probability row per "
                 "training image (lgc decompress --soft-labels writes them)"},
        {.name = "--judge", .kind = OPT_CHOICE, .meta = "NAME", .dest = &a->judge,
         .choices = judge_names, .noun = "judge", .help = "the classifier (docs/PROTOCOL.md §4)"},
        {.name = "--steps", .kind = OPT_SIZE, .meta = "N", .dest = &a->o.steps, .lo = 1,
         .hi = 100000000, .help = "optimiser steps"},
        {.name = "--batch", .kind = OPT_SIZE, .meta = "N", .dest = &a->o.batch, .lo = 1,
         .hi = 4096, .help = "images per step (docs/PROTOCOL.md §4 scores with 64; other "
                 "batches are for timing and experiments)"},
        {.name = "--seeds", .kind = OPT_SIZE, .meta = "K", .dest = &a->n_seeds, .lo = 1,
         .hi = LGC_JUDGE_MAX_SEEDS, .help = "judge seeds S..S+K-1"},
        {.name = "--seed", .kind = OPT_U64, .meta = "S", .dest = &a->o.seed, .help = "first seed"},
        {.name = "--classes", .kind = OPT_SIZE, .meta = "N", .dest = &a->n_classes, .lo = 2,
         .hi = LGC_MAX_CLASSES,
         .def = "inferred: the largest label + 1 (or class folders) of either set",
         .help = "number of classes"},
        CLI_ROWS_RUN(&a->threads, &a->c),
    };
    int rc = cli_parse(&cli_cmd_eval, rows, CLI_N_ROWS(rows), argc, argv, NULL, NULL);
    if (rc)
        return rc;
    a->o.kind = (lgc_judge_kind)a->judge;
    if (!a->tei && (rc = cli_data_file(cli_cmd_eval.name, a->data_dir, "t10k-images-idx3-ubyte",
                                       "--test-images", a->tei_buf, sizeof a->tei_buf)))
        return rc;
    if (!a->tel && !lgc_path_is_folder(a->tei ? a->tei : a->tei_buf) &&
        (rc = cli_data_file(cli_cmd_eval.name, a->data_dir, "t10k-labels-idx1-ubyte",
                                       "--test-labels", a->tel_buf, sizeof a->tel_buf)))
        return rc;
    a->tei = a->tei ? a->tei : a->tei_buf;
    a->tel = a->tel ? a->tel : a->tel_buf[0] ? a->tel_buf : NULL;
    if (!a->trl && !lgc_path_is_folder(a->tri))
        return cli_fail(cli_cmd_eval.name, EXIT_USAGE, "--train-labels is required (unless "
                        "--train-images is a folder of class folders)");
    return 0;
}

/* One weight per training image, e.g. CRUST's cluster sizes from `lgc subset
 * --method crust`: the judge then trains on sum w l / sum w per batch, so a
 * medoid's loss counts as often as its cluster has members. */
static int load_weights(const char *cmd, const eval_args *a, eval_inputs *in)
{
    lgc_err err;
    size_t nw = 0;
    double wsum = 0.0;
    if (lgc_npy_read_f32_vec(a->weights, &in->w, &nw, &err))
        return cli_fail_err(cmd, &err);
    if (nw != in->train.x.n)
        return cli_fail(cmd, EXIT_DATA, "%s: %zu weights for %zu training images (%s)",
                        a->weights, nw, in->train.x.n, a->tri);
    for (size_t i = 0; i < nw; i++) {
        if (!isfinite(in->w[i]) || in->w[i] < 0.0f)
            return cli_fail(cmd, EXIT_DATA, "%s: weight %zu is %g; weights must be finite and "
                            ">= 0", a->weights, i, (double)in->w[i]);
        wsum += in->w[i];
    }
    if (!(wsum > 0.0) || !isfinite(wsum))
        return cli_fail(cmd, EXIT_DATA, "%s: the weights sum to %g; they must sum to a positive "
                        "finite number", a->weights, wsum);
    return 0;
}

/* Soft targets: one row of n_classes probabilities per training image,
 * finite, >= 0, summing to 1 (within float rounding; renormalised). */
static int load_soft(const char *cmd, const eval_args *a, eval_inputs *in)
{
    lgc_err err;
    size_t rows = 0, cols = 0, K = a->n_classes;
    if (lgc_npy_read_f32(a->softp, &in->soft, &rows, &cols, &err))
        return cli_fail_err(cmd, &err);
    if (rows != in->train.x.n || cols != K)
        return cli_fail(cmd, EXIT_DATA, "%s: %zu x %zu soft labels for %zu training images of %zu "
                        "classes", a->softp, rows, cols, in->train.x.n, K);
    for (size_t i = 0; i < rows; i++) {
        double sum = 0.0;
        for (size_t k = 0; k < K; k++) {
            float q = in->soft[i * K + k];
            if (!isfinite(q) || q < 0.0f)
                return cli_fail(cmd, EXIT_DATA, "%s: row %zu holds %g; soft labels are "
                                "probabilities", a->softp, i, (double)q);
            sum += q;
        }
        if (fabs(sum - 1.0) > 1e-3)
            return cli_fail(cmd, EXIT_DATA, "%s: row %zu sums to %g, not 1", a->softp, i, sum);
        for (size_t k = 0; k < K; k++)
            in->soft[i * K + k] = (float)(in->soft[i * K + k] / sum);
    }
    return 0;
}

static int load(const char *cmd, eval_args *a, eval_inputs *in)
{
    lgc_err err;
    int rc;
    lgc_layout lay = (lgc_layout)a->layout;
    if (lgc_dataset_load_layout(a->tri, a->trl, a->n_classes, lay, &in->train, &err) ||
        lgc_dataset_load_layout(a->tei, a->tel, a->n_classes, lay, &in->test, &err))
        return cli_fail_err(cmd, &err);
    if (!a->n_classes) /* inferred: the classes of either set */
        a->n_classes = in->train.n_classes > in->test.n_classes ? in->train.n_classes
                                                                 : in->test.n_classes;
    if (a->n_classes < 2)
        return cli_fail(cmd, EXIT_DATA, "%s: the labels name %zu class; a judge needs 2 or more",
                        a->trl ? a->trl : a->tri, a->n_classes);
    in->train.n_classes = in->test.n_classes = a->n_classes;
    const lgc_images *tr = &in->train.x, *te = &in->test.x;
    if (te->h != tr->h || te->w != tr->w || te->c != tr->c)
        return cli_fail(cmd, EXIT_DATA, "%s: test images are %zux%zux%zu, the training images %s "
                        "are %zux%zux%zu", a->tei, te->h, te->w, te->c, a->tri, tr->h, tr->w,
                        tr->c);
    if ((a->tgp && lgc_labels_read(a->tgp, &in->tgroups, &err)) ||
        (a->ugp && lgc_labels_read(a->ugp, &in->ugroups, &err)))
        return cli_fail_err(cmd, &err);
    if (a->tgp && in->tgroups.n != te->n)
        return cli_fail(cmd, EXIT_DATA, "%s: %zu group ids for %zu test images", a->tgp,
                        in->tgroups.n, te->n);
    if (a->ugp && in->ugroups.n != tr->n)
        return cli_fail(cmd, EXIT_DATA, "%s: %zu group ids for %zu training images", a->ugp,
                        in->ugroups.n, tr->n);
    if (a->softp && (rc = load_soft(cmd, a, in)))
        return rc;
    return a->weights ? load_weights(cmd, a, in) : 0;
}

static void print_json(const eval_args *a, const eval_inputs *in, const lgc_judge_seeds_result *r,
                       double secs)
{
    size_t K = a->n_classes;
    cli_json j;
    cli_json_begin(&j, cli_cmd_eval.name);
    cli_json_str(&j, "judge", lgc_judge_name(a->o.kind));
    cli_json_u64(&j, "steps", a->o.steps);
    cli_json_u64(&j, "batch", a->o.batch);
    cli_json_str(&j, "train_images", a->tri);
    cli_json_str(&j, "train_labels", a->trl);
    cli_json_str(&j, "test_images", a->tei);
    cli_json_str(&j, "test_labels", a->tel);
    cli_json_str(&j, "weights", a->weights);
    cli_json_bool(&j, "augment", a->o.augment);
    cli_json_str(&j, "soft_labels", a->softp);
    cli_json_u64(&j, "n_train_images", in->train.x.n);
    cli_json_u64(&j, "n_test_images", in->test.x.n);
    cli_json_u64(&j, "n_classes", K);
    cli_json_array(&j, "seeds");
    for (size_t s = 0; s < r->n_seeds; s++)
        cli_json_u64(&j, NULL, r->seed[s]);
    cli_json_close(&j);
    cli_json_nums(&j, "accuracy", r->accuracy, r->n_seeds, 6);
    cli_json_num(&j, "accuracy_mean", r->mean, 6);
    cli_json_num(&j, "accuracy_sd", r->sd, 6);
    cli_json_nums(&j, "per_class_mean", r->per_class_mean, K, 6);
    cli_json_array(&j, "confusion_first_seed");
    for (size_t t = 0; t < K; t++) {
        cli_json_array(&j, NULL);
        for (size_t p = 0; p < K; p++)
            cli_json_u64(&j, NULL, r->first.confusion[t][p]);
        cli_json_close(&j);
    }
    cli_json_close(&j);
    cli_json_str(&j, "upsample_groups", a->ugp);
    cli_json_u64_or_null(&j, "n_train_rows", a->ugp != NULL, r->n_train_rows);
    cli_json_str(&j, "test_groups", a->tgp);
    if (r->has_groups) {
        cli_json_u64(&j, "n_groups", r->n_groups);
        cli_json_nums(&j, "worst_group_accuracy", r->worst, r->n_seeds, 6);
        cli_json_array(&j, "worst_group");
        for (size_t s = 0; s < r->n_seeds; s++)
            cli_json_i64(&j, NULL, r->worst_group[s]);
        cli_json_close(&j);
        cli_json_num(&j, "worst_group_mean", r->worst_mean, 6);
        cli_json_num(&j, "worst_group_sd", r->worst_sd, 6);
        cli_json_array(&j, "groups");
        for (int g = 0; g < LGC_MAX_GROUPS; g++)
            if (r->group_n[g]) {
                cli_json_object(&j, NULL);
                cli_json_i64(&j, "group", g);
                cli_json_u64(&j, "n", r->group_n[g]);
                cli_json_num(&j, "accuracy_mean", r->group_mean[g], 6);
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
    cli_json_u64(&j, "threads", a->threads);
    cli_json_end(&j);
}

static void print_groups(const lgc_judge_seeds_result *r)
{
    printf("worst-group accuracy: %.2f +- %.2f %% over %zu groups with test images (per seed:",
           100 * r->worst_mean, 100 * r->worst_sd, r->n_groups);
    for (size_t s = 0; s < r->n_seeds; s++)
        printf(" %.2f (group %d)", 100 * r->worst[s], r->worst_group[s]);
    printf(")\nlowest groups by mean accuracy over seeds:");
    int shown[LGC_MAX_GROUPS] = {0};
    for (int k = 0; k < 5; k++) { /* the five lowest, without sorting everything */
        int best = -1;
        for (int g = 0; g < LGC_MAX_GROUPS; g++)
            if (r->group_n[g] && !shown[g] && (best < 0 || r->group_mean[g] < r->group_mean[best]))
                best = g;
        if (best < 0)
            break;
        shown[best] = 1;
        printf("%s group %d %.2f %% (%zu images)", k ? "," : "", best, 100 * r->group_mean[best],
               r->group_n[best]);
    }
    printf("\n");
}

static void print_text(const eval_args *a, const eval_inputs *in, const lgc_judge_seeds_result *r,
                       double secs)
{
    size_t K = a->n_classes;
    printf("judge %s%s, %zu steps at batch %zu, trained on %zu images%s%s, tested on %zu\n",
           lgc_judge_name(a->o.kind), a->o.augment ? " (augmenting)" : "", a->o.steps,
           a->o.batch, in->train.x.n, a->weights ? " (weighted)" : "",
           a->softp ? " (soft labels)" : "", in->test.x.n);
    printf("test accuracy: %.2f +- %.2f %% (mean +- sd over %zu seeds:", 100 * r->mean,
           100 * r->sd, r->n_seeds);
    for (size_t s = 0; s < r->n_seeds; s++)
        printf(" %.2f", 100 * r->accuracy[s]);
    printf(")\n");
    if (a->ugp)
        printf("trained on the groups of %s upsampled: %zu rows a pass\n", a->ugp, r->n_train_rows);
    if (r->has_groups)
        print_groups(r);
    printf("per-class accuracy (mean over seeds):\n");
    for (size_t k = 0; k < K; k++)
        printf("  class %2zu  %6.2f %%\n", k, 100 * r->per_class_mean[k]);
    printf("confusion matrix (seed %llu; rows = true class, columns = predicted):\n     ",
           (unsigned long long)r->seed[0]);
    for (size_t p = 0; p < K; p++)
        printf("%6zu", p);
    printf("\n");
    for (size_t t = 0; t < K; t++) {
        printf("  %2zu ", t);
        for (size_t p = 0; p < K; p++)
            printf("%6u", r->first.confusion[t][p]);
        printf("\n");
    }
    printf("time: %.1f s (%zu threads)\n", secs, a->threads);
}

int cmd_eval(int argc, char **argv)
{
    const char *cmd = cli_cmd_eval.name;
    static eval_args a; /* large: keep it off the stack */
    static lgc_judge_seeds_result r;
    int rc = parse(&a, argc, argv);
    if (rc)
        return rc == CLI_HELP_SHOWN ? 0 : rc;
    /* under mpirun the seeds are split over the ranks; rank 0 alone reports */
    a.o.comm = cli_comm();
    if (lgc_comm_rank(cli_comm()) != 0)
        a.c.quiet = 1, a.c.json = 0, a.c.progress = 0;
    lgc_threads_set((int)a.threads);
    eval_inputs in;
    memset(&in, 0, sizeof in);
    if ((rc = load(cmd, &a, &in)))
        goto done;
    a.o.weights = in.w;
    a.o.soft = in.soft;
    lgc_err err;
    double t0 = lgc_now();
    if (lgc_judge_seeds(&a.o, a.n_seeds, &in.train, &in.test, a.n_classes,
                        a.tgp ? in.tgroups.y : NULL, a.ugp ? in.ugroups.y : NULL, &r,
                        on_progress, &a.c, &err)) {
        cli_progress_done(&a.c);
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    double secs = lgc_now() - t0;
    if (lgc_comm_rank(cli_comm()) == 0) /* the others computed only */
        (a.c.json ? print_json : print_text)(&a, &in, &r, secs);
    rc = 0;
done:
    inputs_free(&in);
    return rc;
}
