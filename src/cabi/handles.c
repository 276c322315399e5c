/*
 * handles.c -- per-instance resource handle tables (CanonicalABI.md
 * "Table", "ResourceHandle", canon resource.new/rep/drop, lift/lower of
 * own and borrow).
 *
 * Slot 0 is reserved so that handle 0 is never valid.  Freed slots go on a
 * free list and are reused most-recently-freed first, as the reference
 * does.  An own handle counts its lends (borrows of it handed out for the
 * duration of a call); it cannot be moved or dropped while lent.  A borrow
 * handle remembers the call that lent it; dropping it decrements that
 * call's count, which must be zero when the call ends.
 *
 * The same table (one per component instance, as the reference's
 * ComponentInstance.handles) holds the async objects: waitable sets,
 * subtasks, stream and future ends, error contexts (section 9 of cabi.h).
 */
#include "cabi/cabi_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_HANDLES ((1u << 28) - 1)

/* The entry and table layouts are in cabi.h (for wp_cabi_resource_rep_live). */
typedef wp_cabi_handle_entry_t entry_t;

wp_cabi_handles_t *wp_cabi_handles_new(void) {
  wp_cabi_handles_t *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->v = calloc(16, sizeof(entry_t));
  if (!h->v) {
    free(h);
    return NULL;
  }
  h->cap = 16;
  h->len = 1;
  wasmplug_store_limits_t d;
  wasmplug_store_limits_default(&d);
  wp_cabi_handles_limit_set(h, d.handles);
  return h;
}

void wp_cabi_handles_limit_set(wp_cabi_handles_t *h, uint64_t max) {
  h->max = max > MAX_HANDLES ? MAX_HANDLES : (uint32_t)max;
}

void wp_cabi_handles_set_reaper(wp_cabi_handles_t *h, wp_cabi_obj_reaper_fn fn, void *ctx) {
  h->reaper = fn;
  h->reaper_ctx = ctx;
}

/* Teardown of an object nobody will drop any more. */
static void reap(wp_cabi_handles_t *h, wp_cabi_obj_t *o) {
  switch (o->kind) {
  case WP_CABI_OBJ_WAITABLE_SET: {
    wp_cabi_wset_t *s = (wp_cabi_wset_t *)o;
    free(s->elems);
    free(s);
    break;
  }
  case WP_CABI_OBJ_ERROR_CONTEXT: wp_cabi_errctx_unref((wp_cabi_errctx_t *)o); break;
  case WP_CABI_OBJ_SUBTASK:
    if (h->reaper) h->reaper(h->reaper_ctx, o); /* the runtime's */
    break;
  default: wp_cabi_end_free((wp_cabi_end_t *)o); break;
  }
}

void wp_cabi_handles_clear(wp_cabi_handles_t *h) {
  if (!h) return;
  for (uint32_t i = 1; i < h->len; i++) {
    entry_t *e = &h->v[i];
    if (e->rt && e->own && e->rt->dtor) {
      wp_cabi_error_t *err = e->rt->dtor(e->rt->dtor_ctx, e->rep);
      wp_cabi_error_delete(err); /* teardown: nobody left to report to */
    }
  }
  /* Waitables first leave their sets, so sets are freed with no members
  ** pointing at them. */
  for (uint32_t i = 1; i < h->len; i++) {
    wp_cabi_obj_t *o = h->v[i].obj;
    if (o && o->kind != WP_CABI_OBJ_WAITABLE_SET && o->kind != WP_CABI_OBJ_ERROR_CONTEXT)
      ((wp_cabi_waitable_t *)o)->wset = NULL;
  }
  for (uint32_t i = 1; i < h->len; i++) {
    wp_cabi_obj_t *o = h->v[i].obj;
    if (!o) continue;
    h->v[i].obj = NULL;
    reap(h, o);
  }
  /* empty again, as a new table (its memory kept) */
  h->len = 1;
  h->free_head = 0;
  h->count = 0;
}

struct wp_cabi_handles_mark {
  entry_t *v;
  uint32_t len, free_head, count;
};

