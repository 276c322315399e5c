/*
** model.c — decides what is generated and names everything.
**
** Naming follows wit-bindgen's C generator so that code written against
** either reads the same:
**   interface types   <ns>_<pkg>_<iface>_<type>_t   (version appended only
**                     when two versions of one interface are in the set)
**   world types       <prefix>_<type>_t
**   anonymous types   <prefix>_<structure>_t: string, list_u8, option_T,
**                     result_T_E (void for an absent side), tupleN_A_B
**   handles           <ns>_<pkg>_<iface>_own_<r>_t / _borrow_<r>_t
**   functions         <ns>_<pkg>_<iface>_<f>, methods ..._method_<r>_<m>,
**                     statics ..._static_<r>_<f>, constructors
**                     ..._constructor_<r>
** Anonymous types are deduplicated structurally, so list<u8> used by two
** interfaces is one C type.  Names that still collide get _2, _3...
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindgen/internal.h"
#include "cabi/wit.h"

void bg_fail(bg_t *g, const char *fmt, ...) {
  if (g->err) return; /* the first error is the useful one */
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  g->err = bg_strdup(buf); /* NULL on OOM: callers then report "out of memory" */
}

const wp_wit_typedef_t *bg_def(bg_t *g, wp_wit_type_t t, wp_wit_type_kind_t *prim) {
  *prim = t.kind;
  while (t.kind == WP_WIT_T_ID) {
    const wp_wit_typedef_t *d = &g->r->types[t.id];
    if (d->kind != WP_WIT_DEF_ALIAS) return d;
    t = d->type;
    *prim = t.kind;
  }
  return NULL;
}

static uint32_t unalias_id(bg_t *g, uint32_t id) { return wp_wit_type_unalias(g->r, id); }

bool bg_by_value(bg_t *g, wp_wit_type_t t) {
  wp_wit_type_kind_t p;
  const wp_wit_typedef_t *d = bg_def(g, t, &p);
  if (!d) return p != WP_WIT_T_STRING && p != WP_WIT_T_NONE;
  return d->kind == WP_WIT_DEF_ENUM || d->kind == WP_WIT_DEF_FLAGS || d->kind == WP_WIT_DEF_HANDLE ||
         d->kind == WP_WIT_DEF_STREAM || d->kind == WP_WIT_DEF_FUTURE;
}

static bool walk_any(bg_t *g, wp_wit_type_t t, int what, int depth) {
  wp_wit_type_kind_t p;
  if (depth > 1000) return false; /* WIT types are never this deep */
  const wp_wit_typedef_t *d = bg_def(g, t, &p);
  if (!d) return (what == 0 && p == WP_WIT_T_STRING) || (what == 2 && p == WP_WIT_T_ERROR_CONTEXT);
  switch (d->kind) {
  case WP_WIT_DEF_STREAM:
  case WP_WIT_DEF_FUTURE:
    return what == 2;
  case WP_WIT_DEF_LIST:
    return what == 0 || walk_any(g, d->type, what, depth + 1);
  case WP_WIT_DEF_MAP:
    return what == 0 || walk_any(g, d->type, what, depth + 1) || walk_any(g, d->type2, what, depth + 1);
  case WP_WIT_DEF_FIXED_LIST: /* inline: pointers only if the elements have some */
    return walk_any(g, d->type, what, depth + 1);
  case WP_WIT_DEF_HANDLE:
    return what == 1 && !d->borrow;
  case WP_WIT_DEF_RECORD:
  case WP_WIT_DEF_VARIANT:
    for (uint32_t i = 0; i < d->n_fields; i++)
      if (walk_any(g, d->fields[i].type, what, depth + 1)) return true;
    return false;
  case WP_WIT_DEF_TUPLE:
    for (uint32_t i = 0; i < d->n_types; i++)
      if (walk_any(g, d->types[i], what, depth + 1)) return true;
    return false;
  case WP_WIT_DEF_OPTION:
    return walk_any(g, d->type, what, depth + 1);
  case WP_WIT_DEF_RESULT:
    return walk_any(g, d->type, what, depth + 1) || walk_any(g, d->type2, what, depth + 1);
  default:
    return false;
  }
}

