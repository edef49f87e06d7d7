/* schema.c - every key and tensor of a package (docs/FORMAT.md §10; names in
 * keys.h), each writer beside its reader: the model keys, the decoder's
 * tensors (int8 with row scales, float16 or float32), the mixtures' tensors
 * and, per group, the mixture keys. codec_assemble writes a package;
 * lgc_codec_open reads one back and checks its meaning. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "core/ckd.h"
#include "keys.h"
#include "lgc/version.h"

/* Bounds a package must respect before anything is allocated from its numbers. */
#define MAX_SIDE 1024
#define MAX_LATENT 1024
#define MAX_HIDDEN 65536

/* ---- float tensors, int8 with one scale per row --------------------------- */

/* Symmetric int8 with one scale per output row: w ~ scale[o] * q[o][j]. */
lgc_status codec_put_weights_i8(lgc_pkg *p, const char *name, int rank, const uint64_t *shape,
                                const float *w, size_t rows, size_t cols, lgc_err *err)
{
    int8_t *q = malloc(rows * cols);
    float *scale = malloc(rows * sizeof *scale);
    lgc_status st;
    if (!q || !scale) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "compress: out of memory");
        goto done;
    }
    for (size_t r = 0; r < rows; r++) {
        float mx = 0.0f;
        for (size_t j = 0; j < cols; j++)
            mx = fabsf(w[r * cols + j]) > mx ? fabsf(w[r * cols + j]) : mx;
        scale[r] = mx > 0.0f ? mx / 127.0f : 1.0f;
        for (size_t j = 0; j < cols; j++)
            q[r * cols + j] = (int8_t)lrintf(w[r * cols + j] / scale[r]);
    }
    char sname[48];
    snprintf(sname, sizeof sname, TENSOR_SCALE_OF, name);
    uint64_t sshape[1] = {rows};
    if ((st = lgc_pkg_add_tensor(p, name, LGC_DT_I8, rank, shape, q, err)))
        goto done;
    st = lgc_pkg_add_tensor_f32(p, sname, LGC_DT_F32, 1, sshape, scale, err);
done:
    free(q), free(scale);
    return st;
}

static lgc_status get_f32(const lgc_pkg *p, const char *what, const char *name, int rank,
                          const uint64_t *shape, float *out, lgc_err *err)
{
    return codec_get_f32_ex(p, what, name, rank, shape, out, 0, err);
}

lgc_status codec_get_f32_ex(const lgc_pkg *p, const char *what, const char *name, int rank,
                            const uint64_t *shape, float *out, int allow_i8, lgc_err *err)
{
    const lgc_pkg_tensor *t = lgc_pkg_find(p, name);
    if (!t)
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: tensor %s is missing", what, name);
    int is_i8 = allow_i8 && t->dtype == LGC_DT_I8;
    if (t->dtype != LGC_DT_F32 && t->dtype != LGC_DT_F16 && !is_i8)
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: tensor %s is %s, expected f16 or f32", what,
                           name, lgc_pkg_dtype_name(t->dtype));
    int ok = t->rank == rank;
    for (int i = 0; ok && i < rank; i++)
        ok = t->shape[i] == shape[i];
    if (!ok) {
        char want[64] = "", got[64] = "";
        for (int i = 0; i < rank; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%llu", i ? "x" : "",
                     (unsigned long long)shape[i]);
        for (int i = 0; i < t->rank; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%llu", i ? "x" : "",
                     (unsigned long long)t->shape[i]);
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: tensor %s has shape %s, the model needs %s",
                           what, name, got, want);
    }
    lgc_err e2;
    if (lgc_pkg_tensor_check_finite(t, &e2))
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: %s", what, e2.msg);
    lgc_status st = lgc_pkg_tensor_to_f32(t, out, err);
    if (st || !is_i8)
        return st;
    char sname[80];
    snprintf(sname, sizeof sname, TENSOR_SCALE_OF, name);
    size_t rows = shape[0], cols = t->n_elem / rows;
    float *sc = malloc(rows * sizeof *sc);
    if (!sc)
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", what);
    uint64_t sshape[1] = {rows};
    if ((st = get_f32(p, what, sname, 1, sshape, sc, err)))
        goto done;
    for (size_t r = 0; r < rows; r++) {
        if (!(sc[r] > 0.0f)) {
            st = lgc_err_set(err, LGC_ERR_VALUE, "%s: %s[%zu] = %g is not a positive scale", what,
                             sname, r, (double)sc[r]);
            goto done;
        }
        for (size_t j = 0; j < cols; j++)
            out[r * cols + j] *= sc[r];
    }
