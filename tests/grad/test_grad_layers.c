/* test_grad_layers.c - central-difference gradient checks of every layer and loss.
 *
 * Each check uses loss = sum(R * layer(x)) for a fixed random R, so that the
 * output gradient passed to backward is R; tiny shapes keep it exhaustive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gradcheck.h"
#include "lgc/nn.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"


/* ---- dense ---- */
typedef struct { float *x, *w, *b, *out, *R; size_t B, C, OC; } dense_ctx;
static double dense_loss(void *p)
{
    dense_ctx *c = p;
    lgc_dense_forward(c->out, c->x, c->w, c->b, c->B, c->C, c->OC);
    return dot(c->out, c->R, c->B * c->OC);
}
static void test_dense(void **s)
{
    (void)s;
    dense_ctx c = {.B = 3, .C = 5, .OC = 4};
    c.x = randn(c.B * c.C, 1), c.w = randn(c.OC * c.C, 1), c.b = randn(c.OC, 1);
    c.out = zeros(c.B * c.OC), c.R = randn(c.B * c.OC, 1);
    float *dx = zeros(c.B * c.C), *dw = zeros(c.OC * c.C), *db = zeros(c.OC);
    dense_loss(&c);
    lgc_dense_backward(dx, dw, db, c.R, c.x, c.w, c.B, c.C, c.OC);
    assert_int_equal(gc_check("dense dx", dense_loss, &c, c.x, dx, c.B * c.C, EPS, TOL), 0);
    assert_int_equal(gc_check("dense dw", dense_loss, &c, c.w, dw, c.OC * c.C, EPS, TOL), 0);
    assert_int_equal(gc_check("dense db", dense_loss, &c, c.b, db, c.OC, EPS, TOL), 0);
    free(c.x), free(c.w), free(c.b), free(c.out), free(c.R), free(dx), free(dw), free(db);
}

/* ---- conv (fast path, chunk smaller than the batch so chunking is exercised) ---- */
typedef struct { float *x, *w, *b, *out, *R, *ws; size_t B, C, H, W, OC, K, pad, chunk; } conv_ctx;
static size_t conv_out(const conv_ctx *c)
{
    size_t OH = c->H + 2 * c->pad - c->K + 1, OW = c->W + 2 * c->pad - c->K + 1;
    return c->B * c->OC * OH * OW;
}
static double conv_loss(void *p)
{
    conv_ctx *c = p;
    lgc_conv2d_forward(c->out, c->x, c->w, c->b, c->ws, c->B, c->C, c->H, c->W, c->OC, c->K,
                       c->pad, c->chunk);
    return dot(c->out, c->R, conv_out(c));
}
static void run_conv(size_t C, size_t pad)
{
    conv_ctx c = {.B = 3, .C = C, .H = 6, .W = 5, .OC = 3, .K = 3, .pad = pad, .chunk = 2};
    size_t nx = c.B * c.C * c.H * c.W, nw = c.OC * c.C * c.K * c.K;
    c.x = randn(nx, 1), c.w = randn(nw, 1), c.b = randn(c.OC, 1);
    c.out = zeros(conv_out(&c)), c.R = randn(conv_out(&c), 1);
    c.ws = zeros(lgc_conv2d_ws_floats(c.chunk, c.C, c.H, c.W, c.OC, c.K, c.pad));
    float *dx = zeros(nx), *dw = zeros(nw), *db = zeros(c.OC);
    conv_loss(&c);
    lgc_conv2d_backward(dx, dw, db, c.R, c.x, c.w, c.ws, c.B, c.C, c.H, c.W, c.OC, c.K, c.pad,
                        c.chunk);
    assert_int_equal(gc_check("conv dx", conv_loss, &c, c.x, dx, nx, EPS, TOL), 0);
    assert_int_equal(gc_check("conv dw", conv_loss, &c, c.w, dw, nw, EPS, TOL), 0);
    assert_int_equal(gc_check("conv db", conv_loss, &c, c.b, db, c.OC, EPS, TOL), 0);
    free(c.x), free(c.w), free(c.b), free(c.out), free(c.R), free(c.ws), free(dx), free(dw),
        free(db);
}
/* C = 1 without padding is the direct one-channel path, the others im2col. */
static void test_conv(void **s) { (void)s; run_conv(2, 0); run_conv(2, 1); run_conv(1, 0); }

