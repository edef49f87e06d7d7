/* folder.c - folders of class folders of PNG or JPEG images (torchvision's
 * ImageFolder layout), read into one labelled set and written back (see
 * include/lgc/data.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/data_internal.h"
#include "lgc/io.h"

/* Largest image file read (a 16k x 16k RGB PNG is far below it). */
#define FOLDER_MAX_FILE ((size_t)1 << 30)

int lgc_path_is_folder(const char *path)
{
    struct stat sb;
    return path && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* ---- names ------------------------------------------------------------------ */

typedef struct {
    char **name;
    size_t n, cap;
} name_list;

static void names_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->name[i]);
    free(l->name);
    memset(l, 0, sizeof *l);
}

static int names_add(name_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **p = realloc(l->name, cap * sizeof *p);
        if (!p)
            return 0;
        l->name = p, l->cap = cap;
    }
    size_t k = strlen(s) + 1;
    if (!(l->name[l->n] = malloc(k)))
        return 0;
    memcpy(l->name[l->n++], s, k);
    return 1;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *a, const char *b)
{
    size_t k = strlen(a) + strlen(b) + 2;
    char *s = malloc(k);
    if (s)
        snprintf(s, k, "%s/%s", a, b);
    return s;
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    if (n <= k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        char ch = s[n - k + i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != suffix[i])
            return 0;
    }
    return 1;
}

typedef enum { IMG_NONE, IMG_PNG, IMG_JPEG } img_kind;

static img_kind kind_of(const char *name)
{
    if (ends_with_ci(name, ".png"))
        return IMG_PNG;
    if (ends_with_ci(name, ".jpg") || ends_with_ci(name, ".jpeg"))
        return IMG_JPEG;
    return IMG_NONE;
}

/* The entries of dir not starting with '.', folders (want_dirs) or image
 * files, sorted by their bytes. */
static lgc_status list_dir(const char *dir, int want_dirs, name_list *out, lgc_err *err)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d)
        return lgc_err_set(err, LGC_ERR_IO, "%s: cannot open the folder: %s", dir,
                           strerror(errno));
    struct dirent *e;
    lgc_status st = LGC_OK;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (!want_dirs && kind_of(e->d_name) == IMG_NONE)
            continue;
        char *p = join(dir, e->d_name);
        if (!p) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", dir);
            break;
        }
        int is_dir = lgc_path_is_folder(p);
        free(p);
        if (is_dir != want_dirs)
            continue;
        if (!names_add(out, e->d_name)) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", dir);
            break;
        }
    }
    closedir(d);
    if (st != LGC_OK) {
        names_free(out);
        return st;
    }
    if (out->n)
        qsort(out->name, out->n, sizeof *out->name, by_bytes);
    return LGC_OK;
}

/* ---- reading ---------------------------------------------------------------- */

/* The set as it grows: pixels (cap, h, w, c) and labels, c rising from 1 to 3
 * when the first RGB image comes. first names the image that fixed the size. */
typedef struct {
    uint8_t *pix, *y;
    size_t n, cap, h, w, c;
    char *first;
} growing;

/* Grey images already stored become RGB: in place, from the last pixel down. */
static int grow_to_rgb(growing *g)
{
    size_t hw = g->h * g->w, px = g->cap * hw;
    uint8_t *p = realloc(g->pix, px ? 3 * px : 1);
    if (!p)
        return 0;
    for (size_t i = g->n * hw; i-- > 0;)
        p[3 * i] = p[3 * i + 1] = p[3 * i + 2] = p[i];
    g->pix = p, g->c = 3;
    return 1;
}

