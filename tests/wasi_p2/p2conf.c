/*
** p2conf.c — WASI 0.2 behaviours as the reference (Wasmtime's wasi:*
** host and its tests) has them, one case per area (argv[1]): fs
** (wasi:filesystem), streams (wasi:io/streams), clocks (wasi:clocks with
** zero and huge waits), tcp and udp (wasi:sockets state machines).  A
** command (main + preview1 adapter) that calls the 0.2 interfaces
** directly through `wasmplug bindgen c --guest` bindings.  Each case prints
** "CASE ok", or one FAIL line per difference and exits 1.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2conf.h"

static int failures;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      printf("FAIL line %d: %s\n", __LINE__, #cond);                       \
      failures++;                                                          \
    }                                                                      \
  } while (0)
/* A result `r` (evaluated once) must be ok (want < 0) or the error `want`. */
#define EXPECT(r, want)                                                    \
  do {                                                                     \
    __typeof__(r) r_ = (r);                                                \
    int w_ = (want);                                                       \
    if (w_ < 0 ? r_.is_err : (!r_.is_err || (int)r_.val.err != w_)) {     \
      printf("FAIL line %d: %s: got %s %d, want %d\n", __LINE__, #r,      \
             r_.is_err ? "error" : "ok", r_.is_err ? (int)r_.val.err : 0, w_); \
      failures++;                                                          \
    }                                                                      \
  } while (0)
#define OK (-1)

/* ------------------------------------------------------------ wasi:filesystem */

#define FS(x) WASI_FILESYSTEM_TYPES_ERROR_CODE_##x
#define DF(x) WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_##x
#define OF(x) WASI_FILESYSTEM_TYPES_OPEN_FLAGS_##x
#define DT(x) WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_##x
#define FOLLOW WASI_FILESYSTEM_TYPES_PATH_FLAGS_SYMLINK_FOLLOW
typedef wasi_filesystem_types_own_descriptor_t desc_t;
#define B(d) wasi_filesystem_types_borrow_descriptor(d)

static p2conf_string_t S(const char *s) {
  p2conf_string_t r;
  p2conf_string_set(&r, s);
  return r;
}

static p2conf_result_own_descriptor_error_code_t open_at(desc_t d, uint8_t pf, const char *path, uint8_t of,
                                                         uint8_t flags) {
  p2conf_result_own_descriptor_error_code_t r;
  p2conf_string_t p = S(path);
  wasi_filesystem_types_method_descriptor_open_at(B(d), pf, &p, of, flags, &r);
  return r;
}

static desc_t must_open(desc_t d, const char *path, uint8_t of, uint8_t flags) {
  p2conf_result_own_descriptor_error_code_t r = open_at(d, FOLLOW, path, of, flags);
  if (r.is_err) {
    printf("FAIL: open-at %s: error %d\n", path, r.val.err);
    exit(1);
  }
  return r.val.ok;
}

static void put(desc_t f, const char *text, uint64_t off) {
  p2conf_list_u8_t data = {(uint8_t *)text, strlen(text)};
  p2conf_result_filesize_error_code_t w;
  wasi_filesystem_types_method_descriptor_write(B(f), &data, off, &w);
  EXPECT(w, OK);
  CHECK(!w.is_err && w.val.ok == data.len);
}

#define STAT_AT(d, pf, path, r)                                                \
  do {                                                                         \
    p2conf_string_t p_ = S(path);                                              \
    wasi_filesystem_types_method_descriptor_stat_at(B(d), pf, &p_, &(r));      \
  } while (0)
#define ONE_PATH(fn, d, path, r)                                               \
  do {                                                                         \
    p2conf_string_t p_ = S(path);                                              \
    wasi_filesystem_types_method_descriptor_##fn(B(d), &p_, &(r));             \
  } while (0)

static bool hash_eq(wasi_filesystem_types_metadata_hash_value_t a, wasi_filesystem_types_metadata_hash_value_t b) {
  return a.lower == b.lower && a.upper == b.upper;
}

