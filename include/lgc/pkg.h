/*
 * pkg.h - the .lgc package: typed key-values plus named tensors in one file.
 *
 * A package is what the compressor sends and the decompressor receives: the
 * decoder's weights and the per-class mixture parameters as tensors, and small
 * metadata (class priors, per-class K, seeds, names) as key-values. This
 * module knows tensors and key-values, not models: checking that mixture
 * weights sum to 1 is the codec's job. The byte layout is specified in
 * docs/FORMAT.md; read it before changing anything here.
 *
 * Build a package in memory (lgc_pkg_new, lgc_pkg_set_*, lgc_pkg_add_tensor),
 * then write it (lgc_pkg_write_mem / _file); or read one
 * (lgc_pkg_read_mem / _file) and query it (lgc_pkg_get_*, lgc_pkg_find).
 *
 * Reading is hardened for files from strangers: every count, offset and size
 * is checked against the bytes that remain and against lgc_pkg_limits before
 * anything is allocated, all checksums are verified before any record is
 * interpreted, and the first problem is reported with its offset or name.
 * A package read from memory copies what it needs: it never points into the
 * caller's buffer, which may be freed at once.
 *
 * Writing is deterministic: the same object gives the same bytes, and
 * write -> read -> write is byte-identical (with zstd: for a given libzstd).
 *
 * Pointers returned by lgc_pkg_find, lgc_pkg_tensor_at, lgc_pkg_kv_at and the
 * lgc_pkg_get_* functions stay valid until lgc_pkg_free; a value returned by
 * lgc_pkg_get_str or an array getter also ends when its key is set again.
 * A package is not thread-safe to modify; concurrent reads are fine.
 */
#ifndef LGC_PKG_H
#define LGC_PKG_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/status.h"

#define LGC_PKG_FORMAT_MAJOR 1
#define LGC_PKG_FORMAT_MINOR 2   /* the newest minor this lgc knows; a file states the
                                   * lowest minor that has every feature it uses */
#define LGC_PKG_HEADER_SIZE 80
#define LGC_PKG_ALIGN 32          /* tensor data alignment, data offsets */
#define LGC_PKG_FLAG_ZSTD 0x1u    /* required flag: data section is a zstd frame */
/* Required flag (format 1.1): the codec's mixtures are listed per group
 * (docs/FORMAT.md section 10.2). The container reads the same either way; the
 * flag is there so that a 1.0 reader refuses the file by name instead of
 * taking the mixtures for per-class ones. */
#define LGC_PKG_FLAG_MIXTURES 0x2u
/* Required flag (format 1.2): the package holds real training images that
 * decompression mixes into its output (docs/FORMAT.md section 10.4), so that a
 * reader that would ignore them, and write a different set, refuses instead. */
#define LGC_PKG_FLAG_EXEMPLARS 0x4u
#define LGC_PKG_FLAGS_KNOWN (LGC_PKG_FLAG_ZSTD | LGC_PKG_FLAG_MIXTURES | LGC_PKG_FLAG_EXEMPLARS)

/* Format maxima: a file beyond these is malformed (docs/FORMAT.md section 7). */
#define LGC_PKG_NAME_MAX 64       /* bytes in a key or tensor name */
#define LGC_PKG_RANK_MAX 4
#define LGC_PKG_KV_MAX 4096
#define LGC_PKG_TENSORS_MAX 4096
#define LGC_PKG_STR_MAX (1u << 20)   /* bytes in a string value */
#define LGC_PKG_ARRAY_MAX (1u << 20) /* entries in an array value */
#define LGC_PKG_ZSTD_LEVEL_MAX 22

typedef enum {
    LGC_DT_F32 = 0,
    LGC_DT_F16 = 1,
    LGC_DT_I8 = 2,
    LGC_DT_U8 = 3,
    LGC_DT_I32 = 4
} lgc_dtype;

typedef enum {
    LGC_KV_U64 = 1,
    LGC_KV_I64 = 2,
    LGC_KV_F64 = 3,
    LGC_KV_STR = 4,
    LGC_KV_F64_ARRAY = 5,
    LGC_KV_U64_ARRAY = 6
} lgc_kv_type;

typedef struct lgc_pkg lgc_pkg; /* opaque */

typedef struct {
    char name[LGC_PKG_NAME_MAX + 1];
    lgc_dtype dtype;
    int rank;                          /* 1..LGC_PKG_RANK_MAX */
    uint64_t shape[LGC_PKG_RANK_MAX];  /* row-major, outermost first; entries past rank are 1 */
    uint64_t n_elem;
    size_t n_bytes;                    /* n_elem * lgc_pkg_dtype_size(dtype) */
    const void *data;                  /* n_bytes of little-endian elements, aligned as malloc
                                          aligns (NULL when n_bytes is 0) */
} lgc_pkg_tensor;

