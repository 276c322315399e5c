/*
** decode.c — a component's sections, in order, into index spaces.
**
** Each section's entries are checked as they are read: indices must refer to
** earlier definitions (Binary.md builds index spaces incrementally), so
** resolution and bounds checking happen here; the checks that need the whole
** component run afterwards in validate.c.
*/
#include "component/internal.h"
#include "wasmplug.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const section_names[WP_COMP_SEC_COUNT] = {
    "custom", "core module", "core instance", "core type", "component",
    "instance", "alias", "type", "canon", "start", "import", "export", "value"};

uint8_t wp_read_core_sort(wp_cx *cx, wp_rd *r) {
  const uint8_t *at = r->p;
  uint8_t b = wp_u8(cx, r);
  switch (b) {
    case 0x00: return WP_COMP_SORT_CORE_FUNC;
    case 0x01: return WP_COMP_SORT_CORE_TABLE;
    case 0x02: return WP_COMP_SORT_CORE_MEMORY;
    case 0x03: return WP_COMP_SORT_CORE_GLOBAL;
    case 0x04: return WP_COMP_SORT_CORE_TAG;
    case 0x10: return WP_COMP_SORT_CORE_TYPE;
    case 0x11: return WP_COMP_SORT_CORE_MODULE;
    case 0x12: return WP_COMP_SORT_CORE_INSTANCE;
    default: wp_fail(cx, at, "unknown core sort 0x%02x", b);
  }
}

uint8_t wp_read_sort(wp_cx *cx, wp_rd *r) {
  const uint8_t *at = r->p;
  uint8_t b = wp_u8(cx, r);
  switch (b) {
    case 0x00: return wp_read_core_sort(cx, r);
    case 0x01: return WP_COMP_SORT_FUNC;
    case 0x02: return WP_COMP_SORT_VALUE;
    case 0x03: return WP_COMP_SORT_TYPE;
    case 0x04: return WP_COMP_SORT_COMPONENT;
    case 0x05: return WP_COMP_SORT_INSTANCE;
    default: wp_fail(cx, at, "unknown sort 0x%02x", b);
  }
}

static void push_item(wp_cx *cx, wp_comp *c, uint32_t *cap, uint8_t kind,
                      uint32_t index) {
  c->items = wp_grow(cx, c->items, c->nitems, cap, sizeof *c->items);
  c->items[c->nitems].kind = kind;
  c->items[c->nitems].index = index;
  c->nitems++;
}

/* The extern type of an index-space entry (for instance exports, args). */
static void def_extern(wp_cx *cx, wp_scope *s, uint8_t sort, uint32_t idx,
                       const uint8_t *at, wp_comp_extern *e) {
  const wp_comp_def *d = wp_space_get(cx, s, sort, idx, at);
  if (sort < WP_COMP_SORT_FUNC && sort != WP_COMP_SORT_CORE_MODULE)
    wp_fail(cx, at, "a %s cannot be exported from a component", wp_comp_sort_name(sort));
  e->sort = sort;
  if (sort == WP_COMP_SORT_CORE_MODULE) e->module = d->type;
  else e->type = d->type;
}

/* ------------------------------------------------------------ core instances */

static void core_arg_check(wp_cx *cx, wp_scope *s, wp_comp_core_instance *ci,
                           const wp_comp_core_iface *m, const uint8_t *at) {
  wp_comp_str *names = wp_alloc(cx, (size_t)ci->nargs * sizeof *names + 1);
  for (uint32_t i = 0; i < ci->nargs; i++) names[i] = ci->args[i].name;
  long dup;
  uint32_t *order = wp_sort_names(cx, names, ci->nargs, 0, &dup);
  if (dup >= 0)
    wp_fail(cx, at, "duplicate instantiation argument '%.*s'", (int)names[dup].len,
            names[dup].ptr);
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wp_comp_core_import *im = &m->imports[i];
    long k = wp_lookup_name(names, order, ci->nargs, im->module.ptr, im->module.len);
    const wp_comp_core_arg *arg = k >= 0 ? &ci->args[k] : NULL;
    if (!arg)
      wp_fail(cx, at, "core module %u needs an argument named '%.*s' (for its import '%.*s' '%.*s')",
              (unsigned)ci->module, (int)im->module.len, im->module.ptr,
              (int)im->module.len, im->module.ptr, (int)im->name.len, im->name.ptr);
    const wp_comp_core_iface *inst =
        wp_space_get(cx, s, WP_COMP_SORT_CORE_INSTANCE, arg->instance, at)->type;
    const wp_comp_core_export *ex = wp_core_iface_export(inst, im->name);
    if (!ex)
      wp_fail(cx, at, "core module %u import '%.*s' '%.*s': core instance %u has no export '%.*s'",
              (unsigned)ci->module, (int)im->module.len, im->module.ptr,
              (int)im->name.len, im->name.ptr, (unsigned)arg->instance,
              (int)im->name.len, im->name.ptr);
    if (!wp_core_extern_matches(&ex->type, &im->type)) {
      static const char *const kinds[] = {"func", "table", "memory", "global", "tag"};
      wp_fail(cx, at, "core module %u import '%.*s' '%.*s': expected a matching %s, found a %s of another type",
              (unsigned)ci->module, (int)im->module.len, im->module.ptr,
              (int)im->name.len, im->name.ptr, kinds[im->type.kind % 5],
              kinds[ex->type.kind % 5]);
    }
  }
}

