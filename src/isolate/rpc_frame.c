/*
** rpc_frame.c — frames of the plugin RPC protocol (docs/plugin-rpc.md):
** the 24-byte little-endian header, payload builders and bounded readers,
** and sending/receiving whole frames on a socket with a deadline (or in
** an isolated plugin's shared-memory ring, rpc_ring.c).
*/
#include "isolate/rpc.h"
#include "wasmplug/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void wp_rpc_header_put(uint8_t out[WP_RPC_HEADER], const wp_rpc_header_t *h) {
  put32(out, h->magic);
  out[4] = (uint8_t)h->version;
  out[5] = (uint8_t)(h->version >> 8);
  out[6] = (uint8_t)h->kind;
  out[7] = (uint8_t)(h->kind >> 8);
  put32(out + 8, h->call_id);
  put32(out + 12, h->inst);
  put32(out + 16, h->func);
  put32(out + 20, h->len);
}

const char *wp_rpc_header_get(const uint8_t in[WP_RPC_HEADER], wp_rpc_header_t *h, char *why, size_t whylen) {
  h->magic = get32(in);
  h->version = (uint16_t)(in[4] | in[5] << 8);
  h->kind = (uint16_t)(in[6] | in[7] << 8);
  h->call_id = get32(in + 8);
  h->inst = get32(in + 12);
  h->func = get32(in + 16);
  h->len = get32(in + 20);
  if (h->magic != WP_RPC_MAGIC)
    snprintf(why, whylen, "bad frame magic 0x%08x (expected 0x%08x, \"WPRC\")", h->magic, WP_RPC_MAGIC);
  else if (h->version != WP_RPC_VERSION)
    snprintf(why, whylen, "frame of protocol version %u (this side speaks version %u)", h->version, WP_RPC_VERSION);
  else if (h->kind < WP_RPC_HELLO || h->kind > WP_RPC_STOP)
    snprintf(why, whylen, "unknown frame kind %u", h->kind);
  else if (h->len > WP_RPC_MAX_PAYLOAD)
    snprintf(why, whylen, "frame payload of %u bytes exceeds the %u-byte limit", h->len, WP_RPC_MAX_PAYLOAD);
  else
    return NULL;
  return why;
}

/* ------------------------------------------------------------ builders */

void wp_rpc_buf_u32(wp_rpc_buf_t *b, uint32_t v) {
  uint8_t t[4];
  put32(t, v);
  wp_buf_put(b, t, 4);
}

void wp_rpc_buf_u64(wp_rpc_buf_t *b, uint64_t v) {
  wp_rpc_buf_u32(b, (uint32_t)v);
  wp_rpc_buf_u32(b, (uint32_t)(v >> 32));
}

void wp_rpc_buf_str(wp_rpc_buf_t *b, const char *s) {
  if (!s) {
    wp_rpc_buf_u32(b, 0xffffffffu);
    return;
  }
  size_t n = strlen(s);
  wp_rpc_buf_u32(b, (uint32_t)n);
  wp_buf_put(b, s, n);
}

void wp_rpc_buf_frame(wp_rpc_buf_t *b) {
  b->len = 0;
  b->oom = false;
  uint8_t zero[WP_RPC_HEADER] = {0};
  wp_buf_put(b, zero, sizeof zero);
}

/* ------------------------------------------------------------- readers */

const uint8_t *wp_rpc_rd_bytes(wp_rpc_rd_t *r, size_t n) {
  if (r->bad || n > r->len - r->pos) {
    r->bad = true;
    return NULL;
  }
  const uint8_t *p = r->p + r->pos;
  r->pos += n;
  return p;
}

uint8_t wp_rpc_rd_u8(wp_rpc_rd_t *r) {
  const uint8_t *p = wp_rpc_rd_bytes(r, 1);
  return p ? p[0] : 0;
}

uint32_t wp_rpc_rd_u32(wp_rpc_rd_t *r) {
  const uint8_t *p = wp_rpc_rd_bytes(r, 4);
  return p ? get32(p) : 0;
}

uint64_t wp_rpc_rd_u64(wp_rpc_rd_t *r) {
  uint64_t lo = wp_rpc_rd_u32(r);
  return lo | (uint64_t)wp_rpc_rd_u32(r) << 32;
}

