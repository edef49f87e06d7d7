/* test_layers.c - fast layer kernels (GEMM-based) against their naive twins, at model-sized shapes. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lgc/model.h"
#include "lgc/nn.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"

static lgc_rng g_rng;

static float *randn(size_t n)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)lgc_rng_normal(&g_rng);
    return x;
}

static void assert_close(const float *a, const float *b, size_t n, float tol)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabsf(a[i] - b[i]) <= tol * (1.0f + fabsf(b[i]))))
            fail_msg("entry %zu: %g vs %g", i, (double)a[i], (double)b[i]);
}

static void test_dense_vs_ref(void **s)
{
    (void)s;
    size_t B = 37, C = 784, OC = 128;
    float *x = randn(B * C), *w = randn(OC * C), *b = randn(OC);
    float *o1 = malloc(B * OC * sizeof *o1), *o2 = malloc(B * OC * sizeof *o2);
    lgc_dense_forward(o1, x, w, b, B, C, OC);
    lgc_dense_forward_ref(o2, x, w, b, B, C, OC);
    assert_close(o1, o2, B * OC, 1e-4f);
    free(x), free(w), free(b), free(o1), free(o2);
}

static void run_conv(size_t B, size_t C, size_t H, size_t W, size_t OC, size_t K, size_t pad,
                     size_t chunk)
{
    size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
    size_t nx = B * C * H * W, nw = OC * C * K * K, no = B * OC * OH * OW;
    float *x = randn(nx), *w = randn(nw), *b = randn(OC), *g = randn(no);
    float *o1 = malloc(no * sizeof *o1), *o2 = malloc(no * sizeof *o2);
    float *ws = malloc(lgc_conv2d_ws_floats(chunk, C, H, W, OC, K, pad) * sizeof *ws);
    lgc_conv2d_forward(o1, x, w, b, ws, B, C, H, W, OC, K, pad, chunk);
    lgc_conv2d_forward_ref(o2, x, w, b, B, C, H, W, OC, K, pad);
    assert_close(o1, o2, no, 1e-4f);
    float *dx1 = calloc(nx, sizeof *dx1), *dx2 = calloc(nx, sizeof *dx2);
    float *dw1 = calloc(nw, sizeof *dw1), *dw2 = calloc(nw, sizeof *dw2);
    float *db1 = calloc(OC, sizeof *db1), *db2 = calloc(OC, sizeof *db2);
    lgc_conv2d_backward(dx1, dw1, db1, g, x, w, ws, B, C, H, W, OC, K, pad, chunk);
    lgc_conv2d_backward_ref(dx2, dw2, db2, g, x, w, B, C, H, W, OC, K, pad);
    assert_close(dx1, dx2, nx, 1e-3f);
    assert_close(dw1, dw2, nw, 1e-3f);
    assert_close(db1, db2, OC, 1e-3f);
    free(x), free(w), free(b), free(g), free(o1), free(o2), free(ws);
    free(dx1), free(dx2), free(dw1), free(dw2), free(db1), free(db2);
}

static void test_conv_vs_ref(void **s)
{
    (void)s;
    run_conv(5, 1, 28, 28, 6, 3, 0, 2);  /* paper-cnn conv1 (the direct one-channel path) */
    run_conv(2, 1, 9, 7, 4, 5, 0, 2);    /* same path, K = 5, not square */
    run_conv(2, 1, 4, 270, 2, 3, 0, 2);  /* same path, rows of 268 outputs: 9 groups of 32 */
    run_conv(3, 1, 10, 10, 5, 3, 1, 2);  /* one channel, padded: the im2col path */
    run_conv(4, 6, 13, 13, 16, 5, 0, 4); /* paper-cnn conv2 */
    run_conv(3, 3, 14, 14, 8, 3, 1, 3);  /* padded, 3 channels */
    run_conv(3, 32, 7, 7, 128, 3, 1, 2); /* convnet3's third conv (fewer in-channels), odd size */
}

static void run_instnorm(size_t B, size_t C, size_t HW)
{
    size_t n = B * C * HW;
    float *x = randn(n), *gam = randn(C), *bet = randn(C), *g = randn(n);
    for (size_t i = 0; i < n; i++) /* conv outputs: each channel off zero by its own amount */
        x[i] = 0.5f * x[i] + (float)((i / HW) % 7) - 3.0f;
    float *o1 = malloc(n * sizeof *o1), *o2 = malloc(n * sizeof *o2);
    float *st1 = malloc(2 * B * C * sizeof *st1), *st2 = malloc(2 * B * C * sizeof *st2);
    lgc_instnorm_forward(o1, st1, x, gam, bet, B, C, HW);
    lgc_instnorm_forward_ref(o2, st2, x, gam, bet, B, C, HW);
    assert_close(o1, o2, n, 1e-4f);
    assert_close(st1, st2, 2 * B * C, 1e-4f);
    float *dx1 = calloc(n, sizeof *dx1), *dx2 = calloc(n, sizeof *dx2);
    float *dg1 = calloc(C, sizeof *dg1), *dg2 = calloc(C, sizeof *dg2);
    float *db1 = calloc(C, sizeof *db1), *db2 = calloc(C, sizeof *db2);
    lgc_instnorm_backward(dx1, dg1, db1, g, x, st1, gam, B, C, HW);
    lgc_instnorm_backward_ref(dx2, dg2, db2, g, x, st2, gam, B, C, HW);
    assert_close(dx1, dx2, n, 1e-3f);
    assert_close(dg1, dg2, C, 1e-3f);
    assert_close(db1, db2, C, 1e-3f);
    /* without an input gradient the parameter gradients are the same */
    float *dg3 = calloc(C, sizeof *dg3), *db3 = calloc(C, sizeof *db3);
    lgc_instnorm_backward(NULL, dg3, db3, g, x, st1, gam, B, C, HW);
    assert_close(dg3, dg1, C, 0.0f);
    assert_close(db3, db1, C, 0.0f);
    free(x), free(gam), free(bet), free(g), free(o1), free(o2), free(st1), free(st2);
    free(dx1), free(dx2), free(dg1), free(dg2), free(db1), free(db2), free(dg3), free(db3);
}

