/* shard.c - a net and its replicas for data-parallel batches (see nn.h). */
#include <string.h>

#include "lgc/nn.h"
#include "lgc/tensor.h"

lgc_status lgc_shards_init(lgc_shards *s, lgc_net *net, size_t n, size_t max_batch,
                           lgc_err *err)
{
    memset(s, 0, sizeof *s);
    if (n < 1 || n > LGC_MAX_SHARDS)
        return lgc_err_set(err, LGC_ERR_ARG, "shards: %zu (must be 1..%d)", n, LGC_MAX_SHARDS);
    s->net = net;
    s->n = n;
    for (size_t t = 1; t < n; t++) {
        lgc_status st = lgc_net_init_replica(&s->rep[t], net, max_batch, err);
        if (st) {
            lgc_shards_free(s);
            return st;
        }
    }
    return LGC_OK;
}

void lgc_shards_free(lgc_shards *s)
{
    for (size_t t = 1; t < LGC_MAX_SHARDS; t++)
        lgc_net_free(&s->rep[t]);
    memset(s, 0, sizeof *s);
}

lgc_net *lgc_shard_net(lgc_shards *s, size_t t) { return t ? &s->rep[t] : s->net; }

void lgc_shard_rows(size_t b, size_t t, size_t n, size_t *lo, size_t *bt)
{
    *lo = b * t / n;
    *bt = b * (t + 1) / n - *lo;
}

size_t lgc_shard_threads(size_t n)
{
    size_t t = (size_t)lgc_threads_get();
    return t < 1 ? 1 : t > n ? n : t;
}

void lgc_shards_add_grads(lgc_shards *s)
{
    size_t n = s->net->n_params;
    if (s->n < 2 || n < LGC_PAR_PARAMS) { /* a judge's few thousand: one thread */
        for (size_t t = 1; t < s->n; t++)
            lgc_net_add_grads(s->net, &s->rep[t]);
        return;
    }
    /* One parallel region for all replicas (it was one per replica), by blocks
     * that stay in L1 while every replica is added; each entry is still summed
     * in shard order, so the same bits. */
    float *dst = s->net->grads;
    size_t nblk = (n + 1023) / 1024; /* blocks of 1,024 stay in L1 across the replicas */
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nblk; b++) {
        size_t lo = b * 1024, hi = lo + 1024 < n ? lo + 1024 : n;
        for (size_t t = 1; t < s->n; t++) {
            const float *src = s->rep[t].grads;
            for (size_t i = lo; i < hi; i++)
                dst[i] += src[i];
        }
    }
}
