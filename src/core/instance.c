/*
** instance.c — the linker, instantiation, exports, calls, and the
** bounds-checked accessors for memories and globals.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"


/* ----------------------------------------------------------------- linker */

/* Host functions are shared by the linker and every instance linked to
** them: reference-counted, finalized when the last one lets go. */
typedef struct hostfunc_ref {
  wp_hostfunc_t f;
  uint32_t refs;
} hostfunc_ref_t;

typedef struct definition {
  char *module, *name;
  bool own_names; /* copies, freed with the linker (not borrowed) */
  wasmplug_externkind_t kind;
  hostfunc_ref_t *host;
  wasmplug_func_t *func;
  wasmplug_memory_t *memory;
  wasmplug_table_t *table;
  wasmplug_global_t *global;
  wp_tag_export_t *tag;
} definition_t;

struct wasmplug_linker {
  wasmplug_engine_t *engine;
  wasmplug_store_limits_t limits;
  definition_t *defs;
  size_t ndefs, cap;
  /* An open-addressing index of defs[0..indexed) by (module, name), kept
  ** from 8 definitions on (a component's core instances link hundreds). */
  uint32_t *index; /* def + 1, 0: empty */
  size_t index_cap, indexed;
  bool allow_unknown;
  bool default_unknown; /* unknown functions return zeros */
  bool borrow_names;    /* wasmplug_linker_borrow_names */
};

static void hostfunc_release(hostfunc_ref_t *h) {
  if (!h || --h->refs) return;
  if (h->f.finalizer) h->f.finalizer(h->f.env);
  free(h); /* its type's kinds are in the same block */
}

wasmplug_linker_t *wasmplug_linker_new(wasmplug_engine_t *engine) {
  wasmplug_linker_t *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->engine = engine;
  l->limits = engine->config.limits;
  return l;
}

void wasmplug_linker_limits_set(wasmplug_linker_t *l, const wasmplug_store_limits_t *limits) {
  wasmplug_store_limits_merge(&l->limits, limits);
}

void wasmplug_linker_delete(wasmplug_linker_t *l) {
  if (!l) return;
  for (size_t i = 0; i < l->ndefs; i++) {
    if (l->defs[i].own_names) {
      free(l->defs[i].module);
      free(l->defs[i].name);
    }
    hostfunc_release(l->defs[i].host);
  }
  free(l->defs);
  free(l->index);
  free(l);
}

void wasmplug_linker_allow_unknown_imports(wasmplug_linker_t *l, bool yes) { l->allow_unknown = yes; }
void wasmplug_linker_default_unknown_imports(wasmplug_linker_t *l, bool yes) { l->default_unknown = yes; }
void wasmplug_linker_borrow_names(wasmplug_linker_t *l, bool yes) { l->borrow_names = yes; }

/* A definition taken back (its host function could not be made). */
static void drop_last_def(wasmplug_linker_t *l) {
  definition_t *d = &l->defs[--l->ndefs];
  if (d->own_names) {
    free(d->module);
    free(d->name);
  }
}

