/*
 * codec.h - Latent Gaussian Compression: the pipeline that ties a model, the
 * per-class mixtures and the package together.
 *
 * compress: train the autoencoder on all images, encode each class, fit one
 * Gaussian mixture per class with K chosen by BIC, and put the decoder, the
 * mixtures and the class priors into a package (lgc_pkg). With groups (one id
 * per image, each group within one class, e.g. SpuCo's class and colour) it
 * fits one mixture per group instead, and the package lists which class each
 * mixture generates and its share (docs/FORMAT.md 10.2; required flag
 * LGC_PKG_FLAG_MIXTURES), so that decompression can rebalance the groups.
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
 *           train.* (train.supcon_* for the contrastive kinds), created;
 *           per group also mixtures, mixture.class, mixture.group,
 *           mixture.priors, mixture.counts (gmm.k then has one entry per mixture)
 *   The decoder reads latent inputs, or latent + classes for the conditional
 *   kinds ([z, one-hot of the class]); the mixtures are always latent-wide.
 *   tensors dec.<i>.w / dec.<i>.b for each parametrised decoder layer i
 *           (dec.<i>.w.scale too when the weights are int8);
 *           gmm.<m>.weights (K), gmm.<m>.means (K,d), gmm.<m>.chol (K, d(d+1)/2),
 *           the lower Cholesky factor packed row by row, for each mixture m
 *           (m = the class without groups).
 */
#ifndef LGC_CODEC_H
#define LGC_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/data.h"
#include "lgc/gmm.h"
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
    int keep_codes;         /* return the latent codes in the report (rep->codes) */
    /* Training state is saved to this file after every epoch (atomically); if
     * it exists when compression starts and was made from the same images,
     * labels and training options, training resumes from it and the package
     * comes out byte-identical to an uninterrupted run. May be NULL. */
    const char *checkpoint_path;
    int keep_side;          /* 1: rep->side receives the encoder side file (see below);
                             * per-class packages only */
    /* (n) group id of each image: one mixture per group present, each group
     * within one class (else LGC_ERR_VALUE naming two images); NULL: one
     * mixture per class. */
    const uint8_t *groups;
    /* 0: no limit. Else the package must take at most this many bytes: after
     * the BIC sweep, components are taken away one at a time from the mixture
     * whose BIC rises least (and that mixture refitted) until it fits; an
     * LGC_ERR_LIMIT error if one component per mixture is still too many.
     * lgc_budget_plan picks the model sizes for a budget. */
    uint64_t budget;
    /* Differential privacy (docs/PRIVACY.md), on when dp_epsilon > 0: the
     * autoencoder trained with DP-SGD (train.dp_clip, train.dp_noise are
     * then set here), one Gaussian (dp_k components) per class fitted
     * by the Gaussian mechanism (lgc_gmm_dp_fit; the means' clip dp_code_clip
     * or, when 0, a noisy quantile of the codes' norms), the class
     * priors from noisy counts, and both noises calibrated with the RDP
     * accountant (lgc/dp.h) so that the package as a whole is
     * (dp_epsilon, dp_delta)-DP: the training noise for (1 - dp_gmm_share)
     * of epsilon alone, then the mixtures' noise for what is left. Model ae,
     * per-class mixtures, no budget refit, one process. */
    double dp_epsilon, dp_delta;
    float dp_clip;         /* per-image gradient clip [0.01] */
    double dp_code_clip;   /* 0: chosen under DP (lgc_gmm_dp_fit) */
    double dp_gmm_share;   /* [0.1] */
    size_t dp_k;           /* components per class (lgc_gmm_dp_opts.k) [1] */
} lgc_compress_opts;

void lgc_compress_opts_default(lgc_compress_opts *o);

/* The training sizes under differential privacy for n images (docs/PRIVACY.md
 * says how they were chosen: on a validation split of MNIST's training set):
 * DP-SGD wants larger batches and more epochs than the plain default. Sets
 * train.batch (1024, or n / 48 for fewer than 49,152 images), train.epochs
 * (80), train.lr (0.002) and latent (32 for dp_epsilon >= 2, else 16) where
 * the bit of `keep` is clear (the caller's own choices stay). */
