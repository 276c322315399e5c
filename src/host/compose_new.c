/*
** compose_new.c — `wasmplug component new`: a core module and the WIT world
** it was built for become a component, the module's WASI preview1 imports
** satisfied by an adapter module (wasmplug_component_new_from_module,
** wasmplug/host.h).  What wit-component's `component new` does, for what a
** C guest needs.
**
** Layout of the output, in the order the runtime instantiates it:
**
**   import    the world's imported interfaces (instance types encoded from
**             the resolved WIT: types, resources, `use` across interfaces),
**             then those the adapter needs (WASI 0.2, from the WIT of the
**             built-in wasi-p2 plugin), each once
**   core module  main (its component-type sections dropped), the adapters,
**             a shim and a fixup module (generated here)
**   shim      exports, for every import that cannot be made before the main
**             module exists (a lowering that needs the main module's memory
**             or realloc, or a function of an adapter, which itself needs
**             that memory), a function calling through a table
**   main      instantiated with, per import module, direct lowerings,
**             resource.drop built-ins and shim functions
**   adapters  instantiated with main's memory (env), the main exports they
**             import (__main_module__), and their WASI lowerings (realloc:
**             the adapter's cabi_import_realloc)
**   fixup     fills the shim's table with the real lowerings and adapter
**             functions, then (its start function) runs main's _initialize
**   export    the world's exported interfaces, lifted from main (or, for
**             wasi:cli/run under the command adapter, from the adapter)
**
** Every item is a section of its own: the binary format allows any order,
** and so each index is known when it is written.  Limits (refused with a
** message naming the item): exported functions whose types use named types
** (records, variants, enums, flags, resources), exported resources, async
** functions, streams and futures.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/component.h"
#include "core/error.h"
#include "host/compose_internal.h"
#include "host/host_internal.h"
#include "wasi/p2.h"
#include "cabi/wit.h"
#include "core/leb.h"
#include "wit/wit.h"

#define leb wp_compose_leb
#define str wp_compose_str
#define section wp_compose_section
#define NONE UINT32_MAX

/* Component sections and sorts (Binary.md). */
enum { SEC_CORE_MODULE = 1, SEC_CORE_INSTANCE = 2, SEC_INSTANCE = 5, SEC_ALIAS = 6, SEC_TYPE = 7, SEC_CANON = 8,
       SEC_IMPORT = 10, SEC_EXPORT = 11 };
enum { CORE_FUNC = 0x00, CORE_TABLE = 0x01, CORE_MEMORY = 0x02 };
enum { SORT_CORE = 0x00, SORT_FUNC = 0x01, SORT_TYPE = 0x03, SORT_INSTANCE = 0x05 };

/* An interface imported by the component: which resolve, which interface. */
typedef struct iface_import iface_import;
struct iface_import {
  const wp_wit_resolve_t *r;
  uint32_t iface;
  char *id;          /* "ns:pkg/name@ver" */
  uint32_t inst;     /* its component instance index */
  bool done;         /* imported */
};

/* A core module to instantiate: its bytes and decoded interface. */
typedef struct module {
  const char *name;  /* "main", or the adapter's name */
  const uint8_t *bytes;
  size_t len;
  wp_comp *wrap;     /* the module decoded inside a one-module component */
  uint8_t *wrap_bytes; /* that component's bytes (wrap points into them) */
  wp_buf_t patched;  /* an adapter given its stack globals as exports */
  bool stack;        /* ...which fixup sets (with_stack_exports) */
  const wp_comp_core_iface *iface;
  uint32_t index;    /* core module index */
  uint32_t inst;     /* core instance index once instantiated */
} module;

/* A function made through the shim (a slot of its table). */
typedef struct shim_slot {
  const wp_comp_core_functype *type;
  int kind;          /* 0: lowering of comp func `func`; 1: export `name` of adapter `adapter` */
  uint32_t func;     /* component func index */
  const module *via; /* whose realloc the lowering uses (main or an adapter) */
  bool realloc;
  const module *adapter;
  struct iface_import *ii; /* kind 0: the interface of `func` */
  char *name;
} shim_slot;

typedef struct enc {
  wp_buf_t out;
  char err[1024];
  bool failed;
  uint32_t ntypes, nfuncs, ninsts, ncfuncs, ncinsts, ncmods, ncmems, nctables;
  iface_import *imps;
  size_t nimps;
  shim_slot *slots;
  size_t nslots;
  uint32_t shim_inst, mem, main_realloc;
  uint32_t realloc_inst;  /* a core instance exporting cabi_realloc for the adapters (main, or the grow module) */
  const wp_wit_resolve_t *user, *wasi;
} enc;

static void fail(enc *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(enc *e, const char *fmt, ...) {
  if (e->failed) return;
  e->failed = true;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->err, sizeof e->err, fmt, ap);
  va_end(ap);
}

/* ------------------------------------------------------------ WIT types */

static const wp_wit_typedef_t *def(const wp_wit_resolve_t *r, wp_wit_type_t t) {
  return t.kind == WP_WIT_T_ID ? &r->types[t.id] : NULL;
}

/* What a function's canonical options must be: from the canonical ABI
** layer's descriptors of its WIT types (flattening, pointers). */
typedef struct needs {
  bool memory, realloc_lower, realloc_lift;
} needs;

static needs func_needs(enc *e, const wp_wit_resolve_t *r, const wp_wit_function_t *f) {
  needs n = {false, false, false};
  wp_wit_cabi_t *c = wp_wit_cabi_new(r, (wp_wit_cabi_resource_hook_t){NULL, NULL});
  const wp_cabi_func_t *ft = NULL;
  wasmplug_error_t *err = c ? wp_wit_cabi_func(c, f, &ft) : wasmplug_error_new("out of memory");
  if (err) {
    fail(e, "component new: function `%s`: %s", f->name, wasmplug_error_message(err));
    wasmplug_error_delete(err);
  } else {
    bool pp = false, rp = ft->result && ft->result->has_pointers;
    uint32_t np = 0, nr = ft->result ? ft->result->nflat : 0;
    for (size_t i = 0; i < ft->nparams; i++) {
      np += ft->params[i]->nflat;
      pp |= ft->params[i]->has_pointers;
    }
    n.memory = pp || rp || np > WP_CABI_MAX_FLAT_PARAMS || nr > WP_CABI_MAX_FLAT_RESULTS;
    n.realloc_lower = rp;                                /* results land in the caller's memory */
    n.realloc_lift = pp || np > WP_CABI_MAX_FLAT_PARAMS; /* arguments land in the callee's memory */
  }
  wp_wit_cabi_delete(c);
  return n;
}

/* Whether a type is anonymous all the way down (what an exported function
** may use here: no named type to export alongside it). */
static bool anonymous(const wp_wit_resolve_t *r, wp_wit_type_t t, int depth) {
  if (t.kind != WP_WIT_T_ID) return true;
  if (depth > 64) return false;
  const wp_wit_typedef_t *d = def(r, t);
  if (d->name) return false;
  switch (d->kind) {
  case WP_WIT_DEF_LIST: case WP_WIT_DEF_OPTION: case WP_WIT_DEF_FIXED_LIST: return anonymous(r, d->type, depth + 1);
  case WP_WIT_DEF_RESULT: return anonymous(r, d->type, depth + 1) && anonymous(r, d->type2, depth + 1);
  case WP_WIT_DEF_TUPLE:
    for (uint32_t i = 0; i < d->n_types; i++)
      if (!anonymous(r, d->types[i], depth + 1)) return false;
    return true;
  default: return false;
  }
}

/* ------------------------------------------------------- type encoding
**
** A type context writes type definitions where they are needed: into an
** instance type's declarations (`inst`), or as component-level type
** sections.  `map` gives, per WIT type id, the index the context knows it
** by (NONE until defined). */
typedef struct tctx {
  enc *e;
  const wp_wit_resolve_t *r;
  wp_buf_t *decls;  /* instance type declarations, or NULL: component level */
  uint32_t ndecls;
  uint32_t next;    /* instance type: the next local type index */
  uint32_t *map;
} tctx;

static void prim(wp_buf_t *b, wp_wit_type_kind_t k) {
  static const uint8_t codes[] = {[WP_WIT_T_BOOL] = 0x7f, [WP_WIT_T_S8] = 0x7e, [WP_WIT_T_U8] = 0x7d,
                                  [WP_WIT_T_S16] = 0x7c, [WP_WIT_T_U16] = 0x7b, [WP_WIT_T_S32] = 0x7a,
                                  [WP_WIT_T_U32] = 0x79, [WP_WIT_T_S64] = 0x78, [WP_WIT_T_U64] = 0x77,
                                  [WP_WIT_T_F32] = 0x76, [WP_WIT_T_F64] = 0x75, [WP_WIT_T_CHAR] = 0x74,
                                  [WP_WIT_T_STRING] = 0x73};
  wp_buf_byte(b, codes[k]);
}

