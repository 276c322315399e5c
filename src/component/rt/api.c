/*
** rt/api.c — the public component API of include/wasmplug.h: components
** (decode + compile), instances (store lifetime), export lookup, calls and
** the WAVE helper of `wasmplug run --invoke`.
*/
#include "component/rt/async.h"
#include "core/load.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

typedef struct rt_module {
  const wp_comp *def;
  uint32_t idx;
  wasmplug_module_t *m;
} rt_module;

struct wasmplug_component {
  wasmplug_engine_t *engine;
  const uint8_t *bytes; /* the component's (the caller's; they outlive it) */
  size_t len;
  const uint8_t *const *artifacts; /* while loading an artifact: per core module */
  const size_t *artifact_lens;
  size_t nartifacts;
  wp_comp *comp;
  char *name;
  rt_module *modules;
  size_t nmodules, capmodules;
  /* `bytes` are a program's own copy, unchanged while the component lives
  ** (rt_component_decode): core modules are used in place */
  bool inplace;
  rt_shared_types *shared; /* its instances' resource-free types (rt/types.c) */
  size_t store_bytes; /* what its last instantiation bumped out of its store (rt_alloc) */
};

struct wasmplug_component_instance {
  rt_store *store;
  rt_frame *top;
  bool snapshot; /* wasmplug_component_instance_snapshot was taken */
  wp_cabi_handles_mark_t **marks; /* each frame's handle table then */
  size_t nmarks;
};

static void drop_marks(wasmplug_component_instance_t *in) {
  for (size_t i = 0; i < in->nmarks; i++) wp_cabi_handles_mark_free(in->marks[i]);
  free(in->marks);
  in->marks = NULL;
  in->nmarks = 0;
}

/* ------------------------------------------------------------ components */

/* A component artifact (`wasmplug compile -o`): "WPLUGCMP", u32 format
** version, u32 number of core modules N, u64 length of the component,
** N u64 lengths, then the component's bytes and the N core artifacts
** (wasmplug_module_serialize_bytes: each carries its own checksum, which
** wasmplug_module_new verifies, and is refused there unless precompiled
** code is allowed) in the order compile_all meets the core modules.  The
** component's own bytes are checked by decoding and validating them. */
#define CART_MAGIC "WPLUGCMP"
#define CART_VERSION 1u
#define CART_HEADER (8 + 4 + 4 + 8)

bool wasmplug_bytes_is_component_artifact(const uint8_t *b, size_t len) {
  return b && len >= 8 && !memcmp(b, CART_MAGIC, 8);
}

static uint64_t rd64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}
static void wr64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void wr32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static wasmplug_error_t *artifact_split(const char *name, const uint8_t **bytes, size_t *len, const uint8_t ***arts,
                                        size_t **lens, size_t *n) {
  const uint8_t *b = *bytes;
  size_t l = *len;
  if (l < CART_HEADER) return wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s: truncated component artifact", name);
  if (rd32(b + 8) != CART_VERSION)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s: component artifact format %u is not supported (expected %u)",
                                   name, rd32(b + 8), CART_VERSION);
  uint32_t nm = rd32(b + 12);
  uint64_t clen = rd64(b + 16);
  if (nm > (l - CART_HEADER) / 8)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s: corrupt component artifact (bad lengths)", name);
  uint64_t off = CART_HEADER + 8 * (uint64_t)nm;
  *arts = calloc(nm + 1, sizeof **arts);
  *lens = calloc(nm + 1, sizeof **lens);
  if (!*arts || !*lens) {
    free(*arts);
    free(*lens);
    return wasmplug_error_new("out of memory");
  }
  bool bad = clen > l - off;
  uint64_t at = off + clen;
  for (uint32_t i = 0; i < nm && !bad; i++) {
    uint64_t ml = rd64(b + CART_HEADER + 8 * i);
    bad = at > l || ml > l - at;
    if (bad) break;
    (*arts)[i] = b + at;
    (*lens)[i] = (size_t)ml;
    at += ml;
  }
  if (bad || at != l) {
    free(*arts);
    free(*lens);
    return wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s: corrupt component artifact (bad lengths)", name);
  }
  *n = nm;
  *bytes = b + off;
  *len = (size_t)clen;
  return NULL;
}

