/*
** print.c — prints resolved packages as canonical WIT.
**
** Layout per package: docs and header, interfaces in index order, then
** worlds.  Inside an interface: `use`s first, then type definitions in
** their (topological) order with resource methods inline, freestanding
** functions placed so the relative order of functions is the original
** one.  Worlds print their elaborated form: every implied import is
** written out and `include`s are already merged.  References to other
** packages are fully qualified; other packages are printed as nested
** `package x { ... }` blocks, so the text parses back on its own.
*/
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
  const wp_wit_resolve_t *r;
  wp_buf_t b;
  uint32_t pkg; /* package being printed */
  int indent;
  /* blank-line state of the current block: items that span several
     lines (or carry docs) are set apart, runs of one-liners are not */
  int started, last_multi, last_use;
} pr_t;

static void ind(pr_t *p);

static void item_start(pr_t *p, int multi, int is_use) {
  if (p->started && (multi || p->last_multi || (p->last_use && !is_use)))
    wp_buf_puts(&p->b, "\n");
  p->started = 1;
  p->last_multi = multi;
  p->last_use = is_use;
}

/* Starts a nested block (interface/world body); returns the outer state. */
static pr_t block_enter(pr_t *p) {
  pr_t saved = *p;
  p->started = p->last_multi = p->last_use = 0;
  return saved;
}

static void block_leave(pr_t *p, const pr_t *saved) {
  p->started = saved->started;
  p->last_multi = saved->last_multi;
  p->last_use = saved->last_use;
}

static void ind(pr_t *p) {
  for (int i = 0; i < p->indent; i++) wp_buf_puts(&p->b, "  ");
}

static void id(pr_t *p, const char *name) {
  if (wp_wit_is_keyword(name, strlen(name))) wp_buf_puts(&p->b, "%");
  wp_buf_puts(&p->b, name);
}

static int ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f'; }

/* Docs as `///` lines.  Lines are written the way the parser will read
   them back: trailing blanks dropped, common leading blanks removed, so
   printing is a fixpoint even for docs that came from block comments. */
static void docs(pr_t *p, const char *d) {
  if (!d) return;
  size_t min_ws = (size_t)-1;
  for (const char *s = d;;) {
    const char *e = strchr(s, '\n');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    while (n && ws(s[n - 1])) n--;
    if (n) {
      size_t w = 0;
      while (w < n && ws(s[w])) w++;
      if (w < min_ws) min_ws = w;
    }
    if (!e) break;
    s = e + 1;
  }
  if (min_ws == (size_t)-1) min_ws = 0;
  for (const char *s = d;;) {
    const char *e = strchr(s, '\n');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    while (n && ws(s[n - 1])) n--;
    ind(p);
    wp_buf_puts(&p->b, "///");
    if (n) {
      wp_buf_puts(&p->b, " ");
      wp_buf_put(&p->b, s + min_ws, n - min_ws);
    }
    wp_buf_puts(&p->b, "\n");
    if (!e) break;
    s = e + 1;
  }
}

static void stability(pr_t *p, const wp_wit_stability_t *s) {
  if (s->kind == WP_WIT_STABILITY_STABLE) {
    ind(p);
    wp_buf_printf(&p->b, "@since(version = %s)\n", s->since);
  } else if (s->kind == WP_WIT_STABILITY_UNSTABLE) {
    ind(p);
    wp_buf_puts(&p->b, "@unstable(feature = ");
    id(p, s->feature);
    wp_buf_puts(&p->b, ")\n");
  }
  if (s->kind != WP_WIT_STABILITY_UNKNOWN && s->deprecated) {
    ind(p);
    wp_buf_printf(&p->b, "@deprecated(version = %s)\n", s->deprecated);
  }
}

