/* side.c - the encoder side file (see codec.h) and in-memory regeneration. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "lgc/codec.h"

#define SIDE_KIND "encoder"
#define SIDE_ZSTD 3 /* never shipped: a fast level is enough */

static void layer_weight_shape(const lgc_layer *L, uint64_t *shape, int *rank)
{
    if (L->kind == LGC_L_CONV) {
        shape[0] = L->out_c, shape[1] = L->in_c, shape[2] = L->k, shape[3] = L->k;
        *rank = 4;
    } else {
        shape[0] = L->out_c, shape[1] = L->in_c * L->in_h * L->in_w;
        *rank = 2;
    }
}

lgc_status lgc_side_build(const lgc_model *m, size_t n_classes, const size_t *k, size_t k_max,
                          const double *bic, const double *loss, size_t n_epochs,
                          const char *created, lgc_pkg **out, lgc_err *err)
{
    *out = NULL;
    lgc_layer_spec es[LGC_MODEL_MAX_LAYERS];
    size_t ne = lgc_model_encoder_spec(m->kind, m->hidden, m->latent, es);
    if (!ne || ne != m->enc.n_layers || n_classes < 1 || n_classes > LGC_MAX_CLASSES ||
        k_max < 1 || k_max > LGC_CODEC_KMAX)
        return lgc_err_set(err, LGC_ERR_ARG, "side file: the model or the sizes are invalid");
    lgc_pkg *p = lgc_pkg_new();
    if (!p)
        return lgc_err_set(err, LGC_ERR_NOMEM, "side file: out of memory");
    lgc_status st;
    uint64_t layers[4 * LGC_MODEL_MAX_LAYERS], k64[LGC_MAX_CLASSES];
    uint64_t shape[3] = {m->h, m->w, m->c};
    for (size_t i = 0; i < ne; i++)
        layers[4 * i] = (uint64_t)es[i].kind, layers[4 * i + 1] = es[i].a,
                   layers[4 * i + 2] = es[i].b, layers[4 * i + 3] = es[i].c;
    for (size_t c = 0; c < n_classes; c++)
        k64[c] = k[c];
    if ((st = lgc_pkg_set_str(p, KEY_SIDE_KIND, SIDE_KIND, err)) ||
        (st = lgc_pkg_set_str(p, KEY_MODEL_KIND, lgc_model_name(m->kind), err)) ||
        (st = lgc_pkg_set_u64(p, KEY_MODEL_HIDDEN, m->hidden, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_MODEL_LATENT, m->latent, err)) ||
        (st = lgc_pkg_set_u64_array(p, KEY_IMAGE_SHAPE, shape, 3, err)) ||
        (st = lgc_pkg_set_u64_array(p, KEY_ENCODER_LAYERS, layers, 4 * ne, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_CLASSES, n_classes, err)) ||
        (st = lgc_pkg_set_u64_array(p, KEY_GMM_K, k64, n_classes, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_GMM_K_MAX, k_max, err)) ||
        (st = lgc_pkg_set_f64_array(p, KEY_GMM_BIC, bic, n_classes * k_max, err)) ||
        (st = lgc_pkg_set_f64_array(p, KEY_LOSS_CURVE, loss, n_epochs, err)) ||
        (created && (st = lgc_pkg_set_str(p, KEY_CREATED, created, err))))
        goto fail;
    char name[32];
    for (size_t i = 0; i < m->enc.n_layers; i++) {
        const lgc_layer *L = &m->enc.layers[i];
        if (!L->n_w)
            continue;
        uint64_t ws[4], bs[1] = {L->n_b};
        int rank;
        layer_weight_shape(L, ws, &rank);
        snprintf(name, sizeof name, TENSOR_ENC_W, i);
        if ((st = lgc_pkg_add_tensor_f32(p, name, LGC_DT_F32, rank, ws, m->enc.params + L->w_off,
                                         err)))
            goto fail;
        snprintf(name, sizeof name, TENSOR_ENC_B, i);
        if ((st = lgc_pkg_add_tensor_f32(p, name, LGC_DT_F32, 1, bs, m->enc.params + L->b_off,
                                         err)))
            goto fail;
    }
    if ((st = lgc_pkg_set_compression(p, SIDE_ZSTD, err)))
        goto fail;
    *out = p;
    return LGC_OK;
fail:
    lgc_pkg_free(p);
    return st;
}

