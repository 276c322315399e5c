/*
** validate.c — the module-level rules of validation: index ranges, limits,
** constant expressions, segments, exports, the start function; then every
** function body (validate_code.c).  Runs after decode.c on every module,
** whichever translator compiles it.
*/
#include <stdlib.h>
#include <string.h>

#include "validate.h"

/* Checks a constant expression producing `want`.  `nglobals_visible`
** globals may be read (imported ones, and since Wasm 3.0 earlier
** immutable ones); ref.func marks its function as declared. */
static bool const_expr(wp_validator_t *v, wp_span_t span, wasmplug_valkind_t want,
                       uint32_t nglobals_visible, bool *declared, const char *what) {
  wp_reader_t r = {v->r->start + span.off, v->r->start, v->r->start + span.off + span.len,
                   v->r->name, NULL};
  wasmplug_valkind_t stack[64];
  uint32_t n = 0;
  wp_instr_t in;
  bool ok = false;
  const wp_modinfo_t *m = v->m;
  for (;;) {
    if (!wp_read_instr(&r, &in)) goto out;
    wasmplug_valkind_t t;
    switch (in.op) {
    case 0x0b:
      if (n != 1 || stack[0] != want) {
        wp_rd_fail_at(&r, in.off, "type mismatch: %s must produce one %s, found %s%s", what,
                      wasmplug_valkind_name(want), n == 1 ? wasmplug_valkind_name(stack[0]) : n ? "several values" : "none",
                      "");
        goto out;
      }
      ok = true;
      goto out;
    case 0x41: t = WASMPLUG_I32; break;
    case 0x42: t = WASMPLUG_I64; break;
    case 0x43: t = WASMPLUG_F32; break;
    case 0x44: t = WASMPLUG_F64; break;
    case WP_OP_FD + 0x0c: t = WASMPLUG_V128; v->features |= WP_FEAT_SIMD; break;
    case 0xd0: t = (wasmplug_valkind_t)in.a; break;
    case 0xd2:
      if (in.a >= wp_nfuncs(m)) {
        wp_rd_fail_at(&r, in.off, "unknown function %u", in.a);
        goto out;
      }
      if (declared) declared[in.a] = true;
      t = WASMPLUG_FUNCREF;
      break;
    case 0x23: {
      bool mut;
      if (in.a >= wp_nglobals(m)) {
        wp_rd_fail_at(&r, in.off, "unknown global %u", in.a);
        goto out;
      }
      if (in.a >= nglobals_visible) {
        wp_rd_fail_at(&r, in.off, "unknown global %u: a constant expression may only read "
                                  "imported or earlier globals", in.a);
        goto out;
      }
      wp_modinfo_global(m, in.a, &t, &mut);
      if (mut) {
        wp_rd_fail_at(&r, in.off, "constant expression required: global %u is mutable", in.a);
        goto out;
      }
      break;
    }
    case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: {
      /* extended-const: i32/i64 add, sub, mul */
      t = in.op < 0x70 ? WASMPLUG_I32 : WASMPLUG_I64;
      if (n < 2 || stack[n - 1] != t || stack[n - 2] != t) {
        wp_rd_fail_at(&r, in.off, "type mismatch: %s expects two %s", wp_op_name(in.op),
                      wasmplug_valkind_name(t));
        goto out;
      }
      n -= 2;
      v->features |= WP_FEAT_EXTCONST;
      break;
    }
    default:
      wp_rd_fail_at(&r, in.off, "constant expression required: %s is not allowed in %s",
                    wp_op_name(in.op), what);
      goto out;
    }
    if (n == 64) {
      wp_rd_fail_at(&r, in.off, "constant expression too deep");
      goto out;
    }
    stack[n++] = t;
  }
out:
  if (!ok) v->r->err = r.err;
  return ok;
}

static bool check_limits(wp_validator_t *v, const wasmplug_limits_t *l, uint8_t flags,
                         bool memory, const char *what, uint32_t index) {
  wp_reader_t *r = v->r;
  if (l->max != UINT64_MAX && l->max < l->min)
    return wp_rd_fail_at(r, 0, "%s %u: size minimum must not be greater than maximum", what, index);
  if (memory) {
    uint64_t limit = (flags & WP_MEM_64) ? (1ull << 48) : 65536;
    if (l->min > limit || (l->max != UINT64_MAX && l->max > limit))
      return wp_rd_fail_at(r, 0, "%s %u: memory size must be at most %s", what, index,
                           (flags & WP_MEM_64) ? "2^48 pages" : "65536 pages (4GiB)");
    if ((flags & WP_MEM_SHARED) && l->max == UINT64_MAX)
      return wp_rd_fail_at(r, 0, "%s %u: shared memory must have maximum", what, index);
  } else if (!(flags & WP_MEM_64) && (l->min > UINT32_MAX || (l->max != UINT64_MAX && l->max > UINT32_MAX))) {
    return wp_rd_fail_at(r, 0, "%s %u: table size must be at most 2^32-1", what, index);
  }
  return true;
}

