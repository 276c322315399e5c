/*
** decode.c — reads a core module's sections into wp_modinfo_t.
**
** wasm2c validates function bodies; this decoder exists for the metadata
** linking needs (types, imports, exports, memories, tables, globals, start)
** and to refuse, up front and with a clear message, the features wasm2c
** 1.0.32 cannot compile (SIMD, threads, memory64, multi-memory, GC,
** exceptions).  It must be safe on any byte string: every count is checked
** against the bytes that remain before anything is allocated.
*/
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "leb.h"

typedef struct reader {
  const uint8_t *p, *start, *end;
  const char *name;
  char *err;
} reader_t;

static bool fail(reader_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static bool fail(reader_t *r, const char *fmt, ...) {
  if (r->err) return false;
  va_list ap;
  va_start(ap, fmt);
  char *what = wp_vformat(fmt, ap);
  va_end(ap);
  r->err = wp_format("%s: invalid module at offset 0x%zx: %s", r->name,
                     (size_t)(r->p - r->start), what ? what : "out of memory");
  free(what);
  return false;
}

static bool u8(reader_t *r, uint8_t *out) {
  *out = 0;
  if (r->p >= r->end) return fail(r, "unexpected end of section or module");
  *out = *r->p++;
  return true;
}

static bool leb_fail(reader_t *r, wp_leb_status_t s) {
  return fail(r, "%s", s == WP_LEB_EOF ? "unexpected end of section or module" : wp_leb_status_text(s));
}

static bool leb_u32(reader_t *r, uint32_t *out) {
  uint64_t v;
  size_t n;
  wp_leb_status_t s = wp_leb_unsigned(r->p, r->end, 32, &v, &n);
  *out = (uint32_t)v;
  if (s) return leb_fail(r, s);
  r->p += n;
  return true;
}

/* Skips a signed LEB of at most `bits` bits. */
static bool leb_skip(reader_t *r, int bits) {
  int64_t v;
  size_t n;
  wp_leb_status_t s = wp_leb_signed(r->p, r->end, (unsigned)bits, &v, &n);
  if (s) return leb_fail(r, s);
  r->p += n;
  return true;
}

static bool bytes(reader_t *r, size_t n, const uint8_t **out) {
  *out = NULL;
  if ((size_t)(r->end - r->p) < n) return fail(r, "unexpected end of section or module");
  *out = r->p;
  r->p += n;
  return true;
}

/* A count of items each at least `min_size` bytes long: refuses counts the
** remaining bytes cannot hold, so allocation stays proportional to input. */
static bool count(reader_t *r, uint32_t min_size, uint32_t *out) {
  if (!leb_u32(r, out)) return false;
  if ((uint64_t)*out * min_size > (uint64_t)(r->end - r->p))
    return fail(r, "count %u exceeds the remaining %zu bytes", *out,
                (size_t)(r->end - r->p));
  return true;
}

static bool name(reader_t *r, char **out) {
  uint32_t n;
  const uint8_t *s;
  if (!leb_u32(r, &n) || !bytes(r, n, &s)) return false;
  /* Names are UTF-8 (the spec requires it); checked here so every later
  ** message and mangled C symbol starts from valid text. */
  for (uint32_t i = 0; i < n;) {
    uint8_t c = s[i];
    uint32_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (!len || i + len > n) return fail(r, "malformed UTF-8 in name");
    uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (uint32_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return fail(r, "malformed UTF-8 in name");
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return fail(r, "malformed UTF-8 in name");
    i += len;
  }
  *out = wp_strndup((const char *)s, n);
  if (!*out) return fail(r, "out of memory");
  return true;
}

static bool valtype(reader_t *r, wasmplug_valkind_t *out) {
  uint8_t b;
  *out = WASMPLUG_I32;
  if (!u8(r, &b)) return false;
  switch (b) {
  case 0x7f: *out = WASMPLUG_I32; return true;
  case 0x7e: *out = WASMPLUG_I64; return true;
  case 0x7d: *out = WASMPLUG_F32; return true;
  case 0x7c: *out = WASMPLUG_F64; return true;
  case 0x70: *out = WASMPLUG_FUNCREF; return true;
  case 0x6f: *out = WASMPLUG_EXTERNREF; return true;
  case 0x7b:
    r->p--;
    return fail(r, "SIMD (v128) is not supported by wasmplug");
  default:
    r->p--;
    return fail(r, "unsupported value type 0x%02x (GC and typed function "
                   "references are not supported)", b);
  }
}

static bool reftype(reader_t *r, wasmplug_valkind_t *out) {
  if (!valtype(r, out)) return false;
  if (*out != WASMPLUG_FUNCREF && *out != WASMPLUG_EXTERNREF) {
    r->p--;
    return fail(r, "table element type must be a reference type");
  }
  return true;
}

static bool limits(reader_t *r, bool memory, wasmplug_limits_t *out) {
  uint8_t flags;
  uint32_t v;
  if (!u8(r, &flags)) return false;
  if (memory && (flags & 2)) {
    r->p--;
    return fail(r, "shared memory (threads) is not supported by wasmplug");
  }
  if (memory && (flags & 4)) {
    r->p--;
    return fail(r, "memory64 is not supported by wasmplug");
  }
  if (flags > 1) {
    r->p--;
    return fail(r, "invalid limits flags 0x%02x", flags);
  }
  if (!leb_u32(r, &v)) return false;
  out->min = v;
  out->max = UINT64_MAX;
  if (flags & 1) {
    if (!leb_u32(r, &v)) return false;
    out->max = v;
    if (out->max < out->min) return fail(r, "size minimum must not be greater than maximum");
  }
  if (memory && (out->min > 65536 || (out->max != UINT64_MAX && out->max > 65536)))
    return fail(r, "memory size must be at most 65536 pages (4GiB)");
  return true;
}

/* Skips a constant expression (global initializers). */
static bool const_expr(reader_t *r) {
  for (;;) {
    uint8_t op;
    uint32_t idx;
    if (!u8(r, &op)) return false;
    switch (op) {
    case 0x0b: return true;
    case 0x41: if (!leb_skip(r, 32)) return false; break;
    case 0x42: if (!leb_skip(r, 64)) return false; break;
    case 0x43: { const uint8_t *b; if (!bytes(r, 4, &b)) return false; break; }
    case 0x44: { const uint8_t *b; if (!bytes(r, 8, &b)) return false; break; }
    case 0x23: case 0xd2: if (!leb_u32(r, &idx)) return false; break;
    case 0xd0: { uint8_t t; if (!u8(r, &t)) return false; break; }
    case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e:
      break; /* extended-const arithmetic: wasm2c decides */
    case 0xfd:
      r->p--;
      return fail(r, "SIMD (v128) is not supported by wasmplug");
    default:
      r->p--;
      return fail(r, "illegal opcode 0x%02x in constant expression", op);
    }
  }
}

static bool functype_section(reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!count(r, 3, &n)) return false;
  m->types = calloc(n ? n : 1, sizeof *m->types);
  if (!m->types) return fail(r, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    uint8_t form;
    if (!u8(r, &form)) return false;
    if (form != 0x60) {
      r->p--;
      if (form == 0x4e || form == 0x50 || form == 0x4f || form == 0x5e || form == 0x5f)
        return fail(r, "GC types are not supported by wasmplug");
      return fail(r, "type %u: expected a function type (0x60), found 0x%02x", i, form);
    }
    uint32_t np, nr;
    if (!count(r, 1, &np)) return false;
    wasmplug_valkind_t *params = malloc(((size_t)np + 1) * sizeof *params);
    if (!params) return fail(r, "out of memory");
    m->types[i].params = params;
    m->ntypes = i + 1;
    for (uint32_t k = 0; k < np; k++)
      if (!valtype(r, &params[k])) return false;
    if (!count(r, 1, &nr)) return false;
    wasmplug_valkind_t *all = realloc(params, ((size_t)np + nr + 1) * sizeof *all);
    if (!all) return fail(r, "out of memory");
    m->types[i].params = all;
    m->types[i].results = all + np;
    m->types[i].nparams = np;
    for (uint32_t k = 0; k < nr; k++)
      if (!valtype(r, &all[np + k])) return false;
    m->types[i].nresults = nr;
  }
  return true;
}

static bool import_section(reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!count(r, 4, &n)) return false;
  m->imports = calloc(n ? n : 1, sizeof *m->imports);
  if (!m->imports) return fail(r, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    wp_import_t *im = &m->imports[i];
    m->nimports = i + 1;
    uint8_t kind;
    if (!name(r, &im->module) || !name(r, &im->name) || !u8(r, &kind)) return false;
    switch (kind) {
    case 0:
      im->kind = WASMPLUG_EXTERN_FUNC;
      if (!leb_u32(r, &im->type_index)) return false;
      if (im->type_index >= m->ntypes)
        return fail(r, "import %s.%s: type index %u out of range", im->module,
                    im->name, im->type_index);
      m->nimported_funcs++;
      break;
    case 1:
      im->kind = WASMPLUG_EXTERN_TABLE;
      if (!reftype(r, &im->elem) || !limits(r, false, &im->limits)) return false;
      m->nimported_tables++;
      break;
    case 2:
      im->kind = WASMPLUG_EXTERN_MEMORY;
      if (!limits(r, true, &im->limits)) return false;
      m->nimported_mems++;
      break;
    case 3: {
      uint8_t mut;
      im->kind = WASMPLUG_EXTERN_GLOBAL;
      if (!valtype(r, &im->elem) || !u8(r, &mut)) return false;
      if (mut > 1) return fail(r, "invalid mutability 0x%02x", mut);
      im->mut = mut;
      m->nimported_globals++;
      break;
    }
    case 4:
      r->p--;
      return fail(r, "import %s.%s: exception tags are not supported by wasmplug",
                  im->module, im->name);
    default:
      r->p--;
      return fail(r, "import %s.%s: invalid import kind 0x%02x", im->module,
                  im->name, kind);
    }
  }
  return true;
}