static void fs(void) {
  p2conf_list_tuple2_own_descriptor_string_t pre;
  wasi_filesystem_preopens_get_directories(&pre);
  CHECK(pre.len == 1);
  if (pre.len < 1) return;
  desc_t root = pre.ptr[0].f0;
  CHECK(pre.ptr[0].f1.len == 4 && !memcmp(pre.ptr[0].f1.ptr, "/box", 4));

  /* descriptor flags and type */
  p2conf_result_descriptor_flags_error_code_t fl;
  wasi_filesystem_types_method_descriptor_get_flags(B(root), &fl);
  EXPECT(fl, OK);
  CHECK(fl.val.ok == (DF(READ) | DF(MUTATE_DIRECTORY)));
  p2conf_result_descriptor_type_error_code_t ty;
  wasi_filesystem_types_method_descriptor_get_type(B(root), &ty);
  CHECK(!ty.is_err && ty.val.ok == DT(DIRECTORY));

  /* open-at: open-flags, descriptor-flags */
  p2conf_result_own_descriptor_error_code_t o;
  o = open_at(root, 0, "f", OF(CREATE) | OF(EXCLUSIVE), DF(READ) | DF(WRITE));
  EXPECT(o, OK);
  desc_t f = o.val.ok;
  wasi_filesystem_types_method_descriptor_get_flags(B(f), &fl);
  CHECK(!fl.is_err && (fl.val.ok & (DF(READ) | DF(WRITE))) == (DF(READ) | DF(WRITE)));
  wasi_filesystem_types_method_descriptor_get_type(B(f), &ty);
  CHECK(!ty.is_err && ty.val.ok == DT(REGULAR_FILE));
  EXPECT(open_at(root, 0, "f", OF(CREATE) | OF(EXCLUSIVE), DF(READ)), FS(EXIST));
  EXPECT(open_at(root, 0, "f", OF(DIRECTORY), DF(READ)), FS(NOT_DIRECTORY));
  EXPECT(open_at(root, 0, "d", OF(DIRECTORY) | OF(CREATE), DF(READ)), FS(INVALID));
  EXPECT(open_at(root, 0, "missing", 0, DF(READ)), FS(NO_ENTRY));
  EXPECT(open_at(root, 0, ".", 0, DF(READ) | DF(WRITE)), FS(IS_DIRECTORY));
  EXPECT(open_at(root, 0, "f/", 0, DF(READ)), FS(NOT_DIRECTORY));
  EXPECT(open_at(root, 0, "../x", 0, DF(READ)), FS(NOT_PERMITTED));
  /* read/write by offset; end of file is a read that returns nothing */
  put(f, "hello", 0);
  p2conf_result_tuple2_list_u8_bool_error_code_t rd;
  wasi_filesystem_types_method_descriptor_read(B(f), 100, 0, &rd);
  EXPECT(rd, OK);
  CHECK(!rd.is_err && rd.val.ok.f0.len == 5 && !memcmp(rd.val.ok.f0.ptr, "hello", 5) && !rd.val.ok.f1);
  if (!rd.is_err) p2conf_list_u8_free(&rd.val.ok.f0);
  wasi_filesystem_types_method_descriptor_read(B(f), 100, 5, &rd);
  CHECK(!rd.is_err && rd.val.ok.f0.len == 0 && rd.val.ok.f1);
  wasi_filesystem_types_method_descriptor_read(B(f), 2, 1, &rd);
  CHECK(!rd.is_err && rd.val.ok.f0.len == 2 && !memcmp(rd.val.ok.f0.ptr, "el", 2) && !rd.val.ok.f1);
  if (!rd.is_err) p2conf_list_u8_free(&rd.val.ok.f0);
  /* truncate on open */
  desc_t f2 = must_open(root, "f", OF(TRUNCATE), DF(WRITE));
  p2conf_result_descriptor_stat_error_code_t st;
  wasi_filesystem_types_method_descriptor_stat(B(f), &st);
  CHECK(!st.is_err && st.val.ok.size == 0 && st.val.ok.type == DT(REGULAR_FILE));
  wasi_filesystem_types_descriptor_drop_own(f2);
  put(f, "0123456789", 0);
  /* a read-only descriptor cannot write, a write-only one cannot read */
  desc_t ro = must_open(root, "f", 0, DF(READ));
  p2conf_list_u8_t x = {(uint8_t *)"x", 1};
  p2conf_result_filesize_error_code_t w;
  wasi_filesystem_types_method_descriptor_write(B(ro), &x, 0, &w);
  EXPECT(w, FS(BAD_DESCRIPTOR));
  p2conf_result_void_error_code_t v;
  wasi_filesystem_types_method_descriptor_set_size(B(ro), 1, &v);
  EXPECT(v, FS(BAD_DESCRIPTOR));
  /* file-only operations on a directory */
  wasi_filesystem_types_method_descriptor_read(B(root), 1, 0, &rd);
  EXPECT(rd, FS(BAD_DESCRIPTOR));
  wasi_filesystem_types_method_descriptor_write(B(root), &x, 0, &w);
  EXPECT(w, FS(BAD_DESCRIPTOR));
  wasi_filesystem_types_method_descriptor_advise(B(root), 0, 0, WASI_FILESYSTEM_TYPES_ADVICE_NORMAL, &v);
  EXPECT(v, FS(BAD_DESCRIPTOR));
  wasi_filesystem_types_method_descriptor_set_size(B(root), 0, &v);
  EXPECT(v, FS(BAD_DESCRIPTOR));
  p2conf_result_own_input_stream_error_code_t is;
  wasi_filesystem_types_method_descriptor_read_via_stream(B(root), 0, &is);
  EXPECT(is, FS(IS_DIRECTORY));
  p2conf_result_own_output_stream_error_code_t os;
  wasi_filesystem_types_method_descriptor_write_via_stream(B(root), 0, &os);
  EXPECT(os, FS(BAD_DESCRIPTOR));
  /* advise and sync */
  for (uint8_t a = 0; a <= WASI_FILESYSTEM_TYPES_ADVICE_NO_REUSE; a++) {
    wasi_filesystem_types_method_descriptor_advise(B(f), 0, 10, a, &v);
    EXPECT(v, OK);
  }
  wasi_filesystem_types_method_descriptor_sync(B(f), &v);
  EXPECT(v, OK);
  wasi_filesystem_types_method_descriptor_sync_data(B(f), &v);
  EXPECT(v, OK);
  wasi_filesystem_types_method_descriptor_sync(B(root), &v);
  EXPECT(v, OK);

  /* links: symlink-at, readlink-at, stat-at with and without following */
  p2conf_string_t target = S("f"), lname = S("l");
  wasi_filesystem_types_method_descriptor_symlink_at(B(root), &target, &lname, &v);
  EXPECT(v, OK);
  p2conf_result_string_error_code_t rl;
  ONE_PATH(readlink_at, root, "l", rl);
  CHECK(!rl.is_err && rl.val.ok.len == 1 && rl.val.ok.ptr[0] == 'f');
  if (!rl.is_err) p2conf_string_free(&rl.val.ok);
  ONE_PATH(readlink_at, root, "f", rl);
  EXPECT(rl, FS(INVALID));
  STAT_AT(root, 0, "l", st);
  CHECK(!st.is_err && st.val.ok.type == DT(SYMBOLIC_LINK));
  STAT_AT(root, FOLLOW, "l", st);
  CHECK(!st.is_err && st.val.ok.type == DT(REGULAR_FILE) && st.val.ok.size == 10);
  EXPECT(open_at(root, 0, "l", 0, DF(READ)), FS(LOOP));
  desc_t viaLink = must_open(root, "l", 0, DF(READ));
  CHECK(wasi_filesystem_types_method_descriptor_is_same_object(B(viaLink), B(f)));
  CHECK(!wasi_filesystem_types_method_descriptor_is_same_object(B(viaLink), B(root)));
  /* dangling */
  p2conf_string_t nowhere = S("nowhere"), dname = S("dangling");
  wasi_filesystem_types_method_descriptor_symlink_at(B(root), &nowhere, &dname, &v);
  EXPECT(v, OK);
  STAT_AT(root, 0, "dangling", st);
  CHECK(!st.is_err && st.val.ok.type == DT(SYMBOLIC_LINK));
  STAT_AT(root, FOLLOW, "dangling", st);
  EXPECT(st, FS(NO_ENTRY));
  /* hard links */
  p2conf_string_t hname = S("h"), fname = S("f");
  wasi_filesystem_types_method_descriptor_link_at(B(root), 0, &fname, B(root), &hname, &v);
  EXPECT(v, OK);
  wasi_filesystem_types_method_descriptor_stat(B(f), &st);
  CHECK(!st.is_err && st.val.ok.link_count == 2);
  wasi_filesystem_types_method_descriptor_link_at(B(root), 0, &fname, B(root), &hname, &v);
  EXPECT(v, FS(EXIST));
  p2conf_string_t h2 = S("h2");
  wasi_filesystem_types_method_descriptor_link_at(B(root), FOLLOW, &lname, B(root), &h2, &v);
  EXPECT(v, FS(INVALID));
  p2conf_string_t slash = S("new/");
  wasi_filesystem_types_method_descriptor_link_at(B(root), 0, &fname, B(root), &slash, &v);
  EXPECT(v, FS(NO_ENTRY));
  wasi_filesystem_types_method_descriptor_symlink_at(B(root), &target, &slash, &v);
  EXPECT(v, FS(NO_ENTRY));

  /* metadata hash: the file's identity, stable while it is written */
  p2conf_result_metadata_hash_value_error_code_t h1, hh, hl, hr;
  wasi_filesystem_types_method_descriptor_metadata_hash(B(f), &h1);
  EXPECT(h1, OK);
  p2conf_string_t hpath = S("h");
  wasi_filesystem_types_method_descriptor_metadata_hash_at(B(root), 0, &hpath, &hh);
  EXPECT(hh, OK);
  wasi_filesystem_types_method_descriptor_metadata_hash_at(B(root), FOLLOW, &lname, &hl);
  wasi_filesystem_types_method_descriptor_metadata_hash(B(root), &hr);
  CHECK(hash_eq(h1.val.ok, hh.val.ok) && hash_eq(h1.val.ok, hl.val.ok));
  CHECK(!hash_eq(h1.val.ok, hr.val.ok));
  wasi_filesystem_types_method_descriptor_metadata_hash_at(B(root), 0, &lname, &hl);
  CHECK(!hl.is_err && !hash_eq(h1.val.ok, hl.val.ok)); /* the link itself */
  put(f, "more data", 10);
  wasi_filesystem_types_method_descriptor_metadata_hash(B(f), &hh);
  CHECK(!hh.is_err && hash_eq(h1.val.ok, hh.val.ok));

  /* times, through the descriptor and through a path without following */
  wasi_filesystem_types_new_timestamp_t keep = {WASI_FILESYSTEM_TYPES_NEW_TIMESTAMP_NO_CHANGE, {{0, 0}}};
  wasi_filesystem_types_new_timestamp_t at = {WASI_FILESYSTEM_TYPES_NEW_TIMESTAMP_TIMESTAMP, {{1000, 5}}};
  wasi_filesystem_types_method_descriptor_set_times(B(f), &keep, &at, &v);
  EXPECT(v, OK);
  wasi_filesystem_types_method_descriptor_stat(B(f), &st);
  CHECK(!st.is_err && st.val.ok.data_modification_timestamp.is_some &&
        st.val.ok.data_modification_timestamp.val.seconds == 1000 &&
        st.val.ok.data_modification_timestamp.val.nanoseconds == 5);
  at.val.timestamp.seconds = 2000;
  wasi_filesystem_types_method_descriptor_set_times_at(B(root), 0, &lname, &keep, &at, &v);
  EXPECT(v, OK);
  STAT_AT(root, 0, "l", st);
  CHECK(!st.is_err && st.val.ok.data_modification_timestamp.val.seconds == 2000);
  wasi_filesystem_types_method_descriptor_stat(B(f), &st);
  CHECK(!st.is_err && st.val.ok.data_modification_timestamp.val.seconds == 1000);

  /* append-via-stream: at the end whatever the offset */
  os.is_err = true;
  wasi_filesystem_types_method_descriptor_append_via_stream(B(f), &os);
  EXPECT(os, OK);
  if (!os.is_err) {
    p2conf_list_u8_t tail = {(uint8_t *)"!", 1};
    p2conf_result_void_stream_error_t sw;
    wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(os.val.ok),
                                                                  &tail, &sw);
    CHECK(!sw.is_err);
    wasi_io_streams_output_stream_drop_own(os.val.ok);
  }
  wasi_filesystem_types_method_descriptor_stat(B(f), &st);
  CHECK(!st.is_err && st.val.ok.size == 20);

  /* directories: removing the wrong kind, reading the entries */
  p2conf_string_t dpath = S("d");
  wasi_filesystem_types_method_descriptor_create_directory_at(B(root), &dpath, &v);
  EXPECT(v, OK);
  ONE_PATH(unlink_file_at, root, "d", v);
  EXPECT(v, FS(IS_DIRECTORY));
  ONE_PATH(unlink_file_at, root, "f/", v);
  EXPECT(v, FS(NOT_DIRECTORY));
  ONE_PATH(remove_directory_at, root, "f", v);
  EXPECT(v, FS(NOT_DIRECTORY));
  p2conf_result_own_directory_entry_stream_error_code_t ds;
  wasi_filesystem_types_method_descriptor_read_directory(B(f), &ds);
  EXPECT(ds, FS(NOT_DIRECTORY));
  wasi_filesystem_types_method_descriptor_read_directory(B(root), &ds);
  EXPECT(ds, OK);
  int seen = 0, count = 0;
  for (;;) {
    p2conf_result_option_directory_entry_error_code_t e;
    wasi_filesystem_types_method_directory_entry_stream_read_directory_entry(
        wasi_filesystem_types_borrow_directory_entry_stream(ds.val.ok), &e);
    EXPECT(e, OK);
    if (e.is_err || !e.val.ok.is_some) break;
    wasi_filesystem_types_directory_entry_t *de = &e.val.ok.val;
    char name[64] = {0};
    memcpy(name, de->name.ptr, de->name.len < 63 ? de->name.len : 63);
    count++;
    if (!strcmp(name, "f")) {
      seen |= 1;
      CHECK(de->type == DT(REGULAR_FILE));
    }
    if (!strcmp(name, "h")) {
      seen |= 2;
      CHECK(de->type == DT(REGULAR_FILE));
    }
    if (!strcmp(name, "l")) {
      seen |= 4;
      CHECK(de->type == DT(SYMBOLIC_LINK));
    }
    if (!strcmp(name, "dangling")) {
      seen |= 8;
      CHECK(de->type == DT(SYMBOLIC_LINK));
    }
    if (!strcmp(name, "d")) {
      seen |= 16;
      CHECK(de->type == DT(DIRECTORY));
    }
    CHECK(strcmp(name, ".") && strcmp(name, "..")); /* 0.2 lists neither */
    p2conf_option_directory_entry_free(&e.val.ok);
  }
  CHECK(count == 5 && seen == 31);
  /* the end stays the end */
  p2conf_result_option_directory_entry_error_code_t e;
  wasi_filesystem_types_method_directory_entry_stream_read_directory_entry(
      wasi_filesystem_types_borrow_directory_entry_stream(ds.val.ok), &e);
  CHECK(!e.is_err && !e.val.ok.is_some);
  wasi_filesystem_types_directory_entry_stream_drop_own(ds.val.ok);

  /* clean up: the driver checks the directory is empty */
  wasi_filesystem_types_descriptor_drop_own(viaLink);
  wasi_filesystem_types_descriptor_drop_own(ro);
  wasi_filesystem_types_descriptor_drop_own(f);
  const char *rm[] = {"f", "h", "l", "dangling"};
  for (int i = 0; i < 4; i++) {
    ONE_PATH(unlink_file_at, root, rm[i], v);
    EXPECT(v, OK);
  }
  ONE_PATH(remove_directory_at, root, "d/", v);
  EXPECT(v, OK);
  p2conf_list_tuple2_own_descriptor_string_free(&pre);
}