enum { LGC_DP_KEEP_BATCH = 1, LGC_DP_KEEP_EPOCHS = 2, LGC_DP_KEEP_LR = 4, LGC_DP_KEEP_LATENT = 8 };
void lgc_compress_opts_dp_sizes(lgc_compress_opts *o, size_t n, unsigned keep);

/* Sizes for a dense `ae` package of at most budget bytes on images of
 * (h, w, c) with n_classes classes: sets o->hidden, o->latent,
 * o->decoder_dtype, o->gmm.k_max and o->budget from an estimate of the
 * bytes each part takes (codec/budget.c gives the rule and why). Fails with
 * LGC_ERR_LIMIT, naming the smallest budget it can plan, when budget is
 * below it. */
lgc_status lgc_budget_plan(uint64_t budget, size_t h, size_t w, size_t c, size_t n_classes,
                           lgc_compress_opts *o, lgc_err *err);
/* The estimate lgc_budget_plan uses: bytes of a dense ae package with these
 * sizes and sum_k mixture components in all. */
uint64_t lgc_budget_estimate(size_t hidden, size_t latent, lgc_dtype decoder, size_t pixels,
                             size_t n_classes, size_t sum_k);

typedef struct {
    size_t n_classes;
    size_t class_n[LGC_MAX_CLASSES];
    /* per mixture m < n_mixtures (= n_classes, mixture m = class m, without groups) */
    size_t n_mixtures;
    size_t mix_class[LGC_MAX_GROUPS], mix_group[LGC_MAX_GROUPS];
    size_t mix_n[LGC_MAX_GROUPS];
    size_t k[LGC_MAX_GROUPS];      /* K in the package */
    size_t k_bic[LGC_MAX_GROUPS];  /* K chosen by BIC, before a budget lowered it */
    size_t bytes;                          /* package bytes, when a budget was checked */
    double bic[LGC_MAX_GROUPS][LGC_CODEC_KMAX]; /* NaN where not evaluated */
    double final_loss;
    double train_seconds, gmm_seconds;
    size_t resumed_epochs;  /* epochs taken from the checkpoint */
    float *codes;           /* (n, latent) when opts.keep_codes; the caller frees it */
    size_t n_codes, latent;
    /* with o->dp_epsilon: what the accountant set and spent */
    double dp_epsilon, dp_sgd_noise, dp_gmm_noise, dp_code_clip, dp_spread_clip, dp_sample_rate;
    size_t dp_steps;
    lgc_pkg *side; /* with o->keep_side: the encoder side file, the caller's to lgc_pkg_free;
                    * else NULL */
} lgc_compress_report;

/* data: the training set (labels < n_classes). On success *out is a new package
 * (and rep->side a side file if o->keep_side); on failure both are NULL.
 * progress (may be NULL) hears stage "train" after every epoch (value: the
 * loss, seconds: the epoch's) and stage "mixtures" as each mixture's K is
 * chosen, in the order they finish (item: the mixture, the class without
 * groups; value: K; seconds: since the mixtures began). */
lgc_status lgc_compress(const lgc_dataset *data, size_t n_classes, const lgc_compress_opts *o,
                        lgc_progress_fn progress, void *ctx, lgc_pkg **out,
                        lgc_compress_report *rep, lgc_err *err);

