/*
** harness.c — see harness.h.
*/
#include "harness.h"


wasmplug_engine_t *h_engine(wasmplug_tier_t tier) {
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_tier_set(c, tier);
  wasmplug_engine_t *e = NULL;
  wasmplug_error_t *err = wasmplug_engine_new(c, &e);
  wasmplug_config_delete(c);
  if (err) {
    fprintf(stderr, "engine: %s\n", wasmplug_error_message(err));
    exit(2);
  }
  return e;
}

wasmplug_component_t *h_component(wasmplug_engine_t *e, const char *path, unsigned char **bytes) {
  size_t len;
  *bytes = read_fixture(NULL, path, &len);
  wasmplug_component_t *c = NULL;
  wasmplug_error_t *err = wasmplug_component_new(e, *bytes, len, path, &c);
  if (err) {
    fprintf(stderr, "component: %s\n", wasmplug_error_message(err));
    exit(2);
  }
  return c;
}

wasmplug_component_instance_t *h_instantiate(wasmplug_component_linker_t *l, wasmplug_component_t *c,
                                             char **msg) {
  wasmplug_component_instance_t *in = NULL;
  wasmplug_error_t *err = NULL;
  wasmplug_trap_t *trap = NULL;
  wasmplug_component_linker_instantiate(l, c, &in, &err, &trap);
  if (msg) *msg = NULL;
  if (err) {
    if (msg) *msg = strdup(wasmplug_error_message(err));
    else fprintf(stderr, "instantiate: %s\n", wasmplug_error_message(err));
    wasmplug_error_delete(err);
  }
  if (trap) {
    if (msg) *msg = strdup(wasmplug_trap_message(trap));
    else fprintf(stderr, "instantiate: %s\n", wasmplug_trap_message(trap));
    wasmplug_trap_delete(trap);
  }
  return in;
}

char *h_invoke(wasmplug_component_instance_t *in, const char *call) {
  char *text = NULL;
  wasmplug_error_t *err = NULL;
  wasmplug_trap_t *t = wasmplug_component_invoke_wave(in, call, &text, &err);
  char buf[2048];
  if (t) {
    snprintf(buf, sizeof buf, "trap: %s", wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
    return strdup(buf);
  }
  if (err) {
    snprintf(buf, sizeof buf, "error: %s", wasmplug_error_message(err));
    wasmplug_error_delete(err);
    return strdup(buf);
  }
  return text;
}

int h_matches(const char *got, const char *want) {
  size_t wl = strlen(want);
  if (wl && want[wl - 1] == '*') return !strncmp(got, want, wl - 1);
  return !strcmp(got, want);
}
