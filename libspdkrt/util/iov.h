/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A cursor over an iovec array: the one place that walks iovecs piece by piece (bdev copies
 * and splitting, the crypto vbdev's blocks; next, the NVMe PRP/SGL builder). iovecs only: it
 * knows nothing of bdevs.
 */
#ifndef SRT_UTIL_IOV_H
#define SRT_UTIL_IOV_H

#include <stddef.h>
#include <sys/uio.h>

struct srt_iov_cursor {
	const struct iovec *iov;
	int iovcnt;
	int idx;    /* current iovec; iovcnt at the end */
	size_t off; /* bytes of it already passed */
};

static inline void srt_iov_cursor_init(struct srt_iov_cursor *c, const struct iovec *iov,
				       int iovcnt)
{
	c->iov = iov;
	c->iovcnt = iovcnt;
	c->idx = 0;
	c->off = 0;
}

/*
 * The next contiguous piece of at most len bytes: its address in *base, its length returned
 * (0 at the end of the array); the cursor moves past it.
 */
size_t srt_iov_cursor_next(struct srt_iov_cursor *c, size_t len, void **base);

/* Moves len bytes on (or to the end); returns how far it moved. */
size_t srt_iov_cursor_advance(struct srt_iov_cursor *c, size_t len);

/* The next len bytes when they are contiguous in one iovec, else NULL. The cursor stays. */
void *srt_iov_cursor_peek(const struct srt_iov_cursor *c, size_t len);

/* Copies len bytes from the iovecs into dst (gather) or from src into them (scatter), moving
 * the cursor; returns the bytes copied (fewer at the end of the array). */
size_t srt_iov_cursor_gather(struct srt_iov_cursor *c, void *dst, size_t len);
size_t srt_iov_cursor_scatter(struct srt_iov_cursor *c, const void *src, size_t len);

#endif
