/*
** decode_canon.c — the canon section: lift, lower, resource.* and the
** async/stream/future/thread built-ins (decoded and index-checked even though
** they do not run yet), with canonical option validation (CanonicalABI.md
** "canonopt Validation", "canon lift", "canon lower").
*/
#include "component/internal.h"
#include "core/buf.h"

#include <stdio.h>
#include <string.h>

const char *wp_comp_canon_name(uint8_t op) {
  switch (op) {
    case 0x00: return "lift";
    case 0x01: return "lower";
    case 0x02: return "resource.new";
    case 0x03: return "resource.drop";
    case 0x04: return "resource.rep";
    case 0x05: return "task.cancel";
    case 0x06: return "subtask.cancel";
    case 0x09: return "task.return";
    case 0x0a: return "context.get";
    case 0x0b: return "context.set";
    case 0x0c: return "thread.yield";
    case 0x0d: return "subtask.drop";
    case 0x0e: return "stream.new";
    case 0x0f: return "stream.read";
    case 0x10: return "stream.write";
    case 0x11: return "stream.cancel-read";
    case 0x12: return "stream.cancel-write";
    case 0x13: return "stream.drop-readable";
    case 0x14: return "stream.drop-writable";
    case 0x15: return "future.new";
    case 0x16: return "future.read";
    case 0x17: return "future.write";
    case 0x18: return "future.cancel-read";
    case 0x19: return "future.cancel-write";
    case 0x1a: return "future.drop-readable";
    case 0x1b: return "future.drop-writable";
    case 0x1c: return "error-context.new";
    case 0x1d: return "error-context.debug-message";
    case 0x1e: return "error-context.drop";
    case 0x1f: return "waitable-set.new";
    case 0x20: return "waitable-set.wait";
    case 0x21: return "waitable-set.poll";
    case 0x22: return "waitable-set.drop";
    case 0x23: return "waitable.join";
    case 0x24: return "backpressure.inc";
    case 0x25: return "backpressure.dec";
    case 0x26: return "thread.index";
    case 0x27: return "thread.new-indirect";
    case 0x28: return "thread.resume-later";
    case 0x29: return "thread.suspend";
    case 0x2a: return "thread.suspend-then-resume";
    case 0x2b: return "thread.yield-then-resume";
    case 0x2c: return "thread.suspend-then-promote";
    case 0x2d: return "thread.yield-then-promote";
    case 0x40: return "thread.spawn-ref";
    case 0x41: return "thread.spawn-indirect";
    case 0x42: return "thread.available-parallelism";
    default: return "?";
  }
}

static void read_opts(wp_cx *cx, wp_rd *r, wp_scope *s, wp_comp_canon_opts *o) {
  uint32_t n = wp_count(cx, r, "canon option");
  int seen_enc = 0;
  memset(o, 0, sizeof *o);
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *at = r->p;
    uint8_t b = wp_u8(cx, r);
    switch (b) {
      case 0x00: case 0x01: case 0x02:
        if (seen_enc) wp_fail(cx, at, "string-encoding given more than once");
        seen_enc = 1;
        o->string_encoding = b;
        break;
      case 0x03: {
        if (o->has_memory) wp_fail(cx, at, "memory option given more than once");
        o->has_memory = 1;
        const uint8_t *iat = r->p;
        o->memory = wp_u32(cx, r);
        const wp_comp_core_extern *m =
            wp_space_get(cx, s, WP_COMP_SORT_CORE_MEMORY, o->memory, iat)->type;
        if (m->is64) wp_fail(cx, iat, "memory option: 64-bit memories are not supported");
        break;
      }
      case 0x04: case 0x05: case 0x07: {
        uint8_t *has = b == 0x04 ? &o->has_realloc : b == 0x05 ? &o->has_post_return
                                                               : &o->has_callback;
        uint32_t *idx = b == 0x04 ? &o->realloc : b == 0x05 ? &o->post_return : &o->callback;
        const char *nm = b == 0x04 ? "realloc" : b == 0x05 ? "post-return" : "callback";
        if (*has) wp_fail(cx, at, "%s option given more than once", nm);
        *has = 1;
        const uint8_t *iat = r->p;
        *idx = wp_u32(cx, r);
        wp_space_get(cx, s, WP_COMP_SORT_CORE_FUNC, *idx, iat);
        break;
      }
      case 0x06:
        if (o->is_async) wp_fail(cx, at, "async option given more than once");
        o->is_async = 1;
        break;
      case 0x08: {
        if (o->has_core_type) wp_fail(cx, at, "core-type option given more than once");
        o->has_core_type = 1;
        const uint8_t *iat = r->p;
        o->core_type = wp_u32(cx, r);
        wp_space_get(cx, s, WP_COMP_SORT_CORE_TYPE, o->core_type, iat);
        break;
      }
      case 0x09:
        if (o->gc) wp_fail(cx, at, "gc option given more than once");
        o->gc = 1;
        break;
      default:
        wp_fail(cx, at, "unknown canon option 0x%02x", b);
    }
  }
}

