/*
** decode_types.c — the type section: defined value types, func types,
** component and instance types (with their declarators), resource types,
** core types (func and module types), externtypes and extern names.
**
** Every type index is resolved to a pointer as it is read, because index
** spaces are built incrementally (Binary.md) and a pointer stays meaningful
** after the scope that defined it is gone (outer aliases, instance types).
*/
#include "component/internal.h"

#include <string.h>

/* Primitive types are shared immutable constants; their abi facts are fixed. */
#define PRIM(k, sz, al, f) \
  [k] = {.kind = (k), .abi_size = (sz), .abi_align = (al), .flat_count = 1, .flat = {(f)}}
static const wp_comp_type prims[] = {
    PRIM(WP_COMP_T_BOOL, 1, 1, WP_CABI_I32),   PRIM(WP_COMP_T_S8, 1, 1, WP_CABI_I32),
    PRIM(WP_COMP_T_U8, 1, 1, WP_CABI_I32),     PRIM(WP_COMP_T_S16, 2, 2, WP_CABI_I32),
    PRIM(WP_COMP_T_U16, 2, 2, WP_CABI_I32),    PRIM(WP_COMP_T_S32, 4, 4, WP_CABI_I32),
    PRIM(WP_COMP_T_U32, 4, 4, WP_CABI_I32),    PRIM(WP_COMP_T_S64, 8, 8, WP_CABI_I64),
    PRIM(WP_COMP_T_U64, 8, 8, WP_CABI_I64),    PRIM(WP_COMP_T_F32, 4, 4, WP_CABI_CF32),
    PRIM(WP_COMP_T_F64, 8, 8, WP_CABI_CF64),    PRIM(WP_COMP_T_CHAR, 4, 4, WP_CABI_I32),
    [WP_COMP_T_STRING] = {.kind = WP_COMP_T_STRING, .abi_size = 8, .abi_align = 4, .flat_count = 2,
     .flat = {WP_CABI_I32, WP_CABI_I32}, .has_string_or_list = 1},
    PRIM(WP_COMP_T_ERROR_CONTEXT, 4, 4, WP_CABI_I32),
};

const wp_comp_type *wp_comp_prim(wp_comp_type_kind kind) {
  if (!wp_comp_kind_is_prim(kind)) return NULL;
  return &prims[kind];
}

/* primvaltype byte -> kind, 0 if not a primitive */
static uint8_t prim_kind(uint8_t b) {
  /* 0x7f bool ... 0x73 string: the kinds' order (wasmplug_ckind_t) */
  if (b >= 0x73 && b <= 0x7f) return (uint8_t)(WP_COMP_T_BOOL + (0x7f - b));
  if (b == 0x64) return WP_COMP_T_ERROR_CONTEXT;
  return 0;
}

static const char *kind_noun(const wp_comp_type *t) {
  switch (t->kind) {
    case WP_COMP_T_FUNC: return "a func type";
    case WP_COMP_T_COMPONENT: return "a component type";
    case WP_COMP_T_INSTANCE: return "an instance type";
    case WP_COMP_T_RESOURCE: return "a resource type";
    default: return "a value type";
  }
}

static int is_valtype(const wp_comp_type *t) { return t->kind <= WP_COMP_T_MAP; }

/* A type index that must denote a type of `want` kind class. */
static const wp_comp_type *type_ref(wp_cx *cx, wp_scope *s, uint32_t idx,
                                    const uint8_t *at, uint8_t want) {
  const wp_comp_def *d = wp_space_get(cx, s, WP_COMP_SORT_TYPE, idx, at);
  const wp_comp_type *t = d->type;
  int ok = want == 0 ? is_valtype(t) : t->kind == want;
  if (!ok) {
    const char *need = want == 0 ? "a value type"
                     : want == WP_COMP_T_FUNC ? "a func type"
                     : want == WP_COMP_T_COMPONENT ? "a component type"
                     : want == WP_COMP_T_INSTANCE ? "an instance type"
                     : "a resource type";
    wp_fail(cx, at, "type index %u is %s, not %s", (unsigned)idx, kind_noun(t), need);
  }
  return t;
}

