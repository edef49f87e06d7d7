/* layers.c - forward/backward passes of lgc's layers (see include/lgc/nn.h). */
#include <math.h>
#include <string.h>

#include "lgc/nn.h"

#include "core/simd.h"
#include "lgc/tensor.h"

/* ---- dense ----------------------------------------------------------- */

void lgc_dense_forward(float *out, const float *inp, const float *w, const float *b, size_t B,
                       size_t C, size_t OC)
{
    if (b) {
        for (size_t i = 0; i < B; i++)
            memcpy(out + i * OC, b, OC * sizeof *out);
    }
    lgc_sgemm(0, 1, B, OC, C, 1.0f, inp, C, w, C, b ? 1.0f : 0.0f, out, OC);
}

void lgc_dense_forward_ref(float *out, const float *inp, const float *w, const float *b, size_t B,
                           size_t C, size_t OC)
{
    for (size_t i = 0; i < B; i++)
        for (size_t o = 0; o < OC; o++) {
            double s = b ? b[o] : 0.0;
            for (size_t c = 0; c < C; c++)
                s += (double)inp[i * C + c] * w[o * C + c];
            out[i * OC + o] = (float)s;
        }
}

void lgc_dense_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                        const float *w, size_t B, size_t C, size_t OC)
{
    lgc_dense_backward_ex(dinp, dw, db, dout, inp, w, B, C, OC, 0);
}

void lgc_dense_backward_ex(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                           const float *w, size_t B, size_t C, size_t OC, int overwrite)
{
    if (dinp) /* dinp (B,C) += dout (B,OC) @ w (OC,C) */
        lgc_sgemm(0, 0, B, C, OC, 1.0f, dout, OC, w, C, 1.0f, dinp, C);
    /* dw (OC,C) += (or =) dout^T (OC,B) @ inp (B,C): beta 0 stores the product
     * the beta-1 path would add to zeros (K > 0, so every entry is written) */
    lgc_sgemm(1, 0, OC, C, B, 1.0f, dout, OC, inp, C, overwrite ? 0.0f : 1.0f, dw, C);
    if (db && overwrite)
        memset(db, 0, OC * sizeof *db);
    if (db)
        for (size_t i = 0; i < B; i++)
            for (size_t o = 0; o < OC; o++)
                db[o] += dout[i * OC + o];
}

/* ---- conv2d (im2col + GEMM over a chunk of images) ------------------- */

/* Scratch layout for one chunk of Bc images, P = OH*OW pixels each:
 *   col (C*K*K, Bc*P)   patches, column b*P + p is pixel p of image b
 *   tmp (OC, Bc*P)      GEMM output / gradient in channel-major order */
size_t lgc_conv2d_ws_floats(size_t chunk, size_t C, size_t H, size_t W, size_t OC, size_t K,
                            size_t pad)
{
    size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
    return chunk * OH * OW * (C * K * K + OC);
}

/* The output columns ow whose tap ow + kj - pad falls inside a row of width W:
 * [*ow0, *ow1), possibly empty. */
static void valid_cols(size_t *ow0, size_t *ow1, size_t OW, size_t W, size_t kj, size_t pad)
{
    size_t lo = kj < pad ? pad - kj : 0;           /* ow + kj >= pad */
    size_t hi = W + pad > kj ? W + pad - kj : 0;   /* ow + kj - pad < W */
    *ow1 = hi < OW ? hi : OW;
    *ow0 = lo < *ow1 ? lo : *ow1;
}

/* Eight floats: GCC lowers the arithmetic to one AVX2 or two SSE
 * instructions per operation, whichever clone runs. */
typedef float v8f __attribute__((vector_size(32)));
/* Unaligned loads and stores, as macros: a function taking or returning
 * v8f would have a different ABI in the two clones. */
#define LD8(v, p) memcpy(&(v), (p), sizeof(v8f))
#define ST8(p, v) memcpy((p), &(v), sizeof(v8f))
#define HSUM8(v) ((((v)[0] + (v)[1]) + ((v)[2] + (v)[3])) + (((v)[4] + (v)[5]) + ((v)[6] + (v)[7])))

/* d (OH, OW) = the (OH, OW) window of src whose rows are W apart: im2col's
 * unpadded case, rows too short for a memcpy call to pay (GCC's loop
 * distribution would make each row's copy one: kept off here). */
LGC_WIDE __attribute__((optimize("no-tree-loop-distribute-patterns"))) static void
copy_window(float *restrict d, const float *restrict src, size_t OH, size_t OW, size_t W)
{
    if (OW < 8) {
        for (size_t oh = 0; oh < OH; oh++)
            for (size_t ow = 0; ow < OW; ow++)
                d[oh * OW + ow] = src[oh * W + ow];
        return;
    }
    /* Eight at a time, the last eight of a row overlapping the ones before
     * (rows of 9 floats in paper-cnn's second convolution). */
    for (size_t oh = 0; oh < OH; oh++) {
        float *dr = d + oh * OW;
        const float *sr = src + oh * W;
        v8f v;
        size_t ow = 0;
        for (; ow + 8 <= OW; ow += 8) {
            LD8(v, sr + ow);
            ST8(dr + ow, v);
        }
        if (ow < OW) {
            LD8(v, sr + OW - 8);
            ST8(dr + OW - 8, v);
        }
    }
}

