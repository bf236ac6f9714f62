/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS 1.3 PSK over a non-blocking socket with OpenSSL: PSK-only handshakes (the client offers
 * one external PSK through the use-session callback, the server looks it up through the
 * find-session callback), no session tickets, and receive/send that turn OpenSSL's
 * WANT_READ/WANT_WRITE into -EAGAIN. Decrypted bytes OpenSSL still holds, or a handshake
 * waiting to write, put the socket on its poll group's ready list so it is called again
 * without new bytes on the wire.
 */
#define SRT_LOG_COMPONENT "tls"
#include "sock/tls.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "sock/internal.h"
#include "util/log.h"

/* One TLS record's worth of plaintext per SSL_write. */
#define TLS_WRITE_CHUNK 16384u

struct srt_tls {
	SSL_CTX *ctx;
	SSL *ssl;
	bool server;
	bool established;
	/* The first error, returned by every call after it (OpenSSL's state is dead). */
	int error;
	/* An error found after some bytes were returned: reported by the next call. */
	int deferred_error;
	/* Bytes an SSL_write took and did not finish: the next write must offer them again. */
	size_t write_pending;
	uint8_t *wbuf;
	/* Client: the TLS PSK (until the handshake is done) and identity it offers. */
	uint8_t key[SRT_TLS_PSK_MAX_LEN];
	size_t key_len;
	char identity[SRT_TLS_PSK_IDENTITY_MAX];
	/* Server: how to find a client's key; the identity it was found for. */
	srt_sock_tls_psk_cb find_psk;
	void *find_ctx;
	bool identity_found;
	/* The peer address, for log lines. */
	char peer[SRT_SOCK_ADDR_LEN + 8];
};

static const unsigned char g_suite_sha256[2] = { 0x13, 0x01 }; /* TLS_AES_128_GCM_SHA256 */
static const unsigned char g_suite_sha384[2] = { 0x13, 0x02 }; /* TLS_AES_256_GCM_SHA384 */

/*
 * OpenSSL's socket BIO writes with write(), which raises SIGPIPE when the peer has gone; a
 * library must not kill its process for that. This BIO sends with MSG_NOSIGNAL.
 */
static BIO_METHOD *g_bio_method;
static pthread_once_t g_bio_once = PTHREAD_ONCE_INIT;

static int bio_fd(BIO *bio)
{
	return (int)(intptr_t)BIO_get_data(bio);
}

static int bio_write(BIO *bio, const char *data, int len)
{
	ssize_t n;

	do
		n = send(bio_fd(bio), data, (size_t)len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	BIO_clear_retry_flags(bio);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_write(bio);
	return (int)n;
}

static int bio_read(BIO *bio, char *buf, int len)
{
	ssize_t n;

	do
		n = recv(bio_fd(bio), buf, (size_t)len, 0);
	while (n < 0 && errno == EINTR);
	BIO_clear_retry_flags(bio);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_read(bio);
	return (int)n;
}

static long bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	(void)bio;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *bio)
{
	BIO_set_init(bio, 1);
	return 1;
}

static void bio_method_init(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "spdkrt sock");

	if (m == NULL)
		return;
	if (BIO_meth_set_write(m, bio_write) != 1 || BIO_meth_set_read(m, bio_read) != 1 ||
	    BIO_meth_set_ctrl(m, bio_ctrl) != 1 || BIO_meth_set_create(m, bio_create) != 1) {
		BIO_meth_free(m);
		return;
	}
	g_bio_method = m;
}

static BIO *sock_bio(int fd)
{
	BIO *bio;

	pthread_once(&g_bio_once, bio_method_init);
	if (g_bio_method == NULL)
		return NULL;
	bio = BIO_new(g_bio_method);
	if (bio != NULL)
		BIO_set_data(bio, (void *)(intptr_t)fd);
	return bio;
}

