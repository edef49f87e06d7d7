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
    run_conv(5, 1, 28, 28, 6, 3, 0, 2);  /* paper-cnn conv1, chunked */
    run_conv(4, 6, 13, 13, 16, 5, 0, 4); /* paper-cnn conv2 */
    run_conv(3, 3, 14, 14, 8, 3, 1, 3);  /* padded, 3 channels */
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
}

int main(void)
{
    lgc_threads_set(2);
    lgc_rng_init(&g_rng, 7, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_vs_ref),
        cmocka_unit_test(test_conv_vs_ref),
        cmocka_unit_test(test_logit_to_u8_vs_ref),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
