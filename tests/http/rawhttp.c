/*
** rawhttp.c — a deliberately badly behaved HTTP client for the serve tests:
** what curl will not do (malformed requests, clients that stall, vanish
** mid-body or read slowly).
**
**   rawhttp PORT send REQUEST          sends REQUEST (\r \n escapes), prints
**                                      the response's status line, or
**                                      "closed" when there is none
**   rawhttp PORT stall PREFIX SECS     sends an unfinished head, then waits:
**                                      prints "closed" when the server
**                                      hangs up within SECS, else "open"
**   rawhttp PORT abort PATH LEN SENT   POSTs PATH declaring LEN bytes, sends
**                                      SENT of them, then resets the
**                                      connection; prints "aborted"
**   rawhttp PORT dump REQUEST          sends REQUEST, prints the whole
**                                      response (CRs left out; trailers too)
**   rawhttp PORT slowread PATH SECS    GETs PATH, reads one byte, sleeps
**                                      SECS (the socket fills up: the server
**                                      must hold back), then reads the rest;
**                                      prints the body's byte count
**   rawhttp PORT noread PATH LEN SECS  POSTs PATH declaring LEN bytes and
**                                      sends them as the server takes them,
**                                      never reading a byte of the answer,
**                                      for SECS; then reads what is there
**                                      (2 s at most) and prints "sent N,
**                                      closed" when the server had hung up
**                                      ("sent N, open" when not)
**   rawhttp PORT trickle PATH N MS SECS GETs PATH (/big?SIZE) with a
**                                      small receive buffer, reading N bytes
**                                      every MS ms, for SECS at most: prints
**                                      "cut after B bytes" when the server
**                                      hung up before SIZE bytes came,
**                                      "complete" when they all did, else
**                                      "open after B bytes"
**   rawhttp 0 silent SECS              an upstream that never answers: listens
**                                      on a free port of 127.0.0.1, prints it,
**                                      prints "accepted" at each connection,
**                                      reads requests and answers nothing;
**                                      exits after SECS
*/
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A connection to the loopback port; rcvbuf > 0 sets its receive buffer
** first (before connect, so the window it advertises starts small). */
static int dial(int port, int rcvbuf) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0 && rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
    perror("rawhttp: connect");
    exit(1);
  }
  return fd;
}

/* \r \n \\ escapes. */
static size_t unescape(const char *s, char *out) {
  size_t n = 0;
  for (; *s; s++) {
    if (*s == '\\' && s[1] == 'r') out[n++] = '\r', s++;
    else if (*s == '\\' && s[1] == 'n') out[n++] = '\n', s++;
    else if (*s == '\\' && s[1] == '\\') out[n++] = '\\', s++;
    else out[n++] = *s;
  }
  return n;
}

static void send_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k <= 0) return;
    p += k;
    n -= (size_t)k;
  }
}

/* `silent`: accepts connections and reads them, never answering, for
** `secs` seconds (a bound, so that a failed test leaves no process). */
static int silent(int secs) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  socklen_t al = sizeof a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 64) ||
      getsockname(ls, (struct sockaddr *)&a, &al)) {
    perror("rawhttp: listen");
    return 1;
  }
  printf("%d\n", ntohs(a.sin_port));
  fflush(stdout);
  struct pollfd p[65];
  int n = 1;
  p[0].fd = ls;
  p[0].events = POLLIN;
  time_t end = time(NULL) + secs;
  while (time(NULL) < end) {
    if (poll(p, (nfds_t)n, 200) <= 0) continue;
    for (int i = 1; i < n; i++) {
      char b[4096];
      if ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) && recv(p[i].fd, b, sizeof b, 0) <= 0) {
        close(p[i].fd);
        p[i--] = p[--n];
      }
    }
    if ((p[0].revents & POLLIN) && n < 65) {
      int fd = accept(ls, NULL, NULL);
      if (fd >= 0) {
        p[n].fd = fd;
        p[n].events = POLLIN;
        p[n++].revents = 0;
        printf("accepted\n");
        fflush(stdout);
      }
    }
  }
  return 0;
}

