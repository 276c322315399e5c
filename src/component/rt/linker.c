/*
** rt/linker.c — the component linker: the host's definitions by import name
** and the resolution of a component's top-level imports against them.
**
** Names are "ns:pkg/iface@ver#item" for items of an imported interface and
** bare names for items imported directly.  An interface import is matched to
** the host's definitions of the same interface by exact name first, then by
** semver compatibility (wp_comp_name_best: a guest built against @0.2.6 can
** use a host providing @0.2.12 and the other way round).
*/
#include "component/rt/rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wasmplug_component_linker {
  wasmplug_engine_t *engine;
  wasmplug_store_limits_t limits; /* of the instances it makes */
  rt_host_def **defs;
  size_t n, cap;
  bool allow_unknown;
  bool default_unknown; /* unknown functions return default values */
};

static void def_free(rt_host_def *d) {
  free(d->name);
  free(d->who);
  free(d);
}

wasmplug_component_linker_t *wasmplug_component_linker_new(wasmplug_engine_t *engine) {
  wasmplug_component_linker_t *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->engine = engine;
  l->limits = *wasmplug_engine_limits(engine);
  return l;
}

void wasmplug_component_linker_limits_set(wasmplug_component_linker_t *l, const wasmplug_store_limits_t *limits) {
  wasmplug_store_limits_merge(&l->limits, limits);
}

const wasmplug_store_limits_t *rt_linker_limits(const wasmplug_component_linker_t *l) { return &l->limits; }

void wasmplug_component_linker_delete(wasmplug_component_linker_t *l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) {
    if (l->defs[i]->finalizer) l->defs[i]->finalizer(l->defs[i]->env);
    def_free(l->defs[i]);
  }
  free(l->defs);
  free(l);
}

void wasmplug_component_linker_allow_unknown_imports(wasmplug_component_linker_t *l, bool yes) {
  l->allow_unknown = yes;
}

void wasmplug_component_linker_default_unknown_imports(wasmplug_component_linker_t *l, bool yes) {
  l->default_unknown = yes;
}

static const rt_host_def *find_exact(const wasmplug_component_linker_t *l, const char *name, size_t len,
                                     bool resource) {
  for (size_t i = 0; i < l->n; i++)
    if (l->defs[i]->is_resource == resource && strlen(l->defs[i]->name) == len &&
        !memcmp(l->defs[i]->name, name, len))
      return l->defs[i];
  return NULL;
}

static wasmplug_error_t *add(wasmplug_component_linker_t *l, rt_host_def *d) {
  if (!d->name) {
    def_free(d);
    return wasmplug_error_new("out of memory");
  }
  if (find_exact(l, d->name, strlen(d->name), d->is_resource)) {
    wasmplug_error_t *e = wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "component linker: `%s` is already defined", d->name);
    def_free(d);
    return e;
  }
  if (l->n == l->cap) {
    size_t ncap = l->cap ? l->cap * 2 : 16;
    rt_host_def **n = realloc(l->defs, ncap * sizeof *n);
    if (!n) {
      def_free(d);
      return wasmplug_error_new("out of memory");
    }
    l->defs = n;
    l->cap = ncap;
  }
  l->defs[l->n++] = d;
  return NULL;
}

wasmplug_error_t *wasmplug_component_linker_define_func(wasmplug_component_linker_t *l, const char *name,
                                                        const wasmplug_cfunctype_t *type,
                                                        wasmplug_component_host_fn_t cb, void *env,
                                                        void (*finalizer)(void *)) {
  if (!l || !name || !type || !cb) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "component linker: bad arguments for `%s`", name ? name : "?");
  rt_host_def *d = calloc(1, sizeof *d);
  if (!d) return wasmplug_error_new("out of memory");
  d->name = strdup(name);
  d->type = type;
  d->cb = cb;
  d->env = env;
  d->finalizer = finalizer;
  return add(l, d);
}

