/*
 * npy.c - NumPy .npy reader (v1.0, 2.0, 3.0) and writer (v1.0).
 *
 * The header is a Python dict literal such as
 *   {'descr': '|u1', 'fortran_order': False, 'shape': (60000, 28, 28), }
 * The reader parses exactly that grammar (three keys, each once, in any
 * order; ' or " quotes; an optional L after integers, as Python 2 wrote them)
 * rather than evaluating anything.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "lgc/io.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64

/* NPY_INT: any other integer type ([<>|=][iu][1248]), read with its sign and byte order. */
typedef enum { NPY_U1, NPY_F4, NPY_INT } npy_type;

typedef struct {
    char descr[16];
    npy_type type;
    size_t elem;     /* bytes per element */
    int is_signed, big; /* NPY_INT: signed; stored big-endian */
    int fortran;
    int rank;
    size_t shape[LGC_NPY_MAX_RANK];
    size_t count;    /* product of shape */
    size_t off;      /* where the data starts */
} npy_header;

/* ---- header dict parser ---------------------------------------------------- */

typedef struct {
    const char *s;
    size_t i, n;
} npy_cursor;

static void cur_ws(npy_cursor *c)
{
    while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' ||
                           c->s[c->i] == '\r'))
        c->i++;
}

static int cur_eat(npy_cursor *c, char ch)
{
    cur_ws(c);
    if (c->i < c->n && c->s[c->i] == ch) {
        c->i++;
        return 1;
    }
    return 0;
}

/* A quoted string without escapes, up to cap-1 characters. */
static int cur_string(npy_cursor *c, char *out, size_t cap)
{
    cur_ws(c);
    if (c->i >= c->n || (c->s[c->i] != '\'' && c->s[c->i] != '"'))
        return 0;
    char q = c->s[c->i++];
    size_t k = 0;
    while (c->i < c->n && c->s[c->i] != q) {
        if (c->s[c->i] == '\\' || k + 1 >= cap)
            return 0;
        out[k++] = c->s[c->i++];
    }
    if (c->i >= c->n)
        return 0;
    c->i++;
    out[k] = '\0';
    return 1;
}

static int cur_word(npy_cursor *c, const char *w)
{
    cur_ws(c);
    size_t k = strlen(w);
    if (c->n - c->i < k || memcmp(c->s + c->i, w, k) != 0)
        return 0;
    c->i += k;
    return 1;
}

/* A non-negative decimal integer that fits size_t, optionally followed by L. */
static int cur_size(npy_cursor *c, size_t *v)
{
    cur_ws(c);
    size_t x = 0, start = c->i;
    while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
        if (!lgc_size_mul(x, 10, &x) || !lgc_size_add(x, (size_t)(c->s[c->i] - '0'), &x))
            return 0;
        c->i++;
    }
    if (c->i == start)
        return 0;
    if (c->i < c->n && c->s[c->i] == 'L')
        c->i++;
    *v = x;
    return 1;
}

/* '(' [size {',' size} [',']] ')', where a single size needs its comma. */
static int cur_shape(npy_cursor *c, size_t *shape, int *rank)
{
    if (!cur_eat(c, '('))
        return 0;
    int r = 0;
    if (cur_eat(c, ')')) {
        *rank = 0;
        return 1;
    }
    for (;;) {
        if (r == LGC_NPY_MAX_RANK || !cur_size(c, &shape[r]))
            return 0;
        r++;
        int comma = cur_eat(c, ',');
        if (cur_eat(c, ')')) {
            if (r == 1 && !comma)
                return 0;
            break;
        }
        if (!comma)
            return 0;
    }
    *rank = r;
    return 1;
}

