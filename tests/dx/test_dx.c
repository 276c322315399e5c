/*
** test_dx.c — issue 19 through the public host API, as an embedder uses
** it (public headers only, linked against libwasmplug.so):
**   lifecycle  a wasm plugin's wasmplug:plugin/lifecycle hooks: bind and
**              unbind once per guest instance, with distinct guest ids;
**   reload     wasmplug_host_plugin_reload of a native and of a wasm plugin:
**              new instances use the new plugin, live ones keep the old one,
**              which is unloaded with its last instance; a plugin that no
**              longer satisfies a loaded program is refused with the error
**              loading the program gives.
**
** usage: test_dx DX_WASM PLUGIN_DIR
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wasmplug.h>
#include <wasmplug/host.h>

#include "../host/host_test.h" /* CHECK, read_fixture */

static const char *dir_wasm, *dir_plugins;
static wasmplug_engine_t *engine;
static char logfile[] = "/tmp/wasmplug-dx-log-XXXXXX";

static const char *msg(wasmplug_error_t *e) { return e ? wasmplug_error_message(e) : "(none)"; }

static char *path(const char *dir, const char *name) {
  static char buf[8][1024];
  static int k;
  char *b = buf[k++ % 8];
  snprintf(b, sizeof buf[0], "%s/%s", dir, name);
  return b;
}

typedef struct prog {
  uint8_t *bytes;
  wasmplug_program_t *p;
} prog;

static wasmplug_error_t *load(wasmplug_host_t *h, const char *file, prog *out) {
  size_t len;
  out->bytes = read_fixture(dir_wasm, file, &len);
  wasmplug_error_t *e = wasmplug_program_new(h, out->bytes, len, file, &out->p);
  if (e) free(out->bytes);
  return e;
}

static void unload(prog *p) {
  wasmplug_program_delete(p->p);
  free(p->bytes);
}

static wasmplug_program_instance_t *inst(prog *p) {
  wasmplug_program_instance_t *in = NULL;
  wasmplug_error_t *e = NULL;
  wasmplug_trap_t *t = NULL;
  wasmplug_program_instantiate(p->p, &in, &e, &t);
  CHECK(in && !e && !t, "instantiate %s: %s %s", wasmplug_program_name(p->p), msg(e), t ? wasmplug_trap_message(t) : "");
  wasmplug_error_delete(e);
  wasmplug_trap_delete(t);
  return in;
}

/* The first line an invoke prints, as a number (-1 on failure). */
static long long call(wasmplug_program_instance_t *in, const char *what) {
  if (!in) return -1;
  char *r = NULL;
  int status = 0;
  wasmplug_trap_t *t = NULL;
  wasmplug_error_t *e = wasmplug_program_instance_invoke(in, what, &r, &status, &t);
  long long v = !e && !t && r ? atoll(r) : -1;
  CHECK(!e && !t, "invoke %s: %s %s", what, msg(e), t ? wasmplug_trap_message(t) : "");
  wasmplug_error_delete(e);
  wasmplug_trap_delete(t);
  free(r);
  return v;
}

static wasmplug_host_t *host_new(void) {
  wasmplug_host_t *h = NULL;
  wasmplug_error_t *e = wasmplug_host_new(engine, NULL, &h);
  if (e) {
    fprintf(stderr, "host: %s\n", msg(e));
    exit(1);
  }
  return h;
}

