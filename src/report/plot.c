/* plot.c - panels, heat maps and image sheets with cairo (see include/lgc/plot.h). */
#include "lgc/plot.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/io.h"
#include "lgc/png.h"

#define PI 3.14159265358979323846
#define FONT "DejaVu Sans"
#define FS_FIG_TITLE 16.0
#define FS_TITLE 13.0
#define FS_LABEL 12.0
#define FS_TICK 10.5
#define FS_LEGEND 10.5
#define LEGEND_ROW 16.0
#define LEGEND_SWATCH 22.0
#define MAX_TICKS 32

/* matplotlib's tab10 */
static const uint32_t TAB10[10] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                   0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};

uint32_t lgc_plot_color(int i)
{
    if (i == -2)
        return 0x000000;
    if (i < 0)
        return 0x404040;
    return TAB10[i % 10];
}

void lgc_plot_release(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}

static void set_rgb(cairo_t *cr, uint32_t c, double alpha)
{
    cairo_set_source_rgba(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
                          (c & 255) / 255.0, alpha);
}

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static double text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

/* Text anchored at (x, y): ax 0/0.5/1 = left/centre/right, ay 0/0.5/1 =
 * top/middle/bottom of the font's line box (not of the glyphs, so that
 * labels of one axis share a baseline). vertical: rotated to read upwards. */
static void text(cairo_t *cr, const char *s, double x, double y, double ax, double ay,
                 int vertical)
{
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double w = text_w(cr, s), h = fe.ascent + fe.descent;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (vertical)
        cairo_rotate(cr, -PI / 2.0);
    cairo_move_to(cr, -ax * w, -ay * h + fe.ascent);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

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
        set_rgb(cr, col, a);
        cairo_fill_preserve(cr);
        set_rgb(cr, col, 1.0);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
        break;
    case LGC_SERIES_VLINE: {
        double dash[2] = {6.0, 4.0};
        cairo_set_dash(cr, dash, 2, 0.0);
        cairo_set_line_width(cr, S->size > 0.0 ? S->size : 1.5);
        set_rgb(cr, col, a);
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
            set_rgb(cr, col, a);
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
            set_rgb(cr, col, S->style == LGC_SERIES_POINTS ? a : 1.0);
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
    font(cr, FS_LEGEND, 0);
    double w = 0.0;
    for (size_t s = 0; s < p->n_series; s++)
        if (p->series[s].label)
            w = fmax(w, text_w(cr, p->series[s].label));
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
    font(cr, FS_LEGEND, 0);
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
            set_rgb(cr, col, series_alpha(S));
            cairo_fill_preserve(cr);
            set_rgb(cr, col, 1.0);
            cairo_set_line_width(cr, 0.8);
            cairo_stroke(cr);
            break;
        case LGC_SERIES_VLINE: {
            double dash[2] = {4.0, 3.0};
            cairo_set_dash(cr, dash, 2, 0.0);
            cairo_move_to(cr, sx, cy);
            cairo_line_to(cr, sx + LEGEND_SWATCH, cy);
            cairo_set_line_width(cr, 1.5);
            set_rgb(cr, col, 1.0);
            cairo_stroke(cr);
            break;
        }
        case LGC_SERIES_RINGS:
            cairo_arc(cr, sx + LEGEND_SWATCH / 2.0, cy, 5.0, 0.0, 2.0 * PI);
            cairo_set_line_width(cr, 2.0);
            set_rgb(cr, col, 1.0);
            cairo_stroke(cr);
            break;
        case LGC_SERIES_POINTS:
            cairo_arc(cr, sx + LEGEND_SWATCH / 2.0, cy, 4.0, 0.0, 2.0 * PI);
            set_rgb(cr, col, 1.0);
            cairo_fill(cr);
            break;
        case LGC_SERIES_LINE:
        case LGC_SERIES_LINEPOINTS:
            cairo_move_to(cr, sx, cy);
            cairo_line_to(cr, sx + LEGEND_SWATCH, cy);
            cairo_set_line_width(cr, 1.8);
            set_rgb(cr, col, 1.0);
            cairo_stroke(cr);
            if (S->style == LGC_SERIES_LINEPOINTS) {
                cairo_arc(cr, sx + LEGEND_SWATCH / 2.0, cy, 3.0, 0.0, 2.0 * PI);
                cairo_fill(cr);
            }
            break;
        }
        cairo_restore(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, S->label, sx + LEGEND_SWATCH + 6.0, cy, 0.0, 0.5, 0);
        row += LEGEND_ROW;
    }
}

