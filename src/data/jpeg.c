/* jpeg.c - JPEG decoding through libjpeg-turbo, for folder sets (folder.c). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "data/data_internal.h"

/* libjpeg's error manager, extended with where to jump and its message:
 * error_exit must not return (libjpeg would exit the process). */
typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} jpeg_guard;

static void guard_exit(j_common_ptr cinfo)
{
    jpeg_guard *g = (jpeg_guard *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, g->msg);
    longjmp(g->jump, 1);
}

static void guard_output(j_common_ptr cinfo)
{
    (void)cinfo; /* warnings: the library never prints */
}

/*
 * Grey stays grey; YCbCr and RGB come out as RGB; CMYK and YCCK are refused.
 * The variables read after a longjmp (out) are volatile.
 */
lgc_status data_jpeg_decode(const char *path, const uint8_t *buf, size_t n, uint8_t **pix,
                            size_t *h, size_t *w, size_t *c, lgc_err *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_guard g;
    uint8_t *volatile out = NULL;
    *pix = NULL;
    memset(&g, 0, sizeof g);
    cinfo.err = jpeg_std_error(&g.pub);
    g.pub.error_exit = guard_exit;
    g.pub.output_message = guard_output;
    if (setjmp(g.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(out);
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: not a readable JPEG image: %s", path, g.msg);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, buf, (unsigned long)n);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&cinfo);
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: a CMYK JPEG; lgc reads grey and RGB images only", path);
    }
    int grey = cinfo.num_components == 1;
    cinfo.out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    size_t ch = grey ? 1 : 3, row = (size_t)cinfo.output_width * ch, bytes = 0;
    if (!lgc_size_mul(row, cinfo.output_height, &bytes) || !(out = malloc(bytes ? bytes : 1))) {
        jpeg_destroy_decompress(&cinfo);
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory for a %ux%u image", path,
                           (unsigned)cinfo.output_width, (unsigned)cinfo.output_height);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW r = out + (size_t)cinfo.output_scanline * row;
        jpeg_read_scanlines(&cinfo, &r, 1);
    }
    *h = cinfo.output_height, *w = cinfo.output_width, *c = ch;
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    *pix = out;
    return LGC_OK;
}