wasmplug_error_t *wasmplug_component_serialize(wasmplug_component_t *c, const char *path) {
  uint8_t **arts = calloc(c->nmodules + 1, sizeof *arts);
  size_t *lens = calloc(c->nmodules + 1, sizeof *lens);
  wasmplug_error_t *e = arts && lens ? NULL : wasmplug_error_new("out of memory");
  size_t total = CART_HEADER + 8 * c->nmodules + c->len;
  for (size_t i = 0; i < c->nmodules && !e; i++) {
    e = wasmplug_module_serialize_bytes(c->modules[i].m, &arts[i], &lens[i]);
    total += lens[i];
  }
  uint8_t *buf = e ? NULL : malloc(total);
  if (!e && !buf) e = wasmplug_error_new("out of memory");
  if (!e) {
    memcpy(buf, CART_MAGIC, 8);
    wr32(buf + 8, CART_VERSION);
    wr32(buf + 12, (uint32_t)c->nmodules);
    wr64(buf + 16, c->len);
    size_t at = CART_HEADER;
    for (size_t i = 0; i < c->nmodules; i++, at += 8) wr64(buf + at, lens[i]);
    memcpy(buf + at, c->bytes, c->len);
    at += c->len;
    for (size_t i = 0; i < c->nmodules; i++, at += lens[i - 1]) memcpy(buf + at, arts[i], lens[i]);
    /* written whole under a temporary name, then renamed: never half an artifact */
    size_t pl = strlen(path) + 16;
    char *tmp = malloc(pl);
    FILE *f = NULL;
    if (tmp) snprintf(tmp, pl, "%s.tmp%d", path, (int)getpid());
    bool ok = tmp && (f = fopen(tmp, "wb")) != NULL;
    if (ok) ok = fwrite(buf, 1, total, f) == total;
    if (f && fclose(f)) ok = false;
    if (ok) ok = !rename(tmp, path);
    if (!ok) {
      e = wasmplug_error_new_kind(WASMPLUG_ERROR_IO, "cannot write %s: %s", path, strerror(errno));
      if (tmp) remove(tmp);
    }
    free(tmp);
  }
  for (size_t i = 0; arts && i < c->nmodules; i++) free(arts[i]);
  free(arts);
  free(lens);
  free(buf);
  return e;
}

static wasmplug_error_t *compile_all(wasmplug_component_t *c, const wp_comp *def) {
  for (uint32_t i = 0; i < def->ncore_modules; i++) {
    if (c->nmodules == c->capmodules) {
      size_t ncap = c->capmodules ? c->capmodules * 2 : 8;
      rt_module *n = realloc(c->modules, ncap * sizeof *n);
      if (!n) return wasmplug_error_new("out of memory");
      c->modules = n;
      c->capmodules = ncap;
    }
    char name[600];
    snprintf(name, sizeof name, "%s: core module %u", c->name, i);
    wasmplug_module_t *m = NULL;
    const uint8_t *bytes = def->core_modules[i].bytes;
    size_t len = def->core_modules[i].size;
    if (c->artifacts) { /* a component artifact: the module's, in the same order */
      if (c->nmodules >= c->nartifacts)
        return wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s: corrupt component artifact (too few modules)",
                                       c->name);
      bytes = c->artifacts[c->nmodules];
      len = c->artifact_lens[c->nmodules];
    }
    const wp_comp_core_module *cm = &def->core_modules[i];
    wasmplug_error_t *e =
        c->inplace ? wp_module_new_inplace(c->engine, bytes, len, name,
                                           !c->artifacts && cm->digested ? cm->digest : NULL, &m)
                   : wasmplug_module_new(c->engine, bytes, len, name, &m);
    if (e) return e;
    c->modules[c->nmodules].def = def;
    c->modules[c->nmodules].idx = i;
    c->modules[c->nmodules].m = m;
    c->nmodules++;
  }
  for (uint32_t i = 0; i < def->ncomponents; i++) {
    wasmplug_error_t *e = compile_all(c, def->components[i]);
    if (e) return e;
  }
  return NULL;
}

