/* subset.c - random and CRUST subsets of real images at a byte budget (docs/PROTOCOL.md §5). */
#include "lgc/subset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lgc/io.h"
#include "lgc/judge.h"
#include "lgc/kmedoids.h"
#include "lgc/lossless.h"
#include "lgc/rng.h"

#define STREAM_ORDER 1000   /* + class: the random order of a class's images */
#define STREAM_MEDOIDS 2000 /* + class: k-medoids++ */

int lgc_subset_method_from_name(const char *name)
{
    return !strcmp(name, "random") ? LGC_SUBSET_RANDOM : !strcmp(name, "crust") ? LGC_SUBSET_CRUST : -1;
}

const char *lgc_subset_method_name(lgc_subset_method m)
{
    return m == LGC_SUBSET_CRUST ? "crust" : "random";
}

void lgc_subset_opts_default(lgc_subset_opts *o)
{
    o->method = LGC_SUBSET_RANDOM;
    o->budget = 0;
    o->seed = 1;
    o->max_iter = 100;
}

lgc_status lgc_subset_counts(const size_t *n_class, size_t n_classes, size_t k, size_t *counts,
                             lgc_err *err)
{
    size_t n = 0, present = 0;
    for (size_t c = 0; c < n_classes; c++)
        n += n_class[c], present += n_class[c] > 0;
    if (k < present || k > n)
        return lgc_err_set(err, LGC_ERR_ARG,
                           "subset: %zu images cannot cover %zu classes from %zu images", k,
                           present, n);
    /* Largest remainder: quotas k n_c / n in exact integer arithmetic (k, n_c
     * <= 2^32), remainders compared as fractions over n. */
    size_t left = k;
    for (size_t c = 0; c < n_classes; c++) {
        counts[c] = (size_t)((uint64_t)k * n_class[c] / n);
        left -= counts[c];
    }
    while (left > 0) { /* fewer than n_classes rounds */
        size_t best = n_classes;
        uint64_t best_r = 0;
        for (size_t c = 0; c < n_classes; c++) {
            uint64_t r = (uint64_t)k * n_class[c] % n;
            /* a class already rounded up has remainder "used": floor was exceeded */
            if ((uint64_t)k * n_class[c] / n != counts[c])
                continue;
            if (best == n_classes || r > best_r)
                best = c, best_r = r;
        }
        counts[best]++;
        left--;
    }
    for (size_t c = 0; c < n_classes; c++) {
        if (n_class[c] == 0 || counts[c] > 0)
            continue;
        size_t big = 0;
        for (size_t t = 1; t < n_classes; t++)
            if (counts[t] > counts[big])
                big = t;
        counts[big]--; /* >= 2: k >= present and some present class holds none */
        counts[c] = 1;
    }
    return LGC_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The set's images grouped by class: class c is order[start[c] .. start[c+1]),
 * ascending, or in the class's seeded random order when shuffled. */
typedef struct {
    size_t n_classes, n_class[LGC_SUBSET_MAX_CLASSES], start[LGC_SUBSET_MAX_CLASSES + 1];
    uint32_t *order; /* (n) */
} by_class;

static lgc_status by_class_init(by_class *b, const lgc_dataset *d, int shuffled, uint64_t seed,
                                lgc_err *err)
{
    size_t n = d->x.n, K = d->n_classes;
    memset(b, 0, sizeof *b);
    if (K == 0 || K > LGC_SUBSET_MAX_CLASSES || n == 0 || n > UINT32_MAX || d->y.n != n)
        return lgc_err_set(err, LGC_ERR_ARG, "subset: a set of %zu images, %zu labels and %zu "
                           "classes", n, d->y.n, K);
    b->n_classes = K;
    b->order = malloc(n * sizeof *b->order);
    if (!b->order)
        return lgc_err_set(err, LGC_ERR_NOMEM, "subset: out of memory");
    for (size_t i = 0; i < n; i++) {
        if (d->y.y[i] >= K) {
            free(b->order);
            b->order = NULL;
            return lgc_err_set(err, LGC_ERR_VALUE, "subset: label %u at index %zu >= %zu",
                               (unsigned)d->y.y[i], i, K);
        }
        b->n_class[d->y.y[i]]++;
    }
    for (size_t c = 0; c < K; c++)
        b->start[c + 1] = b->start[c] + b->n_class[c];
    size_t pos[LGC_SUBSET_MAX_CLASSES];
    memcpy(pos, b->start, sizeof pos);
    for (size_t i = 0; i < n; i++)
        b->order[pos[d->y.y[i]]++] = (uint32_t)i;
    if (shuffled)
        for (size_t c = 0; c < K; c++) {
            lgc_rng r;
            lgc_rng_init(&r, seed, STREAM_ORDER + c);
            lgc_rng_shuffle(&r, b->order + b->start[c], b->n_class[c]);
        }
    return LGC_OK;
}

/* idx (k): the first counts[c] of each class's order, ascending within the class. */
static lgc_status pick_prefixes(const by_class *b, size_t k, uint32_t *idx, size_t *counts,
                                lgc_err *err)
{
    lgc_status st = lgc_subset_counts(b->n_class, b->n_classes, k, counts, err);
    if (st)
        return st;
    size_t at = 0;
    for (size_t c = 0; c < b->n_classes; c++) {
        memcpy(idx + at, b->order + b->start[c], counts[c] * sizeof *idx);
        qsort(idx + at, counts[c], sizeof *idx, cmp_u32);
        at += counts[c];
    }
    return LGC_OK;
}

lgc_status lgc_subset_random(const lgc_dataset *d, uint64_t seed, size_t k, uint32_t *idx,
                             size_t *counts, lgc_err *err)
{
    by_class b;
    lgc_status st = by_class_init(&b, d, 1, seed, err);
    if (st)
        return st;
    st = pick_prefixes(&b, k, idx, counts, err);
    free(b.order);
    return st;
}

/* IDX header as lgc_idx_write_images/labels and the streams write it: two
 * zero bytes, type 0x08, rank, big-endian uint32 dims. Returns its length. */
static size_t idx_header(uint8_t *hdr, const size_t *dims, int rank)
{
    hdr[0] = 0, hdr[1] = 0, hdr[2] = 0x08, hdr[3] = (uint8_t)rank;
    for (int i = 0; i < rank; i++)
        for (int t = 0; t < 4; t++)
            hdr[4 + 4 * i + t] = (uint8_t)(dims[i] >> (24 - 8 * t));
    return 4 + 4 * (size_t)rank;
}

/* Shape of the images file: rank 3 (k, h, w) for grey, rank 4 with channels. */
static int image_dims(const lgc_dataset *d, size_t k, size_t *dims)
{
    dims[0] = k, dims[1] = d->x.h, dims[2] = d->x.w, dims[3] = d->x.c;
    return d->x.c == 1 ? 3 : 4;
}

lgc_status lgc_subset_xz(const lgc_dataset *d, const uint32_t *idx, size_t k, size_t *xz_images,
                         size_t *xz_labels, lgc_err *err)
{
    size_t img = d->x.h * d->x.w * d->x.c, dims[4];
    int rank = image_dims(d, k, dims);
    uint8_t *buf = malloc(20 + k * img); /* (header, k, h, w, c) the images file */
    if (!buf)
        return lgc_err_set(err, LGC_ERR_NOMEM, "subset: out of memory for %zu images", k);
    size_t hn = idx_header(buf, dims, rank);
    for (size_t i = 0; i < k; i++)
        memcpy(buf + hn + i * img, d->x.pix + (size_t)idx[i] * img, img);
    lgc_status st = lgc_xz9e_size(buf, hn + k * img, xz_images, err);
    if (st == LGC_OK) {
        hn = idx_header(buf, dims, 1); /* labels: rank 1, (k) */
        for (size_t i = 0; i < k; i++)
            buf[hn + i] = d->y.y[idx[i]];
        st = lgc_xz9e_size(buf, hn + k, xz_labels, err);
    }
    free(buf);
    return st;
}

/* One measured candidate of the budget search. */
typedef struct {
    const lgc_dataset *d;
    const by_class *b;
    uint32_t *idx;  /* (n) scratch */
    size_t counts[LGC_SUBSET_MAX_CLASSES];
    size_t n_probes;
    lgc_progress_fn progress;
    void *ctx;
} search;

static lgc_status measure(search *s, size_t k, size_t *bytes, size_t *xi, size_t *xl,
                          lgc_err *err)
{
    lgc_status st = pick_prefixes(s->b, k, s->idx, s->counts, err);
    if (st == LGC_OK)
        st = lgc_subset_xz(s->d, s->idx, k, xi, xl, err);
    *bytes = *xi + *xl;
    s->n_probes++;
    if (s->progress) {
        lgc_progress pr = {"search", s->n_probes, 0, s->n_probes, NAN, NAN};
        s->progress(s->ctx, &pr);
    }
    return st;
}

/* The largest k whose random subset fits the budget (see subset.h). */
static lgc_status search_k(search *s, uint64_t budget, size_t *k_out, size_t *xi_out,
                           size_t *xl_out, lgc_err *err)
{
    size_t n = s->d->x.n, lo = 0, hi, flo, fhi = 0, f, xi, xl, lo_xi, lo_xl;
    for (size_t c = 0; c < s->b->n_classes; c++)
        lo += s->b->n_class[c] > 0;
    lgc_status st = measure(s, lo, &flo, &lo_xi, &lo_xl, err);
    if (st)
        return st;
    if (flo > budget)
        return lgc_err_set(err, LGC_ERR_LIMIT,
                           "budget %llu B is too small: one image per class (%zu images) takes "
                           "%zu B under xz -9e",
                           (unsigned long long)budget, lo, flo);
    /* Bracket: extrapolate the bytes per image measured so far, 5% beyond,
     * until a candidate does not fit (or the whole set does). The per-image
     * cost falls as k grows (more context for xz), so this approaches from
     * below. hi = n + 1 stands for "no candidate failed yet". */
    hi = n + 1;
    while (hi == n + 1 && lo < n) {
        double g = ceil((double)lo * (double)budget / (double)flo * 1.05);
        size_t k = g >= (double)n ? n : (size_t)g;
        k = k <= lo ? lo + 1 : k;
        if ((st = measure(s, k, &f, &xi, &xl, err)))
            return st;
        if (f <= budget)
            lo = k, flo = f, lo_xi = xi, lo_xl = xl;
        else
            hi = k, fhi = f;
    }
    /* Narrow: interpolate between the ends; when the same end moves twice
     * running, push the next probe further (1, 2, 4, ... past it) so that the
     * far end moves too; bisect when the bracket stops halving. */
    int last = 0, slow = 0;
    size_t step = 1;
    while (hi <= n && hi - lo > 1) {
        size_t g, width = hi - lo;
        if (slow >= 3 || fhi <= flo)
            g = lo + width / 2;
        else
            g = lo + (size_t)((double)(budget - flo) / (double)(fhi - flo) * (double)width);
        if (last > 0 && g < lo + step)
            g = lo + step;
        if (last < 0 && g + step > hi)
            g = hi - step;
        g = g <= lo ? lo + 1 : g >= hi ? hi - 1 : g;
        if ((st = measure(s, g, &f, &xi, &xl, err)))
            return st;
        int side = f <= budget ? 1 : -1;
        if (side > 0)
            lo = g, flo = f, lo_xi = xi, lo_xl = xl;
        else
            hi = g, fhi = f;
        step = side == last ? step * 2 : 1;
        last = side;
        slow = 2 * (hi - lo) > width ? slow + 1 : 0;
    }
    *k_out = lo, *xi_out = lo_xi, *xl_out = lo_xl;
    return LGC_OK;
}

static void say(lgc_progress_fn progress, void *ctx, const char *stage, size_t done,
                size_t total)
{
    if (progress) {
        lgc_progress pr = {stage, done, total, done, NAN, NAN};
        progress(ctx, &pr);
    }
}

/* CRUST's medoids for the counts in s: fills s->idx and s->weight. */
static lgc_status crust(const lgc_subset_opts *o, const lgc_dataset *d, const by_class *b,
                        lgc_subset *s, lgc_progress_fn progress, void *ctx, lgc_err *err)
{
    size_t n = d->x.n, K = d->n_classes, max_nc = 0;
    if (K < 2 || K > LGC_MAX_CLASSES)
        return lgc_err_set(err, LGC_ERR_VALUE,
                           "crust: the paper-cnn judge takes 2..%d classes, the set has %zu",
                           LGC_MAX_CLASSES, K);
    for (size_t c = 0; c < K; c++)
        max_nc = b->n_class[c] > max_nc ? b->n_class[c] : max_nc;
    if (max_nc > LGC_SUBSET_MAX_CLASS_IMAGES)
        return lgc_err_set(err, LGC_ERR_LIMIT,
                           "crust: a class of %zu images needs a %zu x %zu k-medoids distance "
                           "matrix; at most %d images per class",
                           max_nc, max_nc, max_nc, LGC_SUBSET_MAX_CLASS_IMAGES);
    lgc_judge_opts jo;
    lgc_judge_opts_default(&jo);
    jo.kind = LGC_JUDGE_PAPER_CNN;
    jo.steps = (n + jo.batch - 1) / jo.batch; /* one epoch */
    jo.seed = o->seed;
    lgc_dataset all = {{n, d->x.h, d->x.w, d->x.c, d->x.pix}, {n, d->y.y}, K};
    lgc_net net;
    lgc_err jerr;
    lgc_status st = lgc_judge_train(&jo, &all, K, &net, NULL, progress, ctx,
                                    &jerr);
    if (st == LGC_ERR_ARG) /* the images do not suit the net: a data problem, not usage */
        return lgc_err_set(err, LGC_ERR_VALUE, "crust: images of %zux%zux%zu: %s", d->x.h,
                           d->x.w, d->x.c, jerr.msg);
    if (st) {
        if (err)
            *err = jerr;
        return st;
    }
    size_t dim = lgc_judge_last_layer_dim(&net);
    float *G = malloc(n * dim * sizeof *G);            /* (n, dim) gradient embeddings */
    float *Xc = malloc(max_nc * dim * sizeof *Xc);     /* (n_c, dim) one class's rows */
    float *D = malloc(max_nc * max_nc * sizeof *D);    /* (n_c, n_c) their distances */
    uint32_t *med = malloc(max_nc * sizeof *med), *sizes = malloc(max_nc * sizeof *sizes);
    uint64_t *pair = malloc(max_nc * sizeof *pair);    /* (k_c) index << 32 | cluster size */
    if (!G || !Xc || !D || !med || !sizes || !pair) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "crust: out of memory for %zu embeddings and a "
                         "%zu x %zu distance matrix", n, max_nc, max_nc);
        goto done;
    }
    say(progress, ctx, "embed", 0, 1);
    if ((st = lgc_judge_last_layer_grads(&net, &all, K, G, err)))
        goto done;
    say(progress, ctx, "embed", 1, 1);
    size_t at = 0;
    for (size_t c = 0; c < K; c++) {
        size_t nc = b->n_class[c], kc = s->counts[c];
        const uint32_t *mem = b->order + b->start[c]; /* ascending: b is not shuffled */
        if (kc > 0) {
            for (size_t i = 0; i < nc; i++)
                memcpy(Xc + i * dim, G + (size_t)mem[i] * dim, dim * sizeof *Xc);
            if ((st = lgc_pdist_f32(D, Xc, nc, dim, err)))
                goto done;
            lgc_rng r;
            lgc_rng_init(&r, o->seed, STREAM_MEDOIDS + c);
            lgc_kmedoids_info info;
            if ((st = lgc_kmedoids(D, nc, kc, &r, o->max_iter, med, NULL, sizes, &info, err)))
                goto done;
            s->max_iters = info.n_iter > s->max_iters ? info.n_iter : s->max_iters;
            s->capped |= !info.converged;
            for (size_t j = 0; j < kc; j++)
                pair[j] = (uint64_t)mem[med[j]] << 32 | sizes[j];
            qsort(pair, kc, sizeof *pair, cmp_u64);
            for (size_t j = 0; j < kc; j++) {
                s->idx[at + j] = (uint32_t)(pair[j] >> 32);
                s->weight[at + j] = (float)(uint32_t)pair[j];
            }
            at += kc;
        }
        say(progress, ctx, "cluster", c + 1, K);
    }
