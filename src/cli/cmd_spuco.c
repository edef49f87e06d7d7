/* cmd_spuco.c - `lgc spuco`: SpuCo MNIST (coloured backgrounds, spurious correlation) from MNIST. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lgc/spuco.h"

enum { N_OUT = 6 };

/* What was made: counts, the smallest and largest training group (how many
 * minority images there are to learn from), the files. */
static void print_summary(const cli_common *c, const char *prefix, const lgc_spuco_opts *o,
                          const lgc_images *rgb, const lgc_labels *train_groups, size_t n_noisy,
                          char *const *path, double t0)
{
    size_t gcount[LGC_SPUCO_GROUPS] = {0}, gmin = (size_t)-1, gmax = 0, n_groups = 0;
    for (size_t i = 0; i < train_groups->n; i++)
        gcount[train_groups->y[i]]++;
    for (size_t g = 0; g < LGC_SPUCO_GROUPS; g++)
        if (gcount[g]) {
            n_groups++;
            gmin = gcount[g] < gmin ? gcount[g] : gmin;
            gmax = gcount[g] > gmax ? gcount[g] : gmax;
        }
    if (!n_groups)
        gmin = 0;
    if (c->json) {
        cli_json j;
        cli_json_begin(&j, cli_cmd_spuco.name);
        cli_json_str(&j, "prefix", prefix);
        cli_json_num(&j, "strength", o->strength, 6);
        cli_json_num(&j, "label_noise", o->label_noise, 6);
        cli_json_u64(&j, "seed", o->seed);
        cli_json_u64(&j, "n_train_images", rgb[0].n);
        cli_json_u64(&j, "n_test_images", rgb[1].n);
        cli_json_u64(&j, "noisy_labels", n_noisy);
        cli_json_u64(&j, "train_groups", n_groups);
        cli_json_u64(&j, "train_group_min", gmin);
        cli_json_u64(&j, "train_group_max", gmax);
        cli_json_array(&j, "outputs");
        for (int k = 0; k < N_OUT; k++)
            cli_json_str(&j, NULL, path[k]);
        cli_json_close(&j);
        cli_json_num(&j, "seconds", lgc_now() - t0, 2);
        cli_json_end(&j);
    } else if (!c->quiet) {
        fprintf(stderr,
                "spuco: %s-{train,test}-{images,labels,groups}.idx: %zu training images (p = "
                "%g, %zu noisy labels, %zu groups of %zu..%zu), %zu test images\n",
                prefix, rgb[0].n, o->strength, n_noisy, n_groups, gmin, gmax, rgb[1].n);
    }
}