static bool function_section(reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!count(r, 1, &n)) return false;
  m->func_types = calloc(n ? n : 1, sizeof *m->func_types);
  if (!m->func_types) return fail(r, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    if (!leb_u32(r, &m->func_types[i])) return false;
    if (m->func_types[i] >= m->ntypes)
      return fail(r, "function %u: type index %u out of range", i, m->func_types[i]);
    m->nfuncs = i + 1;
  }
  return true;
}

static bool table_section(reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!count(r, 3, &n)) return false;
  m->tables = calloc(n ? n : 1, sizeof *m->tables);
  m->table_elems = calloc(n ? n : 1, sizeof *m->table_elems);
  if (!m->tables || !m->table_elems) return fail(r, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    if (!reftype(r, &m->table_elems[i]) || !limits(r, false, &m->tables[i])) return false;
    m->ntables = i + 1;
  }
  return true;
}

static bool memory_section(reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!count(r, 2, &n)) return false;
  m->mems = calloc(n ? n : 1, sizeof *m->mems);
  if (!m->mems) return fail(r, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    if (!limits(r, true, &m->mems[i])) return false;
    m->nmems = i + 1;
  }
  if (m->nmems + m->nimported_mems > 1)
    return fail(r, "multiple memories are not supported by wasmplug");
  return true;
}

