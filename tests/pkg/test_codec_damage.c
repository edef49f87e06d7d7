/* test_codec_damage.c - exhaustive damage to a real codec package (made by
 * lgc_compress: 6x6 images, latent 3), raw and zstd-compressed:
 *  - every truncation and every single-bit flip is refused by the reader,
 *    with an error and a NULL package;
 *  - every single-bit flip with the three CRCs recomputed (so that the
 *    damage reaches the parsers and the codec's checks of meaning) is either
 *    refused by the reader or by lgc_codec_open, each with its own error, or
 *    opens into a codec that generates images of every class. Nothing
 *    crashes (CI runs this under ASan + UBSan) and each path is taken;
 *  - lgc_codec_open_capped's memory cap holds to the byte, and a package
 *    claiming a vast decoder is refused by it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/codec.h"
#include "lgc/tensor.h"
#include "pkg/pkgtest.h"

#define H 6
#define W 6
#define N_IMG 120

static uint8_t *g_raw, *g_zstd; /* the package written raw and with zstd -3 */
static size_t g_n_raw, g_n_zstd;

static int setup(void **s)
{
    (void)s;
    lgc_threads_set(1);
    lgc_dataset d = {{N_IMG, H, W, 1, malloc(N_IMG * H * W)}, {N_IMG, malloc(N_IMG)}, 2};
    lgc_rng r;
    lgc_rng_init(&r, 3, 0);
    for (size_t i = 0; i < N_IMG; i++) {
        d.y.y[i] = (uint8_t)(i % 2);
        for (size_t p = 0; p < H * W; p++) {
            int on = (p < H * W / 2) == (d.y.y[i] == 0);
            d.x.pix[i * H * W + p] = (uint8_t)(on ? 160 + lgc_rng_below(&r, 90) : lgc_rng_below(&r, 60));
        }
    }
    lgc_compress_opts o;
    lgc_compress_opts_default(&o);
    o.hidden = 8, o.latent = 3, o.train.epochs = 5, o.train.batch = 32, o.gmm.k_max = 2;
    o.gmm.n_init = 1, o.zstd_level = 0, o.created = "test";
    lgc_pkg *p = NULL;
    lgc_compress_report rep;
    lgc_err e;
    lgc_status st = lgc_compress(&d, 2, &o, NULL, NULL, &p, &rep, &e);
    lgc_dataset_free(&d);
    if (st) {
        fprintf(stderr, "compress: %s\n", e.msg);
        return 1;
    }
    st = lgc_pkg_write_mem(p, &g_raw, &g_n_raw, &e);
    if (!st)
        st = lgc_pkg_set_compression(p, 3, &e);
    if (!st)
        st = lgc_pkg_write_mem(p, &g_zstd, &g_n_zstd, &e);
    lgc_pkg_free(p);
    return st != LGC_OK;
}

static int teardown(void **s)
{
    (void)s;
    free(g_raw);
    free(g_zstd);
    return 0;
}

/* The reader refuses b[0..n): NULL package, the returned code in err, a sentence. */
static void refused_by_reader(const uint8_t *b, size_t n, const char *what, size_t where)
{
    lgc_err e;
    lgc_err_clear(&e);
    lgc_pkg *p = (lgc_pkg *)&e; /* poison: the reader must set it to NULL */
    lgc_status st = lgc_pkg_read_mem(b, n, NULL, &p, &e);
    if (st == LGC_OK)
        fail_msg("%s at %zu was accepted by the reader", what, where);
    assert_null(p);
    assert_int_equal(e.code, st);
    assert_true(strncmp(e.msg, "<memory>: ", 10) == 0 && strlen(e.msg) > 10);
}

static void control(const uint8_t *b, size_t n)
{
    lgc_pkg *p;
    lgc_codec c;
    assert_int_equal(lgc_pkg_read_mem(b, n, NULL, &p, NULL), LGC_OK);
    assert_int_equal(lgc_codec_open(&c, p, "pkg", 4, NULL), LGC_OK);
    lgc_codec_free(&c);
    lgc_pkg_free(p);
}

