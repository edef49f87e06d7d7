/* test_judge.c - the judges' architectures and that training actually learns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lgc/data.h"
#include "lgc/judge.h"
#include "lgc/pixels.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"

static void test_param_counts(void **s)
{
    (void)s;
    lgc_net net;
    assert_int_equal(lgc_judge_build(&net, LGC_JUDGE_PAPER_CNN, 1, 28, 28, 10, 4, NULL), LGC_OK);
    assert_int_equal(net.n_params, 5254); /* docs/PROTOCOL.md §4 */
    assert_int_equal(net.out_size, 10);
    lgc_net_free(&net);
    assert_int_equal(lgc_judge_build(&net, LGC_JUDGE_LENET, 1, 28, 28, 10, 4, NULL), LGC_OK);
    /* 320 + 18,496 + 1,179,776 + 1,290 */
    assert_int_equal(net.n_params, 1199882);
    lgc_net_free(&net);
    assert_int_equal(lgc_judge_build(&net, LGC_JUDGE_CONVNET3, 1, 28, 28, 10, 4, NULL), LGC_OK);
    /* conv 1->128 (1,280), 3 instnorms (256 each), two conv 128->128 (147,584 each),
     * dense 128*3*3 -> 10 (11,530): 28 -> 14 -> 7 -> 3 */
    assert_int_equal(net.n_params, 1280 + 3 * 256 + 2 * 147584 + 11530);
    assert_int_equal(net.n_params, 308746);
    assert_int_equal(net.out_size, 10);
    assert_int_equal(net.layers[12].in_c * net.layers[12].in_h * net.layers[12].in_w, 1152);
    lgc_net_free(&net);
    /* RGB (SpuCo MNIST): only the first conv grows, to 128*27 + 128 = 3,584 */
    assert_int_equal(lgc_judge_build(&net, LGC_JUDGE_CONVNET3, 3, 28, 28, 10, 4, NULL), LGC_OK);
    assert_int_equal(net.n_params, 308746 - 1280 + 3584);
    lgc_net_free(&net);
    assert_int_equal(lgc_judge_from_name("lenet"), LGC_JUDGE_LENET);
    assert_int_equal(lgc_judge_from_name("convnet3"), LGC_JUDGE_CONVNET3);
    assert_string_equal(lgc_judge_name(LGC_JUDGE_CONVNET3), "convnet3");
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
    lgc_dataset tr = {{n, 28, 28, 1, x}, {n, y}, 0}, te = {{nt, 28, 28, 1, xt}, {nt, yt}, 0};
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

/* Weights: a batch's loss is sum w l / sum w. Equal weights of any size are
 * then the unweighted run to the bit (a loss divided by the batch size would
 * double with weights of 2); weights of 0 on one class hide it from the judge. */
static void test_judge_weights(void **s)
{
    (void)s;
    lgc_rng r;
    lgc_rng_init(&r, 4, 0);
    size_t n = 256, nt = 200;
    uint8_t *x = malloc(n * 784), *y = malloc(n), *xt = malloc(nt * 784), *yt = malloc(nt);
    float *w = malloc(n * sizeof *w);
    make_halves(x, y, n, &r);
    make_halves(xt, yt, nt, &r);
    lgc_dataset tr = {{n, 28, 28, 1, x}, {n, y}, 0}, te = {{nt, 28, 28, 1, xt}, {nt, yt}, 0};
    lgc_judge_opts o;
    lgc_judge_opts_default(&o);
    o.steps = 60;
    lgc_judge_result plain, weighted;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &plain, NULL, NULL, NULL), LGC_OK);
    for (size_t i = 0; i < n; i++)
        w[i] = 2.0f;
    o.weights = w;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &weighted, NULL, NULL, NULL), LGC_OK);
    assert_true(plain.final_loss == weighted.final_loss);
    assert_true(plain.accuracy == weighted.accuracy);
    for (size_t i = 0; i < n; i++)
        w[i] = y[i] == 1 ? 0.0f : 3.0f;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &weighted, NULL, NULL, NULL), LGC_OK);
    assert_true(weighted.per_class[0] > 0.95);
    assert_true(weighted.per_class[1] < 0.05);
    free(x), free(y), free(xt), free(yt), free(w);
}

/* The augmenting judge is repeatable, still learns, and is not the plain
 * judge (that it ignores the thread count is checked by test_cli_eval.sh).
 * Soft targets: one-hot rows are the labels to the bit; rows that name the
 * other class teach the other class. */
