/* vae.c - the pieces the VAE, contrastive and conditional models add to the
 * layers: reparameterisation, KL, supervised contrastive loss, concatenation
 * (see include/lgc/nn.h). */
#include <math.h>
#include <string.h>

#include "lgc/nn.h"

void lgc_reparam_forward(float *z, const float *h, const float *eps, size_t B, size_t L)
{
    for (size_t i = 0; i < B; i++) {
        const float *mu = h + i * 2 * L, *lv = mu + L;
        for (size_t j = 0; j < L; j++)
            z[i * L + j] = mu[j] + expf(0.5f * lv[j]) * eps[i * L + j];
    }
}

void lgc_reparam_backward(float *dh, const float *dz, const float *h, const float *eps, size_t B,
                          size_t L)
{
    for (size_t i = 0; i < B; i++) {
        const float *lv = h + i * 2 * L + L;
        float *dmu = dh + i * 2 * L, *dlv = dmu + L;
        for (size_t j = 0; j < L; j++) {
            float g = dz[i * L + j];
            dmu[j] += g;
            dlv[j] += g * eps[i * L + j] * 0.5f * expf(0.5f * lv[j]);
        }
    }
}

double lgc_kl_forward(const float *h, size_t B, size_t L, float scale)
{
    double s = 0.0;
    for (size_t i = 0; i < B; i++) {
        const float *mu = h + i * 2 * L, *lv = mu + L;
        for (size_t j = 0; j < L; j++)
            s += 1.0 + lv[j] - (double)mu[j] * mu[j] - exp((double)lv[j]);
    }
    return -0.5 * scale * s;
}

void lgc_kl_backward(float *dh, const float *h, size_t B, size_t L, float scale)
{
    for (size_t i = 0; i < B; i++) {
        const float *mu = h + i * 2 * L, *lv = mu + L;
        float *dmu = dh + i * 2 * L, *dlv = dmu + L;
        for (size_t j = 0; j < L; j++) {
            dmu[j] += scale * mu[j];
            dlv[j] += scale * 0.5f * (expf(lv[j]) - 1.0f);
        }
    }
}

/* ---- supervised contrastive loss ----------------------------------------- */

#define NORM_EPS 1e-12f /* torch.nn.functional.normalize's default */

size_t lgc_supcon_ws_floats(size_t B, size_t d) { return 2 * B * d + B * B + B; }

