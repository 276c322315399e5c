/*
** wit_print.c — component types in WIT syntax, for error messages and
** (later) `wasmplug wit app.wasm`.
**
** Named types (those exported or imported under a name) print by name when
** referenced and structurally only at the top of a definition.  Output is
** bounded: depth beyond MAX_PRINT_DEPTH prints as "...", and printing stops
** once the buffer is full, so hostile type graphs cost bounded time.
*/
#include "component/internal.h"
#include "core/buf.h"
#include "wit/wit.h"

#include <string.h>

#define MAX_PRINT_DEPTH 24
#define MAX_PRINT_LEN (1u << 16)

static const char *const prim_names[] = {
    [WP_COMP_T_BOOL] = "bool", [WP_COMP_T_S8] = "s8",         [WP_COMP_T_U8] = "u8",
    [WP_COMP_T_S16] = "s16",   [WP_COMP_T_U16] = "u16",       [WP_COMP_T_S32] = "s32",
    [WP_COMP_T_U32] = "u32",   [WP_COMP_T_S64] = "s64",       [WP_COMP_T_U64] = "u64",
    [WP_COMP_T_F32] = "f32",   [WP_COMP_T_F64] = "f64",       [WP_COMP_T_CHAR] = "char",
    [WP_COMP_T_STRING] = "string", [WP_COMP_T_ERROR_CONTEXT] = "error-context"};

static int full(const wp_buf_t *b) { return b->oom || b->len >= MAX_PRINT_LEN; }

static void add_str(wp_buf_t *b, wp_comp_str s) { wp_buf_put(b, s.ptr, s.len); }

/* A label that is a WIT keyword needs a `%` prefix. */
static void add_label(wp_buf_t *b, wp_comp_str s) {
  if (wp_wit_is_keyword(s.ptr, s.len)) wp_buf_puts(b, "%");
  add_str(b, s);
}

static void print_externs(wp_buf_t *b, const wp_comp_extern *e, uint32_t n,
                          const char *prefix, unsigned depth);
static void print_type(wp_buf_t *b, const wp_comp_type *t, int def, unsigned depth);

static void print_func(wp_buf_t *b, const wp_comp_type *t, unsigned depth) {
  wp_buf_puts(b, t->is_async ? "async func(" : "func(");
  for (uint32_t i = 0; i < t->n && !full(b); i++) {
    if (i) wp_buf_puts(b, ", ");
    add_label(b, t->fields[i].name);
    wp_buf_puts(b, ": ");
    print_type(b, t->fields[i].type, 0, depth + 1);
  }
  wp_buf_puts(b, ")");
  if (t->elem) {
    wp_buf_puts(b, " -> ");
    print_type(b, t->elem, 0, depth + 1);
  }
}

