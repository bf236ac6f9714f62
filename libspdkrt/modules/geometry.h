/* SPDX-License-Identifier: BSD-3-Clause */
/* The size keys every RAM-like module shares: size_mb or num_blocks, block_size. */
#ifndef SRT_MODULES_GEOMETRY_H
#define SRT_MODULES_GEOMETRY_H

#include <stdint.h>

#include "util/spec.h"

struct srt_geometry {
	uint64_t num_blocks;
	uint32_t block_size;
};

/* Reads name, size_mb|num_blocks and block_size (default 512); -EINVAL (logged) when wrong. */
int srt_geometry_from_spec(struct srt_spec *spec, const char **name, struct srt_geometry *geo);

#endif
