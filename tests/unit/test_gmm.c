/* test_gmm.c - the Gaussian mixture engine: recovery of known mixtures, EM
 * monotonicity, BIC choice of k, closed forms, sampling, the score oracle,
 * degenerate data, validation and determinism. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gmm/internal.h"
#include "lgc/gmm.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"

/* ---- helpers ------------------------------------------------------------ */

/* A k-component mixture in d dimensions: means spaced `sep` apart along the
 * axes (component c at sep * e_{c mod d}, sign alternating every d), and a
 * random factor per component with diagonal in [0.5, 1.5] times `scale`. */
static void make_mixture(lgc_gmm *g, size_t k, size_t d, double sep, double scale,
                         const double *weights, uint64_t seed)
{
    assert_int_equal(lgc_gmm_init(g, k, d), LGC_OK);
    lgc_rng r;
    lgc_rng_init(&r, seed, 99);
    for (size_t c = 0; c < k; c++) {
        g->weights[c] = weights[c];
        g->means[c * d + c % d] = (c / d % 2 ? -sep : sep);
        double *L = g->chol + c * d * d;
        for (size_t i = 0; i < d; i++) {
            for (size_t j = 0; j < i; j++)
                L[i * d + j] = 0.3 * scale * lgc_rng_normal(&r);
            L[i * d + i] = scale * (0.5 + lgc_rng_uniform(&r));
        }
    }
}

/* n points of g into X (n, d) and their components into label (n) if not NULL. */
static void draw(const lgc_gmm *g, size_t n, float *X, size_t *label, uint64_t seed)
{
    lgc_rng r;
    lgc_rng_init(&r, seed, 1);
    double *eps = malloc(g->d * sizeof *eps);
    assert_non_null(eps);
    for (size_t s = 0; s < n; s++) {
        double u = lgc_rng_uniform(&r), acc = 0.0;
        size_t c = 0;
        for (; c + 1 < g->k; c++)
            if (u < (acc += g->weights[c]))
                break;
        if (label)
            label[s] = c;
        for (size_t j = 0; j < g->d; j++)
            eps[j] = lgc_rng_normal(&r);
        for (size_t i = 0; i < g->d; i++) {
            double v = g->means[c * g->d + i];
            for (size_t j = 0; j <= i; j++)
                v += g->chol[c * g->d * g->d + i * g->d + j] * eps[j];
            X[s * g->d + i] = (float)v;
        }
    }
    free(eps);
}

/* cov (d, d) = L L^T of component c. */
static void covariance(const lgc_gmm *g, size_t c, double *cov)
{
    size_t d = g->d;
    const double *L = g->chol + c * d * d;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double s = 0.0;
            for (size_t t = 0; t < d; t++)
                s += L[i * d + t] * L[j * d + t];
            cov[i * d + j] = s;
        }
}

static void assert_all_finite(const lgc_gmm *g)
{
    for (size_t c = 0; c < g->k; c++)
        assert_true(isfinite(g->weights[c]));
    for (size_t i = 0; i < g->k * g->d; i++)
        assert_true(isfinite(g->means[i]));
    for (size_t i = 0; i < g->k * g->d * g->d; i++)
        assert_true(isfinite(g->chol[i]));
    lgc_err e;
    assert_int_equal(lgc_gmm_validate(g, &e), LGC_OK);
}

static lgc_gmm_opts opts(size_t k_max, int n_init, uint64_t seed)
{
    lgc_gmm_opts o;
    lgc_gmm_opts_default(&o);
    o.k_max = k_max;
    o.n_init = n_init;
    o.seed = seed;
    return o;
}

/* ---- tests -------------------------------------------------------------- */

static void test_opts_default(void **state)
{
    (void)state;
    lgc_gmm_opts o;
    lgc_gmm_opts_default(&o);
    assert_int_equal(o.k_max, 10);
    assert_int_equal(o.select, LGC_KSEL_ARGMIN);
    assert_int_equal(o.n_init, 3);
    assert_int_equal(o.max_iter, 200);
    assert_true(o.tol == 1e-3);
    assert_true(o.reg_covar == 1e-6);
}

/* EM finds a known, well separated 3-component mixture in 8 dimensions. */
static void test_recovers_known_mixture(void **state)
{
    (void)state;
    const size_t k = 3, d = 8, n = 3000;
    const double w[3] = {0.5, 0.3, 0.2};
    lgc_gmm truth, fit = {0};
    make_mixture(&truth, k, d, 10.0, 1.0, w, 11);
    float *X = malloc(n * d * sizeof *X);
    assert_non_null(X);
    draw(&truth, n, X, NULL, 12);
    lgc_gmm_opts o = opts(10, 3, 5);
    lgc_gmm_info info = {0};
    lgc_err e;
    assert_int_equal(lgc_gmm_fit(&fit, X, n, d, k, &o, &info, &e), LGC_OK);
    assert_int_equal(fit.k, k);
    assert_int_equal(fit.d, d);
    assert_true(info.converged);
    assert_all_finite(&fit);

    int taken[3] = {0, 0, 0};
    double ct[64], cf[64];
    for (size_t c = 0; c < k; c++) {
        /* Match by nearest mean: the means are 10 apart, the noise is ~1/sqrt(600). */
        size_t best = 0;
        double bd = INFINITY;
        for (size_t f = 0; f < k; f++) {
            double s = 0.0;
            for (size_t j = 0; j < d; j++) {
                double t = fit.means[f * d + j] - truth.means[c * d + j];
                s += t * t;
            }
            if (s < bd)
                bd = s, best = f;
        }
        assert_false(taken[best]); // a permutation
        taken[best] = 1;
        assert_true(fabs(fit.weights[best] - w[c]) < 0.03);
        for (size_t j = 0; j < d; j++)
            assert_true(fabs(fit.means[best * d + j] - truth.means[c * d + j]) < 0.25);
        covariance(&truth, c, ct);
        covariance(&fit, best, cf);
        double num = 0.0, den = 0.0;
        for (size_t i = 0; i < d * d; i++) {
            num += (cf[i] - ct[i]) * (cf[i] - ct[i]);
            den += ct[i] * ct[i];
        }
        assert_true(sqrt(num / den) < 0.25);
    }
    lgc_gmm_free(&truth);
    lgc_gmm_free(&fit);
    free(X);
}

/* The mean log-likelihood never goes down from one EM iteration to the next. */
static void test_em_monotone(void **state)
{
    (void)state;
    const size_t d = 3, n = 1500;
    const double w[2] = {0.6, 0.4};
    lgc_gmm truth, fit = {0};
    make_mixture(&truth, 2, d, 1.5, 1.0, w, 21); // overlapping: EM takes many steps
    float *X = malloc(n * d * sizeof *X);
    assert_non_null(X);
    draw(&truth, n, X, NULL, 22);
    lgc_gmm_opts o = opts(10, 1, 3);
    o.tol = 0.0; // run all max_iter iterations
    o.max_iter = 100;
    double hist[101];
    lgc_gmm_info info = {0};
    info.history = hist;
    info.history_cap = 101;
    lgc_err e;
    assert_int_equal(lgc_gmm_fit(&fit, X, n, d, 4, &o, &info, &e), LGC_OK);
    assert_int_equal(info.history_len, 101);
    assert_int_equal(info.n_iter, 100);
    assert_false(info.converged);
    assert_int_equal(info.n_reseeded, 0); // re-seeding is the one step allowed to go down
    for (size_t t = 0; t + 1 < info.history_len; t++)
        assert_true(hist[t + 1] >= hist[t] - 1e-9 * fabs(hist[t]));
    assert_true(hist[100] > hist[0]); // and it did climb
    assert_true(info.mean_loglik == hist[100]);

    /* Same from a deliberately poor warm start. */
    lgc_gmm_free(&fit);
    make_mixture(&fit, 3, d, 4.0, 2.0, (const double[]){0.2, 0.3, 0.5}, 23);
    o.max_iter = 60;
    assert_int_equal(lgc_gmm_em(&fit, X, n, &o, &info, &e), LGC_OK);
    assert_int_equal(info.history_len, 61);
    for (size_t t = 0; t + 1 < info.history_len; t++)
        assert_true(hist[t + 1] >= hist[t] - 1e-9 * fabs(hist[t]));
    lgc_gmm_free(&truth);
    lgc_gmm_free(&fit);
    free(X);
}

