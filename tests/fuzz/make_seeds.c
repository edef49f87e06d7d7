/*
 * make_seeds.c - writes the hand-made part of the fuzz corpora:
 *   FUZZ_DIR/corpus/pkg/seed-*   small codec packages made by lgc_compress
 *                                 (grey and RGB, f16 and f32, raw and zstd,
 *                                 one with mixtures per group),
 *                                 the generic sample package of tests/pkg, and
 *                                 broken copies (truncated, flipped, foreign);
 *   FUZZ_DIR/corpus/idx/seed-*   valid IDX images (rank 3 and 4) and labels,
 *                                 and broken ones;
 *   FUZZ_DIR/corpus/npy/seed-*   valid NPY images (u1, f4; rank 2, 3, 4;
 *                                 versions 1.0 and 2.0) and labels (u1, i4,
 *                                 i8), and broken ones;
 *   FUZZ_DIR/regressions/pkg/hand-huge-decoder.lgc
 *                                 a valid container whose model claims a
 *                                 decoder of 2 * 10^11 parameters: opening it
 *                                 must be refused by the memory cap before
 *                                 anything is allocated.
 * Run by hand (scripts/fuzz.sh seeds) after a format change; the output is
 * committed. Deterministic: same bytes on every run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/data_internal.h"
#include "lgc/codec.h"
#include "lgc/tensor.h"
#include "pkg/pkgtest.h"

static const char *g_dir;

static void put(const char *sub, const char *name, const void *b, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", g_dir, sub);
    for (char *s = path + strlen(g_dir) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(path, 0755);
            *s = '/';
        }
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", g_dir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(b, 1, n, f) != n) || fclose(f) != 0) {
        fprintf(stderr, "make_seeds: %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static void put_pkg(const char *sub, const char *name, const lgc_pkg *p)
{
    uint8_t *b;
    size_t n;
    lgc_err e;
    if (lgc_pkg_write_mem(p, &b, &n, &e) != LGC_OK) {
        fprintf(stderr, "make_seeds: %s: %s\n", name, e.msg);
        exit(1);
    }
    put(sub, name, b, n);
    free(b);
}

/* Two or three classes of h x w x c images, a brighter band per class; with
 * groups, two groups per class (ids 10 y and 10 y + 1). */
static lgc_pkg *tiny_codec_g(size_t h, size_t w, size_t c, size_t classes, size_t latent,
                             size_t hidden, size_t kmax, lgc_dtype dt, int zstd, int groups)
{
    size_t n = 120, img = h * w * c;
    lgc_dataset d = {{n, h, w, c, malloc(n * img)}, {n, malloc(n)}, classes};
    uint8_t g[120];
    for (size_t i = 0; i < n; i++)
        g[i] = (uint8_t)(10 * (i % classes) + (i / classes) % 2);
    lgc_rng r;
    lgc_rng_init(&r, 7, 0);
    for (size_t i = 0; i < n; i++) {
        uint8_t y = (uint8_t)(i % classes);
        d.y.y[i] = y;
        for (size_t p = 0; p < img; p++) {
            int on = (p * classes / img) == y;
            d.x.pix[i * img + p] = (uint8_t)(on ? 150 + lgc_rng_below(&r, 100)
                                                : lgc_rng_below(&r, 60));
        }
    }
    lgc_compress_opts o;
    lgc_compress_opts_default(&o);
    o.hidden = hidden, o.latent = latent, o.train.epochs = 5, o.train.batch = 32;
    o.train.lr = 3e-3f, o.gmm.k_max = kmax, o.gmm.n_init = 1, o.param_dtype = dt;
    o.zstd_level = zstd, o.created = "1970-01-01T00:00:00Z";
    o.groups = groups ? g : NULL;
    lgc_pkg *p = NULL;
    lgc_compress_report rep;
    lgc_err e;
    if (lgc_compress(&d, classes, &o, NULL, NULL, &p, &rep, &e) != LGC_OK) {
        fprintf(stderr, "make_seeds: compress: %s\n", e.msg);
        exit(1);
    }
    lgc_dataset_free(&d);
    return p;
}

static lgc_pkg *tiny_codec(size_t h, size_t w, size_t c, size_t classes, size_t latent,
                           size_t hidden, size_t kmax, lgc_dtype dt, int zstd)
{
    return tiny_codec_g(h, w, c, classes, latent, hidden, kmax, dt, zstd, 0);
}