static void test_judge_augment_soft(void **s)
{
    (void)s;
    lgc_rng r;
    lgc_rng_init(&r, 5, 0);
    size_t n = 256, nt = 200;
    uint8_t *x = malloc(n * 784), *y = malloc(n), *xt = malloc(nt * 784), *yt = malloc(nt);
    float *q = malloc(n * 2 * sizeof *q);
    make_halves(x, y, n, &r);
    make_halves(xt, yt, nt, &r);
    lgc_dataset tr = {{n, 28, 28, 1, x}, {n, y}, 0}, te = {{nt, 28, 28, 1, xt}, {nt, yt}, 0};
    lgc_judge_opts o;
    lgc_judge_opts_default(&o);
    o.steps = 80;
    lgc_judge_result plain, a1, a2;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &plain, NULL, NULL, NULL), LGC_OK);
    o.augment = 1;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &a1, NULL, NULL, NULL), LGC_OK);
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &a2, NULL, NULL, NULL), LGC_OK);
    assert_true(a1.final_loss == a2.final_loss && a1.accuracy == a2.accuracy);
    assert_true(a1.final_loss != plain.final_loss);
    assert_true(a1.accuracy > 0.9);
    o.augment = 0;
    for (size_t i = 0; i < n; i++)
        q[2 * i] = y[i] == 0, q[2 * i + 1] = y[i] == 1;
    o.soft = q;
    lgc_judge_result soft;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &soft, NULL, NULL, NULL), LGC_OK);
    assert_true(soft.final_loss == plain.final_loss && soft.accuracy == plain.accuracy);
    for (size_t i = 0; i < n; i++)
        q[2 * i] = y[i] == 1, q[2 * i + 1] = y[i] == 0;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &soft, NULL, NULL, NULL), LGC_OK);
    assert_true(soft.accuracy < 0.1);
    free(x), free(y), free(xt), free(yt), free(q);
}

/* The gradient embedding against backpropagation: one image at a time, the
 * net's own gradient of the last dense layer is the row of the embedding. */
static void test_last_layer_grads(void **s)
{
    (void)s;
    lgc_rng r;
    lgc_rng_init(&r, 5, 0);
    size_t n = 300, K = 10; /* more than one forward batch of LGC_JUDGE_EVAL_BATCH */
    uint8_t *x = malloc(n * 784), *y = malloc(n);
    for (size_t i = 0; i < n * 784; i++)
        x[i] = (uint8_t)lgc_rng_below(&r, 256);
    for (size_t i = 0; i < n; i++)
        y[i] = (uint8_t)(i % K);
    lgc_net net;
    assert_int_equal(lgc_judge_build(&net, LGC_JUDGE_PAPER_CNN, 1, 28, 28, K, LGC_JUDGE_EVAL_BATCH,
                                     NULL), LGC_OK);
    lgc_net_init_params(&net, &r);
    size_t dim = lgc_judge_last_layer_dim(&net);
    assert_int_equal(dim, 170); /* docs/PROTOCOL.md §5: 10 x 16 + 10 */
    float *g = malloc(n * dim * sizeof *g), xi[784], probs[10], dl[10];
    lgc_dataset set = {{n, 28, 28, 1, x}, {n, y}, 0};
    assert_int_equal(lgc_judge_last_layer_grads(&net, &set, K, g, NULL), LGC_OK);
    const lgc_layer *last = &net.layers[net.n_layers - 1];
    for (size_t i = 0; i < n; i += 37) {
        uint32_t idx = (uint32_t)i;
        lgc_images_to_nchw(xi, x, &idx, 1, 28, 28, 1);
        lgc_net_zero_grad(&net);
        const float *logits = lgc_net_forward(&net, xi, 1);
        lgc_xent_forward(probs, logits, y + i, NULL, 1, K);
        memset(dl, 0, sizeof dl);
        lgc_xent_backward(dl, probs, y + i, NULL, 1, K);
        lgc_net_backward(&net, xi, dl, 1, 0);
        for (size_t j = 0; j < 160; j++)
            assert_float_equal(g[i * dim + j], net.grads[last->w_off + j], 1e-5);
        for (size_t j = 0; j < 10; j++)
            assert_float_equal(g[i * dim + 160 + j], net.grads[last->b_off + j], 1e-5);
    }
    lgc_dataset bad = set;
    y[3] = 10;
    assert_int_equal(lgc_judge_last_layer_grads(&net, &bad, K, g, NULL), LGC_ERR_VALUE);
    lgc_net_free(&net);
    free(x), free(y), free(g);
}

