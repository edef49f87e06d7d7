/* pkg_write.c - serialise a package (docs/FORMAT.md), deterministically. */
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "lgc/io.h"
#include "pkg/pkg_internal.h"

static uint64_t kv_record_size(const lgc_pkg_kv *kv)
{
    uint64_t n = 2 + strlen(kv->key) + 1;
    switch (kv->type) {
    case LGC_KV_U64:
    case LGC_KV_I64:
    case LGC_KV_F64: return n + 8;
    case LGC_KV_STR: return n + 4 + kv->n;
    case LGC_KV_F64_ARRAY:
    case LGC_KV_U64_ARRAY: return n + 4 + 8 * (uint64_t)kv->n;
    }
    return n;
}

static uint64_t tensor_record_size(const lgc_pkg_tensor *t)
{
    return 2 + strlen(t->name) + 1 + 1 + 2 + 8 * (uint64_t)t->rank + 8 + 8;
}

static uint8_t *put_name(uint8_t *w, const char *name)
{
    size_t len = strlen(name);
    pkg_put_u16(w, (uint16_t)len);
    memcpy(w + 2, name, len);
    return w + 2 + len;
}

static uint8_t *put_kv(uint8_t *w, const lgc_pkg_kv *kv)
{
    w = put_name(w, kv->key);
    *w++ = (uint8_t)kv->type;
    uint64_t bits;
    switch (kv->type) {
    case LGC_KV_U64: pkg_put_u64(w, kv->v.u64); return w + 8;
    case LGC_KV_I64: pkg_put_u64(w, (uint64_t)kv->v.i64); return w + 8;
    case LGC_KV_F64:
        memcpy(&bits, &kv->v.f64, sizeof bits);
        pkg_put_u64(w, bits);
        return w + 8;
    case LGC_KV_STR:
        pkg_put_u32(w, (uint32_t)kv->n);
        memcpy(w + 4, kv->v.str, kv->n);
        return w + 4 + kv->n;
    case LGC_KV_F64_ARRAY:
    case LGC_KV_U64_ARRAY:
        pkg_put_u32(w, (uint32_t)kv->n);
        w += 4;
        for (size_t i = 0; i < kv->n; i++, w += 8) {
            if (kv->type == LGC_KV_U64_ARRAY) {
                bits = kv->v.u64s[i];
            } else {
                memcpy(&bits, &kv->v.f64s[i], sizeof bits);
            }
            pkg_put_u64(w, bits);
        }
        return w;
    }
    return w;
}

static uint8_t *put_tensor(uint8_t *w, const lgc_pkg_tensor *t, uint64_t offset)
{
    w = put_name(w, t->name);
    *w++ = (uint8_t)t->dtype;
    *w++ = (uint8_t)t->rank;
    pkg_put_u16(w, 0);
    w += 2;
    for (int i = 0; i < t->rank; i++, w += 8)
        pkg_put_u64(w, t->shape[i]);
    pkg_put_u64(w, offset);
    pkg_put_u64(w + 8, t->n_bytes);
    return w + 16;
}

/* Copy every tensor to its place in the data section; dst is zeroed, so
 * the padding between tensors is already zero. */
static void place_tensors(const lgc_pkg *p, const uint64_t *offsets, uint8_t *dst)
{
    for (size_t i = 0; i < p->n_tensors; i++) {
        const lgc_pkg_tensor *t = &p->tensors[i]->pub;
        if (t->n_bytes > 0)
            memcpy(dst + offsets[i], t->data, t->n_bytes);
    }
}