/* Adds a type definition (deftype bytes); its index. */
static uint32_t add_type(tctx *c, const wp_buf_t *deftype) {
  if (c->decls) {
    wp_buf_byte(c->decls, 0x01);
    wp_buf_put(c->decls, deftype->s, deftype->len);
    c->ndecls++;
    return c->next++;
  }
  section(&c->e->out, SEC_TYPE, 1, deftype);
  return c->e->ntypes++;
}

static void valtype(tctx *c, wp_buf_t *b, wp_wit_type_t t);

static void label(wp_buf_t *b, const char *s) { str(b, s, strlen(s)); }

/* The defvaltype of typedef `id` into b (its parts defined first). */
static void defvaltype(tctx *c, wp_buf_t *b, uint32_t id) {
  const wp_wit_typedef_t *d = &c->r->types[id];
  switch (d->kind) {
  case WP_WIT_DEF_ALIAS: valtype(c, b, d->type); return; /* a primitive or an index */
  case WP_WIT_DEF_RECORD: {
    wp_buf_t f = {0};
    for (uint32_t i = 0; i < d->n_fields; i++) {
      label(&f, d->fields[i].name);
      valtype(c, &f, d->fields[i].type);
    }
    wp_buf_byte(b, 0x72);
    leb(b, d->n_fields);
    wp_buf_put(b, f.s, f.len);
    free(f.s);
    return;
  }
  case WP_WIT_DEF_VARIANT: {
    wp_buf_t f = {0};
    for (uint32_t i = 0; i < d->n_fields; i++) {
      label(&f, d->fields[i].name);
      if (d->fields[i].type.kind == WP_WIT_T_NONE) wp_buf_byte(&f, 0x00);
      else {
        wp_buf_byte(&f, 0x01);
        valtype(c, &f, d->fields[i].type);
      }
      wp_buf_byte(&f, 0x00); /* no refines */
    }
    wp_buf_byte(b, 0x71);
    leb(b, d->n_fields);
    wp_buf_put(b, f.s, f.len);
    free(f.s);
    return;
  }
  case WP_WIT_DEF_LIST: case WP_WIT_DEF_OPTION: {
    wp_buf_t f = {0};
    valtype(c, &f, d->type);
    wp_buf_byte(b, d->kind == WP_WIT_DEF_LIST ? 0x70 : 0x6b);
    wp_buf_put(b, f.s, f.len);
    free(f.s);
    return;
  }
  case WP_WIT_DEF_FIXED_LIST: {
    wp_buf_t f = {0};
    valtype(c, &f, d->type);
    wp_buf_byte(b, 0x67);
    wp_buf_put(b, f.s, f.len);
    leb(b, d->size);
    free(f.s);
    return;
  }
  case WP_WIT_DEF_TUPLE: {
    wp_buf_t f = {0};
    for (uint32_t i = 0; i < d->n_types; i++) valtype(c, &f, d->types[i]);
    wp_buf_byte(b, 0x6f);
    leb(b, d->n_types);
    wp_buf_put(b, f.s, f.len);
    free(f.s);
    return;
  }
  case WP_WIT_DEF_FLAGS: case WP_WIT_DEF_ENUM:
    wp_buf_byte(b, d->kind == WP_WIT_DEF_FLAGS ? 0x6e : 0x6d);
    leb(b, d->n_fields);
    for (uint32_t i = 0; i < d->n_fields; i++) label(b, d->fields[i].name);
    return;
  case WP_WIT_DEF_RESULT: {
    wp_buf_t f = {0};
    for (int k = 0; k < 2; k++) {
      wp_wit_type_t x = k ? d->type2 : d->type;
      if (x.kind == WP_WIT_T_NONE) wp_buf_byte(&f, 0x00);
      else {
        wp_buf_byte(&f, 0x01);
        valtype(c, &f, x);
      }
    }
    wp_buf_byte(b, 0x6a);
    wp_buf_put(b, f.s, f.len);
    free(f.s);
    return;
  }
  case WP_WIT_DEF_HANDLE: {
    uint32_t res = c->map[d->resource];
    if (res == NONE) res = c->map[wp_wit_type_unalias(c->r, d->resource)];
    if (res == NONE) {
      fail(c->e, "component new: resource `%s` is used where it is not defined", c->r->types[d->resource].name);
      res = 0;
    }
    wp_buf_byte(b, d->borrow ? 0x68 : 0x69);
    leb(b, res);
    return;
  }
  default:
    fail(c->e, "component new: WIT type `%s` (streams, futures, maps) is not supported here",
         d->name ? d->name : "(anonymous)");
    wp_buf_byte(b, 0x7f);
    return;
  }
}

/* The index of typedef `id`, defined now when it is anonymous. */
static uint32_t type_index(tctx *c, uint32_t id) {
  if (c->map[id] != NONE) return c->map[id];
  const wp_wit_typedef_t *d = &c->r->types[id];
  if (d->name && d->kind != WP_WIT_DEF_ALIAS) {
    fail(c->e, "component new: type `%s` is used where it is not defined (exported functions may use only "
               "anonymous types such as list<u8>, option<T>, result<T, E>, tuple<...>)",
         d->name);
    return 0;
  }
  wp_buf_t b = {0};
  defvaltype(c, &b, id);
  uint32_t idx = add_type(c, &b);
  free(b.s);
  c->map[id] = idx;
  return idx;
}

static void valtype(tctx *c, wp_buf_t *b, wp_wit_type_t t) {
  if (t.kind == WP_WIT_T_ID) {
    const wp_wit_typedef_t *d = &c->r->types[t.id];
    /* an alias of a primitive is that primitive (unless it has a name of its own) */
    if (d->kind == WP_WIT_DEF_ALIAS && c->map[t.id] == NONE && d->type.kind != WP_WIT_T_ID) {
      prim(b, d->type.kind);
      return;
    }
    wp_compose_sleb(b, type_index(c, t.id)); /* an index is an s33 here */
    return;
  }
  if (t.kind == WP_WIT_T_ERROR_CONTEXT || t.kind == WP_WIT_T_NONE) {
    fail(c->e, "component new: error-context values are not supported here");
    wp_buf_byte(b, 0x7f);
    return;
  }
  prim(b, t.kind);
}

/* A function type; its index. */
static uint32_t func_type(tctx *c, const wp_wit_function_t *f) {
  /* an async function's type is 0x43; the module's import of it is a
  ** synchronous lower (the call waits), as bindgen's guest side makes it */
  bool async = f->kind == WP_WIT_FUNC_ASYNC_FREESTANDING || f->kind == WP_WIT_FUNC_ASYNC_METHOD ||
               f->kind == WP_WIT_FUNC_ASYNC_STATIC;
  wp_buf_t b = {0};
  wp_buf_t ps = {0};
  for (uint32_t i = 0; i < f->n_params; i++) {
    label(&ps, f->params[i].name);
    valtype(c, &ps, f->params[i].type);
  }
  wp_buf_byte(&b, async ? 0x43 : 0x40);
  leb(&b, f->n_params);
  wp_buf_put(&b, ps.s, ps.len);
  if (f->result.kind == WP_WIT_T_NONE) {
    wp_buf_byte(&b, 0x01);
    wp_buf_byte(&b, 0x00);
  } else {
    wp_buf_byte(&b, 0x00);
    valtype(c, &b, f->result);
  }
  uint32_t idx = add_type(c, &b);
  free(ps.s);
  free(b.s);
  return idx;
}

/* --------------------------------------------------------- aliases etc. */

/* (alias export $inst "name" (SORT)): the new index of that sort. */
static uint32_t alias_export(enc *e, uint8_t sort, uint32_t inst, const char *name) {
  wp_buf_t b = {0};
  wp_buf_byte(&b, sort);
  wp_buf_byte(&b, 0x00);
  leb(&b, inst);
  label(&b, name);
  section(&e->out, SEC_ALIAS, 1, &b);
  free(b.s);
  return sort == SORT_FUNC ? e->nfuncs++ : sort == SORT_TYPE ? e->ntypes++ : e->ninsts++;
}

/* (alias core export $inst "name" (core SORT)). */
static uint32_t alias_core(enc *e, uint8_t csort, uint32_t inst, const char *name) {
  wp_buf_t b = {0};
  wp_buf_byte(&b, SORT_CORE);
  wp_buf_byte(&b, csort);
  wp_buf_byte(&b, 0x01);
  leb(&b, inst);
  label(&b, name);
  section(&e->out, SEC_ALIAS, 1, &b);
  free(b.s);
  return csort == CORE_FUNC ? e->ncfuncs++ : csort == CORE_MEMORY ? e->ncmems++ : e->nctables++;
}

/* ------------------------------------------------------------ imports */