void lgc_side_free(lgc_side *s)
{
    if (!s)
        return;
    lgc_model_free(&s->m);
    free(s->bic);
    free(s->loss_curve);
    memset(s, 0, sizeof *s);
}

lgc_status lgc_side_open(lgc_side *s, const lgc_pkg *side, const char *what, const lgc_codec *c,
                         const char *pkg_created, size_t max_batch, lgc_err *err)
{
    memset(s, 0, sizeof *s);
    const char *kind, *mkind, *created = NULL;
    const uint64_t *shape, *layers, *ks;
    const double *bic, *loss;
    size_t n_shape, n_layers4, n_ks, n_bic, n_loss;
    uint64_t hidden, latent, classes, k_max;
    lgc_err ek;
    lgc_status st;
    if ((st = lgc_pkg_get_str(side, KEY_SIDE_KIND, &kind, &ek)) ||
        (st = lgc_pkg_get_str(side, KEY_MODEL_KIND, &mkind, &ek)) ||
        (st = lgc_pkg_get_u64(side, KEY_MODEL_HIDDEN, &hidden, &ek)) ||
        (st = lgc_pkg_get_u64(side, KEY_MODEL_LATENT, &latent, &ek)) ||
        (st = lgc_pkg_get_u64_array(side, KEY_IMAGE_SHAPE, &shape, &n_shape, &ek)) ||
        (st = lgc_pkg_get_u64_array(side, KEY_ENCODER_LAYERS, &layers, &n_layers4, &ek)) ||
        (st = lgc_pkg_get_u64(side, KEY_CLASSES, &classes, &ek)) ||
        (st = lgc_pkg_get_u64_array(side, KEY_GMM_K, &ks, &n_ks, &ek)) ||
        (st = lgc_pkg_get_u64(side, KEY_GMM_K_MAX, &k_max, &ek)) ||
        (st = lgc_pkg_get_f64_array(side, KEY_GMM_BIC, &bic, &n_bic, &ek)) ||
        (st = lgc_pkg_get_f64_array(side, KEY_LOSS_CURVE, &loss, &n_loss, &ek)))
        return lgc_err_set(err, st, "%s: not an encoder side file: %s", what, ek.msg);
    const lgc_pkg_kv *kc = lgc_pkg_find_kv(side, KEY_CREATED);
    if (kc && kc->type == LGC_KV_STR)
        created = kc->v.str;
    if (c->grouped)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: the package has mixtures per group; encoder "
                           "side files go with per-class packages only", what);
    if (strcmp(kind, SIDE_KIND) != 0)
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: side.kind is '%s', not '%s'", what, kind,
                           SIDE_KIND);
    /* the same model, sizes and K as the package: else its codes are not the
     * ones the package's mixtures describe */
    if (strcmp(mkind, lgc_model_name(c->kind)) != 0 || hidden != c->hidden ||
        latent != c->latent || n_shape != 3 || shape[0] != c->h || shape[1] != c->w ||
        shape[2] != c->c || classes != c->n_classes || n_ks != classes)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: the encoder (%s, hidden %llu, latent %llu, "
                           "%llu classes) does not belong to this package (%s, hidden %zu, "
                           "latent %zu, %zu classes)",
                           what, mkind, (unsigned long long)hidden, (unsigned long long)latent,
                           (unsigned long long)classes, lgc_model_name(c->kind), c->hidden,
                           c->latent, c->n_classes);
    for (size_t i = 0; i < classes; i++)
        if (ks[i] != c->gmm[i].k)
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: class %zu has K = %llu here but %zu in "
                               "the package: the side file of another package", what, i,
                               (unsigned long long)ks[i], c->gmm[i].k);
    if (created && pkg_created && strcmp(created, pkg_created) != 0)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: written with a package created %s, not %s",
                           what, created, pkg_created);
    if (k_max < 1 || k_max > LGC_CODEC_KMAX || n_bic != classes * k_max)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: gmm.bic has %zu entries, expected %llu "
                           "classes times gmm.k_max %llu (1..%d)", what, n_bic,
                           (unsigned long long)classes, (unsigned long long)k_max,
                           LGC_CODEC_KMAX);
    for (size_t i = 0; i < n_bic; i++)
        if (isinf(bic[i]))
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: gmm.bic[%zu] is infinite", what, i);
    for (size_t i = 0; i < n_loss; i++)
        if (!isfinite(loss[i]))
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: train.loss_curve[%zu] is not finite",
                               what, i);

    lgc_layer_spec es[LGC_MODEL_MAX_LAYERS];
    size_t ne = lgc_model_encoder_spec(c->kind, hidden, latent, es);
    if (!ne || n_layers4 != 4 * ne)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: encoder.layers does not describe a %s "
                           "encoder", what, mkind);
    for (size_t i = 0; i < ne; i++)
        if (layers[4 * i] != (uint64_t)es[i].kind || layers[4 * i + 1] != es[i].a ||
            layers[4 * i + 2] != es[i].b || layers[4 * i + 3] != es[i].c)
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: encoder layer %zu is not the %s model's",
                               what, i, mkind);

    s->n_classes = classes, s->k_max = k_max, s->n_epochs = n_loss;
    s->bic = malloc(n_bic * sizeof *s->bic);
    s->loss_curve = malloc((n_loss ? n_loss : 1) * sizeof *s->loss_curve);
    if (!s->bic || !s->loss_curve) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", what);
        goto fail;
    }
    memcpy(s->bic, bic, n_bic * sizeof *s->bic);
    if (n_loss)
        memcpy(s->loss_curve, loss, n_loss * sizeof *s->loss_curve);
    /* the whole model, so that the encoder gets the input its kind expects
     * (class planes or one-hot for the conditional kinds); only the encoder is loaded */
    if ((st = lgc_model_init(&s->m, c->kind, c->c, c->h, c->w, hidden, latent, classes, max_batch,
                             err)))
        goto fail;
    char name[32];
    for (size_t i = 0; i < s->m.enc.n_layers; i++) {
        const lgc_layer *L = &s->m.enc.layers[i];
        if (!L->n_w)
            continue;
        uint64_t want[4], bs[1] = {L->n_b};
        int rank;
        layer_weight_shape(L, want, &rank);
        for (int part = 0; part < 2; part++) {
            snprintf(name, sizeof name, part ? TENSOR_ENC_B : TENSOR_ENC_W, i);
            const uint64_t *sh = part ? bs : want;
            int rk = part ? 1 : rank;
            const lgc_pkg_tensor *t = lgc_pkg_find(side, name);
            int ok = t && (t->dtype == LGC_DT_F32 || t->dtype == LGC_DT_F16) && t->rank == rk;
            for (int j = 0; ok && j < rk; j++)
                ok = t->shape[j] == sh[j];
            if (!ok) {
                st = lgc_err_set(err, LGC_ERR_FORMAT, "%s: tensor %s is missing or not an f32 "
                                 "tensor of the encoder's shape", what, name);
                goto fail;
            }
            lgc_err e2;
            if (lgc_pkg_tensor_check_finite(t, &e2)) {
                st = lgc_err_set(err, LGC_ERR_VALUE, "%s: %s", what, e2.msg);
                goto fail;
            }
            float *dst = s->m.enc.params + (part ? L->b_off : L->w_off);
            if ((st = lgc_pkg_tensor_to_f32(t, dst, err)))
                goto fail;
        }
    }
    return LGC_OK;
fail:
    lgc_side_free(s);
    return st;
}