/* dst (rows W apart) += s (OH, OW) over the window: col2im's unpadded case. */
LGC_WIDE static void add_window(float *restrict dst, const float *restrict s, size_t OH,
                                size_t OW, size_t W)
{
    for (size_t oh = 0; oh < OH; oh++)
        for (size_t ow = 0; ow < OW; ow++)
            dst[oh * W + ow] += s[oh * OW + ow];
}

static void im2col(float *col, const float *inp, size_t Bc, size_t C, size_t H, size_t W, size_t K,
                   size_t pad)
{
    size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1, P = OH * OW, NP = Bc * P;
    size_t rows = C * K * K;
    /* One task per (patch row, image): enough tasks for every thread even when
     * C*K*K is small (9 for a 3x3 kernel on one channel). */
#pragma omp parallel for schedule(static) if (rows * NP > 32768)
    for (size_t rb = 0; rb < rows * Bc; rb++) {
        size_t r = rb / Bc, b = rb % Bc;
        size_t c = r / (K * K), ki = (r / K) % K, kj = r % K;
        const float *src = inp + (b * C + c) * H * W;
        float *d = col + r * NP + b * P;
        if (pad == 0) { /* every tap is inside the image */
            copy_window(d, src + ki * W + kj, OH, OW, W);
            continue;
        }
        for (size_t oh = 0; oh < OH; oh++, d += OW) {
            long ih = (long)oh + (long)ki - (long)pad;
            if (ih < 0 || ih >= (long)H) {
                memset(d, 0, OW * sizeof *d);
                continue;
            }
            const float *srow = src + (size_t)ih * W;
            /* taps inside the image: ow in [ow0, ow1); zeros on either side. Split
             * so that the middle loop has no branch and vectorises. */
            size_t ow0, ow1;
            valid_cols(&ow0, &ow1, OW, W, kj, pad);
            for (size_t ow = 0; ow < ow0; ow++)
                d[ow] = 0.0f;
            for (size_t ow = ow0; ow < ow1; ow++)
                d[ow] = srow[ow + kj - pad];
            for (size_t ow = ow1; ow < OW; ow++)
                d[ow] = 0.0f;
        }
    }
}

/* dinp += col2im(dcol); parallel over (image, channel) so writes never collide. */
static void col2im_add(float *dinp, const float *col, size_t Bc, size_t C, size_t H, size_t W,
                       size_t K, size_t pad)
{
    size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1, P = OH * OW, NP = Bc * P;
#pragma omp parallel for schedule(static) if (Bc * C * H * W > 32768)
    for (size_t bc = 0; bc < Bc * C; bc++) {
        size_t b = bc / C, c = bc % C;
        float *dst = dinp + bc * H * W;
        for (size_t ki = 0; ki < K; ki++)
            for (size_t kj = 0; kj < K; kj++) {
                const float *src = col + ((c * K + ki) * K + kj) * NP + b * P;
                if (pad == 0) {
                    add_window(dst + ki * W + kj, src, OH, OW, W);
                    continue;
                }
                for (size_t oh = 0; oh < OH; oh++) {
                    long ih = (long)oh + (long)ki - (long)pad;
                    if (ih < 0 || ih >= (long)H)
                        continue;
                    float *drow = dst + (size_t)ih * W;
                    const float *srow = src + oh * OW;
                    size_t ow0, ow1;
                    valid_cols(&ow0, &ow1, OW, W, kj, pad);
                    for (size_t ow = ow0; ow < ow1; ow++)
                        drow[ow + kj - pad] += srow[ow];
                }
            }
    }
}

/* One input channel, no padding (a first layer on grey images): direct
 * loops. im2col would copy every pixel K*K times for a GEMM whose inner
 * dimension is only K*K (9 for paper-cnn's 3x3 conv1). Used when OW >= 8. */

/* dst (OH, OW) = bias + the K x K kernel wk slid over src (H, W). Up to 32
 * outputs of a row at a time, in four registers that every tap updates
 * (four independent chains of adds, not one); the last eight of a row
 * overlap the ones before when OW is not a multiple of 8 (those get the
 * same values again). */
