/*
 * rng.h - the one seeded, portable PRNG of lgc (xoshiro256**, seeded with
 * splitmix64). Same seed, same sequence on every platform. Never use rand().
 *
 * Streams: lgc_rng_init(&r, seed, stream) gives independent sequences for
 * different purposes (weight init, shuffling, EM init, sampling) from one
 * user seed, so adding a draw in one stage does not shift another stage.
 */
#ifndef LGC_RNG_H
#define LGC_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
    int has_spare;   /* Box-Muller produces normals in pairs */
    double spare;
} lgc_rng;

void lgc_rng_init(lgc_rng *r, uint64_t seed, uint64_t stream);
uint64_t lgc_rng_u64(lgc_rng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t lgc_rng_below(lgc_rng *r, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double lgc_rng_uniform(lgc_rng *r);
/* Standard normal (Box-Muller in double: training's initial weights and
 * noise). */
double lgc_rng_normal(lgc_rng *r);
/* Standard normal by the ziggurat (Marsaglia and Tsang 2000, 256 layers):
 * one 64-bit draw for about 99 % of values, so several times faster than
 * lgc_rng_normal; a different sequence from it. Mixture sampling uses it. */
double lgc_rng_normal_zig(lgc_rng *r);
/* n of them into out: the same values as n calls. */
void lgc_rng_normal_zig_fill(lgc_rng *r, double *out, size_t n);
/* Fisher-Yates shuffle of idx[0..n). */
void lgc_rng_shuffle(lgc_rng *r, uint32_t *idx, size_t n);

#endif
