/* api.c - the stable C entry point for other languages (see include/lgc/api.h):
 * key=value options onto the library's option structs, opaque sets and
 * packages, and the cancel flag polled between epochs, blocks and seeds. */
#include "lgc/api.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lgc/codec.h"
#include "lgc/data.h"
#include "lgc/io.h"
#include "lgc/seeds.h"
#include "lgc/tensor.h"

int lgc_api_version(void) { return LGC_API_VERSION; }

static int cancelled(const int *cancel)
{
    return cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED) != 0;
}

static lgc_status cancel_status(lgc_err *err)
{
    return lgc_err_set(err, LGC_ERR_CANCELLED, "cancelled; nothing was written");
}

/* ---- options ---------------------------------------------------------------- */

typedef enum { O_SIZE, O_INT, O_U64, O_DOUBLE, O_FLOAT, O_BYTES, O_CHOICE, O_STR, O_FLAG } opt_kind;

typedef struct {
    const char *key; /* as the command line spells it, without "--" */
    opt_kind kind;
    void *dest;
    double lo, hi;
    const char *const *choices;
    int *given;
} api_opt;

/* "fit-on" and "fit_on" are one key. */
static int key_is(const char *a, size_t n, const char *key)
{
    size_t i = 0;
    for (; i < n && key[i]; i++) {
        char x = a[i] == '-' ? '_' : a[i], y = key[i] == '-' ? '_' : key[i];
        if (x != y)
            return 0;
    }
    return i == n && key[i] == '\0';
}

static lgc_status set_value(const api_opt *o, const char *v, lgc_err *err)
{
    char *end = NULL;
    errno = 0;
    switch (o->kind) {
    case O_STR:
        *(const char **)o->dest = v;
        return LGC_OK;
    case O_FLAG:
        if (strcmp(v, "0") && strcmp(v, "1"))
            return lgc_err_set(err, LGC_ERR_ARG, "option %s: '%s' is not 0 or 1", o->key, v);
        *(int *)o->dest = v[0] == '1';
        return LGC_OK;
    case O_CHOICE:
        for (int i = 0; o->choices[i]; i++)
            if (strcmp(v, o->choices[i]) == 0) {
                *(int *)o->dest = i;
                return LGC_OK;
            }
        return lgc_err_set(err, LGC_ERR_ARG, "option %s: unknown value '%s'", o->key, v);
    case O_U64:
    case O_SIZE:
    case O_INT:
    case O_BYTES: {
        if (*v < '0' || *v > '9')
            return lgc_err_set(err, LGC_ERR_ARG, "option %s: '%s' is not a number", o->key, v);
        unsigned long long x = strtoull(v, &end, 10);
        int shift = 0;
        if (o->kind == O_BYTES && *end && !end[1] && strchr("KMGT", *end))
            shift = 10 * (int)(strchr("KMGT", *end) - "KMGT" + 1), end++;
        if (*end || errno == ERANGE || (shift && x > (~0ULL >> shift)))
            return lgc_err_set(err, LGC_ERR_ARG, "option %s: '%s' is not a whole number%s",
                               o->key, v, o->kind == O_BYTES ? " of bytes" : "");
        x <<= shift;
        if (o->kind != O_U64 && ((double)x < o->lo || (double)x > o->hi))
            return lgc_err_set(err, LGC_ERR_ARG, "option %s: %s is outside %g..%g", o->key, v,
                               o->lo, o->hi);
        if (o->kind == O_U64 || o->kind == O_BYTES)
            *(uint64_t *)o->dest = x;
        else if (o->kind == O_SIZE)
            *(size_t *)o->dest = (size_t)x;
        else
            *(int *)o->dest = (int)x;
        return LGC_OK;
    }
    case O_DOUBLE:
    case O_FLOAT: {
        double x = strtod(v, &end);
        if (!*v || *end || !isfinite(x) || x < o->lo || x > o->hi)
            return lgc_err_set(err, LGC_ERR_ARG, "option %s: '%s' is not a number in %g..%g",
                               o->key, v, o->lo, o->hi);
        if (o->kind == O_DOUBLE)
            *(double *)o->dest = x;
        else
            *(float *)o->dest = (float)x;
        return LGC_OK;
    }
    }
    return lgc_err_set(err, LGC_ERR_INTERNAL, "option %s: unknown kind", o->key);
}

