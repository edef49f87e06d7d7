/* figures.c - the pictures of lgc report, one function each. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "lgc/tsne.h"

/* ---- pictures that need only the package ---------------------------------- */

/* Real images of each class beside decompressed ones. dec: x (N, img) sorted by class. */
lgc_status rep_pic_samples(rep_ctx *r, const uint8_t *dx, const uint8_t *dy, size_t N,
                              lgc_err *err)
{
    size_t K = r->c->n_classes, cols = 2 * SAMPLES_PER_CLASS, img = r->img;
    lgc_images sheet = {K * cols, r->c->h, r->c->w, r->c->c, calloc(K * cols, img)};
    if (!sheet.pix)
        return lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
    for (size_t cls = 0; cls < K; cls++) {
        size_t got = 0;
        for (size_t i = 0; i < r->train->x.n && got < SAMPLES_PER_CLASS; i++)
            if (r->train->y.y[i] == cls)
                memcpy(sheet.pix + (cls * cols + got++) * img, r->train->x.pix + i * img, img);
        got = 0;
        for (size_t i = 0; i < N && got < SAMPLES_PER_CLASS; i++)
            if (dy[i] == cls)
                memcpy(sheet.pix + (cls * cols + SAMPLES_PER_CLASS + got++) * img, dx + i * img,
                       img);
    }
    const char *rows[LGC_REPORT_MAX_CLASSES], *groups[2] = {"real (training set)", "decompressed"};
    for (size_t cls = 0; cls < K; cls++)
        rows[cls] = rep_class_label(cls);
    lgc_image_sheet s = {"Real and decompressed images, 10 per class", &sheet, K, cols, rows,
                         SAMPLES_PER_CLASS, groups, 2};
    lgc_status st = rep_put_sheet(r, "samples.png", &s, err);
    free(sheet.pix);
    return st;
}

/* Codes blended from a sample of class a's mixture to one of class a + 1's. */
lgc_status rep_pic_interp(rep_ctx *r, lgc_err *err)
{
    size_t K = r->c->n_classes, L = r->c->latent, S = INTERP_STEPS;
    float *z = malloc(K * S * L * sizeof *z), z0[1024], z1[1024]; /* latent <= 1024 (codec) */
    lgc_images sheet = {K * S, r->c->h, r->c->w, r->c->c, malloc(K * S * r->img)};
    char labels[LGC_REPORT_MAX_CLASSES][48];
    const char *rows[LGC_REPORT_MAX_CLASSES];
    lgc_status st = LGC_OK;
    if (!z || !sheet.pix || L > 1024) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
        goto fail;
    }
    lgc_rng rng;
    lgc_rng_init(&rng, r->o->seed, STREAM_INTERP);
    for (size_t a = 0; a < K; a++) {
        size_t b = (a + 1) % K;
        if ((st = lgc_gmm_sample(&r->c->gmm[a], &rng, 1, z0, err)) ||
            (st = lgc_gmm_sample(&r->c->gmm[b], &rng, 1, z1, err)))
            goto fail;
        for (size_t t = 0; t < S; t++) {
            float u = (float)t / (float)(S - 1);
            for (size_t j = 0; j < L; j++)
                z[(a * S + t) * L + j] = (1.0f - u) * z0[j] + u * z1[j];
        }
        snprintf(labels[a], sizeof labels[a], "%zu \u2192 %zu", a, b);
        rows[a] = labels[a];
    }
    lgc_decode_to_u8(&r->c->dec, z, K * S, r->c->c, r->c->h, r->c->w, sheet.pix);
    lgc_image_sheet s = {"Latent interpolation: a sample of one class's mixture to one of the next",
                         &sheet, K, S, rows, 0, NULL, 2};
    st = rep_put_sheet(r, "interp.png", &s, err);
fail:
    free(z), free(sheet.pix);
    return st;
}