static void print_type(wp_buf_t *b, const wp_comp_type *t, int def, unsigned depth) {
  if (full(b)) return;
  if (!t) {
    wp_buf_puts(b, "_");
    return;
  }
  if (depth > MAX_PRINT_DEPTH) {
    wp_buf_puts(b, "...");
    return;
  }
  if (!def && t->name.len && t->kind <= WP_COMP_T_MAP && t->kind != WP_COMP_T_OWN &&
      t->kind != WP_COMP_T_BORROW) {
    add_label(b, t->name);
    return;
  }
  switch (t->kind) {
    case WP_COMP_T_RECORD:
      wp_buf_puts(b, "record { ");
      for (uint32_t i = 0; i < t->n && !full(b); i++) {
        if (i) wp_buf_puts(b, ", ");
        add_label(b, t->fields[i].name);
        wp_buf_puts(b, ": ");
        print_type(b, t->fields[i].type, 0, depth + 1);
      }
      wp_buf_puts(b, " }");
      return;
    case WP_COMP_T_VARIANT:
      wp_buf_puts(b, "variant { ");
      for (uint32_t i = 0; i < t->n && !full(b); i++) {
        if (i) wp_buf_puts(b, ", ");
        add_label(b, t->fields[i].name);
        if (t->fields[i].type) {
          wp_buf_puts(b, "(");
          print_type(b, t->fields[i].type, 0, depth + 1);
          wp_buf_puts(b, ")");
        }
      }
      wp_buf_puts(b, " }");
      return;
    case WP_COMP_T_FLAGS:
    case WP_COMP_T_ENUM:
      wp_buf_puts(b, t->kind == WP_COMP_T_FLAGS ? "flags { " : "enum { ");
      for (uint32_t i = 0; i < t->n && !full(b); i++) {
        if (i) wp_buf_puts(b, ", ");
        add_label(b, t->fields[i].name);
      }
      wp_buf_puts(b, " }");
      return;
    case WP_COMP_T_TUPLE:
      wp_buf_puts(b, "tuple<");
      for (uint32_t i = 0; i < t->n && !full(b); i++) {
        if (i) wp_buf_puts(b, ", ");
        print_type(b, t->fields[i].type, 0, depth + 1);
      }
      wp_buf_puts(b, ">");
      return;
    case WP_COMP_T_LIST:
    case WP_COMP_T_OPTION:
      wp_buf_puts(b, t->kind == WP_COMP_T_LIST ? "list<" : "option<");
      print_type(b, t->elem, 0, depth + 1);
      wp_buf_puts(b, ">");
      return;
    case WP_COMP_T_FIXED_LIST:
      wp_buf_puts(b, "list<");
      print_type(b, t->elem, 0, depth + 1);
      wp_buf_printf(b, ", %u>", (unsigned)t->len);
      return;
    case WP_COMP_T_RESULT:
      wp_buf_puts(b, "result");
      if (!t->elem && !t->elem2) return;
      wp_buf_puts(b, "<");
      print_type(b, t->elem, 0, depth + 1); /* NULL prints `_` */
      if (t->elem2) {
        wp_buf_puts(b, ", ");
        print_type(b, t->elem2, 0, depth + 1);
      }
      wp_buf_puts(b, ">");
      return;
    case WP_COMP_T_OWN:
      /* WIT spells an owned handle as the bare resource name */
      print_type(b, t->elem, 0, depth + 1);
      return;
    case WP_COMP_T_BORROW:
      wp_buf_puts(b, "borrow<");
      print_type(b, t->elem, 0, depth + 1);
      wp_buf_puts(b, ">");
      return;
    case WP_COMP_T_FUTURE:
    case WP_COMP_T_STREAM:
      wp_buf_puts(b, t->kind == WP_COMP_T_FUTURE ? "future" : "stream");
      if (t->elem) {
        wp_buf_puts(b, "<");
        print_type(b, t->elem, 0, depth + 1);
        wp_buf_puts(b, ">");
      }
      return;
    case WP_COMP_T_MAP:
      wp_buf_puts(b, "map<");
      print_type(b, t->elem, 0, depth + 1);
      wp_buf_puts(b, ", ");
      print_type(b, t->elem2, 0, depth + 1);
      wp_buf_puts(b, ">");
      return;
    case WP_COMP_T_FUNC:
      print_func(b, t, depth);
      return;
    case WP_COMP_T_RESOURCE:
      if (def || !t->name.len) wp_buf_puts(b, "resource");
      if (def && t->name.len) wp_buf_puts(b, " ");
      if (t->name.len) add_label(b, t->name);
      return;
    case WP_COMP_T_INSTANCE:
      wp_buf_puts(b, "interface { ");
      print_externs(b, t->exports, t->nexports, "", depth);
      wp_buf_puts(b, "}");
      return;
    case WP_COMP_T_COMPONENT:
      wp_buf_puts(b, "world { ");
      print_externs(b, t->imports, t->nimports, "import ", depth);
      print_externs(b, t->exports, t->nexports, "export ", depth);
      wp_buf_puts(b, "}");
      return;
    default:
      if (wp_comp_kind_is_prim(t->kind))
        wp_buf_puts(b, prim_names[t->kind]);
      else
        wp_buf_puts(b, "?");
      return;
  }
}

