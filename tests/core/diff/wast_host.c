/*
** wast_host.c — runs WebAssembly script commands against wasmplug, one per
** line on stdin, one answer per line on stdout.  The differential tester
** (tests/core/diff/diff.mjs) and the spec test suite runner
** (tools/spectest/run.mjs) drive it; both compare its answers with what
** they expect, so this program judges nothing itself.
**
**   module ID PATH        compile and instantiate      -> ok | invalid MSG |
**                                                         unlinkable MSG | trap KIND MSG
**   compile PATH          compile only                 -> ok | invalid MSG
**   register NAME ID      exports of ID become importable as module NAME -> ok
**   invoke ID FIELD ARG*  call an export               -> ok VAL* | trap KIND MSG | error MSG
**   get ID FIELD          read an exported global      -> ok VAL | error MSG
**   reset                 forget every module and registration, renew the
**                         spectest instance -> ok
**
** ID is a name given by the driver, or "-" for the last module instantiated.
** Any token may be written "=" followed by its bytes percent-encoded (%XX),
** which is how names holding spaces or nothing at all travel.  Values are
** TYPE:BITS with BITS in hex (i32, i64, f32, f64), or funcref:null,
** externref:null, externref:N (a host reference numbered N), and in results
** funcref:func for any non-null function reference.  Trap kinds are single
** tokens (see trap_token).  Messages run to the end of the line.
**
** Imports are resolved from the module "spectest" (an instance of the
** module given with --spectest, which plays the role of the spec
** interpreter's built-in one) and from every registered instance.
**
** Usage: wast_host --tier baseline|optimized [--cache DIR] [--spectest FILE]
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmplug.h"
#include "../../fixture.h"

#define MAX_VALS 64

typedef struct entry {
  char *id;                     /* NULL for an anonymous module */
  wasmplug_module_t *module;
  wasmplug_instance_t *instance;
} entry_t;

typedef struct registration {
  char *name;
  wasmplug_instance_t *instance;
} registration_t;

typedef struct host {
  wasmplug_engine_t *engine;
  entry_t *entries;
  size_t nentries, cap;
  registration_t *regs;
  size_t nregs, regcap;
  wasmplug_module_t *spectest_module;
  wasmplug_instance_t *spectest;
  size_t last; /* index + 1 of the last module instantiated, 0 if none */
} host_t;

static void die(const char *what) {
  fprintf(stderr, "wast_host: %s\n", what);
  exit(2);
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n);
  if (!p) die("out of memory");
  return p;
}

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) die("out of memory");
  return d;
}

/* Answers must stay on one line whatever the message holds. */
static void put_message(const char *m) {
  for (; m && *m; m++) putchar(*m == '\n' || *m == '\r' ? ' ' : *m);
}

static void answer(const char *head, const char *msg) {
  fputs(head, stdout);
  if (msg) {
    putchar(' ');
    put_message(msg);
  }
  putchar('\n');
}

/* In place: "=" then %XX escapes becomes the bytes (other tokens stay);
** a NUL byte becomes C0 80, the embedding API's spelling of U+0000 in a
** name (3 characters of escape give 2 bytes: it fits). */
static void percent_decode(char *s) {
  if (*s != '=') return;
  char *o = s;
  for (char *p = s + 1; *p; p++) {
    if (p[0] == '%' && p[1] && p[2]) {
      char hex[3] = {p[1], p[2], 0};
      char c = (char)strtoul(hex, NULL, 16);
      if (c) {
        *o++ = c;
      } else {
        *o++ = (char)0xc0;
        *o++ = (char)0x80;
      }
      p += 2;
    } else {
      *o++ = *p;
    }
  }
  *o = 0;
}

