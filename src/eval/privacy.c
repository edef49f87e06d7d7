/* privacy.c - distance to closest record and membership inference (see privacy.h). */
#include "lgc/privacy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/knn.h"

#define PRIV_STREAM 0x50524956ULL /* "PRIV": which training images the audit draws */

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double lgc_quantile(const double *x, size_t n, double q)
{
    double *s = malloc(n * sizeof *s);
    if (!s || n == 0) {
        free(s);
        return NAN;
    }
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, dbl_cmp);
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos), hi = lo + 1 < n ? lo + 1 : lo;
    double v = s[lo] + (pos - (double)lo) * (s[hi] - s[lo]);
    free(s);
    return v;
}

lgc_status lgc_privacy_dcr(const uint8_t *gen, size_t n_gen, const uint8_t *train, size_t n_train,
                           const uint8_t *test, size_t n_test, size_t dim,
                           lgc_privacy_result *res, double *d_gen_train, double *d_gen_test,
                           double *d_test_train, lgc_err *err)
{
    memset(res, 0, sizeof *res);
    res->mia_auc = NAN;
    if (!n_gen || !n_train || !n_test || !dim)
        return lgc_err_set(err, LGC_ERR_ARG, "privacy: %zu decompressed, %zu training and %zu "
                           "holdout images: none may be empty", n_gen, n_train, n_test);
    lgc_status st = LGC_OK;
    /* (n_gen) to train, (n_gen) to test, (n_test) test to train */
    double *a = malloc(n_gen * sizeof *a), *b = malloc(n_gen * sizeof *b);
    double *t = malloc(n_test * sizeof *t);
    if (!a || !b || !t) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "privacy: out of memory");
        goto fail;
    }
    if ((st = lgc_nn_u8(gen, n_gen, train, n_train, dim, a, NULL, err)) ||
        (st = lgc_nn_u8(gen, n_gen, test, n_test, dim, b, NULL, err)) ||
        (st = lgc_nn_u8(test, n_test, train, n_train, dim, t, NULL, err)))
        goto fail;
    res->n_gen = n_gen, res->n_train = n_train, res->n_test = n_test;
    double closer = 0.0;
    for (size_t i = 0; i < n_gen; i++)
        closer += a[i] < b[i] ? 1.0 : a[i] == b[i] ? 0.5 : 0.0;
    res->share_closer_train = closer / (double)n_gen;
    res->median_gen_train = lgc_quantile(a, n_gen, 0.5);
    res->median_gen_test = lgc_quantile(b, n_gen, 0.5);
    res->median_test_train = lgc_quantile(t, n_test, 0.5);
    res->near_copy_threshold = lgc_quantile(t, n_test, 0.01);
    if (isnan(res->median_gen_train) || isnan(res->median_gen_test) ||
        isnan(res->median_test_train) || isnan(res->near_copy_threshold)) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "privacy: out of memory");
        goto fail;
    }
    size_t near = 0;
    for (size_t i = 0; i < n_gen; i++)
        near += a[i] < res->near_copy_threshold;
    res->near_copy_fraction = (double)near / (double)n_gen;
    if (d_gen_train)
        memcpy(d_gen_train, a, n_gen * sizeof *a);
    if (d_gen_test)
        memcpy(d_gen_test, b, n_gen * sizeof *b);
    if (d_test_train)
        memcpy(d_test_train, t, n_test * sizeof *t);
fail:
    free(a), free(b), free(t);
    return st;
}

typedef struct {
    double s;
    int pos;
} scored;

static int scored_cmp(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

lgc_status lgc_auc(const double *pos, size_t n_pos, const double *neg, size_t n_neg, double *auc,
                   lgc_err *err)
{
    *auc = NAN;
    if (!n_pos || !n_neg)
        return lgc_err_set(err, LGC_ERR_ARG, "AUC: %zu positives and %zu negatives", n_pos, n_neg);
    size_t n = n_pos + n_neg;
    scored *v = malloc(n * sizeof *v);
    if (!v)
        return lgc_err_set(err, LGC_ERR_NOMEM, "AUC: out of memory");
    for (size_t i = 0; i < n; i++) {
        double s = i < n_pos ? pos[i] : neg[i - n_pos];
        if (!isfinite(s)) {
            free(v);
            return lgc_err_set(err, LGC_ERR_VALUE, "AUC: score %zu of the %s is not finite",
                               i < n_pos ? i : i - n_pos, i < n_pos ? "positives" : "negatives");
        }
        v[i] = (scored){s, i < n_pos};
    }
    qsort(v, n, sizeof *v, scored_cmp);
    /* sum of the positives' ranks (1-based), a tie group sharing its average rank */
    double rank_sum = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i, np = 0;
        while (j < n && v[j].s == v[i].s)
            np += (size_t)v[j++].pos;
        rank_sum += (double)np * 0.5 * (double)(i + 1 + j);
        i = j;
    }
    double np = (double)n_pos, nn = (double)n_neg;
    *auc = (rank_sum - np * (np + 1.0) / 2.0) / (np * nn);
    free(v);
    return LGC_OK;
}

