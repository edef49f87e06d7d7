/* test_kmedoids.c - pairwise distances against their naive twin; k-medoids
 * against the brute-force optimum over every set of k medoids. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/kmedoids.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"

static void test_pdist(void **s)
{
    (void)s;
    enum { N = 70, DIM = 170 };
    lgc_rng r;
    lgc_rng_init(&r, 1, 0);
    float *X = malloc(N * DIM * sizeof *X), *D = malloc(N * N * sizeof *D);
    float *R = malloc(N * N * sizeof *R);
    for (size_t i = 0; i < N * DIM; i++)
        X[i] = (float)lgc_rng_normal(&r);
    memcpy(X + 5 * DIM, X + 9 * DIM, DIM * sizeof *X); /* a duplicate: distance 0 */
    assert_int_equal(lgc_pdist_f32(D, X, N, DIM, NULL), LGC_OK);
    lgc_pdist_f32_ref(R, X, N, DIM);
    for (size_t i = 0; i < N; i++) {
        assert_true(D[i * N + i] == 0.0f);
        for (size_t j = 0; j < N; j++) {
            assert_true(D[i * N + j] == D[j * N + i]);
            /* squared distances within the float error bound of kmedoids.h
             * (squared norms ~DIM; the rows' mean is near 0 here) */
            double d2 = (double)D[i * N + j] * D[i * N + j];
            double r2 = (double)R[i * N + j] * R[i * N + j];
            assert_true(fabs(d2 - r2) <= DIM * 1.2e-7 * 4.0 * DIM);
        }
    }
    assert_true(D[5 * N + 9] < 0.1f);
    /* far from the origin the centring keeps the error that of the spread, not of the offset */
    for (size_t i = 0; i < N * DIM; i++)
        X[i] += 1000.0f;
    assert_int_equal(lgc_pdist_f32(D, X, N, DIM, NULL), LGC_OK);
    lgc_pdist_f32_ref(R, X, N, DIM);
    for (size_t i = 0; i < N * N; i++)
        assert_float_equal(D[i], R[i], 0.05);
    free(X), free(D), free(R);
}

/* Sum over points of the distance to the nearest medoid of the set m (k). */
static double cost_of(const float *D, size_t n, const uint32_t *m, size_t k)
{
    double c = 0.0;
    for (size_t i = 0; i < n; i++) {
        float b = D[i * n + m[0]];
        for (size_t j = 1; j < k; j++)
            b = D[i * n + m[j]] < b ? D[i * n + m[j]] : b;
        c += b;
    }
    return c;
}

/* The best set of k medoids by enumerating every k-subset of n points. */
static double brute_force(const float *D, size_t n, size_t k, uint32_t *best)
{
    uint32_t m[8];
    for (size_t j = 0; j < k; j++)
        m[j] = (uint32_t)j;
    double bc = INFINITY;
    for (;;) {
        double c = cost_of(D, n, m, k);
        if (c < bc)
            bc = c, memcpy(best, m, k * sizeof *m);
        size_t j = k; /* next combination in lexicographic order */
        while (j > 0 && m[j - 1] == n - k + j - 1)
            j--;
        if (j == 0)
            break;
        m[j - 1]++;
        for (size_t t = j; t < k; t++)
            m[t] = m[t - 1] + 1;
    }
    return bc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* What every result must be, whatever the seed: a fixed point of the
 * alternation (each point with a nearest medoid, each medoid the best member
 * of its cluster), sizes that count the assignment, the reported cost. */
static void check_local_optimum(const float *D, size_t n, size_t k, const uint32_t *med,
                                const uint32_t *as, const uint32_t *sizes,
                                const lgc_kmedoids_info *info)
{
    assert_true(info->converged);
    uint32_t cnt[16] = {0};
    double cost = 0.0;
    for (size_t i = 0; i < n; i++) {
        float d = D[i * n + med[as[i]]];
        for (size_t j = 0; j < k; j++)
            assert_true(d <= D[i * n + med[j]]);
        cnt[as[i]]++;
        cost += d;
    }
    assert_float_equal(cost, info->cost, 1e-9 * (1.0 + cost));
    size_t total = 0;
    for (size_t j = 0; j < k; j++) {
        assert_int_equal(cnt[j], sizes[j]);
        assert_true(sizes[j] >= 1);
        assert_int_equal(as[med[j]], j);
        total += sizes[j];
        double sm = 0.0;
        for (size_t b = 0; b < n; b++)
            if (as[b] == j)
                sm += D[med[j] * n + b];
        for (size_t a = 0; a < n; a++) {
            if (as[a] != j)
                continue;
            double sa = 0.0;
            for (size_t b = 0; b < n; b++)
                if (as[b] == j)
                    sa += D[a * n + b];
            assert_true(sm <= sa);
        }
    }
    assert_int_equal(total, n);
}

/* Random points: the alternation finds local optima; every run must be one,
 * none may beat the brute-force optimum, and the best of 40 seeds must reach
 * it (on 14 points in 2-d with k = 3 most seeds do). k = 1 reaches the
 * optimum from any start: the first update picks the best single medoid. */
static void test_against_brute_force(void **s)
{
    (void)s;
    enum { N = 14, DIM = 2 };
    lgc_rng r;
    lgc_rng_init(&r, 2, 0);
    float X[N * DIM], D[N * N];
    for (size_t i = 0; i < N * DIM; i++)
        X[i] = (float)lgc_rng_uniform(&r);
    lgc_pdist_f32_ref(D, X, N, DIM);
    for (size_t k = 1; k <= 4; k++) {
        uint32_t opt[8], med[8], as[N], sizes[8];
        double best = brute_force(D, N, k, opt), found = INFINITY;
        qsort(opt, k, sizeof *opt, cmp_u32);
        int hit = 0;
        for (uint64_t seed = 1; seed <= 40; seed++) {
            lgc_rng_init(&r, seed, 7);
            lgc_kmedoids_info info;
            assert_int_equal(lgc_kmedoids(D, N, k, &r, 100, med, as, sizes, &info, NULL), LGC_OK);
            check_local_optimum(D, N, k, med, as, sizes, &info);
            assert_true(info.cost >= best - 1e-6);
            found = info.cost < found ? info.cost : found;
            qsort(med, k, sizeof *med, cmp_u32);
            if (memcmp(med, opt, k * sizeof *med) == 0)
                hit++;
            if (k == 1)
                assert_int_equal(med[0], opt[0]);
        }
        assert_float_equal(found, best, 1e-6);
        assert_true(hit >= 1);
    }
}

/* Four tight, far-apart blobs of 5 points: k-medoids++ puts one medoid in
 * each (a second draw in the same blob has probability ~1e-8), and from there
 * the alternation must end at the optimum: each blob's own 1-medoid. */
static void test_separated_blobs(void **s)
{
    (void)s;
    enum { N = 20, DIM = 3, K = 4 };
    lgc_rng r;
    lgc_rng_init(&r, 3, 0);
    float X[N * DIM], D[N * N];
    for (size_t i = 0; i < N; i++)
        for (size_t t = 0; t < DIM; t++)
            X[i * DIM + t] = (float)((t == i % K ? 1000.0 : 0.0) + lgc_rng_normal(&r));
    lgc_pdist_f32_ref(D, X, N, DIM);
    uint32_t opt[K], med[K], as[N], sizes[K];
    double best = brute_force(D, N, K, opt);
    qsort(opt, K, sizeof *opt, cmp_u32);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        lgc_rng_init(&r, seed, 7);
        lgc_kmedoids_info info;
        assert_int_equal(lgc_kmedoids(D, N, K, &r, 100, med, as, sizes, &info, NULL), LGC_OK);
        check_local_optimum(D, N, K, med, as, sizes, &info);
        for (size_t j = 0; j < K; j++)
            assert_int_equal(sizes[j], 5);
        assert_float_equal(info.cost, best, 1e-9 * best);
        qsort(med, K, sizeof *med, cmp_u32);
        assert_memory_equal(med, opt, sizeof opt);
    }
}

