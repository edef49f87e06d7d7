/*
 * f16.h - IEEE 754 binary16 ("half") <-> binary32 conversion.
 *
 * Packages may store weights as f16 to halve their size. The conversion is
 * done with integer bit manipulation, not with the compiler's _Float16 or the
 * CPU's F16C instructions, so that it gives the same bits on every build and
 * machine (packages must not depend on the build machine).
 *
 * float -> half rounds to nearest, ties to even; values beyond the half range
 * become infinity; float subnormals and tiny values become (signed) zero or a
 * half subnormal as rounding dictates. NaN stays NaN with its sign and as much
 * of its payload as fits, so every one of the 65,536 half values survives
 * half -> float -> half unchanged. half -> float is exact.
 */
#ifndef LGC_F16_H
#define LGC_F16_H

#include <stdint.h>

uint16_t lgc_f16_from_f32(float f);
float lgc_f16_to_f32(uint16_t h);

#endif
