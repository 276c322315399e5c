/*
** wit.c — WIT types (src/wit) to canonical ABI type descriptors
** (src/cabi), memoized per WIT type index (cabi/wit.h).
**
** One converter serves one user (a plugin guest, an isolated plugin's wire
** types, one bindgen run): resource types are made through a hook so that
** a native plugin's carry the destructor bound to that guest's plugin
** state.  A resource is not a value type and is refused with the type's
** WIT text, as is whatever the type builders refuse (too deep, too large).
*/
#include "cabi/wit.h"
#include "core/buf.h"

#include <stdlib.h>
#include <string.h>

typedef struct func_rec {
  wp_cabi_func_t f;
  const wp_cabi_type_t **params;
  const char **names;
} func_rec_t;

struct wp_wit_cabi {
  const wp_wit_resolve_t *r;
  wp_cabi_types_t *types;
  const wp_cabi_type_t **memo;    /* per WIT type index */
  const wp_cabi_resource_t **res; /* per WIT type index (resources) */
  wp_wit_cabi_resource_hook_t hook;
  func_rec_t **funcs;
  size_t nfuncs;
};

wp_wit_cabi_t *wp_wit_cabi_new(const wp_wit_resolve_t *r, wp_wit_cabi_resource_hook_t hook) {
  wp_wit_cabi_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->r = r;
  c->hook = hook;
  c->types = wp_cabi_types_new();
  c->memo = calloc(r->n_types + 1, sizeof *c->memo);
  c->res = calloc(r->n_types + 1, sizeof *c->res);
  if (!c->types || !c->memo || !c->res) {
    wp_wit_cabi_delete(c);
    return NULL;
  }
  return c;
}

void wp_wit_cabi_delete(wp_wit_cabi_t *c) {
  if (!c) return;
  for (size_t i = 0; i < c->nfuncs; i++) {
    free(c->funcs[i]->params);
    free(c->funcs[i]->names);
    free(c->funcs[i]);
  }
  free(c->funcs);
  wp_cabi_types_delete(c->types);
  free(c->memo);
  free(c->res);
  free(c);
}

/* ---------------------------------------------------------------- text */

static void type_text(wp_buf_t *b, const wp_wit_resolve_t *r, wp_wit_type_t t) {
  if (t.kind == WP_WIT_T_NONE) {
    wp_buf_printf(b, "_");
    return;
  }
  if (t.kind != WP_WIT_T_ID) {
    wp_buf_printf(b, "%s", wp_wit_prim_name(t.kind));
    return;
  }
  if (t.id >= r->n_types) {
    wp_buf_printf(b, "?");
    return;
  }
  const wp_wit_typedef_t *d = &r->types[t.id];
  if (d->name) {
    wp_buf_printf(b, "%s", d->name);
    return;
  }
  switch (d->kind) {
  case WP_WIT_DEF_HANDLE:
    wp_buf_printf(b, "%s<%s>", d->borrow ? "borrow" : "own",
                         d->resource < r->n_types && r->types[d->resource].name ? r->types[d->resource].name : "?");
    return;
  case WP_WIT_DEF_TUPLE:
    wp_buf_printf(b, "tuple<");
    for (uint32_t i = 0; i < d->n_types; i++) {
      if (i) wp_buf_printf(b, ", ");
      type_text(b, r, d->types[i]);
    }
    wp_buf_printf(b, ">");
    return;
  case WP_WIT_DEF_OPTION: wp_buf_printf(b, "option<"); break;
  case WP_WIT_DEF_LIST: wp_buf_printf(b, "list<"); break;
  case WP_WIT_DEF_FUTURE: wp_buf_printf(b, "future<"); break;
  case WP_WIT_DEF_STREAM: wp_buf_printf(b, "stream<"); break;
  case WP_WIT_DEF_ALIAS: type_text(b, r, d->type); return;
  case WP_WIT_DEF_RESULT:
    if (d->type.kind == WP_WIT_T_NONE && d->type2.kind == WP_WIT_T_NONE) {
      wp_buf_printf(b, "result");
      return;
    }
    wp_buf_printf(b, "result<");
    type_text(b, r, d->type);
    if (d->type2.kind != WP_WIT_T_NONE) {
      wp_buf_printf(b, ", ");
      type_text(b, r, d->type2);
    }
    wp_buf_printf(b, ">");
    return;
  case WP_WIT_DEF_MAP:
    wp_buf_printf(b, "map<");
    type_text(b, r, d->type);
    wp_buf_printf(b, ", ");
    type_text(b, r, d->type2);
    wp_buf_printf(b, ">");
    return;
  case WP_WIT_DEF_FIXED_LIST:
    wp_buf_printf(b, "list<");
    type_text(b, r, d->type);
    wp_buf_printf(b, ", %u>", d->size);
    return;
  default: wp_buf_printf(b, "<anonymous>"); return;
  }
  if (d->type.kind == WP_WIT_T_NONE && (d->kind == WP_WIT_DEF_FUTURE || d->kind == WP_WIT_DEF_STREAM)) {
    b->len--; /* "future<" -> "future" */
    b->s[b->len] = 0;
    return;
  }
  type_text(b, r, d->type);
  wp_buf_printf(b, ">");
}

