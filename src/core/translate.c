/*
** translate.c — a module to C: the shared header (wp.h), the glue
** (glue.c: import trampolines, export entries, instantiation, segments,
** the wp_glue_t descriptor) and the units of function bodies
** (translate_func.c).  See translate.h.
**
** Names in the generated C: F<N> is function N of the module's index space
** (imports are trampolines that call through the instance's import
** slots), wp_ft<T> the pointer type of type T, wp_tid[T] its run-time id,
** wp_r_<letters> a multi-value result.  The instance (wp_inst) holds
** pointers to every memory and table (mp[], tp[]: imported or its own),
** globals (pointers for imports), dropped-segment flags and the function
** table (ftab) calls go through on the baseline tier.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "translate.h"

uint32_t wp_translate_unsupported(void) {
  return WP_FEAT_EH_LEGACY;
}

/* The runtime's type codes (wasm2c's numbering, then ours). */
static int rt_type_code(wasmplug_valkind_t t) {
  switch ((int)t) {
  case WASMPLUG_I32: return 0;
  case WASMPLUG_I64: return 1;
  case WASMPLUG_F32: return 2;
  case WASMPLUG_F64: return 3;
  case WASMPLUG_FUNCREF: return 4;
  case WASMPLUG_EXTERNREF: return 5;
  case WASMPLUG_V128: return 6;
  default: return 7;
  }
}

static const char *raw_field(wasmplug_valkind_t t) {
  switch ((int)t) {
  case WASMPLUG_I32: return "i32";
  case WASMPLUG_I64: return "i64";
  case WASMPLUG_F32: return "f32";
  case WASMPLUG_F64: return "f64";
  default: return "ref";
  }
}

static const char *raw_cast(wasmplug_valkind_t t) {
  switch ((int)t) {
  case WASMPLUG_I32: return "s32";
  case WASMPLUG_I64: return "s64";
  case WASMPLUG_F32: return "f32";
  case WASMPLUG_F64: return "f64";
  default: return "void *";
  }
}

static void ret_type(wp_buf_t *b, const wp_functype_t *t) {
  if (t->nresults == 0) wp_buf_puts(b, "void");
  else if (t->nresults == 1) wp_buf_puts(b, wp_ctype(t->results[0]));
  else {
    wp_buf_puts(b, "wp_r_");
    for (uint32_t k = 0; k < t->nresults; k++) wp_buf_printf(b, "%c", wp_tletter(t->results[k]));
  }
}

static void c_string(wp_buf_t *b, const char *s) {
  wp_buf_puts(b, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        *p == '_' || *p == '-' || *p == '.' || *p == ':' || *p == '/' || *p == '#' || *p == ' ')
      wp_buf_printf(b, "%c", *p);
    else
      wp_buf_printf(b, "\\%03o", *p);
  }
  wp_buf_puts(b, "\"");
}

static uint32_t func_type_index(const wp_modinfo_t *m, uint32_t f) {
  return f < m->nimported_funcs ? wp_modinfo_nth_import(m, WASMPLUG_EXTERN_FUNC, f)->type_index
                                : m->func_types[f - m->nimported_funcs];
}

/* The import slot (position in the import section) of entity k of a kind. */
static uint32_t import_slot(const wp_modinfo_t *m, wasmplug_externkind_t kind, uint32_t k) {
  for (uint32_t i = 0; i < m->nimports; i++)
    if (m->imports[i].kind == kind && k-- == 0) return i;
  return 0;
}

static const char *global_lvalue(const wp_modinfo_t *m, uint32_t g, char *buf, size_t n) {
  if (g < m->nimported_globals) snprintf(buf, n, "(*I->g%u)", g);
  else snprintf(buf, n, "I->g%u", g);
  return buf;
}

/* A constant expression as C (validated already). */
static void const_expr(const wasmplug_module_t *mod, wp_span_t span, wp_buf_t *b) {
  const wp_modinfo_t *m = &mod->info;
  wp_reader_t r = {mod->bytes + span.off, mod->bytes, mod->bytes + span.off + span.len, mod->name,
                   NULL};
  char *stack[64];
  uint32_t n = 0;
  wp_instr_t in;
  char g[64];
  while (wp_read_instr(&r, &in) && in.op != 0x0b && n < 64) {
    char *e = NULL;
    switch (in.op) {
    case 0x41: e = wp_format("%uu", (uint32_t)in.imm.i32); break;
    case 0x42: e = wp_format("%lluull", (unsigned long long)in.imm.i64); break;
    case 0x43: e = wp_format("wp_float32(0x%08xu)", in.imm.f32); break;
    case 0x44: e = wp_format("wp_float64(0x%016llxull)", (unsigned long long)in.imm.f64); break;
    case WP_OP_FD + 0x0c: {
      uint64_t lo, hi;
      memcpy(&lo, in.imm.v128, 8);
      memcpy(&hi, in.imm.v128 + 8, 8);
      e = wp_format("WP_V128C(%lluull, %lluull)", (unsigned long long)lo, (unsigned long long)hi);
      break;
    }
    case 0xd0: e = wp_strdup(in.a == WASMPLUG_FUNCREF ? "wp_null_fr" : "(void *)0"); break;
    case 0xd2: e = wp_format("wp_ref_func(I, %u)", in.a); break;
    case 0x23: e = wp_strdup(global_lvalue(m, in.a, g, sizeof g)); break;
    case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: {
      const char *op = (in.op == 0x6a || in.op == 0x7c) ? "+" : (in.op == 0x6b || in.op == 0x7d) ? "-" : "*";
      if (n < 2) break;
      e = wp_format("(%s %s %s)", stack[n - 2], op, stack[n - 1]);
      free(stack[n - 1]);
      free(stack[n - 2]);
      n -= 2;
      break;
    }
    default: break;
    }
    stack[n++] = e;
  }
  free(r.err);
  wp_buf_puts(b, n == 1 && stack[0] ? stack[0] : "0");
  for (uint32_t i = 0; i < n; i++) free(stack[i]);
}

/* ------------------------------------------------------------- header */

/* Tags or exception instructions: the header gets the EH prelude. */
static bool uses_eh(const wp_modinfo_t *m) { return wp_ntags(m) || (m->features & WP_FEAT_EH); }

/* The tail-call buffer's size: the most parameters or results of a type. */
static uint32_t tail_slots(const wp_modinfo_t *m) {
  uint32_t k = 1;
  for (uint32_t i = 0; i < m->ntypes; i++) {
    if (m->types[i].nparams > k) k = m->types[i].nparams;
    if (m->types[i].nresults > k) k = m->types[i].nresults;
  }
  return k;
}

static bool pin_mem0(const wp_modinfo_t *m, const wp_xlate_opts_t *o) { return wp_xlate_pins(m, o); }

/* Tail calls run on a trampoline.  A function that makes tail calls has
** its body in F<N>_t(wp_tc *), which takes its parameters from the buffer
** and leaves there either its results (fn = 0) or the next callee and its
** arguments (fn = T<M>); F<N>, called like any function, runs the loop.
** T<M> is the entry of function M in that form: F<M>_t itself, or a
** wrapper calling F<M>.  return_call_indirect finds T<M> from the
** funcref's F<M> (wp_tail_find: the module's own functions) or goes
** through wp_tci<type>, which calls the funcref (another module's
** function: one C frame, on the trampoline's stack). */
static void gen_tail_header(const wp_modinfo_t *m, const uint8_t *tailer, wp_buf_t *h) {
  wp_buf_printf(h, "typedef struct { void *fn; wp_inst *I; void *tf; wp_tv a[%u]; } wp_tc;\n"
                   "typedef void (*wp_tfn)(wp_tc *);\nvoid *wp_tail_find(void *f);\n", tail_slots(m));
  for (uint32_t f = 0; f < wp_nfuncs(m); f++) {
    if (f >= m->nimported_funcs && tailer[f - m->nimported_funcs])
      wp_buf_printf(h, "void F%u_t(wp_tc *);\n#define T%u F%u_t\n", f, f, f);
    else
      wp_buf_printf(h, "void T%u(wp_tc *);\n", f);
  }
  for (uint32_t i = 0; i < m->ntypes; i++) wp_buf_printf(h, "void wp_tci%u(wp_tc *);\n", i);
}

/* A call of `callee` (C) of type t with arguments from tc->a, its results
** put back there. */
static void tail_call_from_buffer(wp_buf_t *b, const wp_functype_t *t, const char *callee, const char *inst) {
  wp_buf_puts(b, "  ");
  if (t->nresults) {
    ret_type(b, t);
    wp_buf_puts(b, " r = ");
  }
  wp_buf_printf(b, "%s(%s", callee, inst);
  for (uint32_t k = 0; k < t->nparams; k++) wp_buf_printf(b, ", tc->a[%u].%c", k, wp_tletter(t->params[k]));
  wp_buf_puts(b, ");\n");
  if (t->nresults == 1) wp_buf_printf(b, "  tc->a[0].%c = r;\n", wp_tletter(t->results[0]));
  else
    for (uint32_t k = 0; k < t->nresults; k++)
      wp_buf_printf(b, "  tc->a[%u].%c = r.r%u;\n", k, wp_tletter(t->results[k]), k);
  wp_buf_puts(b, "  tc->fn = 0;\n");
}