/* idx was bounds-checked when read */
static const wp_comp_core_functype *core_func_type(wp_cx *cx, wp_scope *s,
                                                   uint32_t idx) {
  (void)cx;
  return s->space[WP_COMP_SORT_CORE_FUNC].items[idx].type;
}

static void fmt_core_types(wp_buf_t *b, const uint8_t *t, uint32_t n) {
  wp_buf_puts(b, "[");
  for (uint32_t i = 0; i < n; i++) wp_buf_printf(b, "%s%s", i ? " " : "", wasmplug_valkind_name(wp_comp_core_valkind(t[i])));
  wp_buf_puts(b, "]");
}

/* "[i32 i32] -> [i32]" in the decoder's arena (messages are made just
** before wp_fail leaves). */
static const char *fmt_core_sig(wp_cx *cx, const wp_comp_core_functype *ft) {
  wp_buf_t b = {0};
  fmt_core_types(&b, ft->params, ft->nparams);
  wp_buf_puts(&b, " -> ");
  fmt_core_types(&b, ft->results, ft->nresults);
  char *s = wp_alloc(cx, b.len + 1);
  memcpy(s, b.oom ? "" : b.s, b.oom ? 1 : b.len + 1);
  wp_buf_free(&b);
  return s;
}

static void expect_core_sig(wp_cx *cx, const uint8_t *at, wp_scope *s, uint32_t idx,
                            const wp_comp_core_functype *want, const char *what,
                            uint8_t op) {
  const wp_comp_core_functype *have = core_func_type(cx, s, idx);
  if (!want || !have || wp_core_functype_eq(have, want)) return;
  const char *w = fmt_core_sig(cx, want), *h = fmt_core_sig(cx, have);
  wp_fail(cx, at, "canon %s: %s (core func %u) has type %s, expected %s",
          wp_comp_canon_name(op), what, (unsigned)idx, h, w);
}

