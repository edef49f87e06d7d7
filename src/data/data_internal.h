/*
 * data_internal.h - what idx.c, npy.c and dataset.c share; not public.
 *
 * The *_from_buf parsers take over buf, the whole content of the file named
 * path (for messages only): on success its memory becomes out's pixel or label
 * array (data moved to the front, then shrunk), on failure it is freed. This
 * way a 47 MB file is held in memory once, not twice.
 */
#ifndef LGC_DATA_INTERNAL_H
#define LGC_DATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/ckd.h"

#include "lgc/data.h"

lgc_status lgc_idx_images_from_buf(const char *path, uint8_t *buf, size_t n, lgc_images *out,
                                   lgc_err *err);
lgc_status lgc_idx_labels_from_buf(const char *path, uint8_t *buf, size_t n, lgc_labels *out,
                                   lgc_err *err);
lgc_status lgc_npy_images_from_buf(const char *path, uint8_t *buf, size_t n, lgc_layout layout,
                                   lgc_images *out, lgc_err *err);
/* The same over a whole-file mapping (lgc_map_file): the images point into
 * it (registered: data_map_register), and it is unmapped on failure. */
lgc_status lgc_idx_images_from_map(const char *path, uint8_t *buf, size_t n, lgc_images *out,
                                   lgc_err *err);
lgc_status lgc_npy_images_from_map(const char *path, uint8_t *buf, size_t n, lgc_layout layout,
                                   lgc_images *out, lgc_err *err);
lgc_status lgc_npy_labels_from_buf(const char *path, uint8_t *buf, size_t n, lgc_labels *out,
                                   lgc_err *err);

/* NPY v1.0 header for a C-order array (data then starts at a multiple of 64);
 * returns its length. cap must hold LGC_NPY_HEADER_CAP bytes. */
#define LGC_NPY_HEADER_CAP (10 + 64 + LGC_NPY_MAX_RANK * 22 + 64)
size_t lgc_npy_header_encode(char *hdr, size_t cap, const char *descr, int rank,
                             const size_t *shape);


/* Move buf[off..off+n) to the front and shrink the block to n bytes (at least
 * 1). Never fails: if realloc refuses to shrink, the larger block is kept. */
uint8_t *data_take(uint8_t *buf, size_t off, size_t n);
/* Record that pix points into the mapping base (len bytes), for
 * lgc_images_free and lgc_images_mapped; -1 when out of memory. */
int data_map_register(const uint8_t *pix, void *base, size_t len);
/* Give back a file's bytes: unmapped when mapped (n bytes), freed otherwise. */
void data_release(uint8_t *buf, size_t n, int mapped);

/* "; it is gzip-compressed: gunzip it first" and the like: what a file with
 * an unexpected magic really is (gzip, NPY, IDX, PNG), or "". */
const char *data_magic_hint(const uint8_t *buf, size_t n);

/* "60000x28x28" (sep "x") or "60000, 28, 28" (sep ", ") into s. */
void data_dims_str(char *s, size_t cap, const size_t *dims, int rank, const char *sep);

/* Decode one PNG or JPEG file held in buf (n bytes; path names it in
 * messages) into *pix (h, w, c), c = 1 (grey) or 3 (RGB), malloc'd. buf stays
 * the caller's. */
lgc_status data_png_decode(const char *path, const uint8_t *buf, size_t n, uint8_t **pix,
                           size_t *h, size_t *w, size_t *c, lgc_err *err);
lgc_status data_jpeg_decode(const char *path, const uint8_t *buf, size_t n, uint8_t **pix,
                            size_t *h, size_t *w, size_t *c, lgc_err *err);

/* Encode pix (h, w, c), c 1 or 3, as an 8-bit PNG into *out (*n bytes, malloc'd). */
lgc_status data_png_encode(const char *path, const uint8_t *pix, size_t w, size_t h, size_t c,
                           uint8_t **out, size_t *n, lgc_err *err);

/* Largest file a reader loads (there is no other cap: the file must fit in memory). */
#define LGC_DATA_MAX_FILE ((size_t)-1)

#endif
