/*
** api_test.c — the public API of src/wit as later layers use it: pushing
** strings, walking the typed representation, errors as values, feature
** gates, helpers.  Each check names what broke.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wit/wit.h"
#include "../check.h"

static wp_wit_resolve_t *push(const char *src, uint32_t *pkg, wp_wit_error_t **err) {
  wp_wit_resolve_t *r = wp_wit_resolve_new();
  if (!r) abort();
  if (wp_wit_push_str(r, "t.wit", src, strlen(src), pkg, err)) {
    wp_wit_resolve_delete(r);
    return NULL;
  }
  return r;
}

static uint32_t iface_by_name(const wp_wit_resolve_t *r, const char *name) {
  for (uint32_t i = 0; i < r->n_interfaces; i++)
    if (r->interfaces[i].name && !strcmp(r->interfaces[i].name, name)) return i;
  return WP_WIT_NONE;
}

static const wp_wit_function_t *func_by_name(const wp_wit_interface_t *i, const char *name) {
  for (uint32_t k = 0; k < i->n_funcs; k++)
    if (!strcmp(i->funcs[k].name, name)) return &i->funcs[k];
  return NULL;
}

static void test_types_and_functions(void) {
  const char *src =
      "package my:kv@1.2.3;\n"
      "interface store {\n"
      "  /// a bucket\n"
      "  resource bucket {\n"
      "    constructor(name: string);\n"
      "    get: func(key: string) -> option<list<u8>>;\n"
      "    open: static func(name: string) -> result<bucket, error>;\n"
      "  }\n"
      "  variant error { no-such-key, other(string) }\n"
      "  record entry { key: string, value: list<u8> }\n"
      "  flags perms { read, write }\n"
      "  type alias = entry;\n"
      "}\n"
      "world app { import store; export run: func(); }\n";
  uint32_t pkg;
  wp_wit_error_t *err = NULL;
  wp_wit_resolve_t *r = push(src, &pkg, &err);
  CHECK(r, "valid WIT rejected: %s", err ? err->message : "?");
  if (!r) {
    wp_wit_error_delete(err);
    return;
  }
  CHECK(r->n_packages == 1 && pkg == 0, "one package");
  CHECK(!strcmp(r->packages[0].name.ns, "my") && !strcmp(r->packages[0].name.name, "kv") &&
            !strcmp(r->packages[0].name.version, "1.2.3"),
        "package name parts");
  uint32_t s = iface_by_name(r, "store");
  CHECK(s != WP_WIT_NONE, "interface store");
  const wp_wit_interface_t *st = &r->interfaces[s];
  CHECK(st->n_types == 5, "store has 5 named types, got %u", st->n_types);
  uint32_t bucket = st->types[0].id;
  CHECK(r->types[bucket].kind == WP_WIT_DEF_RESOURCE, "bucket is a resource");
  CHECK(r->types[bucket].docs && !strcmp(r->types[bucket].docs, "a bucket"), "docs kept");
  const wp_wit_function_t *get = func_by_name(st, "[method]bucket.get");
  CHECK(get && get->kind == WP_WIT_FUNC_METHOD && get->resource == bucket, "method");
  if (get) {
    CHECK(get->n_params == 2 && !strcmp(get->params[0].name, "self"), "self first");
    const wp_wit_typedef_t *self = &r->types[get->params[0].type.id];
    CHECK(self->kind == WP_WIT_DEF_HANDLE && self->borrow && self->resource == bucket,
          "self is borrow<bucket>");
    const wp_wit_typedef_t *res = &r->types[get->result.id];
    CHECK(res->kind == WP_WIT_DEF_OPTION, "option result");
    const wp_wit_typedef_t *lst = &r->types[res->type.id];
    CHECK(lst->kind == WP_WIT_DEF_LIST && lst->type.kind == WP_WIT_T_U8, "list<u8>");
  }
  const wp_wit_function_t *ctor = func_by_name(st, "[constructor]bucket");
  CHECK(ctor && ctor->kind == WP_WIT_FUNC_CONSTRUCTOR, "constructor");
  if (ctor) {
    const wp_wit_typedef_t *own = &r->types[ctor->result.id];
    CHECK(own->kind == WP_WIT_DEF_HANDLE && !own->borrow && own->resource == bucket,
          "constructor returns own<bucket>");
  }
  const wp_wit_function_t *open = func_by_name(st, "[static]bucket.open");
  CHECK(open && open->kind == WP_WIT_FUNC_STATIC, "static");
  uint32_t alias = st->types[4].id;
  CHECK(r->types[alias].kind == WP_WIT_DEF_ALIAS, "alias kind");
  CHECK(wp_wit_type_unalias(r, alias) == st->types[2].id, "unalias reaches the record");
  CHECK(r->types[st->types[2].id].n_fields == 2, "record fields");
  CHECK(r->types[st->types[3].id].kind == WP_WIT_DEF_FLAGS, "flags");
  uint32_t w = wp_wit_find_world(r, pkg, "app");
  CHECK(w != WP_WIT_NONE, "world app");
  if (w != WP_WIT_NONE) {
    const wp_wit_world_t *wd = &r->worlds[w];
    CHECK(wd->n_imports == 1 && wd->imports[0].kind == WP_WIT_ITEM_INTERFACE &&
              wd->imports[0].id == s && wd->imports[0].name == NULL,
          "world imports store by id");
    CHECK(wd->n_exports == 1 && wd->exports[0].kind == WP_WIT_ITEM_FUNCTION &&
              !strcmp(wd->exports[0].name, "run"),
          "world exports run");
  }
  char *id = wp_wit_interface_id(r, s);
  CHECK(id && !strcmp(id, "my:kv/store@1.2.3"), "interface id: %s", id ? id : "(null)");
  free(id);
  CHECK(!strcmp(wp_wit_prim_name(WP_WIT_T_STRING), "string"), "prim name");
  char *text = wp_wit_print_package(r, pkg);
  CHECK(text && strstr(text, "package my:kv@1.2.3;") &&
            strstr(text, "open: static func(name: string) -> result<bucket, error>;"),
        "printer output:\n%s", text ? text : "(null)");
  free(text);
  wp_wit_resolve_delete(r);
}

static void test_errors(void) {
  uint32_t pkg;
  wp_wit_error_t *err = NULL;
  wp_wit_resolve_t *r = push("package a:b;\ninterface i {\n  type t = u32;\n  type t = u8;\n}\n",
                             &pkg, &err);
  CHECK(!r, "duplicate type accepted");
  CHECK(err && err->file && !strcmp(err->file, "t.wit") && err->line == 4 && err->col == 8,
        "duplicate at t.wit:4:8, got %s", err ? err->message : "(none)");
  CHECK(err && strstr(err->message, "name `t` is defined more than once"), "duplicate message");
  CHECK(err && strstr(err->rendered, "      |        ^"), "caret: %s", err ? err->rendered : "");
  wp_wit_error_delete(err);

  err = NULL;
  r = push("package a:b;\ninterface i { type x = y; }\n", &pkg, &err);
  CHECK(!r && err && strstr(err->message, "t.wit:2:24: type `y` does not exist"),
        "undefined type: %s", err ? err->message : "(none)");
  wp_wit_error_delete(err);

  err = NULL;
  r = push("package a:b;\ninterface i { type x = list<x>; }\n", &pkg, &err);
  CHECK(!r && err && strstr(err->message, "type `x` depends on itself"), "cycle: %s",
        err ? err->message : "(none)");
  wp_wit_error_delete(err);

  err = NULL;
  r = push("package a:b;\ninterface Bad_Name {}\n", &pkg, &err);
  CHECK(!r && err && err->line == 2 && err->col == 11, "kebab-case: %s",
        err ? err->message : "(none)");
  wp_wit_error_delete(err);

  err = NULL;
  r = push("interface i {}\n", &pkg, &err);
  CHECK(!r && err && !err->file && strstr(err->message, "no `package` header"), "no header");
  wp_wit_error_delete(err);

  /* a failed push leaves a resolve that can still be deleted */
  wp_wit_resolve_t *keep = wp_wit_resolve_new();
  err = NULL;
  CHECK(wp_wit_push_str(keep, "x.wit", "package a:b; interface i { f: func() -> borrow<r>; resource r; }", 64, &pkg, &err) == -1,
        "borrow return accepted");
  wp_wit_error_delete(err);
  wp_wit_resolve_delete(keep);
}

