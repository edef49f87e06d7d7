/* test_grad_vae.c - central-difference checks of the VAE, contrastive and
 * conditional pieces, and of every model family's whole training step
 * (encoder, reparameterisation with fixed noise, conditioning, decoder,
 * reconstruction + KL + contrastive loss) as lgc_model_batch computes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nn/model_internal.h"
#include "gradcheck.h"
#include "lgc/model.h"
#include "lgc/nn.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"


/* ---- reparameterisation and KL on h = [mu, logvar] rows ---- */
typedef struct { float *h, *eps, *z, *R; size_t B, L; int kl; } rp_ctx;
static double rp_loss(void *p)
{
    rp_ctx *c = p;
    if (c->kl)
        return lgc_kl_forward(c->h, c->B, c->L, 0.25f);
    lgc_reparam_forward(c->z, c->h, c->eps, c->B, c->L);
    return dot(c->z, c->R, c->B * c->L);
}
static void test_reparam_kl(void **s)
{
    (void)s;
    rp_ctx c = {.B = 3, .L = 4};
    c.h = randn(c.B * 2 * c.L, 1), c.eps = randn(c.B * c.L, 1);
    c.z = zeros(c.B * c.L), c.R = randn(c.B * c.L, 1);
    float *dh = zeros(c.B * 2 * c.L);
    /* the noise is fixed: z must be exactly mu + exp(logvar/2) eps */
    rp_loss(&c);
    for (size_t i = 0; i < c.B; i++)
        for (size_t j = 0; j < c.L; j++) {
            float mu = c.h[i * 2 * c.L + j], lv = c.h[i * 2 * c.L + c.L + j];
            assert_true(fabsf(c.z[i * c.L + j] - (mu + expf(0.5f * lv) * c.eps[i * c.L + j])) < 1e-6f);
        }
    lgc_reparam_backward(dh, c.R, c.h, c.eps, c.B, c.L);
    assert_int_equal(gc_check("reparam dh", rp_loss, &c, c.h, dh, c.B * 2 * c.L, EPS, TOL), 0);
    c.kl = 1;
    memset(dh, 0, c.B * 2 * c.L * sizeof *dh);
    lgc_kl_backward(dh, c.h, c.B, c.L, 0.25f);
    assert_int_equal(gc_check("kl dh", rp_loss, &c, c.h, dh, c.B * 2 * c.L, EPS, TOL), 0);
    /* KL of the prior itself is 0 */
    float h0[8] = {0};
    assert_true(fabs(lgc_kl_forward(h0, 1, 4, 1.0f)) < 1e-7);
    free(c.h), free(c.eps), free(c.z), free(c.R), free(dh);
}

/* ---- supervised contrastive loss, both forms ---- */
typedef struct { float *f, *ws; uint8_t *y; size_t B, d; lgc_supcon_form form; } sc_ctx;
static double sc_loss(void *p)
{
    sc_ctx *c = p;
    return lgc_supcon(NULL, c->f, c->y, c->B, c->d, 0.5f, c->form, 3.0f, c->ws);
}
static void test_supcon(void **s)
{
    (void)s;
    /* class 2 has one member: that anchor has no positive and is skipped */
    uint8_t y[7] = {0, 1, 0, 1, 1, 2, 0};
    sc_ctx c = {.B = 7, .d = 4, .y = y};
    c.f = randn(c.B * c.d, 1), c.ws = zeros(lgc_supcon_ws_floats(c.B, c.d));
    float *df = zeros(c.B * c.d);
    const char *names[2] = {"supcon L_out", "supcon L_in"};
    float losses[2];
    for (int form = 0; form < 2; form++) {
        c.form = (lgc_supcon_form)form;
        memset(df, 0, c.B * c.d * sizeof *df);
        losses[form] = lgc_supcon(df, c.f, c.y, c.B, c.d, 0.5f, c.form, 3.0f, c.ws);
        assert_true(losses[form] > 0.0f);
        assert_int_equal(gc_check(names[form], sc_loss, &c, c.f, df, c.B * c.d, EPS, TOL), 0);
    }
    /* l_out_i - l_in_i = log sum_p e^{s_ip} - mean_p s_ip
     *                 = log|P(i)| + (log mean_p e^{s_ip} - mean_p s_ip) >= 0 (Jensen) */
    assert_true(losses[1] < losses[0]);
    /* scale invariance: features are normalised */
    float *f2 = malloc(c.B * c.d * sizeof *f2);
    for (size_t i = 0; i < c.B * c.d; i++)
        f2[i] = 7.0f * c.f[i];
    float l2 = lgc_supcon(NULL, f2, c.y, c.B, c.d, 0.5f, LGC_SUPCON_IN, 3.0f, c.ws);
    assert_true(fabsf(l2 - losses[1]) < 1e-5f * (1.0f + losses[1]));
    /* no anchor with a positive: zero loss, zero gradient */
    uint8_t yd[3] = {0, 1, 2};
    memset(df, 0, c.B * c.d * sizeof *df);
    assert_true(lgc_supcon(df, c.f, yd, 3, c.d, 0.5f, LGC_SUPCON_OUT, 1.0f, c.ws) == 0.0f);
    for (size_t i = 0; i < 3 * c.d; i++)
        assert_true(df[i] == 0.0f);
    free(c.f), free(c.ws), free(df), free(f2);
}

