/* sigmoid.c - p = 1 / (1 + expf(-z)) eight at a time, with libm's bits.
 *
 * Training's loss takes the sigmoid of every pixel's logit (47 million per
 * epoch on MNIST), and a libm call per element was 11-14 % of training's
 * CPU. A vector sigmoid of our own would change the last bit of some
 * probabilities and, through training, the mixtures' K: so this one
 * computes expf exactly as glibc (and musl) do, from the same table and
 * polynomial (ARM's optimized-routines expf: x N/ln2 rounded to k by the
 * 1.5 2^52 shift, 2^(k/N) from a 32-entry table, a cubic in the remainder,
 * all in double, rounded once to float), on four doubles per AVX2 register.
 * glibc compiles it twice, with and without FMA, and picks by CPU; the two
 * differ on 2 of the 2.2e9 floats below 88 in magnitude. Both are here; the
 * first call checks which one gives libm's own expf on those two inputs and
 * on a spread of others, and uses it, or libm itself if neither does. Over
 * every float with |z| < 88 the FMA kernel was compared with glibc 2.36's
 * expf on this machine: no difference (tests/unit/test_tensor.c repeats it
 * on a sample). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lgc/tensor.h"

#define N 32 /* table entries: 2^(i/N) */

/* tab[i] = bits of 2^(i/N) minus i << (52 - 5), so that adding k << 47 to
 * tab[k % N] gives the bits of 2^(k/N) (the exponent takes k / N). */
static uint64_t g_tab[N];
static const double g_invln2n = 0x1.71547652b82fep+0 * N, g_shift = 0x1.8p+52;
static const double g_c0 = 0x1.c6af84b912394p-5 / N / N / N, g_c1 = 0x1.ebfce50fac4f3p-3 / N / N,
                    g_c2 = 0x1.62e42ff0c52d6p-1 / N;

void lgc_sigmoid_f32_ref(float *p, const float *z, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = 1.0f / (1.0f + expf(-z[i]));
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* expf of four floats given as doubles (|x| < 88): the library's steps, in
 * its order. The FMA build (GCC contracting glibc's C) fuses five
 * multiply-adds: both uses of x N/ln2 (the shifted round, the remainder)
 * and the cubic's three; the plain build fuses none. */
#define EXPF4(NAME, TARGET, MADD, MSUB)                                                          \
    __attribute__((target(TARGET), always_inline)) static inline __m256d NAME(__m256d x)   \
    {                                                                                      \
        const __m256d c = _mm256_set1_pd(g_invln2n); /* z = c x = k + r */               \
        __m256d kd = MADD(c, x, _mm256_set1_pd(g_shift));                                  \
        __m256i ki = _mm256_castpd_si256(kd); /* k in the low bits, rounded to even */     \
        kd = _mm256_sub_pd(kd, _mm256_set1_pd(g_shift));                                   \
        __m256d r = MSUB(c, x, kd);                                                        \
        __m256i t = _mm256_i64gather_epi64((const long long *)g_tab,                       \
                                           _mm256_and_si256(ki, _mm256_set1_epi64x(N - 1)), 8); \
        __m256d s = _mm256_castsi256_pd(_mm256_add_epi64(t, _mm256_slli_epi64(ki, 47)));   \
        __m256d q = MADD(_mm256_set1_pd(g_c0), r, _mm256_set1_pd(g_c1));                   \
        __m256d r2 = _mm256_mul_pd(r, r);                                                  \
        __m256d y = MADD(_mm256_set1_pd(g_c2), r, _mm256_set1_pd(1.0));                    \
        return _mm256_mul_pd(MADD(q, r2, y), s);                                           \
    }

#define MADD_FUSED(a, b, c) _mm256_fmadd_pd(a, b, c)
#define MSUB_FUSED(a, b, c) _mm256_fmsub_pd(a, b, c)
#define MADD_PLAIN(a, b, c) _mm256_add_pd(_mm256_mul_pd(a, b), c)
#define MSUB_PLAIN(a, b, c) _mm256_sub_pd(_mm256_mul_pd(a, b), c)

/* p = sigmoid(z), or with exp_only p = expf(z), eight at a time. A block of
 * eight with any |argument| >= 88 or NaN goes to libm element by element
 * (overflow, underflow and NaN are libm's business), as does the tail. */
#define SIGMOID_KERNEL(NAME, TARGET, EXPF)                                                 \
    __attribute__((target(TARGET))) static void NAME(float *p, const float *z, size_t n,   \
                                                     int exp_only)                          \
    {                                                                                      \
        const __m256 lim = _mm256_set1_ps(88.0f), sign = _mm256_set1_ps(-0.0f);            \
        size_t i = 0;                                                                      \
        for (; i + 8 <= n; i += 8) {                                                       \
            __m256 x = _mm256_loadu_ps(z + i);                                             \
            if (!exp_only)                                                                 \
                x = _mm256_xor_ps(x, sign); /* -z, exactly */                              \
            __m256 ok = _mm256_cmp_ps(_mm256_andnot_ps(sign, x), lim, _CMP_LT_OQ);         \
            if (_mm256_movemask_ps(ok) != 0xff) {                                          \
                for (int j = 0; j < 8; j++)                                                \
                    p[i + j] = exp_only ? expf(z[i + j]) : 1.0f / (1.0f + expf(-z[i + j])); \
                continue;                                                                  \
            }                                                                              \
            __m128 lo = _mm256_cvtpd_ps(EXPF(_mm256_cvtps_pd(_mm256_castps256_ps128(x))));  \
            __m128 hi = _mm256_cvtpd_ps(EXPF(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)))); \
            __m256 e = _mm256_set_m128(hi, lo);                                            \
            if (!exp_only)                                                                 \
                e = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e)); \
            _mm256_storeu_ps(p + i, e);                                                    \
        }                                                                                  \
        for (; i < n; i++)                                                                 \
            p[i] = exp_only ? expf(z[i]) : 1.0f / (1.0f + expf(-z[i]));                    \
    }

