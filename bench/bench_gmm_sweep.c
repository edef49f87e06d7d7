/* bench_gmm_sweep.c - the per-class mixture sweep (K = 1..kmax, full
 * covariances) on real latent codes, timed, next to a slow reference run on
 * the same codes: one thread, tolerance 1e-6 and up to 2000 EM iterations
 * (a "full run"), which must choose the same K per class.
 *
 * usage: bench_gmm_sweep CODES.npy LABELS [threads] [kmax]
 *   CODES.npy from `lgc compress --save-codes`, LABELS the training labels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgc/data.h"
#include "lgc/gmm.h"
#include "lgc/tensor.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Sweep every class; k_out (10) receives the chosen K. Returns seconds. */
static double sweep(const float *z, const uint8_t *y, size_t n, size_t d, const lgc_gmm_opts *o,
                    size_t *k_out, float *zc)
{
    double t0 = now();
    for (size_t c = 0; c < 10; c++) {
        size_t nc = 0;
        for (size_t i = 0; i < n; i++)
            if (y[i] == c)
                memcpy(zc + (nc++) * d, z + i * d, d * sizeof *zc);
        lgc_gmm g = {0};
        double bic[64];
        lgc_gmm_opts oc = *o;
        oc.seed = o->seed + 1000 * c; /* as lgc_compress does */
        lgc_err err;
        if (lgc_gmm_select(&g, bic, &k_out[c], zc, nc, d, &oc, &err)) {
            fprintf(stderr, "class %zu: %s\n", c, err.msg);
            exit(1);
        }
        lgc_gmm_free(&g);
    }
    return now() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_gmm_sweep CODES.npy LABELS [threads] [kmax]\n");
        return 2;
    }
    int threads = argc > 3 ? atoi(argv[3]) : 2;
    size_t kmax = argc > 4 ? (size_t)atoi(argv[4]) : 10, n, d;
    float *z;
    lgc_labels y;
    lgc_err err;
    if (lgc_npy_read_f32(argv[1], &z, &n, &d, &err) || lgc_labels_read(argv[2], &y, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (y.n < n) {
        fprintf(stderr, "fewer labels than codes\n");
        return 1;
    }
    float *zc = malloc(n * d * sizeof *zc);
    lgc_gmm_opts fast;
    lgc_gmm_opts_default(&fast);
    fast.k_max = kmax, fast.n_init = 1, fast.seed = 1; /* lgc compress's defaults */
    lgc_gmm_opts slow = fast;
    slow.tol = 1e-6, slow.max_iter = 2000;
    size_t kf[10], ks[10];
    lgc_threads_set(threads);
    double tf = sweep(z, y.y, n, d, &fast, kf, zc);
    lgc_threads_set(1);
    double ts = sweep(z, y.y, n, d, &slow, ks, zc);
    int same = memcmp(kf, ks, sizeof kf) == 0;
    printf("{\"n\":%zu,\"d\":%zu,\"kmax\":%zu,\"threads\":%d,\"seconds\":%.2f,"
           "\"reference_seconds\":%.2f,\"reference\":\"1 thread, tol 1e-6, max_iter 2000\","
           "\"k\":[",
           n, d, kmax, threads, tf, ts);
    for (int c = 0; c < 10; c++)
        printf("%s%zu", c ? "," : "", kf[c]);
    printf("],\"k_reference\":[");
    for (int c = 0; c < 10; c++)
        printf("%s%zu", c ? "," : "", ks[c]);
    printf("],\"same_k\":%s}\n", same ? "true" : "false");
    free(z), free(zc);
    lgc_labels_free(&y);
    return same ? 0 : 3;
}
