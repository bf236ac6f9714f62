/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS 1.3 PSK over the socket layer on 127.0.0.1: a client and a server driven without
 * blocking from one thread. Right keys (both suites) carry data both ways, through a poll
 * group too; a wrong key, an unknown identity, a plaintext peer on either side and a
 * truncated record end in errors, never a hang.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/test_common.h"

#include "sock/internal.h"
#include "sock/tls.h"

#define KEY32 "NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:"
#define KEY48                                                                                      \
	"NVMeTLSkey-1:02:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vcSEgBQ==:"
#define OTHER32 "NVMeTLSkey-1:01:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOeXryU:"
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:0b7f1c9e-2f6a-4a49-9e57-5b8e6b3c1d01"
#define SUBNQN "nqn.2016-06.io.spdk:cnode1"
#define SPINS 200000

/* What the server's key lookup knows: one configured key for one host and subsystem. */
struct server_keys {
	const char *psk;
	const char *hostnqn;
	const char *subnqn;
	unsigned lookups;
};

static int find_psk(void *ctx, const char *identity, uint8_t *key, size_t *key_len)
{
	struct server_keys *k = ctx;
	char host[SRT_TLS_PSK_IDENTITY_MAX], sub[SRT_TLS_PSK_IDENTITY_MAX];
	struct srt_tls_psk psk;
	int hash;

	k->lookups++;
	if (srt_tls_psk_identity_parse(identity, &hash, host, sub) != 0 ||
	    strcmp(host, k->hostnqn) != 0 || strcmp(sub, k->subnqn) != 0)
		return -ENOENT;
	if (srt_tls_psk_parse(k->psk, &psk) != 0 || srt_tls_psk_cipher_hash(&psk) != hash)
		return -ENOENT;
	*key_len = psk.len;
	return srt_tls_psk_derive_tls(&psk, host, identity, key);
}

struct pair {
	struct srt_sock *listener, *client, *server;
};

static void make_pair(struct pair *p)
{
	char port[16];
	unsigned lport;
	int rc = -EAGAIN;

	memset(p, 0, sizeof(*p));
	assert_int_equal(srt_sock_listen("127.0.0.1", "0", &p->listener), 0);
	assert_int_equal(srt_sock_get_local(p->listener, NULL, 0, &lport), 0);
	snprintf(port, sizeof(port), "%u", lport);
	assert_int_equal(srt_sock_connect("127.0.0.1", port, 2000, &p->client), 0);
	for (int i = 0; i < 1000 && rc == -EAGAIN; i++) {
		rc = srt_sock_accept(p->listener, &p->server);
		if (rc == -EAGAIN)
			usleep(1000);
	}
	assert_int_equal(rc, 0);
}

static void close_pair(struct pair *p)
{
	srt_sock_close(&p->client);
	srt_sock_close(&p->server);
	srt_sock_close(&p->listener);
}

/* Drive both handshakes until neither is in progress; returns their results. */
static void handshake(struct pair *p, int *crc, int *src)
{
	*crc = *src = -EAGAIN;
	for (int i = 0; i < SPINS && (*crc == -EAGAIN || *src == -EAGAIN); i++) {
		if (*crc == -EAGAIN)
			*crc = srt_sock_tls_handshake(p->client);
		if (*src == -EAGAIN)
			*src = srt_sock_tls_handshake(p->server);
	}
}

static void tls_pair(struct pair *p, struct server_keys *keys, const char *client_psk)
{
	make_pair(p);
	assert_int_equal(srt_sock_tls_server_start(p->server, find_psk, keys), 0);
	assert_int_equal(srt_sock_tls_client_start(p->client, client_psk, HOSTNQN, SUBNQN), 0);
	assert_true(srt_sock_is_tls(p->client));
	assert_true(srt_sock_is_tls(p->server));
}