/* ---- instance norm: input, scale and shift ---- */
typedef struct { float *x, *g, *b, *out, *stats, *R; size_t B, C, HW; } in_ctx;
static double in_loss(void *p)
{
    in_ctx *c = p;
    lgc_instnorm_forward(c->out, c->stats, c->x, c->g, c->b, c->B, c->C, c->HW);
    return dot(c->out, c->R, c->B * c->C * c->HW);
}
static void test_instnorm(void **s)
{
    (void)s;
    in_ctx c = {.B = 2, .C = 3, .HW = 4 * 5};
    size_t n = c.B * c.C * c.HW;
    /* channels of different means and spreads; gamma away from 1 so that it matters */
    c.x = randn(n, 1.5f), c.g = randn(c.C, 1), c.b = randn(c.C, 1);
    for (size_t i = 0; i < n; i++)
        c.x[i] += (float)((i / c.HW) % c.C) - 1.0f;
    c.out = zeros(n), c.stats = zeros(2 * c.B * c.C), c.R = randn(n, 1);
    float *dx = zeros(n), *dg = zeros(c.C), *db = zeros(c.C);
    in_loss(&c);
    lgc_instnorm_backward(dx, dg, db, c.R, c.x, c.stats, c.g, c.B, c.C, c.HW);
    assert_int_equal(gc_check("instnorm dx", in_loss, &c, c.x, dx, n, EPS, TOL), 0);
    assert_int_equal(gc_check("instnorm dgamma", in_loss, &c, c.g, dg, c.C, EPS, TOL), 0);
    assert_int_equal(gc_check("instnorm dbeta", in_loss, &c, c.b, db, c.C, EPS, TOL), 0);
    /* the naive twin's backward on the same statistics gives the same gradients */
    float *dx2 = zeros(n), *dg2 = zeros(c.C), *db2 = zeros(c.C);
    in_loss(&c);
    lgc_instnorm_backward_ref(dx2, dg2, db2, c.R, c.x, c.stats, c.g, c.B, c.C, c.HW);
    assert_int_equal(gc_check("instnorm_ref dx", in_loss, &c, c.x, dx2, n, EPS, TOL), 0);
    assert_int_equal(gc_check("instnorm_ref dgamma", in_loss, &c, c.g, dg2, c.C, EPS, TOL), 0);
    assert_int_equal(gc_check("instnorm_ref dbeta", in_loss, &c, c.b, db2, c.C, EPS, TOL), 0);
    free(c.x), free(c.g), free(c.b), free(c.out), free(c.stats), free(c.R);
    free(dx), free(dg), free(db), free(dx2), free(dg2), free(db2);
}

