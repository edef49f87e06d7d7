/* test_data.c - IDX/NPY round trips, a table of malformed files, PNG output, folder sets
 * (JPEG and PNG, grey and RGB), NPY (N, C, H, W), real MNIST. */
#include <dirent.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <jpeglib.h>

#include "lgc/data.h"
#include "lgc/png.h"
#include "lgc/rng.h"

/* ---- temp folder and small helpers ------------------------------------------ */

static char g_dir[64];

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/lgc_test_data_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    DIR *d = opendir(g_dir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", g_dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    return rmdir(g_dir);
}

/* Path of name inside the temp folder, in one of a few rotating buffers. */
static const char *tp(const char *name)
{
    static char bufs[4][512];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, 512, "%s/%s", g_dir, name);
    return b;
}

static void put_file(const char *path, const uint8_t *b, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    if (n)
        assert_int_equal(fwrite(b, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static uint8_t *get_file(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long len = ftell(fp);
    assert_true(len >= 0);
    rewind(fp);
    uint8_t *b = malloc((size_t)len + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    *n = (size_t)len;
    return b;
}

static void random_images(lgc_images *x, size_t n, size_t h, size_t w, size_t c, uint64_t seed)
{
    lgc_rng r;
    lgc_rng_init(&r, seed, 0);
    x->n = n, x->h = h, x->w = w, x->c = c;
    x->pix = malloc(n * h * w * c);
    assert_non_null(x->pix);
    for (size_t i = 0; i < n * h * w * c; i++)
        x->pix[i] = (uint8_t)lgc_rng_below(&r, 256);
}

static void assert_same_images(const lgc_images *a, const lgc_images *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->h, b->h);
    assert_int_equal(a->w, b->w);
    assert_int_equal(a->c, b->c);
    assert_memory_equal(a->pix, b->pix, a->n * a->h * a->w * a->c);
}

/* ---- round trips --------------------------------------------------------------- */

static void test_idx_round_trip(void **state)
{
    (void)state;
    lgc_err err;
    for (size_t c = 1; c <= 3; c += 2) {
        lgc_images x, back;
        random_images(&x, 5, 7, 4, c, 10 + c);
        const char *p = tp(c == 1 ? "rt1.idx" : "rt3.idx");
        assert_int_equal(lgc_idx_write_images(p, &x, 0, &err), LGC_OK);
        size_t n;
        uint8_t *raw = get_file(p, &n);
        int rank = c == 1 ? 3 : 4;
        assert_int_equal(n, 4 + 4 * (size_t)rank + 5 * 7 * 4 * c);
        const uint8_t head[] = {0, 0, 8, (uint8_t)rank, 0, 0, 0, 5, 0, 0, 0, 7, 0, 0, 0, 4};
        assert_memory_equal(raw, head, sizeof head);
        if (rank == 4)
            assert_int_equal(raw[19], 3);
        free(raw);
        assert_int_equal(lgc_idx_read_images(p, &back, &err), LGC_OK);
        assert_same_images(&x, &back);
        lgc_images_free(&back);
        assert_int_equal(lgc_images_read(p, &back, &err), LGC_OK);
        assert_same_images(&x, &back);
        /* mapped, not copied (lgc_images_mapped),
         * and writes to it stay in this process (the file is unchanged) */
        assert_true(lgc_images_mapped(&back));
        assert_false(lgc_images_mapped(&x));
        back.pix[0] ^= 0xff;
        raw = get_file(p, &n);
        assert_int_equal(raw[4 + 4 * rank], x.pix[0]);
        free(raw);
        lgc_images_free(&back);
        assert_false(lgc_images_mapped(&back));
        lgc_images_free(&back); /* twice is harmless */
        /* no overwrite without the flag; the file stays as it was */
        x.pix[0] ^= 1;
        assert_int_equal(lgc_idx_write_images(p, &x, 0, &err), LGC_ERR_IO);
        assert_int_equal(strncmp(err.msg, p, strlen(p)), 0);
        assert_int_equal(lgc_idx_write_images(p, &x, 1, &err), LGC_OK);
        assert_int_equal(lgc_idx_read_images(p, &back, &err), LGC_OK);
        assert_same_images(&x, &back);
        lgc_images_free(&back);
        lgc_images_free(&x);
    }
    lgc_labels y = {6, (uint8_t[]){0, 9, 3, 3, 255, 1}}, yb;
    assert_int_equal(lgc_idx_write_labels(tp("rt.lab"), &y, 0, &err), LGC_OK);
    assert_int_equal(lgc_idx_read_labels(tp("rt.lab"), &yb, &err), LGC_OK);
    assert_int_equal(yb.n, 6);
    assert_memory_equal(yb.y, y.y, 6);
    lgc_labels_free(&yb);
    assert_int_equal(lgc_labels_read(tp("rt.lab"), &yb, &err), LGC_OK);
    assert_memory_equal(yb.y, y.y, 6);
    lgc_labels_free(&yb);

    /* writer argument checks */
    lgc_images bad = {2, 2, 2, 2, (uint8_t[16]){0}};
    assert_int_equal(lgc_idx_write_images(tp("bad.idx"), &bad, 0, &err), LGC_ERR_ARG);
    bad.c = 1, bad.h = 0;
    assert_int_equal(lgc_idx_write_images(tp("bad.idx"), &bad, 0, &err), LGC_ERR_ARG);
    assert_int_equal(access(tp("bad.idx"), F_OK), -1);
}

/* The exact NPY v1.0 header lgc must write for a dict string. */
static size_t expected_npy_header(uint8_t *out, const char *dict)
{
    size_t k = strlen(dict);
    size_t total = (10 + k + 1 + 63) / 64 * 64;
    memcpy(out, "\x93NUMPY\x01\x00", 8);
    out[8] = (uint8_t)((total - 10) & 0xff);
    out[9] = (uint8_t)((total - 10) >> 8);
    memcpy(out + 10, dict, k);
    memset(out + 10 + k, ' ', total - 11 - k);
    out[total - 1] = '\n';
    return total;
}

static void test_npy_round_trip(void **state)
{
    (void)state;
    lgc_err err;
    lgc_images x, back;
    random_images(&x, 3, 28, 28, 1, 7);
    const char *p = tp("rt.npy");
    size_t shape[4] = {3, 28, 28, 1};
    assert_int_equal(lgc_npy_write_u8(p, x.pix, 3, shape, 0, &err), LGC_OK);
    uint8_t want[256];
    size_t hn = expected_npy_header(
        want, "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 28, 28), }");
    assert_int_equal(hn % 64, 0);
    size_t n;
    uint8_t *raw = get_file(p, &n);
    assert_int_equal(n, hn + 3 * 784);
    assert_memory_equal(raw, want, hn);
    assert_memory_equal(raw + hn, x.pix, 3 * 784);
    free(raw);
    assert_int_equal(lgc_npy_read_images(p, &back, &err), LGC_OK);
    assert_same_images(&x, &back);
    lgc_images_free(&back);
    assert_int_equal(lgc_images_read(p, &back, &err), LGC_OK);
    assert_same_images(&x, &back);
    lgc_images_free(&back);

    /* (N, H, W, 3) */
    lgc_images rgb;
    random_images(&rgb, 2, 5, 6, 3, 8);
    size_t s4[4] = {2, 5, 6, 3};
    assert_int_equal(lgc_npy_write_u8(tp("rgb.npy"), rgb.pix, 4, s4, 0, &err), LGC_OK);
    assert_int_equal(lgc_images_read(tp("rgb.npy"), &back, &err), LGC_OK);
    assert_same_images(&rgb, &back);
    lgc_images_free(&back);
    lgc_images_free(&rgb);

    /* (N, 784) is read as (N, 28, 28) */
    size_t s2[2] = {3, 784};
    assert_int_equal(lgc_npy_write_u8(tp("flat.npy"), x.pix, 2, s2, 0, &err), LGC_OK);
    assert_int_equal(lgc_npy_read_images(tp("flat.npy"), &back, &err), LGC_OK);
    assert_same_images(&x, &back);
    lgc_images_free(&back);
    lgc_images_free(&x);

    /* rank 1 has the one-element tuple "(6,)"; labels round trip */
    uint8_t ys[6] = {1, 2, 3, 4, 5, 9};
    size_t s1[1] = {6};
    assert_int_equal(lgc_npy_write_u8(tp("y.npy"), ys, 1, s1, 0, &err), LGC_OK);
    hn = expected_npy_header(want, "{'descr': '|u1', 'fortran_order': False, 'shape': (6,), }");
    raw = get_file(tp("y.npy"), &n);
    assert_int_equal(n, hn + 6);
    assert_memory_equal(raw, want, hn);
    free(raw);
    lgc_labels yb;
    assert_int_equal(lgc_npy_read_labels(tp("y.npy"), &yb, &err), LGC_OK);
    assert_int_equal(yb.n, 6);
    assert_memory_equal(yb.y, ys, 6);
    lgc_labels_free(&yb);

    /* f32 writer: header and little-endian bytes */
    float f[3] = {0.0f, 1.0f, -2.5f};
    assert_int_equal(lgc_npy_write_f32(tp("f.npy"), f, 1, (size_t[]){3}, 0, &err), LGC_OK);
    hn = expected_npy_header(want, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }");
    raw = get_file(tp("f.npy"), &n);
    assert_int_equal(n, hn + 12);
    assert_memory_equal(raw, want, hn);
    const uint8_t fbytes[12] = {0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0};
    assert_memory_equal(raw + hn, fbytes, 12);
    free(raw);
}

/* Hand-made NPY file: magic, version major.0, dict padded to 64, then data. */
static size_t make_npy(uint8_t *out, int major, const char *dict, size_t hlen_extra,
                       const void *data, size_t n_data)
{
    size_t pre = major == 1 ? 10 : 12, k = strlen(dict);
    size_t total = (pre + k + 1 + 63) / 64 * 64, hlen = total - pre + hlen_extra;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (uint8_t)major;
    out[7] = 0;
    out[8] = (uint8_t)hlen, out[9] = (uint8_t)(hlen >> 8);
    if (major != 1)
        out[10] = (uint8_t)(hlen >> 16), out[11] = (uint8_t)(hlen >> 24);
    memcpy(out + pre, dict, k);
    memset(out + pre + k, ' ', total - pre - k - 1);
    out[total - 1] = '\n';
    if (n_data)
        memcpy(out + total, data, n_data);
    return total + n_data;
}

static void test_npy_float_and_int_inputs(void **state)
{
    (void)state;
    lgc_err err;
    static uint8_t buf[8192];
    /* every level k/255 as float32 comes back as k; shape (1, 16, 16) */
    float f[256];
    for (int k = 0; k < 256; k++)
        f[k] = (float)k / 255.0f;
    size_t shape[3] = {1, 16, 16};
    assert_int_equal(lgc_npy_write_f32(tp("levels.npy"), f, 3, shape, 0, &err), LGC_OK);
    lgc_images x;
    assert_int_equal(lgc_npy_read_images(tp("levels.npy"), &x, &err), LGC_OK);
    assert_int_equal(x.n, 1);
    assert_int_equal(x.h, 16);
    assert_int_equal(x.c, 1);
    for (int k = 0; k < 256; k++)
        assert_int_equal(x.pix[k], k);
    lgc_images_free(&x);
    /* rounding: 0.5 -> 127.5 -> 128 (half away from zero); 0.3 -> 76.5 -> 77 */
    float g[4] = {0.5f, 0.3f, 0.001f, 0.999f};
    assert_int_equal(lgc_npy_write_f32(tp("round.npy"), g, 3, (size_t[]){1, 2, 2}, 0, &err),
                     LGC_OK);
    assert_int_equal(lgc_images_read(tp("round.npy"), &x, &err), LGC_OK);
    assert_int_equal(x.pix[0], 128);
    assert_int_equal(x.pix[1], (uint8_t)round((double)0.3f * 255.0));
    assert_int_equal(x.pix[2], 0);
    assert_int_equal(x.pix[3], 255);
    lgc_images_free(&x);

    /* '<i8' and '<i4' labels, and NPY 2.0 */
    int64_t l8[4] = {0, 7, 9, 255};
    size_t n = make_npy(buf, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }", 0,
                        l8, sizeof l8);
    put_file(tp("l8.npy"), buf, n);
    lgc_labels y;
    assert_int_equal(lgc_labels_read(tp("l8.npy"), &y, &err), LGC_OK);
    assert_int_equal(y.n, 4);
    assert_int_equal(y.y[1], 7);
    assert_int_equal(y.y[3], 255);
    lgc_labels_free(&y);
    int32_t l4[3] = {3, 1, 2};
    n = make_npy(buf, 2, "{\"shape\": (3L,), \"fortran_order\": True, \"descr\": \"<i4\"}", 0, l4,
                 sizeof l4);
    put_file(tp("l4.npy"), buf, n);
    assert_int_equal(lgc_npy_read_labels(tp("l4.npy"), &y, &err), LGC_OK);
    assert_int_equal(y.n, 3);
    assert_int_equal(y.y[0], 3);
    assert_int_equal(y.y[2], 2);
    lgc_labels_free(&y);
}

/* ---- malformed files --------------------------------------------------------- */

typedef enum {
    R_IDX_IMAGES, R_IDX_LABELS, R_NPY_IMAGES, R_NPY_LABELS, R_ANY_IMAGES, R_ANY_LABELS
} reader;

static lgc_status run_reader(reader r, const char *path, lgc_err *err)
{
    lgc_images x;
    lgc_labels y;
    lgc_status st = LGC_ERR_INTERNAL;
    memset(&x, 0x55, sizeof x);
    memset(&y, 0x55, sizeof y);
    switch (r) {
    case R_IDX_IMAGES: st = lgc_idx_read_images(path, &x, err); break;
    case R_NPY_IMAGES: st = lgc_npy_read_images(path, &x, err); break;
    case R_ANY_IMAGES: st = lgc_images_read(path, &x, err); break;
    case R_IDX_LABELS: st = lgc_idx_read_labels(path, &y, err); break;
    case R_NPY_LABELS: st = lgc_npy_read_labels(path, &y, err); break;
    case R_ANY_LABELS: st = lgc_labels_read(path, &y, err); break;
    }
    if (r == R_IDX_IMAGES || r == R_NPY_IMAGES || r == R_ANY_IMAGES) {
        assert_null(x.pix); /* zeroed on failure */
        assert_int_equal(x.n, 0);
    } else {
        assert_null(y.y);
        assert_int_equal(y.n, 0);
    }
    return st;
}

static void expect_reject(const char *name, reader r, lgc_status want, const char *needle)
{
    lgc_err err;
    lgc_err_clear(&err);
    const char *path = tp(name);
    lgc_status st = run_reader(r, path, &err);
    if (st != want || err.code != want || strncmp(err.msg, path, strlen(path)) != 0 ||
        !strstr(err.msg, needle)) {
        print_error("%s: want %s with \"%s\", got %s: %s\n", name, lgc_status_str(want), needle,
                    lgc_status_str(st), err.msg);
        fail();
    }
    if (getenv("LGC_TEST_VERBOSE"))
        print_message("%s\n", err.msg);
}

static const struct {
    const char *name;
    uint8_t hdr[24];
    size_t n_hdr, n_data;
    reader r;
    lgc_status want;
    const char *needle;
} idx_bad[] = {
    {"empty.idx", {0}, 0, 0, R_IDX_IMAGES, LGC_ERR_FORMAT, "truncated"},
    {"tiny.idx", {0, 0}, 2, 0, R_IDX_IMAGES, LGC_ERR_FORMAT, "truncated"},
    {"magic.idx", {1, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3}, 16, 18, R_IDX_IMAGES,
     LGC_ERR_FORMAT, "bad magic"},
    {"gzip.idx", {0x1f, 0x8b, 8, 0}, 4, 30, R_IDX_IMAGES, LGC_ERR_FORMAT, "gunzip"},
    {"gzip_any.idx", {0x1f, 0x8b, 8, 0}, 4, 30, R_ANY_IMAGES, LGC_ERR_FORMAT, "gunzip"},
    {"type.idx", {0, 0, 0x0D, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3}, 16, 72, R_IDX_IMAGES,
     LGC_ERR_FORMAT, "type code 0x0d (float32)"},
    {"type_lab.idx", {0, 0, 0x0C, 1, 0, 0, 0, 2}, 8, 8, R_IDX_LABELS, LGC_ERR_FORMAT,
     "type code 0x0c"},
    {"rank2.idx", {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3}, 12, 6, R_IDX_IMAGES, LGC_ERR_FORMAT,
     "rank 2"},
    {"rank5.idx", {0, 0, 8, 5, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}, 24, 1,
     R_IDX_IMAGES, LGC_ERR_FORMAT, "rank 5"},
    {"lab_rank3.idx", {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3}, 16, 18, R_IDX_LABELS,
     LGC_ERR_FORMAT, "rank 3"},
    {"img_rank1.idx", {0, 0, 8, 1, 0, 0, 0, 2}, 8, 2, R_ANY_IMAGES, LGC_ERR_FORMAT, "rank 1"},
    {"short_header.idx", {0, 0, 8, 3, 0, 0, 0, 2, 0, 0}, 10, 0, R_IDX_IMAGES, LGC_ERR_FORMAT,
     "truncated: the header"},
    {"short_data.idx", {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3}, 16, 17, R_IDX_IMAGES,
     LGC_ERR_FORMAT, "truncated: header says 2 images of 3x3 (34 bytes) but the file has 33"},
    {"trailing.idx", {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3}, 16, 19, R_IDX_IMAGES,
     LGC_ERR_FORMAT, "trailing garbage"},
    {"zero_dim.idx", {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3}, 16, 0, R_IDX_IMAGES,
     LGC_ERR_FORMAT, "zero dimension"},
    {"zero_n.idx", {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3}, 16, 0, R_IDX_IMAGES,
     LGC_ERR_FORMAT, "zero dimension"},
    {"absurd.idx",
     {0, 0, 8, 4, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 3}, 20, 8,
     R_IDX_IMAGES, LGC_ERR_FORMAT, "absurd dimensions"},
    {"huge.idx", {0, 0, 8, 3, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255}, 16, 8,
     R_ANY_IMAGES, LGC_ERR_FORMAT, "truncated"},
    {"channels.idx", {0, 0, 8, 4, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 2}, 20, 36,
     R_IDX_IMAGES, LGC_ERR_FORMAT, "2 channels"},
    {"lab_short.idx", {0, 0, 8, 1, 0, 0, 0, 10}, 8, 9, R_IDX_LABELS, LGC_ERR_FORMAT,
     "truncated: header says 10 labels (18 bytes)"},
    {"lab_trailing.idx", {0, 0, 8, 1, 0, 0, 0, 10}, 8, 11, R_ANY_LABELS, LGC_ERR_FORMAT,
     "trailing garbage"},
};

#define HDR_U1 "{'descr': '|u1', 'fortran_order': False, 'shape': "
static const struct {
    const char *name;
    int major;
    const char *dict;
    size_t hlen_extra, n_data;
    uint8_t fill;
    reader r;
    lgc_status want;
    const char *needle;
} npy_bad[] = {
    {"v4.npy", 4, HDR_U1 "(2, 3, 3), }", 0, 18, 0, R_NPY_IMAGES, LGC_ERR_VERSION, "version 4.0"},
    {"f8.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 3), }", 0, 144, 0,
     R_NPY_IMAGES, LGC_ERR_FORMAT, "dtype '<f8'"},
    {"be.npy", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3, 3), }", 0, 72, 0,
     R_NPY_IMAGES, LGC_ERR_FORMAT, "big-endian"},
    {"lab_f4.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 0, 12, 0,
     R_NPY_LABELS, LGC_ERR_FORMAT, "dtype '<f4'"},
    {"fortran.npy", 1, "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3, 3), }", 0, 18,
     0, R_NPY_IMAGES, LGC_ERR_FORMAT, "Fortran"},
    {"rank2.npy", 1, HDR_U1 "(2, 3), }", 0, 6, 0, R_NPY_IMAGES, LGC_ERR_FORMAT, "(N, 784)"},
    {"chw.npy", 1, HDR_U1 "(2, 2, 4, 4), }", 0, 64, 0, R_ANY_IMAGES, LGC_ERR_FORMAT,
     "channels last"},
    {"both.npy", 1, HDR_U1 "(2, 3, 4, 3), }", 0, 72, 0, R_ANY_IMAGES, LGC_ERR_FORMAT,
     "--layout nhwc or --layout nchw"},
    {"rank5.npy", 1, HDR_U1 "(1, 1, 1, 1, 1), }", 0, 1, 0, R_NPY_IMAGES, LGC_ERR_FORMAT,
     "rank 5"},
    {"lab_rank2.npy", 1, HDR_U1 "(3, 1), }", 0, 3, 0, R_NPY_LABELS, LGC_ERR_FORMAT, "rank 2"},
    {"hdr_trunc.npy", 1, HDR_U1 "(2, 3, 3), }", 200, 18, 0, R_NPY_IMAGES, LGC_ERR_FORMAT,
     "truncated: NPY header"},
    {"short.npy", 1, HDR_U1 "(2, 3, 3), }", 0, 17, 0, R_NPY_IMAGES, LGC_ERR_FORMAT,
     "truncated: header says shape (2, 3, 3) of '|u1' (146 bytes) but the file has 145"},
    {"trailing.npy", 2, HDR_U1 "(2, 3, 3), }", 0, 19, 0, R_NPY_IMAGES, LGC_ERR_FORMAT,
     "trailing garbage"},
    {"zero.npy", 1, HDR_U1 "(0, 28, 28), }", 0, 0, 0, R_NPY_IMAGES, LGC_ERR_FORMAT,
     "zero dimension"},
    {"absurd.npy", 1, HDR_U1 "(18446744073709551615, 2, 2), }", 0, 4, 0, R_NPY_IMAGES,
     LGC_ERR_FORMAT, "absurd dimensions"},
    {"absurd_f4.npy", 1,
     "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 1, 1), }", 0, 4, 0,
     R_ANY_IMAGES, LGC_ERR_FORMAT, "absurd dimensions"},
    {"bigint.npy", 1, HDR_U1 "(99999999999999999999999, 1, 1), }", 0, 1, 0, R_NPY_IMAGES,
     LGC_ERR_FORMAT, "'shape' is not a tuple"},
    {"no_shape.npy", 1, "{'descr': '|u1', 'fortran_order': False, }", 0, 1, 0, R_NPY_IMAGES,
     LGC_ERR_FORMAT, "'shape' is missing"},
    {"dup.npy", 1, "{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (1,1,1)}",
     0, 1, 0, R_NPY_IMAGES, LGC_ERR_FORMAT, "'descr' appears twice"},
    {"extra_key.npy", 1, HDR_U1 "(1, 1, 1), 'x': 1}", 0, 1, 0, R_NPY_IMAGES, LGC_ERR_FORMAT,
     "unknown key 'x'"},
    {"after.npy", 1, HDR_U1 "(1, 1, 1)} x", 0, 1, 0, R_NPY_IMAGES, LGC_ERR_FORMAT,
     "after the closing"},
    {"not_dict.npy", 1, "[1, 2]", 0, 1, 0, R_NPY_IMAGES, LGC_ERR_FORMAT, "not a dict"},
    {"one_no_comma.npy", 1, HDR_U1 "(3)}", 0, 3, 0, R_NPY_LABELS, LGC_ERR_FORMAT,
     "'shape' is not a tuple"},
    {"nan.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }", 0, 32, 0xff,
     R_NPY_IMAGES, LGC_ERR_VALUE, "not finite"},
    {"big_float.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }", 0, 32,
     0x40, R_NPY_IMAGES, LGC_ERR_VALUE, "image 0 (element 0) is outside [0, 1]"},
    {"neg_label.npy", 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", 0, 16, 0xff,
     R_NPY_LABELS, LGC_ERR_VALUE, "label at index 0 is -1"},
    {"big_label.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 0, 8, 0x01,
     R_ANY_LABELS, LGC_ERR_VALUE, "is 16843009"},
};