wasmplug_module_t *rt_component_module(wasmplug_component_t *c, const wp_comp *def, uint32_t idx) {
  for (size_t i = 0; i < c->nmodules; i++)
    if (c->modules[i].def == def && c->modules[i].idx == idx) return c->modules[i].m;
  return NULL;
}

wasmplug_error_t *rt_validate_core(void *engine, const uint8_t *bytes, size_t len, const char *name,
                                   uint8_t digest[32], bool *digested) {
  wasmplug_error_t *e = wp_engine_validate_digest(engine, bytes, len, name, digest);
  *digested = !e;
  return e;
}

wasmplug_error_t *wasmplug_component_new(wasmplug_engine_t *engine, const uint8_t *bytes, size_t len,
                                         const char *name, wasmplug_component_t **out) {
  wasmplug_error_t *e = rt_component_decode(engine, bytes, len, name, false, out);
  if (!e && (e = rt_component_compile(*out))) {
    wasmplug_component_delete(*out);
    *out = NULL;
  }
  return e;
}

wasmplug_error_t *rt_component_decode(wasmplug_engine_t *engine, const uint8_t *bytes, size_t len, const char *name,
                                      bool inplace, wasmplug_component_t **out) {
  *out = NULL;
  wasmplug_component_t *c = calloc(1, sizeof *c);
  if (!c || !(c->name = strdup(name ? name : "<memory>"))) {
    free(c);
    return wasmplug_error_new("out of memory");
  }
  c->engine = engine;
  const uint8_t **arts = NULL;
  size_t *lens = NULL;
  wasmplug_error_t *e = NULL;
  if (wasmplug_bytes_is_component_artifact(bytes, len) &&
      (e = artifact_split(c->name, &bytes, &len, &arts, &lens, &c->nartifacts))) {
    wasmplug_component_delete(c);
    return e;
  }
  c->bytes = bytes;
  c->len = len;
  c->artifacts = arts;
  c->artifact_lens = lens;
  c->inplace = inplace;
  char err[1024];
  if (wp_comp_load_with(rt_validate_core, c->engine, bytes, len, c->name, &c->comp, err, sizeof err)) {
    wasmplug_component_delete(c);
    return wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s", err);
  }
  *out = c;
  return NULL;
}

wasmplug_error_t *rt_component_compile(wasmplug_component_t *c) {
  wasmplug_error_t *e = compile_all(c, c->comp);
  if (!e && c->artifacts && c->nmodules != c->nartifacts)
    e = wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s: corrupt component artifact (%zu modules for %zu)", c->name,
                                c->nartifacts, c->nmodules);
  free((void *)c->artifacts);
  free((void *)c->artifact_lens);
  c->artifacts = NULL;
  c->artifact_lens = NULL;
  return e;
}

void wasmplug_component_delete(wasmplug_component_t *c) {
  if (!c) return;
  free((void *)c->artifacts); /* (decoded, never compiled) */
  free((void *)c->artifact_lens);
  for (size_t i = 0; i < c->nmodules; i++) wasmplug_module_delete(c->modules[i].m);
  free(c->modules);
  wp_comp_delete(c->comp);
  rt_shared_types_delete(c->shared);
  free(c->name);
  free(c);
}

const wp_comp *rt_component_def(const wasmplug_component_t *c) { return c->comp; }

char *wasmplug_component_world_wit(const wasmplug_component_t *c) { return rt_world_wit(c->comp, c->name); }

