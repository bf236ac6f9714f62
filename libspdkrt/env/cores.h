/* SPDX-License-Identifier: BSD-3-Clause */
/* A set of CPU cores, parsed from a hexadecimal mask ("0x3") or a list ("0-1,4"). */
#ifndef SRT_ENV_CORES_H
#define SRT_ENV_CORES_H

#include <stdbool.h>
#include <stdint.h>

#define SRT_MAX_CORES 1024

struct srt_core_set {
	uint64_t bits[SRT_MAX_CORES / 64];
};

/* Returns 0, or -EINVAL (logged) for malformed text or a core >= SRT_MAX_CORES. */
int srt_core_set_parse(const char *text, struct srt_core_set *set);
bool srt_core_set_has(const struct srt_core_set *set, uint32_t core);
void srt_core_set_add(struct srt_core_set *set, uint32_t core);
uint32_t srt_core_set_count(const struct srt_core_set *set);
/* First core after prev (UINT32_MAX: from the start), or UINT32_MAX when there is none. */
uint32_t srt_core_set_next(const struct srt_core_set *set, uint32_t prev);
/* Writes "0-1,4" form; returns -ENOSPC when it does not fit. */
int srt_core_set_format(const struct srt_core_set *set, char *buf, size_t len);

#endif