lgc_status lgc_class_loglik(lgc_codec *c, lgc_side *side, const uint8_t *x, const uint8_t *y,
                            size_t n, double *ll, lgc_err *err)
{
    size_t L = c->latent;
    float *z = malloc((n ? n : 1) * L * sizeof *z);   /* (n, L) codes */
    float *zc = malloc((n ? n : 1) * L * sizeof *zc);  /* (n_c, L) one class's codes */
    double *lc = malloc((n ? n : 1) * sizeof *lc);     /* (n_c) their scores */
    size_t *at = malloc((n ? n : 1) * sizeof *at);     /* (n_c) where they came from */
    lgc_status st = LGC_OK;
    if (!z || !zc || !lc || !at) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "membership scores: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        if (y[i] >= c->n_classes) {
            st = lgc_err_set(err, LGC_ERR_VALUE, "membership scores: label %u at %zu, but the "
                             "package has %zu classes", y[i], i, c->n_classes);
            goto fail;
        }
    if ((st = lgc_model_encode(&side->m, x, y, n, LGC_FIT_MU, 1, z, err)))
        goto fail;
    for (size_t cls = 0; cls < c->n_classes; cls++) {
        size_t nc = 0;
        for (size_t i = 0; i < n; i++)
            if (y[i] == cls) {
                memcpy(zc + nc * L, z + i * L, L * sizeof *zc);
                at[nc++] = i;
            }
        if (!nc)
            continue;
        if ((st = lgc_gmm_score(&c->gmm[cls], zc, nc, lc, err)))
            goto fail;
        for (size_t i = 0; i < nc; i++)
            ll[at[i]] = lc[i];
    }
fail:
    free(z), free(zc), free(lc), free(at);
    return st;
}

void lgc_privacy_audit_free(lgc_privacy_audit_out *out)
{
    if (!out)
        return;
    free(out->d_gen_train), free(out->d_gen_test), free(out->d_test_train);
    free(out->ll_train), free(out->ll_test), free(out->gen_labels), free(out->train_index);
    memset(out, 0, sizeof *out);
}

lgc_status lgc_privacy_audit(lgc_codec *c, lgc_side *side, const lgc_dataset *train,
                             const lgc_dataset *test, size_t n, uint64_t seed,
                             lgc_privacy_audit_out *out, lgc_err *err)
{
    memset(out, 0, sizeof *out);
    size_t img = c->c * c->h * c->w;
    if (train->x.h != c->h || train->x.w != c->w || train->x.c != c->c ||
        test->x.h != c->h || test->x.w != c->w || test->x.c != c->c)
        return lgc_err_set(err, LGC_ERR_ARG, "privacy: the images are not %zux%zux%zu like the "
                           "package's", c->h, c->w, c->c);
    size_t n_gen = n, n_tr = n < train->x.n ? n : train->x.n, n_te = n < test->x.n ? n : test->x.n;
    uint8_t *gx = malloc((n_gen ? n_gen : 1) * img), *gy = malloc(n_gen ? n_gen : 1);
    uint8_t *tx = malloc((n_tr ? n_tr : 1) * img), *ty = malloc(n_tr ? n_tr : 1);
    uint32_t *perm = malloc((train->x.n ? train->x.n : 1) * sizeof *perm);
    lgc_status st = LGC_OK;
    if (!gx || !gy || !tx || !ty || !perm) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "privacy: out of memory");
        goto fail;
    }
    if ((st = lgc_codec_decompress_mem(c, n_gen, seed, LGC_BALANCE_PRIOR,
                                        c->n_ex ? LGC_ORDER_SHUFFLED : LGC_ORDER_CLASS, gx, gy, err)))
        goto fail;
    /* n training images without replacement: the first n_tr of a seeded shuffle */
    lgc_rng r;
    lgc_rng_init(&r, seed, PRIV_STREAM);
    for (size_t i = 0; i < train->x.n; i++)
        perm[i] = (uint32_t)i;
    lgc_rng_shuffle(&r, perm, train->x.n);
    for (size_t i = 0; i < n_tr; i++) {
        memcpy(tx + i * img, train->x.pix + (size_t)perm[i] * img, img);
        ty[i] = train->y.y[perm[i]];
    }
    out->d_gen_train = malloc((n_gen ? n_gen : 1) * sizeof(double));
    out->d_gen_test = malloc((n_gen ? n_gen : 1) * sizeof(double));
    out->d_test_train = malloc((n_te ? n_te : 1) * sizeof(double));
    if (!out->d_gen_train || !out->d_gen_test || !out->d_test_train) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "privacy: out of memory");
        goto fail;
    }
    if ((st = lgc_privacy_dcr(gx, n_gen, tx, n_tr, test->x.pix, n_te, img, &out->r,
                              out->d_gen_train, out->d_gen_test, out->d_test_train, err)))
        goto fail;
    if (side) {
        out->ll_train = malloc(n_tr * sizeof(double));
        out->ll_test = malloc(n_te * sizeof(double));
        if (!out->ll_train || !out->ll_test) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "privacy: out of memory");
            goto fail;
        }
        if ((st = lgc_class_loglik(c, side, tx, ty, n_tr, out->ll_train, err)) ||
            (st = lgc_class_loglik(c, side, test->x.pix, test->y.y, n_te, out->ll_test, err)) ||
            (st = lgc_auc(out->ll_train, n_tr, out->ll_test, n_te, &out->r.mia_auc, err)))
            goto fail;
        out->r.n_mia_train = n_tr, out->r.n_mia_test = n_te;
    }
    out->gen_labels = gy, gy = NULL;
    if (!(out->train_index = malloc((n_tr ? n_tr : 1) * sizeof *out->train_index))) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "privacy: out of memory");
        goto fail;
    }
    memcpy(out->train_index, perm, n_tr * sizeof *perm);
fail:
    if (st)
        lgc_privacy_audit_free(out);
    free(gx), free(gy), free(tx), free(ty), free(perm);
    return st;
}
