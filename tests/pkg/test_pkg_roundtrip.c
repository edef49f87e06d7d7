/* test_pkg_roundtrip.c - write -> read -> write is byte-identical, every
 * key-value type and dtype survives, the writer is deterministic, and the
 * object API refuses what the format cannot hold. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pkg/pkgtest.h"

static void write_ok(const lgc_pkg *p, uint8_t **buf, size_t *n)
{
    lgc_err e = {0};
    if (lgc_pkg_write_mem(p, buf, n, &e) != LGC_OK)
        fail_msg("write failed: %s", e.msg);
}

static lgc_pkg *read_ok(const uint8_t *buf, size_t n)
{
    lgc_err e = {0};
    lgc_pkg *p = NULL;
    if (lgc_pkg_read_mem(buf, n, NULL, &p, &e) != LGC_OK)
        fail_msg("read failed: %s", e.msg);
    return p;
}

static void check_sample_values(const lgc_pkg *p)
{
    uint64_t u;
    int64_t i;
    double f;
    const char *s;
    const double *fa;
    const uint64_t *ua;
    size_t n;
    assert_int_equal(lgc_pkg_get_u64(p, "lgc.n_classes", &u, NULL), LGC_OK);
    assert_int_equal(u, 3);
    assert_int_equal(lgc_pkg_get_i64(p, "lgc.offset", &i, NULL), LGC_OK);
    assert_true(i == -42);
    assert_int_equal(lgc_pkg_get_f64(p, "lgc.beta", &f, NULL), LGC_OK);
    assert_true(f == 0.125);
    assert_int_equal(lgc_pkg_get_str(p, "lgc.dataset", &s, NULL), LGC_OK);
    assert_string_equal(s, "mnist");
    assert_int_equal(lgc_pkg_get_f64_array(p, "gmm.priors", &fa, &n, NULL), LGC_OK);
    assert_int_equal(n, 3);
    assert_true(fa[0] == 0.25 && fa[1] == 0.5 && fa[2] == 0.25);
    assert_int_equal(lgc_pkg_get_u64_array(p, "gmm.k", &ua, &n, NULL), LGC_OK);
    assert_int_equal(n, 3);
    assert_true(ua[0] == 2 && ua[1] == 3 && ua[2] == 1);

    assert_int_equal(lgc_pkg_n_kv(p), 6);
    assert_string_equal(lgc_pkg_kv_at(p, 0)->key, "lgc.n_classes");
    assert_string_equal(lgc_pkg_kv_at(p, 5)->key, "gmm.k");
    assert_null(lgc_pkg_kv_at(p, 6));
    assert_int_equal(lgc_pkg_n_tensors(p), 6);
    assert_string_equal(lgc_pkg_tensor_at(p, 0)->name, "dec.w1");
    assert_null(lgc_pkg_tensor_at(p, 6));

    float out[8];
    const lgc_pkg_tensor *t = lgc_pkg_find(p, "dec.w1");
    assert_non_null(t);
    assert_int_equal(t->dtype, LGC_DT_F32);
    assert_int_equal(t->rank, 2);
    assert_true(t->shape[0] == 2 && t->shape[1] == 3 && t->shape[2] == 1 && t->shape[3] == 1);
    assert_int_equal(t->n_elem, 6);
    assert_int_equal(t->n_bytes, 24);
    assert_int_equal(lgc_pkg_tensor_to_f32(t, out, NULL), LGC_OK);
    assert_memory_equal(out, T_W1, sizeof T_W1);

    t = lgc_pkg_find(p, "dec.h"); /* f16: values that f16 holds exactly survive exactly */
    assert_int_equal(t->n_bytes, 10);
    assert_int_equal(lgc_pkg_tensor_to_f32(t, out, NULL), LGC_OK);
    assert_true(out[0] == 0.5f && out[2] == 1024.0f && out[4] == -7.0f);
    assert_true(fabsf(out[1] + 0.333f) < 2e-4f && fabsf(out[3] - 6.1e-5f) < 1e-7f);

    t = lgc_pkg_find(p, "q.i8");
    assert_int_equal(lgc_pkg_tensor_to_f32(t, out, NULL), LGC_OK);
    assert_true(out[0] == -128.0f && out[1] == 0.0f && out[2] == 127.0f);
    t = lgc_pkg_find(p, "q.u8");
    assert_int_equal(lgc_pkg_tensor_to_f32(t, out, NULL), LGC_OK);
    assert_true(out[0] == 0.0f && out[4] == 250.0f && out[6] == 255.0f);
    t = lgc_pkg_find(p, "q.i32");
    assert_int_equal(lgc_pkg_tensor_to_f32(t, out, NULL), LGC_OK);
    assert_true(out[0] == -1.0f && out[1] == 1000000.0f);
    t = lgc_pkg_find(p, "q.empty");
    assert_int_equal(t->n_elem, 0);
    assert_int_equal(t->n_bytes, 0);
    assert_null(t->data);
    assert_int_equal(lgc_pkg_tensor_to_f32(t, NULL, NULL), LGC_OK);
    assert_null(lgc_pkg_find(p, "nope"));
}

