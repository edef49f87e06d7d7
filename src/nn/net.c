/* net.c - sequential nets held as data: plan once, then run layer records by a switch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ckd.h"
#include "lgc/nn.h"

/* Conv scratch is bounded: the batch is split into chunks whose im2col
 * buffer holds at most this many floats (4 MiB), so that a chunk's patches
 * are still in cache when its GEMMs read them. Measured on convnet3 (batch
 * 256, its 128-channel 14x14 layer: 4 images a chunk): 7 % faster a step than
 * with 32 MiB (33 images), the same with 2 MiB. paper-cnn's chunk stays its
 * whole batch. */
#define CONV_WS_TARGET ((size_t)1 << 20)

static size_t shape_size(size_t c, size_t h, size_t w) { return c * h * w; }
static void net_backward(lgc_net *net, const float *x, const float *dout, size_t B,
                         int want_dinput, int fresh);

/* Saturating shape product: a layer list read from a file may name any sizes. */
static size_t sat3(size_t c, size_t h, size_t w)
{
    return (size_t)lgc_u64_sat_mul(lgc_u64_sat_mul(c, h), w);
}

/* One layer of the plan: its output shape from *c, *h, *w (updated) and its
 * counts in L. 0 when the layer does not fit its input. */
static int plan_layer(const lgc_layer_spec *sp, size_t *c, size_t *h, size_t *w, lgc_layer *L)
{
    memset(L, 0, sizeof *L);
    L->kind = sp->kind;
    L->in_c = *c, L->in_h = *h, L->in_w = *w;
    switch (sp->kind) {
    case LGC_L_DENSE:
        if (sp->a == 0)
            return 0;
        L->out_c = sp->a, L->out_h = 1, L->out_w = 1;
        L->n_w = (size_t)lgc_u64_sat_mul(sp->a, sat3(*c, *h, *w));
        L->n_b = sp->a;
        break;
    case LGC_L_CONV: {
        size_t K = sp->b, pad = sp->c;
        if (sp->a == 0 || K == 0 || *h + 2 * pad < K || *w + 2 * pad < K)
            return 0;
        L->k = K, L->pad = pad;
        L->out_c = sp->a, L->out_h = *h + 2 * pad - K + 1, L->out_w = *w + 2 * pad - K + 1;
        L->n_w = (size_t)lgc_u64_sat_mul(sp->a, sat3(*c, K, K));
        L->n_b = sp->a;
        break;
    }
    case LGC_L_RELU:
    case LGC_L_SIGMOID:
        L->out_c = *c, L->out_h = *h, L->out_w = *w;
        break;
    case LGC_L_INSTNORM:
        L->out_c = *c, L->out_h = *h, L->out_w = *w;
        L->n_w = *c, L->n_b = *c; /* gamma, beta */
        break;
    case LGC_L_MAXPOOL2:
    case LGC_L_AVGPOOL2:
        if (*h < 2 || *w < 2)
            return 0;
        L->out_c = *c, L->out_h = *h / 2, L->out_w = *w / 2;
        break;
    case LGC_L_UPSAMPLE2:
        L->out_c = *c, L->out_h = (size_t)lgc_u64_sat_mul(2, *h), L->out_w = (size_t)lgc_u64_sat_mul(2, *w);
        break;
    case LGC_L_RESHAPE:
        if (sat3(sp->a, sp->b, sp->c) != sat3(*c, *h, *w))
            return 0;
        L->out_c = sp->a, L->out_h = sp->b, L->out_w = sp->c;
        break;
    default:
        return 0;
    }
    *c = L->out_c, *h = L->out_h, *w = L->out_w;
    return 1;
}

