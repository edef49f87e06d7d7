/* judge.c - train a classifier on a training set for a fixed step budget, test it. */
#include "lgc/judge.h"
#include "lgc/augment.h"
#include "lgc/pixels.h"

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

/* In the order of lgc_judge_kind. */
static const char *const judge_names[] = {"paper-cnn", "lenet", "convnet3"};

int lgc_judge_from_name(const char *name)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(name, judge_names[k]) == 0)
            return k;
    return -1;
}

const char *lgc_judge_name(lgc_judge_kind k)
{
    return k >= 0 && (int)k < 3 ? judge_names[k] : judge_names[0];
}

void lgc_judge_opts_default(lgc_judge_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = LGC_JUDGE_PAPER_CNN;
    o->steps = LGC_JUDGE_DEFAULT_STEPS;
    o->batch = 64;
    o->lr = 1e-3f;
    o->seed = 1;
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
    /* convnet3: the ConvNet of the dataset-distillation papers (DC/DSA/DM code,
     * net_width 128, depth 3, instancenorm, avgpooling); 28 -> 14 -> 7 -> 3. */
    const lgc_layer_spec convnet3[] = {
        {LGC_L_CONV, 128, 3, 1}, {LGC_L_INSTNORM, 0, 0, 0}, {LGC_L_RELU, 0, 0, 0},
        {LGC_L_AVGPOOL2, 0, 0, 0}, {LGC_L_CONV, 128, 3, 1}, {LGC_L_INSTNORM, 0, 0, 0},
        {LGC_L_RELU, 0, 0, 0},     {LGC_L_AVGPOOL2, 0, 0, 0}, {LGC_L_CONV, 128, 3, 1},
        {LGC_L_INSTNORM, 0, 0, 0}, {LGC_L_RELU, 0, 0, 0},     {LGC_L_AVGPOOL2, 0, 0, 0},
        {LGC_L_DENSE, n_classes, 0, 0},
    };
    if (n_classes < 2 || n_classes > LGC_MAX_CLASSES)
        return lgc_err_set(err, LGC_ERR_ARG, "judge: %zu classes (must be 2..%d)", n_classes,
                           LGC_MAX_CLASSES);
    if (kind == LGC_JUDGE_LENET)
        return lgc_net_init(net, lenet, sizeof lenet / sizeof *lenet, c, h, w, max_batch, err);
    if (kind == LGC_JUDGE_CONVNET3)
        return lgc_net_init(net, convnet3, sizeof convnet3 / sizeof *convnet3, c, h, w, max_batch,
                            err);
    return lgc_net_init(net, paper, sizeof paper / sizeof *paper, c, h, w, max_batch, err);
}

