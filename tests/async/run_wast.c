/*
** run_wast.c — runs one component script split by tools/wast-split.mjs:
** argv[1] is its folder (manifest + N.wasm), argv[2] the cache folder.
** Every command is checked: results compared as WAVE text, traps and load
** errors by a part of their message.  Prints each failure with the script
** line; exits non-zero if any.
**
** With `--plugin SO` (repeatable) components are programs of a host
** (wasmplug/host.h) with those native plugins loaded, as `wasmplug run
** --plugin SO --invoke` would run them; otherwise they are instantiated
** with an empty component linker.  `--tier optimized` runs the optimized
** tier (default baseline).
**
** `--suite` is for someone else's scripts (the Component Model's reference
** tests, split with `wast-split.mjs --suite`): a trap or a refusal passes
** whatever its message (the reference's messages are Wasmtime's), and the
** messages that differ are counted and listed apart; `na` lines (what the
** splitter could not convert) are counted apart, never as passes.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmplug.h"
#include "wasmplug/host.h"
#include "../fixture.h"

static wasmplug_host_t *host; /* --plugin mode */

static int failures, checks, na, msg_differs;
static bool suite;
static const char *dir;
static wasmplug_engine_t *engine;
static wasmplug_component_linker_t *linker;

/* A loaded component: a component, or a host program in --plugin mode. */
typedef struct def {
  char name[128];
  wasmplug_component_t *c;
  wasmplug_program_t *prog;
  unsigned char *bytes;
} def_t;
static def_t defs[64];
static int ndefs;

static wasmplug_component_instance_t *cur;
static wasmplug_program_instance_t *cur_prog;
static def_t cur_def; /* the component of a plain (component ...) */

#define FAIL(line, ...)                                  \
  do {                                                   \
    failures++;                                          \
    fprintf(stderr, "%s: line %s: ", dir, line);         \
    fprintf(stderr, __VA_ARGS__);                        \
    fputc('\n', stderr);                                 \
  } while (0)

/* Loads a component into d; false with *err (malloc'ed) when it is refused. */
static bool load(const char *file, def_t *d, char **err) {
  size_t len;
  d->bytes = read_fixture(dir, file, &len);
  wasmplug_error_t *e = host ? wasmplug_program_new(host, d->bytes, len, file, &d->prog)
                             : wasmplug_component_new(engine, d->bytes, len, file, &d->c);
  *err = NULL;
  if (e) {
    *err = strdup(wasmplug_error_message(e));
    wasmplug_error_delete(e);
    free(d->bytes);
    d->bytes = NULL;
    return false;
  }
  return true;
}

static void unload(def_t *d) {
  wasmplug_program_delete(d->prog);
  wasmplug_component_delete(d->c);
  free(d->bytes);
  memset(d, 0, sizeof *d);
}

static void drop_current(void) {
  wasmplug_component_instance_delete(cur);
  wasmplug_program_instance_delete(cur_prog);
  cur = NULL;
  cur_prog = NULL;
  unload(&cur_def);
}

