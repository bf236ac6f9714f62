/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building descriptors and handing them to the hardware. A request is split at the channel's
 * maximum transfer and wherever the source or destination stops being IOVA-contiguous; only its
 * last descriptor asks for a completion write-back and carries the callback. Nothing becomes
 * visible to the device before spdkrt_ioat_flush() writes DMACOUNT, so a request that fails
 * halfway is undone by moving head back.
 */
#include <errno.h>

#include <spdkrt/env.h>

#include "ioat/internal.h"

#define SRT_LOG_COMPONENT "ioat"
#include "util/log.h"

/* IOVA of p and the bytes (at most want) that stay contiguous from it; INVALID if not DMA-safe. */
static uint64_t translate(const void *p, size_t want, size_t *len)
{
	size_t contig = want;
	uint64_t iova = spdkrt_vtophys(p, &contig);

	*len = contig < want ? contig : want;
	return iova;
}

static int check_usable(const struct spdkrt_ioat_chan *chan, const char *fn)
{
	if (chan == NULL) {
		SRT_ERR("%s: chan is NULL", fn);
		return -EINVAL;
	}
	if (chan->out_of_service) {
		SRT_ERR("%s: the channel is out of service (%s)", fn,
			chan->removed ? "the function was removed" :
					"a halt could not be recovered");
		return chan->removed ? -ENODEV : -EIO;
	}
	return 0;
}

/* The next slot's descriptor, with its callback cleared; NULL when the ring is full. */
static struct ioat_desc *next_desc(struct spdkrt_ioat_chan *chan, uint32_t control)
{
	uint32_t index = ioat_ring_index(chan->head);
	struct ioat_desc *desc;

	if (ioat_ring_space(chan) == 0)
		return NULL;
	desc = &chan->ring[index];
	desc->control = control;
	chan->slots[index].cb_fn = NULL;
	chan->slots[index].cb_arg = NULL;
	chan->head++;
	return desc;
}

/* The request's last descriptor: write back on completion and call the callback. */
static void finish_request(struct spdkrt_ioat_chan *chan, struct ioat_desc *last,
			   spdkrt_ioat_req_cb cb_fn, void *cb_arg)
{
	struct ioat_slot *slot = &chan->slots[ioat_ring_index(chan->head - 1)];

	last->control |= IOAT_DESC_COMPLETION_UPDATE;
	slot->cb_fn = cb_fn;
	slot->cb_arg = cb_arg;
}

int ioat_build_null(struct spdkrt_ioat_chan *chan, spdkrt_ioat_req_cb cb_fn, void *cb_arg)
{
	struct ioat_desc *desc =
		next_desc(chan, IOAT_DESC_NULL | (IOAT_OP_COPY << IOAT_DESC_OP_SHIFT));

	if (desc == NULL)
		return -ENOMEM;
	/* A null descriptor still needs a valid size (hardware checks it, transfers nothing). */
	desc->size = 8;
	desc->src = 0;
	desc->dst = 0;
	finish_request(chan, desc, cb_fn, cb_arg);
	return 0;
}

/* The fill pattern as seen from byte `offset` of the request (byte i = pattern byte i % 8). */
static uint64_t pattern_at(uint64_t pattern, size_t offset)
{
	unsigned shift = (unsigned)(offset % 8) * 8;

	return shift == 0 ? pattern : (pattern >> shift) | (pattern << (64 - shift));
}

/*
 * Build a copy (src != NULL) or a fill of n bytes at dst: one descriptor per contiguous piece.
 * On failure head is put back, so nothing of the request remains.
 */
