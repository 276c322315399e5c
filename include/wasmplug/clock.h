/*
** wasmplug/clock.h — the clock of every deadline: CLOCK_MONOTONIC in
** nanoseconds.  wasmplug_call_deadline() (wasmplug.h) and a plugin's
** host->deadline (wasmplug/plugin.h) are instants on it; a host function
** or plugin compares them with wasmplug_monotonic_ns().  The runtime's
** own layers and the shipped plugins use this one function too (ctest
** install.one_concept: no other reading of CLOCK_MONOTONIC in the tree).
**
** Header-only (a plugin built as a .so links nothing for it).  It needs
** POSIX's clock_gettime: include it after defining _POSIX_C_SOURCE
** (199309L or later) or _GNU_SOURCE when compiling with a strict -std=c11;
** without CLOCK_MONOTONIC in <time.h> the function is not defined.
*/
#ifndef WASMPLUG_CLOCK_H
#define WASMPLUG_CLOCK_H

#include <stdint.h>
#include <time.h>

#ifdef CLOCK_MONOTONIC
/* Now, on the monotonic clock, in nanoseconds (async-signal-safe). */
static inline uint64_t wasmplug_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

#endif /* WASMPLUG_CLOCK_H */
