/* page.c - index.html of lgc report: one offline page tying the pictures together. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "lgc/version.h"

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

static void page_package(sbuf *b, rep_ctx *r, const lgc_pkg *p, const lgc_pkg_info *info)
{
    const lgc_report_opts *o = r->o;
    lgc_codec *c = r->c;
    size_t dec_params = c->dec.n_params, gmm_params = 0, ksum = 0, d = c->latent;
    for (size_t k = 0; k < c->n_classes; k++) {
        ksum += c->gmm[k].k;
        gmm_params += c->gmm[k].k * (1 + d + d * (d + 1) / 2);
    }
    /* package summary, as lgc info */
    sb_printf(b, "<h2 id=\"package\">The package</h2>\n<table>"
                  "<tr><th class=\"l\">file</th><td>%llu bytes (format %u.%u%s)</td></tr>"
                  "<tr><th class=\"l\">sections</th><td>header %llu, keys %llu, tensor table "
                  "%llu, data %llu stored (%llu decoded)</td></tr>",
              (unsigned long long)info->file_bytes, info->version_major, info->version_minor,
              info->zstd_level ? ", data zstd" : "", (unsigned long long)info->header_bytes,
              (unsigned long long)info->kv_table_bytes, (unsigned long long)info->tensor_table_bytes,
              (unsigned long long)info->data_stored_bytes, (unsigned long long)info->data_bytes);
    char desc[256];
    lgc_net_describe(&c->dec, desc, sizeof desc);
    sb_printf(b, "<tr><th class=\"l\">model</th><td>%s, latent %zu, image %zux%zux%zu</td></tr>"
                  "<tr><th class=\"l\">decoder</th><td>",
              lgc_model_name(c->kind), c->latent, c->h, c->w, c->c);
    sb_esc(b, desc);
    sb_printf(b, " (%zu parameters)</td></tr><tr><th class=\"l\">mixtures</th><td>%zu classes, "
                  "sum K = %zu, %zu parameters</td></tr></table>\n",
              dec_params, c->n_classes, ksum, gmm_params);
    sb_printf(b, "<table><tr><th>class</th><th>prior</th><th>K</th></tr>");
    for (size_t k = 0; k < c->n_classes; k++)
        sb_printf(b, "<tr><td>%zu</td><td>%.5f</td><td>%zu</td></tr>", k, c->priors[k],
                  c->gmm[k].k);
    sb_printf(b, "</table>\n<details><summary>all keys</summary><table>");
    for (size_t i = 0; i < lgc_pkg_n_kv(p); i++) {
        const lgc_pkg_kv *kv = lgc_pkg_kv_at(p, i);
        sb_printf(b, "<tr><th class=\"l\">");
        sb_esc(b, kv->key);
        sb_printf(b, "</th><td class=\"l\">");
        html_kv(b, kv);
        sb_printf(b, "</td></tr>");
    }
    sb_printf(b, "</table></details>\n");
    if (r->side) {
        html_figure(b, o, "loss.png", "loss.svg", "training loss per epoch",
                    "The autoencoder's mean training loss per image after each epoch "
                    "(from the side file).");
        html_figure(b, o, "bic.png", "bic.svg", "BIC against K per class",
                    "BIC of a mixture of K full-covariance Gaussians fitted to each class's "
                    "latent codes; the ring marks the K the package keeps. A curve that is still "
                    "falling at the largest K tried suggests that more components would fit "
                    "better. A missing point is a K the sweep abandoned: after 12 EM steps its "
                    "BIC was still far behind a smaller K's.");
    } else {
        html_missing(b, "The training-loss curve and the BIC curves", 1);
    }
}

static void page_samples(sbuf *b, rep_ctx *r)
{
    const lgc_report_opts *o = r->o;

    sb_printf(b, "<h2 id=\"samples\">Samples</h2>\n");
    html_figure(b, o, "samples.png", NULL, "real and decompressed images",
                "Left: the first ten training images of each class. Right: the first ten "
                "images of that class in the decompressed set the judge below was trained on "
                "(<code>lgc decompress --order class</code> with the same seed gives the same images).");
    if (r->side)
        html_figure(b, o, "recon.png", NULL, "reconstructions",
                    "Training images (rows marked input) through the encoder of the side file "
                    "and the package's decoder (output): what the codes keep of an image.");
    else
        html_missing(b, "Reconstructions", 1);
    html_figure(b, o, "interp.png", NULL, "latent interpolation",
                "Each row decodes codes on the straight line from a sample of one class's "
                "mixture to a sample of the next class's mixture, in 12 steps.");
}

