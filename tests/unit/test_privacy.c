/* test_privacy.c - AUC and quantiles on known cases; distance-to-closest-record
 * measurements on a generator that copies against one that draws afresh; the
 * encoder side file; the whole audit on a small package. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lgc/codec.h"
#include "lgc/privacy.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"

static void test_auc(void **s)
{
    (void)s;
    double a[4] = {5, 6, 7, 8}, b[4] = {1, 2, 3, 4}, auc;
    assert_int_equal(lgc_auc(a, 4, b, 4, &auc, NULL), LGC_OK);
    assert_true(auc == 1.0); /* perfect separation */
    assert_int_equal(lgc_auc(b, 4, a, 4, &auc, NULL), LGC_OK);
    assert_true(auc == 0.0);
    assert_int_equal(lgc_auc(a, 4, a, 4, &auc, NULL), LGC_OK);
    assert_true(auc == 0.5); /* identical sets */
    double c[1] = {3}, d[3] = {3, 3, 3};
    assert_int_equal(lgc_auc(c, 1, d, 3, &auc, NULL), LGC_OK);
    assert_true(auc == 0.5); /* all tied */
    /* by hand: pairs (1,0) (1,2) (2,0) (2,2) (3,0) (3,2) -> 1 + 0 + 1 + .5 + 1 + 1 = 4.5 of 6 */
    double p[3] = {1, 2, 3}, q[2] = {0, 2};
    assert_int_equal(lgc_auc(p, 3, q, 2, &auc, NULL), LGC_OK);
    assert_true(fabs(auc - 0.75) < 1e-15);
    /* two normals a distance delta apart: AUC = Phi(delta / sqrt 2) */
    lgc_rng r;
    lgc_rng_init(&r, 1, 0);
    enum { N = 20000 };
    static double u[N], v[N];
    for (int i = 0; i < N; i++)
        u[i] = 1.0 + lgc_rng_normal(&r), v[i] = lgc_rng_normal(&r);
    assert_int_equal(lgc_auc(u, N, v, N, &auc, NULL), LGC_OK);
    assert_true(fabs(auc - 0.7602499) < 0.01);
    lgc_err e;
    double bad[1] = {NAN};
    assert_int_equal(lgc_auc(bad, 1, a, 4, &auc, &e), LGC_ERR_VALUE);
    assert_int_equal(lgc_auc(a, 0, b, 4, &auc, &e), LGC_ERR_ARG);
}

static void test_quantile(void **s)
{
    (void)s;
    double x[5] = {5, 1, 4, 2, 3}; /* numpy.percentile([1..5], [0, 1, 50, 90, 100]) */
    assert_true(lgc_quantile(x, 5, 0.0) == 1.0);
    assert_true(fabs(lgc_quantile(x, 5, 0.01) - 1.04) < 1e-12);
    assert_true(lgc_quantile(x, 5, 0.5) == 3.0);
    assert_true(fabs(lgc_quantile(x, 5, 0.9) - 4.6) < 1e-12);
    assert_true(lgc_quantile(x, 5, 1.0) == 5.0);
    assert_true(x[0] == 5 && x[1] == 1); /* left as it was */
    double one[1] = {7};
    assert_true(lgc_quantile(one, 1, 0.3) == 7.0);
}

/* An image distribution with structure: one of 8 blob prototypes, shifted
 * and noisy, so that nearest distances vary from image to image. */
