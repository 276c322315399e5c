/*
** cmd_bindgen.c — `wasmplug bindgen c (--plugin|--guest) WIT [--world W] -o DIR`:
** writes C bindings for a native plugin or a wasm32-wasi guest (see
** src/bindgen/bindgen.h for what each side gets).
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <sys/stat.h>

#include "cli.h"
#include "wasmplug/wit.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: wasmplug bindgen c --plugin WIT [--world W] -o DIR [plugin options]\n"
          "       wasmplug bindgen c --guest WIT [--world W] -o DIR\n"
          "\n"
          "Writes DIR/PREFIX.h and DIR/PREFIX.c: C types for every WIT type (in the\n"
          "canonical ABI's native layout) and the glue around plain C functions.\n"
          "WIT is a .wit file or a package directory (dependencies in WIT/deps/).\n"
          "\n"
          "  --plugin WIT        a native wasmplug plugin (.so) implementing the\n"
          "                      package's interfaces, or the world's exports; functions\n"
          "                      of <= 4 s32/u32/borrow params and no, s32 or u32 result\n"
          "                      also get a flat entry (plugin ABI 1.5)\n"
          "  --guest WIT         a wasm32-wasi guest: imports, exports, cabi_realloc\n"
          "  --world W           the world (required for --guest if the package has\n"
          "                      several)\n"
          "  -o DIR              output directory (created if its parent exists)\n"
          "  --prefix P          C name prefix (default: the world's name in snake_case,\n"
          "                      the one given or the package's only world, else the\n"
          "                      package's: the same for --plugin and --guest)\n"
          "  --stubs             also write DIR/PREFIX_stubs.c: a compilable skeleton of\n"
          "                      what you implement (never overwritten)\n"
          "  --short-names       name interfaces as briefly as stays unambiguous\n"
          "                      (store_get rather than wasi_keyvalue_store_get)\n"
          "guest options:\n"
          "  --command           the world exports wasi:cli/run: the bindings implement\n"
          "                      it as your main(); build a reactor (-mexec-model=reactor)\n"
          "                      for the reactor adapter; stdout is flushed at exit\n"
          "plugin options (the descriptor; the hooks init/fini/instance_new/\n"
          "instance_drop are optional, with defaults):\n"
          "  --name N            plugin name (default: the prefix, kebab-case)\n"
          "  --plugin-version V  plugin version (default 0.0.0)\n"
          "  --option NAME:TYPE:DOC   a configuration option; TYPE is string, bool,\n"
          "                      u64 or path (repeatable)\n"
          "  --default NAME=VALUE     the default value of option NAME\n");
}

/* Parses "NAME:TYPE:DOC" into o (pointers into arg, which is modified). */
static int parse_option(char *arg, wasmplug_bindgen_plugin_option_t *o) {
  char *a = strchr(arg, ':');
  char *b = a ? strchr(a + 1, ':') : NULL;
  if (!a || !b || a == arg) return -1;
  *a = 0;
  *b = 0;
  o->name = arg;
  o->type = a + 1;
  o->doc = b + 1;
  o->default_value = NULL;
  if (strcmp(o->type, "string") && strcmp(o->type, "bool") && strcmp(o->type, "u64") &&
      strcmp(o->type, "path"))
    return -1;
  return 0;
}

