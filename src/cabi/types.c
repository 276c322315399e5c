/*
 * types.c -- type descriptors: construction, layout (guest wasm32 and native
 * LP64) and flattening, all computed once when a descriptor is built.
 *
 * Option, result, enum and tuple are kept as their own kinds (printing and
 * WAVE need them) but laid out and flattened through their despecialised
 * forms (variant / record), exactly as CanonicalABI.md's despecialize().
 */
#include "cabi/cabi_internal.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct chunk {
  struct chunk *next;
} chunk_t;

struct wasmplug_ctypes {
  chunk_t *chunks; /* every allocation, freed together */
  char *bump;      /* the free end of the newest small-object chunk */
  size_t left, last; /* its bytes left, its size */
  const wp_cabi_type_t *prims[WP_CABI_STRING + 1];
  const wp_cabi_type_t *errctx;
  char error[256];
  wp_cabi_plan_link_t *plans; /* compiled plans (native.c), pushed atomically */
};

wp_cabi_types_t *wp_cabi_types_new(void) { return calloc(1, sizeof(wp_cabi_types_t)); }

void wp_cabi_types_delete(wp_cabi_types_t *t) {
  if (!t) return;
  chunk_t *c = t->chunks;
  while (c) {
    chunk_t *n = c->next;
    free(c);
    c = n;
  }
  for (wp_cabi_plan_link_t *p = t->plans; p;) {
    wp_cabi_plan_link_t *n = p->next;
    free(p);
    p = n;
  }
  free(t);
}

const char *wp_cabi_types_error(const wp_cabi_types_t *t) { return t->error; }

