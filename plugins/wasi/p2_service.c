/*
** p2_service.c — the io service (wasmplug/io.h): other plugins make
** streams and pollables in this plugin's per-instance table, so that the
** guest reads them with wasi:io/streams and waits on them with
** wasi:io/poll next to its sockets, files and clocks.  The objects call
** back through the other plugin's ops (p2_io.c checks for them first).
*/
#include <stdlib.h>

#include "p2.h"

/* The table of the guest whose host-side instance state is `io`. */
static wp2_inst_t *inst_of(void *io) { return (wp2_inst_t *)wp2_instance_user(io); }

static int make_stream(void *io, wp2_kind_t kind, const wasmplug_io_ops_t *ops, void *ctx, uint32_t *rep) {
  wp2_inst_t *in = inst_of(io);
  if (!in || !ops || !ops->ready || !ops->release || (kind == WP2_INSTREAM ? !ops->read : !ops->write || !ops->check_write))
    return 1;
  wp2_obj_t *o = wp2_obj_new(in, kind, rep);
  if (!o) return 1;
  o->u.stream.fd = -1;
  o->u.stream.ops = ops;
  o->u.stream.ctx = ctx;
  return 0;
}

static int io_input_stream(void *io, const wasmplug_io_ops_t *ops, void *ctx, uint32_t *rep) {
  return make_stream(io, WP2_INSTREAM, ops, ctx, rep);
}

static int io_output_stream(void *io, const wasmplug_io_ops_t *ops, void *ctx, uint32_t *rep) {
  return make_stream(io, WP2_OUTSTREAM, ops, ctx, rep);
}

static int io_pollable(void *io, const wasmplug_io_ops_t *ops, void *ctx, uint32_t *rep) {
  wp2_inst_t *in = inst_of(io);
  if (!in || !ops || !ops->ready || !ops->release) return 1;
  wp2_obj_t *o = wp2_obj_new(in, WP2_POLLABLE, rep);
  if (!o) return 1;
  o->u.poll.kind = WP2_POLL_CUSTOM;
  o->u.poll.fd = -1;
  o->u.poll.ops = ops;
  o->u.poll.ctx = ctx;
  return 0;
}

static bool io_error_source(void *io, uint32_t rep, const wasmplug_io_ops_t *ops, uint32_t *code) {
  wp2_inst_t *in = inst_of(io);
  wp2_obj_t *o = in ? wp2_obj_get(in, rep, WP2_ERROR) : NULL;
  if (!o || !o->u.error.ops || o->u.error.ops != ops) return false;
  *code = o->u.error.ops_code;
  return true;
}

static const wasmplug_io_t io_service = {
    sizeof(wasmplug_io_t), io_input_stream, io_output_stream, io_pollable, io_error_source,
};

const wasmplug_plugin_service_t wp2_services[1] = {{WASMPLUG_IO_SERVICE, &io_service}};
