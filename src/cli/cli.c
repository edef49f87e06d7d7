/* cli.c - argument parsing, error lines and progress output shared by subcommands. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const lgc_comm *g_comm;

void cli_set_comm(const lgc_comm *c) { g_comm = c; }
const lgc_comm *cli_comm(void) { return g_comm ? g_comm : lgc_comm_self(); }

int cli_single_process(const char *cmd)
{
    if (lgc_comm_size(cli_comm()) == 1)
        return 0;
    return cli_fail(cmd, EXIT_USAGE, "runs in one process; under mpirun only compress and "
                    "decompress share their work across ranks");
}

int cli_fail(const char *cmd, int code, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* one line, whatever the names and values it quotes hold (a file name may contain a newline) */
    for (char *c = msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    /* Under mpirun: a usage error is the same on every rank (they all parse the
     * same line), so rank 0 alone says it; other errors say which rank. */
    if (lgc_comm_rank(cli_comm()) != 0 && code != EXIT_USAGE)
        fprintf(stderr, "lgc %s (rank %d): %s\n", cmd, lgc_comm_rank(cli_comm()), msg);
    else if (lgc_comm_rank(cli_comm()) == 0)
        fprintf(stderr, "lgc %s: %s\n", cmd, msg);
    return code;
}

int cli_fail_err(const char *cmd, const lgc_err *err)
{
    int code = err->code == LGC_ERR_ARG ? EXIT_USAGE : EXIT_DATA;
    return cli_fail(cmd, code, "%s", err->msg[0] ? err->msg : lgc_status_str(err->code));
}

int cli_open_package(const char *cmd, const char *path, uint64_t max_mem, size_t max_batch,
                     lgc_pkg **p, lgc_codec *codec, int *rc)
{
    lgc_pkg_limits lim;
    lgc_pkg_limits_default(&lim);
    uint64_t cap = LGC_CODEC_MEMORY_DEFAULT;
    if (max_mem)
        lim.max_data_bytes = cap = max_mem;
    lgc_err err;
    *p = NULL;
    lgc_status st = lgc_pkg_read_file(path, &lim, p, &err);
    if (st == LGC_OK)
        st = lgc_codec_open_capped(codec, *p, path, max_batch, cap, &err);
    /* Under the default cap, a decoder of larger images (32x32 RGB conv) runs
     * in smaller batches rather than being refused: the bytes are the same
     * (the decoder runs row by row); --max-memory is taken as asked. */
    while (st == LGC_ERR_LIMIT && *p && !max_mem && max_batch > 64)
        st = lgc_codec_open_capped(codec, *p, path, max_batch /= 2, cap, &err);
    if (st) {
        if (err.code == LGC_ERR_LIMIT)
            *rc = cli_fail(cmd, EXIT_DATA, "%s (raise it with --max-memory)", err.msg);
        else
            *rc = cli_fail_err(cmd, &err);
        return 1;
    }
    return 0;
}

void cli_common_init(cli_common *c)
{
    c->quiet = 0;
    c->json = 0;
    c->progress = isatty(STDERR_FILENO);
}

void cli_progress(const cli_common *c, const char *fmt, ...)
{
    if (!c->progress || c->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("\r\033[K", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

void cli_progress_done(const cli_common *c)
{
    if (c->progress && !c->quiet)
        fputs("\r\033[K", stderr);
}


#ifndef LGC_DEFAULT_DATA_DIR
#define LGC_DEFAULT_DATA_DIR ""
#endif

const char *cli_data_dir_default(void) { return LGC_DEFAULT_DATA_DIR; }

int cli_data_file(const char *cmd, const char *data_dir, const char *name, const char *hint,
                  char *out, size_t n)
{
    const char *dir = data_dir, *from = "--data-dir";
    if (!dir) {
        const char *env = getenv("LGC_DATA");
        if (env && *env)
            dir = env, from = "LGC_DATA";
        else
            dir = LGC_DEFAULT_DATA_DIR, from = "the folder scripts/setup.sh fills";
    }
    if (!*dir)
        return cli_fail(cmd, EXIT_DATA, "%s: no data folder: give %s, --data-dir DIR or "
                        "LGC_DATA=DIR", name, hint);
    const char *sub[2] = {"/mnist/", "/"};
    char looked[2][4096];
    for (int k = 0; k < 2; k++) {
        snprintf(looked[k], sizeof looked[k], "%s%s%s", dir, sub[k], name);
        if (access(looked[k], R_OK) == 0) {
            if ((size_t)snprintf(out, n, "%s", looked[k]) >= n)
                return cli_fail(cmd, EXIT_USAGE, "%s: path too long", looked[k]);
            return 0;
        }
    }
    return cli_fail(cmd, EXIT_DATA, "%s: not found in %s nor %s (data folder from %s); give %s, "
                    "--data-dir DIR or LGC_DATA=DIR, or run scripts/setup.sh", name, looked[0],
                    looked[1], from, hint);
}

int cli_created(const char *cmd, char *buf, size_t n)
{
    time_t now = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        if (*sde < '0' || *sde > '9')
            return cli_fail(cmd, EXIT_USAGE, "SOURCE_DATE_EPOCH: '%s' is not a non-negative "
                            "integer", sde);
        char *end;
        errno = 0;
        unsigned long long t = strtoull(sde, &end, 10);
        if (*end)
            return cli_fail(cmd, EXIT_USAGE, "SOURCE_DATE_EPOCH: '%s' is not a non-negative "
                            "integer", sde);
        if (errno == ERANGE || t > 253402300799u) /* seconds up to the year 9999 */
            return cli_fail(cmd, EXIT_USAGE, "SOURCE_DATE_EPOCH: %s is after the year 9999", sde);
        now = (time_t)t;
    }
    struct tm tmv;
    if (!gmtime_r(&now, &tmv))
        return cli_fail(cmd, EXIT_DATA, "cannot convert the time %lld to a date", (long long)now);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    return 0;
}

void cli_beside(const char *path, const char *ext, char *out, size_t n)
{
    size_t len = strlen(path);
    if (len >= 4 && strcmp(path + len - 4, ".lgc") == 0)
        snprintf(out, n, "%.*s%s", (int)(len - 4), path, ext);
    else
        snprintf(out, n, "%s%s", path, ext);
}