int cmd_spuco(int argc, char **argv)
{
    const char *cmd = cli_cmd_spuco.name, *prefix = NULL, *data_dir = NULL;
    const char *in[4] = {NULL, NULL, NULL, NULL};
    static const char *const in_name[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    static const char *const in_opt[4] = {"--train-images", "--train-labels", "--test-images",
                                          "--test-labels"};
    char in_buf[4][4096];
    lgc_spuco_opts o;
    lgc_spuco_opts_default(&o);
    int force = 0, rc;
    size_t n_pos;
    cli_common c;
    cli_common_init(&c);
    const cli_option rows[] = {
        CLI_ROW_OUTPUT(&prefix, "PREFIX", "output prefix"),
        {.name = "--strength", .kind = OPT_DOUBLE, .meta = "P", .dest = &o.strength, .lo = 0.0,
         .hi = 1.0, .help = "spurious correlation strength p, 0..1"},
        {.name = "--label-noise", .kind = OPT_DOUBLE, .meta = "F", .dest = &o.label_noise,
         .lo = 0.0, .hi = 1.0, .help = "share f of training labels replaced, 0..1"},
        CLI_ROW_SEED(&o.seed, "the colours and the label noise"),
        {.name = "--train-images", .kind = OPT_FILE, .meta = "F", .dest = &in[0],
         .def = "train-images-idx3-ubyte in the data folder", .help = "MNIST training images"},
        {.name = "--train-labels", .kind = OPT_FILE, .meta = "F", .dest = &in[1],
         .def = "train-labels-idx1-ubyte in the data folder", .help = "MNIST training labels"},
        {.name = "--test-images", .kind = OPT_FILE, .meta = "F", .dest = &in[2],
         .def = "t10k-images-idx3-ubyte in the data folder", .help = "MNIST test images"},
        {.name = "--test-labels", .kind = OPT_FILE, .meta = "F", .dest = &in[3],
         .def = "t10k-labels-idx1-ubyte in the data folder", .help = "MNIST test labels"},
        CLI_ROW_DATA_DIR(&data_dir),
        CLI_ROW_FORCE(&force),
        CLI_ROWS_COMMON(&c),
    };
    if ((rc = cli_parse(&cli_cmd_spuco, rows, CLI_N_ROWS(rows), argc, argv, NULL, &n_pos)))
        return rc == CLI_HELP_SHOWN ? 0 : rc;
    for (int k = 0; k < 4; k++) {
        if (in[k])
            continue;
        if ((rc = cli_data_file(cmd, data_dir, in_name[k], in_opt[k], in_buf[k],
                                sizeof in_buf[k])))
            return rc;
        in[k] = in_buf[k];
    }
    double t0 = lgc_now();

    static const char *const names[N_OUT] = {"train-images", "train-labels", "train-groups",
                                             "test-images",  "test-labels",  "test-groups"};
    size_t plen = strlen(prefix) + 32;
    char *path[N_OUT] = {0};
    int written[N_OUT] = {0};
    lgc_dataset d[2];
    memset(d, 0, sizeof d);
    lgc_images rgb[2] = {{0}};
    lgc_labels lab[2] = {{0}}, grp[2] = {{0}};
    size_t n_noisy = 0;
    lgc_err err;
    rc = EXIT_DATA;
    for (int k = 0; k < N_OUT; k++) {
        if (!(path[k] = malloc(plen))) {
            cli_fail(cmd, EXIT_DATA, "out of memory");
            goto done;
        }
        snprintf(path[k], plen, "%s-%s.idx", prefix, names[k]);
        if (!force && access(path[k], F_OK) == 0) {
            cli_fail(cmd, EXIT_DATA, "%s: already exists (use -f to overwrite)", path[k]);
            goto done;
        }
    }
    for (int s = 0; s < 2; s++) {
        if (lgc_dataset_load(in[2 * s], in[2 * s + 1], LGC_SPUCO_CLASSES, &d[s], &err)) {
            cli_fail_err(cmd, &err);
            goto done;
        }
        if (d[s].x.c != 1) {
            cli_fail(cmd, EXIT_DATA, "%s: images have %zu channels; SpuCo colours grey images",
                     in[2 * s], d[s].x.c);
            goto done;
        }
        if (lgc_spuco_make(&d[s].x, &d[s].y, s ? LGC_SPUCO_TEST : LGC_SPUCO_TRAIN, &o, &rgb[s],
                           &lab[s], &grp[s], s ? NULL : &n_noisy, &err)) {
            cli_fail_err(cmd, &err);
            goto done;
        }
    }
    for (int k = 0; k < N_OUT; k++) {
        int s = k / 3;
        lgc_status st = k % 3 == 0 ? lgc_idx_write_images(path[k], &rgb[s], force, &err)
                        : lgc_idx_write_labels(path[k], k % 3 == 1 ? &lab[s] : &grp[s], force,
                                               &err);
        if (st) {
            cli_fail_err(cmd, &err);
            goto done;
        }
        written[k] = 1;
    }
    rc = 0;
    print_summary(&c, prefix, &o, rgb, &grp[0], n_noisy, path, t0);
done:
    for (int k = 0; k < N_OUT; k++) {
        if (rc && written[k])
            unlink(path[k]); /* all six or none */
        free(path[k]);
    }
    for (int s = 0; s < 2; s++) {
        lgc_dataset_free(&d[s]);
        lgc_images_free(&rgb[s]);
        lgc_labels_free(&lab[s]);
        lgc_labels_free(&grp[s]);
    }
    return rc;
}
