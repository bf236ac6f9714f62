/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe/TCP TLS PSKs: the interchange format, the PSK identity and the HKDF derivations of
 * NVMe TP 8011. Keys never reach a log line; stack copies are wiped.
 */
#define SRT_LOG_COMPONENT "tls"
#include "sock/tls_psk.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "util/log.h"

#define INTERCHANGE_PREFIX "NVMeTLSkey-1:"
#define CRC_LEN 4
/* HkdfLabel: uint16 length, label<7..255> ("tls13 " + label), context<0..255>. */
#define HKDF_LABEL_MAX (2 + 1 + 255 + 1 + 255)

/* CRC-32 (IEEE 802.3, as zlib), over a few dozen bytes of configuration: no table needed. */
static uint32_t crc32_ieee(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static const EVP_MD *hash_md(int hash)
{
	return hash == SRT_TLS_PSK_HASH_SHA256 ? EVP_sha256() :
	       hash == SRT_TLS_PSK_HASH_SHA384 ? EVP_sha384() :
						 NULL;
}

int srt_tls_psk_parse(const char *s, struct srt_tls_psk *psk)
{
	uint8_t raw[SRT_TLS_PSK_MAX_LEN + CRC_LEN + 3];
	const char *b64, *end;
	size_t b64_len, key_len;
	uint32_t crc, want;
	int hash, n, rc = -EINVAL;

	if (s == NULL || psk == NULL)
		return -EINVAL;
	if (strncmp(s, INTERCHANGE_PREFIX, strlen(INTERCHANGE_PREFIX)) != 0) {
		SRT_ERR("TLS PSK is not in the interchange format (NVMeTLSkey-1:hh:base64:)");
		return -EINVAL;
	}
	s += strlen(INTERCHANGE_PREFIX);
	if (s[0] != '0' || (s[1] < '0' || s[1] > '2') || s[2] != ':') {
		SRT_ERR("TLS PSK hash field must be 00, 01 or 02");
		return -EINVAL;
	}
	hash = s[1] - '0';
	b64 = s + 3;
	end = strchr(b64, ':');
	if (end == NULL || end[1] != '\0') {
		SRT_ERR("TLS PSK must end with ':' after its base64 part");
		return -EINVAL;
	}
	b64_len = (size_t)(end - b64);
	/* 32 + 4 bytes are 48 base64 characters; 48 + 4 are 72 (two '=' of padding). */
	if (b64_len == 48) {
		key_len = 32;
	} else if (b64_len == 72) {
		key_len = 48;
	} else {
		SRT_ERR("TLS PSK base64 part has %zu characters: 48 (32-byte key) or 72 (48-byte "
			"key) expected",
			b64_len);
		return -EINVAL;
	}
	if ((hash == SRT_TLS_PSK_HASH_SHA256 && key_len != 32) ||
	    (hash == SRT_TLS_PSK_HASH_SHA384 && key_len != 48)) {
		SRT_ERR("TLS PSK of %zu bytes does not fit hash %02d", key_len, hash);
		return -EINVAL;
	}
	n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)b64_len);
	/* EVP_DecodeBlock counts padding as data bytes. */
	if (n < 0 || (size_t)n < key_len + CRC_LEN || (key_len == 32 && b64[47] == '=') ||
	    (key_len == 48 && (b64[70] != '=' || b64[71] != '='))) {
		SRT_ERR("TLS PSK base64 part is malformed");
		goto out;
	}
	crc = crc32_ieee(raw, key_len);
	want = (uint32_t)raw[key_len] | (uint32_t)raw[key_len + 1] << 8 |
	       (uint32_t)raw[key_len + 2] << 16 | (uint32_t)raw[key_len + 3] << 24;
	if (crc != want) {
		SRT_ERR("TLS PSK CRC-32 does not match its key (mistyped key?)");
		goto out;
	}
	psk->hash = (enum srt_tls_psk_hash)hash;
	psk->len = key_len;
	memcpy(psk->key, raw, key_len);
	rc = 0;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

int srt_tls_psk_cipher_hash(const struct srt_tls_psk *psk)
{
	return psk->len == 48 ? SRT_TLS_PSK_HASH_SHA384 : SRT_TLS_PSK_HASH_SHA256;
}

int srt_tls_psk_identity(const struct srt_tls_psk *psk, const char *hostnqn, const char *subnqn,
			 char *out, size_t out_len)
{
	int n;

	if (psk == NULL || hostnqn == NULL || subnqn == NULL || out == NULL || hostnqn[0] == '\0' ||
	    subnqn[0] == '\0')
		return -EINVAL;
	n = snprintf(out, out_len, "NVMe0R%02d %s %s", srt_tls_psk_cipher_hash(psk), hostnqn,
		     subnqn);
	if (n < 0 || (size_t)n >= out_len) {
		SRT_ERR("TLS PSK identity does not fit %zu bytes", out_len);
		return -ENAMETOOLONG;
	}
	return 0;
}

