/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe TLS PSKs: the interchange-format parser (prefix, hash, length, base64, CRC-32), the PSK
 * identity, and the HKDF derivations, checked against RFC 5869's published vectors and against
 * values computed here through an independent path (HMAC per RFC 5869, by hand) and values
 * precomputed with Python's hmac module.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../common/test_common.h"

#include "sock/tls_psk.h"

/* The configured PSK example of NVMe TP 8011 (32 bytes, SHA-256). */
#define SPEC_KEY "NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:"
/* Bytes 0..47 with hash 02, bytes 0..31 with hash 00 (generated with Python's zlib/base64). */
#define KEY48                                                                                      \
	"NVMeTLSkey-1:02:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vcSEgBQ==:"
#define KEY00 "NVMeTLSkey-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:"
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
#define SUBNQN "nqn.2016-06.io.spdk:cnode1"

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &out[i]), 1);
}

static void parse_good(void **state)
{
	struct srt_tls_psk psk;

	(void)state;
	assert_int_equal(srt_tls_psk_parse(SPEC_KEY, &psk), 0);
	assert_int_equal(psk.hash, SRT_TLS_PSK_HASH_SHA256);
	assert_int_equal(psk.len, 32);
	assert_int_equal(psk.key[0], 0x55);
	assert_int_equal(srt_tls_psk_cipher_hash(&psk), 1);
	assert_int_equal(srt_tls_psk_parse(KEY48, &psk), 0);
	assert_int_equal(psk.hash, SRT_TLS_PSK_HASH_SHA384);
	assert_int_equal(psk.len, 48);
	for (int i = 0; i < 48; i++)
		assert_int_equal(psk.key[i], i);
	assert_int_equal(srt_tls_psk_cipher_hash(&psk), 2);
	assert_int_equal(srt_tls_psk_parse(KEY00, &psk), 0);
	assert_int_equal(psk.hash, SRT_TLS_PSK_HASH_NONE);
	assert_int_equal(psk.len, 32);
}

static void parse_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"NVMeTLSkey-2:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:", /* prefix */
		"nvmetlskey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:", /* prefix case */
		"NVMeTLSkey-1:03:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:", /* hash */
		"NVMeTLSkey-1:1:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:", /* hash width */
		"NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ", /* no ':' */
		"NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:x", /* trailer */
		"NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9Lr:",   /* length */
		"NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZA:", /* length */
		"NVMeTLSkey-1:01:WRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:",  /* CRC */
		"NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrY:",  /* CRC */
		"NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9L*Z:",  /* base64 */
		"NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9Lr=:",  /* padding */
		/* A 48-byte key labelled SHA-256, and a 32-byte key labelled SHA-384. */
		"NVMeTLSkey-1:01:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vcSEgBQ==:",
		"NVMeTLSkey-1:02:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:",
	};
	struct srt_tls_psk psk;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&psk, 0xa5, sizeof(psk));
		assert_int_equal(srt_tls_psk_parse(bad[i], &psk), -EINVAL);
	}
	assert_int_equal(srt_tls_psk_parse(NULL, &psk), -EINVAL);
	assert_int_equal(srt_tls_psk_parse(SPEC_KEY, NULL), -EINVAL);
}