LGC_WIDE static void conv1ch_plane(float *restrict dst, const float *restrict src,
                                   const float *restrict wk, float bias, size_t H, size_t W,
                                   size_t K)
{
    size_t OH = H - K + 1, OW = W - K + 1, nch = (OW + 7) / 8;
    for (size_t oh = 0; oh < OH; oh++)
        for (size_t c0 = 0; c0 < nch; c0 += 4) {
            size_t at[4]; /* start of each of up to four chunks */
            for (size_t u = 0; u < 4; u++) {
                size_t c = c0 + u < nch ? c0 + u : nch - 1; /* repeats are harmless */
                at[u] = 8 * c + 8 > OW ? OW - 8 : 8 * c;
            }
            v8f a0 = {bias, bias, bias, bias, bias, bias, bias, bias}, a1 = a0, a2 = a0, a3 = a0;
            for (size_t ki = 0; ki < K; ki++) {
                const float *s = src + (oh + ki) * W;
                for (size_t kj = 0; kj < K; kj++) {
                    float wv = wk[ki * K + kj];
                    v8f x0, x1, x2, x3;
                    LD8(x0, s + at[0] + kj);
                    LD8(x1, s + at[1] + kj);
                    LD8(x2, s + at[2] + kj);
                    LD8(x3, s + at[3] + kj);
                    a0 += wv * x0, a1 += wv * x1, a2 += wv * x2, a3 += wv * x3;
                }
            }
            float *d = dst + oh * OW;
            ST8(d + at[0], a0);
            ST8(d + at[1], a1);
            ST8(d + at[2], a2);
            ST8(d + at[3], a3);
        }
}

/* Starts and masks of group q's four runs (see conv1ch_bias_sum). */
static inline void tap_runs(size_t q, size_t nch, size_t OW, const v8f *last, size_t at[4],
                            v8f mk[4])
{
    for (size_t u = 0; u < 4; u++) {
        size_t c = 4 * q + u;
        at[u] = c < nch ? (8 * c + 8 > OW ? OW - 8 : 8 * c) : 0;
        for (size_t l = 0; l < 8; l++)
            mk[u][l] = c >= nch ? 0.0f : c + 1 == nch ? (*last)[l] : 1.0f;
    }
}

/* The bias's gradient over a batch: s = sum over images b, in order, of the
 * sum of g_b = g + b gs over its (OH, OW) plane. Eight columns at a time, up
 * to four runs of eight in their own registers; when OW is not a multiple
 * of 8 the last run starts at OW - 8 and a mask drops the columns already
 * counted. */
LGC_WIDE static float conv1ch_bias_sum(const float *restrict g, size_t gs, size_t B, size_t OH,
                                       size_t OW)
{
    size_t nch = (OW + 7) / 8, rem = OW % 8, ng = (nch + 3) / 4;
    v8f last = {0}; /* mask of the last run */
    for (size_t l = 0; l < 8; l++)
        last[l] = rem == 0 || l >= 8 - rem ? 1.0f : 0.0f;
    float s = 0.0f;
    for (size_t b = 0; b < B; b++) {
        const float *gb = g + b * gs;
        float total = 0.0f;
        for (size_t q = 0; q < ng; q++) {
            size_t a[4];
            v8f mk[4];
            tap_runs(q, nch, OW, &last, a, mk);
            v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            for (size_t oh = 0; oh < OH; oh++) {
                const float *gr = gb + oh * OW;
                v8f g0, g1, g2, g3;
                LD8(g0, gr + a[0]);
                LD8(g1, gr + a[1]);
                LD8(g2, gr + a[2]);
                LD8(g3, gr + a[3]);
                a0 += g0, a1 += g1, a2 += g2, a3 += g3;
            }
            v8f t = (a0 * mk[0] + a1 * mk[1]) + (a2 * mk[2] + a3 * mk[3]);
            total += HSUM8(t);
        }
        s += total;
    }
    return s;
}

/* The weight gradient of up to nine taps over a batch: sums[t] = sum over
 * images b, in order, of the sum over the (OH, OW) window of g_b times the
 * window of src_b + off[t] (g_b = g + b gs, src_b = src + b ss), each in
 * the operations and order conv1ch_bias_sum uses (a product per term).
 * Run by run, the run of g is loaded once for all nine taps (their windows'
 * loads folded into the multiplies), where one tap at a time loaded it nine
 * times: the loop was bound by loads. Taps past ntap repeat tap 0 and are
 * dropped. */
