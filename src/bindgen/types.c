/*
** types.c — emits C type definitions in the canonical ABI's native C
** layout (cabi.h, "Native layout"), shared by both sides:
**   record/tuple  struct, fields in order (tuple fields f0, f1, ...)
**   variant       struct { uintN_t tag; union { payloads } val; }
**   enum, flags   the smallest unsigned integer, with #define constants
**   option        struct { bool is_some; T val; }
**   result        struct { bool is_err; union { T ok; E err; } val; }
**   list, string  struct { T *ptr; size_t len; }
**   list<T, N>    struct { T items[N]; }  (the same layout as T[N] inline)
**   map<K, V>     struct { <name>_entry_t *ptr; size_t len; } with
**                 <name>_entry_t = struct { K key; V value; } (= tuple<K, V>)
**   own/borrow    plugin: struct { uint32_t rep; }  guest: { int32_t __handle; }
** On wasm32 the same C declarations have exactly the canonical ABI memory
** layout, which is why the guest side can hand these structs to the host
** as they are.  Guest bindings also get <type>_free helpers.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bindgen/internal.h"

/* "wasi_kv_store_error_t" + "no-such-store" -> "WASI_KV_STORE_ERROR_NO_SUCH_STORE" */
static void macro(wp_buf_t *b, const char *tname, const char *label) {
  size_t n = strlen(tname);
  if (n >= 2 && !strcmp(tname + n - 2, "_t")) n -= 2;
  for (size_t i = 0; i < n; i++) {
    char one[2] = {(char)toupper((unsigned char)tname[i]), 0};
    wp_buf_puts(b, one);
  }
  wp_buf_puts(b, "_");
  for (const char *s = label; *s; s++) {
    char c = *s == '-' ? '_' : (char)toupper((unsigned char)*s);
    char one[2] = {c, 0};
    wp_buf_puts(b, one);
  }
}

static const char *uint_for(uint32_t n) {
  return n <= 256 ? "uint8_t" : n <= 65536 ? "uint16_t" : "uint32_t";
}

static const char *flags_uint(uint32_t n) {
  return n <= 8 ? "uint8_t" : n <= 16 ? "uint16_t" : "uint32_t";
}

char *bg_map_entry_name(const char *tname) {
  size_t n = strlen(tname);
  return bg_fmt("%.*s_entry_t", (int)(n >= 2 ? n - 2 : n), tname);
}

char *bg_free_name(bg_t *g, wp_wit_type_t t) {
  const char *T = bg_ctype(g, t);
  size_t n = strlen(T);
  return bg_fmt("%.*s_free", (int)(n >= 2 ? n - 2 : n), T);
}

static bool needs_free(bg_t *g, wp_wit_type_t t) {
  return g->o->side == WP_BINDGEN_GUEST && (bg_has_pointers(g, t) || bg_has_own(g, t));
}

static void docs(wp_buf_t *h, const char *d, const char *ind) {
  if (!d || !*d) return;
  wp_buf_printf(h, "%s/* ", ind);
  for (const char *s = d; *s; s++) {
    if (*s == '\n') wp_buf_printf(h, "\n%s** ", ind);
    else if (*s == '*' && s[1] == '/') wp_buf_puts(h, "* ");
    else {
      char one[2] = {*s, 0};
      wp_buf_puts(h, one);
    }
  }
  wp_buf_puts(h, " */\n");
}

/* One field line "  T name;" */
static void field(bg_t *g, wp_buf_t *h, wp_wit_type_t t, const char *name) {
  char *id = bg_ident(name);
  wp_buf_printf(h, "  %s %s;\n", bg_ctype(g, t), id ? id : "?");
  free(id);
}

/* Appends a call freeing `expr` (an lvalue of type t) if t needs one. */
static void free_call(bg_t *g, wp_buf_t *c, wp_wit_type_t t, const char *expr, const char *ind) {
  if (!needs_free(g, t)) return;
  char *fn = bg_free_name(g, t);
  wp_buf_printf(c, "%s%s(&%s);\n", ind, fn ? fn : "?", expr);
  free(fn);
}