static void draw_panel(cairo_t *cr, const lgc_panel *p, double px, double py, double pw, double ph)
{
    if (p->blank)
        return;
    frame f;
    panel_limits(p, &f.x0, &f.x1, &f.y0, &f.y1);
    axis ax, ay;
    char buf[64], lab[256];

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
        font(cr, FS_TICK, 0);
        double tw = 0.0;
        for (size_t i = 0; i < ay.n_ticks; i++) {
            axis_tick_label(&ay, i, buf, sizeof buf);
            tw = fmax(tw, text_w(cr, buf));
        }
        left += tw + 6.0;
    }
    if (p->ylabel)
        left += 18.0;
    f.x = px + left, f.y = py + top, f.w = pw - left - right, f.h = ah;
    if (f.w < 10.0 || f.h < 10.0)
        return; /* too small to draw anything readable */
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
        font(cr, FS_TICK, 0);
        for (int tries = 0; tries < 8; tries++) {
            double lw = 0.0;
            for (size_t i = 0; i < ax.n_ticks; i++) {
                axis_tick_label(&ax, i, buf, sizeof buf);
                lw = fmax(lw, text_w(cr, buf));
            }
            if (ax.step / (f.x1 - f.x0) * f.w >= lw + 10.0)
                break;
            axis_ticks(&ax, nice_step(ax.step, 1.0, p->integer_x, 1));
        }
    }

    /* headroom: when the legend or the note would cover data in every corner,
     * raise the top of the y range so that a band above the data holds them */
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
            font(cr, FS_LEGEND, 0);
            nw = text_w(cr, p->note) + 10.0;
            best_corner(&f, p, nw, 18.0, lc, &bx, &by);
            sn = box_cover(&f, p, bx, by, nw, 18.0);
        }
        double need = fmax(lh, p->note ? 18.0 : 0.0) + 14.0;
        if ((sl > 0.0 || sn > 0.0) && need < 0.5 * f.h) {
            f.y1 = f.y0 + (f.y1 - f.y0) * f.h / (f.h - need);
            axis_make(&ay, f.y0, f.y1, fmax(2.0, ah / 45.0), 0);
        }
    }
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
    /* ticks and their labels */
    if (!p->no_ticks) {
        font(cr, FS_TICK, 0);
        for (size_t i = 0; i < ax.n_ticks; i++) {
            double x = round(fx(&f, ax.first + (double)i * ax.step)) + 0.5;
            cairo_move_to(cr, x, f.y + f.h);
            cairo_line_to(cr, x, f.y + f.h + 4.0);
            cairo_stroke(cr);
            axis_tick_label(&ax, i, buf, sizeof buf);
            text(cr, buf, x, f.y + f.h + 5.0, 0.5, 0.0, 0);
        }
        for (size_t i = 0; i < ay.n_ticks; i++) {
            double y = round(fy(&f, ay.first + (double)i * ay.step)) + 0.5;
            cairo_move_to(cr, f.x - 4.0, y);
            cairo_line_to(cr, f.x, y);
            cairo_stroke(cr);
            axis_tick_label(&ay, i, buf, sizeof buf);
            text(cr, buf, f.x - 6.0, y, 1.0, 0.5, 0);
        }
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    font(cr, FS_LABEL, 0);
    if (p->xlabel) {
        axis_title(&ax, p->xlabel, lab, sizeof lab);
        text(cr, lab, f.x + f.w / 2.0, py + ph - 4.0, 0.5, 1.0, 0);
    }
    if (p->ylabel) {
        axis_title(&ay, p->ylabel, lab, sizeof lab);
        text(cr, lab, px + 4.0, f.y + f.h / 2.0, 0.5, 0.0, 1);
    }
    if (p->title) {
        font(cr, FS_TITLE, 1);
        text(cr, p->title, f.x + f.w / 2.0, py + 4.0, 0.5, 0.0, 0);
    }
    /* legend and note: corners with the least data under them */
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
        font(cr, FS_LEGEND, 0);
        double nw = text_w(cr, p->note) + 10.0, nh = 18.0, bx = 0.0, by = 0.0;
        best_corner(&f, p, nw, nh, leg_corner, &bx, &by);
        cairo_rectangle(cr, bx, by, nw, nh);
        cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, 0.8);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, p->note, bx + 5.0, by + nh / 2.0, 0.0, 0.5, 0);
    }
}

