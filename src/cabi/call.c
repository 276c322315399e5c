/*
 * call.c -- the per-call context: memory view, bounds checks, the guest's
 * realloc (whose answers are never trusted), post-return and the end of a
 * call's borrow scope.
 */
#include "cabi/cabi_internal.h"
#include "wasmplug/plugin.h"

#include <stdio.h>
#include <stdlib.h>

void wp_cabi_cx_refresh(wp_cabi_cx_t *cx) {
  cx->mem.base = NULL;
  cx->mem.size = 0;
  if (cx->guest && cx->guest->memory) cx->guest->memory(cx->guest->ctx, &cx->mem);
  if (!cx->mem.base) cx->mem.size = 0;
}

wp_cabi_error_t *wp_cabi_check_range(wp_cabi_cx_t *cx, const char *what, uint64_t ptr, uint64_t len,
                                     uint32_t align) {
  if (align > 1 && (ptr & (align - 1)))
    return TRAP("%s pointer 0x%llx is not aligned to %u bytes", what, (unsigned long long)ptr, align);
  if (ptr > cx->mem.size || len > cx->mem.size - ptr)
    return TRAP("%s pointer 0x%llx + length %llu is out of bounds of memory (%llu bytes)", what,
                (unsigned long long)ptr, (unsigned long long)len, (unsigned long long)cx->mem.size);
  return NULL;
}

wp_cabi_error_t *wp_cabi_opts_realloc(wp_cabi_cx_t *cx, const char *what, uint32_t old_ptr, uint32_t old_size,
                                       uint32_t align, uint32_t new_size, uint32_t *out) {
  if (!cx->guest || !cx->guest->realloc)
    return INVALID("cannot lower %s: the guest has no realloc function", what);
  uint32_t p = 0;
  wp_cabi_error_t *e = cx->guest->realloc(cx->guest->ctx, old_ptr, old_size, align, new_size, &p);
  /* Memory may have grown (moved) even if realloc failed. */
  wp_cabi_cx_refresh(cx);
  if (e) return e;
  if ((align > 1 && (p & (align - 1))) || (uint64_t)p + new_size > cx->mem.size)
    return wp_cabi_realloc_refused(cx, what, align, new_size, p);
  *out = p;
  return NULL;
}

wp_cabi_error_t *wp_cabi_realloc_refused(const wp_cabi_cx_t *cx, const char *what, uint32_t align, uint32_t size,
                                         uint32_t p) {
  if (align > 1 && (p & (align - 1)))
    return TRAP("realloc returned misaligned pointer 0x%x for %s (alignment %u)", p, what, align);
  return TRAP("realloc returned pointer 0x%x + size %u for %s, out of bounds of memory (%llu bytes)", p, size, what,
              (unsigned long long)cx->mem.size);
}

wp_cabi_error_t *wp_cabi_post_return(wp_cabi_cx_t *cx, const wp_cabi_flat_t *results, size_t n) {
  if (!cx->guest || !cx->guest->post_return) return NULL;
  wp_cabi_error_t *e = cx->guest->post_return(cx->guest->ctx, results, n);
  wp_cabi_cx_refresh(cx);
  return e;
}

wp_cabi_error_t *wp_cabi_cx_add_lend(wp_cabi_cx_t *cx, uint32_t handle) {
  if (cx->nlends == cx->caplends) {
    uint32_t ncap = cx->caplends ? cx->caplends * 2 : 8;
    wp_cabi_error_t *e = wp_cabi_charge(cx, (size_t)(ncap - cx->caplends) * sizeof(uint32_t));
    if (e) return e;
    uint32_t *n = realloc(cx->lends, ncap * sizeof(uint32_t));
    if (!n) return wp_cabi_error_oom();
    cx->lends = n;
    cx->caplends = ncap;
  }
  cx->lends[cx->nlends++] = handle;
  return NULL;
}

/* Implemented in handles.c: ends one lend of `handle`. */
void wp_cabi_handles_end_lend(wp_cabi_handles_t *h, uint32_t handle);
/* Implemented in handles.c: forgets borrow handles scoped to cx. */
void wp_cabi_handles_end_scope(wp_cabi_handles_t *h, const wp_cabi_cx_t *cx);

/* wp_cabi_cx_finish (cabi.h) when something was lent. */
wp_cabi_error_t *wp_cabi_cx_finish_lends(wp_cabi_cx_t *cx) {
  wp_cabi_handles_t *h = cx->guest ? cx->guest->handles : NULL;
  if (h)
    for (uint32_t i = 0; i < cx->nlends; i++) wp_cabi_handles_end_lend(h, cx->lends[i]);
  if (cx->lends) {
    free(cx->lends);
    cx->lends = NULL;
    cx->nlends = cx->caplends = 0;
  }
  wp_cabi_error_t *e = NULL;
  if (cx->num_borrows) {
    e = TRAP("%u borrow handle(s) lent to the guest were not dropped before the call returned",
             cx->num_borrows);
    if (h) wp_cabi_handles_end_scope(h, cx);
    cx->num_borrows = 0;
  }
  return e;
}

/* ------------------------------------------------- plugin-ABI functions */

wasmplug_trap_t *wp_cabi_native_outcome(const wp_cabi_native_fn_t *f, struct wasmplug_plugin_call *call, int rc) {
  if (rc != WASMPLUG_OK && !call->trapped) snprintf(call->msg, sizeof call->msg, "failed with code %d", rc);
  if (rc == WASMPLUG_OK && !call->trapped) return NULL;
  if (call->exited) return wasmplug_trap_new_exit(call->exit_status);
  char msg[800];
  snprintf(msg, sizeof msg, "%s: %s", f->who, call->msg);
  return wasmplug_trap_new(WASMPLUG_TRAP_HOST, msg);
}

wasmplug_trap_t *wp_cabi_native_run(const wp_cabi_native_fn_t *f, wp_cabi_arena_t *arena, const void *args,
                                    void *result, struct wasmplug_plugin_call *out) {
  static const uint64_t no_args = 0; /* functions always get a valid params pointer */
  struct wasmplug_plugin_call call;
  wp_cabi_native_call_init(&call, f, arena);
  int rc = f->fn(f->state, &call, args ? args : &no_args, result);
  if (rc != WASMPLUG_OK && !call.trapped) snprintf(call.msg, sizeof call.msg, "failed with code %d", rc);
  if (out) *out = call;
  return rc == WASMPLUG_OK && !call.trapped ? NULL : wp_cabi_native_outcome(f, &call, rc);
}
