/* cmd_privacy.c - `lgc privacy`: does a package give back its training records? */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "lgc/privacy.h"
#include "lgc/tensor.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc privacy IN.lgc --images F --labels F [options]\n\n"
            "Privacy audit of a package (PROTOCOL.md section 6). N decompressed images, N\n"
            "training images drawn at random and N holdout images: for each decompressed image\n"
            "its nearest training and nearest holdout image (L2 on pixels in [0,1], exact).\n"
            "Reports the share closer to training (0.5: nothing memorised), both median\n"
            "distances, the fraction of near copies (closer to a training image than 99%% of\n"
            "holdout images are), and, with the encoder side file, the membership-inference AUC\n"
            "of the package's own likelihoods (0.5: no leak).\n\n" AUDIT_USAGE_INPUTS
            "  --n N               images of each kind [10000]\n"
            "  --seed S            decompression and the draw of training images [1]\n"
            "  --threads T         threads [2]\n"
            "  --json              one JSON object on stdout\n"
            "  -q                  no progress\n");
}

static void json_num(const char *key, double v, int comma)
{
    printf("%s\"%s\":", comma ? "," : "", key);
    if (isfinite(v))
        printf("%.6f", v);
    else
        printf("null");
}

int cmd_privacy(int argc, char **argv)
{
    const char *cmd = "privacy", *v;
    audit_paths pp = {0};
    size_t n = 10000, threads = 2;
    uint64_t seed = 1;
    cli_common c;
    cli_common_init(&c);
    int rc;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (cli_common_flag(&c, argv[i])) {
        } else if (!strcmp(argv[i], "--no-encoder")) {
            pp.no_encoder = 1;
        } else if (cli_opt(argc, argv, &i, "--images", &v)) {
            pp.images = v;
        } else if (cli_opt(argc, argv, &i, "--labels", &v)) {
            pp.labels = v;
        } else if (cli_opt(argc, argv, &i, "--test-images", &v)) {
            pp.test_images = v;
        } else if (cli_opt(argc, argv, &i, "--test-labels", &v)) {
            pp.test_labels = v;
        } else if (cli_opt(argc, argv, &i, "--encoder", &v)) {
            if (!v || !*v)
                return cli_fail(cmd, EXIT_USAGE, "--encoder needs a file name");
            pp.encoder = v;
        } else if (cli_opt(argc, argv, &i, "--n", &v)) {
            if ((rc = cli_size(cmd, "--n", v, 1, 1000000, &n)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--seed", &v)) {
            if ((rc = cli_u64(cmd, "--seed", v, &seed)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--threads", &v)) {
            if ((rc = cli_size(cmd, "--threads", v, 1, 256, &threads)))
                return rc;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_fail(cmd, EXIT_USAGE, "unknown option '%s' (see lgc privacy --help)",
                            argv[i]);
        } else if (!pp.package) {
            pp.package = argv[i];
        } else {
            return cli_fail(cmd, EXIT_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    if (!pp.package || !pp.images || !pp.labels ||
        (pp.test_images == NULL) != (pp.test_labels == NULL))
        return cli_fail(cmd, EXIT_USAGE, "a package, --images and --labels are required "
                        "(--test-images and --test-labels go together)");
    if (pp.encoder && pp.no_encoder)
        return cli_fail(cmd, EXIT_USAGE, "--encoder and --no-encoder contradict each other");
    lgc_threads_set((int)threads);
    audit_inputs in;
    if ((rc = audit_load(cmd, &pp, &in)))
        return rc;
    double t0 = cli_now();
    cli_progress(&c, "privacy: %zu images of each kind ...", n);
    lgc_privacy_audit_out a;
    lgc_err err;
    if (lgc_privacy_audit(&in.codec, in.has_side ? &in.side : NULL, &in.train, &in.test, n, seed,
                          &a, &err)) {
        cli_progress_done(&c);
        rc = cli_fail_err(cmd, &err);
        audit_free(&in);
        return rc;
    }
    cli_progress_done(&c);
    const lgc_privacy_result *r = &a.r;
    if (c.json) {
        printf("{\"package\":");
        cli_json_str(pp.package);
        printf(",\"encoder\":");
        if (in.has_side)
            cli_json_str(in.encoder_path);
        else
            printf("null");
        printf(",\"seed\":%llu,\"n_decompressed\":%zu,\"n_train\":%zu,\"n_test\":%zu",
               (unsigned long long)seed, r->n_gen, r->n_train, r->n_test);
        json_num("share_closer_to_train", r->share_closer_train, 1);
        json_num("median_dist_to_train", r->median_gen_train, 1);
        json_num("median_dist_to_test", r->median_gen_test, 1);
        json_num("median_test_to_train", r->median_test_train, 1);
        json_num("near_copy_threshold", r->near_copy_threshold, 1);
        json_num("near_copy_fraction", r->near_copy_fraction, 1);
        json_num("membership_auc", r->mia_auc, 1);
        printf(",\"seconds\":%.2f}\n", cli_now() - t0);
    } else {
        printf("%s: %zu decompressed, %zu training and %zu holdout images (seed %llu)\n",
               pp.package, r->n_gen, r->n_train, r->n_test, (unsigned long long)seed);
        printf("  closer to a training image than to any holdout image: %.4f"
               "  (0.5: nothing memorised)\n", r->share_closer_train);
        printf("  median distance to the nearest training image:  %.4f\n", r->median_gen_train);
        printf("  median distance to the nearest holdout image:   %.4f\n", r->median_gen_test);
        printf("  median holdout -> nearest training (real data): %.4f\n", r->median_test_train);
        printf("  near copies: %.4f below %.4f, the 1st percentile of holdout -> training\n",
               r->near_copy_fraction, r->near_copy_threshold);
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
