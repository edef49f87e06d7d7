/* test_pkg_bad.c - a table of hand-made bad packages, each refused with a
 * specific status and message (docs/FORMAT.md section 8), plus the file
 * cases: empty file, directory, missing file, oversized file.
 *
 * Each case starts from the valid sample package, patches bytes, and (when
 * the case targets a check after the checksums) recomputes the CRCs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <cmocka.h>

#include "pkg/pkgtest.h"

/* Sample layout (see pkgtest.h): key-values lgc.n_classes, lgc.offset,
 * lgc.beta, lgc.dataset, gmm.priors, gmm.k; tensors dec.w1 (f32 2x3 at 0),
 * dec.h (f16 5 at 32), q.i8 (3 at 64), q.u8 (7 at 96), q.empty (0 bytes at
 * 128), q.i32 (2 at 128); data section 136 bytes. */

static size_t rec(const uint8_t *b, size_t i) { return t_tensor_rec(b, i); }
static void set_offset(uint8_t *b, size_t i, uint64_t v) { t_put(b + t_rec_offset(b, rec(b, i)), 8, v); }
static size_t kv_value(const uint8_t *b, size_t i)
{
    size_t r = t_kv_rec(b, i);
    return r + 2 + (size_t)t_get(b + r, 2) + 1;
}