LGC_WIDE static void conv1ch_taps_sum(float *restrict sums, const float *restrict g, size_t gs,
                                      const float *restrict src, size_t ss,
                                      const size_t *restrict off, size_t ntap, size_t B,
                                      size_t OH, size_t OW, size_t W)
{
    size_t nch = (OW + 7) / 8, rem = OW % 8, ng = (nch + 3) / 4, o[9];
    for (size_t t = 0; t < 9; t++)
        o[t] = off[t < ntap ? t : 0];
    v8f last = {0};
    for (size_t l = 0; l < 8; l++)
        last[l] = rem == 0 || l >= 8 - rem ? 1.0f : 0.0f;
    float s[9] = {0};
    for (size_t b = 0; b < B; b++) {
        const float *gb = g + b * gs, *sb = src + b * ss;
        float total[9] = {0};
        for (size_t q = 0; q < ng; q++) {
            size_t at[4];
            v8f mk[4], a[4][9]; /* a[u][t]: run u's sum for tap t */
            tap_runs(q, nch, OW, &last, at, mk);
            for (size_t u = 0; u < 4; u++) {
                v8f c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0},
                    c7 = {0}, c8 = {0};
                for (size_t oh = 0; oh < OH; oh++) {
                    v8f gv, x;
                    LD8(gv, gb + oh * OW + at[u]);
                    const float *sr = sb + oh * W + at[u];
#define TAP(c, t) (LD8(x, sr + o[t]), c += gv * x)
                    TAP(c0, 0), TAP(c1, 1), TAP(c2, 2), TAP(c3, 3), TAP(c4, 4);
                    TAP(c5, 5), TAP(c6, 6), TAP(c7, 7), TAP(c8, 8);
#undef TAP
                }
                a[u][0] = c0, a[u][1] = c1, a[u][2] = c2, a[u][3] = c3, a[u][4] = c4;
                a[u][5] = c5, a[u][6] = c6, a[u][7] = c7, a[u][8] = c8;
            }
            for (size_t t = 0; t < ntap; t++) {
                v8f tt = (a[0][t] * mk[0] + a[1][t] * mk[1]) + (a[2][t] * mk[2] + a[3][t] * mk[3]);
                total[t] += HSUM8(tt);
            }
        }
        for (size_t t = 0; t < ntap; t++)
            s[t] += total[t];
    }
    for (size_t t = 0; t < ntap; t++)
        sums[t] = s[t];
}

/* dst (H, W) += g (OH, OW) spread back through the kernel wk. */
LGC_WIDE static void conv1ch_plane_back(float *restrict dst, const float *restrict g,
                                        const float *restrict wk, size_t H, size_t W, size_t K)
{
    size_t OH = H - K + 1, OW = W - K + 1;
    for (size_t oh = 0; oh < OH; oh++)
        for (size_t ki = 0; ki < K; ki++)
            for (size_t kj = 0; kj < K; kj++) {
                float *restrict d = dst + (oh + ki) * W + kj;
                const float *restrict gr = g + oh * OW;
                float wv = wk[ki * K + kj];
                for (size_t ow = 0; ow < OW; ow++)
                    d[ow] += wv * gr[ow];
            }
}

static void conv1ch_forward(float *out, const float *inp, const float *w, const float *b,
                            size_t B, size_t H, size_t W, size_t OC, size_t K)
{
    size_t OH = H - K + 1, OW = W - K + 1;
#pragma omp parallel for schedule(static) if (B * OC * OH * OW * K * K > 262144)
    for (size_t bo = 0; bo < B * OC; bo++) {
        size_t bi = bo / OC, oc = bo % OC;
        conv1ch_plane(out + bo * OH * OW, inp + bi * H * W, w + oc * K * K, b ? b[oc] : 0.0f, H,
                      W, K);
    }
}

/* Gradients of conv1ch_forward: dw, db (accumulated) and dinp (accumulated, if not NULL). */
static void conv1ch_backward(float *dinp, float *dw, float *db, const float *dout,
                             const float *inp, const float *w, size_t B, size_t H, size_t W,
                             size_t OC, size_t K)
{
    size_t OH = H - K + 1, OW = W - K + 1, P = OH * OW;
    int big = B * OC * P * K * K > 262144;
    size_t KK = K * K, ngrp = (KK + 8) / 9; /* taps nine at a time */
#pragma omp parallel for schedule(static) if (big)
    for (size_t og = 0; og < OC * ngrp; og++) {
        size_t oc = og / ngrp, t0 = og % ngrp * 9, nt = KK - t0 < 9 ? KK - t0 : 9, off[9];
        float sums[9];
        for (size_t t = 0; t < nt; t++)
            off[t] = (t0 + t) / K * W + (t0 + t) % K;
        conv1ch_taps_sum(sums, dout + oc * P, OC * P, inp, H * W, off, nt, B, OH, OW, W);
        for (size_t t = 0; t < nt; t++)
            dw[oc * KK + t0 + t] += sums[t];
    }
    if (db)
        for (size_t oc = 0; oc < OC; oc++)
            db[oc] += conv1ch_bias_sum(dout + oc * P, OC * P, B, OH, OW);
    if (!dinp)
        return;
#pragma omp parallel for schedule(static) if (big)
    for (size_t bi = 0; bi < B; bi++) /* one image per task: its rows take every tap */
        for (size_t oc = 0; oc < OC; oc++)
            conv1ch_plane_back(dinp + bi * H * W, dout + (bi * OC + oc) * P, w + oc * K * K, H, W,
                               K);
}

