/* status.c - status names and the error-message helper. */
#include "lgc/status.h"
#include "lgc/version.h"

#include <stdarg.h>
#include <stdio.h>

const char *lgc_status_str(lgc_status s)
{
    switch (s) {
    case LGC_OK: return "ok";
    case LGC_ERR_NOMEM: return "out-of-memory";
    case LGC_ERR_IO: return "io";
    case LGC_ERR_FORMAT: return "format";
    case LGC_ERR_ARG: return "argument";
    case LGC_ERR_CHECKSUM: return "checksum";
    case LGC_ERR_VERSION: return "version";
    case LGC_ERR_VALUE: return "value";
    case LGC_ERR_NUMERIC: return "numeric";
    case LGC_ERR_LIMIT: return "limit";
    case LGC_ERR_INTERNAL: return "internal";
    case LGC_ERR_CANCELLED: return "cancelled";
    }
    return "unknown";
}

lgc_status lgc_err_set(lgc_err *err, lgc_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void lgc_err_clear(lgc_err *err)
{
    if (err) {
        err->code = LGC_OK;
        err->msg[0] = '\0';
    }
}

const char *lgc_version(void) { return LGC_VERSION_STRING; }
