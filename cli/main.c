/*
** main.c — the `wasmplug` command: dispatches to a subcommand.
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cli.h"
#include "wasmplug.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command_t;

static const command_t commands[] = {
    {"run", wp_cmd_run, "run a WebAssembly module or component"},
    {"compile", wp_cmd_compile, "compile a module ahead of time (optimized tier)"},
    {"wit", wp_cmd_wit, "print the WIT of a .wit file or folder, a component or a plugin"},
    {"plugins", wp_cmd_plugins, "list the plugins on the search path: interfaces, options"},
    {"bindgen", wp_cmd_bindgen, "generate C bindings (plugin or guest) from WIT"},
    {"component", wp_cmd_component, "make a component of a core module and its WIT world (new)"},
    {"compose", wp_cmd_compose, "compose a component with wasm plugins into one component"},
    {"serve", wp_cmd_serve, "serve a wasi:http/proxy component over HTTP"},
    {"plugin-serve", wp_cmd_plugin_serve, "serve a native plugin to other hosts over a socket"},
    {"plugin-host", wp_cmd_plugin_host, NULL}, /* hidden: the isolate helper */
};

static void usage(FILE *f) {
  fprintf(f, "usage: wasmplug <command> [options] [args...]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (commands[i].summary) fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n`wasmplug <command> --help` describes a command.\n"
             "`wasmplug FILE [ARGS...]` is short for `wasmplug run FILE [ARGS...]`.\n");
}

void wp_cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("wasmplug: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void wp_cli_progress(void *data, const char *what, int done) {
  int *shown = data;
  if (!done && !*shown) {
    fprintf(stderr, "wasmplug: compiling %s...", what); /* what names the tier */
    *shown = 1;
  } else if (!done) {
    fputc('.', stderr);
  } else if (*shown) {
    fputs(" done\n", stderr);
    *shown = 0; /* a component compiles several modules: one line each */
  }
  fflush(stderr);
}

bool wp_cli_parse_u64(const char *s, bool size, uint64_t *out) {
  if (!strcmp(s, "unlimited")) {
    *out = UINT64_MAX;
    return true;
  }
  uint64_t v = 0;
  const char *p = s;
  if (*p < '0' || *p > '9') return false;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) return false;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  if (size && *p) {
    const char *units = "KMGT";
    const char *u = strchr(units, *p);
    if (!u || p[1]) return false;
    for (int i = 0; i <= u - units; i++) {
      if (v > UINT64_MAX / 1024) return false;
      v *= 1024;
    }
    p++;
  }
  if (*p) return false;
  *out = v;
  return true;
}

void wp_cli_populate(void *p, size_t n) {
  long pg = sysconf(_SC_PAGESIZE);
  if (!p || pg <= 0 || !n) return;
  /* every page [p, p + n) touches (prefaulting a neighbour's page changes
  ** nothing in it); one page is one fault either way */
  uintptr_t lo = (uintptr_t)p & ~((uintptr_t)pg - 1);
  uintptr_t hi = ((uintptr_t)p + n + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
  if (hi - lo < 2 * (uintptr_t)pg) return;
#ifdef MADV_POPULATE_WRITE
  if (hi > lo) madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE); /* best effort: older kernels say EINVAL */
#else
  (void)lo, (void)hi;
#endif
}

int wp_cli_open_file(const char *path, struct stat *st) {
  /* A device, FIFO or directory could block or be read forever
  ** (/dev/zero): only regular files are modules.  O_NONBLOCK so that
  ** opening a FIFO does not wait for a writer. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    wp_cli_error("cannot open %s: %s", path, strerror(errno));
    return -1;
  }
  if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    wp_cli_error("cannot read %s: not a regular file", path);
    close(fd);
    return -1;
  }
  /* O_NONBLOCK stays: reads of a regular file ignore it (Linux never
  ** makes them wait for anything O_NONBLOCK could skip), and clearing it
  ** was two system calls of every start. */
  return fd;
}

uint8_t *wp_cli_read_file(const char *path, size_t *len) {
  struct stat st;
  int fd = wp_cli_open_file(path, &st);
  return fd < 0 ? NULL : wp_cli_read_fd(fd, path, &st, len);
}

uint8_t *wp_cli_read_fd(int fd, const char *path, const struct stat *st, size_t *len) {
  /* Read with the size fstat gave (the file may still grow: read on to
  ** its end), into memory whose pages are present before the kernel
  ** copies into them: a page fault per 4 KiB of the destination was a
  ** good part of a warm start (hello.wasm: 54 of them; they are costly
  ** under a hypervisor). */
  size_t cap = st->st_size > 0 && (uint64_t)st->st_size < SIZE_MAX / 2 ? (size_t)st->st_size + 1 : 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  wp_cli_populate(buf, cap);
  int failed = 0;
  while (buf) {
    if (n == cap) {
      uint8_t *nb = cap > (SIZE_MAX / 2) ? NULL : realloc(buf, cap * 2);
      if (!nb) { free(buf); buf = NULL; break; }
      buf = nb;
      cap *= 2;
    }
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) failed = errno;
    if (got <= 0) break;
    n += (size_t)got;
  }
  close(fd);
  if (!buf || failed) {
    wp_cli_error("cannot read %s: %s", path, buf ? strerror(failed) : "out of memory");
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

int wp_cli_exec_dynamic(char **argv, const char *why) {
  /* beside this program, whatever name or link it was started by */
  char path[PATH_MAX];
  static const char twin[] = "wasmplug-dynamic";
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof twin);
  char *slash = n > 0 ? memrchr(path, '/', (size_t)n) : NULL;
  if (!slash) {
    wp_cli_error("%s needs %s, the dynamically linked wasmplug installed beside this one, which cannot be found: "
                 "/proc/self/exe: %s", why, twin, n < 0 ? strerror(errno) : "no directory");
    return 1;
  }
  memcpy(slash + 1, twin, sizeof twin);
  fflush(stdout);
  fflush(stderr);
  execv(path, argv);
  wp_cli_error("%s needs %s, the dynamically linked wasmplug installed beside this one: %s: %s", why, twin, path,
               strerror(errno));
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
    printf("wasmplug %s\n", WASMPLUG_VERSION);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(cmd, commands[i].name)) {
#ifdef WP_CLI_STATIC
      /* statically linked: `run` of a core module only (cmd_run.c) */
      if (commands[i].run != wp_cmd_run) return wp_cli_exec_dynamic(argv, cmd);
#endif
      return commands[i].run(argc - 1, argv + 1);
    }
  if (cmd[0] == '-') {
    wp_cli_error("unknown option '%s'", cmd);
    usage(stderr);
    return 2;
  }
  /* `wasmplug FILE ARGS...`: a word that names no file and looks like no
  ** path (no '/' nor '.') is a mistyped or unknown command, not a file. */
  if (!strchr(cmd, '/') && !strchr(cmd, '.') && access(cmd, F_OK)) {
    wp_cli_error("unknown command '%s'", cmd);
    usage(stderr);
    return 2;
  }
  return wp_cmd_run(argc, argv);
}
