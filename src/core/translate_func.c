/*
** translate_func.c — one function body to C.
**
** The operand stack is translated symbolically: each stack entry is a C
** expression, and an instruction combines its operands' expressions into a
** new one, so `local.get 0 local.get 1 i32.add local.set 2` becomes
** `l2 = l0 + l1;` instead of four statements.  That is what makes the
** baseline tier fast (libtcc does no register allocation: each statement
** stores to and reloads from the stack frame) and the C small for both.
**
** An expression stays pending until something forces it into its stack
** slot variable (s<depth><type letter>): control flow (every block
** boundary and branch puts all values in their slots), or an effect that
** could change what it reads or the order of traps:
**  - local.set/tee of a local it reads;
**  - a store, call, global.set, memory.grow, table write... when it reads
**    memory, globals or tables, or may trap (a trap must happen before any
**    effect that follows it in the program);
**  - a new expression that may trap while it may trap in another way
**    (C leaves the order of operand evaluation open; two loads that may
**    both trap out of bounds are indistinguishable, so they may stay).
** Operands of trapping helpers are passed as function arguments, which C
** evaluates before the call, so a division's operands trap before it.
** Writing slot d first forces out any pending expression below that reads
** slot d (an entry at depth i only reads slots >= i).
**
** Control flow is gotos: a block's end, a loop's start and an if's else are
** labels; a branch copies its values into the target's slots first.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "translate.h"
#include "validate.h"

#define XF_MEM 1u    /* reads linear memory (or its size) */
#define XF_GLOB 2u   /* reads a mutable global */
#define XF_TAB 4u    /* reads a table */
#define XF_TRAPM 8u  /* may trap out of bounds (memory access) */
#define XF_TRAPO 16u /* may trap another way */
#define XF_TRAP (XF_TRAPM | XF_TRAPO)
#define MAXLOC 3
#define LOC_MANY (MAXLOC + 1)
#define MAX_EXPR_DEPTH 24
#define MAX_EXPR_LEN 1500

typedef struct xent {
  wasmplug_valkind_t t;
  const char *c; /* NULL: the value is in its slot variable */
  uint8_t fl;
  uint8_t nloc;  /* locals read (LOC_MANY: too many to list) */
  uint16_t depth;
  uint8_t lw;    /* baseline: width of a load tcc may still hold unloaded (below) */
  uint32_t loc[MAXLOC];
  int32_t shi;   /* highest slot read, -1: none */
} xent_t;

enum { K_FUNC, K_BLOCK, K_LOOP, K_IF, K_TRY };

typedef struct xframe {
  uint8_t kind;
  uint32_t label;
  uint32_t h; /* height below the parameters */
  uint32_t np, nr;
  const wasmplug_valkind_t *pt, *rt;
  wasmplug_valkind_t one;
  bool is_one, has_else, live_end, used_end;
} xframe_t;

typedef struct arena_blk {
  struct arena_blk *next;
  size_t used, cap;
  char data[];
} arena_blk_t;

typedef struct fx {
  const wp_xmod_t *x;
  const wp_modinfo_t *mi;
  uint32_t func; /* absolute index */
  const wp_functype_t *type;
  wp_buf_t body;
  arena_blk_t *arena;
  xent_t *st;
  uint32_t nst, capst;
  xframe_t *fr;
  uint32_t nfr, capfr;
  uint32_t nlabels;
  wasmplug_valkind_t *locals;
  uint32_t nlocals;
  uint8_t *slots; /* slots[d] bit t: s<d><t> is used */
  uint32_t capslots;
  uint8_t *mems_used;
  uint8_t *plain; /* loads that need no barrier (translate_loads.c); NULL: all do */
  uint32_t body_off;
  bool dead;
  bool tail; /* makes tail calls: the body is F<N>_t (translate.c) */
  wp_buf_t tries; /* try_table handlers to declare ("h<label>, ...") */
  uint32_t dead_nest;
  wp_reader_t *r;
  /* a byte-copy loop's fast path jumps to Y<y_label>, after the br_if at
  ** module offset y_off (bulk_loop) */
  bool y_pending;
  uint32_t y_off, y_label;
  char *err;
} fx_t;

/* ------------------------------------------------------------ utilities */

const char *wp_ctype(wasmplug_valkind_t t) {
  switch ((int)t) {
  case WASMPLUG_I32: return "u32";
  case WASMPLUG_I64: return "u64";
  case WASMPLUG_F32: return "f32";
  case WASMPLUG_F64: return "f64";
  case WASMPLUG_V128: return "v128";
  case WASMPLUG_FUNCREF: return "wp_fr";
  default: return "void *"; /* externref, exnref */
  }
}

char wp_tletter(wasmplug_valkind_t t) {
  static const char l[] = "ijfdvrex";
  return (unsigned)t < 8 ? l[t] : 'z';
}

