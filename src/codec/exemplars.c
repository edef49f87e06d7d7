/* exemplars.c - the real images of a hybrid package (docs/FORMAT.md §10.4):
 * stored as they are (u8, the data section's zstd packs them), read back
 * checked, and mixed into decompressed output at evenly spaced positions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "keys.h"

lgc_status lgc_codec_put_exemplars(lgc_pkg *p, const lgc_images *x, const uint8_t *labels,
                                   double share, const char *method, lgc_err *err)
{
    if (!x->n || !(share > 0.0 && share <= 1.0))
        return lgc_err_set(err, LGC_ERR_ARG, "compress: exemplars need at least one image and a "
                           "share in (0, 1], not %zu images at %g", x->n, share);
    uint64_t ishape[4] = {x->n, x->h, x->w, x->c}, lshape[1] = {x->n};
    lgc_status st;
    if ((st = lgc_pkg_set_str(p, KEY_EXEMPLARS_METHOD, method, err)) ||
        (st = lgc_pkg_set_f64(p, KEY_EXEMPLARS_SHARE, share, err)) ||
        (st = lgc_pkg_add_tensor(p, TENSOR_EXEMPLARS_IMAGES, LGC_DT_U8, 4, ishape, x->pix, err)) ||
        (st = lgc_pkg_add_tensor(p, TENSOR_EXEMPLARS_LABELS, LGC_DT_U8, 1, lshape, labels, err)))
        return st;
    return lgc_pkg_set_features(p, lgc_pkg_features(p) | LGC_PKG_FLAG_EXEMPLARS, err);
}

lgc_status codec_get_exemplars(lgc_codec *c, const lgc_pkg *p, const char *what,
                               uint64_t max_bytes, lgc_err *err)
{
    int flag = (lgc_pkg_features(p) & LGC_PKG_FLAG_EXEMPLARS) != 0;
    const lgc_pkg_tensor *ti = lgc_pkg_find(p, TENSOR_EXEMPLARS_IMAGES);
    const lgc_pkg_tensor *tl = lgc_pkg_find(p, TENSOR_EXEMPLARS_LABELS);
    int any = ti || tl || lgc_pkg_find_kv(p, KEY_EXEMPLARS_SHARE);
    if (!flag && !any)
        return LGC_OK;
    if (!flag)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: exemplar keys without the required flag "
                           "0x%08x (real images)", what, LGC_PKG_FLAG_EXEMPLARS);
    if (!ti || !tl)
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: the required flag 0x%08x says the package "
                           "holds real images, but tensor %s is missing", what,
                           LGC_PKG_FLAG_EXEMPLARS,
                           ti ? TENSOR_EXEMPLARS_LABELS : TENSOR_EXEMPLARS_IMAGES);
    uint64_t k = ti->shape[0];
    if (ti->dtype != LGC_DT_U8 || ti->rank != 4 || k < 1 || k > UINT32_MAX ||
        ti->shape[1] != c->h || ti->shape[2] != c->w || ti->shape[3] != c->c)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: tensor %s must be u8 (k >= 1, %zu, %zu, %zu)",
                           what, TENSOR_EXEMPLARS_IMAGES, c->h, c->w, c->c);
    if (tl->dtype != LGC_DT_U8 || tl->rank != 1 || tl->shape[0] != k)
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: tensor %s must be u8 (%llu)", what,
                           TENSOR_EXEMPLARS_LABELS, (unsigned long long)k);
    double share;
    lgc_status st = lgc_pkg_get_f64(p, KEY_EXEMPLARS_SHARE, &share, err);
    if (st)
        return st;
    if (!(share > 0.0 && share <= 1.0))
        return lgc_err_set(err, LGC_ERR_VALUE, "%s: %s = %g, must be in (0, 1]", what,
                           KEY_EXEMPLARS_SHARE, share);
    const uint8_t *lab = tl->data;
    for (uint64_t i = 0; i < k; i++)
        if (lab[i] >= c->n_classes)
            return lgc_err_set(err, LGC_ERR_VALUE, "%s: %s[%llu] = %u, but there are %zu classes",
                               what, TENSOR_EXEMPLARS_LABELS, (unsigned long long)i, lab[i],
                               c->n_classes);
    if (ti->n_bytes + k > max_bytes)
        return lgc_err_set(err, LGC_ERR_LIMIT, "%s: its %llu real images need %zu bytes, above "
                           "the cap of %llu", what, (unsigned long long)k, ti->n_bytes + (size_t)k,
                           (unsigned long long)max_bytes);
    if (!(c->ex_pix = malloc(ti->n_bytes)) || !(c->ex_lab = malloc(k)))
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", what);
    memcpy(c->ex_pix, ti->data, ti->n_bytes);
    memcpy(c->ex_lab, lab, k);
    c->n_ex = (size_t)k, c->ex_share = share;
    return LGC_OK;
}

size_t lgc_codec_exemplar_count(const lgc_codec *c, size_t N)
{
    if (!c->n_ex)
        return 0;
    double r = floor(c->ex_share * (double)N + 0.5);
    return r >= (double)N ? N : (size_t)r;
}

/* Output positions [start, start + nb) of N, R of them real: position p is
 * the r-th real one, r = floor(p R / N), when floor((p + 1) R / N) > r, so the
 * R real images sit evenly through the output (which is already in random
 * order) and each block knows its own without counting the ones before it.
 * The r-th real image is exemplar perm[r mod k]: every one used equally
 * often, within one. N < 2^32 keeps the products in 64 bits. */
void codec_mix_exemplars(const lgc_codec *c, const uint32_t *perm, size_t N, size_t R,
                         size_t start, size_t nb, uint8_t *pix, uint8_t *lab)
{
    size_t img = c->h * c->w * c->c;
    for (size_t i = 0; i < nb; i++) {
        uint64_t p = start + i, r = p * R / N;
        if ((p + 1) * R / N == r)
            continue;
        size_t e = perm[r % c->n_ex];
        memcpy(pix + i * img, c->ex_pix + e * img, img);
        lab[i] = c->ex_lab[e];
    }
}
