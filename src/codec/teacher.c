/* teacher.c - the optional teacher of a package (docs/FORMAT.md §10.3): a
 * small classifier trained on the real set, stored as its layer list and
 * int8 weights, whose probabilities become the soft labels of a regenerated
 * set. The writer beside the reader; the reader trusts nothing it reads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "keys.h"
#include "lgc/pixels.h"

#define TEACHER_MAX_LAYERS 32
#define TEACHER_MAX_WIDTH 4096 /* channels or units of one layer */
#define TEACHER_MAX_KERNEL 11
#define TEACHER_BATCH 256
#define TEACHER_MAX_BYTES ((uint64_t)1 << 30) /* what opening one may allocate */

/* a weight tensor's shape: conv (OC, C, K, K), dense (OC, C*H*W) */
static int weight_shape(const lgc_layer *L, uint64_t *shape)
{
    shape[0] = L->out_c;
    if (L->kind == LGC_L_CONV) {
        shape[1] = L->in_c, shape[2] = L->k, shape[3] = L->k;
        return 4;
    }
    shape[1] = L->in_c * L->in_h * L->in_w;
    return 2;
}

lgc_status lgc_codec_put_teacher(lgc_pkg *p, const lgc_net *net, const char *kind, lgc_err *err)
{
    if (!net->spec || net->n_layers > TEACHER_MAX_LAYERS)
        return lgc_err_set(err, LGC_ERR_ARG, "compress: the teacher has no layer list to store");
    uint64_t layers[4 * TEACHER_MAX_LAYERS];
    for (size_t i = 0; i < net->n_layers; i++) {
        const lgc_layer_spec *s = &net->spec[i];
        layers[4 * i] = (uint64_t)s->kind, layers[4 * i + 1] = s->a;
        layers[4 * i + 2] = s->b, layers[4 * i + 3] = s->c;
    }
    lgc_status st;
    if ((st = lgc_pkg_set_str(p, KEY_TEACHER_KIND, kind, err)) ||
        (st = lgc_pkg_set_u64_array(p, KEY_TEACHER_LAYERS, layers, 4 * net->n_layers, err)))
        return st;
    char name[48];
    for (size_t i = 0; i < net->n_layers; i++) {
        const lgc_layer *L = &net->layers[i];
        if (!L->n_w)
            continue;
        uint64_t ws[4], bs[1] = {L->n_b};
        int rank = weight_shape(L, ws);
        snprintf(name, sizeof name, TENSOR_TEACHER_W, i);
        if ((st = codec_put_weights_i8(p, name, rank, ws, net->params + L->w_off, L->out_c,
                                       L->n_w / L->out_c, err)))
            return st;
        snprintf(name, sizeof name, TENSOR_TEACHER_B, i);
        if ((st = lgc_pkg_add_tensor_f32(p, name, LGC_DT_F16, 1, bs, net->params + L->b_off,
                                         err)))
            return st;
    }
    return LGC_OK;
}

/* One stored layer: a kind a teacher may use, with sizes in bounds and the
 * integers it does not use at 0. */
static int layer_ok(const uint64_t *l)
{
    switch (l[0]) {
    case LGC_L_CONV:
        return l[1] >= 1 && l[1] <= TEACHER_MAX_WIDTH && l[2] >= 1 && l[2] <= TEACHER_MAX_KERNEL &&
               l[3] <= l[2] / 2;
    case LGC_L_DENSE:
        return l[1] >= 1 && l[1] <= TEACHER_MAX_WIDTH && !l[2] && !l[3];
    case LGC_L_RELU:
    case LGC_L_MAXPOOL2:
    case LGC_L_AVGPOOL2:
        return !l[1] && !l[2] && !l[3];
    default:
        return 0;
    }
}