/* Parse the dict in s[0..n); on failure why[0..cap) says what is wrong. */
static int npy_parse_dict(const char *s, size_t n, npy_header *h, char *why, size_t cap)
{
    npy_cursor c = {s, 0, n};
    int seen_descr = 0, seen_fortran = 0, seen_shape = 0;
    snprintf(why, cap, "not a dict literal");
    if (!cur_eat(&c, '{'))
        return 0;
    while (!cur_eat(&c, '}')) {
        char key[32];
        snprintf(why, cap, "a key is not a quoted name followed by ':'");
        if (!cur_string(&c, key, sizeof key) || !cur_eat(&c, ':'))
            return 0;
        if (strcmp(key, "descr") == 0) {
            snprintf(why, cap, "%s",
                     seen_descr ? "'descr' appears twice" : "'descr' is not a short string");
            if (seen_descr || !cur_string(&c, h->descr, sizeof h->descr))
                return 0;
            seen_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            snprintf(why, cap, "%s",
                     seen_fortran ? "'fortran_order' appears twice"
                                  : "'fortran_order' is not True or False");
            if (seen_fortran)
                return 0;
            if (cur_word(&c, "True"))
                h->fortran = 1;
            else if (cur_word(&c, "False"))
                h->fortran = 0;
            else
                return 0;
            seen_fortran = 1;
        } else if (strcmp(key, "shape") == 0) {
            snprintf(why, cap, "%s",
                     seen_shape ? "'shape' appears twice" : "'shape' is not a tuple of sizes");
            if (seen_shape || !cur_shape(&c, h->shape, &h->rank))
                return 0;
            seen_shape = 1;
        } else {
            snprintf(why, cap, "unknown key '%s' (expected 'descr', 'fortran_order', 'shape')",
                     key);
            return 0;
        }
        if (cur_eat(&c, ','))
            continue;
        snprintf(why, cap, "a ',' or '}' is missing after '%s'", key);
        if (!cur_eat(&c, '}'))
            return 0;
        break;
    }
    cur_ws(&c);
    snprintf(why, cap, "bytes after the closing '}'");
    if (c.i != c.n)
        return 0;
    snprintf(why, cap, "'%s' is missing",
             !seen_descr ? "descr" : !seen_fortran ? "fortran_order" : "shape");
    return seen_descr && seen_fortran && seen_shape;
}

/* ---- reading ---------------------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Magic, version, header dict, dtype among the allowed ones, and an exact file
 * length. allowed is a bit set of (1 << npy_type); what words the messages. */
static lgc_status npy_check(const char *path, const uint8_t *buf, size_t n, unsigned allowed,
                            const char *allowed_str, const char *what, npy_header *h, lgc_err *err)
{
    memset(h, 0, sizeof *h);
    if (n < NPY_MAGIC_LEN + 4)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: truncated: %zu bytes, too short for an NPY header", path, n);
    if (memcmp(buf, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: bad magic %02x %02x %02x %02x %02x %02x: not an NPY file "
                           "(expected 93 'NUMPY')%s",
                           path, buf[0], buf[1], buf[2], buf[3], buf[4], buf[5],
                           data_magic_hint(buf, n));
    int major = buf[6], minor = buf[7];
    if (major < 1 || major > 3 || minor != 0)
        return lgc_err_set(err, LGC_ERR_VERSION,
                           "%s: NPY version %d.%d, only 1.0, 2.0 and 3.0 are supported", path,
                           major, minor);
    size_t hlen, hstart;
    if (major == 1) {
        hlen = (size_t)buf[8] | ((size_t)buf[9] << 8);
        hstart = 10;
    } else {
        if (n < 12)
            return lgc_err_set(err, LGC_ERR_FORMAT,
                               "%s: truncated: %zu bytes, too short for an NPY %d.0 header", path,
                               n, major);
        hlen = le32(buf + 8); /* fits size_t; checked against the file length below */
        hstart = 12;
    }
    if (hlen > n - hstart)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: truncated: NPY header says it is %zu bytes but only %zu follow",
                           path, hlen, n - hstart);
    for (size_t i = hstart; i < hstart + hlen; i++)
        if (buf[i] == 0 || buf[i] > 0x7e)
            return lgc_err_set(err, LGC_ERR_FORMAT,
                               "%s: NPY header has a non-ASCII byte 0x%02x at offset %zu", path,
                               buf[i], i);
    char why[128];
    if (!npy_parse_dict((const char *)buf + hstart, hlen, h, why, sizeof why))
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: malformed NPY header: %s", path, why);
    h->off = hstart + hlen;

    const char *d = h->descr;
    int known = 1;
    const uint16_t one = 1;
    int host_big = *(const uint8_t *)&one == 0;
    if (strlen(d) == 3 && strchr("|<>=", d[0]) && strcmp(d + 1, "u1") == 0)
        h->type = NPY_U1, h->elem = 1;
    else if (strcmp(d, "<f4") == 0)
        h->type = NPY_F4, h->elem = 4;
    else if (strlen(d) == 3 && strchr("|<>=", d[0]) && strchr("iu", d[1]) && strchr("1248", d[2]))
        h->type = NPY_INT, h->elem = (size_t)(d[2] - '0'), h->is_signed = d[1] == 'i',
        h->big = d[0] == '>' || (d[0] == '=' && host_big);
    else
        known = 0;
    if (!known || !(allowed & (1u << h->type)))
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: %sdtype '%s' is not supported for %s (expected %s)", path,
                           d[0] == '>' ? "big-endian " : "", d, what, allowed_str);
    if (h->fortran && h->rank > 1)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: Fortran-order arrays are not supported; save a C-order array "
                           "(numpy.ascontiguousarray)",
                           path);

    char shape[LGC_NPY_MAX_RANK * 22 + 8];
    data_dims_str(shape, sizeof shape, h->shape, h->rank, ", ");
    for (int i = 0; i < h->rank; i++)
        if (h->shape[i] == 0)
            return lgc_err_set(err, LGC_ERR_FORMAT, "%s: zero dimension: header says shape (%s)",
                               path, shape);
    size_t count = 1, bytes = 0, total = 0;
    int fits = 1;
    for (int i = 0; i < h->rank && fits; i++)
        fits = lgc_size_mul(count, h->shape[i], &count);
    if (!fits || !lgc_size_mul(count, h->elem, &bytes) || !lgc_size_add(bytes, h->off, &total))
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: absurd dimensions: header says shape (%s), more bytes than memory "
                           "can address",
                           path, shape);
    if (n < total)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: truncated: header says shape (%s) of '%s' (%zu bytes) but the "
                           "file has %zu bytes",
                           path, shape, d, total, n);
    if (n > total)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: trailing garbage: header says shape (%s) of '%s' (%zu bytes) but "
                           "the file has %zu bytes (%zu extra)",
                           path, shape, d, total, n, n - total);
    h->count = count;
    return LGC_OK;
}