lgc_status rep_pic_confusion(rep_ctx *r, lgc_err *err)
{
    size_t K = r->c->n_classes;
    double v[LGC_REPORT_MAX_CLASSES * LGC_REPORT_MAX_CLASSES];
    const char *lab[LGC_REPORT_MAX_CLASSES];
    for (size_t i = 0; i < K; i++) {
        lab[i] = rep_class_label(i);
        for (size_t j = 0; j < K; j++)
            v[i * K + j] = r->res->judge.confusion[i][j];
    }
    char title[128];
    snprintf(title, sizeof title, "Judge trained on decompressed data: accuracy %.2f%%",
             100.0 * r->res->judge.accuracy);
    lgc_heatmap h = {title, "predicted class", "true class", K, K, v, lab, lab, "%.0f", 1, 0};
    return rep_put_heatmap(r, "confusion", &h, err);
}

lgc_status rep_pic_privacy(rep_ctx *r, const lgc_privacy_audit_out *a, lgc_err *err)
{
    enum { B = 50 };
    const lgc_privacy_result *p = &a->r;
    double e1[B + 1], h1[B], h2[B], h3[B], e2[B + 1], m1[B], m2[B];
    double thr[1] = {p->near_copy_threshold};
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < p->n_gen; i++)
        lo = fmin(lo, fmin(a->d_gen_train[i], a->d_gen_test[i])),
        hi = fmax(hi, fmax(a->d_gen_train[i], a->d_gen_test[i]));
    for (size_t i = 0; i < p->n_test; i++)
        lo = fmin(lo, a->d_test_train[i]), hi = fmax(hi, a->d_test_train[i]);
    rep_even_edges(lo, hi, B, e1);
    rep_histogram(a->d_gen_train, p->n_gen, e1, B, h1);
    rep_histogram(a->d_gen_test, p->n_gen, e1, B, h2);
    rep_histogram(a->d_test_train, p->n_test, e1, B, h3);
    /* holdout -> training as a line over bin centres: the yardstick, not a third bar colour */
    double cx[B];
    for (size_t b = 0; b < B; b++)
        cx[b] = 0.5 * (e1[b] + e1[b + 1]);
    lgc_series s1[4] = {
        {LGC_SERIES_BARS, e1, h1, B, 0, "decompressed \u2192 nearest training", 0, 0.45},
        {LGC_SERIES_BARS, e1, h2, B, 1, "decompressed \u2192 nearest holdout", 0, 0.45},
        {LGC_SERIES_LINE, cx, h3, B, 2, "holdout \u2192 nearest training", 0, 0},
        {LGC_SERIES_VLINE, thr, NULL, 1, -2, "near-copy threshold", 0, 0},
    };
    lgc_panel pan[2];
    lgc_panel_init(&pan[0]);
    char note1[96];
    snprintf(note1, sizeof note1, "closer to training: %.1f%%", 100.0 * p->share_closer_train);
    pan[0].title = "Distance to the closest record";
    pan[0].xlabel = "L2 distance (pixels in [0, 1])";
    pan[0].ylabel = "density";
    pan[0].series = s1;
    pan[0].n_series = 4;
    pan[0].legend = LGC_LEGEND_BEST;
    pan[0].note = note1;
    size_t np = 1;
    char note2[64];
    lgc_series s2[2];
    if (a->ll_train) {
        lo = INFINITY, hi = -INFINITY;
        /* the bulk: 0.5th to 99.5th percentile of both, so one far outlier does not squash it */
        double l1 = fmin(lgc_quantile(a->ll_train, p->n_mia_train, 0.005),
                         lgc_quantile(a->ll_test, p->n_mia_test, 0.005));
        double l2 = fmax(lgc_quantile(a->ll_train, p->n_mia_train, 0.995),
                         lgc_quantile(a->ll_test, p->n_mia_test, 0.995));
        rep_even_edges(l1, l2, B, e2);
        rep_histogram(a->ll_train, p->n_mia_train, e2, B, m1);
        rep_histogram(a->ll_test, p->n_mia_test, e2, B, m2);
        s2[0] = (lgc_series){LGC_SERIES_BARS, e2, m1, B, 0, "training images", 0, 0.45};
        s2[1] = (lgc_series){LGC_SERIES_BARS, e2, m2, B, 1, "holdout images", 0, 0.45};
        lgc_panel_init(&pan[1]);
        snprintf(note2, sizeof note2, "AUC %.3f", p->mia_auc);
        pan[1].title = "Membership inference score";
        pan[1].xlabel = "log likelihood of the code under its class's mixture";
        pan[1].ylabel = "density";
        pan[1].series = s2;
        pan[1].n_series = 2;
        pan[1].legend = LGC_LEGEND_BEST;
        pan[1].note = note2;
        np = 2;
    }
    lgc_figure f = {"Privacy audit", 1, np, pan, np, 640, 420};
    return rep_put_figure(r, "privacy", &f, err);
}