static void external_id(pr_t *p, const char *ext) {
  if (!ext) return;
  ind(p);
  wp_buf_puts(&p->b, "@external-id(\"");
  for (const char *c = ext; *c; c++) {
    if (*c == '"' || *c == '\\')
      wp_buf_printf(&p->b, "\\%c", *c);
    else if ((unsigned char)*c < 0x20)
      wp_buf_printf(&p->b, "\\u{%x}", (unsigned char)*c);
    else
      wp_buf_put(&p->b, c, 1);
  }
  wp_buf_puts(&p->b, "\")\n");
}

static void pkgname(pr_t *p, const wp_wit_package_name_t *n) {
  id(p, n->ns);
  wp_buf_puts(&p->b, ":");
  id(p, n->name);
  if (n->version) wp_buf_printf(&p->b, "@%s", n->version);
}

/* `iface` or `ns:pkg/iface@v` depending on where we print from. */
static void iface_path(pr_t *p, uint32_t iface) {
  const wp_wit_interface_t *i = &p->r->interfaces[iface];
  if (i->package == p->pkg || i->package == WP_WIT_NONE) {
    id(p, i->name ? i->name : "?");
    return;
  }
  const wp_wit_package_name_t *n = &p->r->packages[i->package].name;
  id(p, n->ns);
  wp_buf_puts(&p->b, ":");
  id(p, n->name);
  wp_buf_puts(&p->b, "/");
  id(p, i->name ? i->name : "?");
  if (n->version) wp_buf_printf(&p->b, "@%s", n->version);
}

static void type(pr_t *p, wp_wit_type_t t, int depth);

static void type_struct(pr_t *p, uint32_t tid, int depth);

static void type_id(pr_t *p, uint32_t tid, int depth) {
  const wp_wit_typedef_t *t = &p->r->types[tid];
  if (t->name) {
    id(p, t->name);
    return;
  }
  type_struct(p, tid, depth);
}

/* The structure of a type, ignoring its own name. */
static void type_struct(pr_t *p, uint32_t tid, int depth) {
  const wp_wit_typedef_t *t = &p->r->types[tid];
  if (depth > 1000) {
    p->b.oom = true;
    return;
  }
  switch (t->kind) {
    case WP_WIT_DEF_ALIAS: type(p, t->type, depth + 1); return;
    case WP_WIT_DEF_HANDLE:
      if (t->borrow) {
        wp_buf_puts(&p->b, "borrow<");
        type_id(p, t->resource, depth + 1);
        wp_buf_puts(&p->b, ">");
      } else {
        /* a plain resource name means `own<r>` */
        type_id(p, t->resource, depth + 1);
      }
      return;
    case WP_WIT_DEF_LIST:
      wp_buf_puts(&p->b, "list<");
      type(p, t->type, depth + 1);
      wp_buf_puts(&p->b, ">");
      return;
    case WP_WIT_DEF_FIXED_LIST:
      wp_buf_puts(&p->b, "list<");
      type(p, t->type, depth + 1);
      wp_buf_printf(&p->b, ", %u>", t->size);
      return;
    case WP_WIT_DEF_MAP:
      wp_buf_puts(&p->b, "map<");
      type(p, t->type, depth + 1);
      wp_buf_puts(&p->b, ", ");
      type(p, t->type2, depth + 1);
      wp_buf_puts(&p->b, ">");
      return;
    case WP_WIT_DEF_OPTION:
      wp_buf_puts(&p->b, "option<");
      type(p, t->type, depth + 1);
      wp_buf_puts(&p->b, ">");
      return;
    case WP_WIT_DEF_RESULT:
      wp_buf_puts(&p->b, "result");
      if (t->type.kind == WP_WIT_T_NONE && t->type2.kind == WP_WIT_T_NONE) return;
      wp_buf_puts(&p->b, "<");
      if (t->type.kind == WP_WIT_T_NONE)
        wp_buf_puts(&p->b, "_");
      else
        type(p, t->type, depth + 1);
      if (t->type2.kind != WP_WIT_T_NONE) {
        wp_buf_puts(&p->b, ", ");
        type(p, t->type2, depth + 1);
      }
      wp_buf_puts(&p->b, ">");
      return;
    case WP_WIT_DEF_TUPLE:
      wp_buf_puts(&p->b, "tuple<");
      for (uint32_t i = 0; i < t->n_types; i++) {
        if (i) wp_buf_puts(&p->b, ", ");
        type(p, t->types[i], depth + 1);
      }
      wp_buf_puts(&p->b, ">");
      return;
    case WP_WIT_DEF_FUTURE:
    case WP_WIT_DEF_STREAM:
      wp_buf_puts(&p->b, t->kind == WP_WIT_DEF_FUTURE ? "future" : "stream");
      if (t->type.kind != WP_WIT_T_NONE) {
        wp_buf_puts(&p->b, "<");
        type(p, t->type, depth + 1);
        wp_buf_puts(&p->b, ">");
      }
      return;
    default:
      /* anonymous records etc. cannot be written in WIT */
      wp_buf_puts(&p->b, "_");
      return;
  }
}