/* --------------------------------------------------------------- wasi:io */

#define IN(s) wasi_io_streams_borrow_input_stream(s)
#define OUT(s) wasi_io_streams_borrow_output_stream(s)
#define SE(x) WASI_IO_STREAMS_STREAM_ERROR_##x
#define P(p) wasi_io_poll_borrow_pollable(p)

/* Files: streams at an offset, always ready; splice between them; the end
** of a file is `closed`.  Stdin (a pipe the driver fills once it sees
** "box/ready"): a read with nothing there returns nothing, subscribe
** wakes when data comes, then the end is `closed`. */
static void streams(void) {
  p2conf_list_tuple2_own_descriptor_string_t pre;
  wasi_filesystem_preopens_get_directories(&pre);
  if (pre.len < 1) {
    CHECK(!"no preopen");
    return;
  }
  desc_t root = pre.ptr[0].f0;
  desc_t src = must_open(root, "src", OF(CREATE), DF(READ) | DF(WRITE));
  desc_t dst = must_open(root, "dst", OF(CREATE), DF(READ) | DF(WRITE));
  put(src, "0123456789abcdef", 0);
  p2conf_result_own_input_stream_error_code_t is;
  wasi_filesystem_types_method_descriptor_read_via_stream(B(src), 4, &is);
  EXPECT(is, OK);
  p2conf_result_own_output_stream_error_code_t os;
  wasi_filesystem_types_method_descriptor_write_via_stream(B(dst), 2, &os);
  EXPECT(os, OK);
  wasi_io_poll_own_pollable_t pi = wasi_io_streams_method_input_stream_subscribe(IN(is.val.ok));
  wasi_io_poll_own_pollable_t po = wasi_io_streams_method_output_stream_subscribe(OUT(os.val.ok));
  CHECK(wasi_io_poll_method_pollable_ready(P(pi)));
  CHECK(wasi_io_poll_method_pollable_ready(P(po)));
  wasi_io_poll_pollable_drop_own(pi);
  wasi_io_poll_pollable_drop_own(po);
  p2conf_result_u64_stream_error_t cw;
  wasi_io_streams_method_output_stream_check_write(OUT(os.val.ok), &cw);
  CHECK(!cw.is_err && cw.val.ok > 0);
  p2conf_result_u64_stream_error_t sp;
  wasi_io_streams_method_output_stream_splice(OUT(os.val.ok), IN(is.val.ok), 5, &sp);
  CHECK(!sp.is_err && sp.val.ok == 5);
  wasi_io_streams_method_output_stream_blocking_splice(OUT(os.val.ok), IN(is.val.ok), 100, &sp);
  CHECK(!sp.is_err && sp.val.ok == 7);
  /* nothing is left: the stream is closed, and stays so */
  wasi_io_streams_method_output_stream_splice(OUT(os.val.ok), IN(is.val.ok), 100, &sp);
  CHECK(sp.is_err && sp.val.err.tag == SE(CLOSED));
  p2conf_result_list_u8_stream_error_t rr;
  wasi_io_streams_method_input_stream_read(IN(is.val.ok), 10, &rr);
  CHECK(rr.is_err && rr.val.err.tag == SE(CLOSED));
  p2conf_result_tuple2_list_u8_bool_error_code_t rd;
  wasi_filesystem_types_method_descriptor_read(B(dst), 100, 0, &rd);
  CHECK(!rd.is_err && rd.val.ok.f0.len == 14 && !memcmp(rd.val.ok.f0.ptr + 2, "456789abcdef", 12));
  if (!rd.is_err) p2conf_list_u8_free(&rd.val.ok.f0);
  /* skip */
  wasi_io_streams_input_stream_drop_own(is.val.ok);
  wasi_filesystem_types_method_descriptor_read_via_stream(B(src), 0, &is);
  p2conf_result_u64_stream_error_t sk;
  wasi_io_streams_method_input_stream_skip(IN(is.val.ok), 10, &sk);
  CHECK(!sk.is_err && sk.val.ok == 10);
  wasi_io_streams_method_input_stream_blocking_read(IN(is.val.ok), 100, &rr);
  CHECK(!rr.is_err && rr.val.ok.len == 6 && !memcmp(rr.val.ok.ptr, "abcdef", 6));
  if (!rr.is_err) p2conf_list_u8_free(&rr.val.ok);
  wasi_io_streams_input_stream_drop_own(is.val.ok);
  wasi_io_streams_output_stream_drop_own(os.val.ok);

  /* stdin: a pipe that stays empty until we say so */
  wasi_io_streams_own_input_stream_t in = wasi_cli_stdin_get_stdin();
  wasi_io_streams_method_input_stream_read(IN(in), 10, &rr);
  CHECK(!rr.is_err && rr.val.ok.len == 0); /* nothing yet is not an error */
  wasi_io_poll_own_pollable_t ps = wasi_io_streams_method_input_stream_subscribe(IN(in));
  CHECK(!wasi_io_poll_method_pollable_ready(P(ps)));
  desc_t ready = must_open(root, "ready", OF(CREATE), DF(WRITE));
  wasi_filesystem_types_descriptor_drop_own(ready);
  /* wait for the data, with a 20 s timer beside it */
  wasi_io_poll_own_pollable_t timer = wasi_clocks_monotonic_clock_subscribe_duration(20ull * 1000000000ull);
  wasi_io_poll_borrow_pollable_t list[2] = {P(ps), P(timer)};
  p2conf_list_borrow_pollable_t pl = {list, 2};
  p2conf_list_u32_t got;
  wasi_io_poll_poll(&pl, &got);
  CHECK(got.len == 1 && got.ptr[0] == 0);
  p2conf_list_u32_free(&got);
  char buf[16] = {0};
  size_t n = 0;
  for (int i = 0; i < 10 && n < 5; i++) {
    wasi_io_streams_method_input_stream_blocking_read(IN(in), sizeof buf - 1 - n, &rr);
    if (rr.is_err) break;
    memcpy(buf + n, rr.val.ok.ptr, rr.val.ok.len);
    n += rr.val.ok.len;
    p2conf_list_u8_free(&rr.val.ok);
  }
  CHECK(n == 5 && !memcmp(buf, "ping\n", 5));
  wasi_io_streams_method_input_stream_blocking_read(IN(in), 10, &rr);
  CHECK(rr.is_err && rr.val.err.tag == SE(CLOSED));
  CHECK(wasi_io_poll_method_pollable_ready(P(ps))); /* the end counts as ready */
  wasi_io_poll_pollable_drop_own(timer);
  wasi_io_poll_pollable_drop_own(ps);
  wasi_io_streams_input_stream_drop_own(in);

  wasi_filesystem_types_descriptor_drop_own(src);
  wasi_filesystem_types_descriptor_drop_own(dst);
  p2conf_result_void_error_code_t v;
  const char *rm[] = {"src", "dst", "ready"};
  for (int i = 0; i < 3; i++) {
    ONE_PATH(unlink_file_at, root, rm[i], v);
    EXPECT(v, OK);
  }
  p2conf_list_tuple2_own_descriptor_string_free(&pre);
}

