/* clock.wasm: clocks move forward, sleeping (poll_oneoff clock
** subscriptions, relative and absolute) takes at least as long as asked,
** and random bytes differ between calls. */
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

static uint64_t now(clockid_t c) {
  struct timespec ts;
  CHECK(clock_gettime(c, &ts) == 0);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(void) {
  /* monotonic never goes back, across many reads */
  uint64_t prev = now(CLOCK_MONOTONIC);
  for (int i = 0; i < 1000; i++) {
    uint64_t t = now(CLOCK_MONOTONIC);
    CHECK(t >= prev);
    prev = t;
  }
  /* realtime is after 2020-01-01 */
  CHECK(now(CLOCK_REALTIME) > 1577836800ull * 1000000000u);
  struct timespec res;
  CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0);
  CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000);
  CHECK(now(CLOCK_PROCESS_CPUTIME_ID) > 0);
  printf("clocks ok\n");

  /* nanosleep (wasi-libc: a relative clock subscription) */
  uint64_t t0 = now(CLOCK_MONOTONIC);
  struct timespec ts = {0, 50 * 1000000};
  CHECK(nanosleep(&ts, NULL) == 0);
  uint64_t slept = now(CLOCK_MONOTONIC) - t0;
  CHECK(slept >= 50 * 1000000ull);
  CHECK(slept < 5000 * 1000000ull);
  printf("nanosleep ok\n");

  /* an absolute realtime deadline, and two clocks where the earlier wins */
  __wasi_subscription_t sub[2];
  __wasi_event_t ev[2];
  __wasi_size_t n = 0;
  memset(sub, 0, sizeof sub);
  __wasi_timestamp_t rt;
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &rt) == 0);
  sub[0].userdata = 11;
  sub[0].u.tag = __WASI_EVENTTYPE_CLOCK;
  sub[0].u.u.clock.id = __WASI_CLOCKID_REALTIME;
  sub[0].u.u.clock.timeout = rt + 30 * 1000000ull;
  sub[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
  sub[1].userdata = 22;
  sub[1].u.tag = __WASI_EVENTTYPE_CLOCK;
  sub[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  sub[1].u.u.clock.timeout = 10ull * 1000000000u;
  t0 = now(CLOCK_MONOTONIC);
  CHECK(__wasi_poll_oneoff(sub, ev, 2, &n) == 0);
  slept = now(CLOCK_MONOTONIC) - t0;
  CHECK(n == 1 && ev[0].userdata == 11 && ev[0].error == 0 &&
        ev[0].type == __WASI_EVENTTYPE_CLOCK);
  CHECK(slept >= 20 * 1000000ull && slept < 5000 * 1000000ull);
  CHECK(__wasi_poll_oneoff(sub, ev, 0, &n) == __WASI_ERRNO_INVAL);
  printf("poll_oneoff clocks ok\n");

  /* random */
  unsigned char a[32], b[32], zero[32] = {0};
  CHECK(getentropy(a, sizeof a) == 0);
  CHECK(getentropy(b, sizeof b) == 0);
  CHECK(memcmp(a, b, sizeof a) != 0);
  CHECK(memcmp(a, zero, sizeof a) != 0);
  static unsigned char big[100000];
  CHECK(__wasi_random_get(big, sizeof big) == 0);
  int counts[256] = {0};
  for (size_t i = 0; i < sizeof big; i++) counts[big[i]]++;
  for (int i = 0; i < 256; i++) CHECK(counts[i] > 200); /* ~390 expected */
  printf("random ok\n");
  CHECK(__wasi_sched_yield() == 0);
  printf("clock: all checks passed\n");
  return 0;
}