lgc_status lgc_judge_train(const lgc_judge_opts *o, const lgc_dataset *train, size_t n_classes,
                           lgc_net *net, double *final_loss, lgc_progress_fn progress,
                           void *progress_ctx, lgc_err *err)
{
    memset(net, 0, sizeof *net);
    if (final_loss)
        *final_loss = 0.0;
    /* n_rows: the rows one pass visits (all, or the caller's list) */
    size_t n_rows = o->train_idx ? o->n_train_idx : train->x.n;
    if (n_rows == 0 || o->batch == 0 || o->steps == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "judge: empty training set, batch or step budget");
    for (size_t i = 0; o->train_idx && i < n_rows; i++)
        if (o->train_idx[i] >= train->x.n)
            return lgc_err_set(err, LGC_ERR_ARG, "judge: training row %u of %zu", o->train_idx[i],
                               train->x.n);
    size_t B = o->batch, maxb = B, K = n_classes;
    size_t in = train->x.c * train->x.h * train->x.w;
    /* Data parallelism: the batch is split over S shards, one per thread, each
     * running BLAS on one thread; the small GEMMs of these nets gain more from
     * that than from threads inside each GEMM. Shard 0 is the net itself. */
    const size_t S = N_SHARDS, nthr = lgc_shard_threads(S);
    lgc_shards sh;
    lgc_status st = lgc_judge_build(net, o->kind, train->x.c, train->x.h, train->x.w, K, maxb, err);
    if (st)
        return st;
    if ((st = lgc_shards_init(&sh, net, S, (B + S - 1) / S, err))) {
        lgc_net_free(net);
        return st;
    }
    float *x = malloc(B * in * sizeof *x), *probs = malloc(B * K * sizeof *probs);
    float *dlogits = malloc(B * K * sizeof *dlogits), *wb = malloc(B * sizeof *wb);
    float *xa = malloc(B * in * sizeof *xa), *qb = malloc(B * K * sizeof *qb);
    uint8_t *yb = malloc(B);
    uint32_t *order = malloc(n_rows * sizeof *order);
    if (!x || !probs || !dlogits || !wb || !yb || !order || !xa || !qb) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "judge: out of memory");
        goto fail;
    }
    lgc_rng rinit, rshuf;
    lgc_rng_init(&rinit, o->seed, 101);
    lgc_rng_init(&rshuf, o->seed, 102);
    lgc_net_init_params(net, &rinit);
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
        double wsum = 0.0;
        for (size_t i = 0; i < b; i++) {
            yb[i] = train->y.y[order[pos + i]];
            wb[i] = o->weights ? o->weights[order[pos + i]] : 1.0f;
            if (o->soft)
                memcpy(qb + i * K, o->soft + (size_t)order[pos + i] * K, K * sizeof *qb);
            wsum += wb[i];
        }
        /* Weighted loss = sum_i w_i l_i / sum_i w_i over the batch, as CRUST
         * trains on its medoids (each stands for its cluster, so its loss
         * counts w_i times, and the batch is a weighted mean). The loss
         * functions divide by b, so the weights are scaled by b / sum w. A
         * batch whose weights are all 0 contributes nothing. */
        if (o->weights) {
            float scale = wsum > 0.0 ? (float)((double)b / wsum) : 0.0f;
            for (size_t i = 0; i < b; i++)
                wb[i] *= scale;
        }
        const uint32_t *rows = order + pos; /* this batch's rows */
        pos += b;
        double part[N_SHARDS] = {0};
        const size_t s_here = S;
        lgc_blas_serial();
#pragma omp parallel for num_threads(nthr) schedule(static, 1) if (nthr > 1)
        for (size_t t = 0; t < s_here; t++) {
            size_t lo, bt;
            lgc_shard_rows(b, t, s_here, &lo, &bt);
            lgc_net *nt = lgc_shard_net(&sh, t);
            lgc_net_zero_grad(nt);
            if (bt == 0)
                continue;
            /* each shard converts its own rows: no parallel region of its own */
            lgc_images_to_nchw(x + lo * in, train->x.pix, rows + lo, bt, train->x.h, train->x.w,
                               train->x.c);
            float *xin = x + lo * in;
            if (o->augment) { /* a fresh transform per image and step, from its own stream */
                for (size_t i = lo; i < lo + bt; i++) {
                    lgc_rng ra;
                    lgc_affine af;
                    lgc_affine_stream(&ra, o->seed, step, i);
                    lgc_affine_draw(&ra, &af);
                    lgc_affine_apply(&af, x + i * in, xa + i * in, train->x.c, train->x.h,
                                     train->x.w);
                }
                xin = xa + lo * in;
            }
            const float *logits = lgc_net_forward(nt, xin, bt);
            const float *wt = o->weights ? wb + lo : NULL;
            float *dl = dlogits + lo * K;
            memset(dl, 0, bt * K * sizeof *dl);
            if (o->soft) {
                part[t] = (double)lgc_soft_xent_forward(probs + lo * K, logits, qb + lo * K, wt,
                                                        bt, K) * (double)bt;
                lgc_soft_xent_backward(dl, probs + lo * K, qb + lo * K, wt, bt, K);
            } else {
                part[t] = (double)lgc_xent_forward(probs + lo * K, logits, yb + lo, wt, bt, K) *
                          (double)bt;
                lgc_xent_backward(dl, probs + lo * K, yb + lo, wt, bt, K);
            }
            for (size_t j = 0; j < bt * K; j++) /* shard mean -> batch mean */
                dl[j] *= (float)bt / (float)b;
            lgc_net_backward(nt, xin, dl, bt, 0);
        }
        double lsum = 0.0;
        for (size_t t = 0; t < s_here; t++)
            lsum += part[t];
        lgc_shards_add_grads(&sh);
        float loss = (float)(lsum / (double)b);
        if (!isfinite(loss)) {
            st = lgc_err_set(err, LGC_ERR_NUMERIC, "judge: training loss became %g at step %zu",
                             (double)loss, step);
            goto fail;
        }
        lgc_net_adam_step(net, o->lr, 0.9f, 0.999f, 1e-8f);
        if (step + 100 >= o->steps) {
            loss_acc += loss;
            loss_n++;
        }
        if (progress && ((step + 1) % 50 == 0 || step + 1 == o->steps)) {
            lgc_progress pr = {"judge", step + 1, o->steps, step + 1, loss, NAN};
            progress(progress_ctx, &pr);
        }
    }
    if (final_loss)
        *final_loss = loss_n ? loss_acc / (double)loss_n : 0.0;
