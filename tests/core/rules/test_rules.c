/*
** test_rules.c — the validator refuses each invalid module with the
** offset of the offending byte and the rule it breaks, and accepts the
** valid ones around them.  The cases are in rules.txt (argv[1]), written
** from the spec's validation and binary-format chapters, one rule each.
**
** A case is a module in a small byte language; "^" marks where the error
** must be reported, so the expected offset is never computed by hand:
**
**   case NAME
**   rule TEXT            the message must contain TEXT ("valid": accepted)
**   known offset         (optional) the rule is checked but the offset is
**                        known to be wrong: counted apart, never a pass,
**                        and an error once it is right (drop the line)
**   BYTES...             any number of lines of tokens:
**     7f  a3             a byte in hex
**     u:300  s:-1        unsigned / signed LEB128 (decimal or 0x...)
**     "text"             the bytes of a string; name:"text" with its length
**     i32 i64 f32 f64 v128 funcref externref   value types
**     an opcode name     (the OPS table below: i32.add, local.get, end...)
**     sec:N{ ... }       section N, its size computed;  len{ ... } sized
**     ^                  the expected offset of the error
**     raw                (first token) no magic and version in front
**
** Usage: test_rules RULES.TXT [CACHE_DIR]   (WASMPLUG_TRANSLATOR picks the
** translator; validation must not depend on it).
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmplug.h"

/* Opcode names used by the cases; the test's own table, so that a wrong
** entry in the engine's opcode table cannot hide here. */
static const struct {
  const char *name;
  const char *bytes; /* hex */
} OPS[] = {
    {"unreachable", "00"}, {"nop", "01"}, {"block", "02"}, {"loop", "03"}, {"if", "04"},
    {"else", "05"}, {"end", "0b"}, {"br", "0c"}, {"br_if", "0d"}, {"br_table", "0e"},
    {"return", "0f"}, {"call", "10"}, {"call_indirect", "11"}, {"return_call", "12"},
    {"drop", "1a"}, {"select", "1b"}, {"select_t", "1c"}, {"local.get", "20"},
    {"local.set", "21"}, {"local.tee", "22"}, {"global.get", "23"}, {"global.set", "24"},
    {"table.get", "25"}, {"table.set", "26"}, {"i32.load", "28"}, {"i64.load", "29"},
    {"f32.load", "2a"}, {"f64.load", "2b"}, {"i32.load8_s", "2c"}, {"i32.load16_u", "2f"},
    {"i64.load32_u", "35"}, {"i32.store", "36"}, {"i64.store", "37"}, {"f32.store", "38"},
    {"f64.store", "39"}, {"i32.store8", "3a"}, {"i64.store32", "3e"}, {"memory.size", "3f"},
    {"memory.grow", "40"}, {"i32.const", "41"}, {"i64.const", "42"}, {"f32.const", "43"},
    {"f64.const", "44"}, {"i32.eqz", "45"}, {"i32.eq", "46"}, {"i64.eqz", "50"},
    {"f32.eq", "5b"}, {"i32.clz", "67"}, {"i32.add", "6a"}, {"i32.sub", "6b"},
    {"i32.mul", "6c"}, {"i32.div_s", "6d"}, {"i64.add", "7c"}, {"f32.add", "92"},
    {"f32.neg", "8c"}, {"f64.add", "a0"}, {"i32.wrap_i64", "a7"}, {"i32.trunc_f32_s", "a8"},
    {"i64.extend_i32_s", "ac"}, {"f32.demote_f64", "b6"}, {"i32.extend8_s", "c0"},
    {"ref.null", "d0"}, {"ref.is_null", "d1"}, {"ref.func", "d2"},
    {"i32.trunc_sat_f32_s", "fc00"}, {"memory.init", "fc08"}, {"data.drop", "fc09"},
    {"memory.copy", "fc0a"}, {"memory.fill", "fc0b"}, {"table.init", "fc0c"},
    {"elem.drop", "fc0d"}, {"table.copy", "fc0e"}, {"table.grow", "fc0f"},
    {"table.size", "fc10"}, {"table.fill", "fc11"},
};

static const struct {
  const char *name;
  unsigned char byte;
} TYPES[] = {{"i32", 0x7f}, {"i64", 0x7e}, {"f32", 0x7d}, {"f64", 0x7c},
             {"v128", 0x7b}, {"funcref", 0x70}, {"externref", 0x6f}};

typedef struct buf {
  unsigned char *b;
  size_t n, cap;
} buf_t;

static void put(buf_t *b, const void *p, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 64;
    b->b = realloc(b->b, b->cap);
    if (!b->b) abort();
  }
  memcpy(b->b + b->n, p, n);
  b->n += n;
}
static void byte(buf_t *b, unsigned c) {
  unsigned char x = (unsigned char)c;
  put(b, &x, 1);
}
static void uleb(buf_t *b, unsigned long long v) {
  do {
    unsigned c = v & 0x7f;
    v >>= 7;
    byte(b, c | (v ? 0x80 : 0));
  } while (v);
}
static void sleb(buf_t *b, long long v) {
  for (;;) {
    unsigned c = (unsigned)(v & 0x7f);
    v >>= 7;
    if ((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40))) {
      byte(b, c);
      return;
    }
    byte(b, c | 0x80);
  }
}