/* The mean log-likelihood a fit reports is that of the mixture it returns. */
static void test_fit_loglik_matches_score(void **state)
{
    (void)state;
    const size_t d = 5, n = 2100;
    const double w[3] = {0.3, 0.3, 0.4};
    lgc_gmm truth, fit = {0};
    make_mixture(&truth, 3, d, 3.0, 1.0, w, 31);
    float *X = malloc(n * d * sizeof *X);
    double *ll = malloc(n * sizeof *ll);
    assert_non_null(X);
    assert_non_null(ll);
    draw(&truth, n, X, NULL, 32);
    lgc_gmm_opts o = opts(10, 2, 1);
    lgc_gmm_info info = {0};
    lgc_err e;
    assert_int_equal(lgc_gmm_fit(&fit, X, n, d, 3, &o, &info, &e), LGC_OK);
    assert_int_equal(lgc_gmm_score(&fit, X, n, ll, &e), LGC_OK);
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += ll[i];
    assert_true(fabs(s / (double)n - info.mean_loglik) < 1e-10 * fabs(info.mean_loglik));
    lgc_gmm_free(&truth);
    lgc_gmm_free(&fit);
    free(X);
    free(ll);
}

/* BIC over k = 1..6 is lowest at the true k = 3. */
static void test_bic_argmin_finds_true_k(void **state)
{
    (void)state;
    const size_t d = 4, n = 900;
    const double w[3] = {0.4, 0.35, 0.25};
    lgc_gmm truth, best = {0};
    make_mixture(&truth, 3, d, 6.0, 1.0, w, 41);
    float *X = malloc(n * d * sizeof *X);
    assert_non_null(X);
    draw(&truth, n, X, NULL, 42);
    lgc_gmm_opts o = opts(6, 2, 7);
    double bic[6];
    size_t kc = 0;
    lgc_err e;
    assert_int_equal(lgc_gmm_select(&best, bic, &kc, X, n, d, &o, &e), LGC_OK);
    assert_int_equal(kc, 3);
    assert_int_equal(best.k, 3);
    for (size_t k = 0; k < 6; k++) {
        assert_true(isfinite(bic[k]));
        if (k != 2)
            assert_true(bic[2] < bic[k]);
    }
    assert_int_equal(lgc_gmm_ksel_choose(bic, 6, LGC_KSEL_ARGMIN), 3);
    lgc_gmm_free(&truth);
    lgc_gmm_free(&best);
    free(X);
}

/* The two rules on constructed curves, and greedy against argmin on data. */
static void test_greedy_vs_argmin(void **state)
{
    (void)state;
    /* k = 2 does not improve on k = 1, k = 3 is the lowest: the rules differ. */
    const double bumpy[5] = {100.0, 101.0, 90.0, 95.0, 92.0};
    assert_int_equal(lgc_gmm_ksel_choose(bumpy, 5, LGC_KSEL_GREEDY), 1);
    assert_int_equal(lgc_gmm_ksel_choose(bumpy, 5, LGC_KSEL_ARGMIN), 3);
    /* A tie is "not lower": greedy stops; argmin takes the smaller k. */
    const double tie[3] = {10.0, 5.0, 5.0};
    assert_int_equal(lgc_gmm_ksel_choose(tie, 3, LGC_KSEL_GREEDY), 2);
    assert_int_equal(lgc_gmm_ksel_choose(tie, 3, LGC_KSEL_ARGMIN), 2);
    /* NaN (not evaluated / infeasible): greedy stops there, argmin skips it. */
    const double gap[4] = {10.0, 8.0, NAN, 1.0};
    assert_int_equal(lgc_gmm_ksel_choose(gap, 4, LGC_KSEL_GREEDY), 2);
    assert_int_equal(lgc_gmm_ksel_choose(gap, 4, LGC_KSEL_ARGMIN), 4);
    const double none[2] = {NAN, NAN};
    assert_int_equal(lgc_gmm_ksel_choose(none, 2, LGC_KSEL_ARGMIN), 0);
    assert_int_equal(lgc_gmm_ksel_choose(none, 2, LGC_KSEL_GREEDY), 0);

    /* On data both are sane, greedy evaluates a prefix of argmin's curve with
     * the same bits, and each picks what its rule says on its curve. */
    const size_t d = 2, n = 800;
    const double w[4] = {0.25, 0.25, 0.25, 0.25};
    lgc_gmm truth, ga = {0}, gg = {0};
    make_mixture(&truth, 4, d, 5.0, 0.8, w, 51);
    float *X = malloc(n * d * sizeof *X);
    assert_non_null(X);
    draw(&truth, n, X, NULL, 52);
    lgc_gmm_opts o = opts(8, 1, 9);
    double ba[8], bg[8];
    size_t ka = 0, kg = 0;
    lgc_err e;
    assert_int_equal(lgc_gmm_select(&ga, ba, &ka, X, n, d, &o, &e), LGC_OK);
    o.select = LGC_KSEL_GREEDY;
    assert_int_equal(lgc_gmm_select(&gg, bg, &kg, X, n, d, &o, &e), LGC_OK);
    assert_true(ka >= 1 && ka <= 8 && kg >= 1 && kg <= 8);
    assert_true(kg <= ka);
    assert_int_equal(ka, 4);
    assert_int_equal(ka, lgc_gmm_ksel_choose(ba, 8, LGC_KSEL_ARGMIN));
    assert_int_equal(kg, lgc_gmm_ksel_choose(ba, 8, LGC_KSEL_GREEDY));
    for (size_t k = 0; k < 8; k++) {
        if (k <= kg) // greedy evaluated up to kg + 1
            assert_memory_equal(&ba[k], &bg[k], sizeof(double));
        else
            assert_true(isnan(bg[k]));
    }
    lgc_gmm_free(&truth);
    lgc_gmm_free(&ga);
    lgc_gmm_free(&gg);
    free(X);
}

