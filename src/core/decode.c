/*
** decode.c — reads a core module's sections into wp_modinfo_t.
**
** This is the binary format's structure: sections, vectors, limits,
** segments, the framing of function bodies.  It must be safe on any byte
** string: every count is checked against the bytes that remain before
** anything is allocated.  Typing (function bodies, constant expressions,
** index ranges the structure does not need) is the validator's job
** (validate.c), run right after.  Proposals a translator may lack are not
** refused here but recorded in `features`, so each translator refuses what
** it cannot compile with a message naming the proposal.
*/
#include <stdlib.h>
#include <string.h>

#include "reader.h"

static bool oom(wp_reader_t *r) { return wp_rd_fail(r, "out of memory"); }

static bool limits(wp_reader_t *r, bool memory, wasmplug_limits_t *out, uint8_t *flags_out,
                   uint32_t *features) {
  uint8_t flags;
  *flags_out = 0;
  out->min = 0;
  out->max = UINT64_MAX;
  if (!wp_rd_u8(r, &flags)) return false;
  /* bit 0: has max; bit 1: shared (memories); bit 2: 64-bit addresses */
  if (flags & ~(memory ? 7u : 5u)) {
    r->p--;
    return wp_rd_fail(r, "malformed limits flags 0x%02x", flags);
  }
  if (flags & 2) {
    *flags_out |= WP_MEM_SHARED;
    *features |= WP_FEAT_SHARED_MEM;
  }
  if (flags & 4) {
    *flags_out |= WP_MEM_64;
    *features |= WP_FEAT_MEMORY64;
  }
  if (flags & 4) {
    if (!wp_rd_u64(r, &out->min)) return false;
    if ((flags & 1) && !wp_rd_u64(r, &out->max)) return false;
  } else {
    uint32_t v;
    if (!wp_rd_u32(r, &v)) return false;
    out->min = v;
    if (flags & 1) {
      if (!wp_rd_u32(r, &v)) return false;
      out->max = v;
    }
  }
  return true;
}

/* Skips a constant expression, recording its span (validated later). */
static bool const_expr(wp_reader_t *r, wp_span_t *span) {
  size_t start = wp_rd_off(r);
  wp_instr_t in;
  for (;;) {
    if (!wp_read_instr(r, &in)) return false;
    if (in.op == 0x0b) break;
  }
  span->off = (uint32_t)start;
  span->len = (uint32_t)(wp_rd_off(r) - start);
  return true;
}

static bool functype_section(wp_reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!wp_rd_count(r, 3, &n)) return false;
  m->types = calloc(n ? n : 1, sizeof *m->types);
  if (!m->types) return oom(r);
  for (uint32_t i = 0; i < n; i++) {
    uint8_t form;
    if (!wp_rd_u8(r, &form)) return false;
    if (form != 0x60) {
      r->p--;
      if (form == 0x4e || form == 0x50 || form == 0x4f || form == 0x5e || form == 0x5f ||
          form == 0x4d)
        return wp_rd_fail(r, "GC types (recursive, struct and array types) are not supported "
                             "by wasmplug");
      return wp_rd_fail(r, "type %u: malformed function type 0x%02x (expected 0x60)", i, form);
    }
    uint32_t np, nr;
    if (!wp_rd_count(r, 1, &np)) return false;
    wasmplug_valkind_t *params = malloc(((size_t)np + 1) * sizeof *params);
    if (!params) return oom(r);
    m->types[i].params = params;
    m->types[i].results = params + np;
    m->ntypes = i + 1;
    for (uint32_t k = 0; k < np; k++)
      if (!wp_rd_valtype(r, &params[k])) return false;
    m->types[i].nparams = np;
    if (!wp_rd_count(r, 1, &nr)) return false;
    wasmplug_valkind_t *all = realloc(params, ((size_t)np + nr + 1) * sizeof *all);
    if (!all) return oom(r);
    m->types[i].params = all;
    m->types[i].results = all + np;
    for (uint32_t k = 0; k < nr; k++)
      if (!wp_rd_valtype(r, &all[np + k])) return false;
    m->types[i].nresults = nr;
  }
  return true;
}