/* Instantiates d as the current instance; false with the trap or error
** message (malloc'ed) in *msg when it fails. */
static bool inst(def_t *d, char **msg) {
  wasmplug_error_t *e = NULL;
  wasmplug_trap_t *t = NULL;
  if (host) wasmplug_program_instantiate(d->prog, &cur_prog, &e, &t);
  else wasmplug_component_linker_instantiate(linker, d->c, &cur, &e, &t);
  *msg = NULL;
  if (e) {
    *msg = strdup(wasmplug_error_message(e));
    wasmplug_error_delete(e);
  } else if (t) {
    *msg = strdup(wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
  }
  return !*msg;
}

/* Calls `call` on the current instance: NULL with *result, or the trap;
** errors (no such function, bad arguments) in *err. */
static wasmplug_trap_t *invoke(const char *call, char **result, wasmplug_error_t **err) {
  wasmplug_trap_t *t = NULL;
  if (host) {
    int status = 0;
    *err = wasmplug_program_instance_invoke(cur_prog, call, result, &status, &t);
    return t;
  }
  return wasmplug_component_invoke_wave(cur, call, result, err);
}

/* A trap or refusal whose message is not the one the script names: a
** failure, except in --suite mode (listed and counted apart). */
static void message_differs(const char *line, const char *got, const char *want) {
  if (!suite) {
    FAIL(line, "failed with \"%s\", expected \"%s\"", got, want);
    return;
  }
  msg_differs++;
  fprintf(stderr, "%s: line %s: message \"%s\", the script's \"%s\"\n", dir, line, got, want);
}

static void run(char **f, int n) {
  const char *cmd = f[0], *line = f[n - 1];
  if (!strcmp(cmd, "na")) {
    na++;
    fprintf(stderr, "%s: line %s: n/a: %s\n", dir, line, n > 2 ? f[1] : "");
    return;
  }
  checks++;
  if (!strcmp(cmd, "module")) {
    drop_current();
    char *err, *msg;
    if (!load(f[1], &cur_def, &err)) {
      FAIL(line, "component refused: %s", err);
      free(err);
      return;
    }
    if (!inst(&cur_def, &msg)) {
      FAIL(line, "instantiation failed: %s", msg);
      free(msg);
    }
  } else if (!strcmp(cmd, "definition")) {
    char *err;
    def_t *d = &defs[ndefs];
    if (ndefs == 64) {
      FAIL(line, "too many definitions");
      return;
    }
    snprintf(d->name, sizeof d->name, "%s", f[1]);
    if (!load(f[2], d, &err)) {
      FAIL(line, "component refused: %s", err);
      free(err);
      return;
    }
    ndefs++;
  } else if (!strcmp(cmd, "instance")) {
    drop_current();
    for (int i = 0; i < ndefs; i++)
      if (!strcmp(defs[i].name, f[1])) {
        char *msg;
        if (!inst(&defs[i], &msg)) {
          FAIL(line, "instantiation failed: %s", msg);
          free(msg);
        }
        return;
      }
    FAIL(line, "no definition %s", f[1]);
  } else if (!strcmp(cmd, "invoke") || !strcmp(cmd, "trap")) {
    if (!cur && !cur_prog) {
      FAIL(line, "no instance to invoke %s on", f[1]);
      return;
    }
    char call[8192];
    snprintf(call, sizeof call, "%s(%s)", f[1], f[2]);
    char *result = NULL;
    wasmplug_error_t *e = NULL;
    wasmplug_trap_t *t = invoke(call, &result, &e);
    if (e) {
      FAIL(line, "%s: %s", call, wasmplug_error_message(e));
      wasmplug_error_delete(e);
    } else if (!strcmp(cmd, "trap")) {
      if (!t) FAIL(line, "%s returned %s, expected a trap containing \"%s\"", call, result ? result : "", f[3]);
      else if (!strstr(wasmplug_trap_message(t), f[3])) message_differs(line, wasmplug_trap_message(t), f[3]);
    } else if (t) {
      FAIL(line, "%s trapped: %s", call, wasmplug_trap_message(t));
    } else if (strcmp(f[3], "-") && strcmp(result ? result : "", f[3])) {
      FAIL(line, "%s returned %s, expected %s", call, result ? result : "(null)", f[3]);
    }
    wasmplug_trap_delete(t);
    free(result);
  } else if (!strcmp(cmd, "trap_module") || !strcmp(cmd, "invalid")) {
    char *err = NULL, *msg = NULL;
    def_t d;
    memset(&d, 0, sizeof d);
    wasmplug_component_instance_t *saved = cur;
    wasmplug_program_instance_t *saved_prog = cur_prog;
    cur = NULL;
    cur_prog = NULL;
    if (load(f[1], &d, &err)) inst(&d, &msg);
    const char *got = err ? err : msg;
    bool want_invalid = !strcmp(cmd, "invalid");
    if (want_invalid && !err) FAIL(line, "component was accepted, expected \"%s\"", f[2]);
    else if (!want_invalid && !msg) FAIL(line, "instantiation succeeded, expected a trap \"%s\"", f[2]);
    else if (!strstr(got, f[2])) message_differs(line, got, f[2]);
    wasmplug_component_instance_delete(cur);
    wasmplug_program_instance_delete(cur_prog);
    cur = saved;
    cur_prog = saved_prog;
    unload(&d);
    free(err);
    free(msg);
  } else {
    FAIL(line, "unknown command %s", cmd);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: run_wast DIR [CACHE_DIR [--plugin SO]... [--tier baseline|optimized] [--suite]]\n");
    return 2;
  }
  dir = argv[1];
  wasmplug_tier_t tier = WASMPLUG_TIER_BASELINE;
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--suite")) suite = true;
    else if (!strcmp(argv[i], "--tier") && i + 1 < argc && !strcmp(argv[i + 1], "optimized")) tier = WASMPLUG_TIER_OPTIMIZED;
  }
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, tier);
  if (argc > 2) wasmplug_config_cache_dir_set(cfg, argv[2]);
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  wasmplug_config_delete(cfg);
  if (e) {
    fprintf(stderr, "engine: %s\n", wasmplug_error_message(e));
    return 2;
  }
  linker = wasmplug_component_linker_new(engine);
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--suite")) continue;
    if (!strcmp(argv[i], "--tier") && i + 1 < argc && (!strcmp(argv[i + 1], "baseline") || !strcmp(argv[i + 1], "optimized"))) {
      i++;
      continue;
    }
    if (strcmp(argv[i], "--plugin") || i + 1 == argc) {
      fprintf(stderr, "run_wast: unknown option %s\n", argv[i]);
      return 2;
    }
    if (!host && (e = wasmplug_host_new(engine, NULL, &host))) break;
    if ((e = wasmplug_host_plugin_load(host, argv[++i]))) break;
  }
  if (e) {
    fprintf(stderr, "run_wast: %s\n", wasmplug_error_message(e));
    return 2;
  }
  size_t len;
  char *m = (char *)read_fixture(dir, "manifest", &len);
  m[len] = 0;
  for (char *save = NULL, *ln = strtok_r(m, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
    char *f[8];
    int n = 0;
    for (char *p = ln; n < 8;) {
      f[n++] = p;
      char *tab = strchr(p, '\t');
      if (!tab) break;
      *tab = 0;
      p = tab + 1;
    }
    run(f, n);
  }
  free(m);
  drop_current();
  for (int i = 0; i < ndefs; i++) unload(&defs[i]);
  wasmplug_component_linker_delete(linker);
  wasmplug_host_delete(host);
  wasmplug_engine_delete(engine);
  if (suite)
    printf("%s: %d commands, %d failures, %d n/a, %d messages differ\n", dir, checks, failures, na, msg_differs);
  else
    printf("%s: %d commands, %d failures\n", dir, checks, failures);
  return failures ? 1 : 0;
}
