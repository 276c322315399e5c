/*
** json.c — the resolve as JSON, in the shape wit-parser serializes its
** `Resolve` (the format of the conformance expectations).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void jstr(wp_buf_t *b, const char *s) {
  wp_buf_puts(b, "\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
      case '"': wp_buf_puts(b, "\\\""); break;
      case '\\': wp_buf_puts(b, "\\\\"); break;
      case '\n': wp_buf_puts(b, "\\n"); break;
      case '\r': wp_buf_puts(b, "\\r"); break;
      case '\t': wp_buf_puts(b, "\\t"); break;
      case '\b': wp_buf_puts(b, "\\b"); break;
      case '\f': wp_buf_puts(b, "\\f"); break;
      default:
        if (c < 0x20)
          wp_buf_printf(b, "\\u%04x", c);
        else
          wp_buf_put(b, (const char *)&c, 1);
    }
  }
  wp_buf_puts(b, "\"");
}

static void jtype(wp_buf_t *b, wp_wit_type_t t) {
  if (t.kind == WP_WIT_T_NONE)
    wp_buf_puts(b, "null");
  else if (t.kind == WP_WIT_T_ID)
    wp_buf_printf(b, "%u", t.id);
  else
    jstr(b, wp_wit_prim_name(t.kind));
}

static void jdocs(wp_buf_t *b, const char *docs) {
  if (!docs) return;
  wp_buf_puts(b, ",\"docs\":{\"contents\":");
  jstr(b, docs);
  wp_buf_puts(b, "}");
}

static void jstability(wp_buf_t *b, const wp_wit_stability_t *s) {
  if (s->kind == WP_WIT_STABILITY_UNKNOWN) return;
  if (s->kind == WP_WIT_STABILITY_STABLE) {
    wp_buf_puts(b, ",\"stability\":{\"stable\":{\"since\":");
    jstr(b, s->since);
  } else {
    wp_buf_puts(b, ",\"stability\":{\"unstable\":{\"feature\":");
    jstr(b, s->feature);
  }
  if (s->deprecated) {
    wp_buf_puts(b, ",\"deprecated\":");
    jstr(b, s->deprecated);
  }
  wp_buf_puts(b, "}}");
}

static void jext(wp_buf_t *b, const char *ext) {
  if (!ext) return;
  wp_buf_puts(b, ",\"external_id\":");
  jstr(b, ext);
}

static void jentries(wp_buf_t *b, const wp_wit_entry_t *e, uint32_t n) {
  wp_buf_puts(b, "{");
  for (uint32_t i = 0; i < n; i++) {
    if (i) wp_buf_puts(b, ",");
    jstr(b, e[i].name);
    wp_buf_printf(b, ":%u", e[i].id);
  }
  wp_buf_puts(b, "}");
}

static void jfunc(wp_buf_t *b, const wp_wit_function_t *f) {
  static const char *const kinds[] = {"freestanding", "async-freestanding", "method",
                                      "async-method", "static", "async-static",
                                      "constructor"};
  wp_buf_puts(b, "{\"name\":");
  jstr(b, f->name);
  wp_buf_puts(b, ",\"kind\":");
  if (f->kind <= WP_WIT_FUNC_ASYNC_FREESTANDING)
    jstr(b, kinds[f->kind]);
  else
    wp_buf_printf(b, "{\"%s\":%u}", kinds[f->kind], f->resource);
  wp_buf_puts(b, ",\"params\":[");
  for (uint32_t i = 0; i < f->n_params; i++) {
    if (i) wp_buf_puts(b, ",");
    wp_buf_puts(b, "{\"name\":");
    jstr(b, f->params[i].name);
    wp_buf_puts(b, ",\"type\":");
    jtype(b, f->params[i].type);
    wp_buf_puts(b, "}");
  }
  wp_buf_puts(b, "]");
  if (f->result.kind != WP_WIT_T_NONE) {
    wp_buf_puts(b, ",\"result\":");
    jtype(b, f->result);
  }
  jdocs(b, f->docs);
  jstability(b, &f->stability);
  jext(b, f->external_id);
  wp_buf_puts(b, "}");
}

static void jworld_items(wp_buf_t *b, const wp_wit_world_item_t *v, uint32_t n) {
  wp_buf_puts(b, "{");
  for (uint32_t i = 0; i < n; i++) {
    const wp_wit_world_item_t *it = &v[i];
    if (i) wp_buf_puts(b, ",");
    if (it->name)
      jstr(b, it->name);
    else
      wp_buf_printf(b, "\"interface-%u\"", it->id);
    wp_buf_puts(b, ":");
    switch (it->kind) {
      case WP_WIT_ITEM_INTERFACE:
        wp_buf_printf(b, "{\"interface\":{\"id\":%u", it->id);
        jstability(b, &it->stability);
        jext(b, it->external_id);
        jdocs(b, it->docs);
        wp_buf_puts(b, "}}");
        break;
      case WP_WIT_ITEM_FUNCTION:
        wp_buf_puts(b, "{\"function\":");
        jfunc(b, &it->func);
        wp_buf_puts(b, "}");
        break;
      case WP_WIT_ITEM_TYPE: wp_buf_printf(b, "{\"type\":%u}", it->id); break;
    }
  }
  wp_buf_puts(b, "}");
}

static void jfields(wp_buf_t *b, const wp_wit_typedef_t *t, int with_type) {
  wp_buf_puts(b, "[");
  for (uint32_t i = 0; i < t->n_fields; i++) {
    if (i) wp_buf_puts(b, ",");
    wp_buf_puts(b, "{\"name\":");
    jstr(b, t->fields[i].name);
    if (with_type) {
      wp_buf_puts(b, ",\"type\":");
      jtype(b, t->fields[i].type);
    }
    jdocs(b, t->fields[i].docs);
    wp_buf_puts(b, "}");
  }
  wp_buf_puts(b, "]");
}

static void jkind(wp_buf_t *b, const wp_wit_typedef_t *t) {
  switch (t->kind) {
    case WP_WIT_DEF_ALIAS:
      wp_buf_puts(b, "{\"type\":");
      jtype(b, t->type);
      wp_buf_puts(b, "}");
      return;
    case WP_WIT_DEF_RECORD:
      wp_buf_puts(b, "{\"record\":{\"fields\":");
      jfields(b, t, 1);
      wp_buf_puts(b, "}}");
      return;
    case WP_WIT_DEF_RESOURCE: wp_buf_puts(b, "\"resource\""); return;
    case WP_WIT_DEF_HANDLE:
      wp_buf_printf(b, "{\"handle\":{\"%s\":%u}}", t->borrow ? "borrow" : "own", t->resource);
      return;
    case WP_WIT_DEF_FLAGS:
      wp_buf_puts(b, "{\"flags\":{\"flags\":");
      jfields(b, t, 0);
      wp_buf_puts(b, "}}");
      return;
    case WP_WIT_DEF_TUPLE:
      wp_buf_puts(b, "{\"tuple\":{\"types\":[");
      for (uint32_t i = 0; i < t->n_types; i++) {
        if (i) wp_buf_puts(b, ",");
        jtype(b, t->types[i]);
      }
      wp_buf_puts(b, "]}}");
      return;
    case WP_WIT_DEF_VARIANT:
      wp_buf_puts(b, "{\"variant\":{\"cases\":");
      jfields(b, t, 1);
      wp_buf_puts(b, "}}");
      return;
    case WP_WIT_DEF_ENUM:
      wp_buf_puts(b, "{\"enum\":{\"cases\":");
      jfields(b, t, 0);
      wp_buf_puts(b, "}}");
      return;
    case WP_WIT_DEF_OPTION:
    case WP_WIT_DEF_LIST:
    case WP_WIT_DEF_FUTURE:
    case WP_WIT_DEF_STREAM:
      wp_buf_printf(b, "{\"%s\":", t->kind == WP_WIT_DEF_OPTION ? "option"
                                       : t->kind == WP_WIT_DEF_LIST ? "list"
                                       : t->kind == WP_WIT_DEF_FUTURE ? "future"
                                                                      : "stream");
      jtype(b, t->type);
      wp_buf_puts(b, "}");
      return;
    case WP_WIT_DEF_RESULT:
      wp_buf_puts(b, "{\"result\":{\"ok\":");
      jtype(b, t->type);
      wp_buf_puts(b, ",\"err\":");
      jtype(b, t->type2);
      wp_buf_puts(b, "}}");
      return;
    case WP_WIT_DEF_MAP:
      wp_buf_puts(b, "{\"map\":[");
      jtype(b, t->type);
      wp_buf_puts(b, ",");
      jtype(b, t->type2);
      wp_buf_puts(b, "]}");
      return;
    case WP_WIT_DEF_FIXED_LIST:
      wp_buf_puts(b, "{\"fixed-length-list\":[");
      jtype(b, t->type);
      wp_buf_printf(b, ",%u]}", t->size);
      return;
    case WP_WIT_DEF_UNKNOWN: wp_buf_puts(b, "\"unknown\""); return;
  }
}

static void jopt_id(wp_buf_t *b, uint32_t id) {
  if (id == WP_WIT_NONE)
    wp_buf_puts(b, "null");
  else
    wp_buf_printf(b, "%u", id);
}

/* Re-indents compact JSON the way serde_json's pretty printer does (two
   spaces, "key": value, empty containers as [] and {}), so the output is
   byte-for-byte what wit-parser writes for its expectations. */
