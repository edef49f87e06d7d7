/* plot_panel.c - axes and panels: lines, points, bands, legends and notes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

/* ---- axes ---------------------------------------------------------------- */

typedef struct {
    double lo, hi;   /* the axis's limits */
    double step, first;
    size_t n_ticks;
    int exp10;       /* labels show v / 10^exp10 */
    int decimals;
    int pow10;       /* values are log10 of the quantity: labels show 10^v */
} axis;

/* The nice step (1, 2, 2.5 or 5 times a power of ten; integer axes skip 2.5
 * below 10) nearest to range / target in ratio, or the next larger one when
 * bigger is set. */
static double nice_step(double range, double target, int integer, int bigger)
{
    static const double m[5] = {1.0, 2.0, 2.5, 5.0, 10.0};
    double raw = range / target, mag = pow(10.0, floor(log10(raw))), best = 0.0, bd = INFINITY;
    for (int i = 0; i < 5; i++) {
        if (i == 2 && integer && mag < 10.0)
            continue;
        double s = m[i] * mag, dd = fabs(log(s / raw));
        if (bigger ? (s > raw * 1.0000001 && s < best + (best == 0.0) * INFINITY) : dd < bd)
            best = s, bd = dd;
    }
    if (bigger && best == 0.0)
        best = 2.0 * mag * 10.0;
    return integer && best < 1.0 ? 1.0 : best;
}

static void axis_ticks(axis *a, double step)
{
    a->step = step;
    a->first = ceil(a->lo / a->step - 1e-9) * a->step;
    double n = floor((a->hi - a->first) / a->step + 1e-9) + 1.0;
    a->n_ticks = n < 1.0 ? 0 : n > MAX_TICKS ? MAX_TICKS : (size_t)n;
    double last = a->first + (double)(a->n_ticks ? a->n_ticks - 1 : 0) * a->step;
    double mm = fmax(fabs(a->first), fabs(last));
    a->exp10 = (mm >= 1e5 || (mm > 0.0 && mm < 1e-3)) ? (int)floor(log10(mm)) : 0;
    double st = a->step / pow(10.0, a->exp10);
    a->decimals = 0;
    while (a->decimals < 6) {
        double sc = st * pow(10.0, a->decimals);
        if (fabs(sc - round(sc)) < 1e-6 * sc)
            break;
        a->decimals++;
    }
}

static void axis_make(axis *a, double lo, double hi, double target, int integer)
{
    a->lo = lo, a->hi = hi, a->pow10 = 0;
    axis_ticks(a, nice_step(hi - lo, target, integer, 0));
}

/* "10" and the exponent k in UTF-8 superscripts. */
static void pow10_text(int k, char *buf, size_t n)
{
    static const char *sup[10] = {"\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
                                  "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"};
    char digits[12];
    snprintf(digits, sizeof digits, "%d", k < 0 ? -k : k);
    snprintf(buf, n, "10%s", k < 0 ? "\u207b" : "");
    for (char *d = digits; *d; d++)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s", sup[*d - '0']);
}

static void axis_tick_label(const axis *a, size_t i, char *buf, size_t n)
{
    double v = a->first + (double)i * a->step;
    if (a->pow10) {
        pow10_text((int)lround(v), buf, n);
        return;
    }
    if (fabs(v) < 1e-9 * a->step)
        v = 0.0; /* no "-0" */
    snprintf(buf, n, "%.*f", a->decimals, v / pow(10.0, a->exp10));
}

/* "label (×10⁵)" when the axis has a factor; UTF-8 superscripts. */
static void axis_title(const axis *a, const char *label, char *buf, size_t n)
{
    if (!a->exp10 || a->pow10) {
        snprintf(buf, n, "%s", label);
        return;
    }
    char e[48];
    pow10_text(a->exp10, e, sizeof e);
    snprintf(buf, n, "%s (\u00d7%s)", label ? label : "", e);
}

/* ---- panels -------------------------------------------------------------- */

