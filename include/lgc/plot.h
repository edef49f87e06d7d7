/*
 * plot.h - the figures of lgc's report, drawn with cairo.
 *
 * Three kinds of picture, each described by a plain struct and drawn by one
 * call that writes a PNG (through lgc_png_write) and, for plots, an SVG
 * (cairo's SVG surface; text becomes glyph outlines, so the file needs no
 * fonts), either or both. Every file is written atomically (io.h).
 *
 *   lgc_plot_figure   a grid of panels (one panel is a 1x1 grid). A panel
 *                     has axes with ticks at "nice" numbers (1, 2, 2.5, 5
 *                     times a power of ten; large or small values get a
 *                     common factor, written into the axis label as
 *                     "(x10^k)"), axis labels, a title, an optional note (a
 *                     line of text such as "KL = 0.12") and a legend placed
 *                     in the corner of the plot area its data leave
 *                     emptiest (or to the right, outside); when every
 *                     corner would cover data, the y range grows upwards to
 *                     leave a free band for them. It draws series:
 *                     lines, markers (filled or rings), histogram bars and
 *                     vertical reference lines, coloured with matplotlib's
 *                     tab10 palette.
 *   lgc_plot_heatmap  a matrix of numbers in coloured cells (a confusion
 *                     matrix): white to dark blue, optionally by the row's
 *                     share, so a confusion matrix shows recall while the
 *                     cells print counts.
 *   lgc_plot_images   a sheet of small images (PNG only; greyscale PNG for
 *                     grey images): cells in rows and column groups, scaled
 *                     up without smoothing, with row labels and group titles.
 *
 * PNGs of plots keep a palette of their 256 most frequent colours (the
 * rest, blends at anti-aliased edges, take the nearest of those): a third of
 * the bytes of RGB, with no visible change.
 *
 * Sizes are in pixels of the PNG; the SVG uses the same numbers as points.
 * Text is DejaVu Sans through fontconfig (any sans-serif serves). Drawing is
 * deterministic, so the same description gives the same bytes.
 */
#ifndef LGC_PLOT_H
#define LGC_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/data.h"
#include "lgc/status.h"

#define LGC_PLOT_MAX_SIDE 8192 /* pixels; larger figures are refused */

/* Where to write: either path may be NULL (not both). */
typedef struct {
    const char *png;
    const char *svg;
    int overwrite;
} lgc_plot_out;

typedef enum {
    LGC_SERIES_LINE = 0,   /* polyline through (x[i], y[i]) */
    LGC_SERIES_POINTS,     /* a filled disc at every point */
    LGC_SERIES_LINEPOINTS, /* both */
    LGC_SERIES_RINGS,      /* a hollow circle at every point (to mark chosen ones) */
    LGC_SERIES_BARS,       /* histogram: x holds n + 1 bin edges, y the n heights */
    LGC_SERIES_VLINE       /* a dashed vertical line at each x[i] across the panel (y unused) */
} lgc_series_style;

typedef struct {
    lgc_series_style style;
    const double *x, *y; /* (n); BARS: x (n + 1) */
    size_t n;
    int color;           /* tab10 index 0..9; -1 dark grey, -2 black */
    const char *label;   /* legend text, or NULL for none */
    double size;         /* marker radius or line width in px; 0: the style's default */
    double alpha;        /* opacity; 0: the style's default (bars 0.5, points 0.7, else 1) */
} lgc_series;

typedef enum {
    LGC_LEGEND_NONE = 0,
    LGC_LEGEND_BEST,  /* inside, in the corner of the plot area with least data under it */
    LGC_LEGEND_RIGHT  /* outside the plot area, to its right */
} lgc_legend_pos;

typedef struct {
    const char *title, *xlabel, *ylabel; /* each may be NULL */
    const lgc_series *series;
    size_t n_series;
    const char *note;      /* one line inside the plot area, or NULL */
    lgc_legend_pos legend;
    int integer_x;         /* x ticks on whole numbers only */
    int no_ticks;          /* no tick labels (a t-SNE map's axes mean nothing) */
    int equal_aspect;      /* one unit is as long on x as on y */
    int blank;             /* draw nothing: a hole in a grid */
    double xmin, xmax, ymin, ymax; /* fixed limits; NaN: from the data with a margin */
    int log10_x;           /* x values are log10 of the quantity: a tick at every whole
                            * number, labelled as the power of ten (a log-scale axis) */
} lgc_panel;

/* A panel with no series and every limit NaN. */
void lgc_panel_init(lgc_panel *p);

typedef struct {
    const char *title;     /* above the grid, or NULL */
    size_t rows, cols;
    const lgc_panel *panels; /* (n_panels) in row order; n_panels <= rows * cols */
    size_t n_panels;
    double panel_w, panel_h; /* px of one panel including its labels */
} lgc_figure;

lgc_status lgc_plot_figure(const lgc_figure *f, const lgc_plot_out *out, lgc_err *err);

typedef struct {
    const char *title, *xlabel, *ylabel;
    size_t rows, cols;
    const double *v;                /* (rows, cols); NaN: an empty cell */
    const char *const *row_labels;  /* (rows) or NULL for 0, 1, ... */
    const char *const *col_labels;  /* (cols) or NULL */
    const char *fmt;                /* printf format of one double, e.g. "%.0f" */
    int by_row_share;               /* colour by v / row sum instead of v / max */
    double cell;                    /* px per cell; 0: 44 */
} lgc_heatmap;

lgc_status lgc_plot_heatmap(const lgc_heatmap *h, const lgc_plot_out *out, lgc_err *err);

typedef struct {
    const char *title;
    const lgc_images *x;            /* cell i is image i; cells past x->n stay empty */
    size_t rows, cols;              /* cells, row-major */
    const char *const *row_labels;  /* (rows) or NULL */
    size_t group_cols;              /* columns per group (a gap between groups); 0: one group */
    const char *const *group_titles; /* (cols / group_cols) or NULL */
    size_t scale;                   /* px per image pixel; 0: 2 */
} lgc_image_sheet;

/* PNG only (out->svg must be NULL). */
lgc_status lgc_plot_images(const lgc_image_sheet *s, const lgc_plot_out *out, lgc_err *err);

/* Free cairo's and fontconfig's process-wide font caches (so that leak
 * checkers see a clean exit). Call once at the end, when no figure is being
 * drawn in any thread; drawing afterwards sets them up again. */
void lgc_plot_release(void);

/* tab10 colour i (0..9) as 0xRRGGBB; also for HTML legends. */
uint32_t lgc_plot_color(int i);

#endif
