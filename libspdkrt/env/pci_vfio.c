/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vfio-pci provider. DPDK's public rte_vfio_setup_device() puts the function's IOMMU group in
 * DPDK's default container, which maps all of DPDK's memory with IOVA = VA; spdkrt then talks to
 * the device fd itself: region info, BAR mmap, config space through the config region, reset.
 * The kernel's vfio-pci resets the function when the device fd is opened. A hot removal or an
 * unbind waits until the user gives the device back: the kernel signals the device request
 * eventfd registered here, and the function then reports is_removed (the driver fails its I/O,
 * calls the remove callback, the application detaches). Compiled with DPDK's
 * cflags (it calls rte_vfio_*); no DPDK type leaves this file.
 */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
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
	int req_fd;                    /* the device request eventfd, -1 without one */
	atomic_bool removal_requested; /* the kernel signalled it: sticky (admin and I/O threads) */
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

/* Registers (or with @p efd -1, unregisters) the eventfd of VFIO's device request interrupt. */
static int set_req_irq(int device_fd, int efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	int32_t fd = efd;

	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(buf);
	set->index = VFIO_PCI_REQ_IRQ_INDEX;
	set->flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		     (efd >= 0 ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	set->count = efd >= 0 ? 1 : 0;
	if (efd >= 0)
		memcpy(set->data, &fd, sizeof(fd));
	else
		set->argsz = sizeof(*set);
	return ioctl(device_fd, VFIO_DEVICE_SET_IRQS, set) == 0 ? 0 : -errno;
}

/* Without the notifier a removal waits for the process to exit: say so, carry on. */
static void req_notifier_enable(struct vfio_function *f)
{
	int rc;

	f->req_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rc = f->req_fd < 0 ? -errno : set_req_irq(f->fd, f->req_fd);
	if (rc != 0) {
		SRT_WARN("%s: no VFIO device request notifier (%s): a hot removal is seen only "
			 "through the device's registers",
			 f->name, strerror(-rc));
		if (f->req_fd >= 0)
			close(f->req_fd);
		f->req_fd = -1;
	}
}

static void req_notifier_disable(struct vfio_function *f)
{
	if (f->req_fd < 0)
		return;
	set_req_irq(f->fd, -1);
	close(f->req_fd);
	f->req_fd = -1;
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
	req_notifier_enable(f);
	/* Memory the application registered before this container had a device. */
	srt_dpdk_mem_map_registered();
	return 0;
}

static void vfio_close(struct srt_pci_device *dev)
{
	struct vfio_function *f = dev->priv;

	req_notifier_disable(f);
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

/* The kernel asked for the device back (removal, unbind), or config reads return all ones. */
static bool vfio_is_removed(struct srt_pci_device *dev)
{
	struct vfio_function *f = dev->priv;
	uint64_t count;
	uint16_t vendor = 0xffff;

	if (!atomic_load(&f->removal_requested) && f->req_fd >= 0 &&
	    read(f->req_fd, &count, sizeof(count)) == (ssize_t)sizeof(count)) {
		atomic_store(&f->removal_requested, true);
		SRT_WARN("%s: the kernel asks for the device back (hot removal or unbind): it is "
			 "treated as removed",
			 f->name);
	}
	return atomic_load(&f->removal_requested) ||
	       vfio_cfg_read(dev, &vendor, sizeof(vendor), 0) != 0 || vendor == 0xffff;
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
	.is_removed = vfio_is_removed,
};
