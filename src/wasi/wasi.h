/*
** wasi.h — the WASI layer's public header.
**
** A wp_wasi_ctx_t is everything a WASI guest may see of the host: its
** arguments, the environment variables it was given (and no others), the
** directories it may reach (preopens, optionally read-only) and the host
** file descriptors that serve as its stdin/stdout/stderr.  One context serves
** one guest "process"; it is not thread-safe.
**
** wp_wasi_p1_define() puts every `wasi_snapshot_preview1` function on a
** linker, bound to a context.  The WASI 0.2 plugins build on the same
** context and the same OS layer (src/wasi/os.h), so file, clock and
** random logic exist once.
**
** Ownership: the context copies every string it is given.  It must outlive
** the linker it was defined on and every instance created through it.
*/
#ifndef WASMPLUG_WASI_H
#define WASMPLUG_WASI_H

#include <stdbool.h>
#include <stddef.h>

#include "wasmplug.h"
#include "wasmplug/host.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wp_wasi_ctx wp_wasi_ctx_t;

/* A context with no args, no env, no preopens and stdio on host fds 0/1/2
** (NULL when out of memory). */
wp_wasi_ctx_t *wp_wasi_ctx_new(void);
/* A context holding what the capability object grants (wasmplug/host.h):
** its arguments, its environment (wp_wasi_caps_env_list), its directories
** preopened now as guest fds 3, 4, ... in order, its stdio.  Fails,
** naming the path, when a directory cannot be opened. */
wasmplug_error_t *wp_wasi_ctx_new_config(const wasmplug_wasi_config_t *config, wp_wasi_ctx_t **out);
/* Closes every host fd the context opened (never the stdio fds: their
** flags are put back as wp_wasi_ctx_restore_stdio does). */
void wp_wasi_ctx_delete(wp_wasi_ctx_t *ctx);
/* Of a context's teardown, the part the process's exit would not do: the
** stdio fds' file status flags the guest changed put back (they are the
** caller's open files, shared with other processes).  Frees and closes
** nothing: the lean exit (wasmplug_host_exit) calls it instead of
** wp_wasi_ctx_delete. */
void wp_wasi_ctx_restore_stdio(wp_wasi_ctx_t *ctx);

/* Appends one argument (argv[0] is the first one pushed: usually the
** program's name). */
wasmplug_error_t *wp_wasi_ctx_push_arg(wp_wasi_ctx_t *ctx, const char *arg);

/* Adds NAME=VALUE to the guest's environment.  NAME must be non-empty and
** contain no '='; a later definition of the same NAME replaces the earlier. */
wasmplug_error_t *wp_wasi_ctx_push_env(wp_wasi_ctx_t *ctx, const char *name,
                                       const char *value);

/* Makes host directory `host` visible to the guest as `guest` (guest file
** descriptors 3, 4, ... in the order of these calls).  The guest can reach
** nothing outside it: not through "..", absolute paths nor symlinks.  When
** `readonly`, nothing beneath it can be created, written, renamed, removed
** or have its times changed.  Fails (naming the path) when `host` cannot be
** opened as a directory. */
wasmplug_error_t *wp_wasi_ctx_preopen(wp_wasi_ctx_t *ctx, const char *host,
                                      const char *guest, bool readonly);

/* Which host fds serve as the guest's fds 0, 1 and 2 (borrowed: never
** closed by the context; default 0, 1, 2).  Call before the guest runs. */
void wp_wasi_ctx_set_stdio(wp_wasi_ctx_t *ctx, int in, int out, int err);

/* Defines every function of `wasi_snapshot_preview1` (the full witx list)
** on `linker`, bound to `ctx`.  Functions the host cannot support return
** ENOSYS/ENOTSUP to the guest; proc_exit ends the guest with
** wasmplug_trap_new_exit(status). */
wasmplug_error_t *wp_wasi_p1_define(wasmplug_linker_t *linker,
                                    wp_wasi_ctx_t *ctx);

#ifdef __cplusplus
}
#endif

#endif /* WASMPLUG_WASI_H */
