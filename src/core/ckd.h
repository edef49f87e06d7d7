/*
 * ckd.h - the one family of checked arithmetic: sizes computed from numbers
 * read from files or given by callers are multiplied and added here, never
 * with a bare operator, so that a product that wraps is an error and not a
 * small allocation.
 *
 *   lgc_size_mul(a, b, &r), lgc_size_add, lgc_u64_mul, lgc_u64_add:
 *       r = a op b; 1 when it fits, 0 when it overflows (r then unspecified)
 *   lgc_mul_overflows(a, b): 1 when a * b does not fit a size_t (for chains)
 *   lgc_u64_sat_mul, lgc_u64_sat_add: saturating at UINT64_MAX, for estimates
 *       that are compared with a cap (a huge estimate is refused, not wrapped)
 */
#ifndef LGC_CORE_CKD_H
#define LGC_CORE_CKD_H

#include <stddef.h>
#include <stdint.h>

/* GCC's and clang's checked-arithmetic builtins: exact for every type. */
static inline int lgc_size_mul(size_t a, size_t b, size_t *r) { return !__builtin_mul_overflow(a, b, r); }
static inline int lgc_size_add(size_t a, size_t b, size_t *r) { return !__builtin_add_overflow(a, b, r); }
static inline int lgc_u64_mul(uint64_t a, uint64_t b, uint64_t *r) { return !__builtin_mul_overflow(a, b, r); }
static inline int lgc_u64_add(uint64_t a, uint64_t b, uint64_t *r) { return !__builtin_add_overflow(a, b, r); }
static inline int lgc_mul_overflows(size_t a, size_t b)
{
    size_t r;
    return __builtin_mul_overflow(a, b, &r);
}
static inline uint64_t lgc_u64_sat_mul(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}
static inline uint64_t lgc_u64_sat_add(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

#endif