/* ---- conditional concatenation and its split gradient ---- */
typedef struct { float *a, *b, *out, *R; size_t B, na, nb; } cc_ctx;
static double cc_loss(void *p)
{
    cc_ctx *c = p;
    lgc_concat_forward(c->out, c->a, c->b, c->B, c->na, c->nb);
    return dot(c->out, c->R, c->B * (c->na + c->nb));
}
static void test_concat_onehot(void **s)
{
    (void)s;
    cc_ctx c = {.B = 3, .na = 4, .nb = 2};
    size_t no = c.B * (c.na + c.nb);
    c.a = randn(c.B * c.na, 1), c.b = randn(c.B * c.nb, 1), c.out = zeros(no), c.R = randn(no, 1);
    float *da = zeros(c.B * c.na), *db = zeros(c.B * c.nb);
    cc_loss(&c);
    lgc_concat_backward(da, db, c.R, c.B, c.na, c.nb);
    assert_int_equal(gc_check("concat da", cc_loss, &c, c.a, da, c.B * c.na, EPS, TOL), 0);
    assert_int_equal(gc_check("concat db", cc_loss, &c, c.b, db, c.B * c.nb, EPS, TOL), 0);
    /* one side only: the other is left alone */
    float *da2 = zeros(c.B * c.na);
    lgc_concat_backward(da2, NULL, c.R, c.B, c.na, c.nb);
    assert_memory_equal(da, da2, c.B * c.na * sizeof *da);
    /* one-hot rows and planes */
    uint8_t y[3] = {2, 0, 9};
    float oh[3 * 3 * 4];
    lgc_onehot(oh, y, 3, 3, 4);
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 0; k < 3; k++)
            for (size_t p = 0; p < 4; p++)
                assert_true(oh[(i * 3 + k) * 4 + p] == (y[i] == k ? 1.0f : 0.0f));
    free(c.a), free(c.b), free(c.out), free(c.R), free(da), free(db), free(da2);
}

/* ---- every family's training step, end to end ---- */

/* Central differences over a whole model cross ReLU kinks now and then: a
 * pre-activation within the step of 0 makes the numeric slope an average of
 * two. An entry that disagrees is measured again with steps 4, 16, 64 and 256
 * times smaller, and fails only if it disagrees at all five (a real error does
 * not shrink with the step; a crossed kink stops being crossed). The losses
 * are summed in double, so steps down to ~1e-5 still resolve. */
static int check_with_retry(const char *what, gc_loss_fn loss, void *ctx, float *x, const float *g,
                            size_t n, float eps, double tol)
{
    int bad = 0, retried = 0;
    double worst = 0.0;
    /* about 150 entries per net, spread over every layer (the step takes ms) */
    size_t stride = n / 150 + 1, n_checked = 0;
    for (size_t i = 0; i < n; i += stride, n_checked++) {
        double err = 0.0, num = 0.0;
        for (int k = 0; k < 5; k++) {
            float e = eps / (float)(1 << (2 * k)), keep = x[i];
            x[i] = keep + e;
            double lp = loss(ctx);
            x[i] = keep - e;
            double lm = loss(ctx);
            x[i] = keep;
            num = (lp - lm) / (2.0 * (double)e);
            err = fabs(num - (double)g[i]) / fmax(1.0, fabs(num) + fabs((double)g[i]));
            if (err <= tol)
                break;
            retried++;
        }
        worst = err > worst ? err : worst;
        if (err > tol) {
            if (bad < 5)
                fprintf(stderr, "%s[%zu]: analytic %.6g numeric %.6g\n", what, i, (double)g[i], num);
            bad++;
        }
    }
    fprintf(stderr, "%s: %zu of %zu entries (%d retries), worst relative error %.3g\n", what,
            n_checked, n, retried, worst);
    return bad;
}

