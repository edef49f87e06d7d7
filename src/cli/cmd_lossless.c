/* cmd_lossless.c - `lgc lossless`: bytes of files under gzip -9, xz -9e, zstd -19. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lgc/io.h"
#include "lgc/lossless.h"

int cmd_lossless(int argc, char **argv)
{
    const char *cmd = cli_cmd_lossless.name;
    int json = 0, rc;
    size_t nf = 0;
    const cli_option rows[] = {CLI_ROW_JSON(&json)};
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    if (!files)
        return cli_fail(cmd, EXIT_DATA, "out of memory");
    if ((rc = cli_parse(&cli_cmd_lossless, rows, CLI_N_ROWS(rows), argc, argv, files, &nf))) {
        free(files);
        return rc == CLI_HELP_SHOWN ? 0 : rc;
    }
    /* Measure every file before printing anything: a file that fails leaves
     * one error line, never half a table or half a JSON object. */
    lgc_lossless_sizes tot = {0, 0, 0, 0}, *sz = calloc(nf, sizeof *sz);
    if (!sz) {
        free(files);
        return cli_fail(cmd, EXIT_DATA, "out of memory");
    }
    double t0 = lgc_now();
    for (size_t i = 0; i < nf; i++) {
        lgc_err err;
        uint8_t *buf;
        size_t n;
        lgc_lossless_sizes *s = &sz[i];
        if (lgc_read_file(files[i], (size_t)1 << 34, &buf, &n, &err)) {
            rc = cli_fail_err(cmd, &err);
            goto done;
        }
        lgc_status st = lgc_lossless_measure(buf, n, s, &err);
        free(buf);
        if (st) {
            rc = cli_fail(cmd, EXIT_DATA, "%s: %s", files[i], err.msg);
            goto done;
        }
        tot.raw += s->raw, tot.gzip9 += s->gzip9, tot.xz9e += s->xz9e, tot.zstd19 += s->zstd19;
    }
    if (json) {
        cli_json j;
        cli_json_begin(&j, cmd);
        cli_json_array(&j, "files");
        for (size_t i = 0; i < nf; i++) {
            cli_json_object(&j, NULL);
            cli_json_str(&j, "file", files[i]);
            cli_json_u64(&j, "raw", sz[i].raw);
            cli_json_u64(&j, "gzip9", sz[i].gzip9);
            cli_json_u64(&j, "xz9e", sz[i].xz9e);
            cli_json_u64(&j, "zstd19", sz[i].zstd19);
            cli_json_close(&j);
        }
        cli_json_close(&j);
        cli_json_object(&j, "total");
        cli_json_u64(&j, "raw", tot.raw);
        cli_json_u64(&j, "gzip9", tot.gzip9);
        cli_json_u64(&j, "xz9e", tot.xz9e);
        cli_json_u64(&j, "zstd19", tot.zstd19);
        cli_json_close(&j);
        cli_json_num(&j, "seconds", lgc_now() - t0, 2);
        cli_json_end(&j);
    } else {
        for (size_t i = 0; i < nf; i++)
            printf("%-40s raw %10zu  gzip -9 %10zu  xz -9e %10zu  zstd -19 %10zu\n", files[i],
                   sz[i].raw, sz[i].gzip9, sz[i].xz9e, sz[i].zstd19);
        printf("%-40s raw %10zu  gzip -9 %10zu  xz -9e %10zu  zstd -19 %10zu\n", "total", tot.raw,
               tot.gzip9, tot.xz9e, tot.zstd19);
    }
    rc = 0;
done:
    free(sz);
    free(files);
    return rc;
}
