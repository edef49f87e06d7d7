/*
 * io.h - atomic file output and checked whole-file input.
 *
 * Writers never leave a half-written file under the final name: output goes
 * to an anonymous file in the destination folder (O_TMPFILE on Linux, else a
 * hidden temporary name) and only lgc_afile_commit() makes it visible.
 * Without overwrite, commit links the file under its final name with
 * linkat() (link() for a named temporary), which fails if the name exists:
 * the check that nothing is replaced is made at the moment of publishing, so
 * of two writers racing for one name exactly one wins and the other gets
 * "already exists". With overwrite, it links under a temporary name and
 * rename()s that over the target. A process killed before commit leaves
 * nothing behind with O_TMPFILE.
 */
#ifndef LGC_IO_H
#define LGC_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lgc/status.h"

typedef struct {
    FILE *fp;          /* write through this */
    int fd;
    int anonymous;     /* 1: O_TMPFILE, nothing on disk has a name yet */
    char *path;        /* final destination */
    char *tmp_path;    /* named temporary (fallback mode) */
    int overwrite;     /* 0: publishing refuses an existing name */
} lgc_afile;

/* Open an atomic writer for path. If overwrite is 0 and path exists, fails with LGC_ERR_IO. */
lgc_status lgc_afile_open(lgc_afile *af, const char *path, int overwrite, lgc_err *err);
/* Write n bytes, reporting the destination path on failure (e.g. disk full). */
lgc_status lgc_afile_write(lgc_afile *af, const void *buf, size_t n, lgc_err *err);
/* Flush, fsync, and publish under the final name; without overwrite,
 * LGC_ERR_IO "already exists" if the name appeared meanwhile. Frees af. */
lgc_status lgc_afile_commit(lgc_afile *af, lgc_err *err);
/* Discard the output. Frees af. Safe on a zeroed or already-closed af. */
void lgc_afile_abort(lgc_afile *af);

/* Map a whole regular, non-empty file privately (readable; writes stay in
 * this process). Returns 0 on success, -1 when the file cannot be mapped (the
 * caller then reads it, which words the error); nothing is reported. */
int lgc_map_file(const char *path, uint8_t **out, size_t *n_out);
void lgc_unmap_file(void *p, size_t n);

/* Read a whole file into a malloc'd buffer; refuses files above max_bytes. */
lgc_status lgc_read_file(const char *path, size_t max_bytes, uint8_t **out, size_t *n_out,
                         lgc_err *err);

#endif