/* k = 1 is the sample mean and the biased (/n) sample covariance + reg_covar. */
static void test_k1_closed_form(void **state)
{
    (void)state;
    const size_t d = 6, n = 500;
    lgc_rng r;
    lgc_rng_init(&r, 61, 0);
    float *X = malloc(n * d * sizeof *X);
    assert_non_null(X);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            X[i * d + j] = (float)(lgc_rng_normal(&r) * (1.0 + (double)j) + (double)j +
                                   (j > 0 ? 0.5 * X[i * d + j - 1] : 0.0));
    double mu[6] = {0}, cov[36] = {0}, cf[36];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            mu[j] += X[i * d + j];
    for (size_t j = 0; j < d; j++)
        mu[j] /= (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++)
                cov[a * d + b] += (X[i * d + a] - mu[a]) * (X[i * d + b] - mu[b]);
    lgc_gmm_opts o = opts(10, 1, 0);
    o.reg_covar = 1e-3; // large enough to be seen
    for (size_t i = 0; i < d * d; i++)
        cov[i] = cov[i] / (double)n + (i % (d + 1) == 0 ? o.reg_covar : 0.0);
    lgc_gmm g = {0};
    lgc_gmm_info info = {0};
    lgc_err e;
    assert_int_equal(lgc_gmm_fit(&g, X, n, d, 1, &o, &info, &e), LGC_OK);
    assert_true(g.weights[0] == 1.0);
    for (size_t j = 0; j < d; j++)
        assert_true(fabs(g.means[j] - mu[j]) < 1e-12 * (1.0 + fabs(mu[j])));
    covariance(&g, 0, cf);
    for (size_t i = 0; i < d * d; i++)
        assert_true(fabs(cf[i] - cov[i]) < 1e-10 * (1.0 + fabs(cov[i])));
    /* Closed form reached at once: the second E-step sees no change. */
    assert_true(info.converged);
    assert_int_equal(info.n_iter, 1);
    lgc_gmm_free(&g);
    free(X);
}

/* LGC_GMM_F32 (float solve and scatter) fits what the double path fits: the
 * same components to 1e-4, the same log-likelihood to 1e-6 per point, the
 * same K by BIC, and the k = 1 closed form to float accuracy. */
static void test_f32_matches_f64(void **state)
{
    (void)state;
    const size_t k = 4, d = 16, n = 4000;
    const double w[4] = {0.4, 0.3, 0.2, 0.1};
    lgc_gmm truth, a = {0}, b = {0};
    make_mixture(&truth, k, d, 6.0, 1.0, w, 91);
    float *X = malloc(n * d * sizeof *X);
    assert_non_null(X);
    draw(&truth, n, X, NULL, 92);
    lgc_gmm_opts o = opts(8, 1, 7), o32 = o;
    o32.precision = LGC_GMM_F32;
    lgc_gmm_info ia = {0}, ib = {0};
    lgc_err e;
    assert_int_equal(lgc_gmm_fit(&a, X, n, d, k, &o, &ia, &e), LGC_OK);
    assert_int_equal(lgc_gmm_fit(&b, X, n, d, k, &o32, &ib, &e), LGC_OK);
    assert_true(ib.converged);
    assert_true(fabs(ia.mean_loglik - ib.mean_loglik) < 1e-6 * fabs(ia.mean_loglik));
    double ca[16 * 16], cb[16 * 16];
    for (size_t c = 0; c < k; c++) { /* same start, so the same component order */
        assert_true(fabs(a.weights[c] - b.weights[c]) < 1e-4);
        for (size_t j = 0; j < d; j++)
            assert_true(fabs(a.means[c * d + j] - b.means[c * d + j]) < 1e-4);
        covariance(&a, c, ca);
        covariance(&b, c, cb);
        for (size_t i = 0; i < d * d; i++)
            assert_true(fabs(ca[i] - cb[i]) < 1e-4 * (1.0 + fabs(ca[i])));
    }
    size_t ka, kb;
    lgc_gmm_free(&a);
    lgc_gmm_free(&b);
    assert_int_equal(lgc_gmm_select(&a, NULL, &ka, X, n, d, &o, &e), LGC_OK);
    assert_int_equal(lgc_gmm_select(&b, NULL, &kb, X, n, d, &o32, &e), LGC_OK);
    assert_int_equal(ka, k);
    assert_int_equal(kb, k);
    lgc_gmm_free(&a);
    lgc_gmm_free(&b);
    /* k = 1: the sample covariance, as the double path gives it, to float accuracy. */
    assert_int_equal(lgc_gmm_fit(&a, X, n, d, 1, &o, &ia, &e), LGC_OK);
    assert_int_equal(lgc_gmm_fit(&b, X, n, d, 1, &o32, &ib, &e), LGC_OK);
    covariance(&a, 0, ca);
    covariance(&b, 0, cb);
    int differs = 0; /* and the float path did run: it rounds differently */
    for (size_t i = 0; i < d * d; i++) {
        assert_true(fabs(ca[i] - cb[i]) < 1e-5 * (1.0 + fabs(ca[i])));
        differs |= ca[i] != cb[i];
    }
    assert_true(differs);
    for (size_t j = 0; j < d; j++)
        assert_true(a.means[j] == b.means[j]); /* the mean is summed in double either way */
    lgc_gmm_free(&a);
    lgc_gmm_free(&b);
    lgc_gmm_free(&truth);
    free(X);
}

/* The float E-step kernel (inverse factors, eight points by eight rows)
 * against its double twin (centring copy and triangular solve), with d and
 * the block size off the kernel's multiples of 8 so the padding is used. */
static void test_block_logp_f32_matches_f64(void **state)
{
    (void)state;
    const size_t k = 3, d = 13, nb = 37;
    const double w[3] = {0.5, 0.3, 0.2};
    lgc_gmm g;
    make_mixture(&g, k, d, 4.0, 0.7, w, 61);
    size_t dp = lgc_gmmi_pad8(d);
    float *X = malloc(nb * d * sizeof *X), *Pt = malloc(k * dp * dp * sizeof *Pt);
    float *muf = malloc(k * d * sizeof *muf), *Zf = malloc(8 * dp * sizeof *Zf);
    double *Xd = malloc(nb * d * sizeof *Xd), *Zd = malloc(nb * d * sizeof *Zd);
    double *inv = malloc(d * d * sizeof *inv), logc[3], lp[37 * 3], lpf[37 * 3];
    assert_true(X && Pt && muf && Zf && Xd && Zd && inv);
    draw(&g, nb, X, NULL, 62);
    for (size_t i = 0; i < nb * d; i++)
        Xd[i] = X[i];
    lgc_gmmi_logconst(&g, logc);
    for (size_t c = 0; c < k; c++)
        lgc_gmmi_to_f32(&g, c, Pt, muf, inv);
    for (size_t c = 0; c < k; c++) /* zero above the diagonal and in the padding */
        for (size_t j = 0; j < dp; j++)
            for (size_t r = 0; r < dp; r++)
                if (r < j || r >= d || j >= d)
                    assert_true(Pt[(c * dp + j) * dp + r] == 0.0f);
    lgc_gmmi_block_logp(&g, logc, Xd, nb, lp, Zd);
    lgc_gmmi_block_logp_f32(&g, logc, Pt, muf, X, nb, lpf, Zf);
    double worst = 0.0;
    for (size_t i = 0; i < nb * k; i++) {
        double e = fabs(lp[i] - lpf[i]) / (1.0 + fabs(lp[i]));
        worst = e > worst ? e : worst;
    }
    assert_true(worst < 1e-5);
    assert_true(worst > 0.0); /* and it did run in float */
    free(X), free(Pt), free(muf), free(Zf), free(Xd), free(Zd), free(inv);
    lgc_gmm_free(&g);
}

