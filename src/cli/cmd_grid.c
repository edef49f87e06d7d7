/* cmd_grid.c - `lgc grid`: a PNG of regenerated (or real) samples, one row per class. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lgc/codec.h"
#include "lgc/png.h"
#include "lgc/tensor.h"

static const char *const balance_names[] = {"prior", "groups", NULL};

static void print_json(const char *in, const char *imgp, const char *outp, size_t n_classes,
                       size_t per, uint64_t seed, int by_group, double secs)
{
    cli_json j;
    cli_json_begin(&j, cli_cmd_grid.name);
    cli_json_str(&j, "package", in);
    cli_json_str(&j, "images", imgp);
    cli_json_array(&j, "outputs");
    cli_json_str(&j, NULL, outp);
    cli_json_close(&j);
    cli_json_u64(&j, "n_classes", n_classes);
    cli_json_u64(&j, "per_class", per);
    cli_json_u64_or_null(&j, "seed", in != NULL, seed);
    cli_json_str(&j, "balance", balance_names[by_group]);
    cli_json_num(&j, "seconds", secs, 3);
    cli_json_end(&j);
}

/* Real images: row c holds the first per images of class c, or with groups the
 * first image of each of the class's groups in turn (ascending ids). */
static int grid_real(const char *cmd, const char *imgp, const char *labp, const char *grpp,
                     const char *outp, size_t per, int force, int json, double t0)
{
    lgc_dataset d = {0};
    lgc_labels g = {0};
    lgc_images all = {0}, grid = {0};
    lgc_err err;
    int rc = 0;
    if (lgc_dataset_load(imgp, labp, 0, &d, &err) || (grpp && lgc_labels_read(grpp, &g, &err))) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (grpp && g.n != d.x.n) {
        rc = cli_fail(cmd, EXIT_DATA, "%s: %zu group ids for %zu images", grpp, g.n, d.x.n);
        goto done;
    }
    size_t C = d.n_classes, img = d.x.h * d.x.w * d.x.c;
    all.n = C * per, all.h = d.x.h, all.w = d.x.w, all.c = d.x.c;
    if (!(all.pix = malloc(all.n * img))) {
        rc = cli_fail(cmd, EXIT_DATA, "out of memory");
        goto done;
    }
    memset(all.pix, 128, all.n * img);
    for (size_t cls = 0; cls < C; cls++) {
        size_t first[256], ng = 0, filled = 0;
        int seen[256] = {0};
        for (size_t i = 0; i < d.x.n; i++) /* the class's groups, first image of each */
            if (d.y.y[i] == cls && grpp && !seen[g.y[i]]++)
                first[g.y[i]] = i;
        for (size_t k = 0; k < 256 && grpp; k++)
            if (seen[k])
                first[ng++] = first[k]; /* k >= ng: compacting in place is safe */
        for (size_t i = 0; i < d.x.n && filled < per && !grpp; i++)
            if (d.y.y[i] == cls)
                memcpy(all.pix + (cls * per + filled++) * img, d.x.pix + i * img, img);
        for (size_t j = 0; grpp && ng && j < per; j++)
            memcpy(all.pix + (cls * per + j) * img, d.x.pix + first[j % ng] * img, img);
    }
    if (lgc_image_grid(&all, all.n, C, per, 2, 128, &grid, &err) ||
        lgc_png_write(outp, grid.pix, grid.w, grid.h, grid.c, force, &err))
        rc = cli_fail_err(cmd, &err);
    else if (json)
        print_json(NULL, imgp, outp, C, per, 0, grpp != NULL, lgc_now() - t0);
done:
    free(all.pix);
    lgc_images_free(&grid);
    lgc_dataset_free(&d);
    lgc_labels_free(&g);
    return rc;
}

