/*
** instances.c — the plugins' instances for one guest instance: per-instance plugin
** states, resource types bound to them, the handle table, the call arena,
** bindings for component runtimes, and teardown (destructors exactly once).
*/
#include "plugin/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wasmplug_error_t *wp_plugin_instances_new(wp_plugin_set_t *set, wp_plugin_instances_t **out) {
  *out = NULL;
  wp_plugin_instances_t *g = calloc(1, sizeof *g);
  if (!g) return wasmplug_error_new("out of memory");
  g->set = set;
  g->refs = 1;
  g->handles = wp_cabi_handles_new();
  g->arena = wp_cabi_arena_new(0);
  if (!g->handles || !g->arena) {
    wp_cabi_handles_delete(g->handles);
    wp_cabi_arena_delete(g->arena);
    free(g);
    return wasmplug_error_new("out of memory");
  }
  wp_plugin_set_ref(set); /* a reload may replace it: it lives as long as we do */
  *out = g;
  return NULL;
}

void wp_plugin_instances_limits_set(wp_plugin_instances_t *g, const wasmplug_store_limits_t *limits) {
  if (g->handles) wp_cabi_handles_limit_set(g->handles, limits->handles);
  if (g->arena) wp_cabi_arena_budget_set(g->arena, limits->host_memory_bytes);
}

/* Teardown: resources first (their destructors need the states), then
** the states, then the types. */
static void teardown(wp_plugin_instances_t *g) {
  if (g->dead) return;
  g->dead = true;
  wp_cabi_handles_delete(g->handles);
  g->handles = NULL;
  for (size_t i = g->ninsts; i-- > 0;) {
    wp_plugin_inst_t *in = g->insts[i];
    if (in->own_state) wp_plugin_live_remove(in);
    if (in->own_state && in->p->desc.instance_drop) in->p->desc.instance_drop(in->state);
  }
  for (size_t i = 0; i < g->ninsts; i++) {
    wp_plugin_inst_t *in = g->insts[i];
    wp_wit_cabi_delete(in->conv);
    for (size_t k = 0; k < in->ndtors; k++) free(in->dtors[k]);
    free(in->dtors);
    free(in);
  }
  free(g->insts);
  g->insts = NULL;
  g->ninsts = 0;
  for (size_t i = 0; i < g->nbindings; i++) free(g->bindings[i]);
  free(g->bindings);
  g->bindings = NULL;
  g->nbindings = 0;
  wp_cabi_arena_delete(g->arena);
  g->arena = NULL;
}

void wp_plugin_instances_unref(wp_plugin_instances_t *g) {
  if (--g->refs) return;
  teardown(g);
  wp_plugin_set_delete(g->set);
  free(g);
}

void wp_plugin_instances_delete(wp_plugin_instances_t *g) {
  if (!g) return;
  teardown(g);
  wp_plugin_instances_unref(g);
}

wp_cabi_handles_t *wp_plugin_instances_handles(wp_plugin_instances_t *g) { return g->handles; }

/* ------------------------------------------------------------ resources */

static void destroy(const wp_plugin_dtor_ctx_t *d, uint32_t rep) {
  if (d->drop) d->drop(d->inst->state, rep);
  else d->inst->p->drop_at(d->inst->state, d->index, rep);
}

static wp_cabi_error_t *run_drop(void *ctx, uint32_t rep) {
  destroy(ctx, rep);
  return NULL;
}

/* True when interface `idx` of p's WIT is one p provides. */
static bool provides(const wp_plugin_t *p, uint32_t idx) {
  for (size_t i = 0; i < p->nifaces; i++)
    if (p->ifaces[i].index == idx) return true;
  return false;
}

