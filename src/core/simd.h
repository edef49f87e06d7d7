/* simd.h - LGC_WIDE: compile a hot loop twice, for AVX2 and for the baseline
 * x86-64 lgc is built for, and pick at load time (GCC's target_clones).
 * The build does not use -march=native, so that one binary runs anywhere;
 * without this its loops are 4-wide SSE on CPUs that have 8-wide AVX2.
 * Neither clone contracts a*b+c into FMA (ISO C mode: -ffp-contract=off),
 * so both give the same bits. Private to src/. */
#ifndef LGC_SIMD_H
#define LGC_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute(target_clones) && !defined(__SANITIZE_ADDRESS__)
#define LGC_WIDE __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef LGC_WIDE
#define LGC_WIDE
#endif

#endif