typedef struct {
    char key[LGC_PKG_NAME_MAX + 1];
    lgc_kv_type type;
    size_t n; /* string length in bytes (without the NUL), array count, or 1 for a scalar */
    union {
        uint64_t u64;
        int64_t i64;
        double f64;
        const char *str;      /* NUL-terminated */
        const double *f64s;   /* n entries (NULL when n is 0) */
        const uint64_t *u64s; /* n entries (NULL when n is 0) */
    } v;
} lgc_pkg_kv;

/* Caps a reader applies to a file (docs/FORMAT.md section 7). Counts above
 * the format maxima are malformed whatever the limits say. */
typedef struct {
    uint32_t max_kv;           /* key-value records [4096] */
    uint32_t max_tensors;      /* tensor records [4096] */
    uint64_t max_meta_bytes;   /* key-value table + tensor table [16 MiB] */
    uint64_t max_tensor_elems; /* elements in one tensor [2^28] */
    uint64_t max_data_bytes;   /* decoded data section [1 GiB] */
} lgc_pkg_limits;

/* Section sizes, for `lgc info`. They always add up to file_bytes. */
typedef struct {
    unsigned version_major, version_minor;
    uint32_t required_flags, optional_flags;
    int zstd_level;              /* 0: data stored raw */
    uint64_t n_kv, n_tensors;
    uint64_t header_bytes;       /* LGC_PKG_HEADER_SIZE */
    uint64_t kv_table_bytes;
    uint64_t tensor_table_bytes;
    uint64_t pad_bytes;          /* zeros between the tables and the data section */
    uint64_t data_stored_bytes;  /* data section as stored (compressed size with zstd) */
    uint64_t data_bytes;         /* data section decoded */
    uint64_t file_bytes;
} lgc_pkg_info;

void lgc_pkg_limits_default(lgc_pkg_limits *lim);

/* "f32", "f16", "i8", "u8", "i32"; "?" for anything else. */
const char *lgc_pkg_dtype_name(lgc_dtype dt);
/* Bytes per element; 0 for an unknown dtype. */
size_t lgc_pkg_dtype_size(lgc_dtype dt);
/* "u64", "i64", "f64", "str", "f64[]", "u64[]"; "?" for anything else. */
const char *lgc_pkg_kv_type_name(lgc_kv_type t);

/* An empty package (no key-values, no tensors, uncompressed). NULL if out of memory. */
lgc_pkg *lgc_pkg_new(void);
/* NULL is a no-op. */
void lgc_pkg_free(lgc_pkg *p);

/*
 * Key-values. A key is 1..64 bytes of printable ASCII without space
 * (0x21..0x7E); anything else fails with LGC_ERR_ARG. Setting an existing key
 * replaces its value (and type) in place, keeping its position in the file.
 * Strings are at most LGC_PKG_STR_MAX bytes, arrays at most LGC_PKG_ARRAY_MAX
 * entries (v may be NULL when n is 0). Values are copied.
 */
lgc_status lgc_pkg_set_u64(lgc_pkg *p, const char *key, uint64_t v, lgc_err *err);
lgc_status lgc_pkg_set_i64(lgc_pkg *p, const char *key, int64_t v, lgc_err *err);
lgc_status lgc_pkg_set_f64(lgc_pkg *p, const char *key, double v, lgc_err *err);
lgc_status lgc_pkg_set_str(lgc_pkg *p, const char *key, const char *s, lgc_err *err);
lgc_status lgc_pkg_set_f64_array(lgc_pkg *p, const char *key, const double *v, size_t n,
                                 lgc_err *err);
lgc_status lgc_pkg_set_u64_array(lgc_pkg *p, const char *key, const uint64_t *v, size_t n,
                                 lgc_err *err);

/* Getters: a missing key or a value of another type fails with
 * LGC_ERR_FORMAT and a message naming the key (a package that lacks what the
 * codec needs is a malformed package). Returned pointers belong to p. */
lgc_status lgc_pkg_get_u64(const lgc_pkg *p, const char *key, uint64_t *v, lgc_err *err);
lgc_status lgc_pkg_get_i64(const lgc_pkg *p, const char *key, int64_t *v, lgc_err *err);
lgc_status lgc_pkg_get_f64(const lgc_pkg *p, const char *key, double *v, lgc_err *err);
lgc_status lgc_pkg_get_str(const lgc_pkg *p, const char *key, const char **s, lgc_err *err);
lgc_status lgc_pkg_get_f64_array(const lgc_pkg *p, const char *key, const double **v,
                                 size_t *n, lgc_err *err);
