/* clock.c - lgc_now (see clock.h). */
#include "lgc/clock.h"

#include <time.h>

double lgc_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
