/*
** p3_clocks.c — wasi:clocks@0.3 (monotonic-clock, system-clock).  The
** waits are async functions completed by a timer of the host's event loop:
** the guest's other tasks run meanwhile.  A cancelled wait ends at once.
*/
#include "p3.h"

int wasi_clocks_monotonic_clock_now(wp3_ctx_t *cx, wasi_clocks_monotonic_clock_mark_t *ret) {
  wp_os_err_t e = wp_os_clock_time(WP_OS_CLOCK_MONOTONIC, ret);
  if (e) return wp3_trap(cx, "wasi:clocks/monotonic-clock: %s", wp_os_err_name(e));
  return 0;
}

int wasi_clocks_monotonic_clock_get_resolution(wp3_ctx_t *cx, wasi_clocks_monotonic_clock_duration_t *ret) {
  wp_os_err_t e = wp_os_clock_res(WP_OS_CLOCK_MONOTONIC, ret);
  if (e) return wp3_trap(cx, "wasi:clocks/monotonic-clock: %s", wp_os_err_name(e));
  return 0;
}

static void wait_done(void *arg) {
  wp3_op_t *op = arg;
  wasmplug_plugin_call_t *call = op->call;
  const wasmplug_host_api_t *host = op->host;
  op->watch = 0;
  wp3_op_free(op);
  host->call_complete(call, WASMPLUG_OK);
}

static int wait_until(wp3_ctx_t *cx, uint64_t when) {
  uint64_t now = 0;
  wp_os_clock_time(WP_OS_CLOCK_MONOTONIC, &now);
  if (when <= now) return 0;
  wp3_op_t *op = wp3_op_new(cx);
  if (!op) return wp3_trap(cx, "wasi:clocks: too many operations in flight");
  op->call = cx->call;
  if (!(op->watch = cx->host->watch_time(op->pi, when, wait_done, op))) {
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:clocks: cannot set a timer");
  }
  return WASMPLUG_PENDING;
}

int wasi_clocks_monotonic_clock_wait_until(wp3_ctx_t *cx, wasi_clocks_monotonic_clock_mark_t when) {
  return wait_until(cx, when);
}

int wasi_clocks_monotonic_clock_wait_for(wp3_ctx_t *cx, wasi_clocks_monotonic_clock_duration_t how_long) {
  uint64_t now = 0;
  wp_os_clock_time(WP_OS_CLOCK_MONOTONIC, &now);
  return wait_until(cx, how_long > UINT64_MAX - now ? UINT64_MAX : now + how_long);
}

int wasi_clocks_system_clock_now(wp3_ctx_t *cx, wasi_clocks_system_clock_instant_t *ret) {
  uint64_t ns = 0;
  wp_os_err_t e = wp_os_clock_time(WP_OS_CLOCK_REALTIME, &ns);
  if (e) return wp3_trap(cx, "wasi:clocks/system-clock: %s", wp_os_err_name(e));
  ret->seconds = (int64_t)(ns / 1000000000u);
  ret->nanoseconds = (uint32_t)(ns % 1000000000u);
  return 0;
}

int wasi_clocks_system_clock_get_resolution(wp3_ctx_t *cx, wasi_clocks_system_clock_duration_t *ret) {
  wp_os_err_t e = wp_os_clock_res(WP_OS_CLOCK_REALTIME, ret);
  if (e) return wp3_trap(cx, "wasi:clocks/system-clock: %s", wp_os_err_name(e));
  return 0;
}

/* The guest cancelled a pending call: every pending call of this plugin is
** an op holding it (a wait, a connect, ...).  Stop it and complete it as
** cancelled. */
void wp3_cancel(wp3_ctx_t *cx) {
  for (wp3_op_t *op = wp3_inst(cx)->ops; op; op = op->next) {
    if (op->call != cx->call) continue;
    if (op->watch) cx->host->unwatch(op->pi, op->watch);
    op->watch = 0;
    wp3_op_free(op);
    cx->host->call_complete(cx->call, WASMPLUG_CANCELLED);
    return;
  }
}
