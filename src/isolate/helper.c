/*
** helper.c — the helper process of an isolated plugin (`wasmplug
** plugin-host`, hidden; wasmplug_plugin_host_main in wasmplug/host.h):
**   plugin-host --fd N [--allow A:B:...] [--dir D:E:...] [--rlimit-as N]
**               PATH [CONFIG]
** It confines itself completely (sandbox.c) and only then loads the plugin
** — its constructors, its init, everything of it runs confined — and
** serves the one connection on fd N (the host passes 3).
*/
#include "isolate/rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int wasmplug_plugin_host_main(int argc, char **argv) {
  wp_sandbox_opts_t o = {0};
  o.keep_fd = -1;
  const char *config = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--fd") && i + 1 < argc) o.keep_fd = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--allow") && i + 1 < argc) o.allow = argv[++i];
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc) o.dirs = argv[++i];
    else if (!strcmp(argv[i], "--rlimit-as") && i + 1 < argc) o.rlimit_as = argv[++i];
    else if (!o.plugin_path) o.plugin_path = argv[i];
    else if (!config) config = argv[i];
    else {
      fprintf(stderr, "wasmplug: error: plugin-host: unexpected argument '%s'\n", argv[i]);
      return 2;
    }
  }
  if (o.keep_fd < 3 || !o.plugin_path) {
    fprintf(stderr, "wasmplug: error: plugin-host: usage: wasmplug plugin-host --fd N [--allow L] [--dir D] "
                    "[--rlimit-as N] PATH [CONFIG] (started by the host for --plugin PATH,isolate)\n");
    return 2;
  }
  char *inside = NULL;
  char *why = wp_sandbox_enter(&o, &inside);
  wasmplug_error_t *e = NULL;
  if (why) {
    e = wasmplug_error_new("plugin %s: cannot sandbox its helper process: %s", o.plugin_path, why);
    free(why);
  } else {
    const char *path = inside ? inside : o.plugin_path;
    char *spec = wp_format("%s%s%s", path, config ? "," : "", config ? config : "");
    wasmplug_plugin_server_t *s = NULL;
    e = spec ? wasmplug_plugin_server_new(spec, &s) : wasmplug_error_new("out of memory");
    free(spec);
    if (!e) {
      free(inside);
      wasmplug_plugin_server_run_fd(s, o.keep_fd);
      wasmplug_plugin_server_delete(s);
      return 0;
    }
  }
  free(inside);
  wasmplug_plugin_server_refuse(o.keep_fd, wasmplug_error_message(e));
  wasmplug_error_delete(e);
  /* fini may need system calls the filter forbids: the process ends here */
  _exit(1);
}
