/*
** wasmplug/io.h — wasi:io streams and pollables made by another plugin
** (a service of the WASI 0.2 plugin, plugin ABI 1.1).
**
** WASI 0.2 resources of one kind must live in one table: wasi:io/poll#poll
** takes pollables from sockets, clocks and streams alike, and a stream
** returned by wasi:http is read with wasi:io/streams' own functions.  So
** the plugin providing wasi:io (the built-in "wasi-p2", or wasi-p2.so)
** offers the service WASMPLUG_IO_SERVICE: another plugin (wasi:http's
** bodies, a blob store's reads...) makes input-streams, output-streams,
** pollables there, backed by callbacks of its own, and returns their reps
** to its guest as own<input-stream> and so on:
**
**   void *io_state;
**   const wasmplug_io_t *io = host->service(config, host->call_state(call),
**       "wasi:io/streams@0.2.0", WASMPLUG_IO_SERVICE, &io_state);
**   uint32_t rep;
**   if (io && io->input_stream(io_state, &body_ops, body, &rep) == 0)
**     result->rep = rep;            // an own<input-stream> for the guest
**
** The provider calls the ops back with `ctx` from the guest's thread, one
** call at a time for one guest; when other threads of the plugin feed the
** same ctx (a server's network thread), the plugin locks.  Readiness is
** told through a file descriptor (an eventfd or a pipe the plugin signals,
** or a socket) so that one poll(2) waits on everything the guest waits on.
*/
#ifndef WASMPLUG_IO_H
#define WASMPLUG_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The name of the service, under wasi:io/streams' provider. */
#define WASMPLUG_IO_SERVICE "wasmplug:io@1"

/* What read/write/check_write/flush return instead of a count. */
#define WASMPLUG_IO_CLOSED (-1) /* end of stream, or the stream is closed */
#define WASMPLUG_IO_FAILED (-2) /* the operation failed: `error` says why */

/* The callbacks behind one object (a static table, usually). */
typedef struct wasmplug_io_ops {
  uint32_t size; /* sizeof(wasmplug_io_ops_t) */
  /* Input streams: copies at most `len` bytes to buf and returns how many
  ** (0: nothing available yet), or CLOSED / FAILED. */
  int64_t (*read)(void *ctx, uint8_t *buf, uint64_t len);
  /* Output streams: how many bytes `write` takes now (0: none yet), or
  ** CLOSED / FAILED. */
  int64_t (*check_write)(void *ctx);
  /* Takes all `len` bytes (never more than check_write allowed): 0, or
  ** CLOSED / FAILED. */
  int64_t (*write)(void *ctx, const uint8_t *buf, uint64_t len);
  /* Pushes out what write buffered: 0, or CLOSED / FAILED.  NULL: nothing
  ** is ever buffered. */
  int64_t (*flush)(void *ctx);
  /* Readiness: true when a read/write would not return 0 now (data or
  ** room is there, or the stream ended or failed), or, for a pollable,
  ** when it is ready.  Otherwise false, with *fd a descriptor to wait on
  ** for *events (POLLIN/POLLOUT) that wakes when readiness may have
  ** changed, or -1; and *deadline a monotonic-clock time (ns) by which it
  ** will be ready, or 0.  The provider calls it again after waking. */
  bool (*ready)(void *ctx, int *fd, short *events, uint64_t *deadline);
  /* After FAILED: writes a message for wasi:io/error's to-debug-string and
  ** returns a code of the plugin's choosing (see error_source). */
  uint32_t (*error)(void *ctx, char *msg, size_t cap);
  /* An object made with ctx begins or ends: `retain` runs when the
  ** provider makes another object on the same ctx (a stream's subscribe
  ** pollable), `release` once per object when the guest drops it or its
  ** instance dies. */
  void (*retain)(void *ctx);
  void (*release)(void *ctx);
} wasmplug_io_ops_t;

/* The service table (host->service(..., WASMPLUG_IO_SERVICE, &io)). */
typedef struct wasmplug_io {
  uint32_t size; /* sizeof(wasmplug_io_t) as the provider was built */
  /* A new input-stream / output-stream / pollable of the guest, calling
  ** ops with ctx; *rep is what to return to the guest as own<...>.
  ** Returns 0, or non-zero when the guest has too many objects (nothing
  ** was made: release is not called). */
  int (*input_stream)(void *io, const wasmplug_io_ops_t *ops, void *ctx, uint32_t *rep);
  int (*output_stream)(void *io, const wasmplug_io_ops_t *ops, void *ctx, uint32_t *rep);
  int (*pollable)(void *io, const wasmplug_io_ops_t *ops, void *ctx, uint32_t *rep);
  /* For functions that interpret a wasi:io/error (wasi:http's
  ** http-error-code): true when error `rep` (borrowed from the guest)
  ** comes from a FAILED operation of an object made with `ops`; *code is
  ** then what ops->error returned. */
  bool (*error_source)(void *io, uint32_t rep, const wasmplug_io_ops_t *ops, uint32_t *code);
} wasmplug_io_t;

#ifdef __cplusplus
}
#endif

#endif /* WASMPLUG_IO_H */