const wp_comp_type *wp_read_valtype(wp_cx *cx, wp_rd *r, wp_scope *s) {
  const uint8_t *at = r->p;
  uint8_t b = wp_peek(cx, r);
  uint8_t k = prim_kind(b);
  if (k) {
    r->p++;
    return wp_comp_prim(k);
  }
  int64_t v = wp_s33(cx, r);
  if (v < 0) wp_fail(cx, at, "unknown value type 0x%02x", b);
  if (v > UINT32_MAX) wp_fail(cx, at, "type index %lld too large", (long long)v);
  return type_ref(cx, s, (uint32_t)v, at, 0);
}

static const wp_comp_type *read_opt_valtype(wp_cx *cx, wp_rd *r, wp_scope *s) {
  const uint8_t *at = r->p;
  uint8_t b = wp_u8(cx, r);
  if (b == 0) return NULL;
  if (b != 1) wp_fail(cx, at, "bad optional value type flag 0x%02x", b);
  return wp_read_valtype(cx, r, s);
}

/* ---------------------------------------------------------------- labels */

static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* `label` of Explainer.md: kebab-case fragments, each all-lowercase words or
** all-uppercase acronyms; the first fragment starts with a letter. */
static int label_ok(const char *p, size_t n) {
  if (n == 0) return 0;
  size_t i = 0;
  int first = 1;
  while (i <= n) {
    size_t j = i;
    while (j < n && p[j] != '-') j++;
    if (j == i) return 0; /* empty fragment */
    if (first && !is_lower(p[i]) && !is_upper(p[i])) return 0;
    int lower = 0, upper = 0;
    for (size_t k = i; k < j; k++) {
      if (is_lower(p[k])) lower = 1;
      else if (is_upper(p[k])) upper = 1;
      else if (!is_digit(p[k])) return 0;
    }
    if (lower && upper) return 0;
    first = 0;
    if (j == n) return 1;
    i = j + 1;
  }
  return 0;
}

static wp_comp_str read_label(wp_cx *cx, wp_rd *r) {
  const uint8_t *at = r->p;
  wp_comp_str l = wp_name(cx, r);
  if (!label_ok(l.ptr, l.len))
    wp_fail(cx, at, "'%.*s' is not a valid label (kebab-case expected)",
            (int)l.len, l.ptr);
  return l;
}

/* Labels must be strongly unique: equal ignoring ASCII case. */
static void check_unique_labels(wp_cx *cx, const wp_comp_field *f, uint32_t n,
                                const uint8_t *at, const char *what) {
  if (n < 2) return;
  wp_comp_str *names = wp_alloc(cx, (size_t)n * sizeof *names);
  for (uint32_t i = 0; i < n; i++) names[i] = f[i].name;
  long dup;
  wp_sort_names(cx, names, n, 1, &dup);
  if (dup >= 0)
    wp_fail(cx, at, "duplicate %s name '%.*s'", what, (int)names[dup].len, names[dup].ptr);
}

static wp_comp_field *read_labeled(wp_cx *cx, wp_rd *r, wp_scope *s, uint32_t n,
                                   const uint8_t *at, const char *what) {
  wp_comp_field *f = wp_alloc_n(cx, r, at, n, sizeof *f, what);
  for (uint32_t i = 0; i < n; i++) {
    f[i].name = read_label(cx, r);
    f[i].type = wp_read_valtype(cx, r, s);
  }
  check_unique_labels(cx, f, n, at, what);
  return f;
}

/* ------------------------------------------------------------ func types */

static const wp_comp_type *read_resultlist(wp_cx *cx, wp_rd *r, wp_scope *s) {
  const uint8_t *at = r->p;
  uint8_t b = wp_u8(cx, r);
  if (b == 0x00) return wp_read_valtype(cx, r, s);
  if (b == 0x01) {
    uint8_t z = wp_u8(cx, r);
    if (z != 0x00)
      wp_fail(cx, at, "named results are not supported (result list 0x01 0x%02x)", z);
    return NULL;
  }
  wp_fail(cx, at, "bad function result list tag 0x%02x", b);
}

