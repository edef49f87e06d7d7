/* opts.c - parse, explain and document options from one table (see opts.h). */
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lgc/version.h"

#define HELP_COL 22 /* help text starts in this column */
#define WIDTH 79

/* The spelling shown in messages: the row's name. */
static const char *shown(const cli_option *o) { return o->name; }

static int match(const cli_option *o, const char *arg, size_t n)
{
    return (strlen(o->name) == n && !strncmp(o->name, arg, n)) ||
           (o->alias && strlen(o->alias) == n && !strncmp(o->alias, arg, n));
}

static int parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9') /* strtoull would skip white space and take a sign */
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

static int parse_double(const char *cmd, const cli_option *o, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno == ERANGE || !isfinite(v))
        return cli_fail(cmd, EXIT_USAGE, "%s: '%s' is not a number", shown(o), s);
    if (v < o->lo || v > o->hi)
        return cli_fail(cmd, EXIT_USAGE, "%s: %s is out of range [%g, %g]", shown(o), s, o->lo,
                        o->hi);
    *out = v;
    return 0;
}

static int parse_bytes(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
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
    int rc = parse_u64(cmd, opt, digits, &v);
    if (rc)
        return rc;
    if (v == 0 || v > (UINT64_MAX >> 2) >> shift)
        return cli_fail(cmd, EXIT_USAGE, "%s: %s is out of range", opt, s);
    *out = v << shift;
    return 0;
}

/* "a, b or c" */
static void list_choices(const char *const *c, char *buf, size_t n)
{
    size_t k = 0, used = 0;
    while (c[k])
        k++;
    buf[0] = 0;
    for (size_t i = 0; i < k && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i == 0 ? "" : i + 1 == k ? " or " : ", ",
                                 c[i]);
}

static int set_value(const char *cmd, const cli_option *o, const char *v)
{
    const char *name = shown(o);
    if (!v || (!*v && o->kind != OPT_FLAG))
        return cli_fail(cmd, EXIT_USAGE, "%s needs a value", name);
    uint64_t u = 0;
    double d = 0.0;
    int rc;
    switch (o->kind) {
    case OPT_FLAG:
        return cli_fail(cmd, EXIT_USAGE, "%s takes no value", name);
    case OPT_STR:
    case OPT_FILE:
    case OPT_DIR:
        if ((o->flags & OPT_NO_STDOUT) && !strcmp(v, "-"))
            return cli_fail(cmd, EXIT_USAGE, "%s -: lgc %s writes files, never to standard output; "
                            "give a name", name, cmd);
        *(const char **)o->dest = v;
        return 0;
    case OPT_SIZE:
    case OPT_INT:
    case OPT_U64:
        if ((rc = parse_u64(cmd, name, v, &u)))
            return rc;
        if (o->kind != OPT_U64 && ((double)u < o->lo || (double)u > o->hi))
            return cli_fail(cmd, EXIT_USAGE, "%s: %s is out of range [%.0f, %.0f]", name, v, o->lo,
                            o->hi);
        if (o->kind == OPT_SIZE)
            *(size_t *)o->dest = (size_t)u;
        else if (o->kind == OPT_INT)
            *(int *)o->dest = (int)u;
        else
            *(uint64_t *)o->dest = u;
        return 0;
    case OPT_DOUBLE:
    case OPT_FLOAT:
        if ((rc = parse_double(cmd, o, v, &d)))
            return rc;
        if (o->kind == OPT_DOUBLE)
            *(double *)o->dest = d;
        else
            *(float *)o->dest = (float)d;
        return 0;
    case OPT_BYTES:
        return parse_bytes(cmd, name, v, (uint64_t *)o->dest);
    case OPT_CHOICE:
        for (int k = 0; o->choices[k]; k++)
            if (!strcmp(o->choices[k], v)) {
                *(int *)o->dest = k;
                return 0;
            }
        char list[512];
        list_choices(o->choices, list, sizeof list);
        if (o->noun)
            return cli_fail(cmd, EXIT_USAGE, "%s: unknown %s '%s' (%s)", name, o->noun, v, list);
        return cli_fail(cmd, EXIT_USAGE, "%s: '%s' is not %s", name, v, list);
    }
    return cli_fail(cmd, EXIT_USAGE, "%s: unknown kind of option", name);
}

