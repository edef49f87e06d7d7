/* test_judge.c - the judges' architectures and that training actually learns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/judge.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"

static void test_param_counts(void **s)
{
    (void)s;
    lgc_net net;
    assert_int_equal(lgc_judge_build(&net, LGC_JUDGE_PAPER_CNN, 1, 28, 28, 10, 4, NULL), LGC_OK);
    assert_int_equal(net.n_params, 5254); /* PROTOCOL.md §4 */
    assert_int_equal(net.out_size, 10);
    lgc_net_free(&net);
    assert_int_equal(lgc_judge_build(&net, LGC_JUDGE_LENET, 1, 28, 28, 10, 4, NULL), LGC_OK);
    /* 320 + 18,496 + 1,179,776 + 1,290 */
    assert_int_equal(net.n_params, 1199882);
    lgc_net_free(&net);
    assert_int_equal(lgc_judge_from_name("lenet"), LGC_JUDGE_LENET);
    assert_int_equal(lgc_judge_from_name("resnet"), -1);
}

/* Two classes told apart by which half of the image is bright: a judge that
 * learns anything must get them nearly all right; an untrained one gets ~50%. */
static void make_halves(uint8_t *x, uint8_t *y, size_t n, lgc_rng *r)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = (uint8_t)(i % 2);
        for (size_t p = 0; p < 28 * 28; p++) {
            int top = p < 14 * 28;
            int bright = (y[i] == 0) == top;
            x[i * 784 + p] = (uint8_t)(bright ? 128 + lgc_rng_below(r, 128) : lgc_rng_below(r, 100));
        }
    }
}

static void test_judge_learns(void **s)
{
    (void)s;
    lgc_rng r;
    lgc_rng_init(&r, 3, 0);
    size_t n = 512, nt = 200;
    uint8_t *x = malloc(n * 784), *y = malloc(n), *xt = malloc(nt * 784), *yt = malloc(nt);
    make_halves(x, y, n, &r);
    make_halves(xt, yt, nt, &r);
    lgc_labelled tr = {x, y, NULL, n, 28, 28, 1}, te = {xt, yt, NULL, nt, 28, 28, 1};
    lgc_judge_opts o;
    lgc_judge_opts_default(&o);
    o.steps = 150;
    lgc_judge_result res;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &res, NULL, NULL, NULL), LGC_OK);
    assert_true(res.accuracy > 0.95);
    assert_int_equal(res.confusion[0][0] + res.confusion[0][1] + res.confusion[1][0] +
                         res.confusion[1][1], nt);
    /* Same seed, same result. */
    lgc_judge_result res2;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &res2, NULL, NULL, NULL), LGC_OK);
    assert_true(res.accuracy == res2.accuracy && res.final_loss == res2.final_loss);
    free(x), free(y), free(xt), free(yt);
}

int main(void)
{
    lgc_threads_set(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_param_counts),
        cmocka_unit_test(test_judge_learns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