char *wp_rpc_rd_str(wp_rpc_rd_t *r, size_t max, bool *isnull) {
  uint32_t n = wp_rpc_rd_u32(r);
  *isnull = false;
  if (r->bad) return NULL;
  if (n == 0xffffffffu) {
    *isnull = true;
    return NULL;
  }
  const uint8_t *p = n <= max ? wp_rpc_rd_bytes(r, n) : NULL;
  if (!p || memchr(p, 0, n) || !wp_cabi_utf8_valid(p, n)) {
    r->bad = true;
    return NULL;
  }
  char *s = malloc((size_t)n + 1);
  if (!s) {
    r->bad = true;
    return NULL;
  }
  memcpy(s, p, n);
  s[n] = 0;
  return s;
}

/* -------------------------------------------------------------- socket */

void wp_rpc_conn_init(wp_rpc_conn_t *c, int fd) {
  memset(c, 0, sizeof *c);
  c->fd = fd;
}

void wp_rpc_conn_close(wp_rpc_conn_t *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  wp_rpc_ring_free(c->ring);
  c->ring = NULL;
  free(c->rbuf);
  c->rbuf = NULL;
  c->rlen = c->rpos = c->rcap = 0;
}

int wp_rpc_frame_seal(wp_rpc_buf_t *b, wp_rpc_header_t h) {
  if (b->oom || b->len < WP_RPC_HEADER || b->len - WP_RPC_HEADER > WP_RPC_MAX_PAYLOAD) {
    errno = b->oom ? ENOMEM : EMSGSIZE;
    return -1;
  }
  h.magic = WP_RPC_MAGIC;
  h.version = WP_RPC_VERSION;
  h.len = (uint32_t)(b->len - WP_RPC_HEADER);
  wp_rpc_header_put((uint8_t *)b->s, &h);
  return 0;
}

int wp_rpc_frame_send(wp_rpc_conn_t *c, wp_rpc_buf_t *b, wp_rpc_header_t h) {
  if (wp_rpc_frame_seal(b, h)) return -1;
  if (c->ring) return wp_rpc_ring_send(c, (const uint8_t *)b->s, b->len);
  size_t off = 0;
  while (off < b->len) {
    /* MSG_NOSIGNAL: a dead peer must be an error here, not SIGPIPE
    ** killing the host. */
    ssize_t n = send(c->fd, b->s + off, b->len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR && !wasmplug_call_interrupted()) continue;
    if (n <= 0) return -1;
    off += (size_t)n;
  }
  return 0;
}

static int64_t now_ms(void) { return (int64_t)(wasmplug_monotonic_ns() / 1000000u); }

/* Room for `need` bytes after rpos (the unread tail moved to the front). */
static bool reserve(wp_rpc_conn_t *c, size_t need) {
  if (c->rpos) { /* compact: keep the unread tail at the front */
    memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
    c->rlen -= c->rpos;
    c->rpos = 0;
  }
  if (need > c->rcap || c->rcap < 65536) {
    size_t cap = c->rcap ? c->rcap : 65536;
    while (cap < need) cap *= 2;
    uint8_t *n = realloc(c->rbuf, cap);
    if (!n) return false;
    c->rbuf = n;
    c->rcap = cap;
  }
  return true;
}

bool wp_rpc_conn_feed(wp_rpc_conn_t *c, const uint8_t *p, size_t n) {
  if (!n) return true;
  if (!reserve(c, c->rlen - c->rpos + n)) return false;
  memcpy(c->rbuf + c->rlen, p, n);
  c->rlen += n;
  return true;
}

/* Reads until `need` bytes are buffered after rpos. */
static wp_rpc_io_t fill(wp_rpc_conn_t *c, size_t need, int64_t deadline, char *why, size_t whylen) {
  if (c->rlen - c->rpos >= need) return WP_RPC_IO_OK;
  if (!reserve(c, need)) {
    snprintf(why, whylen, "out of memory for a %zu-byte frame", need);
    return WP_RPC_IO_ERRNO;
  }
  while (c->rlen < need) {
    if (deadline >= 0 && now_ms() > deadline) return WP_RPC_IO_TIMEOUT;
    ssize_t n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return WP_RPC_IO_TIMEOUT;
    if (n < 0 && errno == EINTR) {
      /* The watchdog's signal: the guest call's time is up. */
      if (!c->poke && wasmplug_call_interrupted()) return WP_RPC_IO_INTERRUPTED;
      continue;
    }
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      snprintf(why, whylen, "connection closed");
      return WP_RPC_IO_EOF;
    }
    if (n < 0) {
      snprintf(why, whylen, "recv: %s", strerror(errno));
      return WP_RPC_IO_ERRNO;
    }
    c->rlen += (size_t)n;
  }
  return WP_RPC_IO_OK;
}