static void roundtrip_level(int level)
{
    lgc_pkg *p = t_sample(level), *q = t_sample(level);
    assert_non_null(p);
    uint8_t *a, *b, *c;
    size_t na, nb, nc;
    write_ok(p, &a, &na);
    write_ok(q, &b, &nb); /* same content built twice: same bytes */
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(b);
    lgc_pkg *r = read_ok(a, na);
    check_sample_values(r);
    assert_int_equal(lgc_pkg_compression(r), level);
    write_ok(r, &c, &nc);
    assert_int_equal(na, nc);
    assert_memory_equal(a, c, na);
    lgc_pkg_info info;
    assert_int_equal(lgc_pkg_get_info(r, &info, NULL), LGC_OK);
    assert_int_equal(info.file_bytes, na);
    assert_int_equal(info.header_bytes + info.kv_table_bytes + info.tensor_table_bytes +
                         info.pad_bytes + info.data_stored_bytes,
                     na);
    assert_int_equal(info.zstd_level, level);
    assert_int_equal(info.required_flags, level ? LGC_PKG_FLAG_ZSTD : 0u);
    lgc_pkg_info info2; /* a built package reports what it would write */
    assert_int_equal(lgc_pkg_get_info(p, &info2, NULL), LGC_OK);
    assert_memory_equal(&info, &info2, sizeof info);
    free(a);
    free(c);
    lgc_pkg_free(p);
    lgc_pkg_free(q);
    lgc_pkg_free(r);
}

static void test_roundtrip_raw(void **state)
{
    (void)state;
    roundtrip_level(0);
}

static void test_roundtrip_zstd(void **state)
{
    (void)state;
    roundtrip_level(1);
    roundtrip_level(3);
    roundtrip_level(19);
}

static void test_layout_matches_spec(void **state)
{
    (void)state;
    lgc_pkg *p = t_sample(0);
    uint8_t *b;
    size_t n;
    write_ok(p, &b, &n);
    assert_memory_equal(b, "\x89LGC\r\n\x1a\n", 8);
    assert_int_equal(t_get(b + 8, 2), 1);
    assert_int_equal(t_get(b + 20, 4), 6);
    assert_int_equal(t_get(b + 24, 4), 6);
    assert_int_equal(t_get(b + 76, 4), t_crc(b, 76));
    size_t d = t_data_offset(b);
    assert_int_equal(d % 32, 0);
    assert_int_equal(d + t_get(b + 56, 8), n);
    /* Tensors at 32-aligned data offsets, back to back: 24 B f32 at 0,
     * 10 B f16 at 32, 3 B i8 at 64, 7 B u8 at 96, empty at 128 (0 bytes),
     * 8 B i32 at 128: ends at 136. */
    const uint64_t want[6] = {0, 32, 64, 96, 128, 128};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(t_get(b + t_rec_offset(b, t_tensor_rec(b, i)), 8), want[i]);
    assert_int_equal(t_get(b + 48, 8), 136);
    float f;
    memcpy(&f, (uint32_t[]){(uint32_t)t_get(b + d + 4, 4)}, 4);
    assert_true(f == -2.25f);
    free(b);
    lgc_pkg_free(p);
}