lgc_status pkg_encode(const lgc_pkg *p, const char *origin, uint8_t **out, size_t *n_out,
                      lgc_pkg_info *info, lgc_err *err)
{
    lgc_status st = LGC_OK;
    uint64_t *offsets = NULL; /* (n_tensors) data offset of each tensor */
    uint8_t *blob = NULL;     /* decoded data section, only when compressing */
    uint8_t *buf = NULL;      /* the file */
    ZSTD_CCtx *cctx = NULL;
    *out = NULL;
    *n_out = 0;

    /* Sizes first, every sum checked; the object's own limits keep them far
     * from overflow, but a package built on a 32-bit host must not wrap. */
    uint64_t kv_size = 0, tt_size = 0, data_size = 0, tables_end, data_offset;
    for (size_t i = 0; i < p->n_kv; i++)
        kv_size += kv_record_size(&p->kv[i]->pub);
    for (size_t i = 0; i < p->n_tensors; i++)
        tt_size += tensor_record_size(&p->tensors[i]->pub);
    offsets = malloc((p->n_tensors ? p->n_tensors : 1) * sizeof *offsets);
    if (!offsets) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory writing the package", origin);
        goto fail;
    }
    for (size_t i = 0; i < p->n_tensors; i++) {
        if (!pkg_align_u64(data_size, &offsets[i]) ||
            !lgc_u64_add(offsets[i], p->tensors[i]->pub.n_bytes, &data_size)) {
            st = lgc_err_set(err, LGC_ERR_LIMIT, "%s: data section too large", origin);
            goto fail;
        }
    }
    tables_end = LGC_PKG_HEADER_SIZE + kv_size + tt_size;
    if (!pkg_align_u64(tables_end, &data_offset) || data_offset > SIZE_MAX ||
        data_size > SIZE_MAX) {
        st = lgc_err_set(err, LGC_ERR_LIMIT, "%s: package too large for this host", origin);
        goto fail;
    }

    /* The data section: written in place when raw, compressed from a
     * separate blob otherwise. */
    uint64_t stored_size, file_size;
    if (p->zstd_level == 0) {
        stored_size = data_size;
        if (!lgc_u64_add(data_offset, data_size, &file_size) || file_size > SIZE_MAX) {
            st = lgc_err_set(err, LGC_ERR_LIMIT, "%s: package too large for this host", origin);
            goto fail;
        }
        buf = calloc((size_t)file_size, 1);
        if (!buf) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory for %llu bytes", origin,
                             (unsigned long long)file_size);
            goto fail;
        }
        place_tensors(p, offsets, buf + data_offset);
    } else {
        blob = calloc(data_size ? (size_t)data_size : 1, 1);
        size_t bound = ZSTD_compressBound((size_t)data_size);
        if (!blob || ZSTD_isError(bound) || bound > SIZE_MAX - data_offset ||
            !(buf = calloc((size_t)data_offset + bound, 1))) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory compressing %llu bytes",
                             origin, (unsigned long long)data_size);
            goto fail;
        }
        place_tensors(p, offsets, blob);
        /* Fixed parameters so that the bytes depend only on the object and
         * the libzstd version: one thread, content size in the frame header
         * (the reader requires it), no zstd checksum (data_crc covers it). */
        cctx = ZSTD_createCCtx();
        size_t r = 0;
        if (!cctx) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory for zstd", origin);
            goto fail;
        }
        if (ZSTD_isError(r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel,
                                                    p->zstd_level)) ||
            ZSTD_isError(r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0)) ||
            ZSTD_isError(r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1)) ||
            ZSTD_isError(r = ZSTD_compress2(cctx, buf + data_offset, bound, blob,
                                            (size_t)data_size))) {
            st = lgc_err_set(err, LGC_ERR_INTERNAL, "%s: zstd compression failed: %s", origin,
                             ZSTD_getErrorName(r));
            goto fail;
        }
        stored_size = r;
        file_size = data_offset + stored_size;
        uint8_t *shrunk = realloc(buf, (size_t)file_size);
        if (shrunk) /* a failed shrink leaves a valid, larger buffer */
            buf = shrunk;
    }

    uint8_t *w = buf + LGC_PKG_HEADER_SIZE;
    for (size_t i = 0; i < p->n_kv; i++)
        w = put_kv(w, &p->kv[i]->pub);
    for (size_t i = 0; i < p->n_tensors; i++)
        w = put_tensor(w, &p->tensors[i]->pub, offsets[i]);
    if ((uint64_t)(w - buf) != tables_end) {
        st = lgc_err_set(err, LGC_ERR_INTERNAL, "%s: table size mismatch in the writer", origin);
        goto fail;
    }

    /* the lowest minor version with every feature the file uses: a file without
     * the 1.1 flag is exactly what a 1.0 writer made */
    uint32_t required = (p->zstd_level ? LGC_PKG_FLAG_ZSTD : 0) | p->features;
    unsigned minor = (p->features & LGC_PKG_FLAG_EXEMPLARS)  ? 2
                     : (p->features & LGC_PKG_FLAG_MIXTURES) ? 1
                                                             : 0;
    memcpy(buf + PKG_OFF_MAGIC, lgc_pkg_magic, sizeof lgc_pkg_magic);
    pkg_put_u16(buf + PKG_OFF_MAJOR, LGC_PKG_FORMAT_MAJOR);
    pkg_put_u16(buf + PKG_OFF_MINOR, (uint16_t)minor);
    pkg_put_u32(buf + PKG_OFF_REQUIRED, required);
    pkg_put_u32(buf + PKG_OFF_OPTIONAL, 0);
    pkg_put_u32(buf + PKG_OFF_N_KV, (uint32_t)p->n_kv);
    pkg_put_u32(buf + PKG_OFF_N_TENSORS, (uint32_t)p->n_tensors);
    pkg_put_u32(buf + PKG_OFF_ZSTD_LEVEL, (uint32_t)p->zstd_level);
    pkg_put_u64(buf + PKG_OFF_KV_SIZE, kv_size);
    pkg_put_u64(buf + PKG_OFF_TT_SIZE, tt_size);
    pkg_put_u64(buf + PKG_OFF_DATA_SIZE, data_size);
    pkg_put_u64(buf + PKG_OFF_STORED_SIZE, stored_size);
    pkg_put_u32(buf + PKG_OFF_TABLES_CRC,
                pkg_crc32(buf + LGC_PKG_HEADER_SIZE, (size_t)data_offset - LGC_PKG_HEADER_SIZE));
    pkg_put_u32(buf + PKG_OFF_DATA_CRC, pkg_crc32(buf + data_offset, (size_t)stored_size));
    pkg_put_u32(buf + PKG_OFF_RESERVED, 0);
    pkg_put_u32(buf + PKG_OFF_HEADER_CRC, pkg_crc32(buf, PKG_OFF_HEADER_CRC));

    if (info) {
        memset(info, 0, sizeof *info);
        info->version_major = LGC_PKG_FORMAT_MAJOR;
        info->version_minor = minor;
        info->required_flags = required;
        info->zstd_level = p->zstd_level;
        info->n_kv = p->n_kv;
        info->n_tensors = p->n_tensors;
        info->header_bytes = LGC_PKG_HEADER_SIZE;
        info->kv_table_bytes = kv_size;
        info->tensor_table_bytes = tt_size;
        info->pad_bytes = data_offset - tables_end;
        info->data_stored_bytes = stored_size;
        info->data_bytes = data_size;
        info->file_bytes = file_size;
    }
    *out = buf;
    *n_out = (size_t)file_size;
    buf = NULL;