done:
    lgc_net_free(&net);
    free(G), free(Xc), free(D), free(med), free(sizes), free(pair);
    return st;
}

lgc_status lgc_subset_select(const lgc_subset_opts *o, const lgc_dataset *d, lgc_subset *out,
                             lgc_progress_fn progress, void *progress_ctx, lgc_err *err)
{
    memset(out, 0, sizeof *out);
    out->method = o->method;
    by_class b;
    lgc_status st = by_class_init(&b, d, 1, o->seed, err);
    if (st)
        return st;
    search s = {d, &b, malloc(d->x.n * sizeof(uint32_t)), {0}, 0, progress, progress_ctx};
    if (!s.idx) {
        free(b.order);
        return lgc_err_set(err, LGC_ERR_NOMEM, "subset: out of memory");
    }
    size_t k = 0;
    if ((st = search_k(&s, o->budget, &k, &out->xz_images, &out->xz_labels, err)))
        goto fail;
    out->k = k;
    out->n_classes = d->n_classes;
    out->n_probes = s.n_probes;
    out->idx = malloc(k * sizeof *out->idx);
    if (!out->idx) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "subset: out of memory");
        goto fail;
    }
    if ((st = pick_prefixes(&b, k, out->idx, out->counts, err)))
        goto fail;
    if (o->method == LGC_SUBSET_CRUST) {
        free(b.order);
        if ((st = by_class_init(&b, d, 0, 0, err)))
            goto fail;
        out->weight = malloc(k * sizeof *out->weight);
        if (!out->weight) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "subset: out of memory");
            goto fail;
        }
        if ((st = crust(o, d, &b, out, progress, progress_ctx, err)) ||
            (st = lgc_subset_xz(d, out->idx, k, &out->xz_images, &out->xz_labels, err)))
            goto fail;
    }
    free(b.order);
    free(s.idx);
    return LGC_OK;
