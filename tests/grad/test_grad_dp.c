/* test_grad_dp.c - DP-SGD's gradient against its naive twin: per-image norms
 * from lgc_net_example_norms equal those of gradients computed one image at
 * a time; the clipped sum equals the sum of naively clipped per-image
 * gradients, in one chunk or several; the noise is there, with the standard
 * deviation the accountant assumes; and training with it runs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/model.h"
#include "lgc/nn.h"
#include "lgc/pixels.h"
#include "lgc/rng.h"
#include "nn/model_internal.h"

enum { K = 20, S = 6, HID = 24, LAT = 3 };

static lgc_model g_m;
static uint8_t g_x[K * S * S], g_y[K];
static size_t g_P; /* encoder + decoder parameters */

static int setup(void **s)
{
    (void)s;
    if (lgc_model_init(&g_m, LGC_MODEL_AE, 1, S, S, HID, LAT, 2, 64, NULL))
        return -1;
    lgc_rng r;
    lgc_rng_init(&r, 11, 1);
    lgc_net_init_params(&g_m.enc, &r);
    lgc_net_init_params(&g_m.dec, &r);
    for (size_t i = 0; i < K * S * S; i++)
        g_x[i] = (uint8_t)lgc_rng_below(&r, 256);
    for (size_t i = 0; i < K; i++)
        g_y[i] = (uint8_t)(i % 2);
    g_P = g_m.enc.n_params + g_m.dec.n_params;
    return 0;
}

static int teardown(void **s)
{
    (void)s;
    lgc_model_free(&g_m);
    return 0;
}

static void opts(lgc_train_opts *o, float clip, float noise)
{
    lgc_train_opts_default(o);
    o->dp_clip = clip, o->dp_noise = noise;
}

/* The naive twin: image i's gradient of its own loss, alone in a batch of one. */
static void grad_one(size_t i, float *g)
{
    lgc_model_work w;
    lgc_train_opts o;
    opts(&o, 0.0f, 0.0f);
    assert_int_equal(lgc_model_work_init(&w, &g_m, 1, 1, NULL), LGC_OK);
    float xb[S * S];
    uint32_t idx = (uint32_t)i;
    lgc_images_to_nchw(xb, g_x, &idx, 1, S, S, 1);
    lgc_model_batch(&g_m, &w, xb, &g_y[i], NULL, NULL, 1, &o, NULL);
    memcpy(g, g_m.enc.grads, g_m.enc.n_params * sizeof *g);
    memcpy(g + g_m.enc.n_params, g_m.dec.grads, g_m.dec.n_params * sizeof *g);
    lgc_model_work_free(&w);
}

static double norm(const float *g, size_t n)
{
    double s = 0.0;
    for (size_t j = 0; j < n; j++)
        s += (double)g[j] * g[j];
    return sqrt(s);
}

/* Per-image norms of the batch gradient's shares (g_i / K) from the nets. */
static void test_example_norms(void **s)
{
    (void)s;
    lgc_model_work w;
    lgc_train_opts o;
    opts(&o, 0.0f, 0.0f);
    assert_int_equal(lgc_model_work_init(&w, &g_m, K, 1, NULL), LGC_OK);
    float xb[K * S * S];
    uint32_t idx[K];
    for (size_t i = 0; i < K; i++)
        idx[i] = (uint32_t)i;
    lgc_images_to_nchw(xb, g_x, idx, K, S, S, 1);
    lgc_model_batch(&g_m, &w, xb, g_y, NULL, NULL, K, &o, NULL);
    double n2[K] = {0};
    const float *h = g_m.enc.acts + g_m.enc.layers[g_m.enc.n_layers - 1].act_off;
    assert_int_equal(lgc_net_example_norms(&g_m.dec, h, w.dlog, K, n2, NULL), LGC_OK);
    assert_int_equal(lgc_net_example_norms(&g_m.enc, xb, w.dh, K, n2, NULL), LGC_OK);
    float *g = malloc(g_P * sizeof *g);
    for (size_t i = 0; i < K; i++) {
        grad_one(i, g);
        double want = norm(g, g_P) / K, got = sqrt(n2[i]);
        if (fabs(got - want) > 1e-4 * want + 1e-9)
            fail_msg("image %zu: norm %.9g, naive %.9g", i, got, want);
    }
    free(g);
    lgc_model_work_free(&w);
}