/* Send len bytes from one end while receiving them at the other, both non-blocking. */
static void transfer(struct srt_sock *from, struct srt_sock *to, size_t len)
{
	uint8_t *src = malloc(len), *dst = malloc(len);
	size_t sent = 0, got = 0;

	assert_non_null(src);
	assert_non_null(dst);
	for (size_t i = 0; i < len; i++)
		src[i] = (uint8_t)(i * 7 + i / 251);
	for (long i = 0; i < 50L * SPINS && got < len; i++) {
		if (sent < len) {
			/* Three iovecs: a small header-like piece, then the rest in two. */
			size_t left = len - sent, a = left < 24 ? left : 24, b = (left - a) / 2;
			struct iovec iov[3] = { { src + sent, a },
						{ src + sent + a, b },
						{ src + sent + a + b, left - a - b } };
			ssize_t n = srt_sock_writev(from, iov, 3);

			if (n != -EAGAIN) {
				assert_true(n > 0);
				sent += (size_t)n;
			}
		}
		ssize_t n = srt_sock_recv(to, dst + got, len - got);

		if (n != -EAGAIN) {
			assert_true(n > 0);
			got += (size_t)n;
		}
	}
	assert_int_equal(got, len);
	assert_memory_equal(src, dst, len);
	free(src);
	free(dst);
}

static void right_key(const char *psk)
{
	struct server_keys keys = { psk, HOSTNQN, SUBNQN, 0 };
	struct pair p;
	char want[SRT_TLS_PSK_IDENTITY_MAX];
	int crc, src;

	tls_pair(&p, &keys, psk);
	/* Reads before the handshake is done are -EAGAIN, not data or errors. */
	assert_int_equal(srt_sock_recv(p.server, want, 1), -EAGAIN);
	handshake(&p, &crc, &src);
	assert_int_equal(crc, 0);
	assert_int_equal(src, 0);
	assert_int_equal(keys.lookups, 1);
	snprintf(want, sizeof(want), "NVMe0R0%c %s %s", psk == (const char *)KEY48 ? '2' : '1',
		 HOSTNQN, SUBNQN);
	assert_string_equal(srt_sock_tls_identity(p.server), want);
	assert_null(srt_sock_tls_identity(p.client));
	transfer(p.client, p.server, 100);
	transfer(p.server, p.client, 3u << 20);
	transfer(p.client, p.server, 5u << 20);
	close_pair(&p);
}

static void right_key_sha256(void **state)
{
	(void)state;
	right_key(KEY32);
}

static void right_key_sha384(void **state)
{
	(void)state;
	right_key(KEY48);
}

/* The handshake started by the first write: the client sends before anyone called handshake. */
static void implicit_handshake(void **state)
{
	struct server_keys keys = { KEY32, HOSTNQN, SUBNQN, 0 };
	struct pair p;

	(void)state;
	tls_pair(&p, &keys, KEY32);
	transfer(p.client, p.server, 4096);
	transfer(p.server, p.client, 128);
	close_pair(&p);
}

static void expect_failure(const char *server_psk, const char *server_host, const char *client_psk)
{
	struct server_keys keys = { server_psk, server_host, SUBNQN, 0 };
	struct pair p;
	char buf[16];
	int crc, src;

	tls_pair(&p, &keys, client_psk);
	handshake(&p, &crc, &src);
	assert_int_equal(src, -EACCES);
	assert_true(crc < 0 && crc != -EAGAIN);
	/* Sticky: the connection is dead for receive and send alike. */
	assert_int_equal(srt_sock_recv(p.server, buf, sizeof(buf)), src);
	assert_int_equal(srt_sock_writev(p.server, &(struct iovec){ buf, 4 }, 1), src);
	assert_null(srt_sock_tls_identity(p.server));
	close_pair(&p);
}

static void wrong_key(void **state)
{
	(void)state;
	expect_failure(OTHER32, HOSTNQN, KEY32);
	/* Same key bytes, different suite: SHA-384 server key, SHA-256 client key. */
	expect_failure(KEY48, HOSTNQN, KEY32);
}

static void wrong_identity(void **state)
{
	(void)state;
	expect_failure(KEY32, "nqn.2014-08.org.example:another-host", KEY32);
}

