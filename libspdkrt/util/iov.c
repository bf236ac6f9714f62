/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "util/iov.h"

size_t srt_iov_cursor_next(struct srt_iov_cursor *c, size_t len, void **base)
{
	size_t n;

	/* zero-length iovecs are passed over */
	while (c->idx < c->iovcnt && c->off == c->iov[c->idx].iov_len) {
		c->idx++;
		c->off = 0;
	}
	if (c->idx >= c->iovcnt || len == 0)
		return 0;
	n = c->iov[c->idx].iov_len - c->off;
	if (n > len)
		n = len;
	*base = (char *)c->iov[c->idx].iov_base + c->off;
	c->off += n;
	if (c->off == c->iov[c->idx].iov_len) {
		c->idx++;
		c->off = 0;
	}
	return n;
}

size_t srt_iov_cursor_advance(struct srt_iov_cursor *c, size_t len)
{
	size_t done = 0, n;
	void *base;

	while (done < len && (n = srt_iov_cursor_next(c, len - done, &base)) > 0)
		done += n;
	return done;
}

void *srt_iov_cursor_peek(const struct srt_iov_cursor *c, size_t len)
{
	if (c->idx >= c->iovcnt || c->iov[c->idx].iov_len - c->off < len)
		return NULL;
	return (char *)c->iov[c->idx].iov_base + c->off;
}

size_t srt_iov_cursor_gather(struct srt_iov_cursor *c, void *dst, size_t len)
{
	size_t done = 0, n;
	void *base;

	while (done < len && (n = srt_iov_cursor_next(c, len - done, &base)) > 0) {
		memcpy((char *)dst + done, base, n);
		done += n;
	}
	return done;
}

size_t srt_iov_cursor_scatter(struct srt_iov_cursor *c, const void *src, size_t len)
{
	size_t done = 0, n;
	void *base;

	while (done < len && (n = srt_iov_cursor_next(c, len - done, &base)) > 0) {
		memcpy(base, (const char *)src + done, n);
		done += n;
	}
	return done;
}
