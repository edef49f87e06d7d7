/* compress.c - a labelled image set becomes a package: train the autoencoder,
 * encode, sweep the mixtures per class (or group), assemble, and with a byte
 * budget lower K until the package fits (see include/lgc/codec.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "keys.h"
#include "lgc/dp.h"
#include "lgc/clock.h"

void lgc_compress_opts_default(lgc_compress_opts *o)
{
    memset(o, 0, sizeof *o);
    o->model = LGC_MODEL_AE;
    o->hidden = 128;
    o->latent = 64;
    lgc_train_opts_default(&o->train);
    lgc_gmm_opts_default(&o->gmm);
    /* One EM start per K: with the refinement below, the K that full runs pick
     * (bench/README.md), at a third of the sweep's time. */
    o->gmm.n_init = 1;
    /* Measured on MNIST codes (bench/README.md): float products fit what double
     * fits about 1.5x faster, and running the fits within one BIC unit per
     * point of the best on to 1e-5 picks the K that full double runs pick,
     * where tol 1e-3 alone did not. 1e-5, not 1e-6: in float the mean
     * log-likelihood jitters by about 1e-6 from one iteration to the next. */
    o->gmm.precision = LGC_GMM_F32;
    o->gmm.refine_margin = 1.0;
    o->gmm.refine_tol = 1e-5;
    /* Fits whose BIC after 12 M-steps is still 6 BIC units per point behind a
     * smaller K's stop there: on the MSE and BCE codes of MNIST the same K as
     * full runs for every class, at 0.73 and 0.84 of the EM iterations
     * (bench/README.md: "abandonment"); chosen with every neighbouring setting
     * (5..7 units, 9..15 steps) also keeping K. */
    o->gmm.abandon_margin = 6.0;
    o->gmm.abandon_after = 12;
    o->param_dtype = LGC_DT_F16;
    /* int8 decoder weights: measured on MNIST (README), 22% smaller packages
     * than float16 at the same judge accuracy */
    o->decoder_dtype = LGC_DT_I8;
    o->zstd_level = 19;
    o->fit_on = LGC_FIT_MU;
    /* dp_clip: per-image gradients of the mean-per-pixel loss are small; 0.01 from a
     * probe on MNIST (docs/PRIVACY.md says so: not a private choice) */
    o->dp_delta = 1e-5, o->dp_clip = 0.01f, o->dp_gmm_share = 0.1, o->dp_k = 1;
}

void lgc_compress_opts_dp_sizes(lgc_compress_opts *o, size_t n, unsigned keep)
{
    /* bench/dp_validation/validation.log: batch 1024 for 80 epochs beat
     * 128 x 10 by 2 (epsilon 10) and 18 points (epsilon 1); latent 32 beat 16
     * by 7, 8 and 5 points at epsilon 10, 4 and 2 and lost by 4 at epsilon 1,
     * where the noise on a class covariance's d^2 entries drowns the spread */
    if (!(keep & LGC_DP_KEEP_BATCH))
        o->train.batch = n / 48 > 1024 ? 1024 : n / 48 ? n / 48 : 1;
    if (!(keep & LGC_DP_KEEP_EPOCHS))
        o->train.epochs = 80;
    if (!(keep & LGC_DP_KEEP_LR))
        o->train.lr = 0.002f;
    if (!(keep & LGC_DP_KEEP_LATENT))
        o->latent = o->dp_epsilon >= 2.0 ? 32 : 16;
}

/* Keeps every epoch's loss (for rep->final_loss and the side file), then
 * passes the report on to the caller's progress. */
typedef struct {
    lgc_progress_fn progress;
    void *ctx;
    double *loss; /* (cap) */
    size_t n, cap;
} epoch_log;

static void log_epoch(void *ctx, const lgc_progress *p)
{
    epoch_log *l = ctx;
    if (l->n < l->cap)
        l->loss[l->n++] = p->value;
    if (l->progress)
        l->progress(l->ctx, p);
}

/* The mixtures to fit, into rep: one per class, or one per group present
 * (ascending ids), each group within one class. Every class needs images. */
