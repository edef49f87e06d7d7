/* cmd_privacy.c - `lgc privacy`: does a package give back its training records? */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "lgc/data.h"
#include "lgc/privacy.h"
#include "lgc/tensor.h"

/* --scores PREFIX: the membership scores and the drawn training images' indices. */
static int write_scores(const char *cmd, const char *prefix, const lgc_privacy_audit_out *a)
{
    if (!a->ll_train)
        return cli_fail(cmd, EXIT_USAGE, "--scores needs the encoder side file (--encoder)");
    size_t nt = a->r.n_mia_train, nh = a->r.n_mia_test;
    float *f = malloc(((nt > nh ? nt : nh) + 1) * sizeof *f);
    char path[4096];
    lgc_err err;
    int rc = 0;
    if (!f)
        return cli_fail(cmd, EXIT_DATA, "out of memory");
    const char *suffix[3] = {"train", "holdout", "index"};
    int k = 0;
    for (; k < 3 && !rc; k++) {
        size_t n = k == 1 ? nh : nt;
        for (size_t i = 0; i < n; i++)
            f[i] = k == 0 ? (float)a->ll_train[i] : k == 1 ? (float)a->ll_test[i]
                                                          : (float)a->train_index[i];
        snprintf(path, sizeof path, "%s-%s.npy", prefix, suffix[k]);
        size_t shape[1] = {n};
        if (lgc_npy_write_f32(path, f, 1, shape, 0, &err)) /* never over a file */
            rc = cli_fail_err(cmd, &err);
    }
    /* all three or none: a failure removes the ones this call wrote */
    for (int j = 0; rc && j < k - 1; j++) {
        snprintf(path, sizeof path, "%s-%s.npy", prefix, suffix[j]);
        unlink(path);
    }
    free(f);
    return rc;
}

