/*
** test_random.c — thousands of random wasi:dl operations (three seeds):
** random types, values, handles (live, consumed, dropped, of the wrong
** kind) and orders of drops, against libdltest's pointer-free functions.
** Every operation must return, trap cleanly or fail with a WIT error —
** never crash, leak or touch freed memory (run under ASan) — and every
** kind of operation must succeed sometimes, so the test is not vacuous.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define LIB DLTEST_PATH
#define POOL 64
#define NOPS 14

static uint64_t rng;
static uint64_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}
static uint32_t pick(const uint32_t *pool) { return pool[next() % POOL]; }
static void put(uint32_t *pool, uint32_t rep) {
  if (rep) pool[next() % POOL] = rep;
}

static uint32_t allocs[POOL], outs[POOL], ostructs[POOL], stypes[POOL], ins[POOL], istructs[POOL], fns[POOL];
static int ok[NOPS];

static h_ffi_type_t rand_type(void) {
  uint32_t st = pick(stypes);
  return (next() % 4 == 0 && st) ? h_struct(st) : h_prim((uint8_t)(next() % 21));
}

static h_value_t rand_value(void) {
  return next() % 3 == 0 ? h_vstruct(pick(ostructs)) : h_vprim(pick(outs));
}

static int64_t rand_int(void) {
  switch (next() % 5) {
  case 0: return 0;
  case 1: return (int64_t)(next() % 256) - 128;
  case 2: return INT64_MIN;
  case 3: return (int64_t)next();
  default: return 42;
  }
}

static void one(uint32_t lib) {
  int op = (int)(next() % NOPS);
  char err[256];
  switch (op) {
  case 0: { /* outgoing-primitive + a setter */
    uint32_t o = h_out((uint8_t)(next() % 21));
    int how = (int)(next() % 5);
    bool r = how == 0 ? h_set_s64(o, rand_int())
             : how == 1 ? h_set_u64(o, (uint64_t)rand_int())
             : how == 2 ? h_set_f64(o, (double)rand_int() / 4)
             : how == 3 ? h_set_f32(o, 0.5f)
                        : h_set_addr(o, pick(allocs));
    ok[op] += r;
    put(outs, o);
    break;
  }
  case 1: { /* struct-type */
    h_ffi_type_t f[3] = {rand_type(), rand_type(), rand_type()};
    uint32_t t = h_struct_type(f, 1 + next() % 3);
    ok[op] += t != 0;
    put(stypes, t);
    break;
  }
  case 2: { /* alloc.new */
    uint32_t a = h_alloc(rand_type());
    ok[op] += a != 0;
    put(allocs, a);
    break;
  }
  case 3: { /* outgoing-struct */
    h_value_t f[3] = {rand_value(), rand_value(), rand_value()};
    uint32_t s = h_out_struct(f, 1 + next() % 3);
    ok[op] += s != 0;
    put(ostructs, s);
    break;
  }
  case 4: { /* write-primitive / write-struct / write-string */
    h_res_void_t r;
    int how = (int)(next() % 3);
    if (how == 2) {
      h_self_string_t p = {pick(allocs), {(uint8_t *)"random", 6}};
      ok[op] += !h_call("ffi", "[method]alloc.write-string", &p, &r, sizeof r) && !r.is_err;
    } else {
      h_self_rep_t p = {pick(allocs), how ? pick(ostructs) : pick(outs)};
      ok[op] += !h_call("ffi", how ? "[method]alloc.write-struct" : "[method]alloc.write-primitive", &p, &r,
                        sizeof r) && !r.is_err;
    }
    break;
  }
  case 5: { /* read-primitive / read-struct */
    h_self_t p = {pick(allocs)};
    h_res_rep_t r;
    bool st = next() % 2;
    if (!h_call("ffi", st ? "[method]alloc.read-struct" : "[method]alloc.read-primitive", &p, &r, sizeof r) &&
        !r.is_err) {
      ok[op]++;
      put(st ? istructs : ins, r.val.ok);
    }
    break;
  }
  case 6: { /* read-string */
    h_self_t p = {pick(allocs)};
    h_res_string_t r;
    ok[op] += !h_call("ffi", "[method]alloc.read-string", &p, &r, sizeof r) && !r.is_err;
    break;
  }
  case 7: { /* getters, get-alloc */
    uint32_t in = pick(ins);
    int64_t s;
    uint64_t u;
    double d;
    float f;
    switch (next() % 5) {
    case 0: ok[op] += h_get_s64(in, &s); break;
    case 1: ok[op] += h_get_u64(in, &u); break;
    case 2: ok[op] += h_get_f64(in, &d); break;
    case 3: ok[op] += h_get_f32(in, &f); break;
    default: {
      h_self_t p = {in};
      h_res_rep_t r;
      if (!h_call("ffi", "[method]incoming-primitive.get-alloc", &p, &r, sizeof r) && !r.is_err) {
        ok[op]++;
        put(allocs, r.val.ok);
      }
    }
    }
    break;
  }
  case 8: { /* incoming-struct.fields */
    h_value_t f[8];
    size_t n = h_fields(pick(istructs), f, 8);
    ok[op] += n > 0;
    for (size_t i = 0; i < n && i < 8; i++) put(f[i].tag ? istructs : ins, f[i].val.rep);
    break;
  }
  case 9: { /* a function of libdltest with its true signature */
    static const char *const names[] = {"dt_i32", "dt_double", "dt_point_make", "dt_u8"};
    int k = (int)(next() % 4);
    uint32_t s = h_sym(lib, names[k], err, sizeof err);
    h_ffi_type_t i32 = h_prim(P_I32), dbl = h_prim(P_DOUBLE), u8 = h_prim(P_U8), two[2] = {i32, i32};
    h_ffi_type_t pt[2] = {i32, i32};
    uint32_t f = 0;
    if (k == 0) f = h_func(s, &i32, 1, &i32);
    if (k == 1) f = h_func(s, &dbl, 1, &dbl);
    if (k == 2) {
      uint32_t t = h_struct_type(pt, 2);
      h_ffi_type_t st = h_struct(t);
      f = h_func(s, two, 2, &st);
    }
    if (k == 3) f = h_func(s, &u8, 1, &u8);
    ok[op] += f != 0;
    put(fns, f);
    h_drop("dll", "symbol", s);
    break;
  }
  case 10: { /* call with random arguments */
    h_value_t a[2] = {rand_value(), rand_value()}, res;
    if (next() % 2) /* well-typed for the int32-t functions, half the time */
      for (int i = 0; i < 2; i++) {
        uint32_t o = h_out(P_I32);
        h_set_s64(o, (int32_t)next());
        a[i] = h_vprim(o);
      }
    int rc = h_invoke(pick(fns), a, next() % 3, &res);
    if (rc == 0) {
      ok[op]++;
      if (res.tag != 0xff) put(res.tag ? istructs : ins, res.val.rep);
    }
    break;
  }
  case 11: { /* function.get-alloc and from-alloc (the true signature or not) */
    h_self_t p = {pick(fns)};
    uint32_t a;
    if (!h_call("dll", "[method]function.get-alloc", &p, &a, sizeof a)) {
      h_ffi_type_t i32 = h_prim(P_I32);
      struct { uint32_t alloc; h_types_t args; h_opt_type_t ret; } q;
      memset(&q, 0, sizeof q);
      q.alloc = next() % 2 ? a : pick(allocs);
      q.args.ptr = &i32;
      q.args.len = 1;
      q.ret.is_some = true;
      q.ret.val = h_prim(P_I32);
      h_res_rep_t r;
      if (!h_call("dll", "[static]function.from-alloc", &q, &r, sizeof r) && !r.is_err) {
        ok[op]++;
        put(fns, r.val.ok);
      }
      if (q.alloc != a) put(allocs, a);
    }
    break;
  }
  case 12: { /* drops, including stale and foreign reps */
    static const char *const res[][2] = {{"ffi", "alloc"},          {"ffi", "outgoing-primitive"},
                                         {"ffi", "outgoing-struct"}, {"ffi", "struct-type"},
                                         {"ffi", "incoming-primitive"}, {"ffi", "incoming-struct"},
                                         {"dll", "function"}};
    uint32_t *pools[] = {allocs, outs, ostructs, stypes, ins, istructs, fns};
    int k = (int)(next() % 7), j = (int)(next() % 7);
    h_drop(res[k][0], res[k][1], pick(pools[j]));
    ok[op]++;
    break;
  }
  default: { /* set-addr on an existing outgoing value */
    ok[op] += h_set_addr(pick(outs), pick(allocs));
    break;
  }
  }
}

int main(void) {
  char allow[512];
  snprintf(allow, sizeof allow, "%s:dt_i32+dt_double+dt_point_make+dt_u8", LIB);
  for (uint64_t seed = 1; seed <= 3; seed++) {
    rng = seed * 0x9e3779b97f4a7c15ull;
    memset(allocs, 0, sizeof allocs), memset(outs, 0, sizeof outs), memset(ostructs, 0, sizeof ostructs);
    memset(stypes, 0, sizeof stypes), memset(ins, 0, sizeof ins), memset(istructs, 0, sizeof istructs);
    memset(fns, 0, sizeof fns);
    if (!h_start(allow)) return 1;
    char err[256];
    uint32_t lib = h_lib(LIB, F_NOW, err, sizeof err);
    CHECK(lib != 0);
    for (int i = 0; i < 4000; i++) one(lib);
    /* closing the library mid-way: later calls must trap, not crash */
    h_drop("dll", "library", lib);
    for (int i = 0; i < 1000; i++) one(lib);
    h_stop();
  }
  for (int i = 0; i < NOPS; i++) {
    if (!ok[i]) fprintf(stderr, "operation %d never succeeded\n", i);
    CHECK(ok[i] > 0);
  }
  printf("dl random: 15000 operations, %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