static const char *trap_token(wasmplug_trap_kind_t k) {
  switch (k) {
  case WASMPLUG_TRAP_UNREACHABLE: return "unreachable";
  case WASMPLUG_TRAP_MEMORY_OUT_OF_BOUNDS: return "memory_oob";
  case WASMPLUG_TRAP_TABLE_OUT_OF_BOUNDS: return "table_oob";
  case WASMPLUG_TRAP_INDIRECT_CALL_TYPE_MISMATCH: return "indirect_call";
  case WASMPLUG_TRAP_INTEGER_DIVIDE_BY_ZERO: return "div_by_zero";
  case WASMPLUG_TRAP_INTEGER_OVERFLOW: return "int_overflow";
  case WASMPLUG_TRAP_BAD_CONVERSION_TO_INTEGER: return "bad_conversion";
  case WASMPLUG_TRAP_STACK_OVERFLOW: return "stack_overflow";
  case WASMPLUG_TRAP_INTERRUPT: return "interrupt";
  case WASMPLUG_TRAP_HOST: return "host";
  case WASMPLUG_TRAP_EXIT: return "exit";
  case WASMPLUG_TRAP_CANON: return "canon";
  case WASMPLUG_TRAP_OUT_OF_FUEL: return "out_of_fuel";
  case WASMPLUG_TRAP_ATOMIC: return "atomic";
  }
  return "unknown";
}

static void answer_trap(wasmplug_trap_t *t) {
  printf("trap %s ", trap_token(wasmplug_trap_kind(t)));
  put_message(wasmplug_trap_message(t));
  putchar('\n');
  wasmplug_trap_delete(t);
}

static entry_t *find(host_t *h, const char *id) {
  if (!strcmp(id, "-")) return h->last ? &h->entries[h->last - 1] : NULL;
  for (size_t i = h->nentries; i-- > 0;)
    if (h->entries[i].id && !strcmp(h->entries[i].id, id)) return &h->entries[i];
  return NULL;
}

/* ------------------------------------------------------------ values */

static const char *kind_name(wasmplug_valkind_t k) {
  switch (k) {
  case WASMPLUG_I32: return "i32";
  case WASMPLUG_I64: return "i64";
  case WASMPLUG_F32: return "f32";
  case WASMPLUG_F64: return "f64";
  case WASMPLUG_V128: return "v128";
  case WASMPLUG_FUNCREF: return "funcref";
  case WASMPLUG_EXTERNREF: return "externref";
  }
  return "?";
}

/* Host references are the numbers N+1 as pointers, so that N = 0 is not null. */
static bool parse_value(const char *tok, wasmplug_val_t *v) {
  const char *colon = strchr(tok, ':');
  if (!colon) return false;
  size_t tl = (size_t)(colon - tok);
  const char *bits = colon + 1;
  memset(v, 0, sizeof *v);
  char *end;
  if (tl == 3 && !strncmp(tok, "i32", 3)) {
    v->kind = WASMPLUG_I32;
    uint32_t u = (uint32_t)strtoul(bits, &end, 16);
    memcpy(&v->of.i32, &u, 4);
  } else if (tl == 3 && !strncmp(tok, "i64", 3)) {
    v->kind = WASMPLUG_I64;
    uint64_t u = strtoull(bits, &end, 16);
    memcpy(&v->of.i64, &u, 8);
  } else if (tl == 3 && !strncmp(tok, "f32", 3)) {
    v->kind = WASMPLUG_F32;
    uint32_t u = (uint32_t)strtoul(bits, &end, 16);
    memcpy(&v->of.f32, &u, 4);
  } else if (tl == 3 && !strncmp(tok, "f64", 3)) {
    v->kind = WASMPLUG_F64;
    uint64_t u = strtoull(bits, &end, 16);
    memcpy(&v->of.f64, &u, 8);
  } else if (tl == 7 && !strncmp(tok, "funcref", 7)) {
    v->kind = WASMPLUG_FUNCREF;
    if (strcmp(bits, "null")) return false; /* only null can be made here */
    return true;
  } else if (tl == 9 && !strncmp(tok, "externref", 9)) {
    v->kind = WASMPLUG_EXTERNREF;
    if (!strcmp(bits, "null")) return true;
    uintptr_t n = (uintptr_t)strtoull(bits, &end, 10);
    v->of.ref = (void *)(n + 1);
  } else {
    return false;
  }
  return *bits && !*end;
}