static bool global_type(wp_reader_t *r, wasmplug_valkind_t *t, bool *mut) {
  uint8_t b;
  if (!wp_rd_valtype(r, t) || !wp_rd_u8(r, &b)) return false;
  if (b > 1) {
    r->p--;
    return wp_rd_fail(r, "malformed mutability 0x%02x", b);
  }
  *mut = b;
  return true;
}

static bool tag_type(wp_reader_t *r, uint32_t *type) {
  uint8_t attr;
  if (!wp_rd_u8(r, &attr)) return false;
  if (attr != 0) {
    r->p--;
    return wp_rd_fail(r, "malformed tag attribute 0x%02x", attr);
  }
  return wp_rd_u32(r, type);
}

static bool import_section(wp_reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!wp_rd_count(r, 4, &n)) return false;
  m->imports = calloc(n ? n : 1, sizeof *m->imports);
  if (!m->imports) return oom(r);
  for (uint32_t i = 0; i < n; i++) {
    wp_import_t *im = &m->imports[i];
    m->nimports = i + 1;
    uint8_t kind;
    if (!wp_rd_name(r, &im->module) || !wp_rd_name(r, &im->name) || !wp_rd_u8(r, &kind))
      return false;
    switch (kind) {
    case 0:
      im->kind = WASMPLUG_EXTERN_FUNC;
      if (!wp_rd_u32(r, &im->type_index)) return false;
      m->nimported_funcs++;
      break;
    case 1:
      im->kind = WASMPLUG_EXTERN_TABLE;
      if (!wp_rd_reftype(r, &im->elem) ||
          !limits(r, false, &im->limits, &im->flags, &m->features))
        return false;
      m->nimported_tables++;
      break;
    case 2:
      im->kind = WASMPLUG_EXTERN_MEMORY;
      if (!limits(r, true, &im->limits, &im->flags, &m->features)) return false;
      m->nimported_mems++;
      break;
    case 3:
      im->kind = WASMPLUG_EXTERN_GLOBAL;
      if (!global_type(r, &im->elem, &im->mut)) return false;
      m->nimported_globals++;
      break;
    case 4:
      im->kind = WASMPLUG_EXTERN_TAG;
      if (!tag_type(r, &im->type_index)) return false;
      m->nimported_tags++;
      m->features |= WP_FEAT_EH;
      break;
    default:
      r->p--;
      return wp_rd_fail(r, "import %s.%s: malformed import kind 0x%02x", im->module, im->name,
                        kind);
    }
  }
  return true;
}

static bool function_section(wp_reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!wp_rd_count(r, 1, &n)) return false;
  m->func_types = calloc(n ? n : 1, sizeof *m->func_types);
  if (!m->func_types) return oom(r);
  for (uint32_t i = 0; i < n; i++) {
    if (!wp_rd_u32(r, &m->func_types[i])) return false;
    m->nfuncs = i + 1;
  }
  return true;
}

static bool table_section(wp_reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!wp_rd_count(r, 3, &n)) return false;
  m->tables = calloc(n ? n : 1, sizeof *m->tables);
  m->table_elems = calloc(n ? n : 1, sizeof *m->table_elems);
  m->table_flags = calloc(n ? n : 1, 1);
  m->table_inits = calloc(n ? n : 1, sizeof *m->table_inits);
  if (!m->tables || !m->table_elems || !m->table_flags || !m->table_inits) return oom(r);
  for (uint32_t i = 0; i < n; i++) {
    /* 0x40 0x00: a table with an initialiser expression (Wasm 3.0) */
    bool init = r->p + 1 < r->end && r->p[0] == 0x40 && r->p[1] == 0x00;
    if (init) r->p += 2;
    if (!wp_rd_reftype(r, &m->table_elems[i]) ||
        !limits(r, false, &m->tables[i], &m->table_flags[i], &m->features))
      return false;
    if (init && !const_expr(r, &m->table_inits[i])) return false;
    m->ntables = i + 1;
  }
  return true;
}