void lgc_conv2d_forward(float *out, const float *inp, const float *w, const float *b, float *ws,
                        size_t B, size_t C, size_t H, size_t W, size_t OC, size_t K, size_t pad,
                        size_t chunk)
{
    if (C == 1 && pad == 0 && W - K + 1 >= 8) {
        conv1ch_forward(out, inp, w, b, B, H, W, OC, K);
        return;
    }
    size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1, P = OH * OW, CKK = C * K * K;
    for (size_t b0 = 0; b0 < B; b0 += chunk) {
        size_t Bc = B - b0 < chunk ? B - b0 : chunk, NP = Bc * P;
        float *col = ws, *tmp = ws + CKK * NP;
        im2col(col, inp + b0 * C * H * W, Bc, C, H, W, K, pad);
        lgc_sgemm(0, 0, OC, NP, CKK, 1.0f, w, CKK, col, NP, 0.0f, tmp, NP);
        float *o = out + b0 * OC * P;
#pragma omp parallel for schedule(static)
        for (size_t bo = 0; bo < Bc * OC; bo++) {
            size_t bi = bo / OC, oc = bo % OC;
            const float *src = tmp + oc * NP + bi * P;
            float *dst = o + bo * P, bias = b ? b[oc] : 0.0f;
            for (size_t p = 0; p < P; p++)
                dst[p] = src[p] + bias;
        }
    }
}

void lgc_conv2d_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                         const float *w, float *ws, size_t B, size_t C, size_t H, size_t W,
                         size_t OC, size_t K, size_t pad, size_t chunk)
{
    lgc_conv2d_backward_ex(dinp, dw, db, dout, inp, w, ws, B, C, H, W, OC, K, pad, chunk, 0);
}

void lgc_conv2d_backward_ex(float *dinp, float *dw, float *db, const float *dout,
                            const float *inp, const float *w, float *ws, size_t B, size_t C,
                            size_t H, size_t W, size_t OC, size_t K, size_t pad, size_t chunk,
                            int keep_col)
{
    if (C == 1 && pad == 0 && W - K + 1 >= 8) {
        conv1ch_backward(dinp, dw, db, dout, inp, w, B, H, W, OC, K);
        return;
    }
    size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1, P = OH * OW, CKK = C * K * K;
    for (size_t b0 = 0; b0 < B; b0 += chunk) {
        size_t Bc = B - b0 < chunk ? B - b0 : chunk, NP = Bc * P;
        float *col = ws, *tmp = ws + CKK * NP;
        const float *d = dout + b0 * OC * P;
        /* tmp (OC, Bc*P) <- dout chunk (Bc, OC, P); each thread sums the rows it
         * wrote into db while they are in its cache (the same loop, the same bits) */
#pragma omp parallel for schedule(static)
        for (size_t oc = 0; oc < OC; oc++) {
            for (size_t bi = 0; bi < Bc; bi++)
                memcpy(tmp + oc * NP + bi * P, d + (bi * OC + oc) * P, P * sizeof *tmp);
            if (db) {
                float s = 0.0f; /* exactness of float is enough here */
                for (size_t j = 0; j < NP; j++)
                    s += tmp[oc * NP + j];
                db[oc] += s;
            }
        }
        /* With the whole batch in one chunk, the forward pass left this batch's
         * patches in col (when the caller did not reuse the scratch in between). */
        if (!(keep_col && b0 == 0 && Bc == B))
            im2col(col, inp + b0 * C * H * W, Bc, C, H, W, K, pad);
        /* dw (OC, CKK) += tmp (OC, NP) @ col^T (NP, CKK) */
        lgc_sgemm(0, 1, OC, CKK, NP, 1.0f, tmp, NP, col, NP, 1.0f, dw, CKK);
        if (dinp) {
            /* dcol (CKK, NP) = w^T (CKK, OC) @ tmp (OC, NP), reusing col */
            lgc_sgemm(1, 0, CKK, NP, OC, 1.0f, w, CKK, tmp, NP, 0.0f, col, NP);
            col2im_add(dinp + b0 * C * H * W, col, Bc, C, H, W, K, pad);
        }
    }
}

void lgc_conv2d_forward_ref(float *out, const float *inp, const float *w, const float *b, size_t B,
                            size_t C, size_t H, size_t W, size_t OC, size_t K, size_t pad)
{
    size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
    for (size_t n = 0; n < B; n++)
        for (size_t o = 0; o < OC; o++)
            for (size_t y = 0; y < OH; y++)
                for (size_t x = 0; x < OW; x++) {
                    double s = b ? b[o] : 0.0;
                    for (size_t c = 0; c < C; c++)
                        for (size_t i = 0; i < K; i++)
                            for (size_t j = 0; j < K; j++) {
                                long iy = (long)(y + i) - (long)pad, ix = (long)(x + j) - (long)pad;
                                if (iy < 0 || ix < 0 || iy >= (long)H || ix >= (long)W)
                                    continue;
                                s += (double)inp[((n * C + c) * H + (size_t)iy) * W + (size_t)ix] *
                                     w[((o * C + c) * K + i) * K + j];
                            }
                    out[((n * OC + o) * OH + y) * OW + x] = (float)s;
                }
}

