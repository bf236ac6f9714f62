/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rare I/O paths the aio and io_uring bdevs share: write-zeroes and unmap by fallocate or by
 * written zeroes, finishing a short read or write, and a reset that waits for every channel.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "modules/file.h"

#define SRT_LOG_COMPONENT "file"
#include "util/log.h"

int srt_file_fallocate_mode(const struct srt_file *f, enum spdkrt_bdev_io_type type)
{
	/* Unmapped ranges of a file read back as zeroes, as written-zero ranges do. */
	if (type == SPDKRT_BDEV_IO_UNMAP)
		return atomic_load_explicit(&f->no_punch_hole, memory_order_relaxed)
			       ? 0
			       : FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	return atomic_load_explicit(&f->no_zero_range, memory_order_relaxed)
		       ? 0
		       : FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
}

void srt_file_fallocate_refused(struct srt_file *f, enum spdkrt_bdev_io_type type)
{
	bool unmap = type == SPDKRT_BDEV_IO_UNMAP;

	if (!atomic_exchange(unmap ? &f->no_punch_hole : &f->no_zero_range, true))
		SRT_NOTICE("'%s' does not support fallocate(%s): %s writes zeroes instead", f->path,
			   unmap ? "PUNCH_HOLE" : "ZERO_RANGE", unmap ? "unmap" : "write-zeroes");
}

static const void *g_zeroes;
static pthread_once_t g_zeroes_once = PTHREAD_ONCE_INIT;

static void map_zeroes(void)
{
	/* Untouched anonymous pages all map the kernel's zero page: no memory is used. */
	void *p = mmap(NULL, SRT_FILE_ZERO_BYTES, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		SRT_ERR("cannot map %u bytes of zeroes for write-zeroes", SRT_FILE_ZERO_BYTES);
	else
		g_zeroes = p;
}

const void *srt_file_zeroes(void)
{
	pthread_once(&g_zeroes_once, map_zeroes);
	return g_zeroes;
}

int srt_file_finish_short(const struct srt_file *f, struct spdkrt_bdev_io *io, uint64_t done)
{
	uint64_t total = srt_bdev_io_bytes(io);
	uint64_t off = (io->offset_blocks << io->bdev->block_shift) + done;
	bool write = io->type == SPDKRT_BDEV_IO_WRITE;
	size_t skip = done;
	int i = 0;

	while (i < io->iovcnt && skip >= io->iovs[i].iov_len)
		skip -= io->iovs[i++].iov_len;
	while (done < total && i < io->iovcnt) {
		char *p = (char *)io->iovs[i].iov_base + skip;
		size_t n = io->iovs[i].iov_len - skip;
		ssize_t r;

		if (n > total - done)
			n = total - done;
		r = write ? pwrite(f->fd, p, n, (off_t)off) : pread(f->fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int rc = r < 0 ? -errno : -EIO;

			SRT_DEBUG("'%s': %s of %llu bytes at %llu stopped after %llu: %s", f->path,
				  write ? "write" : "read", (unsigned long long)total,
				  (unsigned long long)(io->offset_blocks << io->bdev->block_shift),
				  (unsigned long long)done, spdkrt_strerror(rc));
			return rc;
		}
		done += (uint64_t)r;
		off += (uint64_t)r;
		skip += (size_t)r;
		if (skip == io->iovs[i].iov_len) {
			i++;
			skip = 0;
		}
	}
	return done == total ? 0 : -EIO;
}

static void reset_done(struct spdkrt_io_channel_iter *iter, int status)
{
	struct srt_file_reset *r = spdkrt_io_channel_iter_get_ctx(iter);

	spdkrt_bdev_io_complete(r->io, status);
}

static bool channel_busy(struct srt_file_reset *r, struct spdkrt_io_channel *ch)
{
	return r->busy(spdkrt_io_channel_get_ctx(ch)) != 0;
}

static int reset_poll(void *arg)
{
	struct srt_file_reset *r = arg;

	if (channel_busy(r, r->ch))
		return SPDKRT_POLLER_IDLE;
	spdkrt_poller_unregister(&r->poller);
	spdkrt_put_io_channel(r->ch);
	r->ch = NULL;
	spdkrt_for_each_channel_continue(r->iter, 0);
	return SPDKRT_POLLER_BUSY;
}

/* On each channel's thread: go on at once when it is idle, else when its poller drained it. */
static void reset_visit(struct spdkrt_io_channel_iter *iter)
{
	struct srt_file_reset *r = spdkrt_io_channel_iter_get_ctx(iter);
	int rc;

	if (!channel_busy(r, spdkrt_io_channel_iter_get_channel(iter))) {
		spdkrt_for_each_channel_continue(iter, 0);
		return;
	}
	/* A reference keeps the channel while the poller waits for it. */
	r->ch = spdkrt_get_io_channel(spdkrt_io_channel_iter_get_io_device(iter));
	if (r->ch == NULL) {
		spdkrt_for_each_channel_continue(iter, -ENODEV);
		return;
	}
	r->iter = iter;
	rc = spdkrt_poller_register(reset_poll, r, 0, &r->poller);
	if (rc != 0) {
		spdkrt_put_io_channel(r->ch);
		r->ch = NULL;
		spdkrt_for_each_channel_continue(iter, rc);
	}
}

void srt_file_reset(struct srt_file_disk *disk, struct spdkrt_bdev_io *io, struct srt_file_reset *r,
		    uint32_t (*busy)(void *channel_ctx))
{
	int rc;

	r->io = io;
	r->busy = busy;
	r->poller = NULL;
	r->iter = NULL;
	r->ch = NULL;
	rc = spdkrt_for_each_channel(&disk->channel_device, reset_visit, r, reset_done);
	if (rc != 0)
		spdkrt_bdev_io_complete(io, rc);
}
