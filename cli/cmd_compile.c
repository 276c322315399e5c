/*
** cmd_compile.c — `wasmplug compile`: build the optimized tier ahead of time.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wasmplug.h"

static const char compile_usage[] = "usage: wasmplug compile [-o OUT] FILE\n";
static const char compile_help[] =
    "Compiles FILE's optimized tier (C + cc -O1; -Og for cold functions: huge ones\n"
    "mostly outside loops and those only they call; -O2 with SIMD) into the cache\n"
    "so later runs start fast.  FILE is a core module or a component (every\n"
    "core module in it is compiled).  With -o, also writes OUT: a self-contained\n"
    "artifact (native code plus the module or component) that `wasmplug run\n"
    "--allow-precompiled OUT` runs without the cache or a compiler.  Artifacts\n"
    "are native code, refused unless --allow-precompiled says you trust them:\n"
    "run only your own.\n"
    "\n"
    "options:\n"
    "  -o OUT       write an artifact\n"
    "  -h, --help   this help\n";

int wp_cmd_compile(int argc, char **argv) {
  const char *out = NULL, *file = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fputs(compile_usage, stdout);
      fputs(compile_help, stdout);
      return 0;
    }
    if (!strcmp(argv[i], "-o")) {
      if (i + 1 >= argc) {
        wp_cli_error("option '-o' needs a value");
        fputs(compile_usage, stderr);
        return 2;
      }
      out = argv[++i];
    } else if (argv[i][0] == '-' && argv[i][1]) {
      wp_cli_error("unknown option '%s'", argv[i]);
      fputs(compile_usage, stderr);
      return 2;
    } else if (!file) {
      file = argv[i];
    } else {
      wp_cli_error("unexpected argument '%s'", argv[i]);
      fputs(compile_usage, stderr);
      return 2;
    }
  }
  if (!file) {
    wp_cli_error("missing FILE");
    fputs(compile_usage, stderr);
    return 2;
  }
  size_t len;
  uint8_t *bytes = wp_cli_read_file(file, &len);
  if (!bytes) return 1;
  int status = 1, shown = 0;
  wasmplug_config_t *config = wasmplug_config_new();
  wasmplug_engine_t *engine = NULL;
  wasmplug_module_t *module = NULL;
  wasmplug_component_t *component = NULL;
  wasmplug_error_t *err = NULL;
  if (!config) { wp_cli_error("out of memory"); goto done; }
  wasmplug_config_tier_set(config, WASMPLUG_TIER_OPTIMIZED);
  wasmplug_config_progress_set(config, wp_cli_progress, &shown);
  if ((err = wasmplug_engine_new(config, &engine))) goto done;
  if (wasmplug_bytes_is_component(bytes, len)) {
    if ((err = wasmplug_component_new(engine, bytes, len, file, &component))) goto done;
    if (out && (err = wasmplug_component_serialize(component, out))) goto done;
  } else {
    if ((err = wasmplug_module_new(engine, bytes, len, file, &module))) goto done;
    if (out && (err = wasmplug_module_serialize(module, out))) goto done;
  }
  status = 0;
done:
  if (err) wp_cli_error("%s", wasmplug_error_message(err));
  wasmplug_error_delete(err);
  wasmplug_module_delete(module);
  wasmplug_component_delete(component);
  wasmplug_engine_delete(engine);
  wasmplug_config_delete(config);
  free(bytes);
  return status;
}
