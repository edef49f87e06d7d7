/* test_subset.c - per-class counts, the budget search against the xz sizes of
 * the files themselves, CRUST's selection and the all-or-nothing writer. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lgc/data.h"
#include "lgc/io.h"
#include "lgc/lossless.h"
#include "lgc/rng.h"
#include "lgc/subset.h"
#include "lgc/tensor.h"

static void test_counts(void **s)
{
    (void)s;
    size_t c[4];
    /* by hand: quotas 2.5 1.5 1.0 -> floors 2 1 1, the one left to the tie of 0 and 1: class 0 */
    size_t a[3] = {5, 3, 2};
    assert_int_equal(lgc_subset_counts(a, 3, 5, c, NULL), LGC_OK);
    assert_true(c[0] == 3 && c[1] == 1 && c[2] == 1);
    /* quotas 2.4 0.3 0.3 -> 3 0 0; each empty class takes one from the largest */
    size_t b[3] = {8, 1, 1};
    assert_int_equal(lgc_subset_counts(b, 3, 3, c, NULL), LGC_OK);
    assert_true(c[0] == 1 && c[1] == 1 && c[2] == 1);
    /* an empty class gets nothing and does not count as present */
    size_t e[4] = {10, 0, 10, 5};
    assert_int_equal(lgc_subset_counts(e, 4, 3, c, NULL), LGC_OK);
    assert_true(c[0] == 1 && c[1] == 0 && c[2] == 1 && c[3] == 1);
    assert_int_equal(lgc_subset_counts(e, 4, 2, c, NULL), LGC_ERR_ARG);
    assert_int_equal(lgc_subset_counts(e, 4, 26, c, NULL), LGC_ERR_ARG);
    assert_int_equal(lgc_subset_counts(e, 4, 25, c, NULL), LGC_OK);
    assert_true(c[0] == 10 && c[1] == 0 && c[2] == 10 && c[3] == 5);
    /* MNIST's class sizes: every k sums right, stays within one of its quota
     * (once k is large enough that no class needs its guaranteed one), and
     * never asks a class for more than it has */
    size_t m[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    for (size_t k = 10; k <= 60000; k += k < 200 ? 1 : 997) {
        size_t cm[10], sum = 0;
        assert_int_equal(lgc_subset_counts(m, 10, k, cm, NULL), LGC_OK);
        for (size_t t = 0; t < 10; t++) {
            double q = (double)k * (double)m[t] / 60000.0;
            assert_true(cm[t] >= 1 && cm[t] <= m[t]);
            if (k >= 20)
                assert_true(fabs((double)cm[t] - q) < 1.0);
            sum += cm[t];
        }
        assert_int_equal(sum, k);
    }
}

/* n images of side x side in 3 classes: a class pattern plus 4 bits of noise
 * per pixel, so that xz cannot squeeze the set to nothing. */
static void make_set(lgc_dataset *d, size_t n, size_t side, uint64_t seed)
{
    lgc_rng r;
    lgc_rng_init(&r, seed, 0);
    size_t img = side * side;
    d->x.n = d->y.n = n, d->x.h = d->x.w = side, d->x.c = 1, d->n_classes = 3;
    d->x.pix = malloc(n * img);
    d->y.y = malloc(n);
    for (size_t i = 0; i < n; i++) {
        d->y.y[i] = (uint8_t)(i % 7 < 3 ? 0 : i % 7 < 5 ? 1 : 2); /* sizes 3 : 2 : 2 */
        for (size_t p = 0; p < img; p++)
            d->x.pix[i * img + p] = (uint8_t)((p % (d->y.y[i] + 2) ? 40 : 200) +
                                              lgc_rng_below(&r, 16));
    }
}

/* xz -9e of the images and labels IDX files of idx (k), as written to disk by
 * the data module's writers and measured by lgc_lossless_measure. */
static size_t files_xz(const lgc_dataset *d, const uint32_t *idx, size_t k)
{
    size_t img = d->x.h * d->x.w;
    lgc_images x = {k, d->x.h, d->x.w, 1, malloc(k * img)};
    lgc_labels y = {k, malloc(k)};
    for (size_t i = 0; i < k; i++) {
        memcpy(x.pix + i * img, d->x.pix + idx[i] * img, img);
        y.y[i] = d->y.y[idx[i]];
    }
    char pi[] = "/tmp/lgc_test_subset_XXXXXX";
    int fd = mkstemp(pi);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(lgc_idx_write_images(pi, &x, 1, NULL), LGC_OK);
    size_t total = 0;
    for (int f = 0; f < 2; f++) {
        if (f == 1)
            assert_int_equal(lgc_idx_write_labels(pi, &y, 1, NULL), LGC_OK);
        uint8_t *buf;
        size_t n;
        lgc_lossless_sizes ls;
        assert_int_equal(lgc_read_file(pi, (size_t)1 << 30, &buf, &n, NULL), LGC_OK);
        assert_int_equal(lgc_lossless_measure(buf, n, &ls, NULL), LGC_OK);
        total += ls.xz9e;
        free(buf);
    }
    unlink(pi);
    free(x.pix), free(y.y);
    return total;
}