done:
    free(sc);
    return st;
}

/* ---- the decoder ------------------------------------------------------------ */

static lgc_status put_decoder(lgc_pkg *p, const lgc_net *dec, lgc_dtype dt, lgc_dtype wdt,
                              lgc_err *err)
{
    char name[32];
    lgc_status st;
    for (size_t i = 0; i < dec->n_layers; i++) {
        const lgc_layer *L = &dec->layers[i];
        if (!L->n_w)
            continue;
        uint64_t wshape[4];
        int rank;
        if (L->kind == LGC_L_CONV) {
            wshape[0] = L->out_c, wshape[1] = L->in_c, wshape[2] = L->k, wshape[3] = L->k;
            rank = 4;
        } else {
            wshape[0] = L->out_c, wshape[1] = L->in_c * L->in_h * L->in_w;
            rank = 2;
        }
        uint64_t bshape[1] = {L->n_b};
        snprintf(name, sizeof name, TENSOR_DEC_W, i);
        if (wdt == LGC_DT_I8)
            st = codec_put_weights_i8(p, name, rank, wshape, dec->params + L->w_off, L->out_c,
                                L->n_w / L->out_c, err);
        else
            st = lgc_pkg_add_tensor_f32(p, name, wdt, rank, wshape, dec->params + L->w_off, err);
        if (st)
            return st;
        snprintf(name, sizeof name, TENSOR_DEC_B, i);
        if ((st = lgc_pkg_add_tensor_f32(p, name, dt, 1, bshape, dec->params + L->b_off, err)))
            return st;
    }
    return LGC_OK;
}

/* The model keys: kind, sizes, classes and their priors (finite, >= 0,
 * summing to 1), checked and into c; what the decoder and the mixtures need
 * later goes to s. */
typedef struct {
    const char *kind;
    const uint64_t *layers, *ks; /* decoder.layers (4 per layer), gmm.k (per mixture) */
    size_t n_layers4, n_ks;
    uint64_t hidden, latent;
} stored;

/* The decoder: the stored layer list must be the model's and chain; the
 * memory it and the mixtures would take (lgc_net_plan's count, before
 * anything is allocated) must stay under max_bytes; then its tensors. */
