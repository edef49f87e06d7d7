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

static void on_stage(void *ctx, const lgc_progress *pr)
{
    const cli_common *c = ctx;
    if (c->progress)
        cli_progress(c, "report: %s ...", pr->stage);
    else if (!c->quiet && !c->json)
        fprintf(stderr, "report: %s\n", pr->stage);
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

int cmd_report(int argc, char **argv)
{
    const char *cmd = cli_cmd_report.name, *dir = NULL;
    char dirbuf[4096];
    audit_paths pp = {0};
    lgc_report_opts o;
    lgc_report_opts_default(&o);
    size_t threads = 2, n_pos;
    int force = 0, no_svg = 0, rc;
    cli_common c;
    cli_common_init(&c);
    const cli_option rows[] = {
        {.name = "-o", .alias = "--output", .kind = OPT_DIR, .meta = "DIR", .dest = &dir,
         .def = "IN-report beside IN.lgc", .help = "folder to write"},
        CLI_ROW_FORCE(&force),
        AUDIT_ROWS(&pp),
        CLI_ROW_SEED(&o.seed, "decompression, draws, t-SNE and the judge"),
        {.name = "--judge-steps", .kind = OPT_SIZE, .meta = "N", .dest = &o.judge_steps,
         .lo = 1, .hi = 10000000, .help = "paper-cnn training steps on the decompressed set"},
        {.name = "--tsne-n", .kind = OPT_SIZE, .meta = "N", .dest = &o.tsne_n, .lo = 100,
         .hi = 100000, .help = "training codes in the t-SNE map"},
        {.name = "--privacy-n", .kind = OPT_SIZE, .meta = "N", .dest = &o.privacy_n, .lo = 1,
         .hi = 1000000, .help = "images of each kind in the privacy audit"},
        {.name = "--no-svg", .kind = OPT_FLAG, .dest = &no_svg, .help = "PNG only"},
        CLI_ROWS_RUN(&threads, &c),
    };
    if ((rc = cli_parse(&cli_cmd_report, rows, CLI_N_ROWS(rows), argc, argv, &pp.package, &n_pos)))
        return rc == CLI_HELP_SHOWN ? 0 : rc;
    if (no_svg)
        o.svg = 0;
    if (!dir) {
        cli_beside(pp.package, "-report", dirbuf, sizeof dirbuf);
        dir = dirbuf;
    }
    char index[4096];
    if ((size_t)snprintf(index, sizeof index, "%s/index.html", dir) >= sizeof index)
        return cli_fail(cmd, EXIT_USAGE, "-o: folder name too long");
    if (!force && access(index, F_OK) == 0)
        return cli_fail(cmd, EXIT_DATA, "%s: already exists (use -f to replace the report)",
                        index);
    lgc_threads_set((int)threads);

    audit_inputs in;
    if ((rc = audit_load(cmd, &pp, &in)))
        return rc;
    /* made once the inputs are known to be good: a refused run leaves no folder */
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        rc = cli_fail(cmd, EXIT_DATA, "%s: cannot make the folder: %s", dir, strerror(errno));
        audit_free(&in);
        return rc;
    }
    char *cmdline = join_argv(argc, argv);
    o.dir = dir;
    o.package_path = pp.package;
    o.encoder_path = in.has_side ? in.encoder_path : NULL;
    o.train_path = pp.images;
    o.test_path = in.test_images;
    o.command = cmdline;
    o.overwrite = force;
    static lgc_report_result res; /* large: keep it off the stack */
    lgc_err err;
    double t0 = lgc_now();
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
        cli_json j;
        cli_json_begin(&j, cmd);
        cli_json_str(&j, "report", index);
        cli_json_str(&j, "package", pp.package);
        cli_json_str(&j, "encoder", in.has_side ? in.encoder_path : NULL);
        cli_json_str(&j, "test_images", in.test_images);
        cli_json_u64(&j, "seed", o.seed);
        cli_json_u64(&j, "judge_steps", o.judge_steps);
        cli_json_num(&j, "judge_accuracy", res.judge.accuracy, 6);
        cli_json_num(&j, "tsne_knn_agreement", res.tsne_agreement, 6);
        cli_json_num(&j, "share_closer_to_train", pr->share_closer_train, 6);
        cli_json_num(&j, "median_dist_to_train", pr->median_gen_train, 6);
        cli_json_num(&j, "median_dist_to_test", pr->median_gen_test, 6);
        cli_json_num(&j, "near_copy_fraction", pr->near_copy_fraction, 6);
        cli_json_num(&j, "membership_auc", pr->mia_auc, 6);
        cli_json_array(&j, "outputs");
        for (size_t i = 0; i < res.n_files; i++)
            cli_json_str(&j, NULL, res.files[i]);
        cli_json_close(&j);
        cli_json_num(&j, "seconds", lgc_now() - t0, 1);
        cli_json_u64(&j, "threads", threads);
        cli_json_end(&j);
    } else if (!c.quiet) {
        printf("%s: %zu files in %.0f s\n", index, res.n_files, lgc_now() - t0);
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
    free(cmdline);
    audit_free(&in);
    return rc;
}
