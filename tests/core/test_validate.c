/*
** test_validate.c — the validator refuses what the spec forbids, naming
** the offset and the rule, and accepts what it allows (polymorphic stacks
** after branches, extended constant expressions...).  Modules are built
** here byte by byte: one function of a given type and body, plus optional
** extra sections, so each case is one rule.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmplug.h"
#include "core_test.h" /* CHECK, core_test_engine */

static wasmplug_engine_t *engine;

typedef struct buf {
  uint8_t b[4096];
  size_t n;
} buf_t;

static void put(buf_t *b, const void *p, size_t n) {
  memcpy(b->b + b->n, p, n);
  b->n += n;
}
static void byte(buf_t *b, uint8_t c) { b->b[b->n++] = c; }
static void section(buf_t *m, uint8_t id, const buf_t *s) {
  byte(m, id);
  byte(m, (uint8_t)s->n); /* every section here is < 128 bytes */
  put(m, s->b, s->n);
}

/* Extra sections, placed by id among the function's. */
typedef struct extra {
  uint8_t id;
  const char *bytes;
  size_t len;
} extra_t;

#define X(id, s) {id, s, sizeof(s) - 1}

/* One function of type (params) -> (results) with `body` (locals
** declaration included), and the extra sections. */
static char *check(const char *params, const char *results, const char *body, size_t blen,
                   const extra_t *ex, size_t nex) {
  buf_t m = {{0}, 0}, s;
  put(&m, "\0asm\1\0\0\0", 8);
  s.n = 0;
  byte(&s, 1);
  byte(&s, 0x60);
  byte(&s, (uint8_t)strlen(params));
  put(&s, params, strlen(params));
  byte(&s, (uint8_t)strlen(results));
  put(&s, results, strlen(results));
  section(&m, 1, &s);
  static const uint8_t order[] = {2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11};
  for (size_t o = 0; o < sizeof order; o++) {
    uint8_t id = order[o];
    for (size_t i = 0; i < nex; i++)
      if (ex[i].id == id) {
        s.n = 0;
        put(&s, ex[i].bytes, ex[i].len);
        section(&m, id, &s);
      }
    if (id == 3) {
      s.n = 0;
      put(&s, "\1\0", 2);
      section(&m, 3, &s);
    }
    if (id == 10) {
      s.n = 0;
      byte(&s, 1);
      byte(&s, (uint8_t)blen);
      put(&s, body, blen);
      section(&m, 10, &s);
    }
  }
  wasmplug_module_t *mod = NULL;
  wasmplug_error_t *e = wasmplug_module_new(engine, m.b, m.n, "v.wasm", &mod);
  wasmplug_module_delete(mod);
  if (!e) return NULL;
  char *msg = strdup(wasmplug_error_message(e));
  wasmplug_error_delete(e);
  return msg;
}

/* A body refused with a message containing `want`. */
static void refuse(const char *params, const char *results, const char *body, size_t blen,
                   const extra_t *ex, size_t nex, const char *want, int line) {
  char *msg = check(params, results, body, blen, ex, nex);
  checks++;
  if (!(msg && strstr(msg, want) && strstr(msg, "v.wasm: invalid module at offset 0x"))) {
    failures++;
    fprintf(stderr, "FAIL line %d: want '%s', got %s\n", line, want, msg ? msg : "accepted");
  }
  free(msg);
}

static void accept(const char *params, const char *results, const char *body, size_t blen,
                   const extra_t *ex, size_t nex, int line) {
  char *msg = check(params, results, body, blen, ex, nex);
  checks++;
  if (msg) {
    failures++;
    fprintf(stderr, "FAIL line %d: refused: %s\n", line, msg);
  }
  free(msg);
}

#define NO(p, r, body, want) refuse(p, r, body, sizeof(body) - 1, NULL, 0, want, __LINE__)
#define NOX(p, r, body, ex, want) \
  refuse(p, r, body, sizeof(body) - 1, ex, sizeof ex / sizeof ex[0], want, __LINE__)
#define OK(p, r, body) accept(p, r, body, sizeof(body) - 1, NULL, 0, __LINE__)
#define OKX(p, r, body, ex) accept(p, r, body, sizeof(body) - 1, ex, sizeof ex / sizeof ex[0], __LINE__)