static void gen_tail_glue(const wp_modinfo_t *m, const uint8_t *tailer, bool pin, wp_buf_t *b) {
  uint32_t nf = wp_nfuncs(m);
  for (uint32_t f = 0; f < nf; f++) {
    if (f >= m->nimported_funcs && tailer[f - m->nimported_funcs]) continue;
    char callee[32];
    snprintf(callee, sizeof callee, "F%u", f);
    /* a tail call may enter another instance of this module: its base */
    wp_buf_printf(b, "void T%u(wp_tc *tc) {\n%s", f, pin ? "  WP_PIN_SET(tc->I);\n" : "");
    tail_call_from_buffer(b, wp_modinfo_functype(m, f), callee, "tc->I");
    wp_buf_puts(b, "}\n");
  }
  for (uint32_t i = 0; i < m->ntypes; i++) {
    char callee[32];
    snprintf(callee, sizeof callee, "((wp_ft%u)tc->tf)", i);
    wp_buf_printf(b, "void wp_tci%u(wp_tc *tc) {\n", i);
    tail_call_from_buffer(b, &m->types[i], callee, "tc->I");
    wp_buf_puts(b, "}\n");
  }
  /* F<N> -> T<N>: open addressing, filled by wp_init */
  uint32_t cap = 16;
  while (cap < 2 * nf) cap *= 2;
  wp_buf_printf(b, "static void *wp_th_k[%u], *wp_th_v[%u];\n"
                   "static u32 wp_th_at(void *f) { return (u32)(((u64)(size_t)f * 0x9e3779b97f4a7c15ull) >> 40) & %uu; }\n"
                   "void *wp_tail_find(void *f) {\n"
                   "  u32 i = wp_th_at(f);\n"
                   "  while (wp_th_k[i]) { if (wp_th_k[i] == f) return wp_th_v[i]; i = (i + 1) & %uu; }\n"
                   "  return 0;\n}\n"
                   "static void wp_th_put(void *f, void *t) {\n"
                   "  u32 i = wp_th_at(f);\n"
                   "  while (wp_th_k[i]) { if (wp_th_k[i] == f) return; i = (i + 1) & %uu; }\n"
                   "  wp_th_k[i] = f; wp_th_v[i] = t;\n}\n",
                cap, cap, cap - 1, cap - 1, cap - 1);
}

/* The optimized tier keeps memory 0's base in a register (issue 18): a
** GCC global register variable, r15, callee-saved in the SysV ABI, so any
** code compiled without it (the host, libc, the baseline tier, wasm2c's
** C) preserves it.  The contract: while a function of this module runs
** for instance I, r15 holds I->md[0].  Whoever enters the module's code
** from outside sets it and puts the caller's value back: the export
** entries, the start function's call, and the wrappers F<N>x that
** funcrefs and other instances' imports get instead of F<N> (wp_ftabx);
** a trap's longjmp restores the setjmp's r15.  A reservation never moves
** (rt.c), so memory.grow leaves the base valid.  Only under gcc on x86-64
** (clang has no such variables, tcc never sees this header); elsewhere M0
** is a local loaded from md[0] at entry, as before.  With the instance
** pinned too (WP_IPIN), F<N> takes no instance (WP_IP, WP_IA empty) unless
** a funcref may hold it: then WP_IX, a parameter its body leaves unread,
** so that F<N>x passes its own parameter list on (wp_xlate_takes_inst). */

static const char pin_block[] =
    "#if !defined(__TINYC__) && defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)\n"
    "#define WP_PIN 1\n"
    "register unsigned char *wp_mb __asm__(\"r15\");\n"
    "#define M0 wp_mb\n"
    "#define WP_DM0\n"
    "#define WP_FX(f) f##x\n"
    "#ifdef WP_WANT_IPIN\n"
    "#define WP_IPIN 1\n"
    "register struct wp_inst *wp_ip __asm__(\"r14\");\n"
    "#define WP_PIN_SET(I) (wp_mb = (I)->md[0], wp_ip = (I))\n"
    "#define WP_PIN_SAVE(I) unsigned char *wp_sv_ = wp_mb; struct wp_inst *wp_si_ = wp_ip; "
    "wp_mb = (I)->md[0]; wp_ip = (I)\n"
    "#define WP_PIN_BACK (wp_mb = wp_sv_, wp_ip = wp_si_)\n"
    "#define WP_PIN_IS(I) (wp_ip == (I) && wp_mb == (I)->md[0])\n"
    "#define WP_IP\n"
    "#define WP_IP0 void\n"
    "#define WP_IA\n"
    "#define WP_IA0\n"
    "#define WP_IX wp_inst *wp_iu_ __attribute__((unused))\n"
    "#else\n"
    "#define WP_PIN_SET(I) (wp_mb = (I)->md[0])\n"
    "#define WP_PIN_SAVE(I) unsigned char *wp_sv_ = wp_mb; wp_mb = (I)->md[0]\n"
    "#define WP_PIN_BACK (wp_mb = wp_sv_)\n"
    "#define WP_PIN_IS(I) (wp_mb == (I)->md[0])\n"
    "#endif\n"
    "#else\n"
    "#define WP_DM0 u8 *const M0 = I->md[0];\n"
    "#define WP_PIN_SET(I) ((void)0)\n"
    "#define WP_PIN_SAVE(I) ((void)0)\n"
    "#define WP_PIN_BACK ((void)0)\n"
    "#define WP_FX(f) f\n"
    "#endif\n"
    "#ifndef WP_IPIN\n"
    "#define WP_IP wp_inst *I,\n"
    "#define WP_IP0 wp_inst *I\n"
    "#define WP_IA I,\n"
    "#define WP_IA0 I\n"
    "#define WP_IX wp_inst *I\n"
    "#endif\n";

/* The parameter list of function f's C (after its name): `self` first; with
** self NULL, the instance pinned (wp_xlate_pins_inst) through WP_IP, which
** is empty where the register holds it and `wp_inst *I,` where the compiler
** has no such register; `names`: with names l0, l1... (a definition). */
void wp_xlate_params(wp_buf_t *b, const wasmplug_valkind_t *pt, uint32_t np, const char *self, const char *prefix,
                     bool names) {
  bool ipin = !self;
  if (self) {
    wp_buf_printf(b, "(%s", self);
  } else if (!np) {
    wp_buf_puts(b, "(WP_IP0)");
    return;
  } else {
    wp_buf_puts(b, "(WP_IP ");
  }
  for (uint32_t k = 0; k < np; k++) {
    if (k || !ipin) wp_buf_puts(b, ", ");
    wp_buf_printf(b, "%s%s", prefix, wp_ctype(pt[k]));
    if (names) wp_buf_printf(b, " l%u", k);
  }
  wp_buf_puts(b, ")");
}

