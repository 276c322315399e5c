/*
** tcc_exec.c — the baseline compiler for libwasmplug.so: Debian's libtcc.a
** is not position-independent, so the shared library runs the `tcc`
** program to build a shared object and loads that (a few milliseconds more
** than in-memory compilation).
*/
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "load.h"

typedef struct loaded {
  void *dl;
  int memfd;
} loaded_t;

/* dlopen()s the tcc program's output by way of a memfd, so that what is
** loaded is exactly the bytes read.  (Not image.c's loader: that one knows
** only what our `cc` links, and tcc's objects carry relocations of their
** own kinds; this path is only libwasmplug.so's baseline tier.) */
static void *dlopen_bytes(const uint8_t *data, size_t len, int *memfd) {
  int fd = wp_memfd_copy(data, len, false);
  *memfd = -1;
  if (fd < 0) return NULL;
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h) *memfd = fd;
  else close(fd);
  return h;
}

char *wp_tcc_build(const char *name, const char *dir, char *const *files, bool own_c, void **state,
                   void **entry) {
  (void)own_c; /* the tcc program links the C library itself */
  *state = *entry = NULL;
  size_t nfiles = 0;
  while (files[nfiles]) nfiles++;
  char **argv = calloc(nfiles + 10, sizeof *argv);
  char *so = wp_format("%s/module.so", dir);
  char *errf = wp_format("%s/tcc.err", dir), *inc = wp_format("-I%s", dir);
  char *err = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  if (!argv || !so || !errf || !inc) { err = wp_strdup("out of memory"); goto out; }
  size_t ac = 0;
  argv[ac++] = "tcc";
  argv[ac++] = "-shared";
  argv[ac++] = "-DNDEBUG";
  argv[ac++] = "-w";
  argv[ac++] = inc;
  argv[ac++] = "-o";
  argv[ac++] = so;
  for (size_t i = 0; i < nfiles; i++) {
    argv[ac] = wp_format("%s/%s", dir, files[i]);
    if (!argv[ac++]) { err = wp_strdup("out of memory"); goto out; }
  }
  argv[ac++] = "-lm";
  pid_t pid = fork();
  if (pid < 0) { err = wp_format("%s: cannot start tcc: %s", name, strerror(errno)); goto out; }
  if (pid == 0) {
    int fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); close(fd); }
    execvp("tcc", argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) { err = wp_format("%s: cannot wait for tcc", name); goto out; }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    char line[300] = "";
    FILE *f = fopen(errf, "r");
    if (f) {
      if (!fgets(line, sizeof line, f)) line[0] = 0;
      fclose(f);
    }
    line[strcspn(line, "\n")] = 0;
    err = wp_format("%s: baseline compile failed: %s", name, line[0] ? line : "tcc failed");
    goto out;
  }
  if (!wp_read_all(so, &bytes, &len)) { err = wp_format("%s: tcc produced no output", name); goto out; }
  loaded_t *l = malloc(sizeof *l);
  if (!l) { err = wp_strdup("out of memory"); goto out; }
  l->dl = dlopen_bytes(bytes, len, &l->memfd);
  void *sym = l->dl ? dlsym(l->dl, "wasmplug_glue_v1") : NULL;
  if (!sym) {
    err = wp_format("%s: cannot load baseline code: %s", name, l->dl ? "no glue entry" : dlerror());
    if (l->dl) { dlclose(l->dl); close(l->memfd); }
    free(l);
    goto out;
  }
  *state = l;
  *entry = sym;
out:
  free(bytes);
  if (argv)
    for (size_t i = 7; i < 7 + nfiles && argv[i]; i++) free(argv[i]);
  free(argv);
  free(so);
  free(errf);
  free(inc);
  return err;
}

void *wp_libc_symbol(const char *name) {
  (void)name; /* libwasmplug.so is never a statically linked program */
  return NULL;
}

bool wp_tcc_in_process(void) { return false; } /* the tcc program: our fds are not its */

char *wp_tcc_build_texts(const char *name, char *const *texts, void **state, void **entry) {
  (void)texts;
  *state = *entry = NULL;
  return wp_format("%s: internal error: in-memory C needs the in-process tcc", name);
}

void wp_tcc_release(void *state) {
  loaded_t *l = state;
  dlclose(l->dl);
  close(l->memfd);
  free(l);
}

bool wp_tcc_image(void *state, uintptr_t *bias, int *memfd) {
  loaded_t *l = state;
  struct link_map *lm = NULL;
  if (dlinfo(l->dl, RTLD_DI_LINKMAP, &lm) || !lm) return false;
  *bias = lm->l_addr;
  *memfd = l->memfd;
  return true;
}

void *wp_tcc_symbol(void *state, const char *name) { return dlsym(((loaded_t *)state)->dl, name); }
