/* test_f16.c - binary16 conversion against a naive reference: every half
 * value round-trips, and float -> half rounding matches a search over all
 * halves with an exact midpoint comparison. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lgc/f16.h"
#include "lgc/rng.h"

/* Value of a finite non-negative half, from the definition of binary16.
 * Also gives 65536 for 0x7c00, which serves as the upper midpoint bound. */
static double ref_half_value(uint16_t h)
{
    unsigned e = (h >> 10) & 0x1f, m = h & 0x3ff;
    if (e == 0)
        return ldexp((double)m, -24);
    return ldexp((double)(1024 + m), (int)e - 25);
}

static uint32_t fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float ffrom(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Nearest half to a non-NaN float, ties to even, by binary search over the
 * monotonic bit patterns 0x0000..0x7bff. Doubles hold every float and every
 * half exactly, and so the midpoint of two adjacent halves. */
static uint16_t ref_from_f32(float f)
{
    uint16_t sign = signbit(f) ? 0x8000 : 0;
    double a = fabs((double)f);
    if (a >= 65520.0)
        return sign | 0x7c00;
    unsigned lo = 0, hi = 0x7bff;
    while (lo < hi) { /* largest h with value(h) <= a */
        unsigned mid = (lo + hi + 1) / 2;
        if (ref_half_value((uint16_t)mid) <= a)
            lo = mid;
        else
            hi = mid - 1;
    }
    double vlo = ref_half_value((uint16_t)lo), vhi = ref_half_value((uint16_t)(lo + 1));
    if (a == vlo)
        return (uint16_t)(sign | lo);
    double mid = (vlo + vhi) / 2;
    unsigned r = a < mid ? lo : a > mid ? lo + 1 : ((lo & 1) ? lo + 1 : lo);
    return (uint16_t)(sign | r);
}

static void check_one(float f)
{
    uint16_t got = lgc_f16_from_f32(f);
    if (isnan(f)) {
        assert_true((got & 0x7c00) == 0x7c00 && (got & 0x3ff) != 0);
        assert_int_equal(got & 0x8000, signbit(f) ? 0x8000 : 0);
        return;
    }
    uint16_t want = ref_from_f32(f);
    if (got != want)
        fail_msg("f32 %a (0x%08x): got half 0x%04x, want 0x%04x", (double)f, fbits(f), got,
                 want);
}

static void test_all_halves_round_trip(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = lgc_f16_to_f32((uint16_t)h);
        uint16_t back = lgc_f16_from_f32(f);
        if (back != h)
            fail_msg("half 0x%04x -> %a -> 0x%04x", h, (double)f, back);
        unsigned e = (h >> 10) & 0x1f, m = h & 0x3ff;
        double want = (h & 0x8000) ? -ref_half_value(h & 0x7fff) : ref_half_value((uint16_t)h);
        if (e == 0x1f && m == 0)
            assert_true(isinf(f) && (signbit(f) != 0) == ((h & 0x8000) != 0));
        else if (e == 0x1f)
            assert_true(isnan(f));
        else if ((double)f != want || (signbit(f) != 0) != ((h & 0x8000) != 0))
            fail_msg("half 0x%04x -> %a, want %a", h, (double)f, want);
    }
}

/* Every tie and its two neighbours: the places where rounding goes wrong. */
static void test_rounding_at_midpoints(void **state)
{
    (void)state;
    for (unsigned h = 0; h < 0x7c00; h++) {
        float mid = (float)((ref_half_value((uint16_t)h) + ref_half_value((uint16_t)(h + 1))) / 2);
        float probes[3] = {mid, nextafterf(mid, 0.0f), nextafterf(mid, INFINITY)};
        for (int i = 0; i < 3; i++) {
            check_one(probes[i]);
            check_one(-probes[i]);
        }
    }
}

static void test_rounding_random_and_special(void **state)
{
    (void)state;
    const float special[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, FLT_MAX, -FLT_MAX,
                             FLT_MIN, ffrom(1), ffrom(0x80000001u), 65504.0f, 65519.99f,
                             65520.0f, 65536.0f, 0x1p-24f, 0x1p-25f, 0x1.000002p-25f, 0x1p-26f,
                             0x1.ffcp-15f, 0x1.ffep-15f, ffrom(0x7f800001u), ffrom(0x7fc00000u)};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        check_one(special[i]);
    assert_int_equal(lgc_f16_from_f32(65520.0f), 0x7c00);
    assert_int_equal(lgc_f16_from_f32(0x1p-25f), 0x0000);       /* tie to even: zero */
    assert_int_equal(lgc_f16_from_f32(0x1.000002p-25f), 0x0001); /* just above the tie */
    assert_int_equal(lgc_f16_from_f32(-0.0f), 0x8000);
    /* A NaN whose payload lives only in the low bits must not become inf. */
    assert_int_equal(lgc_f16_from_f32(ffrom(0x7f800001u)) & 0x7fff, 0x7e00);

    lgc_rng r;
    lgc_rng_init(&r, 16, 0);
    for (int i = 0; i < 1000000; i++) {
        uint32_t u = (uint32_t)lgc_rng_u64(&r);
        if (i & 1) /* half the draws near half range, where the action is */
            u = (u & 0x807fffffu) | ((uint32_t)(100 + lgc_rng_below(&r, 45)) << 23);
        check_one(ffrom(u));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_halves_round_trip),
        cmocka_unit_test(test_rounding_at_midpoints),
        cmocka_unit_test(test_rounding_random_and_special),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