static void type(pr_t *p, wp_wit_type_t t, int depth) {
  if (t.kind == WP_WIT_T_ID)
    type_id(p, t.id, depth);
  else
    wp_buf_puts(&p->b, wp_wit_prim_name(t.kind));
}

/* Prints `(params) -> result` for a function; methods drop `self`. */
static void signature(pr_t *p, const wp_wit_function_t *f) {
  uint32_t first = (f->kind == WP_WIT_FUNC_METHOD || f->kind == WP_WIT_FUNC_ASYNC_METHOD) ? 1 : 0;
  wp_buf_puts(&p->b, "(");
  for (uint32_t i = first; i < f->n_params; i++) {
    if (i > first) wp_buf_puts(&p->b, ", ");
    id(p, f->params[i].name);
    wp_buf_puts(&p->b, ": ");
    type(p, f->params[i].type, 0);
  }
  wp_buf_puts(&p->b, ")");
  if (f->result.kind == WP_WIT_T_NONE) return;
  if (f->kind == WP_WIT_FUNC_CONSTRUCTOR && f->result.kind == WP_WIT_T_ID) {
    const wp_wit_typedef_t *t = &p->r->types[f->result.id];
    if ((t->kind == WP_WIT_DEF_HANDLE && !t->borrow && t->resource == f->resource) ||
        f->result.id == f->resource)
      return; /* the implicit `-> own<r>` */
  }
  wp_buf_puts(&p->b, " -> ");
  type(p, f->result, 0);
}

static int is_async(const wp_wit_function_t *f) {
  return f->kind == WP_WIT_FUNC_ASYNC_FREESTANDING || f->kind == WP_WIT_FUNC_ASYNC_METHOD ||
         f->kind == WP_WIT_FUNC_ASYNC_STATIC;
}

/* The name a function is written with: "m" for "[method]r.m". */
static const char *short_name(const wp_wit_function_t *f) {
  if (f->kind < WP_WIT_FUNC_METHOD) return f->name;
  const char *dot = strchr(f->name, '.');
  return dot ? dot + 1 : f->name;
}

static void func_item(pr_t *p, const wp_wit_function_t *f, const char *prefix) {
  item_start(p, f->docs != NULL, 0);
  docs(p, f->docs);
  stability(p, &f->stability);
  external_id(p, f->external_id);
  ind(p);
  if (prefix) wp_buf_puts(&p->b, prefix);
  if (f->kind == WP_WIT_FUNC_CONSTRUCTOR) {
    wp_buf_puts(&p->b, "constructor");
  } else {
    id(p, short_name(f));
    wp_buf_puts(&p->b, ": ");
    if (f->kind == WP_WIT_FUNC_STATIC || f->kind == WP_WIT_FUNC_ASYNC_STATIC)
      wp_buf_puts(&p->b, "static ");
    if (is_async(f)) wp_buf_puts(&p->b, "async ");
    wp_buf_puts(&p->b, "func");
  }
  signature(p, f);
  wp_buf_puts(&p->b, ";\n");
}

