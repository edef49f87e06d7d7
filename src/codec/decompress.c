/* decompress.c - a package regenerates a labelled set: counts per mixture,
 * sampling, decoding, and the streamed files (see include/lgc/codec.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "codec_internal.h"
#include "lgc/pixels.h"
#include "lgc/tensor.h"

void lgc_class_counts(const double *priors, size_t n_classes, size_t N, size_t *counts)
{
    double rem[LGC_MAX_GROUPS];
    size_t used = 0;
    for (size_t c = 0; c < n_classes; c++) {
        double e = priors[c] * (double)N;
        counts[c] = (size_t)floor(e);
        rem[c] = e - (double)counts[c];
        used += counts[c];
    }
    while (used < N) { /* hand out the rest by largest remainder */
        size_t best = 0;
        for (size_t c = 1; c < n_classes; c++)
            if (rem[c] > rem[best])
                best = c;
        counts[best]++;
        rem[best] = -1.0;
        used++;
    }
    while (used > N) { /* only possible through rounding of priors summing just above 1 */
        size_t big = 0;
        for (size_t c = 1; c < n_classes; c++)
            if (counts[c] > counts[big])
                big = c;
        counts[big]--;
        used--;
    }
}

lgc_status lgc_codec_set_temperature(lgc_codec *c, double t, lgc_err *err)
{
    if (!(t > 0.0 && t < 1e3))
        return lgc_err_set(err, LGC_ERR_ARG, "temperature %g: must be in (0, 1000)", t);
    for (size_t m = 0; m < c->n_mix; m++) {
        lgc_gmm *g = &c->gmm[m];
        for (size_t i = 0; i < g->k * g->d * g->d; i++)
            g->chol[i] *= t;
    }
    return LGC_OK;
}

lgc_status lgc_codec_counts(const lgc_codec *c, size_t N, lgc_balance b, size_t *counts,
                            lgc_err *err)
{
    size_t M = c->n_mix, C = c->n_classes;
    double share[LGC_MAX_GROUPS] = {0};
    switch (b) {
    case LGC_BALANCE_PRIOR:
        lgc_class_counts(c->mix_prior, M, N, counts);
        return LGC_OK;
    case LGC_BALANCE_GROUPS:
        if (!c->grouped)
            return lgc_err_set(err, LGC_ERR_ARG, "balance by groups needs a package compressed "
                               "with groups; this one has one mixture per class");
        for (size_t m = 0; m < M; m++)
            share[m] = 1.0 / (double)M;
        lgc_class_counts(share, M, N, counts);
        return LGC_OK;
    case LGC_BALANCE_CLASSES: {
        size_t per[LGC_MAX_CLASSES], idx[LGC_MAX_GROUPS], part[LGC_MAX_GROUPS];
        for (size_t k = 0; k < C; k++)
            share[k] = 1.0 / (double)C;
        lgc_class_counts(share, C, N, per);
        for (size_t k = 0; k < C; k++) { /* within a class by its mixtures' priors */
            size_t nk = 0;
            double sum = 0.0;
            for (size_t m = 0; m < M; m++)
                if (c->mix_class[m] == k)
                    idx[nk++] = m, sum += c->mix_prior[m];
            for (size_t j = 0; j < nk; j++)
                share[j] = sum > 0.0 ? c->mix_prior[idx[j]] / sum : 1.0 / (double)nk;
            lgc_class_counts(share, nk, per[k], part);
            for (size_t j = 0; j < nk; j++)
                counts[idx[j]] = part[j];
        }
        return LGC_OK;
    }
    }
    return lgc_err_set(err, LGC_ERR_ARG, "balance %d is unknown", (int)b);
}

/* Decode n codes z (n, latent) into out (n, h, w, c). A conditional decoder
 * reads rows [z, one-hot of the label], built in zin (n, dec_in): the label is
 * cls for every row, or cls_of[i] for row i when cls_of is not NULL. */
static void decode_rows(const lgc_codec *c, lgc_net *net, const float *z, float *zin, size_t cls,
                        const uint8_t *cls_of, size_t n, uint8_t *out)
{
    size_t L = c->latent, D = c->dec_in;
    if (D != L) {
        for (size_t i = 0; i < n; i++) {
            size_t ci = cls_of ? cls_of[i] : cls;
            memcpy(zin + i * D, z + i * L, L * sizeof *zin);
            for (size_t k = 0; k < D - L; k++)
                zin[i * D + L + k] = k == ci ? 1.0f : 0.0f;
        }
        z = zin;
    }
    lgc_decode_to_u8(net, z, n, c->c, c->h, c->w, out);
}

