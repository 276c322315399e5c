/*
** hello.c — a small WASI (preview1) command, the first demo of wasmplug.
**
** It shows the capabilities a guest gets only when the host grants them:
** its arguments, one environment variable, and a preopened directory in
** which it writes a file and reads it back.
**
**   wasmplug run --dir HOSTDIR::/data --env GREETING=hi hello.wasm a b c
**
** Build (see examples/demo.sh): clang --target=wasm32-wasi --sysroot=/usr
** -O2 -c hello.c, then link without -O.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  printf("hello from WebAssembly!\n");
  printf("argc = %d\n", argc);
  for (int i = 0; i < argc; i++) printf("  argv[%d] = \"%s\"\n", i, argv[i]);

  const char *greeting = getenv("GREETING");
  if (greeting)
    printf("GREETING = \"%s\"\n", greeting);
  else
    printf("GREETING is not set (the host did not pass --env GREETING=...)\n");

  const char *dir = getenv("HELLO_DIR");
  if (!dir) dir = "/data";
  char path[512];
  snprintf(path, sizeof path, "%s/hello.txt", dir);

  FILE *f = fopen(path, "w");
  if (!f) {
    printf("cannot write %s: %s (no --dir for it?)\n", path, strerror(errno));
    return 1;
  }
  fprintf(f, "written by hello.wasm with %d argument(s)\n", argc - 1);
  if (fclose(f) != 0) {
    printf("cannot close %s: %s\n", path, strerror(errno));
    return 1;
  }

  char line[256] = "";
  f = fopen(path, "r");
  if (!f || !fgets(line, sizeof line, f)) {
    printf("cannot read back %s: %s\n", path, strerror(errno));
    if (f) fclose(f);
    return 1;
  }
  fclose(f);
  line[strcspn(line, "\n")] = 0;
  printf("wrote and read back %s: \"%s\"\n", path, line);

  /* Outside the preopened directory there is nothing to open. */
  f = fopen("/etc/passwd", "r");
  if (f) {
    printf("unexpected: /etc/passwd is readable from the sandbox\n");
    fclose(f);
    return 1;
  }
  printf("/etc/passwd is out of reach: %s\n", strerror(errno));
  return 0;
}