/* stdout is a pipe whose reader goes away after a few bytes: writes end
** with `closed` (not last-operation-failed), and stay closed. */
static void epipe(void) {
  wasi_io_streams_own_output_stream_t out = wasi_cli_stdout_get_stdout();
  static uint8_t chunk[4096];
  memset(chunk, 'x', sizeof chunk);
  p2conf_list_u8_t data = {chunk, sizeof chunk};
  p2conf_result_void_stream_error_t r;
  int writes = 0;
  do {
    wasi_io_streams_method_output_stream_blocking_write_and_flush(OUT(out), &data, &r);
  } while (!r.is_err && ++writes < 100000);
  CHECK(r.is_err && r.val.err.tag == SE(CLOSED));
  if (r.is_err && r.val.err.tag != SE(CLOSED)) wasi_io_streams_stream_error_free(&r.val.err);
  p2conf_result_u64_stream_error_t cw;
  wasi_io_streams_method_output_stream_check_write(OUT(out), &cw);
  CHECK(cw.is_err && cw.val.err.tag == SE(CLOSED));
  wasi_io_streams_output_stream_drop_own(out);
  /* the verdict goes to stderr: stdout is gone */
  fprintf(stderr, failures ? "epipe: %d failures\n" : "epipe ok\n", failures);
}

