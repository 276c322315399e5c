/*
** exit.c — the lean exit (wasmplug_host_exit, wasmplug/host.h): how a
** process that ran a guest ends without the teardown the kernel does anyway.
**
** Deleting the instance, the program, the host and the engine and then
** returning from main cost a warm start of a small command about a tenth
** of its time (bench/README.md, "Start time, eighth pass": teardown +1010
** µs of ~10 ms there, under load): frees over heap pages long gone cold,
** the unmapping of the code image and of the linear memory's reservation,
** the WASI context's closes, and above all the teardown code itself, whose
** pages are faulted in for nothing.  The kernel takes memory, mappings and
** descriptors back at exit whatever we do.  What it cannot do is run code:
** the plugins' destructors and finalizers (a resource's drop, a plugin
** instance's instance_drop, a plugin's fini, an isolated plugin's helper
** told to stop), and putting back the file status flags a guest changed on
** the caller's stdio, which are open files shared with other processes.
** Those run here, in the order the deletes run them; exit() then flushes
** stdio and runs atexit handlers as returning from main would.
**
** Off (full teardown, then the caller's own exit) in builds with
** AddressSanitizer, whose LeakSanitizer checks at exit that everything was
** freed — ctest's SANITIZE=1 run keeps checking every free of every path
** — and when $WASMPLUG_FULL_TEARDOWN is set (not "0"), to debug a teardown.
*/
#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define WP_LEAN_EXIT_BUILD 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define WP_LEAN_EXIT_BUILD 0
#endif
#endif
#ifndef WP_LEAN_EXIT_BUILD
#define WP_LEAN_EXIT_BUILD 1
#endif

bool wasmplug_lean_exit_enabled(void) {
  const char *full = getenv("WASMPLUG_FULL_TEARDOWN");
  return WP_LEAN_EXIT_BUILD && !(full && *full && strcmp(full, "0"));
}

void wasmplug_host_exit(wasmplug_host_t *h, wasmplug_program_instance_t *pi, int status) {
  /* Another live instance's plugin states would never see their drop:
  ** then, as for a misuse, nothing happens and the caller deletes all. */
  if (!h || (pi && pi->program->host != h) || h->live != (pi ? 1u : 0u) || !wasmplug_lean_exit_enabled()) return;
  if (pi && (pi->comp || wp_plugin_set_count(h->plugins) || wp_wasm_plugins_count(h->wasm_plugins))) {
    /* With plugins, teardown is mostly theirs: a component's resources'
    ** destructors call into them (wasi:io streams, wasm plugin
    ** instances), and a core instance's functions and linker hold the
    ** references that keep a plugin loaded until they go (its fini runs
    ** after).  All of it runs, as wasmplug_program_instance_delete does it. */
    wasmplug_program_instance_delete(pi);
  } else if (pi) {
    /* A core module without plugins: its instance, linker and preview1
    ** context hold memory, mappings and descriptors only. */
    wp_wasi_ctx_restore_stdio(pi->wasi);
  }
  wp_host_plugins_unload(h); /* fini, isolated helpers, wasm plugins' shared instances */
  exit(status);
}