static bool memory_section(wp_reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!wp_rd_count(r, 2, &n)) return false;
  m->mems = calloc(n ? n : 1, sizeof *m->mems);
  m->mem_flags = calloc(n ? n : 1, 1);
  if (!m->mems || !m->mem_flags) return oom(r);
  for (uint32_t i = 0; i < n; i++) {
    if (!limits(r, true, &m->mems[i], &m->mem_flags[i], &m->features)) return false;
    m->nmems = i + 1;
  }
  return true;
}

static bool tag_section(wp_reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!wp_rd_count(r, 2, &n)) return false;
  m->tag_types = calloc(n ? n : 1, sizeof *m->tag_types);
  if (!m->tag_types) return oom(r);
  if (n) m->features |= WP_FEAT_EH;
  for (uint32_t i = 0; i < n; i++) {
    if (!tag_type(r, &m->tag_types[i])) return false;
    m->ntags = i + 1;
  }
  return true;
}

static bool global_section(wp_reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!wp_rd_count(r, 3, &n)) return false;
  m->globals = calloc(n ? n : 1, sizeof *m->globals);
  if (!m->globals) return oom(r);
  for (uint32_t i = 0; i < n; i++) {
    if (!global_type(r, &m->globals[i].type, &m->globals[i].mut)) return false;
    if (!const_expr(r, &m->globals[i].init)) return false;
    m->nglobals = i + 1;
  }
  return true;
}

static bool export_section(wp_reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!wp_rd_count(r, 3, &n)) return false;
  m->exports = calloc(n ? n : 1, sizeof *m->exports);
  if (!m->exports) return oom(r);
  for (uint32_t i = 0; i < n; i++) {
    wp_export_t *ex = &m->exports[i];
    uint8_t kind;
    m->nexports = i + 1;
    if (!wp_rd_name(r, &ex->name) || !wp_rd_u8(r, &kind)) return false;
    if (kind > 4) {
      r->p--;
      return wp_rd_fail(r, "export '%s': malformed export kind 0x%02x", ex->name, kind);
    }
    ex->kind = (wasmplug_externkind_t)kind;
    if (!wp_rd_u32(r, &ex->index)) return false;
  }
  return true;
}

static bool elem_section(wp_reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!wp_rd_count(r, 1, &n)) return false;
  m->elems = calloc(n ? n : 1, sizeof *m->elems);
  if (!m->elems) return oom(r);
  for (uint32_t i = 0; i < n; i++) {
    wp_elem_t *e = &m->elems[i];
    m->nelems = i + 1;
    uint32_t flags;
    if (!wp_rd_u32(r, &flags)) return false;
    if (flags > 7) return wp_rd_fail(r, "malformed elements segment kind %u", flags);
    /* bit 0: passive or declarative; bit 1: explicit table index (active)
    ** or declarative (non-active); bit 2: expressions instead of indices */
    e->mode = !(flags & 1) ? WP_SEG_ACTIVE : (flags & 2) ? WP_SEG_DECLARATIVE : WP_SEG_PASSIVE;
    e->type = WASMPLUG_FUNCREF;
    if (e->mode == WP_SEG_ACTIVE) {
      if ((flags & 2) && !wp_rd_u32(r, &e->table)) return false;
      if (!const_expr(r, &e->offset)) return false;
    }
    bool exprs = flags & 4;
    if (flags & 3) { /* an element kind or reference type */
      if (exprs) {
        if (!wp_rd_reftype(r, &e->type)) return false;
      } else {
        uint8_t k;
        if (!wp_rd_u8(r, &k)) return false;
        if (k != 0) {
          r->p--;
          return wp_rd_fail(r, "malformed element kind 0x%02x", k);
        }
      }
    }
    if (!wp_rd_count(r, 1, &e->count)) return false;
    if (exprs) {
      e->exprs = calloc(e->count ? e->count : 1, sizeof *e->exprs);
      if (!e->exprs) return oom(r);
      for (uint32_t k = 0; k < e->count; k++)
        if (!const_expr(r, &e->exprs[k])) return false;
    } else {
      e->funcs = calloc(e->count ? e->count : 1, sizeof *e->funcs);
      if (!e->funcs) return oom(r);
      for (uint32_t k = 0; k < e->count; k++)
        if (!wp_rd_u32(r, &e->funcs[k])) return false;
    }
  }
  return true;
}