static lgc_status get_decoder(lgc_codec *c, const lgc_pkg *p, const char *what, const stored *s,
                              size_t max_batch, uint64_t max_bytes, lgc_err *err)
{
    lgc_status st;
    const char *kind = s->kind;
    const uint64_t *layers = s->layers, *ks = s->ks;
    uint64_t hidden = s->hidden, latent = s->latent, classes = c->n_classes;
    lgc_layer_spec want[LGC_MODEL_MAX_LAYERS], ds[LGC_MODEL_MAX_LAYERS];
    size_t nw = lgc_model_decoder_spec(c->kind, hidden, latent, c->c, c->h, c->w, want);
    if (s->n_layers4 % 4 != 0 || s->n_layers4 / 4 != nw)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: decoder.layers does not describe a %s decoder",
                           what, kind);
    for (size_t i = 0; i < nw; i++) {
        ds[i] = (lgc_layer_spec){(int)layers[4 * i], layers[4 * i + 1], layers[4 * i + 2],
                                 layers[4 * i + 3]};
        if (ds[i].kind != want[i].kind || ds[i].a != want[i].a || ds[i].b != want[i].b ||
            ds[i].c != want[i].c)
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: decoder layer %zu is not the %s model's",
                               what, i, kind);
    }
    /* conditional kinds: the decoder reads [z, one-hot], so its first dense
     * layer must take latent + classes inputs; say so before the generic shape check */
    c->dec_in = lgc_model_decoder_input(c->kind, latent, classes);
    char name[48];
    snprintf(name, sizeof name, TENSOR_DEC_W, (size_t)0);
    const lgc_pkg_tensor *w0 = lgc_pkg_find(p, name);
    if (w0 && w0->rank == 2 && w0->shape[1] != c->dec_in)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: decoder input is %llu wide, the %s decoder takes %s = %zu", what,
                           (unsigned long long)w0->shape[1], kind,
                           c->dec_in == latent ? "latent" : "latent + classes", c->dec_in);
    /* memory, from the sizes alone, before anything is allocated */
    uint64_t img = c->c * c->h * c->w, d64 = latent, tri64 = d64 * (d64 + 1) / 2, buf_max = 0;
    lgc_net_sizes dsz; /* the plan lgc_net_init would allocate by */
    lgc_err en;
    if ((st = lgc_net_plan(ds, nw, c->dec_in, 1, 1, max_batch, NULL, &dsz, &en)))
        return lgc_err_set(err, st, "%s: %s", what, en.msg);
    uint64_t need = dsz.bytes, n_params = dsz.n_params;
    for (size_t mi = 0; mi < c->n_mix; mi++) {
        uint64_t K = ks[mi] <= LGC_CODEC_KMAX ? ks[mi] : 0; /* a bad K is reported below */
        need = lgc_u64_sat_add(need, lgc_u64_sat_mul(K, (1 + d64 + d64 * d64) * sizeof(double)));
        buf_max = K * tri64 > buf_max ? K * tri64 : buf_max;
    }
    need = lgc_u64_sat_add(need, buf_max * sizeof(float) + (uint64_t)max_batch * c->dec_in * sizeof(float));
    need = lgc_u64_sat_add(need, lgc_u64_sat_mul(max_batch, img + 1)); /* a block of images and labels */
    if (need > max_bytes)
        return lgc_err_set(err, LGC_ERR_LIMIT,
                           "%s: opening needs %llu bytes (a decoder of %llu parameters, hidden "
                           "%llu, for batches of %zu), above the memory cap of %llu bytes",
                           what, (unsigned long long)need, (unsigned long long)n_params,
                           (unsigned long long)hidden, max_batch, (unsigned long long)max_bytes);
    if ((st = lgc_net_init(&c->dec, ds, nw, c->dec_in, 1, 1, max_batch, &en)))
        return lgc_err_set(err, st, "%s: %s", what, en.msg);
    if (c->dec.out_size != c->c * c->h * c->w)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: decoder output does not match image.shape",
                           what);
    for (size_t i = 0; i < c->dec.n_layers; i++) {
        const lgc_layer *L = &c->dec.layers[i];
        if (!L->n_w)
            continue;
        uint64_t ws[4];
        int rank;
        if (L->kind == LGC_L_CONV)
            ws[0] = L->out_c, ws[1] = L->in_c, ws[2] = L->k, ws[3] = L->k, rank = 4;
        else
            ws[0] = L->out_c, ws[1] = L->in_c * L->in_h * L->in_w, rank = 2;
        uint64_t bs[1] = {L->n_b};
        snprintf(name, sizeof name, TENSOR_DEC_W, i);
        if ((st = codec_get_f32_ex(p, what, name, rank, ws, c->dec.params + L->w_off, 1, err)))
            return st;
        snprintf(name, sizeof name, TENSOR_DEC_B, i);
        if ((st = get_f32(p, what, name, 1, bs, c->dec.params + L->b_off, err)))
            return st;
    }
    return LGC_OK;
}

/* ---- the mixtures' tensors ---------------------------------------------------- */