static bool global_section(reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!count(r, 3, &n)) return false;
  m->globals = calloc(n ? n : 1, sizeof *m->globals);
  if (!m->globals) return fail(r, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    uint8_t mut;
    if (!valtype(r, &m->globals[i].type) || !u8(r, &mut)) return false;
    if (mut > 1) return fail(r, "invalid mutability 0x%02x", mut);
    m->globals[i].mut = mut;
    if (!const_expr(r)) return false;
    m->nglobals = i + 1;
  }
  return true;
}

static bool export_section(reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!count(r, 3, &n)) return false;
  m->exports = calloc(n ? n : 1, sizeof *m->exports);
  if (!m->exports) return fail(r, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    wp_export_t *ex = &m->exports[i];
    uint8_t kind;
    m->nexports = i + 1;
    if (!name(r, &ex->name) || !u8(r, &kind) || !leb_u32(r, &ex->index)) return false;
    uint32_t limit;
    switch (kind) {
    case 0: ex->kind = WASMPLUG_EXTERN_FUNC; limit = m->nimported_funcs + m->nfuncs; break;
    case 1: ex->kind = WASMPLUG_EXTERN_TABLE; limit = m->nimported_tables + m->ntables; break;
    case 2: ex->kind = WASMPLUG_EXTERN_MEMORY; limit = m->nimported_mems + m->nmems; break;
    case 3: ex->kind = WASMPLUG_EXTERN_GLOBAL; limit = m->nimported_globals + m->nglobals; break;
    case 4: return fail(r, "export '%s': exception tags are not supported by wasmplug", ex->name);
    default: return fail(r, "export '%s': invalid export kind 0x%02x", ex->name, kind);
    }
    if (ex->index >= limit)
      return fail(r, "export '%s': index %u out of range", ex->name, ex->index);
    for (uint32_t k = 0; k < i; k++)
      if (!strcmp(m->exports[k].name, ex->name))
        return fail(r, "duplicate export name '%s'", ex->name);
  }
  return true;
}

