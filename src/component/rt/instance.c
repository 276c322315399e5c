/*
** rt/instance.c — instantiating a component: replay its definitions in
** order inside a frame (see rt.h for what each index space holds).
**
** The walk appends exactly one entry per definition to the index space the
** decoder assigned it, and checks that the decoder agrees (origin and item):
** a disagreement would silently bind the wrong function, so it is an error.
*/
#include "component/rt/async.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rt/linker.c: resolves a top-level import (binding its resource types). */
int rt_link_import(rt_frame *f, const wp_comp_extern *ext, rt_item *out);

/* ------------------------------------------------------------ store */

/* Zeroed blocks bumped out of chunks that grow with the store (a
** component's instantiation makes hundreds of small objects, all freed
** with the store: one calloc each cost a fifth of instantiating).  Large
** blocks get a chunk of their own.  The first chunk is as large as the
** last instance of the same component used in all (first_chunk, at most
** RT_CHUNK_FIRST_MAX): one chunk, zeroed as far as it is used, instead of
** a 4, an 8 and a 16 KiB one zeroed whole. */
#define RT_CHUNK_MIN 4096
#define RT_CHUNK_MAX (32u << 10)
#define RT_CHUNK_FIRST_MAX (256u << 10)

static void *rt_chunk(rt_store *s, size_t size) {
  if (s->nallocs == s->capallocs) {
    size_t ncap = s->capallocs ? s->capallocs * 2 : 16;
    void **n = realloc(s->allocs, ncap * sizeof *n);
    if (!n) return NULL;
    s->allocs = n;
    s->capallocs = ncap;
  }
  void *p = calloc(1, size);
  if (p) s->allocs[s->nallocs++] = p;
  return p;
}

void *rt_alloc(rt_store *s, size_t size) {
  size = (size + 15) & ~(size_t)15;
  if (!size) size = 16;
  if (size <= s->bump_left) {
    void *p = s->bump;
    s->bump += size;
    s->bump_left -= size;
    s->bump_used += size;
    return p;
  }
  if (size > RT_CHUNK_MIN / 4) return rt_chunk(s, size);
  size_t csize;
  if (s->bump_chunk) {
    csize = s->bump_chunk * 2;
    if (csize > RT_CHUNK_MAX) csize = RT_CHUNK_MAX;
  } else {
    csize = s->first_chunk < RT_CHUNK_MIN ? RT_CHUNK_MIN
            : s->first_chunk > RT_CHUNK_FIRST_MAX ? RT_CHUNK_FIRST_MAX
                                                  : s->first_chunk;
  }
  char *c = rt_chunk(s, csize);
  if (!c) return NULL;
  s->bump_chunk = csize;
  s->bump = c + size;
  s->bump_left = csize - size;
  s->bump_used += size;
  return c;
}

char *rt_strndup(rt_store *s, const char *p, size_t n) {
  char *d = rt_alloc(s, n + 1);
  if (d && n) memcpy(d, p, n);
  return d;
}

int rt_fail(rt_store *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err, sizeof s->err, fmt, ap);
  va_end(ap);
  return -1;
}

static uint32_t name_hash(const char *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 16777619u;
  return h;
}

const rt_item *rt_bag_get(rt_store *s, rt_bag *b, const char *name, size_t len) {
  if (!b) return NULL;
  if (b->n > 16 && s && b->indexed != b->n) {
    /* (Re)build the index: lookups on wide instances stay O(1). */
    uint32_t cap = 32;
    while (cap < b->n * 2) cap *= 2;
    uint32_t *ix = rt_alloc(s, cap * sizeof *ix);
    if (ix) {
      for (uint32_t i = 0; i < b->n; i++) {
        uint32_t j = name_hash(b->names[i], b->lens[i]) & (cap - 1);
        while (ix[j]) j = (j + 1) & (cap - 1);
        ix[j] = i + 1;
      }
      b->index = ix;
      b->index_cap = cap;
      b->indexed = b->n;
    }
  }
  if (b->index && b->indexed == b->n) {
    for (uint32_t j = name_hash(name, len) & (b->index_cap - 1);; j = (j + 1) & (b->index_cap - 1)) {
      if (!b->index[j]) return NULL;
      uint32_t i = b->index[j] - 1;
      if (b->lens[i] == len && !memcmp(b->names[i], name, len)) return &b->items[i];
    }
  }
  for (uint32_t i = 0; i < b->n; i++)
    if (b->lens[i] == len && !memcmp(b->names[i], name, len)) return &b->items[i];
  return NULL;
}

