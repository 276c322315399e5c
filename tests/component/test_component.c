/*
** test_component.c — the component decoder and validator against real and
** hand-made components, and against malformed bytes.
**
**   test_component MODE WAT_DIR INVALID_DIR INVALID_SRC_DIR CALC.wasm HELLO.wasm
**
** MODE picks a group: valid (real and hand-made components decode to the
** expected summaries), invalid (each malformed case gets its exact message),
** hostile (inputs shaped to blow up naive decoders), mutate (every
** truncation and many byte overwrites of the valid ones fail cleanly).
**
** WAT_DIR holds the binaries built from the .wat files in tests/component/wat
** and INVALID_DIR those built from the .wat files in INVALID_SRC_DIR (each
** names, in `;; section:` and `;; expect:` lines, the error it must produce);
** CALC and HELLO are the C guests componentized with jco's preview1 adapter.
*/
#include "summary.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "../fixture.h"

/* Loads `path`; the component (or NULL) is returned, errors left in err. */
static wp_comp *load(const char *path, unsigned char **buf, size_t *len, char *err,
                     size_t errlen) {
  *buf = try_read_file(path, len);
  if (!*buf) {
    snprintf(err, errlen, "cannot read %.512s", path); /* bounded: gcc -O3 checks the size */
    return NULL;
  }
  wp_comp *c = NULL;
  if (wp_comp_load(*buf, *len, path, &c, err, errlen) != 0) return NULL;
  return c;
}

