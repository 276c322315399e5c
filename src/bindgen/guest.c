/*
** guest.c — the guest side: C bindings for a wasm32-wasi program.
**
** Imports: each WIT function becomes a core import
**   __attribute__((import_module("ns:pkg/iface@v"), import_name("f")))
** with the canonical ABI's flat signature (params flattened, or one
** pointer to them when more than 16; a result of more than one flat value
** comes back through a pointer appended to the params), wrapped by a typed
** C function that lowers its arguments and lifts the result.  Strings and
** lists the host returns were allocated with cabi_realloc (malloc): the
** caller owns them and frees them with the _free helpers.
** Exports: the author implements exports_<name>(...); the core export
** lifts its flat params (the callee owns strings/lists it receives),
** lowers the result into a static return area and frees it again in the
** cabi_post_ export the host calls afterwards.
** No component-type custom section: jco's componentEmbed adds it.
*/
#include <stdlib.h>
#include <string.h>

#include "bindgen/flat.h"

typedef struct {
  bg_core_t p[BG_FLAT_CAP];
  int np;           /* flat params (exact count; > 16 means spilled) */
  bg_core_t r[BG_FLAT_CAP];
  int nr;
  bool spill;       /* params passed as one pointer */
  bool retptr;      /* result through memory */
} sig_t;

static void flat_sig(bg_t *g, const wp_wit_function_t *f, sig_t *s) {
  memset(s, 0, sizeof *s);
  for (uint32_t i = 0; i < f->n_params; i++) {
    bg_core_t sub[BG_FLAT_CAP];
    int n = bg_flat(g, f->params[i].type, sub);
    for (int k = 0; k < n; k++) {
      if (s->np < BG_FLAT_CAP) s->p[s->np] = k < BG_FLAT_CAP ? sub[k] : BG_I64;
      s->np++;
    }
  }
  s->spill = s->np > BG_MAX_FLAT_PARAMS;
  if (f->result.kind != WP_WIT_T_NONE) s->nr = bg_flat(g, f->result, s->r);
  s->retptr = s->nr > 1;
}

/* The C declaration of the author-facing function. */
static void proto(bg_t *g, wp_buf_t *b, const bg_func_t *bf, const char *name) {
  const wp_wit_function_t *f = bf->f;
  bool rv = f->result.kind != WP_WIT_T_NONE && bg_by_value(g, f->result);
  wp_buf_printf(b, "%s %s(", rv ? bg_ctype(g, f->result) : "void", name);
  bool first = true;
  for (uint32_t i = 0; i < f->n_params; i++) {
    char *n = bg_param(f->params[i].name);
    const char *T = bg_ctype(g, f->params[i].type);
    if (bg_by_value(g, f->params[i].type)) wp_buf_printf(b, "%s%s %s", first ? "" : ", ", T, n ? n : "?");
    else wp_buf_printf(b, "%s%s%s *%s", first ? "" : ", ", bf->is_export ? "" : "const ", T, n ? n : "?");
    first = false;
    free(n);
  }
  if (f->result.kind != WP_WIT_T_NONE && !rv) {
    wp_buf_printf(b, "%s%s *ret", first ? "" : ", ", bg_ctype(g, f->result));
    first = false;
  }
  if (first) wp_buf_puts(b, "void");
  wp_buf_puts(b, ")");
}

/* `name` prefixes the struct: an interface both imported and exported has
** two functions with one cname. */
static void params_struct(bg_t *g, wp_buf_t *c, const bg_func_t *bf, const char *name) {
  const wp_wit_function_t *f = bf->f;
  wp_buf_puts(c, "typedef struct {\n");
  for (uint32_t i = 0; i < f->n_params; i++) {
    char *n = bg_param(f->params[i].name);
    wp_buf_printf(c, "  %s %s;\n", bg_ctype(g, f->params[i].type), n ? n : "?");
    free(n);
  }
  wp_buf_printf(c, "} %s_params_t;\n\n", name);
}

