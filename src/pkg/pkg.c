/* pkg.c - the in-memory package: key-values, tensors, conversions, info. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lgc/f16.h"
#include "pkg/pkg_internal.h"

const uint8_t lgc_pkg_magic[8] = {0x89, 'L', 'G', 'C', '\r', '\n', 0x1a, '\n'};

void lgc_pkg_limits_default(lgc_pkg_limits *lim)
{
    lim->max_kv = LGC_PKG_KV_MAX;
    lim->max_tensors = LGC_PKG_TENSORS_MAX;
    lim->max_meta_bytes = (uint64_t)16 << 20;
    lim->max_tensor_elems = (uint64_t)1 << 28;
    lim->max_data_bytes = (uint64_t)1 << 30;
}

const char *lgc_pkg_dtype_name(lgc_dtype dt)
{
    switch (dt) {
    case LGC_DT_F32: return "f32";
    case LGC_DT_F16: return "f16";
    case LGC_DT_I8: return "i8";
    case LGC_DT_U8: return "u8";
    case LGC_DT_I32: return "i32";
    }
    return "?";
}

size_t lgc_pkg_dtype_size(lgc_dtype dt)
{
    switch (dt) {
    case LGC_DT_F32: return 4;
    case LGC_DT_F16: return 2;
    case LGC_DT_I8: return 1;
    case LGC_DT_U8: return 1;
    case LGC_DT_I32: return 4;
    }
    return 0;
}

const char *lgc_pkg_kv_type_name(lgc_kv_type t)
{
    switch (t) {
    case LGC_KV_U64: return "u64";
    case LGC_KV_I64: return "i64";
    case LGC_KV_F64: return "f64";
    case LGC_KV_STR: return "str";
    case LGC_KV_F64_ARRAY: return "f64[]";
    case LGC_KV_U64_ARRAY: return "u64[]";
    }
    return "?";
}

uint32_t pkg_crc32(const uint8_t *buf, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, buf, chunk);
        buf += chunk;
        n -= chunk;
    }
    return (uint32_t)crc;
}

size_t pkg_name_bad_byte(const uint8_t *name, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (name[i] < 0x21 || name[i] > 0x7e)
            return i;
    return len;
}

lgc_pkg *pkg_new_named(const char *origin)
{
    lgc_pkg *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    size_t n = strlen(origin) + 1;
    p->origin = malloc(n);
    if (!p->origin) {
        free(p);
        return NULL;
    }
    memcpy(p->origin, origin, n);
    return p;
}

lgc_pkg *lgc_pkg_new(void)
{
    return pkg_new_named("<memory>");
}

void pkg_changed(lgc_pkg *p)
{
    p->have_info = 0;
    free(p->enc);
    p->enc = NULL;
    p->n_enc = 0;
}

void lgc_pkg_free(lgc_pkg *p)
{
    if (!p)
        return;
    free(p->enc);
    for (size_t i = 0; i < p->n_kv; i++) {
        free(p->kv[i]->own);
        free(p->kv[i]);
    }
    for (size_t i = 0; i < p->n_tensors; i++) {
        free(p->tensors[i]->own);
        free(p->tensors[i]);
    }
    free(p->kv);
    free(p->tensors);
    free(p->blob);
    free(p->origin);
    free(p);
}

/* Capacity for need entries in an array of record pointers (doubling). */
static int grow_cap(size_t *cap, size_t need, size_t *new_cap)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    *new_cap = c;
    return 1;
}

/* grow_kv, grow_tensors: room for need records in p's array (0 when out of
 * memory, the array unchanged). One body for both, typed for each. */
#define DEFINE_GROW(fn, type, arr, cap)                                                         \
    static int fn(lgc_pkg *p, size_t need)                                                      \
    {                                                                                           \
        size_t c;                                                                               \
        if (!grow_cap(&p->cap, need, &c))                                                       \
            return 1;                                                                           \
        type *a = realloc(p->arr, c * sizeof *a);                                               \
        if (!a)                                                                                 \
            return 0;                                                                           \
        p->arr = a, p->cap = c;                                                                 \
        return 1;                                                                               \
    }
DEFINE_GROW(grow_kv, pkg_kv_rec *, kv, cap_kv)
DEFINE_GROW(grow_tensors, pkg_tensor_rec *, tensors, cap_tensors)

int pkg_reserve(lgc_pkg *p, size_t n_kv, size_t n_tensors)
{
    return grow_kv(p, p->n_kv + n_kv) && grow_tensors(p, p->n_tensors + n_tensors);
}