static void read_core_instance(wp_cx *cx, wp_rd *r, wp_scope *s,
                               wp_comp_core_instance *ci) {
  const uint8_t *at = r->p;
  ci->offset = wp_off(cx, at);
  uint8_t b = wp_u8(cx, r);
  if (b == 0x00) {
    const uint8_t *mat = r->p;
    ci->module = wp_u32(cx, r);
    const wp_comp_core_iface *m =
        wp_space_get(cx, s, WP_COMP_SORT_CORE_MODULE, ci->module, mat)->type;
    ci->nargs = wp_count(cx, r, "instantiation argument");
    ci->args = wp_alloc(cx, (size_t)ci->nargs * sizeof *ci->args);
    for (uint32_t i = 0; i < ci->nargs; i++) {
      ci->args[i].name = wp_name(cx, r);
      const uint8_t *kat = r->p;
      uint8_t k = wp_u8(cx, r);
      if (k != 0x12)
        wp_fail(cx, kat, "core instantiation argument must be an instance (sort 0x%02x)", k);
      kat = r->p;
      ci->args[i].instance = wp_u32(cx, r);
      wp_space_get(cx, s, WP_COMP_SORT_CORE_INSTANCE, ci->args[i].instance, kat);
    }
    core_arg_check(cx, s, ci, m, at);
    ci->iface.nexports = m->nexports;
    ci->iface.exports = m->exports;
    ci->iface.export_order = m->export_order;
  } else if (b == 0x01) {
    ci->is_exports = 1;
    ci->nexports = wp_count(cx, r, "core instance export");
    ci->exports = wp_alloc(cx, (size_t)ci->nexports * sizeof *ci->exports);
    ci->iface.nexports = ci->nexports;
    ci->iface.exports = wp_alloc(cx, (size_t)ci->nexports * sizeof *ci->iface.exports);
    for (uint32_t i = 0; i < ci->nexports; i++) {
      wp_comp_sortidx *e = &ci->exports[i];
      const uint8_t *eat = r->p;
      e->name = wp_name(cx, r);
      e->sort = wp_read_core_sort(cx, r);
      const uint8_t *iat = r->p;
      e->idx = wp_u32(cx, r);
      if (e->sort > WP_COMP_SORT_CORE_TAG)
        wp_fail(cx, eat, "core instance export '%.*s' must be a func, table, memory, global or tag",
                (int)e->name.len, e->name.ptr);
      const wp_comp_def *d = wp_space_get(cx, s, e->sort, e->idx, iat);
      wp_comp_core_export *x = &ci->iface.exports[i];
      x->name = e->name;
      if (e->sort == WP_COMP_SORT_CORE_FUNC) {
        x->type.kind = WP_COMP_CORE_FUNC;
        x->type.func = d->type;
      } else {
        x->type = *(const wp_comp_core_extern *)d->type;
      }
    }
    wp_index_core_iface(cx, &ci->iface, at, "core instance export");
  } else {
    wp_fail(cx, at, "unknown core instance tag 0x%02x", b);
  }
}

/* --------------------------------------------------------------- instances */

static wp_comp_sortidx read_sortidx_named(wp_cx *cx, wp_rd *r, wp_scope *s,
                                          int extern_name, wp_comp_extern *e) {
  wp_comp_sortidx si;
  memset(&si, 0, sizeof si);
  memset(e, 0, sizeof *e);
  e->offset = wp_off(cx, r->p);
  if (extern_name) {
    wp_read_extern_name(cx, r, e);
    si.name = e->name;
  } else {
    si.name = wp_name(cx, r);
    e->name = si.name;
  }
  si.sort = wp_read_sort(cx, r);
  const uint8_t *iat = r->p;
  si.idx = wp_u32(cx, r);
  def_extern(cx, s, si.sort, si.idx, iat, e);
  /* A type exported from a bag of exports is that type itself, not a new
  ** name of it (wasm-tools: `created` is `referenced`): the bag has no
  ** index space of its own, so a later export of the bag naming a record
  ** that refers to an earlier one refers to that very node.  It is only
  ** named after its export when it has no name yet (for WIT printing;
  ** types in index spaces are arena nodes, so this write is ours). */
  if (extern_name && si.sort == WP_COMP_SORT_TYPE && e->type && e->type->name.len == 0 &&
      !wp_comp_kind_is_prim(e->type->kind))
    ((wp_comp_type *)e->type)->name = e->name;
  return si;
}

