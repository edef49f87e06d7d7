/* cmd_compress.c - `lgc compress`: a labelled image set becomes one package. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "lgc/codec.h"
#include "lgc/io.h"
#include "lgc/judge.h"
#include "lgc/subset.h"
#include "lgc/tensor.h"

static const char *const fit_names[] = {"mu", "z", NULL};
/* The options that only mean something with --dp-epsilon (compress_args.dp_given). */
static const char *const dp_option_names[] = {"--dp-delta", "--dp-clip", "--dp-mixture-share",
                                              "--dp-k", "--dp-ema", "--dp-code-clip"};
static const char *const form_names[] = {"out", "in", NULL};
static const char *const ksel_names[] = {"argmin", "greedy", NULL};
static const char *const emprec_names[] = {"f32", "f64", NULL};
static const char *const prec_names[] = {"f16", "f32", NULL};
static const char *const dec_names[] = {"int8", "f16", "f32", NULL};
/* In the order of lgc_layout. */
static const char *const layout_names[] = {"auto", "nhwc", "nchw", NULL};
/* In the order of lgc_subset_method. */
static const char *const exmethod_names[] = {"random", "crust", NULL};

#define MAX_EPOCH_LOG 1000

typedef struct {
    const char *imgs, *labs, *outp, *codes, *ckdir, *encp, *groupsp;
    char ckpath[4096], encbuf[4096], created[64];
    lgc_compress_opts o;
    size_t n_classes, threads, limit;
    int force, sized, no_encoder, teacher;
    size_t teacher_steps;
    lgc_net tnet;          /* the teacher, trained on the real set when --teacher */
    uint64_t teacher_bytes; /* its share of the package, encoded alone */
    uint64_t ex_budget;     /* --exemplars: bytes of real images (0: none) */
    int ex_method;          /* index into exmethod_names */
    float ex_share;         /* their share of decompressed sets (OPT_FLOAT writes a float) */
    int ex_method_given, ex_share_given; /* refused without --exemplars */
    int batch_given, epochs_given, lr_given, latent_given; /* else DP picks its own */
    int dp_given[6];        /* each of dp_option_names given: refused without --dp-epsilon */
    lgc_images ex;          /* the chosen real images (ex.n, h, w, c) */
    uint8_t *ex_lab;        /* (ex.n) */
    double ex_share_d;      /* ex_share as stored: rounded to 6 decimals */
    uint64_t ex_bytes;      /* their share of the package, encoded alone */
    int model, loss, fit, form, ksel, emprec, prec, dec, layout; /* indexes into the choice lists */
    uint64_t budget;
    cli_common c;
    /* filled while running: */
    double t0;
    double epoch_secs[MAX_EPOCH_LOG], epoch_loss[MAX_EPOCH_LOG];
    size_t n_epochs;
} compress_args;

