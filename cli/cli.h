/*
** cli.h — the `wasmplug` command's subcommands.  Each lives in its own
** cmd_<name>.c and returns the process exit status.  Conventions:
**   0 success, 1 load/link/runtime error, 2 usage error,
**   134 guest trap; a guest's own exit status passes through.
*/
#ifndef WASMPLUG_CLI_H
#define WASMPLUG_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int wp_cmd_run(int argc, char **argv);
int wp_cmd_compile(int argc, char **argv);
int wp_cmd_wit(int argc, char **argv);
int wp_cmd_plugins(int argc, char **argv);
int wp_cmd_component(int argc, char **argv);
int wp_cmd_bindgen(int argc, char **argv);
int wp_cmd_compose(int argc, char **argv);
int wp_cmd_serve(int argc, char **argv);
int wp_cmd_plugin_serve(int argc, char **argv);
int wp_cmd_plugin_host(int argc, char **argv);

/* Prints "wasmplug: error: <msg>" on stderr (one line). */
void wp_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The engine's progress callback for compiles: prints "compiling FILE
** (TIER tier)..." on stderr (the engine's `what` names the tier), a dot per
** further second, then "done".  `data` points at an int that starts at 0. */
void wp_cli_progress(void *data, const char *what, int done);

/* Parses a non-negative decimal number for an option: digits only (no
** sign, blank or hex: "-1" is refused, not read as 2^64 - 1), at most
** 2^64 - 1; with `size`, a K, M, G or T suffix multiplies by 1024^n.
** "unlimited" is UINT64_MAX.  False when it is not such a number. */
bool wp_cli_parse_u64(const char *s, bool size, uint64_t *out);

/* Reads a whole file; on failure prints an error naming it and returns NULL. */
uint8_t *wp_cli_read_file(const char *path, size_t *len);
/* Its two steps: opens a regular file for reading, filling *st (-1, with
** the error printed, for anything else); reads the rest of fd from its
** position (the file may have grown since *st) and closes it. */
struct stat;
int wp_cli_open_file(const char *path, struct stat *st);
uint8_t *wp_cli_read_fd(int fd, const char *path, const struct stat *st, size_t *len);
/* The same for the FILE of `wasmplug run`: a core module's large custom
** payloads but "name"'s are left unread, zero (read_module.c says why
** that is sound); anything else is read whole. */
uint8_t *wp_cli_read_module(const char *path, size_t *len);
/* Makes the pages [p, p + n) touches present now (large buffers about to be
** filled: one call instead of a page fault per page); best effort. */
void wp_cli_populate(void *p, size_t n);

/* The statically linked command (WP_CLI_STATIC, cli/CMakeLists.txt) cannot
** load shared objects: it execs `wasmplug-dynamic`, the same command linked
** dynamically, from its own directory, with argv (argv[0] included), and
** returns only if that fails (1, the error printed).  `why` names what
** needed it, for that error. */
int wp_cli_exec_dynamic(char **argv, const char *why);
#endif
