/*
** flat_test.c — the flat entries (plugin ABI 1.5, docs/plugin-abi.md 4.1)
** that `wasmplug bindgen c --plugin` emits, checked on the e2e plugin
** built from all-types.wit (e2e_plugin.c):
**   - its descriptor lists a flat entry for each function of a flat shape
**     (at most 4 params, each s32/u32/borrow<R>; no result, s32 or u32; not
**     async) — here [method]counter.inc and nothing — and for no other;
**   - the real loader accepts the table and binds those entries (a
**     core-module guest's calls then go to them: plugin/core_call.c);
**   - each flat entry gives what the function's word entry (funcs[],
**     called as wp_plugin_binding_call calls it) gives for the same calls:
**     results, the state left behind, traps and their messages (a plugin's
**     trap, and a bare failure code, "failed with code N").
**
** usage: bindgen_flat_test E2E-PLUGIN.so
*/
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cabi/cabi.h"
#include "plugin/plugin.h"
#include "wasmplug/plugin.h"

#include "../check.h"

#define RES "test:all/res@1.0.0"
#define API "test:all/api@1.0.0"

typedef uint32_t (*flat0_t)(void *, wasmplug_plugin_call_t *);
typedef uint32_t (*flat2_t)(void *, wasmplug_plugin_call_t *, uint32_t, uint32_t);

/* The descriptor as the plugin gives it (its entry point, no host: the
** bindings' entry only returns the static descriptor). */
static void check_descriptor(const char *so) {
  void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  CHECK(dl != NULL, "%s", dlerror());
  if (!dl) return;
  wasmplug_plugin_entry_fn entry = (wasmplug_plugin_entry_fn)dlsym(dl, WASMPLUG_PLUGIN_ENTRY_NAME);
  CHECK(entry != NULL);
  const wasmplug_plugin_t *d = entry ? entry(NULL) : NULL;
  CHECK(d != NULL);
  if (d) {
    CHECK(d->abi_minor >= 5 && d->size >= sizeof(wasmplug_plugin_t));
    CHECK(d->min_host_minor == 0, "an older host ignores the flat table: nothing to require");
    CHECK(d->nflat == 2, "%u flat entries", d->nflat);
    CHECK(d->flat_size == sizeof(wasmplug_plugin_flat_t));
    bool inc = false, nothing = false;
    for (uint32_t i = 0; i < d->nflat && d->flat; i++) {
      const wasmplug_plugin_flat_t *f = &d->flat[i];
      CHECK(f->fn != NULL);
      if (!strcmp(f->name, RES "#[method]counter.inc")) inc = true;
      else if (!strcmp(f->name, API "#nothing")) nothing = true;
      else CHECK(0, "unexpected flat entry %s", f->name);
    }
    CHECK(inc && nothing);
  }
  dlclose(dl);
}

/* Word call of a binding with one u32 result (or none): the trap's message
** into msg ("" when none). */
static uint32_t word_call(const wp_plugin_binding_t *b, wp_cabi_arena_t *arena, const void *args, bool has_result,
                          char *msg, size_t cap) {
  uint32_t r = 0;
  wasmplug_trap_t *t = wp_plugin_binding_call(b, arena, args, has_result ? &r : NULL);
  snprintf(msg, cap, "%s", t ? wasmplug_trap_message(t) : "");
  if (t) wasmplug_trap_delete(t);
  wp_cabi_arena_reset(arena);
  return r;
}

/* The same call through the flat entry, with a call handle as the loader
** makes it, and the outcome as the loader reads it. */
static uint32_t flat_call(const wp_plugin_binding_t *b, wp_cabi_arena_t *arena, int n, uint32_t a0, uint32_t a1,
                          char *msg, size_t cap) {
  struct wasmplug_plugin_call call;
  wp_cabi_native_call_init(&call, &b->native, arena);
  uint32_t r = n == 0 ? ((flat0_t)b->flat)(b->state, &call) : ((flat2_t)b->flat)(b->state, &call, a0, a1);
  wasmplug_trap_t *t = wp_cabi_native_outcome(&b->native, &call, WASMPLUG_OK);
  snprintf(msg, cap, "%s", t ? wasmplug_trap_message(t) : "");
  if (t) wasmplug_trap_delete(t);
  wp_cabi_arena_reset(arena);
  return r;
}

