/*
** fake_host.h — a minimal host for calling native plugins directly in tests:
** the 1.0 host table (per-call arena, trap capture, config lookup with the
** descriptor's defaults), and helpers to load a plugin and make calls.
** Structs passed to plugins are written by hand from the native layout
** rules (cabi.h), never taken from generated headers, so the tests check
** the generator too.
*/
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmplug/plugin.h"

#define FH_MAX_OPTS 8

struct wasmplug_plugin_config {
  const wasmplug_plugin_t *desc;
  const char *keys[FH_MAX_OPTS], *values[FH_MAX_OPTS];
  int n;
};

typedef struct fh_block {
  struct fh_block *next;
  max_align_t data[];
} fh_block_t;

/* What host->deadline and host->interrupted (plugin ABI 1.1, 1.4) answer
** for a call, and how often the plugin asked. */
typedef struct fh_limits {
  uint64_t deadline;        /* CLOCK_MONOTONIC ns; 0: none */
  const _Atomic bool *stop; /* interrupted once true (NULL: never) */
  _Atomic int asked;        /* interrupted/deadline calls */
} fh_limits_t;

struct wasmplug_plugin_call {
  void *state;
  fh_block_t *blocks;
  char trap[512];
  bool trapped;
  fh_limits_t *limits; /* NULL: no deadline, never interrupted */
};

typedef struct {
  void *dl;
  const wasmplug_plugin_t *desc;
  wasmplug_plugin_config_t config;
  void *plugin_state;
} fh_plugin_t;

extern const wasmplug_host_api_t fh_host;

/* dlopen + entry + init with "key=value" settings (NULL-terminated).
** Returns 0, or -1 with a message printed. */
int fh_load(fh_plugin_t *p, const char *so, const char *const *settings);
void fh_unload(fh_plugin_t *p);
void *fh_instance(fh_plugin_t *p);
void fh_instance_drop(fh_plugin_t *p, void *inst);
/* Calls function `name` ("ns:pkg/iface@v#f"); result storage is zeroed
** first.  Returns the plugin's status; call memory stays valid until
** fh_call_end. */
int fh_call(fh_plugin_t *p, void *inst, wasmplug_plugin_call_t *call, const char *name,
            const void *params, void *result, size_t result_size);
/* fh_call with a deadline and an interrupt flag (lim outlives the call). */
int fh_call_limited(fh_plugin_t *p, void *inst, wasmplug_plugin_call_t *call, const char *name,
                    const void *params, void *result, size_t result_size, fh_limits_t *lim);
void fh_call_end(wasmplug_plugin_call_t *call);
void fh_drop(fh_plugin_t *p, void *inst, const char *resource, uint32_t rep);

#endif
