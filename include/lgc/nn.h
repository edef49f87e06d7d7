/*
 * nn.h - the neural-network engine: layers, losses, optimiser, sequential nets.
 *
 * Layers follow llm.c: a pair of plain functions on float buffers,
 * outputs first, sizes last. Backward functions ACCUMULATE into parameter
 * gradients and into input gradients (callers zero them first), so that a
 * value used twice simply receives two contributions. Image tensors are
 * NCHW: (B, C, H, W) row-major. Every fast kernel has a naive `_ref` twin.
 *
 * On top of the layers, lgc_net is a model held as data: an array of layer
 * records (kind, shapes, parameter offsets) run by a switch. All memory
 * (parameters, gradients, Adam moments, activations, scratch) is planned and
 * allocated once in lgc_net_init, so a training step never allocates.
 */
#ifndef LGC_NN_H
#define LGC_NN_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/rng.h"
#include "lgc/status.h"

/* ---- layers ---------------------------------------------------------- */

/* out (B,OC) = inp (B,C) @ w^T + b;  w (OC,C), b (OC) (b may be NULL). */
void lgc_dense_forward(float *out, const float *inp, const float *w, const float *b, size_t B,
                       size_t C, size_t OC);
void lgc_dense_forward_ref(float *out, const float *inp, const float *w, const float *b, size_t B,
                           size_t C, size_t OC);
/* dinp (B,C) may be NULL; dw (OC,C), db (OC) accumulate. */
void lgc_dense_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                        const float *w, size_t B, size_t C, size_t OC);
/* The same; with overwrite, dw and db are written (as if zeroed first), not added to. B > 0. */
void lgc_dense_backward_ex(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                           const float *w, size_t B, size_t C, size_t OC, int overwrite);

/* Convolution, stride 1, square kernel K, zero padding pad:
 * out (B,OC,OH,OW) with OH = H + 2 pad - K + 1; w (OC,C,K,K); b (OC).
 * ws is scratch of lgc_conv2d_ws_floats(...) floats; the batch is processed in
 * chunks of `chunk` images (im2col + one GEMM per chunk), except with one
 * input channel and no padding, where direct loops run faster (ws unused). */
size_t lgc_conv2d_ws_floats(size_t chunk, size_t C, size_t H, size_t W, size_t OC, size_t K,
                            size_t pad);
void lgc_conv2d_forward(float *out, const float *inp, const float *w, const float *b, float *ws,
                        size_t B, size_t C, size_t H, size_t W, size_t OC, size_t K, size_t pad,
                        size_t chunk);
void lgc_conv2d_forward_ref(float *out, const float *inp, const float *w, const float *b, size_t B,
                            size_t C, size_t H, size_t W, size_t OC, size_t K, size_t pad);
/* dinp may be NULL. */
void lgc_conv2d_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                         const float *w, float *ws, size_t B, size_t C, size_t H, size_t W,
                         size_t OC, size_t K, size_t pad, size_t chunk);
/* Same; keep_col says ws still holds the patches of this batch from
 * lgc_conv2d_forward (one chunk, scratch not reused since), saving an im2col. */
void lgc_conv2d_backward_ex(float *dinp, float *dw, float *db, const float *dout,
                            const float *inp, const float *w, float *ws, size_t B, size_t C,
                            size_t H, size_t W, size_t OC, size_t K, size_t pad, size_t chunk,
                            int keep_col);
void lgc_conv2d_backward_ref(float *dinp, float *dw, float *db, const float *dout,
                             const float *inp, const float *w, size_t B, size_t C, size_t H,
                             size_t W, size_t OC, size_t K, size_t pad);

/* 2x2 pooling, stride 2, floor: out (B,C,H/2,W/2). maxpool records the
 * winner's input offset in arg (same shape as out) for the backward pass. */
void lgc_maxpool2_forward(float *out, uint32_t *arg, const float *inp, size_t B, size_t C,
                          size_t H, size_t W);
void lgc_maxpool2_forward_ref(float *out, uint32_t *arg, const float *inp, size_t B, size_t C,
                              size_t H, size_t W);
void lgc_maxpool2_backward(float *dinp, const float *dout, const uint32_t *arg, size_t B, size_t C,
                           size_t H, size_t W);
