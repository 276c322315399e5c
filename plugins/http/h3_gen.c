/*
** h3_gen.c — build tool: generates the wasi-http-p3 plugin's bindings
** (wh3.h/wh3.c) from its WIT folder with the bindgen layer (as h_gen.c
** does for wasi-http), and wh3_names.h: wasi:http 0.2 and 0.3 name their
** functions alike (wasi_http_types_..., the interface without its version)
** and both plugins are linked into libwasmplug, so every function wh3.h
** declares is renamed wh3_<name> in the files of wasi-http-p3 (the header
** is force-included in each; p3_gen.c does the same for wasi-p3).
**
** usage: wasi_http_p3_gen WIT_DIR OUT_DIR VERSION
*/
#include <stdio.h>
#include <stdlib.h>

#include "bindgen/bindgen.h"
#include "../common/gen_names.h" /* wh3_names.h */

/* The same options as wasi-http's (h_gen.c): one grant list for both. */
static const wp_bindgen_option_t options[] = {
    {"allow-http", "string", "",
     "hosts outgoing requests may reach: HOST or HOST:PORT items (* any host), space-separated; "
     "none by default"},
    {"max-body", "u64", "0", "largest outgoing-request or incoming-response body in bytes (0: no limit)"},
};

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: wasi_http_p3_gen WIT_DIR OUT_DIR VERSION\n");
    return 2;
  }
  wp_bindgen_opts_t o = {0};
  o.side = WP_BINDGEN_PLUGIN;
  o.wit_path = argv[1];
  o.world = "provides";
  o.out_dir = argv[2];
  o.prefix = "wh3";
  o.plugin_name = "wasi-http-p3";
  o.plugin_version = argv[3];
  o.options = options;
  o.noptions = sizeof options / sizeof options[0];
  char *err = NULL;
  if (wp_bindgen_c(&o, &err)) {
    fprintf(stderr, "wasi_http_p3_gen: %s\n", err ? err : "failed");
    free(err);
    return 1;
  }
  return wp_gen_names_header("wasi_http_p3_gen", argv[2], "wh3");
}