static uint32_t def_hash(const char *module, const char *name) {
  uint32_t h = 2166136261u;
  for (const char *p = module; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
  h = (h ^ 0xffu) * 16777619u;
  for (const char *p = name; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
  return h;
}

static void index_put(wasmplug_linker_t *l, size_t i) {
  size_t j = def_hash(l->defs[i].module, l->defs[i].name) & (l->index_cap - 1);
  while (l->index[j]) j = (j + 1) & (l->index_cap - 1);
  l->index[j] = (uint32_t)i + 1;
}

/* Brings the index up to date; false when there is none (out of memory). */
static bool index_sync(wasmplug_linker_t *l) {
  if (l->indexed > l->ndefs || (l->ndefs + 1) * 2 > l->index_cap) { /* a def was taken back, or it is full */
    size_t cap = 64;
    while (cap < (l->ndefs + 1) * 4) cap *= 2;
    uint32_t *ix = calloc(cap, sizeof *ix);
    if (!ix) return false;
    free(l->index);
    l->index = ix;
    l->index_cap = cap;
    l->indexed = 0;
  }
  while (l->indexed < l->ndefs) index_put(l, l->indexed++);
  return true;
}

static definition_t *lookup(wasmplug_linker_t *l, const char *module, const char *name) {
  if (l->ndefs > 8 && index_sync(l)) {
    for (size_t j = def_hash(module, name) & (l->index_cap - 1);; j = (j + 1) & (l->index_cap - 1)) {
      if (!l->index[j]) return NULL;
      definition_t *d = &l->defs[l->index[j] - 1];
      if (!strcmp(d->name, name) && !strcmp(d->module, module)) return d;
    }
  }
  for (size_t i = l->ndefs; i-- > 0;)
    if (!strcmp(l->defs[i].module, module) && !strcmp(l->defs[i].name, name)) return &l->defs[i];
  return NULL;
}

static wasmplug_error_t *add_def(wasmplug_linker_t *l, const char *module, const char *name,
                                 definition_t **out) {
  *out = NULL; /* set on every path: callers test the error, gcc -O3 cannot see that */
  if (!module || !name) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "linker: module and name are required");
  definition_t *d = lookup(l, module, name);
  if (d) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "linker: %s.%s is already defined", module, name);
  if (l->ndefs == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 32;
    definition_t *n = realloc(l->defs, cap * sizeof *n);
    if (!n) return wasmplug_error_new("out of memory");
    l->defs = n;
    l->cap = cap;
  }
  d = &l->defs[l->ndefs];
  memset(d, 0, sizeof *d);
  if (l->borrow_names) {
    d->module = (char *)module;
    d->name = (char *)name;
    l->ndefs++;
    *out = d;
    return NULL;
  }
  d->own_names = true;
  d->module = wp_strdup(module);
  d->name = wp_strdup(name);
  if (!d->module || !d->name) {
    free(d->module);
    free(d->name);
    return wasmplug_error_new("out of memory");
  }
  l->ndefs++;
  *out = d;
  return NULL;
}

static hostfunc_ref_t *hostfunc_new(const wasmplug_functype_t *type, wasmplug_func_callback_t cb,
                                    void *env, void (*finalizer)(void *)) {
  size_t n = (size_t)type->nparams + type->nresults;
  /* one block: the reference, then its type's kinds */
  hostfunc_ref_t *h = malloc(sizeof *h + (n ? n : 1) * sizeof(wasmplug_valkind_t));
  if (!h) return NULL;
  memset(h, 0, sizeof *h);
  h->f.type.params = (wasmplug_valkind_t *)(h + 1);
  if (type->nparams) memcpy(h->f.type.params, type->params, type->nparams * sizeof(wasmplug_valkind_t));
  if (type->nresults)
    memcpy(h->f.type.params + type->nparams, type->results, type->nresults * sizeof(wasmplug_valkind_t));
  h->f.type.results = h->f.type.params + type->nparams;
  h->f.type.nparams = type->nparams;
  h->f.type.nresults = type->nresults;
  h->f.nslots = type->nparams > type->nresults ? type->nparams : type->nresults;
  h->f.cb = cb;
  h->f.env = env;
  h->f.finalizer = finalizer;
  h->refs = 1;
  return h;
}

wasmplug_error_t *wasmplug_linker_define_func(wasmplug_linker_t *l, const char *module,
                                              const char *name, const wasmplug_functype_t *type,
                                              wasmplug_func_callback_t cb, void *env,
                                              void (*finalizer)(void *)) {
  definition_t *d;
  wasmplug_error_t *e = add_def(l, module, name, &d);
  if (e) return e;
  d->kind = WASMPLUG_EXTERN_FUNC;
  d->host = hostfunc_new(type, cb, env, finalizer);
  if (!d->host) {
    drop_last_def(l);
    return wasmplug_error_new("out of memory");
  }
  return NULL;
}

wasmplug_error_t *wasmplug_linker_define_func_direct(wasmplug_linker_t *l, const char *module, const char *name,
                                                     const wasmplug_functype_t *type, void *direct, void *env,
                                                     void (*finalizer)(void *)) {
  bool ok = direct && type->nresults <= 1;
  for (uint32_t k = 0; ok && k < type->nparams + type->nresults; k++) {
    wasmplug_valkind_t v = k < type->nparams ? type->params[k] : type->results[k - type->nparams];
    ok = v == WASMPLUG_I32 || v == WASMPLUG_I64 || v == WASMPLUG_F32 || v == WASMPLUG_F64;
  }
  if (!ok)
    return wasmplug_error_new("%s.%s: a direct host function takes and returns numbers only, at most one result",
                              module, name);
  wasmplug_error_t *e = wasmplug_linker_define_func(l, module, name, type, NULL, env, finalizer);
  if (!e) l->defs[l->ndefs - 1].host->f.direct = direct;
  return e;
}

