/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vfio-pci provider. DPDK's public rte_vfio_setup_device() puts the function's IOMMU group in
 * DPDK's default container, which maps all of DPDK's memory with IOVA = VA; spdkrt then talks to
 * the device fd itself: region info, BAR mmap, config space through the config region, reset.
 * The kernel's vfio-pci resets the function when the device fd is opened. Compiled with DPDK's
 * cflags (it calls rte_vfio_*); no DPDK type leaves this file.
 */
#include <errno.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_vfio.h>

#include "env/backend.h"
#include "env/dpdk_dma.h"
#include "env/pci_provider.h"
#include "env/pci_sysfs.h"

#define SRT_LOG_COMPONENT "pci"
#include "util/log.h"

struct vfio_function {
	int fd;
	uint32_t device_flags;
	uint64_t cfg_offset; /* of the config region in the device fd */
	uint64_t cfg_size;
	char name[SPDKRT_PCI_ADDR_STRLEN];
	char sysfs_base[PATH_MAX];
};

static int region_info(int fd, uint32_t index, struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, info) == 0 ? 0 : -errno;
}

static int vfio_open(struct srt_pci_device *dev)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info cfg;
	struct vfio_function *f;
	char path[PATH_MAX];
	int rc;

	if (!srt_env_uses_dpdk()) {
		SRT_ERR("vfio-pci functions need the DPDK environment (call spdkrt_env_init first)");
		return -ENODEV;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	spdkrt_pci_addr_fmt(f->name, sizeof(f->name), &dev->addr);
	rc = srt_pci_sysfs_path(path, sizeof(path), &dev->addr, NULL);
	if (rc == 0) {
		/* DPDK wants the directory that holds the function, without the address. */
		*strrchr(path, '/') = '\0';
		snprintf(f->sysfs_base, sizeof(f->sysfs_base), "%s", path);
	}
	rc = rte_vfio_setup_device(f->sysfs_base, f->name, &f->fd, &info);
	if (rc != 0) {
		SRT_ERR("%s: VFIO setup failed (is the vfio-pci module loaded before "
			"spdkrt_env_init, the IOMMU group viable, /dev/vfio accessible?)",
			f->name);
		free(f);
		return -EIO;
	}
	f->device_flags = info.flags;
	rc = region_info(f->fd, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (rc != 0 || cfg.size < 256) {
		SRT_ERR("%s: no usable VFIO config region", f->name);
		rte_vfio_release_device(f->sysfs_base, f->name, f->fd);
		free(f);
		return rc != 0 ? rc : -EIO;
	}
	f->cfg_offset = cfg.offset;
	f->cfg_size = cfg.size;
	dev->cfg_size = cfg.size >= 4096 ? 4096 : 256;
	dev->priv = f;
	/* Memory the application registered before this container had a device. */
	srt_dpdk_mem_map_registered();
	return 0;
}

static void vfio_close(struct srt_pci_device *dev)
{
	struct vfio_function *f = dev->priv;

	if (rte_vfio_release_device(f->sysfs_base, f->name, f->fd) != 0)
		SRT_WARN("%s: VFIO release failed", f->name);
	free(f);
}

static int vfio_map_bar(struct srt_pci_device *dev, uint32_t bar, void **va, uint64_t *size)
{
	struct vfio_function *f = dev->priv;
	struct vfio_region_info r;
	void *map;
	int rc = region_info(f->fd, VFIO_PCI_BAR0_REGION_INDEX + bar, &r);

	if (rc != 0)
		return rc;
	if (r.size == 0 || !(r.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		SRT_ERR("%s: BAR %u is absent or cannot be mapped (an I/O port BAR?)", f->name,
			bar);
		return -EINVAL;
	}
	map = mmap(NULL, r.size, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, (off_t)r.offset);
	if (map == MAP_FAILED) {
		rc = -errno;
		SRT_ERR("%s: mmap of BAR %u (%llu bytes) failed: %s", f->name, bar,
			(unsigned long long)r.size, strerror(-rc));
		return rc;
	}
	*va = map;
	*size = r.size;
	return 0;
}

static void vfio_unmap_bar(struct srt_pci_device *dev, uint32_t bar, void *va, uint64_t size)
{
	(void)dev;
	(void)bar;
	munmap(va, size);
}

static int vfio_cfg_read(struct srt_pci_device *dev, void *value, uint32_t len, uint32_t offset)
{
	struct vfio_function *f = dev->priv;

	return srt_pci_cfg_fd_read(f->fd, f->cfg_offset, value, len, offset);
}

static int vfio_cfg_write(struct srt_pci_device *dev, const void *value, uint32_t len,
			  uint32_t offset)
{
	struct vfio_function *f = dev->priv;

	return srt_pci_cfg_fd_write(f->fd, f->cfg_offset, value, len, offset);
}

static int vfio_reset(struct srt_pci_device *dev)
{
	struct vfio_function *f = dev->priv;

	if (!(f->device_flags & VFIO_DEVICE_FLAGS_RESET))
		return -ENOTSUP;
	return ioctl(f->fd, VFIO_DEVICE_RESET) == 0 ? 0 : -errno;
}

const struct srt_pci_provider srt_pci_vfio_provider = {
	.name = "vfio",
	.open = vfio_open,
	.close = vfio_close,
	.map_bar = vfio_map_bar,
	.unmap_bar = vfio_unmap_bar,
	.cfg_read = vfio_cfg_read,
	.cfg_write = vfio_cfg_write,
	.reset = vfio_reset,
};