static char *pretty_json(const char *s) {
  wp_buf_t b = {0};
  int depth = 0;
  for (const char *p = s; *p; p++) {
    char c = *p;
    if (c == '"') {
      const char *q = p + 1;
      while (*q && *q != '"') q += *q == '\\' && q[1] ? 2 : 1;
      wp_buf_put(&b, p, (size_t)(q - p) + (*q ? 1 : 0));
      p = *q ? q : q - 1;
    } else if (c == '{' || c == '[') {
      if (p[1] == (c == '{' ? '}' : ']')) {
        wp_buf_put(&b, p, 2);
        p++;
        continue;
      }
      depth++;
      wp_buf_put(&b, &c, 1);
      wp_buf_puts(&b, "\n");
      for (int i = 0; i < depth; i++) wp_buf_puts(&b, "  ");
    } else if (c == '}' || c == ']') {
      depth--;
      wp_buf_puts(&b, "\n");
      for (int i = 0; i < depth; i++) wp_buf_puts(&b, "  ");
      wp_buf_put(&b, &c, 1);
    } else if (c == ',') {
      wp_buf_puts(&b, ",\n");
      for (int i = 0; i < depth; i++) wp_buf_puts(&b, "  ");
    } else if (c == ':') {
      wp_buf_puts(&b, ": ");
    } else {
      wp_buf_put(&b, &c, 1);
    }
  }
  wp_buf_puts(&b, "\n");
  return wp_buf_take(&b);
}

