/* test_spuco.c - the SpuCo MNIST generator: exact group counts, backgrounds, label noise,
 * balanced test colours, determinism; on synthetic digits and on real MNIST when present. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/data.h"
#include "lgc/rng.h"
#include "lgc/spuco.h"

#define H 6
#define W 5

/* n grey images; class sizes deliberately uneven (class c has about (c + 1) / 55 of them),
 * pixels 0 on about half of each image, every other value 1..255 */
static void synth(lgc_images *x, lgc_labels *y, size_t n, uint64_t seed)
{
    lgc_rng r;
    lgc_rng_init(&r, seed, 7);
    x->n = n, x->h = H, x->w = W, x->c = 1;
    x->pix = malloc(n * H * W);
    y->n = n;
    y->y = malloc(n);
    assert_non_null(x->pix);
    assert_non_null(y->y);
    for (size_t i = 0; i < n; i++) {
        size_t t = lgc_rng_below(&r, 55), c = 0;
        while (t >= c + 1) /* class c with weight c + 1 */
            t -= c + 1, c++;
        y->y[i] = (uint8_t)c;
        for (size_t q = 0; q < H * W; q++)
            x->pix[i * H * W + q] = lgc_rng_below(&r, 2) ? 0 : (uint8_t)(1 + lgc_rng_below(&r, 255));
    }
}

static void free_all(lgc_images *a, lgc_labels *b, lgc_labels *c)
{
    lgc_images_free(a);
    lgc_labels_free(b);
    lgc_labels_free(c);
}

/* Every pixel that was exactly 0 has the image's background colour; every other keeps its grey. */
static void check_pixels(const lgc_images *x, const lgc_images *rgb, const lgc_labels *g)
{
    size_t hw = x->h * x->w;
    assert_int_equal(rgb->c, 3);
    assert_int_equal(rgb->n, x->n);
    for (size_t i = 0; i < x->n; i++) {
        const uint8_t *bg = lgc_spuco_palette[g->y[i] % 10];
        for (size_t q = 0; q < hw; q++) {
            uint8_t v = x->pix[i * hw + q];
            const uint8_t *o = rgb->pix + (i * hw + q) * 3;
            for (int ch = 0; ch < 3; ch++)
                assert_int_equal(o[ch], v == 0 ? bg[ch] : v);
        }
    }
}

/* Training colours: floor(p n_c) own, the rest round-robin over the other nine. Needs no noise. */
static void check_train_counts(const lgc_labels *y, const lgc_labels *g, double p)
{
    size_t nc[10] = {0}, cnt[10][10] = {{0}};
    for (size_t i = 0; i < y->n; i++) {
        nc[y->y[i]]++;
        assert_int_equal(g->y[i] / 10, y->y[i]);
        cnt[y->y[i]][g->y[i] % 10]++;
    }
    for (size_t c = 0; c < 10; c++) {
        size_t own = (size_t)floor(p * (double)nc[c]), r = nc[c] - own;
        assert_int_equal(cnt[c][c], own);
        for (size_t j = 0, k = 0; j < 10; j++) {
            if (j == c)
                continue;
            assert_int_equal(cnt[c][j], r / 9 + (k < r % 9));
            k++;
        }
    }
}

static void test_train_counts(void **state)
{
    (void)state;
    const double ps[] = {0.99, 0.9, 0.5, 0.0, 1.0};
    lgc_images x;
    lgc_labels y;
    synth(&x, &y, 3000, 1);
    for (size_t k = 0; k < sizeof ps / sizeof *ps; k++) {
        lgc_spuco_opts o;
        lgc_spuco_opts_default(&o);
        o.strength = ps[k], o.label_noise = 0.0;
        lgc_images rgb;
        lgc_labels lab, g;
        size_t noisy = 99;
        assert_int_equal(lgc_spuco_make(&x, &y, LGC_SPUCO_TRAIN, &o, &rgb, &lab, &g, &noisy, NULL),
                         LGC_OK);
        assert_int_equal(noisy, 0);
        assert_memory_equal(lab.y, y.y, y.n);
        assert_int_equal(rgb.h, H);
        assert_int_equal(rgb.w, W);
        check_train_counts(&lab, &g, ps[k]);
        check_pixels(&x, &rgb, &g);
        free_all(&rgb, &lab, &g);
    }
    lgc_images_free(&x);
    lgc_labels_free(&y);
}

