/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>

#include "../common/test_common.h"

#include "util/crc32c.h"

/* Reference: one bit at a time, the definition of CRC32C. */
static uint32_t crc32c_reference(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void test_known_vectors(void **state)
{
	uint8_t zeros[32] = { 0 }, ones[32];

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	/* The check value of CRC32C and the iSCSI (RFC 3720) test vectors. */
	assert_int_equal(srt_crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(srt_crc32c(zeros, sizeof(zeros)), 0x8a9136aau);
	assert_int_equal(srt_crc32c(ones, sizeof(ones)), 0x62a8ab43u);
	assert_int_equal(srt_crc32c(NULL, 0), 0);
}

static void test_every_length_and_alignment(void **state)
{
	uint8_t *buf = malloc(4096 + 8);

	(void)state;
	for (size_t i = 0; i < 4096 + 8; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len < 300; len++)
			assert_int_equal(srt_crc32c(buf + off, len),
					 crc32c_reference(buf + off, len));
	assert_int_equal(srt_crc32c(buf, 4096), crc32c_reference(buf, 4096));
	free(buf);
}

static void test_split_and_iovec_match_whole(void **state)
{
	uint8_t buf[1000];
	struct iovec iov[3] = { { buf, 1 }, { buf + 1, 500 }, { buf + 501, 499 } };
	uint32_t crc;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i ^ 0x5a);
	crc = srt_crc32c_update(SRT_CRC32C_SEED, buf, 333);
	crc = srt_crc32c_update(crc, buf + 333, sizeof(buf) - 333);
	assert_int_equal(srt_crc32c_finish(crc), srt_crc32c(buf, sizeof(buf)));
	crc = srt_crc32c_update_iov(SRT_CRC32C_SEED, iov, 3);
	assert_int_equal(srt_crc32c_finish(crc), srt_crc32c(buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_every_length_and_alignment),
		cmocka_unit_test(test_split_and_iovec_match_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
