/*
 * spuco.h - SpuCo MNIST: digits on coloured backgrounds, where the colour
 * predicts the label in training but not at test (docs/PROTOCOL.md §1).
 *
 * A grey image becomes RGB by repeating its grey level; every pixel that is
 * exactly 0 takes the background colour instead (the "large magnitude"
 * spurious feature: the whole background). Colour c is entry c of the tab10
 * palette (lgc_spuco_palette). Ten classes, ten colours; the *group* of an
 * image is label * 10 + colour, 100 groups.
 *
 * Training split, per class with n images: floor(p * n) of them, chosen at
 * random, get the class's own colour; the other r = n - floor(p * n) get the
 * other nine colours in turn (the k-th of them colour other[k mod 9], the
 * other colours in ascending order), so other colour j is used
 * floor(r / 9) + (j < r mod 9) times; the list of colours is then shuffled
 * over the class's images. Then label noise: int(f * N) distinct images,
 * chosen at random, get a random *other* label. Colours are assigned before
 * the noise, from the true class, so a noisy image keeps its colour; its
 * group follows the label it carries (the noisy one), as SpuCo's group
 * partition does, so that every group belongs to exactly one label (what
 * `lgc compress --groups` requires).
 *
 * SpuCo itself draws the noisy images with replacement (so fewer than
 * int(f * N) may change, one may change twice) and takes the round-robin
 * over all positions of a class rather than over the minority ones; lgc
 * draws without replacement and counts round-robin over the minority, so
 * the counts are exact.
 *
 * Test split: no noise; within each class the i-th image (after a shuffle)
 * gets colour i mod 10, so the colours of a class differ in count by at most 1.
 *
 * Deterministic: the same images, labels, options and seed give the same bytes.
 */
#ifndef LGC_SPUCO_H
#define LGC_SPUCO_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/data.h"
#include "lgc/status.h"

#define LGC_SPUCO_CLASSES 10
#define LGC_SPUCO_GROUPS (LGC_SPUCO_CLASSES * LGC_SPUCO_CLASSES)

/* tab10: #1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf */
extern const uint8_t lgc_spuco_palette[LGC_SPUCO_CLASSES][3];

typedef enum { LGC_SPUCO_TRAIN = 0, LGC_SPUCO_TEST = 1 } lgc_spuco_split;

typedef struct {
    double strength;    /* p in [0, 1]: share of a class with its own colour [0.99] */
    double label_noise; /* f in [0, 1]: share of training labels replaced [0.001] */
    uint64_t seed;      /* [1] */
} lgc_spuco_opts;

void lgc_spuco_opts_default(lgc_spuco_opts *o);

/* Make one split from grey images x (n, h, w, 1) with labels y (< 10).
 * On success rgb (n, h, w, 3), labels (n, noisy for the training split) and
 * groups (n, label * 10 + colour) are new buffers the caller frees, and
 * *n_noisy (may be NULL) receives the number of changed labels. */
lgc_status lgc_spuco_make(const lgc_images *x, const lgc_labels *y, lgc_spuco_split split,
                          const lgc_spuco_opts *o, lgc_images *rgb, lgc_labels *labels,
                          lgc_labels *groups, size_t *n_noisy, lgc_err *err);

#endif
