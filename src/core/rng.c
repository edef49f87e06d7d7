/* rng.c - xoshiro256** (Blackman & Vigna) seeded through splitmix64. */
#include "lgc/rng.h"

#include <math.h>
#include <pthread.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void lgc_rng_init(lgc_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    r->has_spare = 0;
    r->spare = 0.0;
}

uint64_t lgc_rng_u64(lgc_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t lgc_rng_below(lgc_rng *r, uint64_t n)
{
    /* Rejection sampling: discard the top partial block so every value is equally likely. */
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = lgc_rng_u64(r);
    while (x >= lim);
    return x % n;
}

double lgc_rng_uniform(lgc_rng *r)
{
    return (double)(lgc_rng_u64(r) >> 11) * 0x1.0p-53;
}

double lgc_rng_normal(lgc_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1, u2;
    do
        u1 = lgc_rng_uniform(r);
    while (u1 <= 0.0);
    u2 = lgc_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1));
    double th = 6.283185307179586476925 * u2;
    r->spare = rad * sin(th);
    r->has_spare = 1;
    return rad * cos(th);
}

void lgc_rng_shuffle(lgc_rng *r, uint32_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)lgc_rng_below(r, i);
        uint32_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

/* The ziggurat's 256 layers of equal area ZIG_V under exp(-x^2/2) (the
 * unnormalised density), the base layer holding the tail beyond ZIG_R:
 * zx[i] the right edge of layer i's rectangle (zx[0] = ZIG_V / f(ZIG_R),
 * the base's width were its tail a rectangle; zx[1] = ZIG_R; zx[256] = 0)
 * and zf[i] = f(zx[i]). Marsaglia and Tsang's constants for 256 layers. */
#define ZIG_R 3.6541528853610088
#define ZIG_V 4.92867323399e-3
static double zx[257], zf[257];
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_tables(void)
{
    zf[1] = exp(-0.5 * ZIG_R * ZIG_R);
    zx[0] = ZIG_V / zf[1];
    zf[0] = 0.0;
    zx[1] = ZIG_R;
    for (int i = 1; i < 256; i++) {
        zx[i + 1] = i + 1 < 256 ? sqrt(-2.0 * log(ZIG_V / zx[i] + zf[i])) : 0.0;
        zf[i + 1] = exp(-0.5 * zx[i + 1] * zx[i + 1]);
    }
}

/* The slow paths of a draw b whose fast test failed: the tail (layer 0)
 * or the wedge; *done is 0 when the draw is rejected (draw again). */
static double zig_slow(lgc_rng *r, uint64_t b, double x, int *done)
{
    int i = (int)(b & 0xff);
    double sign = b & 0x100 ? -1.0 : 1.0;
    *done = 1;
    if (i == 0) { /* the tail beyond R (Marsaglia 1964) */
        double a, e;
        do {
            a = -log1p(-lgc_rng_uniform(r)) / ZIG_R;
            e = -log1p(-lgc_rng_uniform(r));
        } while (2.0 * e < a * a);
        return sign * (ZIG_R + a);
    }
    /* the wedge: a height uniform over the layer, under the curve? */
    if (zf[i] + lgc_rng_uniform(r) * (zf[i + 1] - zf[i]) < exp(-0.5 * x * x))
        return sign * x;
    *done = 0;
    return 0.0;
}

void lgc_rng_normal_zig_fill(lgc_rng *r, double *out, size_t n)
{
    pthread_once(&zig_once, zig_tables);
    for (size_t k = 0; k < n; k++)
        for (;;) {
            uint64_t b = lgc_rng_u64(r);
            int i = (int)(b & 0xff); /* the layer; bit 8 the sign; the top 53 bits the place */
            double x = (double)(b >> 11) * 0x1.0p-53 * zx[i];
            if (x < zx[i + 1]) { /* inside the part of the layer under the curve */
                out[k] = b & 0x100 ? -x : x;
                break;
            }
            int done;
            double v = zig_slow(r, b, x, &done);
            if (done) {
                out[k] = v;
                break;
            }
        }
}

double lgc_rng_normal_zig(lgc_rng *r)
{
    double v;
    lgc_rng_normal_zig_fill(r, &v, 1);
    return v;
}