/* A module exporting its one function n times under distinct 3-byte names
** (the last one repeating the first's when `dup`): the validator's
** duplicate check must be fast on a million exports (a hostile module's
** export section) and still find the repeat. */
static wasmplug_error_t *many_exports(uint32_t n, bool dup) {
  size_t body = 5 + (size_t)n * 6, cap = 64 + body;
  uint8_t *m = malloc(cap), *p = m;
  if (!m) return NULL;
  memcpy(p, "\0asm\1\0\0\0" "\1\4\1\x60\0\0" "\3\2\1\0", 8 + 6 + 4);
  p += 18;
  *p++ = 7;
  for (uint64_t v = body;; v >>= 7) { /* section size, then the count */
    *p++ = (uint8_t)(v & 0x7f) | (v >> 7 ? 0x80 : 0);
    if (!(v >> 7)) break;
  }
  uint32_t v = n;
  for (int k = 0; k < 5; k++, v >>= 7) *p++ = (uint8_t)(v & 0x7f) | (k < 4 ? 0x80 : 0);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t j = dup && i == n - 1 ? 0 : i;
    *p++ = 3;
    *p++ = (uint8_t)(1 + j % 127);
    *p++ = (uint8_t)(1 + j / 127 % 127);
    *p++ = (uint8_t)(1 + j / 16129);
    *p++ = 0;
    *p++ = 0;
  }
  memcpy(p, "\x0a\4\1\2\0\x0b", 6);
  p += 6;
  wasmplug_error_t *e = wasmplug_module_validate(m, (size_t)(p - m), "exports");
  free(m);
  return e;
}

