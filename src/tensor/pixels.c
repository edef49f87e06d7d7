/* pixels.c - pixel conversions shared by training, judging and decoding (see
 * include/lgc/pixels.h): uint8 rows to float planes, logits to uint8. */
#include "lgc/pixels.h"

#include <math.h>
#include <string.h>

void lgc_images_to_nchw(float *x, const uint8_t *pix, const uint32_t *idx, size_t B, size_t h,
                        size_t w, size_t c)
{
    size_t hw = h * w;
#pragma omp parallel for schedule(static) if (B * hw * c > 65536)
    for (size_t b = 0; b < B; b++) {
        const uint8_t *src = pix + (size_t)(idx ? idx[b] : b) * hw * c;
        float *dst = x + b * c * hw;
        if (c == 1) { /* grey: a straight, vectorisable pass */
            for (size_t p = 0; p < hw; p++)
                dst[p] = (float)src[p] * (1.0f / 255.0f);
            continue;
        }
        for (size_t p = 0; p < hw; p++)
            for (size_t ch = 0; ch < c; ch++)
                dst[ch * hw + p] = (float)src[p * c + ch] * (1.0f / 255.0f);
    }
}

void lgc_images_to_nchw_ref(float *x, const uint8_t *pix, const uint32_t *idx, size_t B,
                            size_t h, size_t w, size_t c)
{
    for (size_t b = 0; b < B; b++)
        for (size_t ch = 0; ch < c; ch++)
            for (size_t y = 0; y < h; y++)
                for (size_t xx = 0; xx < w; xx++)
                    x[((b * c + ch) * h + y) * w + xx] =
                        (float)pix[(((size_t)(idx ? idx[b] : b) * h + y) * w + xx) * c + ch] * (1.0f / 255.0f);
}

/* Rounding thresholds on the logit axis: round(255 sigmoid(z)) >= k+1 exactly
 * when z >= T[k] = (float)log(p / (1 - p)), p = (k + 0.5) / 255 in double,
 * k = 0..254: a constant table (printed as exact hex floats; test_pixels
 * recomputes it), so there is no state and nothing to initialise. A pixel is the number
 * of thresholds at or below its logit. Below T[0] it is 0 and from T[254] on
 * 255, with no exp; in between any estimate within one level of the sigmoid
 * (255 sigmoid off by less than 0.5) is settled exactly by comparing z with
 * the two thresholds around it. */