static lgc_status add_image(growing *g, const char *path, const uint8_t *pix, size_t h, size_t w,
                            size_t c, uint8_t label, lgc_err *err)
{
    if (!g->first) {
        size_t k = strlen(path) + 1;
        if (!(g->first = malloc(k)))
            return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", path);
        memcpy(g->first, path, k);
        g->h = h, g->w = w, g->c = c;
    } else if (h != g->h || w != g->w) {
        return lgc_err_set(err, LGC_ERR_VALUE,
                           "%s: %zux%zu pixels, but %s is %zux%zu; every image of a set must have "
                           "one size",
                           path, w, h, g->first, g->w, g->h);
    }
    size_t hw = g->h * g->w;
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 256, bytes = 0;
        if (!lgc_size_mul(cap, hw * g->c, &bytes))
            return lgc_err_set(err, LGC_ERR_NOMEM, "%s: the set is too large", path);
        uint8_t *p = realloc(g->pix, bytes ? bytes : 1), *q;
        if (!p)
            return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", path);
        g->pix = p;
        if (!(q = realloc(g->y, cap)))
            return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", path);
        g->y = q, g->cap = cap;
    }
    if (c == 3 && g->c == 1 && !grow_to_rgb(g))
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", path);
    uint8_t *dst = g->pix + g->n * hw * g->c;
    if (c == g->c)
        memcpy(dst, pix, hw * c);
    else /* a grey image in an RGB set */
        for (size_t i = 0; i < hw; i++)
            dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = pix[i];
    g->y[g->n++] = label;
    return LGC_OK;
}

static lgc_status read_image(growing *g, const char *path, uint8_t label, lgc_err *err)
{
    uint8_t *buf = NULL, *pix = NULL;
    size_t n = 0, h = 0, w = 0, c = 0;
    lgc_status st = lgc_read_file(path, FOLDER_MAX_FILE, &buf, &n, err);
    if (st != LGC_OK)
        return st;
    int png = n >= 8 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0;
    int jpeg = n >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff;
    if (png)
        st = data_png_decode(path, buf, n, &pix, &h, &w, &c, err);
    else if (jpeg)
        st = data_jpeg_decode(path, buf, n, &pix, &h, &w, &c, err);
    else
        st = lgc_err_set(err, LGC_ERR_FORMAT, "%s: neither a PNG nor a JPEG image%s", path,
                         data_magic_hint(buf, n));
    free(buf);
    if (st == LGC_OK)
        st = add_image(g, path, pix, h, w, c, label, err);
    free(pix);
    return st;
}

/* Every image of class folder cdir, labelled label. */
static lgc_status read_class(growing *g, const char *cdir, uint8_t label, lgc_err *err)
{
    name_list files;
    lgc_status st = list_dir(cdir, 0, &files, err);
    if (st != LGC_OK)
        return st;
    if (files.n == 0)
        st = lgc_err_set(err, LGC_ERR_VALUE,
                         "%s: a class folder with no images (.png, .jpg or .jpeg files)", cdir);
    for (size_t i = 0; i < files.n && st == LGC_OK; i++) {
        char *p = join(cdir, files.name[i]);
        st = p ? read_image(g, p, label, err) : lgc_err_set(err, LGC_ERR_NOMEM, "out of memory");
        free(p);
    }
    names_free(&files);
    return st;
}

lgc_status lgc_folder_read(const char *dir, lgc_dataset *out, lgc_err *err)
{
    memset(out, 0, sizeof *out);
    growing g;
    memset(&g, 0, sizeof g);
    name_list classes;
    lgc_status st = list_dir(dir, 1, &classes, err);
    if (st != LGC_OK)
        return st;
    if (classes.n == 0)
        st = lgc_err_set(err, LGC_ERR_VALUE,
                         "%s: no class folders; a folder set holds one folder of PNG or JPEG "
                         "images per class",
                         dir);
    else if (classes.n > LGC_FOLDER_MAX_CLASSES)
        st = lgc_err_set(err, LGC_ERR_LIMIT,
                         "%s: %zu class folders; lgc handles at most %d classes (labels are bytes)",
                         dir, classes.n, LGC_FOLDER_MAX_CLASSES);
    for (size_t k = 0; k < classes.n && st == LGC_OK; k++) {
        char *p = join(dir, classes.name[k]);
        st = p ? read_class(&g, p, (uint8_t)k, err)
               : lgc_err_set(err, LGC_ERR_NOMEM, "out of memory");
        free(p);
    }
    if (st == LGC_OK) {
        out->x.n = out->y.n = g.n;
        out->x.h = g.h, out->x.w = g.w, out->x.c = g.c;
        out->x.pix = data_take(g.pix, 0, g.n * g.h * g.w * g.c);
        out->y.y = data_take(g.y, 0, g.n);
        out->n_classes = classes.n;
    } else {
        free(g.pix), free(g.y);
    }
    free(g.first);
    names_free(&classes);
    return st;
}

