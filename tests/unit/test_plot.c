/* test_plot.c - figures come out as valid PNG and SVG files of the planned size.
 *
 * With LGC_PLOT_KEEP=DIR in the environment the files are written to DIR and
 * kept, to be looked at. */
#include <dirent.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lgc/io.h"
#include "lgc/plot.h"
#include "lgc/png.h"
#include "lgc/rng.h"

static char g_dir[256];
static int g_keep;

static int group_setup(void **state)
{
    (void)state;
    const char *keep = getenv("LGC_PLOT_KEEP");
    if (keep && *keep) {
        snprintf(g_dir, sizeof g_dir, "%s", keep);
        g_keep = 1;
        mkdir(g_dir, 0755);
        return 0;
    }
    snprintf(g_dir, sizeof g_dir, "/tmp/lgc_test_plot_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    lgc_plot_release();
    if (g_keep)
        return 0;
    DIR *d = opendir(g_dir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", g_dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    return rmdir(g_dir);
}

static const char *tp(const char *name)
{
    static char bufs[4][512];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, 512, "%s/%s", g_dir, name);
    return b;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    uint8_t *b = NULL;
    assert_int_equal(lgc_read_file(path, (size_t)64 << 20, &b, n, NULL), LGC_OK);
    return b;
}

/* PNG signature and the IHDR chunk's size; returns width and height. */
static void check_png_header(const char *path, uint32_t *w, uint32_t *h)
{
    size_t n;
    uint8_t *b = slurp(path, &n);
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    assert_true(n > 33);
    assert_memory_equal(b, sig, 8);
    assert_memory_equal(b + 12, "IHDR", 4);
    *w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
    *h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
    free(b);
}

/* Decode fully with libpng (catches a corrupt stream); returns RGB pixels. */
static uint8_t *decode_png(const char *path, uint32_t *w, uint32_t *h)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_file(&img, path));
    img.format = PNG_FORMAT_RGB;
    uint8_t *buf = malloc(PNG_IMAGE_SIZE(img));
    assert_non_null(buf);
    assert_true(png_image_finish_read(&img, NULL, buf, 0, NULL));
    *w = img.width, *h = img.height;
    return buf;
}

/* Share of pixels that are not white, and whether colour rgb appears
 * (within tol per channel). */
static double ink(const uint8_t *p, size_t n, uint32_t rgb, int tol, int *has)
{
    size_t k = 0;
    *has = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *q = p + 3 * i;
        k += !(q[0] == 255 && q[1] == 255 && q[2] == 255);
        if (abs(q[0] - (int)(rgb >> 16 & 255)) <= tol && abs(q[1] - (int)(rgb >> 8 & 255)) <= tol &&
            abs(q[2] - (int)(rgb & 255)) <= tol)
            *has = 1;
    }
    return (double)k / (double)n;
}

static void check_svg(const char *path, double w, double h, const char *must)
{
    size_t n;
    uint8_t *b = slurp(path, &n);
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, b, n);
    s[n] = 0;
    assert_true(strncmp(s, "<?xml", 5) == 0 || strncmp(s, "<svg", 4) == 0);
    char *svg = strstr(s, "<svg");
    assert_non_null(svg);
    char want[64];
    snprintf(want, sizeof want, "width=\"%g", w);
    assert_non_null(strstr(svg, want));
    snprintf(want, sizeof want, "height=\"%g", h);
    assert_non_null(strstr(svg, want));
    assert_non_null(strstr(s, "</svg>"));
    assert_non_null(strstr(s, must));
    /* the XML is balanced in the crude sense: as many '<' as '>' */
    size_t lt = 0, gt = 0;
    for (size_t i = 0; i < n; i++)
        lt += s[i] == '<', gt += s[i] == '>';
    assert_int_equal(lt, gt);
    free(s), free(b);
}