void lgc_avgpool2_forward(float *out, const float *inp, size_t B, size_t C, size_t H, size_t W);
void lgc_avgpool2_backward(float *dinp, const float *dout, size_t B, size_t C, size_t H, size_t W);
/* Nearest-neighbour upsampling by 2: out (B,C,2H,2W). */
void lgc_upsample2_forward(float *out, const float *inp, size_t B, size_t C, size_t H, size_t W);
void lgc_upsample2_backward(float *dinp, const float *dout, size_t B, size_t C, size_t H,
                            size_t W);

/* Instance norm, as PyTorch's GroupNorm(C, C, affine=True) (the "instancenorm"
 * of the dataset-distillation ConvNet): for each image and channel, over its HW
 * pixels, y = gamma[c] * (x - mean) / sqrt(var + LGC_INSTNORM_EPS) + beta[c],
 * var biased. inp, out (B,C,HW); gamma, beta (C); stats (B*C, 2) receives the
 * mean and 1/sqrt(var + eps) of every (image, channel) for the backward pass. */
#define LGC_INSTNORM_EPS 1e-5f
void lgc_instnorm_forward(float *out, float *stats, const float *inp, const float *gamma,
                          const float *beta, size_t B, size_t C, size_t HW);
void lgc_instnorm_forward_ref(float *out, float *stats, const float *inp, const float *gamma,
                              const float *beta, size_t B, size_t C, size_t HW);
/* dinp (B,C,HW) may be NULL; dgamma, dbeta (C) accumulate. inp and stats are
 * those of the forward pass. */
void lgc_instnorm_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                           const float *inp, const float *stats, const float *gamma, size_t B,
                           size_t C, size_t HW);
void lgc_instnorm_backward_ref(float *dinp, float *dgamma, float *dbeta, const float *dout,
                               const float *inp, const float *stats, const float *gamma, size_t B,
                               size_t C, size_t HW);

void lgc_relu_forward(float *out, const float *inp, size_t n);
void lgc_relu_backward(float *dinp, const float *dout, const float *out, size_t n);
void lgc_sigmoid_forward(float *out, const float *inp, size_t n);
void lgc_sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n);

/* ---- losses ---------------------------------------------------------- */

/* p (K) = softmax of z (K), computed as exp(z - lse) with the max taken out
 * first; returns lse = log sum exp z. */
double lgc_softmax_row(float *p, const float *z, size_t K);
/* Softmax cross-entropy over K classes. logits (B,K), y (B). weights (B) or
 * NULL: loss = sum_i w_i * l_i / B (w_i = 1 without weights; CRUST's medoid
 * weights enter here). probs (B,K) receives the softmax. Returns the loss. */
float lgc_xent_forward(float *probs, const float *logits, const uint8_t *y, const float *weights,
                       size_t B, size_t K);
/* dlogits (B,K) accumulates the gradient of the value returned above. */
void lgc_xent_backward(float *dlogits, const float *probs, const uint8_t *y, const float *weights,
                       size_t B, size_t K);
/* Cross-entropy against soft targets q (B, K), rows summing to 1:
 * mean_i w_i (-sum_k q_ik log p_ik); probs as lgc_xent_forward. With one-hot
 * q it is lgc_xent_forward. Backward adds w_i (p - q) / B. */
float lgc_soft_xent_forward(float *probs, const float *logits, const float *q,
                            const float *weights, size_t B, size_t K);
void lgc_soft_xent_backward(float *dlogits, const float *probs, const float *q,
                            const float *weights, size_t B, size_t K);

/* Binary cross-entropy on logits z against targets t in [0,1], fused with the
 * sigmoid for stability: loss = scale * sum_j (softplus(z_j) - t_j z_j) + const,
 * reported as scale * sum_j BCE(sigmoid(z_j), t_j). n = all elements. The sums are
 * returned in double: a float result would round away the differences that
 * gradient checks of whole models measure. */
double lgc_bce_logits_forward(const float *z, const float *t, size_t n, float scale);
void lgc_bce_logits_backward(float *dz, const float *z, const float *t, size_t n, float scale);
/* Both at once, in float (the training loop's fast path): returns the loss,
 * accumulates the gradient into dz. */