static void test_empty_package(void **state)
{
    (void)state;
    for (int level = 0; level <= 1; level++) {
        lgc_pkg *p = lgc_pkg_new();
        assert_int_equal(lgc_pkg_set_compression(p, level, NULL), LGC_OK);
        uint8_t *a, *c;
        size_t na, nc;
        write_ok(p, &a, &na);
        if (level == 0)
            assert_int_equal(na, 96); /* header, padding to 32, nothing else */
        lgc_pkg *r = read_ok(a, na);
        assert_int_equal(lgc_pkg_n_kv(r), 0);
        assert_int_equal(lgc_pkg_n_tensors(r), 0);
        write_ok(r, &c, &nc);
        assert_int_equal(na, nc);
        assert_memory_equal(a, c, na);
        free(a);
        free(c);
        lgc_pkg_free(p);
        lgc_pkg_free(r);
    }
}

/* f64 bit patterns (NaN payloads, -0, subnormals) and extreme integers. */
static void test_kv_edge_values(void **state)
{
    (void)state;
    lgc_pkg *p = lgc_pkg_new();
    uint64_t nan_bits = 0x7ff8000000001234ull;
    double weird[4] = {-0.0, 4.9e-324, INFINITY, 0};
    memcpy(&weird[3], &nan_bits, 8);
    const uint64_t big[2] = {0, UINT64_MAX};
    char *longstr = malloc(LGC_PKG_STR_MAX + 1);
    memset(longstr, 'x', LGC_PKG_STR_MAX);
    longstr[LGC_PKG_STR_MAX] = '\0';
    assert_int_equal(lgc_pkg_set_f64_array(p, "w", weird, 4, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_set_u64_array(p, "big", big, 2, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_set_u64_array(p, "none", NULL, 0, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_set_i64(p, "min", INT64_MIN, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_set_str(p, "empty", "", NULL), LGC_OK);
    assert_int_equal(lgc_pkg_set_str(p, "long", longstr, NULL), LGC_OK);
    char name64[65];
    memset(name64, 'k', 64);
    name64[64] = '\0';
    assert_int_equal(lgc_pkg_set_u64(p, name64, 7, NULL), LGC_OK);
    uint8_t *a, *c;
    size_t na, nc;
    write_ok(p, &a, &na);
    lgc_pkg *r = read_ok(a, na);
    const double *w;
    const uint64_t *u;
    size_t n;
    assert_int_equal(lgc_pkg_get_f64_array(r, "w", &w, &n, NULL), LGC_OK);
    assert_memory_equal(w, weird, sizeof weird);
    assert_int_equal(lgc_pkg_get_u64_array(r, "big", &u, &n, NULL), LGC_OK);
    assert_true(u[1] == UINT64_MAX);
    assert_int_equal(lgc_pkg_get_u64_array(r, "none", &u, &n, NULL), LGC_OK);
    assert_int_equal(n, 0);
    int64_t i;
    assert_int_equal(lgc_pkg_get_i64(r, "min", &i, NULL), LGC_OK);
    assert_true(i == INT64_MIN);
    const char *s;
    assert_int_equal(lgc_pkg_get_str(r, "long", &s, NULL), LGC_OK);
    assert_int_equal(strlen(s), LGC_PKG_STR_MAX);
    assert_int_equal(lgc_pkg_get_str(r, "empty", &s, NULL), LGC_OK);
    assert_string_equal(s, "");
    uint64_t v;
    assert_int_equal(lgc_pkg_get_u64(r, name64, &v, NULL), LGC_OK);
    write_ok(r, &c, &nc);
    assert_int_equal(na, nc);
    assert_memory_equal(a, c, na);
    free(longstr);
    free(a);
    free(c);
    lgc_pkg_free(p);
    lgc_pkg_free(r);
}

static void test_getter_errors_name_the_key(void **state)
{
    (void)state;
    lgc_pkg *p = t_sample(0);
    lgc_err e = {0};
    uint64_t u;
    const char *s;
    const lgc_pkg_tensor *t;
    assert_int_equal(lgc_pkg_get_u64(p, "lgc.missing", &u, &e), LGC_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "'lgc.missing' is missing"));
    assert_int_equal(lgc_pkg_get_str(p, "lgc.n_classes", &s, &e), LGC_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "'lgc.n_classes' is u64, expected str"));
    assert_int_equal(lgc_pkg_get_tensor(p, "dec.w9", &t, &e), LGC_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "tensor 'dec.w9' is missing"));
    assert_int_equal(lgc_pkg_get_tensor(p, "dec.w1", &t, &e), LGC_OK);
    assert_non_null(lgc_pkg_find_kv(p, "gmm.k"));
    assert_null(lgc_pkg_find_kv(p, "gmm.q"));
    lgc_pkg_free(p);
}

static void test_set_replaces_in_place(void **state)
{
    (void)state;
    lgc_pkg *p = t_sample(0);
    assert_int_equal(lgc_pkg_set_str(p, "lgc.n_classes", "three", NULL), LGC_OK);
    assert_int_equal(lgc_pkg_n_kv(p), 6);
    const lgc_pkg_kv *kv = lgc_pkg_kv_at(p, 0);
    assert_string_equal(kv->key, "lgc.n_classes");
    assert_int_equal(kv->type, LGC_KV_STR);
    assert_string_equal(kv->v.str, "three");
    assert_int_equal(kv->n, 5);
    lgc_pkg_free(p);
}

static void test_api_refuses_what_the_format_cannot_hold(void **state)
{
    (void)state;
    lgc_pkg *p = lgc_pkg_new();
    lgc_err e = {0};
    const uint64_t s1[1] = {1}, s5[5] = {1, 1, 1, 1, 1}, huge[3] = {1ull << 32, 1ull << 32, 2};
    const float x = 1.0f;
    char long_name[66];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    assert_int_equal(lgc_pkg_set_u64(p, "has space", 1, &e), LGC_ERR_ARG);
    assert_non_null(strstr(e.msg, "byte 0x20 at position 3"));
    assert_int_equal(lgc_pkg_set_u64(p, "", 1, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_pkg_set_u64(p, long_name, 1, &e), LGC_ERR_ARG);
    assert_non_null(strstr(e.msg, "65 bytes"));
    assert_int_equal(lgc_pkg_set_u64(p, "caf\xc3\xa9", 1, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_pkg_set_str(p, "s", NULL, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_pkg_set_f64_array(p, "a", NULL, 2, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_pkg_set_f64_array(p, "a", &(double){1}, LGC_PKG_ARRAY_MAX + 1, &e),
                     LGC_ERR_ARG);
    assert_int_equal(lgc_pkg_n_kv(p), 0);

    assert_int_equal(lgc_pkg_add_tensor(p, "t", LGC_DT_F32, 1, s1, &x, &e), LGC_OK);
    assert_int_equal(lgc_pkg_add_tensor(p, "t", LGC_DT_F32, 1, s1, &x, &e), LGC_ERR_ARG);
    assert_non_null(strstr(e.msg, "'t' already exists"));
    assert_int_equal(lgc_pkg_add_tensor(p, "r5", LGC_DT_F32, 5, s5, &x, &e), LGC_ERR_ARG);
    assert_non_null(strstr(e.msg, "rank 5"));
    assert_int_equal(lgc_pkg_add_tensor(p, "r0", LGC_DT_F32, 0, s1, &x, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_pkg_add_tensor(p, "dt", (lgc_dtype)9, 1, s1, &x, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_pkg_add_tensor(p, "nul", LGC_DT_F32, 1, s1, NULL, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_pkg_add_tensor(p, "big", LGC_DT_U8, 3, huge, &x, &e), LGC_ERR_ARG);
    assert_non_null(strstr(e.msg, "overflows"));
    assert_int_equal(lgc_pkg_add_tensor_f32(p, "i8", LGC_DT_I8, 1, s1, &x, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_pkg_n_tensors(p), 1);
    assert_int_equal(lgc_pkg_set_compression(p, 23, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_pkg_set_compression(p, -1, &e), LGC_ERR_ARG);
    lgc_pkg_free(p);
    lgc_pkg_free(NULL);
}

static void test_check_finite(void **state)
{
    (void)state;
    lgc_pkg *p = lgc_pkg_new();
    const uint64_t s3[1] = {3};
    const float good[3] = {1, -2, 3}, bad[3] = {1, NAN, 3}, big[3] = {0, 0, 1e6f};
    lgc_err e = {0};
    assert_int_equal(lgc_pkg_add_tensor_f32(p, "good", LGC_DT_F32, 1, s3, good, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_add_tensor_f32(p, "bad", LGC_DT_F32, 1, s3, bad, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_add_tensor_f32(p, "big16", LGC_DT_F16, 1, s3, big, NULL), LGC_OK);
    assert_int_equal(lgc_pkg_tensor_check_finite(lgc_pkg_find(p, "good"), &e), LGC_OK);
    assert_int_equal(lgc_pkg_tensor_check_finite(lgc_pkg_find(p, "bad"), &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "tensor 'bad': element 1 is NaN"));
    /* 1e6 is beyond the f16 range: stored as infinity, which is then caught. */
    assert_int_equal(lgc_pkg_tensor_check_finite(lgc_pkg_find(p, "big16"), &e), LGC_ERR_VALUE);
    assert_non_null(strstr(e.msg, "element 2 is infinite"));
    lgc_pkg_free(p);
}

/* The package must not point into the buffer it was read from. */
static void test_read_does_not_alias_input(void **state)
{
    (void)state;
    for (int level = 0; level <= 1; level++) {
        lgc_pkg *p = t_sample(level);
        uint8_t *a;
        size_t na;
        write_ok(p, &a, &na);
        lgc_pkg *r = read_ok(a, na);
        memset(a, 0xAA, na);
        free(a);
        check_sample_values(r);
        lgc_pkg_free(p);
        lgc_pkg_free(r);
    }
}

static void test_zstd_shrinks_compressible_data(void **state)
{
    (void)state;
    lgc_pkg *p = lgc_pkg_new();
    static float z[4096];
    for (size_t i = 0; i < 4096; i++)
        z[i] = (float)(i % 7);
    const uint64_t s[2] = {64, 64};
    assert_int_equal(lgc_pkg_add_tensor_f32(p, "z", LGC_DT_F32, 2, s, z, NULL), LGC_OK);
    uint8_t *a, *b;
    size_t na, nb;
    write_ok(p, &a, &na);
    lgc_pkg_set_compression(p, 3, NULL);
    write_ok(p, &b, &nb);
    assert_true(nb < na / 10);
    lgc_pkg *r = read_ok(b, nb);
    assert_memory_equal(lgc_pkg_find(r, "z")->data, lgc_pkg_find(p, "z")->data, sizeof z);
    free(a);
    free(b);
    lgc_pkg_free(p);
    lgc_pkg_free(r);
}

/* Feature flags: the writer states the lowest minor version that has them,
 * the reader gives them back, and only known features can be set. */
static void test_feature_flags(void **state)
{
    (void)state;
    for (int level = 0; level <= 3; level += 3) {
        lgc_pkg *p = t_sample(level);
        uint8_t *a, *b;
        size_t na, nb;
        write_ok(p, &a, &na);
        assert_int_equal(t_get(a + 10, 2), 0); /* no 1.1 feature: a 1.0 file */
        assert_int_equal(lgc_pkg_set_features(p, LGC_PKG_FLAG_MIXTURES, NULL), LGC_OK);
        assert_int_equal(lgc_pkg_features(p), LGC_PKG_FLAG_MIXTURES);
        write_ok(p, &b, &nb);
        assert_int_equal(nb, na);
        assert_int_equal(t_get(b + 10, 2), 1);
        assert_int_equal(t_get(b + 12, 4), LGC_PKG_FLAG_MIXTURES | (level ? LGC_PKG_FLAG_ZSTD : 0));
        lgc_pkg *r = read_ok(b, nb);
        assert_int_equal(lgc_pkg_features(r), LGC_PKG_FLAG_MIXTURES);
        lgc_pkg_info info;
        assert_int_equal(lgc_pkg_get_info(r, &info, NULL), LGC_OK);
        assert_int_equal(info.version_minor, 1);
        uint8_t *c;
        size_t nc;
        write_ok(r, &c, &nc); /* and it writes back byte for byte */
        assert_int_equal(nc, nb);
        assert_memory_equal(b, c, nb);
        lgc_pkg *r0 = read_ok(a, na);
        assert_int_equal(lgc_pkg_features(r0), 0u);
        lgc_err e;
        assert_int_equal(lgc_pkg_set_features(p, 0x8, &e), LGC_ERR_ARG);
        assert_int_equal(lgc_pkg_set_features(p, LGC_PKG_FLAG_ZSTD, &e), LGC_ERR_ARG);
        assert_int_equal(lgc_pkg_features(p), LGC_PKG_FLAG_MIXTURES);
        free(a), free(b), free(c);
        lgc_pkg_free(p);
        lgc_pkg_free(r);
        lgc_pkg_free(r0);
    }
}

static void test_file_roundtrip(void **state)
{
    (void)state;
    char dir[] = "/tmp/lgc_pkg_rt_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/a.lgc", dir);
    lgc_pkg *p = t_sample(3);
    lgc_err e = {0};
    assert_int_equal(lgc_pkg_write_file(p, path, 0, &e), LGC_OK);
    assert_int_equal(lgc_pkg_write_file(p, path, 0, &e), LGC_ERR_IO);
    assert_non_null(strstr(e.msg, path));
    assert_int_equal(lgc_pkg_write_file(p, path, 1, &e), LGC_OK);
    lgc_pkg *r = NULL;
    if (lgc_pkg_read_file(path, NULL, &r, &e) != LGC_OK)
        fail_msg("%s", e.msg);
    check_sample_values(r);
    uint8_t *a, *b;
    size_t na, nb;
    write_ok(p, &a, &na);
    write_ok(r, &b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    /* Errors about a file-read package name the file. */
    uint64_t u;
    assert_int_equal(lgc_pkg_get_u64(r, "nope", &u, &e), LGC_ERR_FORMAT);
    assert_true(strncmp(e.msg, path, strlen(path)) == 0);
    free(a);
    free(b);
    lgc_pkg_free(p);
    lgc_pkg_free(r);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_raw),
        cmocka_unit_test(test_roundtrip_zstd),
        cmocka_unit_test(test_layout_matches_spec),
        cmocka_unit_test(test_empty_package),
        cmocka_unit_test(test_kv_edge_values),
        cmocka_unit_test(test_getter_errors_name_the_key),
        cmocka_unit_test(test_set_replaces_in_place),
        cmocka_unit_test(test_api_refuses_what_the_format_cannot_hold),
        cmocka_unit_test(test_check_finite),
        cmocka_unit_test(test_read_does_not_alias_input),
        cmocka_unit_test(test_zstd_shrinks_compressible_data),
        cmocka_unit_test(test_feature_flags),
        cmocka_unit_test(test_file_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