static lgc_status put_gmm(lgc_pkg *p, size_t cls, const lgc_gmm *g, lgc_dtype dt, lgc_err *err)
{
    size_t K = g->k, d = g->d, tri = d * (d + 1) / 2;
    float *buf = malloc((K * tri + K * d + K) * sizeof *buf);
    if (!buf)
        return lgc_err_set(err, LGC_ERR_NOMEM, "compress: out of memory");
    char name[48];
    lgc_status st;
    for (size_t k = 0; k < K; k++)
        buf[k] = (float)g->weights[k];
    snprintf(name, sizeof name, TENSOR_GMM_WEIGHTS, cls);
    uint64_t s1[1] = {K};
    if ((st = lgc_pkg_add_tensor_f32(p, name, dt, 1, s1, buf, err)))
        goto done;
    for (size_t i = 0; i < K * d; i++)
        buf[i] = (float)g->means[i];
    snprintf(name, sizeof name, TENSOR_GMM_MEANS, cls);
    uint64_t s2[2] = {K, d};
    if ((st = lgc_pkg_add_tensor_f32(p, name, dt, 2, s2, buf, err)))
        goto done;
    /* packed lower triangle, row by row: half the bytes of a covariance, and a
     * positive diagonal proves the covariance is positive definite */
    size_t q = 0;
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j <= i; j++)
                buf[q++] = (float)g->chol[(k * d + i) * d + j];
    snprintf(name, sizeof name, TENSOR_GMM_CHOL, cls);
    uint64_t s3[2] = {K, tri};
    st = lgc_pkg_add_tensor_f32(p, name, dt, 2, s3, buf, err);
done:
    free(buf);
    return st;
}

/* Mixture m's tensors: K weights (float16 rounding allowed, then
 * renormalised), means, and the packed factors with positive diagonals;
 * then lgc_gmm_validate. buf holds K d(d+1)/2 floats. */
static lgc_status get_gmm(lgc_codec *c, const lgc_pkg *p, const char *what, size_t cls, size_t K,
                          float *buf, lgc_err *err)
{
    lgc_status st;
    char name[48];
    size_t d = c->latent, tri = d * (d + 1) / 2;
    lgc_gmm *g = &c->gmm[cls];
    uint64_t s1[1] = {K}, s2[2] = {K, d}, s3[2] = {K, tri};
    snprintf(name, sizeof name, TENSOR_GMM_WEIGHTS, cls);
    if ((st = get_f32(p, what, name, 1, s1, buf, err)))
        return st;
    double wsum = 0.0;
    for (size_t k = 0; k < K; k++)
        g->weights[k] = buf[k], wsum += buf[k];
    /* weights are stored in float16: allow its rounding, then renormalise */
    if (!(fabs(wsum - 1.0) <= 1e-2)) {
        st = lgc_err_set(err, LGC_ERR_VALUE, "%s: %s sum to %.6g, not 1", what, name, wsum);
        return st;
    }
    for (size_t k = 0; k < K; k++) {
        if (g->weights[k] < 0.0) {
            st = lgc_err_set(err, LGC_ERR_VALUE, "%s: %s[%zu] is negative", what, name, k);
            return st;
        }
        g->weights[k] /= wsum;
    }
    snprintf(name, sizeof name, TENSOR_GMM_MEANS, cls);
    if ((st = get_f32(p, what, name, 2, s2, buf, err)))
        return st;
    for (size_t i = 0; i < K * d; i++)
        g->means[i] = buf[i];
    snprintf(name, sizeof name, TENSOR_GMM_CHOL, cls);
    if ((st = get_f32(p, what, name, 2, s3, buf, err)))
        return st;
    memset(g->chol, 0, K * d * d * sizeof *g->chol);
    size_t q = 0;
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j <= i; j++, q++) {
                if (i == j && !(buf[q] > 0.0f)) {
                    st = lgc_err_set(err, LGC_ERR_VALUE,
                                     "%s: %s: component %zu has a non-positive factor "
                                     "diagonal (%g at %zu)",
                                     what, name, k, (double)buf[q], i);
                    return st;
                }
                g->chol[(k * d + i) * d + j] = buf[q];
            }
    lgc_err e2;
    if (lgc_gmm_validate(g, &e2)) {
        st = lgc_err_set(err, LGC_ERR_VALUE, "%s: %s %zu: %s", what,
                         c->grouped ? "mixture" : "class", cls, e2.msg);
        return st;
    }
    return LGC_OK;
}

/* ---- mixtures per group (FORMAT.md 10.2) -------------------------------------- */