static wp_comp_type *new_type(wp_cx *cx, uint8_t kind) {
  wp_comp_type *t = wp_alloc(cx, sizeof *t);
  t->kind = kind;
  return t;
}

/* ------------------------------------------------- component/instance types */

static void read_type_decls(wp_cx *cx, wp_rd *r, wp_scope *outer,
                            wp_comp_type *t, uint8_t scope_kind);

/* One deftype; `s` is the scope it is defined in. */
const wp_comp_type *wp_read_deftype(wp_cx *cx, wp_rd *r, wp_scope *s) {
  const uint8_t *at = r->p;
  uint8_t b = wp_u8(cx, r);
  uint8_t pk = prim_kind(b);
  if (pk) {
    /* `(type u64)`: a fresh node so that an export can name it */
    wp_comp_type *t = new_type(cx, pk);
    *t = *wp_comp_prim(pk);
    return t;
  }
  wp_comp_type *t;
  uint32_t n;
  switch (b) {
    case 0x72:
      t = new_type(cx, WP_COMP_T_RECORD);
      n = wp_count(cx, r, "record field");
      if (n == 0) wp_fail(cx, at, "record type must have at least one field");
      t->n = n;
      t->fields = read_labeled(cx, r, s, n, at, "record field");
      break;
    case 0x71:
      t = new_type(cx, WP_COMP_T_VARIANT);
      n = wp_count(cx, r, "variant case");
      if (n == 0) wp_fail(cx, at, "variant type must have at least one case");
      t->n = n;
      t->fields = wp_alloc_n(cx, r, at, n, sizeof *t->fields, "variant case");
      for (uint32_t i = 0; i < n; i++) {
        t->fields[i].name = read_label(cx, r);
        t->fields[i].type = read_opt_valtype(cx, r, s);
        const uint8_t *zat = r->p;
        uint8_t z = wp_u8(cx, r);
        if (z != 0)
          wp_fail(cx, zat, "variant case refinements are not supported (0x%02x)", z);
      }
      check_unique_labels(cx, t->fields, n, at, "variant case");
      break;
    case 0x70:
      t = new_type(cx, WP_COMP_T_LIST);
      t->elem = wp_read_valtype(cx, r, s);
      break;
    case 0x67:
      t = new_type(cx, WP_COMP_T_FIXED_LIST);
      t->elem = wp_read_valtype(cx, r, s);
      t->len = wp_u32(cx, r);
      if (t->len == 0) wp_fail(cx, at, "fixed-size list length must be greater than 0");
      break;
    case 0x6f:
      t = new_type(cx, WP_COMP_T_TUPLE);
      n = wp_count(cx, r, "tuple element");
      if (n == 0) wp_fail(cx, at, "tuple type must have at least one element");
      t->n = n;
      t->fields = wp_alloc_n(cx, r, at, n, sizeof *t->fields, "tuple element");
      for (uint32_t i = 0; i < n; i++) t->fields[i].type = wp_read_valtype(cx, r, s);
      break;
    case 0x6e:
    case 0x6d:
      t = new_type(cx, b == 0x6e ? WP_COMP_T_FLAGS : WP_COMP_T_ENUM);
      n = wp_count(cx, r, b == 0x6e ? "flag" : "enum case");
      if (n == 0)
        wp_fail(cx, at, "%s type must have at least one label", b == 0x6e ? "flags" : "enum");
      if (b == 0x6e && n > 32)
        wp_fail(cx, at, "flags type has %u labels (at most 32)", (unsigned)n);
      t->n = n;
      t->fields = wp_alloc_n(cx, r, at, n, sizeof *t->fields, "label");
      for (uint32_t i = 0; i < n; i++) t->fields[i].name = read_label(cx, r);
      check_unique_labels(cx, t->fields, n, at, b == 0x6e ? "flag" : "enum case");
      break;
    case 0x6b:
      t = new_type(cx, WP_COMP_T_OPTION);
      t->elem = wp_read_valtype(cx, r, s);
      break;
    case 0x6a:
      t = new_type(cx, WP_COMP_T_RESULT);
      t->elem = read_opt_valtype(cx, r, s);
      t->elem2 = read_opt_valtype(cx, r, s);
      break;
    case 0x69:
    case 0x68: {
      t = new_type(cx, b == 0x69 ? WP_COMP_T_OWN : WP_COMP_T_BORROW);
      const uint8_t *iat = r->p;
      t->elem = type_ref(cx, s, wp_u32(cx, r), iat, WP_COMP_T_RESOURCE);
      break;
    }
    case 0x66:
    case 0x65:
      t = new_type(cx, b == 0x66 ? WP_COMP_T_STREAM : WP_COMP_T_FUTURE);
      t->elem = read_opt_valtype(cx, r, s);
      if (t->elem && t->elem->kind == WP_COMP_T_CHAR && b == 0x66)
        wp_fail(cx, at, "stream<char> is not allowed");
      break;
    case 0x63:
      t = new_type(cx, WP_COMP_T_MAP);
      t->elem = wp_read_valtype(cx, r, s);
      t->elem2 = wp_read_valtype(cx, r, s);
      if (t->elem->kind > WP_COMP_T_STRING || t->elem->kind == WP_COMP_T_F32 ||
          t->elem->kind == WP_COMP_T_F64)
        wp_fail(cx, at, "map key type must be a non-float primitive or string");
      break;
    case 0x40:
    case 0x43:
      t = new_type(cx, WP_COMP_T_FUNC);
      t->is_async = b == 0x43;
      n = wp_count(cx, r, "func param");
      t->n = n;
      t->fields = read_labeled(cx, r, s, n, at, "func param");
      t->elem = read_resultlist(cx, r, s);
      if (t->elem && t->elem->has_borrow)
        wp_fail(cx, at, "func result type may not contain a borrow");
      wp_res_facts(t);
      return t; /* not a value type: no abi facts */
    case 0x41:
    case 0x42:
      if (cx->depth >= WP_COMP_MAX_DEPTH)
        wp_fail(cx, at, "types nested deeper than %d", WP_COMP_MAX_DEPTH);
      cx->depth++;
      t = new_type(cx, b == 0x41 ? WP_COMP_T_COMPONENT : WP_COMP_T_INSTANCE);
      read_type_decls(cx, r, s, t,
                      b == 0x41 ? WP_SCOPE_COMPONENT_TYPE : WP_SCOPE_INSTANCE_TYPE);
      cx->depth--;
      wp_res_facts(t);
      return t;
    case 0x3f: {
      if (s->kind != WP_SCOPE_COMPONENT)
        wp_fail(cx, at, "resource types may not be defined inside a component or instance type");
      t = new_type(cx, WP_COMP_T_RESOURCE);
      t->resource_defined = 1;
      t->serial = s->serial;
      const uint8_t *rat = r->p;
      t->rep = wp_read_core_valtype(cx, r);
      if (t->rep != 0x7f) wp_fail(cx, rat, "resource representation must be i32");
      const uint8_t *dat = r->p;
      uint8_t has = wp_u8(cx, r);
      if (has > 1) wp_fail(cx, dat, "bad resource destructor flag 0x%02x", has);
      if (has) {
        t->has_dtor = 1;
        dat = r->p;
        t->dtor = wp_u32(cx, r);
        const wp_comp_def *d = wp_space_get(cx, s, WP_COMP_SORT_CORE_FUNC, t->dtor, dat);
        const wp_comp_core_functype *ft = d->type;
        static const uint8_t i32 = 0x7f;
        wp_comp_core_functype want = {1, 0, &i32, NULL};
        if (ft && !wp_core_functype_eq(ft, &want))
          wp_fail(cx, dat, "resource destructor (core func %u) must have type [i32] -> []",
                  (unsigned)t->dtor);
      }
      wp_res_facts(t);
      return t;
    }
    default:
      wp_fail(cx, at, "unknown defined type tag 0x%02x", b);
  }
  wp_abi_compute(cx, t, at);
  wp_res_facts(t);
  return t;
}