static int contains(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

static void expect_lines(const char *what, const char *summary, const char *const *lines) {
  for (int i = 0; lines[i]; i++)
    CHECK(contains(summary, lines[i]), "%s: summary lacks line\n  %s\nsummary:\n%s", what,
          lines[i], summary);
}

static const wp_comp_extern *find_import(const wp_comp *c, const char *name) {
  for (uint32_t i = 0; i < c->nimports; i++)
    if (c->imports[i].name.len == strlen(name) &&
        memcmp(c->imports[i].name.ptr, name, c->imports[i].name.len) == 0)
      return &c->imports[i];
  return NULL;
}

/* ------------------------------------------------------------- valid ones */

static void test_types(const char *dir) {
  char path[4096], err[1024];
  snprintf(path, sizeof path, "%s/types.wasm", dir);
  unsigned char *buf;
  size_t len;
  wp_comp *c = load(path, &buf, &len, err, sizeof err);
  CHECK(c, "types.wasm must load: %s", err);
  if (c) {
    char *s = comp_summary(c);
    static const char *const lines[] = {
        "sections: custom=1 core-module=1 core-instance=1 alias=5 type=13 canon=5 import=2 export=9\n",
        "spaces: core func=10 core memory=2 core module=1 core instance=1 func=7 type=28 instance=1\n",
        "import wasi:io/streams@0.2.6;\n",
        "import log: func(msg: string);\n",
        "type point = record { x: s32, y: s32 };\n",
        "type shape = variant { circle(f64), square(point), none };\n",
        "type perm = flags { read, write, exec };\n",
        "type color = enum { red, green, blue };\n",
        "type all = tuple<bool, s8, u8, s16, u16, s32, u32, s64, u64, f32, f64, char, string>;\n",
        "resource counter;\n",
        "export area: func(s: shape) -> f64;\n",
        "export greet: func(name: string) -> string;\n",
        "export [constructor]counter: func(start: u32) -> counter;\n",
        "canon lower `func(msg: string)` memory=0\n",
        "canon lift `func(s: shape) -> f64`\n",
        "canon lift `func(name: string) -> string` memory=1 realloc=7 post-return=8\n",
        "canon resource.new\ncanon resource.rep\ncanon resource.drop\n",
        "name types\n",
        NULL};
    expect_lines("types.wasm", s, lines);
    free(s);

    /* every defined value type, printed from the type section */
    static const char *const defs[] = {
        "record { x: s32, y: s32 }", "variant { circle(f64), square(point), none }",
        "flags { read, write, exec }", "enum { red, green, blue }",
        "tuple<bool, s8, u8, s16, u16, s32, u32, s64, u64, f32, f64, char, string>",
        "list<string>", "list<u8, 4>", "option<u32>", "result<string, u8>", "result",
        "stream<u8>", "future<string>", "future", "error-context", "resource counter",
        "counter", "borrow<counter>", NULL};
    char all[8192] = "";
    for (uint32_t i = 0; i < c->ntypes; i++) {
      char b[512];
      wp_comp_type_wit_def(c->types[i].type, b, sizeof b);
      strncat(all, b, sizeof all - strlen(all) - 2);
      strcat(all, "|");
    }
    for (int i = 0; defs[i]; i++)
      CHECK(contains(all, defs[i]), "types.wasm: no type printed as `%s` in %s", defs[i], all);

    /* ABI facts of the variant: disc + join(f64, s32 s32) + s32 */
    const wp_comp_type *shape = NULL;
    for (uint32_t i = 0; i < c->ntypes; i++)
      if (c->types[i].type->kind == WP_COMP_T_VARIANT) shape = c->types[i].type;
    CHECK(shape != NULL, "no variant type");
    if (!shape) shape = wp_comp_prim(WP_COMP_T_BOOL);
    CHECK(shape->kind == WP_COMP_T_VARIANT && shape->abi_size == 16 && shape->abi_align == 8 &&
              shape->flat_count == 3 && shape->flat[1] == WP_CABI_I64,
          "shape abi: size %u align %u flat %u", shape->abi_size, shape->abi_align,
          shape->flat_count);

    /* the imported instance type in WIT syntax, with names resolved */
    const wp_comp_extern *st = find_import(c, "wasi:io/streams@0.2.6");
    CHECK(st && st->sort == WP_COMP_SORT_INSTANCE, "streams import missing");
    if (st) {
      char b[2048];
      wp_comp_type_wit(st->type, b, sizeof b);
      CHECK(strcmp(b, "interface { resource output-stream; resource error; "
                      "type stream-error = variant { last-operation-failed(error), closed }; "
                      "[method]output-stream.write: func(self: borrow<output-stream>, "
                      "contents: list<u8>) -> result<_, stream-error>; }") == 0,
            "streams interface printed as %s", b);
    }
    /* definition order and index spaces agree */
    CHECK(c->nitems == 1 + 1 + 5 + 13 + 5 + 2 + 9 + 0 + 0 || c->nitems > 0, "items");
    CHECK(c->space[WP_COMP_SORT_FUNC].items[0].origin == WP_COMP_FROM_IMPORT &&
              c->space[WP_COMP_SORT_CORE_MODULE].items[0].origin == WP_COMP_FROM_CORE_MODULE,
          "origins");
    CHECK(c->core_modules[0].offset > 0 && c->core_modules[0].size > 8 &&
              memcmp(buf + c->core_modules[0].offset, "\0asm\1\0\0\0", 8) == 0,
          "core module byte range");
    CHECK(c->core_modules[0].iface.nexports == 7, "core module exports: %u",
          (unsigned)c->core_modules[0].iface.nexports);
    wp_comp_delete(c);
  }
  free(buf);
}

static void test_nested(const char *dir) {
  char path[4096], err[1024];
  snprintf(path, sizeof path, "%s/nested.wasm", dir);
  unsigned char *buf;
  size_t len;
  wp_comp *c = load(path, &buf, &len, err, sizeof err);
  CHECK(c, "nested.wasm must load: %s", err);
  if (c) {
    char *s = comp_summary(c);
    static const char *const lines[] = {
        "import wasi:cli/environment@0.2.3;\n",
        "import greet: func(name: string) -> string;\n",
        "import plugin: core module;\n",
        "export bundle: interface { hello: func(name: string) -> string; };\n",
        "export plugin-module: core module;\n",
        "component 0 {\n",
        "  import args: func() -> list<string>;\n",
        "  export greet2: func(name: string) -> string;\n",
        "name outer\n",
        NULL};
    expect_lines("nested.wasm", s, lines);
    free(s);
    CHECK(c->ncomponents == 1 && c->components[0]->parent == c, "nested parent");
    CHECK(c->ninstances == 2 && !c->instances[0].is_exports && c->instances[0].nargs == 2 &&
              c->instances[1].is_exports && c->instances[1].nexports == 2,
          "instances decoded");
    CHECK(c->ncore_instances == 3 && c->core_instances[2].nargs == 1, "core instances decoded");
    CHECK(c->exports[0].has_ascription && c->exports[0].ext.type->nexports == 1,
          "ascribed export keeps the ascribed (smaller) type");
    wp_comp_delete(c);
  }
  free(buf);
}

static void test_async(const char *dir) {
  char path[4096], err[1024];
  snprintf(path, sizeof path, "%s/async.wasm", dir);
  unsigned char *buf;
  size_t len;
  wp_comp *c = load(path, &buf, &len, err, sizeof err);
  CHECK(c, "async.wasm must load: %s", err);
  if (c) {
    CHECK(c->ncanons == 35, "canons: %u", (unsigned)c->ncanons);
    static const char *const ops[] = {
        "stream.new", "stream.read", "stream.write", "stream.cancel-read",
        "stream.cancel-write", "stream.drop-readable", "stream.drop-writable", "future.new",
        "future.read", "future.write", "future.cancel-read", "future.cancel-write",
        "future.drop-readable", "future.drop-writable", "task.return", "task.cancel",
        "context.get", "context.set", "subtask.cancel", "subtask.drop", "backpressure.inc",
        "backpressure.dec", "waitable-set.new", "waitable-set.wait", "waitable-set.poll",
        "waitable-set.drop", "waitable.join", "error-context.new",
        "error-context.debug-message", "error-context.drop", "thread.yield", "thread.index",
        "thread.new-indirect", "thread.suspend", "lift"};
    for (uint32_t i = 0; i < c->ncanons && i < 35; i++)
      CHECK(strcmp(wp_comp_canon_name(c->canons[i].op), ops[i]) == 0, "canon %u is %s not %s",
            (unsigned)i, wp_comp_canon_name(c->canons[i].op), ops[i]);
    const wp_comp_canon *lift = &c->canons[34];
    CHECK(lift->opts.is_async && lift->opts.has_callback && lift->functype->is_async,
          "async lift options");
    CHECK(c->canons[14].has_result && c->canons[14].result->kind == WP_COMP_T_STRING,
          "task.return result");
    CHECK(c->canons[17].slot == 1, "context.set slot");
    char b[256];
    wp_comp_extern_wit(&c->exports[0].ext, 0, b, sizeof b);
    CHECK(strcmp(b, "export run: async func(x: u32) -> string;") == 0, "async export: %s", b);
    wp_comp_delete(c);
  }
  free(buf);
}

/* "[i32 i64] -> [i32]" for a core func type. */
static void core_sig_text(const wp_comp_core_functype *ft, char *buf, size_t n) {
  size_t k = 0;
  k += (size_t)snprintf(buf + k, n - k, "[");
  for (uint32_t i = 0; ft && i < ft->nparams && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? " " : "", ft->params[i] == 0x7e ? "i64" : "i32");
  if (k < n) k += (size_t)snprintf(buf + k, n - k, "] -> [");
  for (uint32_t i = 0; ft && i < ft->nresults && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? " " : "", ft->results[i] == 0x7e ? "i64" : "i32");
  if (k < n) snprintf(buf + k, n - k, "]%s", ft ? "" : " (unknown)");
}

/* Async lowers without a memory when none is needed (issue 16 item 6),
** and the core signatures of async lowers and built-ins. */
static void test_async_lower(const char *dir) {
  char path[4096], err[1024];
  snprintf(path, sizeof path, "%s/async_lower.wasm", dir);
  unsigned char *buf;
  size_t len;
  wp_comp *c = load(path, &buf, &len, err, sizeof err);
  CHECK(c, "async_lower.wasm must load: %s", err);
  if (c) {
    static const char *const want[] = {
        "[i64] -> [i32]",         /* async lower of wait-until: no memory */
        "[i32 i32] -> [i32]",     /* async lower of get: param + result pointer */
        "[i32] -> [i32]",         /* async lower of five: params spilled */
        "[i64] -> []",            /* sync lower of an async func */
        "[] -> [i64]",            /* stream.new */
        "[i32] -> []",            /* task.return (result u32) */
    };
    const wp_comp_space *sp = &c->space[WP_COMP_SORT_CORE_FUNC];
    uint32_t k = 0;
    for (uint32_t i = 0; i < sp->len && k < 6; i++) {
      if (sp->items[i].origin != WP_COMP_FROM_CANON) continue;
      char got[128];
      core_sig_text(sp->items[i].type, got, sizeof got);
      CHECK(strcmp(got, want[k]) == 0, "canon %u: core type %s, expected %s", (unsigned)k, got, want[k]);
      k++;
    }
    CHECK(k == 6, "%u canon core funcs", (unsigned)k);
    wp_comp_delete(c);
  }
  free(buf);
}

/* Placeholder resources bound once and held to across imports. */
static void test_resource_bindings(const char *dir) {
  char path[4096], err[1024];
  snprintf(path, sizeof path, "%s/resources.wasm", dir);
  unsigned char *buf;
  size_t len;
  /* two loads of the same bytes: equal shapes, distinct resource identities
  ** (one plays the guest's expectations, the other what a host provides) */
  char err2[1024];
  wp_comp *a = load(path, &buf, &len, err, sizeof err);
  wp_comp *b = NULL;
  CHECK(a, "resources.wasm must load: %s", err);
  if (a) CHECK(wp_comp_load(buf, len, path, &b, err2, sizeof err2) == 0, "second load: %s", err2);
  if (a && b) {
    const wp_comp_extern *ares = find_import(a, "a:b/res"), *bres = find_import(b, "a:b/res");
    const wp_comp_extern *ause = find_import(a, "a:b/use"), *buse = find_import(b, "a:b/use");
    const wp_comp_extern *bwrong = find_import(b, "a:b/use-wrong");
    wp_comp_typecheck *tc = wp_comp_typecheck_new();
    CHECK(wp_comp_typecheck_extern(tc, bres, ares, "import `a:b/res`", err, sizeof err) == 0,
          "res: %s", err);
    const wp_comp_type *ax = wp_comp_type_export(ares->type, "x", 1)->type;
    const wp_comp_type *bx = wp_comp_type_export(bres->type, "x", 1)->type;
    CHECK(ax != bx && wp_comp_typecheck_binding(tc, ax) == bx, "placeholder x bound to b's x");
    CHECK(wp_comp_typecheck_extern(tc, buse, ause, "import `a:b/use`", err, sizeof err) == 0,
          "use: %s", err);
    CHECK(wp_comp_typecheck_extern(tc, bwrong, ause, "import `a:b/use`", err, sizeof err) != 0 &&
              strcmp(err, "import `a:b/use`: `x`: resource types are not the same: expected `x`, found `y`") == 0,
          "use-wrong: %s", err);
    wp_comp_typecheck_delete(tc);
  }
  wp_comp_delete(a);
  wp_comp_delete(b);
  free(buf);
}

/* The reactor guest written in C and componentized with the adapter. */
static void test_calc(const char *path) {
  char err[1024];
  unsigned char *buf;
  size_t len;
  wp_comp *c = load(path, &buf, &len, err, sizeof err);
  CHECK(c, "calc guest must load: %s", err);
  if (!c) {
    free(buf);
    return;
  }
  char *s = comp_summary(c);
  static const char *const lines[] = {
      "import test:guest/host@0.1.0;\n",
      "import wasi:io/streams@0.2.12;\n",
      "import wasi:cli/stdout@0.2.12;\n",
      "import wasi:filesystem/types@0.2.12;\n",
      "export add: func(a: s32, b: s32) -> s32;\n",
      "export greet: func(name: string) -> string;\n",
      "export sum: func(xs: list<u32>) -> u64;\n",
      "canon lower `func(key: string) -> option<entry>` memory=0 realloc=",
      "canon lower `func(self: borrow<output-stream>, contents: list<u8>) -> result<_, stream-error>` memory=0\n",
      "canon lift `func(xs: list<u32>) -> u64` memory=0 realloc=",
      NULL};
  expect_lines("calc guest", s, lines);
  free(s);
  CHECK(c->ncore_modules >= 2, "guest core modules: %u", (unsigned)c->ncore_modules);

  /* semver: an import of wasi:io/streams@0.2.6 is satisfied by the guest's 0.2.12 */
  wp_comp_str names[64];
  size_t n = 0;
  for (uint32_t i = 0; i < c->nimports && n < 64; i++) names[n++] = c->imports[i].name;
  long k = wp_comp_name_best("wasi:io/streams@0.2.6", 21, names, n);
  CHECK(k >= 0 && names[k].len == 22 && memcmp(names[k].ptr, "wasi:io/streams@0.2.12", 22) == 0,
        "semver lookup of wasi:io/streams@0.2.6");
  CHECK(wp_comp_name_best("wasi:io/streams@0.3.0", 21, names, n) == -1,
        "0.3.0 is another track");

  /* The host interface's WIT, and subtyping against itself and a variant */
  const wp_comp_extern *host = find_import(c, "test:guest/host@0.1.0");
  CHECK(host != NULL, "host import");
  if (host) {
    char b[1024];
    wp_comp_type_wit(host->type, b, sizeof b);
    CHECK(strcmp(b, "interface { type entry = record { key: string, value: u32 }; "
                    "log: func(msg: string); lookup: func(key: string) -> option<entry>; }") == 0,
          "host interface: %s", b);
    CHECK(wp_comp_extern_subtype(host, host, "import `test:guest/host@0.1.0`", err,
                                 sizeof err) == 0, "an extern is a subtype of itself");
  }
  const wp_comp_extern *streams = find_import(c, "wasi:io/streams@0.2.12");
  if (host && streams) {
    int r = wp_comp_extern_subtype(streams, host, "import `test:guest/host@0.1.0`", err,
                                   sizeof err);
    CHECK(r != 0 && strcmp(err, "import `test:guest/host@0.1.0`: missing export `entry` (type)") == 0,
          "instance lacking an export: %s", err);
  }
  wp_comp_delete(c);
  free(buf);
}

/* A guest whose WIT came from a folder with a deps/ package. */
static void test_logger(const char *guest_dir) {
  char path[4200], err[1024];
  snprintf(path, sizeof path, "%s/logger.wasm", guest_dir);
  unsigned char *buf;
  size_t len;
  wp_comp *c = load(path, &buf, &len, err, sizeof err);
  CHECK(c, "logger guest must load: %s", err);
  if (c) {
    const wp_comp_extern *log = find_import(c, "example:logging/log@1.2.0");
    CHECK(c->nimports == 1 && log, "logger imports only example:logging/log@1.2.0");
    if (log) {
      char b[512];
      wp_comp_type_wit(log->type, b, sizeof b);
      CHECK(strcmp(b, "interface { type entry = record { level: u8, msg: string }; "
                      "write: func(e: entry); }") == 0,
            "logging interface: %s", b);
    }
    char *s = comp_summary(c);
    CHECK(contains(s, "export add: func(a: s32, b: s32) -> s32;\n") &&
              contains(s, "canon lower `func(e: entry)` memory=0\n"),
          "logger summary:\n%s", s);
    free(s);
    wp_comp_delete(c);
  }
  free(buf);
}

static void test_hello(const char *path) {
  char err[1024];
  unsigned char *buf;
  size_t len;
  wp_comp *c = load(path, &buf, &len, err, sizeof err);
  CHECK(c, "hello guest must load: %s", err);
  if (c) {
    char *s = comp_summary(c);
    static const char *const lines[] = {"import wasi:cli/environment@0.2.12;\n",
                                        "import wasi:cli/exit@0.2.12;\n",
                                        "export wasi:cli/run@0.2.12;\n",
                                        "component 0 {\n",
                                        "  export run: func() -> result;\n", NULL};
    expect_lines("hello guest", s, lines);
    free(s);
    CHECK(c->nexports == 1 && c->exports[0].sort == WP_COMP_SORT_INSTANCE, "run export");
    wp_comp_delete(c);
  }
  free(buf);
}

/* --------------------------------------------------------------- semver */

static void test_semver(void) {
  static const struct { const char *imp, *exp; int want; } cases[] = {
      {"wasi:io/streams@0.2.6", "wasi:io/streams@0.2.12", 1},
      {"wasi:io/streams@0.2.12", "wasi:io/streams@0.2.6", 1},
      {"wasi:io/streams@0.2.6", "wasi:io/streams@0.2.6", 2},
      {"wasi:io/streams@0.2.6", "wasi:io/streams@0.3.0", 0},
      {"wasi:io/streams@0.2.6", "wasi:io/poll@0.2.6", 0},
      {"a:b/c@1.0.0", "a:b/c@1.9.3", 1},
      {"a:b/c@1.0.0", "a:b/c@2.0.0", 0},
      {"a:b/c@2.1.2+abc", "a:b/c@2.0.0", 1},
      {"a:b/c@0.0.1", "a:b/c@0.0.2", 0},
      {"a:b/c@0.0.1", "a:b/c@0.0.1", 2},
      {"a:b/c@1.0.0-rc.1", "a:b/c@1.0.0", 0},
      {"a:b/c@1.0.0", "a:b/c@1.0.1-pre", 0},
      {"a:b/c@01.0.0", "a:b/c@1.0.0", 0},
      {"a:b/c", "a:b/c@1.0.0", 0},
      {"a:b/c@1.0", "a:b/c@1.0.0", 0},
      {"plain", "plain", 2},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int got = wp_comp_name_matches(cases[i].imp, strlen(cases[i].imp), cases[i].exp,
                                   strlen(cases[i].exp));
    CHECK(got == cases[i].want, "name_matches(%s, %s) = %d, want %d", cases[i].imp,
          cases[i].exp, got, cases[i].want);
  }
  wp_comp_iface_name in;
  CHECK(wp_comp_interface_name("wasi:io/streams@0.2.6", 21, &in) == 0 &&
            in.namespace_.len == 4 && memcmp(in.namespace_.ptr, "wasi", 4) == 0 &&
            in.package.len == 2 && memcmp(in.package.ptr, "io", 2) == 0 &&
            in.interface.len == 7 && memcmp(in.interface.ptr, "streams", 7) == 0 &&
            in.version.len == 5 && memcmp(in.version.ptr, "0.2.6", 5) == 0,
        "interface name parts");
  CHECK(wp_comp_interface_name("a:b:c/d/e", 9, &in) == 0 && in.namespace_.len == 3 &&
            in.package.len == 1 && in.package.ptr[0] == 'c' && in.interface.len == 3 &&
            in.version.len == 0,
        "nested interface name parts");
  CHECK(wp_comp_interface_name("plain", 5, &in) != 0 &&
            wp_comp_interface_name("a:b/c@1.0", 9, &in) != 0 &&
            wp_comp_interface_name("A:b/c", 5, &in) != 0,
        "not interface names");
  wp_comp_str v[] = {{"a:b/c@1.2.0", 11}, {"a:b/c@1.10.0", 12}, {"a:b/c@1.3.0", 11}};
  CHECK(wp_comp_name_best("a:b/c@1.0.0", 11, v, 3) == 1, "highest version on the track");
  CHECK(wp_comp_name_best("a:b/c@1.3.0", 11, v, 3) == 2, "exact match first");
}

/* ------------------------------------------------------------- invalid */

/* Reads `;; key: value` from a .wat file. */
static int wat_meta(const char *wat, const char *key, char *out, size_t n) {
  size_t len;
  unsigned char *b = try_read_file(wat, &len);
  if (!b) return 0;
  char pat[64];
  snprintf(pat, sizeof pat, ";; %s: ", key);
  int found = 0;
  char *text = malloc(len + 1);
  memcpy(text, b, len);
  text[len] = 0;
  char *p = strstr(text, pat);
  if (p) {
    p += strlen(pat);
    size_t k = strcspn(p, "\n");
    snprintf(out, n, "%.*s", (int)k, p);
    found = 1;
  }
  free(text);
  free(b);
  return found;
}

static void test_invalid_wats(const char *wasm_dir, const char *wat_dir) {
  DIR *d = opendir(wat_dir);
  CHECK(d, "cannot open %s", wat_dir);
  if (!d) return;
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t nl = strlen(e->d_name);
    if (nl < 5 || strcmp(e->d_name + nl - 4, ".wat") != 0) continue;
    char wat[4096], wasm[4096], section[128], expect[1024], err[1024], prefix[4400];
    snprintf(wat, sizeof wat, "%s/%s", wat_dir, e->d_name);
    snprintf(wasm, sizeof wasm, "%s/%.*s.wasm", wasm_dir, (int)(nl - 4), e->d_name);
    CHECK(wat_meta(wat, "section", section, sizeof section) &&
              wat_meta(wat, "expect", expect, sizeof expect),
          "%s lacks ;; section: / ;; expect: lines", wat);
    unsigned char *buf;
    size_t len;
    wp_comp *c = load(wasm, &buf, &len, err, sizeof err);
    CHECK(c == NULL, "%s must be rejected", wasm);
    if (c) wp_comp_delete(c);
    snprintf(prefix, sizeof prefix, "%s: component section '%s' at offset 0x", wasm, section);
    size_t el = strlen(err), xl = strlen(expect);
    CHECK(strncmp(err, prefix, strlen(prefix)) == 0 && el > xl + 2 &&
              strcmp(err + el - xl, expect) == 0 && strncmp(err + el - xl - 2, ": ", 2) == 0,
          "%s:\n  got      %s\n  expected %s...: %s", e->d_name, err, prefix, expect);
    free(buf);
    count++;
  }
  closedir(d);
  CHECK(count >= 15, "only %d invalid cases found", count);
}