static lgc_status plan_mixtures(const lgc_dataset *data, size_t n_classes,
                                const lgc_compress_opts *o, lgc_compress_report *rep, lgc_err *err)
{
    size_t n = data->x.n;
    const uint8_t *y = data->y.y;
    rep->n_classes = n_classes;
    for (size_t i = 0; i < n; i++)
        rep->class_n[y[i]]++;
    for (size_t c = 0; c < n_classes; c++)
        if (rep->class_n[c] == 0)
            return lgc_err_set(err, LGC_ERR_VALUE,
                               "compress: class %zu has no images; use --classes to say how many "
                               "classes there are",
                               c);
    if (!o->groups) {
        rep->n_mixtures = n_classes;
        for (size_t c = 0; c < n_classes; c++)
            rep->mix_class[c] = rep->mix_group[c] = c, rep->mix_n[c] = rep->class_n[c];
        return LGC_OK;
    }
    if (o->keep_side)
        return lgc_err_set(err, LGC_ERR_ARG, "compress: the encoder side file describes per-class "
                           "mixtures; it is not available with groups");
    size_t first[LGC_MAX_GROUPS], cnt[LGC_MAX_GROUPS] = {0};
    for (size_t i = 0; i < n; i++) {
        size_t g = o->groups[i];
        if (cnt[g]++ == 0)
            first[g] = i;
        else if (y[i] != y[first[g]])
            return lgc_err_set(err, LGC_ERR_VALUE,
                               "compress: group %zu holds images of class %u (index %zu) and "
                               "class %u (index %zu); every group must belong to one class",
                               g, y[first[g]], first[g], y[i], i);
    }
    rep->n_mixtures = 0;
    for (size_t g = 0; g < LGC_MAX_GROUPS; g++)
        if (cnt[g]) {
            size_t m = rep->n_mixtures++;
            rep->mix_group[m] = g, rep->mix_class[m] = y[first[g]], rep->mix_n[m] = cnt[g];
        }
    return LGC_OK;
}

/* The mixture of every image (its class, or its group's mixture) into
 * mix (n), and where each mixture's codes start in class-sorted order into
 * off (M + 1): mixture mi holds rows off[mi] .. off[mi + 1). */
static void mixture_offsets(const uint8_t *y, const uint8_t *groups, size_t n,
                            const lgc_compress_report *rep, uint8_t *mix, size_t *off)
{
    size_t M = rep->n_mixtures, of_group[LGC_MAX_GROUPS] = {0};
    for (size_t mi = 0; mi < M; mi++)
        of_group[rep->mix_group[mi]] = mi;
    memset(off, 0, (M + 1) * sizeof *off);
    for (size_t i = 0; i < n; i++) {
        mix[i] = (uint8_t)(groups ? of_group[groups[i]] : y[i]);
        off[mix[i] + 1]++;
    }
    for (size_t mi = 0; mi < M; mi++)
        off[mi + 1] += off[mi];
}

/* Sort the codes z (n, L) by mixture in place, each mixture's rows in their
 * order of z, by following the cycles of the
 * permutation: memory for the destinations (n) instead of a second copy of
 * the codes (n, L). */
static lgc_status sort_by_mixture(float *z, const uint8_t *mix, size_t n, size_t L,
                                  const size_t *off, size_t M, lgc_err *err)
{
    size_t *dest = malloc((n ? n : 1) * sizeof *dest), next[LGC_MAX_GROUPS];
    float *row = malloc(L * sizeof *row);
    if (!dest || !row) {
        free(dest), free(row);
        return lgc_err_set(err, LGC_ERR_NOMEM, "compress: out of memory");
    }
    memcpy(next, off, M * sizeof *next);
    for (size_t i = 0; i < n; i++)
        dest[i] = next[mix[i]]++;
    for (size_t i = 0; i < n; i++)
        while (dest[i] != i) { /* row i belongs at j: swap it there, take j's row */
            size_t j = dest[i], t = dest[j];
            memcpy(row, z + j * L, L * sizeof *row);
            memcpy(z + j * L, z + i * L, L * sizeof *row);
            memcpy(z + i * L, row, L * sizeof *row);
            dest[j] = j, dest[i] = t;
        }
    free(dest), free(row);
    return LGC_OK;
}