/* FORMAT.md 10.2: what each mixture is, for a package fitted per group. */
static lgc_status put_mixture_keys(lgc_pkg *p, const lgc_compress_report *rep, size_t n,
                                   lgc_err *err)
{
    size_t M = rep->n_mixtures;
    uint64_t cls[LGC_MAX_GROUPS], grp[LGC_MAX_GROUPS], cnt[LGC_MAX_GROUPS];
    double pri[LGC_MAX_GROUPS];
    for (size_t m = 0; m < M; m++) {
        cls[m] = rep->mix_class[m], grp[m] = rep->mix_group[m], cnt[m] = rep->mix_n[m];
        pri[m] = (double)rep->mix_n[m] / (double)n;
    }
    lgc_status st;
    if ((st = lgc_pkg_set_u64(p, KEY_MIXTURES, M, err)) ||
        (st = lgc_pkg_set_u64_array(p, KEY_MIXTURE_CLASS, cls, M, err)) ||
        (st = lgc_pkg_set_u64_array(p, KEY_MIXTURE_GROUP, grp, M, err)) ||
        (st = lgc_pkg_set_f64_array(p, KEY_MIXTURE_PRIORS, pri, M, err)))
        return st;
    return lgc_pkg_set_u64_array(p, KEY_MIXTURE_COUNTS, cnt, M, err);
}

/* What the mixtures are (FORMAT.md 10.2): one per class, or, with the
 * required flag, the mixture.* keys, checked. Needs c->n_classes and c->priors. */
static lgc_status get_mixture_keys(lgc_codec *c, const lgc_pkg *p, const char *what, lgc_err *err)
{
    size_t C = c->n_classes;
    int flag = (lgc_pkg_features(p) & LGC_PKG_FLAG_MIXTURES) != 0;
    if (!flag) {
        if (lgc_pkg_find_kv(p, KEY_MIXTURES) || lgc_pkg_find_kv(p, KEY_MIXTURE_CLASS))
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: mixture keys without the required flag "
                               "0x%08x (mixtures per group)", what, LGC_PKG_FLAG_MIXTURES);
        c->n_mix = C;
        for (size_t m = 0; m < C; m++)
            c->mix_class[m] = c->mix_group[m] = (uint8_t)m, c->mix_prior[m] = c->priors[m];
        return LGC_OK;
    }
    uint64_t M;
    const uint64_t *cls, *grp, *cnt;
    const double *pri;
    size_t n_cls, n_grp, n_cnt, n_pri;
    lgc_err ek;
    lgc_status st;
    if ((st = lgc_pkg_get_u64(p, KEY_MIXTURES, &M, &ek)) ||
        (st = lgc_pkg_get_u64_array(p, KEY_MIXTURE_CLASS, &cls, &n_cls, &ek)) ||
        (st = lgc_pkg_get_u64_array(p, KEY_MIXTURE_GROUP, &grp, &n_grp, &ek)) ||
        (st = lgc_pkg_get_f64_array(p, KEY_MIXTURE_PRIORS, &pri, &n_pri, &ek)) ||
        (st = lgc_pkg_get_u64_array(p, KEY_MIXTURE_COUNTS, &cnt, &n_cnt, &ek))) {
        const char *k = strstr(ek.msg, "key '");
        return lgc_err_set(err, st, "%s: mixtures per group: %s", what, k ? k : ek.msg);
    }
    if (M < C || M > LGC_MAX_GROUPS)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: mixtures = %llu (%zu..%d)", what,
                           (unsigned long long)M, C, LGC_MAX_GROUPS);
    if (n_cls != M || n_grp != M || n_pri != M || n_cnt != M)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: mixture.class, .group, .priors and .counts "
                           "have %zu, %zu, %zu and %zu entries, not mixtures = %llu", what, n_cls,
                           n_grp, n_pri, n_cnt, (unsigned long long)M);
    double ps = 0.0, per_class[LGC_MAX_CLASSES] = {0};
    for (size_t m = 0; m < M; m++) {
        if (cls[m] >= C)
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: mixture.class[%zu] = %llu, not one of "
                               "the %zu classes", what, m, (unsigned long long)cls[m], C);
        if (grp[m] > 255 || (m && grp[m] <= grp[m - 1]))
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: mixture.group[%zu] = %llu: group ids are "
                               "0..255, strictly increasing", what, m, (unsigned long long)grp[m]);
        if (!isfinite(pri[m]) || pri[m] < 0.0)
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: mixture.priors[%zu] = %g", what, m, pri[m]);
        ps += pri[m];
        per_class[cls[m]] += pri[m];
        c->mix_class[m] = (uint8_t)cls[m], c->mix_group[m] = (uint8_t)grp[m];
    }
    if (fabs(ps - 1.0) > 1e-6)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: mixture.priors sum to %.9g, not 1", what, ps);
    for (size_t k = 0; k < C; k++) {
        int has = 0;
        for (size_t m = 0; m < M && !has; m++)
            has = cls[m] == k;
        if (!has)
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: class %zu has no mixture", what, k);
    }
    for (size_t k = 0; k < C; k++) {
        if (fabs(per_class[k] - c->priors[k]) > 1e-6)
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: the mixtures of class %zu have priors "
                               "summing to %.9g, but class.priors[%zu] = %.9g", what, k,
                               per_class[k], k, c->priors[k]);
    }
    for (size_t m = 0; m < M; m++)
        c->mix_prior[m] = pri[m] / ps;
    c->n_mix = M;
    c->grouped = 1;
    return LGC_OK;
}