/* Sum of clipped per-image gradients / K, naively, with clip C. */
static void naive_clipped(double C, float *want)
{
    float *g = malloc(g_P * sizeof *g);
    memset(want, 0, g_P * sizeof *want);
    for (size_t i = 0; i < K; i++) {
        grad_one(i, g);
        double nr = norm(g, g_P), f = nr > C ? C / nr : 1.0;
        for (size_t j = 0; j < g_P; j++)
            want[j] += (float)(f * g[j] / K);
    }
    free(g);
}

/* lgc_model_dp_grad over all K images with a work batch of wb (chunks). */
static void dp_grad(size_t wb, float clip, float noise, uint64_t seed, float *out)
{
    lgc_model_work w;
    lgc_train_opts o;
    opts(&o, clip, noise);
    assert_int_equal(lgc_model_work_init(&w, &g_m, wb, LGC_MODEL_TRAIN_SHARDS, NULL), LGC_OK);
    float *xb = malloc(wb * S * S * sizeof *xb), *acc = malloc(g_P * sizeof *acc);
    uint8_t yb[64];
    uint32_t idx[K];
    for (size_t i = 0; i < K; i++)
        idx[i] = (uint32_t)(K - 1 - i); /* any order */
    lgc_rng r;
    lgc_rng_init(&r, seed, 7);
    double loss;
    assert_int_equal(lgc_model_dp_grad(&g_m, &w, g_x, g_y, idx, K, K, &o, &r, xb, yb, acc, &loss,
                                       NULL),
                     LGC_OK);
    assert_true(loss > 0.0 && isfinite(loss));
    memcpy(out, g_m.enc.grads, g_m.enc.n_params * sizeof *out);
    memcpy(out + g_m.enc.n_params, g_m.dec.grads, g_m.dec.n_params * sizeof *out);
    free(xb), free(acc);
    lgc_model_work_free(&w);
}

static void test_clipped_sum(void **s)
{
    (void)s;
    /* a clip between the smallest and the largest norm: some images clipped, some not */
    float *g = malloc(g_P * sizeof *g), *want = malloc(g_P * sizeof *want);
    float *got = malloc(g_P * sizeof *got);
    double lo = INFINITY, hi = 0.0;
    for (size_t i = 0; i < K; i++) {
        grad_one(i, g);
        double nr = norm(g, g_P);
        lo = nr < lo ? nr : lo, hi = nr > hi ? nr : hi;
    }
    double C = 0.5 * (lo + hi);
    assert_true(lo < C && C < hi);
    naive_clipped(C, want);
    const size_t wbs[] = {K, 8, 3}; /* one chunk, and several */
    for (size_t t = 0; t < 3; t++) {
        dp_grad(wbs[t], (float)C, 0.0f, 1, got);
        double err = 0.0, ref = norm(want, g_P);
        for (size_t j = 0; j < g_P; j++)
            err += ((double)got[j] - want[j]) * ((double)got[j] - want[j]);
        if (sqrt(err) > 1e-4 * ref)
            fail_msg("work batch %zu: clipped sum off by %.3g (norm %.3g)", wbs[t], sqrt(err), ref);
    }
    /* without clipping bite (a huge C) it is the plain mean gradient */
    naive_clipped(1e30, want);
    dp_grad(K, 1e30f, 0.0f, 1, got);
    for (size_t j = 0; j < g_P; j++)
        assert_true(fabs((double)got[j] - want[j]) <= 1e-5 * (fabs(want[j]) + 1e-3));
    free(g), free(want), free(got);
}

/* The noise: got - clean has mean 0 and sd noise * clip / K on every
 * coordinate; a step without its noise fails here. */
static void test_noise(void **s)
{
    (void)s;
    float *clean = malloc(g_P * sizeof *clean), *noisy = malloc(g_P * sizeof *noisy);
    float *other = malloc(g_P * sizeof *other);
    const float C = 0.05f, sigma = 1.3f;
    dp_grad(K, C, 0.0f, 1, clean);
    dp_grad(K, C, sigma, 1, noisy);
    dp_grad(K, C, sigma, 2, other);
    double m = 0.0, v = 0.0, want = (double)sigma * C / K;
    for (size_t j = 0; j < g_P; j++)
        m += (double)noisy[j] - clean[j];
    m /= (double)g_P;
    for (size_t j = 0; j < g_P; j++)
        v += ((double)noisy[j] - clean[j] - m) * ((double)noisy[j] - clean[j] - m);
    double sd = sqrt(v / (double)(g_P - 1));
    /* g_P is about 1,900: the sample sd is within 5 % of the truth with overwhelming odds */
    if (fabs(sd / want - 1.0) > 0.05 || fabs(m) > 4.0 * want / sqrt((double)g_P))
        fail_msg("noise mean %.3g sd %.4g, want 0 and %.4g (%zu parameters)", m, sd, want, g_P);
    assert_memory_not_equal(noisy, other, g_P * sizeof *noisy); /* seeded: another seed, other noise */
    free(clean), free(noisy), free(other);
}