bool bg_has_pointers(bg_t *g, wp_wit_type_t t) { return walk_any(g, t, 0, 0); }
bool bg_has_own(bg_t *g, wp_wit_type_t t) { return walk_any(g, t, 1, 0); }
/* A stream, future or error-context anywhere in t (plugin ABI 1.3 values). */
static bool has_async_values(bg_t *g, wp_wit_type_t t) { return walk_any(g, t, 2, 0); }

/* ---------------------------------------------------------- reachability */

static void need(bg_t *g, wp_wit_type_t t) {
  if (t.kind != WP_WIT_T_ID || g->needed[t.id]) return;
  const wp_wit_typedef_t *d = &g->r->types[t.id];
  g->needed[t.id] = true;
  need(g, d->type);
  need(g, d->type2);
  for (uint32_t i = 0; i < d->n_fields; i++) need(g, d->fields[i].type);
  for (uint32_t i = 0; i < d->n_types; i++) need(g, d->types[i]);
  if (d->kind == WP_WIT_DEF_HANDLE) {
    wp_wit_type_t rt = {WP_WIT_T_ID, d->resource};
    need(g, rt);
  }
}

static void need_func(bg_t *g, const wp_wit_function_t *f) {
  for (uint32_t i = 0; i < f->n_params; i++) need(g, f->params[i].type);
  need(g, f->result);
}

static void add_func(bg_t *g, const wp_wit_function_t *f, uint32_t iface, bool is_export) {
  bool is_async = f->kind == WP_WIT_FUNC_ASYNC_FREESTANDING || f->kind == WP_WIT_FUNC_ASYNC_METHOD ||
                  f->kind == WP_WIT_FUNC_ASYNC_STATIC;
  /* A guest imports an async function with a synchronous lower (its call
  ** waits; the Component Model allows it and wit-component accepts the
  ** plain import name); exporting one needs the async lift. */
  if (is_async && g->o->side == WP_BINDGEN_GUEST && is_export) {
    bg_fail(g, "function '%s': a guest cannot export async functions yet (it may import them; plugins may "
            "implement them)", f->name);
    return;
  }
  bg_func_t *nf = realloc(g->funcs, (g->nfuncs + 1) * sizeof *nf);
  if (!nf) {
    bg_fail(g, "out of memory");
    return;
  }
  g->funcs = nf;
  bg_func_t *bf = &g->funcs[g->nfuncs++];
  memset(bf, 0, sizeof *bf);
  bf->f = f;
  bf->is_async = is_async;
  if (is_async) g->has_async = true;
  bool values = has_async_values(g, f->result);
  for (uint32_t i = 0; i < f->n_params && !values; i++) values = has_async_values(g, f->params[i].type);
  if (is_async || values) g->needs_async_abi = true;
  bf->iface = iface;
  bf->is_export = is_export;
  need_func(g, f);
}

static void add_iface(bg_t *g, uint32_t iface, bool funcs, bool is_export) {
  const wp_wit_interface_t *in = &g->r->interfaces[iface];
  for (uint32_t i = 0; i < in->n_types; i++) {
    wp_wit_type_t t = {WP_WIT_T_ID, in->types[i].id};
    need(g, t);
  }
  if (!funcs) return;
  if (is_export) g->impl[iface] = true;
  for (uint32_t i = 0; i < in->n_funcs; i++) add_func(g, &in->funcs[i], iface, is_export);
}

/* ------------------------------------------------------------------ names */

static bool dedup_find(bg_t *g, const char *key, const char **name) {
  for (uint32_t i = 0; i < g->ndedup; i++)
    if (!strcmp(g->dedup_key[i], key)) {
      *name = g->dedup_name[i];
      return true;
    }
  return false;
}

