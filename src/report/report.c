/* report.c - pictures and index.html for one package (see include/lgc/report.h). */
#include "lgc/report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/io.h"
#include "lgc/version.h"
#include "lgc/plot.h"
#include "lgc/tsne.h"

#define INTERP_STEPS 12
#define SAMPLES_PER_CLASS 10
#define RECON_PER_CLASS 2
#define PLOT_BINS 30
#define KL_BINS 100
#define STREAM_INTERP 0x494e5450ULL /* "INTP" */
#define STREAM_TSNE 0x54534e50ULL   /* "TSNP": which images the map shows */

void lgc_report_opts_default(lgc_report_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->judge_steps = 2000;
    o->tsne_n = 5000;
    o->privacy_n = 10000;
    o->svg = 1;
}

/* ---- a growing string for the page --------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap ? 2 * b->cap : 16384;
        while (cap < b->n + (size_t)k + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns, b->cap = cap;
    }
}

/* Text into HTML: &, <, >, " escaped; control characters dropped. */
static void sb_esc(sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': sb_printf(b, "&amp;"); break;
        case '<': sb_printf(b, "&lt;"); break;
        case '>': sb_printf(b, "&gt;"); break;
        case '"': sb_printf(b, "&quot;"); break;
        default:
            if ((unsigned char)*s >= 0x20 && *s != 0x7f)
                sb_printf(b, "%c", *s);
        }
    }
}

/* ---- shared state of one report ------------------------------------------ */

typedef struct {
    const lgc_report_opts *o;
    lgc_report_result *res;
    lgc_codec *c;
    lgc_side *side;
    const lgc_dataset *train, *test;
    size_t img;           /* values per image */
    char path[4096];      /* scratch for file names */
    char path2[4096];
    lgc_progress_fn progress; /* at the start of each stage: its description */
    void *ctx;
} rep_ctx;

static void stage(rep_ctx *r, const char *what)
{
    if (r->progress) {
        lgc_progress pr = {what, 0, 0, 0, NAN, NAN};
        r->progress(r->ctx, &pr);
    }
}

static const char *in_dir(rep_ctx *r, char *buf, const char *name)
{
    snprintf(buf, sizeof r->path, "%s/%s", r->o->dir, name);
    return buf;
}

static void note_file(rep_ctx *r, const char *name)
{
    lgc_report_result *res = r->res;
    if (res->n_files < LGC_REPORT_MAX_FILES)
        snprintf(res->files[res->n_files++], sizeof res->files[0], "%s", name);
}

/* Write stem.png (and stem.svg) of a figure. */
static lgc_status put_figure(rep_ctx *r, const char *stem, const lgc_figure *f, lgc_err *err)
{
    char png[64], svg[64];
    snprintf(png, sizeof png, "%s.png", stem);
    snprintf(svg, sizeof svg, "%s.svg", stem);
    lgc_plot_out out = {in_dir(r, r->path, png), r->o->svg ? in_dir(r, r->path2, svg) : NULL,
                        r->o->overwrite};
    lgc_status st = lgc_plot_figure(f, &out, err);
    if (!st) {
        note_file(r, png);
        if (r->o->svg)
            note_file(r, svg);
    }
    return st;
}

static lgc_status put_heatmap(rep_ctx *r, const char *stem, const lgc_heatmap *h, lgc_err *err)
{
    char png[64], svg[64];
    snprintf(png, sizeof png, "%s.png", stem);
    snprintf(svg, sizeof svg, "%s.svg", stem);
    lgc_plot_out out = {in_dir(r, r->path, png), r->o->svg ? in_dir(r, r->path2, svg) : NULL,
                        r->o->overwrite};
    lgc_status st = lgc_plot_heatmap(h, &out, err);
    if (!st) {
        note_file(r, png);
        if (r->o->svg)
            note_file(r, svg);
    }
    return st;
}

static lgc_status put_sheet(rep_ctx *r, const char *name, const lgc_image_sheet *s, lgc_err *err)
{
    lgc_plot_out out = {in_dir(r, r->path, name), NULL, r->o->overwrite};
    lgc_status st = lgc_plot_images(s, &out, err);
    if (!st)
        note_file(r, name);
    return st;
}

static const char *class_label(size_t c)
{
    static const char *names[LGC_MAX_CLASSES] = {"0", "1", "2",  "3",  "4",  "5",  "6",  "7",
                                                 "8", "9", "10", "11", "12", "13", "14", "15"};
    return names[c];
}

/* Grid shape for one panel per class: 2 x 5 for ten classes. */
static void class_grid(size_t n_classes, size_t *rows, size_t *cols)
{
    *cols = n_classes < 5 ? n_classes : 5;
    *rows = (n_classes + *cols - 1) / *cols;
}