pkg_kv_rec *pkg_kv_append(lgc_pkg *p, const char *key)
{
    if (!grow_kv(p, p->n_kv + 1))
        return NULL;
    pkg_kv_rec *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    strcpy(r->pub.key, key); /* callers have checked the length */
    p->kv[p->n_kv++] = r;
    pkg_changed(p);
    return r;
}

int pkg_tensor_attach(lgc_pkg *p, pkg_tensor_rec *r)
{
    if (!grow_tensors(p, p->n_tensors + 1))
        return 0;
    p->tensors[p->n_tensors++] = r;
    pkg_changed(p);
    return 1;
}

/* LGC_OK if name is a valid key or tensor name (docs/FORMAT.md section 4). */
static lgc_status check_name(const lgc_pkg *p, const char *what, const char *name, lgc_err *err)
{
    if (!name)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: %s name is NULL", p->origin, what);
    size_t len = strlen(name);
    if (len == 0 || len > LGC_PKG_NAME_MAX)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: %s name '%.64s' is %zu bytes, must be 1..%d",
                           p->origin, what, name, len, LGC_PKG_NAME_MAX);
    size_t bad = pkg_name_bad_byte((const uint8_t *)name, len);
    if (bad < len)
        return lgc_err_set(err, LGC_ERR_ARG,
                           "%s: %s name has byte 0x%02x at position %zu; names are printable "
                           "ASCII without space",
                           p->origin, what, (unsigned)(uint8_t)name[bad], bad);
    return LGC_OK;
}

static pkg_kv_rec *find_kv_rec(const lgc_pkg *p, const char *key)
{
    for (size_t i = 0; i < p->n_kv; i++)
        if (strcmp(p->kv[i]->pub.key, key) == 0)
            return p->kv[i];
    return NULL;
}

/* Set key to a value of type t. own (may be NULL) becomes the record's
 * storage on success and is freed on failure, so callers never leak it. */
static lgc_status set_kv(lgc_pkg *p, const char *key, lgc_kv_type t, size_t n, void *own,
                         uint64_t scalar_bits, lgc_err *err)
{
    lgc_status st = check_name(p, "key", key, err);
    if (st != LGC_OK)
        goto fail;
    pkg_kv_rec *r = find_kv_rec(p, key);
    if (!r) {
        if (p->n_kv >= LGC_PKG_KV_MAX) {
            st = lgc_err_set(err, LGC_ERR_ARG, "%s: cannot add key '%s': already %d key-values",
                             p->origin, key, LGC_PKG_KV_MAX);
            goto fail;
        }
        r = pkg_kv_append(p, key);
        if (!r) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory adding key '%s'", p->origin,
                             key);
            goto fail;
        }
    }
    free(r->own);
    r->own = own;
    r->pub.type = t;
    r->pub.n = n;
    switch (t) {
    case LGC_KV_U64: r->pub.v.u64 = scalar_bits; break;
    case LGC_KV_I64: r->pub.v.i64 = (int64_t)scalar_bits; break;
    case LGC_KV_F64: memcpy(&r->pub.v.f64, &scalar_bits, sizeof r->pub.v.f64); break;
    case LGC_KV_STR: r->pub.v.str = own; break;
    case LGC_KV_F64_ARRAY: r->pub.v.f64s = own; break;
    case LGC_KV_U64_ARRAY: r->pub.v.u64s = own; break;
    }
    pkg_changed(p);
    return LGC_OK;
fail:
    free(own);
    return st;
}

lgc_status lgc_pkg_set_u64(lgc_pkg *p, const char *key, uint64_t v, lgc_err *err)
{
    return set_kv(p, key, LGC_KV_U64, 1, NULL, v, err);
}

lgc_status lgc_pkg_set_i64(lgc_pkg *p, const char *key, int64_t v, lgc_err *err)
{
    return set_kv(p, key, LGC_KV_I64, 1, NULL, (uint64_t)v, err);
}

lgc_status lgc_pkg_set_f64(lgc_pkg *p, const char *key, double v, lgc_err *err)
{
    uint64_t bits; /* the bit pattern, so that NaN payloads survive */
    memcpy(&bits, &v, sizeof bits);
    return set_kv(p, key, LGC_KV_F64, 1, NULL, bits, err);
}

