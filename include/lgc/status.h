/*
 * status.h - error reporting shared by every lgc module.
 *
 * Library functions never print or exit. They return an lgc_status (stable
 * numbers: they appear in --json output and in tests) and, when the caller
 * passes a non-NULL lgc_err, fill it with one sentence naming the file or
 * object and the problem. Only the CLI turns that sentence into output.
 */
#ifndef LGC_STATUS_H
#define LGC_STATUS_H

#include <stddef.h>

typedef enum {
    LGC_OK = 0,
    LGC_ERR_NOMEM = 1,       /* allocation failed */
    LGC_ERR_IO = 2,          /* open/read/write/rename failed */
    LGC_ERR_FORMAT = 3,      /* a file's structure is malformed */
    LGC_ERR_ARG = 4,         /* a caller passed an invalid argument */
    LGC_ERR_CHECKSUM = 5,    /* stored and computed checksums differ */
    LGC_ERR_VERSION = 6,     /* a newer format major version or unknown required feature */
    LGC_ERR_VALUE = 7,       /* well-formed but meaningless content (NaN, weights not summing to 1, ...) */
    LGC_ERR_NUMERIC = 8,     /* a computation broke down (non-finite loss, non-SPD matrix) */
    LGC_ERR_LIMIT = 9,       /* a configured size or memory cap would be exceeded */
    LGC_ERR_INTERNAL = 10,   /* a bug: an invariant did not hold */
    LGC_ERR_CANCELLED = 11   /* the caller asked the call to stop (lgc/api.h); nothing was written */
} lgc_status;

#define LGC_ERR_MSG_MAX 512

typedef struct {
    lgc_status code;
    char msg[LGC_ERR_MSG_MAX]; /* one sentence, no trailing newline */
} lgc_err;

/* Stable short name of a status, e.g. "format". Never NULL. */
const char *lgc_status_str(lgc_status s);

/* Fill err (if non-NULL) with code and a printf-style message; returns code
 * so that callers can write `return lgc_err_set(err, LGC_ERR_IO, ...)`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
lgc_status lgc_err_set(lgc_err *err, lgc_status code, const char *fmt, ...);

/* Clear err to LGC_OK with an empty message. NULL is a no-op. */
void lgc_err_clear(lgc_err *err);

#endif