static bool data_section(wp_reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!wp_rd_count(r, 1, &n)) return false;
  m->datas = calloc(n ? n : 1, sizeof *m->datas);
  if (!m->datas) return oom(r);
  for (uint32_t i = 0; i < n; i++) {
    wp_data_t *d = &m->datas[i];
    m->ndatas = i + 1;
    uint32_t flags, len;
    if (!wp_rd_u32(r, &flags)) return false;
    if (flags > 2) return wp_rd_fail(r, "malformed data segment kind %u", flags);
    d->mode = flags == 1 ? WP_SEG_PASSIVE : WP_SEG_ACTIVE;
    if (flags == 2 && !wp_rd_u32(r, &d->mem)) return false;
    if (d->mode == WP_SEG_ACTIVE && !const_expr(r, &d->offset)) return false;
    const uint8_t *b;
    if (!wp_rd_u32(r, &len)) return false;
    d->bytes.off = (uint32_t)wp_rd_off(r);
    if (!wp_rd_bytes(r, len, &b)) return false;
    d->bytes.len = len;
  }
  return true;
}

static bool code_section(wp_reader_t *r, wp_modinfo_t *m) {
  uint32_t n;
  if (!wp_rd_count(r, 1, &n)) return false;
  if (n != m->nfuncs)
    return wp_rd_fail(r, "function and code section have inconsistent lengths (%u vs %u)",
                      m->nfuncs, n);
  m->bodies = calloc(n ? n : 1, sizeof *m->bodies);
  if (!m->bodies) return oom(r);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t size;
    const uint8_t *body;
    if (!wp_rd_u32(r, &size)) return false;
    m->bodies[i].off = (uint32_t)wp_rd_off(r);
    if (!wp_rd_bytes(r, size, &body)) return false;
    m->bodies[i].len = size;
  }
  return true;
}

/* The "name" custom section's function names.  Best effort: a malformed
** name section is ignored, as engines must. */
static void name_section(wp_reader_t *outer, const uint8_t *p, const uint8_t *end,
                         wp_modinfo_t *m) {
  wp_reader_t r = {p, outer->start, end, outer->name, NULL};
  uint32_t total = wp_nfuncs(m);
  while (r.p < r.end && !r.err) {
    uint8_t id;
    uint32_t size;
    if (!wp_rd_u8(&r, &id) || !wp_rd_u32(&r, &size) || size > (size_t)(r.end - r.p)) break;
    const uint8_t *next = r.p + size;
    if (id == 0 && !m->module_name) {
      wp_reader_t s = {r.p, r.start, next, r.name, NULL};
      char *nm = NULL;
      if (wp_rd_name(&s, &nm)) m->module_name = nm;
      free(s.err);
    }
    if (id == 1 && !m->func_names && total) {
      wp_reader_t s = {r.p, r.start, next, r.name, NULL};
      char **names = calloc(total, sizeof *names);
      uint32_t cnt;
      if (names && wp_rd_u32(&s, &cnt)) {
        for (uint32_t i = 0; i < cnt && !s.err; i++) {
          uint32_t idx;
          char *nm = NULL;
          if (!wp_rd_u32(&s, &idx) || !wp_rd_name(&s, &nm)) break;
          if (idx < total && !names[idx]) names[idx] = nm;
          else free(nm);
        }
      }
      free(s.err);
      m->func_names = names;
    }
    r.p = next;
  }
  free(r.err);
}