/* ------------------------------------------------------------ wasi:clocks */

/* Which of `ps` poll reports ready, as a bit mask. */
static unsigned poll_mask(wasi_io_poll_own_pollable_t *ps, size_t n) {
  wasi_io_poll_borrow_pollable_t list[8];
  for (size_t i = 0; i < n; i++) list[i] = P(ps[i]);
  p2conf_list_borrow_pollable_t pl = {list, n};
  p2conf_list_u32_t got;
  wasi_io_poll_poll(&pl, &got);
  unsigned m = 0;
  for (size_t i = 0; i < got.len; i++) m |= 1u << got.ptr[i];
  p2conf_list_u32_free(&got);
  return m;
}

static void clocks(void) {
  wasi_clocks_monotonic_clock_instant_t t0 = wasi_clocks_monotonic_clock_now();
  CHECK(wasi_clocks_monotonic_clock_resolution() > 0);
  /* zero waits are ready at once */
  wasi_io_poll_own_pollable_t zero = wasi_clocks_monotonic_clock_subscribe_duration(0);
  CHECK(wasi_io_poll_method_pollable_ready(P(zero)));
  wasi_io_poll_method_pollable_block(P(zero));
  wasi_io_poll_own_pollable_t past = wasi_clocks_monotonic_clock_subscribe_instant(0);
  CHECK(wasi_io_poll_method_pollable_ready(P(past)));
  wasi_io_poll_own_pollable_t now = wasi_clocks_monotonic_clock_subscribe_instant(wasi_clocks_monotonic_clock_now());
  CHECK(wasi_io_poll_method_pollable_ready(P(now)));
  /* huge waits are never ready, and do not overflow into the past */
  wasi_io_poll_own_pollable_t huge = wasi_clocks_monotonic_clock_subscribe_duration(UINT64_MAX);
  wasi_io_poll_own_pollable_t huge2 = wasi_clocks_monotonic_clock_subscribe_duration(UINT64_MAX - 1000);
  wasi_io_poll_own_pollable_t far = wasi_clocks_monotonic_clock_subscribe_instant(UINT64_MAX);
  CHECK(!wasi_io_poll_method_pollable_ready(P(huge)));
  CHECK(!wasi_io_poll_method_pollable_ready(P(huge2)));
  CHECK(!wasi_io_poll_method_pollable_ready(P(far)));
  wasi_io_poll_own_pollable_t set1[4] = {huge, zero, far, huge2};
  CHECK(poll_mask(set1, 4) == 2);
  /* the same pollable twice in one list: both indices reported */
  wasi_io_poll_own_pollable_t set2[3] = {zero, huge, zero};
  CHECK(poll_mask(set2, 3) == 5);
  /* a short wait wakes poll, not the huge one */
  wasi_io_poll_own_pollable_t soon = wasi_clocks_monotonic_clock_subscribe_duration(20 * 1000000ull);
  wasi_io_poll_own_pollable_t set3[3] = {huge, soon, far};
  CHECK(poll_mask(set3, 3) == 2);
  CHECK(wasi_clocks_monotonic_clock_now() - t0 >= 20 * 1000000ull);
  wasi_io_poll_own_pollable_t all[] = {zero, past, now, huge, huge2, far, soon};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) wasi_io_poll_pollable_drop_own(all[i]);
  /* the wall clock: after 2020, nanoseconds in range, a resolution */
  wasi_clocks_wall_clock_datetime_t d, r;
  wasi_clocks_wall_clock_now(&d);
  wasi_clocks_wall_clock_resolution(&r);
  CHECK(d.seconds > 1577836800ull && d.nanoseconds < 1000000000u);
  CHECK(r.seconds > 0 || r.nanoseconds > 0);
}

/* ------------------------------------------------------------ wasi:sockets */

#define NE(x) WASI_SOCKETS_NETWORK_ERROR_CODE_##x
#define TCP(s) wasi_sockets_tcp_borrow_tcp_socket(s)
#define UDP(s) wasi_sockets_udp_borrow_udp_socket(s)
typedef wasi_sockets_tcp_own_tcp_socket_t tcp_t;

static wasi_sockets_network_ip_socket_address_t v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  wasi_sockets_network_ip_socket_address_t s;
  memset(&s, 0, sizeof s);
  s.tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4;
  s.val.ipv4.port = port;
  s.val.ipv4.address.f0 = a;
  s.val.ipv4.address.f1 = b;
  s.val.ipv4.address.f2 = c;
  s.val.ipv4.address.f3 = d;
  return s;
}

static tcp_t tcp_new(void) {
  p2conf_result_own_tcp_socket_error_code_t c;
  wasi_sockets_tcp_create_socket_create_tcp_socket(WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4, &c);
  if (c.is_err) {
    printf("FAIL: create-tcp-socket: error %d\n", c.val.err);
    exit(1);
  }
  return c.val.ok;
}

static void block_on(wasi_io_poll_own_pollable_t p) {
  wasi_io_poll_method_pollable_block(P(p));
  wasi_io_poll_pollable_drop_own(p);
}

/* start-bind, wait, finish-bind */
static p2conf_result_void_error_code_2_t tcp_bind(wasi_sockets_network_own_network_t net, tcp_t s,
                                                  wasi_sockets_network_ip_socket_address_t a) {
  p2conf_result_void_error_code_2_t r;
  wasi_sockets_tcp_method_tcp_socket_start_bind(TCP(s), wasi_sockets_network_borrow_network(net), &a, &r);
  if (r.is_err) return r;
  block_on(wasi_sockets_tcp_method_tcp_socket_subscribe(TCP(s)));
  wasi_sockets_tcp_method_tcp_socket_finish_bind(TCP(s), &r);
  return r;
}