lgc_status lgc_pkg_get_u64_array(const lgc_pkg *p, const char *key, const uint64_t **v,
                                 size_t *n, lgc_err *err);

/* Iteration in file order, and lookup without an error (NULL when absent). */
size_t lgc_pkg_n_kv(const lgc_pkg *p);
const lgc_pkg_kv *lgc_pkg_kv_at(const lgc_pkg *p, size_t i);
const lgc_pkg_kv *lgc_pkg_find_kv(const lgc_pkg *p, const char *key);

/*
 * Tensors. Names follow the key rules and must be unique (LGC_ERR_ARG
 * otherwise); rank is 1..4; a dimension may be 0. data holds
 * product(shape) little-endian elements of dtype and is copied (it may be
 * NULL when the tensor is empty). Tensors are stored in the order added.
 */
lgc_status lgc_pkg_add_tensor(lgc_pkg *p, const char *name, lgc_dtype dt, int rank,
                              const uint64_t *shape, const void *data, lgc_err *err);
/* Same, from host floats, encoded as dt, which must be LGC_DT_F32 or
 * LGC_DT_F16 (rounded to nearest even; see lgc/f16.h). */
lgc_status lgc_pkg_add_tensor_f32(lgc_pkg *p, const char *name, lgc_dtype dt, int rank,
                                  const uint64_t *shape, const float *src, lgc_err *err);

size_t lgc_pkg_n_tensors(const lgc_pkg *p);
const lgc_pkg_tensor *lgc_pkg_tensor_at(const lgc_pkg *p, size_t i); /* NULL if i is out of range */
const lgc_pkg_tensor *lgc_pkg_find(const lgc_pkg *p, const char *name); /* NULL when absent */
/* Like lgc_pkg_find, but a missing tensor fails with LGC_ERR_FORMAT naming it. */
lgc_status lgc_pkg_get_tensor(const lgc_pkg *p, const char *name, const lgc_pkg_tensor **t,
                              lgc_err *err);

/* Convert all n_elem elements to host floats in out: f16 exactly, i8/u8/i32
 * as plain integers without scale (i32 beyond 2^24 rounds). */
lgc_status lgc_pkg_tensor_to_f32(const lgc_pkg_tensor *t, float *out, lgc_err *err);
/* LGC_ERR_VALUE naming the first NaN or infinite element of an f32/f16
 * tensor; integer tensors always pass. */
lgc_status lgc_pkg_tensor_check_finite(const lgc_pkg_tensor *t, lgc_err *err);

/* zstd level for the data section: 0 stores it raw, 1..22 compress. */
lgc_status lgc_pkg_set_compression(lgc_pkg *p, int zstd_level, lgc_err *err);
int lgc_pkg_compression(const lgc_pkg *p);

/* Required feature flags other than compression (today LGC_PKG_FLAG_MIXTURES):
 * a writer sets those of the features it uses, a reader finds them here. The
 * container does not interpret them. Unknown or compression bits: LGC_ERR_ARG. */
lgc_status lgc_pkg_set_features(lgc_pkg *p, uint32_t flags, lgc_err *err);
uint32_t lgc_pkg_features(const lgc_pkg *p);

/* A package is encoded once, when first written or measured, and the
 * encoding kept until the package changes: asking for its size, writing it to
 * memory and to a file cost one encoding in all. (Not thread-safe on one
 * package: the cache is filled through the const pointer.) */
/* Serialise to a malloc'd buffer the caller frees. */
lgc_status lgc_pkg_write_mem(const lgc_pkg *p, uint8_t **buf, size_t *n, lgc_err *err);
/* Bytes the package takes once written. */
lgc_status lgc_pkg_encoded_size(const lgc_pkg *p, size_t *n, lgc_err *err);
/* Write atomically (see lgc/io.h); overwrite 0 refuses an existing path.
 * Errors name the path. */
lgc_status lgc_pkg_write_file(const lgc_pkg *p, const char *path, int overwrite, lgc_err *err);

/* Parse and validate a package. lim may be NULL for the defaults. On success
 * *out is a new package the caller frees; on failure it is NULL and err says
 * what the first problem is, starting with "<memory>" or the path. */
lgc_status lgc_pkg_read_mem(const uint8_t *buf, size_t n, const lgc_pkg_limits *lim,
                            lgc_pkg **out, lgc_err *err);
lgc_status lgc_pkg_read_file(const char *path, const lgc_pkg_limits *lim, lgc_pkg **out,
                             lgc_err *err);

/* Section sizes: as read for an unmodified package from lgc_pkg_read_*,
 * otherwise those lgc_pkg_write_mem would produce (which may mean
 * compressing the data once). */
lgc_status lgc_pkg_get_info(const lgc_pkg *p, lgc_pkg_info *info, lgc_err *err);

#endif