static void gen_header(const wasmplug_module_t *mod, const wp_xlate_opts_t *o, const uint8_t *tailer,
                       const uint8_t *esc, wp_buf_t *h) {
  const wp_modinfo_t *m = &mod->info;
  bool eh = uses_eh(m);
  /* before any function: the register is then never allocated in a unit */
  if (wp_xlate_pins_inst(m, o)) wp_buf_puts(h, "#define WP_WANT_IPIN 1\n");
  if (pin_mem0(m, o)) wp_buf_puts(h, pin_block);
  wp_buf_puts(h, wp_prelude);
  if (m->features & WP_FEAT_SIMD) wp_buf_puts(h, wp_prelude_simd);
  if (m->features & WP_FEAT_THREADS) wp_buf_puts(h, wp_prelude_atomic);
  if (tailer || eh) { /* any value: tail calls' arguments, exceptions' values */
    wp_buf_puts(h, "typedef union { u32 i; u64 j; f32 f; f64 d; wp_fr r; void *e; void *x; u64 pad_[4];");
    if (m->features & WP_FEAT_SIMD) wp_buf_puts(h, " v128 v;");
    wp_buf_puts(h, " } wp_tv;\n");
  }
  if (eh) wp_buf_puts(h, wp_prelude_eh);
  wp_buf_puts(h, "typedef struct wp_inst wp_inst;\n");
  /* multi-value results, one struct per distinct result list */
  for (uint32_t i = 0; i < m->ntypes; i++) {
    const wp_functype_t *t = &m->types[i];
    if (t->nresults < 2) continue;
    bool seen = false;
    for (uint32_t k = 0; k < i && !seen; k++)
      seen = m->types[k].nresults == t->nresults &&
             !memcmp(m->types[k].results, t->results, t->nresults * sizeof *t->results);
    if (seen) continue;
    wp_buf_puts(h, "typedef struct {");
    for (uint32_t k = 0; k < t->nresults; k++) wp_buf_printf(h, " %s r%u;", wp_ctype(t->results[k]), k);
    wp_buf_puts(h, " } ");
    ret_type(h, t);
    wp_buf_puts(h, ";\n");
  }
  for (uint32_t i = 0; i < m->ntypes; i++) {
    const wp_functype_t *t = &m->types[i];
    wp_buf_puts(h, "typedef ");
    ret_type(h, t);
    wp_buf_printf(h, " (*wp_ft%u)(wp_inst *", i);
    for (uint32_t k = 0; k < t->nparams; k++) wp_buf_printf(h, ", %s", wp_ctype(t->params[k]));
    wp_buf_puts(h, ");\n");
  }
  uint32_t nm = wp_nmems(m), nt = wp_ntables(m);
  wp_buf_puts(h, "struct wp_inst {\n  const wp_slot *slots;\n  void **ftab;\n  const u8 *wasm;\n");
  /* md[k]: memory k's base, mp[k]->data copied at instantiation (a
  ** reservation never moves: growing maps pages in place), so that every
  ** function starts with one load of its memory base instead of two
  ** dependent ones */
  wp_buf_printf(h, "  u8 *md[%u];\n", nm ? nm : 1);
  wp_buf_printf(h, "  wp_mem *mp[%u];\n  wp_tab *tp[%u];\n", nm ? nm : 1, nt ? nt : 1);
  if (m->nmems) wp_buf_printf(h, "  wp_mem mo[%u];\n", m->nmems);
  if (m->ntables) wp_buf_printf(h, "  wp_tab to[%u];\n", m->ntables);
  for (uint32_t g = 0; g < wp_nglobals(m); g++) {
    wasmplug_valkind_t t;
    wp_modinfo_global(m, g, &t, NULL);
    wp_buf_printf(h, "  %s %sg%u;\n", wp_ctype(t), g < m->nimported_globals ? "*" : "", g);
  }
  wp_buf_printf(h, "  u8 dd[%u];\n  u8 ed[%u];\n", m->ndatas ? m->ndatas : 1,
                m->nelems ? m->nelems : 1);
  wp_buf_printf(h, "  wp_fr ifr[%u];\n", m->nimported_funcs ? m->nimported_funcs : 1);
  if (eh) {
    /* tags: their identities (imported ones from the exporter) */
    wp_buf_printf(h, "  const void *tgp[%u];\n  u8 tg[%u];\n  wp_exl *exl;\n", wp_ntags(m) ? wp_ntags(m) : 1,
                  m->ntags ? m->ntags : 1);
  }
  wp_buf_puts(h, "};\n");
  wp_buf_printf(h, "extern u32 wp_tid[%u];\n", m->ntypes ? m->ntypes : 1);
  wp_buf_puts(h, "wp_fr wp_ref_func(wp_inst *I, u32 f);\n"
                 "void wp_mem_init(wp_inst *I, u32 mem, u32 seg, u64 d, u32 s, u32 n);\n"
                 "void wp_table_init(wp_inst *I, u32 table, u32 seg, u64 d, u32 s, u32 n);\n");
  for (uint32_t f = 0; f < wp_nfuncs(m); f++) {
    const wp_functype_t *t = wp_modinfo_functype(m, f);
    ret_type(h, t);
    wp_buf_printf(h, " F%u", f);
    /* imports are the glue's trampolines: the instance as a parameter */
    wp_xlate_params(h, t->params, t->nparams, wp_xlate_takes_inst(m, o, esc, f) ? "wp_inst *" : NULL, "", false);
    wp_buf_puts(h, ";\n");
  }
  if (tailer) gen_tail_header(m, tailer, h);
}

/* The optimized tier's calls of an import: the trampoline's first test
** inline (issue 18: a native plugin's direct function or another
** instance's function is then one indirect call from the calling code,
** not two), the host-call path still out of line in the glue's F<N>. */
static void gen_import_calls(const wp_modinfo_t *m, wp_buf_t *h) {
  for (uint32_t f = 0; f < m->nimported_funcs; f++) {
    uint32_t ti = func_type_index(m, f);
    const wp_functype_t *t = &m->types[ti];
    const char *ret = t->nresults ? "return " : "";
    wp_buf_puts(h, "static inline ");
    ret_type(h, t);
    wp_buf_printf(h, " F%ui(wp_inst *I", f);
    for (uint32_t k = 0; k < t->nparams; k++) wp_buf_printf(h, ", %s a%u", wp_ctype(t->params[k]), k);
    wp_buf_printf(h, ") {\n  const wp_slot *s = &I->slots[%u];\n  if (__builtin_expect(s->wasm_fn != 0, 1)) { "
                     "%s((wp_ft%u)s->wasm_fn)((wp_inst *)s->wasm_inst",
                  import_slot(m, WASMPLUG_EXTERN_FUNC, f), ret, ti);
    for (uint32_t k = 0; k < t->nparams; k++) wp_buf_printf(h, ", a%u", k);
    wp_buf_printf(h, ");%s }\n  %sF%u(I", t->nresults ? "" : " return;", ret, f);
    for (uint32_t k = 0; k < t->nparams; k++) wp_buf_printf(h, ", a%u", k);
    wp_buf_puts(h, ");\n}\n");
  }
}

/* --------------------------------------------------------------- glue */

static bool host_callable(const wp_functype_t *t) {
  for (uint32_t k = 0; k < t->nparams + t->nresults; k++)
    if (t->params[k] == WASMPLUG_FUNCREF || t->params[k] == WASMPLUG_V128 || t->params[k] == WP_EXNREF)
      return false;
  return true;
}

static void gen_trampoline(const wp_modinfo_t *m, uint32_t f, wp_buf_t *b) {
  uint32_t slot = import_slot(m, WASMPLUG_EXTERN_FUNC, f);
  uint32_t ti = func_type_index(m, f);
  const wp_functype_t *t = &m->types[ti];
  ret_type(b, t);
  wp_buf_printf(b, " F%u(wp_inst *I", f);
  for (uint32_t k = 0; k < t->nparams; k++) wp_buf_printf(b, ", %s a%u", wp_ctype(t->params[k]), k);
  wp_buf_printf(b, ") {\n  const wp_slot *s = &I->slots[%u];\n", slot);
  uint32_t nv = t->nparams > t->nresults ? t->nparams : t->nresults;
  wp_buf_printf(b, "  wp_raw v[%u];\n", nv ? nv : 1);
  wp_buf_printf(b, "  if (s->wasm_fn) { %s((wp_ft%u)s->wasm_fn)((wp_inst *)s->wasm_inst",
                t->nresults ? "return " : "", ti);
  for (uint32_t k = 0; k < t->nparams; k++) wp_buf_printf(b, ", a%u", k);
  wp_buf_puts(b, t->nresults ? "); }\n" : "); return; }\n");
  if (!host_callable(t)) {
    /* the host has no v128 or funcref values: only wasm can provide it */
    wp_buf_puts(b, "  wp_trap(WP_T_SIGMISMATCH);\n  (void)v;\n}\n");
    return;
  }
  for (uint32_t k = 0; k < t->nparams; k++)
    wp_buf_printf(b, "  v[%u].%s = (%s)a%u;\n", k, raw_field(t->params[k]), raw_cast(t->params[k]), k);
  wp_buf_puts(b, "  wp_rt->call_host(s, v);\n");
  if (t->nresults == 1) {
    wp_buf_printf(b, "  return (%s)v[0].%s;\n", wp_ctype(t->results[0]), raw_field(t->results[0]));
  } else if (t->nresults > 1) {
    wp_buf_puts(b, "  { ");
    ret_type(b, t);
    wp_buf_puts(b, " r;");
    for (uint32_t k = 0; k < t->nresults; k++)
      wp_buf_printf(b, " r.r%u = (%s)v[%u].%s;", k, wp_ctype(t->results[k]), k, raw_field(t->results[k]));
    wp_buf_puts(b, " return r; }\n");
  }
  wp_buf_puts(b, "}\n");
}


