/* bench_sgemm.c - SGEMM GFLOP/s through lgc's BLAS door (BLIS), next to
 * Debian's OpenBLAS with its own CPU detection, loaded at run time so the two
 * are measured in the same process on the same machine.
 *
 * usage: bench_sgemm [threads] [--json]
 * Shapes: the 1024^3 target and the products of one training step of the
 * vanilla AE (batch 256) and of paper-cnn's convolutions (batch 64). Each
 * figure is the median of 7 timed repetitions after a warm-up. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgc/clock.h"
#include "lgc/tensor.h"

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                               const float *, int, float, float *, int);

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    const char *what;
    int ta, tb;
    size_t M, N, K;
} shape;

static const shape shapes[] = {
    {"square 1024", 0, 0, 1024, 1024, 1024},
    {"AE fwd 784->128", 0, 1, 256, 128, 784},
    {"AE fwd 128->784", 0, 1, 256, 784, 128},
    {"AE dW 784x128", 1, 0, 128, 784, 256},
    {"AE dX 128->784", 0, 0, 256, 784, 128},
    {"cnn conv1 fwd", 0, 0, 6, 43264, 9},
    {"cnn conv2 fwd", 0, 0, 16, 5184, 150},
    {"cnn conv2 dW", 0, 1, 16, 150, 5184},
};

/* Returns the median GFLOP/s of f or of lgc_sgemm (f == NULL). */
static double run(const shape *s, cblas_sgemm_fn f, float *A, float *B, float *C)
{
    size_t lda = s->ta ? s->M : s->K, ldb = s->tb ? s->K : s->N;
    double flop = 2.0 * (double)s->M * (double)s->N * (double)s->K, t[7];
    int reps = flop > 1e9 ? 3 : (int)(3e8 / flop) + 1;
    for (int r = -1; r < 7; r++) {
        double t0 = lgc_now();
        for (int i = 0; i < reps; i++) {
            if (f)
                f(101, s->ta ? 112 : 111, s->tb ? 112 : 111, (int)s->M, (int)s->N, (int)s->K,
                  1.0f, A, (int)lda, B, (int)ldb, 0.0f, C, (int)s->N);
            else
                lgc_sgemm(s->ta, s->tb, s->M, s->N, s->K, 1.0f, A, lda, B, ldb, 0.0f, C, s->N);
        }
        if (r >= 0)
            t[r] = (lgc_now() - t0) / reps;
    }
    qsort(t, 7, sizeof *t, cmp);
    return flop / t[3] / 1e9;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2, json = argc > 2 && !strcmp(argv[2], "--json");
    lgc_threads_set(threads);
    float *A = malloc(sizeof(float) << 20), *B = malloc(sizeof(float) << 20),
          *C = malloc(sizeof(float) << 20);
    for (size_t i = 0; i < (size_t)1 << 20; i++)
        A[i] = (float)(i % 13) * 0.01f, B[i] = (float)(i % 7) * 0.02f;
    /* OpenBLAS as Debian ships it, with whatever core it detects on this CPU. */
    void *ob = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    cblas_sgemm_fn obf = NULL;
    char *(*corename)(void) = NULL;
    void (*obthreads)(int) = NULL;
    if (ob) { /* POSIX's way to turn dlsym's object pointer into a function pointer */
        *(void **)&obf = dlsym(ob, "cblas_sgemm");
        *(void **)&corename = dlsym(ob, "openblas_get_corename");
        *(void **)&obthreads = dlsym(ob, "openblas_set_num_threads");
    }
    if (obthreads)
        obthreads(threads);
    const char *core = corename ? corename() : "not installed";
    if (json)
        printf("{\"threads\":%d,\"lgc_blas\":\"%s\",\"openblas_core\":\"%s\",\"rows\":[", threads,
               lgc_blas_info(), core);
    else
        printf("threads %d; lgc: %s; OpenBLAS (Debian, own detection): core %s\n%-18s %16s %9s %9s\n",
               threads, lgc_blas_info(), core, "shape", "M x N x K", "lgc", "OpenBLAS");
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        const shape *s = &shapes[i];
        double g = run(s, NULL, A, B, C), o = obf ? run(s, obf, A, B, C) : 0.0;
        if (json)
            printf("%s{\"shape\":\"%s\",\"M\":%zu,\"N\":%zu,\"K\":%zu,\"lgc_gflops\":%.1f,"
                   "\"openblas_gflops\":%.1f}",
                   i ? "," : "", s->what, s->M, s->N, s->K, g, o);
        else
            printf("%-18s %5zux%5zux%4zu %9.1f %9.1f\n", s->what, s->M, s->N, s->K, g, o);
    }
    if (json)
        printf("]}\n");
    free(A), free(B), free(C);
    return 0;
}
