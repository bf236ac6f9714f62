/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The uio_pci_generic provider: no IOMMU translation, so devices see physical addresses and the
 * environment must run with IOVA = PA (root, hugepages; with an IOMMU the kernel needs
 * iommu=pt). BARs are the sysfs resourceN files (sized with fstat: their length is the BAR's),
 * config space is the sysfs config file, reset is the sysfs reset file. uio_pci_generic only
 * keeps other drivers away; spdkrt polls and needs no /dev/uioN.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env/backend.h"
#include "env/pci_provider.h"
#include "env/pci_sysfs.h"

#define SRT_LOG_COMPONENT "pci"
#include "util/log.h"

#define IORESOURCE_IO 0x100 /* flags column of sysfs "resource" for an I/O port BAR */

struct uio_function {
	int cfg_fd;
	char name[SPDKRT_PCI_ADDR_STRLEN];
};

static int uio_open(struct srt_pci_device *dev)
{
	struct uio_function *f;
	char path[PATH_MAX];
	struct stat st;
	int rc;

	if (srt_env_iova_mode() == SPDKRT_IOVA_MODE_VA) {
		char name[SPDKRT_PCI_ADDR_STRLEN];

		spdkrt_pci_addr_fmt(name, sizeof(name), &dev->addr);
		SRT_ERR("%s is bound to uio_pci_generic, which needs IOVA = PA, but the environment "
			"runs with IOVA = VA: set iova_mode to SPDKRT_IOVA_MODE_PA (root, hugepages) "
			"or bind the function to vfio-pci",
			name);
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	spdkrt_pci_addr_fmt(f->name, sizeof(f->name), &dev->addr);
	rc = srt_pci_sysfs_path(path, sizeof(path), &dev->addr, "config");
	if (rc != 0) {
		free(f);
		return rc;
	}
	f->cfg_fd = open(path, O_RDWR | O_CLOEXEC);
	if (f->cfg_fd < 0) {
		rc = -errno;
		SRT_ERR("%s: cannot open its config space %s: %s (root is needed)", f->name, path,
			strerror(-rc));
		free(f);
		return rc;
	}
	dev->cfg_size = fstat(f->cfg_fd, &st) == 0 && st.st_size >= 4096 ? 4096 : 256;
	dev->priv = f;
	return 0;
}

static void uio_close(struct srt_pci_device *dev)
{
	struct uio_function *f = dev->priv;

	close(f->cfg_fd);
	free(f);
}

/* True when line `bar` of the sysfs resource table describes an I/O port BAR. */
static bool is_io_bar(const struct srt_pci_device *dev, uint32_t bar)
{
	char path[PATH_MAX], line[128];
	unsigned long long start, end, flags = 0;
	bool io = false;
	FILE *f;

	if (srt_pci_sysfs_path(path, sizeof(path), &dev->addr, "resource") != 0)
		return false;
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	for (uint32_t i = 0; i <= bar && fgets(line, sizeof(line), f) != NULL; i++) {
		if (i == bar && sscanf(line, "%llx %llx %llx", &start, &end, &flags) == 3)
			io = (flags & IORESOURCE_IO) != 0;
	}
	fclose(f);
	return io;
}

static int uio_map_bar(struct srt_pci_device *dev, uint32_t bar, void **va, uint64_t *size)
{
	struct uio_function *f = dev->priv;
	char attr[16], path[PATH_MAX];
	struct stat st;
	void *map;
	int fd, rc;

	if (is_io_bar(dev, bar)) {
		SRT_ERR("%s: BAR %u is an I/O port BAR, which cannot be mapped", f->name, bar);
		return -EINVAL;
	}
	snprintf(attr, sizeof(attr), "resource%u", bar);
	rc = srt_pci_sysfs_path(path, sizeof(path), &dev->addr, attr);
	if (rc != 0)
		return rc;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOENT ? -EINVAL : -errno;
		if (rc != -EINVAL)
			SRT_ERR("%s: cannot open %s: %s", f->name, path, strerror(-rc));
		return rc;
	}
	/* The file's size is the BAR's; lseek(SEEK_END) does not work on it. */
	if (fstat(fd, &st) != 0 || st.st_size <= 0) {
		close(fd);
		return -EINVAL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	rc = map == MAP_FAILED ? -errno : 0;
	close(fd); /* the mapping stays */
	if (rc != 0) {
		SRT_ERR("%s: mmap of %s failed: %s", f->name, path, strerror(-rc));
		return rc;
	}
	*va = map;
	*size = (uint64_t)st.st_size;
	return 0;
}

static void uio_unmap_bar(struct srt_pci_device *dev, uint32_t bar, void *va, uint64_t size)
{
	(void)dev;
	(void)bar;
	munmap(va, size);
}

static int uio_cfg_read(struct srt_pci_device *dev, void *value, uint32_t len, uint32_t offset)
{
	struct uio_function *f = dev->priv;

	return srt_pci_cfg_fd_read(f->cfg_fd, 0, value, len, offset);
}

static int uio_cfg_write(struct srt_pci_device *dev, const void *value, uint32_t len,
			 uint32_t offset)
{
	struct uio_function *f = dev->priv;

	return srt_pci_cfg_fd_write(f->cfg_fd, 0, value, len, offset);
}

static int uio_reset(struct srt_pci_device *dev)
{
	char path[PATH_MAX];
	int fd, rc = srt_pci_sysfs_path(path, sizeof(path), &dev->addr, "reset");

	if (rc != 0)
		return rc;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOTSUP : -errno;
	rc = write(fd, "1", 1) == 1 ? 0 : -errno;
	close(fd);
	return rc;
}

const struct srt_pci_provider srt_pci_uio_provider = {
	.name = "uio",
	.open = uio_open,
	.close = uio_close,
	.map_bar = uio_map_bar,
	.unmap_bar = uio_unmap_bar,
	.cfg_read = uio_cfg_read,
	.cfg_write = uio_cfg_write,
	.reset = uio_reset,
};
