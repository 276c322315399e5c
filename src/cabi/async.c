/*
 * async.c -- the Component Model's async values (cabi.h section 9), after
 * CanonicalABI.md / definitions.py: Waitable and WaitableSet, buffers
 * (BufferGuestImpl and its host counterpart), SharedStreamImpl and
 * SharedFutureImpl, the four CopyEnds, ErrorContext.
 *
 * A stream is a rendezvous: whichever of reader and writer arrives first
 * leaves its buffer pending in the shared object; the second copies
 * min(remaining, remaining) elements directly from the writer's buffer into
 * the reader's and both sides get an event.  Copies lift every element from
 * the source and lower it into the destination with the same checks as any
 * lift and lower (bounds were checked when the buffer was made; memory
 * never shrinks), except plain element types, which are one memmove.
 *
 * The reference's closures become plain data here: an end's pending event
 * is `deliver` plus the copy result and whether delivering it reclaims the
 * writer's buffer from the shared stream (stream_event's reclaim_buffer).
 */
#include "cabi/cabi_internal.h"

#include <stdlib.h>

/* ------------------------------------------------------------ waitables */

void wp_cabi_waitable_init(wp_cabi_waitable_t *w, wp_cabi_obj_kind_t kind) {
  memset(w, 0, sizeof *w);
  w->obj.kind = kind;
}

void wp_cabi_waitable_take_event(wp_cabi_waitable_t *w, wp_cabi_event_t *out) {
  wp_cabi_deliver_fn f = w->pending;
  w->pending = NULL;
  memset(out, 0, sizeof *out);
  if (f) f(w, out);
}

static void wset_remove(wp_cabi_wset_t *s, wp_cabi_waitable_t *w) {
  for (uint32_t i = 0; i < s->n; i++)
    if (s->elems[i] == w) {
      s->elems[i] = s->elems[--s->n];
      return;
    }
}

wp_cabi_error_t *wp_cabi_waitable_join(wp_cabi_waitable_t *w, wp_cabi_wset_t *wset) {
  if (wset && wset->n == wset->cap) {
    uint32_t ncap = wset->cap ? wset->cap * 2 : 8;
    wp_cabi_waitable_t **n = realloc(wset->elems, ncap * sizeof *n);
    if (!n) return wp_cabi_error_oom();
    wset->elems = n;
    wset->cap = ncap;
  }
  if (w->wset) wset_remove(w->wset, w);
  w->wset = wset;
  if (wset) wset->elems[wset->n++] = w;
  return NULL;
}

wp_cabi_wset_t *wp_cabi_wset_new(void) {
  wp_cabi_wset_t *s = calloc(1, sizeof *s);
  if (s) s->obj.kind = WP_CABI_OBJ_WAITABLE_SET;
  return s;
}

bool wp_cabi_wset_has_event(const wp_cabi_wset_t *s) {
  for (uint32_t i = 0; i < s->n; i++)
    if (s->elems[i]->pending) return true;
  return false;
}

void wp_cabi_wset_take_event(wp_cabi_wset_t *s, wp_cabi_event_t *out) {
  /* The reference shuffles; starting after the last one served is as
  ** nondeterministic as callers may assume, and fair. */
  for (uint32_t k = 0; k < s->n; k++) {
    uint32_t i = (s->next + k) % s->n;
    wp_cabi_waitable_t *w = s->elems[i];
    if (w->pending) {
      s->next = i + 1;
      wp_cabi_waitable_take_event(w, out);
      return;
    }
  }
  memset(out, 0, sizeof *out);
}

wp_cabi_error_t *wp_cabi_wset_drop(wp_cabi_wset_t *s) {
  if (s->n) return TRAP("cannot drop a waitable set with %u waitable(s) still in it", s->n);
  if (s->num_waiting) return TRAP("cannot drop waitable set with waiters");
  free(s->elems);
  free(s);
  return NULL;
}

/* ------------------------------------------------------------ buffers */

