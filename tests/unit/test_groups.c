/* test_groups.c - per-group accuracy, group upsampling, and the judge's row
 * list (train_idx) and predictions (test_pred) that they rest on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/groups.h"
#include "lgc/judge.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"

static void test_group_accuracy(void **s)
{
    (void)s;
    /* group 7: 3 of 4 right; group 2: 1 of 2; group 9: 1 of 2 (a tie with 2:
     * the lower id is the worst); group 200: 1 of 1 */
    const uint8_t g[] = {7, 7, 7, 7, 2, 2, 9, 9, 200};
    const uint8_t y[] = {1, 1, 1, 1, 0, 0, 3, 3, 5};
    const uint8_t p[] = {1, 1, 1, 0, 0, 4, 3, 0, 5};
    lgc_group_acc a;
    lgc_group_accuracy(p, y, g, 9, &a);
    assert_int_equal(a.n_groups, 4);
    assert_int_equal(a.n[7], 4);
    assert_int_equal(a.correct[7], 3);
    assert_int_equal(a.n[0], 0);
    assert_int_equal(a.worst_group, 2);
    assert_true(a.worst == 0.5);
    lgc_group_accuracy(p, y, g, 4, &a); /* only group 7 */
    assert_int_equal(a.n_groups, 1);
    assert_int_equal(a.worst_group, 7);
    assert_true(a.worst == 0.75);
    lgc_group_accuracy(p, y, g, 0, &a);
    assert_int_equal(a.n_groups, 0);
    assert_int_equal(a.worst_group, -1);
}

static void test_upsample(void **s)
{
    (void)s;
    /* groups of 50, 7, 1 and 20 images, interleaved */
    size_t n = 78;
    uint8_t g[78];
    size_t want[4] = {50, 7, 1, 20}, left[4] = {50, 7, 1, 20};
    const uint8_t id[4] = {3, 40, 41, 255};
    for (size_t i = 0, k = 0; i < n; k = (k + 1) % 4)
        if (left[k])
            left[k]--, g[i++] = id[k];
    uint32_t *idx, *idx2, *idx3;
    size_t ni, ni2, ni3;
    assert_int_equal(lgc_groups_upsample(g, n, 1, &idx, &ni, NULL), LGC_OK);
    assert_int_equal(ni, 4 * 50);
    size_t times[78] = {0};
    for (size_t r = 0; r < ni; r++) {
        assert_true(idx[r] < n);
        times[idx[r]]++;
        assert_int_equal(g[idx[r]], id[r / 50]); /* group after group, in id order */
    }
    for (size_t i = 0; i < n; i++) {
        size_t m = 0;
        for (int k = 0; k < 4; k++)
            m += g[i] == id[k] ? want[k] : 0;
        assert_true(times[i] == 50 / m || times[i] == (50 + m - 1) / m);
    }
    assert_int_equal(lgc_groups_upsample(g, n, 1, &idx2, &ni2, NULL), LGC_OK);
    assert_memory_equal(idx, idx2, ni * sizeof *idx);
    assert_int_equal(lgc_groups_upsample(g, n, 2, &idx3, &ni3, NULL), LGC_OK);
    assert_memory_not_equal(idx, idx3, ni * sizeof *idx);
    free(idx), free(idx2), free(idx3);
    lgc_err e;
    assert_int_equal(lgc_groups_upsample(g, 0, 1, &idx, &ni, &e), LGC_ERR_ARG);
    assert_null(idx);
}

/* Two classes told apart by which half of the image is bright. */
static void make_halves(uint8_t *x, uint8_t *y, size_t n, lgc_rng *r)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = (uint8_t)(lgc_rng_below(r, 2));
        for (size_t p = 0; p < 28 * 28; p++) {
            int bright = (y[i] == 0) == (p < 14 * 28);
            x[i * 784 + p] = (uint8_t)(bright ? 128 + lgc_rng_below(r, 128) : lgc_rng_below(r, 100));
        }
    }
}

static void test_judge_rows_and_predictions(void **s)
{
    (void)s;
    lgc_rng r;
    lgc_rng_init(&r, 3, 0);
    size_t n = 200, nt = 100;
    uint8_t *x = malloc(2 * n * 784), *y = malloc(2 * n), *xt = malloc(nt * 784), *yt = malloc(nt);
    make_halves(x, y, n, &r);
    make_halves(xt, yt, nt, &r);
    memcpy(x + n * 784, x, n * 784); /* the set twice over, materialised */
    memcpy(y + n, y, n);
    lgc_dataset tr = {{n, 28, 28, 1, x}, {n, y}, 0}, te = {{nt, 28, 28, 1, xt}, {nt, yt}, 0};
    lgc_judge_opts o;
    lgc_judge_opts_default(&o);
    o.steps = 40;
    uint8_t pa[100], pb[100];
    lgc_judge_result a, b;
    o.test_pred = pa;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &a, NULL, NULL, NULL), LGC_OK);
    size_t right = 0;
    for (size_t i = 0; i < nt; i++)
        right += pa[i] == yt[i];
    assert_true(a.accuracy == (double)right / (double)nt);
    assert_int_equal(a.confusion[0][0] + a.confusion[1][1], right);
    /* the identity row list is no list at all */
    uint32_t rows[400];
    for (uint32_t i = 0; i < 400; i++)
        rows[i] = i % n;
    o.train_idx = rows, o.n_train_idx = n, o.test_pred = pb;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &b, NULL, NULL, NULL), LGC_OK);
    assert_true(a.accuracy == b.accuracy && a.final_loss == b.final_loss);
    assert_memory_equal(pa, pb, nt);
    /* rows 0..n-1 twice is the materialised doubled set */
    lgc_dataset tr2 = {{2 * n, 28, 28, 1, x}, {2 * n, y}, 0};
    o.train_idx = NULL, o.test_pred = pa;
    assert_int_equal(lgc_judge_run(&o, &tr2, &te, 2, &a, NULL, NULL, NULL), LGC_OK);
    o.train_idx = rows, o.n_train_idx = 2 * n, o.test_pred = pb;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &b, NULL, NULL, NULL), LGC_OK);
    assert_true(a.accuracy == b.accuracy && a.final_loss == b.final_loss);
    assert_memory_equal(pa, pb, nt);
    /* a row past the set */
    rows[7] = (uint32_t)n;
    lgc_err e;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &b, NULL, NULL, &e), LGC_ERR_ARG);
    free(x), free(y), free(xt), free(yt);
}

int main(void)
{
    lgc_threads_set(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_accuracy),
        cmocka_unit_test(test_upsample),
        cmocka_unit_test(test_judge_rows_and_predictions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