/* A package opened for generation. */
typedef struct {
    lgc_model_kind kind;
    size_t c, h, w, latent, hidden;
    size_t n_classes;
    double priors[LGC_MAX_CLASSES];        /* per class */
    /* mixtures: one per class (mixture m = class m), or one per group when
     * grouped; the first n_mix entries of each array are used */
    size_t n_mix;
    int grouped;
    lgc_gmm gmm[LGC_MAX_GROUPS];
    double mix_prior[LGC_MAX_GROUPS];  /* sum 1 */
    uint8_t mix_class[LGC_MAX_GROUPS]; /* the label mixture m generates */
    uint8_t mix_group[LGC_MAX_GROUPS]; /* its group id (the class without groups) */
    size_t dec_in;   /* decoder input: latent, or latent + n_classes (conditional kinds) */
    lgc_net dec;
    float *z;        /* (dec.max_batch, latent) sampling scratch */
    float *zin;      /* (dec.max_batch, dec_in) decoder rows [z, one-hot] */
    /* a hybrid package's real images (docs/FORMAT.md 10.4); n_ex = 0 without */
    size_t n_ex;
    double ex_share;  /* their share of every decompressed set, (0, 1] */
    uint8_t *ex_pix;  /* (n_ex, h, w, c) */
    uint8_t *ex_lab;  /* (n_ex) */
    /* Decompression across ranks (NULL: this process alone), set by the
     * caller after opening: output block j is generated by rank j mod size
     * and sent to rank 0, which alone hands blocks to the sink, in order; the
     * other ranks' sinks are never called. Same bytes as one process. */
    const lgc_comm *comm;
} lgc_codec;

/* Validate meaning and rebuild the decoder for batches of up to max_batch.
 * Errors name the key or tensor at fault, prefixed by `what` (e.g. the path).
 * Uses lgc_codec_open_capped with LGC_CODEC_MEMORY_DEFAULT. */
lgc_status lgc_codec_open(lgc_codec *c, const lgc_pkg *p, const char *what, size_t max_batch,
                          lgc_err *err);

/* What opening may allocate unless told otherwise: 2 GiB. */
#define LGC_CODEC_MEMORY_DEFAULT ((uint64_t)2 << 30)

/* lgc_codec_open, refusing with LGC_ERR_LIMIT (a message naming the need and
 * the cap) a package whose opened codec would take more than max_bytes: the
 * decoder as lgc_net plans it for max_batch (parameters, gradients, Adam
 * moments, activations), the mixtures in double, the sampling scratch, and
 * one block of generated images and labels as lgc_codec_decompress_files
 * holds it. Checked from the package's sizes before anything is allocated, so
 * a few hundred bytes claiming a vast decoder cost nothing. */
lgc_status lgc_codec_open_capped(lgc_codec *c, const lgc_pkg *p, const char *what,
                                 size_t max_batch, uint64_t max_bytes, lgc_err *err);
void lgc_codec_free(lgc_codec *c);

/* Counts for N samples in proportion to the n shares (n <= LGC_MAX_GROUPS;
 * the shares sum to 1), summing to N exactly (largest remainder; ties to the
 * lower index). */
void lgc_class_counts(const double *priors, size_t n_classes, size_t N, size_t *counts);

/* How decompression splits N over the mixtures (docs/FORMAT.md 10.2): in
 * proportion to their priors; evenly over the classes (then by the priors of a
 * class's mixtures); evenly over the mixtures, i.e. the groups. */
typedef enum { LGC_BALANCE_PRIOR = 0, LGC_BALANCE_CLASSES = 1, LGC_BALANCE_GROUPS = 2 } lgc_balance;

/* Images per mixture, counts (n_mix), summing to N. LGC_BALANCE_GROUPS needs a
 * grouped package (LGC_ERR_ARG otherwise). */
lgc_status lgc_codec_counts(const lgc_codec *c, size_t N, lgc_balance b, size_t *counts,
                            lgc_err *err);

/* Sample n images of class cls into out (n, h, w, c): each sample's mixture
 * drawn from the class's mixtures by their priors (without groups, the class's
 * one mixture, and no draw). */
lgc_status lgc_codec_generate(lgc_codec *c, size_t cls, size_t n, lgc_rng *r, uint8_t *out,
                              lgc_err *err);
/* Sample n images of mixture m (labelled c->mix_class[m]) into out. */
lgc_status lgc_codec_generate_mixture(lgc_codec *c, size_t m, size_t n, lgc_rng *r,
                                      uint8_t *out, lgc_err *err);

