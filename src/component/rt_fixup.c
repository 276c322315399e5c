/*
** rt_fixup.c — a workaround for placing *imported* functions into tables.
**
** wasm2c 1.0.32 initialises a table entry for an imported function with
** the address of the importing instance's field that holds the import's
** module instance, not with the field's value; the core engine's import
** wrapper then reads its slots one indirection off and calls garbage.  jco's
** components hit this in every "fixup" module (it imports the lowered
** functions and fills the shim's table with an elem segment).
**
** Until the core engine handles it, core modules whose elem segments name
** imported functions are rewritten before compiling: each such import gets
** a defined trampoline (`local.get 0..n; call $import`), and the elem
** segments name the trampoline instead.  A defined function's table entry
** carries the right instance, and the trampoline's call takes the ordinary
** import path.  Modules without such segments are compiled unchanged.
*/
#include "component/rt.h"

#include <stdlib.h>
#include <string.h>

typedef struct rd {
  const uint8_t *p, *end;
  int bad;
} rd;

static uint64_t uleb(rd *r) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (r->p >= r->end) { r->bad = 1; return 0; }
    uint8_t b = *r->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  r->bad = 1;
  return 0;
}

static void skip(rd *r, uint64_t n) {
  if ((uint64_t)(r->end - r->p) < n) { r->bad = 1; r->p = r->end; return; }
  r->p += n;
}

static uint8_t byte(rd *r) {
  if (r->p >= r->end) { r->bad = 1; return 0; }
  return *r->p++;
}

typedef struct wb {
  uint8_t *s;
  size_t len, cap;
  int oom;
} wb;

static void put(wb *b, const void *p, size_t n) {
  if (b->oom) return;
  if (b->len + n > b->cap) {
    size_t ncap = (b->len + n) * 2 + 64;
    uint8_t *s = realloc(b->s, ncap);
    if (!s) { b->oom = 1; return; }
    b->s = s;
    b->cap = ncap;
  }
  memcpy(b->s + b->len, p, n);
  b->len += n;
}

static void put_uleb(wb *b, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  do {
    uint8_t c = v & 0x7f;
    v >>= 7;
    tmp[n++] = c | (v ? 0x80 : 0);
  } while (v);
  put(b, tmp, n);
}

static void put_byte(wb *b, uint8_t c) { put(b, &c, 1); }

/* Copies a constant expression up to and including its `end`, remapping
** ref.func of imported functions. */
static void const_expr(rd *r, wb *out, const uint32_t *remap, uint32_t nimp) {
  for (;;) {
    uint8_t op = byte(r);
    if (r->bad) return;
    put_byte(out, op);
    switch (op) {
    case 0x0b: return;
    case 0x41: case 0x42: { /* i32/i64.const: copy the sleb */
      uint8_t c;
      do { c = byte(r); put_byte(out, c); } while ((c & 0x80) && !r->bad);
      break;
    }
    case 0x43: put(out, r->p, 4); skip(r, 4); break;
    case 0x44: put(out, r->p, 8); skip(r, 8); break;
    case 0x23: put_uleb(out, uleb(r)); break;
    case 0xd0: put_byte(out, byte(r)); break;
    case 0xd2: {
      uint64_t f = uleb(r);
      put_uleb(out, f < nimp && remap[f] ? remap[f] : f);
      break;
    }
    default: break; /* extended-const arithmetic: no immediates */
    }
  }
}

typedef struct sec {
  uint8_t id;
  const uint8_t *body;
  uint32_t size;
} sec;

static int rank(uint8_t id) {
  static const int r[14] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};
  return id < 14 ? r[id] : 0;
}