static const float g_thresh[255] = {
    -0x1.8ee06ep+2f, -0x1.485042p+2f, -0x1.275e22p+2f, -0x1.11945cp+2f,
    -0x1.013d8cp+2f, -0x1.e84872p+1f, -0x1.d262d2p+1f, -0x1.bf8d9p+1f,
    -0x1.af038cp+1f, -0x1.a041b4p+1f, -0x1.92ec6cp+1f, -0x1.86c12ap+1f,
    -0x1.7b8e12p+1f, -0x1.712ccep+1f, -0x1.677f44p+1f, -0x1.5e6d64p+1f,
    -0x1.55e39ep+1f, -0x1.4dd1dap+1f, -0x1.462aaep+1f, -0x1.3ee2cep+1f,
    -0x1.37f0ap+1f, -0x1.314beap+1f, -0x1.2aed9p+1f, -0x1.24cf68p+1f,
    -0x1.1eec06p+1f, -0x1.193ea8p+1f, -0x1.13c31ap+1f, -0x1.0e759cp+1f,
    -0x1.0952dap+1f, -0x1.0457dp+1f, -0x1.ff03ap+0f, -0x1.f59ccep+0f,
    -0x1.ec76cp+0f, -0x1.e38d74p+0f, -0x1.dadd3ep+0f, -0x1.d262c4p+0f,
    -0x1.ca1af4p+0f, -0x1.c202fap+0f, -0x1.ba183cp+0f, -0x1.b25854p+0f,
    -0x1.aac106p+0f, -0x1.a35042p+0f, -0x1.9c042p+0f, -0x1.94dad4p+0f,
    -0x1.8dd2b6p+0f, -0x1.86ea38p+0f, -0x1.801fe6p+0f, -0x1.797262p+0f,
    -0x1.72e068p+0f, -0x1.6c68cp+0f, -0x1.660a4cp+0f, -0x1.5fc3fcp+0f,
    -0x1.5994ccp+0f, -0x1.537bccp+0f, -0x1.4d7814p+0f, -0x1.4788cep+0f,
    -0x1.41ad28p+0f, -0x1.3be462p+0f, -0x1.362dc2p+0f, -0x1.308894p+0f,
    -0x1.2af434p+0f, -0x1.257002p+0f, -0x1.1ffb62p+0f, -0x1.1a95c6p+0f,
    -0x1.153ea2p+0f, -0x1.0ff57p+0f, -0x1.0ab9b4p+0f, -0x1.058afp+0f,
    -0x1.0068b2p+0f, -0x1.f6a512p-1f, -0x1.ec9014p-1f, -0x1.e2919ep-1f,
    -0x1.d8a8e6p-1f, -0x1.ced53p-1f, -0x1.c515c2p-1f, -0x1.bb69eep-1f,
    -0x1.b1d106p-1f, -0x1.a84a68p-1f, -0x1.9ed574p-1f, -0x1.95719p-1f,
    -0x1.8c1e28p-1f, -0x1.82daacp-1f, -0x1.79a692p-1f, -0x1.708152p-1f,
    -0x1.676a6ap-1f, -0x1.5e615cp-1f, -0x1.5565acp-1f, -0x1.4c76e4p-1f,
    -0x1.43948ep-1f, -0x1.3abe3ap-1f, -0x1.31f37ap-1f, -0x1.2933e4p-1f,
    -0x1.207f0ep-1f, -0x1.17d494p-1f, -0x1.0f341p-1f, -0x1.069d26p-1f,
    -0x1.fc1ee4p-2f, -0x1.eb1534p-2f, -0x1.da1c88p-2f, -0x1.c9342cp-2f,
    -0x1.b85b74p-2f, -0x1.a791b6p-2f, -0x1.96d648p-2f, -0x1.86288ap-2f,
    -0x1.7587d8p-2f, -0x1.64f394p-2f, -0x1.546b24p-2f, -0x1.43edeep-2f,
    -0x1.337b5cp-2f, -0x1.2312d6p-2f, -0x1.12b3ccp-2f, -0x1.025dacp-2f,
    -0x1.e41fccp-3f, -0x1.c393dep-3f, -0x1.a31674p-3f, -0x1.82a678p-3f,
    -0x1.6242d8p-3f, -0x1.41ea84p-3f, -0x1.219c6ep-3f, -0x1.01578cp-3f,
    -0x1.c235a6p-4f, -0x1.81ca74p-4f, -0x1.416b74p-4f, -0x1.01169ap-4f,
    -0x1.8193bap-5f, -0x1.010666p-5f, -0x1.01025ap-6f, 0x0p+0f,
    0x1.01025ap-6f, 0x1.010666p-5f, 0x1.8193bap-5f, 0x1.01169ap-4f,
    0x1.416b74p-4f, 0x1.81ca74p-4f, 0x1.c235a6p-4f, 0x1.01578cp-3f,
    0x1.219c6ep-3f, 0x1.41ea84p-3f, 0x1.6242d8p-3f, 0x1.82a678p-3f,
    0x1.a31674p-3f, 0x1.c393dep-3f, 0x1.e41fccp-3f, 0x1.025dacp-2f,
    0x1.12b3ccp-2f, 0x1.2312d6p-2f, 0x1.337b5cp-2f, 0x1.43edeep-2f,
    0x1.546b24p-2f, 0x1.64f394p-2f, 0x1.7587d8p-2f, 0x1.86288ap-2f,
    0x1.96d648p-2f, 0x1.a791b6p-2f, 0x1.b85b74p-2f, 0x1.c9342cp-2f,
    0x1.da1c88p-2f, 0x1.eb1534p-2f, 0x1.fc1ee4p-2f, 0x1.069d26p-1f,
    0x1.0f341p-1f, 0x1.17d494p-1f, 0x1.207f0ep-1f, 0x1.2933e4p-1f,
    0x1.31f37ap-1f, 0x1.3abe3ap-1f, 0x1.43948ep-1f, 0x1.4c76e4p-1f,
    0x1.5565acp-1f, 0x1.5e615cp-1f, 0x1.676a6ap-1f, 0x1.708152p-1f,
    0x1.79a692p-1f, 0x1.82daacp-1f, 0x1.8c1e28p-1f, 0x1.95719p-1f,
    0x1.9ed574p-1f, 0x1.a84a68p-1f, 0x1.b1d106p-1f, 0x1.bb69eep-1f,
    0x1.c515c2p-1f, 0x1.ced53p-1f, 0x1.d8a8e6p-1f, 0x1.e2919ep-1f,
    0x1.ec9014p-1f, 0x1.f6a512p-1f, 0x1.0068b2p+0f, 0x1.058afp+0f,
    0x1.0ab9b4p+0f, 0x1.0ff57p+0f, 0x1.153ea2p+0f, 0x1.1a95c6p+0f,
    0x1.1ffb62p+0f, 0x1.257002p+0f, 0x1.2af434p+0f, 0x1.308894p+0f,
    0x1.362dc2p+0f, 0x1.3be462p+0f, 0x1.41ad28p+0f, 0x1.4788cep+0f,
    0x1.4d7814p+0f, 0x1.537bccp+0f, 0x1.5994ccp+0f, 0x1.5fc3fcp+0f,
    0x1.660a4cp+0f, 0x1.6c68cp+0f, 0x1.72e068p+0f, 0x1.797262p+0f,
    0x1.801fe6p+0f, 0x1.86ea38p+0f, 0x1.8dd2b6p+0f, 0x1.94dad4p+0f,
    0x1.9c042p+0f, 0x1.a35042p+0f, 0x1.aac106p+0f, 0x1.b25854p+0f,
    0x1.ba183cp+0f, 0x1.c202fap+0f, 0x1.ca1af4p+0f, 0x1.d262c4p+0f,
    0x1.dadd3ep+0f, 0x1.e38d74p+0f, 0x1.ec76cp+0f, 0x1.f59ccep+0f,
    0x1.ff03ap+0f, 0x1.0457dp+1f, 0x1.0952dap+1f, 0x1.0e759cp+1f,
    0x1.13c31ap+1f, 0x1.193ea8p+1f, 0x1.1eec06p+1f, 0x1.24cf68p+1f,
    0x1.2aed9p+1f, 0x1.314beap+1f, 0x1.37f0ap+1f, 0x1.3ee2cep+1f,
    0x1.462aaep+1f, 0x1.4dd1dap+1f, 0x1.55e39ep+1f, 0x1.5e6d64p+1f,
    0x1.677f44p+1f, 0x1.712ccep+1f, 0x1.7b8e12p+1f, 0x1.86c12ap+1f,
    0x1.92ec6cp+1f, 0x1.a041b4p+1f, 0x1.af038cp+1f, 0x1.bf8d9p+1f,
    0x1.d262d2p+1f, 0x1.e84872p+1f, 0x1.013d8cp+2f, 0x1.11945cp+2f,
    0x1.275e22p+2f, 0x1.485042p+2f, 0x1.8ee06ep+2f
};

