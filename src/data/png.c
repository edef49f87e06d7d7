/* png.c - PNG writer (libpng into memory, then an atomic file), PNG decoding
 * (libpng's simplified reader) and image grids. */
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "lgc/io.h"
#include "lgc/png.h"

/* Where libpng's output and error go: reached through png_get_io_ptr and png_get_error_ptr. */
typedef struct {
    uint8_t *buf;
    size_t n, cap;
    int oom;        /* the output buffer could not grow */
    char msg[160];  /* libpng's error message */
    char warn[160]; /* its last warning, which often says why the error came */
} png_sink;

static void sink_error(png_structp png, png_const_charp msg)
{
    png_sink *s = png_get_error_ptr(png);
    snprintf(s->msg, sizeof s->msg, "%s", msg);
    png_longjmp(png, 1); /* must not return: libpng would print and abort */
}

static void sink_warning(png_structp png, png_const_charp msg)
{
    png_sink *s = png_get_error_ptr(png);
    snprintf(s->warn, sizeof s->warn, "%s", msg);
}

static void sink_write(png_structp png, png_bytep data, size_t len)
{
    png_sink *s = png_get_io_ptr(png);
    if (len > s->cap - s->n) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap - s->n < len) {
            if (cap > (size_t)-1 / 2) {
                cap = 0;
                break;
            }
            cap *= 2;
        }
        uint8_t *p = cap ? realloc(s->buf, cap) : NULL;
        if (!p) {
            s->oom = 1;
            png_error(png, "out of memory");
        }
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->n, data, len);
    s->n += len;
}

static void sink_flush(png_structp png)
{
    (void)png;
}

/*
 * Encode into s. Nothing that changes after setjmp is read after a longjmp
 * except through s (memory, not registers), so no variable needs volatile.
 */
static lgc_status png_encode(png_sink *s, const uint8_t *pix, size_t w, size_t h, size_t c,
                             const uint8_t *palette, size_t n_colors)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, s, sink_error, sink_warning);
    if (!png) {
        s->oom = 1;
        return LGC_ERR_NOMEM;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        s->oom = 1;
        png_destroy_write_struct(&png, NULL);
        return LGC_ERR_NOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return s->oom ? LGC_ERR_NOMEM : LGC_ERR_ARG; /* libpng refused the parameters */
    }
    png_set_write_fn(png, s, sink_write, sink_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
                 palette ? PNG_COLOR_TYPE_PALETTE
                         : c == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette) {
        png_color pal[256];
        for (size_t i = 0; i < n_colors; i++)
            pal[i].red = palette[3 * i], pal[i].green = palette[3 * i + 1],
            pal[i].blue = palette[3 * i + 2];
        png_set_PLTE(png, info, pal, (int)n_colors);
    }
    png_write_info(png, info);
    for (size_t r = 0; r < h; r++)
        png_write_row(png, pix + r * w * c);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return LGC_OK;
}

/* pix (h, w, c), or palette indices (h, w) with c = 1 when palette is set,
 * encoded into s; s->buf is the caller's to free, also on failure. */
static lgc_status png_encode_checked(png_sink *s, const char *path, const uint8_t *pix, size_t w,
                                     size_t h, size_t c, const uint8_t *palette, size_t n_colors,
                                     lgc_err *err)
{
    size_t bytes = 0;
    memset(s, 0, sizeof *s);
    if (c != 1 && c != 3)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: cannot write a PNG with %zu channels (1 or 3)",
                           path, c);
    /* PNG's own limit; libpng's tighter default (LGC_PNG_MAX_SIDE) is left to
     * libpng, whose error then comes back through png_encode's setjmp. */
    if (w == 0 || h == 0 || w > 0x7fffffff || h > 0x7fffffff)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: cannot write a %zux%zu PNG (sides 1..2^31-1)",
                           path, w, h);
    if (!lgc_size_mul(w, h, &bytes) || !lgc_size_mul(bytes, c, &bytes) || !pix)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: cannot write a %zux%zu PNG: %s", path, w, h,
                           pix ? "size overflows" : "no pixel buffer");
    lgc_status st = png_encode(s, pix, w, h, c, palette, n_colors);
    if (st != LGC_OK)
        return lgc_err_set(err, st, "%s: PNG encoding failed: %s%s%s%s", path,
                           s->oom ? "out of memory" : s->msg, s->warn[0] ? " (" : "", s->warn,
                           s->warn[0] ? ")" : "");
    return LGC_OK;
}

lgc_status data_png_encode(const char *path, const uint8_t *pix, size_t w, size_t h, size_t c,
                           uint8_t **out, size_t *n, lgc_err *err)
{
    png_sink s;
    lgc_status st = png_encode_checked(&s, path, pix, w, h, c, NULL, 0, err);
    if (st != LGC_OK) {
        free(s.buf);
        *out = NULL, *n = 0;
        return st;
    }
    *out = s.buf, *n = s.n;
    return LGC_OK;
}

static lgc_status png_write_any(const char *path, const uint8_t *pix, size_t w, size_t h,
                                size_t c, const uint8_t *palette, size_t n_colors, int overwrite,
                                lgc_err *err)
{
    png_sink s;
    lgc_afile af;
    lgc_status st = png_encode_checked(&s, path, pix, w, h, c, palette, n_colors, err);
    if (st != LGC_OK)
        goto fail;
    if ((st = lgc_afile_open(&af, path, overwrite, err)) != LGC_OK)
        goto fail;
    if ((st = lgc_afile_write(&af, s.buf, s.n, err)) != LGC_OK) {
        lgc_afile_abort(&af);
        goto fail;
    }
    st = lgc_afile_commit(&af, err);
fail:
    free(s.buf);
    return st;
}