/* Checks the code section's framing and scans local declarations for v128
** (a SIMD body nearly always has one); wasm2c's validator (run with SIMD
** disabled) catches any SIMD instruction left. */
static bool code_section(reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!count(r, 1, &n)) return false;
  if (n != m->nfuncs)
    return fail(r, "function and code section have inconsistent lengths (%u vs %u)",
                m->nfuncs, n);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t size;
    const uint8_t *body;
    if (!leb_u32(r, &size) || !bytes(r, size, &body)) return false;
    reader_t b = {body, r->start, body + size, r->name, NULL};
    uint32_t ngroups;
    if (!count(&b, 2, &ngroups)) goto body_err;
    for (uint32_t g = 0; g < ngroups; g++) {
      uint32_t cnt;
      wasmplug_valkind_t t;
      if (!leb_u32(&b, &cnt) || !valtype(&b, &t)) goto body_err;
    }
    continue;
  body_err:
    r->err = b.err;
    return false;
  }
  return true;
}

char *wp_modinfo_decode(const uint8_t *data, size_t len, const char *modname,
                        wp_modinfo_t *m) {
  memset(m, 0, sizeof *m);
  reader_t r = {data, data, data + len, modname ? modname : "module", NULL};
  static const uint8_t magic[4] = {0, 'a', 's', 'm'};
  const uint8_t *hdr;
  if (len < 4 || memcmp(data, magic, 4)) {
    fail(&r, "bad magic number (not a WebAssembly file)");
    goto out;
  }
  r.p += 4;
  if (!bytes(&r, 4, &hdr)) goto out;
  if (hdr[0] != 1 || hdr[1] || hdr[2] || hdr[3]) {
    r.p -= 4;
    if (hdr[2] == 1 && hdr[3] == 0) fail(&r, "this is a component, not a core module");
    else fail(&r, "unsupported version 0x%02x%02x%02x%02x", hdr[3], hdr[2], hdr[1], hdr[0]);
    goto out;
  }
  /* Known sections must come in this order (datacount sits before code). */
  static const int order[14] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10, 0};
  int last = 0;
  bool have_code = false;
  while (r.p < r.end) {
    uint8_t id;
    uint32_t size;
    const uint8_t *sec_start = r.p;
    if (!u8(&r, &id) || !leb_u32(&r, &size)) goto out;
    if ((size_t)(r.end - r.p) < size) {
      r.p = sec_start;
      fail(&r, "section %u size %u exceeds the %zu remaining bytes", id, size,
           (size_t)(r.end - sec_start));
      goto out;
    }
    reader_t s = {r.p, data, r.p + size, r.name, NULL};
    r.p += size;
    if (id == 0) {
      char *secname = NULL;
      if (!name(&s, &secname)) { r.err = s.err; goto out; }
      free(secname);
      continue;
    }
    if (id > 12) {
      s.p = sec_start;
      if (id == 13) fail(&s, "exception handling (tag section) is not supported by wasmplug");
      else fail(&s, "unknown section id %u", id);
      r.err = s.err;
      goto out;
    }
    if (order[id] <= last) {
      s.p = sec_start;
      fail(&s, "section %u out of order or duplicated", id);
      r.err = s.err;
      goto out;
    }
    last = order[id];
    bool ok = true;
    uint32_t skip;
    switch (id) {
    case 1: ok = functype_section(&s, m); break;
    case 2: ok = import_section(&s, m); break;
    case 3: ok = function_section(&s, m); break;
    case 4: ok = table_section(&s, m); break;
    case 5: ok = memory_section(&s, m); break;
    case 6: ok = global_section(&s, m); break;
    case 7: ok = export_section(&s, m); break;
    case 8:
      ok = leb_u32(&s, &m->start);
      if (ok && m->start >= m->nimported_funcs + m->nfuncs)
        ok = fail(&s, "start function index %u out of range", m->start);
      m->has_start = true;
      break;
    case 10: ok = code_section(&s, m); have_code = true; break;
    case 12: ok = leb_u32(&s, &skip); break;
    default: s.p = s.end; break; /* element, data: wasm2c validates */
    }
    if (!ok) { r.err = s.err; goto out; }
    if (s.p != s.end) {
      fail(&s, "section %u size mismatch: %zu bytes left over", id, (size_t)(s.end - s.p));
      r.err = s.err;
      goto out;
    }
  }
  if (m->nfuncs && !have_code)
    fail(&r, "function and code section have inconsistent lengths (%u vs 0)", m->nfuncs);
