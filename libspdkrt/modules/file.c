/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The file or block device behind an aio or io_uring bdev: spec keys, opening (O_DIRECT unless
 * the filesystem refuses it), logical block size, size, rescan, and the bdev skeleton the two
 * modules share. Only the I/O engine differs between them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modules/file.h"
#include "modules/file_worker.h"
#include "util/spec.h"

#define SRT_LOG_COMPONENT "file"
#include "util/log.h"

static int file_open(const char *module, const char *name, const char *path, struct srt_file *f)
{
	struct stat st;
	int fd, rc;

	if (strlen(path) >= sizeof(f->path)) {
		SRT_ERR("%s bdev '%s': filename is longer than %zu characters", module, name,
			sizeof(f->path) - 1);
		return -EINVAL;
	}
	f->direct = true;
	fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0 && errno == EINVAL) {
		f->direct = false;
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			SRT_WARN("%s bdev '%s': the filesystem of '%s' refuses O_DIRECT; using "
				 "buffered I/O through the page cache",
				 module, name, path);
	}
	if (fd < 0) {
		rc = -errno;
		SRT_ERR("%s bdev '%s': cannot open '%s' for reading and writing: %s", module, name,
			path, spdkrt_strerror(rc));
		return rc;
	}
	if (fstat(fd, &st) != 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		SRT_ERR("%s bdev '%s': '%s' is neither a regular file nor a block device", module,
			name, path);
		close(fd);
		return -EINVAL;
	}
	f->fd = fd;
	f->blockdev = S_ISBLK(st.st_mode);
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	snprintf(f->path, sizeof(f->path), "%s", path);
	return 0;
}