int cli_parse(const cli_command *cmd, const cli_option *rows, size_t n_rows, int argc,
              char **argv, const char **pos, size_t *n_pos)
{
    int only_pos = 0, rc;
    size_t n_pos_none;
    if (!n_pos)
        n_pos = &n_pos_none;
    *n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || !a[1]) {
            if (*n_pos >= cmd->pos_max)
                return cli_fail(cmd->name, EXIT_USAGE, "unexpected argument '%s'", a);
            pos[(*n_pos)++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_print_help(stdout, cmd, rows, n_rows);
            return CLI_HELP_SHOWN;
        }
        /* asked by the build: the man page and the completion table */
        if (!strcmp(a, "--help-man")) {
            cli_print_man(stdout, cmd, rows, n_rows, LGC_VERSION_STRING);
            return CLI_HELP_SHOWN;
        }
        if (!strcmp(a, "--help-completion")) {
            cli_print_completion(stdout, cmd, rows, n_rows);
            return CLI_HELP_SHOWN;
        }
        const char *eq = strchr(a, '=');
        size_t n = eq ? (size_t)(eq - a) : strlen(a);
        const cli_option *o = NULL;
        for (size_t r = 0; r < n_rows && !o; r++)
            if (match(&rows[r], a, n))
                o = &rows[r];
        if (!o)
            return cli_fail(cmd->name, EXIT_USAGE, "unknown option '%s' (see lgc %s --help)", a,
                            cmd->name);
        if (o->kind == OPT_FLAG) {
            if (eq)
                return cli_fail(cmd->name, EXIT_USAGE, "%s takes no value", shown(o));
            *(int *)o->dest = 1;
        } else {
            const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if ((rc = set_value(cmd->name, o, v)))
                return rc;
        }
        if (o->given)
            *o->given = 1;
    }
    /* what is missing, named in one line */
    char miss[1024];
    size_t used = 0, n_miss = 0;
    miss[0] = 0;
    int seen[64] = {0};
    for (size_t r = 0; r < n_rows; r++) {
        if (!(rows[r].flags & OPT_REQUIRED))
            continue;
        /* a required row is present when its destination was set: strings
         * start NULL, numbers of required rows start at 0 */
        const void *d = rows[r].dest;
        int present = rows[r].kind == OPT_STR || rows[r].kind == OPT_FILE ||
                              rows[r].kind == OPT_DIR
                          ? *(const char *const *)d != NULL
                      : rows[r].kind == OPT_BYTES ? *(const uint64_t *)d != 0
                      : rows[r].kind == OPT_CHOICE ? *(const int *)d >= 0
                                                   : 1;
        if (!present && n_miss < 64)
            seen[n_miss++] = (int)r;
    }
    size_t total = n_miss + (*n_pos < cmd->pos_min);
    for (size_t k = 0; k < total && used < sizeof miss; k++) {
        /* the positional arguments first, then the options with their values' names */
        int is_pos = k == 0 && *n_pos < cmd->pos_min;
        const cli_option *o = is_pos ? NULL : &rows[seen[k - (*n_pos < cmd->pos_min)]];
        used += (size_t)snprintf(miss + used, sizeof miss - used, "%s%s%s%s",
                                 k == 0 ? "" : k + 1 == total ? " and " : ", ",
                                 is_pos ? cmd->positional : shown(o),
                                 !is_pos && o->meta ? " " : "", !is_pos && o->meta ? o->meta : "");
    }
    if (total)
        return cli_fail(cmd->name, EXIT_USAGE, "%s %s required (see lgc %s --help)", miss,
                        total > 1 ? "are" : "is", cmd->name);
    return 0;
}

const char *cli_option_default(const cli_option *o, char *buf, size_t n)
{
    if (o->def)
        return o->def;
    buf[0] = 0;
    if (!o->dest)
        return buf;
    switch (o->kind) {
    case OPT_FLAG:
        break;
    case OPT_STR:
    case OPT_FILE:
    case OPT_DIR:
        if (*(const char *const *)o->dest)
            snprintf(buf, n, "%s", *(const char *const *)o->dest);
        break;
    case OPT_SIZE: snprintf(buf, n, "%zu", *(const size_t *)o->dest); break;
    case OPT_INT: snprintf(buf, n, "%d", *(const int *)o->dest); break;
    case OPT_U64: snprintf(buf, n, "%llu", (unsigned long long)*(const uint64_t *)o->dest); break;
    case OPT_DOUBLE: snprintf(buf, n, "%g", *(const double *)o->dest); break;
    case OPT_FLOAT: snprintf(buf, n, "%g", (double)*(const float *)o->dest); break;
    case OPT_BYTES:
        if (*(const uint64_t *)o->dest)
            snprintf(buf, n, "%llu", (unsigned long long)*(const uint64_t *)o->dest);
        break;
    case OPT_CHOICE: {
        int k = *(const int *)o->dest;
        if (k >= 0)
            snprintf(buf, n, "%s", o->choices[k]);
        break;
    }
    }
    return buf;
}

