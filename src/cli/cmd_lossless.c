/* cmd_lossless.c - `lgc lossless`: bytes of files under gzip -9, xz -9e, zstd -19. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lgc/io.h"
#include "lgc/lossless.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: lgc lossless FILE... [--json]\n\n"
               "Compress each file separately with gzip -9, xz -9e and zstd -19 (through zlib,\n"
               "liblzma and libzstd) and report the sizes and their sums (PROTOCOL.md §2).\n");
}

int cmd_lossless(int argc, char **argv)
{
    const char *cmd = "lossless";
    int json = 0, nf = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_fail(cmd, EXIT_USAGE, "unknown option '%s'", argv[i]);
        } else {
            nf++;
        }
    }
    if (!nf)
        return cli_fail(cmd, EXIT_USAGE, "give at least one file");
    /* Measure every file before printing anything: a file that fails leaves
     * one error line, never half a table or half a JSON object. */
    lgc_lossless_sizes tot = {0, 0, 0, 0}, *sz = calloc((size_t)argc, sizeof *sz);
    if (!sz)
        return cli_fail(cmd, EXIT_DATA, "out of memory");
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        lgc_err err;
        uint8_t *buf;
        size_t n;
        lgc_lossless_sizes *s = &sz[i];
        if (lgc_read_file(argv[i], (size_t)1 << 34, &buf, &n, &err)) {
            free(sz);
            return cli_fail_err(cmd, &err);
        }
        lgc_status st = lgc_lossless_measure(buf, n, s, &err);
        free(buf);
        if (st) {
            free(sz);
            return cli_fail(cmd, EXIT_DATA, "%s: %s", argv[i], err.msg);
        }
        tot.raw += s->raw, tot.gzip9 += s->gzip9, tot.xz9e += s->xz9e, tot.zstd19 += s->zstd19;
    }
    if (json)
        printf("{\"files\":[");
    int first = 1;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        const lgc_lossless_sizes *s = &sz[i];
        if (json) {
            printf("%s{\"file\":", first ? "" : ",");
            cli_json_str(argv[i]);
            printf(",\"raw\":%zu,\"gzip9\":%zu,\"xz9e\":%zu,\"zstd19\":%zu}", s->raw, s->gzip9,
                   s->xz9e, s->zstd19);
        } else {
            printf("%-40s raw %10zu  gzip -9 %10zu  xz -9e %10zu  zstd -19 %10zu\n", argv[i],
                   s->raw, s->gzip9, s->xz9e, s->zstd19);
        }
        first = 0;
    }
    free(sz);
    if (json)
        printf("],\"total\":{\"raw\":%zu,\"gzip9\":%zu,\"xz9e\":%zu,\"zstd19\":%zu}}\n", tot.raw,
               tot.gzip9, tot.xz9e, tot.zstd19);
    else
        printf("%-40s raw %10zu  gzip -9 %10zu  xz -9e %10zu  zstd -19 %10zu\n", "total", tot.raw,
               tot.gzip9, tot.xz9e, tot.zstd19);
    return 0;
}