static void import_fn(bg_t *g, wp_buf_t *h, wp_buf_t *c, const bg_func_t *bf) {
  const wp_wit_function_t *f = bf->f;
  sig_t s;
  flat_sig(g, f, &s);
  bool rv = f->result.kind != WP_WIT_T_NONE && bg_by_value(g, f->result);
  /* the core import */
  wp_buf_printf(c, "__attribute__((__import_module__(\"%s\"), __import_name__(\"%s\")))\n", bf->module, f->name);
  wp_buf_printf(c, "extern %s __wasm_import_%s(", s.nr == 1 ? bg_core_ctype(s.r[0]) : "void", bf->cname);
  int n = 0;
  if (s.spill) wp_buf_printf(c, "%sint32_t", n++ ? ", " : "");
  else
    for (int k = 0; k < s.np; k++) wp_buf_printf(c, "%s%s", n++ ? ", " : "", bg_core_ctype(s.p[k]));
  if (s.retptr) wp_buf_printf(c, "%sint32_t", n++ ? ", " : "");
  if (!n) wp_buf_puts(c, "void");
  wp_buf_puts(c, ");\n\n");
  if (s.spill) params_struct(g, c, bf, bf->cname);
  /* the typed wrapper */
  wp_buf_printf(h, "/* %s#%s%s */\n", bf->module, f->name,
                bf->is_async ? " (async: a synchronous call, it returns when the function completes)" : "");
  proto(g, h, bf, bf->cname);
  wp_buf_puts(h, ";\n");
  proto(g, c, bf, bf->cname);
  wp_buf_puts(c, " {\n");
  if (s.spill) {
    /* the params tuple in memory has exactly the C struct's wasm32 layout */
    wp_buf_printf(c, "  %s_params_t P;\n", bf->cname);
    for (uint32_t i = 0; i < f->n_params; i++) {
      char *nm = bg_param(f->params[i].name);
      wp_buf_printf(c, "  P.%s = %s%s;\n", nm, bg_by_value(g, f->params[i].type) ? "" : "*", nm);
      free(nm);
    }
  } else {
    for (int k = 0; k < s.np; k++) wp_buf_printf(c, "  %s f%d = 0;\n", bg_core_ctype(s.p[k]), k);
    int k = 0;
    for (uint32_t i = 0; i < f->n_params; i++) {
      char *nm = bg_param(f->params[i].name);
      char *e = nm ? bg_fmt(bg_by_value(g, f->params[i].type) ? "%s" : "(*%s)", nm) : NULL;
      if (e) k = bg_lower(g, c, f->params[i].type, e, s.p, k, "  ");
      free(nm);
      free(e);
    }
  }
  if (rv) wp_buf_printf(c, "  %s ret;\n", bg_ctype(g, f->result));
  wp_buf_puts(c, "  ");
  if (s.nr == 1) wp_buf_printf(c, "%s r0 = ", bg_core_ctype(s.r[0]));
  wp_buf_printf(c, "__wasm_import_%s(", bf->cname);
  n = 0;
  if (s.spill) wp_buf_printf(c, "%s(int32_t)(uintptr_t)&P", n++ ? ", " : "");
  else
    for (int k = 0; k < s.np; k++) wp_buf_printf(c, "%sf%d", n++ ? ", " : "", k);
  /* the host writes the result straight into the caller's struct */
  if (s.retptr) wp_buf_printf(c, "%s(int32_t)(uintptr_t)ret", n++ ? ", " : "");
  wp_buf_puts(c, ");\n");
  if (s.nr == 1) {
    /* lift from r0: reuse the slot machinery with a one-slot frame named r */
    /* a nested scope's f0 is the frame of the single flat result */
    wp_buf_printf(c, "  {\n    %s f0 = r0;\n", bg_core_ctype(s.r[0]));
    bg_lift(g, c, f->result, rv ? "ret" : "(*ret)", s.r, 0, "    ");
    wp_buf_puts(c, "  }\n");
  }
  if (rv) wp_buf_puts(c, "  return ret;\n");
  wp_buf_puts(c, "}\n\n");
}

static char *export_name(const bg_func_t *bf) {
  if (bf->iface == WP_WIT_NONE) return bg_strdup(bf->f->name);
  return bg_fmt("%s#%s", bf->module, bf->f->name);
}