void lgc_panel_init(lgc_panel *p)
{
    memset(p, 0, sizeof *p);
    p->xmin = p->xmax = p->ymin = p->ymax = NAN;
}

typedef struct {
    double x, y, w, h; /* plot area in px */
    double x0, x1, y0, y1; /* data limits */
} frame;

static double fx(const frame *f, double v)
{
    return f->x + (v - f->x0) / (f->x1 - f->x0) * f->w;
}

static double fy(const frame *f, double v)
{
    return f->y + f->h - (v - f->y0) / (f->y1 - f->y0) * f->h;
}

static void grow(double *lo, double *hi, double v)
{
    if (isfinite(v))
        *lo = fmin(*lo, v), *hi = fmax(*hi, v);
}

/* Limits from the data plus 5% (bars: from 0), unless fixed. */
static void panel_limits(const lgc_panel *p, double *x0, double *x1, double *y0, double *y1)
{
    double a = INFINITY, b = -INFINITY, c = INFINITY, d = -INFINITY;
    int bars = 0;
    for (size_t s = 0; s < p->n_series; s++) {
        const lgc_series *S = &p->series[s];
        if (S->style == LGC_SERIES_BARS) {
            bars = 1;
            for (size_t i = 0; i <= S->n && S->n; i++)
                grow(&a, &b, S->x[i]);
            for (size_t i = 0; i < S->n; i++)
                grow(&c, &d, S->y[i]);
            grow(&c, &d, 0.0);
        } else if (S->style == LGC_SERIES_VLINE) {
            for (size_t i = 0; i < S->n; i++)
                grow(&a, &b, S->x[i]);
        } else {
            for (size_t i = 0; i < S->n; i++)
                if (isfinite(S->x[i]) && isfinite(S->y[i]))
                    grow(&a, &b, S->x[i]), grow(&c, &d, S->y[i]);
        }
    }
    if (!(a <= b))
        a = 0.0, b = 1.0;
    if (!(c <= d))
        c = 0.0, d = 1.0;
    if (b - a <= 0.0)
        a -= fmax(0.5, 0.1 * fabs(a)), b += fmax(0.5, 0.1 * fabs(b));
    if (d - c <= 0.0)
        c -= fmax(0.5, 0.1 * fabs(c)), d += fmax(0.5, 0.1 * fabs(d));
    double mx = 0.05 * (b - a), my = 0.05 * (d - c);
    *x0 = isnan(p->xmin) ? a - mx : p->xmin;
    *x1 = isnan(p->xmax) ? b + mx : p->xmax;
    *y0 = isnan(p->ymin) ? (bars && c >= 0.0 ? 0.0 : c - my) : p->ymin;
    *y1 = isnan(p->ymax) ? d + my : p->ymax;
    if (!(*x1 > *x0))
        *x1 = *x0 + 1.0;
    if (!(*y1 > *y0))
        *y1 = *y0 + 1.0;
}

static double series_alpha(const lgc_series *S)
{
    if (S->alpha > 0.0)
        return S->alpha;
    return S->style == LGC_SERIES_BARS ? 0.5 : S->style == LGC_SERIES_POINTS ? 0.7 : 1.0;
}

