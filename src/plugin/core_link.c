/*
** core_link.c — plugin imports of core-module guests, defined on a linker.
**
** A core module built by wit-bindgen (before componentization) imports
** each function of an interface it uses as module "ns:pkg/iface@ver", name
** "f" / "[method]r.m" / "[constructor]r" / "[static]r.f" /
** "[resource-drop]r", with the canonical-ABI-lowered core signature.  For
** each such import we find the plugin providing the interface, compute the
** core signature the WIT function lowers to, check the import against it,
** and define a host function (core_call.c) with a binding that holds
** everything a call needs.
*/
#include "plugin/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ defining */

static void functype_text(wp_buf_t *b, const wasmplug_functype_t *t) {
  wp_buf_printf(b, "(func");
  if (t->nparams) {
    wp_buf_printf(b, " (param");
    for (uint32_t i = 0; i < t->nparams; i++) wp_buf_printf(b, " %s", wasmplug_valkind_name(t->params[i]));
    wp_buf_printf(b, ")");
  }
  if (t->nresults) {
    wp_buf_printf(b, " (result");
    for (uint32_t i = 0; i < t->nresults; i++) wp_buf_printf(b, " %s", wasmplug_valkind_name(t->results[i]));
    wp_buf_printf(b, ")");
  }
  wp_buf_printf(b, ")");
}

static wasmplug_valkind_t core_kind(wp_cabi_core_t c) {
  return c == WP_CABI_I32 ? WASMPLUG_I32 : c == WP_CABI_I64 ? WASMPLUG_I64 : c == WP_CABI_CF32 ? WASMPLUG_F32
                                                                                              : WASMPLUG_F64;
}

static bool functype_equal(const wasmplug_functype_t *a, const wasmplug_functype_t *b) {
  if (a->nparams != b->nparams || a->nresults != b->nresults) return false;
  for (uint32_t i = 0; i < a->nparams; i++)
    if (a->params[i] != b->params[i]) return false;
  for (uint32_t i = 0; i < a->nresults; i++)
    if (a->results[i] != b->results[i]) return false;
  return true;
}

static wasmplug_error_t *mismatch(const char *mod, const char *name, const char *wit, const char *plugin,
                                  const wasmplug_functype_t *want, const wasmplug_functype_t *have) {
  wp_buf_t a = {0}, b = {0};
  functype_text(&a, want);
  functype_text(&b, have);
  wasmplug_error_t *e = wasmplug_error_new(
      "import \"%s\" \"%s\": type mismatch: plugin %s implements `%s`, which a core module imports as %s, "
      "but the import has type %s",
      mod, name, plugin, wit ? wit : "?", a.s ? a.s : "?", b.s ? b.s : "?");
  free(a.s);
  free(b.s);
  return e;
}

static bool is_iface_name(const char *mod) {
  const char *colon = strchr(mod, ':');
  return colon && colon != mod && strchr(colon, '/');
}

