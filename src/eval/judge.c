/* judge.c - train a classifier on a training set for a fixed step budget, test it. */
#include "lgc/judge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/rng.h"
#include "lgc/tensor.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* Every batch is split into this many shards whatever the thread count:
 * threads take shards in turn, and gradients and losses are summed in shard
 * order, so results are the same bytes with 1, 2 or 4 threads. */
#define N_SHARDS 4

int lgc_judge_from_name(const char *name)
{
    if (strcmp(name, "paper-cnn") == 0)
        return LGC_JUDGE_PAPER_CNN;
    if (strcmp(name, "lenet") == 0)
        return LGC_JUDGE_LENET;
    return -1;
}

const char *lgc_judge_name(lgc_judge_kind k)
{
    return k == LGC_JUDGE_LENET ? "lenet" : "paper-cnn";
}

void lgc_judge_opts_default(lgc_judge_opts *o)
{
    o->kind = LGC_JUDGE_PAPER_CNN;
    o->steps = LGC_JUDGE_DEFAULT_STEPS;
    o->batch = 64;
    o->lr = 1e-3f;
    o->seed = 1;
    o->test_pred = NULL;
    o->train_idx = NULL;
    o->n_train_idx = 0;
}

lgc_status lgc_judge_build(lgc_net *net, lgc_judge_kind kind, size_t c, size_t h, size_t w,
                           size_t n_classes, size_t max_batch, lgc_err *err)
{
    /* paper-cnn: the study's RegularCNNClassifier, 5,254 parameters on 28x28x1. */
    const lgc_layer_spec paper[] = {
        {LGC_L_CONV, 6, 3, 0},  {LGC_L_RELU, 0, 0, 0},     {LGC_L_MAXPOOL2, 0, 0, 0},
        {LGC_L_CONV, 16, 5, 0}, {LGC_L_RELU, 0, 0, 0},     {LGC_L_MAXPOOL2, 0, 0, 0},
        {LGC_L_MAXPOOL2, 0, 0, 0}, {LGC_L_DENSE, 32, 0, 0}, {LGC_L_RELU, 0, 0, 0},
        {LGC_L_DENSE, 16, 0, 0}, {LGC_L_RELU, 0, 0, 0},    {LGC_L_DENSE, n_classes, 0, 0},
    };
    const lgc_layer_spec lenet[] = {
        {LGC_L_CONV, 32, 3, 0},  {LGC_L_RELU, 0, 0, 0},   {LGC_L_CONV, 64, 3, 0},
        {LGC_L_RELU, 0, 0, 0},   {LGC_L_MAXPOOL2, 0, 0, 0}, {LGC_L_DENSE, 128, 0, 0},
        {LGC_L_RELU, 0, 0, 0},   {LGC_L_DENSE, n_classes, 0, 0},
    };
    if (n_classes < 2 || n_classes > LGC_MAX_CLASSES)
        return lgc_err_set(err, LGC_ERR_ARG, "judge: %zu classes (must be 2..%d)", n_classes,
                           LGC_MAX_CLASSES);
    if (kind == LGC_JUDGE_LENET)
        return lgc_net_init(net, lenet, sizeof lenet / sizeof *lenet, c, h, w, max_batch, err);
    return lgc_net_init(net, paper, sizeof paper / sizeof *paper, c, h, w, max_batch, err);
}

void lgc_images_to_nchw(float *x, const uint8_t *pix, const uint32_t *idx, size_t B, size_t h,
                        size_t w, size_t c)
{
    size_t hw = h * w;
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < B; b++) {
        const uint8_t *src = pix + (size_t)(idx ? idx[b] : b) * hw * c;
        float *dst = x + b * c * hw;
        for (size_t p = 0; p < hw; p++)
            for (size_t ch = 0; ch < c; ch++)
                dst[ch * hw + p] = (float)src[p * c + ch] * (1.0f / 255.0f);
    }
}