wp_cabi_error_t *wp_cabi_buffer_guest(wp_cabi_buffer_t *b, const wp_cabi_type_t *t, const wp_cabi_opts_t *guest,
                                      uint32_t ptr, uint32_t length) {
  memset(b, 0, sizeof *b);
  if (length > WP_CABI_MAX_BUFFER_LENGTH)
    return TRAP("buffer length %u is more than the maximum %u", length, WP_CABI_MAX_BUFFER_LENGTH);
  if (t && length > 0) {
    wp_cabi_cx_t cx;
    wp_cabi_cx_init(&cx, guest, NULL);
    wp_cabi_error_t *e = wp_cabi_check_range(&cx, "buffer", ptr, (uint64_t)length * t->guest.size, t->guest.align);
    wp_cabi_error_delete(wp_cabi_cx_finish(&cx));
    if (e) return e;
  }
  b->t = t;
  b->guest = guest;
  b->ptr = ptr;
  b->length = length;
  return NULL;
}

void wp_cabi_buffer_host(wp_cabi_buffer_t *b, const wp_cabi_type_t *t, void *native, uint32_t length,
                         wp_cabi_arena_t *arena, wp_cabi_handles_t *native_handles) {
  memset(b, 0, sizeof *b);
  b->t = t;
  b->native = native;
  b->length = length;
  b->arena = arena;
  b->native_handles = native_handles;
}

wp_cabi_error_t *wp_cabi_buffer_copy(wp_cabi_buffer_t *dst, wp_cabi_buffer_t *src, uint32_t n) {
  const wp_cabi_type_t *t = src->t;
  wp_cabi_error_t *e = NULL;
  if (n > wp_cabi_buffer_remain(src) || n > wp_cabi_buffer_remain(dst))
    return INVALID("buffer copy of %u elements past the end of a buffer", n);
  if (t && n) {
    uint32_t gs = t->guest.size, ns = t->native.size;
    wp_cabi_cx_t scx, dcx;
    wp_cabi_cx_init(&scx, src->guest, dst->guest ? NULL : dst->arena);
    wp_cabi_cx_init(&dcx, dst->guest, NULL);
    scx.native_handles = dst->native_handles;
    dcx.native_handles = src->native_handles;
    if (src->guest && dst->guest) {
      if (t->plain) {
        /* Both ranges were checked when the buffers were made. */
        memmove(dcx.mem.base + dst->ptr, scx.mem.base + src->ptr, (size_t)n * gs);
      } else {
        for (uint32_t i = 0; i < n && !e; i++) {
          wp_cabi_val_t v;
          wp_cabi_cx_refresh(&scx); /* the destination's realloc may grow a shared memory */
          if ((e = wp_cabi_load(&scx, t, src->ptr + i * gs, &v))) break;
          e = wp_cabi_store(&dcx, t, &v, dst->ptr + i * gs);
          wp_cabi_val_drop(&v);
        }
      }
    } else if (src->guest) {
      uint8_t *out = dst->native + (size_t)dst->progress * ns;
      if (t->plain) memcpy(out, scx.mem.base + src->ptr, (size_t)n * gs);
      else
        for (uint32_t i = 0; i < n && !e; i++) e = wp_cabi_load_native(&scx, t, src->ptr + i * gs, out + (size_t)i * ns);
    } else if (dst->guest) {
      const uint8_t *in = src->native + (size_t)src->progress * ns;
      if (t->plain) memcpy(dcx.mem.base + dst->ptr, in, (size_t)n * gs);
      else
        for (uint32_t i = 0; i < n && !e; i++) e = wp_cabi_store_native(&dcx, t, in + (size_t)i * ns, dst->ptr + i * gs);
    } else if (t->plain) {
      memcpy(dst->native + (size_t)dst->progress * ns, src->native + (size_t)src->progress * ns, (size_t)n * ns);
    } else {
      e = INVALID("copying non-plain stream elements between two host ends is not supported");
    }
    wp_cabi_error_t *f1 = wp_cabi_cx_finish(&scx), *f2 = wp_cabi_cx_finish(&dcx);
    if (!e) e = f1 ? f1 : f2;
    if (f1 && f1 != e) wp_cabi_error_delete(f1);
    if (f2 && f2 != e) wp_cabi_error_delete(f2);
    if (e) return e;
    if (src->guest) src->ptr += n * gs;
    if (dst->guest) dst->ptr += n * gs;
  }
  src->progress += n;
  dst->progress += n;
  return NULL;
}