wasmplug_error_t *wasmplug_linker_define_func_ref(wasmplug_linker_t *l, const char *module,
                                                  const char *name, wasmplug_func_t *f) {
  definition_t *d;
  wasmplug_error_t *e = add_def(l, module, name, &d);
  if (!e) { d->kind = WASMPLUG_EXTERN_FUNC; d->func = f; }
  return e;
}

wasmplug_error_t *wasmplug_linker_define_memory(wasmplug_linker_t *l, const char *module,
                                                const char *name, wasmplug_memory_t *m) {
  definition_t *d;
  wasmplug_error_t *e = add_def(l, module, name, &d);
  if (!e) { d->kind = WASMPLUG_EXTERN_MEMORY; d->memory = m; }
  return e;
}

wasmplug_error_t *wasmplug_linker_define_table(wasmplug_linker_t *l, const char *module,
                                               const char *name, wasmplug_table_t *t) {
  definition_t *d;
  wasmplug_error_t *e = add_def(l, module, name, &d);
  if (!e) { d->kind = WASMPLUG_EXTERN_TABLE; d->table = t; }
  return e;
}

wasmplug_error_t *wasmplug_linker_define_global(wasmplug_linker_t *l, const char *module,
                                                const char *name, wasmplug_global_t *g) {
  definition_t *d;
  wasmplug_error_t *e = add_def(l, module, name, &d);
  if (!e) { d->kind = WASMPLUG_EXTERN_GLOBAL; d->global = g; }
  return e;
}

wasmplug_error_t *wasmplug_linker_define_tag(wasmplug_linker_t *l, const char *module,
                                             const char *name, wasmplug_tag_t *t) {
  definition_t *d;
  if (!t) return wasmplug_error_new_kind(WASMPLUG_ERROR_LINK, "%s.%s: no tag", module, name);
  wasmplug_error_t *e = add_def(l, module, name, &d);
  if (!e) { d->kind = WASMPLUG_EXTERN_TAG; d->tag = t; }
  return e;
}

wasmplug_error_t *wasmplug_linker_define_instance(wasmplug_linker_t *l, const char *module,
                                                  wasmplug_instance_t *inst) {
  const wp_glue_t *g = inst->module->code.glue;
  for (uint32_t i = 0; i < g->nexports; i++) {
    const char *name = g->exports[i].name;
    wasmplug_error_t *e = NULL;
    switch (g->exports[i].kind) {
    case WASMPLUG_EXTERN_FUNC: e = wasmplug_linker_define_func_ref(l, module, name, inst->exports[i]); break;
    case WASMPLUG_EXTERN_MEMORY: e = wasmplug_linker_define_memory(l, module, name, inst->exports[i]); break;
    case WASMPLUG_EXTERN_TABLE: e = wasmplug_linker_define_table(l, module, name, inst->exports[i]); break;
    case WASMPLUG_EXTERN_GLOBAL: e = wasmplug_linker_define_global(l, module, name, inst->exports[i]); break;
    case WASMPLUG_EXTERN_TAG: {
      /* tags (exception handling) link between instances only */
      if (inst->exports[i]) e = wasmplug_linker_define_tag(l, module, name, inst->exports[i]);
      break;
    }
    default: break;
    }
    if (e) return e;
  }
  return NULL;
}

/* ------------------------------------------------------------ type checks */

static char *functype_str(const wp_functype_t *t) {
  char buf[512];
  size_t n = 0;
  n += (size_t)snprintf(buf + n, sizeof buf - n, "(func");
  if (t->nparams) {
    n += (size_t)snprintf(buf + n, sizeof buf - n, " (param");
    for (uint32_t i = 0; i < t->nparams && n < sizeof buf - 16; i++)
      n += (size_t)snprintf(buf + n, sizeof buf - n, " %s", wasmplug_valkind_name(t->params[i]));
    n += (size_t)snprintf(buf + n, sizeof buf - n, ")");
  }
  if (t->nresults && n < sizeof buf - 16) {
    n += (size_t)snprintf(buf + n, sizeof buf - n, " (result");
    for (uint32_t i = 0; i < t->nresults && n < sizeof buf - 16; i++)
      n += (size_t)snprintf(buf + n, sizeof buf - n, " %s", wasmplug_valkind_name(t->results[i]));
    n += (size_t)snprintf(buf + n, sizeof buf - n, ")");
  }
  if (n < sizeof buf - 2) snprintf(buf + n, sizeof buf - n, ")");
  return wp_strdup(buf);
}