static void scope_add_extern(wp_cx *cx, wp_scope *s, int import,
                             const wp_comp_extern *e) {
  if (import) {
    s->imports = wp_grow(cx, s->imports, s->nimports, &s->capimports, sizeof *e);
    s->imports[s->nimports++] = *e;
  } else {
    s->exports = wp_grow(cx, s->exports, s->nexports, &s->capexports, sizeof *e);
    s->exports[s->nexports++] = *e;
  }
}

/* componentdecl / instancedecl lists. */
static void read_type_decls(wp_cx *cx, wp_rd *r, wp_scope *outer,
                            wp_comp_type *t, uint8_t scope_kind) {
  wp_scope s;
  memset(&s, 0, sizeof s);
  s.outer = outer;
  s.kind = scope_kind;
  s.space = s.own_space;
  wp_scope_open(cx, &s);
  uint32_t n = wp_count(cx, r, "type declaration");
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *at = r->p;
    uint8_t b = wp_u8(cx, r);
    switch (b) {
      case 0x00: {
        const wp_comp_core_type *ct = wp_read_core_type(cx, r, &s);
        wp_space_push(cx, &s, WP_COMP_SORT_CORE_TYPE, WP_COMP_FROM_CORE_TYPE, i, ct, at);
        break;
      }
      case 0x01: {
        const wp_comp_type *dt = wp_read_deftype(cx, r, &s);
        wp_space_push(cx, &s, WP_COMP_SORT_TYPE, WP_COMP_FROM_TYPE, i, dt, at);
        break;
      }
      case 0x02: {
        wp_comp_alias a;
        wp_read_alias(cx, r, &s, &a, i);
        break;
      }
      case 0x03:
      case 0x04: {
        if (b == 0x03 && scope_kind != WP_SCOPE_COMPONENT_TYPE)
          wp_fail(cx, at, "imports are not allowed in an instance type");
        wp_comp_extern e;
        memset(&e, 0, sizeof e);
        e.offset = wp_off(cx, at);
        wp_read_extern_name(cx, r, &e);
        wp_read_externtype(cx, r, &s, &e);
        wp_check_extern_name(cx, &e, b == 0x03 ? "import" : "export");
        wp_declare_extern(cx, &s, &e, b == 0x03 ? WP_COMP_FROM_IMPORT : WP_COMP_FROM_EXPORT,
                          b == 0x03 ? s.nimports : s.nexports, at);
        wp_check_visible(cx, &s, &e, b == 0x03);
        scope_add_extern(cx, &s, b == 0x03, &e);
        break;
      }
      default:
        wp_fail(cx, at, "unknown %s declaration tag 0x%02x",
                scope_kind == WP_SCOPE_COMPONENT_TYPE ? "component type" : "instance type", b);
    }
  }
  wp_check_unique_externs(cx, s.imports, s.nimports, "import");
  wp_check_unique_externs(cx, s.exports, s.nexports, "export");
  t->nimports = s.nimports;
  t->imports = s.imports;
  t->nexports = s.nexports;
  t->exports = s.exports;
  t->scope_lo = s.serial;
  t->scope_hi = cx->serial + 1;
  wp_index_type(cx, t);
  wp_check_type_annotations(cx, t);
}