static void sample_batch_vs_single(size_t d)
{
    const size_t k = 3, n = 300;
    const double w[3] = {0.5, 0.2, 0.3};
    lgc_gmm g;
    make_mixture(&g, k, d, 2.0, 1.5, w, 151);
    float *a = malloc(n * d * sizeof *a), *b = malloc(n * d * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    lgc_rng ra, rb;
    lgc_rng_init(&ra, 9, 1);
    lgc_rng_init(&rb, 9, 1);
    lgc_err e;
    assert_int_equal(lgc_gmm_sample(&g, &ra, n, a, &e), LGC_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(lgc_gmm_sample(&g, &rb, 1, b + i * d, &e), LGC_OK);
    assert_memory_equal(a, b, n * d * sizeof *a);
    lgc_gmm_free(&g);
    free(a);
    free(b);
}

/* Sampling many at once (four draws, eight rows at a time) gives the bits of
 * sampling one at a time (by rows), from the same stream: d = 13 (a block of
 * eight and five rows alone), 64 (the codes' size), 21. */
static void test_sample_batch_matches_single(void **state)
{
    (void)state;
    const size_t dims[3] = {13, 64, 21};
    for (size_t t = 0; t < 3; t++)
        sample_batch_vs_single(dims[t]);
}

/* 200k samples of a known 2-component mixture have its mean, covariance and weights. */
static void test_sample_moments(void **state)
{
    (void)state;
    const size_t d = 3, n = 200000;
    const double w[2] = {0.3, 0.7};
    lgc_gmm g;
    make_mixture(&g, 2, d, 8.0, 1.0, w, 71); // component 0 at +8 e_0, component 1 at +8 e_1
    float *X = malloc(n * d * sizeof *X);
    assert_non_null(X);
    lgc_rng r;
    lgc_rng_init(&r, 72, 0);
    lgc_err e;
    assert_int_equal(lgc_gmm_sample(&g, &r, n, X, &e), LGC_OK);

    double m[3] = {0}, S[9] = {0}, mt[3] = {0}, St[9] = {0}, c0[9], c1[9];
    size_t n0 = 0;
    for (size_t i = 0; i < n; i++) {
        n0 += X[i * d] > X[i * d + 1]; // which mean is nearer: they are 8 apart, a few sd
        for (size_t j = 0; j < d; j++)
            m[j] += X[i * d + j];
    }
    for (size_t j = 0; j < d; j++)
        m[j] /= (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++)
                S[a * d + b] += (X[i * d + a] - m[a]) * (X[i * d + b] - m[b]) / (double)n;
    covariance(&g, 0, c0);
    covariance(&g, 1, c1);
    for (size_t j = 0; j < d; j++)
        mt[j] = w[0] * g.means[j] + w[1] * g.means[d + j];
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++)
            St[a * d + b] = w[0] * (c0[a * d + b] + g.means[a] * g.means[b]) +
                            w[1] * (c1[a * d + b] + g.means[d + a] * g.means[d + b]) -
                            mt[a] * mt[b];
    /* Standard errors: ~0.01 for the means, a few 0.01 for the covariance (variances up to ~16). */
    for (size_t j = 0; j < d; j++)
        assert_true(fabs(m[j] - mt[j]) < 0.05);
    for (size_t i = 0; i < d * d; i++)
        assert_true(fabs(S[i] - St[i]) < 0.1 + 0.01 * fabs(St[i]));
    assert_true(fabs((double)n0 / (double)n - w[0]) < 0.005); // sd 0.001
    lgc_gmm_free(&g);
    free(X);
}

/* lgc_gmm_score against its point-by-point twin, across block boundaries and far out. */
static void test_score_matches_ref(void **state)
{
    (void)state;
    const size_t k = 4, d = 6, n = 2500; // more than two blocks of LGC_GMM_BLOCK
    const double w[4] = {0.1, 0.2, 0.3, 0.4};
    lgc_gmm g;
    make_mixture(&g, k, d, 3.0, 0.7, w, 81);
    float *X = malloc(n * d * sizeof *X);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    assert_non_null(X);
    assert_non_null(a);
    assert_non_null(b);
    lgc_rng r;
    lgc_rng_init(&r, 82, 0);
    for (size_t i = 0; i < n * d; i++) /* some points far outside: exercises log-sum-exp */
        X[i] = (float)(lgc_rng_normal(&r) * (i % 7 == 0 ? 60.0 : 3.0));
    lgc_err e;
    assert_int_equal(lgc_gmm_score(&g, X, n, a, &e), LGC_OK);
    lgc_gmm_score_ref(&g, X, n, b);
    for (size_t i = 0; i < n; i++) {
        assert_true(isfinite(a[i]));
        assert_true(fabs(a[i] - b[i]) < 1e-9 * (1.0 + fabs(b[i])));
    }
    /* A single component is a plain Gaussian density: check one value by hand. */
    lgc_gmm one;
    assert_int_equal(lgc_gmm_init(&one, 1, 2), LGC_OK);
    one.weights[0] = 1.0;
    one.chol[0] = 2.0, one.chol[2] = 1.0, one.chol[3] = 1.0; // Sigma = [[4,2],[2,2]], det 4
    const float x[2] = {1.0f, 1.0f}; // Sigma^{-1} x = (0, 0.5), x^T Sigma^{-1} x = 0.5
    double l;
    assert_int_equal(lgc_gmm_score(&one, x, 1, &l, &e), LGC_OK);
    assert_true(fabs(l - (-log(2.0 * 3.14159265358979323846) - 0.5 * log(4.0) - 0.25)) < 1e-12);
    lgc_gmm_free(&one);
    lgc_gmm_free(&g);
    free(X);
    free(a);
    free(b);
}

/* Data that breaks naive EM gives finite mixtures or a clean error, never NaN. */
static void test_degenerate_inputs(void **state)
{
    (void)state;
    lgc_gmm_opts o = opts(10, 2, 4);
    lgc_gmm g = {0};
    lgc_gmm_info info = {0};
    lgc_err e;
    lgc_rng r;
    lgc_rng_init(&r, 91, 0);
    float X[400 * 10];

    /* fewer points than dimensions */
    for (size_t i = 0; i < 5 * 10; i++)
        X[i] = (float)lgc_rng_normal(&r);
    assert_int_equal(lgc_gmm_fit(&g, X, 5, 10, 2, &o, &info, &e), LGC_OK);
    assert_all_finite(&g);
    assert_true(isfinite(info.mean_loglik));
    lgc_gmm_free(&g);

    /* duplicate points only: every component collapses onto one point */
    for (size_t i = 0; i < 100; i++)
        X[i * 3] = 1.5f, X[i * 3 + 1] = -2.0f, X[i * 3 + 2] = 0.25f;
    assert_int_equal(lgc_gmm_fit(&g, X, 100, 3, 3, &o, &info, &e), LGC_OK);
    assert_all_finite(&g);
    assert_true(isfinite(info.mean_loglik));
    for (size_t c = 0; c < 3; c++) // covariance is the floor: L = sqrt(1e-6) I
        assert_true(fabs(g.chol[c * 9] - 1e-3) < 1e-9);
    lgc_gmm_free(&g);

    /* two duplicated points, k = 3 > distinct points */
    for (size_t i = 0; i < 50; i++)
        X[i * 2] = (float)(i % 2), X[i * 2 + 1] = 0.0f;
    assert_int_equal(lgc_gmm_fit(&g, X, 50, 2, 3, &o, &info, &e), LGC_OK);
    assert_all_finite(&g);
    lgc_gmm_free(&g);

    /* a constant and a dead (all-zero) dimension */
    for (size_t i = 0; i < 400; i++) {
        X[i * 4] = (float)lgc_rng_normal(&r) + (i % 2 ? 5.0f : -5.0f);
        X[i * 4 + 1] = 3.0f;
        X[i * 4 + 2] = 0.0f;
        X[i * 4 + 3] = (float)lgc_rng_normal(&r);
    }
    assert_int_equal(lgc_gmm_fit(&g, X, 400, 4, 2, &o, &info, &e), LGC_OK);
    assert_all_finite(&g);
    assert_true(isfinite(info.mean_loglik));
    double bic[10];
    size_t kc;
    lgc_gmm_free(&g);
    assert_int_equal(lgc_gmm_select(&g, bic, &kc, X, 400, 4, &o, &e), LGC_OK);
    assert_all_finite(&g);
    for (size_t k = 0; k < 10; k++)
        assert_true(isfinite(bic[k]));
    lgc_gmm_free(&g);

    /* ... and without a floor: the factorisation fails, the floor is raised */
    o.reg_covar = 0.0;
    assert_int_equal(lgc_gmm_fit(&g, X, 400, 4, 2, &o, &info, &e), LGC_OK);
    assert_all_finite(&g);
    assert_true(info.reg_covar_max > 0.0);
    lgc_gmm_free(&g);
    o.reg_covar = 1e-6;

    /* fewer points than components: fit refuses, select leaves those k NaN */
    assert_int_equal(lgc_gmm_fit(&g, X, 3, 4, 5, &o, &info, &e), LGC_ERR_ARG);
    assert_non_null(strstr(e.msg, "need at least"));
    assert_null(g.weights);
    assert_int_equal(lgc_gmm_select(&g, bic, &kc, X, 3, 4, &o, &e), LGC_OK);
    assert_true(kc >= 1 && kc <= 3);
    assert_true(isfinite(bic[0]) && isfinite(bic[1]) && isfinite(bic[2]));
    for (size_t k = 3; k < 10; k++)
        assert_true(isnan(bic[k]));
    lgc_gmm_free(&g);

    /* no points, no dimensions, no components, non-finite points */
    assert_int_equal(lgc_gmm_fit(&g, X, 0, 4, 1, &o, &info, &e), LGC_ERR_ARG);
    assert_non_null(strstr(e.msg, "no points"));
    assert_int_equal(lgc_gmm_select(&g, bic, &kc, X, 0, 4, &o, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_gmm_fit(&g, X, 10, 0, 1, &o, &info, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_gmm_fit(&g, X, 10, 4, 0, &o, &info, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_gmm_fit(&g, NULL, 10, 4, 1, &o, &info, &e), LGC_ERR_ARG);
    X[7] = NAN;
    assert_int_equal(lgc_gmm_fit(&g, X, 10, 4, 1, &o, &info, &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "point 1 coordinate 3"));
    X[7] = INFINITY;
    assert_int_equal(lgc_gmm_fit(&g, X, 10, 4, 1, &o, &info, &e), LGC_ERR_VALUE);
    assert_null(g.weights);

    /* bad options */
    o.n_init = 0;
    assert_int_equal(lgc_gmm_fit(&g, X, 5, 1, 1, &o, &info, &e), LGC_ERR_ARG);
    o.n_init = 1, o.reg_covar = -1.0;
    assert_int_equal(lgc_gmm_fit(&g, X, 5, 1, 1, &o, &info, &e), LGC_ERR_ARG);
    o.reg_covar = 1e-6, o.k_max = 0;
    assert_int_equal(lgc_gmm_select(&g, bic, &kc, X, 5, 1, &o, &e), LGC_ERR_ARG);
}

/* A component far from every point loses all its responsibility and is re-seeded. */
static void test_empty_component_reseeded(void **state)
{
    (void)state;
    const size_t d = 2, n = 300;
    float X[300 * 2];
    lgc_rng r;
    lgc_rng_init(&r, 101, 0);
    for (size_t i = 0; i < n * d; i++)
        X[i] = (float)lgc_rng_normal(&r) + (i % 4 < 2 ? 4.0f : -4.0f); // two clusters
    lgc_gmm g;
    assert_int_equal(lgc_gmm_init(&g, 3, d), LGC_OK);
    g.weights[0] = 0.4, g.weights[1] = 0.4, g.weights[2] = 0.2;
    g.means[0] = 4, g.means[1] = 4, g.means[2] = -4, g.means[3] = -4;
    g.means[4] = 1e4, g.means[5] = 1e4; // nowhere near the data
    for (size_t c = 0; c < 3; c++)
        g.chol[c * 4] = g.chol[c * 4 + 3] = c == 2 ? 0.1 : 1.0;
    lgc_gmm_opts o = opts(10, 1, 0);
    lgc_gmm_info info = {0};
    lgc_err e;
    assert_int_equal(lgc_gmm_em(&g, X, n, &o, &info, &e), LGC_OK);
    assert_true(info.n_reseeded >= 1);
    assert_all_finite(&g);
    assert_true(isfinite(info.mean_loglik));
    for (size_t j = 0; j < d; j++)
        assert_true(fabs(g.means[2 * d + j]) < 20.0); // brought back among the points
    assert_true(g.weights[2] > 0.0);
    lgc_gmm_free(&g);
}

/* Each kind of broken mixture is refused with its own message. */
static void test_validate_rejects(void **state)
{
    (void)state;
    lgc_gmm g;
    lgc_err e;
    const double w[2] = {0.5, 0.5};
    make_mixture(&g, 2, 3, 2.0, 1.0, w, 111);
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_OK);
    g.weights[0] = 0.5004; // float16 rounding is tolerated
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_OK);

    g.weights[1] = NAN;
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "component 1: weight is nan, not finite"));
    g.weights[1] = -0.1;
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "component 1: weight -0.1 is negative"));
    g.weights[0] = 0.5, g.weights[1] = 0.4;
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "weights sum to 0.9"));
    g.weights[1] = 0.5;

    double keep = g.chol[3 * 3 + 4];
    g.chol[3 * 3 + 4] = 0.0; // component 1, diagonal 1
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "component 1: factor diagonal 1 is 0, not positive"));
    g.chol[3 * 3 + 4] = -keep;
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "component 1: factor diagonal 1 is -"));
    g.chol[3 * 3 + 4] = keep;

    g.chol[1] = 0.5; // component 0, above the diagonal
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "component 0: factor entry (0,1) above the diagonal"));
    g.chol[1] = INFINITY;
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "component 0: factor entry (0,1) is inf, not finite"));
    g.chol[1] = 0.0;

    g.means[4] = NAN;
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "component 1: mean[1] is nan, not finite"));
    g.means[4] = 0.0;
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_OK);

    /* score and sample refuse what validate refuses */
    g.weights[0] = NAN;
    float x[3] = {0}, out[3];
    double l;
    lgc_rng r;
    lgc_rng_init(&r, 1, 0);
    assert_int_equal(lgc_gmm_score(&g, x, 1, &l, &e), LGC_ERR_VALUE);
    assert_int_equal(lgc_gmm_sample(&g, &r, 1, out, &e), LGC_ERR_VALUE);
    lgc_gmm_free(&g);
    assert_int_equal(lgc_gmm_validate(&g, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_gmm_validate(NULL, &e), LGC_ERR_ARG);
    lgc_gmm_free(&g); // twice: a no-op
    lgc_gmm_free(NULL);
}

