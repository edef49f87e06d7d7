/*
 * cli.h - shared pieces of the lgc program: the only code that reads argv,
 * prints, or exits. Exit codes: 0 success, 1 data or I/O error, 2 usage error.
 */
#ifndef LGC_CLI_H
#define LGC_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/codec.h"
#include "lgc/status.h"

#define EXIT_DATA 1
#define EXIT_USAGE 2

typedef struct {
    int quiet;    /* -q: no progress */
    int json;     /* --json: one JSON object on stdout */
    int progress; /* progress lines on stderr (only when it is a terminal and not -q) */
} cli_common;

/* Subcommands: argc/argv start at the subcommand name. Return an exit code. */
int cmd_eval(int argc, char **argv);
int cmd_compress(int argc, char **argv);
int cmd_decompress(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_grid(int argc, char **argv);
int cmd_lossless(int argc, char **argv);
int cmd_privacy(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_subset(int argc, char **argv);
int cmd_spuco(int argc, char **argv);

/* One error line on stderr: "lgc CMD: message". Returns code. */
int cli_fail(const char *cmd, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Report a library error (its message already names the file). Returns 1 or 2. */
int cli_fail_err(const char *cmd, const lgc_err *err);

/* Read the package at path and open it for batches of max_batch, refusing
 * one whose decoded data section, or whose opened codec, would take more than
 * max_mem bytes (0: the defaults, 1 GiB of data as lgc_pkg_limits_default
 * and LGC_CODEC_MEMORY_DEFAULT for the codec). On failure prints the error
 * line, sets *rc to the exit code and returns non-zero; *p may then still
 * need freeing. */
int cli_open_package(const char *cmd, const char *path, uint64_t max_mem, size_t max_batch,
                     lgc_pkg **p, lgc_codec *codec, int *rc);

/* Option matching: accepts "--name value" and "--name=value". On a match sets
 * *val (NULL for a missing value, which the caller reports) and advances *i. */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **val);
/* Strict number parsing: the whole string, in range; else a usage error line. */
int cli_size(const char *cmd, const char *opt, const char *s, size_t lo, size_t hi, size_t *out);
int cli_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);
int cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);
/* A byte count: digits, optionally followed by K, M, G or T (powers of 1024). */
int cli_bytes(const char *cmd, const char *opt, const char *s, uint64_t *out);
/* A usage error line "OPT needs a value" when v is NULL or empty; else 0. */
int cli_need(const char *cmd, const char *opt, const char *v);

/* Progress line on stderr, overwritten in place; only if c->progress. */
void cli_progress(const cli_common *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void cli_progress_done(const cli_common *c);
void cli_common_init(cli_common *c);
/* The flags every subcommand shares (--json, -q): sets them in c and returns 1,
 * or returns 0 when arg is not one of them. */
int cli_common_flag(cli_common *c, const char *arg);

double cli_now(void);
/* Writes s as a JSON string literal (with quotes). */
void cli_json_str(const char *s);

#endif