/* ------------------------------------------------------------- externs */

void wp_read_extern_name(wp_cx *cx, wp_rd *r, wp_comp_extern *ext) {
  const uint8_t *at = r->p;
  uint8_t b = wp_u8(cx, r);
  if (b > 2) wp_fail(cx, at, "unknown extern name tag 0x%02x", b);
  ext->name = wp_name(cx, r);
  if (b == 2) {
    uint32_t n = wp_count(cx, r, "name attribute");
    for (uint32_t i = 0; i < n; i++) {
      const uint8_t *aat = r->p;
      uint8_t k = wp_u8(cx, r);
      wp_comp_str *slot = k == 0 ? &ext->implements : k == 1 ? &ext->version_suffix
                        : k == 2 ? &ext->external_id : NULL;
      if (!slot) wp_fail(cx, aat, "unknown name attribute tag 0x%02x", k);
      if (slot->ptr) wp_fail(cx, aat, "duplicate name attribute 0x%02x", k);
      *slot = wp_name(cx, r);
      if (!slot->ptr) slot->ptr = ""; /* mark present even when empty */
    }
  }
}

void wp_read_externtype(wp_cx *cx, wp_rd *r, wp_scope *s, wp_comp_extern *ext) {
  const uint8_t *at = r->p;
  uint8_t b = wp_u8(cx, r);
  switch (b) {
    case 0x00: {
      uint8_t k = wp_u8(cx, r);
      if (k != 0x11) wp_fail(cx, at, "core extern type 0x%02x is not a module", k);
      const uint8_t *iat = r->p;
      uint32_t idx = wp_u32(cx, r);
      const wp_comp_core_type *ct = wp_space_get(cx, s, WP_COMP_SORT_CORE_TYPE, idx, iat)->type;
      if (!ct->is_module)
        wp_fail(cx, iat, "core type index %u is not a module type", (unsigned)idx);
      ext->sort = WP_COMP_SORT_CORE_MODULE;
      ext->module = &ct->module;
      break;
    }
    case 0x01: {
      const uint8_t *iat = r->p;
      ext->sort = WP_COMP_SORT_FUNC;
      ext->type = type_ref(cx, s, wp_u32(cx, r), iat, WP_COMP_T_FUNC);
      break;
    }
    case 0x02: {
      const uint8_t *vat = r->p;
      uint8_t k = wp_u8(cx, r);
      ext->sort = WP_COMP_SORT_VALUE;
      if (k == 0x00) {
        const uint8_t *iat = r->p;
        uint32_t idx = wp_u32(cx, r);
        ext->type = wp_space_get(cx, s, WP_COMP_SORT_VALUE, idx, iat)->type;
      } else if (k == 0x01) {
        ext->type = wp_read_valtype(cx, r, s);
      } else {
        wp_fail(cx, vat, "bad value bound tag 0x%02x", k);
      }
      break;
    }
    case 0x03: {
      const uint8_t *bat = r->p;
      uint8_t k = wp_u8(cx, r);
      ext->sort = WP_COMP_SORT_TYPE;
      if (k == 0x00) {
        const uint8_t *iat = r->p;
        uint32_t idx = wp_u32(cx, r);
        ext->type = wp_space_get(cx, s, WP_COMP_SORT_TYPE, idx, iat)->type;
      } else if (k == 0x01) {
        ext->type_is_sub_resource = 1; /* the fresh type is made on declaration */
      } else {
        wp_fail(cx, bat, "bad type bound tag 0x%02x", k);
      }
      break;
    }
    case 0x04: {
      const uint8_t *iat = r->p;
      ext->sort = WP_COMP_SORT_COMPONENT;
      ext->type = type_ref(cx, s, wp_u32(cx, r), iat, WP_COMP_T_COMPONENT);
      break;
    }
    case 0x05: {
      const uint8_t *iat = r->p;
      ext->sort = WP_COMP_SORT_INSTANCE;
      ext->type = type_ref(cx, s, wp_u32(cx, r), iat, WP_COMP_T_INSTANCE);
      break;
    }
    default:
      wp_fail(cx, at, "unknown extern type tag 0x%02x", b);
  }
}

