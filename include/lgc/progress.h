/*
 * progress.h - the one progress callback of lgc. Every long library call
 * (training, the mixture sweep, judges, subsets, decompression, the report)
 * reports through it: the stage it is in, how far it got, and what the stage
 * measures. Callbacks may be NULL; they must not fail.
 */
#ifndef LGC_PROGRESS_H
#define LGC_PROGRESS_H

#include <stddef.h>

typedef struct {
    const char *stage; /* "train", "mixtures", "judge", "search", "decompress", a report stage */
    size_t done;       /* units of the stage done so far: epochs, mixtures, steps, images */
    size_t total;      /* of how many; 0 when not known */
    size_t item;       /* which item just finished, where several finish in any order
                        * (the mixture of "mixtures"); else done */
    double value;      /* what the stage measures: a loss, a mixture's K; NaN when nothing */
    double seconds;    /* how long the item took (an epoch), or since the stage began; NaN
                        * when not measured */
} lgc_progress;

typedef void (*lgc_progress_fn)(void *ctx, const lgc_progress *p);

#endif