lgc_status lgc_pkg_set_str(lgc_pkg *p, const char *key, const char *s, lgc_err *err)
{
    if (!s)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: key '%.64s': string is NULL", p->origin,
                           key ? key : "(null)");
    size_t len = strlen(s);
    if (len > LGC_PKG_STR_MAX)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: key '%.64s': string of %zu bytes, above %u",
                           p->origin, key ? key : "(null)", len, LGC_PKG_STR_MAX);
    char *copy = malloc(len + 1);
    if (!copy)
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", p->origin);
    memcpy(copy, s, len + 1);
    return set_kv(p, key, LGC_KV_STR, len, copy, 0, err);
}

static lgc_status set_array(lgc_pkg *p, const char *key, lgc_kv_type t, const void *v, size_t n,
                            lgc_err *err)
{
    if (n > LGC_PKG_ARRAY_MAX || (n > 0 && !v))
        return lgc_err_set(err, LGC_ERR_ARG, "%s: key '%.64s': array of %zu entries %s",
                           p->origin, key ? key : "(null)", n,
                           n > LGC_PKG_ARRAY_MAX ? "is above the maximum of 1048576"
                                                 : "has a NULL pointer");
    void *copy = NULL;
    if (n > 0) {
        copy = malloc(n * 8);
        if (!copy)
            return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", p->origin);
        memcpy(copy, v, n * 8);
    }
    return set_kv(p, key, t, n, copy, 0, err);
}

lgc_status lgc_pkg_set_f64_array(lgc_pkg *p, const char *key, const double *v, size_t n,
                                 lgc_err *err)
{
    return set_array(p, key, LGC_KV_F64_ARRAY, v, n, err);
}

lgc_status lgc_pkg_set_u64_array(lgc_pkg *p, const char *key, const uint64_t *v, size_t n,
                                 lgc_err *err)
{
    return set_array(p, key, LGC_KV_U64_ARRAY, v, n, err);
}

/* The record for key if it has type t; otherwise LGC_ERR_FORMAT naming the key. */
static lgc_status get_kv(const lgc_pkg *p, const char *key, lgc_kv_type t,
                         const pkg_kv_rec **out, lgc_err *err)
{
    const pkg_kv_rec *r = key ? find_kv_rec(p, key) : NULL;
    if (!r)
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: key '%.64s' is missing", p->origin,
                           key ? key : "(null)");
    if (r->pub.type != t)
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: key '%s' is %s, expected %s", p->origin,
                           key, lgc_pkg_kv_type_name(r->pub.type), lgc_pkg_kv_type_name(t));
    *out = r;
    return LGC_OK;
}

/* The typed getters: the record of key if it has the type, then assign
 * (reading r) fills the caller's outputs, declared by the parameters after it. */
#define GETTER(fn, kv_type, assign, ...)                                                        \
    lgc_status fn(const lgc_pkg *p, const char *key, __VA_ARGS__, lgc_err *err)                 \
    {                                                                                           \
        const pkg_kv_rec *r;                                                                    \
        lgc_status st = get_kv(p, key, kv_type, &r, err);                                       \
        if (st == LGC_OK)                                                                       \
            assign;                                                                             \
        return st;                                                                              \
    }
GETTER(lgc_pkg_get_u64, LGC_KV_U64, *v = r->pub.v.u64, uint64_t *v)
GETTER(lgc_pkg_get_i64, LGC_KV_I64, *v = r->pub.v.i64, int64_t *v)
GETTER(lgc_pkg_get_f64, LGC_KV_F64, *v = r->pub.v.f64, double *v)
GETTER(lgc_pkg_get_str, LGC_KV_STR, *v = r->pub.v.str, const char **v)
GETTER(lgc_pkg_get_f64_array, LGC_KV_F64_ARRAY, (*v = r->pub.v.f64s, *n = r->pub.n),
       const double **v, size_t *n)
GETTER(lgc_pkg_get_u64_array, LGC_KV_U64_ARRAY, (*v = r->pub.v.u64s, *n = r->pub.n),
       const uint64_t **v, size_t *n)

size_t lgc_pkg_n_kv(const lgc_pkg *p)
{
    return p->n_kv;
}

const lgc_pkg_kv *lgc_pkg_kv_at(const lgc_pkg *p, size_t i)
{
    return i < p->n_kv ? &p->kv[i]->pub : NULL;
}

const lgc_pkg_kv *lgc_pkg_find_kv(const lgc_pkg *p, const char *key)
{
    const pkg_kv_rec *r = key ? find_kv_rec(p, key) : NULL;
    return r ? &r->pub : NULL;
}

/* A detached record for a new tensor after checking its name, dtype and
 * shape, with n_bytes of uninitialised storage for its data. */