static int same_bytes(const lgc_gmm *a, const lgc_gmm *b)
{
    return a->k == b->k && a->d == b->d &&
           !memcmp(a->weights, b->weights, a->k * sizeof *a->weights) &&
           !memcmp(a->means, b->means, a->k * a->d * sizeof *a->means) &&
           !memcmp(a->chol, b->chol, a->k * a->d * a->d * sizeof *a->chol);
}

static void count_set(void *ctx, const lgc_progress *p)
{
    size_t *calls = ctx; /* (3) calls per set, then (3) the k each reported, then (1) calls */
    calls[p->item]++;
    calls[3 + p->item] = (size_t)p->value;
    assert_int_equal(p->done, ++calls[6]); /* done counts the sets, whatever order they finish */
    assert_int_equal(p->total, 3);
}

/* lgc_gmm_select_many gives each set exactly what lgc_gmm_select gives it
 * alone, with 1 thread or 2, and reports each set once. */
/* Abandonment: the same K and the same chosen mixture as the full sweep on a
 * set with a clear K, the same curve for 1 and 2 threads, NaN where a fit was
 * abandoned (at least one: the rule acts), the fits run to the end with the
 * full sweep's BICs; abandonment without abandon_after is refused. */
static void test_abandonment(void **state)
{
    (void)state;
    const size_t d = 5, n = 3000, km = 8;
    const double w[3] = {0.3, 0.3, 0.4};
    lgc_gmm truth;
    make_mixture(&truth, 3, d, 6.0, 1.0, w, 171);
    float *X = malloc(n * d * sizeof *X);
    assert_non_null(X);
    draw(&truth, n, X, NULL, 172);
    const float *const sets[1] = {X};
    const uint64_t seeds[1] = {9};
    lgc_err e;
    lgc_gmm_opts o = opts(km, 1, 9);
    lgc_gmm full, ab[2];
    size_t kf, ka[2];
    double bf[8], ba[2][8];
    assert_int_equal(lgc_gmm_select_many(1, sets, &n, d, seeds, &o, &full, bf, &kf, NULL, NULL, &e),
                     LGC_OK);
    assert_int_equal(kf, 3);
    /* an extra component costs (d + d(d+1)/2 + 1) ln n / n = 0.056 per point
     * of BIC and gains little: K > 3 lag K = 3 by more than 0.01 */
    o.abandon_margin = 0.01, o.abandon_after = 3;
    for (int T = 1; T <= 2; T++) {
        lgc_threads_set(T);
        assert_int_equal(lgc_gmm_select_many(1, sets, &n, d, seeds, &o, &ab[T - 1], ba[T - 1],
                                             &ka[T - 1], NULL, NULL, &e),
                         LGC_OK);
        assert_int_equal(ka[T - 1], kf);
        assert_true(same_bytes(&ab[T - 1], &full));
    }
    assert_memory_equal(ba[0], ba[1], sizeof ba[0]); /* NaN bits included */
    size_t n_nan = 0;
    for (size_t k = 1; k <= km; k++) {
        if (isnan(ba[0][k - 1]))
            n_nan++;
        else if (k != kf) /* a fit run to the end has the full sweep's BIC */
            assert_true(ba[0][k - 1] == bf[k - 1]);
    }
    assert_false(isnan(ba[0][kf - 1]));
    assert_true(n_nan >= 1);
    lgc_gmm tiny;
    size_t kt;
    double bt[8];
    o.abandon_after = 0;
    assert_int_equal(lgc_gmm_select_many(1, sets, &n, d, seeds, &o, &tiny, bt, &kt, NULL, NULL, &e),
                     LGC_ERR_ARG);
    lgc_threads_set(2);
    lgc_gmm_free(&full), lgc_gmm_free(&ab[0]), lgc_gmm_free(&ab[1]);
    lgc_gmm_free(&truth);
    free(X);
}