fail:
    free(x), free(probs), free(dlogits), free(wb), free(yb), free(order), free(xa), free(qb);
    lgc_shards_free(&sh);
    if (st)
        lgc_net_free(net);
    return st;
}

lgc_status lgc_judge_run(const lgc_judge_opts *o, const lgc_dataset *train,
                         const lgc_dataset *test, size_t n_classes, lgc_judge_result *res,
                         lgc_progress_fn progress, void *progress_ctx, lgc_err *err)
{
    memset(res, 0, sizeof *res);
    if (train->x.n == 0 || o->batch == 0 || o->steps == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "judge: empty training set, batch or step budget");
    if (test->x.h != train->x.h || test->x.w != train->x.w || test->x.c != train->x.c)
        return lgc_err_set(err, LGC_ERR_ARG,
                           "judge: test images are %zux%zux%zu but training images are %zux%zux%zu",
                           test->x.h, test->x.w, test->x.c, train->x.h, train->x.w, train->x.c);
    size_t K = n_classes, in = train->x.c * train->x.h * train->x.w;
    lgc_net net;
    lgc_status st = lgc_judge_train(o, train, n_classes, &net, &res->final_loss, progress,
                                    progress_ctx, err);
    if (st)
        return st;
    res->n_params = net.n_params;
    /* Testing is sharded as training is, B images at a time: one parallel
     * region per batch, where threaded GEMMs and loops inside every layer
     * would meet at many barriers, which cost most on a busy machine. Shard 0
     * is the net itself; the others are replicas sharing its parameters. */
    const size_t S = N_SHARDS, B = o->batch, nthr = lgc_shard_threads(S);
    lgc_shards sh;
    memset(&sh, 0, sizeof sh);
    float *x = malloc(B * in * sizeof *x), *logits = malloc(B * K * sizeof *logits);
    uint32_t *tidx = malloc(B * sizeof *tidx);
    if (!x || !logits || !tidx) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "judge: out of memory");
        goto fail;
    }
    if ((st = lgc_shards_init(&sh, &net, S, (B + S - 1) / S, err)))
        goto fail;
    size_t correct = 0, per_n[LGC_MAX_CLASSES] = {0};
    lgc_blas_serial();
    for (size_t i0 = 0; i0 < test->x.n; i0 += B) {
        size_t b = test->x.n - i0 < B ? test->x.n - i0 : B;
        for (size_t i = 0; i < b; i++)
            tidx[i] = (uint32_t)(i0 + i);
        const size_t s_here = S;
#pragma omp parallel for num_threads(nthr) schedule(static, 1) if (nthr > 1)
        for (size_t t = 0; t < s_here; t++) {
            size_t lo, bt;
            lgc_shard_rows(b, t, s_here, &lo, &bt);
            if (bt == 0)
                continue;
            lgc_net *nt = lgc_shard_net(&sh, t);
            lgc_images_to_nchw(x + lo * in, test->x.pix, tidx + lo, bt, test->x.h, test->x.w, test->x.c);
            memcpy(logits + lo * K, lgc_net_forward(nt, x + lo * in, bt), bt * K * sizeof *logits);
        }
        for (size_t i = 0; i < b; i++) {
            size_t best = 0;
            for (size_t k = 1; k < K; k++)
                if (logits[i * K + k] > logits[i * K + best])
                    best = k;
            size_t t = test->y.y[i0 + i];
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
    res->accuracy = test->x.n ? (double)correct / (double)test->x.n : 0.0;
    for (size_t k = 0; k < K; k++)
        res->per_class[k] = per_n[k] ? (double)res->confusion[k][k] / (double)per_n[k] : 0.0;
fail:
    free(x), free(logits), free(tidx);
    lgc_shards_free(&sh);
    lgc_net_free(&net);
    return st;
}

size_t lgc_judge_last_layer_dim(const lgc_net *net)
{
    if (net->n_layers < 2 || net->layers[net->n_layers - 1].kind != LGC_L_DENSE)
        return 0;
    const lgc_layer *L = &net->layers[net->n_layers - 1];
    size_t H = L->in_c * L->in_h * L->in_w, K = L->out_c * L->out_h * L->out_w;
    return K * H + K;
}

lgc_status lgc_judge_last_layer_grads(lgc_net *net, const lgc_dataset *set, size_t n_classes,
                                      float *g, lgc_err *err)
{
    size_t dim = lgc_judge_last_layer_dim(net), K = n_classes;
    if (!dim || net->out_size != K || net->max_batch == 0)
        return lgc_err_set(err, LGC_ERR_ARG,
                           "judge: gradient embedding needs a net ending in a dense layer to %zu "
                           "classes", K);
    const lgc_layer *prev = &net->layers[net->n_layers - 2];
    size_t H = dim / K - 1, in = set->x.c * set->x.h * set->x.w, maxb = net->max_batch;
    if (in != net->in_size)
        return lgc_err_set(err, LGC_ERR_ARG, "judge: images of %zu values for a net of %zu", in,
                           net->in_size);
    float *x = malloc(maxb * in * sizeof *x);
    uint32_t *idx = malloc(maxb * sizeof *idx);
    lgc_status st = LGC_OK;
    if (!x || !idx) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "judge: out of memory");
        goto fail;
    }
    for (size_t i0 = 0; i0 < set->x.n; i0 += maxb) {
        size_t b = set->x.n - i0 < maxb ? set->x.n - i0 : maxb;
        for (size_t i = 0; i < b; i++)
            idx[i] = (uint32_t)(i0 + i);
        lgc_images_to_nchw(x, set->x.pix, idx, b, set->x.h, set->x.w, set->x.c);
        const float *logits = lgc_net_forward(net, x, b);
        const float *h = net->acts + prev->act_off; /* (b, H): the last layer's input */
        for (size_t i = 0; i < b; i++) {
            size_t y = set->y.y[i0 + i];
            if (y >= K) {
                st = lgc_err_set(err, LGC_ERR_VALUE, "judge: label %zu at index %zu >= %zu", y,
                                 i0 + i, K);
                goto fail;
            }
            const float *z = logits + i * K;
            float *gi = g + (i0 + i) * dim, *gb = gi + K * H;
            double mx = z[0], s = 0.0;
            for (size_t k = 1; k < K; k++)
                mx = z[k] > mx ? z[k] : mx;
            for (size_t k = 0; k < K; k++)
                s += exp((double)z[k] - mx);
            for (size_t k = 0; k < K; k++)
                gb[k] = (float)(exp((double)z[k] - mx) / s) - (k == y ? 1.0f : 0.0f);
            for (size_t k = 0; k < K; k++)
                for (size_t j = 0; j < H; j++)
                    gi[k * H + j] = gb[k] * h[i * H + j];
        }
    }
fail:
    free(x), free(idx);
    return st;
}