int rt_bag_add(rt_store *s, rt_bag *b, const char *name, size_t len, uint8_t sort, void *p) {
  char *nm = rt_strndup(s, name, len);
  if (!nm) return rt_fail(s, "out of memory");
  if (b->n == b->cap) {
    /* Doubling into new store blocks: the old ones stay until the store
    ** dies, which costs at most as much again (never quadratic). */
    uint32_t ncap = b->cap ? b->cap * 2 : 8;
    char **names = rt_alloc(s, ncap * sizeof *names);
    uint32_t *lens = rt_alloc(s, ncap * sizeof *lens);
    rt_item *items = rt_alloc(s, ncap * sizeof *items);
    if (!names || !lens || !items) return rt_fail(s, "out of memory");
    if (b->n) {
      memcpy(names, b->names, b->n * sizeof *names);
      memcpy(lens, b->lens, b->n * sizeof *lens);
      memcpy(items, b->items, b->n * sizeof *items);
    }
    b->names = names;
    b->lens = lens;
    b->items = items;
    b->cap = ncap;
  }
  if (len > UINT32_MAX) return rt_fail(s, "name too long");
  b->names[b->n] = nm;
  b->lens[b->n] = (uint32_t)len;
  b->items[b->n].sort = sort;
  b->items[b->n].p = p;
  b->n++;
  return 0;
}

static int track(rt_store *s, void ***arr, size_t *n, size_t *cap, void *p) {
  if (*n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 8;
    void **a = realloc(*arr, ncap * sizeof *a);
    if (!a) return rt_fail(s, "out of memory");
    *arr = a;
    *cap = ncap;
  }
  (*arr)[(*n)++] = p;
  return 0;
}

/* ------------------------------------------------------------ spaces */

static int push(rt_frame *f, uint8_t sort, uint8_t origin, uint32_t item, void *p) {
  const wp_comp_space *sp = &f->comp->space[sort];
  uint32_t i = f->len[sort];
  if (i >= sp->len || sp->items[i].origin != origin || sp->items[i].item != item)
    return rt_fail(f->store, "internal error: %s index %u does not match the decoder's index space",
                   wp_comp_sort_name(sort), i);
  f->space[sort][i] = p;
  f->len[sort]++;
  return 0;
}

static void *get(rt_frame *f, uint8_t sort, uint32_t idx) {
  if (idx >= f->len[sort]) {
    rt_fail(f->store, "%s index %u is not defined yet", wp_comp_sort_name(sort), idx);
    return NULL;
  }
  void *p = f->space[sort][idx];
  if (!p && sort != WP_COMP_SORT_TYPE && sort != WP_COMP_SORT_CORE_TYPE)
    rt_fail(f->store, "%s index %u has no runtime value", wp_comp_sort_name(sort), idx);
  return p;
}

/* Binds the resource types an instance (type) exports to the items of the
** bag that provides it, recursively through nested instances. */
static int bind_instance(rt_frame *f, const wp_comp_type *it, rt_bag *b) {
  if (!it || it->kind != WP_COMP_T_INSTANCE || !b) return 0;
  for (uint32_t i = 0; i < it->nexports; i++) {
    const wp_comp_extern *e = &it->exports[i];
    const rt_item *item = rt_bag_get(f->store, b, e->name.ptr, e->name.len);
    if (!item) continue;
    if (e->sort == WP_COMP_SORT_TYPE && e->type && e->type->kind == WP_COMP_T_RESOURCE && item->p) {
      if (rt_bind_resource(f, e->type, item->p)) return -1;
    } else if (e->sort == WP_COMP_SORT_INSTANCE) {
      if (bind_instance(f, e->type, item->p)) return -1;
    }
  }
  return 0;
}

/* ------------------------------------------------------------ core instances */