/* ------------------------------------------------------------ instances */

static void store_delete(rt_store *s) {
  /* Suspended tasks unwind first, while everything they use still exists. */
  rt_store_abort_threads(s);
  s->dead = false;
  /* Destructors first (they may call into guests), innermost frames first.
  ** Native plugins' instances (their stream ends, pending calls) go after
  ** them: a plugin's resource destructor may drop an end it kept (a
  ** wasi:http 0.3 response its body's), which must still exist. */
  for (size_t i = s->nframes; i-- > 0;) {
    wp_cabi_handles_delete(s->frames[i]->handles);
    s->frames[i]->handles = NULL;
  }
  rt_native_insts_delete(s);
  s->dead = true;
  for (size_t i = s->ncores; i-- > 0;) wasmplug_instance_delete(s->cores[i]);
  if (s->pending) wasmplug_trap_delete(s->pending);
  wp_cabi_arena_delete(s->spare_arena);
  for (size_t i = 0; i < s->nallocs; i++) free(s->allocs[i]);
  free(s->allocs);
  free(s->cores);
  free(s->frames);
  free(s->threads);
  if (s->poison) wasmplug_trap_delete(s->poison);
  wp_cabi_types_delete(s->types);
  free(s);
}

/* The component's shared type cache, made on first use (NULL when out of
** memory: every instance then converts its own). */
static rt_shared_types *component_shared(wasmplug_component_t *c) {
  rt_shared_types *sh = __atomic_load_n(&c->shared, __ATOMIC_ACQUIRE);
  if (sh) return sh;
  rt_shared_types *n = rt_shared_types_new(), *seen = NULL;
  if (!n) return NULL;
  if (__atomic_compare_exchange_n(&c->shared, &seen, n, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return n;
  rt_shared_types_delete(n); /* another thread's won */
  return seen;
}

void wasmplug_component_linker_instantiate(wasmplug_component_linker_t *linker, wasmplug_component_t *component,
                                           wasmplug_component_instance_t **out, wasmplug_error_t **error,
                                           wasmplug_trap_t **trap) {
  *out = NULL;
  if (error) *error = NULL;
  if (trap) *trap = NULL;
  rt_store *s = calloc(1, sizeof *s);
  wasmplug_component_instance_t *in = calloc(1, sizeof *in);
  if (!s || !in || !(s->types = wp_cabi_types_new())) {
    free(s);
    free(in);
    if (error) *error = wasmplug_error_new("out of memory");
    return;
  }
  s->engine = component->engine;
  s->component = component;
  s->shared = component_shared(component);
  s->linker = linker;
  s->limits = *rt_linker_limits(linker);
  s->first_chunk = __atomic_load_n(&component->store_bytes, __ATOMIC_RELAXED);
  wasmplug_trap_t *t = NULL;
  if (rt_instantiate(s, component->comp, NULL, NULL, &in->top, &t)) {
    if (t) {
      if (trap) *trap = t;
      else wasmplug_trap_delete(t);
    } else if (error) {
      *error = wasmplug_error_new_kind(s->err_kind ? s->err_kind : WASMPLUG_ERROR_LINK, "%s: %s", component->name,
                                       s->err);
    }
    store_delete(s);
    free(in);
    return;
  }
  __atomic_store_n(&component->store_bytes, s->bump_used, __ATOMIC_RELAXED);
  in->store = s;
  *out = in;
}

void wasmplug_component_instance_delete(wasmplug_component_instance_t *in) {
  if (!in) return;
  drop_marks(in);
  store_delete(in->store);
  free(in);
}

/* What a snapshot cannot rebuild: NULL when the store is quiet. */
static const char *unquiet(const rt_store *s) {
  if (s->dead) return "it was torn down";
  if (s->pending || s->poison) return "it trapped";
  if (s->nthreads) return "it has async work alive";
  for (size_t i = 0; i < s->nframes; i++) {
    const rt_frame *f = s->frames[i];
    if (f->busy || f->no_leave || f->exclusive || f->num_waiting_to_enter) return "a call is running";
    for (uint32_t k = 1; k < f->thread_len; k++)
      if (f->thread_tab && f->thread_tab[k]) return "it has async threads";
  }
  return NULL;
}

wasmplug_error_t *wasmplug_component_instance_snapshot(wasmplug_component_instance_t *in) {
  if (!in) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "no component instance");
  rt_store *s = in->store;
  const char *why = unquiet(s);
  if (why) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "cannot snapshot the component instance: %s", why);
  drop_marks(in);
  in->snapshot = false;
  if (!(in->marks = calloc(s->nframes + 1, sizeof *in->marks)))
    return wasmplug_error_new_kind(WASMPLUG_ERROR_OUT_OF_MEMORY, "out of memory");
  for (size_t i = 0; i < s->nframes; i++) {
    const char *mwhy = NULL;
    if (!(in->marks[in->nmarks++] = wp_cabi_handles_mark(s->frames[i]->handles, &mwhy))) {
      drop_marks(in);
      return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "cannot snapshot the component instance: %s", mwhy);
    }
  }
  for (size_t i = 0; i < s->ncores; i++) {
    wasmplug_error_t *e = wasmplug_instance_snapshot(s->cores[i]);
    if (e) {
      drop_marks(in);
      return e;
    }
  }
  in->snapshot = true;
  return NULL;
}