int cmd_grid(int argc, char **argv)
{
    const char *cmd = cli_cmd_grid.name, *in = NULL, *outp = NULL;
    const char *imgp = NULL, *labp = NULL, *grpp = NULL;
    size_t per = 10, n_pos;
    uint64_t seed = 1;
    int force = 0, rc, by_group = 0, json = 0;
    const cli_option rows[] = {
        CLI_ROW_OUTPUT(&outp, "F", "PNG to write"),
        {.name = "--balance", .kind = OPT_CHOICE, .meta = "B", .dest = &by_group,
         .choices = balance_names,
         .help = "prior: each sample's group drawn by the stored priors | groups: column j shows "
                 "the class's j-th group (in turn), as lgc decompress --balance groups "
                 "regenerates them; packages made with --groups"},
        {.name = "--per-class", .kind = OPT_SIZE, .meta = "N", .dest = &per, .lo = 1, .hi = 100,
         .help = "samples per class (columns)"},
        CLI_ROW_SEED(&seed, "sampling"),
        {.name = "--images", .kind = OPT_FILE, .meta = "F", .dest = &imgp,
         .help = "tile these real images instead of a package's"},
        {.name = "--labels", .kind = OPT_FILE, .meta = "F", .dest = &labp,
         .help = "their labels"},
        {.name = "--groups", .kind = OPT_FILE, .meta = "F", .dest = &grpp,
         .help = "their group ids (with --balance groups)"},
        CLI_ROW_FORCE(&force),
        CLI_ROW_JSON(&json),
    };
    if ((rc = cli_parse(&cli_cmd_grid, rows, CLI_N_ROWS(rows), argc, argv, &in, &n_pos)))
        return rc == CLI_HELP_SHOWN ? 0 : rc;
    double t0 = lgc_now();
    if (imgp || labp || grpp) {
        if (in || !imgp || !labp || !outp)
            return cli_fail(cmd, EXIT_USAGE, "real images need --images, --labels and -o, and no "
                            "package");
        if (by_group && !grpp)
            return cli_fail(cmd, EXIT_USAGE, "--balance groups on real images needs --groups");
        return grid_real(cmd, imgp, labp, by_group ? grpp : NULL, outp, per, force, json, t0);
    }
    if (!in)
        return cli_fail(cmd, EXIT_USAGE, "a package (or --images and --labels) is required");
    lgc_err err;
    lgc_pkg *p = NULL;
    lgc_codec codec;
    lgc_images all = {0}, grid = {0};
    memset(&codec, 0, sizeof codec);
    rc = 0;
    if (lgc_pkg_read_file(in, NULL, &p, &err) || lgc_codec_open(&codec, p, in, per, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (by_group && !codec.grouped) {
        rc = cli_fail(cmd, EXIT_DATA, "%s: --balance groups needs a package compressed with "
                      "--groups", in);
        goto done;
    }
    size_t img = codec.h * codec.w * codec.c;
    all.n = codec.n_classes * per, all.h = codec.h, all.w = codec.w, all.c = codec.c;
    all.pix = malloc(all.n * img);
    if (!all.pix) {
        rc = cli_fail(cmd, EXIT_DATA, "out of memory");
        goto done;
    }
    for (size_t cls = 0; cls < codec.n_classes; cls++) {
        lgc_rng r; /* the class's own stream: the grid does not depend on the others */
        lgc_rng_init(&r, seed, 0x1000 + cls);
        size_t mine[LGC_MAX_GROUPS], nk = 0; /* the class's mixtures, by group id */
        for (size_t m = 0; m < codec.n_mix; m++)
            if (codec.mix_class[m] == cls)
                mine[nk++] = m;
        for (size_t j = 0; j < (by_group ? per : 1); j++) {
            uint8_t *out = all.pix + (cls * per + j) * img;
            if (by_group ? lgc_codec_generate_mixture(&codec, mine[j % nk], 1, &r, out, &err)
                         : lgc_codec_generate(&codec, cls, per, &r, out, &err)) {
                rc = cli_fail_err(cmd, &err);
                goto done;
            }
        }
    }
    if (lgc_image_grid(&all, all.n, codec.n_classes, per, 2, 128, &grid, &err) ||
        lgc_png_write(outp, grid.pix, grid.w, grid.h, grid.c, force, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (json)
        print_json(in, NULL, outp, codec.n_classes, per, seed, by_group, lgc_now() - t0);
done:
    free(all.pix);
    lgc_images_free(&grid);
    lgc_codec_free(&codec);
    lgc_pkg_free(p);
    return rc;
}