static void export_fn(bg_t *g, wp_buf_t *h, wp_buf_t *c, const bg_func_t *bf) {
  const wp_wit_function_t *f = bf->f;
  sig_t s;
  flat_sig(g, f, &s);
  bool rv = f->result.kind != WP_WIT_T_NONE && bg_by_value(g, f->result);
  char *user = bg_fmt("exports_%s", bf->cname);
  char *ename = export_name(bf);
  if (!user || !ename) {
    free(user);
    free(ename);
    bg_fail(g, "out of memory");
    return;
  }
  if (f->result.kind != WP_WIT_T_NONE && bg_has_own(g, f->result) && bg_has_pointers(g, f->result)) {
    bg_fail(g, "export '%s': results holding both own handles and strings/lists are not supported yet", ename);
    goto out;
  }
  wp_buf_printf(h, "/* %s (implemented by the guest; owns its string/list params) */\n", ename);
  proto(g, h, bf, user);
  wp_buf_puts(h, ";\n");
  if (s.spill) params_struct(g, c, bf, user);
  if (s.retptr) wp_buf_printf(c, "static %s %s_ret_area;\n\n", bg_ctype(g, f->result), user);
  wp_buf_printf(c, "__attribute__((__export_name__(\"%s\")))\n", ename);
  wp_buf_printf(c, "%s __wasm_export_%s(", s.nr == 1 ? bg_core_ctype(s.r[0]) : s.retptr ? "int32_t" : "void",
            bf->cname);
  if (s.spill) wp_buf_puts(c, "int32_t arg");
  else
    for (int k = 0; k < s.np; k++) wp_buf_printf(c, "%s%s f%d", k ? ", " : "", bg_core_ctype(s.p[k]), k);
  if (!s.spill && !s.np) wp_buf_puts(c, "void");
  wp_buf_puts(c, ") {\n");
  if (s.spill) {
    wp_buf_printf(c, "  %s_params_t P;\n  memcpy(&P, (const void *)(uintptr_t)arg, sizeof P);\n"
                 "  free((void *)(uintptr_t)arg); /* the host allocated it for us */\n",
              user);
  } else {
    int k = 0;
    for (uint32_t i = 0; i < f->n_params; i++) {
      char *nm = bg_param(f->params[i].name);
      wp_buf_printf(c, "  %s %s;\n  memset(&%s, 0, sizeof %s);\n", bg_ctype(g, f->params[i].type), nm, nm, nm);
      k = bg_lift(g, c, f->params[i].type, nm, s.p, k, "  ");
      free(nm);
    }
  }
  const char *ret_lv = NULL;
  if (f->result.kind != WP_WIT_T_NONE) {
    if (s.retptr) {
      ret_lv = "ret";
      wp_buf_printf(c, "  %s *ret = &%s_ret_area;\n  memset(ret, 0, sizeof *ret);\n", bg_ctype(g, f->result), user);
    } else {
      ret_lv = "(*ret)";
      wp_buf_printf(c, "  %s ret_value;\n  memset(&ret_value, 0, sizeof ret_value);\n  %s *ret = &ret_value;\n",
                bg_ctype(g, f->result), bg_ctype(g, f->result));
    }
  }
  wp_buf_puts(c, "  ");
  if (rv) wp_buf_puts(c, "*ret = ");
  wp_buf_printf(c, "%s(", user);
  bool first = true;
  for (uint32_t i = 0; i < f->n_params; i++) {
    char *nm = bg_param(f->params[i].name);
    bool byv = bg_by_value(g, f->params[i].type);
    wp_buf_printf(c, "%s%s%s%s", first ? "" : ", ", byv ? "" : "&", s.spill ? "P." : "", nm);
    first = false;
    free(nm);
  }
  if (f->result.kind != WP_WIT_T_NONE && !rv) wp_buf_printf(c, "%sret", first ? "" : ", ");
  wp_buf_puts(c, ");\n");
  if (s.nr == 1) {
    wp_buf_printf(c, "  %s r0 = 0;\n", bg_core_ctype(s.r[0]));
    /* lower into a one-slot frame; bg_lower writes f0, so alias it */
    wp_buf_puts(c, "  {\n");
    wp_buf_printf(c, "    %s f0 = 0;\n", bg_core_ctype(s.r[0]));
    bg_lower(g, c, f->result, ret_lv, s.r, 0, "    ");
    wp_buf_puts(c, "    r0 = f0;\n  }\n  return r0;\n");
  } else if (s.retptr) {
    wp_buf_puts(c, "  return (int32_t)(uintptr_t)ret;\n");
  }
  wp_buf_puts(c, "}\n\n");
  if (s.retptr && bg_has_pointers(g, f->result)) {
    char *fr = bg_free_name(g, f->result);
    wp_buf_printf(c, "__attribute__((__export_name__(\"cabi_post_%s\")))\n"
                 "void __wasm_export_%s_post_return(int32_t ret) {\n"
                 "  %s((%s *)(uintptr_t)ret);\n}\n\n",
              ename, bf->cname, fr ? fr : "?", bg_ctype(g, f->result));
    free(fr);
  }
out:
  free(user);
  free(ename);
}

