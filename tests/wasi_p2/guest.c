/*
** guest.c — the WASI 0.2 test guest: a C command (wasi-libc, main() +
** jco's preview1 command adapter), so everything it does reaches the
** wasi-p2 plugin through the same imports any jco command has.  One guest,
** many cases (argv[1]), to keep the number of compiled components small.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what) {
  printf("FAIL %s: %s\n", what, strerror(errno));
  return 1;
}

static int files(const char *dir) {
  char path[512], buf[256];
  snprintf(path, sizeof path, "%s/a.txt", dir);
  FILE *f = fopen(path, "w");
  if (!f) return fail("create");
  fputs("hello file\n", f);
  fclose(f);
  f = fopen(path, "a");
  if (!f) return fail("append");
  fputs("second line\n", f);
  fclose(f);
  f = fopen(path, "r");
  if (!f) return fail("open for reading");
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  printf("read %zu bytes: %s", n, buf);
  struct stat st;
  if (stat(path, &st)) return fail("stat");
  printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  char sub[512], to[512];
  snprintf(sub, sizeof sub, "%s/sub", dir);
  if (mkdir(sub, 0755)) return fail("mkdir");
  snprintf(to, sizeof to, "%s/sub/b.txt", dir);
  if (rename(path, to)) return fail("rename");
  if (access(path, F_OK) == 0) return fail("old name still exists");
  DIR *d = opendir(sub);
  if (!d) return fail("opendir");
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) printf("entry %s\n", e->d_name);
  closedir(d);
  if (stat(sub, &st) || !S_ISDIR(st.st_mode)) return fail("stat dir");
  /* positioned I/O, truncation and symlinks (descriptor read/write,
  ** set-size, symlink-at, readlink-at) */
  int fd = open(to, O_RDWR);
  if (fd < 0) return fail("open rw");
  if (pwrite(fd, "HELLO", 5, 0) != 5) return fail("pwrite");
  char pb[8] = {0};
  if (pread(fd, pb, 5, 6) != 5) return fail("pread");
  if (ftruncate(fd, 10)) return fail("ftruncate");
  struct stat fst;
  if (fstat(fd, &fst)) return fail("fstat");
  close(fd);
  printf("pread at 6: %s, size after truncate %lld\n", pb, (long long)fst.st_size);
  char ln[512], target[64] = {0};
  snprintf(ln, sizeof ln, "%s/sub/ln", dir);
  if (symlink("b.txt", ln)) return fail("symlink");
  if (readlink(ln, target, sizeof target - 1) < 0) return fail("readlink");
  f = fopen(ln, "r");
  if (!f || !fgets(buf, sizeof buf, f)) return fail("read through symlink");
  fclose(f);
  printf("symlink -> %s reads %s\n", target, buf);
  if (unlink(ln)) return fail("unlink symlink");
  if (unlink(to)) return fail("unlink");
  if (rmdir(sub)) return fail("rmdir");
  printf("files ok\n");
  return 0;
}

/* Every attempt to leave the preopen must fail. */
static int escape(const char *dir) {
  const char *tries[] = {"/../outside.txt", "/../../etc/passwd", "/link/x"};
  int bad = 0;
  char p[512];
  for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
    snprintf(p, sizeof p, "%s%s", dir, tries[i]);
    int fd = open(p, O_RDONLY);
    if (fd >= 0) {
      printf("ESCAPED %s\n", p);
      bad = 1;
      close(fd);
    } else {
      printf("refused %s: %s\n", tries[i], strerror(errno));
    }
  }
  FILE *f = fopen("/etc/passwd", "r");
  if (f) {
    printf("ESCAPED /etc/passwd\n");
    bad = 1;
    fclose(f);
  } else {
    printf("refused /etc/passwd: %s\n", strerror(errno));
  }
  return bad;
}

