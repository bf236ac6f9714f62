/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "modules/geometry.h"

#define SRT_LOG_COMPONENT "bdev"
#include "util/log.h"

#define MAX_SIZE_MB (1ull << 30) /* 1 PiB */

int srt_geometry_from_spec(struct srt_spec *spec, const char **name, struct srt_geometry *geo)
{
	uint64_t size_mb = 0, num_blocks = 0, block_size = 512;
	int rc;

	rc = srt_spec_get_str(spec, "name", name);
	if (rc == 0 && strlen(*name) >= 64) {
		SRT_ERR("%s bdev spec: name '%s' is longer than 63 characters", spec->module,
			*name);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = srt_spec_get_u64(spec, "size_mb", 1, MAX_SIZE_MB, &size_mb);
	if (rc == 0)
		rc = srt_spec_get_u64(spec, "num_blocks", 1, UINT64_MAX >> 16, &num_blocks);
	if (rc == 0)
		rc = srt_spec_get_u64(spec, "block_size", 512, 65536, &block_size);
	if (rc != 0)
		return rc;
	if ((block_size & (block_size - 1)) != 0) {
		SRT_ERR("%s bdev spec: block_size %llu is not a power of two", spec->module,
			(unsigned long long)block_size);
		return -EINVAL;
	}
	if ((size_mb == 0) == (num_blocks == 0)) {
		SRT_ERR("%s bdev spec: give exactly one of size_mb and num_blocks", spec->module);
		return -EINVAL;
	}
	if (size_mb != 0) {
		num_blocks = (size_mb << 20) / block_size;
		if (num_blocks == 0) {
			SRT_ERR("%s bdev spec: size_mb is smaller than one block", spec->module);
			return -EINVAL;
		}
	}
	geo->num_blocks = num_blocks;
	geo->block_size = (uint32_t)block_size;
	return 0;
}
