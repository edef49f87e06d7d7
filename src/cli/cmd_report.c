/* cmd_report.c - `lgc report`: pictures and one HTML page about a package. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "lgc/plot.h"
#include "lgc/report.h"
#include "lgc/tensor.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc report IN.lgc --images F --labels F -o DIR [options]\n\n"
            "Draw what a package holds and what it regenerates, into DIR (made if missing):\n"
            "sample grids, a latent interpolation, a judge's confusion matrix and the privacy\n"
            "audit; with the encoder side file also BIC curves, the training loss,\n"
            "reconstructions, a t-SNE map of codes and the Gaussianity check. DIR/index.html\n"
            "ties them together and opens offline.\n\n"
            "  -o, --output DIR    folder to write\n"
            "  -f, --force         replace the files of an earlier report in DIR\n"
            AUDIT_USAGE_INPUTS
            "  --seed S            decompression, draws, t-SNE and judge [1]\n"
            "  --judge-steps N     paper-cnn training steps on the decompressed set [2000]\n"
            "  --tsne-n N          training codes in the t-SNE map [5000]\n"
            "  --privacy-n N       images of each kind in the privacy audit [10000]\n"
            "  --no-svg            PNG only\n"
            "  --threads T         threads [2]\n"
            "  --json              summary as one JSON object on stdout\n"
            "  -q                  no progress\n");
}

static void on_stage(void *ctx, const char *what)
{
    const cli_common *c = ctx;
    if (c->progress)
        cli_progress(c, "report: %s ...", what);
    else if (!c->quiet && !c->json)
        fprintf(stderr, "report: %s\n", what);
}

/* The command line as one string, arguments with spaces or quotes in single quotes. */
static char *join_argv(int argc, char **argv)
{
    size_t n = 16;
    for (int i = 0; i < argc; i++)
        n += 4 * strlen(argv[i]) + 3;
    char *s = malloc(n);
    if (!s)
        return NULL;
    strcpy(s, "lgc");
    for (int i = 0; i < argc; i++) {
        int q = strpbrk(argv[i], " \t'\"\\$") != NULL || !*argv[i];
        strcat(s, q ? " '" : " ");
        for (const char *p = argv[i]; *p; p++) {
            size_t l = strlen(s);
            if (*p == '\'') {
                strcpy(s + l, "'\\''");
            } else {
                s[l] = *p;
                s[l + 1] = 0;
            }
        }
        if (q)
            strcat(s, "'");
    }
    return s;
}

static void json_num(const char *key, double v)
{
    printf(",\"%s\":", key);
    if (isfinite(v))
        printf("%.6f", v);
    else
        printf("null");
}