static bool name_taken(bg_t *g, const char *name) {
  for (uint32_t i = 0; i < g->ndedup; i++)
    if (!strcmp(g->dedup_name[i], name)) return true;
  return false;
}

/* Registers key -> a unique name derived from `want` (takes ownership of
** want); returns the registered name (owned by the table). */
static const char *dedup_add(bg_t *g, const char *key, char *want) {
  if (!want) return NULL;
  char *name = want;
  for (int n = 2; name_taken(g, name); n++) {
    size_t l = strlen(want);
    /* strip the _t, add _N, put _t back */
    char *alt = bg_fmt("%.*s_%d_t", (int)(l >= 2 ? l - 2 : l), want, n);
    if (name != want) free(name);
    name = alt;
    if (!name) break;
  }
  if (name != want) free(want);
  if (!name) return NULL;
  if (g->ndedup == g->capdedup) {
    uint32_t cap = g->capdedup ? g->capdedup * 2 : 64;
    char **k = realloc(g->dedup_key, cap * sizeof *k);
    if (k) g->dedup_key = k;
    char **v = realloc(g->dedup_name, cap * sizeof *v);
    if (v) g->dedup_name = v;
    if (!k || !v) {
      free(name);
      return NULL;
    }
    g->capdedup = cap;
  }
  g->dedup_key[g->ndedup] = bg_strdup(key);
  g->dedup_name[g->ndedup] = name;
  if (!g->dedup_key[g->ndedup]) {
    free(name);
    return NULL;
  }
  return g->dedup_name[g->ndedup++];
}

/* C keywords and common macros: identifiers made from WIT names that
** spell one get a trailing underscore. */
static const char *const c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
    "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
    "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
    "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool",
    "true", "false", "NULL", "errno", "assert", NULL};

/* What the generated wrappers name their own locals and parameters: a WIT
** parameter must not shadow them (f0, f1...: guest flat slots). */
static const char *const wrapper_names[] = {
    "ret", "cx", "p", "P", "r0", "arg", "ret_value", "state", "call", "params", "result", NULL};