double lgc_supcon(float *df, const float *f, const uint8_t *y, size_t B, size_t d, float temp,
                 lgc_supcon_form form, float scale, float *ws)
{
    /* ws: u (B,d) unit features, du (B,d) their gradient, G (B,B) gradient of
     * the loss w.r.t. the dot products u_i . u_j, nrm (B) the norms |f_i| */
    float *u = ws, *du = u + B * d, *G = du + B * d, *nrm = G + B * B;
    for (size_t i = 0; i < B; i++) {
        double s = 0.0;
        for (size_t k = 0; k < d; k++)
            s += (double)f[i * d + k] * f[i * d + k];
        nrm[i] = (float)sqrt(s);
        float inv = 1.0f / (nrm[i] > NORM_EPS ? nrm[i] : NORM_EPS);
        for (size_t k = 0; k < d; k++)
            u[i * d + k] = f[i * d + k] * inv;
    }
    size_t n_anchor = 0;
    for (size_t i = 0; i < B; i++)
        for (size_t j = 0; j < B; j++)
            if (j != i && y[j] == y[i]) {
                n_anchor++;
                break;
            }
    memset(G, 0, B * B * sizeof *G);
    if (n_anchor == 0)
        return 0.0;
    double total = 0.0;
    /* d l_i / d s_ij = q_ij - t_ij with q the softmax over A(i) and t the
     * target over P(i): uniform for L_OUT, softmax over P(i) for L_IN */
    float gs = scale / ((float)n_anchor * temp); /* and s_ij = u_i . u_j / temp */
    for (size_t i = 0; i < B; i++) {
        float *s = G + i * B; /* s_ij first, then overwritten by the gradient */
        double mx = -INFINITY, mxp = -INFINITY, sum_p_s = 0.0;
        size_t n_pos = 0;
        for (size_t j = 0; j < B; j++) {
            if (j == i)
                continue;
            double dot = 0.0;
            for (size_t k = 0; k < d; k++)
                dot += (double)u[i * d + k] * u[j * d + k];
            s[j] = (float)(dot / temp);
            mx = s[j] > mx ? s[j] : mx;
            if (y[j] == y[i]) {
                n_pos++, sum_p_s += s[j];
                mxp = s[j] > mxp ? s[j] : mxp;
            }
        }
        if (n_pos == 0) {
            memset(s, 0, B * sizeof *s);
            continue;
        }
        double sa = 0.0, sp = 0.0;
        for (size_t j = 0; j < B; j++) {
            if (j == i)
                continue;
            sa += exp(s[j] - mx);
            if (y[j] == y[i])
                sp += exp(s[j] - mxp);
        }
        double lse = mx + log(sa), lsep = mxp + log(sp);
        total += form == LGC_SUPCON_IN ? lse - lsep : lse - sum_p_s / (double)n_pos;
        for (size_t j = 0; j < B; j++) {
            if (j == i) {
                s[j] = 0.0f;
                continue;
            }
            double q = exp(s[j] - lse), t = 0.0;
            if (y[j] == y[i])
                t = form == LGC_SUPCON_IN ? exp(s[j] - lsep) : 1.0 / (double)n_pos;
            s[j] = (float)(q - t) * gs;
        }
    }
    if (df) {
        /* du = (G + G^T) u, then through the normalisation:
         * df_i = (du_i - u_i (u_i . du_i)) / |f_i| */
        memset(du, 0, B * d * sizeof *du);
        for (size_t i = 0; i < B; i++)
            for (size_t j = 0; j < B; j++) {
                float g = G[i * B + j] + G[j * B + i];
                if (g == 0.0f)
                    continue;
                for (size_t k = 0; k < d; k++)
                    du[i * d + k] += g * u[j * d + k];
            }
        for (size_t i = 0; i < B; i++) {
            float *gi = du + i * d;
            if (nrm[i] > NORM_EPS) {
                double ud = 0.0;
                for (size_t k = 0; k < d; k++)
                    ud += (double)u[i * d + k] * gi[k];
                for (size_t k = 0; k < d; k++)
                    df[i * d + k] += (gi[k] - u[i * d + k] * (float)ud) / nrm[i];
            } else { /* below the floor u = f / eps is linear in f */
                for (size_t k = 0; k < d; k++)
                    df[i * d + k] += gi[k] / NORM_EPS;
            }
        }
    }
    return scale * total / (double)n_anchor;
}

/* ---- conditioning ----------------------------------------------------------- */

void lgc_concat_forward(float *out, const float *a, const float *b, size_t B, size_t na,
                        size_t nb)
{
    for (size_t i = 0; i < B; i++) {
        memcpy(out + i * (na + nb), a + i * na, na * sizeof *out);
        memcpy(out + i * (na + nb) + na, b + i * nb, nb * sizeof *out);
    }
}

void lgc_concat_backward(float *da, float *db, const float *dout, size_t B, size_t na, size_t nb)
{
    for (size_t i = 0; i < B; i++) {
        const float *g = dout + i * (na + nb);
        if (da)
            for (size_t j = 0; j < na; j++)
                da[i * na + j] += g[j];
        if (db)
            for (size_t j = 0; j < nb; j++)
                db[i * nb + j] += g[na + j];
    }
}

void lgc_onehot(float *out, const uint8_t *y, size_t B, size_t K, size_t reps)
{
    memset(out, 0, B * K * reps * sizeof *out);
    for (size_t i = 0; i < B; i++)
        if (y[i] < K)
            for (size_t p = 0; p < reps; p++)
                out[(i * K + y[i]) * reps + p] = 1.0f;
}