static wasmplug_error_t *define_one(wp_plugin_instances_t *g, wasmplug_linker_t *linker, const char *mod,
                                    const char *name, const wasmplug_functype_t *have) {
  core_bind_t *b = calloc(1, sizeof *b);
  if (!b) return wasmplug_error_new("out of memory");
  b->g = g;
  wasmplug_error_t *e = NULL;
  static const wasmplug_valkind_t drop_params[] = {WASMPLUG_I32};
  wasmplug_valkind_t params[WP_CABI_MAX_FLAT_PARAMS + 1], results[WP_CABI_MAX_FLAT_RESULTS];
  wasmplug_functype_t want = {0};
  wasmplug_func_callback_t cb;
  const wp_plugin_t *p = NULL;
  const wp_plugin_iface_t *in = NULL;
  if ((e = wp_plugin_set_find(g->set, mod, &p, &in))) goto fail;
  if ((e = wp_plugin_instances_get(g, p, &b->inst))) goto fail;
  b->state = b->inst->state;
  b->plugin = p->desc.name;
  if (!strncmp(name, "[resource-drop]", 15)) {
    if ((e = wp_plugin_instances_resource(g, mod, name + 15, &b->res))) goto fail;
    if (!(b->name = strdup(wp_cabi_resource_name(b->res)))) {
      e = wasmplug_error_new("out of memory");
      goto fail;
    }
    b->qualified = b->name;
    want = (wasmplug_functype_t){1, 0, drop_params, NULL};
    if (!functype_equal(&want, have)) {
      char *wit = wp_format("%s: drop an own<%s> handle", name, name + 15);
      e = mismatch(mod, name, wit, p->desc.name, &want, have);
      free(wit);
      goto fail;
    }
    cb = wp_plugin_core_drop;
  } else {
    const wp_plugin_export_t *x = wp_plugin_find_export(p, in, name);
    if (!x) {
      e = wasmplug_error_new("import \"%s\" \"%s\": plugin %s provides interface %s, which has no function '%s'", mod,
                             name, p->desc.name, in->id, name);
      goto fail;
    }
    const wp_wit_function_t *wf = &p->wit->interfaces[x->iface].funcs[x->func];
    if (wf->kind == WP_WIT_FUNC_ASYNC_FREESTANDING || wf->kind == WP_WIT_FUNC_ASYNC_METHOD ||
        wf->kind == WP_WIT_FUNC_ASYNC_STATIC) {
      /* its call may complete later, on the component runtime's event loop */
      e = wasmplug_error_new("import \"%s\" \"%s\": plugin %s implements it as an async function, which a "
                             "core module cannot call; make the guest a component (wasmplug component new)",
                             mod, name, p->desc.name);
      goto fail;
    }
    wasmplug_error_t *ce = wp_wit_cabi_func(b->inst->conv, wf, &b->f);
    if (ce) {
      e = wasmplug_error_new("import \"%s\" \"%s\": plugin %s: %s", mod, name, p->desc.name, wasmplug_error_message(ce));
      wasmplug_error_delete(ce);
      goto fail;
    }
    b->native = (wp_cabi_native_fn_t){x->fn, b->state, x->index, x->who, NULL, NULL};
    b->flat = x->flat;
    wp_cabi_native_call_head(&b->call, &b->native, g->arena);
    wp_cabi_native_call_start(&b->live, &b->call);
    b->handles = g->handles;
    b->qualified = x->qualified;
    wp_cabi_func_flatten(b->f, WP_CABI_LOWER, &b->sig);
    for (uint32_t i = 0; i < b->sig.nparams; i++) params[i] = core_kind(b->sig.params[i]);
    for (uint32_t i = 0; i < b->sig.nresults; i++) results[i] = core_kind(b->sig.results[i]);
    want = (wasmplug_functype_t){b->sig.nparams, b->sig.nresults, params, results};
    if (!functype_equal(&want, have)) {
      char *wit = wp_cabi_wit_func_text(p->wit, wf);
      e = mismatch(mod, name, wit, p->desc.name, &want, have);
      free(wit);
      goto fail;
    }
    wp_cabi_error_t *le = wp_cabi_func_native_args(b->f, &b->args);
    if (le) {
      e = wasmplug_error_new("import \"%s\" \"%s\": %s", mod, name, wp_cabi_error_message(le));
      wp_cabi_error_delete(le);
      goto fail;
    }
    b->res_size = b->f->result ? b->f->result->native.size : 0;
    b->res_align = b->f->result ? b->f->result->native.align : 1;
    for (size_t i = 0, k = 0; i < b->f->nparams; k += b->f->params[i]->nflat, i++) b->flat_at[i] = (uint32_t)k;
    if (!b->sig.params_indirect)
      for (size_t i = 0, k = 0; i < b->f->nparams; k += b->f->params[i]->nflat, i++)
        if (b->f->params[i]->kind == WP_CABI_OWN) {
          b->own_flat[b->nown] = (uint32_t)k;
          b->own_res[b->nown++] = b->f->params[i]->resource;
        }
    b->i32s = true;
    for (uint32_t i = 0; i < b->sig.nparams; i++) b->i32s = b->i32s && b->sig.params[i] == WP_CABI_I32;
    b->scalar = !b->sig.params_indirect && !b->sig.results_indirect && (!b->f->result || !b->f->result->has_pointers);
    for (size_t i = 0; i < b->f->nparams; i++) b->scalar = b->scalar && !b->f->params[i]->has_pointers;
    const wp_cabi_type_t *rt = b->f->result;
    b->ints = b->f->nparams <= 8 && !b->sig.params_indirect && !b->sig.results_indirect &&
              (!rt || (rt->kind >= WP_CABI_BOOL && rt->kind <= WP_CABI_U64) || rt->kind == WP_CABI_OWN);
    for (size_t i = 0; i < b->f->nparams; i++) {
      wp_cabi_kind_t k = b->f->params[i]->kind;
      b->ints = b->ints && ((k >= WP_CABI_BOOL && k <= WP_CABI_U64) || k == WP_CABI_BORROW);
    }
    if (b->ints) {
      for (size_t i = 0; i < b->f->nparams; i++) b->pkind[i] = (uint8_t)b->f->params[i]->kind;
      b->rkind = rt ? (uint8_t)rt->kind : 0;
    }
    cb = b->ints ? wp_plugin_core_fast_call : wp_plugin_core_call;
  }
  g->refs++; /* released by wp_plugin_core_bind_free when the linker goes */
  void *direct = cb == wp_plugin_core_fast_call || cb == wp_plugin_core_call
                     ? wp_plugin_core_direct(b, &want, cb == wp_plugin_core_fast_call)
                     : NULL;
  if ((e = direct ? wasmplug_linker_define_func_direct(linker, mod, name, &want, direct, b, wp_plugin_core_bind_free)
                  : wasmplug_linker_define_func(linker, mod, name, &want, cb, b, wp_plugin_core_bind_free))) {
    g->refs--;
    goto fail;
  }
  return NULL;
fail:
  free(b->name);
  free(b);
  return e;
}

