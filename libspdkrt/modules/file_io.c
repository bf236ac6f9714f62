/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rare I/O paths the aio and io_uring bdevs share: write-zeroes and unmap by fallocate or by
 * written zeroes, and finishing a short read or write. (Resets: the core drains every channel.)
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
		return atomic_load_explicit(&f->no_punch_hole, memory_order_relaxed) ?
			       0 :
			       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	return atomic_load_explicit(&f->no_zero_range, memory_order_relaxed) ?
		       0 :
		       FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
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

int srt_file_finish_short(const struct srt_file *f, const struct srt_file_req *req, uint64_t done)
{
	uint64_t total = req->len;
	uint64_t off = req->offset + done;
	bool write = req->type == SPDKRT_BDEV_IO_WRITE;
	const struct iovec *iovs = req->iovs;
	size_t skip = done;
	int i = 0;

	while (i < req->iovcnt && skip >= iovs[i].iov_len)
		skip -= iovs[i++].iov_len;
	while (done < total && i < req->iovcnt) {
		char *p = (char *)iovs[i].iov_base + skip;
		size_t n = iovs[i].iov_len - skip;
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
				  (unsigned long long)req->offset, (unsigned long long)done,
				  spdkrt_strerror(rc));
			return rc;
		}
		done += (uint64_t)r;
		off += (uint64_t)r;
		skip += (size_t)r;
		if (skip == iovs[i].iov_len) {
			i++;
			skip = 0;
		}
	}
	return done == total ? 0 : -EIO;
}