/* Float in [0,1] to 0..255 with round(x*255), in place: element i of the
 * result (buf[i]) is written after element i was read from buf[off+4i] >= i. */
static lgc_status npy_f4_to_u8(const char *path, uint8_t *buf, size_t off, size_t count,
                               size_t per_image, lgc_err *err)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t u = le32(buf + off + 4 * i);
        float x;
        memcpy(&x, &u, sizeof x);
        if (!isfinite(x))
            return lgc_err_set(err, LGC_ERR_VALUE,
                               "%s: float value %g in image %zu (element %zu) is not finite", path,
                               (double)x, i / per_image, i);
        if (!(x >= 0.0f && x <= 1.0f))
            return lgc_err_set(err, LGC_ERR_VALUE,
                               "%s: float value %g in image %zu (element %zu) is outside [0, 1]",
                               path, (double)x, i / per_image, i);
        buf[i] = (uint8_t)round((double)x * 255.0);
    }
    return LGC_OK;
}

/* Which of (N, H, W, C) and (N, C, H, W) a rank-4 shape is: the layout asked
 * for, else the one whose channel axis is 1 or 3 when only one of them is.
 * Returns 0 (the message set) when neither or, unasked, both fit. */
static int npy_layout(const char *path, const size_t *shape, const char *shape_str,
                      lgc_layout want, lgc_layout *got, lgc_err *err)
{
    int last = shape[3] == 1 || shape[3] == 3, first = shape[1] == 1 || shape[1] == 3;
    if (want == LGC_LAYOUT_NHWC && !last)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: shape (%s) is not (N, H, W, C) with C 1 or 3 (--layout nhwc)",
                           path, shape_str), 0;
    if (want == LGC_LAYOUT_NCHW && !first)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: shape (%s) is not (N, C, H, W) with C 1 or 3 (--layout nchw)",
                           path, shape_str), 0;
    if (want != LGC_LAYOUT_AUTO) {
        *got = want;
        return 1;
    }
    if (last && first)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: shape (%s) reads as (N, H, W, C) and as (N, C, H, W); say which "
                           "with --layout nhwc or --layout nchw",
                           path, shape_str), 0;
    if (!last && !first)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: shape (%s): expected (N, H, W, C) (channels last) or (N, C, H, W) "
                           "with C 1 or 3",
                           path, shape_str), 0;
    *got = last ? LGC_LAYOUT_NHWC : LGC_LAYOUT_NCHW;
    return 1;
}