static int readonly(const char *dir) {
  char p[512];
  snprintf(p, sizeof p, "%s/new.txt", dir);
  FILE *f = fopen(p, "w");
  if (f) {
    printf("WROTE into a read-only dir\n");
    fclose(f);
    return 1;
  }
  printf("create refused: %s\n", strerror(errno));
  snprintf(p, sizeof p, "%s/data.txt", dir);
  f = fopen(p, "r");
  if (!f) return fail("read in read-only dir");
  char buf[64] = {0};
  if (!fgets(buf, sizeof buf, f)) return fail("fgets");
  fclose(f);
  printf("read: %s", buf);
  return 0;
}

static int clocks(void) {
  struct timespec a, b, w;
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec req = {0, 200 * 1000 * 1000};
  nanosleep(&req, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long ms = (long long)(b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
  clock_gettime(CLOCK_REALTIME, &w);
  printf("slept %s 200ms\n", ms >= 195 ? "at least" : "LESS THAN");
  printf("wall clock after 2020: %s\n", w.tv_sec > 1577836800 ? "yes" : "no");
  return ms >= 195 ? 0 : 1;
}

static int randomness(void) {
  unsigned char a[32], b[32];
  if (getentropy(a, sizeof a) || getentropy(b, sizeof b)) return fail("getentropy");
  int zero = 1;
  for (size_t i = 0; i < sizeof a; i++) zero &= a[i] == 0;
  printf("random differs: %s, nonzero: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no", zero ? "no" : "yes");
  return 0;
}

/* Waits for stdin with a long timeout: data arriving after ~300 ms must
** wake the guest well before the timeout (a real wake-up, not a sleep). */
static int pollin(void) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct pollfd p = {0, POLLIN, 0};
  int n = poll(&p, 1, 10000);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long ms = (long long)(b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
  char buf[64] = {0};
  ssize_t got = n > 0 ? read(0, buf, sizeof buf - 1) : -1;
  printf("poll returned %d, revents %s, woke early %s, read: %s", n, (p.revents & POLLIN) ? "POLLIN" : "none",
         ms < 5000 ? "yes" : "no", got > 0 ? buf : "(nothing)\n");
  n = poll(&p, 0, 150); /* no fds: a pure sleep through a clock pollable */
  return 0;
}

/* Writes DIR/ready, then waits for what never comes: a day's sleep
** (wasi:clocks + wasi:io/poll) or a read of stdin (the test's pipe that
** nobody writes).  Only an interrupt ends it (test_p2_interrupt.c). */
static int wait_forever(const char *dir, const char *how) {
  char path[512];
  snprintf(path, sizeof path, "%s/ready", dir);
  FILE *f = fopen(path, "w");
  if (!f) return fail("create ready");
  fclose(f);
  if (!strcmp(how, "read")) {
    char buf[16];
    ssize_t n = read(0, buf, sizeof buf);
    printf("read returned %zd\n", n);
    return 1;
  }
  struct timespec day = {86400, 0};
  nanosleep(&day, NULL);
  printf("slept a day\n");
  return 1;
}

static int cat(void) {
  char buf[4096];
  size_t n, total = 0;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
    for (size_t i = 0; i < n; i++)
      if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] = (char)(buf[i] - 32);
    fwrite(buf, 1, n, stdout);
    total += n;
  }
  printf("[%zu bytes]\n", total);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    printf("hello from wasi-p2\n");
    fprintf(stderr, "to stderr\n");
    return 0;
  }
  const char *c = argv[1];
  if (!strcmp(c, "args")) {
    for (int i = 0; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
    for (char **e = environ; *e; e++) printf("env %s\n", *e);
    return 0;
  }
  if (!strcmp(c, "exit")) return argc > 2 ? atoi(argv[2]) : 0;
  if (!strcmp(c, "cat")) return cat();
  if (!strcmp(c, "pollin")) return pollin();
  if (!strcmp(c, "files")) return files(argc > 2 ? argv[2] : ".");
  if (!strcmp(c, "escape")) return escape(argc > 2 ? argv[2] : ".");
  if (!strcmp(c, "readonly")) return readonly(argc > 2 ? argv[2] : ".");
  if (!strcmp(c, "clocks")) return clocks();
  if (!strcmp(c, "wait") && argc > 3) return wait_forever(argv[2], argv[3]);
  if (!strcmp(c, "random")) return randomness();
  printf("unknown case %s\n", c);
  return 2;
}