int cmd_report(int argc, char **argv)
{
    const char *cmd = "report", *dir = NULL, *v;
    audit_paths pp = {0};
    lgc_report_opts o;
    lgc_report_opts_default(&o);
    size_t threads = 2;
    int force = 0, rc;
    cli_common c;
    cli_common_init(&c);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (cli_common_flag(&c, argv[i])) {
        } else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")) {
            force = 1;
        } else if (!strcmp(argv[i], "--no-encoder")) {
            pp.no_encoder = 1;
        } else if (!strcmp(argv[i], "--no-svg")) {
            o.svg = 0;
        } else if (cli_opt(argc, argv, &i, "-o", &v) || cli_opt(argc, argv, &i, "--output", &v)) {
            if (!v || !*v)
                return cli_fail(cmd, EXIT_USAGE, "-o needs a folder name");
            dir = v;
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
        } else if (cli_opt(argc, argv, &i, "--seed", &v)) {
            if ((rc = cli_u64(cmd, "--seed", v, &o.seed)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--judge-steps", &v)) {
            if ((rc = cli_size(cmd, "--judge-steps", v, 1, 10000000, &o.judge_steps)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--tsne-n", &v)) {
            if ((rc = cli_size(cmd, "--tsne-n", v, 100, 100000, &o.tsne_n)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--privacy-n", &v)) {
            if ((rc = cli_size(cmd, "--privacy-n", v, 1, 1000000, &o.privacy_n)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--threads", &v)) {
            if ((rc = cli_size(cmd, "--threads", v, 1, 256, &threads)))
                return rc;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_fail(cmd, EXIT_USAGE, "unknown option '%s' (see lgc report --help)",
                            argv[i]);
        } else if (!pp.package) {
            pp.package = argv[i];
        } else {
            return cli_fail(cmd, EXIT_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    if (!pp.package || !pp.images || !pp.labels || !dir ||
        (pp.test_images == NULL) != (pp.test_labels == NULL))
        return cli_fail(cmd, EXIT_USAGE, "a package, --images, --labels and -o are required "
                        "(--test-images and --test-labels go together)");
    if (pp.encoder && pp.no_encoder)
        return cli_fail(cmd, EXIT_USAGE, "--encoder and --no-encoder contradict each other");
    char index[4096];
    snprintf(index, sizeof index, "%s/index.html", dir);
    if (!force && access(index, F_OK) == 0)
        return cli_fail(cmd, EXIT_DATA, "%s: already exists (use -f to replace the report)",
                        index);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return cli_fail(cmd, EXIT_DATA, "%s: cannot make the folder: %s", dir, strerror(errno));
    lgc_threads_set((int)threads);

    audit_inputs in;
    if ((rc = audit_load(cmd, &pp, &in)))
        return rc;
    char *command = join_argv(argc, argv);
    o.dir = dir;
    o.package_path = pp.package;
    o.encoder_path = in.has_side ? in.encoder_path : NULL;
    o.train_path = pp.images;
    o.test_path = pp.test_images ? pp.test_images : DEFAULT_TEST_IMAGES;
    o.command = command;
    o.overwrite = force;
    static lgc_report_result res; /* large: keep it off the stack */
    lgc_err err;
    double t0 = cli_now();
    lgc_status st = lgc_report_write(in.pkg, &in.codec, in.has_side ? &in.side : NULL, &in.train,
                                     &in.test, &o, &res, on_stage, &c, &err);
    lgc_plot_release();
    cli_progress_done(&c);
    if (st) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    const lgc_privacy_result *pr = &res.privacy;
    if (c.json) {
        printf("{\"report\":");
        cli_json_str(index);
        printf(",\"package\":");
        cli_json_str(pp.package);
        printf(",\"encoder\":");
        if (in.has_side)
            cli_json_str(in.encoder_path);
        else
            printf("null");
        printf(",\"seed\":%llu,\"judge_steps\":%zu", (unsigned long long)o.seed, o.judge_steps);
        json_num("judge_accuracy", res.judge.accuracy);
        json_num("tsne_knn_agreement", res.tsne_agreement);
        json_num("share_closer_to_train", pr->share_closer_train);
        json_num("median_dist_to_train", pr->median_gen_train);
        json_num("median_dist_to_test", pr->median_gen_test);
        json_num("near_copy_fraction", pr->near_copy_fraction);
        json_num("membership_auc", pr->mia_auc);
        printf(",\"files\":[");
        for (size_t i = 0; i < res.n_files; i++) {
            printf("%s", i ? "," : "");
            cli_json_str(res.files[i]);
        }
        printf("],\"seconds\":%.1f}\n", cli_now() - t0);
    } else if (!c.quiet) {
        printf("%s: %zu files in %.0f s\n", index, res.n_files, cli_now() - t0);
        printf("  judge (paper-cnn, %zu steps) on decompressed data: accuracy %.4f\n",
               o.judge_steps, res.judge.accuracy);
        printf("  privacy: closer to training %.4f, near copies %.4f, membership AUC ",
               pr->share_closer_train, pr->near_copy_fraction);
        if (isfinite(pr->mia_auc))
            printf("%.4f\n", pr->mia_auc);
        else
            printf("not measured (no encoder side file)\n");
    }
    rc = 0;
done:
    free(command);
    audit_free(&in);
    return rc;
}