static void fields(pr_t *p, const wp_wit_typedef_t *t, int with_type, int paren) {
  p->indent++;
  for (uint32_t i = 0; i < t->n_fields; i++) {
    docs(p, t->fields[i].docs);
    ind(p);
    id(p, t->fields[i].name);
    if (with_type && t->fields[i].type.kind != WP_WIT_T_NONE) {
      wp_buf_puts(&p->b, paren ? "(" : ": ");
      type(p, t->fields[i].type, 0);
      if (paren) wp_buf_puts(&p->b, ")");
    }
    wp_buf_puts(&p->b, ",\n");
  }
  p->indent--;
}

/* If `tid` is an alias of another interface's type (written as `use`),
   its target; else NULL. */
static const wp_wit_typedef_t *use_target(pr_t *p, uint32_t tid) {
  const wp_wit_typedef_t *t = &p->r->types[tid];
  if (t->kind != WP_WIT_DEF_ALIAS || t->type.kind != WP_WIT_T_ID) return NULL;
  const wp_wit_typedef_t *o = &p->r->types[t->type.id];
  if (o->name && o->owner_kind == WP_WIT_OWNER_INTERFACE &&
      (o->owner_kind != t->owner_kind || o->owner != t->owner))
    return o;
  return NULL;
}

static int same_stability(const wp_wit_stability_t *a, const wp_wit_stability_t *b) {
  if (a->kind != b->kind || !a->deprecated != !b->deprecated) return 0;
  if (a->deprecated && strcmp(a->deprecated, b->deprecated)) return 0;
  if (a->kind == WP_WIT_STABILITY_STABLE) return !strcmp(a->since, b->since);
  if (a->kind == WP_WIT_STABILITY_UNSTABLE) return !strcmp(a->feature, b->feature);
  return 1;
}

/* Whether `b` can share one `use` statement with `a`. */
static int same_use(pr_t *p, uint32_t a, uint32_t b) {
  const wp_wit_typedef_t *oa = use_target(p, a), *ob = use_target(p, b);
  const wp_wit_typedef_t *ta = &p->r->types[a], *tb = &p->r->types[b];
  return oa && ob && oa->owner == ob->owner && same_stability(&ta->stability, &tb->stability) &&
         !ta->external_id && !tb->external_id;
}

/* `use iface.{a, b as c};` for a run of aliases from one interface. */
static void use_stmt(pr_t *p, const uint32_t *tids, uint32_t n) {
  const wp_wit_typedef_t *t0 = &p->r->types[tids[0]];
  item_start(p, 0, 1);
  stability(p, &t0->stability);
  external_id(p, t0->external_id);
  ind(p);
  wp_buf_puts(&p->b, "use ");
  iface_path(p, use_target(p, tids[0])->owner);
  wp_buf_puts(&p->b, ".{");
  for (uint32_t i = 0; i < n; i++) {
    const wp_wit_typedef_t *t = &p->r->types[tids[i]], *o = use_target(p, tids[i]);
    if (i) wp_buf_puts(&p->b, ", ");
    id(p, o->name);
    if (strcmp(o->name, t->name)) {
      wp_buf_puts(&p->b, " as ");
      id(p, t->name);
    }
  }
  wp_buf_puts(&p->b, "};\n");
}

/* A named type of an interface or world.  `funcs` are the owner's
   functions (resource methods are printed inside the resource). */
