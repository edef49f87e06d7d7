/*
 * fuzz_pkg_read.c - libFuzzer target for the package reader. Not built by
 * CMake (its name does not start with test_); build and run it by hand:
 *
 *   clang -O1 -g -Iinclude -Isrc -Itests -fsanitize=fuzzer,address,undefined \
 *     tests/pkg/fuzz_pkg_read.c src/pkg/pkg*.c src/core/f16.c src/core/status.c \
 *     src/core/io.c -lz -lzstd -lm -o fuzz_pkg_read
 *   ./fuzz_pkg_read -max_len=4096 CORPUS   (seed CORPUS with written packages)
 *
 * Each input is read twice: as is, and with its CRCs recomputed, so that the
 * fuzzer also reaches the checks behind the checksums. An accepted package
 * must write and read back; anything else aborts, which libFuzzer reports.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/pkgtest.h"

static void one(const uint8_t *d, size_t n)
{
    lgc_pkg_limits lim;
    lgc_pkg_limits_default(&lim);
    lim.max_data_bytes = 1 << 24; /* keep memory modest; the cap itself is tested elsewhere */
    lgc_pkg *p = NULL, *q = NULL;
    if (lgc_pkg_read_mem(d, n, &lim, &p, NULL) != LGC_OK) {
        if (p)
            abort();
        return;
    }
    uint8_t *w;
    size_t nw;
    if (lgc_pkg_write_mem(p, &w, &nw, NULL) != LGC_OK ||
        lgc_pkg_read_mem(w, nw, &lim, &q, NULL) != LGC_OK)
        abort();
    for (size_t i = 0; i < lgc_pkg_n_tensors(q); i++) {
        const lgc_pkg_tensor *t = lgc_pkg_tensor_at(q, i);
        float *f = malloc(t->n_elem * sizeof *f + 1);
        if (!f || lgc_pkg_tensor_to_f32(t, f, NULL) != LGC_OK)
            abort();
        lgc_pkg_tensor_check_finite(t, NULL);
        free(f);
    }
    lgc_pkg_free(q);
    lgc_pkg_free(p);
    free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    one(d, n);
    uint8_t *c = malloc(n + 1);
    if (!c)
        return 0;
    memcpy(c, d, n);
    t_fix_crcs(c, n);
    one(c, n);
    free(c);
    return 0;
}