void wp_plugin_instances_skip_unprovided(wp_plugin_instances_t *g, bool yes) { g->skip_unprovided = yes; }
void wp_plugin_instances_check_only(wp_plugin_instances_t *g) { g->check_only = true; }

wasmplug_error_t *wp_plugin_instances_define(wp_plugin_instances_t *g, wasmplug_linker_t *linker,
                                         const wasmplug_module_t *module) {
  if (g->dead) return wasmplug_error_new("plugin guest was torn down");
  wp_plugin_core_instances_init(g);
  size_t n = wasmplug_module_import_count(module);
  for (size_t i = 0; i < n; i++) {
    const char *mod, *name;
    wasmplug_externtype_t type;
    if (!wasmplug_module_import(module, i, &mod, &name, &type) || type.kind != WASMPLUG_EXTERN_FUNC ||
        !is_iface_name(mod))
      continue;
    bool seen = false; /* a module may import the same function twice */
    for (size_t j = 0; j < i && !seen; j++) {
      const char *m2, *n2;
      wasmplug_externtype_t t2;
      seen = wasmplug_module_import(module, j, &m2, &n2, &t2) && t2.kind == WASMPLUG_EXTERN_FUNC &&
             !strcmp(m2, mod) && !strcmp(n2, name);
    }
    if (seen) continue;
    /* Interfaces no plugin provides stay undefined when the linker is to
    ** make something of unknown imports (it says what). */
    const wp_plugin_t *pp;
    const wp_plugin_iface_t *pin;
    wasmplug_error_t *fe = g->skip_unprovided ? wp_plugin_set_find(g->set, mod, &pp, &pin) : NULL;
    if (fe) {
      wasmplug_error_delete(fe);
      continue;
    }
    wasmplug_error_t *e = define_one(g, linker, mod, name, &type.func);
    if (e) {
      /* Prefix set-level messages ("no plugin provides ...") with the import. */
      if (strncmp(wasmplug_error_message(e), "import ", 7)) {
        wp_buf_t ft = {0};
        functype_text(&ft, &type.func);
        wasmplug_error_t *w = wasmplug_error_new("import \"%s\" \"%s\" %s: %s", mod, name, ft.s ? ft.s : "",
                                                 wasmplug_error_message(e));
        free(ft.s);
        wasmplug_error_delete(e);
        e = w;
      }
      return e;
    }
  }
  return NULL;
}