static p2conf_result_void_error_code_2_t tcp_listen(tcp_t s) {
  p2conf_result_void_error_code_2_t r;
  wasi_sockets_tcp_method_tcp_socket_start_listen(TCP(s), &r);
  if (r.is_err) return r;
  block_on(wasi_sockets_tcp_method_tcp_socket_subscribe(TCP(s)));
  wasi_sockets_tcp_method_tcp_socket_finish_listen(TCP(s), &r);
  return r;
}

static p2conf_result_tuple2_own_input_stream_own_output_stream_error_code_t
tcp_connect(wasi_sockets_network_own_network_t net, tcp_t s, wasi_sockets_network_ip_socket_address_t a) {
  p2conf_result_tuple2_own_input_stream_own_output_stream_error_code_t c;
  p2conf_result_void_error_code_2_t r;
  wasi_sockets_tcp_method_tcp_socket_start_connect(TCP(s), wasi_sockets_network_borrow_network(net), &a, &r);
  if (r.is_err) {
    c.is_err = true;
    c.val.err = r.val.err;
    return c;
  }
  for (;;) {
    block_on(wasi_sockets_tcp_method_tcp_socket_subscribe(TCP(s)));
    wasi_sockets_tcp_method_tcp_socket_finish_connect(TCP(s), &c);
    if (!c.is_err || c.val.err != NE(WOULD_BLOCK)) return c;
  }
}

/* What every state refuses, as the reference's p2_tcp_states has it. */
static void tcp_common(tcp_t s) {
  p2conf_result_void_error_code_2_t r;
  wasi_sockets_tcp_method_tcp_socket_finish_bind(TCP(s), &r);
  EXPECT(r, NE(NOT_IN_PROGRESS));
  p2conf_result_tuple2_own_input_stream_own_output_stream_error_code_t fc;
  wasi_sockets_tcp_method_tcp_socket_finish_connect(TCP(s), &fc);
  EXPECT(fc, NE(NOT_IN_PROGRESS));
  wasi_sockets_tcp_method_tcp_socket_finish_listen(TCP(s), &r);
  EXPECT(r, NE(NOT_IN_PROGRESS));
  CHECK(wasi_sockets_tcp_method_tcp_socket_address_family(TCP(s)) == WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4);
  p2conf_result_bool_error_code_t kb;
  wasi_sockets_tcp_method_tcp_socket_keep_alive_enabled(TCP(s), &kb);
  EXPECT(kb, OK);
  wasi_sockets_tcp_method_tcp_socket_set_keep_alive_enabled(TCP(s), false, &r);
  EXPECT(r, OK);
  wasi_sockets_tcp_method_tcp_socket_set_hop_limit(TCP(s), 255, &r);
  EXPECT(r, OK);
  wasi_sockets_tcp_method_tcp_socket_set_hop_limit(TCP(s), 0, &r);
  EXPECT(r, NE(INVALID_ARGUMENT));
  wasi_sockets_tcp_method_tcp_socket_set_receive_buffer_size(TCP(s), 16000, &r);
  EXPECT(r, OK);
  wasi_sockets_tcp_method_tcp_socket_set_send_buffer_size(TCP(s), 16000, &r);
  EXPECT(r, OK);
  wasi_sockets_tcp_method_tcp_socket_set_keep_alive_idle_time(TCP(s), 1000000000ull, &r);
  EXPECT(r, OK);
}