/* Parse text ("key=value" lines) into the table. *copy keeps the text the
 * string options point into; the caller frees it. */
static lgc_status parse_options(const char *text, const api_opt *t, size_t n, char **copy,
                                lgc_err *err)
{
    *copy = NULL;
    if (!text)
        return LGC_OK;
    size_t len = strlen(text);
    char *s = malloc(len + 1);
    if (!s)
        return lgc_err_set(err, LGC_ERR_NOMEM, "options: out of memory");
    memcpy(s, text, len + 1);
    *copy = s;
    for (char *line = s; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (*line) {
            char *eq = strchr(line, '=');
            if (!eq)
                return lgc_err_set(err, LGC_ERR_ARG, "options: '%s' is not key=value", line);
            size_t k = 0;
            while (k < n && !key_is(line, (size_t)(eq - line), t[k].key))
                k++;
            if (k == n) {
                *eq = '\0';
                return lgc_err_set(err, LGC_ERR_ARG, "options: unknown option '%s'", line);
            }
            lgc_status st = set_value(&t[k], eq + 1, err);
            if (st != LGC_OK)
                return st;
            if (t[k].given)
                *t[k].given = 1;
        }
        line = next;
    }
    return LGC_OK;
}

#define N_OPTS(t) (sizeof(t) / sizeof *(t))

/* ---- labelled sets ---------------------------------------------------------- */

struct lgc_api_set {
    lgc_dataset d;
};

static const char *const layout_names[] = {"auto", "nhwc", "nchw", NULL};

lgc_status lgc_api_load(const char *images, const char *labels, const char *layout,
                        lgc_api_set **out, lgc_err *err)
{
    *out = NULL;
    int lay = 0;
    api_opt o = {"layout", O_CHOICE, &lay, 0, 0, layout_names, NULL};
    lgc_status st;
    if (layout && (st = set_value(&o, layout, err)))
        return st;
    lgc_api_set *s = calloc(1, sizeof *s);
    if (!s)
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", images);
    if ((st = lgc_dataset_load_layout(images, labels, 0, (lgc_layout)lay, &s->d, err))) {
        free(s);
        return st;
    }
    *out = s;
    return LGC_OK;
}

void lgc_api_set_shape(const lgc_api_set *s, size_t *shape, size_t *n_classes)
{
    shape[0] = s->d.x.n, shape[1] = s->d.x.h, shape[2] = s->d.x.w, shape[3] = s->d.x.c;
    *n_classes = s->d.n_classes;
}

void lgc_api_set_copy(const lgc_api_set *s, uint8_t *pix, uint8_t *labels)
{
    if (pix)
        memcpy(pix, s->d.x.pix, s->d.x.n * s->d.x.h * s->d.x.w * s->d.x.c);
    if (labels)
        memcpy(labels, s->d.y.y, s->d.y.n);
}

void lgc_api_set_free(lgc_api_set *s)
{
    if (!s)
        return;
    lgc_dataset_free(&s->d);
    free(s);
}

/* ---- packages --------------------------------------------------------------- */

struct lgc_api_pkg {
    lgc_pkg *p;
    lgc_codec c;
    uint64_t file_bytes;
};

lgc_status lgc_api_open(const char *path, uint64_t max_memory, lgc_api_pkg **out, lgc_err *err)
{
    *out = NULL;
    lgc_pkg_limits lim;
    lgc_pkg_limits_default(&lim);
    uint64_t cap = LGC_CODEC_MEMORY_DEFAULT;
    if (max_memory)
        lim.max_data_bytes = cap = max_memory;
    lgc_api_pkg *h = calloc(1, sizeof *h);
    if (!h)
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", path);
    lgc_status st = lgc_pkg_read_file(path, &lim, &h->p, err);
    size_t batch = 4096; /* as lgc decompress: halved while over the default cap */
    if (st == LGC_OK)
        st = lgc_codec_open_capped(&h->c, h->p, path, batch, cap, err);
    while (st == LGC_ERR_LIMIT && h->p && !max_memory && batch > 64)
        st = lgc_codec_open_capped(&h->c, h->p, path, batch /= 2, cap, err);
    if (st != LGC_OK) {
        lgc_pkg_free(h->p);
        free(h);
        return st;
    }
    struct stat sb;
    h->file_bytes = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    *out = h;
    return LGC_OK;
}