/* Mixture m is drawn with probability mix_prior[m] among the mixtures of class cls. */
static size_t pick_mixture(const lgc_codec *c, size_t cls, lgc_rng *r)
{
    double total = 0.0;
    size_t last = 0, nk = 0;
    for (size_t m = 0; m < c->n_mix; m++)
        if (c->mix_class[m] == cls)
            total += c->mix_prior[m], last = m, nk++;
    if (!(total > 0.0)) { /* a class without weight: its mixtures alike */
        size_t j = (size_t)lgc_rng_below(r, nk);
        for (size_t m = 0; m < c->n_mix; m++)
            if (c->mix_class[m] == cls && j-- == 0)
                return m;
    }
    double u = lgc_rng_uniform(r) * total;
    for (size_t m = 0; m < c->n_mix; m++)
        if (c->mix_class[m] == cls && c->mix_prior[m] > 0.0) {
            if (u < c->mix_prior[m])
                return m;
            u -= c->mix_prior[m];
        }
    return last; /* rounding left u at the top */
}

/* n images of class cls (mix < 0: the mixture drawn per sample when the class has
 * several) or of mixture mix, batch by batch of the decoder. */
static lgc_status generate(lgc_codec *c, size_t cls, long mix, size_t n, lgc_rng *r,
                           uint8_t *out, lgc_err *err)
{
    size_t B = c->dec.max_batch, img = c->c * c->h * c->w, L = c->latent, only = 0, nk = 0;
    for (size_t m = 0; m < c->n_mix; m++)
        if (c->mix_class[m] == cls)
            only = m, nk++;
    if (mix >= 0)
        only = (size_t)mix, nk = 1;
    for (size_t pos = 0; pos < n; pos += B) {
        size_t b = n - pos < B ? n - pos : B;
        lgc_status st = LGC_OK;
        if (nk == 1)
            st = lgc_gmm_sample(&c->gmm[only], r, b, c->z, err);
        for (size_t i = 0; nk > 1 && i < b && !st; i++)
            st = lgc_gmm_sample(&c->gmm[pick_mixture(c, cls, r)], r, 1, c->z + i * L, err);
        if (st)
            return st;
        decode_rows(c, &c->dec, c->z, c->zin, cls, NULL, b, out + pos * img);
    }
    return LGC_OK;
}

lgc_status lgc_codec_generate(lgc_codec *c, size_t cls, size_t n, lgc_rng *r, uint8_t *out,
                              lgc_err *err)
{
    if (cls >= c->n_classes)
        return lgc_err_set(err, LGC_ERR_ARG, "generate: class %zu of %zu", cls, c->n_classes);
    return generate(c, cls, -1, n, r, out, err);
}

lgc_status lgc_codec_generate_mixture(lgc_codec *c, size_t m, size_t n, lgc_rng *r,
                                      uint8_t *out, lgc_err *err)
{
    if (m >= c->n_mix)
        return lgc_err_set(err, LGC_ERR_ARG, "generate: mixture %zu of %zu", m, c->n_mix);
    return generate(c, c->mix_class[m], (long)m, n, r, out, err);
}

static size_t thread_num(void)
{
#ifdef _OPENMP
    return (size_t)omp_get_thread_num();
#else
    return 0;
#endif
}
/* Images generated per random stream: the bytes of a regenerated set depend on
 * the seed, the order and this constant, not on threads or batch sizes. */
#define BLOCK 4096

/* Random streams (lgc_rng_init's stream argument) of decompression:
 *   class order:    block blk of mixture m          (m + 1) << 40 | blk
 *   shuffled order: mixture m's samples in output
 *                   block blk                        (m + 1) << 40 | 1 << 39 | blk
 *                   the arrangement of block blk     1 << 63 | 1 << 62 | blk
 *                   which mixture each output
 *                   position holds (one stream)      1 << 63
 * lgc grid uses 0x1000 + class. */