static void gen_elem_items(const wasmplug_module_t *mod, wp_buf_t *b) {
  const wp_modinfo_t *m = &mod->info;
  for (uint32_t s = 0; s < m->nelems; s++) {
    const wp_elem_t *e = &m->elems[s];
    if (e->funcs && e->count) {
      wp_buf_printf(b, "static const u32 wp_e%u[] = {", s);
      for (uint32_t k = 0; k < e->count; k++)
        wp_buf_printf(b, "%s%s%u", k ? "," : "", k % 16 ? "" : "\n", e->funcs[k]);
      wp_buf_puts(b, "};\n");
    } else if (e->exprs && e->count) {
      wp_buf_printf(b, "static void wp_ex%u(wp_inst *I, u32 i, void *out) {\n  switch (i) {\n", s);
      for (uint32_t k = 0; k < e->count; k++) {
        wp_buf_printf(b, "  case %u: *(%s *)out = ", k, wp_ctype(e->type));
        const_expr(mod, e->exprs[k], b);
        wp_buf_puts(b, "; return;\n");
      }
      wp_buf_puts(b, "  }\n}\n");
    }
  }
  wp_buf_puts(b, "static void wp_elem_item(wp_inst *I, u32 seg, u32 i, void *out) {\n"
                 "  switch (seg) {\n");
  for (uint32_t s = 0; s < m->nelems; s++) {
    const wp_elem_t *e = &m->elems[s];
    if (!e->count) continue;
    if (e->funcs)
      wp_buf_printf(b, "  case %u: *(wp_fr *)out = wp_ref_func(I, wp_e%u[i]); return;\n", s, s);
    else
      wp_buf_printf(b, "  case %u: wp_ex%u(I, i, out); return;\n", s, s);
  }
  wp_buf_puts(b, "  }\n}\n");
  wp_buf_printf(b, "static const u32 wp_elen[%u] = {", m->nelems ? m->nelems : 1);
  for (uint32_t s = 0; s < m->nelems; s++) wp_buf_printf(b, "%s%u", s ? "," : "", m->elems[s].count);
  wp_buf_puts(b, m->nelems ? "};\n" : "0};\n");
  wp_buf_printf(b, "static const u8 wp_eref[%u] = {", m->nelems ? m->nelems : 1);
  for (uint32_t s = 0; s < m->nelems; s++)
    wp_buf_printf(b, "%s%d", s ? "," : "", m->elems[s].type == WASMPLUG_FUNCREF);
  wp_buf_puts(b, m->nelems ? "};\n" : "0};\n");
  wp_buf_puts(b, "void wp_table_init(wp_inst *I, u32 table, u32 seg, u64 d, u32 s, u32 n) {\n"
                 "  wp_tab *t = I->tp[table];\n"
                 "  u32 len = I->ed[seg] ? 0 : wp_elen[seg], i;\n"
                 "  size_t esz = wp_eref[seg] ? sizeof(wp_fr) : sizeof(void *);\n"
                 "  if ((u64)s + n > len || d + n < d || d + n > t->size) wp_trap(WP_T_TABLE);\n"
                 "  for (i = 0; i < n; i++) wp_elem_item(I, seg, s + i, (char *)t->data + (d + i) * esz);\n"
                 "}\n");
}

static void gen_data(const wp_modinfo_t *m, wp_buf_t *b) {
  wp_buf_printf(b, "static const u32 wp_data[%u][2] = {", m->ndatas ? m->ndatas : 1);
  for (uint32_t s = 0; s < m->ndatas; s++)
    wp_buf_printf(b, "%s{%u,%u}", s ? "," : "", m->datas[s].bytes.off, m->datas[s].bytes.len);
  wp_buf_puts(b, m->ndatas ? "};\n" : "{0,0}};\n");
  wp_buf_puts(b, "void wp_mem_init(wp_inst *I, u32 mem, u32 seg, u64 d, u32 s, u32 n) {\n"
                 "  wp_mem *m = I->mp[mem];\n"
                 "  u32 len = I->dd[seg] ? 0 : wp_data[seg][1];\n"
                 "  if ((u64)s + n > len || d + n < d || d + n > wp_mem_bytes(m)) wp_trap(WP_T_OOB);\n"
                 "  memcpy(m->data + d, I->wasm + wp_data[seg][0] + s, n);\n"
                 "}\n");
}

/* init_module's registration of the function types (wp_tid). */
static void gen_types(const wp_modinfo_t *m, wp_buf_t *b) {
  for (uint32_t i = 0; i < m->ntypes; i++) {
    const wp_functype_t *t = &m->types[i];
    wp_buf_printf(b, "  { static const int t[%u] = {", t->nparams + t->nresults + 1);
    for (uint32_t k = 0; k < t->nparams + t->nresults; k++)
      wp_buf_printf(b, "%d,", rt_type_code(t->params[k]));
    wp_buf_printf(b, "0}; wp_tid[%u] = rt->register_func_type(%u, %u, t); }\n", i, t->nparams,
                  t->nresults);
  }
}

/* The end of a hot object's glue (hot-first tier-up): its init_module
** (wp_rt, type ids) and the wp_hot descriptor naming the hot functions,
** which compile.c checks against the module and puts into the function
** table of the baseline's instances.  The layout is wp_hot_t's in
** compile.c. */
static char *gen_hot_desc(const wasmplug_module_t *mod, const uint8_t *hot, wp_buf_t *b) {
  const wp_modinfo_t *m = &mod->info;
  uint32_t n = 0;
  for (uint32_t i = 0; i < m->nfuncs; i++) n += hot[i] != 0;
  wp_buf_puts(b, "static void wp_init(const wp_rt_api *rt) {\n  wp_rt = rt;\n  WP_MT_INIT;\n");
  gen_types(m, b);
  wp_buf_puts(b, "}\n");
  wp_buf_printf(b, "static const u32 wp_hot_idx[%u] = {", n ? n : 1);
  for (uint32_t i = 0, k = 0; i < m->nfuncs; i++)
    if (hot[i]) {
      wp_buf_printf(b, "%s%s%u", k ? "," : "", k % 16 ? "" : "\n", m->nimported_funcs + i);
      k++;
    }
  wp_buf_puts(b, n ? "};\n" : "0};\n");
  wp_buf_printf(b, "static void *const wp_hot_fn[%u] = {", n ? n : 1);
  for (uint32_t i = 0, k = 0; i < m->nfuncs; i++)
    if (hot[i]) {
      wp_buf_printf(b, "%s%s(void *)F%u", k ? "," : "", k % 8 ? " " : "\n", m->nimported_funcs + i);
      k++;
    }
  wp_buf_puts(b, n ? "};\n" : "0};\n");
  wp_buf_puts(b, "typedef struct {\n  u32 abi, nfuncs; u8 module_hash[32];\n"
                 "  void (*init_module)(const wp_rt_api *);\n"
                 "  u32 nhot; const u32 *idx; void *const *fn;\n} wp_hot;\n");
  wp_buf_printf(b, "static const wp_hot wp_hot_desc = {%d, %u, {", WP_GLUE_ABI, wp_nfuncs(m));
  for (int i = 0; i < 32; i++) wp_buf_printf(b, "%s%u", i ? "," : "", mod->hash[i]);
  wp_buf_printf(b, "}, wp_init, %u, wp_hot_idx, wp_hot_fn};\n", n);
  wp_buf_puts(b, "__attribute__((visibility(\"default\"))) const wp_hot *wasmplug_hot_v1(void) "
                 "{ return &wp_hot_desc; }\n");
  return NULL;
}

/* ref.func in a constant expression marks its function. */
static void mark_ref_funcs(const wasmplug_module_t *mod, wp_span_t span, uint8_t *out) {
  const wp_modinfo_t *m = &mod->info;
  if (!span.len) return;
  wp_reader_t r = {mod->bytes + span.off, mod->bytes, mod->bytes + span.off + span.len, mod->name, NULL};
  wp_instr_t in;
  while (r.p < r.end && wp_read_instr(&r, &in) && in.op != 0x0b)
    if (in.op == 0xd2 && in.a < wp_nfuncs(m)) out[in.a] = 1;
  free(r.err);
}

/* The functions a funcref or another instance may hold (the validator's
** C.refs, which every ref.func in code must name, and the exports): the
** only ones that need an F<N>x wrapper (pin_block). */
static uint8_t *escaping_funcs(const wasmplug_module_t *mod) {
  const wp_modinfo_t *m = &mod->info;
  uint8_t *out = calloc(wp_nfuncs(m) ? wp_nfuncs(m) : 1, 1);
  if (!out) return NULL;
  for (uint32_t i = 0; i < m->nexports; i++)
    if (m->exports[i].kind == WASMPLUG_EXTERN_FUNC && m->exports[i].index < wp_nfuncs(m)) out[m->exports[i].index] = 1;
  for (uint32_t i = 0; i < m->nglobals; i++) mark_ref_funcs(mod, m->globals[i].init, out);
  for (uint32_t i = 0; i < m->ntables; i++) mark_ref_funcs(mod, m->table_inits[i], out);
  for (uint32_t s = 0; s < m->nelems; s++) {
    const wp_elem_t *e = &m->elems[s];
    mark_ref_funcs(mod, e->offset, out);
    for (uint32_t k = 0; k < e->count; k++) {
      if (e->funcs && e->funcs[k] < wp_nfuncs(m)) out[e->funcs[k]] = 1;
      else if (e->exprs) mark_ref_funcs(mod, e->exprs[k], out);
    }
  }
  for (uint32_t s = 0; s < m->ndatas; s++) mark_ref_funcs(mod, m->datas[s].offset, out);
  return out;
}

/* What starts the glue and each unit: the header, included or inline. */
static void put_header(wp_buf_t *b, bool inl, const wp_buf_t *header) {
  if (inl && header->s) {
    wp_buf_put(b, header->s, header->len);
    wp_buf_puts(b, "\n");
  } else {
    wp_buf_puts(b, "#include \"wp.h\"\n");
  }
}