wasmplug_trap_t *wasmplug_component_instance_run_until(wasmplug_component_instance_t *in, const bool *done) {
  if (!in) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "no component instance");
  return rt_sched_run_until(in->store, done);
}

wasmplug_error_t *wasmplug_component_instance_reset(wasmplug_component_instance_t *in) {
  if (!in || !in->snapshot)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "the component instance has no snapshot to go back to");
  rt_store *s = in->store;
  const char *why = unquiet(s);
  if (why) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "cannot reset the component instance: %s", why);
  /* handles first: their destructors may run guest code, whose memory the
  ** core reset then restores */
  for (size_t i = 0; i < s->nframes && i < in->nmarks; i++)
    if (!wp_cabi_handles_restore(s->frames[i]->handles, in->marks[i]))
      return wasmplug_error_new("cannot reset the component instance: a resource it had at its snapshot was dropped");
  if (s->pending || s->poison) return wasmplug_error_new("a destructor trapped while resetting the instance");
  for (size_t i = 0; i < s->ncores; i++) {
    wasmplug_error_t *e = wasmplug_instance_reset(s->cores[i]);
    if (e) return e;
  }
  return NULL;
}

/* The exported instance named `iface`, exactly, by semver, or without its
** version ("wasi:cli/run" finds "wasi:cli/run@0.2.6"). */
static rt_bag *find_iface(rt_store *s, rt_bag *b, const char *iface, size_t len) {
  const rt_item *it = rt_bag_get(s, b, iface, len);
  if (it && it->sort == WP_COMP_SORT_INSTANCE) return it->p;
  for (uint32_t i = 0; i < b->n; i++) {
    const char *nm = b->names[i];
    if (b->items[i].sort != WP_COMP_SORT_INSTANCE) continue;
    if ((strlen(nm) > len && !memcmp(nm, iface, len) && nm[len] == '@') ||
        wp_comp_name_matches(iface, len, nm, strlen(nm)))
      return b->items[i].p;
  }
  return NULL;
}

static rt_func *find_func(wasmplug_component_instance_t *in, const char *name, size_t len) {
  rt_bag *top = &in->top->exports;
  const rt_item *it = rt_bag_get(in->store, top, name, len);
  if (it && it->sort == WP_COMP_SORT_FUNC) return it->p;
  const char *sep = NULL;
  for (size_t i = len; i-- > 0;)
    if (name[i] == '#') { sep = name + i; break; }
  if (!sep)
    for (size_t i = len; i-- > 0;)
      if (name[i] == '/') { sep = name + i; break; }
  if (!sep) return NULL;
  rt_bag *b = find_iface(in->store, top, name, (size_t)(sep - name));
  if (!b) return NULL;
  it = rt_bag_get(in->store, b, sep + 1, len - (size_t)(sep - name) - 1);
  return it && it->sort == WP_COMP_SORT_FUNC ? it->p : NULL;
}

