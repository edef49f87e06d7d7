/*
 * pkg_read.c - parse and validate a package from untrusted bytes.
 *
 * The checks run in the order of docs/FORMAT.md section 8, and the first
 * failure is returned. The rule throughout: a number read from the file is
 * compared with the bytes that remain, or with a limit, before it is used to
 * index, allocate or loop. Everything stays in uint64_t until it is known to
 * fit, so a 32-bit size_t cannot wrap either.
 */
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "lgc/io.h"
#include "pkg/pkg_internal.h"

typedef unsigned long long ull; /* for printing uint64_t portably */

/* Header fields, decoded. */
typedef struct {
    unsigned major, minor;
    uint32_t required, optional, n_kv, n_tensors, reserved;
    int32_t zstd_level;
    uint64_t kv_size, tt_size, data_size, stored_size;
    uint64_t tables_end, data_offset;
} pkg_header;

/* A bounded read position inside one table: [pos, end) of buf. */
typedef struct {
    const uint8_t *buf;
    uint64_t pos, end;
} cursor;

static int cur_has(const cursor *c, uint64_t n)
{
    return c->end - c->pos >= n;
}

/* Open-addressing set of names, to find duplicates in one pass. Names are
 * at most 64 bytes and tables at most 4096 records, so even a file crafted
 * to collide costs at most n^2/2 short comparisons. */
typedef struct {
    const char **slot;
    size_t mask;
} nameset;

static int nameset_init(nameset *s, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    s->slot = calloc(cap, sizeof *s->slot);
    s->mask = cap - 1;
    return s->slot != NULL;
}

/* Insert name, which must outlive the set; returns the equal name already
 * present (name is then not inserted), or NULL. */
static const char *nameset_insert(nameset *s, const char *name)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *c = name; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
        if (!s->slot[i]) {
            s->slot[i] = name;
            return NULL;
        }
        if (strcmp(s->slot[i], name) == 0)
            return s->slot[i];
    }
}

/* Read a name at the cursor into out (NUL-terminated). what/index/at name
 * the record for messages, since the name itself cannot be trusted yet. */
static lgc_status read_name(cursor *c, const char *origin, const char *what, uint32_t index,
                            char out[LGC_PKG_NAME_MAX + 1], lgc_err *err)
{
    uint64_t at = c->pos;
    if (!cur_has(c, 2))
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: %s %u at byte %llu: record truncated (its table ends at byte "
                           "%llu)",
                           origin, what, index, (ull)at, (ull)c->end);
    unsigned len = pkg_get_u16(c->buf + c->pos);
    if (len == 0 || len > LGC_PKG_NAME_MAX)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: %s %u at byte %llu: name length %u, must be 1..%d", origin, what,
                           index, (ull)at, len, LGC_PKG_NAME_MAX);
    if (!cur_has(c, 2 + (uint64_t)len))
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: %s %u at byte %llu: name of %u bytes runs past the end of its "
                           "table at byte %llu",
                           origin, what, index, (ull)at, len, (ull)c->end);
    const uint8_t *name = c->buf + c->pos + 2;
    size_t bad = pkg_name_bad_byte(name, len);
    if (bad < len)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: %s %u at byte %llu: name has byte 0x%02x at byte %llu; names "
                           "are printable ASCII without space (no NUL)",
                           origin, what, index, (ull)at, name[bad], (ull)(at + 2 + bad));
    memcpy(out, name, len);
    out[len] = '\0';
    c->pos += 2 + (uint64_t)len;
    return LGC_OK;
}

