/* SPDX-License-Identifier: BSD-3-Clause */
/* The socket layer over loopback (127.0.0.1 and ::1): listen, connect, accept, data, groups. */
#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/test_common.h"

#include "sock/sock.h"

struct pair {
	struct srt_sock *listener, *client, *server;
};

/* Listen on an ephemeral port of addr, connect to it and accept. */
static int make_pair(const char *addr, struct pair *p)
{
	char port[16];
	unsigned lport;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = srt_sock_listen(addr, "0", &p->listener);
	if (rc != 0)
		return rc;
	assert_int_equal(srt_sock_get_local(p->listener, NULL, 0, &lport), 0);
	snprintf(port, sizeof(port), "%u", lport);
	assert_int_equal(srt_sock_connect(addr, port, 2000, &p->client), 0);
	for (int i = 0; i < 1000; i++) {
		rc = srt_sock_accept(p->listener, &p->server);
		if (rc != -EAGAIN)
			break;
		usleep(1000);
	}
	assert_int_equal(rc, 0);
	return 0;
}

static void close_pair(struct pair *p)
{
	srt_sock_close(&p->client);
	srt_sock_close(&p->server);
	srt_sock_close(&p->listener);
	assert_null(p->listener);
}

/* Receive exactly len bytes, spinning on -EAGAIN for a bounded time. */
static void recv_all(struct srt_sock *s, void *buf, size_t len)
{
	size_t got = 0;

	for (int i = 0; got < len && i < 100000; i++) {
		ssize_t n = srt_sock_recv(s, (char *)buf + got, len - got);

		if (n == -EAGAIN)
			continue;
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_int_equal(got, len);
}

static void exchange(const char *addr, int family)
{
	struct pair p;
	char a[] = "hello ", b[] = "world", buf[16] = { 0 }, peer[SRT_SOCK_ADDR_LEN];
	struct iovec iov[2] = { { a, 6 }, { b, 5 } };
	unsigned port;

	assert_int_equal(make_pair(addr, &p), 0);
	assert_int_equal(srt_sock_family(p.server), family);
	assert_int_equal(srt_sock_recv(p.server, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(srt_sock_writev(p.client, iov, 2), 11);
	recv_all(p.server, buf, 11);
	assert_string_equal(buf, "hello world");
	assert_int_equal(srt_sock_get_peer(p.server, peer, sizeof(peer), &port), 0);
	assert_string_equal(peer, addr);
	assert_true(port > 0);
	/* The peer closing shows as -ECONNRESET, not as a zero-length success. */
	srt_sock_close(&p.client);
	for (int i = 0; i < 100000; i++)
		if (srt_sock_recv(p.server, buf, sizeof(buf)) != -EAGAIN)
			break;
	assert_int_equal(srt_sock_recv(p.server, buf, sizeof(buf)), -ECONNRESET);
	close_pair(&p);
}

static void test_ipv4(void **state)
{
	(void)state;
	exchange("127.0.0.1", AF_INET);
}

static void test_ipv6(void **state)
{
	struct srt_sock *s;

	(void)state;
	if (srt_sock_listen("::1", "0", &s) != 0)
		skip(); /* a machine without IPv6 on loopback */
	srt_sock_close(&s);
	exchange("::1", AF_INET6);
}

static void test_bad_arguments(void **state)
{
	struct srt_sock *s = NULL;
	char buf[4];

	(void)state;
	log_capture_start();
	assert_int_equal(srt_sock_listen("localhost", "0", &s), -EINVAL);
	assert_logged("not a numeric");
	assert_int_equal(srt_sock_listen("127.0.0.1", "http", &s), -EINVAL);
	assert_int_equal(srt_sock_listen(NULL, "0", &s), -EINVAL);
	assert_int_equal(srt_sock_connect("127.0.0.1", "x", 0, &s), -EINVAL);
	assert_int_equal(srt_sock_recv(NULL, buf, 4), -EINVAL);
	assert_int_equal(srt_sock_writev(NULL, NULL, 0), -EINVAL);
	assert_int_equal(srt_sock_accept(NULL, &s), -EINVAL);
	srt_sock_close(NULL);
	srt_sock_close(&s);
	log_capture_stop();
}

static void test_connect_refused(void **state)
{
	struct srt_sock *l, *c = NULL;
	char port[16];
	unsigned lport;

	(void)state;
	/* A port that was just free: nothing listens on it. */
	assert_int_equal(srt_sock_listen("127.0.0.1", "0", &l), 0);
	assert_int_equal(srt_sock_get_local(l, NULL, 0, &lport), 0);
	srt_sock_close(&l);
	snprintf(port, sizeof(port), "%u", lport);
	log_capture_start();
	assert_int_equal(srt_sock_connect("127.0.0.1", port, 2000, &c), -ECONNREFUSED);
	assert_logged("cannot connect");
	assert_null(c);
	log_capture_stop();
}

struct group_ctx {
	int calls;
	bool close_it;
	struct srt_sock **sock;
};

static void on_readable(void *ctx, struct srt_sock *sock)
{
	struct group_ctx *g = ctx;
	char buf[64];

	g->calls++;
	(void)srt_sock_recv(sock, buf, sizeof(buf));
	if (g->close_it)
		srt_sock_close(g->sock);
}

static void test_group(void **state)
{
	struct srt_sock_group *group;
	struct pair p;
	struct group_ctx g = { 0 };
	struct iovec iov = { "x", 1 };
	int n = 0;

	(void)state;
	assert_int_equal(srt_sock_group_create(&group), 0);
	assert_int_equal(make_pair("127.0.0.1", &p), 0);
	g.sock = &p.server;
	assert_int_equal(srt_sock_group_add(group, p.server, on_readable, &g), 0);
	assert_int_equal(srt_sock_group_add(group, p.server, on_readable, &g), -EINVAL);
	assert_int_equal(srt_sock_group_poll(group, 0), 0);
	assert_int_equal(srt_sock_writev(p.client, &iov, 1), 1);
	for (int i = 0; i < 100000 && n == 0; i++)
		n = srt_sock_group_poll(group, 0);
	assert_int_equal(n, 1);
	assert_int_equal(g.calls, 1);
	/* Nothing more to read: no callback. */
	assert_int_equal(srt_sock_group_poll(group, 0), 0);
	assert_int_equal(srt_sock_group_destroy(&group), -EBUSY);
	/* A callback that closes its own socket. */
	g.close_it = true;
	assert_int_equal(srt_sock_writev(p.client, &iov, 1), 1);
	for (int i = 0; i < 100000 && g.calls == 1; i++)
		srt_sock_group_poll(group, 0);
	assert_int_equal(g.calls, 2);
	assert_null(p.server);
	assert_int_equal(srt_sock_group_destroy(&group), 0);
	close_pair(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),          cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_bad_arguments), cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