wasmplug_component_func_t *wasmplug_component_instance_func(wasmplug_component_instance_t *in, const char *name) {
  if (!in || !name) return NULL;
  return (wasmplug_component_func_t *)find_func(in, name, strlen(name));
}

const wasmplug_cresource_t *wasmplug_component_instance_resource(wasmplug_component_instance_t *in,
                                                                  const char *name) {
  if (!in || !name) return NULL;
  size_t len = strlen(name);
  rt_bag *top = &in->top->exports;
  const rt_item *it = rt_bag_get(in->store, top, name, len);
  if (!it || it->sort != WP_COMP_SORT_TYPE) {
    const char *sep = strrchr(name, '#');
    if (!sep) sep = strrchr(name, '/');
    rt_bag *b = sep ? find_iface(in->store, top, name, (size_t)(sep - name)) : NULL;
    it = b ? rt_bag_get(in->store, b, sep + 1, len - (size_t)(sep - name) - 1) : NULL;
  }
  return it && it->sort == WP_COMP_SORT_TYPE ? it->p : NULL;
}

const wasmplug_cfunctype_t *wasmplug_component_func_type(const wasmplug_component_func_t *func) {
  return ((const rt_func *)func)->type;
}

wasmplug_trap_t *wasmplug_component_func_call(wasmplug_component_func_t *func, const wasmplug_cval_t *args,
                                              size_t nargs, wasmplug_cval_t *result) {
  rt_func *F = (rt_func *)func;
  if (nargs != F->type->nparams) {
    char msg[300];
    snprintf(msg, sizeof msg, "`%s` takes %zu argument(s), %zu given", F->name, F->type->nparams, nargs);
    return wasmplug_trap_new(WASMPLUG_TRAP_HOST, msg);
  }
  for (size_t i = 0; i < nargs; i++) {
    wp_cabi_error_t *e = wp_cabi_val_check(F->type->params[i], &args[i]);
    if (e) {
      char msg[700];
      snprintf(msg, sizeof msg, "`%s` argument %zu: %s", F->name, i + 1, wp_cabi_error_message(e));
      wp_cabi_error_delete(e);
      return wasmplug_trap_new(WASMPLUG_TRAP_HOST, msg);
    }
  }
  wp_cabi_val_t tmp;
  wasmplug_trap_t *t = rt_func_call(F, args, nargs, result ? result : &tmp);
  if (!t && !result) wp_cabi_val_drop(&tmp);
  return t;
}

wasmplug_trap_t *wasmplug_component_resource_drop(wasmplug_component_instance_t *in, const wasmplug_cresource_t *r,
                                                  uint32_t rep) {
  /* A handle in the top-level table, dropped at once, runs the resource's
  ** destructor through the same path a guest's resource.drop takes. */
  uint32_t h = 0;
  wp_cabi_error_t *e = wp_cabi_resource_new(in->top->handles, r, rep, &h);
  if (!e) e = wp_cabi_resource_drop(in->top->handles, r, h);
  if (!e) return NULL;
  if (in->store->pending) {
    wasmplug_trap_t *t = in->store->pending;
    in->store->pending = NULL;
    wp_cabi_error_delete(e);
    return t;
  }
  return rt_trap_from_cabi(e, "resource drop");
}

/* `--invoke 'CALL': why`, CALL's unprintable bytes escaped. */
static wasmplug_error_t *invoke_error(const char *call, const wp_cabi_error_t *e) {
  char *q = wp_cabi_wave_quote(call);
  wasmplug_error_t *err =
      wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "--invoke '%s': %s", q ? q : "?", wp_cabi_error_message(e));
  free(q);
  return err;
}

