/* cmd_compress.c - `lgc compress`: a labelled image set becomes one package. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "lgc/codec.h"
#include "lgc/io.h"
#include "lgc/tensor.h"

static void usage(FILE *f)
{
    fputs(  "usage: lgc compress --images F --labels F -o OUT.lgc [options]\n\n"
            "Train an autoencoder on the images, fit one Gaussian mixture per class to the\n"
            "latent codes (full covariances, K by BIC), and write the decoder, the mixtures\n"
            "and the class priors into one package.\n\n"
            "  --images F          training images (IDX or NPY, uint8 or float in [0,1])\n"
            "  --labels F          training labels\n"
            "  -o, --output F      package to write\n"
            "  -f, --force         overwrite an existing output\n"
            "  --save-encoder F    also write the encoder side file F (the encoder, the BIC\n"
            "                      curves and the loss per epoch; lgc report and lgc privacy\n"
            "                      read it; never needed to decompress)\n"
            "  --model NAME        autoencoder (docs/MODELS.md) [ae]:\n"
            "                        ae          dense, ReLU code (the study's vanilla AE)\n"
            "                        vae         dense VAE, 3 hidden layers each side\n"
            "                        cvae        vae with the class one-hot joining encoder\n"
            "                                    and decoder inputs\n"
            "                        ae-supcon   ae + 0.1 x supervised contrastive loss\n"
            "                                    (MSE reconstruction, as the study)\n"
            "                        vae-supcon  vae + 20 x supervised contrastive loss\n"
            "                        conv-ae, conv-vae, conv-cvae\n"
            "                                    convolutional encoder and decoder (image\n"
            "                                    sides divisible by 4)\n"
            "  --epochs N          training epochs [20]\n"
            "  --batch N           training batch [256]\n"
            "  --lr X              Adam learning rate [0.001]\n"
            "  --loss bce|mse      reconstruction loss [the model's: mse for ae and ae-supcon\n"
            "                      (the study's), bce for the rest; the VAE kinds need bce]\n"
            "  --hidden N          hidden width; conv models: channels N/4 and N/2 [128]\n"
            "  --latent D          latent size [64]\n"
            "  --fit-on mu|z       VAE kinds: fit the mixtures to the means mu or to one\n"
            "                      sampled z per image [mu]\n"
            "  --supcon-weight W   weight of the contrastive loss [the model's: 0.1 for\n"
            "                      ae-supcon, 20 for vae-supcon, 0 otherwise]\n"
            "  --supcon-form F     out: average of the log terms over the positives (the\n"
            "                      paper's formula) | in: sum of the positives inside the\n"
            "                      log (what the study's code ran) [out]\n"
            "  --supcon-temp T     contrastive temperature [0.5]\n"
            "  --kmax K            largest K tried per class [10]\n",
          f);
    fputs(/* two strings: C11 compilers need only take 4,095 characters in one */
            "  --budget BYTES      the package must fit in BYTES (digits, then optionally K,\n"
            "                      M or G: powers of 1024): for the ae model, unless\n"
            "                      --hidden, --latent or --decoder are given, the sizes are\n"
            "                      planned for the budget; then K is lowered class by class\n"
            "                      (smallest BIC loss first) until the package fits\n"
            "  --k-select R        argmin (lowest BIC over 1..kmax) | greedy (stop at the first\n"
            "                      K whose BIC does not improve, as the study's code) [argmin]\n"
            "  --n-init N          EM restarts per K [1]\n"
            "  --em-precision P    f32 | f64: arithmetic of EM's two big products (sums,\n"
            "                      factors and likelihoods stay double either way) [f32]\n"
            "  --refine M          after the sweep, run the fits within M BIC units per point\n"
            "                      of the best on to tol 1e-5 and choose K again, as full EM\n"
            "                      runs would (argmin only); 0 = off [1]\n"
            "  --precision P       f16 | f32 for mixtures and biases [f16]\n"
            "  --decoder P         int8 | f16 | f32 for decoder weights (int8: one scale per\n"
            "                      output row) [int8]\n"
            "  --zstd L            zstd level for the package data, 0 = none [19]\n"
            "  --classes N         number of classes [10]\n"
            "  --groups F          one group id per image (uint8 IDX or NPY, e.g. SpuCo's\n"
            "                      label x 10 + colour): fit one mixture per group instead\n"
            "                      of per class; every group must lie within one class.\n"
            "                      lgc decompress --balance groups then regenerates the\n"
            "                      same number of images of every group\n"
            "  --limit N           use only the first N images (quick runs, tests)\n"
            "  --save-codes F      also write the latent codes (float32 NPY, n x latent)\n"
            "  --checkpoint DIR    save training state to DIR after every epoch; when DIR\n"
            "                      holds a checkpoint of the same inputs, resume from it\n"
            "  --seed S            seed for training and EM [1]\n"
            "  --threads T         threads [2]\n"
            "  --json              summary as one JSON object on stdout\n"
            "  -q                  no progress\n",
          f);
}

