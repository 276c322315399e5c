/*
** run_component.c — `wasmplug wit app.wasm`: a component's world.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli/component.h"
#include "component/component.h"
#include "component/rt/rt.h"

int wp_wit_component(const char *path) {
  size_t len;
  uint8_t *bytes = wp_cli_read_file(path, &len);
  if (!bytes) return 1;
  int status = 1;
  wp_comp *c = NULL;
  char err[1024];
  if (!wp_comp_is_component(bytes, len)) {
    wp_cli_error("%s: not a component (a core module has no WIT world)", path);
  } else if (wp_comp_load(bytes, len, path, &c, err, sizeof err)) {
    wp_cli_error("%s", err);
  } else {
    char *wit = rt_world_wit(c, path);
    if (!wit) {
      wp_cli_error("out of memory");
    } else {
      fputs(wit, stdout);
      free(wit);
      status = fflush(stdout) ? 1 : 0;
    }
    wp_comp_delete(c);
  }
  free(bytes);
  return status;
}