static lgc_status check_header(const uint8_t *buf, size_t n, const lgc_pkg_limits *lim,
                               const char *origin, pkg_header *h, lgc_err *err)
{
    /* 1-3: is this an lgc file at all, and is the header whole? The magic is
     * compared on what there is, so that a short foreign file is called
     * foreign rather than truncated. */
    if (n == 0)
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: empty file (0 bytes), not an lgc package",
                           origin);
    size_t m = n < sizeof lgc_pkg_magic ? n : sizeof lgc_pkg_magic;
    if (memcmp(buf, lgc_pkg_magic, m) != 0)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: not an lgc package (bad magic number at byte 0)", origin);
    if (n < LGC_PKG_HEADER_SIZE)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: truncated header: the file has %zu bytes, the header needs %d",
                           origin, n, LGC_PKG_HEADER_SIZE);

    /* 4: the major version decides the layout of everything after it, so
     * it is checked before the header CRC whose position it fixes. */
    h->major = pkg_get_u16(buf + PKG_OFF_MAJOR);
    h->minor = pkg_get_u16(buf + PKG_OFF_MINOR);
    if (h->major > LGC_PKG_FORMAT_MAJOR)
        return lgc_err_set(err, LGC_ERR_VERSION,
                           "%s: made by a newer lgc: format %u.x, this reader knows %d.x", origin,
                           h->major, LGC_PKG_FORMAT_MAJOR);
    if (h->major < LGC_PKG_FORMAT_MAJOR)
        return lgc_err_set(err, LGC_ERR_VERSION,
                           "%s: format %u.x is not a released format; this reader knows %d.x",
                           origin, h->major, LGC_PKG_FORMAT_MAJOR);

    /* 5 */
    uint32_t stored_crc = pkg_get_u32(buf + PKG_OFF_HEADER_CRC);
    uint32_t crc = pkg_crc32(buf, PKG_OFF_HEADER_CRC);
    if (crc != stored_crc)
        return lgc_err_set(err, LGC_ERR_CHECKSUM,
                           "%s: header checksum mismatch (stored 0x%08x, computed 0x%08x): the "
                           "file is damaged",
                           origin, stored_crc, crc);

    h->required = pkg_get_u32(buf + PKG_OFF_REQUIRED);
    h->optional = pkg_get_u32(buf + PKG_OFF_OPTIONAL);
    h->n_kv = pkg_get_u32(buf + PKG_OFF_N_KV);
    h->n_tensors = pkg_get_u32(buf + PKG_OFF_N_TENSORS);
    h->zstd_level = (int32_t)pkg_get_u32(buf + PKG_OFF_ZSTD_LEVEL);
    h->kv_size = pkg_get_u64(buf + PKG_OFF_KV_SIZE);
    h->tt_size = pkg_get_u64(buf + PKG_OFF_TT_SIZE);
    h->data_size = pkg_get_u64(buf + PKG_OFF_DATA_SIZE);
    h->stored_size = pkg_get_u64(buf + PKG_OFF_STORED_SIZE);
    h->reserved = pkg_get_u32(buf + PKG_OFF_RESERVED);

    /* 6-8 */
    uint32_t unknown = h->required & ~LGC_PKG_FLAGS_KNOWN;
    if (unknown)
        return lgc_err_set(err, LGC_ERR_VERSION,
                           "%s: needs unknown required feature flag(s) 0x%08x (format %u.%u); "
                           "a newer lgc is needed to read it",
                           origin, unknown, h->major, h->minor);
    if ((h->required & LGC_PKG_FLAG_MIXTURES) && h->minor < 1)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: required flag 0x%08x belongs to format 1.1, but the file says "
                           "1.%u", origin, LGC_PKG_FLAG_MIXTURES, h->minor);
    if ((h->required & LGC_PKG_FLAG_EXEMPLARS) && h->minor < 2)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: required flag 0x%08x belongs to format 1.2, but the file says "
                           "1.%u", origin, LGC_PKG_FLAG_EXEMPLARS, h->minor);
    if (h->reserved != 0)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: reserved header field at byte %d is 0x%08x, must be 0", origin,
                           PKG_OFF_RESERVED, h->reserved);
    int compressed = (h->required & LGC_PKG_FLAG_ZSTD) != 0;
    if (compressed ? (h->zstd_level < 1 || h->zstd_level > LGC_PKG_ZSTD_LEVEL_MAX)
                   : h->zstd_level != 0)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: zstd level %d at byte %d does not fit a %s data section", origin,
                           (int)h->zstd_level, PKG_OFF_ZSTD_LEVEL,
                           compressed ? "compressed" : "raw");

    /* 9 */
    if (h->n_kv > LGC_PKG_KV_MAX)
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: %u key-values, the format allows %d",
                           origin, h->n_kv, LGC_PKG_KV_MAX);
    if (h->n_tensors > LGC_PKG_TENSORS_MAX)
        return lgc_err_set(err, LGC_ERR_FORMAT, "%s: %u tensors, the format allows %d", origin,
                           h->n_tensors, LGC_PKG_TENSORS_MAX);
    if (h->n_kv > lim->max_kv)
        return lgc_err_set(err, LGC_ERR_LIMIT, "%s: %u key-values, above the limit of %u",
                           origin, h->n_kv, lim->max_kv);
    if (h->n_tensors > lim->max_tensors)
        return lgc_err_set(err, LGC_ERR_LIMIT, "%s: %u tensors, above the limit of %u", origin,
                           h->n_tensors, lim->max_tensors);

    /* 10 */
    if ((uint64_t)h->n_kv * PKG_KV_REC_MIN > h->kv_size)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: %u key-values cannot fit in a key-value table of %llu bytes",
                           origin, h->n_kv, (ull)h->kv_size);
    if ((uint64_t)h->n_tensors * PKG_TENSOR_REC_MIN > h->tt_size)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: %u tensors cannot fit in a tensor table of %llu bytes", origin,
                           h->n_tensors, (ull)h->tt_size);
    uint64_t meta;
    if (!lgc_u64_add(h->kv_size, h->tt_size, &meta) || meta > lim->max_meta_bytes)
        return lgc_err_set(err, LGC_ERR_LIMIT,
                           "%s: tables of %llu + %llu bytes, above the limit of %llu", origin,
                           (ull)h->kv_size, (ull)h->tt_size, (ull)lim->max_meta_bytes);

    /* 11 */
    if (h->data_size > lim->max_data_bytes || h->data_size > SIZE_MAX)
        return lgc_err_set(err, LGC_ERR_LIMIT,
                           "%s: data section of %llu bytes, above the limit of %llu", origin,
                           (ull)h->data_size, (ull)lim->max_data_bytes);
    if (!compressed && h->data_size != h->stored_size)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: raw data section is stored in %llu bytes but declares %llu",
                           origin, (ull)h->stored_size, (ull)h->data_size);

    /* 12: meta is at most max_meta_bytes, so none of these sums can wrap
     * unless the caller set absurd limits; check anyway. */
    uint64_t end;
    if (!lgc_u64_add(LGC_PKG_HEADER_SIZE, meta, &h->tables_end) || h->tables_end > n)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: truncated: the tables end at byte %llu, the file has %zu bytes",
                           origin, (ull)h->tables_end, n);
    if (!pkg_align_u64(h->tables_end, &h->data_offset) ||
        !lgc_u64_add(h->data_offset, h->stored_size, &end) || end > n)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: truncated: the data section needs %llu bytes from byte %llu, "
                           "the file has %zu bytes",
                           origin, (ull)h->stored_size, (ull)h->data_offset, n);
    if (end < n)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: %llu trailing bytes after the end of the data section at byte "
                           "%llu",
                           origin, (ull)(n - end), (ull)end);
    return LGC_OK;
}