static void test_malformed_files(void **state)
{
    (void)state;
    static uint8_t buf[8192];
    for (size_t i = 0; i < sizeof idx_bad / sizeof idx_bad[0]; i++) {
        memcpy(buf, idx_bad[i].hdr, idx_bad[i].n_hdr);
        memset(buf + idx_bad[i].n_hdr, 7, idx_bad[i].n_data);
        put_file(tp(idx_bad[i].name), buf, idx_bad[i].n_hdr + idx_bad[i].n_data);
        expect_reject(idx_bad[i].name, idx_bad[i].r, idx_bad[i].want, idx_bad[i].needle);
    }
    for (size_t i = 0; i < sizeof npy_bad / sizeof npy_bad[0]; i++) {
        uint8_t data[256];
        memset(data, npy_bad[i].fill, sizeof data);
        size_t n = make_npy(buf, npy_bad[i].major, npy_bad[i].dict, npy_bad[i].hlen_extra, data,
                            npy_bad[i].n_data);
        put_file(tp(npy_bad[i].name), buf, n);
        expect_reject(npy_bad[i].name, npy_bad[i].r, npy_bad[i].want, npy_bad[i].needle);
    }
    /* bad NPY magic, non-ASCII header, a file that is neither format */
    size_t n = make_npy(buf, 1, HDR_U1 "(1, 1, 1), }", 0, "x", 1);
    buf[5] = 'Z';
    put_file(tp("magic.npy"), buf, n);
    expect_reject("magic.npy", R_ANY_IMAGES, LGC_ERR_FORMAT, "bad magic");
    buf[5] = 'Y';
    buf[20] = 0xC3;
    put_file(tp("utf8.npy"), buf, n);
    expect_reject("utf8.npy", R_NPY_IMAGES, LGC_ERR_FORMAT, "non-ASCII");
    put_file(tp("text.txt"), (const uint8_t *)"hello world", 11);
    expect_reject("text.txt", R_ANY_LABELS, LGC_ERR_FORMAT, "not an IDX or NPY file");
    expect_reject("missing.idx", R_ANY_IMAGES, LGC_ERR_IO, "cannot open");
    /* an IDX file given to the NPY reader says what it is */
    expect_reject("magic.idx", R_NPY_IMAGES, LGC_ERR_FORMAT, "bad magic");
    expect_reject("trailing.idx", R_NPY_LABELS, LGC_ERR_FORMAT, "IDX file");
}

