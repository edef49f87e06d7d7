/* cmd_subset.c - `lgc subset`: a random or CRUST subset of real images at a byte budget. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lgc/data.h"
#include "lgc/subset.h"
#include "lgc/tensor.h"

static const char *const method_names[] = {"random", "crust", NULL};

typedef struct {
    const cli_common *c;
    double t0;
    double search_s; /* when the budget search ended (CRUST's stages follow it) */
} prog_ctx;

static void on_progress(void *p, const lgc_progress *pr)
{
    prog_ctx *pc = p;
    double el = lgc_now() - pc->t0;
    if (strcmp(pr->stage, "search") != 0 && pc->search_s == 0.0)
        pc->search_s = el;
    if (pr->total)
        cli_progress(pc->c, "subset: %s %zu/%zu (%.0f s)", pr->stage, pr->done, pr->total, el);
    else
        cli_progress(pc->c, "subset: %s: %zu subsets measured (%.0f s)", pr->stage, pr->done,
                     el);
}

int cmd_subset(int argc, char **argv)
{
    const char *cmd = cli_cmd_subset.name;
    const char *imgs = NULL, *labs = NULL, *prefix = NULL;
    lgc_subset_opts o;
    lgc_subset_opts_default(&o);
    int method = -1, force = 0, rc;
    size_t threads = 2, limit = 0, n_pos;
    cli_common c;
    cli_common_init(&c);
    const cli_option rows[] = {
        {.name = "--method", .kind = OPT_CHOICE, .meta = "M", .dest = &method,
         .choices = method_names, .flags = OPT_REQUIRED, .help = "random | crust"},
        {.name = "--budget", .kind = OPT_BYTES, .meta = "B", .dest = &o.budget,
         .flags = OPT_REQUIRED,
         .help = "bytes: digits, then optionally K, M or G (powers of 1024)"},
        {.name = "--images", .kind = OPT_FILE, .meta = "F", .dest = &imgs, .flags = OPT_REQUIRED,
         .help = "training images, IDX or NPY"},
        {.name = "--labels", .kind = OPT_FILE, .meta = "F", .dest = &labs, .flags = OPT_REQUIRED,
         .help = "training labels"},
        CLI_ROW_OUTPUT(&prefix, "P", "output prefix"),
        CLI_ROW_FORCE(&force),
        {.name = "--limit", .kind = OPT_SIZE, .meta = "N", .dest = &limit, .lo = 1,
         .hi = (double)((size_t)1 << 32), .def = "",
         .help = "use only the first N images (quick runs, tests)"},
        CLI_ROW_SEED(&o.seed, "the random order, the judge's training and k-medoids++"),
        {.name = "--max-iter", .kind = OPT_SIZE, .meta = "N", .dest = &o.max_iter, .lo = 1,
         .hi = 100000, .help = "k-medoids alternations per class"},
        CLI_ROWS_RUN(&threads, &c),
    };
    if ((rc = cli_parse(&cli_cmd_subset, rows, CLI_N_ROWS(rows), argc, argv, NULL, &n_pos)))
        return rc == CLI_HELP_SHOWN ? 0 : rc;
    o.method = (lgc_subset_method)lgc_subset_method_from_name(method_names[method]);
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
    prog_ctx pc = {&c, lgc_now(), 0.0};
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
    double secs = lgc_now() - pc.t0;
    for (int w = 0; w < 3; w++)
        paths[w] = lgc_subset_path(prefix, w);
    if (!paths[0] || !paths[1] || !paths[2]) {
        rc = cli_fail(cmd, EXIT_DATA, "out of memory");
        goto done;
    }
    size_t bytes = s.xz_images + s.xz_labels;
    if (c.json) {
        cli_json j;
        cli_json_begin(&j, cmd);
        cli_json_str(&j, "method", lgc_subset_method_name(s.method));
        cli_json_u64(&j, "seed", o.seed);
        cli_json_u64(&j, "budget", o.budget);
        cli_json_u64(&j, "n_images", d.x.n);
        cli_json_u64(&j, "n_selected_images", s.k);
        cli_json_sizes(&j, "per_class", s.counts, s.n_classes);
        cli_json_u64(&j, "xz_images", s.xz_images);
        cli_json_u64(&j, "xz_labels", s.xz_labels);
        cli_json_u64(&j, "compressed_bytes", bytes);
        cli_json_u64(&j, "probes", s.n_probes);
        if (with_w) {
            cli_json_u64(&j, "kmedoids_max_iterations", s.max_iters);
            cli_json_bool(&j, "kmedoids_capped", s.capped);
        } else {
            cli_json_null(&j, "kmedoids_max_iterations");
            cli_json_null(&j, "kmedoids_capped");
        }
        cli_json_str(&j, "images", paths[0]);
        cli_json_str(&j, "labels", paths[1]);
        cli_json_str(&j, "weights", with_w ? paths[2] : NULL);
        cli_json_array(&j, "outputs");
        for (int w = 0; w < 2 + with_w; w++)
            cli_json_str(&j, NULL, paths[w]);
        cli_json_close(&j);
        cli_json_num(&j, "search_seconds", pc.search_s > 0.0 ? pc.search_s : secs, 2);
        cli_json_num(&j, "seconds", secs, 2);
        cli_json_u64(&j, "threads", threads);
        cli_json_end(&j);
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