static void test_packages_and_features(void) {
  const char *src =
      "package app:main;\n"
      "world w { import dep:lib/api@0.1.0; }\n"
      "package dep:lib@0.1.0 {\n"
      "  interface types { type id = u64; }\n"
      "  interface api {\n"
      "    use types.{id};\n"
      "    @unstable(feature = fancy) fancy: func();\n"
      "    get: func() -> id;\n"
      "  }\n"
      "}\n";
  uint32_t pkg;
  wp_wit_error_t *err = NULL;
  wp_wit_resolve_t *r = push(src, &pkg, &err);
  CHECK(r, "nested packages: %s", err ? err->message : "?");
  if (r) {
    CHECK(r->n_packages == 2 && pkg == 1, "dependency added first, main second");
    uint32_t w = wp_wit_find_world(r, pkg, "w");
    /* elaboration adds the implied import of dep:lib/types before api */
    CHECK(w != WP_WIT_NONE && r->worlds[w].n_imports == 2 &&
              r->worlds[w].imports[0].id == iface_by_name(r, "types"),
          "implied import");
    uint32_t api = iface_by_name(r, "api");
    CHECK(api != WP_WIT_NONE && r->interfaces[api].n_funcs == 1, "@unstable dropped by default");
    wp_wit_resolve_delete(r);
  }
  wp_wit_error_delete(err);

  r = wp_wit_resolve_new();
  CHECK(r && wp_wit_resolve_feature(r, "fancy") == 0, "feature");
  err = NULL;
  CHECK(r && wp_wit_push_str(r, "t.wit", src, strlen(src), &pkg, &err) == 0, "push with feature");
  if (r) {
    uint32_t api = iface_by_name(r, "api");
    CHECK(api != WP_WIT_NONE && r->interfaces[api].n_funcs == 2, "@unstable kept when enabled");
    char *json = wp_wit_to_json(r);
    CHECK(json && strstr(json, "\"unstable\": {\n") && strstr(json, "\"feature\": \"fancy\""),
          "JSON carries stability");
    free(json);
    char *all = wp_wit_print(r, pkg);
    CHECK(all && strstr(all, "package dep:lib@0.1.0 {") &&
              strstr(all, "@unstable(feature = fancy)") && strstr(all, "import dep:lib/api@0.1.0;"),
          "print with nested packages:\n%s", all ? all : "");
    free(all);
  }
  wp_wit_error_delete(err);
  wp_wit_resolve_delete(r);
}

int main(void) {
  test_types_and_functions();
  test_errors();
  test_packages_and_features();
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("wit api: all checks passed\n");
  return 0;
}