/* Whole training: runs, the loss falls, and DP refuses what it cannot clip. */
static void test_train(void **s)
{
    (void)s;
    lgc_model m;
    assert_int_equal(lgc_model_init(&m, LGC_MODEL_AE, 1, S, S, HID, LAT, 2, 64, NULL), LGC_OK);
    lgc_train_opts o;
    opts(&o, 1.0f, 0.5f);
    o.batch = 8, o.epochs = 3, o.seed = 5, o.lr = 1e-2f;
    assert_int_equal(lgc_model_train(&m, g_x, g_y, K, &o, NULL, NULL, NULL), LGC_OK);
    lgc_model_free(&m);
    assert_int_equal(lgc_model_init(&m, LGC_MODEL_VAE, 1, S, S, HID, LAT, 2, 64, NULL), LGC_OK);
    lgc_err err;
    assert_int_equal(lgc_model_train(&m, g_x, g_y, K, &o, NULL, NULL, &err), LGC_ERR_ARG);
    assert_non_null(strstr(err.msg, "DP-SGD takes model ae"));
    lgc_model_free(&m);
}

/* The moving average of the parameters (dp_ema): one step an epoch (batch =
 * the set), the raw parameters recorded after every step by the epoch hook,
 * the average rebuilt from them and compared with what training returns. */
enum { EMA_STEPS = 4 };
static float g_steps[EMA_STEPS + 1][2048]; /* parameters: encoder then decoder */
static size_t g_nsteps;

static void flat_params(const lgc_model *m, float *out)
{
    memcpy(out, m->enc.params, m->enc.n_params * sizeof *out);
    memcpy(out + m->enc.n_params, m->dec.params, m->dec.n_params * sizeof *out);
}

static lgc_status record_step(void *ctx, const lgc_model *m, size_t done, lgc_err *err)
{
    (void)ctx, (void)err;
    flat_params(m, g_steps[done]);
    g_nsteps = done;
    return LGC_OK;
}

static void test_ema(void **s)
{
    (void)s;
    assert_true(g_P <= 2048);
    lgc_model m;
    assert_int_equal(lgc_model_init(&m, LGC_MODEL_AE, 1, S, S, HID, LAT, 2, 64, NULL), LGC_OK);
    lgc_train_opts o;
    opts(&o, 1.0f, 0.5f);
    o.batch = K, o.epochs = 0, o.seed = 5, o.lr = 1e-2f;
    assert_int_equal(lgc_model_train(&m, g_x, g_y, K, &o, NULL, NULL, NULL), LGC_OK);
    flat_params(&m, g_steps[0]); /* the initial parameters */
    o.epochs = EMA_STEPS, o.after_epoch = record_step;
    assert_int_equal(lgc_model_train(&m, g_x, g_y, K, &o, NULL, NULL, NULL), LGC_OK);
    assert_int_equal(g_nsteps, EMA_STEPS);
    float *raw = malloc(g_P * sizeof *raw), *avg = malloc(g_P * sizeof *avg);
    flat_params(&m, raw);
    assert_memory_equal(raw, g_steps[EMA_STEPS], g_P * sizeof *raw); /* off: the last step's */
    o.dp_ema = 0.6f;
    assert_int_equal(lgc_model_train(&m, g_x, g_y, K, &o, NULL, NULL, NULL), LGC_OK);
    flat_params(&m, avg);
    double worst = 0.0, moved = 0.0;
    for (size_t i = 0; i < g_P; i++) {
        float e = g_steps[0][i];
        for (size_t t = 1; t <= EMA_STEPS; t++)
            e += (1.0f - o.dp_ema) * (g_steps[t][i] - e);
        worst = fmax(worst, fabs((double)avg[i] - e));
        moved = fmax(moved, fabs((double)avg[i] - raw[i]));
    }
    if (worst > 1e-6 || moved < 1e-3)
        fail_msg("average off by %.3g (moved %.3g from the last step)", worst, moved);
    o.dp_ema = 1.0f;
    assert_int_equal(lgc_model_train(&m, g_x, g_y, K, &o, NULL, NULL, NULL), LGC_ERR_ARG);
    free(raw), free(avg);
    lgc_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_norms),
        cmocka_unit_test(test_clipped_sum),
        cmocka_unit_test(test_noise),
        cmocka_unit_test(test_train),
        cmocka_unit_test(test_ema),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