fail:
    free(b.order);
    free(s.idx);
    lgc_subset_free(out);
    return st;
}

char *lgc_subset_path(const char *prefix, int which)
{
    static const char *const suffix[3] = {"-images.idx", "-labels.idx", "-weights.npy"};
    size_t n = strlen(prefix) + 16;
    char *p = which >= 0 && which < 3 ? malloc(n) : NULL;
    if (p)
        snprintf(p, n, "%s%s", prefix, suffix[which]);
    return p;
}

lgc_status lgc_subset_probe(const char *prefix, int with_weights, int overwrite, lgc_err *err)
{
    for (int w = 0; w < (with_weights ? 3 : 2); w++) {
        char *p = lgc_subset_path(prefix, w);
        if (!p)
            return lgc_err_set(err, LGC_ERR_NOMEM, "subset: out of memory");
        struct stat sb;
        lgc_status st = LGC_OK;
        lgc_afile probe;
        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            st = lgc_err_set(err, LGC_ERR_IO, "%s: is a folder", p);
        else if ((st = lgc_afile_open(&probe, p, overwrite, err)) == LGC_OK)
            lgc_afile_abort(&probe);
        free(p);
        if (st)
            return st;
    }
    return LGC_OK;
}

lgc_status lgc_subset_write(const lgc_subset *s, const lgc_dataset *d, const char *prefix,
                            int overwrite, lgc_err *err)
{
    char *pi = lgc_subset_path(prefix, 0), *pl = lgc_subset_path(prefix, 1);
    char *pw = s->weight ? lgc_subset_path(prefix, 2) : NULL;
    uint8_t *lab = malloc(s->k ? s->k : 1); /* (k) */
    lgc_u8_stream si, sl;
    memset(&si, 0, sizeof si), memset(&sl, 0, sizeof sl);
    si.af.fd = sl.af.fd = -1;
    lgc_status st = LGC_OK;
    int weights_out = 0;
    if (!pi || !pl || (s->weight && !pw) || !lab) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "subset: out of memory");
        goto fail;
    }
    size_t img = d->x.h * d->x.w * d->x.c, dims[4], kdim[1] = {s->k};
    int rank = image_dims(d, s->k, dims);
    if ((st = lgc_u8_stream_open(&si, pi, LGC_FMT_IDX, rank, dims, overwrite, err)) ||
        (st = lgc_u8_stream_open(&sl, pl, LGC_FMT_IDX, 1, kdim, overwrite, err)))
        goto fail;
    for (size_t i = 0; i < s->k; i++) {
        if ((st = lgc_u8_stream_write(&si, d->x.pix + (size_t)s->idx[i] * img, img, err)))
            goto fail;
        lab[i] = d->y.y[s->idx[i]];
    }
    if ((st = lgc_u8_stream_write(&sl, lab, s->k, err)))
        goto fail;
    /* All three appear together: the weights (written whole) first, then the
     * two streams; a failure removes what was already published. */
    if (pw) {
        if ((st = lgc_npy_write_f32(pw, s->weight, 1, kdim, overwrite, err)))
            goto fail;
        weights_out = 1;
    }
    if ((st = lgc_u8_stream_commit(&si, err)))
        goto fail;
    if ((st = lgc_u8_stream_commit(&sl, err))) {
        unlink(pi);
        goto fail;
    }
    free(pi), free(pl), free(pw), free(lab);
    return LGC_OK;
fail:
    lgc_u8_stream_abort(&si);
    lgc_u8_stream_abort(&sl);
    if (weights_out)
        unlink(pw);
    free(pi), free(pl), free(pw), free(lab);
    return st;
}

void lgc_subset_free(lgc_subset *s)
{
    if (!s)
        return;
    free(s->idx), free(s->weight);
    s->idx = NULL, s->weight = NULL;
}
