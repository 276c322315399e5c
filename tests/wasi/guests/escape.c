/* escape.wasm GUESTDIR: tries to leave the preopen (guest fd 3) every way
** the driver prepared (see run-case.sh, case "escape") and prints what
** each attempt got.  Uses the raw preview1 calls so the errno printed is
** exactly what the runtime returned, plus a few libc-level opens. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

#define PRE 3
#define R_READ (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK)

static int failures;

/* Runs a raw call and prints "what: E<name>" (or "what: ok"); counts a
** mismatch with the expected errno. */
static void expect(const char *what, __wasi_errno_t got, __wasi_errno_t want) {
  printf("%s: %s\n", what, got ? strerror(got) : "ok");
  if (got != want) {
    printf("  MISMATCH: expected %s\n", want ? strerror(want) : "ok");
    failures++;
  }
}

static __wasi_errno_t open_at(const char *path, int follow, __wasi_oflags_t of,
                              __wasi_fd_t *fd) {
  __wasi_fd_t tmp;
  return __wasi_path_open(PRE, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0,
                          path, of, R_READ | __WASI_RIGHTS_FD_WRITE, 0, 0,
                          fd ? fd : &tmp);
}

static void open_refused(const char *path) {
  char what[300];
  snprintf(what, sizeof what, "open %s", path);
  expect(what, open_at(path, 1, 0, NULL), __WASI_ERRNO_NOTCAPABLE);
}

/* Opens path (inside), reads it and compares with `content`. */
static void open_reads(const char *path, const char *content) {
  char what[300], buf[64] = {0};
  __wasi_fd_t fd;
  __wasi_size_t n = 0;
  snprintf(what, sizeof what, "open %s", path);
  __wasi_errno_t e = __wasi_path_open(PRE, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW,
                                      path, 0, R_READ, 0, 0, &fd);
  if (!e) {
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
    e = __wasi_fd_read(fd, &iov, 1, &n);
    (void)__wasi_fd_close(fd);
    if (!e && strcmp(buf, content)) e = __WASI_ERRNO_IO;
  }
  expect(what, e, 0);
}

int main(int argc, char **argv) {
  CHECK(argc == 3);
  const char *guestdir = argv[1], *host_outside = argv[2];
  char path[600];

  /* ".." and absolute paths */
  open_refused("../outside.txt");
  open_refused("sub/../../outside.txt");
  open_refused("..");
  open_refused("/etc/passwd");
  open_refused(host_outside);
  /* symlinks pointing out */
  open_refused("link_out_abs");
  open_refused("link_out_abs/passwd");
  open_refused("link_out_abs_file");
  open_refused("link_up/outside.txt");
  open_refused("link_up_file");
  /* ".." inside a symlink chain */
  open_refused("chain1");
  open_refused("sub/chain_up/outside.txt");
  /* symlinks that stay inside work, ".." in them included */
  open_reads("inside.txt", "inside\n");
  open_reads("link_in", "inside\n");
  open_reads("sub/up", "inside\n");
  open_reads("chain_ok", "inside\n");
  open_reads("sub/../inside.txt", "inside\n");
  expect("open loop1", open_at("loop1", 1, 0, NULL), __WASI_ERRNO_LOOP);
  expect("open link_out_abs nofollow", open_at("link_out_abs", 0, 0, NULL),
         __WASI_ERRNO_LOOP);

  /* every other path-taking call refuses too */
  __wasi_filestat_t st;
  expect("stat link_out_abs follow",
         __wasi_path_filestat_get(PRE, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW,
                                  "link_out_abs", &st),
         __WASI_ERRNO_NOTCAPABLE);
  __wasi_errno_t e = __wasi_path_filestat_get(PRE, 0, "link_out_abs", &st);
  expect("stat link_out_abs nofollow", e, 0);
  CHECK(st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
  expect("stat ..", __wasi_path_filestat_get(PRE, 0, "..", &st),
         __WASI_ERRNO_NOTCAPABLE);
  expect("mkdir ../evil", __wasi_path_create_directory(PRE, "../evil"),
         __WASI_ERRNO_NOTCAPABLE);
  expect("mkdir link_up/evil", __wasi_path_create_directory(PRE, "link_up/evil"),
         __WASI_ERRNO_NOTCAPABLE);
  expect("create link_up/evil.txt",
         open_at("link_up/evil.txt", 1, __WASI_OFLAGS_CREAT, NULL),
         __WASI_ERRNO_NOTCAPABLE);
  expect("create via link_out_abs_file",
         open_at("link_out_abs_file", 1, __WASI_OFLAGS_CREAT, NULL),
         __WASI_ERRNO_NOTCAPABLE);
  expect("rename to ../stolen",
         __wasi_path_rename(PRE, "inside.txt", PRE, "../stolen"),
         __WASI_ERRNO_NOTCAPABLE);
  expect("link to link_up/hard",
         __wasi_path_link(PRE, 0, "inside.txt", PRE, "link_up/hard"),
         __WASI_ERRNO_NOTCAPABLE);
  expect("symlink to /etc/passwd",
         __wasi_path_symlink("/etc/passwd", PRE, "newlink"),
         __WASI_ERRNO_NOTCAPABLE);
  expect("unlink link_up/outside.txt",
         __wasi_path_unlink_file(PRE, "link_up/outside.txt"),
         __WASI_ERRNO_NOTCAPABLE);
  expect("rmdir ../box", __wasi_path_remove_directory(PRE, "../box"),
         __WASI_ERRNO_NOTCAPABLE);
  /* reading a link's text is harmless and allowed */
  char buf[64];
  __wasi_size_t n = 0;
  e = __wasi_path_readlink(PRE, "link_out_abs", (uint8_t *)buf, sizeof buf, &n);
  expect("readlink link_out_abs", e, 0);
  CHECK(n == 4 && !memcmp(buf, "/etc", 4));

  /* libc: a path under no preopen, and ".." through the preopen */
  errno = 0;
  CHECK(open("/etc/passwd", O_RDONLY) < 0);
  printf("libc open /etc/passwd: %s\n", strerror(errno));
  if (errno != ENOTCAPABLE) failures++;
  snprintf(path, sizeof path, "%s/../outside.txt", guestdir);
  errno = 0;
  CHECK(open(path, O_RDONLY) < 0);
  printf("libc open GUESTDIR/../outside.txt: %s\n", strerror(errno));
  if (errno != ENOTCAPABLE) failures++;
  snprintf(path, sizeof path, "%s/link_up_file", guestdir);
  errno = 0;
  CHECK(open(path, O_RDONLY) < 0);
  printf("libc open GUESTDIR/link_up_file: %s\n", strerror(errno));
  if (errno != ENOTCAPABLE) failures++;

  printf("%d mismatches\n", failures);
  return failures ? 1 : 0;
}