/* Handles of imported resources: drop, and borrow from an own handle. */
static void resources(bg_t *g, wp_buf_t *h, wp_buf_t *c) {
  const wp_wit_resolve_t *r = g->r;
  for (uint32_t i = 0; i < r->n_types; i++) {
    const wp_wit_typedef_t *d = &r->types[i];
    if (d->kind != WP_WIT_DEF_RESOURCE || !g->needed[i]) continue;
    bool world_level = d->owner_kind != WP_WIT_OWNER_INTERFACE;
    if (!world_level && g->impl[d->owner]) {
      bg_fail(g, "resource '%s': guest-exported resources are not supported by C bindgen yet", d->name);
      return;
    }
    const char *own = NULL, *borrow = NULL;
    for (uint32_t k = 0; k < r->n_types; k++) {
      const wp_wit_typedef_t *hd = &r->types[k];
      if (hd->kind != WP_WIT_DEF_HANDLE || !g->needed[k] || !g->tname[k]) continue;
      if (wp_wit_type_unalias(r, hd->resource) != i) continue;
      if (hd->borrow) borrow = g->tname[k];
      else own = g->tname[k];
    }
    char *rn = bg_snake(d->name);
    /* a world-level resource is an import of the world itself ($root) */
    const char *base = world_level ? g->prefix : g->ifprefix[d->owner];
    char *module = world_level ? bg_strdup("$root") : wp_wit_interface_id(r, d->owner);
    if (own && rn) {
      wp_buf_printf(c, "__attribute__((__import_module__(\"%s\"), __import_name__(\"[resource-drop]%s\")))\n"
                   "extern void __wasm_import_%s_%s_drop(int32_t);\n\n",
                module ? module : base, d->name, base, rn);
      wp_buf_printf(h, "/* Drops an own handle (the resource is destroyed by its owner). */\n"
                   "void %s_%s_drop_own(%s handle);\n", base, rn, own);
      wp_buf_printf(c, "void %s_%s_drop_own(%s handle) {\n  __wasm_import_%s_%s_drop(handle.__handle);\n}\n\n",
                base, rn, own, base, rn);
      if (borrow) {
        wp_buf_printf(h, "/* Borrows an own handle for a call. */\n"
                     "static inline %s %s_borrow_%s(%s handle) {\n"
                     "  %s b = {handle.__handle};\n  return b;\n}\n",
                  borrow, base, rn, own, borrow);
      }
    }
    free(rn);
    free(module);
  }
}

/* The export that is wasi:cli/run's run, or NULL. */
static const bg_func_t *run_export(const bg_t *g) {
  for (uint32_t i = 0; i < g->nfuncs; i++) {
    const bg_func_t *bf = &g->funcs[i];
    if (bf->is_export && bf->iface != WP_WIT_NONE && !strncmp(bf->module, "wasi:cli/run@", 13) &&
        !strcmp(bf->f->name, "run"))
      return bf;
  }
  return NULL;
}