static void identity(void **state)
{
	struct srt_tls_psk psk;
	char id[SRT_TLS_PSK_IDENTITY_MAX], host[SRT_TLS_PSK_IDENTITY_MAX],
		sub[SRT_TLS_PSK_IDENTITY_MAX];
	int hash;

	(void)state;
	assert_int_equal(srt_tls_psk_parse(SPEC_KEY, &psk), 0);
	assert_int_equal(srt_tls_psk_identity(&psk, HOSTNQN, SUBNQN, id, sizeof(id)), 0);
	assert_string_equal(id, "NVMe0R01 " HOSTNQN " " SUBNQN);
	assert_int_equal(srt_tls_psk_identity(&psk, HOSTNQN, SUBNQN, id, 20), -ENAMETOOLONG);
	assert_int_equal(srt_tls_psk_identity(&psk, "", SUBNQN, id, sizeof(id)), -EINVAL);
	assert_int_equal(srt_tls_psk_parse(KEY48, &psk), 0);
	assert_int_equal(srt_tls_psk_identity(&psk, "h", "s", id, sizeof(id)), 0);
	assert_string_equal(id, "NVMe0R02 h s");

	assert_int_equal(srt_tls_psk_identity_parse("NVMe0R02 hostA subB", &hash, host, sub), 0);
	assert_int_equal(hash, 2);
	assert_string_equal(host, "hostA");
	assert_string_equal(sub, "subB");
	assert_int_equal(srt_tls_psk_identity_parse("NVMe0R03 a b", &hash, host, sub), -EINVAL);
	assert_int_equal(srt_tls_psk_identity_parse("NVMe1R01 a b", &hash, host, sub), -EINVAL);
	assert_int_equal(srt_tls_psk_identity_parse("NVMe0R01 a", &hash, host, sub), -EINVAL);
	assert_int_equal(srt_tls_psk_identity_parse("NVMe0R01  b", &hash, host, sub), -EINVAL);
	assert_int_equal(srt_tls_psk_identity_parse("NVMe0R01 a b c", &hash, host, sub), -EINVAL);
	assert_int_equal(srt_tls_psk_identity_parse("NVMe0R01 a ", &hash, host, sub), -EINVAL);
}

/* RFC 5869 appendix A.1 and A.3 (SHA-256, with and without salt and info). */
static void hkdf_rfc5869(void **state)
{
	uint8_t ikm[22], salt[13], info[10], okm[42], want[42];

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	for (int i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (int i = 0; i < 10; i++)
		info[i] = (uint8_t)(0xf0 + i);
	assert_int_equal(srt_tls_hkdf(1, salt, sizeof(salt), ikm, sizeof(ikm), info, sizeof(info),
				      okm, sizeof(okm)),
			 0);
	unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b88718"
	      "5865",
	      want, sizeof(want));
	assert_memory_equal(okm, want, sizeof(okm));
	assert_int_equal(srt_tls_hkdf(1, NULL, 0, ikm, sizeof(ikm), NULL, 0, okm, sizeof(okm)), 0);
	unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a"
	      "96c8",
	      want, sizeof(want));
	assert_memory_equal(okm, want, sizeof(okm));
	assert_int_equal(srt_tls_hkdf(3, NULL, 0, ikm, sizeof(ikm), NULL, 0, okm, 32), -EINVAL);
}

/* HKDF-Expand-Label(HKDF-Extract(0, secret), label, ctx, len) by hand with HMAC. */
static void ref_expand_label(const EVP_MD *md, const uint8_t *secret, size_t len, const char *label,
			     const char *ctx, uint8_t *out)
{
	uint8_t zeros[64] = { 0 }, prk[64], t[64], msg[600];
	unsigned prk_len = 0, t_len = 0;
	size_t pos = 0, info_len, done = 0;
	char full[64];

	snprintf(full, sizeof(full), "tls13 %s", label);
	assert_non_null(HMAC(md, zeros, EVP_MD_get_size(md), secret, len, prk, &prk_len));
	/* info = HkdfLabel; T(i) = HMAC(PRK, T(i-1) | info | i). */
	msg[pos++] = (uint8_t)(len >> 8);
	msg[pos++] = (uint8_t)len;
	msg[pos++] = (uint8_t)strlen(full);
	memcpy(msg + pos, full, strlen(full));
	pos += strlen(full);
	msg[pos++] = (uint8_t)strlen(ctx);
	memcpy(msg + pos, ctx, strlen(ctx));
	pos += strlen(ctx);
	info_len = pos;
	for (uint8_t i = 1; done < len; i++) {
		uint8_t in[700];
		size_t in_len = 0, n;

		memcpy(in, t, t_len);
		in_len += t_len;
		memcpy(in + in_len, msg, info_len);
		in_len += info_len;
		in[in_len++] = i;
		assert_non_null(HMAC(md, prk, prk_len, in, in_len, t, &t_len));
		n = len - done < t_len ? len - done : t_len;
		memcpy(out + done, t, n);
		done += n;
	}
}

