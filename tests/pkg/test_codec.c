/* test_codec.c - the codec end to end on a tiny synthetic set, and a table of
 * packages that are well-formed containers but meaningless models, each
 * refused by lgc_codec_open with its own error. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/codec.h"
#include "lgc/f16.h"
#include "lgc/tensor.h"
#include "pkgtest.h"

#define H 6
#define W 6
#define N_IMG 300

static lgc_pkg *g_valid; /* made once by lgc_compress */
static lgc_pkg *g_cvae;  /* a conditional one, float16 decoder weights */
static lgc_pkg *g_grouped; /* mixtures per group: class 0 split into groups 4 and 9, class 1 group 12 */

/* Two classes: bright top half or bright bottom half, with noise; h x w x c. */
static void make_data_hwc(lgc_dataset *d, size_t h, size_t w, size_t c)
{
    lgc_rng r;
    lgc_rng_init(&r, 5, 0);
    size_t img = h * w * c;
    d->x.n = N_IMG, d->x.h = h, d->x.w = w, d->x.c = c;
    d->x.pix = malloc(N_IMG * img);
    d->y.n = N_IMG;
    d->y.y = malloc(N_IMG);
    d->n_classes = 2;
    for (size_t i = 0; i < N_IMG; i++) {
        d->y.y[i] = (uint8_t)(i % 3 == 0); /* priors 2/3 and 1/3 */
        for (size_t p = 0; p < img; p++) {
            int top = p < img / 2, on = (d->y.y[i] == 0) == top;
            d->x.pix[i * img + p] = (uint8_t)(on ? 160 + lgc_rng_below(&r, 90) : lgc_rng_below(&r, 60));
        }
    }
}

static void make_data(lgc_dataset *d) { make_data_hwc(d, H, W, 1); }

/* Groups for make_data: class 0 (i % 3 != 0) splits by parity into groups 4
 * (even i) and 9 (odd i, its dark half lifted to 100..159 so the two look
 * apart); class 1 is group 12. groups: (N_IMG). */
static void make_groups(lgc_dataset *d, uint8_t *groups)
{
    size_t img = d->x.h * d->x.w * d->x.c;
    for (size_t i = 0; i < N_IMG; i++) {
        groups[i] = d->y.y[i] ? 12 : i % 2 ? 9 : 4;
        if (groups[i] == 9)
            for (size_t p = img / 2; p < img; p++)
                d->x.pix[i * img + p] = (uint8_t)(100 + d->x.pix[i * img + p]);
    }
}

static void small_opts(lgc_compress_opts *o)
{
    lgc_compress_opts_default(o);
    o->hidden = 16, o->latent = 3, o->train.epochs = 30, o->train.batch = 32;
    o->train.lr = 3e-3f, o->gmm.k_max = 3, o->created = "test";
}

static int setup(void **s)
{
    (void)s;
    lgc_threads_set(2);
    lgc_dataset d;
    make_data(&d);
    lgc_compress_opts o;
    small_opts(&o);
    lgc_compress_report rep;
    lgc_err err;
    lgc_status st = lgc_compress(&d, 2, &o, NULL, NULL, &g_valid, &rep, &err);
    if (st)
        fprintf(stderr, "compress failed: %s\n", err.msg);
    o.model = LGC_MODEL_CVAE, o.decoder_dtype = LGC_DT_F16, o.train.epochs = 2;
    if (!st && (st = lgc_compress(&d, 2, &o, NULL, NULL, &g_cvae, &rep, &err)))
        fprintf(stderr, "compress cvae failed: %s\n", err.msg);
    lgc_dataset_free(&d);
    uint8_t groups[N_IMG];
    make_data(&d);
    make_groups(&d, groups);
    small_opts(&o);
    o.groups = groups;
    if (!st && (st = lgc_compress(&d, 2, &o, NULL, NULL, &g_grouped, &rep, &err)))
        fprintf(stderr, "compress with groups failed: %s\n", err.msg);
    lgc_dataset_free(&d);
    return st != LGC_OK;
}

static int teardown(void **s)
{
    (void)s;
    lgc_pkg_free(g_valid);
    lgc_pkg_free(g_cvae);
    lgc_pkg_free(g_grouped);
    return 0;
}

