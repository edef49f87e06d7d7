/* report_common.c - the state of one report: stages, files, figures, histograms. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

void rep_stage(rep_ctx *r, const char *what)
{
    if (r->progress) {
        lgc_progress pr = {what, 0, 0, 0, NAN, NAN};
        r->progress(r->ctx, &pr);
    }
}

const char *rep_in_dir(rep_ctx *r, char *buf, const char *name)
{
    snprintf(buf, sizeof r->path, "%s/%s", r->o->dir, name);
    return buf;
}

void rep_note_file(rep_ctx *r, const char *name)
{
    lgc_report_result *res = r->res;
    if (res->n_files < LGC_REPORT_MAX_FILES)
        snprintf(res->files[res->n_files++], sizeof res->files[0], "%s", name);
}

/* stem.png (and stem.svg) of a figure f or a heat map h (the other NULL). */
static lgc_status put_plot(rep_ctx *r, const char *stem, const lgc_figure *f,
                           const lgc_heatmap *h, lgc_err *err)
{
    char png[64], svg[64];
    snprintf(png, sizeof png, "%s.png", stem);
    snprintf(svg, sizeof svg, "%s.svg", stem);
    lgc_plot_out out = {rep_in_dir(r, r->path, png), r->o->svg ? rep_in_dir(r, r->path2, svg) : NULL,
                        r->o->overwrite};
    lgc_status st = f ? lgc_plot_figure(f, &out, err) : lgc_plot_heatmap(h, &out, err);
    if (!st) {
        rep_note_file(r, png);
        if (r->o->svg)
            rep_note_file(r, svg);
    }
    return st;
}

lgc_status rep_put_figure(rep_ctx *r, const char *stem, const lgc_figure *f, lgc_err *err)
{
    return put_plot(r, stem, f, NULL, err);
}

lgc_status rep_put_heatmap(rep_ctx *r, const char *stem, const lgc_heatmap *h, lgc_err *err)
{
    return put_plot(r, stem, NULL, h, err);
}

lgc_status rep_put_sheet(rep_ctx *r, const char *name, const lgc_image_sheet *s, lgc_err *err)
{
    lgc_plot_out out = {rep_in_dir(r, r->path, name), NULL, r->o->overwrite};
    lgc_status st = lgc_plot_images(s, &out, err);
    if (!st)
        rep_note_file(r, name);
    return st;
}

const char *rep_class_label(size_t c)
{
    static const char *names[LGC_REPORT_MAX_CLASSES] = {"0", "1", "2",  "3",  "4",  "5",  "6",  "7",
                                                 "8", "9", "10", "11", "12", "13", "14", "15"};
    return names[c];
}

/* Grid shape for one panel per class: 2 x 5 for ten classes. */
void rep_class_grid(size_t n_classes, size_t *rows, size_t *cols)
{
    *cols = n_classes < 5 ? n_classes : 5;
    *rows = (n_classes + *cols - 1) / *cols;
}

/* Histogram of x (n) over edges (bins + 1, equal widths) as a density. */
void rep_histogram(const double *x, size_t n, const double *edges, size_t bins, double *h)
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

void rep_even_edges(double lo, double hi, size_t bins, double *edges)
{
    if (!(hi > lo))
        hi = lo + 1.0;
    for (size_t b = 0; b <= bins; b++)
        edges[b] = lo + (hi - lo) * (double)b / (double)bins;
}