/* ---- pictures that need the side file ------------------------------------ */

lgc_status rep_pic_bic(rep_ctx *r, lgc_err *err)
{
    lgc_side *sd = r->side;
    size_t K = r->c->n_classes, km = sd->k_max, rows, cols;
    rep_class_grid(K, &rows, &cols);
    double kx[LGC_CODEC_KMAX], mx[LGC_REPORT_MAX_CLASSES][1], my[LGC_REPORT_MAX_CLASSES][1];
    lgc_series ser[LGC_REPORT_MAX_CLASSES][2];
    lgc_panel pan[LGC_REPORT_MAX_CLASSES];
    char title[LGC_REPORT_MAX_CLASSES][48];
    for (size_t k = 0; k < km; k++)
        kx[k] = (double)(k + 1);
    for (size_t cls = 0; cls < K; cls++) {
        size_t kc = r->c->gmm[cls].k;
        mx[cls][0] = (double)kc;
        my[cls][0] = kc <= km ? sd->bic[cls * km + kc - 1] : NAN;
        ser[cls][0] =
            (lgc_series){LGC_SERIES_LINEPOINTS, kx, sd->bic + cls * km, km, 0, "BIC", 0, 0};
        ser[cls][1] = (lgc_series){LGC_SERIES_RINGS, mx[cls], my[cls], 1, 3, "chosen K", 0, 0};
        lgc_panel_init(&pan[cls]);
        snprintf(title[cls], sizeof title[cls], "class %zu: K = %zu", cls, kc);
        pan[cls].title = title[cls];
        pan[cls].xlabel = cls / cols == rows - 1 ? "K (components)" : NULL;
        pan[cls].ylabel = cls % cols == 0 ? "BIC" : NULL;
        pan[cls].series = ser[cls];
        pan[cls].n_series = 2;
        pan[cls].integer_x = 1;
        pan[cls].legend = cls == 0 ? LGC_LEGEND_BEST : LGC_LEGEND_NONE;
        pan[cls].xmin = 0.5, pan[cls].xmax = (double)km + 0.5;
    }
    lgc_figure f = {"BIC against the number of components, per class (lower is better)", rows,
                    cols, pan, K, 300, 240};
    return rep_put_figure(r, "bic", &f, err);
}

lgc_status rep_pic_loss(rep_ctx *r, const char *loss_name, lgc_err *err)
{
    lgc_side *sd = r->side;
    size_t n = sd->n_epochs;
    double *ep = malloc((n ? n : 1) * sizeof *ep);
    if (!ep)
        return lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
    for (size_t i = 0; i < n; i++)
        ep[i] = (double)(i + 1);
    lgc_series s = {LGC_SERIES_LINEPOINTS, ep, sd->loss_curve, n, 0, NULL, 0, 0};
    lgc_panel p;
    lgc_panel_init(&p);
    char yl[64];
    const char *ln = strcmp(loss_name, "bce") == 0   ? "BCE"
                     : strcmp(loss_name, "mse") == 0 ? "MSE"
                                                     : loss_name;
    snprintf(yl, sizeof yl, "mean loss per image (%s)", ln);
    p.title = "Autoencoder training";
    p.xlabel = "epoch";
    p.ylabel = yl;
    p.series = &s;
    p.n_series = 1;
    p.integer_x = 1;
    lgc_figure f = {NULL, 1, 1, &p, 1, 560, 360};
    lgc_status st = rep_put_figure(r, "loss", &f, err);
    free(ep);
    return st;
}