void wp_declare_extern(wp_cx *cx, wp_scope *s, wp_comp_extern *ext,
                       uint8_t origin, uint32_t item, const uint8_t *at) {
  if (ext->sort == WP_COMP_SORT_TYPE) {
    if (ext->type_is_sub_resource) {
      /* a fresh abstract resource, distinct from every other type */
      ext->type = wp_resource_new(cx, s, ext->name);
    } else if (ext->type) {
      /* Name the type after its first import/export (for WIT printing).
      ** Types in index spaces are always arena nodes, never the static
      ** primitives, so this write is to memory we own. */
      if (ext->type->name.len == 0) ((wp_comp_type *)ext->type)->name = ext->name;
      /* the import/export is a new name of the type (external visibility
      ** tells the two apart; a resource stays the same resource) */
      ext->type = wp_type_named(cx, s, ext->type, ext->name);
    }
  } else if (ext->sort == WP_COMP_SORT_INSTANCE) {
    ext->declared = ext->type;
    ext->type = wp_instance_freshen(cx, s, ext->type);
  }
  const void *ty = ext->sort == WP_COMP_SORT_CORE_MODULE ? (const void *)ext->module
                                                          : (const void *)ext->type;
  wp_space_push(cx, s, ext->sort, origin, item, ty, at);
}

