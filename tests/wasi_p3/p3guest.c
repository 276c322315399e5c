/*
** p3guest.c — a WASI 0.3 command written against the canonical ABI by
** hand (no libc, no generated bindings): every import below is named the
** way wit-component expects (`[async-lower]f`, `[stream-write-0]f`,
** `[waitable-set-wait]`...), the export is an async stackful `run`.  The
** first argument picks a case; run-case.sh checks what it prints.
**
** Why by hand: no C toolchain emits WASI 0.3 yet, and writing the ABI out
** is what tests the plugin's ends of it (streams, futures, subtasks).
*/
#include "p3abi.h"

#define CLI(i) "wasi:cli/" i "@" WASI_VERSION
#define CLOCKS(i) "wasi:clocks/" i "@" WASI_VERSION
#define RANDOM(i) "wasi:random/" i "@" WASI_VERSION
#define FS(i) "wasi:filesystem/" i "@" WASI_VERSION
#define SOCK(i) "wasi:sockets/" i "@" WASI_VERSION

#define EV_SUBTASK 1
#define SUBTASK_RETURNED 2

static bool seq(const void *a, size_t an, const char *b) {
  size_t bn = slen(b);
  if (an != bn) return false;
  for (size_t i = 0; i < an; i++)
    if (((const uint8_t *)a)[i] != (uint8_t)b[i]) return false;
  return true;
}

/* ------------------------------------------------------ async built-ins */

IMPORT("$root", "[subtask-drop]") void subtask_drop(uint32_t s);
IMPORT("[export]" CLI("run"), "[task-return]run") void task_return(uint32_t is_err);

/* An async-lowered call's subtask, waited for until it returned. */
static void subtask_wait(uint32_t r) {
  uint32_t st = r & 0xf, sub = r >> 4;
  while (st != SUBTASK_RETURNED) st = wait_on(sub);
  if (sub) subtask_drop(sub);
}

/* ------------------------------------------------------------ stdout */

IMPORT(CLI("stdout"), "write-via-stream") uint32_t stdout_write(uint32_t data);
IMPORT(CLI("stdout"), "[stream-new-0]write-via-stream") uint64_t stdout_stream_new(void);
IMPORT(CLI("stdout"), "[async-lower][stream-write-0]write-via-stream") uint32_t stdout_stream_write(uint32_t w,
                                                                                                  const void *p,
                                                                                                  uint32_t n);
IMPORT(CLI("stdout"), "[stream-drop-writable-0]write-via-stream") void stdout_stream_drop(uint32_t w);
IMPORT(CLI("stdout"), "[async-lower][future-read-1]write-via-stream") uint32_t stdout_future_read(uint32_t r, void *p);
IMPORT(CLI("stdout"), "[future-drop-readable-1]write-via-stream") void stdout_future_drop(uint32_t r);
IMPORT(CLI("stderr"), "write-via-stream") uint32_t stderr_write(uint32_t data);
IMPORT(CLI("stderr"), "[stream-new-0]write-via-stream") uint64_t stderr_stream_new(void);
IMPORT(CLI("stderr"), "[async-lower][stream-write-0]write-via-stream") uint32_t stderr_stream_write(uint32_t w,
                                                                                                  const void *p,
                                                                                                  uint32_t n);
IMPORT(CLI("stderr"), "[stream-drop-writable-0]write-via-stream") void stderr_stream_drop(uint32_t w);
IMPORT(CLI("stderr"), "[async-lower][future-read-1]write-via-stream") uint32_t stderr_future_read(uint32_t r, void *p);
IMPORT(CLI("stderr"), "[future-drop-readable-1]write-via-stream") void stderr_future_drop(uint32_t r);

/* stdout's stream, opened on first use and kept (one write-via-stream for
** the whole run, as a libc would); its future is read at the end. */
static uint32_t out_w, out_fut;

static void out(const void *p, size_t n) {
  if (!out_w) {
    uint64_t s = stdout_stream_new();
    out_w = (uint32_t)(s >> 32);
    out_fut = stdout_write((uint32_t)s);
  }
  const uint8_t *b = p;
  while (n) {
    uint32_t r = copied(out_w, stdout_stream_write(out_w, b, (uint32_t)n));
    uint32_t k = r >> 4;
    if ((r & 0xf) == COPY_DROPPED && !k) __builtin_trap();
    b += k;
    n -= k;
  }
}
static void puts_(const char *s) {
  out(s, slen(s));
  out("\n", 1);
}
static void put_u64(uint64_t v) {
  char b[24];
  int i = 23;
  b[i] = 0;
  do b[--i] = (char)('0' + v % 10);
  while (v /= 10);
  out(b + i, (size_t)(23 - i));
}
static void kv(const char *k, uint64_t v) {
  out(k, slen(k));
  out("=", 1);
  put_u64(v);
  out("\n", 1);
}

/* Ends stdout's stream; 0 when its future says ok. */
static uint32_t out_close(void) {
  if (!out_w) return 0;
  stdout_stream_drop(out_w);
  uint8_t res[2] = {9, 9};
  copied(out_fut, stdout_future_read(out_fut, res));
  stdout_future_drop(out_fut);
  out_w = 0;
  return res[0];
}