wasmplug_error_t *rt_linker_define_forward(wasmplug_component_linker_t *l, const char *name,
                                           wasmplug_component_host_fn_t cb, void *env, void (*finalizer)(void *),
                                           wasmplug_component_func_t *target,
                                           wasmplug_trap_t *(*fuse_trap)(void *env, wasmplug_trap_t *t)) {
  if (!l || !name || !target || !cb || !fuse_trap)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "component linker: bad arguments for `%s`", name ? name : "?");
  rt_host_def *d = calloc(1, sizeof *d);
  if (!d) return wasmplug_error_new("out of memory");
  d->name = strdup(name);
  d->fuse = (rt_func *)target;
  d->type = d->fuse->type;
  d->cb = cb;
  d->env = env;
  d->finalizer = finalizer;
  d->fuse_trap = fuse_trap;
  return add(l, d);
}

wasmplug_error_t *rt_linker_define_native(wasmplug_component_linker_t *l, const char *name, const wp_cabi_func_t *type,
                                          const wp_cabi_native_fn_t *fn, void (*finalizer)(void *)) {
  if (!l || !name || !type || !fn || !fn->fn)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "component linker: bad arguments for `%s`", name ? name : "?");
  rt_host_def *d = calloc(1, sizeof *d);
  if (!d) return wasmplug_error_new("out of memory");
  wp_cabi_error_t *ce = wp_cabi_func_native_args(type, &d->native_args);
  if (ce) {
    wasmplug_error_t *e = wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "component linker: `%s`: %s", name, wp_cabi_error_message(ce));
    wp_cabi_error_delete(ce);
    free(d);
    return e;
  }
  if (fn->who && !(d->who = strdup(fn->who))) {
    free(d);
    return wasmplug_error_new("out of memory");
  }
  d->name = strdup(name);
  d->type = type;
  d->native = *fn;
  d->native.who = d->who;
  d->env = fn->state;
  d->finalizer = finalizer;
  return add(l, d);
}

wasmplug_error_t *wasmplug_component_linker_define_native(wasmplug_component_linker_t *l, const char *name,
                                                          const wasmplug_cfunctype_t *type,
                                                          int (*fn)(void *, struct wasmplug_plugin_call *,
                                                                    const void *, void *),
                                                          void *state, void (*finalizer)(void *)) {
  wp_cabi_native_fn_t f = {fn, state, 0, NULL, NULL, NULL}; /* named by the import at call time */
  return rt_linker_define_native(l, name, type, &f, finalizer);
}

wasmplug_error_t *wasmplug_component_linker_define_func_ref(wasmplug_component_linker_t *l, const char *name,
                                                            wasmplug_component_func_t *func) {
  if (!l || !name || !func) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "component linker: bad arguments for `%s`", name ? name : "?");
  rt_host_def *d = calloc(1, sizeof *d);
  if (!d) return wasmplug_error_new("out of memory");
  d->name = strdup(name);
  d->ref = (rt_func *)func;
  d->type = d->ref->type;
  return add(l, d);
}

wasmplug_error_t *wasmplug_component_linker_define_resource(wasmplug_component_linker_t *l, const char *name,
                                                            const wasmplug_cresource_t *resource) {
  if (!l || !name || !resource) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "component linker: bad arguments for resource `%s`", name ? name : "?");
  rt_host_def *d = calloc(1, sizeof *d);
  if (!d) return wasmplug_error_new("out of memory");
  d->name = strdup(name);
  d->is_resource = true;
  d->resource = resource;
  return add(l, d);
}

void *wasmplug_component_call_alloc(struct wasmplug_plugin_call *call, size_t size, size_t align) {
  if (!call || !call->arena) return NULL;
  if (align == 0) align = 1;
  if ((align & (align - 1)) || align > 4096) return NULL;
  return wp_cabi_arena_alloc(call->arena, size ? size : 1, align);
}

int wasmplug_component_call_trap(struct wasmplug_plugin_call *call, const char *msg) {
  if (!call) return WASMPLUG_TRAP;
  snprintf(call->msg, sizeof call->msg, "%s", msg ? msg : "(no message)");
  call->trapped = true;
  return WASMPLUG_TRAP;
}

/* ------------------------------------------------------------ resolution */

