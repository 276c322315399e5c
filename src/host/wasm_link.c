/*
** wasm_link.c — one import of a consumer (the guest or a plugin) satisfied
** by the exported instance of a plugin instance.
**
** Each function of the import becomes a host definition whose callback
** calls the plugin's lifted export with the value tree the runtime lifted
** out of the consumer: the consumer's memory is read and validated by the
** lift (bounds, UTF-8/UTF-16, discriminants, handles), the plugin's is
** written by the export's lower (through its realloc and encoding), so
** the two never share memory and strings are transcoded on the way.  Each
** resource of the import is bound to the plugin's own resource type, so an
** own handle the plugin returns lands in the consumer's table carrying the
** plugin's rep, a borrow passed back reaches the plugin as its rep, and a
** drop in the consumer runs the plugin's destructor.
**
** A guest's synchronous lower of such a function copies the values from
** memory to memory instead (a fused adapter, component/rt/fused.c) when
** their types allow: the same checks, no value tree.
**
** An `async` function, or one whose values hold streams, futures or error
** contexts, is linked to the plugin's export itself (a guest-to-guest
** call, as composition does) instead: the consumer's `canon lower async`
** gets a subtask while the plugin's task blocks, and stream and future
** ends move between the two instances' tables.
*/
#include "host/wasm_internal.h"
#include "component/rt/rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bridge {
  wasmplug_component_func_t *func;
  char *what; /* "plugin kv.wasm: test:kv/store@0.1.0#get" */
} bridge;

static void bridge_free(void *env) {
  bridge *b = env;
  free(b->what);
  free(b);
}

/* A trap of the plugin as the guest sees it. */
static wasmplug_trap_t *bridge_trap(void *env, wasmplug_trap_t *t) {
  bridge *b = env;
  if (wasmplug_trap_exit_status(t, NULL)) return t; /* the plugin ended the guest */
  /* The guest traps with the plugin named, never with the plugin alive in
  ** a half-done state behind its back: the plugin instance keeps its own
  ** trapped state (the component runtime's rules). */
  char msg[900];
  snprintf(msg, sizeof msg, "trap in wasm %s: %s", b->what, wasmplug_trap_message(t));
  wasmplug_trap_delete(t);
  return wasmplug_trap_new(WASMPLUG_TRAP_HOST, msg);
}

static wasmplug_trap_t *bridge_call(void *env, const wasmplug_cval_t *args, size_t nargs, wasmplug_cval_t *result) {
  bridge *b = env;
  wp_cabi_val_t tmp;
  wasmplug_trap_t *t = wasmplug_component_func_call(b->func, args, nargs, result ? result : &tmp);
  if (!t) {
    if (!result) wp_cabi_val_drop(&tmp);
    return NULL;
  }
  return bridge_trap(env, t);
}

/* Whether t holds a stream, future or error-context. */
static bool has_async_value(const wp_cabi_type_t *t, int depth) {
  if (!t || depth > 64) return false;
  if (t->kind == WP_CABI_STREAM || t->kind == WP_CABI_FUTURE || t->kind == WP_CABI_ERROR_CONTEXT) return true;
  if (has_async_value(t->elem, depth + 1) || has_async_value(t->err, depth + 1)) return true;
  for (uint32_t i = 0; i < t->nfields; i++)
    if (has_async_value(t->fields[i].type, depth + 1)) return true;
  return false;
}

static bool needs_task(const wp_comp_type *ct, const wp_cabi_func_t *ft) {
  if (ct && ct->kind == WP_COMP_T_FUNC && ct->is_async) return true;
  if (has_async_value(ft->result, 0)) return true;
  for (size_t i = 0; i < ft->nparams; i++)
    if (has_async_value(ft->params[i], 0)) return true;
  return false;
}

/* The provider's export matching `imp` (exact, else semver best). */
static const wp_comp_export *find_export(const wp_comp *d, const wp_comp_extern *imp) {
  wp_comp_str names[256];
  long idx[256];
  size_t n = 0;
  for (uint32_t i = 0; i < d->nexports && n < 256; i++)
    if (d->exports[i].ext.sort == imp->sort) {
      names[n] = d->exports[i].ext.name;
      idx[n++] = i;
    }
  long best = wp_comp_name_best(imp->name.ptr, imp->name.len, names, n);
  return best < 0 ? NULL : &d->exports[idx[best]];
}

static const wp_cabi_resource_t *res_in(const wp_cabi_type_t *t, const char *name, int depth) {
  if (!t || depth > 8) return NULL;
  if ((t->kind == WP_CABI_OWN || t->kind == WP_CABI_BORROW) && !strcmp(wp_cabi_resource_name(t->resource), name))
    return t->resource;
  const wp_cabi_resource_t *r = res_in(t->elem, name, depth + 1);
  if (!r) r = res_in(t->err, name, depth + 1);
  for (uint32_t i = 0; !r && i < t->nfields; i++) r = res_in(t->fields[i].type, name, depth + 1);
  return r;
}

