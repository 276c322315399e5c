/*
** rpc_addr.c — plugin server addresses: "unix:PATH" and "tcp:HOST:PORT"
** (numeric IPv4 hosts: a plugin server is meant for this machine or a
** trusted network, and name lookups would block the host).
*/
#include "isolate/rpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(int fd, char *why, size_t whylen, const char *what, const char *addr) {
  snprintf(why, whylen, "%s %s: %s", what, addr, strerror(errno));
  if (fd >= 0) close(fd);
  return -1;
}

int wp_rpc_addr_socket(const char *addr, bool listen_on, char *why, size_t whylen) {
  if (!strncmp(addr, "unix:", 5)) {
    const char *path = addr + 5;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (!*path || strlen(path) >= sizeof sa.sun_path) {
      snprintf(why, whylen, "%s: a unix socket path must be 1 to %zu bytes", addr, sizeof sa.sun_path - 1);
      return -1;
    }
    memcpy(sa.sun_path, path, strlen(path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(fd, why, whylen, "socket for", addr);
    if (listen_on) {
      unlink(path); /* a stale socket from an earlier server */
      if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 64)) return fail(fd, why, whylen, "listen on", addr);
    } else if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
      return fail(fd, why, whylen, "cannot connect to plugin server", addr);
    }
    return fd;
  }
  if (!strncmp(addr, "tcp:", 4)) {
    const char *hp = addr + 4, *colon = strrchr(hp, ':');
    char host[64];
    if (!colon || (size_t)(colon - hp) >= sizeof host || !colon[1]) {
      snprintf(why, whylen, "%s: expected tcp:HOST:PORT with a numeric IPv4 host", addr);
      return -1;
    }
    memcpy(host, hp, (size_t)(colon - hp));
    host[colon - hp] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
      snprintf(why, whylen, "%s: expected tcp:HOST:PORT with a numeric IPv4 host and a port 0-65535", addr);
      return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(fd, why, whylen, "socket for", addr);
    int one = 1;
    /* Frames are small request/response pairs: Nagle would add 40 ms. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (listen_on) {
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 64)) return fail(fd, why, whylen, "listen on", addr);
    } else if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
      return fail(fd, why, whylen, "cannot connect to plugin server", addr);
    }
    return fd;
  }
  snprintf(why, whylen, "%s: a plugin server address is unix:PATH or tcp:HOST:PORT", addr);
  return -1;
}

wasmplug_error_t *wasmplug_plugin_server_socket(const char *addr, int *fd) {
  char why[300];
  *fd = wp_rpc_addr_socket(addr, true, why, sizeof why);
  return *fd < 0 ? wasmplug_error_new_kind(WASMPLUG_ERROR_IO, "plugin-serve: %s", why) : NULL;
}
