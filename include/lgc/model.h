/*
 * model.h - the autoencoders whose decoders lgc ships.
 *
 * A model is an encoder net and a decoder net (lgc_net, see nn.h). The
 * decoder maps a latent code to logits of the image in CHW order; images are
 * sigmoid(logits). Its layer list is plain data (lgc_model_decoder_spec),
 * stored in the package so a reader can rebuild it and check every stored
 * tensor against the planned shapes.
 *
 * The families (docs/MODELS.md has the layers, losses and measurements):
 *   ae          the study's vanilla autoencoder: in -> hidden ReLU -> latent ReLU;
 *               decoder latent -> hidden ReLU -> image
 *   vae         the study's VAE: in -> 3 x (hidden ReLU) -> [mu, logvar] (one dense
 *               to 2 latent); z = mu + exp(logvar/2) eps; decoder latent ->
 *               3 x (hidden ReLU) -> image; loss (BCE summed + KL) / batch
 *   cvae        the VAE with the class one-hot appended to the encoder input and
 *               to the decoder input (the decoder takes latent + classes inputs)
 *   ae-supcon   ae plus weight x supervised contrastive loss on the ReLU code;
 *               the study's MSE reconstruction loss by default (weight 0.1 was
 *               tuned against it)
 *   vae-supcon  vae plus weight x supervised contrastive loss on a second,
 *               independent sample z' = mu + sigma eps' (as the study's code)
 *   conv-ae, conv-vae, conv-cvae
 *               convolutional encoder conv(hidden/4, k3) ReLU maxpool
 *               conv(hidden/2, k3) ReLU maxpool -> dense (no ReLU on the code);
 *               decoder dense(hidden/2 x H/4 x W/4) ReLU -> reshape -> upsample2 ->
 *               conv(hidden/4, k3) ReLU -> upsample2 -> conv(C, k3): full resolution.
 *               conv-cvae: one-hot planes join the encoder input as extra
 *               constant channels; the one-hot joins the decoder input.
 *
 * What the mixtures are fitted to: the code for the AE kinds; for the VAE kinds
 * mu by default (LGC_FIT_MU) or one sample z (LGC_FIT_Z). mu is the decoder's
 * best guess for the image: the sampling noise of z is the posterior's
 * uncertainty, and a mixture fitted to z models it a second time (K per class
 * and the covariances absorb it), so decoded mixture samples come out blurrier.
 * cvae: the mixtures see z (or mu) alone, never the one-hot, which is constant
 * within a class and would waste bytes and break BIC; generation appends it.
 */
#ifndef LGC_MODEL_H
#define LGC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/comm.h"
#include "lgc/nn.h"
#include "lgc/progress.h"
#include "lgc/status.h"

typedef enum {
    LGC_MODEL_AE = 0,
    LGC_MODEL_VAE = 1,
    LGC_MODEL_CVAE = 2,
    LGC_MODEL_AE_SUPCON = 3,
    LGC_MODEL_VAE_SUPCON = 4,
    LGC_MODEL_CONV_AE = 5,
    LGC_MODEL_CONV_VAE = 6,
    LGC_MODEL_CONV_CVAE = 7
} lgc_model_kind;
#define LGC_N_MODELS 8

/* LGC_LOSS_AUTO: the family's own (lgc_model_family.loss). */
typedef enum { LGC_LOSS_BCE = 0, LGC_LOSS_MSE = 1, LGC_LOSS_AUTO = 2 } lgc_recon_loss;
typedef enum { LGC_FIT_MU = 0, LGC_FIT_Z = 1 } lgc_fit_on;

/* What a family is; model.c's glue reads these flags, the layer lists come
 * from the spec functions. */
typedef struct {
    const char *name;
    int variational;     /* encoder emits [mu, logvar]; loss adds KL */
    int conditional;     /* the class one-hot joins encoder and decoder inputs */
    int conv;            /* convolutional encoder and decoder */
    float supcon_weight; /* the study's weight of the contrastive loss; 0: none */
    lgc_recon_loss loss; /* default reconstruction loss */
} lgc_model_family;

/* NULL when kind is not a model. */
const lgc_model_family *lgc_model_family_get(int kind);
int lgc_model_from_name(const char *name); /* -1 if unknown */
const char *lgc_model_name(lgc_model_kind k); /* "?" if not a model */
/* The models' names in lgc_model_kind order, NULL-terminated (option tables). */
const char *const *lgc_model_names(void);
/* "bce", "mse", NULL: the reconstruction losses' names in lgc_recon_loss order. */
const char *const *lgc_loss_names(void);

#define LGC_MODEL_MAX_LAYERS 16

typedef struct lgc_model_s {
    lgc_model_kind kind;
    size_t c, h, w;        /* image shape */
    size_t hidden, latent, n_classes;
    size_t enc_in;         /* encoder input per sample: c*h*w (+ classes x planes if conditional) */
    size_t enc_out;        /* latent, or 2 latent ([mu, logvar]) for the VAE kinds */
    size_t dec_in;         /* latent (+ classes if conditional) */
    lgc_net enc, dec;
} lgc_model;

