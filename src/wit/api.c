/*
** api.c — public entry points: creating a resolve, pushing sources from
** strings, files and directories (wit-parser's `deps/` layout), features.
**
** Each push sets up a context with a jump buffer; errors and
** out-of-memory anywhere below come back here as error values.
*/
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ast.h"

wp_wit_resolve_t *wp_wit_resolve_new(void) {
  wp_wit_resolve_t *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->arena = wp_wit_arena_new();
  if (!r->arena) {
    free(r);
    return NULL;
  }
  return r;
}

void wp_wit_resolve_delete(wp_wit_resolve_t *r) {
  if (!r) return;
  wp_wit_arena_delete(r->arena);
  free(r);
}

int wp_wit_resolve_feature(wp_wit_resolve_t *r, const char *name) {
  wp_wit_ctx_t cx;
  memset(&cx, 0, sizeof cx);
  cx.r = r;
  cx.perm = r->arena;
  if (setjmp(cx.jb)) {
    wp_wit_error_delete(cx.err);
    return -1;
  }
  const char **slot = wp_wit_vpush(&cx, r->arena, &r->features, &r->n_features, sizeof *slot);
  *slot = wp_wit_strdup(&cx, r->arena, name);
  return 0;
}

static wp_wit_error_t *oom_error(void) {
  wp_wit_error_t *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->message = malloc(14);
  e->rendered = malloc(14);
  if (!e->message || !e->rendered) {
    wp_wit_error_delete(e);
    return NULL;
  }
  memcpy(e->message, "out of memory", 14);
  memcpy(e->rendered, "out of memory", 14);
  return e;
}

/* ---- reading sources ---- */

static int valid_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t k;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      k = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      k = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      k = 3;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (i + k >= n) return 0;
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    i += k + 1;
  }
  return 1;
}

static char *read_all(wp_wit_ctx_t *cx, const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    wp_wit_fail_io(cx, "failed to read path for WIT [%s]: %s", path, strerror(errno));
  wp_buf_t b = {0};
  char chunk[8192];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) wp_buf_put(&b, chunk, got);
  int bad = ferror(f);
  fclose(f);
  size_t n = b.len;
  char *s = wp_buf_take(&b);
  if (!s) wp_wit_oom(cx);
  if (bad) {
    free(s);
    wp_wit_fail_io(cx, "failed to read path for WIT [%s]", path);
  }
  char *r = wp_wit_strndup(cx, cx->tmp, s, n);
  free(s);
  *len = n;
  return r;
}

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entries of a directory (names only). */
static char **list_dir(wp_wit_ctx_t *cx, const char *path, uint32_t *n) {
  DIR *d = opendir(path);
  if (!d)
    wp_wit_fail_io(cx, "failed to read directory %s: %s", path, strerror(errno));
  char **names = NULL;
  *n = 0;
  struct dirent *e;
  /* collect into a malloc'd list first so the DIR is closed on every path */
  wp_buf_t all = {0};
  uint32_t count = 0;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    wp_buf_put(&all, e->d_name, strlen(e->d_name) + 1);
    count++;
  }
  closedir(d);
  size_t total = all.len;
  char *blob = wp_buf_take(&all);
  if (!blob) wp_wit_oom(cx);
  char *copy = wp_wit_alloc(cx, cx->tmp, total + 1);
  memcpy(copy, blob, total);
  free(blob);
  names = wp_wit_alloc(cx, cx->tmp, (count + 1) * sizeof *names);
  char *p = copy;
  for (uint32_t i = 0; i < count; i++) {
    names[i] = p;
    p += strlen(p) + 1;
  }
  qsort(names, count, sizeof *names, cmp_str);
  *n = count;
  return names;
}

static char *join(wp_wit_ctx_t *cx, const char *a, const char *b) {
  size_t n = strlen(a);
  if (n && a[n - 1] == '/') return wp_wit_fmt(cx, cx->tmp, "%s%s", a, b);
  return wp_wit_fmt(cx, cx->tmp, "%s/%s", a, b);
}

