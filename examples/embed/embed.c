/*
** embed.c — an embedder using only the installed SDK (wasmplug.h,
** wasmplug/host.h; pkg-config wasmplug): it loads a plugin and runs a
** component through the public host API, as `wasmplug run --plugin P
** --invoke CALL COMPONENT` does.
**
**   cc $(pkg-config --cflags wasmplug) embed.c $(pkg-config --libs wasmplug) -o embed
**   ./embed 'greet.so,greeting=hi' guest.wasm 'greet("world")'
*/
#include <stdio.h>
#include <stdlib.h>

#include <wasmplug.h>
#include <wasmplug/host.h>

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return b;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: embed PLUGIN[,KEY=VALUE...] COMPONENT.wasm 'CALL(ARGS)'\n");
    return 2;
  }
  size_t len;
  uint8_t *bytes = read_file(argv[2], &len);
  if (!bytes) {
    fprintf(stderr, "embed: cannot read %s\n", argv[2]);
    return 1;
  }
  wasmplug_engine_t *engine = NULL;
  wasmplug_host_t *host = NULL;
  wasmplug_program_t *program = NULL;
  wasmplug_program_instance_t *instance = NULL;
  wasmplug_trap_t *trap = NULL;
  char *result = NULL;
  int status = 1;
  /* Each step returns an error (NULL on success) that says what and where. */
  wasmplug_error_t *err = wasmplug_engine_new(NULL, &engine);
  if (!err) err = wasmplug_host_new(engine, NULL, &host);
  if (!err) err = wasmplug_host_plugin_load(host, argv[1]);
  if (!err) err = wasmplug_program_new(host, bytes, len, argv[2], &program);
  if (!err) wasmplug_program_instantiate(program, &instance, &err, &trap);
  if (!err && !trap) err = wasmplug_program_instance_invoke(instance, argv[3], &result, &status, &trap);
  if (err) {
    fprintf(stderr, "embed: %s error: %s\n", wasmplug_error_kind_name(wasmplug_error_kind(err)),
            wasmplug_error_message(err));
    status = 1;
  } else if (trap) {
    fprintf(stderr, "embed: trap: %s\n", wasmplug_trap_message(trap));
    status = 134;
  } else if (result) {
    printf("%s\n", result);
  }
  free(result);
  wasmplug_trap_delete(trap);
  wasmplug_error_delete(err);
  wasmplug_program_instance_delete(instance);
  wasmplug_program_delete(program);
  wasmplug_host_delete(host);
  wasmplug_engine_delete(engine);
  free(bytes);
  return status;
}