/* ------------------------------------------------------------ shared streams */

struct wp_cabi_shared {
  const wp_cabi_type_t *t;
  bool future;
  bool dropped;
  wp_cabi_end_t *pending; /* the end whose buffer waits for the other side */
  /* The readable side is one end at a time, but in flight it is a value
  ** (a stream passed as an argument), and a value may be copied by the
  ** host: `readers` counts readable ends and values; when it reaches 0 the
  ** readable side is dropped.  `refs` adds the writable end: the memory. */
  uint32_t readers, refs;
};

static void shared_drop(wp_cabi_shared_t *s);

static void shared_unref(wp_cabi_shared_t *s) {
  if (s && --s->refs == 0) free(s);
}

static void reader_gone(wp_cabi_shared_t *s) {
  if (--s->readers == 0) shared_drop(s);
  shared_unref(s);
}

static void reader_new(wp_cabi_shared_t *s) {
  s->readers++;
  s->refs++;
}

static bool is_readable(const wp_cabi_end_t *e) {
  return e->w.obj.kind == WP_CABI_OBJ_STREAM_READABLE || e->w.obj.kind == WP_CABI_OBJ_FUTURE_READABLE;
}

/* stream_event / future_event (definitions.py), delivered from the end. */
static void end_deliver(wp_cabi_waitable_t *w, wp_cabi_event_t *out) {
  wp_cabi_end_t *e = (wp_cabi_end_t *)w;
  bool future = e->shared->future;
  out->p1 = w->index;
  if (future) {
    out->code = is_readable(e) ? WP_CABI_EVENT_FUTURE_READ : WP_CABI_EVENT_FUTURE_WRITE;
    e->state = e->result == WP_CABI_COPY_DROPPED || e->result == WP_CABI_COPY_COMPLETED ? WP_CABI_COPY_DONE
                                                                                          : WP_CABI_COPY_IDLE;
    out->p2 = e->result;
  } else {
    out->code = is_readable(e) ? WP_CABI_EVENT_STREAM_READ : WP_CABI_EVENT_STREAM_WRITE;
    if (e->reclaim && e->shared->pending == e) e->shared->pending = NULL; /* reclaim_buffer */
    e->state = e->result == WP_CABI_COPY_DROPPED ? WP_CABI_COPY_DONE : WP_CABI_COPY_IDLE;
    out->p2 = (uint32_t)e->result | (e->buf.progress << 4);
  }
  e->reclaim = false;
}

static void set_event(wp_cabi_end_t *e, wp_cabi_copy_result_t result, bool reclaim) {
  e->result = result;
  e->reclaim = reclaim;
  e->w.pending = end_deliver;
  if (e->notify) e->notify(e->notify_ctx, e);
}

/* on_copy: part of the pending side's buffer was consumed; it stays
** pending in the shared stream until its event is delivered. */
static void on_copy(wp_cabi_end_t *e) { set_event(e, WP_CABI_COPY_COMPLETED, true); }
static void on_copy_done(wp_cabi_end_t *e, wp_cabi_copy_result_t r) { set_event(e, r, false); }

static void reset_and_notify_pending(wp_cabi_shared_t *s, wp_cabi_copy_result_t r) {
  wp_cabi_end_t *p = s->pending;
  s->pending = NULL;
  if (p) on_copy_done(p, r);
}

static bool none_or_number(const wp_cabi_type_t *t) {
  if (!t) return true;
  switch (t->kind) {
  case WP_CABI_U8: case WP_CABI_U16: case WP_CABI_U32: case WP_CABI_U64:
  case WP_CABI_S8: case WP_CABI_S16: case WP_CABI_S32: case WP_CABI_S64:
  case WP_CABI_F32: case WP_CABI_F64: return true;
  default: return false;
  }
}

static wp_cabi_error_t *same_instance(wp_cabi_shared_t *s, wp_cabi_end_t *e) {
  /* "temporary" in the reference: a component may not pass values other
  ** than numbers to itself through its own stream or future. */
  if (e->inst && e->inst == s->pending->inst && !none_or_number(s->t))
    return TRAP("cannot read from and write to intra-component %s", s->future ? "future" : "stream");
  return NULL;
}

