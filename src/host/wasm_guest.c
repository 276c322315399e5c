/*
** wasm_guest.c — the plugin instances of one guest instance: each plugin
** is instantiated after the plugins it imports from (wp_wasm_resolve
** refused cycles), with a component linker holding those plugins' exports
** and then the host's definitions.  `shared` plugins live in the set's own
** wasm guest, made once and used by every guest.
*/
#include "host/wasm_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/rt/rt.h"

typedef struct slot {
  wasmplug_component_linker_t *linker;
  wasmplug_component_instance_t *in;  /* owned unless borrowed */
  bool borrowed;                      /* a shared plugin: the set's instance */
  void *host_state;
  bool has_state;
} slot;

struct wp_wasm_guest {
  wp_wasm_plugins_t *set;
  slot *slots;      /* per plugin */
  size_t *made;     /* plugin indices in instantiation order */
  size_t nmade;
};

static wp_wasm_guest_t *guest_alloc(wp_wasm_plugins_t *set) {
  wp_wasm_guest_t *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->set = set;
  g->slots = calloc(set->n + 1, sizeof *g->slots);
  g->made = calloc(set->n + 1, sizeof *g->made);
  if (!g->slots || !g->made) {
    free(g->slots);
    free(g->made);
    free(g);
    return NULL;
  }
  return g;
}

void wp_wasm_guest_delete(wp_wasm_guest_t *g) {
  if (!g) return;
  /* Consumers first: a plugin's instance may hold handles whose
  ** destructors call into the plugins it imports from. */
  for (size_t k = g->nmade; k-- > 0;) {
    slot *s = &g->slots[g->made[k]];
    if (!s->borrowed) wasmplug_component_instance_delete(s->in);
    if (s->has_state && g->set->release) g->set->release(g->set->ctx, s->host_state);
    wasmplug_component_linker_delete(s->linker);
  }
  free(g->slots);
  free(g->made);
  free(g);
}

static wasmplug_error_t *instantiate(wp_wasm_guest_t *g, size_t i);

/* Plugin i's instance in g, instantiating it (and its providers) first. */
static wasmplug_error_t *need(wp_wasm_guest_t *g, size_t i) {
  wp_wasm_plugins_t *set = g->set;
  slot *s = &g->slots[i];
  if (s->in) return NULL;
  if (set->p[i]->shared && g != set->shared) {
    if (!set->shared && !(set->shared = guest_alloc(set))) return wasmplug_error_new("out of memory");
    wasmplug_error_t *e = need(set->shared, i);
    if (e) return e;
    s->in = set->shared->slots[i].in;
    s->borrowed = true;
    g->made[g->nmade++] = i;
    return NULL;
  }
  return instantiate(g, i);
}

static wasmplug_error_t *instantiate(wp_wasm_guest_t *g, size_t i) {
  wp_wasm_plugins_t *set = g->set;
  wp_wasm_plugin *p = set->p[i];
  slot *s = &g->slots[i];
  const wp_comp *d = p->def;
  for (uint32_t k = 0; k < d->nimports; k++) {
    const wp_comp_extern *imp = &d->imports[k];
    if (wp_wasm_is_dl(imp->name.ptr, imp->name.len) && !p->allow_dl)
      return wasmplug_error_new("wasm plugin %s imports %.*s but was not granted it (add allow-dl=POLICY to its "
                                "--plugin spec)", p->name, (int)imp->name.len, imp->name.ptr);
    if (p->provider[k] >= 0) {
      wasmplug_error_t *e = need(g, (size_t)p->provider[k]);
      if (e) return e;
    }
  }
  if (!(s->linker = wasmplug_component_linker_new(set->engine))) return wasmplug_error_new("out of memory");
  wp_comp_typecheck *tc = wp_comp_typecheck_new();
  if (!tc) return wasmplug_error_new("out of memory");
  wasmplug_error_t *e = NULL;
  char who[600];
  snprintf(who, sizeof who, "wasm plugin %s", p->name);
  for (uint32_t k = 0; !e && k < d->nimports; k++)
    if (p->provider[k] >= 0)
      e = wp_wasm_link_import(s->linker, tc, &d->imports[k], who, set->p[p->provider[k]],
                              g->slots[p->provider[k]].in);
  wp_comp_typecheck_delete(tc);
  /* What no plugin provides comes from the host, as the user granted it. */
  if (!e && set->host) {
    wp_wasm_grants_t gr = {(const char *const *)p->dirs, p->ndirs, (const char *const *)p->envs, p->nenvs,
                           p->allow_dl};
    e = set->host(set->ctx, p->name, &gr, p->comp, s->linker, &s->host_state);
    s->has_state = true;
  }
  /* Recorded before instantiating so a failure still releases the linker
  ** and host state in wp_wasm_guest_delete. */
  g->made[g->nmade++] = i;
  if (e) return e;
  wasmplug_trap_t *trap = NULL;
  wasmplug_component_linker_instantiate(s->linker, p->comp, &s->in, &e, &trap);
  if (trap) {
    e = wasmplug_error_new("wasm plugin %s trapped while instantiating: %s", p->name, wasmplug_trap_message(trap));
    wasmplug_trap_delete(trap);
  }
  return e;
}

wasmplug_error_t *wp_wasm_guest_new(wp_wasm_plugins_t *set, wp_wasm_guest_t **out) {
  *out = NULL;
  if (!set) return NULL;
  if (set->n && !set->engine) return wasmplug_error_new("wasm plugins: wp_wasm_plugins_prepare was not called");
  wp_wasm_guest_t *g = guest_alloc(set);
  if (!g) return wasmplug_error_new("out of memory");
  for (size_t i = 0; i < set->n; i++) {
    wasmplug_error_t *e = need(g, i);
    if (e) {
      wp_wasm_guest_delete(g);
      return e;
    }
  }
  *out = g;
  return NULL;
}

wasmplug_component_instance_t *wp_wasm_guest_instance(wp_wasm_guest_t *g, size_t i) {
  return g && i < g->set->n ? g->slots[i].in : NULL;
}

wasmplug_error_t *wp_wasm_guest_link(wp_wasm_guest_t *g, wasmplug_component_linker_t *l,
                                     const wasmplug_component_t *guest, const char *guest_name) {
  const wp_comp *d = rt_component_def(guest);
  for (uint32_t k = 0; k < d->nimports; k++) {
    const wp_comp_extern *imp = &d->imports[k];
    if (wp_wasm_is_dl(imp->name.ptr, imp->name.len))
      return wasmplug_error_new("%s: import `%.*s` refused: wasi:dl reaches native code, so only trusted wasm "
                                "plugins granted allow-dl may import it, never the guest", guest_name,
                                (int)imp->name.len, imp->name.ptr);
  }
  if (!g) return NULL;
  wp_comp_typecheck *tc = wp_comp_typecheck_new();
  if (!tc) return wasmplug_error_new("out of memory");
  wasmplug_error_t *e = NULL;
  for (uint32_t k = 0; !e && k < d->nimports; k++) {
    const wp_comp_extern *imp = &d->imports[k];
    if (imp->sort != WP_COMP_SORT_INSTANCE) continue;
    long j = wp_wasm_provider(g->set, imp->name.ptr, imp->name.len, SIZE_MAX);
    if (j >= 0) e = wp_wasm_link_import(l, tc, imp, guest_name, g->set->p[j], g->slots[j].in);
  }
  wp_comp_typecheck_delete(tc);
  return e;
}
