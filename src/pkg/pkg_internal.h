/*
 * pkg_internal.h - what the package object, writer and reader share:
 * the object's layout, little-endian codecs and a few checked helpers.
 * Not a public header; only src/pkg/ includes it.
 */
#ifndef LGC_PKG_INTERNAL_H
#define LGC_PKG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/ckd.h"

#include "lgc/pkg.h"

/* Header field offsets (docs/FORMAT.md section 2). */
enum {
    PKG_OFF_MAGIC = 0,
    PKG_OFF_MAJOR = 8,
    PKG_OFF_MINOR = 10,
    PKG_OFF_REQUIRED = 12,
    PKG_OFF_OPTIONAL = 16,
    PKG_OFF_N_KV = 20,
    PKG_OFF_N_TENSORS = 24,
    PKG_OFF_ZSTD_LEVEL = 28,
    PKG_OFF_KV_SIZE = 32,
    PKG_OFF_TT_SIZE = 40,
    PKG_OFF_DATA_SIZE = 48,
    PKG_OFF_STORED_SIZE = 56,
    PKG_OFF_TABLES_CRC = 64,
    PKG_OFF_DATA_CRC = 68,
    PKG_OFF_RESERVED = 72,
    PKG_OFF_HEADER_CRC = 76
};

/* Smallest possible records, used to bound counts by table sizes before
 * allocating: name length + 1-byte name + type + 4-byte count, and name
 * length + name + dtype + rank + reserved + one dim + offset + size. */
#define PKG_KV_REC_MIN 8u
#define PKG_TENSOR_REC_MIN 31u

extern const uint8_t lgc_pkg_magic[8];

typedef struct {
    lgc_pkg_kv pub;
    void *own; /* string or array storage that pub.v points to, or NULL */
} pkg_kv_rec;

typedef struct {
    lgc_pkg_tensor pub;
    void *own; /* data copied in by lgc_pkg_add_tensor; NULL when it lives in the blob */
} pkg_tensor_rec;

struct lgc_pkg {
    /* Arrays of pointers, so that records handed out stay put when the arrays grow. */
    pkg_kv_rec **kv;
    size_t n_kv, cap_kv;
    pkg_tensor_rec **tensors;
    size_t n_tensors, cap_tensors;
    uint8_t *blob;   /* decoded data section of a package that was read */
    int zstd_level;
    uint32_t features; /* required flags besides LGC_PKG_FLAG_ZSTD */
    char *origin;    /* "<memory>" or the path it was read from: starts error messages */
    int have_info;   /* info describes the file this package was read from, or its
                      * encoding in enc, unchanged since */
    lgc_pkg_info info;
    /* The encoding of the package as it is now, made once by pkg_write.c
     * (lgc_pkg_write_file, _mem, lgc_pkg_encoded_size, lgc_pkg_get_info) and
     * dropped by any change (pkg_changed): a package is encoded once however
     * often its size is asked and it is written. A cache, not part of the
     * package's value, so it is filled through const pointers. */
    uint8_t *enc;
    size_t n_enc;
};

/* Any change to p: drops the cached encoding and info. */
void pkg_changed(lgc_pkg *p);

static inline void pkg_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void pkg_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void pkg_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t pkg_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t pkg_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline uint64_t pkg_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* x rounded up to a multiple of LGC_PKG_ALIGN; 0 on overflow. */
static inline int pkg_align_u64(uint64_t x, uint64_t *r)
{
    if (!lgc_u64_add(x, LGC_PKG_ALIGN - 1, r))
        return 0;
    *r &= ~(uint64_t)(LGC_PKG_ALIGN - 1);
    return 1;
}

/* zlib's CRC-32 over any length (zlib's crc32 takes a 32-bit length). */
uint32_t pkg_crc32(const uint8_t *buf, size_t n);

/* Index of the first byte of name[0..len) outside 0x21..0x7E, or len if none. */
size_t pkg_name_bad_byte(const uint8_t *name, size_t len);

/* A fresh empty package whose messages start with origin. */
lgc_pkg *pkg_new_named(const char *origin);
/* Append a new key-value record for key (no duplicate check: callers have
 * done it); NULL when out of memory. */
pkg_kv_rec *pkg_kv_append(lgc_pkg *p, const char *key);
/* Append a complete tensor record, which p then owns; 0 when out of memory
 * (the record stays the caller's). */
int pkg_tensor_attach(lgc_pkg *p, pkg_tensor_rec *r);
/* Reserve room for n more records so appends cannot fail half-way. */
int pkg_reserve(lgc_pkg *p, size_t n_kv, size_t n_tensors);

/* Serialise p; also fills info (if non-NULL) with the section sizes. Errors start with origin. */
lgc_status pkg_encode(const lgc_pkg *p, const char *origin, uint8_t **out, size_t *n_out,
                      lgc_pkg_info *info, lgc_err *err);

#endif