/* Histogram of x (n) over edges (bins + 1, equal widths) as a density. */
static void histogram(const double *x, size_t n, const double *edges, size_t bins, double *h)
{
    memset(h, 0, bins * sizeof *h);
    double lo = edges[0], wd = (edges[bins] - edges[0]) / (double)bins;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] >= lo && x[i] <= edges[bins]))
            continue;
        size_t b = (size_t)((x[i] - lo) / wd);
        h[b < bins ? b : bins - 1] += 1.0;
        used++;
    }
    for (size_t b = 0; b < bins && used; b++)
        h[b] /= (double)n * wd;
}

static void even_edges(double lo, double hi, size_t bins, double *edges)
{
    if (!(hi > lo))
        hi = lo + 1.0;
    for (size_t b = 0; b <= bins; b++)
        edges[b] = lo + (hi - lo) * (double)b / (double)bins;
}

/* ---- pictures that need only the package ---------------------------------- */

/* Real images of each class beside decompressed ones. dec: x (N, img) sorted by class. */
static lgc_status pic_samples(rep_ctx *r, const uint8_t *dx, const uint8_t *dy, size_t N,
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
    const char *rows[LGC_MAX_CLASSES], *groups[2] = {"real (training set)", "decompressed"};
    for (size_t cls = 0; cls < K; cls++)
        rows[cls] = class_label(cls);
    lgc_image_sheet s = {"Real and decompressed images, 10 per class", &sheet, K, cols, rows,
                         SAMPLES_PER_CLASS, groups, 2};
    lgc_status st = put_sheet(r, "samples.png", &s, err);
    free(sheet.pix);
    return st;
}

/* Codes blended from a sample of class a's mixture to one of class a + 1's. */
static lgc_status pic_interp(rep_ctx *r, lgc_err *err)
{
    size_t K = r->c->n_classes, L = r->c->latent, S = INTERP_STEPS;
    float *z = malloc(K * S * L * sizeof *z), z0[1024], z1[1024]; /* latent <= 1024 (codec) */
    lgc_images sheet = {K * S, r->c->h, r->c->w, r->c->c, malloc(K * S * r->img)};
    char labels[LGC_MAX_CLASSES][48];
    const char *rows[LGC_MAX_CLASSES];
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
    st = put_sheet(r, "interp.png", &s, err);
fail:
    free(z), free(sheet.pix);
    return st;
}

static lgc_status pic_confusion(rep_ctx *r, lgc_err *err)
{
    size_t K = r->c->n_classes;
    double v[LGC_MAX_CLASSES * LGC_MAX_CLASSES];
    const char *lab[LGC_MAX_CLASSES];
    for (size_t i = 0; i < K; i++) {
        lab[i] = class_label(i);
        for (size_t j = 0; j < K; j++)
            v[i * K + j] = r->res->judge.confusion[i][j];
    }
    char title[128];
    snprintf(title, sizeof title, "Judge trained on decompressed data: accuracy %.2f%%",
             100.0 * r->res->judge.accuracy);
    lgc_heatmap h = {title, "predicted class", "true class", K, K, v, lab, lab, "%.0f", 1, 0};
    return put_heatmap(r, "confusion", &h, err);
}

static lgc_status pic_privacy(rep_ctx *r, const lgc_privacy_audit_out *a, lgc_err *err)
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
    even_edges(lo, hi, B, e1);
    histogram(a->d_gen_train, p->n_gen, e1, B, h1);
    histogram(a->d_gen_test, p->n_gen, e1, B, h2);
    histogram(a->d_test_train, p->n_test, e1, B, h3);
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
        even_edges(l1, l2, B, e2);
        histogram(a->ll_train, p->n_mia_train, e2, B, m1);
        histogram(a->ll_test, p->n_mia_test, e2, B, m2);
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
    return put_figure(r, "privacy", &f, err);
}

/* ---- pictures that need the side file ------------------------------------ */

static lgc_status pic_bic(rep_ctx *r, lgc_err *err)
{
    lgc_side *sd = r->side;
    size_t K = r->c->n_classes, km = sd->k_max, rows, cols;
    class_grid(K, &rows, &cols);
    double kx[LGC_CODEC_KMAX], mx[LGC_MAX_CLASSES][1], my[LGC_MAX_CLASSES][1];
    lgc_series ser[LGC_MAX_CLASSES][2];
    lgc_panel pan[LGC_MAX_CLASSES];
    char title[LGC_MAX_CLASSES][48];
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
    return put_figure(r, "bic", &f, err);
}

static lgc_status pic_loss(rep_ctx *r, const char *loss_name, lgc_err *err)
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
    lgc_status st = put_figure(r, "loss", &f, err);
    free(ep);
    return st;
}

/* Input over reconstruction (encoder from the side file, the package's decoder). */
static lgc_status pic_recon(rep_ctx *r, lgc_err *err)
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
    st = put_sheet(r, "recon.png", &s, err);
fail:
    free(in), free(z), free(sheet.pix);
    return st;
}

