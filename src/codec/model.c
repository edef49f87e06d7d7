/* model.c - build, train and run the autoencoders (see include/lgc/model.h). */
#include "lgc/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgc/judge.h" /* lgc_images_to_nchw */
#include "lgc/rng.h"
#include "lgc/tensor.h"

int lgc_model_from_name(const char *name)
{
    if (strcmp(name, "ae") == 0)
        return LGC_MODEL_AE;
    return -1;
}

const char *lgc_model_name(lgc_model_kind k)
{
    (void)k;
    return "ae";
}

void lgc_train_opts_default(lgc_train_opts *o)
{
    o->epochs = 20;
    o->batch = 256;
    o->lr = 1e-3f;
    /* the study's AE loss (nn.MSELoss); on MNIST it gave smaller packages than
     * BCE (fewer mixture components) at the same judge accuracy (README) */
    o->loss = LGC_LOSS_MSE;
    o->seed = 1;
    o->start_epoch = 0;
    o->after_epoch = NULL;
    o->after_epoch_ctx = NULL;
}

size_t lgc_model_decoder_spec(lgc_model_kind kind, size_t hidden, size_t latent, size_t out_size,
                              lgc_layer_spec *spec)
{
    if (kind != LGC_MODEL_AE || hidden == 0 || latent == 0 || out_size == 0)
        return 0;
    spec[0] = (lgc_layer_spec){LGC_L_DENSE, hidden, 0, 0};
    spec[1] = (lgc_layer_spec){LGC_L_RELU, 0, 0, 0};
    spec[2] = (lgc_layer_spec){LGC_L_DENSE, out_size, 0, 0};
    return 3;
}

size_t lgc_model_encoder_spec(lgc_model_kind kind, size_t hidden, size_t latent,
                              lgc_layer_spec *spec)
{
    if (kind != LGC_MODEL_AE || hidden == 0 || latent == 0)
        return 0;
    spec[0] = (lgc_layer_spec){LGC_L_DENSE, hidden, 0, 0};
    spec[1] = (lgc_layer_spec){LGC_L_RELU, 0, 0, 0};
    spec[2] = (lgc_layer_spec){LGC_L_DENSE, latent, 0, 0};
    spec[3] = (lgc_layer_spec){LGC_L_RELU, 0, 0, 0}; /* the study's AE code is non-negative */
    return 4;
}

lgc_status lgc_model_init(lgc_model *m, lgc_model_kind kind, size_t c, size_t h, size_t w,
                          size_t hidden, size_t latent, size_t max_batch, lgc_err *err)
{
    memset(m, 0, sizeof *m);
    m->kind = kind, m->c = c, m->h = h, m->w = w, m->hidden = hidden, m->latent = latent;
    lgc_layer_spec es[LGC_MODEL_MAX_LAYERS], ds[LGC_MODEL_MAX_LAYERS];
    size_t ne = lgc_model_encoder_spec(kind, hidden, latent, es);
    size_t nd = lgc_model_decoder_spec(kind, hidden, latent, c * h * w, ds);
    if (!nd)
        return lgc_err_set(err, LGC_ERR_ARG, "model: invalid sizes (hidden %zu, latent %zu)",
                           hidden, latent);
    lgc_status st = lgc_net_init(&m->enc, es, ne, c, h, w, max_batch, err);
    if (st)
        return st;
    st = lgc_net_init(&m->dec, ds, nd, latent, 1, 1, max_batch, err);
    if (st)
        lgc_net_free(&m->enc);
    return st;
}

