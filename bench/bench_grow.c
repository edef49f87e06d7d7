/* bench_grow.c - a larger training set made from an IDX set: K copies of it,
 * copy 0 the images themselves, copy k > 0 each image under one random affine
 * transform of the augmenting judge's ranges (lgc/augment.h), drawn from the
 * stream (seed 7, k, image). Writes PREFIX-images.idx and PREFIX-labels.idx
 * (K n images, copy after copy), streamed: memory is one copy of the input.
 *   bench_grow IMAGES LABELS K PREFIX        (bench/scaling.sh) */
#include <stdio.h>
#include <stdlib.h>

#include "lgc/augment.h"
#include "lgc/data.h"
#include "lgc/pixels.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench_grow IMAGES LABELS K PREFIX\n");
        return 2;
    }
    lgc_dataset d;
    lgc_err err;
    if (lgc_dataset_load(argv[1], argv[2], 0, &d, &err)) {
        fprintf(stderr, "bench_grow: %s\n", err.msg);
        return 1;
    }
    size_t K = (size_t)strtoul(argv[3], NULL, 10), n = d.x.n, img = d.x.h * d.x.w * d.x.c;
    char ip[4096], lp[4096];
    snprintf(ip, sizeof ip, "%s-images.idx", argv[4]);
    snprintf(lp, sizeof lp, "%s-labels.idx", argv[4]);
    size_t ishape[4] = {K * n, d.x.h, d.x.w, d.x.c}, lshape[1] = {K * n};
    lgc_u8_stream si, sl;
    if (K < 1 || lgc_u8_stream_open(&si, ip, LGC_FMT_IDX, d.x.c == 1 ? 3 : 4, ishape, 1, &err) ||
        lgc_u8_stream_open(&sl, lp, LGC_FMT_IDX, 1, lshape, 1, &err)) {
        fprintf(stderr, "bench_grow: %s\n", K < 1 ? "K must be at least 1" : err.msg);
        return 1;
    }
    float *src = malloc(img * sizeof *src), *dst = malloc(img * sizeof *dst);
    uint8_t *out = malloc(img);
    for (size_t k = 0; k < K; k++) {
        for (size_t i = 0; i < n; i++) {
            const uint8_t *p = d.x.pix + i * img;
            if (k) {
                lgc_rng r;
                lgc_affine a;
                lgc_rng_init(&r, 7, (uint64_t)k << 32 | i);
                lgc_affine_draw(&r, &a);
                for (size_t j = 0; j < img; j++) /* one channel plane after another */
                    src[(j % d.x.c) * (img / d.x.c) + j / d.x.c] = p[j] / 255.0f;
                lgc_affine_apply(&a, src, dst, d.x.c, d.x.h, d.x.w);
                for (size_t j = 0; j < img; j++) {
                    float v = dst[(j % d.x.c) * (img / d.x.c) + j / d.x.c] * 255.0f + 0.5f;
                    out[j] = (uint8_t)(v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v);
                }
                p = out;
            }
            if (lgc_u8_stream_write(&si, p, img, &err)) {
                fprintf(stderr, "bench_grow: %s\n", err.msg);
                return 1;
            }
        }
        if (lgc_u8_stream_write(&sl, d.y.y, n, &err)) {
            fprintf(stderr, "bench_grow: %s\n", err.msg);
            return 1;
        }
    }
    if (lgc_u8_stream_commit(&si, &err) || lgc_u8_stream_commit(&sl, &err)) {
        fprintf(stderr, "bench_grow: %s\n", err.msg);
        return 1;
    }
    free(src), free(dst), free(out);
    lgc_dataset_free(&d);
    return 0;
}