double lgc_bce_logits_fused(float *dz, const float *z, const float *t, size_t n, float scale);
/* The autoencoder's reconstruction loss on logits z (the study's
 * nn.MSELoss on sigmoid outputs): returns scale * sum_j (p_j - t_j)^2 with
 * p = sigmoid(z), summed in double, and WRITES (does not add)
 * dz_j = 2 scale (p_j - t_j) p_j (1 - p_j). The fast one gives the _ref
 * twin's bits exactly (lgc_sigmoid_f32). dz must not alias z or t. */
double lgc_mse_sigmoid(float *dz, const float *z, const float *t, size_t n, float scale);
double lgc_mse_sigmoid_ref(float *dz, const float *z, const float *t, size_t n, float scale);
/* loss = scale * sum_j (y_j - t_j)^2. */
float lgc_mse_forward(const float *y, const float *t, size_t n, float scale);
void lgc_mse_backward(float *dy, const float *y, const float *t, size_t n, float scale);

/* ---- variational, contrastive and conditional pieces (vae.c) ------------ */

/* A VAE encoder ends in one dense layer to 2L outputs per sample, so each row
 * of its output h (B, 2L) is [mu (L), logvar (L)]; these functions read that
 * layout directly instead of splitting it into two buffers. */

/* Reparameterisation: z (B,L) = mu + exp(logvar / 2) * eps. The caller draws
 * eps (B,L) from N(0,1), so a test can fix it. */
void lgc_reparam_forward(float *z, const float *h, const float *eps, size_t B, size_t L);
/* dh (B,2L) accumulates dmu = dz and dlogvar = dz * eps * exp(logvar / 2) / 2. */
void lgc_reparam_backward(float *dh, const float *dz, const float *h, const float *eps, size_t B,
                          size_t L);
/* KL(N(mu, diag e^logvar) || N(0, I)) summed over the B rows, times scale:
 * scale * -1/2 sum (1 + logvar - mu^2 - e^logvar). */
double lgc_kl_forward(const float *h, size_t B, size_t L, float scale);
/* dh (B,2L) accumulates scale * (mu, (e^logvar - 1) / 2). */
void lgc_kl_backward(float *dh, const float *h, size_t B, size_t L, float scale);

/* Supervised contrastive loss (Khosla et al. 2020) on features f (B,d) with
 * labels y (B): u_i = f_i / max(|f_i|, 1e-12) (as torch's F.normalize),
 * s_ij = u_i . u_j / temp, A(i) = all j != i, P(i) = the j in A(i) with y_j = y_i,
 *   L_OUT: l_i = -1/|P(i)| sum_{p in P(i)} log( e^{s_ip} / sum_{a in A(i)} e^{s_ia} )
 *          (the paper's formula, and the one Khosla et al. recommend)
 *   L_IN:  l_i = -log( sum_{p in P(i)} e^{s_ip} / sum_{a in A(i)} e^{s_ia} )
 *          (what the study's code ran; it also adds 1e-10 inside both sums, left out here)
 * loss = scale * mean of l_i over the anchors that have a positive (anchors
 * alone in their class are skipped; the study's 1e-10 gave them a huge constant
 * term instead). Returns the loss; if df is not NULL it accumulates the
 * gradient (B,d). ws: lgc_supcon_ws_floats(B, d) floats of scratch. */
typedef enum { LGC_SUPCON_OUT = 0, LGC_SUPCON_IN = 1 } lgc_supcon_form;
size_t lgc_supcon_ws_floats(size_t B, size_t d);
double lgc_supcon(float *df, const float *f, const uint8_t *y, size_t B, size_t d, float temp,
                 lgc_supcon_form form, float scale, float *ws);

/* Conditioning. out (B, na+nb): row i is [a row i (na), b row i (nb)]. Each
 * NCHW sample is contiguous, so two images of the same H and W are joined
 * along channels by the same call (na = Ca*H*W, nb = Cb*H*W). */
void lgc_concat_forward(float *out, const float *a, const float *b, size_t B, size_t na,
                        size_t nb);
/* The split of the gradient: da (B,na) and db (B,nb) accumulate the two parts
 * of dout (B, na+nb); either may be NULL. */
void lgc_concat_backward(float *da, float *db, const float *dout, size_t B, size_t na, size_t nb);
/* out (B, K*reps): out[i][k*reps + p] = (y[i] == k). reps = 1 gives one-hot
 * rows, reps = H*W gives K constant planes (NCHW channels). A label >= K gives
 * a zero row: callers check label ranges. */
