/*
 * pixels.h - the pixel conversions training, judging and decoding share.
 *
 * Images are uint8 (n, h, w, c), pixels meaning x/255; networks read float
 * planes (n, c, h, w). A decoder's output is a logit per pixel, and the pixel
 * it stands for is round(255 sigmoid(z)) (half away from zero), computed
 * without the exp where it saturates and settled exactly against a constant
 * table of rounding thresholds elsewhere. Every fast kernel has a naive twin
 * (_ref) that tests compare it with. No state: nothing to initialise.
 */
#ifndef LGC_PIXELS_H
#define LGC_PIXELS_H

#include <stddef.h>
#include <stdint.h>

/* Images idx[0..B) (idx NULL: 0..B-1) of a uint8 (n, h, w, c) set into
 * x (B, c, h, w) as float x * (1/255). */
void lgc_images_to_nchw(float *x, const uint8_t *pix, const uint32_t *idx, size_t B, size_t h,
                        size_t w, size_t c);
void lgc_images_to_nchw_ref(float *x, const uint8_t *pix, const uint32_t *idx, size_t B,
                            size_t h, size_t w, size_t c);

/* The pixel of a logit, round(255 sigmoid(z)); NaN gives 0. Fast (thresholds)
 * and by the formula in double (the naive twin); the same bytes. */
uint8_t lgc_logit_to_u8(float z);
uint8_t lgc_logit_to_u8_ref(float z);
/* lgc_logit_to_u8 over z (n) into out (n): the same bytes, eight at a time. */
void lgc_logits_to_u8(const float *z, size_t n, uint8_t *out);

#endif
