/* fuzz.wasm SEED N: makes N preview1 calls with pseudo-random arguments
** (pointers in bounds, at the edge and beyond, odd alignments, huge
** lengths, bad fds, garbage flags, junk and hostile paths).  The runtime
** must answer every one with an errno: no host crash, no sanitizer report,
** no write outside what the guest passed.
**
** To keep the guest itself intact, every pointer it passes points into a
** scratch page that it adds at the very end of its memory (or beyond the
** memory): any range the host accepts then lies inside the scratch page.
** The page is refilled before each call with words that, read back by the
** host as pointers (iovecs, argv arrays...), again point into it or out of
** bounds.  proc_exit is left out (it would end the run) and poll_oneoff
** only gets subscriptions with short timeouts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT(name) \
  __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
typedef uint32_t u32;
typedef uint64_t u64;

IMPORT(args_get) u32 w_args_get(u32, u32);
IMPORT(args_sizes_get) u32 w_args_sizes_get(u32, u32);
IMPORT(environ_get) u32 w_environ_get(u32, u32);
IMPORT(environ_sizes_get) u32 w_environ_sizes_get(u32, u32);
IMPORT(clock_res_get) u32 w_clock_res_get(u32, u32);
IMPORT(clock_time_get) u32 w_clock_time_get(u32, u64, u32);
IMPORT(fd_advise) u32 w_fd_advise(u32, u64, u64, u32);
IMPORT(fd_allocate) u32 w_fd_allocate(u32, u64, u64);
IMPORT(fd_close) u32 w_fd_close(u32);
IMPORT(fd_datasync) u32 w_fd_datasync(u32);
IMPORT(fd_fdstat_get) u32 w_fd_fdstat_get(u32, u32);
IMPORT(fd_fdstat_set_flags) u32 w_fd_fdstat_set_flags(u32, u32);
IMPORT(fd_fdstat_set_rights) u32 w_fd_fdstat_set_rights(u32, u64, u64);
IMPORT(fd_filestat_get) u32 w_fd_filestat_get(u32, u32);
IMPORT(fd_filestat_set_size) u32 w_fd_filestat_set_size(u32, u64);
IMPORT(fd_filestat_set_times) u32 w_fd_filestat_set_times(u32, u64, u64, u32);
IMPORT(fd_pread) u32 w_fd_pread(u32, u32, u32, u64, u32);
IMPORT(fd_prestat_get) u32 w_fd_prestat_get(u32, u32);
IMPORT(fd_prestat_dir_name) u32 w_fd_prestat_dir_name(u32, u32, u32);
IMPORT(fd_pwrite) u32 w_fd_pwrite(u32, u32, u32, u64, u32);
IMPORT(fd_read) u32 w_fd_read(u32, u32, u32, u32);
IMPORT(fd_readdir) u32 w_fd_readdir(u32, u32, u32, u64, u32);
IMPORT(fd_renumber) u32 w_fd_renumber(u32, u32);
IMPORT(fd_seek) u32 w_fd_seek(u32, u64, u32, u32);
IMPORT(fd_sync) u32 w_fd_sync(u32);
IMPORT(fd_tell) u32 w_fd_tell(u32, u32);
IMPORT(fd_write) u32 w_fd_write(u32, u32, u32, u32);
IMPORT(path_create_directory) u32 w_path_create_directory(u32, u32, u32);
IMPORT(path_filestat_get) u32 w_path_filestat_get(u32, u32, u32, u32, u32);
IMPORT(path_filestat_set_times)
u32 w_path_filestat_set_times(u32, u32, u32, u32, u64, u64, u32);
IMPORT(path_link) u32 w_path_link(u32, u32, u32, u32, u32, u32, u32);
IMPORT(path_open)
u32 w_path_open(u32, u32, u32, u32, u32, u64, u64, u32, u32);
IMPORT(path_readlink) u32 w_path_readlink(u32, u32, u32, u32, u32, u32);
IMPORT(path_remove_directory) u32 w_path_remove_directory(u32, u32, u32);
IMPORT(path_rename) u32 w_path_rename(u32, u32, u32, u32, u32, u32);
IMPORT(path_symlink) u32 w_path_symlink(u32, u32, u32, u32, u32);
IMPORT(path_unlink_file) u32 w_path_unlink_file(u32, u32, u32);
IMPORT(poll_oneoff) u32 w_poll_oneoff(u32, u32, u32, u32);
IMPORT(proc_raise) u32 w_proc_raise(u32);
IMPORT(sched_yield) u32 w_sched_yield(void);
IMPORT(random_get) u32 w_random_get(u32, u32);
IMPORT(sock_accept) u32 w_sock_accept(u32, u32, u32);
IMPORT(sock_recv) u32 w_sock_recv(u32, u32, u32, u32, u32, u32);
IMPORT(sock_send) u32 w_sock_send(u32, u32, u32, u32, u32);
IMPORT(sock_shutdown) u32 w_sock_shutdown(u32, u32);

#define PAGE 65536u
/* Only the first FRESH and the last 256 bytes are refilled before each call
** (refilling is the slow part on the baseline tier).  Pointers into the
** page start below HOT or within 64 bytes of its end, so whatever the host
** reads as structures (a few hundred bytes at most: iovec arrays,
** subscriptions) comes from refilled words. */
#define FRESH 8192u
#define HOT 4096u
static u32 base;   /* the scratch page: [base, base + PAGE) = memory's end */
static u64 state;

