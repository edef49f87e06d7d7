/* spuco.c - SpuCo MNIST from grey MNIST: coloured backgrounds, spurious correlation, label noise. */
#include "lgc/spuco.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/rng.h"

const uint8_t lgc_spuco_palette[LGC_SPUCO_CLASSES][3] = {
    {0x1f, 0x77, 0xb4}, {0xff, 0x7f, 0x0e}, {0x2c, 0xa0, 0x2c}, {0xd6, 0x27, 0x28},
    {0x94, 0x67, 0xbd}, {0x8c, 0x56, 0x4b}, {0xe3, 0x77, 0xc2}, {0x7f, 0x7f, 0x7f},
    {0xbc, 0xbd, 0x22}, {0x17, 0xbe, 0xcf},
};

/* Random streams of one seed: colours of class c in the training split, the
 * label noise, colours of class c in the test split. */
#define STREAM_TRAIN 0x5350000u
#define STREAM_NOISE 0x5350100u
#define STREAM_TEST 0x5350200u

void lgc_spuco_opts_default(lgc_spuco_opts *o)
{
    o->strength = 0.99;
    o->label_noise = 0.001;
    o->seed = 1;
}

/* Colours for the nc images of class cls, in the order of the class's images. */
static void class_colours(uint8_t *col, uint32_t *perm, size_t nc, size_t cls,
                          lgc_spuco_split split, double p, lgc_rng *r)
{
    if (split == LGC_SPUCO_TEST) {
        for (size_t i = 0; i < nc; i++)
            col[i] = (uint8_t)(i % LGC_SPUCO_CLASSES);
    } else {
        size_t own = (size_t)floor(p * (double)nc);
        own = own > nc ? nc : own;
        for (size_t i = 0; i < own; i++)
            col[i] = (uint8_t)cls;
        for (size_t k = 0; own + k < nc; k++) { /* the other nine in ascending order, in turn */
            size_t j = k % (LGC_SPUCO_CLASSES - 1);
            col[own + k] = (uint8_t)(j < cls ? j : j + 1);
        }
    }
    /* shuffle the list over the class's images */
    for (size_t i = 0; i < nc; i++)
        perm[i] = (uint32_t)i;
    lgc_rng_shuffle(r, perm, nc);
    uint8_t *tmp = col + nc; /* scratch: nc more bytes */
    for (size_t i = 0; i < nc; i++)
        tmp[i] = col[perm[i]];
    memcpy(col, tmp, nc);
}

lgc_status lgc_spuco_make(const lgc_images *x, const lgc_labels *y, lgc_spuco_split split,
                          const lgc_spuco_opts *o, lgc_images *rgb, lgc_labels *labels,
                          lgc_labels *groups, size_t *n_noisy, lgc_err *err)
{
    memset(rgb, 0, sizeof *rgb);
    memset(labels, 0, sizeof *labels);
    memset(groups, 0, sizeof *groups);
    if (n_noisy)
        *n_noisy = 0;
    size_t n = x->n, hw = x->h * x->w;
    if (x->c != 1)
        return lgc_err_set(err, LGC_ERR_ARG, "spuco: images have %zu channels; grey images (1 "
                           "channel) are coloured", x->c);
    if (y->n != n)
        return lgc_err_set(err, LGC_ERR_ARG, "spuco: %zu images but %zu labels", n, y->n);
    if (!(o->strength >= 0.0 && o->strength <= 1.0) ||
        !(o->label_noise >= 0.0 && o->label_noise <= 1.0))
        return lgc_err_set(err, LGC_ERR_ARG, "spuco: strength %g and label noise %g must be in "
                           "[0, 1]", o->strength, o->label_noise);
    if (n > UINT32_MAX)
        return lgc_err_set(err, LGC_ERR_ARG, "spuco: %zu images, at most %u", n, UINT32_MAX);
    for (size_t i = 0; i < n; i++)
        if (y->y[i] >= LGC_SPUCO_CLASSES)
            return lgc_err_set(err, LGC_ERR_VALUE, "spuco: label %u at index %zu; SpuCo MNIST "
                               "has 10 classes (0..9)", y->y[i], i);
    lgc_status st = LGC_OK;
    uint8_t *col = malloc(n + 1);                      /* (n) colour per image */
    uint8_t *colc = malloc(2 * n + 1);                 /* (2 nc) colours of one class + scratch */
    uint32_t *perm = malloc((n + 1) * sizeof *perm);   /* (n) */
    rgb->pix = malloc(n * hw * 3 + 1);
    labels->y = malloc(n + 1);
    groups->y = malloc(n + 1);
    if (!col || !colc || !perm || !rgb->pix || !labels->y || !groups->y) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "spuco: out of memory");
        goto fail;
    }
    for (size_t cls = 0; cls < LGC_SPUCO_CLASSES; cls++) {
        size_t nc = 0;
        for (size_t i = 0; i < n; i++)
            nc += y->y[i] == cls;
        lgc_rng r;
        lgc_rng_init(&r, o->seed, (split == LGC_SPUCO_TEST ? STREAM_TEST : STREAM_TRAIN) + cls);
        class_colours(colc, perm, nc, cls, split, o->strength, &r);
        for (size_t i = 0, k = 0; i < n; i++)
            if (y->y[i] == cls)
                col[i] = colc[k++];
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *g = x->pix + i * hw, *bg = lgc_spuco_palette[col[i]];
        uint8_t *out = rgb->pix + i * hw * 3;
        for (size_t q = 0; q < hw; q++)
            for (size_t ch = 0; ch < 3; ch++)
                out[3 * q + ch] = g[q] == 0 ? bg[ch] : g[q];
    }
    memcpy(labels->y, y->y, n);
    if (split == LGC_SPUCO_TRAIN) {
        /* int(f N) distinct images (a partial Fisher-Yates draw), each to another class */
        size_t k = (size_t)floor(o->label_noise * (double)n);
        k = k > n ? n : k;
        lgc_rng r;
        lgc_rng_init(&r, o->seed, STREAM_NOISE);
        for (size_t i = 0; i < n; i++)
            perm[i] = (uint32_t)i;
        for (size_t i = 0; i < k; i++) {
            size_t j = i + (size_t)lgc_rng_below(&r, n - i);
            uint32_t t = perm[i];
            perm[i] = perm[j], perm[j] = t;
            uint8_t old = labels->y[perm[i]];
            labels->y[perm[i]] =
                (uint8_t)((old + 1 + lgc_rng_below(&r, LGC_SPUCO_CLASSES - 1)) % LGC_SPUCO_CLASSES);
        }
        if (n_noisy)
            *n_noisy = k;
    }
    for (size_t i = 0; i < n; i++)
        groups->y[i] = (uint8_t)(labels->y[i] * LGC_SPUCO_CLASSES + col[i]);
    rgb->n = n, rgb->h = x->h, rgb->w = x->w, rgb->c = 3;
    labels->n = groups->n = n;
fail:
    free(col), free(colc), free(perm);
    if (st) {
        lgc_images_free(rgb);
        lgc_labels_free(labels);
        lgc_labels_free(groups);
    }
    return st;
}