/* General canonopt validation plus the lift/lower requirements
** (CanonicalABI.md "canonopt Validation", "canon lift", "canon lower"; the
** rules as wasm-tools' validator applies them). */
static void check_opts(wp_cx *cx, const uint8_t *at, wp_scope *s, wp_comp_canon *c) {
  wp_comp_canon_opts *o = &c->opts;
  const char *op = wp_comp_canon_name(c->op);
  if (o->has_realloc) {
    if (!o->has_memory) wp_fail(cx, at, "canon %s: realloc requires a memory option", op);
    static const uint8_t p4[4] = {0x7f, 0x7f, 0x7f, 0x7f}, r1[1] = {0x7f};
    wp_comp_core_functype want = {4, 1, p4, r1};
    expect_core_sig(cx, at, s, o->realloc, &want, "realloc", c->op);
  }
  if (o->has_post_return && c->op != WP_COMP_CANON_LIFT)
    wp_fail(cx, at, "canon %s: post-return is only allowed on lift", op);
  if (o->has_callback) {
    if (c->op != WP_COMP_CANON_LIFT)
      wp_fail(cx, at, "canon %s: callback is only allowed on lift", op);
    if (!o->is_async) wp_fail(cx, at, "canon lift: callback requires async");
    static const uint8_t p3[3] = {0x7f, 0x7f, 0x7f}, r1[1] = {0x7f};
    wp_comp_core_functype want = {3, 1, p3, r1};
    expect_core_sig(cx, at, s, o->callback, &want, "callback", c->op);
  }
  if (o->is_async && o->has_post_return)
    wp_fail(cx, at, "canon %s: async cannot be combined with post-return", op);

  if (c->op != WP_COMP_CANON_LIFT && c->op != WP_COMP_CANON_LOWER) return;
  const wp_comp_type *ft = c->functype;
  int lift = c->op == WP_COMP_CANON_LIFT;
  char fty[512];
  wp_comp_type_wit(ft, fty, sizeof fty);
  if (o->is_async && !ft->is_async)
    wp_fail(cx, at, "canon %s of `%s`: the `async` canonical option requires an async function type", op,
            fty);
  int params_mem = 0, result_mem = 0;
  uint32_t pflat = 0;
  for (uint32_t i = 0; i < ft->n; i++) {
    params_mem |= ft->fields[i].type->has_string_or_list;
    pflat += ft->fields[i].type->flat_count;
  }
  uint32_t rflat = ft->elem ? ft->elem->flat_count : 0;
  if (ft->elem) result_mem = ft->elem->has_string_or_list;
  /* lift: params are lowered into the callee (realloc), the result is
  ** lifted out of its memory (through task.return when async); lower: the
  ** reverse.  An async lower passes at most 4 flat params and always
  ** writes a result through a pointer, so it needs a memory only for
  ** pointers in its params, spilled params or a result. */
  uint32_t maxp = !lift && o->is_async ? WP_COMP_MAX_FLAT_ASYNC_PARAMS : WP_COMP_MAX_FLAT_PARAMS;
  int need_mem = params_mem || result_mem || pflat > maxp;
  if (lift) need_mem |= rflat > (o->is_async ? WP_COMP_MAX_FLAT_PARAMS : WP_COMP_MAX_FLAT_RESULTS);
  else if (o->is_async) need_mem |= ft->elem != NULL;
  else need_mem |= rflat > WP_COMP_MAX_FLAT_RESULTS;
  int need_realloc = lift ? (params_mem || pflat > WP_COMP_MAX_FLAT_PARAMS) : result_mem;
  if (need_mem && !o->has_memory)
    wp_fail(cx, at, "canon %s of `%s` needs a memory option", op, fty);
  if (need_realloc && !o->has_realloc)
    wp_fail(cx, at, "canon %s of `%s` needs a realloc option", op, fty);
  if (lift && o->has_post_return) {
    const wp_comp_core_functype *sig = wp_abi_core_sig(cx, ft, 0, 0, 0);
    if (sig) {
      wp_comp_core_functype want = {sig->nresults, 0, sig->results, NULL};
      expect_core_sig(cx, at, s, o->post_return, &want, "post-return", c->op);
    }
  }
}

/* The options of a built-in that reads or writes guest memory but is not
** a lift or lower: which of them it may and must have. */
static void check_builtin_opts(wp_cx *cx, const uint8_t *at, const wp_comp_canon *c, int may_async,
                               int need_memory, int need_realloc, int may_realloc) {
  const wp_comp_canon_opts *o = &c->opts;
  const char *op = wp_comp_canon_name(c->op);
  if (o->is_async && !may_async) wp_fail(cx, at, "canon %s: the async option is not allowed", op);
  if (o->has_realloc && !may_realloc) wp_fail(cx, at, "canon %s: the realloc option is not allowed", op);
  if (need_memory && !o->has_memory) wp_fail(cx, at, "canon %s needs a memory option", op);
  if (need_realloc && !o->has_realloc) wp_fail(cx, at, "canon %s needs a realloc option", op);
}