/* ------------------------------------------------------------ core types */

/* core:moduletype declarations (0x50 already read). */
static void read_core_functype(wp_cx *cx, wp_rd *r, uint8_t b, const uint8_t *at,
                               wp_comp_core_functype *ft);

static void read_module_type(wp_cx *cx, wp_rd *r, wp_scope *s, wp_comp_core_iface *m) {
  const uint8_t *at = r->p;
  uint32_t n = wp_count(cx, r, "module type declaration");
  /* the module type's own (initially empty) core type space */
  const wp_comp_core_functype **types = wp_alloc_n(cx, r, at, n, sizeof *types, "type");
  uint32_t ntypes = 0;
  m->imports = wp_alloc_n(cx, r, at, n, sizeof *m->imports, "import");
  m->exports = wp_alloc_n(cx, r, at, n, sizeof *m->exports, "export");
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *dat = r->p;
    uint8_t b = wp_u8(cx, r);
    switch (b) {
      case 0x00:
      case 0x03: {
        wp_comp_core_extern *e;
        if (b == 0x00) {
          wp_comp_core_import *im = &m->imports[m->nimports++];
          im->module = wp_name(cx, r);
          im->name = wp_name(cx, r);
          e = &im->type;
        } else {
          wp_comp_core_export *ex = &m->exports[m->nexports++];
          ex->name = wp_name(cx, r);
          e = &ex->type;
        }
        const uint8_t *kat = r->p;
        uint8_t kind = wp_u8(cx, r);
        e->kind = kind;
        switch (kind) {
          case 0x00: case 0x04: {
            if (kind == 0x04 && wp_u8(cx, r) != 0) wp_fail(cx, kat, "bad tag attribute");
            const uint8_t *iat = r->p;
            uint32_t t = wp_u32(cx, r);
            if (t >= ntypes)
              wp_fail(cx, iat, "core type index %u out of bounds (%u defined)",
                      (unsigned)t, (unsigned)ntypes);
            e->func = types[t];
            break;
          }
          case 0x01: {
            e->valtype = wp_read_core_valtype(cx, r);
            if (e->valtype != 0x70 && e->valtype != 0x6f)
              wp_fail(cx, kat, "table element type must be a reference type");
            wp_read_core_limits(cx, r, e, 0);
            break;
          }
          case 0x02:
            wp_read_core_limits(cx, r, e, 1);
            break;
          case 0x03:
            e->valtype = wp_read_core_valtype(cx, r);
            e->mut = wp_u8(cx, r);
            if (e->mut > 1) wp_fail(cx, kat, "bad global mutability");
            break;
          default:
            wp_fail(cx, kat, "unknown core extern kind 0x%02x", kind);
        }
        break;
      }
      case 0x01: {
        /* no module type inside a module type (Binary.md,
        ** core:moduledecl), so 0x50 is a non-final subtype here, without
        ** the 0x00 prefix of a core type section */
        const uint8_t *tat = r->p;
        wp_comp_core_functype *ft = wp_alloc(cx, sizeof *ft);
        read_core_functype(cx, r, wp_u8(cx, r), tat, ft);
        types[ntypes++] = ft;
        break;
      }
      case 0x02: {
        uint8_t srt = wp_u8(cx, r), k = wp_u8(cx, r);
        if (srt != 0x10 || k != 0x01)
          wp_fail(cx, dat, "module type aliases must be outer core type aliases");
        uint32_t ct = wp_u32(cx, r);
        const uint8_t *iat = r->p;
        uint32_t idx = wp_u32(cx, r);
        const wp_comp_core_functype *ft;
        if (ct == 0) {
          if (idx >= ntypes)
            wp_fail(cx, iat, "core type index %u out of bounds (%u defined)",
                    (unsigned)idx, (unsigned)ntypes);
          ft = types[idx];
        } else {
          wp_scope *o = s;
          for (uint32_t k = 1; k < ct && o; k++) o = o->outer;
          if (!o) wp_fail(cx, dat, "outer alias count %u exceeds the enclosing scopes", (unsigned)ct);
          const wp_comp_core_type *c = wp_space_get(cx, o, WP_COMP_SORT_CORE_TYPE, idx, iat)->type;
          if (c->is_module)
            wp_fail(cx, iat, "module types may not alias module types");
          ft = &c->func;
        }
        types[ntypes++] = ft;
        break;
      }
      default:
        wp_fail(cx, dat, "unknown module type declaration tag 0x%02x", b);
    }
  }
  wp_index_core_iface(cx, m, at, "export in module type");
  wp_check_core_imports_unique(cx, m, at);
}