/* 13-15 */
static lgc_status check_crcs(const uint8_t *buf, const pkg_header *h, const char *origin,
                             lgc_err *err)
{
    uint32_t stored = pkg_get_u32(buf + PKG_OFF_TABLES_CRC);
    uint32_t crc = pkg_crc32(buf + LGC_PKG_HEADER_SIZE,
                             (size_t)(h->data_offset - LGC_PKG_HEADER_SIZE));
    if (crc != stored)
        return lgc_err_set(err, LGC_ERR_CHECKSUM,
                           "%s: checksum mismatch in the tables (bytes %d..%llu): stored "
                           "0x%08x, computed 0x%08x",
                           origin, LGC_PKG_HEADER_SIZE, (ull)h->data_offset, stored, crc);
    stored = pkg_get_u32(buf + PKG_OFF_DATA_CRC);
    crc = pkg_crc32(buf + h->data_offset, (size_t)h->stored_size);
    if (crc != stored)
        return lgc_err_set(err, LGC_ERR_CHECKSUM,
                           "%s: checksum mismatch in the data section (bytes %llu..%llu): "
                           "stored 0x%08x, computed 0x%08x",
                           origin, (ull)h->data_offset, (ull)(h->data_offset + h->stored_size),
                           stored, crc);
    for (uint64_t i = h->tables_end; i < h->data_offset; i++)
        if (buf[i] != 0)
            return lgc_err_set(err, LGC_ERR_FORMAT,
                               "%s: nonzero padding byte 0x%02x at byte %llu, before the data "
                               "section",
                               origin, buf[i], (ull)i);
    return LGC_OK;
}

