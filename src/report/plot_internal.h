/*
 * plot_internal.h - what the files of lgc's plotting share (not public):
 *   plot_text.c   colours, fonts and text on a cairo context
 *   plot_panel.c  axes and panels (lines, points, bands, legends, notes)
 *   plot_cells.c  heat maps and image sheets
 *   plot.c        a figure to PNG (palette-quantised) and SVG, atomically
 */
#ifndef LGC_PLOT_INTERNAL_H
#define LGC_PLOT_INTERNAL_H

#include <cairo.h>

#include "lgc/plot.h"

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

/* plot_text.c */
void plot_set_rgb(cairo_t *cr, uint32_t c, double alpha);
void plot_font(cairo_t *cr, double size, int bold);
double plot_text_w(cairo_t *cr, const char *s);
/* s anchored at (x, y): ax, ay in [0, 1] from its left/top; vertical turns it. */
void plot_text(cairo_t *cr, const char *s, double x, double y, double ax, double ay,
               int vertical);

/* plot_panel.c: panel p in the box (px, py, pw, ph) */
void plot_draw_panel(cairo_t *cr, const lgc_panel *p, double px, double py, double pw, double ph);

/* plot_cells.c */
typedef struct {
    double W, H, left, top, cell;
} heat_layout;
typedef struct {
    double W, H, left, top, cw, ch, gap, pad;
} sheet_layout;
void plot_heat_measure(cairo_t *cr, const lgc_heatmap *h, heat_layout *L);
void plot_draw_heatmap(cairo_t *cr, const lgc_heatmap *h);
void plot_sheet_measure(cairo_t *cr, const lgc_image_sheet *s, sheet_layout *L);
void plot_draw_sheet(cairo_t *cr, const lgc_image_sheet *s, cairo_surface_t *cellsurf);

#endif