static void draw_series(cairo_t *cr, const frame *f, const lgc_series *S)
{
    uint32_t col = lgc_plot_color(S->color);
    double a = series_alpha(S);
    cairo_save(cr);
    switch (S->style) {
    case LGC_SERIES_BARS:
        for (size_t i = 0; i < S->n; i++) {
            if (!isfinite(S->y[i]) || S->y[i] <= 0.0)
                continue;
            double xa = fx(f, S->x[i]), xb = fx(f, S->x[i + 1]), yt = fy(f, S->y[i]);
            cairo_rectangle(cr, xa, yt, xb - xa, fy(f, 0.0) - yt);
        }
        plot_set_rgb(cr, col, a);
        cairo_fill_preserve(cr);
        plot_set_rgb(cr, col, 1.0);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
        break;
    case LGC_SERIES_VLINE: {
        double dash[2] = {6.0, 4.0};
        cairo_set_dash(cr, dash, 2, 0.0);
        cairo_set_line_width(cr, S->size > 0.0 ? S->size : 1.5);
        plot_set_rgb(cr, col, a);
        for (size_t i = 0; i < S->n; i++) {
            if (!isfinite(S->x[i]))
                continue;
            cairo_move_to(cr, fx(f, S->x[i]), f->y);
            cairo_line_to(cr, fx(f, S->x[i]), f->y + f->h);
        }
        cairo_stroke(cr);
        break;
    }
    case LGC_SERIES_LINE:
    case LGC_SERIES_LINEPOINTS:
    case LGC_SERIES_POINTS:
    case LGC_SERIES_RINGS:
        if (S->style == LGC_SERIES_LINE || S->style == LGC_SERIES_LINEPOINTS) {
            int pen = 0;
            for (size_t i = 0; i < S->n; i++) {
                if (!isfinite(S->x[i]) || !isfinite(S->y[i])) {
                    pen = 0;
                    continue;
                }
                if (pen)
                    cairo_line_to(cr, fx(f, S->x[i]), fy(f, S->y[i]));
                else
                    cairo_move_to(cr, fx(f, S->x[i]), fy(f, S->y[i]));
                pen = 1;
            }
            cairo_set_line_width(cr, S->style == LGC_SERIES_LINE && S->size > 0.0 ? S->size : 1.8);
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
            plot_set_rgb(cr, col, a);
            cairo_stroke(cr);
        }
        if (S->style != LGC_SERIES_LINE) {
            double r = S->size > 0.0 ? S->size : S->style == LGC_SERIES_RINGS ? 7.0 : 3.0;
            if (S->style == LGC_SERIES_LINEPOINTS)
                r = 3.0;
            /* one path for all markers of a series: a small SVG and one fill */
            for (size_t i = 0; i < S->n; i++) {
                if (!isfinite(S->x[i]) || !isfinite(S->y[i]))
                    continue;
                cairo_new_sub_path(cr);
                cairo_arc(cr, fx(f, S->x[i]), fy(f, S->y[i]), r, 0.0, 2.0 * PI);
            }
            plot_set_rgb(cr, col, S->style == LGC_SERIES_POINTS ? a : 1.0);
            if (S->style == LGC_SERIES_RINGS) {
                cairo_set_line_width(cr, 2.0);
                cairo_stroke(cr);
            } else {
                cairo_fill(cr);
            }
        }
        break;
    }
    cairo_restore(cr);
}

/* How much data lies under the box (x, y, w, h): the badness of a legend there. */
static double box_cover(const frame *f, const lgc_panel *p, double x, double y, double w, double h)
{
    double score = 0.0;
#define IN(px, py) ((px) >= x && (px) <= x + w && (py) >= y && (py) <= y + h)
    for (size_t s = 0; s < p->n_series; s++) {
        const lgc_series *S = &p->series[s];
        if (S->style == LGC_SERIES_BARS) {
            for (size_t i = 0; i < S->n; i++) {
                double xa = fx(f, S->x[i]), xb = fx(f, S->x[i + 1]), yt = fy(f, S->y[i]);
                if (S->y[i] > 0.0 && xb >= x && xa <= x + w && yt <= y + h)
                    score += 5.0;
            }
        } else if (S->style == LGC_SERIES_VLINE) {
            for (size_t i = 0; i < S->n; i++)
                if (fx(f, S->x[i]) >= x && fx(f, S->x[i]) <= x + w)
                    score += 20.0;
        } else {
            for (size_t i = 0; i < S->n; i++) {
                if (!isfinite(S->x[i]) || !isfinite(S->y[i]))
                    continue;
                double px = fx(f, S->x[i]), py = fy(f, S->y[i]);
                score += IN(px, py);
                if (S->style != LGC_SERIES_LINE && S->style != LGC_SERIES_LINEPOINTS)
                    continue;
                if (i + 1 < S->n && isfinite(S->x[i + 1]) && isfinite(S->y[i + 1]))
                    for (int t = 1; t < 8; t++) { /* points along the segment */
                        double u = t / 8.0;
                        double qx = px + u * (fx(f, S->x[i + 1]) - px);
                        double qy = py + u * (fy(f, S->y[i + 1]) - py);
                        score += IN(qx, qy);
                    }
            }
        }
    }
#undef IN
    return score;
}

