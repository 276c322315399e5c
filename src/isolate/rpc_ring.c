/*
** rpc_ring.c — the shared-memory transport between the host and the helper
** of an isolated plugin (docs/plugin-rpc.md, "Transport").
**
** The host creates a memfd (sealed: it can never shrink under a mapping,
** so no SIGBUS), maps it, and hands it to the helper as fd 4; the helper
** maps it before it confines itself and closes the descriptor.  The
** memory holds two one-frame mailboxes, host->helper and helper->host:
** a control line (sequence number, frame length, a "receiver sleeps" flag)
** and a data area of `cap` bytes.  One request is in flight at a time
** (the proxy's mutex), so one frame per direction is enough.
**
** Sending: the frame is copied into the data area, the length stored,
** then the sequence number (release); if the receiver said it sleeps, a
** FUTEX_WAKE.  A frame larger than the data area goes over the socket and
** the ring only announces it (length WP_RPC_RING_ON_SOCKET).
** Receiving: spin a few microseconds on the sequence number, then
** FUTEX_WAIT on it in slices; between slices the socket is polled (the
** peer's death closes it: a dead helper is noticed within one slice even
** without a timeout), the per-call timeout and the guest's deadline
** checked (the watchdog's signal interrupts FUTEX_WAIT with EINTR).
**
** The helper is hostile and can write anything into the shared memory at
** any time.  The host therefore reads each control word once, bounds the
** length by the data area, and copies the frame into private memory
** before it looks at it: headers and values are checked on that copy
** only (no double fetch).  A sequence number other than the next one is a
** protocol violation; so is any byte on the socket the ring did not
** announce.  Nothing the helper writes can make the host read outside the
** mapping or wait past its timeout; at worst the call traps and the
** helper is killed, as with a socket.
*/
#include "isolate/rpc.h"
#include "wasmplug/clock.h"

#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

/* Bytes per direction: a frame up to this size travels in the ring. */
#define RING_CAP ((uint32_t)256 << 10)
#define RING_DATA_OFF WP_RPC_RING_DATA
typedef wp_rpc_ring_ctl_t ring_ctl_t;
typedef wp_rpc_ring_head_t ring_head_t;

struct wp_rpc_ring {
  uint8_t *base;
  size_t size;
  uint32_t cap;
  ring_ctl_t *tx, *rx;
  uint8_t *txdata, *rxdata;
  uint32_t tx_seq, rx_seq; /* private: what we sent and received last */
  bool host;               /* the side that trusts nothing it reads */
  int64_t spin_ns, spin_max; /* how long the next wait spins before it sleeps; its ceiling */
  unsigned waits;
  uint8_t *copy;           /* the private copy of the last frame received */
};

/* How long a receiver spins before it sleeps: the peer on another core
** answers a small call within a few microseconds; a sleeping one costs
** a FUTEX_WAKE and a wake-up (several microseconds more).  The helper
** spins longer for the host's next request: calls come in bursts. */
#define HOST_SPIN_NS 20000
#define HELPER_SPIN_NS 50000
/* Sleeps between checks of the socket (the peer's death), the timeout
** and the deadline. */
#define HOST_SLICE_MS 10
#define HELPER_SLICE_MS 200