static void test_label_noise(void **state)
{
    (void)state;
    lgc_images x;
    lgc_labels y;
    synth(&x, &y, 2500, 2);
    const double fs[] = {0.001, 0.013, 0.5, 1.0};
    for (size_t k = 0; k < sizeof fs / sizeof *fs; k++) {
        lgc_spuco_opts o;
        lgc_spuco_opts_default(&o);
        o.label_noise = fs[k];
        lgc_images rgb, rgb0;
        lgc_labels lab, g, lab0, g0;
        size_t noisy;
        assert_int_equal(lgc_spuco_make(&x, &y, LGC_SPUCO_TRAIN, &o, &rgb, &lab, &g, &noisy, NULL),
                         LGC_OK);
        size_t want = (size_t)floor(fs[k] * (double)x.n), diff = 0;
        assert_int_equal(noisy, want);
        for (size_t i = 0; i < x.n; i++) {
            diff += lab.y[i] != y.y[i];
            assert_true(lab.y[i] < 10);
            assert_int_equal(g.y[i] / 10, lab.y[i]); /* the group follows the label it carries */
        }
        assert_int_equal(diff, want); /* distinct images, each to another class */
        /* the colours are those of the noise-free set: noise only touches labels */
        o.label_noise = 0.0;
        assert_int_equal(lgc_spuco_make(&x, &y, LGC_SPUCO_TRAIN, &o, &rgb0, &lab0, &g0, NULL, NULL),
                         LGC_OK);
        assert_memory_equal(rgb.pix, rgb0.pix, x.n * H * W * 3);
        for (size_t i = 0; i < x.n; i++)
            assert_int_equal(g.y[i] % 10, g0.y[i] % 10);
        check_pixels(&x, &rgb, &g);
        free_all(&rgb, &lab, &g);
        free_all(&rgb0, &lab0, &g0);
    }
    lgc_images_free(&x);
    lgc_labels_free(&y);
}

static void test_test_split(void **state)
{
    (void)state;
    lgc_images x;
    lgc_labels y;
    synth(&x, &y, 1234, 3);
    lgc_spuco_opts o;
    lgc_spuco_opts_default(&o);
    o.label_noise = 0.5; /* ignored: the test split has no noise and balanced colours */
    lgc_images rgb;
    lgc_labels lab, g;
    size_t noisy = 7;
    assert_int_equal(lgc_spuco_make(&x, &y, LGC_SPUCO_TEST, &o, &rgb, &lab, &g, &noisy, NULL),
                     LGC_OK);
    assert_int_equal(noisy, 0);
    assert_memory_equal(lab.y, y.y, y.n);
    size_t nc[10] = {0}, cnt[10][10] = {{0}};
    for (size_t i = 0; i < x.n; i++)
        nc[y.y[i]]++, cnt[y.y[i]][g.y[i] % 10]++;
    for (size_t c = 0; c < 10; c++)
        for (size_t j = 0; j < 10; j++)
            assert_int_equal(cnt[c][j], nc[c] / 10 + (j < nc[c] % 10));
    check_pixels(&x, &rgb, &g);
    free_all(&rgb, &lab, &g);
    lgc_images_free(&x);
    lgc_labels_free(&y);
}