int cmd_privacy(int argc, char **argv)
{
    const char *cmd = cli_cmd_privacy.name;
    audit_paths pp = {0};
    size_t n = 10000, threads = 2, n_pos;
    uint64_t seed = 1;
    double temperature = 1.0;
    const char *scores = NULL;
    cli_common c;
    cli_common_init(&c);
    int rc;
    const cli_option rows[] = {
        AUDIT_ROWS(&pp),
        {.name = "-n", .alias = "--n", .kind = OPT_SIZE, .meta = "N", .dest = &n, .lo = 1,
         .hi = 1000000, .help = "images of each kind"},
        CLI_ROW_SEED(&seed, "decompression and the draw of training images"),
        {.name = "--temperature", .kind = OPT_DOUBLE, .meta = "T", .dest = &temperature,
         .lo = 0.01, .hi = 100.0,
         .help = "audit the images lgc decompress --temperature T writes"},
        {.name = "--scores", .kind = OPT_FILE, .meta = "PREFIX", .dest = &scores,
         .help = "also write the membership scores (each image's log likelihood under its "
                 "class's mixture; needs the encoder side file), float32 NPY: "
                 "PREFIX-train.npy, PREFIX-holdout.npy, and PREFIX-index.npy (which training "
                 "images were drawn), for attacks with shadow packages"},
        CLI_ROWS_RUN(&threads, &c),
    };
    if ((rc = cli_parse(&cli_cmd_privacy, rows, CLI_N_ROWS(rows), argc, argv, &pp.package, &n_pos)))
        return rc == CLI_HELP_SHOWN ? 0 : rc;
    lgc_threads_set((int)threads);
    audit_inputs in;
    if ((rc = audit_load(cmd, &pp, &in)))
        return rc;
    lgc_err err;
    if (temperature != 1.0 && lgc_codec_set_temperature(&in.codec, temperature, &err)) {
        rc = cli_fail_err(cmd, &err);
        audit_free(&in);
        return rc;
    }
    double t0 = lgc_now();
    cli_progress(&c, "privacy: %zu images of each kind ...", n);
    lgc_privacy_audit_out a;
    if (lgc_privacy_audit(&in.codec, in.has_side ? &in.side : NULL, &in.train, &in.test, n, seed,
                          &a, &err)) {
        cli_progress_done(&c);
        rc = cli_fail_err(cmd, &err);
        audit_free(&in);
        return rc;
    }
    cli_progress_done(&c);
    const lgc_privacy_result *r = &a.r;
    if (scores && (rc = write_scores(cmd, scores, &a))) {
        lgc_privacy_audit_free(&a);
        audit_free(&in);
        return rc;
    }
    /* which classes the near copies come from (docs/PRIVACY.md) */
    size_t K = in.codec.n_classes, near_by_class[LGC_MAX_CLASSES] = {0};
    for (size_t i = 0; i < r->n_gen; i++)
        near_by_class[a.gen_labels[i]] += a.d_gen_train[i] < r->near_copy_threshold;
    if (c.json) {
        cli_json j;
        cli_json_begin(&j, cmd);
        cli_json_str(&j, "package", pp.package);
        cli_json_str(&j, "encoder", in.has_side ? in.encoder_path : NULL);
        cli_json_str(&j, "test_images", in.test_images);
        cli_json_u64(&j, "seed", seed);
        cli_json_num(&j, "temperature", temperature, 4);
        cli_json_bool(&j, "real_records", in.codec.n_ex > 0);
        cli_json_u64(&j, "n_real_records", in.codec.n_ex);
        cli_json_u64(&j, "n_decompressed_images", r->n_gen);
        cli_json_u64(&j, "n_train_images", r->n_train);
        cli_json_u64(&j, "n_test_images", r->n_test);
        cli_json_num(&j, "share_closer_to_train", r->share_closer_train, 6);
        cli_json_num(&j, "median_dist_to_train", r->median_gen_train, 6);
        cli_json_num(&j, "median_dist_to_test", r->median_gen_test, 6);
        cli_json_num(&j, "median_test_to_train", r->median_test_train, 6);
        cli_json_num(&j, "near_copy_threshold", r->near_copy_threshold, 6);
        cli_json_num(&j, "near_copy_fraction", r->near_copy_fraction, 6);
        cli_json_sizes(&j, "near_copies_by_class", near_by_class, K);
        cli_json_num(&j, "membership_auc", r->mia_auc, 6);
        cli_json_num(&j, "seconds", lgc_now() - t0, 2);
        cli_json_u64(&j, "threads", threads);
        cli_json_end(&j);
    } else {
        printf("%s: %zu decompressed, %zu training and %zu holdout images (seed %llu)\n",
               pp.package, r->n_gen, r->n_train, r->n_test, (unsigned long long)seed);
        if (in.codec.n_ex)
            printf("  REAL RECORDS: the package holds %zu real training images (a hybrid "
                   "package); they are given away as they are, whatever the figures below say. "
                   "%.0f%% of decompressed images are these copies.\n",
                   in.codec.n_ex, 100.0 * in.codec.ex_share);
        printf("  closer to a training image than to any holdout image: %.4f"
               "  (0.5: nothing memorised)\n", r->share_closer_train);
        printf("  median distance to the nearest training image:  %.4f\n", r->median_gen_train);
        printf("  median distance to the nearest holdout image:   %.4f\n", r->median_gen_test);
        printf("  median holdout -> nearest training (real data): %.4f\n", r->median_test_train);
        printf("  near copies: %.4f below %.4f, the 1st percentile of holdout -> training\n",
               r->near_copy_fraction, r->near_copy_threshold);
        printf("  near copies by class:");
        for (size_t k = 0; k < K; k++)
            printf(" %zu:%zu", k, near_by_class[k]);
        printf("\n");
        if (isfinite(r->mia_auc))
            printf("  membership inference AUC (log likelihood of codes): %.4f  (0.5: no leak)\n",
                   r->mia_auc);
        else
            printf("  membership inference: not measured (needs the encoder side file)\n");
    }
    lgc_privacy_audit_free(&a);
    audit_free(&in);
    return 0;
}