static void test_dataset_load(void **state)
{
    (void)state;
    lgc_err err;
    lgc_images x;
    random_images(&x, 4, 3, 3, 1, 3);
    assert_int_equal(lgc_idx_write_images(tp("ds.img"), &x, 0, &err), LGC_OK);
    lgc_labels y = {4, (uint8_t[]){2, 0, 9, 1}};
    assert_int_equal(lgc_idx_write_labels(tp("ds.lab"), &y, 0, &err), LGC_OK);
    assert_int_equal(lgc_npy_write_u8(tp("ds3.npy"), y.y, 1, (size_t[]){3}, 0, &err), LGC_OK);

    lgc_dataset d;
    assert_int_equal(lgc_dataset_load(tp("ds.img"), tp("ds.lab"), 10, &d, &err), LGC_OK);
    assert_same_images(&x, &d.x);
    assert_int_equal(d.y.n, 4);
    assert_int_equal(d.n_classes, 10);
    lgc_dataset_free(&d);
    assert_int_equal(lgc_dataset_load(tp("ds.img"), tp("ds.lab"), 0, &d, &err), LGC_OK);
    assert_int_equal(d.n_classes, 10); /* largest label + 1 */
    lgc_dataset_free(&d);
    lgc_dataset_free(&d);

    const char *lp = tp("ds.lab");
    assert_int_equal(lgc_dataset_load(tp("ds.img"), lp, 9, &d, &err), LGC_ERR_VALUE);
    assert_int_equal(strncmp(err.msg, lp, strlen(lp)), 0);
    assert_non_null(strstr(err.msg, "label at index 2 is 9"));
    assert_null(d.x.pix);
    assert_null(d.y.y);

    lp = tp("ds3.npy");
    assert_int_equal(lgc_dataset_load(tp("ds.img"), lp, 10, &d, &err), LGC_ERR_VALUE);
    assert_int_equal(strncmp(err.msg, lp, strlen(lp)), 0);
    assert_non_null(strstr(err.msg, "3 labels, but"));
    assert_non_null(strstr(err.msg, "has 4 images"));
    assert_null(d.x.pix);

    assert_int_equal(lgc_dataset_load(tp("ds.img"), tp("nope"), 10, &d, &err), LGC_ERR_IO);
    assert_int_equal(lgc_dataset_load(tp("ds.img"), tp("ds.lab"), 300, &d, &err), LGC_ERR_ARG);
    lgc_images_free(&x);
}

