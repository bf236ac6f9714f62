/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC32C with the SSE4.2 CRC32 instruction, eight bytes per step; digests are on the NVMe/TCP
 * data path, so a byte table is too slow. CPUs without it (and non-x86 builds) take a bitwise
 * loop that is correct, only slow.
 */
#include "util/crc32c.h"

#include <stdbool.h>
#include <string.h>

#define CRC32C_POLY_REFLECTED 0x82f63b78u

static uint32_t crc32c_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len-- > 0) {
		crc ^= *p++;
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (CRC32C_POLY_REFLECTED & (0u - (crc & 1u)));
	}
	return crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p,
							       size_t len)
{
	uint64_t c = crc;

	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
	while (len >= 8) {
		uint64_t word;

		memcpy(&word, p, sizeof(word));
		c = _mm_crc32_u64(c, word);
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return (uint32_t)c;
}

static bool have_sse42(void)
{
	static int cached = -1;

	/* Benign race: every thread computes the same answer. */
	if (__atomic_load_n(&cached, __ATOMIC_RELAXED) < 0)
		__atomic_store_n(&cached, __builtin_cpu_supports("sse4.2") ? 1 : 0,
				 __ATOMIC_RELAXED);
	return __atomic_load_n(&cached, __ATOMIC_RELAXED) == 1;
}
#endif

uint32_t srt_crc32c_update(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (have_sse42())
		return crc32c_sse42(crc, buf, len);
#endif
	return crc32c_bitwise(crc, buf, len);
}

uint32_t srt_crc32c_update_iov(uint32_t crc, const struct iovec *iov, int iovcnt)
{
	for (int i = 0; i < iovcnt; i++)
		crc = srt_crc32c_update(crc, iov[i].iov_base, iov[i].iov_len);
	return crc;
}