typedef struct {
    lgc_model *m;
    lgc_model_work *w;
    float *x, *eps, *eps2;
    uint8_t *y;
    size_t B;
    lgc_train_opts o;
} step_ctx;
static double step_loss(void *p)
{
    step_ctx *c = p;
    return lgc_model_batch(c->m, c->w, c->x, c->y, c->eps, c->eps2, c->B, &c->o, NULL);
}
static void run_step(lgc_model_kind kind, lgc_supcon_form form)
{
    const size_t side = 8, ncls = 3, latent = 3, hidden = 8, B = 16;
    lgc_model m;
    lgc_model_work w;
    lgc_err err;
    if (lgc_model_init(&m, kind, 1, side, side, hidden, latent, ncls, B, &err))
        fail_msg("%s", err.msg);
    /* two shards of 8: the replicas and the whole-batch contrastive term are exercised */
    assert_int_equal(lgc_model_work_init(&w, &m, B, 2, NULL), LGC_OK);
    assert_int_equal(w.S, 2);
    lgc_net_init_params(&m.enc, &g_rng);
    lgc_net_init_params(&m.dec, &g_rng);
    step_ctx c = {.m = &m, .w = &w, .B = B};
    lgc_train_opts_default(&c.o);
    c.o.supcon_form = form;
    size_t D = side * side;
    c.x = malloc(B * D * sizeof *c.x);
    for (size_t i = 0; i < B * D; i++)
        c.x[i] = (float)lgc_rng_uniform(&g_rng);
    c.eps = randn(B * latent, 1), c.eps2 = randn(B * latent, 1);
    c.y = malloc(B);
    for (size_t i = 0; i < B; i++)
        c.y[i] = (uint8_t)(i % ncls);
    step_loss(&c);
    float *ge = malloc(m.enc.n_params * sizeof *ge), *gd = malloc(m.dec.n_params * sizeof *gd);
    memcpy(ge, m.enc.grads, m.enc.n_params * sizeof *ge);
    memcpy(gd, m.dec.grads, m.dec.n_params * sizeof *gd);
    /* a smaller step than the layer tests (fewer kinks crossed), a looser
     * tolerance (the loss is summed over pixels: more float noise) */
    char name[64];
    snprintf(name, sizeof name, "%s%s encoder", lgc_model_name(kind),
             form == LGC_SUPCON_IN ? " (L_in)" : "");
    int bad = check_with_retry(name, step_loss, &c, m.enc.params, ge, m.enc.n_params, 2e-3f, 1e-2);
    snprintf(name, sizeof name, "%s%s decoder", lgc_model_name(kind),
             form == LGC_SUPCON_IN ? " (L_in)" : "");
    bad += check_with_retry(name, step_loss, &c, m.dec.params, gd, m.dec.n_params, 2e-3f, 1e-2);
    assert_int_equal(bad, 0);
    free(ge), free(gd), free(c.x), free(c.eps), free(c.eps2), free(c.y);
    lgc_model_work_free(&w);
    lgc_model_free(&m);
}
static void test_model_steps(void **s)
{
    (void)s;
    for (int k = 0; k < LGC_N_MODELS; k++)
        run_step((lgc_model_kind)k, LGC_SUPCON_OUT);
    run_step(LGC_MODEL_AE_SUPCON, LGC_SUPCON_IN);
    run_step(LGC_MODEL_VAE_SUPCON, LGC_SUPCON_IN);
}

int main(void)
{
    lgc_threads_set(2);
    lgc_rng_init(&g_rng, 43, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reparam_kl),
        cmocka_unit_test(test_supcon),
        cmocka_unit_test(test_concat_onehot),
        cmocka_unit_test(test_model_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
