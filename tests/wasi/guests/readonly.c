/* readonly.wasm DIR: DIR is a read-only preopen holding in.txt.  Reading
** works; every change is refused with EROFS. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char P[600];
static const char *at(const char *d, const char *f) {
  snprintf(P, sizeof P, "%s/%s", d, f);
  return P;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  const char *d = argv[1];
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
  printf("readonly: all checks passed\n");
  return 0;
}
