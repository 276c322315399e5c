/*
** test_sqlite.c — the RFC scenario: a trusted plugin drives the system's
** libsqlite3 through wasi:dl, allowlisted symbol by symbol with pinned
** signatures: version, open :memory:, exec, prepare/step/column, close.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const char ALLOW[] =
    "libsqlite3.so.0:sqlite3_libversion_number:()->c-int"
    "+sqlite3_libversion:()->pointer"
    "+sqlite3_open:(pointer+pointer)->c-int"
    "+sqlite3_exec:(pointer+pointer+pointer+pointer+pointer)->c-int"
    "+sqlite3_prepare_v2:(pointer+pointer+c-int+pointer+pointer)->c-int"
    "+sqlite3_step:(pointer)->c-int"
    "+sqlite3_column_int:(pointer+c-int)->c-int"
    "+sqlite3_column_text:(pointer+c-int)->pointer"
    "+sqlite3_finalize:(pointer)->c-int"
    "+sqlite3_close:(pointer)->c-int";

static uint32_t lib;

static uint32_t fn(const char *name, const h_ffi_type_t *args, size_t n, const h_ffi_type_t *ret) {
  char err[512];
  uint32_t s = h_sym(lib, name, err, sizeof err);
  if (!s) return fprintf(stderr, "%s: %s\n", name, err), 0;
  uint32_t f = h_func(s, args, n, ret);
  if (!f) fprintf(stderr, "%s: %s\n", name, h_trap);
  h_drop("dll", "symbol", s);
  return f;
}

static h_value_t ptr_to(uint32_t alloc) {
  uint32_t o = h_out(P_POINTER);
  CHECK(h_set_addr(o, alloc));
  return h_vprim(o);
}
static h_value_t null_ptr(void) {
  uint32_t o = h_out(P_POINTER);
  CHECK(h_set_u64(o, 0));
  return h_vprim(o);
}
static h_value_t c_int(int v) {
  uint32_t o = h_out(P_INT);
  CHECK(h_set_s64(o, v));
  return h_vprim(o);
}
static int64_t result_int(h_value_t v) {
  int64_t x = -1;
  CHECK(h_get_s64(v.val.rep, &x));
  h_drop("ffi", "incoming-primitive", v.val.rep);
  return x;
}

/* A C string the library can read: an alloc holding a pointer to a copy. */
static uint32_t c_string(const char *s) {
  h_ffi_type_t pt = {0};
  pt.val.prim = P_POINTER;
  h_res_rep_t r;
  CHECK(h_call("ffi", "[static]alloc.new", &pt, &r, sizeof r) == 0 && !r.is_err);
  h_self_string_t p = {r.val.ok, {(uint8_t *)s, strlen(s)}};
  h_res_void_t w;
  CHECK(h_call("ffi", "[method]alloc.write-string", &p, &w, sizeof w) == 0 && !w.is_err);
  return r.val.ok;
}

/* The pointer held by a pointer alloc, as an opaque alloc (to pass on). */
static uint32_t held(uint32_t slot) {
  h_self_t p = {slot};
  h_res_rep_t r, a;
  CHECK(h_call("ffi", "[method]alloc.read-primitive", &p, &r, sizeof r) == 0 && !r.is_err);
  h_self_t q = {r.val.ok};
  CHECK(h_call("ffi", "[method]incoming-primitive.get-alloc", &q, &a, sizeof a) == 0 && !a.is_err);
  h_drop("ffi", "incoming-primitive", r.val.ok);
  return a.val.ok;
}