static void err_line(const char *s) {
  uint64_t st = stderr_stream_new();
  uint32_t w = (uint32_t)(st >> 32), fut = stderr_write((uint32_t)st);
  copied(w, stderr_stream_write(w, s, (uint32_t)slen(s)));
  copied(w, stderr_stream_write(w, "\n", 1));
  stderr_stream_drop(w);
  uint8_t res[2];
  copied(fut, stderr_future_read(fut, res));
  stderr_future_drop(fut);
}

/* ------------------------------------------------------------ cli */

typedef struct {
  const char *ptr;
  size_t len;
} str_t;
typedef struct {
  void *ptr;
  size_t len;
} list_t;

IMPORT(CLI("environment"), "get-arguments") void get_arguments(list_t *ret);
IMPORT(CLI("environment"), "get-environment") void get_environment(list_t *ret);
IMPORT(CLI("exit"), "exit") void cli_exit(uint32_t is_err);
#ifndef WASI_RC /* the rc has it behind a feature gate (cli-exit-with-code) */
IMPORT(CLI("exit"), "exit-with-code") void cli_exit_with_code(uint32_t code);
#endif
IMPORT(CLI("stdin"), "read-via-stream") void stdin_read(uint32_t ret[2]);
IMPORT(CLI("stdin"), "[async-lower][stream-read-0]read-via-stream") uint32_t stdin_stream_read(uint32_t r, void *p,
                                                                                              uint32_t n);
IMPORT(CLI("stdin"), "[stream-drop-readable-0]read-via-stream") void stdin_stream_drop(uint32_t r);
IMPORT(CLI("stdin"), "[async-lower][future-read-1]read-via-stream") uint32_t stdin_future_read(uint32_t r, void *p);
IMPORT(CLI("stdin"), "[future-drop-readable-1]read-via-stream") void stdin_future_drop(uint32_t r);
IMPORT(CLI("terminal-stdout"), "get-terminal-stdout") void get_terminal_stdout(uint32_t ret[2]);

static void case_args(void) {
  list_t l;
  get_arguments(&l);
  str_t *a = l.ptr;
  for (size_t i = 0; i < l.len; i++) {
    out("arg=", 4);
    out(a[i].ptr, a[i].len);
    out("\n", 1);
  }
  get_environment(&l);
  str_t(*e)[2] = l.ptr;
  for (size_t i = 0; i < l.len; i++) {
    out("env=", 4);
    out(e[i][0].ptr, e[i][0].len);
    out("=", 1);
    out(e[i][1].ptr, e[i][1].len);
    out("\n", 1);
  }
  uint32_t t[2] = {9, 9};
  get_terminal_stdout(t);
  kv("terminal", t[0]);
}

/* stdin copied to stdout, in chunks of at most 7 bytes (several reads) */
static void case_stdin(void) {
  uint32_t rf[2];
  stdin_read(rf);
  uint8_t buf[7];
  uint64_t total = 0;
  for (;;) {
    uint32_t r = copied(rf[0], stdin_stream_read(rf[0], buf, sizeof buf));
    out(buf, r >> 4);
    total += r >> 4;
    if ((r & 0xf) == COPY_DROPPED) break;
  }
  stdin_stream_drop(rf[0]);
  uint8_t res[2] = {9, 9};
  copied(rf[1], stdin_future_read(rf[1], res));
  stdin_future_drop(rf[1]);
  kv("stdin-bytes", total);
  kv("stdin-result", res[0]);
}

/* stdin read once, its stream dropped, then its future awaited (as
** wasi-testsuite's sockets-echo does with a socket): the future resolves
** at the drop, while the writer still holds stdin open */
static void case_stdin_once(void) {
  uint32_t rf[2];
  stdin_read(rf);
  uint8_t buf[7];
  uint32_t r = copied(rf[0], stdin_stream_read(rf[0], buf, sizeof buf));
  out(buf, r >> 4);
  out("\n", 1);
  stdin_stream_drop(rf[0]);
  uint8_t res[2] = {9, 9};
  copied(rf[1], stdin_future_read(rf[1], res));
  stdin_future_drop(rf[1]);
  kv("stdin-once-bytes", r >> 4);
  kv("stdin-once-result", res[0]);
}

/* ------------------------------------------------------------ clocks, random */

IMPORT(CLOCKS("monotonic-clock"), "now") uint64_t mono_now(void);
IMPORT(CLOCKS("monotonic-clock"), "get-resolution") uint64_t mono_res(void);
IMPORT(CLOCKS("monotonic-clock"), "[async-lower]wait-for") uint32_t wait_for(uint64_t ns);
IMPORT(CLOCKS("monotonic-clock"), "wait-until") void wait_until(uint64_t when);
IMPORT(CLOCKS("system-clock"), "now") void sys_now(void *ret);
IMPORT(RANDOM("random"), "get-random-bytes") void random_bytes(uint64_t n, list_t *ret);
IMPORT(RANDOM("random"), "get-random-u64") uint64_t random_u64(void);
IMPORT(RANDOM("insecure"), "get-insecure-random-bytes") void insecure_bytes(uint64_t n, list_t *ret);
IMPORT(RANDOM("insecure-seed"), "get-insecure-seed") void insecure_seed(uint64_t ret[2]);