static lgc_status pic_tsne(rep_ctx *r, const float *zall, lgc_err *err)
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
    lgc_series ser[LGC_MAX_CLASSES];
    size_t pos = 0;
    for (size_t cls = 0; cls < K; cls++) {
        size_t start = pos;
        for (size_t i = 0; i < n; i++)
            if (lab[i] == cls)
                px[pos] = Y[2 * i], py[pos++] = Y[2 * i + 1];
        ser[cls] = (lgc_series){LGC_SERIES_POINTS, px + start, py + start, pos - start,
                                (int)cls, class_label(cls), 1.7, 1.0};
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
    st = put_figure(r, "tsne", &f, err);
fail:
    free(perm), free(z), free(lab), free(Y), free(px), free(py);
    return st;
}

/* Gaussianity per class (pooled) and per component. zall (N, L): codes of the training set. */
static lgc_status pic_gauss(rep_ctx *r, const float *zall, lgc_err *err)
{
    size_t N = r->train->x.n, L = r->c->latent, K = r->c->n_classes, kmax = 1;
    for (size_t cls = 0; cls < K; cls++)
        kmax = r->c->gmm[cls].k > kmax ? r->c->gmm[cls].k : kmax;
    enum { B = PLOT_BINS, CURVE = 120 };
    float *zc = malloc(N * L * sizeof *zc);              /* (n_c, L) one class's codes */
    uint32_t *comp = malloc(N * sizeof *comp);            /* (n_c) */
    double *d2 = malloc(N * sizeof *d2), *dk = malloc(N * sizeof *dk); /* (n_c) */
    /* per class: edges, histogram, curve (x, y); per component the same */
    size_t n_pan = K * kmax;
    double *cls_e = malloc(K * (B + 1) * sizeof *cls_e), *cls_h = malloc(K * B * sizeof *cls_h);
    double *cls_cx = malloc(K * CURVE * sizeof *cls_cx);
    double *cls_cy = malloc(K * CURVE * sizeof *cls_cy);
    double *cmp_e = malloc(n_pan * (B + 1) * sizeof *cmp_e);
    double *cmp_h = malloc(n_pan * B * sizeof *cmp_h);
    double *cmp_cx = malloc(n_pan * CURVE * sizeof *cmp_cx);
    double *cmp_cy = malloc(n_pan * CURVE * sizeof *cmp_cy);
    lgc_series *cls_s = malloc(K * 2 * sizeof *cls_s), *cmp_s = malloc(n_pan * 2 * sizeof *cmp_s);
    lgc_panel *cls_p = malloc(K * sizeof *cls_p), *cmp_p = malloc(n_pan * sizeof *cmp_p);
    char (*cls_t)[48] = malloc(K * sizeof *cls_t), (*cls_n)[48] = malloc(K * sizeof *cls_n);
    char (*cmp_t)[48] = malloc(n_pan * sizeof *cmp_t), (*cmp_n)[48] = malloc(n_pan * sizeof *cmp_n);
    double *klv = malloc(n_pan * sizeof *klv);
    lgc_status st = LGC_OK;
    if (!zc || !comp || !d2 || !dk || !cls_e || !cls_h || !cls_cx || !cls_cy || !cmp_e || !cmp_h ||
        !cmp_cx || !cmp_cy || !cls_s || !cmp_s || !cls_p || !cmp_p || !cls_t || !cls_n || !cmp_t ||
        !cmp_n || !klv) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
        goto fail;
    }
    double dof = (double)L;
    char chi_label[32];
    for (size_t cls = 0; cls < K; cls++) {
        size_t nc = 0;
        for (size_t i = 0; i < N; i++)
            if (r->train->y.y[i] == cls)
                memcpy(zc + (nc++) * L, zall + i * L, L * sizeof *zc);
        const lgc_gmm *g = &r->c->gmm[cls];
        if (nc && (st = lgc_gmm_assign(g, zc, nc, comp, d2, err)))
            goto fail;
        /* pooled: each point against its own component */
        r->res->gauss_kl_class[cls] = lgc_chi2_kl(d2, nc, dof, KL_BINS);
        double hi = dof + 6.0 * sqrt(2.0 * dof);
        /* up to the 99th percentile: a long tail does not squash the bulk */
        double q99 = nc ? lgc_quantile(d2, nc, 0.99) : hi;
        hi = fmax(hi, q99);
        double *e = cls_e + cls * (B + 1), *h = cls_h + cls * B;
        even_edges(0.0, hi, B, e);
        histogram(d2, nc, e, B, h);
        for (size_t t = 0; t < CURVE; t++) {
            cls_cx[cls * CURVE + t] = hi * (double)t / (double)(CURVE - 1);
            cls_cy[cls * CURVE + t] = lgc_chi2_pdf(cls_cx[cls * CURVE + t], dof);
        }
        cls_s[2 * cls] = (lgc_series){LGC_SERIES_BARS, e, h, B, 0, "codes", 0, 0};
        cls_s[2 * cls + 1] = (lgc_series){LGC_SERIES_LINE, cls_cx + cls * CURVE,
                                          cls_cy + cls * CURVE, CURVE, 3, NULL, 0, 0};
        snprintf(cls_t[cls], sizeof cls_t[cls], "class %zu (K = %zu)", cls, g->k);
        snprintf(cls_n[cls], sizeof cls_n[cls], "KL %.2f", r->res->gauss_kl_class[cls]);
        lgc_panel *pp = &cls_p[cls];
        lgc_panel_init(pp);
        pp->title = cls_t[cls];
        pp->series = cls_s + 2 * cls;
        pp->n_series = 2;
        pp->note = cls_n[cls];
        pp->xmin = 0.0, pp->xmax = hi;
        size_t grows, gcols;
        class_grid(K, &grows, &gcols);
        pp->xlabel = cls / gcols == grows - 1 ? "squared Mahalanobis distance" : NULL;
        pp->ylabel = cls % gcols == 0 ? "density" : NULL;
        if (cls == 0) {
            snprintf(chi_label, sizeof chi_label, "\u03c7\u00b2(%zu)", L);
            cls_s[1].label = chi_label;
            pp->legend = LGC_LEGEND_BEST;
        }
        /* per component */
        for (size_t k = 0; k < kmax; k++) {
            size_t at = cls * kmax + k, nk = 0;
            klv[at] = NAN;
            r->res->gauss_kl[cls][k] = NAN;
            lgc_panel *cp = &cmp_p[at];
            lgc_panel_init(cp);
            if (k >= g->k) {
                cp->blank = 1;
                continue;
            }
            for (size_t i = 0; i < nc; i++)
                if (comp[i] == k)
                    dk[nk++] = d2[i];
            klv[at] = r->res->gauss_kl[cls][k] = lgc_chi2_kl(dk, nk, dof, KL_BINS);
            double *ce = cmp_e + at * (B + 1), *ch = cmp_h + at * B;
            double chi = fmax(dof + 6.0 * sqrt(2.0 * dof), nk ? lgc_quantile(dk, nk, 0.99) : 0.0);
            even_edges(0.0, chi, B, ce);
            histogram(dk, nk, ce, B, ch);
            for (size_t t = 0; t < CURVE; t++) {
                cmp_cx[at * CURVE + t] = chi * (double)t / (double)(CURVE - 1);
                cmp_cy[at * CURVE + t] = lgc_chi2_pdf(cmp_cx[at * CURVE + t], dof);
            }
            cmp_s[2 * at] = (lgc_series){LGC_SERIES_BARS, ce, ch, B, 0, NULL, 0, 0};
            cmp_s[2 * at + 1] = (lgc_series){LGC_SERIES_LINE, cmp_cx + at * CURVE,
                                             cmp_cy + at * CURVE, CURVE, 3, NULL, 1.4, 0};
            snprintf(cmp_t[at], sizeof cmp_t[at], "%zu\u00b7%zu  n=%zu", cls, k + 1, nk);
            snprintf(cmp_n[at], sizeof cmp_n[at], "KL %.2f", klv[at]);
            cp->title = cmp_t[at];
            cp->series = cmp_s + 2 * at;
            cp->n_series = 2;
            cp->note = cmp_n[at];
            cp->xmin = 0.0, cp->xmax = chi;
        }
    }
    /* one y range for all panels of a figure, with room for the note on top:
     * small multiples compare by eye only on a common scale */
    double top_c = 0.0, top_k = 0.0;
    for (size_t cls = 0; cls < K; cls++) {
        for (size_t t = 0; t < B; t++)
            top_c = fmax(top_c, cls_h[cls * B + t]);
        for (size_t t = 0; t < CURVE; t++)
            top_c = fmax(top_c, cls_cy[cls * CURVE + t]);
        for (size_t k = 0; k < r->c->gmm[cls].k; k++) {
            size_t at = cls * kmax + k;
            for (size_t t = 0; t < B; t++)
                top_k = fmax(top_k, cmp_h[at * B + t]);
            for (size_t t = 0; t < CURVE; t++)
                top_k = fmax(top_k, cmp_cy[at * CURVE + t]);
        }
    }
    for (size_t cls = 0; cls < K; cls++) {
        cls_p[cls].ymin = 0.0, cls_p[cls].ymax = 1.25 * top_c;
        for (size_t k = 0; k < kmax; k++) /* panels ~70 px high: more room for the note */
            cmp_p[cls * kmax + k].ymin = 0.0, cmp_p[cls * kmax + k].ymax = 1.65 * top_k;
    }
    size_t rows, cols;
    class_grid(K, &rows, &cols);
    char title[160];
    snprintf(title, sizeof title, "Squared Mahalanobis distance of each code to its most "
             "responsible component, against \u03c7\u00b2(%zu)", L);
    lgc_figure f = {title, rows, cols, cls_p, K, 300, 250};
    if ((st = put_figure(r, "gauss", &f, err)))
        goto fail;
    snprintf(title, sizeof title, "Per component (class\u00b7component): squared Mahalanobis "
             "distances against \u03c7\u00b2(%zu)", L);
    lgc_figure fc = {title, K, kmax, cmp_p, n_pan, 160, 122};
    if ((st = put_figure(r, "gauss-components", &fc, err)))
        goto fail;
    const char *rl[LGC_MAX_CLASSES], *cl[LGC_CODEC_KMAX];
    static const char *knames[LGC_CODEC_KMAX] = {
        "1",  "2",  "3",  "4",  "5",  "6",  "7",  "8",  "9",  "10", "11",
        "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22",
        "23", "24", "25", "26", "27", "28", "29", "30", "31", "32"};
    for (size_t cls = 0; cls < K; cls++)
        rl[cls] = class_label(cls);
    for (size_t k = 0; k < kmax; k++)
        cl[k] = knames[k];
    lgc_heatmap hm = {"KL(histogram \u2016 \u03c7\u00b2) per component (the study called \u2264 1 "
                      "Gaussian)",
                      "component", "class", K, kmax, klv, rl, cl, "%.2f", 0, 48};
    st = put_heatmap(r, "gauss-kl", &hm, err);
