/*
** wasi_ctx.c — the WASI context: args, environment, preopens, stdio, and
** the fd table that preview1 numbers them by.
*/
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "ctx.h"
#include "p1.h"

wp_wasi_fd_t *wp_wasi_fd_get(wp_wasi_ctx_t *ctx, uint32_t fd) {
  if (fd >= ctx->nfds || ctx->fds[fd].kind == WP_WASI_FD_FREE) return NULL;
  return &ctx->fds[fd];
}

wp_os_err_t wp_wasi_fd_add(wp_wasi_ctx_t *ctx, const wp_wasi_fd_t *e,
                           uint32_t *out) {
  size_t i = 0;
  while (i < ctx->nfds && ctx->fds[i].kind != WP_WASI_FD_FREE) i++;
  if (i == ctx->nfds) {
    if (ctx->nfds >= WP_WASI_MAX_FDS) return WP_OS_EMFILE;
    size_t cap = ctx->nfds ? ctx->nfds * 2 : 8;
    if (cap > WP_WASI_MAX_FDS) cap = WP_WASI_MAX_FDS;
    wp_wasi_fd_t *nf = realloc(ctx->fds, cap * sizeof *nf);
    if (!nf) return WP_OS_ENOMEM;
    memset(nf + ctx->nfds, 0, (cap - ctx->nfds) * sizeof *nf);
    ctx->fds = nf;
    ctx->nfds = cap;
  }
  ctx->fds[i] = *e;
  *out = (uint32_t)i;
  return 0;
}

/* A stdio fd is the caller's open file (shared with other processes: a
** shell's terminal, a pipe): the flags the guest changed on it
** (fd_fdstat_set_flags) go back as they were. */
static void stdio_restore(wp_wasi_fd_t *e) {
  int now;
  if (e->stdio_flags_set && wp_os_get_flags(e->h.fd, &now) == 0 && now != e->stdio_flags)
    wp_os_set_flags(e->h.fd, e->stdio_flags);
}

void wp_wasi_fd_release(wp_wasi_fd_t *e) {
  if (e->kind == WP_WASI_FD_STDIO) stdio_restore(e);
  else wp_os_close(&e->h);
  free(e->preopen);
  memset(e, 0, sizeof *e);
  e->h.fd = -1;
}

/* The type preview1 should report for a host fd. */
static wp_os_filetype_t host_type(int fd) {
  wp_os_stat_t st;
  if (wp_os_fstat(fd, &st)) return WP_OS_FT_UNKNOWN;
  return st.type;
}

static void set_stdio(wp_wasi_ctx_t *ctx, uint32_t i, int host_fd) {
  wp_wasi_fd_t *e = &ctx->fds[i];
  if (e->kind != WP_WASI_FD_FREE) wp_wasi_fd_release(e);
  e->kind = WP_WASI_FD_STDIO;
  e->h.fd = host_fd;
  e->h.readonly = false;
  e->type = host_type(host_fd);
  e->stdio_flags_set = false;
  uint64_t pos;
  bool seekable = wp_os_seek(host_fd, 0, SEEK_CUR, &pos) == 0;
  /* Rights follow what the host fd can do: a socket or terminal handed
  ** over as stdin is usually readable and writable; failing that, stdin
  ** reads and the others write. */
  bool rd = i == 0, wr = i != 0;
  if (wp_os_get_status(host_fd, &e->stdio_flags, &rd, &wr)) {
    e->stdio_flags = 0;
    rd = i == 0;
    wr = i != 0;
  }
  e->rights_base = wp_p1_rights(e->kind, e->type, rd, wr, false, seekable,
                                &e->rights_inheriting);
}

wp_wasi_ctx_t *wp_wasi_ctx_new(void) {
  wp_wasi_ctx_t *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return NULL;
  ctx->fds = calloc(8, sizeof *ctx->fds);
  if (!ctx->fds) {
    free(ctx);
    return NULL;
  }
  ctx->nfds = 8;
  for (uint32_t i = 0; i < 8; i++) ctx->fds[i].h.fd = -1;
  for (uint32_t i = 0; i < 3; i++) set_stdio(ctx, i, (int)i);
  return ctx;
}

void wp_wasi_ctx_delete(wp_wasi_ctx_t *ctx) {
  if (!ctx) return;
  for (size_t i = 0; i < ctx->nargs; i++) free(ctx->args[i]);
  free(ctx->args);
  for (size_t i = 0; i < ctx->nenv; i++) free(ctx->env[i]);
  free(ctx->env);
  for (size_t i = 0; i < ctx->nfds; i++)
    if (ctx->fds[i].kind != WP_WASI_FD_FREE) wp_wasi_fd_release(&ctx->fds[i]);
  free(ctx->fds);
  free(ctx);
}