/* 16: the key-value table, into p. */
static lgc_status parse_kvs(const uint8_t *buf, const pkg_header *h, lgc_pkg *p,
                            const char *origin, lgc_err *err)
{
    lgc_status st = LGC_OK;
    nameset seen = {0};
    cursor c = {buf, LGC_PKG_HEADER_SIZE, LGC_PKG_HEADER_SIZE + h->kv_size};
    if (!nameset_init(&seen, h->n_kv) || !pkg_reserve(p, h->n_kv, 0)) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", origin);
        goto fail;
    }
    for (uint32_t i = 0; i < h->n_kv; i++) {
        uint64_t at = c.pos;
        char key[LGC_PKG_NAME_MAX + 1];
        if ((st = read_name(&c, origin, "key-value", i, key, err)) != LGC_OK)
            goto fail;
        if (!cur_has(&c, 1)) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: key '%s' at byte %llu: record truncated (the key-value table "
                             "ends at byte %llu)",
                             origin, key, (ull)at, (ull)c.end);
            goto fail;
        }
        unsigned type = buf[c.pos++];
        uint64_t count = 1, width = 8; /* scalars: one 8-byte value */
        if (type < LGC_KV_U64 || type > LGC_KV_U64_ARRAY) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: key '%s' at byte %llu: unknown value type %u", origin, key,
                             (ull)at, type);
            goto fail;
        }
        if (type == LGC_KV_STR || type == LGC_KV_F64_ARRAY || type == LGC_KV_U64_ARRAY) {
            if (!cur_has(&c, 4)) {
                st = lgc_err_set(err, LGC_ERR_FORMAT,
                                 "%s: key '%s' at byte %llu: record truncated (the key-value "
                                 "table ends at byte %llu)",
                                 origin, key, (ull)at, (ull)c.end);
                goto fail;
            }
            count = pkg_get_u32(buf + c.pos);
            c.pos += 4;
            width = type == LGC_KV_STR ? 1 : 8;
            uint64_t max = type == LGC_KV_STR ? LGC_PKG_STR_MAX : LGC_PKG_ARRAY_MAX;
            if (count > max) {
                st = lgc_err_set(err, LGC_ERR_FORMAT,
                                 "%s: key '%s' at byte %llu: %s of %llu %s, the format allows "
                                 "%llu",
                                 origin, key, (ull)at, type == LGC_KV_STR ? "string" : "array",
                                 (ull)count, type == LGC_KV_STR ? "bytes" : "entries", (ull)max);
                goto fail;
            }
        }
        if (!cur_has(&c, count * width)) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: key '%s' at byte %llu: value of %llu bytes runs past the end "
                             "of the key-value table at byte %llu",
                             origin, key, (ull)at, (ull)(count * width), (ull)c.end);
            goto fail;
        }
        const uint8_t *v = buf + c.pos;
        const uint8_t *nul = type == LGC_KV_STR ? memchr(v, 0, (size_t)count) : NULL;
        if (nul) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: key '%s' at byte %llu: string contains a NUL byte at byte "
                             "%llu",
                             origin, key, (ull)at, (ull)(c.pos + (uint64_t)(nul - v)));
            goto fail;
        }
        /* Append first, so that the set holds the record's own copy of the
         * key; on a duplicate the half-built package is discarded anyway. */
        pkg_kv_rec *r = pkg_kv_append(p, key);
        if (!r) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", origin);
            goto fail;
        }
        if (nameset_insert(&seen, r->pub.key)) {
            st = lgc_err_set(err, LGC_ERR_FORMAT, "%s: duplicate key '%s' at byte %llu", origin,
                             key, (ull)at);
            goto fail;
        }
        r->pub.type = (lgc_kv_type)type;
        r->pub.n = (size_t)count;
        if (type == LGC_KV_STR || ((type == LGC_KV_F64_ARRAY || type == LGC_KV_U64_ARRAY) &&
                                   count > 0)) {
            r->own = malloc((size_t)(count * width) + 1);
            if (!r->own) {
                st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory for key '%s'", origin,
                                 key);
                goto fail;
            }
        }
        uint64_t bits;
        switch ((lgc_kv_type)type) {
        case LGC_KV_U64: r->pub.v.u64 = pkg_get_u64(v); break;
        case LGC_KV_I64: r->pub.v.i64 = (int64_t)pkg_get_u64(v); break;
        case LGC_KV_F64:
            bits = pkg_get_u64(v);
            memcpy(&r->pub.v.f64, &bits, sizeof bits);
            break;
        case LGC_KV_STR:
            memcpy(r->own, v, (size_t)count);
            ((char *)r->own)[count] = '\0';
            r->pub.v.str = r->own;
            break;
        case LGC_KV_F64_ARRAY:
            for (uint64_t k = 0; k < count; k++) {
                bits = pkg_get_u64(v + 8 * k);
                memcpy((double *)r->own + k, &bits, sizeof bits);
            }
            r->pub.v.f64s = r->own;
            break;
        case LGC_KV_U64_ARRAY:
            for (uint64_t k = 0; k < count; k++)
                ((uint64_t *)r->own)[k] = pkg_get_u64(v + 8 * k);
            r->pub.v.u64s = r->own;
            break;
        }
        c.pos += count * width;
    }
    if (c.pos != c.end) {
        st = lgc_err_set(err, LGC_ERR_FORMAT,
                         "%s: key-value table has %llu bytes left over after its last record "
                         "at byte %llu",
                         origin, (ull)(c.end - c.pos), (ull)c.pos);
        goto fail;
    }