static int define_core_item(rt_frame *f, wasmplug_linker_t *l, const char *mod, const char *name,
                            const rt_coreitem *it) {
  wasmplug_error_t *e = NULL;
  switch (it->kind) {
  case WP_COMP_CORE_FUNC: {
    rt_corefunc *cf = it->p;
    e = cf->func     ? wasmplug_linker_define_func_ref(l, mod, name, cf->func)
        : cf->direct ? wasmplug_linker_define_func_direct(l, mod, name, &cf->type, cf->direct, cf->env, NULL)
                     : wasmplug_linker_define_func(l, mod, name, &cf->type, cf->cb, cf->env, NULL);
    break;
  }
  case WP_COMP_CORE_TABLE: e = wasmplug_linker_define_table(l, mod, name, it->p); break;
  case WP_COMP_CORE_MEMORY: e = wasmplug_linker_define_memory(l, mod, name, it->p); break;
  case WP_COMP_CORE_GLOBAL: e = wasmplug_linker_define_global(l, mod, name, it->p); break;
  case WP_COMP_CORE_TAG: e = wasmplug_linker_define_tag(l, mod, name, it->p); break;
  default: return rt_fail(f->store, "core export '%s' of '%s': unknown sort", name, mod);
  }
  if (e) {
    rt_fail(f->store, "%s", wasmplug_error_message(e));
    wasmplug_error_delete(e);
    return -1;
  }
  return 0;
}

/* The export `name` of a core instance as a core item. */
static int core_export(rt_frame *f, rt_coreinst *ci, uint8_t sort, const char *name, size_t len, void **out) {
  if (!ci->inst) {
    for (uint32_t i = 0; i < ci->n; i++)
      if (strlen(ci->names[i]) == len && !memcmp(ci->names[i], name, len)) {
        *out = ci->items[i].p;
        return 0;
      }
    return rt_fail(f->store, "core instance has no export '%.*s'", (int)len, name);
  }
  char *nm = rt_strndup(f->store, name, len);
  if (!nm) return rt_fail(f->store, "out of memory");
  void *p = NULL;
  switch (sort) {
  case WP_COMP_SORT_CORE_FUNC: {
    wasmplug_func_t *fn = wasmplug_instance_func(ci->inst, nm);
    if (fn) {
      rt_corefunc *cf = rt_alloc(f->store, sizeof *cf);
      if (!cf) return rt_fail(f->store, "out of memory");
      cf->func = fn;
      p = cf;
    }
    break;
  }
  case WP_COMP_SORT_CORE_TABLE: p = wasmplug_instance_table(ci->inst, nm); break;
  case WP_COMP_SORT_CORE_MEMORY: p = wasmplug_instance_memory(ci->inst, nm); break;
  case WP_COMP_SORT_CORE_GLOBAL: p = wasmplug_instance_global(ci->inst, nm); break;
  case WP_COMP_SORT_CORE_TAG: p = wasmplug_instance_tag(ci->inst, nm); break;
  default: break;
  }
  if (!p) return rt_fail(f->store, "core instance has no %s export '%s'", wp_comp_sort_name(sort), nm);
  *out = p;
  return 0;
}