/* The help paragraph of a row: its text, its choices, its default. */
static void row_text(const cli_option *o, char *buf, size_t n)
{
    char def[256], list[512];
    const char *d = cli_option_default(o, def, sizeof def);
    size_t used = (size_t)snprintf(buf, n, "%s", o->help ? o->help : "");
    if (o->kind == OPT_CHOICE && used < n && !strstr(o->help ? o->help : "", o->choices[0])) {
        list_choices(o->choices, list, sizeof list);
        used += (size_t)snprintf(buf + used, n - used, ": %s", list);
    }
    if (used < n && (o->flags & OPT_REQUIRED))
        used += (size_t)snprintf(buf + used, n - used, " (required)");
    else if (used < n && *d)
        used += (size_t)snprintf(buf + used, n - used, " [%s]", d);
}

/* Print text wrapped to WIDTH, every line indented by indent, the first
 * starting at column col (col < indent: padded). */
static void wrap(FILE *f, const char *text, size_t col, size_t indent)
{
    const char *p = text;
    for (; col < indent; col++)
        fputc(' ', f);
    int first_word = 1;
    while (*p) {
        if (*p == '\n') { /* an explicit break */
            fputc('\n', f);
            for (col = 0; col < indent; col++)
                fputc(' ', f);
            p++;
            first_word = 1;
            continue;
        }
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " \n");
        if (!first_word && col + 1 + w > WIDTH) {
            fputc('\n', f);
            for (col = 0; col < indent; col++)
                fputc(' ', f);
            first_word = 1;
        }
        if (!first_word) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, w, f);
        col += w;
        p += w;
        first_word = 0;
    }
    fputc('\n', f);
}

/* "-o, --output F" */
static void row_spelling(const cli_option *o, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s%s%s", o->name, o->alias ? ", " : "", o->alias ? o->alias : "",
             o->meta ? " " : "", o->meta ? o->meta : "");
}

/* Row r's spelling and help text, "" for a hidden row; 0 past the last row. */
static int listed_row(const cli_option *rows, size_t n_rows, size_t r, char *sp, size_t nsp,
                      char *text, size_t ntext)
{
    if (r >= n_rows)
        return 0;
    sp[0] = text[0] = 0;
    if (!(rows[r].flags & OPT_HIDDEN)) {
        row_spelling(&rows[r], sp, nsp);
        row_text(&rows[r], text, ntext);
    }
    return 1;
}

/* The next paragraph of *p (paragraphs are separated by a blank line) into
 * buf (cut at n - 1 bytes), newlines made spaces when one_line; 0 at the end. */
static int next_paragraph(const char **p, char *buf, size_t n, int one_line)
{
    if (!*p || !**p)
        return 0;
    const char *end = strstr(*p, "\n\n");
    size_t len = end ? (size_t)(end - *p) : strlen(*p);
    len = len < n - 1 ? len : n - 1;
    memcpy(buf, *p, len);
    buf[len] = 0;
    for (char *c = buf; one_line && *c; c++)
        if (*c == '\n')
            *c = ' ';
    *p = end ? end + 2 : NULL;
    return 1;
}

void cli_print_help(FILE *f, const cli_command *cmd, const cli_option *rows, size_t n_rows)
{
    fprintf(f, "usage: lgc %s %s\n\n", cmd->name, cmd->synopsis);
    char para[4096];
    for (const char *p = cmd->description; next_paragraph(&p, para, sizeof para, 0);) {
        wrap(f, para, 0, 0);
        fputc('\n', f);
    }
    char sp[128], text[2048];
    for (size_t r = 0; listed_row(rows, n_rows, r, sp, sizeof sp, text, sizeof text); r++) {
        if (!*sp)
            continue;
        fprintf(f, "  %s", sp);
        size_t col = 2 + strlen(sp);
        if (col + 2 > HELP_COL) {
            fputc('\n', f);
            col = 0;
        }
        wrap(f, text, col, HELP_COL);
    }
    fprintf(f, "  -h, --help%*sthis help\n", HELP_COL - 12, "");
    if (cmd->epilog) {
        fputc('\n', f);
        wrap(f, cmd->epilog, 0, 0);
    }
}