#define EVAL_BATCH 250

lgc_status lgc_judge_run(const lgc_judge_opts *o, const lgc_labelled *train,
                         const lgc_labelled *test, size_t n_classes, lgc_judge_result *res,
                         lgc_progress_fn progress, void *progress_ctx, lgc_err *err)
{
    memset(res, 0, sizeof *res);
    /* n_rows: the rows one pass visits (all, or the caller's list) */
    size_t n_rows = o->train_idx ? o->n_train_idx : train->n;
    if (n_rows == 0 || o->batch == 0 || o->steps == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "judge: empty training set, batch or step budget");
    for (size_t i = 0; o->train_idx && i < n_rows; i++)
        if (o->train_idx[i] >= train->n)
            return lgc_err_set(err, LGC_ERR_ARG, "judge: training row %u of %zu", o->train_idx[i],
                               train->n);
    if (test->h != train->h || test->w != train->w || test->c != train->c)
        return lgc_err_set(err, LGC_ERR_ARG,
                           "judge: test images are %zux%zux%zu but training images are %zux%zux%zu",
                           test->h, test->w, test->c, train->h, train->w, train->c);
    size_t B = o->batch, maxb = B > EVAL_BATCH ? B : EVAL_BATCH, K = n_classes;
    size_t in = train->c * train->h * train->w;
    /* Data parallelism: the batch is split over S shards, one per thread, each
     * running BLAS on one thread; the small GEMMs of these nets gain more from
     * that than from threads inside each GEMM. Shard 0 is the net itself. */
    const size_t S = N_SHARDS;
    size_t nthr = (size_t)lgc_threads_get();
    nthr = nthr < 1 ? 1 : nthr > S ? S : nthr;
    lgc_net net, rep[N_SHARDS];
    memset(rep, 0, sizeof rep);
    lgc_status st = lgc_judge_build(&net, o->kind, train->c, train->h, train->w, K, maxb, err);
    if (st)
        return st;
    for (size_t t = 1; t < S; t++)
        if ((st = lgc_net_init_replica(&rep[t], &net, (B + S - 1) / S, err))) {
            for (size_t u = 1; u < t; u++)
                lgc_net_free(&rep[u]);
            lgc_net_free(&net);
            return st;
        }
    float *x = malloc(maxb * in * sizeof *x), *probs = malloc(maxb * K * sizeof *probs);
    float *dlogits = malloc(maxb * K * sizeof *dlogits), *wb = malloc(maxb * sizeof *wb);
    uint8_t *yb = malloc(maxb);
    uint32_t *order = malloc(n_rows * sizeof *order), *tidx = malloc(maxb * sizeof *tidx);
    if (!x || !probs || !dlogits || !wb || !yb || !order || !tidx) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "judge: out of memory");
        goto fail;
    }
    res->n_params = net.n_params;
    lgc_rng rinit, rshuf;
    lgc_rng_init(&rinit, o->seed, 101);
    lgc_rng_init(&rshuf, o->seed, 102);
    lgc_net_init_params(&net, &rinit);
    for (size_t i = 0; i < n_rows; i++)
        order[i] = o->train_idx ? o->train_idx[i] : (uint32_t)i;
    lgc_rng_shuffle(&rshuf, order, n_rows);

    /* Batches never straddle a reshuffle: a pass ends with a short batch, like
     * a PyTorch DataLoader without drop_last. */
    size_t pos = 0;
    double loss_acc = 0.0;
    size_t loss_n = 0;
    for (size_t step = 0; step < o->steps; step++) {
        if (pos >= n_rows) {
            lgc_rng_shuffle(&rshuf, order, n_rows);
            pos = 0;
        }
        size_t b = n_rows - pos < B ? n_rows - pos : B;
        lgc_images_to_nchw(x, train->x, order + pos, b, train->h, train->w, train->c);
        for (size_t i = 0; i < b; i++) {
            yb[i] = train->y[order[pos + i]];
            wb[i] = train->weight ? train->weight[order[pos + i]] : 1.0f;
        }
        pos += b;
        double part[N_SHARDS] = {0};
        const size_t s_here = S;
        lgc_blas_serial();
#pragma omp parallel for num_threads(nthr) schedule(static, 1) if (nthr > 1)
        for (size_t t = 0; t < s_here; t++) {
            size_t lo = b * t / s_here, hi = b * (t + 1) / s_here, bt = hi - lo;
            lgc_net *nt = t ? &rep[t] : &net;
            lgc_net_zero_grad(nt);
            if (bt == 0)
                continue;
            const float *logits = lgc_net_forward(nt, x + lo * in, bt);
            const float *wt = train->weight ? wb + lo : NULL;
            part[t] = (double)lgc_xent_forward(probs + lo * K, logits, yb + lo, wt, bt, K) *
                      (double)bt;
            float *dl = dlogits + lo * K;
            memset(dl, 0, bt * K * sizeof *dl);
            lgc_xent_backward(dl, probs + lo * K, yb + lo, wt, bt, K);
            for (size_t j = 0; j < bt * K; j++) /* shard mean -> batch mean */
                dl[j] *= (float)bt / (float)b;
            lgc_net_backward(nt, x + lo * in, dl, bt, 0);
        }
        double lsum = 0.0;
        for (size_t t = 0; t < s_here; t++)
            lsum += part[t];
        for (size_t t = 1; t < s_here; t++)
            lgc_net_add_grads(&net, &rep[t]);
        float loss = (float)(lsum / (double)b);
        if (!isfinite(loss)) {
            st = lgc_err_set(err, LGC_ERR_NUMERIC, "judge: training loss became %g at step %zu",
                             (double)loss, step);
            goto fail;
        }
        lgc_net_adam_step(&net, o->lr, 0.9f, 0.999f, 1e-8f);
        if (step + 100 >= o->steps) {
            loss_acc += loss;
            loss_n++;
        }
        if (progress && ((step + 1) % 50 == 0 || step + 1 == o->steps))
            progress(progress_ctx, step + 1, o->steps, loss);
    }
    res->final_loss = loss_n ? loss_acc / (double)loss_n : 0.0;

    size_t correct = 0, per_n[LGC_MAX_CLASSES] = {0};
    for (size_t i0 = 0; i0 < test->n; i0 += EVAL_BATCH) {
        size_t b = test->n - i0 < EVAL_BATCH ? test->n - i0 : EVAL_BATCH;
        for (size_t i = 0; i < b; i++)
            tidx[i] = (uint32_t)(i0 + i);
        lgc_images_to_nchw(x, test->x, tidx, b, test->h, test->w, test->c);
        const float *logits = lgc_net_forward(&net, x, b);
        for (size_t i = 0; i < b; i++) {
            size_t best = 0;
            for (size_t k = 1; k < K; k++)
                if (logits[i * K + k] > logits[i * K + best])
                    best = k;
            size_t t = test->y[i0 + i];
            if (t >= K) {
                st = lgc_err_set(err, LGC_ERR_VALUE, "judge: test label %zu at index %zu >= %zu",
                                 t, i0 + i, K);
                goto fail;
            }
            res->confusion[t][best]++;
            if (o->test_pred)
                o->test_pred[i0 + i] = (uint8_t)best;
            per_n[t]++;
            correct += best == t;
        }
    }
    res->accuracy = test->n ? (double)correct / (double)test->n : 0.0;
    for (size_t k = 0; k < K; k++)
        res->per_class[k] = per_n[k] ? (double)res->confusion[k][k] / (double)per_n[k] : 0.0;
fail:
    free(x), free(probs), free(dlogits), free(wb), free(yb), free(order), free(tidx);
    for (size_t t = 1; t < S; t++)
        lgc_net_free(&rep[t]);
    lgc_net_free(&net);
    return st;
}