/* ---- the model keys, and the whole package ----------------------------------- */

static lgc_status get_model_keys(lgc_codec *c, const lgc_pkg *p, const char *what, stored *s,
                                 lgc_err *err)
{
    lgc_status st;
    const uint64_t *shape;
    const double *priors;
    size_t n_shape, n_priors;
    uint64_t classes;
    lgc_err ek;
    if ((st = lgc_pkg_get_str(p, KEY_MODEL_KIND, &s->kind, &ek)) ||
        (st = lgc_pkg_get_u64(p, KEY_MODEL_HIDDEN, &s->hidden, &ek)) ||
        (st = lgc_pkg_get_u64(p, KEY_MODEL_LATENT, &s->latent, &ek)) ||
        (st = lgc_pkg_get_u64_array(p, KEY_IMAGE_SHAPE, &shape, &n_shape, &ek)) ||
        (st = lgc_pkg_get_u64_array(p, KEY_DECODER_LAYERS, &s->layers, &s->n_layers4, &ek)) ||
        (st = lgc_pkg_get_u64(p, KEY_CLASSES, &classes, &ek)) ||
        (st = lgc_pkg_get_f64_array(p, KEY_CLASS_PRIORS, &priors, &n_priors, &ek)) ||
        (st = lgc_pkg_get_u64_array(p, KEY_GMM_K, &s->ks, &s->n_ks, &ek))) {
        /* the getter's sentence names the package's origin, then the key; keep the key part */
        const char *k = strstr(ek.msg, "key '");
        return lgc_err_set(err, st, "%s: %s", what, k ? k : ek.msg);
    }
    int mk = lgc_model_from_name(s->kind);
    if (mk < 0)
        return lgc_err_set(err, LGC_ERR_VERSION, "%s: model kind '%s' is unknown to this lgc",
                           what, s->kind);
    if (n_shape != 3 || shape[0] < 1 || shape[0] > MAX_SIDE || shape[1] < 1 ||
        shape[1] > MAX_SIDE || (shape[2] != 1 && shape[2] != 3))
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: image.shape must be [h, w, 1 or 3] with sides "
                           "up to %d", what, MAX_SIDE);
    if (s->latent < 1 || s->latent > MAX_LATENT || s->hidden < 1 || s->hidden > MAX_HIDDEN)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: model.latent %llu or model.hidden %llu out "
                           "of range", what, (unsigned long long)s->latent,
                           (unsigned long long)s->hidden);
    if (classes < 1 || classes > LGC_MAX_CLASSES)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: classes = %llu (1..%d)", what,
                           (unsigned long long)classes, LGC_MAX_CLASSES);
    c->kind = (lgc_model_kind)mk;
    c->h = shape[0], c->w = shape[1], c->c = shape[2];
    c->latent = s->latent, c->hidden = s->hidden, c->n_classes = classes;
    if (n_priors != classes)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: class.priors has %zu entries, but there are "
                           "%llu classes", what, n_priors, (unsigned long long)classes);

    /* class priors: finite, non-negative, summing to 1 */
    double ps = 0.0;
    for (size_t i = 0; i < classes; i++) {
        if (!isfinite(priors[i]) || priors[i] < 0.0)
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: class.priors[%zu] = %g", what, i,
                               priors[i]);
        ps += priors[i];
    }
    if (fabs(ps - 1.0) > 1e-6)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: class.priors sum to %.9g, not 1", what, ps);
    for (size_t i = 0; i < classes; i++)
        c->priors[i] = priors[i] / ps;
    return LGC_OK;
}