#define STREAM_SHUFFLED(m, blk) (((uint64_t)(m) + 1) << 40 | (uint64_t)1 << 39 | (uint64_t)(blk))
#define STREAM_ARRANGE(blk) ((uint64_t)1 << 63 | (uint64_t)1 << 62 | (uint64_t)(blk))
#define STREAM_ORDER ((uint64_t)1 << 63)
#define STREAM_EXEMPLARS ((uint64_t)1 << 63 | (uint64_t)1 << 61)

/* Block blk of mixture m: nb <= BLOCK samples from the block's own stream,
 * decoded by net (any max_batch) into out (nb, h, w, c). z holds BLOCK codes,
 * zin BLOCK decoder rows (conditional kinds). */
static lgc_status generate_block(const lgc_codec *c, lgc_net *net, float *z, float *zin,
                                 uint64_t seed, size_t m, size_t blk, size_t nb, uint8_t *out,
                                 lgc_err *err)
{
    lgc_rng r;
    lgc_rng_init(&r, seed, ((uint64_t)(m + 1) << 40) | blk);
    lgc_status st = lgc_gmm_sample(&c->gmm[m], &r, nb, z, err);
    if (st == LGC_OK)
        decode_rows(c, net, z, zin, c->mix_class[m], NULL, nb, out);
    return st;
}

/* What one thread generates a block with. */
typedef struct {
    float *z, *zin;  /* (BLOCK, latent), (BLOCK, dec_in) */
    float *zgrp;     /* (BLOCK, latent): shuffled order, samples grouped by mixture */
    uint8_t *pix;    /* (BLOCK, h, w, c) */
    uint8_t *lab;    /* (BLOCK) labels */
    uint8_t *mix;    /* (BLOCK) mixture of each grouped sample */
    uint32_t *perm;  /* (BLOCK) arrangement of the block */
    lgc_err err;
} shard;

/* Output block blk in shuffled order: cnt[m] samples of each mixture m, each
 * mixture from its own stream, then arranged by the block's own permutation;
 * labels into sh->lab, images into sh->pix. */
static lgc_status shuffled_block(const lgc_codec *c, lgc_net *net, shard *sh, uint64_t seed,
                                 size_t blk, const uint32_t *cnt, size_t nb)
{
    size_t L = c->latent, off = 0;
    for (size_t m = 0; m < c->n_mix; m++) {
        if (!cnt[m])
            continue;
        lgc_rng r;
        lgc_rng_init(&r, seed, STREAM_SHUFFLED(m, blk));
        lgc_status st = lgc_gmm_sample(&c->gmm[m], &r, cnt[m], sh->zgrp + off * L, &sh->err);
        if (st)
            return st;
        memset(sh->mix + off, (int)m, cnt[m]);
        off += cnt[m];
    }
    lgc_rng r;
    lgc_rng_init(&r, seed, STREAM_ARRANGE(blk));
    for (size_t i = 0; i < nb; i++)
        sh->perm[i] = (uint32_t)i;
    lgc_rng_shuffle(&r, sh->perm, nb);
    for (size_t i = 0; i < nb; i++) {
        size_t src = sh->perm[i];
        memcpy(sh->z + i * L, sh->zgrp + src * L, L * sizeof *sh->z);
        sh->lab[i] = c->mix_class[sh->mix[src]];
    }
    decode_rows(c, net, sh->z, sh->zin, 0, sh->lab, nb, sh->pix);
    return LGC_OK;
}

/* cnt (n_blocks, n_mix): how many images of each mixture output block b
 * holds, as a uniformly random arrangement of all N puts them: position by
 * position, mixture m with probability (what is left of m) / (what is left),
 * drawn through a Fenwick tree of what is left. Within a block the
 * arrangement is shuffled again (shuffled_block), so the whole output is a
 * uniformly random order of the counts. */