void lgc_api_pkg_shape(const lgc_api_pkg *p, size_t *shape, size_t *n_classes)
{
    shape[0] = p->c.h, shape[1] = p->c.w, shape[2] = p->c.c;
    *n_classes = p->c.n_classes;
}

void lgc_api_close(lgc_api_pkg *p)
{
    if (!p)
        return;
    lgc_codec_free(&p->c);
    lgc_pkg_free(p->p);
    free(p);
}

/* Text that grows past cap only in its count: describe sizes itself. */
typedef struct {
    char *buf;
    size_t cap, len;
} text;

static void put(text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *at = t->len < t->cap ? t->buf + t->len : NULL;
    int k = vsnprintf(at, at ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    if (k > 0)
        t->len += (size_t)k;
}

static void put_str(text *t, const char *s)
{
    for (; *s; s++)
        put(t, *s == '\\' ? "\\\\" : *s == '\n' ? "\\n" : "%c", *s);
}

static void put_sizes(text *t, const char *key, const size_t *v, size_t n)
{
    put(t, "%s=", key);
    for (size_t i = 0; i < n; i++)
        put(t, "%s%zu", i ? "," : "", v[i]);
    put(t, "\n");
}

static void put_doubles(text *t, const char *key, const double *v, size_t n)
{
    put(t, "%s=", key);
    for (size_t i = 0; i < n; i++)
        put(t, "%s%.17g", i ? "," : "", v[i]);
    put(t, "\n");
}

size_t lgc_api_pkg_describe(const lgc_api_pkg *p, char *buf, size_t cap)
{
    text t = {buf, cap, 0};
    const lgc_codec *c = &p->c;
    size_t M = c->n_mix, d = c->latent, gmm_params = 0;
    size_t *k = malloc((M ? M : 1) * 3 * sizeof *k), *mc = k ? k + M : NULL, *mg = k ? k + 2 * M : NULL;
    lgc_pkg_info info;
    lgc_err err;
    int have_info = lgc_pkg_get_info(p->p, &info, &err) == LGC_OK;
    put(&t, "package_bytes=%llu\n", (unsigned long long)p->file_bytes);
    if (have_info)
        put(&t, "format=%u.%u\nzstd_level=%d\n", info.version_major, info.version_minor,
            info.zstd_level);
    put(&t, "model=%s\nlatent=%zu\nhidden=%zu\nimage_shape=%zu,%zu,%zu\nn_classes=%zu\n",
        lgc_model_name(c->kind), c->latent, c->hidden, c->h, c->w, c->c, c->n_classes);
    put_doubles(&t, "class_priors", c->priors, c->n_classes);
    put(&t, "n_mixtures=%zu\ngrouped=%d\n", M, c->grouped);
    for (size_t m = 0; k && m < M; m++) {
        k[m] = c->gmm[m].k, mc[m] = c->mix_class[m], mg[m] = c->mix_group[m];
        gmm_params += c->gmm[m].k * (1 + d + d * (d + 1) / 2);
    }
    if (k) {
        put_sizes(&t, "k", k, M);
        put_sizes(&t, "mixture_class", mc, M);
        put_sizes(&t, "mixture_group", mg, M);
    }
    put_doubles(&t, "mixture_priors", c->mix_prior, M);
    put(&t, "decoder_params=%zu\ngmm_params=%zu\n", c->dec.n_params, gmm_params);
    free(k);
    for (size_t i = 0; i < lgc_pkg_n_kv(p->p); i++) {
        const lgc_pkg_kv *kv = lgc_pkg_kv_at(p->p, i);
        put(&t, "key.");
        put_str(&t, kv->key);
        put(&t, "=");
        switch (kv->type) {
        case LGC_KV_U64: put(&t, "%llu", (unsigned long long)kv->v.u64); break;
        case LGC_KV_I64: put(&t, "%lld", (long long)kv->v.i64); break;
        case LGC_KV_F64: put(&t, "%.17g", kv->v.f64); break;
        case LGC_KV_STR: put_str(&t, kv->v.str); break;
        case LGC_KV_F64_ARRAY:
            for (size_t j = 0; j < kv->n; j++)
                put(&t, "%s%.17g", j ? "," : "", kv->v.f64s[j]);
            break;
        case LGC_KV_U64_ARRAY:
            for (size_t j = 0; j < kv->n; j++)
                put(&t, "%s%llu", j ? "," : "", (unsigned long long)kv->v.u64s[j]);
            break;
        }
        put(&t, "\n");
    }
    if (cap)
        buf[t.len < cap ? t.len : cap - 1] = '\0';
    return t.len;
}

static const char *const order_names[] = {"shuffled", "class", NULL};
static const char *const balance_names[] = {"prior", "classes", "groups", NULL};

typedef struct {
    int order, balance, force;
    size_t threads;
} decompress_opts;

static lgc_status decompress_options(const lgc_api_pkg *p, const char *options,
                                     decompress_opts *d, lgc_err *err)
{
    char *copy = NULL;
    d->order = LGC_ORDER_SHUFFLED, d->balance = LGC_BALANCE_PRIOR, d->force = 0, d->threads = 2;
    const api_opt t[] = {
        {"order", O_CHOICE, &d->order, 0, 0, order_names, NULL},
        {"balance", O_CHOICE, &d->balance, 0, 0, balance_names, NULL},
        {"threads", O_SIZE, &d->threads, 1, 256, NULL, NULL},
        {"force", O_FLAG, &d->force, 0, 0, NULL, NULL},
    };
    lgc_status st = parse_options(options, t, N_OPTS(t), &copy, err);
    free(copy);
    if (st == LGC_OK && d->balance == LGC_BALANCE_GROUPS && !p->c.grouped)
        st = lgc_err_set(err, LGC_ERR_ARG, "balance groups needs a package compressed with "
                         "groups; this one has one mixture per class");
    return st;
}

typedef struct {
    uint8_t *x, *y;
    size_t pos, img;
    const int *cancel;
} mem_sink;

static lgc_status to_memory(void *ctx, const uint8_t *pix, const uint8_t *lab, size_t nb,
                            lgc_err *err)
{
    mem_sink *s = ctx;
    if (cancelled(s->cancel))
        return cancel_status(err);
    memcpy(s->x + s->pos * s->img, pix, nb * s->img);
    memcpy(s->y + s->pos, lab, nb);
    s->pos += nb;
    return LGC_OK;
}

lgc_status lgc_api_decompress(lgc_api_pkg *p, size_t n, uint64_t seed, const char *options,
                              uint8_t *pix, uint8_t *labels, const int *cancel, lgc_err *err)
{
    decompress_opts d;
    lgc_status st = decompress_options(p, options, &d, err);
    if (st != LGC_OK)
        return st;
    if (n < 1)
        return lgc_err_set(err, LGC_ERR_ARG, "decompress: n must be at least 1");
    lgc_threads_set((int)d.threads);
    mem_sink s = {pix, labels, 0, p->c.c * p->c.h * p->c.w, cancel};
    return lgc_codec_decompress_sink(&p->c, n, seed, (lgc_balance)d.balance, (lgc_order)d.order,
                                     to_memory, &s, NULL, NULL, err);
}

/* The file writers take no sink: their progress callback sees every block,
 * but cannot stop them; a cancel is checked before and after. */
lgc_status lgc_api_decompress_to(lgc_api_pkg *p, size_t n, uint64_t seed, const char *format,
                                 const char *out, const char *options, const int *cancel,
                                 lgc_err *err)
{
    static const char *const formats[] = {"idx", "npy", "png-folder", NULL};
    int fmt = 0;
    decompress_opts d;
    api_opt f = {"format", O_CHOICE, &fmt, 0, 0, formats, NULL};
    lgc_status st = set_value(&f, format ? format : "idx", err);
    if (st == LGC_OK)
        st = decompress_options(p, options, &d, err);
    if (st != LGC_OK)
        return st;
    if (n < 1)
        return lgc_err_set(err, LGC_ERR_ARG, "decompress: n must be at least 1");
    if (cancelled(cancel))
        return cancel_status(err);
    lgc_threads_set((int)d.threads);
    if (fmt == 2)
        return lgc_codec_decompress_folder(&p->c, n, seed, (lgc_balance)d.balance,
                                           (lgc_order)d.order, out, d.force, NULL, NULL, err);
    return lgc_codec_decompress_files(&p->c, n, seed, (lgc_balance)d.balance, (lgc_order)d.order,
                                      out, (lgc_file_format)fmt, d.force, NULL, NULL, err);
}

/* ---- compress --------------------------------------------------------------- */

static const char *const fit_names[] = {"mu", "z", NULL};
static const char *const form_names[] = {"out", "in", NULL};
static const char *const ksel_names[] = {"argmin", "greedy", NULL};
static const char *const prec2_names[] = {"f32", "f64", NULL};
static const char *const prec_names[] = {"f16", "f32", NULL};
static const char *const dec_names[] = {"int8", "f16", "f32", NULL};

typedef struct {
    lgc_compress_opts o;
    int model, loss, fit, form, ksel, emprec, prec, dec, sized, force, no_encoder;
    int batch_given, epochs_given, lr_given, latent_given; /* else DP picks its own */
    int dp_given; /* an option below dp_epsilon given: refused without it */
    size_t classes, threads;
    uint64_t budget;
    const char *ckdir, *encp, *created;
    char *ckpath, *encbuf;
    char *copy; /* the options text the strings point into */
} compress_args;

static lgc_status compress_options(const char *options, compress_args *a, lgc_err *err)
{
    lgc_compress_opts *o = &a->o;
    lgc_compress_opts_default(o);
    a->model = LGC_MODEL_AE, a->loss = -1, a->ksel = o->gmm.select;
    a->emprec = o->gmm.precision == LGC_GMM_F64, a->threads = 2;
    const api_opt t[] = {
        {"model", O_CHOICE, &a->model, 0, 0, lgc_model_names(), NULL},
        {"epochs", O_SIZE, &o->train.epochs, 0, 100000, NULL, &a->epochs_given},
        {"batch", O_SIZE, &o->train.batch, 1, 65536, NULL, &a->batch_given},
        {"lr", O_FLOAT, &o->train.lr, 1e-8, 10.0, NULL, &a->lr_given},
        {"loss", O_CHOICE, &a->loss, 0, 0, lgc_loss_names(), NULL},
        {"hidden", O_SIZE, &o->hidden, 1, 65536, NULL, &a->sized},
        {"latent", O_SIZE, &o->latent, 1, 1024, NULL, &a->latent_given},
        {"fit_on", O_CHOICE, &a->fit, 0, 0, fit_names, NULL},
        {"supcon_weight", O_FLOAT, &o->train.supcon_weight, 0.0, 1e5, NULL, NULL},
        {"supcon_form", O_CHOICE, &a->form, 0, 0, form_names, NULL},
        {"supcon_temp", O_FLOAT, &o->train.supcon_temp, 1e-3, 100.0, NULL, NULL},
        {"kmax", O_SIZE, &o->gmm.k_max, 1, LGC_CODEC_KMAX, NULL, NULL},
        {"budget", O_BYTES, &a->budget, 0, 0, NULL, NULL},
        {"k_select", O_CHOICE, &a->ksel, 0, 0, ksel_names, NULL},
        {"n_init", O_INT, &o->gmm.n_init, 1, 100, NULL, NULL},
        {"em_precision", O_CHOICE, &a->emprec, 0, 0, prec2_names, NULL},
        {"refine", O_DOUBLE, &o->gmm.refine_margin, 0.0, 1e6, NULL, NULL},
        {"abandon", O_DOUBLE, &o->gmm.abandon_margin, 0.0, 1e6, NULL, NULL},
        {"precision", O_CHOICE, &a->prec, 0, 0, prec_names, NULL},
        {"decoder", O_CHOICE, &a->dec, 0, 0, dec_names, &a->sized},
        {"zstd", O_INT, &o->zstd_level, 0, 22, NULL, NULL},
        {"classes", O_SIZE, &a->classes, 0, LGC_MAX_CLASSES, NULL, NULL},
        {"checkpoint", O_STR, &a->ckdir, 0, 0, NULL, NULL},
        {"save_encoder", O_STR, &a->encp, 0, 0, NULL, NULL},
        {"no_encoder", O_FLAG, &a->no_encoder, 0, 0, NULL, NULL},
        {"seed", O_U64, &o->train.seed, 0, 0, NULL, NULL},
        {"threads", O_SIZE, &a->threads, 1, 256, NULL, NULL},
        {"created", O_STR, &a->created, 0, 0, NULL, NULL},
        {"force", O_FLAG, &a->force, 0, 0, NULL, NULL},
        {"dp_epsilon", O_DOUBLE, &o->dp_epsilon, 0.01, 1000.0, NULL, NULL},
        {"dp_delta", O_DOUBLE, &o->dp_delta, 1e-12, 0.1, NULL, &a->dp_given},
        {"dp_clip", O_FLOAT, &o->dp_clip, 1e-6, 1e6, NULL, &a->dp_given},
        {"dp_ema", O_FLOAT, &o->train.dp_ema, 0.0, 0.99999, NULL, &a->dp_given},
        {"dp_k", O_SIZE, &o->dp_k, 1, 32, NULL, &a->dp_given},
        {"dp_mixture_share", O_DOUBLE, &o->dp_gmm_share, 0.001, 0.999, NULL, &a->dp_given},
        {"dp_code_clip", O_DOUBLE, &o->dp_code_clip, 0.0, 1e9, NULL, &a->dp_given},
    };
    lgc_status st = parse_options(options, t, N_OPTS(t), &a->copy, err);
    if (st != LGC_OK)
        return st;
    /* as cmd_compress.c maps its table onto the options */
    if (a->dp_given && !(o->dp_epsilon > 0.0))
        return lgc_err_set(err, LGC_ERR_ARG, "options: dp_delta, dp_clip, dp_k, dp_ema, "
                           "dp_mixture_share and dp_code_clip need dp_epsilon (a DP package)");
    a->sized |= a->latent_given;
    o->model = (lgc_model_kind)lgc_model_from_name(lgc_model_names()[a->model]);
    if (a->loss >= 0)
        o->train.loss = a->loss == 0 ? LGC_LOSS_BCE : LGC_LOSS_MSE;
    o->fit_on = a->fit ? LGC_FIT_Z : LGC_FIT_MU;
    o->train.supcon_form = a->form ? LGC_SUPCON_IN : LGC_SUPCON_OUT;
    o->gmm.select = (lgc_ksel)a->ksel;
    o->gmm.precision = a->emprec ? LGC_GMM_F64 : LGC_GMM_F32;
    o->param_dtype = a->prec ? LGC_DT_F32 : LGC_DT_F16;
    o->decoder_dtype = a->dec == 0 ? LGC_DT_I8 : a->dec == 1 ? LGC_DT_F16 : LGC_DT_F32;
    o->gmm.seed = o->train.seed;
    o->created = a->created;
    if (lgc_model_family_get((int)o->model)->variational && o->train.loss == LGC_LOSS_MSE)
        return lgc_err_set(err, LGC_ERR_ARG, "loss mse: model %s needs the BCE loss",
                           lgc_model_name(o->model));
    if (a->encp && a->no_encoder)
        return lgc_err_set(err, LGC_ERR_ARG, "save_encoder and no_encoder contradict each other");
    return LGC_OK;
}

/* The outputs: the side file's name, and both creatable (not existing
 * without force) before any training; the checkpoint folder made. */
static lgc_status compress_outputs(const char *out, compress_args *a, lgc_err *err)
{
    struct stat sb;
    if (stat(out, &sb) == 0 && S_ISDIR(sb.st_mode))
        return lgc_err_set(err, LGC_ERR_IO, "%s: is a folder; give a file name for the package",
                           out);
    if (!a->encp && !a->no_encoder) { /* OUT.enc beside OUT.lgc, as lgc compress */
        size_t len = strlen(out);
        if (!(a->encbuf = malloc(len + 8)))
            return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", out);
        int lgc = len >= 4 && strcmp(out + len - 4, ".lgc") == 0;
        snprintf(a->encbuf, len + 8, "%.*s.enc", (int)(lgc ? len - 4 : len), out);
        a->encp = a->encbuf;
    }
    if (a->encp && strcmp(a->encp, out) == 0)
        return lgc_err_set(err, LGC_ERR_ARG, "the encoder side file and the package are one file");
    const char *paths[2] = {out, a->encp};
    for (int i = 0; i < 2; i++) {
        lgc_afile probe;
        if (!paths[i])
            continue;
        if (!a->force && access(paths[i], F_OK) == 0)
            return lgc_err_set(err, LGC_ERR_IO, "%s: already exists (use force=1 to overwrite)",
                               paths[i]);
        lgc_status st = lgc_afile_open(&probe, paths[i], a->force, err);
        if (st != LGC_OK)
            return st;
        lgc_afile_abort(&probe);
    }
    if (a->ckdir) {
        if (stat(a->ckdir, &sb) != 0 && mkdir(a->ckdir, 0755) != 0)
            return lgc_err_set(err, LGC_ERR_IO, "%s: cannot create the checkpoint folder",
                               a->ckdir);
        if (stat(a->ckdir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return lgc_err_set(err, LGC_ERR_IO, "%s: not a folder", a->ckdir);
        size_t k = strlen(a->ckdir) + 32;
        if (!(a->ckpath = malloc(k)))
            return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", a->ckdir);
        snprintf(a->ckpath, k, "%s/lgc-checkpoint.lgc", a->ckdir);
        a->o.checkpoint_path = a->ckpath;
    }
    a->o.keep_side = a->encp != NULL;
    return LGC_OK;
}

typedef struct {
    lgc_api_progress_fn fn;
    void *ctx;
    const int *cancel;
} progress_relay;

static void relay(void *ctx, const lgc_progress *p)
{
    const progress_relay *r = ctx;
    if (r->fn)
        r->fn(r->ctx, p->stage, p->done, p->total, p->value);
}

/* After every epoch (training without a checkpoint): the cancel check. */
static lgc_status after_epoch(void *ctx, const struct lgc_model_s *m, size_t done, lgc_err *err)
{
    (void)m, (void)done;
    return cancelled(((const progress_relay *)ctx)->cancel) ? cancel_status(err) : LGC_OK;
}

lgc_status lgc_api_compress(const uint8_t *pix, size_t n, size_t h, size_t w, size_t c,
                            const uint8_t *labels, const char *out, const char *options,
                            lgc_api_progress_fn progress, void *ctx, const int *cancel,
                            lgc_err *err)
{
    compress_args a;
    memset(&a, 0, sizeof a);
    lgc_pkg *p = NULL;
    lgc_compress_report *rep = calloc(1, sizeof *rep); /* large: off the stack */
    progress_relay r = {progress, ctx, cancel};
    lgc_status st = rep ? LGC_OK : lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", out);
    if (st == LGC_OK && (!pix || !labels || !n || !h || !w || (c != 1 && c != 3)))
        st = lgc_err_set(err, LGC_ERR_ARG, "compress: images must be (n, h, w, c) with n, h, w "
                         "at least 1 and c 1 or 3 (got %zu, %zu, %zu, %zu)", n, h, w, c);
    if (st == LGC_OK)
        st = compress_options(options, &a, err);
    if (st == LGC_OK)
        st = compress_outputs(out, &a, err);
    if (st != LGC_OK)
        goto done;
    lgc_dataset d = {{n, h, w, c, (uint8_t *)pix}, {n, (uint8_t *)labels}, a.classes};
    if (!d.n_classes) /* inferred, as lgc compress */
        for (size_t i = 0; i < n; i++)
            d.n_classes = labels[i] >= d.n_classes ? (size_t)labels[i] + 1 : d.n_classes;
    if (a.budget) {
        a.o.budget = a.budget;
        if (a.o.model == LGC_MODEL_AE && !a.sized &&
            (st = lgc_budget_plan(a.budget, h, w, c, d.n_classes, &a.o, err)))
            goto done;
    }
    a.o.gmm.cancel = cancel; /* between the sweep's fits */
    if (!a.o.checkpoint_path) {
        a.o.train.after_epoch = after_epoch;
        a.o.train.after_epoch_ctx = &r;
    }
    lgc_threads_set((int)a.threads);
    if (a.o.dp_epsilon > 0.0) /* DP's own sizes, now that the images are counted */
        lgc_compress_opts_dp_sizes(&a.o, d.x.n, (a.batch_given ? LGC_DP_KEEP_BATCH : 0) |
                                              (a.epochs_given ? LGC_DP_KEEP_EPOCHS : 0) |
                                              (a.lr_given ? LGC_DP_KEEP_LR : 0) |
                                              (a.latent_given ? LGC_DP_KEEP_LATENT : 0));
    if ((st = lgc_compress(&d, d.n_classes, &a.o, relay, &r, &p, rep, err)))
        goto done;
    if (cancelled(cancel)) { /* during the mixtures: stop before writing */
        st = cancel_status(err);
        goto done;
    }
    if ((st = lgc_pkg_write_file(p, out, a.force, err)))
        goto done;
    if (a.encp && (st = lgc_pkg_write_file(rep->side, a.encp, a.force, err)))
        unlink(out); /* the package and its side file together, or neither */
done:
    if (rep) {
        free(rep->codes);
        lgc_pkg_free(rep->side);
    }
    free(rep);
    lgc_pkg_free(p);
    free(a.copy), free(a.ckpath), free(a.encbuf);
    return st;
}

/* ---- judges ----------------------------------------------------------------- */

static const char *const judge_names[] = {"paper-cnn", "lenet", "convnet3", NULL};

lgc_status lgc_api_eval(const uint8_t *train_pix, const uint8_t *train_labels, size_t n_train,
                        const uint8_t *test_pix, const uint8_t *test_labels, size_t n_test,
                        size_t h, size_t w, size_t c, const char *options, double *accuracy,
                        size_t n_acc, double *per_class, size_t *n_classes, const int *cancel,
                        lgc_err *err)
{
    lgc_judge_opts o;
    lgc_judge_opts_default(&o);
    int judge = (int)o.kind;
    size_t seeds = 3, classes = 0, threads = 2;
    char *copy = NULL;
    const api_opt t[] = {
        {"judge", O_CHOICE, &judge, 0, 0, judge_names, NULL},
        {"steps", O_SIZE, &o.steps, 1, 1e8, NULL, NULL},
        {"seeds", O_SIZE, &seeds, 1, LGC_JUDGE_MAX_SEEDS, NULL, NULL},
        {"seed", O_U64, &o.seed, 0, 0, NULL, NULL},
        {"classes", O_SIZE, &classes, 0, LGC_MAX_CLASSES, NULL, NULL},
        {"threads", O_SIZE, &threads, 1, 256, NULL, NULL},
    };
    lgc_status st = parse_options(options, t, N_OPTS(t), &copy, err);
    free(copy);
    if (st != LGC_OK)
        return st;
    if (n_acc < seeds)
        return lgc_err_set(err, LGC_ERR_ARG, "eval: room for %zu accuracies, %zu seeds", n_acc,
                           seeds);
    if (!n_train || !n_test || !h || !w || (c != 1 && c != 3))
        return lgc_err_set(err, LGC_ERR_ARG, "eval: empty sets or images of %zux%zux%zu", h, w,
                           c);
    if (!classes) /* inferred from both sets, as lgc eval */
        for (size_t i = 0; i < n_train + n_test; i++) {
            uint8_t y = i < n_train ? train_labels[i] : test_labels[i - n_train];
            classes = y >= classes ? (size_t)y + 1 : classes;
        }
    *n_classes = classes;
    o.kind = (lgc_judge_kind)judge;
    lgc_dataset tr = {{n_train, h, w, c, (uint8_t *)train_pix}, {n_train, (uint8_t *)train_labels},
                      classes};
    lgc_dataset te = {{n_test, h, w, c, (uint8_t *)test_pix}, {n_test, (uint8_t *)test_labels},
                      classes};
    lgc_judge_seeds_result *r = malloc(sizeof *r); /* large: off the stack */
    if (!r)
        return lgc_err_set(err, LGC_ERR_NOMEM, "eval: out of memory");
    lgc_threads_set((int)threads);
    /* seed by seed, as lgc_judge_seeds runs them (seed s: o.seed + s), so
     * that a cancel is seen between seeds */
    for (size_t s = 0; s < seeds && st == LGC_OK; s++) {
        lgc_judge_opts so = o;
        so.seed = o.seed + s;
        if (cancelled(cancel))
            st = cancel_status(err);
        else
            st = lgc_judge_seeds(&so, 1, &tr, &te, classes, NULL, NULL, r, NULL, NULL, err);
        if (st == LGC_OK) {
            accuracy[s] = r->accuracy[0];
            if (per_class)
                memcpy(per_class + s * classes, r->first.per_class, classes * sizeof *per_class);
        }
    }
    free(r);
    return st;
}