static void typedef_item(pr_t *p, uint32_t tid, const wp_wit_function_t *funcs, uint32_t nf,
                         const wp_wit_world_item_t *witems, uint32_t nw) {
  const wp_wit_typedef_t *t = &p->r->types[tid];
  if (use_target(p, tid)) {
    use_stmt(p, &tid, 1);
    return;
  }
  int multi = t->docs || t->kind == WP_WIT_DEF_RECORD || t->kind == WP_WIT_DEF_VARIANT ||
              t->kind == WP_WIT_DEF_FLAGS || t->kind == WP_WIT_DEF_ENUM;
  if (t->kind == WP_WIT_DEF_RESOURCE) {
    for (uint32_t i = 0; i < nf && !multi; i++)
      multi = funcs[i].kind >= WP_WIT_FUNC_METHOD && funcs[i].resource == tid;
    for (uint32_t i = 0; i < nw && !multi; i++)
      multi = witems[i].kind == WP_WIT_ITEM_FUNCTION && witems[i].func.kind >= WP_WIT_FUNC_METHOD &&
              witems[i].func.resource == tid;
  }
  item_start(p, multi, 0);
  docs(p, t->docs);
  stability(p, &t->stability);
  external_id(p, t->external_id);
  ind(p);
  switch (t->kind) {
    case WP_WIT_DEF_RECORD:
      wp_buf_puts(&p->b, "record ");
      id(p, t->name);
      wp_buf_puts(&p->b, " {\n");
      fields(p, t, 1, 0);
      ind(p);
      wp_buf_puts(&p->b, "}\n");
      return;
    case WP_WIT_DEF_VARIANT:
      wp_buf_puts(&p->b, "variant ");
      id(p, t->name);
      wp_buf_puts(&p->b, " {\n");
      fields(p, t, 1, 1);
      ind(p);
      wp_buf_puts(&p->b, "}\n");
      return;
    case WP_WIT_DEF_FLAGS:
    case WP_WIT_DEF_ENUM:
      wp_buf_puts(&p->b, t->kind == WP_WIT_DEF_FLAGS ? "flags " : "enum ");
      id(p, t->name);
      wp_buf_puts(&p->b, " {\n");
      fields(p, t, 0, 0);
      ind(p);
      wp_buf_puts(&p->b, "}\n");
      return;
    case WP_WIT_DEF_RESOURCE: {
      wp_buf_puts(&p->b, "resource ");
      id(p, t->name);
      int any = 0;
      pr_t saved_res = *p;
      for (uint32_t pass = 0; pass < 2; pass++) {
        uint32_t n = pass ? nw : nf;
        for (uint32_t i = 0; i < n; i++) {
          const wp_wit_function_t *f = pass ? &witems[i].func : &funcs[i];
          if (pass && witems[i].kind != WP_WIT_ITEM_FUNCTION) continue;
          if (f->kind < WP_WIT_FUNC_METHOD || f->resource != tid) continue;
          if (!any) wp_buf_puts(&p->b, " {\n");
          pr_t outer = any ? *p : block_enter(p);
          if (!any) saved_res = outer;
          any = 1;
          p->indent++;
          func_item(p, f, NULL);
          p->indent--;
        }
      }
      if (any) {
        block_leave(p, &saved_res);
        ind(p);
        wp_buf_puts(&p->b, "}\n");
      } else {
        wp_buf_puts(&p->b, ";\n");
      }
      return;
    }
    default:
      wp_buf_puts(&p->b, "type ");
      id(p, t->name);
      wp_buf_puts(&p->b, " = ");
      if (t->kind == WP_WIT_DEF_ALIAS) {
        type(p, t->type, 0);
      } else if (t->kind == WP_WIT_DEF_HANDLE) {
        wp_buf_puts(&p->b, t->borrow ? "borrow<" : "own<");
        type_id(p, t->resource, 0);
        wp_buf_puts(&p->b, ">");
      } else {
        type_struct(p, tid, 0);
      }
      wp_buf_puts(&p->b, ";\n");
      return;
  }
}

static int resource_has_funcs(const wp_wit_function_t *funcs, uint32_t nf, uint32_t tid) {
  for (uint32_t i = 0; i < nf; i++)
    if (funcs[i].kind >= WP_WIT_FUNC_METHOD && funcs[i].resource == tid) return 1;
  return 0;
}