/* An external PSK as OpenSSL takes it: a TLS 1.3 session with the key as master secret. */
static SSL_SESSION *psk_session(SSL *ssl, const uint8_t *key, size_t key_len)
{
	const SSL_CIPHER *cipher =
		SSL_CIPHER_find(ssl, key_len == 48 ? g_suite_sha384 : g_suite_sha256);
	SSL_SESSION *sess;

	if (cipher == NULL)
		return NULL;
	sess = SSL_SESSION_new();
	if (sess == NULL)
		return NULL;
	if (SSL_SESSION_set1_master_key(sess, key, key_len) != 1 ||
	    SSL_SESSION_set_cipher(sess, cipher) != 1 ||
	    SSL_SESSION_set_protocol_version(sess, TLS1_3_VERSION) != 1) {
		SSL_SESSION_free(sess);
		return NULL;
	}
	return sess;
}

static int client_use_session(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *id_len,
			      SSL_SESSION **sess)
{
	struct srt_tls *tls = SSL_get_app_data(ssl);
	SSL_SESSION *s = psk_session(ssl, tls->key, tls->key_len);

	*sess = NULL;
	if (s == NULL)
		return 0;
	/* After a HelloRetryRequest the PSK must match the chosen suite's hash. */
	if (md != NULL && md != SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(s))) {
		SSL_SESSION_free(s);
		return 1;
	}
	*id = (const unsigned char *)tls->identity;
	*id_len = strlen(tls->identity);
	*sess = s;
	return 1;
}

/* A PSK identity is printable ASCII (two NQNs); anything else is refused unlogged. */
static bool identity_printable(const unsigned char *id, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isprint(id[i]))
			return false;
	return true;
}

static int server_find_session(SSL *ssl, const unsigned char *id, size_t id_len, SSL_SESSION **sess)
{
	struct srt_tls *tls = SSL_get_app_data(ssl);
	uint8_t key[SRT_TLS_PSK_MAX_LEN];
	size_t key_len = sizeof(key);

	/* No session: the handshake fails, since there is no certificate to fall back to. */
	*sess = NULL;
	if (id_len == 0 || id_len >= sizeof(tls->identity) || !identity_printable(id, id_len)) {
		SRT_ERR("%s: TLS PSK identity of %zu bytes is malformed", tls->peer, id_len);
		return 1;
	}
	memcpy(tls->identity, id, id_len);
	tls->identity[id_len] = '\0';
	if (tls->find_psk(tls->find_ctx, tls->identity, key, &key_len) != 0 ||
	    (key_len != 32 && key_len != 48)) {
		SRT_ERR("%s: no TLS PSK for identity '%s'", tls->peer, tls->identity);
		OPENSSL_cleanse(key, sizeof(key));
		return 1;
	}
	*sess = psk_session(ssl, key, key_len);
	OPENSSL_cleanse(key, sizeof(key));
	if (*sess == NULL)
		return 0;
	tls->identity_found = true;
	return 1;
}

static struct srt_tls *tls_new(struct srt_sock *sock, bool server, const char *suites)
{
	struct srt_tls *tls;
	unsigned port = 0;
	char addr[SRT_SOCK_ADDR_LEN];
	BIO *bio;