static void case_clocks(void) {
  uint64_t t0 = mono_now();
  subtask_wait(wait_for(20000000)); /* 20 ms, async: a subtask */
  uint64_t t1 = mono_now();
  kv("waited-20ms", t1 - t0 >= 20000000);
  wait_until(t1 + 5000000); /* 5 ms, lowered synchronously: the task blocks */
  kv("waited-until", mono_now() >= t1 + 5000000);
  subtask_wait(wait_for(0));
  kv("resolution-ok", mono_res() > 0 && mono_res() <= 1000000000);
  struct {
    int64_t s;
    uint32_t ns;
  } now;
  sys_now(&now);
  kv("system-after-2025", now.s > 1735689600 && now.ns < 1000000000);
}

static void case_random(void) {
  list_t l;
  random_bytes(32, &l);
  kv("random-bytes", l.len);
  const uint8_t *b = l.ptr;
  int nz = 0;
  for (size_t i = 0; i < l.len; i++) nz += b[i] != 0;
  kv("random-nonzero", nz > 8);
  insecure_bytes(5, &l);
  kv("insecure-bytes", l.len);
  kv("u64s-differ", random_u64() != random_u64());
  uint64_t s[2], t[2];
  insecure_seed(s);
  kv("seed-nonzero", (s[0] | s[1]) != 0);
  insecure_seed(t); /* one seed per instance, as the reference */
  kv("seed-stable", s[0] == t[0] && s[1] == t[1]);
}

/* ------------------------------------------------------------ filesystem */

#define OPEN_CREATE 1
#define OPEN_DIRECTORY 2
#define OPEN_EXCLUSIVE 4
#define OPEN_TRUNCATE 8
#define DF_READ 1
#define DF_WRITE 2
#define DF_MUTATE 32

/* result<T, error-code>: disc at 0, payload at 4 (at 8 when T has 64-bit
** fields: descriptor-stat); error-code's tag at 4.  Aligned for both. */
typedef struct __attribute__((aligned(8))) {
  uint8_t is_err;
  uint8_t pad[3];
  union {
    uint32_t handle;
    uint8_t tag;
    uint32_t w[31];
  } u;
} res_t;
/* a future's result<_, error-code> (alignment 4) */
typedef union {
  uint8_t b[20];
  uint32_t align;
} fut_res_t;

IMPORT(FS("preopens"), "get-directories") void get_directories(list_t *ret);
IMPORT(FS("types"), "[method]descriptor.open-at")
void open_at(uint32_t self, uint32_t pf, const char *p, size_t n, uint32_t of, uint32_t fl, res_t *ret);
IMPORT(FS("types"), "[method]descriptor.write-via-stream") uint32_t write_via(uint32_t self, uint32_t data, uint64_t off);
IMPORT(FS("types"), "[stream-new-0][method]descriptor.write-via-stream") uint64_t fw_stream_new(void);
IMPORT(FS("types"), "[async-lower][stream-write-0][method]descriptor.write-via-stream")
uint32_t fw_stream_write(uint32_t w, const void *p, uint32_t n);
IMPORT(FS("types"), "[stream-drop-writable-0][method]descriptor.write-via-stream") void fw_stream_drop(uint32_t w);
IMPORT(FS("types"), "[async-lower][future-read-1][method]descriptor.write-via-stream")
uint32_t fw_future_read(uint32_t r, void *p);
IMPORT(FS("types"), "[future-drop-readable-1][method]descriptor.write-via-stream") void fw_future_drop(uint32_t r);
IMPORT(FS("types"), "[method]descriptor.append-via-stream") uint32_t append_via(uint32_t self, uint32_t data);
IMPORT(FS("types"), "[method]descriptor.read-via-stream") void read_via(uint32_t self, uint64_t off, uint32_t ret[2]);
IMPORT(FS("types"), "[async-lower][stream-read-0][method]descriptor.read-via-stream")
uint32_t fr_stream_read(uint32_t r, void *p, uint32_t n);
IMPORT(FS("types"), "[stream-drop-readable-0][method]descriptor.read-via-stream") void fr_stream_drop(uint32_t r);
IMPORT(FS("types"), "[async-lower][future-read-1][method]descriptor.read-via-stream")
uint32_t fr_future_read(uint32_t r, void *p);
IMPORT(FS("types"), "[future-drop-readable-1][method]descriptor.read-via-stream") void fr_future_drop(uint32_t r);
IMPORT(FS("types"), "[method]descriptor.read-directory") void read_directory(uint32_t self, uint32_t ret[2]);
IMPORT(FS("types"), "[async-lower][stream-read-0][method]descriptor.read-directory")
uint32_t dir_stream_read(uint32_t r, void *p, uint32_t n);
IMPORT(FS("types"), "[stream-drop-readable-0][method]descriptor.read-directory") void dir_stream_drop(uint32_t r);
IMPORT(FS("types"), "[async-lower][future-read-1][method]descriptor.read-directory")
uint32_t dir_future_read(uint32_t r, void *p);
IMPORT(FS("types"), "[future-drop-readable-1][method]descriptor.read-directory") void dir_future_drop(uint32_t r);
IMPORT(FS("types"), "[method]descriptor.stat") void stat_(uint32_t self, res_t *ret);
/* async lower: at most 4 flat parameters stay flat (these are 4) */
IMPORT(FS("types"), "[async-lower][method]descriptor.stat-at")
uint32_t stat_at_async(uint32_t self, uint32_t flags, const char *p, size_t n, res_t *ret);
IMPORT(FS("types"), "[method]descriptor.create-directory-at")
void mkdir_at(uint32_t self, const char *p, size_t n, res_t *ret);
IMPORT(FS("types"), "[method]descriptor.unlink-file-at") void unlink_at(uint32_t self, const char *p, size_t n, res_t *ret);
IMPORT(FS("types"), "[method]descriptor.rename-at")
void rename_at(uint32_t self, const char *p, size_t n, uint32_t nd, const char *q, size_t m, res_t *ret);
IMPORT(FS("types"), "[resource-drop]descriptor") void descriptor_drop(uint32_t h);

