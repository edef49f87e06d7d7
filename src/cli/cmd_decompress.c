/* cmd_decompress.c - `lgc decompress`: regenerate a labelled training set from a package. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lgc/codec.h"
#include "lgc/tensor.h"

#define DEFAULT_MAX_N 10000000 /* above this, --allow-large is needed */

static const char *const balance_names[] = {"prior", "classes", "groups", NULL};
static const char *const order_names[] = {"shuffled", "class", NULL};
static const char *const format_names[] = {"idx", "npy", "png-folder", NULL};
#define FORMAT_PNG_FOLDER 2

/* Ranks other than 0 hand nothing to a sink (decompress.c sends their blocks). */
static lgc_status no_sink(void *ctx, const uint8_t *pix, const uint8_t *lab, size_t nb,
                          lgc_err *err)
{
    (void)ctx, (void)pix, (void)lab, (void)nb, (void)err;
    return LGC_OK;
}

/* --soft-labels: the package's teacher on the images just written, its
 * probabilities (N, classes) float32 in spath; on failure the images and
 * labels go too (all the outputs or none). */
static int write_soft(const char *cmd, lgc_net *t, const lgc_codec *codec, const char *ipath,
                      const char *lpath, const char *spath, int force)
{
    lgc_err err;
    lgc_images x = {0};
    float *q = NULL;
    size_t K = codec->n_classes;
    lgc_status st = lgc_images_read(ipath, &x, &err);
    if (!st && !(q = malloc(x.n * K * sizeof *q)))
        st = lgc_err_set(&err, LGC_ERR_NOMEM, "decompress: out of memory for soft labels");
    if (!st)
        st = lgc_codec_teach(t, &x, K, q, &err);
    size_t shape[2] = {x.n, K};
    if (!st)
        st = lgc_npy_write_f32(spath, q, 2, shape, force, &err);
    free(q);
    lgc_images_free(&x);
    if (!st)
        return 0;
    unlink(ipath), unlink(lpath);
    return cli_fail_err(cmd, &err);
}

static void on_progress(void *p, const lgc_progress *pr)
{
    cli_progress((const cli_common *)p, "decompress: %zu/%zu images", pr->done, pr->total);
}