/* libpng's simplified reader: any bit depth, palette, grey or colour, with or
 * without alpha, out as 8-bit grey or RGB (alpha composited onto black, 16-bit
 * samples converted to 8). */
lgc_status data_png_decode(const char *path, const uint8_t *buf, size_t n, uint8_t **pix,
                           size_t *h, size_t *w, size_t *c, lgc_err *err)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    *pix = NULL;
    if (!png_image_begin_read_from_memory(&im, buf, n))
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: not a readable PNG image: %s", path,
                           im.message);
    int colour = (im.format & PNG_FORMAT_FLAG_COLOR) != 0;
    im.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    size_t bytes = 0;
    if (!lgc_size_mul(im.width, im.height, &bytes) ||
        !lgc_size_mul(bytes, colour ? 3 : 1, &bytes) || !(*pix = malloc(bytes ? bytes : 1))) {
        png_image_free(&im);
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory for a %ux%u image", path,
                           (unsigned)im.width, (unsigned)im.height);
    }
    if (!png_image_finish_read(&im, NULL, *pix, 0, NULL)) {
        free(*pix);
        *pix = NULL;
        lgc_status st = lgc_err_set(err, LGC_ERR_FORMAT, "%s: not a readable PNG image: %s",
                                    path, im.message);
        png_image_free(&im);
        return st;
    }
    *h = im.height, *w = im.width, *c = colour ? 3 : 1;
    png_image_free(&im);
    return LGC_OK;
}

lgc_status lgc_png_write(const char *path, const uint8_t *pix, size_t w, size_t h, size_t c,
                         int overwrite, lgc_err *err)
{
    return png_write_any(path, pix, w, h, c, NULL, 0, overwrite, err);
}

lgc_status lgc_png_write_indexed(const char *path, const uint8_t *idx, size_t w, size_t h,
                                 const uint8_t *palette, size_t n_colors, int overwrite,
                                 lgc_err *err)
{
    if (n_colors < 1 || n_colors > 256 || !palette)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: a palette of %zu colours (1..256)", path,
                           n_colors);
    size_t n = 0;
    if (idx && lgc_size_mul(w, h, &n))
        for (size_t i = 0; i < n; i++)
            if (idx[i] >= n_colors)
                return lgc_err_set(err, LGC_ERR_ARG, "%s: pixel %zu has colour %u of %zu", path,
                                   i, idx[i], n_colors);
    return png_write_any(path, idx, w, h, 1, palette, n_colors, overwrite, err);
}

lgc_status lgc_image_grid(const lgc_images *x, size_t n, size_t rows, size_t cols,
                          size_t border, uint8_t border_value, lgc_images *out, lgc_err *err)
{
    memset(out, 0, sizeof *out);
    lgc_status st = LGC_OK;
    if (!x->pix || n == 0 || n > x->n || (x->c != 1 && x->c != 3) || x->h == 0 || x->w == 0) {
        st = lgc_err_set(err, LGC_ERR_ARG,
                         "image grid: cannot tile %zu of %zu images of %zux%zux%zu", n, x->n, x->h,
                         x->w, x->c);
        goto fail;
    }
    if (border > 16) {
        st = lgc_err_set(err, LGC_ERR_ARG, "image grid: border of %zu pixels, at most 16", border);
        goto fail;
    }
    if (cols == 0) {
        cols = 1;
        while (cols * cols < n)
            cols++;
    }
    if (rows == 0)
        rows = (n + cols - 1) / cols;
    size_t cells = 0, cw = 0, ch = 0, gw = 0, gh = 0, bytes = 0;
    /* gw = cols * (w + border) + border, likewise gh; then gw * gh * c bytes. */
    if (!lgc_size_mul(rows, cols, &cells) || !lgc_size_add(x->w, border, &cw) ||
        !lgc_size_add(x->h, border, &ch) || !lgc_size_mul(cols, cw, &gw) ||
        !lgc_size_add(gw, border, &gw) || !lgc_size_mul(rows, ch, &gh) ||
        !lgc_size_add(gh, border, &gh) || !lgc_size_mul(gw, gh, &bytes) ||
        !lgc_size_mul(bytes, x->c, &bytes)) {
        st = lgc_err_set(err, LGC_ERR_ARG, "image grid: %zu x %zu cells overflow", rows, cols);
        goto fail;
    }
    if (cells < n) {
        st = lgc_err_set(err, LGC_ERR_ARG, "image grid: %zu images do not fit in %zu x %zu cells",
                         n, rows, cols);
        goto fail;
    }
    out->pix = malloc(bytes);
    if (!out->pix) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "image grid: out of memory for %zu bytes", bytes);
        goto fail;
    }
    memset(out->pix, border_value, bytes);
    const size_t c = x->c, row_bytes = x->w * c, img_bytes = x->h * row_bytes;
    for (size_t i = 0; i < n; i++) {
        size_t y0 = border + (i / cols) * ch;
        size_t x0 = border + (i % cols) * cw;
        const uint8_t *src = x->pix + i * img_bytes;
        for (size_t r = 0; r < x->h; r++)
            memcpy(out->pix + ((y0 + r) * gw + x0) * c, src + r * row_bytes, row_bytes);
    }
    out->n = 1;
    out->h = gh;
    out->w = gw;
    out->c = c;
    return LGC_OK;
fail:
    lgc_images_free(out);
    return st;
}
