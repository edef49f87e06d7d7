/* lossless.c - gzip -9, xz -9e and zstd -19 sizes through zlib, liblzma and libzstd. */
#include "lgc/lossless.h"

#include <lzma.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

static lgc_status gzip_size(const uint8_t *buf, size_t n, size_t *out, lgc_err *err)
{
    z_stream s = {0};
    /* windowBits 15 + 16 writes a gzip wrapper as gzip(1) does; memLevel 8 is its default */
    if (deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return lgc_err_set(err, LGC_ERR_NOMEM, "gzip: cannot initialise zlib");
    uint8_t chunk[1 << 16];
    size_t total = 0;
    s.next_in = (Bytef *)buf;
    int rc;
    size_t left = n;
    do {
        uInt take = left > (1u << 30) ? (1u << 30) : (uInt)left;
        s.next_in = (Bytef *)(buf + (n - left));
        s.avail_in = take;
        left -= take;
        int flush = left ? Z_NO_FLUSH : Z_FINISH;
        do {
            s.next_out = chunk;
            s.avail_out = sizeof chunk;
            rc = deflate(&s, flush);
            total += sizeof chunk - s.avail_out;
        } while (s.avail_out == 0);
    } while (left);
    deflateEnd(&s);
    if (rc != Z_STREAM_END)
        return lgc_err_set(err, LGC_ERR_INTERNAL, "gzip: deflate did not finish");
    /* gzip(1) also stores the file name in the header; a stream from stdin
     * (gzip -9 < file) has none, which is what this measures. */
    *out = total;
    return LGC_OK;
}

lgc_status lgc_xz9e_size(const uint8_t *buf, size_t n, size_t *out, lgc_err *err)
{
    size_t cap = lzma_stream_buffer_bound(n), pos = 0;
    uint8_t *o = malloc(cap);
    if (!o)
        return lgc_err_set(err, LGC_ERR_NOMEM, "xz: out of memory");
    /* xz -9e: preset 9 | extreme, CRC64 check as xz(1) uses by default */
    lzma_ret r = lzma_easy_buffer_encode(9 | LZMA_PRESET_EXTREME, LZMA_CHECK_CRC64, NULL, buf, n,
                                         o, &pos, cap);
    free(o);
    if (r != LZMA_OK)
        return lgc_err_set(err, LGC_ERR_INTERNAL, "xz: encoder failed (%d)", (int)r);
    *out = pos;
    return LGC_OK;
}

static lgc_status zstd_size(const uint8_t *buf, size_t n, size_t *out, lgc_err *err)
{
    size_t cap = ZSTD_compressBound(n);
    uint8_t *o = malloc(cap);
    if (!o)
        return lgc_err_set(err, LGC_ERR_NOMEM, "zstd: out of memory");
    ZSTD_CCtx *cx = ZSTD_createCCtx();
    size_t r = cx ? ZSTD_CCtx_setParameter(cx, ZSTD_c_compressionLevel, 19) : 1;
    /* zstd(1) writes the content size and, by default, a checksum */
    if (cx && !ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(cx, ZSTD_c_checksumFlag, 1);
    if (cx && !ZSTD_isError(r))
        r = ZSTD_compress2(cx, o, cap, buf, n);
    ZSTD_freeCCtx(cx);
    free(o);
    if (!cx || ZSTD_isError(r))
        return lgc_err_set(err, LGC_ERR_INTERNAL, "zstd: compression failed");
    *out = r;
    return LGC_OK;
}

lgc_status lgc_lossless_measure(const uint8_t *buf, size_t n, lgc_lossless_sizes *out,
                                lgc_err *err)
{
    lgc_status st;
    out->raw = n;
    if ((st = gzip_size(buf, n, &out->gzip9, err)) ||
        (st = lgc_xz9e_size(buf, n, &out->xz9e, err)) ||
        (st = zstd_size(buf, n, &out->zstd19, err)))
        return st;
    return LGC_OK;
}