static void tcp(void) {
  wasi_sockets_network_own_network_t net = wasi_sockets_instance_network_instance_network();
  wasi_sockets_network_ip_socket_address_t any_lo = v4(127, 0, 0, 1, 0);
  p2conf_result_void_error_code_2_t r;
  p2conf_result_ip_socket_address_error_code_t ad;
  p2conf_result_tuple3_own_tcp_socket_own_input_stream_own_output_stream_error_code_t acc;

  /* unbound */
  tcp_t u = tcp_new();
  tcp_common(u);
  wasi_sockets_tcp_method_tcp_socket_start_listen(TCP(u), &r);
  EXPECT(r, NE(INVALID_STATE)); /* unlike POSIX: no implicit bind */
  wasi_sockets_tcp_method_tcp_socket_accept(TCP(u), &acc);
  EXPECT(acc, NE(INVALID_STATE));
  wasi_sockets_tcp_method_tcp_socket_shutdown(TCP(u), WASI_SOCKETS_TCP_SHUTDOWN_TYPE_BOTH, &r);
  EXPECT(r, NE(INVALID_STATE));
  wasi_sockets_tcp_method_tcp_socket_local_address(TCP(u), &ad);
  EXPECT(ad, NE(INVALID_STATE));
  wasi_sockets_tcp_method_tcp_socket_remote_address(TCP(u), &ad);
  EXPECT(ad, NE(INVALID_STATE));
  CHECK(!wasi_sockets_tcp_method_tcp_socket_is_listening(TCP(u)));
  /* bad addresses */
  wasi_sockets_network_ip_socket_address_t v6lo;
  memset(&v6lo, 0, sizeof v6lo);
  v6lo.tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV6;
  v6lo.val.ipv6.address.f7 = 1;
  EXPECT(tcp_bind(net, u, v6lo), NE(INVALID_ARGUMENT)); /* wrong family */
  EXPECT(tcp_connect(net, u, v4(0, 0, 0, 0, 47)), NE(INVALID_ARGUMENT)); /* unspecified */
  EXPECT(tcp_connect(net, u, v4(127, 0, 0, 1, 0)), NE(INVALID_ARGUMENT)); /* port 0 */
  wasi_sockets_tcp_tcp_socket_drop_own(u);

  /* bound */
  tcp_t b = tcp_new();
  EXPECT(tcp_bind(net, b, any_lo), OK);
  tcp_common(b);
  wasi_sockets_tcp_method_tcp_socket_start_bind(TCP(b), wasi_sockets_network_borrow_network(net), &any_lo, &r);
  EXPECT(r, NE(INVALID_STATE));
  wasi_sockets_tcp_method_tcp_socket_accept(TCP(b), &acc);
  EXPECT(acc, NE(INVALID_STATE));
  wasi_sockets_tcp_method_tcp_socket_local_address(TCP(b), &ad);
  EXPECT(ad, OK);
  CHECK(!ad.is_err && ad.val.ok.val.ipv4.port != 0 && ad.val.ok.val.ipv4.address.f0 == 127);
  wasi_sockets_tcp_method_tcp_socket_remote_address(TCP(b), &ad);
  EXPECT(ad, NE(INVALID_STATE));

  /* listening */
  EXPECT(tcp_listen(b), OK);
  tcp_common(b);
  CHECK(wasi_sockets_tcp_method_tcp_socket_is_listening(TCP(b)));
  wasi_sockets_tcp_method_tcp_socket_local_address(TCP(b), &ad);
  wasi_sockets_network_ip_socket_address_t laddr = ad.val.ok;
  wasi_sockets_tcp_method_tcp_socket_start_connect(TCP(b), wasi_sockets_network_borrow_network(net), &laddr, &r);
  EXPECT(r, NE(INVALID_STATE));
  wasi_sockets_tcp_method_tcp_socket_start_listen(TCP(b), &r);
  EXPECT(r, NE(INVALID_STATE));
  wasi_sockets_tcp_method_tcp_socket_shutdown(TCP(b), WASI_SOCKETS_TCP_SHUTDOWN_TYPE_BOTH, &r);
  EXPECT(r, NE(INVALID_STATE));
  /* nobody is connecting: accept would block */
  wasi_sockets_tcp_method_tcp_socket_accept(TCP(b), &acc);
  EXPECT(acc, NE(WOULD_BLOCK));
  /* the address is taken */
  tcp_t other = tcp_new();
  EXPECT(tcp_bind(net, other, laddr), NE(ADDRESS_IN_USE));
  wasi_sockets_tcp_tcp_socket_drop_own(other);
  /* not a local address */
  other = tcp_new();
  EXPECT(tcp_bind(net, other, v4(192, 0, 2, 0, 0)), NE(ADDRESS_NOT_BINDABLE));
  wasi_sockets_tcp_tcp_socket_drop_own(other);

  /* connected */
  tcp_t c = tcp_new();
  p2conf_result_tuple2_own_input_stream_own_output_stream_error_code_t cs = tcp_connect(net, c, laddr);
  EXPECT(cs, OK);
  tcp_common(c);
  wasi_sockets_tcp_method_tcp_socket_start_bind(TCP(c), wasi_sockets_network_borrow_network(net), &any_lo, &r);
  EXPECT(r, NE(INVALID_STATE));
  wasi_sockets_tcp_method_tcp_socket_start_connect(TCP(c), wasi_sockets_network_borrow_network(net), &laddr, &r);
  EXPECT(r, NE(INVALID_STATE));
  wasi_sockets_tcp_method_tcp_socket_start_listen(TCP(c), &r);
  EXPECT(r, NE(INVALID_STATE));
  wasi_sockets_tcp_method_tcp_socket_accept(TCP(c), &acc);
  EXPECT(acc, NE(INVALID_STATE));
  wasi_sockets_tcp_method_tcp_socket_remote_address(TCP(c), &ad);
  CHECK(!ad.is_err && ad.val.ok.val.ipv4.port == laddr.val.ipv4.port);
  /* the listener's subscribe wakes for the connection; accept takes it */
  block_on(wasi_sockets_tcp_method_tcp_socket_subscribe(TCP(b)));
  wasi_sockets_tcp_method_tcp_socket_accept(TCP(b), &acc);
  EXPECT(acc, OK);
  if (!cs.is_err && !acc.is_err) {
    /* streams: the server's input is readable only once the client writes */
    wasi_io_streams_own_input_stream_t sin = acc.val.ok.f1;
    wasi_io_poll_own_pollable_t pin = wasi_io_streams_method_input_stream_subscribe(IN(sin));
    CHECK(!wasi_io_poll_method_pollable_ready(P(pin)));
    p2conf_result_list_u8_stream_error_t rr;
    wasi_io_streams_method_input_stream_read(IN(sin), 10, &rr);
    CHECK(!rr.is_err && rr.val.ok.len == 0);
    p2conf_list_u8_t msg = {(uint8_t *)"hi", 2};
    p2conf_result_void_stream_error_t sw;
    wasi_io_poll_own_pollable_t pout = wasi_io_streams_method_output_stream_subscribe(OUT(cs.val.ok.f1));
    CHECK(wasi_io_poll_method_pollable_ready(P(pout)));
    wasi_io_poll_pollable_drop_own(pout);
    wasi_io_streams_method_output_stream_blocking_write_and_flush(OUT(cs.val.ok.f1), &msg, &sw);
    CHECK(!sw.is_err);
    wasi_io_poll_method_pollable_block(P(pin));
    wasi_io_streams_method_input_stream_read(IN(sin), 10, &rr);
    CHECK(!rr.is_err && rr.val.ok.len == 2 && !memcmp(rr.val.ok.ptr, "hi", 2));
    if (!rr.is_err) p2conf_list_u8_free(&rr.val.ok);
    /* the client shuts its sending side: the server reads the end */
    wasi_sockets_tcp_method_tcp_socket_shutdown(TCP(c), WASI_SOCKETS_TCP_SHUTDOWN_TYPE_SEND, &r);
    EXPECT(r, OK);
    wasi_io_streams_method_input_stream_blocking_read(IN(sin), 10, &rr);
    CHECK(rr.is_err && rr.val.err.tag == SE(CLOSED));
    wasi_io_poll_pollable_drop_own(pin);
    wasi_io_streams_input_stream_drop_own(sin);
    wasi_io_streams_output_stream_drop_own(acc.val.ok.f2);
    wasi_sockets_tcp_tcp_socket_drop_own(acc.val.ok.f0);
    wasi_io_streams_input_stream_drop_own(cs.val.ok.f0);
    wasi_io_streams_output_stream_drop_own(cs.val.ok.f1);
  }
  wasi_sockets_tcp_tcp_socket_drop_own(c);
  /* once the listener is gone, connecting is refused */
  wasi_sockets_tcp_tcp_socket_drop_own(b);
  tcp_t d = tcp_new();
  EXPECT(tcp_connect(net, d, laddr), NE(CONNECTION_REFUSED));
  /* a failed connect leaves the socket unusable */
  wasi_sockets_tcp_method_tcp_socket_start_connect(TCP(d), wasi_sockets_network_borrow_network(net), &laddr, &r);
  EXPECT(r, NE(INVALID_STATE));
  wasi_sockets_tcp_tcp_socket_drop_own(d);
  wasi_sockets_network_network_drop_own(net);
}

