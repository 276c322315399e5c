/*
** cmd_component.c — `wasmplug component new CORE.wasm --wit DIR --world W
** [--adapt NAME=ADAPTER.wasm]... -o OUT.wasm`: a core module and its WIT
** world made a component (wasmplug_component_new_from_module).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wasmplug/host.h"

static const char component_usage[] =
    "usage: wasmplug component new CORE.wasm --wit WIT --world W [--adapt NAME=ADAPTER.wasm]... -o OUT.wasm\n";
static const char component_help[] =
    "Makes a component of a core module built for WIT world W (a C program\n"
    "built with clang and `wasmplug bindgen c --guest` bindings): the world's\n"
    "imported interfaces become the component's imports, its exports are\n"
    "lifted from the module's.  WIT is a .wit file or a package directory\n"
    "(dependencies in WIT/deps/).\n"
    "\n"
    "options:\n"
    "  --wit WIT              the WIT the module was built for\n"
    "  --world W              its world\n"
    "  --adapt NAME=FILE      satisfy the module's imports of module NAME with\n"
    "                         adapter module FILE (repeatable), e.g.\n"
    "                         wasi_snapshot_preview1=wasi_snapshot_preview1.reactor.wasm:\n"
    "                         a WASI preview1 program becomes a WASI 0.2 component\n"
    "                         (the reactor adapter for a reactor, -mexec-model=reactor;\n"
    "                         the command adapter for a command, which then exports\n"
    "                         wasi:cli/run)\n"
    "  -o OUT                 the component to write\n"
    "  -h, --help             this help\n";

static int new_component(int argc, char **argv) {
  const char *core = NULL, *wit = NULL, *world = NULL, *out = NULL;
  wasmplug_adapter_t *ads = calloc((size_t)argc + 1, sizeof *ads);
  uint8_t **abytes = calloc((size_t)argc + 1, sizeof *abytes);
  char **anames = calloc((size_t)argc + 1, sizeof *anames);
  size_t nads = 0;
  int status = 2;
  uint8_t *bytes = NULL, *result = NULL;
  size_t len = 0, rlen = 0;
  wasmplug_error_t *err = NULL;
  if (!ads || !abytes || !anames) {
    wp_cli_error("out of memory");
    status = 1;
    goto done;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(component_usage, stdout);
      fputs(component_help, stdout);
      status = 0;
      goto done;
    }
    bool takes = !strcmp(a, "--wit") || !strcmp(a, "--world") || !strcmp(a, "--adapt") || !strcmp(a, "-o");
    if (!takes && a[0] == '-') {
      wp_cli_error("component new: unknown option '%s'", a);
      fputs(component_usage, stderr);
      goto done;
    }
    if (!takes) {
      if (core) {
        wp_cli_error("component new: unexpected argument '%s'", a);
        fputs(component_usage, stderr);
        goto done;
      }
      core = a;
      continue;
    }
    if (i + 1 >= argc) {
      wp_cli_error("component new: %s needs a value", a);
      goto done;
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--wit")) wit = v;
    else if (!strcmp(a, "--world")) world = v;
    else if (!strcmp(a, "-o")) out = v;
    else {
      const char *eq = strchr(v, '=');
      if (!eq || eq == v || !eq[1]) {
        wp_cli_error("component new: --adapt '%s': expected NAME=ADAPTER.wasm", v);
        goto done;
      }
      anames[nads] = strndup(v, (size_t)(eq - v));
      size_t alen;
      abytes[nads] = wp_cli_read_file(eq + 1, &alen);
      if (!anames[nads] || !abytes[nads]) {
        status = 1;
        goto done;
      }
      ads[nads] = (wasmplug_adapter_t){anames[nads], abytes[nads], alen};
      nads++;
    }
  }
  if (!core || !wit || !world || !out) {
    wp_cli_error("component new: CORE.wasm, --wit, --world and -o are needed");
    fputs(component_usage, stderr);
    goto done;
  }
  status = 1;
  if (!(bytes = wp_cli_read_file(core, &len))) goto done;
  if ((err = wasmplug_component_new_from_module(bytes, len, core, wit, world, ads, nads, &result, &rlen))) {
    wp_cli_error("%s", wasmplug_error_message(err));
    goto done;
  }
  FILE *f = fopen(out, "wb");
  if (!f || fwrite(result, 1, rlen, f) != rlen) {
    wp_cli_error("cannot write %s", out);
    if (f) fclose(f);
    goto done;
  }
  if (fclose(f)) {
    wp_cli_error("cannot write %s", out);
    goto done;
  }
  status = 0;
done:
  wasmplug_error_delete(err);
  for (size_t i = 0; i < nads; i++) {
    free(abytes[i]);
    free(anames[i]);
  }
  free(ads);
  free(abytes);
  free(anames);
  free(bytes);
  free(result);
  return status;
}

int wp_cmd_component(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "new")) return new_component(argc - 1, argv + 1);
  if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
    fputs(component_usage, stdout);
    fputs(component_help, stdout);
    return 0;
  }
  wp_cli_error("component: expected a subcommand: new");
  fputs(component_usage, stderr);
  return 2;
}