/* The granularity O_DIRECT needs: the device's logical block size, or what the filesystem says. */
static int device_block_size(const char *module, const char *name, const struct srt_file *f,
			     uint32_t *bs)
{
	*bs = 512;
	if (f->blockdev) {
		int ssz = 0;

		if (ioctl(f->fd, BLKSSZGET, &ssz) != 0) {
			int rc = -errno;

			SRT_ERR("%s bdev '%s': BLKSSZGET on '%s': %s", module, name, f->path,
				spdkrt_strerror(rc));
			return rc;
		}
		*bs = (uint32_t)ssz;
	} else if (f->direct) {
#ifdef STATX_DIOALIGN
		struct statx stx;

		if (statx(f->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
		    (stx.stx_mask & STATX_DIOALIGN) != 0 && stx.stx_dio_offset_align > 512)
			*bs = stx.stx_dio_offset_align;
#endif
	}
	if (*bs < 512 || *bs > 65536 || (*bs & (*bs - 1)) != 0) {
		SRT_ERR("%s bdev '%s': '%s' reports a logical block size of %u bytes, not a power "
			"of two in 512..65536",
			module, name, f->path, *bs);
		return -EINVAL;
	}
	return 0;
}

static int file_bytes(const struct srt_file *f, uint64_t *bytes)
{
	struct stat st;

	if (f->blockdev)
		return ioctl(f->fd, BLKGETSIZE64, bytes) == 0 ? 0 : -errno;
	if (fstat(f->fd, &st) != 0)
		return -errno;
	*bytes = (uint64_t)st.st_size;
	return 0;
}

static int read_spec(struct srt_spec *spec, const char **name, const char **path,
		     uint64_t *block_size)
{
	int rc = srt_spec_get_str(spec, "name", name);

	if (rc == 0 && strlen(*name) >= sizeof(((struct srt_file_disk *)0)->name)) {
		SRT_ERR("%s bdev spec: name '%s' is longer than 63 characters", spec->module,
			*name);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = srt_spec_get_str(spec, "filename", path);
	if (rc == 0)
		rc = srt_spec_get_u64(spec, "block_size", 512, 65536, block_size);
	if (rc == 0 && (*block_size & (*block_size - 1)) != 0) {
		SRT_ERR("%s bdev spec: block_size %llu is not a power of two", spec->module,
			(unsigned long long)*block_size);
		rc = -EINVAL;
	}
	return rc == 0 ? srt_spec_check_all_used(spec) : rc;
}

/* Fills the geometry from the open file; -EINVAL (logged) when it does not fit. */
static int fill_geometry(const char *module, const char *name, struct srt_file_disk *disk,
			 uint64_t block_size, uint64_t *num_blocks)
{
	struct srt_file *f = &disk->file;
	uint64_t bytes = 0;
	int rc;

	rc = device_block_size(module, name, f, &f->dev_block_size);
	if (rc != 0)
		return rc;
	if (block_size == 0) {
		block_size = f->dev_block_size;
	} else if (block_size < f->dev_block_size) {
		SRT_ERR("%s bdev '%s': block_size %llu is smaller than the logical block size %u "
			"of '%s'",
			module, name, (unsigned long long)block_size, f->dev_block_size, f->path);
		return -EINVAL;
	}
	rc = file_bytes(f, &bytes);
	if (rc != 0) {
		SRT_ERR("%s bdev '%s': cannot read the size of '%s': %s", module, name, f->path,
			spdkrt_strerror(rc));
		return rc;
	}
	if (bytes < block_size) {
		SRT_ERR("%s bdev '%s': '%s' (%llu bytes) is smaller than one block of %llu bytes",
			module, name, f->path, (unsigned long long)bytes,
			(unsigned long long)block_size);
		return -EINVAL;
	}
	if (bytes % block_size != 0)
		SRT_NOTICE("%s bdev '%s': the last %llu bytes of '%s' are not a whole block and "
			   "stay unused",
			   module, name, (unsigned long long)(bytes % block_size), f->path);
	disk->block_size = (uint32_t)block_size;
	*num_blocks = bytes / block_size;
	return 0;
}

static void free_disk(struct srt_file_disk *disk)
{
	if (disk->worker != NULL) {
		srt_file_worker_fini(disk->worker);
		free(disk->worker);
	}
	if (disk->file.fd >= 0)
		close(disk->file.fd);
	free(disk);
}

static void unregistered_after_failure(void *channel_device)
{
	free_disk(srt_file_disk_of_device(channel_device));
}

int srt_file_disk_create(struct spdkrt_bdev_module *public_module,
			 struct spdkrt_bdev_spec *public_spec,
			 const struct srt_file_module_ops *ops, struct spdkrt_bdev **out)
{
	struct srt_spec *spec = (struct srt_spec *)public_spec;
	const char *module = ops->name;
	uint64_t block_size = 0, num_blocks = 0;
	struct spdkrt_bdev_info info;
	struct srt_file_disk *disk;
	const char *name, *path;
	int rc;

	rc = read_spec(spec, &name, &path, &block_size);
	if (rc != 0)
		return rc;
	if (spdkrt_bdev_get_by_name(name) != NULL) {
		SRT_ERR("%s bdev '%s': a bdev with this name already exists", module, name);
		return -EEXIST;
	}
	disk = calloc(1, sizeof(*disk));
	if (disk == NULL)
		return -ENOMEM;
	disk->file.fd = -1;
	disk->worker = malloc(sizeof(*disk->worker));
	if (disk->worker == NULL) {
		free_disk(disk);
		return -ENOMEM;
	}
	srt_file_worker_init(disk->worker, &disk->file);
	disk->module_name = ops->name;
	snprintf(disk->name, sizeof(disk->name), "%s", name);
	rc = file_open(module, name, path, &disk->file);
	if (rc == 0)
		rc = fill_geometry(module, name, disk, block_size, &num_blocks);
	if (rc != 0) {
		free_disk(disk);
		return rc;
	}
	spdkrt_bdev_info_init(&info, sizeof(info));
	info.name = name;
	info.product_name = ops->product_name;
	info.module = public_module;
	info.fn = ops->fn;
	info.ctx = disk;
	info.block_size = disk->block_size;
	info.num_blocks = num_blocks;
	/* O_DIRECT moves data straight between the device and the buffers. */
	info.buf_align = disk->file.direct ? disk->file.dev_block_size : 1;
	rc = spdkrt_io_device_register(&disk->channel_device, ops->channel_create,
				       ops->channel_destroy, ops->channel_size, name);
	if (rc != 0) {
		free_disk(disk);
		return rc;
	}
	rc = spdkrt_bdev_register(&info, &disk->bdev);
	if (rc != 0) {
		if (spdkrt_io_device_unregister(&disk->channel_device,
						unregistered_after_failure) != 0)
			SRT_WARN("%s bdev '%s': its channel device stays registered", module, name);
		return rc;
	}
	SRT_INFO("%s bdev '%s' on '%s': %s I/O, blocks of %u bytes (device: %u)", module, name,
		 disk->file.path, disk->file.direct ? "O_DIRECT" : "buffered", disk->block_size,
		 disk->file.dev_block_size);
	*out = disk->bdev;
	return 0;
}

static void channels_gone(void *channel_device)
{
	struct srt_file_disk *disk = srt_file_disk_of_device(channel_device);
	void (*done)(struct spdkrt_bdev * bdev) = disk->destruct_done;

	done(disk->bdev);
	free_disk(disk);
}

void srt_file_disk_destruct(struct spdkrt_bdev *bdev, void (*done)(struct spdkrt_bdev *bdev))
{
	struct srt_file_disk *disk = spdkrt_bdev_get_module_ctx(bdev);

	/* The module's channels may outlive the bdev's own channels by one poll. */
	disk->destruct_done = done;
	if (spdkrt_io_device_unregister(&disk->channel_device, channels_gone) != 0)
		channels_gone(&disk->channel_device);
}

struct spdkrt_io_channel *srt_file_disk_get_io_channel(void *ctx)
{
	struct srt_file_disk *disk = ctx;

	return spdkrt_get_io_channel(&disk->channel_device);
}

bool srt_file_disk_io_type_supported(void *ctx, enum spdkrt_bdev_io_type type)
{
	(void)ctx;
	switch (type) {
	case SPDKRT_BDEV_IO_READ:
	case SPDKRT_BDEV_IO_WRITE:
	case SPDKRT_BDEV_IO_UNMAP:
	case SPDKRT_BDEV_IO_FLUSH:
	case SPDKRT_BDEV_IO_RESET:
	case SPDKRT_BDEV_IO_WRITE_ZEROES:
		return true;
	default:
		return false;
	}
}

int srt_file_disk_rescan(void *ctx, uint64_t *num_blocks)
{
	struct srt_file_disk *disk = ctx;
	struct srt_file *f = &disk->file;
	uint64_t bytes = 0;
	struct stat st;
	int rc;

	if (stat(f->path, &st) != 0 || st.st_dev != f->dev || st.st_ino != f->ino)
		SRT_WARN("%s bdev '%s': '%s' was removed or replaced; the bdev keeps using the "
			 "file it opened",
			 disk->module_name, disk->name, f->path);
	rc = file_bytes(f, &bytes);
	if (rc != 0) {
		SRT_ERR("%s bdev '%s': cannot read the size of '%s': %s", disk->module_name,
			disk->name, f->path, spdkrt_strerror(rc));
		return rc;
	}
	if (bytes < disk->block_size) {
		SRT_ERR("%s bdev '%s': '%s' is now %llu bytes, smaller than one block",
			disk->module_name, disk->name, f->path, (unsigned long long)bytes);
		return -EINVAL;
	}
	*num_blocks = bytes / disk->block_size;
	return 0;
}