static void test_instnorm_vs_ref(void **s)
{
    (void)s;
    run_instnorm(5, 128, 28 * 28); /* convnet3's three blocks; the first is threaded */
    run_instnorm(5, 128, 14 * 14);
    run_instnorm(3, 128, 7 * 7);
    run_instnorm(2, 3, 1); /* one pixel: variance 0, out = beta */
}

/* 2x2 average pooling floors odd sizes as PyTorch's AvgPool2d(2) does: 7 -> 3,
 * the last row and column are dropped and get no gradient. */
static void test_avgpool_odd(void **s)
{
    (void)s;
    float x[49], out[9], dx[49] = {0}, g[9];
    for (size_t i = 0; i < 49; i++)
        x[i] = (float)i;
    for (size_t i = 0; i < 9; i++)
        g[i] = 1.0f;
    lgc_avgpool2_forward(out, x, 1, 1, 7, 7);
    for (size_t y = 0; y < 3; y++)
        for (size_t xo = 0; xo < 3; xo++) /* mean of rows 2y, 2y+1 and columns 2x, 2x+1 */
            assert_true(out[y * 3 + xo] == (float)(14 * y + 2 * xo) + 4.0f);
    lgc_avgpool2_backward(dx, g, 1, 1, 7, 7);
    for (size_t i = 0; i < 49; i++)
        assert_true(dx[i] == (i / 7 == 6 || i % 7 == 6 ? 0.0f : 0.25f));
}

/* The option tables' names (lgc_model_names) are the families' names in
 * lgc_model_kind order, and map back through lgc_model_from_name. */
/* The max pool gives its twin's maxima and winners exactly: widths with and
 * without a tail of four, odd sizes (the last row and column dropped), ties
 * (values on a coarse grid, the first in reading order wins) and NaN. */
static void test_maxpool_vs_ref(void **s)
{
    (void)s;
    const size_t sizes[][2] = {{26, 26}, {9, 9}, {4, 4}, {7, 19}, {28, 28}, {3, 2}};
    for (size_t t = 0; t < 6; t++) {
        size_t B = 3, C = 2, H = sizes[t][0], W = sizes[t][1], no = B * C * (H / 2) * (W / 2);
        float *x = randn(B * C * H * W), *o1 = malloc(no * sizeof *o1),
              *o2 = malloc(no * sizeof *o2);
        uint32_t *a1 = malloc(no * sizeof *a1), *a2 = malloc(no * sizeof *a2);
        for (size_t i = 0; i < B * C * H * W; i++)
            x[i] = i % 37 == 3 ? NAN : roundf(x[i] * 2.0f) * 0.5f; /* many ties */
        lgc_maxpool2_forward(o1, a1, x, B, C, H, W);
        lgc_maxpool2_forward_ref(o2, a2, x, B, C, H, W);
        assert_memory_equal(a1, a2, no * sizeof *a1);
        assert_memory_equal(o1, o2, no * sizeof *o1);
        free(x), free(o1), free(o2), free(a1), free(a2);
    }
}

static void test_model_names(void **state)
{
    (void)state;
    const char *const *names = lgc_model_names();
    int k = 0;
    for (; names[k]; k++) {
        assert_string_equal(names[k], lgc_model_name((lgc_model_kind)k));
        assert_int_equal(lgc_model_from_name(names[k]), k);
    }
    assert_null(lgc_model_family_get(k)); /* every family listed */
    assert_string_equal(lgc_loss_names()[LGC_LOSS_BCE], "bce");
    assert_string_equal(lgc_loss_names()[LGC_LOSS_MSE], "mse");
    assert_null(lgc_loss_names()[2]);
}

int main(void)
{
    lgc_threads_set(2);
    lgc_rng_init(&g_rng, 7, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_names),
        cmocka_unit_test(test_dense_vs_ref),
        cmocka_unit_test(test_conv_vs_ref),
        cmocka_unit_test(test_instnorm_vs_ref),
        cmocka_unit_test(test_avgpool_odd),
        cmocka_unit_test(test_maxpool_vs_ref),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