static uint32_t *block_counts(const lgc_codec *c, const size_t *counts, size_t N, uint64_t seed,
                              size_t n_blocks)
{
    size_t M = c->n_mix, tree[LGC_MAX_GROUPS + 1] = {0}, top = 1;
    uint32_t *cnt = calloc(n_blocks ? n_blocks * M : 1, sizeof *cnt);
    if (!cnt)
        return NULL;
    for (size_t m = 0; m < M; m++)
        for (size_t i = m + 1; i <= M; i += i & (~i + 1))
            tree[i] += counts[m];
    while (top * 2 <= M)
        top *= 2;
    lgc_rng r;
    lgc_rng_init(&r, seed, STREAM_ORDER);
    for (size_t pos = 0; pos < N; pos++) {
        uint64_t u = lgc_rng_below(&r, N - pos);
        size_t at = 0; /* the first mixture whose running total exceeds u */
        for (size_t step = top; step; step >>= 1)
            if (at + step <= M && tree[at + step] <= u)
                at += step, u -= tree[at];
        cnt[(pos / BLOCK) * M + at]++;
        for (size_t i = at + 1; i <= M; i += i & (~i + 1))
            tree[i]--;
    }
    return cnt;
}

/* Generate N images in blocks, S at a time (one per thread, each with its own
 * decoder replica, BLAS on one thread), and hand them to sink in output
 * order (ordered: one thread writes while the others compute). */
static lgc_status generate_all(lgc_codec *c, size_t N, uint64_t seed, lgc_balance balance,
                               lgc_order order, lgc_block_sink sink, void *sctx,
                               lgc_progress_fn progress, void *pctx,
                               lgc_err *err)
{
    size_t counts[LGC_MAX_GROUPS], img = c->c * c->h * c->w, L = c->latent;
    size_t M = c->n_mix, n_jobs = 0;
    int R = lgc_comm_size(c->comm), me = lgc_comm_rank(c->comm);
    size_t S = lgc_shard_threads(LGC_MAX_SHARDS);
    shard sh[LGC_MAX_SHARDS];
    lgc_shards dec; /* the codec's decoder and a replica per thread */
    memset(sh, 0, sizeof sh);
    memset(&dec, 0, sizeof dec);
    uint32_t *cnt = NULL;
    size_t *job_m = NULL, *job_blk = NULL; /* class order: job j is block job_blk[j] of job_m[j] */
    uint32_t *ex_perm = NULL;
    size_t n_real = lgc_codec_exemplar_count(c, N); /* real images among the N */
    lgc_status st = lgc_codec_counts(c, N, balance, counts, err);
    if (st)
        return st;
    if (c->n_ex && order != LGC_ORDER_SHUFFLED)
        return lgc_err_set(err, LGC_ERR_ARG, "this package holds real images mixed through the "
                           "shuffled order; class order cannot hold them");
    if (c->n_ex && N > UINT32_MAX)
        return lgc_err_set(err, LGC_ERR_ARG, "decompress: at most %u images from a package with "
                           "real images", UINT32_MAX);
    if (n_real) {
        if (!(ex_perm = malloc(c->n_ex * sizeof *ex_perm)))
            return lgc_err_set(err, LGC_ERR_NOMEM, "decompress: out of memory");
        lgc_rng r;
        lgc_rng_init(&r, seed, STREAM_EXEMPLARS);
        for (size_t i = 0; i < c->n_ex; i++)
            ex_perm[i] = (uint32_t)i;
        lgc_rng_shuffle(&r, ex_perm, c->n_ex);
    }
    if (order == LGC_ORDER_SHUFFLED) {
        n_jobs = (N + BLOCK - 1) / BLOCK;
        if (!(cnt = block_counts(c, counts, N, seed, n_jobs))) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "decompress: out of memory");
            goto done;
        }
    } else {
        for (size_t m = 0; m < M; m++)
            n_jobs += (counts[m] + BLOCK - 1) / BLOCK;
        job_m = malloc((n_jobs ? n_jobs : 1) * sizeof *job_m);
        job_blk = malloc((n_jobs ? n_jobs : 1) * sizeof *job_blk);
        if (!job_m || !job_blk) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "decompress: out of memory");
            goto done;
        }
        for (size_t m = 0, j = 0; m < M; m++)
            for (size_t blk = 0; blk * BLOCK < counts[m]; blk++, j++)
                job_m[j] = m, job_blk[j] = blk;
    }
    size_t ns = n_jobs < S ? n_jobs : S;
    for (size_t t = 0; t < ns; t++) {
        sh[t].z = malloc(BLOCK * L * sizeof *sh[t].z);
        sh[t].zin = malloc(BLOCK * c->dec_in * sizeof *sh[t].zin);
        sh[t].zgrp = malloc(BLOCK * L * sizeof *sh[t].zgrp);
        sh[t].pix = malloc(BLOCK * img);
        sh[t].lab = malloc(BLOCK);
        sh[t].mix = malloc(BLOCK);
        sh[t].perm = malloc(BLOCK * sizeof *sh[t].perm);
        if (!sh[t].z || !sh[t].zin || !sh[t].zgrp || !sh[t].pix || !sh[t].lab || !sh[t].mix ||
            !sh[t].perm) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "decompress: out of memory");
            goto done;
        }
    }
    if (ns && (st = lgc_shards_init(&dec, &c->dec, ns, c->dec.max_batch, err)))
        goto done;
    if (ns > 1)
        lgc_blas_serial();
    size_t done = 0;
    int stop = 0; /* set (atomically) once a block fails: the rest are skipped */
