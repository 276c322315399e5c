/*
** validate_code.c — type checking of function bodies: the spec's
** validation algorithm (an operand stack of types and a control stack of
** frames; code after an unconditional branch is typed against a
** polymorphic stack).  Errors name the offset, the rule in the spec's
** words ("type mismatch", "unknown local"...) and the instruction.
*/
#include <stdlib.h>
#include <string.h>

#include "validate.h"

typedef struct frame {
  uint32_t op; /* 0x02 block, 0x03 loop, 0x04 if, 0x1f try_table, 0x06 try, 0x07 catch,
               ** 0 the function */
  const wasmplug_valkind_t *params, *results;
  uint32_t np, nr;
  wasmplug_valkind_t one; /* a block type's single result (is_one) */
  uint32_t height;
  bool unreachable, has_else, is_one;
} frame_t;

typedef struct vstate {
  wp_validator_t *v;
  const wp_modinfo_t *m;
  wp_reader_t *r;
  uint32_t func;
  const wp_functype_t *type;
  wasmplug_valkind_t *locals;
  uint32_t nlocals;
  wasmplug_valkind_t *vals;
  uint32_t nvals, capvals;
  frame_t *frames;
  uint32_t nframes, capframes;
  const wp_instr_t *in;
} vstate_t;

wasmplug_valkind_t wp_sig_type(char c, wasmplug_valkind_t addr) {
  switch (c) {
  case 'i': return WASMPLUG_I32;
  case 'l': return WASMPLUG_I64;
  case 'f': return WASMPLUG_F32;
  case 'd': return WASMPLUG_F64;
  case 'v': return WASMPLUG_V128;
  case 'r': return WASMPLUG_FUNCREF;
  case 'e': return WASMPLUG_EXTERNREF;
  case 'a': return addr;
  default: return WP_BOT;
  }
}

bool wp_blocktype(const wp_modinfo_t *m, int64_t bt, wasmplug_valkind_t *one,
                  const wasmplug_valkind_t **params, uint32_t *np,
                  const wasmplug_valkind_t **results, uint32_t *nr) {
  *params = *results = NULL;
  *np = *nr = 0;
  if (bt == WP_BT_EMPTY) return true;
  if (bt >= WP_BT_VAL) {
    *one = (wasmplug_valkind_t)(bt - WP_BT_VAL);
    *results = one;
    *nr = 1;
    return true;
  }
  if (bt >= m->ntypes) return false;
  const wp_functype_t *t = &m->types[bt];
  *params = t->params;
  *np = t->nparams;
  *results = t->results;
  *nr = t->nresults;
  return true;
}