int main(void) {
  if (!h_start(ALLOW)) {
    fprintf(stderr, "init refused: %s\n", h_last_log);
    return 1;
  }
  char err[512];
  lib = h_lib("libsqlite3.so.0", F_NOW, err, sizeof err);
  if (!lib) {
    fprintf(stderr, "open: %s\n", err);
    return 1;
  }
  h_ffi_type_t ci = {0}, pt = {0};
  ci.val.prim = P_INT;
  pt.val.prim = P_POINTER;
  h_value_t res;

  uint32_t ver = fn("sqlite3_libversion_number", NULL, 0, &ci);
  CHECK(h_invoke(ver, NULL, 0, &res) == 0 && result_int(res) == sqlite3_libversion_number());
  uint32_t vs = fn("sqlite3_libversion", NULL, 0, &pt);
  CHECK(h_invoke(vs, NULL, 0, &res) == 0);
  h_self_t vp = {res.val.rep};
  h_res_rep_t va;
  CHECK(h_call("ffi", "[method]incoming-primitive.get-alloc", &vp, &va, sizeof va) == 0 && !va.is_err);
  h_drop("ffi", "incoming-primitive", res.val.rep);
  h_self_t vsp = {va.val.ok};
  h_res_string_t vstr;
  CHECK(h_call("ffi", "[method]alloc.read-string", &vsp, &vstr, sizeof vstr) == 0 && !vstr.is_err &&
        vstr.val.ok.len == strlen(sqlite3_libversion()) &&
        !memcmp(vstr.val.ok.ptr, sqlite3_libversion(), vstr.val.ok.len));
  h_drop("ffi", "alloc", va.val.ok);

  /* sqlite3_open(":memory:", &db) */
  h_ffi_type_t two[2] = {pt, pt};
  uint32_t open = fn("sqlite3_open", two, 2, &ci);
  uint32_t name = c_string(":memory:");
  uint32_t name_ptr = held(name);
  h_ffi_type_t ptype = pt;
  h_res_rep_t dbslot_r;
  CHECK(h_call("ffi", "[static]alloc.new", &ptype, &dbslot_r, sizeof dbslot_r) == 0);
  uint32_t dbslot = dbslot_r.val.ok;
  h_value_t oargs[2] = {ptr_to(name_ptr), ptr_to(dbslot)};
  CHECK(h_invoke(open, oargs, 2, &res) == 0 && result_int(res) == SQLITE_OK);
  uint32_t db = held(dbslot);

  /* a pinned signature other than the pin is refused */
  uint32_t s = h_sym(lib, "sqlite3_open", err, sizeof err);
  h_ffi_type_t three[3] = {pt, pt, ci};
  CHECK(h_func(s, three, 3, &ci) == 0 && strstr(h_trap, "pinned to (pointer,pointer)->c-int"));
  h_drop("dll", "symbol", s);
  /* symbols not on the list are refused */
  CHECK(h_sym(lib, "sqlite3_load_extension", err, sizeof err) == 0 &&
        strstr(err, "symbol 'sqlite3_load_extension' of library 'libsqlite3.so.0' is not allowlisted"));

  /* sqlite3_exec(db, sql, NULL, NULL, NULL) */
  h_ffi_type_t five[5] = {pt, pt, pt, pt, pt};
  uint32_t exec = fn("sqlite3_exec", five, 5, &ci);
  uint32_t sql = c_string("create table t(x integer, y text); insert into t values (42, 'forty-two');");
  uint32_t sql_ptr = held(sql);
  h_value_t eargs[5] = {ptr_to(db), ptr_to(sql_ptr), null_ptr(), null_ptr(), null_ptr()};
  CHECK(h_invoke(exec, eargs, 5, &res) == 0 && result_int(res) == SQLITE_OK);

  /* prepare / step / column / finalize */
  h_ffi_type_t pargs[5] = {pt, pt, ci, pt, pt};
  uint32_t prepare = fn("sqlite3_prepare_v2", pargs, 5, &ci);
  uint32_t q = c_string("select x, y from t");
  uint32_t q_ptr = held(q);
  h_res_rep_t st_r;
  CHECK(h_call("ffi", "[static]alloc.new", &ptype, &st_r, sizeof st_r) == 0);
  h_value_t prargs[5] = {ptr_to(db), ptr_to(q_ptr), c_int(-1), ptr_to(st_r.val.ok), null_ptr()};
  CHECK(h_invoke(prepare, prargs, 5, &res) == 0 && result_int(res) == SQLITE_OK);
  uint32_t stmt = held(st_r.val.ok);
  h_ffi_type_t one[1] = {pt}, pc[2] = {pt, ci};
  uint32_t step = fn("sqlite3_step", one, 1, &ci);
  h_value_t sargs[1] = {ptr_to(stmt)};
  CHECK(h_invoke(step, sargs, 1, &res) == 0 && result_int(res) == SQLITE_ROW);
  uint32_t col = fn("sqlite3_column_int", pc, 2, &ci);
  h_value_t cargs[2] = {ptr_to(stmt), c_int(0)};
  CHECK(h_invoke(col, cargs, 2, &res) == 0 && result_int(res) == 42);
  uint32_t coltext = fn("sqlite3_column_text", pc, 2, &pt);
  h_value_t targs[2] = {ptr_to(stmt), c_int(1)};
  CHECK(h_invoke(coltext, targs, 2, &res) == 0);
  h_self_t tp = {res.val.rep};
  h_res_rep_t ta;
  CHECK(h_call("ffi", "[method]incoming-primitive.get-alloc", &tp, &ta, sizeof ta) == 0 && !ta.is_err);
  h_drop("ffi", "incoming-primitive", res.val.rep);
  h_self_t tsp = {ta.val.ok};
  h_res_string_t text;
  CHECK(h_call("ffi", "[method]alloc.read-string", &tsp, &text, sizeof text) == 0 && !text.is_err &&
        text.val.ok.len == 9 && !memcmp(text.val.ok.ptr, "forty-two", 9));
  h_drop("ffi", "alloc", ta.val.ok);
  h_value_t s2[1] = {ptr_to(stmt)};
  CHECK(h_invoke(step, s2, 1, &res) == 0 && result_int(res) == SQLITE_DONE);
  uint32_t fin = fn("sqlite3_finalize", one, 1, &ci);
  h_value_t fargs[1] = {ptr_to(stmt)};
  CHECK(h_invoke(fin, fargs, 1, &res) == 0 && result_int(res) == SQLITE_OK);

  uint32_t close = fn("sqlite3_close", one, 1, &ci);
  h_value_t clargs[1] = {ptr_to(db)};
  CHECK(h_invoke(close, clargs, 1, &res) == 0 && result_int(res) == SQLITE_OK);

  /* everything else is dropped by instance teardown (ASan checks leaks) */
  h_stop();
  printf("dl sqlite: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