static int core_instance(rt_frame *f, uint32_t k, wasmplug_trap_t **trap) {
  const wp_comp_core_instance *d = &f->comp->core_instances[k];
  rt_store *s = f->store;
  rt_coreinst *ci = rt_alloc(s, sizeof *ci);
  if (!ci) return rt_fail(s, "out of memory");
  if (d->is_exports) {
    ci->n = d->nexports;
    ci->names = rt_alloc(s, (d->nexports + 1) * sizeof *ci->names);
    ci->items = rt_alloc(s, (d->nexports + 1) * sizeof *ci->items);
    if (!ci->names || !ci->items) return rt_fail(s, "out of memory");
    for (uint32_t i = 0; i < d->nexports; i++) {
      const wp_comp_sortidx *x = &d->exports[i];
      if (!(ci->names[i] = rt_strndup(s, x->name.ptr, x->name.len))) return rt_fail(s, "out of memory");
      ci->items[i].kind = (uint8_t)(x->sort - WP_COMP_SORT_CORE_FUNC);
      if (!(ci->items[i].p = get(f, x->sort, x->idx))) return -1;
    }
    return push(f, WP_COMP_SORT_CORE_INSTANCE, WP_COMP_FROM_CORE_INSTANCE, k, ci);
  }
  wasmplug_module_t *m = get(f, WP_COMP_SORT_CORE_MODULE, d->module);
  if (!m) return -1;
  /* A hostile component could instantiate modules without end (each one
  ** costs host memory and a compiled-code mapping): the store counts them. */
  if (s->ncores >= s->limits.instances && (s->err_kind = WASMPLUG_ERROR_LIMIT))
    return rt_fail(s, "the component instance would create more than %llu core instances, the limit "
                      "(max-instances)", (unsigned long long)s->limits.instances);
  wasmplug_linker_t *l = wasmplug_linker_new(s->engine);
  if (!l) return rt_fail(s, "out of memory");
  wasmplug_linker_limits_set(l, &s->limits);
  /* every name defined below lives as long as the store (its own copies,
  ** the component's) or the module (a core instance's export names) */
  wasmplug_linker_borrow_names(l, true);
  int rc = 0;
  for (uint32_t a = 0; a < d->nargs && !rc; a++) {
    rt_coreinst *arg = get(f, WP_COMP_SORT_CORE_INSTANCE, d->args[a].instance);
    char *mod = rt_strndup(s, d->args[a].name.ptr, d->args[a].name.len);
    if (!arg || !mod) { rc = arg ? rt_fail(s, "out of memory") : -1; break; }
    if (arg->inst) {
      wasmplug_error_t *e = wasmplug_linker_define_instance(l, mod, arg->inst);
      if (e) {
        rc = rt_fail(s, "%s", wasmplug_error_message(e));
        wasmplug_error_delete(e);
      }
    } else {
      for (uint32_t i = 0; i < arg->n && !rc; i++) rc = define_core_item(f, l, mod, arg->names[i], &arg->items[i]);
    }
  }
  if (!rc) {
    wasmplug_error_t *err = NULL;
    wasmplug_linker_instantiate(l, m, s, &ci->inst, &err, trap);
    if (err) {
      rc = rt_fail(s, "%s", wasmplug_error_message(err));
      wasmplug_error_delete(err);
    } else if (*trap) {
      rc = -1;
    } else if (track(s, (void ***)&s->cores, &s->ncores, &s->capcores, ci->inst)) {
      wasmplug_instance_delete(ci->inst);
      rc = -1;
    }
  }
  wasmplug_linker_delete(l);
  if (rc) return rc;
  return push(f, WP_COMP_SORT_CORE_INSTANCE, WP_COMP_FROM_CORE_INSTANCE, k, ci);
}

/* ------------------------------------------------------------ definitions */

static int bag_from_sortidx(rt_frame *f, const wp_comp_sortidx *xs, uint32_t n, rt_bag *b) {
  for (uint32_t i = 0; i < n; i++) {
    void *p = f->space[xs[i].sort] && xs[i].idx < f->len[xs[i].sort] ? f->space[xs[i].sort][xs[i].idx] : NULL;
    if (xs[i].idx >= f->len[xs[i].sort]) return rt_fail(f->store, "%s index %u is not defined yet",
                                                        wp_comp_sort_name(xs[i].sort), xs[i].idx);
    if (rt_bag_add(f->store, b, xs[i].name.ptr, xs[i].name.len, xs[i].sort, p)) return -1;
  }
  return 0;
}

static int instance(rt_frame *f, uint32_t k, wasmplug_trap_t **trap) {
  const wp_comp_instance *d = &f->comp->instances[k];
  rt_bag *b = rt_alloc(f->store, sizeof *b);
  if (!b) return rt_fail(f->store, "out of memory");
  if (d->is_exports) {
    if (bag_from_sortidx(f, d->exports, d->nexports, b)) return -1;
  } else {
    rt_compval *cv = get(f, WP_COMP_SORT_COMPONENT, d->component);
    rt_bag args;
    memset(&args, 0, sizeof args);
    if (!cv || bag_from_sortidx(f, d->args, d->nargs, &args)) return -1;
    rt_frame *child = NULL;
    if (rt_instantiate(f->store, cv->def, cv->parent, &args, &child, trap)) return -1;
    *b = child->exports;
  }
  /* Types written against the instance's type (e.g. a lowered export's
  ** own<r>) name its export nodes: bind them to what it really holds. */
  if (bind_instance(f, d->type, b)) return -1;
  return push(f, WP_COMP_SORT_INSTANCE, WP_COMP_FROM_INSTANCE, k, b);
}