/* Bring *p under o->budget bytes by taking mixture components away one at a
 * time. Each step removes a component from the mixture whose BIC rises least
 * when its K drops by one (bic[K-2] - bic[K-1], from the sweep's curve),
 * refits that mixture at the lower K with the sweep's options and
 * reassembles. The decoder is not touched: lgc_budget_plan sized it so that
 * one component per mixture leaves room. Fails with LGC_ERR_LIMIT when even
 * K = 1 everywhere is over budget. */
static lgc_status fit_budget(const lgc_compress_opts *o, const lgc_model *m, const lgc_images *x,
                             const size_t *counts, size_t n, size_t n_classes, const float *zc,
                             const size_t *moff, lgc_gmm *gm, lgc_pkg **p,
                             lgc_compress_report *rep, lgc_err *err)
{
    size_t L = o->latent, M = rep->n_mixtures, bytes;
    lgc_status st;
    for (;;) {
        if ((st = lgc_pkg_encoded_size(*p, &bytes, err)))
            return st;
        rep->bytes = bytes;
        if (bytes <= o->budget)
            return LGC_OK;
        size_t best = M;
        double best_rise = INFINITY;
        for (size_t mi = 0; mi < M; mi++) {
            size_t K = gm[mi].k;
            if (K < 2)
                continue;
            double rise = rep->bic[mi][K - 2] - rep->bic[mi][K - 1];
            if (isnan(rise))
                rise = 0.0; /* no curve there: dropping costs nothing known */
            if (best == M || rise < best_rise)
                best = mi, best_rise = rise;
        }
        if (best == M)
            return lgc_err_set(err, LGC_ERR_LIMIT,
                               "budget: the package takes %zu bytes with one component in every "
                               "mixture, over the budget of %llu; choose a smaller --hidden or "
                               "--latent",
                               bytes, (unsigned long long)o->budget);
        lgc_gmm_opts go = o->gmm;
        go.seed = o->gmm.seed + 1000 * best;
        lgc_gmm g = {0};
        if ((st = lgc_gmm_fit(&g, zc + moff[best] * L, moff[best + 1] - moff[best], L,
                              gm[best].k - 1, &go, NULL, err)))
            return st;
        lgc_gmm_free(&gm[best]);
        gm[best] = g;
        rep->k[best] = g.k;
        lgc_pkg_free(*p);
        *p = NULL;
        if ((st = codec_assemble(o, m, x, counts, n, n_classes, rep, gm, p, err)))
            return st;
    }
}

/* The noises for o->dp_epsilon on n images (lgc_compress_opts says how),
 * into to (DP-SGD) and rep. */
static lgc_status dp_calibrate(const lgc_compress_opts *o, size_t n, lgc_train_opts *to,
                               lgc_compress_report *rep, lgc_err *err)
{
    double eps = o->dp_epsilon, delta = o->dp_delta, share = o->dp_gmm_share;
    if (!(delta > 0.0) || !(delta * (double)n < 1.0))
        return lgc_err_set(err, LGC_ERR_ARG, "compress: DP delta %g must be above 0 and below "
                           "1/N = %.3g for N = %zu images", delta, 1.0 / (double)n, n);
    if (!(share > 0.0 && share < 1.0))
        return lgc_err_set(err, LGC_ERR_ARG, "compress: the mixtures' share of epsilon, %g, "
                           "must be in (0, 1)", share);
    size_t B = o->train.batch, per = (n + B / 2) / B ? (n + B / 2) / B : 1;
    size_t steps = per * o->train.epochs;
    double q = (double)B / (double)n, sgd = 0.0;
    lgc_status st;
    if (steps && (st = lgc_dp_sgd_sigma(q, steps, (1.0 - share) * eps, delta, &sgd, err)))
        return st;
    /* the mixtures' noise multiplier: the smallest on a grid of 1 % steps
     * whose composition with training stays within epsilon */
    lgc_dp_ledger train; /* training's RDP, the same for every z tried */
    if ((st = lgc_dp_ledger_init(&train, NULL, 0, err)) ||
        (steps && (st = lgc_dp_ledger_add_sgm(&train, q, sgd, steps, err))))
        return st;
    lgc_gmm_dp_opts dpo;
    lgc_gmm_dp_opts_default(&dpo);
    dpo.mean_clip = o->dp_code_clip, dpo.k = o->dp_k;
    double z = 0.05, spent = INFINITY;
    for (; z < 1e5; z *= 1.01) {
        lgc_dp_ledger l = train;
        if ((st = lgc_dp_ledger_add_gaussian(&l, 1.0, z, lgc_gmm_dp_releases(&dpo), err)) ||
            (st = lgc_dp_ledger_epsilon(&l, delta, &spent, NULL, err)))
            return st;
        if (spent <= eps)
            break;
    }
    if (!(spent <= eps))
        return lgc_err_set(err, LGC_ERR_ARG, "compress: epsilon %g cannot be met", eps);
    to->dp_clip = o->dp_clip, to->dp_noise = (float)sgd;
    rep->dp_epsilon = spent, rep->dp_sgd_noise = sgd, rep->dp_gmm_noise = z;
    rep->dp_sample_rate = q, rep->dp_steps = steps;
    return LGC_OK;
}