static void read_instance(wp_cx *cx, wp_rd *r, wp_scope *s, wp_comp_instance *in) {
  const uint8_t *at = r->p;
  in->offset = wp_off(cx, at);
  uint8_t b = wp_u8(cx, r);
  wp_comp_type *t = wp_alloc(cx, sizeof *t);
  t->kind = WP_COMP_T_INSTANCE;
  if (b == 0x00) {
    const uint8_t *cat = r->p;
    in->component = wp_u32(cx, r);
    const wp_comp_type *ct =
        wp_space_get(cx, s, WP_COMP_SORT_COMPONENT, in->component, cat)->type;
    in->nargs = wp_count(cx, r, "instantiation argument");
    in->args = wp_alloc(cx, (size_t)in->nargs * sizeof *in->args);
    wp_comp_extern *given = wp_alloc(cx, (size_t)in->nargs * sizeof *given);
    wp_comp_str *names = wp_alloc(cx, (size_t)in->nargs * sizeof *names + 1);
    for (uint32_t i = 0; i < in->nargs; i++) {
      in->args[i] = read_sortidx_named(cx, r, s, 0, &given[i]);
      names[i] = in->args[i].name;
    }
    long dup;
    uint32_t *order = wp_sort_names(cx, names, in->nargs, 0, &dup);
    if (dup >= 0)
      wp_fail(cx, at, "duplicate instantiation argument '%.*s'", (int)names[dup].len,
              names[dup].ptr);
    /* every import must be supplied (plain string equality) with a subtype;
    ** one checker for all of them, so that the component's abstract
    ** resources are bound once, in order, and later uses must agree */
    wp_tc *tc = wp_tc_new(cx, ct->scope_lo);
    const wp_comp_extern **arg = wp_alloc(cx, ((size_t)ct->nimports + 1) * sizeof *arg);
    for (uint32_t i = 0; i < ct->nimports; i++) {
      const wp_comp_extern *im = &ct->imports[i];
      long k = wp_lookup_name(names, order, in->nargs, im->name.ptr, im->name.len);
      const wp_comp_extern *g = arg[i] = k >= 0 ? &given[k] : NULL;
      char what[300], why[1024];
      snprintf(what, sizeof what, "instantiation argument `%.*s` of component %u",
               (int)im->name.len, im->name.ptr, (unsigned)in->component);
      if (!g) wp_fail(cx, at, "missing import named `%.*s` (%s)", (int)im->name.len,
                      im->name.ptr, what);
      if (wp_tc_extern(tc, g, im, what, why, sizeof why) != 0) wp_fail(cx, at, "%s", why);
    }
    /* The instance's type: the component's exports with its imported
    ** resources replaced by the arguments and the rest by fresh ones
    ** (every instance has resource types of its own). */
    const wp_comp_type *it = wp_type_instantiate(cx, s, ct, arg, tc);
    t->nexports = it->nexports;
    t->exports = it->exports;
    t->export_order = ct->export_order;
  } else if (b == 0x01) {
    in->is_exports = 1;
    in->nexports = wp_count(cx, r, "instance export");
    in->exports = wp_alloc(cx, (size_t)in->nexports * sizeof *in->exports);
    wp_comp_extern *ex = wp_alloc(cx, (size_t)in->nexports * sizeof *ex);
    for (uint32_t i = 0; i < in->nexports; i++) {
      in->exports[i] = read_sortidx_named(cx, r, s, 1, &ex[i]);
      wp_check_extern_name(cx, &ex[i], "instance export");
    }
    wp_check_unique_externs(cx, ex, in->nexports, "instance export");
    t->nexports = in->nexports;
    t->exports = ex;
    wp_index_type(cx, t);
    wp_check_bag_annotations(cx, t);
  } else {
    wp_fail(cx, at, "unknown instance tag 0x%02x", b);
  }
  wp_res_facts(t);
  in->type = t;
}

/* ------------------------------------------------------------------ alias */