typedef struct {
    size_t epochs;         /* 20 */
    size_t batch;          /* 256 */
    float lr;              /* 1e-3 */
    lgc_recon_loss loss;   /* AUTO */
    float supcon_weight;   /* < 0: the family's (0.1 ae-supcon, 20 vae-supcon) */
    float supcon_temp;     /* 0.5 */
    lgc_supcon_form supcon_form; /* L_OUT */
    uint64_t seed;
    /* Resuming: epochs already done (the model then holds their parameters and
     * Adam state, loaded by the caller); the shuffles and noise of those epochs
     * are replayed from the seed, so the run continues exactly where it stopped. */
    size_t start_epoch;
    /* Called after every epoch with the epochs done so far, e.g. to save a
     * checkpoint; a non-OK status stops training with that status. May be NULL. */
    lgc_status (*after_epoch)(void *ctx, const struct lgc_model_s *m, size_t epochs_done,
                              lgc_err *err);
    void *after_epoch_ctx;
    /* Data parallelism across processes (NULL: this one alone). Every rank
     * holds the whole set and computes the shards of each batch it owns
     * (lgc_comm_split of the LGC_MODEL_TRAIN_SHARDS shards); the shards'
     * gradients are gathered and summed in shard order on every rank, so any
     * number of ranks trains the same parameters, bit for bit, as one process.
     * Not with a contrastive weight (its loss couples the whole batch). */
    const lgc_comm *comm;
    /* DP-SGD (Abadi et al. 2016), on when dp_clip > 0: each step takes a
     * Poisson sample of the set (every image with probability batch / n;
     * round(n / batch) steps an epoch), clips each image's gradient (encoder
     * and decoder together) to L2 norm dp_clip, adds Gaussian noise of
     * standard deviation dp_noise * dp_clip to every coordinate of the sum and
     * divides by the expected batch. Per-image norms come from
     * lgc_net_example_norms, so only nets of dense layers (model ae), no VAE
     * noise or contrastive term, one process, no resume. The noise is drawn
     * from xoshiro256** seeded by seed: reproducible, not a cryptographic
     * source. */
    float dp_clip;
    float dp_noise;
    /* DP-SGD only. 0: off. Else the trained parameters are the exponential
     * moving average of every step's, with this decay per step: it averages
     * the steps' noise away (De et al. 2022). Post-processing of the noisy
     * steps, so it costs no privacy. */
    float dp_ema;
} lgc_train_opts;

void lgc_train_opts_default(lgc_train_opts *o);
/* The loss and contrastive weight a model trains with under o. */
lgc_recon_loss lgc_model_loss(lgc_model_kind kind, const lgc_train_opts *o);
float lgc_model_supcon_weight(lgc_model_kind kind, const lgc_train_opts *o);

/* Decoder layer list for a model making (c, h, w) images; returns the number
 * of layers written to spec (at most LGC_MODEL_MAX_LAYERS), 0 if the
 * arguments make no model (conv kinds need h and w divisible by 4 and
 * hidden >= 4). The decoder's input size is lgc_model_decoder_input. */
size_t lgc_model_decoder_spec(lgc_model_kind kind, size_t hidden, size_t latent, size_t c,
                              size_t h, size_t w, lgc_layer_spec *spec);
/* latent, plus n_classes for the conditional kinds; 0 for an unknown kind. */
size_t lgc_model_decoder_input(lgc_model_kind kind, size_t latent, size_t n_classes);

lgc_status lgc_model_init(lgc_model *m, lgc_model_kind kind, size_t c, size_t h, size_t w,
                          size_t hidden, size_t latent, size_t n_classes, size_t max_batch,
                          lgc_err *err);
void lgc_model_free(lgc_model *m);

/* Train on x (n, h, w, c) uint8 with labels y (n), each < n_classes (y may be
 * NULL for ae, vae, conv-ae and conv-vae, which do not read it). progress,
 * if not NULL, is called after every epoch: stage "train", done the epochs
 * done, value the mean training loss per image, seconds the epoch's. */
lgc_status lgc_model_train(lgc_model *m, const uint8_t *x, const uint8_t *y, size_t n,
                           const lgc_train_opts *o, lgc_progress_fn progress, void *ctx,
                           lgc_err *err);
/* Latent codes z (n, latent) of x (n, h, w, c): the code for the AE kinds; mu
 * or a sample z (noise from seed) for the VAE kinds. y as for training. */
lgc_status lgc_model_encode(lgc_model *m, const uint8_t *x, const uint8_t *y, size_t n,
                            lgc_fit_on fit, uint64_t seed, float *z, lgc_err *err);
/* The same, the batches split over the ranks of comm (NULL: one process);
 * every rank ends with all of z, the same floats as one process. */
lgc_status lgc_model_encode_ranks(lgc_model *m, const uint8_t *x, const uint8_t *y, size_t n,
                                  lgc_fit_on fit, uint64_t seed, const lgc_comm *comm, float *z,
                                  lgc_err *err);

/* Decode z (n, dec->in_size) with a decoder net into uint8 images (n, h, w, c),
 * round(255 * sigmoid(logits)). The net must have max_batch >= 1; n is split
 * into batches of its max_batch. */
void lgc_decode_to_u8(lgc_net *dec, const float *z, size_t n, size_t c, size_t h, size_t w,
                      uint8_t *out);

/* Encoder layer list for the model's image input (the conditional kinds'
 * class planes or one-hot included); the encoder side file is checked
 * against it. Returns the number of layers, 0 for invalid arguments. */
size_t lgc_model_encoder_spec(lgc_model_kind kind, size_t hidden, size_t latent,
                              lgc_layer_spec *spec);

#endif
