/*
 * data.h - labelled image sets in and out: IDX and NPY files.
 *
 * In memory, images are uint8 in (n, h, w, c) order, c = 1 (grey) or 3 (RGB),
 * and labels are uint8 class indices. Pixels mean x/255 in [0, 1].
 *
 * Readers load the whole file, check every count in the header against the
 * bytes the file really has before allocating anything, and reject a file
 * with the slightest doubt: bad magic, an element type other than the one
 * expected, a wrong rank, a zero dimension, sizes that overflow, a truncated
 * file or bytes after the data. The error sentence starts with the path.
 *
 * Formats:
 *  - IDX (LeCun's MNIST format): 2 zero bytes, a type code (0x08 = ubyte is
 *    the only one accepted), the rank, then rank big-endian uint32 sizes, then
 *    the data. Images are rank 3 (N,H,W) or rank 4 (N,H,W,C) with C 1 or 3;
 *    labels are rank 1.
 *  - NPY (NumPy's .npy), versions 1.0, 2.0 and 3.0, C order. Images: '|u1'
 *    (0..255) or '<f4' (values in [0,1], converted with round(x*255), half
 *    away from zero; anything outside [0,1] or non-finite is rejected), shape
 *    (N,H,W), (N,H,W,C) with C 1 or 3, or (N,784) read as (N,28,28). Labels:
 *    '|u1', '<i4' or '<i8', rank 1, each value in 0..255.
 *    The writers produce version 1.0, the dict padded with spaces and ended by
 *    '\n' so that the data starts at a multiple of 64 bytes, as numpy.save
 *    does; numpy.load reads them.
 *
 * Writers are atomic (see io.h): the target appears complete or not at all,
 * and an existing file is replaced only when overwrite is non-zero.
 */
#ifndef LGC_DATA_H
#define LGC_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/status.h"

/* Most classes a labelled set may have, and most groups (group ids are
 * uint8; a package holds at most one mixture per group). */
#define LGC_MAX_CLASSES 16
#define LGC_MAX_GROUPS 256

typedef struct {
    size_t n, h, w, c;
    uint8_t *pix; /* (n, h, w, c), c = 1 or 3 */
} lgc_images;

typedef struct {
    size_t n;
    uint8_t *y; /* (n) */
} lgc_labels;

typedef struct {
    lgc_images x;
    lgc_labels y;
    size_t n_classes;
} lgc_dataset;

/* IDX. Readers fill *out (zeroed on failure); the caller frees it. */
lgc_status lgc_idx_read_images(const char *path, lgc_images *out, lgc_err *err);
lgc_status lgc_idx_read_labels(const char *path, lgc_labels *out, lgc_err *err);
/* Rank 3 (N,H,W) when c == 1, rank 4 (N,H,W,C) otherwise. */
lgc_status lgc_idx_write_images(const char *path, const lgc_images *x, int overwrite,
                                lgc_err *err);
lgc_status lgc_idx_write_labels(const char *path, const lgc_labels *y, int overwrite,
                                lgc_err *err);

/* NPY writers: shape has rank entries (rank 0..LGC_NPY_MAX_RANK); data holds
 * their product of elements in C order. */
#define LGC_NPY_MAX_RANK 32
lgc_status lgc_npy_write_u8(const char *path, const uint8_t *data, int rank,
                            const size_t *shape, int overwrite, lgc_err *err);
lgc_status lgc_npy_write_f32(const char *path, const float *data, int rank,
                             const size_t *shape, int overwrite, lgc_err *err);
/* NPY readers, with the dtypes and shapes listed above. */
lgc_status lgc_npy_read_images(const char *path, lgc_images *out, lgc_err *err);
lgc_status lgc_npy_read_labels(const char *path, lgc_labels *out, lgc_err *err);

/* Either format, told apart by the magic bytes (NPY: "\x93NUMPY"; IDX: two
 * zero bytes). A gzip file gets an error that says to decompress it first. */
/* A 2-d float32 matrix (e.g. latent codes from `lgc compress --save-codes`). */
lgc_status lgc_npy_read_f32(const char *path, float **data, size_t *rows, size_t *cols,
                            lgc_err *err);
/* A 1-d float32 array (e.g. per-image loss weights from `lgc subset`), shape (n,). */
lgc_status lgc_npy_read_f32_vec(const char *path, float **data, size_t *n, lgc_err *err);
lgc_status lgc_images_read(const char *path, lgc_images *out, lgc_err *err);
lgc_status lgc_labels_read(const char *path, lgc_labels *out, lgc_err *err);

/* Images and labels of one set: same count, every label below n_classes
 * (1..256; 0 means "largest label + 1"). */
lgc_status lgc_dataset_load(const char *images_path, const char *labels_path,
                            size_t n_classes, lgc_dataset *out, lgc_err *err);

/* Free the buffers and zero the struct. NULL, or an already freed struct, is a no-op. */
/*
 * Streaming uint8 output: the header (IDX or NPY) is written first from the
 * declared shape, then the data in any number of pieces, so that memory does
 * not grow with the array. Commit checks that exactly product(shape) bytes
 * arrived, then publishes the file atomically; abort leaves nothing.
 */
typedef enum { LGC_FMT_IDX = 0, LGC_FMT_NPY = 1 } lgc_file_format;

#include "lgc/io.h"
typedef struct {
    lgc_afile af;
    size_t expected, written;
} lgc_u8_stream;

lgc_status lgc_u8_stream_open(lgc_u8_stream *s, const char *path, lgc_file_format fmt, int rank,
                              const size_t *shape, int overwrite, lgc_err *err);
lgc_status lgc_u8_stream_write(lgc_u8_stream *s, const uint8_t *data, size_t n, lgc_err *err);
lgc_status lgc_u8_stream_commit(lgc_u8_stream *s, lgc_err *err);
void lgc_u8_stream_abort(lgc_u8_stream *s);

void lgc_images_free(lgc_images *x);
void lgc_labels_free(lgc_labels *y);
void lgc_dataset_free(lgc_dataset *d);

#endif
