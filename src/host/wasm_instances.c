/*
** wasm_instances.c — the plugin instances of one guest instance: each plugin
** is instantiated after the plugins it imports from (wp_wasm_resolve
** refused cycles), with a component linker holding those plugins' exports
** and then the host's definitions.  `shared` plugins live in the set's own
** wp_wasm_instances_t, made once and used by every guest.
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
  bool bound;                         /* its lifecycle `bind` ran for this guest */
  void *host_state;
  bool has_state;
} slot;

struct wp_wasm_instances {
  wp_wasm_plugins_t *set;
  slot *slots;      /* per plugin */
  size_t *made;     /* plugin indices in instantiation order */
  size_t nmade;
  uint64_t id;      /* the guest's, for the lifecycle hooks (0: the set's own) */
  bool trial;       /* no hooks at all (wp_wasm_instances_trial) */
  bool holds_set;   /* a reference on `set` (all but the set's own guest) */
};

/* ------------------------------------------------ the lifecycle interface
**
** A wasm plugin may export wasmplug:plugin/lifecycle@0.1.x (docs/
** components.md): bind(guest) once a guest instance is linked to the
** plugin instance, unbind(guest) when that guest instance is gone (after
** its handles were dropped), shutdown() once, right before the plugin
** instance goes (with its guest for a plugin instance of one guest, at
** the host's end for a shared one).  The same moments as a native
** plugin's instance_new, instance_drop and fini. */
#define LIFECYCLE "wasmplug:plugin/lifecycle"

static wasmplug_component_func_t *hook(wasmplug_component_instance_t *in, const char *name) {
  char key[64];
  snprintf(key, sizeof key, LIFECYCLE "#%s", name);
  return wasmplug_component_instance_func(in, key);
}

/* The hooks a plugin exports must have the interface's types. */
static wasmplug_error_t *hooks_check(const wp_wasm_plugin *p, wasmplug_component_instance_t *in) {
  static const char *const names[] = {"bind", "unbind", "shutdown"};
  for (int i = 0; i < 3; i++) {
    wasmplug_component_func_t *f = hook(in, names[i]);
    if (!f) continue;
    const wp_cabi_func_t *t = wasmplug_component_func_type(f);
    bool ok = !t->result && (i == 2 ? t->nparams == 0 : t->nparams == 1 && t->params[0]->kind == WP_CABI_U64);
    if (!ok)
      return wasmplug_error_new("wasm plugin %s: its " LIFECYCLE "#%s has the wrong type (expected %s)", p->name,
                                names[i], i == 2 ? "func()" : "func(guest: u64)");
  }
  return NULL;
}

/* Calls a hook (when exported); its trap as a message, NULL otherwise. */
static wasmplug_trap_t *call_hook(wasmplug_component_instance_t *in, const char *name, bool with_id, uint64_t id) {
  wasmplug_component_func_t *f = hook(in, name);
  if (!f) return NULL;
  wp_cabi_val_t arg = {.kind = WP_CABI_U64, .of.u64 = id}, res;
  memset(&res, 0, sizeof res);
  return wasmplug_component_func_call(f, with_id ? &arg : NULL, with_id ? 1 : 0, &res);
}

/* unbind and shutdown cannot fail the teardown they are part of: a trap
** is reported on stderr (but not the refusal of an instance that trapped
** earlier: that trap was reported when it happened). */
static void hook_teardown(const wp_wasm_plugin *p, wasmplug_component_instance_t *in, const char *name, bool with_id,
                          uint64_t id) {
  wasmplug_trap_t *t = call_hook(in, name, with_id, id);
  if (t && !strstr(wasmplug_trap_message(t), "cannot enter component instance"))
    fprintf(stderr, "wasmplug: wasm plugin %s: " LIFECYCLE "#%s trapped: %s\n", p->name, name,
            wasmplug_trap_message(t));
  wasmplug_trap_delete(t);
}