/* A client that speaks plain NVMe/TCP (an ICReq) to a TLS server. */
static void plaintext_client(void **state)
{
	struct server_keys keys = { KEY32, HOSTNQN, SUBNQN, 0 };
	uint8_t icreq[128] = { 0x00, 0x00, 128, 0, 128, 0, 0, 0 };
	struct iovec iov = { icreq, sizeof(icreq) };
	struct pair p;
	int rc = -EAGAIN;

	(void)state;
	make_pair(&p);
	assert_int_equal(srt_sock_tls_server_start(p.server, find_psk, &keys), 0);
	assert_int_equal(srt_sock_writev(p.client, &iov, 1), (ssize_t)sizeof(icreq));
	for (int i = 0; i < SPINS && rc == -EAGAIN; i++)
		rc = (int)srt_sock_recv(p.server, icreq, sizeof(icreq));
	assert_int_equal(rc, -EPROTO);
	assert_int_equal(keys.lookups, 0);
	close_pair(&p);
}

/* A TLS client against a server that answers in plaintext, then closes. */
static void plaintext_server(void **state)
{
	uint8_t junk[64], buf[512];
	struct iovec iov = { junk, sizeof(junk) };
	struct pair p;
	int rc = -EAGAIN;

	(void)state;
	make_pair(&p);
	assert_int_equal(srt_sock_tls_client_start(p.client, KEY32, HOSTNQN, SUBNQN), 0);
	assert_int_equal(srt_sock_tls_handshake(p.client), -EAGAIN);
	for (int i = 0; i < SPINS && srt_sock_recv(p.server, buf, sizeof(buf)) == -EAGAIN; i++)
		;
	memset(junk, 'A', sizeof(junk));
	assert_int_equal(srt_sock_writev(p.server, &iov, 1), (ssize_t)sizeof(junk));
	for (int i = 0; i < SPINS && rc == -EAGAIN; i++)
		rc = srt_sock_tls_handshake(p.client);
	assert_true(rc < 0 && rc != -EAGAIN);
	close_pair(&p);
}

/* Established TLS; then the client writes raw bytes under TLS (and, if asked, closes):
 * @return what the server's receive says. */
static ssize_t server_recv_after_raw(const uint8_t *raw, size_t len, bool close_after)
{
	static struct server_keys keys = { KEY32, HOSTNQN, SUBNQN, 0 };
	uint8_t buf[512];
	struct pair p;
	ssize_t n = -EAGAIN;
	int crc, src;

	tls_pair(&p, &keys, KEY32);
	handshake(&p, &crc, &src);
	assert_int_equal(crc, 0);
	assert_int_equal(src, 0);
	assert_int_equal(send(p.client->fd, raw, len, MSG_NOSIGNAL), (ssize_t)len);
	if (close_after)
		assert_int_equal(shutdown(p.client->fd, SHUT_WR), 0);
	for (int i = 0; i < SPINS && n == -EAGAIN; i++)
		n = srt_sock_recv(p.server, buf, sizeof(buf));
	close_pair(&p);
	return n;
}

/* A record header and part of its body, then the client closes: an error, not a hang. */
static void truncated_record(void **state)
{
	uint8_t rec[5 + 40] = { 0x17, 0x03, 0x03, 0x01, 0x00 }; /* application data, 256 bytes */
	ssize_t n;

	(void)state;
	memset(rec + 5, 0x5a, sizeof(rec) - 5);
	n = server_recv_after_raw(rec, sizeof(rec), true);
	assert_true(n < 0 && n != -EAGAIN);
}

/* A record with a forged body (authentication fails) is an error too. */
static void forged_record(void **state)
{
	uint8_t rec[5 + 64] = { 0x17, 0x03, 0x03, 0x00, 64 };

	(void)state;
	memset(rec + 5, 0x11, sizeof(rec) - 5);
	assert_int_equal(server_recv_after_raw(rec, sizeof(rec), false), -EPROTO);
}

/* The peer going away under a TLS writer is an error, not SIGPIPE. */
static void peer_gone_while_writing(void **state)
{
	struct server_keys keys = { KEY32, HOSTNQN, SUBNQN, 0 };
	static uint8_t data[256 * 1024];
	struct iovec iov = { data, sizeof(data) };
	struct pair p;
	ssize_t n = 0;
	int crc, src;

	(void)state;
	tls_pair(&p, &keys, KEY32);
	handshake(&p, &crc, &src);
	assert_int_equal(src, 0);
	srt_sock_close(&p.server);
	for (int i = 0; i < SPINS && (n >= 0 || n == -EAGAIN); i++) {
		n = srt_sock_writev(p.client, &iov, 1);
		if (n == -EAGAIN)
			usleep(100);
	}
	assert_true(n < 0 && n != -EAGAIN);
	close_pair(&p);
}