/* A plan is built on first use, maybe by two threads at once (types are
** read freely once built): each keeps the one that won the race for the
** type and hands the types its own to free (malloc'ed) with the rest. */
void wp_cabi_types_keep_plan(wp_cabi_types_t *t, wp_cabi_plan_link_t *p) {
  p->next = __atomic_load_n(&t->plans, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(&t->plans, &p->next, p, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
  }
}

/* Zeroed, 16-byte aligned, bumped out of chunks that grow with the arena
** (a component instance converts hundreds of types: one calloc each was
** a tenth of instantiating); a large block gets a chunk of its own. */
static void *talloc(wp_cabi_types_t *t, size_t n) {
  n = wp_align_up(n ? n : 1, 16);
  if (n <= t->left) {
    void *p = t->bump;
    t->bump += n;
    t->left -= n;
    return p;
  }
  size_t size = n;
  bool small = n <= 512;
  if (small) size = t->last ? (t->last < (16u << 10) ? t->last * 2 : t->last) : 2048;
  chunk_t *c = calloc(1, wp_align_up(sizeof(chunk_t), 16) + size);
  if (!c) {
    snprintf(t->error, sizeof t->error, "out of memory");
    return NULL;
  }
  c->next = t->chunks;
  t->chunks = c;
  char *p = (char *)c + wp_align_up(sizeof(chunk_t), 16);
  if (small) {
    t->last = size;
    t->bump = p + n;
    t->left = size - n;
  }
  return p;
}

void *wp_cabi_types_alloc(wp_cabi_types_t *t, size_t n) { return talloc(t, n); }

static char *tstrdup(wp_cabi_types_t *t, const char *s) {
  size_t n = strlen(s);
  char *d = talloc(t, n + 1);
  if (d) memcpy(d, s, n + 1);
  return d;
}

static void *fail(wp_cabi_types_t *t, const char *fmt, const char *arg) {
  snprintf(t->error, sizeof t->error, fmt, arg);
  return NULL;
}

/* A label is kebab-case: words of ASCII alphanumerics, starting with a
 * letter, joined by single '-'.  (A leading '%' is not part of a label.) */
static bool label_ok(const char *s) {
  if (!s || !*s) return false;
  bool word_start = true;
  for (const char *p = s; *p; p++) {
    char c = *p;
    if (c == '-') {
      if (word_start) return false;
      word_start = true;
      continue;
    }
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool digit = c >= '0' && c <= '9';
    if (word_start && !alpha) return false;
    if (!alpha && !digit) return false;
    word_start = false;
  }
  return !word_start;
}

static wp_cabi_type_t *new_type(wp_cabi_types_t *t, wp_cabi_kind_t kind) {
  wp_cabi_type_t *ty = talloc(t, sizeof *ty);
  if (ty) {
    ty->kind = kind;
    ty->depth = 1;
    ty->owner = t;
  }
  return ty;
}

/* Sets ty's depth from a child; false (with the error set) if too deep. */
static bool deeper(wp_cabi_types_t *t, wp_cabi_type_t *ty, const wp_cabi_type_t *child) {
  if (child && child->depth + 1 > ty->depth) ty->depth = child->depth + 1;
  if (ty->depth > WP_CABI_MAX_DEPTH) {
    snprintf(t->error, sizeof t->error, "type nesting deeper than %d levels", WP_CABI_MAX_DEPTH);
    return false;
  }
  return true;
}

static void flat_push(wp_cabi_type_t *ty, wp_cabi_core_t c) { wp_flat_push(ty->flat, &ty->nflat, c); }

static void flat_append(wp_cabi_type_t *ty, const wp_cabi_type_t *sub) {
  wp_flat_append(ty->flat, &ty->nflat, sub->flat, sub->nflat);
}

static void set_prim_layout(wp_cabi_type_t *ty, uint32_t size) {
  ty->guest.size = ty->guest.align = ty->native.size = ty->native.align = size;
}

const wp_cabi_type_t *wp_cabi_type_prim(wp_cabi_types_t *t, wp_cabi_kind_t kind) {
  if (kind < WP_CABI_BOOL || kind > WP_CABI_STRING) return fail(t, "%s is not a primitive type kind", "kind");
  if (t->prims[kind]) return t->prims[kind];
  wp_cabi_type_t *ty = new_type(t, kind);
  if (!ty) return NULL;
  switch (kind) {
  case WP_CABI_BOOL: set_prim_layout(ty, 1); flat_push(ty, WP_CABI_I32); break;
  case WP_CABI_S8: case WP_CABI_U8: set_prim_layout(ty, 1); flat_push(ty, WP_CABI_I32); ty->plain = true; break;
  case WP_CABI_S16: case WP_CABI_U16: set_prim_layout(ty, 2); flat_push(ty, WP_CABI_I32); ty->plain = true; break;
  case WP_CABI_S32: case WP_CABI_U32: set_prim_layout(ty, 4); flat_push(ty, WP_CABI_I32); ty->plain = true; break;
  case WP_CABI_S64: case WP_CABI_U64: set_prim_layout(ty, 8); flat_push(ty, WP_CABI_I64); ty->plain = true; break;
  case WP_CABI_F32: set_prim_layout(ty, 4); flat_push(ty, WP_CABI_CF32); break;
  case WP_CABI_F64: set_prim_layout(ty, 8); flat_push(ty, WP_CABI_CF64); break;
  case WP_CABI_CHAR: set_prim_layout(ty, 4); flat_push(ty, WP_CABI_I32); break;
  case WP_CABI_STRING:
    ty->guest.size = 8; ty->guest.align = 4;
    ty->native.size = 2 * sizeof(void *); ty->native.align = sizeof(void *);
    flat_push(ty, WP_CABI_I32); flat_push(ty, WP_CABI_I32);
    ty->has_pointers = true;
    break;
  default: break;
  }
  t->prims[kind] = ty;
  return ty;
}

const wp_cabi_type_t *wp_cabi_type_list(wp_cabi_types_t *t, const wp_cabi_type_t *elem) {
  if (!elem) return fail(t, "%s: element type is NULL", "list");
  wp_cabi_type_t *ty = new_type(t, WP_CABI_LIST);
  if (!ty) return NULL;
  ty->elem = elem;
  if (!deeper(t, ty, elem)) return NULL;
  ty->guest.size = 8; ty->guest.align = 4;
  ty->native.size = 2 * sizeof(void *); ty->native.align = sizeof(void *);
  flat_push(ty, WP_CABI_I32); flat_push(ty, WP_CABI_I32);
  ty->has_pointers = true;
  ty->has_borrow = elem->has_borrow;
  return ty;
}

const wp_cabi_type_t *wp_cabi_type_fixed_list(wp_cabi_types_t *t, const wp_cabi_type_t *elem, uint32_t length) {
  if (!elem) return fail(t, "%s: element type is NULL", "fixed-length list");
  if (length == 0) return fail(t, "%s: length must be at least 1", "fixed-length list");
  uint64_t gs = (uint64_t)elem->guest.size * length, ns = (uint64_t)elem->native.size * length;
  if (gs >= (1u << 28) || ns >= ((uint64_t)1 << 32))
    return fail(t, "%s: too large (its size must be below 2^28 bytes)", "fixed-length list");
  wp_cabi_type_t *ty = new_type(t, WP_CABI_FIXED_LIST);
  if (!ty) return NULL;
  ty->elem = elem;
  ty->length = length;
  if (!deeper(t, ty, elem)) return NULL;
  ty->guest.size = (uint32_t)gs;
  ty->guest.align = elem->guest.align;
  ty->native.size = (uint32_t)ns;
  ty->native.align = elem->native.align;
  /* every element flattens to at least one value: this stops after at
   * most WP_CABI_FLAT_CAP rounds; the count is the exact product */
  for (uint32_t i = 0; i < length && ty->nflat < WP_CABI_FLAT_CAP; i++) flat_append(ty, elem);
  uint64_t total = (uint64_t)elem->nflat * length;
  ty->nflat = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
  ty->plain = elem->plain;
  ty->has_pointers = elem->has_pointers;
  ty->has_borrow = elem->has_borrow;
  return ty;
}

const wp_cabi_type_t *wp_cabi_type_map(wp_cabi_types_t *t, const wp_cabi_type_t *key, const wp_cabi_type_t *value) {
  if (!key || !value) return fail(t, "%s: key or value type is NULL", "map");
  if (key->kind > WP_CABI_STRING || key->kind == WP_CABI_F32 || key->kind == WP_CABI_F64)
    return fail(t, "%s: the key type must be a primitive type other than a float", "map");
  const wp_cabi_type_t *kv[2] = {key, value};
  const wp_cabi_type_t *pair = wp_cabi_type_tuple(t, 2, kv);
  const wp_cabi_type_t *l = pair ? wp_cabi_type_list(t, pair) : NULL;
  if (l) ((wp_cabi_type_t *)l)->map = true; /* just built, not shared yet */
  return l;
}

/* Lays out fields in order (record/tuple), on both sides. */
static void layout_fields(wp_cabi_type_t *ty, wp_cabi_field_t *fs, uint32_t n) {
  wp_layout_t g = WP_LAYOUT_EMPTY, nat = WP_LAYOUT_EMPTY;
  bool plain = true;
  for (uint32_t i = 0; i < n; i++) {
    const wp_cabi_type_t *f = fs[i].type;
    uint64_t go = wp_layout_field(&g, f->guest.size, f->guest.align);
    uint64_t no = wp_layout_field(&nat, f->native.size, f->native.align);
    fs[i].guest_offset = go > UINT32_MAX ? UINT32_MAX : (uint32_t)go;
    fs[i].native_offset = no > UINT32_MAX ? UINT32_MAX : (uint32_t)no;
    if (!f->plain) plain = false;
    if (f->has_pointers) ty->has_pointers = true;
    if (f->has_borrow) ty->has_borrow = true;
    flat_append(ty, f);
  }
  wp_layout_fields_end(&g);
  wp_layout_fields_end(&nat);
  ty->guest.size = g.size > UINT32_MAX ? UINT32_MAX : (uint32_t)g.size;
  ty->guest.align = g.align;
  ty->native.size = nat.size > UINT32_MAX ? UINT32_MAX : (uint32_t)nat.size;
  ty->native.align = nat.align;
  /* Plain fields have the same size on both sides, so the offsets and
   * padding agree too; padding bytes are copied but never interpreted. */
  ty->plain = plain;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Labels must be valid and distinct.  Sorting a copy keeps this
 * O(n log n): enums with tens of thousands of cases are legal. */
static bool labels_unique(wp_cabi_types_t *t, size_t n, const char *const *names, const char *what) {
  for (size_t i = 0; i < n; i++)
    if (!label_ok(names[i])) {
      snprintf(t->error, sizeof t->error, "%s: invalid label '%s'", what, names[i] ? names[i] : "(null)");
      return false;
    }
  const char **sorted = malloc(n * sizeof *sorted);
  if (!sorted) {
    snprintf(t->error, sizeof t->error, "out of memory");
    return false;
  }
  memcpy(sorted, names, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, cmp_str);
  for (size_t i = 1; i < n; i++)
    if (!strcmp(sorted[i - 1], sorted[i])) {
      snprintf(t->error, sizeof t->error, "%s: duplicate label '%s'", what, sorted[i]);
      free(sorted);
      return false;
    }
  free(sorted);
  return true;
}

static const wp_cabi_type_t *make_fields(wp_cabi_types_t *t, wp_cabi_kind_t kind, size_t n,
                                         const char *const *names, const wp_cabi_type_t *const *types) {
  const char *what = kind == WP_CABI_RECORD ? "record" : "tuple";
  if (n == 0) return fail(t, "%s must have at least one field", what);
  if (n > 100000) return fail(t, "%s has too many fields", what);
  if (names && !labels_unique(t, n, names, what)) return NULL;
  wp_cabi_type_t *ty = new_type(t, kind);
  wp_cabi_field_t *fs = talloc(t, n * sizeof *fs);
  if (!ty || !fs) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (!types[i]) return fail(t, "%s: field type is NULL", what);
    char num[16];
    snprintf(num, sizeof num, "%zu", i);
    fs[i].name = tstrdup(t, names ? names[i] : num);
    if (!fs[i].name) return NULL;
    fs[i].type = types[i];
    if (!deeper(t, ty, types[i])) return NULL;
  }
  ty->fields = fs;
  ty->nfields = (uint32_t)n;
  layout_fields(ty, fs, (uint32_t)n);
  return ty;
}

const wp_cabi_type_t *wp_cabi_type_record(wp_cabi_types_t *t, size_t n, const char *const *names,
                                          const wp_cabi_type_t *const *types) {
  if (!names) return fail(t, "%s: names are NULL", "record");
  return make_fields(t, WP_CABI_RECORD, n, names, types);
}

const wp_cabi_type_t *wp_cabi_type_tuple(wp_cabi_types_t *t, size_t n, const wp_cabi_type_t *const *types) {
  return make_fields(t, WP_CABI_TUPLE, n, NULL, types);
}

/* Lays out a variant-like over payload types cases[0..n) (NULL = none). */
static void layout_cases(wp_cabi_type_t *ty, size_t n, const wp_cabi_type_t *const *cases) {
  wp_layout_t gmax = WP_LAYOUT_EMPTY, nmax = WP_LAYOUT_EMPTY;
  uint32_t widest;
  wp_flat_cases_begin(ty->flat, &ty->nflat, &widest);
  for (size_t i = 0; i < n; i++) {
    const wp_cabi_type_t *c = cases[i];
    if (!c) continue;
    wp_layout_case(&gmax, c->guest.size, c->guest.align);
    wp_layout_case(&nmax, c->native.size, c->native.align);
    if (c->has_pointers) ty->has_pointers = true;
    if (c->has_borrow) ty->has_borrow = true;
    wp_flat_case(ty->flat, &ty->nflat, &widest, c->flat, c->nflat);
  }
  wp_flat_cases_end(&ty->nflat, widest);
  uint64_t gpo, npo;
  wp_layout_t g = wp_layout_cases_end(&gmax, n, &gpo), nat = wp_layout_cases_end(&nmax, n, &npo);
  ty->disc_size = wp_layout_disc_size(n);
  ty->guest_payload_offset = (uint32_t)gpo; /* at most 4 + an alignment */
  ty->native_payload_offset = (uint32_t)npo;
  ty->guest.size = g.size > UINT32_MAX ? UINT32_MAX : (uint32_t)g.size;
  ty->guest.align = g.align;
  ty->native.size = nat.size > UINT32_MAX ? UINT32_MAX : (uint32_t)nat.size;
  ty->native.align = nat.align;
}

const wp_cabi_type_t *wp_cabi_type_variant(wp_cabi_types_t *t, size_t n, const char *const *names,
                                           const wp_cabi_type_t *const *types) {
  if (n == 0) return fail(t, "%s must have at least one case", "variant");
  if (n > UINT32_MAX / 2) return fail(t, "%s has too many cases", "variant");
  if (!names || !labels_unique(t, n, names, "variant")) return names ? NULL : fail(t, "%s: names are NULL", "variant");
  wp_cabi_type_t *ty = new_type(t, WP_CABI_VARIANT);
  wp_cabi_field_t *fs = talloc(t, n * sizeof *fs);
  const wp_cabi_type_t **ts = talloc(t, n * sizeof *ts);
  if (!ty || !fs || !ts) return NULL;
  for (size_t i = 0; i < n; i++) {
    fs[i].name = tstrdup(t, names[i]);
    if (!fs[i].name) return NULL;
    fs[i].type = ts[i] = types ? types[i] : NULL;
    if (!deeper(t, ty, ts[i])) return NULL;
  }
  ty->fields = fs;
  ty->nfields = (uint32_t)n;
  layout_cases(ty, n, ts);
  return ty;
}

static const wp_cabi_type_t *make_labels(wp_cabi_types_t *t, wp_cabi_kind_t kind, size_t n,
                                         const char *const *names) {
  const char *what = kind == WP_CABI_ENUM ? "enum" : "flags";
  if (n == 0) return fail(t, "%s must have at least one label", what);
  if (kind == WP_CABI_FLAGS && n > WP_CABI_MAX_FLAGS) return fail(t, "%s has more than 32 labels", what);
  if (n > UINT32_MAX / 2) return fail(t, "%s has too many labels", what);
  if (!names) return fail(t, "%s: names are NULL", what);
  if (!labels_unique(t, n, names, what)) return NULL;
  wp_cabi_type_t *ty = new_type(t, kind);
  wp_cabi_field_t *fs = talloc(t, n * sizeof *fs);
  if (!ty || !fs) return NULL;
  for (size_t i = 0; i < n; i++) {
    fs[i].name = tstrdup(t, names[i]);
    if (!fs[i].name) return NULL;
  }
  ty->fields = fs;
  ty->nfields = (uint32_t)n;
  if (kind == WP_CABI_ENUM) {
    /* An enum is a variant whose cases have no payload. */
    ty->disc_size = wp_layout_disc_size(n);
    set_prim_layout(ty, ty->disc_size);
    ty->guest_payload_offset = ty->native_payload_offset = ty->disc_size;
    flat_push(ty, WP_CABI_I32);
  } else {
    set_prim_layout(ty, wp_layout_flags_size(n));
    flat_push(ty, WP_CABI_I32);
  }
  return ty;
}

const wp_cabi_type_t *wp_cabi_type_enum(wp_cabi_types_t *t, size_t n, const char *const *names) {
  return make_labels(t, WP_CABI_ENUM, n, names);
}

const wp_cabi_type_t *wp_cabi_type_flags(wp_cabi_types_t *t, size_t n, const char *const *names) {
  return make_labels(t, WP_CABI_FLAGS, n, names);
}

const wp_cabi_type_t *wp_cabi_type_option(wp_cabi_types_t *t, const wp_cabi_type_t *some) {
  if (!some) return fail(t, "%s: payload type is NULL", "option");
  wp_cabi_type_t *ty = new_type(t, WP_CABI_OPTION);
  if (!ty) return NULL;
  ty->elem = some;
  if (!deeper(t, ty, some)) return NULL;
  const wp_cabi_type_t *cases[2] = {NULL, some};
  layout_cases(ty, 2, cases);
  return ty;
}

const wp_cabi_type_t *wp_cabi_type_result(wp_cabi_types_t *t, const wp_cabi_type_t *ok, const wp_cabi_type_t *err) {
  wp_cabi_type_t *ty = new_type(t, WP_CABI_RESULT);
  if (!ty) return NULL;
  ty->elem = ok;
  ty->err = err;
  if (!deeper(t, ty, ok) || !deeper(t, ty, err)) return NULL;
  const wp_cabi_type_t *cases[2] = {ok, err};
  layout_cases(ty, 2, cases);
  return ty;
}

static const wp_cabi_type_t *make_handle(wp_cabi_types_t *t, wp_cabi_kind_t kind, const wp_cabi_resource_t *r) {
  if (!r) return fail(t, "%s: resource type is NULL", kind == WP_CABI_OWN ? "own" : "borrow");
  wp_cabi_type_t *ty = new_type(t, kind);
  if (!ty) return NULL;
  ty->resource = r;
  set_prim_layout(ty, 4);
  flat_push(ty, WP_CABI_I32);
  ty->has_pointers = true; /* not plain: handles are translated */
  ty->has_borrow = kind == WP_CABI_BORROW;
  return ty;
}

const wp_cabi_type_t *wp_cabi_type_own(wp_cabi_types_t *t, const wp_cabi_resource_t *r) {
  return make_handle(t, WP_CABI_OWN, r);
}
const wp_cabi_type_t *wp_cabi_type_borrow(wp_cabi_types_t *t, const wp_cabi_resource_t *r) {
  return make_handle(t, WP_CABI_BORROW, r);
}

/* stream<T>, future<T>, error-context: an i32 handle in the guest, a
** uint32_t handle in the native layout; never plain (handles move between
** tables). */
static wp_cabi_type_t *make_async(wp_cabi_types_t *t, wp_cabi_kind_t kind, const wp_cabi_type_t *elem) {
  wp_cabi_type_t *ty = new_type(t, kind);
  if (!ty) return NULL;
  ty->elem = elem;
  if (!deeper(t, ty, elem)) return NULL;
  if (elem && elem->has_borrow) {
    snprintf(t->error, sizeof t->error, "%s element type may not contain a borrow",
             kind == WP_CABI_STREAM ? "stream" : "future");
    return NULL;
  }
  set_prim_layout(ty, 4);
  flat_push(ty, WP_CABI_I32);
  ty->has_pointers = true;
  return ty;
}

const wp_cabi_type_t *wp_cabi_type_stream(wp_cabi_types_t *t, const wp_cabi_type_t *elem) {
  if (elem && elem->kind == WP_CABI_CHAR) return fail(t, "%s is not allowed", "stream<char>");
  return make_async(t, WP_CABI_STREAM, elem);
}

const wp_cabi_type_t *wp_cabi_type_future(wp_cabi_types_t *t, const wp_cabi_type_t *elem) {
  return make_async(t, WP_CABI_FUTURE, elem);
}

const wp_cabi_type_t *wp_cabi_type_error_context(wp_cabi_types_t *t) {
  if (!t->errctx) t->errctx = make_async(t, WP_CABI_ERROR_CONTEXT, NULL);
  return t->errctx;
}

static bool equal(const wp_cabi_type_t *a, const wp_cabi_type_t *b, bool names) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind) return false;
  switch (a->kind) {
  case WP_CABI_FIXED_LIST: return a->length == b->length && equal(a->elem, b->elem, names);
  case WP_CABI_LIST: return a->map == b->map && equal(a->elem, b->elem, names);
  case WP_CABI_OPTION:
  case WP_CABI_STREAM:
  case WP_CABI_FUTURE: return equal(a->elem, b->elem, names);
  case WP_CABI_RESULT: return equal(a->elem, b->elem, names) && equal(a->err, b->err, names);
  case WP_CABI_OWN:
  case WP_CABI_BORROW:
    return a->resource == b->resource ||
           (names && !strcmp(wp_cabi_resource_name(a->resource), wp_cabi_resource_name(b->resource)));
  case WP_CABI_RECORD:
  case WP_CABI_TUPLE:
  case WP_CABI_VARIANT:
  case WP_CABI_ENUM:
  case WP_CABI_FLAGS:
    if (a->nfields != b->nfields) return false;
    for (uint32_t i = 0; i < a->nfields; i++) {
      if (a->kind != WP_CABI_TUPLE && strcmp(a->fields[i].name, b->fields[i].name)) return false;
      if (!equal(a->fields[i].type, b->fields[i].type, names)) return false;
    }
    return true;
  default: return true; /* primitives, error-context */
  }
}