typedef struct lexer {
  const char *path;
  char *text;
  size_t pos;
  int line;
  char tok[512];
  int tok_line;
} lexer_t;

/* The next token of the byte language: words, strings (with name: prefix),
** "{" and "}"; false at the next "case" line or the end. */
static bool next_token(lexer_t *lx) {
  for (;;) {
    char c = lx->text[lx->pos];
    if (!c) return false;
    if (c == '\n') lx->line++;
    if (isspace((unsigned char)c)) { lx->pos++; continue; }
    if (c == '#') {
      while (lx->text[lx->pos] && lx->text[lx->pos] != '\n') lx->pos++;
      continue;
    }
    break;
  }
  size_t start = lx->pos, n = 0;
  lx->tok_line = lx->line;
  const char *t = lx->text;
  if (t[start] == '{' || t[start] == '}') {
    lx->tok[0] = t[lx->pos++];
    lx->tok[1] = 0;
    return true;
  }
  bool in_str = false;
  while (t[lx->pos] && (in_str || (!isspace((unsigned char)t[lx->pos]) && t[lx->pos] != '{' && t[lx->pos] != '}'))) {
    if (t[lx->pos] == '"') in_str = !in_str;
    if (n + 1 < sizeof lx->tok) lx->tok[n++] = t[lx->pos];
    lx->pos++;
  }
  if (t[lx->pos] == '{') { /* prefix{ : keep the brace with the word */
    if (n + 1 < sizeof lx->tok) lx->tok[n++] = '{';
    lx->pos++;
  }
  lx->tok[n] = 0;
  return true;
}

static void fail_parse(lexer_t *lx, const char *what) {
  fprintf(stderr, "%s:%d: %s ('%s')\n", lx->path, lx->tok_line, what, lx->tok);
  exit(2);
}

static bool hexbytes(buf_t *out, const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n % 2) return false;
  for (size_t i = 0; i < n; i++)
    if (!isxdigit((unsigned char)s[i])) return false;
  for (size_t i = 0; i < n; i += 2) {
    char h[3] = {s[i], s[i + 1], 0};
    byte(out, (unsigned)strtoul(h, NULL, 16));
  }
  return true;
}