void lgc_onehot(float *out, const uint8_t *y, size_t B, size_t K, size_t reps);

/* ---- optimiser ------------------------------------------------------- */

/* Adam as in PyTorch (bias-corrected moments); t is the 1-based step. */
void lgc_adam_update(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1,
                     float beta2, float eps, long t);

/* ---- sequential nets ------------------------------------------------- */

typedef enum {
    LGC_L_DENSE = 1,    /* a = out features */
    LGC_L_CONV = 2,     /* a = out channels, b = kernel, c = padding */
    LGC_L_RELU = 3,
    LGC_L_SIGMOID = 4,
    LGC_L_MAXPOOL2 = 5,
    LGC_L_AVGPOOL2 = 6,
    LGC_L_UPSAMPLE2 = 7,
    LGC_L_RESHAPE = 8,  /* a,b,c = C,H,W of the output; size must match */
    LGC_L_INSTNORM = 9  /* per-channel scale and shift, initialised to 1 and 0 */
} lgc_layer_kind;

/* What a caller writes to describe a net: kind and up to three integers. */
typedef struct {
    int kind;
    size_t a, b, c;
} lgc_layer_spec;

/* A planned layer: shapes resolved, parameters and activations located. */
typedef struct {
    int kind;
    size_t in_c, in_h, in_w;    /* input shape per sample */
    size_t out_c, out_h, out_w; /* output shape per sample */
    size_t k, pad;              /* conv only */
    size_t w_off, n_w;          /* weights in params: dense (OC,C), conv (OC,C,K,K) */
    size_t b_off, n_b;          /* biases in params */
    size_t act_off;             /* output activations in acts: (max_batch, out_c*out_h*out_w) */
    size_t ws_off;              /* conv: this layer's scratch region in ws;
                                 * instnorm: its (max_batch*C, 2) mean and 1/std */
    size_t arg_off;             /* maxpool winners in args */
} lgc_layer;

typedef struct {
    lgc_layer *layers;
    size_t n_layers;
    size_t in_c, in_h, in_w, in_size, out_size;
    size_t max_batch, conv_chunk;
    size_t n_params;
    float *params;  /* (n_params) */
    float *grads;   /* (n_params) */
    float *adam_m;  /* (n_params) */
    float *adam_v;  /* (n_params) */
    long adam_t;
    float *acts;    /* every layer's output, (max_batch, out_size of that layer), back to back */
    float *dacts;   /* gradients of the same */
    float *dinput;  /* (max_batch, in_size): gradient w.r.t. the net's input */
    uint32_t *args; /* maxpool winners */
    float *ws;      /* scratch: one region per conv layer, so each keeps its patches
                     * from forward to backward when a batch fits one chunk, and one
                     * per instnorm layer for its statistics */
    size_t n_acts, n_args, n_ws;
    lgc_layer_spec *spec; /* (n_layers) the description it was planned from */
    int shares_params;    /* a replica: params belong to another net */
} lgc_net;

/* What a layer list needs, counted without allocating anything. */
typedef struct {
    size_t n_params, n_acts, n_args, n_ws; /* floats (args: uint32) */
    size_t out_size, conv_chunk;
    uint64_t bytes; /* everything lgc_net_init allocates for it */
} lgc_net_sizes;

/* Plan a layer list for batches of up to max_batch: shapes, offsets (into
 * layers (n_layers) when not NULL) and sizes. The one plan: lgc_net_init
 * allocates by it, and a package's decoder is refused by it before anything
 * is allocated. Sizes saturate at SIZE_MAX (a list read from a file may name
 * any sizes); LGC_ERR_ARG (with a message) when the list does not chain. */
lgc_status lgc_net_plan(const lgc_layer_spec *spec, size_t n_layers, size_t in_c, size_t in_h,
                        size_t in_w, size_t max_batch, lgc_layer *layers, lgc_net_sizes *sz,
                        lgc_err *err);

/* Plan shapes and allocate everything for batches of up to max_batch.
 * Returns LGC_ERR_ARG (with a message) when the layer list does not chain. */
lgc_status lgc_net_init(lgc_net *net, const lgc_layer_spec *spec, size_t n_layers, size_t in_c,
                        size_t in_h, size_t in_w, size_t max_batch, lgc_err *err);