void lgc_conv2d_backward_ref(float *dinp, float *dw, float *db, const float *dout,
                             const float *inp, const float *w, size_t B, size_t C, size_t H,
                             size_t W, size_t OC, size_t K, size_t pad)
{
    size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
    for (size_t n = 0; n < B; n++)
        for (size_t o = 0; o < OC; o++)
            for (size_t y = 0; y < OH; y++)
                for (size_t x = 0; x < OW; x++) {
                    float g = dout[((n * OC + o) * OH + y) * OW + x];
                    if (db)
                        db[o] += g;
                    for (size_t c = 0; c < C; c++)
                        for (size_t i = 0; i < K; i++)
                            for (size_t j = 0; j < K; j++) {
                                long iy = (long)(y + i) - (long)pad, ix = (long)(x + j) - (long)pad;
                                if (iy < 0 || ix < 0 || iy >= (long)H || ix >= (long)W)
                                    continue;
                                size_t ii = ((n * C + c) * H + (size_t)iy) * W + (size_t)ix;
                                size_t wi = ((o * C + c) * K + i) * K + j;
                                dw[wi] += g * inp[ii];
                                if (dinp)
                                    dinp[ii] += g * w[wi];
                            }
                }
}

/* ---- pooling and upsampling ------------------------------------------ */

typedef float mp_v4f __attribute__((vector_size(16)));
typedef int mp_v4i __attribute__((vector_size(16)));

/* One output row of the 2x2 max pool: o (OW) and arg (OW) from rows r0, r1
 * of the input (top is r0's offset in the plane, W its width). The first
 * maximum in the order (0,0) (0,1) (1,0) (1,1), like PyTorch (NaN never
 * wins a comparison). Four outputs at a time by masks, not branches: on
 * activations each comparison is a coin toss a branch predictor loses half
 * the time. */
LGC_WIDE static void maxpool2_row(float *restrict o, uint32_t *restrict arg,
                                  const float *restrict r0, const float *restrict r1,
                                  uint32_t top, uint32_t W, size_t OW)
{
    int w = (int)W;
    const mp_v4i off[4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {w, w, w, w}, {w + 1, w + 1, w + 1, w + 1}};
    size_t x = 0;
    for (; x + 4 <= OW; x += 4) {
        mp_v4f p0, p1, q0, q1;
        memcpy(&p0, r0 + 2 * x, sizeof p0), memcpy(&p1, r0 + 2 * x + 4, sizeof p1);
        memcpy(&q0, r1 + 2 * x, sizeof q0), memcpy(&q1, r1 + 2 * x + 4, sizeof q1);
        const mp_v4i ev = {0, 2, 4, 6}, od = {1, 3, 5, 7};
        mp_v4f v[4] = {__builtin_shuffle(p0, p1, ev), __builtin_shuffle(p0, p1, od),
                       __builtin_shuffle(q0, q1, ev), __builtin_shuffle(q0, q1, od)};
        mp_v4i t = {0, 2, 4, 6}; /* offsets of the (0,0) candidates */
        t += (int)(top + 2 * x);
        mp_v4f m = v[0];
        mp_v4i best = t;
        for (int u = 1; u < 4; u++) {
            mp_v4i c = v[u] > m;
            m = (mp_v4f)(((mp_v4i)v[u] & c) | ((mp_v4i)m & ~c));
            best = ((t + off[u]) & c) | (best & ~c);
        }
        memcpy(o + x, &m, sizeof m), memcpy(arg + x, &best, sizeof best);
    }
    for (; x < OW; x++) {
        uint32_t b = top + 2 * (uint32_t)x;
        float m = r0[2 * x];
        if (r0[2 * x + 1] > m)
            m = r0[2 * x + 1], b = top + 2 * (uint32_t)x + 1;
        if (r1[2 * x] > m)
            m = r1[2 * x], b = top + W + 2 * (uint32_t)x;
        if (r1[2 * x + 1] > m)
            m = r1[2 * x + 1], b = top + W + 2 * (uint32_t)x + 1;
        o[x] = m, arg[x] = b;
    }
}

void lgc_maxpool2_forward(float *out, uint32_t *arg, const float *inp, size_t B, size_t C,
                          size_t H, size_t W)
{
    size_t OH = H / 2, OW = W / 2;
#pragma omp parallel for schedule(static) if (B * C * H * W > 32768)
    for (size_t bc = 0; bc < B * C; bc++) {
        const float *src = inp + bc * H * W;
        for (size_t y = 0; y < OH; y++)
            maxpool2_row(out + bc * OH * OW + y * OW, arg + bc * OH * OW + y * OW,
                         src + 2 * y * W, src + (2 * y + 1) * W, (uint32_t)(2 * y * W),
                         (uint32_t)W, OW);
    }
}

