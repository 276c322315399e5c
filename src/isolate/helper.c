/*
** helper.c — the helper process of an isolated plugin (`wasmplug
** plugin-host`, hidden; wasmplug_plugin_host_main in wasmplug/host.h):
**   plugin-host --fd N [--ring R] [--allow A:B:...] [--dir D:E:...]
**               [--rlimit-as N] PATH [CONFIG]
** It maps the shared-memory ring the host made (fd R, closed then), confines
** itself completely (sandbox.c) and only then loads the plugin — its
** constructors, its init, everything of it runs confined — and serves the
** one connection on fd N and the ring (the host passes 3 and 4).
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
  int ring_fd = -1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--fd") && i + 1 < argc) o.keep_fd = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--ring") && i + 1 < argc) ring_fd = atoi(argv[++i]);
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
  if (o.keep_fd < 3 || !o.plugin_path || (ring_fd >= 0 && (ring_fd < 3 || ring_fd == o.keep_fd))) {
    fprintf(stderr, "wasmplug: error: plugin-host: usage: wasmplug plugin-host --fd N [--ring R] [--allow L] "
                    "[--dir D] [--rlimit-as N] PATH [CONFIG] (started by the host for --plugin PATH,isolate)\n");
    return 2;
  }
  /* The ring is mapped before the sandbox (which then needs no mmap of
  ** shared memory), and its descriptor closed: the mapping is all the
  ** helper keeps. */
  wp_rpc_ring_t *ring = NULL;
  if (ring_fd >= 0) {
    char rwhy[200];
    ring = wp_rpc_ring_map(ring_fd, rwhy, sizeof rwhy);
    close(ring_fd);
    if (!ring) {
      fprintf(stderr, "wasmplug: error: plugin %s: %s\n", o.plugin_path, rwhy);
      _exit(1);
    }
  }
  /* The host's interrupt notices (rpc.h): set before the plugin loads,
  ** so that the signal never finds its default action (the end). */
  wp_rpc_stop_signal_install(WP_RPC_STOP_SIGNAL);
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
      wp_rpc_server_run(s, o.keep_fd, ring);
      wasmplug_plugin_server_delete(s);
      return 0;
    }
  }
  free(inside);
  wp_rpc_server_refuse(o.keep_fd, ring, wasmplug_error_message(e));
  wasmplug_error_delete(e);
  /* fini may need system calls the filter forbids: the process ends here */
  _exit(1);
}