static void p_empty(uint8_t *b, size_t *n) { (void)b; *n = 0; }
static void p_magic(uint8_t *b, size_t *n) { (void)n; b[1] = 'X'; }
static void p_foreign_short(uint8_t *b, size_t *n) { memcpy(b, "GIF", 3); *n = 3; }
static void p_trunc_header(uint8_t *b, size_t *n) { (void)b; *n = 40; }
static void p_major2(uint8_t *b, size_t *n) { (void)n; t_put(b + 8, 2, 2); }
static void p_major0(uint8_t *b, size_t *n) { (void)n; t_put(b + 8, 2, 0); }
static void p_minor9(uint8_t *b, size_t *n) { (void)n; t_put(b + 10, 2, 9); }
static void p_req_flag(uint8_t *b, size_t *n) { (void)n; b[12] |= 0x8; }
static void p_ex_flag_1_1(uint8_t *b, size_t *n) { (void)n; b[12] |= 0x4; t_put(b + 10, 2, 1); }
static void p_mix_flag_1_0(uint8_t *b, size_t *n) { (void)n; b[12] |= 0x2; }
static void p_mix_flag_1_1(uint8_t *b, size_t *n) { (void)n; b[12] |= 0x2; t_put(b + 10, 2, 1); }
static void p_opt_flag(uint8_t *b, size_t *n) { (void)n; b[16] |= 0x80; }
static void p_reserved(uint8_t *b, size_t *n) { (void)n; b[72] = 1; }
static void p_flip_header(uint8_t *b, size_t *n) { (void)n; b[20] ^= 1; }
static void p_flip_tables(uint8_t *b, size_t *n) { (void)n; b[HDR + 3] ^= 0x10; }
static void p_flip_data(uint8_t *b, size_t *n) { b[*n - 3] ^= 0x10; }
static void p_trunc_data(uint8_t *b, size_t *n) { (void)b; *n -= 1; }
static void p_trunc_tables(uint8_t *b, size_t *n) { (void)b; *n = 100; }
static void p_trailing(uint8_t *b, size_t *n) { b[(*n)++] = 0; }
static void p_level_raw(uint8_t *b, size_t *n) { (void)n; t_put(b + 28, 4, 5); }
static void p_level_zstd0(uint8_t *b, size_t *n) { (void)n; t_put(b + 28, 4, 0); }
static void p_n_tensors_absurd(uint8_t *b, size_t *n) { (void)n; t_put(b + 24, 4, 0xffffffffu); }
static void p_n_kv_absurd(uint8_t *b, size_t *n) { (void)n; t_put(b + 20, 4, 100000); }
static void p_n_tensors_unfit(uint8_t *b, size_t *n) { (void)n; t_put(b + 24, 4, 100); }
static void p_data_size(uint8_t *b, size_t *n) { (void)n; t_put(b + 48, 8, 137); }
static void p_overlap(uint8_t *b, size_t *n) { (void)n; set_offset(b, 1, 0); }
static void p_misaligned(uint8_t *b, size_t *n) { (void)n; set_offset(b, 1, 40); }
static void p_gap(uint8_t *b, size_t *n) { (void)n; set_offset(b, 1, 64); }
static void p_size_field(uint8_t *b, size_t *n) { (void)n; t_put(b + t_rec_offset(b, rec(b, 0)) + 8, 8, 25); }
static void p_past_end(uint8_t *b, size_t *n)
{
    (void)n;
    size_t r = rec(b, 5);
    t_put(b + t_rec_shape(b, r), 8, 3);
    t_put(b + t_rec_offset(b, r) + 8, 8, 12);
}
static void p_short_of_end(uint8_t *b, size_t *n)
{
    (void)n;
    size_t r = rec(b, 5);
    t_put(b + t_rec_shape(b, r), 8, 1);
    t_put(b + t_rec_offset(b, r) + 8, 8, 4);
}
static void p_data_pad(uint8_t *b, size_t *n) { (void)n; b[t_data_offset(b) + 24] = 1; }
static void p_tables_pad(uint8_t *b, size_t *n) { (void)n; b[t_tables_end(b)] = 1; }
static void p_dup_tensor(uint8_t *b, size_t *n) { (void)n; memcpy(b + rec(b, 3) + 2, "q.i8", 4); }
static void p_dup_key(uint8_t *b, size_t *n) { (void)n; memcpy(b + t_kv_rec(b, 4) + 2, "lgc.offset", 10); }
static void p_dtype(uint8_t *b, size_t *n) { (void)n; b[t_rec_dtype(b, rec(b, 0))] = 9; }
static void p_rank5(uint8_t *b, size_t *n) { (void)n; b[t_rec_rank(b, rec(b, 0))] = 5; }
static void p_rank0(uint8_t *b, size_t *n) { (void)n; b[t_rec_rank(b, rec(b, 0))] = 0; }
static void p_rec_reserved(uint8_t *b, size_t *n) { (void)n; b[t_rec_rank(b, rec(b, 0)) + 1] = 1; }
static void p_shape_overflow(uint8_t *b, size_t *n)
{
    (void)n;
    size_t s = t_rec_shape(b, rec(b, 0));
    t_put(b + s, 8, 1ull << 32);
    t_put(b + s + 8, 8, 1ull << 32);
}
static void p_elems_absurd(uint8_t *b, size_t *n)
{
    (void)n;
    size_t s = t_rec_shape(b, rec(b, 0));
    t_put(b + s, 8, 1ull << 20);
    t_put(b + s + 8, 8, 1ull << 20);
}
static void p_name_nul(uint8_t *b, size_t *n) { (void)n; b[rec(b, 0) + 2 + 2] = 0; }
static void p_name_long(uint8_t *b, size_t *n) { (void)n; t_put(b + rec(b, 0), 2, 65); }
static void p_name_empty(uint8_t *b, size_t *n) { (void)n; t_put(b + rec(b, 0), 2, 0); }
static void p_key_escape(uint8_t *b, size_t *n) { (void)n; b[HDR + 2] = 0x1b; }
static void p_kv_type(uint8_t *b, size_t *n) { (void)n; b[kv_value(b, 0) - 1] = 9; }
static void p_str_nul(uint8_t *b, size_t *n) { (void)n; b[kv_value(b, 3) + 4 + 2] = 0; }
static void p_str_absurd(uint8_t *b, size_t *n) { (void)n; t_put(b + kv_value(b, 3), 4, 0xffffffffu); }
static void p_array_past(uint8_t *b, size_t *n) { (void)n; t_put(b + kv_value(b, 5), 4, 1000); }
static void p_kv_size(uint8_t *b, size_t *n)
{
    (void)n;
    t_put(b + 32, 8, t_get(b + 32, 8) + 8);
    t_put(b + 40, 8, t_get(b + 40, 8) - 8);
}

/* Offset and width of the Frame_Content_Size field of the zstd frame at f
 * (RFC 8878 section 3.1.1.1). */
static void zstd_fcs_field(const uint8_t *f, size_t *off, int *width)
{
    unsigned fhd = f[4], fcs_flag = fhd >> 6, single = (fhd >> 5) & 1, did = fhd & 3;
    static const int did_size[4] = {0, 1, 2, 4};
    *off = 5 + (single ? 0 : 1) + (size_t)did_size[did];
    *width = fcs_flag == 0 ? (single ? 1 : 0) : 1 << fcs_flag;
}