fail:
    free(zc), free(comp), free(d2), free(dk), free(cls_e), free(cls_h), free(cls_cx), free(cls_cy);
    free(cmp_e), free(cmp_h), free(cmp_cx), free(cmp_cy), free(cls_s), free(cmp_s), free(cls_p);
    free(cmp_p), free(cls_t), free(cls_n), free(cmp_t), free(cmp_n), free(klv);
    return st;
}

/* ---- the page ------------------------------------------------------------ */

static const char *CSS =
    "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:1560px;margin:1.5em auto;"
    "padding:0 1em;color:#222;line-height:1.45}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;"
    "border-bottom:1px solid #ddd;padding-bottom:.2em}"
    "table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ddd;padding:.25em .6em;"
    "text-align:right}th{background:#f4f6f8}td.l,th.l{text-align:left}"
    "figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}"
    "figcaption{font-size:.92em;color:#444;max-width:60em}"
    ".missing{background:#fff7e6;border:1px solid #f0d9a8;padding:.5em .8em}"
    "code{background:#f4f4f4;padding:0 .2em}.small{font-size:.9em;color:#555}";

static void html_figure(sbuf *b, const lgc_report_opts *o, const char *png, const char *svg,
                        const char *alt, const char *caption)
{
    sb_printf(b, "<figure><img src=\"%s\" alt=\"", png);
    sb_esc(b, alt);
    sb_printf(b, "\"><figcaption>%s", caption);
    if (svg && o->svg)
        sb_printf(b, " <a href=\"%s\">SVG</a>", svg);
    sb_printf(b, "</figcaption></figure>\n");
}

