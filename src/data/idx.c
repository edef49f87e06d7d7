/* idx.c - IDX (MNIST) reader and atomic writer, unsigned-byte files only. */
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "lgc/io.h"

#define IDX_UBYTE 0x08
#define IDX_MAX_RANK 4

static const char *idx_type_name(uint8_t t)
{
    switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    }
    return "unknown";
}

/*
 * Check the header of an IDX ubyte file whose rank must lie in [rank_lo,
 * rank_hi], and that the file is exactly header + product(dims) bytes long.
 * what ("images", "labels") words the messages. On success dims[0..*rank) and
 * *off (data offset) are set.
 */
static lgc_status idx_check(const char *path, const uint8_t *buf, size_t n, int rank_lo,
                            int rank_hi, const char *what, size_t dims[IDX_MAX_RANK], int *rank,
                            size_t *off, lgc_err *err)
{
    char shape[128];
    if (n < 4)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: truncated: %zu bytes, too short for the 4-byte IDX magic", path, n);
    if (buf[0] != 0 || buf[1] != 0)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: bad magic %02x %02x %02x %02x: not an IDX file "
                           "(expected 00 00 08 followed by the rank)%s",
                           path, buf[0], buf[1], buf[2], buf[3], data_magic_hint(buf, n));
    if (buf[2] != IDX_UBYTE)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: IDX type code 0x%02x (%s), expected 0x08 (unsigned byte)", path,
                           buf[2], idx_type_name(buf[2]));
    int r = buf[3];
    if (r < rank_lo || r > rank_hi) {
        if (rank_lo == rank_hi)
            return lgc_err_set(err, LGC_ERR_FORMAT, "%s: IDX rank %d, expected %d for %s", path,
                               r, rank_lo, what);
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: IDX rank %d, expected %d (N,H,W) or %d (N,H,W,C) for %s", path, r,
                           rank_lo, rank_hi, what);
    }
    size_t hdr = 4 + 4 * (size_t)r;
    if (n < hdr)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: truncated: the header of a rank-%d IDX file needs %zu bytes but "
                           "the file has %zu",
                           path, r, hdr, n);
    for (int i = 0; i < r; i++) {
        const uint8_t *p = buf + 4 + 4 * (size_t)i;
        dims[i] = ((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
    }
    data_dims_str(shape, sizeof shape, dims, r, "x");
    for (int i = 0; i < r; i++)
        if (dims[i] == 0)
            return lgc_err_set(err, LGC_ERR_FORMAT, "%s: zero dimension: header says shape %s",
                               path, shape);
    if (r == 4 && dims[3] != 1 && dims[3] != 3)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: header says shape %s: %zu channels, expected 1 or 3", path, shape,
                           dims[3]);
    size_t data = 1, total = 0;
    int fits = 1;
    for (int i = 0; i < r && fits; i++)
        fits = lgc_size_mul(data, dims[i], &data);
    if (!fits || !lgc_size_add(data, hdr, &total))
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: absurd dimensions: header says shape %s, more bytes than memory "
                           "can address",
                           path, shape);
    const char *sep = strchr(shape, 'x');
    if (n != total) {
        /* "60000 images of 28x28" or "60000 labels". */
        char desc[160];
        if (sep)
            snprintf(desc, sizeof desc, "%zu %s of %s", dims[0], what, sep + 1);
        else
            snprintf(desc, sizeof desc, "%zu %s", dims[0], what);
        if (n < total)
            return lgc_err_set(err, LGC_ERR_FORMAT,
                               "%s: truncated: header says %s (%zu bytes) but the file has %zu "
                               "bytes",
                               path, desc, total, n);
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: trailing garbage: header says %s (%zu bytes) but the file has %zu "
                           "bytes (%zu extra)",
                           path, desc, total, n, n - total);
    }
    *rank = r;
    *off = hdr;
    return LGC_OK;
}

/* Check buf (n bytes, owned) as an IDX array of rank rmin..rmax and take its
 * payload into *data (buf released on failure); dims and rank as idx_check.
 * A mapped buf (map_len = n) is not moved: *data points into it. */
static lgc_status idx_take(const char *path, uint8_t *buf, size_t n, int mapped, int rmin,
                           int rmax, const char *what, size_t *dims, int *rank, uint8_t **data,
                           lgc_err *err)
{
    size_t off = 0;
    lgc_status st = idx_check(path, buf, n, rmin, rmax, what, dims, rank, &off, err);
    if (st != LGC_OK) {
        data_release(buf, n, mapped);
        return st;
    }
    *data = mapped ? buf + off : data_take(buf, off, n - off);
    return LGC_OK;
}