static const char *fs_err_name(uint8_t tag) {
  static const char *const names[] = {"access", "already", "bad-descriptor", "busy", "deadlock", "quota", "exist",
                                      "file-too-large", "illegal-byte-sequence", "in-progress", "interrupted",
                                      "invalid", "io", "is-directory", "loop", "too-many-links", "message-size",
                                      "name-too-long", "no-device", "no-entry", "no-lock", "insufficient-memory",
                                      "insufficient-space", "not-directory", "not-empty", "not-recoverable",
                                      "unsupported", "no-tty", "no-such-device", "overflow", "not-permitted",
                                      "pipe", "read-only", "invalid-seek", "text-file-busy", "cross-device",
                                      "other"};
  return tag < sizeof names / sizeof names[0] ? names[tag] : "?";
}

static void say_res(const char *what, const res_t *r) {
  out(what, slen(what));
  out("=", 1);
  if (r->is_err) {
    out("err:", 4);
    puts_(fs_err_name(r->u.tag));
  } else {
    puts_("ok");
  }
}

/* The future of a write-via-stream or read-via-stream: "ok" or the error. */
static void say_future(const char *what, const uint8_t *res) {
  res_t r = {0};
  r.is_err = res[0];
  r.u.tag = res[4];
  say_res(what, &r);
}

static uint32_t preopen(const char *name) {
  list_t l;
  get_directories(&l);
  struct {
    uint32_t h;
    str_t name;
  } *d = l.ptr;
  uint32_t found = 0;
  for (size_t i = 0; i < l.len; i++)
    if (!found && seq(d[i].name.ptr, d[i].name.len, name)) found = d[i].h;
    else descriptor_drop(d[i].h);
  return found;
}

static uint32_t open_file(uint32_t dir, const char *path, uint32_t of, uint32_t fl, const char *what) {
  res_t r;
  open_at(dir, 0, path, slen(path), of, fl, &r);
  say_res(what, &r);
  return r.is_err ? 0 : r.u.handle;
}

static void write_file(uint32_t f, const char *data, bool append, const char *what) {
  uint64_t s = fw_stream_new();
  uint32_t w = (uint32_t)(s >> 32);
  uint32_t fut = append ? append_via(f, (uint32_t)s) : write_via(f, (uint32_t)s, 0);
  size_t n = slen(data);
  while (n) {
    uint32_t r = copied(w, fw_stream_write(w, data, (uint32_t)n));
    if ((r & 0xf) == COPY_DROPPED) break; /* the file side failed: its future says why */
    data += r >> 4;
    n -= r >> 4;
  }
  fw_stream_drop(w);
  fut_res_t res = {{9}};
  copied(fut, fw_future_read(fut, &res));
  fw_future_drop(fut);
  say_future(what, res.b);
}

static void read_file(uint32_t f, uint64_t off, const char *what) {
  uint32_t rf[2];
  read_via(f, off, rf);
  uint8_t buf[64];
  out(what, slen(what));
  out("=[", 2);
  for (;;) {
    uint32_t r = copied(rf[0], fr_stream_read(rf[0], buf, sizeof buf));
    out(buf, r >> 4);
    if ((r & 0xf) == COPY_DROPPED) break;
  }
  out("]\n", 2);
  fr_stream_drop(rf[0]);
  fut_res_t res = {{9}};
  copied(rf[1], fr_future_read(rf[1], &res));
  fr_future_drop(rf[1]);
  say_future(what, res.b);
}

static void list_dir(uint32_t dir) {
  uint32_t rf[2];
  read_directory(dir, rf);
  /* directory-entry: type (tag at 0, option<string> at 4..16), name at 16 */
  struct {
    uint8_t tag, pad[3];
    uint32_t other[3];
    str_t name;
  } ents[2];
  /* the names come sorted from the script's `ls`, not from here: print
  ** them and let the checker sort */
  for (;;) {
    uint32_t r = copied(rf[0], dir_stream_read(rf[0], ents, 2));
    for (uint32_t i = 0; i < r >> 4; i++) {
      out("entry=", 6);
      out(ents[i].name.ptr, ents[i].name.len);
      out(ents[i].tag == 2 ? "/" : ents[i].tag == 5 ? "" : "?", ents[i].tag == 5 ? 0 : 1);
      out("\n", 1);
    }
    if ((r & 0xf) == COPY_DROPPED) break;
  }
  dir_stream_drop(rf[0]);
  fut_res_t res = {{9}};
  copied(rf[1], dir_future_read(rf[1], &res));
  dir_future_drop(rf[1]);
  say_future("readdir", res.b);
}