void wp_read_alias(wp_cx *cx, wp_rd *r, wp_scope *s, wp_comp_alias *a,
                   uint32_t item) {
  const uint8_t *at = r->p;
  memset(a, 0, sizeof *a);
  a->offset = wp_off(cx, at);
  a->sort = wp_read_sort(cx, r);
  a->kind = wp_u8(cx, r);
  const void *type = NULL;
  int in_type = s->kind != WP_SCOPE_COMPONENT;
  switch (a->kind) {
    case WP_COMP_ALIAS_EXPORT: {
      const uint8_t *iat = r->p;
      a->instance = wp_u32(cx, r);
      a->name = wp_name(cx, r);
      if (in_type && a->sort != WP_COMP_SORT_INSTANCE && a->sort != WP_COMP_SORT_TYPE)
        wp_fail(cx, at, "export aliases in a type may only alias types and instances");
      const wp_comp_type *it = wp_space_get(cx, s, WP_COMP_SORT_INSTANCE, a->instance, iat)->type;
      const wp_comp_extern *e = wp_comp_type_export(it, a->name.ptr, a->name.len);
      if (!e)
        wp_fail(cx, at, "instance %u has no export named `%.*s`", (unsigned)a->instance,
                (int)a->name.len, a->name.ptr);
      if (e->sort != a->sort)
        wp_fail(cx, at, "export `%.*s` of instance %u is a %s, not a %s", (int)a->name.len,
                a->name.ptr, (unsigned)a->instance, wp_comp_sort_name(e->sort),
                wp_comp_sort_name(a->sort));
      type = e->sort == WP_COMP_SORT_CORE_MODULE ? (const void *)e->module : (const void *)e->type;
      break;
    }
    case WP_COMP_ALIAS_CORE_EXPORT: {
      const uint8_t *iat = r->p;
      a->instance = wp_u32(cx, r);
      a->name = wp_name(cx, r);
      if (in_type) wp_fail(cx, at, "core export aliases are not allowed in a type");
      if (a->sort > WP_COMP_SORT_CORE_TAG)
        wp_fail(cx, at, "core export alias must be a core func, table, memory, global or tag");
      const wp_comp_core_iface *it =
          wp_space_get(cx, s, WP_COMP_SORT_CORE_INSTANCE, a->instance, iat)->type;
      const wp_comp_core_export *e = wp_core_iface_export(it, a->name);
      if (!e)
        wp_fail(cx, at, "core instance %u has no export named '%.*s'", (unsigned)a->instance,
                (int)a->name.len, a->name.ptr);
      if (e->type.kind != a->sort - WP_COMP_SORT_CORE_FUNC)
        wp_fail(cx, at, "export '%.*s' of core instance %u is not a %s", (int)a->name.len,
                a->name.ptr, (unsigned)a->instance, wp_comp_sort_name(a->sort));
      type = a->sort == WP_COMP_SORT_CORE_FUNC ? (const void *)e->type.func
                                               : (const void *)&e->type;
      break;
    }
    case WP_COMP_ALIAS_OUTER: {
      a->count = wp_u32(cx, r);
      const uint8_t *iat = r->p;
      a->idx = wp_u32(cx, r);
      int ok = a->sort == WP_COMP_SORT_TYPE || a->sort == WP_COMP_SORT_CORE_TYPE ||
               (!in_type && (a->sort == WP_COMP_SORT_CORE_MODULE ||
                             a->sort == WP_COMP_SORT_COMPONENT));
      if (!ok)
        wp_fail(cx, at, "outer alias of a %s is not allowed here", wp_comp_sort_name(a->sort));
      wp_scope *o = s;
      int crosses_component = 0;
      for (uint32_t k = 0; k < a->count && o; k++) {
        crosses_component |= o->kind == WP_SCOPE_COMPONENT;
        o = o->outer;
      }
      if (!o)
        wp_fail(cx, at, "outer alias count %u exceeds the enclosing scopes", (unsigned)a->count);
      type = wp_space_get(cx, o, a->sort, a->idx, iat)->type;
      /* Binary.md: a type alias leaving a component may not drag a resource
      ** along (resources are per component instance) */
      if (a->sort == WP_COMP_SORT_TYPE && crosses_component && wp_type_has_free_resources(type))
        wp_fail(cx, at, "outer alias of type %u crosses a component boundary but transitively "
                "refers to resources not defined in the current component", (unsigned)a->idx);
      break;
    }
    default:
      wp_fail(cx, at, "unknown alias kind 0x%02x", a->kind);
  }
  wp_space_push(cx, s, a->sort, WP_COMP_FROM_ALIAS, item, type, at);
}

/* ------------------------------------------------------------ name section */

/* A lenient reader: the name section must never make a component invalid,
** so failures here return 0 instead of unwinding. */
typedef struct nrd {
  const uint8_t *p, *end;
} nrd;

static int nr_u32(nrd *r, uint32_t *v) {
  uint32_t x = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    if (r->p >= r->end) return 0;
    uint8_t b = *r->p++;
    if (shift == 28 && (b & 0x70)) return 0;
    x |= (uint32_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) { *v = x; return 1; }
  }
  return 0;
}

static int nr_name(nrd *r, wp_comp_str *s) {
  uint32_t n;
  if (!nr_u32(r, &n) || (size_t)(r->end - r->p) < n) return 0;
  if (!wp_utf8_valid(r->p, n)) return 0;
  s->ptr = (const char *)r->p;
  s->len = n;
  r->p += n;
  return 1;
}

static int nr_sort(nrd *r, uint8_t *sort) {
  if (r->p >= r->end) return 0;
  uint8_t b = *r->p++;
  static const uint8_t core[] = {0, 1, 2, 3, 4};
  if (b == 0) {
    if (r->p >= r->end) return 0;
    uint8_t c = *r->p++;
    if (c <= 4) *sort = core[c];
    else if (c == 0x10) *sort = WP_COMP_SORT_CORE_TYPE;
    else if (c == 0x11) *sort = WP_COMP_SORT_CORE_MODULE;
    else if (c == 0x12) *sort = WP_COMP_SORT_CORE_INSTANCE;
    else return 0;
    return 1;
  }
  if (b < 1 || b > 5) return 0;
  static const uint8_t map[] = {0, WP_COMP_SORT_FUNC, WP_COMP_SORT_VALUE, WP_COMP_SORT_TYPE,
                                WP_COMP_SORT_COMPONENT, WP_COMP_SORT_INSTANCE};
  *sort = map[b];
  return 1;
}