out:
  if (r.err) wp_modinfo_free(m);
  return r.err;
}

void wp_modinfo_free(wp_modinfo_t *m) {
  for (uint32_t i = 0; i < m->ntypes; i++) free(m->types[i].params);
  free(m->types);
  for (uint32_t i = 0; i < m->nimports; i++) {
    free(m->imports[i].module);
    free(m->imports[i].name);
  }
  free(m->imports);
  free(m->func_types);
  free(m->tables);
  free(m->table_elems);
  free(m->mems);
  free(m->globals);
  for (uint32_t i = 0; i < m->nexports; i++) free(m->exports[i].name);
  free(m->exports);
  memset(m, 0, sizeof *m);
}

const wp_functype_t *wp_modinfo_functype(const wp_modinfo_t *m, uint32_t index) {
  if (index < m->nimported_funcs) {
    for (uint32_t i = 0; i < m->nimports; i++)
      if (m->imports[i].kind == WASMPLUG_EXTERN_FUNC && index-- == 0)
        return &m->types[m->imports[i].type_index];
    return NULL;
  }
  index -= m->nimported_funcs;
  return index < m->nfuncs ? &m->types[m->func_types[index]] : NULL;
}

static void pub_functype(const wp_functype_t *ft, wasmplug_functype_t *out) {
  out->nparams = ft->nparams;
  out->nresults = ft->nresults;
  out->params = ft->params;
  out->results = ft->results;
}

void wp_modinfo_import_type(const wp_modinfo_t *m, uint32_t i, wasmplug_externtype_t *t) {
  const wp_import_t *im = &m->imports[i];
  memset(t, 0, sizeof *t);
  t->kind = im->kind;
  if (im->kind == WASMPLUG_EXTERN_FUNC) pub_functype(&m->types[im->type_index], &t->func);
  t->limits = im->limits;
  t->elem = im->elem;
  t->global_type = im->elem;
  t->global_mutable = im->mut;
}

/* Finds the k-th entity of a kind among imports. */
static const wp_import_t *nth_import(const wp_modinfo_t *m, wasmplug_externkind_t kind,
                                     uint32_t k) {
  for (uint32_t i = 0; i < m->nimports; i++)
    if (m->imports[i].kind == kind && k-- == 0) return &m->imports[i];
  return NULL;
}

void wp_modinfo_export_type(const wp_modinfo_t *m, uint32_t i, wasmplug_externtype_t *t) {
  const wp_export_t *ex = &m->exports[i];
  memset(t, 0, sizeof *t);
  t->kind = ex->kind;
  uint32_t idx = ex->index;
  switch (ex->kind) {
  case WASMPLUG_EXTERN_FUNC: pub_functype(wp_modinfo_functype(m, idx), &t->func); break;
  case WASMPLUG_EXTERN_TABLE:
    if (idx < m->nimported_tables) {
      const wp_import_t *im = nth_import(m, ex->kind, idx);
      t->limits = im->limits;
      t->elem = im->elem;
    } else {
      t->limits = m->tables[idx - m->nimported_tables];
      t->elem = m->table_elems[idx - m->nimported_tables];
    }
    break;
  case WASMPLUG_EXTERN_MEMORY:
    t->limits = idx < m->nimported_mems ? nth_import(m, ex->kind, idx)->limits
                                        : m->mems[idx - m->nimported_mems];
    break;
  case WASMPLUG_EXTERN_GLOBAL:
    if (idx < m->nimported_globals) {
      const wp_import_t *im = nth_import(m, ex->kind, idx);
      t->global_type = im->elem;
      t->global_mutable = im->mut;
    } else {
      t->global_type = m->globals[idx - m->nimported_globals].type;
      t->global_mutable = m->globals[idx - m->nimported_globals].mut;
    }
    break;
  default: break;
  }
}