/* ---- PNG ------------------------------------------------------------------------ */

static void check_png(const char *path, const uint8_t *pix, size_t w, size_t h, size_t c)
{
    size_t n;
    uint8_t *raw = get_file(path, &n);
    assert_true(n > 8);
    assert_memory_equal(raw, "\x89PNG\r\n\x1a\n", 8);
    free(raw);
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_file(&img, path));
    assert_int_equal(img.width, w);
    assert_int_equal(img.height, h);
    assert_int_equal(img.format, c == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB);
    uint8_t *back = malloc(PNG_IMAGE_SIZE(img));
    assert_non_null(back);
    assert_true(png_image_finish_read(&img, NULL, back, 0, NULL));
    assert_memory_equal(back, pix, w * h * c);
    free(back);
    png_image_free(&img);
}

static void test_png(void **state)
{
    (void)state;
    lgc_err err;
    lgc_images x;
    random_images(&x, 1, 13, 17, 1, 5);
    assert_int_equal(lgc_png_write(tp("g.png"), x.pix, 17, 13, 1, 0, &err), LGC_OK);
    check_png(tp("g.png"), x.pix, 17, 13, 1);
    assert_int_equal(lgc_png_write(tp("g.png"), x.pix, 17, 13, 1, 0, &err), LGC_ERR_IO);
    lgc_images_free(&x);
    random_images(&x, 1, 9, 300, 3, 6);
    assert_int_equal(lgc_png_write(tp("c.png"), x.pix, 300, 9, 3, 0, &err), LGC_OK);
    check_png(tp("c.png"), x.pix, 300, 9, 3);
    assert_int_equal(lgc_png_write(tp("bad.png"), x.pix, 300, 9, 2, 0, &err), LGC_ERR_ARG);
    assert_int_equal(lgc_png_write(tp("bad.png"), x.pix, 0, 9, 3, 0, &err), LGC_ERR_ARG);
    /* refused by libpng itself: exercises the setjmp error path */
    uint8_t *wide = calloc(LGC_PNG_MAX_SIDE + 1, 1);
    assert_non_null(wide);
    assert_int_equal(lgc_png_write(tp("bad.png"), wide, LGC_PNG_MAX_SIDE + 1, 1, 1, 0, &err),
                     LGC_ERR_ARG);
    free(wide);
    if (getenv("LGC_TEST_VERBOSE"))
        print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "PNG encoding failed"));
    assert_int_equal(strncmp(err.msg, tp("bad.png"), strlen(tp("bad.png"))), 0);
    assert_int_equal(access(tp("bad.png"), F_OK), -1);
    lgc_images_free(&x);
}