#define MAX_EPOCH_LOG 1000

/* ,"key":[v0,v1,...] */
static void json_sizes(const char *key, const size_t *v, size_t n)
{
    printf(",\"%s\":[", key);
    for (size_t i = 0; i < n; i++)
        printf("%s%zu", i ? "," : "", v[i]);
    printf("]");
}

typedef struct {
    cli_common *c;
    double t0;
    double epoch_secs[MAX_EPOCH_LOG], epoch_loss[MAX_EPOCH_LOG];
    size_t n_epochs;
    size_t n_mix_done;
} hook_ctx;

static void on_epoch(void *p, size_t ep, size_t n, double loss, double secs)
{
    hook_ctx *h = p;
    double el = cli_now() - h->t0;
    if (h->n_epochs < MAX_EPOCH_LOG) {
        h->epoch_secs[h->n_epochs] = secs;
        h->epoch_loss[h->n_epochs++] = loss;
    }
    cli_progress(h->c, "compress: epoch %zu/%zu loss %.4f (%.2f s/epoch, eta %.0f s)", ep, n,
                 loss, secs, el / (double)ep * (double)(n - ep));
    if (!h->c->quiet && !h->c->json && !h->c->progress)
        fprintf(stderr, "compress: epoch %zu/%zu loss %.4f %.2f s\n", ep, n, loss, secs);
}

static void on_class(void *p, size_t cls, size_t n, size_t k, double secs)
{
    hook_ctx *h = p;
    /* mixtures finish in any order: count them */
    cli_progress(h->c, "compress: mixtures: %zu/%zu, mixture %zu K=%zu (%.1f s)", ++h->n_mix_done, n,
                 cls, k, secs);
    if (!h->c->quiet && !h->c->json && !h->c->progress)
        fprintf(stderr, "compress: mixture %zu: K=%zu (%.1f s)\n", cls, k, secs);
}