/* A 2 x 5 grid of BIC-like curves with the minimum marked, as the report draws. */
static void test_figure_grid(void **st)
{
    (void)st;
    double k[10], bic[10][10], mk[10][1], mb[10][1];
    lgc_series ser[10][2];
    lgc_panel pan[10];
    char titles[10][32];
    for (int c = 0; c < 10; c++) {
        size_t best = 0;
        for (int i = 0; i < 10; i++) {
            k[i] = i + 1;
            bic[c][i] = 3e5 - 2e4 * c + 1e5 * exp(-0.7 * i) + 3e3 * i * i;
            if (bic[c][i] < bic[c][best])
                best = (size_t)i;
        }
        mk[c][0] = k[best], mb[c][0] = bic[c][best];
        ser[c][0] = (lgc_series){LGC_SERIES_LINEPOINTS, k, bic[c], 10, 0, "BIC", 0, 0};
        ser[c][1] = (lgc_series){LGC_SERIES_RINGS, mk[c], mb[c], 1, 3, "chosen K", 0, 0};
        lgc_panel_init(&pan[c]);
        snprintf(titles[c], sizeof titles[c], "class %d", c);
        pan[c].title = titles[c];
        pan[c].xlabel = "K";
        pan[c].ylabel = c % 5 == 0 ? "BIC" : NULL;
        pan[c].series = ser[c];
        pan[c].n_series = 2;
        pan[c].integer_x = 1;
        pan[c].legend = c == 0 ? LGC_LEGEND_BEST : LGC_LEGEND_NONE;
    }
    lgc_figure f = {"BIC against K", 2, 5, pan, 10, 300, 240};
    lgc_plot_out out = {tp("bic.png"), tp("bic.svg"), 1};
    assert_int_equal(lgc_plot_figure(&f, &out, NULL), LGC_OK);
    uint32_t w, h;
    check_png_header(out.png, &w, &h);
    assert_int_equal(w, 1500);
    assert_int_equal(h, 2 * 240 + 34);
    uint8_t *px = decode_png(out.png, &w, &h);
    int has_blue;
    double share = ink(px, (size_t)w * h, lgc_plot_color(0), 0, &has_blue);
    assert_true(share > 0.02 && share < 0.6); /* drawn, not a blot */
    assert_true(has_blue);                    /* the curves' colour is there */
    free(px);
    check_svg(out.svg, 1500, 2 * 240 + 34, "<path");

    /* the same description gives the same bytes */
    lgc_plot_out out2 = {tp("bic2.png"), tp("bic2.svg"), 1};
    assert_int_equal(lgc_plot_figure(&f, &out2, NULL), LGC_OK);
    size_t n1, n2;
    uint8_t *a = slurp(out.png, &n1), *b = slurp(out2.png, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    free(a), free(b);
}

/* Scatter of many points with an outside legend, and a histogram with a curve. */
static void test_scatter_hist(void **st)
{
    (void)st;
    lgc_rng r;
    lgc_rng_init(&r, 5, 0);
    enum { N = 300 };
    static double xs[3][N], ys[3][N];
    lgc_series sc[3];
    const char *names[3] = {"0", "1", "2"};
    for (int c = 0; c < 3; c++) {
        for (int i = 0; i < N; i++)
            xs[c][i] = 4.0 * c + lgc_rng_normal(&r), ys[c][i] = 2.0 * c + lgc_rng_normal(&r);
        sc[c] = (lgc_series){LGC_SERIES_POINTS, xs[c], ys[c], N, c, names[c], 1.8, 0};
    }
    lgc_panel p;
    lgc_panel_init(&p);
    p.title = "map";
    p.series = sc;
    p.n_series = 3;
    p.legend = LGC_LEGEND_RIGHT;
    p.no_ticks = 1;
    p.equal_aspect = 1;
    lgc_figure f = {NULL, 1, 1, &p, 1, 500, 420};
    lgc_plot_out out = {tp("scatter.png"), tp("scatter.svg"), 1};
    assert_int_equal(lgc_plot_figure(&f, &out, NULL), LGC_OK);
    uint32_t w, h;
    check_png_header(out.png, &w, &h);
    assert_int_equal(w, 500);
    assert_int_equal(h, 420);
    check_svg(out.svg, 500, 420, "<path");

    /* chi-square(4) histogram and density */
    double edges[31], hist[30], cx[200], cy[200], thr[1] = {9.49};
    for (int i = 0; i <= 30; i++)
        edges[i] = 0.6 * i;
    memset(hist, 0, sizeof hist);
    for (int i = 0; i < 3000; i++) {
        double s = 0.0;
        for (int j = 0; j < 4; j++) {
            double z = lgc_rng_normal(&r);
            s += z * z;
        }
        int b = (int)(s / 0.6);
        if (b < 30)
            hist[b] += 1.0 / (3000 * 0.6);
    }
    for (int i = 0; i < 200; i++) {
        cx[i] = 18.0 * i / 199.0;
        cy[i] = 0.25 * cx[i] * exp(-cx[i] / 2.0);
    }
    lgc_series hs[3] = {
        {LGC_SERIES_BARS, edges, hist, 30, 0, "codes", 0, 0},
        {LGC_SERIES_LINE, cx, cy, 200, 3, "\u03c7\u00b2(4)", 0, 0},
        {LGC_SERIES_VLINE, thr, NULL, 1, -1, "95%", 0, 0},
    };
    lgc_panel hp;
    lgc_panel_init(&hp);
    hp.title = "squared Mahalanobis distance";
    hp.xlabel = "d\u00b2";
    hp.ylabel = "density";
    hp.series = hs;
    hp.n_series = 3;
    hp.legend = LGC_LEGEND_BEST;
    hp.note = "KL = 0.01";
    lgc_figure hf = {NULL, 1, 1, &hp, 1, 420, 300};
    lgc_plot_out hout = {tp("hist.png"), tp("hist.svg"), 1};
    assert_int_equal(lgc_plot_figure(&hf, &hout, NULL), LGC_OK);
    check_png_header(hout.png, &w, &h);
    assert_int_equal(w, 420);
    assert_int_equal(h, 300);
    check_svg(hout.svg, 420, 300, "<path");
}

static void test_heatmap(void **st)
{
    (void)st;
    double v[100];
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++)
            v[i * 10 + j] = i == j ? 900 + 10 * i : (i + j) % 7;
    lgc_heatmap hm = {"confusion", "predicted", "true", 10, 10, v, NULL, NULL, "%.0f", 1, 0};
    lgc_plot_out out = {tp("heat.png"), tp("heat.svg"), 1};
    assert_int_equal(lgc_plot_heatmap(&hm, &out, NULL), LGC_OK);
    uint32_t w, h;
    check_png_header(out.png, &w, &h);
    assert_true(w > 440 && w < 440 + 200); /* ten 44-px cells plus labels */
    assert_true(h > 440 && h < 440 + 200);
    uint8_t *px = decode_png(out.png, &w, &h);
    int has_dark;
    ink(px, (size_t)w * h, 0x08306b, 24, &has_dark); /* high recall: near the darkest blue */
    assert_true(has_dark);
    free(px);
    check_svg(out.svg, w, h, "<path");
}

