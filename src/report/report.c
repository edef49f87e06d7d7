/* report.c - lgc_report_write: the analysis of one package, stage by stage
 * (see include/lgc/report.h; pictures in figures.c, the page in page.c). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "lgc/tsne.h"

void lgc_report_opts_default(lgc_report_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->judge_steps = 2000;
    o->tsne_n = 5000;
    o->privacy_n = 10000;
    o->svg = 1;
}

/* ---- all of it ----------------------------------------------------------- */

lgc_status lgc_report_write(const lgc_pkg *p, lgc_codec *c, lgc_side *side,
                            const lgc_dataset *train, const lgc_dataset *test,
                            const lgc_report_opts *o, lgc_report_result *res,
                            lgc_progress_fn progress, void *ctx, lgc_err *err)
{
    memset(res, 0, sizeof *res);
    res->tsne_agreement = res->tsne_kl = NAN;
    for (size_t i = 0; i < LGC_REPORT_MAX_CLASSES; i++) {
        res->gauss_kl_class[i] = NAN;
        for (size_t k = 0; k < LGC_CODEC_KMAX; k++)
            res->gauss_kl[i][k] = NAN;
    }
    if (c->n_classes > LGC_REPORT_MAX_CLASSES)
        return lgc_err_set(err, LGC_ERR_ARG, "report: the package has %zu classes; the report "
                           "draws at most %d", c->n_classes, LGC_REPORT_MAX_CLASSES);
    if (c->grouped) /* the pages read one mixture per class */
        return lgc_err_set(err, LGC_ERR_ARG, "report: the package has mixtures per group; the "
                           "report describes per-class packages only");
    size_t img = c->c * c->h * c->w;
    const lgc_images *tx = &train->x, *sx = &test->x;
    if (tx->h != c->h || tx->w != c->w || tx->c != c->c || sx->h != c->h || sx->w != c->w ||
        sx->c != c->c)
        return lgc_err_set(err, LGC_ERR_ARG, "report: the training and holdout images must be "
                           "%zux%zux%zu like the package's", c->h, c->w, c->c);
    if (!tx->n || !sx->n || !o->judge_steps || !o->privacy_n)
        return lgc_err_set(err, LGC_ERR_ARG, "report: empty sets or zero steps");
    for (size_t i = 0; i < tx->n; i++)
        if (train->y.y[i] >= c->n_classes)
            return lgc_err_set(err, LGC_ERR_VALUE, "report: training label %u at %zu, but the "
                               "package has %zu classes", train->y.y[i], i, c->n_classes);
    for (size_t i = 0; i < sx->n; i++)
        if (test->y.y[i] >= c->n_classes)
            return lgc_err_set(err, LGC_ERR_VALUE, "report: holdout label %u at %zu, but the "
                               "package has %zu classes", test->y.y[i], i, c->n_classes);
    static rep_ctx zero;
    rep_ctx *r = malloc(sizeof *r);
    if (!r)
        return lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
    *r = zero;
    r->o = o, r->res = res, r->c = c, r->side = side, r->train = train, r->test = test;
    r->img = img, r->progress = progress, r->ctx = ctx;

    /* the decompressed set the judge learns from: as many images as the package was made from */
    size_t N = 0;
    const lgc_pkg_kv *counts = lgc_pkg_find_kv(p, "class.counts");
    if (counts && counts->type == LGC_KV_U64_ARRAY)
        for (size_t i = 0; i < counts->n; i++)
            N += counts->v.u64s[i];
    if (N == 0 || N > ((size_t)1 << 26))
        N = tx->n;
    const lgc_pkg_kv *lossk = lgc_pkg_find_kv(p, "train.loss");
    const char *loss_name = lossk && lossk->type == LGC_KV_STR ? lossk->v.str : "?";
    uint8_t *dx = malloc(N * img), *dy = malloc(N);
    float *zall = NULL;
    lgc_privacy_audit_out aud;
    memset(&aud, 0, sizeof aud);
    lgc_status st = LGC_OK;
    if (!dx || !dy) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory for %zu images", N);
        goto fail;
    }
    rep_stage(r, "decompressing");
    if ((st = lgc_codec_decompress_mem(c, N, o->seed, LGC_BALANCE_PRIOR,
                                        c->n_ex ? LGC_ORDER_SHUFFLED : LGC_ORDER_CLASS, dx, dy, err)))
        goto fail;
    rep_stage(r, "sample grids");
    if ((st = rep_pic_samples(r, dx, dy, N, err)) || (st = rep_pic_interp(r, err)))
        goto fail;
    if (side) {
        rep_stage(r, "BIC and loss curves, reconstructions");
        if ((st = rep_pic_bic(r, err)) || (st = rep_pic_loss(r, loss_name, err)) ||
            (st = rep_pic_recon(r, err)))
            goto fail;
        rep_stage(r, "encoding the training set");
        if (!(zall = malloc(tx->n * c->latent * sizeof *zall))) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
            goto fail;
        }
        if ((st = lgc_model_encode(&side->m, tx->pix, r->train->y.y, tx->n, LGC_FIT_MU, 1, zall,
                                   err)))
            goto fail;
        rep_stage(r, "Gaussianity check");
        if ((st = rep_pic_gauss(r, zall, err)))
            goto fail;
        rep_stage(r, "t-SNE map");
        if ((st = rep_pic_tsne(r, zall, err)))
            goto fail;
    }
    rep_stage(r, "judge");
    lgc_judge_opts jo;
    lgc_judge_opts_default(&jo);
    jo.steps = o->judge_steps;
    jo.seed = o->seed;
    lgc_dataset jtr = {{N, c->h, c->w, c->c, dx}, {N, dy}, c->n_classes};
    lgc_dataset jte = {{sx->n, c->h, c->w, c->c, sx->pix}, {sx->n, test->y.y}, c->n_classes};
    res->judge_train_n = N;
    if ((st = lgc_judge_run(&jo, &jtr, &jte, c->n_classes, &res->judge, NULL, NULL, err)) ||
        (st = rep_pic_confusion(r, err)))
        goto fail;
    free(dx), free(dy);
    dx = dy = NULL;
    rep_stage(r, "privacy audit");
    if ((st = lgc_privacy_audit(c, side, train, test, o->privacy_n, o->seed, &aud, err)))
        goto fail;
    res->privacy = aud.r;
    if ((st = rep_pic_privacy(r, &aud, err)))
        goto fail;
    rep_stage(r, "index.html");
    st = rep_write_page(r, p, &aud, loss_name, err);
fail:
    lgc_privacy_audit_free(&aud);
    free(dx), free(dy), free(zall), free(r);
    return st;
}