static void case_files(void) {
  uint32_t dir = preopen("/box");
  kv("preopen", dir != 0);
  if (!dir) return;
  uint32_t f = open_file(dir, "new.txt", OPEN_CREATE | OPEN_TRUNCATE, DF_READ | DF_WRITE, "open-new");
  write_file(f, "hello, 0.3 file", false, "write");
  write_file(f, "!", true, "append");
  read_file(f, 0, "read");
  read_file(f, 7, "read-at-7");
  res_t st;
  stat_(f, &st);
  /* descriptor-stat: type (16 bytes) at 8, link-count at 24, size at 32 */
  kv("size", st.is_err ? 999 : *(uint64_t *)((uint8_t *)&st + 32));
  descriptor_drop(f);
  /* stat-at lowered async: a subtask */
  res_t st2;
  subtask_wait(stat_at_async(dir, 0, "new.txt", 7, &st2));
  kv("stat-at-size", st2.is_err ? 999 : *(uint64_t *)((uint8_t *)&st2 + 32));
  res_t r;
  mkdir_at(dir, "sub", 3, &r);
  say_res("mkdir", &r);
  rename_at(dir, "new.txt", 7, dir, "sub/moved.txt", 13, &r);
  say_res("rename", &r);
  uint32_t sub = open_file(dir, "sub", OPEN_DIRECTORY, DF_READ, "open-sub");
  list_dir(sub);
  descriptor_drop(sub);
  unlink_at(dir, "sub/moved.txt", 13, &r);
  say_res("unlink", &r);
  /* the sandbox */
  open_file(dir, "../outside.txt", 0, DF_READ, "escape-dotdot");
  open_file(dir, "/etc/passwd", 0, DF_READ, "escape-absolute");
  open_file(dir, "link/passwd", 0, DF_READ, "escape-symlink");
  uint32_t d2 = open_file(dir, "sub", OPEN_DIRECTORY, DF_READ, "open-dir");
  read_file(d2, 0, "read-dir"); /* a directory: the future reports is-directory */
  descriptor_drop(d2);
  descriptor_drop(dir);
}

static void case_readonly(void) {
  uint32_t dir = preopen("/ro");
  kv("preopen", dir != 0);
  if (!dir) return;
  uint32_t f = open_file(dir, "data.txt", 0, DF_READ, "open-read");
  read_file(f, 0, "read");
  write_file(f, "x", false, "write-readonly-fd");
  descriptor_drop(f);
  open_file(dir, "data.txt", 0, DF_READ | DF_WRITE, "open-write");
  open_file(dir, "new.txt", OPEN_CREATE, DF_READ | DF_WRITE, "create");
  res_t r;
  mkdir_at(dir, "d", 1, &r);
  say_res("mkdir", &r);
  descriptor_drop(dir);
}

IMPORT(FS("types"), "[method]descriptor.get-flags") void get_flags(uint32_t self, res_t *ret);

/* get-flags as the reference reports them: no read/write asked is read,
** create implies write, mutate-directory only when asked for. */
static void say_flags(uint32_t dir, const char *what, const char *path, uint32_t of, uint32_t fl) {
  res_t r;
  open_at(dir, 0, path, slen(path), of, fl, &r);
  out(what, slen(what));
  out("=", 1);
  if (r.is_err) {
    out("err:", 4);
    puts_(fs_err_name(r.u.tag));
    return;
  }
  res_t f;
  get_flags(r.u.handle, &f);
  if (f.is_err) puts_("get-flags failed");
  else {
    out(f.u.tag & DF_READ ? "r" : "-", 1);
    out(f.u.tag & DF_WRITE ? "w" : "-", 1);
    puts_(f.u.tag & DF_MUTATE ? "m" : "-");
  }
  descriptor_drop(r.u.handle);
}

static void case_flags(void) {
  uint32_t dir = preopen("/box");
  res_t f;
  get_flags(dir, &f);
  kv("preopen-rm", !f.is_err && f.u.tag == (DF_READ | DF_MUTATE));
  say_flags(dir, "dir-none", ".", 0, 0);
  say_flags(dir, "dir-mutate", ".", OPEN_DIRECTORY, DF_READ | DF_MUTATE);
  say_flags(dir, "create-none", "c.txt", OPEN_CREATE | OPEN_EXCLUSIVE, 0);
  res_t r;
  unlink_at(dir, "c.txt", 5, &r);
  say_flags(dir, "create-w", "c.txt", OPEN_CREATE | OPEN_EXCLUSIVE, DF_WRITE);
  unlink_at(dir, "c.txt", 5, &r);
  say_flags(dir, "create-r", "f.txt", OPEN_CREATE, DF_READ);
  say_flags(dir, "file-none", "f.txt", 0, 0);
  say_flags(dir, "file-excl-only", "f.txt", OPEN_EXCLUSIVE, 0);
  unlink_at(dir, "f.txt", 5, &r);
  say_res("cleanup", &r);
  descriptor_drop(dir);
}

static void case_nodirs(void) {
  list_t l;
  get_directories(&l);
  kv("preopens", l.len);
}

/* ------------------------------------------------------------ sockets */

IMPORT(SOCK("types"), "[static]tcp-socket.create") void tcp_create(uint32_t fam, res_t *ret);
IMPORT(SOCK("types"), "[method]tcp-socket.bind")
void tcp_bind(uint32_t self, uint32_t tag, uint32_t port, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t x6,
              uint32_t x7, uint32_t x8, uint32_t x9, uint32_t x10, uint32_t x11, res_t *ret);
IMPORT(SOCK("types"), "[method]tcp-socket.connect")
void tcp_connect(uint32_t self, uint32_t tag, uint32_t port, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
                 uint32_t x6, uint32_t x7, uint32_t x8, uint32_t x9, uint32_t x10, uint32_t x11, res_t *ret);
