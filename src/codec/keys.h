/*
 * keys.h - every name the codec stores in a container: the package's keys and
 * tensors (docs/FORMAT.md §10), the encoder side file's, the checkpoint's.
 * schema.c, side.c and checkpoint.c write and read them by these names only.
 */
#ifndef LGC_CODEC_KEYS_H
#define LGC_CODEC_KEYS_H

/* package: what it is */
#define KEY_VERSION "lgc.version"
#define KEY_CREATED "created"
#define KEY_MODEL_KIND "model.kind"
#define KEY_MODEL_HIDDEN "model.hidden"
#define KEY_MODEL_LATENT "model.latent"
#define KEY_IMAGE_SHAPE "image.shape"
#define KEY_DECODER_LAYERS "decoder.layers"
#define KEY_DECODER_OUTPUT "decoder.output"
/* package: classes, and mixtures per group (FORMAT.md 10.2) */
#define KEY_CLASSES "classes"
#define KEY_CLASS_PRIORS "class.priors"
#define KEY_CLASS_COUNTS "class.counts"
#define KEY_MIXTURES "mixtures"
#define KEY_MIXTURE_CLASS "mixture.class"
#define KEY_MIXTURE_GROUP "mixture.group"
#define KEY_MIXTURE_PRIORS "mixture.priors"
#define KEY_MIXTURE_COUNTS "mixture.counts"
/* package: how it was trained */
#define KEY_TRAIN_SEED "train.seed"
#define KEY_TRAIN_EPOCHS "train.epochs"
#define KEY_TRAIN_LOSS "train.loss"
#define KEY_TRAIN_SUPCON_WEIGHT "train.supcon_weight"
#define KEY_TRAIN_SUPCON_TEMP "train.supcon_temp"
#define KEY_TRAIN_SUPCON_FORM "train.supcon_form"
#define KEY_GMM_FIT_ON "gmm.fit_on"
#define KEY_GMM_K_SELECT "gmm.k_select"
#define KEY_GMM_K "gmm.k"
/* package tensors, by layer i or mixture m (snprintf formats) */
#define TENSOR_DEC_W "dec.%zu.w"          /* (OC, C) or (OC, C, K, K); int8: + .scale */
#define TENSOR_DEC_B "dec.%zu.b"          /* (OC) */
#define TENSOR_SCALE_OF "%s.scale"        /* (rows) per-row scales of an int8 tensor */
#define TENSOR_GMM_WEIGHTS "gmm.%zu.weights" /* (K) */
#define TENSOR_GMM_MEANS "gmm.%zu.means"  /* (K, d) */
#define TENSOR_GMM_CHOL "gmm.%zu.chol"    /* (K, d(d+1)/2), lower factor packed by rows */
/* package: the optional teacher (FORMAT.md 10.3; teacher.c) */
#define KEY_TEACHER_KIND "teacher.kind"
#define KEY_TEACHER_LAYERS "teacher.layers" /* 4 per layer: kind, a, b, c of lgc_layer_spec */
#define TENSOR_TEACHER_W "teacher.%zu.w"    /* int8 (OC, C[, K, K]) + .scale (OC) */
#define TENSOR_TEACHER_B "teacher.%zu.b"    /* f16 (OC) */
/* package: differential privacy (docs/PRIVACY.md; informational, compress.c) */
#define KEY_DP_EPSILON "dp.epsilon"
#define KEY_DP_DELTA "dp.delta"
#define KEY_DP_ACCOUNTANT "dp.accountant"
#define KEY_DP_SPLIT "dp.split"
#define KEY_DP_SGD_NOISE "dp.sgd.noise"
#define KEY_DP_SGD_CLIP "dp.sgd.clip"
#define KEY_DP_SGD_RATE "dp.sgd.sample_rate"
#define KEY_DP_SGD_STEPS "dp.sgd.steps"
#define KEY_DP_GMM_NOISE "dp.gmm.noise"
#define KEY_DP_GMM_CLIP "dp.gmm.code_clip"
#define KEY_DP_GMM_SPREAD_CLIP "dp.gmm.spread_clip"
/* package: real images of a hybrid package (FORMAT.md 10.4; exemplars.c) */
#define KEY_EXEMPLARS_METHOD "exemplars.method" /* how they were chosen: random | crust */
#define KEY_EXEMPLARS_SHARE "exemplars.share"   /* f64 in (0, 1]: their share of the output */
#define TENSOR_EXEMPLARS_IMAGES "exemplars.images" /* u8 (k, h, w, c) */
#define TENSOR_EXEMPLARS_LABELS "exemplars.labels" /* u8 (k) */

/* encoder side file (codec.h) */
#define KEY_SIDE_KIND "side.kind"
#define KEY_ENCODER_LAYERS "encoder.layers"
#define KEY_GMM_K_MAX "gmm.k_max"
#define KEY_GMM_BIC "gmm.bic"
#define KEY_LOSS_CURVE "train.loss_curve"
#define TENSOR_ENC_W "enc.%zu.w"
#define TENSOR_ENC_B "enc.%zu.b"

/* checkpoint (checkpoint.c) */
#define KEY_CKPT "lgc.checkpoint"
#define KEY_CKPT_EPOCHS_DONE "ckpt.epochs_done"
#define KEY_CKPT_DATA_CRC "ckpt.data_crc"
#define KEY_CKPT_N "ckpt.n"
#define KEY_CKPT_SEED "ckpt.seed"
#define KEY_CKPT_BATCH "ckpt.batch"
#define KEY_CKPT_HIDDEN "ckpt.hidden"
#define KEY_CKPT_LATENT "ckpt.latent"
#define KEY_CKPT_LR "ckpt.lr"
#define KEY_CKPT_KIND "ckpt.kind"
#define KEY_CKPT_LOSS "ckpt.loss"
#define KEY_CKPT_LOSS_CURVE "ckpt.loss_curve"
#define TENSOR_CKPT_STATE "%s.%s"         /* net ("enc", "dec") . params | adam_m | adam_v */
#define KEY_CKPT_ADAM_T "%s.adam_t"

#endif