static void test_deterministic(void **state)
{
    (void)state;
    lgc_images x;
    lgc_labels y;
    synth(&x, &y, 1500, 4);
    lgc_spuco_opts o;
    lgc_spuco_opts_default(&o);
    o.label_noise = 0.01;
    lgc_images a, b, c;
    lgc_labels la, ga, lb, gb, lc, gc;
    for (int split = 0; split < 2; split++) {
        o.seed = 5;
        assert_int_equal(lgc_spuco_make(&x, &y, split, &o, &a, &la, &ga, NULL, NULL), LGC_OK);
        assert_int_equal(lgc_spuco_make(&x, &y, split, &o, &b, &lb, &gb, NULL, NULL), LGC_OK);
        o.seed = 6;
        assert_int_equal(lgc_spuco_make(&x, &y, split, &o, &c, &lc, &gc, NULL, NULL), LGC_OK);
        assert_memory_equal(a.pix, b.pix, x.n * H * W * 3);
        assert_memory_equal(la.y, lb.y, x.n);
        assert_memory_equal(ga.y, gb.y, x.n);
        assert_memory_not_equal(a.pix, c.pix, x.n * H * W * 3);
        assert_memory_not_equal(ga.y, gc.y, x.n);
        free_all(&a, &la, &ga);
        free_all(&b, &lb, &gb);
        free_all(&c, &lc, &gc);
    }
    lgc_images_free(&x);
    lgc_labels_free(&y);
}

static void test_refusals(void **state)
{
    (void)state;
    lgc_images x;
    lgc_labels y;
    synth(&x, &y, 100, 5);
    lgc_spuco_opts o;
    lgc_spuco_opts_default(&o);
    lgc_images rgb;
    lgc_labels lab, g;
    lgc_err e;
    o.strength = 1.5;
    assert_int_equal(lgc_spuco_make(&x, &y, LGC_SPUCO_TRAIN, &o, &rgb, &lab, &g, NULL, &e),
                     LGC_ERR_ARG);
    assert_null(rgb.pix);
    o.strength = NAN;
    assert_int_equal(lgc_spuco_make(&x, &y, LGC_SPUCO_TRAIN, &o, &rgb, &lab, &g, NULL, &e),
                     LGC_ERR_ARG);
    lgc_spuco_opts_default(&o);
    y.y[42] = 10;
    assert_int_equal(lgc_spuco_make(&x, &y, LGC_SPUCO_TRAIN, &o, &rgb, &lab, &g, NULL, &e),
                     LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "index 42"));
    assert_null(lab.y);
    y.y[42] = 1;
    x.c = 3, x.n = 10;
    assert_int_equal(lgc_spuco_make(&x, &y, LGC_SPUCO_TRAIN, &o, &rgb, &lab, &g, NULL, &e),
                     LGC_ERR_ARG);
    lgc_images_free(&x);
    lgc_labels_free(&y);
}

/* The real thing: MNIST train at the defaults (p 0.99, noise 0.001) and test. */
static void test_mnist(void **state)
{
    (void)state;
    const char *dir = getenv("LGC_DATA_DIR");
    char ip[512], lp[512];
    snprintf(ip, sizeof ip, "%s/mnist/train-images-idx3-ubyte", dir ? dir : "data");
    snprintf(lp, sizeof lp, "%s/mnist/train-labels-idx1-ubyte", dir ? dir : "data");
    lgc_dataset d;
    if (lgc_dataset_load(ip, lp, 10, &d, NULL) != LGC_OK) {
        skip();
        return;
    }
    lgc_spuco_opts o;
    lgc_spuco_opts_default(&o);
    lgc_images rgb;
    lgc_labels lab, g;
    size_t noisy;
    assert_int_equal(lgc_spuco_make(&d.x, &d.y, LGC_SPUCO_TRAIN, &o, &rgb, &lab, &g, &noisy, NULL),
                     LGC_OK);
    assert_int_equal(noisy, 60);
    size_t diff = 0;
    for (size_t i = 0; i < d.x.n; i++)
        diff += lab.y[i] != d.y.y[i];
    assert_int_equal(diff, 60);
    check_pixels(&d.x, &rgb, &g);
    free_all(&rgb, &lab, &g);
    o.label_noise = 0.0; /* exact counts per group need the clean labels */
    assert_int_equal(lgc_spuco_make(&d.x, &d.y, LGC_SPUCO_TRAIN, &o, &rgb, &lab, &g, NULL, NULL),
                     LGC_OK);
    check_train_counts(&lab, &g, 0.99);
    free_all(&rgb, &lab, &g);
    lgc_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_counts), cmocka_unit_test(test_label_noise),
        cmocka_unit_test(test_test_split),   cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_refusals),     cmocka_unit_test(test_mnist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