/* The search's k fits and k+1 does not, measured on the files themselves. */
static void test_budget_search(void **s)
{
    (void)s;
    lgc_dataset d;
    make_set(&d, 350, 10, 1);
    size_t n = d.x.n, counts[LGC_SUBSET_MAX_CLASSES];
    uint32_t *idx = malloc(n * sizeof *idx);
    lgc_subset_opts o;
    lgc_subset_opts_default(&o);
    o.seed = 5;
    const uint64_t budgets[] = {1500, 4000, 9000};
    for (size_t b = 0; b < 3; b++) {
        o.budget = budgets[b];
        lgc_subset sub;
        assert_int_equal(lgc_subset_select(&o, &d, &sub, NULL, NULL, NULL), LGC_OK);
        size_t k = sub.k;
        assert_true(k > 3 && k < n);
        assert_null(sub.weight);
        assert_int_equal(lgc_subset_random(&d, o.seed, k, idx, counts, NULL), LGC_OK);
        assert_memory_equal(idx, sub.idx, k * sizeof *idx);
        size_t fk = files_xz(&d, idx, k);
        assert_int_equal(fk, sub.xz_images + sub.xz_labels);
        assert_true(fk <= o.budget);
        assert_int_equal(lgc_subset_random(&d, o.seed, k + 1, idx, counts, NULL), LGC_OK);
        assert_true(files_xz(&d, idx, k + 1) > o.budget);
        /* stratified, each class in original order */
        size_t per[3] = {0, 0, 0};
        for (size_t i = 0; i < k; i++) {
            per[d.y.y[sub.idx[i]]]++;
            if (i && d.y.y[sub.idx[i]] == d.y.y[sub.idx[i - 1]])
                assert_true(sub.idx[i] > sub.idx[i - 1]);
            if (i)
                assert_true(d.y.y[sub.idx[i]] >= d.y.y[sub.idx[i - 1]]);
        }
        for (size_t c = 0; c < 3; c++)
            assert_int_equal(per[c], sub.counts[c]);
        lgc_subset_free(&sub);
    }
    /* a budget above the whole set: all of it; below one per class: refused */
    lgc_subset sub;
    o.budget = 1u << 30;
    assert_int_equal(lgc_subset_select(&o, &d, &sub, NULL, NULL, NULL), LGC_OK);
    assert_int_equal(sub.k, n);
    lgc_subset_free(&sub);
    o.budget = 200;
    lgc_err err;
    assert_int_equal(lgc_subset_select(&o, &d, &sub, NULL, NULL, &err), LGC_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "too small"));
    assert_null(sub.idx);
    free(idx);
    lgc_dataset_free(&d);
}

/* CRUST on 28x28 images (paper-cnn's input): the random subset's counts,
 * medoids of their own class, weights that are cluster sizes (they sum to
 * each class's size), the same answer with 1 and 2 threads. */