/* Input over reconstruction (encoder from the side file, the package's decoder). */
lgc_status rep_pic_recon(rep_ctx *r, lgc_err *err)
{
    size_t K = r->c->n_classes, img = r->img, L = r->c->latent, R = RECON_PER_CLASS;
    uint8_t *in = calloc(K * R, img);
    float *z = malloc(K * R * L * sizeof *z);
    lgc_images sheet = {2 * R * K, r->c->h, r->c->w, r->c->c, calloc(2 * R * K, img)};
    lgc_status st = LGC_OK;
    if (!in || !z || !sheet.pix) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
        goto fail;
    }
    /* cell (2t, cls): input t of the class; cell (2t + 1, cls): its reconstruction */
    for (size_t cls = 0; cls < K; cls++) {
        size_t got = 0;
        for (size_t i = 0; i < r->train->x.n && got < R; i++)
            if (r->train->y.y[i] == cls)
                memcpy(in + (got++ * K + cls) * img, r->train->x.pix + i * img, img);
    }
    uint8_t *yin = malloc(K * R); /* labels of the cells: the conditional kinds need them */
    if (!yin) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < K * R; i++)
        yin[i] = (uint8_t)(i % K);
    st = lgc_model_encode(&r->side->m, in, yin, K * R, LGC_FIT_MU, 1, z, err);
    free(yin);
    if (st)
        goto fail;
    uint8_t *out = malloc(K * R * img);
    if (!out) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
        goto fail;
    }
    lgc_decode_to_u8(&r->c->dec, z, K * R, r->c->c, r->c->h, r->c->w, out);
    for (size_t t = 0; t < R; t++) {
        memcpy(sheet.pix + (2 * t) * K * img, in + t * K * img, K * img);
        memcpy(sheet.pix + (2 * t + 1) * K * img, out + t * K * img, K * img);
    }
    free(out);
    const char *rows[2 * RECON_PER_CLASS];
    for (size_t t = 0; t < R; t++)
        rows[2 * t] = "input", rows[2 * t + 1] = "output";
    lgc_image_sheet s = {"Reconstructions: training images through the encoder and the package's "
                         "decoder",
                         &sheet, 2 * R, K, rows, 0, NULL, 2};
    st = rep_put_sheet(r, "recon.png", &s, err);
fail:
    free(in), free(z), free(sheet.pix);
    return st;
}

