/*
 * opts.h - every subcommand's options as one table.
 *
 * A command is a cli_command: its name, synopsis and description, and an
 * array of cli_option rows. A row names an option, says what kind of value it
 * takes, where the parsed value goes (a field of the command's option
 * structs, which hold the defaults before parsing), its range or choices and
 * its help text. From the same rows come:
 *   - parsing (cli_parse): "--name value" and "--name=value", one error line
 *     for an unknown option, a missing or malformed value, a value out of
 *     range, a missing required option;
 *   - --help (the defaults printed from the destinations, so they cannot
 *     drift from the code's);
 *   - the man pages (lgc --man CMD) and the bash completion
 *     (lgc --bash-completion), both generated at build time.
 * Options every command shares (--json, -q, --seed, --threads, -f, ...) are
 * rows made by the CLI_ROW_* macros, so they are spelled and explained once.
 */
#ifndef LGC_CLI_OPTS_H
#define LGC_CLI_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    OPT_FLAG,   /* no value; *(int *)dest = 1 */
    OPT_STR,    /* a non-empty string; *(const char **)dest */
    OPT_FILE,   /* as OPT_STR, a file name (completed as one) */
    OPT_DIR,    /* as OPT_STR, a folder name */
    OPT_SIZE,   /* size_t in [lo, hi] */
    OPT_INT,    /* int in [lo, hi] */
    OPT_U64,    /* uint64_t, any (seeds) */
    OPT_DOUBLE, /* double in [lo, hi], finite */
    OPT_FLOAT,  /* float in [lo, hi], finite */
    OPT_BYTES,  /* uint64_t byte count >= 1: digits, then K, M, G or T (powers of 1024) */
    OPT_CHOICE  /* one of choices; *(int *)dest = its index */
} cli_opt_kind;

enum {
    OPT_REQUIRED = 1, /* the command refuses to run without it */
    OPT_HIDDEN = 2,   /* accepted (an alias kept for old scripts) but not listed */
    OPT_NO_STDOUT = 4 /* an output name: "-" (standard output) is refused */
};

typedef struct {
    const char *name;    /* "--epochs" or "-n" */
    const char *alias;   /* another spelling ("-o" for "--output"), or NULL */
    cli_opt_kind kind;
    const char *meta;    /* the value's name in help: "N", "F", "DIR" */
    void *dest;
    double lo, hi;       /* numeric kinds */
    const char *const *choices; /* OPT_CHOICE: names, NULL-terminated */
    const char *noun;    /* OPT_CHOICE: "model" gives "unknown model 'x'" */
    const char *help;    /* one paragraph; wrapped when printed */
    const char *def;     /* the default as shown, when not dest's value; "" shows none */
    int *given;          /* set to 1 when the option appears; may be NULL */
    unsigned flags;
} cli_option;

typedef struct {
    const char *name;        /* "compress" */
    const char *summary;     /* one line, for `lgc --help` and the man page's NAME */
    const char *synopsis;    /* "--images F --labels F -o OUT.lgc [options]" */
    const char *description; /* paragraphs separated by "\n\n"; wrapped when printed */
    const char *positional;  /* what the positional arguments are, as "... is required"
                              * names them ("a package"); NULL: none */
    size_t pos_min, pos_max;
    const char *epilog;      /* printed after the options (may be NULL) */
} cli_command;

/* Parse argv[1..argc) (argv[0] is the command's name) against rows.
 * Positional arguments go to pos (at most cmd->pos_max; more is an error),
 * their count to *n_pos (pos and n_pos may be NULL when pos_max is 0). Returns 0 to run, CLI_HELP_SHOWN after printing
 * --help (exit 0), or an exit code after printing one error line. */
#define CLI_HELP_SHOWN (-1)
int cli_parse(const cli_command *cmd, const cli_option *rows, size_t n_rows, int argc,
              char **argv, const char **pos, size_t *n_pos);

/* The help text of a command, defaults read from the rows' destinations. */
void cli_print_help(FILE *f, const cli_command *cmd, const cli_option *rows, size_t n_rows);
/* The same as a man page (roff). */
void cli_print_man(FILE *f, const cli_command *cmd, const cli_option *rows, size_t n_rows,
                   const char *version);
/* One line of the bash completion's table: "CMD|opt opt ...|valued opts|choice specs". */
void cli_print_completion(FILE *f, const cli_command *cmd, const cli_option *rows, size_t n_rows);

/* The default shown for a row ("" when none); buf holds formatted numbers. */
const char *cli_option_default(const cli_option *o, char *buf, size_t n);

/* Rows every command spells the same way. */
#define CLI_ROW_JSON(p)                                                                         \
    {.name = "--json", .kind = OPT_FLAG, .dest = (p),                                           \
     .help = "print one JSON object on standard output (keys: docs/CLI.md)"}
#define CLI_ROW_QUIET(p) {.name = "-q", .alias = "--quiet", .kind = OPT_FLAG, .dest = (p),      \
                          .help = "no progress or summary on standard error"}
/* --json and -q of a cli_common; with --threads */
#define CLI_ROWS_COMMON(c) CLI_ROW_JSON(&(c)->json), CLI_ROW_QUIET(&(c)->quiet)
#define CLI_ROWS_RUN(threads, c) CLI_ROW_THREADS(threads), CLI_ROWS_COMMON(c)
/* -o naming files (never standard output), required */
#define CLI_ROW_OUTPUT(p, meta_, what)                                                          \
    {.name = "-o", .alias = "--output", .kind = OPT_STR, .meta = (meta_), .dest = (p),         \
     .flags = OPT_REQUIRED | OPT_NO_STDOUT, .help = (what)}
#define CLI_ROW_FORCE(p) {.name = "-f", .alias = "--force", .kind = OPT_FLAG, .dest = (p),      \
                          .help = "overwrite existing outputs"}
#define CLI_ROW_SEED(p, what) {.name = "--seed", .kind = OPT_U64, .meta = "S", .dest = (p),     \
                               .help = "seed for " what}
#define CLI_ROW_THREADS(p) {.name = "--threads", .kind = OPT_SIZE, .meta = "T", .dest = (p),    \
                            .lo = 1, .hi = 256, .help = "threads"}
#define CLI_ROW_DATA_DIR(p)                                                                     \
    {.name = "--data-dir", .kind = OPT_DIR, .meta = "DIR", .dest = (p), .def = "",              \
     .help = "where MNIST is found (DIR/mnist/ or DIR itself); else $LGC_DATA, else the "      \
             "folder scripts/setup.sh fills"}
#define CLI_ROW_MAX_MEMORY(p)                                                                   \
    {.name = "--max-memory", .kind = OPT_BYTES, .meta = "B", .dest = (p),                       \
     .def = "data 1G, decoder 2G",                                                              \
     .help = "refuse a package whose decoded data, or the decoder, mixtures and buffers "      \
             "built from it, need more than B bytes (suffixes K, M, G, T)"}

#define CLI_N_ROWS(a) (sizeof(a) / sizeof *(a))

#endif