char *wp_modinfo_decode(const uint8_t *data, size_t len, const char *modname, wp_modinfo_t *m) {
  memset(m, 0, sizeof *m);
  wp_reader_t r = {data, data, data + len, modname ? modname : "module", NULL};
  static const uint8_t magic[4] = {0, 'a', 's', 'm'};
  const uint8_t *hdr;
  if (len < 4 || memcmp(data, magic, 4)) {
    wp_rd_fail(&r, "bad magic number (not a WebAssembly file)");
    goto out;
  }
  r.p += 4;
  if (!wp_rd_bytes(&r, 4, &hdr)) goto out;
  if (hdr[0] != 1 || hdr[1] || hdr[2] || hdr[3]) {
    r.p -= 4;
    if (hdr[2] == 1 && hdr[3] == 0) wp_rd_fail(&r, "this is a component, not a core module");
    else wp_rd_fail(&r, "unsupported version 0x%02x%02x%02x%02x", hdr[3], hdr[2], hdr[1], hdr[0]);
    goto out;
  }
  /* Known sections must come in this order: type import function table
  ** memory tag global export start element datacount code data. */
  static const int order[14] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};
  int last = 0;
  bool have_code = false, have_data = false;
  while (r.p < r.end) {
    uint8_t id;
    uint32_t size;
    const uint8_t *sec_start = r.p;
    if (!wp_rd_u8(&r, &id) || !wp_rd_u32(&r, &size)) goto out;
    if ((size_t)(r.end - r.p) < size) {
      r.p = sec_start;
      wp_rd_fail(&r, "section %u size %u exceeds the %zu remaining bytes (unexpected end)", id,
                 size, (size_t)(r.end - sec_start));
      goto out;
    }
    wp_reader_t s = {r.p, data, r.p + size, r.name, NULL};
    r.p += size;
    if (id == 0) {
      char *secname = NULL;
      if (!wp_rd_name(&s, &secname)) { r.err = s.err; goto out; }
      if (!strcmp(secname, "name")) name_section(&s, s.p, s.end, m);
      free(secname);
      continue;
    }
    if (id > 13) {
      s.p = sec_start;
      wp_rd_fail(&s, "malformed section id %u", id);
      r.err = s.err;
      goto out;
    }
    if (order[id] <= last) {
      s.p = sec_start;
      wp_rd_fail(&s, "unexpected content after last section (section %u out of order or "
                     "duplicated)", id);
      r.err = s.err;
      goto out;
    }
    last = order[id];
    bool ok = true;
    switch (id) {
    case 1: ok = functype_section(&s, m); break;
    case 2: ok = import_section(&s, m); break;
    case 3: ok = function_section(&s, m); break;
    case 4: ok = table_section(&s, m); break;
    case 5: ok = memory_section(&s, m); break;
    case 6: ok = global_section(&s, m); break;
    case 7: ok = export_section(&s, m); break;
    case 8: ok = wp_rd_u32(&s, &m->start); m->has_start = true; break;
    case 9: ok = elem_section(&s, m); break;
    case 10: ok = code_section(&s, m); have_code = true; break;
    case 11: ok = data_section(&s, m); have_data = true; break;
    case 12: ok = wp_rd_u32(&s, &m->datacount); m->has_datacount = true; break;
    case 13: ok = tag_section(&s, m); break;
    default: break;
    }
    if (!ok) { r.err = s.err; goto out; }
    if (s.p != s.end) {
      wp_rd_fail(&s, "section size mismatch: %zu bytes left over in section %u",
                 (size_t)(s.end - s.p), id);
      r.err = s.err;
      goto out;
    }
  }
  if (m->nfuncs && !have_code)
    wp_rd_fail(&r, "function and code section have inconsistent lengths (%u vs 0)", m->nfuncs);
  else if (m->has_datacount && m->datacount != m->ndatas)
    wp_rd_fail(&r, "data count and data section have inconsistent lengths (%u vs %u)",
               m->datacount, m->ndatas);
  (void)have_data;
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
  free(m->table_flags);
  free(m->table_inits);
  free(m->mems);
  free(m->mem_flags);
  free(m->tag_types);
  free(m->globals);
  for (uint32_t i = 0; i < m->nexports; i++) free(m->exports[i].name);
  free(m->exports);
  for (uint32_t i = 0; i < m->nelems; i++) {
    free(m->elems[i].funcs);
    free(m->elems[i].exprs);
  }
  free(m->elems);
  free(m->datas);
  free(m->bodies);
  if (m->func_names)
    for (uint32_t i = 0; i < wp_nfuncs(m); i++) free(m->func_names[i]);
  free(m->func_names);
  free(m->module_name);
  memset(m, 0, sizeof *m);
}

