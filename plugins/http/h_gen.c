/*
** h_gen.c — build tool: generates the wasi-http plugin's bindings
** (wh.h/wh.c) from its WIT folder with the bindgen layer (as p2_gen.c
** does for wasi-p2, and for the same reason: the wasmplug binary links the
** plugin, so it cannot exist before these bindings do).
**
** usage: wasi_http_gen WIT_DIR OUT_DIR VERSION
*/
#include <stdio.h>
#include <stdlib.h>

#include "bindgen/bindgen.h"

/* The plugin's configuration.  List values are space-separated items, each
** percent-encoded (%20 space, %2C comma, %25 percent), as wasi-p2's. */
static const wp_bindgen_option_t options[] = {
    {"allow-http", "string", "",
     "hosts outgoing requests may reach: HOST or HOST:PORT items (* any host), space-separated; "
     "none by default"},
    {"max-body", "u64", "0", "largest outgoing-request or incoming-response body in bytes (0: no limit)"},
};

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: wasi_http_gen WIT_DIR OUT_DIR VERSION\n");
    return 2;
  }
  wp_bindgen_opts_t o = {0};
  o.side = WP_BINDGEN_PLUGIN;
  o.wit_path = argv[1];
  o.world = "provides";
  o.out_dir = argv[2];
  o.prefix = "wh";
  o.plugin_name = "wasi-http";
  o.plugin_version = argv[3];
  o.options = options;
  o.noptions = sizeof options / sizeof options[0];
  char *err = NULL;
  if (wp_bindgen_c(&o, &err)) {
    fprintf(stderr, "wasi_http_gen: %s\n", err ? err : "failed");
    free(err);
    return 1;
  }
  return 0;
}