static void print_value(const wasmplug_val_t *v) {
  uint32_t u32;
  uint64_t u64;
  switch (v->kind) {
  case WASMPLUG_I32: memcpy(&u32, &v->of.i32, 4); printf(" i32:%" PRIx32, u32); break;
  case WASMPLUG_I64: memcpy(&u64, &v->of.i64, 8); printf(" i64:%" PRIx64, u64); break;
  case WASMPLUG_F32: memcpy(&u32, &v->of.f32, 4); printf(" f32:%" PRIx32, u32); break;
  case WASMPLUG_F64: memcpy(&u64, &v->of.f64, 8); printf(" f64:%" PRIx64, u64); break;
  case WASMPLUG_FUNCREF: printf(" funcref:%s", v->of.ref ? "func" : "null"); break;
  case WASMPLUG_EXTERNREF:
    if (v->of.ref) printf(" externref:%" PRIuPTR, (uintptr_t)v->of.ref - 1);
    else printf(" externref:null");
    break;
  default: printf(" %s:?", kind_name(v->kind)); break;
  }
}

/* ---------------------------------------------------------- commands */

static wasmplug_linker_t *make_linker(host_t *h, char **err) {
  wasmplug_linker_t *l = wasmplug_linker_new(h->engine);
  if (!l) die("out of memory");
  wasmplug_error_t *e = NULL;
  if (h->spectest) e = wasmplug_linker_define_instance(l, "spectest", h->spectest);
  /* Later registrations of a name replace earlier ones: define the newest
  ** only (the linker refuses a second definition of the same name). */
  for (size_t i = h->nregs; !e && i-- > 0;) {
    bool shadowed = false;
    for (size_t j = i + 1; j < h->nregs; j++) shadowed |= !strcmp(h->regs[j].name, h->regs[i].name);
    if (!shadowed) e = wasmplug_linker_define_instance(l, h->regs[i].name, h->regs[i].instance);
  }
  if (e) {
    *err = xstrdup(wasmplug_error_message(e));
    wasmplug_error_delete(e);
    wasmplug_linker_delete(l);
    return NULL;
  }
  return l;
}

static wasmplug_module_t *compile(host_t *h, const char *path, char **err) {
  uint8_t *bytes;
  size_t len;
  if (!(bytes = try_read_file(path, &len))) {
    *err = xstrdup("cannot read the file");
    return NULL;
  }
  const char *base = strrchr(path, '/');
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *e = wasmplug_module_new(h->engine, bytes, len, base ? base + 1 : path, &m);
  free(bytes);
  if (e) {
    *err = xstrdup(wasmplug_error_message(e));
    wasmplug_error_delete(e);
    return NULL;
  }
  return m;
}

static void cmd_module(host_t *h, const char *id, const char *path) {
  char *err = NULL;
  wasmplug_module_t *m = compile(h, path, &err);
  if (!m) {
    answer("invalid", err);
    free(err);
    return;
  }
  wasmplug_linker_t *l = make_linker(h, &err);
  if (!l) {
    answer("error", err);
    free(err);
    wasmplug_module_delete(m);
    return;
  }
  wasmplug_instance_t *in = NULL;
  wasmplug_error_t *e = NULL;
  wasmplug_trap_t *t = NULL;
  wasmplug_linker_instantiate(l, m, NULL, &in, &e, &t);
  wasmplug_linker_delete(l);
  if (e || t) {
    if (e) {
      answer("unlinkable", wasmplug_error_message(e));
      wasmplug_error_delete(e);
    } else {
      answer_trap(t);
    }
    /* Instances made earlier may hold a reference to this module's
    ** functions (a table written by a failed instantiation): keep it. */
    if (h->nentries == h->cap) h->entries = xrealloc(h->entries, (h->cap = h->cap * 2 + 8) * sizeof *h->entries);
    h->entries[h->nentries++] = (entry_t){NULL, m, NULL};
    return;
  }
  if (h->nentries == h->cap) h->entries = xrealloc(h->entries, (h->cap = h->cap * 2 + 8) * sizeof *h->entries);
  h->entries[h->nentries] = (entry_t){strcmp(id, "-") ? xstrdup(id) : NULL, m, in};
  h->last = ++h->nentries;
  answer("ok", NULL);
}