wp_rpc_io_t wp_rpc_frame_recv(wp_rpc_conn_t *c, int timeout_ms, wp_rpc_header_t *h, const uint8_t **payload,
                              char *why, size_t whylen) {
  if (c->ring) return wp_rpc_ring_recv(c, timeout_ms, h, payload, why, whylen);
  return wp_rpc_sock_recv(c, timeout_ms, h, payload, why, whylen);
}

wp_rpc_io_t wp_rpc_sock_recv(wp_rpc_conn_t *c, int timeout_ms, wp_rpc_header_t *h, const uint8_t **payload,
                             char *why, size_t whylen) {
  int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  /* The timeout is a receive timeout on the socket rather than a poll
  ** before each recv: one system call less per frame on the call path.
  ** A frame arriving in pieces may take up to one timeout per piece past
  ** the deadline check; calls use one timeout, so it is set rarely. */
  int want = timeout_ms < 0 ? 0 : timeout_ms == 0 ? 1 : timeout_ms;
  if (want != c->timeo_ms) {
    struct timeval tv = {want / 1000, (want % 1000) * 1000};
    if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)) {
      snprintf(why, whylen, "setsockopt SO_RCVTIMEO: %s", strerror(errno));
      return WP_RPC_IO_ERRNO;
    }
    c->timeo_ms = want;
  }
  wp_rpc_io_t st = fill(c, WP_RPC_HEADER, deadline, why, whylen);
  if (st) return st;
  if (wp_rpc_header_get(c->rbuf + c->rpos, h, why, whylen)) return WP_RPC_IO_GARBAGE;
  if ((st = fill(c, WP_RPC_HEADER + (size_t)h->len, deadline, why, whylen))) return st;
  *payload = c->rbuf + c->rpos + WP_RPC_HEADER;
  c->rpos += WP_RPC_HEADER + (size_t)h->len;
  return WP_RPC_IO_OK;
}

bool wp_rpc_conn_has_frame(const wp_rpc_conn_t *c) {
  if (c->rlen - c->rpos < WP_RPC_HEADER) return false;
  const uint8_t *p = c->rbuf + c->rpos;
  return c->rlen - c->rpos >= WP_RPC_HEADER + (size_t)get32(p + 20);
}

/* ------------------------------------------------- without blocking */

wp_rpc_io_t wp_rpc_conn_read(wp_rpc_conn_t *c, char *why, size_t whylen) {
  /* Room for what arrives, not for what a header announces: the buffer
  ** grows with the bytes a client has actually sent. */
  if (!reserve(c, c->rlen - c->rpos + 65536)) {
    snprintf(why, whylen, "out of memory buffering %zu bytes", c->rlen - c->rpos);
    return WP_RPC_IO_ERRNO;
  }
  for (;;) {
    ssize_t n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, MSG_DONTWAIT);
    if (n > 0) {
      c->rlen += (size_t)n;
      return WP_RPC_IO_OK;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return WP_RPC_IO_TIMEOUT;
    if (n == 0 || errno == ECONNRESET) {
      snprintf(why, whylen, "connection closed");
      return WP_RPC_IO_EOF;
    }
    snprintf(why, whylen, "recv: %s", strerror(errno));
    return WP_RPC_IO_ERRNO;
  }
}

int wp_rpc_conn_next(wp_rpc_conn_t *c, wp_rpc_header_t *h, const uint8_t **payload, char *why, size_t whylen) {
  size_t have = c->rlen - c->rpos;
  if (have < WP_RPC_HEADER) return 0;
  /* judged as soon as the header is in: an oversized length or a bad
  ** magic is refused before any of its payload is waited for */
  if (wp_rpc_header_get(c->rbuf + c->rpos, h, why, whylen)) return -1;
  if (have - WP_RPC_HEADER < (size_t)h->len) return 0;
  *payload = c->rbuf + c->rpos + WP_RPC_HEADER;
  c->rpos += WP_RPC_HEADER + (size_t)h->len;
  return 1;
}

size_t wp_rpc_conn_pending(const wp_rpc_conn_t *c, size_t *want) {
  size_t have = c->rlen - c->rpos;
  *want = have < WP_RPC_HEADER ? WP_RPC_HEADER : WP_RPC_HEADER + (size_t)get32(c->rbuf + c->rpos + 20);
  return have;
}