static void p_zstd_claims_more(uint8_t *b, size_t *n)
{
    (void)n;
    uint8_t *f = b + t_data_offset(b);
    size_t off;
    int w;
    zstd_fcs_field(f, &off, &w);
    assert_true(w > 0);
    t_put(f + off, w, t_get(f + off, w) + 1);
}
static void p_zstd_magic(uint8_t *b, size_t *n) { (void)n; b[t_data_offset(b)] ^= 0xff; }
static void p_zstd_trailing(uint8_t *b, size_t *n)
{
    memset(b + *n, 0, 4);
    *n += 4;
    t_put(b + 56, 8, t_get(b + 56, 8) + 4);
}
/* Replace the data section by a recompressed copy of itself after
 * pass_data (may be NULL) edits the decoded bytes; with_size 0 makes a frame
 * that does not declare its content size. */
static void rezstd(uint8_t *b, size_t *n, void (*edit)(uint8_t *raw), int with_size)
{
    size_t d = t_data_offset(b);
    uint8_t raw[136];
    ZSTD_DCtx *dx = ZSTD_createDCtx();
    assert_int_equal(ZSTD_decompressDCtx(dx, raw, sizeof raw, b + d, *n - d), sizeof raw);
    ZSTD_freeDCtx(dx);
    if (edit)
        edit(raw);
    ZSTD_CCtx *cx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cx, ZSTD_c_contentSizeFlag, with_size);
    size_t z = ZSTD_compress2(cx, b + d, 512, raw, sizeof raw);
    assert_false(ZSTD_isError(z));
    ZSTD_freeCCtx(cx);
    t_put(b + 56, 8, z);
    *n = d + z;
}
static void e_pad(uint8_t *raw) { raw[24] = 1; }
static void p_zstd_no_size(uint8_t *b, size_t *n) { rezstd(b, n, NULL, 0); }
static void p_zstd_data_pad(uint8_t *b, size_t *n) { rezstd(b, n, e_pad, 1); }
static void p_zstd_same(uint8_t *b, size_t *n) { rezstd(b, n, NULL, 1); }

static void l_tensors2(lgc_pkg_limits *l) { l->max_tensors = 2; }
static void l_kv1(lgc_pkg_limits *l) { l->max_kv = 1; }
static void l_meta(lgc_pkg_limits *l) { l->max_meta_bytes = 10; }
static void l_data(lgc_pkg_limits *l) { l->max_data_bytes = 100; }

typedef struct {
    const char *name;
    int level;                         /* compression of the sample */
    void (*patch)(uint8_t *b, size_t *n);
    int fix;                           /* recompute the CRCs after patching */
    void (*limits)(lgc_pkg_limits *l); /* NULL: defaults */
    lgc_status want;
    const char *msg;                   /* a substring of the message */
} bad_case;

