/*
 * model_internal.h - one training step of a model, exposed to the gradient
 * tests so that they check the very code that trains (see train.c).
 */
#ifndef LGC_MODEL_INTERNAL_H
#define LGC_MODEL_INTERNAL_H

#include "lgc/model.h"
#include "lgc/rng.h"

/* shards a training batch is cut into, whatever the thread count */
#define LGC_MODEL_TRAIN_SHARDS 4
#define LGC_MODEL_DP_MAX_CHUNK 4096 /* images a DP-SGD chunk may hold */

/* Buffers of one batch, all (batch, ...) and sliced by shard: shard t works
 * on rows [lo, lo + bt) (lgc_shard_rows). Replicas 1..S-1 of the encoder and
 * decoder hold each shard's activations and gradients; shard 0 uses the
 * model's own nets. */
typedef struct {
    size_t S, batch;
    lgc_shards enc, dec; /* the model's encoder and decoder, and their replicas */
    float *encin;   /* (batch, enc_in) encoder input, conditional kinds */
    float *cls_enc; /* (batch, classes x planes) one-hot planes or rows for the encoder */
    float *cls_dec; /* (batch, classes) one-hot rows for the decoder */
    float *z;       /* (batch, latent) sampled code, VAE kinds */
    float *zin;     /* (batch, dec_in) decoder input, conditional kinds */
    float *dz;      /* (batch, latent) gradient of the code */
    float *dh;      /* (batch, enc_out) gradient of the encoder output */
    float *feat;    /* (batch, latent) contrastive features */
    float *dfeat;   /* (batch, latent) their gradient */
    float *dlog;    /* (batch, c*h*w) gradient of the decoder's logits */
    float *sws;     /* contrastive scratch, lgc_supcon_ws_floats(batch, latent) */
} lgc_model_work;

/* Encoder input planes per class: 1 (MLP: the one-hot joins the flattened
 * image) or h x w (conv: constant channels). */
size_t lgc_model_class_reps(const lgc_model *m);

/* shards: at most LGC_MAX_SHARDS; batches of fewer than 8 x shards
 * images run as one shard. */
lgc_status lgc_model_work_init(lgc_model_work *w, lgc_model *m, size_t batch, size_t shards,
                               lgc_err *err);
void lgc_model_work_free(lgc_model_work *w);

/* One batch: x (B, c*h*w) NCHW in [0,1], y (B) labels, eps and eps2 (B, latent)
 * standard normal noise for z and for the contrastive sample z' (VAE kinds;
 * may be NULL otherwise). Zeroes, then fills m->enc.grads and m->dec.grads
 * with the gradient of the returned loss:
 *   recon (BCE summed over pixels / B, or MSE mean) + KL / B (VAE kinds)
 *   + weight x supcon (kinds with a contrastive weight).
 * ex_scale (B) or NULL: each image's reconstruction gradient times its
 * factor (DP-SGD's clipping); the returned loss is not scaled. */
double lgc_model_batch(lgc_model *m, lgc_model_work *w, const float *x, const uint8_t *y,
                       const float *eps, const float *eps2, size_t B, const lgc_train_opts *o,
                       const float *ex_scale);

/* One DP-SGD gradient (lgc_train_opts.dp_clip, dp_noise): the images idx
 * (k, any k >= 0) of x (n, h, w, c) u8, in chunks of at most w's batch, each
 * image's gradient of its own loss clipped to L2 norm o->dp_clip, summed,
 * Gaussian noise of std o->dp_noise * o->dp_clip added to every coordinate
 * (drawn from r), divided by B_exp; into m->enc.grads and m->dec.grads.
 * xb (w's batch, c*h*w) floats and yb (w's batch) are scratch, acc (enc + dec
 * parameters) floats. *loss: the mean loss of the k images (0 when k = 0). */
lgc_status lgc_model_dp_grad(lgc_model *m, lgc_model_work *w, const uint8_t *x, const uint8_t *y,
                             const uint32_t *idx, size_t k, double B_exp,
                             const lgc_train_opts *o, lgc_rng *r, float *xb, uint8_t *yb,
                             float *acc, double *loss, lgc_err *err);

#endif