IMPORT(SOCK("types"), "[method]tcp-socket.listen") void tcp_listen(uint32_t self, res_t *ret);
IMPORT(SOCK("types"), "[async-lower][stream-read-0][method]tcp-socket.listen")
uint32_t accept_read(uint32_t r, uint32_t *p, uint32_t n);
IMPORT(SOCK("types"), "[stream-drop-readable-0][method]tcp-socket.listen") void accept_drop(uint32_t r);
IMPORT(SOCK("types"), "[method]tcp-socket.get-local-address") void tcp_local(uint32_t self, res_t *ret);
IMPORT(SOCK("types"), "[method]tcp-socket.send") uint32_t tcp_send(uint32_t self, uint32_t data);
IMPORT(SOCK("types"), "[stream-new-0][method]tcp-socket.send") uint64_t ts_stream_new(void);
IMPORT(SOCK("types"), "[async-lower][stream-write-0][method]tcp-socket.send")
uint32_t ts_stream_write(uint32_t w, const void *p, uint32_t n);
IMPORT(SOCK("types"), "[stream-drop-writable-0][method]tcp-socket.send") void ts_stream_drop(uint32_t w);
IMPORT(SOCK("types"), "[async-lower][future-read-1][method]tcp-socket.send") uint32_t ts_future_read(uint32_t r, void *p);
IMPORT(SOCK("types"), "[future-drop-readable-1][method]tcp-socket.send") void ts_future_drop(uint32_t r);
IMPORT(SOCK("types"), "[method]tcp-socket.receive") void tcp_receive(uint32_t self, uint32_t ret[2]);
IMPORT(SOCK("types"), "[async-lower][stream-read-0][method]tcp-socket.receive")
uint32_t tr_stream_read(uint32_t r, void *p, uint32_t n);
IMPORT(SOCK("types"), "[stream-drop-readable-0][method]tcp-socket.receive") void tr_stream_drop(uint32_t r);
IMPORT(SOCK("types"), "[async-lower][future-read-1][method]tcp-socket.receive") uint32_t tr_future_read(uint32_t r, void *p);
IMPORT(SOCK("types"), "[future-drop-readable-1][method]tcp-socket.receive") void tr_future_drop(uint32_t r);
IMPORT(SOCK("types"), "[resource-drop]tcp-socket") void tcp_drop(uint32_t h);
IMPORT(SOCK("types"), "[static]udp-socket.create") void udp_create(uint32_t fam, res_t *ret);
IMPORT(SOCK("types"), "[method]udp-socket.bind")
void udp_bind(uint32_t self, uint32_t tag, uint32_t port, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t x6,
              uint32_t x7, uint32_t x8, uint32_t x9, uint32_t x10, uint32_t x11, res_t *ret);
IMPORT(SOCK("types"), "[method]udp-socket.get-local-address") void udp_local(uint32_t self, res_t *ret);
IMPORT(SOCK("types"), "[method]udp-socket.send")
void udp_send(uint32_t self, const void *p, size_t n, uint32_t some, uint32_t tag, uint32_t port, uint32_t a0, uint32_t a1,
              uint32_t a2, uint32_t a3, uint32_t x6, uint32_t x7, uint32_t x8, uint32_t x9, uint32_t x10, uint32_t x11,
              res_t *ret);
IMPORT(SOCK("types"), "[method]udp-socket.receive") void udp_receive(uint32_t self, res_t *ret);
IMPORT(SOCK("types"), "[resource-drop]udp-socket") void udp_drop(uint32_t h);
IMPORT(SOCK("ip-name-lookup"), "resolve-addresses") void resolve(const char *p, size_t n, res_t *ret);

static const char *sock_err_name(uint8_t tag) {
  static const char *const names[] = {"access-denied", "not-supported", "invalid-argument", "out-of-memory",
                                      "timeout", "invalid-state", "address-not-bindable", "address-in-use",
                                      "remote-unreachable", "connection-refused", "connection-broken",
                                      "connection-reset", "connection-aborted", "datagram-too-large", "other"};
  return tag < sizeof names / sizeof names[0] ? names[tag] : "?";
}

static void say_sock(const char *what, const res_t *r) {
  out(what, slen(what));
  out("=", 1);
  if (r->is_err) {
    out("err:", 4);
    puts_(sock_err_name(r->u.tag));
  } else {
    puts_("ok");
  }
}

/* ip-socket-address of 127.0.0.1:port, flat: 12 values after the tag. */
#define LOOPBACK(port) 0, (port), 127, 0, 0, 1, 0, 0, 0, 0, 0, 0

static uint16_t local_port(const res_t *r) { return (uint16_t)r->u.w[1]; /* variant tag at 4, port at 8 */ }

