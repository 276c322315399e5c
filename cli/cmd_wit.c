/*
** cmd_wit.c — `wasmplug wit [--json] PATH`: prints the resolved WIT (or
** its JSON form) of a .wit file or a WIT package directory.
**
** Inputs are dispatched by kind so that components (.wasm) and native
** plugins (.so) can get their own WIT extractors later: each kind maps to
** a loader that fills a wp_wit_resolve_t, and printing is shared.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli/component.h"
#include "plugin/plugin.h"
#include "wit/wit.h"

typedef enum { OUT_WIT, OUT_JSON } out_kind_t;

/* A loader adds the WIT of PATH to r and returns the main package. */
typedef int (*wit_loader_t)(wp_wit_resolve_t *r, const char *path, uint32_t *pkg);

static void usage(FILE *f) {
  fprintf(f,
          "usage: wasmplug wit [--json] PATH\n"
          "\n"
          "Prints the resolved WIT of PATH: a .wit file, or a directory holding a\n"
          "package's .wit files (dependencies in PATH/deps/), or a native plugin\n"
          "(.so): what it provides and its config options, then its WIT.\n"
          "\n"
          "options:\n"
          "  --json             print the resolved structure as JSON (wit-parser's shape)\n"
          "  --features A,B     enable @unstable(feature = A) items\n"
          "  --all-features     enable every @unstable item\n"
          "  --help             show this help\n");
}

static void report(const wp_wit_error_t *e) {
  if (!e) {
    wp_cli_error("out of memory");
    return;
  }
  wp_cli_error("%s", e->message);
  /* then the offending line and the caret, as the reference prints them */
  const char *snip = strstr(e->rendered, "\n      |\n");
  if (snip) fprintf(stderr, "%s\n", snip + 1);
}

static int load_wit(wp_wit_resolve_t *r, const char *path, uint32_t *pkg) {
  wp_wit_error_t *err = NULL;
  if (wp_wit_push_path(r, path, pkg, &err)) {
    report(err);
    wp_wit_error_delete(err);
    return -1;
  }
  return 0;
}

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && !strcmp(s + a - b, suf);
}

static wit_loader_t loader_for(const char *path) {
  if (ends_with(path, ".wasm") || ends_with(path, ".so")) return NULL;
  return load_wit;
}

int wp_cmd_wit(int argc, char **argv) {
  out_kind_t out = OUT_WIT;
  const char *path = NULL;
  const char *features = NULL;
  int all_features = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--json")) {
      out = OUT_JSON;
    } else if (!strcmp(a, "--all-features")) {
      all_features = 1;
    } else if (!strcmp(a, "--features") || !strncmp(a, "--features=", 11)) {
      if (a[10] == '=') {
        features = a + 11;
      } else if (i + 1 < argc) {
        features = argv[++i];
      } else {
        wp_cli_error("wit: --features needs a value");
        return 2;
      }
    } else if (!strcmp(a, "--")) {
      if (i + 1 < argc && !path) path = argv[++i];
      if (i + 1 < argc) {
        wp_cli_error("wit: unexpected argument '%s'", argv[i + 1]);
        return 2;
      }
    } else if (a[0] == '-' && a[1]) {
      wp_cli_error("wit: unknown option '%s'", a);
      usage(stderr);
      return 2;
    } else if (!path) {
      path = a;
    } else {
      wp_cli_error("wit: unexpected argument '%s'", a);
      return 2;
    }
  }
  if (!path) {
    wp_cli_error("wit: missing PATH");
    usage(stderr);
    return 2;
  }
  if (ends_with(path, ".so") && out == OUT_WIT) {
    /* Native plugins: the plugin layer loads and describes them. */
    wasmplug_error_t *err = wp_plugin_describe(path, stdout);
    int failed = err != NULL;
    if (err) wp_cli_error("%s", wasmplug_error_message(err));
    wasmplug_error_delete(err);
    return failed || fflush(stdout) ? 1 : 0;
  }
  if (ends_with(path, ".wasm") && out == OUT_WIT) return wp_wit_component(path); /* component runtime */
  wit_loader_t load = loader_for(path);
  if (!load) {
    wp_cli_error("%s: printing the WIT of components and plugins is not supported yet", path);
    return 1;
  }
  wp_wit_resolve_t *r = wp_wit_resolve_new();
  if (!r) {
    wp_cli_error("out of memory");
    return 1;
  }
  r->all_features = all_features;
  for (const char *f = features; f && *f;) {
    size_t n = strcspn(f, ", ");
    char name[256];
    if (n >= sizeof name) {
      wp_cli_error("wit: feature name too long");
      wp_wit_resolve_delete(r);
      return 2;
    }
    memcpy(name, f, n);
    name[n] = 0;
    if (n && wp_wit_resolve_feature(r, name)) {
      wp_cli_error("out of memory");
      wp_wit_resolve_delete(r);
      return 1;
    }
    f += n;
    while (*f == ',' || *f == ' ') f++;
  }
  uint32_t pkg;
  if (load(r, path, &pkg)) {
    wp_wit_resolve_delete(r);
    return 1;
  }
  char *text = out == OUT_JSON ? wp_wit_to_json(r) : wp_wit_print(r, pkg);
  wp_wit_resolve_delete(r);
  if (!text) {
    wp_cli_error("out of memory");
    return 1;
  }
  fputs(text, stdout);
  free(text);
  if (fflush(stdout)) {
    wp_cli_error("cannot write output");
    return 1;
  }
  return 0;
}