/* wit_cabi hook: the resource type of WIT resource `id`, named
** "ns:pkg/iface@ver#r", destroyed through the plugin's drop hook. */
static const wp_cabi_resource_t *make_resource(void *ctx, wp_cabi_types_t *types, const wp_wit_resolve_t *r,
                                               uint32_t id) {
  wp_plugin_inst_t *in = ctx;
  const wp_wit_typedef_t *d = &r->types[id];
  char *iface = d->owner_kind == WP_WIT_OWNER_INTERFACE ? wp_wit_interface_id(r, d->owner) : NULL;
  /* A resource of an interface this plugin uses but does not provide
  ** (wasi:http's bodies are wasi:io streams) is the providing plugin's
  ** type for this guest: its reps live in that plugin's table (made there
  ** through host->service), its destructor is that plugin's, and the
  ** guest's import of the interface binds the very same type. */
  if (iface && d->name && !provides(in->p, d->owner)) {
    const wp_cabi_resource_t *foreign = NULL;
    wasmplug_error_t *e = wp_plugin_instances_resource(in->g, iface, d->name, &foreign);
    wasmplug_error_delete(e);
    if (foreign) {
      free(iface);
      return foreign;
    }
  }
  char *name = wp_format("%s#%s", iface ? iface : "", d->name ? d->name : "?");
  void (*drop)(void *, uint32_t) = NULL;
  bool has_drop = false;
  uint32_t index = 0;
  for (uint32_t k = 0; iface && d->name && k < in->p->desc.nresources; k++) {
    const wasmplug_plugin_resource_t *pr = &in->p->desc.resources[k];
    if (pr->name && wp_plugin_key_matches(pr->name, iface, d->name)) {
      drop = in->p->drop_at ? NULL : pr->drop;
      has_drop = in->p->drop_at ? in->p->drop_has[k] : pr->drop != NULL;
      index = k;
    }
  }
  free(iface);
  const wp_cabi_resource_t *res = NULL;
  wp_plugin_dtor_ctx_t *dc = has_drop ? malloc(sizeof *dc) : NULL;
  wp_plugin_dtor_ctx_t **nd = has_drop ? realloc(in->dtors, (in->ndtors + 1) * sizeof *nd) : NULL;
  if (nd) in->dtors = nd;
  if (name && (!has_drop || (dc && nd))) {
    if (dc) {
      dc->inst = in;
      dc->drop = drop;
      dc->index = index;
      in->dtors[in->ndtors++] = dc;
      dc = NULL;
    }
    res = wp_cabi_resource_type(types, name, NULL, has_drop ? run_drop : NULL,
                                has_drop ? in->dtors[in->ndtors - 1] : NULL);
    if (has_drop) in->dtors[in->ndtors - 1]->res = res;
  }
  free(dc);
  free(name);
  return res;
}

void wp_plugin_inst_destroy(wp_plugin_inst_t *in, const wp_cabi_resource_t *res, uint32_t rep) {
  for (size_t i = 0; i < in->ndtors; i++)
    if (in->dtors[i]->res == res) {
      destroy(in->dtors[i], rep);
      return;
    }
}

wasmplug_error_t *wp_plugin_instances_get(wp_plugin_instances_t *g, const wp_plugin_t *p, wp_plugin_inst_t **out) {
  if (g->dead) return wasmplug_error_new("plugin guest was torn down");
  for (size_t i = 0; i < g->ninsts; i++)
    if (g->insts[i]->p == p) {
      *out = g->insts[i];
      return NULL;
    }
  wp_plugin_inst_t *in = calloc(1, sizeof *in);
  wp_plugin_inst_t **n = realloc(g->insts, (g->ninsts + 1) * sizeof *n);
  if (n) g->insts = n;
  if (!in || !n) {
    free(in);
    return wasmplug_error_new("out of memory");
  }
  in->g = g;
  in->p = p;
  in->state = p->state;
  in->conv = wp_wit_cabi_new(p->wit, (wp_wit_cabi_resource_hook_t){make_resource, in});
  if (!in->conv) {
    free(in);
    return wasmplug_error_new("out of memory");
  }
  if (p->desc.instance_new && !g->check_only) {
    const char *why = NULL;
    void *st = NULL;
    if (p->desc.instance_new(p->state, &p->config, &st, &why)) {
      wp_wit_cabi_delete(in->conv);
      free(in);
      return wasmplug_error_new("plugin %s: instance_new failed: %s", p->desc.name, why ? why : "(no message)");
    }
    in->state = st;
    in->own_state = true;
    if (!wp_plugin_live_add(in)) {
      if (p->desc.instance_drop) p->desc.instance_drop(st);
      wp_wit_cabi_delete(in->conv);
      free(in);
      return wasmplug_error_new("out of memory");
    }
  }
  g->insts[g->ninsts++] = in;
  *out = in;
  return NULL;
}

const wp_plugin_export_t *wp_plugin_find_export(const wp_plugin_t *p, const wp_plugin_iface_t *in, const char *func) {
  for (size_t i = 0; i < p->nexports; i++) {
    const wp_plugin_export_t *x = &p->exports[i];
    if (x->iface == in->index && !strcmp(p->wit->interfaces[x->iface].funcs[x->func].name, func)) return x;
  }
  return NULL;
}

/* -------------------------------------------------- component bindings */


static char *cabi_func_text(const wp_cabi_func_t *f) {
  wp_buf_t b = {0};
  char tmp[512];
  wp_buf_printf(&b, "func(");
  for (size_t i = 0; i < f->nparams; i++) {
    wp_cabi_type_print(f->params[i], tmp, sizeof tmp);
    wp_buf_printf(&b, "%s%s: %s", i ? ", " : "", f->param_names ? f->param_names[i] : "_", tmp);
  }
  wp_buf_printf(&b, ")");
  if (f->result) {
    wp_cabi_type_print(f->result, tmp, sizeof tmp);
    wp_buf_printf(&b, " -> %s", tmp);
  }
  return b.oom ? (free(b.s), NULL) : b.s;
}

