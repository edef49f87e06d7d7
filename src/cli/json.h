/*
 * json.h - the one JSON emitter of the lgc program.
 *
 * Every subcommand's --json prints exactly one object on standard output,
 * opened by cli_json_begin, which writes the keys every object carries:
 *   "lgc_version" (this program's version), "schema" (CLI_JSON_SCHEMA, raised
 *   when a key changes meaning or goes away), "command" (the subcommand).
 * Keys are written in order; a value that does not apply is null, never
 * left out, so that every object of a command has the same keys (docs/CLI.md
 * lists them, tests/cli/test_cli_json.sh checks them). Numbers that are not
 * finite become null. Names shared between commands mean the same thing
 * everywhere: "package" (path), "package_bytes", "n_images" (and
 * "n_train_images", "n_test_images"...), "seconds" (wall time of the whole
 * command), "threads", "seed", "outputs" (the files written).
 */
#ifndef LGC_CLI_JSON_H
#define LGC_CLI_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_JSON_SCHEMA 1
#define CLI_JSON_DEPTH 16

typedef struct {
    FILE *f;
    int depth;
    int n[CLI_JSON_DEPTH]; /* values written at each open level */
    unsigned arrays;       /* bit d set: level d is an array, else an object */
} cli_json;

void cli_json_begin(cli_json *j, const char *command);
void cli_json_end(cli_json *j); /* closes the object, a newline, flushes */

/* key is NULL inside arrays. */
void cli_json_str(cli_json *j, const char *key, const char *s); /* NULL: null */
void cli_json_u64(cli_json *j, const char *key, uint64_t v);
void cli_json_i64(cli_json *j, const char *key, int64_t v);
void cli_json_num(cli_json *j, const char *key, double v, int decimals); /* fixed decimals */
void cli_json_bool(cli_json *j, const char *key, int v);
void cli_json_null(cli_json *j, const char *key);
/* v, or null when !present */
void cli_json_u64_or_null(cli_json *j, const char *key, int present, uint64_t v);
void cli_json_array(cli_json *j, const char *key);
void cli_json_object(cli_json *j, const char *key);
void cli_json_close(cli_json *j); /* the innermost array or object */

/* Arrays of numbers in one call. */
void cli_json_sizes(cli_json *j, const char *key, const size_t *v, size_t n);
void cli_json_nums(cli_json *j, const char *key, const double *v, size_t n, int decimals);

#endif