static void cmd_compile(host_t *h, const char *path) {
  char *err = NULL;
  wasmplug_module_t *m = compile(h, path, &err);
  if (!m) {
    answer("invalid", err);
    free(err);
    return;
  }
  wasmplug_module_delete(m);
  answer("ok", NULL);
}

static void cmd_register(host_t *h, const char *name, const char *id) {
  entry_t *en = find(h, id);
  if (!en || !en->instance) {
    answer("error", "no such module");
    return;
  }
  if (h->nregs == h->regcap) h->regs = xrealloc(h->regs, (h->regcap = h->regcap * 2 + 8) * sizeof *h->regs);
  h->regs[h->nregs++] = (registration_t){xstrdup(name), en->instance};
  answer("ok", NULL);
}

static void cmd_invoke(host_t *h, const char *id, const char *field, char **args, size_t nargs) {
  entry_t *en = find(h, id);
  if (!en || !en->instance) {
    answer("error", "no such module");
    return;
  }
  wasmplug_func_t *f = wasmplug_instance_func(en->instance, field);
  if (!f) {
    answer("error", "no such exported function");
    return;
  }
  const wasmplug_functype_t *ft = wasmplug_func_type(f);
  wasmplug_val_t a[MAX_VALS], r[MAX_VALS];
  if (nargs > MAX_VALS || ft->nresults > MAX_VALS) {
    answer("error", "too many values");
    return;
  }
  for (size_t i = 0; i < ft->nparams; i++)
    if (ft->params[i] == WASMPLUG_V128) {
      answer("error", "unsupported: v128 parameter");
      return;
    }
  for (size_t i = 0; i < ft->nresults; i++)
    if (ft->results[i] == WASMPLUG_V128) {
      answer("error", "unsupported: v128 result");
      return;
    }
  for (size_t i = 0; i < nargs; i++)
    if (!parse_value(args[i], &a[i])) {
      answer("error", "bad argument");
      return;
    }
  wasmplug_trap_t *t = wasmplug_func_call(f, a, nargs, r, ft->nresults);
  if (t) {
    answer_trap(t);
    return;
  }
  fputs("ok", stdout);
  for (size_t i = 0; i < ft->nresults; i++) print_value(&r[i]);
  putchar('\n');
}

static void cmd_get(host_t *h, const char *id, const char *field) {
  entry_t *en = find(h, id);
  wasmplug_global_t *g = en && en->instance ? wasmplug_instance_global(en->instance, field) : NULL;
  if (!g) {
    answer("error", "no such exported global");
    return;
  }
  wasmplug_val_t v = wasmplug_global_get(g);
  fputs("ok", stdout);
  print_value(&v);
  putchar('\n');
}

static void forget_all(host_t *h) {
  /* Newest first: an instance may use exports of older ones. */
  for (size_t i = h->nentries; i-- > 0;) {
    if (h->entries[i].instance) wasmplug_instance_delete(h->entries[i].instance);
    wasmplug_module_delete(h->entries[i].module);
    free(h->entries[i].id);
  }
  h->nentries = 0;
  for (size_t i = 0; i < h->nregs; i++) free(h->regs[i].name);
  h->nregs = 0;
  h->last = 0;
}

/* A fresh spectest instance, so that no state (its memory, table and
** globals) carries over from before a reset. */
static void instantiate_spectest(host_t *h) {
  if (h->spectest) wasmplug_instance_delete(h->spectest);
  h->spectest = NULL;
  if (!h->spectest_module) return;
  wasmplug_linker_t *l = wasmplug_linker_new(h->engine);
  wasmplug_error_t *e = NULL;
  wasmplug_trap_t *t = NULL;
  wasmplug_linker_instantiate(l, h->spectest_module, NULL, &h->spectest, &e, &t);
  wasmplug_linker_delete(l);
  if (e || t) die("the spectest module does not instantiate");
}

