/* readonly.wasm RO RW: RO is a read-only preopen holding in.txt and sub/,
** RW a writable one.  Reading RO works; every change to it is refused with
** EROFS, including links and renames between the two preopens. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

/* d/f in one of two rotating buffers, so a call may use two. */
static const char *at(const char *d, const char *f) {
  static char bufs[2][600];
  static int which;
  char *p = bufs[which ^= 1];
  snprintf(p, sizeof bufs[0], "%s/%s", d, f);
  return p;
}

int main(int argc, char **argv) {
  CHECK(argc == 3);
  const char *d = argv[1], *rw = argv[2];
  char buf[64] = {0};
  int fd = open(at(d, "in.txt"), O_RDONLY);
  CHECK(fd >= 0 && read(fd, buf, sizeof buf - 1) > 0);
  CHECK(!strcmp(buf, "from the host\n"));
  CHECK_ERRNO(write(fd, "x", 1) == -1, EBADF);
  CHECK_ERRNO(ftruncate(fd, 0) == -1, EROFS);
  struct timespec ts[2] = {{1, 0}, {1, 0}};
  CHECK_ERRNO(futimens(fd, ts) == -1, EROFS);
  close(fd);
  CHECK_ERRNO(open(at(d, "in.txt"), O_WRONLY) == -1, EROFS);
  CHECK_ERRNO(open(at(d, "in.txt"), O_RDWR | O_APPEND) == -1, EROFS);
  CHECK_ERRNO(open(at(d, "new.txt"), O_CREAT | O_WRONLY, 0644) == -1, EROFS);
  CHECK_ERRNO(open(at(d, "in.txt"), O_RDONLY | O_TRUNC) == -1, EROFS);
  CHECK_ERRNO(mkdir(at(d, "newdir"), 0755) == -1, EROFS);
  CHECK_ERRNO(unlink(at(d, "in.txt")) == -1, EROFS);
  CHECK_ERRNO(rename(at(d, "in.txt"), at(d, "x")) == -1, EROFS);
  CHECK_ERRNO(symlink("in.txt", at(d, "l")) == -1, EROFS);
  CHECK_ERRNO(utimensat(AT_FDCWD, at(d, "in.txt"), ts, 0) == -1, EROFS);
  CHECK_ERRNO(rmdir(at(d, "sub")) == -1, EROFS);
  /* directories opened beneath inherit read-only */
  CHECK_ERRNO(open(at(d, "sub/new.txt"), O_CREAT | O_WRONLY, 0644) == -1,
              EROFS);
  struct stat st;
  CHECK(stat(at(d, "sub"), &st) == 0 && S_ISDIR(st.st_mode));
  /* across preopens: a writable name for a read-only file, or moving
  ** files in or out, would defeat read-only */
  CHECK_ERRNO(link(at(d, "in.txt"), at(rw, "alias")) == -1, EROFS);
  CHECK_ERRNO(rename(at(d, "in.txt"), at(rw, "moved")) == -1, EROFS);
  fd = open(at(rw, "w.txt"), O_CREAT | O_WRONLY, 0644);
  CHECK(fd >= 0 && write(fd, "w", 1) == 1);
  close(fd);
  CHECK_ERRNO(rename(at(rw, "w.txt"), at(d, "w.txt")) == -1, EROFS);
  printf("readonly: all checks passed\n");
  return 0;
}