lgc_status rep_pic_tsne(rep_ctx *r, const float *zall, lgc_err *err)
{
    size_t N = r->train->x.n, n = r->o->tsne_n < N ? r->o->tsne_n : N, L = r->c->latent;
    size_t K = r->c->n_classes;
    uint32_t *perm = malloc(N * sizeof *perm);
    float *z = malloc(n * L * sizeof *z);
    uint8_t *lab = malloc(n);
    double *Y = malloc(2 * n * sizeof *Y);                                /* (n, 2) the map */
    double *px = malloc(n * sizeof *px), *py = malloc(n * sizeof *py);   /* (n) grouped by class */
    lgc_status st = LGC_OK;
    if (!perm || !z || !lab || !Y || !px || !py) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
        goto fail;
    }
    lgc_rng rng;
    lgc_rng_init(&rng, r->o->seed, STREAM_TSNE);
    for (size_t i = 0; i < N; i++)
        perm[i] = (uint32_t)i;
    lgc_rng_shuffle(&rng, perm, N);
    for (size_t i = 0; i < n; i++) {
        memcpy(z + i * L, zall + (size_t)perm[i] * L, L * sizeof *z);
        lab[i] = r->train->y.y[perm[i]];
    }
    lgc_tsne_opts to;
    lgc_tsne_opts_default(&to);
    to.seed = r->o->seed;
    if (n < 3 || to.perplexity >= (double)(n - 1)) {
        st = lgc_err_set(err, LGC_ERR_ARG, "report: %zu points are too few for a t-SNE map", n);
        goto fail;
    }
    if ((st = lgc_tsne(z, n, L, &to, Y, &r->res->tsne_kl, err)))
        goto fail;
    r->res->tsne_agreement = lgc_map_knn_agreement(Y, lab, n, 10);
    /* one series per class, points of a class contiguous */
    lgc_series ser[LGC_REPORT_MAX_CLASSES];
    size_t pos = 0;
    for (size_t cls = 0; cls < K; cls++) {
        size_t start = pos;
        for (size_t i = 0; i < n; i++)
            if (lab[i] == cls)
                px[pos] = Y[2 * i], py[pos++] = Y[2 * i + 1];
        ser[cls] = (lgc_series){LGC_SERIES_POINTS, px + start, py + start, pos - start,
                                (int)cls, rep_class_label(cls), 1.7, 1.0};
    }
    char title[96], note[96];
    snprintf(title, sizeof title, "t-SNE of %zu latent codes of training images", n);
    snprintf(note, sizeof note, "10-NN label agreement %.3f", r->res->tsne_agreement);
    lgc_panel p;
    lgc_panel_init(&p);
    p.title = title;
    p.series = ser;
    p.n_series = K;
    p.legend = LGC_LEGEND_RIGHT;
    p.no_ticks = 1;
    p.equal_aspect = 1;
    p.note = note;
    lgc_figure f = {NULL, 1, 1, &p, 1, 760, 680};
    st = rep_put_figure(r, "tsne", &f, err);
fail:
    free(perm), free(z), free(lab), free(Y), free(px), free(py);
    return st;
}

/* Gaussianity per class (pooled) and per component. zall (N, L): codes of the training set. */
/* Buffers of the Gaussianity figures: per class (K) and per component
 * (K x kmax panels): histogram edges (B + 1) and heights (B), chi^2 curves
 * (CURVE points), series, panels, titles and notes; the KL per component. */
enum { GB = PLOT_BINS, CURVE = 120 };
typedef struct {
    size_t K, kmax, n_pan;
    float *zc;      /* (n_c, L) one class's codes */
    uint32_t *comp; /* (n_c) */
    double *d2, *dk; /* (n_c) */
    double *cls_e, *cls_h, *cls_cx, *cls_cy, *cmp_e, *cmp_h, *cmp_cx, *cmp_cy, *klv;
    lgc_series *cls_s, *cmp_s;
    lgc_panel *cls_p, *cmp_p;
    char (*cls_t)[48], (*cls_n)[48], (*cmp_t)[48], (*cmp_n)[48];
    char chi_label[32];
} gauss_work;

static void gauss_free(gauss_work *g)
{
    free(g->zc), free(g->comp), free(g->d2), free(g->dk), free(g->cls_e), free(g->cls_h);
    free(g->cls_cx), free(g->cls_cy), free(g->cmp_e), free(g->cmp_h), free(g->cmp_cx);
    free(g->cmp_cy), free(g->cls_s), free(g->cmp_s), free(g->cls_p), free(g->cmp_p);
    free(g->cls_t), free(g->cls_n), free(g->cmp_t), free(g->cmp_n), free(g->klv);
}