fail:
    free(seen.slot);
    return st;
}

/* A tensor's data (offset, size) lies exactly at the previous tensor's end
 * (prev_end, named prev) rounded up to the alignment, and inside the data
 * section; *end receives where it ends. */
static lgc_status check_layout(const char *name, uint64_t at, uint64_t offset, uint64_t size,
                               uint64_t prev_end, const char *prev, const pkg_header *h,
                               const char *origin, uint64_t *end, lgc_err *err)
{
    uint64_t expected = 0;
    pkg_align_u64(prev_end, &expected); /* prev_end <= data_size, far from wrapping */
    if (offset % LGC_PKG_ALIGN != 0)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: tensor '%s' at byte %llu: data offset %llu is not a multiple of %d",
                           origin, name, (ull)at, (ull)offset, LGC_PKG_ALIGN);
    if (offset < expected)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: tensor '%s' at byte %llu: data offset %llu overlaps tensor '%s', "
                           "which ends at %llu",
                           origin, name, (ull)at, (ull)offset, prev ? prev : "?", (ull)prev_end);
    if (offset > expected)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: tensor '%s' at byte %llu: gap of %llu bytes before its data "
                           "offset %llu (expected %llu)",
                           origin, name, (ull)at, (ull)(offset - expected), (ull)offset,
                           (ull)expected);
    if (!lgc_u64_add(offset, size, end) || *end > h->data_size)
        return lgc_err_set(err, LGC_ERR_FORMAT,
                           "%s: tensor '%s' at byte %llu: data ends at %llu, past the end of the "
                           "%llu-byte data section",
                           origin, name, (ull)at, (ull)(offset + size), (ull)h->data_size);
    return LGC_OK;
}

/* 17: the tensor table, into p (data pointers not yet set); offsets[i]
 * receives tensor i's data offset. */