static void udp(void) {
  wasi_sockets_network_own_network_t net = wasi_sockets_instance_network_instance_network();
  wasi_sockets_network_borrow_network_t nb = wasi_sockets_network_borrow_network(net);
  wasi_sockets_network_ip_socket_address_t lo = v4(127, 0, 0, 1, 0);
  p2conf_result_own_udp_socket_error_code_t c;
  wasi_sockets_udp_create_socket_create_udp_socket(WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4, &c);
  EXPECT(c, OK);
  if (c.is_err) return;
  wasi_sockets_udp_own_udp_socket_t s = c.val.ok;
  p2conf_result_void_error_code_2_t r;
  p2conf_result_ip_socket_address_error_code_t ad;
  p2conf_result_tuple2_own_incoming_datagram_stream_own_outgoing_datagram_stream_error_code_t st;
  p2conf_option_ip_socket_address_t none = {false, lo};
  /* unbound */
  wasi_sockets_udp_method_udp_socket_finish_bind(UDP(s), &r);
  EXPECT(r, NE(NOT_IN_PROGRESS));
  wasi_sockets_udp_method_udp_socket_stream(UDP(s), &none, &st);
  EXPECT(st, NE(INVALID_STATE));
  wasi_sockets_udp_method_udp_socket_local_address(UDP(s), &ad);
  EXPECT(ad, NE(INVALID_STATE));
  wasi_sockets_udp_method_udp_socket_remote_address(UDP(s), &ad);
  EXPECT(ad, NE(INVALID_STATE));
  p2conf_result_u8_error_code_t hl;
  wasi_sockets_udp_method_udp_socket_unicast_hop_limit(UDP(s), &hl);
  EXPECT(hl, OK);
  wasi_sockets_udp_method_udp_socket_set_unicast_hop_limit(UDP(s), 255, &r);
  EXPECT(r, OK);
  /* bound */
  wasi_sockets_udp_method_udp_socket_start_bind(UDP(s), nb, &lo, &r);
  EXPECT(r, OK);
  block_on(wasi_sockets_udp_method_udp_socket_subscribe(UDP(s)));
  wasi_sockets_udp_method_udp_socket_finish_bind(UDP(s), &r);
  EXPECT(r, OK);
  wasi_sockets_udp_method_udp_socket_start_bind(UDP(s), nb, &lo, &r);
  EXPECT(r, NE(INVALID_STATE));
  wasi_sockets_udp_method_udp_socket_finish_bind(UDP(s), &r);
  EXPECT(r, NE(NOT_IN_PROGRESS));
  wasi_sockets_udp_method_udp_socket_local_address(UDP(s), &ad);
  EXPECT(ad, OK);
  wasi_sockets_network_ip_socket_address_t me = ad.val.ok;
  wasi_sockets_udp_method_udp_socket_remote_address(UDP(s), &ad);
  EXPECT(ad, NE(INVALID_STATE));
  /* a second socket cannot take the same address */
  wasi_sockets_udp_create_socket_create_udp_socket(WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4, &c);
  if (!c.is_err) {
    wasi_sockets_udp_method_udp_socket_start_bind(UDP(c.val.ok), nb, &me, &r);
    if (!r.is_err) wasi_sockets_udp_method_udp_socket_finish_bind(UDP(c.val.ok), &r);
    EXPECT(r, NE(ADDRESS_IN_USE));
    wasi_sockets_udp_udp_socket_drop_own(c.val.ok);
  }
  /* streams: nothing to receive yet is an empty list (would not block) */
  wasi_sockets_udp_method_udp_socket_stream(UDP(s), &none, &st);
  EXPECT(st, OK);
  if (!st.is_err) {
    p2conf_result_list_incoming_datagram_error_code_t rx;
    wasi_sockets_udp_method_incoming_datagram_stream_receive(
        wasi_sockets_udp_borrow_incoming_datagram_stream(st.val.ok.f0), 4, &rx);
    CHECK(!rx.is_err && rx.val.ok.len == 0);
    wasi_io_poll_own_pollable_t pr =
        wasi_sockets_udp_method_incoming_datagram_stream_subscribe(wasi_sockets_udp_borrow_incoming_datagram_stream(st.val.ok.f0));
    CHECK(!wasi_io_poll_method_pollable_ready(P(pr)));
    /* check-send, then one datagram to ourselves */
    p2conf_result_u64_error_code_t cs;
    wasi_sockets_udp_method_outgoing_datagram_stream_check_send(
        wasi_sockets_udp_borrow_outgoing_datagram_stream(st.val.ok.f1), &cs);
    CHECK(!cs.is_err && cs.val.ok >= 1);
    wasi_sockets_udp_outgoing_datagram_t dg = {{(uint8_t *)"dg", 2}, {true, me}};
    p2conf_list_outgoing_datagram_t dl = {&dg, 1};
    p2conf_result_u64_error_code_t sent;
    wasi_sockets_udp_method_outgoing_datagram_stream_send(wasi_sockets_udp_borrow_outgoing_datagram_stream(st.val.ok.f1),
                                                          &dl, &sent);
    CHECK(!sent.is_err && sent.val.ok == 1);
    wasi_io_poll_method_pollable_block(P(pr));
    wasi_sockets_udp_method_incoming_datagram_stream_receive(
        wasi_sockets_udp_borrow_incoming_datagram_stream(st.val.ok.f0), 4, &rx);
    CHECK(!rx.is_err && rx.val.ok.len == 1 && rx.val.ok.ptr[0].data.len == 2);
    if (!rx.is_err) p2conf_list_incoming_datagram_free(&rx.val.ok);
    wasi_io_poll_pollable_drop_own(pr);
    wasi_sockets_udp_incoming_datagram_stream_drop_own(st.val.ok.f0);
    wasi_sockets_udp_outgoing_datagram_stream_drop_own(st.val.ok.f1);
  }
  /* connected */
  p2conf_option_ip_socket_address_t peer = {true, v4(127, 0, 0, 1, 54321)};
  wasi_sockets_udp_method_udp_socket_stream(UDP(s), &peer, &st);
  EXPECT(st, OK);
  wasi_sockets_udp_method_udp_socket_remote_address(UDP(s), &ad);
  CHECK(!ad.is_err && ad.val.ok.val.ipv4.port == 54321);
  wasi_sockets_udp_method_udp_socket_start_bind(UDP(s), nb, &lo, &r);
  EXPECT(r, NE(INVALID_STATE));
  if (!st.is_err) {
    wasi_sockets_udp_incoming_datagram_stream_drop_own(st.val.ok.f0);
    wasi_sockets_udp_outgoing_datagram_stream_drop_own(st.val.ok.f1);
  }
  wasi_sockets_udp_udp_socket_drop_own(s);
  wasi_sockets_network_network_drop_own(net);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    printf("usage: p2conf fs|streams|epipe|clocks|tcp|udp\n");
    return 2;
  }
  static const struct {
    const char *name;
    void (*run)(void);
  } cases[] = {{"fs", fs}, {"streams", streams}, {"epipe", epipe}, {"clocks", clocks}, {"tcp", tcp}, {"udp", udp}};
  for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (strcmp(cases[i].name, argv[1])) continue;
    cases[i].run();
    if (failures) return 1;
    if (cases[i].run != epipe) printf("%s ok\n", argv[1]);
    return 0;
  }
  printf("unknown case %s\n", argv[1]);
  return 2;
}