/* Corner (0 top right, 1 top left, 2 bottom right, 3 bottom left) for a box
 * of w x h inside the frame with the least data under it, avoiding corner
 * `taken` (-1: none); the box's top-left into *bx, *by. */
static int best_corner(const frame *f, const lgc_panel *p, double w, double h, int taken,
                       double *bx, double *by)
{
    const double pad = 6.0;
    int best = -1;
    double best_score = INFINITY;
    for (int c = 0; c < 4; c++) {
        if (c == taken)
            continue;
        double x = (c & 1) ? f->x + pad : f->x + f->w - pad - w;
        double y = (c & 2) ? f->y + f->h - pad - h : f->y + pad;
        double s = box_cover(f, p, x, y, w, h);
        if (s < best_score)
            best_score = s, best = c, *bx = x, *by = y;
    }
    return best;
}

static size_t legend_entries(const lgc_panel *p)
{
    size_t n = 0;
    for (size_t s = 0; s < p->n_series; s++)
        n += p->series[s].label != NULL;
    return n;
}

static double legend_width(cairo_t *cr, const lgc_panel *p)
{
    plot_font(cr, FS_LEGEND, 0);
    double w = 0.0;
    for (size_t s = 0; s < p->n_series; s++)
        if (p->series[s].label)
            w = fmax(w, plot_text_w(cr, p->series[s].label));
    return 6.0 + LEGEND_SWATCH + 6.0 + w + 8.0;
}

static void draw_legend(cairo_t *cr, const lgc_panel *p, double x, double y, double w, int boxed)
{
    size_t n = legend_entries(p);
    double h = 6.0 + LEGEND_ROW * (double)n;
    if (boxed) {
        cairo_rectangle(cr, x + 0.5, y + 0.5, w, h);
        cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, 0.85);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
        cairo_set_line_width(cr, 1.0);
        cairo_stroke(cr);
    }
    plot_font(cr, FS_LEGEND, 0);
    double row = y + 3.0;
    for (size_t s = 0; s < p->n_series; s++) {
        const lgc_series *S = &p->series[s];
        if (!S->label)
            continue;
        double cy = row + LEGEND_ROW / 2.0, sx = x + 6.0;
        uint32_t col = lgc_plot_color(S->color);
        cairo_save(cr);
        cairo_new_path(cr); /* text leaves a current point; swatches start afresh */
        switch (S->style) {
        case LGC_SERIES_BARS:
            cairo_rectangle(cr, sx + 3.0, cy - 5.0, LEGEND_SWATCH - 6.0, 10.0);
            plot_set_rgb(cr, col, series_alpha(S));
            cairo_fill_preserve(cr);
            plot_set_rgb(cr, col, 1.0);
            cairo_set_line_width(cr, 0.8);
            cairo_stroke(cr);
            break;
        case LGC_SERIES_VLINE: {
            double dash[2] = {4.0, 3.0};
            cairo_set_dash(cr, dash, 2, 0.0);
            cairo_move_to(cr, sx, cy);
            cairo_line_to(cr, sx + LEGEND_SWATCH, cy);
            cairo_set_line_width(cr, 1.5);
            plot_set_rgb(cr, col, 1.0);
            cairo_stroke(cr);
            break;
        }
        case LGC_SERIES_RINGS:
            cairo_arc(cr, sx + LEGEND_SWATCH / 2.0, cy, 5.0, 0.0, 2.0 * PI);
            cairo_set_line_width(cr, 2.0);
            plot_set_rgb(cr, col, 1.0);
            cairo_stroke(cr);
            break;
        case LGC_SERIES_POINTS:
            cairo_arc(cr, sx + LEGEND_SWATCH / 2.0, cy, 4.0, 0.0, 2.0 * PI);
            plot_set_rgb(cr, col, 1.0);
            cairo_fill(cr);
            break;
        case LGC_SERIES_LINE:
        case LGC_SERIES_LINEPOINTS:
            cairo_move_to(cr, sx, cy);
            cairo_line_to(cr, sx + LEGEND_SWATCH, cy);
            cairo_set_line_width(cr, 1.8);
            plot_set_rgb(cr, col, 1.0);
            cairo_stroke(cr);
            if (S->style == LGC_SERIES_LINEPOINTS) {
                cairo_arc(cr, sx + LEGEND_SWATCH / 2.0, cy, 3.0, 0.0, 2.0 * PI);
                cairo_fill(cr);
            }
            break;
        }
        cairo_restore(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        plot_text(cr, S->label, sx + LEGEND_SWATCH + 6.0, cy, 0.0, 0.5, 0);
        row += LEGEND_ROW;
    }
}

