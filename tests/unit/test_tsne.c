/* test_tsne.c - exact kNN against its naive twin; t-SNE's gradient against
 * finite differences of KL(P || Q), Barnes-Hut against exact; maps of
 * well-separated clusters keep their labels; determinism across threads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/knn.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"
#include "lgc/tsne.h"

/* n points in d dimensions around n_cl centres far apart: labels (n). */
static float *clusters(size_t n, size_t d, size_t n_cl, double spread, uint64_t seed,
                       uint8_t *labels)
{
    lgc_rng r;
    lgc_rng_init(&r, seed, 0);
    double *cent = malloc(n_cl * d * sizeof *cent);
    float *X = malloc(n * d * sizeof *X);
    assert_non_null(cent);
    assert_non_null(X);
    for (size_t i = 0; i < n_cl * d; i++)
        cent[i] = spread * lgc_rng_normal(&r);
    for (size_t i = 0; i < n; i++) {
        labels[i] = (uint8_t)(i % n_cl);
        for (size_t t = 0; t < d; t++)
            X[i * d + t] = (float)(cent[labels[i] * d + t] + lgc_rng_normal(&r));
    }
    free(cent);
    return X;
}

static void test_knn(void **s)
{
    (void)s;
    size_t n = 700, d = 17, k = 12; /* more than one GEMM block */
    uint8_t lab[700];
    float *X = clusters(n, d, 5, 3.0, 1, lab);
    memcpy(X + 5 * d, X + 600 * d, d * sizeof *X); /* a duplicate: distance exactly 0 */
    uint32_t *i1 = malloc(n * k * sizeof *i1), *i2 = malloc(n * k * sizeof *i2);
    double *d1 = malloc(n * k * sizeof *d1), *d2 = malloc(n * k * sizeof *d2);
    assert_int_equal(lgc_knn_f32(X, n, d, k, i1, d1, NULL), LGC_OK);
    lgc_knn_f32_ref(X, n, d, k, i2, d2);
    assert_memory_equal(i1, i2, n * k * sizeof *i1);
    assert_memory_equal(d1, d2, n * k * sizeof *d1);
    assert_int_equal(i1[5 * k], 600);
    assert_true(d1[5 * k] == 0.0);
    assert_int_equal(lgc_knn_f32(X, n, d, n, i1, d1, NULL), LGC_ERR_ARG);
    free(X), free(i1), free(i2), free(d1), free(d2);

    /* uint8 images: exact distances, copies at 0 */
    size_t nq = 300, nr = 400, dim = 49;
    uint8_t *Q = malloc(nq * dim), *R = malloc(nr * dim);
    lgc_rng r;
    lgc_rng_init(&r, 2, 0);
    for (size_t i = 0; i < nr * dim; i++)
        R[i] = (uint8_t)lgc_rng_below(&r, 256);
    for (size_t i = 0; i < nq; i++)
        for (size_t t = 0; t < dim; t++) /* every third query is a copy, the rest a near copy */
            Q[i * dim + t] = i % 3 == 0 ? R[(i % nr) * dim + t]
                                        : (uint8_t)(R[(i % nr) * dim + t] ^ (t == i % dim));
    double *e1 = malloc(nq * sizeof *e1), *e2 = malloc(nq * sizeof *e2);
    uint32_t *j1 = malloc(nq * sizeof *j1), *j2 = malloc(nq * sizeof *j2);
    assert_int_equal(lgc_nn_u8(Q, nq, R, nr, dim, e1, j1, NULL), LGC_OK);
    lgc_nn_u8_ref(Q, nq, R, nr, dim, e2, j2);
    assert_memory_equal(j1, j2, nq * sizeof *j1);
    assert_memory_equal(e1, e2, nq * sizeof *e1);
    assert_true(e1[0] == 0.0 && e1[3] == 0.0);
    assert_true(fabs(e1[1] - 1.0 / 255.0) < 1e-15);
    free(Q), free(R), free(e1), free(e2), free(j1), free(j2);
}

/* A random symmetric P (CSR, no diagonal, summing to 1) on n points. */
static void random_p(size_t n, lgc_rng *r, size_t **rp, uint32_t **col, double **val)
{
    double *dense = calloc(n * n, sizeof *dense);
    assert_non_null(dense);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (lgc_rng_uniform(r) < 0.3) {
                double v = lgc_rng_uniform(r);
                dense[i * n + j] = dense[j * n + i] = v;
                sum += 2.0 * v;
            }
    *rp = calloc(n + 1, sizeof **rp);
    *col = malloc(n * n * sizeof **col);
    *val = malloc(n * n * sizeof **val);
    size_t nnz = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            if (dense[i * n + j] > 0.0)
                (*col)[nnz] = (uint32_t)j, (*val)[nnz++] = dense[i * n + j] / sum;
        (*rp)[i + 1] = nnz;
    }
    free(dense);
}

static double kl_naive(const size_t *rp, const uint32_t *col, const double *val, size_t n,
                       const double *Y)
{
    double Z = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i != j) {
                double dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1];
                Z += 1.0 / (1.0 + dx * dx + dy * dy);
            }
    double kl = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t t = rp[i]; t < rp[i + 1]; t++) {
            size_t j = col[t];
            double dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1];
            kl += val[t] * log(val[t] / (1.0 / (1.0 + dx * dx + dy * dy) / Z));
        }
    return kl;
}