static void truncations(const uint8_t *b, size_t n)
{
    control(b, n);
    for (size_t len = 0; len < n; len++) {
        uint8_t *cut = malloc(len ? len : 1); /* exact size: ASan sees any overread */
        memcpy(cut, b, len);
        refused_by_reader(cut, len, "truncation", len);
        free(cut);
    }
}

static void bit_flips(const uint8_t *b, size_t n)
{
    uint8_t *d = malloc(n);
    for (size_t bit = 0; bit < 8 * n; bit++) {
        memcpy(d, b, n);
        d[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        refused_by_reader(d, n, "bit flip", bit);
    }
    free(d);
}

/* Flip, fix the CRCs, then do what `lgc decompress` does. Returns counts of
 * reader refusals, codec refusals and codecs that opened. */
static void bit_flips_crc_fixed(const uint8_t *b, size_t n, size_t counts[3])
{
    uint8_t *d = malloc(n), img[2 * H * W];
    counts[0] = counts[1] = counts[2] = 0;
    for (size_t bit = 0; bit < 8 * n; bit++) {
        memcpy(d, b, n);
        d[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        t_fix_crcs(d, n);
        lgc_err e;
        lgc_err_clear(&e);
        lgc_pkg *p = NULL;
        lgc_status st = lgc_pkg_read_mem(d, n, NULL, &p, &e);
        if (st != LGC_OK) {
            assert_null(p);
            assert_int_equal(e.code, st);
            assert_true(strncmp(e.msg, "<memory>: ", 10) == 0);
            counts[0]++;
            continue;
        }
        lgc_codec c;
        lgc_err_clear(&e);
        st = lgc_codec_open(&c, p, "pkg", 4, &e);
        if (st != LGC_OK) {
            assert_int_equal(e.code, st);
            if (strncmp(e.msg, "pkg: ", 5) != 0 || strlen(e.msg) <= 5)
                fail_msg("bit %zu: codec refusal without a proper message: '%s'", bit, e.msg);
            counts[1]++;
        } else {
            lgc_rng r;
            lgc_rng_init(&r, 1, 0);
            for (size_t cls = 0; cls < c.n_classes; cls++)
                if (lgc_codec_generate(&c, cls, 2, &r, img, &e) != LGC_OK)
                    fail_msg("bit %zu: opened but class %zu does not generate: %s", bit, cls, e.msg);
            lgc_codec_free(&c);
            counts[2]++;
        }
        lgc_pkg_free(p);
    }
    free(d);
    if (getenv("LGC_TEST_VERBOSE"))
        fprintf(stderr, "%zu bytes: %zu flips refused by the reader, %zu by the codec, %zu opened\n",
                n, counts[0], counts[1], counts[2]);
}

static void test_every_truncation_raw(void **s) { (void)s; truncations(g_raw, g_n_raw); }
static void test_every_truncation_zstd(void **s) { (void)s; truncations(g_zstd, g_n_zstd); }
static void test_every_bit_flip_raw(void **s) { (void)s; bit_flips(g_raw, g_n_raw); }
static void test_every_bit_flip_zstd(void **s) { (void)s; bit_flips(g_zstd, g_n_zstd); }

static void test_every_bit_flip_crc_fixed_raw(void **s)
{
    (void)s;
    size_t k[3];
    bit_flips_crc_fixed(g_raw, g_n_raw, k);
    /* each layer is reached: structure (names, sizes), meaning (sizes, K,
     * priors, NaN/inf weights) and data that is merely different */
    assert_true(k[0] > 0 && k[1] > 0 && k[2] > 0);
}

static void test_every_bit_flip_crc_fixed_zstd(void **s)
{
    (void)s;
    size_t k[3];
    bit_flips_crc_fixed(g_zstd, g_n_zstd, k);
    assert_true(k[0] > 0 && k[1] > 0);
}

/* lgc_codec_open_capped: the smallest cap that opens the package is found by
 * bisection; one byte less is refused with LGC_ERR_LIMIT naming that cap. A
 * package claiming a decoder of 2e11 parameters is refused under any
 * reasonable cap, before anything is allocated. */
static void test_memory_cap(void **s)
{
    (void)s;
    lgc_pkg *p;
    lgc_codec c;
    lgc_err e;
    assert_int_equal(lgc_pkg_read_mem(g_raw, g_n_raw, NULL, &p, NULL), LGC_OK);
    uint64_t lo = 0, hi = (uint64_t)1 << 30; /* lo fails, hi opens */
    assert_int_equal(lgc_codec_open_capped(&c, p, "pkg", 64, hi, NULL), LGC_OK);
    lgc_codec_free(&c);
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        lgc_status st = lgc_codec_open_capped(&c, p, "pkg", 64, mid, &e);
        if (st == LGC_OK) {
            lgc_codec_free(&c);
            hi = mid;
        } else {
            assert_int_equal(st, LGC_ERR_LIMIT);
            lo = mid;
        }
    }
    /* The estimate is what opening and decompressing allocate: the net as
     * lgc_net_init planned it (parameters, gradients, two Adam moments,
     * activations and their gradients, input gradient), the mixtures in
     * double, the float scratch for one class's packed factors, the latent
     * batch, and one block of images and labels. */
    assert_int_equal(lgc_codec_open_capped(&c, p, "pkg", 64, hi, NULL), LGC_OK);
    uint64_t real = 4 * sizeof(float) * c.dec.n_params + 2 * sizeof(float) * c.dec.n_acts +
                    sizeof(float) * 64 * c.dec.in_size + sizeof(uint32_t) * c.dec.n_args +
                    sizeof(float) * c.dec.n_ws + sizeof(float) * 64 * c.latent +
                    64 * (c.h * c.w * c.c + 1);
    size_t d = c.latent, kmax = 0;
    for (size_t k = 0; k < c.n_classes; k++) {
        real += c.gmm[k].k * (1 + d + d * d) * sizeof(double);
        kmax = c.gmm[k].k > kmax ? c.gmm[k].k : kmax;
    }
    real += kmax * d * (d + 1) / 2 * sizeof(float);
    lgc_codec_free(&c);
    if (hi != real)
        fail_msg("the cap estimate is %llu bytes, opening allocates %llu", (unsigned long long)hi,
                 (unsigned long long)real);
    assert_int_equal(lgc_codec_open_capped(&c, p, "pkg", 64, lo, &e), LGC_ERR_LIMIT);
    char want[64];
    snprintf(want, sizeof want, "above the memory cap of %llu bytes", (unsigned long long)lo);
    if (!strstr(e.msg, want) || strncmp(e.msg, "pkg: opening needs ", 19) != 0)
        fail_msg("message: %s", e.msg);
    /* a bigger batch needs more */
    assert_int_equal(lgc_codec_open_capped(&c, p, "pkg", 128, hi, NULL), LGC_ERR_LIMIT);

    /* the same container claiming image 1024x1024x3 and hidden 65536 */
    uint64_t shape[3] = {1024, 1024, 3}, layers[12];
    const uint64_t *l;
    size_t nl;
    assert_int_equal(lgc_pkg_get_u64_array(p, "decoder.layers", &l, &nl, NULL), LGC_OK);
    assert_int_equal(nl, 12);
    memcpy(layers, l, sizeof layers);
    layers[1] = 65536, layers[9] = 1024 * 1024 * 3;
    assert_int_equal(lgc_pkg_set_u64(p, "model.hidden", 65536, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_set_u64_array(p, "image.shape", shape, 3, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_set_u64_array(p, "decoder.layers", layers, 12, NULL), LGC_OK);
    assert_int_equal(lgc_codec_open(&c, p, "huge.lgc", 4096, &e), LGC_ERR_LIMIT);
    assert_non_null(strstr(e.msg, "above the memory cap of 2147483648 bytes"));
    assert_int_equal(lgc_codec_open_capped(&c, p, "huge.lgc", 1, (uint64_t)1 << 40, &e),
                     LGC_ERR_LIMIT);
    lgc_pkg_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_truncation_raw),
        cmocka_unit_test(test_every_truncation_zstd),
        cmocka_unit_test(test_every_bit_flip_raw),
        cmocka_unit_test(test_every_bit_flip_zstd),
        cmocka_unit_test(test_every_bit_flip_crc_fixed_raw),
        cmocka_unit_test(test_every_bit_flip_crc_fixed_zstd),
        cmocka_unit_test(test_memory_cap),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