struct group_reader {
	struct srt_sock *sock;
	uint8_t buf[40000];
	size_t got;
	int error;
};

/* Reads a little per call: the rest of each record stays inside OpenSSL. */
static void group_cb(void *ctx, struct srt_sock *sock)
{
	struct group_reader *r = ctx;
	size_t want = sizeof(r->buf) - r->got < 1000 ? sizeof(r->buf) - r->got : 1000;
	ssize_t n = srt_sock_recv(sock, r->buf + r->got, want);

	if (n > 0)
		r->got += (size_t)n;
	else if (n != -EAGAIN)
		r->error = (int)n;
}

/* Decrypted bytes left in OpenSSL reach the callback through the group's ready list. */
static void group_ready_list(void **state)
{
	struct server_keys keys = { KEY32, HOSTNQN, SUBNQN, 0 };
	static struct group_reader r;
	struct srt_sock_group *group;
	uint8_t data[sizeof(r.buf)];
	size_t sent = 0;
	struct pair p;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i % 253);
	tls_pair(&p, &keys, KEY32);
	assert_int_equal(srt_sock_group_create(&group), 0);
	assert_int_equal(srt_sock_group_add(group, p.server, group_cb, &r), 0);
	for (int i = 0; i < SPINS && (sent < sizeof(data) || r.got < sizeof(data)); i++) {
		if (sent < sizeof(data)) {
			struct iovec iov = { data + sent, sizeof(data) - sent };
			ssize_t n = srt_sock_writev(p.client, &iov, 1);

			if (n > 0)
				sent += (size_t)n;
			else
				assert_int_equal(n, -EAGAIN);
		}
		assert_true(srt_sock_group_poll(group, 0) >= 0);
		assert_int_equal(r.error, 0);
	}
	assert_int_equal(r.got, sizeof(data));
	assert_memory_equal(r.buf, data, sizeof(data));
	/* Closing a socket on the ready list unlinks it. */
	srt_sock_close(&p.server);
	assert_int_equal(srt_sock_group_poll(group, 0), 0);
	assert_int_equal(srt_sock_group_destroy(&group), 0);
	close_pair(&p);
}

static void bad_args(void **state)
{
	struct server_keys keys = { KEY32, HOSTNQN, SUBNQN, 0 };
	struct pair p;

	(void)state;
	make_pair(&p);
	assert_int_equal(srt_sock_tls_server_start(NULL, find_psk, &keys), -EINVAL);
	assert_int_equal(srt_sock_tls_server_start(p.server, NULL, &keys), -EINVAL);
	assert_int_equal(srt_sock_tls_client_start(p.client, NULL, HOSTNQN, SUBNQN), -EINVAL);
	assert_int_equal(srt_sock_tls_client_start(p.client, "NVMeTLSkey-1:01:bad:", HOSTNQN,
						   SUBNQN),
			 -EINVAL);
	assert_false(srt_sock_is_tls(p.client));
	assert_int_equal(srt_sock_tls_handshake(p.client), -EINVAL);
	/* A listening socket cannot carry TLS; nor can a socket twice. */
	assert_true(srt_sock_tls_server_start(p.listener, find_psk, &keys) < 0);
	assert_int_equal(srt_sock_tls_server_start(p.server, find_psk, &keys), 0);
	assert_true(srt_sock_tls_server_start(p.server, find_psk, &keys) < 0);
	close_pair(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(right_key_sha256),   cmocka_unit_test(right_key_sha384),
		cmocka_unit_test(implicit_handshake), cmocka_unit_test(wrong_key),
		cmocka_unit_test(wrong_identity),     cmocka_unit_test(plaintext_client),
		cmocka_unit_test(plaintext_server),   cmocka_unit_test(truncated_record),
		cmocka_unit_test(forged_record),      cmocka_unit_test(peer_gone_while_writing),
		cmocka_unit_test(group_ready_list),   cmocka_unit_test(bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