int cmd_compress(int argc, char **argv)
{
    const char *cmd = "compress", *imgs = NULL, *labs = NULL, *outp = NULL, *codes = NULL, *v;
    const char *ckdir = NULL, *encp = NULL, *groupsp = NULL;
    char ckpath[4096];
    lgc_compress_opts o;
    lgc_compress_opts_default(&o);
    o.gmm.n_init = 1;
    size_t n_classes = 10, threads = 2, zl = 19, tmp, limit = 0;
    int force = 0, sized = 0, rc;
    uint64_t budget = 0;
    double dv;
    cli_common c;
    cli_common_init(&c);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (cli_common_flag(&c, argv[i])) {
        } else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")) {
            force = 1;
        } else if (cli_opt(argc, argv, &i, "--images", &v)) {
            if ((rc = cli_need(cmd, "--images", v)))
                return rc;
            imgs = v;
        } else if (cli_opt(argc, argv, &i, "--labels", &v)) {
            if ((rc = cli_need(cmd, "--labels", v)))
                return rc;
            labs = v;
        } else if (cli_opt(argc, argv, &i, "-o", &v) || cli_opt(argc, argv, &i, "--output", &v)) {
            if (!v || !*v)
                return cli_fail(cmd, EXIT_USAGE, "-o needs a file name");
            if (!strcmp(v, "-"))
                return cli_fail(cmd, EXIT_USAGE, "-o -: a package is binary and is never written "
                                "to standard output; give a file name");
            outp = v;
        } else if (cli_opt(argc, argv, &i, "--save-encoder", &v)) {
            if (!v || !*v)
                return cli_fail(cmd, EXIT_USAGE, "--save-encoder needs a file name");
            encp = v;
        } else if (cli_opt(argc, argv, &i, "--model", &v)) {
            int k = v ? lgc_model_from_name(v) : -1;
            if (k < 0)
                return cli_fail(cmd, EXIT_USAGE,
                                "--model: unknown model '%s' (ae, vae, cvae, ae-supcon, "
                                "vae-supcon, conv-ae, conv-vae, conv-cvae)",
                                v ? v : "");
            o.model = (lgc_model_kind)k;
        } else if (cli_opt(argc, argv, &i, "--fit-on", &v)) {
            if (v && !strcmp(v, "mu"))
                o.fit_on = LGC_FIT_MU;
            else if (v && !strcmp(v, "z"))
                o.fit_on = LGC_FIT_Z;
            else
                return cli_fail(cmd, EXIT_USAGE, "--fit-on: '%s' is not mu or z", v ? v : "");
        } else if (cli_opt(argc, argv, &i, "--supcon-weight", &v)) {
            if ((rc = cli_double(cmd, "--supcon-weight", v, 0.0, 1e5, &dv)))
                return rc;
            o.train.supcon_weight = (float)dv;
        } else if (cli_opt(argc, argv, &i, "--supcon-temp", &v)) {
            if ((rc = cli_double(cmd, "--supcon-temp", v, 1e-3, 100.0, &dv)))
                return rc;
            o.train.supcon_temp = (float)dv;
        } else if (cli_opt(argc, argv, &i, "--supcon-form", &v)) {
            if (v && !strcmp(v, "out"))
                o.train.supcon_form = LGC_SUPCON_OUT;
            else if (v && !strcmp(v, "in"))
                o.train.supcon_form = LGC_SUPCON_IN;
            else
                return cli_fail(cmd, EXIT_USAGE, "--supcon-form: '%s' is not out or in", v ? v : "");
        } else if (cli_opt(argc, argv, &i, "--epochs", &v)) {
            if ((rc = cli_size(cmd, "--epochs", v, 0, 100000, &o.train.epochs)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--batch", &v)) {
            if ((rc = cli_size(cmd, "--batch", v, 1, 65536, &o.train.batch)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--lr", &v)) {
            if ((rc = cli_double(cmd, "--lr", v, 1e-8, 10.0, &dv)))
                return rc;
            o.train.lr = (float)dv;
        } else if (cli_opt(argc, argv, &i, "--loss", &v)) {
            if (v && !strcmp(v, "bce"))
                o.train.loss = LGC_LOSS_BCE;
            else if (v && !strcmp(v, "mse"))
                o.train.loss = LGC_LOSS_MSE;
            else
                return cli_fail(cmd, EXIT_USAGE, "--loss: '%s' is not bce or mse", v ? v : "");
        } else if (cli_opt(argc, argv, &i, "--hidden", &v)) {
            if ((rc = cli_size(cmd, "--hidden", v, 1, 65536, &o.hidden)))
                return rc;
            sized = 1;
        } else if (cli_opt(argc, argv, &i, "--latent", &v)) {
            if ((rc = cli_size(cmd, "--latent", v, 1, 1024, &o.latent)))
                return rc;
            sized = 1;
        } else if (cli_opt(argc, argv, &i, "--budget", &v)) {
            if ((rc = cli_bytes(cmd, "--budget", v, &budget)))
                return rc;
            if (budget == 0)
                return cli_fail(cmd, EXIT_USAGE, "--budget: must be a positive number of bytes");
        } else if (cli_opt(argc, argv, &i, "--kmax", &v)) {
            if ((rc = cli_size(cmd, "--kmax", v, 1, LGC_CODEC_KMAX, &o.gmm.k_max)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--k-select", &v)) {
            if (v && !strcmp(v, "argmin"))
                o.gmm.select = LGC_KSEL_ARGMIN;
            else if (v && !strcmp(v, "greedy"))
                o.gmm.select = LGC_KSEL_GREEDY;
            else
                return cli_fail(cmd, EXIT_USAGE, "--k-select: '%s' is not argmin or greedy",
                                v ? v : "");
        } else if (cli_opt(argc, argv, &i, "--em-precision", &v)) {
            if (v && !strcmp(v, "f32"))
                o.gmm.precision = LGC_GMM_F32;
            else if (v && !strcmp(v, "f64"))
                o.gmm.precision = LGC_GMM_F64;
            else
                return cli_fail(cmd, EXIT_USAGE, "--em-precision: '%s' is not f32 or f64",
                                v ? v : "");
        } else if (cli_opt(argc, argv, &i, "--refine", &v)) {
            if ((rc = cli_double(cmd, "--refine", v, 0.0, 1e6, &o.gmm.refine_margin)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--n-init", &v)) {
            if ((rc = cli_size(cmd, "--n-init", v, 1, 100, &tmp)))
                return rc;
            o.gmm.n_init = (int)tmp;
        } else if (cli_opt(argc, argv, &i, "--precision", &v)) {
            if (v && !strcmp(v, "f16"))
                o.param_dtype = LGC_DT_F16;
            else if (v && !strcmp(v, "f32"))
                o.param_dtype = LGC_DT_F32;
            else
                return cli_fail(cmd, EXIT_USAGE, "--precision: '%s' is not f16 or f32", v ? v : "");
        } else if (cli_opt(argc, argv, &i, "--decoder", &v)) {
            if (v && !strcmp(v, "f16"))
                o.decoder_dtype = LGC_DT_F16;
            else if (v && !strcmp(v, "f32"))
                o.decoder_dtype = LGC_DT_F32;
            else if (v && !strcmp(v, "int8"))
                o.decoder_dtype = LGC_DT_I8;
            else
                return cli_fail(cmd, EXIT_USAGE, "--decoder: '%s' is not f16, f32 or int8",
                                v ? v : "");
            sized = 1;
        } else if (cli_opt(argc, argv, &i, "--zstd", &v)) {
            if ((rc = cli_size(cmd, "--zstd", v, 0, 22, &zl)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--classes", &v)) {
            if ((rc = cli_size(cmd, "--classes", v, 1, LGC_MAX_CLASSES, &n_classes)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--groups", &v)) {
            if ((rc = cli_need(cmd, "--groups", v)))
                return rc;
            groupsp = v;
        } else if (cli_opt(argc, argv, &i, "--checkpoint", &v)) {
            if (!v || !*v)
                return cli_fail(cmd, EXIT_USAGE, "--checkpoint needs a folder");
            ckdir = v;
        } else if (cli_opt(argc, argv, &i, "--save-codes", &v)) {
            if (!v)
                return cli_fail(cmd, EXIT_USAGE, "--save-codes needs a file name");
            codes = v;
            o.keep_codes = 1;
        } else if (cli_opt(argc, argv, &i, "--limit", &v)) {
            if ((rc = cli_size(cmd, "--limit", v, 1, (size_t)1 << 32, &limit)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--seed", &v)) {
            if ((rc = cli_u64(cmd, "--seed", v, &o.train.seed)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--threads", &v)) {
            if ((rc = cli_size(cmd, "--threads", v, 1, 256, &threads)))
                return rc;
        } else {
            return cli_fail(cmd, EXIT_USAGE, "unknown option '%s' (see lgc compress --help)",
                            argv[i]);
        }
    }
    if (!imgs || !labs || !outp)
        return cli_fail(cmd, EXIT_USAGE, "--images, --labels and -o are required");

    /* "created" is the only field that differs between two runs with the same
     * seed; SOURCE_DATE_EPOCH pins it for byte-identical packages. A malformed
     * value is an error (reproducible-builds.org): seconds up to year 9999. */
    char created[64];
    time_t now = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        uint64_t t;
        if ((rc = cli_u64(cmd, "SOURCE_DATE_EPOCH", sde, &t)))
            return rc;
        if (t > 253402300799u)
            return cli_fail(cmd, EXIT_USAGE, "SOURCE_DATE_EPOCH: %s is after the year 9999", sde);
        now = (time_t)t;
    }
    struct tm tmv;
    if (!gmtime_r(&now, &tmv))
        return cli_fail(cmd, EXIT_DATA, "cannot convert the time %lld to a date", (long long)now);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    o.created = created;
    struct stat sb;
    if (stat(outp, &sb) == 0 && S_ISDIR(sb.st_mode))
        return cli_fail(cmd, EXIT_DATA, "%s: is a folder; give a file name for the package", outp);
    if (lgc_model_family_get((int)o.model)->variational && o.train.loss == LGC_LOSS_MSE)
        return cli_fail(cmd, EXIT_USAGE, "--loss mse: model %s needs the BCE loss (its loss is a "
                        "likelihood)", lgc_model_name(o.model));
    if (!force && access(outp, F_OK) == 0)
        return cli_fail(cmd, EXIT_DATA, "%s: already exists (use -f to overwrite)", outp);
    lgc_err err;
    {
        /* Can the output be created? Find out now, not after minutes of training. */
        lgc_afile probe;
        if (lgc_afile_open(&probe, outp, force, &err))
            return cli_fail_err(cmd, &err);
        lgc_afile_abort(&probe);
    }
    if (ckdir) {
        struct stat cks;
        if (stat(ckdir, &cks) != 0 && mkdir(ckdir, 0755) != 0)
            return cli_fail(cmd, EXIT_DATA, "%s: cannot create the checkpoint folder", ckdir);
        if (stat(ckdir, &cks) != 0 || !S_ISDIR(cks.st_mode))
            return cli_fail(cmd, EXIT_DATA, "%s: not a folder", ckdir);
        if ((size_t)snprintf(ckpath, sizeof ckpath, "%s/lgc-checkpoint.lgc", ckdir) >= sizeof ckpath)
            return cli_fail(cmd, EXIT_USAGE, "--checkpoint: folder name too long");
        o.checkpoint_path = ckpath;
    }
    if (encp && !force && access(encp, F_OK) == 0)
        return cli_fail(cmd, EXIT_DATA, "%s: already exists (use -f to overwrite)", encp);
    if (encp && strcmp(encp, outp) == 0)
        return cli_fail(cmd, EXIT_USAGE, "--save-encoder and -o name the same file");
    if (encp && groupsp)
        return cli_fail(cmd, EXIT_USAGE, "--save-encoder describes per-class mixtures; it does "
                        "not go with --groups");
    o.keep_side = encp != NULL;
    o.zstd_level = (int)zl;
    o.gmm.seed = o.train.seed;
    lgc_threads_set((int)threads);

    lgc_dataset data = {0};
    lgc_labels groups = {0};
    lgc_pkg *p = NULL;
    lgc_compress_report rep;
    memset(&rep, 0, sizeof rep);
    double t0 = cli_now();
    if (lgc_dataset_load(imgs, labs, n_classes, &data, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (groupsp) {
        if (lgc_labels_read(groupsp, &groups, &err)) {
            rc = cli_fail_err(cmd, &err);
            goto done;
        }
        if (groups.n != data.x.n) {
            rc = cli_fail(cmd, EXIT_DATA, "%s: %zu group ids for %zu images", groupsp, groups.n,
                          data.x.n);
            goto done;
        }
        o.groups = groups.y;
    }
    if (limit && limit < data.x.n)
        data.x.n = data.y.n = limit; /* the arrays stay allocated whole; only the count shrinks */
    if (budget) {
        o.budget = budget;
        if (o.model == LGC_MODEL_AE && !sized &&
            lgc_budget_plan(budget, data.x.h, data.x.w, data.x.c, n_classes, &o, &err)) {
            rc = cli_fail_err(cmd, &err);
            goto done;
        }
        if (!c.quiet && !c.json)
            fprintf(stderr, "compress: budget %llu bytes: %s, hidden %zu, latent %zu, %s decoder\n",
                    (unsigned long long)budget, lgc_model_name(o.model), o.hidden, o.latent,
                    lgc_pkg_dtype_name(o.decoder_dtype));
    }
    static hook_ctx h; /* large: keep it off the stack */
    h.c = &c, h.t0 = cli_now(), h.n_epochs = 0;
    lgc_compress_hooks hooks = {on_epoch, on_class, &h};
    if (lgc_compress(&data, n_classes, &o, &hooks, &p, &rep, &err)) {
        cli_progress_done(&c);
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    cli_progress_done(&c);
    if (codes) {
        size_t shape[2] = {rep.n_codes, rep.latent};
        if (lgc_npy_write_f32(codes, rep.codes, 2, shape, force, &err)) {
            rc = cli_fail_err(cmd, &err);
            goto done;
        }
    }
    if (lgc_pkg_write_file(p, outp, force, &err) ||
        (encp && lgc_pkg_write_file(rep.side, encp, force, &err))) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    lgc_pkg_info info;
    if (lgc_pkg_get_info(p, &info, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    double secs = cli_now() - t0;
    size_t ksum = 0;
    for (size_t k = 0; k < rep.n_mixtures; k++)
        ksum += rep.k[k];
    if (c.json) {
        printf("{\"package\":");
        cli_json_str(outp);
        printf(",\"decoder\":\"%s\"", lgc_pkg_dtype_name(o.decoder_dtype));
        if (encp) {
            printf(",\"encoder\":");
            cli_json_str(encp);
        }
        printf(",\"loss\":\"%s\",\"supcon_weight\":%g,\"supcon_form\":\"%s\",\"fit_on\":\"%s\"",
               lgc_model_loss(o.model, &o.train) == LGC_LOSS_MSE ? "mse" : "bce",
               (double)lgc_model_supcon_weight(o.model, &o.train),
               o.train.supcon_form == LGC_SUPCON_IN ? "in" : "out",
               !lgc_model_family_get((int)o.model)->variational ? "code"
               : o.fit_on == LGC_FIT_Z                         ? "z"
                                                               : "mu");
        printf(",\"bytes\":%llu,\"model\":\"%s\",\"latent\":%zu,\"hidden\":%zu,\"epochs\":%zu,"
               "\"seed\":%llu,\"n_images\":%zu",
               (unsigned long long)info.file_bytes, lgc_model_name(o.model), o.latent, o.hidden,
               o.train.epochs, (unsigned long long)o.train.seed, data.x.n);
        if (budget)
            printf(",\"budget\":%llu", (unsigned long long)budget);
        /* per mixture: K in the package, K by BIC, and with groups which group
         * and class each mixture is */
        json_sizes("k", rep.k, rep.n_mixtures);
        json_sizes("k_bic", rep.k_bic, rep.n_mixtures);
        if (groupsp) {
            json_sizes("groups", rep.mix_group, rep.n_mixtures);
            json_sizes("group_class", rep.mix_class, rep.n_mixtures);
        }
        printf(",\"bic\":[");
        for (size_t k = 0; k < rep.n_mixtures; k++) {
            printf("%s[", k ? "," : "");
            for (size_t j = 0; j < o.gmm.k_max; j++) {
                if (isfinite(rep.bic[k][j]))
                    printf("%s%.3f", j ? "," : "", rep.bic[k][j]);
                else
                    printf("%snull", j ? "," : "");
            }
            printf("]");
        }
        printf("],\"epoch_seconds\":[");
        for (size_t e = 0; e < h.n_epochs; e++)
            printf("%s%.3f", e ? "," : "", h.epoch_secs[e]);
        printf("],\"epoch_loss\":[");
        for (size_t e = 0; e < h.n_epochs; e++)
            printf("%s%.4f", e ? "," : "", h.epoch_loss[e]);
        printf("],\"resumed_epochs\":%zu,\"train_seconds\":%.2f,\"gmm_seconds\":%.2f,\"seconds\":%.2f,\"threads\":%zu}\n",
               rep.resumed_epochs, rep.train_seconds, rep.gmm_seconds, secs, threads);
    } else if (!c.quiet) {
        fprintf(stderr, "compress: %s: %llu bytes (%s, latent %zu, %zu mixtures, sum K = %zu); "
                        "train %.1f s, mixtures %.1f s, total %.1f s\n",
                outp, (unsigned long long)info.file_bytes, lgc_model_name(o.model), o.latent,
                rep.n_mixtures, ksum, rep.train_seconds, rep.gmm_seconds, secs);
    }
    rc = 0;
done:
    free(rep.codes);
    lgc_pkg_free(rep.side);
    lgc_pkg_free(p);
    lgc_dataset_free(&data);
    lgc_labels_free(&groups);
    return rc;
}