static char *gen_glue(const wasmplug_module_t *mod, const wp_xlate_opts_t *o, const uint8_t *tailer,
                      const uint8_t *esc, bool inl, wp_buf_t *b) {
  const wp_modinfo_t *m = &mod->info;
  bool pin = pin_mem0(m, o);
  if (!inl) wp_buf_puts(b, "#include \"wp.h\"\n"); /* inline: after the unit (translate) */
  wp_buf_puts(b, "#ifndef __TINYC__\n#include <stdlib.h>\n#endif\n");
  wp_buf_printf(b, "const wp_rt_api *wp_rt;\ns64 wp_mt_off;\nu32 wp_tid[%u];\n", m->ntypes ? m->ntypes : 1);
  for (uint32_t f = 0; f < m->nimported_funcs; f++) gen_trampoline(m, f, b);
  uint32_t nf = wp_nfuncs(m);
  /* the module's own entries of the function table: what instances'
  ** ftab is unless the host gives them another (hot-first tier-up: the
  ** same with the hot functions' entries in the hot object); not static,
  ** so the host can read the baseline's */
  if (!o->hot) {
    wp_buf_printf(b, "void *const wp_ftab0[%u] = {", nf ? nf : 1);
    for (uint32_t f = 0; f < nf; f++)
      wp_buf_printf(b, "%s%s(void *)F%u", f ? "," : "", f % 8 ? " " : "\n", f);
    wp_buf_puts(b, nf ? "};\n" : "0};\n");
  }
  /* the baseline's call counts (hot-first tier-up): one per defined
  ** function, counted at its entry; the host may point wp_hits at a
  ** mapping its tier-up builder reads */
  if (o->baseline)
    wp_buf_printf(b, "static u32 wp_hits0[%u];\nu32 *wp_hits = wp_hits0;\n", m->nfuncs ? m->nfuncs : 1);
  if (pin) {
    /* memory 0's base pinned (gen_header): what enters from outside --
    ** funcrefs, other instances' imports -- gets a wrapper that sets r15
    ** to its instance's base and puts the caller's back */
    /* F<N>x: when r15 already holds the instance's base (a call from its
    ** own code: call_indirect through its own table) it jumps to F<N>
    ** (sibling calls allowed here alone: the recursion still grows the
    ** stack in F<N>); otherwise F<N>s sets and restores */
    /* with the instance pinned too (wp_xlate_pins_inst) the fast path
    ** needs both registers to hold this instance's values (r14 equal to I
    ** by chance, e.g. in a host caller, must not skip setting r15), and
    ** F<N>s sets and restores both.  F<N> of an escaping function takes
    ** the instance first even then (wp_xlate_takes_inst), so F<N>x passes
    ** its own parameter list on unchanged: two compares and a jump, no
    ** argument moved */
    wp_buf_puts(b, "#ifdef WP_PIN\n");
    for (uint32_t f = m->nimported_funcs; f < nf; f++) {
      if (!esc[f]) continue;
      const wp_functype_t *t = wp_modinfo_functype(m, f);
      wp_buf_t args = {0};
      wp_buf_puts(&args, "I");
      for (uint32_t k = 0; k < t->nparams; k++) wp_buf_printf(&args, ", a%u", k);
      const char *as = args.s ? args.s : "I";
      for (int fast = 0; fast < 2; fast++) {
        wp_buf_puts(b, fast ? "static __attribute__((optimize(\"optimize-sibling-calls\", \"omit-frame-pointer\"))) "
                            : "static __attribute__((noinline)) ");
        ret_type(b, t);
        wp_buf_printf(b, " F%u%c(wp_inst *I", f, fast ? 'x' : 's');
        for (uint32_t k = 0; k < t->nparams; k++) wp_buf_printf(b, ", %s a%u", wp_ctype(t->params[k]), k);
        if (fast) {
          if (t->nresults)
            wp_buf_printf(b, ") {\n  if (__builtin_expect(WP_PIN_IS(I), 1)) return F%u(%s);\n  return F%us(%s);\n}\n",
                          f, as, f, as);
          else
            wp_buf_printf(b, ") {\n  if (__builtin_expect(WP_PIN_IS(I), 1)) { F%u(%s); return; }\n  F%us(%s);\n}\n",
                          f, as, f, as);
          continue;
        }
        wp_buf_puts(b, ") { WP_PIN_SAVE(I); ");
        if (t->nresults) {
          ret_type(b, t);
          wp_buf_puts(b, " r = ");
        }
        wp_buf_printf(b, "F%u(%s); WP_PIN_BACK;%s }\n", f, as, t->nresults ? " return r;" : "");
      }
      if (args.oom) b->oom = true;
      wp_buf_free(&args);
    }
    /* a function no funcref can name has none: 0, which nothing reads */
    wp_buf_printf(b, "static void *const wp_ftabx[%u] = {", nf ? nf : 1);
    for (uint32_t f = 0; f < nf; f++) {
      wp_buf_printf(b, "%s%s", f ? "," : "", f % 8 ? " " : "\n");
      if (f < m->nimported_funcs) wp_buf_printf(b, "(void *)F%u", f);
      else if (esc[f]) wp_buf_printf(b, "(void *)F%ux", f);
      else wp_buf_puts(b, "0");
    }
    wp_buf_puts(b, nf ? "};\n" : "0};\n");
    wp_buf_puts(b, "#else\n#define wp_ftabx wp_ftab0\n#endif\n");
  } else {
    wp_buf_puts(b, "#define wp_ftabx wp_ftab0\n");
  }
  wp_buf_printf(b, "static const u32 wp_ftype[%u] = {", nf ? nf : 1);
  for (uint32_t f = 0; f < nf; f++)
    wp_buf_printf(b, "%s%s%u", f ? "," : "", f % 16 ? "" : "\n", func_type_index(m, f));
  wp_buf_puts(b, nf ? "};\n" : "0};\n");
  /* a funcref's code is the instance's table entry: the same function,
  ** optimized where the instance has it so */
  wp_buf_printf(b, "wp_fr wp_ref_func(wp_inst *I, u32 f) {\n"
                   "  wp_fr r;\n"
                   "  if (f < %u) return I->ifr[f];\n"
                   "  r.t = wp_tid[wp_ftype[f]]; r.f = %s; r.i = I;\n"
                   "  return r;\n}\n",
                m->nimported_funcs, pin ? "wp_ftabx[f]" : "I->ftab[f]");
  gen_elem_items(mod, b);
  gen_data(m, b);
  if (tailer) gen_tail_glue(m, tailer, pin, b);
  if (o->hot) return gen_hot_desc(mod, o->hot, b);

  /* exports */
  for (uint32_t i = 0; i < m->nexports; i++) {
    const wp_export_t *ex = &m->exports[i];
    if (ex->kind == WASMPLUG_EXTERN_FUNC) {
      const wp_functype_t *t = wp_modinfo_functype(m, ex->index);
      if (!host_callable(t)) {
        wp_buf_printf(b, "#define wp_x%u 0\n", i);
        continue;
      }
      wp_buf_printf(b, "static void wp_x%u(void *inst, wp_raw *v) {\n  ", i);
      if (pin) wp_buf_puts(b, "WP_PIN_SAVE((wp_inst *)inst);\n  ");
      if (t->nresults) {
        ret_type(b, t);
        wp_buf_puts(b, " r = ");
      }
      /* the baseline's through the function table (hot-first: the hot
      ** function's optimized code); an exported function escapes, so its
      ** F<N> takes the instance (wp_xlate_takes_inst) */
      if (o->baseline) wp_buf_printf(b, "((wp_ft%u)((wp_inst *)inst)->ftab[%u])((wp_inst *)inst", func_type_index(m, ex->index), ex->index);
      else wp_buf_printf(b, "F%u((wp_inst *)inst", ex->index);
      for (uint32_t k = 0; k < t->nparams; k++)
        wp_buf_printf(b, ", (%s)v[%u].%s", wp_ctype(t->params[k]), k, raw_field(t->params[k]));
      wp_buf_puts(b, ");\n");
      if (pin) wp_buf_puts(b, "  WP_PIN_BACK;\n");
      if (t->nresults == 1)
        wp_buf_printf(b, "  v[0].%s = (%s)r;\n", raw_field(t->results[0]), raw_cast(t->results[0]));
      else
        for (uint32_t k = 0; k < t->nresults; k++)
          wp_buf_printf(b, "  v[%u].%s = (%s)r.r%u;\n", k, raw_field(t->results[k]),
                        raw_cast(t->results[k]), k);
      wp_buf_puts(b, "  (void)v;\n}\n");
    } else {
      wp_buf_printf(b, "static void *wp_x%u(void *inst) { wp_inst *I = inst; return (void *)", i);
      if (ex->kind == WASMPLUG_EXTERN_TAG) wp_buf_printf(b, "I->tgp[%u]", ex->index);
      else if (ex->kind == WASMPLUG_EXTERN_MEMORY) wp_buf_printf(b, "I->mp[%u]", ex->index);
      else if (ex->kind == WASMPLUG_EXTERN_TABLE) wp_buf_printf(b, "I->tp[%u]", ex->index);
      else if (ex->index < m->nimported_globals) wp_buf_printf(b, "I->g%u", ex->index);
      else wp_buf_printf(b, "&I->g%u", ex->index);
      wp_buf_puts(b, "; }\n");
    }
  }
  wp_buf_puts(b, "static const wp_glue_export wp_exports[] = {\n");
  for (uint32_t i = 0; i < m->nexports; i++) {
    const wp_export_t *ex = &m->exports[i];
    wp_buf_puts(b, "  {");
    c_string(b, ex->name);
    if (ex->kind == WASMPLUG_EXTERN_FUNC)
      wp_buf_printf(b, ", %u, %u, wp_x%u, (void *)%sF%u%s, 0},\n", (unsigned)ex->kind, ex->index, i,
                    pin && ex->index >= m->nimported_funcs ? "WP_FX(" : "", ex->index,
                    pin && ex->index >= m->nimported_funcs ? ")" : "");
    else
      wp_buf_printf(b, ", %u, %u, 0, 0, wp_x%u},\n", (unsigned)ex->kind, ex->index, i);
  }
  wp_buf_puts(b, "  {0, 0, 0, 0, 0, 0}\n};\n");

  /* init_module: register the function types */
  wp_buf_puts(b, "static void wp_init(const wp_rt_api *rt) {\n  wp_rt = rt;\n  WP_MT_INIT;\n");
  if (tailer)
    wp_buf_printf(b, "  { u32 f; static void *const t[%u] = {", nf ? nf : 1);
  for (uint32_t f = 0; tailer && f < nf; f++) wp_buf_printf(b, "%s%s(void *)T%u", f ? "," : "", f % 8 ? " " : "\n", f);
  if (tailer)
    wp_buf_printf(b, "%s};\n    for (f = 0; f < %u; f++) if (wp_ftabx[f]) wp_th_put(wp_ftabx[f], t[f]); }\n", nf ? "" : "0", nf);
  gen_types(m, b);
  wp_buf_puts(b, "}\n");

  /* instantiate */
  wp_buf_puts(b, "typedef struct { void *self; const wp_slot *slots; const u8 *wasm; void **ftab; } wp_env;\n");
  wp_buf_puts(b, "static void wp_instantiate(void *inst, void *envp) {\n"
                 "  wp_inst *I = inst;\n  const wp_env *e = envp;\n"
                 "  I->slots = e->slots;\n  I->wasm = e->wasm;\n"
                 "  I->ftab = e->ftab ? e->ftab : (void **)wp_ftab0;\n");
  for (uint32_t k = 0; k < m->nimported_funcs; k++) {
    uint32_t s = import_slot(m, WASMPLUG_EXTERN_FUNC, k);
    wp_buf_printf(b, "  if (I->slots[%u].wasm_fn) { I->ifr[%u].f = I->slots[%u].wasm_fn; "
                     "I->ifr[%u].i = I->slots[%u].wasm_inst; } else { I->ifr[%u].f = (void *)F%u; "
                     "I->ifr[%u].i = I; }\n  I->ifr[%u].t = wp_tid[%u];\n",
                  s, k, s, k, s, k, k, k, k, func_type_index(m, k));
  }
  for (uint32_t k = 0; k < m->nimported_mems; k++)
    wp_buf_printf(b, "  I->mp[%u] = (wp_mem *)I->slots[%u].ptr;\n", k,
                  import_slot(m, WASMPLUG_EXTERN_MEMORY, k));
  for (uint32_t k = 0; k < m->nimported_tables; k++)
    wp_buf_printf(b, "  I->tp[%u] = (wp_tab *)I->slots[%u].ptr;\n", k,
                  import_slot(m, WASMPLUG_EXTERN_TABLE, k));
  if (uses_eh(m))
    wp_buf_puts(b, "  if (!(I->exl = (wp_exl *)calloc(1, sizeof(wp_exl)))) wp_trap(WP_T_MANY_EXN);\n");
  for (uint32_t k = 0; uses_eh(m) && k < wp_ntags(m); k++) {
    if (k < m->nimported_tags)
      wp_buf_printf(b, "  I->tgp[%u] = I->slots[%u].ptr;\n", k, import_slot(m, WASMPLUG_EXTERN_TAG, k));
    else
      wp_buf_printf(b, "  I->tgp[%u] = &I->tg[%u];\n", k, k - m->nimported_tags);
  }
  for (uint32_t k = 0; k < m->nimported_globals; k++) {
    wasmplug_valkind_t t;
    wp_modinfo_global(m, k, &t, NULL);
    wp_buf_printf(b, "  I->g%u = (%s *)I->slots[%u].ptr;\n", k, wp_ctype(t),
                  import_slot(m, WASMPLUG_EXTERN_GLOBAL, k));
  }
  for (uint32_t k = 0; k < m->nmems; k++) {
    const wasmplug_limits_t *l = &m->mems[k];
    /* a memory larger than 4 GiB (memory64) cannot be reserved: the
    ** runtime refuses its minimum at instantiation */
    uint64_t min = l->min > 65536 ? 0xffffffffu : l->min;
    uint64_t max = l->max == UINT64_MAX || l->max > 65536 ? 65536 : l->max;
    wp_buf_printf(b, "  wp_rt->allocate_memory(&I->mo[%u], %lluu, %lluu);\n  I->mp[%u] = &I->mo[%u];\n",
                  k, (unsigned long long)min, (unsigned long long)max, m->nimported_mems + k, k);
  }
  for (uint32_t k = 0; k < wp_nmems(m); k++) wp_buf_printf(b, "  I->md[%u] = I->mp[%u]->data;\n", k, k);
  for (uint32_t k = 0; k < m->ntables; k++) {
    const wasmplug_limits_t *l = &m->tables[k];
    uint64_t max = l->max > 0xffffffffu ? 0xffffffffu : l->max;
    uint64_t min = l->min > 0xffffffffu ? 0xffffffffu : l->min;
    bool fr = m->table_elems[k] == WASMPLUG_FUNCREF;
    uint32_t ti = m->nimported_tables + k;
    wp_buf_printf(b, "  wp_rt->allocate_%s_table(&I->to[%u], %lluu, %lluu);\n  I->tp[%u] = &I->to[%u];\n",
                  fr ? "funcref" : "externref", k, (unsigned long long)min, (unsigned long long)max,
                  ti, k);
    if (m->table_inits[k].len) {
      wp_buf_printf(b, "  { %s v = ", wp_ctype(m->table_elems[k]));
      const_expr(mod, m->table_inits[k], b);
      wp_buf_printf(b, "; wp_tfill_%c(I->tp[%u], 0, v, I->tp[%u]->size); }\n", fr ? 'r' : 'e', ti, ti);
    }
  }
  for (uint32_t g = 0; g < m->nglobals; g++) {
    wp_buf_printf(b, "  I->g%u = ", m->nimported_globals + g);
    const_expr(mod, m->globals[g].init, b);
    wp_buf_puts(b, ";\n");
  }
  for (uint32_t s = 0; s < m->nelems; s++) {
    const wp_elem_t *e = &m->elems[s];
    if (e->mode == WP_SEG_ACTIVE) {
      wp_buf_printf(b, "  wp_table_init(I, %u, %u, ", e->table, s);
      const_expr(mod, e->offset, b);
      wp_buf_printf(b, ", 0, %u);\n", e->count);
    }
    if (e->mode != WP_SEG_PASSIVE) wp_buf_printf(b, "  I->ed[%u] = 1;\n", s);
  }
  for (uint32_t s = 0; s < m->ndatas; s++) {
    const wp_data_t *d = &m->datas[s];
    if (d->mode != WP_SEG_ACTIVE) continue;
    wp_buf_printf(b, "  wp_mem_init(I, %u, %u, ", d->mem, s);
    const_expr(mod, d->offset, b);
    wp_buf_printf(b, ", 0, %u);\n  I->dd[%u] = 1;\n", d->bytes.len, s);
  }
  if (m->has_start)
    wp_buf_printf(b, pin ? "  { WP_PIN_SAVE(I); F%u(%s); WP_PIN_BACK; }\n" : "  F%u(%s);\n", m->start,
                  wp_xlate_takes_inst(m, o, esc, m->start) ? "I" : "WP_IA0");
  wp_buf_puts(b, "}\n");

  wp_buf_puts(b, "static void wp_free(void *inst) {\n  wp_inst *I = inst;\n");
  if (uses_eh(m))
    wp_buf_puts(b, "  if (I->exl) { while (I->exl->head) wp_exn_free(I->exl->head); free(I->exl); }\n");
  for (uint32_t k = 0; k < m->nmems; k++) wp_buf_printf(b, "  wp_rt->free_memory(&I->mo[%u]);\n", k);
  for (uint32_t k = 0; k < m->ntables; k++)
    wp_buf_printf(b, "  wp_rt->free_%s_table(&I->to[%u]);\n",
                  m->table_elems[k] == WASMPLUG_FUNCREF ? "funcref" : "externref", k);
  wp_buf_puts(b, "  (void)I;\n}\n"); /* ftab: the module's or the host's */

  /* the descriptor */
  wp_buf_printf(b, "static const wp_glue wp_glue_desc = {%d, sizeof(wp_inst), {", WP_GLUE_ABI);
  for (int i = 0; i < 32; i++) wp_buf_printf(b, "%s%u", i ? "," : "", mod->hash[i]);
  wp_buf_printf(b, "}, wp_init, wp_instantiate, wp_free, %u, wp_exports};\n", m->nexports);
  wp_buf_puts(b, "__attribute__((visibility(\"default\"))) const wp_glue *wasmplug_glue_v1(void) "
                 "{ return &wp_glue_desc; }\n");
  return NULL;
}

