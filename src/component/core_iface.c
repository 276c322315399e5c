/*
** core_iface.c — the interface (imports and exports, with their types) of a
** core module embedded in a component.
**
** The component layer needs this to check `instantiate` arguments and core
** export aliases; decoding and validating the module's code is the core
** layer's job, so only the sections that shape the interface are read.
*/
#include "component/internal.h"

#include <stdlib.h>
#include <string.h>

/* Reads a core value type (numeric, vector or the two MVP reference types;
** GC reference types are refused, the core layer does not run them). */
uint8_t wp_read_core_valtype(wp_cx *cx, wp_rd *r) {
  const uint8_t *at = r->p;
  uint8_t b = wp_u8(cx, r);
  switch (b) {
    case 0x7f: case 0x7e: case 0x7d: case 0x7c: case 0x7b: case 0x70: case 0x6f:
      return b;
    default:
      wp_fail(cx, at, "unsupported core value type 0x%02x", b);
  }
}

wasmplug_valkind_t wp_comp_core_valkind(uint8_t valtype) {
  switch (valtype) {
    case 0x7f: return WASMPLUG_I32;
    case 0x7e: return WASMPLUG_I64;
    case 0x7d: return WASMPLUG_F32;
    case 0x7c: return WASMPLUG_F64;
    case 0x7b: return WASMPLUG_V128;
    case 0x70: return WASMPLUG_FUNCREF;
    default: return WASMPLUG_EXTERNREF;
  }
}

static void read_functype_body(wp_cx *cx, wp_rd *r, wp_comp_core_functype *ft) {
  uint32_t np = wp_count(cx, r, "core func params");
  uint8_t *p = wp_alloc(cx, np);
  for (uint32_t i = 0; i < np; i++) p[i] = wp_read_core_valtype(cx, r);
  uint32_t nr = wp_count(cx, r, "core func results");
  uint8_t *q = wp_alloc(cx, nr);
  for (uint32_t i = 0; i < nr; i++) q[i] = wp_read_core_valtype(cx, r);
  ft->nparams = np;
  ft->params = p;
  ft->nresults = nr;
  ft->results = q;
}

/* `0x60 params results`; anything else is a GC type we do not support. */
static void read_functype(wp_cx *cx, wp_rd *r, wp_comp_core_functype *ft) {
  const uint8_t *at = r->p;
  uint8_t b = wp_u8(cx, r);
  if (b != 0x60)
    wp_fail(cx, at, "unsupported core type form 0x%02x (only func types)", b);
  read_functype_body(cx, r, ft);
}

void wp_read_core_limits(wp_cx *cx, wp_rd *r, wp_comp_core_extern *e, int memory) {
  const uint8_t *at = r->p;
  uint8_t flags = wp_u8(cx, r);
  if (flags > (memory ? 0x07 : 0x05) || (!memory && (flags & 2)))
    wp_fail(cx, at, "unsupported limits flags 0x%02x", flags);
  e->has_max = flags & 1;
  e->shared = (flags >> 1) & 1;
  e->is64 = (flags >> 2) & 1;
  e->min = e->is64 ? wp_u64(cx, r) : wp_u32(cx, r);
  if (e->has_max) {
    e->max = e->is64 ? wp_u64(cx, r) : wp_u32(cx, r);
    if (e->max < e->min) wp_fail(cx, at, "limits maximum below minimum");
  }
  /* core spec: a memory has at most 2^16 pages (2^48 with memory64) */
  uint64_t pages = e->is64 ? (uint64_t)1 << 48 : (uint64_t)1 << 16;
  if (memory && (e->min > pages || (e->has_max && e->max > pages)))
    wp_fail(cx, at, "memory size must be at most %s pages", e->is64 ? "2^48" : "65536 (4GiB)");
}