char *wp_cabi_wit_type_text(const wp_wit_resolve_t *r, wp_wit_type_t t) {
  wp_buf_t b = {0};
  type_text(&b, r, t);
  if (b.oom) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

char *wp_cabi_wit_func_text(const wp_wit_resolve_t *r, const wp_wit_function_t *f) {
  wp_buf_t b = {0};
  wp_buf_printf(&b, "%s: func(", f->name);
  for (uint32_t i = 0; i < f->n_params; i++) {
    wp_buf_printf(&b, "%s%s: ", i ? ", " : "", f->params[i].name);
    type_text(&b, r, f->params[i].type);
  }
  wp_buf_printf(&b, ")");
  if (f->result.kind != WP_WIT_T_NONE) {
    wp_buf_printf(&b, " -> ");
    type_text(&b, r, f->result);
  }
  if (b.oom) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

/* ----------------------------------------------------------- conversion */

static wasmplug_error_t *unsupported(wp_wit_cabi_t *c, wp_wit_type_t t, const char *why) {
  char *text = wp_cabi_wit_type_text(c->r, t);
  wasmplug_error_t *e = wasmplug_error_new("type %s: %s", text ? text : "?", why);
  free(text);
  return e;
}

static wasmplug_error_t *builder_failed(wp_wit_cabi_t *c, wp_wit_type_t t) {
  return unsupported(c, t, wp_cabi_types_error(c->types));
}

const wp_cabi_resource_t *wp_wit_cabi_resource(wp_wit_cabi_t *c, uint32_t id, wasmplug_error_t **err) {
  id = wp_wit_type_unalias(c->r, id);
  if (id >= c->r->n_types || c->r->types[id].kind != WP_WIT_DEF_RESOURCE) {
    *err = wasmplug_error_new("type index %u is not a resource", id);
    return NULL;
  }
  if (!c->res[id]) {
    const char *name = c->r->types[id].name;
    c->res[id] = c->hook.make ? c->hook.make(c->hook.ctx, c->types, c->r, id)
                              : wp_cabi_resource_type(c->types, name ? name : "?", NULL, NULL, NULL);
    if (!c->res[id]) *err = wasmplug_error_new("resource %s: %s", c->r->types[id].name ? c->r->types[id].name : "?",
                                               wp_cabi_types_error(c->types));
  }
  return c->res[id];
}

const wp_cabi_type_t *wp_wit_cabi_type(wp_wit_cabi_t *c, wp_wit_type_t t, wasmplug_error_t **err) {
  if (t.kind == WP_WIT_T_NONE) return NULL;
  if (t.kind == WP_WIT_T_ERROR_CONTEXT) {
    const wp_cabi_type_t *ty = wp_cabi_type_error_context(c->types);
    if (!ty) *err = builder_failed(c, t);
    return ty;
  }
  if (t.kind != WP_WIT_T_ID) {
    const wp_cabi_type_t *ty = wp_cabi_type_prim(c->types, (wp_cabi_kind_t)t.kind); /* the same numbers */
    if (!ty) *err = builder_failed(c, t);
    return ty;
  }
  if (t.id >= c->r->n_types) {
    *err = wasmplug_error_new("type index %u out of range", t.id);
    return NULL;
  }
  if (c->memo[t.id]) return c->memo[t.id];
  const wp_wit_typedef_t *d = &c->r->types[t.id];
  const wp_cabi_type_t *ty = NULL, *a = NULL, *b = NULL;
  uint32_t n = d->kind == WP_WIT_DEF_TUPLE ? d->n_types : d->n_fields;
  const wp_cabi_type_t **tys = calloc(n + 1, sizeof *tys);
  const char **names = calloc(n + 1, sizeof *names);
  if (!tys || !names) {
    free(tys);
    free(names);
    *err = wasmplug_error_new("out of memory");
    return NULL;
  }
  switch (d->kind) {
  case WP_WIT_DEF_ALIAS: ty = wp_wit_cabi_type(c, d->type, err); break;
  case WP_WIT_DEF_RECORD: case WP_WIT_DEF_VARIANT:
    for (uint32_t i = 0; i < n; i++) {
      names[i] = d->fields[i].name;
      if (d->fields[i].type.kind != WP_WIT_T_NONE && !(tys[i] = wp_wit_cabi_type(c, d->fields[i].type, err))) goto out;
    }
    ty = d->kind == WP_WIT_DEF_RECORD ? wp_cabi_type_record(c->types, n, names, tys)
                                      : wp_cabi_type_variant(c->types, n, names, tys);
    if (!ty) *err = builder_failed(c, t);
    break;
  case WP_WIT_DEF_FLAGS: case WP_WIT_DEF_ENUM:
    for (uint32_t i = 0; i < n; i++) names[i] = d->fields[i].name;
    ty = d->kind == WP_WIT_DEF_FLAGS ? wp_cabi_type_flags(c->types, n, names) : wp_cabi_type_enum(c->types, n, names);
    if (!ty) *err = builder_failed(c, t);
    break;
  case WP_WIT_DEF_TUPLE:
    for (uint32_t i = 0; i < n; i++)
      if (!(tys[i] = wp_wit_cabi_type(c, d->types[i], err))) goto out;
    if (!(ty = wp_cabi_type_tuple(c->types, n, tys))) *err = builder_failed(c, t);
    break;
  case WP_WIT_DEF_OPTION: case WP_WIT_DEF_LIST:
    if (!(a = wp_wit_cabi_type(c, d->type, err))) break;
    ty = d->kind == WP_WIT_DEF_OPTION ? wp_cabi_type_option(c->types, a) : wp_cabi_type_list(c->types, a);
    if (!ty) *err = builder_failed(c, t);
    break;
  case WP_WIT_DEF_FIXED_LIST:
    if (!(a = wp_wit_cabi_type(c, d->type, err))) break;
    if (!(ty = wp_cabi_type_fixed_list(c->types, a, d->size))) *err = builder_failed(c, t);
    break;
  case WP_WIT_DEF_MAP:
    if (!(a = wp_wit_cabi_type(c, d->type, err)) || !(b = wp_wit_cabi_type(c, d->type2, err))) break;
    if (!(ty = wp_cabi_type_map(c->types, a, b))) *err = builder_failed(c, t);
    break;
  case WP_WIT_DEF_RESULT:
    if (d->type.kind != WP_WIT_T_NONE && !(a = wp_wit_cabi_type(c, d->type, err))) break;
    if (d->type2.kind != WP_WIT_T_NONE && !(b = wp_wit_cabi_type(c, d->type2, err))) break;
    if (!(ty = wp_cabi_type_result(c->types, a, b))) *err = builder_failed(c, t);
    break;
  case WP_WIT_DEF_HANDLE: {
    const wp_cabi_resource_t *res = wp_wit_cabi_resource(c, d->resource, err);
    if (!res) break;
    ty = d->borrow ? wp_cabi_type_borrow(c->types, res) : wp_cabi_type_own(c->types, res);
    if (!ty) *err = builder_failed(c, t);
    break;
  }
  case WP_WIT_DEF_STREAM: case WP_WIT_DEF_FUTURE:
    if (d->type.kind != WP_WIT_T_NONE && !(a = wp_wit_cabi_type(c, d->type, err))) break;
    ty = d->kind == WP_WIT_DEF_STREAM ? wp_cabi_type_stream(c->types, a) : wp_cabi_type_future(c->types, a);
    if (!ty) *err = builder_failed(c, t);
    break;
  case WP_WIT_DEF_RESOURCE: *err = unsupported(c, t, "a resource is not a value type (use own<> or borrow<>)"); break;
  default: *err = unsupported(c, t, "not supported by native plugins"); break;
  }
out:
  free(tys);
  free(names);
  if (ty) c->memo[t.id] = ty;
  return ty;
}

wasmplug_error_t *wp_wit_cabi_func(wp_wit_cabi_t *c, const wp_wit_function_t *f, const wp_cabi_func_t **out) {
  *out = NULL;
  func_rec_t *rec = calloc(1, sizeof *rec);
  func_rec_t **nf = realloc(c->funcs, (c->nfuncs + 1) * sizeof *nf);
  if (nf) c->funcs = nf;
  if (!rec || !nf) {
    free(rec);
    return wasmplug_error_new("out of memory");
  }
  c->funcs[c->nfuncs++] = rec;
  rec->params = calloc(f->n_params + 1, sizeof *rec->params);
  rec->names = calloc(f->n_params + 1, sizeof *rec->names);
  if (!rec->params || !rec->names) return wasmplug_error_new("out of memory");
  wasmplug_error_t *e = NULL;
  for (uint32_t i = 0; i < f->n_params; i++) {
    rec->names[i] = f->params[i].name;
    if (!(rec->params[i] = wp_wit_cabi_type(c, f->params[i].type, &e))) {
      wasmplug_error_t *w = wasmplug_error_new("function %s, parameter %s: %s", f->name, f->params[i].name,
                                               e ? wasmplug_error_message(e) : "no type");
      wasmplug_error_delete(e);
      return w;
    }
  }
  if (f->result.kind != WP_WIT_T_NONE && !(rec->f.result = wp_wit_cabi_type(c, f->result, &e))) {
    wasmplug_error_t *w = wasmplug_error_new("function %s, result: %s", f->name, wasmplug_error_message(e));
    wasmplug_error_delete(e);
    return w;
  }
  rec->f.nparams = f->n_params;
  rec->f.params = rec->params;
  rec->f.param_names = rec->names;
  *out = &rec->f;
  return NULL;
}