bool wp_cabi_type_equal(const wp_cabi_type_t *a, const wp_cabi_type_t *b) { return equal(a, b, false); }
bool wp_cabi_type_equal_named(const wp_cabi_type_t *a, const wp_cabi_type_t *b) { return equal(a, b, true); }

bool wp_cabi_func_equal(const wp_cabi_func_t *a, const wp_cabi_func_t *b, bool resources_by_name) {
  if (a->nparams != b->nparams || !equal(a->result, b->result, resources_by_name)) return false;
  for (size_t i = 0; i < a->nparams; i++)
    if (!equal(a->params[i], b->params[i], resources_by_name)) return false;
  return true;
}

const wp_cabi_resource_t *wp_cabi_resource_type(wp_cabi_types_t *t, const char *name, const wp_cabi_handles_t *impl,
                                                wp_cabi_dtor_fn dtor, void *dtor_ctx) {
  wp_cabi_resource_t *r = talloc(t, sizeof *r);
  if (!r) return NULL;
  r->name = tstrdup(t, name ? name : "resource");
  if (!r->name) return NULL;
  r->impl = impl;
  r->dtor = dtor;
  r->dtor_ctx = dtor_ctx;
  return r;
}

const char *wp_cabi_resource_name(const wp_cabi_resource_t *r) { return r->name; }