static void case_tcp(void) {
  res_t r;
  tcp_create(0, &r);
  say_sock("create", &r);
  if (r.is_err) return;
  uint32_t ls = r.u.handle;
  tcp_bind(ls, LOOPBACK(0), &r);
  say_sock("bind", &r);
  tcp_listen(ls, &r);
  say_sock("listen", &r);
  uint32_t accepts = r.u.handle;
  tcp_local(ls, &r);
  uint16_t port = local_port(&r);
  kv("port-nonzero", port != 0);
  tcp_create(0, &r);
  uint32_t cs = r.u.handle;
  tcp_connect(cs, LOOPBACK(port), &r); /* an async func lowered synchronously */
  say_sock("connect", &r);
  uint32_t conn = 0;
  uint32_t a = copied(accepts, accept_read(accepts, &conn, 1));
  kv("accepted", a >> 4);
  /* client -> server */
  uint64_t s = ts_stream_new();
  uint32_t w = (uint32_t)(s >> 32), fut = tcp_send(cs, (uint32_t)s);
  uint32_t rf[2];
  tcp_receive(conn, rf);
  const char *msg = "ping over wasi 0.3";
  copied(w, ts_stream_write(w, msg, (uint32_t)slen(msg)));
  ts_stream_drop(w); /* the send side shuts down: the server sees the end */
  fut_res_t res = {{9}};
  copied(fut, ts_future_read(fut, &res));
  ts_future_drop(fut);
  kv("send-result", res.b[0]);
  uint8_t buf[64];
  size_t got = 0;
  for (;;) {
    uint32_t rr = copied(rf[0], tr_stream_read(rf[0], buf + got, (uint32_t)(sizeof buf - got)));
    got += rr >> 4;
    if ((rr & 0xf) == COPY_DROPPED || got == sizeof buf) break;
  }
  out("received=", 9);
  out(buf, got);
  out("\n", 1);
  tr_stream_drop(rf[0]);
  res.b[0] = 9;
  copied(rf[1], tr_future_read(rf[1], &res));
  tr_future_drop(rf[1]);
  kv("receive-result", res.b[0]);
  accept_drop(accepts);
  tcp_drop(conn);
  tcp_drop(cs);
  tcp_drop(ls);
}

static void case_udp(void) {
  res_t r;
  udp_create(0, &r);
  say_sock("udp-create", &r);
  if (r.is_err) return;
  uint32_t a = r.u.handle;
  udp_bind(a, LOOPBACK(0), &r);
  say_sock("udp-bind", &r);
  udp_local(a, &r);
  uint16_t port = local_port(&r);
  udp_create(0, &r);
  uint32_t b = r.u.handle;
  udp_send(b, "datagram!", 9, 1, LOOPBACK(port), &r);
  say_sock("udp-send", &r);
  res_t in;
  udp_receive(a, &in); /* async func, lowered synchronously: waits for the datagram */
  say_sock("udp-receive", &in);
  /* ok: tuple<list<u8>, ip-socket-address> at 4 */
  out("datagram=", 9);
  out((const void *)(uintptr_t)in.u.w[0], in.u.w[1]);
  out("\n", 1);
  udp_drop(a);
  udp_drop(b);
}

IMPORT(SOCK("types"), "[method]udp-socket.connect")
void udp_connect(uint32_t self, uint32_t tag, uint32_t port, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
                 uint32_t x6, uint32_t x7, uint32_t x8, uint32_t x9, uint32_t x10, uint32_t x11, res_t *ret);
/* ipv6 ::ffff:127.0.0.1 port p, flat: tag 1, port, flow-info, 8 groups, scope */
#define V4MAPPED(p) 1, (p), 0, 0, 0, 0, 0, 0, 0xffff, 0x7f00, 1, 0

/* The address rules of the reference (Wasmtime) and the lifetimes of a
** listener and a receive stream. */
static void case_sock_rules(void) {
  res_t r;
  tcp_create(0, &r);
  uint32_t t = r.u.handle;
  tcp_bind(t, 0, 0, 224, 0, 0, 1, 0, 0, 0, 0, 0, 0, &r); /* multicast */
  say_sock("bind-multicast", &r);
  tcp_bind(t, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, &r); /* broadcast */
  say_sock("bind-broadcast", &r);
  tcp_connect(t, LOOPBACK(0), &r);
  say_sock("connect-port-0", &r);
  tcp_connect(t, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, &r);
  say_sock("connect-unspecified", &r);
  tcp_drop(t);
  tcp_create(1, &r); /* ipv6 */
  t = r.u.handle;
  tcp_connect(t, V4MAPPED(9), &r);
  say_sock("connect-v4mapped", &r);
  tcp_connect(t, LOOPBACK(9), &r);
  say_sock("connect-other-family", &r);
  tcp_drop(t);
  /* a listener dropped with its accept stream frees its port at once */
  tcp_create(0, &r);
  t = r.u.handle;
  tcp_bind(t, LOOPBACK(0), &r);
  tcp_listen(t, &r);
  uint32_t accepts = r.u.handle;
  tcp_local(t, &r);
  uint16_t port = local_port(&r);
  accept_drop(accepts);
  tcp_drop(t);
  tcp_create(0, &r);
  t = r.u.handle;
  tcp_bind(t, LOOPBACK(port), &r);
  say_sock("rebind-after-drop", &r);
  tcp_listen(t, &r);
  say_sock("relisten", &r);
  accepts = r.u.handle;
  /* a receive stream dropped unread: its future says ok (a shutdown of the
  ** read half), though the peer never sends */
  tcp_create(0, &r);
  uint32_t cs = r.u.handle;
  tcp_connect(cs, LOOPBACK(port), &r);
  uint32_t conn = 0;
  copied(accepts, accept_read(accepts, &conn, 1));
  uint32_t rf[2];
  tcp_receive(conn, rf);
  tr_stream_drop(rf[0]);
  fut_res_t res = {{9}};
  copied(rf[1], tr_future_read(rf[1], &res));
  tr_future_drop(rf[1]);
  kv("dropped-receive-result", res.b[0]);
  accept_drop(accepts);
  tcp_drop(conn);
  tcp_drop(cs);
  tcp_drop(t);
  /* udp: a connected socket may name its peer in send, not another */
  udp_create(0, &r);
  uint32_t a = r.u.handle;
  udp_bind(a, LOOPBACK(0), &r);
  udp_local(a, &r);
  port = local_port(&r);
  udp_create(0, &r);
  uint32_t b = r.u.handle;
  udp_connect(b, V4MAPPED(port), &r);
  say_sock("udp-connect-other-family", &r);
  udp_connect(b, LOOPBACK(port), &r);
  say_sock("udp-connect", &r);
  udp_send(b, "1", 1, 1, LOOPBACK(port), &r);
  say_sock("udp-send-to-peer", &r);
  udp_send(b, "2", 1, 1, LOOPBACK(port == 65535 ? 1 : port + 1), &r);
  say_sock("udp-send-to-other", &r);
  udp_send(b, "3", 1, 0, LOOPBACK(0), &r);
  say_sock("udp-send-connected", &r);
  udp_drop(a);
  udp_drop(b);
}