static int alias(rt_frame *f, uint32_t k) {
  const wp_comp_alias *a = &f->comp->aliases[k];
  void *p = NULL;
  switch (a->kind) {
  case WP_COMP_ALIAS_EXPORT: {
    rt_bag *b = get(f, WP_COMP_SORT_INSTANCE, a->instance);
    if (!b) return -1;
    const rt_item *it = rt_bag_get(f->store, b, a->name.ptr, a->name.len);
    if (!it) return rt_fail(f->store, "instance %u has no export `%.*s`", a->instance, (int)a->name.len, a->name.ptr);
    p = it->p;
    if (a->sort == WP_COMP_SORT_TYPE && p) {
      const wp_comp_space *ts = &f->comp->space[WP_COMP_SORT_TYPE];
      const wp_comp_type *node = f->len[WP_COMP_SORT_TYPE] < ts->len ? ts->items[f->len[WP_COMP_SORT_TYPE]].type : NULL;
      if (node && node->kind == WP_COMP_T_RESOURCE && rt_bind_resource(f, node, p)) return -1;
    }
    break;
  }
  case WP_COMP_ALIAS_CORE_EXPORT: {
    rt_coreinst *ci = get(f, WP_COMP_SORT_CORE_INSTANCE, a->instance);
    if (!ci || core_export(f, ci, a->sort, a->name.ptr, a->name.len, &p)) return -1;
    break;
  }
  default: {
    rt_frame *o = f;
    for (uint32_t i = 0; i < a->count && o; i++) o = o->parent;
    if (!o) return rt_fail(f->store, "outer alias count %u leaves the component", a->count);
    if (a->idx >= o->len[a->sort]) return rt_fail(f->store, "outer alias of an undefined %s", wp_comp_sort_name(a->sort));
    p = o->space[a->sort][a->idx];
    break;
  }
  }
  if (!p && a->sort != WP_COMP_SORT_TYPE && a->sort != WP_COMP_SORT_CORE_TYPE)
    return rt_fail(f->store, "alias of `%.*s`: no runtime value", (int)a->name.len, a->name.ptr);
  return push(f, a->sort, WP_COMP_FROM_ALIAS, k, p);
}

typedef struct dtor_ctx {
  rt_store *s;
  rt_corefunc *cf;
} dtor_ctx;

static wp_cabi_error_t *guest_dtor(void *ctx, uint32_t rep) {
  dtor_ctx *d = ctx;
  wp_cabi_flat_t p[1];
  p[0].i64 = 0;
  p[0].i32 = rep;
  wasmplug_trap_t *t = rt_core_call(d->cf, p, 1, NULL, 0);
  if (!t) return NULL;
  wp_cabi_error_t *e = wp_cabi_error_new(WP_CABI_TRAP, "resource destructor: %s", wasmplug_trap_message(t));
  if (d->s->pending) wasmplug_trap_delete(d->s->pending);
  d->s->pending = t;
  return e;
}

static int type_def(rt_frame *f, uint32_t k) {
  const wp_comp_type *t = f->comp->types[k].type;
  void *p = NULL;
  if (t && t->kind == WP_COMP_T_RESOURCE && t->resource_defined) {
    dtor_ctx *d = NULL;
    if (t->has_dtor) {
      d = rt_alloc(f->store, sizeof *d);
      if (!d) return rt_fail(f->store, "out of memory");
      d->s = f->store;
      if (!(d->cf = get(f, WP_COMP_SORT_CORE_FUNC, t->dtor))) return -1;
    }
    char *name = rt_strndup(f->store, t->name.len ? t->name.ptr : "resource", t->name.len ? t->name.len : 8);
    if (!name) return rt_fail(f->store, "out of memory");
    const wp_cabi_resource_t *r =
        wp_cabi_resource_type(f->store->types, name, f->handles, d ? guest_dtor : NULL, d);
    if (!r) return rt_fail(f->store, "resource type: %s", wp_cabi_types_error(f->store->types));
    if (rt_bind_resource(f, t, r)) return -1;
    p = (void *)r;
  }
  return push(f, WP_COMP_SORT_TYPE, WP_COMP_FROM_TYPE, k, p);
}