/* (n, c, h, w) planes into (n, h, w, c) pixels, image by image through tmp (h*w*c). */
static void nchw_to_nhwc(uint8_t *pix, size_t n, size_t c, size_t h, size_t w, uint8_t *tmp)
{
    size_t hw = h * w, img = hw * c;
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = pix + i * img;
        for (size_t ch = 0; ch < c; ch++)
            for (size_t q = 0; q < hw; q++)
                tmp[q * c + ch] = p[ch * hw + q];
        memcpy(p, tmp, img);
    }
}

/* A mapped buf (mapped != 0) is converted in place (its pages then become
 * this process's own) but never moved: pix points into it. */
static lgc_status npy_images(const char *path, uint8_t *buf, size_t n, int mapped,
                             lgc_layout layout, lgc_images *out, lgc_err *err)
{
    memset(out, 0, sizeof *out);
    npy_header h;
    uint8_t *tmp = NULL;
    lgc_status st = npy_check(path, buf, n, (1u << NPY_U1) | (1u << NPY_F4), "'|u1' or '<f4'",
                              "images", &h, err);
    if (st != LGC_OK)
        goto fail;
    char shape[LGC_NPY_MAX_RANK * 22 + 8];
    data_dims_str(shape, sizeof shape, h.shape, h.rank, ", ");
    size_t c = 1;
    lgc_layout got = LGC_LAYOUT_NHWC;
    if (h.rank == 2) {
        if (h.shape[1] != 784) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: shape (%s): a rank-2 image array must be (N, 784), read as "
                             "(N, 28, 28)",
                             path, shape);
            goto fail;
        }
        h.rank = 3;
        h.shape[1] = 28;
        h.shape[2] = 28;
    } else if (h.rank == 4) {
        if (!npy_layout(path, h.shape, shape, layout, &got, err)) {
            st = LGC_ERR_FORMAT;
            goto fail;
        }
        if (got == LGC_LAYOUT_NCHW) { /* to (N, H, W, C) */
            c = h.shape[1];
            h.shape[1] = h.shape[2], h.shape[2] = h.shape[3], h.shape[3] = c;
        } else {
            c = h.shape[3];
        }
    } else if (h.rank != 3) {
        st = lgc_err_set(err, LGC_ERR_FORMAT,
                         "%s: shape (%s) has rank %d, expected (N, H, W), (N, H, W, C), "
                         "(N, C, H, W) or (N, 784) for images",
                         path, shape, h.rank);
        goto fail;
    }
    if (h.type == NPY_F4) {
        size_t per_image = h.shape[1] * h.shape[2] * c; /* no overflow: divides count */
        if ((st = npy_f4_to_u8(path, buf, h.off, h.count, per_image, err)) != LGC_OK)
            goto fail;
        h.off = 0;
    }
    if (got == LGC_LAYOUT_NCHW && c > 1) {
        if (!(tmp = malloc(h.shape[1] * h.shape[2] * c))) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", path);
            goto fail;
        }
        nchw_to_nhwc(buf + h.off, h.shape[0], c, h.shape[1], h.shape[2], tmp);
        free(tmp);
    }
    out->n = h.shape[0];
    out->h = h.shape[1];
    out->w = h.shape[2];
    out->c = c;
    if (mapped && data_map_register(buf + h.off, buf, n)) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", path);
        memset(out, 0, sizeof *out);
        goto fail;
    }
    if (mapped)
        out->pix = buf + h.off;
    else
        out->pix = data_take(buf, h.off, h.count);
    return LGC_OK;
fail:
    data_release(buf, n, mapped);
    return st;
}

lgc_status lgc_npy_images_from_buf(const char *path, uint8_t *buf, size_t n, lgc_layout layout,
                                   lgc_images *out, lgc_err *err)
{
    return npy_images(path, buf, n, 0, layout, out, err);
}

lgc_status lgc_npy_images_from_map(const char *path, uint8_t *buf, size_t n, lgc_layout layout,
                                   lgc_images *out, lgc_err *err)
{
    return npy_images(path, buf, n, 1, layout, out, err);
}

