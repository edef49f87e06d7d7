/*
 * fuzz.h - what the fuzz targets share. Each tests/fuzz/fuzz_<target>.c
 * defines LLVMFuzzerTestOneInput; it is linked either with libFuzzer
 * (-DLGC_FUZZ=ON, clang) or with replay.c, a plain main() that runs the
 * committed corpus and regression inputs through it in every build (CTest
 * label fuzz). A broken invariant calls fuzz_fail, which aborts: libFuzzer
 * reports it as a crash, the replay test fails.
 */
#ifndef LGC_TESTS_FUZZ_H
#define LGC_TESTS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_fail(...)                                                                         \
    do {                                                                                       \
        fprintf(stderr, "fuzz: %s:%d: ", __FILE__, __LINE__);                                  \
        fprintf(stderr, __VA_ARGS__);                                                          \
        fputc('\n', stderr);                                                                   \
        abort();                                                                               \
    } while (0)

/* A refusal must be reported as returned, with a sentence that starts with
 * the name the reader was given ("<memory>", a path, ...). */
static inline void fuzz_check_refusal(lgc_status st, const lgc_err *e, const char *prefix)
{
    size_t k = strlen(prefix);
    if (e->code != st)
        fuzz_fail("returned %s but err says %s (%s)", lgc_status_str(st),
                  lgc_status_str(e->code), e->msg);
    if (strncmp(e->msg, prefix, k) != 0 || strncmp(e->msg + k, ": ", 2) != 0 ||
        strlen(e->msg) <= k + 2)
        fuzz_fail("message does not start with '%s: ': '%s'", prefix, e->msg);
}

/* An exact-size copy of the input, so that ASan sees a read one byte past the
 * end (libFuzzer's own buffer is exact too; replay's is as well). The data
 * readers take ownership of it. */
static inline uint8_t *fuzz_copy(const uint8_t *d, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        fuzz_fail("out of memory copying %zu bytes", n);
    if (n)
        memcpy(b, d, n);
    return b;
}

#endif