static void check_calls(const char *so) {
  wp_plugin_set_t *set = wp_plugin_set_new();
  wasmplug_error_t *e = wp_plugin_set_load(set, so);
  CHECK(!e, "the loader refused the plugin: %s", wasmplug_error_message(e));
  if (e) {
    wasmplug_error_delete(e);
    wp_plugin_set_delete(set);
    return;
  }
  wp_plugin_instances_t *g = NULL;
  CHECK(!(e = wp_plugin_instances_new(set, &g)));
  wp_plugin_binding_t ctor, inc, nothing, total;
  CHECK(!(e = wp_plugin_instances_bind(g, RES, "[constructor]counter", NULL, &ctor)));
  CHECK(!(e = wp_plugin_instances_bind(g, RES, "[method]counter.inc", NULL, &inc)));
  CHECK(!(e = wp_plugin_instances_bind(g, API, "nothing", NULL, &nothing)));
  CHECK(!(e = wp_plugin_instances_bind(g, RES, "total", NULL, &total)));
  if (e) {
    fprintf(stderr, "%s\n", wasmplug_error_message(e));
    wasmplug_error_delete(e);
    return;
  }
  /* bound: the loader found the generated entries, and only those */
  CHECK(inc.flat != NULL && nothing.flat != NULL);
  CHECK(ctor.flat == NULL && total.flat == NULL, "no flat form: own<R> and u64 results");

  wp_cabi_arena_t *arena = wp_cabi_arena_new(0);
  char wm[600], fm[600];
  /* two counters from the same start: one driven through the word entry,
  ** one through the flat entry, the same increments */
  uint32_t start = 5, a, b;
  a = word_call(&ctor, arena, &start, true, wm, sizeof wm);
  b = word_call(&ctor, arena, &start, true, fm, sizeof fm);
  CHECK(a && b && a != b && !wm[0] && !fm[0]);
  static const uint32_t by[] = {0, 1, 7, 1000, 0x7fffffffu, 0x80000001u, 0xffffffffu, 3};
  for (size_t i = 0; i < sizeof by / sizeof *by; i++) {
    struct { uint32_t self, by; } args = {a, by[i]};
    uint32_t w = word_call(&inc, arena, &args, true, wm, sizeof wm);
    uint32_t f = flat_call(&inc, arena, 2, b, by[i], fm, sizeof fm);
    CHECK(w == f && !wm[0] && !fm[0], "inc by %u: word %u (%s), flat %u (%s)", by[i], w, wm, f, fm);
  }
  /* the state each path left is the same: read both back through the other path */
  {
    struct { uint32_t self, by; } args = {b, 0};
    uint32_t w = word_call(&inc, arena, &args, true, wm, sizeof wm);
    uint32_t f = flat_call(&inc, arena, 2, a, 0, fm, sizeof fm);
    CHECK(w == f && w == 5u + 0 + 1 + 7 + 1000 + 0x7fffffffu + 0x80000001u + 0xffffffffu + 3,
          "word %u, flat %u", w, f);
  }
  /* a plugin trap (a rep the plugin does not know): the same message */
  {
    struct { uint32_t self, by; } args = {999, 1};
    (void)word_call(&inc, arena, &args, true, wm, sizeof wm);
    (void)flat_call(&inc, arena, 2, 999, 1, fm, sizeof fm);
    CHECK(wm[0] && !strcmp(wm, fm), "word '%s', flat '%s'", wm, fm);
    CHECK(strstr(fm, "inc: dead counter 999") != NULL, "%s", fm);
  }
  /* a bare failure code (not WASMPLUG_TRAP, no host->trap): the word path's
  ** "failed with code N", which the generated flat entry raises itself */
  {
    struct { uint32_t self, by; } args = {a, 0xdead};
    (void)word_call(&inc, arena, &args, true, wm, sizeof wm);
    (void)flat_call(&inc, arena, 2, b, 0xdead, fm, sizeof fm);
    CHECK(wm[0] && !strcmp(wm, fm), "word '%s', flat '%s'", wm, fm);
    CHECK(strstr(fm, "failed with code 42") != NULL, "%s", fm);
  }
  /* no params, no result */
  (void)word_call(&nothing, arena, NULL, false, wm, sizeof wm);
  (void)flat_call(&nothing, arena, 0, 0, 0, fm, sizeof fm);
  CHECK(!wm[0] && !fm[0], "word '%s', flat '%s'", wm, fm);

  wp_cabi_arena_delete(arena);
  wp_plugin_instances_delete(g);
  wp_plugin_set_delete(set);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bindgen_flat_test E2E-PLUGIN.so\n");
    return 2;
  }
  check_descriptor(argv[1]);
  check_calls(argv[1]);
  printf("bindgen_flat: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