static const bad_case cases[] = {
    {"empty file", 0, p_empty, 0, NULL, LGC_ERR_FORMAT, "empty file (0 bytes)"},
    {"bad magic", 0, p_magic, 0, NULL, LGC_ERR_FORMAT, "bad magic number at byte 0"},
    {"short foreign file", 0, p_foreign_short, 0, NULL, LGC_ERR_FORMAT, "bad magic"},
    {"truncated header", 0, p_trunc_header, 0, NULL, LGC_ERR_FORMAT,
     "truncated header: the file has 40 bytes, the header needs 80"},
    {"newer major version", 0, p_major2, 0, NULL, LGC_ERR_VERSION,
     "made by a newer lgc: format 2.x, this reader knows 1.x"},
    {"major version 0", 0, p_major0, 0, NULL, LGC_ERR_VERSION, "format 0.x is not a released"},
    {"newer minor version is fine", 0, p_minor9, 1, NULL, LGC_OK, ""},
    {"unknown required flag", 0, p_req_flag, 1, NULL, LGC_ERR_VERSION,
     "unknown required feature flag(s) 0x00000008"},
    {"the 1.2 exemplars flag in a file that says 1.1", 0, p_ex_flag_1_1, 1, NULL, LGC_ERR_FORMAT,
     "required flag 0x00000004 belongs to format 1.2, but the file says 1.1"},
    {"the 1.1 mixtures flag in a file that says 1.0", 0, p_mix_flag_1_0, 1, NULL, LGC_ERR_FORMAT,
     "required flag 0x00000002 belongs to format 1.1, but the file says 1.0"},
    {"the 1.1 mixtures flag is known to the container", 0, p_mix_flag_1_1, 1, NULL, LGC_OK, ""},
    {"unknown optional flag is fine", 0, p_opt_flag, 1, NULL, LGC_OK, ""},
    {"nonzero reserved header field", 0, p_reserved, 1, NULL, LGC_ERR_FORMAT,
     "reserved header field at byte 72 is 0x00000001"},
    {"header checksum", 0, p_flip_header, 0, NULL, LGC_ERR_CHECKSUM, "header checksum mismatch"},
    {"tables checksum", 0, p_flip_tables, 0, NULL, LGC_ERR_CHECKSUM,
     "checksum mismatch in the tables"},
    {"data checksum", 0, p_flip_data, 0, NULL, LGC_ERR_CHECKSUM,
     "checksum mismatch in the data section"},
    {"data checksum, zstd", 3, p_flip_data, 0, NULL, LGC_ERR_CHECKSUM,
     "checksum mismatch in the data section"},
    {"truncated data", 0, p_trunc_data, 0, NULL, LGC_ERR_FORMAT,
     "truncated: the data section needs 136 bytes"},
    {"truncated tables", 0, p_trunc_tables, 0, NULL, LGC_ERR_FORMAT,
     "truncated: the tables end at byte"},
    {"trailing bytes", 0, p_trailing, 0, NULL, LGC_ERR_FORMAT, "1 trailing bytes after the end"},
    {"zstd level on raw data", 0, p_level_raw, 1, NULL, LGC_ERR_FORMAT,
     "zstd level 5 at byte 28 does not fit a raw data section"},
    {"zstd level 0 on compressed data", 3, p_level_zstd0, 1, NULL, LGC_ERR_FORMAT,
     "zstd level 0 at byte 28 does not fit a compressed"},
    {"absurd tensor count", 0, p_n_tensors_absurd, 1, NULL, LGC_ERR_FORMAT,
     "4294967295 tensors, the format allows 4096"},
    {"absurd key-value count", 0, p_n_kv_absurd, 1, NULL, LGC_ERR_FORMAT,
     "100000 key-values, the format allows 4096"},
    {"tensor count above the caller's limit", 0, NULL, 0, l_tensors2, LGC_ERR_LIMIT,
     "6 tensors, above the limit of 2"},
    {"key-value count above the caller's limit", 0, NULL, 0, l_kv1, LGC_ERR_LIMIT,
     "6 key-values, above the limit of 1"},
    {"tensor count that cannot fit its table", 0, p_n_tensors_unfit, 1, NULL, LGC_ERR_FORMAT,
     "100 tensors cannot fit in a tensor table"},
    {"tables above the caller's limit", 0, NULL, 0, l_meta, LGC_ERR_LIMIT,
     "above the limit of 10"},
    {"data above the caller's limit", 0, NULL, 0, l_data, LGC_ERR_LIMIT,
     "data section of 136 bytes, above the limit of 100"},
    {"raw data size disagrees", 0, p_data_size, 1, NULL, LGC_ERR_FORMAT,
     "raw data section is stored in 136 bytes but declares 137"},
    {"overlapping tensors", 0, p_overlap, 1, NULL, LGC_ERR_FORMAT,
     "data offset 0 overlaps tensor 'dec.w1', which ends at 24"},
    {"misaligned tensor offset", 0, p_misaligned, 1, NULL, LGC_ERR_FORMAT,
     "data offset 40 is not a multiple of 32"},
    {"gap between tensors", 0, p_gap, 1, NULL, LGC_ERR_FORMAT,
     "gap of 32 bytes before its data offset 64 (expected 32)"},
    {"tensor past the data section", 0, p_past_end, 1, NULL, LGC_ERR_FORMAT,
     "data ends at 140, past the end of the 136-byte data section"},
    {"data section longer than its tensors", 0, p_short_of_end, 1, NULL, LGC_ERR_FORMAT,
     "declares 136 bytes but its tensors end at 132"},
    {"size field disagrees with shape", 0, p_size_field, 1, NULL, LGC_ERR_FORMAT,
     "size field says 25 bytes, its shape and dtype make 24"},
    {"nonzero padding between tensors", 0, p_data_pad, 1, NULL, LGC_ERR_FORMAT,
     "nonzero padding byte 0x01 at data offset 24, before tensor 'dec.h'"},
    {"nonzero padding between tensors, zstd", 3, p_zstd_data_pad, 1, NULL, LGC_ERR_FORMAT,
     "at data offset 24"},
    {"nonzero padding before the data section", 0, p_tables_pad, 1, NULL, LGC_ERR_FORMAT,
     "before the data section"},
    {"duplicate tensor name", 0, p_dup_tensor, 1, NULL, LGC_ERR_FORMAT,
     "duplicate tensor name 'q.i8'"},
    {"duplicate key", 0, p_dup_key, 1, NULL, LGC_ERR_FORMAT, "duplicate key 'lgc.offset'"},
    {"unknown dtype", 0, p_dtype, 1, NULL, LGC_ERR_FORMAT, "unknown dtype 9"},
    {"rank 5", 0, p_rank5, 1, NULL, LGC_ERR_FORMAT, "rank 5, must be 1..4"},
    {"rank 0", 0, p_rank0, 1, NULL, LGC_ERR_FORMAT, "rank 0, must be 1..4"},
    {"nonzero reserved tensor field", 0, p_rec_reserved, 1, NULL, LGC_ERR_FORMAT,
     "reserved field is 0x0001, must be 0"},
    {"shape overflow", 0, p_shape_overflow, 1, NULL, LGC_ERR_FORMAT,
     "shape 4294967296x4294967296x1x1 overflows 64 bits"},
    {"absurd element count", 0, p_elems_absurd, 1, NULL, LGC_ERR_LIMIT,
     "tensor 'dec.w1' has 1099511627776 elements, above the limit"},
    {"NUL in a name", 0, p_name_nul, 1, NULL, LGC_ERR_FORMAT, "name has byte 0x00 at byte"},
    {"name too long", 0, p_name_long, 1, NULL, LGC_ERR_FORMAT,
     "name length 65, must be 1..64"},
    {"empty name", 0, p_name_empty, 1, NULL, LGC_ERR_FORMAT, "name length 0, must be 1..64"},
    {"escape byte in a key", 0, p_key_escape, 1, NULL, LGC_ERR_FORMAT,
     "key-value 0 at byte 80: name has byte 0x1b"},
    {"unknown value type", 0, p_kv_type, 1, NULL, LGC_ERR_FORMAT,
     "key 'lgc.n_classes' at byte 80: unknown value type 9"},
    {"NUL in a string", 0, p_str_nul, 1, NULL, LGC_ERR_FORMAT,
     "string contains a NUL byte"},
    {"absurd string length", 0, p_str_absurd, 1, NULL, LGC_ERR_FORMAT,
     "string of 4294967295 bytes, the format allows 1048576"},
    {"array past its table", 0, p_array_past, 1, NULL, LGC_ERR_FORMAT,
     "value of 8000 bytes runs past the end of the key-value table"},
    {"key-value table size disagrees", 0, p_kv_size, 1, NULL, LGC_ERR_FORMAT,
     "key-value table has 8 bytes left over"},
    {"zstd frame claiming more than declared", 3, p_zstd_claims_more, 1, NULL, LGC_ERR_FORMAT,
     "claims 137 bytes, the header declares 136"},
    {"data section not a zstd frame", 3, p_zstd_magic, 1, NULL, LGC_ERR_FORMAT,
     "is not a zstd frame (bad magic)"},
    {"bytes after the zstd frame", 3, p_zstd_trailing, 1, NULL, LGC_ERR_FORMAT,
     "4 trailing bytes after the zstd frame"},
    {"recompressed frame is fine (the test's own control)", 3, p_zstd_same, 1, NULL, LGC_OK,
     ""},
    {"zstd frame without content size", 3, p_zstd_no_size, 1, NULL, LGC_ERR_FORMAT,
     "does not declare its content size"},
};