void lgc_model_free(lgc_model *m)
{
    if (!m)
        return;
    lgc_net_free(&m->enc);
    lgc_net_free(&m->dec);
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Every batch is split into this many shards whatever the thread count:
 * threads take shards in turn, and gradients and losses are summed in shard
 * order, so results are the same bytes with 1, 2 or 4 threads. */
#define N_SHARDS 4

lgc_status lgc_model_train(lgc_model *m, const uint8_t *x, size_t n, const lgc_train_opts *o,
                           lgc_epoch_fn on_epoch, void *ctx, lgc_err *err)
{
    if (n == 0 || o->batch == 0 || o->batch > m->enc.max_batch)
        return lgc_err_set(err, LGC_ERR_ARG, "train: %zu images, batch %zu (max %zu)", n,
                           o->batch, m->enc.max_batch);
    size_t D = m->c * m->h * m->w, B = o->batch;
    /* Data parallelism as in the judges: S shards, one per thread, BLAS on one
     * thread each; shard 0 is the model's own encoder and decoder. */
    const size_t S = N_SHARDS;
    size_t nthr = (size_t)lgc_threads_get();
    nthr = nthr < 1 ? 1 : nthr > S ? S : nthr;
    lgc_net enc_r[N_SHARDS], dec_r[N_SHARDS];
    memset(enc_r, 0, sizeof enc_r), memset(dec_r, 0, sizeof dec_r);
    lgc_status st = LGC_OK;
    float *xb = malloc(B * D * sizeof *xb), *dlog = malloc(B * D * sizeof *dlog);
    float *prob = malloc(B * D * sizeof *prob);
    uint32_t *order = malloc(n * sizeof *order);
    if (!xb || !dlog || !prob || !order) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "train: out of memory");
        goto fail;
    }
    for (size_t t = 1; t < S; t++)
        if ((st = lgc_net_init_replica(&enc_r[t], &m->enc, (B + S - 1) / S, err)) ||
            (st = lgc_net_init_replica(&dec_r[t], &m->dec, (B + S - 1) / S, err)))
            goto fail;
    lgc_rng rinit, rshuf;
    lgc_rng_init(&rinit, o->seed, 1);
    lgc_rng_init(&rshuf, o->seed, 2);
    if (o->start_epoch == 0) {
        lgc_net_init_params(&m->enc, &rinit);
        lgc_net_init_params(&m->dec, &rinit);
    }
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    for (size_t ep = 0; ep < o->start_epoch && ep < o->epochs; ep++)
        lgc_rng_shuffle(&rshuf, order, n); /* replay: same order and stream as the first run */
    for (size_t ep = o->start_epoch; ep < o->epochs; ep++) {
        double t0 = seconds_now(), total = 0.0;
        lgc_rng_shuffle(&rshuf, order, n);
        for (size_t pos = 0; pos < n; pos += B) {
            size_t b = n - pos < B ? n - pos : B;
            const size_t s_here = S;
            double part[N_SHARDS] = {0};
            lgc_images_to_nchw(xb, x, order + pos, b, m->h, m->w, m->c);
            lgc_blas_serial();
#pragma omp parallel for num_threads(nthr) schedule(static, 1) if (nthr > 1)
            for (size_t t = 0; t < s_here; t++) {
                size_t lo = b * t / s_here, bt = b * (t + 1) / s_here - lo, nd = bt * D;
                lgc_net *enc = t ? &enc_r[t] : &m->enc, *dec = t ? &dec_r[t] : &m->dec;
                lgc_net_zero_grad(dec);
                lgc_net_zero_grad(enc);
                if (bt == 0)
                    continue;
                float *xt = xb + lo * D, *dl = dlog + lo * D;
                const float *z = lgc_net_forward(enc, xt, bt);
                const float *logits = lgc_net_forward(dec, z, bt);
                memset(dl, 0, nd * sizeof *dl);
                if (o->loss == LGC_LOSS_BCE) {
                    /* per-image sum over pixels, averaged over the batch (the study's VAE convention) */
                    part[t] = lgc_bce_logits_fused(dl, logits, xt, nd, 1.0f / (float)b);
                } else {
                    /* mean over pixels and batch, as nn.MSELoss() in the study's AE */
                    float sc = 1.0f / (float)(b * D), *pt = prob + lo * D;
                    lgc_sigmoid_forward(pt, logits, nd);
                    part[t] = lgc_mse_forward(pt, xt, nd, sc);
                    float *dp = xt; /* the targets are not needed after this: reuse as dL/dprob */
                    for (size_t j = 0; j < nd; j++)
                        dp[j] = 2.0f * sc * (pt[j] - dp[j]);
                    lgc_sigmoid_backward(dl, dp, pt, nd);
                    lgc_images_to_nchw(xt, x, order + pos + lo, bt, m->h, m->w, m->c);
                }
                lgc_net_backward(dec, z, dl, bt, 1);
                lgc_net_backward(enc, xt, dec->dinput, bt, 0);
            }
            double loss = 0.0;
            for (size_t t = 0; t < s_here; t++)
                loss += part[t];
            for (size_t t = 1; t < s_here; t++) {
                lgc_net_add_grads(&m->enc, &enc_r[t]);
                lgc_net_add_grads(&m->dec, &dec_r[t]);
            }
            if (!isfinite(loss)) {
                st = lgc_err_set(err, LGC_ERR_NUMERIC,
                                 "train: loss became %g in epoch %zu; try a lower learning rate",
                                 loss, ep + 1);
                goto fail;
            }
            total += loss * (double)b;
            lgc_net_adam_step(&m->dec, o->lr, 0.9f, 0.999f, 1e-8f);
            lgc_net_adam_step(&m->enc, o->lr, 0.9f, 0.999f, 1e-8f);
        }
        if (on_epoch)
            on_epoch(ctx, ep + 1, o->epochs, total / (double)n, seconds_now() - t0);
        if (o->after_epoch && (st = o->after_epoch(o->after_epoch_ctx, m, ep + 1, err)))
            goto fail;
    }
