/* loss.c - losses and the Adam optimiser. */
#include <math.h>

#include "lgc/nn.h"
#include "lgc/tensor.h"

#include "core/simd.h"

double lgc_softmax_row(float *p, const float *z, size_t K)
{
    float mx = z[0];
    for (size_t k = 1; k < K; k++)
        mx = z[k] > mx ? z[k] : mx;
    double s = 0.0;
    for (size_t k = 0; k < K; k++)
        s += exp((double)z[k] - mx);
    double lse = mx + log(s);
    for (size_t k = 0; k < K; k++)
        p[k] = (float)exp((double)z[k] - lse);
    return lse;
}

float lgc_xent_forward(float *probs, const float *logits, const uint8_t *y, const float *weights,
                       size_t B, size_t K)
{
    double total = 0.0;
    for (size_t i = 0; i < B; i++) {
        double lse = lgc_softmax_row(probs + i * K, logits + i * K, K);
        total += (weights ? weights[i] : 1.0) * (lse - logits[i * K + y[i]]);
    }
    return (float)(total / (double)B);
}

float lgc_soft_xent_forward(float *probs, const float *logits, const float *q,
                            const float *weights, size_t B, size_t K)
{
    double total = 0.0;
    for (size_t i = 0; i < B; i++) {
        double lse = lgc_softmax_row(probs + i * K, logits + i * K, K), l = 0.0;
        for (size_t k = 0; k < K; k++)
            l += (double)q[i * K + k] * (lse - logits[i * K + k]);
        total += (weights ? weights[i] : 1.0) * l;
    }
    return (float)(total / (double)B);
}

void lgc_soft_xent_backward(float *dlogits, const float *probs, const float *q,
                            const float *weights, size_t B, size_t K)
{
    for (size_t i = 0; i < B; i++) {
        float s = (weights ? weights[i] : 1.0f) / (float)B;
        for (size_t k = 0; k < K; k++)
            dlogits[i * K + k] += s * (probs[i * K + k] - q[i * K + k]);
    }
}

void lgc_xent_backward(float *dlogits, const float *probs, const uint8_t *y, const float *weights,
                       size_t B, size_t K)
{
    for (size_t i = 0; i < B; i++) {
        float s = (weights ? weights[i] : 1.0f) / (float)B;
        for (size_t k = 0; k < K; k++)
            dlogits[i * K + k] += s * (probs[i * K + k] - (k == y[i] ? 1.0f : 0.0f));
    }
}

double lgc_bce_logits_forward(const float *z, const float *t, size_t n, float scale)
{
    double s = 0.0;
#pragma omp parallel for reduction(+ : s) schedule(static)
    for (size_t j = 0; j < n; j++) {
        /* BCE(sigmoid(z), t) = softplus(z) - t z, with softplus(z) = max(z,0) + log1p(exp(-|z|)) */
        double zj = z[j];
        s += (zj > 0 ? zj : 0.0) + log1p(exp(-fabs(zj))) - t[j] * zj;
    }
    return scale * s;
}

double lgc_bce_logits_fused(float *dz, const float *z, const float *t, size_t n, float scale)
{
    /* One expf and one log1pf per element, in float: with e = exp(-|z|),
     * softplus(z) = max(z,0) + log1p(e) and sigmoid(z) = 1/(1+e) or e/(1+e). */
    double s = 0.0;
#pragma omp parallel for reduction(+ : s) schedule(static)
    for (size_t j = 0; j < n; j++) {
        float zj = z[j], e = expf(-fabsf(zj)), inv = 1.0f / (1.0f + e);
        float sig = zj >= 0.0f ? inv : e * inv;
        s += (double)((zj > 0.0f ? zj : 0.0f) + log1pf(e) - t[j] * zj);
        dz[j] += scale * (sig - t[j]);
    }
    return scale * s;
}

void lgc_bce_logits_backward(float *dz, const float *z, const float *t, size_t n, float scale)
{
#pragma omp parallel for schedule(static)
    for (size_t j = 0; j < n; j++)
        dz[j] += scale * (1.0f / (1.0f + expf(-z[j])) - t[j]);
}

/* p (m) holds sigmoid(z) and becomes g (p - t) p (1 - p), the twin's
 * product in its order. */
LGC_WIDE static void mse_sigmoid_grad(float *restrict p, const float *restrict t, size_t m,
                                      float g)
{
    for (size_t j = 0; j < m; j++) {
        float pj = p[j], d = pj - t[j];
        p[j] = g * d * pj * (1.0f - pj);
    }
}

double lgc_mse_sigmoid_ref(float *dz, const float *z, const float *t, size_t n, float scale)
{
    double s = 0.0;
    for (size_t j = 0; j < n; j++) {
        float p = 1.0f / (1.0f + expf(-z[j])), d = p - t[j];
        s += (double)d * d;
        dz[j] = 2.0f * scale * d * p * (1.0f - p);
    }
    return scale * s;
}

double lgc_mse_sigmoid(float *dz, const float *z, const float *t, size_t n, float scale)
{
    /* The twin's arithmetic: a cache-sized block at a time, the
     * probabilities into dz (vector expf with libm's bits), their squared
     * errors summed in the twin's order, then the gradient over them. */
    enum { BLK = 2048 };
    double s = 0.0;
    float g = 2.0f * scale;
    for (size_t j0 = 0; j0 < n; j0 += BLK) {
        size_t m = n - j0 < BLK ? n - j0 : BLK;
        float *p = dz + j0;
        const float *tt = t + j0;
        lgc_sigmoid_f32(p, z + j0, m);
        for (size_t j = 0; j < m; j++) {
            float d = p[j] - tt[j];
            s += (double)d * d;
        }
        mse_sigmoid_grad(p, tt, m, g);
    }
    return scale * s;
}

float lgc_mse_forward(const float *y, const float *t, size_t n, float scale)
{
    double s = 0.0;
    for (size_t j = 0; j < n; j++) {
        double d = (double)y[j] - t[j];
        s += d * d;
    }
    return (float)(scale * s);
}

void lgc_mse_backward(float *dy, const float *y, const float *t, size_t n, float scale)
{
    for (size_t j = 0; j < n; j++)
        dy[j] += 2.0f * scale * (y[j] - t[j]);
}

/* Adam on p[lo, hi): elementwise, so any split gives the same bits; AVX2
 * where there is one (vsqrtps and vdivps round as the scalar operations do). */
LGC_WIDE static void adam_range(float *p, const float *g, float *m, float *v, size_t lo, size_t hi,
                       float beta1, float beta2, float eps, float step, float sq)
{
    for (size_t i = lo; i < hi; i++) {
        m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
        v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
        p[i] -= step * m[i] / (sqrtf(v[i]) / sq + eps);
    }
}

void lgc_adam_update(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1,
                     float beta2, float eps, long t)
{
    /* PyTorch: p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps) */
    float bc1 = 1.0f - powf(beta1, (float)t), bc2 = 1.0f - powf(beta2, (float)t);
    float step = lr / bc1, sq = sqrtf(bc2);
    if (n < LGC_PAR_PARAMS) { /* a judge's few thousand parameters: one thread */
        adam_range(p, g, m, v, 0, n, beta1, beta2, eps, step, sq);
        return;
    }
    /* The autoencoder's 218,000 parameters took a serial pass per step here
     * (5 % of training): the threads take 64 ranges between them. */
#pragma omp parallel for schedule(static)
    for (size_t c = 0; c < 64; c++)
        adam_range(p, g, m, v, n * c / 64, n * (c + 1) / 64, beta1, beta2, eps, step, sq);
}
