/*
 * png.h - 8-bit PNG output (grey or RGB) and sample grids.
 *
 * lgc writes PNGs to let people look at what a package regenerates: a grid
 * of samples per class, say. Encoding goes through libpng into memory, and the
 * bytes are then written atomically (see io.h), so a failed run leaves no
 * half-written image. libpng errors are caught (its setjmp path) and turned
 * into an lgc_status; its warnings serve only to explain an error, as the
 * library never prints.
 */
#ifndef LGC_PNG_H
#define LGC_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/data.h"
#include "lgc/status.h"

/* Largest width or height libpng writes by default; beyond it lgc_png_write
 * fails with LGC_ERR_ARG and libpng's reason. */
#define LGC_PNG_MAX_SIDE 1000000

/* Write pix, (h, w, c) with c = 1 (grey) or 3 (RGB), as an 8-bit PNG. */
lgc_status lgc_png_write(const char *path, const uint8_t *pix, size_t w, size_t h, size_t c,
                         int overwrite, lgc_err *err);

/* Write idx (h, w), one index into palette (n_colors, 3) RGB per pixel,
 * n_colors 1..256, as an 8-bit palette PNG (a third of the bytes of RGB for
 * plots, which use few colours). An index >= n_colors is refused. */
lgc_status lgc_png_write_indexed(const char *path, const uint8_t *idx, size_t w, size_t h,
                                 const uint8_t *palette, size_t n_colors, int overwrite,
                                 lgc_err *err);

/*
 * Tile the first n images of x into one image of rows x cols cells, in row
 * order, each cell surrounded by border pixels (0..16) of grey level
 * border_value (every channel); cells left over are filled the same way.
 * cols 0 picks ceil(sqrt(n)); rows 0 picks ceil(n / cols). n must be
 * 1..x->n and at most rows * cols. *out (one image: out->n = 1) is the
 * caller's to free with lgc_images_free. Size of the result:
 *   width  = cols * x->w + (cols + 1) * border
 *   height = rows * x->h + (rows + 1) * border
 */
lgc_status lgc_image_grid(const lgc_images *x, size_t n, size_t rows, size_t cols,
                          size_t border, uint8_t border_value, lgc_images *out, lgc_err *err);

#endif