/* Edge cases: k = n (every point its own medoid), duplicates, bad k, and the
 * same answer with 1 or 2 threads on a larger set. */
static void test_edges(void **s)
{
    (void)s;
    enum { N = 6 };
    float X[N] = {0, 0, 0, 1, 5, 5}, D[N * N]; /* three copies of one point, two of another */
    lgc_pdist_f32_ref(D, X, N, 1);
    uint32_t med[N], as[N], sizes[N];
    lgc_rng r;
    lgc_rng_init(&r, 1, 0);
    lgc_kmedoids_info info;
    assert_int_equal(lgc_kmedoids(D, N, N, &r, 100, med, as, sizes, &info, NULL), LGC_OK);
    qsort(med, N, sizeof *med, cmp_u32);
    for (size_t j = 0; j < N; j++)
        assert_int_equal(med[j], j);
    assert_true(info.cost == 0.0);
    assert_int_equal(lgc_kmedoids(D, N, 3, &r, 100, med, as, sizes, &info, NULL), LGC_OK);
    assert_true(info.cost == 0.0); /* 0, 1 and 5: one medoid per distinct value */
    assert_int_equal(lgc_kmedoids(D, N, 0, &r, 100, med, as, sizes, &info, NULL), LGC_ERR_ARG);
    assert_int_equal(lgc_kmedoids(D, N, N + 1, &r, 100, med, as, sizes, &info, NULL),
                     LGC_ERR_ARG);
    /* max_iter 0: the initial medoids, with a consistent assignment */
    assert_int_equal(lgc_kmedoids(D, N, 2, &r, 0, med, as, sizes, &info, NULL), LGC_OK);
    assert_false(info.converged);
    assert_int_equal(sizes[0] + sizes[1], N);

    enum { M = 600, DIM = 20, K = 25 };
    float *Y = malloc(M * DIM * sizeof *Y), *E = malloc(M * M * sizeof *E);
    uint32_t m1[K], m2[K], a1[M], a2[M];
    for (size_t i = 0; i < M * DIM; i++)
        Y[i] = (float)lgc_rng_normal(&r);
    lgc_threads_set(1);
    assert_int_equal(lgc_pdist_f32(E, Y, M, DIM, NULL), LGC_OK);
    lgc_rng_init(&r, 9, 0);
    assert_int_equal(lgc_kmedoids(E, M, K, &r, 100, m1, a1, NULL, NULL, NULL), LGC_OK);
    lgc_threads_set(2);
    assert_int_equal(lgc_pdist_f32(E, Y, M, DIM, NULL), LGC_OK);
    lgc_rng_init(&r, 9, 0);
    assert_int_equal(lgc_kmedoids(E, M, K, &r, 100, m2, a2, NULL, &info, NULL), LGC_OK);
    assert_true(info.converged && info.n_iter >= 2);
    assert_memory_equal(m1, m2, sizeof m1);
    assert_memory_equal(a1, a2, sizeof a1);
    free(Y), free(E);
}

int main(void)
{
    lgc_threads_set(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdist),
        cmocka_unit_test(test_against_brute_force),
        cmocka_unit_test(test_separated_blobs),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