/* roff: a backslash doubled, a leading dot or quote made inert, hyphens of
 * options as \- so that they can be searched for and copied. */
static void roff(FILE *f, const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", f);
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
        bol = *s == '\n';
    }
}

void cli_print_man(FILE *f, const cli_command *cmd, const cli_option *rows, size_t n_rows,
                   const char *version)
{
    char upper[64];
    size_t k = 0;
    for (; cmd->name[k] && k + 1 < sizeof upper; k++)
        upper[k] = (char)(cmd->name[k] >= 'a' && cmd->name[k] <= 'z' ? cmd->name[k] - 32
                                                                      : cmd->name[k]);
    upper[k] = 0;
    fprintf(f, ".TH LGC\\-%s 1 \"\" \"lgc %s\" \"lgc manual\"\n.SH NAME\nlgc\\-%s \\- ", upper,
            version, cmd->name);
    roff(f, cmd->summary);
    fprintf(f, "\n.SH SYNOPSIS\n.B lgc %s\n", cmd->name);
    roff(f, cmd->synopsis);
    fputs("\n.SH DESCRIPTION\n", f);
    char para[4096];
    for (const char *p = cmd->description; next_paragraph(&p, para, sizeof para, 1);) {
        fputs(".PP\n", f);
        roff(f, para);
        fputc('\n', f);
    }
    fputs(".SH OPTIONS\n", f);
    char sp[128], text[2048];
    for (size_t r = 0; listed_row(rows, n_rows, r, sp, sizeof sp, text, sizeof text); r++) {
        if (!*sp)
            continue;
        for (char *c = text; *c; c++)
            if (*c == '\n')
                *c = ' ';
        fputs(".TP\n.B ", f);
        roff(f, sp);
        fputc('\n', f);
        roff(f, text);
        fputc('\n', f);
    }
    fputs(".TP\n.B \\-h, \\-\\-help\nthis help\n", f);
    if (cmd->epilog) {
        fputs(".SH NOTES\n", f);
        roff(f, cmd->epilog);
        fputc('\n', f);
    }
    fputs(".SH EXIT STATUS\n0 success, 1 data or I/O error, 2 usage error. An error is one line on "
          "standard error naming the file and the problem.\n"
          ".SH ENVIRONMENT\n.TP\n.B LGC_DATA\nthe data folder when \\-\\-data\\-dir is not given\n"
          ".TP\n.B SOURCE_DATE_EPOCH\npins the one timestamp a package records\n"
          ".SH SEE ALSO\n.BR lgc (1)\n",
          f);
}

void cli_print_completion(FILE *f, const cli_command *cmd, const cli_option *rows, size_t n_rows)
{
    /* CMD|all spellings|spellings taking a file|taking a folder|taking a
     * value|choices as opt=a,b,c;... */
    fprintf(f, "%s|", cmd->name);
    for (int pass = 0; pass < 4; pass++) {
        int first = 1;
        for (size_t r = 0; r < n_rows; r++) {
            const cli_option *o = &rows[r];
            int take = pass == 0   ? !(o->flags & OPT_HIDDEN)
                       : pass == 1 ? o->kind == OPT_FILE
                       : pass == 2 ? o->kind == OPT_DIR
                                   : o->kind != OPT_FLAG && o->kind != OPT_FILE &&
                                         o->kind != OPT_DIR && o->kind != OPT_CHOICE;
            if (!take)
                continue;
            fprintf(f, "%s%s", first ? "" : " ", o->name);
            if (o->alias)
                fprintf(f, " %s", o->alias);
            first = 0;
        }
        if (pass == 0)
            fputs(" --help", f);
        fputc('|', f);
    }
    int first = 1;
    for (size_t r = 0; r < n_rows; r++) {
        const cli_option *o = &rows[r];
        if (o->kind != OPT_CHOICE)
            continue;
        for (int a = 0; a < (o->alias ? 2 : 1); a++) {
            fprintf(f, "%s%s=", first ? "" : ";", a ? o->alias : o->name);
            for (int k = 0; o->choices[k]; k++)
                fprintf(f, "%s%s", k ? "," : "", o->choices[k]);
            first = 0;
        }
    }
    fputc('\n', f);
}