/* Parses a set of sources forming one package into a group. */
static void parse_sources(wp_wit_ctx_t *cx, struct wp_wit_src_ref *srcs, uint32_t n,
                          wp_wit_group_t *g) {
  for (uint32_t i = 0; i < n; i++) {
    if (!valid_utf8((const unsigned char *)srcs[i].text, srcs[i].len))
      wp_wit_fail(cx, wp_wit_span_unknown(), "input file is not valid utf-8 [%s]",
                  srcs[i].path);
    srcs[i].base = wp_wit_source_add(cx, srcs[i].path, srcs[i].text, srcs[i].len);
  }
  wp_wit_parse_group(cx, srcs, n, g);
}

static void parse_file(wp_wit_ctx_t *cx, const char *path, wp_wit_group_t *g) {
  struct wp_wit_src_ref s;
  size_t len;
  s.text = read_all(cx, path, &len);
  s.len = (uint32_t)len;
  s.path = path;
  if (len > UINT32_MAX / 4) wp_wit_fail(cx, wp_wit_span_unknown(), "%s: file too large", path);
  parse_sources(cx, &s, 1, g);
}

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && !strcmp(s + a - b, suf);
}

static void parse_dir(wp_wit_ctx_t *cx, const char *dir, wp_wit_group_t *g) {
  uint32_t n;
  char **names = list_dir(cx, dir, &n);
  struct wp_wit_src_ref *srcs = wp_wit_alloc(cx, cx->tmp, (n + 1) * sizeof *srcs);
  uint32_t ns = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (!ends_with(names[i], ".wit")) continue;
    char *p = join(cx, dir, names[i]);
    if (is_dir(p)) continue;
    size_t len;
    srcs[ns].text = read_all(cx, p, &len);
    srcs[ns].len = (uint32_t)len;
    srcs[ns].path = p;
    ns++;
  }
  parse_sources(cx, srcs, ns, g);
}

typedef enum { PUSH_STR, PUSH_FILE, PUSH_DIR } push_kind_t;

static int do_push(wp_wit_resolve_t *r, push_kind_t kind, const char *path, const char *src,
                   size_t len, uint32_t *pkg, wp_wit_error_t **err) {
  wp_wit_ctx_t cx;
  memset(&cx, 0, sizeof cx);
  cx.r = r;
  cx.perm = r->arena;
  cx.tmp = wp_wit_arena_new();
  if (err) *err = NULL;
  if (!cx.tmp) {
    if (err) *err = oom_error();
    return -1;
  }
  int jumped = setjmp(cx.jb);
  if (jumped) {
    wp_wit_error_t *e = cx.err;
    if (!e) e = oom_error();
    wp_wit_arena_delete(cx.tmp);
    if (err)
      *err = e;
    else
      wp_wit_error_delete(e);
    return -1;
  }
  wp_wit_group_t *groups = NULL;
  uint32_t n_groups = 0;
  wp_wit_group_t *g = wp_wit_vpush(&cx, cx.tmp, &groups, &n_groups, sizeof *g);
  if (kind == PUSH_STR) {
    struct wp_wit_src_ref s;
    if (len > UINT32_MAX / 4) wp_wit_fail(&cx, wp_wit_span_unknown(), "%s: source too large", path);
    s.path = path;
    s.text = src;
    s.len = (uint32_t)len;
    parse_sources(&cx, &s, 1, g);
  } else if (kind == PUSH_FILE) {
    parse_file(&cx, path, g);
  } else {
    parse_dir(&cx, path, g);
    char *deps = join(&cx, path, "deps");
    if (is_dir(deps)) {
      uint32_t n;
      char **names = list_dir(&cx, deps, &n);
      for (uint32_t i = 0; i < n; i++) {
        char *p = join(&cx, deps, names[i]);
        if (is_dir(p)) {
          g = wp_wit_vpush(&cx, cx.tmp, &groups, &n_groups, sizeof *g);
          parse_dir(&cx, p, g);
        } else if (ends_with(names[i], ".wit")) {
          g = wp_wit_vpush(&cx, cx.tmp, &groups, &n_groups, sizeof *g);
          parse_file(&cx, p, g);
        } else if (ends_with(names[i], ".wasm") || ends_with(names[i], ".wat")) {
          wp_wit_fail(&cx, wp_wit_span_unknown(),
                      "%s: binary-encoded WIT packages are not supported yet", p);
        }
      }
    }
  }
  uint32_t id = wp_wit_resolve_groups(&cx, groups, n_groups);
  wp_wit_arena_delete(cx.tmp);
  if (pkg) *pkg = id;
  return 0;
}

