/*
 * data.h - labelled image sets in and out: IDX and NPY files, and folders of
 * class folders of PNG or JPEG images.
 *
 * In memory, images are uint8 in (n, h, w, c) order, c = 1 (grey) or 3 (RGB),
 * and labels are uint8 class indices. Pixels mean x/255 in [0, 1].
 *
 * Readers map image files (IDX, NPY) into memory rather than copy them: pages
 * are read from disk when a batch first touches them, so a set larger than
 * memory can be trained on and an MPI rank reads only the images it uses;
 * writes to the pixels stay private to the process; the file must not
 * shrink while the set is in use. Label files and folders are loaded
 * whole. Readers check every count in the header against the
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
 *    (N,H,W), (N,H,W,C) or (N,C,H,W) with C 1 or 3 (lgc_layout: which of the
 *    two rank-4 layouts, inferred when only one has C 1 or 3), or (N,784)
 *    read as (N,28,28). Labels: any integer type ('|u1', '<i8', '>u2', ...),
 *    rank 1, each value in 0..255.
 *  - A folder of class folders (torchvision's ImageFolder layout): every
 *    subfolder not starting with '.' is a class, the classes numbered in the
 *    byte order of their names (as ImageFolder sorts them); its files ending
 *    in .png, .jpg or .jpeg (any case) are its images, in the byte order of
 *    their names; other files and deeper folders are skipped. PNG through
 *    libpng (any bit depth, palette, alpha dropped), JPEG through
 *    libjpeg-turbo (grey or YCbCr/RGB). Grey and RGB images may be mixed: the
 *    set is then RGB, grey images repeated in three channels. Every image must
 *    have the size of the first; a class folder without images, an image that
 *    does not decode and more than 256 class folders are errors naming the
 *    file or folder.
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
#define LGC_MAX_CLASSES 256
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

/* The layout of a rank-4 NPY image array: inferred (the one whose channel
 * axis is 1 or 3; an error when both or neither are), or as said. */
typedef enum { LGC_LAYOUT_AUTO = 0, LGC_LAYOUT_NHWC = 1, LGC_LAYOUT_NCHW = 2 } lgc_layout;
/* lgc_images_read with a layout for rank-4 NPY files (IDX is always NHWC). */
lgc_status lgc_images_read_layout(const char *path, lgc_layout layout, lgc_images *out,
                                  lgc_err *err);

/* Most class folders a folder set may have: labels are bytes. */
#define LGC_FOLDER_MAX_CLASSES 256

/* A folder of class folders (see above) into out: images (n, h, w, c),
 * labels the class folders' ranks, out->n_classes the number of class
 * folders. */
lgc_status lgc_folder_read(const char *dir, lgc_dataset *out, lgc_err *err);

/* 1 when path is a folder (lgc_dataset_load then reads it as a folder set). */
int lgc_path_is_folder(const char *path);

/* Images and labels of one set: same count, every label below n_classes
 * (1..256; 0 means inferred: "largest label + 1", or the number of class
 * folders). images_path is an IDX or NPY file, with labels_path its labels,
 * or a folder of class folders, with labels_path NULL. */
lgc_status lgc_dataset_load(const char *images_path, const char *labels_path,
                            size_t n_classes, lgc_dataset *out, lgc_err *err);
/* The same with a layout for rank-4 NPY images. */
lgc_status lgc_dataset_load_layout(const char *images_path, const char *labels_path,
                                   size_t n_classes, lgc_layout layout, lgc_dataset *out,
                                   lgc_err *err);

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

/*
 * A folder of class folders written as lgc_folder_read reads it: DIR/CLASS/INDEX.png,
 * CLASS the label in decimal and INDEX the image's position in the set, both
 * zero-padded to one width (so that byte order is numeric order and reading
 * the folder back gives the same labels and order). The images go into a
 * hidden folder beside DIR (DIR.tmp.PID), which takes DIR's name at commit:
 * the folder appears complete or not at all. Without overwrite, an existing
 * DIR is refused (at open and again at commit); with it, an existing DIR is
 * replaced only when it holds nothing but class folders of .png files (what
 * this writer makes), else LGC_ERR_IO. Abort removes everything written.
 */
typedef struct {
    char *dir, *tmp;     /* final and temporary folder */
    size_t n_classes, n_total, next;
    int cls_digits, idx_digits, overwrite;
    uint8_t *made;       /* (n_classes) class folder made yet */
} lgc_png_folder;

lgc_status lgc_png_folder_open(lgc_png_folder *f, const char *dir, size_t n_classes,
                               size_t n_total, int overwrite, lgc_err *err);
/* nb images pix (nb, h, w, c), c 1 or 3, with labels lab (nb), each < n_classes. */
lgc_status lgc_png_folder_write(lgc_png_folder *f, const uint8_t *pix, const uint8_t *lab,
                                size_t nb, size_t h, size_t w, size_t c, lgc_err *err);
/* Exactly n_total images must have arrived. Frees f. */
lgc_status lgc_png_folder_commit(lgc_png_folder *f, lgc_err *err);
/* Frees f; safe on a zeroed or committed f. */
void lgc_png_folder_abort(lgc_png_folder *f);

/* Frees the pixels (unmapping them when a reader mapped them). */
void lgc_images_free(lgc_images *x);
/* 1 when x's pixels are a reader's mapping of its file (data.h's readers
 * map IDX and NPY images), 0 when they are in allocated memory. */
int lgc_images_mapped(const lgc_images *x);
void lgc_labels_free(lgc_labels *y);
void lgc_dataset_free(lgc_dataset *d);

#endif