lgc_status codec_assemble(const lgc_compress_opts *o, const lgc_model *m, const lgc_images *x,
                           const size_t *counts, size_t n, size_t n_classes,
                           const lgc_compress_report *rep, const lgc_gmm *gm, lgc_pkg **out,
                           lgc_err *err)
{
    const lgc_model_family *fam = lgc_model_family_get((int)o->model);
    float sw = lgc_model_supcon_weight(o->model, &o->train);
    size_t L = o->latent, M = rep->n_mixtures;
    lgc_status st;
    *out = NULL;
    lgc_pkg *p = lgc_pkg_new();
    if (!p)
        return lgc_err_set(err, LGC_ERR_NOMEM, "compress: out of memory");
    char ver[32];
    snprintf(ver, sizeof ver, "%s", LGC_VERSION_STRING);
    uint64_t shape[3] = {x->h, x->w, x->c};
    lgc_layer_spec ds[LGC_MODEL_MAX_LAYERS];
    size_t nd = lgc_model_decoder_spec(o->model, o->hidden, L, x->c, x->h, x->w, ds);
    uint64_t layers[4 * LGC_MODEL_MAX_LAYERS];
    for (size_t i = 0; i < nd; i++)
        layers[4 * i] = (uint64_t)ds[i].kind, layers[4 * i + 1] = ds[i].a,
                   layers[4 * i + 2] = ds[i].b, layers[4 * i + 3] = ds[i].c;
    double priors[LGC_MAX_CLASSES];
    uint64_t cnt64[LGC_MAX_CLASSES], k64[LGC_MAX_GROUPS];
    for (size_t c = 0; c < n_classes; c++)
        priors[c] = (double)counts[c] / (double)n, cnt64[c] = counts[c];
    if ((st = lgc_pkg_set_str(p, KEY_VERSION, ver, err)) ||
        (st = lgc_pkg_set_str(p, KEY_MODEL_KIND, lgc_model_name(o->model), err)) ||
        (st = lgc_pkg_set_u64(p, KEY_MODEL_HIDDEN, o->hidden, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_MODEL_LATENT, L, err)) ||
        (st = lgc_pkg_set_u64_array(p, KEY_IMAGE_SHAPE, shape, 3, err)) ||
        (st = lgc_pkg_set_u64_array(p, KEY_DECODER_LAYERS, layers, 4 * nd, err)) ||
        (st = lgc_pkg_set_str(p, KEY_DECODER_OUTPUT, "sigmoid", err)) ||
        (st = lgc_pkg_set_u64(p, KEY_CLASSES, n_classes, err)) ||
        (st = lgc_pkg_set_f64_array(p, KEY_CLASS_PRIORS, priors, n_classes, err)) ||
        (st = lgc_pkg_set_u64_array(p, KEY_CLASS_COUNTS, cnt64, n_classes, err)) ||
        (o->groups && (st = put_mixture_keys(p, rep, n, err))) ||
        (st = lgc_pkg_set_u64(p, KEY_TRAIN_SEED, o->train.seed, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_TRAIN_EPOCHS, o->train.epochs, err)) ||
        (st = lgc_pkg_set_str(p, KEY_TRAIN_LOSS,
                              lgc_model_loss(o->model, &o->train) == LGC_LOSS_MSE ? "mse" : "bce",
                              err)) ||
        (st = lgc_pkg_set_str(p, KEY_GMM_FIT_ON,
                              !fam->variational ? "code" : o->fit_on == LGC_FIT_Z ? "z" : "mu",
                              err)) ||
        (sw > 0.0f && ((st = lgc_pkg_set_f64(p, KEY_TRAIN_SUPCON_WEIGHT, sw, err)) ||
                       (st = lgc_pkg_set_f64(p, KEY_TRAIN_SUPCON_TEMP, o->train.supcon_temp, err)) ||
                       (st = lgc_pkg_set_str(p, KEY_TRAIN_SUPCON_FORM,
                                             o->train.supcon_form == LGC_SUPCON_IN ? "in" : "out",
                                             err)))) ||
        (st = lgc_pkg_set_str(p, KEY_GMM_K_SELECT, o->gmm.select == LGC_KSEL_GREEDY ? "greedy" : "argmin", err)) ||
        (o->created && (st = lgc_pkg_set_str(p, KEY_CREATED, o->created, err))))
        goto done;
    if ((st = put_decoder(p, &m->dec, o->param_dtype, o->decoder_dtype, err)))
        goto done;
    for (size_t mi = 0; mi < M; mi++) {
        k64[mi] = gm[mi].k;
        if ((st = put_gmm(p, mi, &gm[mi], o->param_dtype, err)))
            goto done;
    }
    if ((st = lgc_pkg_set_u64_array(p, KEY_GMM_K, k64, M, err)) ||
        (st = lgc_pkg_set_compression(p, o->zstd_level, err)) ||
        (o->groups && (st = lgc_pkg_set_features(p, LGC_PKG_FLAG_MIXTURES, err))))
        goto done;
    *out = p;
    p = NULL;
done:
    lgc_pkg_free(p);
    return st;
}