fail:
    for (size_t t = 1; t < S; t++) {
        lgc_net_free(&enc_r[t]);
        lgc_net_free(&dec_r[t]);
    }
    free(xb), free(dlog), free(prob), free(order);
    return st;
}

lgc_status lgc_model_encode(lgc_model *m, const uint8_t *x, size_t n, float *z, lgc_err *err)
{
    size_t D = m->c * m->h * m->w, B = m->enc.max_batch;
    float *xb = malloc(B * D * sizeof *xb);
    uint32_t *idx = malloc(B * sizeof *idx);
    if (!xb || !idx) {
        free(xb), free(idx);
        return lgc_err_set(err, LGC_ERR_NOMEM, "encode: out of memory");
    }
    for (size_t pos = 0; pos < n; pos += B) {
        size_t b = n - pos < B ? n - pos : B;
        for (size_t i = 0; i < b; i++)
            idx[i] = (uint32_t)(pos + i);
        lgc_images_to_nchw(xb, x, idx, b, m->h, m->w, m->c);
        const float *out = lgc_net_forward(&m->enc, xb, b);
        memcpy(z + pos * m->latent, out, b * m->latent * sizeof *z);
    }
    free(xb), free(idx);
    return LGC_OK;
}

/* Rounding thresholds on the logit axis: round(255 sigmoid(z)) >= k+1 exactly
 * when z >= T[k] = logit((k + 0.5) / 255), k = 0..254. Only the two ends are
 * used: below T[0] a pixel is 0, above T[254] it is 255, with no exp. */
static float g_thresh[255];
static int g_thresh_ready;
static void thresholds_init(void);

void lgc_logit_to_u8_init(void) { thresholds_init(); }

static void thresholds_init(void)
{
    if (g_thresh_ready)
        return;
    for (int k = 0; k < 255; k++) {
        double p = (k + 0.5) / 255.0;
        g_thresh[k] = (float)log(p / (1.0 - p));
    }
    g_thresh_ready = 1;
}

uint8_t lgc_logit_to_u8(float z)
{
    /* Saturated pixels (most of a digit's background) cost two comparisons;
     * the rest take the formula. */
    if (!(z >= g_thresh[0])) /* also NaN */
        return 0;
    if (z >= g_thresh[254])
        return 255;
    return (uint8_t)lrintf(255.0f / (1.0f + expf(-z)));
}

uint8_t lgc_logit_to_u8_ref(float z)
{
    double v = 1.0 / (1.0 + exp(-(double)z));
    return (uint8_t)lrint(255.0 * v);
}

void lgc_decode_to_u8(lgc_net *dec, const float *z, size_t n, size_t c, size_t h, size_t w,
                      uint8_t *out)
{
    size_t B = dec->max_batch, hw = h * w, L = dec->in_size;
    thresholds_init(); /* before any thread reads the table; lgc_logit_to_u8 relies on it */
    for (size_t pos = 0; pos < n; pos += B) {
        size_t b = n - pos < B ? n - pos : B;
        const float *logits = lgc_net_forward(dec, z + pos * L, b);
#pragma omp parallel for schedule(static) if (b > 64)
        for (size_t i = 0; i < b; i++)
            for (size_t p = 0; p < hw; p++)
                for (size_t ch = 0; ch < c; ch++)
                    out[((pos + i) * hw + p) * c + ch] =
                        lgc_logit_to_u8(logits[(i * c + ch) * hw + p]);
    }
}