void lgc_net_free(lgc_net *net);
/* A replica of master for data-parallel training: the same layers, reading
 * master's parameters (shared, not copied), with its own gradients,
 * activations and scratch for batches of up to max_batch. */
lgc_status lgc_net_init_replica(lgc_net *rep, const lgc_net *master, size_t max_batch,
                                lgc_err *err);
/* dst->grads += src->grads (same layer plan). */
void lgc_net_add_grads(lgc_net *dst, const lgc_net *src);

/*
 * Shards: a net and n - 1 replicas of it, for data-parallel batches (the
 * small GEMMs of these nets gain more from one BLAS thread per shard than from
 * threads inside each GEMM). Shard 0 is the net itself. A batch of b rows is
 * cut the same way whatever the thread count (lgc_shard_rows), so sums over
 * shards do not depend on it; threads (lgc_shard_threads) take shards in turn.
 * The one shard loop of lgc: training, judging and decompressing use it.
 */
#define LGC_MAX_SHARDS 16
typedef struct {
    lgc_net *net;                /* shard 0 */
    lgc_net rep[LGC_MAX_SHARDS]; /* replicas 1..n-1 (rep[0] unused) */
    size_t n;
} lgc_shards;

/* n shards (1..LGC_MAX_SHARDS) of net, replicas for batches of up to max_batch. */
lgc_status lgc_shards_init(lgc_shards *s, lgc_net *net, size_t n, size_t max_batch,
                           lgc_err *err);
/* A zeroed or freed s is a no-op. */
void lgc_shards_free(lgc_shards *s);
lgc_net *lgc_shard_net(lgc_shards *s, size_t t);
/* Rows [*lo, *lo + *bt) of a batch of b that shard t of n takes. */
void lgc_shard_rows(size_t b, size_t t, size_t n, size_t *lo, size_t *bt);
/* Threads to run n shards with: lgc_threads_get(), at most n, at least 1. */
size_t lgc_shard_threads(size_t n);
/* The replicas' gradients added into shard 0's. */
void lgc_shards_add_grads(lgc_shards *s);

/* PyTorch's default: weights and biases uniform in +-1/sqrt(fan_in);
 * instnorm scales 1 and shifts 0 (drawing nothing from r). */
void lgc_net_init_params(lgc_net *net, lgc_rng *r);
/* Forward x (B, in_size); returns the output (B, out_size), owned by net. */
const float *lgc_net_forward(lgc_net *net, const float *x, size_t B);
/* Backward from dout (B, out_size); accumulates into net->grads and, if
 * want_dinput, writes net->dinput (B, in_size). Needs the forward of the same x. */
void lgc_net_backward(lgc_net *net, const float *x, const float *dout, size_t B, int want_dinput);
void lgc_net_zero_grad(lgc_net *net);
/* From this many parameters the per-step passes over them (Adam, the sum of
 * the shards' gradients) run on the threads; below (a judge's few thousand)
 * waking a thread costs more than the pass. Either way, the same bits. */
#define LGC_PAR_PARAMS 32768
/* lgc_net_zero_grad then lgc_net_backward, the same bits, without the pass
 * that zeroes every gradient first: dense layers write theirs (the
 * autoencoder's 218,000 per shard and step were 8 % of training). */
void lgc_net_backward_fresh(lgc_net *net, const float *x, const float *dout, size_t B,
                            int want_dinput);
/* After lgc_net_backward(net, x, dout, B, .): add to norm2 (B) each example's
 * squared L2 norm of its own share of the parameter gradient, without
 * forming it: a dense layer's is |g_b|^2 (|in_b|^2 + 1) (weights g_b in_b^T,
 * bias g_b), from the output gradient g and the input in the backward pass
 * left in the net (Goodfellow's trick, as DP-SGD's "ghost clipping" uses).
 * Dense layers and parameter-free layers only: a net with conv or instance
 * norm layers is LGC_ERR_ARG. */
lgc_status lgc_net_example_norms(const lgc_net *net, const float *x, const float *dout, size_t B,
                                 double *norm2, lgc_err *err);
void lgc_net_adam_step(lgc_net *net, float lr, float beta1, float beta2, float eps);
/* Short text like "dense(128) relu dense(64)" for logs; buf of size n. */
void lgc_net_describe(const lgc_net *net, char *buf, size_t n);

#endif