/* Finds plugin, instance state and cabi function of iface#func. */
static wasmplug_error_t *resolve(wp_plugin_instances_t *g, const char *iface, const char *func, wp_plugin_inst_t **inst,
                                 const wp_plugin_export_t **xout, const wp_cabi_func_t **fout) {
  const wp_plugin_t *p;
  const wp_plugin_iface_t *in;
  wasmplug_error_t *e = wp_plugin_set_find(g->set, iface, &p, &in);
  if (e) return e;
  const wp_plugin_export_t *x = wp_plugin_find_export(p, in, func);
  if (!x) return wasmplug_error_new("plugin %s: interface %s has no function '%s'", p->desc.name, in->id, func);
  if ((e = wp_plugin_instances_get(g, p, inst))) return e;
  const wp_wit_function_t *wf = &p->wit->interfaces[x->iface].funcs[x->func];
  if ((e = wp_wit_cabi_func((*inst)->conv, wf, fout))) {
    wasmplug_error_t *w = wasmplug_error_new("plugin %s: %s: %s", p->desc.name, x->qualified, wasmplug_error_message(e));
    wasmplug_error_delete(e);
    return w;
  }
  *xout = x;
  return NULL;
}

wasmplug_error_t *wp_plugin_instances_bind(wp_plugin_instances_t *g, const char *iface, const char *func,
                                       const wp_cabi_func_t *expected, wp_plugin_binding_t *out) {
  memset(out, 0, sizeof *out);
  wp_plugin_inst_t *inst = NULL;
  const wp_plugin_export_t *x = NULL;
  const wp_cabi_func_t *f = NULL;
  wasmplug_error_t *e = resolve(g, iface, func, &inst, &x, &f);
  if (e) return e;
  if (expected) {
    if (!wp_cabi_func_equal(expected, f, true)) {
      char *want = cabi_func_text(expected), *have = cabi_func_text(f);
      e = wasmplug_error_new("import %s#%s: type mismatch: the guest expects %s, plugin %s provides %s", iface, func,
                             want ? want : "?", inst->p->desc.name, have ? have : "?");
      free(want);
      free(have);
      return e;
    }
  }
  wp_cabi_error_t *ce = wp_cabi_func_native_args(f, &out->args);
  if (ce) {
    e = wasmplug_error_new("plugin %s: %s: %s", inst->p->desc.name, x->qualified, wp_cabi_error_message(ce));
    wp_cabi_error_delete(ce);
    return e;
  }
  out->plugin = inst->p->desc.name;
  out->name = x->qualified;
  out->fn = x->fn;
  out->flat = x->flat;
  out->state = inst->state;
  out->native = (wp_cabi_native_fn_t){x->fn, inst->state, x->index, x->who, inst->p->desc.cancel, NULL};
  out->type = f;
  return NULL;
}

wasmplug_error_t *wp_plugin_instances_resource(wp_plugin_instances_t *g, const char *iface, const char *name,
                                           const wp_cabi_resource_t **out) {
  *out = NULL;
  const wp_plugin_t *p;
  const wp_plugin_iface_t *in;
  wasmplug_error_t *e = wp_plugin_set_find(g->set, iface, &p, &in);
  if (e) return e;
  const wp_wit_interface_t *wi = &p->wit->interfaces[in->index];
  for (uint32_t t = 0; t < wi->n_types; t++) {
    if (strcmp(wi->types[t].name, name)) continue;
    uint32_t id = wp_wit_type_unalias(p->wit, wi->types[t].id);
    if (p->wit->types[id].kind != WP_WIT_DEF_RESOURCE) break;
    wp_plugin_inst_t *inst;
    if ((e = wp_plugin_instances_get(g, p, &inst))) return e;
    *out = wp_wit_cabi_resource(inst->conv, id, &e);
    return e;
  }
  return wasmplug_error_new("plugin %s: interface %s has no resource '%s'", p->desc.name, in->id, name);
}

const char *wp_plugin_instances_other_state(const wp_plugin_instances_t *g, const char *const *names, size_t n) {
  for (size_t i = 0; i < g->ninsts; i++) {
    const wp_plugin_inst_t *in = g->insts[i];
    if (!in->own_state) continue;
    size_t k = 0;
    while (k < n && strcmp(names[k], in->p->desc.name)) k++;
    if (k == n) return in->p->desc.name;
  }
  return NULL;
}

void *wp_plugin_instances_state(wp_plugin_instances_t *g, const char *name) {
  for (size_t i = 0; i < g->set->n; i++) {
    const wp_plugin_t *p = g->set->plugins[i];
    if (strcmp(p->desc.name, name)) continue;
    wp_plugin_inst_t *in;
    wasmplug_error_t *e = wp_plugin_instances_get(g, p, &in);
    if (e) {
      wasmplug_error_delete(e);
      return NULL;
    }
    return in->state;
  }
  return NULL;
}

wasmplug_trap_t *wp_plugin_binding_call(const wp_plugin_binding_t *b, wp_cabi_arena_t *arena, const void *args,
                                        void *result) {
  return wp_cabi_native_run(&b->native, arena, args, result, NULL);
}