static bool fail(fx_t *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(fx_t *f, const char *fmt, ...) {
  if (f->err) return false;
  va_list ap;
  va_start(ap, fmt);
  char *what = wp_vformat(fmt, ap);
  va_end(ap);
  f->err = wp_format("%s: function %u: %s", f->x->m->name, f->func, what ? what : "out of memory");
  free(what);
  return false;
}

static char *aalloc(fx_t *f, size_t n) {
  arena_blk_t *b = f->arena;
  if (!b || b->used + n > b->cap) {
    size_t cap = n + 1 > 65536 ? n + 1 : 65536;
    arena_blk_t *nb = malloc(sizeof *nb + cap);
    if (!nb) {
      fail(f, "out of memory");
      return NULL;
    }
    nb->next = b;
    nb->used = 0;
    nb->cap = cap;
    f->arena = b = nb;
  }
  char *p = b->data + b->used;
  b->used += n;
  return p;
}

static const char *afmt(fx_t *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *afmt(fx_t *f, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = wp_vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return "0";
  char *p = aalloc(f, (size_t)n + 1);
  if (!p) return "0";
  if ((size_t)n < sizeof small) {
    memcpy(p, small, (size_t)n + 1);
  } else {
    va_start(ap, fmt);
    wp_vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  return p;
}

static void emit(fx_t *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(fx_t *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wp_buf_vprintf(&f->body, fmt, ap);
  va_end(ap);
}

static void use_slot(fx_t *f, uint32_t d, wasmplug_valkind_t t) {
  if (d >= f->capslots) {
    uint32_t cap = f->capslots ? f->capslots : 64;
    while (cap <= d) cap *= 2;
    uint8_t *n = realloc(f->slots, cap);
    if (!n) {
      fail(f, "out of memory");
      return;
    }
    memset(n + f->capslots, 0, cap - f->capslots);
    f->slots = n;
    f->capslots = cap;
  }
  f->slots[d] |= (uint8_t)(1u << t);
}

static const char *slot(fx_t *f, uint32_t d, wasmplug_valkind_t t) {
  use_slot(f, d, t);
  return afmt(f, "s%u%c", d, wp_tletter(t));
}

/* The C of entry i. */
static const char *text(fx_t *f, uint32_t i) {
  xent_t *e = &f->st[i];
  return e->c ? e->c : slot(f, i, e->t);
}

static bool simple(const char *c) {
  for (const char *p = c; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '_' || *p == '.'))
      return false;
  return true;
}

/* Entry i as an operand: parenthesised unless atomic. */
static const char *operand(fx_t *f, uint32_t i) {
  const char *c = text(f, i);
  return simple(c) ? c : afmt(f, "(%s)", c);
}

/* ------------------------------------------------------- the value stack */

static bool grow_stack(fx_t *f) {
  if (f->nst < f->capst) return true;
  uint32_t cap = f->capst ? f->capst * 2 : 64;
  xent_t *n = realloc(f->st, cap * sizeof *n);
  if (!n) return fail(f, "out of memory");
  f->st = n;
  f->capst = cap;
  return true;
}

static void materialize(fx_t *f, uint32_t j);

/* Before slot d is written: anything pending below that reads it goes out. */
static void hazard(fx_t *f, uint32_t d) {
  for (uint32_t i = 0; i < d && i < f->nst; i++)
    if (f->st[i].c && f->st[i].shi >= (int32_t)d) materialize(f, i);
}

static void materialize(fx_t *f, uint32_t j) {
  xent_t *e = &f->st[j];
  if (!e->c) return;
  hazard(f, j);
  emit(f, "%s = %s;\n", slot(f, j, e->t), e->c);
  e->c = NULL;
  e->fl = 0;
  e->nloc = 0;
  e->depth = 0;
  e->lw = 0;
  e->shi = (int32_t)j;
}

static void flush_all(fx_t *f) {
  for (uint32_t i = 0; i < f->nst; i++) materialize(f, i);
}

/* Materializes pending entries below `below` with any of `flags`. */
static void flush_flags(fx_t *f, uint32_t below, unsigned flags) {
  for (uint32_t i = 0; i < below && i < f->nst; i++)
    if (f->st[i].c && (f->st[i].fl & flags)) materialize(f, i);
}

static bool reads_local(const xent_t *e, uint32_t l) {
  if (e->nloc == LOC_MANY) return true;
  for (uint32_t k = 0; k < e->nloc; k++)
    if (e->loc[k] == l) return true;
  return false;
}

static void flush_local(fx_t *f, uint32_t l) {
  for (uint32_t i = 0; i < f->nst; i++)
    if (f->st[i].c && reads_local(&f->st[i], l)) materialize(f, i);
}

/* Pushes a value already in its slot (block results, call results). */
static void push_slot(fx_t *f, wasmplug_valkind_t t) {
  if (!grow_stack(f)) return;
  xent_t *e = &f->st[f->nst++];
  memset(e, 0, sizeof *e);
  e->t = t;
  e->shi = (int32_t)(f->nst - 1);
  use_slot(f, f->nst - 1, t);
}

/* A constant the translator wrote (i32/i64.const: "<digits>u", "<digits>ull"). */
static bool is_const(const xent_t *e) { return e->c && e->c[0] >= '0' && e->c[0] <= '9'; }

/* Pushes expression `c` built from the `nops` entries just popped (still in
** f->st[f->nst .. f->nst + nops)), adding `fl`. */
static void push_expr(fx_t *f, wasmplug_valkind_t t, const char *c, uint32_t nops, unsigned fl) {
  xent_t e;
  memset(&e, 0, sizeof e);
  e.t = t;
  e.c = c;
  e.fl = (uint8_t)fl;
  e.shi = -1;
  bool any_const = false;
  for (uint32_t k = 0; k < nops; k++) any_const |= is_const(&f->st[f->nst + k]);
  for (uint32_t k = 0; k < nops; k++) {
    const xent_t *o = &f->st[f->nst + k];
    e.fl |= o->fl;
    if ((nops == 1 || any_const) && o->lw > e.lw) e.lw = o->lw;
    if (o->depth + 1 > e.depth) e.depth = (uint16_t)(o->depth + 1);
    int32_t oshi = o->c ? o->shi : (int32_t)(f->nst + k);
    if (oshi > e.shi) e.shi = oshi;
    if (o->nloc == LOC_MANY) {
      e.nloc = LOC_MANY;
    } else {
      for (uint32_t i = 0; i < o->nloc && e.nloc != LOC_MANY; i++) {
        bool have = false;
        for (uint32_t j = 0; j < e.nloc; j++) have |= e.loc[j] == o->loc[i];
        if (have) continue;
        if (e.nloc == MAXLOC) e.nloc = LOC_MANY;
        else e.loc[e.nloc++] = o->loc[i];
      }
    }
  }
  /* Trap order: only loads may stay pending side by side. */
  if (e.fl & XF_TRAP)
    for (uint32_t i = 0; i < f->nst; i++) {
      const xent_t *o = &f->st[i];
      if (o->c && (o->fl & XF_TRAP) && ((o->fl | e.fl) & XF_TRAPO)) materialize(f, i);
    }
  if (!grow_stack(f)) return;
  f->st[f->nst++] = e;
  if (e.depth > MAX_EXPR_DEPTH || strlen(c) > MAX_EXPR_LEN) materialize(f, f->nst - 1);
}

static void push_leaf(fx_t *f, wasmplug_valkind_t t, const char *c, unsigned fl, int32_t local) {
  if (!grow_stack(f)) return;
  xent_t *e = &f->st[f->nst++];
  memset(e, 0, sizeof *e);
  e->t = t;
  e->c = c;
  e->fl = (uint8_t)fl;
  e->shi = -1;
  if (local >= 0) {
    e->nloc = 1;
    e->loc[0] = (uint32_t)local;
  }
}

/* ----------------------------------------------------------- frames */

static xframe_t *push_frame(fx_t *f, uint8_t kind, int64_t bt) {
  if (f->nfr == f->capfr) {
    uint32_t cap = f->capfr ? f->capfr * 2 : 16;
    xframe_t *n = realloc(f->fr, cap * sizeof *n);
    if (!n) {
      fail(f, "out of memory");
      return NULL;
    }
    f->fr = n;
    f->capfr = cap;
  }
  xframe_t *fr = &f->fr[f->nfr++];
  memset(fr, 0, sizeof *fr);
  fr->kind = kind;
  fr->label = f->nlabels++;
  if (kind == K_FUNC) {
    fr->pt = f->type->params;
    fr->np = f->type->nparams;
    fr->rt = f->type->results;
    fr->nr = f->type->nresults;
  } else {
    wp_blocktype(f->mi, bt, &fr->one, &fr->pt, &fr->np, &fr->rt, &fr->nr);
    fr->is_one = bt >= WP_BT_VAL;
  }
  fr->h = f->nst - fr->np;
  return fr;
}

static const wasmplug_valkind_t *frame_results(const xframe_t *fr) {
  return fr->is_one ? &fr->one : fr->rt;
}

/* Moves the top n values (in their slots) to slots [h, h + n). */
static void copy_down(fx_t *f, uint32_t h, uint32_t n) {
  uint32_t from = f->nst - n;
  if (from == h) return;
  for (uint32_t k = 0; k < n; k++) {
    wasmplug_valkind_t t = f->st[from + k].t;
    emit(f, "%s = %s;\n", slot(f, h + k, t), slot(f, from + k, t));
  }
}

/* The outermost try_table among frames [from, nfr), or -1. */
static int32_t outer_try(fx_t *f, uint32_t from) {
  for (uint32_t j = from; j < f->nfr; j++)
    if (f->fr[j].kind == K_TRY) return (int32_t)j;
  return -1;
}

/* Leaving frames [from, nfr): their exception handlers are popped (the
** chain goes back to what it was before the outermost of them). */
static void pop_tries(fx_t *f, uint32_t from) {
  int32_t j = outer_try(f, from);
  if (j >= 0) emit(f, "*hp_ = h%u.prev; ", f->fr[j].label);
}

/* The statement that returns the top nr values (after evaluating anything
** below that may still trap). */
static void emit_return(fx_t *f) {
  uint32_t nr = f->type->nresults;
  flush_flags(f, f->nst - nr, XF_TRAP);
  pop_tries(f, 1);
  if (f->tail) { /* results go to the trampoline's buffer */
    for (uint32_t k = 0; k < nr; k++)
      emit(f, "tc->a[%u].%c = %s; ", k, wp_tletter(f->type->results[k]), text(f, f->nst - nr + k));
    emit(f, "tc->fn = 0; return;\n");
  } else if (nr == 0) {
    emit(f, "return;\n");
  } else if (nr == 1) {
    emit(f, "return %s;\n", text(f, f->nst - 1));
  } else {
    emit(f, "{ wp_r_");
    for (uint32_t k = 0; k < nr; k++) emit(f, "%c", wp_tletter(f->type->results[k]));
    emit(f, " r_;");
    for (uint32_t k = 0; k < nr; k++) emit(f, " r_.r%u = %s;", k, text(f, f->nst - nr + k));
    emit(f, " return r_; }\n");
  }
}

/* Emits a branch to label l (values already flushed). */
static void emit_branch(fx_t *f, uint32_t l) {
  xframe_t *t = &f->fr[f->nfr - 1 - l];
  if (t->kind == K_FUNC) {
    emit_return(f);
    return;
  }
  pop_tries(f, f->nfr - l);
  if (t->kind == K_LOOP) {
    copy_down(f, t->h, t->np);
    emit(f, "goto L%u;\n", t->label);
  } else {
    copy_down(f, t->h, t->nr);
    t->used_end = true;
    emit(f, "goto L%u;\n", t->label);
  }
}

static uint32_t branch_arity(fx_t *f, uint32_t l) {
  xframe_t *t = &f->fr[f->nfr - 1 - l];
  return t->kind == K_LOOP ? t->np : t->nr;
}

static void set_dead(fx_t *f) {
  f->dead = true;
  f->dead_nest = 0;
}

/* -------------------------------------------------------- instructions */

static const char *mem_base(fx_t *f, uint32_t mem) {
  f->mems_used[mem] = 1;
  return afmt(f, "M%u", mem);
}

static bool mem_is64(fx_t *f, uint32_t mem) {
  uint8_t flags;
  wp_modinfo_memory(f->mi, mem, NULL, &flags);
  return flags & WP_MEM_64;
}

static bool table_is64(fx_t *f, uint32_t t) {
  uint8_t flags;
  wp_modinfo_table(f->mi, t, NULL, NULL, &flags);
  return flags & WP_MEM_64;
}

/* The effective address of an access at entry `ai` with `offset`. */
static const char *address(fx_t *f, uint32_t ai, uint32_t mem, uint64_t offset) {
  const char *base = mem_base(f, mem);
  const xent_t *a = &f->st[ai];
  if (mem_is64(f, mem))
    return afmt(f, "(%s + wp_ea64(%s, %lluull))", base, text(f, ai), (unsigned long long)offset);
  const char *c = text(f, ai);
  char *end;
  unsigned long long k = a->c ? strtoull(c, &end, 10) : 0;
  if (a->c && end != c && !strcmp(end, "u")) /* a constant address */
    return afmt(f, "(%s + %lluull)", base, k + offset);
  if (offset) return afmt(f, "(%s + (u64)%s + %lluu)", base, operand(f, ai), (unsigned long long)offset);
  return afmt(f, "(%s + (u64)%s)", base, operand(f, ai));
}

/* Fills a C template: $0.. operands (entries at st[base..]), $A address. */
static const char *fill(fx_t *f, const char *tpl, uint32_t base, const char *addr) {
  wp_buf_t b = {0};
  for (const char *p = tpl; *p; p++) {
    if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
      wp_buf_puts(&b, operand(f, base + (uint32_t)(p[1] - '0')));
      p++;
    } else if (*p == '$' && p[1] == 'A') {
      wp_buf_puts(&b, addr);
      p++;
    } else {
      wp_buf_put(&b, p, 1);
    }
  }
  const char *r = b.oom ? "0" : afmt(f, "%s", b.s ? b.s : "");
  if (b.oom) fail(f, "out of memory");
  wp_buf_free(&b);
  return r;
}

static wasmplug_valkind_t sig_result(const char *sig, wasmplug_valkind_t addr) {
  const char *c = strchr(sig, ':');
  return c[1] ? wp_sig_type(c[1], addr) : WP_BOT;
}

static uint32_t sig_nparams(const char *sig) { return (uint32_t)(strchr(sig, ':') - sig); }

static const char *const_f32(fx_t *f, uint32_t bits) {
  float v;
  memcpy(&v, &bits, 4);
  if ((bits & 0x7f800000u) == 0x7f800000u) return afmt(f, "wp_float32(0x%08xu)", bits);
  return afmt(f, "%af", (double)v);
}

static const char *const_f64(fx_t *f, uint64_t bits) {
  double v;
  memcpy(&v, &bits, 8);
  if ((bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull)
    return afmt(f, "wp_float64(0x%016llxull)", (unsigned long long)bits);
  return afmt(f, "%a", v);
}

static const char *global_ref(fx_t *f, uint32_t g) {
  return g < f->mi->nimported_globals ? afmt(f, "(*I->g%u)", g) : afmt(f, "I->g%u", g);
}

/* A call statement: arguments are the top np entries; results go to slots. */
static void emit_call(fx_t *f, const wp_functype_t *ft, const char *callee, const char *self,
                      bool indirect_prefix, const char *prefix) {
  uint32_t np = ft->nparams, nr = ft->nresults;
  uint32_t base = f->nst - np;
  flush_flags(f, base, XF_MEM | XF_GLOB | XF_TAB | XF_TRAP);
  wp_buf_t call = {0};
  /* self NULL: a defined function of this module that takes no instance
  ** (wp_xlate_takes_inst), WP_IA its (empty where pinned) instance argument */
  if (self) wp_buf_printf(&call, "%s(%s", callee, self);
  else wp_buf_printf(&call, "%s(%s", callee, np ? "WP_IA " : "WP_IA0");
  for (uint32_t k = 0; k < np; k++) wp_buf_printf(&call, "%s%s", k || self ? ", " : "", text(f, base + k));
  wp_buf_puts(&call, ")");
  f->nst = base;
  for (uint32_t k = 0; k < nr; k++) hazard(f, base + k);
  if (indirect_prefix) emit(f, "{ %s ", prefix);
  if (nr == 0) {
    emit(f, "%s;", call.s);
  } else if (nr == 1) {
    emit(f, "%s = %s;", slot(f, base, ft->results[0]), call.s);
  } else {
    emit(f, "{ wp_r_");
    for (uint32_t k = 0; k < nr; k++) emit(f, "%c", wp_tletter(ft->results[k]));
    emit(f, " r_ = %s;", call.s);
    for (uint32_t k = 0; k < nr; k++) emit(f, " %s = r_.r%u;", slot(f, base + k, ft->results[k]), k);
    emit(f, " }");
  }
  emit(f, indirect_prefix ? " }\n" : "\n");
  if (call.oom) fail(f, "out of memory");
  wp_buf_free(&call);
  for (uint32_t k = 0; k < nr; k++) push_slot(f, ft->results[k]);
}

static void op_call(fx_t *f, uint32_t callee) {
  const wp_functype_t *ft = wp_modinfo_functype(f->mi, callee);
  const char *name;
  bool defined = callee >= f->mi->nimported_funcs;
  /* baseline: every call through the function table; a hot object's
  ** calls of functions not in it: the same, into the baseline code */
  if (f->x->opts->baseline || (defined && f->x->opts->hot && !f->x->opts->hot[callee - f->mi->nimported_funcs])) {
    uint32_t ti = callee < f->mi->nimported_funcs
                      ? wp_modinfo_nth_import(f->mi, WASMPLUG_EXTERN_FUNC, callee)->type_index
                      : f->mi->func_types[callee - f->mi->nimported_funcs];
    name = afmt(f, "((wp_ft%u)I->ftab[%u])", ti, callee);
  } else {
    /* an import: its inline first test (translate.c: gen_import_calls) */
    name = afmt(f, callee < f->mi->nimported_funcs ? "F%ui" : "F%u", callee);
    if (!wp_xlate_takes_inst(f->mi, f->x->opts, f->x->esc, callee)) {
      emit_call(f, ft, name, NULL, false, NULL);
      return;
    }
  }
  emit_call(f, ft, name, "I", false, NULL);
}

/* Table k's wp_tab: a table the module defines is in the instance block
** itself (to[], which tp[] points to from instantiation on), one load
** fewer before a call_indirect's bound check than through tp[]. */
static const char *table_ptr(fx_t *f, uint32_t k) {
  if (k >= f->mi->nimported_tables) return afmt(f, "(&I->to[%u])", k - f->mi->nimported_tables);
  return afmt(f, "I->tp[%u]", k);
}

static void op_call_indirect(fx_t *f, uint32_t type, uint32_t table) {
  const wp_functype_t *ft = &f->mi->types[type];
  /* the index goes into wp_ci before the arguments are evaluated: anything
  ** in the arguments that may trap must happen first */
  uint32_t idx = f->nst - 1;
  flush_flags(f, idx, XF_TRAP);
  const char *ci = afmt(f, "const wp_fr *e_ = wp_ci(%s, %s, wp_tid[%u]);", table_ptr(f, table),
                        text(f, idx), type);
  f->nst--;
  emit_call(f, ft, afmt(f, "((wp_ft%u)e_->f)", type), "e_->i", true, ci);
}

/* return_call / return_call_indirect: the arguments into the trampoline's
** buffer, the callee's T<M> (or wp_tci<type> and the funcref) as the next
** function to run, and return (translate.c). */
static void op_return_call(fx_t *f, const wp_instr_t *in) {
  bool indirect = in->op == 0x13;
  const wp_functype_t *ft = indirect ? &f->mi->types[in->a] : wp_modinfo_functype(f->mi, in->a);
  uint32_t np = ft->nparams;
  uint32_t base = f->nst - np - indirect;
  /* what may trap below and in the arguments happens before the call */
  flush_flags(f, indirect ? f->nst - 1 : base, XF_TRAP);
  emit(f, "{ ");
  if (indirect)
    emit(f, "const wp_fr *e_ = wp_ci(%s, %s, wp_tid[%u]); ", table_ptr(f, in->b), text(f, f->nst - 1), in->a);
  for (uint32_t k = 0; k < np; k++) emit(f, "tc->a[%u].%c = %s; ", k, wp_tletter(ft->params[k]), text(f, base + k));
  pop_tries(f, 1);
  if (indirect)
    emit(f, "tc->I = (wp_inst *)e_->i; tc->tf = e_->f; tc->fn = wp_tail_find(e_->f); "
            "if (!tc->fn) tc->fn = (void *)wp_tci%u; return; }\n", in->a);
  else
    emit(f, "tc->I = I; tc->fn = (void *)T%u; return; }\n", in->a);
  f->nst = base;
  set_dead(f);
}

/* The baseline's loads: under tcc, wp.h's WP_LD(T, a) and WP_LDF(T, a) are
** the plain dereference (*(T *)(a)), which the translator writes itself:
** tcc then expands no macro per load (a cold start's C is mostly loads,
** and tcc's macro expansion was ~10 % of it: issue 18). */
static const char *tcc_load(fx_t *f, const char *tpl) {
  const char *p = strstr(tpl, "WP_LD");
  if (!p) return tpl;
  const char *lp = strchr(p, '('), *comma = lp ? strchr(lp, ',') : NULL;
  if (!comma || comma[1] != ' ') return tpl;
  const char *q = lp;
  for (int depth = 0; *q; q++)
    if (*q == '(') depth++;
    else if (*q == ')' && --depth == 0) break;
  if (!*q) return tpl;
  return afmt(f, "%.*s(*(%.*s *)(%.*s))%s", (int)(p - tpl), tpl, (int)(comma - lp - 1), lp + 1,
              (int)(q - comma - 2), comma + 2, q + 1);
}

/* The optimized tier's loads keep WP_LD's barrier unless translate_loads.c
** found that their trap cannot be lost: then a plain dereference, which gcc
** may fold into the instruction that uses it. */
static bool plain_load(fx_t *f, const wp_instr_t *in) {
  uint32_t at = in->off - f->body_off;
  return f->plain && in->op >= 0x28 && in->op <= 0x35 && (f->plain[at / 8] & (1u << (at % 8)));
}

/* The baseline's loads are plain dereferences, and tcc loads an lvalue only
** when it needs its value: a cast to a narrower type reads fewer bytes
** ((u16)*(u64 *)p is a 2-byte load), and x * 0, x & 0, x | ~0 drop x
** unread.  Either loses the trap of a load out of bounds, so an operand
** that may still be such a load (lw, kept through operations with a
** constant, which tcc may fold away) is first assigned to its slot, at its
** full width.  Rare in real code (stores of loaded bytes are 1-byte
** loads): the baseline stays as fast. */
static void tcc_keep_loads(fx_t *f, const wp_instr_t *in, uint32_t base) {
  static const struct { uint16_t op; uint8_t opnd, width; } narrow[] = {
      {0xa7, 0, 4}, {0xc0, 0, 1}, {0xc1, 0, 2}, {0xc2, 0, 1}, {0xc3, 0, 2}, {0xc4, 0, 4},
      {0x3a, 1, 1}, {0x3b, 1, 2}, {0x3c, 1, 1}, {0x3d, 1, 2}, {0x3e, 1, 4}};
  for (size_t k = 0; k < sizeof narrow / sizeof *narrow; k++)
    if (in->op == narrow[k].op && f->st[base + narrow[k].opnd].lw > narrow[k].width) materialize(f, base + narrow[k].opnd);
  const char *absorbing = in->op == 0x6c || in->op == 0x71 ? "0u"
                          : in->op == 0x7e || in->op == 0x83 ? "0ull"
                          : in->op == 0x72 ? "4294967295u"
                          : in->op == 0x84 ? "18446744073709551615ull" : NULL;
  for (uint32_t k = 0; absorbing && k < 2; k++) {
    const xent_t *c = &f->st[base + 1 - k];
    if (is_const(c) && !strcmp(c->c, absorbing) && f->st[base + k].lw) materialize(f, base + k);
  }
}

static bool op_simple(fx_t *f, const wp_instr_t *in, const wp_opinfo_t *oi, const char *tpl) {
  if (f->x->opts->baseline || plain_load(f, in)) tpl = tcc_load(f, tpl);
  wasmplug_valkind_t addr = WASMPLUG_I32;
  bool access = oi->imm == WP_IMM_MEMARG || oi->imm == WP_IMM_MEMARG_LANE;
  if (access) addr = mem_is64(f, in->mem) ? WASMPLUG_I64 : WASMPLUG_I32;
  uint32_t np = sig_nparams(oi->sig);
  wasmplug_valkind_t rt = sig_result(oi->sig, addr);
  uint32_t base = f->nst - np;
  if (f->x->opts->baseline) tcc_keep_loads(f, in, base);
  const char *a = access ? address(f, base, in->mem, in->offset) : NULL;
  if (rt == WP_BOT) { /* a store */
    flush_flags(f, base, XF_MEM | XF_TRAP);
    emit(f, "%s;\n", fill(f, tpl, base, a));
    f->nst = base;
    return true;
  }
  const char *c = fill(f, tpl, base, a);
  f->nst = base;
  unsigned fl = oi->trap == WP_TRAP_MEM ? XF_MEM | XF_TRAPM : oi->trap ? XF_TRAPO : 0;
  push_expr(f, rt, c, np, fl);
  if (f->x->opts->baseline && in->op >= 0x28 && in->op <= 0x35 && f->st[f->nst - 1].c)
    f->st[f->nst - 1].lw = (uint8_t)wp_op_access_size(in->op);
  return true;
}

/* try_table: its handler goes on the chain and setjmp marks where a throw
** lands: there each catch clause in turn compares the exception's tag,
** puts the values it carries in the slots its label takes (and frees an
** exception no exnref holds) and branches; no match throws it on.  The
** catch labels are relative to the frames around the try_table, which is
** where this code is emitted (before the try_table's frame is pushed). */
static bool op_try_table(fx_t *f, const wp_instr_t *in) {
  flush_all(f);
  wasmplug_valkind_t one;
  const wasmplug_valkind_t *pt, *rt;
  uint32_t np, nr;
  wp_blocktype(f->mi, in->bt, &one, &pt, &np, &rt, &nr);
  uint32_t lab = f->nlabels, h = f->nst - np;
  wp_buf_printf(&f->tries, ", h%u", lab);
  emit(f, "h%u.prev = *hp_; *hp_ = &h%u;\nif (setjmp(h%u.jb)) {\nx_ = h%u.x;\n", lab, lab, lab, lab);
  wp_reader_t cr = *f->r;
  cr.p = in->vec;
  cr.err = NULL;
  for (uint32_t i = 0; i < in->n; i++) {
    wp_catch_t c;
    wp_read_catch(&cr, &c);
    bool all = c.kind == WP_CATCH_ALL || c.kind == WP_CATCH_ALL_REF;
    bool ref = c.kind == WP_CATCH_REF || c.kind == WP_CATCH_ALL_REF;
    if (!all) emit(f, "if (x_->tag == I->tgp[%u]) {\n", c.tag);
    uint32_t saved = f->nst;
    f->nst = h;
    if (!all) {
      const wp_functype_t *tt = &f->mi->types[wp_modinfo_tag_type(f->mi, c.tag)];
      for (uint32_t k = 0; k < tt->nparams; k++) {
        emit(f, "%s = x_->v[%u].%c;\n", slot(f, f->nst, tt->params[k]), k, wp_tletter(tt->params[k]));
        push_slot(f, tt->params[k]);
      }
    }
    if (ref) {
      emit(f, "x_->held = 1; %s = x_;\n", slot(f, f->nst, WP_EXNREF));
      push_slot(f, WP_EXNREF);
    } else {
      emit(f, "if (!x_->held) wp_exn_free(x_);\n");
    }
    emit_branch(f, c.label);
    emit(f, "\n");
    f->nst = saved;
    if (!all) emit(f, "}\n");
  }
  free(cr.err);
  emit(f, "wp_throw(x_);\n}\n");
  return push_frame(f, K_TRY, in->bt) != NULL;
}

/* A SIMD instruction NAME is a call of the prelude's wp_NAME (dots as
** underscores; translate_simd.c): the address of a memory access first,
** then the operands, then a lane or the shuffle's lanes. */
static bool op_simd(fx_t *f, const wp_instr_t *in, const wp_opinfo_t *oi) {
  if (in->op == WP_OP_FD + 0x0c) {
    uint64_t lo, hi;
    memcpy(&lo, in->imm.v128, 8);
    memcpy(&hi, in->imm.v128 + 8, 8);
    push_leaf(f, WASMPLUG_V128,
              afmt(f, "WP_V128C(%lluull, %lluull)", (unsigned long long)lo, (unsigned long long)hi), 0, -1);
    return true;
  }
  if (in->op == WP_OP_FD + 0x0d && !f->x->opts->baseline) {
    /* i8x16.shuffle for gcc: the lanes as a vector constant (WP_SHUF) */
    wp_buf_t b = {0};
    wp_buf_puts(&b, "WP_SHUF($0, $1");
    for (int i = 0; i < 16; i++) wp_buf_printf(&b, ", %u", in->imm.v128[i]);
    wp_buf_puts(&b, ")");
    bool ok = !b.oom && op_simple(f, in, oi, b.s);
    if (b.oom) fail(f, "out of memory");
    wp_buf_free(&b);
    return ok;
  }
  char tpl[160];
  size_t n = (size_t)snprintf(tpl, sizeof tpl, "wp_");
  for (const char *p = oi->name; *p && n + 1 < sizeof tpl; p++) tpl[n++] = *p == '.' ? '_' : *p;
  tpl[n] = 0;
  wp_buf_t b = {0};
  wp_buf_puts(&b, tpl);
  wp_buf_puts(&b, "(");
  uint32_t np = sig_nparams(oi->sig), k = 0;
  bool access = oi->imm == WP_IMM_MEMARG || oi->imm == WP_IMM_MEMARG_LANE;
  if (access) {
    wp_buf_puts(&b, "$A");
    k = 1;
  }
  for (; k < np; k++) wp_buf_printf(&b, "%s$%u", b.len > strlen(tpl) + 1 ? ", " : "", k);
  if (oi->imm == WP_IMM_LANE || oi->imm == WP_IMM_MEMARG_LANE) wp_buf_printf(&b, ", %u", in->lane);
  if (oi->imm == WP_IMM_SHUFFLE) {
    wp_buf_puts(&b, ", \"");
    for (int i = 0; i < 16; i++) wp_buf_printf(&b, "\\%03o", in->imm.v128[i]);
    wp_buf_puts(&b, "\"");
  }
  wp_buf_puts(&b, ")");
  bool ok = !b.oom && op_simple(f, in, oi, b.s);
  if (b.oom) fail(f, "out of memory");
  wp_buf_free(&b);
  return ok;
}

/* The threads proposal's instructions (translate_atomic.c's helpers,
** named after the instruction like SIMD's): wait needs to know whether
** its memory is shared, and the value at the address read first (which
** also checks alignment and bounds). */
static bool op_atomic(fx_t *f, const wp_instr_t *in, const wp_opinfo_t *oi) {
  if (in->op == WP_OP_FE + 0x00) return op_simple(f, in, oi, "wp_anotify($A, $1)");
  if (in->op == WP_OP_FE + 0x01 || in->op == WP_OP_FE + 0x02) {
    uint8_t flags;
    wp_modinfo_memory(f->mi, in->mem, NULL, &flags);
    int w = in->op == WP_OP_FE + 0x01 ? 32 : 64;
    return op_simple(f, in, oi,
                     afmt(f, "wp_await(%d, WP_ALD(%d, $A) == (u%d)$1, (s64)$2)", (flags & WP_MEM_SHARED) != 0, w, w));
  }
  return op_simd(f, in, oi);
}

/* A loop that is a forward byte copy (translate_idiom.c) gets, before its
** label, a memmove taken when the loop would copy the same bytes and not
** trap; the loop itself runs otherwise.  Optimized tier only, not with
** fuel or epochs (each iteration is a check). */
static void bulk_loop(fx_t *f, xframe_t *fr, const wp_instr_t *in) {
  const wp_xlate_opts_t *o = f->x->opts;
  wp_bytecopy_t b;
  if (o->baseline || o->fuel || o->epoch || in->bt != WP_BT_EMPTY || f->y_pending) return;
  if (!wp_xlate_bytecopy(f->mi, f->locals, f->nlocals, f->r, &b)) return;
  const char *m = mem_base(f, b.mem);
  /* Y<label> goes right after the loop's br_if (wp_translate_func) */
  f->y_pending = true;
  f->y_off = b.end_off;
  f->y_label = fr->label;
  if (!b.back) {
    /* forward: bytes s.. to d.., d <= s */
    emit(f, "if (l%u != 0 && l%u %% %uu == 0 && l%u <= l%u && (u64)l%u + l%u <= wp_mem_bytes(I->mp[%u])) {\n",
         b.n, b.n, b.k, b.d, b.s, b.s, b.n, b.mem);
    emit(f, "memmove(%s + (u64)l%u, %s + (u64)l%u, l%u);\n", m, b.d, m, b.s, b.n);
    emit(f, "l%u += l%u; l%u += l%u; l%u = 0;\ngoto Y%u;\n}\n", b.d, b.n, b.s, b.n, b.n, fr->label);
  } else {
    /* backward: bytes bs + K.. to bd + K.., bd >= bs */
    emit(f, "if (l%u != 0 && l%u %% %uu == 0 && l%u >= l%u && (u64)l%u + l%u + %uu <= wp_mem_bytes(I->mp[%u])) {\n",
         b.n, b.n, b.k, b.d, b.s, b.d, b.n, b.k, b.mem);
    emit(f, "memmove(%s + (u64)l%u + %uu, %s + (u64)l%u + %uu, l%u);\n", m, b.d, b.k, m, b.s, b.k, b.n);
    emit(f, "l%u = l%u + %uu; l%u = l%u + %uu; l%u = 0;\ngoto Y%u;\n}\n", b.td, b.d, b.k, b.ts, b.s, b.k, b.n,
         fr->label);
  }
}

static bool instr(fx_t *f, const wp_instr_t *in) {
  const wp_opinfo_t *oi = wp_opinfo(in->op);
  const wp_modinfo_t *mi = f->mi;
  uint32_t n = f->nst;
  switch (in->op) {
  case 0x00:
    flush_flags(f, f->nst, XF_TRAP);
    emit(f, "wp_trap(WP_T_UNREACHABLE);\n");
    set_dead(f);
    return true;
  case 0x01: return true;
  case 0x02: case 0x03: {
    flush_all(f);
    xframe_t *fr = push_frame(f, in->op == 0x02 ? K_BLOCK : K_LOOP, in->bt);
    if (!fr) return false;
    if (in->op == 0x03) {
      bulk_loop(f, fr, in);
      emit(f, "L%u:;\n%s%s", fr->label, f->x->opts->fuel ? "WP_FUEL;\n" : "", f->x->opts->epoch ? "WP_EPOCH;\n" : "");
    }
    return true;
  }
  case 0x04: {
    uint32_t c = f->nst - 1;
    f->nst--;
    flush_all(f);
    f->nst++;
    emit(f, "if (!%s) goto X%u;\n", operand(f, c), f->nlabels);
    f->nst--;
    return push_frame(f, K_IF, in->bt) != NULL;
  }
  case 0x05: {
    xframe_t *fr = &f->fr[f->nfr - 1];
    if (!f->dead) {
      flush_all(f);
      emit(f, "goto L%u;\n", fr->label);
      fr->live_end = true;
    }
    emit(f, "X%u:;\n", fr->label);
    fr->has_else = true;
    f->dead = false;
    f->nst = fr->h;
    for (uint32_t k = 0; k < fr->np; k++) push_slot(f, fr->pt[k]);
    return true;
  }
  case 0x0b: {
    xframe_t fr = f->fr[f->nfr - 1];
    if (fr.kind == K_FUNC) {
      if (!f->dead) emit_return(f);
      f->nfr--;
      return true;
    }
    bool live = fr.used_end || fr.live_end;
    if (!f->dead) {
      flush_all(f);
      live = true;
    }
    if (fr.kind == K_IF && !fr.has_else) {
      emit(f, "X%u:;\n", fr.label);
      live = true;
    }
    if (fr.kind != K_LOOP && (fr.used_end || fr.kind == K_IF)) emit(f, "L%u:;\n", fr.label);
    if (fr.kind == K_TRY && live) emit(f, "*hp_ = h%u.prev;\n", fr.label);
    f->nfr--;
    f->nst = fr.h;
    const wasmplug_valkind_t *rts = frame_results(&fr);
    for (uint32_t k = 0; k < fr.nr; k++) push_slot(f, rts[k]);
    f->dead = !live;
    f->dead_nest = 0;
    return true;
  }
  case 0x0c:
    flush_all(f);
    emit_branch(f, in->a);
    set_dead(f);
    return true;
  case 0x0d: {
    uint32_t c = f->nst - 1;
    f->nst--;
    flush_all(f);
    f->nst++;
    const char *cond = operand(f, c);
    f->nst--;
    xframe_t *t = &f->fr[f->nfr - 1 - in->a];
    uint32_t ar = branch_arity(f, in->a);
    if (t->kind != K_FUNC && (f->nst - ar == t->h || ar == 0) && outer_try(f, f->nfr - in->a) < 0) {
      if (t->kind != K_LOOP) t->used_end = true;
      emit(f, "if (%s) goto L%u;\n", cond, t->label);
    } else {
      emit(f, "if (%s) {\n", cond);
      emit_branch(f, in->a);
      emit(f, "}\n");
    }
    return true;
  }
  case 0x0e: {
    uint32_t c = f->nst - 1;
    f->nst--;
    flush_all(f);
    f->nst++;
    emit(f, "switch (%s) {\n", text(f, c));
    f->nst--;
    wp_reader_t lr = *f->r;
    lr.p = in->vec;
    lr.err = NULL;
    for (uint32_t i = 0; i < in->n; i++) {
      uint32_t l;
      wp_read_label(&lr, &l);
      emit(f, "case %u: ", i);
      emit_branch(f, l);
    }
    emit(f, "default: ");
    emit_branch(f, in->a);
    emit(f, "}\n");
    set_dead(f);
    return true;
  }
  case 0x0f:
    emit_return(f);
    set_dead(f);
    return true;
  case 0x1f: return op_try_table(f, in);
  case 0x08: {
    const wp_functype_t *tt = &mi->types[wp_modinfo_tag_type(mi, in->a)];
    uint32_t base = f->nst - tt->nparams;
    flush_flags(f, base, XF_TRAP);
    emit(f, "{ wp_exn *t_ = wp_exn_new(I->exl, I->tgp[%u], %u); ", in->a, tt->nparams);
    for (uint32_t k = 0; k < tt->nparams; k++)
      emit(f, "t_->v[%u].%c = %s; ", k, wp_tletter(tt->params[k]), text(f, base + k));
    emit(f, "wp_throw(t_); }\n");
    f->nst = base;
    set_dead(f);
    return true;
  }
  case 0x0a:
    flush_flags(f, f->nst - 1, XF_TRAP);
    emit(f, "wp_throw(%s);\n", text(f, f->nst - 1));
    f->nst--;
    set_dead(f);
    return true;
  case 0x10: op_call(f, in->a); return true;
  case 0x12: case 0x13: op_return_call(f, in); return true;
  case 0x11: op_call_indirect(f, in->a, in->b); return true;
  case 0x1a: {
    /* a dropped value that may trap is still computed (an assignment: tcc
    ** would not load for a discarded dereference) */
    uint32_t i = f->nst - 1;
    if (f->st[i].c && (f->st[i].fl & XF_TRAP)) materialize(f, i);
    f->nst--;
    return true;
  }
  case 0x1b: case 0x1c: {
    /* both operands are evaluated in Wasm, one in C: trapping ones first */
    for (uint32_t k = 3; k > 1; k--)
      if (f->st[n - k].c && (f->st[n - k].fl & XF_TRAP)) materialize(f, n - k);
    wasmplug_valkind_t t = f->st[n - 3].t;
    const char *c = afmt(f, "%s ? %s : %s", operand(f, n - 1), operand(f, n - 3), operand(f, n - 2));
    f->nst = n - 3;
    push_expr(f, t, c, 3, 0);
    return true;
  }
  case 0x20:
    push_leaf(f, f->locals[in->a], afmt(f, "l%u", in->a), 0, (int32_t)in->a);
    return true;
  case 0x21: case 0x22: {
    uint32_t i = n - 1;
    const char *v = text(f, i);
    f->nst--;
    flush_local(f, in->a);
    /* the value itself may read the local: assign it as a whole */
    emit(f, "l%u = %s;\n", in->a, v);
    if (in->op == 0x22) push_leaf(f, f->locals[in->a], afmt(f, "l%u", in->a), 0, (int32_t)in->a);
    return true;
  }
  case 0x23: {
    wasmplug_valkind_t t;
    bool mut;
    wp_modinfo_global(mi, in->a, &t, &mut);
    push_leaf(f, t, global_ref(f, in->a), mut ? XF_GLOB : 0, -1);
    return true;
  }
  case 0x24: {
    const char *v = text(f, n - 1);
    f->nst--;
    flush_flags(f, f->nst, XF_GLOB | XF_TRAP);
    emit(f, "%s = %s;\n", global_ref(f, in->a), v);
    return true;
  }
  case 0x25: {
    wasmplug_valkind_t elem;
    wp_modinfo_table(mi, in->a, NULL, &elem, NULL);
    const char *c = afmt(f, "wp_tget_%c(I->tp[%u], %s)", elem == WASMPLUG_FUNCREF ? 'r' : 'e', in->a,
                         text(f, n - 1));
    f->nst--;
    push_expr(f, elem, c, 1, XF_TAB | XF_TRAPO);
    return true;
  }
  case 0x26: {
    wasmplug_valkind_t elem;
    wp_modinfo_table(mi, in->a, NULL, &elem, NULL);
    flush_flags(f, n - 2, XF_TAB | XF_TRAP);
    emit(f, "wp_tset_%c(I->tp[%u], %s, %s);\n", elem == WASMPLUG_FUNCREF ? 'r' : 'e', in->a,
         text(f, n - 2), text(f, n - 1));
    f->nst -= 2;
    return true;
  }
  case 0x3f:
    push_leaf(f, mem_is64(f, in->mem) ? WASMPLUG_I64 : WASMPLUG_I32,
              afmt(f, "(%s)I->mp[%u]->pages", mem_is64(f, in->mem) ? "u64" : "u32", in->mem), XF_MEM, -1);
    return true;
  case 0x40: {
    bool is64 = mem_is64(f, in->mem);
    const char *d = text(f, n - 1);
    f->nst--;
    flush_flags(f, f->nst, XF_MEM | XF_TRAP);
    hazard(f, f->nst);
    if (is64)
      emit(f, "%s = wp_grow64(I->mp[%u], %s);\n", slot(f, f->nst, WASMPLUG_I64), in->mem, d);
    else
      emit(f, "%s = wp_rt->grow_memory(I->mp[%u], %s);\n", slot(f, f->nst, WASMPLUG_I32), in->mem, d);
    push_slot(f, is64 ? WASMPLUG_I64 : WASMPLUG_I32);
    return true;
  }
  case 0x41: push_leaf(f, WASMPLUG_I32, afmt(f, "%uu", (uint32_t)in->imm.i32), 0, -1); return true;
  case 0x42:
    push_leaf(f, WASMPLUG_I64, afmt(f, "%lluull", (unsigned long long)in->imm.i64), 0, -1);
    return true;
  case 0x43: push_leaf(f, WASMPLUG_F32, const_f32(f, in->imm.f32), 0, -1); return true;
  case 0x44: push_leaf(f, WASMPLUG_F64, const_f64(f, in->imm.f64), 0, -1); return true;
  case 0xd0:
    push_leaf(f, (wasmplug_valkind_t)in->a, in->a == WASMPLUG_FUNCREF ? "wp_null_fr" : "(void *)0", 0, -1);
    return true;
  case 0xd1: {
    const char *c = f->st[n - 1].t == WASMPLUG_FUNCREF ? afmt(f, "(u32)(%s.f == 0)", operand(f, n - 1))
                                                       : afmt(f, "(u32)(%s == 0)", operand(f, n - 1));
    f->nst--;
    push_expr(f, WASMPLUG_I32, c, 1, 0);
    return true;
  }
  case 0xd2: push_leaf(f, WASMPLUG_FUNCREF, afmt(f, "wp_ref_func(I, %u)", in->a), 0, -1); return true;
  case WP_OP_FC + 8: { /* memory.init */
    flush_flags(f, n - 3, XF_MEM | XF_TRAP);
    emit(f, "wp_mem_init(I, %u, %u, %s, %s, %s);\n", in->mem, in->a, text(f, n - 3), text(f, n - 2),
         text(f, n - 1));
    f->nst -= 3;
    return true;
  }
  case WP_OP_FC + 9: emit(f, "I->dd[%u] = 1;\n", in->a); return true;
  case WP_OP_FC + 10:
    flush_flags(f, n - 3, XF_MEM | XF_TRAP);
    emit(f, "wp_memcopy(I->mp[%u], I->mp[%u], %s, %s, %s);\n", in->mem, in->b, text(f, n - 3),
         text(f, n - 2), text(f, n - 1));
    f->nst -= 3;
    return true;
  case WP_OP_FC + 11:
    flush_flags(f, n - 3, XF_MEM | XF_TRAP);
    emit(f, "wp_memfill(I->mp[%u], %s, %s, %s);\n", in->mem, text(f, n - 3), text(f, n - 2),
         text(f, n - 1));
    f->nst -= 3;
    return true;
  case WP_OP_FC + 12:
    flush_flags(f, n - 3, XF_TAB | XF_TRAP);
    emit(f, "wp_table_init(I, %u, %u, %s, %s, %s);\n", in->b, in->a, text(f, n - 3), text(f, n - 2),
         text(f, n - 1));
    f->nst -= 3;
    return true;
  case WP_OP_FC + 13: emit(f, "I->ed[%u] = 1;\n", in->a); return true;
  case WP_OP_FC + 14: {
    wasmplug_valkind_t elem;
    wp_modinfo_table(mi, in->a, NULL, &elem, NULL);
    flush_flags(f, n - 3, XF_TAB | XF_TRAP);
    emit(f, "wp_tcopy(I->tp[%u], I->tp[%u], %s, %s, %s, sizeof(%s));\n", in->a, in->b, text(f, n - 3),
         text(f, n - 2), text(f, n - 1), wp_ctype(elem));
    f->nst -= 3;
    return true;
  }
  case WP_OP_FC + 15: { /* table.grow */
    wasmplug_valkind_t elem;
    wp_modinfo_table(mi, in->a, NULL, &elem, NULL);
    bool is64 = table_is64(f, in->a);
    flush_flags(f, n - 2, XF_TAB | XF_TRAP);
    const char *v = text(f, n - 2), *d = text(f, n - 1);
    f->nst -= 2;
    hazard(f, f->nst);
    wasmplug_valkind_t it = is64 ? WASMPLUG_I64 : WASMPLUG_I32;
    emit(f, "%s = (%s)wp_tgrow_%c(I->tp[%u], %s, %s, %d);\n", slot(f, f->nst, it), wp_ctype(it),
         elem == WASMPLUG_FUNCREF ? 'r' : 'e', in->a, d, v, is64);
    push_slot(f, it);
    return true;
  }
  case WP_OP_FC + 16: {
    bool is64 = table_is64(f, in->a);
    push_leaf(f, is64 ? WASMPLUG_I64 : WASMPLUG_I32,
              afmt(f, "(%s)I->tp[%u]->size", is64 ? "u64" : "u32", in->a), XF_TAB, -1);
    return true;
  }
  case WP_OP_FC + 17: {
    wasmplug_valkind_t elem;
    wp_modinfo_table(mi, in->a, NULL, &elem, NULL);
    flush_flags(f, n - 3, XF_TAB | XF_TRAP);
    emit(f, "wp_tfill_%c(I->tp[%u], %s, %s, %s);\n", elem == WASMPLUG_FUNCREF ? 'r' : 'e', in->a,
         text(f, n - 3), text(f, n - 2), text(f, n - 1));
    f->nst -= 3;
    return true;
  }
  default: break;
  }
  if (oi->c && oi->sig) return op_simple(f, in, oi, oi->c);
  if (oi->sig && (oi->prop == WP_PROP_SIMD || oi->prop == WP_PROP_RELAXED_SIMD)) return op_simd(f, in, oi);
  if (oi->sig && oi->prop == WP_PROP_THREADS) return op_atomic(f, in, oi);
  return fail(f, "%s is not supported by wasmplug's translator yet", oi->name);
}

/* Skips instructions in unreachable code, handling the else/end that ends it. */
static bool dead_instr(fx_t *f, const wp_instr_t *in) {
  switch (in->op) {
  case 0x02: case 0x03: case 0x04: case 0x1f: case 0x06:
    f->dead_nest++;
    return true;
  case 0x05:
    if (f->dead_nest) return true;
    return instr(f, in);
  case 0x0b:
    if (f->dead_nest) {
      f->dead_nest--;
      return true;
    }
    return instr(f, in);
  default: return true;
  }
}

static void free_arena(fx_t *f) {
  while (f->arena) {
    arena_blk_t *n = f->arena->next;
    free(f->arena);
    f->arena = n;
  }
}

char *wp_translate_func(const wp_xmod_t *x, uint32_t i, wp_buf_t *out) {
  const wp_modinfo_t *mi = x->info;
  fx_t f;
  memset(&f, 0, sizeof f);
  f.x = x;
  f.mi = mi;
  f.func = mi->nimported_funcs + i;
  f.type = &mi->types[mi->func_types[i]];
  f.tail = x->tailer && x->tailer[i];
  f.mems_used = calloc(wp_nmems(mi) + 1, 1);
  wp_span_t body = mi->bodies[i];
  wp_reader_t r = {x->m->bytes + body.off, x->m->bytes, x->m->bytes + body.off + body.len,
                   x->m->name, NULL};
  f.r = &r;
  if (!f.mems_used) {
    fail(&f, "out of memory");
    goto out;
  }
  /* locals */
  uint32_t ngroups;
  wp_rd_u32(&r, &ngroups);
  const uint8_t *groups = r.p;
  uint64_t total = f.type->nparams;
  for (uint32_t g = 0; g < ngroups; g++) {
    uint32_t cnt;
    wasmplug_valkind_t t;
    wp_rd_u32(&r, &cnt);
    wp_rd_valtype(&r, &t);
    total += cnt;
  }
  f.nlocals = (uint32_t)total;
  f.locals = malloc((total ? total : 1) * sizeof *f.locals);
  if (!f.locals) {
    fail(&f, "out of memory");
    goto out;
  }
  memcpy(f.locals, f.type->params, f.type->nparams * sizeof *f.locals);
  {
    wp_reader_t gr = r;
    gr.p = groups;
    uint32_t k = f.type->nparams;
    for (uint32_t g = 0; g < ngroups; g++) {
      uint32_t cnt;
      wasmplug_valkind_t t;
      wp_rd_u32(&gr, &cnt);
      wp_rd_valtype(&gr, &t);
      for (uint32_t c = 0; c < cnt; c++) f.locals[k++] = t;
    }
  }
  /* without it every load keeps its barrier: only slower */
  if (!x->opts->baseline) f.plain = wp_xlate_plain_loads(mi, &r, body.off, body.len);
  f.body_off = body.off;
  push_frame(&f, K_FUNC, 0);
  wp_instr_t in;
  while (f.nfr && !f.err) {
    if (!wp_read_instr(&r, &in)) {
      fail(&f, "%s", r.err ? r.err : "bad instruction");
      break;
    }
    if (f.dead) dead_instr(&f, &in);
    else instr(&f, &in);
    if (f.y_pending && in.off == f.y_off) {
      emit(&f, "Y%u:;\n", f.y_label);
      f.y_pending = false;
    }
  }
  if (f.err) goto out;
  if (f.body.oom) {
    fail(&f, "out of memory");
    goto out;
  }

  /* the function: signature, locals, slots, memory bases, body */
  const wp_functype_t *t = f.type;
  wp_buf_t rt = {0};
  if (t->nresults == 0) wp_buf_puts(&rt, "void");
  else if (t->nresults == 1) wp_buf_puts(&rt, wp_ctype(t->results[0]));
  else {
    wp_buf_puts(&rt, "wp_r_");
    for (uint32_t k = 0; k < t->nresults; k++) wp_buf_printf(&rt, "%c", wp_tletter(t->results[k]));
  }
  /* with try_table, what a catch may read after longjmp must not live in
  ** registers setjmp restores: every local and slot is volatile */
  bool has_try = f.tries.len > 0;
  const char *vol = has_try ? "volatile " : "";
  wp_buf_printf(out, "%s F%u", rt.s ? rt.s : "", f.func);
  /* the instance pinned: no parameter, or (a function a funcref may
  ** hold: wp_xlate_takes_inst) one WP_IX leaves unread */
  const char *self = !wp_xlate_pins_inst(mi, x->opts) ? "wp_inst *I"
                     : wp_xlate_takes_inst(mi, x->opts, x->esc, f.func) ? "WP_IX" : NULL;
  wp_xlate_params(out, t->params, t->nparams, self, f.tail ? "" : vol, true);
  wp_buf_puts(out, " {\n");
  if (f.tail) {
    /* F<N> runs the trampoline; the body follows as F<N>_t */
    wp_buf_printf(out, "wp_tc tc;\ntc.I = I; tc.fn = (void *)F%u_t;\n", f.func);
    for (uint32_t k = 0; k < t->nparams; k++) wp_buf_printf(out, "tc.a[%u].%c = l%u;\n", k, wp_tletter(t->params[k]), k);
    wp_buf_puts(out, "do ((wp_tfn)tc.fn)(&tc); while (tc.fn);\n");
    /* the bodies run set memory 0's base for their instances: ours back */
    if (wp_xlate_pins(mi, x->opts)) wp_buf_puts(out, "WP_PIN_SET(I);\n");
    if (t->nresults == 1) {
      wp_buf_printf(out, "return tc.a[0].%c;\n", wp_tletter(t->results[0]));
    } else if (t->nresults > 1) {
      wp_buf_printf(out, "{ %s r;", rt.s);
      for (uint32_t k = 0; k < t->nresults; k++) wp_buf_printf(out, " r.r%u = tc.a[%u].%c;", k, k, wp_tletter(t->results[k]));
      wp_buf_puts(out, " return r; }\n");
    }
    wp_buf_printf(out, "}\nvoid F%u_t(wp_tc *tc) {\nwp_inst *I = tc->I;\n%s", f.func,
                  wp_xlate_pins(mi, x->opts) ? "WP_PIN_SET(I);\n" : "");
    for (uint32_t k = 0; k < t->nparams; k++)
      wp_buf_printf(out, "%s%s l%u = tc->a[%u].%c;\n", vol, wp_ctype(t->params[k]), k, k, wp_tletter(t->params[k]));
  }
  if (rt.oom) fail(&f, "out of memory");
  wp_buf_free(&rt);
  /* a large frame is probed first (the prelude's WP_PROBE): its size from
  ** the locals and slots, plus a quarter and 16 KiB for tcc's temporaries
  ** (probing past the frame only reads stack that is mapped or the guard) */
  uint64_t frame = 0;
  for (uint32_t k = 0; k < f.nlocals; k++) frame += f.locals[k] == WASMPLUG_V128 ? 16 : f.locals[k] == WASMPLUG_FUNCREF ? 24 : 8;
  for (uint32_t d = 0; d < f.capslots; d++)
    for (unsigned ty = 0; ty < 8; ty++)
      if (f.slots[d] & (1u << ty)) frame += ty == WASMPLUG_V128 ? 16 : ty == WASMPLUG_FUNCREF ? 24 : 8;
  if (frame > 2048)
    wp_buf_printf(out, "volatile char wp_top = 0;\nchar wp_probed = WP_PROBE(&wp_top, %lluull);\n",
                  (unsigned long long)(frame + frame / 4 + 16384));
  for (uint32_t k = t->nparams; k < f.nlocals; k++) {
    wasmplug_valkind_t lt = f.locals[k];
    if (lt == WASMPLUG_FUNCREF) wp_buf_printf(out, "%swp_fr l%u = {0, 0, 0};\n", vol, k);
    else if (lt == WASMPLUG_V128) wp_buf_printf(out, "%sv128 l%u = wp_v128_zero;\n", vol, k);
    else wp_buf_printf(out, "%s%s l%u = 0;\n", vol, wp_ctype(lt), k);
  }
  if (f.tries.oom) fail(&f, "out of memory");
  if (has_try && !f.tries.oom)
    wp_buf_printf(out, "wp_eh **hp_ = (wp_eh **)wp_rt->exn_handlers();\nwp_exn *x_;\nwp_eh %s;\n",
                  f.tries.s + 2);
  for (unsigned ty = 0; ty < 8; ty++) {
    bool any = false;
    for (uint32_t d = 0; d < f.capslots; d++) {
      if (!(f.slots[d] & (1u << ty))) continue;
      wp_buf_printf(out, "%s%s%s%ss%u%c", any ? "" : vol, any ? ", " : wp_ctype((wasmplug_valkind_t)ty),
                    any ? "" : " ", "", d, wp_tletter((wasmplug_valkind_t)ty));
      any = true;
    }
    if (any) wp_buf_puts(out, ";\n");
  }
  for (uint32_t k = 0; k < wp_nmems(mi); k++)
    if (f.mems_used[k] && k == 0 && wp_xlate_pins(mi, x->opts)) wp_buf_puts(out, "WP_DM0\n"); /* translate.c: pin_block */
    else if (f.mems_used[k]) wp_buf_printf(out, "u8 *const M%u = I->md[%u];\n", k, k);
  /* fuel and epoch: the running call's meter (per thread, rt.c), checked
  ** at every entry (of F<N>_t too: every tail call is an entry) and at
  ** every loop header */
  /* the baseline counts its calls: what hot-first tier-up compiles first */
  if (x->opts->baseline) wp_buf_printf(out, "wp_hits[%u]++;\n", i);
  if (x->opts->fuel || x->opts->epoch) {
    wp_buf_puts(out, "WP_MT_DECL\n");
    if (x->opts->fuel) wp_buf_puts(out, "WP_FUEL;\n");
    if (x->opts->epoch) wp_buf_puts(out, "WP_EPOCH;\n");
  }
  wp_buf_put(out, f.body.s ? f.body.s : "", f.body.len);
  wp_buf_puts(out, "}\n");
  if (out->oom) fail(&f, "out of memory");
out:
  free_arena(&f);
  wp_buf_free(&f.body);
  wp_buf_free(&f.tries);
  free(f.st);
  free(f.fr);
  free(f.locals);
  free(f.slots);
  free(f.mems_used);
  free(f.plain);
  free(r.err);
  return f.err;
}