/* The order of a regenerated set. Shuffled: a seeded uniformly random order
 * of the images of every class, so that any slice of the output is a sample
 * of the whole (the default of lgc decompress). Class: mixture after mixture
 * (class after class without groups), as lgc 0.1 wrote it. The two orders
 * draw from different random streams: they are different images, not one
 * set in two orders. */
typedef enum { LGC_ORDER_SHUFFLED = 0, LGC_ORDER_CLASS = 1 } lgc_order;

/* Regenerate N images and labels into PREFIX-images.{idx,npy} and
 * PREFIX-labels.{idx,npy}, counts by lgc_codec_counts, in blocks of 4,096
 * images, writing as it goes: memory does not grow with N but for 4 bytes per
 * mixture and block in shuffled order. The bytes depend on the seed, balance
 * and order, not on the thread count. Both files appear together at the end
 * or not at all; without overwrite an existing name is refused at the moment
 * of publishing. progress (may be NULL) hears stage "decompress" after every
 * block, done the images written of total N. */
lgc_status lgc_codec_decompress_files(lgc_codec *c, size_t N, uint64_t seed, lgc_balance balance,
                                      lgc_order order, const char *prefix, lgc_file_format fmt,
                                      int overwrite,
                                      lgc_progress_fn progress,
                                      void *ctx, lgc_err *err);

/*
 * The encoder side file. A package ships only the decoder, so nothing that
 * needs codes of real images (reconstructions, a t-SNE of real codes, the
 * Gaussianity check, membership inference) can be computed from it alone.
 * With opts.keep_side, lgc_compress also returns a second container
 * (lgc_pkg; `lgc compress` writes it beside the package as OUT.enc) holding what the
 * compressor knew but does not ship. It is never needed to decompress.
 *   keys    side.kind = "encoder", model.kind, model.hidden, model.latent,
 *           image.shape [h,w,c], encoder.layers [kind,a,b,c per layer],
 *           classes, gmm.k (as in the package), gmm.k_max,
 *           gmm.bic (classes * k_max, row per class, NaN where not evaluated),
 *           train.loss_curve (mean training loss per image, one per epoch),
 *           created (the package's, when it has one)
 *   tensors enc.<i>.w / enc.<i>.b, f32, for each parametrised encoder layer i
 * lgc_side_open checks it against an opened package: same model, sizes and
 * per-class K, and the same "created" when both have one; a side file of
 * another package is refused (LGC_ERR_VALUE), since its codes would not be
 * the ones the package's mixtures were fitted to.
 */
typedef struct {
    lgc_model m;           /* m.enc rebuilt from the side file, batches up to max_batch;
                            * m.dec is empty */
    size_t n_classes, k_max;
    double *bic;           /* (n_classes, k_max) */
    double *loss_curve;    /* (n_epochs) */
    size_t n_epochs;
} lgc_side;

/* Build the side file of a trained model (used by lgc_compress; exposed for
 * tests). bic is (n_classes, k_max), k (n_classes), loss (n_epochs). */
lgc_status lgc_side_build(const lgc_model *m, size_t n_classes, const size_t *k, size_t k_max,
                          const double *bic, const double *loss, size_t n_epochs,
                          const char *created, lgc_pkg **out, lgc_err *err);

/* Check side (see above) against the opened package c and rebuild the
 * encoder. what names the side file in errors; pkg_created is the package's
 * "created" or NULL. */
lgc_status lgc_side_open(lgc_side *s, const lgc_pkg *side, const char *what, const lgc_codec *c,
                         const char *pkg_created, size_t max_batch, lgc_err *err);
/* NULL and a zeroed side are no-ops. */
void lgc_side_free(lgc_side *s);

/* Where lgc_codec_decompress_sink hands the images, block by block in output
 * order: nb images pix (nb, h, w, c) and their labels lab (nb). A status
 * other than LGC_OK stops decompression and is returned (a sink that polls a
 * cancel flag returns LGC_ERR_CANCELLED). */