/* The definition of `item` in interface `iface` (exact, else the best
** semver-compatible interface the host defines it in). */
static const rt_host_def *find_in_iface(rt_store *s, const wasmplug_component_linker_t *l, const char *iface,
                                        size_t ilen, const char *item, size_t itlen, bool resource) {
  char key[1024];
  if (ilen + itlen + 2 > sizeof key) return NULL;
  memcpy(key, iface, ilen);
  key[ilen] = '#';
  memcpy(key + ilen + 1, item, itlen);
  const rt_host_def *d = find_exact(l, key, ilen + 1 + itlen, resource);
  if (d) return d;
  (void)s;
  /* Scratch arrays: one lookup per imported item (on the stack for a
  ** linker of up to 64 definitions, else allocated and freed here). */
  wp_comp_str names_small[64];
  const rt_host_def *cand_small[64];
  names_small[0].ptr = NULL; /* (gcc cannot see that only the first n are read) */
  names_small[0].len = 0;
  cand_small[0] = NULL;
  bool small = l->n < 64;
  wp_comp_str *names = small ? names_small : malloc((l->n + 1) * sizeof *names);
  const rt_host_def **cand = small ? cand_small : malloc((l->n + 1) * sizeof *cand);
  if (!names || !cand) {
    if (!small) {
      free(names);
      free(cand);
    }
    return NULL;
  }
  size_t n = 0;
  for (size_t i = 0; i < l->n; i++) {
    const char *nm = l->defs[i]->name, *hash = strrchr(nm, '#');
    if (!hash || l->defs[i]->is_resource != resource || strlen(hash + 1) != itlen || memcmp(hash + 1, item, itlen))
      continue;
    names[n].ptr = nm;
    names[n].len = (uint32_t)(hash - nm);
    cand[n++] = l->defs[i];
  }
  long best = wp_comp_name_best(iface, ilen, names, n);
  const rt_host_def *found = best < 0 ? NULL : cand[best];
  if (!small) {
    free(names);
    free(cand);
  }
  return found;
}

static void print_func(const wp_cabi_func_t *f, char *buf, size_t cap) {
  size_t k = (size_t)snprintf(buf, cap, "func(");
  for (size_t i = 0; i < f->nparams && k < cap; i++) {
    k += (size_t)snprintf(buf + k, cap - k, "%s%s: ", i ? ", " : "", f->param_names ? f->param_names[i] : "_");
    if (k < cap) k += wp_cabi_type_print(f->params[i], buf + k, cap - k);
  }
  if (k < cap) k += (size_t)snprintf(buf + k, cap - k, ")");
  if (f->result && k < cap) {
    k += (size_t)snprintf(buf + k, cap - k, " -> ");
    if (k < cap) wp_cabi_type_print(f->result, buf + k, cap - k);
  }
}

static int missing(rt_store *s, const char *name, size_t len, const wp_comp_type *t, const char *what) {
  char wit[512];
  if (t) wp_comp_type_wit(t, wit, sizeof wit);
  else snprintf(wit, sizeof wit, "%s", what ? what : "?");
  return rt_fail(s, "unknown import `%.*s`: `%s` has not been defined", (int)len, name, wit);
}

static int make_func(rt_frame *f, const rt_host_def *d, const char *name, size_t len, const wp_comp_type *ft,
                     rt_func **out) {
  rt_store *s = f->store;
  const wp_cabi_func_t *want = rt_functype(f, ft);
  if (!want) {
    char msg[sizeof s->err];
    snprintf(msg, sizeof msg, "%s", s->err);
    return rt_fail(s, "import `%.*s`: %s", (int)len, name, msg);
  }
  rt_func *F = rt_alloc(s, sizeof *F);
  char *nm = rt_strndup(s, name, len);
  if (!F || !nm) return rt_fail(s, "out of memory");
  F->name = nm;
  F->type = want;
  F->is_async = ft && ft->is_async; /* the importer's view: how it may be called */
  if (!d) {
    F->kind = RT_FUNC_UNKNOWN;
    F->default_result = s->linker->default_unknown;
  } else {
    if (!wp_cabi_func_equal(want, d->type, false)) {
      char a[512], b[512];
      print_func(want, a, sizeof a);
      print_func(d->type, b, sizeof b);
      return rt_fail(s, "import `%.*s`: type mismatch: the component expects `%s`, the host defines `%s`", (int)len,
                     name, a, b);
    }
    if (d->ref) {
      /* The other instance's function itself: lowering calls it directly. */
      *out = d->ref;
      return 0;
    }
    F->kind = d->native.fn ? RT_FUNC_NATIVE : RT_FUNC_HOST;
    F->host = d;
  }
  *out = F;
  return 0;
}

