/*
 * budget.c - model sizes for a package of at most B bytes (lgc compress --budget).
 *
 * A dense ae package is, to within a kilobyte of keys, the decoder
 *   latent -> hidden (ReLU) -> pixels (sigmoid)
 * plus one mixture component per class and per K, each 1 + d + d(d+1)/2
 * float16 numbers (weight, mean, packed Cholesky factor). The plan walks a
 * ladder of hidden widths from the largest down, with the latent size tied to
 * half the width (capped at 64, the study's size), and keeps the first whose
 * estimated package, with room for five components per class, fits: five is
 * about what BIC picks per MNIST class at the default size (sum K = 54 over
 * ten classes). The budget left over is then the trimming loop's to use:
 * lgc_compress lowers K class by class only when the package is over.
 *
 * Estimate: int8 weights cost 1 byte plus a float32 scale per output row,
 * float16 weights 2 bytes; biases are float16. zstd -19 on the data section
 * keeps about 70 % of the float16 mixtures of the default MNIST package, and
 * next to nothing of decoder weights at small sizes (measured: a 3-wide
 * float16 decoder and a 20-wide int8 one came out at their raw size plus
 * 1.8 KB of keys), so the decoder is counted whole. The estimate errs on the
 * large side (278 KB for the default package of 260,887 B): a plan that
 * overshoots cannot be rescued without training again, one that undershoots
 * only leaves bytes unused.
 *
 * At tiny budgets the int8 scales and the biases of the output layer (6 bytes
 * per pixel) dominate, so widths of 4 and below use float16 weights (2 bytes
 * per weight, no scales); at 1024 the ladder stops growing (training cost)
 * and spends a large budget on float16 weights instead.
 */
#include "lgc/codec.h"

#include <stdio.h>

#define OVERHEAD 2048 /* keys, directory, CRCs: 1.8 KB measured on a 10-class package */
#define COMPONENTS_PER_CLASS 5

static const size_t HIDDEN[] = {1024, 896, 768, 640, 512, 448, 384, 320, 256, 224, 192,
                                160,  128, 112, 96,  80,  64,  56,  48,  40,  32,  28,
                                24,   20,  16,  12,  10,  8,   6,   4,   3,   2};

static size_t latent_for(size_t hidden)
{
    size_t d = hidden / 2;
    return d > 64 ? 64 : d < 2 ? 2 : d;
}

static uint64_t dense_bytes(uint64_t out, uint64_t in, lgc_dtype dt)
{
    uint64_t w = dt == LGC_DT_I8 ? out * in + 4 * out : dt == LGC_DT_F16 ? 2 * out * in
                                                                         : 4 * out * in;
    return w + 2 * out; /* float16 bias */
}

uint64_t lgc_budget_estimate(size_t hidden, size_t latent, lgc_dtype decoder, size_t pixels,
                             size_t n_classes, size_t sum_k)
{
    (void)n_classes; /* the per-class keys are inside OVERHEAD */
    double dec = (double)(dense_bytes(hidden, latent, decoder) + dense_bytes(pixels, hidden, decoder));
    double comp = 2.0 * (double)(1 + latent + latent * (latent + 1) / 2);
    double zd = 1.0, zm = 0.7;
    return (uint64_t)(zd * dec + zm * comp * (double)sum_k) + OVERHEAD;
}

lgc_status lgc_budget_plan(uint64_t budget, size_t h, size_t w, size_t c, size_t n_classes,
                           lgc_compress_opts *o, lgc_err *err)
{
    size_t pixels = h * w * c, sum_k = COMPONENTS_PER_CLASS * n_classes;
    size_t n = sizeof HIDDEN / sizeof *HIDDEN;
    for (size_t i = 0; i < n; i++) {
        size_t hd = HIDDEN[i], d = latent_for(hd);
        lgc_dtype dt = hd <= 4 ? LGC_DT_F16 : LGC_DT_I8;
        if (i == 0 && lgc_budget_estimate(hd, d, LGC_DT_F16, pixels, n_classes, sum_k) <= budget)
            dt = LGC_DT_F16;
        if (lgc_budget_estimate(hd, d, dt, pixels, n_classes, sum_k) > budget)
            continue;
        o->model = LGC_MODEL_AE;
        o->hidden = hd, o->latent = d, o->decoder_dtype = dt, o->budget = budget;
        return LGC_OK;
    }
    size_t hd = HIDDEN[n - 1];
    return lgc_err_set(err, LGC_ERR_LIMIT,
                       "budget: %llu bytes is below the smallest package lgc can plan for "
                       "%zu classes of %zu values (about %llu bytes)",
                       (unsigned long long)budget, n_classes, pixels,
                       (unsigned long long)lgc_budget_estimate(hd, latent_for(hd), LGC_DT_F16,
                                                               pixels, n_classes, sum_k));
}