int main(int argc, char **argv) {
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_tier_set(c, WASMPLUG_TIER_BASELINE);
  if (argc > 1) wasmplug_config_cache_dir_set(c, argv[1]);
  engine = core_test_engine(c);
  const char *i32 = "\x7f", *none = "";
  /* typing of instructions */
  NO(none, none, "\0\x41\1\x42\1\x6a\x1a\x0b", "type mismatch: i32.add expects i32 but found i64");
  NO(none, none, "\0\x20\5\x1a\x0b", "unknown local 5");
  NO(none, none, "\0\x0c\1\x0b", "unknown label 1");
  NO(none, none, "\0\x41\1\x0b", "type mismatch");                  /* value left over */
  NO(none, i32, "\0\x0b", "type mismatch");                          /* result missing */
  NO(none, none, "\0\x10\5\x0b", "unknown function 5");
  NO(none, none, "\0\x41\0\x28\2\0\x1a\x0b", "unknown memory 0");
  NO(none, none, "\0\xd2\0\x1a\x0b", "undeclared function reference");
  NO(none, none, "\0\xd0\x70\xd0\x70\x41\1\x1b\x1a\x0b", "type mismatch"); /* untyped select of refs */
  NO(none, i32, "\0\x41\1\x04\x7f\x41\1\x0b\x0b", "type mismatch");  /* if (result) without else */
  NO(i32, none, "\0\x20\0\x20\0\x0d\0\x0b", "type mismatch");      /* br_if leaves a value */
  NO(none, none, "\0\x41\1\x0b\x0b", "type mismatch");
  NO(none, none, "\0\x05\x0b", "else without a matching if");
  NO(none, none, "\0\x41\1", "END opcode expected");
  NO(none, none, "\0\xff\x0b", "illegal opcode 0xff");
  NO(none, none, "\0\x41\x80\x80\x80\x80\x80\0\x1a\x0b", "integer representation too long");
  NO(none, none, "\0\x41\xff\xff\xff\xff\x4f\x1a\x0b", "integer too large");
  NO(none, none, "\0\x0b\x01", "unexpected content after the function's last END");
  NO(none, none, "\1\xff\xff\x03\x7f\x0b", "too many locals");
  /* the offset is the failing instruction's: module layout = 8 header +
  ** type section (2 + 4) + function section (2 + 2) + code section header
  ** (2) + count (1) + size (1) + locals (1) + i32.const 1 (2) + i64.const 1
  ** (2): i32.add at 0x1b */
  NO(none, none, "\0\x41\1\x42\1\x6a\x1a\x0b", "invalid module at offset 0x1b: type mismatch");
  /* code after a branch is typed against a polymorphic stack */
  OK(none, i32, "\0\x00\x6a\x0b");
  OK(none, i32, "\0\x41\1\x0c\0\x41\1\x6a\x0b");
  OK(none, none, "\0\x02\x40\x0c\0\x1a\x0b\x0b");
  NO(none, none, "\0\x00\x42\1\x6a\x1a\x0b", "type mismatch: i32.add expects i32 but found i64");

  /* memories, globals, segments */
  const extra_t mem[] = {X(5, "\1\0\1")};
  NOX(none, none, "\0\x41\0\x28\3\0\x1a\x0b", mem, "alignment must not be larger than natural");
  OKX(none, none, "\0\x41\0\x28\2\0\x1a\x0b", mem);
  NOX(none, none, "\0\x41\0\x41\0\x41\0\xfc\x08\0\0\x0b", mem, "data count section required");
  const extra_t glob[] = {X(6, "\1\x7f\0\x41\7\x0b")};
  NOX(none, none, "\0\x41\1\x24\0\x0b", glob, "global is immutable");
  const extra_t gbad[] = {X(6, "\1\x7f\0\x42\7\x0b")};
  NOX(none, none, "\0\x0b", gbad, "type mismatch");
  const extra_t gnotconst[] = {X(6, "\1\x7f\0\x41\1\x41\1\x71\x0b")};
  NOX(none, none, "\0\x0b", gnotconst, "constant expression required");
  /* extended-const: i32.add in a global initializer is allowed */
  const extra_t gext[] = {X(6, "\1\x7f\0\x41\1\x41\2\x6a\x0b")};
  const char *tr = getenv("WASMPLUG_TRANSLATOR");
  if (tr && !strcmp(tr, "own")) OKX(none, none, "\0\x0b", gext);
  else {
    /* refused up front, naming the proposal */
    char *msg = check(none, none, "\0\x0b", 2, gext, 1);
    CHECK(msg && strstr(msg, "extended constant expressions are not supported by the wasm2c"),
          "extended-const on wasm2c: %s", msg ? msg : "accepted");
    free(msg);
  }
  /* the table section comes before the globals: its initializer sees
  ** imported globals only */
  const extra_t tinit[] = {X(4, "\1\x40\0\x70\0\1\x23\0\x0b"), X(6, "\1\x70\0\xd0\x70\x0b")};
  NOX(none, none, "\0\x0b", tinit, "unknown global 0");
  const extra_t dup[] = {X(7, "\2\1a\0\0\1a\0\0")};
  NOX(none, none, "\0\x0b", dup, "duplicate export name 'a'");
  const extra_t start[] = {X(8, "\0")};
  NOX(i32, none, "\0\x0b", start, "start function 0 must take and return nothing");
  const extra_t dseg[] = {X(11, "\1\0\x41\0\x0b\1x")};
  NOX(none, none, "\0\x0b", dseg, "unknown memory 0");
  const extra_t eseg[] = {X(9, "\1\0\x41\0\x0b\1\0")};
  NOX(none, none, "\0\x0b", eseg, "unknown table 0");
  const extra_t declared[] = {X(9, "\1\3\0\1\0")};
  OKX(none, none, "\0\xd2\0\x1a\x0b", declared);
  const extra_t badlimits[] = {X(5, "\1\1\2\1")};
  NOX(none, none, "\0\x0b", badlimits, "size minimum must not be greater than maximum");
  const extra_t bigmem[] = {X(5, "\1\0\x81\x80\x04")};
  NOX(none, none, "\0\x0b", bigmem, "memory size must be at most 65536 pages");

  wasmplug_error_t *me = many_exports(1000000, false);
  CHECK(!me, "a million distinct exports refused: %s", me ? wasmplug_error_message(me) : "");
  if (me) wasmplug_error_delete(me);
  me = many_exports(1000000, true);
  CHECK(me && strstr(wasmplug_error_message(me), "duplicate export name"),
        "a repeated name among a million exports: %s", me ? wasmplug_error_message(me) : "accepted");
  if (me) wasmplug_error_delete(me);

  wasmplug_engine_delete(engine);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