static void pkg_seeds(void)
{
    lgc_pkg *p = tiny_codec(6, 6, 1, 2, 3, 8, 2, LGC_DT_F16, 0);
    put_pkg("corpus/pkg", "seed-codec-grey-f16-raw.lgc", p);
    uint8_t *b;
    size_t n;
    lgc_pkg_write_mem(p, &b, &n, NULL);
    put("corpus/pkg", "seed-broken-truncated.lgc", b, n / 2);
    b[n - 7] ^= 0x10;
    put("corpus/pkg", "seed-broken-bitflip.lgc", b, n);
    free(b);
    /* the same container claiming a 1024x1024x3 image and hidden 65536 */
    uint64_t shape[3] = {1024, 1024, 3}, layers[12];
    const uint64_t *l;
    size_t nl;
    if (lgc_pkg_get_u64_array(p, "decoder.layers", &l, &nl, NULL) || nl != 12)
        exit(1);
    memcpy(layers, l, sizeof layers);
    layers[1] = 65536, layers[9] = 1024 * 1024 * 3;
    if (lgc_pkg_set_u64(p, "model.hidden", 65536, NULL) ||
        lgc_pkg_set_u64_array(p, "image.shape", shape, 3, NULL) ||
        lgc_pkg_set_u64_array(p, "decoder.layers", layers, 12, NULL))
        exit(1);
    put_pkg("regressions/pkg", "hand-huge-decoder.lgc", p);
    lgc_pkg_free(p);

    p = tiny_codec(6, 6, 1, 2, 3, 8, 2, LGC_DT_F32, 0);
    put_pkg("corpus/pkg", "seed-codec-grey-f32-raw.lgc", p);
    lgc_pkg_free(p);
    p = tiny_codec(6, 6, 1, 2, 3, 8, 2, LGC_DT_F16, 3);
    put_pkg("corpus/pkg", "seed-codec-grey-f16-zstd3.lgc", p);
    lgc_pkg_free(p);
    p = tiny_codec(4, 4, 3, 3, 2, 4, 1, LGC_DT_F16, 0);
    put_pkg("corpus/pkg", "seed-codec-rgb-3class-raw.lgc", p);
    lgc_pkg_free(p);
    p = tiny_codec_g(4, 4, 3, 3, 2, 4, 1, LGC_DT_F16, 0, 1);
    put_pkg("corpus/pkg", "seed-codec-rgb-groups-raw.lgc", p);
    lgc_pkg_free(p);
    p = t_sample(0);
    put_pkg("corpus/pkg", "seed-generic-raw.lgc", p);
    lgc_pkg_free(p);
    p = t_sample(3);
    put_pkg("corpus/pkg", "seed-generic-zstd3.lgc", p);
    lgc_pkg_free(p);
    put("corpus/pkg", "seed-broken-foreign.lgc", "\x89PNG\r\n\x1a\n", 8);
    put("corpus/pkg", "seed-broken-empty.lgc", "", 0);
}

static void idx_seeds(void)
{
    static const uint8_t img3[16 + 2 * 3 * 2] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 2,
                                                  0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255};
    static const uint8_t img4[20 + 2 * 2 * 3] = {0, 0, 8, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2,
                                                  0, 0, 0, 3, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2};
    static const uint8_t lab[8 + 4] = {0, 0, 8, 1, 0, 0, 0, 4, 0, 1, 9, 255};
    put("corpus/idx", "seed-images-rank3.idx", img3, sizeof img3);
    put("corpus/idx", "seed-images-rank4-rgb.idx", img4, sizeof img4);
    put("corpus/idx", "seed-labels.idx", lab, sizeof lab);
    put("corpus/idx", "seed-broken-truncated.idx", img3, sizeof img3 - 1);
    uint8_t t[sizeof img3 + 1];
    memcpy(t, img3, sizeof img3);
    t[sizeof img3] = 0;
    put("corpus/idx", "seed-broken-trailing.idx", t, sizeof t);
    memcpy(t, img3, sizeof img3);
    t[2] = 0x0d; /* float32 */
    put("corpus/idx", "seed-broken-float.idx", t, sizeof img3);
    memcpy(t, img3, sizeof img3);
    t[7] = 0; /* zero images */
    put("corpus/idx", "seed-broken-zero-dim.idx", t, sizeof img3);
    memcpy(t, img3, sizeof img3);
    t[4] = 0xff; /* 4 billion images */
    put("corpus/idx", "seed-broken-huge-dim.idx", t, sizeof img3);
    put("corpus/idx", "seed-broken-gzip.idx", "\x1f\x8b\x08\x00\x00\x00\x00\x00", 8);
    put("corpus/idx", "seed-broken-short.idx", "\0\0", 2);
    put("corpus/idx", "seed-broken-empty.idx", "", 0);
}

