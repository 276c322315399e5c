/*
** greet.c — a native wasmplug plugin written against the installed SDK
** only (wasmplug/plugin.h): it provides example:embed/greet@0.1.0,
**   hello: func(name: string) -> string   "<greeting>, <name>!"
** with a config option `greeting` (`--plugin greet.so,greeting=hi`).
**
**   cc -shared -fPIC $(pkg-config --cflags wasmplug) greet.c -o greet.so
*/
#include <stdint.h>
#include <string.h>

#include <wasmplug/plugin.h>

static const wasmplug_host_api_t *host;

static const char wit[] =
    "package example:embed@0.1.0;\n"
    "interface greet {\n"
    "  hello: func(name: string) -> string;\n"
    "}\n";

typedef struct { const uint8_t *ptr; size_t len; } str_t;

static int hello(void *state, wasmplug_plugin_call_t *call, const void *params, void *result) {
  const char *greeting = state; /* the plugin state: the configured greeting */
  const str_t *name = params;
  str_t *out = result;
  size_t g = strlen(greeting), n = g + 2 + name->len + 1;
  uint8_t *s = host->alloc(call, n, 1); /* freed by the host after the call */
  if (!s) return host->trap(call, "out of memory");
  memcpy(s, greeting, g);
  memcpy(s + g, ", ", 2);
  memcpy(s + g + 2, name->ptr, name->len);
  s[n - 1] = '!';
  out->ptr = s;
  out->len = n;
  return WASMPLUG_OK;
}

static int init(const wasmplug_host_api_t *h, const wasmplug_plugin_config_t *config, void **state,
                const char **error) {
  (void)error;
  *state = (void *)h->config_get(config, "greeting");
  return 0;
}

static const wasmplug_plugin_func_t funcs[] = {{"example:embed/greet#hello", hello}};
static const wasmplug_plugin_option_t options[] = {{"greeting", "string", "hello", "what to say"}};

static const wasmplug_plugin_t desc = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .name = "example-greet",
    .version = "0.1.0",
    .wit = wit,
    .funcs = funcs,
    .nfuncs = 1,
    .options = options,
    .noptions = 1,
    .init = init,
};

WASMPLUG_PLUGIN_ENTRY(h) {
  host = h;
  return &desc;
}