static int gauss_alloc(gauss_work *g, size_t N, size_t L, size_t K, size_t kmax)
{
    memset(g, 0, sizeof *g);
    size_t n_pan = K * kmax;
    g->K = K, g->kmax = kmax, g->n_pan = n_pan;
    g->zc = malloc(N * L * sizeof *g->zc);
    g->comp = malloc(N * sizeof *g->comp);
    g->d2 = malloc(N * sizeof *g->d2), g->dk = malloc(N * sizeof *g->dk);
    g->cls_e = malloc(K * (GB + 1) * sizeof *g->cls_e), g->cls_h = malloc(K * GB * sizeof *g->cls_h);
    g->cls_cx = malloc(K * CURVE * sizeof *g->cls_cx);
    g->cls_cy = malloc(K * CURVE * sizeof *g->cls_cy);
    g->cmp_e = malloc(n_pan * (GB + 1) * sizeof *g->cmp_e);
    g->cmp_h = malloc(n_pan * GB * sizeof *g->cmp_h);
    g->cmp_cx = malloc(n_pan * CURVE * sizeof *g->cmp_cx);
    g->cmp_cy = malloc(n_pan * CURVE * sizeof *g->cmp_cy);
    g->cls_s = malloc(K * 2 * sizeof *g->cls_s), g->cmp_s = malloc(n_pan * 2 * sizeof *g->cmp_s);
    g->cls_p = malloc(K * sizeof *g->cls_p), g->cmp_p = malloc(n_pan * sizeof *g->cmp_p);
    g->cls_t = malloc(K * sizeof *g->cls_t), g->cls_n = malloc(K * sizeof *g->cls_n);
    g->cmp_t = malloc(n_pan * sizeof *g->cmp_t), g->cmp_n = malloc(n_pan * sizeof *g->cmp_n);
    g->klv = malloc(n_pan * sizeof *g->klv);
    return g->zc && g->comp && g->d2 && g->dk && g->cls_e && g->cls_h && g->cls_cx && g->cls_cy &&
           g->cmp_e && g->cmp_h && g->cmp_cx && g->cmp_cy && g->cls_s && g->cmp_s && g->cls_p &&
           g->cmp_p && g->cls_t && g->cls_n && g->cmp_t && g->cmp_n && g->klv;
}

/* Histogram of d (n) against chi^2(dof) up to hi into e, h, cx, cy. */
static void gauss_hist(const double *d, size_t n, double dof, double hi, double *e, double *h,
                       double *cx, double *cy)
{
    rep_even_edges(0.0, hi, GB, e);
    rep_histogram(d, n, e, GB, h);
    for (size_t t = 0; t < CURVE; t++) {
        cx[t] = hi * (double)t / (double)(CURVE - 1);
        cy[t] = lgc_chi2_pdf(cx[t], dof);
    }
}

/* Class cls: each code assigned to its most responsible component; the
 * pooled panel and one panel per component. */