/* A panel's plot area and axes in the box (px, py, pw, ph): margins for
 * ticks, labels, title and a legend at the right; equal aspect; x ticks
 * spread until their labels keep apart. 0 when too small to draw. */
static int panel_frame(cairo_t *cr, const lgc_panel *p, double px, double py, double pw,
                       double ph, frame *fr, axis *pax, axis *pay, double *leg_width)
{
    frame f = *fr;
    panel_limits(p, &f.x0, &f.x1, &f.y0, &f.y1);
    axis ax = *pax, ay = *pay;
    char buf[64];

    double top = p->title ? 24.0 : 8.0;
    double bottom = (p->no_ticks ? 8.0 : 22.0) + (p->xlabel ? 18.0 : 0.0);
    double right = 12.0, leg_w = 0.0;
    if (p->legend != LGC_LEGEND_NONE && legend_entries(p))
        leg_w = legend_width(cr, p);
    if (p->legend == LGC_LEGEND_RIGHT && leg_w > 0.0)
        right += leg_w + 4.0;
    /* y ticks need their label widths; the tick count depends on the height */
    double ah = ph - top - bottom;
    axis_make(&ay, f.y0, f.y1, fmax(2.0, ah / 45.0), 0);
    double left = 8.0;
    if (!p->no_ticks) {
        plot_font(cr, FS_TICK, 0);
        double tw = 0.0;
        for (size_t i = 0; i < ay.n_ticks; i++) {
            axis_tick_label(&ay, i, buf, sizeof buf);
            tw = fmax(tw, plot_text_w(cr, buf));
        }
        left += tw + 6.0;
    }
    if (p->ylabel)
        left += 18.0;
    f.x = px + left, f.y = py + top, f.w = pw - left - right, f.h = ah;
    if (f.w < 10.0 || f.h < 10.0)
        return 0; /* too small to draw anything readable */
    if (p->equal_aspect) { /* widen the narrower range about its centre */
        double ux = (f.x1 - f.x0) / f.w, uy = (f.y1 - f.y0) / f.h;
        if (ux > uy) {
            double c = 0.5 * (f.y0 + f.y1), r = 0.5 * ux * f.h;
            f.y0 = c - r, f.y1 = c + r;
        } else {
            double c = 0.5 * (f.x0 + f.x1), r = 0.5 * uy * f.w;
            f.x0 = c - r, f.x1 = c + r;
        }
        axis_make(&ay, f.y0, f.y1, fmax(2.0, ah / 45.0), 0);
    }
    axis_make(&ax, f.x0, f.x1, fmax(2.0, f.w / 60.0), p->integer_x);
    if (p->log10_x) { /* one tick per power of ten */
        ax.pow10 = 1;
        axis_ticks(&ax, 1.0);
        ax.exp10 = 0;
    }
    if (!p->no_ticks && !p->log10_x) { /* widen the step until the labels keep apart */
        plot_font(cr, FS_TICK, 0);
        for (int tries = 0; tries < 8; tries++) {
            double lw = 0.0;
            for (size_t i = 0; i < ax.n_ticks; i++) {
                axis_tick_label(&ax, i, buf, sizeof buf);
                lw = fmax(lw, plot_text_w(cr, buf));
            }
            if (ax.step / (f.x1 - f.x0) * f.w >= lw + 10.0)
                break;
            axis_ticks(&ax, nice_step(ax.step, 1.0, p->integer_x, 1));
        }
    }

    *fr = f, *pax = ax, *pay = ay, *leg_width = leg_w;
    return 1;
}

