/* A minimal embedder built against an installed wasmplug (pkg-config). */
#include <stdio.h>
#include <string.h>
#include <wasmplug.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 2;
  static uint8_t buf[1 << 16];
  size_t len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  wasmplug_engine_t *e;
  wasmplug_module_t *m;
  wasmplug_error_t *err = wasmplug_engine_new(NULL, &e);
  if (!err) err = wasmplug_module_new(e, buf, len, argv[1], &m);
  if (err) {
    fprintf(stderr, "%s\n", wasmplug_error_message(err));
    return 1;
  }
  wasmplug_linker_t *l = wasmplug_linker_new(e);
  wasmplug_instance_t *in;
  wasmplug_trap_t *t;
  wasmplug_linker_instantiate(l, m, NULL, &in, &err, &t);
  if (err || t) return 1;
  wasmplug_val_t a[2] = {{WASMPLUG_I32, {.i32 = 40}}, {WASMPLUG_I32, {.i32 = 2}}}, r;
  t = wasmplug_func_call(wasmplug_instance_func(in, "add"), a, 2, &r, 1);
  printf("%s %d\n", WASMPLUG_VERSION, t ? -1 : r.of.i32);
  wasmplug_instance_delete(in);
  wasmplug_linker_delete(l);
  wasmplug_module_delete(m);
  wasmplug_engine_delete(e);
  return 0;
}