/* A baseline JPEG of pix (h, w, c) at quality 100. */
static void write_jpeg(const char *path, const uint8_t *pix, size_t w, size_t h, size_t c)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, fp);
    ci.image_width = (JDIMENSION)w, ci.image_height = (JDIMENSION)h;
    ci.input_components = (int)c;
    ci.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 100, TRUE);
    jpeg_start_compress(&ci, TRUE);
    for (size_t r = 0; r < h; r++) {
        JSAMPROW row = (JSAMPROW)(pix + r * w * c);
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    fclose(fp);
}

static void test_folder_jpeg_png_nchw(void **state)
{
    (void)state;
    char root[64], p[160];
    snprintf(root, sizeof root, "/tmp/lgc_test_folder_XXXXXX");
    assert_non_null(mkdtemp(root));
    uint8_t grey[16 * 16], rgb[16 * 16 * 3];
    for (size_t i = 0; i < 256; i++) {
        grey[i] = (uint8_t)(40 + (i / 16 + i % 16) * 5);
        for (size_t k = 0; k < 3; k++)
            rgb[3 * i + k] = (uint8_t)(30 + k * 60 + (i / 16) * 4 + (i % 16) * 2);
    }
    snprintf(p, sizeof p, "%s/a", root), assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/b", root), assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/a/1.JPG", root), write_jpeg(p, grey, 16, 16, 1);
    snprintf(p, sizeof p, "%s/a/2.png", root);
    lgc_err err;
    assert_int_equal(lgc_png_write(p, grey, 16, 16, 1, 0, &err), LGC_OK);
    snprintf(p, sizeof p, "%s/b/3.jpeg", root), write_jpeg(p, rgb, 16, 16, 3);
    snprintf(p, sizeof p, "%s/b/readme.txt", root), put_file(p, (const uint8_t *)"x", 1);
    lgc_dataset d;
    assert_int_equal(lgc_dataset_load(root, NULL, 0, &d, &err), LGC_OK);
    assert_int_equal(d.x.n, 3), assert_int_equal(d.n_classes, 2);
    assert_int_equal(d.x.h, 16), assert_int_equal(d.x.w, 16), assert_int_equal(d.x.c, 3);
    assert_int_equal(d.y.y[0], 0), assert_int_equal(d.y.y[1], 0), assert_int_equal(d.y.y[2], 1);
    for (size_t i = 0; i < 256; i++)
        for (size_t k = 0; k < 3; k++) {
            assert_true(abs((int)d.x.pix[3 * i + k] - grey[i]) <= 3);          /* JPEG, grey */
            assert_int_equal(d.x.pix[768 + 3 * i + k], grey[i]);              /* PNG: exact */
            assert_true(abs((int)d.x.pix[1536 + 3 * i + k] - rgb[3 * i + k]) <= 6); /* JPEG */
        }
    lgc_dataset_free(&d);
    /* labels beside a folder: refused */
    assert_int_equal(lgc_dataset_load(root, tp("labels.idx"), 0, &d, &err), LGC_ERR_VALUE);
    const char *files[] = {"a/1.JPG", "a/2.png", "b/3.jpeg", "b/readme.txt", "a", "b", ""};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", root, files[i]);
        assert_int_equal(i < 4 ? unlink(p) : rmdir(p), 0);
    }

    /* NPY (N, C, H, W), C = 3: read as (N, H, W, C), inferred or asked for */
    uint8_t chw[2 * 3 * 4 * 5];
    for (size_t i = 0; i < sizeof chw; i++)
        chw[i] = (uint8_t)(i * 7);
    size_t shape[4] = {2, 3, 4, 5};
    assert_int_equal(lgc_npy_write_u8(tp("chw3.npy"), chw, 4, shape, 0, &err), LGC_OK);
    for (int lay = LGC_LAYOUT_AUTO; lay <= LGC_LAYOUT_NCHW; lay++) {
        lgc_images x;
        lgc_status st = lgc_images_read_layout(tp("chw3.npy"), (lgc_layout)lay, &x, &err);
        if (lay == LGC_LAYOUT_NHWC) {
            assert_int_equal(st, LGC_ERR_FORMAT);
            continue;
        }
        assert_int_equal(st, LGC_OK);
        assert_int_equal(x.n, 2), assert_int_equal(x.h, 4), assert_int_equal(x.w, 5);
        assert_int_equal(x.c, 3);
        for (size_t i = 0; i < 2; i++)
            for (size_t c = 0; c < 3; c++)
                for (size_t q = 0; q < 20; q++)
                    assert_int_equal(x.pix[(i * 20 + q) * 3 + c], chw[(i * 3 + c) * 20 + q]);
        lgc_images_free(&x);
    }
}

