/*
** cmd_wit.c — `wasmplug wit [--json] PATH`: prints the resolved WIT (or
** its JSON form) of a .wit file or a WIT package directory, the world of a
** component (.wasm) or what a native plugin (.so) provides.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wasmplug/wit.h"

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

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && !strcmp(s + a - b, suf);
}

int wp_cmd_wit(int argc, char **argv) {
  wasmplug_wit_options_t o = {sizeof o, 0, NULL};
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--json")) {
      o.flags |= WASMPLUG_WIT_JSON;
    } else if (!strcmp(a, "--all-features")) {
      o.flags |= WASMPLUG_WIT_ALL_FEATURES;
    } else if (!strcmp(a, "--features") || !strncmp(a, "--features=", 11)) {
      if (a[10] == '=') {
        o.features = a + 11;
      } else if (i + 1 < argc) {
        o.features = argv[++i];
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
  bool json = o.flags & WASMPLUG_WIT_JSON;
  if (json && (ends_with(path, ".wasm") || ends_with(path, ".so"))) {
    wp_cli_error("%s: printing the WIT of components and plugins is not supported yet", path);
    return 1;
  }
  char *text = NULL;
  wasmplug_error_t *err = NULL;
  if (ends_with(path, ".so")) {
    err = wasmplug_wit_from_plugin(path, &text);
  } else if (ends_with(path, ".wasm")) {
    size_t len;
    uint8_t *bytes = wp_cli_read_file(path, &len);
    if (!bytes) return 1;
    err = wasmplug_wit_from_component(bytes, len, path, &text);
    free(bytes);
  } else {
    err = wasmplug_wit_from_path(path, &o, &text);
  }
  if (err) {
    wp_cli_error("%s", wasmplug_error_message(err));
    wasmplug_error_delete(err);
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
