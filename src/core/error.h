/*
** error.h — one helper every layer uses with wasmplug_error_t (wasmplug.h):
** giving an error that came from below the kind it has at this layer's
** boundary, when it has none yet.
*/
#ifndef WASMPLUG_CORE_ERROR_H
#define WASMPLUG_CORE_ERROR_H

#include "wasmplug.h"

/* err itself when it is NULL or already has a kind, else an error of
** `kind` with the same message (err is consumed). */
static inline wasmplug_error_t *wp_error_as(wasmplug_error_t *err, wasmplug_error_kind_t kind) {
  if (!err || wasmplug_error_kind(err) != WASMPLUG_ERROR_OTHER) return err;
  wasmplug_error_t *e = wasmplug_error_new_kind(kind, "%s", wasmplug_error_message(err));
  wasmplug_error_delete(err);
  return e;
}

#endif