lgc_status lgc_net_plan(const lgc_layer_spec *spec, size_t n_layers, size_t in_c, size_t in_h,
                        size_t in_w, size_t max_batch, lgc_layer *layers, lgc_net_sizes *sz,
                        lgc_err *err)
{
    memset(sz, 0, sizeof *sz);
    if (n_layers == 0 || max_batch == 0 || sat3(in_c, in_h, in_w) == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "net: empty layer list, batch or input shape");
    /* First walk: shapes, parameters, activations; conv chunking needs the
     * largest conv's patch size, so scratch waits for the second walk. */
    size_t c = in_c, h = in_h, w = in_w, max_patch = 1;
    for (size_t i = 0; i < n_layers; i++) {
        lgc_layer tmp, *L = layers ? &layers[i] : &tmp;
        size_t pc = c, ph = h, pw = w;
        if (!plan_layer(&spec[i], &c, &h, &w, L))
            return lgc_err_set(err, LGC_ERR_ARG,
                               "net: layer %zu (kind %d) does not fit its input of shape "
                               "%zux%zux%zu",
                               i, spec[i].kind, pc, ph, pw);
        size_t out = sat3(L->out_c, L->out_h, L->out_w);
        if (L->kind == LGC_L_CONV) {
            size_t patch = (size_t)lgc_u64_sat_mul(
                sat3(1, L->out_h, L->out_w),
                lgc_u64_sat_add(sat3(pc, L->k, L->k), L->out_c));
            max_patch = patch > max_patch ? patch : max_patch;
        }
        if (L->kind == LGC_L_MAXPOOL2) {
            L->arg_off = sz->n_args;
            sz->n_args = lgc_u64_sat_add(sz->n_args, lgc_u64_sat_mul(max_batch, out));
        }
        L->w_off = sz->n_params;
        sz->n_params = lgc_u64_sat_add(sz->n_params, L->n_w);
        L->b_off = sz->n_params;
        sz->n_params = lgc_u64_sat_add(sz->n_params, L->n_b);
        L->act_off = sz->n_acts;
        sz->n_acts = lgc_u64_sat_add(sz->n_acts, lgc_u64_sat_mul(max_batch, out));
    }
    sz->out_size = sat3(c, h, w);
    sz->conv_chunk = CONV_WS_TARGET / max_patch;
    if (sz->conv_chunk < 1)
        sz->conv_chunk = 1;
    if (sz->conv_chunk > max_batch)
        sz->conv_chunk = max_batch;
    /* Second walk: scratch (conv patches per chunk, instnorm statistics). */
    c = in_c, h = in_h, w = in_w;
    for (size_t i = 0; i < n_layers; i++) {
        lgc_layer tmp, *L = layers ? &layers[i] : &tmp;
        if (!layers)
            plan_layer(&spec[i], &c, &h, &w, L);
        if (L->kind == LGC_L_CONV) {
            L->ws_off = sz->n_ws;
            sz->n_ws = lgc_u64_sat_add(sz->n_ws, lgc_conv2d_ws_floats(sz->conv_chunk, L->in_c,
                                                                    L->in_h, L->in_w, L->out_c,
                                                                    L->k, L->pad));
        } else if (L->kind == LGC_L_INSTNORM) {
            L->ws_off = sz->n_ws;
            sz->n_ws = lgc_u64_sat_add(sz->n_ws, lgc_u64_sat_mul(2 * max_batch, L->in_c));
        }
    }
    /* what lgc_net_init allocates: params, grads, Adam m and v; acts and
     * dacts; dinput; args (uint32); ws */
    uint64_t floats = lgc_u64_sat_mul(4, sz->n_params);
    floats = lgc_u64_sat_add(floats, lgc_u64_sat_mul(2, sz->n_acts));
    floats = lgc_u64_sat_add(floats, lgc_u64_sat_mul(max_batch, sat3(in_c, in_h, in_w)));
    floats = lgc_u64_sat_add(floats, sz->n_ws);
    sz->bytes = lgc_u64_sat_add(lgc_u64_sat_mul(floats, sizeof(float)),
                                lgc_u64_sat_mul(sz->n_args, sizeof(uint32_t)));
    return LGC_OK;
}