static int cmp_import(const void *x, const void *y) {
  const wp_comp_core_import *a = *(const wp_comp_core_import *const *)x;
  const wp_comp_core_import *b = *(const wp_comp_core_import *const *)y;
  for (int k = 0; k < 2; k++) {
    wp_comp_str p = k ? a->name : a->module, q = k ? b->name : b->module;
    uint32_t m = p.len < q.len ? p.len : q.len;
    int c = m ? memcmp(p.ptr, q.ptr, m) : 0;
    if (c) return c;
    if (p.len != q.len) return p.len < q.len ? -1 : 1;
  }
  return a < b ? -1 : a > b;
}

void wp_check_core_imports_unique(wp_cx *cx, const wp_comp_core_iface *m, const uint8_t *at) {
  if (m->nimports < 2) return;
  const wp_comp_core_import **v = wp_alloc(cx, (size_t)m->nimports * sizeof *v);
  for (uint32_t i = 0; i < m->nimports; i++) v[i] = &m->imports[i];
  qsort(v, m->nimports, sizeof *v, cmp_import);
  for (uint32_t i = 1; i < m->nimports; i++)
    if (wp_str_eq(v[i]->module, v[i - 1]->module) && wp_str_eq(v[i]->name, v[i - 1]->name))
      wp_fail(cx, at, "duplicate import name `%.*s:%.*s` (a component's core modules must "
              "import each module/name pair once)", (int)v[i]->module.len, v[i]->module.ptr,
              (int)v[i]->name.len, v[i]->name.ptr);
}

static void read_tabletype(wp_cx *cx, wp_rd *r, wp_comp_core_extern *e) {
  const uint8_t *at = r->p;
  e->kind = WP_COMP_CORE_TABLE;
  e->valtype = wp_read_core_valtype(cx, r);
  if (e->valtype != 0x70 && e->valtype != 0x6f)
    wp_fail(cx, at, "table element type must be a reference type");
  wp_read_core_limits(cx, r, e, 0);
}

static void read_globaltype(wp_cx *cx, wp_rd *r, wp_comp_core_extern *e) {
  e->kind = WP_COMP_CORE_GLOBAL;
  e->valtype = wp_read_core_valtype(cx, r);
  const uint8_t *at = r->p;
  e->mut = wp_u8(cx, r);
  if (e->mut > 1) wp_fail(cx, at, "bad global mutability 0x%02x", e->mut);
}

/* A core:externtype with a func/tag type index resolved through `types`. */
static void read_core_externtype(wp_cx *cx, wp_rd *r, wp_comp_core_extern *e,
                                 uint8_t kind, const wp_comp_core_functype *const *types,
                                 uint32_t ntypes) {
  const uint8_t *at = r->p;
  e->kind = kind;
  switch (kind) {
    case WP_COMP_CORE_FUNC: {
      uint32_t t = wp_u32(cx, r);
      if (t >= ntypes || !types[t])
        wp_fail(cx, at, "core type index %u out of bounds or not a func type", (unsigned)t);
      e->func = types[t];
      break;
    }
    case WP_COMP_CORE_TABLE: read_tabletype(cx, r, e); break;
    case WP_COMP_CORE_MEMORY: wp_read_core_limits(cx, r, e, 1); break;
    case WP_COMP_CORE_GLOBAL: read_globaltype(cx, r, e); break;
    case WP_COMP_CORE_TAG: {
      uint8_t attr = wp_u8(cx, r);
      if (attr != 0) wp_fail(cx, at, "bad tag attribute 0x%02x", attr);
      uint32_t t = wp_u32(cx, r);
      if (t >= ntypes || !types[t])
        wp_fail(cx, at, "core type index %u out of bounds or not a func type", (unsigned)t);
      e->func = types[t];
      break;
    }
    default:
      wp_fail(cx, at, "unknown core extern kind 0x%02x", kind);
  }
}