/* ---------------------------------------------------------------- entry */

static const char glue_types[] =
    "typedef struct {\n"
    "  const char *name; u32 kind, index;\n"
    "  void (*entry)(void *, wp_raw *); void *direct; void *(*get)(void *);\n"
    "} wp_glue_export;\n"
    "typedef struct {\n"
    "  u32 abi, instance_size; u8 module_hash[32];\n"
    "  void (*init_module)(const wp_rt_api *);\n"
    "  void (*instantiate)(void *, void *);\n"
    "  void (*free)(void *);\n"
    "  u32 nexports; const wp_glue_export *exports;\n"
    "} wp_glue;\n";

void wp_xlate_free(wp_xlate_t *x) {
  wp_buf_free(&x->header);
  wp_buf_free(&x->glue);
  for (uint32_t i = 0; i < x->nunits; i++) wp_buf_free(&x->units[i].c);
  free(x->units);
  memset(x, 0, sizeof *x);
}

/* Which defined functions make tail calls (return_call*). */
static uint8_t *find_tailers(const wasmplug_module_t *mod) {
  const wp_modinfo_t *m = &mod->info;
  uint8_t *t = calloc(m->nfuncs ? m->nfuncs : 1, 1);
  if (!t) return NULL;
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    wp_span_t body = m->bodies[i];
    wp_reader_t r = {mod->bytes + body.off, mod->bytes, mod->bytes + body.off + body.len, mod->name, NULL};
    uint32_t ngroups, cnt;
    wasmplug_valkind_t vt;
    wp_rd_u32(&r, &ngroups);
    for (uint32_t g = 0; g < ngroups; g++) {
      wp_rd_u32(&r, &cnt);
      wp_rd_valtype(&r, &vt);
    }
    wp_instr_t in;
    while (!t[i] && r.p < r.end && wp_read_instr(&r, &in)) t[i] = in.op == 0x12 || in.op == 0x13;
    free(r.err);
  }
  return t;
}

