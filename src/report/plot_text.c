/* plot_text.c - colours, fonts and text on a cairo context. */
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

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

void plot_set_rgb(cairo_t *cr, uint32_t c, double alpha)
{
    cairo_set_source_rgba(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
                          (c & 255) / 255.0, alpha);
}

void plot_font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double plot_text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

/* Text anchored at (x, y): ax 0/0.5/1 = left/centre/right, ay 0/0.5/1 =
 * top/middle/bottom of the font's line box (not of the glyphs, so that
 * labels of one axis share a baseline). vertical: rotated to read upwards. */
void plot_text(cairo_t *cr, const char *s, double x, double y, double ax, double ay,
                 int vertical)
{
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double w = plot_text_w(cr, s), h = fe.ascent + fe.descent;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (vertical)
        cairo_rotate(cr, -PI / 2.0);
    cairo_move_to(cr, -ax * w, -ay * h + fe.ascent);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