static wp_cabi_error_t *stream_read(wp_cabi_shared_t *s, wp_cabi_end_t *e) {
  if (s->dropped) {
    on_copy_done(e, WP_CABI_COPY_DROPPED);
    return NULL;
  }
  if (!s->pending) {
    s->pending = e;
    return NULL;
  }
  wp_cabi_error_t *err = same_instance(s, e);
  if (err) return err;
  wp_cabi_end_t *w = s->pending;
  if (wp_cabi_buffer_remain(&w->buf) > 0) {
    if (wp_cabi_buffer_remain(&e->buf) > 0) {
      uint32_t n = wp_cabi_buffer_remain(&e->buf) < wp_cabi_buffer_remain(&w->buf) ? wp_cabi_buffer_remain(&e->buf)
                                                                                  : wp_cabi_buffer_remain(&w->buf);
      if ((err = wp_cabi_buffer_copy(&e->buf, &w->buf, n))) return err;
      on_copy(w);
    }
    on_copy_done(e, WP_CABI_COPY_COMPLETED);
  } else {
    reset_and_notify_pending(s, WP_CABI_COPY_COMPLETED);
    s->pending = e;
  }
  return NULL;
}

static wp_cabi_error_t *stream_write(wp_cabi_shared_t *s, wp_cabi_end_t *e) {
  if (s->dropped) {
    on_copy_done(e, WP_CABI_COPY_DROPPED);
    return NULL;
  }
  if (!s->pending) {
    s->pending = e;
    return NULL;
  }
  wp_cabi_error_t *err = same_instance(s, e);
  if (err) return err;
  wp_cabi_end_t *r = s->pending;
  if (wp_cabi_buffer_remain(&r->buf) > 0) {
    if (wp_cabi_buffer_remain(&e->buf) > 0) {
      uint32_t n = wp_cabi_buffer_remain(&e->buf) < wp_cabi_buffer_remain(&r->buf) ? wp_cabi_buffer_remain(&e->buf)
                                                                                  : wp_cabi_buffer_remain(&r->buf);
      if ((err = wp_cabi_buffer_copy(&r->buf, &e->buf, n))) return err;
      on_copy(r);
    }
    on_copy_done(e, WP_CABI_COPY_COMPLETED);
  } else if (e->buf.length == 0 && r->buf.length == 0) {
    on_copy_done(e, WP_CABI_COPY_COMPLETED);
  } else {
    reset_and_notify_pending(s, WP_CABI_COPY_COMPLETED);
    s->pending = e;
  }
  return NULL;
}

static wp_cabi_error_t *future_read(wp_cabi_shared_t *s, wp_cabi_end_t *e) {
  if (s->dropped) { /* only a host writer can go away without writing */
    on_copy_done(e, WP_CABI_COPY_DROPPED);
    return NULL;
  }
  if (!s->pending) {
    s->pending = e;
    return NULL;
  }
  wp_cabi_error_t *err = same_instance(s, e);
  if (err) return err;
  if ((err = wp_cabi_buffer_copy(&e->buf, &s->pending->buf, 1))) return err;
  reset_and_notify_pending(s, WP_CABI_COPY_COMPLETED);
  on_copy_done(e, WP_CABI_COPY_COMPLETED);
  return NULL;
}

static wp_cabi_error_t *future_write(wp_cabi_shared_t *s, wp_cabi_end_t *e) {
  if (s->dropped) {
    on_copy_done(e, WP_CABI_COPY_DROPPED);
    return NULL;
  }
  if (!s->pending) {
    s->pending = e;
    return NULL;
  }
  wp_cabi_error_t *err = same_instance(s, e);
  if (err) return err;
  if ((err = wp_cabi_buffer_copy(&s->pending->buf, &e->buf, 1))) return err;
  reset_and_notify_pending(s, WP_CABI_COPY_COMPLETED);
  on_copy_done(e, WP_CABI_COPY_COMPLETED);
  return NULL;
}

