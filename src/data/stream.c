/* stream.c - uint8 IDX/NPY output written piece by piece (see lgc/data.h). */
#include <string.h>

#include "data_internal.h"
#include "lgc/data.h"

lgc_status lgc_u8_stream_open(lgc_u8_stream *s, const char *path, lgc_file_format fmt, int rank,
                              const size_t *shape, int overwrite, lgc_err *err)
{
    memset(s, 0, sizeof *s);
    s->af.fd = -1;
    if (rank < 1 || rank > 4)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: cannot stream an array of rank %d", path, rank);
    size_t total = 1;
    for (int i = 0; i < rank; i++)
        if (shape[i] == 0 || shape[i] > 0xFFFFFFFFu || !lgc_size_mul(total, shape[i], &total))
            return lgc_err_set(err, LGC_ERR_ARG, "%s: cannot write dimension %zu of size %zu",
                               path, (size_t)i, shape[i]);
    char hdr[LGC_NPY_HEADER_CAP];
    size_t hn;
    if (fmt == LGC_FMT_NPY) {
        hn = lgc_npy_header_encode(hdr, sizeof hdr, "|u1", rank, shape);
    } else {
        /* IDX: two zero bytes, type 0x08 (ubyte), rank, then big-endian uint32 dims */
        hdr[0] = 0, hdr[1] = 0, hdr[2] = 0x08, hdr[3] = (char)rank;
        for (int i = 0; i < rank; i++)
            for (int b = 0; b < 4; b++)
                hdr[4 + 4 * i + b] = (char)((shape[i] >> (24 - 8 * b)) & 0xff);
        hn = 4 + 4 * (size_t)rank;
    }
    lgc_status st = lgc_afile_open(&s->af, path, overwrite, err);
    if (st)
        return st;
    if ((st = lgc_afile_write(&s->af, hdr, hn, err))) {
        lgc_afile_abort(&s->af);
        return st;
    }
    s->expected = total;
    return LGC_OK;
}

lgc_status lgc_u8_stream_write(lgc_u8_stream *s, const uint8_t *data, size_t n, lgc_err *err)
{
    if (n > s->expected - s->written)
        return lgc_err_set(err, LGC_ERR_INTERNAL, "%s: more data than the declared shape",
                           s->af.path);
    s->written += n;
    return lgc_afile_write(&s->af, data, n, err);
}

lgc_status lgc_u8_stream_commit(lgc_u8_stream *s, lgc_err *err)
{
    if (s->written != s->expected) {
        lgc_status st = lgc_err_set(err, LGC_ERR_INTERNAL, "%s: %zu of %zu bytes written",
                                    s->af.path, s->written, s->expected);
        lgc_afile_abort(&s->af);
        return st;
    }
    return lgc_afile_commit(&s->af, err);
}

void lgc_u8_stream_abort(lgc_u8_stream *s) { lgc_afile_abort(&s->af); }
