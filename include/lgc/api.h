/*
 * api.h - a small C entry point for other languages (Python's ctypes, lgc's
 * python/lgc module), stable across releases of liblgc.so.0.
 *
 * Only plain values cross it: pointers to bytes and doubles the caller
 * allocates, sizes (size_t), seeds (uint64_t), NUL-terminated strings, and
 * two opaque handles. No struct of lgc's is laid out on the caller's side
 * except lgc_err (status.h: an int and 512 chars), so a caller need not
 * mirror the library's structs, and the library may change them.
 *
 * Options are one string of "key=value" lines (separated by '\n'; a value
 * runs to the end of its line, spaces included), with the names of the
 * command line's options ("--kmax" is kmax; '-' and '_' are the same) and its
 * defaults. An unknown key or a malformed value fails with LGC_ERR_ARG and a
 * message naming it; nothing has been done then.
 *
 * Every call returns an lgc_status and fills err (may be NULL) on failure.
 * Long calls take `cancel` (may be NULL): a flag the caller sets to non-zero
 * from another thread (Python's Ctrl-C handler, say). The call then stops at
 * its next check, between training epochs, the mixture sweep's fits,
 * decompressed blocks of 4,096 images or judge seeds, and returns
 * LGC_ERR_CANCELLED having written nothing. Checks are not made inside one
 * judge's training, nor during training when a checkpoint is used (the
 * checkpoint keeps that hook): there a cancel waits for the stage to end.
 *
 * Images are uint8 (n, h, w, c), c = 1 or 3, labels uint8 (n), as data.h.
 * Calls are thread-safe on distinct handles; each sets the thread count of
 * its own thread (threads=).
 */
#ifndef LGC_API_H
#define LGC_API_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/status.h"

/* Raised when a function here changes meaning; new functions keep it. */
#define LGC_API_VERSION 1
int lgc_api_version(void);

/* Progress of lgc_api_compress: stage "train" (done epochs of total, value
 * the epoch's loss) and "mixtures" (done mixtures of total, value its K).
 * Called on the calling thread or, for "mixtures", on one of the library's
 * threads. */
typedef void (*lgc_api_progress_fn)(void *ctx, const char *stage, size_t done, size_t total,
                                    double value);

/* ---- labelled sets ---------------------------------------------------------- */

typedef struct lgc_api_set lgc_api_set; /* opaque */

/* A set as lgc_dataset_load reads it (data.h): an IDX or NPY images file with
 * its labels file, or a folder of class folders (labels NULL). layout: NULL,
 * "auto", "nhwc" or "nchw" for rank-4 NPY images. */
lgc_status lgc_api_load(const char *images, const char *labels, const char *layout,
                        lgc_api_set **out, lgc_err *err);
/* shape (4): n, h, w, c. n_classes: largest label + 1, or the class folders. */
void lgc_api_set_shape(const lgc_api_set *s, size_t *shape, size_t *n_classes);
/* Copy the images (n*h*w*c bytes) and labels (n bytes) out; either may be NULL. */
void lgc_api_set_copy(const lgc_api_set *s, uint8_t *pix, uint8_t *labels);
void lgc_api_set_free(lgc_api_set *s);

/* ---- packages --------------------------------------------------------------- */

typedef struct lgc_api_pkg lgc_api_pkg; /* opaque */

/* Read and check a package as `lgc decompress` does; max_memory 0 means the
 * command's defaults (1 GiB of data, 2 GiB for the decoder and buffers). */
lgc_status lgc_api_open(const char *path, uint64_t max_memory, lgc_api_pkg **out, lgc_err *err);
/* shape (3): h, w, c of its images. */
void lgc_api_pkg_shape(const lgc_api_pkg *p, size_t *shape, size_t *n_classes);
/* What the package holds as "key=value" lines (lgc info's facts: model,
 * latent, hidden, image_shape h,w,c, n_classes, class_priors, n_mixtures, k,
 * mixture_class, mixture_group, mixture_priors, grouped, package_bytes,
 * format, decoder_params, gmm_params, and every stored key as key.NAME;
 * lists comma-separated; '\' and newlines in strings escaped as \\ and \n).
 * Writes at most cap bytes with a NUL; returns the length the whole text
 * needs (without the NUL), so a call with cap 0 sizes the buffer. */
size_t lgc_api_pkg_describe(const lgc_api_pkg *p, char *buf, size_t cap);
/* n images and labels into pix (n*h*w*c bytes) and labels (n), the same
 * bytes `lgc decompress -n n --seed seed` writes with the same options:
 * order (shuffled | class), balance (prior | classes | groups), threads. */
lgc_status lgc_api_decompress(lgc_api_pkg *p, size_t n, uint64_t seed, const char *options,
                              uint8_t *pix, uint8_t *labels, const int *cancel, lgc_err *err);
/* n images written as `lgc decompress --format F` writes them: F idx or npy
 * (out is the prefix: PREFIX-images.F, PREFIX-labels.F) or png-folder (out
 * is the folder). options as lgc_api_decompress, and force=1 to overwrite.
 * The outputs appear together at the end or not at all. */
lgc_status lgc_api_decompress_to(lgc_api_pkg *p, size_t n, uint64_t seed, const char *format,
                                 const char *out, const char *options, const int *cancel,
                                 lgc_err *err);
void lgc_api_close(lgc_api_pkg *p);

/* ---- compress --------------------------------------------------------------- */

/* Compress the set (pix, labels) into the package out, as `lgc compress`:
 * options model, epochs, batch, lr, loss, hidden, latent, fit_on,
 * supcon_weight, supcon_form, supcon_temp, kmax, budget (bytes, with an
 * optional K, M or G), k_select, n_init, em_precision, refine, precision,
 * decoder, zstd, classes (0: inferred, the largest label + 1), checkpoint (a
 * folder), save_encoder (a path), no_encoder (1), seed, threads, created
 * (the package's "created" text; lgc compress writes the UTC time as
 * 2024-01-31T12:00:00Z, or SOURCE_DATE_EPOCH's) and force (1: overwrite).
 * The outputs (the package and, unless no_encoder, the encoder side file
 * beside it, OUT.enc) are checked before training and appear together at
 * the end or not at all. */
lgc_status lgc_api_compress(const uint8_t *pix, size_t n, size_t h, size_t w, size_t c,
                            const uint8_t *labels, const char *out, const char *options,
                            lgc_api_progress_fn progress, void *ctx, const int *cancel,
                            lgc_err *err);

/* ---- judges ----------------------------------------------------------------- */

/* Train a judge on the first set and test it on the second (same h, w, c), as
 * `lgc eval`, for seeds seed .. seed + seeds - 1: options judge (paper-cnn |
 * lenet | convnet3), steps, seeds, seed, classes (0: inferred from both
 * sets), threads. accuracy (n_acc >= seeds) receives each seed's test
 * accuracy; per_class (may be NULL; n_acc * 256 doubles) each seed's recall
 * per class, row by row of *n_classes entries. */
lgc_status lgc_api_eval(const uint8_t *train_pix, const uint8_t *train_labels, size_t n_train,
                        const uint8_t *test_pix, const uint8_t *test_labels, size_t n_test,
                        size_t h, size_t w, size_t c, const char *options, double *accuracy,
                        size_t n_acc, double *per_class, size_t *n_classes, const int *cancel,
                        lgc_err *err);

#endif