static void interface_body(pr_t *p, const wp_wit_interface_t *ifc) {
  pr_t outer = block_enter(p);
  p->indent++;
  uint32_t next_free = 0; /* next freestanding function to print */
  for (uint32_t i = 0; i < ifc->n_types; i++) {
    uint32_t tid = ifc->types[i].id;
    const wp_wit_typedef_t *t = &p->r->types[tid];
    if (use_target(p, tid)) {
      uint32_t run[64], n = 0;
      run[n++] = tid;
      while (n < 64 && i + 1 < ifc->n_types && same_use(p, tid, ifc->types[i + 1].id))
        run[n++] = ifc->types[++i].id;
      use_stmt(p, run, n);
      continue;
    }
    if (t->kind == WP_WIT_DEF_RESOURCE && resource_has_funcs(ifc->funcs, ifc->n_funcs, tid)) {
      /* keep functions in their original relative order */
      while (next_free < ifc->n_funcs) {
        const wp_wit_function_t *f = &ifc->funcs[next_free];
        if (f->kind >= WP_WIT_FUNC_METHOD) {
          if (f->resource == tid) break;
          next_free++;
          continue;
        }
        func_item(p, f, NULL);
        next_free++;
      }
    }
    typedef_item(p, tid, ifc->funcs, ifc->n_funcs, NULL, 0);
  }
  for (; next_free < ifc->n_funcs; next_free++)
    if (ifc->funcs[next_free].kind < WP_WIT_FUNC_METHOD) func_item(p, &ifc->funcs[next_free], NULL);
  p->indent--;
  block_leave(p, &outer);
}

static void world_items(pr_t *p, const wp_wit_world_t *w, int exports) {
  const wp_wit_world_item_t *v = exports ? w->exports : w->imports;
  uint32_t n = exports ? w->n_exports : w->n_imports;
  const char *kw = exports ? "export " : "import ";
  for (uint32_t i = 0; i < n; i++) {
    const wp_wit_world_item_t *it = &v[i];
    if (it->kind == WP_WIT_ITEM_TYPE) {
      if (use_target(p, it->id)) {
        uint32_t run[64], k = 0;
        run[k++] = it->id;
        while (k < 64 && i + 1 < n && v[i + 1].kind == WP_WIT_ITEM_TYPE &&
               same_use(p, it->id, v[i + 1].id))
          run[k++] = v[++i].id;
        use_stmt(p, run, k);
        continue;
      }
      typedef_item(p, it->id, NULL, 0, v, n);
      continue;
    }
    if (it->kind == WP_WIT_ITEM_FUNCTION) {
      if (it->func.kind >= WP_WIT_FUNC_METHOD) continue; /* inside its resource */
      func_item(p, &it->func, kw);
      continue;
    }
    const wp_wit_interface_t *ifc = &p->r->interfaces[it->id];
    if (!ifc->name) {
      item_start(p, 1, 0);
      docs(p, ifc->docs);
      stability(p, &ifc->stability);
      external_id(p, it->external_id);
      ind(p);
      wp_buf_puts(&p->b, kw);
      id(p, it->name ? it->name : "?");
      wp_buf_puts(&p->b, ": interface {\n");
      interface_body(p, ifc);
      ind(p);
      wp_buf_puts(&p->b, "}\n");
      continue;
    }
    item_start(p, it->docs != NULL, 0);
    docs(p, it->docs);
    stability(p, &it->stability);
    external_id(p, it->external_id);
    ind(p);
    wp_buf_puts(&p->b, kw);
    if (it->name) {
      id(p, it->name);
      wp_buf_puts(&p->b, ": ");
    }
    iface_path(p, it->id);
    wp_buf_puts(&p->b, ";\n");
  }
}

