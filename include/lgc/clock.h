/*
 * clock.h - the one clock of lgc: seconds on the monotonic clock, for the
 * timings a run reports (never for anything that changes output bytes).
 */
#ifndef LGC_CLOCK_H
#define LGC_CLOCK_H

double lgc_now(void);

#endif
