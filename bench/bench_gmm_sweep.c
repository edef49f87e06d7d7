/* bench_gmm_sweep.c - the per-class mixture sweep (K = 1..kmax, full
 * covariances) on real latent codes, timed, next to a slow reference run on
 * the same codes: one thread, tolerance 1e-6 and up to 2000 EM iterations
 * (a "full run"), which must choose the same K per class.
 *
 * usage: bench_gmm_sweep CODES.npy LABELS [threads] [kmax]
 * The sweep uses lgc compress's mixture settings (float products, refinement)
 * and runs REPS times (default 5); the median is reported. Environment:
 * REPS, PRECISION=f64|f32, REFINE_MARGIN, REFINE_TOL, ABANDON_MARGIN, ABANDON_AFTER
 * override them;
 * NO_REFERENCE=1 skips the reference.
 *   CODES.npy from `lgc compress --save-codes`, LABELS the training labels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgc/codec.h"
#include "lgc/data.h"
#include "lgc/gmm.h"
#include "lgc/clock.h"
#include "lgc/tensor.h"

/* Sweep every class; k_out (10) receives the chosen K. Returns seconds. zc
 * (n, d) receives the codes grouped by class. many: all classes in one
 * lgc_gmm_select_many (as lgc compress does), else one lgc_gmm_select each. */
static double sweep(const float *z, const uint8_t *y, size_t n, size_t d, const lgc_gmm_opts *o,
                    int many, size_t *k_out, float *zc)
{
    double t0 = lgc_now();
    const float *sets[10];
    size_t nc[10];
    uint64_t seeds[10];
    float *p = zc;
    for (size_t c = 0; c < 10; c++) {
        sets[c] = p, nc[c] = 0, seeds[c] = o->seed + 1000 * c; /* as lgc_compress does */
        for (size_t i = 0; i < n; i++)
            if (y[i] == c)
                memcpy(p + (nc[c]++) * d, z + i * d, d * sizeof *zc);
        p += nc[c] * d;
    }
    lgc_gmm g[10] = {{0}};
    lgc_err err;
    if (many) {
        if (lgc_gmm_select_many(10, sets, nc, d, seeds, o, g, NULL, k_out, NULL, NULL, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            exit(1);
        }
    } else {
        for (size_t c = 0; c < 10; c++) {
            lgc_gmm_opts oc = *o;
            oc.seed = seeds[c];
            if (lgc_gmm_select(&g[c], NULL, &k_out[c], sets[c], nc[c], d, &oc, &err)) {
                fprintf(stderr, "class %zu: %s\n", c, err.msg);
                exit(1);
            }
        }
    }
    for (size_t c = 0; c < 10; c++)
        lgc_gmm_free(&g[c]);
    return lgc_now() - t0;
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
    lgc_compress_opts co;
    lgc_compress_opts_default(&co); /* lgc compress's mixture settings */
    fast = co.gmm;
    fast.k_max = kmax, fast.n_init = 1, fast.seed = 1;
    if (getenv("REFINE_TOL"))
        fast.refine_tol = atof(getenv("REFINE_TOL"));
    if (getenv("REFINE_MARGIN"))
        fast.refine_margin = atof(getenv("REFINE_MARGIN"));
    if (getenv("ABANDON_MARGIN"))
        fast.abandon_margin = atof(getenv("ABANDON_MARGIN"));
    if (getenv("ABANDON_AFTER"))
        fast.abandon_after = atoi(getenv("ABANDON_AFTER"));
    if (getenv("PRECISION"))
        fast.precision = strcmp(getenv("PRECISION"), "f64") ? LGC_GMM_F32 : LGC_GMM_F64;
    /* The reference: a full run in double, no refinement. */
    lgc_gmm_opts slow = fast;
    slow.tol = 1e-6, slow.max_iter = 2000, slow.precision = LGC_GMM_F64, slow.refine_margin = 0;
    slow.abandon_margin = 0;
    size_t kf[10], ks[10];
    lgc_threads_set(threads);
    int reps = getenv("REPS") ? atoi(getenv("REPS")) : 5;
    if (reps < 1 || reps > 99)
        reps = 5;
    double times[99];
    for (int r = 0; r < reps; r++) {
        times[r] = sweep(z, y.y, n, d, &fast, 1, kf, zc);
        fprintf(stderr, "sweep %d: %.2f s\n", r + 1, times[r]);
    }
    double sorted[99];
    memcpy(sorted, times, reps * sizeof *times);
    for (int i = 1; i < reps; i++) /* insertion sort, reps is small */
        for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            double t = sorted[j];
            sorted[j] = sorted[j - 1], sorted[j - 1] = t;
        }
    double tf = sorted[reps / 2];
    if (getenv("NO_REFERENCE")) { /* the median and the K, without the reference */
        printf("{\"seconds\":%.2f,\"abandon_margin\":%g,\"abandon_after\":%d,\"k\":[", tf,
               fast.abandon_margin, fast.abandon_after);
        for (int c = 0; c < 10; c++)
            printf("%s%zu", c ? "," : "", kf[c]);
        printf("]}\n");
        return 0;
    }
    lgc_threads_set(1);
    double ts = sweep(z, y.y, n, d, &slow, 0, ks, zc);
    int same = memcmp(kf, ks, sizeof kf) == 0;
    printf("{\"n\":%zu,\"d\":%zu,\"kmax\":%zu,\"threads\":%d,\"seconds\":%.2f,\"runs\":[",
           n, d, kmax, threads, tf);
    for (int r = 0; r < reps; r++)
        printf("%s%.2f", r ? "," : "", times[r]);
    printf("],"
           "\"precision\":\"%s\",\"refine_margin\":%g,\"refine_tol\":%g,"
           "\"abandon_margin\":%g,\"abandon_after\":%d,"
           "\"reference_seconds\":%.2f,\"reference\":\"1 thread, double, tol 1e-6, max_iter 2000\","
           "\"k\":[",
           fast.precision == LGC_GMM_F32 ? "f32" : "f64",
           fast.refine_margin, fast.refine_tol, fast.abandon_margin, fast.abandon_after, ts);
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