static lgc_status gauss_class(rep_ctx *r, const float *zall, gauss_work *w, size_t cls,
                              lgc_err *err)
{
    size_t N = r->train->x.n, L = r->c->latent, K = w->K, kmax = w->kmax, nc = 0;
    double dof = (double)L;
    for (size_t i = 0; i < N; i++)
        if (r->train->y.y[i] == cls)
            memcpy(w->zc + (nc++) * L, zall + i * L, L * sizeof *w->zc);
    const lgc_gmm *g = &r->c->gmm[cls];
    lgc_status st;
    if (nc && (st = lgc_gmm_assign(g, w->zc, nc, w->comp, w->d2, err)))
        return st;
    /* pooled: each point against its own component */
    r->res->gauss_kl_class[cls] = lgc_chi2_kl(w->d2, nc, dof, KL_BINS);
    double hi = dof + 6.0 * sqrt(2.0 * dof);
    /* up to the 99th percentile: a long tail does not squash the bulk */
    double q99 = nc ? lgc_quantile(w->d2, nc, 0.99) : hi;
    hi = fmax(hi, q99);
    double *e = w->cls_e + cls * (GB + 1), *h = w->cls_h + cls * GB;
    gauss_hist(w->d2, nc, dof, hi, e, h, w->cls_cx + cls * CURVE, w->cls_cy + cls * CURVE);
    w->cls_s[2 * cls] = (lgc_series){LGC_SERIES_BARS, e, h, GB, 0, "codes", 0, 0};
    w->cls_s[2 * cls + 1] = (lgc_series){LGC_SERIES_LINE, w->cls_cx + cls * CURVE,
                                         w->cls_cy + cls * CURVE, CURVE, 3, NULL, 0, 0};
    snprintf(w->cls_t[cls], sizeof w->cls_t[cls], "class %zu (K = %zu)", cls, g->k);
    snprintf(w->cls_n[cls], sizeof w->cls_n[cls], "KL %.2f", r->res->gauss_kl_class[cls]);
    lgc_panel *pp = &w->cls_p[cls];
    lgc_panel_init(pp);
    pp->title = w->cls_t[cls];
    pp->series = w->cls_s + 2 * cls;
    pp->n_series = 2;
    pp->note = w->cls_n[cls];
    pp->xmin = 0.0, pp->xmax = hi;
    size_t grows, gcols;
    rep_class_grid(K, &grows, &gcols);
    pp->xlabel = cls / gcols == grows - 1 ? "squared Mahalanobis distance" : NULL;
    pp->ylabel = cls % gcols == 0 ? "density" : NULL;
    if (cls == 0) {
        snprintf(w->chi_label, sizeof w->chi_label, "\u03c7\u00b2(%zu)", L);
        w->cls_s[1].label = w->chi_label;
        pp->legend = LGC_LEGEND_BEST;
    }
    for (size_t k = 0; k < kmax; k++) {
        size_t at = cls * kmax + k, nk = 0;
        w->klv[at] = NAN;
        r->res->gauss_kl[cls][k] = NAN;
        lgc_panel *cp = &w->cmp_p[at];
        lgc_panel_init(cp);
        if (k >= g->k) {
            cp->blank = 1;
            continue;
        }
        for (size_t i = 0; i < nc; i++)
            if (w->comp[i] == k)
                w->dk[nk++] = w->d2[i];
        w->klv[at] = r->res->gauss_kl[cls][k] = lgc_chi2_kl(w->dk, nk, dof, KL_BINS);
        double *ce = w->cmp_e + at * (GB + 1), *ch = w->cmp_h + at * GB;
        double chi = fmax(dof + 6.0 * sqrt(2.0 * dof), nk ? lgc_quantile(w->dk, nk, 0.99) : 0.0);
        gauss_hist(w->dk, nk, dof, chi, ce, ch, w->cmp_cx + at * CURVE, w->cmp_cy + at * CURVE);
        w->cmp_s[2 * at] = (lgc_series){LGC_SERIES_BARS, ce, ch, GB, 0, NULL, 0, 0};
        w->cmp_s[2 * at + 1] = (lgc_series){LGC_SERIES_LINE, w->cmp_cx + at * CURVE,
                                            w->cmp_cy + at * CURVE, CURVE, 3, NULL, 1.4, 0};
        snprintf(w->cmp_t[at], sizeof w->cmp_t[at], "%zu\u00b7%zu  n=%zu", cls, k + 1, nk);
        snprintf(w->cmp_n[at], sizeof w->cmp_n[at], "KL %.2f", w->klv[at]);
        cp->title = w->cmp_t[at];
        cp->series = w->cmp_s + 2 * at;
        cp->n_series = 2;
        cp->note = w->cmp_n[at];
        cp->xmin = 0.0, cp->xmax = chi;
    }
    return LGC_OK;
}

/* One y range for all panels of a figure, with room for the note on top:
 * small multiples compare by eye only on a common scale. */