static void test_roundtrip_and_generate(void **s)
{
    (void)s;
    uint8_t *b1, *b2;
    size_t n1, n2;
    lgc_pkg *p2;
    assert_int_equal(lgc_pkg_write_mem(g_valid, &b1, &n1, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_read_mem(b1, n1, NULL, &p2, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_write_mem(p2, &b2, &n2, NULL), LGC_OK);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    lgc_codec c;
    lgc_err err;
    lgc_status st = lgc_codec_open(&c, p2, "<test>", 64, &err);
    if (st)
        fail_msg("%s", err.msg);
    assert_int_equal(c.n_classes, 2);
    assert_true(fabs(c.priors[0] - 2.0 / 3.0) < 1e-9);
    /* Regenerated images of each class must look like the class: mean
     * brightness of the top half above the bottom half for class 0, below for class 1. */
    lgc_rng r;
    lgc_rng_init(&r, 1, 0);
    uint8_t img[200 * H * W];
    for (size_t cls = 0; cls < 2; cls++) {
        assert_int_equal(lgc_codec_generate(&c, cls, 200, &r, img, NULL), LGC_OK);
        double top = 0, bot = 0;
        for (size_t i = 0; i < 200; i++)
            for (size_t p = 0; p < H * W; p++)
                *(p < H * W / 2 ? &top : &bot) += img[i * H * W + p];
        if (cls == 0)
            assert_true(top > 2 * bot);
        else
            assert_true(bot > 2 * top);
    }
    lgc_codec_free(&c);
    lgc_pkg_free(p2);
    free(b1), free(b2);
}

/* int8 decoder weights (the default) against float16: nearly the same weights. */
static void test_int8_decoder(void **s)
{
    (void)s;
    lgc_dataset d;
    make_data(&d);
    lgc_compress_opts o;
    small_opts(&o);
    o.decoder_dtype = LGC_DT_F16;
    lgc_pkg *p8;
    lgc_compress_report rep;
    assert_int_equal(lgc_compress(&d, 2, &o, NULL, NULL, &p8, &rep, NULL), LGC_OK);
    lgc_dataset_free(&d);
    const lgc_pkg_tensor *t = lgc_pkg_find(g_valid, "dec.2.w");
    assert_non_null(t);
    assert_int_equal(t->dtype, LGC_DT_I8);
    assert_non_null(lgc_pkg_find(g_valid, "dec.2.w.scale"));
    assert_int_equal(lgc_pkg_find(p8, "dec.2.w")->dtype, LGC_DT_F16);
    assert_null(lgc_pkg_find(p8, "dec.2.w.scale"));
    lgc_codec c8, c16;
    assert_int_equal(lgc_codec_open(&c8, g_valid, "<i8>", 64, NULL), LGC_OK);
    assert_int_equal(lgc_codec_open(&c16, p8, "<f16>", 64, NULL), LGC_OK);
    /* same training seed: weights agree to int8 resolution */
    for (size_t i = 0; i < c8.dec.layers[2].n_w; i++) {
        float a = c8.dec.params[c8.dec.layers[2].w_off + i], b = c16.dec.params[c16.dec.layers[2].w_off + i];
        assert_true(fabsf(a - b) < 0.02f * (1.0f + fabsf(b)));
    }
    lgc_codec_free(&c8);
    lgc_codec_free(&c16);
    lgc_pkg_free(p8);
}

/* What decompress writes for class c is what lgc_codec_generate draws from
 * the same stream, (c + 1) << 40 | block: also for a conditional decoder,
 * whose rows are [z, one-hot]. */
static void check_decompress_matches_generate(const lgc_pkg *p)
{
    lgc_codec c;
    assert_int_equal(lgc_codec_open(&c, p, "<test>", 16, NULL), LGC_OK);
    size_t N = 90, img = c.c * c.h * c.w, counts[LGC_MAX_CLASSES];
    uint8_t *x = malloc(N * img), *y = malloc(N), *g = malloc(N * img);
    assert_int_equal(lgc_codec_decompress_mem(&c, N, 7, LGC_BALANCE_PRIOR, LGC_ORDER_CLASS, x, y, NULL), LGC_OK);
    lgc_class_counts(c.priors, c.n_classes, N, counts);
    for (size_t cls = 0, pos = 0; cls < c.n_classes; pos += counts[cls++]) {
        lgc_rng r;
        lgc_rng_init(&r, 7, (uint64_t)(cls + 1) << 40);
        assert_int_equal(lgc_codec_generate(&c, cls, counts[cls], &r, g, NULL), LGC_OK);
        assert_memory_equal(x + pos * img, g, counts[cls] * img);
        for (size_t i = 0; i < counts[cls]; i++)
            assert_int_equal(y[pos + i], cls);
    }
    free(x), free(y), free(g);
    lgc_codec_free(&c);
}

static void test_decompress_matches_generate(void **s)
{
    (void)s;
    check_decompress_matches_generate(g_valid);
    check_decompress_matches_generate(g_cvae);
}

/* 1 when an image (img pixels) is bright where class y is: class 0 on top,
 * class 1 below (make_data). */
static int looks_like(const uint8_t *x, size_t img, uint8_t y)
{
    double top = 0, bottom = 0;
    for (size_t q = 0; q < img; q++)
        *(q < img / 2 ? &top : &bottom) += x[q];
    return (top > bottom) == (y == 0);
}

/* Shuffled order: the same number of each class as class order, labels in a
 * mixed order, every image still paired with its label (class 0 is bright on
 * top, class 1 below), and the same bytes whatever the thread count. */
static void check_shuffled(const lgc_pkg *p)
{
    lgc_codec c;
    assert_int_equal(lgc_codec_open(&c, p, "<test>", 16, NULL), LGC_OK);
    size_t N = 5000, img = c.c * c.h * c.w, counts[LGC_MAX_CLASSES], seen[LGC_MAX_CLASSES] = {0};
    uint8_t *x = malloc(N * img), *y = malloc(N), *x2 = malloc(N * img), *y2 = malloc(N);
    lgc_threads_set(1);
    assert_int_equal(lgc_codec_decompress_mem(&c, N, 7, LGC_BALANCE_PRIOR, LGC_ORDER_SHUFFLED, x,
                                              y, NULL), LGC_OK);
    lgc_threads_set(2);
    assert_int_equal(lgc_codec_decompress_mem(&c, N, 7, LGC_BALANCE_PRIOR, LGC_ORDER_SHUFFLED, x2,
                                              y2, NULL), LGC_OK);
    assert_memory_equal(x, x2, N * img);
    assert_memory_equal(y, y2, N);
    lgc_class_counts(c.priors, c.n_classes, N, counts);
    size_t changes = 0, paired = 0, paired_class = 0;
    for (size_t i = 0; i < N; i++) {
        seen[y[i]]++;
        changes += i && y[i] != y[i - 1];
        paired += looks_like(x + i * img, img, y[i]);
    }
    /* as often as in class order, where labels and images cannot come apart */
    assert_int_equal(lgc_codec_decompress_mem(&c, N, 7, LGC_BALANCE_PRIOR, LGC_ORDER_CLASS, x2,
                                              y2, NULL), LGC_OK);
    for (size_t i = 0; i < N; i++)
        paired_class += looks_like(x2 + i * img, img, y2[i]);
    fprintf(stderr, "images that look like their label: shuffled %zu, class order %zu of %zu\n",
            paired, paired_class, N);
    assert_true(paired + N / 50 > paired_class && paired_class + N / 50 > paired);
    for (size_t k = 0; k < c.n_classes; k++)
        assert_int_equal(seen[k], counts[k]);
    /* a random order of two equal classes changes label about N/2 times;
     * class order once */
    assert_true(changes > N / 3);
    /* the first 100 already hold both classes */
    size_t first0 = 0;
    for (size_t i = 0; i < 100; i++)
        first0 += y[i] == 0;
    assert_true(first0 > 20 && first0 < 80);
    free(x), free(y), free(x2), free(y2);
    lgc_codec_free(&c);
}

static void test_decompress_shuffled(void **s)
{
    (void)s;
    check_shuffled(g_valid);
    check_shuffled(g_cvae);
}

/* Mixtures per group: the keys and the flag, what opening gives back, the
 * counts of each balance, and samples that look like their group. */
static void test_groups(void **s)
{
    (void)s;
    assert_int_equal(lgc_pkg_features(g_grouped), LGC_PKG_FLAG_MIXTURES);
    assert_int_equal(lgc_pkg_features(g_valid), 0u);
    assert_null(lgc_pkg_find_kv(g_valid, "mixtures"));
    uint8_t *b;
    size_t nb;
    lgc_pkg *q;
    assert_int_equal(lgc_pkg_write_mem(g_grouped, &b, &nb, NULL), LGC_OK);
    assert_int_equal(b[10], 1); /* format 1.1 */
    assert_int_equal(lgc_pkg_read_mem(b, nb, NULL, &q, NULL), LGC_OK);
    lgc_codec c;
    lgc_err err;
    if (lgc_codec_open(&c, q, "<groups>", 16, &err))
        fail_msg("%s", err.msg);
    assert_true(c.grouped);
    assert_int_equal(c.n_classes, 2);
    assert_int_equal(c.n_mix, 3);
    const uint8_t want_group[3] = {4, 9, 12}, want_class[3] = {0, 0, 1};
    assert_memory_equal(c.mix_group, want_group, 3);
    assert_memory_equal(c.mix_class, want_class, 3);
    /* 300 images: class 1 has 100 (i % 3 == 0), group 4 the 100 even ones of class 0 */
    assert_true(fabs(c.mix_prior[0] - 100.0 / 300) < 1e-12);
    assert_true(fabs(c.mix_prior[1] - 100.0 / 300) < 1e-12);
    assert_true(fabs(c.priors[0] - 200.0 / 300) < 1e-12);
    size_t cnt[LGC_MAX_GROUPS];
    assert_int_equal(lgc_codec_counts(&c, 1000, LGC_BALANCE_PRIOR, cnt, NULL), LGC_OK);
    assert_int_equal(cnt[0] + cnt[1] + cnt[2], 1000);
    assert_true(cnt[0] >= 333 && cnt[0] <= 334 && cnt[2] >= 333 && cnt[2] <= 334);
    assert_int_equal(lgc_codec_counts(&c, 1001, LGC_BALANCE_CLASSES, cnt, NULL), LGC_OK);
    assert_int_equal(cnt[0] + cnt[1], 501); /* ties to the lower class */
    assert_int_equal(cnt[2], 500);
    assert_int_equal(cnt[0], 251);          /* 501 split 1:1 between groups 4 and 9 */
    assert_int_equal(lgc_codec_counts(&c, 1001, LGC_BALANCE_GROUPS, cnt, NULL), LGC_OK);
    assert_int_equal(cnt[0], 334);
    assert_int_equal(cnt[1], 334);
    assert_int_equal(cnt[2], 333);
    /* decompress: mixture after mixture, labelled by its class, each block
     * from the stream (m + 1) << 40 | block, as generate_mixture draws it */
    size_t N = 61, img = H * W;
    uint8_t *x = malloc(N * img), *y = malloc(N), *g = malloc(N * img);
    assert_int_equal(lgc_codec_decompress_mem(&c, N, 3, LGC_BALANCE_GROUPS, LGC_ORDER_CLASS, x, y, NULL), LGC_OK);
    assert_int_equal(lgc_codec_counts(&c, N, LGC_BALANCE_GROUPS, cnt, NULL), LGC_OK);
    for (size_t m = 0, pos = 0; m < 3; pos += cnt[m++]) {
        lgc_rng r;
        lgc_rng_init(&r, 3, (uint64_t)(m + 1) << 40);
        assert_int_equal(lgc_codec_generate_mixture(&c, m, cnt[m], &r, g, NULL), LGC_OK);
        assert_memory_equal(x + pos * img, g, cnt[m] * img);
        for (size_t i = 0; i < cnt[m]; i++)
            assert_int_equal(y[pos + i], want_class[m]);
    }
    /* group 9's dark half is lifted, group 4's is not; both are class 0 (top bright) */
    double lower[3] = {0};
    lgc_rng r;
    lgc_rng_init(&r, 4, 0);
    uint8_t *gen = malloc(200 * img);
    for (size_t m = 0; m < 3; m++) {
        assert_int_equal(lgc_codec_generate_mixture(&c, m, 200, &r, gen, NULL), LGC_OK);
        for (size_t i = 0; i < 200; i++)
            for (size_t p = img / 2; p < img; p++)
                lower[m] += gen[i * img + p] / (200.0 * (double)(img / 2));
    }
    fprintf(stderr, "mean of the lower half: group 4 %.1f, group 9 %.1f, group 12 %.1f\n",
            lower[0], lower[1], lower[2]);
    assert_true(lower[1] > lower[0] + 40.0);
    assert_true(lower[2] > lower[1]); /* class 1 is bright below */
    /* a class drawn as a whole: groups 4 and 9 in proportion, so in between */
    assert_int_equal(lgc_codec_generate(&c, 0, 200, &r, gen, NULL), LGC_OK);
    double mixed = 0;
    for (size_t i = 0; i < 200; i++)
        for (size_t p = img / 2; p < img; p++)
            mixed += gen[i * img + p] / (200.0 * (double)(img / 2));
    assert_true(mixed > lower[0] + 10.0 && mixed < lower[1] - 10.0);
    assert_int_equal(lgc_codec_generate_mixture(&c, 3, 1, &r, gen, &err), LGC_ERR_ARG);
    free(x), free(y), free(g), free(gen), free(b);
    lgc_codec_free(&c);
    lgc_pkg_free(q);
    /* balance by groups needs groups */
    assert_int_equal(lgc_codec_open(&c, g_valid, "<classes>", 16, NULL), LGC_OK);
    assert_false(c.grouped);
    assert_int_equal(c.n_mix, 2);
    assert_int_equal(lgc_codec_counts(&c, 10, LGC_BALANCE_GROUPS, cnt, &err), LGC_ERR_ARG);
    assert_int_equal(lgc_codec_counts(&c, 10, LGC_BALANCE_CLASSES, cnt, NULL), LGC_OK);
    assert_int_equal(cnt[0], 5);
    lgc_codec_free(&c);
}

/* Groups that are not within one class, and side files, are refused. */
static void test_groups_refused(void **s)
{
    (void)s;
    lgc_dataset d;
    make_data(&d);
    uint8_t groups[N_IMG];
    make_groups(&d, groups);
    groups[5] = 12; /* image 5 is class 0; group 12 is class 1's */
    lgc_compress_opts o;
    small_opts(&o);
    o.groups = groups, o.train.epochs = 1;
    lgc_pkg *p = (lgc_pkg *)&o;
    lgc_compress_report rep;
    lgc_err err;
    assert_int_equal(lgc_compress(&d, 2, &o, NULL, NULL, &p, &rep, &err), LGC_ERR_VALUE);
    assert_null(p);
    assert_non_null(strstr(err.msg, "group 12 holds images of class 1 (index 0) and class 0 "
                                    "(index 5)"));
    groups[5] = 4;
    o.keep_side = 1;
    assert_int_equal(lgc_compress(&d, 2, &o, NULL, NULL, &p, &rep, &err), LGC_ERR_ARG);
    assert_non_null(strstr(err.msg, "side file"));
    lgc_dataset_free(&d);
}

static void test_class_counts(void **s)
{
    (void)s;
    lgc_rng r;
    lgc_rng_init(&r, 9, 0);
    for (int t = 0; t < 1000; t++) {
        size_t K = 1 + lgc_rng_below(&r, LGC_MAX_CLASSES), N = lgc_rng_below(&r, 100000);
        double pr[LGC_MAX_CLASSES], sum = 0;
        for (size_t k = 0; k < K; k++)
            sum += pr[k] = lgc_rng_uniform(&r);
        for (size_t k = 0; k < K; k++)
            pr[k] /= sum;
        size_t cnt[LGC_MAX_CLASSES], tot = 0;
        lgc_class_counts(pr, K, N, cnt);
        for (size_t k = 0; k < K; k++) {
            tot += cnt[k];
            assert_true(fabs((double)cnt[k] - pr[k] * (double)N) < 1.0 + 1e-9);
        }
        assert_int_equal(tot, N);
    }
}

/* ---- mutations: copy the valid package, changing one thing ---- */

typedef enum {
    M_KV_STR, M_KV_U64, M_KV_F64ARR, M_KV_U64ARR_ENTRY, M_T_VALUE, M_T_DROP, M_T_SHAPE,
    M_KV_DROP,   /* leave the key out */
    M_FLAG_DROP, /* leave the feature flags out */
    M_KV_F64ARR_SWAP /* swap entries index and u of an f64 array */
} mkind;

typedef struct {
    const char *what;
    mkind kind;
    const char *name;  /* key or tensor */
    const char *str;   /* M_KV_STR */
    uint64_t u;        /* M_KV_U64, M_KV_U64ARR_ENTRY value */
    size_t index;      /* entry or element index */
    double f;          /* M_KV_F64ARR value at index / M_T_VALUE value (or scale if scale) */
    int scale;         /* M_T_VALUE: multiply all elements by f */
    lgc_status expect;
    const char *msg;   /* substring of the error */
} mutation;

static lgc_pkg *mutate_from(const lgc_pkg *base, const mutation *m)
{
    lgc_pkg *p = lgc_pkg_new();
    if (m->kind != M_FLAG_DROP)
        assert_int_equal(lgc_pkg_set_features(p, lgc_pkg_features(base), NULL), LGC_OK);
    for (size_t i = 0; i < lgc_pkg_n_kv(base); i++) {
        const lgc_pkg_kv *kv = lgc_pkg_kv_at(base, i);
        int hit = strcmp(kv->key, m->name) == 0;
        if (hit && m->kind == M_KV_DROP)
            continue;
        switch (kv->type) {
        case LGC_KV_U64: lgc_pkg_set_u64(p, kv->key, hit && m->kind == M_KV_U64 ? m->u : kv->v.u64, NULL); break;
        case LGC_KV_I64: lgc_pkg_set_i64(p, kv->key, kv->v.i64, NULL); break;
        case LGC_KV_F64: lgc_pkg_set_f64(p, kv->key, kv->v.f64, NULL); break;
        case LGC_KV_STR: lgc_pkg_set_str(p, kv->key, hit && m->kind == M_KV_STR ? m->str : kv->v.str, NULL); break;
        case LGC_KV_F64_ARRAY: {
            double a[64];
            memcpy(a, kv->v.f64s, kv->n * sizeof *a);
            if (hit && m->kind == M_KV_F64ARR)
                a[m->index] = m->f;
            if (hit && m->kind == M_KV_F64ARR_SWAP) {
                double t = a[m->index];
                a[m->index] = a[m->u], a[m->u] = t;
            }
            lgc_pkg_set_f64_array(p, kv->key, a, kv->n, NULL);
            break;
        }
        case LGC_KV_U64_ARRAY: {
            uint64_t a[64];
            memcpy(a, kv->v.u64s, kv->n * sizeof *a);
            if (hit && m->kind == M_KV_U64ARR_ENTRY)
                a[m->index] = m->u;
            lgc_pkg_set_u64_array(p, kv->key, a, kv->n, NULL);
            break;
        }
        }
    }
    for (size_t i = 0; i < lgc_pkg_n_tensors(base); i++) {
        const lgc_pkg_tensor *t = lgc_pkg_tensor_at(base, i);
        int hit = strcmp(t->name, m->name) == 0;
        if (hit && m->kind == M_T_DROP)
            continue;
        if (t->dtype != LGC_DT_F32 && t->dtype != LGC_DT_F16) { /* int8 weights: copied as they are */
            assert_false(hit);
            assert_int_equal(lgc_pkg_add_tensor(p, t->name, t->dtype, t->rank, t->shape, t->data, NULL), LGC_OK);
            continue;
        }
        float *v = malloc(t->n_elem * sizeof *v);
        lgc_pkg_tensor_to_f32(t, v, NULL);
        uint64_t shape[4];
        memcpy(shape, t->shape, sizeof shape);
        uint64_t n = t->n_elem;
        if (hit && m->kind == M_T_VALUE) {
            if (m->scale)
                for (size_t j = 0; j < n; j++)
                    v[j] = (float)(v[j] * m->f);
            else
                v[m->index] = (float)m->f;
        }
        if (hit && m->kind == M_T_SHAPE)
            shape[t->rank - 1] -= 1; /* drop the last column: a smaller, consistent tensor */
        float *packed = v;
        if (hit && m->kind == M_T_SHAPE) {
            size_t rows = n / t->shape[t->rank - 1], cols = t->shape[t->rank - 1];
            packed = malloc(n * sizeof *packed);
            for (size_t r = 0; r < rows; r++)
                memcpy(packed + r * (cols - 1), v + r * cols, (cols - 1) * sizeof *v);
        }
        assert_int_equal(lgc_pkg_add_tensor_f32(p, t->name, t->dtype, t->rank, shape, packed, NULL), LGC_OK);
        if (packed != v)
            free(packed);
        free(v);
    }
    return p;
}

/* p through bytes, as a receiver would see it: a new package read back from p's encoding. */
static lgc_pkg *reread(const lgc_pkg *p)
{
    uint8_t *b;
    size_t nb;
    lgc_pkg *q;
    assert_int_equal(lgc_pkg_write_mem(p, &b, &nb, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_read_mem(b, nb, NULL, &q, NULL), LGC_OK);
    free(b);
    return q;
}

/* Every mutation of table, applied to base, is refused as it says. */
static void run_table(const lgc_pkg *base, const mutation *table, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const mutation *m = &table[i];
        lgc_pkg *p = mutate_from(base, m);
        lgc_pkg *q = reread(p);
        lgc_codec c;
        lgc_err err;
        lgc_err_clear(&err);
        lgc_status st = lgc_codec_open(&c, q, "pkg.lgc", 16, &err);
        if (getenv("LGC_TEST_VERBOSE"))
            fprintf(stderr, "%-36s -> %s: %s\n", m->what, lgc_status_str(st), err.msg);
        if (st != m->expect || (m->expect && !strstr(err.msg, m->msg)))
            fail_msg("%s: got %s '%s', expected %s with '%s'", m->what, lgc_status_str(st), err.msg,
                     lgc_status_str(m->expect), m->msg);
        if (m->expect)
            assert_true(strncmp(err.msg, "pkg.lgc: ", 9) == 0);
        else
            lgc_codec_free(&c);
        lgc_pkg_free(q);
        lgc_pkg_free(p);
    }
}

static void test_bad_packages(void **s)
{
    (void)s;
    const mutation table[] = {
        {"control: unchanged copy", M_KV_STR, "none", NULL, 0, 0, 0, 0, LGC_OK, ""},
        {"NaN mixture weight", M_T_VALUE, "gmm.0.weights", NULL, 0, 0, NAN, 0, LGC_ERR_VALUE, "gmm.0.weights"},
        {"weights not summing to 1", M_T_VALUE, "gmm.1.weights", NULL, 0, 0, 0.5, 1, LGC_ERR_VALUE, "sum to"},
        {"negative factor diagonal", M_T_VALUE, "gmm.0.chol", NULL, 0, 0, -0.5, 0, LGC_ERR_VALUE, "non-positive factor diagonal"},
        {"zero factor diagonal", M_T_VALUE, "gmm.1.chol", NULL, 0, 2, 0.0, 0, LGC_ERR_VALUE, "non-positive factor diagonal"},
        {"infinite decoder bias", M_T_VALUE, "dec.0.b", NULL, 0, 3, INFINITY, 0, LGC_ERR_VALUE, "dec.0.b"},
        {"zero int8 scale", M_T_VALUE, "dec.2.w.scale", NULL, 0, 5, 0.0, 0, LGC_ERR_VALUE, "not a positive scale"},
        {"NaN int8 scale", M_T_VALUE, "dec.0.w.scale", NULL, 0, 1, NAN, 0, LGC_ERR_VALUE, "dec.0.w.scale"},
        {"missing int8 scale", M_T_DROP, "dec.2.w.scale", NULL, 0, 0, 0, 0, LGC_ERR_FORMAT, "dec.2.w.scale"},
        {"infinite mean", M_T_VALUE, "gmm.0.means", NULL, 0, 1, -INFINITY, 0, LGC_ERR_VALUE, "gmm.0.means"},
        {"unknown model kind", M_KV_STR, "model.kind", "transformer", 0, 0, 0, 0, LGC_ERR_VERSION, "unknown"},
        {"priors not summing to 1", M_KV_F64ARR, "class.priors", NULL, 0, 0, 0.9, 0, LGC_ERR_VALUE, "class.priors"},
        {"negative prior", M_KV_F64ARR, "class.priors", NULL, 0, 1, -0.1, 0, LGC_ERR_VALUE, "class.priors"},
        {"NaN prior", M_KV_F64ARR, "class.priors", NULL, 0, 0, NAN, 0, LGC_ERR_VALUE, "class.priors"},
        {"K larger than stored", M_KV_U64ARR_ENTRY, "gmm.k", NULL, 3, 0, 0, 0, LGC_ERR_FORMAT, "shape"},
        {"K zero", M_KV_U64ARR_ENTRY, "gmm.k", NULL, 0, 1, 0, 0, LGC_ERR_VALUE, "gmm.k"},
        {"absurd K", M_KV_U64ARR_ENTRY, "gmm.k", NULL, 1u << 30, 0, 0, 0, LGC_ERR_VALUE, "gmm.k"},
        {"decoder tensor of the wrong shape", M_T_SHAPE, "dec.2.b", NULL, 0, 0, 0, 0, LGC_ERR_FORMAT, "has shape"},
        {"mixture means of the wrong shape", M_T_SHAPE, "gmm.1.means", NULL, 0, 0, 0, 0, LGC_ERR_FORMAT, "has shape"},
        {"missing decoder bias", M_T_DROP, "dec.0.b", NULL, 0, 0, 0, 0, LGC_ERR_FORMAT, "dec.0.b"},
        {"missing mixture", M_T_DROP, "gmm.1.chol", NULL, 0, 0, 0, 0, LGC_ERR_FORMAT, "gmm.1.chol"},
        {"decoder layer list altered", M_KV_U64ARR_ENTRY, "decoder.layers", NULL, 2, 4, 0, 0, LGC_ERR_VALUE, "decoder layer"},
        {"decoder layer unknown kind", M_KV_U64ARR_ENTRY, "decoder.layers", NULL, 99, 0, 0, 0, LGC_ERR_VALUE, "decoder layer"},
        {"absurd latent", M_KV_U64, "model.latent", NULL, 1000000000, 0, 0, 0, LGC_ERR_VALUE, "model.latent"},
        {"no classes", M_KV_U64, "classes", NULL, 0, 0, 0, 0, LGC_ERR_VALUE, "classes"},
        {"too many classes", M_KV_U64, "classes", NULL, 1000, 0, 0, 0, LGC_ERR_VALUE, "classes"},
        {"classes disagree with priors", M_KV_U64, "classes", NULL, 3, 0, 0, 0, LGC_ERR_VALUE, "entries"},
        {"two-channel image", M_KV_U64ARR_ENTRY, "image.shape", NULL, 2, 2, 0, 0, LGC_ERR_VALUE, "image.shape"},
        {"huge image", M_KV_U64ARR_ENTRY, "image.shape", NULL, 100000, 0, 0, 0, LGC_ERR_VALUE, "image.shape"},
    };
    run_table(g_valid, table, sizeof table / sizeof *table);
}

static void test_bad_grouped_packages(void **s)
{
    (void)s;
    const mutation table[] = {
        {"control: unchanged grouped copy", M_KV_STR, "none", NULL, 0, 0, 0, 0, LGC_OK, ""},
        {"keys without the flag", M_FLAG_DROP, "none", NULL, 0, 0, 0, 0, LGC_ERR_VALUE,
         "without the required flag"},
        {"flag without mixtures", M_KV_DROP, "mixtures", NULL, 0, 0, 0, 0, LGC_ERR_FORMAT,
         "'mixtures'"},
        {"missing mixture priors", M_KV_DROP, "mixture.priors", NULL, 0, 0, 0, 0, LGC_ERR_FORMAT,
         "mixture.priors"},
        {"fewer mixtures than classes", M_KV_U64, "mixtures", NULL, 1, 0, 0, 0, LGC_ERR_VALUE,
         "mixtures = 1"},
        {"absurd mixtures", M_KV_U64, "mixtures", NULL, 100000, 0, 0, 0, LGC_ERR_VALUE,
         "mixtures = 100000"},
        {"mixtures disagree with the arrays", M_KV_U64, "mixtures", NULL, 2, 0, 0, 0,
         LGC_ERR_VALUE, "entries"},
        {"a mixture of no class", M_KV_U64ARR_ENTRY, "mixture.class", NULL, 2, 1, 0, 0,
         LGC_ERR_VALUE, "mixture.class[1] = 2"},
        {"a class without mixture", M_KV_U64ARR_ENTRY, "mixture.class", NULL, 0, 2, 0, 0,
         LGC_ERR_VALUE, "class 1 has no mixture"},
        {"class priors disagree", M_KV_U64ARR_ENTRY, "mixture.class", NULL, 1, 1, 0, 0,
         LGC_ERR_VALUE, "mixtures of class 0 have priors summing to"},
        {"groups not increasing", M_KV_U64ARR_ENTRY, "mixture.group", NULL, 2, 1, 0, 0,
         LGC_ERR_VALUE, "mixture.group[1] = 2"},
        {"duplicate group", M_KV_U64ARR_ENTRY, "mixture.group", NULL, 9, 2, 0, 0, LGC_ERR_VALUE,
         "mixture.group[2] = 9"},
        {"group id above 255", M_KV_U64ARR_ENTRY, "mixture.group", NULL, 256, 2, 0, 0,
         LGC_ERR_VALUE, "mixture.group[2] = 256"},
        {"NaN mixture prior", M_KV_F64ARR, "mixture.priors", NULL, 0, 0, NAN, 0, LGC_ERR_VALUE,
         "mixture.priors[0]"},
        {"negative mixture prior", M_KV_F64ARR, "mixture.priors", NULL, 0, 2, -0.1, 0,
         LGC_ERR_VALUE, "mixture.priors[2]"},
        {"mixture priors not summing to 1", M_KV_F64ARR, "mixture.priors", NULL, 0, 1, 0.5, 0,
         LGC_ERR_VALUE, "sum to"},
        {"class priors swapped", M_KV_F64ARR_SWAP, "class.priors", NULL, 1, 0, 0, 0,
         LGC_ERR_VALUE, "summing to"},
        {"missing third mixture", M_T_DROP, "gmm.2.means", NULL, 0, 0, 0, 0, LGC_ERR_FORMAT,
         "gmm.2.means"},
    };
    run_table(g_grouped, table, sizeof table / sizeof *table);
}

/* The conditional decoder reads [z, one-hot]: its input must be latent + classes. */
static void test_bad_cvae_packages(void **s)
{
    (void)s;
    const mutation table[] = {
        {"control: unchanged cvae", M_KV_STR, "none", NULL, 0, 0, 0, 0, LGC_OK, ""},
        {"cvae decoder one input short", M_T_SHAPE, "dec.0.w", NULL, 0, 0, 0, 0, LGC_ERR_FORMAT,
         "the cvae decoder takes latent + classes = 5"},
        {"cvae package relabelled vae", M_KV_STR, "model.kind", "vae", 0, 0, 0, 0, LGC_ERR_FORMAT,
         "decoder input is 5 wide, the vae decoder takes latent = 3"},
        {"cvae mixtures one dimension short", M_T_SHAPE, "gmm.0.means", NULL, 0, 0, 0, 0,
         LGC_ERR_FORMAT, "has shape"},
    };
    run_table(g_cvae, table, sizeof table / sizeof *table);
}

/* Every family: compress a tiny set, write, read, open, and regenerate images
 * that look like their class. 8 x 8 images: the conv kinds need sides
 * divisible by 4; conv-ae also runs on 3 channels. */
static void test_every_model(void **s)
{
    (void)s;
    for (int k = 0; k <= LGC_N_MODELS; k++) {
        lgc_model_kind kind = k < LGC_N_MODELS ? (lgc_model_kind)k : LGC_MODEL_CONV_AE;
        size_t ch = k < LGC_N_MODELS ? 1 : 3, img = 8 * 8 * ch;
        lgc_dataset d;
        make_data_hwc(&d, 8, 8, ch);
        lgc_compress_opts o;
        small_opts(&o);
        o.model = kind;
        o.train.epochs = 20;
        o.latent = 8; /* with 3, ae-supcon's ReLU code can die entirely (MSE is a weak pull) */
        lgc_pkg *p, *q;
        lgc_compress_report rep;
        lgc_err err;
        if (lgc_compress(&d, 2, &o, NULL, NULL, &p, &rep, &err))
            fail_msg("%s: %s", lgc_model_name(kind), err.msg);
        lgc_dataset_free(&d);
        uint8_t *b;
        size_t nb;
        assert_int_equal(lgc_pkg_write_mem(p, &b, &nb, NULL), LGC_OK);
        assert_int_equal(lgc_pkg_read_mem(b, nb, NULL, &q, NULL), LGC_OK);
        const lgc_pkg_kv *kv = lgc_pkg_find_kv(q, "model.kind");
        assert_non_null(kv);
        assert_string_equal(kv->v.str, lgc_model_name(kind));
        lgc_codec c;
        if (lgc_codec_open(&c, q, "<test>", 64, &err))
            fail_msg("%s: %s", lgc_model_name(kind), err.msg);
        assert_int_equal(c.kind, kind);
        assert_int_equal(c.dec_in, lgc_model_family_get(kind)->conditional ? o.latent + 2 : o.latent);
        lgc_rng r;
        lgc_rng_init(&r, 1, 0);
        uint8_t *gen = malloc(100 * img);
        double top[2] = {0}, bot[2] = {0};
        for (size_t cls = 0; cls < 2; cls++) {
            assert_int_equal(lgc_codec_generate(&c, cls, 100, &r, gen, NULL), LGC_OK);
            for (size_t i = 0; i < 100 * img; i++)
                *(i % img < img / 2 ? &top[cls] : &bot[cls]) += gen[i];
        }
        fprintf(stderr, "%-10s %zu ch: %zu bytes, class 0 top/bottom %.2f, class 1 %.2f\n",
                lgc_model_name(kind), ch, nb, top[0] / bot[0], top[1] / bot[1]);
        /* class 0 bright on top; class 1 far less so (vae-supcon, whose weight
         * of 20 swamps the reconstruction on this tiny set, gets to ~0.7) */
        assert_true(top[0] > 1.5 * bot[0]);
        assert_true(top[0] / bot[0] > 4.0 * (top[1] / bot[1]));
        free(gen), free(b);
        lgc_codec_free(&c);
        lgc_pkg_free(q);
        lgc_pkg_free(p);
    }
}


/* ---- hybrid packages: real images mixed in (FORMAT.md 10.4) ---- */

enum { N_EX = 7 };

/* g_valid through bytes (a package that can be changed), and N_EX exemplars
 * no decoder would draw: image e is the ramp e+1, e+2, ... */
static lgc_pkg *copy_valid(void) { return reread(g_valid); }

static void make_exemplars(lgc_images *x, uint8_t *lab)
{
    *x = (lgc_images){N_EX, H, W, 1, malloc(N_EX * H * W)};
    for (size_t e = 0; e < N_EX; e++) {
        lab[e] = (uint8_t)(e % 2);
        for (size_t q = 0; q < H * W; q++)
            x->pix[e * H * W + q] = (uint8_t)(e + 1 + 3 * q);
    }
}

/* Which exemplar image i of x is, or -1. */
static int exemplar_of(const uint8_t *img, const lgc_images *ex)
{
    for (size_t e = 0; e < ex->n; e++)
        if (!memcmp(img, ex->pix + e * H * W, H * W))
            return (int)e;
    return -1;
}

static void test_exemplars(void **s)
{
    (void)s;
    lgc_images ex;
    uint8_t lab[N_EX];
    make_exemplars(&ex, lab);
    lgc_pkg *p = copy_valid();
    lgc_err err;
    assert_int_equal(lgc_codec_put_exemplars(p, &ex, lab, 0.3, "random", &err), LGC_OK);
    uint8_t *b;
    size_t nb;
    lgc_pkg *q;
    assert_int_equal(lgc_pkg_write_mem(p, &b, &nb, NULL), LGC_OK);
    assert_int_equal(t_get(b + 10, 2), 2); /* format 1.2: a 1.1 reader refuses it by its flag */
    assert_int_equal(t_get(b + 12, 4) & 0x4, 0x4);
    assert_int_equal(lgc_pkg_read_mem(b, nb, NULL, &q, NULL), LGC_OK);
    lgc_codec c;
    assert_int_equal(lgc_codec_open(&c, q, "<hybrid>", 64, &err), LGC_OK);
    assert_int_equal(c.n_ex, N_EX);
    const size_t NS[] = {1, 10, 333, 1000};
    for (size_t t = 0; t < sizeof NS / sizeof *NS; t++) {
        size_t N = NS[t], R = lgc_codec_exemplar_count(&c, N), uses[N_EX] = {0}, real = 0;
        assert_int_equal(R, (size_t)floor(0.3 * (double)N + 0.5));
        uint8_t *x = malloc(N * H * W), *y = malloc(N);
        assert_int_equal(lgc_codec_decompress_mem(&c, N, 9, LGC_BALANCE_PRIOR, LGC_ORDER_SHUFFLED,
                                                  x, y, &err), LGC_OK);
        for (size_t i = 0; i < N; i++) {
            int e = exemplar_of(x + i * H * W, &ex);
            if (e >= 0) {
                assert_int_equal(y[i], lab[e]); /* each real image keeps its label */
                uses[e]++, real++;
            }
        }
        assert_int_equal(real, R);
        for (size_t e = 0; e < N_EX; e++) /* each used equally often, within one */
            assert_true(uses[e] >= R / N_EX && uses[e] <= (R + N_EX - 1) / N_EX);
        free(x), free(y);
    }
    uint8_t x1[H * W], y1[1];
    assert_int_equal(lgc_codec_decompress_mem(&c, 1, 9, LGC_BALANCE_PRIOR, LGC_ORDER_CLASS, x1, y1,
                                              &err), LGC_ERR_ARG);
    lgc_codec_free(&c);
    /* the same package without exemplars decompresses to the same generated images */
    lgc_codec g;
    assert_int_equal(lgc_codec_open(&g, g_valid, "<plain>", 64, &err), LGC_OK);
    assert_int_equal(lgc_codec_open(&c, q, "<hybrid>", 64, &err), LGC_OK);
    size_t N = 200;
    uint8_t *xg = malloc(N * H * W), *yg = malloc(N), *xh = malloc(N * H * W), *yh = malloc(N);
    assert_int_equal(lgc_codec_decompress_mem(&g, N, 3, LGC_BALANCE_PRIOR, LGC_ORDER_SHUFFLED, xg,
                                              yg, &err), LGC_OK);
    assert_int_equal(lgc_codec_decompress_mem(&c, N, 3, LGC_BALANCE_PRIOR, LGC_ORDER_SHUFFLED, xh,
                                              yh, &err), LGC_OK);
    for (size_t i = 0; i < N; i++)
        if (exemplar_of(xh + i * H * W, &ex) < 0) {
            assert_memory_equal(xg + i * H * W, xh + i * H * W, H * W);
            assert_int_equal(yg[i], yh[i]);
        }
    free(xg), free(yg), free(xh), free(yh);
    lgc_codec_free(&g), lgc_codec_free(&c);
    lgc_pkg_free(q), lgc_pkg_free(p), free(b), free(ex.pix);
}

/* Exemplars that lie: each refused by name when the package is opened. */
typedef enum { X_SHARE_ZERO, X_SHARE_BIG, X_LABEL, X_SHAPE, X_NO_FLAG, X_NO_LABELS } xbad;

static void test_bad_exemplars(void **s)
{
    (void)s;
    struct {
        xbad kind;
        lgc_status expect;
        const char *msg;
    } table[] = {
        {X_SHARE_ZERO, LGC_ERR_VALUE, "exemplars.share"},
        {X_SHARE_BIG, LGC_ERR_VALUE, "exemplars.share"},
        {X_LABEL, LGC_ERR_VALUE, "exemplars.labels[3] = 2"},
        {X_SHAPE, LGC_ERR_VALUE, "exemplars.images must be u8"},
        {X_NO_FLAG, LGC_ERR_VALUE, "without the required flag"},
        {X_NO_LABELS, LGC_ERR_FORMAT, "exemplars.labels is missing"},
    };
    lgc_images ex;
    uint8_t lab[N_EX];
    make_exemplars(&ex, lab);
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        lgc_pkg *p = copy_valid();
        lgc_err err;
        uint64_t ish[4] = {N_EX, H, W, 1}, lsh[1] = {N_EX};
        uint8_t bad[N_EX];
        memcpy(bad, lab, sizeof bad);
        switch (table[i].kind) {
        case X_SHARE_ZERO:
        case X_SHARE_BIG:
            assert_int_equal(lgc_codec_put_exemplars(p, &ex, lab, 0.5, "random", &err), LGC_OK);
            lgc_pkg_set_f64(p, "exemplars.share", table[i].kind == X_SHARE_BIG ? 1.5 : 0.0, NULL);
            break;
        case X_LABEL:
            bad[3] = 2; /* two classes */
            assert_int_equal(lgc_codec_put_exemplars(p, &ex, bad, 0.5, "random", &err), LGC_OK);
            break;
        case X_SHAPE: {
            lgc_images wrong = {N_EX * H, W, 1, 1, ex.pix}; /* (7 * 6, 6, 1, 1) */
            uint8_t many[N_EX * H] = {0};
            assert_int_equal(lgc_codec_put_exemplars(p, &wrong, many, 0.5, "random", &err), LGC_OK);
            break;
        }
        case X_NO_FLAG:
            lgc_pkg_set_f64(p, "exemplars.share", 0.5, NULL);
            assert_int_equal(lgc_pkg_add_tensor(p, "exemplars.images", LGC_DT_U8, 4, ish, ex.pix, NULL), LGC_OK);
            assert_int_equal(lgc_pkg_add_tensor(p, "exemplars.labels", LGC_DT_U8, 1, lsh, lab, NULL), LGC_OK);
            break;
        case X_NO_LABELS:
            lgc_pkg_set_f64(p, "exemplars.share", 0.5, NULL);
            assert_int_equal(lgc_pkg_add_tensor(p, "exemplars.images", LGC_DT_U8, 4, ish, ex.pix, NULL), LGC_OK);
            assert_int_equal(lgc_pkg_set_features(p, LGC_PKG_FLAG_EXEMPLARS, NULL), LGC_OK);
            break;
        }
        lgc_pkg *q = reread(p);
        lgc_codec c;
        lgc_status st = lgc_codec_open(&c, q, "pkg.lgc", 16, &err);
        if (st != table[i].expect || !strstr(err.msg, table[i].msg) || strncmp(err.msg, "pkg.lgc: ", 9))
            fail_msg("case %zu: got %s '%s', expected '%s'", i, lgc_status_str(st), err.msg,
                     table[i].msg);
        lgc_pkg_free(q), lgc_pkg_free(p);
    }
    free(ex.pix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_and_generate),
        cmocka_unit_test(test_class_counts),
        cmocka_unit_test(test_decompress_matches_generate),
        cmocka_unit_test(test_decompress_shuffled),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_groups_refused),
        cmocka_unit_test(test_bad_grouped_packages),
        cmocka_unit_test(test_int8_decoder),
        cmocka_unit_test(test_bad_packages),
        cmocka_unit_test(test_exemplars),
        cmocka_unit_test(test_bad_exemplars),
        cmocka_unit_test(test_bad_cvae_packages),
        cmocka_unit_test(test_every_model),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
