/*
 * codec.h - Latent Gaussian Compression: the pipeline that ties a model, the
 * per-class mixtures and the package together.
 *
 * compress: train the autoencoder on all images, encode each class, fit one
 * Gaussian mixture per class with K chosen by BIC, and put the decoder, the
 * mixtures and the class priors into a package (lgc_pkg).
 *
 * decompress: lgc_codec_open checks a package's meaning, not only its
 * structure (a known model whose layer list chains and whose stored tensors
 * have exactly the planned shapes; finite numbers; class priors and mixture
 * weights summing to 1; positive Cholesky diagonals) and rebuilds the decoder;
 * lgc_codec_generate samples a class's mixture and decodes the samples.
 *
 * Package contents (see docs/FORMAT.md for the container):
 *   keys    lgc.version, model.kind, model.hidden, model.latent, image.shape
 *           [h,w,c], decoder.layers [kind,a,b,c per layer], classes,
 *           class.priors, class.counts, gmm.k, gmm.fit_on (code, mu or z),
 *           train.* (train.supcon_* for the contrastive kinds), created
 *   The decoder reads latent inputs, or latent + classes for the conditional
 *   kinds ([z, one-hot of the class]); the mixtures are always latent-wide.
 *   tensors dec.<i>.w / dec.<i>.b for each parametrised decoder layer i
 *           (dec.<i>.w.scale too when the weights are int8);
 *           gmm.<c>.weights (K), gmm.<c>.means (K,d), gmm.<c>.chol (K, d(d+1)/2),
 *           the lower Cholesky factor packed row by row.
 */
#ifndef LGC_CODEC_H
#define LGC_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/data.h"
#include "lgc/gmm.h"
#include "lgc/judge.h" /* LGC_MAX_CLASSES */
#include "lgc/model.h"
#include "lgc/pkg.h"
#include "lgc/rng.h"

#define LGC_CODEC_KMAX 32

typedef struct {
    lgc_model_kind model;
    size_t hidden, latent;
    lgc_train_opts train;
    lgc_gmm_opts gmm;
    lgc_dtype param_dtype;  /* mixtures and biases: LGC_DT_F16 (default) or LGC_DT_F32 */
    lgc_dtype decoder_dtype; /* decoder weights: I8 (default) with one scale per output row
                              * (stored as dec.<i>.w.scale, f32), F16 or F32 */
    int zstd_level;         /* 0: data section stored raw */
    lgc_fit_on fit_on;      /* VAE kinds: mixtures fitted to mu (default) or a sample z */
    const char *created;    /* free text stored as "created" (time, host); may be NULL */
} lgc_compress_opts;

void lgc_compress_opts_default(lgc_compress_opts *o);

typedef struct {
    size_t n_classes;
    size_t class_n[LGC_MAX_CLASSES];
    size_t k[LGC_MAX_CLASSES];
    double bic[LGC_MAX_CLASSES][LGC_CODEC_KMAX]; /* NaN where not evaluated */
    double final_loss;
    double train_seconds, gmm_seconds;
} lgc_compress_report;

typedef struct {
    lgc_epoch_fn on_epoch;
    /* after each class's mixture: class index, K chosen, seconds */
    void (*on_class)(void *ctx, size_t cls, size_t n_classes, size_t k, double seconds);
    void *ctx;
} lgc_compress_hooks;

/* data: the training set (labels < n_classes). On success *out is a new package. */
lgc_status lgc_compress(const lgc_dataset *data, size_t n_classes, const lgc_compress_opts *o,
                        const lgc_compress_hooks *hooks, lgc_pkg **out, lgc_compress_report *rep,
                        lgc_err *err);

/* A package opened for generation. */
typedef struct {
    lgc_model_kind kind;
    size_t c, h, w, latent, hidden;
    size_t n_classes;
    double priors[LGC_MAX_CLASSES];
    lgc_gmm gmm[LGC_MAX_CLASSES];
    size_t dec_in;   /* decoder input: latent, or latent + n_classes (conditional kinds) */
    lgc_net dec;
    float *z;        /* (dec.max_batch, latent) sampling scratch */
    float *zin;      /* (dec.max_batch, dec_in) decoder rows [z, one-hot] */
    float *onehot;   /* (dec.max_batch, n_classes) */
} lgc_codec;

/* Validate meaning and rebuild the decoder for batches of up to max_batch.
 * Errors name the key or tensor at fault, prefixed by `what` (e.g. the path). */
lgc_status lgc_codec_open(lgc_codec *c, const lgc_pkg *p, const char *what, size_t max_batch,
                          lgc_err *err);
void lgc_codec_free(lgc_codec *c);

/* Per-class counts for N samples from the priors, summing to N exactly
 * (largest remainder; ties to the lower class). */
void lgc_class_counts(const double *priors, size_t n_classes, size_t N, size_t *counts);

/* Sample n latent codes of class cls and decode them into out (n, h, w, c). */
lgc_status lgc_codec_generate(lgc_codec *c, size_t cls, size_t n, lgc_rng *r, uint8_t *out,
                              lgc_err *err);

/* Regenerate N images and labels into PREFIX-images.{idx,npy} and
 * PREFIX-labels.{idx,npy}, class by class, in blocks, writing as it goes. Both
 * files appear together at the end or not at all. progress may be NULL. */
lgc_status lgc_codec_decompress_files(lgc_codec *c, size_t N, uint64_t seed, const char *prefix,
                                      lgc_file_format fmt, int overwrite,
                                      void (*progress)(void *ctx, size_t done, size_t total),
                                      void *ctx, lgc_err *err);

#endif
