/*
 * fuzz_idx.c - the IDX readers on untrusted bytes: every input goes to the
 * image parser and to the label parser (lgc_idx_*_from_buf, which take over
 * an exact-size copy). Invariants: a refusal zeroes the output and reports
 * the code it returns with a sentence starting with the path; an accepted
 * file has exactly header + product(dims) bytes, and every pixel or label is
 * readable (ASan checks the shrunk buffer).
 */
#include "data/data_internal.h"
#include "fuzz/fuzz.h"

#define PATH "in.idx"

static unsigned touch(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    lgc_err e;
    lgc_images x;
    lgc_status st = lgc_idx_images_from_buf(PATH, fuzz_copy(d, n), n, &x, &e);
    if (st != LGC_OK) {
        if (x.pix || x.n)
            fuzz_fail("refused images but left output");
        fuzz_check_refusal(st, &e, PATH);
    } else {
        size_t rank = n >= 4 ? d[3] : 0, bytes = x.n * x.h * x.w * x.c;
        if (rank < 3 || rank > 4 || !x.pix || x.c < 1 || 4 + 4 * rank + bytes != n ||
            x.n == 0 || x.h == 0 || x.w == 0 || (x.c != 1 && x.c != 3))
            fuzz_fail("accepted images %zux%zux%zux%zu from %zu bytes", x.n, x.h, x.w, x.c, n);
        if (touch(x.pix, bytes) != touch(d + 4 + 4 * rank, bytes))
            fuzz_fail("pixels differ from the file's bytes");
        lgc_images_free(&x);
    }

    lgc_labels y;
    st = lgc_idx_labels_from_buf(PATH, fuzz_copy(d, n), n, &y, &e);
    if (st != LGC_OK) {
        if (y.y || y.n)
            fuzz_fail("refused labels but left output");
        fuzz_check_refusal(st, &e, PATH);
    } else {
        if (!y.y || y.n == 0 || 8 + y.n != n || d[3] != 1)
            fuzz_fail("accepted %zu labels from %zu bytes", y.n, n);
        if (memcmp(y.y, d + 8, y.n) != 0)
            fuzz_fail("labels differ from the file's bytes");
        lgc_labels_free(&y);
    }
    return 0;
}
