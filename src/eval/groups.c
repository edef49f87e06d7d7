/* groups.c - per-group accuracy and group upsampling. */
#include "lgc/groups.h"

#include <stdlib.h>
#include <string.h>

#include "lgc/rng.h"

void lgc_group_accuracy(const uint8_t *pred, const uint8_t *y, const uint8_t *groups, size_t n,
                        lgc_group_acc *out)
{
    memset(out, 0, sizeof *out);
    out->worst_group = -1;
    for (size_t i = 0; i < n; i++) {
        out->n[groups[i]]++;
        out->correct[groups[i]] += pred[i] == y[i];
    }
    for (int g = 0; g < LGC_MAX_GROUPS; g++) {
        if (!out->n[g])
            continue;
        double a = (double)out->correct[g] / (double)out->n[g];
        if (out->n_groups++ == 0 || a < out->worst)
            out->worst = a, out->worst_group = g;
    }
}

lgc_status lgc_groups_upsample(const uint8_t *groups, size_t n, uint64_t seed, uint32_t **idx,
                               size_t *n_idx, lgc_err *err)
{
    *idx = NULL;
    *n_idx = 0;
    size_t cnt[LGC_MAX_GROUPS] = {0}, big = 0, present = 0;
    if (n == 0 || n > UINT32_MAX)
        return lgc_err_set(err, LGC_ERR_ARG, "upsample: %zu images (1..%u)", n, UINT32_MAX);
    for (size_t i = 0; i < n; i++)
        cnt[groups[i]]++;
    for (int g = 0; g < LGC_MAX_GROUPS; g++)
        if (cnt[g]) {
            present++;
            big = cnt[g] > big ? cnt[g] : big;
        }
    if (present * big > UINT32_MAX)
        return lgc_err_set(err, LGC_ERR_LIMIT, "upsample: %zu groups of %zu rows is too many",
                           present, big);
    uint32_t *out = malloc(present * big * sizeof *out), *mine = malloc(big * sizeof *mine);
    if (!out || !mine) {
        free(out), free(mine);
        return lgc_err_set(err, LGC_ERR_NOMEM, "upsample: out of memory");
    }
    size_t pos = 0;
    for (int g = 0; g < LGC_MAX_GROUPS; g++) {
        if (!cnt[g])
            continue;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (groups[i] == g)
                mine[m++] = (uint32_t)i;
        lgc_rng r; /* one stream per group: its order does not depend on the others */
        lgc_rng_init(&r, seed, 0x75700000u + (uint64_t)g);
        lgc_rng_shuffle(&r, mine, m);
        for (size_t k = 0; k < big; k++)
            out[pos++] = mine[k % m];
    }
    free(mine);
    *idx = out;
    *n_idx = pos;
    return LGC_OK;
}