static int build_request(struct spdkrt_ioat_chan *chan, spdkrt_ioat_req_cb cb_fn, void *cb_arg,
			 char *dst, const char *src, uint64_t pattern, size_t nbytes)
{
	uint32_t op = src != NULL ? IOAT_OP_COPY : IOAT_OP_FILL;
	uint32_t start = chan->head;
	struct ioat_desc *desc = NULL;
	size_t done = 0;

	if (nbytes == 0)
		return ioat_build_null(chan, cb_fn, cb_arg);
	while (done < nbytes) {
		size_t want = nbytes - done, dst_len, src_len = want, len;
		uint64_t dst_iova, src_iova;

		if (want > chan->max_xfer)
			want = chan->max_xfer;
		dst_iova = translate(dst + done, want, &dst_len);
		src_iova = src != NULL ? translate(src + done, want, &src_len) :
					 pattern_at(pattern, done);
		if (dst_iova == SPDKRT_IOVA_INVALID ||
		    (src != NULL && src_iova == SPDKRT_IOVA_INVALID)) {
			SRT_ERR("%s of %zu bytes: %s buffer %p is not DMA-safe memory (allocate it "
				"with spdkrt_dma_malloc or register it)",
				src != NULL ? "copy" : "fill", nbytes,
				dst_iova == SPDKRT_IOVA_INVALID ? "destination" : "source",
				dst_iova == SPDKRT_IOVA_INVALID ? (void *)(dst + done) :
								  (const void *)(src + done));
			chan->head = start;
			return -EINVAL;
		}
		len = dst_len < src_len ? dst_len : src_len;
		desc = next_desc(chan, op << IOAT_DESC_OP_SHIFT);
		if (desc == NULL) {
			chan->head = start;
			return -ENOMEM;
		}
		desc->size = (uint32_t)len;
		desc->src = src_iova;
		desc->dst = dst_iova;
		done += len;
	}
	finish_request(chan, desc, cb_fn, cb_arg);
	return 0;
}

SPDKRT_API int spdkrt_ioat_build_copy(struct spdkrt_ioat_chan *chan, void *cb_arg,
				      spdkrt_ioat_req_cb cb_fn, void *dst, const void *src,
				      size_t nbytes)
{
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
	int rc = check_usable(chan, __func__);

	if (rc != 0)
		return rc;
	if (dst == NULL || src == NULL) {
		SRT_ERR("copy: NULL %s buffer", dst == NULL ? "destination" : "source");
		return -EINVAL;
	}
	if (nbytes > 0 && d < s + nbytes && s < d + nbytes) {
		SRT_ERR("copy: source %p and destination %p overlap in %zu bytes", src, dst,
			nbytes);
		return -EINVAL;
	}
	return build_request(chan, cb_fn, cb_arg, dst, src, 0, nbytes);
}

SPDKRT_API int spdkrt_ioat_build_fill(struct spdkrt_ioat_chan *chan, void *cb_arg,
				      spdkrt_ioat_req_cb cb_fn, void *dst, uint64_t fill_pattern,
				      size_t nbytes)
{
	int rc = check_usable(chan, __func__);

	if (rc != 0)
		return rc;
	if (!(chan->caps & SPDKRT_IOAT_CAP_FILL)) {
		SRT_ERR("fill: the channel has no block-fill capability");
		return -ENOTSUP;
	}
	if (dst == NULL) {
		SRT_ERR("fill: NULL destination buffer");
		return -EINVAL;
	}
	return build_request(chan, cb_fn, cb_arg, dst, NULL, fill_pattern, nbytes);
}

SPDKRT_API int spdkrt_ioat_flush(struct spdkrt_ioat_chan *chan)
{
	if (chan == NULL) {
		SRT_ERR("spdkrt_ioat_flush: chan is NULL");
		return -EINVAL;
	}
	if (chan->flushed == chan->head)
		return 0;
	/*
	 * The descriptors must be in memory before the device learns of them: srt_wmb orders the
	 * descriptor stores before the DMACOUNT store; it pairs with the device's descriptor fetch
	 * after it reads DMACOUNT (a model's acquire load of the register).
	 */
	srt_wmb();
	ioat_write16(chan, IOAT_REG_DMACOUNT, (uint16_t)(chan->head - chan->dmacount_base));
	chan->flushed = chan->head;
	return 0;
}

SPDKRT_API int spdkrt_ioat_submit_copy(struct spdkrt_ioat_chan *chan, void *cb_arg,
				       spdkrt_ioat_req_cb cb_fn, void *dst, const void *src,
				       size_t nbytes)
{
	int rc = spdkrt_ioat_build_copy(chan, cb_arg, cb_fn, dst, src, nbytes);

	return rc != 0 ? rc : spdkrt_ioat_flush(chan);
}

SPDKRT_API int spdkrt_ioat_submit_fill(struct spdkrt_ioat_chan *chan, void *cb_arg,
				       spdkrt_ioat_req_cb cb_fn, void *dst, uint64_t fill_pattern,
				       size_t nbytes)
{
	int rc = spdkrt_ioat_build_fill(chan, cb_arg, cb_fn, dst, fill_pattern, nbytes);

	return rc != 0 ? rc : spdkrt_ioat_flush(chan);
}
