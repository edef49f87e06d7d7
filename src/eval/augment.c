/* augment.c - the augmenting judge's random affine transform (see lgc/augment.h). */
#include "lgc/augment.h"

#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846
#define STREAM_AUGMENT ((uint64_t)0xA5 << 56) /* | step << 16 | row */

void lgc_affine_draw(lgc_rng *r, lgc_affine *a)
{
    a->angle = (2.0 * lgc_rng_uniform(r) - 1.0) * 12.0 * PI / 180.0;
    a->scale = 0.9 + 0.2 * lgc_rng_uniform(r);
    a->dx = (int)lgc_rng_below(r, 5) - 2;
    a->dy = (int)lgc_rng_below(r, 5) - 2;
}

void lgc_affine_stream(lgc_rng *r, uint64_t seed, uint64_t step, size_t row)
{
    lgc_rng_init(r, seed, STREAM_AUGMENT | (step & 0xffffffffffULL) << 16 | (row & 0xffff));
}

/* The inverse map, output pixel (x, y) -> source point (sx, sy): undo the
 * shift, then the rotation and scale about the centre (cx, cy). With y
 * pointing down, a counter-clockwise turn on screen is
 * [cos -sin; sin cos] applied to (x, -y). */
typedef struct {
    double a, b, c, d, cx, cy, dx, dy;
} inverse;

static void inverse_of(const lgc_affine *t, size_t h, size_t w, inverse *m)
{
    double cs = cos(t->angle), sn = sin(t->angle), k = 1.0 / t->scale;
    m->cx = 0.5 * (double)(w - 1), m->cy = 0.5 * (double)(h - 1);
    m->dx = t->dx, m->dy = t->dy;
    /* forward on (u, v) = (x - cx, y - cy): (u', v') = s [cs  sn; -sn cs] (u, v);
     * inverse: (u, v) = (1/s) [cs -sn; sn cs] (u', v') */
    m->a = k * cs, m->b = -k * sn, m->c = k * sn, m->d = k * cs;
}

/* Bilinear sample of plane p (h, w) at (sx, sy); 0 outside. A point with
 * all four neighbours inside (most of them) takes the branch-free path; the
 * floor is a truncation after a shift, valid because sx, sy > -1 here. */
static float bilinear(const float *p, size_t h, size_t w, double sx, double sy)
{
    if (!(sx > -1.0 && sy > -1.0 && sx < (double)w && sy < (double)h))
        return 0.0f;
    long x0 = (long)(sx + 1.0) - 1, y0 = (long)(sy + 1.0) - 1;
    double ax = sx - (double)x0, ay = sy - (double)y0;
    if (x0 >= 0 && y0 >= 0 && x0 + 1 < (long)w && y0 + 1 < (long)h) {
        const float *q = p + (size_t)y0 * w + (size_t)x0;
        double top = q[0] + ax * ((double)q[1] - q[0]);
        double bot = q[w] + ax * ((double)q[w + 1] - q[w]);
        return (float)(top + ay * (bot - top));
    }
    double v = 0.0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            long x = x0 + i, y = y0 + j;
            if (x < 0 || y < 0 || x >= (long)w || y >= (long)h)
                continue;
            v += (i ? ax : 1.0 - ax) * (j ? ay : 1.0 - ay) * p[(size_t)y * w + (size_t)x];
        }
    return (float)v;
}

void lgc_affine_apply(const lgc_affine *t, const float *src, float *dst, size_t c, size_t h,
                      size_t w)
{
    inverse m;
    inverse_of(t, h, w, &m);
    double u0 = -(double)m.dx - m.cx; /* u at x = 0; each step in x adds (a, c) */
    for (size_t y = 0; y < h; y++) {
        double v1 = (double)y - m.dy - m.cy;
        double bx = m.b * v1 + m.cx, by = m.d * v1 + m.cy;
        for (size_t x = 0; x < w; x++) {
            double u1 = u0 + (double)x;
            double sx = m.a * u1 + bx, sy = m.c * u1 + by;
            for (size_t ch = 0; ch < c; ch++)
                dst[(ch * h + y) * w + x] = bilinear(src + ch * h * w, h, w, sx, sy);
        }
    }
}

void lgc_affine_apply_ref(const lgc_affine *t, const float *src, float *dst, size_t c, size_t h,
                          size_t w)
{
    double cs = cos(t->angle), sn = sin(t->angle), cx = 0.5 * (double)(w - 1),
           cy = 0.5 * (double)(h - 1);
    for (size_t ch = 0; ch < c; ch++)
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++) {
                /* solve forward(s) = (x, y): s = centre + R^-1 ((x, y) - shift - centre) / scale */
                double u = ((double)x - t->dx - cx) / t->scale, v = ((double)y - t->dy - cy) / t->scale;
                double sx = cx + cs * u - sn * v, sy = cy + sn * u + cs * v;
                double acc = 0.0;
                for (long yy = (long)floor(sy); yy <= (long)floor(sy) + 1; yy++)
                    for (long xx = (long)floor(sx); xx <= (long)floor(sx) + 1; xx++) {
                        if (xx < 0 || yy < 0 || xx >= (long)w || yy >= (long)h)
                            continue;
                        double wx = 1.0 - fabs(sx - (double)xx), wy = 1.0 - fabs(sy - (double)yy);
                        acc += wx * wy * src[(ch * h + (size_t)yy) * w + (size_t)xx];
                    }
                dst[(ch * h + y) * w + x] = (float)acc;
            }
}