bool wp_functype_eq(const wp_functype_t *a, const wp_functype_t *b) {
  return a->nparams == b->nparams && a->nresults == b->nresults &&
         !memcmp(a->params, b->params, a->nparams * sizeof *a->params) &&
         !memcmp(a->results, b->results, a->nresults * sizeof *a->results);
}

static const char *extern_name(wasmplug_externkind_t k) {
  switch (k) {
  case WASMPLUG_EXTERN_FUNC: return "function";
  case WASMPLUG_EXTERN_TABLE: return "table";
  case WASMPLUG_EXTERN_MEMORY: return "memory";
  case WASMPLUG_EXTERN_GLOBAL: return "global";
  default: return "tag";
  }
}

/* ------------------------------------------------------------- instances */

static wasmplug_trap_t *unknown_import(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v,
                                       size_t n) {
  (void)c; (void)v; (void)n;
  return wasmplug_trap_new(WASMPLUG_TRAP_HOST, env);
}

/* --default-values-unknown-imports: every result is zero (a null
** reference).  `n` slots hold the arguments, then the results. */
static wasmplug_trap_t *unknown_import_zero(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env; (void)c;
  memset(v, 0, n * sizeof *v);
  return NULL;
}

static void free_string(void *p) { free(p); }

typedef struct inst_call {
  const wp_glue_t *glue;
  void *inst;
  void *env;
} inst_call_t;

static void do_instantiate(void *arg) {
  inst_call_t *c = arg;
  c->glue->instantiate(c->inst, c->env);
}

static void free_exports(wasmplug_instance_t *in) {
  free(in->exports); /* one block with the export objects (make_exports) */
}

void wasmplug_instance_delete(wasmplug_instance_t *in) {
  if (!in) return;
  if (in->inst && in->instantiated) {
    wp_snapshot_drop_images(in);
    in->module->code.glue->free(in->inst);
  }
  for (uint32_t i = 0; in->slots && i < in->module->info.nimports; i++)
    if (in->slots[i].host) {
      if (in->slots[i].wasm_fn) free(in->slots[i].wasm_inst); /* a direct host function's call */
      hostfunc_release((hostfunc_ref_t *)in->slots[i].host);
    }
  free(in->slots);
  free(in->inst);
  free_exports(in);
  wp_snapshot_free(in->snapshot);
  wp_rt_defined_free(&in->defined);
  free(in);
}

/* The size of export ex's object in make_exports' block (0: none). */
static size_t export_size(const wp_glue_export_t *ex) {
  size_t n;
  switch (ex->kind) {
  case WASMPLUG_EXTERN_FUNC: n = sizeof(wasmplug_func_t); break;
  case WASMPLUG_EXTERN_MEMORY: n = sizeof(wasmplug_memory_t); break;
  case WASMPLUG_EXTERN_TABLE: n = sizeof(wasmplug_table_t); break;
  case WASMPLUG_EXTERN_GLOBAL: n = sizeof(wasmplug_global_t); break;
  case WASMPLUG_EXTERN_TAG: n = ex->get ? sizeof(wp_tag_export_t) : 0; break;
  default: n = 0; break;
  }
  return (n + 15) & ~(size_t)15;
}

/* The exports' objects, zeroed, in one block after the pointer array
** (one allocation per instance instead of one per export). */
static void *export_object(char **next, size_t size) {
  void *p = *next;
  *next += size;
  return p;
}

