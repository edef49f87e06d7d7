/* model.c - the autoencoder families: their layer lists, building and decoding
 * (see include/lgc/model.h; training is in train.c).
 *
 * Every family is the same pipeline with switches read from its
 * lgc_model_family record:
 *   encoder input  x, or [x, class planes] (conditional)
 *   encoder output h = code (AE kinds) or [mu, logvar] (VAE kinds)
 *   code           z = h, or mu + exp(logvar/2) eps
 *   decoder input  z, or [z, one-hot] (conditional)
 *   loss           recon(decoder(z), x) [+ KL / B] [+ weight supcon(code or z')]
 * The layer lists are data (encoder_spec, lgc_model_decoder_spec). */
#include "lgc/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/simd.h"
#include "lgc/pixels.h"
#include "lgc/rng.h"
#include "lgc/tensor.h"
#include "model_internal.h"

static const lgc_model_family families[LGC_N_MODELS] = {
    /* name, variational, conditional, conv, supcon weight, loss */
    /* the study's AE loss (nn.MSELoss): on MNIST, smaller packages than BCE at
     * the same judge accuracy (README) */
    [LGC_MODEL_AE] = {"ae", 0, 0, 0, 0.0f, LGC_LOSS_MSE},
    [LGC_MODEL_VAE] = {"vae", 1, 0, 0, 0.0f, LGC_LOSS_BCE},
    [LGC_MODEL_CVAE] = {"cvae", 1, 1, 0, 0.0f, LGC_LOSS_BCE},
    /* the study's AE-contrastive: 1 x MSE (mean) + 0.1 x supcon */
    [LGC_MODEL_AE_SUPCON] = {"ae-supcon", 0, 0, 0, 0.1f, LGC_LOSS_MSE},
    /* the study's VAE-contrastive: (BCE sum + KL) / B + 20 x supcon */
    [LGC_MODEL_VAE_SUPCON] = {"vae-supcon", 1, 0, 0, 20.0f, LGC_LOSS_BCE},
    [LGC_MODEL_CONV_AE] = {"conv-ae", 0, 0, 1, 0.0f, LGC_LOSS_BCE},
    [LGC_MODEL_CONV_VAE] = {"conv-vae", 1, 0, 1, 0.0f, LGC_LOSS_BCE},
    [LGC_MODEL_CONV_CVAE] = {"conv-cvae", 1, 1, 1, 0.0f, LGC_LOSS_BCE},
};

const lgc_model_family *lgc_model_family_get(int kind)
{
    return kind >= 0 && kind < LGC_N_MODELS ? &families[kind] : NULL;
}

int lgc_model_from_name(const char *name)
{
    for (int k = 0; k < LGC_N_MODELS; k++)
        if (strcmp(name, families[k].name) == 0)
            return k;
    return -1;
}

const char *const *lgc_model_names(void)
{
    /* families[k].name, k in order (tests/unit/test_layers.c checks they agree) */
    static const char *const names[] = {"ae",      "vae",      "cvae",      "ae-supcon",
                                        "vae-supcon", "conv-ae", "conv-vae", "conv-cvae",
                                        NULL};
    return names;
}

const char *const *lgc_loss_names(void)
{
    static const char *const names[] = {"bce", "mse", NULL};
    return names;
}

const char *lgc_model_name(lgc_model_kind k)
{
    const lgc_model_family *f = lgc_model_family_get((int)k);
    return f ? f->name : "?";
}

void lgc_train_opts_default(lgc_train_opts *o)
{
    memset(o, 0, sizeof *o); /* every field not named below (comm, ...) off */
    o->epochs = 20;
    o->batch = 256;
    o->lr = 1e-3f;
    o->loss = LGC_LOSS_AUTO;
    o->supcon_weight = -1.0f;
    o->supcon_temp = 0.5f;
    o->supcon_form = LGC_SUPCON_OUT;
    o->seed = 1;
    o->start_epoch = 0;
    o->after_epoch = NULL;
    o->after_epoch_ctx = NULL;
}