lgc_status lgc_net_init(lgc_net *net, const lgc_layer_spec *spec, size_t n_layers, size_t in_c,
                        size_t in_h, size_t in_w, size_t max_batch, lgc_err *err)
{
    memset(net, 0, sizeof *net);
    if (n_layers == 0 || max_batch == 0 || in_c * in_h * in_w == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "net: empty layer list, batch or input shape");
    net->layers = calloc(n_layers, sizeof *net->layers);
    net->spec = malloc(n_layers * sizeof *net->spec);
    if (!net->layers || !net->spec) {
        lgc_net_free(net);
        return lgc_err_set(err, LGC_ERR_NOMEM, "net: out of memory");
    }
    memcpy(net->spec, spec, n_layers * sizeof *spec);
    net->n_layers = n_layers;
    net->in_c = in_c, net->in_h = in_h, net->in_w = in_w;
    net->in_size = shape_size(in_c, in_h, in_w);
    net->max_batch = max_batch;
    lgc_net_sizes sz;
    lgc_status st = lgc_net_plan(spec, n_layers, in_c, in_h, in_w, max_batch, net->layers, &sz,
                                 err);
    if (st) {
        lgc_net_free(net);
        return st;
    }
    if (sz.bytes == UINT64_MAX || sz.bytes > SIZE_MAX) {
        lgc_net_free(net);
        return lgc_err_set(err, LGC_ERR_NOMEM, "net: sizes overflow for a batch of %zu",
                           max_batch);
    }
    net->n_params = sz.n_params, net->n_acts = sz.n_acts, net->n_args = sz.n_args;
    net->n_ws = sz.n_ws, net->out_size = sz.out_size, net->conv_chunk = sz.conv_chunk;
    size_t np = net->n_params ? net->n_params : 1;
    net->params = calloc(np, sizeof(float));
    net->grads = calloc(np, sizeof(float));
    net->adam_m = calloc(np, sizeof(float));
    net->adam_v = calloc(np, sizeof(float));
    net->acts = calloc(net->n_acts, sizeof(float));
    net->dacts = calloc(net->n_acts, sizeof(float));
    net->dinput = calloc(max_batch * net->in_size, sizeof(float));
    net->args = calloc(net->n_args ? net->n_args : 1, sizeof(uint32_t));
    net->ws = calloc(net->n_ws ? net->n_ws : 1, sizeof(float));
    if (!net->params || !net->grads || !net->adam_m || !net->adam_v || !net->acts ||
        !net->dacts || !net->dinput || !net->args || !net->ws) {
        lgc_net_free(net);
        return lgc_err_set(err, LGC_ERR_NOMEM, "net: out of memory for a batch of %zu",
                           max_batch);
    }
    return LGC_OK;
}

void lgc_net_free(lgc_net *net)
{
    if (!net)
        return;
    free(net->layers);
    free(net->spec);
    if (!net->shares_params)
        free(net->params);
    free(net->grads);
    free(net->adam_m);
    free(net->adam_v);
    free(net->acts);
    free(net->dacts);
    free(net->dinput);
    free(net->args);
    free(net->ws);
    memset(net, 0, sizeof *net);
}

void lgc_net_init_params(lgc_net *net, lgc_rng *r)
{
    for (size_t i = 0; i < net->n_layers; i++) {
        const lgc_layer *L = &net->layers[i];
        if (!L->n_w)
            continue;
        if (L->kind == LGC_L_INSTNORM) {
            for (size_t j = 0; j < L->n_w; j++)
                net->params[L->w_off + j] = 1.0f, net->params[L->b_off + j] = 0.0f;
            continue;
        }
        size_t fan_in = L->n_w / L->out_c;
        double bound = 1.0 / sqrt((double)fan_in);
        for (size_t j = 0; j < L->n_w; j++)
            net->params[L->w_off + j] = (float)((2.0 * lgc_rng_uniform(r) - 1.0) * bound);
        for (size_t j = 0; j < L->n_b; j++)
            net->params[L->b_off + j] = (float)((2.0 * lgc_rng_uniform(r) - 1.0) * bound);
    }
    net->adam_t = 0;
    memset(net->adam_m, 0, net->n_params * sizeof(float));
    memset(net->adam_v, 0, net->n_params * sizeof(float));
}