static lgc_status new_tensor(lgc_pkg *p, const char *name, lgc_dtype dt, int rank,
                             const uint64_t *shape, pkg_tensor_rec **out, lgc_err *err)
{
    *out = NULL;
    lgc_status st = check_name(p, "tensor", name, err);
    if (st != LGC_OK)
        return st;
    if (lgc_pkg_find(p, name))
        return lgc_err_set(err, LGC_ERR_ARG, "%s: tensor '%s' already exists", p->origin, name);
    if (p->n_tensors >= LGC_PKG_TENSORS_MAX)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: cannot add tensor '%s': already %d tensors",
                           p->origin, name, LGC_PKG_TENSORS_MAX);
    size_t es = lgc_pkg_dtype_size(dt);
    if (es == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: tensor '%s': unknown dtype %d", p->origin,
                           name, (int)dt);
    if (rank < 1 || rank > LGC_PKG_RANK_MAX || !shape)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: tensor '%s': rank %d, must be 1..%d",
                           p->origin, name, rank, LGC_PKG_RANK_MAX);
    uint64_t n_elem = 1, n_bytes;
    for (int i = 0; i < rank; i++)
        if (!lgc_u64_mul(n_elem, shape[i], &n_elem))
            return lgc_err_set(err, LGC_ERR_ARG, "%s: tensor '%s': shape overflows", p->origin,
                               name);
    if (!lgc_u64_mul(n_elem, es, &n_bytes) || n_bytes > SIZE_MAX)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: tensor '%s': too large", p->origin, name);
    pkg_tensor_rec *r = calloc(1, sizeof *r);
    if (!r || (n_bytes > 0 && !(r->own = malloc((size_t)n_bytes)))) {
        free(r);
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory for tensor '%s'", p->origin,
                           name);
    }
    strcpy(r->pub.name, name);
    r->pub.dtype = dt;
    r->pub.rank = rank;
    for (int i = 0; i < LGC_PKG_RANK_MAX; i++)
        r->pub.shape[i] = i < rank ? shape[i] : 1;
    r->pub.n_elem = n_elem;
    r->pub.n_bytes = (size_t)n_bytes;
    r->pub.data = r->own;
    *out = r;
    return LGC_OK;
}

static void free_tensor_rec(pkg_tensor_rec *r)
{
    if (r)
        free(r->own);
    free(r);
}

/* r into p, or r freed: how both adders end. */
static lgc_status attach(lgc_pkg *p, pkg_tensor_rec *r, const char *name, lgc_err *err)
{
    if (pkg_tensor_attach(p, r))
        return LGC_OK;
    free_tensor_rec(r);
    return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory for tensor '%s'", p->origin, name);
}

lgc_status lgc_pkg_add_tensor(lgc_pkg *p, const char *name, lgc_dtype dt, int rank,
                              const uint64_t *shape, const void *data, lgc_err *err)
{
    pkg_tensor_rec *r = NULL;
    lgc_status st = new_tensor(p, name, dt, rank, shape, &r, err);
    if (st != LGC_OK)
        goto fail;
    if (r->pub.n_bytes > 0 && !data) {
        st = lgc_err_set(err, LGC_ERR_ARG, "%s: tensor '%s': data is NULL", p->origin, name);
        goto fail;
    }
    if (r->pub.n_bytes > 0)
        memcpy(r->own, data, r->pub.n_bytes);
    return attach(p, r, name, err);
fail:
    free_tensor_rec(r);
    return st;
}

lgc_status lgc_pkg_add_tensor_f32(lgc_pkg *p, const char *name, lgc_dtype dt, int rank,
                                  const uint64_t *shape, const float *src, lgc_err *err)
{
    pkg_tensor_rec *r = NULL;
    lgc_status st;
    if (dt != LGC_DT_F32 && dt != LGC_DT_F16) {
        st = lgc_err_set(err, LGC_ERR_ARG, "%s: tensor '%.64s': cannot encode floats as %s",
                         p->origin, name ? name : "(null)", lgc_pkg_dtype_name(dt));
        goto fail;
    }
    st = new_tensor(p, name, dt, rank, shape, &r, err);
    if (st != LGC_OK)
        goto fail;
    if (r->pub.n_elem > 0 && !src) {
        st = lgc_err_set(err, LGC_ERR_ARG, "%s: tensor '%s': data is NULL", p->origin, name);
        goto fail;
    }
    uint8_t *d = r->own;
    for (uint64_t i = 0; i < r->pub.n_elem; i++) {
        if (dt == LGC_DT_F16) {
            pkg_put_u16(d + 2 * i, lgc_f16_from_f32(src[i]));
        } else {
            uint32_t bits;
            memcpy(&bits, &src[i], sizeof bits);
            pkg_put_u32(d + 4 * i, bits);
        }
    }
    return attach(p, r, name, err);
fail:
    free_tensor_rec(r);
    return st;
}

