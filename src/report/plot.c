/* plot.c - a figure, heat map or image sheet drawn with cairo to PNG and SVG
 * (see include/lgc/plot.h; the drawing is in plot_panel.c and plot_cells.c). */
#include <cairo-svg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

#include "lgc/io.h"
#include "lgc/png.h"

/* ---- output -------------------------------------------------------------- */

typedef enum { KIND_FIGURE, KIND_HEATMAP, KIND_SHEET } fig_kind;

typedef struct {
    uint32_t rgb;
    uint32_t n;
} color_count;

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int by_count(const void *a, const void *b)
{
    const color_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return x->rgb < y->rgb ? -1 : x->rgb > y->rgb;
}

/* A palette of the (up to) 256 most frequent colours of rgb (n pixels of 3
 * bytes): palette (256, 3), and idx (n), each pixel's palette entry, the
 * nearest in RGB for colours left out (anti-aliased edges: a plot has a few
 * hundred colours that matter and thousands of blends). Returns the palette
 * size, 0 if out of memory. Deterministic: ties go to the smaller colour. */
static size_t quantize(const uint8_t *rgb, size_t n, uint8_t *idx, uint8_t *palette)
{
    uint32_t *px = malloc(n * sizeof *px), *srt = malloc(n * sizeof *srt);
    color_count *u = malloc(n * sizeof *u), *freq = NULL;
    uint8_t *map = NULL;
    size_t nu = 0, np = 0;
    if (!px || !srt || !u)
        goto done;
    for (size_t i = 0; i < n; i++)
        px[i] = (uint32_t)rgb[3 * i] << 16 | (uint32_t)rgb[3 * i + 1] << 8 | rgb[3 * i + 2];
    memcpy(srt, px, n * sizeof *px);
    qsort(srt, n, sizeof *srt, u32_cmp);
    for (size_t i = 0; i < n; i++) {
        if (nu && u[nu - 1].rgb == srt[i])
            u[nu - 1].n++;
        else
            u[nu++] = (color_count){srt[i], 1};
    }
    freq = malloc(nu * sizeof *freq);
    map = malloc(nu);
    if (!freq || !map)
        goto done;
    memcpy(freq, u, nu * sizeof *u);
    qsort(freq, nu, sizeof *freq, by_count);
    np = nu < 256 ? nu : 256;
    for (size_t k = 0; k < np; k++) {
        palette[3 * k] = (uint8_t)(freq[k].rgb >> 16);
        palette[3 * k + 1] = (uint8_t)(freq[k].rgb >> 8);
        palette[3 * k + 2] = (uint8_t)freq[k].rgb;
    }
    for (size_t j = 0; j < nu; j++) { /* u is sorted by colour: map[j] serves its pixels */
        long best = -1, bd = 0;
        for (size_t k = 0; k < np; k++) {
            long dr = (long)(u[j].rgb >> 16) - palette[3 * k];
            long dg = (long)(u[j].rgb >> 8 & 255) - palette[3 * k + 1];
            long db = (long)(u[j].rgb & 255) - palette[3 * k + 2], dd = dr * dr + dg * dg + db * db;
            if (best < 0 || dd < bd)
                best = (long)k, bd = dd;
            if (!dd)
                break;
        }
        map[j] = (uint8_t)best;
    }
    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = nu - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (u[mid].rgb < px[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        idx[i] = map[lo];
    }
done:
    free(px), free(srt), free(u), free(freq), free(map);
    return np;
}

typedef struct {
    lgc_afile af;
    lgc_err err;
    int failed;
} svg_sink;

static cairo_status_t svg_write(void *closure, const unsigned char *data, unsigned int len)
{
    svg_sink *s = closure;
    if (s->failed || lgc_afile_write(&s->af, data, len, &s->err)) {
        s->failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

static void draw(cairo_t *cr, fig_kind kind, const void *spec, double W, double H,
                 cairo_surface_t *cellsurf)
{
    cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
    cairo_rectangle(cr, 0.0, 0.0, W, H);
    cairo_fill(cr);
    switch (kind) {
    case KIND_FIGURE: {
        const lgc_figure *f = spec;
        double top = 0.0;
        if (f->title) {
            cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
            plot_font(cr, FS_FIG_TITLE, 1);
            plot_text(cr, f->title, W / 2.0, 8.0, 0.5, 0.0, 0);
            top = 34.0;
        }
        for (size_t i = 0; i < f->n_panels; i++) {
            size_t r = i / f->cols, c = i % f->cols;
            plot_draw_panel(cr, &f->panels[i], (double)c * f->panel_w, top + (double)r * f->panel_h,
                       f->panel_w, f->panel_h);
        }
        break;
    }
    case KIND_HEATMAP: plot_draw_heatmap(cr, spec); break;
    case KIND_SHEET: plot_draw_sheet(cr, spec, cellsurf); break;
    }
}

/* Measure with a scratch context (text widths need a font), then draw once
 * per requested format. */
static lgc_status render(fig_kind kind, const void *spec, const lgc_plot_out *out,
                         const char *what, lgc_err *err)
{
    if (!out || (!out->png && !out->svg))
        return lgc_err_set(err, LGC_ERR_ARG, "%s: no output file named", what);
    const char *name = out->png ? out->png : out->svg;
    double W = 0.0, H = 0.0;
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    cairo_t *mc = cairo_create(scratch);
    if (kind == KIND_FIGURE) {
        const lgc_figure *f = spec;
        W = (double)f->cols * f->panel_w;
        H = (double)f->rows * f->panel_h + (f->title ? 34.0 : 0.0);
        if (f->title) {
            plot_font(mc, FS_FIG_TITLE, 1);
            W = fmax(W, plot_text_w(mc, f->title) + 20.0);
        }
    } else if (kind == KIND_HEATMAP) {
        heat_layout L;
        plot_heat_measure(mc, spec, &L);
        W = L.W, H = L.H;
    } else {
        sheet_layout L;
        plot_sheet_measure(mc, spec, &L);
        W = L.W, H = L.H;
    }
    int mstatus = cairo_status(mc);
    cairo_destroy(mc);
    cairo_surface_destroy(scratch);
    if (mstatus)
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: cairo: %s", name,
                           cairo_status_to_string((cairo_status_t)mstatus));
    W = ceil(W), H = ceil(H);
    if (!(W >= 1.0 && H >= 1.0 && W <= LGC_PLOT_MAX_SIDE && H <= LGC_PLOT_MAX_SIDE))
        return lgc_err_set(err, LGC_ERR_ARG, "%s: a figure of %.0f x %.0f pixels (1..%d a side)",
                           name, W, H, LGC_PLOT_MAX_SIDE);
    lgc_status st = LGC_OK;
    cairo_surface_t *cells = NULL;
    if (kind == KIND_SHEET) {
        const lgc_image_sheet *s = spec;
        cells = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)s->x->w, (int)s->x->h);
        if (cairo_surface_status(cells)) {
            cairo_surface_destroy(cells);
            return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", name);
        }
    }
    if (out->png) {
        cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)W, (int)H);
        cairo_t *cr = cairo_create(surf);
        draw(cr, kind, spec, W, H, cells);
        cairo_surface_flush(surf);
        int cst = cairo_status(cr);
        uint8_t *rgb = cst ? NULL : malloc((size_t)W * (size_t)H * 3);
        if (cst || !rgb) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: cairo: %s", out->png,
                             cst ? cairo_status_to_string((cairo_status_t)cst) : "out of memory");
        } else {
            /* RGB24 pixels are native-endian 0x00RRGGBB words */
            const unsigned char *d = cairo_image_surface_get_data(surf);
            int stride = cairo_image_surface_get_stride(surf);
            for (size_t y = 0; y < (size_t)H; y++)
                for (size_t x = 0; x < (size_t)W; x++) {
                    uint32_t v = ((const uint32_t *)(const void *)(d + (size_t)stride * y))[x];
                    uint8_t *o = rgb + (y * (size_t)W + x) * 3;
                    o[0] = (uint8_t)(v >> 16), o[1] = (uint8_t)(v >> 8), o[2] = (uint8_t)v;
                }
            size_t np = (size_t)W * (size_t)H;
            if (kind == KIND_SHEET) {
                /* a sheet of grey images is all grey: one channel, a third of the bytes */
                size_t ch = 3;
                if (((const lgc_image_sheet *)spec)->x->c == 1) {
                    for (size_t i = 0; i < np; i++)
                        rgb[i] = rgb[3 * i];
                    ch = 1;
                }
                st = lgc_png_write(out->png, rgb, (size_t)W, (size_t)H, ch, out->overwrite, err);
            } else {
                /* plots: a palette PNG, a third of the bytes of RGB with no visible change */
                uint8_t palette[256 * 3], *idx = malloc(np);
                size_t n_pal = idx ? quantize(rgb, np, idx, palette) : 0;
                if (!n_pal)
                    st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", out->png);
                else
                    st = lgc_png_write_indexed(out->png, idx, (size_t)W, (size_t)H, palette,
                                               n_pal, out->overwrite, err);
                free(idx);
            }
        }
        free(rgb);
        cairo_destroy(cr);
        cairo_surface_destroy(surf);
    }
    if (!st && out->svg) {
        if (kind == KIND_SHEET) {
            st = lgc_err_set(err, LGC_ERR_ARG, "%s: image sheets are written as PNG only",
                             out->svg);
            goto done;
        }
        static svg_sink sink_zero;
        svg_sink sink = sink_zero;
        if ((st = lgc_afile_open(&sink.af, out->svg, out->overwrite, err)))
            goto done;
        cairo_surface_t *surf = cairo_svg_surface_create_for_stream(svg_write, &sink, W, H);
        cairo_t *cr = cairo_create(surf);
        draw(cr, kind, spec, W, H, cells);
        int cst = cairo_status(cr);
        cairo_destroy(cr);
        cairo_surface_finish(surf); /* writes the rest of the document */
        if (!cst)
            cst = cairo_surface_status(surf);
        cairo_surface_destroy(surf);
        if (sink.failed) {
            lgc_afile_abort(&sink.af);
            st = lgc_err_set(err, sink.err.code, "%s", sink.err.msg);
        } else if (cst) {
            lgc_afile_abort(&sink.af);
            st = lgc_err_set(err, LGC_ERR_IO, "%s: cairo: %s", out->svg,
                             cairo_status_to_string((cairo_status_t)cst));
        } else {
            st = lgc_afile_commit(&sink.af, err);
        }
    }