static void page_latent(sbuf *b, rep_ctx *r)
{
    const lgc_report_opts *o = r->o;
    lgc_report_result *res = r->res;
    sb_printf(b, "<h2 id=\"latent\">Latent space</h2>\n");
    if (!r->side) {
        html_missing(b, "The t-SNE map and the Gaussianity check", 1);
        return;
    }
    sb_printf(b, "<p>t-SNE (perplexity 30, Barnes-Hut, seed %llu) of the codes of %zu "
                  "training images drawn at random: 10-nearest-neighbour label agreement "
                  "in the map %.3f, KL(P&#8214;Q) %.3f.</p>\n",
              (unsigned long long)o->seed,
              o->tsne_n < r->train->x.n ? o->tsne_n : r->train->x.n, res->tsne_agreement,
              res->tsne_kl);
    html_figure(b, o, "tsne.png", "tsne.svg", "t-SNE of latent codes",
                "Each point is one training image's latent code, coloured by its class. "
                "Distances between clusters in a t-SNE map mean little; that classes form "
                "separate clusters means a per-class mixture has a separable task.");
    html_figure(b, o, "gauss.png", "gauss.svg", "Gaussianity per class",
                "Every code of a class is assigned to the component of highest "
                "responsibility under the package's mixture, and its squared Mahalanobis "
                "distance to that component is counted. Were each component Gaussian, the "
                "histogram would follow the &chi;&sup2; density of the latent size (red). "
                "KL: the study's divergence of the 100-bin histogram from that density "
                "(outliers with |z| &gt; 4 dropped). The study measured every code against "
                "every component, where no fit is to be expected for K &gt; 1; here each "
                "code counts for its own component only.");
    html_figure(b, o, "gauss-kl.png", "gauss-kl.svg", "KL per component",
                "The same divergence component by component (blank: the class has fewer "
                "components).");
    html_figure(b, o, "gauss-components.png", "gauss-components.svg",
                "Gaussianity per component",
                "Every component's own histogram against &chi;&sup2;; n is the number of "
                "codes it is the most responsible for.");
}

static void page_judge(sbuf *b, rep_ctx *r)
{
    const lgc_report_opts *o = r->o;
    lgc_report_result *res = r->res;
    lgc_codec *c = r->c;
    sb_printf(b, "<h2 id=\"judge\">Judge</h2>\n<p>A %s judge trained for %zu steps (batch 64, "
                  "seed %llu) on %zu decompressed images only, tested on %zu holdout images: "
                  "<b>accuracy %.2f%%</b> (final training loss %.4f). A short run: the "
                  "protocol's figure comes from <code>lgc eval</code> with its full budget.</p>\n",
              lgc_judge_name(LGC_JUDGE_PAPER_CNN), o->judge_steps, (unsigned long long)o->seed,
              res->judge_train_n, r->test->x.n, 100.0 * res->judge.accuracy,
              res->judge.final_loss);
    sb_printf(b, "<table><tr><th>class</th>");
    for (size_t k = 0; k < c->n_classes; k++)
        sb_printf(b, "<th>%zu</th>", k);
    sb_printf(b, "</tr><tr><th>recall</th>");
    for (size_t k = 0; k < c->n_classes; k++)
        sb_printf(b, "<td>%.3f</td>", res->judge.per_class[k]);
    sb_printf(b, "</tr></table>\n");
    html_figure(b, o, "confusion.png", "confusion.svg", "confusion matrix",
                "Rows: the true class of a holdout image; columns: the judge's answer. Cells "
                "count images; their colour is the share of the row.");
}