static char *log_text(void) {
  static char buf[4096];
  FILE *f = fopen(logfile, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  for (char *p = buf; *p; p++)
    if (*p == '\n') *p = ',';
  return buf;
}

/* ------------------------------------------------------------ lifecycle */

static void test_lifecycle(void) {
  /* a shared plugin instance: one bind and one unbind per guest instance */
  wasmplug_host_t *h = host_new();
  wasmplug_error_t *e = wasmplug_host_plugin_load(h, path(dir_wasm, "life_ok.wasm,shared"));
  CHECK(!e, "load: %s", msg(e));
  wasmplug_error_delete(e);
  prog g;
  e = load(h, "life_guest.wasm", &g);
  CHECK(!e, "program: %s", msg(e));
  wasmplug_error_delete(e);
  if (e) return;
  wasmplug_program_instance_t *a = inst(&g);
  CHECK(call(a, "binds()") == 1 && call(a, "unbinds()") == 0, "first guest: one bind");
  long long ida = call(a, "last-bind()");
  wasmplug_program_instance_delete(a);
  wasmplug_program_instance_t *b = inst(&g);
  long long idb = call(b, "last-bind()");
  CHECK(call(b, "binds()") == 2 && call(b, "unbinds()") == 1, "after the first guest: its unbind");
  CHECK(call(b, "last-unbind()") == ida && idb != ida && ida > 0, "guest ids: %lld then %lld", ida, idb);
  wasmplug_program_instance_delete(b);
  unload(&g);
  wasmplug_host_delete(h);

  /* a plugin instance per guest: bound once, to that guest */
  h = host_new();
  e = wasmplug_host_plugin_load(h, path(dir_wasm, "life_ok.wasm"));
  wasmplug_error_delete(e);
  e = load(h, "life_guest.wasm", &g);
  CHECK(!e, "program: %s", msg(e));
  wasmplug_error_delete(e);
  if (e) return;
  a = inst(&g);
  b = inst(&g);
  CHECK(call(a, "binds()") == 1 && call(b, "binds()") == 1 && call(a, "last-bind()") != call(b, "last-bind()"),
        "one plugin instance per guest");
  wasmplug_program_instance_delete(a);
  wasmplug_program_instance_delete(b);

  /* hooks of the wrong type are refused when the plugin is instantiated */
  wasmplug_host_t *h2 = host_new();
  e = wasmplug_host_plugin_load(h2, path(dir_wasm, "life_badtype.wasm"));
  wasmplug_error_delete(e);
  prog g2;
  e = load(h2, "life_guest.wasm", &g2);
  wasmplug_error_delete(e);
  if (!e) {
    wasmplug_program_instance_t *in = NULL;
    wasmplug_trap_t *t = NULL;
    wasmplug_program_instantiate(g2.p, &in, &e, &t);
    CHECK(e && strstr(msg(e), "life_badtype.wasm: its wasmplug:plugin/lifecycle#bind has the wrong type"),
          "bad hook type: %s", msg(e));
    wasmplug_error_delete(e);
    wasmplug_trap_delete(t);
    wasmplug_program_instance_delete(in);
    unload(&g2);
  }
  wasmplug_host_delete(h2);

  /* a wasm plugin reloaded: new instances get a fresh (shared) instance of
  ** the new set; those alive stay on the old one */
  unload(&g);
  wasmplug_host_delete(h);
  h = host_new();
  e = wasmplug_host_plugin_load(h, path(dir_wasm, "life_ok.wasm,shared"));
  wasmplug_error_delete(e);
  e = load(h, "life_guest.wasm", &g);
  wasmplug_error_delete(e);
  if (e) return;
  a = inst(&g);
  b = inst(&g);
  CHECK(call(a, "binds()") == 2, "two guests on the shared instance");
  e = wasmplug_host_plugin_reload(h, "life_ok.wasm", path(dir_wasm, "life_ok.wasm,shared"));
  CHECK(!e, "wasm reload: %s", msg(e));
  wasmplug_error_delete(e);
  wasmplug_program_instance_t *c = inst(&g);
  CHECK(call(c, "binds()") == 1, "a new guest: the new plugin's instance");
  CHECK(call(a, "binds()") == 2, "a live guest: still the old one");
  /* a replacement whose hooks have the wrong type: refused, with the
  ** error instantiating gives; nothing changes */
  e = wasmplug_host_plugin_reload(h, "life_ok.wasm", path(dir_wasm, "life_badtype.wasm"));
  CHECK(e && strstr(msg(e), "life_badtype.wasm: its wasmplug:plugin/lifecycle#bind has the wrong type"),
        "bad wasm reload: %s", msg(e));
  wasmplug_error_delete(e);
  wasmplug_program_instance_t *d = inst(&g);
  CHECK(call(d, "binds()") == 2, "after a refused reload: the set of the last good one");
  e = wasmplug_host_plugin_reload(h, "nosuch.wasm", path(dir_wasm, "life_ok.wasm"));
  CHECK(e && strstr(msg(e), "no loaded wasm plugin is named nosuch.wasm"), "unknown name: %s", msg(e));
  wasmplug_error_delete(e);
  wasmplug_program_instance_delete(a);
  wasmplug_program_instance_delete(b);
  wasmplug_program_instance_delete(c);
  wasmplug_program_instance_delete(d);
  unload(&g);
  wasmplug_host_delete(h);
}

/* --------------------------------------------------------------- reload */

static char *spec(const char *so) {
  static char buf[4][1200];
  static int k;
  char *b = buf[k++ % 4];
  snprintf(b, sizeof buf[0], "%s/%s,log=%s", dir_plugins, so, logfile);
  return b;
}

/* The error loading (component) or instantiating (core module) `file`
** gives on a fresh host whose only plugin is `so`. */
static char *start_error(const char *so, const char *file) {
  static char buf[2][2048];
  static int k;
  char *b = buf[k++ % 2];
  wasmplug_host_t *h = host_new();
  wasmplug_error_t *e = wasmplug_host_plugin_load(h, spec(so));
  prog p = {0};
  if (!e) e = load(h, file, &p);
  if (!e) {
    wasmplug_program_instance_t *in = NULL;
    wasmplug_trap_t *t = NULL;
    wasmplug_program_instantiate(p.p, &in, &e, &t);
    wasmplug_trap_delete(t);
    wasmplug_program_instance_delete(in);
    unload(&p);
  }
  snprintf(b, sizeof buf[0], "%s", msg(e));
  wasmplug_error_delete(e);
  wasmplug_host_delete(h);
  return b;
}

static void test_reload(const char *file) {
  FILE *f = fopen(logfile, "w");
  if (f) fclose(f);
  wasmplug_host_t *h = host_new();
  wasmplug_error_t *e = wasmplug_host_plugin_load(h, spec("dx_ver_1.so"));
  CHECK(!e, "load: %s", msg(e));
  wasmplug_error_delete(e);
  prog g;
  e = load(h, file, &g);
  CHECK(!e, "program %s: %s", file, msg(e));
  wasmplug_error_delete(e);
  if (e) {
    wasmplug_host_delete(h);
    return;
  }
  const char *get = strstr(file, "core") ? "get" : "get()";
  wasmplug_program_instance_t *a = inst(&g);
  CHECK(call(a, get) == 1, "%s: before the reload", file);
  e = wasmplug_host_plugin_reload(h, "dx-ver", spec("dx_ver_2.so"));
  CHECK(!e, "%s: reload: %s", file, msg(e));
  wasmplug_error_delete(e);
  wasmplug_program_instance_t *b = inst(&g);
  CHECK(call(b, get) == 2, "%s: a new instance uses the new plugin", file);
  CHECK(call(a, get) == 1, "%s: a live instance keeps the old one", file);
  CHECK(!strcmp(log_text(), "init 1,new 1,init 2,new 2,"), "%s: both loaded: %s", file, log_text());

  /* refused: the new plugin lacks `get`; the error is the start's */
  const char *want = start_error("dx_ver_bad.so", file);
  FILE *lf = fopen(logfile, "w"); /* (start_error's own lines) */
  if (lf) fclose(lf);
  e = wasmplug_host_plugin_reload(h, "dx-ver", spec("dx_ver_bad.so"));
  CHECK(e && !strcmp(msg(e), want), "%s: bad reload: '%s', at start: '%s'", file, msg(e), want);
  CHECK(e && wasmplug_error_kind(e) == WASMPLUG_ERROR_LINK, "%s: a link error", file);
  wasmplug_error_delete(e);
  wasmplug_program_instance_t *c = inst(&g);
  CHECK(call(c, get) == 2, "%s: after the refused reload: still the second", file);

  /* the old plugin goes with its last instance */
  lf = fopen(logfile, "w");
  if (lf) fclose(lf);
  wasmplug_program_instance_delete(a);
  CHECK(!strcmp(log_text(), "drop 1,fini 1,"), "%s: the old plugin unloads: %s", file, log_text());
  wasmplug_program_instance_delete(b);
  wasmplug_program_instance_delete(c);
  unload(&g);
  wasmplug_host_delete(h);
  CHECK(!strcmp(log_text(), "drop 1,fini 1,drop 2,drop 2,fini 2,"), "%s: the end: %s", file, log_text());
}

static void test_reload_errors(void) {
  wasmplug_host_t *h = host_new();
  wasmplug_error_t *e = wasmplug_host_plugin_load(h, spec("dx_ver_1.so"));
  wasmplug_error_delete(e);
  e = wasmplug_host_plugin_reload(h, "nosuch", spec("dx_ver_2.so"));
  CHECK(e && strstr(msg(e), "no loaded plugin is named nosuch"), "unknown plugin: %s", msg(e));
  wasmplug_error_delete(e);
  e = wasmplug_host_plugin_reload(h, "dx-ver", path(dir_plugins, "missing.so"));
  CHECK(e && strstr(msg(e), "missing.so"), "missing file: %s", msg(e));
  wasmplug_error_delete(e);
  /* the same file again (rebuilt in place, say): loaded anew, not shared */
  e = wasmplug_host_plugin_reload(h, "dx_ver_1.so", spec("dx_ver_1.so"));
  CHECK(!e, "same path: %s", msg(e));
  wasmplug_error_delete(e);
  wasmplug_host_delete(h);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: test_dx DX_WASM PLUGIN_DIR\n");
    return 2;
  }
  dir_wasm = argv[1];
  dir_plugins = argv[2];
  int fd = mkstemp(logfile);
  if (fd < 0) return 1;
  close(fd);
  wasmplug_error_t *e = wasmplug_engine_new(NULL, &engine);
  if (e) {
    fprintf(stderr, "engine: %s\n", msg(e));
    return 1;
  }
  test_lifecycle();
  test_reload("ver_core.wasm");
  test_reload("ver.wasm");
  test_reload_errors();
  wasmplug_engine_delete(engine);
  unlink(logfile);
  if (failures) fprintf(stderr, "%d failure(s)\n", failures);
  else printf("dx api: ok\n");
  return failures != 0;
}