static u64 rnd(void) { /* splitmix64: deterministic per seed */
  u64 z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static u32 pick(const u32 *v, u32 n) { return v[rnd() % n]; }

/* A pointer: mostly into the scratch page, sometimes at its very end or
** beyond the memory. */
static u32 ptr(void) {
  switch (rnd() % 8) {
  case 0: return base + PAGE - (u32)(rnd() % 64);
  case 1: return 0xFFFFFFF0u + (u32)(rnd() % 16);
  case 2: return base + PAGE + (u32)(rnd() % 4096);
  case 3: return base + (u32)(rnd() % HOT); /* any alignment */
  default: return base + (u32)(rnd() % (HOT / 8)) * 8;
  }
}
static u32 len(void) {
  static const u32 v[] = {0, 1, 2, 4, 7, 8, 24, 64, 255, 4096, PAGE,
                          0x7FFFFFFFu, 0xFFFFFFFFu};
  return rnd() % 4 ? pick(v, sizeof v / sizeof v[0]) : (u32)(rnd() % PAGE);
}
/* fds: stdin (/dev/null), the preopen, what the guest opened, bad ones;
** never stdout/stderr, which report the result. */
static u32 fd(void) {
  static const u32 v[] = {0, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                          4096, 0x7FFFFFFFu, 0xFFFFFFFFu};
  return pick(v, sizeof v / sizeof v[0]);
}
/* fds to close or renumber: never the preopen, which the rest needs. */
static u32 victim(void) {
  u32 f;
  do f = fd(); while (f == 3);
  return f;
}
/* Directory fds for path calls: mostly the preopen, so paths get walked. */
static u32 dirfd(void) { return rnd() % 4 ? 3 : fd(); }
static u32 small(void) { return rnd() % 3 ? (u32)(rnd() % 40) : (u32)rnd(); }
static u64 big(void) {
  static const u64 v[] = {0, 1, 100, 4096, 1ull << 31, 1ull << 40,
                          0x7FFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull};
  return rnd() % 3 ? v[rnd() % 8] : rnd();
}

/* Path arguments: a (ptr, len) of junk, or one of these written at ptr. */
static const char *const paths[] = {
  "a", "b", "sub", "sub/c", ".", "..", "../x", "/etc/passwd", "a/../..",
  "sub/../a", "sub/", "", "x\xff", "lnk", "lnk/..", "a/b/c/d/e",
};
static void path(u32 *p, u32 *l) {
  *p = ptr();
  *l = len();
  if (rnd() % 2 && *p >= base && *p <= base + HOT) {
    const char *s = paths[rnd() % (sizeof paths / sizeof paths[0])];
    size_t n = strlen(s);
    memcpy((void *)(uintptr_t)*p, s, n);
    *l = (u32)n;
  }
}

/* Words that, read as pointers, stay in the page or leave memory. */
static void fill(u32 *w, u32 nwords) {
  for (u32 i = 0; i < nwords; i++) {
    u64 r = rnd();
    switch (r & 3) {
    case 0: w[i] = base + (u32)((r >> 8) % PAGE); break;
    case 1: w[i] = (u32)((r >> 8) % 64); break;
    case 2: w[i] = 0xFFFFFF00u | (u32)(r >> 56); break;
    default: w[i] = (u32)((r >> 8) % 4096); break;
    }
  }
}

/* The start (pointers below HOT) and the last 256 bytes (pointers near
** the end); the middle only ever holds data, never structures. */
static void refill(void) {
  fill((u32 *)(uintptr_t)base, FRESH / 4);
  fill((u32 *)(uintptr_t)(base + PAGE - 256), 64);
}

/* poll_oneoff with well-formed subscriptions whose clocks end within 1 ms
** (and fd subscriptions), or with a bad pointer / count. */
static u32 poll(void) {
  if (rnd() % 2) return w_poll_oneoff(ptr(), ptr(), small(), ptr());
  u32 n = 1 + (u32)(rnd() % 4);
  uint8_t *in = (uint8_t *)(uintptr_t)base;
  memset(in, 0, 48 * n);
  for (u32 i = 0; i < n; i++) {
    uint8_t *s = in + 48 * i;
    s[8] = (uint8_t)(rnd() % 4); /* tag: clock, read, write, bad */
    u32 f = fd(), clk = (u32)(rnd() % 5);
    u64 timeout = rnd() % 1000000;
    u32 flags = (u32)(rnd() % 2);
    memcpy(s + 16, s[8] == 0 ? &clk : &f, 4);
    if (flags) { /* absolute: "now" for realtime/monotonic is far past */
      timeout = rnd() % 1000000;
    }
    memcpy(s + 24, &timeout, 8);
    memcpy(s + 40, &flags, 2);
  }
  /* a subscription on stdin (/dev/null) or a file is ready at once */
  return w_poll_oneoff(base, base + 4096, n, base + 8192);
}

static u32 call(u32 which) {
  u32 p1, l1, p2, l2;
  switch (which) {
  case 0: return w_args_get(ptr(), ptr());
  case 1: return w_args_sizes_get(ptr(), ptr());
  case 2: return w_environ_get(ptr(), ptr());
  case 3: return w_environ_sizes_get(ptr(), ptr());
  case 4: return w_clock_res_get(small(), ptr());
  case 5: return w_clock_time_get(small(), big(), ptr());
  case 6: return w_fd_advise(fd(), big(), big(), small());
  case 7: return w_fd_allocate(fd(), rnd() % 4096, rnd() % 4096);
  case 8: return w_fd_close(victim());
  case 9: return w_fd_datasync(fd());
  case 10: return w_fd_fdstat_get(fd(), ptr());
  case 11: return w_fd_fdstat_set_flags(fd(), small());
  case 12: return w_fd_fdstat_set_rights(fd(), big(), big());
  case 13: return w_fd_filestat_get(fd(), ptr());
  case 14: return w_fd_filestat_set_size(fd(), rnd() % (1u << 20));
  case 15: return w_fd_filestat_set_times(fd(), big(), big(), small());
  case 16: return w_fd_pread(fd(), ptr(), small(), big(), ptr());
  case 17: return w_fd_prestat_get(fd(), ptr());
  case 18: return w_fd_prestat_dir_name(fd(), ptr(), len());
  case 19: return w_fd_pwrite(fd(), ptr(), small(), rnd() % (1u << 20), ptr());
  case 20: return w_fd_read(fd(), ptr(), small(), ptr());
  case 21: return w_fd_readdir(fd(), ptr(), len(), big(), ptr());
  case 22: return w_fd_renumber(victim(), victim());
  case 23: return w_fd_seek(fd(), big(), small(), ptr());
  case 24: return w_fd_sync(fd());
  case 25: return w_fd_tell(fd(), ptr());
  case 26: return w_fd_write(fd(), ptr(), small(), ptr());
  case 27: path(&p1, &l1); return w_path_create_directory(dirfd(), p1, l1);
  case 28: path(&p1, &l1); return w_path_filestat_get(dirfd(), small(), p1, l1, ptr());
  case 29:
    path(&p1, &l1);
    return w_path_filestat_set_times(dirfd(), small(), p1, l1, big(), big(), small());
  case 30:
    path(&p1, &l1); path(&p2, &l2);
    return w_path_link(dirfd(), small(), p1, l1, dirfd(), p2, l2);
  case 31:
    path(&p1, &l1);
    return w_path_open(dirfd(), small(), p1, l1, small(), big(), big(), small(), ptr());
  case 32: path(&p1, &l1); return w_path_readlink(dirfd(), p1, l1, ptr(), len(), ptr());
  case 33: path(&p1, &l1); return w_path_remove_directory(dirfd(), p1, l1);
  case 34:
    path(&p1, &l1); path(&p2, &l2);
    return w_path_rename(dirfd(), p1, l1, dirfd(), p2, l2);
  case 35:
    path(&p1, &l1); path(&p2, &l2);
    return w_path_symlink(p1, l1, dirfd(), p2, l2);
  case 36: path(&p1, &l1); return w_path_unlink_file(dirfd(), p1, l1);
  case 37: return poll();
  case 38: return w_proc_raise(small());
  case 39: return w_sched_yield();
  case 40: return w_random_get(ptr(), len());
  case 41: return w_sock_accept(fd(), small(), ptr());
  case 42: return w_sock_recv(fd(), ptr(), small(), small(), ptr(), ptr());
  case 43: return w_sock_send(fd(), ptr(), small(), small(), ptr());
  default: return w_sock_shutdown(fd(), small());
  }
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  state = strtoull(argv[1], NULL, 10);
  long n = atol(argv[2]);
  printf("fuzzing %ld calls\n", n);
  fflush(stdout); /* stdio's buffers exist before the scratch page */
  long pages = __builtin_wasm_memory_grow(0, 1);
  if (pages < 0) return 3;
  base = (u32)pages * PAGE;
  u32 counts[80] = {0};
  for (long i = 0; i < n; i++) {
    refill();
    u32 e = call((u32)(rnd() % 45));
    if (e >= 80) {
      printf("errno %u out of range\n", e);
      return 1;
    }
    counts[e]++;
  }
  if (__builtin_wasm_memory_size(0) * PAGE != base + PAGE) {
    printf("memory grew during the run\n");
    return 1;
  }
  printf("ok: %u succeeded, %u EFAULT, %u EBADF, %u EINVAL\n", counts[0],
         counts[21], counts[8], counts[28]);
  return 0;
}
