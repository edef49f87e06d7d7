/* cmd_subset.c - `lgc subset`: a random or CRUST subset of real images at a byte budget. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lgc/data.h"
#include "lgc/subset.h"
#include "lgc/tensor.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc subset --method random|crust --budget BYTES --images F --labels F\n"
            "                  -o PREFIX [options]\n\n"
            "The baselines at equal bytes (PROTOCOL.md §5): the largest class-stratified subset\n"
            "of the real training set whose images and labels IDX files, each under xz -9e,\n"
            "fit in BYTES. random: a seeded random sample of each class; crust: the same\n"
            "per-class counts, chosen by k-medoids on the last-layer loss gradients of a\n"
            "paper-cnn trained for one epoch, each medoid weighted by its cluster's size.\n"
            "Writes PREFIX-images.idx, PREFIX-labels.idx and, for crust, PREFIX-weights.npy\n"
            "(float32 (k,), for lgc eval --weights).\n\n"
            "  --method M         random | crust (required)\n"
            "  --budget B         bytes: digits, then optionally K, M or G (powers of 1024)\n"
            "                     (required)\n"
            "  --images F         training images, IDX or NPY (required)\n"
            "  --labels F         training labels (required)\n"
            "  -o, --output P     output prefix (required; not -)\n"
            "  -f, --force        overwrite existing outputs\n"
            "  --limit N          use only the first N images (quick runs, tests)\n"
            "  --seed S           random order, judge training, k-medoids++ [1]\n"
            "  --max-iter N       k-medoids alternations per class, 1..100000 [100]\n"
            "  --threads T        threads [2]\n"
            "  --json             one JSON object on stdout\n"
            "  -q                 no progress\n");
}

typedef struct {
    const cli_common *c;
    double t0;
    double search_s; /* when the budget search ended (CRUST's stages follow it) */
} prog_ctx;

static void on_progress(void *p, const char *stage, size_t done, size_t total)
{
    prog_ctx *pc = p;
    double el = cli_now() - pc->t0;
    if (strcmp(stage, "search") != 0 && pc->search_s == 0.0)
        pc->search_s = el;
    if (total)
        cli_progress(pc->c, "subset: %s %zu/%zu (%.0f s)", stage, done, total, el);
    else
        cli_progress(pc->c, "subset: %s: %zu subsets measured (%.0f s)", stage, done, el);
}

