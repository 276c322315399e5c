/*
** leave.c — a guest that opens a bucket, writes to it and leaves without
** dropping it: `exit` (wasi:cli/exit) or `trap`.  The host drops what it
** left; the plugin's lifecycle shutdown closes sqlite (demo.sh runs it;
** under `make test SANITIZE=1` LeakSanitizer checks nothing is left).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

int main(int argc, char **argv) {
  demo_string_t name, key;
  demo_result_own_bucket_error_t opened;
  demo_string_set(&name, "left");
  wasi_keyvalue_store_open(&name, &opened);
  if (opened.is_err) return 2;
  demo_list_u8_t v = {(uint8_t *)"behind", 6};
  demo_result_void_error_t r;
  demo_string_set(&key, "left");
  wasi_keyvalue_store_method_bucket_set(wasi_keyvalue_store_borrow_bucket(opened.val.ok), &key, &v, &r);
  if (r.is_err) return 2;
  printf("wrote a key, leaving without dropping the bucket\n");
  fflush(stdout);
  if (argc > 1 && !strcmp(argv[1], "trap")) __builtin_trap();
  exit(0);
}