void lgc_maxpool2_forward_ref(float *out, uint32_t *arg, const float *inp, size_t B, size_t C,
                              size_t H, size_t W)
{
    size_t OH = H / 2, OW = W / 2;
    for (size_t bc = 0; bc < B * C; bc++)
        for (size_t y = 0; y < OH; y++)
            for (size_t x = 0; x < OW; x++) {
                const float *p = inp + bc * H * W + 2 * y * W + 2 * x;
                size_t cand[4] = {0, 1, W, W + 1}, best = 0;
                for (size_t u = 1; u < 4; u++)
                    if (p[cand[u]] > p[cand[best]])
                        best = u;
                out[(bc * OH + y) * OW + x] = p[cand[best]];
                arg[(bc * OH + y) * OW + x] = (uint32_t)(2 * y * W + 2 * x + cand[best]);
            }
}

void lgc_maxpool2_backward(float *dinp, const float *dout, const uint32_t *arg, size_t B, size_t C,
                           size_t H, size_t W)
{
    size_t OP = (H / 2) * (W / 2);
#pragma omp parallel for schedule(static) if (B * C * H * W > 32768)
    for (size_t bc = 0; bc < B * C; bc++)
        for (size_t p = 0; p < OP; p++)
            dinp[bc * H * W + arg[bc * OP + p]] += dout[bc * OP + p];
}

void lgc_avgpool2_forward(float *out, const float *inp, size_t B, size_t C, size_t H, size_t W)
{
    size_t OH = H / 2, OW = W / 2;
#pragma omp parallel for schedule(static) if (B * C * H * W > 32768)
    for (size_t bc = 0; bc < B * C; bc++) {
        const float *s = inp + bc * H * W;
        for (size_t y = 0; y < OH; y++)
            for (size_t x = 0; x < OW; x++) {
                const float *q = s + 2 * y * W + 2 * x;
                out[bc * OH * OW + y * OW + x] = 0.25f * (q[0] + q[1] + q[W] + q[W + 1]);
            }
    }
}

void lgc_avgpool2_backward(float *dinp, const float *dout, size_t B, size_t C, size_t H, size_t W)
{
    size_t OH = H / 2, OW = W / 2;
#pragma omp parallel for schedule(static) if (B * C * H * W > 32768)
    for (size_t bc = 0; bc < B * C; bc++) {
        float *d = dinp + bc * H * W;
        for (size_t y = 0; y < OH; y++)
            for (size_t x = 0; x < OW; x++) {
                float g = 0.25f * dout[bc * OH * OW + y * OW + x];
                float *q = d + 2 * y * W + 2 * x;
                q[0] += g, q[1] += g, q[W] += g, q[W + 1] += g;
            }
    }
}

void lgc_upsample2_forward(float *out, const float *inp, size_t B, size_t C, size_t H, size_t W)
{
#pragma omp parallel for schedule(static) if (B * C * H * W > 32768)
    for (size_t bc = 0; bc < B * C; bc++) {
        const float *s = inp + bc * H * W;
        float *o = out + bc * 4 * H * W;
        for (size_t y = 0; y < 2 * H; y++)
            for (size_t x = 0; x < 2 * W; x++)
                o[y * 2 * W + x] = s[(y / 2) * W + x / 2];
    }
}

void lgc_upsample2_backward(float *dinp, const float *dout, size_t B, size_t C, size_t H,
                            size_t W)
{
#pragma omp parallel for schedule(static) if (B * C * H * W > 32768)
    for (size_t bc = 0; bc < B * C; bc++) {
        float *d = dinp + bc * H * W;
        const float *g = dout + bc * 4 * H * W;
        for (size_t y = 0; y < 2 * H; y++)
            for (size_t x = 0; x < 2 * W; x++)
                d[(y / 2) * W + x / 2] += g[y * 2 * W + x];
    }
}

/* ---- instance norm --------------------------------------------------- */

/* Two passes for the variance (mean, then squared deviations): E[x^2] - E[x]^2
 * cancels badly in float. The reductions are `omp simd` so that they vectorise
 * without -ffast-math; their order depends on the build, not on the threads. */
void lgc_instnorm_forward(float *out, float *stats, const float *inp, const float *gamma,
                          const float *beta, size_t B, size_t C, size_t HW)
{
#pragma omp parallel for schedule(static) if (B * C * HW > 32768)
    for (size_t bc = 0; bc < B * C; bc++) {
        const float *x = inp + bc * HW;
        float *y = out + bc * HW, s = 0.0f, v = 0.0f;
#pragma omp simd reduction(+ : s)
        for (size_t p = 0; p < HW; p++)
            s += x[p];
        float mean = s / (float)HW;
#pragma omp simd reduction(+ : v)
        for (size_t p = 0; p < HW; p++)
            v += (x[p] - mean) * (x[p] - mean);
        float rstd = 1.0f / sqrtf(v / (float)HW + LGC_INSTNORM_EPS);
        /* (x - mean) first: folding mean into the shift cancels badly when the
         * channel is nearly constant and rstd large */
        float scale = gamma[bc % C] * rstd, shift = beta[bc % C];
        for (size_t p = 0; p < HW; p++)
            y[p] = (x[p] - mean) * scale + shift;
        stats[2 * bc] = mean, stats[2 * bc + 1] = rstd;
    }
}

