/*
** logger.c — a guest whose WIT is a folder with a deps/ package, to exercise
** tools/componentize.mjs's folder mode; no WASI, so no adapter.
*/
#include <stddef.h>
#include <stdint.h>

/* entry { level: u8, msg: string } flattens to (i32, i32, i32) */
__attribute__((import_module("example:logging/log@1.2.0"), import_name("write")))
void log_write(int32_t level, const char *msg, size_t len);

__attribute__((export_name("add"))) int32_t add(int32_t a, int32_t b) {
  log_write(1, "add", 3);
  return a + b;
}