/* ---- writing ---------------------------------------------------------------- */

static int digits(size_t v)
{
    int d = 1;
    while (v >= 10)
        v /= 10, d++;
    return d;
}

/* Remove what lgc_png_folder writes: dir's class folders of .png files, then
 * dir. Anything else in it (a file of another kind, a deeper folder) stops
 * the removal before a single file is deleted, returning 0. */
static size_t count_entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return (size_t)-1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* A folder (dir) or a plain file, not through a symbolic link. */
static int is_real(const char *path, int dir)
{
    struct stat sb;
    return lstat(path, &sb) == 0 && (dir ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode));
}

static int remove_png_folder(const char *dir, int dry_run)
{
    name_list classes;
    if (!is_real(dir, 1) || list_dir(dir, 1, &classes, NULL) != LGC_OK)
        return 0;
    int ok = count_entries(dir) == classes.n; /* nothing but the class folders */
    for (size_t k = 0; k < classes.n && ok; k++) {
        name_list files = {0};
        char *cdir = join(dir, classes.name[k]);
        ok = cdir && is_real(cdir, 1) && list_dir(cdir, 0, &files, NULL) == LGC_OK &&
             count_entries(cdir) == files.n;
        for (size_t i = 0; ok && i < files.n; i++) {
            char *f = join(cdir, files.name[i]);
            ok = f && ends_with_ci(files.name[i], ".png") && is_real(f, 0);
            free(f);
        }
        for (size_t i = 0; ok && !dry_run && i < files.n; i++) {
            char *f = join(cdir, files.name[i]);
            ok = f && unlink(f) == 0;
            free(f);
        }
        if (ok && !dry_run)
            ok = rmdir(cdir) == 0;
        names_free(&files);
        free(cdir);
    }
    names_free(&classes);
    return ok && (dry_run || rmdir(dir) == 0);
}

lgc_status lgc_png_folder_open(lgc_png_folder *f, const char *dir, size_t n_classes,
                               size_t n_total, int overwrite, lgc_err *err)
{
    memset(f, 0, sizeof *f);
    if (n_classes < 1 || n_classes > LGC_FOLDER_MAX_CLASSES)
        return lgc_err_set(err, LGC_ERR_ARG, "%s: %zu classes (1..%d)", dir, n_classes,
                           LGC_FOLDER_MAX_CLASSES);
    struct stat sb;
    if (!overwrite && lstat(dir, &sb) == 0)
        return lgc_err_set(err, LGC_ERR_IO, "%s: already exists (use -f to overwrite)", dir);
    if (overwrite && lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && !remove_png_folder(dir, 1))
        return lgc_err_set(err, LGC_ERR_IO,
                           "%s: exists and holds more than class folders of PNG files; lgc "
                           "replaces only a folder it wrote",
                           dir);
    size_t k = strlen(dir) + 32;
    f->dir = malloc(k);
    f->tmp = malloc(k);
    f->made = calloc(n_classes, 1);
    if (!f->dir || !f->tmp || !f->made) {
        lgc_png_folder_abort(f);
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", dir);
    }
    snprintf(f->dir, k, "%s", dir);
    snprintf(f->tmp, k, "%s.tmp.%ld", dir, (long)getpid());
    if (mkdir(f->tmp, 0755) != 0) {
        lgc_status st = lgc_err_set(err, LGC_ERR_IO, "%s: cannot create the folder: %s", f->tmp,
                                    strerror(errno));
        free(f->made), f->made = NULL; /* nothing to remove */
        free(f->dir), free(f->tmp);
        memset(f, 0, sizeof *f);
        return st;
    }
    f->n_classes = n_classes, f->n_total = n_total, f->overwrite = overwrite;
    f->cls_digits = digits(n_classes - 1);
    f->idx_digits = digits(n_total ? n_total - 1 : 0);
    return LGC_OK;
}

