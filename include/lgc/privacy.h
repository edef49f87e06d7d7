/*
 * privacy.h - does a package give away its training records? (docs/PROTOCOL.md §6)
 *
 * The study claimed that only general distributions can be reconstructed
 * from a package, without measuring it. Two measurements:
 *
 * Distance to closest record (DCR). Take n decompressed images, n training
 * images drawn at random and n holdout (test) images: the same number of
 * each, so that chance is fair. For every decompressed image find its
 * nearest training and its nearest holdout image (L2 on pixels x/255, exact:
 * knn.h). A generator that has learnt the distribution and not the records
 * is as close to holdout images as to training images:
 *   - share closer to training: decompressed images whose nearest training
 *     image is nearer than their nearest holdout image (a tie counts half);
 *     0.5 means nothing memorised, above 0.5 it leaks;
 *   - the median of both distances;
 *   - near copies: decompressed images closer to a training image than 99%
 *     of holdout images are to theirs, i.e. below the 1st percentile of the
 *     holdout-to-training nearest distances (percentile with linear
 *     interpolation, as numpy's default). Blurry samples sit closer to
 *     everything, so raw distances of decompressed images are never
 *     compared with those of real images alone; this threshold is the only
 *     place a real-to-real distance enters, as a yardstick.
 *
 * Membership inference. Any score the package gives a record; here the log
 * likelihood of the record's latent code under its class's mixture (the
 * codes need the encoder side file, codec.h). AUC of telling training
 * records from holdout records by it: 0.5 means the score does not leak
 * membership, 1 means it tells them apart perfectly.
 */
#ifndef LGC_PRIVACY_H
#define LGC_PRIVACY_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/codec.h"
#include "lgc/data.h"
#include "lgc/status.h"

typedef struct {
    size_t n_gen, n_train, n_test;
    double share_closer_train;  /* ties count half */
    double median_gen_train;    /* decompressed -> nearest training image */
    double median_gen_test;     /* decompressed -> nearest holdout image */
    double median_test_train;   /* holdout -> nearest training image (the yardstick) */
    double near_copy_threshold; /* 1st percentile of holdout -> training distances */
    double near_copy_fraction;
    double mia_auc;             /* NaN when not measured */
    size_t n_mia_train, n_mia_test;
} lgc_privacy_result;

/* DCR measurements on given sets of uint8 images of dim values each:
 * gen (n_gen, dim), train (n_train, dim), test (n_test, dim), all non-empty.
 * Fills every field but mia_*. The distances themselves go to d_gen_train
 * (n_gen), d_gen_test (n_gen) and d_test_train (n_test) when not NULL. */
lgc_status lgc_privacy_dcr(const uint8_t *gen, size_t n_gen, const uint8_t *train, size_t n_train,
                           const uint8_t *test, size_t n_test, size_t dim,
                           lgc_privacy_result *res, double *d_gen_train, double *d_gen_test,
                           double *d_test_train, lgc_err *err);

/* Area under the ROC curve of telling pos (n_pos) from neg (n_neg) by a
 * higher score: the probability that a random positive scores above a random
 * negative, ties counting half (Mann-Whitney, through average ranks).
 * Non-finite scores are refused (LGC_ERR_VALUE). */
lgc_status lgc_auc(const double *pos, size_t n_pos, const double *neg, size_t n_neg, double *auc,
                   lgc_err *err);

/* The q-quantile (0..1) of x (n >= 1) with linear interpolation between
 * order statistics; x is left as it was. NaN if out of memory. */
double lgc_quantile(const double *x, size_t n, double q);

/* The whole audit of an opened package. */
typedef struct {
    lgc_privacy_result r;
    /* what the pictures need; the caller frees them with lgc_privacy_audit_free */
    double *d_gen_train, *d_gen_test; /* (r.n_gen) */
    double *d_test_train;             /* (r.n_test) */
    double *ll_train, *ll_test;       /* (r.n_mia_train), (r.n_mia_test); NULL without side */
    uint8_t *gen_labels;              /* (r.n_gen) the label of each decompressed image */
    uint32_t *train_index;            /* (r.n_train) which training images were drawn, in order */
} lgc_privacy_audit_out;

/* n decompressed images (lgc_codec_decompress_mem with seed: the same images
 * as `lgc decompress -n n --seed seed`), n training images drawn at random
 * (seeded), and the first n holdout images (each capped at its set's size).
 * With side (may be NULL), the membership AUC on those same training and
 * holdout images. */
lgc_status lgc_privacy_audit(lgc_codec *c, lgc_side *side, const lgc_dataset *train,
                             const lgc_dataset *test, size_t n, uint64_t seed,
                             lgc_privacy_audit_out *out, lgc_err *err);
void lgc_privacy_audit_free(lgc_privacy_audit_out *out);

/* Log likelihood of each image's code under its class's mixture: x (n, h,
 * w, c), y (n), ll (n). Images are encoded in batches of the side's max_batch. */
lgc_status lgc_class_loglik(lgc_codec *c, lgc_side *side, const uint8_t *x, const uint8_t *y,
                            size_t n, double *ll, lgc_err *err);

#endif
