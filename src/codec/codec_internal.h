/*
 * codec_internal.h - what the files of src/codec share; not a public header.
 *
 *   compress.c    the pipeline: train, encode, sweep the mixtures, assemble,
 *                 fit a byte budget
 *   checkpoint.c  training state after every epoch, and resuming from it
 *   schema.c      every key and tensor of a package: each writer beside its
 *                 reader (key names in keys.h); lgc_codec_open
 *   decompress.c  counts, sampling, decoding, the regenerated files
 *   budget.c      sizes for a byte budget
 *   side.c        the encoder side file
 *   teacher.c     the optional teacher classifier: its keys and tensors, and
 *                 its soft labels
 */
#ifndef LGC_CODEC_INTERNAL_H
#define LGC_CODEC_INTERNAL_H

#include "lgc/codec.h"

/* ---- checkpoint.c ---- */

/* What a checkpoint must agree on to be resumed: the data and every option
 * that shapes training. Stored as keys; compared one by one. */
typedef struct {
    uint64_t data_crc, n, seed, batch, hidden, latent;
    double lr;
    const char *kind, *loss;
} ckpt_id;

typedef struct {
    const char *path;
    ckpt_id id;
    double *loss;   /* (capacity epochs) loss per epoch so far, kept across a resume */
    size_t *n_loss;
    size_t cap_loss;
} ckpt_ctx;

void codec_ckpt_id_make(ckpt_id *id, const lgc_dataset *d, const lgc_compress_opts *o);
/* after_epoch hook of lgc_train_opts: ctx is a ckpt_ctx. */
lgc_status codec_ckpt_save(void *ctx, const lgc_model *m, size_t epochs_done, lgc_err *err);
/* Load a checkpoint into m if one exists; *epochs_done = 0 when there is none. */
lgc_status codec_ckpt_load(const ckpt_ctx *c, lgc_model *m, size_t epochs, size_t *epochs_done,
                           lgc_err *err);

/* ---- exemplars.c ---- */

/* A hybrid package's real images into c (nothing when it has none), checked
 * against c's image shape and classes; their copy counted against max_bytes. */
lgc_status codec_get_exemplars(lgc_codec *c, const lgc_pkg *p, const char *what,
                               uint64_t max_bytes, lgc_err *err);
/* Overwrite the real positions among output positions [start, start + nb) of
 * N (R real in all) in pix (nb, h, w, c) and lab (nb); perm (n_ex) a seeded
 * order of the exemplars. */
void codec_mix_exemplars(const lgc_codec *c, const uint32_t *perm, size_t N, size_t R,
                         size_t start, size_t nb, uint8_t *pix, uint8_t *lab);

/* ---- schema.c ---- */

/* Symmetric int8 with one scale per output row (w ~ scale[o] * q[o][j]):
 * tensor NAME (int8, shape) and NAME.scale (f32, rows). */
lgc_status codec_put_weights_i8(lgc_pkg *p, const char *name, int rank, const uint64_t *shape,
                                const float *w, size_t rows, size_t cols, lgc_err *err);
/* Read a float tensor of exactly the expected shape into out. With allow_i8,
 * an int8 tensor is accepted together with NAME.scale, one positive finite
 * scale per leading row. */
lgc_status codec_get_f32_ex(const lgc_pkg *p, const char *what, const char *name, int rank,
                            const uint64_t *shape, float *out, int allow_i8, lgc_err *err);

/* Every key of a package, the decoder tensors and the mixtures gm[0..M) (M =
 * rep->n_mixtures) into a new package *out (see codec.h for the list). */
lgc_status codec_assemble(const lgc_compress_opts *o, const lgc_model *m, const lgc_images *x,
                          const size_t *counts, size_t n, size_t n_classes,
                          const lgc_compress_report *rep, const lgc_gmm *gm, lgc_pkg **out,
                          lgc_err *err);

#endif