/* The estimate k (any int within one level of the answer, for T[0] <= z <
 * T[254] or saturating beyond) made exact; NaN gives 0. No branches. */
static inline uint8_t settle(float z, int k)
{
    k = k < 1 ? 1 : k > 254 ? 254 : k;
    k += z >= g_thresh[k];     /* one level up, */
    k -= z < g_thresh[k - 1];  /* or one down (never both) */
    return z == z ? (uint8_t)k : 0;
}

uint8_t lgc_logit_to_u8(float z)
{
    /* Saturated pixels (most of a digit's background) cost two comparisons. */
    if (!(z >= g_thresh[0])) /* also NaN */
        return 0;
    if (z >= g_thresh[254])
        return 255;
    return settle(z, (int)lrintf(255.0f / (1.0f + expf(-z))));
}

typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

/* lgc_logit_to_u8 of eight logits at once. A vector sigmoid gives
 * s = 255 sigmoid(z): exp(-z) as 2^n times a degree-5 polynomial in the
 * fraction (relative error below 3e-6), so s is off by less than 3e-4 with
 * float rounding. Where every s lies more than NEAR from a rounding boundary
 * k + 1/2, round(s) is the threshold count: the float thresholds sit within
 * 3e-5 (in s) of the exact boundaries. Otherwise, and for NaN, the lanes are
 * settled one by one against the thresholds. Logits are clamped to
 * [-9, 9] first (0 and 255 there, far from any boundary). Only CPUs without
 * AVX2 come here (logits_to_u8_avx2 below does the same in one call per
 * run), so one baseline build suffices. */