static wp_wasm_instances_t *guest_alloc(wp_wasm_plugins_t *set) {
  wp_wasm_instances_t *g = calloc(1, sizeof *g);
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

void wp_wasm_instances_delete(wp_wasm_instances_t *g) {
  if (!g) return;
  /* Consumers first: a plugin's instance may hold handles whose
  ** destructors call into the plugins it imports from. */
  for (size_t k = g->nmade; k-- > 0;) {
    slot *s = &g->slots[g->made[k]];
    const wp_wasm_plugin *p = g->set->p[g->made[k]];
    if (s->in && s->bound) hook_teardown(p, s->in, "unbind", true, g->id);
    if (s->in && !s->borrowed && !g->trial) hook_teardown(p, s->in, "shutdown", false, 0);
    if (!s->borrowed) wasmplug_component_instance_delete(s->in);
    if (s->has_state && g->set->release) g->set->release(g->set->ctx, s->host_state);
    wasmplug_component_linker_delete(s->linker);
  }
  free(g->slots);
  free(g->made);
  if (g->holds_set) wp_wasm_plugins_delete(g->set);
  free(g);
}

static wasmplug_error_t *instantiate(wp_wasm_instances_t *g, size_t i);

/* The lifecycle's bind, for a guest's own wasm guest (not the set's). */
static wasmplug_error_t *bind(wp_wasm_instances_t *g, size_t i) {
  slot *s = &g->slots[i];
  if (!g->id || s->bound) return NULL;
  wasmplug_trap_t *t = call_hook(s->in, "bind", true, g->id);
  if (!t) {
    s->bound = true;
    return NULL;
  }
  wasmplug_error_t *e = wasmplug_error_new("wasm plugin %s: " LIFECYCLE "#bind trapped: %s", g->set->p[i]->name,
                                           wasmplug_trap_message(t));
  wasmplug_trap_delete(t);
  return e;
}

/* Plugin i's instance in g, instantiating it (and its providers) first. */
static wasmplug_error_t *need(wp_wasm_instances_t *g, size_t i) {
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
    return bind(g, i);
  }
  wasmplug_error_t *e = instantiate(g, i);
  return e ? e : bind(g, i);
}

static wasmplug_error_t *instantiate(wp_wasm_instances_t *g, size_t i) {
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
  ** and host state in wp_wasm_instances_delete. */
  g->made[g->nmade++] = i;
  if (e) return e;
  wasmplug_trap_t *trap = NULL;
  wasmplug_component_linker_instantiate(s->linker, p->comp, &s->in, &e, &trap);
  if (trap) {
    e = wasmplug_error_new("wasm plugin %s trapped while instantiating: %s", p->name, wasmplug_trap_message(trap));
    wasmplug_trap_delete(trap);
  }
  if (!e) e = hooks_check(p, s->in);
  return e;
}

static wasmplug_error_t *guest_new(wp_wasm_plugins_t *set, bool trial, wp_wasm_instances_t **out) {
  *out = NULL;
  if (!set) return NULL;
  if (set->n && !set->engine) return wasmplug_error_new("wasm plugins: wp_wasm_plugins_prepare was not called");
  wp_wasm_instances_t *g = guest_alloc(set);
  if (!g) return wasmplug_error_new("out of memory");
  wp_wasm_plugins_ref(set);
  g->holds_set = true;
  g->trial = trial;
  if (!trial) g->id = __atomic_add_fetch(&set->next_guest, 1, __ATOMIC_RELAXED); /* guests may be made on several threads */
  for (size_t i = 0; i < set->n; i++) {
    wasmplug_error_t *e = need(g, i);
    if (e) {
      wp_wasm_instances_delete(g);
      return e;
    }
  }
  *out = g;
  return NULL;
}

wasmplug_error_t *wp_wasm_instances_new(wp_wasm_plugins_t *set, wp_wasm_instances_t **out) { return guest_new(set, false, out); }
wasmplug_error_t *wp_wasm_instances_trial(wp_wasm_plugins_t *set, wp_wasm_instances_t **out) { return guest_new(set, true, out); }

wasmplug_component_instance_t *wp_wasm_instances_get(wp_wasm_instances_t *g, size_t i) {
  return g && i < g->set->n ? g->slots[i].in : NULL;
}

wasmplug_error_t *wp_wasm_instances_link(wp_wasm_instances_t *g, wasmplug_component_linker_t *l,
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