static void test_image_grid(void **state)
{
    (void)state;
    lgc_err err;
    /* 3 RGB images of 2x2 (values 10*i + k) in 2 columns, 1-pixel border of 255: 7 x 7 */
    lgc_images x = {3, 2, 2, 3, malloc(36)}, g;
    for (size_t i = 0; i < 36; i++)
        x.pix[i] = (uint8_t)(10 * (i / 12) + i % 12);
    assert_int_equal(lgc_image_grid(&x, 3, 0, 2, 1, 255, &g, &err), LGC_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.w, 7);
    assert_int_equal(g.h, 7);
    assert_int_equal(g.c, 3);
    for (size_t yy = 0; yy < 7; yy++)
        for (size_t xx = 0; xx < 7; xx++)
            for (size_t k = 0; k < 3; k++) {
                int want = 255;
                if (yy % 3 && xx % 3) {
                    size_t i = (yy / 3) * 2 + xx / 3, r = yy % 3 - 1, col = xx % 3 - 1;
                    if (i < 3)
                        want = (int)(10 * i + (r * 2 + col) * 3 + k);
                }
                assert_int_equal(g.pix[(yy * 7 + xx) * 3 + k], want);
            }
    assert_int_equal(lgc_png_write(tp("grid.png"), g.pix, g.w, g.h, g.c, 0, &err), LGC_OK);
    check_png(tp("grid.png"), g.pix, g.w, g.h, g.c);
    lgc_images_free(&g);
    /* automatic columns: 3 images -> 2 x 2 cells, 2-pixel border: 2*2 + 3*2 = 10 */
    assert_int_equal(lgc_image_grid(&x, 3, 0, 0, 2, 0, &g, &err), LGC_OK);
    assert_int_equal(g.w, 10);
    assert_int_equal(g.h, 10);
    lgc_images_free(&g);
    assert_int_equal(lgc_image_grid(&x, 4, 0, 0, 1, 0, &g, &err), LGC_ERR_ARG);
    assert_int_equal(lgc_image_grid(&x, 3, 1, 2, 1, 0, &g, &err), LGC_ERR_ARG);
    assert_null(g.pix);
    lgc_images_free(&x);
}