int rt_resolve_opts(rt_frame *f, const wp_comp_canon_opts *o, rt_opts *out) {
  memset(out, 0, sizeof *out);
  out->encoding = (wp_cabi_string_encoding_t)o->string_encoding;
  if (o->has_memory && !(out->memory = get(f, WP_COMP_SORT_CORE_MEMORY, o->memory))) return -1;
  if (o->has_realloc && !(out->realloc = get(f, WP_COMP_SORT_CORE_FUNC, o->realloc))) return -1;
  if (o->has_post_return && !(out->post_return = get(f, WP_COMP_SORT_CORE_FUNC, o->post_return))) return -1;
  if (o->has_callback && !(out->callback = get(f, WP_COMP_SORT_CORE_FUNC, o->callback))) return -1;
  out->is_async = o->is_async;
  return 0;
}

static int canon(rt_frame *f, uint32_t k) {
  const wp_comp_canon *c = &f->comp->canons[k];
  rt_store *s = f->store;
  switch (c->op) {
  case WP_COMP_CANON_LIFT: {
    rt_func *F = rt_alloc(s, sizeof *F);
    if (!F) return rt_fail(s, "out of memory");
    F->kind = RT_FUNC_LIFTED;
    F->owner = f;
    F->name = "lifted function";
    if (!(F->core = get(f, WP_COMP_SORT_CORE_FUNC, c->func)) || rt_resolve_opts(f, &c->opts, &F->opts)) return -1;
    if (!(F->type = rt_functype(f, c->functype))) return -1;
    F->is_async = c->functype->is_async;
    rt_lifted_init(F);
    return push(f, WP_COMP_SORT_FUNC, WP_COMP_FROM_CANON, k, F);
  }
  case WP_COMP_CANON_LOWER: {
    rt_func *F = get(f, WP_COMP_SORT_FUNC, c->func);
    rt_opts o;
    const wp_cabi_func_t *ty;
    if (!F || rt_resolve_opts(f, &c->opts, &o) || !(ty = rt_functype(f, c->functype))) return -1;
    uint32_t i = f->len[WP_COMP_SORT_CORE_FUNC];
    const wp_comp_core_functype *ct =
        i < f->comp->space[WP_COMP_SORT_CORE_FUNC].len ? f->comp->space[WP_COMP_SORT_CORE_FUNC].items[i].type : NULL;
    rt_corefunc *cf;
    if (rt_canon_lower(f, F, ty, &o, ct, &cf)) return -1;
    return push(f, WP_COMP_SORT_CORE_FUNC, WP_COMP_FROM_CANON, k, cf);
  }
  case WP_COMP_CANON_RESOURCE_NEW:
  case WP_COMP_CANON_RESOURCE_REP:
  case WP_COMP_CANON_RESOURCE_DROP: {
    const wp_cabi_resource_t *r = rt_lookup_resource(f, c->resource);
    if (!r) return rt_fail(s, "canon %s: resource type is not bound", wp_comp_canon_name(c->op));
    uint32_t i = f->len[WP_COMP_SORT_CORE_FUNC];
    const wp_comp_core_functype *ct =
        i < f->comp->space[WP_COMP_SORT_CORE_FUNC].len ? f->comp->space[WP_COMP_SORT_CORE_FUNC].items[i].type : NULL;
    rt_corefunc *cf;
    if (rt_canon_resource(f, c->op, r, ct, &cf)) return -1;
    return push(f, WP_COMP_SORT_CORE_FUNC, WP_COMP_FROM_CANON, k, cf);
  }
  default: {
    uint32_t i = f->len[WP_COMP_SORT_CORE_FUNC];
    const wp_comp_core_functype *ct =
        i < f->comp->space[WP_COMP_SORT_CORE_FUNC].len ? f->comp->space[WP_COMP_SORT_CORE_FUNC].items[i].type : NULL;
    rt_corefunc *cf;
    if (rt_canon_builtin(f, c, ct, &cf)) return -1;
    return push(f, WP_COMP_SORT_CORE_FUNC, WP_COMP_FROM_CANON, k, cf);
  }
  }
}

static int import(rt_frame *f, uint32_t k, const rt_item *resolved) {
  const wp_comp_extern *e = &f->comp->imports[k];
  return push(f, e->sort, WP_COMP_FROM_IMPORT, k, resolved[k].p);
}