void lgc_instnorm_forward_ref(float *out, float *stats, const float *inp, const float *gamma,
                              const float *beta, size_t B, size_t C, size_t HW)
{
    for (size_t b = 0; b < B; b++)
        for (size_t c = 0; c < C; c++) {
            const float *x = inp + (b * C + c) * HW;
            double mean = 0.0, var = 0.0;
            for (size_t p = 0; p < HW; p++)
                mean += x[p];
            mean /= (double)HW;
            for (size_t p = 0; p < HW; p++)
                var += (x[p] - mean) * (x[p] - mean);
            var /= (double)HW;
            double rstd = 1.0 / sqrt(var + LGC_INSTNORM_EPS);
            for (size_t p = 0; p < HW; p++)
                out[(b * C + c) * HW + p] = (float)(gamma[c] * (x[p] - mean) * rstd + beta[c]);
            stats[2 * (b * C + c)] = (float)mean, stats[2 * (b * C + c) + 1] = (float)rstd;
        }
}

/* With xh = (x - mean) * rstd, g = dout, sums over the HW pixels of one image's channel:
 *   dbeta += sum g,  dgamma += sum g xh,
 *   dx = gamma rstd (g - sum g / HW - xh sum(g xh) / HW).
 * Parallel over channels, so that each thread owns its dgamma[c] and dbeta[c]. */
void lgc_instnorm_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                           const float *inp, const float *stats, const float *gamma, size_t B,
                           size_t C, size_t HW)
{
#pragma omp parallel for schedule(static) if (B * C * HW > 32768)
    for (size_t c = 0; c < C; c++) {
        float dg = 0.0f, db = 0.0f;
        for (size_t b = 0; b < B; b++) {
            size_t bc = b * C + c;
            const float *x = inp + bc * HW, *g = dout + bc * HW;
            float mean = stats[2 * bc], rstd = stats[2 * bc + 1], sg = 0.0f, sgx = 0.0f;
#pragma omp simd reduction(+ : sg, sgx)
            for (size_t p = 0; p < HW; p++) {
                sg += g[p];
                sgx += g[p] * (x[p] - mean) * rstd;
            }
            db += sg, dg += sgx;
            if (!dinp)
                continue;
            float k = gamma[c] * rstd, m1 = sg / (float)HW, m2 = sgx / (float)HW;
            float *d = dinp + bc * HW;
            for (size_t p = 0; p < HW; p++)
                d[p] += k * (g[p] - m1 - (x[p] - mean) * rstd * m2);
        }
        dgamma[c] += dg, dbeta[c] += db;
    }
}

void lgc_instnorm_backward_ref(float *dinp, float *dgamma, float *dbeta, const float *dout,
                               const float *inp, const float *stats, const float *gamma, size_t B,
                               size_t C, size_t HW)
{
    for (size_t b = 0; b < B; b++)
        for (size_t c = 0; c < C; c++) {
            size_t bc = b * C + c;
            const float *x = inp + bc * HW, *g = dout + bc * HW;
            double mean = stats[2 * bc], rstd = stats[2 * bc + 1], sg = 0.0, sgx = 0.0;
            for (size_t p = 0; p < HW; p++) {
                sg += g[p];
                sgx += g[p] * (x[p] - mean) * rstd;
            }
            dbeta[c] += (float)sg, dgamma[c] += (float)sgx;
            if (dinp)
                for (size_t p = 0; p < HW; p++) {
                    double xh = (x[p] - mean) * rstd;
                    dinp[bc * HW + p] += (float)(gamma[c] * rstd *
                                                 (g[p] - sg / (double)HW - xh * sgx / (double)HW));
                }
        }
}

/* ---- activations ----------------------------------------------------- */

void lgc_relu_forward(float *out, const float *inp, size_t n)
{
    for (size_t i = 0; i < n; i++) { /* not fmaxf: without -ffast-math it is a libm call */
        float v = inp[i];
        out[i] = v > 0.0f ? v : 0.0f;
    }
}

void lgc_relu_backward(float *dinp, const float *dout, const float *out, size_t n)
{
    /* A mask times an unconditional load: the compiler vectorises this, while
     * `cond ? dout[i] : 0` is a conditional load it must keep scalar and branchy. */
    for (size_t i = 0; i < n; i++) {
        float mask = out[i] > 0.0f ? 1.0f : 0.0f;
        dinp[i] += mask * dout[i];
    }
}

void lgc_sigmoid_forward(float *out, const float *inp, size_t n)
{
    lgc_sigmoid_f32(out, inp, n); /* libm's bits, eight at a time */
}

void lgc_sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dinp[i] += dout[i] * out[i] * (1.0f - out[i]);
}