static void page_privacy(sbuf *b, rep_ctx *r, const lgc_privacy_audit_out *aud)
{
    const lgc_report_opts *o = r->o;
    const lgc_privacy_result *pr = &aud->r;

    sb_printf(b, "<h2 id=\"privacy\">Privacy audit</h2>\n<p>Does the package give back its "
                  "training records? %zu decompressed images, %zu training images drawn at "
                  "random and %zu holdout images; distances are L2 on pixels in [0, 1], "
                  "nearest neighbours exact.</p>\n<table>",
              pr->n_gen, pr->n_train, pr->n_test);
    sb_printf(b, "<tr><th class=\"l\">decompressed images closer to a training image than to "
                  "any holdout image</th><td><b>%.4f</b></td><td class=\"l\">0.5: nothing "
                  "memorised; above: leaks</td></tr>",
              pr->share_closer_train);
    sb_printf(b, "<tr><th class=\"l\">median distance, decompressed &rarr; nearest training"
                  "</th><td>%.4f</td><td></td></tr>"
                  "<tr><th class=\"l\">median distance, decompressed &rarr; nearest holdout"
                  "</th><td>%.4f</td><td></td></tr>"
                  "<tr><th class=\"l\">median distance, holdout &rarr; nearest training (real "
                  "to real)</th><td>%.4f</td><td class=\"l\">the yardstick</td></tr>",
              pr->median_gen_train, pr->median_gen_test, pr->median_test_train);
    sb_printf(b, "<tr><th class=\"l\">near copies: decompressed images closer to a training "
                  "image than 99%% of holdout images are</th><td><b>%.4f</b></td><td "
                  "class=\"l\">threshold %.4f (1st percentile of holdout &rarr; training); "
                  "fresh draws from the data's distribution give about 0.01</td></tr>",
              pr->near_copy_fraction, pr->near_copy_threshold);
    if (!isnan(pr->mia_auc))
        sb_printf(b, "<tr><th class=\"l\">membership inference AUC: the log likelihood of an "
                      "image's code under its class's mixture, training against holdout images"
                      "</th><td><b>%.4f</b></td><td class=\"l\">0.5: no leak</td></tr>",
                  pr->mia_auc);
    sb_printf(b, "</table>\n");
    if (isnan(pr->mia_auc))
        html_missing(b, "The membership-inference AUC", 0);
    html_figure(b, o, "privacy.png", "privacy.svg", "privacy audit",
                "Left: distances from each decompressed image to its nearest training image "
                "and to its nearest holdout image; the two histograms lie on top of each other "
                "when nothing is memorised. The line shows holdout images' distances to their "
                "nearest training image; the dashed line is the near-copy threshold. "
                "Decompressed images are blurrier than real ones and so sit closer to "
                "everything: compare the two bar histograms with each other, not with the "
                "line. Right: the score a package gives a record; overlapping histograms mean "
                "membership cannot be told.");
}

lgc_status rep_write_page(rep_ctx *r, const lgc_pkg *p, const lgc_privacy_audit_out *aud,
                          const char *train_loss, lgc_err *err)
{
    const lgc_report_opts *o = r->o;
    lgc_pkg_info info;
    lgc_status st = lgc_pkg_get_info(p, &info, err);
    if (st)
        return st;
    sbuf b = {0};
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

    page_package(&b, r, p, &info);
    page_samples(&b, r);
    page_latent(&b, r);
    page_judge(&b, r);
    page_privacy(&b, r, aud);
    sb_printf(&b, "<p class=\"small\">Training loss: %s. Written by lgc %s.</p>\n</body></html>\n",
              train_loss, LGC_VERSION_STRING);
    if (b.oom) {
        free(b.s);
        return lgc_err_set(err, LGC_ERR_NOMEM, "report: out of memory for index.html");
    }
    lgc_afile af;
    if (!(st = lgc_afile_open(&af, rep_in_dir(r, r->path, "index.html"), o->overwrite, err))) {
        if ((st = lgc_afile_write(&af, b.s, b.n, err)))
            lgc_afile_abort(&af);
        else
            st = lgc_afile_commit(&af, err);
    }
    if (!st)
        rep_note_file(r, "index.html");
    free(b.s);
    return st;
}