/* One defined function's body, scanned for where its code runs: its size,
** how much of it is inside loops, its direct calls (callee, whether the
** call is inside a loop) and the functions its ref.func instructions name. */
typedef struct call_site {
  uint32_t callee; /* defined function index */
  bool in_loop;
} call_site_t;

typedef struct cold_scan {
  call_site_t *sites;
  size_t nsites, cap;
  uint32_t *first; /* sites of function i: [first[i], first[i + 1]) */
  uint8_t *named;  /* named[i]: a table, export, start or ref.func may reach i */
  bool oom;
} cold_scan_t;

static void add_site(cold_scan_t *s, uint32_t callee, bool in_loop) {
  if (s->nsites == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 1024;
    call_site_t *n = realloc(s->sites, cap * sizeof *n);
    if (!n) {
      s->oom = true;
      return;
    }
    s->sites = n;
    s->cap = cap;
  }
  s->sites[s->nsites++] = (call_site_t){callee, in_loop};
}

/* Whether function i's code is under 90 % in loops (the loop share is the
** static estimate of how often code runs: in a loop many times a call,
** elsewhere at most once); its calls and ref.funcs go into s. */
static bool scan_body(const wasmplug_module_t *mod, uint32_t i, cold_scan_t *s) {
  const wp_modinfo_t *m = &mod->info;
  wp_span_t body = m->bodies[i];
  wp_reader_t r = {mod->bytes + body.off, mod->bytes, mod->bytes + body.off + body.len, mod->name, NULL};
  uint8_t *loop = malloc(body.len ? body.len : 1); /* per open block: is it a loop (a block takes a byte at least) */
  if (!loop) {
    s->oom = true;
    return false;
  }
  uint32_t ngroups, cnt, depth = 0, loops = 0;
  uint64_t in_loops = 0;
  wasmplug_valkind_t vt;
  wp_rd_u32(&r, &ngroups);
  for (uint32_t g = 0; g < ngroups && !r.err; g++) {
    wp_rd_u32(&r, &cnt);
    wp_rd_valtype(&r, &vt);
  }
  const uint8_t *code = r.p;
  wp_instr_t in;
  while (!r.err && r.p < r.end) {
    const uint8_t *at = r.p;
    if (!wp_read_instr(&r, &in)) break;
    if (loops) in_loops += (uint64_t)(r.p - at);
    if (in.op == 0x02 || in.op == 0x03 || in.op == 0x04 || in.op == 0x06 || in.op == 0x1f) {
      if (depth < body.len) loop[depth++] = in.op == 0x03;
      loops += in.op == 0x03;
    } else if ((in.op == 0x0b || in.op == 0x18) && depth) { /* end, delegate */
      loops -= loop[--depth];
    } else if ((in.op == 0x10 || in.op == 0x12) && in.a >= m->nimported_funcs) { /* call, return_call */
      add_site(s, in.a - m->nimported_funcs, loops > 0);
    } else if (in.op == 0xd2 && in.a >= m->nimported_funcs) {
      s->named[in.a - m->nimported_funcs] = 1;
    }
  }
  free(loop);
  free(r.err);
  return in_loops * 10 < (uint64_t)(r.end - code) * 9;
}

/* The ref.funcs of a constant expression (globals, element items). */
static void name_refs(const wasmplug_module_t *mod, wp_span_t span, uint8_t *named) {
  const wp_modinfo_t *m = &mod->info;
  wp_reader_t r = {mod->bytes + span.off, mod->bytes, mod->bytes + span.off + span.len, mod->name, NULL};
  wp_instr_t in;
  while (r.p < r.end && wp_read_instr(&r, &in))
    if (in.op == 0xd2 && in.a >= m->nimported_funcs && in.a < wp_nfuncs(m)) named[in.a - m->nimported_funcs] = 1;
  free(r.err);
}

/* Which defined functions are cold: compiled at the optimized tier's
** cheaper level, in units of their own (build.c: cc_level, -Og), by a
** static estimate of where a program spends no time -- the one a compiler
** makes without a profile:
**  - huge straight functions: at least WP_OPT_HUGE_BYTES of code, under
**    90 % of it in loops (code outside loops runs at most once a call);
**  - then, to a fixed point, the functions only cold ones call, each call
**    outside the caller's loops, themselves under 90 % in loops, and that
**    no table, export, start function or ref.func can reach: such a
**    function runs at most once per call of a cold function and call site.
** SQLite: its query planner and code generators and the helpers only
** they call (constructAutomaticIndex, sqlite3EndTable...); its
** interpreter loop, printf and b-tree balancing are huge too but nearly
** all loop and stay at -O1, and a helper a cold function calls in a loop
** stays too (measurements: bench/README.md, "huge straight functions at
** -Og" and "cold functions at -Og").  The others that are huge and at
** least 90 % in loops are marked 2 (the units holding one keep the
** register allocator's loop regions: build.c, cc_args).  NULL when out
** of memory. */
static uint8_t *find_cold(const wasmplug_module_t *mod) {
  const wp_modinfo_t *m = &mod->info;
  uint32_t n = m->nfuncs;
  cold_scan_t s = {0};
  uint8_t *cold = calloc(n + 1, 1), *straight = calloc(n + 1, 1);
  uint32_t *hot_sites = calloc(n + 1, sizeof *hot_sites), *work = malloc((n + 1) * sizeof *work);
  s.first = malloc((n + 1) * sizeof *s.first);
  s.named = calloc(n + 1, 1);
  if (!cold || !straight || !hot_sites || !work || !s.first || !s.named) s.oom = true;
  for (uint32_t i = 0; i < n && !s.oom; i++) {
    s.first[i] = (uint32_t)s.nsites;
    straight[i] = scan_body(mod, i, &s);
  }
  if (!s.oom) s.first[n] = (uint32_t)s.nsites;
  /* what may be reached other than by a direct call */
  for (uint32_t e = 0; e < m->nexports && !s.oom; e++)
    if (m->exports[e].kind == WASMPLUG_EXTERN_FUNC && m->exports[e].index >= m->nimported_funcs)
      s.named[m->exports[e].index - m->nimported_funcs] = 1;
  if (!s.oom && m->has_start && m->start >= m->nimported_funcs) s.named[m->start - m->nimported_funcs] = 1;
  for (uint32_t k = 0; k < m->nelems && !s.oom; k++) {
    const wp_elem_t *el = &m->elems[k];
    for (uint32_t j = 0; j < el->count; j++)
      if (el->funcs && el->funcs[j] >= m->nimported_funcs && el->funcs[j] < wp_nfuncs(m))
        s.named[el->funcs[j] - m->nimported_funcs] = 1;
      else if (el->exprs)
        name_refs(mod, el->exprs[j], s.named);
  }
  for (uint32_t g = 0; g < m->nglobals && !s.oom; g++) name_refs(mod, m->globals[g].init, s.named);
  for (uint32_t t = 0; t < m->ntables && !s.oom; t++) name_refs(mod, m->table_inits[t], s.named);
  if (s.oom) {
    free(cold);
    cold = NULL;
    goto out;
  }
  /* every call site counts against its callee until its caller is cold
  ** and the call is outside the caller's loops */
  uint32_t nw = 0;
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t k = s.first[i]; k < s.first[i + 1]; k++)
      if (s.sites[k].callee != i) hot_sites[s.sites[k].callee]++;
  for (uint32_t i = 0; i < n; i++)
    if ((straight[i] && m->bodies[i].len >= WP_OPT_HUGE_BYTES) || (!hot_sites[i] && !s.named[i])) {
      /* (the second: no caller but itself and no other way in -- it never runs) */
      cold[i] = 1;
      work[nw++] = i;
    }
  while (nw) {
    uint32_t i = work[--nw];
    for (uint32_t k = s.first[i]; k < s.first[i + 1]; k++) {
      uint32_t c = s.sites[k].callee;
      if (c == i || s.sites[k].in_loop || --hot_sites[c] || cold[c] || s.named[c] || !straight[c]) continue;
      cold[c] = 1;
      work[nw++] = c;
    }
  }
  for (uint32_t i = 0; i < n; i++)
    if (!cold[i] && !straight[i] && m->bodies[i].len >= WP_OPT_HUGE_BYTES) cold[i] = 2;