static int parse_names(wp_cx *cx, const uint8_t *p, uint32_t n, wp_comp_names *out) {
  nrd r = {p, p + n};
  wp_comp_names names;
  memset(&names, 0, sizeof names);
  while (r.p < r.end) {
    uint8_t id = *r.p++;
    uint32_t size;
    if (!nr_u32(&r, &size) || (size_t)(r.end - r.p) < size) return 0;
    nrd s = {r.p, r.p + size};
    r.p += size;
    if (id == 0) {
      if (!nr_name(&s, &names.component)) return 0;
    } else if (id == 1) {
      uint8_t sort;
      uint32_t cnt;
      if (!nr_sort(&s, &sort) || !nr_u32(&s, &cnt)) return 0;
      if (cnt > (size_t)(s.end - s.p) || names.names[sort]) return 0;
      wp_comp_name *v = wp_arena_alloc(cx->arena, (size_t)cnt * sizeof *v);
      if (!v) return 0;
      for (uint32_t i = 0; i < cnt; i++)
        if (!nr_u32(&s, &v[i].idx) || !nr_name(&s, &v[i].name)) return 0;
      names.names[sort] = v;
      names.count[sort] = cnt;
    } /* unknown subsections are skipped */
    if (s.p != s.end) return 0;
  }
  names.present = 1;
  *out = names;
  return 1;
}

/* ------------------------------------------------------------- component */

static void build_component_type(wp_cx *cx, wp_comp *c, wp_scope *s) {
  wp_comp_type *t = wp_alloc(cx, sizeof *t);
  t->kind = WP_COMP_T_COMPONENT;
  t->nimports = s->nimports;
  t->imports = s->imports;
  t->nexports = s->nexports;
  t->exports = s->exports;
  t->scope_lo = s->serial;
  t->scope_hi = cx->serial + 1;
  wp_index_type(cx, t);
  wp_res_facts(t);
  c->type = t;
}