static void test_gradient(void **s)
{
    (void)s;
    lgc_rng r;
    lgc_rng_init(&r, 3, 0);
    size_t n = 60, *rp;
    uint32_t *col;
    double *val;
    random_p(n, &r, &rp, &col, &val);
    double Y[120], g0[120], gb[120], gs[120], Z0, Zb;
    for (size_t i = 0; i < 2 * n; i++)
        Y[i] = 3.0 * lgc_rng_normal(&r);
    assert_int_equal(lgc_tsne_gradient(rp, col, val, n, Y, 0.0, g0, &Z0, NULL), LGC_OK);
    /* exact gradient against central differences of the naive KL */
    for (size_t t = 0; t < 2 * n; t += 7) {
        double keep = Y[t], h = 1e-5;
        Y[t] = keep + h;
        double kp = kl_naive(rp, col, val, n, Y);
        Y[t] = keep - h;
        double km = kl_naive(rp, col, val, n, Y);
        Y[t] = keep;
        double num = (kp - km) / (2.0 * h);
        assert_true(fabs(num - g0[t]) < 1e-6 + 1e-4 * fabs(num));
    }
    /* Barnes-Hut: close at theta 0.5, closer at 0.1 */
    assert_int_equal(lgc_tsne_gradient(rp, col, val, n, Y, 0.5, gb, &Zb, NULL), LGC_OK);
    double Zs;
    assert_int_equal(lgc_tsne_gradient(rp, col, val, n, Y, 0.1, gs, &Zs, NULL), LGC_OK);
    double e5 = 0.0, e1 = 0.0, nrm = 0.0;
    for (size_t i = 0; i < 2 * n; i++) {
        e5 += (gb[i] - g0[i]) * (gb[i] - g0[i]);
        e1 += (gs[i] - g0[i]) * (gs[i] - g0[i]);
        nrm += g0[i] * g0[i];
    }
    assert_true(sqrt(e5 / nrm) < 0.05);
    assert_true(sqrt(e1 / nrm) < 0.005);
    assert_true(fabs(Zb - Z0) < 0.01 * Z0);
    free(rp), free(col), free(val);
}

/* Well-separated clusters: neighbours in the map share their labels. */
static void test_clusters(void **s)
{
    (void)s;
    size_t n = 1000, d = 32, n_cl = 10;
    uint8_t *lab = malloc(n);
    float *X = clusters(n, d, n_cl, 4.0, 7, lab);
    double *Y = malloc(2 * n * sizeof *Y), *Y2 = malloc(2 * n * sizeof *Y2), kl;
    lgc_tsne_opts o;
    lgc_tsne_opts_default(&o);
    o.n_iter = 600;
    lgc_threads_set(2);
    lgc_err err;
    lgc_status st = lgc_tsne(X, n, d, &o, Y, &kl, &err);
    if (st)
        fail_msg("%s", err.msg);
    double agree = lgc_map_knn_agreement(Y, lab, n, 10);
    assert_true(agree >= 0.95);
    assert_true(isfinite(kl) && kl > 0.0 && kl < 3.0);
    /* the same map, bit for bit, on one thread */
    lgc_threads_set(1);
    assert_int_equal(lgc_tsne(X, n, d, &o, Y2, NULL, NULL), LGC_OK);
    assert_memory_equal(Y, Y2, 2 * n * sizeof *Y);
    lgc_threads_set(2);
    /* a meaningless map would not pass: shuffled labels agree about 1 in 10 */
    uint8_t *shuf = malloc(n);
    lgc_rng r;
    lgc_rng_init(&r, 9, 0);
    for (size_t i = 0; i < n; i++)
        shuf[i] = (uint8_t)lgc_rng_below(&r, n_cl);
    assert_true(lgc_map_knn_agreement(Y, shuf, n, 10) < 0.5);
    free(shuf);

    /* exact t-SNE on a smaller set */
    size_t m = 200;
    o.theta = 0.0;
    o.n_iter = 500;
    float *Xs = clusters(m, d, 5, 4.0, 8, lab);
    assert_int_equal(lgc_tsne(Xs, m, d, &o, Y, &kl, NULL), LGC_OK);
    assert_true(lgc_map_knn_agreement(Y, lab, m, 10) >= 0.95);
    free(Xs), free(X), free(Y), free(Y2), free(lab);
}

static void test_bad_args(void **s)
{
    (void)s;
    float X[20] = {0};
    double Y[20];
    lgc_tsne_opts o;
    lgc_tsne_opts_default(&o);
    lgc_err err;
    assert_int_equal(lgc_tsne(X, 10, 2, &o, Y, NULL, &err), LGC_ERR_ARG); /* perplexity 30 > 9 */
    o.perplexity = 3.0;
    o.theta = 2.0;
    assert_int_equal(lgc_tsne(X, 10, 2, &o, Y, NULL, &err), LGC_ERR_ARG);
    o.theta = 0.5;
    /* all points equal: still a finite map */
    assert_int_equal(lgc_tsne(X, 10, 2, &o, Y, NULL, &err), LGC_OK);
    for (int i = 0; i < 20; i++)
        assert_true(isfinite(Y[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_knn),
        cmocka_unit_test(test_gradient),
        cmocka_unit_test(test_clusters),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