/* `--invoke 'add(1, 2)'` when nothing is named "add": the functions of
** exported instances whose own name is "add" ("example:calc/api#add").
** One such is the function; several are listed in *why (malloc'ed). */
static rt_func *find_by_suffix(wasmplug_component_instance_t *in, const char *name, size_t len, char **why) {
  rt_bag *top = &in->top->exports;
  rt_func *found = NULL;
  size_t count = 0, cap = 256, used = 0;
  char *list = malloc(cap);
  for (uint32_t i = 0; i < top->n; i++) {
    if (top->items[i].sort != WP_COMP_SORT_INSTANCE) continue;
    rt_bag *b = top->items[i].p;
    const rt_item *it = rt_bag_get(in->store, b, name, len);
    if (!it || it->sort != WP_COMP_SORT_FUNC) continue;
    found = it->p;
    count++;
    size_t need = strlen(top->names[i]) + len + 4;
    if (list && used + need >= cap) {
      char *n = realloc(list, cap = (used + need) * 2);
      if (!n) free(list);
      list = n;
    }
    if (list) used += (size_t)snprintf(list + used, cap - used, "%s%s#%.*s", count > 1 ? ", " : "", top->names[i],
                                       (int)len, name);
  }
  if (count == 1) {
    free(list);
    return found;
  }
  *why = count ? list : NULL;
  if (!count) free(list);
  return NULL;
}

wasmplug_trap_t *wasmplug_component_invoke_wave(wasmplug_component_instance_t *in, const char *call,
                                                char **result_text, wasmplug_error_t **error) {
  *result_text = NULL;
  *error = NULL;
  size_t name_len = 0, args_len = 0;
  const char *args = NULL;
  wp_cabi_error_t *e = wp_cabi_wave_split_call(call, strlen(call), &name_len, &args, &args_len);
  if (e) {
    *error = invoke_error(call, e);
    wp_cabi_error_delete(e);
    return NULL;
  }
  rt_func *F = find_func(in, call, name_len);
  char *several = NULL;
  if (!F && !memchr(call, '#', name_len) && !memchr(call, '/', name_len))
    F = find_by_suffix(in, call, name_len, &several);
  if (!F) {
    if (several)
      *error = wasmplug_error_new_kind(WASMPLUG_ERROR_NOT_FOUND,
                                       "'%.*s' is ambiguous: the component exports %s; name one of them", (int)name_len,
                                       call, several);
    else
      *error = wasmplug_error_new_kind(WASMPLUG_ERROR_NOT_FOUND, "no exported function named '%.*s'", (int)name_len,
                                       call);
    free(several);
    return NULL;
  }
  size_t np = F->type->nparams;
  wp_cabi_val_t *params = calloc(np ? np : 1, sizeof *params);
  if (!params) {
    *error = wasmplug_error_new("out of memory");
    return NULL;
  }
  if ((e = wp_cabi_wave_parse_args(F->type, args, args_len, (size_t)(args - call), params))) {
    *error = invoke_error(call, e);
    wp_cabi_error_delete(e);
    free(params);
    return NULL;
  }
  wp_cabi_val_t res;
  wasmplug_trap_t *t = rt_func_call(F, params, np, &res);
  for (size_t i = 0; i < np; i++) wp_cabi_val_drop(&params[i]);
  free(params);
  if (t) return t;
  if (!F->type->result) {
    *result_text = strdup("");
  } else {
    e = wp_cabi_wave_print(F->type->result, &res, result_text);
    wp_cabi_val_drop(&res);
    if (e) {
      *error = wasmplug_error_new("printing the result: %s", wp_cabi_error_message(e));
      wp_cabi_error_delete(e);
    }
  }
  if (!*result_text && !*error) *error = wasmplug_error_new("out of memory");
  return NULL;
}