static bool err(vstate_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool err(vstate_t *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *what = wp_vformat(fmt, ap);
  va_end(ap);
  bool ok = wp_rd_fail_at(s->r, s->in ? s->in->off : wp_rd_off(s->r), "%s (function %u)",
                          what ? what : "out of memory", s->m->nimported_funcs + s->func);
  free(what);
  return ok;
}

static const char *opname(vstate_t *s) { return s->in ? wp_op_name(s->in->op) : "end"; }

static bool push(vstate_t *s, wasmplug_valkind_t t) {
  if (s->nvals == s->capvals) {
    uint32_t cap = s->capvals ? s->capvals * 2 : 64;
    wasmplug_valkind_t *n = realloc(s->vals, cap * sizeof *n);
    if (!n) return err(s, "out of memory");
    s->vals = n;
    s->capvals = cap;
  }
  s->vals[s->nvals++] = t;
  return true;
}

/* Pops a value of type `want` (WP_BOT: any); *got receives the actual type. */
static bool pop_as(vstate_t *s, wasmplug_valkind_t want, wasmplug_valkind_t *got) {
  frame_t *f = &s->frames[s->nframes - 1];
  wasmplug_valkind_t t;
  if (s->nvals == f->height) {
    if (!f->unreachable)
      return err(s, "type mismatch: %s expects %s but the stack is empty", opname(s),
                 want == WP_BOT ? "a value" : wasmplug_valkind_name(want));
    t = WP_BOT;
  } else {
    t = s->vals[--s->nvals];
  }
  if (t != want && t != WP_BOT && want != WP_BOT)
    return err(s, "type mismatch: %s expects %s but found %s", opname(s), wasmplug_valkind_name(want),
               wasmplug_valkind_name(t));
  if (got) *got = t == WP_BOT ? want : t;
  return true;
}

static bool pop(vstate_t *s, wasmplug_valkind_t want) { return pop_as(s, want, NULL); }

static bool pop_vals(vstate_t *s, const wasmplug_valkind_t *ts, uint32_t n) {
  for (uint32_t i = n; i-- > 0;)
    if (!pop(s, ts[i])) return false;
  return true;
}

static bool push_vals(vstate_t *s, const wasmplug_valkind_t *ts, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (!push(s, ts[i])) return false;
  return true;
}

static const wasmplug_valkind_t *results_of(const frame_t *f) {
  return f->is_one ? &f->one : f->results;
}

static bool push_frame(vstate_t *s, uint32_t op, int64_t bt) {
  frame_t f;
  memset(&f, 0, sizeof f);
  f.op = op;
  if (op == 0) {
    f.params = s->type->params;
    f.np = s->type->nparams;
    f.results = s->type->results;
    f.nr = s->type->nresults;
  } else {
    if (!wp_blocktype(s->m, bt, &f.one, &f.params, &f.np, &f.results, &f.nr))
      return err(s, "unknown type %lld in block type", (long long)bt);
    f.is_one = bt >= WP_BT_VAL;
    /* the block's parameters come off the enclosing stack */
    if (!pop_vals(s, f.params, f.np)) return false;
  }
  if (s->nframes == s->capframes) {
    uint32_t cap = s->capframes ? s->capframes * 2 : 16;
    frame_t *n = realloc(s->frames, cap * sizeof *n);
    if (!n) return err(s, "out of memory");
    s->frames = n;
    s->capframes = cap;
  }
  f.height = s->nvals;
  s->frames[s->nframes++] = f;
  return op == 0 || push_vals(s, f.params, f.np);
}

/* The types a branch to label `l` carries. */
static bool label_types(vstate_t *s, uint32_t l, const wasmplug_valkind_t **ts, uint32_t *n) {
  *ts = NULL; /* set on every path: callers test the result, gcc -O3 cannot see that */
  *n = 0;
  if (l >= s->nframes) return err(s, "unknown label %u", l);
  frame_t *f = &s->frames[s->nframes - 1 - l];
  if (f->op == 0x03) {
    *ts = f->params;
    *n = f->np;
  } else {
    *ts = results_of(f);
    *n = f->nr;
  }
  return true;
}

static void set_unreachable(vstate_t *s) {
  frame_t *f = &s->frames[s->nframes - 1];
  s->nvals = f->height;
  f->unreachable = true;
}

/* Checks the top of the stack against the frame's results and that nothing
** else is left (at end/else/catch). */
static bool check_frame_end(vstate_t *s, frame_t *f) {
  if (!pop_vals(s, results_of(f), f->nr)) return false;
  if (s->nvals != f->height)
    return err(s, "type mismatch: %u value(s) left on the stack at the end of a block",
               s->nvals - f->height);
  return true;
}

static bool check_mem(vstate_t *s, uint32_t mem, wasmplug_valkind_t *addr) {
  if (mem >= wp_nmems(s->m)) return err(s, "unknown memory %u", mem);
  if (mem) s->v->features |= WP_FEAT_MULTIMEM;
  uint8_t flags;
  wp_modinfo_memory(s->m, mem, NULL, &flags);
  *addr = (flags & WP_MEM_64) ? WASMPLUG_I64 : WASMPLUG_I32;
  return true;
}

static bool check_table(vstate_t *s, uint32_t t, wasmplug_valkind_t *elem,
                        wasmplug_valkind_t *idx) {
  if (t >= wp_ntables(s->m)) return err(s, "unknown table %u", t);
  uint8_t flags;
  wp_modinfo_table(s->m, t, NULL, elem, &flags);
  *idx = (flags & WP_MEM_64) ? WASMPLUG_I64 : WASMPLUG_I32;
  return true;
}

static bool check_func_type(vstate_t *s, uint32_t type, const wp_functype_t **ft) {
  *ft = NULL; /* set on every path (gcc -O3) */
  if (type >= s->m->ntypes) return err(s, "unknown type %u", type);
  *ft = &s->m->types[type];
  return true;
}

/* Type checks driven by the opcode table's signature string. */
static bool by_sig(vstate_t *s, const char *sig, wasmplug_valkind_t addr) {
  const char *colon = strchr(sig, ':');
  for (const char *p = colon; p-- > sig;)
    if (!pop(s, wp_sig_type(*p, addr))) return false;
  for (const char *p = colon + 1; *p; p++)
    if (!push(s, wp_sig_type(*p, addr))) return false;
  return true;
}

static bool memarg(vstate_t *s, const wp_instr_t *in, wasmplug_valkind_t *addr) {
  if (!check_mem(s, in->mem, addr)) return false;
  int natural = wp_op_natural_align(in->op);
  const wp_opinfo_t *oi = wp_opinfo(in->op);
  if (oi->prop == WP_PROP_THREADS) {
    if ((int)in->align != natural) return err(s, "alignment must be equal to natural (%s)", opname(s));
  } else if (in->align > 63 || (int)in->align > natural) {
    return err(s, "alignment must not be larger than natural (%s)", opname(s));
  }
  if (*addr == WASMPLUG_I32 && in->offset > UINT32_MAX)
    return err(s, "offset out of range: %llu exceeds a 32-bit memory's offsets",
               (unsigned long long)in->offset);
  return true;
}

static unsigned lanes_of(uint32_t op) {
  const char *n = wp_op_name(op);
  if (!strncmp(n, "i8x16", 5)) return 16;
  if (!strncmp(n, "i16x8", 5)) return 8;
  if (!strncmp(n, "i32x4", 5) || !strncmp(n, "f32x4", 5)) return 4;
  if (!strncmp(n, "i64x2", 5) || !strncmp(n, "f64x2", 5)) return 2;
  /* v128.loadN_lane / storeN_lane */
  return 16 / wp_op_access_size(op);
}

static bool check_tag(vstate_t *s, uint32_t tag, const wp_functype_t **ft) {
  *ft = NULL; /* set on every path (gcc -O3) */
  if (tag >= wp_ntags(s->m)) return err(s, "unknown tag %u", tag);
  uint32_t t = wp_modinfo_tag_type(s->m, tag);
  if (t >= s->m->ntypes) return err(s, "unknown type %u", t);
  *ft = &s->m->types[t];
  s->v->features |= WP_FEAT_EH;
  return true;
}

static bool same_types(const wasmplug_valkind_t *a, uint32_t na, const wasmplug_valkind_t *b,
                       uint32_t nb) {
  return na == nb && (!na || !memcmp(a, b, na * sizeof *a));
}

/* A branch's values must be on the stack: pop them, push them back. */
static bool branch_check(vstate_t *s, const wasmplug_valkind_t *ts, uint32_t n) {
  wasmplug_valkind_t *got = malloc((n ? n : 1) * sizeof *got);
  if (!got) return err(s, "out of memory");
  bool ok = true;
  for (uint32_t i = n; ok && i-- > 0;) ok = pop_as(s, ts[i], &got[i]);
  for (uint32_t i = 0; ok && i < n; i++) ok = push(s, got[i]);
  free(got);
  return ok;
}

static bool instr(vstate_t *s, const wp_instr_t *in) {
  const wp_modinfo_t *m = s->m;
  const wp_opinfo_t *oi = wp_opinfo(in->op);
  wasmplug_valkind_t addr = WASMPLUG_I32, elem = WASMPLUG_FUNCREF, idx = WASMPLUG_I32, t;
  const wp_functype_t *ft;
  const wasmplug_valkind_t *ts;
  uint32_t n;
  switch (oi->prop) {
  case WP_PROP_SIMD: s->v->features |= WP_FEAT_SIMD; break;
  case WP_PROP_RELAXED_SIMD: s->v->features |= WP_FEAT_SIMD | WP_FEAT_RELAXED_SIMD; break;
  case WP_PROP_THREADS: s->v->features |= WP_FEAT_THREADS; break;
  case WP_PROP_TAILCALL: s->v->features |= WP_FEAT_TAILCALL; break;
  case WP_PROP_EH: s->v->features |= WP_FEAT_EH; break;
  case WP_PROP_EH_LEGACY: s->v->features |= WP_FEAT_EH_LEGACY; break;
  default: break;
  }
  switch (in->op) {
  case 0x00: set_unreachable(s); return true;
  case 0x01: return true;
  case 0x02: case 0x03: case 0x06: return push_frame(s, in->op, in->bt);
  case 0x04: return pop(s, WASMPLUG_I32) && push_frame(s, 0x04, in->bt);
  case 0x05: {
    frame_t *f = &s->frames[s->nframes - 1];
    if (f->op != 0x04 || f->has_else) return err(s, "else without a matching if");
    if (!check_frame_end(s, f)) return false;
    f->has_else = true;
    f->unreachable = false;
    return push_vals(s, f->params, f->np);
  }
  case 0x07: case 0x19: { /* legacy catch / catch_all */
    frame_t *f = &s->frames[s->nframes - 1];
    if (f->op != 0x06 && f->op != 0x07) return err(s, "%s without a matching try", opname(s));
    if (f->op == 0x07 && f->has_else) return err(s, "catch after catch_all");
    if (!check_frame_end(s, f)) return false;
    f->op = 0x07;
    f->unreachable = false;
    if (in->op == 0x19) {
      f->has_else = true;
      return true;
    }
    if (!check_tag(s, in->a, &ft)) return false;
    return push_vals(s, ft->params, ft->nparams);
  }
  case 0x18: { /* legacy delegate: ends a try */
    frame_t *f = &s->frames[s->nframes - 1];
    if (f->op != 0x06) return err(s, "delegate without a matching try");
    if (!check_frame_end(s, f)) return false;
    if (in->a >= s->nframes - 1) return err(s, "unknown label %u", in->a);
    frame_t done = *f;
    s->nframes--;
    return push_vals(s, results_of(&done), done.nr);
  }
  case 0x09: { /* legacy rethrow */
    if (in->a >= s->nframes) return err(s, "unknown label %u", in->a);
    if (s->frames[s->nframes - 1 - in->a].op != 0x07)
      return err(s, "invalid rethrow label: %u is not a catch block", in->a);
    set_unreachable(s);
    return true;
  }
  case 0x0b: {
    frame_t *f = &s->frames[s->nframes - 1];
    if (!check_frame_end(s, f)) return false;
    if (f->op == 0x04 && !f->has_else && !same_types(f->params, f->np, results_of(f), f->nr))
      return err(s, "type mismatch: if without else must leave its parameters as results");
    frame_t done = *f;
    s->nframes--;
    if (s->nframes == 0) return true;
    return push_vals(s, results_of(&done), done.nr);
  }
  case 0x0c:
    if (!label_types(s, in->a, &ts, &n) || !pop_vals(s, ts, n)) return false;
    set_unreachable(s);
    return true;
  case 0x0d:
    return pop(s, WASMPLUG_I32) && label_types(s, in->a, &ts, &n) && branch_check(s, ts, n);
  case 0x0e: {
    if (!pop(s, WASMPLUG_I32)) return false;
    const wasmplug_valkind_t *dts;
    uint32_t dn;
    if (in->n > WP_MAX_BR_TABLE) return err(s, "br_table has too many targets (%u)", in->n);
    if (!label_types(s, in->a, &dts, &dn)) return false;
    wp_reader_t lr = *s->r;
    lr.p = in->vec;
    lr.err = NULL;
    for (uint32_t i = 0; i < in->n; i++) {
      uint32_t l;
      wp_read_label(&lr, &l);
      if (!label_types(s, l, &ts, &n)) return false;
      if (n != dn) return err(s, "type mismatch: br_table targets have different arities (%u and %u)", n, dn);
      if (!branch_check(s, ts, n)) return false;
    }
    if (!pop_vals(s, dts, dn)) return false;
    set_unreachable(s);
    return true;
  }
  case 0x0f:
    if (!pop_vals(s, s->type->results, s->type->nresults)) return false;
    set_unreachable(s);
    return true;
  case 0x10: case 0x12: {
    if (in->a >= wp_nfuncs(m)) return err(s, "unknown function %u", in->a);
    ft = wp_modinfo_functype(m, in->a);
    if (!pop_vals(s, ft->params, ft->nparams)) return false;
    if (in->op == 0x12) {
      if (!same_types(ft->results, ft->nresults, s->type->results, s->type->nresults))
        return err(s, "type mismatch: return_call's callee results differ from the caller's");
      set_unreachable(s);
      return true;
    }
    return push_vals(s, ft->results, ft->nresults);
  }
  case 0x11: case 0x13: {
    if (!check_table(s, in->b, &elem, &idx)) return false;
    if (elem != WASMPLUG_FUNCREF)
      return err(s, "type mismatch: call_indirect needs a funcref table, table %u holds %s",
                 in->b, wasmplug_valkind_name(elem));
    if (!check_func_type(s, in->a, &ft)) return false;
    if (!pop(s, idx) || !pop_vals(s, ft->params, ft->nparams)) return false;
    if (in->op == 0x13) {
      if (!same_types(ft->results, ft->nresults, s->type->results, s->type->nresults))
        return err(s, "type mismatch: return_call_indirect's callee results differ from the "
                      "caller's");
      set_unreachable(s);
      return true;
    }
    return push_vals(s, ft->results, ft->nresults);
  }
  case 0x08:
    if (!check_tag(s, in->a, &ft) || !pop_vals(s, ft->params, ft->nparams)) return false;
    set_unreachable(s);
    return true;
  case 0x0a:
    if (!pop(s, WP_EXNREF)) return false;
    set_unreachable(s);
    return true;
  case 0x1f: {
    wp_reader_t cr = *s->r;
    cr.p = in->vec;
    cr.err = NULL;
    /* labels are relative to the enclosing frames (the try_table's own
    ** frame is pushed after its catches are checked) */
    for (uint32_t i = 0; i < in->n; i++) {
      wp_catch_t c;
      wp_read_catch(&cr, &c);
      wasmplug_valkind_t carried[1024];
      uint32_t nc = 0;
      if (c.kind == WP_CATCH || c.kind == WP_CATCH_REF) {
        if (!check_tag(s, c.tag, &ft)) return false;
        if (ft->nparams > 1023) return err(s, "tag has too many parameters");
        memcpy(carried, ft->params, ft->nparams * sizeof *carried);
        nc = ft->nparams;
      }
      if (c.kind == WP_CATCH_REF || c.kind == WP_CATCH_ALL_REF) carried[nc++] = WP_EXNREF;
      if (!label_types(s, c.label, &ts, &n)) return false;
      if (!same_types(carried, nc, ts, n))
        return err(s, "type mismatch: catch clause %u carries values its label %u does not take",
                   i, c.label);
    }
    return push_frame(s, 0x1f, in->bt);
  }
  case 0x1a: return pop(s, WP_BOT);
  case 0x1b: case 0x1c: {
    if (in->op == 0x1c && in->n != 1) return err(s, "invalid result arity: select takes one type");
    wasmplug_valkind_t want = WP_BOT, a, b;
    if (in->op == 0x1c) {
      wp_reader_t tr = *s->r;
      tr.p = in->vec;
      tr.err = NULL;
      wp_rd_valtype(&tr, &want);
    }
    if (!pop(s, WASMPLUG_I32) || !pop_as(s, want, &a) || !pop_as(s, want, &b)) return false;
    if (in->op == 0x1b) {
      if ((a != WP_BOT && wp_is_ref(a)) || (b != WP_BOT && wp_is_ref(b)))
        return err(s, "type mismatch: select without a type cannot choose references");
      if (a != b && a != WP_BOT && b != WP_BOT)
        return err(s, "type mismatch: select operands %s and %s differ", wasmplug_valkind_name(b),
                   wasmplug_valkind_name(a));
      return push(s, a != WP_BOT ? a : b);
    }
    return push(s, want);
  }
  case 0x20: case 0x21: case 0x22:
    if (in->a >= s->nlocals) return err(s, "unknown local %u", in->a);
    t = s->locals[in->a];
    if (in->op == 0x20) return push(s, t);
    if (!pop(s, t)) return false;
    return in->op == 0x21 || push(s, t);
  case 0x23: case 0x24: {
    if (in->a >= wp_nglobals(m)) return err(s, "unknown global %u", in->a);
    bool mut;
    wp_modinfo_global(m, in->a, &t, &mut);
    if (in->op == 0x23) return push(s, t);
    if (!mut) return err(s, "global is immutable: global.set %u", in->a);
    return pop(s, t);
  }
  case 0x25:
    return check_table(s, in->a, &elem, &idx) && pop(s, idx) && push(s, elem);
  case 0x26:
    return check_table(s, in->a, &elem, &idx) && pop(s, elem) && pop(s, idx);
  case WP_OP_FC + 15: /* table.grow */
    return check_table(s, in->a, &elem, &idx) && pop(s, idx) && pop(s, elem) && push(s, idx);
  case WP_OP_FC + 16: return check_table(s, in->a, &elem, &idx) && push(s, idx);
  case WP_OP_FC + 17: /* table.fill */
    return check_table(s, in->a, &elem, &idx) && pop(s, idx) && pop(s, elem) && pop(s, idx);
  case WP_OP_FC + 14: { /* table.copy */
    wasmplug_valkind_t e2 = WASMPLUG_FUNCREF, i2 = WASMPLUG_I32;
    if (!check_table(s, in->a, &elem, &idx) || !check_table(s, in->b, &e2, &i2)) return false;
    if (elem != e2)
      return err(s, "type mismatch: table.copy from a %s table to a %s table",
                 wasmplug_valkind_name(e2), wasmplug_valkind_name(elem));
    /* the length is i64 only if both tables are 64-bit */
    wasmplug_valkind_t len = idx == WASMPLUG_I64 && i2 == WASMPLUG_I64 ? WASMPLUG_I64 : WASMPLUG_I32;
    return pop(s, len) && pop(s, i2) && pop(s, idx);
  }
  case WP_OP_FC + 12: /* table.init */
    if (!check_table(s, in->b, &elem, &idx)) return false;
    if (in->a >= m->nelems) return err(s, "unknown elem segment %u", in->a);
    if (m->elems[in->a].type != elem)
      return err(s, "type mismatch: table.init of a %s segment into a %s table",
                 wasmplug_valkind_name(m->elems[in->a].type), wasmplug_valkind_name(elem));
    return pop(s, WASMPLUG_I32) && pop(s, WASMPLUG_I32) && pop(s, idx);
  case WP_OP_FC + 13:
    if (in->a >= m->nelems) return err(s, "unknown elem segment %u", in->a);
    return true;
  case 0x3f: return check_mem(s, in->mem, &addr) && push(s, addr);
  case 0x40: return check_mem(s, in->mem, &addr) && pop(s, addr) && push(s, addr);
  case WP_OP_FC + 8: /* memory.init */
    if (!check_mem(s, in->mem, &addr)) return false;
    if (!m->has_datacount) return err(s, "data count section required for memory.init");
    if (in->a >= m->ndatas) return err(s, "unknown data segment %u", in->a);
    return pop(s, WASMPLUG_I32) && pop(s, WASMPLUG_I32) && pop(s, addr);
  case WP_OP_FC + 9:
    if (!m->has_datacount) return err(s, "data count section required for data.drop");
    if (in->a >= m->ndatas) return err(s, "unknown data segment %u", in->a);
    return true;
  case WP_OP_FC + 10: { /* memory.copy */
    wasmplug_valkind_t a2 = WASMPLUG_I32;
    if (!check_mem(s, in->mem, &addr) || !check_mem(s, in->b, &a2)) return false;
    wasmplug_valkind_t len = addr == WASMPLUG_I64 && a2 == WASMPLUG_I64 ? WASMPLUG_I64 : WASMPLUG_I32;
    return pop(s, len) && pop(s, a2) && pop(s, addr);
  }
  case WP_OP_FC + 11:
    return check_mem(s, in->mem, &addr) && pop(s, addr) && pop(s, WASMPLUG_I32) && pop(s, addr);
  case 0xd0: return push(s, (wasmplug_valkind_t)in->a);
  case 0xd1: {
    wasmplug_valkind_t got;
    if (!pop_as(s, WP_BOT, &got)) return false;
    if (got != WP_BOT && !wp_is_ref(got))
      return err(s, "type mismatch: ref.is_null expects a reference but found %s",
                 wasmplug_valkind_name(got));
    return push(s, WASMPLUG_I32);
  }
  case 0xd2:
    if (in->a >= wp_nfuncs(m)) return err(s, "unknown function %u", in->a);
    if (!s->v->declared[in->a])
      return err(s, "undeclared function reference %u (ref.func needs the function in an "
                    "element segment, an export or a global)", in->a);
    return push(s, WASMPLUG_FUNCREF);
  case WP_OP_FD + 0x0d:
    for (int i = 0; i < 16; i++)
      if (in->imm.v128[i] >= 32) return err(s, "invalid lane index %u", in->imm.v128[i]);
    return by_sig(s, oi->sig, WASMPLUG_I32);
  default: break;
  }
  if (oi->imm == WP_IMM_LANE && in->lane >= lanes_of(in->op))
    return err(s, "invalid lane index %u", in->lane);
  if (oi->imm == WP_IMM_MEMARG || oi->imm == WP_IMM_MEMARG_LANE) {
    if (!memarg(s, in, &addr)) return false;
    if (oi->imm == WP_IMM_MEMARG_LANE && in->lane >= lanes_of(in->op))
      return err(s, "invalid lane index %u", in->lane);
    return by_sig(s, oi->sig, addr);
  }
  if (oi->sig) return by_sig(s, oi->sig, WASMPLUG_I32);
  return err(s, "internal error: no typing rule for %s", opname(s));
}

bool wp_validate_body(wp_validator_t *v, uint32_t i) {
  const wp_modinfo_t *m = v->m;
  wp_span_t body = m->bodies[i];
  wp_reader_t r = {v->r->start + body.off, v->r->start, v->r->start + body.off + body.len,
                   v->r->name, NULL};
  vstate_t s;
  memset(&s, 0, sizeof s);
  s.v = v;
  s.m = m;
  s.r = &r;
  s.func = i;
  s.type = &m->types[m->func_types[i]];
  bool ok = false;
  if (body.len > WP_MAX_BODY_SIZE) {
    err(&s, "function body too large (%u bytes)", body.len);
    goto out;
  }
  /* locals: the parameters, then the declared groups */
  uint32_t ngroups;
  uint64_t total = s.type->nparams;
  if (!wp_rd_count(&r, 2, &ngroups)) goto out;
  const uint8_t *groups = r.p;
  for (uint32_t g = 0; g < ngroups; g++) {
    uint32_t cnt;
    wasmplug_valkind_t t;
    if (!wp_rd_u32(&r, &cnt) || !wp_rd_valtype(&r, &t)) goto out;
    total += cnt;
    if (total > WP_MAX_LOCALS) {
      err(&s, "too many locals");
      goto out;
    }
  }
  s.nlocals = (uint32_t)total;
  s.locals = malloc((total ? total : 1) * sizeof *s.locals);
  if (!s.locals) {
    err(&s, "out of memory");
    goto out;
  }
  memcpy(s.locals, s.type->params, s.type->nparams * sizeof *s.locals);
  {
    wp_reader_t gr = r;
    gr.p = groups;
    uint32_t k = s.type->nparams;
    for (uint32_t g = 0; g < ngroups; g++) {
      uint32_t cnt;
      wasmplug_valkind_t t;
      wp_rd_u32(&gr, &cnt);
      wp_rd_valtype(&gr, &t);
      if (t == WASMPLUG_V128) v->features |= WP_FEAT_SIMD;
      if (t == WP_EXNREF) v->features |= WP_FEAT_EH;
      for (uint32_t c = 0; c < cnt; c++) s.locals[k++] = t;
    }
  }
  if (!push_frame(&s, 0, 0)) goto out;
  wp_instr_t in;
  while (s.nframes) {
    if (r.p >= r.end) {
      wp_rd_fail(&r, "unexpected end of function body (END opcode expected)");
      goto out;
    }
    if (!wp_read_instr(&r, &in)) goto out;
    s.in = &in;
    if (!instr(&s, &in)) goto out;
  }
  if (r.p != r.end) {
    wp_rd_fail(&r, "unexpected content after the function's last END (function %u)",
               m->nimported_funcs + i);
    goto out;
  }
  ok = true;
out:
  if (!ok) {
    v->r->err = r.err;
    if (!v->r->err) v->r->err = wp_strdup("out of memory");
  }
  free(s.locals);
  free(s.vals);
  free(s.frames);
  return ok;
}