int cmd_decompress(int argc, char **argv)
{
    const char *cmd = cli_cmd_decompress.name, *in = NULL, *prefix = NULL;
    size_t N = 60000, threads = 2, n_pos;
    uint64_t seed = 1, max_mem = 0; /* 0: the library defaults */
    double temperature = 1.0;
    int force = 0, allow_large = 0, rc, fmt = LGC_FMT_IDX, balance = LGC_BALANCE_PRIOR;
    int order = LGC_ORDER_SHUFFLED, soft = 0, has_teacher = 0;
    lgc_net teacher;
    memset(&teacher, 0, sizeof teacher);
    cli_common c;
    cli_common_init(&c);
    const cli_option rows[] = {
        CLI_ROW_OUTPUT(&prefix, "PREFIX", "output prefix: PREFIX-images.EXT, PREFIX-labels.EXT; "
                       "with --format png-folder, the folder to write"),
        {.name = "-n", .alias = "--n", .kind = OPT_SIZE, .meta = "N", .dest = &N, .lo = 1,
         .hi = 0xFFFFFFFFu, .help = "number of images"},
        {.name = "--order", .kind = OPT_CHOICE, .meta = "O", .dest = &order,
         .choices = order_names,
         .help = "shuffled: a seeded random order of all classes | class: class after class"},
        {.name = "--balance", .kind = OPT_CHOICE, .meta = "B", .dest = &balance,
         .choices = balance_names,
         .help = "how N is split: prior (in proportion to the stored priors) | classes (the "
                 "same number for every class) | groups (the same number for every group; "
                 "packages made with --groups)"},
        {.name = "--format", .kind = OPT_CHOICE, .meta = "F", .dest = &fmt,
         .choices = format_names,
         .help = "idx | npy: two files | png-folder: a folder of class folders of PNG files, "
                 "PREFIX/CLASS/INDEX.png (torchvision's ImageFolder layout, which lgc compress "
                 "--images reads back)"},
        {.name = "--soft-labels", .kind = OPT_FLAG, .dest = &soft,
         .help = "also write PREFIX-soft.npy: the package's teacher's probabilities (float32, "
                 "N x classes) for every image (packages made with --teacher); lgc eval "
                 "--soft-labels trains on them"},
        CLI_ROW_SEED(&seed, "sampling and the order"),
        {.name = "--temperature", .kind = OPT_DOUBLE, .meta = "T", .dest = &temperature,
         .lo = 0.01, .hi = 100.0,
         .help = "sample every mixture component with its spread times T (above 1: fewer near "
                 "copies of training images, docs/PRIVACY.md)"},
        CLI_ROW_FORCE(&force),
        {.name = "--allow-large", .kind = OPT_FLAG, .dest = &allow_large,
         .help = "allow -n above 10000000"},
        CLI_ROW_MAX_MEMORY(&max_mem),
        CLI_ROWS_RUN(&threads, &c),
    };
    if ((rc = cli_parse(&cli_cmd_decompress, rows, CLI_N_ROWS(rows), argc, argv, &in, &n_pos)))
        return rc == CLI_HELP_SHOWN ? 0 : rc;
    if (N > DEFAULT_MAX_N && !allow_large)
        return cli_fail(cmd, EXIT_USAGE, "-n %zu is above %d; add --allow-large to confirm", N,
                        DEFAULT_MAX_N);
    lgc_threads_set((int)threads);
    lgc_err err;
    lgc_pkg *p = NULL;
    lgc_codec codec;
    memset(&codec, 0, sizeof codec);
    double t0 = lgc_now();
    if (cli_open_package(cmd, in, max_mem, 4096, &p, &codec, &rc))
        goto done;
    if (temperature != 1.0 && lgc_codec_set_temperature(&codec, temperature, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (balance == LGC_BALANCE_GROUPS && !codec.grouped) {
        rc = cli_fail(cmd, EXIT_DATA, "%s: --balance groups needs a package compressed with "
                      "--groups; this one has one mixture per class", in);
        goto done;
    }
    if (soft && lgc_codec_get_teacher(p, in, codec.c, codec.h, codec.w, codec.n_classes, &teacher,
                                      &has_teacher, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (soft && fmt == FORMAT_PNG_FOLDER) {
        rc = cli_fail(cmd, EXIT_USAGE, "--soft-labels writes PREFIX-soft.npy beside two files; "
                      "it does not go with --format png-folder");
        goto done;
    }
    if (codec.n_ex && order == LGC_ORDER_CLASS) {
        rc = cli_fail(cmd, EXIT_USAGE, "%s: holds real images mixed through the shuffled order; "
                      "--order class cannot hold them", in);
        goto done;
    }
    if (soft && !has_teacher) {
        rc = cli_fail(cmd, EXIT_DATA, "%s: --soft-labels needs a package compressed with "
                      "--teacher; this one has no teacher", in);
        goto done;
    }
    int rank = lgc_comm_rank(cli_comm());
    codec.comm = cli_comm();
    if (rank != 0) { /* the other ranks generate their blocks and send them to rank 0 */
        lgc_status sst = lgc_codec_decompress_sink(&codec, N, seed, (lgc_balance)balance,
                                                   (lgc_order)order, no_sink, NULL, NULL, NULL,
                                                   &err);
        rc = sst ? cli_fail_err(cmd, &err) : 0;
        goto done;
    }
    lgc_status st = fmt == FORMAT_PNG_FOLDER
                        ? lgc_codec_decompress_folder(&codec, N, seed, (lgc_balance)balance,
                                                      (lgc_order)order, prefix, force, on_progress,
                                                      &c, &err)
                        : lgc_codec_decompress_files(&codec, N, seed, (lgc_balance)balance,
                                                     (lgc_order)order, prefix,
                                                     (lgc_file_format)fmt, force, on_progress, &c,
                                                     &err);
    if (st) {
        cli_progress_done(&c);
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    cli_progress_done(&c);
    double secs;
    char ipath[4096], lpath[4096], spath[4096];
    snprintf(ipath, sizeof ipath, "%s-images.%s", prefix, format_names[fmt]);
    snprintf(lpath, sizeof lpath, "%s-labels.%s", prefix, format_names[fmt]);
    int folder = fmt == FORMAT_PNG_FOLDER; /* one output: the folder, whose labels are its folders */
    if (folder)
        snprintf(ipath, sizeof ipath, "%s", prefix);
    snprintf(spath, sizeof spath, "%s-soft.npy", prefix);
    if (soft && (rc = write_soft(cmd, &teacher, &codec, ipath, lpath, spath, force)))
        goto done;
    secs = lgc_now() - t0;
    if (c.json) {
        cli_json j;
        cli_json_begin(&j, cmd);
        cli_json_str(&j, "package", in);
        cli_json_u64(&j, "n_images", N);
        cli_json_str(&j, "order", order_names[order]);
        cli_json_str(&j, "balance", balance_names[balance]);
        cli_json_str(&j, "format", format_names[fmt]);
        cli_json_u64(&j, "seed", seed);
        cli_json_num(&j, "temperature", temperature, 4);
        cli_json_u64(&j, "n_real_images", lgc_codec_exemplar_count(&codec, N));
        cli_json_str(&j, "images", ipath);
        cli_json_str(&j, "labels", folder ? NULL : lpath);
        cli_json_str(&j, "soft_labels", soft ? spath : NULL);
        cli_json_array(&j, "outputs");
        cli_json_str(&j, NULL, ipath);
        if (!folder)
            cli_json_str(&j, NULL, lpath);
        if (soft)
            cli_json_str(&j, NULL, spath);
        cli_json_close(&j);
        cli_json_num(&j, "images_per_second", (double)N / secs, 0);
        cli_json_num(&j, "seconds", secs, 3);
        cli_json_u64(&j, "threads", threads);
        cli_json_end(&j);
    } else if (!c.quiet) {
        fprintf(stderr, "decompress: %zu images to %s%s%s in %.2f s\n", N, ipath,
                folder ? "/" : " and ", folder ? "" : lpath, secs);
        if (codec.n_ex)
            fprintf(stderr, "decompress: %zu of them are real training images (the package's %zu, "
                            "each repeated about %.1f times)\n", lgc_codec_exemplar_count(&codec, N),
                    codec.n_ex, (double)lgc_codec_exemplar_count(&codec, N) / (double)codec.n_ex);
    }
    rc = 0;
done:
    lgc_net_free(&teacher);
    lgc_codec_free(&codec);
    lgc_pkg_free(p);
    return rc;
}