#pragma omp parallel for ordered num_threads(ns) schedule(static, 1) if (ns > 1)
    for (size_t j = 0; j < n_jobs; j++) {
        size_t t = thread_num(), nb;
        shard *w = &sh[t];
        lgc_net *net = lgc_shard_net(&dec, t);
        lgc_status bst = LGC_OK;
        int stopped;
        if (order == LGC_ORDER_SHUFFLED) {
            nb = N - j * BLOCK < BLOCK ? N - j * BLOCK : BLOCK;
        } else {
            size_t m = job_m[j], left = counts[m] - job_blk[j] * BLOCK;
            nb = left < BLOCK ? left : BLOCK;
        }
#pragma omp atomic read
        stopped = stop;
        int mine = (int)(j % (size_t)R) == me;
        if (!mine) {
            /* another rank's block: rank 0 receives it below, the rest skip it */
        } else if (!stopped && order == LGC_ORDER_SHUFFLED) {
            bst = shuffled_block(c, net, w, seed, j, cnt + j * M, nb);
            if (bst == LGC_OK && n_real)
                codec_mix_exemplars(c, ex_perm, N, n_real, j * BLOCK, nb, w->pix, w->lab);
        } else if (!stopped) {
            bst = generate_block(c, net, w->z, w->zin, seed, job_m[j], job_blk[j], nb, w->pix,
                                 &w->err);
            memset(w->lab, c->mix_class[job_m[j]], nb);
        }
#pragma omp ordered
        {
            if (st == LGC_OK && bst != LGC_OK) {
                if (err)
                    *err = w->err;
                st = bst;
            }
            int owner = (int)(j % (size_t)R);
            if (st == LGC_OK && R > 1 && me != 0 && mine) {
                st = lgc_comm_send(c->comm, w->pix, nb * img, 0, 1, err);
                if (st == LGC_OK)
                    st = lgc_comm_send(c->comm, w->lab, nb, 0, 2, err);
            } else if (st == LGC_OK && R > 1 && me == 0 && !mine) {
                st = lgc_comm_recv(c->comm, w->pix, nb * img, owner, 1, err);
                if (st == LGC_OK)
                    st = lgc_comm_recv(c->comm, w->lab, nb, owner, 2, err);
            }
            if (st == LGC_OK && me == 0)
                st = sink(sctx, w->pix, w->lab, nb, err);
            if (st == LGC_OK) {
                done += nb;
                if (progress) {
                    lgc_progress pr = {"decompress", done, N, done, NAN, NAN};
                    progress(pctx, &pr);
                }
            } else {
#pragma omp atomic write
                stop = 1;
            }
        }
    }
done:
    for (size_t t = 0; t < LGC_MAX_SHARDS; t++) {
        free(sh[t].z), free(sh[t].zin), free(sh[t].zgrp), free(sh[t].pix);
        free(sh[t].lab), free(sh[t].mix), free(sh[t].perm);
    }
    lgc_shards_free(&dec);
    free(cnt), free(job_m), free(job_blk), free(ex_perm);
    return st;
}

typedef struct {
    uint8_t *x, *y;
    size_t pos, img;
} mem_sink;

static lgc_status to_memory(void *ctx, const uint8_t *pix, const uint8_t *lab, size_t nb,
                            lgc_err *err)
{
    (void)err;
    mem_sink *s = ctx;
    memcpy(s->x + s->pos * s->img, pix, nb * s->img);
    memcpy(s->y + s->pos, lab, nb);
    s->pos += nb;
    return LGC_OK;
}