static void test_select_many_matches_select(void **state)
{
    (void)state;
    const size_t d = 4, ns[3] = {900, 1300, 5};
    const double w[3] = {0.2, 0.3, 0.5};
    float *X[3];
    lgc_gmm truth;
    make_mixture(&truth, 3, d, 3.0, 1.0, w, 131);
    for (size_t s = 0; s < 3; s++) {
        X[s] = malloc(ns[s] * d * sizeof *X[s]);
        assert_non_null(X[s]);
        draw(&truth, ns[s], X[s], NULL, 132 + s);
    }
    lgc_gmm_opts o = opts(6, 1, 0);
    o.refine_margin = 0.5;
    const uint64_t seeds[3] = {5, 6, 7};
    const float *const sets[3] = {X[0], X[1], X[2]};
    lgc_err e;
    for (int T = 1; T <= 2; T++) {
        lgc_threads_set(T);
        lgc_gmm many[3];
        size_t km[3], calls[7] = {0};
        double bm[18];
        assert_int_equal(lgc_gmm_select_many(3, sets, ns, d, seeds, &o, many, bm, km, count_set,
                                             calls, &e),
                         LGC_OK);
        for (size_t s = 0; s < 3; s++) {
            lgc_gmm one = {0};
            size_t k1;
            double b1[6];
            lgc_gmm_opts os = o;
            os.seed = seeds[s];
            assert_int_equal(lgc_gmm_select(&one, b1, &k1, X[s], ns[s], d, &os, &e), LGC_OK);
            assert_int_equal(km[s], k1);
            assert_true(same_bytes(&many[s], &one));
            assert_memory_equal(bm + 6 * s, b1, sizeof b1); /* NaN bits included */
            assert_int_equal(calls[s], 1);
            assert_int_equal(calls[3 + s], k1);
            lgc_gmm_free(&one);
            lgc_gmm_free(&many[s]);
        }
        assert_true(isnan(bm[12 + 5])); /* k = 6 > 5 points */
    }
    lgc_threads_set(2);
    o.select = LGC_KSEL_GREEDY;
    lgc_gmm many[3];
    size_t km[3];
    assert_int_equal(lgc_gmm_select_many(3, sets, ns, d, seeds, &o, many, NULL, km, NULL, NULL,
                                         &e),
                     LGC_ERR_ARG);
    for (size_t s = 0; s < 3; s++)
        free(X[s]);
    lgc_gmm_free(&truth);
}

/* Refinement: a candidate's BIC is exactly that of a fit run to refine_tol
 * from the start; the others keep the BIC of the sweep under tol. */