static bool make_exports(wasmplug_instance_t *in) {
  const wp_glue_t *g = in->module->code.glue;
  const wp_modinfo_t *info = &in->module->info;
  size_t head = ((g->nexports ? g->nexports : 1) * sizeof(void *) + 15) & ~(size_t)15, total = head;
  for (uint32_t i = 0; i < g->nexports; i++) total += export_size(&g->exports[i]);
  in->exports = calloc(1, total);
  if (!in->exports) return false;
  char *next = (char *)in->exports + head;
  in->nexports = g->nexports;
  for (uint32_t i = 0; i < g->nexports; i++) {
    const wp_glue_export_t *ex = &g->exports[i];
    wasmplug_externtype_t t;
    wp_modinfo_export_type(info, i, &t);
    switch (ex->kind) {
    case WASMPLUG_EXTERN_FUNC: {
      wasmplug_func_t *f = export_object(&next, export_size(ex));
      f->owner = in;
      f->exp = ex;
      f->type = wp_modinfo_functype(info, ex->index);
      f->pubtype = t.func;
      in->exports[i] = f;
      break;
    }
    case WASMPLUG_EXTERN_MEMORY: {
      wasmplug_memory_t *m = export_object(&next, export_size(ex));
      m->rt = ex->get(in->inst);
      wp_modinfo_memory(info, ex->index, NULL, &m->flags);
      m->owner = in;
      in->exports[i] = m;
      break;
    }
    case WASMPLUG_EXTERN_TABLE: {
      wasmplug_table_t *tb = export_object(&next, export_size(ex));
      tb->rt = ex->get(in->inst);
      wp_modinfo_table(info, ex->index, NULL, NULL, &tb->flags);
      tb->elem = t.elem;
      tb->owner = in;
      in->exports[i] = tb;
      break;
    }
    case WASMPLUG_EXTERN_GLOBAL: {
      wasmplug_global_t *gl = export_object(&next, export_size(ex));
      gl->ptr = ex->get(in->inst);
      gl->kind = t.global_type;
      gl->mut = t.global_mutable;
      gl->owner = in;
      in->exports[i] = gl;
      break;
    }
    case WASMPLUG_EXTERN_TAG: {
      if (!ex->get) break; /* wasm2c's glue: tags are not linked */
      wp_tag_export_t *tg = export_object(&next, export_size(ex));
      tg->id = ex->get(in->inst);
      tg->type = &info->types[wp_modinfo_tag_type(info, ex->index)];
      in->exports[i] = tg;
      break;
    }
    default: break;
    }
  }
  return true;
}