/* ---- pooling, upsampling, activations: y = f(x) elementwise or spatial ---- */
typedef enum { F_MAX, F_AVG, F_UP, F_RELU, F_SIG } fkind;
typedef struct { fkind k; float *x, *out, *R; uint32_t *arg; size_t B, C, H, W, n_out; } f_ctx;
static double f_loss(void *p)
{
    f_ctx *c = p;
    size_t n = c->B * c->C * c->H * c->W;
    switch (c->k) {
    case F_MAX: lgc_maxpool2_forward(c->out, c->arg, c->x, c->B, c->C, c->H, c->W); break;
    case F_AVG: lgc_avgpool2_forward(c->out, c->x, c->B, c->C, c->H, c->W); break;
    case F_UP: lgc_upsample2_forward(c->out, c->x, c->B, c->C, c->H, c->W); break;
    case F_RELU: lgc_relu_forward(c->out, c->x, n); break;
    case F_SIG: lgc_sigmoid_forward(c->out, c->x, n); break;
    }
    return dot(c->out, c->R, c->n_out);
}
static void run_f(fkind k, const char *name, size_t H, size_t W)
{
    f_ctx c = {.k = k, .B = 2, .C = 2, .H = H, .W = W};
    size_t n = c.B * c.C * c.H * c.W;
    c.n_out = (k == F_MAX || k == F_AVG) ? c.B * c.C * (c.H / 2) * (c.W / 2) : k == F_UP ? 4 * n : n;
    c.x = malloc(n * sizeof *c.x);
    /* Values spaced 0.1 apart, shuffled, away from 0: no ties in max, no ReLU kink within EPS. */
    uint32_t *perm = malloc(n * sizeof *perm);
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    lgc_rng_shuffle(&g_rng, perm, n);
    for (size_t i = 0; i < n; i++)
        c.x[i] = 0.1f * ((float)perm[i] - (float)n / 2.0f) + 0.05f;
    free(perm);
    c.out = zeros(c.n_out), c.R = randn(c.n_out, 1), c.arg = calloc(c.n_out, sizeof *c.arg);
    float *dx = zeros(n);
    f_loss(&c);
    switch (k) {
    case F_MAX: lgc_maxpool2_backward(dx, c.R, c.arg, c.B, c.C, c.H, c.W); break;
    case F_AVG: lgc_avgpool2_backward(dx, c.R, c.B, c.C, c.H, c.W); break;
    case F_UP: lgc_upsample2_backward(dx, c.R, c.B, c.C, c.H, c.W); break;
    case F_RELU: lgc_relu_backward(dx, c.R, c.out, n); break;
    case F_SIG: lgc_sigmoid_backward(dx, c.R, c.out, n); break;
    }
    assert_int_equal(gc_check(name, f_loss, &c, c.x, dx, n, 1e-2f, TOL), 0);
    free(c.x), free(c.out), free(c.R), free(c.arg), free(dx);
}
static void test_pool_up_act(void **s)
{
    (void)s;
    run_f(F_MAX, "maxpool2", 5, 4);
    run_f(F_AVG, "avgpool2", 5, 4);
    /* odd both ways, as convnet3's 7 -> 3: the last row and column get no gradient */
    run_f(F_MAX, "maxpool2 7x7", 7, 7);
    run_f(F_AVG, "avgpool2 7x7", 7, 7);
    run_f(F_UP, "upsample2", 5, 4);
    run_f(F_RELU, "relu", 5, 4);
    run_f(F_SIG, "sigmoid", 5, 4);
}