static bool slot_name(const char *s) {
  if (s[0] != 'f' || !s[1]) return false;
  for (s++; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

static bool listed(const char *s, const char *const *list) {
  for (int i = 0; list[i]; i++)
    if (!strcmp(s, list[i])) return true;
  return false;
}

static char *escape(const char *kebab, bool param) {
  char *s = bg_snake(kebab);
  if (!s) return NULL;
  if (listed(s, c_keywords) || (param && (slot_name(s) || listed(s, wrapper_names)))) {
    char *t = bg_fmt("%s_", s);
    free(s);
    return t;
  }
  return s;
}

static char *ident(const char *kebab) { return escape(kebab, false); }

char *bg_param(const char *kebab) { return escape(kebab, true); }

/* Structural spelling of t for anonymous type names ("list_u8"). */
static void structural(bg_t *g, wp_buf_t *b, wp_wit_type_t t, bool key) {
  if (t.kind == WP_WIT_T_NONE) {
    wp_buf_puts(b, "void");
    return;
  }
  if (t.kind != WP_WIT_T_ID) {
    wp_buf_puts(b, t.kind == WP_WIT_T_ERROR_CONTEXT ? "error_context" : wp_wit_prim_name(t.kind));
    return;
  }
  const wp_wit_typedef_t *d = &g->r->types[t.id];
  if (d->name) {
    if (key) {
      /* keys use the unique C name of the definition behind aliases */
      uint32_t u = unalias_id(g, t.id);
      wp_buf_puts(b, g->tname[u] ? g->tname[u] : "?");
      if (g->r->types[u].kind == WP_WIT_DEF_RESOURCE || !g->tname[u]) wp_buf_printf(b, "#%u", u);
    } else {
      char *s = bg_snake(d->name);
      if (s) wp_buf_puts(b, s);
      free(s);
    }
    return;
  }
  switch (d->kind) {
  case WP_WIT_DEF_LIST:
    wp_buf_puts(b, "list_");
    structural(g, b, d->type, key);
    break;
  case WP_WIT_DEF_FIXED_LIST:
    wp_buf_puts(b, "list_");
    structural(g, b, d->type, key);
    wp_buf_printf(b, "_%u", d->size);
    break;
  case WP_WIT_DEF_MAP:
    wp_buf_puts(b, "map_");
    structural(g, b, d->type, key);
    wp_buf_puts(b, "_");
    structural(g, b, d->type2, key);
    break;
  case WP_WIT_DEF_OPTION:
    wp_buf_puts(b, "option_");
    structural(g, b, d->type, key);
    break;
  case WP_WIT_DEF_RESULT:
    wp_buf_puts(b, "result_");
    structural(g, b, d->type, key);
    wp_buf_puts(b, "_");
    structural(g, b, d->type2, key);
    break;
  case WP_WIT_DEF_TUPLE:
    wp_buf_printf(b, "tuple%u", d->n_types);
    for (uint32_t i = 0; i < d->n_types; i++) {
      wp_buf_puts(b, "_");
      structural(g, b, d->types[i], key);
    }
    break;
  case WP_WIT_DEF_STREAM:
  case WP_WIT_DEF_FUTURE:
    wp_buf_puts(b, d->kind == WP_WIT_DEF_STREAM ? "stream" : "future");
    if (d->type.kind != WP_WIT_T_NONE) {
      wp_buf_puts(b, "_");
      structural(g, b, d->type, key);
    }
    break;
  case WP_WIT_DEF_HANDLE: {
    wp_buf_puts(b, d->borrow ? "borrow_" : "own_");
    wp_wit_type_t rt = {WP_WIT_T_ID, d->resource};
    structural(g, b, rt, key);
    break;
  }
  case WP_WIT_DEF_ALIAS:
    structural(g, b, d->type, key);
    break;
  default:
    wp_buf_puts(b, "unsupported");
    break;
  }
}

static const char *kind_word(wp_wit_def_kind_t k) {
  switch (k) {
  case WP_WIT_DEF_FUTURE: return "future";
  case WP_WIT_DEF_STREAM: return "stream";
  default: return "type";
  }
}

static void name_type(bg_t *g, uint32_t id) {
  const wp_wit_typedef_t *d = &g->r->types[id];
  /* a plugin holds stream and future ends as handles (plugin ABI 1.3) */
  bool handle_ok = g->o->side == WP_BINDGEN_PLUGIN && (d->kind == WP_WIT_DEF_FUTURE || d->kind == WP_WIT_DEF_STREAM);
  if (!handle_ok && (d->kind == WP_WIT_DEF_FUTURE || d->kind == WP_WIT_DEF_STREAM || d->kind == WP_WIT_DEF_UNKNOWN)) {
    bg_fail(g, "%s%s%s: %s types have no native layout; C bindgen does not support them",
            d->name ? "type '" : "", d->name ? d->name : "an anonymous type", d->name ? "'" : "",
            kind_word(d->kind));
    return;
  }
  if (d->kind == WP_WIT_DEF_FLAGS && d->n_fields > 32) {
    bg_fail(g, "flags '%s' has %u labels; the canonical ABI allows at most 32", d->name ? d->name : "?",
            d->n_fields);
    return;
  }
  const char *T = NULL;
  if (d->name) {
    const char *base = d->owner_kind == WP_WIT_OWNER_INTERFACE && g->ifprefix[d->owner]
                           ? g->ifprefix[d->owner]
                           : g->prefix;
    char *sn = bg_snake(d->name);
    char *want = sn ? bg_fmt("%s_%s_t", base, sn) : NULL;
    free(sn);
    char *key = bg_fmt("named#%u", id);
    T = key ? dedup_add(g, key, want) : NULL;
    if (!key) free(want);
    free(key);
  } else {
    wp_buf_t k = {0}, s = {0};
    structural(g, &k, (wp_wit_type_t){WP_WIT_T_ID, id}, true);
    structural(g, &s, (wp_wit_type_t){WP_WIT_T_ID, id}, false);
    if (!k.oom && !s.oom && k.s && s.s) {
      if (!dedup_find(g, k.s, &T)) {
        const char *base = g->prefix;
        if (d->kind == WP_WIT_DEF_HANDLE) {
          /* handles live with their resource, as in wit-bindgen */
          const wp_wit_typedef_t *rd = &g->r->types[unalias_id(g, d->resource)];
          if (rd->owner_kind == WP_WIT_OWNER_INTERFACE && g->ifprefix[rd->owner])
            base = g->ifprefix[rd->owner];
        }
        T = dedup_add(g, k.s, bg_fmt("%s_%s_t", base, s.s));
      }
    }
    wp_buf_free(&k);
    wp_buf_free(&s);
  }
  if (!T) {
    bg_fail(g, "out of memory");
    return;
  }
  g->tname[id] = bg_strdup(T);
}

const char *bg_ctype(bg_t *g, wp_wit_type_t t) {
  switch (t.kind) {
  case WP_WIT_T_BOOL: return "bool";
  case WP_WIT_T_U8: return "uint8_t";
  case WP_WIT_T_U16: return "uint16_t";
  case WP_WIT_T_U32: return "uint32_t";
  case WP_WIT_T_U64: return "uint64_t";
  case WP_WIT_T_S8: return "int8_t";
  case WP_WIT_T_S16: return "int16_t";
  case WP_WIT_T_S32: return "int32_t";
  case WP_WIT_T_S64: return "int64_t";
  case WP_WIT_T_F32: return "float";
  case WP_WIT_T_F64: return "double";
  case WP_WIT_T_CHAR: return "uint32_t";
  case WP_WIT_T_STRING: return g->tname[g->r->n_types]; /* the string slot */
  case WP_WIT_T_ERROR_CONTEXT: return "uint32_t"; /* a handle (plugin ABI 1.3) */
  case WP_WIT_T_ID: return g->tname[t.id] ? g->tname[t.id] : "void";
  default: return "void";
  }
}

static char *func_suffix(const char *mangled) {
  /* "[method]r.m" -> "method_r_m"; "f" -> "f" */
  const char *s = mangled;
  wp_buf_t b = {0};
  if (*s == '[') {
    const char *e = strchr(s, ']');
    if (e) {
      wp_buf_printf(&b, "%.*s_", (int)(e - s - 1), s + 1);
      s = e + 1;
    }
  }
  wp_buf_puts(&b, s);
  if (b.oom) {
    wp_buf_free(&b);
    return NULL;
  }
  char *r = ident(b.s);
  wp_buf_free(&b);
  return r;
}

char *bg_ident(const char *kebab) { return ident(kebab); }

static int pick(bg_t *g) {
  const wp_wit_resolve_t *r = g->r;
  if (g->world == WP_WIT_NONE) {
    const wp_wit_package_t *p = &r->packages[g->pkg];
    for (uint32_t i = 0; i < p->n_interfaces; i++) add_iface(g, p->interfaces[i].id, true, true);
    return g->err ? -1 : 0;
  }
  const wp_wit_world_t *w = &r->worlds[g->world];
  bool guest = g->o->side == WP_BINDGEN_GUEST;
  for (int side = 0; side < 2; side++) {
    bool exp = side == 1;
    if (!guest && !exp) {
      /* a plugin provides the world's exports; imports only lend types */
      for (uint32_t i = 0; i < w->n_imports; i++) {
        const wp_wit_world_item_t *it = &w->imports[i];
        if (it->kind == WP_WIT_ITEM_INTERFACE) add_iface(g, it->id, false, false);
        else if (it->kind == WP_WIT_ITEM_TYPE) need(g, (wp_wit_type_t){WP_WIT_T_ID, it->id});
      }
      continue;
    }
    const wp_wit_world_item_t *items = exp ? w->exports : w->imports;
    uint32_t n = exp ? w->n_exports : w->n_imports;
    for (uint32_t i = 0; i < n; i++) {
      const wp_wit_world_item_t *it = &items[i];
      if (it->kind == WP_WIT_ITEM_INTERFACE) add_iface(g, it->id, true, exp);
      else if (it->kind == WP_WIT_ITEM_TYPE) need(g, (wp_wit_type_t){WP_WIT_T_ID, it->id});
      else add_func(g, &it->func, WP_WIT_NONE, exp);
    }
  }
  return g->err ? -1 : 0;
}

/* --short-names: how many named interfaces of the resolve share in's
** name (pkg: and its package's name too). */
static uint32_t same_names(const wp_wit_resolve_t *r, const wp_wit_interface_t *in, bool pkg) {
  uint32_t n = 0;
  for (uint32_t k = 0; k < r->n_interfaces; k++) {
    const wp_wit_interface_t *o = &r->interfaces[k];
    if (!o->name || o->package == WP_WIT_NONE || strcmp(o->name, in->name)) continue;
    if (pkg && strcmp(r->packages[o->package].name.name, r->packages[in->package].name.name)) continue;
    n++;
  }
  return n;
}

static void name_ifaces(bg_t *g) {
  const wp_wit_resolve_t *r = g->r;
  bool shorter = g->o->flags & WP_BINDGEN_SHORT_NAMES;
  for (uint32_t i = 0; i < r->n_interfaces; i++) {
    const wp_wit_interface_t *in = &r->interfaces[i];
    if (in->name && in->package != WP_WIT_NONE) {
      const wp_wit_package_t *p = &r->packages[in->package];
      /* the interface's name alone when no other interface of the WIT (of
      ** another package or version) has it, else with its package's */
      if (shorter && same_names(r, in, false) == 1 && strcmp(in->name, g->prefix))
        g->ifprefix[i] = bg_strdup(in->name);
      else if (shorter && same_names(r, in, true) == 1)
        g->ifprefix[i] = bg_fmt("%s_%s", p->name.name, in->name);
      else
        g->ifprefix[i] = bg_fmt("%s_%s_%s", p->name.ns, p->name.name, in->name);
    } else {
      g->ifprefix[i] = bg_fmt("%s_iface%u", g->prefix, i);
    }
  }
  /* world-inline interfaces get their item name */
  if (g->world != WP_WIT_NONE) {
    const wp_wit_world_t *w = &r->worlds[g->world];
    for (int side = 0; side < 2; side++) {
      const wp_wit_world_item_t *items = side ? w->exports : w->imports;
      uint32_t n = side ? w->n_exports : w->n_imports;
      for (uint32_t k = 0; k < n; k++)
        if (items[k].kind == WP_WIT_ITEM_INTERFACE && items[k].name &&
            !r->interfaces[items[k].id].name) {
          free(g->ifprefix[items[k].id]);
          g->ifprefix[items[k].id] = bg_fmt("%s_%s", g->prefix, items[k].name);
        }
    }
  }
  for (uint32_t i = 0; i < r->n_interfaces; i++) {
    char *s = g->ifprefix[i] ? bg_snake(g->ifprefix[i]) : NULL;
    free(g->ifprefix[i]);
    g->ifprefix[i] = s;
  }
  /* the same interface in two versions: append the version */
  for (uint32_t i = 0; i < r->n_interfaces; i++)
    for (uint32_t j = i + 1; j < r->n_interfaces; j++)
      if (g->ifprefix[i] && g->ifprefix[j] && !strcmp(g->ifprefix[i], g->ifprefix[j])) {
        uint32_t k = r->interfaces[j].package;
        const char *v = k != WP_WIT_NONE ? r->packages[k].name.version : NULL;
        char *n = bg_fmt("%s_%s", g->ifprefix[j], v ? v : "2");
        char *s = n ? bg_snake(n) : NULL;
        free(n);
        free(g->ifprefix[j]);
        g->ifprefix[j] = s;
      }
}

int bg_model(bg_t *g) {
  const wp_wit_resolve_t *r = g->r;
  g->tname = calloc(r->n_types + 1, sizeof *g->tname);
  g->needed = calloc(r->n_types + 1, sizeof *g->needed);
  g->emitted = calloc(r->n_types + 1, sizeof *g->emitted);
  g->ifprefix = calloc(r->n_interfaces + 1, sizeof *g->ifprefix);
  g->impl = calloc(r->n_interfaces + 1, sizeof *g->impl);
  if (!g->impl || !g->tname || !g->needed || !g->emitted || !g->ifprefix) {
    bg_fail(g, "out of memory");
    return -1;
  }
  name_ifaces(g);
  g->tname[r->n_types] = bg_fmt("%s_string_t", g->prefix);
  /* reserve the string name so no WIT type takes it */
  dedup_add(g, "string", bg_strdup(g->tname[r->n_types]));
  /* and the plugin side's call context */
  if (g->o->side == WP_BINDGEN_PLUGIN) dedup_add(g, "ctx", bg_fmt("%s_ctx_t", g->prefix));
  if (pick(g)) return -1;
  for (uint32_t i = 0; i < r->n_types && !g->err; i++)
    if (g->needed[i]) name_type(g, i);
  if (g->err) return -1;
  for (uint32_t i = 0; i < g->nfuncs; i++) {
    bg_func_t *bf = &g->funcs[i];
    char *suf = func_suffix(bf->f->name);
    const char *base = bf->iface == WP_WIT_NONE ? g->prefix : g->ifprefix[bf->iface];
    bf->cname = suf ? bg_fmt("%s_%s", base, suf) : NULL;
    free(suf);
    if (bf->iface == WP_WIT_NONE) bf->module = bg_strdup("$root");
    else {
      char *id = wp_wit_interface_id(r, bf->iface);
      /* world-inline interfaces are named by their world item */
      bf->module = id ? id : bg_strdup(g->ifprefix[bf->iface]);
    }
    if (!bf->cname || !bf->module) bg_fail(g, "out of memory");
  }
  /* resources this side implements: those of interfaces it implements */
  for (uint32_t i = 0; i < r->n_types; i++) {
    const wp_wit_typedef_t *d = &r->types[i];
    if (d->kind != WP_WIT_DEF_RESOURCE || d->owner_kind != WP_WIT_OWNER_INTERFACE ||
        !g->impl[d->owner])
      continue;
    uint32_t *nr = realloc(g->res, (g->nres + 1) * sizeof *nr);
    if (!nr) {
      bg_fail(g, "out of memory");
      break;
    }
    g->res = nr;
    g->res[g->nres++] = i;
  }
  return g->err ? -1 : 0;
}

void bg_model_free(bg_t *g) {
  if (g->tname)
    for (uint32_t i = 0; i <= g->r->n_types; i++) free(g->tname[i]);
  free(g->tname);
  free(g->needed);
  free(g->emitted);
  if (g->ifprefix)
    for (uint32_t i = 0; i < g->r->n_interfaces; i++) free(g->ifprefix[i]);
  free(g->ifprefix);
  free(g->impl);
  for (uint32_t i = 0; i < g->nfuncs; i++) {
    free(g->funcs[i].cname);
    free((char *)g->funcs[i].module);
  }
  free(g->funcs);
  free(g->res);
  wp_wit_cabi_delete(g->conv);
  g->conv = NULL;
  for (uint32_t i = 0; i < g->ndedup; i++) {
    free(g->dedup_key[i]);
    free(g->dedup_name[i]);
  }
  free(g->dedup_key);
  free(g->dedup_name);
  free(g->prefix);
  free(g->err);
}