static void test_image_sheet(void **st)
{
    (void)st;
    enum { N = 12 };
    uint8_t pix[N * 28 * 28];
    for (int i = 0; i < N * 784; i++)
        pix[i] = (uint8_t)((i * 7) % 256);
    lgc_images x = {N, 28, 28, 1, pix};
    const char *groups[2] = {"real", "decompressed"};
    lgc_image_sheet s = {NULL, &x, 2, 8, NULL, 4, groups, 2};
    lgc_plot_out out = {tp("sheet.png"), NULL, 1};
    assert_int_equal(lgc_plot_images(&s, &out, NULL), LGC_OK);
    uint32_t w, h;
    check_png_header(out.png, &w, &h);
    /* 10 px left, 8 cells of 56 + 2, one 18-px gap, 10 px right; 8 + 22 on top */
    assert_int_equal(w, 10 + 8 * 58 + 18 + 10);
    assert_int_equal(h, 30 + 2 * 58 + 10);
    size_t n;
    uint8_t *b = slurp(out.png, &n);
    assert_int_equal(b[25], 0); /* grey images make a greyscale PNG */
    free(b);
    lgc_plot_out bad = {tp("sheet.png"), tp("sheet.svg"), 1};
    assert_int_equal(lgc_plot_images(&s, &bad, NULL), LGC_ERR_ARG);
}