static void case_lookup(void) {
  res_t r;
  resolve("localhost", 9, &r);
  say_sock("lookup", &r);
  if (!r.is_err) kv("addresses-nonzero", r.u.w[1] > 0);
}

/* Without --allow-network sockets can be made and configured (as in
** Wasmtime), but no address is reachable: bind, listen, connect and send
** are access-denied, and so is a name lookup. */
static void case_net_denied(void) {
  res_t r;
  tcp_create(0, &r);
  say_sock("tcp-create", &r);
  uint32_t t = r.u.handle;
  tcp_bind(t, LOOPBACK(0), &r);
  say_sock("tcp-bind", &r);
  tcp_listen(t, &r);
  say_sock("tcp-listen", &r);
  tcp_connect(t, LOOPBACK(9), &r);
  say_sock("tcp-connect", &r);
  tcp_drop(t);
  udp_create(0, &r);
  say_sock("udp-create", &r);
  uint32_t u = r.u.handle;
  udp_bind(u, LOOPBACK(0), &r);
  say_sock("udp-bind", &r);
  udp_send(u, "x", 1, 1, LOOPBACK(9), &r);
  say_sock("udp-send", &r);
  udp_drop(u);
  resolve("localhost", 9, &r);
  /* ip-name-lookup's error-code: access-denied is 0 too */
  out("lookup=", 7);
  puts_(r.is_err && r.u.tag == 0 ? "err:access-denied" : "?");
}

/* ------------------------------------------------------------ run */

#ifdef WASI_RC
/* As Rust's wasm32-wasip3 programs: WASI 0.2 imported too, and wasi:cli/run
** exported at 0.2 as well.  `wasmplug run` must pick the 0.3 one: this one
** fails without a word. */
IMPORT("wasi:cli/environment@0.2.12", "get-arguments") void p2_get_arguments(list_t *ret);
EXPORT("wasi:cli/run@0.2.12#run") uint32_t run_p2(void) {
  list_t l;
  p2_get_arguments(&l);
  return 1;
}
#endif

static bool is(const str_t *a, const char *s) { return seq(a->ptr, a->len, s); }

EXPORT("[async-lift-stackful]" CLI("run") "#run") void run(void) {
  ws = waitable_set_new();
  list_t l;
  get_arguments(&l);
  str_t *argv = l.ptr;
  str_t none = {"", 0};
  const str_t *c = l.len > 1 ? &argv[1] : &none;
  uint32_t status = 0;
  if (is(c, "hello")) puts_("hello from wasi 0.3");
  else if (is(c, "args")) case_args();
  else if (is(c, "stdin")) case_stdin();
  else if (is(c, "stdin-once")) case_stdin_once();
  else if (is(c, "clocks")) case_clocks();
  /* waits of a day (an async subtask; a wait lowered synchronously): only
  ** the embedder's interrupt ends them (test_p2_interrupt) */
  else if (is(c, "sleep-day")) subtask_wait(wait_for(86400ull * 1000000000ull));
  else if (is(c, "sleep-day-sync")) wait_until(mono_now() + 86400ull * 1000000000ull);
  else if (is(c, "random")) case_random();
  else if (is(c, "files")) case_files();
  else if (is(c, "readonly")) case_readonly();
  else if (is(c, "nodirs")) case_nodirs();
  else if (is(c, "tcp")) case_tcp();
  else if (is(c, "udp")) case_udp();
  else if (is(c, "lookup")) case_lookup();
  else if (is(c, "net-denied")) case_net_denied();
  else if (is(c, "sock-rules")) case_sock_rules();
  else if (is(c, "flags")) case_flags();
  else if (is(c, "stderr")) err_line("to stderr");
  else if (is(c, "fail")) status = 1;
#ifndef WASI_RC
  else if (is(c, "exit-3")) {
    out_close();
    cli_exit_with_code(3);
  }
#endif
  else if (is(c, "exit-err")) {
    puts_("before exit");
    out_close();
    cli_exit(1);
  } else {
    err_line("unknown case");
    status = 1;
  }
  if (out_close()) status = 1;
  waitable_set_drop(ws);
  task_return(status);
}