/* --command: wasi:cli/run#run is the C program's main.  The module is a
** reactor (no _start, so wasm-ld wraps no export, cabi_realloc included,
** in constructor/destructor calls, whose stdio flush in the middle of a
** call loses output under the command adapter); run calls main through
** wasi-libc's __main_void (which passes the arguments), then exit(), which
** flushes stdio and runs the atexit handlers before wasi:cli/exit. */
static void command_run(bg_t *g, wp_buf_t *h, wp_buf_t *c) {
  const bg_func_t *bf = run_export(g);
  if (!bf) {
    bg_fail(g, "--command: world '%s' does not export wasi:cli/run (add `export wasi:cli/run@0.2.0;` or "
               "`include wasi:cli/command@0.2.0;`)",
            g->world != WP_WIT_NONE ? g->r->worlds[g->world].name : "?");
    return;
  }
  char *user = bg_fmt("exports_%s", bf->cname);
  if (!user) {
    bg_fail(g, "out of memory");
    return;
  }
  wp_buf_printf(h, "/* --command: %s is implemented by the bindings: it runs main().\n"
                   "** Build a reactor: clang -mexec-model=reactor (the reactor adapter). */\n", user);
  wp_buf_puts(c, "/* wasi:cli/run is main() (bindgen --command).  A reactor: no export is\n"
                 "** wrapped in constructor/destructor calls; main's output is flushed by\n"
                 "** exit() when it returns. */\n"
                 "int __main_void(void);\n");
  proto(g, c, bf, user);
  wp_buf_puts(c, " {\n");
  if (bf->f->result.kind != WP_WIT_T_NONE && !bg_by_value(g, bf->f->result)) wp_buf_puts(c, "  (void)ret;\n");
  wp_buf_puts(c, "  exit(__main_void()); /* flushes stdio, runs atexit handlers, then wasi:cli/exit */\n}\n\n");
  free(user);
}

void bg_emit_guest_stubs(bg_t *g, wp_buf_t *s) {
  const bool command = g->o->flags & WP_BINDGEN_COMMAND;
  const bg_func_t *run = command ? run_export(g) : NULL;
  wp_buf_printf(s,
            "/* %s_stubs.c — a skeleton of the guest: every export returns a zero value\n"
            "** until you write it.  Written once by `wasmplug bindgen c --guest ...\n"
            "** --stubs` and never again: it is yours to edit. */\n"
            "#include <string.h>\n\n#include \"%s.h\"\n\n",
            g->prefix, g->prefix);
  for (uint32_t i = 0; i < g->nfuncs; i++) {
    const bg_func_t *bf = &g->funcs[i];
    if (!bf->is_export || bf == run) continue;
    const wp_wit_function_t *f = bf->f;
    char *user = bg_fmt("exports_%s", bf->cname);
    wp_buf_printf(s, "/* %s */\n", f->name);
    proto(g, s, bf, user ? user : "?");
    wp_buf_puts(s, " {\n");
    for (uint32_t k = 0; k < f->n_params; k++) {
      char *n = bg_param(f->params[k].name);
      wp_buf_printf(s, "  (void)%s;\n", n ? n : "?");
      free(n);
    }
    if (f->result.kind != WP_WIT_T_NONE) {
      if (bg_by_value(g, f->result))
        wp_buf_printf(s, "  %s r;\n  memset(&r, 0, sizeof r);\n  return r;\n", bg_ctype(g, f->result));
      else
        wp_buf_puts(s, "  (void)ret; /* zeroed by the bindings */\n");
    }
    wp_buf_puts(s, "}\n\n");
    free(user);
  }
  if (command) wp_buf_puts(s, "int main(void) {\n  return 0;\n}\n");
}