lgc_status lgc_npy_labels_from_buf(const char *path, uint8_t *buf, size_t n, lgc_labels *out,
                                   lgc_err *err)
{
    memset(out, 0, sizeof *out);
    npy_header h;
    lgc_status st = npy_check(path, buf, n, (1u << NPY_U1) | (1u << NPY_INT),
                              "'|u1' or another integer type", "labels", &h, err);
    if (st != LGC_OK)
        goto fail;
    if (h.rank != 1) {
        char shape[LGC_NPY_MAX_RANK * 22 + 8];
        data_dims_str(shape, sizeof shape, h.shape, h.rank, ", ");
        st = lgc_err_set(err, LGC_ERR_FORMAT, "%s: shape (%s) has rank %d, expected 1 for labels",
                         path, shape, h.rank);
        goto fail;
    }
    if (h.type != NPY_U1) {
        /* In place, as in npy_f4_to_u8: element i is read before buf[i] is written. */
        for (size_t i = 0; i < h.count; i++) {
            const uint8_t *p = buf + h.off + h.elem * i;
            uint64_t u = 0;
            for (size_t b = 0; b < h.elem; b++)
                u |= (uint64_t)p[h.big ? h.elem - 1 - b : b] << (8 * b);
            if (h.is_signed && h.elem < 8 && (u >> (8 * h.elem - 1)))
                u |= ~(uint64_t)0 << (8 * h.elem); /* sign-extend */
            if (u > 255) {
                /* the value, computed without implementation-defined casts */
                int neg = h.is_signed && (u >> 63);
                long long v = neg ? -(long long)(~u) - 1 : (long long)(u & 0x7fffffffffffffffu);
                if (!h.is_signed && (u >> 63))
                    st = lgc_err_set(err, LGC_ERR_VALUE,
                                     "%s: label at index %zu is %llu, outside 0..255 (lgc handles "
                                     "at most 256 classes)",
                                     path, i, (unsigned long long)u);
                else
                    st = lgc_err_set(err, LGC_ERR_VALUE,
                                     "%s: label at index %zu is %lld, outside 0..255 (lgc handles "
                                     "at most 256 classes)",
                                     path, i, v);
                goto fail;
            }
            buf[i] = (uint8_t)u;
        }
        h.off = 0;
    }
    out->n = h.count;
    out->y = data_take(buf, h.off, h.count);
    return LGC_OK;
fail:
    free(buf);
    return st;
}

/* A C-order float32 array of the given rank (1 or 2), loaded whole. */
static lgc_status npy_read_f32_rank(const char *path, int rank, float **data, size_t *shape,
                                    lgc_err *err)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    *data = NULL;
    lgc_status st = lgc_read_file(path, LGC_DATA_MAX_FILE, &buf, &n, err);
    if (st != LGC_OK)
        return st;
    npy_header h;
    st = npy_check(path, buf, n, 1u << NPY_F4, "'<f4'",
                   rank == 1 ? "a float vector" : "a float matrix", &h, err);
    if (st == LGC_OK && h.rank != rank) /* npy_check refused Fortran order above rank 1 */
        st = lgc_err_set(err, LGC_ERR_FORMAT, "%s: expected a %d-d float32 array, got rank %d",
                         path, rank, h.rank);
    if (st != LGC_OK) {
        free(buf);
        return st;
    }
    float *out = malloc(h.count ? h.count * sizeof *out : 1);
    if (!out) {
        free(buf);
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", path);
    }
    for (size_t i = 0; i < h.count; i++) { /* little-endian on disk, whatever the host */
        uint32_t u = le32(buf + h.off + 4 * i);
        memcpy(&out[i], &u, sizeof u);
    }
    free(buf);
    *data = out;
    for (int i = 0; i < rank; i++)
        shape[i] = h.shape[i];
    return LGC_OK;
}

lgc_status lgc_npy_read_f32(const char *path, float **data, size_t *rows, size_t *cols,
                            lgc_err *err)
{
    size_t shape[2] = {0, 0};
    lgc_status st = npy_read_f32_rank(path, 2, data, shape, err);
    *rows = shape[0], *cols = shape[1];
    return st;
}

lgc_status lgc_npy_read_f32_vec(const char *path, float **data, size_t *n, lgc_err *err)
{
    *n = 0;
    return npy_read_f32_rank(path, 1, data, n, err);
}

/* ---- writing ---------------------------------------------------------------- */

/*
 * Version 1.0 header: magic, 1, 0, uint16 little-endian length, then the dict
 * padded with spaces and ended by '\n' so that the data starts at a multiple
 * of 64 bytes. Returns the number of bytes written to hdr. The caller's cap
 * fits the longest dict (rank LGC_NPY_MAX_RANK, 20-digit sizes) plus padding,
 * far below the 65535 that version 1.0 allows.
 */
