/*
** fuzz_rpc_frames.c — libFuzzer target for the frame parser of plugin-serve's
** loop (src/isolate/rpc_frame.c: wp_rpc_conn_read, wp_rpc_conn_next,
** wp_rpc_conn_pending), which takes bytes from untrusted clients as they
** come, in any pieces.  Each input is 4 bytes seeding the piece sizes, then
** the bytes a client sends.  They are parsed twice:
**   - whole: fed at once, frames taken until none is complete or the
**     header is refused;
**   - in pieces: written to a socketpair in pieces of 1..300 bytes (sizes
**     from the seed), each read by wp_rpc_conn_read as the server does,
**     frames taken after each.
** Both must give the same frames (headers and payload bytes) and end the
** same way (the same refusal with the same message, or the same partial
** frame: bytes held and bytes wanted).  A header announcing a payload over
** WP_RPC_MAX_PAYLOAD (or a bad magic, version or kind) is refused as soon
** as its 24 bytes are in, never waited on; the buffer grows with the bytes
** received, not with a length announced.  Every payload is also read as
** the host reads a DESCRIBE (wp_rpc_desc_decode) and with the bounded
** readers, which must fail cleanly past its end.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "isolate/rpc.h"

#define MAX_FRAMES 4096

typedef struct frames {
  size_t n;
  wp_rpc_header_t h[MAX_FRAMES];
  size_t off[MAX_FRAMES]; /* payload offset in the client's bytes */
  int end;                /* -1 refused, 0 incomplete */
  char why[200];
  size_t have, want; /* incomplete: wp_rpc_conn_pending */
} frames_t;

static void fail(const char *what) {
  fprintf(stderr, "fuzz_rpc_frames: %s\n", what);
  abort();
}

/* The readers on a payload: bounded, never past its end. */
static void read_payload(const wp_rpc_header_t *h, const uint8_t *p) {
  if (h->kind == WP_RPC_DESCRIBE) {
    wp_rpc_desc_t d;
    wasmplug_error_t *e = wp_rpc_desc_decode(p, h->len, &d);
    if (e) {
      if (strchr(wasmplug_error_message(e), '\n')) fail("a DESCRIBE refusal of more than one line");
      wasmplug_error_delete(e);
    } else {
      wp_rpc_desc_free(&d);
    }
  }
  wp_rpc_rd_t r = {p, h->len, 0, false};
  (void)wp_rpc_rd_u64(&r);
  while (!r.bad) {
    bool isnull;
    char *s = wp_rpc_rd_str(&r, 4096, &isnull);
    free(s);
    if (!r.bad) (void)wp_rpc_rd_u8(&r);
  }
  if (r.pos > r.len) fail("a reader went past the payload");
}

/* Frames buffered in c, appended to f; `base`: the client's byte offset of
** c's rpos.  Returns false once the parse ended (refusal). */
static bool take(wp_rpc_conn_t *c, frames_t *f, size_t *base) {
  for (;;) {
    size_t before = c->rpos;
    wp_rpc_header_t h;
    const uint8_t *pl;
    char why[200];
    int got = wp_rpc_conn_next(c, &h, &pl, why, sizeof why);
    if (got < 0) {
      f->end = -1;
      snprintf(f->why, sizeof f->why, "%s", why);
      if (strchr(why, '\n')) fail("a refusal of more than one line");
      return false;
    }
    size_t want, have = wp_rpc_conn_pending(c, &want);
    if (!got) {
      if (have >= WP_RPC_HEADER && want > WP_RPC_HEADER + (size_t)WP_RPC_MAX_PAYLOAD)
        fail("an oversized frame is waited on instead of refused");
      if (have >= want) fail("a whole frame not taken");
      f->end = 0;
      f->have = have;
      f->want = want;
      return true;
    }
    if (h.len > WP_RPC_MAX_PAYLOAD || h.magic != WP_RPC_MAGIC || h.version != WP_RPC_VERSION) fail("a bad header taken");
    if (pl != c->rbuf + before + WP_RPC_HEADER || c->rpos != before + WP_RPC_HEADER + h.len) fail("frame bounds");
    read_payload(&h, pl);
    if (f->n < MAX_FRAMES) {
      f->h[f->n] = h;
      f->off[f->n] = *base + WP_RPC_HEADER;
    }
    f->n++;
    *base += WP_RPC_HEADER + h.len;
  }
}

static frames_t whole, pieces;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t seed = 0;
  for (size_t i = 0; i < 4 && i < size; i++) seed = seed << 8 | data[i];
  const uint8_t *in = size > 4 ? data + 4 : data;
  size_t len = size > 4 ? size - 4 : 0;

  /* whole */
  memset(&whole, 0, sizeof whole);
  wp_rpc_conn_t c;
  wp_rpc_conn_init(&c, -1);
  size_t base = 0;
  if (!wp_rpc_conn_feed(&c, in, len)) fail("out of memory");
  take(&c, &whole, &base);
  /* each frame's payload is the client's bytes at its offset */
  wp_rpc_conn_close(&c);

  /* in pieces, through a socket as the server reads them */
  memset(&pieces, 0, sizeof pieces);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) return 0;
  wp_rpc_conn_init(&c, sv[1]);
  base = 0;
  bool going = true;
  size_t fed = 0;
  while (going && fed < len) {
    seed = seed * 1103515245u + 12345u;
    size_t k = 1 + (seed >> 16) % 300;
    if (k > len - fed) k = len - fed;
    if (send(sv[0], in + fed, k, MSG_NOSIGNAL) != (ssize_t)k) fail("socketpair send");
    fed += k;
    for (;;) {
      char why[200];
      wp_rpc_io_t st = wp_rpc_conn_read(&c, why, sizeof why);
      if (st == WP_RPC_IO_TIMEOUT) break;
      if (st != WP_RPC_IO_OK) fail("read from a live socket failed");
    }
    /* what arrived, not what a header announced */
    if (c.rcap > 2 * fed + 2 * 65536u) fail("the buffer outgrew the bytes received");
    going = take(&c, &pieces, &base);
  }
  if (len == 0) take(&c, &pieces, &base);
  /* the end: EOF is seen as such */
  close(sv[0]);
  if (going) {
    char why[200];
    wp_rpc_io_t st = wp_rpc_conn_read(&c, why, sizeof why);
    if (st != WP_RPC_IO_EOF) fail("a closed client is not seen as gone");
  }
  wp_rpc_conn_close(&c);

  if (whole.n != pieces.n || whole.end != pieces.end) fail("pieces parse differently from the whole");
  for (size_t i = 0; i < whole.n && i < MAX_FRAMES; i++)
    if (memcmp(&whole.h[i], &pieces.h[i], sizeof whole.h[i]) || whole.off[i] != pieces.off[i])
      fail("a frame differs between pieces and the whole");
  if (whole.end < 0 && strcmp(whole.why, pieces.why)) fail("refusals differ");
  if (whole.end == 0 && (whole.have != pieces.have || whole.want != pieces.want)) fail("partial frames differ");
  return 0;
}