/* ---- heat maps ----------------------------------------------------------- */

typedef struct {
    double W, H, left, top, cell;
} heat_layout;

static void heat_measure(cairo_t *cr, const lgc_heatmap *h, heat_layout *L)
{
    char buf[64];
    L->cell = h->cell > 0.0 ? h->cell : 44.0;
    font(cr, FS_TICK, 0);
    double rw = 0.0;
    for (size_t i = 0; i < h->rows; i++) {
        if (h->row_labels)
            snprintf(buf, sizeof buf, "%s", h->row_labels[i]);
        else
            snprintf(buf, sizeof buf, "%zu", i);
        rw = fmax(rw, text_w(cr, buf));
    }
    L->left = 10.0 + (h->ylabel ? 22.0 : 0.0) + rw + 8.0;
    L->top = h->title ? 34.0 : 10.0;
    L->W = L->left + (double)h->cols * L->cell + 16.0;
    L->H = L->top + (double)h->rows * L->cell + 20.0 + (h->xlabel ? 22.0 : 0.0) + 6.0;
    if (h->title) {
        font(cr, FS_TITLE, 1);
        L->W = fmax(L->W, text_w(cr, h->title) + 20.0);
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

static void draw_heatmap(cairo_t *cr, const lgc_heatmap *h)
{
    heat_layout L;
    heat_measure(cr, h, &L);
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
            set_rgb(cr, blues(t), 1.0);
            cairo_fill(cr);
            snprintf(buf, sizeof buf, h->fmt ? h->fmt : "%.0f", v);
            font(cr, fs, 0);
            if (t > 0.5)
                cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
            else
                cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            text(cr, buf, x + L.cell / 2.0, y + L.cell / 2.0, 0.5, 0.5, 0);
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
    font(cr, FS_TICK, 0);
    for (size_t r = 0; r < h->rows; r++) {
        if (h->row_labels)
            snprintf(buf, sizeof buf, "%s", h->row_labels[r]);
        else
            snprintf(buf, sizeof buf, "%zu", r);
        text(cr, buf, L.left - 6.0, L.top + ((double)r + 0.5) * L.cell, 1.0, 0.5, 0);
    }
    double yb = L.top + (double)h->rows * L.cell + 4.0;
    for (size_t c = 0; c < h->cols; c++) {
        if (h->col_labels)
            snprintf(buf, sizeof buf, "%s", h->col_labels[c]);
        else
            snprintf(buf, sizeof buf, "%zu", c);
        text(cr, buf, L.left + ((double)c + 0.5) * L.cell, yb, 0.5, 0.0, 0);
    }
    font(cr, FS_LABEL, 0);
    if (h->xlabel)
        text(cr, h->xlabel, L.left + (double)h->cols * L.cell / 2.0, yb + 20.0, 0.5, 0.0, 0);
    if (h->ylabel)
        text(cr, h->ylabel, 8.0, L.top + (double)h->rows * L.cell / 2.0, 0.5, 0.0, 1);
    if (h->title) {
        font(cr, FS_TITLE, 1);
        text(cr, h->title, L.W / 2.0, 8.0, 0.5, 0.0, 0);
    }
}

/* ---- image sheets -------------------------------------------------------- */

typedef struct {
    double W, H, left, top, cw, ch, gap, pad;
} sheet_layout;

static void sheet_measure(cairo_t *cr, const lgc_image_sheet *s, sheet_layout *L)
{
    size_t sc = s->scale ? s->scale : 2, g = s->group_cols ? s->group_cols : s->cols;
    size_t n_groups = (s->cols + g - 1) / g;
    L->cw = (double)(s->x->w * sc), L->ch = (double)(s->x->h * sc);
    L->pad = 2.0, L->gap = 18.0;
    double rw = 0.0;
    font(cr, FS_LABEL, 0);
    for (size_t r = 0; s->row_labels && r < s->rows; r++)
        rw = fmax(rw, text_w(cr, s->row_labels[r]));
    L->left = 10.0 + (rw > 0.0 ? rw + 10.0 : 0.0);
    L->top = (s->title ? 32.0 : 8.0) + (s->group_titles ? 22.0 : 0.0);
    L->W = L->left + (double)s->cols * (L->cw + L->pad) + (double)(n_groups - 1) * L->gap + 10.0;
    L->H = L->top + (double)s->rows * (L->ch + L->pad) + 10.0;
    if (s->title) {
        font(cr, FS_TITLE, 1);
        L->W = fmax(L->W, text_w(cr, s->title) + 20.0);
    }
}

static double sheet_x(const lgc_image_sheet *s, const sheet_layout *L, size_t c)
{
    size_t g = s->group_cols ? s->group_cols : s->cols;
    return L->left + (double)c * (L->cw + L->pad) + (double)(c / g) * L->gap;
}

static void draw_sheet(cairo_t *cr, const lgc_image_sheet *s, cairo_surface_t *cellsurf)
{
    sheet_layout L;
    sheet_measure(cr, s, &L);
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
    font(cr, FS_LABEL, 0);
    for (size_t r = 0; s->row_labels && r < s->rows; r++)
        text(cr, s->row_labels[r], L.left - 10.0, L.top + (double)r * (L.ch + L.pad) + L.ch / 2.0,
             1.0, 0.5, 0);
    size_t g = s->group_cols ? s->group_cols : s->cols;
    if (s->group_titles) {
        font(cr, FS_LABEL, 1);
        for (size_t k = 0; k * g < s->cols; k++) {
            size_t c1 = (k + 1) * g < s->cols ? (k + 1) * g : s->cols;
            double xa = sheet_x(s, &L, k * g), xb = sheet_x(s, &L, c1 - 1) + L.cw;
            text(cr, s->group_titles[k], 0.5 * (xa + xb), L.top - 4.0, 0.5, 1.0, 0);
        }
    }
    if (s->title) {
        font(cr, FS_TITLE, 1);
        text(cr, s->title, L.W / 2.0, 8.0, 0.5, 0.0, 0);
    }
}

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
            font(cr, FS_FIG_TITLE, 1);
            text(cr, f->title, W / 2.0, 8.0, 0.5, 0.0, 0);
            top = 34.0;
        }
        for (size_t i = 0; i < f->n_panels; i++) {
            size_t r = i / f->cols, c = i % f->cols;
            draw_panel(cr, &f->panels[i], (double)c * f->panel_w, top + (double)r * f->panel_h,
                       f->panel_w, f->panel_h);
        }
        break;
    }
    case KIND_HEATMAP: draw_heatmap(cr, spec); break;
    case KIND_SHEET: draw_sheet(cr, spec, cellsurf); break;
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
            font(mc, FS_FIG_TITLE, 1);
            W = fmax(W, text_w(mc, f->title) + 20.0);
        }
    } else if (kind == KIND_HEATMAP) {
        heat_layout L;
        heat_measure(mc, spec, &L);
        W = L.W, H = L.H;
    } else {
        sheet_layout L;
        sheet_measure(mc, spec, &L);
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