/* One mixture per class (lgc_gmm_dp_fit) from the codes zc grouped by class
 * (moff); counts become the noisy counts (at least 1), *n_out their sum. */
static lgc_status dp_mixtures(const lgc_compress_opts *o, const float *zc, const size_t *moff,
                              size_t L, lgc_compress_report *rep, lgc_gmm *gm, size_t *counts,
                              size_t *n_out, lgc_err *err)
{
    lgc_rng r;
    lgc_rng_init(&r, o->train.seed, 8);
    lgc_gmm_dp_opts dpo;
    lgc_gmm_dp_opts_default(&dpo);
    dpo.z = rep->dp_gmm_noise, dpo.mean_clip = o->dp_code_clip, dpo.k = o->dp_k;
    size_t M = rep->n_mixtures, total = 0;
    double nn[LGC_MAX_CLASSES];
    lgc_status st = lgc_gmm_dp_fit(zc, moff, M, L, &dpo, &r, gm, nn, &rep->dp_code_clip,
                                   &rep->dp_spread_clip, err);
    if (st)
        return st;
    for (size_t mi = 0; mi < M; mi++) {
        counts[mi] = nn[mi] > 1.0 ? (size_t)llround(nn[mi]) : 1;
        total += counts[mi];
        rep->k[mi] = rep->k_bic[mi] = gm[mi].k;
        for (size_t k = 0; k < LGC_CODEC_KMAX; k++)
            rep->bic[mi][k] = NAN;
    }
    *n_out = total;
    return LGC_OK;
}

/* The package's record of its guarantee. */
static lgc_status dp_keys(lgc_pkg *p, const lgc_compress_opts *o, const lgc_compress_report *rep,
                          lgc_err *err)
{
    char split[200], mix[64];
    if (o->dp_k > 1)
        snprintf(mix, sizeof mix, "up to %zu components per class", o->dp_k);
    else
        snprintf(mix, sizeof mix, "one Gaussian per class");
    snprintf(split, sizeof split, "DP-SGD training first, for %.3g of epsilon alone; %s and the "
             "class counts with what is left", 1.0 - o->dp_gmm_share, mix);
    lgc_status st;
    if ((st = lgc_pkg_set_f64(p, KEY_DP_EPSILON, rep->dp_epsilon, err)) ||
        (st = lgc_pkg_set_f64(p, KEY_DP_DELTA, o->dp_delta, err)) ||
        (st = lgc_pkg_set_str(p, KEY_DP_ACCOUNTANT, "RDP: Poisson-subsampled Gaussian "
                              "(Mironov, Talwar, Zhang 2019) and Gaussian mechanisms; "
                              "conversion of Balle et al. 2020", err)) ||
        (st = lgc_pkg_set_str(p, KEY_DP_SPLIT, split, err)) ||
        (st = lgc_pkg_set_f64(p, KEY_DP_SGD_NOISE, rep->dp_sgd_noise, err)) ||
        (st = lgc_pkg_set_f64(p, KEY_DP_SGD_CLIP, o->dp_clip, err)) ||
        (st = lgc_pkg_set_f64(p, KEY_DP_SGD_RATE, rep->dp_sample_rate, err)) ||
        (st = lgc_pkg_set_u64(p, KEY_DP_SGD_STEPS, rep->dp_steps, err)) ||
        (st = lgc_pkg_set_f64(p, KEY_DP_GMM_NOISE, rep->dp_gmm_noise, err)) ||
        (st = lgc_pkg_set_f64(p, KEY_DP_GMM_CLIP, rep->dp_code_clip, err)) ||
        (st = lgc_pkg_set_f64(p, KEY_DP_GMM_SPREAD_CLIP, rep->dp_spread_clip, err)))
        return st;
    return LGC_OK;
}