/* Resolves import i into its slot; returns an error message or NULL. */
static char *link_import(wasmplug_linker_t *l, wasmplug_instance_t *in, uint32_t i) {
  const wasmplug_module_t *m = in->module;
  const wp_import_t *im = &m->info.imports[i];
  wp_import_slot_t *s = &in->slots[i];
  definition_t *d = lookup(l, im->module, im->name);
  if (!d && im->kind == WASMPLUG_EXTERN_FUNC && (l->allow_unknown || l->default_unknown)) {
    wasmplug_functype_t pt = {m->info.types[im->type_index].nparams,
                              m->info.types[im->type_index].nresults,
                              m->info.types[im->type_index].params,
                              m->info.types[im->type_index].results};
    char *msg = wp_format("unknown import %s.%s was called", im->module, im->name);
    hostfunc_ref_t *h =
        msg ? hostfunc_new(&pt, l->default_unknown ? unknown_import_zero : unknown_import, msg, free_string) : NULL;
    if (!h) { free(msg); return wp_strdup("out of memory"); }
    s->host = h;
    s->caller = in;
    return NULL;
  }
  if (!d) {
    if (im->kind == WASMPLUG_EXTERN_FUNC) {
      char *ts = functype_str(&m->info.types[im->type_index]);
      char *e = wp_format("%s: unknown import: %s.%s %s has not been defined", m->name,
                          im->module, im->name, ts ? ts : "");
      free(ts);
      return e;
    }
    return wp_format("%s: unknown import: %s.%s (%s) has not been defined", m->name, im->module,
                     im->name, extern_name(im->kind));
  }
  if (d->kind != im->kind)
    return wp_format("%s: import %s.%s: expected a %s, found a %s", m->name, im->module, im->name,
                     extern_name(im->kind), extern_name(d->kind));
  switch (im->kind) {
  case WASMPLUG_EXTERN_FUNC: {
    const wp_functype_t *want = &m->info.types[im->type_index];
    const wp_functype_t *have = d->host ? &d->host->f.type : d->func->type;
    if (!wp_functype_eq(want, have)) {
      char *a = functype_str(want), *b = functype_str(have);
      char *e = wp_format("%s: import %s.%s: type mismatch: expected %s, found %s", m->name,
                          im->module, im->name, a ? a : "?", b ? b : "?");
      free(a);
      free(b);
      return e;
    }
    if (d->host) {
      if (d->host->f.direct) {
        /* The code calls it as it would a wasm function: with this as
        ** its first argument (freed with the instance). */
        wasmplug_direct_call_t *c = malloc(sizeof *c);
        if (!c) return wp_strdup("out of memory");
        c->env = d->host->f.env;
        c->caller = &in->caller;
        s->wasm_fn = d->host->f.direct;
        s->wasm_inst = c;
      }
      d->host->refs++;
      s->host = d->host;
      s->caller = in;
    } else {
      if (!d->func->exp->direct)
        return wp_format("%s: import %s.%s: the exported function cannot be linked", m->name,
                         im->module, im->name);
      s->wasm_fn = d->func->exp->direct;
      s->wasm_inst = d->func->owner->inst;
    }
    return NULL;
  }
  case WASMPLUG_EXTERN_MEMORY: {
    wp_rt_memory_t *mem = d->memory->rt;
    uint64_t max = mem->max_pages;
    if (d->memory->flags != im->flags)
      return wp_format("%s: import %s.%s: incompatible import type: a %s%s memory for a %s%s one",
                       m->name, im->module, im->name,
                       (d->memory->flags & WP_MEM_SHARED) ? "shared " : "",
                       (d->memory->flags & WP_MEM_64) ? "64-bit" : "32-bit",
                       (im->flags & WP_MEM_SHARED) ? "shared " : "",
                       (im->flags & WP_MEM_64) ? "64-bit" : "32-bit");
    if (mem->pages < im->limits.min || (im->limits.max != UINT64_MAX && max > im->limits.max))
      return wp_format("%s: import %s.%s: memory limits mismatch (needs at least %llu pages%s)",
                       m->name, im->module, im->name, (unsigned long long)im->limits.min,
                       im->limits.max != UINT64_MAX ? " and a compatible maximum" : "");
    s->ptr = mem;
    return NULL;
  }
  case WASMPLUG_EXTERN_TABLE: {
    wp_rt_table_t *t = d->table->rt;
    if (d->table->elem != im->elem || d->table->flags != im->flags || t->size < im->limits.min ||
        (im->limits.max != UINT64_MAX && t->max_size > im->limits.max))
      return wp_format("%s: import %s.%s: table type or limits mismatch", m->name, im->module,
                       im->name);
    s->ptr = t;
    return NULL;
  }
  case WASMPLUG_EXTERN_GLOBAL:
    if (d->global->kind != im->elem || d->global->mut != im->mut)
      return wp_format("%s: import %s.%s: global type mismatch: expected %s%s, found %s%s",
                       m->name, im->module, im->name, im->mut ? "mut " : "",
                       wasmplug_valkind_name(im->elem), d->global->mut ? "mut " : "",
                       wasmplug_valkind_name(d->global->kind));
    s->ptr = d->global->ptr;
    return NULL;
  case WASMPLUG_EXTERN_TAG:
    if (!wp_functype_eq(&m->info.types[im->type_index], d->tag->type))
      return wp_format("%s: import %s.%s: incompatible import type: tag types differ", m->name,
                       im->module, im->name);
    s->ptr = d->tag->id;
    return NULL;
  default:
    return wp_format("%s: import %s.%s: unsupported import kind", m->name, im->module, im->name);
  }
}