	if (sock == NULL || sock->tls != NULL || sock->listening) {
		SRT_ERR("TLS needs a connected socket without TLS");
		return NULL;
	}
	tls = calloc(1, sizeof(*tls));
	if (tls == NULL)
		return NULL;
	tls->server = server;
	if (srt_sock_get_peer(sock, addr, sizeof(addr), &port) == 0)
		snprintf(tls->peer, sizeof(tls->peer), "%s:%u", addr, port);
	else
		snprintf(tls->peer, sizeof(tls->peer), "?");
	tls->wbuf = malloc(TLS_WRITE_CHUNK);
	tls->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (tls->wbuf == NULL || tls->ctx == NULL)
		goto fail;
	/* TLS 1.3 only, PSK only: no tickets to resume with, no TLS 1.2 cipher list. */
	if (SSL_CTX_set_min_proto_version(tls->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(tls->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(tls->ctx, suites) != 1)
		goto fail;
	SSL_CTX_set_num_tickets(tls->ctx, 0);
	SSL_CTX_set_options(tls->ctx, SSL_OP_NO_TICKET);
	/* Partial writes return per record; a retried write may come from another buffer. */
	SSL_CTX_set_mode(tls->ctx,
			 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	tls->ssl = SSL_new(tls->ctx);
	if (tls->ssl == NULL)
		goto fail;
	bio = sock_bio(sock->fd);
	if (bio == NULL)
		goto fail;
	/* The SSL owns the BIO from here (one reference for both directions). */
	SSL_set_bio(tls->ssl, bio, bio);
	SSL_set_app_data(tls->ssl, tls);
	return tls;
fail:
	SRT_ERR("cannot set up TLS: %s", ERR_reason_error_string(ERR_get_error()));
	ERR_clear_error();
	SSL_free(tls->ssl);
	SSL_CTX_free(tls->ctx);
	free(tls->wbuf);
	free(tls);
	return NULL;
}

int srt_sock_tls_server_start(struct srt_sock *sock, srt_sock_tls_psk_cb find_psk, void *ctx)
{
	struct srt_tls *tls;

	if (sock == NULL || find_psk == NULL)
		return -EINVAL;
	tls = tls_new(sock, true, "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256");
	if (tls == NULL)
		return -ENOMEM;
	tls->find_psk = find_psk;
	tls->find_ctx = ctx;
	SSL_set_psk_find_session_callback(tls->ssl, server_find_session);
	SSL_set_accept_state(tls->ssl);
	sock->tls = tls;
	return 0;
}

int srt_sock_tls_client_start(struct srt_sock *sock, const char *psk_text, const char *hostnqn,
			      const char *subnqn)
{
	struct srt_tls_psk psk;
	struct srt_tls *tls;
	int rc;

	if (sock == NULL || psk_text == NULL || hostnqn == NULL || subnqn == NULL)
		return -EINVAL;
	rc = srt_tls_psk_parse(psk_text, &psk);
	if (rc != 0)
		return rc;
	tls = tls_new(sock, false,
		      psk.len == 48 ? "TLS_AES_256_GCM_SHA384" : "TLS_AES_128_GCM_SHA256");
	if (tls == NULL) {
		OPENSSL_cleanse(&psk, sizeof(psk));
		return -ENOMEM;
	}
	rc = srt_tls_psk_identity(&psk, hostnqn, subnqn, tls->identity, sizeof(tls->identity));
	if (rc == 0)
		rc = srt_tls_psk_derive_tls(&psk, hostnqn, tls->identity, tls->key);
	tls->key_len = psk.len;
	OPENSSL_cleanse(&psk, sizeof(psk));
	if (rc != 0) {
		sock->tls = tls;
		srt_tls_free(sock);
		return rc;
	}
	SSL_set_psk_use_session_callback(tls->ssl, client_use_session);
	SSL_set_connect_state(tls->ssl);
	sock->tls = tls;
	return 0;
}

bool srt_sock_is_tls(const struct srt_sock *sock)
{
	return sock != NULL && sock->tls != NULL;
}

const char *srt_sock_tls_identity(const struct srt_sock *sock)
{
	if (sock == NULL || sock->tls == NULL || !sock->tls->server || !sock->tls->identity_found ||
	    !sock->tls->established)
		return NULL;
	return sock->tls->identity;
}

/* Did the handshake end on an alert about the key (binder, decryption) or a missing one? */
static bool key_refused(unsigned long err)
{
	int reason = ERR_GET_REASON(err);

	return reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE ||
	       reason == SSL_R_TLSV1_ALERT_DECRYPT_ERROR || reason == SSL_R_BAD_PSK ||
	       reason == SSL_R_BINDER_DOES_NOT_VERIFY || reason == SSL_R_NO_SHARED_CIPHER ||
	       reason == SSL_R_TLSV1_ALERT_UNKNOWN_PSK_IDENTITY ||
	       reason == SSL_R_NO_SUITABLE_KEY_SHARE || reason == SSL_R_NO_CERTIFICATE_SET ||
	       reason == SSL_R_MISSING_PSK_KEX_MODES_EXTENSION ||
	       /* OpenSSL answers a binder that does not verify with illegal_parameter, and an
		* unknown identity, having no certificate, with a signature algorithm failure. */
	       reason == SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER ||
	       reason == SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM;
}

/* Turn an SSL_get_error() result into -EAGAIN or a sticky negative errno with a log line. */
static int tls_fail(struct srt_sock *sock, int ssl_err, const char *what)
{
	struct srt_tls *tls = sock->tls;
	unsigned long err;
	int rc;

	if (ssl_err == SSL_ERROR_WANT_READ)
		return -EAGAIN;
	if (ssl_err == SSL_ERROR_WANT_WRITE) {
		/* Nothing to read may come until we write: poll this socket again. */
		srt_sock_group_mark_ready(sock);
		return -EAGAIN;
	}
	err = ERR_peek_error();
	if (ssl_err == SSL_ERROR_ZERO_RETURN) {
		SRT_INFO("%s: TLS peer closed the connection", tls->peer);
		rc = -ECONNRESET;
	} else if (ssl_err == SSL_ERROR_SYSCALL) {
		rc = errno != 0 ? -errno : -ECONNRESET;
		if (rc == -EAGAIN || rc == -EINTR)
			rc = -ECONNRESET;
		SRT_INFO("%s: TLS connection lost during %s: %s", tls->peer, what, strerror(-rc));
	} else if (ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		SRT_WARN("%s: TLS peer closed the connection without close_notify during %s%s",
			 tls->peer, what, tls->established ? "" : " (handshake)");
		rc = -ECONNRESET;
	} else if (!tls->established && key_refused(err)) {
		SRT_ERR("%s: TLS handshake failed: the PSK was refused (%s)", tls->peer,
			ERR_reason_error_string(err));
		rc = -EACCES;
	} else {
		SRT_ERR("%s: TLS %s during %s: %s", tls->peer,
			tls->established ? "error" : "handshake failed", what,
			err != 0 ? ERR_reason_error_string(err) : "unknown");
		rc = -EPROTO;
	}
	ERR_clear_error();
	tls->error = rc;
	return rc;
}

static void note_established(struct srt_tls *tls)
{
	if (tls->established || !SSL_is_init_finished(tls->ssl))
		return;
	tls->established = true;
	/* The client's PSK served the handshake only (TLS 1.3 has no renegotiation): wipe it now
	 * rather than keep it for the connection's life. */
	OPENSSL_cleanse(tls->key, sizeof(tls->key));
	tls->key_len = 0;
	SRT_INFO("%s: TLS 1.3 established (%s)%s%s", tls->peer,
		 SSL_CIPHER_get_name(SSL_get_current_cipher(tls->ssl)),
		 tls->server ? ", PSK identity " : "", tls->server ? tls->identity : "");
}

int srt_sock_tls_handshake(struct srt_sock *sock)
{
	struct srt_tls *tls;
	int rc;

	if (sock == NULL || sock->tls == NULL)
		return -EINVAL;
	tls = sock->tls;
	if (tls->error != 0)
		return tls->error;
	if (tls->established)
		return 0;
	ERR_clear_error();
	rc = SSL_do_handshake(tls->ssl);
	if (rc == 1) {
		note_established(tls);
		return 0;
	}
	return tls_fail(sock, SSL_get_error(tls->ssl, rc), "handshake");
}

ssize_t srt_tls_recv(struct srt_sock *sock, void *buf, size_t len)
{
	struct srt_tls *tls = sock->tls;
	size_t got = 0;

	if (tls->error != 0)
		return tls->error;
	if (tls->deferred_error != 0) {
		tls->error = tls->deferred_error;
		return tls->error;
	}
	while (got < len) {
		size_t n = 0;
		int rc;

		ERR_clear_error();
		rc = SSL_read_ex(tls->ssl, (uint8_t *)buf + got, len - got, &n);
		if (rc == 1) {
			note_established(tls);
			got += n;
			continue;
		}
		rc = tls_fail(sock, SSL_get_error(tls->ssl, rc), "receive");
		if (got == 0)
			return rc;
		if (rc != -EAGAIN) {
			/* Hand over what arrived before the error first. */
			tls->deferred_error = rc;
			tls->error = 0;
		}
		break;
	}
	note_established(tls);
	/* A record only partly returned stays in OpenSSL, not on the socket. */
	if (SSL_has_pending(tls->ssl))
		srt_sock_group_mark_ready(sock);
	return len == 0 ? 0 : (ssize_t)got;
}

/* Gather the first len bytes of iov, or point at them when the first entry holds them all. */
static const uint8_t *gather(struct srt_tls *tls, const struct iovec *iov, int iovcnt, size_t len)
{
	size_t off = 0;

	if (iov[0].iov_len >= len)
		return iov[0].iov_base;
	for (int i = 0; i < iovcnt && off < len; i++) {
		size_t n = iov[i].iov_len < len - off ? iov[i].iov_len : len - off;

		memcpy(tls->wbuf + off, iov[i].iov_base, n);
		off += n;
	}
	return tls->wbuf;
}

static size_t iov_total(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;

	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	return total;
}

/* Advance iov past n bytes (n within the first entries), into the caller's scratch copy. */
static int iov_skip(struct iovec *iov, int iovcnt, size_t n, struct iovec **first)
{
	struct iovec *v = iov;

	while (iovcnt > 0 && n >= v->iov_len) {
		n -= v->iov_len;
		v++;
		iovcnt--;
	}
	if (iovcnt > 0) {
		v->iov_base = (uint8_t *)v->iov_base + n;
		v->iov_len -= n;
	}
	*first = v;
	return iovcnt;
}

ssize_t srt_tls_writev(struct srt_sock *sock, const struct iovec *iov_in, int iovcnt)
{
	struct srt_tls *tls = sock->tls;
	struct iovec iov[64];
	struct iovec *cur = iov;
	size_t total, sent = 0;

	if (tls->error != 0)
		return tls->error;
	if (iovcnt > (int)(sizeof(iov) / sizeof(iov[0])))
		iovcnt = (int)(sizeof(iov) / sizeof(iov[0]));
	memcpy(iov, iov_in, (size_t)iovcnt * sizeof(*iov));
	total = iov_total(iov, iovcnt);
	if (tls->write_pending > total) {
		SRT_ERR("%s: TLS write retried with %zu bytes, %zu were pending", tls->peer, total,
			tls->write_pending);
		tls->error = -EINVAL;
		return -EINVAL;
	}
	while (sent < total) {
		size_t chunk = tls->write_pending != 0        ? tls->write_pending :
			       total - sent < TLS_WRITE_CHUNK ? total - sent :
								TLS_WRITE_CHUNK;
		const uint8_t *p;
		size_t n = 0;
		int rc;

		iovcnt = iov_skip(cur, iovcnt, 0, &cur);
		p = gather(tls, cur, iovcnt, chunk);
		ERR_clear_error();
		rc = SSL_write_ex(tls->ssl, p, chunk, &n);
		if (rc != 1) {
			rc = tls_fail(sock, SSL_get_error(tls->ssl, rc), "send");
			if (rc == -EAGAIN)
				tls->write_pending = chunk;
			return sent > 0 && rc == -EAGAIN ? (ssize_t)sent : rc;
		}
		note_established(tls);
		tls->write_pending = 0;
		sent += n;
		iovcnt = iov_skip(cur, iovcnt, n, &cur);
	}
	return (ssize_t)sent;
}

bool srt_tls_pending(struct srt_sock *sock)
{
	return sock->tls->error == 0 && SSL_has_pending(sock->tls->ssl) == 1;
}

void srt_tls_free(struct srt_sock *sock)
{
	struct srt_tls *tls = sock->tls;

	if (tls == NULL)
		return;
	/* Best effort close_notify; the socket is closing whatever it says. */
	if (tls->established && tls->error == 0) {
		ERR_clear_error();
		(void)SSL_shutdown(tls->ssl);
	}
	ERR_clear_error();
	SSL_free(tls->ssl);
	SSL_CTX_free(tls->ctx);
	OPENSSL_cleanse(tls->key, sizeof(tls->key));
	free(tls->wbuf);
	free(tls);
	sock->tls = NULL;
}
