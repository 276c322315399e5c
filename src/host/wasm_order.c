/*
** wasm_order.c — the set of wasm component plugins: which plugin satisfies
** which import, and the refusal of cycles (a plugin can only be
** instantiated after every plugin it imports from).
*/
#include "host/wasm_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/rt/rt.h"

wp_wasm_plugins_t *wp_wasm_plugins_new(void) {
  wp_wasm_plugins_t *set = calloc(1, sizeof *set);
  if (set) set->refs = 1;
  return set;
}

void wp_wasm_plugins_ref(wp_wasm_plugins_t *set) { __atomic_add_fetch(&set->refs, 1, __ATOMIC_RELAXED); }

void wp_wasm_plugins_delete(wp_wasm_plugins_t *set) {
  if (!set || __atomic_sub_fetch(&set->refs, 1, __ATOMIC_ACQ_REL)) return;
  wp_wasm_instances_delete(set->shared);
  for (size_t i = set->n; i-- > 0;) wp_wasm_plugin_free(set->p[i]);
  free(set->p);
  free(set);
}

size_t wp_wasm_plugins_count(const wp_wasm_plugins_t *set) { return set ? set->n : 0; }

wasmplug_error_t *wp_wasm_plugins_add(wp_wasm_plugins_t *set, const char *spec) {
  wp_wasm_plugin *p;
  wasmplug_error_t *e = wp_wasm_spec_parse(spec, &p);
  if (e) return e;
  if (set->n == set->cap) {
    size_t cap = set->cap ? set->cap * 2 : 4;
    wp_wasm_plugin **n = realloc(set->p, cap * sizeof *n);
    if (!n) {
      wp_wasm_plugin_free(p);
      return wasmplug_error_new("out of memory");
    }
    set->p = n;
    set->cap = cap;
  }
  set->p[set->n++] = p;
  return NULL;
}

/* Whether plugin p exports an instance matching import `name`. */
static bool exports_iface(const wp_wasm_plugin *p, const char *name, size_t len) {
  const wp_comp *d = p->def;
  for (uint32_t i = 0; i < d->nexports; i++)
    if (d->exports[i].ext.sort == WP_COMP_SORT_INSTANCE &&
        wp_comp_name_matches(name, len, d->exports[i].ext.name.ptr, d->exports[i].ext.name.len))
      return true;
  return false;
}

long wp_wasm_provider(const wp_wasm_plugins_t *set, const char *name, size_t len, size_t self) {
  /* The nearest plugin listed before `self` wraps what comes after it
  ** (a logger in front of a store); only when none does, a later one. */
  size_t before = self == SIZE_MAX ? set->n : self;
  for (size_t k = before; k-- > 0;)
    if (exports_iface(set->p[k], name, len)) return (long)k;
  for (size_t k = self == SIZE_MAX ? set->n : self + 1; k < set->n; k++)
    if (exports_iface(set->p[k], name, len)) return (long)k;
  return -1;
}

enum { WHITE, GREY, BLACK };

/* Depth-first search; on a back edge, writes the cycle into msg. */
static bool visit(const wp_wasm_plugins_t *set, size_t i, uint8_t *color, size_t *stack, size_t depth, char *msg,
                  size_t cap) {
  color[i] = GREY;
  stack[depth] = i;
  const wp_wasm_plugin *p = set->p[i];
  for (uint32_t k = 0; k < p->def->nimports; k++) {
    long j = p->provider[k];
    if (j < 0 || color[j] == BLACK) continue;
    if (color[j] == GREY) {
      size_t at = 0, pos = 0;
      while (stack[at] != (size_t)j) at++;
      pos += (size_t)snprintf(msg, cap, "wasm plugins form a cycle: ");
      for (size_t s = at; s <= depth && pos < cap; s++) {
        const wp_wasm_plugin *a = set->p[stack[s]];
        size_t nxt = s < depth ? stack[s + 1] : (size_t)j;
        /* name the import that makes the edge */
        const char *what = "?";
        int wlen = 1;
        for (uint32_t m = 0; m < a->def->nimports; m++)
          if (a->provider[m] == (long)nxt) {
            what = a->def->imports[m].name.ptr;
            wlen = (int)a->def->imports[m].name.len;
            break;
          }
        pos += (size_t)snprintf(msg + pos, cap - pos, "%s imports %.*s from %s%s", a->name, wlen, what,
                                set->p[nxt]->name, s < depth ? ", " : "");
      }
      return false;
    }
    if (!visit(set, (size_t)j, color, stack, depth + 1, msg, cap)) return false;
  }
  color[i] = BLACK;
  return true;
}

wasmplug_error_t *wp_wasm_resolve(wp_wasm_plugins_t *set) {
  for (size_t i = 0; i < set->n; i++) {
    wp_wasm_plugin *p = set->p[i];
    free(p->provider);
    p->provider = malloc((p->def->nimports + 1) * sizeof *p->provider);
    if (!p->provider) return wasmplug_error_new("out of memory");
    for (uint32_t k = 0; k < p->def->nimports; k++) {
      const wp_comp_extern *imp = &p->def->imports[k];
      p->provider[k] = imp->sort == WP_COMP_SORT_INSTANCE ? wp_wasm_provider(set, imp->name.ptr, imp->name.len, i) : -1;
    }
  }
  uint8_t *color = calloc(set->n + 1, 1);
  size_t *stack = calloc(set->n + 1, sizeof *stack);
  wasmplug_error_t *e = NULL;
  if (!color || !stack) e = wasmplug_error_new("out of memory");
  char msg[1024];
  for (size_t i = 0; !e && i < set->n; i++)
    if (color[i] == WHITE && !visit(set, i, color, stack, 0, msg, sizeof msg)) e = wasmplug_error_new("%s", msg);
  free(color);
  free(stack);
  return e;
}

wasmplug_error_t *wp_wasm_plugins_prepare(wp_wasm_plugins_t *set, wasmplug_engine_t *engine, wp_wasm_host_fn host,
                                          wp_wasm_release_fn release, void *ctx) {
  set->engine = engine;
  set->host = host;
  set->release = release;
  set->ctx = ctx;
  for (size_t i = 0; i < set->n; i++) {
    wp_wasm_plugin *p = set->p[i];
    if (p->comp) continue;
    for (size_t k = 0; k < i; k++)
      if (!strcmp(set->p[k]->path, p->path))
        return wasmplug_error_new("wasm plugin %s is given twice", p->path);
    wasmplug_error_t *e = wasmplug_component_new(engine, p->bytes, p->len, p->path, &p->comp);
    if (e) {
      wasmplug_error_t *e2 = wasmplug_error_new("wasm plugin %s", wasmplug_error_message(e));
      wasmplug_error_delete(e);
      return e2;
    }
    p->def = rt_component_def(p->comp);
  }
  return wp_wasm_resolve(set);
}
