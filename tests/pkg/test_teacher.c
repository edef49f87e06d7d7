/* test_teacher.c - a package's teacher: stored and read back it predicts as
 * the trained net does (int8 weights), its soft labels are probabilities that
 * name the right class, and a package that lies about it is refused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/codec.h"
#include "lgc/judge.h"
#include "lgc/rng.h"

enum { N = 400, S = 28, K = 3 };

/* Three classes: a bright band at the top, the middle or the bottom. */
static void make_bands(lgc_dataset *d, uint64_t seed)
{
    lgc_rng r;
    lgc_rng_init(&r, seed, 0);
    d->x = (lgc_images){N, S, S, 1, malloc(N * S * S)};
    d->y = (lgc_labels){N, malloc(N)};
    d->n_classes = K;
    for (size_t i = 0; i < N; i++) {
        d->y.y[i] = (uint8_t)(i % K);
        for (size_t p = 0; p < S * S; p++) {
            size_t band = p / (S * S / K) < K ? p / (S * S / K) : K - 1;
            d->x.pix[i * S * S + p] =
                (uint8_t)(band == d->y.y[i] ? 150 + lgc_rng_below(&r, 100) : lgc_rng_below(&r, 90));
        }
    }
}

static lgc_net g_net; /* trained once */
static lgc_dataset g_test;

static int setup(void **s)
{
    (void)s;
    lgc_dataset tr;
    make_bands(&tr, 1), make_bands(&g_test, 2);
    lgc_judge_opts o;
    lgc_judge_opts_default(&o);
    o.steps = 100;
    if (lgc_judge_train(&o, &tr, K, &g_net, NULL, NULL, NULL, NULL))
        return -1;
    lgc_dataset_free(&tr);
    return 0;
}

static int teardown(void **s)
{
    (void)s;
    lgc_net_free(&g_net);
    lgc_dataset_free(&g_test);
    return 0;
}

static double agreement(const float *q, const lgc_labels *y)
{
    size_t hit = 0;
    for (size_t i = 0; i < y->n; i++) {
        size_t best = 0;
        for (size_t k = 1; k < K; k++)
            best = q[i * K + k] > q[i * K + best] ? k : best;
        hit += best == y->y[i];
    }
    return (double)hit / (double)y->n;
}

static void test_roundtrip(void **s)
{
    (void)s;
    float *q0 = malloc(N * K * sizeof *q0), *q1 = malloc(N * K * sizeof *q1);
    assert_int_equal(lgc_codec_teach(&g_net, &g_test.x, K, q0, NULL), LGC_OK);
    assert_true(agreement(q0, &g_test.y) > 0.95);
    lgc_pkg *p = lgc_pkg_new();
    assert_int_equal(lgc_codec_put_teacher(p, &g_net, "paper-cnn", NULL), LGC_OK);
    lgc_net t;
    int has = 0;
    lgc_err err;
    assert_int_equal(lgc_codec_get_teacher(p, "p", 1, S, S, K, &t, &has, &err), LGC_OK);
    assert_int_equal(has, 1);
    assert_int_equal(t.n_params, g_net.n_params);
    assert_int_equal(lgc_codec_teach(&t, &g_test.x, K, q1, NULL), LGC_OK);
    double worst = 0.0;
    for (size_t i = 0; i < N; i++) {
        double sum = 0.0;
        for (size_t k = 0; k < K; k++) {
            sum += q1[i * K + k];
            worst = fmax(worst, fabs((double)q1[i * K + k] - q0[i * K + k]));
        }
        assert_true(fabs(sum - 1.0) < 1e-5);
    }
    printf("teacher: largest probability change through int8 %.4f\n", worst);
    assert_true(worst < 0.05);
    assert_true(agreement(q1, &g_test.y) > 0.95);
    /* a package without one says so, and asks for the wrong shape are refused */
    lgc_net_free(&t);
    lgc_pkg *none = lgc_pkg_new();
    assert_int_equal(lgc_codec_get_teacher(none, "p", 1, S, S, K, &t, &has, &err), LGC_OK);
    assert_int_equal(has, 0);
    assert_int_not_equal(lgc_codec_get_teacher(p, "p", 1, S, S, K + 1, &t, &has, &err), LGC_OK);
    assert_non_null(strstr(err.msg, "outputs for 4 classes"));
    lgc_pkg_free(none), lgc_pkg_free(p), free(q0), free(q1);
}

/* Layer lists a stranger might write: each refused with a sentence, never a crash. */
static void test_bad_layers(void **s)
{
    (void)s;
    const struct {
        uint64_t l[8];
        size_t n;
        const char *msg;
    } bad[] = {
        {{9, 0, 0, 0}, 4, "not one a teacher may have"},        /* instnorm */
        {{2, 0, 3, 0}, 4, "not one a teacher may have"},        /* conv of 0 channels */
        {{2, 4, 3, 9}, 4, "not one a teacher may have"},        /* padding over k/2 */
        {{1, 1u << 20, 0, 0}, 4, "not one a teacher may have"}, /* too wide */
        {{1, 3, 0, 0, 1}, 5, "not 4 for each"},
        {{5, 0, 0, 0, 5, 0, 0, 0}, 8, "the teacher has"},       /* pools only: 36 outputs */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        lgc_pkg *p = lgc_pkg_new();
        assert_int_equal(lgc_pkg_set_u64_array(p, "teacher.layers", bad[i].l, bad[i].n, NULL),
                         LGC_OK);
        lgc_net t;
        int has = 1;
        lgc_err err;
        assert_int_not_equal(lgc_codec_get_teacher(p, "p", 1, S, S, K, &t, &has, &err), LGC_OK);
        assert_int_equal(has, 0);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg);
        lgc_pkg_free(p);
    }
    /* the layers right, a tensor missing */
    lgc_pkg *p = lgc_pkg_new();
    assert_int_equal(lgc_codec_put_teacher(p, &g_net, "paper-cnn", NULL), LGC_OK);
    lgc_pkg *q = lgc_pkg_new();
    const lgc_pkg_kv *kv = lgc_pkg_find_kv(p, "teacher.layers");
    assert_non_null(kv);
    lgc_net t;
    int has;
    lgc_err err;
    const uint64_t *l;
    size_t n;
    assert_int_equal(lgc_pkg_get_u64_array(p, "teacher.layers", &l, &n, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_set_u64_array(q, "teacher.layers", l, n, NULL), LGC_OK);
    assert_int_not_equal(lgc_codec_get_teacher(q, "p", 1, S, S, K, &t, &has, &err), LGC_OK);
    assert_non_null(strstr(err.msg, "teacher.0.w is missing"));
    lgc_pkg_free(p), lgc_pkg_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_bad_layers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
