/* cmd_grid.c - `lgc grid`: a PNG of regenerated (or real) samples, one row per class. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lgc/codec.h"
#include "lgc/png.h"
#include "lgc/tensor.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: lgc grid IN.lgc -o FILE.png [options]\n"
               "       lgc grid --images F --labels F [--groups F] -o FILE.png [options]\n\n"
               "Regenerate a few samples of every class and tile them into one PNG, one row\n"
               "per class; or tile real images: row c shows the first images of class c in\n"
               "the file (with --groups and --balance groups: the first image of each of the\n"
               "class's groups in turn), cells of a class with too few images left grey.\n\n"
               "  -o, --output F    PNG to write\n"
               "  --balance B       prior: each sample's group drawn by the stored priors |\n"
               "                    groups: column j shows the class's j-th group (in turn),\n"
               "                    as lgc decompress --balance groups regenerates them;\n"
               "                    packages made with --groups [prior]\n"
               "  --per-class N     samples per class (columns) [10]\n"
               "  --seed S          sampling seed [1]\n"
               "  -f, --force       overwrite an existing output\n");
}

/* Real images: row c holds the first per images of class c, or with groups the
 * first image of each of the class's groups in turn (ascending ids). */
static int grid_real(const char *cmd, const char *imgp, const char *labp, const char *grpp,
                     const char *outp, size_t per, int force)
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
done:
    free(all.pix);
    lgc_images_free(&grid);
    lgc_dataset_free(&d);
    lgc_labels_free(&g);
    return rc;
}

int cmd_grid(int argc, char **argv)
{
    const char *cmd = "grid", *in = NULL, *outp = NULL, *v;
    const char *imgp = NULL, *labp = NULL, *grpp = NULL;
    size_t per = 10;
    uint64_t seed = 1;
    int force = 0, rc, by_group = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")) {
            force = 1;
        } else if (cli_opt(argc, argv, &i, "-o", &v) || cli_opt(argc, argv, &i, "--output", &v)) {
            if (!v)
                return cli_fail(cmd, EXIT_USAGE, "-o needs a file name");
            outp = v;
        } else if (cli_opt(argc, argv, &i, "--per-class", &v)) {
            if ((rc = cli_size(cmd, "--per-class", v, 1, 100, &per)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--balance", &v)) {
            if (v && (!strcmp(v, "prior") || !strcmp(v, "groups")))
                by_group = !strcmp(v, "groups");
            else
                return cli_fail(cmd, EXIT_USAGE, "--balance: '%s' is not prior or groups",
                                v ? v : "");
        } else if (cli_opt(argc, argv, &i, "--seed", &v)) {
            if ((rc = cli_u64(cmd, "--seed", v, &seed)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--images", &v)) {
            if ((rc = cli_need(cmd, "--images", v)))
                return rc;
            imgp = v;
        } else if (cli_opt(argc, argv, &i, "--labels", &v)) {
            if ((rc = cli_need(cmd, "--labels", v)))
                return rc;
            labp = v;
        } else if (cli_opt(argc, argv, &i, "--groups", &v)) {
            if ((rc = cli_need(cmd, "--groups", v)))
                return rc;
            grpp = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_fail(cmd, EXIT_USAGE, "unknown option '%s' (see lgc grid --help)", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else {
            return cli_fail(cmd, EXIT_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    if (imgp || labp || grpp) {
        if (in || !imgp || !labp || !outp)
            return cli_fail(cmd, EXIT_USAGE, "real images need --images, --labels and -o, and no "
                            "package");
        if (by_group && !grpp)
            return cli_fail(cmd, EXIT_USAGE, "--balance groups on real images needs --groups");
        return grid_real(cmd, imgp, labp, by_group ? grpp : NULL, outp, per, force);
    }
    if (!in || !outp)
        return cli_fail(cmd, EXIT_USAGE, "a package and -o FILE.png are required");
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
        lgc_rng r; /* the stream lgc_codec_decompress_files uses for this class */
        lgc_rng_init(&r, seed, 0x1000 + cls);
        size_t mine[LGC_CODEC_MAX_MIXTURES], nk = 0; /* the class's mixtures, by group id */
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
done:
    free(all.pix);
    lgc_images_free(&grid);
    lgc_codec_free(&codec);
    lgc_pkg_free(p);
    return rc;
}
