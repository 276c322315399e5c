/*
** run_wast.c — runs one component script split by tools/wast-split.mjs:
** argv[1] is its folder (manifest + N.wasm).  Every command is checked:
** results compared as WAVE text, traps and load errors by a part of their
** message.  Prints each failure with the script line; exits non-zero if any.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmplug.h"

static int failures, checks;
static const char *dir;
static wasmplug_engine_t *engine;
static wasmplug_component_linker_t *linker;

typedef struct def {
  char name[128];
  wasmplug_component_t *c;
  unsigned char *bytes;
} def_t;
static def_t defs[64];
static int ndefs;

static wasmplug_component_instance_t *cur;
static wasmplug_component_t *cur_owned; /* the component of a plain (component ...) */
static unsigned char *cur_bytes;

#define FAIL(line, ...)                                  \
  do {                                                   \
    failures++;                                          \
    fprintf(stderr, "%s: line %s: ", dir, line);         \
    fprintf(stderr, __VA_ARGS__);                        \
    fputc('\n', stderr);                                 \
  } while (0)

static unsigned char *slurp(const char *file, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)n + 1);
  if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) exit(2);
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* Loads a component; NULL with *err (malloc'ed) when it is refused. */
static wasmplug_component_t *load(const char *file, unsigned char **bytes, char **err) {
  size_t len;
  *bytes = slurp(file, &len);
  wasmplug_component_t *c = NULL;
  wasmplug_error_t *e = wasmplug_component_new(engine, *bytes, len, file, &c);
  *err = NULL;
  if (e) {
    *err = strdup(wasmplug_error_message(e));
    wasmplug_error_delete(e);
    free(*bytes);
    *bytes = NULL;
  }
  return c;
}

static void drop_current(void) {
  wasmplug_component_instance_delete(cur);
  cur = NULL;
  wasmplug_component_delete(cur_owned);
  cur_owned = NULL;
  free(cur_bytes);
  cur_bytes = NULL;
}

/* Instantiates c; the trap or error message (malloc'ed) in *msg when it fails. */
static wasmplug_component_instance_t *inst(wasmplug_component_t *c, char **msg) {
  wasmplug_component_instance_t *in = NULL;
  wasmplug_error_t *e = NULL;
  wasmplug_trap_t *t = NULL;
  wasmplug_component_linker_instantiate(linker, c, &in, &e, &t);
  *msg = NULL;
  if (e) {
    *msg = strdup(wasmplug_error_message(e));
    wasmplug_error_delete(e);
  } else if (t) {
    *msg = strdup(wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
  }
  return in;
}

static void run(char **f, int n) {
  const char *cmd = f[0], *line = f[n - 1];
  checks++;
  if (!strcmp(cmd, "module")) {
    drop_current();
    char *err, *msg;
    if (!(cur_owned = load(f[1], &cur_bytes, &err))) {
      FAIL(line, "component refused: %s", err);
      free(err);
      return;
    }
    if (!(cur = inst(cur_owned, &msg))) {
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
    if (!(d->c = load(f[2], &d->bytes, &err))) {
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
        if (!(cur = inst(defs[i].c, &msg))) {
          FAIL(line, "instantiation failed: %s", msg);
          free(msg);
        }
        return;
      }
    FAIL(line, "no definition %s", f[1]);
  } else if (!strcmp(cmd, "invoke") || !strcmp(cmd, "trap")) {
    if (!cur) {
      FAIL(line, "no instance to invoke %s on", f[1]);
      return;
    }
    char call[8192];
    snprintf(call, sizeof call, "%s(%s)", f[1], f[2]);
    char *result = NULL;
    wasmplug_error_t *e = NULL;
    wasmplug_trap_t *t = wasmplug_component_invoke_wave(cur, call, &result, &e);
    if (e) {
      FAIL(line, "%s: %s", call, wasmplug_error_message(e));
      wasmplug_error_delete(e);
    } else if (!strcmp(cmd, "trap")) {
      if (!t) FAIL(line, "%s returned %s, expected a trap containing \"%s\"", call, result ? result : "", f[3]);
      else if (!strstr(wasmplug_trap_message(t), f[3]))
        FAIL(line, "%s trapped with \"%s\", expected \"%s\"", call, wasmplug_trap_message(t), f[3]);
    } else if (t) {
      FAIL(line, "%s trapped: %s", call, wasmplug_trap_message(t));
    } else if (strcmp(f[3], "-") && strcmp(result ? result : "", f[3])) {
      FAIL(line, "%s returned %s, expected %s", call, result ? result : "(null)", f[3]);
    }
    wasmplug_trap_delete(t);
    free(result);
  } else if (!strcmp(cmd, "trap_module") || !strcmp(cmd, "invalid")) {
    char *err = NULL, *msg = NULL;
    unsigned char *bytes;
    wasmplug_component_t *c = load(f[1], &bytes, &err);
    wasmplug_component_instance_t *in = NULL;
    if (c) in = inst(c, &msg);
    const char *got = err ? err : msg;
    bool want_invalid = !strcmp(cmd, "invalid");
    if (want_invalid && !err) FAIL(line, "component was accepted, expected \"%s\"", f[2]);
    else if (!want_invalid && !msg) FAIL(line, "instantiation succeeded, expected a trap \"%s\"", f[2]);
    else if (!strstr(got, f[2])) FAIL(line, "failed with \"%s\", expected \"%s\"", got, f[2]);
    wasmplug_component_instance_delete(in);
    wasmplug_component_delete(c);
    free(bytes);
    free(err);
    free(msg);
  } else {
    FAIL(line, "unknown command %s", cmd);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: run_wast DIR [CACHE_DIR]\n");
    return 2;
  }
  dir = argv[1];
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  if (argc > 2) wasmplug_config_cache_dir_set(cfg, argv[2]);
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  wasmplug_config_delete(cfg);
  if (e) {
    fprintf(stderr, "engine: %s\n", wasmplug_error_message(e));
    return 2;
  }
  linker = wasmplug_component_linker_new(engine);
  size_t len;
  char *m = (char *)slurp("manifest", &len);
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
  for (int i = 0; i < ndefs; i++) {
    wasmplug_component_delete(defs[i].c);
    free(defs[i].bytes);
  }
  wasmplug_component_linker_delete(linker);
  wasmplug_engine_delete(engine);
  printf("%s: %d commands, %d failures\n", dir, checks, failures);
  return failures ? 1 : 0;
}
