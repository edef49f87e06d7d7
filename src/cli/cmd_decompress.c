/* cmd_decompress.c - `lgc decompress`: regenerate a labelled training set from a package. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lgc/codec.h"
#include "lgc/tensor.h"

#define DEFAULT_MAX_N 10000000 /* above this, --allow-large is needed */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc decompress IN.lgc -o PREFIX [options]\n\n"
            "Sample each class's mixture (or each group's, for a package made with\n"
            "--groups; counts from the stored priors, summing to N), decode, and write\n"
            "PREFIX-images.EXT and PREFIX-labels.EXT (uint8), block by block so that memory\n"
            "does not grow with N.\n\n"
            "  -n N              number of images [60000]\n"
            "  --balance B       how N is split: prior (in proportion to the stored priors)\n"
            "                    | classes (the same number for every class) | groups (the\n"
            "                    same number for every group; packages made with --groups)\n"
            "                    [prior]\n"
            "  -o, --output P    output prefix\n"
            "  --format F        idx | npy [idx]\n"
            "  --seed S          sampling seed [1]\n"
            "  -f, --force       overwrite existing outputs\n"
            "  --allow-large     allow -n above %d\n"
            "  --max-memory B    refuse a package whose decoded data, or the decoder, mixtures\n"
            "                    and buffers built from it, need more than B bytes; suffixes\n"
            "                    K, M, G, T [data 1G, decoder 2G]\n"
            "  --threads T       threads [2]\n"
            "  --json            summary as one JSON object on stdout\n"
            "  -q                no progress\n",
            DEFAULT_MAX_N);
}

static void on_progress(void *p, size_t done, size_t total)
{
    cli_progress((const cli_common *)p, "decompress: %zu/%zu images", done, total);
}

int cmd_decompress(int argc, char **argv)
{
    const char *cmd = "decompress", *in = NULL, *prefix = NULL, *v;
    size_t N = 60000, threads = 2;
    uint64_t seed = 1;
    int force = 0, allow_large = 0, rc;
    uint64_t max_mem = 0; /* 0: the library defaults */
    lgc_file_format fmt = LGC_FMT_IDX;
    lgc_balance balance = LGC_BALANCE_PRIOR;
    cli_common c;
    cli_common_init(&c);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (cli_common_flag(&c, argv[i])) {
        } else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")) {
            force = 1;
        } else if (!strcmp(argv[i], "--allow-large")) {
            allow_large = 1;
        } else if (cli_opt(argc, argv, &i, "-n", &v)) {
            if ((rc = cli_size(cmd, "-n", v, 1, (size_t)0xFFFFFFFFu, &N)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "-o", &v) || cli_opt(argc, argv, &i, "--output", &v)) {
            if (!v || !*v)
                return cli_fail(cmd, EXIT_USAGE, "-o needs a prefix");
            if (!strcmp(v, "-"))
                return cli_fail(cmd, EXIT_USAGE, "-o -: decompress writes two files, "
                                "PREFIX-images and PREFIX-labels, never standard output; "
                                "give a prefix");
            prefix = v;
        } else if (cli_opt(argc, argv, &i, "--format", &v)) {
            if (v && !strcmp(v, "idx"))
                fmt = LGC_FMT_IDX;
            else if (v && !strcmp(v, "npy"))
                fmt = LGC_FMT_NPY;
            else
                return cli_fail(cmd, EXIT_USAGE, "--format: '%s' is not idx or npy", v ? v : "");
        } else if (cli_opt(argc, argv, &i, "--balance", &v)) {
            if (v && !strcmp(v, "prior"))
                balance = LGC_BALANCE_PRIOR;
            else if (v && !strcmp(v, "classes"))
                balance = LGC_BALANCE_CLASSES;
            else if (v && !strcmp(v, "groups"))
                balance = LGC_BALANCE_GROUPS;
            else
                return cli_fail(cmd, EXIT_USAGE, "--balance: '%s' is not prior, classes or groups",
                                v ? v : "");
        } else if (cli_opt(argc, argv, &i, "--seed", &v)) {
            if ((rc = cli_u64(cmd, "--seed", v, &seed)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--max-memory", &v)) {
            if ((rc = cli_bytes(cmd, "--max-memory", v, &max_mem)))
                return rc;
        } else if (cli_opt(argc, argv, &i, "--threads", &v)) {
            if ((rc = cli_size(cmd, "--threads", v, 1, 256, &threads)))
                return rc;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_fail(cmd, EXIT_USAGE, "unknown option '%s' (see lgc decompress --help)",
                            argv[i]);
        } else if (!in) {
            in = argv[i];
        } else {
            return cli_fail(cmd, EXIT_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    if (!in || !prefix)
        return cli_fail(cmd, EXIT_USAGE, "a package and -o PREFIX are required");
    if (N > DEFAULT_MAX_N && !allow_large)
        return cli_fail(cmd, EXIT_USAGE, "-n %zu is above %d; add --allow-large to confirm", N,
                        DEFAULT_MAX_N);
    lgc_threads_set((int)threads);
    lgc_err err;
    lgc_pkg *p = NULL;
    lgc_codec codec;
    memset(&codec, 0, sizeof codec);
    double t0 = cli_now();
    if (cli_open_package(cmd, in, max_mem, 4096, &p, &codec, &rc))
        goto done;
    if (balance == LGC_BALANCE_GROUPS && !codec.grouped) {
        rc = cli_fail(cmd, EXIT_DATA, "%s: --balance groups needs a package compressed with "
                      "--groups; this one has one mixture per class", in);
        goto done;
    }
    if (lgc_codec_decompress_files(&codec, N, seed, balance, prefix, fmt, force, on_progress, &c, &err)) {
        cli_progress_done(&c);
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    cli_progress_done(&c);
    double secs = cli_now() - t0;
    const char *ext = fmt == LGC_FMT_NPY ? "npy" : "idx";
    if (c.json) {
        printf("{\"package\":");
        cli_json_str(in);
        static const char *const bal[] = {"prior", "classes", "groups"};
        printf(",\"balance\":\"%s\"", bal[balance]);
        printf(",\"n\":%zu,\"seed\":%llu,\"images\":\"%s-images.%s\",\"labels\":\"%s-labels.%s\","
               "\"seconds\":%.3f,\"images_per_second\":%.0f}\n",
               N, (unsigned long long)seed, prefix, ext, prefix, ext, secs, (double)N / secs);
    } else if (!c.quiet) {
        fprintf(stderr, "decompress: %zu images to %s-images.%s and %s-labels.%s in %.2f s\n", N,
                prefix, ext, prefix, ext, secs);
    }
    rc = 0;
done:
    lgc_codec_free(&codec);
    lgc_pkg_free(p);
    return rc;
}
