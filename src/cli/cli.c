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
    if (lgc_pkg_read_file(path, &lim, p, &err) ||
        lgc_codec_open_capped(codec, *p, path, max_batch, cap, &err)) {
        if (err.code == LGC_ERR_LIMIT)
            *rc = cli_fail(cmd, EXIT_DATA, "%s (raise it with --max-memory)", err.msg);
        else
            *rc = cli_fail_err(cmd, &err);
        return 1;
    }
    return 0;
}

int cli_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 < argc) {
        *val = argv[++*i];
    } else {
        *val = NULL;
    }
    return 1;
}

int cli_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    if (!s)
        return cli_fail(cmd, EXIT_USAGE, "%s needs a value", opt);
    if (*s < '0' || *s > '9') /* strtoull would skip any white space and take a sign */
        return cli_fail(cmd, EXIT_USAGE, "%s: '%s' is not a non-negative integer", opt, s);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end)
        return cli_fail(cmd, EXIT_USAGE, "%s: '%s' is not a non-negative integer", opt, s);
    if (errno == ERANGE)
        return cli_fail(cmd, EXIT_USAGE, "%s: '%s' is too large", opt, s);
    *out = (uint64_t)v;
    return 0;
}

int cli_size(const char *cmd, const char *opt, const char *s, size_t lo, size_t hi, size_t *out)
{
    uint64_t v = 0;
    int rc = cli_u64(cmd, opt, s, &v);
    if (rc)
        return rc;
    if (v < lo || v > hi)
        return cli_fail(cmd, EXIT_USAGE, "%s: %s is out of range [%zu, %zu]", opt, s, lo, hi);
    *out = (size_t)v;
    return 0;
}

int cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out)
{
    if (!s)
        return cli_fail(cmd, EXIT_USAGE, "%s needs a value", opt);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno == ERANGE || !isfinite(v))
        return cli_fail(cmd, EXIT_USAGE, "%s: '%s' is not a number", opt, s);
    if (v < lo || v > hi)
        return cli_fail(cmd, EXIT_USAGE, "%s: %s is out of range [%g, %g]", opt, s, lo, hi);
    *out = v;
    return 0;
}

int cli_bytes(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    if (!s)
        return cli_fail(cmd, EXIT_USAGE, "%s needs a value", opt);
    size_t n = strlen(s);
    int shift = 0;
    const char *units = "KMGT", *u = n ? strchr(units, s[n - 1]) : NULL;
    if (u && *u)
        shift = 10 * (int)(u - units + 1), n--;
    char digits[32];
    if (n == 0 || n >= sizeof digits || strspn(s, "0123456789") != n)
        return cli_fail(cmd, EXIT_USAGE, "%s: '%s' is not a byte count (digits, then K, M, G or T)",
                        opt, s);
    memcpy(digits, s, n);
    digits[n] = '\0';
    uint64_t v = 0;
    int rc = cli_u64(cmd, opt, digits, &v);
    if (rc)
        return rc;
    if (v == 0 || v > (UINT64_MAX >> 2) >> shift)
        return cli_fail(cmd, EXIT_USAGE, "%s: %s is out of range", opt, s);
    *out = v << shift;
    return 0;
}

int cli_need(const char *cmd, const char *opt, const char *v)
{
    return v && *v ? 0 : cli_fail(cmd, EXIT_USAGE, "%s needs a value", opt);
}

void cli_common_init(cli_common *c)
{
    c->quiet = 0;
    c->json = 0;
    c->progress = isatty(STDERR_FILENO);
}

int cli_common_flag(cli_common *c, const char *arg)
{
    if (!strcmp(arg, "--json"))
        c->json = 1;
    else if (!strcmp(arg, "-q"))
        c->quiet = 1;
    else
        return 0;
    return 1;
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

double cli_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cli_json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}