static void on_progress(void *p, const lgc_progress *pr)
{
    compress_args *a = p;
    cli_common *c = &a->c;
    int lines = !c->quiet && !c->json && !c->progress; /* a line each, when not a terminal */
    if (!strcmp(pr->stage, "train")) {
        double el = lgc_now() - a->t0;
        if (a->n_epochs < MAX_EPOCH_LOG) {
            a->epoch_secs[a->n_epochs] = pr->seconds;
            a->epoch_loss[a->n_epochs++] = pr->value;
        }
        cli_progress(c, "compress: epoch %zu/%zu loss %.4f (%.2f s/epoch, eta %.0f s)", pr->done,
                     pr->total, pr->value, pr->seconds,
                     el / (double)pr->done * (double)(pr->total - pr->done));
        if (lines)
            fprintf(stderr, "compress: epoch %zu/%zu loss %.4f %.2f s\n", pr->done, pr->total,
                    pr->value, pr->seconds);
    } else if (!strcmp(pr->stage, "mixtures")) {
        /* mixtures finish in any order: done counts them, item names this one */
        cli_progress(c, "compress: mixtures: %zu/%zu, mixture %zu K=%.0f (%.1f s)", pr->done,
                     pr->total, pr->item, pr->value, pr->seconds);
        if (lines)
            fprintf(stderr, "compress: mixture %zu: K=%.0f (%.1f s)\n", pr->item, pr->value,
                    pr->seconds);
    }
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

static void print_json(const char *outp, const char *encp, const char *codes,
                       const lgc_compress_opts *o, const lgc_compress_report *rep,
                       const compress_args *h, uint64_t bytes, size_t n_images, size_t n_classes,
                       uint64_t budget, int grouped, double secs, size_t threads)
{
    cli_json j;
    cli_json_begin(&j, cli_cmd_compress.name);
    cli_json_str(&j, "package", outp);
    cli_json_u64(&j, "package_bytes", bytes);
    cli_json_str(&j, "encoder", encp);
    cli_json_str(&j, "codes", codes);
    cli_json_array(&j, "outputs");
    cli_json_str(&j, NULL, outp);
    if (encp)
        cli_json_str(&j, NULL, encp);
    if (codes)
        cli_json_str(&j, NULL, codes);
    cli_json_close(&j);
    cli_json_str(&j, "model", lgc_model_name(o->model));
    cli_json_str(&j, "loss", lgc_model_loss(o->model, &o->train) == LGC_LOSS_MSE ? "mse" : "bce");
    cli_json_str(&j, "decoder", lgc_pkg_dtype_name(o->decoder_dtype));
    cli_json_num(&j, "supcon_weight", (double)lgc_model_supcon_weight(o->model, &o->train), 6);
    cli_json_str(&j, "supcon_form", form_names[o->train.supcon_form == LGC_SUPCON_IN]);
    cli_json_str(&j, "fit_on", !lgc_model_family_get((int)o->model)->variational ? "code"
                               : o->fit_on == LGC_FIT_Z                          ? "z"
                                                                                 : "mu");
    cli_json_u64(&j, "latent", o->latent);
    cli_json_u64(&j, "hidden", o->hidden);
    cli_json_u64(&j, "epochs", o->train.epochs);
    cli_json_u64(&j, "seed", o->train.seed);
    cli_json_u64(&j, "n_images", n_images);
    cli_json_u64(&j, "n_classes", n_classes);
    cli_json_u64_or_null(&j, "budget", budget, budget);
    cli_json_str(&j, "teacher", h->teacher ? "paper-cnn" : NULL);
    cli_json_u64_or_null(&j, "teacher_bytes", h->teacher, h->teacher_bytes);
    int dp = o->dp_epsilon > 0.0;
    if (dp) {
        cli_json_num(&j, "dp_epsilon", rep->dp_epsilon, 4);
        cli_json_num(&j, "dp_delta", o->dp_delta, 12);
        cli_json_num(&j, "dp_sgd_noise", rep->dp_sgd_noise, 4);
        cli_json_num(&j, "dp_gmm_noise", rep->dp_gmm_noise, 4);
        cli_json_num(&j, "dp_code_clip", rep->dp_code_clip, 4);
        cli_json_num(&j, "dp_spread_clip", rep->dp_spread_clip, 4);
    } else {
        cli_json_null(&j, "dp_epsilon");
        cli_json_null(&j, "dp_delta");
        cli_json_null(&j, "dp_sgd_noise");
        cli_json_null(&j, "dp_gmm_noise");
        cli_json_null(&j, "dp_code_clip");
        cli_json_null(&j, "dp_spread_clip");
    }
    cli_json_u64_or_null(&j, "exemplars", h->ex.n, h->ex.n);
    cli_json_u64_or_null(&j, "exemplar_bytes", h->ex.n, h->ex_bytes);
    cli_json_str(&j, "exemplar_method", h->ex.n ? exmethod_names[h->ex_method] : NULL);
    if (h->ex.n)
        cli_json_num(&j, "exemplar_share", h->ex_share_d, 4);
    else
        cli_json_null(&j, "exemplar_share");
    /* per mixture: K in the package, K by BIC, and with groups which group
     * and class each mixture is */
    cli_json_sizes(&j, "k", rep->k, rep->n_mixtures);
    cli_json_sizes(&j, "k_bic", rep->k_bic, rep->n_mixtures);
    if (grouped) {
        cli_json_sizes(&j, "groups", rep->mix_group, rep->n_mixtures);
        cli_json_sizes(&j, "group_class", rep->mix_class, rep->n_mixtures);
    } else {
        cli_json_null(&j, "groups");
        cli_json_null(&j, "group_class");
    }
    cli_json_array(&j, "bic");
    for (size_t k = 0; k < rep->n_mixtures; k++)
        cli_json_nums(&j, NULL, rep->bic[k], o->gmm.k_max, 3);
    cli_json_close(&j);
    cli_json_nums(&j, "epoch_seconds", h->epoch_secs, h->n_epochs, 3);
    cli_json_nums(&j, "epoch_loss", h->epoch_loss, h->n_epochs, 4);
    cli_json_u64(&j, "resumed_epochs", rep->resumed_epochs);
    cli_json_num(&j, "train_seconds", rep->train_seconds, 2);
    cli_json_num(&j, "gmm_seconds", rep->gmm_seconds, 2);
    cli_json_num(&j, "seconds", secs, 2);
    cli_json_u64(&j, "threads", threads);
    cli_json_end(&j);
}

static int parse(compress_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    lgc_compress_opts_default(&a->o);
    a->n_classes = 0, a->threads = 2, a->teacher_steps = 9380; /* 0 classes: inferred */
    a->ex_share = 0.5f;
    a->model = LGC_MODEL_AE, a->loss = -1, a->ksel = a->o.gmm.select;
    a->emprec = a->o.gmm.precision == LGC_GMM_F64;
    cli_common_init(&a->c);
        const cli_option rows[] = {
            {.name = "--images", .kind = OPT_FILE, .meta = "F", .dest = &a->imgs, .flags = OPT_REQUIRED,
             .help = "training images: IDX or NPY (uint8, or float in [0,1]; (N,H,W), (N,H,W,C) or "
                     "(N,C,H,W)), or a folder of class folders of PNG or JPEG files (torchvision's "
                     "ImageFolder layout; classes in the byte order of the folder names)"},
            {.name = "--labels", .kind = OPT_FILE, .meta = "F", .dest = &a->labs,
             .def = "none for a folder of class folders; required otherwise",
             .help = "training labels (IDX or NPY, any integer type, values 0..255)"},
            {.name = "--layout", .kind = OPT_CHOICE, .meta = "L", .dest = &a->layout,
             .choices = layout_names,
             .help = "layout of a rank-4 NPY image array: auto (the one whose channel axis is 1 or "
                     "3; an error when both are) | nhwc | nchw"},
            CLI_ROW_OUTPUT(&a->outp, "F", "package to write"),
            CLI_ROW_FORCE(&a->force),
            {.name = "--save-encoder", .kind = OPT_FILE, .meta = "F", .dest = &a->encp,
             .def = "OUT.enc beside the package",
             .help = "where the encoder side file goes (the encoder, the BIC curves and the loss "
                     "per epoch; lgc report and lgc privacy read it; never needed to decompress)"},
            {.name = "--no-encoder", .kind = OPT_FLAG, .dest = &a->no_encoder,
             .help = "write no encoder side file"},
            {.name = "--teacher", .kind = OPT_FLAG, .dest = &a->teacher,
             .help = "also train a paper-cnn classifier on the real set and store it (int8, about "
                     "5 KB, counted in --budget); lgc decompress --soft-labels then writes its "
                     "probabilities for every regenerated image"},
            {.name = "--teacher-steps", .kind = OPT_SIZE, .meta = "N", .dest = &a->teacher_steps,
             .lo = 1, .hi = 10000000, .help = "the teacher's training steps at batch 64"},
            {.name = "--dp-epsilon", .kind = OPT_DOUBLE, .meta = "E", .dest = &a->o.dp_epsilon,
             .lo = 0.01, .hi = 1000.0, .def = "off",
             .help = "differential privacy: the package as a whole is (E, --dp-delta)-DP "
                     "(DP-SGD training, per-class mixtures by the Gaussian mechanism, the "
                     "noise set by an RDP accountant; docs/PRIVACY.md). Model ae only"},
            {.name = "--dp-delta", .given = &a->dp_given[0],
             .kind = OPT_DOUBLE, .meta = "D", .dest = &a->o.dp_delta,
             .lo = 1e-12, .hi = 0.1, .help = "delta of the guarantee (must be below 1/N)"},
            {.name = "--dp-clip", .given = &a->dp_given[1],
             .kind = OPT_FLOAT, .meta = "C", .dest = &a->o.dp_clip,
             .lo = 1e-6, .hi = 1e6, .help = "DP-SGD: each image's gradient clipped to L2 norm C"},
            {.name = "--dp-mixture-share", .given = &a->dp_given[2],
             .kind = OPT_DOUBLE, .meta = "S",
             .dest = &a->o.dp_gmm_share, .lo = 0.001, .hi = 0.999,
             .help = "the share of epsilon the mixtures and class counts get: DP-SGD alone gets "
                     "(1 - S) of it, the mixtures what is left"},
            {.name = "--dp-k", .given = &a->dp_given[3],
             .kind = OPT_SIZE, .meta = "K", .dest = &a->o.dp_k, .lo = 1,
             .hi = 32, .help = "DP mixtures: K components per class (centres by noisy Lloyd "
                     "iterations, one shared covariance; K is not chosen by BIC under DP)"},
            {.name = "--dp-ema", .given = &a->dp_given[4],
             .kind = OPT_FLOAT, .meta = "B", .dest = &a->o.train.dp_ema,
             .lo = 0.0, .hi = 0.99999, .def = "0 (off)",
             .help = "DP-SGD: the model is the moving average of every step's parameters, "
                     "decay B per step (post-processing: no privacy cost)"},
            {.name = "--dp-code-clip", .given = &a->dp_given[5],
             .kind = OPT_DOUBLE, .meta = "R", .dest = &a->o.dp_code_clip,
             .lo = 0.0, .hi = 1e9, .def = "chosen under DP",
             .help = "DP mixtures: each code clipped to L2 norm R for the class means (by "
                     "default a noisy 99th percentile of the codes' norms)"},
            {.name = "--exemplars", .kind = OPT_BYTES, .meta = "BYTES", .dest = &a->ex_budget,
             .def = "none",
             .help = "a hybrid package: also store real training images, as many as fit in BYTES "
                     "of the package (counted in --budget); lgc decompress mixes them into its "
                     "output. The package then holds real records: lgc info and lgc privacy say so"},
            {.name = "--exemplar-method", .kind = OPT_CHOICE, .meta = "M", .dest = &a->ex_method,
             .choices = exmethod_names, .given = &a->ex_method_given,
             .help = "how the real images are chosen: random (class-stratified) | crust (lgc "
                     "subset's k-medoids)"},
            {.name = "--exemplar-share", .kind = OPT_FLOAT, .meta = "X", .dest = &a->ex_share,
             .lo = 0.001, .hi = 1.0, .given = &a->ex_share_given,
             .help = "the share of every decompressed set the real images fill (each repeated "
                     "equally often)"},
            {.name = "--model", .kind = OPT_CHOICE, .meta = "NAME", .dest = &a->model,
             .choices = lgc_model_names(), .noun = "model", .help = "autoencoder (see below)"},
            {.name = "--epochs", .kind = OPT_SIZE, .meta = "N", .dest = &a->o.train.epochs, .lo = 0,
             .hi = 100000, .given = &a->epochs_given, .def = "20; 80 with --dp-epsilon",
             .help = "training epochs"},
            {.name = "--batch", .kind = OPT_SIZE, .meta = "N", .dest = &a->o.train.batch, .lo = 1,
             .hi = 65536, .given = &a->batch_given, .def = "256; 1024 with --dp-epsilon",
             .help = "training batch"},
            {.name = "--lr", .kind = OPT_FLOAT, .meta = "X", .dest = &a->o.train.lr, .lo = 1e-8,
             .hi = 10.0, .given = &a->lr_given, .def = "0.001; 0.002 with --dp-epsilon",
             .help = "Adam learning rate"},
            {.name = "--loss", .kind = OPT_CHOICE, .meta = "L", .dest = &a->loss,
             .choices = lgc_loss_names(),
             .def = "the model's: mse for ae and ae-supcon (the study's), bce for the rest",
             .help = "reconstruction loss; the VAE kinds need bce"},
            {.name = "--hidden", .kind = OPT_SIZE, .meta = "N", .dest = &a->o.hidden, .lo = 1,
             .hi = 65536, .given = &a->sized, .help = "hidden width; conv models: channels N/4 and N/2"},
            {.name = "--latent", .kind = OPT_SIZE, .meta = "D", .dest = &a->o.latent, .lo = 1,
             .hi = 1024, .given = &a->latent_given, .def = "64; with --dp-epsilon 32, or 16 for E < 2",
             .help = "latent size"},
            {.name = "--fit-on", .kind = OPT_CHOICE, .meta = "W", .dest = &a->fit, .choices = fit_names,
             .help = "VAE kinds: fit the mixtures to the means mu or to one sampled z per image"},
            {.name = "--supcon-weight", .kind = OPT_FLOAT, .meta = "W",
             .dest = &a->o.train.supcon_weight, .lo = 0.0, .hi = 1e5,
             .def = "the model's: 0.1 for ae-supcon, 20 for vae-supcon, 0 otherwise",
             .help = "weight of the contrastive loss"},
            {.name = "--supcon-form", .kind = OPT_CHOICE, .meta = "F", .dest = &a->form,
             .choices = form_names,
             .help = "out: average of the log terms over the positives (the paper's formula) | in: "
                     "sum of the positives inside the log (what the study's code ran)"},
            {.name = "--supcon-temp", .kind = OPT_FLOAT, .meta = "T", .dest = &a->o.train.supcon_temp,
             .lo = 1e-3, .hi = 100.0, .help = "contrastive temperature"},
            {.name = "--kmax", .kind = OPT_SIZE, .meta = "K", .dest = &a->o.gmm.k_max, .lo = 1,
             .hi = LGC_CODEC_KMAX, .help = "largest K tried per class"},
            {.name = "--budget", .kind = OPT_BYTES, .meta = "BYTES", .dest = &a->budget, .def = "",
             .help = "the package must fit in BYTES (digits, then optionally K, M or G: powers of "
                     "1024): for the ae model, unless --hidden, --latent or --decoder are given, the "
                     "sizes are planned for the budget; then K is lowered class by class (smallest "
                     "BIC loss first) until the package fits"},
            {.name = "--k-select", .kind = OPT_CHOICE, .meta = "R", .dest = &a->ksel,
             .choices = ksel_names,
             .help = "argmin (lowest BIC over 1..kmax) | greedy (stop at the first K whose BIC does "
                     "not improve, as the study's code)"},
            {.name = "--n-init", .kind = OPT_INT, .meta = "N", .dest = &a->o.gmm.n_init, .lo = 1,
             .hi = 100, .help = "EM restarts per K"},
            {.name = "--em-precision", .kind = OPT_CHOICE, .meta = "P", .dest = &a->emprec,
             .choices = emprec_names,
             .help = "f32 | f64: arithmetic of EM's two big products (sums, factors and "
                     "likelihoods stay double either way)"},
            {.name = "--refine", .kind = OPT_DOUBLE, .meta = "M", .dest = &a->o.gmm.refine_margin,
             .lo = 0.0, .hi = 1e6,
             .help = "after the sweep, run the fits within M BIC units per point of the best on to "
                     "tol 1e-5 and choose K again, as full EM runs would (argmin only); 0 = off"},
            {.name = "--abandon", .kind = OPT_DOUBLE, .meta = "M", .dest = &a->o.gmm.abandon_margin,
             .lo = 0.0, .hi = 1e6,
             .help = "fit each class's K in order and stop a fit still M BIC units per point "
                     "behind a smaller K's best after 12 EM steps (argmin only); 0 = off"},
            {.name = "--precision", .kind = OPT_CHOICE, .meta = "P", .dest = &a->prec,
             .choices = prec_names, .help = "mixtures and biases stored as f16 | f32"},
            {.name = "--decoder", .kind = OPT_CHOICE, .meta = "P", .dest = &a->dec, .choices = dec_names,
             .given = &a->sized,
             .help = "decoder weights stored as int8 (one scale per output row) | f16 | f32"},
            {.name = "--zstd", .kind = OPT_INT, .meta = "L", .dest = &a->o.zstd_level, .lo = 0, .hi = 22,
             .help = "zstd level for the package data, 0 = none"},
            {.name = "--classes", .kind = OPT_SIZE, .meta = "N", .dest = &a->n_classes, .lo = 1,
             .hi = LGC_MAX_CLASSES,
             .def = "inferred: the largest label + 1, or the number of class folders",
             .help = "number of classes; every class needs images"},
            {.name = "--groups", .kind = OPT_FILE, .meta = "F", .dest = &a->groupsp,
             .help = "one group id per image (uint8 IDX or NPY, e.g. SpuCo's label x 10 + colour): "
                     "fit one mixture per group instead of per class; every group must lie within "
                     "one class. lgc decompress --balance groups then regenerates the same number "
                     "of images of every group"},
            {.name = "--limit", .kind = OPT_SIZE, .meta = "N", .dest = &a->limit, .lo = 1,
             .hi = (double)((size_t)1 << 32), .def = "",
             .help = "use only the first N images (quick runs, tests)"},
            {.name = "--save-codes", .kind = OPT_FILE, .meta = "F", .dest = &a->codes,
             .help = "also write the latent codes (float32 NPY, n x latent)"},
            {.name = "--checkpoint", .kind = OPT_DIR, .meta = "DIR", .dest = &a->ckdir,
             .help = "save training state to DIR after every epoch; when DIR holds a checkpoint of "
                     "the same inputs, resume from it"},
            CLI_ROW_SEED(&a->o.train.seed, "training and EM"),
            CLI_ROWS_RUN(&a->threads, &a->c),
        };
    int rc = cli_parse(&cli_cmd_compress, rows, CLI_N_ROWS(rows), argc, argv, NULL, NULL);
    if (rc)
        return rc;
    lgc_compress_opts *o = &a->o;
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
    o->keep_codes = a->codes != NULL;
    o->gmm.seed = o->train.seed;
    if ((rc = cli_created(cli_cmd_compress.name, a->created, sizeof a->created)))
        return rc;
    o->created = a->created;
    return 0;
}

/* Usage errors and outputs that cannot be written, found before any training. */
static int check_outputs(compress_args *a)
{
    const char *cmd = cli_cmd_compress.name, *outp = a->outp;
    lgc_compress_opts *o = &a->o;
    struct stat sb;
    if (stat(outp, &sb) == 0 && S_ISDIR(sb.st_mode))
        return cli_fail(cmd, EXIT_DATA, "%s: is a folder; give a file name for the package", outp);
    if (lgc_model_family_get((int)o->model)->variational && o->train.loss == LGC_LOSS_MSE)
        return cli_fail(cmd, EXIT_USAGE, "--loss mse: model %s needs the BCE loss (its loss is a "
                        "likelihood)", lgc_model_name(o->model));
    if (!a->labs && !lgc_path_is_folder(a->imgs))
        return cli_fail(cmd, EXIT_USAGE, "--labels is required (unless --images is a folder of "
                        "class folders)");
    size_t n_dp = sizeof a->dp_given / sizeof *a->dp_given;
    for (size_t i = 0; !(a->o.dp_epsilon > 0.0) && i < n_dp; i++)
        if (a->dp_given[i])
            return cli_fail(cmd, EXIT_USAGE, "%s needs --dp-epsilon E (a DP package)",
                            dp_option_names[i]);
    if (!a->ex_budget && (a->ex_method_given || a->ex_share_given))
        return cli_fail(cmd, EXIT_USAGE, "%s needs --exemplars BYTES (a hybrid package)",
                        a->ex_method_given ? "--exemplar-method" : "--exemplar-share");
    if (a->encp && a->no_encoder)
        return cli_fail(cmd, EXIT_USAGE, "--save-encoder and --no-encoder contradict each other");
    if (a->encp && a->groupsp)
        return cli_fail(cmd, EXIT_USAGE, "--save-encoder describes per-class mixtures; it does "
                        "not go with --groups");
    if (!a->encp && !a->no_encoder && !a->groupsp) { /* the side file goes beside the package */
        cli_beside(outp, ".enc", a->encbuf, sizeof a->encbuf);
        a->encp = a->encbuf;
    }
    if (a->encp && strcmp(a->encp, outp) == 0)
        return cli_fail(cmd, EXIT_USAGE, "the encoder side file and -o name the same file");
    if (!a->force && exists(outp))
        return cli_fail(cmd, EXIT_DATA, "%s: already exists (use -f to overwrite)", outp);
    if (!a->force && a->encp && exists(a->encp))
        return cli_fail(cmd, EXIT_DATA, "%s: already exists (use -f to overwrite, or "
                        "--no-encoder)", a->encp);
    lgc_err err;
    lgc_afile probe; /* can the outputs be created? find out now, not after minutes of training */
    if (lgc_afile_open(&probe, outp, a->force, &err))
        return cli_fail_err(cmd, &err);
    lgc_afile_abort(&probe);
    if (a->encp && lgc_afile_open(&probe, a->encp, a->force, &err))
        return cli_fail_err(cmd, &err);
    lgc_afile_abort(&probe);
    if (a->ckdir) {
        struct stat cks;
        if (stat(a->ckdir, &cks) != 0 && mkdir(a->ckdir, 0755) != 0 && errno != EEXIST)
            return cli_fail(cmd, EXIT_DATA, "%s: cannot create the checkpoint folder", a->ckdir);
        if (stat(a->ckdir, &cks) != 0 || !S_ISDIR(cks.st_mode))
            return cli_fail(cmd, EXIT_DATA, "%s: not a folder", a->ckdir);
        if ((size_t)snprintf(a->ckpath, sizeof a->ckpath, "%s/lgc-checkpoint.lgc", a->ckdir) >=
            sizeof a->ckpath)
            return cli_fail(cmd, EXIT_USAGE, "--checkpoint: folder name too long");
        o->checkpoint_path = a->ckpath;
    }
    o->keep_side = a->encp != NULL;
    return 0;
}

/* --teacher: paper-cnn trained on the real set as the plain judge is
 * (docs/PROTOCOL.md §4), seeded by --seed; its bytes measured alone, so that
 * --budget can leave room for them. */
static int train_teacher(compress_args *a, const lgc_dataset *data)
{
    const char *cmd = cli_cmd_compress.name;
    lgc_err err;
    lgc_judge_opts jo;
    lgc_judge_opts_default(&jo);
    jo.steps = a->teacher_steps, jo.seed = a->o.train.seed;
    if (!a->c.quiet && !a->c.json)
        fprintf(stderr, "compress: teacher: paper-cnn, %zu steps on the %zu real images\n",
                jo.steps, data->x.n);
    if (lgc_judge_train(&jo, data, a->n_classes, &a->tnet, NULL, NULL, NULL, &err))
        return cli_fail_err(cmd, &err);
    lgc_pkg *t = lgc_pkg_new();
    size_t n = 0;
    if (!t)
        return cli_fail(cmd, EXIT_DATA, "out of memory");
    lgc_status st = lgc_codec_put_teacher(t, &a->tnet, "paper-cnn", &err);
    if (!st)
        st = lgc_pkg_encoded_size(t, &n, &err);
    lgc_pkg_free(t);
    if (st)
        return cli_fail_err(cmd, &err);
    a->teacher_bytes = n;
    return 0;
}

/* The real images of --exemplars into a->ex (their package bytes in
 * a->ex_bytes): lgc subset's choice for a byte budget (xz -9e of IDX files),
 * shrunk until their encoding in a package (zstd) fits --exemplars. */
static int choose_exemplars(compress_args *a, const lgc_dataset *data, int zstd_level)
{
    const char *cmd = cli_cmd_compress.name;
    lgc_err err;
    lgc_subset_opts so;
    lgc_subset_opts_default(&so);
    so.method = (lgc_subset_method)a->ex_method, so.seed = a->o.train.seed;
    so.budget = a->ex_budget;
    size_t img = data->x.h * data->x.w * data->x.c;
    a->ex_share_d = round((double)a->ex_share * 1e6) / 1e6; /* 0.3, not 0.30000001 */
    for (int tries = 0; tries < 8; tries++) {
        lgc_subset sub;
        if (lgc_subset_select(&so, data, &sub, NULL, NULL, &err))
            return cli_fail(cmd, EXIT_DATA, "--exemplars %llu: %s",
                            (unsigned long long)a->ex_budget, err.msg);
        free(a->ex.pix), free(a->ex_lab);
        a->ex = (lgc_images){sub.k, data->x.h, data->x.w, data->x.c, malloc(sub.k * img)};
        a->ex_lab = malloc(sub.k);
        if (!a->ex.pix || !a->ex_lab) {
            lgc_subset_free(&sub);
            return cli_fail(cmd, EXIT_DATA, "out of memory");
        }
        for (size_t i = 0; i < sub.k; i++) {
            memcpy(a->ex.pix + i * img, data->x.pix + (size_t)sub.idx[i] * img, img);
            a->ex_lab[i] = data->y.y[sub.idx[i]];
        }
        lgc_subset_free(&sub);
        lgc_pkg *t = lgc_pkg_new();
        size_t n = 0;
        if (!t)
            return cli_fail(cmd, EXIT_DATA, "out of memory");
        lgc_status st = lgc_pkg_set_compression(t, zstd_level, &err);
        if (!st)
            st = lgc_codec_put_exemplars(t, &a->ex, a->ex_lab, a->ex_share_d,
                                         exmethod_names[a->ex_method], &err);
        if (!st)
            st = lgc_pkg_encoded_size(t, &n, &err);
        lgc_pkg_free(t);
        if (st)
            return cli_fail_err(cmd, &err);
        a->ex_bytes = n;
        if (n <= a->ex_budget)
            break;
        /* zstd packs digits a little worse than xz: ask lgc subset for less */
        so.budget = (uint64_t)((double)so.budget * (double)a->ex_budget / (double)n * 0.995);
        if (tries == 7)
            return cli_fail(cmd, EXIT_DATA, "--exemplars %llu: the real images still take %zu "
                            "bytes in the package", (unsigned long long)a->ex_budget, n);
    }
    if (!a->c.quiet && !a->c.json)
        fprintf(stderr, "compress: exemplars: %zu real images (%s), %llu bytes, %.0f%% of "
                        "decompressed sets\n", a->ex.n, exmethod_names[a->ex_method],
                (unsigned long long)a->ex_bytes, 100.0 * a->ex_share);
    return 0;
}

/* The training set (and group ids), the first --limit images of it. */
static int load(compress_args *a, lgc_dataset *data, lgc_labels *groups)
{
    const char *cmd = cli_cmd_compress.name;
    lgc_err err;
    int rc;
    if (lgc_dataset_load_layout(a->imgs, a->labs, a->n_classes, (lgc_layout)a->layout, data,
                                &err))
        return cli_fail_err(cmd, &err);
    if (a->groupsp) {
        if (lgc_labels_read(a->groupsp, groups, &err))
            return cli_fail_err(cmd, &err);
        if (groups->n != data->x.n)
            return cli_fail(cmd, EXIT_DATA, "%s: %zu group ids for %zu images", a->groupsp,
                            groups->n, data->x.n);
        a->o.groups = groups->y;
    }
    if (a->limit && a->limit < data->x.n)
        data->x.n = data->y.n = a->limit; /* the arrays stay allocated whole; only the count shrinks */
    if (!a->n_classes) { /* inferred from the images used; a folder set has its folders */
        size_t top = 0;
        for (size_t i = 0; i < data->y.n; i++)
            top = data->y.y[i] >= top ? (size_t)data->y.y[i] + 1 : top;
        a->n_classes = lgc_path_is_folder(a->imgs) ? data->n_classes : top;
    }
    if (a->teacher && (rc = train_teacher(a, data)))
        return rc;
    if (a->ex_budget && (rc = choose_exemplars(a, data, a->o.zstd_level)))
        return rc;
    if (a->budget) {
        lgc_compress_opts *o = &a->o;
        uint64_t extra = a->teacher_bytes + a->ex_bytes;
        if (extra >= a->budget)
            return cli_fail(cmd, EXIT_USAGE, "--budget %llu leaves nothing once the %s%s%s "
                            "%llu bytes are counted", (unsigned long long)a->budget,
                            a->teacher ? "teacher's" : "", a->teacher && a->ex_budget ? " and the " : "",
                            a->ex_budget ? "real images'" : "", (unsigned long long)extra);
        o->budget = a->budget - extra; /* the generator gets what the teacher and exemplars leave */
        if (o->model == LGC_MODEL_AE && !a->sized &&
            lgc_budget_plan(o->budget, data->x.h, data->x.w, data->x.c, a->n_classes, o, &err))
            return cli_fail_err(cmd, &err);
        if (!a->c.quiet && !a->c.json)
            fprintf(stderr, "compress: budget %llu bytes: %s, hidden %zu, latent %zu, %s decoder\n",
                    (unsigned long long)a->budget, lgc_model_name(o->model), o->hidden, o->latent,
                    lgc_pkg_dtype_name(o->decoder_dtype));
    }
    return 0;
}

/* The package, its side file and the codes; both packages or neither. */
static int write_outputs(compress_args *a, const lgc_pkg *p, const lgc_compress_report *rep)
{
    const char *cmd = cli_cmd_compress.name;
    lgc_err err;
    if (a->codes) {
        size_t shape[2] = {rep->n_codes, rep->latent};
        if (lgc_npy_write_f32(a->codes, rep->codes, 2, shape, a->force, &err))
            return cli_fail_err(cmd, &err);
    }
    if (lgc_pkg_write_file(p, a->outp, a->force, &err))
        return cli_fail_err(cmd, &err);
    if (a->encp && lgc_pkg_write_file(rep->side, a->encp, a->force, &err)) {
        unlink(a->outp); /* the package and its side file together, or neither */
        return cli_fail_err(cmd, &err);
    }
    return 0;
}

int cmd_compress(int argc, char **argv)
{
    const char *cmd = cli_cmd_compress.name;
    static compress_args a; /* large: keep it off the stack */
    int rc = parse(&a, argc, argv);
    if (rc)
        return rc == CLI_HELP_SHOWN ? 0 : rc;
    int rank = lgc_comm_rank(cli_comm());
    a.o.train.comm = cli_comm();
    if (rank != 0) /* one voice: rank 0 reports and writes; the others compute */
        a.c.quiet = 1, a.c.json = 0, a.c.progress = 0;
    if ((rc = check_outputs(&a))) /* every rank: they all need the paths it sets */
        return rc;
    lgc_threads_set((int)a.threads);
    lgc_dataset data = {0};
    lgc_labels groups = {0};
    lgc_pkg *p = NULL;
    lgc_compress_report rep;
    memset(&rep, 0, sizeof rep);
    lgc_err err;
    double t0 = lgc_now();
    if ((rc = load(&a, &data, &groups)))
        goto done;
    a.t0 = lgc_now();
    if (a.o.dp_epsilon > 0.0) /* DP's own sizes, now that the images are counted */
        lgc_compress_opts_dp_sizes(&a.o, data.x.n, (a.batch_given ? LGC_DP_KEEP_BATCH : 0) |
                                              (a.epochs_given ? LGC_DP_KEEP_EPOCHS : 0) |
                                              (a.lr_given ? LGC_DP_KEEP_LR : 0) |
                                              (a.latent_given ? LGC_DP_KEEP_LATENT : 0));
    if (lgc_compress(&data, a.n_classes, &a.o, on_progress, &a, &p, &rep, &err)) {
        cli_progress_done(&a.c);
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    cli_progress_done(&a.c);
    if (a.teacher && lgc_codec_put_teacher(p, &a.tnet, "paper-cnn", &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (a.ex.n && lgc_codec_put_exemplars(p, &a.ex, a.ex_lab, a.ex_share_d,
                                          exmethod_names[a.ex_method], &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    size_t total = 0; /* the parts were sized apart; zstd may not add them exactly */
    if ((a.teacher || a.ex.n) && a.budget && !lgc_pkg_encoded_size(p, &total, &err) &&
        total > a.budget) {
        rc = cli_fail(cmd, EXIT_DATA, "the package with its %s is %zu bytes, %llu over "
                      "--budget %llu; nothing was written",
                      a.ex.n ? "real images" : "teacher", total,
                      (unsigned long long)(total - a.budget), (unsigned long long)a.budget);
        goto done;
    }
    if (rank != 0) { /* rank 0 writes the package */
        rc = 0;
        goto done;
    }
    if ((rc = write_outputs(&a, p, &rep)))
        goto done;
    /* package bytes are the bytes of the file on disk (docs/PROTOCOL.md §2) */
    struct stat sb;
    uint64_t bytes = stat(a.outp, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    double secs = lgc_now() - t0;
    size_t ksum = 0;
    for (size_t k = 0; k < rep.n_mixtures; k++)
        ksum += rep.k[k];
    if (a.c.json) {
        print_json(a.outp, a.encp, a.codes, &a.o, &rep, &a, bytes, data.x.n, a.n_classes,
                   a.budget, a.groupsp != NULL, secs, a.threads);
    } else if (!a.c.quiet) {
        fprintf(stderr, "compress: %s: %llu bytes (%s, latent %zu, %zu mixtures, sum K = %zu)%s%s; "
                        "train %.1f s, mixtures %.1f s, total %.1f s\n",
                a.outp, (unsigned long long)bytes, lgc_model_name(a.o.model), a.o.latent,
                rep.n_mixtures, ksum, a.encp ? "; encoder side file " : "", a.encp ? a.encp : "",
                rep.train_seconds, rep.gmm_seconds, secs);
    }
    rc = 0;
done:
    free(rep.codes);
    lgc_pkg_free(rep.side);
    lgc_pkg_free(p);
    lgc_net_free(&a.tnet);
    free(a.ex.pix), free(a.ex_lab);
    lgc_dataset_free(&data);
    lgc_labels_free(&groups);
    return rc;
}