static void run_case(const bad_case *c)
{
    lgc_pkg *p = t_sample(c->level);
    uint8_t *good, *b;
    size_t n;
    assert_int_equal(lgc_pkg_write_mem(p, &good, &n, NULL), LGC_OK);
    lgc_pkg_free(p);
    b = calloc(n + 1024, 1); /* room for cases that append */
    memcpy(b, good, n);
    free(good);
    if (c->patch)
        c->patch(b, &n);
    if (c->fix)
        t_fix_crcs(b, n);
    lgc_pkg_limits lim;
    lgc_pkg_limits_default(&lim);
    if (c->limits)
        c->limits(&lim);
    lgc_err e = {0};
    lgc_pkg *r = NULL;
    lgc_status st = lgc_pkg_read_mem(b, n, &lim, &r, &e);
    if (st != c->want || !strstr(e.msg, c->msg))
        fail_msg("case '%s': got %s \"%s\", want %s containing \"%s\"", c->name,
                 lgc_status_str(st), e.msg, lgc_status_str(c->want), c->msg);
    if (st == LGC_OK) {
        assert_non_null(r);
    } else {
        assert_null(r);
        assert_true(strncmp(e.msg, "<memory>: ", 10) == 0);
        assert_int_equal(e.code, st);
    }
    lgc_pkg_free(r);
    free(b);
}

