/* dataset.c - either format, told apart by its magic bytes, and images paired with labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "lgc/io.h"

typedef enum { FMT_IDX, FMT_NPY, FMT_UNKNOWN } data_format;

/* NPY by its magic, IDX by its two zero bytes; otherwise a .npy name goes to
 * the NPY parser (whose error is then the most telling), anything else is
 * unknown. */
static data_format detect(const char *path, const uint8_t *buf, size_t n)
{
    if (n >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0)
        return FMT_NPY;
    if (n >= 2 && buf[0] == 0 && buf[1] == 0)
        return FMT_IDX;
    size_t k = strlen(path);
    if (k >= 4 && strcmp(path + k - 4, ".npy") == 0)
        return FMT_NPY;
    return n < 4 ? FMT_IDX : FMT_UNKNOWN; /* short files: IDX says "truncated" */
}

static lgc_status unknown_format(const char *path, uint8_t *buf, size_t n, int mapped,
                                 lgc_err *err)
{
    lgc_status st = lgc_err_set(err, LGC_ERR_FORMAT,
                                "%s: not an IDX or NPY file (first bytes %02x %02x %02x %02x)%s",
                                path, buf[0], buf[1], buf[2], buf[3], data_magic_hint(buf, n));
    data_release(buf, n, mapped);
    return st;
}

/* Read path whole and parse it as images or labels (out is an lgc_images or
 * an lgc_labels), in the format fmt, or in the one its first bytes name. */
typedef enum { AS_IMAGES, AS_LABELS } read_kind;

static lgc_status read_as(const char *path, read_kind kind, data_format fmt, lgc_layout layout,
                          void *out, lgc_err *err)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    memset(out, 0, kind == AS_IMAGES ? sizeof(lgc_images) : sizeof(lgc_labels));
    /* images are mapped, not copied (data.h); what cannot be mapped is read,
     * and reading words the error */
    if (kind == AS_IMAGES && lgc_map_file(path, &buf, &n) == 0) {
        if (fmt == FMT_UNKNOWN)
            fmt = detect(path, buf, n);
        if (fmt == FMT_NPY)
            return lgc_npy_images_from_map(path, buf, n, layout, out, err);
        if (fmt == FMT_IDX)
            return lgc_idx_images_from_map(path, buf, n, out, err);
        return unknown_format(path, buf, n, 1, err);
    }
    lgc_status st = lgc_read_file(path, LGC_DATA_MAX_FILE, &buf, &n, err);
    if (st != LGC_OK)
        return st;
    if (fmt == FMT_UNKNOWN)
        fmt = detect(path, buf, n);
    if (fmt == FMT_NPY)
        return kind == AS_IMAGES ? lgc_npy_images_from_buf(path, buf, n, layout, out, err)
                                 : lgc_npy_labels_from_buf(path, buf, n, out, err);
    if (fmt == FMT_IDX)
        return kind == AS_IMAGES ? lgc_idx_images_from_buf(path, buf, n, out, err)
                                 : lgc_idx_labels_from_buf(path, buf, n, out, err);
    return unknown_format(path, buf, n, 0, err);
}

/* The six readers of data.h: one line each over read_as. */
#define READER(fn, type, kind, fmt)                                                             \
    lgc_status fn(const char *path, type *out, lgc_err *err)                                    \
    {                                                                                           \
        return read_as(path, kind, fmt, LGC_LAYOUT_AUTO, out, err);                             \
    }
READER(lgc_images_read, lgc_images, AS_IMAGES, FMT_UNKNOWN)
READER(lgc_labels_read, lgc_labels, AS_LABELS, FMT_UNKNOWN)
READER(lgc_idx_read_images, lgc_images, AS_IMAGES, FMT_IDX)
READER(lgc_idx_read_labels, lgc_labels, AS_LABELS, FMT_IDX)
READER(lgc_npy_read_images, lgc_images, AS_IMAGES, FMT_NPY)
READER(lgc_npy_read_labels, lgc_labels, AS_LABELS, FMT_NPY)

lgc_status lgc_images_read_layout(const char *path, lgc_layout layout, lgc_images *out,
                                  lgc_err *err)
{
    return read_as(path, AS_IMAGES, FMT_UNKNOWN, layout, out, err);
}

lgc_status lgc_dataset_load(const char *images_path, const char *labels_path,
                            size_t n_classes, lgc_dataset *out, lgc_err *err)
{
    return lgc_dataset_load_layout(images_path, labels_path, n_classes, LGC_LAYOUT_AUTO, out, err);
}

/* A folder set: its labels come from its class folders. */
static lgc_status load_folder(const char *dir, const char *labels_path, size_t n_classes,
                              lgc_dataset *out, lgc_err *err)
{
    if (labels_path)
        return lgc_err_set(err, LGC_ERR_VALUE,
                           "%s: a folder of class folders, whose labels are its folders; it takes "
                           "no labels file (%s)",
                           dir, labels_path);
    lgc_status st = lgc_folder_read(dir, out, err);
    if (st != LGC_OK)
        return st;
    if (n_classes && out->n_classes > n_classes) {
        st = lgc_err_set(err, LGC_ERR_VALUE, "%s: %zu class folders, but %zu classes asked for",
                         dir, out->n_classes, n_classes);
        lgc_dataset_free(out);
        return st;
    }
    if (n_classes)
        out->n_classes = n_classes;
    return LGC_OK;
}

lgc_status lgc_dataset_load_layout(const char *images_path, const char *labels_path,
                                   size_t n_classes, lgc_layout layout, lgc_dataset *out,
                                   lgc_err *err)
{
    memset(out, 0, sizeof *out);
    lgc_status st;
    if (n_classes > 256) {
        st = lgc_err_set(err, LGC_ERR_ARG,
                         "%s: %zu classes asked for, but labels are bytes (at most 256)",
                         labels_path ? labels_path : images_path, n_classes);
        goto fail;
    }
    if (lgc_path_is_folder(images_path))
        return load_folder(images_path, labels_path, n_classes, out, err);
    if (!labels_path) {
        st = lgc_err_set(err, LGC_ERR_ARG,
                         "%s: an image file needs its labels file (only a folder of class "
                         "folders carries its own labels)",
                         images_path);
        goto fail;
    }
    if ((st = read_as(images_path, AS_IMAGES, FMT_UNKNOWN, layout, &out->x, err)) != LGC_OK ||
        (st = lgc_labels_read(labels_path, &out->y, err)) != LGC_OK)
        goto fail;
    if (out->x.n != out->y.n) {
        st = lgc_err_set(err, LGC_ERR_VALUE, "%s: %zu labels, but %s has %zu images", labels_path,
                         out->y.n, images_path, out->x.n);
        goto fail;
    }
    size_t top = 0;
    for (size_t i = 0; i < out->y.n; i++) {
        if (n_classes && out->y.y[i] >= n_classes) {
            st = lgc_err_set(err, LGC_ERR_VALUE,
                             "%s: label at index %zu is %u, outside the %zu classes 0..%zu",
                             labels_path, i, (unsigned)out->y.y[i], n_classes, n_classes - 1);
            goto fail;
        }
        if (out->y.y[i] >= top)
            top = (size_t)out->y.y[i] + 1;
    }
    out->n_classes = n_classes ? n_classes : top;
    return LGC_OK;
fail:
    lgc_dataset_free(out);
    return st;
}