uint32_t wp_cabi_type_ncases(const wp_cabi_type_t *ty) {
  switch (ty->kind) {
  case WP_CABI_VARIANT: case WP_CABI_ENUM: return ty->nfields;
  case WP_CABI_OPTION: case WP_CABI_RESULT: return 2;
  default: return 0;
  }
}

const wp_cabi_type_t *wp_cabi_type_case(const wp_cabi_type_t *ty, uint32_t i) {
  switch (ty->kind) {
  case WP_CABI_VARIANT: return i < ty->nfields ? ty->fields[i].type : NULL;
  case WP_CABI_OPTION: return i == 1 ? ty->elem : NULL;
  case WP_CABI_RESULT: return i == 0 ? ty->elem : i == 1 ? ty->err : NULL;
  default: return NULL;
  }
}

const char *wp_cabi_type_case_name(const wp_cabi_type_t *ty, uint32_t i) {
  switch (ty->kind) {
  case WP_CABI_VARIANT: case WP_CABI_ENUM: return i < ty->nfields ? ty->fields[i].name : NULL;
  case WP_CABI_OPTION: return i == 0 ? "none" : i == 1 ? "some" : NULL;
  case WP_CABI_RESULT: return i == 0 ? "ok" : i == 1 ? "err" : NULL;
  default: return NULL;
  }
}