static void load_spectest(host_t *h, const char *path) {
  char *err = NULL;
  h->spectest_module = compile(h, path, &err);
  if (!h->spectest_module) {
    fprintf(stderr, "wast_host: %s: %s\n", path, err);
    exit(2);
  }
  instantiate_spectest(h);
}

/* Splits `line` at spaces into at most `max` tokens. */
static size_t split(char *line, char **tok, size_t max) {
  size_t n = 0;
  for (char *p = strtok(line, " \t\r\n"); p && n < max; p = strtok(NULL, " \t\r\n")) tok[n++] = p;
  return n;
}

int main(int argc, char **argv) {
  const char *tier = "baseline", *cache = NULL, *spectest = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--tier") && i + 1 < argc) tier = argv[++i];
    else if (!strcmp(argv[i], "--cache") && i + 1 < argc) cache = argv[++i];
    else if (!strcmp(argv[i], "--spectest") && i + 1 < argc) spectest = argv[++i];
    else {
      fprintf(stderr, "usage: wast_host --tier baseline|optimized [--cache DIR] [--spectest FILE]\n");
      return 2;
    }
  }
  wasmplug_config_t *c = wasmplug_config_new();
  if (!strcmp(tier, "baseline")) wasmplug_config_tier_set(c, WASMPLUG_TIER_BASELINE);
  else if (!strcmp(tier, "optimized")) wasmplug_config_tier_set(c, WASMPLUG_TIER_OPTIMIZED);
  else die("--tier: expected baseline or optimized");
  if (cache) wasmplug_config_cache_dir_set(c, cache);
  /* A runaway module must not stall the whole run. */
  wasmplug_config_timeout_set(c, 10000);
  host_t h;
  memset(&h, 0, sizeof h);
  wasmplug_error_t *e = wasmplug_engine_new(c, &h.engine);
  wasmplug_config_delete(c);
  if (e) die(wasmplug_error_message(e));
  if (spectest) load_spectest(&h, spectest);

  setvbuf(stdout, NULL, _IOLBF, 0);
  size_t cap = 1 << 16;
  char *line = xrealloc(NULL, cap);
  for (;;) {
    /* Lines can be long (many arguments): read one whole. */
    size_t n = 0;
    int ch;
    while ((ch = getchar()) != EOF && ch != '\n') {
      if (n + 1 >= cap) line = xrealloc(line, cap *= 2);
      line[n++] = (char)ch;
    }
    if (ch == EOF && n == 0) break;
    line[n] = 0;
    char *tok[MAX_VALS + 4];
    size_t nt = split(line, tok, MAX_VALS + 4);
    if (nt == 0) continue;
    for (size_t i = 1; i < nt; i++) percent_decode(tok[i]);
    const char *cmd = tok[0];
    if (!strcmp(cmd, "module") && nt == 3) cmd_module(&h, tok[1], tok[2]);
    else if (!strcmp(cmd, "compile") && nt == 2) cmd_compile(&h, tok[1]);
    else if (!strcmp(cmd, "register") && nt == 3) cmd_register(&h, tok[1], tok[2]);
    else if (!strcmp(cmd, "invoke") && nt >= 3) cmd_invoke(&h, tok[1], tok[2], tok + 3, nt - 3);
    else if (!strcmp(cmd, "get") && nt == 3) cmd_get(&h, tok[1], tok[2]);
    else if (!strcmp(cmd, "reset") && nt == 1) {
      forget_all(&h);
      instantiate_spectest(&h);
      answer("ok", NULL);
    } else answer("error", "unknown command");
  }
  free(line);
  forget_all(&h);
  free(h.entries);
  free(h.regs);
  if (h.spectest) wasmplug_instance_delete(h.spectest);
  if (h.spectest_module) wasmplug_module_delete(h.spectest_module);
  wasmplug_engine_delete(h.engine);
  return 0;
}
