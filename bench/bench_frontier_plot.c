/*
 * bench_frontier_plot - draw the accuracy-per-byte frontier (bench/frontier.sh).
 *
 *   bench_frontier_plot OUT.png [OUT.svg [TITLE XLABEL YLABEL]] < points
 *
 * (also the other log-x plots of bench/: scaling.sh, privacy.sh pass their
 * own title and axis labels; the defaults are the frontier's)
 * Each input line is "PANEL SERIES BYTES ACCURACY": PANEL is the judge
 * (one panel per distinct value, in order of first appearance), SERIES a
 * legend label with '_' for spaces; a series whose label starts with "*" is
 * drawn as unconnected markers (published or single reference points), the
 * others as lines through their points in input order. Accuracy in percent;
 * bytes on a log axis.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/plot.h"

#define MAX_PANELS 4
#define MAX_SERIES 12
#define MAX_POINTS 64

typedef struct {
    char name[64];
    double x[MAX_POINTS], y[MAX_POINTS];
    size_t n;
    int color;
} series_buf;

typedef struct {
    char name[32];
    series_buf s[MAX_SERIES];
    size_t n;
} panel_buf;

static panel_buf panels[MAX_PANELS];
static size_t n_panels;
static char names[MAX_SERIES][64]; /* colour = index of the name across panels */
static size_t n_names;

static int color_of(const char *name)
{
    for (size_t i = 0; i < n_names; i++)
        if (!strcmp(names[i], name))
            return (int)i;
    if (n_names == MAX_SERIES)
        return -1;
    snprintf(names[n_names], sizeof names[0], "%s", name);
    return (int)n_names++;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3 && argc != 6) {
        fprintf(stderr, "usage: bench_frontier_plot OUT.png [OUT.svg [TITLE XLABEL YLABEL]] < points\n");
        return 2;
    }
    const char *title = argc == 6 ? argv[3]
                                  : "MNIST: accuracy of a judge trained only on what the bytes give back";
    const char *xlabel = argc == 6 ? argv[4] : "bytes (log scale)";
    const char *ylabel = argc == 6 ? argv[5] : "test accuracy (%)";
    char pn[32], sn[64];
    double bytes, acc;
    int line = 0, r;
    while ((r = scanf("%31s %63s %lf %lf", pn, sn, &bytes, &acc)) == 4) {
        line++;
        if (!(bytes > 0.0) || !isfinite(acc)) {
            fprintf(stderr, "bench_frontier_plot: line %d: bytes must be > 0 and accuracy finite\n",
                    line);
            return 1;
        }
        size_t p = 0;
        while (p < n_panels && strcmp(panels[p].name, pn))
            p++;
        if (p == n_panels) {
            if (n_panels == MAX_PANELS)
                return fprintf(stderr, "bench_frontier_plot: more than %d panels\n", MAX_PANELS), 1;
            snprintf(panels[n_panels++].name, sizeof panels[0].name, "%s", pn);
        }
        panel_buf *P = &panels[p];
        size_t s = 0;
        while (s < P->n && strcmp(P->s[s].name, sn))
            s++;
        if (s == P->n) {
            if (P->n == MAX_SERIES)
                return fprintf(stderr, "bench_frontier_plot: more than %d series\n", MAX_SERIES), 1;
            snprintf(P->s[P->n].name, sizeof P->s[0].name, "%s", sn);
            P->s[P->n].color = color_of(sn);
            P->n++;
        }
        series_buf *S = &P->s[s];
        if (S->n == MAX_POINTS)
            return fprintf(stderr, "bench_frontier_plot: more than %d points\n", MAX_POINTS), 1;
        S->x[S->n] = log10(bytes), S->y[S->n] = acc, S->n++;
    }
    if (r != EOF || n_panels == 0) {
        fprintf(stderr, "bench_frontier_plot: line %d: expected PANEL SERIES BYTES ACCURACY\n",
                line + 1);
        return 1;
    }
    static lgc_series ser[MAX_PANELS][MAX_SERIES];
    static char labels[MAX_PANELS][MAX_SERIES][64];
    lgc_panel pan[MAX_PANELS];
    for (size_t p = 0; p < n_panels; p++) {
        lgc_panel_init(&pan[p]);
        for (size_t s = 0; s < panels[p].n; s++) {
            series_buf *S = &panels[p].s[s];
            int ref = S->name[0] == '*';
            snprintf(labels[p][s], sizeof labels[0][0], "%s", S->name + ref);
            for (char *c = labels[p][s]; *c; c++)
                if (*c == '_')
                    *c = ' ';
            ser[p][s] = (lgc_series){ref ? LGC_SERIES_POINTS : LGC_SERIES_LINEPOINTS,
                                     S->x, S->y, S->n, S->color % 10, labels[p][s],
                                     ref ? 5.0 : 0.0, ref ? 0.9 : 0.0};
        }
        pan[p].title = panels[p].name;
        pan[p].xlabel = xlabel;
        pan[p].ylabel = ylabel;
        pan[p].series = ser[p];
        pan[p].n_series = panels[p].n;
        pan[p].legend = LGC_LEGEND_BEST;
        pan[p].log10_x = 1;
    }
    lgc_figure f = {title, 1, n_panels, pan, n_panels, 560.0, 420.0};
    lgc_plot_out out = {argv[1], argc > 2 ? argv[2] : NULL, 1};
    lgc_err err;
    if (lgc_plot_figure(&f, &out, &err)) {
        fprintf(stderr, "bench_frontier_plot: %s\n", err.msg);
        return 1;
    }
    lgc_plot_release();
    return 0;
}