wp_cabi_handles_mark_t *wp_cabi_handles_mark(const wp_cabi_handles_t *h, const char **why) {
  for (uint32_t i = 1; i < h->len; i++) {
    const entry_t *e = &h->v[i];
    if (e->obj) {
      *why = "it holds async objects (streams, futures, subtasks...)";
      return NULL;
    }
    if (e->rt && (e->num_lends || !e->own)) {
      *why = "a handle is lent or borrowed (a call is running)";
      return NULL;
    }
  }
  wp_cabi_handles_mark_t *m = calloc(1, sizeof *m);
  if (m) m->v = malloc(h->len * sizeof(entry_t));
  if (!m || !m->v) {
    free(m);
    *why = "out of memory";
    return NULL;
  }
  memcpy(m->v, h->v, h->len * sizeof(entry_t));
  m->len = h->len;
  m->free_head = h->free_head;
  m->count = h->count;
  return m;
}

void wp_cabi_handles_mark_free(wp_cabi_handles_mark_t *m) {
  if (!m) return;
  free(m->v);
  free(m);
}

bool wp_cabi_handles_restore(wp_cabi_handles_t *h, const wp_cabi_handles_mark_t *m) {
  /* every marked handle must still be there, unchanged (the guest may
  ** have dropped one: its resource is gone, nothing can bring it back) */
  for (uint32_t i = 1; i < m->len; i++) {
    const entry_t *a = &m->v[i];
    if (!a->rt) continue;
    const entry_t *b = i < h->len ? &h->v[i] : NULL;
    if (!b || b->rt != a->rt || b->rep != a->rep || !b->own || b->obj || b->num_lends) return false;
  }
  /* drop everything else (each own handle's destructor once) */
  for (uint32_t i = 1; i < h->len; i++) {
    entry_t *e = &h->v[i];
    bool marked = i < m->len && m->v[i].rt;
    if (marked) continue;
    if (e->rt && e->own && e->rt->dtor) wp_cabi_error_delete(e->rt->dtor(e->rt->dtor_ctx, e->rep));
    if (e->obj) {
      wp_cabi_obj_t *o = e->obj;
      e->obj = NULL;
      if (o->kind != WP_CABI_OBJ_WAITABLE_SET && o->kind != WP_CABI_OBJ_ERROR_CONTEXT)
        ((wp_cabi_waitable_t *)o)->wset = NULL;
      reap(h, o);
    }
    e->rt = NULL;
  }
  /* the table as it was, free list included */
  if (m->len > h->cap) return false; /* cannot happen: tables only grow */
  memcpy(h->v, m->v, m->len * sizeof(entry_t));
  h->len = m->len;
  h->free_head = m->free_head;
  h->count = m->count;
  return true;
}

void wp_cabi_handles_delete(wp_cabi_handles_t *h) {
  if (!h) return;
  wp_cabi_handles_clear(h);
  free(h->v);
  free(h);
}

uint32_t wp_cabi_handles_count(const wp_cabi_handles_t *h) { return h->count; }

static wp_cabi_error_t *add(wp_cabi_handles_t *h, entry_t e, uint32_t *out) {
  uint32_t i;
  if (h->count >= h->max)
    return wp_cabi_error_new(WP_CABI_LIMIT, "resource handle table is full: %u handles, the limit (max-handles)",
                             h->max);
  if (h->free_head) {
    i = h->free_head;
    h->free_head = h->v[i].next_free;
  } else {
    if (h->len > MAX_HANDLES) return TRAP("handle table is full (%u handles)", MAX_HANDLES);
    if (h->len == h->cap) {
      uint32_t ncap = h->cap * 2;
      entry_t *n = realloc(h->v, ncap * sizeof(entry_t));
      if (!n) return wp_cabi_error_oom();
      h->v = n;
      h->cap = ncap;
    }
    i = h->len++;
  }
  e.next_free = 0;
  h->v[i] = e;
  h->count++;
  *out = i;
  return NULL;
}

static const char *slot_what(const entry_t *e) {
  return e->rt ? "resource" : e->obj ? wp_cabi_obj_kind_name(e->obj->kind) : "free";
}

static const char *an(const char *noun) { return strchr("aeiou", noun[0]) ? "an" : "a"; }

static void release(wp_cabi_handles_t *h, uint32_t i) {
  memset(&h->v[i], 0, sizeof(entry_t));
  h->v[i].next_free = h->free_head;
  h->free_head = i;
  h->count--;
}