/* --- printing --- */

typedef struct {
  char *buf;
  size_t cap, len;
} pbuf_t;

static void put(pbuf_t *p, const char *s) {
  size_t n = strlen(s);
  if (p->len < p->cap) {
    size_t room = p->cap - p->len;
    memcpy(p->buf + p->len, s, n < room ? n : room);
  }
  p->len += n;
}

static void print_type(pbuf_t *p, const wp_cabi_type_t *ty, int depth) {
  static const char *const prim[] = {"?", "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64",
                                     "f32", "f64", "char", "string"};
  if (depth > 8) { put(p, "..."); return; }
  switch (ty->kind) {
  case WP_CABI_LIST:
    if (ty->map) {
      put(p, "map<");
      print_type(p, ty->elem->fields[0].type, depth + 1);
      put(p, ", ");
      print_type(p, ty->elem->fields[1].type, depth + 1);
      put(p, ">");
      return;
    }
    put(p, "list<"); print_type(p, ty->elem, depth + 1); put(p, ">");
    return;
  case WP_CABI_FIXED_LIST: {
    char n[24];
    snprintf(n, sizeof n, ", %u>", ty->length);
    put(p, "list<"); print_type(p, ty->elem, depth + 1); put(p, n);
    return;
  }
  case WP_CABI_OPTION: put(p, "option<"); print_type(p, ty->elem, depth + 1); put(p, ">"); return;
  case WP_CABI_RESULT:
    put(p, "result");
    if (ty->elem || ty->err) {
      put(p, "<");
      if (ty->elem) print_type(p, ty->elem, depth + 1); else put(p, "_");
      if (ty->err) { put(p, ", "); print_type(p, ty->err, depth + 1); }
      put(p, ">");
    }
    return;
  case WP_CABI_TUPLE:
    put(p, "tuple<");
    for (uint32_t i = 0; i < ty->nfields; i++) { if (i) put(p, ", "); print_type(p, ty->fields[i].type, depth + 1); }
    put(p, ">");
    return;
  case WP_CABI_RECORD:
  case WP_CABI_VARIANT:
  case WP_CABI_ENUM:
  case WP_CABI_FLAGS:
    put(p, ty->kind == WP_CABI_RECORD ? "record { " : ty->kind == WP_CABI_VARIANT ? "variant { "
           : ty->kind == WP_CABI_ENUM ? "enum { " : "flags { ");
    for (uint32_t i = 0; i < ty->nfields; i++) {
      if (i) put(p, ", ");
      put(p, ty->fields[i].name);
      if (ty->kind == WP_CABI_RECORD) { put(p, ": "); print_type(p, ty->fields[i].type, depth + 1); }
      else if (ty->kind == WP_CABI_VARIANT && ty->fields[i].type) {
        put(p, "("); print_type(p, ty->fields[i].type, depth + 1); put(p, ")");
      }
    }
    put(p, " }");
    return;
  case WP_CABI_STREAM:
  case WP_CABI_FUTURE:
    put(p, ty->kind == WP_CABI_STREAM ? "stream" : "future");
    if (ty->elem) { put(p, "<"); print_type(p, ty->elem, depth + 1); put(p, ">"); }
    return;
  case WP_CABI_ERROR_CONTEXT: put(p, "error-context"); return;
  case WP_CABI_OWN: put(p, "own<"); put(p, ty->resource->name); put(p, ">"); return;
  case WP_CABI_BORROW: put(p, "borrow<"); put(p, ty->resource->name); put(p, ">"); return;
  default: put(p, ty->kind <= WP_CABI_STRING ? prim[ty->kind] : "?"); return;
  }
}