lgc_recon_loss lgc_model_loss(lgc_model_kind kind, const lgc_train_opts *o)
{
    const lgc_model_family *f = lgc_model_family_get((int)kind);
    return o->loss != LGC_LOSS_AUTO || !f ? o->loss : f->loss;
}

float lgc_model_supcon_weight(lgc_model_kind kind, const lgc_train_opts *o)
{
    const lgc_model_family *f = lgc_model_family_get((int)kind);
    return o->supcon_weight >= 0.0f || !f ? o->supcon_weight : f->supcon_weight;
}

/* ---- layer lists ------------------------------------------------------------ */

#define SPEC(k, a_, b_, c_) (spec[n++] = (lgc_layer_spec){(k), (a_), (b_), (c_)})

size_t lgc_model_decoder_spec(lgc_model_kind kind, size_t hidden, size_t latent, size_t c,
                              size_t h, size_t w, lgc_layer_spec *spec)
{
    const lgc_model_family *f = lgc_model_family_get((int)kind);
    size_t n = 0;
    if (!f || hidden == 0 || latent == 0 || c * h * w == 0)
        return 0;
    if (f->conv) {
        /* dense -> (c2, h/4, w/4) -> x2 -> conv c1 -> x2 -> conv c: every pixel of
         * the output comes from a convolution at full resolution */
        size_t c1 = hidden / 4, c2 = hidden / 2;
        if (c1 == 0 || h % 4 || w % 4)
            return 0;
        SPEC(LGC_L_DENSE, c2 * (h / 4) * (w / 4), 0, 0);
        SPEC(LGC_L_RELU, 0, 0, 0);
        SPEC(LGC_L_RESHAPE, c2, h / 4, w / 4);
        SPEC(LGC_L_UPSAMPLE2, 0, 0, 0);
        SPEC(LGC_L_CONV, c1, 3, 1);
        SPEC(LGC_L_RELU, 0, 0, 0);
        SPEC(LGC_L_UPSAMPLE2, 0, 0, 0);
        SPEC(LGC_L_CONV, c, 3, 1);
        return n;
    }
    for (int i = 0; i < (f->variational ? 3 : 1); i++) {
        SPEC(LGC_L_DENSE, hidden, 0, 0);
        SPEC(LGC_L_RELU, 0, 0, 0);
    }
    SPEC(LGC_L_DENSE, c * h * w, 0, 0);
    return n;
}

size_t lgc_model_decoder_input(lgc_model_kind kind, size_t latent, size_t n_classes)
{
    const lgc_model_family *f = lgc_model_family_get((int)kind);
    return !f ? 0 : f->conditional ? latent + n_classes : latent;
}

static size_t encoder_spec(const lgc_model_family *f, size_t hidden, size_t out,
                           lgc_layer_spec *spec)
{
    size_t n = 0;
    if (f->conv) {
        SPEC(LGC_L_CONV, hidden / 4, 3, 1);
        SPEC(LGC_L_RELU, 0, 0, 0);
        SPEC(LGC_L_MAXPOOL2, 0, 0, 0);
        SPEC(LGC_L_CONV, hidden / 2, 3, 1);
        SPEC(LGC_L_RELU, 0, 0, 0);
        SPEC(LGC_L_MAXPOOL2, 0, 0, 0);
        SPEC(LGC_L_DENSE, out, 0, 0);
        return n;
    }
    for (int i = 0; i < (f->variational ? 3 : 1); i++) {
        SPEC(LGC_L_DENSE, hidden, 0, 0);
        SPEC(LGC_L_RELU, 0, 0, 0);
    }
    SPEC(LGC_L_DENSE, out, 0, 0);
    if (!f->variational)
        SPEC(LGC_L_RELU, 0, 0, 0); /* the study's AE code is non-negative */
    return n;
}

#undef SPEC

