/*
** p2_caps.c — the host side of the built-in wasi-p2 plugin: registers it
** (linked in, not dlopen'd) on a plugin set with the host's capability
** object as its plugin state.  Not part of wasi-p2.so, which reads the
** same capabilities from its `--plugin wasi-p2.so,...` configuration.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2.h"
#include "plugin/plugin.h"

wasmplug_error_t *wp_wasi_p2_register(struct wp_plugin_set *set, const wasmplug_wasi_config_t *caps) {
  return wp_plugin_set_add_builtin_data(set, wp_wasi_p2_entry, "wasi-p2", NULL, (void *)caps);
}