static void npy(const char *name, int major, const char *dict, const void *data, size_t n)
{
    uint8_t b[512];
    size_t hs = major == 1 ? 10 : 12, dl = strlen(dict);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (uint8_t)major, b[7] = 0;
    t_put(b + 8, major == 1 ? 2 : 4, dl);
    memcpy(b + hs, dict, dl);
    memcpy(b + hs + dl, data, n);
    put("corpus/npy", name, b, hs + dl + n);
}

static void npy_seeds(void)
{
    static const uint8_t u8[12] = {0, 1, 2, 3, 127, 128, 200, 250, 251, 252, 254, 255};
    static const float f4[4] = {0.0f, 0.25f, 0.5f, 1.0f};
    static const int32_t i4[3] = {0, 7, 255};
    static const int64_t i8[3] = {1, 0, 9};
    uint8_t f4le[16], i4le[12], i8le[24];
    for (int i = 0; i < 4; i++) {
        uint32_t u;
        memcpy(&u, &f4[i], 4);
        t_put(f4le + 4 * i, 4, u);
    }
    for (int i = 0; i < 3; i++)
        t_put(i4le + 4 * i, 4, (uint32_t)i4[i]), t_put(i8le + 8 * i, 8, (uint64_t)i8[i]);
    char hdr[LGC_NPY_HEADER_CAP];
    size_t s3[3] = {3, 2, 2}, s4[4] = {1, 2, 2, 3}, s1[1] = {12};
    uint8_t b[512];
    size_t hn = lgc_npy_header_encode(hdr, sizeof hdr, "|u1", 3, s3);
    memcpy(b, hdr, hn), memcpy(b + hn, u8, 12);
    put("corpus/npy", "seed-images-u1-rank3.npy", b, hn + 12);
    put("corpus/npy", "seed-broken-truncated.npy", b, hn + 11);
    hn = lgc_npy_header_encode(hdr, sizeof hdr, "|u1", 4, s4);
    memcpy(b, hdr, hn), memcpy(b + hn, u8, 12);
    put("corpus/npy", "seed-images-u1-rank4-rgb.npy", b, hn + 12);
    hn = lgc_npy_header_encode(hdr, sizeof hdr, "|u1", 1, s1);
    memcpy(b, hdr, hn), memcpy(b + hn, u8, 12);
    put("corpus/npy", "seed-labels-u1.npy", b, hn + 12);
    npy("seed-images-f4.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }\n",
        f4le, 16);
    npy("seed-images-f4-v2.npy", 2, "{\"shape\": (1, 2, 2), \"descr\": \"<f4\", \"fortran_order\": False}",
        f4le, 16);
    npy("seed-labels-i4.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", i4le, 12);
    npy("seed-labels-i8-long.npy", 1, "{'descr': '<i8', 'fortran_order': True, 'shape': (3L,), }",
        i8le, 24);
    static uint8_t flat[784];
    for (size_t i = 0; i < sizeof flat; i++)
        flat[i] = (uint8_t)(i * 7);
    size_t s2[2] = {1, 784};
    hn = lgc_npy_header_encode(hdr, sizeof hdr, "|u1", 2, s2);
    uint8_t *big = malloc(hn + sizeof flat);
    memcpy(big, hdr, hn), memcpy(big + hn, flat, sizeof flat);
    put("corpus/npy", "seed-images-u1-flat784.npy", big, hn + sizeof flat);
    free(big);
    npy("seed-broken-fortran.npy", 1, "{'descr': '|u1', 'fortran_order': True, 'shape': (1, 2, 2), }",
        u8, 4);
    npy("seed-broken-bigendian.npy", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2, 2), }",
        f4le, 16);
    npy("seed-broken-dup-key.npy", 1, "{'descr': '|u1', 'descr': '|u1', 'shape': (4,), }", u8, 4);
    npy("seed-broken-range.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1), }",
        "\x00\x00\x80\x7f", 4);
    npy("seed-broken-huge.npy", 1,
        "{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999, 2, 2), }", u8, 4);
    npy("seed-broken-version.npy", 4, "{}", "", 0);
    put("corpus/npy", "seed-broken-empty.npy", "", 0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds FUZZ_DIR (tests/fuzz)\n");
        return 2;
    }
    g_dir = argv[1];
    lgc_threads_set(1);
    pkg_seeds();
    idx_seeds();
    npy_seeds();
    return 0;
}