/* The interface of resolve r named `want` ("ns:pkg/name", version
** ignored), or NONE. */
static uint32_t find_iface(const wp_wit_resolve_t *r, const char *want, size_t wlen) {
  for (uint32_t i = 0; i < r->n_interfaces; i++) {
    char *id = r->interfaces[i].name ? wp_wit_interface_id(r, i) : NULL;
    bool same = id && !strncmp(id, want, wlen) && (id[wlen] == 0 || id[wlen] == '@');
    free(id);
    if (same) return i;
  }
  return NONE;
}

static iface_import *imported(enc *e, const wp_wit_resolve_t *r, uint32_t iface) {
  for (size_t i = 0; i < e->nimps; i++)
    if (e->imps[i].r == r && e->imps[i].iface == iface) return &e->imps[i];
  return NULL;
}

/* An import of interface `name` of any resolve, by name without version. */
static iface_import *imported_name(enc *e, const char *name, size_t len) {
  for (size_t i = 0; i < e->nimps; i++) {
    const char *id = e->imps[i].id;
    if (!strncmp(id, name, len) && (id[len] == 0 || id[len] == '@')) return &e->imps[i];
  }
  return NULL;
}

/* Imports interface `iface` of r, after the interfaces whose types it uses. */
static void import_iface(enc *e, const wp_wit_resolve_t *r, uint32_t iface, int depth) {
  if (e->failed || depth > 64) return;
  iface_import *have = imported(e, r, iface);
  if (have) return;
  char *id = wp_wit_interface_id(r, iface);
  if (!id) return fail(e, "out of memory");
  /* the same interface from the other resolve (the world's WIT may carry
  ** WASI too): import it once */
  for (size_t i = 0; i < e->nimps; i++)
    if (!strcmp(e->imps[i].id, id)) {
      free(id);
      return;
    }
  const wp_wit_interface_t *in = &r->interfaces[iface];
  /* dependencies: the interfaces the `use`d types come from */
  for (uint32_t t = 0; t < r->n_types; t++) {
    const wp_wit_typedef_t *d = &r->types[t];
    if (d->owner_kind != WP_WIT_OWNER_INTERFACE || d->owner != iface || d->kind != WP_WIT_DEF_ALIAS ||
        d->type.kind != WP_WIT_T_ID)
      continue;
    const wp_wit_typedef_t *tgt = &r->types[d->type.id];
    if (tgt->owner_kind == WP_WIT_OWNER_INTERFACE && tgt->owner != iface) import_iface(e, r, tgt->owner, depth + 1);
  }
  if (e->failed) {
    free(id);
    return;
  }
  uint32_t *map = malloc((r->n_types + 1) * sizeof *map);
  if (!map) {
    free(id);
    return fail(e, "out of memory");
  }
  for (uint32_t t = 0; t <= r->n_types; t++) map[t] = NONE;
  wp_buf_t decls = {0};
  tctx c = {e, r, &decls, 0, 0, map};
  /* types owned by the interface, in resolve (topological) order */
  for (uint32_t t = 0; t < r->n_types && !e->failed; t++) {
    const wp_wit_typedef_t *d = &r->types[t];
    if (d->owner_kind != WP_WIT_OWNER_INTERFACE || d->owner != iface || !d->name) continue;
    const wp_wit_typedef_t *tgt = d->kind == WP_WIT_DEF_ALIAS && d->type.kind == WP_WIT_T_ID ? &r->types[d->type.id] : NULL;
    if (tgt && tgt->owner_kind == WP_WIT_OWNER_INTERFACE && tgt->owner != iface) {
      /* `use j.{t}`: the component's alias of j's export, brought in by
      ** an outer alias, exported under the local name */
      iface_import *j = imported(e, r, tgt->owner);
      if (!j) {
        fail(e, "component new: %s uses a type of an interface that is not imported", id);
        break;
      }
      uint32_t ct = alias_export(e, SORT_TYPE, j->inst, tgt->name);
      wp_buf_byte(&decls, 0x02); /* alias */
      wp_buf_byte(&decls, SORT_TYPE);
      wp_buf_byte(&decls, 0x02); /* outer */
      leb(&decls, 1);
      leb(&decls, ct);
      c.ndecls++;
      uint32_t local = c.next++;
      wp_buf_byte(&decls, 0x04); /* export */
      wp_buf_byte(&decls, 0x00);
      label(&decls, d->name);
      wp_buf_byte(&decls, 0x03); /* type bound: eq */
      wp_buf_byte(&decls, 0x00);
      leb(&decls, local);
      c.ndecls++;
      map[t] = c.next++;
      map[d->type.id] = map[t];
      map[wp_wit_type_unalias(r, t)] = map[t];
      continue;
    }
    if (d->kind == WP_WIT_DEF_RESOURCE) {
      wp_buf_byte(&decls, 0x04);
      wp_buf_byte(&decls, 0x00);
      label(&decls, d->name);
      wp_buf_byte(&decls, 0x03); /* type bound: sub resource */
      wp_buf_byte(&decls, 0x01);
      c.ndecls++;
      map[t] = c.next++;
      continue;
    }
    wp_buf_t b = {0};
    defvaltype(&c, &b, t);
    uint32_t local = add_type(&c, &b);
    free(b.s);
    wp_buf_byte(&decls, 0x04);
    wp_buf_byte(&decls, 0x00);
    label(&decls, d->name);
    wp_buf_byte(&decls, 0x03);
    wp_buf_byte(&decls, 0x00);
    leb(&decls, local);
    c.ndecls++;
    map[t] = c.next++;
  }
  for (uint32_t f = 0; f < in->n_funcs && !e->failed; f++) {
    uint32_t ft = func_type(&c, &in->funcs[f]);
    wp_buf_byte(&decls, 0x04);
    wp_buf_byte(&decls, 0x00);
    label(&decls, in->funcs[f].name);
    wp_buf_byte(&decls, 0x01); /* func of type */
    leb(&decls, ft);
    c.ndecls++;
  }
  free(map);
  if (e->failed) {
    free(decls.s);
    free(id);
    return;
  }
  wp_buf_t ty = {0};
  wp_buf_byte(&ty, 0x42);
  leb(&ty, c.ndecls);
  wp_buf_put(&ty, decls.s, decls.len);
  free(decls.s);
  section(&e->out, SEC_TYPE, 1, &ty);
  free(ty.s);
  uint32_t tidx = e->ntypes++;
  wp_buf_t im = {0};
  wp_buf_byte(&im, 0x00);
  label(&im, id);
  wp_buf_byte(&im, SORT_INSTANCE);
  leb(&im, tidx);
  section(&e->out, SEC_IMPORT, 1, &im);
  free(im.s);
  iface_import *n = realloc(e->imps, (e->nimps + 1) * sizeof *n);
  if (!n) {
    free(id);
    return fail(e, "out of memory");
  }
  e->imps = n;
  e->imps[e->nimps++] = (iface_import){r, iface, id, e->ninsts++, true};
}

/* ------------------------------------------------------ core modules */

