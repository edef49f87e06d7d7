/* test_pixels.c - the pixel conversions of tensor/pixels.c against their twins. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/pixels.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"

/* uint8 (n, h, w, c) rows, picked by an index list or in order, to float
 * planes: the same floats as the naive loop, grey and RGB. */
static void test_images_to_nchw_vs_ref(void **s)
{
    (void)s;
    enum { N = 300, H = 5, W = 7 };
    uint8_t pix[N * H * W * 3];
    uint32_t idx[N];
    lgc_rng r;
    lgc_rng_init(&r, 1, 0);
    for (size_t i = 0; i < sizeof pix; i++)
        pix[i] = (uint8_t)lgc_rng_below(&r, 256);
    for (size_t i = 0; i < N; i++)
        idx[i] = (uint32_t)lgc_rng_below(&r, N);
    float *a = malloc(N * H * W * 3 * sizeof *a), *b = malloc(N * H * W * 3 * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t c = 1; c <= 3; c += 2)
        for (int with_idx = 0; with_idx < 2; with_idx++) {
            memset(a, 0xff, N * H * W * c * sizeof *a);
            lgc_images_to_nchw(a, pix, with_idx ? idx : NULL, N, H, W, c);
            lgc_images_to_nchw_ref(b, pix, with_idx ? idx : NULL, N, H, W, c);
            assert_memory_equal(a, b, N * H * W * c * sizeof *a);
        }
    assert_true(a[0] >= 0.0f && a[0] <= 1.0f);
    free(a);
    free(b);
}

/* Pixel quantisation by thresholds agrees with round(255 sigmoid(z)) everywhere
 * except within float rounding of a threshold. */
static void test_logit_to_u8_vs_ref(void **s)
{
    (void)s;
    size_t differ = 0, n = 0;
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
     * below z: level k + 1 from T[k] on, level k just below it (this also
     * recomputes pixels.c's constant table, entry by entry) */
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
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_images_to_nchw_vs_ref),
        cmocka_unit_test(test_logit_to_u8_vs_ref),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