/* Skips a constant expression (global initializer) up to its `end`. */
static void skip_const_expr(wp_cx *cx, wp_rd *r) {
  for (;;) {
    const uint8_t *at = r->p;
    uint8_t op = wp_u8(cx, r);
    switch (op) {
      case 0x0b: return;
      case 0x41: (void)wp_s64(cx, r); break;  /* i32.const (width checked by core) */
      case 0x42: (void)wp_s64(cx, r); break;
      case 0x43: wp_bytes(cx, r, 4); break;
      case 0x44: wp_bytes(cx, r, 8); break;
      case 0x23: case 0xd2: (void)wp_u32(cx, r); break;
      case 0xd0: (void)wp_s33(cx, r); break;
      case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: break;
      case 0xfd:
        if (wp_u32(cx, r) != 12) wp_fail(cx, at, "unsupported constant expression");
        wp_bytes(cx, r, 16);
        break;
      default:
        wp_fail(cx, at, "unsupported constant expression opcode 0x%02x", op);
    }
  }
}

typedef struct core_ext_list {
  uint32_t len, cap;
  wp_comp_core_extern *items;
} core_ext_list;

static void ext_push(wp_cx *cx, core_ext_list *l, const wp_comp_core_extern *e) {
  l->items = wp_grow(cx, l->items, l->len, &l->cap, sizeof *e);
  l->items[l->len++] = *e;
}

void wp_core_module_iface(wp_cx *cx, const uint8_t *p, uint32_t size,
                          wp_comp_core_iface *iface) {
  wp_rd r = {p, p + size};
  const char *saved = cx->section;
  cx->section = "core module";
  const uint8_t *hdr = wp_bytes(cx, &r, 8);
  if (memcmp(hdr, "\0asm\1\0\0\0", 8) != 0)
    wp_fail(cx, hdr, "core module has a bad preamble (not a version 1 module)");

  const wp_comp_core_functype **types = NULL;
  uint32_t ntypes = 0;
  /* per kind: the types of each index (imports first) */
  core_ext_list idx[5];
  memset(idx, 0, sizeof idx);
  memset(iface, 0, sizeof *iface);

  /* Position of each known section id in the order the core spec fixes
  ** (type import func table memory tag global export start elem datacount
  ** code data); custom sections (0) may appear anywhere. */
  static const uint8_t order[14] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};
  uint8_t last = 0;
  while (r.p < r.end) {
    const uint8_t *sat = r.p;
    uint8_t id = wp_u8(cx, &r);
    uint32_t len = wp_u32(cx, &r);
    const uint8_t *body = wp_bytes(cx, &r, len);
    wp_rd s = {body, body + len};
    if (id > 13) wp_fail(cx, sat, "unknown core section id %u", id);
    if (id) {
      if (order[id] <= last) wp_fail(cx, sat, "core section %u out of order or duplicated", id);
      last = order[id];
    }
    switch (id) {
      case 1: { /* type */
        uint32_t n = wp_count(cx, &s, "core type");
        types = wp_alloc(cx, (size_t)n * sizeof *types);
        for (uint32_t i = 0; i < n; i++) {
          wp_comp_core_functype *ft = wp_alloc(cx, sizeof *ft);
          read_functype(cx, &s, ft);
          types[i] = ft;
        }
        ntypes = n;
        break;
      }
      case 2: { /* import */
        uint32_t n = wp_count(cx, &s, "core import");
        iface->imports = wp_alloc(cx, (size_t)n * sizeof *iface->imports);
        for (uint32_t i = 0; i < n; i++) {
          wp_comp_core_import *im = &iface->imports[i];
          im->module = wp_name(cx, &s);
          im->name = wp_name(cx, &s);
          const uint8_t *kat = s.p;
          uint8_t kind = wp_u8(cx, &s);
          if (kind > 4) wp_fail(cx, kat, "unknown core import kind 0x%02x", kind);
          read_core_externtype(cx, &s, &im->type, kind, types, ntypes);
          ext_push(cx, &idx[kind], &im->type);
        }
        iface->nimports = n;
        wp_check_core_imports_unique(cx, iface, body);
        break;
      }
      case 3: { /* function */
        uint32_t n = wp_count(cx, &s, "core function");
        for (uint32_t i = 0; i < n; i++) {
          wp_comp_core_extern e;
          memset(&e, 0, sizeof e);
          read_core_externtype(cx, &s, &e, WP_COMP_CORE_FUNC, types, ntypes);
          ext_push(cx, &idx[WP_COMP_CORE_FUNC], &e);
        }
        break;
      }
      case 4: case 5: case 6: case 13: { /* table, memory, global, tag */
        uint8_t kind = id == 4 ? WP_COMP_CORE_TABLE : id == 5 ? WP_COMP_CORE_MEMORY
                     : id == 6 ? WP_COMP_CORE_GLOBAL : WP_COMP_CORE_TAG;
        uint32_t n = wp_count(cx, &s, "core definition");
        for (uint32_t i = 0; i < n; i++) {
          wp_comp_core_extern e;
          memset(&e, 0, sizeof e);
          read_core_externtype(cx, &s, &e, kind, types, ntypes);
          if (kind == WP_COMP_CORE_GLOBAL) skip_const_expr(cx, &s);
          ext_push(cx, &idx[kind], &e);
        }
        break;
      }
      case 7: { /* export */
        uint32_t n = wp_count(cx, &s, "core export");
        iface->exports = wp_alloc(cx, (size_t)n * sizeof *iface->exports);
        for (uint32_t i = 0; i < n; i++) {
          wp_comp_core_export *ex = &iface->exports[i];
          ex->name = wp_name(cx, &s);
          const uint8_t *kat = s.p;
          uint8_t kind = wp_u8(cx, &s);
          if (kind > 4) wp_fail(cx, kat, "unknown core export kind 0x%02x", kind);
          uint32_t k = wp_u32(cx, &s);
          if (k >= idx[kind].len)
            wp_fail(cx, kat, "core export '%.*s' index %u out of bounds",
                    (int)ex->name.len, ex->name.ptr, (unsigned)k);
          ex->type = idx[kind].items[k];
        }
        iface->nexports = n;
        wp_index_core_iface(cx, iface, body, "core export");
        break;
      }
      default:
        continue; /* custom, start, element, code, data, datacount: not interface */
    }
    if (s.p != s.end) wp_fail(cx, s.p, "core section %u has trailing bytes", id);
  }
  cx->section = saved;
}

