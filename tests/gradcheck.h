/* gradcheck.h - central-difference gradient checking shared by the grad tests.
 *
 * A test provides loss(ctx) that runs a forward pass over buffers it owns and
 * returns a scalar (double). For a buffer x of n floats with analytic
 * gradient g, gc_check perturbs every entry by +-eps and compares. */
#ifndef LGC_TEST_GRADCHECK_H
#define LGC_TEST_GRADCHECK_H

#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>

#include "lgc/rng.h"

/* Step and tolerance the grad tests share. */
#define EPS 1e-2f
#define TOL 2e-3

/* The grad tests' random stream (each test seeds it) and buffer helpers. */
static lgc_rng g_rng;

static inline float *randn(size_t n, float scale)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = scale * (float)lgc_rng_normal(&g_rng);
    return x;
}

static inline float *zeros(size_t n) { return calloc(n, sizeof(float)); }

static inline double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

typedef double (*gc_loss_fn)(void *ctx);

/* Returns the number of entries whose relative error exceeds tol. */
static inline int gc_check(const char *what, gc_loss_fn loss, void *ctx, float *x, const float *g,
                           size_t n, float eps, double tol)
{
    int bad = 0;
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        float keep = x[i];
        x[i] = keep + eps;
        double lp = loss(ctx);
        x[i] = keep - eps;
        double lm = loss(ctx);
        x[i] = keep;
        double num = (lp - lm) / (2.0 * (double)eps);
        double err = fabs(num - (double)g[i]) / fmax(1.0, fabs(num) + fabs((double)g[i]));
        if (err > worst)
            worst = err;
        if (err > tol) {
            if (bad < 5)
                fprintf(stderr, "%s[%zu]: analytic %.6g numeric %.6g\n", what, i, (double)g[i], num);
            bad++;
        }
    }
    fprintf(stderr, "%s: %zu entries, worst relative error %.3g\n", what, n, worst);
    return bad;
}

#endif