void bg_emit_guest(bg_t *g, wp_buf_t *h, wp_buf_t *c) {
  wp_buf_printf(h,
            "/* Guest bindings (wasm32-wasi).  The C types below have the canonical ABI's\n"
            "** memory layout.\n"
            "** Imports: call <iface>_<func>(...).  Scalars, enums, flags and handles go by\n"
            "**   value; other params by const pointer (not consumed).  A scalar result is\n"
            "**   returned, any other is written to *ret; strings and lists in it were\n"
            "**   allocated with cabi_realloc (malloc): free them with <type>_free.\n"
            "** Exports: implement exports_<iface>_<func>(...).  It owns its string/list\n"
            "**   params (free them with <type>_free) and fills *ret with malloc'd\n"
            "**   contents (e.g. %s_string_dup): the generated post-return frees them.\n"
            "** Handles of imported resources: <iface>_<r>_drop_own(h) drops an own\n"
            "**   handle, <iface>_borrow_<r>(h) lends it to a call. */\n",
            g->prefix);
  wp_buf_puts(h, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
             "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
  wp_buf_puts(c, "#include <stdlib.h>\n#include <string.h>\n\n");
  wp_buf_printf(c, "#include \"%s.h\"\n\n", g->prefix);
  wp_buf_puts(c, "/* Bit casts between the joined flat types of variant payloads. */\n"
             "__attribute__((unused)) static inline int32_t bg_f32_bits(float f) {\n  int32_t i;\n  memcpy(&i, &f, 4);\n  return i;\n}\n"
             "__attribute__((unused)) static inline float bg_bits_f32(int32_t i) {\n  float f;\n  memcpy(&f, &i, 4);\n  return f;\n}\n"
             "__attribute__((unused)) static inline int64_t bg_f64_bits(double f) {\n  int64_t i;\n  memcpy(&i, &f, 8);\n  return i;\n}\n"
             "__attribute__((unused)) static inline double bg_bits_f64(int64_t i) {\n  double f;\n  memcpy(&f, &i, 8);\n  return f;\n}\n\n");
  bg_emit_types(g, h, c);
  resources(g, h, c);
  if (g->err) return;
  wp_buf_printf(h, "\n/* Points s at a NUL-terminated string (not copied: do not free it). */\n"
               "void %s_string_set(%s_string_t *s, const char *cstr);\n"
               "/* Copies a NUL-terminated string into malloc'd memory. */\n"
               "void %s_string_dup(%s_string_t *s, const char *cstr);\n\n",
            g->prefix, g->prefix, g->prefix, g->prefix);
  wp_buf_printf(c, "void %s_string_set(%s_string_t *s, const char *cstr) {\n"
               "  s->ptr = (uint8_t *)cstr;\n  s->len = strlen(cstr);\n}\n\n"
               "void %s_string_dup(%s_string_t *s, const char *cstr) {\n"
               "  s->len = strlen(cstr);\n  s->ptr = (uint8_t *)malloc(s->len + 1);\n"
               "  if (!s->ptr) abort();\n  memcpy(s->ptr, cstr, s->len + 1);\n}\n\n",
            g->prefix, g->prefix, g->prefix, g->prefix);
  wp_buf_puts(h, "/* ---- imports ---- */\n");
  for (uint32_t i = 0; i < g->nfuncs && !g->err; i++)
    if (!g->funcs[i].is_export) import_fn(g, h, c, &g->funcs[i]);
  wp_buf_puts(h, "\n/* ---- exports: implement these ---- */\n");
  for (uint32_t i = 0; i < g->nfuncs && !g->err; i++)
    if (g->funcs[i].is_export) export_fn(g, h, c, &g->funcs[i]);
  if (!g->err && (g->o->flags & WP_BINDGEN_COMMAND)) command_run(g, h, c);
  /* The canonical ABI's allocator: the host allocates strings and lists it
  ** passes in (or returns) through it. */
  wp_buf_puts(c, "__attribute__((__weak__, __export_name__(\"cabi_realloc\")))\n"
             "void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size) {\n"
             "  (void)old_size;\n"
             "  /* an aligned non-NULL pointer for empty allocations, never freed */\n"
             "  if (new_size == 0) return (void *)align;\n"
             "  void *ret = realloc(ptr, new_size);\n"
             "  if (!ret) abort();\n"
             "  return ret;\n}\n");
  wp_buf_puts(h, "\n#ifdef __cplusplus\n}\n#endif\n");
}