wp_comp *wp_decode_component(wp_cx *cx, wp_rd *r, wp_scope *outer) {
  const uint8_t *start = r->p;
  wp_comp *c = wp_alloc(cx, sizeof *c);
  c->parent = outer ? outer->comp : NULL;
  c->offset = wp_off(cx, start);
  c->size = (uint32_t)(r->end - r->p);
  const char *saved_section = cx->section;
  cx->section = NULL;
  const uint8_t *pre = wp_bytes(cx, r, 8);
  if (memcmp(pre, "\0asm", 4) != 0) wp_fail(cx, pre, "bad magic number (not a wasm file)");
  if (pre[6] != 1 || pre[7] != 0) wp_fail(cx, pre + 6, "not a component (layer %u)", pre[6] | pre[7] << 8);
  if (pre[4] != 0x0d || pre[5] != 0)
    wp_fail(cx, pre + 4, "unsupported component binary version 0x%02x%02x (expected 0x000d)",
            pre[5], pre[4]);

  wp_scope s;
  memset(&s, 0, sizeof s);
  s.outer = outer;
  s.kind = WP_SCOPE_COMPONENT;
  s.space = c->space;
  s.comp = c;
  wp_scope_open(cx, &s);

  uint32_t capitems = 0, capcomps = 0, capmods = 0, capci = 0, capct = 0,
           capin = 0, capal = 0, capty = 0, capca = 0, capex = 0, capcu = 0;
  while (r->p < r->end) {
    const uint8_t *sat = r->p;
    cx->section = NULL;
    uint8_t id = wp_u8(cx, r);
    if (id >= WP_COMP_SEC_COUNT) wp_fail(cx, sat, "unknown section id %u", id);
    cx->section = section_names[id];
    uint32_t len = wp_u32(cx, r);
    const uint8_t *body = r->p;
    if ((size_t)(r->end - r->p) < len)
      wp_fail(cx, sat, "section size %u exceeds the %u bytes left", (unsigned)len,
              (unsigned)(r->end - r->p));
    r->p += len;
    wp_rd sr = {body, body + len};
    c->section_count[id]++;
    switch (id) {
      case WP_COMP_SEC_CUSTOM: {
        wp_comp_custom cu;
        cu.name = wp_name(cx, &sr);
        cu.offset = wp_off(cx, sr.p);
        cu.size = (uint32_t)(sr.end - sr.p);
        c->customs = wp_grow(cx, c->customs, c->ncustoms, &capcu, sizeof cu);
        c->customs[c->ncustoms++] = cu;
        if (wp_str_eqz(cu.name, "component-name") && !c->names.present)
          parse_names(cx, sr.p, cu.size, &c->names);
        sr.p = sr.end;
        break;
      }
      case WP_COMP_SEC_CORE_MODULE: {
        wp_comp_core_module m;
        memset(&m, 0, sizeof m);
        m.offset = wp_off(cx, body);
        m.size = len;
        m.bytes = body;
        /* the index space entry needs a stable pointer: c->core_modules
        ** moves as it grows, so the interface lives in its own node */
        wp_comp_core_iface *iface = wp_alloc(cx, sizeof *iface);
        wp_core_module_iface(cx, body, len, iface);
        /* the core layer validates the rest (function bodies...): an
        ** invalid module makes the component invalid, even for `wit` */
        char what[64];
        snprintf(what, sizeof what, "core module %u", (unsigned)c->ncore_modules);
        wasmplug_error_t *verr = cx->validate
                                     ? cx->validate(cx->validate_ctx, body, len, what, m.digest, &m.digested)
                                     : wasmplug_module_validate(body, len, what);
        if (verr) {
          char msg[512];
          snprintf(msg, sizeof msg, "%s", wasmplug_error_message(verr));
          wasmplug_error_delete(verr);
          wp_fail(cx, body, "%s", msg);
        }
        m.iface = *iface;
        c->core_modules = wp_grow(cx, c->core_modules, c->ncore_modules, &capmods, sizeof m);
        c->core_modules[c->ncore_modules] = m;
        wp_space_push(cx, &s, WP_COMP_SORT_CORE_MODULE, WP_COMP_FROM_CORE_MODULE,
                      c->ncore_modules, iface, body);
        push_item(cx, c, &capitems, WP_COMP_ITEM_CORE_MODULE, c->ncore_modules++);
        sr.p = sr.end;
        break;
      }
      case WP_COMP_SEC_CORE_INSTANCE: {
        uint32_t n = wp_count(cx, &sr, "core instance");
        for (uint32_t i = 0; i < n; i++) {
          wp_comp_core_instance *ci = wp_alloc(cx, sizeof *ci);
          const uint8_t *at = sr.p;
          read_core_instance(cx, &sr, &s, ci);
          c->core_instances = wp_grow(cx, c->core_instances, c->ncore_instances, &capci, sizeof *ci);
          c->core_instances[c->ncore_instances] = *ci;
          wp_space_push(cx, &s, WP_COMP_SORT_CORE_INSTANCE, WP_COMP_FROM_CORE_INSTANCE,
                        c->ncore_instances, &ci->iface, at);
          push_item(cx, c, &capitems, WP_COMP_ITEM_CORE_INSTANCE, c->ncore_instances++);
        }
        break;
      }
      case WP_COMP_SEC_CORE_TYPE: {
        uint32_t n = wp_count(cx, &sr, "core type");
        for (uint32_t i = 0; i < n; i++) {
          const uint8_t *at = sr.p;
          const wp_comp_core_type *ct = wp_read_core_type(cx, &sr, &s);
          c->core_types = wp_grow(cx, (void *)c->core_types, c->ncore_types, &capct, sizeof ct);
          c->core_types[c->ncore_types] = ct;
          wp_space_push(cx, &s, WP_COMP_SORT_CORE_TYPE, WP_COMP_FROM_CORE_TYPE,
                        c->ncore_types, ct, at);
          push_item(cx, c, &capitems, WP_COMP_ITEM_CORE_TYPE, c->ncore_types++);
        }
        break;
      }
      case WP_COMP_SEC_COMPONENT: {
        if (cx->depth >= WP_COMP_MAX_DEPTH)
          wp_fail(cx, body, "components nested deeper than %d", WP_COMP_MAX_DEPTH);
        cx->depth++;
        wp_comp *child = wp_decode_component(cx, &sr, &s);
        cx->depth--;
        cx->section = section_names[id];
        c->components = wp_grow(cx, c->components, c->ncomponents, &capcomps, sizeof child);
        c->components[c->ncomponents] = child;
        wp_space_push(cx, &s, WP_COMP_SORT_COMPONENT, WP_COMP_FROM_COMPONENT,
                      c->ncomponents, child->type, body);
        push_item(cx, c, &capitems, WP_COMP_ITEM_COMPONENT, c->ncomponents++);
        break;
      }
      case WP_COMP_SEC_INSTANCE: {
        uint32_t n = wp_count(cx, &sr, "instance");
        for (uint32_t i = 0; i < n; i++) {
          wp_comp_instance in;
          memset(&in, 0, sizeof in);
          const uint8_t *at = sr.p;
          read_instance(cx, &sr, &s, &in);
          c->instances = wp_grow(cx, c->instances, c->ninstances, &capin, sizeof in);
          c->instances[c->ninstances] = in;
          wp_space_push(cx, &s, WP_COMP_SORT_INSTANCE, WP_COMP_FROM_INSTANCE,
                        c->ninstances, in.type, at);
          push_item(cx, c, &capitems, WP_COMP_ITEM_INSTANCE, c->ninstances++);
        }
        break;
      }
      case WP_COMP_SEC_ALIAS: {
        uint32_t n = wp_count(cx, &sr, "alias");
        for (uint32_t i = 0; i < n; i++) {
          wp_comp_alias a;
          wp_read_alias(cx, &sr, &s, &a, c->naliases);
          c->aliases = wp_grow(cx, c->aliases, c->naliases, &capal, sizeof a);
          c->aliases[c->naliases] = a;
          push_item(cx, c, &capitems, WP_COMP_ITEM_ALIAS, c->naliases++);
        }
        break;
      }
      case WP_COMP_SEC_TYPE: {
        uint32_t n = wp_count(cx, &sr, "type");
        for (uint32_t i = 0; i < n; i++) {
          const uint8_t *at = sr.p;
          wp_comp_type_def td;
          td.offset = wp_off(cx, at);
          td.type = wp_read_deftype(cx, &sr, &s);
          c->types = wp_grow(cx, c->types, c->ntypes, &capty, sizeof td);
          c->types[c->ntypes] = td;
          wp_space_push(cx, &s, WP_COMP_SORT_TYPE, WP_COMP_FROM_TYPE, c->ntypes, td.type, at);
          push_item(cx, c, &capitems, WP_COMP_ITEM_TYPE, c->ntypes++);
        }
        break;
      }
      case WP_COMP_SEC_CANON: {
        uint32_t n = wp_count(cx, &sr, "canon");
        for (uint32_t i = 0; i < n; i++) {
          wp_comp_canon cn;
          memset(&cn, 0, sizeof cn);
          const uint8_t *at = sr.p;
          wp_read_canon(cx, &sr, &s, &cn);
          c->canons = wp_grow(cx, c->canons, c->ncanons, &capca, sizeof cn);
          c->canons[c->ncanons] = cn;
          if (cn.op == WP_COMP_CANON_LIFT)
            wp_space_push(cx, &s, WP_COMP_SORT_FUNC, WP_COMP_FROM_CANON, c->ncanons,
                          cn.functype, at);
          else
            wp_space_push(cx, &s, WP_COMP_SORT_CORE_FUNC, WP_COMP_FROM_CANON, c->ncanons,
                          wp_abi_canon_core_sig(cx, &cn), at);
          push_item(cx, c, &capitems, WP_COMP_ITEM_CANON, c->ncanons++);
        }
        break;
      }
      case WP_COMP_SEC_START: {
        if (c->nstarts) wp_fail(cx, sat, "a component may have at most one start section");
        wp_comp_start st;
        memset(&st, 0, sizeof st);
        st.offset = wp_off(cx, body);
        const uint8_t *fat = sr.p;
        st.func = wp_u32(cx, &sr);
        const wp_comp_type *ft = wp_space_get(cx, &s, WP_COMP_SORT_FUNC, st.func, fat)->type;
        st.nargs = wp_count(cx, &sr, "start argument");
        st.args = wp_alloc(cx, (size_t)st.nargs * sizeof *st.args);
        if (st.nargs != ft->n)
          wp_fail(cx, fat, "start function %u takes %u arguments, %u given", (unsigned)st.func,
                  (unsigned)ft->n, (unsigned)st.nargs);
        for (uint32_t i = 0; i < st.nargs; i++) {
          const uint8_t *vat = sr.p;
          st.args[i] = wp_u32(cx, &sr);
          const wp_comp_type *vt = wp_space_get(cx, &s, WP_COMP_SORT_VALUE, st.args[i], vat)->type;
          char why[512];
          if (wp_type_sub(vt, ft->fields[i].type, why, sizeof why) != 0)
            wp_fail(cx, vat, "start argument %u: %s", (unsigned)i, why);
        }
        const uint8_t *rat = sr.p;
        st.nresults = wp_u32(cx, &sr);
        if (st.nresults != (ft->elem ? 1u : 0u))
          wp_fail(cx, rat, "start function %u has %u results, %u declared", (unsigned)st.func,
                  ft->elem ? 1u : 0u, (unsigned)st.nresults);
        if (ft->elem)
          wp_space_push(cx, &s, WP_COMP_SORT_VALUE, WP_COMP_FROM_START, 0, ft->elem, rat);
        c->starts = wp_alloc(cx, sizeof st);
        c->starts[0] = st;
        push_item(cx, c, &capitems, WP_COMP_ITEM_START, c->nstarts++);
        break;
      }
      case WP_COMP_SEC_IMPORT: {
        uint32_t n = wp_count(cx, &sr, "import");
        for (uint32_t i = 0; i < n; i++) {
          const uint8_t *at = sr.p;
          wp_comp_extern e;
          memset(&e, 0, sizeof e);
          e.offset = wp_off(cx, at);
          wp_read_extern_name(cx, &sr, &e);
          wp_read_externtype(cx, &sr, &s, &e);
          wp_check_extern_name(cx, &e, "import");
          wp_declare_extern(cx, &s, &e, WP_COMP_FROM_IMPORT, s.nimports, at);
          wp_check_visible(cx, &s, &e, 1);
          s.imports = wp_grow(cx, s.imports, s.nimports, &s.capimports, sizeof e);
          s.imports[s.nimports] = e;
          push_item(cx, c, &capitems, WP_COMP_ITEM_IMPORT, s.nimports++);
        }
        break;
      }
      case WP_COMP_SEC_EXPORT: {
        uint32_t n = wp_count(cx, &sr, "export");
        for (uint32_t i = 0; i < n; i++) {
          const uint8_t *at = sr.p;
          wp_comp_export ex;
          memset(&ex, 0, sizeof ex);
          ex.ext.offset = wp_off(cx, at);
          wp_read_extern_name(cx, &sr, &ex.ext);
          ex.sort = wp_read_sort(cx, &sr);
          const uint8_t *iat = sr.p;
          ex.idx = wp_u32(cx, &sr);
          wp_comp_extern inferred = ex.ext;
          def_extern(cx, &s, ex.sort, ex.idx, iat, &inferred);
          const uint8_t *oat = sr.p;
          uint8_t has = wp_u8(cx, &sr);
          if (has > 1) wp_fail(cx, oat, "bad export type flag 0x%02x", has);
          if (has) {
            wp_comp_extern asc = ex.ext;
            wp_read_externtype(cx, &sr, &s, &asc);
            if (asc.sort != inferred.sort)
              wp_fail(cx, oat, "export `%.*s` is a %s but is ascribed a %s type",
                      (int)ex.ext.name.len, ex.ext.name.ptr, wp_comp_sort_name(inferred.sort),
                      wp_comp_sort_name(asc.sort));
            if (asc.type_is_sub_resource) {
              if (inferred.type->kind != WP_COMP_T_RESOURCE)
                wp_fail(cx, oat, "export `%.*s` is ascribed a resource type but is not a resource",
                        (int)ex.ext.name.len, ex.ext.name.ptr);
              /* an abstract resource of its own (declared below): the
              ** export hides which resource it is */
            } else {
              char what[300], why[1024];
              snprintf(what, sizeof what, "export `%.*s`", (int)ex.ext.name.len, ex.ext.name.ptr);
              if (wp_comp_extern_subtype(&inferred, &asc, what, why, sizeof why) != 0)
                wp_fail(cx, oat, "%s", why);
            }
            ex.ext = asc;
            ex.has_ascription = 1;
          } else {
            ex.ext = inferred;
          }
          wp_check_extern_name(cx, &ex.ext, "export");
          wp_declare_extern(cx, &s, &ex.ext, WP_COMP_FROM_EXPORT, c->nexports, at);
          wp_check_visible(cx, &s, &ex.ext, 0);
          c->exports = wp_grow(cx, c->exports, c->nexports, &capex, sizeof ex);
          c->exports[c->nexports] = ex;
          s.exports = wp_grow(cx, s.exports, s.nexports, &s.capexports, sizeof ex.ext);
          s.exports[s.nexports++] = ex.ext;
          push_item(cx, c, &capitems, WP_COMP_ITEM_EXPORT, c->nexports++);
        }
        break;
      }
      case WP_COMP_SEC_VALUE:
        wp_fail(cx, sat, "value definitions are not supported");
    }
    if (sr.p != sr.end)
      wp_fail(cx, sr.p, "%u trailing bytes at the end of the section",
              (unsigned)(sr.end - sr.p));
  }
  c->nimports = s.nimports;
  c->imports = s.imports;
  build_component_type(cx, c, &s);
  cx->section = NULL;
  wp_validate_component(cx, c, &s);
  cx->section = saved_section;
  return c;
}

