/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Non-blocking TCP sockets polled from spdkrt threads, and poll groups (one epoll set per
 * thread) that tell which sockets have data. No thread per connection: a poll group's owner
 * calls srt_sock_group_poll() from a poller. IPv4 and IPv6, numeric addresses only (NVMe
 * transport addresses are numeric). A socket belongs to one thread at a time.
 */
#ifndef SRT_SOCK_H
#define SRT_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct srt_sock;
struct srt_sock_group;

/* Longest numeric address text, with room for an IPv6 scope. */
#define SRT_SOCK_ADDR_LEN 64

/* Listen on addr:port (port "0": the kernel picks; see srt_sock_get_local). -EINVAL for an
 * address that is not numeric IPv4/IPv6, or the bind/listen errno. */
int srt_sock_listen(const char *addr, const char *port, struct srt_sock **sock);

/* Accept one pending connection: 0, -EAGAIN when none is waiting, or the accept errno. */
int srt_sock_accept(struct srt_sock *listener, struct srt_sock **sock);

/* Connect to addr:port. Waits up to timeout_ms for the TCP handshake (0: forever); the socket
 * is non-blocking afterwards. */
int srt_sock_connect(const char *addr, const char *port, int timeout_ms, struct srt_sock **sock);

/* Receive up to len bytes: the count, -EAGAIN when nothing is there, -ECONNRESET when the peer
 * closed, or another negative errno. */
ssize_t srt_sock_recv(struct srt_sock *sock, void *buf, size_t len);

/* Receive into iov in order, as srt_sock_recv returns. Over TLS only iov[0] is filled per call
 * (a short read, as readv may be). */
ssize_t srt_sock_readv(struct srt_sock *sock, const struct iovec *iov, int iovcnt);

/* Send from iov: the count sent (maybe partial), -EAGAIN, or a negative errno (-EPIPE...). */
ssize_t srt_sock_writev(struct srt_sock *sock, const struct iovec *iov, int iovcnt);

/* Wait up to timeout_ms for data (or the peer's close) on a socket, for callers that block
 * (a host connecting). @return 1 when readable, 0 on timeout, or a negative errno. */
int srt_sock_wait_readable(struct srt_sock *sock, int timeout_ms);

/* Close and free; *sock becomes NULL. Removes it from its poll group first. */
void srt_sock_close(struct srt_sock **sock);

/* Local or peer numeric address and port of a socket. */
int srt_sock_get_local(struct srt_sock *sock, char *addr, size_t addr_len, unsigned *port);
int srt_sock_get_peer(struct srt_sock *sock, char *addr, size_t addr_len, unsigned *port);

/* @return the address family of a socket's address (AF_INET or AF_INET6). */
int srt_sock_family(struct srt_sock *sock);

/* Called by srt_sock_group_poll() for a socket that has data (or was closed by the peer). */
typedef void (*srt_sock_cb)(void *ctx, struct srt_sock *sock);

int srt_sock_group_create(struct srt_sock_group **group);
/* Destroy an empty group: -EBUSY while sockets are still in it. */
int srt_sock_group_destroy(struct srt_sock_group **group);
/* Add a socket: cb(ctx, sock) runs from srt_sock_group_poll() while it is readable. */
int srt_sock_group_add(struct srt_sock_group *group, struct srt_sock *sock, srt_sock_cb cb,
		       void *ctx);
int srt_sock_group_remove(struct srt_sock_group *group, struct srt_sock *sock);
/* Run the callbacks of up to max_events readable sockets, without waiting. @return how many
 * ran, or a negative errno. A callback may close its own socket. */
int srt_sock_group_poll(struct srt_sock_group *group, int max_events);

#endif