/* the tensors, by index: 0..lgc_pkg_n_tensors - 1 */
size_t lgc_pkg_n_tensors(const lgc_pkg *p) { return p->n_tensors; }
const lgc_pkg_tensor *lgc_pkg_tensor_at(const lgc_pkg *p, size_t i)
{
    return i < p->n_tensors ? &p->tensors[i]->pub : NULL;
}

const lgc_pkg_tensor *lgc_pkg_find(const lgc_pkg *p, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < p->n_tensors; i++)
        if (strcmp(p->tensors[i]->pub.name, name) == 0)
            return &p->tensors[i]->pub;
    return NULL;
}

lgc_status lgc_pkg_get_tensor(const lgc_pkg *p, const char *name, const lgc_pkg_tensor **t,
                              lgc_err *err)
{
    *t = lgc_pkg_find(p, name);
    if (!*t)
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: tensor '%.64s' is missing", p->origin,
                           name ? name : "(null)");
    return LGC_OK;
}

static float f32_at(const uint8_t *d, uint64_t i)
{
    uint32_t bits = pkg_get_u32(d + 4 * i);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

lgc_status lgc_pkg_tensor_to_f32(const lgc_pkg_tensor *t, float *out, lgc_err *err)
{
    if (!t || (!out && t->n_elem > 0))
        return lgc_err_set(err, LGC_ERR_ARG, "tensor_to_f32: NULL argument");
    const uint8_t *d = t->data;
    for (uint64_t i = 0; i < t->n_elem; i++) {
        switch (t->dtype) {
        case LGC_DT_F32: out[i] = f32_at(d, i); break;
        case LGC_DT_F16: out[i] = lgc_f16_to_f32(pkg_get_u16(d + 2 * i)); break;
        case LGC_DT_I8: out[i] = (float)(int8_t)d[i]; break;
        case LGC_DT_U8: out[i] = (float)d[i]; break;
        case LGC_DT_I32: out[i] = (float)(int32_t)pkg_get_u32(d + 4 * i); break;
        default:
            return lgc_err_set(err, LGC_ERR_INTERNAL, "tensor '%s': unknown dtype %d", t->name,
                               (int)t->dtype);
        }
    }
    return LGC_OK;
}

lgc_status lgc_pkg_tensor_check_finite(const lgc_pkg_tensor *t, lgc_err *err)
{
    if (!t)
        return lgc_err_set(err, LGC_ERR_ARG, "tensor_check_finite: NULL tensor");
    if (t->dtype != LGC_DT_F32 && t->dtype != LGC_DT_F16)
        return LGC_OK;
    const uint8_t *d = t->data;
    for (uint64_t i = 0; i < t->n_elem; i++) {
        float f = t->dtype == LGC_DT_F32 ? f32_at(d, i) : lgc_f16_to_f32(pkg_get_u16(d + 2 * i));
        if (!isfinite(f))
            return lgc_err_set(err, LGC_ERR_VALUE, "tensor '%s': element %llu is %s", t->name,
                               (unsigned long long)i, isnan(f) ? "NaN" : "infinite");
    }
    return LGC_OK;
}

lgc_status lgc_pkg_set_compression(lgc_pkg *p, int zstd_level, lgc_err *err)
{
    if (zstd_level < 0 || zstd_level > LGC_PKG_ZSTD_LEVEL_MAX)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: zstd level %d, must be 0..%d", p->origin,
                           zstd_level, LGC_PKG_ZSTD_LEVEL_MAX);
    if (zstd_level != p->zstd_level)
        pkg_changed(p), p->zstd_level = zstd_level;
    return LGC_OK;
}

int lgc_pkg_compression(const lgc_pkg *p) { return p->zstd_level; }

lgc_status lgc_pkg_set_features(lgc_pkg *p, uint32_t flags, lgc_err *err)
{
    if (flags & ~(LGC_PKG_FLAGS_KNOWN & ~LGC_PKG_FLAG_ZSTD))
        return lgc_err_set(err, LGC_ERR_ARG, "%s: feature flags 0x%08x are not features this "
                           "writer knows", p->origin, flags);
    if (flags != p->features)
        pkg_changed(p), p->features = flags;
    return LGC_OK;
}

uint32_t lgc_pkg_features(const lgc_pkg *p) { return p->features; }