lgc_status lgc_codec_open_capped(lgc_codec *c, const lgc_pkg *p, const char *what,
                                 size_t max_batch, uint64_t max_bytes, lgc_err *err)
{
    memset(c, 0, sizeof *c);
    stored s;
    float *buf = NULL;
    lgc_status st;
    if ((st = get_model_keys(c, p, what, &s, err)) || (st = get_mixture_keys(c, p, what, err)))
        return st;
    if (s.n_ks != c->n_mix)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: gmm.k has %zu entries, but there are %zu "
                           "mixtures", what, s.n_ks, c->n_mix);
    if ((st = get_decoder(c, p, what, &s, max_batch, max_bytes, err)))
        goto fail;
    size_t d = c->latent, tri = d * (d + 1) / 2;
    for (size_t m = 0; m < c->n_mix; m++) { /* m: the mixture (the class without groups) */
        size_t K = s.ks[m];
        if (K < 1 || K > LGC_CODEC_KMAX) {
            st = lgc_err_set(err, LGC_ERR_VALUE, "%s: gmm.k[%zu] = %zu (1..%d)", what, m, K,
                             LGC_CODEC_KMAX);
            goto fail;
        }
        free(buf);
        buf = malloc(K * tri * sizeof *buf);
        if (!buf || lgc_gmm_init(&c->gmm[m], K, d)) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", what);
            goto fail;
        }
        if ((st = get_gmm(c, p, what, m, K, buf, err)))
            goto fail;
    }
    if ((st = codec_get_exemplars(c, p, what, max_bytes, err)))
        goto fail;
    c->z = malloc(max_batch * d * sizeof *c->z);
    c->zin = malloc(max_batch * c->dec_in * sizeof *c->zin);
    if (!c->z || !c->zin) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", what);
        goto fail;
    }
    free(buf);
    return LGC_OK;
fail:
    free(buf);
    lgc_codec_free(c);
    return st;
}

lgc_status lgc_codec_open(lgc_codec *c, const lgc_pkg *p, const char *what, size_t max_batch,
                          lgc_err *err)
{
    return lgc_codec_open_capped(c, p, what, max_batch, LGC_CODEC_MEMORY_DEFAULT, err);
}

void lgc_codec_free(lgc_codec *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < LGC_MAX_GROUPS; i++)
        lgc_gmm_free(&c->gmm[i]);
    lgc_net_free(&c->dec);
    free(c->z), free(c->zin);
    free(c->ex_pix), free(c->ex_lab);
    memset(c, 0, sizeof *c);
}