/* "what need(s) the side file": plural is 1 when what names several things. */
static void html_missing(sbuf *b, const char *what, int plural)
{
    sb_printf(b, "<p class=\"missing\">%s %s the encoder side file, and the package ships only "
                 "the decoder. <code>lgc compress</code> writes it beside the package (IN.enc) "
                 "unless told <code>--no-encoder</code>; <code>lgc report --encoder F</code> "
                 "names it when it lives elsewhere.</p>\n",
              what, plural ? "need" : "needs");
}

static void html_kv(sbuf *b, const lgc_pkg_kv *kv)
{
    switch (kv->type) {
    case LGC_KV_U64: sb_printf(b, "%llu", (unsigned long long)kv->v.u64); break;
    case LGC_KV_I64: sb_printf(b, "%lld", (long long)kv->v.i64); break;
    case LGC_KV_F64: sb_printf(b, "%.9g", kv->v.f64); break;
    case LGC_KV_STR: sb_esc(b, kv->v.str); break;
    case LGC_KV_F64_ARRAY:
    case LGC_KV_U64_ARRAY:
        sb_printf(b, "[");
        for (size_t i = 0; i < kv->n && i < 64; i++) {
            if (kv->type == LGC_KV_F64_ARRAY)
                sb_printf(b, "%s%.6g", i ? ", " : "", kv->v.f64s[i]);
            else
                sb_printf(b, "%s%llu", i ? ", " : "", (unsigned long long)kv->v.u64s[i]);
        }
        sb_printf(b, "%s]", kv->n > 64 ? ", ..." : "");
        break;
    }
}