int wp_cmd_bindgen(int argc, char **argv) {
  wasmplug_bindgen_options_t o;
  memset(&o, 0, sizeof o);
  o.size = sizeof o;
  int have_side = 0;
  wasmplug_bindgen_plugin_option_t *opts = calloc((size_t)argc + 1, sizeof *opts);
  if (!opts) {
    wp_cli_error("out of memory");
    return 1;
  }
  int rc = 2;
  if (argc < 2 || strcmp(argv[1], "c")) {
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
      usage(stdout);
      rc = 0;
    } else {
      wp_cli_error("bindgen: the first argument is the language; only 'c' is supported");
      usage(stderr);
    }
    goto out;
  }
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      rc = 0;
      goto out;
    }
    if (!strcmp(a, "--stubs") || !strcmp(a, "--command") || !strcmp(a, "--short-names")) {
      o.flags |= a[2] == 's' ? (a[3] == 't' ? WASMPLUG_BINDGEN_STUBS : WASMPLUG_BINDGEN_SHORT_NAMES)
                             : WASMPLUG_BINDGEN_COMMAND;
      continue;
    }
    bool takes = !strcmp(a, "--plugin") || !strcmp(a, "--guest") || !strcmp(a, "--world") ||
                 !strcmp(a, "-o") || !strcmp(a, "--prefix") || !strcmp(a, "--name") ||
                 !strcmp(a, "--plugin-version") || !strcmp(a, "--option") || !strcmp(a, "--default");
    if (!takes) {
      wp_cli_error("bindgen: unknown argument '%s'", a);
      goto out;
    }
    if (!v) {
      wp_cli_error("bindgen: %s needs a value", a);
      goto out;
    }
    i++;
    if (!strcmp(a, "--plugin") || !strcmp(a, "--guest")) {
      if (have_side++) {
        wp_cli_error("bindgen: give exactly one of --plugin and --guest");
        goto out;
      }
      o.side = a[2] == 'g' ? WASMPLUG_BINDGEN_GUEST : WASMPLUG_BINDGEN_PLUGIN;
      o.wit_path = v;
    } else if (!strcmp(a, "--world")) {
      o.world = v;
    } else if (!strcmp(a, "-o")) {
      o.out_dir = v;
    } else if (!strcmp(a, "--prefix")) {
      o.prefix = v;
    } else if (!strcmp(a, "--name")) {
      o.plugin_name = v;
    } else if (!strcmp(a, "--plugin-version")) {
      o.plugin_version = v;
    } else if (!strcmp(a, "--option")) {
      if (parse_option(argv[i], &opts[o.nplugin_options])) {
        wp_cli_error("bindgen: --option '%s': expected NAME:TYPE:DOC with TYPE string, bool, u64 or path", v);
        goto out;
      }
      o.nplugin_options++;
    } else { /* --default NAME=VALUE */
      char *eq = strchr(argv[i], '=');
      size_t k = 0;
      if (eq) {
        *eq = 0;
        for (; k < o.nplugin_options; k++)
          if (!strcmp(opts[k].name, argv[i])) break;
      }
      if (!eq || k == o.nplugin_options) {
        wp_cli_error("bindgen: --default '%s': expected NAME=VALUE for an option declared before it", argv[i]);
        goto out;
      }
      opts[k].default_value = eq + 1;
    }
  }
  if (!have_side || !o.out_dir) {
    wp_cli_error("bindgen: need --plugin WIT or --guest WIT, and -o DIR");
    usage(stderr);
    goto out;
  }
  if (o.side == WASMPLUG_BINDGEN_PLUGIN && (o.flags & WASMPLUG_BINDGEN_COMMAND)) {
    wp_cli_error("bindgen: --command is for --guest bindings only");
    goto out;
  }
  if (o.side == WASMPLUG_BINDGEN_GUEST && o.nplugin_options) {
    wp_cli_error("bindgen: --option is for --plugin bindings only");
    goto out;
  }
  o.plugin_options = opts;
  /* the last path component is created, like `mkdir` (not -p) */
  if (mkdir(o.out_dir, 0777) && errno != EEXIST) {
    wp_cli_error("bindgen: cannot create %s: %s", o.out_dir, strerror(errno));
    rc = 1;
    goto out;
  }
  wasmplug_error_t *err = wasmplug_bindgen_c(&o);
  if (err) {
    wp_cli_error("bindgen: %s", wasmplug_error_message(err));
    wasmplug_error_delete(err);
    rc = 1;
    goto out;
  }
  rc = 0;
out:
  free(opts);
  return rc;
}
