/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe/TCP TLS pre-shared keys (NVMe TP 8011, NVMe/TCP transport 1.0 section 3.6.1): the PSK
 * interchange format "NVMeTLSkey-1:<hh>:<base64 of key || CRC-32>:", the PSK identity
 * "NVMe0R0<h> <hostnqn> <subnqn>", and the derivation configured PSK -> retained PSK ->
 * TLS PSK (HKDF-Expand-Label over HKDF-Extract with a zero salt, as TLS 1.3 defines them).
 */
#ifndef SRT_SOCK_TLS_PSK_H
#define SRT_SOCK_TLS_PSK_H

#include <stddef.h>
#include <stdint.h>

/* Longest key: SHA-384's output. */
#define SRT_TLS_PSK_MAX_LEN 48
/* "NVMe0R01 " + two NQNs of at most 223 bytes + a space + NUL. */
#define SRT_TLS_PSK_IDENTITY_MAX 460

/* The <hh> of the interchange format: how the retained PSK is derived. */
enum srt_tls_psk_hash {
	SRT_TLS_PSK_HASH_NONE = 0,   /* the configured PSK is the retained PSK */
	SRT_TLS_PSK_HASH_SHA256 = 1, /* HKDF with SHA-256, 32-byte key */
	SRT_TLS_PSK_HASH_SHA384 = 2, /* HKDF with SHA-384, 48-byte key */
};

/* A configured PSK, parsed from the interchange format. */
struct srt_tls_psk {
	enum srt_tls_psk_hash hash;
	size_t len; /* 32 or 48; also selects the cipher suite (SHA-256 or SHA-384) */
	uint8_t key[SRT_TLS_PSK_MAX_LEN];
};

/* Parse and check (prefix, hash, length, CRC-32) an interchange-format key. @return 0 or
 * -EINVAL with a log line that never shows the key. */
int srt_tls_psk_parse(const char *interchange, struct srt_tls_psk *psk);

/* The cipher suite hash of a key: 1 (SHA-256, TLS_AES_128_GCM_SHA256) for 32-byte keys, 2
 * (SHA-384, TLS_AES_256_GCM_SHA384) for 48-byte keys. */
int srt_tls_psk_cipher_hash(const struct srt_tls_psk *psk);

/* Build the version 0 PSK identity "NVMe0R0<h> <hostnqn> <subnqn>". @return 0, -EINVAL, or
 * -ENAMETOOLONG when out_len is too small. */
int srt_tls_psk_identity(const struct srt_tls_psk *psk, const char *hostnqn, const char *subnqn,
			 char *out, size_t out_len);

/* Split a version 0 identity into its cipher hash (1 or 2), host NQN and subsystem NQN
 * (buffers of SRT_TLS_PSK_IDENTITY_MAX). @return 0 or -EINVAL. */
int srt_tls_psk_identity_parse(const char *identity, int *cipher_hash, char *hostnqn, char *subnqn);

/* Retained PSK = HKDF-Expand-Label(HKDF-Extract(0, configured), "HostNQN", hostnqn, len),
 * with the interchange hash; the configured key itself for hash NONE. out holds psk->len. */
int srt_tls_psk_derive_retained(const struct srt_tls_psk *psk, const char *hostnqn, uint8_t *out);

/* TLS PSK = HKDF-Expand-Label(HKDF-Extract(0, retained), "nvme-tls-psk", identity, len) with the
 * cipher suite hash: the key both ends give TLS. out holds psk->len bytes. */
int srt_tls_psk_derive_tls(const struct srt_tls_psk *psk, const char *hostnqn, const char *identity,
			   uint8_t *out);

/* HKDF (RFC 5869) extract-then-expand with SHA-256 (hash 1) or SHA-384 (hash 2). */
int srt_tls_hkdf(int hash, const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		 const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);

#endif