static lgc_status write_page(rep_ctx *r, const lgc_pkg *p, const lgc_privacy_audit_out *aud,
                             const char *train_loss, lgc_err *err)
{
    const lgc_report_opts *o = r->o;
    lgc_report_result *res = r->res;
    lgc_codec *c = r->c;
    lgc_pkg_info info;
    lgc_status st = lgc_pkg_get_info(p, &info, err);
    if (st)
        return st;
    sbuf b = {0};
    size_t dec_params = c->dec.n_params, gmm_params = 0, ksum = 0, d = c->latent;
    for (size_t k = 0; k < c->n_classes; k++) {
        ksum += c->gmm[k].k;
        gmm_params += c->gmm[k].k * (1 + d + d * (d + 1) / 2);
    }
    const char *name = strrchr(o->package_path, '/');
    name = name ? name + 1 : o->package_path;
    sb_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>lgc report: ");
    sb_esc(&b, name);
    sb_printf(&b, "</title>\n<style>%s</style></head><body>\n<h1>lgc report: ", CSS);
    sb_esc(&b, name);
    sb_printf(&b, "</h1>\n<p class=\"small\">Package <code>");
    sb_esc(&b, o->package_path);
    sb_printf(&b, "</code>, training set <code>");
    sb_esc(&b, o->train_path);
    sb_printf(&b, "</code>, holdout set <code>");
    sb_esc(&b, o->test_path);
    sb_printf(&b, "</code>, encoder side file %s", o->encoder_path ? "<code>" : "none");
    if (o->encoder_path)
        sb_esc(&b, o->encoder_path), sb_printf(&b, "</code>");
    sb_printf(&b, "; seed %llu.", (unsigned long long)o->seed);
    if (o->command) {
        sb_printf(&b, "<br>Made by <code>");
        sb_esc(&b, o->command);
        sb_printf(&b, "</code>");
    }
    sb_printf(&b, "</p>\n");

    /* contents */
    sb_printf(&b, "<p>Contents: <a href=\"#package\">package</a> &middot; <a href=\"#samples\">"
                  "samples</a> &middot; <a href=\"#latent\">latent space</a> &middot; <a "
                  "href=\"#judge\">judge</a> &middot; <a href=\"#privacy\">privacy</a></p>\n");

    /* package summary, as lgc info */
    sb_printf(&b, "<h2 id=\"package\">The package</h2>\n<table>"
                  "<tr><th class=\"l\">file</th><td>%llu bytes (format %u.%u%s)</td></tr>"
                  "<tr><th class=\"l\">sections</th><td>header %llu, keys %llu, tensor table "
                  "%llu, data %llu stored (%llu decoded)</td></tr>",
              (unsigned long long)info.file_bytes, info.version_major, info.version_minor,
              info.zstd_level ? ", data zstd" : "", (unsigned long long)info.header_bytes,
              (unsigned long long)info.kv_table_bytes, (unsigned long long)info.tensor_table_bytes,
              (unsigned long long)info.data_stored_bytes, (unsigned long long)info.data_bytes);
    char desc[256];
    lgc_net_describe(&c->dec, desc, sizeof desc);
    sb_printf(&b, "<tr><th class=\"l\">model</th><td>%s, latent %zu, image %zux%zux%zu</td></tr>"
                  "<tr><th class=\"l\">decoder</th><td>",
              lgc_model_name(c->kind), c->latent, c->h, c->w, c->c);
    sb_esc(&b, desc);
    sb_printf(&b, " (%zu parameters)</td></tr><tr><th class=\"l\">mixtures</th><td>%zu classes, "
                  "sum K = %zu, %zu parameters</td></tr></table>\n",
              dec_params, c->n_classes, ksum, gmm_params);
    sb_printf(&b, "<table><tr><th>class</th><th>prior</th><th>K</th></tr>");
    for (size_t k = 0; k < c->n_classes; k++)
        sb_printf(&b, "<tr><td>%zu</td><td>%.5f</td><td>%zu</td></tr>", k, c->priors[k],
                  c->gmm[k].k);
    sb_printf(&b, "</table>\n<details><summary>all keys</summary><table>");
    for (size_t i = 0; i < lgc_pkg_n_kv(p); i++) {
        const lgc_pkg_kv *kv = lgc_pkg_kv_at(p, i);
        sb_printf(&b, "<tr><th class=\"l\">");
        sb_esc(&b, kv->key);
        sb_printf(&b, "</th><td class=\"l\">");
        html_kv(&b, kv);
        sb_printf(&b, "</td></tr>");
    }
    sb_printf(&b, "</table></details>\n");
    if (r->side) {
        html_figure(&b, o, "loss.png", "loss.svg", "training loss per epoch",
                    "The autoencoder's mean training loss per image after each epoch "
                    "(from the side file).");
        html_figure(&b, o, "bic.png", "bic.svg", "BIC against K per class",
                    "BIC of a mixture of K full-covariance Gaussians fitted to each class's "
                    "latent codes; the ring marks the K the package keeps. A curve that is still "
                    "falling at the largest K tried suggests that more components would fit "
                    "better.");
    } else {
        html_missing(&b, "The training-loss curve and the BIC curves", 1);
    }

    sb_printf(&b, "<h2 id=\"samples\">Samples</h2>\n");
    html_figure(&b, o, "samples.png", NULL, "real and decompressed images",
                "Left: the first ten training images of each class. Right: the first ten "
                "images of that class in the decompressed set the judge below was trained on "
                "(<code>lgc decompress</code> with the same seed gives the same images).");
    if (r->side)
        html_figure(&b, o, "recon.png", NULL, "reconstructions",
                    "Training images (rows marked input) through the encoder of the side file "
                    "and the package's decoder (output): what the codes keep of an image.");
    else
        html_missing(&b, "Reconstructions", 1);
    html_figure(&b, o, "interp.png", NULL, "latent interpolation",
                "Each row decodes codes on the straight line from a sample of one class's "
                "mixture to a sample of the next class's mixture, in 12 steps.");

    sb_printf(&b, "<h2 id=\"latent\">Latent space</h2>\n");
    if (r->side) {
        sb_printf(&b, "<p>t-SNE (perplexity 30, Barnes-Hut, seed %llu) of the codes of %zu "
                      "training images drawn at random: 10-nearest-neighbour label agreement "
                      "in the map %.3f, KL(P&#8214;Q) %.3f.</p>\n",
                  (unsigned long long)o->seed,
                  o->tsne_n < r->train->x.n ? o->tsne_n : r->train->x.n, res->tsne_agreement,
                  res->tsne_kl);
        html_figure(&b, o, "tsne.png", "tsne.svg", "t-SNE of latent codes",
                    "Each point is one training image's latent code, coloured by its class. "
                    "Distances between clusters in a t-SNE map mean little; that classes form "
                    "separate clusters means a per-class mixture has a separable task.");
        html_figure(&b, o, "gauss.png", "gauss.svg", "Gaussianity per class",
                    "Every code of a class is assigned to the component of highest "
                    "responsibility under the package's mixture, and its squared Mahalanobis "
                    "distance to that component is counted. Were each component Gaussian, the "
                    "histogram would follow the &chi;&sup2; density of the latent size (red). "
                    "KL: the study's divergence of the 100-bin histogram from that density "
                    "(outliers with |z| &gt; 4 dropped). The study measured every code against "
                    "every component, where no fit is to be expected for K &gt; 1; here each "
                    "code counts for its own component only.");
        html_figure(&b, o, "gauss-kl.png", "gauss-kl.svg", "KL per component",
                    "The same divergence component by component (blank: the class has fewer "
                    "components).");
        html_figure(&b, o, "gauss-components.png", "gauss-components.svg",
                    "Gaussianity per component",
                    "Every component's own histogram against &chi;&sup2;; n is the number of "
                    "codes it is the most responsible for.");
    } else {
        html_missing(&b, "The t-SNE map and the Gaussianity check", 1);
    }

    sb_printf(&b, "<h2 id=\"judge\">Judge</h2>\n<p>A %s judge trained for %zu steps (batch 64, "
                  "seed %llu) on %zu decompressed images only, tested on %zu holdout images: "
                  "<b>accuracy %.2f%%</b> (final training loss %.4f). A short run: the "
                  "protocol's figure comes from <code>lgc eval</code> with its full budget.</p>\n",
              lgc_judge_name(LGC_JUDGE_PAPER_CNN), o->judge_steps, (unsigned long long)o->seed,
              res->judge_train_n, r->test->x.n, 100.0 * res->judge.accuracy,
              res->judge.final_loss);
    sb_printf(&b, "<table><tr><th>class</th>");
    for (size_t k = 0; k < c->n_classes; k++)
        sb_printf(&b, "<th>%zu</th>", k);
    sb_printf(&b, "</tr><tr><th>recall</th>");
    for (size_t k = 0; k < c->n_classes; k++)
        sb_printf(&b, "<td>%.3f</td>", res->judge.per_class[k]);
    sb_printf(&b, "</tr></table>\n");
    html_figure(&b, o, "confusion.png", "confusion.svg", "confusion matrix",
                "Rows: the true class of a holdout image; columns: the judge's answer. Cells "
                "count images; their colour is the share of the row.");

    const lgc_privacy_result *pr = &aud->r;
    sb_printf(&b, "<h2 id=\"privacy\">Privacy audit</h2>\n<p>Does the package give back its "
                  "training records? %zu decompressed images, %zu training images drawn at "
                  "random and %zu holdout images; distances are L2 on pixels in [0, 1], "
                  "nearest neighbours exact.</p>\n<table>",
              pr->n_gen, pr->n_train, pr->n_test);
    sb_printf(&b, "<tr><th class=\"l\">decompressed images closer to a training image than to "
                  "any holdout image</th><td><b>%.4f</b></td><td class=\"l\">0.5: nothing "
                  "memorised; above: leaks</td></tr>",
              pr->share_closer_train);
    sb_printf(&b, "<tr><th class=\"l\">median distance, decompressed &rarr; nearest training"
                  "</th><td>%.4f</td><td></td></tr>"
                  "<tr><th class=\"l\">median distance, decompressed &rarr; nearest holdout"
                  "</th><td>%.4f</td><td></td></tr>"
                  "<tr><th class=\"l\">median distance, holdout &rarr; nearest training (real "
                  "to real)</th><td>%.4f</td><td class=\"l\">the yardstick</td></tr>",
              pr->median_gen_train, pr->median_gen_test, pr->median_test_train);
    sb_printf(&b, "<tr><th class=\"l\">near copies: decompressed images closer to a training "
                  "image than 99%% of holdout images are</th><td><b>%.4f</b></td><td "
                  "class=\"l\">threshold %.4f (1st percentile of holdout &rarr; training); "
                  "fresh draws from the data's distribution give about 0.01</td></tr>",
              pr->near_copy_fraction, pr->near_copy_threshold);
    if (!isnan(pr->mia_auc))
        sb_printf(&b, "<tr><th class=\"l\">membership inference AUC: the log likelihood of an "
                      "image's code under its class's mixture, training against holdout images"
                      "</th><td><b>%.4f</b></td><td class=\"l\">0.5: no leak</td></tr>",
                  pr->mia_auc);
    sb_printf(&b, "</table>\n");
    if (isnan(pr->mia_auc))
        html_missing(&b, "The membership-inference AUC", 0);
    html_figure(&b, o, "privacy.png", "privacy.svg", "privacy audit",
                "Left: distances from each decompressed image to its nearest training image "
                "and to its nearest holdout image; the two histograms lie on top of each other "
                "when nothing is memorised. The line shows holdout images' distances to their "
                "nearest training image; the dashed line is the near-copy threshold. "
                "Decompressed images are blurrier than real ones and so sit closer to "
                "everything: compare the two bar histograms with each other, not with the "
                "line. Right: the score a package gives a record; overlapping histograms mean "
                "membership cannot be told.");
    sb_printf(&b, "<p class=\"small\">Training loss: %s. Written by lgc %s.</p>\n</body></html>\n",
              train_loss, LGC_VERSION_STRING);
    if (b.oom) {
        free(b.s);
        return lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory for index.html");
    }
    lgc_afile af;
    if (!(st = lgc_afile_open(&af, in_dir(r, r->path, "index.html"), o->overwrite, err))) {
        if ((st = lgc_afile_write(&af, b.s, b.n, err)))
            lgc_afile_abort(&af);
        else
            st = lgc_afile_commit(&af, err);
    }
    if (!st)
        note_file(r, "index.html");
    free(b.s);
    return st;
}