#define NEAR 2e-3f
static void logits8_to_u8(const float *restrict z, uint8_t *restrict out)
{
    v8f x, lo, hi;
    memcpy(&x, z, sizeof x);
    for (int j = 0; j < 8; j++)
        lo[j] = -9.0f, hi[j] = 9.0f;
    /* clamped to [-9, 9]; a NaN lane becomes 0, s = 127.5, and is settled */
    v8i below = x < lo, above = x > hi, inside = (x >= lo) & (x <= hi);
    v8f xc = (v8f)(((v8i)x & inside) | ((v8i)lo & below) | ((v8i)hi & above));
    v8f t = xc * -1.44269504f;                        /* exp(-z) = 2^t, |t| < 13 */
    v8i n = __builtin_convertvector(t + 16.5f, v8i) - 16; /* round(t), truncation of a positive */
    v8f f = t - __builtin_convertvector(n, v8f);     /* [-0.5, 0.5] */
    v8f p = 1.0f + f * (0.693147181f + f * (0.240226507f + f * (0.0555041087f +
                                        f * (0.00961812911f + f * 0.00133335581f))));
    v8f e = p * (v8f)((n + 127) << 23);
    v8f s = 255.0f / (1.0f + e) + 0.5f;              /* in [0.5, 255.5] */
    v8i k = __builtin_convertvector(s, v8i);          /* round(255 sigmoid) */
    v8f frac = s - __builtin_convertvector(k, v8f);  /* distance above the boundary below */
    v8i near = (frac < NEAR) | (frac > 1.0f - NEAR) | (x != x);
    int any = 0;
    for (int j = 0; j < 8; j++)
        any |= near[j];
    if (!any) {
        for (int j = 0; j < 8; j++)
            out[j] = (uint8_t)k[j];
        return;
    }
    for (int j = 0; j < 8; j++)
        out[j] = settle(z[j], k[j]);
}

