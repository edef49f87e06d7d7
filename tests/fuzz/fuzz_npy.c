/*
 * fuzz_npy.c - the NPY readers on untrusted bytes: every input goes to the
 * image parser and to the label parser (lgc_npy_*_from_buf, which take over
 * an exact-size copy). Invariants: a refusal zeroes the output and reports
 * the code it returns with a sentence starting with the path; accepted
 * images are n x h x w x c with c 1 or 3 and every byte readable; and what
 * was accepted, written again with the library's own header
 * (lgc_npy_header_encode) as '|u1', reads back to the same values.
 */
#include "data/data_internal.h"
#include "fuzz/fuzz.h"

#define PATH "in.npy"

/* Encode (header + data), parse again as images or labels, compare. */
static void reread(const uint8_t *data, int rank, const size_t *shape, size_t count, int labels)
{
    char hdr[LGC_NPY_HEADER_CAP];
    size_t hn = lgc_npy_header_encode(hdr, sizeof hdr, "|u1", rank, shape);
    uint8_t *b = malloc(hn + count);
    if (!b)
        fuzz_fail("out of memory");
    memcpy(b, hdr, hn);
    memcpy(b + hn, data, count);
    lgc_err e;
    if (labels) {
        lgc_labels y;
        if (lgc_npy_labels_from_buf("re.npy", b, hn + count, &y, &e) != LGC_OK)
            fuzz_fail("own labels do not read back: %s", e.msg);
        if (y.n != count || memcmp(y.y, data, count) != 0)
            fuzz_fail("own labels read back differently");
        lgc_labels_free(&y);
    } else {
        lgc_images x;
        if (lgc_npy_images_from_buf("re.npy", b, hn + count, LGC_LAYOUT_NHWC, &x, &e) != LGC_OK)
            fuzz_fail("own images do not read back: %s", e.msg);
        if (x.n * x.h * x.w * x.c != count || memcmp(x.pix, data, count) != 0)
            fuzz_fail("own images read back differently");
        lgc_images_free(&x);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    lgc_err e;
    lgc_images x;
    lgc_status st = lgc_npy_images_from_buf(PATH, fuzz_copy(d, n), n, LGC_LAYOUT_AUTO, &x, &e);
    if (st != LGC_OK) {
        if (x.pix || x.n)
            fuzz_fail("refused images but left output");
        fuzz_check_refusal(st, &e, PATH);
    } else {
        if (!x.pix || !x.n || !x.h || !x.w || (x.c != 1 && x.c != 3))
            fuzz_fail("accepted images %zux%zux%zux%zu", x.n, x.h, x.w, x.c);
        size_t shape[4] = {x.n, x.h, x.w, x.c};
        reread(x.pix, x.c == 1 ? 3 : 4, shape, x.n * x.h * x.w * x.c, 0);
        lgc_images_free(&x);
    }

    lgc_labels y;
    st = lgc_npy_labels_from_buf(PATH, fuzz_copy(d, n), n, &y, &e);
    if (st != LGC_OK) {
        if (y.y || y.n)
            fuzz_fail("refused labels but left output");
        fuzz_check_refusal(st, &e, PATH);
    } else {
        if (!y.y || !y.n)
            fuzz_fail("accepted %zu labels", y.n);
        size_t shape[1] = {y.n};
        reread(y.y, 1, shape, y.n, 1);
        lgc_labels_free(&y);
    }
    return 0;
}