/* The palette writer the plots use: exact colours back, bad indices refused. */
static void test_png_indexed(void **st)
{
    (void)st;
    const uint8_t pal[9] = {255, 255, 255, 31, 119, 180, 0, 0, 0};
    const uint8_t idx[8] = {0, 1, 2, 1, 2, 2, 0, 1};
    assert_int_equal(lgc_png_write_indexed(tp("ix.png"), idx, 4, 2, pal, 3, 1, NULL), LGC_OK);
    uint32_t w, h;
    uint8_t *px = decode_png(tp("ix.png"), &w, &h);
    assert_int_equal(w, 4);
    assert_int_equal(h, 2);
    for (int i = 0; i < 8; i++)
        assert_memory_equal(px + 3 * i, pal + 3 * idx[i], 3);
    free(px);
    size_t n;
    uint8_t *b = slurp(tp("ix.png"), &n);
    assert_int_equal(b[25], 3); /* colour type: palette */
    free(b);
    const uint8_t bad[8] = {0, 1, 2, 3, 0, 0, 0, 0};
    lgc_err e;
    assert_int_equal(lgc_png_write_indexed(tp("ix2.png"), bad, 4, 2, pal, 3, 1, &e), LGC_ERR_ARG);
    assert_int_equal(lgc_png_write_indexed(tp("ix2.png"), idx, 4, 2, pal, 0, 1, &e), LGC_ERR_ARG);
    assert_int_equal(access(tp("ix2.png"), F_OK), -1);
}

static void test_errors(void **st)
{
    (void)st;
    lgc_panel p;
    lgc_panel_init(&p);
    lgc_figure f = {NULL, 1, 1, &p, 1, 200, 200};
    lgc_plot_out none = {NULL, NULL, 1};
    lgc_err e;
    assert_int_equal(lgc_plot_figure(&f, &none, &e), LGC_ERR_ARG);
    /* a folder that does not exist: an I/O error naming the file, nothing left */
    lgc_plot_out nowhere = {"/nonexistent-lgc/a.png", NULL, 1};
    assert_int_equal(lgc_plot_figure(&f, &nowhere, &e), LGC_ERR_IO);
    assert_non_null(strstr(e.msg, "/nonexistent-lgc/a.png"));
    /* refuses to replace a file unless told to */
    lgc_plot_out once = {tp("once.png"), NULL, 0};
    unlink(once.png);
    assert_int_equal(lgc_plot_figure(&f, &once, &e), LGC_OK);
    assert_int_equal(lgc_plot_figure(&f, &once, &e), LGC_ERR_IO);
    /* an empty panel still has axes: a valid picture */
    uint32_t w, h;
    check_png_header(once.png, &w, &h);
    assert_int_equal(w, 200);
    lgc_figure huge = {NULL, 100, 100, &p, 1, 200, 200};
    assert_int_equal(lgc_plot_figure(&huge, &nowhere, &e), LGC_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figure_grid),
        cmocka_unit_test(test_scatter_hist),
        cmocka_unit_test(test_heatmap),
        cmocka_unit_test(test_image_sheet),
        cmocka_unit_test(test_png_indexed),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
