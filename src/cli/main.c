/* main.c - the lgc program: dispatch to subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lgc/tensor.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *what;
} commands[] = {
    {"compress", cmd_compress, "train the autoencoder, fit per-class mixtures, write a package"},
    {"decompress", cmd_decompress, "regenerate a labelled training set from a package"},
    {"info", cmd_info, "describe a package"},
    {"grid", cmd_grid, "a PNG of regenerated samples, one row per class"},
    {"eval", cmd_eval, "train a judge on a training set and test it"},
    {"subset", cmd_subset, "a random or CRUST subset of real images at a byte budget"},
    {"lossless", cmd_lossless, "sizes of files under gzip -9, xz -9e and zstd -19"},
    {"privacy", cmd_privacy, "does a package give back its training records?"},
    {"report", cmd_report, "pictures and an HTML page about a package"},
    {"spuco", cmd_spuco, "make SpuCo MNIST: coloured backgrounds that predict the label"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: lgc COMMAND [OPTIONS]\n\n"
               "Latent Gaussian Compression: a labelled image dataset becomes a decoder plus\n"
               "per-class Gaussian mixtures in one small package, and back into a fresh\n"
               "training set of any size.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].what);
    fprintf(f, "\n  lgc COMMAND --help   options of one command\n"
               "  lgc --version        version and linear-algebra backend\n"
               "\nexit codes: 0 success, 1 data or I/O error, 2 usage error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "lgc: no command given (see lgc --help)\n");
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("lgc %s\nblas: %s\n", LGC_VERSION_STRING, lgc_blas_info());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    for (char *c = argv[1]; *c; c++) /* keep the error on one line */
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    fprintf(stderr, "lgc: unknown command '%s' (see lgc --help)\n", argv[1]);
    return EXIT_USAGE;
}