static void test_refine_continues_exactly(void **state)
{
    (void)state;
    const size_t d = 5, n = 2500, km = 5;
    const double w[3] = {0.2, 0.3, 0.5};
    lgc_gmm truth;
    make_mixture(&truth, 3, d, 2.0, 1.0, w, 141); // overlapping: tol stops early
    float *X = malloc(n * d * sizeof *X);
    assert_non_null(X);
    draw(&truth, n, X, NULL, 142);
    lgc_gmm_opts o = opts(km, 1, 9);
    o.tol = 1e-2; // loose, so that refinement has work to do
    double loose[5], refined[5];
    lgc_gmm g = {0};
    size_t kl, kr;
    lgc_err e;
    assert_int_equal(lgc_gmm_select(&g, loose, &kl, X, n, d, &o, &e), LGC_OK);
    lgc_gmm_free(&g);
    o.refine_margin = 0.05;
    assert_int_equal(lgc_gmm_select(&g, refined, &kr, X, n, d, &o, &e), LGC_OK);
    lgc_gmm_opts full = o;
    full.refine_margin = 0.0, full.tol = o.refine_tol, full.max_iter = o.refine_max_iter;
    double best = INFINITY;
    for (size_t k = 1; k <= km; k++)
        best = loose[k - 1] < best ? loose[k - 1] : best;
    size_t n_refined = 0;
    for (size_t k = 1; k <= km; k++) {
        if (loose[k - 1] > best + o.refine_margin * (double)n) {
            assert_true(refined[k - 1] == loose[k - 1]);
            continue;
        }
        lgc_gmm f = {0};
        lgc_gmm_info info = {0};
        assert_int_equal(lgc_gmm_fit(&f, X, n, d, k, &full, &info, &e), LGC_OK);
        assert_true(refined[k - 1] == lgc_gmm_bic(&f, info.mean_loglik, n));
        n_refined += refined[k - 1] != loose[k - 1];
        if (k == kr)
            assert_true(same_bytes(&g, &f));
        lgc_gmm_free(&f);
    }
    assert_true(n_refined >= 1); /* the test did exercise a continuation */
    assert_true(refined[kr - 1] <= refined[kl - 1]);
    lgc_gmm_free(&g);
    /* bad refinement settings are refused */
    o.refine_margin = -1.0;
    assert_int_equal(lgc_gmm_select(&g, NULL, &kr, X, n, d, &o, &e), LGC_ERR_ARG);
    o.refine_margin = 1.0, o.refine_max_iter = 10;
    assert_int_equal(lgc_gmm_select(&g, NULL, &kr, X, n, d, &o, &e), LGC_ERR_ARG);
    o.refine_max_iter = 2000, o.precision = (lgc_gmm_prec)7;
    assert_int_equal(lgc_gmm_select(&g, NULL, &kr, X, n, d, &o, &e), LGC_ERR_ARG);
    lgc_gmm_free(&truth);
    free(X);
}

/* Same seed, same bytes: twice in a row, and with 1 thread instead of 2. */
static void test_deterministic(void **state)
{
    (void)state;
    const size_t d = 5, n = 2500;
    const double w[3] = {0.2, 0.3, 0.5};
    lgc_gmm truth, a = {0}, b = {0}, c = {0}, s = {0};
    make_mixture(&truth, 3, d, 2.0, 1.0, w, 121); // overlapping: many iterations
    float *X = malloc(n * d * sizeof *X);
    assert_non_null(X);
    draw(&truth, n, X, NULL, 122);
    lgc_gmm_opts o = opts(5, 2, 77);
    lgc_err e;
    size_t ka, kb, kc;
    double bic_a[5], bic_b[5], bic_c[5];
    assert_int_equal(lgc_gmm_select(&a, bic_a, &ka, X, n, d, &o, &e), LGC_OK);
    assert_int_equal(lgc_gmm_select(&b, bic_b, &kb, X, n, d, &o, &e), LGC_OK);
    assert_true(same_bytes(&a, &b));
    assert_memory_equal(bic_a, bic_b, sizeof bic_a);
    lgc_threads_set(1);
    assert_int_equal(lgc_gmm_select(&c, bic_c, &kc, X, n, d, &o, &e), LGC_OK);
    lgc_threads_set(2);
    assert_true(same_bytes(&a, &c));
    assert_memory_equal(bic_a, bic_c, sizeof bic_a);

    float *ya = malloc(1000 * d * sizeof *ya), *yb = malloc(1000 * d * sizeof *yb);
    assert_non_null(ya);
    assert_non_null(yb);
    lgc_rng ra, rb;
    lgc_rng_init(&ra, 5, 3);
    lgc_rng_init(&rb, 5, 3);
    assert_int_equal(lgc_gmm_sample(&a, &ra, 1000, ya, &e), LGC_OK);
    assert_int_equal(lgc_gmm_sample(&a, &rb, 1000, yb, &e), LGC_OK);
    assert_memory_equal(ya, yb, 1000 * d * sizeof *ya);

    o.seed = 78; // another seed starts elsewhere
    assert_int_equal(lgc_gmm_fit(&s, X, n, d, ka, &o, NULL, &e), LGC_OK);
    o.seed = 77;
    lgc_gmm_free(&b);
    assert_int_equal(lgc_gmm_fit(&b, X, n, d, ka, &o, NULL, &e), LGC_OK);
    assert_true(same_bytes(&a, &b)); // select keeps exactly what fit(k) gives
    assert_false(same_bytes(&a, &s));
    lgc_gmm_free(&truth);
    lgc_gmm_free(&a);
    lgc_gmm_free(&b);
    lgc_gmm_free(&c);
    lgc_gmm_free(&s);
    free(X);
    free(ya);
    free(yb);
}

static void test_bic_formula(void **state)
{
    (void)state;
    lgc_gmm g;
    assert_int_equal(lgc_gmm_init(&g, 3, 4), LGC_OK);
    /* p = 3*4 + 3*10 + 2 = 44 */
    double b = lgc_gmm_bic(&g, -2.5, 100);
    assert_true(fabs(b - (500.0 + 44.0 * log(100.0))) < 1e-9);
    assert_true(isnan(lgc_gmm_bic(&g, -2.5, 0)));
    lgc_gmm_free(&g);
    assert_int_equal(lgc_gmm_init(&g, 0, 4), LGC_ERR_ARG);
}

/* Assignment to the most responsible component: against the weighted
 * densities computed by hand, with a component made unlikely by its weight
 * and one wider than the others. */
static void test_assign(void **s)
{
    (void)s;
    lgc_gmm g;
    assert_int_equal(lgc_gmm_init(&g, 3, 2), LGC_OK);
    const double mu[6] = {0, 0, 10, 10, 0, 10}, w[3] = {0.45, 0.45, 0.1}, sd[3] = {1, 1, 3};
    memset(g.chol, 0, 3 * 4 * sizeof *g.chol);
    for (int c = 0; c < 3; c++) {
        g.weights[c] = w[c];
        g.means[2 * c] = mu[2 * c], g.means[2 * c + 1] = mu[2 * c + 1];
        g.chol[c * 4 + 0] = g.chol[c * 4 + 3] = sd[c];
    }
    enum { N = 400 };
    float Z[2 * N];
    lgc_rng r;
    lgc_rng_init(&r, 5, 0);
    for (int i = 0; i < 2 * N; i++)
        Z[i] = (float)(lgc_rng_uniform(&r) * 16.0 - 3.0);
    uint32_t comp[N];
    double d2[N];
    assert_int_equal(lgc_gmm_assign(&g, Z, N, comp, d2, NULL), LGC_OK);
    for (int i = 0; i < N; i++) {
        int best = 0;
        double bl = -INFINITY, bq = 0;
        for (int c = 0; c < 3; c++) {
            double dx = (Z[2 * i] - mu[2 * c]) / sd[c], dy = (Z[2 * i + 1] - mu[2 * c + 1]) / sd[c];
            double q = dx * dx + dy * dy, lp = log(w[c]) - 2.0 * log(sd[c]) - 0.5 * q;
            if (lp > bl)
                bl = lp, best = c, bq = q;
        }
        assert_int_equal(comp[i], best);
        assert_true(fabs(d2[i] - bq) < 1e-9 * (1.0 + bq));
    }
    lgc_gmm_free(&g);
}

/* Gaussians under DP: close to the truth when the noise is small next to n,
 * also for points far from the origin and close together (the clips follow
 * the data: the chosen mean clip covers the norms, the spread clip the spread,
 * not the distance); the noise is there (two seeds differ; the noisy count is
 * not n); a fixed small mean clip pulls the means inside it; bad options fail. */
