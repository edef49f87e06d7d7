/*
 * lossless.h - the lossless rows of the comparison (docs/PROTOCOL.md §2): the
 * bytes of a file compressed by gzip -9, xz -9e and zstd -19, computed with
 * zlib, liblzma and libzstd at those settings (not by running the programs).
 */
#ifndef LGC_LOSSLESS_H
#define LGC_LOSSLESS_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/status.h"

typedef struct {
    size_t raw, gzip9, xz9e, zstd19;
} lgc_lossless_sizes;

/* Compress buf with each codec and report the compressed sizes. Slow: xz -9e
 * takes about a minute on 47 MB. */
lgc_status lgc_lossless_measure(const uint8_t *buf, size_t n, lgc_lossless_sizes *out,
                                lgc_err *err);

/* The xz -9e size alone (for searches that measure many candidate files):
 * about 0.7 s per MB of MNIST images. */
lgc_status lgc_xz9e_size(const uint8_t *buf, size_t n, size_t *out, lgc_err *err);

#endif