done:
    if (cells)
        cairo_surface_destroy(cells);
    return st;
}

lgc_status lgc_plot_figure(const lgc_figure *f, const lgc_plot_out *out, lgc_err *err)
{
    if (!f->rows || !f->cols || f->n_panels > f->rows * f->cols || !(f->panel_w >= 40.0) ||
        !(f->panel_h >= 40.0))
        return lgc_err_set(err, LGC_ERR_ARG, "plot: %zu panels in a %zu x %zu grid of %g x %g px",
                           f->n_panels, f->rows, f->cols, f->panel_w, f->panel_h);
    for (size_t i = 0; i < f->n_panels; i++)
        for (size_t s = 0; s < f->panels[i].n_series; s++) {
            const lgc_series *S = &f->panels[i].series[s];
            if (S->n && (!S->x || (!S->y && S->style != LGC_SERIES_VLINE)))
                return lgc_err_set(err, LGC_ERR_ARG, "plot: panel %zu, series %zu has no data",
                                   i, s);
        }
    return render(KIND_FIGURE, f, out, "plot", err);
}

lgc_status lgc_plot_heatmap(const lgc_heatmap *h, const lgc_plot_out *out, lgc_err *err)
{
    if (!h->rows || !h->cols || h->rows > 256 || h->cols > 256 || !h->v)
        return lgc_err_set(err, LGC_ERR_ARG, "heat map: %zu x %zu cells (1..256 a side)", h->rows,
                           h->cols);
    return render(KIND_HEATMAP, h, out, "heat map", err);
}

lgc_status lgc_plot_images(const lgc_image_sheet *s, const lgc_plot_out *out, lgc_err *err)
{
    if (!s->x || !s->x->pix || !s->rows || !s->cols || !s->x->h || !s->x->w ||
        (s->x->c != 1 && s->x->c != 3) || s->x->h > 1024 || s->x->w > 1024 || s->scale > 16)
        return lgc_err_set(err, LGC_ERR_ARG, "image sheet: %zu x %zu cells of %zux%zux%zu images "
                           "at scale %zu", s->rows, s->cols, s->x ? s->x->h : 0,
                           s->x ? s->x->w : 0, s->x ? s->x->c : 0, s->scale);
    return render(KIND_SHEET, s, out, "image sheet", err);
}