static void test_dp_fit(void **s)
{
    (void)s;
    enum { N = 20000, D = 3, M = 2 };
    float *X = malloc(N * D * sizeof *X);
    lgc_rng r;
    lgc_rng_init(&r, 3, 0);
    /* set 0: N / 2 points about mu0, set 1: N / 2 about mu1, both far out */
    const double mu[M][D] = {{30.0, -20.0, 5.0}, {28.0, -21.0, 6.0}};
    const double sd[D] = {0.5, 1.0, 0.25};
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < D; j++)
            X[i * D + j] = (float)(mu[i < N / 2 ? 0 : 1][j] + sd[j] * lgc_rng_normal(&r));
    const size_t off[M + 1] = {0, N / 2, N};
    lgc_gmm_dp_opts o;
    lgc_gmm_dp_opts_default(&o);
    o.z = 2.0;
    assert_int_equal(lgc_gmm_dp_releases(&o), 5);
    lgc_gmm g1[M], g2[M];
    double n1[M], n2[M], R1, r1, R2, r2;
    lgc_rng a, b;
    lgc_rng_init(&a, 1, 8), lgc_rng_init(&b, 2, 8);
    assert_int_equal(lgc_gmm_dp_fit(X, off, M, D, &o, &a, g1, n1, &R1, &r1, NULL), LGC_OK);
    assert_int_equal(lgc_gmm_dp_fit(X, off, M, D, &o, &b, g2, n2, &R2, &r2, NULL), LGC_OK);
    /* norms about 36.4: the clip is the bin edge above the 99th percentile,
     * at most sqrt 2 beyond; the spread's norms about 1.15 */
    assert_true(R1 >= 36.0 && R1 <= 36.5 * 1.5);
    assert_true(r1 >= 1.2 && r1 <= 4.0);
    for (size_t m = 0; m < M; m++) {
        assert_true(n1[m] != (double)(N / 2) && n1[m] != n2[m] && fabs(n1[m] - N / 2) < 20.0);
        assert_int_equal(g1[m].k, 1);
        for (size_t j = 0; j < D; j++) {
            assert_true(fabs(g1[m].means[j] - mu[m][j]) < 0.05);
            double var = 0.0; /* (L L^T)_jj */
            for (size_t k = 0; k <= j; k++)
                var += g1[m].chol[j * D + k] * g1[m].chol[j * D + k];
            assert_true(fabs(sqrt(var) - sd[j]) < 0.1 * sd[j] + 0.02);
        }
        assert_memory_not_equal(g1[m].means, g2[m].means, D * sizeof(double));
        lgc_gmm_free(&g1[m]), lgc_gmm_free(&g2[m]);
    }
    /* a fixed mean clip of 1 pulls every point onto the unit sphere: four releases */
    o.mean_clip = 1.0;
    assert_int_equal(lgc_gmm_dp_releases(&o), 4);
    lgc_rng_init(&a, 1, 8);
    assert_int_equal(lgc_gmm_dp_fit(X, off, M, D, &o, &a, g1, n1, &R1, &r1, NULL), LGC_OK);
    assert_true(R1 == 1.0);
    for (size_t m = 0; m < M; m++) {
        double nm = 0.0;
        for (size_t j = 0; j < D; j++)
            nm += g1[m].means[j] * g1[m].means[j];
        assert_true(sqrt(nm) <= 1.0 + 1e-3);
        lgc_gmm_free(&g1[m]);
    }
    o.z = 0.0;
    assert_int_equal(lgc_gmm_dp_fit(X, off, M, D, &o, &a, g1, n1, &R1, &r1, NULL), LGC_ERR_ARG);
    o.z = 1.0, o.spread_quantile = 1.0;
    assert_int_equal(lgc_gmm_dp_fit(X, off, M, D, &o, &a, g1, n1, &R1, &r1, NULL), LGC_ERR_ARG);
    free(X);
}

/* K > 1 under DP: one set of two blobs (at +-3 on the first axis, unit
 * spread): two components with centres near the blobs, weights near 1/2, and
 * one shared covariance near the blobs' own (not the set's, which the
 * centres' scatter widens to 10 on that axis); the Lloyd releases are counted. */
static void test_dp_fit_k(void **s)
{
    (void)s;
    enum { N = 20000, D = 2 };
    float *X = malloc(N * D * sizeof *X);
    lgc_rng r;
    lgc_rng_init(&r, 4, 0);
    for (size_t i = 0; i < N; i++) {
        X[i * D] = (float)((i % 2 ? 3.0 : -3.0) + 10.0 + lgc_rng_normal(&r));
        X[i * D + 1] = (float)(5.0 + lgc_rng_normal(&r));
    }
    const size_t off[2] = {0, N};
    lgc_gmm_dp_opts o;
    lgc_gmm_dp_opts_default(&o);
    o.z = 1.0, o.k = 2, o.iters = 5;
    assert_int_equal(lgc_gmm_dp_releases(&o), 15);
    lgc_gmm g;
    double nn, R, rs;
    lgc_rng a;
    lgc_rng_init(&a, 1, 8);
    assert_int_equal(lgc_gmm_dp_fit(X, off, 1, D, &o, &a, &g, &nn, &R, &rs, NULL), LGC_OK);
    assert_int_equal(g.k, 2);
    size_t lo = g.means[0] < g.means[D] ? 0 : 1;
    assert_true(fabs(g.means[lo * D] - 7.0) < 0.3 && fabs(g.means[(1 - lo) * D] - 13.0) < 0.3);
    for (size_t q = 0; q < 2; q++) {
        assert_true(fabs(g.means[q * D + 1] - 5.0) < 0.1 && fabs(g.weights[q] - 0.5) < 0.05);
        double v0 = g.chol[q * D * D] * g.chol[q * D * D]; /* (L L^T)_00 */
        assert_true(v0 > 0.5 && v0 < 1.6);
    }
    assert_memory_equal(g.chol, g.chol + D * D, D * D * sizeof(double));
    lgc_gmm_free(&g);
    o.k = LGC_GMM_DP_KMAX + 1;
    assert_int_equal(lgc_gmm_dp_fit(X, off, 1, D, &o, &a, &g, &nn, &R, &rs, NULL), LGC_ERR_ARG);
    free(X);
}

int main(void)
{
    lgc_threads_set(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assign),
        cmocka_unit_test(test_opts_default),
        cmocka_unit_test(test_recovers_known_mixture),
        cmocka_unit_test(test_em_monotone),
        cmocka_unit_test(test_fit_loglik_matches_score),
        cmocka_unit_test(test_bic_argmin_finds_true_k),
        cmocka_unit_test(test_greedy_vs_argmin),
        cmocka_unit_test(test_k1_closed_form),
        cmocka_unit_test(test_f32_matches_f64),
        cmocka_unit_test(test_block_logp_f32_matches_f64),
        cmocka_unit_test(test_sample_moments),
        cmocka_unit_test(test_sample_batch_matches_single),
        cmocka_unit_test(test_score_matches_ref),
        cmocka_unit_test(test_degenerate_inputs),
        cmocka_unit_test(test_empty_component_reseeded),
        cmocka_unit_test(test_validate_rejects),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_bic_formula),
        cmocka_unit_test(test_select_many_matches_select),
        cmocka_unit_test(test_abandonment),
        cmocka_unit_test(test_refine_continues_exactly),
        cmocka_unit_test(test_dp_fit),
        cmocka_unit_test(test_dp_fit_k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
