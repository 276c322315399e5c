/*
** test_loader.c — the runtime's plugin loader accepts wasi:dl as a built-in
** (descriptor, WIT and function table checked exactly like a .so's), routes
** its `allow` option, and refuses a bad allowlist at load time.
*/
#include <stdio.h>
#include <string.h>

#include "dl/dl.h"
#include "plugin/plugin.h"
#include "../check.h"

int main(void) {
  wp_plugin_set_t *set = wp_plugin_set_new();
  wasmplug_error_t *e = wp_plugin_set_add_builtin(set, wp_dl_plugin_entry, "wasi-dl",
                                                  "allow=libsqlite3.so.0:sqlite3_open:(pointer+pointer)->c-int");
  if (e) fprintf(stderr, "add_builtin: %s\n", wasmplug_error_message(e));
  CHECK(e == NULL);
  CHECK(wp_plugin_set_count(set) == 1);
  if (wp_plugin_set_count(set) == 1) {
    const wasmplug_plugin_t *d = wp_plugin_descriptor(wp_plugin_set_get(set, 0));
    CHECK(!strcmp(d->name, "wasi-dl"));
    CHECK(d->noptions == 1 && !strcmp(d->options[0].name, WP_DL_OPTION_ALLOW) && !strcmp(d->options[0].type, "string"));
    bool ffi = false, dll = false;
    for (uint32_t i = 0; i < d->nfuncs; i++) {
      ffi |= !strcmp(d->funcs[i].name, "wasi:dl/ffi@0.2.0-draft#[static]alloc.new");
      dll |= !strcmp(d->funcs[i].name, "wasi:dl/dll@0.2.0-draft#[method]function.call");
    }
    CHECK(ffi && dll && d->nfuncs == 44 && d->nresources == 9);
  }
  /* a guest instance of it, then teardown */
  wp_plugin_instances_t *g = NULL;
  e = wp_plugin_instances_new(set, &g);
  CHECK(e == NULL);
  wp_plugin_instances_delete(g);
  wp_plugin_set_delete(set);

  /* a bad allowlist refuses the load */
  set = wp_plugin_set_new();
  e = wp_plugin_set_add_builtin(set, wp_dl_plugin_entry, "wasi-dl", "allow=libx.so:f:(c-int");
  CHECK(e != NULL && strstr(wasmplug_error_message(e), "allow"));
  if (e) wasmplug_error_delete(e);
  CHECK(wp_plugin_set_count(set) == 0);
  wp_plugin_set_delete(set);

  printf("dl loader: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