static void gauss_scale(const rep_ctx *r, gauss_work *w)
{
    size_t K = w->K, kmax = w->kmax;
    double top_c = 0.0, top_k = 0.0;
    for (size_t cls = 0; cls < K; cls++) {
        for (size_t t = 0; t < GB; t++)
            top_c = fmax(top_c, w->cls_h[cls * GB + t]);
        for (size_t t = 0; t < CURVE; t++)
            top_c = fmax(top_c, w->cls_cy[cls * CURVE + t]);
        for (size_t k = 0; k < r->c->gmm[cls].k; k++) {
            size_t at = cls * kmax + k;
            for (size_t t = 0; t < GB; t++)
                top_k = fmax(top_k, w->cmp_h[at * GB + t]);
            for (size_t t = 0; t < CURVE; t++)
                top_k = fmax(top_k, w->cmp_cy[at * CURVE + t]);
        }
    }
    for (size_t cls = 0; cls < K; cls++) {
        w->cls_p[cls].ymin = 0.0, w->cls_p[cls].ymax = 1.25 * top_c;
        for (size_t k = 0; k < kmax; k++) /* panels ~70 px high: more room for the note */
            w->cmp_p[cls * kmax + k].ymin = 0.0, w->cmp_p[cls * kmax + k].ymax = 1.65 * top_k;
    }
}

/* gauss.png, gauss-components.png and the KL heat map gauss-kl.png. */
static lgc_status gauss_write(rep_ctx *r, gauss_work *w, lgc_err *err)
{
    size_t K = w->K, kmax = w->kmax, L = r->c->latent, rows, cols;
    rep_class_grid(K, &rows, &cols);
    char title[160];
    snprintf(title, sizeof title, "Squared Mahalanobis distance of each code to its most "
             "responsible component, against \u03c7\u00b2(%zu)", L);
    lgc_figure f = {title, rows, cols, w->cls_p, K, 300, 250};
    lgc_status st = rep_put_figure(r, "gauss", &f, err);
    if (st)
        return st;
    snprintf(title, sizeof title, "Per component (class\u00b7component): squared Mahalanobis "
             "distances against \u03c7\u00b2(%zu)", L);
    lgc_figure fc = {title, K, kmax, w->cmp_p, w->n_pan, 160, 122};
    if ((st = rep_put_figure(r, "gauss-components", &fc, err)))
        return st;
    const char *rl[LGC_REPORT_MAX_CLASSES], *cl[LGC_CODEC_KMAX];
    static const char *knames[LGC_CODEC_KMAX] = {
        "1",  "2",  "3",  "4",  "5",  "6",  "7",  "8",  "9",  "10", "11",
        "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22",
        "23", "24", "25", "26", "27", "28", "29", "30", "31", "32"};
    for (size_t cls = 0; cls < K; cls++)
        rl[cls] = rep_class_label(cls);
    for (size_t k = 0; k < kmax; k++)
        cl[k] = knames[k];
    lgc_heatmap hm = {"KL(histogram \u2016 \u03c7\u00b2) per component (the study called \u2264 1 "
                      "Gaussian)",
                      "component", "class", K, kmax, w->klv, rl, cl, "%.2f", 0, 48};
    return rep_put_heatmap(r, "gauss-kl", &hm, err);
}

lgc_status rep_pic_gauss(rep_ctx *r, const float *zall, lgc_err *err)
{
    size_t K = r->c->n_classes, kmax = 1;
    for (size_t cls = 0; cls < K; cls++)
        kmax = r->c->gmm[cls].k > kmax ? r->c->gmm[cls].k : kmax;
    gauss_work w;
    lgc_status st = LGC_OK;
    if (!gauss_alloc(&w, r->train->x.n, r->c->latent, K, kmax))
        st = lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
    for (size_t cls = 0; cls < K && st == LGC_OK; cls++)
        st = gauss_class(r, zall, &w, cls, err);
    if (st == LGC_OK) {
        gauss_scale(r, &w);
        st = gauss_write(r, &w, err);
    }
    gauss_free(&w);
    return st;
}