size_t lgc_npy_header_encode(char *hdr, size_t cap, const char *descr, int rank,
                             const size_t *shape)
{
    size_t k = NPY_MAGIC_LEN + 4;
    k += (size_t)snprintf(hdr + k, cap - k, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                          descr);
    for (int i = 0; i < rank; i++)
        k += (size_t)snprintf(hdr + k, cap - k, i ? ", %zu" : "%zu", shape[i]);
    k += (size_t)snprintf(hdr + k, cap - k, "%s), }", rank == 1 ? "," : "");
    size_t total = (k + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN; /* + '\n' */
    memset(hdr + k, ' ', total - 1 - k);
    hdr[total - 1] = '\n';
    memcpy(hdr, NPY_MAGIC, NPY_MAGIC_LEN);
    hdr[6] = 1;
    hdr[7] = 0;
    size_t hlen = total - (NPY_MAGIC_LEN + 4);
    hdr[8] = (char)(hlen & 0xff);
    hdr[9] = (char)(hlen >> 8);
    return total;
}

/* Check rank/shape/data, open, write the header; *count = product of shape. */
static lgc_status npy_begin(lgc_afile *af, const char *path, const char *descr, const void *data,
                            int rank, const size_t *shape, size_t elem, int overwrite,
                            size_t *count, lgc_err *err)
{
    if (rank < 0 || rank > LGC_NPY_MAX_RANK || (rank > 0 && !shape))
        return lgc_err_set(err, LGC_ERR_ARG, "%s: cannot write an NPY array of rank %d (0..%d)",
                           path, rank, LGC_NPY_MAX_RANK);
    size_t c = 1, bytes = 0;
    int fits = 1;
    for (int i = 0; i < rank && fits; i++)
        fits = lgc_size_mul(c, shape[i], &c);
    if (!fits || !lgc_size_mul(c, elem, &bytes))
        return lgc_err_set(err, LGC_ERR_ARG, "%s: cannot write NPY: shape overflows", path);
    if (c > 0 && !data)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: cannot write NPY: no data buffer", path);
    char hdr[NPY_MAGIC_LEN + 4 + 64 + LGC_NPY_MAX_RANK * 22 + NPY_ALIGN];
    size_t hn = lgc_npy_header_encode(hdr, sizeof hdr, descr, rank, shape);
    lgc_status st = lgc_afile_open(af, path, overwrite, err);
    if (st != LGC_OK)
        return st;
    if ((st = lgc_afile_write(af, hdr, hn, err)) != LGC_OK)
        goto fail;
    *count = c;
    return LGC_OK;
fail:
    lgc_afile_abort(af);
    return st;
}

/* The data of an NPY file: uint8 as they are, float32 as little-endian bytes
 * whatever the host order, a block at a time. */
static lgc_status npy_write(const char *path, const char *descr, const void *data, size_t elem,
                            int rank, const size_t *shape, int overwrite, lgc_err *err)
{
    lgc_afile af;
    size_t count = 0;
    lgc_status st = npy_begin(&af, path, descr, data, rank, shape, elem, overwrite, &count, err);
    if (st != LGC_OK)
        return st;
    if (elem == 1)
        st = lgc_afile_write(&af, data, count, err);
    const float *f = data;
    uint8_t block[4096];
    for (size_t i = 0; elem == 4 && i < count && st == LGC_OK;) {
        size_t k = 0;
        for (; k < sizeof block / 4 && i < count; k++, i++) {
            uint32_t u;
            memcpy(&u, &f[i], sizeof u);
            for (int b = 0; b < 4; b++)
                block[4 * k + (size_t)b] = (uint8_t)(u >> (8 * b));
        }
        st = lgc_afile_write(&af, block, 4 * k, err);
    }
    if (st != LGC_OK) {
        lgc_afile_abort(&af);
        return st;
    }
    return lgc_afile_commit(&af, err);
}

lgc_status lgc_npy_write_u8(const char *path, const uint8_t *data, int rank,
                            const size_t *shape, int overwrite, lgc_err *err)
{
    return npy_write(path, "|u1", data, 1, rank, shape, overwrite, err);
}

lgc_status lgc_npy_write_f32(const char *path, const float *data, int rank,
                             const size_t *shape, int overwrite, lgc_err *err)
{
    return npy_write(path, "<f4", data, 4, rank, shape, overwrite, err);
}