/* ----------------------------------------------------------------- entry */

int wp_comp_is_component(const uint8_t *bytes, size_t len) {
  return bytes && len >= 8 && memcmp(bytes, "\0asm", 4) == 0 && bytes[6] == 1 &&
         bytes[7] == 0;
}

int wp_comp_load(const uint8_t *bytes, size_t len, const char *filename,
                 wp_comp **out, char *err, size_t errlen) {
  return wp_comp_load_with(NULL, NULL, bytes, len, filename, out, err, errlen);
}

int wp_comp_load_with(wp_comp_validate_fn *validate, void *ctx, const uint8_t *bytes, size_t len,
                      const char *filename, wp_comp **out, char *err, size_t errlen) {
  *out = NULL;
  if (err && errlen) err[0] = 0;
  if (!bytes) len = 0;
  if (len > UINT32_MAX) {
    if (err && errlen)
      snprintf(err, errlen, "%s: component too large", filename ? filename : "<memory>");
    return -1;
  }
  /* cx lives on the heap and is not modified after setjmp, so it is safe to
  ** use after the longjmp that reports an error */
  wp_cx *cx = calloc(1, sizeof *cx);
  if (!cx) return -1;
  static const uint8_t empty[1] = {0};
  /* offsets are measured from base, so it must be a real pointer even for
  ** an empty input */
  cx->base = bytes ? bytes : empty;
  cx->base_len = len;
  cx->filename = filename;
  cx->validate = validate;
  cx->validate_ctx = ctx;
  cx->err = err;
  cx->errlen = errlen;
  cx->arena = wp_arena_new();
  if (!cx->arena) {
    free(cx);
    if (err && errlen) snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (setjmp(cx->jb)) {
    wp_arena_delete(cx->arena);
    free(cx);
    return -1;
  }
  wp_rd r = {cx->base, cx->base + len};
  if (len < 8 || memcmp(r.p, "\0asm", 4) != 0)
    wp_fail(cx, r.p, "not a WebAssembly binary (bad magic number)");
  if (!wp_comp_is_component(bytes, len))
    wp_fail(cx, r.p + 4, "a core module, not a component");
  wp_comp *c = wp_decode_component(cx, &r, NULL);
  c->arena = cx->arena;
  free(cx);
  *out = c;
  return 0;
}

void wp_comp_delete(wp_comp *comp) {
  if (comp) wp_arena_delete(comp->arena);
}
