/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS 1.3 with a pre-shared key (no certificates) over a non-blocking socket, for NVMe/TCP's
 * secure channel (NVMe TP 8011). After srt_sock_tls_client_start() or
 * srt_sock_tls_server_start(), srt_sock_recv() and srt_sock_writev() carry plaintext over TLS
 * and drive the handshake themselves: both return -EAGAIN while it is in progress, and a failed
 * handshake (wrong key, unknown identity, a peer that does not speak TLS) is a negative errno
 * and a log line. Cipher suites: TLS_AES_128_GCM_SHA256 for 32-byte keys,
 * TLS_AES_256_GCM_SHA384 for 48-byte keys.
 */
#ifndef SRT_SOCK_TLS_H
#define SRT_SOCK_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "sock/sock.h"
#include "sock/tls_psk.h"

/*
 * Server side: find the TLS PSK (already derived, see srt_tls_psk_derive_tls) of a client's
 * PSK identity. Runs during the handshake, on the thread that calls srt_sock_recv().
 * @return 0 with key and *key_len (32 or 48) filled, or a negative errno: no such identity.
 */
typedef int (*srt_sock_tls_psk_cb)(void *ctx, const char *identity, uint8_t *key, size_t *key_len);

/* Make sock (just accepted, not yet read) the server end of a TLS connection. */
int srt_sock_tls_server_start(struct srt_sock *sock, srt_sock_tls_psk_cb find_psk, void *ctx);

/* Make sock (just connected) the client end of a TLS connection, with the configured PSK psk
 * (interchange format) and the identity "NVMe0R0<h> <hostnqn> <subnqn>". */
int srt_sock_tls_client_start(struct srt_sock *sock, const char *psk, const char *hostnqn,
			      const char *subnqn);

/* Advance the handshake: 0 once established, -EAGAIN while in progress, or a negative errno
 * (-EACCES: the peer refused our key or we refused its; -EPROTO: not TLS or a TLS error). */
int srt_sock_tls_handshake(struct srt_sock *sock);

/* @return whether sock carries TLS. */
bool srt_sock_is_tls(const struct srt_sock *sock);

/* @return the client's PSK identity once a server-side handshake found its key, else NULL. */
const char *srt_sock_tls_identity(const struct srt_sock *sock);

/* For sock.c: the TLS paths of receive, send and close. */
ssize_t srt_tls_recv(struct srt_sock *sock, void *buf, size_t len);
ssize_t srt_tls_writev(struct srt_sock *sock, const struct iovec *iov, int iovcnt);
void srt_tls_free(struct srt_sock *sock);
/* Does OpenSSL hold received bytes not yet returned (so polling the socket would wait)? */
bool srt_tls_pending(struct srt_sock *sock);

#endif