/* The plugin instance's resource type for resource `item` of exported
** interface `ename`: seen in the types of the interface's functions — the
** constructor's result, a method's `self` — else by its name in any of
** them. */
static const wp_cabi_resource_t *find_resource(wasmplug_component_instance_t *in, const wp_comp_export *ex,
                                               const char *ename, const char *item) {
  const wp_comp_type *it = ex->ext.type;
  char key[1200];
  size_t ilen = strlen(item);
  for (int pass = 0; pass < 2; pass++)
    for (uint32_t i = 0; it && i < it->nexports; i++) {
      const wp_comp_extern *e = &it->exports[i];
      if (e->sort != WP_COMP_SORT_FUNC) continue;
      snprintf(key, sizeof key, "%s#%.*s", ename, (int)e->name.len, e->name.ptr);
      wasmplug_component_func_t *f = wasmplug_component_instance_func(in, key);
      if (!f) continue;
      const wp_cabi_func_t *ft = wasmplug_component_func_type(f);
      const char *fn = e->name.ptr;
      size_t fl = e->name.len;
      if (pass == 0) {
        if (fl == 13 + ilen && !memcmp(fn, "[constructor]", 13) && !memcmp(fn + 13, item, ilen) && ft->result &&
            ft->result->kind == WP_CABI_OWN)
          return ft->result->resource;
        if (fl > 9 + ilen && !memcmp(fn, "[method]", 8) && !memcmp(fn + 8, item, ilen) && fn[8 + ilen] == '.' &&
            ft->nparams && ft->params[0]->kind == WP_CABI_BORROW)
          return ft->params[0]->resource;
      } else {
        const wp_cabi_resource_t *r = res_in(ft->result, item, 0);
        for (size_t k = 0; !r && k < ft->nparams; k++) r = res_in(ft->params[k], item, 0);
        if (r) return r;
      }
    }
  return NULL;
}

wasmplug_error_t *wp_wasm_link_import(wasmplug_component_linker_t *l, wp_comp_typecheck *tc,
                                      const wp_comp_extern *imp, const char *consumer, const wp_wasm_plugin *p,
                                      wasmplug_component_instance_t *in) {
  char iname[512], ename[512], err[2048];
  snprintf(iname, sizeof iname, "%.*s", (int)imp->name.len, imp->name.ptr);
  const wp_comp_export *ex = find_export(p->def, imp);
  if (!ex) return wasmplug_error_new("%s: import `%s`: wasm plugin %s does not export it", consumer, iname, p->name);
  snprintf(ename, sizeof ename, "%.*s", (int)ex->ext.name.len, ex->ext.name.ptr);
  char what[700];
  snprintf(what, sizeof what, "import `%s` (from wasm plugin %s)", iname, p->name);
  const wp_comp_type *it = imp->type;
  if (!it) return wasmplug_error_new("%s: import `%s` has no type", consumer, iname);
  if (wp_comp_typecheck_extern(tc, &ex->ext, imp, what, err, sizeof err))
    return wasmplug_error_new("%s: %s", consumer, err);
  char full[1200], item[512], key[1200];
  /* Resources first: the functions' types refer to them. */
  for (int pass = 0; pass < 2; pass++)
    for (uint32_t i = 0; i < it->nexports; i++) {
      const wp_comp_extern *e = &it->exports[i];
      snprintf(item, sizeof item, "%.*s", (int)e->name.len, e->name.ptr);
      snprintf(full, sizeof full, "%s#%s", iname, item);
      snprintf(key, sizeof key, "%s#%s", ename, item);
      wasmplug_error_t *er = NULL;
      if (pass == 0 && e->sort == WP_COMP_SORT_TYPE && e->type && e->type->kind == WP_COMP_T_RESOURCE) {
        const wp_cabi_resource_t *r = find_resource(in, ex, ename, item);
        if (!r)
          return wasmplug_error_new("%s: import `%s`: resource `%s` of wasm plugin %s is used by none of its functions",
                                    consumer, iname, item, p->name);
        er = wasmplug_component_linker_define_resource(l, full, r);
      } else if (pass == 1 && e->sort == WP_COMP_SORT_FUNC) {
        wasmplug_component_func_t *f = wasmplug_component_instance_func(in, key);
        if (!f) return wasmplug_error_new("%s: import `%s`: wasm plugin %s has no function `%s`", consumer, iname, p->name, key);
        if (needs_task(e->type, wasmplug_component_func_type(f))) {
          er = wasmplug_component_linker_define_func_ref(l, full, f);
          goto check;
        }
        bridge *b = calloc(1, sizeof *b);
        char w[1400];
        snprintf(w, sizeof w, "plugin %s: %s", p->name, key);
        if (!b || !(b->what = strdup(w))) {
          free(b);
          return wasmplug_error_new("out of memory");
        }
        b->func = f;
        /* a guest's sync lower calls f through a fused adapter where the
        ** types allow (component/rt/fused.c), else bridge_call */
        er = rt_linker_define_forward(l, full, bridge_call, b, bridge_free, f, bridge_trap);
        if (er) bridge_free(b);
      } else if (pass == 1 && e->sort != WP_COMP_SORT_TYPE && e->sort != WP_COMP_SORT_FUNC) {
        return wasmplug_error_new("%s: import `%s`: item `%s` is a %s, which wasm plugins cannot provide", consumer,
                                  iname, item, wp_comp_sort_name(e->sort));
      }
    check:
      if (er) {
        wasmplug_error_t *e2 = wasmplug_error_new("%s: import `%s`: %s", consumer, iname, wasmplug_error_message(er));
        wasmplug_error_delete(er);
        return e2;
      }
    }
  return NULL;
}