/* ---- losses ---- */
typedef struct { float *z, *t, *probs, *w, *q; uint8_t *y; size_t B, K, n; int which; } loss_ctx;
static double loss_loss(void *p)
{
    loss_ctx *c = p;
    switch (c->which) {
    case 0: return lgc_xent_forward(c->probs, c->z, c->y, c->w, c->B, c->K);
    case 1: return lgc_bce_logits_forward(c->z, c->t, c->n, 0.5f);
    case 3: return lgc_soft_xent_forward(c->probs, c->z, c->q, c->w, c->B, c->K);
    case 4: return lgc_mse_sigmoid_ref(c->probs, c->z, c->t, c->n, 0.5f);
    default: return lgc_mse_forward(c->z, c->t, c->n, 0.5f);
    }
}
static void test_losses(void **s)
{
    (void)s;
    loss_ctx c = {.B = 4, .K = 5};
    c.n = c.B * c.K;
    c.z = randn(c.n, 2), c.probs = zeros(c.n), c.t = malloc(c.n * sizeof(float));
    for (size_t i = 0; i < c.n; i++)
        c.t[i] = (float)lgc_rng_uniform(&g_rng);
    c.y = malloc(c.B);
    c.w = malloc(c.B * sizeof(float));
    for (size_t i = 0; i < c.B; i++)
        c.y[i] = (uint8_t)lgc_rng_below(&g_rng, c.K), c.w[i] = 0.5f + (float)i;
    float *dz = zeros(c.n);
    const char *names[3] = {"xent(weighted)", "bce_logits", "mse"};
    for (int which = 0; which < 3; which++) {
        c.which = which;
        memset(dz, 0, c.n * sizeof *dz);
        loss_loss(&c);
        if (which == 0)
            lgc_xent_backward(dz, c.probs, c.y, c.w, c.B, c.K);
        else if (which == 1)
            lgc_bce_logits_backward(dz, c.z, c.t, c.n, 0.5f);
        else
            lgc_mse_backward(dz, c.z, c.t, c.n, 0.5f);
        assert_int_equal(gc_check(names[which], loss_loss, &c, c.z, dz, c.n, 1e-2f, TOL), 0);
    }
    /* the autoencoder's loss, MSE on sigmoid(z): the twin by finite
     * differences, the fast one equal to it bit for bit */
    {
        c.which = 4;
        lgc_mse_sigmoid_ref(dz, c.z, c.t, c.n, 0.5f);
        assert_int_equal(gc_check("mse_sigmoid", loss_loss, &c, c.z, dz, c.n, 1e-2f, TOL), 0);
        lgc_rng mr; /* its own stream, as below */
        lgc_rng_init(&mr, 18, 0);
        for (size_t n = 0; n <= 5000; n += n < 40 ? 1 : 997) {
            float *z = zeros(n + 1), *t = zeros(n + 1), *d1 = zeros(n + 1), *d2 = zeros(n + 1);
            for (size_t i = 0; i < n; i++) { /* logits of every size, some |z| >= 88 */
                z[i] = i % 97 == 5 ? 95.0f : 6.0f * (float)lgc_rng_normal(&mr);
                t[i] = (float)lgc_rng_uniform(&mr);
            }
            /* scale 1 / (3 x 784), not a power of two: the products' order shows */
            double l1 = lgc_mse_sigmoid_ref(d1, z, t, n, 1.0f / 2352.0f);
            double l2 = lgc_mse_sigmoid(d2, z, t, n, 1.0f / 2352.0f);
            assert_memory_equal(&l1, &l2, sizeof l1);
            assert_memory_equal(d1, d2, (n + 1) * sizeof *d1);
            free(z), free(t), free(d1), free(d2);
        }
    }
    /* the fused BCE: same loss and same gradient as the pair */
    {
        float *dz2 = zeros(c.n);
        memset(dz, 0, c.n * sizeof *dz);
        float l1 = lgc_bce_logits_forward(c.z, c.t, c.n, 0.5f);
        lgc_bce_logits_backward(dz, c.z, c.t, c.n, 0.5f);
        float l2 = lgc_bce_logits_fused(dz2, c.z, c.t, c.n, 0.5f);
        assert_true(fabsf(l1 - l2) <= 1e-5f * (1.0f + fabsf(l1)));
        for (size_t i = 0; i < c.n; i++)
            assert_true(fabsf(dz[i] - dz2[i]) <= 1e-6f);
        free(dz2);
    }
    /* soft targets (rows summing to 1), weighted; with one-hot targets the
     * soft loss is the hard one, to the bit */
    {
        c.q = malloc(c.n * sizeof(float));
        lgc_rng qr; /* its own stream: the tests after this one draw what they drew before */
        lgc_rng_init(&qr, 17, 0);
        for (size_t i = 0; i < c.B; i++) {
            double sum = 0.0;
            for (size_t k = 0; k < c.K; k++)
                sum += c.q[i * c.K + k] = (float)lgc_rng_uniform(&qr) + 0.05f;
            for (size_t k = 0; k < c.K; k++)
                c.q[i * c.K + k] = (float)(c.q[i * c.K + k] / sum);
        }
        c.which = 3;
        memset(dz, 0, c.n * sizeof *dz);
        loss_loss(&c);
        lgc_soft_xent_backward(dz, c.probs, c.q, c.w, c.B, c.K);
        assert_int_equal(gc_check("soft xent(weighted)", loss_loss, &c, c.z, dz, c.n, 1e-2f, TOL), 0);
        for (size_t i = 0; i < c.B; i++)
            for (size_t k = 0; k < c.K; k++)
                c.q[i * c.K + k] = k == c.y[i] ? 1.0f : 0.0f;
        float *p2 = zeros(c.n), *d1 = zeros(c.n), *d2 = zeros(c.n);
        float hard = lgc_xent_forward(p2, c.z, c.y, c.w, c.B, c.K);
        float soft = lgc_soft_xent_forward(c.probs, c.z, c.q, c.w, c.B, c.K);
        assert_true(fabsf(hard - soft) <= 1e-6f * (1.0f + fabsf(hard)));
        lgc_xent_backward(d1, p2, c.y, c.w, c.B, c.K);
        lgc_soft_xent_backward(d2, c.probs, c.q, c.w, c.B, c.K);
        assert_memory_equal(d1, d2, c.n * sizeof *d1);
        free(p2), free(d1), free(d2), free(c.q);
    }
    /* unweighted cross-entropy too */
    c.which = 0;
    free(c.w);
    c.w = NULL;
    memset(dz, 0, c.n * sizeof *dz);
    loss_loss(&c);
    lgc_xent_backward(dz, c.probs, c.y, NULL, c.B, c.K);
    assert_int_equal(gc_check("xent", loss_loss, &c, c.z, dz, c.n, 1e-2f, TOL), 0);
    free(c.z), free(c.probs), free(c.t), free(c.y), free(dz);
}