/* convnet3 on RGB images: the halves task, three channels. */
static void test_convnet3_rgb(void **s)
{
    (void)s;
    lgc_rng r;
    lgc_rng_init(&r, 5, 0);
    size_t n = 128, nt = 64;
    uint8_t *g = malloc(n * 784), *y = malloc(n), *gt = malloc(nt * 784), *yt = malloc(nt);
    uint8_t *x = malloc(n * 784 * 3), *xt = malloc(nt * 784 * 3);
    make_halves(g, y, n, &r);
    make_halves(gt, yt, nt, &r);
    /* (n,h,w,c), grey in all three channels: a colour per class would be a shortcut */
    for (size_t i = 0; i < n * 784; i++)
        x[3 * i] = x[3 * i + 1] = x[3 * i + 2] = g[i];
    for (size_t i = 0; i < nt * 784; i++)
        xt[3 * i] = xt[3 * i + 1] = xt[3 * i + 2] = gt[i];
    lgc_dataset tr = {{n, 28, 28, 3, x}, {n, y}, 0}, te = {{nt, 28, 28, 3, xt}, {nt, yt}, 0};
    lgc_judge_opts o;
    lgc_judge_opts_default(&o);
    o.kind = LGC_JUDGE_CONVNET3;
    o.steps = 12;
    o.batch = 16;
    lgc_judge_result res;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 2, &res, NULL, NULL, NULL), LGC_OK);
    assert_int_equal(res.n_params, 308746 - 1280 + 3584 - 8 * 1152 - 8); /* 2 classes */
    print_message("convnet3 on RGB halves: test accuracy %.1f%%\n", 100.0 * res.accuracy);
    assert_true(res.accuracy > 0.95);
    free(g), free(y), free(gt), free(yt), free(x), free(xt);
}

/* convnet3 learns real digits: a few hundred images seen at a small batch take
 * the loss well below its start (ln 10 for a net that knows nothing) and the
 * accuracy far above chance. Skipped without MNIST (scripts/setup.sh fetches it). */
static void test_convnet3_mnist(void **s)
{
    (void)s;
    const char *dir = getenv("LGC_DATA_DIR");
    char ip[1024], lp[1024], tip[1024], tlp[1024];
    snprintf(ip, sizeof ip, "%s/mnist/train-images-idx3-ubyte", dir ? dir : "data");
    snprintf(lp, sizeof lp, "%s/mnist/train-labels-idx1-ubyte", dir ? dir : "data");
    snprintf(tip, sizeof tip, "%s/mnist/t10k-images-idx3-ubyte", dir ? dir : "data");
    snprintf(tlp, sizeof tlp, "%s/mnist/t10k-labels-idx1-ubyte", dir ? dir : "data");
    if (access(ip, R_OK) || access(lp, R_OK) || access(tip, R_OK) || access(tlp, R_OK))
        skip();
    lgc_dataset d, t;
    assert_int_equal(lgc_dataset_load(ip, lp, 10, &d, NULL), LGC_OK);
    assert_int_equal(lgc_dataset_load(tip, tlp, 10, &t, NULL), LGC_OK);
    /* the first 1,000 training images, the first 300 test images */
    lgc_dataset tr = {{1000, 28, 28, 1, d.x.pix}, {1000, d.y.y}, 0};
    lgc_dataset te = {{300, 28, 28, 1, t.x.pix}, {300, t.y.y}, 0};
    lgc_judge_opts o;
    lgc_judge_opts_default(&o);
    o.kind = LGC_JUDGE_CONVNET3;
    o.batch = 16;
    o.steps = 1; /* the loss before any update */
    lgc_judge_result r0, res;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 10, &r0, NULL, NULL, NULL), LGC_OK);
    o.steps = 60;
    assert_int_equal(lgc_judge_run(&o, &tr, &te, 10, &res, NULL, NULL, NULL), LGC_OK);
    print_message("convnet3 on 1,000 MNIST images: loss %.3f at the start, %.3f over 60 steps "
                  "of 16; test accuracy %.1f%% (300 images)\n",
                  r0.final_loss, res.final_loss, 100.0 * res.accuracy);
    assert_true(r0.final_loss > 2.0 && r0.final_loss < 2.7);
    assert_true(res.final_loss < 0.6 * r0.final_loss); /* a mean over all 60 steps */
    assert_true(res.accuracy > 0.75);
    lgc_dataset_free(&d);
    lgc_dataset_free(&t);
}

int main(void)
{
    lgc_threads_set(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convnet3_rgb),
        cmocka_unit_test(test_convnet3_mnist),
        cmocka_unit_test(test_param_counts),
        cmocka_unit_test(test_judge_learns),
        cmocka_unit_test(test_judge_weights),
        cmocka_unit_test(test_judge_augment_soft),
        cmocka_unit_test(test_last_layer_grads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
