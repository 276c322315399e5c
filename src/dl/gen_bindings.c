/*
** gen_bindings.c — a build-time tool: writes the plugin-side C bindings of
** wasi:dl (src/dl/wit/dl.wit) with the project's bindgen.
**
** Why not `wasmplug bindgen`: the dl layer is part of libwasmplug, which the
** `wasmplug` command links, so generating its sources with that command
** would be a build cycle.  This tool is the same generator (src/bindgen)
** linked only with the WIT layer.
**
** usage: wp_dl_bindgen WIT OUT_DIR VERSION
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bindgen/bindgen.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s WIT OUT_DIR VERSION\n", argv[0]);
    return 2;
  }
  /* Keep in sync with the option table documented in src/dl/dl.h. */
  static const wp_bindgen_option_t options[] = {
      {"allow", "string", "",
       "wasi:dl allowlist: ';'-separated LIB[:SYM[:PIN]+...] entries (docs/wasi-dl.md); empty denies all"},
  };
  wp_bindgen_opts_t o;
  memset(&o, 0, sizeof o);
  o.side = WP_BINDGEN_PLUGIN;
  o.wit_path = argv[1];
  o.out_dir = argv[2];
  o.prefix = "wasi_dl";
  o.plugin_name = "wasi-dl";
  o.plugin_version = argv[3];
  o.options = options;
  o.noptions = sizeof options / sizeof options[0];
  if (mkdir(o.out_dir, 0777) && errno != EEXIST) {
    fprintf(stderr, "wp_dl_bindgen: cannot create %s: %s\n", o.out_dir, strerror(errno));
    return 1;
  }
  char *err = NULL;
  if (wp_bindgen_c(&o, &err)) {
    fprintf(stderr, "wp_dl_bindgen: %s\n", err ? err : "out of memory");
    free(err);
    return 1;
  }
  return 0;
}