/* ---- a whole net: conv, pools, upsample, reshape, dense, chained backward ---- */
typedef struct { lgc_net *net; float *x, *R; size_t B; } net_ctx;
static double net_loss(void *p)
{
    net_ctx *c = p;
    const float *y = lgc_net_forward(c->net, c->x, c->B);
    return dot(y, c->R, c->B * c->net->out_size);
}
/* lgc_net_backward_fresh gives the bits of lgc_net_zero_grad + lgc_net_backward
 * (g, dx) whatever the gradients held before; with no rows, zeros. */
static void check_fresh(net_ctx *c, const float *g, const float *dx)
{
    lgc_net *net = c->net;
    for (size_t i = 0; i < net->n_params; i++)
        net->grads[i] = 7.0f;
    net_loss(c);
    lgc_net_backward_fresh(net, c->x, c->R, c->B, 1);
    assert_memory_equal(net->grads, g, net->n_params * sizeof *g);
    assert_memory_equal(net->dinput, dx, c->B * net->in_size * sizeof *dx);
    lgc_net_backward_fresh(net, c->x, c->R, 0, 0);
    for (size_t i = 0; i < net->n_params; i++)
        assert_true(net->grads[i] == 0.0f);
}

static void test_net(void **s)
{
    (void)s;
    const lgc_layer_spec spec[] = {
        {LGC_L_CONV, 3, 3, 1}, {LGC_L_SIGMOID, 0, 0, 0}, {LGC_L_AVGPOOL2, 0, 0, 0},
        {LGC_L_UPSAMPLE2, 0, 0, 0}, {LGC_L_CONV, 2, 3, 0}, {LGC_L_MAXPOOL2, 0, 0, 0},
        {LGC_L_DENSE, 4, 0, 0}, {LGC_L_SIGMOID, 0, 0, 0}, {LGC_L_RESHAPE, 1, 2, 2},
    };
    lgc_net net;
    assert_int_equal(lgc_net_init(&net, spec, 9, 2, 6, 6, 3, NULL), LGC_OK);
    lgc_net_init_params(&net, &g_rng);
    net_ctx c = {.net = &net, .B = 3};
    c.x = randn(c.B * net.in_size, 1), c.R = randn(c.B * net.out_size, 1);
    net_loss(&c);
    lgc_net_zero_grad(&net);
    lgc_net_backward(&net, c.x, c.R, c.B, 1);
    float *dx = malloc(c.B * net.in_size * sizeof *dx);
    memcpy(dx, net.dinput, c.B * net.in_size * sizeof *dx);
    float *g = malloc(net.n_params * sizeof *g);
    memcpy(g, net.grads, net.n_params * sizeof *g);
    assert_int_equal(gc_check("net params", net_loss, &c, net.params, g, net.n_params, EPS, TOL), 0);
    assert_int_equal(gc_check("net input", net_loss, &c, c.x, dx, c.B * net.in_size, EPS, TOL), 0);
    check_fresh(&c, g, dx);
    free(dx), free(g), free(c.x), free(c.R);
    lgc_net_free(&net);
}

