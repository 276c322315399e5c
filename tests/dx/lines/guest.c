/* guest.c — a C command (lines.wit): main() prints lines, fully buffered,
** around plugin calls whose string results the guest allocates through
** cabi_realloc.  Every line must reach stdout (bindgen --command). */
#include <stdio.h>

#include "lines.h"

int main(int argc, char **argv) {
  printf("line 1 of %s (%d args)\n", argc ? argv[0] : "?", argc);
  for (int i = 2; i <= 6; i++) {
    lines_string_t in, out;
    lines_string_set(&in, "hi");
    echo_echo(&in, &out);
    printf("line %d: %.*s\n", i, (int)out.len, (const char *)out.ptr);
    lines_string_free(&out);
  }
  printf("last line\n");
  return 0;
}
