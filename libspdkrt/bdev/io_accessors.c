/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a module reads of an I/O: struct spdkrt_bdev_io is opaque outside the core. A NULL I/O
 * gives 0, NULL or an invalid type, never a crash.
 */
#include "bdev/core.h"

enum spdkrt_bdev_io_type spdkrt_bdev_io_get_type(const struct spdkrt_bdev_io *io)
{
	return io != NULL ? io->type : (enum spdkrt_bdev_io_type)SPDKRT_BDEV_IO_TYPE_SLOTS;
}

struct spdkrt_bdev *spdkrt_bdev_io_get_bdev(const struct spdkrt_bdev_io *io)
{
	return io != NULL ? io->bdev : NULL;
}

uint64_t spdkrt_bdev_io_get_offset_blocks(const struct spdkrt_bdev_io *io)
{
	return io != NULL ? io->offset_blocks : 0;
}

uint64_t spdkrt_bdev_io_get_num_blocks(const struct spdkrt_bdev_io *io)
{
	return io != NULL ? io->num_blocks : 0;
}

struct iovec *spdkrt_bdev_io_get_iovs(const struct spdkrt_bdev_io *io, int *iovcnt)
{
	if (iovcnt != NULL)
		*iovcnt = io != NULL ? io->iovcnt : 0;
	return io != NULL ? io->iovs : NULL;
}

struct iovec *spdkrt_bdev_io_get_write_iovs(const struct spdkrt_bdev_io *io, int *iovcnt)
{
	bool caw = io != NULL && io->type == SPDKRT_BDEV_IO_COMPARE_AND_WRITE;

	if (iovcnt != NULL)
		*iovcnt = caw ? 1 : 0;
	return caw ? (struct iovec *)&io->unsplit.write_iov : NULL;
}

const struct spdkrt_bdev_range *spdkrt_bdev_io_get_ranges(const struct spdkrt_bdev_io *io,
							  uint32_t *count)
{
	bool ranged = io != NULL && (io->type == SPDKRT_BDEV_IO_UNMAP ||
				     io->type == SPDKRT_BDEV_IO_WRITE_ZEROES);

	if (count != NULL)
		*count = ranged ? io->unsplit.num_ranges : 0;
	return ranged ? io->unsplit.ranges : NULL;
}

const struct spdkrt_nvme_cmd *spdkrt_bdev_io_get_nvme_cmd(const struct spdkrt_bdev_io *io)
{
	if (io == NULL || (io->type != SPDKRT_BDEV_IO_NVME_ADMIN && io->type != SPDKRT_BDEV_IO_NVME_IO))
		return NULL;
	return &io->nvme_cmd;
}

void *spdkrt_bdev_io_get_driver_ctx(struct spdkrt_bdev_io *io)
{
	return io != NULL ? io->module_ctx : NULL;
}

struct spdkrt_io_channel *spdkrt_bdev_io_get_io_channel(const struct spdkrt_bdev_io *io)
{
	return io != NULL ? io->ch->io_ch : NULL;
}

struct spdkrt_thread *spdkrt_bdev_io_get_thread(const struct spdkrt_bdev_io *io)
{
	return io != NULL ? io->ch->thread : NULL;
}