/* The mixture sweep across ranks (lgc_train_opts.comm): rank r fits the sets
 * of lgc_comm_split(M, r, R) with lgc_gmm_select_many, then each set's K,
 * BIC curve and mixture go from its rank to all. Every set's fits depend on
 * its own points and seed only, so the mixtures are those of one process. */
static lgc_status sweep_ranks(const lgc_comm *c, size_t M, const float **sets, size_t *nm,
                              size_t L, const uint64_t *seeds, const lgc_gmm_opts *go,
                              lgc_gmm *gm, double *bic, size_t *kc, lgc_progress_fn progress,
                              void *ctx, lgc_err *err)
{
    int R = lgc_comm_size(c), me = lgc_comm_rank(c);
    if (R == 1)
        return lgc_gmm_select_many(M, sets, nm, L, seeds, go, gm, bic, kc, progress, ctx, err);
    size_t lo, hi, km = go->k_max;
    lgc_comm_split(M, me, R, &lo, &hi);
    lgc_status st = LGC_OK;
    if (hi > lo)
        st = lgc_gmm_select_many(hi - lo, sets + lo, nm + lo, L, seeds + lo, go, gm + lo,
                                 bic + lo * km, kc + lo, progress, ctx, err);
    /* every rank learns whether all succeeded before anyone waits on a mixture */
    int sts[256], mine = (int)st;
    if (R > 256 || lgc_comm_allgather(c, &mine, sizeof mine, sts, err))
        return st ? st : lgc_err_set(err, LGC_ERR_IO, "compress: the ranks' sweeps: %s",
                                     R > 256 ? "more than 256 ranks" : err->msg);
    for (int r = 0; r < R; r++)
        if (sts[r] != LGC_OK)
            return st ? st : lgc_err_set(err, (lgc_status)sts[r], "compress: rank %d's mixture "
                                         "sweep failed (its own message is above)", r);
    for (int r = 0; r < R; r++) {
        size_t a, b;
        lgc_comm_split(M, r, R, &a, &b);
        for (size_t s = a; s < b; s++) {
            uint64_t k = kc[s];
            if ((st = lgc_comm_bcast(c, &k, sizeof k, r, err)) ||
                (st = lgc_comm_bcast(c, bic + s * km, km * sizeof *bic, r, err)))
                return st;
            if (r != me) {
                kc[s] = (size_t)k;
                if (lgc_gmm_init(&gm[s], (size_t)k, L))
                    return lgc_err_set(err, LGC_ERR_NOMEM, "compress: out of memory");
            }
            if ((st = lgc_comm_bcast(c, gm[s].weights, k * sizeof(double), r, err)) ||
                (st = lgc_comm_bcast(c, gm[s].means, k * L * sizeof(double), r, err)) ||
                (st = lgc_comm_bcast(c, gm[s].chol, k * L * L * sizeof(double), r, err)))
                return st;
        }
    }
    return LGC_OK;
}