void wp_wasi_ctx_restore_stdio(wp_wasi_ctx_t *ctx) {
  for (size_t i = 0; ctx && i < ctx->nfds; i++)
    if (ctx->fds[i].kind == WP_WASI_FD_STDIO) stdio_restore(&ctx->fds[i]);
}

void wp_wasi_ctx_set_stdio(wp_wasi_ctx_t *ctx, int in, int out, int err) {
  set_stdio(ctx, 0, in);
  set_stdio(ctx, 1, out);
  set_stdio(ctx, 2, err);
}

/* Appends a copy of `s` to a string array. */
static wasmplug_error_t *push_string(char ***arr, size_t *n, char *s) {
  if (!s) return wasmplug_error_new("wasi: out of memory");
  char **na = realloc(*arr, (*n + 1) * sizeof *na);
  if (!na) {
    free(s);
    return wasmplug_error_new("wasi: out of memory");
  }
  na[(*n)++] = s;
  *arr = na;
  return NULL;
}

wasmplug_error_t *wp_wasi_ctx_push_arg(wp_wasi_ctx_t *ctx, const char *arg) {
  return push_string(&ctx->args, &ctx->nargs, strdup(arg));
}

wasmplug_error_t *wp_wasi_ctx_push_env(wp_wasi_ctx_t *ctx, const char *name,
                                       const char *value) {
  size_t nlen = strlen(name);
  if (nlen == 0 || strchr(name, '='))
    return wasmplug_error_new("wasi: invalid environment variable name '%s'",
                              name);
  size_t vlen = strlen(value);
  char *s = malloc(nlen + 1 + vlen + 1);
  if (!s) return wasmplug_error_new("wasi: out of memory");
  memcpy(s, name, nlen);
  s[nlen] = '=';
  memcpy(s + nlen + 1, value, vlen + 1);
  for (size_t i = 0; i < ctx->nenv; i++) {
    if (!strncmp(ctx->env[i], s, nlen + 1)) {
      free(ctx->env[i]);
      ctx->env[i] = s;
      return NULL;
    }
  }
  return push_string(&ctx->env, &ctx->nenv, s);
}

wasmplug_error_t *wp_wasi_ctx_preopen(wp_wasi_ctx_t *ctx, const char *host,
                                      const char *guest, bool readonly) {
  if (!*guest) return wasmplug_error_new("%s: empty guest path", host);
  wp_wasi_fd_t e;
  memset(&e, 0, sizeof e);
  wp_os_err_t err = wp_os_open_root(host, readonly, &e.h);
  if (err)
    return wasmplug_error_new("cannot open directory %s (%s)", host,
                              wp_os_err_name(err));
  e.kind = WP_WASI_FD_DIR;
  e.type = WP_OS_FT_DIRECTORY;
  e.preopen = strdup(guest);
  e.rights_base = wp_p1_rights(e.kind, e.type, true, !readonly, readonly,
                               true, &e.rights_inheriting);
  uint32_t fd;
  if (!e.preopen || wp_wasi_fd_add(ctx, &e, &fd)) {
    wp_os_close(&e.h);
    free(e.preopen);
    return wasmplug_error_new("%s: too many preopens", host);
  }
  return NULL;
}

wasmplug_error_t *wp_wasi_ctx_new_config(const wasmplug_wasi_config_t *c, wp_wasi_ctx_t **out) {
  *out = NULL;
  wp_wasi_ctx_t *ctx = wp_wasi_ctx_new();
  if (!ctx) return wasmplug_error_new("wasi: out of memory");
  wasmplug_error_t *err = NULL;
  char **env = NULL;
  size_t nenv = 0;
  if (!wp_wasi_caps_env_list(c, &env, &nenv)) err = wasmplug_error_new("wasi: out of memory");
  for (size_t i = 0; !err && i < c->nargs; i++) err = wp_wasi_ctx_push_arg(ctx, c->args[i]);
  for (size_t i = 0; !err && i < nenv; i++) {
    char *eq = strchr(env[i], '=');
    *eq = 0;
    err = wp_wasi_ctx_push_env(ctx, env[i], eq + 1);
  }
  wp_wasi_caps_free_list(env, nenv);
  for (size_t i = 0; !err && i < c->ndirs; i++)
    err = wp_wasi_ctx_preopen(ctx, c->dirs[i].host, c->dirs[i].guest, c->dirs[i].readonly);
  if (err) {
    wp_wasi_ctx_delete(ctx);
    return err;
  }
  if (c->stdio[0] != 0 || c->stdio[1] != 1 || c->stdio[2] != 2)
    wp_wasi_ctx_set_stdio(ctx, c->stdio[0], c->stdio[1], c->stdio[2]);
  *out = ctx;
  return NULL;
}