lgc_status lgc_codec_get_teacher(const lgc_pkg *p, const char *what, size_t c, size_t h, size_t w,
                                 size_t n_classes, lgc_net *net, int *has, lgc_err *err)
{
    memset(net, 0, sizeof *net);
    *has = 0;
    const uint64_t *l = NULL;
    size_t n4 = 0;
    if (!lgc_pkg_find_kv(p, KEY_TEACHER_LAYERS))
        return LGC_OK;
    lgc_err ek;
    if (lgc_pkg_get_u64_array(p, KEY_TEACHER_LAYERS, &l, &n4, &ek))
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: key '%s' is not a list of integers", what,
                           KEY_TEACHER_LAYERS);
    size_t n = n4 / 4;
    if (n4 % 4 || n < 1 || n > TEACHER_MAX_LAYERS)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: %s holds %zu numbers, not 4 for each of 1..%d "
                           "layers", what, KEY_TEACHER_LAYERS, n4, TEACHER_MAX_LAYERS);
    lgc_layer_spec spec[TEACHER_MAX_LAYERS];
    for (size_t i = 0; i < n; i++) {
        if (!layer_ok(l + 4 * i))
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: teacher layer %zu (kind %llu) is not one a "
                               "teacher may have", what, i, (unsigned long long)l[4 * i]);
        spec[i] = (lgc_layer_spec){(int)l[4 * i], l[4 * i + 1], l[4 * i + 2], l[4 * i + 3]};
    }
    lgc_net_sizes sz;
    lgc_status st;
    if ((st = lgc_net_plan(spec, n, c, h, w, TEACHER_BATCH, NULL, &sz, &ek)))
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: the teacher's layers: %s", what, ek.msg);
    if (sz.out_size != n_classes)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: the teacher has %zu outputs for %zu classes",
                           what, sz.out_size, n_classes);
    if (sz.bytes > TEACHER_MAX_BYTES)
        return lgc_err_set(err, LGC_ERR_LIMIT, "%s: opening the teacher needs %llu bytes, above "
                           "its cap of %llu", what, (unsigned long long)sz.bytes,
                           (unsigned long long)TEACHER_MAX_BYTES);
    if ((st = lgc_net_init(net, spec, n, c, h, w, TEACHER_BATCH, &ek)))
        return lgc_err_set(err, st, "%s: the teacher: %s", what, ek.msg);
    char name[48];
    for (size_t i = 0; i < net->n_layers && !st; i++) {
        const lgc_layer *L = &net->layers[i];
        if (!L->n_w)
            continue;
        uint64_t ws[4], bs[1] = {L->n_b};
        int rank = weight_shape(L, ws);
        snprintf(name, sizeof name, TENSOR_TEACHER_W, i);
        st = codec_get_f32_ex(p, what, name, rank, ws, net->params + L->w_off, 1, err);
        snprintf(name, sizeof name, TENSOR_TEACHER_B, i);
        if (!st)
            st = codec_get_f32_ex(p, what, name, 1, bs, net->params + L->b_off, 0, err);
    }
    if (st) {
        lgc_net_free(net);
        return st;
    }
    *has = 1;
    return LGC_OK;
}

lgc_status lgc_codec_teach(lgc_net *net, const lgc_images *x, size_t K, float *probs,
                           lgc_err *err)
{
    if (x->c != net->in_c || x->h != net->in_h || x->w != net->in_w || net->out_size != K)
        return lgc_err_set(err, LGC_ERR_ARG, "teacher: images or classes do not fit it");
    size_t in = net->in_size, B = net->max_batch; /* a judge's net may take smaller batches */
    float *buf = malloc(B * in * sizeof *buf);
    if (!buf)
        return lgc_err_set(err, LGC_ERR_NOMEM, "teacher: out of memory");
    for (size_t i0 = 0; i0 < x->n; i0 += B) {
        size_t b = x->n - i0 < B ? x->n - i0 : B;
        lgc_images_to_nchw(buf, x->pix + i0 * in, NULL, b, x->h, x->w, x->c);
        const float *z = lgc_net_forward(net, buf, b);
        for (size_t i = 0; i < b; i++)
            lgc_softmax_row(probs + (i0 + i) * K, z + i * K, K);
    }
    free(buf);
    return LGC_OK;
}
