/*
** core.h — the core-module guest path of the plugin layer, shared by
** core_call.c (what runs when a guest calls a plugin import) and
** core_link.c (defining those imports on a linker).
*/
#ifndef WASMPLUG_PLUGIN_CORE_H
#define WASMPLUG_PLUGIN_CORE_H

#include "plugin/internal.h"

/* One defined import: everything a call needs, computed at link time. */
typedef struct core_bind {
  wp_plugin_instances_t *g;
  wp_plugin_inst_t *inst;         /* the plugin's state for this guest */
  void *state;                    /* inst->state, one load less per call */
  const char *plugin, *qualified; /* for messages (owned by the plugin, or name) */
  /* A [resource-drop]'s qualified: a copy of its resource's name, which
  ** the plugin state's teardown frees while calls may still come (and
  ** trap, naming it). */
  char *name;
  wp_cabi_native_fn_t native;     /* the plugin function (wp_cabi_native_run) */
  wasmplug_plugin_flat_fn flat;   /* its flat entry (plugin ABI 1.5), or NULL */
  /* The direct word entries' hot fields, next to native: a fresh call of
  ** native on g->arena but its message (copied per call), g->handles (one
  ** load less per borrow; the same table while !g->dead, which every call
  ** checks first: teardown frees it), and for bit i of borrows (param i
  ** is a borrow<>) its resource.  handles and bres[] are not NULL when
  ** borrows is not 0 (wp_plugin_core_direct). */
  wp_cabi_call_head_t call;
  wp_cabi_handles_t *handles;
  /* The word and flat entries' call handle: fresh (`call` and an empty
  ** message) between calls, so a call does not copy the head in.  One per
  ** binding is enough: calls of one guest's plugin state never overlap
  ** (its arena, g->arena, is shared the same way), and a handle is dead
  ** once its call returned (plugin ABI).  word_end makes it fresh again
  ** after a call that trapped or used the arena. */
  struct wasmplug_plugin_call live;
  const wp_cabi_resource_t *bres[4];
  uint8_t borrows;
  const wp_cabi_func_t *f;
  wp_cabi_core_sig_t sig;
  wp_cabi_native_args_t args;
  uint32_t res_size, res_align;
  uint32_t flat_at[64];           /* flat index of each param (direct form) */
  bool scalar;                    /* no memory, no handles: no guest view */
  bool ints;                      /* integers and handles only: the fast path */
  bool i32s;                      /* every flat param an i32 (to_flat needs no switch) */
  /* The fast path's kinds, copied out of f (no pointer chasing per call):
  ** each param's, the result's (0 when none). */
  uint8_t pkind[8], rkind;
  const wp_cabi_resource_t *res;  /* [resource-drop] imports */
  /* Top-level own<> params (flat index, resource): if lifting fails after
  ** one was moved out of the guest's table, its destructor must still run. */
  uint32_t nown;
  uint32_t own_flat[WP_CABI_MAX_FLAT_PARAMS];
  const wp_cabi_resource_t *own_res[WP_CABI_MAX_FLAT_PARAMS];
} core_bind_t;

/* Host callbacks (env = core_bind_t) and the finalizer of their env. */
wasmplug_trap_t *wp_plugin_core_call(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *v, size_t nv);
wasmplug_trap_t *wp_plugin_core_fast_call(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *v, size_t nv);
wasmplug_trap_t *wp_plugin_core_drop(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *v, size_t nv);
void wp_plugin_core_bind_free(void *env);
/* The direct entry (wasmplug_linker_define_func_direct) of an import of
** core type t: the fast path's (fast: cb is wp_plugin_core_fast_call) or
** the general one's (cb is wp_plugin_core_call), or NULL when no entry has
** that shape. */
void *wp_plugin_core_direct(core_bind_t *b, const wasmplug_functype_t *t, bool fast);
/* Points g's canonical-ABI view of the guest at its memory and realloc. */
void wp_plugin_core_instances_init(wp_plugin_instances_t *g);

#endif