/* ---- convnet3's block in a net: padded conv, instnorm, odd avgpool, dense ----
 * Sigmoid stands in for ReLU, whose kinks a finite difference may straddle. */
static void test_net_instnorm(void **s)
{
    (void)s;
    const lgc_layer_spec spec[] = {
        {LGC_L_CONV, 4, 3, 1},     {LGC_L_INSTNORM, 0, 0, 0}, {LGC_L_SIGMOID, 0, 0, 0},
        {LGC_L_AVGPOOL2, 0, 0, 0}, {LGC_L_CONV, 3, 3, 1},     {LGC_L_INSTNORM, 0, 0, 0},
        {LGC_L_AVGPOOL2, 0, 0, 0}, {LGC_L_DENSE, 5, 0, 0},
    };
    lgc_net net;
    /* 3 channels, 7x7 -> 3x3 -> 1x1 */
    assert_int_equal(lgc_net_init(&net, spec, 8, 3, 7, 7, 3, NULL), LGC_OK);
    assert_int_equal(net.n_params, (4 * 27 + 4) + 8 + (3 * 36 + 3) + 6 + (5 * 3 + 5));
    lgc_net_init_params(&net, &g_rng);
    const lgc_layer *L = &net.layers[1];
    assert_true(net.params[L->w_off] == 1.0f && net.params[L->b_off + 3] == 0.0f);
    /* move scales and shifts off 1 and 0 so that their gradients are checked in general */
    for (size_t j = 0; j < L->n_w; j++)
        net.params[L->w_off + j] += 0.3f * (float)j, net.params[L->b_off + j] -= 0.2f * (float)j;
    net_ctx c = {.net = &net, .B = 3};
    c.x = randn(c.B * net.in_size, 1), c.R = randn(c.B * net.out_size, 1);
    net_loss(&c);
    lgc_net_zero_grad(&net);
    lgc_net_backward(&net, c.x, c.R, c.B, 1);
    float *dx = malloc(c.B * net.in_size * sizeof *dx);
    memcpy(dx, net.dinput, c.B * net.in_size * sizeof *dx);
    float *g = malloc(net.n_params * sizeof *g);
    memcpy(g, net.grads, net.n_params * sizeof *g);
    assert_int_equal(gc_check("net(instnorm) params", net_loss, &c, net.params, g, net.n_params,
                              EPS, TOL), 0);
    assert_int_equal(gc_check("net(instnorm) input", net_loss, &c, c.x, dx,
                              c.B * net.in_size, EPS, TOL), 0);
    check_fresh(&c, g, dx);
    free(dx), free(g), free(c.x), free(c.R);
    lgc_net_free(&net);
}

int main(void)
{
    lgc_threads_set(2);
    lgc_rng_init(&g_rng, 42, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense), cmocka_unit_test(test_conv),
        cmocka_unit_test(test_pool_up_act), cmocka_unit_test(test_losses),
        cmocka_unit_test(test_net), cmocka_unit_test(test_instnorm),
        cmocka_unit_test(test_net_instnorm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