void wp_read_canon(wp_cx *cx, wp_rd *r, wp_scope *s, wp_comp_canon *c) {
  const uint8_t *at = r->p;
  memset(c, 0, sizeof *c);
  c->offset = wp_off(cx, at);
  c->op = wp_u8(cx, r);
  switch (c->op) {
    case WP_COMP_CANON_LIFT: {
      const uint8_t *kat = r->p;
      if (wp_u8(cx, r) != 0x00) wp_fail(cx, kat, "canon lift must lift a core func");
      const uint8_t *fat = r->p;
      c->func = wp_u32(cx, r);
      wp_space_get(cx, s, WP_COMP_SORT_CORE_FUNC, c->func, fat);
      read_opts(cx, r, s, &c->opts);
      const uint8_t *tat = r->p;
      c->type = wp_u32(cx, r);
      const wp_comp_type *ft = wp_space_get(cx, s, WP_COMP_SORT_TYPE, c->type, tat)->type;
      if (ft->kind != WP_COMP_T_FUNC)
        wp_fail(cx, tat, "canon lift: type index %u is not a func type", (unsigned)c->type);
      c->functype = ft;
      check_opts(cx, at, s, c);
      {
        const wp_comp_core_functype *want =
            wp_abi_core_sig(cx, ft, 0, c->opts.is_async, c->opts.has_callback);
        const wp_comp_core_functype *have = core_func_type(cx, s, c->func);
        if (want && have && !wp_core_functype_eq(have, want)) {
          const char *w = fmt_core_sig(cx, want), *h = fmt_core_sig(cx, have);
          char fty[512];
          wp_comp_type_wit(ft, fty, sizeof fty);
          wp_fail(cx, fat, "canon lift: core func %u has type %s, but lifting `%s` needs %s",
                  (unsigned)c->func, h, fty, w);
        }
      }
      return;
    }
    case WP_COMP_CANON_LOWER: {
      const uint8_t *kat = r->p;
      if (wp_u8(cx, r) != 0x00) wp_fail(cx, kat, "canon lower must lower a func");
      const uint8_t *fat = r->p;
      c->func = wp_u32(cx, r);
      c->functype = wp_space_get(cx, s, WP_COMP_SORT_FUNC, c->func, fat)->type;
      read_opts(cx, r, s, &c->opts);
      check_opts(cx, at, s, c);
      return;
    }
    case WP_COMP_CANON_RESOURCE_NEW:
    case WP_COMP_CANON_RESOURCE_DROP:
    case WP_COMP_CANON_RESOURCE_REP: {
      const uint8_t *tat = r->p;
      c->type = wp_u32(cx, r);
      const wp_comp_type *t = wp_space_get(cx, s, WP_COMP_SORT_TYPE, c->type, tat)->type;
      if (t->kind != WP_COMP_T_RESOURCE)
        wp_fail(cx, tat, "canon %s: type index %u is not a resource type",
                wp_comp_canon_name(c->op), (unsigned)c->type);
      /* new and rep need the representation: a resource this very
      ** component defines (not an import, nor a child instance's) */
      const wp_comp_type *b = wp_comp_resource_base(t);
      if (c->op != WP_COMP_CANON_RESOURCE_DROP && (!b->resource_defined || b->serial != s->serial))
        wp_fail(cx, tat, "canon %s: type %u is not a local resource (one defined by this component)",
                wp_comp_canon_name(c->op), (unsigned)c->type);
      c->resource = t;
      return;
    }
    case WP_COMP_CANON_BACKPRESSURE_INC: case WP_COMP_CANON_BACKPRESSURE_DEC:
    case WP_COMP_CANON_TASK_CANCEL: case WP_COMP_CANON_SUBTASK_DROP:
    case WP_COMP_CANON_ERROR_CONTEXT_DROP: case WP_COMP_CANON_WAITABLE_SET_NEW:
    case WP_COMP_CANON_WAITABLE_SET_DROP: case WP_COMP_CANON_WAITABLE_JOIN:
    case WP_COMP_CANON_THREAD_INDEX: case WP_COMP_CANON_THREAD_RESUME_LATER:
      return;
    case WP_COMP_CANON_TASK_RETURN: {
      const uint8_t *rat = r->p;
      uint8_t b = wp_u8(cx, r);
      if (b == 0x00) {
        c->has_result = 1;
        c->result = wp_read_valtype(cx, r, s);
      } else if (b != 0x01 || wp_u8(cx, r) != 0x00) {
        wp_fail(cx, rat, "canon task.return: bad result list");
      }
      read_opts(cx, r, s, &c->opts);
      check_opts(cx, at, s, c);
      /* the result is lifted like the params of a sync lowered call */
      int mem = c->result && (c->result->has_string_or_list || c->result->flat_count > WP_COMP_MAX_FLAT_PARAMS);
      check_builtin_opts(cx, at, c, 0, mem, 0, 0);
      return;
    }
    case WP_COMP_CANON_CONTEXT_GET:
    case WP_COMP_CANON_CONTEXT_SET: {
      const uint8_t *vat = r->p;
      c->core_valtype = wp_read_core_valtype(cx, r);
      if (c->core_valtype != 0x7f) wp_fail(cx, vat, "canon %s: type must be i32", wp_comp_canon_name(c->op));
      const uint8_t *iat = r->p;
      c->slot = wp_u32(cx, r);
      if (c->slot >= 2) wp_fail(cx, iat, "canon %s: slot %u out of range (0..1)",
                                wp_comp_canon_name(c->op), (unsigned)c->slot);
      return;
    }
    case WP_COMP_CANON_SUBTASK_CANCEL:
    case WP_COMP_CANON_THREAD_YIELD: case WP_COMP_CANON_THREAD_SUSPEND:
    case WP_COMP_CANON_THREAD_SUSPEND_THEN_RESUME: case WP_COMP_CANON_THREAD_YIELD_THEN_RESUME:
    case WP_COMP_CANON_THREAD_SUSPEND_THEN_PROMOTE: case WP_COMP_CANON_THREAD_YIELD_THEN_PROMOTE:
    case WP_COMP_CANON_THREAD_AVAILABLE_PARALLELISM: {
      const uint8_t *fat = r->p;
      c->flag = wp_u8(cx, r);
      if (c->flag > 1) wp_fail(cx, fat, "canon %s: bad flag 0x%02x", wp_comp_canon_name(c->op), c->flag);
      return;
    }
    case WP_COMP_CANON_STREAM_NEW: case WP_COMP_CANON_STREAM_READ:
    case WP_COMP_CANON_STREAM_WRITE: case WP_COMP_CANON_STREAM_CANCEL_READ:
    case WP_COMP_CANON_STREAM_CANCEL_WRITE: case WP_COMP_CANON_STREAM_DROP_READABLE:
    case WP_COMP_CANON_STREAM_DROP_WRITABLE:
    case WP_COMP_CANON_FUTURE_NEW: case WP_COMP_CANON_FUTURE_READ:
    case WP_COMP_CANON_FUTURE_WRITE: case WP_COMP_CANON_FUTURE_CANCEL_READ:
    case WP_COMP_CANON_FUTURE_CANCEL_WRITE: case WP_COMP_CANON_FUTURE_DROP_READABLE:
    case WP_COMP_CANON_FUTURE_DROP_WRITABLE: {
      int is_stream = c->op <= WP_COMP_CANON_STREAM_DROP_WRITABLE;
      const uint8_t *tat = r->p;
      c->type = wp_u32(cx, r);
      const wp_comp_type *t = wp_space_get(cx, s, WP_COMP_SORT_TYPE, c->type, tat)->type;
      if (t->kind != (is_stream ? WP_COMP_T_STREAM : WP_COMP_T_FUTURE))
        wp_fail(cx, tat, "canon %s: type index %u is not a %s type", wp_comp_canon_name(c->op),
                (unsigned)c->type, is_stream ? "stream" : "future");
      uint8_t rel = (uint8_t)(c->op - (is_stream ? WP_COMP_CANON_STREAM_NEW : WP_COMP_CANON_FUTURE_NEW));
      if (rel == 1 || rel == 2) {
        read_opts(cx, r, s, &c->opts);
        check_opts(cx, at, s, c);
        /* read lowers elements into this memory (realloc for pointers),
        ** write lifts them from it; write may still name a realloc it
        ** does not use (CanonicalABI.md restricts the options of
        ** task.return only) */
        int read = rel == 1;
        check_builtin_opts(cx, at, c, 1, t->elem != NULL, read && t->elem && t->elem->has_string_or_list, 1);
      } else if (rel == 3 || rel == 4) {
        const uint8_t *fat = r->p;
        c->flag = wp_u8(cx, r);
        if (c->flag > 1) wp_fail(cx, fat, "bad async flag 0x%02x", c->flag);
      }
      return;
    }
    case WP_COMP_CANON_ERROR_CONTEXT_NEW:
    case WP_COMP_CANON_ERROR_CONTEXT_DEBUG_MESSAGE:
      read_opts(cx, r, s, &c->opts);
      check_opts(cx, at, s, c);
      check_builtin_opts(cx, at, c, 0, 1, c->op == WP_COMP_CANON_ERROR_CONTEXT_DEBUG_MESSAGE,
                         c->op == WP_COMP_CANON_ERROR_CONTEXT_DEBUG_MESSAGE);
      return;
    case WP_COMP_CANON_WAITABLE_SET_WAIT:
    case WP_COMP_CANON_WAITABLE_SET_POLL: {
      const uint8_t *fat = r->p;
      c->flag = wp_u8(cx, r);
      if (c->flag > 1) wp_fail(cx, fat, "bad cancellable flag 0x%02x", c->flag);
      const uint8_t *iat = r->p;
      c->opts.has_memory = 1;
      c->opts.memory = wp_u32(cx, r);
      wp_space_get(cx, s, WP_COMP_SORT_CORE_MEMORY, c->opts.memory, iat);
      return;
    }
    case WP_COMP_CANON_THREAD_NEW_INDIRECT:
    case WP_COMP_CANON_THREAD_SPAWN_INDIRECT:
    case WP_COMP_CANON_THREAD_SPAWN_REF: {
      if (c->op != WP_COMP_CANON_THREAD_NEW_INDIRECT) {
        const uint8_t *fat = r->p;
        c->flag = wp_u8(cx, r);
        if (c->flag > 1) wp_fail(cx, fat, "bad shared flag 0x%02x", c->flag);
      }
      const uint8_t *tat = r->p;
      c->type = wp_u32(cx, r);
      const wp_comp_core_type *ct = wp_space_get(cx, s, WP_COMP_SORT_CORE_TYPE, c->type, tat)->type;
      if (ct->is_module) wp_fail(cx, tat, "canon %s: core type %u is not a func type",
                                 wp_comp_canon_name(c->op), (unsigned)c->type);
      if (c->op != WP_COMP_CANON_THREAD_SPAWN_REF) {
        const uint8_t *iat = r->p;
        c->table = wp_u32(cx, r);
        wp_space_get(cx, s, WP_COMP_SORT_CORE_TABLE, c->table, iat);
      }
      return;
    }
    default:
      wp_fail(cx, at, "unknown canon definition 0x%02x", c->op);
  }
}