static void test_bad_packages(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

/* The tests above rely on this layout; fail loudly if it changes. */
static void test_sample_layout(void **state)
{
    (void)state;
    lgc_pkg *p = t_sample(0);
    uint8_t *b;
    size_t n;
    assert_int_equal(lgc_pkg_write_mem(p, &b, &n, NULL), LGC_OK);
    assert_int_equal(t_get(b + 48, 8), 136);
    assert_memory_equal(b + rec(b, 3) + 2, "q.u8", 4);
    assert_memory_equal(b + t_kv_rec(b, 4) + 2, "gmm.priors", 10);
    assert_true(t_tables_end(b) % 32 != 0); /* there is padding before the data */
    free(b);
    lgc_pkg_free(p);
}

static void test_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/lgc_pkg_bad_XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    lgc_err e = {0};
    lgc_pkg *r = NULL;

    snprintf(path, sizeof path, "%s/empty.lgc", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(lgc_pkg_read_file(path, NULL, &r, &e), LGC_ERR_FORMAT);
    assert_null(r);
    assert_true(strncmp(e.msg, path, strlen(path)) == 0);
    assert_non_null(strstr(e.msg, "empty file"));
    unlink(path);

    assert_int_equal(lgc_pkg_read_file(dir, NULL, &r, &e), LGC_ERR_IO);
    assert_non_null(strstr(e.msg, "not a regular file"));
    assert_true(strncmp(e.msg, dir, strlen(dir)) == 0);

    snprintf(path, sizeof path, "%s/missing.lgc", dir);
    assert_int_equal(lgc_pkg_read_file(path, NULL, &r, &e), LGC_ERR_IO);
    assert_non_null(strstr(e.msg, "cannot open"));
    assert_true(strncmp(e.msg, path, strlen(path)) == 0);

    /* A file larger than the limits could ever admit is not even read. */
    snprintf(path, sizeof path, "%s/big.lgc", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    static uint8_t zeros[200000];
    assert_int_equal(fwrite(zeros, 1, sizeof zeros, f), sizeof zeros);
    fclose(f);
    lgc_pkg_limits lim = {0};
    assert_int_equal(lgc_pkg_read_file(path, &lim, &r, &e), LGC_ERR_LIMIT);
    assert_non_null(strstr(e.msg, "above the limit"));
    /* With the defaults it is read, and refused as foreign. */
    assert_int_equal(lgc_pkg_read_file(path, NULL, &r, &e), LGC_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "bad magic"));
    unlink(path);

    /* A truncated file on disk: the message names the path. */
    snprintf(path, sizeof path, "%s/cut.lgc", dir);
    lgc_pkg *p = t_sample(0);
    uint8_t *b;
    size_t n;
    assert_int_equal(lgc_pkg_write_mem(p, &b, &n, NULL), LGC_OK);
    f = fopen(path, "wb");
    assert_int_equal(fwrite(b, 1, n - 10, f), n - 10);
    fclose(f);
    assert_int_equal(lgc_pkg_read_file(path, NULL, &r, &e), LGC_ERR_FORMAT);
    assert_true(strncmp(e.msg, path, strlen(path)) == 0);
    assert_non_null(strstr(e.msg, "truncated"));
    free(b);
    lgc_pkg_free(p);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_layout),
        cmocka_unit_test(test_bad_packages),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
