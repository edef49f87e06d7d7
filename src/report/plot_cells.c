/* plot_cells.c - heat maps and image sheets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

/* ---- heat maps ----------------------------------------------------------- */


void plot_heat_measure(cairo_t *cr, const lgc_heatmap *h, heat_layout *L)
{
    char buf[64];
    L->cell = h->cell > 0.0 ? h->cell : 44.0;
    plot_font(cr, FS_TICK, 0);
    double rw = 0.0;
    for (size_t i = 0; i < h->rows; i++) {
        if (h->row_labels)
            snprintf(buf, sizeof buf, "%s", h->row_labels[i]);
        else
            snprintf(buf, sizeof buf, "%zu", i);
        rw = fmax(rw, plot_text_w(cr, buf));
    }
    L->left = 10.0 + (h->ylabel ? 22.0 : 0.0) + rw + 8.0;
    L->top = h->title ? 34.0 : 10.0;
    L->W = L->left + (double)h->cols * L->cell + 16.0;
    L->H = L->top + (double)h->rows * L->cell + 20.0 + (h->xlabel ? 22.0 : 0.0) + 6.0;
    if (h->title) {
        plot_font(cr, FS_TITLE, 1);
        L->W = fmax(L->W, plot_text_w(cr, h->title) + 20.0);
    }
}

/* matplotlib's "Blues" at t in [0, 1] */
static uint32_t blues(double t)
{
    static const uint32_t stops[9] = {0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6,
                                      0x4292c6, 0x2171b5, 0x08519c, 0x08306b};
    t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
    double pos = t * 8.0;
    int i = (int)floor(pos);
    if (i >= 8)
        return stops[8];
    double u = pos - i;
    uint32_t a = stops[i], b = stops[i + 1], out = 0;
    for (int sh = 16; sh >= 0; sh -= 8) {
        double ca = (a >> sh) & 255, cb = (b >> sh) & 255;
        out |= (uint32_t)lrint(ca + u * (cb - ca)) << sh;
    }
    return out;
}

void plot_draw_heatmap(cairo_t *cr, const lgc_heatmap *h)
{
    heat_layout L;
    plot_heat_measure(cr, h, &L);
    char buf[64];
    double vmax = 0.0;
    for (size_t i = 0; i < h->rows * h->cols; i++)
        if (isfinite(h->v[i]))
            vmax = fmax(vmax, h->v[i]);
    double fs = fmin(12.0, L.cell * 0.28);
    for (size_t r = 0; r < h->rows; r++) {
        double rsum = 0.0;
        for (size_t c = 0; c < h->cols; c++)
            rsum += isfinite(h->v[r * h->cols + c]) ? h->v[r * h->cols + c] : 0.0;
        for (size_t c = 0; c < h->cols; c++) {
            double v = h->v[r * h->cols + c], x = L.left + (double)c * L.cell,
                   y = L.top + (double)r * L.cell;
            if (!isfinite(v)) {
                cairo_rectangle(cr, x, y, L.cell, L.cell);
                cairo_set_source_rgb(cr, 0.96, 0.96, 0.96);
                cairo_fill(cr);
                continue;
            }
            double t = h->by_row_share ? (rsum > 0.0 ? v / rsum : 0.0)
                                       : (vmax > 0.0 ? v / vmax : 0.0);
            cairo_rectangle(cr, x, y, L.cell, L.cell);
            plot_set_rgb(cr, blues(t), 1.0);
            cairo_fill(cr);
            snprintf(buf, sizeof buf, h->fmt ? h->fmt : "%.0f", v);
            plot_font(cr, fs, 0);
            if (t > 0.5)
                cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
            else
                cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            plot_text(cr, buf, x + L.cell / 2.0, y + L.cell / 2.0, 0.5, 0.5, 0);
        }
    }
    /* cell borders */
    cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
    cairo_set_line_width(cr, 1.0);
    for (size_t r = 0; r <= h->rows; r++) {
        cairo_move_to(cr, L.left, L.top + (double)r * L.cell);
        cairo_line_to(cr, L.left + (double)h->cols * L.cell, L.top + (double)r * L.cell);
    }
    for (size_t c = 0; c <= h->cols; c++) {
        cairo_move_to(cr, L.left + (double)c * L.cell, L.top);
        cairo_line_to(cr, L.left + (double)c * L.cell, L.top + (double)h->rows * L.cell);
    }
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    plot_font(cr, FS_TICK, 0);
    for (size_t r = 0; r < h->rows; r++) {
        if (h->row_labels)
            snprintf(buf, sizeof buf, "%s", h->row_labels[r]);
        else
            snprintf(buf, sizeof buf, "%zu", r);
        plot_text(cr, buf, L.left - 6.0, L.top + ((double)r + 0.5) * L.cell, 1.0, 0.5, 0);
    }
    double yb = L.top + (double)h->rows * L.cell + 4.0;
    for (size_t c = 0; c < h->cols; c++) {
        if (h->col_labels)
            snprintf(buf, sizeof buf, "%s", h->col_labels[c]);
        else
            snprintf(buf, sizeof buf, "%zu", c);
        plot_text(cr, buf, L.left + ((double)c + 0.5) * L.cell, yb, 0.5, 0.0, 0);
    }
    plot_font(cr, FS_LABEL, 0);
    if (h->xlabel)
        plot_text(cr, h->xlabel, L.left + (double)h->cols * L.cell / 2.0, yb + 20.0, 0.5, 0.0, 0);
    if (h->ylabel)
        plot_text(cr, h->ylabel, 8.0, L.top + (double)h->rows * L.cell / 2.0, 0.5, 0.0, 1);
    if (h->title) {
        plot_font(cr, FS_TITLE, 1);
        plot_text(cr, h->title, L.W / 2.0, 8.0, 0.5, 0.0, 0);
    }
}