void wasmplug_linker_instantiate(wasmplug_linker_t *l, const wasmplug_module_t *m, void *data,
                                 wasmplug_instance_t **out, wasmplug_error_t **error,
                                 wasmplug_trap_t **trap) {
  *out = NULL;
  if (error) *error = NULL;
  if (trap) *trap = NULL;
  wasmplug_instance_t *in = calloc(1, sizeof *in);
  const wp_glue_t *g = m->code.glue;
  char *err = NULL;
  if (!in) { err = wp_strdup("out of memory"); goto fail; }
  in->module = m;
  in->data = data;
  in->caller.instance = in;
  in->slots = calloc(m->info.nimports ? m->info.nimports : 1, sizeof *in->slots);
  in->inst = calloc(1, g->instance_size);
  if (!in->slots || !in->inst) { err = wp_strdup("out of memory"); goto fail; }
  for (uint32_t i = 0; i < m->info.nimports; i++)
    if ((err = link_import(l, in, i))) goto fail;
  /* The glue reads slots through this wrapper (struct { wp_slot *slots; }). */
  in->env.self = &in->env;
  in->env.slots = in->slots;
  in->env.wasm = m->bytes;
  in->env.ftab = m->code.ftab; /* hot-first: the hot functions' entries optimized */
  inst_call_t c = {g, in->inst, &in->env};
  in->instantiated = true;
  /* The memories and tables the module defines are made inside (and sized
  ** against the linker's limits there: wp_rt_limits_push). */
  const wasmplug_store_limits_t *outer = wp_rt_limits_push(&l->limits);
  wp_rt_defined_t *outer_record = wp_rt_record_push(&in->defined);
  wasmplug_trap_t *t = wp_rt_call_guarded(do_instantiate, &c, l->engine);
  wp_rt_record_pop(outer_record);
  wp_rt_limits_pop(outer);
  if (t) {
    wasmplug_instance_delete(in);
    if (trap) *trap = t;
    else wasmplug_trap_delete(t);
    return;
  }
  if (!make_exports(in)) { err = wp_strdup("out of memory"); goto fail; }
  *out = in;
  return;
fail:
  wasmplug_instance_delete(in);
  if (error) *error = wasmplug_error_new_kind(WASMPLUG_ERROR_LINK, "%s", err ? err : "out of memory");
  free(err);
}

void *wasmplug_instance_data(const wasmplug_instance_t *in) { return in->data; }

const wasmplug_module_t *wasmplug_instance_module(const wasmplug_instance_t *in) {
  return in->module;
}

static void *find_export(wasmplug_instance_t *in, const char *name, wasmplug_externkind_t kind) {
  if (!in || !name) return NULL;
  const wp_glue_t *g = in->module->code.glue;
  for (uint32_t i = 0; i < g->nexports; i++)
    if (g->exports[i].kind == (uint32_t)kind && !strcmp(g->exports[i].name, name))
      return in->exports[i];
  return NULL;
}

wasmplug_func_t *wasmplug_instance_func(wasmplug_instance_t *in, const char *name) {
  return find_export(in, name, WASMPLUG_EXTERN_FUNC);
}
wasmplug_memory_t *wasmplug_instance_memory(wasmplug_instance_t *in, const char *name) {
  return find_export(in, name, WASMPLUG_EXTERN_MEMORY);
}
wasmplug_table_t *wasmplug_instance_table(wasmplug_instance_t *in, const char *name) {
  return find_export(in, name, WASMPLUG_EXTERN_TABLE);
}
wasmplug_global_t *wasmplug_instance_global(wasmplug_instance_t *in, const char *name) {
  return find_export(in, name, WASMPLUG_EXTERN_GLOBAL);
}

wasmplug_tag_t *wasmplug_instance_tag(wasmplug_instance_t *in, const char *name) {
  return find_export(in, name, WASMPLUG_EXTERN_TAG);
}

wasmplug_instance_t *wasmplug_caller_instance(wasmplug_caller_t *c) { return c->instance; }

wasmplug_memory_t *wasmplug_caller_memory(wasmplug_caller_t *c) {
  wasmplug_instance_t *in = c->instance;
  wasmplug_memory_t *m = wasmplug_instance_memory(in, "memory");
  if (m) return m;
  const wp_glue_t *g = in->module->code.glue;
  for (uint32_t i = 0; i < g->nexports; i++)
    if (g->exports[i].kind == WASMPLUG_EXTERN_MEMORY) return in->exports[i];
  return NULL;
}

/* ------------------------------------------------------------------ calls */

const wasmplug_functype_t *wasmplug_func_type(const wasmplug_func_t *f) { return &f->pubtype; }

wasmplug_trap_t *wasmplug_func_call_unchecked(wasmplug_func_t *f, wasmplug_val_raw_t *v) {
  if (!f->exp->entry)
    return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "this function's signature cannot be called from the host");
  /* the engine's limits are the outermost call's: wp_rt_call_guarded
  ** applies them only to a call that is not nested (a component calling
  ** another's export from its host call is) */
  return wp_rt_call_entry(f->exp->entry, f->owner->inst, v, f->owner->module->engine);
}