static lgc_status parse_tensors(const uint8_t *buf, const pkg_header *h,
                                const lgc_pkg_limits *lim, lgc_pkg *p, uint64_t *offsets,
                                const char *origin, lgc_err *err)
{
    lgc_status st = LGC_OK;
    nameset seen = {0};
    pkg_tensor_rec *r = NULL; /* the record being parsed, until p owns it */
    cursor c = {buf, LGC_PKG_HEADER_SIZE + h->kv_size, h->tables_end};
    uint64_t prev_end = 0;    /* data offset where the previous tensor ended */
    const char *prev = NULL;  /* its name */
    if (!nameset_init(&seen, h->n_tensors) || !pkg_reserve(p, 0, h->n_tensors)) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", origin);
        goto fail;
    }
    for (uint32_t i = 0; i < h->n_tensors; i++) {
        uint64_t at = c.pos;
        r = calloc(1, sizeof *r);
        if (!r) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", origin);
            goto fail;
        }
        lgc_pkg_tensor *t = &r->pub;
        if ((st = read_name(&c, origin, "tensor", i, t->name, err)) != LGC_OK)
            goto fail;
        if (!cur_has(&c, 4)) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: tensor '%s' at byte %llu: record truncated (the tensor table "
                             "ends at byte %llu)",
                             origin, t->name, (ull)at, (ull)c.end);
            goto fail;
        }
        unsigned dtype = buf[c.pos], rank = buf[c.pos + 1];
        unsigned reserved = pkg_get_u16(buf + c.pos + 2);
        if (dtype > LGC_DT_I32) {
            st = lgc_err_set(err, LGC_ERR_FORMAT, "%s: tensor '%s' at byte %llu: unknown dtype %u",
                             origin, t->name, (ull)at, dtype);
            goto fail;
        }
        if (rank < 1 || rank > LGC_PKG_RANK_MAX) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: tensor '%s' at byte %llu: rank %u, must be 1..%d", origin,
                             t->name, (ull)at, rank, LGC_PKG_RANK_MAX);
            goto fail;
        }
        if (reserved != 0) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: tensor '%s' at byte %llu: reserved field is 0x%04x, must be 0",
                             origin, t->name, (ull)at, reserved);
            goto fail;
        }
        c.pos += 4;
        if (!cur_has(&c, 8 * (uint64_t)rank + 16)) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: tensor '%s' at byte %llu: record truncated (the tensor table "
                             "ends at byte %llu)",
                             origin, t->name, (ull)at, (ull)c.end);
            goto fail;
        }
        t->dtype = (lgc_dtype)dtype;
        t->rank = (int)rank;
        uint64_t n_elem = 1, n_bytes;
        int overflow = 0;
        for (int k = 0; k < LGC_PKG_RANK_MAX; k++) {
            t->shape[k] = k < t->rank ? pkg_get_u64(buf + c.pos + 8 * (uint64_t)k) : 1;
            overflow |= !lgc_u64_mul(n_elem, t->shape[k], &n_elem);
        }
        c.pos += 8 * (uint64_t)rank;
        uint64_t offset = pkg_get_u64(buf + c.pos), size = pkg_get_u64(buf + c.pos + 8);
        c.pos += 16;
        if (overflow || !lgc_u64_mul(n_elem, lgc_pkg_dtype_size(t->dtype), &n_bytes)) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: tensor '%s' at byte %llu: shape %llux%llux%llux%llu overflows "
                             "64 bits",
                             origin, t->name, (ull)at, (ull)t->shape[0], (ull)t->shape[1],
                             (ull)t->shape[2], (ull)t->shape[3]);
            goto fail;
        }
        if (n_elem > lim->max_tensor_elems) {
            st = lgc_err_set(err, LGC_ERR_LIMIT,
                             "%s: tensor '%s' has %llu elements, above the limit of %llu", origin,
                             t->name, (ull)n_elem, (ull)lim->max_tensor_elems);
            goto fail;
        }
        if (size != n_bytes) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: tensor '%s' at byte %llu: size field says %llu bytes, its "
                             "shape and dtype make %llu",
                             origin, t->name, (ull)at, (ull)size, (ull)n_bytes);
            goto fail;
        }
        uint64_t end = 0;
        if ((st = check_layout(t->name, at, offset, size, prev_end, prev, h, origin, &end, err)))
            goto fail;
        t->n_elem = n_elem;
        t->n_bytes = (size_t)size; /* <= data_size <= SIZE_MAX */
        pkg_tensor_attach(p, r);   /* cannot fail: room was reserved */
        r = NULL;
        if (nameset_insert(&seen, t->name)) {
            st = lgc_err_set(err, LGC_ERR_FORMAT, "%s: duplicate tensor name '%s' at byte %llu",
                             origin, t->name, (ull)at);
            goto fail;
        }
        offsets[i] = offset;
        prev_end = end;
        prev = t->name;
    }
    if (c.pos != c.end) {
        st = lgc_err_set(err, LGC_ERR_FORMAT,
                         "%s: tensor table has %llu bytes left over after its last record at "
                         "byte %llu",
                         origin, (ull)(c.end - c.pos), (ull)c.pos);
        goto fail;
    }
    if (prev_end != h->data_size) {
        st = lgc_err_set(err, LGC_ERR_FORMAT,
                         "%s: the data section declares %llu bytes but its tensors end at %llu",
                         origin, (ull)h->data_size, (ull)prev_end);
        goto fail;
    }