size_t lgc_model_encoder_spec(lgc_model_kind kind, size_t hidden, size_t latent,
                              lgc_layer_spec *spec)
{
    const lgc_model_family *f = lgc_model_family_get((int)kind);
    if (!f || hidden == 0 || latent == 0)
        return 0;
    return encoder_spec(f, hidden, f->variational ? 2 * latent : latent, spec);
}

/* Class planes per class in the encoder input: one value (MLP: the one-hot
 * joins the flattened image) or one h x w plane (conv: constant channels). */
size_t lgc_model_class_reps(const lgc_model *m)
{
    return families[m->kind].conv ? m->h * m->w : 1;
}

lgc_status lgc_model_init(lgc_model *m, lgc_model_kind kind, size_t c, size_t h, size_t w,
                          size_t hidden, size_t latent, size_t n_classes, size_t max_batch,
                          lgc_err *err)
{
    memset(m, 0, sizeof *m);
    const lgc_model_family *f = lgc_model_family_get((int)kind);
    if (!f)
        return lgc_err_set(err, LGC_ERR_ARG, "model: kind %d is not a model", (int)kind);
    if (f->conditional && (n_classes < 1 || n_classes > 255))
        return lgc_err_set(err, LGC_ERR_ARG, "model %s: %zu classes", f->name, n_classes);
    m->kind = kind, m->c = c, m->h = h, m->w = w, m->hidden = hidden, m->latent = latent;
    m->n_classes = n_classes;
    lgc_layer_spec es[LGC_MODEL_MAX_LAYERS], ds[LGC_MODEL_MAX_LAYERS];
    size_t nd = lgc_model_decoder_spec(kind, hidden, latent, c, h, w, ds);
    if (!nd)
        return lgc_err_set(err, LGC_ERR_ARG,
                           "model %s: invalid sizes (hidden %zu, latent %zu, image %zux%zu; "
                           "conv models need sides divisible by 4 and hidden >= 4)",
                           f->name, hidden, latent, h, w);
    m->enc_out = f->variational ? 2 * latent : latent;
    m->dec_in = lgc_model_decoder_input(kind, latent, n_classes);
    size_t ne = encoder_spec(f, hidden, m->enc_out, es);
    size_t ec = c, eh = h, ew = w; /* encoder input shape */
    if (f->conditional && f->conv)
        ec = c + n_classes;
    else if (f->conditional)
        ec = c * h * w + n_classes, eh = 1, ew = 1;
    m->enc_in = ec * eh * ew;
    lgc_status st = lgc_net_init(&m->enc, es, ne, ec, eh, ew, max_batch, err);
    if (st)
        return st;
    st = lgc_net_init(&m->dec, ds, nd, m->dec_in, 1, 1, max_batch, err);
    if (st)
        lgc_net_free(&m->enc);
    return st;
}

void lgc_model_free(lgc_model *m)
{
    if (!m)
        return;
    lgc_net_free(&m->enc);
    lgc_net_free(&m->dec);
}

void lgc_decode_to_u8(lgc_net *dec, const float *z, size_t n, size_t c, size_t h, size_t w,
                      uint8_t *out)
{
    size_t B = dec->max_batch, hw = h * w, L = dec->in_size;
    for (size_t pos = 0; pos < n; pos += B) {
        size_t b = n - pos < B ? n - pos : B;
        const float *logits = lgc_net_forward(dec, z + pos * L, b);
        if (c == 1) { /* planar is interleaved: one run per batch */
            lgc_logits_to_u8(logits, b * hw, out + pos * hw);
            continue;
        }
#pragma omp parallel for schedule(static) if (b > 64)
        for (size_t i = 0; i < b; i++)
            for (size_t p = 0; p < hw; p++)
                for (size_t ch = 0; ch < c; ch++)
                    out[((pos + i) * hw + p) * c + ch] =
                        lgc_logit_to_u8(logits[(i * c + ch) * hw + p]);
    }
}
