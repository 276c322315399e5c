/*
** call_layout_test.c — the component runtime (src/component/rt.h) and the
** plugin layer (src/plugin/internal.h) each define struct
** wasmplug_plugin_call: calls made by one are read by the other's host
** functions, so the two layouts must be identical.  This test fails the
** moment they drift.
*/
#include <stddef.h>
#include <stdio.h>

#include "component/rt.h"

void call_layout_plugin(size_t out[5]);

int main(void) {
  size_t p[5], c[5] = {sizeof(struct wasmplug_plugin_call), offsetof(struct wasmplug_plugin_call, arena),
                       offsetof(struct wasmplug_plugin_call, state), offsetof(struct wasmplug_plugin_call, trapped),
                       offsetof(struct wasmplug_plugin_call, msg)};
  call_layout_plugin(p);
  static const char *what[5] = {"size", "arena", "state", "trapped", "msg"};
  int bad = 0;
  for (int i = 0; i < 5; i++)
    if (p[i] != c[i]) {
      printf("FAIL struct wasmplug_plugin_call %s: plugin layer %zu, component runtime %zu\n", what[i], p[i], c[i]);
      bad = 1;
    }
  if (!bad) printf("struct wasmplug_plugin_call: layouts agree\n");
  return bad;
}
