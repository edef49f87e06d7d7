/* audit.c - load a package, its side file and the data sets (see audit.h). */
#include "audit.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_BATCH 256

void audit_free(audit_inputs *in)
{
    lgc_side_free(&in->side);
    lgc_pkg_free(in->side_pkg);
    lgc_codec_free(&in->codec);
    lgc_pkg_free(in->pkg);
    lgc_dataset_free(&in->train);
    lgc_dataset_free(&in->test);
    memset(in, 0, sizeof *in);
}

static int check_shape(const char *cmd, const char *path, const lgc_images *x, const lgc_codec *c)
{
    if (x->h == c->h && x->w == c->w && x->c == c->c)
        return 0;
    return cli_fail(cmd, EXIT_DATA, "%s: images are %zux%zux%zu, the package's are %zux%zux%zu",
                    path, x->h, x->w, x->c, c->h, c->w, c->c);
}

int audit_load(const char *cmd, const audit_paths *pp, audit_inputs *in)
{
    memset(in, 0, sizeof *in);
    lgc_err err;
    int rc = 0;
    if ((pp->test_images == NULL) != (pp->test_labels == NULL)) {
        rc = cli_fail(cmd, EXIT_USAGE, "--test-images and --test-labels go together");
        goto fail;
    }
    if (pp->encoder && pp->no_encoder) {
        rc = cli_fail(cmd, EXIT_USAGE, "--encoder and --no-encoder contradict each other");
        goto fail;
    }
    if (lgc_pkg_read_file(pp->package, NULL, &in->pkg, &err) ||
        lgc_codec_open(&in->codec, in->pkg, pp->package, MAX_BATCH, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto fail;
    }
    if (in->codec.grouped) {
        rc = cli_fail(cmd, EXIT_DATA, "%s: has mixtures per group (compress --groups); lgc %s "
                      "handles per-class packages only", pp->package, cmd);
        goto fail;
    }
    /* the side file: named, or IN.enc beside IN.lgc when it exists */
    if (pp->encoder) {
        snprintf(in->encoder_path, sizeof in->encoder_path, "%s", pp->encoder);
    } else if (!pp->no_encoder) {
        cli_beside(pp->package, ".enc", in->encoder_path, sizeof in->encoder_path);
        if (access(in->encoder_path, F_OK) != 0)
            in->encoder_path[0] = 0;
    }
    if (in->encoder_path[0]) {
        const lgc_pkg_kv *kc = lgc_pkg_find_kv(in->pkg, "created");
        const char *created = kc && kc->type == LGC_KV_STR ? kc->v.str : NULL;
        if (lgc_pkg_read_file(in->encoder_path, NULL, &in->side_pkg, &err) ||
            lgc_side_open(&in->side, in->side_pkg, in->encoder_path, &in->codec, created,
                          MAX_BATCH, &err)) {
            rc = cli_fail_err(cmd, &err);
            goto fail;
        }
        in->has_side = 1;
    }
    if (pp->test_images) {
        snprintf(in->test_images, sizeof in->test_images, "%s", pp->test_images);
        snprintf(in->test_labels, sizeof in->test_labels, "%s", pp->test_labels);
    } else if ((rc = cli_data_file(cmd, pp->data_dir, "t10k-images-idx3-ubyte", "--test-images",
                                   in->test_images, sizeof in->test_images)) ||
               (rc = cli_data_file(cmd, pp->data_dir, "t10k-labels-idx1-ubyte", "--test-labels",
                                   in->test_labels, sizeof in->test_labels))) {
        goto fail;
    }
    const char *ti = in->test_images, *tl = in->test_labels;
    if (lgc_dataset_load(pp->images, pp->labels, in->codec.n_classes, &in->train, &err) ||
        lgc_dataset_load(ti, tl, in->codec.n_classes, &in->test, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto fail;
    }
    if ((rc = check_shape(cmd, pp->images, &in->train.x, &in->codec)) ||
        (rc = check_shape(cmd, ti, &in->test.x, &in->codec)))
        goto fail;
    return 0;
fail:
    audit_free(in);
    return rc;
}