int wp_core_functype_eq(const wp_comp_core_functype *a,
                        const wp_comp_core_functype *b) {
  if (!a || !b) return 1; /* unmodelled signatures are not checked */
  return a->nparams == b->nparams && a->nresults == b->nresults &&
         (a->nparams == 0 || memcmp(a->params, b->params, a->nparams) == 0) &&
         (a->nresults == 0 || memcmp(a->results, b->results, a->nresults) == 0);
}

/* Core import matching (core spec "import subtyping"). */
int wp_core_extern_matches(const wp_comp_core_extern *f,
                           const wp_comp_core_extern *e) {
  if (f->kind != e->kind) return 0;
  switch (f->kind) {
    case WP_COMP_CORE_FUNC:
    case WP_COMP_CORE_TAG:
      return wp_core_functype_eq(f->func, e->func);
    case WP_COMP_CORE_GLOBAL:
      return f->valtype == e->valtype && f->mut == e->mut;
    case WP_COMP_CORE_TABLE:
      if (f->valtype != e->valtype) return 0;
      /* fallthrough */
    case WP_COMP_CORE_MEMORY:
      if (f->shared != e->shared || f->is64 != e->is64) return 0;
      if (f->min < e->min) return 0;
      if (e->has_max && (!f->has_max || f->max > e->max)) return 0;
      return 1;
  }
  return 0;
}
