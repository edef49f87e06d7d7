/*
 * cli.h - shared pieces of the lgc program: the only code that reads argv,
 * prints, or exits. Exit codes: 0 success, 1 data or I/O error, 2 usage error.
 */
#ifndef LGC_CLI_H
#define LGC_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "lgc/clock.h"
#include "lgc/codec.h"
#include "lgc/comm.h"
#include "lgc/status.h"
#include "opts.h"

#define EXIT_DATA 1
#define EXIT_USAGE 2

typedef struct {
    int quiet;    /* -q: no progress */
    int json;     /* --json: one JSON object on stdout */
    int progress; /* progress lines on stderr (only when it is a terminal and not -q) */
} cli_common;

/* The communicator of this run (main.c sets it under mpirun; else one
 * process): compress and decompress split their work over it. */
void cli_set_comm(const lgc_comm *c);
const lgc_comm *cli_comm(void);
/* Under mpirun with more than one rank: one error line naming cmd, exit 2,
 * for a command that runs in one process only; else 0. */
int cli_single_process(const char *cmd);

/* The subcommands (commands.c): name, synopsis, description. */
extern const cli_command cli_cmd_compress, cli_cmd_decompress, cli_cmd_info, cli_cmd_grid,
    cli_cmd_eval, cli_cmd_subset, cli_cmd_lossless, cli_cmd_privacy, cli_cmd_report, cli_cmd_spuco;

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

/* The data folder: --data-dir when given, else $LGC_DATA when set, else
 * LGC_DEFAULT_DATA_DIR (the folder scripts/setup.sh fills, fixed at build
 * time). The first of them that is set is the only one searched: a folder
 * named on purpose is never silently replaced by another. NAME is looked for
 * as DIR/mnist/NAME, then DIR/NAME; its path goes to out. On failure one
 * error line names every place looked and what to give instead (hint, e.g.
 * "--test-images"), and the exit code is returned. */
int cli_data_file(const char *cmd, const char *data_dir, const char *name, const char *hint,
                  char *out, size_t n);

/* For --help: where the data folder is now, and why. */
const char *cli_data_dir_default(void);

/* The "created" timestamp of a package: now, or SOURCE_DATE_EPOCH when set
 * (then a malformed value is a usage error, reproducible-builds.org).
 * Returns 0 or an exit code after one error line. */
int cli_created(const char *cmd, char *buf, size_t n);

/* Progress line on stderr, overwritten in place; only if c->progress. */
void cli_progress(const cli_common *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void cli_progress_done(const cli_common *c);
void cli_common_init(cli_common *c);

/* The file name beside `path`: `path` with `ext` in place of a trailing ".lgc" (or
 * appended when there is none): "out/mnist.lgc" -> "out/mnist.enc". */
void cli_beside(const char *path, const char *ext, char *out, size_t n);

#endif
