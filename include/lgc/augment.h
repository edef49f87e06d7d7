/*
 * augment.h - the augmenting judge's transform (docs/PROTOCOL.md §4): each
 * training image, each time it is drawn into a batch, gets a fresh random
 * affine transform about the image centre: rotation uniform in +-12 degrees,
 * isotropic scale uniform in [0.9, 1.1], integer shift uniform in {-2..2}
 * pixels on each axis, bilinear interpolation, zero outside the image. The
 * draw comes from a stream named by the judge seed, the step and the row of
 * the batch, so the images a judge sees do not depend on the thread count.
 */
#ifndef LGC_AUGMENT_H
#define LGC_AUGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/rng.h"

typedef struct {
    double angle; /* radians, counter-clockwise on the image as displayed */
    double scale; /* > 0 */
    int dx, dy;   /* pixels: right and down */
} lgc_affine;

/* The protocol's ranges (above), drawn from r. */
void lgc_affine_draw(lgc_rng *r, lgc_affine *a);
/* The stream of row i of the batch of step s of a judge of seed `seed`. */
void lgc_affine_stream(lgc_rng *r, uint64_t seed, uint64_t step, size_t row);

/* dst (c, h, w) = src (c, h, w) transformed by a: each output pixel takes
 * the bilinear sample of src at the inverse-mapped point (zero outside).
 * dst and src must not overlap. _ref: the same, by the formula per pixel in
 * double (the naive twin). */
void lgc_affine_apply(const lgc_affine *a, const float *src, float *dst, size_t c, size_t h,
                      size_t w);
void lgc_affine_apply_ref(const lgc_affine *a, const float *src, float *dst, size_t c, size_t h,
                          size_t w);

#endif