/* qsort order of exports: by name, then by position */
static int export_order(const void *a, const void *b) {
  const wp_export_t *x = *(const wp_export_t *const *)a, *y = *(const wp_export_t *const *)b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x > y) - (x < y);
}

char *wp_modinfo_validate(const uint8_t *bytes, size_t len, const char *name, wp_modinfo_t *m) {
  wp_reader_t r = {bytes, bytes, bytes + len, name ? name : "module", NULL};
  wp_validator_t v = {m, &r, NULL, 0};
  uint32_t nfuncs = wp_nfuncs(m);
  bool *declared = calloc(nfuncs ? nfuncs : 1, 1);
  if (!declared) return wp_strdup("out of memory");
  v.declared = declared;
  bool *dup = NULL;                 /* per export: its name came before */
  const wp_export_t **sorted = NULL;

  if (nfuncs > WP_MAX_FUNCTIONS) {
    wp_rd_fail_at(&r, 0, "too many functions (%u)", nfuncs);
    goto out;
  }
  for (uint32_t i = 0; i < m->ntypes; i++) {
    if (m->types[i].nparams > WP_MAX_PARAMS || m->types[i].nresults > WP_MAX_RESULTS) {
      wp_rd_fail_at(&r, 0, "type %u: too many parameters or results", i);
      goto out;
    }
    for (uint32_t k = 0; k < m->types[i].nparams + m->types[i].nresults; k++) {
      if (m->types[i].params[k] == WASMPLUG_V128) m->features |= WP_FEAT_SIMD;
      if (m->types[i].params[k] == WP_EXNREF) m->features |= WP_FEAT_EH;
    }
  }
  for (uint32_t g = 0; g < wp_nglobals(m); g++) {
    wasmplug_valkind_t t;
    wp_modinfo_global(m, g, &t, NULL);
    if (t == WASMPLUG_V128) m->features |= WP_FEAT_SIMD;
    if (t == WP_EXNREF) m->features |= WP_FEAT_EH;
  }
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wp_import_t *im = &m->imports[i];
    switch (im->kind) {
    case WASMPLUG_EXTERN_FUNC:
      if (im->type_index >= m->ntypes) {
        wp_rd_fail_at(&r, 0, "import %s.%s: unknown type %u", im->module, im->name, im->type_index);
        goto out;
      }
      break;
    case WASMPLUG_EXTERN_TAG:
      if (im->type_index >= m->ntypes) {
        wp_rd_fail_at(&r, 0, "import %s.%s: unknown type %u", im->module, im->name, im->type_index);
        goto out;
      }
      if (m->types[im->type_index].nresults) {
        wp_rd_fail_at(&r, 0, "import %s.%s: non-empty tag result type", im->module, im->name);
        goto out;
      }
      break;
    case WASMPLUG_EXTERN_TABLE:
      if (!check_limits(&v, &im->limits, im->flags, false, "table import", i)) goto out;
      break;
    case WASMPLUG_EXTERN_MEMORY:
      if (!check_limits(&v, &im->limits, im->flags, true, "memory import", i)) goto out;
      break;
    default: break;
    }
  }
  for (uint32_t i = 0; i < m->nfuncs; i++)
    if (m->func_types[i] >= m->ntypes) {
      wp_rd_fail_at(&r, 0, "function %u: unknown type %u", m->nimported_funcs + i, m->func_types[i]);
      goto out;
    }
  for (uint32_t i = 0; i < m->ntags; i++) {
    if (m->tag_types[i] >= m->ntypes) {
      wp_rd_fail_at(&r, 0, "tag %u: unknown type %u", i, m->tag_types[i]);
      goto out;
    }
    if (m->types[m->tag_types[i]].nresults) {
      wp_rd_fail_at(&r, 0, "tag %u: non-empty tag result type", i);
      goto out;
    }
  }
  if (wp_nmems(m) > 1) m->features |= WP_FEAT_MULTIMEM;

  /* Globals first: their ref.func expressions declare functions. */
  for (uint32_t i = 0; i < m->nglobals; i++)
    if (!const_expr(&v, m->globals[i].init, m->globals[i].type, m->nimported_globals + i, declared,
                    "a global initializer"))
      goto out;
  for (uint32_t i = 0; i < m->ntables; i++) {
    if (!check_limits(&v, &m->tables[i], m->table_flags[i], false, "table", m->nimported_tables + i))
      goto out;
    /* the table section comes before the global section: only imported
    ** globals exist yet */
    if (m->table_inits[i].len &&
        !const_expr(&v, m->table_inits[i], m->table_elems[i], m->nimported_globals, declared,
                    "a table initializer"))
      goto out;
  }
  for (uint32_t i = 0; i < m->nmems; i++)
    if (!check_limits(&v, &m->mems[i], m->mem_flags[i], true, "memory", m->nimported_mems + i))
      goto out;

  /* duplicate names: sorted, not pairwise (a hostile module may have a
  ** million exports); dup[i] says export i repeats an earlier one's name */
  dup = calloc(m->nexports ? m->nexports : 1, sizeof *dup);
  sorted = malloc((m->nexports ? m->nexports : 1) * sizeof *sorted);
  if (!dup || !sorted) {
    wp_rd_fail_at(&r, 0, "out of memory");
    goto out;
  }
  for (uint32_t i = 0; i < m->nexports; i++) sorted[i] = &m->exports[i];
  qsort(sorted, m->nexports, sizeof *sorted, export_order);
  for (uint32_t i = 1; i < m->nexports; i++)
    if (!strcmp(sorted[i - 1]->name, sorted[i]->name)) dup[sorted[i] - m->exports] = true;
  for (uint32_t i = 0; i < m->nexports; i++) {
    const wp_export_t *ex = &m->exports[i];
    uint32_t limit = 0;
    const char *what = "function";
    switch (ex->kind) {
    case WASMPLUG_EXTERN_FUNC: limit = nfuncs; break;
    case WASMPLUG_EXTERN_TABLE: limit = wp_ntables(m); what = "table"; break;
    case WASMPLUG_EXTERN_MEMORY: limit = wp_nmems(m); what = "memory"; break;
    case WASMPLUG_EXTERN_GLOBAL: limit = wp_nglobals(m); what = "global"; break;
    case WASMPLUG_EXTERN_TAG: limit = wp_ntags(m); what = "tag"; break;
    }
    if (ex->index >= limit) {
      wp_rd_fail_at(&r, 0, "export '%s': unknown %s %u", ex->name, what, ex->index);
      goto out;
    }
    if (ex->kind == WASMPLUG_EXTERN_FUNC) declared[ex->index] = true;
    if (dup[i]) {
      wp_rd_fail_at(&r, 0, "duplicate export name '%s'", ex->name);
      goto out;
    }
  }
  if (m->has_start) {
    if (m->start >= nfuncs) {
      wp_rd_fail_at(&r, 0, "unknown function %u (start function)", m->start);
      goto out;
    }
    const wp_functype_t *ft = wp_modinfo_functype(m, m->start);
    if (ft->nparams || ft->nresults) {
      wp_rd_fail_at(&r, 0, "start function %u must take and return nothing", m->start);
      goto out;
    }
  }
  for (uint32_t i = 0; i < m->nelems; i++) {
    wp_elem_t *e = &m->elems[i];
    if (e->mode == WP_SEG_ACTIVE) {
      wasmplug_valkind_t elem, idx;
      uint8_t flags;
      if (e->table >= wp_ntables(m)) {
        wp_rd_fail_at(&r, e->offset.off, "unknown table %u (elem segment %u)", e->table, i);
        goto out;
      }
      wp_modinfo_table(m, e->table, NULL, &elem, &flags);
      idx = (flags & WP_MEM_64) ? WASMPLUG_I64 : WASMPLUG_I32;
      if (!const_expr(&v, e->offset, idx, wp_nglobals(m), declared, "an elem segment offset"))
        goto out;
      if (elem != e->type) {
        wp_rd_fail_at(&r, e->offset.off, "type mismatch: elem segment %u of %s for a %s table",
                      i, wasmplug_valkind_name(e->type), wasmplug_valkind_name(elem));
        goto out;
      }
    }
    for (uint32_t k = 0; k < e->count; k++) {
      if (e->funcs) {
        if (e->funcs[k] >= nfuncs) {
          wp_rd_fail_at(&r, 0, "unknown function %u (elem segment %u)", e->funcs[k], i);
          goto out;
        }
        declared[e->funcs[k]] = true;
      } else if (!const_expr(&v, e->exprs[k], e->type, wp_nglobals(m), declared,
                             "an elem segment item")) {
        goto out;
      }
    }
  }
  for (uint32_t i = 0; i < m->ndatas; i++) {
    wp_data_t *d = &m->datas[i];
    if (d->mode != WP_SEG_ACTIVE) continue;
    if (d->mem >= wp_nmems(m)) {
      wp_rd_fail_at(&r, d->offset.off, "unknown memory %u (data segment %u)", d->mem, i);
      goto out;
    }
    uint8_t flags;
    wp_modinfo_memory(m, d->mem, NULL, &flags);
    if (!const_expr(&v, d->offset, (flags & WP_MEM_64) ? WASMPLUG_I64 : WASMPLUG_I32,
                    wp_nglobals(m), declared, "a data segment offset"))
      goto out;
  }
  for (uint32_t i = 0; i < m->nfuncs; i++)
    if (!wp_validate_body(&v, i)) goto out;
  m->features |= v.features;
out:
  free(sorted);
  free(dup);
  free(declared);
  return r.err;
}
