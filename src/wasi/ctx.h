/*
** ctx.h — the WASI context's insides (internal to src/wasi).
**
** Shared by the preview1 functions (p1_*.c) and the 0.2 plugins: the guest's
** args, environment, preopened directories and stdio.  The fd table is
** preview1's view of them: fds 0-2 are stdio, preopens follow, and files
** the guest opens take the lowest free slot.
*/
#ifndef WASMPLUG_WASI_CTX_H
#define WASMPLUG_WASI_CTX_H

#include <stdint.h>

#include "os.h"
#include "wasi.h"

/* Beyond this many open guest fds path_open fails with EMFILE: a guest
** must not be able to make the host's table grow without bound. */
#define WP_WASI_MAX_FDS 4096

typedef enum wp_wasi_fd_kind {
  WP_WASI_FD_FREE = 0,
  WP_WASI_FD_STDIO, /* a borrowed host fd: never closed by us */
  WP_WASI_FD_FILE,
  WP_WASI_FD_DIR,
} wp_wasi_fd_kind_t;

typedef struct wp_wasi_fd {
  wp_wasi_fd_kind_t kind;
  wp_os_handle_t h;
  wp_os_filetype_t type;
  char *preopen;          /* the guest's name for a preopened dir, or NULL */
  uint64_t rights_base;   /* preview1 rights: reported, and only shrink */
  uint64_t rights_inheriting;
  /* Stdio only: the host fd's append/non-blocking flags when we got it.
  ** The open file is shared with whoever started us (a terminal, a
  ** shell's pipe), so whatever the guest changes is put back.  Only the
  ** guest's fd_fdstat_set_flags changes them (stdio_flags_set): a run
  ** that never asked leaves them unread at the end (a system call per
  ** stdio fd fewer at every exit). */
  int stdio_flags;
  bool stdio_flags_set;
} wp_wasi_fd_t;

struct wp_wasi_ctx {
  char **args;
  size_t nargs;
  char **env; /* "NAME=VALUE" */
  size_t nenv;
  wp_wasi_fd_t *fds;
  size_t nfds;
};

/* The entry for a guest fd, or NULL if it is not open. */
wp_wasi_fd_t *wp_wasi_fd_get(wp_wasi_ctx_t *ctx, uint32_t fd);
/* Puts `e` in the lowest free slot (taking ownership of its host fd and
** preopen name); WP_OS_EMFILE (and nothing taken) when the table is full. */
wp_os_err_t wp_wasi_fd_add(wp_wasi_ctx_t *ctx, const wp_wasi_fd_t *e,
                           uint32_t *out);
/* Closes the host fd (unless stdio) and frees the slot. */
void wp_wasi_fd_release(wp_wasi_fd_t *e);

#endif
