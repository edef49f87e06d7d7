/* f16.c - binary16 <-> binary32 by bit manipulation (see include/lgc/f16.h). */
#include "lgc/f16.h"

#include <string.h>

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

uint16_t lgc_f16_from_f32(float f)
{
    uint32_t x = bits_of(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t e = (x >> 23) & 0xffu;
    uint32_t m = x & 0x7fffffu;

    if (e == 0xff) {
        if (m == 0)
            return (uint16_t)(sign | 0x7c00u);
        /* Keep the top payload bits; if they are all zero the result would
         * read as infinity, so set the quiet bit instead. */
        uint16_t payload = (uint16_t)(m >> 13);
        return (uint16_t)(sign | 0x7c00u | (payload ? payload : 0x200u));
    }
    int exp = (int)e - 127;
    if (exp > 15)
        return (uint16_t)(sign | 0x7c00u);
    if (exp >= -14) {
        /* Normal half. A carry out of the mantissa bumps the exponent, and
         * from exponent 30 that correctly gives infinity. */
        uint32_t h = ((uint32_t)(exp + 15) << 10) | (m >> 13);
        uint32_t rem = m & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
            h++;
        return (uint16_t)(sign | h);
    }
    /* Half subnormal or zero: the value is M * 2^(exp-23) with the implicit
     * bit restored (float subnormals are far below half range, so e == 0
     * lands in the shift > 24 branch and becomes zero). In units of the
     * smallest half subnormal 2^-24 that is M >> shift. */
    uint32_t M = m | 0x800000u;
    int shift = -exp - 1;
    if (e == 0 || shift > 24)
        return sign;
    uint32_t h = M >> shift;
    uint32_t rem = M & ((1u << shift) - 1u);
    uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u)))
        h++; /* may reach 0x400: the smallest normal, which is right */
    return (uint16_t)(sign | h);
}

float lgc_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu;
    uint32_t m = h & 0x3ffu;

    if (e == 0x1f)
        return float_of(sign | 0x7f800000u | (m << 13));
    if (e == 0) {
        if (m == 0)
            return float_of(sign);
        /* Subnormal half: normalise into a float, which has the range. */
        int exp = 1;
        while (!(m & 0x400u)) {
            m <<= 1;
            exp--;
        }
        m &= 0x3ffu;
        return float_of(sign | ((uint32_t)(exp + 112) << 23) | (m << 13));
    }
    return float_of(sign | ((e + 112) << 23) | (m << 13));
}