static int is_interface_name(wp_comp_str n) { return memchr(n.ptr, ':', n.len) != NULL; }

static void print_extern(wp_buf_t *b, const wp_comp_extern *e, const char *prefix,
                         unsigned depth) {
  if (e->sort == WP_COMP_SORT_TYPE) {
    const wp_comp_type *t = e->type;
    if (t && t->kind == WP_COMP_T_RESOURCE) {
      wp_buf_puts(b, "resource ");
      add_label(b, e->name);
    } else {
      wp_buf_puts(b, "type ");
      add_label(b, e->name);
      wp_buf_puts(b, " = ");
      /* `type x = y` when x merely re-exports another name */
      int alias = t && t->name.len && !wp_str_eq(t->name, e->name);
      print_type(b, t, !alias, depth + 1);
    }
    wp_buf_puts(b, ";");
    return;
  }
  wp_buf_puts(b, prefix);
  if (is_interface_name(e->name)) add_str(b, e->name);
  else add_label(b, e->name);
  if (is_interface_name(e->name) && e->sort == WP_COMP_SORT_INSTANCE && *prefix) {
    wp_buf_puts(b, ";");
    return;
  }
  wp_buf_puts(b, ": ");
  if (e->sort == WP_COMP_SORT_CORE_MODULE) wp_buf_puts(b, "core module");
  else if (e->sort == WP_COMP_SORT_VALUE) {
    wp_buf_puts(b, "value ");
    print_type(b, e->type, 0, depth + 1);
  } else
    print_type(b, e->type, 0, depth + 1);
  wp_buf_puts(b, ";");
}

static void print_externs(wp_buf_t *b, const wp_comp_extern *e, uint32_t n,
                          const char *prefix, unsigned depth) {
  for (uint32_t i = 0; i < n && !full(b); i++) {
    print_extern(b, &e[i], prefix, depth + 1);
    wp_buf_puts(b, " ");
  }
}

/* Each print has its own bound (MAX_PRINT_LEN), whatever b holds already. */
static void append(wp_buf_t *b, wp_buf_t *t) {
  if (t->oom) b->oom = true;
  else wp_buf_put(b, t->s, t->len);
  wp_buf_free(t);
}

void wp_comp_type_wit_buf(wp_buf_t *b, const wp_comp_type *type, int def) {
  wp_buf_t t = {0};
  print_type(&t, type, def, 0);
  append(b, &t);
}

void wp_comp_extern_wit_buf(wp_buf_t *b, const wp_comp_extern *ext, int is_import) {
  wp_buf_t t = {0};
  print_extern(&t, ext, is_import ? "import " : "export ", 0);
  append(b, &t);
}

/* Copies what b holds into buf[size], a cut-off result marked with "..."
** so it is not mistaken for a whole type; the length it wanted. */
static size_t finish(wp_buf_t *b, char *buf, size_t size) {
  size_t len = b->oom ? 0 : b->len;
  if (size) {
    size_t n = len < size ? len : size - 1;
    if (n) memcpy(buf, b->s, n);
    buf[n] = 0;
    if (len >= size && size > 4) memcpy(buf + size - 4, "...", 4);
  }
  wp_buf_free(b);
  return len;
}

size_t wp_comp_type_wit(const wp_comp_type *type, char *buf, size_t size) {
  wp_buf_t b = {0};
  print_type(&b, type, 0, 0);
  return finish(&b, buf, size);
}

size_t wp_comp_type_wit_def(const wp_comp_type *type, char *buf, size_t size) {
  wp_buf_t b = {0};
  print_type(&b, type, 1, 0);
  return finish(&b, buf, size);
}

size_t wp_comp_extern_wit(const wp_comp_extern *ext, int is_import, char *buf, size_t size) {
  wp_buf_t b = {0};
  wp_comp_extern_wit_buf(&b, ext, is_import);
  return finish(&b, buf, size);
}
