/*
 * pkgtest.h - helpers shared by the package tests: a sample package that
 * exercises every key-value type and dtype, and byte-level access to a
 * written file by the layout in docs/FORMAT.md (deliberately re-derived here
 * from the document, not taken from the library, so the tests check the spec).
 */
#ifndef LGC_TESTS_PKGTEST_H
#define LGC_TESTS_PKGTEST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lgc/pkg.h"

enum { HDR = 80, ALIGN = 32 };

static inline uint64_t t_get(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline void t_put(uint8_t *p, int bytes, uint64_t v)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline size_t t_tables_end(const uint8_t *b)
{
    return HDR + (size_t)t_get(b + 32, 8) + (size_t)t_get(b + 40, 8);
}

static inline size_t t_data_offset(const uint8_t *b)
{
    return (t_tables_end(b) + ALIGN - 1) / ALIGN * ALIGN;
}

static inline uint32_t t_crc(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

/* Recompute all three CRCs after a patch, from the (patched) header sizes.
 * Safe on any bytes: a CRC whose region the header puts outside the buffer
 * is left alone. */
static inline void t_fix_crcs(uint8_t *b, size_t n)
{
    if (n < HDR)
        return;
    uint64_t kv = t_get(b + 32, 8), tt = t_get(b + 40, 8), stored = t_get(b + 56, 8);
    if (kv <= n && tt <= n && HDR + kv + tt <= n) {
        size_t d = (size_t)((HDR + kv + tt + ALIGN - 1) / ALIGN * ALIGN);
        if (d <= n) {
            t_put(b + 64, 4, t_crc(b + HDR, d - HDR));
            if (stored <= n - d)
                t_put(b + 68, 4, t_crc(b + d, (size_t)stored));
        }
    }
    t_put(b + 76, 4, t_crc(b, 76));
}

/* Byte offset of the i-th tensor record. */
static inline size_t t_tensor_rec(const uint8_t *b, size_t i)
{
    size_t pos = HDR + (size_t)t_get(b + 32, 8);
    for (size_t k = 0; k < i; k++) {
        size_t len = (size_t)t_get(b + pos, 2);
        unsigned rank = b[pos + 2 + len + 1];
        pos += 2 + len + 4 + 8 * rank + 16;
    }
    return pos;
}

/* Fields of a tensor record at rec. */
static inline size_t t_rec_name_len(const uint8_t *b, size_t rec) { return (size_t)t_get(b + rec, 2); }
static inline size_t t_rec_dtype(const uint8_t *b, size_t rec) { return rec + 2 + t_rec_name_len(b, rec); }
static inline size_t t_rec_rank(const uint8_t *b, size_t rec) { return t_rec_dtype(b, rec) + 1; }
static inline size_t t_rec_shape(const uint8_t *b, size_t rec) { return t_rec_dtype(b, rec) + 4; }
static inline size_t t_rec_offset(const uint8_t *b, size_t rec)
{
    return t_rec_shape(b, rec) + 8 * (size_t)b[t_rec_rank(b, rec)];
}

/* Byte offset of the i-th key-value record. */
static inline size_t t_kv_rec(const uint8_t *b, size_t i)
{
    size_t pos = HDR;
    for (size_t k = 0; k < i; k++) {
        size_t len = (size_t)t_get(b + pos, 2);
        unsigned type = b[pos + 2 + len];
        pos += 2 + len + 1;
        if (type <= 3)
            pos += 8;
        else if (type == 4)
            pos += 4 + (size_t)t_get(b + pos, 4);
        else
            pos += 4 + 8 * (size_t)t_get(b + pos, 4);
    }
    return pos;
}

/* Sample tensors: sizes that are not multiples of 32, so there is padding. */
static const float T_W1[6] = {1.5f, -2.25f, 0.0f, 3.0e-5f, 65504.0f, -1.0f};
static const float T_H[5] = {0.5f, -0.333f, 1024.0f, 6.1e-5f, -7.0f};
static const int8_t T_I8[3] = {-128, 0, 127};
static const uint8_t T_U8[7] = {0, 1, 2, 3, 250, 254, 255};
static const uint8_t T_I32_LE[8] = {0xff, 0xff, 0xff, 0xff, 0x40, 0x42, 0x0f, 0x00}; /* -1, 1000000 */

/* A small package with every key-value type and every dtype. */
static inline lgc_pkg *t_sample(int zstd_level)
{
    lgc_pkg *p = lgc_pkg_new();
    if (!p)
        return NULL;
    const double priors[3] = {0.25, 0.5, 0.25};
    const uint64_t ks[3] = {2, 3, 1};
    const uint64_t s23[2] = {2, 3}, s5[1] = {5}, s3[1] = {3}, s7[1] = {7}, s2[1] = {2};
    const uint64_t s0[2] = {4, 0};
    int ok = lgc_pkg_set_u64(p, "lgc.n_classes", 3, NULL) == LGC_OK &&
             lgc_pkg_set_i64(p, "lgc.offset", -42, NULL) == LGC_OK &&
             lgc_pkg_set_f64(p, "lgc.beta", 0.125, NULL) == LGC_OK &&
             lgc_pkg_set_str(p, "lgc.dataset", "mnist", NULL) == LGC_OK &&
             lgc_pkg_set_f64_array(p, "gmm.priors", priors, 3, NULL) == LGC_OK &&
             lgc_pkg_set_u64_array(p, "gmm.k", ks, 3, NULL) == LGC_OK &&
             lgc_pkg_add_tensor_f32(p, "dec.w1", LGC_DT_F32, 2, s23, T_W1, NULL) == LGC_OK &&
             lgc_pkg_add_tensor_f32(p, "dec.h", LGC_DT_F16, 1, s5, T_H, NULL) == LGC_OK &&
             lgc_pkg_add_tensor(p, "q.i8", LGC_DT_I8, 1, s3, T_I8, NULL) == LGC_OK &&
             lgc_pkg_add_tensor(p, "q.u8", LGC_DT_U8, 1, s7, T_U8, NULL) == LGC_OK &&
             lgc_pkg_add_tensor(p, "q.empty", LGC_DT_F32, 2, s0, NULL, NULL) == LGC_OK &&
             lgc_pkg_add_tensor(p, "q.i32", LGC_DT_I32, 1, s2, T_I32_LE, NULL) == LGC_OK &&
             lgc_pkg_set_compression(p, zstd_level, NULL) == LGC_OK;
    if (!ok) {
        lgc_pkg_free(p);
        return NULL;
    }
    return p;
}

#endif
