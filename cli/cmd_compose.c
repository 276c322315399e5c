/*
** cmd_compose.c — `wasmplug compose --plugin P.wasm... APP.wasm -o OUT.wasm`:
** writes the composition `wasmplug run --plugin P.wasm APP.wasm` makes at
** run time as one standalone component (src/host/compose_encode.c).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wasmplug/host.h"

static const char compose_usage[] = "usage: wasmplug compose --plugin PLUGIN.wasm[,allow-dl=POLICY]... APP.wasm -o OUT.wasm\n";

static const char compose_help[] =
    "Composes component APP.wasm with wasm plugin components the way `wasmplug run\n"
    "--plugin` does at run time, and writes the result as one standalone component\n"
    "that other runtimes can run: the plugins and the app are embedded, the app's\n"
    "imports are satisfied by the plugins' exports (a plugin's by the plugins listed\n"
    "before it), what no plugin provides stays an import of the result, and the\n"
    "app's exports are the result's.  Cycles are refused; the app may not import\n"
    "wasi:dl, a plugin only with allow-dl= (the result then imports wasi:dl).\n"
    "\n"
    "options:\n"
    "  --plugin SPEC   a wasm plugin component (repeatable, in order)\n"
    "  -o OUT.wasm     where to write the composed component\n"
    "  -h, --help      this help\n";

int wp_cmd_compose(int argc, char **argv) {
  const char *app = NULL, *out = NULL;
  int status = 1;
  const char **specs = calloc((size_t)argc + 1, sizeof *specs); /* --plugin, in order */
  size_t nspecs = 0;
  uint8_t *bytes = NULL, *res = NULL;
  size_t len = 0, res_len = 0;
  if (!specs) {
    wp_cli_error("out of memory");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(compose_usage, stdout);
      fputs(compose_help, stdout);
      status = 0;
      goto out;
    }
    const char *val = NULL;
    if (!strcmp(a, "--plugin") || !strcmp(a, "-o")) {
      if (i + 1 >= argc) {
        wp_cli_error("option '%s' needs a value", a);
        fputs(compose_usage, stderr);
        status = 2;
        goto out;
      }
      val = argv[++i];
    } else if (!strncmp(a, "--plugin=", 9)) {
      val = a + 9;
      a = "--plugin";
    } else if (a[0] == '-') {
      wp_cli_error("unknown option '%s'", a);
      fputs(compose_usage, stderr);
      status = 2;
      goto out;
    }
    if (!val) {
      if (app) {
        wp_cli_error("more than one APP.wasm ('%s' and '%s')", app, a);
        status = 2;
        goto out;
      }
      app = a;
    } else if (!strcmp(a, "-o")) {
      out = val;
    } else {
      specs[nspecs++] = val;
    }
  }
  if (!app || !out) {
    wp_cli_error("%s", !app ? "missing APP.wasm" : "missing -o OUT.wasm");
    fputs(compose_usage, stderr);
    status = 2;
    goto out;
  }
  if (!(bytes = wp_cli_read_file(app, &len))) goto out;
  wasmplug_error_t *e = wasmplug_compose(specs, nspecs, bytes, len, app, &res, &res_len);
  if (e) {
    wp_cli_error("%s", wasmplug_error_message(e));
    wasmplug_error_delete(e);
    goto out;
  }
  FILE *f = fopen(out, "wb");
  if (!f || fwrite(res, 1, res_len, f) != res_len || fclose(f)) {
    wp_cli_error("cannot write %s: %s", out, strerror(errno));
    if (f) remove(out);
    goto out;
  }
  status = 0;
out:
  free(bytes);
  free(res);
  free(specs);
  return status;
}