static int export(rt_frame *f, uint32_t k) {
  const wp_comp_export *x = &f->comp->exports[k];
  if (x->idx >= f->len[x->sort])
    return rt_fail(f->store, "export `%.*s`: %s index %u is not defined", (int)x->ext.name.len, x->ext.name.ptr,
                   wp_comp_sort_name(x->sort), x->idx);
  void *p = f->space[x->sort][x->idx];
  if (x->sort == WP_COMP_SORT_TYPE && p) {
    /* Both the export's type and the new index's type may be fresh nodes. */
    const wp_comp_space *ts = &f->comp->space[WP_COMP_SORT_TYPE];
    const wp_comp_type *node = f->len[WP_COMP_SORT_TYPE] < ts->len ? ts->items[f->len[WP_COMP_SORT_TYPE]].type : NULL;
    if (x->ext.type && x->ext.type->kind == WP_COMP_T_RESOURCE && rt_bind_resource(f, x->ext.type, p)) return -1;
    if (node && node->kind == WP_COMP_T_RESOURCE && rt_bind_resource(f, node, p)) return -1;
  }
  if (x->sort == WP_COMP_SORT_FUNC && p) {
    rt_func *F = p;
    if (F->kind == RT_FUNC_LIFTED && !strcmp(F->name, "lifted function") &&
        !(F->name = rt_strndup(f->store, x->ext.name.ptr, x->ext.name.len)))
      return rt_fail(f->store, "out of memory");
  }
  if (rt_bag_add(f->store, &f->exports, x->ext.name.ptr, x->ext.name.len, x->sort, p)) return -1;
  /* The export's own index (re-indexing the target). */
  if (x->sort == WP_COMP_SORT_INSTANCE && p && x->ext.type) bind_instance(f, x->ext.type, p);
  return push(f, x->sort, WP_COMP_FROM_EXPORT, k, p);
}

/* Resolves every import first, so a missing one fails before any core code
** runs (and names the import with its WIT type). */
static int resolve_imports(rt_frame *f, rt_item *out) {
  for (uint32_t k = 0; k < f->comp->nimports; k++) {
    const wp_comp_extern *e = &f->comp->imports[k];
    if (!f->args) {
      if (rt_link_import(f, e, &out[k])) return -1;
    } else {
      const rt_item *it = rt_bag_get(f->store, f->args, e->name.ptr, e->name.len);
      if (!it) {
        /* Instantiation args may name a semver-compatible version. */
        wp_comp_str *names = malloc((f->args->n + 1) * sizeof *names);
        if (!names) return rt_fail(f->store, "out of memory");
        for (uint32_t i = 0; i < f->args->n; i++) {
          names[i].ptr = f->args->names[i];
          names[i].len = (uint32_t)strlen(f->args->names[i]);
        }
        long best = wp_comp_name_best(e->name.ptr, e->name.len, names, f->args->n);
        free(names);
        if (best < 0)
          return rt_fail(f->store, "nested component import `%.*s` has no instantiation argument",
                         (int)e->name.len, e->name.ptr);
        it = &f->args->items[best];
      }
      out[k] = *it;
    }
    if (e->sort == WP_COMP_SORT_TYPE && e->type && e->type->kind == WP_COMP_T_RESOURCE && out[k].p &&
        rt_bind_resource(f, e->type, out[k].p))
      return -1;
    if (e->sort == WP_COMP_SORT_INSTANCE && bind_instance(f, e->type, out[k].p)) return -1;
  }
  return 0;
}

void rt_subtask_reap(rt_subtask *st);
static void reap_subtask(void *ctx, wp_cabi_obj_t *o) {
  (void)ctx;
  rt_subtask_reap((rt_subtask *)o);
}

static int instantiate_items(rt_frame *f, rt_item *imports, wasmplug_trap_t **trap);