static long futex(_Atomic uint32_t *w, int op, uint32_t v, const struct timespec *ts) {
  /* Not FUTEX_PRIVATE_FLAG: the word is shared between processes. */
  return syscall(SYS_futex, (uint32_t *)w, op, v, ts, NULL, 0);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static int one_cpu = -1; /* spinning is useless when the peer cannot run meanwhile */

static wp_rpc_ring_t *ring_wrap(uint8_t *base, size_t size, uint32_t cap, bool host) {
  wp_rpc_ring_t *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->copy = malloc(cap);
  if (!r->copy) {
    free(r);
    return NULL;
  }
  ring_head_t *h = (ring_head_t *)base;
  r->base = base;
  r->size = size;
  r->cap = cap;
  r->host = host;
  r->tx = &h->dir[host ? 0 : 1];
  r->rx = &h->dir[host ? 1 : 0];
  r->txdata = base + RING_DATA_OFF + (host ? 0 : cap);
  r->rxdata = base + RING_DATA_OFF + (host ? cap : 0);
  if (one_cpu < 0) one_cpu = sysconf(_SC_NPROCESSORS_ONLN) <= 1;
  r->spin_max = one_cpu ? 0 : host ? HOST_SPIN_NS : HELPER_SPIN_NS;
  r->spin_ns = r->spin_max;
  return r;
}

wp_rpc_ring_t *wp_rpc_ring_new(int *fd, char *why, size_t whylen) {
  size_t size = RING_DATA_OFF + 2 * (size_t)RING_CAP;
  int f = memfd_create("wasmplug-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (f < 0) {
    snprintf(why, whylen, "memfd_create: %s", strerror(errno));
    return NULL;
  }
  /* Sealed at its size: the helper can neither shrink it (the host's
  ** reads would fault) nor grow it. */
  if (ftruncate(f, (off_t)size) || fcntl(f, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
    snprintf(why, whylen, "sizing the ring: %s", strerror(errno));
    close(f);
    return NULL;
  }
  void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
  if (base == MAP_FAILED) {
    snprintf(why, whylen, "mapping the ring: %s", strerror(errno));
    close(f);
    return NULL;
  }
  ring_head_t *h = base;
  h->magic = WP_RPC_RING_MAGIC;
  h->cap = RING_CAP;
  wp_rpc_ring_t *r = ring_wrap(base, size, RING_CAP, true);
  if (!r) {
    munmap(base, size);
    close(f);
    snprintf(why, whylen, "out of memory");
    return NULL;
  }
  *fd = f;
  return r;
}

wp_rpc_ring_t *wp_rpc_ring_map(int fd, char *why, size_t whylen) {
  struct stat st;
  if (fstat(fd, &st)) {
    snprintf(why, whylen, "the ring's descriptor: %s", strerror(errno));
    return NULL;
  }
  size_t size = (size_t)st.st_size;
  if (size < RING_DATA_OFF || size > RING_DATA_OFF + ((size_t)2 << 30)) {
    snprintf(why, whylen, "the ring has a bad size (%zu bytes)", size);
    return NULL;
  }
  void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    snprintf(why, whylen, "mapping the ring: %s", strerror(errno));
    return NULL;
  }
  ring_head_t *h = base;
  uint32_t cap = h->cap;
  if (h->magic != WP_RPC_RING_MAGIC || cap == 0 || RING_DATA_OFF + 2 * (size_t)cap > size) {
    snprintf(why, whylen, "the ring's header is not one this helper knows");
    munmap(base, size);
    return NULL;
  }
  wp_rpc_ring_t *r = ring_wrap(base, size, cap, false);
  if (!r) {
    munmap(base, size);
    snprintf(why, whylen, "out of memory");
  }
  return r;
}

void wp_rpc_ring_free(wp_rpc_ring_t *r) {
  if (!r) return;
  munmap(r->base, r->size);
  free(r->copy);
  free(r);
}

void *wp_rpc_ring_memory(wp_rpc_ring_t *r, size_t *size) {
  *size = r->size;
  return r->base;
}

_Atomic uint32_t *wp_rpc_ring_stop(wp_rpc_ring_t *r) { return &((ring_head_t *)r->base)->stop; }

static void on_stop_signal(int sig) { (void)sig; /* its only job: EINTR */ }

void wp_rpc_stop_signal_install(int signo) {
  struct sigaction sa;
  if (signo <= 0 || sigaction(signo, NULL, &sa) || sa.sa_handler != SIG_DFL || (sa.sa_flags & SA_SIGINFO)) return;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: a blocking system call fails with EINTR */
  sigaction(signo, &sa, NULL);
}

/* ---------------------------------------------------------------- send */

/* seq_cst store, then the load of the receiver's flag: with the
** receiver's seq_cst store of the flag before its last look at seq, one
** of the two sees the other (no lost wake-up). */
static void publish(wp_rpc_ring_t *r) {
  atomic_store(&r->tx->seq, ++r->tx_seq);
  if (atomic_load(&r->tx->sleeping)) futex(&r->tx->seq, FUTEX_WAKE, 1, NULL);
}

int wp_rpc_ring_send(wp_rpc_conn_t *c, const uint8_t *frame, size_t len) {
  wp_rpc_ring_t *r = c->ring;
  if (len <= r->cap) {
    memcpy(r->txdata, frame, len);
    atomic_store_explicit(&r->tx->len, (uint32_t)len, memory_order_relaxed);
    publish(r);
    return 0;
  }
  /* Too large for the ring: the ring announces it, then the bytes go over
  ** the socket (the receiver reads them from there once announced, so
  ** the socket never holds bytes the ring has not announced). */
  atomic_store_explicit(&r->tx->len, WP_RPC_RING_ON_SOCKET, memory_order_relaxed);
  publish(r);
  for (size_t off = 0; off < len;) {
    ssize_t n = send(c->fd, frame + off, len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR && !wasmplug_call_interrupted()) continue;
    if (n <= 0) return -1;
    off += (size_t)n;
  }
  return 0;
}

/* ------------------------------------------------------------- receive */

/* Bytes on the socket while the ring carries the frames: EOF (the peer is
** gone), or something the ring did not announce.  NONE when nothing is
** there. */
typedef enum { SOCK_NONE, SOCK_EOF, SOCK_BYTES } sock_state_t;

static sock_state_t socket_state(wp_rpc_conn_t *c) {
  if (c->rlen > c->rpos) return SOCK_BYTES;
  uint8_t b;
  ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return SOCK_BYTES;
  if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return SOCK_EOF;
  return SOCK_NONE;
}

/* The socket has bytes the ring did not announce: read them as a frame,
** whose error (EOF, bad magic...) is the answer, else it is out of turn. */
static wp_rpc_io_t unannounced(wp_rpc_conn_t *c, char *why, size_t whylen) {
  wp_rpc_header_t h;
  const uint8_t *pl;
  wp_rpc_io_t st = wp_rpc_sock_recv(c, 1000, &h, &pl, why, whylen);
  if (st == WP_RPC_IO_TIMEOUT) {
    snprintf(why, whylen, "a partial frame on the socket the ring did not announce");
    return WP_RPC_IO_GARBAGE;
  }
  if (st) return st;
  snprintf(why, whylen, "a frame (kind %u) on the socket the ring did not announce", h.kind);
  return WP_RPC_IO_GARBAGE;
}

/* Waits until the peer's sequence number moves.  OK, or why not. */
static wp_rpc_io_t wait_seq(wp_rpc_conn_t *c, int timeout_ms, char *why, size_t whylen) {
  wp_rpc_ring_t *r = c->ring;
  uint32_t last = r->rx_seq;
  if (atomic_load_explicit(&r->rx->seq, memory_order_acquire) != last) return WP_RPC_IO_OK;
  int64_t t0 = (int64_t)wasmplug_monotonic_ns();
  if (r->spin_max > 0 && (r->spin_ns > 0 || (++r->waits & 15) == 0)) {
    /* Adaptive: a spin that ends in an answer is kept at its full length;
    ** one that ends empty-handed halves the next (the peer is not running
    ** meanwhile: a busy machine, or a slow call), down to none, with a
    ** short probe every 16th wait. */
    int64_t spin = r->spin_ns > 0 ? r->spin_ns : r->spin_max / 8;
    for (unsigned i = 1;; i++) {
      if (atomic_load_explicit(&r->rx->seq, memory_order_acquire) != last) {
        r->spin_ns = r->spin_max;
        return WP_RPC_IO_OK;
      }
      cpu_relax();
      if (!(i & 63) && (int64_t)wasmplug_monotonic_ns() - t0 > spin) break;
    }
    r->spin_ns = r->spin_ns > 1000 ? r->spin_ns / 2 : 0;
  }
  int64_t deadline = timeout_ms < 0 ? -1 : t0 + (int64_t)timeout_ms * 1000000;
  int slice = r->host ? HOST_SLICE_MS : HELPER_SLICE_MS;
  for (;;) {
    /* told of an interrupt: again every slice, as the watchdog repeats
    ** (a signal that came just before the plugin blocked is lost) */
    if (c->poke > 0) syscall(SYS_tgkill, c->poke, c->poke, WP_RPC_STOP_SIGNAL);
    atomic_store(&r->rx->sleeping, 1);
    long rc = 0;
    int err = 0;
    if (atomic_load(&r->rx->seq) == last) {
      int64_t left = deadline < 0 ? (int64_t)slice * 1000000 : deadline - (int64_t)wasmplug_monotonic_ns();
      if (left > (int64_t)slice * 1000000) left = (int64_t)slice * 1000000;
      if (left < 0) left = 0;
      struct timespec ts = {(time_t)(left / 1000000000), (long)(left % 1000000000)};
      rc = futex(&r->rx->seq, FUTEX_WAIT, last, &ts);
      err = rc ? errno : 0;
    }
    atomic_store(&r->rx->sleeping, 0);
    if (atomic_load_explicit(&r->rx->seq, memory_order_acquire) != last) return WP_RPC_IO_OK;
    if (err == EINTR && !c->poke && wasmplug_call_interrupted()) return WP_RPC_IO_INTERRUPTED;
    sock_state_t s = socket_state(c);
    /* A peer that answered and then ended: the answer counts. */
    if (s != SOCK_NONE && atomic_load_explicit(&r->rx->seq, memory_order_acquire) != last) return WP_RPC_IO_OK;
    if (s == SOCK_EOF) {
      snprintf(why, whylen, "connection closed");
      return WP_RPC_IO_EOF;
    }
    if (s == SOCK_BYTES) return unannounced(c, why, whylen);
    if (deadline >= 0 && (int64_t)wasmplug_monotonic_ns() >= deadline) return WP_RPC_IO_TIMEOUT;
  }
}

wp_rpc_io_t wp_rpc_ring_recv(wp_rpc_conn_t *c, int timeout_ms, wp_rpc_header_t *h, const uint8_t **payload,
                             char *why, size_t whylen) {
  wp_rpc_ring_t *r = c->ring;
  wp_rpc_io_t st = wait_seq(c, timeout_ms, why, whylen);
  if (st) return st;
  /* Each control word is read once; the frame is judged on a private copy. */
  uint32_t seq = atomic_load_explicit(&r->rx->seq, memory_order_acquire);
  uint32_t len = atomic_load_explicit(&r->rx->len, memory_order_relaxed);
  if (seq != r->rx_seq + 1) {
    snprintf(why, whylen, "ring message number %u after %u", seq, r->rx_seq);
    return WP_RPC_IO_GARBAGE;
  }
  r->rx_seq = seq;
  if (len == WP_RPC_RING_ON_SOCKET) return wp_rpc_sock_recv(c, timeout_ms, h, payload, why, whylen);
  if (len < WP_RPC_HEADER || len > r->cap) {
    snprintf(why, whylen, "ring frame of %u bytes (the ring holds %u)", len, r->cap);
    return WP_RPC_IO_GARBAGE;
  }
  memcpy(r->copy, r->rxdata, len);
  if (wp_rpc_header_get(r->copy, h, why, whylen)) return WP_RPC_IO_GARBAGE;
  if (h->len != len - WP_RPC_HEADER) {
    snprintf(why, whylen, "ring frame of %u bytes whose header says %u", len, h->len);
    return WP_RPC_IO_GARBAGE;
  }
  /* A byte on the socket now is one the plugin wrote there itself (the
  ** ring carries every frame): the exchange is corrupt.  A closed socket
  ** after a whole answer is the next call's business. */
  if (r->host && socket_state(c) == SOCK_BYTES) return unannounced(c, why, whylen);
  *payload = r->copy + WP_RPC_HEADER;
  return WP_RPC_IO_OK;
}
