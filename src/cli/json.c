/* json.c - the one JSON emitter (see json.h). */
#include "json.h"

#include <math.h>

#include "lgc/version.h"

/* Before a value: the comma, and the key when inside an object. */
static void lead(cli_json *j, const char *key)
{
    if (j->n[j->depth]++)
        fputc(',', j->f);
    if (key) {
        fputc('"', j->f);
        fputs(key, j->f); /* keys are the program's own names: nothing to escape */
        fputs("\":", j->f);
    }
}

static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

void cli_json_begin(cli_json *j, const char *command)
{
    j->f = stdout;
    j->depth = 0;
    j->n[0] = 0;
    j->arrays = 0;
    fputc('{', j->f);
    cli_json_str(j, "lgc_version", LGC_VERSION_STRING);
    cli_json_u64(j, "schema", CLI_JSON_SCHEMA);
    cli_json_str(j, "command", command);
}

void cli_json_end(cli_json *j)
{
    while (j->depth > 0)
        cli_json_close(j);
    fputs("}\n", j->f);
    fflush(j->f);
}

void cli_json_str(cli_json *j, const char *key, const char *s)
{
    lead(j, key);
    if (s)
        put_string(j->f, s);
    else
        fputs("null", j->f);
}

void cli_json_u64(cli_json *j, const char *key, uint64_t v)
{
    lead(j, key);
    fprintf(j->f, "%llu", (unsigned long long)v);
}

void cli_json_i64(cli_json *j, const char *key, int64_t v)
{
    lead(j, key);
    fprintf(j->f, "%lld", (long long)v);
}

void cli_json_num(cli_json *j, const char *key, double v, int decimals)
{
    lead(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.*f", decimals, v);
    else
        fputs("null", j->f);
}

void cli_json_bool(cli_json *j, const char *key, int v)
{
    lead(j, key);
    fputs(v ? "true" : "false", j->f);
}

void cli_json_null(cli_json *j, const char *key)
{
    lead(j, key);
    fputs("null", j->f);
}

void cli_json_u64_or_null(cli_json *j, const char *key, int present, uint64_t v)
{
    if (present)
        cli_json_u64(j, key, v);
    else
        cli_json_null(j, key);
}

static void open_level(cli_json *j, const char *key, char c)
{
    lead(j, key);
    fputc(c, j->f);
    if (j->depth + 1 < CLI_JSON_DEPTH) {
        j->n[++j->depth] = 0;
        if (c == '[')
            j->arrays |= 1u << j->depth;
    }
}

void cli_json_array(cli_json *j, const char *key) { open_level(j, key, '['); }
void cli_json_object(cli_json *j, const char *key) { open_level(j, key, '{'); }

void cli_json_close(cli_json *j)
{
    if (j->depth == 0)
        return;
    fputc(j->arrays >> j->depth & 1u ? ']' : '}', j->f);
    j->arrays &= ~(1u << j->depth);
    j->depth--;
}

void cli_json_sizes(cli_json *j, const char *key, const size_t *v, size_t n)
{
    cli_json_array(j, key);
    for (size_t i = 0; i < n; i++)
        cli_json_u64(j, NULL, v[i]);
    cli_json_close(j);
}

void cli_json_nums(cli_json *j, const char *key, const double *v, size_t n, int decimals)
{
    cli_json_array(j, key);
    for (size_t i = 0; i < n; i++)
        cli_json_num(j, NULL, v[i], decimals);
    cli_json_close(j);
}
