/* checkpoint.c - training state saved after every epoch and resumed from
 * (lgc compress --checkpoint): an .lgc container of its own whose keys say
 * what it was made from, so that only a run of the same inputs and options
 * resumes it, to the same package bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "codec_internal.h"
#include "keys.h"

void codec_ckpt_id_make(ckpt_id *id, const lgc_dataset *d, const lgc_compress_opts *o)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t img = d->x.c * d->x.h * d->x.w;
    /* crc32 takes uInt lengths: feed the pixels in pieces */
    for (size_t off = 0, total = d->x.n * img; off < total; off += (size_t)1 << 30) {
        size_t len = total - off < ((size_t)1 << 30) ? total - off : ((size_t)1 << 30);
        crc = crc32(crc, d->x.pix + off, (uInt)len);
    }
    crc = crc32(crc, d->y.y, (uInt)d->x.n);
    id->data_crc = crc, id->n = d->x.n, id->seed = o->train.seed, id->batch = o->train.batch;
    id->hidden = o->hidden, id->latent = o->latent, id->lr = o->train.lr;
    id->kind = lgc_model_name(o->model);
    id->loss = o->train.loss == LGC_LOSS_MSE ? "mse" : "bce";
}

static lgc_status put_net_state(lgc_pkg *p, const char *prefix, const lgc_net *net, lgc_err *err)
{
    char name[32];
    uint64_t shape[1] = {net->n_params};
    const float *parts[3] = {net->params, net->adam_m, net->adam_v};
    const char *suffix[3] = {"params", "adam_m", "adam_v"};
    lgc_status st;
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, TENSOR_CKPT_STATE, prefix, suffix[i]);
        if ((st = lgc_pkg_add_tensor_f32(p, name, LGC_DT_F32, 1, shape, parts[i], err)))
            return st;
    }
    snprintf(name, sizeof name, KEY_CKPT_ADAM_T, prefix);
    return lgc_pkg_set_u64(p, name, (uint64_t)net->adam_t, err);
}

lgc_status codec_ckpt_save(void *ctx, const lgc_model *m, size_t epochs_done, lgc_err *err)
{
    const ckpt_ctx *c = ctx;
    lgc_pkg *p = lgc_pkg_new();
    if (!p)
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", c->path);
    lgc_status st;
    if ((st = lgc_pkg_set_str(p, KEY_CKPT, "training state", err)) ||
        (st = lgc_pkg_set_u64(p, KEY_CKPT_EPOCHS_DONE, epochs_done, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_CKPT_DATA_CRC, c->id.data_crc, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_CKPT_N, c->id.n, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_CKPT_SEED, c->id.seed, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_CKPT_BATCH, c->id.batch, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_CKPT_HIDDEN, c->id.hidden, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_CKPT_LATENT, c->id.latent, err)) ||
        (st = lgc_pkg_set_f64(p, KEY_CKPT_LR, c->id.lr, err)) ||
        (st = lgc_pkg_set_str(p, KEY_CKPT_KIND, c->id.kind, err)) ||
        (st = lgc_pkg_set_str(p, KEY_CKPT_LOSS, c->id.loss, err)) ||
        (st = put_net_state(p, "enc", &m->enc, err)) ||
        (st = put_net_state(p, "dec", &m->dec, err)) ||
        (*c->n_loss && (st = lgc_pkg_set_f64_array(p, KEY_CKPT_LOSS_CURVE, c->loss, *c->n_loss, err))))
        goto done;
    st = lgc_pkg_write_file(p, c->path, 1, err);
done:
    lgc_pkg_free(p);
    return st;
}

static lgc_status get_net_state(const lgc_pkg *p, const char *path, const char *prefix,
                                lgc_net *net, lgc_err *err)
{
    char name[32];
    float *parts[3] = {net->params, net->adam_m, net->adam_v};
    const char *suffix[3] = {"params", "adam_m", "adam_v"};
    lgc_status st;
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, TENSOR_CKPT_STATE, prefix, suffix[i]);
        const lgc_pkg_tensor *t = lgc_pkg_find(p, name);
        if (!t || t->dtype != LGC_DT_F32 || t->rank != 1 || t->shape[0] != net->n_params)
            return lgc_err_set(err, LGC_ERR_FORMAT,
                               "%s: checkpoint tensor %s is missing or not %zu float32 values", path,
                               name, net->n_params);
        if ((st = lgc_pkg_tensor_to_f32(t, parts[i], err)))
            return st;
    }
    uint64_t t64;
    snprintf(name, sizeof name, KEY_CKPT_ADAM_T, prefix);
    if ((st = lgc_pkg_get_u64(p, name, &t64, err)))
        return st;
    net->adam_t = (long)t64;
    return LGC_OK;
}

lgc_status codec_ckpt_load(const ckpt_ctx *c, lgc_model *m, size_t epochs, size_t *epochs_done,
                            lgc_err *err)
{
    *epochs_done = 0;
    if (access(c->path, F_OK) != 0)
        return LGC_OK;
    lgc_pkg *p = NULL;
    lgc_status st = lgc_pkg_read_file(c->path, NULL, &p, err);
    if (st)
        return st;
    uint64_t v[7], done;
    double lr;
    const char *kind, *loss;
    static const char *const keys[7] = {KEY_CKPT_DATA_CRC, KEY_CKPT_N,      KEY_CKPT_SEED,  KEY_CKPT_BATCH,
                                        KEY_CKPT_HIDDEN,   KEY_CKPT_LATENT, KEY_CKPT_EPOCHS_DONE};
    for (int i = 0; i < 7; i++)
        if ((st = lgc_pkg_get_u64(p, keys[i], &v[i], err)))
            goto done;
    if ((st = lgc_pkg_get_f64(p, KEY_CKPT_LR, &lr, err)) ||
        (st = lgc_pkg_get_str(p, KEY_CKPT_KIND, &kind, err)) ||
        (st = lgc_pkg_get_str(p, KEY_CKPT_LOSS, &loss, err)))
        goto done;
    if (v[0] != c->id.data_crc || v[1] != c->id.n || v[2] != c->id.seed || v[3] != c->id.batch ||
        v[4] != c->id.hidden || v[5] != c->id.latent || lr != c->id.lr ||
        strcmp(kind, c->id.kind) != 0 || strcmp(loss, c->id.loss) != 0) {
        st = lgc_err_set(err, LGC_ERR_VALUE,
                         "%s: checkpoint was made from other images, labels or training options; "
                         "remove it or choose another --checkpoint folder",
                         c->path);
        goto done;
    }
    done = v[6];
    if (done > epochs) {
        st = lgc_err_set(err, LGC_ERR_VALUE, "%s: checkpoint has %llu epochs done, more than the "
                         "%zu asked for", c->path, (unsigned long long)done, epochs);
        goto done;
    }
    if ((st = get_net_state(p, c->path, "enc", &m->enc, err)) ||
        (st = get_net_state(p, c->path, "dec", &m->dec, err)))
        goto done;
    const lgc_pkg_kv *lc = lgc_pkg_find_kv(p, KEY_CKPT_LOSS_CURVE);
    if (lc && lc->type == LGC_KV_F64_ARRAY && lc->n == done && lc->n <= c->cap_loss) {
        memcpy(c->loss, lc->v.f64s, lc->n * sizeof *c->loss);
        *c->n_loss = lc->n;
    }
    *epochs_done = (size_t)done;
done:
    lgc_pkg_free(p);
    return st;
}