/* Headroom: when the legend or the note would cover data in every corner,
 * raise the top of the y range so that a band above the data holds them. */
static void panel_headroom(cairo_t *cr, const lgc_panel *p, frame *fp, axis *pay, double leg_w)
{
    frame f = *fp;
    double ah = f.h;
    if (isnan(p->ymax) && (p->note || (p->legend == LGC_LEGEND_BEST && leg_w > 0.0))) {
        double lh = leg_w > 0.0 && p->legend == LGC_LEGEND_BEST
                        ? 6.0 + LEGEND_ROW * (double)legend_entries(p) : 0.0;
        double nw = 0.0, bx = 0.0, by = 0.0, sl = 0.0, sn = 0.0;
        int lc = -1;
        if (lh > 0.0) {
            lc = best_corner(&f, p, leg_w, lh, -1, &bx, &by);
            sl = box_cover(&f, p, bx, by, leg_w, lh);
        }
        if (p->note) {
            plot_font(cr, FS_LEGEND, 0);
            nw = plot_text_w(cr, p->note) + 10.0;
            best_corner(&f, p, nw, 18.0, lc, &bx, &by);
            sn = box_cover(&f, p, bx, by, nw, 18.0);
        }
        double need = fmax(lh, p->note ? 18.0 : 0.0) + 14.0;
        if ((sl > 0.0 || sn > 0.0) && need < 0.5 * f.h) {
            f.y1 = f.y0 + (f.y1 - f.y0) * f.h / (f.h - need);
            axis_make(pay, f.y0, f.y1, fmax(2.0, ah / 45.0), 0);
        }
    }
    *fp = f;
}

/* Grid, the data clipped to the plot area, and the frame. */
static void panel_data(cairo_t *cr, const lgc_panel *p, const frame *fp, const axis *pax,
                       const axis *pay)
{
    const frame f = *fp;
    const axis ax = *pax, ay = *pay;
    /* grid */
    if (!p->no_ticks) {
        cairo_set_source_rgb(cr, 0.91, 0.91, 0.91);
        cairo_set_line_width(cr, 1.0);
        for (size_t i = 0; i < ax.n_ticks; i++) {
            double x = round(fx(&f, ax.first + (double)i * ax.step)) + 0.5;
            cairo_move_to(cr, x, f.y);
            cairo_line_to(cr, x, f.y + f.h);
        }
        for (size_t i = 0; i < ay.n_ticks; i++) {
            double y = round(fy(&f, ay.first + (double)i * ay.step)) + 0.5;
            cairo_move_to(cr, f.x, y);
            cairo_line_to(cr, f.x + f.w, y);
        }
        cairo_stroke(cr);
    }
    /* data, clipped to the plot area */
    cairo_save(cr);
    cairo_rectangle(cr, f.x, f.y, f.w, f.h);
    cairo_clip(cr);
    for (size_t s = 0; s < p->n_series; s++)
        draw_series(cr, &f, &p->series[s]);
    cairo_restore(cr);
    /* frame */
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, round(f.x) + 0.5, round(f.y) + 0.5, round(f.w), round(f.h));
    cairo_stroke(cr);
}

