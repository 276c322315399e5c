/* sync_caller.c — a wasm32-wasi C program calling async functions of a
** native plugin through bindings from `wasmplug bindgen c --guest`: the
** calls are synchronous lowers of async functions, so each returns when
** the plugin completes it (a timer for sleep-ms, a worker thread for
** later), while the guest's thread waits. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sync_caller.h"

static int failed;
#define CHECK(c)                                                        \
  do {                                                                  \
    if (!(c)) {                                                         \
      printf("check failed: %s (line %d)\n", #c, __LINE__);             \
      failed++;                                                         \
    }                                                                   \
  } while (0)

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void) {
  double t0 = now_ms();
  uint32_t r = test_aplug_ops_sleep_ms(30);
  double took = now_ms() - t0;
  CHECK(r == 30);
  CHECK(took >= 29.0); /* it waited for the plugin's timer */

  sync_caller_string_t in, out;
  sync_caller_string_set(&in, "stressed");
  test_aplug_ops_later(&in, &out);
  CHECK(out.len == 8 && !memcmp(out.ptr, "desserts", 8));
  sync_caller_string_free(&out);

  CHECK(test_aplug_ops_cancels() == 0);
  printf("sync-caller: r=%u, waited %s, later=desserts: %s\n", r, took >= 29.0 ? "yes" : "no",
         failed ? "FAILED" : "ok");
  return failed != 0;
}
