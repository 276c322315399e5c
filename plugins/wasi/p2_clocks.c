/*
** p2_clocks.c — wasi:clocks (wall-clock, monotonic-clock).  Monotonic
** pollables are deadlines that wasi:io/poll sleeps toward (p2_io.c).
*/
#include "p2.h"

static wasi_clocks_wall_clock_datetime_t datetime(uint64_t ns) {
  wasi_clocks_wall_clock_datetime_t d = {ns / 1000000000u, (uint32_t)(ns % 1000000000u)};
  return d;
}

int wasi_clocks_wall_clock_now(wp2_ctx_t *cx, wasi_clocks_wall_clock_datetime_t *ret) {
  uint64_t ns = 0;
  wp_os_err_t e = wp_os_clock_time(WP_OS_CLOCK_REALTIME, &ns);
  if (e) return wp2_trap(cx, "wasi:clocks/wall-clock: %s", wp_os_err_name(e));
  *ret = datetime(ns);
  return 0;
}

int wasi_clocks_wall_clock_resolution(wp2_ctx_t *cx, wasi_clocks_wall_clock_datetime_t *ret) {
  uint64_t ns = 0;
  wp_os_err_t e = wp_os_clock_res(WP_OS_CLOCK_REALTIME, &ns);
  if (e) return wp2_trap(cx, "wasi:clocks/wall-clock: %s", wp_os_err_name(e));
  *ret = datetime(ns);
  return 0;
}

int wasi_clocks_monotonic_clock_now(wp2_ctx_t *cx, wasi_clocks_monotonic_clock_instant_t *ret) {
  wp_os_err_t e = wp_os_clock_time(WP_OS_CLOCK_MONOTONIC, ret);
  if (e) return wp2_trap(cx, "wasi:clocks/monotonic-clock: %s", wp_os_err_name(e));
  return 0;
}

int wasi_clocks_monotonic_clock_resolution(wp2_ctx_t *cx, wasi_clocks_monotonic_clock_duration_t *ret) {
  wp_os_err_t e = wp_os_clock_res(WP_OS_CLOCK_MONOTONIC, ret);
  if (e) return wp2_trap(cx, "wasi:clocks/monotonic-clock: %s", wp_os_err_name(e));
  return 0;
}

int wasi_clocks_monotonic_clock_subscribe_instant(wp2_ctx_t *cx, wasi_clocks_monotonic_clock_instant_t when,
                                                  wasi_io_poll_own_pollable_t *ret) {
  return wp2_pollable_new(cx, WP2_POLL_CLOCK, -1, when, &ret->rep);
}

int wasi_clocks_monotonic_clock_subscribe_duration(wp2_ctx_t *cx, wasi_clocks_monotonic_clock_duration_t when,
                                                   wasi_io_poll_own_pollable_t *ret) {
  uint64_t now = 0;
  wp_os_err_t e = wp_os_clock_time(WP_OS_CLOCK_MONOTONIC, &now);
  if (e) return wp2_trap(cx, "wasi:clocks/monotonic-clock: %s", wp_os_err_name(e));
  uint64_t deadline = when > UINT64_MAX - now ? UINT64_MAX : now + when;
  return wp2_pollable_new(cx, WP2_POLL_CLOCK, -1, deadline, &ret->rep);
}