static void emit_free(bg_t *g, uint32_t id, wp_buf_t *h, wp_buf_t *c) {
  wp_wit_type_t t = {WP_WIT_T_ID, id};
  if (!needs_free(g, t)) return;
  const wp_wit_typedef_t *d = &g->r->types[id];
  const char *T = g->tname[id];
  char *fn = bg_free_name(g, t);
  if (!fn) return;
  wp_buf_printf(h, "void %s(%s *ptr);\n", fn, T);
  wp_buf_printf(c, "void %s(%s *ptr) {\n", fn, T);
  switch (d->kind) {
  case WP_WIT_DEF_ALIAS: {
    char *to = bg_free_name(g, d->type);
    wp_buf_printf(c, "  %s(ptr);\n", to ? to : "?");
    free(to);
    break;
  }
  case WP_WIT_DEF_LIST:
    if (needs_free(g, d->type)) {
      wp_buf_puts(c, "  for (size_t i = 0; i < ptr->len; i++) {\n");
      free_call(g, c, d->type, "ptr->ptr[i]", "    ");
      wp_buf_puts(c, "  }\n");
    }
    wp_buf_puts(c, "  if (ptr->len > 0) free(ptr->ptr);\n  ptr->ptr = NULL;\n  ptr->len = 0;\n");
    break;
  case WP_WIT_DEF_FIXED_LIST:
    wp_buf_printf(c, "  for (size_t i = 0; i < %u; i++) {\n", d->size);
    free_call(g, c, d->type, "ptr->items[i]", "    ");
    wp_buf_puts(c, "  }\n");
    break;
  case WP_WIT_DEF_MAP:
    wp_buf_puts(c, "  for (size_t i = 0; i < ptr->len; i++) {\n");
    free_call(g, c, d->type, "ptr->ptr[i].key", "    ");
    free_call(g, c, d->type2, "ptr->ptr[i].value", "    ");
    wp_buf_puts(c, "  }\n");
    wp_buf_puts(c, "  if (ptr->len > 0) free(ptr->ptr);\n  ptr->ptr = NULL;\n  ptr->len = 0;\n");
    break;
  case WP_WIT_DEF_RECORD:
    for (uint32_t i = 0; i < d->n_fields; i++) {
      char *f = bg_ident(d->fields[i].name);
      char *e = f ? bg_fmt("ptr->%s", f) : NULL;
      if (e) free_call(g, c, d->fields[i].type, e, "  ");
      free(f);
      free(e);
    }
    break;
  case WP_WIT_DEF_TUPLE:
    for (uint32_t i = 0; i < d->n_types; i++) {
      char *e = bg_fmt("ptr->f%u", i);
      if (e) free_call(g, c, d->types[i], e, "  ");
      free(e);
    }
    break;
  case WP_WIT_DEF_VARIANT:
    wp_buf_puts(c, "  switch (ptr->tag) {\n");
    for (uint32_t i = 0; i < d->n_fields; i++) {
      if (!needs_free(g, d->fields[i].type)) continue;
      char *f = bg_ident(d->fields[i].name);
      char *e = f ? bg_fmt("ptr->val.%s", f) : NULL;
      wp_buf_printf(c, "  case %u:\n", i);
      if (e) free_call(g, c, d->fields[i].type, e, "    ");
      wp_buf_puts(c, "    break;\n");
      free(f);
      free(e);
    }
    wp_buf_puts(c, "  default:\n    break;\n  }\n");
    break;
  case WP_WIT_DEF_OPTION:
    wp_buf_puts(c, "  if (ptr->is_some) {\n");
    free_call(g, c, d->type, "ptr->val", "    ");
    wp_buf_puts(c, "  }\n");
    break;
  case WP_WIT_DEF_RESULT:
    wp_buf_puts(c, "  if (!ptr->is_err) {\n");
    if (d->type.kind != WP_WIT_T_NONE) free_call(g, c, d->type, "ptr->val.ok", "    ");
    wp_buf_puts(c, "  } else {\n");
    if (d->type2.kind != WP_WIT_T_NONE) free_call(g, c, d->type2, "ptr->val.err", "    ");
    wp_buf_puts(c, "  }\n");
    break;
  case WP_WIT_DEF_HANDLE: {
    uint32_t rid = wp_wit_type_unalias(g->r, d->resource);
    const wp_wit_typedef_t *rd = &g->r->types[rid];
    char *rn = bg_snake(rd->name ? rd->name : "resource");
    const char *base = rd->owner_kind == WP_WIT_OWNER_INTERFACE ? g->ifprefix[rd->owner] : g->prefix;
    wp_buf_printf(c, "  %s_%s_drop_own(*ptr);\n", base, rn ? rn : "?");
    free(rn);
    break;
  }
  default:
    break;
  }
  wp_buf_puts(c, "}\n\n");
  free(fn);
}