/* ---- all of it ----------------------------------------------------------- */

lgc_status lgc_report_write(const lgc_pkg *p, lgc_codec *c, lgc_side *side,
                            const lgc_dataset *train, const lgc_dataset *test,
                            const lgc_report_opts *o, lgc_report_result *res,
                            lgc_progress_fn progress, void *ctx, lgc_err *err)
{
    memset(res, 0, sizeof *res);
    res->tsne_agreement = res->tsne_kl = NAN;
    for (size_t i = 0; i < LGC_MAX_CLASSES; i++) {
        res->gauss_kl_class[i] = NAN;
        for (size_t k = 0; k < LGC_CODEC_KMAX; k++)
            res->gauss_kl[i][k] = NAN;
    }
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
    stage(r, "decompressing");
    if ((st = lgc_codec_decompress_mem(c, N, o->seed, LGC_BALANCE_PRIOR, LGC_ORDER_CLASS, dx, dy, err)))
        goto fail;
    stage(r, "sample grids");
    if ((st = pic_samples(r, dx, dy, N, err)) || (st = pic_interp(r, err)))
        goto fail;
    if (side) {
        stage(r, "BIC and loss curves, reconstructions");
        if ((st = pic_bic(r, err)) || (st = pic_loss(r, loss_name, err)) ||
            (st = pic_recon(r, err)))
            goto fail;
        stage(r, "encoding the training set");
        if (!(zall = malloc(tx->n * c->latent * sizeof *zall))) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory");
            goto fail;
        }
        if ((st = lgc_model_encode(&side->m, tx->pix, r->train->y.y, tx->n, LGC_FIT_MU, 1, zall,
                                   err)))
            goto fail;
        stage(r, "Gaussianity check");
        if ((st = pic_gauss(r, zall, err)))
            goto fail;
        stage(r, "t-SNE map");
        if ((st = pic_tsne(r, zall, err)))
            goto fail;
    }
    stage(r, "judge");
    lgc_judge_opts jo;
    lgc_judge_opts_default(&jo);
    jo.steps = o->judge_steps;
    jo.seed = o->seed;
    lgc_dataset jtr = {{N, c->h, c->w, c->c, dx}, {N, dy}, c->n_classes};
    lgc_dataset jte = {{sx->n, c->h, c->w, c->c, sx->pix}, {sx->n, test->y.y}, c->n_classes};
    res->judge_train_n = N;
    if ((st = lgc_judge_run(&jo, &jtr, &jte, c->n_classes, &res->judge, NULL, NULL, err)) ||
        (st = pic_confusion(r, err)))
        goto fail;
    free(dx), free(dy);
    dx = dy = NULL;
    stage(r, "privacy audit");
    if ((st = lgc_privacy_audit(c, side, train, test, o->privacy_n, o->seed, &aud, err)))
        goto fail;
    res->privacy = aud.r;
    if ((st = pic_privacy(r, &aud, err)))
        goto fail;
    stage(r, "index.html");
    st = write_page(r, p, &aud, loss_name, err);
fail:
    lgc_privacy_audit_free(&aud);
    free(dx), free(dy), free(zall), free(r);
    return st;
}