lgc_status lgc_png_folder_write(lgc_png_folder *f, const uint8_t *pix, const uint8_t *lab,
                                size_t nb, size_t h, size_t w, size_t c, lgc_err *err)
{
    size_t k = strlen(f->tmp) + 64, img = h * w * c;
    char *path = malloc(k);
    if (!path)
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", f->dir);
    lgc_status st = LGC_OK;
    for (size_t i = 0; i < nb && st == LGC_OK; i++) {
        size_t cls = lab[i], idx = f->next;
        if (cls >= f->n_classes || idx >= f->n_total) {
            st = lgc_err_set(err, LGC_ERR_ARG, "%s: image %zu of class %zu (%zu images of %zu "
                             "classes declared)", f->dir, idx, cls, f->n_total, f->n_classes);
            break;
        }
        if (!f->made[cls]) {
            snprintf(path, k, "%s/%0*zu", f->tmp, f->cls_digits, cls);
            if (mkdir(path, 0755) != 0) {
                st = lgc_err_set(err, LGC_ERR_IO, "%s: cannot create the folder: %s", path,
                                 strerror(errno));
                break;
            }
            f->made[cls] = 1;
        }
        snprintf(path, k, "%s/%0*zu/%0*zu.png", f->tmp, f->cls_digits, cls, f->idx_digits, idx);
        uint8_t *png = NULL;
        size_t n = 0;
        if ((st = data_png_encode(path, pix + i * img, w, h, c, &png, &n, err)) != LGC_OK)
            break;
        FILE *fp = fopen(path, "wb");
        int ok = fp && fwrite(png, 1, n, fp) == n;
        ok = fp && fclose(fp) == 0 && ok;
        free(png);
        if (!ok)
            st = lgc_err_set(err, LGC_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        f->next++;
    }
    free(path);
    return st;
}

lgc_status lgc_png_folder_commit(lgc_png_folder *f, lgc_err *err)
{
    lgc_status st = LGC_OK;
    struct stat sb;
    char *old = NULL;
    if (f->next != f->n_total) {
        st = lgc_err_set(err, LGC_ERR_INTERNAL, "%s: %zu images written of %zu", f->dir, f->next,
                         f->n_total);
        goto fail;
    }
    if (!f->overwrite || lstat(f->dir, &sb) != 0) {
        /* claim the name: mkdir fails if it exists; rename then replaces the
         * empty folder just made */
        if (mkdir(f->dir, 0755) != 0) {
            st = lgc_err_set(err, LGC_ERR_IO, errno == EEXIST ? "%s: already exists (use -f to "
                             "overwrite)" : "%s: cannot create the folder", f->dir);
            goto fail;
        }
        if (rename(f->tmp, f->dir) != 0) {
            st = lgc_err_set(err, LGC_ERR_IO, "%s: cannot rename %s to it: %s", f->dir, f->tmp,
                             strerror(errno));
            rmdir(f->dir);
            goto fail;
        }
    } else {
        size_t k = strlen(f->dir) + 32;
        if (!(old = malloc(k))) {
            st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", f->dir);
            goto fail;
        }
        snprintf(old, k, "%s.old.%ld", f->dir, (long)getpid());
        int was_dir = S_ISDIR(sb.st_mode);
        if (was_dir && !remove_png_folder(f->dir, 1)) {
            st = lgc_err_set(err, LGC_ERR_IO, "%s: holds more than class folders of PNG files; "
                             "lgc replaces only a folder it wrote", f->dir);
            goto fail;
        }
        if ((was_dir ? rename(f->dir, old) : unlink(f->dir)) != 0 || rename(f->tmp, f->dir) != 0) {
            st = lgc_err_set(err, LGC_ERR_IO, "%s: cannot replace it: %s", f->dir,
                             strerror(errno));
            goto fail;
        }
        if (was_dir)
            remove_png_folder(old, 0);
    }
    free(old);
    free(f->made), free(f->dir), free(f->tmp);
    memset(f, 0, sizeof *f);
    return LGC_OK;
fail:
    free(old);
    lgc_png_folder_abort(f);
    return st;
}

void lgc_png_folder_abort(lgc_png_folder *f)
{
    if (!f)
        return;
    if (f->tmp && f->made) {
        remove_png_folder(f->tmp, 0);
        rmdir(f->tmp); /* when no class folder was made yet */
    }
    free(f->made), free(f->dir), free(f->tmp);
    memset(f, 0, sizeof *f);
}