/* A core func type, alone (0x60) or as a core:subtype without supertypes
** (0x50 non-final, 0x4f final) whose first byte b has been read.  Finality
** only matters to GC subtyping, which wasmplug does not model: supertypes,
** rec groups, structs and arrays are refused as GC. */
static void read_core_functype(wp_cx *cx, wp_rd *r, uint8_t b, const uint8_t *at,
                               wp_comp_core_functype *ft) {
  if (b == 0x50 || b == 0x4f) {
    const uint8_t *sat = r->p;
    uint32_t nsup = wp_count(cx, r, "core supertypes");
    if (nsup > 1) wp_fail(cx, sat, "a core subtype has at most one supertype (%u given)", (unsigned)nsup);
    if (nsup) wp_fail(cx, sat, "core subtypes with a supertype are not supported (GC types are not supported)");
    at = r->p;
    b = wp_u8(cx, r);
    if (b != 0x60)
      wp_fail(cx, at, "unsupported core type form 0x%02x in a subtype (GC types are not supported)", b);
  } else if (b != 0x60) {
    wp_fail(cx, at, "unsupported core type form 0x%02x (GC types are not supported)", b);
  }
  uint32_t np = wp_count(cx, r, "core func params");
  uint8_t *p = wp_alloc(cx, np);
  for (uint32_t k = 0; k < np; k++) p[k] = wp_read_core_valtype(cx, r);
  uint32_t nr = wp_count(cx, r, "core func results");
  uint8_t *q = wp_alloc(cx, nr);
  for (uint32_t k = 0; k < nr; k++) q[k] = wp_read_core_valtype(cx, r);
  ft->nparams = np; ft->params = p; ft->nresults = nr; ft->results = q;
}

const wp_comp_core_type *wp_read_core_type(wp_cx *cx, wp_rd *r, wp_scope *s) {
  const uint8_t *at = r->p;
  uint8_t b = wp_u8(cx, r);
  wp_comp_core_type *t = wp_alloc(cx, sizeof *t);
  if (b == 0x50) {
    if (cx->depth >= WP_COMP_MAX_DEPTH) wp_fail(cx, at, "types nested too deeply");
    t->is_module = 1;
    read_module_type(cx, r, s, &t->module);
  } else {
    /* here a bare 0x50 is a module type, so a non-final subtype takes a
    ** 0x00 prefix (Binary.md, core:deftype) */
    if (b == 0x00 && (b = wp_u8(cx, r)) != 0x50)
      wp_fail(cx, at, "a 0x00-prefixed core type must be a non-final subtype (0x00 0x50)");
    read_core_functype(cx, r, b, at, &t->func);
  }
  return t;
}