const wp_import_t *wp_modinfo_nth_import(const wp_modinfo_t *m, wasmplug_externkind_t kind,
                                         uint32_t k) {
  for (uint32_t i = 0; i < m->nimports; i++)
    if (m->imports[i].kind == kind && k-- == 0) return &m->imports[i];
  return NULL;
}

const wp_functype_t *wp_modinfo_functype(const wp_modinfo_t *m, uint32_t index) {
  if (index < m->nimported_funcs) {
    const wp_import_t *im = wp_modinfo_nth_import(m, WASMPLUG_EXTERN_FUNC, index);
    return im && im->type_index < m->ntypes ? &m->types[im->type_index] : NULL;
  }
  index -= m->nimported_funcs;
  return index < m->nfuncs && m->func_types[index] < m->ntypes ? &m->types[m->func_types[index]]
                                                                 : NULL;
}

void wp_modinfo_table(const wp_modinfo_t *m, uint32_t i, wasmplug_limits_t *lim,
                      wasmplug_valkind_t *elem, uint8_t *flags) {
  if (i < m->nimported_tables) {
    const wp_import_t *im = wp_modinfo_nth_import(m, WASMPLUG_EXTERN_TABLE, i);
    if (lim) *lim = im->limits;
    if (elem) *elem = im->elem;
    if (flags) *flags = im->flags;
    return;
  }
  i -= m->nimported_tables;
  if (lim) *lim = m->tables[i];
  if (elem) *elem = m->table_elems[i];
  if (flags) *flags = m->table_flags[i];
}

void wp_modinfo_memory(const wp_modinfo_t *m, uint32_t i, wasmplug_limits_t *lim,
                       uint8_t *flags) {
  if (i < m->nimported_mems) {
    const wp_import_t *im = wp_modinfo_nth_import(m, WASMPLUG_EXTERN_MEMORY, i);
    if (lim) *lim = im->limits;
    if (flags) *flags = im->flags;
    return;
  }
  i -= m->nimported_mems;
  if (lim) *lim = m->mems[i];
  if (flags) *flags = m->mem_flags[i];
}

void wp_modinfo_global(const wp_modinfo_t *m, uint32_t i, wasmplug_valkind_t *type, bool *mut) {
  if (i < m->nimported_globals) {
    const wp_import_t *im = wp_modinfo_nth_import(m, WASMPLUG_EXTERN_GLOBAL, i);
    if (type) *type = im->elem;
    if (mut) *mut = im->mut;
    return;
  }
  i -= m->nimported_globals;
  if (type) *type = m->globals[i].type;
  if (mut) *mut = m->globals[i].mut;
}

uint32_t wp_modinfo_tag_type(const wp_modinfo_t *m, uint32_t i) {
  if (i < m->nimported_tags) return wp_modinfo_nth_import(m, WASMPLUG_EXTERN_TAG, i)->type_index;
  return m->tag_types[i - m->nimported_tags];
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
  if (im->kind == WASMPLUG_EXTERN_TAG) pub_functype(&m->types[im->type_index], &t->func);
  t->limits = im->limits;
  t->elem = im->elem;
  t->global_type = im->elem;
  t->global_mutable = im->mut;
}

void wp_modinfo_export_type(const wp_modinfo_t *m, uint32_t i, wasmplug_externtype_t *t) {
  const wp_export_t *ex = &m->exports[i];
  memset(t, 0, sizeof *t);
  t->kind = ex->kind;
  uint32_t idx = ex->index;
  switch (ex->kind) {
  case WASMPLUG_EXTERN_FUNC: pub_functype(wp_modinfo_functype(m, idx), &t->func); break;
  case WASMPLUG_EXTERN_TABLE: wp_modinfo_table(m, idx, &t->limits, &t->elem, NULL); break;
  case WASMPLUG_EXTERN_MEMORY: wp_modinfo_memory(m, idx, &t->limits, NULL); break;
  case WASMPLUG_EXTERN_GLOBAL: wp_modinfo_global(m, idx, &t->global_type, &t->global_mutable); break;
  case WASMPLUG_EXTERN_TAG: pub_functype(&m->types[wp_modinfo_tag_type(m, idx)], &t->func); break;
  default: break;
  }
}