/* Reads until the peer closes or `ms` pass without data; returns bytes. */
static size_t read_until_close(int fd, char *buf, size_t cap, int ms) {
  size_t n = 0;
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) break;
    char tmp[65536];
    ssize_t k = recv(fd, tmp, sizeof tmp, 0);
    if (k <= 0) break;
    size_t take = (size_t)k < cap - n ? (size_t)k : cap - n;
    if (buf) memcpy(buf + n, tmp, take);
    n += buf ? take : (size_t)k;
  }
  return n;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: rawhttp PORT send|stall|abort|dump|slowread|silent ...\n");
    return 2;
  }
  int port = atoi(argv[1]);
  const char *mode = argv[2];
  if (!strcmp(mode, "silent")) return silent(atoi(argv[3]));
  if (!strcmp(mode, "trickle") && argc == 7) {
    /* a small window: what the kernel buffers for us stays small, so the
    ** server sees our pace */
    int fd = dial(port, 4096);
    char head[512];
    int n = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", argv[3]);
    send_all(fd, head, (size_t)n);
    const char *q = strchr(argv[3], '?');
    size_t each = (size_t)atol(argv[4]), got = 0, size = q ? (size_t)atol(q + 1) : 0;
    int ms = atoi(argv[5]);
    time_t end = time(NULL) + atoi(argv[6]);
    char *b = malloc(each ? each : 1);
    bool closed = false;
    while (!closed && time(NULL) < end) {
      struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
      /* N bytes this turn (the window is small: several reads) */
      for (size_t turn = 0; turn < each && !closed;) {
        ssize_t k = recv(fd, b, each - turn, MSG_DONTWAIT);
        if (k > 0) got += (size_t)k, turn += (size_t)k;
        else if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) closed = true;
        else break;
      }
    }
    free(b);
    if (closed && got >= size) printf("complete\n");
    else printf("%s after %zu bytes\n", closed ? "cut" : "open", got);
    close(fd);
    return 0;
  }
  int fd = dial(port, 0);
  if (!strcmp(mode, "send")) {
    char *req = malloc(strlen(argv[3]) + 1);
    send_all(fd, req, unescape(argv[3], req));
    char buf[4096];
    size_t n = read_until_close(fd, buf, sizeof buf - 1, 5000);
    buf[n] = 0;
    char *eol = strstr(buf, "\r\n");
    if (eol) *eol = 0;
    printf("%s\n", n ? buf : "closed");
    free(req);
  } else if (!strcmp(mode, "dump") && argc == 4) {
    char *req = malloc(strlen(argv[3]) + 1);
    send_all(fd, req, unescape(argv[3], req));
    free(req);
    static char buf[1 << 16];
    size_t n = read_until_close(fd, buf, sizeof buf, 3000);
    for (size_t i = 0; i < n; i++) /* the whole response, CRs left out */
      if (buf[i] != '\r') putchar(buf[i]);
  } else if (!strcmp(mode, "stall") && argc == 5) {
    char *req = malloc(strlen(argv[3]) + 1);
    send_all(fd, req, unescape(argv[3], req));
    free(req);
    /* nothing more: a server without an idle timeout would wait forever */
    struct pollfd p = {fd, POLLIN, 0};
    int secs = atoi(argv[4]);
    char b[4096];
    bool closed = false;
    time_t end = time(NULL) + secs;
    while (!closed && time(NULL) <= end && poll(&p, 1, 200) >= 0) {
      if (p.revents) {
        ssize_t k = recv(fd, b, sizeof b, 0);
        closed = k <= 0;
      }
    }
    printf("%s\n", closed ? "closed" : "open");
  } else if (!strcmp(mode, "abort") && argc == 6) {
    char head[512];
    long total = atol(argv[4]), sent = atol(argv[5]);
    int n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %ld\r\n\r\n", argv[3], total);
    send_all(fd, head, (size_t)n);
    char chunk[4096];
    memset(chunk, 'a', sizeof chunk);
    for (long k = 0; k < sent; k += (long)sizeof chunk)
      send_all(fd, chunk, (size_t)(sent - k < (long)sizeof chunk ? sent - k : (long)sizeof chunk));
    struct linger l = {1, 0}; /* close with a reset, as a crashed client would */
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    printf("aborted\n");
  } else if (!strcmp(mode, "slowread") && argc == 5) {
    char head[512];
    int n = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", argv[3]);
    send_all(fd, head, (size_t)n);
    char b[1];
    if (recv(fd, b, 1, 0) != 1) {
      printf("closed\n");
      return 1;
    }
    sleep((unsigned)atoi(argv[4]));
    /* the rest: the head then the body; count the body's bytes */
    static char buf[1 << 16];
    size_t got = 1, body = 0;
    bool in_body = false;
    char last4[4] = {b[0], 0, 0, 0};
    for (;;) {
      ssize_t k = recv(fd, buf, sizeof buf, 0);
      if (k <= 0) break;
      for (ssize_t i = 0; i < k; i++) {
        if (in_body) {
          body++;
          continue;
        }
        memmove(last4, last4 + 1, 3);
        last4[3] = buf[i];
        if (!memcmp(last4, "\r\n\r\n", 4)) in_body = true;
      }
      got += (size_t)k;
    }
    printf("%zu\n", body);
  } else if (!strcmp(mode, "noread") && argc == 6) {
    char head[512];
    long total = atol(argv[4]), sent = 0;
    int n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %ld\r\n\r\n", argv[3], total);
    send_all(fd, head, (size_t)n);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    char chunk[16384];
    memset(chunk, 'b', sizeof chunk);
    time_t end = time(NULL) + atoi(argv[5]);
    bool gone = false;
    while (time(NULL) < end) {
      struct pollfd p = {fd, sent < total ? POLLOUT : 0, 0};
      if (poll(&p, 1, 200) < 0) break;
      if (p.revents & (POLLERR | POLLHUP)) {
        gone = true;
        break;
      }
      if (!(p.revents & POLLOUT)) continue;
      size_t k = total - sent < (long)sizeof chunk ? (size_t)(total - sent) : sizeof chunk;
      ssize_t w = send(fd, chunk, k, MSG_NOSIGNAL);
      if (w > 0) sent += w;
      else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        gone = true;
        break;
      }
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    /* what the server queued, then its end (or 2 s of silence: open) */
    if (!gone) {
      for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 2000) <= 0) break;
        char tmp[65536];
        ssize_t k = recv(fd, tmp, sizeof tmp, 0);
        if (k <= 0) {
          gone = true;
          break;
        }
      }
    }
    printf("sent %ld, %s\n", sent, gone ? "closed" : "open");
  } else {
    fprintf(stderr, "rawhttp: bad arguments\n");
    return 2;
  }
  close(fd);
  return 0;
}