static void derive_sha256(void **state)
{
	struct srt_tls_psk psk;
	char id[SRT_TLS_PSK_IDENTITY_MAX];
	uint8_t retained[48], tls[48], want[48];

	(void)state;
	assert_int_equal(srt_tls_psk_parse(SPEC_KEY, &psk), 0);
	assert_int_equal(srt_tls_psk_identity(&psk, HOSTNQN, SUBNQN, id, sizeof(id)), 0);
	assert_int_equal(srt_tls_psk_derive_retained(&psk, HOSTNQN, retained), 0);
	/* Computed with Python's hmac/hashlib (RFC 5869 and RFC 8446 HkdfLabel). */
	unhex("f0af1bc718d4f23bdd7c1683a3d79bd953ea789d106a0f5207bb574bbe5446ce", want, 32);
	assert_memory_equal(retained, want, 32);
	ref_expand_label(EVP_sha256(), psk.key, 32, "HostNQN", HOSTNQN, want);
	assert_memory_equal(retained, want, 32);
	assert_int_equal(srt_tls_psk_derive_tls(&psk, HOSTNQN, id, tls), 0);
	unhex("b976336237885ee79b7206085ec337726c89d594fc922cd17506a5fbdff9e5e3", want, 32);
	assert_memory_equal(tls, want, 32);
	ref_expand_label(EVP_sha256(), retained, 32, "nvme-tls-psk", id, want);
	assert_memory_equal(tls, want, 32);
}

static void derive_sha384_and_none(void **state)
{
	struct srt_tls_psk psk;
	char id[SRT_TLS_PSK_IDENTITY_MAX];
	uint8_t retained[48], tls[48], want[48];

	(void)state;
	assert_int_equal(srt_tls_psk_parse(KEY48, &psk), 0);
	assert_int_equal(srt_tls_psk_identity(&psk, HOSTNQN, SUBNQN, id, sizeof(id)), 0);
	assert_int_equal(srt_tls_psk_derive_retained(&psk, HOSTNQN, retained), 0);
	ref_expand_label(EVP_sha384(), psk.key, 48, "HostNQN", HOSTNQN, want);
	assert_memory_equal(retained, want, 48);
	assert_int_equal(srt_tls_psk_derive_tls(&psk, HOSTNQN, id, tls), 0);
	ref_expand_label(EVP_sha384(), retained, 48, "nvme-tls-psk", id, want);
	assert_memory_equal(tls, want, 48);

	/* Hash 00: the configured key is the retained key. */
	assert_int_equal(srt_tls_psk_parse(KEY00, &psk), 0);
	assert_int_equal(srt_tls_psk_identity(&psk, HOSTNQN, SUBNQN, id, sizeof(id)), 0);
	assert_int_equal(srt_tls_psk_derive_retained(&psk, HOSTNQN, retained), 0);
	assert_memory_equal(retained, psk.key, 32);
	assert_int_equal(srt_tls_psk_derive_tls(&psk, HOSTNQN, id, tls), 0);
	ref_expand_label(EVP_sha256(), psk.key, 32, "nvme-tls-psk", id, want);
	assert_memory_equal(tls, want, 32);
	/* A different host NQN gives a different key. */
	assert_int_equal(srt_tls_psk_parse(SPEC_KEY, &psk), 0);
	assert_int_equal(srt_tls_psk_derive_tls(&psk, "nqn.other", id, tls), 0);
	unhex("b976336237885ee79b7206085ec337726c89d594fc922cd17506a5fbdff9e5e3", want, 32);
	assert_memory_not_equal(tls, want, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_good),    cmocka_unit_test(parse_bad),
		cmocka_unit_test(identity),      cmocka_unit_test(hkdf_rfc5869),
		cmocka_unit_test(derive_sha256), cmocka_unit_test(derive_sha384_and_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
