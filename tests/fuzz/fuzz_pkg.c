/*
 * fuzz_pkg.c - what `lgc decompress` does with a stranger's package: the
 * reader (lgc_pkg_read_mem), then the codec's check of meaning
 * (lgc_codec_open_capped), then a few generated images of every class.
 *
 * Each input is tried twice: as is, and with its three CRCs recomputed
 * (t_fix_crcs), so that the fuzzer also reaches everything behind the
 * checksums. Invariants, any of which aborts:
 *  - a refusal leaves *out NULL, reports the code it returns and a sentence
 *    starting with "<memory>: " (codec: with the name it was given);
 *  - an accepted package writes, and the written bytes read back;
 *  - every tensor converts to floats;
 *  - an opened codec generates images of every class.
 * Memory: data sections above 16 MiB and codecs above 64 MiB are refused
 * (LGC_ERR_LIMIT), so that no input can make the target itself run out; the
 * caps are what the test is about, not an escape from it.
 */
#include "fuzz/fuzz.h"
#include "lgc/codec.h"
#include "lgc/tensor.h"
#include "pkg/pkgtest.h"

#define FUZZ_BATCH 8
#define FUZZ_GEN 3 /* images per class */

static void generate(lgc_codec *c)
{
    uint8_t *img = malloc(FUZZ_GEN * c->c * c->h * c->w);
    if (!img)
        fuzz_fail("out of memory");
    lgc_rng r;
    lgc_rng_init(&r, 1, 0);
    for (size_t cls = 0; cls < c->n_classes; cls++) {
        lgc_err e;
        lgc_status st = lgc_codec_generate(c, cls, FUZZ_GEN, &r, img, &e);
        if (st != LGC_OK)
            fuzz_fail("an opened codec does not generate class %zu: %s", cls, e.msg);
    }
    free(img);
}

static void one(const uint8_t *d, size_t n)
{
    lgc_pkg_limits lim;
    lgc_pkg_limits_default(&lim);
    lim.max_data_bytes = 1 << 24;
    lgc_err e;
    lgc_pkg *p = (lgc_pkg *)&e, *q = NULL; /* poison: the reader must set *out */
    lgc_status st = lgc_pkg_read_mem(d, n, &lim, &p, &e);
    if (st != LGC_OK) {
        if (p)
            fuzz_fail("refused (%s) but *out is not NULL", e.msg);
        fuzz_check_refusal(st, &e, "<memory>");
        return;
    }
    uint8_t *w;
    size_t nw;
    if (lgc_pkg_write_mem(p, &w, &nw, &e) != LGC_OK)
        fuzz_fail("an accepted package does not write: %s", e.msg);
    if (lgc_pkg_read_mem(w, nw, &lim, &q, &e) != LGC_OK)
        fuzz_fail("a written package does not read back: %s", e.msg);
    for (size_t i = 0; i < lgc_pkg_n_tensors(q); i++) {
        const lgc_pkg_tensor *t = lgc_pkg_tensor_at(q, i);
        float *f = malloc(t->n_elem * sizeof *f + 1);
        if (!f || lgc_pkg_tensor_to_f32(t, f, NULL) != LGC_OK)
            fuzz_fail("tensor %s does not convert", t->name);
        lgc_pkg_tensor_check_finite(t, NULL);
        free(f);
    }
    lgc_pkg_info info;
    if (lgc_pkg_get_info(p, &info, &e) != LGC_OK || info.file_bytes != n)
        fuzz_fail("info of an accepted package");

    lgc_codec c;
    st = lgc_codec_open_capped(&c, p, "pkg", FUZZ_BATCH, (uint64_t)64 << 20, &e);
    if (st != LGC_OK) {
        fuzz_check_refusal(st, &e, "pkg");
    } else {
        generate(&c);
        lgc_codec_free(&c);
    }
    lgc_pkg_free(q);
    lgc_pkg_free(p);
    free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static int threads_set;
    if (!threads_set) {
        lgc_threads_set(1); /* one input at a time; no OpenMP pool to leak or race */
        threads_set = 1;
    }
    one(d, n);
    uint8_t *c = fuzz_copy(d, n);
    t_fix_crcs(c, n);
    one(c, n);
    free(c);
    return 0;
}
