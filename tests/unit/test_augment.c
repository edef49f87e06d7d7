/* test_augment.c - the augmenting judge's transform against its twin, and its ranges. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/augment.h"

enum { H = 28, W = 28, C = 3 };

static void fill(float *x, size_t n, uint64_t seed)
{
    lgc_rng r;
    lgc_rng_init(&r, seed, 0);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)lgc_rng_uniform(&r);
}

/* The fast transform gives the twin's floats (to float rounding), for many draws. */
static void test_vs_ref(void **s)
{
    (void)s;
    static float src[C * H * W], a[C * H * W], b[C * H * W];
    fill(src, sizeof src / sizeof *src, 1);
    lgc_rng r;
    lgc_rng_init(&r, 2, 0);
    for (int t = 0; t < 200; t++) {
        lgc_affine af;
        lgc_affine_draw(&r, &af);
        lgc_affine_apply(&af, src, a, C, H, W);
        lgc_affine_apply_ref(&af, src, b, C, H, W);
        for (size_t i = 0; i < sizeof a / sizeof *a; i++)
            assert_true(fabsf(a[i] - b[i]) < 1e-5f);
    }
}

/* The identity leaves the image as it is; an integer shift moves every pixel
 * exactly and fills zeros; scale and angle stay in the protocol's ranges. */
static void test_exact_cases(void **s)
{
    (void)s;
    static float src[H * W], dst[H * W];
    fill(src, H * W, 3);
    lgc_affine id = {0.0, 1.0, 0, 0};
    lgc_affine_apply(&id, src, dst, 1, H, W);
    assert_memory_equal(src, dst, sizeof src);
    lgc_affine sh = {0.0, 1.0, 2, -1};
    lgc_affine_apply(&sh, src, dst, 1, H, W);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int sx = x - 2, sy = y + 1;
            float want = sx >= 0 && sy < H ? src[sy * W + sx] : 0.0f;
            assert_true(dst[y * W + x] == want);
        }
    lgc_rng r;
    lgc_rng_init(&r, 4, 0);
    int seen[5] = {0};
    for (int t = 0; t < 2000; t++) {
        lgc_affine af;
        lgc_affine_draw(&r, &af);
        assert_true(fabs(af.angle) <= 12.0 * 3.14159265358979323846 / 180.0 + 1e-12);
        assert_true(af.scale >= 0.9 && af.scale <= 1.1);
        assert_true(af.dx >= -2 && af.dx <= 2 && af.dy >= -2 && af.dy <= 2);
        seen[af.dx + 2]++;
    }
    for (int k = 0; k < 5; k++)
        assert_true(seen[k] > 300); /* each shift about 400 times in 2000 */
    /* the stream names step and row: different rows, different draws */
    lgc_affine a1, a2;
    lgc_affine_stream(&r, 1, 5, 0);
    lgc_affine_draw(&r, &a1);
    lgc_affine_stream(&r, 1, 5, 1);
    lgc_affine_draw(&r, &a2);
    assert_true(a1.angle != a2.angle);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vs_ref),
        cmocka_unit_test(test_exact_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
