/*
 * subset.h - the baselines at equal bytes of docs/PROTOCOL.md §5: a
 * class-stratified random subset of real training images, and CRUST's
 * coreset of the same size, as large as a byte budget allows.
 *
 * Bytes. A subset is stored as an images IDX file and a labels IDX file (the
 * images keep their shape); its size is the sum of the two files' xz -9e
 * sizes (liblzma, lossless.h). Images are grouped by class, class 0 first,
 * and kept in their original order within a class: grouped labels cost next
 * to nothing under xz, so this is the order most favourable to the baseline
 * among those that need nothing to undo.
 *
 * Per-class counts for k images in all (lgc_subset_counts): class c with n_c
 * of the n images gets floor(k n_c / n), and the images left over go one each
 * to the classes with the largest remainders (ties: the lower class). Every
 * class that has images must get at least one: a class left at 0 (possible
 * only for k below about 1.5 per class) takes one from the class with the
 * most (ties: the lower class). So k runs from the number of classes present
 * to n.
 *
 * Random: each class's images in a seeded random order (xoshiro stream
 * 1000 + c of the seed); the first counts[c] of them.
 *
 * Budget. k is searched by measuring candidate subsets (each a few seconds
 * for megabytes of images): extrapolate from the sizes measured so far to
 * bracket the budget, then interpolate and gallop inside the bracket until
 * two neighbours k and k+1 are found with k fitting and k+1 not. The subsets
 * for k and k+1 differ by one image (except where the largest remainder moves
 * a seat between classes), so their size grows with k and that k is the
 * largest that fits; the search does not measure every k to prove it.
 *
 * CRUST (Mirzasoleiman et al. 2020, docs/PROTOCOL.md §5): the same per-class
 * counts as the random subset for the budget. The paper-cnn judge is trained
 * for one epoch over the whole set (ceil(n / 64) steps at batch 64 with the
 * subset's seed: 938 steps for MNIST); every image's gradient embedding is
 * taken at that net (judge.h, 170 values for 10 classes); then, per class,
 * k-medoids (kmedoids.h; Euclidean, xoshiro stream 2000 + c) with counts[c]
 * clusters. The medoids are the subset, each with its cluster's size as
 * weight. CRUST's images are others than the random subset's, so their xz
 * size (reported) may land a little above or below the budget.
 */
#ifndef LGC_SUBSET_H
#define LGC_SUBSET_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/data.h"
#include "lgc/progress.h"
#include "lgc/status.h"

typedef enum { LGC_SUBSET_RANDOM = 0, LGC_SUBSET_CRUST = 1 } lgc_subset_method;

/* "random" / "crust" <-> method; -1 for an unknown name. */
int lgc_subset_method_from_name(const char *name);
const char *lgc_subset_method_name(lgc_subset_method m);

#define LGC_SUBSET_MAX_CLASSES 256
/* A class above this many images would need a k-medoids distance matrix of
 * more than 4 GiB. */
#define LGC_SUBSET_MAX_CLASS_IMAGES 32768

typedef struct {
    lgc_subset_method method;
    uint64_t budget;    /* bytes: xz -9e of the images file + the labels file */
    uint64_t seed;      /* random order, judge training, k-medoids++ */
    size_t max_iter;    /* k-medoids alternations per class, a safety net [100] */
} lgc_subset_opts;

void lgc_subset_opts_default(lgc_subset_opts *o);

typedef struct {
    lgc_subset_method method;
    size_t k;                              /* images chosen */
    size_t n_classes;
    size_t counts[LGC_SUBSET_MAX_CLASSES]; /* (n_classes) images chosen per class */
    uint32_t *idx;     /* (k) indices into the set: by class, ascending within a class */
    float *weight;     /* (k) CRUST: each medoid's cluster size; NULL for random */
    size_t xz_images, xz_labels; /* xz -9e bytes of this subset's two IDX files */
    size_t n_probes;   /* subsets the budget search measured */
    size_t max_iters;  /* CRUST: the most k-medoids alternations a class took */
    int capped;        /* CRUST: some class stopped at max_iter, not at convergence */
} lgc_subset;

/* Stages reported while selecting (lgc_progress_fn, may be NULL): "search"
 * (done = subsets measured, total 0), "judge" (judge steps), "embed" (0 of
 * 1, then 1 of 1), "cluster" (classes done of n_classes). */

/* Per-class counts for k images from the class sizes n_class (n_classes), as
 * described above; LGC_ERR_ARG if k is below the number of non-empty classes
 * or above their total. */
lgc_status lgc_subset_counts(const size_t *n_class, size_t n_classes, size_t k, size_t *counts,
                             lgc_err *err);

/* The random subset of k images of d for seed: idx (k) and counts
 * (d->n_classes), both as lgc_subset holds them. */
lgc_status lgc_subset_random(const lgc_dataset *d, uint64_t seed, size_t k, uint32_t *idx,
                             size_t *counts, lgc_err *err);

/* xz -9e bytes of the images and labels IDX files of the images idx (k) of d,
 * in that order (the files lgc_subset_write writes for them). */
lgc_status lgc_subset_xz(const lgc_dataset *d, const uint32_t *idx, size_t k, size_t *xz_images,
                         size_t *xz_labels, lgc_err *err);

/* Choose the subset (above). A budget that cannot hold one image per class
 * is LGC_ERR_LIMIT. out is zeroed first; free it with lgc_subset_free. */
lgc_status lgc_subset_select(const lgc_subset_opts *o, const lgc_dataset *d, lgc_subset *out,
                             lgc_progress_fn progress, void *progress_ctx, lgc_err *err);

/* Output names: PREFIX-images.idx, PREFIX-labels.idx, PREFIX-weights.npy.
 * which: 0, 1, 2. Returns a malloc'd string or NULL. */
char *lgc_subset_path(const char *prefix, int which);

/* Can the outputs be created (and, without overwrite, do they not exist)?
 * Call before the work; nothing is left behind. with_weights: CRUST. */
lgc_status lgc_subset_probe(const char *prefix, int with_weights, int overwrite, lgc_err *err);

/* Write the subset of d: PREFIX-images.idx (uint8, d's image shape),
 * PREFIX-labels.idx and, for CRUST, PREFIX-weights.npy (float32 (k,)). Each
 * file is atomic and all appear together: on failure none is left. */
lgc_status lgc_subset_write(const lgc_subset *s, const lgc_dataset *d, const char *prefix,
                            int overwrite, lgc_err *err);

void lgc_subset_free(lgc_subset *s);

#endif