lgc_status lgc_codec_decompress_mem(lgc_codec *c, size_t N, uint64_t seed, lgc_balance balance,
                                    lgc_order order, uint8_t *x, uint8_t *y, lgc_err *err)
{
    mem_sink s = {x, y, 0, c->c * c->h * c->w};
    return generate_all(c, N, seed, balance, order, to_memory, &s, NULL, NULL, err);
}

lgc_status lgc_codec_decompress_sink(lgc_codec *c, size_t N, uint64_t seed, lgc_balance balance,
                                     lgc_order order, lgc_block_sink sink, void *sink_ctx,
                                     lgc_progress_fn progress, void *ctx, lgc_err *err)
{
    return generate_all(c, N, seed, balance, order, sink, sink_ctx, progress, ctx, err);
}

typedef struct {
    lgc_png_folder *f;
    size_t h, w, c;
} folder_sink;

static lgc_status to_folder(void *ctx, const uint8_t *pix, const uint8_t *lab, size_t nb,
                            lgc_err *err)
{
    folder_sink *s = ctx;
    return lgc_png_folder_write(s->f, pix, lab, nb, s->h, s->w, s->c, err);
}

lgc_status lgc_codec_decompress_folder(lgc_codec *c, size_t N, uint64_t seed,
                                       lgc_balance balance, lgc_order order, const char *dir,
                                       int overwrite, lgc_progress_fn progress, void *ctx,
                                       lgc_err *err)
{
    lgc_png_folder f;
    lgc_status st = lgc_png_folder_open(&f, dir, c->n_classes, N, overwrite, err);
    if (st != LGC_OK)
        return st;
    folder_sink fs = {&f, c->h, c->w, c->c};
    if ((st = generate_all(c, N, seed, balance, order, to_folder, &fs, progress, ctx, err))) {
        lgc_png_folder_abort(&f);
        return st;
    }
    return lgc_png_folder_commit(&f, err);
}

typedef struct {
    lgc_u8_stream *si, *sl;
    size_t img;
} file_sink;

static lgc_status to_files(void *ctx, const uint8_t *pix, const uint8_t *lab, size_t nb,
                           lgc_err *err)
{
    file_sink *s = ctx;
    lgc_status st = lgc_u8_stream_write(s->si, pix, nb * s->img, err);
    return st ? st : lgc_u8_stream_write(s->sl, lab, nb, err);
}

lgc_status lgc_codec_decompress_files(lgc_codec *c, size_t N, uint64_t seed, lgc_balance balance,
                                      lgc_order order, const char *prefix, lgc_file_format fmt,
                                      int overwrite,
                                      lgc_progress_fn progress,
                                      void *ctx, lgc_err *err)
{
    const char *ext = fmt == LGC_FMT_NPY ? "npy" : "idx";
    size_t plen = strlen(prefix) + 32;
    char *ipath = malloc(plen), *lpath = malloc(plen);
    lgc_u8_stream si, sl;
    int si_open = 0, sl_open = 0;
    lgc_status st = LGC_OK;
    if (!ipath || !lpath) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "decompress: out of memory");
        goto fail;
    }
    snprintf(ipath, plen, "%s-images.%s", prefix, ext);
    snprintf(lpath, plen, "%s-labels.%s", prefix, ext);
    size_t ishape[4] = {N, c->h, c->w, c->c}, lshape[1] = {N};
    if ((st = lgc_u8_stream_open(&si, ipath, fmt, c->c == 1 ? 3 : 4, ishape, overwrite, err)))
        goto fail;
    si_open = 1;
    if ((st = lgc_u8_stream_open(&sl, lpath, fmt, 1, lshape, overwrite, err)))
        goto fail;
    sl_open = 1;
    file_sink fs = {&si, &sl, c->c * c->h * c->w};
    if ((st = generate_all(c, N, seed, balance, order, to_files, &fs, progress, ctx, err)))
        goto fail;
    si_open = 0;
    if ((st = lgc_u8_stream_commit(&si, err)))
        goto fail;
    sl_open = 0;
    if ((st = lgc_u8_stream_commit(&sl, err))) {
        unlink(ipath); /* both files or neither */
        goto fail;
    }
fail:
    if (si_open)
        lgc_u8_stream_abort(&si);
    if (sl_open)
        lgc_u8_stream_abort(&sl);
    free(ipath), free(lpath);
    return st;
}
