/* cmd_spuco.c - `lgc spuco`: SpuCo MNIST (coloured backgrounds, spurious correlation) from MNIST. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lgc/spuco.h"

#define DEF_TRAIN_IMAGES "data/mnist/train-images-idx3-ubyte"
#define DEF_TRAIN_LABELS "data/mnist/train-labels-idx1-ubyte"
#define DEF_TEST_IMAGES "data/mnist/t10k-images-idx3-ubyte"
#define DEF_TEST_LABELS "data/mnist/t10k-labels-idx1-ubyte"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc spuco -o PREFIX [options]\n\n"
            "Make SpuCo MNIST (../shared/PROTOCOL.md section 1): MNIST in RGB, every pixel that\n"
            "is exactly 0 painted in a background colour (tab10 colour c). In the training\n"
            "split floor(p n) of each class's n images get the class's own colour and the\n"
            "rest the other nine in turn; int(f N) training labels are replaced by a random\n"
            "other class. In the test split the colours are balanced within each class.\n"
            "Writes PREFIX-{train,test}-{images,labels,groups}.idx: images uint8 N x 28 x 28\n"
            "x 3, labels, and groups = label x 10 + colour (100 groups; a noisy image's group\n"
            "follows its noisy label). All six appear together or none does.\n\n"
            "  -o, --output P      output prefix\n"
            "  --strength P        spurious correlation strength p, 0..1 [0.99]\n"
            "  --label-noise F     share f of training labels replaced, 0..1 [0.001]\n"
            "  --seed S            seed [1]\n"
            "  --train-images F    [" DEF_TRAIN_IMAGES "]\n"
            "  --train-labels F    [" DEF_TRAIN_LABELS "]\n"
            "  --test-images F     [" DEF_TEST_IMAGES "]\n"
            "  --test-labels F     [" DEF_TEST_LABELS "]\n"
            "  -f, --force         overwrite existing outputs\n"
            "  --json              summary as one JSON object on stdout\n"
            "  -q                  no summary on stderr\n");
}

enum { N_OUT = 6 };

int cmd_spuco(int argc, char **argv)
{
    const char *cmd = "spuco", *prefix = NULL, *v;
    const char *in[4] = {DEF_TRAIN_IMAGES, DEF_TRAIN_LABELS, DEF_TEST_IMAGES, DEF_TEST_LABELS};
    static const char *const in_opt[4] = {"--train-images", "--train-labels", "--test-images",
                                          "--test-labels"};
    lgc_spuco_opts o;
    lgc_spuco_opts_default(&o);
    int force = 0, rc;
    cli_common c;
    cli_common_init(&c);
    for (int i = 1; i < argc; i++) {
        int matched = 0;
        for (int k = 0; k < 4 && !matched; k++)
            if (cli_opt(argc, argv, &i, in_opt[k], &v)) {
                if ((rc = cli_need(cmd, in_opt[k], v)))
                    return rc;
                in[k] = v;
                matched = 1;
            }
        if (matched) {
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (cli_common_flag(&c, argv[i])) {
        } else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")) {
            force = 1;
        } else if (cli_opt(argc, argv, &i, "-o", &v) || cli_opt(argc, argv, &i, "--output", &v)) {
            if (!v || !*v)
                return cli_fail(cmd, EXIT_USAGE, "-o needs a prefix");
            if (!strcmp(v, "-"))
                return cli_fail(cmd, EXIT_USAGE, "-o -: spuco writes six files, never standard "
                                "output; give a prefix");
            prefix = v;
        } else if (cli_opt(argc, argv, &i, "--strength", &v)) {
            if ((rc = cli_double(cmd, "--strength", v, 0.0, 1.0, &o.strength)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--label-noise", &v)) {
            if ((rc = cli_double(cmd, "--label-noise", v, 0.0, 1.0, &o.label_noise)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--seed", &v)) {
            if ((rc = cli_u64(cmd, "--seed", v, &o.seed)))
                return rc;
        } else {
            return cli_fail(cmd, EXIT_USAGE, "unknown option '%s' (see lgc spuco --help)", argv[i]);
        }
    }
    if (!prefix)
        return cli_fail(cmd, EXIT_USAGE, "-o PREFIX is required");

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
    /* smallest and largest training group: how many minority images there are to learn from */
    size_t gcount[LGC_SPUCO_GROUPS] = {0}, gmin = (size_t)-1, gmax = 0, n_groups = 0;
    for (size_t i = 0; i < grp[0].n; i++)
        gcount[grp[0].y[i]]++;
    for (size_t g = 0; g < LGC_SPUCO_GROUPS; g++)
        if (gcount[g]) {
            n_groups++;
            gmin = gcount[g] < gmin ? gcount[g] : gmin;
            gmax = gcount[g] > gmax ? gcount[g] : gmax;
        }
    if (!n_groups)
        gmin = 0;
    if (c.json) {
        printf("{\"prefix\":");
        cli_json_str(prefix);
        printf(",\"strength\":%.6g,\"label_noise\":%.6g,\"seed\":%llu,\"n_train\":%zu,"
               "\"n_test\":%zu,\"noisy_labels\":%zu,\"train_groups\":%zu,"
               "\"train_group_min\":%zu,\"train_group_max\":%zu,\"files\":[",
               o.strength, o.label_noise, (unsigned long long)o.seed, rgb[0].n, rgb[1].n, n_noisy,
               n_groups, gmin, gmax);
        for (int k = 0; k < N_OUT; k++) {
            printf("%s", k ? "," : "");
            cli_json_str(path[k]);
        }
        printf("]}\n");
    } else if (!c.quiet) {
        fprintf(stderr,
                "spuco: %s-{train,test}-{images,labels,groups}.idx: %zu training images (p = "
                "%g, %zu noisy labels, %zu groups of %zu..%zu), %zu test images\n",
                prefix, rgb[0].n, o.strength, n_noisy, n_groups, gmin, gmax, rgb[1].n);
    }
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