uint8_t *rt_fixup_module(const uint8_t *bytes, size_t len, size_t *out_len) {
  if (len < 8 || memcmp(bytes, "\0asm\1\0\0\0", 8)) return NULL;
  sec secs[64];
  size_t nsec = 0;
  rd r = {bytes + 8, bytes + len, 0};
  while (r.p < r.end) {
    if (nsec == 64) return NULL;
    uint8_t id = byte(&r);
    uint64_t sz = uleb(&r);
    if (r.bad || sz > (uint64_t)(r.end - r.p)) return NULL;
    secs[nsec].id = id;
    secs[nsec].body = r.p;
    secs[nsec].size = (uint32_t)sz;
    nsec++;
    r.p += sz;
  }
  /* Function imports and their types. */
  uint32_t nimp = 0, *imptype = NULL, ndefined = 0;
  const sec *elem = NULL, *func = NULL, *code = NULL;
  for (size_t i = 0; i < nsec; i++) {
    if (secs[i].id == 9) elem = &secs[i];
    if (secs[i].id == 3) func = &secs[i];
    if (secs[i].id == 10) code = &secs[i];
    if (secs[i].id != 2) continue;
    rd s = {secs[i].body, secs[i].body + secs[i].size, 0};
    uint64_t n = uleb(&s);
    if (s.bad || n > secs[i].size) return NULL;
    imptype = calloc(n + 1, sizeof *imptype);
    if (!imptype) return NULL;
    for (uint64_t k = 0; k < n && !s.bad; k++) {
      skip(&s, uleb(&s));
      skip(&s, uleb(&s));
      uint8_t kind = byte(&s);
      if (kind == 0) imptype[nimp++] = (uint32_t)uleb(&s);
      else if (kind == 1) { byte(&s); uint8_t fl = byte(&s); uleb(&s); if (fl & 1) uleb(&s); }
      else if (kind == 2) { uint8_t fl = byte(&s); uleb(&s); if (fl & 1) uleb(&s); }
      else if (kind == 3) { byte(&s); byte(&s); }
      else if (kind == 4) { byte(&s); uleb(&s); }
      else s.bad = 1;
    }
    if (s.bad) { free(imptype); return NULL; }
  }
  if (!elem || !nimp) { free(imptype); return NULL; }
  if (func) {
    rd s = {func->body, func->body + func->size, 0};
    ndefined = (uint32_t)uleb(&s);
  }
  /* Which imports do elem segments name?  remap[i] = trampoline index. */
  uint32_t *remap = calloc(nimp, sizeof *remap), *order = calloc(nimp, sizeof *order), ntramp = 0;
  wb ne = {0};
  uint8_t *result = NULL;
  if (!remap || !order) goto done;
  for (int pass = 0; pass < 2; pass++) {
    rd s = {elem->body, elem->body + elem->size, 0};
    uint64_t nseg = uleb(&s);
    if (pass == 1) put_uleb(&ne, nseg);
    for (uint64_t k = 0; k < nseg && !s.bad; k++) {
      uint64_t flags = uleb(&s);
      if (pass == 1) put_uleb(&ne, flags);
      wb sink = {0};
      wb *o = pass == 1 ? &ne : &sink;
      if (flags == 2 || flags == 6) put_uleb(o, uleb(&s));            /* table index */
      if (!(flags & 1)) const_expr(&s, o, remap, 0);                 /* offset */
      if (flags & 3) put_byte(o, byte(&s));                          /* elemkind / reftype */
      uint64_t n = uleb(&s);
      put_uleb(o, n);
      for (uint64_t j = 0; j < n && !s.bad; j++) {
        if (flags & 4) {
          if (pass == 0 && s.p + 1 < s.end && s.p[0] == 0xd2) {
            rd t = {s.p + 1, s.end, 0};
            uint64_t f = uleb(&t);
            if (f < nimp && !remap[f]) { remap[f] = 1; order[ntramp++] = (uint32_t)f; }
          }
          const_expr(&s, o, remap, pass == 1 ? nimp : 0);
        } else {
          uint64_t f = uleb(&s);
          if (pass == 0 && f < nimp && !remap[f] && flags != 3) { remap[f] = 1; order[ntramp++] = (uint32_t)f; }
          put_uleb(o, pass == 1 && f < nimp && remap[f] && flags != 3 ? remap[f] : f);
        }
      }
      free(sink.s);
    }
    if (s.bad) goto done;
    if (pass == 0) {
      if (!ntramp) goto done;
      for (uint32_t t = 0; t < ntramp; t++) remap[order[t]] = nimp + ndefined + t;
    }
  }
  if (ne.oom) goto done;
  {
    /* Types: the param count of each trampoline's type. */
    const sec *types = NULL;
    for (size_t i = 0; i < nsec; i++)
      if (secs[i].id == 1) types = &secs[i];
    if (!types) goto done;
    const uint8_t **tstart = NULL;
    rd s = {types->body, types->body + types->size, 0};
    uint64_t ntypes = uleb(&s);
    if (ntypes > types->size) goto done;
    tstart = calloc(ntypes + 1, sizeof *tstart);
    if (!tstart) goto done;
    for (uint64_t k = 0; k < ntypes && !s.bad; k++) {
      if (byte(&s) != 0x60) s.bad = 1;
      tstart[k] = s.p;
      skip(&s, uleb(&s));
      skip(&s, uleb(&s));
    }
    wb nf = {0}, nc = {0}, out = {0};
    /* function section */
    rd fs = {func ? func->body : NULL, func ? func->body + func->size : NULL, 0};
    if (func) uleb(&fs);
    put_uleb(&nf, ndefined + ntramp);
    if (func) put(&nf, fs.p, (size_t)(fs.end - fs.p));
    for (uint32_t t = 0; t < ntramp; t++) put_uleb(&nf, imptype[order[t]]);
    /* code section */
    rd cs = {code ? code->body : NULL, code ? code->body + code->size : NULL, 0};
    if (code) uleb(&cs);
    put_uleb(&nc, ndefined + ntramp);
    if (code) put(&nc, cs.p, (size_t)(cs.end - cs.p));
    for (uint32_t t = 0; t < ntramp && !s.bad; t++) {
      uint32_t ti = imptype[order[t]];
      if (ti >= ntypes) { s.bad = 1; break; }
      rd tp = {tstart[ti], types->body + types->size, 0};
      uint64_t np = uleb(&tp);
      wb body = {0};
      put_byte(&body, 0); /* no locals */
      for (uint64_t p = 0; p < np; p++) { put_byte(&body, 0x20); put_uleb(&body, p); }
      put_byte(&body, 0x10);
      put_uleb(&body, order[t]);
      put_byte(&body, 0x0b);
      put_uleb(&nc, body.len);
      put(&nc, body.s, body.len);
      if (body.oom) nc.oom = 1;
      free(body.s);
    }
    free(tstart);
    /* reassemble */
    put(&out, bytes, 8);
    int have_func = func != NULL, have_code = code != NULL;
    for (size_t i = 0; i <= nsec; i++) {
      int rk = i < nsec ? rank(secs[i].id) : 100;
      int custom = i < nsec && secs[i].id == 0;
      if (!custom && !have_func && rk > rank(3)) {
        put_byte(&out, 3); put_uleb(&out, nf.len); put(&out, nf.s, nf.len);
        have_func = 1;
      }
      if (!custom && !have_code && rk > rank(10)) {
        put_byte(&out, 10); put_uleb(&out, nc.len); put(&out, nc.s, nc.len);
        have_code = 1;
      }
      if (i == nsec) break;
      const wb *repl = secs[i].id == 9 ? &ne : secs[i].id == 3 ? &nf : secs[i].id == 10 ? &nc : NULL;
      put_byte(&out, secs[i].id);
      if (repl) { put_uleb(&out, repl->len); put(&out, repl->s, repl->len); }
      else { put_uleb(&out, secs[i].size); put(&out, secs[i].body, secs[i].size); }
    }
    if (!s.bad && !out.oom && !nf.oom && !nc.oom) {
      result = out.s;
      *out_len = out.len;
    } else {
      free(out.s);
    }
    free(nf.s);
    free(nc.s);
  }
done:
  free(ne.s);
  free(remap);
  free(order);
  free(imptype);
  return result;
}

