/* The plugin layer's struct wasmplug_plugin_call (see call_layout_test.c). */
#include <stddef.h>

#include "plugin/internal.h"

void call_layout_plugin(size_t out[5]);
void call_layout_plugin(size_t out[5]) {
  out[0] = sizeof(struct wasmplug_plugin_call);
  out[1] = offsetof(struct wasmplug_plugin_call, arena);
  out[2] = offsetof(struct wasmplug_plugin_call, state);
  out[3] = offsetof(struct wasmplug_plugin_call, trapped);
  out[4] = offsetof(struct wasmplug_plugin_call, msg);
}