/* Ticks, their labels, the axis titles and the panel's title. */
static void panel_labels(cairo_t *cr, const lgc_panel *p, const frame *fp, const axis *pax,
                         const axis *pay, double px, double py, double ph)
{
    const frame f = *fp;
    const axis ax = *pax, ay = *pay;
    char buf[64], lab[256];
    /* ticks and their labels */
    if (!p->no_ticks) {
        plot_font(cr, FS_TICK, 0);
        for (size_t i = 0; i < ax.n_ticks; i++) {
            double x = round(fx(&f, ax.first + (double)i * ax.step)) + 0.5;
            cairo_move_to(cr, x, f.y + f.h);
            cairo_line_to(cr, x, f.y + f.h + 4.0);
            cairo_stroke(cr);
            axis_tick_label(&ax, i, buf, sizeof buf);
            plot_text(cr, buf, x, f.y + f.h + 5.0, 0.5, 0.0, 0);
        }
        for (size_t i = 0; i < ay.n_ticks; i++) {
            double y = round(fy(&f, ay.first + (double)i * ay.step)) + 0.5;
            cairo_move_to(cr, f.x - 4.0, y);
            cairo_line_to(cr, f.x, y);
            cairo_stroke(cr);
            axis_tick_label(&ay, i, buf, sizeof buf);
            plot_text(cr, buf, f.x - 6.0, y, 1.0, 0.5, 0);
        }
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    plot_font(cr, FS_LABEL, 0);
    if (p->xlabel) {
        axis_title(&ax, p->xlabel, lab, sizeof lab);
        plot_text(cr, lab, f.x + f.w / 2.0, py + ph - 4.0, 0.5, 1.0, 0);
    }
    if (p->ylabel) {
        axis_title(&ay, p->ylabel, lab, sizeof lab);
        plot_text(cr, lab, px + 4.0, f.y + f.h / 2.0, 0.5, 0.0, 1);
    }
    if (p->title) {
        plot_font(cr, FS_TITLE, 1);
        plot_text(cr, p->title, f.x + f.w / 2.0, py + 4.0, 0.5, 0.0, 0);
    }
}

/* The legend and the note, in the corners with the least data under them. */
static void panel_legend(cairo_t *cr, const lgc_panel *p, const frame *fp, double leg_w)
{
    const frame f = *fp;
    int leg_corner = -1;
    if (leg_w > 0.0) {
        double lh = 6.0 + LEGEND_ROW * (double)legend_entries(p), bx = 0.0, by = 0.0;
        if (p->legend == LGC_LEGEND_RIGHT) {
            draw_legend(cr, p, f.x + f.w + 8.0, f.y, leg_w, 0);
        } else {
            leg_corner = best_corner(&f, p, leg_w, lh, -1, &bx, &by);
            draw_legend(cr, p, bx, by, leg_w, 1);
        }
    }
    if (p->note) {
        plot_font(cr, FS_LEGEND, 0);
        double nw = plot_text_w(cr, p->note) + 10.0, nh = 18.0, bx = 0.0, by = 0.0;
        best_corner(&f, p, nw, nh, leg_corner, &bx, &by);
        cairo_rectangle(cr, bx, by, nw, nh);
        cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, 0.8);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        plot_text(cr, p->note, bx + 5.0, by + nh / 2.0, 0.0, 0.5, 0);
    }
}

void plot_draw_panel(cairo_t *cr, const lgc_panel *p, double px, double py, double pw, double ph)
{
    if (p->blank)
        return;
    frame f;
    axis ax, ay;
    double leg_w = 0.0;
    memset(&f, 0, sizeof f);
    memset(&ax, 0, sizeof ax);
    memset(&ay, 0, sizeof ay);
    if (!panel_frame(cr, p, px, py, pw, ph, &f, &ax, &ay, &leg_w))
        return;
    panel_headroom(cr, p, &f, &ay, leg_w);
    panel_data(cr, p, &f, &ax, &ay);
    panel_labels(cr, p, &f, &ax, &ay, px, py, ph);
    panel_legend(cr, p, &f, leg_w);
}