int cmd_subset(int argc, char **argv)
{
    const char *cmd = "subset";
    const char *imgs = NULL, *labs = NULL, *prefix = NULL, *v;
    lgc_subset_opts o;
    lgc_subset_opts_default(&o);
    int method = -1, force = 0, rc;
    size_t threads = 2, limit = 0;
    cli_common c;
    cli_common_init(&c);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (cli_common_flag(&c, argv[i])) {
        } else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")) {
            force = 1;
        } else if (cli_opt(argc, argv, &i, "--method", &v)) {
            method = v ? lgc_subset_method_from_name(v) : -1;
            if (method < 0)
                return cli_fail(cmd, EXIT_USAGE, "--method: '%s' is not random or crust",
                                v ? v : "");
        } else if (cli_opt(argc, argv, &i, "--budget", &v)) {
            if ((rc = cli_bytes(cmd, "--budget", v, &o.budget)))
                return rc;
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
                return cli_fail(cmd, EXIT_USAGE, "-o needs a prefix");
            if (!strcmp(v, "-"))
                return cli_fail(cmd, EXIT_USAGE, "-o -: subset writes files PREFIX-images.idx, "
                                "PREFIX-labels.idx (and PREFIX-weights.npy), never standard "
                                "output; give a prefix");
            prefix = v;
        } else if (cli_opt(argc, argv, &i, "--limit", &v)) {
            if ((rc = cli_size(cmd, "--limit", v, 1, (size_t)1 << 32, &limit)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--seed", &v)) {
            if ((rc = cli_u64(cmd, "--seed", v, &o.seed)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--max-iter", &v)) {
            if ((rc = cli_size(cmd, "--max-iter", v, 1, 100000, &o.max_iter)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--threads", &v)) {
            if ((rc = cli_size(cmd, "--threads", v, 1, 256, &threads)))
                return rc;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_fail(cmd, EXIT_USAGE, "unknown option '%s' (see lgc subset --help)",
                            argv[i]);
        } else {
            return cli_fail(cmd, EXIT_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    if (method < 0 || !o.budget || !imgs || !labs || !prefix)
        return cli_fail(cmd, EXIT_USAGE,
                        "--method, --budget, --images, --labels and -o are required");
    o.method = (lgc_subset_method)method;
    lgc_threads_set((int)threads);

    lgc_err err;
    lgc_dataset d = {0};
    lgc_subset s = {0};
    char *paths[3] = {NULL, NULL, NULL};
    int with_w = o.method == LGC_SUBSET_CRUST;
    /* Can the outputs be written? Find out before minutes of searching. */
    if (lgc_subset_probe(prefix, with_w, force, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (lgc_dataset_load(imgs, labs, 0, &d, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (limit && limit < d.x.n)
        d.x.n = d.y.n = limit; /* the arrays stay allocated whole; only the count shrinks */
    prog_ctx pc = {&c, cli_now(), 0.0};
    if (lgc_subset_select(&o, &d, &s, on_progress, &pc, &err)) {
        cli_progress_done(&c);
        /* the flags were checked: whatever fails here is about the data */
        rc = cli_fail(cmd, EXIT_DATA, "%s: %s", imgs, err.msg);
        goto done;
    }
    cli_progress_done(&c);
    if (lgc_subset_write(&s, &d, prefix, force, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    double secs = cli_now() - pc.t0;
    for (int w = 0; w < 3; w++)
        paths[w] = lgc_subset_path(prefix, w);
    if (!paths[0] || !paths[1] || !paths[2]) {
        rc = cli_fail(cmd, EXIT_DATA, "out of memory");
        goto done;
    }
    size_t bytes = s.xz_images + s.xz_labels;
    if (c.json) {
        printf("{\"method\":\"%s\",\"seed\":%llu,\"budget\":%llu,\"n\":%zu,\"k\":%zu,"
               "\"per_class\":[",
               lgc_subset_method_name(s.method), (unsigned long long)o.seed,
               (unsigned long long)o.budget, d.x.n, s.k);
        for (size_t k = 0; k < s.n_classes; k++)
            printf("%s%zu", k ? "," : "", s.counts[k]);
        printf("],\"xz_images\":%zu,\"xz_labels\":%zu,\"compressed_bytes\":%zu,\"probes\":%zu,",
               s.xz_images, s.xz_labels, bytes, s.n_probes);
        if (with_w)
            printf("\"kmedoids_max_iterations\":%zu,\"kmedoids_capped\":%s,", s.max_iters,
                   s.capped ? "true" : "false");
        printf("\"images\":");
        cli_json_str(paths[0]);
        printf(",\"labels\":");
        cli_json_str(paths[1]);
        printf(",\"weights\":");
        if (with_w)
            cli_json_str(paths[2]);
        else
            printf("null");
        printf(",\"seconds\":%.2f,\"seconds_search\":%.2f,\"threads\":%zu}\n", secs,
               pc.search_s > 0.0 ? pc.search_s : secs, threads);
    } else {
        printf("subset %s, seed %llu: %zu of %zu images, per class",
               lgc_subset_method_name(s.method), (unsigned long long)o.seed, s.k, d.x.n);
        for (size_t k = 0; k < s.n_classes; k++)
            printf(" %zu", s.counts[k]);
        printf("\nxz -9e: %zu B (images %zu + labels %zu) for a budget of %llu B\n", bytes,
               s.xz_images, s.xz_labels, (unsigned long long)o.budget);
        if (with_w)
            printf("k-medoids: at most %zu alternations per class%s\n", s.max_iters,
                   s.capped ? " (some class stopped at --max-iter)" : "");
        printf("wrote %s, %s%s%s in %.1f s (%zu threads)\n", paths[0], paths[1],
               with_w ? ", " : "", with_w ? paths[2] : "", secs, threads);
    }
    rc = 0;
done:
    free(paths[0]), free(paths[1]), free(paths[2]);
    lgc_subset_free(&s);
    lgc_dataset_free(&d);
    return rc;
}
