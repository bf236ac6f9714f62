/* SPDX-License-Identifier: BSD-3-Clause */
/* What a module reads of an I/O: struct spdkrt_bdev_io is opaque outside the core. */
#include "bdev/core.h"
#include "util/compiler.h"

#define SRT_LOG_COMPONENT "bdev"
#include "util/log.h"

/* A NULL I/O is a module bug: say so and give a neutral value rather than crash. */
#define IO_OR_RETURN(io, value)                                                                    \
	do {                                                                                       \
		if (unlikely((io) == NULL)) {                                                      \
			SRT_ERR("%s: io is NULL", __func__);                                       \
			return value;                                                              \
		}                                                                                  \
	} while (0)

enum spdkrt_bdev_io_type spdkrt_bdev_io_get_type(const struct spdkrt_bdev_io *io)
{
	IO_OR_RETURN(io, SPDKRT_BDEV_IO_READ);
	return io->type;
}

struct spdkrt_bdev *spdkrt_bdev_io_get_bdev(const struct spdkrt_bdev_io *io)
{
	IO_OR_RETURN(io, NULL);
	return io->bdev;
}

void *spdkrt_bdev_io_get_module_ctx(const struct spdkrt_bdev_io *io)
{
	IO_OR_RETURN(io, NULL);
	return io->bdev->ctx;
}

uint64_t spdkrt_bdev_io_get_offset_blocks(const struct spdkrt_bdev_io *io)
{
	IO_OR_RETURN(io, 0);
	return io->offset_blocks;
}

uint64_t spdkrt_bdev_io_get_num_blocks(const struct spdkrt_bdev_io *io)
{
	IO_OR_RETURN(io, 0);
	return io->num_blocks;
}

struct iovec *spdkrt_bdev_io_get_iovs(const struct spdkrt_bdev_io *io, int *iovcnt)
{
	if (iovcnt != NULL)
		*iovcnt = 0;
	IO_OR_RETURN(io, NULL);
	if (iovcnt != NULL)
		*iovcnt = io->iovcnt;
	return io->iovs;
}

struct iovec *spdkrt_bdev_io_get_write_iovs(const struct spdkrt_bdev_io *io, int *iovcnt)
{
	bool caw;

	if (iovcnt != NULL)
		*iovcnt = 0;
	IO_OR_RETURN(io, NULL);
	caw = io->type == SPDKRT_BDEV_IO_COMPARE_AND_WRITE;

	if (iovcnt != NULL)
		*iovcnt = caw ? 1 : 0;
	return caw ? (struct iovec *)&io->unsplit.write_iov : NULL;
}

const struct spdkrt_bdev_range *spdkrt_bdev_io_get_ranges(const struct spdkrt_bdev_io *io,
							  uint32_t *count)
{
	bool ranged;

	if (count != NULL)
		*count = 0;
	IO_OR_RETURN(io, NULL);
	ranged = io->type == SPDKRT_BDEV_IO_UNMAP || io->type == SPDKRT_BDEV_IO_WRITE_ZEROES;

	if (count != NULL)
		*count = ranged ? io->unsplit.num_ranges : 0;
	return ranged ? io->unsplit.ranges : NULL;
}

const struct spdkrt_nvme_cmd *spdkrt_bdev_io_get_nvme_cmd(const struct spdkrt_bdev_io *io)
{
	IO_OR_RETURN(io, NULL);
	if (io->type != SPDKRT_BDEV_IO_NVME_ADMIN && io->type != SPDKRT_BDEV_IO_NVME_IO)
		return NULL;
	return &io->nvme_cmd;
}

void *spdkrt_bdev_io_get_driver_ctx(struct spdkrt_bdev_io *io)
{
	IO_OR_RETURN(io, NULL);
	return io->module_ctx;
}

struct spdkrt_io_channel *spdkrt_bdev_io_get_io_channel(const struct spdkrt_bdev_io *io)
{
	IO_OR_RETURN(io, NULL);
	return io->ch->io_ch;
}

struct spdkrt_thread *spdkrt_bdev_io_get_thread(const struct spdkrt_bdev_io *io)
{
	IO_OR_RETURN(io, NULL);
	return io->ch->thread;
}
