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

/* Pixel quantisation by thresholds agrees with round(255 sigmoid(z)) everywhere
 * except within float rounding of a threshold. */
static void test_logit_to_u8_vs_ref(void **s)
{
    (void)s;
    size_t differ = 0, n = 0;
    lgc_logit_to_u8_init();
    for (float z = -20.0f; z <= 20.0f; z += 1e-4f, n++) {
        int a = lgc_logit_to_u8(z), b = lgc_logit_to_u8_ref(z);
        if (a != b) {
            assert_true(abs(a - b) == 1); /* only at a boundary */
            differ++;
        }
    }
    assert_true(differ * 10000 < n); /* boundaries are rare */
    assert_int_equal(lgc_logit_to_u8(-1e30f), 0);
    assert_int_equal(lgc_logit_to_u8(1e30f), 255);
    assert_int_equal(lgc_logit_to_u8(0.0f), 128);
    assert_int_equal(lgc_logit_to_u8(NAN), 0);
    /* exactly the number of thresholds T[k] = logit((k + 0.5) / 255) at or
     * below z: level k + 1 from T[k] on, level k just below it */
    for (int k = 0; k < 255; k++) {
        double p = (k + 0.5) / 255.0;
        float t = (float)log(p / (1.0 - p));
        assert_int_equal(lgc_logit_to_u8(t), k + 1);
        assert_int_equal(lgc_logit_to_u8(nextafterf(t, -INFINITY)), k);
    }
    /* the run-wise converter gives the scalar function's bytes: runs all
     * saturated, mixed, with NaN and infinities, and a ragged tail */
    enum { N = 8 * 64 + 5 };
    float zs[N];
    uint8_t fast[N];
    lgc_rng r;
    lgc_rng_init(&r, 3, 0);
    for (int i = 0; i < N; i++) {
        int kind = (i / 8) % 4; /* blocks of 8: saturated low, high, mixed, mid-range */
        double u = lgc_rng_uniform(&r);
        zs[i] = kind == 0 ? (float)(-6.0 - 20.0 * u) : kind == 1 ? (float)(6.0 + 20.0 * u)
              : kind == 2 ? (float)(40.0 * u - 20.0) : (float)(8.0 * u - 4.0);
    }
    zs[17] = NAN, zs[40] = INFINITY, zs[41] = -INFINITY, zs[N - 1] = 0.0f;
    lgc_logits_to_u8(zs, N, fast);
    for (int i = 0; i < N; i++)
        assert_int_equal(fast[i], lgc_logit_to_u8(zs[i]));
    /* dense: every 2^-12 from -16 to 16 (eight at a time, so runs mix levels), and
     * runs of eight around every threshold, one float either side of it */
    enum { M = 32 * 4096 };
    float *zd = malloc(M * sizeof *zd);
    uint8_t *od = malloc(M);
    assert_non_null(zd);
    assert_non_null(od);
    for (int i = 0; i < M; i++)
        zd[i] = -16.0f + (float)i / 4096.0f;
    lgc_logits_to_u8(zd, M, od);
    for (int i = 0; i < M; i++)
        if (od[i] != lgc_logit_to_u8(zd[i]))
            fail_msg("z = %.9g: %d, scalar %d", (double)zd[i], od[i], lgc_logit_to_u8(zd[i]));
    for (int k = 0; k < 255; k++) {
        double p = (k + 0.5) / 255.0;
        float t = (float)log(p / (1.0 - p)), run[8];
        for (int j = 0; j < 8; j++) /* t - 2 ulp .. t + 5 ulp */
            run[j] = j < 2 ? nextafterf(nextafterf(t, -INFINITY), j ? t : -INFINITY) : t;
        for (int j = 3; j < 8; j++)
            run[j] = nextafterf(run[j - 1], INFINITY);
        uint8_t o8[8];
        lgc_logits_to_u8(run, 8, o8);
        for (int j = 0; j < 8; j++)
            assert_int_equal(o8[j], run[j] < t ? k : k + 1);
    }
    free(zd);
    free(od);
}

int main(void)
{
    lgc_threads_set(2);
    lgc_rng_init(&g_rng, 7, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_vs_ref),
        cmocka_unit_test(test_conv_vs_ref),
        cmocka_unit_test(test_instnorm_vs_ref),
        cmocka_unit_test(test_avgpool_odd),
        cmocka_unit_test(test_logit_to_u8_vs_ref),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