const float *lgc_net_forward(lgc_net *net, const float *x, size_t B)
{
    const float *in = x;
    for (size_t i = 0; i < net->n_layers; i++) {
        const lgc_layer *L = &net->layers[i];
        float *out = net->acts + L->act_off;
        const float *W = net->params + L->w_off, *bias = net->params + L->b_off;
        size_t n_in = B * shape_size(L->in_c, L->in_h, L->in_w);
        switch (L->kind) {
        case LGC_L_DENSE:
            lgc_dense_forward(out, in, W, bias, B, shape_size(L->in_c, L->in_h, L->in_w), L->out_c);
            break;
        case LGC_L_CONV:
            lgc_conv2d_forward(out, in, W, bias, net->ws + L->ws_off, B, L->in_c, L->in_h, L->in_w, L->out_c,
                               L->k, L->pad, net->conv_chunk);
            break;
        case LGC_L_INSTNORM:
            lgc_instnorm_forward(out, net->ws + L->ws_off, in, W, bias, B, L->in_c,
                                 L->in_h * L->in_w);
            break;
        case LGC_L_RELU:
            lgc_relu_forward(out, in, n_in);
            break;
        case LGC_L_SIGMOID:
            lgc_sigmoid_forward(out, in, n_in);
            break;
        case LGC_L_MAXPOOL2:
            lgc_maxpool2_forward(out, net->args + L->arg_off, in, B, L->in_c, L->in_h, L->in_w);
            break;
        case LGC_L_AVGPOOL2:
            lgc_avgpool2_forward(out, in, B, L->in_c, L->in_h, L->in_w);
            break;
        case LGC_L_UPSAMPLE2:
            lgc_upsample2_forward(out, in, B, L->in_c, L->in_h, L->in_w);
            break;
        case LGC_L_RESHAPE:
            memcpy(out, in, n_in * sizeof *out);
            break;
        }
        in = out;
    }
    return in;
}

void lgc_net_backward(lgc_net *net, const float *x, const float *dout, size_t B, int want_dinput)
{
    net_backward(net, x, dout, B, want_dinput, 0);
}

void lgc_net_backward_fresh(lgc_net *net, const float *x, const float *dout, size_t B,
                            int want_dinput)
{
    if (B == 0) { /* nothing would be written */
        lgc_net_zero_grad(net);
        return;
    }
    net_backward(net, x, dout, B, want_dinput, 1);
}

/* fresh: the gradients are written, not added to (dense layers by their GEMM's
 * beta, the others zeroed just before their own backward). */
static void net_backward(lgc_net *net, const float *x, const float *dout, size_t B,
                         int want_dinput, int fresh)
{
    /* Zero only the first B samples of each layer's gradient block. */
    for (size_t i = 0; i < net->n_layers; i++) {
        const lgc_layer *L = &net->layers[i];
        memset(net->dacts + L->act_off, 0, B * shape_size(L->out_c, L->out_h, L->out_w) * sizeof(float));
    }
    if (want_dinput)
        memset(net->dinput, 0, B * net->in_size * sizeof(float));
    /* The last layer's output gradient is dout itself. */
    for (size_t i = net->n_layers; i-- > 0;) {
        const lgc_layer *L = &net->layers[i];
        const float *out = net->acts + L->act_off;
        const float *g = (i + 1 == net->n_layers) ? dout : net->dacts + L->act_off;
        const float *in = i ? net->acts + net->layers[i - 1].act_off : x;
        float *din = i ? net->dacts + net->layers[i - 1].act_off : (want_dinput ? net->dinput : NULL);
        const float *W = net->params + L->w_off;
        float *dW = net->grads + L->w_off, *db = net->grads + L->b_off;
        size_t n_in = B * shape_size(L->in_c, L->in_h, L->in_w);
        if (fresh && L->kind != LGC_L_DENSE) { /* dense layers write theirs (n_b = out_c) */
            memset(dW, 0, L->n_w * sizeof *dW);
            memset(db, 0, L->n_b * sizeof *db);
        }
        switch (L->kind) {
        case LGC_L_DENSE:
            lgc_dense_backward_ex(din, dW, db, g, in, W, B, shape_size(L->in_c, L->in_h, L->in_w),
                                  L->out_c, fresh);
            break;
        case LGC_L_CONV:
            lgc_conv2d_backward_ex(din, dW, db, g, in, W, net->ws + L->ws_off, B, L->in_c, L->in_h,
                                   L->in_w, L->out_c, L->k, L->pad, net->conv_chunk,
                                   B <= net->conv_chunk);
            break;
        case LGC_L_INSTNORM:
            lgc_instnorm_backward(din, dW, db, g, in, net->ws + L->ws_off, W, B, L->in_c,
                                  L->in_h * L->in_w);
            break;
        case LGC_L_RELU:
            if (din)
                lgc_relu_backward(din, g, out, n_in);
            break;
        case LGC_L_SIGMOID:
            if (din)
                lgc_sigmoid_backward(din, g, out, n_in);
            break;
        case LGC_L_MAXPOOL2:
            if (din)
                lgc_maxpool2_backward(din, g, net->args + L->arg_off, B, L->in_c, L->in_h, L->in_w);
            break;
        case LGC_L_AVGPOOL2:
            if (din)
                lgc_avgpool2_backward(din, g, B, L->in_c, L->in_h, L->in_w);
            break;
        case LGC_L_UPSAMPLE2:
            if (din)
                lgc_upsample2_backward(din, g, B, L->in_c, L->in_h, L->in_w);
            break;
        case LGC_L_RESHAPE:
            if (din)
                for (size_t j = 0; j < n_in; j++)
                    din[j] += g[j];
            break;
        }
    }
}