/* Looks a handle up and checks its type; `what` names the operation. */
static wp_cabi_error_t *get(wp_cabi_handles_t *h, const wp_cabi_resource_t *r, uint32_t i, const char *what,
                            entry_t **out) {
  uint32_t rep;
  if (wp_cabi_resource_rep_live(h, r, i, &rep)) { /* the success, as the inline lookup sees it */
    *out = &h->v[i];
    return NULL;
  }
  if (!h) return INVALID("%s: the guest has no handle table", what);
  if (i == 0 || i >= h->len || !h->v[i].rt) {
    if (i && i < h->len && h->v[i].obj) {
      const char *have = wp_cabi_obj_kind_name(h->v[i].obj->kind);
      return TRAP("%s: handle %u is %s %s, not a resource", what, i, an(have), have);
    }
    return TRAP("%s: unknown handle %u (dangling or already dropped)", what, i);
  }
  entry_t *e = &h->v[i];
  if (e->rt != r)
    return TRAP("%s: handle %u is a %s, expected a %s", what, i, e->rt->name, r->name);
  *out = e;
  return NULL;
}

wp_cabi_error_t *wp_cabi_resource_new(wp_cabi_handles_t *h, const wp_cabi_resource_t *r, uint32_t rep,
                                      uint32_t *handle) {
  entry_t e = {.rt = r, .rep = rep, .own = true};
  return add(h, e, handle);
}

wp_cabi_error_t *wp_cabi_resource_rep(wp_cabi_handles_t *h, const wp_cabi_resource_t *r, uint32_t handle,
                                      uint32_t *rep) {
  entry_t *e = NULL;
  wp_cabi_error_t *err = get(h, r, handle, "resource.rep", &e);
  if (err) return err;
  *rep = e->rep;
  return NULL;
}

wp_cabi_error_t *wp_cabi_resource_drop(wp_cabi_handles_t *h, const wp_cabi_resource_t *r, uint32_t handle) {
  entry_t *e = NULL;
  wp_cabi_error_t *err = get(h, r, handle, "resource.drop", &e);
  if (err) return err;
  if (e->num_lends)
    return TRAP("resource.drop: handle %u is still lent out (%u borrow(s) active)", handle, e->num_lends);
  entry_t copy = *e;
  release(h, handle);
  if (copy.own) {
    if (copy.rt->dtor) return copy.rt->dtor(copy.rt->dtor_ctx, copy.rep);
  } else if (copy.scope && copy.scope->num_borrows) {
    copy.scope->num_borrows--;
  }
  return NULL;
}

wp_cabi_error_t *wp_cabi_lift_own(wp_cabi_cx_t *cx, const wp_cabi_resource_t *r, uint32_t handle, uint32_t *rep) {
  wp_cabi_handles_t *h = cx->guest ? cx->guest->handles : NULL;
  entry_t *e = NULL;
  wp_cabi_error_t *err = get(h, r, handle, "own handle", &e);
  if (err) return err;
  if (!e->own) return TRAP("own handle: handle %u is a borrow, not an own", handle);
  if (e->num_lends) return TRAP("own handle: handle %u is lent out and cannot be moved", handle);
  *rep = e->rep;
  release(h, handle);
  return NULL;
}

wp_cabi_error_t *wp_cabi_lower_own(wp_cabi_cx_t *cx, const wp_cabi_resource_t *r, uint32_t rep, uint32_t *handle) {
  wp_cabi_handles_t *h = cx->guest ? cx->guest->handles : NULL;
  if (!h) return INVALID("own handle: the guest has no handle table");
  entry_t e = {.rt = r, .rep = rep, .own = true};
  return add(h, e, handle);
}

wp_cabi_error_t *wp_cabi_lift_borrow(wp_cabi_cx_t *cx, const wp_cabi_resource_t *r, uint32_t handle, uint32_t *rep) {
  wp_cabi_handles_t *h = cx->guest ? cx->guest->handles : NULL;
  entry_t *e = NULL;
  wp_cabi_error_t *err = get(h, r, handle, "borrow handle", &e);
  if (err) return err;
  if ((err = wp_cabi_cx_add_lend(cx, handle))) return err;
  h->v[handle].num_lends++;
  *rep = h->v[handle].rep;
  return NULL;
}