/* wasm2c 1.0.32 refuses a module whose "name" section names more functions
** than the module has, yet the section is only debug information (and the
** spec says a malformed one must not invalidate the module): jco's trimmed
** preview1 adapter has exactly that.  Returns a copy without "name"
** sections, or NULL when there is none. */
uint8_t *rt_strip_names(const uint8_t *bytes, size_t len, size_t *out_len) {
  if (len < 8 || memcmp(bytes, "\0asm\1\0\0\0", 8)) return NULL;
  int found = 0;
  for (int pass = 0; pass < 2; pass++) {
    wb out = {0};
    if (pass == 1) put(&out, bytes, 8);
    rd r = {bytes + 8, bytes + len, 0};
    while (r.p < r.end) {
      const uint8_t *start = r.p;
      uint8_t id = byte(&r);
      uint64_t sz = uleb(&r);
      if (r.bad || sz > (uint64_t)(r.end - r.p)) {
        free(out.s);
        return NULL;
      }
      const uint8_t *body = r.p;
      r.p += sz;
      int is_name = 0;
      if (id == 0) {
        rd n = {body, body + sz, 0};
        uint64_t nl = uleb(&n);
        is_name = !n.bad && nl == 4 && (uint64_t)(n.end - n.p) >= 4 && !memcmp(n.p, "name", 4);
      }
      if (is_name) found = 1;
      else if (pass == 1) put(&out, start, (size_t)(r.p - start));
    }
    if (pass == 0 && !found) return NULL;
    if (pass == 1) {
      if (out.oom) {
        free(out.s);
        return NULL;
      }
      *out_len = out.len;
      return out.s;
    }
  }
  return NULL;
}
