/* fs.wasm DIR: file-system round trip inside the preopen DIR (its guest
** name).  The driver pre-creates DIR/in.txt ("from the host\n") and checks
** DIR/out.txt ("written by the guest\n") afterwards. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

/* base/rel in one of two rotating buffers, so a call may use two. */
static const char *at(const char *base, const char *rel) {
  static char bufs[2][512];
  static int which;
  char *p = bufs[which ^= 1];
  snprintf(p, sizeof bufs[0], "%s/%s", base, rel);
  return p;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists dir (without . and ..) sorted, joined by ','. */
static void list(const char *dir, char *out, size_t cap, int *count) {
  DIR *d = opendir(dir);
  CHECK(d != NULL);
  char *names[1024];
  int n = 0;
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    CHECK(n < 1024);
    names[n++] = strdup(e->d_name);
  }
  CHECK(errno == 0);
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], cmp_str);
  out[0] = 0;
  for (int i = 0; i < n; i++) {
    if (i < 8) { /* only the first few are spelled out */
      strncat(out, names[i], cap - strlen(out) - 2);
      strcat(out, ",");
    }
    free(names[i]);
  }
  *count = n;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  const char *b = argv[1];
  char buf[256], dir[512];
  struct stat st;
  int n;

  /* Read what the host put there. */
  FILE *f = fopen(at(b, "in.txt"), "r");
  CHECK(f != NULL);
  CHECK(fgets(buf, sizeof buf, f) != NULL);
  CHECK(!strcmp(buf, "from the host\n"));
  fclose(f);
  printf("read in.txt\n");

  /* Write a file the host will check. */
  f = fopen(at(b, "out.txt"), "w");
  CHECK(f != NULL);
  CHECK(fputs("written by the guest\n", f) >= 0);
  CHECK(fclose(f) == 0);
  printf("wrote out.txt\n");

  /* mkdir, create, write, seek, read, tell, pread, pwrite, fstat. */
  snprintf(dir, sizeof dir, "%s/sub", b);
  CHECK(mkdir(dir, 0755) == 0);
  CHECK_ERRNO(mkdir(dir, 0755) == -1, EEXIST);
  int fd = open(at(dir, "a.txt"), O_CREAT | O_EXCL | O_RDWR, 0644);
  CHECK(fd >= 0);
  CHECK_ERRNO(open(at(dir, "a.txt"), O_CREAT | O_EXCL | O_RDWR, 0644) == -1,
              EEXIST);
  CHECK(write(fd, "hello file\n", 11) == 11);
  CHECK(fstat(fd, &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode));
  CHECK(lseek(fd, 6, SEEK_SET) == 6);
  CHECK(read(fd, buf, 4) == 4 && !memcmp(buf, "file", 4));
  CHECK(lseek(fd, 0, SEEK_CUR) == 10);
  CHECK(lseek(fd, -1, SEEK_END) == 10);
  CHECK(pwrite(fd, "J", 1, 0) == 1);
  CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "Jello", 5));
  CHECK(lseek(fd, 0, SEEK_CUR) == 10); /* pread/pwrite leave the offset */
  CHECK(ftruncate(fd, 5) == 0);
  CHECK(fstat(fd, &st) == 0 && st.st_size == 5);
  CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
  CHECK(close(fd) == 0);
  CHECK_ERRNO(close(fd) == -1, EBADF);
  printf("file ops ok\n");

  /* append mode, allocate, advise, scatter/gather, fd times, renumber */
  fd = open(at(dir, "v.txt"), O_CREAT | O_RDWR | O_TRUNC, 0644);
  CHECK(fd >= 0);
  struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
  CHECK(writev(fd, wv, 3) == 6);
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  char r1[3] = {0}, r2[8] = {0};
  struct iovec rv[2] = {{r1, 2}, {r2, 7}};
  CHECK(readv(fd, rv, 2) == 6 && !strcmp(r1, "ab") && !strcmp(r2, "cdef"));
  CHECK(pread(fd, buf, 10, 100) == 0); /* past the end: 0, not an error */
  CHECK(fcntl(fd, F_SETFL, O_APPEND) == 0);
  CHECK((fcntl(fd, F_GETFL) & O_APPEND) != 0);
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  CHECK(write(fd, "gh", 2) == 2); /* appended despite the offset */
  CHECK(pread(fd, buf, 8, 0) == 8 && !memcmp(buf, "abcdefgh", 8));
  CHECK(posix_fadvise(fd, 0, 8, POSIX_FADV_SEQUENTIAL) == 0);
  CHECK(posix_fallocate(fd, 0, 100) == 0);
  CHECK(fstat(fd, &st) == 0 && st.st_size == 100);
  struct timespec ft[2] = {{5, 0}, {77, 88}};
  CHECK(futimens(fd, ft) == 0);
  CHECK(fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 77 &&
        st.st_mtim.tv_nsec == 88);
  int fd2 = open(at(dir, "a.txt"), O_RDONLY);
  CHECK(fd2 >= 0);
  CHECK(__wasi_fd_renumber((__wasi_fd_t)fd, (__wasi_fd_t)fd2) == 0);
  CHECK(fstat(fd2, &st) == 0 && st.st_size == 100); /* fd2 is v.txt now */
  CHECK_ERRNO(fstat(fd, &st) == -1, EBADF);
  __wasi_filesize_t pos;
  CHECK(__wasi_fd_tell((__wasi_fd_t)fd2, &pos) == 0 && pos == 8);
  CHECK(close(fd2) == 0);
  CHECK(unlink(at(dir, "v.txt")) == 0);
  CHECK(isatty(1) == 0); /* the driver's stdout is a file */
  printf("fd ops ok\n");

  /* stat by path, times. */
  CHECK(stat(at(dir, "a.txt"), &st) == 0 && st.st_size == 5);
  struct timespec ts[2] = {{1000000000, 0}, {1234567890, 500}};
  CHECK(utimensat(AT_FDCWD, at(dir, "a.txt"), ts, 0) == 0);
  CHECK(stat(at(dir, "a.txt"), &st) == 0);
  CHECK(st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 500);
  CHECK(st.st_atim.tv_sec == 1000000000);
  CHECK_ERRNO(stat(at(dir, "missing"), &st) == -1, ENOENT);
  CHECK_ERRNO(open(at(dir, "missing"), O_RDONLY) == -1, ENOENT);
  CHECK_ERRNO(open(at(dir, "a.txt/x"), O_RDONLY) == -1, ENOTDIR);
  printf("stat ok\n");

  /* rename, symlink, readlink, lstat, hard link. */
  CHECK(rename(at(dir, "a.txt"), at(b, "sub/b.txt")) == 0);
  CHECK_ERRNO(stat(at(dir, "a.txt"), &st) == -1, ENOENT);
  CHECK(symlink("b.txt", at(dir, "link")) == 0);
  n = (int)readlink(at(dir, "link"), buf, sizeof buf);
  CHECK(n == 5 && !memcmp(buf, "b.txt", 5));
  CHECK(lstat(at(dir, "link"), &st) == 0 && S_ISLNK(st.st_mode));
  CHECK(stat(at(dir, "link"), &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size == 5);
  fd = open(at(dir, "link"), O_RDONLY);
  CHECK(fd >= 0 && read(fd, buf, 10) == 5 && !memcmp(buf, "Jello", 5));
  close(fd);
  CHECK(link(at(dir, "b.txt"), at(dir, "hard")) == 0);
  CHECK(stat(at(dir, "hard"), &st) == 0 && st.st_nlink == 2);
  printf("links ok\n");

  /* readdir, including a directory too big for one fd_readdir call. */
  list(dir, buf, sizeof buf, &n);
  CHECK(n == 3 && !strcmp(buf, "b.txt,hard,link,"));
  snprintf(dir, sizeof dir, "%s/many", b);
  CHECK(mkdir(dir, 0755) == 0);
  for (int i = 0; i < 300; i++) {
    char name[64];
    snprintf(name, sizeof name, "entry-with-a-longish-name-%03d", i);
    fd = open(at(dir, name), O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    close(fd);
  }
  list(dir, buf, sizeof buf, &n);
  CHECK(n == 300);
  printf("readdir ok\n");

  /* Removing: errors first, then everything. */
  snprintf(dir, sizeof dir, "%s/sub", b);
  CHECK_ERRNO(rmdir(dir) == -1, ENOTEMPTY);
  CHECK_ERRNO(unlink(dir) == -1, EISDIR);
  CHECK(unlink(at(dir, "link")) == 0);
  CHECK(unlink(at(dir, "hard")) == 0);
  CHECK(unlink(at(dir, "b.txt")) == 0);
  CHECK(rmdir(dir) == 0);
  CHECK_ERRNO(rmdir(dir) == -1, ENOENT);
  snprintf(dir, sizeof dir, "%s/many", b);
  for (int i = 0; i < 300; i++) {
    char name[64];
    snprintf(name, sizeof name, "entry-with-a-longish-name-%03d", i);
    CHECK(unlink(at(dir, name)) == 0);
  }
  CHECK(rmdir(dir) == 0);
  list(b, buf, sizeof buf, &n);
  CHECK(n == 2 && !strcmp(buf, "in.txt,out.txt,"));
  printf("remove ok\n");
  printf("fs: all checks passed\n");
  return 0;
}