fail:
    free(r);
    free(seen.slot);
    return st;
}

/* 18: the decoded data section, in a new buffer of data_size bytes. */
static lgc_status decode_data(const uint8_t *buf, const pkg_header *h, const char *origin,
                              uint8_t **blob_out, lgc_err *err)
{
    lgc_status st = LGC_OK;
    const uint8_t *src = buf + h->data_offset;
    size_t n_src = (size_t)h->stored_size, n_dst = (size_t)h->data_size;
    uint8_t *blob = NULL;
    ZSTD_DCtx *dctx = NULL;
    *blob_out = NULL;
    if (h->required & LGC_PKG_FLAG_ZSTD) {
        /* Frame checks before allocating: the frame must declare exactly the
         * size the header does, and nothing may follow it. */
        if (n_src < 4 || pkg_get_u32(src) != ZSTD_MAGICNUMBER) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: data section at byte %llu is not a zstd frame (bad magic)",
                             origin, (ull)h->data_offset);
            goto fail;
        }
        unsigned long long fcs = ZSTD_getFrameContentSize(src, n_src);
        if (fcs == ZSTD_CONTENTSIZE_ERROR) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: data section at byte %llu: invalid zstd frame header", origin,
                             (ull)h->data_offset);
            goto fail;
        }
        if (fcs == ZSTD_CONTENTSIZE_UNKNOWN) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: zstd frame at byte %llu does not declare its content size",
                             origin, (ull)h->data_offset);
            goto fail;
        }
        if (fcs != h->data_size) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: zstd frame at byte %llu claims %llu bytes, the header "
                             "declares %llu",
                             origin, (ull)h->data_offset, fcs, (ull)h->data_size);
            goto fail;
        }
        size_t csize = ZSTD_findFrameCompressedSize(src, n_src);
        if (ZSTD_isError(csize)) {
            st = lgc_err_set(err, LGC_ERR_FORMAT, "%s: zstd frame at byte %llu is damaged: %s",
                             origin, (ull)h->data_offset, ZSTD_getErrorName(csize));
            goto fail;
        }
        if (csize != n_src) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: %zu trailing bytes after the zstd frame that ends at byte %llu",
                             origin, n_src - csize, (ull)(h->data_offset + csize));
            goto fail;
        }
    }
    blob = malloc(n_dst ? n_dst : 1);
    if (!blob) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory for a %zu-byte data section",
                         origin, n_dst);
        goto fail;
    }
    if (!(h->required & LGC_PKG_FLAG_ZSTD)) {
        memcpy(blob, src, n_dst); /* copied: the package must not alias the input */
    } else {
        dctx = ZSTD_createDCtx();
        if (!dctx) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory for zstd", origin);
            goto fail;
        }
        /* The output capacity is the declared size: zstd cannot write more. */
        size_t got = ZSTD_decompressDCtx(dctx, blob, n_dst, src, n_src);
        if (ZSTD_isError(got)) {
            st = lgc_err_set(err, LGC_ERR_FORMAT, "%s: zstd frame at byte %llu does not decode: %s",
                             origin, (ull)h->data_offset, ZSTD_getErrorName(got));
            goto fail;
        }
        if (got != n_dst) {
            st = lgc_err_set(err, LGC_ERR_FORMAT,
                             "%s: zstd frame at byte %llu decodes to %zu bytes, the header "
                             "declares %zu",
                             origin, (ull)h->data_offset, got, n_dst);
            goto fail;
        }
    }
    *blob_out = blob;
    blob = NULL;
fail:
    ZSTD_freeDCtx(dctx);
    free(blob);
    return st;
}

/* 19: the bytes between tensors are zero. */
static lgc_status check_data_padding(const lgc_pkg *p, const uint8_t *blob,
                                     const uint64_t *offsets, const char *origin, lgc_err *err)
{
    uint64_t from = 0;
    for (size_t i = 0; i < p->n_tensors; i++) {
        for (uint64_t k = from; k < offsets[i]; k++)
            if (blob[k] != 0)
                return lgc_err_set(err, LGC_ERR_FORMAT,
                                   "%s: nonzero padding byte 0x%02x at data offset %llu, before "
                                   "tensor '%s'",
                                   origin, blob[k], (ull)k, p->tensors[i]->pub.name);
        from = offsets[i] + p->tensors[i]->pub.n_bytes;
    }
    return LGC_OK;
}