static void emit_def(bg_t *g, uint32_t id, wp_buf_t *h) {
  const wp_wit_typedef_t *d = &g->r->types[id];
  const char *T = g->tname[id];
  bool guest = g->o->side == WP_BINDGEN_GUEST;
  if (d->kind != WP_WIT_DEF_RESOURCE && d->kind != WP_WIT_DEF_ALIAS) docs(h, d->docs, "");
  switch (d->kind) {
  case WP_WIT_DEF_ALIAS: {
    wp_wit_type_kind_t p;
    const wp_wit_typedef_t *t = bg_def(g, d->type, &p);
    if (t && t->kind == WP_WIT_DEF_RESOURCE) return; /* `use` of a resource */
    wp_buf_printf(h, "typedef %s %s;\n\n", bg_ctype(g, d->type), T);
    return;
  }
  case WP_WIT_DEF_RESOURCE:
    return; /* only handles have a C type */
  case WP_WIT_DEF_RECORD:
    wp_buf_printf(h, "typedef struct %s {\n", T);
    for (uint32_t i = 0; i < d->n_fields; i++) {
      docs(h, d->fields[i].docs, "  ");
      field(g, h, d->fields[i].type, d->fields[i].name);
    }
    wp_buf_printf(h, "} %s;\n\n", T);
    return;
  case WP_WIT_DEF_TUPLE:
    wp_buf_printf(h, "typedef struct %s {\n", T);
    for (uint32_t i = 0; i < d->n_types; i++) wp_buf_printf(h, "  %s f%u;\n", bg_ctype(g, d->types[i]), i);
    if (d->n_types == 0) wp_buf_puts(h, "  uint8_t unused_; /* C has no empty structs */\n");
    wp_buf_printf(h, "} %s;\n\n", T);
    return;
  case WP_WIT_DEF_STREAM:
  case WP_WIT_DEF_FUTURE:
    /* plugin side only: the end's handle in the plugin instance's table */
    wp_buf_printf(h, "typedef uint32_t %s; /* a %s end (host->stream_read/stream_write) */\n\n", T,
              d->kind == WP_WIT_DEF_STREAM ? "stream" : "future");
    return;
  case WP_WIT_DEF_HANDLE:
    if (guest) wp_buf_printf(h, "typedef struct %s {\n  int32_t __handle;\n} %s;\n\n", T, T);
    else wp_buf_printf(h, "typedef struct %s {\n  uint32_t rep; /* chosen by the plugin */\n} %s;\n\n", T, T);
    return;
  case WP_WIT_DEF_FLAGS:
    wp_buf_printf(h, "typedef %s %s;\n", flags_uint(d->n_fields), T);
    for (uint32_t i = 0; i < d->n_fields; i++) {
      wp_buf_puts(h, "#define ");
      macro(h, T, d->fields[i].name);
      wp_buf_printf(h, " (((%s)1) << %u)\n", T, i);
    }
    wp_buf_puts(h, "\n");
    return;
  case WP_WIT_DEF_ENUM:
    wp_buf_printf(h, "typedef %s %s;\n", uint_for(d->n_fields), T);
    for (uint32_t i = 0; i < d->n_fields; i++) {
      wp_buf_puts(h, "#define ");
      macro(h, T, d->fields[i].name);
      wp_buf_printf(h, " %u\n", i);
    }
    wp_buf_puts(h, "\n");
    return;
  case WP_WIT_DEF_VARIANT: {
    bool any = false;
    for (uint32_t i = 0; i < d->n_fields; i++) {
      wp_buf_puts(h, "#define ");
      macro(h, T, d->fields[i].name);
      wp_buf_printf(h, " %u\n", i);
      if (d->fields[i].type.kind != WP_WIT_T_NONE) any = true;
    }
    wp_buf_printf(h, "typedef struct %s {\n  %s tag;\n", T, uint_for(d->n_fields));
    if (any) {
      wp_buf_puts(h, "  union {\n");
      for (uint32_t i = 0; i < d->n_fields; i++)
        if (d->fields[i].type.kind != WP_WIT_T_NONE) {
          wp_buf_puts(h, "  ");
          field(g, h, d->fields[i].type, d->fields[i].name);
        }
      wp_buf_puts(h, "  } val;\n");
    }
    wp_buf_printf(h, "} %s;\n\n", T);
    return;
  }
  case WP_WIT_DEF_OPTION:
    wp_buf_printf(h, "typedef struct %s {\n  bool is_some;\n  %s val;\n} %s;\n\n", T, bg_ctype(g, d->type), T);
    return;
  case WP_WIT_DEF_RESULT:
    wp_buf_printf(h, "typedef struct %s {\n  bool is_err;\n", T);
    if (d->type.kind != WP_WIT_T_NONE || d->type2.kind != WP_WIT_T_NONE) {
      wp_buf_puts(h, "  union {\n");
      if (d->type.kind != WP_WIT_T_NONE) wp_buf_printf(h, "    %s ok;\n", bg_ctype(g, d->type));
      if (d->type2.kind != WP_WIT_T_NONE) wp_buf_printf(h, "    %s err;\n", bg_ctype(g, d->type2));
      wp_buf_puts(h, "  } val;\n");
    }
    wp_buf_printf(h, "} %s;\n\n", T);
    return;
  case WP_WIT_DEF_LIST:
    wp_buf_printf(h, "typedef struct %s {\n  %s *ptr;\n  size_t len;\n} %s;\n\n", T, bg_ctype(g, d->type), T);
    return;
  case WP_WIT_DEF_FIXED_LIST:
    wp_buf_printf(h, "typedef struct %s {\n  %s items[%u];\n} %s;\n\n", T, bg_ctype(g, d->type), d->size, T);
    return;
  case WP_WIT_DEF_MAP: {
    char *E = bg_map_entry_name(T);
    if (!E) return;
    wp_buf_printf(h, "typedef struct %.*s {\n  %s key;\n  %s value;\n} %s;\n", (int)(strlen(E) - 2), E,
              bg_ctype(g, d->type), bg_ctype(g, d->type2), E);
    wp_buf_printf(h, "typedef struct %s {\n  %s *ptr;\n  size_t len;\n} %s;\n\n", T, E, T);
    free(E);
    return;
  }
  default:
    bg_fail(g, "type %s: no native layout", T);
    return;
  }
}