/* Decodes a core module's interface (imports and exports with types) by
** reading it as the one module of a component. */
static void module_load(enc *e, module *m, const uint8_t *bytes, size_t len, const char *name) {
  m->name = name;
  m->bytes = bytes;
  m->len = len;
  wp_buf_t b = {0};
  static const uint8_t preamble[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  wp_buf_put(&b, preamble, sizeof preamble);
  wp_buf_byte(&b, SEC_CORE_MODULE);
  leb(&b, len);
  wp_buf_put(&b, bytes, len);
  char why[1024];
  if (b.oom) fail(e, "out of memory");
  else if (wp_comp_load((const uint8_t *)b.s, b.len, name, &m->wrap, why, sizeof why))
    fail(e, "component new: %s: %s", name, why);
  else
    m->iface = &m->wrap->core_modules[0].iface;
  if (m->wrap) m->wrap_bytes = (uint8_t *)b.s; /* the decoded interface points into them */
  else free(b.s);
}

static void module_free(module *m) {
  wp_comp_delete(m->wrap);
  free(m->wrap_bytes);
  free(m->patched.s);
}

static bool str_is(wp_comp_str s, const char *z) { return s.len == strlen(z) && !memcmp(s.ptr, z, s.len); }

static const wp_comp_core_export *module_export(const module *m, const char *name) {
  for (uint32_t i = 0; i < m->iface->nexports; i++)
    if (str_is(m->iface->exports[i].name, name)) return &m->iface->exports[i];
  return NULL;
}

/* The module's bytes without its component-type custom sections (they
** describe a world for a tool; the component says it itself now). */
static void stripped(const uint8_t *b, size_t len, wp_buf_t *out) {
  wp_buf_put(out, b, 8);
  size_t at = 8;
  while (at < len) {
    size_t start = at++, n;
    uint64_t size;
    if (wp_leb_unsigned(b + at, b + len, 32, &size, &n) || size > len - at - n) {
      wp_buf_put(out, b + start, len - start); /* malformed: left as it is (decoding refused it already) */
      return;
    }
    at += n;
    uint64_t nlen = 0;
    size_t k = 0;
    bool drop = b[start] == 0 && !wp_leb_unsigned(b + at, b + at + size, 32, &nlen, &k) && nlen <= size - k &&
                nlen >= 14 && !memcmp(b + at + k, "component-type", 14);
    if (!drop) wp_buf_put(out, b + start, at - start + size);
    at += size;
  }
}

/* The index of the global named `name` in the module's name section
** (subsection 7), or NONE. */
static uint32_t global_named(const uint8_t *b, size_t len, const char *name) {
  size_t at = 8, n;
  uint64_t size, v;
  while (at < len) {
    uint8_t id = b[at++];
    if (wp_leb_unsigned(b + at, b + len, 32, &size, &n) || size > len - at - n) return NONE;
    at += n;
    const uint8_t *p = b + at, *end = p + size;
    at += size;
    if (id != 0 || wp_leb_unsigned(p, end, 32, &v, &n) || v > (uint64_t)(end - p) - n) continue;
    if (v != 4 || memcmp(p + n, "name", 4)) continue;
    p += n + 4;
    while (p < end) {
      uint8_t sub = *p++;
      uint64_t sl, cnt;
      if (wp_leb_unsigned(p, end, 32, &sl, &n) || sl > (uint64_t)(end - p) - n) return NONE;
      p += n;
      const uint8_t *q = p, *qe = p + sl;
      p += sl;
      if (sub != 7 || wp_leb_unsigned(q, qe, 32, &cnt, &n)) continue;
      q += n;
      for (uint64_t i = 0; i < cnt; i++) {
        uint64_t idx, nl;
        if (wp_leb_unsigned(q, qe, 32, &idx, &n)) return NONE;
        q += n;
        if (wp_leb_unsigned(q, qe, 32, &nl, &n) || nl > (uint64_t)(qe - q) - n) return NONE;
        q += n;
        if (nl == strlen(name) && !memcmp(q, name, nl)) return (uint32_t)idx;
        q += nl;
      }
    }
  }
  return NONE;
}

/* An adapter that allocates its own stack lazily (wasmtime's preview1
** adapter: __stack_pointer and allocation_state start at 0, and every
** export would first allocate 64 KiB through the main module's
** cabi_realloc: wit-component injects that call).  Here the stack is
** allocated once, eagerly, by the fixup's start function: the adapter is
** given two more exports, its globals, which fixup sets. */
#define ADAPTER_STACK 65536
#define ADAPTER_SP "wasmplug:adapter-stack-pointer"
#define ADAPTER_STATE "wasmplug:adapter-allocation-state"

static bool with_stack_exports(const uint8_t *b, size_t len, uint32_t sp, uint32_t state, wp_buf_t *out) {
  wp_buf_put(out, b, 8);
  size_t at = 8, n;
  bool done = false;
  while (at < len) {
    size_t start = at++;
    uint64_t size;
    if (wp_leb_unsigned(b + at, b + len, 32, &size, &n) || size > len - at - n) return false;
    at += n;
    uint64_t cnt;
    size_t k;
    if (b[start] == 7 && !done && !wp_leb_unsigned(b + at, b + at + size, 32, &cnt, &k)) {
      wp_buf_t body = {0};
      leb(&body, cnt + 2);
      wp_buf_put(&body, b + at + k, size - k);
      label(&body, ADAPTER_SP);
      wp_buf_byte(&body, 0x03);
      leb(&body, sp);
      label(&body, ADAPTER_STATE);
      wp_buf_byte(&body, 0x03);
      leb(&body, state);
      section(out, 7, -1, &body);
      free(body.s);
      done = true;
    } else {
      wp_buf_put(out, b + start, at - start + size);
    }
    at += size;
  }
  return done;
}

static void embed_module(enc *e, module *m, const uint8_t *bytes, size_t len) {
  wp_buf_t b = {0};
  wp_buf_put(&b, bytes, len);
  section(&e->out, SEC_CORE_MODULE, -1, &b);
  free(b.s);
  m->index = e->ncmods++;
}

/* A core module written here: the shim or the fixup. */
typedef struct core_writer {
  wp_buf_t types, imports, funcs, tables, exports, start, elems, code;
  uint32_t ntypes, nimports, nfuncs, ntables, nexports, nelems;
} core_writer;

static void core_functype(wp_buf_t *b, const wp_comp_core_functype *t) {
  wp_buf_byte(b, 0x60);
  leb(b, t->nparams);
  wp_buf_put(b, t->params, t->nparams);
  leb(b, t->nresults);
  wp_buf_put(b, t->results, t->nresults);
}

static void core_finish(enc *e, core_writer *w, module *m) {
  wp_buf_t b = {0};
  static const uint8_t head[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  wp_buf_put(&b, head, sizeof head);
  if (w->ntypes) section(&b, 1, w->ntypes, &w->types);
  if (w->nimports) section(&b, 2, w->nimports, &w->imports);
  if (w->nfuncs) section(&b, 3, w->nfuncs, &w->funcs);
  if (w->ntables) section(&b, 4, w->ntables, &w->tables);
  if (w->nexports) section(&b, 7, w->nexports, &w->exports);
  if (w->start.len) section(&b, 8, -1, &w->start);
  if (w->nelems) section(&b, 9, w->nelems, &w->elems);
  if (w->nfuncs) section(&b, 10, w->nfuncs, &w->code);
  wp_buf_t *all[] = {&w->types, &w->imports, &w->funcs, &w->tables, &w->exports, &w->start, &w->elems, &w->code};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    if (all[i]->oom) b.oom = true;
    free(all[i]->s);
  }
  m->name = "shim";
  embed_module(e, m, (const uint8_t *)b.s, b.len);
  if (b.oom) e->out.oom = true;
  free(b.s);
}

/* The shim: function i calls slot i of its table "$imports". */
static void write_shim(enc *e, module *m) {
  core_writer w = {0};
  for (size_t i = 0; i < e->nslots; i++) {
    core_functype(&w.types, e->slots[i].type);
    w.ntypes++;
    leb(&w.funcs, i);
    w.nfuncs++;
    char name[24];
    snprintf(name, sizeof name, "%zu", i);
    label(&w.exports, name);
    wp_buf_byte(&w.exports, 0x00);
    leb(&w.exports, i);
    w.nexports++;
    wp_buf_t body = {0};
    leb(&body, 0); /* no locals */
    for (uint32_t k = 0; k < e->slots[i].type->nparams; k++) {
      wp_buf_byte(&body, 0x20); /* local.get */
      leb(&body, k);
    }
    wp_buf_byte(&body, 0x41); /* i32.const i */
    wp_compose_sleb(&body, (int64_t)i);
    wp_buf_byte(&body, 0x11); /* call_indirect type i, table 0 */
    leb(&body, i);
    wp_buf_byte(&body, 0x00);
    wp_buf_byte(&body, 0x0b);
    leb(&w.code, body.len);
    wp_buf_put(&w.code, body.s, body.len);
    if (body.oom) w.code.oom = true;
    free(body.s);
  }
  wp_buf_byte(&w.tables, 0x70);
  wp_buf_byte(&w.tables, 0x01);
  leb(&w.tables, e->nslots);
  leb(&w.tables, e->nslots);
  w.ntables = 1;
  label(&w.exports, "$imports");
  wp_buf_byte(&w.exports, 0x01);
  leb(&w.exports, 0);
  w.nexports++;
  core_finish(e, &w, m);
}

/* The fixup: imports the real functions and the shim's table, fills the
** table (an active element segment), then its start function gives each
** adapter that needs one its stack and runs main's _initialize.  Imports:
** "" (slot functions, "$imports"), "main" (_initialize), "realloc"
** (cabi_realloc), "a0", "a1"... (the stack globals of those adapters). */
static void write_fixup(enc *e, module *m, bool initialize, size_t nstacks) {
  core_writer w = {0};
  uint32_t nfimports = 0, nglobals = 0;
  for (size_t i = 0; i < e->nslots; i++) {
    core_functype(&w.types, e->slots[i].type);
    w.ntypes++;
    char name[24];
    snprintf(name, sizeof name, "%zu", i);
    label(&w.imports, "");
    label(&w.imports, name);
    wp_buf_byte(&w.imports, 0x00);
    leb(&w.imports, i);
    w.nimports++;
    nfimports++;
  }
  if (e->nslots) {
    label(&w.imports, "");
    label(&w.imports, "$imports");
    wp_buf_byte(&w.imports, 0x01);
    wp_buf_byte(&w.imports, 0x70);
    wp_buf_byte(&w.imports, 0x01);
    leb(&w.imports, e->nslots);
    leb(&w.imports, e->nslots);
    w.nimports++;
    wp_buf_byte(&w.elems, 0x00); /* active, table 0, funcref */
    wp_buf_byte(&w.elems, 0x41);
    wp_buf_byte(&w.elems, 0x00);
    wp_buf_byte(&w.elems, 0x0b);
    leb(&w.elems, e->nslots);
    for (size_t i = 0; i < e->nslots; i++) leb(&w.elems, i);
    w.nelems = 1;
  }
  static const uint8_t i32x4[] = {0x7f, 0x7f, 0x7f, 0x7f}, i32[] = {0x7f};
  static const wp_comp_core_functype none = {0, 0, NULL, NULL}, realloc_t = {4, 1, i32x4, i32};
  uint32_t t_none = w.ntypes++;
  core_functype(&w.types, &none);
  uint32_t f_init = NONE, f_realloc = NONE;
  if (initialize) {
    label(&w.imports, "main");
    label(&w.imports, "_initialize");
    wp_buf_byte(&w.imports, 0x00);
    leb(&w.imports, t_none);
    w.nimports++;
    f_init = nfimports++;
  }
  if (nstacks) {
    core_functype(&w.types, &realloc_t);
    label(&w.imports, "realloc");
    label(&w.imports, "cabi_realloc");
    wp_buf_byte(&w.imports, 0x00);
    leb(&w.imports, w.ntypes++);
    w.nimports++;
    f_realloc = nfimports++;
  }
  for (size_t a = 0; a < nstacks; a++) {
    char mod[24];
    snprintf(mod, sizeof mod, "a%zu", a);
    for (int k = 0; k < 2; k++) {
      label(&w.imports, mod);
      label(&w.imports, k ? ADAPTER_STATE : ADAPTER_SP);
      wp_buf_byte(&w.imports, 0x03); /* a mutable i32 global */
      wp_buf_byte(&w.imports, 0x7f);
      wp_buf_byte(&w.imports, 0x01);
      w.nimports++;
      nglobals++;
    }
  }
  if (initialize || nstacks) {
    leb(&w.funcs, t_none);
    w.nfuncs = 1;
    wp_buf_t body = {0};
    leb(&body, 0);
    for (size_t a = 0; a < nstacks; a++) {
      static const uint8_t args[] = {0x41, 0x00, 0x41, 0x00, 0x41, 0x08};
      wp_buf_put(&body, args, sizeof args);
      wp_buf_byte(&body, 0x41);
      wp_compose_sleb(&body, ADAPTER_STACK);
      wp_buf_byte(&body, 0x10); /* call cabi_realloc(0, 0, 8, 64 KiB) */
      leb(&body, f_realloc);
      wp_buf_byte(&body, 0x41);
      wp_compose_sleb(&body, ADAPTER_STACK);
      wp_buf_byte(&body, 0x6a); /* i32.add: the stack grows down from its end */
      wp_buf_byte(&body, 0x24); /* global.set sp */
      leb(&body, 2 * a);
      wp_buf_byte(&body, 0x41);
      wp_buf_byte(&body, 0x02); /* allocation_state = StackAllocated */
      wp_buf_byte(&body, 0x24);
      leb(&body, 2 * a + 1);
    }
    if (initialize) {
      wp_buf_byte(&body, 0x10);
      leb(&body, f_init);
    }
    wp_buf_byte(&body, 0x0b);
    leb(&w.code, body.len);
    wp_buf_put(&w.code, body.s, body.len);
    if (body.oom) w.code.oom = true;
    free(body.s);
    leb(&w.start, nfimports); /* the defined function */
  }
  (void)nglobals;
  core_finish(e, &w, m);
}

/* A cabi_realloc for the adapters when the main module has none (a plain
** C command): fresh pages of main's memory, as wit-component's
** realloc-via-memory-grow.  The adapters only allocate (their state and
** stack), never resize or free. */
static void write_grow(enc *e, module *m) {
  core_writer w = {0};
  static const uint8_t i32x4[] = {0x7f, 0x7f, 0x7f, 0x7f}, i32[] = {0x7f};
  static const wp_comp_core_functype t = {4, 1, i32x4, i32};
  core_functype(&w.types, &t);
  w.ntypes = 1;
  label(&w.imports, "env");
  label(&w.imports, "memory");
  wp_buf_byte(&w.imports, 0x02);
  wp_buf_byte(&w.imports, 0x00);
  leb(&w.imports, 0);
  w.nimports = 1;
  leb(&w.funcs, 0);
  w.nfuncs = 1;
  label(&w.exports, "cabi_realloc");
  wp_buf_byte(&w.exports, 0x00);
  leb(&w.exports, 0);
  w.nexports = 1;
  static const uint8_t body[] = {
      0x01, 0x01, 0x7f,                         /* one i32 local */
      0x20, 0x00, 0x04, 0x40, 0x00, 0x0b,       /* old pointer: unreachable (no resizing) */
      0x20, 0x03, 0x41, 0xff, 0xff, 0x03, 0x6a, /* (size + 65535) */
      0x41, 0x10, 0x76,                         /* >> 16: pages */
      0x40, 0x00, 0x22, 0x04,                   /* memory.grow, local.tee 4 */
      0x41, 0x7f, 0x46, 0x04, 0x40, 0x00, 0x0b, /* -1: unreachable */
      0x20, 0x04, 0x41, 0x10, 0x74,             /* the first page's address */
      0x0b};
  leb(&w.code, sizeof body);
  wp_buf_put(&w.code, body, sizeof body);
  core_finish(e, &w, m);
}

/* ---------------------------------------------------- core instances */

/* One (name, core sort, index) export of a core instance being built. */
typedef struct cexp {
  char *name;
  uint8_t sort;
  uint32_t idx;
} cexp;

typedef struct cbag {
  cexp *v;
  size_t n;
} cbag;

static void bag_add(enc *e, cbag *b, const char *name, size_t len, uint8_t sort, uint32_t idx) {
  cexp *n = realloc(b->v, (b->n + 1) * sizeof *n);
  char *nm = strndup(name, len);
  if (!n || !nm) {
    free(nm);
    if (n) b->v = n;
    return fail(e, "out of memory");
  }
  b->v = n;
  b->v[b->n++] = (cexp){nm, sort, idx};
}

static void bag_free(cbag *b) {
  for (size_t i = 0; i < b->n; i++) free(b->v[i].name);
  free(b->v);
  b->v = NULL;
  b->n = 0;
}

/* (core instance (export ...)...): its index. */
static uint32_t bag_instance(enc *e, const cbag *b) {
  wp_buf_t s = {0};
  wp_buf_byte(&s, 0x01);
  leb(&s, b->n);
  for (size_t i = 0; i < b->n; i++) {
    label(&s, b->v[i].name);
    wp_buf_byte(&s, b->v[i].sort);
    leb(&s, b->v[i].idx);
  }
  section(&e->out, SEC_CORE_INSTANCE, 1, &s);
  free(s.s);
  return e->ncinsts++;
}

/* One (module name, core instance) argument of an instantiation. */
typedef struct carg {
  char *name;
  uint32_t inst;
} carg;

static uint32_t instantiate(enc *e, uint32_t mod, const carg *args, size_t n) {
  wp_buf_t s = {0};
  wp_buf_byte(&s, 0x00);
  leb(&s, mod);
  leb(&s, n);
  for (size_t i = 0; i < n; i++) {
    label(&s, args[i].name);
    wp_buf_byte(&s, 0x12);
    leb(&s, args[i].inst);
  }
  section(&e->out, SEC_CORE_INSTANCE, 1, &s);
  free(s.s);
  return e->ncinsts++;
}

/* ---------------------------------------------------------- canon */

static void opts_mem(wp_buf_t *b, uint32_t *n, uint32_t mem, bool realloc, uint32_t rf, bool post, uint32_t pf) {
  wp_buf_byte(b, 0x00); /* utf8 */
  (*n)++;
  wp_buf_byte(b, 0x03);
  leb(b, mem);
  (*n)++;
  if (realloc) {
    wp_buf_byte(b, 0x04);
    leb(b, rf);
    (*n)++;
  }
  if (post) {
    wp_buf_byte(b, 0x05);
    leb(b, pf);
    (*n)++;
  }
}

/* canon lower of component func f (memory options when mem != NONE). */
static uint32_t lower(enc *e, uint32_t f, uint32_t mem, bool realloc, uint32_t rf) {
  wp_buf_t o = {0}, s = {0};
  uint32_t n = 0;
  if (mem != NONE) opts_mem(&o, &n, mem, realloc, rf, false, 0);
  wp_buf_byte(&s, 0x01);
  wp_buf_byte(&s, 0x00);
  leb(&s, f);
  leb(&s, n);
  wp_buf_put(&s, o.s, o.len);
  section(&e->out, SEC_CANON, 1, &s);
  free(o.s);
  free(s.s);
  return e->ncfuncs++;
}

static uint32_t resource_drop(enc *e, uint32_t type) {
  wp_buf_t s = {0};
  wp_buf_byte(&s, 0x03);
  leb(&s, type);
  section(&e->out, SEC_CANON, 1, &s);
  free(s.s);
  return e->ncfuncs++;
}

/* --------------------------------------------- linking a module's imports */

/* The WIT function `name` of interface `iface` of r, or NULL. */
static const wp_wit_function_t *iface_func(const wp_wit_resolve_t *r, uint32_t iface, const char *name, size_t len) {
  const wp_wit_interface_t *in = &r->interfaces[iface];
  for (uint32_t i = 0; i < in->n_funcs; i++)
    if (strlen(in->funcs[i].name) == len && !memcmp(in->funcs[i].name, name, len)) return &in->funcs[i];
  return NULL;
}

static shim_slot *add_slot(enc *e, const wp_comp_core_functype *type, size_t *at) {
  shim_slot *n = realloc(e->slots, (e->nslots + 1) * sizeof *n);
  if (!n) {
    fail(e, "out of memory");
    return NULL;
  }
  e->slots = n;
  shim_slot *s = &e->slots[e->nslots];
  memset(s, 0, sizeof *s);
  s->type = type;
  *at = e->nslots++;
  return s;
}

/* What satisfies one import of a core module. */
enum { A_SLOT, A_LOWER, A_DROP, A_MEMORY, A_MAIN_EXPORT };
typedef struct action {
  int kind;
  size_t slot;            /* A_SLOT */
  iface_import *ii;       /* A_LOWER, A_DROP */
  const char *name;       /* A_LOWER: the function; A_DROP: the resource; A_MAIN_EXPORT */
} action;

typedef struct plan {
  module *m;
  action *acts;           /* per import of m */
} plan;

/* Decides, for every import of m, what satisfies it; imports needing what
** exists only after main is instantiated become shim slots. */
static void plan_module(enc *e, plan *pl, module *m, bool is_main, module *adapters, size_t nadapters,
                        const char *const *anames) {
  pl->m = m;
  pl->acts = calloc(m->iface->nimports + 1, sizeof *pl->acts);
  if (!pl->acts) return fail(e, "out of memory");
  for (uint32_t k = 0; k < m->iface->nimports && !e->failed; k++) {
    const wp_comp_core_import *imp = &m->iface->imports[k];
    action *a = &pl->acts[k];
    char mod[512];
    snprintf(mod, sizeof mod, "%.*s", (int)imp->module.len, imp->module.ptr);
    const char *name = imp->name.ptr; /* NUL-free, not terminated: copied below where kept */
    size_t nlen = imp->name.len;
    char nm[512];
    snprintf(nm, sizeof nm, "%.*s", (int)nlen, name);
    if (!is_main && !strcmp(mod, "env") && imp->type.kind == WP_COMP_CORE_MEMORY) {
      a->kind = A_MEMORY;
      continue;
    }
    if (!is_main && !strcmp(mod, "__main_module__")) {
      a->kind = A_MAIN_EXPORT;
      a->name = strndup(name, nlen);
      continue;
    }
    if (imp->type.kind != WP_COMP_CORE_FUNC || !imp->type.func)
      return fail(e, "component new: %s imports %s.%s, which is not a function", m->name, mod, nm);
    bool found = false;
    for (size_t ad = 0; is_main && ad < nadapters && !found; ad++)
      if (!strcmp(mod, anames[ad])) {
        found = true;
        if (!module_export(&adapters[ad], nm))
          return fail(e, "component new: %s imports %s.%s, which adapter %s does not export", m->name, mod, nm, mod);
        shim_slot *s = add_slot(e, imp->type.func, &a->slot);
        if (!s) return;
        a->kind = A_SLOT;
        s->kind = 1;
        s->adapter = &adapters[ad];
        s->name = strdup(nm);
      }
    if (found) continue;
    iface_import *ii = imported_name(e, mod, strcspn(mod, "@"));
    if (!ii) {
      if (!strcmp(mod, "wasi_snapshot_preview1"))
        return fail(e, "component new: %s imports wasi_snapshot_preview1.%s: give it an adapter (--adapt "
                       "wasi_snapshot_preview1=ADAPTER.wasm)", m->name, nm);
      return fail(e, "component new: %s imports %s.%s, which the world does not import", m->name, mod, nm);
    }
    a->ii = ii;
    if (nlen > 15 && !memcmp(name, "[resource-drop]", 15)) {
      a->kind = A_DROP;
      a->name = strndup(name + 15, nlen - 15);
      continue;
    }
    const wp_wit_function_t *wf = iface_func(ii->r, ii->iface, name, nlen);
    if (!wf)
      return fail(e, "component new: %s imports %s.%s, but interface %s has no function `%s`", m->name, mod, nm, ii->id,
                  nm);
    needs n = func_needs(e, ii->r, wf);
    a->name = strndup(name, nlen);
    if (!n.memory) {
      a->kind = A_LOWER;
      continue;
    }
    shim_slot *s = add_slot(e, imp->type.func, &a->slot);
    if (!s) return;
    a->kind = A_SLOT;
    s->kind = 0;
    s->via = m;
    s->realloc = n.realloc_lower;
    s->name = strndup(name, nlen);
    s->func = NONE; /* the component function is aliased when the slot is filled */
    s->ii = ii;
  }
}

static void plan_free(plan *pl) {
  if (!pl->acts) return;
  for (uint32_t k = 0; k < pl->m->iface->nimports; k++) free((char *)pl->acts[k].name);
  free(pl->acts);
}

/* Instantiates m: one core instance per import module name, in the order
** the names first appear, made of what the plan says. */
static void instantiate_module(enc *e, plan *pl, const module *main) {
  module *m = pl->m;
  const wp_comp_core_iface *fi = m->iface;
  carg *args = calloc(fi->nimports + 1, sizeof *args);
  size_t nargs = 0;
  if (!args) return fail(e, "out of memory");
  bool *done = calloc(fi->nimports + 1, 1);
  if (!done) {
    free(args);
    return fail(e, "out of memory");
  }
  for (uint32_t k = 0; k < fi->nimports && !e->failed; k++) {
    if (done[k]) continue;
    wp_comp_str mod = fi->imports[k].module;
    cbag bag = {0};
    for (uint32_t j = k; j < fi->nimports && !e->failed; j++) {
      const wp_comp_core_import *imp = &fi->imports[j];
      if (imp->module.len != mod.len || memcmp(imp->module.ptr, mod.ptr, mod.len)) continue;
      done[j] = true;
      action *a = &pl->acts[j];
      uint32_t idx = 0;
      uint8_t sort = CORE_FUNC;
      char ix[32];
      switch (a->kind) {
      case A_SLOT:
        snprintf(ix, sizeof ix, "%zu", a->slot);
        idx = alias_core(e, CORE_FUNC, e->shim_inst, ix);
        break;
      case A_LOWER: idx = lower(e, alias_export(e, SORT_FUNC, a->ii->inst, a->name), NONE, false, 0); break;
      case A_DROP: idx = resource_drop(e, alias_export(e, SORT_TYPE, a->ii->inst, a->name)); break;
      case A_MEMORY:
        sort = CORE_MEMORY;
        idx = e->mem;
        break;
      case A_MAIN_EXPORT:
        if (!strcmp(a->name, "cabi_realloc")) { /* main's, or the grow module's */
          idx = alias_core(e, CORE_FUNC, e->realloc_inst, "cabi_realloc");
          break;
        }
        if (!module_export(main, a->name)) {
          fail(e, "component new: adapter %s needs the module to export `%s` (a command needs _start: link "
                  "without -mexec-model=reactor, or use a reactor adapter)", m->name, a->name);
          break;
        }
        idx = alias_core(e, CORE_FUNC, main->inst, a->name);
        break;
      }
      bag_add(e, &bag, imp->name.ptr, imp->name.len, sort, idx);
    }
    if (!e->failed) {
      args[nargs].inst = bag_instance(e, &bag);
      args[nargs].name = strndup(mod.ptr, mod.len);
      if (!args[nargs++].name) fail(e, "out of memory");
    }
    bag_free(&bag);
  }
  if (!e->failed) m->inst = instantiate(e, m->index, args, nargs);
  for (size_t i = 0; i < nargs; i++) free(args[i].name);
  free(args);
  free(done);
}

/* ---------------------------------------------------------- exports */

/* Lifts export `fname` of WIT interface `iface` (resolve r) from core
** export `core` of module src; its component func index. */
static uint32_t lift(enc *e, const wp_wit_resolve_t *r, const wp_wit_function_t *f, const module *src,
                     const char *core, const module *main) {
  for (uint32_t i = 0; i < f->n_params; i++)
    if (!anonymous(r, f->params[i].type, 0))
      fail(e, "component new: export `%s`: parameter `%s` has a named type: exporting named types (records, "
              "variants, enums, flags, resources) is not supported yet", core, f->params[i].name);
  if (!anonymous(r, f->result, 0))
    fail(e, "component new: export `%s`: its result has a named type: exporting named types (records, "
            "variants, enums, flags, resources) is not supported yet", core);
  if (e->failed) return 0;
  uint32_t *map = malloc((r->n_types + 1) * sizeof *map);
  if (!map) {
    fail(e, "out of memory");
    return 0;
  }
  for (uint32_t t = 0; t <= r->n_types; t++) map[t] = NONE;
  tctx c = {e, r, NULL, 0, 0, map};
  if (f->kind == WP_WIT_FUNC_ASYNC_FREESTANDING || f->kind == WP_WIT_FUNC_ASYNC_METHOD ||
      f->kind == WP_WIT_FUNC_ASYNC_STATIC)
    fail(e, "component new: export `%s` is an async function, not supported here (imported ones are)", f->name);
  uint32_t ft = func_type(&c, f);
  free(map);
  needs n = func_needs(e, r, f);
  uint32_t cf = alias_core(e, CORE_FUNC, src->inst, core);
  char post[600];
  snprintf(post, sizeof post, "cabi_post_%s", core);
  bool has_post = module_export(src, post) != NULL;
  uint32_t pf = has_post ? alias_core(e, CORE_FUNC, src->inst, post) : 0;
  if (n.realloc_lift && !module_export(main, "cabi_realloc"))
    fail(e, "component new: export `%s` takes strings or lists, so the module must export cabi_realloc", core);
  wp_buf_t o = {0}, s = {0};
  uint32_t no = 0;
  if (n.memory || has_post) opts_mem(&o, &no, e->mem, n.realloc_lift, e->main_realloc, has_post, pf);
  wp_buf_byte(&s, 0x00);
  wp_buf_byte(&s, 0x00);
  leb(&s, cf);
  leb(&s, no);
  wp_buf_put(&s, o.s, o.len);
  leb(&s, ft);
  section(&e->out, SEC_CANON, 1, &s);
  free(o.s);
  free(s.s);
  return e->nfuncs++;
}

/* (instance (export "f" (func ...))...) exported as `id`. */
static void export_instance(enc *e, const char *id, const wp_wit_interface_t *in, const uint32_t *funcs) {
  wp_buf_t s = {0};
  wp_buf_byte(&s, 0x01);
  leb(&s, in->n_funcs);
  for (uint32_t i = 0; i < in->n_funcs; i++) {
    wp_buf_byte(&s, 0x00); /* exportname' */
    label(&s, in->funcs[i].name);
    wp_buf_byte(&s, SORT_FUNC);
    leb(&s, funcs[i]);
  }
  section(&e->out, SEC_INSTANCE, 1, &s);
  free(s.s);
  uint32_t inst = e->ninsts++;
  wp_buf_t x = {0};
  wp_buf_byte(&x, 0x00);
  label(&x, id);
  wp_buf_byte(&x, SORT_INSTANCE);
  leb(&x, inst);
  wp_buf_byte(&x, 0x00); /* no ascribed type */
  section(&e->out, SEC_EXPORT, 1, &x);
  free(x.s);
  e->ninsts++; /* the export is an instance index too */
}

/* Exports interface `iface` of r, every function lifted from `src`. */
static void export_iface(enc *e, const wp_wit_resolve_t *r, uint32_t iface, const module *src, const module *main) {
  const wp_wit_interface_t *in = &r->interfaces[iface];
  char *id = wp_wit_interface_id(r, iface);
  if (!id) return fail(e, "out of memory");
  for (uint32_t t = 0; t < r->n_types; t++)
    if (r->types[t].owner_kind == WP_WIT_OWNER_INTERFACE && r->types[t].owner == iface &&
        r->types[t].kind == WP_WIT_DEF_RESOURCE) {
      fail(e, "component new: %s: exporting resources (`%s`) is not supported yet", id, r->types[t].name);
      free(id);
      return;
    }
  uint32_t *funcs = calloc(in->n_funcs + 1, sizeof *funcs);
  if (!funcs) {
    free(id);
    return fail(e, "out of memory");
  }
  char core[800];
  for (uint32_t i = 0; i < in->n_funcs && !e->failed; i++) {
    snprintf(core, sizeof core, "%s#%s", id, in->funcs[i].name);
    if (!module_export(src, core)) {
      fail(e, "component new: the world exports %s, but %s does not export `%s`", id, src->name, core);
      break;
    }
    funcs[i] = lift(e, r, &in->funcs[i], src, core, main);
  }
  if (!e->failed) export_instance(e, id, in, funcs);
  free(funcs);
  free(id);
}

/* --------------------------------------------------------------- driver */

/* The WIT of WASI 0.2 that the adapters' imports are read in: the built-in
** wasi-p2 plugin's. */
static wp_wit_resolve_t *wasi_wit(enc *e) {
  const wasmplug_plugin_t *d = wp_wasi_p2_entry(wasmplug_plugin_host_api());
  wp_wit_resolve_t *r = wp_wit_resolve_new();
  uint32_t pkg;
  wp_wit_error_t *we = NULL;
  if (!r || !d || wp_wit_push_str(r, "<wasi-p2>.wit", d->wit, strlen(d->wit), &pkg, &we)) {
    fail(e, "component new: the WASI WIT does not resolve: %s", we && we->message ? we->message : "out of memory");
    wp_wit_error_delete(we);
    wp_wit_resolve_delete(r);
    return NULL;
  }
  return r;
}

wasmplug_error_t *wasmplug_component_new_from_module(const uint8_t *core, size_t core_len, const char *core_name,
                                                     const char *wit_path, const char *world_name,
                                                     const wasmplug_adapter_t *adapters, size_t nadapters,
                                                     uint8_t **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  if (!core || !wit_path || !world_name)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "component new: a module, a WIT path and a world are needed");
  if (!core_name) core_name = "module";
  enc e;
  memset(&e, 0, sizeof e);
  wp_wit_resolve_t *user = wp_wit_resolve_new(), *wasi = NULL;
  module main;
  memset(&main, 0, sizeof main);
  module *ads = calloc(nadapters + 1, sizeof *ads);
  const char **anames = calloc(nadapters + 1, sizeof *anames);
  plan *plans = calloc(nadapters + 1, sizeof *plans);
  module shim = {0}, fixup = {0};
  wp_buf_t body = {0};
  if (!user || !ads || !anames || !plans) fail(&e, "out of memory");
  /* the world */
  uint32_t pkg = 0, world = NONE;
  wp_wit_error_t *we = NULL;
  if (!e.failed && wp_wit_push_path(user, wit_path, &pkg, &we)) {
    fail(&e, "%s", we && we->message ? we->message : "out of memory");
    wp_wit_error_delete(we);
  }
  if (!e.failed && (world = wp_wit_find_world(user, pkg, world_name)) == NONE)
    fail(&e, "%s: no world named '%s'", wit_path, world_name);
  e.user = user;
  /* the modules */
  if (!e.failed) module_load(&e, &main, core, core_len, core_name);
  for (size_t i = 0; i < nadapters && !e.failed; i++) {
    anames[i] = adapters[i].name;
    if (!adapters[i].name || !*adapters[i].name) fail(&e, "component new: an adapter without a name");
    else module_load(&e, &ads[i], adapters[i].bytes, adapters[i].len, adapters[i].name);
    uint32_t sp = NONE, st = NONE;
    if (!e.failed && (sp = global_named(adapters[i].bytes, adapters[i].len, "__stack_pointer")) != NONE &&
        (st = global_named(adapters[i].bytes, adapters[i].len, "allocation_state")) != NONE)
      ads[i].stack = with_stack_exports(adapters[i].bytes, adapters[i].len, sp, st, &ads[i].patched);
  }
  if (nadapters && !e.failed) e.wasi = wasi = wasi_wit(&e);
  static const uint8_t preamble[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  wp_buf_put(&e.out, preamble, sizeof preamble);
  /* 1. imports: the world's interfaces, then what the adapters need */
  const wp_wit_world_t *w = world != NONE ? &user->worlds[world] : NULL;
  for (uint32_t i = 0; w && i < w->n_imports && !e.failed; i++) {
    const wp_wit_world_item_t *it = &w->imports[i];
    if (it->kind == WP_WIT_ITEM_INTERFACE) import_iface(&e, user, it->id, 0);
    else if (it->kind == WP_WIT_ITEM_FUNCTION)
      fail(&e, "component new: world %s imports function `%s` directly: only interface imports are supported yet",
           world_name, it->func.name);
  }
  for (size_t a = 0; a < nadapters && !e.failed; a++)
    for (uint32_t k = 0; k < ads[a].iface->nimports && !e.failed; k++) {
      const wp_comp_core_import *imp = &ads[a].iface->imports[k];
      size_t l = strcspn(imp->module.ptr, "@");
      if (l > imp->module.len) l = imp->module.len;
      if (!memchr(imp->module.ptr, ':', l) || imported_name(&e, imp->module.ptr, l)) continue;
      uint32_t at = find_iface(wasi, imp->module.ptr, l);
      if (at == NONE)
        fail(&e, "component new: adapter %s imports %.*s, which is not a WASI 0.2 interface", ads[a].name,
             (int)imp->module.len, imp->module.ptr);
      else
        import_iface(&e, wasi, at, 0);
    }
  /* 2. the plans: what satisfies each import */
  plan mainplan = {0};
  if (!e.failed) plan_module(&e, &mainplan, &main, true, ads, nadapters, anames);
  for (size_t a = 0; a < nadapters && !e.failed; a++) plan_module(&e, &plans[a], &ads[a], false, NULL, 0, NULL);
  /* 3. the modules, the shim's instance, main's instance */
  if (!e.failed) {
    stripped(core, core_len, &body);
    embed_module(&e, &main, (const uint8_t *)body.s, body.len);
    for (size_t a = 0; a < nadapters; a++)
      embed_module(&e, &ads[a], ads[a].stack ? (const uint8_t *)ads[a].patched.s : ads[a].bytes,
                   ads[a].stack ? ads[a].patched.len : ads[a].len);
    write_shim(&e, &shim);
    e.shim_inst = instantiate(&e, shim.index, NULL, 0);
    instantiate_module(&e, &mainplan, &main);
  }
  const wp_comp_core_export *memx = e.failed ? NULL : module_export(&main, "memory");
  if (!e.failed && memx && memx->type.kind == WP_COMP_CORE_MEMORY) e.mem = alias_core(&e, CORE_MEMORY, main.inst, "memory");
  else if (!e.failed && (e.nslots || nadapters)) fail(&e, "component new: %s exports no memory", core_name);
  e.main_realloc = NONE;
  e.realloc_inst = main.inst;
  if (!e.failed && module_export(&main, "cabi_realloc")) {
    e.main_realloc = alias_core(&e, CORE_FUNC, main.inst, "cabi_realloc");
  } else if (!e.failed && nadapters) {
    module grow = {0};
    write_grow(&e, &grow);
    cbag env = {0};
    bag_add(&e, &env, "memory", 6, CORE_MEMORY, e.mem);
    carg ga = {"env", bag_instance(&e, &env)};
    e.realloc_inst = instantiate(&e, grow.index, &ga, 1);
    bag_free(&env);
  }
  /* 4. the adapters */
  for (size_t a = 0; a < nadapters && !e.failed; a++) instantiate_module(&e, &plans[a], &main);
  /* 5. the shim's table: the real functions */
  uint32_t *real = calloc(e.nslots + 1, sizeof *real);
  if (!real) fail(&e, "out of memory");
  for (size_t i = 0; i < e.nslots && !e.failed; i++) {
    shim_slot *s = &e.slots[i];
    if (s->kind == 1) {
      real[i] = alias_core(&e, CORE_FUNC, s->adapter->inst, s->name);
      continue;
    }
    iface_import *ii = s->ii;
    uint32_t rf = e.main_realloc;
    if (s->via != &main) {
      if (!module_export(s->via, "cabi_import_realloc"))
        fail(&e, "component new: adapter %s exports no cabi_import_realloc", s->via->name);
      else rf = alias_core(&e, CORE_FUNC, s->via->inst, "cabi_import_realloc");
    } else if (s->realloc && rf == NONE) {
      fail(&e, "component new: %s returns strings or lists, so the module must export cabi_realloc", s->name);
    }
    if (!e.failed) real[i] = lower(&e, alias_export(&e, SORT_FUNC, ii->inst, s->name), e.mem, s->realloc, rf);
  }
  bool init = !e.failed && module_export(&main, "_initialize") != NULL;
  size_t nstacks = 0;
  for (size_t a = 0; a < nadapters; a++) nstacks += ads[a].stack;
  if (!e.failed && (e.nslots || init || nstacks)) {
    write_fixup(&e, &fixup, init, nstacks);
    cbag bag = {0};
    for (size_t i = 0; i < e.nslots; i++) {
      char ix[32];
      snprintf(ix, sizeof ix, "%zu", i);
      bag_add(&e, &bag, ix, strlen(ix), CORE_FUNC, real[i]);
    }
    if (e.nslots) bag_add(&e, &bag, "$imports", 8, CORE_TABLE, alias_core(&e, CORE_TABLE, e.shim_inst, "$imports"));
    carg *args = calloc(nadapters + 4, sizeof *args);
    char (*names)[24] = calloc(nadapters + 1, sizeof *names);
    if (!args || !names) fail(&e, "out of memory");
    size_t na = 0;
    if (!e.failed) {
      args[na++] = (carg){"", bag_instance(&e, &bag)};
      if (init) args[na++] = (carg){"main", main.inst};
      if (nstacks) args[na++] = (carg){"realloc", e.realloc_inst};
      for (size_t a = 0, k = 0; a < nadapters; a++)
        if (ads[a].stack) {
          snprintf(names[k], sizeof names[k], "a%zu", k);
          args[na++] = (carg){names[k++], ads[a].inst};
        }
      instantiate(&e, fixup.index, args, na);
    }
    free(args);
    free(names);
    bag_free(&bag);
  }
  free(real);
  /* 6. exports: the world's (from main), and the adapters' (wasi:cli/run) */
  for (uint32_t i = 0; w && i < w->n_exports && !e.failed; i++) {
    const wp_wit_world_item_t *it = &w->exports[i];
    if (it->kind == WP_WIT_ITEM_INTERFACE) export_iface(&e, user, it->id, &main, &main);
    else if (it->kind == WP_WIT_ITEM_FUNCTION)
      fail(&e, "component new: world %s exports function `%s` directly: only interface exports are supported yet",
           world_name, it->func.name);
  }
  for (size_t a = 0; a < nadapters && !e.failed; a++)
    for (uint32_t k = 0; k < ads[a].iface->nexports && !e.failed; k++) {
      const wp_comp_core_export *x = &ads[a].iface->exports[k];
      const char *hash = memchr(x->name.ptr, '#', x->name.len);
      if (!hash || x->type.kind != WP_COMP_CORE_FUNC) continue;
      size_t l = strcspn(x->name.ptr, "@");
      if (l > (size_t)(hash - x->name.ptr)) l = (size_t)(hash - x->name.ptr);
      uint32_t at = find_iface(wasi, x->name.ptr, l);
      if (at == NONE) continue;
      /* two providers of one interface are an error */
      char *id = wp_wit_interface_id(wasi, at);
      for (uint32_t i = 0; w && id && i < w->n_exports; i++) {
        char *wid = w->exports[i].kind == WP_WIT_ITEM_INTERFACE ? wp_wit_interface_id(user, w->exports[i].id) : NULL;
        if (wid && !strncmp(wid, id, l) && (wid[l] == 0 || wid[l] == '@'))
          fail(&e, "component new: both the module and adapter %s export %.*s", ads[a].name, (int)l, x->name.ptr);
        free(wid);
      }
      /* exported once per interface: the adapter's core names carry its version */
      bool seen = false;
      for (uint32_t j = 0; j < k; j++) {
        const wp_comp_core_export *y = &ads[a].iface->exports[j];
        seen |= y->name.len > l && !memcmp(y->name.ptr, x->name.ptr, l) && memchr(y->name.ptr, '#', y->name.len);
      }
      if (!seen && !e.failed) {
        /* the adapter's core names use its version of the interface: lift
        ** those names, export under the WIT's */
        const wp_wit_interface_t *in = &wasi->interfaces[at];
        uint32_t *funcs = calloc(in->n_funcs + 1, sizeof *funcs);
        char core[800];
        for (uint32_t f = 0; funcs && f < in->n_funcs && !e.failed; f++) {
          snprintf(core, sizeof core, "%.*s#%s", (int)(hash - x->name.ptr), x->name.ptr, in->funcs[f].name);
          if (!module_export(&ads[a], core))
            fail(&e, "component new: adapter %s exports part of %s only (no `%s`)", ads[a].name, id, core);
          else funcs[f] = lift(&e, wasi, &in->funcs[f], &ads[a], core, &main);
        }
        if (funcs && !e.failed) export_instance(&e, id, in, funcs);
        free(funcs);
      }
      free(id);
    }
  if (!e.failed && e.out.oom) fail(&e, "out of memory");
  /* the result must be a component wasmplug itself accepts */
  if (!e.failed) {
    wp_comp *check = NULL;
    char why[1024];
    if (wp_comp_load((const uint8_t *)e.out.s, e.out.len, "component new output", &check, why, sizeof why))
      fail(&e, "component new: the component made does not validate (a bug): %s", why);
    wp_comp_delete(check);
  }
  plan_free(&mainplan);
  for (size_t a = 0; a < nadapters; a++) {
    plan_free(&plans[a]);
    module_free(&ads[a]);
  }
  module_free(&main);
  for (size_t i = 0; i < e.nslots; i++) free(e.slots[i].name);
  free(e.slots);
  for (size_t i = 0; i < e.nimps; i++) free(e.imps[i].id);
  free(e.imps);
  free(body.s);
  free(ads);
  free(anames);
  free(plans);
  wp_wit_resolve_delete(user);
  wp_wit_resolve_delete(wasi);
  if (e.failed) {
    free(e.out.s);
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "%s", e.err);
  }
  *out = (uint8_t *)e.out.s;
  *out_len = e.out.len;
  return NULL;
}