static void test_crust(void **s)
{
    (void)s;
    lgc_dataset d;
    make_set(&d, 280, 28, 2);
    lgc_subset_opts o;
    lgc_subset_opts_default(&o);
    o.budget = 12000;
    lgc_subset rnd, cr, cr1;
    assert_int_equal(lgc_subset_select(&o, &d, &rnd, NULL, NULL, NULL), LGC_OK);
    o.method = LGC_SUBSET_CRUST;
    assert_int_equal(lgc_subset_select(&o, &d, &cr, NULL, NULL, NULL), LGC_OK);
    assert_int_equal(cr.k, rnd.k);
    assert_memory_equal(cr.counts, rnd.counts, sizeof cr.counts);
    assert_non_null(cr.weight);
    assert_true(cr.max_iters >= 1 && !cr.capped);
    double wsum[3] = {0, 0, 0};
    for (size_t i = 0; i < cr.k; i++) {
        assert_true(cr.weight[i] >= 1.0f && cr.weight[i] == floorf(cr.weight[i]));
        wsum[d.y.y[cr.idx[i]]] += cr.weight[i];
        if (i && d.y.y[cr.idx[i]] == d.y.y[cr.idx[i - 1]])
            assert_true(cr.idx[i] > cr.idx[i - 1]);
    }
    assert_true(wsum[0] == 120.0 && wsum[1] == 80.0 && wsum[2] == 80.0);
    assert_int_equal(cr.xz_images + cr.xz_labels, files_xz(&d, cr.idx, cr.k));
    lgc_threads_set(1);
    assert_int_equal(lgc_subset_select(&o, &d, &cr1, NULL, NULL, NULL), LGC_OK);
    lgc_threads_set(2);
    assert_memory_equal(cr.idx, cr1.idx, cr.k * sizeof *cr.idx);
    assert_memory_equal(cr.weight, cr1.weight, cr.k * sizeof *cr.weight);
    /* images paper-cnn cannot take: a data error naming the shape */
    lgc_dataset small;
    make_set(&small, 100, 10, 3);
    lgc_subset bad;
    lgc_err err;
    o.budget = 3000;
    assert_int_equal(lgc_subset_select(&o, &small, &bad, NULL, NULL, &err), LGC_ERR_VALUE);
    assert_non_null(strstr(err.msg, "10x10x1"));
    lgc_subset_free(&rnd), lgc_subset_free(&cr), lgc_subset_free(&cr1);
    lgc_dataset_free(&d), lgc_dataset_free(&small);
}

static size_t count_entries(const char *dir)
{
    DIR *dd = opendir(dir);
    size_t n = 0;
    for (struct dirent *e; dd && (e = readdir(dd));)
        n += e->d_name[0] != '.';
    if (dd)
        closedir(dd);
    return n;
}

/* The files read back as the subset; an existing output stops the write
 * before anything appears. */
static void test_write(void **s)
{
    (void)s;
    lgc_dataset d;
    make_set(&d, 140, 10, 4);
    lgc_subset sub = {0};
    sub.k = 4;
    sub.n_classes = 3;
    uint32_t idx[4] = {0, 7, 3, 5};
    float w[4] = {3, 1, 2, 8};
    sub.idx = idx, sub.weight = w;
    char dir[] = "/tmp/lgc_test_subset_dir_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char prefix[64], path[96];
    snprintf(prefix, sizeof prefix, "%s/s", dir);
    assert_int_equal(lgc_subset_probe(prefix, 1, 0, NULL), LGC_OK);
    assert_int_equal(count_entries(dir), 0);
    assert_int_equal(lgc_subset_write(&sub, &d, prefix, 0, NULL), LGC_OK);
    assert_int_equal(count_entries(dir), 3);
    lgc_dataset back;
    char pi[96], pl[96];
    snprintf(pi, sizeof pi, "%s-images.idx", prefix);
    snprintf(pl, sizeof pl, "%s-labels.idx", prefix);
    assert_int_equal(lgc_dataset_load(pi, pl, 0, &back, NULL), LGC_OK);
    assert_int_equal(back.x.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_memory_equal(back.x.pix + i * 100, d.x.pix + idx[i] * 100, 100);
        assert_int_equal(back.y.y[i], d.y.y[idx[i]]);
    }
    float *wb;
    size_t nw;
    snprintf(path, sizeof path, "%s-weights.npy", prefix);
    assert_int_equal(lgc_npy_read_f32_vec(path, &wb, &nw, NULL), LGC_OK);
    assert_int_equal(nw, 4);
    assert_memory_equal(wb, w, sizeof w);
    free(wb);
    lgc_dataset_free(&back);
    /* existing outputs without overwrite: refused by the probe and the writer */
    assert_int_equal(lgc_subset_probe(prefix, 1, 0, NULL), LGC_ERR_IO);
    assert_int_equal(lgc_subset_write(&sub, &d, prefix, 0, NULL), LGC_ERR_IO);
    assert_int_equal(lgc_subset_write(&sub, &d, prefix, 1, NULL), LGC_OK);
    /* only the labels exist: the write fails and leaves no images or weights */
    unlink(pi), unlink(path);
    assert_int_equal(lgc_subset_write(&sub, &d, prefix, 0, NULL), LGC_ERR_IO);
    assert_int_equal(count_entries(dir), 1);
    /* the weights exist: the images and labels, opened first, vanish with the failure */
    unlink(pl);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(lgc_subset_write(&sub, &d, prefix, 0, NULL), LGC_ERR_IO);
    assert_int_equal(count_entries(dir), 1);
    unlink(path);
    rmdir(dir);
    lgc_dataset_free(&d);
}

int main(void)
{
    lgc_threads_set(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_budget_search),
        cmocka_unit_test(test_crust),
        cmocka_unit_test(test_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