/* ---- image sheets -------------------------------------------------------- */


void plot_sheet_measure(cairo_t *cr, const lgc_image_sheet *s, sheet_layout *L)
{
    size_t sc = s->scale ? s->scale : 2, g = s->group_cols ? s->group_cols : s->cols;
    size_t n_groups = (s->cols + g - 1) / g;
    L->cw = (double)(s->x->w * sc), L->ch = (double)(s->x->h * sc);
    L->pad = 2.0, L->gap = 18.0;
    double rw = 0.0;
    plot_font(cr, FS_LABEL, 0);
    for (size_t r = 0; s->row_labels && r < s->rows; r++)
        rw = fmax(rw, plot_text_w(cr, s->row_labels[r]));
    L->left = 10.0 + (rw > 0.0 ? rw + 10.0 : 0.0);
    L->top = (s->title ? 32.0 : 8.0) + (s->group_titles ? 22.0 : 0.0);
    L->W = L->left + (double)s->cols * (L->cw + L->pad) + (double)(n_groups - 1) * L->gap + 10.0;
    L->H = L->top + (double)s->rows * (L->ch + L->pad) + 10.0;
    if (s->title) {
        plot_font(cr, FS_TITLE, 1);
        L->W = fmax(L->W, plot_text_w(cr, s->title) + 20.0);
    }
}

static double sheet_x(const lgc_image_sheet *s, const sheet_layout *L, size_t c)
{
    size_t g = s->group_cols ? s->group_cols : s->cols;
    return L->left + (double)c * (L->cw + L->pad) + (double)(c / g) * L->gap;
}

void plot_draw_sheet(cairo_t *cr, const lgc_image_sheet *s, cairo_surface_t *cellsurf)
{
    sheet_layout L;
    plot_sheet_measure(cr, s, &L);
    const lgc_images *x = s->x;
    size_t sc = s->scale ? s->scale : 2, hw = x->h * x->w;
    unsigned char *data = cairo_image_surface_get_data(cellsurf);
    int stride = cairo_image_surface_get_stride(cellsurf);
    for (size_t r = 0; r < s->rows; r++)
        for (size_t c = 0; c < s->cols; c++) {
            size_t i = r * s->cols + c;
            double px = sheet_x(s, &L, c), py = L.top + (double)r * (L.ch + L.pad);
            if (i >= x->n) {
                cairo_rectangle(cr, px, py, L.cw, L.ch);
                cairo_set_source_rgb(cr, 0.93, 0.93, 0.93);
                cairo_fill(cr);
                continue;
            }
            cairo_surface_flush(cellsurf);
            const uint8_t *src = x->pix + i * hw * x->c;
            for (size_t yy = 0; yy < x->h; yy++) {
                uint32_t *row = (uint32_t *)(void *)(data + (size_t)stride * yy);
                for (size_t xx = 0; xx < x->w; xx++) {
                    const uint8_t *q = src + (yy * x->w + xx) * x->c;
                    uint32_t rr = q[0], gg = x->c == 3 ? q[1] : q[0], bb = x->c == 3 ? q[2] : q[0];
                    row[xx] = 0xff000000u | rr << 16 | gg << 8 | bb;
                }
            }
            cairo_surface_mark_dirty(cellsurf);
            cairo_save(cr);
            cairo_translate(cr, px, py);
            cairo_scale(cr, (double)sc, (double)sc);
            cairo_set_source_surface(cr, cellsurf, 0.0, 0.0);
            cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
            cairo_rectangle(cr, 0.0, 0.0, (double)x->w, (double)x->h);
            cairo_fill(cr);
            cairo_restore(cr);
        }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    plot_font(cr, FS_LABEL, 0);
    for (size_t r = 0; s->row_labels && r < s->rows; r++)
        plot_text(cr, s->row_labels[r], L.left - 10.0, L.top + (double)r * (L.ch + L.pad) + L.ch / 2.0,
             1.0, 0.5, 0);
    size_t g = s->group_cols ? s->group_cols : s->cols;
    if (s->group_titles) {
        plot_font(cr, FS_LABEL, 1);
        for (size_t k = 0; k * g < s->cols; k++) {
            size_t c1 = (k + 1) * g < s->cols ? (k + 1) * g : s->cols;
            double xa = sheet_x(s, &L, k * g), xb = sheet_x(s, &L, c1 - 1) + L.cw;
            plot_text(cr, s->group_titles[k], 0.5 * (xa + xb), L.top - 4.0, 0.5, 1.0, 0);
        }
    }
    if (s->title) {
        plot_font(cr, FS_TITLE, 1);
        plot_text(cr, s->title, L.W / 2.0, 8.0, 0.5, 0.0, 0);
    }
}

