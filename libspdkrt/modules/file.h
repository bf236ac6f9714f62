/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the aio and io_uring bdevs share. file.c: the spec keys, opening the file or block device
 * (O_DIRECT, or buffered when the filesystem refuses it), its geometry, size and rescan, and the
 * bdev skeleton (create, per-thread channel device, destruct). file_io.c: the rare paths of
 * their I/O: fallocate or written zeroes, finishing a short transfer; file_worker.c runs the
 * blocking ones off the polling thread. Both modules are written
 * against the public module interface (<spdkrt/bdev_module.h>).
 */
#ifndef SRT_MODULES_FILE_H
#define SRT_MODULES_FILE_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <spdkrt/bdev_module.h>

#include "util/compiler.h"

/* An open backing file or block device. */
struct srt_file {
	int fd;
	bool direct; /* opened with O_DIRECT */
	bool blockdev;
	uint32_t dev_block_size; /* the device's logical block size (O_DIRECT granularity) */
	dev_t dev;               /* identity, to notice a path that now names another file */
	ino_t ino;
	_Atomic bool no_zero_range; /* fallocate refused: write zeroes instead */
	_Atomic bool no_punch_hole;
	char path[4096];
};

struct srt_file_worker;

/* A file bdev: the module's channels are per thread on &channel_device. */
struct srt_file_disk {
	struct spdkrt_bdev *bdev;
	const char *module_name; /* for logs */
	char name[64];
	uint32_t block_size;
	struct srt_file file;
	struct srt_file_worker *worker; /* its blocking calls (file_worker.h) */
	void (*destruct_done)(struct spdkrt_bdev *bdev);
	char channel_device;
};

/*
 * One I/O as the file modules see it, at the start of their driver context: read once from the
 * public accessors at submit, so that the I/O paths need no further calls into the core.
 */
struct srt_file_req {
	struct spdkrt_bdev_io *io;
	STAILQ_ENTRY(srt_file_req) link; /* the module's queue while it waits for room */
	enum spdkrt_bdev_io_type type;
	int iovcnt;
	struct iovec *iovs;
	uint64_t offset;   /* bytes */
	uint64_t len;      /* bytes */
	uint64_t progress; /* a short read or write: bytes already moved */
};
STAILQ_HEAD(srt_file_req_list, srt_file_req);

static inline void srt_file_req_init(struct srt_file_req *req, const struct srt_file_disk *disk,
				     struct spdkrt_bdev_io *io)
{
	req->io = io;
	req->type = spdkrt_bdev_io_get_type(io);
	req->iovs = spdkrt_bdev_io_get_iovs(io, &req->iovcnt);
	req->offset = spdkrt_bdev_io_get_offset_blocks(io) * disk->block_size;
	req->len = spdkrt_bdev_io_get_num_blocks(io) * disk->block_size;
}

/* How a module makes its per-thread channels. */
struct srt_file_module_ops {
	const char *name;
	const struct spdkrt_bdev_fn_table *fn;
	const char *product_name;
	spdkrt_io_channel_create_cb channel_create;
	spdkrt_io_channel_destroy_cb channel_destroy;
	size_t channel_size;
};

/*
 * Create and register a file bdev from "name=N,filename=PATH[,block_size=B]": -EINVAL (bad
 * spec, a block size smaller than the device's, a file smaller than one block), -ENOENT and the
 * other open errors, -EEXIST, -ENOMEM. Everything is logged.
 */
int srt_file_disk_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
			 const struct srt_file_module_ops *ops, struct spdkrt_bdev **out);

/* The fn table members every file module uses as they are. */
void srt_file_disk_destruct(struct spdkrt_bdev *bdev, void (*done)(struct spdkrt_bdev *bdev));
struct spdkrt_io_channel *srt_file_disk_get_io_channel(void *ctx);
bool srt_file_disk_io_type_supported(void *ctx, enum spdkrt_bdev_io_type type);
int srt_file_disk_rescan(void *ctx, uint64_t *num_blocks);

static inline struct srt_file_disk *srt_file_disk_of_device(void *channel_device)
{
	return container_of(channel_device, struct srt_file_disk, channel_device);
}

/*
 * Write zeroes and unmap: the fallocate mode to use, or 0 when this file refused it before
 * (then write zeroes from srt_file_zeroes()).
 */
int srt_file_fallocate_mode(const struct srt_file *f, enum spdkrt_bdev_io_type type);
/*
 * A read or write moved only `done` of its bytes: move the rest with plain preadv/pwritev on
 * this thread (a rare path: end of file, a full filesystem, a signal). Returns 0 when all of it
 * moved, the errno of the failure (-ENOSPC...), or -EIO when no progress is possible.
 */
int srt_file_finish_short(const struct srt_file *f, const struct srt_file_req *req, uint64_t done);
/* fallocate answered EOPNOTSUPP: remember it (logged once) so that later ones write zeroes. */
void srt_file_fallocate_refused(struct srt_file *f, enum spdkrt_bdev_io_type type);
/* Whether a fallocate error means "not supported here" rather than a real failure. */
static inline bool srt_file_fallocate_unsupported(int negative_errno)
{
	return negative_errno == -EOPNOTSUPP || negative_errno == -ENOSYS;
}

/* A read-only buffer of SRT_FILE_ZERO_BYTES zeroes, aligned for O_DIRECT; NULL if unmappable. */
#define SRT_FILE_ZERO_BYTES (1u << 20)
const void *srt_file_zeroes(void);

/* Progress of a range being zeroed by plain writes. */
struct srt_file_zero_op {
	uint64_t offset;
	uint64_t left;
};

static inline size_t srt_file_zero_len(const struct srt_file_zero_op *z)
{
	return z->left < SRT_FILE_ZERO_BYTES ? (size_t)z->left : SRT_FILE_ZERO_BYTES;
}

/* Accounts one zero write's result: 1 when more remain, 0 when done, or a negative errno. */
static inline int srt_file_zero_advance(struct srt_file_zero_op *z, long res)
{
	if (res < 0)
		return (int)res;
	if (res == 0)
		return -EIO;
	z->offset += (uint64_t)res;
	z->left -= (uint64_t)res < z->left ? (uint64_t)res : z->left;
	return z->left > 0;
}

#endif