lgc_status lgc_compress(const lgc_dataset *data, size_t n_classes, const lgc_compress_opts *o,
                        lgc_progress_fn progress, void *ctx, lgc_pkg **out,
                        lgc_compress_report *rep, lgc_err *err)
{
    *out = NULL;
    memset(rep, 0, sizeof *rep);
    const lgc_images *x = &data->x;
    size_t n = x->n, L = o->latent;
    if (n_classes < 1 || n_classes > LGC_MAX_CLASSES)
        return lgc_err_set(err, LGC_ERR_ARG, "compress: %zu classes (1..%d)", n_classes,
                           LGC_MAX_CLASSES);
    if (o->gmm.k_max < 1 || o->gmm.k_max > LGC_CODEC_KMAX)
        return lgc_err_set(err, LGC_ERR_ARG, "compress: kmax %zu (1..%d)", o->gmm.k_max,
                           LGC_CODEC_KMAX);
    for (size_t i = 0; i < n; i++)
        if (data->y.y[i] >= n_classes)
            return lgc_err_set(err, LGC_ERR_VALUE, "compress: label %u at index %zu >= %zu classes",
                               data->y.y[i], i, n_classes);
    lgc_status st;
    int dp = o->dp_epsilon > 0.0;
    if (dp && (o->groups || o->budget || o->model != LGC_MODEL_AE ||
               lgc_comm_size(o->train.comm) > 1 || o->checkpoint_path))
        return lgc_err_set(err, LGC_ERR_ARG, "compress: with differential privacy: model ae, "
                           "one mixture per class, no --budget, no checkpoint, one process");
    if (dp && (o->dp_k < 1 || o->dp_k > LGC_CODEC_KMAX))
        return lgc_err_set(err, LGC_ERR_ARG, "compress: DP components per class %zu (1..%d)",
                           o->dp_k, LGC_CODEC_KMAX);
    if ((st = plan_mixtures(data, n_classes, o, rep, err)))
        return st;
    if (!lgc_model_family_get((int)o->model))
        return lgc_err_set(err, LGC_ERR_ARG, "compress: model kind %d is unknown", (int)o->model);
    lgc_model m;
    lgc_pkg *p = NULL;
    float *z = NULL, *zc = NULL; /* (n, L): codes in image order, and by mixture */
    uint8_t *mix = NULL;         /* (n) every image's mixture */
    size_t moff[LGC_MAX_GROUPS + 1];
    double *bic_flat = NULL; /* (n_classes, k_max) for the side file */
    epoch_log elog = {progress, ctx, NULL, 0, o->train.epochs};
    size_t M = rep->n_mixtures;
    lgc_gmm *gm = calloc(M, sizeof *gm); /* (M) the mixtures, until the package is assembled */
    size_t counts[LGC_MAX_CLASSES] = {0};
    if (!gm)
        return lgc_err_set(err, LGC_ERR_NOMEM, "compress: out of memory");
    st = lgc_model_init(&m, o->model, x->c, x->h, x->w, o->hidden, L, n_classes,
                        o->train.batch > 256 ? o->train.batch : 256, err);
    if (st) {
        free(gm);
        return st;
    }
    if (!(elog.loss = malloc((o->train.epochs + 1) * sizeof *elog.loss))) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "compress: out of memory");
        goto fail;
    }
    double t0 = lgc_now();
    lgc_train_opts to = o->train;
    ckpt_ctx ck;
    if (o->checkpoint_path) {
        ck.path = o->checkpoint_path;
        ck.loss = elog.loss, ck.n_loss = &elog.n, ck.cap_loss = elog.cap;
        codec_ckpt_id_make(&ck.id, data, o);
        if ((st = codec_ckpt_load(&ck, &m, to.epochs, &rep->resumed_epochs, err)))
            goto fail;
        to.start_epoch = rep->resumed_epochs;
        if (lgc_comm_rank(o->train.comm) == 0) { /* one writer: the others hold the same state */
            to.after_epoch = codec_ckpt_save;
            to.after_epoch_ctx = &ck;
        }
    }
    if (dp && (st = dp_calibrate(o, n, &to, rep, err)))
        goto fail;
    if ((st = lgc_model_train(&m, x->pix, data->y.y, n, &to, log_epoch, &elog, err)))
        goto fail;
    rep->train_seconds = lgc_now() - t0;
    rep->final_loss = elog.n ? elog.loss[elog.n - 1] : NAN;
    z = malloc(n * L * sizeof *z);
    mix = malloc(n ? n : 1);
    if (!z || !mix) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "compress: out of memory");
        goto fail;
    }
    /* the mixtures' training points: the code, mu or one sample z (model.h says why mu) */
    if ((st = lgc_model_encode_ranks(&m, x->pix, data->y.y, n, o->fit_on, o->train.seed,
                                      o->train.comm, z, err)))
        goto fail;
    for (size_t i = 0; i < n; i++)
        counts[data->y.y[i]]++;
    /* the codes by mixture, mixture mi at zc + moff[mi] * L: sorted in place,
     * or copied when z must stay in image order (kept codes) */
    mixture_offsets(data->y.y, o->groups, n, rep, mix, moff);
    if (o->keep_codes) {
        if (!(zc = malloc(n * L * sizeof *zc))) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "compress: out of memory");
            goto fail;
        }
        size_t next[LGC_MAX_GROUPS]; /* one pass: each row to its mixture's next place */
        memcpy(next, moff, M * sizeof *next);
        for (size_t i = 0; i < n; i++)
            memcpy(zc + (next[mix[i]]++) * L, z + i * L, L * sizeof *zc);
    } else {
        if ((st = sort_by_mixture(z, mix, n, L, moff, M, err)))
            goto fail;
        zc = z, z = NULL;
    }
    free(mix);
    mix = NULL;

    double tg = lgc_now();
    size_t n_counted = n; /* the images the priors are counted over (noisy with DP) */
    if (dp && (st = dp_mixtures(o, zc, moff, L, rep, gm, counts, &n_counted, err)))
        goto fail;
    /* one mixture per class, or per group (plan_mixtures checked that every
     * class has images and every group one class), all swept at once */
    if (!dp) {
        const float **sets = malloc(M * sizeof *sets);
        size_t *nm = malloc(M * sizeof *nm), *kc = malloc(M * sizeof *kc);
        uint64_t *seeds = malloc(M * sizeof *seeds);
        double *bic = malloc(M * o->gmm.k_max * sizeof *bic);
        if (!sets || !nm || !kc || !seeds || !bic)
            st = lgc_err_set(err, LGC_ERR_NOMEM, "compress: out of memory");
        for (size_t mi = 0; st == LGC_OK && mi < M; mi++) {
            sets[mi] = zc + moff[mi] * L;
            nm[mi] = moff[mi + 1] - moff[mi];
            seeds[mi] = o->gmm.seed + 1000 * mi;
        }
        if (st == LGC_OK)
            st = sweep_ranks(o->train.comm, M, sets, nm, L, seeds, &o->gmm, gm, bic, kc,
                             progress, ctx, err);
        for (size_t mi = 0; st == LGC_OK && mi < M; mi++) {
            for (size_t k = 0; k < LGC_CODEC_KMAX; k++)
                rep->bic[mi][k] = k < o->gmm.k_max ? bic[mi * o->gmm.k_max + k] : NAN;
            rep->k[mi] = rep->k_bic[mi] = kc[mi];
        }
        free(sets), free(nm), free(kc), free(seeds), free(bic);
        if (st != LGC_OK)
            goto fail;
    }
    if ((st = codec_assemble(o, &m, x, counts, n_counted, n_classes, rep, gm, &p, err)) ||
        (dp && (st = dp_keys(p, o, rep, err))))
        goto fail;
    if (o->budget && (st = fit_budget(o, &m, x, counts, n, n_classes, zc, moff, gm, &p, rep,
                                      err)))
        goto fail;
    rep->gmm_seconds = lgc_now() - tg;
    if (o->keep_codes) {
        rep->codes = z, rep->n_codes = n, rep->latent = L;
        z = NULL;
    }
    if (o->keep_side) {
        size_t km = o->gmm.k_max;
        if (!(bic_flat = malloc(n_classes * km * sizeof *bic_flat))) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "compress: out of memory");
            goto fail;
        }
        for (size_t c = 0; c < n_classes; c++)
            memcpy(bic_flat + c * km, rep->bic[c], km * sizeof *bic_flat);
        if ((st = lgc_side_build(&m, n_classes, rep->k, km, bic_flat, elog.loss, elog.n,
                                 o->created, &rep->side, err)))
            goto fail;
    }
    *out = p;
    p = NULL;
fail:
    if (st) {
        lgc_pkg_free(rep->side);
        rep->side = NULL;
    }
    for (size_t mi = 0; mi < M; mi++)
        lgc_gmm_free(&gm[mi]);
    free(gm);
    lgc_pkg_free(p);
    free(z), free(zc), free(mix), free(bic_flat);
    free(elog.loss);
    lgc_model_free(&m);
    return st;
}

