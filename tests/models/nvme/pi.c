/* SPDX-License-Identifier: BSD-3-Clause */
/* The T10 DIF guard: CRC-16 with polynomial 0x8BB7, initial value 0, no reflection. */
#include "internal.h"

uint16_t nvme_model_crc16_t10dif(const void *data, size_t len)
{
	const uint8_t *buf = data;
	uint16_t crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(buf[i] << 8);
		for (int bit = 0; bit < 8; bit++)
			crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x8BB7 : crc << 1);
	}
	return crc;
}