static lgc_status idx_images(const char *path, uint8_t *buf, size_t n, int mapped,
                             lgc_images *out, lgc_err *err)
{
    memset(out, 0, sizeof *out);
    size_t dims[IDX_MAX_RANK];
    int rank = 0;
    lgc_status st = idx_take(path, buf, n, mapped, 3, 4, "images", dims, &rank, &out->pix, err);
    if (st == LGC_OK && mapped && data_map_register(out->pix, buf, n)) {
        lgc_unmap_file(buf, n);
        memset(out, 0, sizeof *out);
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", path);
    }
    if (st == LGC_OK)
        out->n = dims[0], out->h = dims[1], out->w = dims[2], out->c = rank == 4 ? dims[3] : 1;
    return st;
}

lgc_status lgc_idx_images_from_buf(const char *path, uint8_t *buf, size_t n, lgc_images *out,
                                   lgc_err *err)
{
    return idx_images(path, buf, n, 0, out, err);
}

lgc_status lgc_idx_images_from_map(const char *path, uint8_t *buf, size_t n, lgc_images *out,
                                   lgc_err *err)
{
    return idx_images(path, buf, n, 1, out, err);
}

lgc_status lgc_idx_labels_from_buf(const char *path, uint8_t *buf, size_t n, lgc_labels *out,
                                   lgc_err *err)
{
    size_t dims[IDX_MAX_RANK] = {0};
    int rank = 0;
    memset(out, 0, sizeof *out);
    lgc_status st = idx_take(path, buf, n, 0, 1, 1, "labels", dims, &rank, &out->y, err);
    out->n = st == LGC_OK ? dims[0] : 0;
    return st;
}

/* Write header (rank dims) and data atomically; dims already checked. */
static lgc_status idx_write(const char *path, const size_t *dims, int rank, const uint8_t *data,
                            size_t n_data, int overwrite, lgc_err *err)
{
    uint8_t hdr[4 + 4 * IDX_MAX_RANK] = {0, 0, IDX_UBYTE, (uint8_t)rank};
    for (int i = 0; i < rank; i++) {
        uint8_t *p = hdr + 4 + 4 * i;
        p[0] = (uint8_t)(dims[i] >> 24);
        p[1] = (uint8_t)(dims[i] >> 16);
        p[2] = (uint8_t)(dims[i] >> 8);
        p[3] = (uint8_t)dims[i];
    }
    lgc_afile af;
    lgc_status st = lgc_afile_open(&af, path, overwrite, err);
    if (st != LGC_OK)
        return st;
    if ((st = lgc_afile_write(&af, hdr, 4 + 4 * (size_t)rank, err)) != LGC_OK ||
        (st = lgc_afile_write(&af, data, n_data, err)) != LGC_OK)
        goto fail;
    return lgc_afile_commit(&af, err);
fail:
    lgc_afile_abort(&af);
    return st;
}

/* Every dimension in 1..2^32-1 and the product representable; *bytes = product. */
static lgc_status idx_check_dims(const char *path, const size_t *dims, int rank, size_t *bytes,
                                 lgc_err *err)
{
    char shape[128];
    size_t total = 1;
    data_dims_str(shape, sizeof shape, dims, rank, "x");
    for (int i = 0; i < rank; i++) {
        if (dims[i] == 0 || dims[i] > 0xFFFFFFFFu)
            return lgc_err_set(err, LGC_ERR_ARG,
                               "%s: cannot write shape %s as IDX: every size must be 1..2^32-1",
                               path, shape);
        if (!lgc_size_mul(total, dims[i], &total))
            return lgc_err_set(err, LGC_ERR_ARG, "%s: cannot write shape %s: size overflows",
                               path, shape);
    }
    *bytes = total;
    return LGC_OK;
}

lgc_status lgc_idx_write_images(const char *path, const lgc_images *x, int overwrite,
                                lgc_err *err)
{
    if (x->c != 1 && x->c != 3)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: cannot write images with %zu channels (1 or 3)",
                           path, x->c);
    size_t dims[4] = {x->n, x->h, x->w, x->c}, bytes = 0;
    int rank = x->c == 1 ? 3 : 4;
    lgc_status st = idx_check_dims(path, dims, rank, &bytes, err);
    if (st != LGC_OK)
        return st;
    if (!x->pix)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: images have no pixel buffer", path);
    return idx_write(path, dims, rank, x->pix, bytes, overwrite, err);
}

lgc_status lgc_idx_write_labels(const char *path, const lgc_labels *y, int overwrite,
                                lgc_err *err)
{
    size_t dims[1] = {y->n}, bytes = 0;
    lgc_status st = idx_check_dims(path, dims, 1, &bytes, err);
    if (st != LGC_OK)
        return st;
    if (!y->y)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: labels have no buffer", path);
    return idx_write(path, dims, 1, y->y, bytes, overwrite, err);
}