int wp_wit_push_str(wp_wit_resolve_t *r, const char *path, const char *src, size_t len,
                    uint32_t *pkg, wp_wit_error_t **err) {
  return do_push(r, PUSH_STR, path, src, len, pkg, err);
}

int wp_wit_push_file(wp_wit_resolve_t *r, const char *path, uint32_t *pkg, wp_wit_error_t **err) {
  return do_push(r, PUSH_FILE, path, NULL, 0, pkg, err);
}

int wp_wit_push_dir(wp_wit_resolve_t *r, const char *path, uint32_t *pkg, wp_wit_error_t **err) {
  return do_push(r, PUSH_DIR, path, NULL, 0, pkg, err);
}

int wp_wit_push_path(wp_wit_resolve_t *r, const char *path, uint32_t *pkg, wp_wit_error_t **err) {
  return do_push(r, is_dir(path) ? PUSH_DIR : PUSH_FILE, path, NULL, 0, pkg, err);
}

/* ---- parse group: one package's files plus their nested packages ---- */

void wp_wit_parse_group(wp_wit_ctx_t *cx, const struct wp_wit_src_ref *srcs, uint32_t n,
                        wp_wit_group_t *out) {
  /* files are resolved in path order */
  uint32_t *idx = wp_wit_alloc(cx, cx->tmp, (n + 1) * sizeof *idx);
  for (uint32_t i = 0; i < n; i++) idx[i] = i;
  for (uint32_t i = 1; i < n; i++) {
    uint32_t x = idx[i], j = i;
    while (j > 0 && strcmp(srcs[idx[j - 1]].path, srcs[x].path) > 0) {
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = x;
  }
  ast_file_t **files = wp_wit_alloc(cx, cx->tmp, (n + 1) * sizeof *files);
  memset(out, 0, sizeof *out);
  for (uint32_t k = 0; k < n; k++) {
    const struct wp_wit_src_ref *s = &srcs[idx[k]];
    ast_file_t *f = wp_wit_parse_file(cx, s->text, s->len, s->base);
    /* nested packages are resolved on their own, before the main one */
    ast_item_t *kept = NULL;
    uint32_t n_kept = 0;
    for (uint32_t i = 0; i < f->n_items; i++) {
      if (f->items[i].kind == AI_PACKAGE) {
        ast_file_t *nf = f->items[i].pkg;
        wp_wit_unresolved_t *u = wp_wit_ast_resolve(cx, &nf, 1);
        wp_wit_unresolved_t **slot = wp_wit_vpush(cx, cx->tmp, &out->pkgs, &out->n_pkgs, sizeof *slot);
        *slot = u;
      } else {
        ast_item_t *slot = wp_wit_vpush(cx, cx->tmp, &kept, &n_kept, sizeof *slot);
        *slot = f->items[i];
      }
    }
    f->items = kept;
    f->n_items = n_kept;
    files[k] = f;
  }
  wp_wit_unresolved_t *main = wp_wit_ast_resolve(cx, files, n);
  wp_wit_unresolved_t **slot = wp_wit_vpush(cx, cx->tmp, &out->pkgs, &out->n_pkgs, sizeof *slot);
  *slot = main;
  out->main = out->n_pkgs - 1;
}
