/* SPDX-License-Identifier: BSD-3-Clause */
/* CRC32C (Castagnoli), the NVMe/TCP header and data digest. */
#ifndef SRT_UTIL_CRC32C_H
#define SRT_UTIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Seed for a new digest; finish with srt_crc32c_finish(). */
#define SRT_CRC32C_SEED 0xffffffffu

/* Continue a running CRC32C over len bytes (the CPU's CRC32 instruction where it has one). */
uint32_t srt_crc32c_update(uint32_t crc, const void *buf, size_t len);

/* Continue a running CRC32C over an iovec array. */
uint32_t srt_crc32c_update_iov(uint32_t crc, const struct iovec *iov, int iovcnt);

static inline uint32_t srt_crc32c_finish(uint32_t crc)
{
	return crc ^ 0xffffffffu;
}

/* The whole CRC32C of one buffer. */
static inline uint32_t srt_crc32c(const void *buf, size_t len)
{
	return srt_crc32c_finish(srt_crc32c_update(SRT_CRC32C_SEED, buf, len));
}

#endif