int srt_tls_psk_identity_parse(const char *id, int *cipher_hash, char *hostnqn, char *subnqn)
{
	const char *host, *sub;
	size_t host_len, sub_len;

	if (id == NULL || cipher_hash == NULL || hostnqn == NULL || subnqn == NULL)
		return -EINVAL;
	if (strncmp(id, "NVMe0R0", 7) != 0 || (id[7] != '1' && id[7] != '2') || id[8] != ' ')
		return -EINVAL;
	host = id + 9;
	sub = strchr(host, ' ');
	if (sub == NULL)
		return -EINVAL;
	host_len = (size_t)(sub - host);
	sub++;
	sub_len = strlen(sub);
	if (host_len == 0 || sub_len == 0 || strchr(sub, ' ') != NULL ||
	    host_len >= SRT_TLS_PSK_IDENTITY_MAX || sub_len >= SRT_TLS_PSK_IDENTITY_MAX)
		return -EINVAL;
	*cipher_hash = id[7] - '0';
	memcpy(hostnqn, host, host_len);
	hostnqn[host_len] = '\0';
	memcpy(subnqn, sub, sub_len + 1);
	return 0;
}

int srt_tls_hkdf(int hash, const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		 const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	const EVP_MD *md = hash_md(hash);
	EVP_PKEY_CTX *ctx;
	size_t len = out_len;
	int rc = -EIO;

	if (md == NULL || ikm == NULL || out == NULL || salt_len > INT32_MAX ||
	    ikm_len > INT32_MAX || info_len > 1024)
		return -EINVAL;
	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	if (ctx == NULL)
		return -ENOMEM;
	/* No salt is HKDF's string of HashLen zeros (RFC 5869 2.2), which OpenSSL applies. */
	if (EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_CTX_set_hkdf_md(ctx, md) == 1 &&
	    (salt_len == 0 || EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, (int)salt_len) == 1) &&
	    EVP_PKEY_CTX_set1_hkdf_key(ctx, ikm, (int)ikm_len) == 1 &&
	    (info_len == 0 || EVP_PKEY_CTX_add1_hkdf_info(ctx, info, (int)info_len) == 1) &&
	    EVP_PKEY_derive(ctx, out, &len) == 1 && len == out_len)
		rc = 0;
	else
		SRT_ERR("HKDF derivation failed in OpenSSL");
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* HKDF-Expand-Label(HKDF-Extract(0, secret), label, context, len) of TLS 1.3 (RFC 8446 7.1). */
static int expand_label(int hash, const uint8_t *secret, size_t len, const char *label,
			const char *context, uint8_t *out)
{
	uint8_t info[HKDF_LABEL_MAX];
	size_t label_len = strlen("tls13 ") + strlen(label), ctx_len = strlen(context), pos = 0;

	if (label_len > 255 || ctx_len > 255) {
		SRT_ERR("HKDF label context of %zu bytes is too long", ctx_len);
		return -EINVAL;
	}
	info[pos++] = (uint8_t)(len >> 8);
	info[pos++] = (uint8_t)len;
	info[pos++] = (uint8_t)label_len;
	memcpy(info + pos, "tls13 ", 6);
	memcpy(info + pos + 6, label, label_len - 6);
	pos += label_len;
	info[pos++] = (uint8_t)ctx_len;
	memcpy(info + pos, context, ctx_len);
	pos += ctx_len;
	return srt_tls_hkdf(hash, NULL, 0, secret, len, info, pos, out, len);
}

int srt_tls_psk_derive_retained(const struct srt_tls_psk *psk, const char *hostnqn, uint8_t *out)
{
	if (psk == NULL || hostnqn == NULL || out == NULL)
		return -EINVAL;
	if (psk->hash == SRT_TLS_PSK_HASH_NONE) {
		memcpy(out, psk->key, psk->len);
		return 0;
	}
	return expand_label((int)psk->hash, psk->key, psk->len, "HostNQN", hostnqn, out);
}

int srt_tls_psk_derive_tls(const struct srt_tls_psk *psk, const char *hostnqn, const char *identity,
			   uint8_t *out)
{
	uint8_t retained[SRT_TLS_PSK_MAX_LEN];
	int rc;

	if (psk == NULL || hostnqn == NULL || identity == NULL || out == NULL)
		return -EINVAL;
	rc = srt_tls_psk_derive_retained(psk, hostnqn, retained);
	if (rc == 0)
		rc = expand_label(srt_tls_psk_cipher_hash(psk), retained, psk->len, "nvme-tls-psk",
				  identity, out);
	OPENSSL_cleanse(retained, sizeof(retained));
	return rc;
}