int rt_instantiate(rt_store *s, const wp_comp *comp, rt_frame *parent, rt_bag *args, rt_frame **out,
                   wasmplug_trap_t **trap) {
  rt_frame *f = rt_alloc(s, sizeof *f);
  if (!f) return rt_fail(s, "out of memory");
  f->store = s;
  f->comp = comp;
  f->parent = parent;
  f->args = args;
  for (int i = 0; i < WP_COMP_SORT_COUNT; i++)
    if (!(f->space[i] = rt_alloc(s, (comp->space[i].len + 1) * sizeof(void *)))) return rt_fail(s, "out of memory");
  if (!(f->handles = wp_cabi_handles_new())) return rt_fail(s, "out of memory");
  wp_cabi_handles_set_reaper(f->handles, reap_subtask, NULL);
  wp_cabi_handles_limit_set(f->handles, s->limits.handles);
  if (track(s, (void ***)&s->frames, &s->nframes, &s->capframes, f)) {
    wp_cabi_handles_delete(f->handles);
    return -1;
  }
  rt_item *imports = rt_alloc(s, (comp->nimports + 1) * sizeof *imports);
  if (!imports) return rt_fail(s, "out of memory");
  if (resolve_imports(f, imports)) return -1;
  f->args = NULL; /* a nested frame's args live on its parent's C stack */
  if (parent) {
    if (instantiate_items(f, imports, trap)) return -1;
    *out = f;
    return 0;
  }
  /* Instantiation runs as a synchronous task of the top-level instance
  ** (core start functions may call built-ins, and may not block). */
  rt_sched *S = rt_sched_get();
  rt_func *boot = rt_alloc(s, sizeof *boot);
  wp_cabi_func_t *none = rt_alloc(s, sizeof *none);
  if (!S || !boot || !none) return rt_fail(s, "out of memory");
  boot->kind = RT_FUNC_LIFTED;
  boot->name = "instantiation";
  boot->type = none;
  boot->owner = f;
  rt_task task;
  rt_thread th;
  memset(&task, 0, sizeof task);
  memset(&th, 0, sizeof th);
  task.F = boot;
  task.state = RT_TASK_STARTED;
  task.implicit = task.threads = &th;
  task.nthreads = 1;
  th.task = &task;
  rt_thread *prev = S->current;
  S->current = &th;
  rt_enter(f, NULL);
  int rc = instantiate_items(f, imports, trap);
  rt_leave(f, NULL);
  S->current = prev;
  if (th.index && th.index < f->thread_len) f->thread_tab[th.index] = NULL;
  if (!rc && !*trap && s->poison) *trap = rt_poisoned(s);
  if (rc || *trap) return -1;
  *out = f;
  return 0;
}

static int instantiate_items(rt_frame *f, rt_item *imports, wasmplug_trap_t **trap) {
  rt_store *s = f->store;
  const wp_comp *comp = f->comp;
  for (uint32_t i = 0; i < comp->nitems; i++) {
    const wp_comp_item *it = &comp->items[i];
    int rc = 0;
    switch (it->kind) {
    case WP_COMP_ITEM_CORE_MODULE: {
      wasmplug_module_t *m = rt_component_module(s->component, comp, it->index);
      rc = m ? push(f, WP_COMP_SORT_CORE_MODULE, WP_COMP_FROM_CORE_MODULE, it->index, m)
             : rt_fail(s, "core module %u was not compiled", it->index);
      break;
    }
    case WP_COMP_ITEM_CORE_INSTANCE: rc = core_instance(f, it->index, trap); break;
    case WP_COMP_ITEM_CORE_TYPE: rc = push(f, WP_COMP_SORT_CORE_TYPE, WP_COMP_FROM_CORE_TYPE, it->index, NULL); break;
    case WP_COMP_ITEM_COMPONENT: {
      rt_compval *cv = rt_alloc(s, sizeof *cv);
      if (!cv) { rc = rt_fail(s, "out of memory"); break; }
      cv->def = comp->components[it->index];
      cv->parent = f;
      rc = push(f, WP_COMP_SORT_COMPONENT, WP_COMP_FROM_COMPONENT, it->index, cv);
      break;
    }
    case WP_COMP_ITEM_INSTANCE: rc = instance(f, it->index, trap); break;
    case WP_COMP_ITEM_ALIAS: rc = alias(f, it->index); break;
    case WP_COMP_ITEM_TYPE: rc = type_def(f, it->index); break;
    case WP_COMP_ITEM_CANON: rc = canon(f, it->index); break;
    case WP_COMP_ITEM_IMPORT: rc = import(f, it->index, imports); break;
    case WP_COMP_ITEM_EXPORT: rc = export(f, it->index); break;
    default: rc = rt_fail(s, "component start functions are not supported yet"); break;
    }
    if (rc) return -1;
  }
  return 0;
}