wasmplug_trap_t *wasmplug_func_call(wasmplug_func_t *f, const wasmplug_val_t *args, size_t nargs,
                                    wasmplug_val_t *results, size_t nresults) {
  const wp_functype_t *t = f->type;
  if (nargs != t->nparams || nresults != t->nresults) {
    char *m = wp_format("%s: expected %u arguments and %u results, got %zu and %zu",
                        f->exp->name, t->nparams, t->nresults, nargs, nresults);
    wasmplug_trap_t *tr = wasmplug_trap_new(WASMPLUG_TRAP_HOST, m);
    free(m);
    return tr;
  }
  for (size_t i = 0; i < nargs; i++)
    if (args[i].kind != t->params[i]) {
      char *m = wp_format("%s: argument %zu: expected %s, got %s", f->exp->name, i,
                          wasmplug_valkind_name(t->params[i]), wasmplug_valkind_name(args[i].kind));
      wasmplug_trap_t *tr = wasmplug_trap_new(WASMPLUG_TRAP_HOST, m);
      free(m);
      return tr;
    }
  size_t n = nargs > nresults ? nargs : nresults;
  wasmplug_val_raw_t small[16];
  wasmplug_val_raw_t *v = n <= 16 ? small : calloc(n, sizeof *v);
  if (!v) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  for (size_t i = 0; i < nargs; i++) v[i] = args[i].of;
  wasmplug_trap_t *tr = wasmplug_func_call_unchecked(f, v);
  if (!tr)
    for (size_t i = 0; i < nresults; i++) {
      results[i].kind = t->results[i];
      results[i].of = v[i];
    }
  if (v != small) free(v);
  return tr;
}

/* ----------------------------------------------------------------- memory */

uint64_t wasmplug_memory_size(const wasmplug_memory_t *m) {
  return (uint64_t)m->rt->pages * 65536u;
}

uint8_t *wasmplug_memory_data(wasmplug_memory_t *m) { return m->rt->data; }

static bool in_bounds(const wasmplug_memory_t *m, uint64_t off, size_t len) {
  uint64_t size = wasmplug_memory_size(m);
  return off <= size && len <= size - off;
}

bool wasmplug_memory_read(const wasmplug_memory_t *m, uint64_t off, void *dst, size_t len) {
  if (!in_bounds(m, off, len)) return false;
  if (len) memcpy(dst, m->rt->data + off, len);
  return true;
}

bool wasmplug_memory_write(wasmplug_memory_t *m, uint64_t off, const void *src, size_t len) {
  if (!in_bounds(m, off, len)) return false;
  if (len) memcpy(m->rt->data + off, src, len);
  return true;
}

bool wasmplug_memory_grow(wasmplug_memory_t *m, uint64_t pages, uint64_t *old) {
  if (pages > UINT32_MAX) return false;
  uint32_t r = wp_rt_grow_memory(m->rt, (uint32_t)pages);
  if (r == UINT32_MAX) return false;
  if (old) *old = r;
  return true;
}

/* ---------------------------------------------------------------- globals */

wasmplug_valkind_t wasmplug_global_kind(const wasmplug_global_t *g) { return g->kind; }

wasmplug_val_t wasmplug_global_get(const wasmplug_global_t *g) {
  wasmplug_val_t v;
  memset(&v, 0, sizeof v);
  v.kind = g->kind;
  switch (g->kind) {
  case WASMPLUG_I32: memcpy(&v.of.i32, g->ptr, 4); break;
  case WASMPLUG_I64: memcpy(&v.of.i64, g->ptr, 8); break;
  case WASMPLUG_F32: memcpy(&v.of.f32, g->ptr, 4); break;
  case WASMPLUG_F64: memcpy(&v.of.f64, g->ptr, 8); break;
  case WASMPLUG_EXTERNREF: memcpy(&v.of.ref, g->ptr, sizeof(void *)); break;
  default: break;
  }
  return v;
}

bool wasmplug_global_set(wasmplug_global_t *g, const wasmplug_val_t *v) {
  if (!g->mut || v->kind != g->kind) return false;
  switch (g->kind) {
  case WASMPLUG_I32: memcpy(g->ptr, &v->of.i32, 4); break;
  case WASMPLUG_I64: memcpy(g->ptr, &v->of.i64, 8); break;
  case WASMPLUG_F32: memcpy(g->ptr, &v->of.f32, 4); break;
  case WASMPLUG_F64: memcpy(g->ptr, &v->of.f64, 8); break;
  case WASMPLUG_EXTERNREF: memcpy(g->ptr, &v->of.ref, sizeof(void *)); break;
  default: return false;
  }
  return true;
}

uint32_t wasmplug_table_size(const wasmplug_table_t *t) { return t->rt->size; }