char *wp_wit_to_json(const wp_wit_resolve_t *r) {
  wp_buf_t b = {0};
  wp_buf_puts(&b, "{\"worlds\":[");
  for (uint32_t i = 0; i < r->n_worlds; i++) {
    const wp_wit_world_t *w = &r->worlds[i];
    if (i) wp_buf_puts(&b, ",");
    wp_buf_puts(&b, "{\"name\":");
    jstr(&b, w->name);
    wp_buf_puts(&b, ",\"imports\":");
    jworld_items(&b, w->imports, w->n_imports);
    wp_buf_puts(&b, ",\"exports\":");
    jworld_items(&b, w->exports, w->n_exports);
    wp_buf_puts(&b, ",\"package\":");
    jopt_id(&b, w->package);
    jdocs(&b, w->docs);
    jstability(&b, &w->stability);
    wp_buf_puts(&b, "}");
  }
  wp_buf_puts(&b, "],\"interfaces\":[");
  for (uint32_t i = 0; i < r->n_interfaces; i++) {
    const wp_wit_interface_t *f = &r->interfaces[i];
    if (i) wp_buf_puts(&b, ",");
    wp_buf_puts(&b, "{\"name\":");
    if (f->name)
      jstr(&b, f->name);
    else
      wp_buf_puts(&b, "null");
    wp_buf_puts(&b, ",\"types\":");
    jentries(&b, f->types, f->n_types);
    wp_buf_puts(&b, ",\"functions\":{");
    for (uint32_t k = 0; k < f->n_funcs; k++) {
      if (k) wp_buf_puts(&b, ",");
      jstr(&b, f->funcs[k].name);
      wp_buf_puts(&b, ":");
      jfunc(&b, &f->funcs[k]);
    }
    wp_buf_puts(&b, "}");
    jdocs(&b, f->docs);
    jstability(&b, &f->stability);
    wp_buf_puts(&b, ",\"package\":");
    jopt_id(&b, f->package);
    if (f->clone_of != WP_WIT_NONE) wp_buf_printf(&b, ",\"clone_of\":%u", f->clone_of);
    wp_buf_puts(&b, "}");
  }
  wp_buf_puts(&b, "],\"types\":[");
  for (uint32_t i = 0; i < r->n_types; i++) {
    const wp_wit_typedef_t *t = &r->types[i];
    if (i) wp_buf_puts(&b, ",");
    wp_buf_puts(&b, "{\"name\":");
    if (t->name)
      jstr(&b, t->name);
    else
      wp_buf_puts(&b, "null");
    wp_buf_puts(&b, ",\"kind\":");
    jkind(&b, t);
    wp_buf_puts(&b, ",\"owner\":");
    if (t->owner_kind == WP_WIT_OWNER_NONE)
      wp_buf_puts(&b, "null");
    else
      wp_buf_printf(&b, "{\"%s\":%u}",
                        t->owner_kind == WP_WIT_OWNER_INTERFACE ? "interface" : "world",
                        t->owner);
    jdocs(&b, t->docs);
    jstability(&b, &t->stability);
    jext(&b, t->external_id);
    wp_buf_puts(&b, "}");
  }
  wp_buf_puts(&b, "],\"packages\":[");
  for (uint32_t i = 0; i < r->n_packages; i++) {
    const wp_wit_package_t *p = &r->packages[i];
    if (i) wp_buf_puts(&b, ",");
    wp_buf_printf(&b, "{\"name\":\"%s:%s", p->name.ns, p->name.name);
    if (p->name.version) wp_buf_printf(&b, "@%s", p->name.version);
    wp_buf_puts(&b, "\"");
    jdocs(&b, p->docs);
    wp_buf_puts(&b, ",\"interfaces\":");
    jentries(&b, p->interfaces, p->n_interfaces);
    wp_buf_puts(&b, ",\"worlds\":");
    jentries(&b, p->worlds, p->n_worlds);
    wp_buf_puts(&b, "}");
  }
  wp_buf_puts(&b, "]}");
  char *compact = wp_buf_take(&b);
  if (!compact) return NULL;
  char *pretty = pretty_json(compact);
  free(compact);
  return pretty;
}