uint8_t lgc_logit_to_u8_ref(float z)
{
    double v = 1.0 / (1.0 + exp(-(double)z));
    return (uint8_t)lrint(255.0 * v);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* lgc_logits_to_u8 on an AVX2 CPU: logits8_to_u8's estimate, operation for
 * operation, with the whole run in one call and the masks, the clamp and
 * the packing to bytes in registers (the vector-extension code above
 * extracted every lane to test and store it: 2.1 ns a pixel). Saturated
 * lanes take 0 or 255 from the comparisons; lanes near a boundary, and NaN,
 * are settled one by one. */
__attribute__((target("avx2"))) static void logits_to_u8_avx2(const float *restrict z, size_t n,
                                                                uint8_t *restrict out)
{
    const __m256 lo = _mm256_set1_ps(g_thresh[0]), hi = _mm256_set1_ps(g_thresh[254]);
    const __m256i b255 = _mm256_set1_epi32(255), pick = _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0);
    size_t p = 0;
    for (; p + 8 <= n; p += 8) {
        __m256 x = _mm256_loadu_ps(z + p);
        __m256 below = _mm256_cmp_ps(x, lo, _CMP_LT_OQ), above = _mm256_cmp_ps(x, hi, _CMP_GE_OQ);
        __m256 sat = _mm256_or_ps(below, above);
        __m256i k = _mm256_and_si256(_mm256_castps_si256(above), b255);
        int near = 0;
        if (_mm256_movemask_ps(sat) != 0xff) {
            /* clamped to [-9, 9]; NaN becomes -9 (max returns its second operand) */
            __m256 xc =
                _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-9.0f)), _mm256_set1_ps(9.0f));
            __m256 t = _mm256_mul_ps(xc, _mm256_set1_ps(-1.44269504f));
            __m256 t16 = _mm256_add_ps(t, _mm256_set1_ps(16.5f)); /* round(t) + 16 by truncation */
            __m256i nn = _mm256_sub_epi32(_mm256_cvttps_epi32(t16), _mm256_set1_epi32(16));
            __m256 f = _mm256_sub_ps(t, _mm256_cvtepi32_ps(nn));
            __m256 a = _mm256_mul_ps(f, _mm256_set1_ps(0.00133335581f));
            a = _mm256_mul_ps(f, _mm256_add_ps(_mm256_set1_ps(0.00961812911f), a));
            a = _mm256_mul_ps(f, _mm256_add_ps(_mm256_set1_ps(0.0555041087f), a));
            a = _mm256_mul_ps(f, _mm256_add_ps(_mm256_set1_ps(0.240226507f), a));
            a = _mm256_mul_ps(f, _mm256_add_ps(_mm256_set1_ps(0.693147181f), a));
            __m256 pe = _mm256_add_ps(_mm256_set1_ps(1.0f), a);
            __m256 two_n = _mm256_castsi256_ps(
                _mm256_slli_epi32(_mm256_add_epi32(nn, _mm256_set1_epi32(127)), 23));
            __m256 e = _mm256_mul_ps(pe, two_n);
            __m256 sv = _mm256_add_ps(
                _mm256_div_ps(_mm256_set1_ps(255.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e)),
                _mm256_set1_ps(0.5f));
            __m256i ks = _mm256_cvttps_epi32(sv);
            __m256 frac = _mm256_sub_ps(sv, _mm256_cvtepi32_ps(ks));
            __m256 nm = _mm256_or_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(NEAR), _CMP_LT_OQ),
                                     _mm256_cmp_ps(frac, _mm256_set1_ps(1.0f - NEAR), _CMP_GT_OQ));
            nm = _mm256_or_ps(nm, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
            near = _mm256_movemask_ps(_mm256_andnot_ps(sat, nm));
            k = _mm256_blendv_epi8(ks, k, _mm256_castps_si256(sat));
            if (near) {
                int kk[8];
                _mm256_storeu_si256((__m256i *)kk, k);
                for (int j = 0; j < 8; j++)
                    if (near >> j & 1)
                        kk[j] = settle(z[p + j], kk[j]);
                k = _mm256_loadu_si256((const __m256i *)kk);
            }
        }
        /* eight int32 in [0, 255] to eight bytes: dword 0 of each half, then together */
        __m256i b = _mm256_packus_epi16(_mm256_packus_epi32(k, k), _mm256_setzero_si256());
        b = _mm256_permutevar8x32_epi32(b, pick);
        _mm_storel_epi64((__m128i *)(out + p), _mm256_castsi256_si128(b));
    }
    for (; p < n; p++)
        out[p] = lgc_logit_to_u8(z[p]);
}
#endif

void lgc_logits_to_u8(const float *z, size_t n, uint8_t *out)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2")) {
        logits_to_u8_avx2(z, n, out);
        return;
    }
#endif
    const float lo = g_thresh[0], hi = g_thresh[254];
    size_t p = 0;
    /* Eight at a time: a run where every logit saturates is settled by
     * comparisons the compiler makes vector code; other runs take a vector
     * estimate settled by thresholds, so the bytes are exactly
     * lgc_logit_to_u8's. (Measured against a branch-free search over the
     * thresholds, scalar or with AVX2 gathers, and a table of estimates with
     * scalar settling: all slower than this.) */
    for (; p + 8 <= n; p += 8) {
        const float *v = z + p;
        int sat = 1;
        for (int j = 0; j < 8; j++)
            sat &= (v[j] < lo) | (v[j] >= hi);
        if (sat)
            for (int j = 0; j < 8; j++)
                out[p + j] = v[j] >= hi ? 255 : 0;
        else
            logits8_to_u8(v, out + p);
    }
    for (; p < n; p++)
        out[p] = lgc_logit_to_u8(z[p]);
}