out:
  free(s.sites);
  free(s.first);
  free(s.named);
  free(straight);
  free(hot_sites);
  free(work);
  return cold;
}

static char *translate(const wasmplug_module_t *mod, const wp_xlate_opts_t *opts, bool inl, wp_xlate_t *out);

char *wp_translate(const wasmplug_module_t *mod, const wp_xlate_opts_t *opts, wp_xlate_t *out) {
  return translate(mod, opts, false, out);
}

char *wp_translate_inline(const wasmplug_module_t *mod, const wp_xlate_opts_t *opts, wp_xlate_t *out) {
  return translate(mod, opts, true, out);
}

static char *translate(const wasmplug_module_t *mod, const wp_xlate_opts_t *opts, bool inl, wp_xlate_t *out) {
  const wp_modinfo_t *m = &mod->info;
  memset(out, 0, sizeof *out);
  uint8_t *tailer = NULL, *esc = NULL;
  char *err = NULL;
  if ((m->features & WP_FEAT_TAILCALL) && !(tailer = find_tailers(mod))) {
    err = wp_strdup("out of memory");
    goto fail;
  }
  /* the functions that get F<N>x wrappers and, with the instance pinned,
  ** take it as a parameter all the same (wp_xlate_takes_inst) */
  if (pin_mem0(m, opts) && !(esc = escaping_funcs(mod))) {
    err = wp_strdup("out of memory");
    goto fail;
  }
  gen_header(mod, opts, tailer, esc, &out->header);
  wp_buf_puts(&out->header, glue_types);
  if (opts->baseline) wp_buf_puts(&out->header, "extern u32 *wp_hits;\n");
  if (!opts->baseline) gen_import_calls(m, &out->header);
  /* inline (one unit at most, from compile.c): the glue goes after the
  ** unit, below the header the unit starts with (see the end) */
  err = gen_glue(mod, opts, tailer, esc, inl, &out->glue);
  if (!err && inl && opts->unit_bytes) {
    err = wp_strdup("internal error: inline C is one unit");
    goto fail;
  }
  if (err) goto fail;

  /* units: consecutive functions up to unit_bytes of wasm code each; on
  ** the optimized tier the cold ones (find_cold) after the others, in
  ** units of their own */
  uint32_t cap = 1;
  if (opts->unit_bytes) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < m->nfuncs; i++) total += m->bodies[i].len;
    cap = (uint32_t)(total / opts->unit_bytes) + 2;
    if (cap > m->nfuncs + 1) cap = m->nfuncs + 1;
  }
  /* two more: where the huge loops end and where the cold functions
  ** begin each end a unit early */
  out->units = calloc(cap + 2, sizeof *out->units);
  /* the functions in the order they go into units: [0, nloop) the huge
  ** loops (find_cold's 2), [nloop, nsmall) the others, [nsmall, n) the
  ** cold ones (filled from the end, then turned round into the module's
  ** order).  The huge loops first and in units of their own: their units
  ** keep the register allocator's loop regions (wp_unit_t's flat), the
  ** others' take one region, and the largest of them (SQLite's
  ** interpreter loop) starts compiling first. */
  uint32_t *order = malloc((m->nfuncs + 1) * sizeof *order);
  bool split = !opts->baseline && !opts->hot && opts->unit_bytes;
  uint8_t *cold = split ? find_cold(mod) : NULL;
  if (!out->units || !order || (split && !cold)) {
    free(order);
    free(cold);
    err = wp_strdup("out of memory");
    goto fail;
  }
  uint32_t n = 0, nsmall = 0, nloop = 0, back = m->nfuncs;
  for (uint32_t i = 0; cold && i < m->nfuncs; i++)
    if (cold[i] == 2) order[nsmall++] = i;
  nloop = nsmall;
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    if (opts->hot && !opts->hot[i]) continue; /* a hot object: the hot functions only */
    if (cold && cold[i] == 1) order[--back] = i;
    else if (!cold || cold[i] != 2) order[nsmall++] = i;
  }
  for (uint32_t a = back, b = m->nfuncs; a + 1 < b; a++, b--) {
    uint32_t t = order[a];
    order[a] = order[b - 1];
    order[b - 1] = t;
  }
  n = nsmall + (m->nfuncs - back);
  memmove(order + nsmall, order + back, (m->nfuncs - back) * sizeof *order);
  wp_xmod_t x = {mod, m, opts, tailer, esc};
  wp_unit_t *u = NULL;
  uint64_t ubytes = 0;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t i = order[k];
    bool is_cold = k >= nsmall;
    if (!u || u->cold != is_cold || k == nloop ||
        (opts->unit_bytes && ubytes >= opts->unit_bytes && out->nunits < cap)) {
      u = &out->units[out->nunits++];
      u->first = i;
      u->cold = is_cold;
      u->flat = cold != NULL;
      put_header(&u->c, inl, &out->header);
      /* the instance pinned (pin_block): the body's I is the register
      ** (never on the baseline, so never in inline C, whose glue follows) */
      if (wp_xlate_pins_inst(m, opts)) wp_buf_puts(&u->c, "#ifdef WP_IPIN\n#define I wp_ip\n#endif\n");
      ubytes = 0;
    }
    if (cold && cold[i] == 2) u->flat = false;
    if ((err = wp_translate_func(&x, i, &u->c))) {
      free(order);
      free(cold);
      goto fail;
    }
    u->count++;
    ubytes += m->bodies[i].len;
    /* After a unit's last function, a sentinel whose address tells where
    ** that function ends (backtrace.c: libtcc lays functions out in order
    ** and puts the helpers it defers after them). */
    if (k + 1 == n || k + 1 == nsmall || k + 1 == nloop ||
        (opts->unit_bytes && ubytes >= opts->unit_bytes && out->nunits < cap)) {
      wp_buf_printf(&u->c, "void wp_end%u(void) {}\n", out->nunits - 1);
      if (opts->on_unit && !inl && (err = opts->on_unit(opts->on_unit_arg, out, out->nunits - 1))) {
        free(order);
        free(cold);
        goto fail;
      }
    }
  }
  free(order);
  free(cold);
  /* inline: one text, header + unit + glue, so libtcc reads the header
  ** once (the glue only defines what the header declares); no unit (no
  ** function): header + glue */
  if (inl) {
    wp_buf_t *one = out->nunits ? &out->units[0].c : &out->header;
    wp_buf_put(one, out->glue.s ? out->glue.s : "", out->glue.len);
    wp_buf_free(&out->glue);
    if (!out->nunits) {
      out->glue = out->header;
      memset(&out->header, 0, sizeof out->header);
    }
  }
  if (out->header.oom || out->glue.oom) {
    err = wp_strdup("out of memory");
    goto fail;
  }
  for (uint32_t i = 0; i < out->nunits; i++)
    if (out->units[i].c.oom) {
      err = wp_strdup("out of memory");
      goto fail;
    }
  free(tailer);
  free(esc);
  return NULL;
fail:
  free(tailer);
  free(esc);
  wp_xlate_free(out);
  return err;
}
