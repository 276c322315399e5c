/*
** p2_gen.c — build tool: generates the wasi-p2 plugin's bindings
** (wp2.h/wp2.c) from plugins/wasi/wit/0.2.12 with the bindgen layer.
**
** Why not `wasmplug bindgen`: the wasmplug binary links the built-in
** wasi-p2 plugin, so it cannot exist before these bindings do.
**
** usage: wasi_p2_gen WIT_DIR OUT_DIR VERSION
*/
#include <stdio.h>
#include <stdlib.h>

#include "bindgen/bindgen.h"

/* The plugin's configuration: how a host (the CLI for the built-in copy,
** the user for wasi-p2.so) hands it the guest's capabilities.  List values
** are space-separated items, each percent-encoded (%20 space, %2C comma,
** %25 percent). */
static const wp_bindgen_option_t options[] = {
    {"args", "string", "", "the guest's arguments (argv[0] first): space-separated, %-encoded"},
    {"env", "string", "", "environment: NAME=VALUE items (NAME alone: the host's value), space-separated, %-encoded"},
    {"inherit-env", "bool", "false", "give the guest the host's whole environment"},
    {"dir", "string", "", "preopened directories HOST[::GUEST], space-separated, %-encoded"},
    {"dir-ro", "string", "", "read-only preopened directories HOST[::GUEST], space-separated, %-encoded"},
    {"allow-network", "bool", "false", "allow wasi:sockets (denied by default)"},
};

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: wasi_p2_gen WIT_DIR OUT_DIR VERSION\n");
    return 2;
  }
  wp_bindgen_opts_t o = {0};
  o.side = WP_BINDGEN_PLUGIN;
  o.wit_path = argv[1];
  o.world = "provides";
  o.out_dir = argv[2];
  o.prefix = "wp2";
  o.plugin_name = "wasi-p2";
  o.plugin_version = argv[3];
  o.options = options;
  o.noptions = sizeof options / sizeof options[0];
  o.services = "wp2_services"; /* p2_service.c: wasmplug/io.h */
  o.nservices = 1;
  char *err = NULL;
  if (wp_bindgen_c(&o, &err)) {
    fprintf(stderr, "wasi_p2_gen: %s\n", err ? err : "failed");
    free(err);
    return 1;
  }
  return 0;
}