static void shared_drop(wp_cabi_shared_t *s) {
  if (s->dropped) return;
  s->dropped = true;
  if (s->pending) reset_and_notify_pending(s, WP_CABI_COPY_DROPPED);
}

/* ------------------------------------------------------------ ends */

static wp_cabi_end_t *end_new(wp_cabi_shared_t *s, wp_cabi_obj_kind_t kind) {
  wp_cabi_end_t *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  wp_cabi_waitable_init(&e->w, kind);
  e->state = WP_CABI_COPY_IDLE;
  e->shared = s;
  if (kind == WP_CABI_OBJ_STREAM_READABLE || kind == WP_CABI_OBJ_FUTURE_READABLE) reader_new(s);
  else s->refs++;
  return e;
}

wp_cabi_error_t *wp_cabi_stream_new(const wp_cabi_type_t *t, bool future, wp_cabi_end_t **readable,
                                    wp_cabi_end_t **writable) {
  wp_cabi_shared_t *s = calloc(1, sizeof *s);
  if (!s) return wp_cabi_error_oom();
  s->t = t;
  s->future = future;
  wp_cabi_end_t *r = end_new(s, future ? WP_CABI_OBJ_FUTURE_READABLE : WP_CABI_OBJ_STREAM_READABLE);
  wp_cabi_end_t *w = r ? end_new(s, future ? WP_CABI_OBJ_FUTURE_WRITABLE : WP_CABI_OBJ_STREAM_WRITABLE) : NULL;
  if (!w) {
    free(r);
    free(s);
    return wp_cabi_error_oom();
  }
  *readable = r;
  *writable = w;
  return NULL;
}

const wp_cabi_type_t *wp_cabi_end_elem(const wp_cabi_end_t *e) { return e->shared->t; }

wp_cabi_error_t *wp_cabi_end_copy(wp_cabi_end_t *e) {
  e->state = WP_CABI_COPY_COPYING;
  wp_cabi_shared_t *s = e->shared;
  if (s->future) return is_readable(e) ? future_read(s, e) : future_write(s, e);
  return is_readable(e) ? stream_read(s, e) : stream_write(s, e);
}

void wp_cabi_end_cancel(wp_cabi_end_t *e) {
  e->state = WP_CABI_COPY_CANCELLING;
  if (!e->w.pending && e->shared->pending == e) reset_and_notify_pending(e->shared, WP_CABI_COPY_CANCELLED);
}

void wp_cabi_end_free(wp_cabi_end_t *e) {
  if (!e) return;
  wp_cabi_shared_t *s = e->shared;
  if (s->pending == e) s->pending = NULL; /* its buffer goes away with it */
  if (e->w.wset) wp_cabi_waitable_join(&e->w, NULL);
  if (is_readable(e)) {
    reader_gone(s);
  } else {
    shared_drop(s);
    shared_unref(s);
  }
  free(e);
}

wp_cabi_error_t *wp_cabi_end_drop_check(const wp_cabi_end_t *e) {
  const char *what = e->shared->future ? "future" : "stream";
  if (e->state == WP_CABI_COPY_COPYING || e->state == WP_CABI_COPY_CANCELLING)
    return TRAP("cannot drop busy %s", what);
  if (e->w.obj.kind == WP_CABI_OBJ_FUTURE_WRITABLE && e->state != WP_CABI_COPY_DONE)
    return TRAP("cannot drop future write end without first writing a value");
  return NULL;
}

/* ------------------------------------------------------------ values */

