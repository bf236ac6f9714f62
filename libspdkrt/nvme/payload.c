/* SPDX-License-Identifier: BSD-3-Clause */
/* Walking a request's payload as virtual segments: a contiguous buffer or the caller's SGL. */
#include <errno.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

int nvme_sge_iter_init(struct nvme_sge_iter *it, const struct nvme_payload *payload,
		       uint32_t offset)
{
	it->payload = payload;
	it->offset = offset;
	it->cur = NULL;
	it->cur_left = 0;
	if (payload->type == NVME_PAYLOAD_CONTIG) {
		it->cur = (uint8_t *)payload->buf + offset;
		it->cur_left = UINT32_MAX;
	} else if (payload->type == NVME_PAYLOAD_SGL) {
		payload->reset_sgl(payload->sgl_arg, offset);
	} else {
		return -EINVAL;
	}
	return 0;
}

int nvme_sge_iter_next(struct nvme_sge_iter *it, uint32_t max, void **va, uint32_t *len)
{
	uint32_t n;

	if (it->cur_left == 0) {
		void *addr = NULL;
		uint32_t length = 0;
		int rc = it->payload->next_sge(it->payload->sgl_arg, &addr, &length);

		if (rc != 0 || addr == NULL || length == 0) {
			SRT_ERR("nvme: the caller's next_sge callback gave no more data (rc %d, "
				"length %u) before the end of the I/O",
				rc, length);
			return -EINVAL;
		}
		it->cur = addr;
		it->cur_left = length;
	}
	n = it->cur_left < max ? it->cur_left : max;
	*va = it->cur;
	*len = n;
	it->cur = (uint8_t *)it->cur + n;
	it->cur_left -= n;
	it->offset += n;
	return 0;
}