static lgc_status read_named(const uint8_t *buf, size_t n, const lgc_pkg_limits *lim,
                             const char *origin, lgc_pkg **out, lgc_err *err)
{
    lgc_status st;
    lgc_pkg_limits def;
    lgc_pkg *p = NULL;
    uint64_t *offsets = NULL; /* (n_tensors) data offset of each tensor */
    pkg_header h = {0};
    *out = NULL;
    if (!buf && n > 0) {
        st = lgc_err_set(err, LGC_ERR_ARG, "%s: NULL buffer", origin);
        goto fail;
    }
    if (!lim) {
        lgc_pkg_limits_default(&def);
        lim = &def;
    }
    if ((st = check_header(buf, n, lim, origin, &h, err)) != LGC_OK ||
        (st = check_crcs(buf, &h, origin, err)) != LGC_OK)
        goto fail;
    p = pkg_new_named(origin);
    offsets = malloc((h.n_tensors ? h.n_tensors : 1) * sizeof *offsets);
    if (!p || !offsets) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", origin);
        goto fail;
    }
    if ((st = parse_kvs(buf, &h, p, origin, err)) != LGC_OK ||
        (st = parse_tensors(buf, &h, lim, p, offsets, origin, err)) != LGC_OK ||
        (st = decode_data(buf, &h, origin, &p->blob, err)) != LGC_OK ||
        (st = check_data_padding(p, p->blob, offsets, origin, err)) != LGC_OK)
        goto fail;
    for (size_t i = 0; i < p->n_tensors; i++)
        p->tensors[i]->pub.data = p->tensors[i]->pub.n_bytes ? p->blob + offsets[i] : NULL;
    p->zstd_level = h.zstd_level;
    p->features = h.required & ~LGC_PKG_FLAG_ZSTD;
    lgc_pkg_info *info = &p->info;
    info->version_major = h.major;
    info->version_minor = h.minor;
    info->required_flags = h.required;
    info->optional_flags = h.optional;
    info->zstd_level = h.zstd_level;
    info->n_kv = h.n_kv;
    info->n_tensors = h.n_tensors;
    info->header_bytes = LGC_PKG_HEADER_SIZE;
    info->kv_table_bytes = h.kv_size;
    info->tensor_table_bytes = h.tt_size;
    info->pad_bytes = h.data_offset - h.tables_end;
    info->data_stored_bytes = h.stored_size;
    info->data_bytes = h.data_size;
    info->file_bytes = n;
    p->have_info = 1;
    free(offsets);
    *out = p;
    return LGC_OK;
fail:
    free(offsets);
    lgc_pkg_free(p);
    return st;
}

lgc_status lgc_pkg_read_mem(const uint8_t *buf, size_t n, const lgc_pkg_limits *lim,
                            lgc_pkg **out, lgc_err *err)
{
    return read_named(buf, n, lim, "<memory>", out, err);
}

lgc_status lgc_pkg_read_file(const char *path, const lgc_pkg_limits *lim, lgc_pkg **out,
                             lgc_err *err)
{
    lgc_pkg_limits def;
    if (!lim) {
        lgc_pkg_limits_default(&def);
        lim = &def;
    }
    /* The largest file these limits can admit: header, tables, padding and
     * a zstd frame no bigger than zstd's bound for max_data_bytes (which
     * adds under 1/128 plus a little). Saturating, so absurd limits only
     * mean "no file-size cap". */
    uint64_t cap = LGC_PKG_HEADER_SIZE + LGC_PKG_ALIGN, x = lim->max_data_bytes / 128 + 65536;
    int ok = lgc_u64_add(cap, lim->max_meta_bytes, &cap) &&
             lgc_u64_add(cap, lim->max_data_bytes, &cap) && lgc_u64_add(cap, x, &cap);
    size_t max_bytes = !ok || cap > SIZE_MAX ? SIZE_MAX : (size_t)cap;
    uint8_t *buf = NULL;
    size_t n = 0;
    *out = NULL;
    lgc_status st = lgc_read_file(path, max_bytes, &buf, &n, err);
    if (st == LGC_OK)
        st = read_named(buf, n, lim, path, out, err);
    free(buf);
    return st;
}