wp_cabi_error_t *wp_cabi_async_take(wp_cabi_handles_t *h, const wp_cabi_type_t *ty, uint32_t handle, void **out) {
  if (ty->kind == WP_CABI_ERROR_CONTEXT) {
    /* lift_error_context: the handle stays; the value is one more reference */
    wp_cabi_obj_t *o;
    wp_cabi_error_t *e = wp_cabi_handles_get_obj(h, handle, WP_CABI_OBJ_ERROR_CONTEXT, "error-context", &o);
    if (e) return e;
    wp_cabi_errctx_ref((wp_cabi_errctx_t *)o);
    *out = o;
    return NULL;
  }
  /* lift_async_value: the readable end leaves the table and the value
  ** takes its reference to the shared stream */
  bool future = ty->kind == WP_CABI_FUTURE;
  const char *what = future ? "future" : "stream";
  wp_cabi_obj_t *o;
  wp_cabi_error_t *e =
      wp_cabi_handles_get_obj(h, handle, future ? WP_CABI_OBJ_FUTURE_READABLE : WP_CABI_OBJ_STREAM_READABLE, what, &o);
  if (e) return e;
  wp_cabi_end_t *end = (wp_cabi_end_t *)o;
  if (!wp_cabi_type_equal(end->shared->t, ty->elem))
    return TRAP("%s handle %u has another element type than the value lifted", what, handle);
  if (end->state == WP_CABI_COPY_DONE)
    return TRAP(future ? "cannot lift future after previous read succeeded"
                       : "cannot lift stream after being notified that the writable end dropped");
  if (end->state != WP_CABI_COPY_IDLE) return TRAP("cannot lift busy %s (handle %u)", what, handle);
  if (end->w.wset) return TRAP("cannot lift %s while it's in a waitable set", what);
  wp_cabi_handles_remove_obj(h, handle, 0, what, &o);
  *out = end->shared; /* the end's reader reference becomes the value's */
  free(end);
  return NULL;
}

wp_cabi_error_t *wp_cabi_async_put(wp_cabi_handles_t *h, bool host, const wp_cabi_type_t *ty, void *obj,
                                   uint32_t *handle) {
  bool ec = ty->kind == WP_CABI_ERROR_CONTEXT;
  if (!h) return INVALID("lowering a %s needs a handle table", ec ? "error-context" : "stream or future");
  if (!obj) return INVALID("empty stream, future or error-context value");
  if (ec) {
    /* lower_error_context: the table holds a reference of its own (the
    ** value keeps its own until it is dropped) */
    wp_cabi_error_t *e = wp_cabi_handles_add_obj(h, obj, handle);
    if (!e) wp_cabi_errctx_ref(obj);
    return e;
  }
  /* lower_stream / lower_future: a new readable end (the value's
  ** reference is released when the value is dropped) */
  wp_cabi_shared_t *s = obj;
  wp_cabi_end_t *end = end_new(s, s->future ? WP_CABI_OBJ_FUTURE_READABLE : WP_CABI_OBJ_STREAM_READABLE);
  if (!end) return wp_cabi_error_oom();
  end->inst = host ? NULL : (const void *)h;
  wp_cabi_error_t *e = wp_cabi_handles_add_obj(h, &end->w.obj, handle);
  if (e) {
    free(end);
    s->readers--;
    s->refs--;
  }
  return e;
}

void wp_cabi_async_drop(wp_cabi_kind_t kind, void *obj) {
  if (!obj) return;
  if (kind == WP_CABI_ERROR_CONTEXT) wp_cabi_errctx_unref(obj);
  else reader_gone(obj);
}

void wp_cabi_async_clone(wp_cabi_kind_t kind, void *obj) {
  if (!obj) return;
  if (kind == WP_CABI_ERROR_CONTEXT) wp_cabi_errctx_ref(obj);
  else reader_new(obj);
}

wp_cabi_error_t *wp_cabi_async_put_end(wp_cabi_handles_t *h, bool host, wp_cabi_end_t *e, uint32_t *handle) {
  e->inst = host ? NULL : (const void *)h;
  return wp_cabi_handles_add_obj(h, &e->w.obj, handle);
}

/* ------------------------------------------------------------ error contexts */

wp_cabi_errctx_t *wp_cabi_errctx_new(const char *msg, size_t len) {
  wp_cabi_errctx_t *e = malloc(sizeof *e + len + 1);
  if (!e) return NULL;
  e->obj.kind = WP_CABI_OBJ_ERROR_CONTEXT;
  e->refs = 1;
  e->len = len;
  if (len) memcpy(e->msg, msg, len);
  e->msg[len] = 0;
  return e;
}

void wp_cabi_errctx_ref(wp_cabi_errctx_t *e) { e->refs++; }

void wp_cabi_errctx_unref(wp_cabi_errctx_t *e) {
  if (e && --e->refs == 0) free(e);
}