fail:
    ZSTD_freeCCtx(cctx);
    free(buf);
    free(blob);
    free(offsets);
    return st;
}

/* The encoding of p as it is now, made once (see enc in pkg_internal.h). */
static lgc_status encoded(const lgc_pkg *cp, lgc_err *err)
{
    lgc_pkg *p = (lgc_pkg *)cp; /* the cache only: p's value does not change */
    if (p->enc)
        return LGC_OK;
    lgc_pkg_info info;
    uint8_t *buf = NULL;
    size_t n = 0;
    lgc_status st = pkg_encode(p, p->origin, &buf, &n, &info, err);
    if (st)
        return st;
    p->enc = buf, p->n_enc = n;
    if (!p->have_info)
        p->info = info, p->have_info = 1;
    return LGC_OK;
}

lgc_status lgc_pkg_encoded_size(const lgc_pkg *p, size_t *n, lgc_err *err)
{
    lgc_status st = encoded(p, err);
    *n = st ? 0 : p->n_enc;
    return st;
}

lgc_status lgc_pkg_get_info(const lgc_pkg *p, lgc_pkg_info *info, lgc_err *err)
{
    lgc_status st = p->have_info ? LGC_OK : encoded(p, err);
    if (st == LGC_OK)
        *info = p->info;
    return st;
}

lgc_status lgc_pkg_write_mem(const lgc_pkg *p, uint8_t **buf, size_t *n, lgc_err *err)
{
    *buf = NULL, *n = 0;
    lgc_status st = encoded(p, err);
    if (st)
        return st;
    if (!(*buf = malloc(p->n_enc ? p->n_enc : 1)))
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", p->origin);
    memcpy(*buf, p->enc, p->n_enc);
    *n = p->n_enc;
    return LGC_OK;
}

lgc_status lgc_pkg_write_file(const lgc_pkg *p, const char *path, int overwrite, lgc_err *err)
{
    lgc_afile af = {0};
    af.fd = -1;
    lgc_status st = encoded(p, err);
    if (st != LGC_OK)
        return st;
    if ((st = lgc_afile_open(&af, path, overwrite, err)) != LGC_OK ||
        (st = lgc_afile_write(&af, p->enc, p->n_enc, err)) != LGC_OK) {
        lgc_afile_abort(&af);
        return st;
    }
    return lgc_afile_commit(&af, err); /* frees af on success and on failure */
}