/* Appends tokens until "}" (depth > 0) or the end of the case. */
static void assemble(lexer_t *lx, buf_t *out, long *mark, int depth) {
  for (;;) {
    size_t save = lx->pos;
    int save_line = lx->line;
    if (!next_token(lx)) {
      if (depth) fail_parse(lx, "missing }");
      return;
    }
    const char *k = lx->tok;
    if (!strcmp(k, "case") || !strcmp(k, "rule") || !strcmp(k, "known")) {
      if (depth) fail_parse(lx, "missing }");
      lx->pos = save; /* the next case's header */
      lx->line = save_line;
      return;
    }
    if (!strcmp(k, "}")) {
      if (!depth) fail_parse(lx, "unbalanced }");
      return;
    }
    if (!strcmp(k, "^")) {
      if (*mark >= 0) fail_parse(lx, "two ^ marks");
      *mark = (long)out->n;
      continue;
    }
    size_t kl = strlen(k);
    if (kl && k[kl - 1] == '{') {
      /* sec:N{ or len{ (the token buffer is reused inside) */
      char head[64];
      snprintf(head, sizeof head, "%s", k);
      if (strncmp(head, "sec:", 4) && strcmp(head, "len{")) fail_parse(lx, "unknown block");
      buf_t inner = {0};
      long inner_mark = -1;
      assemble(lx, &inner, &inner_mark, depth + 1);
      if (!strncmp(head, "sec:", 4)) byte(out, (unsigned)strtoul(head + 4, NULL, 0));
      uleb(out, inner.n);
      if (inner_mark >= 0) {
        if (*mark >= 0) fail_parse(lx, "two ^ marks");
        *mark = (long)out->n + inner_mark;
      }
      put(out, inner.b, inner.n);
      free(inner.b);
      continue;
    }
    if (!strncmp(k, "u:", 2)) { uleb(out, strtoull(k + 2, NULL, 0)); continue; }
    if (!strncmp(k, "s:", 2)) { sleb(out, strtoll(k + 2, NULL, 0)); continue; }
    bool named = !strncmp(k, "name:", 5);
    const char *q = named ? k + 5 : k;
    if (q[0] == '"') {
      size_t ql = strlen(q);
      if (ql < 2 || q[ql - 1] != '"') fail_parse(lx, "bad string");
      if (named) uleb(out, ql - 2);
      put(out, q + 1, ql - 2);
      continue;
    }
    bool done = false;
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0] && !done; i++)
      if (!strcmp(k, TYPES[i].name)) { byte(out, TYPES[i].byte); done = true; }
    for (size_t i = 0; i < sizeof OPS / sizeof OPS[0] && !done; i++)
      if (!strcmp(k, OPS[i].name)) { hexbytes(out, OPS[i].bytes); done = true; }
    if (!done && !hexbytes(out, k)) fail_parse(lx, "unknown token");
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_rules RULES.TXT [CACHE_DIR]\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  buf_t src = {0};
  char chunk[4096];
  size_t r;
  while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) put(&src, chunk, r);
  fclose(f);
  byte(&src, 0);

  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_tier_set(c, WASMPLUG_TIER_BASELINE);
  if (argc > 2) wasmplug_config_cache_dir_set(c, argv[2]);
  wasmplug_engine_t *engine = NULL;
  wasmplug_error_t *e = wasmplug_engine_new(c, &engine);
  wasmplug_config_delete(c);
  if (e) {
    fprintf(stderr, "engine: %s\n", wasmplug_error_message(e));
    return 2;
  }

  lexer_t lx = {argv[1], (char *)src.b, 0, 1, {0}, 0};
  int passed = 0, failed = 0, known = 0, ncases = 0;
  while (next_token(&lx)) {
    if (strcmp(lx.tok, "case")) fail_parse(&lx, "expected 'case'");
    char name[256], rule[512];
    int line = lx.tok_line;
    /* The rest of the line is the name; the next line "rule TEXT". */
    size_t p = lx.pos;
    while (lx.text[p] == ' ') p++;
    size_t q = p;
    while (lx.text[q] && lx.text[q] != '\n') q++;
    snprintf(name, sizeof name, "%.*s", (int)(q - p), lx.text + p);
    lx.pos = q;
    if (!next_token(&lx) || strcmp(lx.tok, "rule")) fail_parse(&lx, "expected 'rule'");
    p = lx.pos;
    while (lx.text[p] == ' ') p++;
    q = p;
    while (lx.text[q] && lx.text[q] != '\n') q++;
    snprintf(rule, sizeof rule, "%.*s", (int)(q - p), lx.text + p);
    lx.pos = q;
    bool known_offset = false;
    size_t save = lx.pos;
    int save_line = lx.line;
    if (next_token(&lx) && !strcmp(lx.tok, "known")) {
      if (!next_token(&lx) || strcmp(lx.tok, "offset")) fail_parse(&lx, "expected 'known offset'");
      known_offset = true;
    } else {
      lx.pos = save;
      lx.line = save_line;
    }
    buf_t mod = {0};
    long mark = -1;
    save = lx.pos;
    save_line = lx.line;
    bool raw = next_token(&lx) && !strcmp(lx.tok, "raw");
    if (!raw) {
      lx.pos = save;
      lx.line = save_line;
      put(&mod, "\0asm\1\0\0\0", 8);
    }
    assemble(&lx, &mod, &mark, 0);
    ncases++;
    bool valid = !strcmp(rule, "valid");
    if (!valid && mark < 0) {
      fprintf(stderr, "%s:%d: case '%s' has no ^ mark\n", argv[1], line, name);
      return 2;
    }

    wasmplug_module_t *m = NULL;
    e = wasmplug_module_new(engine, mod.b, mod.n, "m.wasm", &m);
    const char *msg = e ? wasmplug_error_message(e) : NULL;
    char want_off[64];
    snprintf(want_off, sizeof want_off, "m.wasm: invalid module at offset 0x%lx:", (unsigned long)mark);
    if (valid) {
      if (!e) passed++;
      else {
        failed++;
        fprintf(stderr, "FAIL %s:%d %s: refused a valid module: %s\n", argv[1], line, name, msg);
      }
    } else if (!e) {
      failed++;
      fprintf(stderr, "FAIL %s:%d %s: accepted; the rule is: %s\n", argv[1], line, name, rule);
    } else if (!strstr(msg, rule)) {
      failed++;
      fprintf(stderr, "FAIL %s:%d %s: message lacks the rule '%s': %s\n", argv[1], line, name, rule, msg);
    } else if (strchr(msg, '\n')) {
      failed++;
      fprintf(stderr, "FAIL %s:%d %s: message is not one line: %s\n", argv[1], line, name, msg);
    } else if (strncmp(msg, want_off, strlen(want_off))) {
      if (known_offset) {
        known++;
        printf("known: %s:%d %s: offset should be 0x%lx: %s\n", argv[1], line, name, (unsigned long)mark, msg);
      } else {
        failed++;
        fprintf(stderr, "FAIL %s:%d %s: wrong offset, want 0x%lx: %s\n", argv[1], line, name,
                (unsigned long)mark, msg);
      }
    } else if (known_offset) {
      failed++;
      fprintf(stderr, "FAIL %s:%d %s: the offset is right now: remove 'known offset'\n", argv[1], line, name);
    } else {
      passed++;
    }
    wasmplug_error_delete(e);
    wasmplug_module_delete(m);
    free(mod.b);
  }
  wasmplug_engine_delete(engine);
  free(src.b);
  printf("%d cases: %d passed, %d failed, %d with a known wrong offset (rule right, not counted as passed)\n",
         ncases, passed, failed, known);
  return failed || !ncases ? 1 : 0;
}