static void package_body(pr_t *p, uint32_t pkg) {
  const wp_wit_package_t *pk = &p->r->packages[pkg];
  int first = 1;
  for (uint32_t i = 0; i < pk->n_interfaces; i++) {
    const wp_wit_interface_t *ifc = &p->r->interfaces[pk->interfaces[i].id];
    if (!first) wp_buf_puts(&p->b, "\n");
    first = 0;
    docs(p, ifc->docs);
    stability(p, &ifc->stability);
    ind(p);
    wp_buf_puts(&p->b, "interface ");
    id(p, ifc->name);
    wp_buf_puts(&p->b, " {\n");
    interface_body(p, ifc);
    ind(p);
    wp_buf_puts(&p->b, "}\n");
  }
  for (uint32_t i = 0; i < pk->n_worlds; i++) {
    const wp_wit_world_t *w = &p->r->worlds[pk->worlds[i].id];
    if (!first) wp_buf_puts(&p->b, "\n");
    first = 0;
    docs(p, w->docs);
    stability(p, &w->stability);
    ind(p);
    wp_buf_puts(&p->b, "world ");
    id(p, w->name);
    wp_buf_puts(&p->b, " {\n");
    pr_t outer = block_enter(p);
    p->indent++;
    world_items(p, w, 0);
    world_items(p, w, 1);
    p->indent--;
    block_leave(p, &outer);
    ind(p);
    wp_buf_puts(&p->b, "}\n");
  }
}

char *wp_wit_print_package(const wp_wit_resolve_t *r, uint32_t pkg) {
  if (!r || pkg >= r->n_packages) return NULL;
  pr_t p;
  memset(&p, 0, sizeof p);
  p.r = r;
  p.pkg = pkg;
  docs(&p, r->packages[pkg].docs);
  wp_buf_puts(&p.b, "package ");
  pkgname(&p, &r->packages[pkg].name);
  wp_buf_puts(&p.b, ";\n\n");
  package_body(&p, pkg);
  return wp_buf_take(&p.b);
}

/* Orders packages by namespace, name, then version. */
static int pkg_cmp(const wp_wit_resolve_t *r, uint32_t a, uint32_t b) {
  const wp_wit_package_name_t *x = &r->packages[a].name, *y = &r->packages[b].name;
  int c = strcmp(x->ns, y->ns);
  if (!c) c = strcmp(x->name, y->name);
  if (!c) c = (x->version != NULL) - (y->version != NULL);
  if (!c && x->version) c = wp_wit_version_cmp(x->version, y->version);
  return c;
}

char *wp_wit_print(const wp_wit_resolve_t *r, uint32_t main) {
  if (!r || main >= r->n_packages) return NULL;
  pr_t p;
  memset(&p, 0, sizeof p);
  p.r = r;
  p.pkg = main;
  docs(&p, r->packages[main].docs);
  wp_buf_puts(&p.b, "package ");
  pkgname(&p, &r->packages[main].name);
  wp_buf_puts(&p.b, ";\n\n");
  package_body(&p, main);
  /* other packages in name order, so the text is canonical */
  uint32_t done = 0;
  for (uint32_t k = 0; k + 1 < r->n_packages; k++) {
    uint32_t best = WP_WIT_NONE;
    for (uint32_t i = 0; i < r->n_packages; i++) {
      if (i == main) continue;
      if (done && pkg_cmp(r, i, p.pkg) <= 0) continue;
      if (best == WP_WIT_NONE || pkg_cmp(r, i, best) < 0) best = i;
    }
    if (best == WP_WIT_NONE) break;
    uint32_t i = best;
    done = 1;
    p.pkg = i;
    wp_buf_puts(&p.b, "\n");
    docs(&p, r->packages[i].docs);
    wp_buf_puts(&p.b, "package ");
    pkgname(&p, &r->packages[i].name);
    wp_buf_puts(&p.b, " {\n");
    p.indent++;
    package_body(&p, i);
    p.indent--;
    wp_buf_puts(&p.b, "}\n");
  }
  return wp_buf_take(&p.b);
}