wp_cabi_error_t *wp_cabi_lower_borrow(wp_cabi_cx_t *cx, const wp_cabi_resource_t *r, uint32_t rep, uint32_t *handle) {
  wp_cabi_handles_t *h = cx->guest ? cx->guest->handles : NULL;
  if (!h) return INVALID("borrow handle: the guest has no handle table");
  if (r->impl == h) {
    /* The guest implements the resource: it gets its own rep back. */
    *handle = rep;
    return NULL;
  }
  entry_t e = {.rt = r, .rep = rep, .own = false, .scope = cx};
  wp_cabi_error_t *err = add(h, e, handle);
  if (!err) cx->num_borrows++;
  return err;
}

void wp_cabi_handles_end_lend(wp_cabi_handles_t *h, uint32_t handle);
void wp_cabi_handles_end_lend(wp_cabi_handles_t *h, uint32_t handle) {
  if (handle < h->len && h->v[handle].rt && h->v[handle].num_lends) h->v[handle].num_lends--;
}

void wp_cabi_handles_end_scope(wp_cabi_handles_t *h, const wp_cabi_cx_t *cx);
void wp_cabi_handles_end_scope(wp_cabi_handles_t *h, const wp_cabi_cx_t *cx) {
  for (uint32_t i = 1; i < h->len; i++)
    if (h->v[i].rt && !h->v[i].own && h->v[i].scope == cx) release(h, i);
}

/* --- objects (section 9) --- */

const char *wp_cabi_obj_kind_name(wp_cabi_obj_kind_t kind) {
  switch (kind) {
  case WP_CABI_OBJ_WAITABLE_SET: return "waitable set";
  case WP_CABI_OBJ_SUBTASK: return "subtask";
  case WP_CABI_OBJ_STREAM_READABLE: return "stream read end";
  case WP_CABI_OBJ_STREAM_WRITABLE: return "stream write end";
  case WP_CABI_OBJ_FUTURE_READABLE: return "future read end";
  case WP_CABI_OBJ_FUTURE_WRITABLE: return "future write end";
  case WP_CABI_OBJ_ERROR_CONTEXT: return "error context";
  }
  return "object";
}

wp_cabi_error_t *wp_cabi_handles_add_obj(wp_cabi_handles_t *h, wp_cabi_obj_t *o, uint32_t *index) {
  entry_t e = {.obj = o};
  wp_cabi_error_t *err = add(h, e, index);
  if (!err && o->kind != WP_CABI_OBJ_WAITABLE_SET && o->kind != WP_CABI_OBJ_ERROR_CONTEXT)
    ((wp_cabi_waitable_t *)o)->index = *index;
  return err;
}

static wp_cabi_error_t *lookup_obj(wp_cabi_handles_t *h, uint32_t i, wp_cabi_obj_kind_t kind, const char *what) {
  if (!h) return INVALID("%s: the guest has no handle table", what);
  if (i == 0 || i >= h->len || (!h->v[i].rt && !h->v[i].obj)) return TRAP("%s: unknown handle index %u", what, i);
  const entry_t *e = &h->v[i];
  if (!e->obj || (kind && e->obj->kind != kind)) {
    const char *have = slot_what(e), *want = kind ? wp_cabi_obj_kind_name(kind) : "waitable";
    return TRAP("%s: handle %u is %s %s, not %s %s", what, i, an(have), have, an(want), want);
  }
  return NULL;
}

wp_cabi_error_t *wp_cabi_handles_get_obj(wp_cabi_handles_t *h, uint32_t index, wp_cabi_obj_kind_t kind,
                                         const char *what, wp_cabi_obj_t **out) {
  wp_cabi_error_t *e = lookup_obj(h, index, kind, what);
  if (e) return e;
  *out = h->v[index].obj;
  return NULL;
}

wp_cabi_error_t *wp_cabi_handles_remove_obj(wp_cabi_handles_t *h, uint32_t index, wp_cabi_obj_kind_t kind,
                                            const char *what, wp_cabi_obj_t **out) {
  wp_cabi_error_t *e = lookup_obj(h, index, kind, what);
  if (e) return e;
  *out = h->v[index].obj;
  release(h, index);
  return NULL;
}
