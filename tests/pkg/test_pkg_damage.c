/* test_pkg_damage.c - every truncation and every single-bit flip of a valid
 * package is refused, cleanly (run under ASan/UBSan in CI); and random
 * mutations with the CRCs recomputed, which reach the checks behind the
 * checksums, never crash the reader and never let a non-canonical file in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/rng.h"
#include "pkg/pkgtest.h"

static uint8_t *sample_bytes(int level, size_t *n)
{
    lgc_pkg *p = t_sample(level);
    uint8_t *b;
    assert_int_equal(lgc_pkg_write_mem(p, &b, n, NULL), LGC_OK);
    lgc_pkg_free(p);
    return b;
}

/* Reading must fail with a message, leave *out NULL and report the same
 * code in err as it returns. */
static void expect_refused(const uint8_t *b, size_t n, const char *what, size_t where)
{
    lgc_err e = {0};
    lgc_pkg *r = (lgc_pkg *)&e; /* poison: the reader must set it to NULL */
    lgc_status st = lgc_pkg_read_mem(b, n, NULL, &r, &e);
    if (st == LGC_OK)
        fail_msg("%s at %zu was accepted", what, where);
    assert_null(r);
    assert_int_equal(e.code, st);
    assert_true(strncmp(e.msg, "<memory>: ", 10) == 0 && strlen(e.msg) > 10);
}

static void truncations(int level)
{
    size_t n;
    uint8_t *b = sample_bytes(level, &n);
    for (size_t len = 0; len < n; len++) {
        /* A fresh exact-size copy, so that ASan sees any read past the end. */
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, b, len);
        expect_refused(cut, len, "truncation", len);
        free(cut);
    }
    free(b);
}

static void bit_flips(int level)
{
    size_t n;
    uint8_t *b = sample_bytes(level, &n);
    uint8_t *d = malloc(n);
    for (size_t bit = 0; bit < 8 * n; bit++) {
        memcpy(d, b, n);
        d[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        expect_refused(d, n, "bit flip", bit);
    }
    free(d);
    free(b);
}

static void test_every_truncation_raw(void **state) { (void)state; truncations(0); }
static void test_every_truncation_zstd(void **state) { (void)state; truncations(3); }
static void test_every_bit_flip_raw(void **state) { (void)state; bit_flips(0); }
static void test_every_bit_flip_zstd(void **state) { (void)state; bit_flips(3); }

/* Mutate 1..4 bytes anywhere, recompute the CRCs, read. Anything may come
 * back but a crash. An accepted raw file with version 1.0 and no optional
 * flags must be canonical: written again, it gives the same bytes. */
static void mutations(int level, int iters, uint64_t seed)
{
    size_t n;
    uint8_t *b = sample_bytes(level, &n);
    uint8_t *d = malloc(n);
    lgc_rng rng;
    lgc_rng_init(&rng, seed, 0);
    int accepted = 0;
    for (int it = 0; it < iters; it++) {
        memcpy(d, b, n);
        int k = 1 + (int)lgc_rng_below(&rng, 4);
        for (int j = 0; j < k; j++) {
            size_t at = (size_t)lgc_rng_below(&rng, n);
            switch (lgc_rng_below(&rng, 4)) {
            case 0: d[at] ^= (uint8_t)(1u << lgc_rng_below(&rng, 8)); break;
            case 1: d[at] = 0; break;
            case 2: d[at] = 0xff; break;
            default: d[at] = (uint8_t)lgc_rng_u64(&rng); break;
            }
        }
        t_fix_crcs(d, n);
        lgc_err e = {0};
        lgc_pkg *r = NULL;
        lgc_status st = lgc_pkg_read_mem(d, n, NULL, &r, &e);
        if (st != LGC_OK) {
            assert_null(r);
            assert_int_equal(e.code, st);
            continue;
        }
        accepted++;
        uint8_t *w;
        size_t nw;
        assert_int_equal(lgc_pkg_write_mem(r, &w, &nw, NULL), LGC_OK);
        if (level == 0 && t_get(d + 10, 2) == 0 && t_get(d + 16, 4) == 0) {
            if (nw != n || memcmp(w, d, n) != 0)
                fail_msg("iteration %d: accepted a non-canonical file", it);
        }
        lgc_pkg *r2 = NULL;
        assert_int_equal(lgc_pkg_read_mem(w, nw, NULL, &r2, NULL), LGC_OK);
        lgc_pkg_free(r2);
        free(w);
        lgc_pkg_free(r);
    }
    /* Mutations of tensor data and of f64 values are legitimately accepted;
     * if nothing ever is, the CRC fix-up in this test is broken. */
    assert_true(accepted > 0);
    free(d);
    free(b);
}

static void test_random_mutations_raw(void **state) { (void)state; mutations(0, 100000, 1); }
static void test_random_mutations_zstd(void **state) { (void)state; mutations(3, 100000, 2); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_truncation_raw),
        cmocka_unit_test(test_every_truncation_zstd),
        cmocka_unit_test(test_every_bit_flip_raw),
        cmocka_unit_test(test_every_bit_flip_zstd),
        cmocka_unit_test(test_random_mutations_raw),
        cmocka_unit_test(test_random_mutations_zstd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