size_t wp_cabi_type_print(const wp_cabi_type_t *ty, char *buf, size_t cap) {
  pbuf_t p = {buf, cap ? cap - 1 : 0, 0};
  print_type(&p, ty, 0);
  if (cap) buf[p.len < cap - 1 ? p.len : cap - 1] = 0;
  return p.len;
}

/* --- functions --- */

void wp_cabi_func_flatten(const wp_cabi_func_t *f, wp_cabi_context_t ctx, wp_cabi_core_sig_t *out) {
  memset(out, 0, sizeof *out);
  uint64_t n = 0; /* counts are below 2^32 each: no wrap */
  for (size_t i = 0; i < f->nparams; i++) n += f->params[i]->nflat;
  if (n > WP_CABI_MAX_FLAT_PARAMS) {
    out->params_indirect = true;
    out->nparams = 1;
    out->params[0] = WP_CABI_I32;
  } else {
    for (size_t i = 0; i < f->nparams; i++)
      for (uint32_t k = 0; k < f->params[i]->nflat; k++) out->params[out->nparams++] = f->params[i]->flat[k];
  }
  uint32_t r = f->result ? f->result->nflat : 0;
  if (r > WP_CABI_MAX_FLAT_RESULTS) {
    out->results_indirect = true;
    if (ctx == WP_CABI_LIFT) {
      out->nresults = 1;
      out->results[0] = WP_CABI_I32;
    } else {
      out->params[out->nparams++] = WP_CABI_I32;
    }
  } else if (r == 1) {
    out->nresults = 1;
    out->results[0] = f->result->flat[0];
  }
}

void wp_cabi_params_layout(const wp_cabi_func_t *f, bool native, uint32_t *size, uint32_t *align,
                           uint32_t *offsets) {
  wp_layout_t t = WP_LAYOUT_EMPTY; /* the params tuple */
  for (size_t i = 0; i < f->nparams; i++) {
    const wp_cabi_layout_t *l = native ? &f->params[i]->native : &f->params[i]->guest;
    uint64_t at = wp_layout_field(&t, l->size, l->align);
    if (offsets) offsets[i] = at > UINT32_MAX ? UINT32_MAX : (uint32_t)at;
  }
  wp_layout_fields_end(&t);
  *size = t.size > UINT32_MAX ? UINT32_MAX : (uint32_t)t.size;
  *align = t.align;
}

wp_cabi_error_t *wp_cabi_func_native_args(const wp_cabi_func_t *f, wp_cabi_native_args_t *out) {
  if (f->nparams > 64) return INVALID("function has %zu params; native args support at most 64", f->nparams);
  memset(out, 0, sizeof *out);
  wp_cabi_params_layout(f, true, &out->size, &out->align, out->offsets);
  return NULL;
}