typedef lgc_status (*lgc_block_sink)(void *ctx, const uint8_t *pix, const uint8_t *lab,
                                     size_t nb, lgc_err *err);

/* Regenerate N images as lgc_codec_decompress_files does (the same images in
 * the same order for the same seed, balance and order), handing them to sink.
 * progress (may be NULL) hears stage "decompress" after every block. */
lgc_status lgc_codec_decompress_sink(lgc_codec *c, size_t N, uint64_t seed, lgc_balance balance,
                                     lgc_order order, lgc_block_sink sink, void *sink_ctx,
                                     lgc_progress_fn progress, void *ctx, lgc_err *err);

/* The same images written as a folder of class folders of PNG files
 * (lgc_png_folder, data.h): DIR/CLASS/INDEX.png, which lgc_folder_read (and
 * torchvision's ImageFolder) reads back as the same set in the same order.
 * The folder appears complete at the end or not at all. */
lgc_status lgc_codec_decompress_folder(lgc_codec *c, size_t N, uint64_t seed,
                                       lgc_balance balance, lgc_order order, const char *dir,
                                       int overwrite, lgc_progress_fn progress, void *ctx,
                                       lgc_err *err);

/* The teacher (optional; docs/FORMAT.md 10.3): a classifier trained on the
 * real set, stored in the package (its layer list, int8 weights with one
 * scale per output row, float16 biases) so that decompression can write a
 * probability row per regenerated image. Only conv, dense, ReLU and 2x2 pools.
 * put: into p, kind a name for people (e.g. "paper-cnn"). get: *has = 0 and
 * LGC_OK when p has none; else net (batches of up to 256) for images
 * (c, h, w) and n_classes outputs, every stored number checked. teach:
 * probs (x->n, K) = softmax of the net's logits on x. */
lgc_status lgc_codec_put_teacher(lgc_pkg *p, const lgc_net *net, const char *kind, lgc_err *err);
lgc_status lgc_codec_get_teacher(const lgc_pkg *p, const char *what, size_t c, size_t h, size_t w,
                                 size_t n_classes, lgc_net *net, int *has, lgc_err *err);
lgc_status lgc_codec_teach(lgc_net *net, const lgc_images *x, size_t K, float *probs,
                           lgc_err *err);

/* Hybrid packages (optional; docs/FORMAT.md 10.4): x->n real training images
 * with their labels (x->n), stored as they are, and share in (0, 1], the
 * fraction of every decompressed set they fill (evenly spaced through the
 * shuffled output, each used equally often). put: into p, with the required
 * flag LGC_PKG_FLAG_EXEMPLARS; method names how they were chosen ("random",
 * "crust"). lgc_codec_open reads them into c->ex_*, checked. exemplar_count:
 * how many of N decompressed images are real (0 without exemplars). Class
 * order (LGC_ORDER_CLASS) cannot hold them: decompressing a hybrid package
 * in it is LGC_ERR_ARG. */
lgc_status lgc_codec_put_exemplars(lgc_pkg *p, const lgc_images *x, const uint8_t *labels,
                                   double share, const char *method, lgc_err *err);
size_t lgc_codec_exemplar_count(const lgc_codec *c, size_t N);

/* Sample every component with its covariance times t^2 (its factor times
 * t; t > 0, 1 changes nothing): t > 1 spreads the samples away from the
 * components' centres, where near copies of training images sit
 * (docs/PRIVACY.md). Applies to what c generates from now on. */
lgc_status lgc_codec_set_temperature(lgc_codec *c, double t, lgc_err *err);

/* Regenerate N images and labels into memory, exactly as
 * lgc_codec_decompress_files does with the same seed, balance and order:
 * x (N, h, w, c) and y (N). */
lgc_status lgc_codec_decompress_mem(lgc_codec *c, size_t N, uint64_t seed, lgc_balance balance,
                                    lgc_order order, uint8_t *x, uint8_t *y, lgc_err *err);

#endif