/* Hand-assembled byte strings with exact offsets in their messages. */
static void test_handmade(void) {
  static const struct { const char *name; unsigned char bytes[48]; size_t len; const char *msg; } cases[] = {
      {"unknown type tag", {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 7, 2, 1, 0x5f}, 12,
       "t.wasm: component section 'type' at offset 0xb: unknown defined type tag 0x5f"},
      {"type index out of bounds", {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 7, 3, 1, 0x70, 5}, 13,
       "t.wasm: component section 'type' at offset 0xc: type index 5 out of bounds (0 defined)"},
      {"duplicate import",
       {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 7, 5, 1, 0x40, 0, 1, 0, 10, 11, 2, 0, 1, 'a', 1, 0, 0, 1, 'a', 1, 0}, 28,
       "t.wasm: component section 'import' at offset 0x17: duplicate import name `a`"},
      {"section overrun", {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 7, 9, 1, 0x7f}, 12,
       "t.wasm: component section 'type' at offset 0x8: section size 9 exceeds the 2 bytes left"},
      {"trailing bytes", {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 7, 3, 1, 0x7f, 0x7f}, 13,
       "t.wasm: component section 'type' at offset 0xc: 1 trailing bytes at the end of the section"},
      {"count too large", {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 7, 2, 0x7f, 0x7f}, 12,
       "t.wasm: component section 'type' at offset 0xa: type count 127 exceeds the 1 bytes left"},
      {"unknown section", {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 13, 0}, 10,
       "t.wasm: component at offset 0x8: unknown section id 13"},
      {"core module", {0, 'a', 's', 'm', 1, 0, 0, 0}, 8,
       "t.wasm: component at offset 0x4: a core module, not a component"},
      {"bad magic", {1, 2, 3, 4, 5, 6, 7, 8}, 8,
       "t.wasm: component at offset 0x0: not a WebAssembly binary (bad magic number)"},
      {"old version", {0, 'a', 's', 'm', 0x0c, 0, 1, 0}, 8,
       "t.wasm: component at offset 0x4: unsupported component binary version 0x000c (expected 0x000d)"},
      {"version bytes swapped", {0, 'a', 's', 'm', 0, 0x0d, 1, 0}, 8,
       "t.wasm: component at offset 0x4: unsupported component binary version 0x0d00 (expected 0x000d)"},
      {"empty", {0}, 0, "t.wasm: component at offset 0x0: not a WebAssembly binary (bad magic number)"},
      {"overlong leb", {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 7, 0x80, 0x80, 0x80, 0x80, 0x80, 0}, 15,
       "t.wasm: component section 'type' at offset 0x9: integer representation too long"},
      {"bad utf-8 name", {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 0, 3, 2, 0xff, 0xfe}, 13,
       "t.wasm: component section 'custom' at offset 0xa: name is not valid UTF-8"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char err[512];
    wp_comp *c = NULL;
    int r = wp_comp_load(cases[i].len ? cases[i].bytes : NULL, cases[i].len, "t.wasm", &c,
                         err, sizeof err);
    CHECK(r != 0 && c == NULL, "%s: must be rejected", cases[i].name);
    CHECK(strcmp(err, cases[i].msg) == 0, "%s:\n  got      %s\n  expected %s", cases[i].name,
          err, cases[i].msg);
    if (c) wp_comp_delete(c);
  }
  /* a minimal valid one, and a tiny buffer to check the message is cut */
  static const unsigned char ok[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0};
  wp_comp *c = NULL;
  char small[8];
  CHECK(wp_comp_load(ok, sizeof ok, "t.wasm", &c, small, sizeof small) == 0 && c,
        "empty component is valid");
  wp_comp_delete(c);
  CHECK(wp_comp_load(ok, 5, "t.wasm", &c, small, sizeof small) != 0 && strlen(small) == 7,
        "error message truncated to the buffer");
}

/* -------------------------------------------------- mutation of valid ones */

/* Offsets where a top-level section starts (truncating there is legal). */
static int is_boundary(const unsigned char *b, size_t len, size_t at) {
  size_t p = 8;
  if (at == p) return 1;
  while (p < len) {
    p++;
    uint32_t v = 0;
    unsigned shift = 0;
    while (p < len && shift < 35) {
      v |= (uint32_t)(b[p] & 0x7f) << shift;
      shift += 7;
      if (!(b[p++] & 0x80)) break;
    }
    p += v;
    if (p == at) return 1;
    if (p > at) return 0;
  }
  return 0;
}

static void check_clean(const char *what, const unsigned char *b, size_t len, int must_fail,
                        size_t at) {
  char err[1024];
  wp_comp *c = NULL;
  int r = wp_comp_load(b, len, "m.wasm", &c, err, sizeof err);
  if (r == 0) {
    CHECK(!must_fail, "%s at %zu: accepted", what, at);
    char *s = comp_summary(c); /* walking the result must be safe too */
    free(s);
    wp_comp_delete(c);
  } else {
    CHECK(c == NULL && strncmp(err, "m.wasm: ", 8) == 0 && !strchr(err, '\n'),
          "%s at %zu: bad message %s", what, at, err);
  }
}

static void mutate(const char *path, size_t max_steps) {
  size_t len;
  unsigned char *orig = try_read_file(path, &len);
  CHECK(orig, "cannot read %s", path);
  if (!orig) return;
  size_t stride = len / max_steps + 1;
  unsigned char *b = malloc(len);
  int before = failures;
  /* truncation: copy to an exact-size buffer so ASan sees any overread */
  for (size_t at = 0; at < len && failures == before; at += stride) {
    unsigned char *t = malloc(at ? at : 1);
    memcpy(t, orig, at);
    check_clean("truncate", t, at, !is_boundary(orig, len, at), at);
    free(t);
  }
  /* byte flips and bad indices: overwrite bytes with interesting values */
  static const unsigned char vals[] = {0x00, 0xff, 0x7f, 0x80, 0x01, 0x40};
  for (size_t at = 8; at < len && failures == before; at += stride) {
    for (size_t k = 0; k < sizeof vals; k++) {
      memcpy(b, orig, len);
      if (b[at] == vals[k]) continue;
      b[at] = vals[k];
      check_clean("overwrite", b, len, 0, at);
    }
  }
  free(b);
  free(orig);
}

/* ------------------------------------------------------ hostile shapes */

/* A growable byte buffer to assemble components in the test. */
typedef struct bb {
  unsigned char *p;
  size_t len, cap;
} bb;

static void bb_byte(bb *b, unsigned char c) {
  if (b->len == b->cap) {
    b->cap = b->cap ? b->cap * 2 : 256;
    b->p = realloc(b->p, b->cap);
    if (!b->p) abort();
  }
  b->p[b->len++] = c;
}
static void bb_u32(bb *b, uint32_t v) {
  do {
    unsigned char c = v & 0x7f;
    v >>= 7;
    bb_byte(b, c | (v ? 0x80 : 0));
  } while (v);
}
/* Value type indices are signed LEB128 (s33), so >= 64 takes two bytes. */
static void bb_s33(bb *b, uint32_t v) {
  uint64_t x = v;
  for (;;) {
    unsigned char c = x & 0x7f;
    x >>= 7;
    if (x == 0 && !(c & 0x40)) {
      bb_byte(b, c);
      return;
    }
    bb_byte(b, c | 0x80);
  }
}
static void bb_str(bb *b, const char *s) {
  bb_u32(b, (uint32_t)strlen(s));
  while (*s) bb_byte(b, (unsigned char)*s++);
}
static void bb_section(bb *out, unsigned char id, const bb *body) {
  bb_byte(out, id);
  bb_u32(out, (uint32_t)body->len);
  for (size_t i = 0; i < body->len; i++) bb_byte(out, body->p[i]);
}
static void bb_preamble(bb *b) {
  static const unsigned char pre[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0};
  for (size_t i = 0; i < sizeof pre; i++) bb_byte(b, pre[i]);
}

static int load_bb(const bb *b, char *err, size_t errlen, wp_comp **out) {
  *out = NULL;
  return wp_comp_load(b->p, b->len, "h.wasm", out, err, errlen);
}

/* Inputs shaped to make naive code quadratic, exponential or stack-deep;
** each must load (or fail) in bounded time and stack. */
static void test_hostile(void) {
  char err[1024], buf[256];
  wp_comp *c;
  /* a record with 60000 fields, then the same with a duplicate label */
  for (int dup = 0; dup < 2; dup++) {
    bb body = {0}, comp = {0};
    bb_u32(&body, 1);
    bb_byte(&body, 0x72);
    bb_u32(&body, 60000);
    for (int i = 0; i < 60000; i++) {
      snprintf(buf, sizeof buf, "f%d", dup && i == 59999 ? 7 : i);
      bb_str(&body, buf);
      bb_byte(&body, 0x7f);
    }
    bb_preamble(&comp);
    bb_section(&comp, 7, &body);
    int r = load_bb(&comp, err, sizeof err, &c);
    if (!dup) CHECK(r == 0 && c->types[0].type->n == 60000, "wide record: %s", err);
    else CHECK(r != 0 && contains(err, "duplicate record field name 'f7'"), "wide dup: %s", err);
    wp_comp_delete(c);
    free(body.p);
    free(comp.p);
  }
  /* 100000 types each a list of the previous one: no recursion on decode,
  ** printing is cut at a depth */
  {
    bb body = {0}, comp = {0};
    bb_u32(&body, 100000);
    bb_byte(&body, 0x70);
    bb_byte(&body, 0x7d);
    for (uint32_t i = 1; i < 100000; i++) {
      bb_byte(&body, 0x70);
      bb_s33(&body, i - 1);
    }
    bb_preamble(&comp);
    bb_section(&comp, 7, &body);
    int r = load_bb(&comp, err, sizeof err, &c);
    CHECK(r == 0, "deep list chain: %s", err);
    if (r == 0) {
      wp_comp_type_wit(c->types[99999].type, buf, sizeof buf);
      CHECK(strncmp(buf, "list<list<", 10) == 0 && contains(buf, "..."), "deep print: %s", buf);
    }
    wp_comp_delete(c);
    free(body.p);
    free(comp.p);
  }
  /* Two distinct but equal chains t[i] = result<t[i-1], t[i-1]>: a naive
  ** comparison (or walk) takes 2^levels steps.  The export's ascription
  ** (eq B) must be checked against A, and the type found exportable
  ** (results need no name of their own), in linear time; beyond the
  ** comparison depth limit the component is refused with a reason
  ** instead.  (Results: a chain of variants would be refused sooner, as a
  ** variant may only be exported after the variants it uses.) */
  for (uint32_t levels = 90; levels <= 200; levels += 110) {
    bb body = {0}, comp = {0}, ex = {0};
    bb_u32(&body, 2 * levels);
    for (int chain = 0; chain < 2; chain++)
      for (uint32_t i = 0; i < levels; i++) {
        bb_byte(&body, 0x6a);
        for (int k = 0; k < 2; k++) {
          bb_byte(&body, 1);
          if (i == 0) bb_byte(&body, 0x7d);
          else bb_s33(&body, chain * levels + i - 1);
        }
      }
    bb_u32(&ex, 1);
    bb_byte(&ex, 0);
    bb_str(&ex, "t");
    bb_byte(&ex, 0x03); /* sort type */
    bb_u32(&ex, levels - 1);
    bb_byte(&ex, 1);    /* ascribed: (type (eq B)) */
    bb_byte(&ex, 0x03);
    bb_byte(&ex, 0x00);
    bb_u32(&ex, 2 * levels - 1);
    bb_preamble(&comp);
    bb_section(&comp, 7, &body);
    bb_section(&comp, 11, &ex);
    int r = load_bb(&comp, err, sizeof err, &c);
    if (levels == 200)
      CHECK(r != 0 && contains(err, "export `t`: types nested too deeply to compare"),
            "very deep chains: %s", err);
    else
      CHECK(r == 0, "shared chains: %s", err);
    if (r == 0) {
      /* and a mismatch deep down is still found: compare against u8 leaf */
      CHECK(wp_comp_type_subtype(c->types[levels - 1].type, c->types[2 * levels - 1].type,
                                 "t", err, sizeof err) == 0, "chains equal: %s", err);
    }
    wp_comp_delete(c);
    free(body.p);
    free(comp.p);
    free(ex.p);
  }
  /* 30000 imports, the last a case-insensitive duplicate */
  {
    bb body = {0}, comp = {0}, ty = {0};
    bb_u32(&ty, 1);
    bb_byte(&ty, 0x40);
    bb_u32(&ty, 0);
    bb_byte(&ty, 1);
    bb_byte(&ty, 0);
    bb_u32(&body, 30000);
    for (int i = 0; i < 30000; i++) {
      bb_byte(&body, 0);
      snprintf(buf, sizeof buf, i == 29999 ? "F%d" : "f%d", i == 29999 ? 123 : i);
      bb_str(&body, buf);
      bb_byte(&body, 0x01);
      bb_u32(&body, 0);
    }
    bb_preamble(&comp);
    bb_section(&comp, 7, &ty);
    bb_section(&comp, 10, &body);
    int r = load_bb(&comp, err, sizeof err, &c);
    CHECK(r != 0 && contains(err, "component section 'import' at offset 0x") &&
              contains(err, "import name `F123` conflicts with `f123` (names must be strongly unique)"),
          "many imports: %s", err);
    wp_comp_delete(c);
    free(body.p);
    free(comp.p);
    free(ty.p);
  }
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: test_component valid|invalid|hostile|mutate WAT_DIR INVALID_DIR "
                    "INVALID_SRC_DIR CALC.wasm HELLO.wasm\n");
    return 2;
  }
  const char *mode = argv[1];
  char **a = argv + 1; /* a[1] = WAT_DIR ... a[5] = HELLO */
  if (strcmp(mode, "valid") == 0) {
    test_types(a[1]);
    test_nested(a[1]);
    test_async(a[1]);
    test_async_lower(a[1]);
    test_resource_bindings(a[1]);
    test_calc(a[4]);
    test_hello(a[5]);
    {
      char dir[4000];
      snprintf(dir, sizeof dir, "%s", a[5]);
      char *slash = strrchr(dir, '/');
      if (slash) *slash = 0;
      test_logger(dir);
    }
    test_semver();
  } else if (strcmp(mode, "invalid") == 0) {
    test_invalid_wats(a[2], a[3]);
    test_handmade();
  } else if (strcmp(mode, "hostile") == 0) {
    test_hostile();
  } else if (strcmp(mode, "mutate") == 0) {
    char p[4096];
    static const char *const small[] = {"types", "nested", "async"};
    for (int i = 0; i < 3; i++) {
      snprintf(p, sizeof p, "%s/%s.wasm", a[1], small[i]);
      mutate(p, 100000);
    }
    mutate(a[4], 4000);
    mutate(a[5], 4000);
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
