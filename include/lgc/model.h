/*
 * model.h - the autoencoders whose decoders lgc ships.
 *
 * A model is an encoder net and a decoder net (lgc_net, see nn.h). The
 * decoder maps a latent code (latent) to logits of the image in CHW order;
 * images are sigmoid(logits). Its layer list is plain data
 * (lgc_model_decoder_spec), stored in the package so a reader can rebuild it
 * and check every stored tensor against the planned shapes.
 *
 * `ae` is the study's vanilla autoencoder: encoder in -> hidden ReLU ->
 * latent ReLU; decoder latent -> hidden ReLU -> in (sigmoid).
 */
#ifndef LGC_MODEL_H
#define LGC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/nn.h"
#include "lgc/status.h"

typedef enum { LGC_MODEL_AE = 0 } lgc_model_kind;
typedef enum { LGC_LOSS_BCE = 0, LGC_LOSS_MSE = 1 } lgc_recon_loss;

int lgc_model_from_name(const char *name); /* -1 if unknown */
const char *lgc_model_name(lgc_model_kind k);

#define LGC_MODEL_MAX_LAYERS 16

typedef struct lgc_model_s {
    lgc_model_kind kind;
    size_t c, h, w;        /* image shape */
    size_t hidden, latent;
    lgc_net enc, dec;
} lgc_model;

typedef struct {
    size_t epochs;         /* 20 */
    size_t batch;          /* 256 */
    float lr;              /* 1e-3 */
    lgc_recon_loss loss;   /* MSE (the study's AE) */
    uint64_t seed;
    /* Resuming: epochs already done (the model then holds their parameters and
     * Adam state, loaded by the caller); the shuffles of those epochs are
     * replayed from the seed, so the run continues exactly where it stopped. */
    size_t start_epoch;
    /* Called after every epoch with the epochs done so far, e.g. to save a
     * checkpoint; a non-OK status stops training with that status. May be NULL. */
    lgc_status (*after_epoch)(void *ctx, const struct lgc_model_s *m, size_t epochs_done,
                              lgc_err *err);
    void *after_epoch_ctx;
} lgc_train_opts;

void lgc_train_opts_default(lgc_train_opts *o);

/* Decoder layer list for a model; returns the number of layers written to spec
 * (at most LGC_MODEL_MAX_LAYERS), 0 if the arguments make no model. */
size_t lgc_model_decoder_spec(lgc_model_kind kind, size_t hidden, size_t latent, size_t out_size,
                              lgc_layer_spec *spec);
/* Encoder layer list (input: the image), likewise; the encoder side file
 * (codec.h) is checked against it. */
size_t lgc_model_encoder_spec(lgc_model_kind kind, size_t hidden, size_t latent,
                              lgc_layer_spec *spec);

lgc_status lgc_model_init(lgc_model *m, lgc_model_kind kind, size_t c, size_t h, size_t w,
                          size_t hidden, size_t latent, size_t max_batch, lgc_err *err);
void lgc_model_free(lgc_model *m);

/* Called after every epoch with the mean training loss per image. */
typedef void (*lgc_epoch_fn)(void *ctx, size_t epoch, size_t epochs, double loss, double seconds);

/* Train on x (n, h, w, c) uint8. */
lgc_status lgc_model_train(lgc_model *m, const uint8_t *x, size_t n, const lgc_train_opts *o,
                           lgc_epoch_fn on_epoch, void *ctx, lgc_err *err);
/* Latent codes z (n, latent) of x (n, h, w, c). */
lgc_status lgc_model_encode(lgc_model *m, const uint8_t *x, size_t n, float *z, lgc_err *err);

/* Decode z (n, latent) with a decoder net into uint8 images (n, h, w, c),
 * round(255 * sigmoid(logits)). The net must have max_batch >= 1; n is split
 * into batches of its max_batch. */
void lgc_decode_to_u8(lgc_net *dec, const float *z, size_t n, size_t c, size_t h, size_t w,
                      uint8_t *out);

/* The pixel of a logit, round(255 * sigmoid(z)): skipping the exp where the
 * pixel saturates (fast; valid after lgc_decode_to_u8 has run once, or after
 * lgc_logit_to_u8_init), and by the formula in double (the naive twin). */
void lgc_logit_to_u8_init(void);
uint8_t lgc_logit_to_u8(float z);
uint8_t lgc_logit_to_u8_ref(float z);

#endif