lgc_status lgc_net_example_norms(const lgc_net *net, const float *x, const float *dout, size_t B,
                                 double *norm2, lgc_err *err)
{
    for (size_t i = 0; i < net->n_layers; i++) {
        const lgc_layer *L = &net->layers[i];
        if (L->kind == LGC_L_CONV || L->kind == LGC_L_INSTNORM)
            return lgc_err_set(err, LGC_ERR_ARG, "per-example norms: layer %zu has parameters "
                               "that are not a dense layer's", i);
        if (L->kind != LGC_L_DENSE)
            continue;
        size_t ni = shape_size(L->in_c, L->in_h, L->in_w), no = L->out_c;
        const float *g = (i + 1 == net->n_layers) ? dout : net->dacts + L->act_off;
        const float *in = i ? net->acts + net->layers[i - 1].act_off : x;
        for (size_t b = 0; b < B; b++) {
            double gg = 0.0, aa = 1.0; /* the bias: an input that is always 1 */
            for (size_t o = 0; o < no; o++)
                gg += (double)g[b * no + o] * g[b * no + o];
            for (size_t j = 0; j < ni; j++)
                aa += (double)in[b * ni + j] * in[b * ni + j];
            norm2[b] += gg * aa;
        }
    }
    return LGC_OK;
}

lgc_status lgc_net_init_replica(lgc_net *rep, const lgc_net *master, size_t max_batch,
                                lgc_err *err)
{
    lgc_status st = lgc_net_init(rep, master->spec, master->n_layers, master->in_c, master->in_h,
                                 master->in_w, max_batch, err);
    if (st)
        return st;
    free(rep->params);
    rep->params = master->params;
    rep->shares_params = 1;
    return LGC_OK;
}

void lgc_net_add_grads(lgc_net *dst, const lgc_net *src)
{
    /* serial: lgc_shards_add_grads sums large nets' replicas on the threads itself */
    for (size_t i = 0; i < dst->n_params; i++)
        dst->grads[i] += src->grads[i];
}

void lgc_net_zero_grad(lgc_net *net) { memset(net->grads, 0, net->n_params * sizeof(float)); }

void lgc_net_adam_step(lgc_net *net, float lr, float beta1, float beta2, float eps)
{
    net->adam_t++;
    lgc_adam_update(net->params, net->grads, net->adam_m, net->adam_v, net->n_params, lr, beta1,
                    beta2, eps, net->adam_t);
}

void lgc_net_describe(const lgc_net *net, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < net->n_layers && used < n; i++) {
        const lgc_layer *L = &net->layers[i];
        int k = 0;
        const char *sep = i ? " " : "";
        switch (L->kind) {
        case LGC_L_DENSE: k = snprintf(buf + used, n - used, "%sdense(%zu)", sep, L->out_c); break;
        case LGC_L_CONV:
            k = snprintf(buf + used, n - used, "%sconv(%zu,k%zu,p%zu)", sep, L->out_c, L->k, L->pad);
            break;
        case LGC_L_INSTNORM: k = snprintf(buf + used, n - used, "%sinstnorm", sep); break;
        case LGC_L_RELU: k = snprintf(buf + used, n - used, "%srelu", sep); break;
        case LGC_L_SIGMOID: k = snprintf(buf + used, n - used, "%ssigmoid", sep); break;
        case LGC_L_MAXPOOL2: k = snprintf(buf + used, n - used, "%smaxpool2", sep); break;
        case LGC_L_AVGPOOL2: k = snprintf(buf + used, n - used, "%savgpool2", sep); break;
        case LGC_L_UPSAMPLE2: k = snprintf(buf + used, n - used, "%supsample2", sep); break;
        case LGC_L_RESHAPE:
            k = snprintf(buf + used, n - used, "%sreshape(%zux%zux%zu)", sep, L->out_c, L->out_h,
                         L->out_w);
            break;
        }
        if (k < 0)
            break;
        used += (size_t)k;
    }
}