void bg_emit_types(bg_t *g, wp_buf_t *h, wp_buf_t *c) {
  const char *S = bg_ctype(g, (wp_wit_type_t){WP_WIT_T_STRING, 0});
  wp_buf_printf(h, "/* UTF-8, len in bytes%s. */\ntypedef struct %s {\n  uint8_t *ptr;\n  size_t len;\n} %s;\n\n",
            g->o->side == WP_BINDGEN_PLUGIN ? "; strings received are also NUL-terminated" : "", S, S);
  const wp_wit_resolve_t *r = g->r;
  for (uint32_t i = 0; i < r->n_types && !g->err; i++) {
    if (!g->needed[i] || !g->tname[i]) continue;
    bool dup = false;
    for (uint32_t j = 0; j < i && !dup; j++)
      if (g->emitted[j] && !strcmp(g->tname[j], g->tname[i])) dup = true;
    if (dup) continue;
    g->emitted[i] = true;
    emit_def(g, i, h);
  }
  if (g->o->side != WP_BINDGEN_GUEST) return;
  /* free helpers after all types so they can refer to each other */
  char *sf = bg_free_name(g, (wp_wit_type_t){WP_WIT_T_STRING, 0});
  wp_buf_printf(h, "/* Frees memory the value owns (from malloc/cabi_realloc), drops own handles. */\n");
  wp_buf_printf(h, "void %s(%s *ptr);\n", sf, S);
  wp_buf_printf(c, "void %s(%s *ptr) {\n  if (ptr->len > 0) free(ptr->ptr);\n  ptr->ptr = NULL;\n  ptr->len = 0;\n}\n\n", sf, S);
  free(sf);
  for (uint32_t i = 0; i < r->n_types && !g->err; i++)
    if (g->emitted[i]) emit_free(g, i, h, c);
  wp_buf_puts(h, "\n");
}
