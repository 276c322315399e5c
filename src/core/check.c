/*
** check.c — validation without compilation, for the layers that embed core
** modules: a component's core modules are validated when the component is
** loaded (so `wasmplug wit` refuses an invalid one too), before anything is
** compiled.  Only the decoder and the validator are involved: this file
** and its callees need nothing of the compilers.
*/
#include <stdlib.h>
#include <string.h>

#include "internal.h"

wasmplug_error_t *wasmplug_module_validate(const uint8_t *bytes, size_t len, const char *name) {
  wp_modinfo_t info;
  memset(&info, 0, sizeof info);
  if (!name) name = "module";
  char *err = wp_modinfo_decode(bytes, len, name, &info);
  if (!err) err = wp_modinfo_validate(bytes, len, name, &info);
  wp_modinfo_free(&info);
  if (!err) return NULL;
  wasmplug_error_t *e = wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s", err);
  free(err);
  return e;
}