static int link_resource(rt_frame *f, const rt_host_def *d, const char *name, size_t len, const wp_comp_type *node,
                         void **out) {
  rt_store *s = f->store;
  const wp_cabi_resource_t *r = d ? d->resource : NULL;
  if (!r) {
    if (!s->linker->allow_unknown && !s->linker->default_unknown) return missing(s, name, len, NULL, "resource");
    char *nm = rt_strndup(s, name, len);
    if (!nm || !(r = wp_cabi_resource_type(s->types, nm, NULL, NULL, NULL))) return rt_fail(s, "out of memory");
  }
  if (rt_bind_resource(f, node, r)) return -1;
  *out = (void *)r;
  return 0;
}

int rt_link_import(rt_frame *f, const wp_comp_extern *ext, rt_item *out) {
  rt_store *s = f->store;
  const wasmplug_component_linker_t *l = s->linker;
  const char *name = ext->name.ptr;
  size_t len = ext->name.len;
  out->sort = ext->sort;
  out->p = NULL;
  switch (ext->sort) {
  case WP_COMP_SORT_FUNC: {
    const rt_host_def *d = find_exact(l, name, len, false);
    if (!d && !l->allow_unknown && !l->default_unknown) return missing(s, name, len, ext->type, "func");
    return make_func(f, d, name, len, ext->type, (rt_func **)&out->p);
  }
  case WP_COMP_SORT_TYPE: {
    if (!ext->type || ext->type->kind != WP_COMP_T_RESOURCE) return 0; /* a value type: nothing at run time */
    return link_resource(f, find_exact(l, name, len, true), name, len, ext->type, &out->p);
  }
  case WP_COMP_SORT_INSTANCE: {
    const wp_comp_type *it = ext->type;
    rt_bag *b = rt_alloc(s, sizeof *b);
    if (!b || !it) return rt_fail(s, "out of memory");
    char full[1024];
    /* Resource types first: the functions' types refer to them. */
    for (int pass = 0; pass < 2; pass++)
      for (uint32_t i = 0; i < it->nexports; i++) {
        const wp_comp_extern *e = &it->exports[i];
        size_t fa = len < sizeof full - 1 ? len : sizeof full - 1, fb = e->name.len; /* "name#item", cut */
        memcpy(full, name, fa);
        if (fa < sizeof full - 1) full[fa++] = '#';
        if (fb > sizeof full - 1 - fa) fb = sizeof full - 1 - fa;
        memcpy(full + fa, e->name.ptr, fb);
        full[fa + fb] = 0;
        void *p = NULL;
        if (pass == 0 && e->sort == WP_COMP_SORT_TYPE) {
          /* `use other.{r}` re-exports another interface's resource (an eq
          ** bound to a node an earlier import already bound): keep it. */
          const wp_cabi_resource_t *bound =
              e->type && e->type->kind == WP_COMP_T_RESOURCE ? rt_lookup_resource(f, e->type) : NULL;
          if (bound) {
            p = (void *)bound;
          } else if (e->type && e->type->kind == WP_COMP_T_RESOURCE &&
                     link_resource(f, find_in_iface(s, l, name, len, e->name.ptr, e->name.len, true), full,
                                   strlen(full), e->type, &p)) {
            return -1;
          }
        } else if (pass == 1 && e->sort == WP_COMP_SORT_FUNC) {
          const rt_host_def *d = find_in_iface(s, l, name, len, e->name.ptr, e->name.len, false);
          if (!d && !l->allow_unknown && !l->default_unknown) return missing(s, full, strlen(full), e->type, "func");
          if (make_func(f, d, full, strlen(full), e->type, (rt_func **)&p)) return -1;
        } else if (pass == 1 && e->sort != WP_COMP_SORT_TYPE) {
          return rt_fail(s, "import `%s`: importing a %s from the host is not supported", full,
                         wp_comp_sort_name(e->sort));
        } else {
          continue;
        }
        if (rt_bag_add(s, b, e->name.ptr, e->name.len, e->sort, p)) return -1;
      }
    out->p = b;
    return 0;
  }
  default:
    return rt_fail(s, "import `%.*s`: importing a %s from the host is not supported", (int)len, name,
                   wp_comp_sort_name(ext->sort));
  }
}
