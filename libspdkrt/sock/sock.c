/* SPDX-License-Identifier: BSD-3-Clause */
/* Non-blocking TCP sockets: listen, accept, connect, receive, vectored send. */
#define SRT_LOG_COMPONENT "sock"
#include "sock/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock/tls.h"
#include "util/log.h"

static int resolve(const char *addr, const char *port, bool passive, struct addrinfo **res)
{
	struct addrinfo hints;
	int rc;

	if (addr == NULL || port == NULL || res == NULL) {
		SRT_ERR("address and port are required");
		return -EINVAL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	rc = getaddrinfo(addr, port, &hints, res);
	if (rc != 0) {
		SRT_ERR("'%s' port '%s' is not a numeric IPv4/IPv6 address and port: %s", addr,
			port, gai_strerror(rc));
		return -EINVAL;
	}
	return 0;
}

static struct srt_sock *sock_wrap(int fd, int family)
{
	struct srt_sock *sock = calloc(1, sizeof(*sock));

	if (sock == NULL) {
		close(fd);
		return NULL;
	}
	sock->fd = fd;
	sock->family = family;
	return sock;
}

/* Latency over throughput: NVMe/TCP sends whole PDUs and waits for answers. */
static void sock_tune(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int srt_sock_listen(const char *addr, const char *port, struct srt_sock **sock)
{
	struct addrinfo *res;
	int one = 1, fd, rc;

	if (sock == NULL)
		return -EINVAL;
	rc = resolve(addr, port, true, &res);
	if (rc != 0)
		return rc;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (res->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 512) != 0) {
		rc = -errno;
		SRT_ERR("cannot listen on %s port %s: %s", addr, port, strerror(-rc));
		close(fd);
		goto out;
	}
	*sock = sock_wrap(fd, res->ai_family);
	if (*sock == NULL)
		rc = -ENOMEM;
	else
		(*sock)->listening = true;
out:
	freeaddrinfo(res);
	return rc;
}

int srt_sock_accept(struct srt_sock *listener, struct srt_sock **sock)
{
	int fd;

	if (listener == NULL || sock == NULL || !listener->listening)
		return -EINVAL;
	fd = accept4(listener->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return -EAGAIN;
		SRT_WARN("accept failed: %s", strerror(errno));
		return -errno;
	}
	sock_tune(fd);
	*sock = sock_wrap(fd, listener->family);
	return *sock == NULL ? -ENOMEM : 0;
}

static int wait_connected(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0, rc;

	do
		rc = poll(&pfd, 1, timeout_ms > 0 ? timeout_ms : -1);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return -ETIMEDOUT;
	if (rc < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return -errno;
	return -err;
}

int srt_sock_connect(const char *addr, const char *port, int timeout_ms, struct srt_sock **sock)
{
	struct addrinfo *res;
	int fd, rc;

	if (sock == NULL)
		return -EINVAL;
	rc = resolve(addr, port, false, &res);
	if (rc != 0)
		return rc;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		rc = errno == EINPROGRESS ? wait_connected(fd, timeout_ms) : -errno;
		if (rc != 0) {
			SRT_ERR("cannot connect to %s port %s: %s", addr, port, strerror(-rc));
			close(fd);
			goto out;
		}
	}
	sock_tune(fd);
	*sock = sock_wrap(fd, res->ai_family);
	if (*sock == NULL)
		rc = -ENOMEM;
out:
	freeaddrinfo(res);
	return rc;
}

ssize_t srt_sock_recv(struct srt_sock *sock, void *buf, size_t len)
{
	ssize_t n;

	if (sock == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (sock->tls != NULL)
		return srt_tls_recv(sock, buf, len);
	do
		n = recv(sock->fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return n;
	if (n == 0)
		return len == 0 ? 0 : -ECONNRESET;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return -EAGAIN;
	return -errno;
}

/* One recvmsg or sendmsg of a plain socket: the count, or -EAGAIN / -errno; a receive of 0
 * bytes is the peer's close (-ECONNRESET). */
static ssize_t msg_io(struct srt_sock *sock, const struct iovec *iov, int iovcnt, bool receive)
{
	struct msghdr msg = { .msg_iov = (struct iovec *)(uintptr_t)iov,
			      .msg_iovlen = (size_t)iovcnt };
	ssize_t n;

	do
		n = receive ? recvmsg(sock->fd, &msg, 0) : sendmsg(sock->fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n > 0 || (n == 0 && !receive))
		return n;
	if (n == 0)
		return -ECONNRESET;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return -EAGAIN;
	return -errno;
}

ssize_t srt_sock_readv(struct srt_sock *sock, const struct iovec *iov, int iovcnt)
{
	if (sock == NULL || iov == NULL || iovcnt <= 0)
		return -EINVAL;
	if (sock->tls != NULL)
		return srt_tls_recv(sock, iov[0].iov_base, iov[0].iov_len);
	return msg_io(sock, iov, iovcnt, true);
}

ssize_t srt_sock_writev(struct srt_sock *sock, const struct iovec *iov, int iovcnt)
{
	if (sock == NULL || iov == NULL || iovcnt <= 0)
		return -EINVAL;
	if (sock->tls != NULL)
		return srt_tls_writev(sock, iov, iovcnt);
	return msg_io(sock, iov, iovcnt, false);
}

int srt_sock_wait_readable(struct srt_sock *sock, int timeout_ms)
{
	struct pollfd pfd = { .events = POLLIN };
	int rc;

	if (sock == NULL)
		return -EINVAL;
	/* Bytes TLS already decrypted are not on the socket any more. */
	if (sock->tls != NULL && srt_tls_pending(sock))
		return 1;
	pfd.fd = sock->fd;
	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : rc > 0;
}

static int format_addr(const struct sockaddr_storage *ss, char *addr, size_t addr_len,
		       unsigned *port)
{
	const void *raw;
	in_port_t p;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		raw = &in->sin_addr;
		p = in->sin_port;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		raw = &in6->sin6_addr;
		p = in6->sin6_port;
	} else {
		return -EAFNOSUPPORT;
	}
	if (addr != NULL && inet_ntop(ss->ss_family, raw, addr, (socklen_t)addr_len) == NULL)
		return -errno;
	if (port != NULL)
		*port = ntohs(p);
	return 0;
}

static int sock_name(struct srt_sock *sock, bool peer, char *addr, size_t addr_len, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc;

	if (sock == NULL)
		return -EINVAL;
	rc = peer ? getpeername(sock->fd, (struct sockaddr *)&ss, &len) :
		    getsockname(sock->fd, (struct sockaddr *)&ss, &len);
	if (rc != 0)
		return -errno;
	return format_addr(&ss, addr, addr_len, port);
}

int srt_sock_get_local(struct srt_sock *sock, char *addr, size_t addr_len, unsigned *port)
{
	return sock_name(sock, false, addr, addr_len, port);
}

int srt_sock_get_peer(struct srt_sock *sock, char *addr, size_t addr_len, unsigned *port)
{
	return sock_name(sock, true, addr, addr_len, port);
}

int srt_sock_family(struct srt_sock *sock)
{
	return sock == NULL ? AF_UNSPEC : sock->family;
}

void srt_sock_close(struct srt_sock **psock)
{
	struct srt_sock *sock;

	if (psock == NULL || *psock == NULL)
		return;
	sock = *psock;
	*psock = NULL;
	srt_tls_free(sock);
	if (sock->group != NULL && srt_sock_group_forget(sock->group, sock))
		return; /* freed by the group once its poll loop is done with it */
	close(sock->fd);
	free(sock);
}