#define SIDE 12
#define DIM (SIDE * SIDE)
static void draw_images(uint8_t *x, size_t n, lgc_rng *r)
{
    for (size_t i = 0; i < n; i++) {
        size_t proto = lgc_rng_below(r, 8);
        double cx = 2.0 + (double)(proto % 4) * 2.5 + lgc_rng_normal(r) * 0.7;
        double cy = 3.0 + (double)(proto / 4) * 5.0 + lgc_rng_normal(r) * 0.7;
        for (size_t p = 0; p < DIM; p++) {
            double dx = (double)(p % SIDE) - cx, dy = (double)(p / SIDE) - cy;
            double v = 230.0 * exp(-(dx * dx + dy * dy) / 6.0) + 12.0 * lgc_rng_normal(r);
            x[i * DIM + p] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

static void test_dcr(void **s)
{
    (void)s;
    enum { N = 1500 };
    uint8_t *train = malloc(N * DIM), *test = malloc(N * DIM), *gen = malloc(N * DIM);
    lgc_rng r;
    lgc_rng_init(&r, 11, 0);
    draw_images(train, N, &r);
    draw_images(test, N, &r);
    lgc_privacy_result res;
    lgc_err e;
    /* a "generator" that hands back training images: every one a copy */
    for (size_t i = 0; i < N; i++)
        memcpy(gen + i * DIM, train + ((i * 7) % N) * DIM, DIM);
    double *dtr = malloc(N * sizeof *dtr);
    assert_int_equal(lgc_privacy_dcr(gen, N, train, N, test, N, DIM, &res, dtr, NULL, NULL, &e),
                     LGC_OK);
    assert_true(res.share_closer_train > 0.99);
    assert_true(res.near_copy_fraction > 0.99);
    assert_true(res.median_gen_train == 0.0 && dtr[0] == 0.0);
    assert_true(res.median_gen_test > 0.0);
    assert_true(res.near_copy_threshold > 0.0);
    assert_true(isnan(res.mia_auc));
    /* one that draws afresh from the same distribution: nothing to tell apart */
    draw_images(gen, N, &r);
    assert_int_equal(lgc_privacy_dcr(gen, N, train, N, test, N, DIM, &res, NULL, NULL, NULL, &e),
                     LGC_OK);
    assert_true(fabs(res.share_closer_train - 0.5) < 0.05);
    assert_true(res.near_copy_fraction < 0.04); /* about 1% by construction of the threshold */
    assert_true(fabs(res.median_gen_train - res.median_gen_test) < 0.05 * res.median_gen_test);
    assert_true(fabs(res.median_test_train - res.median_gen_train) < 0.1 * res.median_gen_train);
    /* half copies, half fresh */
    for (size_t i = 0; i < N; i += 2)
        memcpy(gen + i * DIM, train + i * DIM, DIM);
    assert_int_equal(lgc_privacy_dcr(gen, N, train, N, test, N, DIM, &res, NULL, NULL, NULL, &e),
                     LGC_OK);
    assert_true(fabs(res.share_closer_train - 0.75) < 0.05);
    assert_true(fabs(res.near_copy_fraction - 0.5) < 0.04);
    assert_int_equal(lgc_privacy_dcr(gen, 0, train, N, test, N, DIM, &res, NULL, NULL, NULL, &e),
                     LGC_ERR_ARG);
    free(train), free(test), free(gen), free(dtr);
}

/* ---- a small package, its side file, and the audit --------------------------- */

#define H 8
#define W 8
#define N_IMG 400

static void make_data(lgc_dataset *d, uint64_t seed)
{
    lgc_rng r;
    lgc_rng_init(&r, seed, 0);
    d->x.n = N_IMG, d->x.h = H, d->x.w = W, d->x.c = 1;
    d->x.pix = malloc(N_IMG * H * W);
    d->y.n = N_IMG;
    d->y.y = malloc(N_IMG);
    d->n_classes = 2;
    for (size_t i = 0; i < N_IMG; i++) {
        d->y.y[i] = (uint8_t)(i % 3 == 0);
        for (size_t p = 0; p < H * W; p++) {
            int top = p < H * W / 2, on = (d->y.y[i] == 0) == top;
            d->x.pix[i * H * W + p] =
                (uint8_t)(on ? 160 + lgc_rng_below(&r, 90) : lgc_rng_below(&r, 60));
        }
    }
}

static void small_opts(lgc_compress_opts *o)
{
    lgc_compress_opts_default(o);
    o->hidden = 16, o->latent = 3, o->train.epochs = 12, o->train.batch = 32;
    o->train.lr = 3e-3f, o->gmm.k_max = 3, o->created = "test-created";
    o->keep_side = 1;
}

static void test_side_and_audit(void **s)
{
    (void)s;
    lgc_threads_set(2);
    lgc_dataset train, test;
    make_data(&train, 5);
    make_data(&test, 6);
    lgc_compress_opts o;
    small_opts(&o);
    lgc_compress_report rep;
    lgc_pkg *p = NULL;
    lgc_err e;
    lgc_status st = lgc_compress(&train, 2, &o, NULL, NULL, &p, &rep, &e);
    if (st)
        fail_msg("%s", e.msg);
    assert_non_null(rep.side);
    assert_true(isfinite(rep.final_loss));

    /* the side file survives a write and read, and opens against its package */
    uint8_t *buf;
    size_t n;
    lgc_pkg *side;
    assert_int_equal(lgc_pkg_write_mem(rep.side, &buf, &n, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_read_mem(buf, n, NULL, &side, NULL), LGC_OK);
    free(buf);
    lgc_codec c;
    assert_int_equal(lgc_codec_open(&c, p, "<pkg>", 64, NULL), LGC_OK);
    lgc_side sd;
    st = lgc_side_open(&sd, side, "<side>", &c, "test-created", 64, &e);
    if (st)
        fail_msg("%s", e.msg);
    assert_int_equal(sd.n_epochs, 12);
    assert_int_equal(sd.k_max, 3);
    assert_true(sd.loss_curve[11] < sd.loss_curve[0]);
    for (size_t cls = 0; cls < 2; cls++) /* the curve's chosen K is the package's */
        assert_int_equal(lgc_gmm_ksel_choose(sd.bic + cls * 3, 3, LGC_KSEL_ARGMIN), c.gmm[cls].k);
    /* the encoder gives the codes the mixtures were fitted to: training codes
     * score well above chance under their own class's mixture */
    double *ll = malloc(N_IMG * sizeof *ll);
    assert_int_equal(lgc_class_loglik(&c, &sd, train.x.pix, train.y.y, N_IMG, ll, NULL), LGC_OK);
    uint8_t *wrong = malloc(N_IMG);
    for (size_t i = 0; i < N_IMG; i++)
        wrong[i] = (uint8_t)(1 - train.y.y[i]);
    double *llw = malloc(N_IMG * sizeof *llw);
    assert_int_equal(lgc_class_loglik(&c, &sd, train.x.pix, wrong, N_IMG, llw, NULL), LGC_OK);
    double auc;
    assert_int_equal(lgc_auc(ll, N_IMG, llw, N_IMG, &auc, NULL), LGC_OK);
    assert_true(auc > 0.95);
    free(ll), free(llw), free(wrong);

    /* in-memory regeneration is lgc decompress's, in either order */
    for (int order = 0; order < 2; order++) {
        size_t img = H * W, N = 150;
        uint8_t *x1 = malloc(N * img), *y1 = malloc(N);
        assert_int_equal(lgc_codec_decompress_mem(&c, N, 9, LGC_BALANCE_PRIOR, (lgc_order)order,
                                                  x1, y1, NULL), LGC_OK);
        char dir[] = "/tmp/lgc_priv_XXXXXX", prefix[64], ip[96], lp[96];
        assert_non_null(mkdtemp(dir));
        snprintf(prefix, sizeof prefix, "%s/g", dir);
        assert_int_equal(lgc_codec_decompress_files(&c, N, 9, LGC_BALANCE_PRIOR, (lgc_order)order,
                                                    prefix, LGC_FMT_IDX, 0, NULL, NULL, NULL),
                         LGC_OK);
        lgc_dataset g;
        snprintf(ip, sizeof ip, "%s-images.idx", prefix);
        snprintf(lp, sizeof lp, "%s-labels.idx", prefix);
        assert_int_equal(lgc_dataset_load(ip, lp, 2, &g, NULL), LGC_OK);
        assert_memory_equal(g.x.pix, x1, N * img);
        assert_memory_equal(g.y.y, y1, N);
        lgc_dataset_free(&g);
        unlink(ip), unlink(lp), rmdir(dir);
        free(x1), free(y1);
    }

    /* the audit: numbers in range; the same seed, the same numbers */
    lgc_privacy_audit_out a, b;
    st = lgc_privacy_audit(&c, &sd, &train, &test, 300, 4, &a, &e);
    if (st)
        fail_msg("%s", e.msg);
    assert_int_equal(a.r.n_gen, 300);
    assert_int_equal(a.r.n_train, 300);
    assert_int_equal(a.r.n_test, 300);
    assert_true(a.r.share_closer_train >= 0.0 && a.r.share_closer_train <= 1.0);
    assert_true(a.r.mia_auc >= 0.0 && a.r.mia_auc <= 1.0);
    assert_true(a.r.median_gen_train > 0.0);
    assert_non_null(a.ll_train);
    assert_int_equal(lgc_privacy_audit(&c, NULL, &train, &test, 300, 4, &b, NULL), LGC_OK);
    assert_true(a.r.share_closer_train == b.r.share_closer_train);
    assert_true(a.r.near_copy_threshold == b.r.near_copy_threshold);
    assert_true(isnan(b.r.mia_auc) && b.ll_train == NULL);
    lgc_privacy_audit_free(&a);
    lgc_privacy_audit_free(&b);
    lgc_side_free(&sd);

    /* a side file of another package, or of another run, is refused */
    assert_int_equal(lgc_side_open(&sd, side, "<side>", &c, "another-time", 64, &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "<side>"));
    assert_int_equal(lgc_side_open(&sd, p, "<pkg as side>", &c, NULL, 64, &e), LGC_ERR_FORMAT);
    lgc_pkg_set_u64(side, "model.latent", 4, NULL);
    assert_int_equal(lgc_side_open(&sd, side, "<side>", &c, NULL, 64, &e), LGC_ERR_VALUE);
    lgc_pkg_set_u64(side, "model.latent", 3, NULL);
    double nanbic[6] = {1, 2, INFINITY, 4, 5, 6};
    lgc_pkg_set_f64_array(side, "gmm.bic", nanbic, 6, NULL);
    assert_int_equal(lgc_side_open(&sd, side, "<side>", &c, NULL, 64, &e), LGC_ERR_VALUE);

    lgc_codec_free(&c);
    lgc_pkg_free(side);
    lgc_pkg_free(rep.side);
    lgc_pkg_free(p);
    lgc_dataset_free(&train);
    lgc_dataset_free(&test);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auc),
        cmocka_unit_test(test_quantile),
        cmocka_unit_test(test_dcr),
        cmocka_unit_test(test_side_and_audit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