EXPF4(expf4_fused, "avx2,fma", MADD_FUSED, MSUB_FUSED)
EXPF4(expf4_plain, "avx2", MADD_PLAIN, MSUB_PLAIN)
SIGMOID_KERNEL(sigmoid_fma, "avx2,fma", expf4_fused)
SIGMOID_KERNEL(sigmoid_avx2, "avx2", expf4_plain)

typedef void (*kernel_fn)(float *, const float *, size_t, int);

/* Does k give libm's expf on x? The two inputs where glibc's FMA and
 * plain builds differ (found by comparing all floats), then a spread over
 * (-88, 88) and its tail lanes. */
static int agrees(kernel_fn k)
{
    enum { M = 4096 };
    static float x[M], want[M], got[M];
    x[0] = 0x1.04845ep+5f, x[1] = -0x1.f8cbb2p+5f;
    for (size_t i = 2; i < M; i++)
        x[i] = -87.99f + 175.98f * (float)(i * 2654435761u % M) / (float)M;
    /* through a volatile pointer: GCC would fold expf of the constant
     * x[0] and x[1] into the correctly rounded value, which is not libm's */
    float (*volatile libm_expf)(float) = expf;
    for (size_t i = 0; i < M; i++)
        want[i] = libm_expf(x[i]);
    k(got, x, M, 1);
    return memcmp(got, want, sizeof got) == 0;
}

static kernel_fn g_kernel;
static int g_which = -1; /* 0 libm, 1 AVX2, 2 AVX2 + FMA */

static void choose(void)
{
    for (int i = 0; i < N; i++) {
        double v = (double)exp2l((long double)i / N); /* correctly rounded: 64-bit long double */
        uint64_t u;
        memcpy(&u, &v, sizeof u);
        g_tab[i] = u - ((uint64_t)i << 47);
    }
    __builtin_cpu_init();
    int which = 0;
    kernel_fn k = NULL;
    if (__builtin_cpu_supports("avx2")) {
        if (__builtin_cpu_supports("fma") && agrees(sigmoid_fma))
            which = 2, k = sigmoid_fma;
        else if (agrees(sigmoid_avx2))
            which = 1, k = sigmoid_avx2;
    }
    g_kernel = k;
    __atomic_store_n(&g_which, which, __ATOMIC_RELEASE);
}

int lgc_sigmoid_kernel(void)
{
    if (__atomic_load_n(&g_which, __ATOMIC_ACQUIRE) < 0) {
#pragma omp critical(lgc_sigmoid_choose)
        if (g_which < 0)
            choose();
    }
    return g_which;
}

void lgc_sigmoid_f32(float *p, const float *z, size_t n)
{
    if (lgc_sigmoid_kernel() > 0)
        g_kernel(p, z, n, 0);
    else
        lgc_sigmoid_f32_ref(p, z, n);
}

void lgc_expf_f32(float *y, const float *x, size_t n)
{
    if (lgc_sigmoid_kernel() > 0) {
        g_kernel(y, x, n, 1);
    } else {
        for (size_t i = 0; i < n; i++)
            y[i] = expf(x[i]);
    }
}

#else

int lgc_sigmoid_kernel(void)
{
    return 0;
}

void lgc_sigmoid_f32(float *p, const float *z, size_t n)
{
    lgc_sigmoid_f32_ref(p, z, n);
}

void lgc_expf_f32(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = expf(x[i]);
}

#endif