/* ---- real MNIST, when scripts/setup.sh has fetched it --------------------------- */

static void test_mnist(void **state)
{
    (void)state;
    const char *dir = getenv("LGC_DATA_DIR");
    char ip[1024], lp[1024];
    snprintf(lp, sizeof lp, "%s/mnist/train-labels-idx1-ubyte", dir ? dir : "data");
    if (access(lp, R_OK) != 0)
        skip();
    snprintf(ip, sizeof ip, "%s/mnist/train-images-idx3-ubyte", dir ? dir : "data");
    lgc_err err;
    lgc_dataset d;
    lgc_status st = lgc_dataset_load(ip, lp, 10, &d, &err);
    if (st != LGC_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(st, LGC_OK);
    assert_int_equal(d.x.n, 60000);
    assert_int_equal(d.x.h, 28);
    assert_int_equal(d.x.w, 28);
    assert_int_equal(d.x.c, 1);
    assert_int_equal(d.y.n, 60000);
    const size_t want[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    size_t count[10] = {0};
    for (size_t i = 0; i < d.y.n; i++)
        count[d.y.y[i]]++;
    for (int k = 0; k < 10; k++)
        assert_int_equal(count[k], want[k]);
    assert_int_equal(d.y.y[0], 5);
    lgc_dataset_free(&d);

    snprintf(lp, sizeof lp, "%s/mnist/t10k-labels-idx1-ubyte", dir ? dir : "data");
    snprintf(ip, sizeof ip, "%s/mnist/t10k-images-idx3-ubyte", dir ? dir : "data");
    assert_int_equal(lgc_dataset_load(ip, lp, 10, &d, &err), LGC_OK);
    assert_int_equal(d.x.n, 10000);
    assert_int_equal(d.y.n, 10000);
    assert_int_equal(d.y.y[0], 7);
    lgc_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idx_round_trip),
        cmocka_unit_test(test_npy_round_trip),
        cmocka_unit_test(test_npy_float_and_int_inputs),
        cmocka_unit_test(test_malformed_files),
        cmocka_unit_test(test_dataset_load),
        cmocka_unit_test(test_png),
        cmocka_unit_test(test_folder_jpeg_png_nchw),
        cmocka_unit_test(test_image_grid),
        cmocka_unit_test(test_mnist),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
