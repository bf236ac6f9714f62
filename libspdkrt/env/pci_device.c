/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device object drivers hold: attach (allow list, kernel-driver check, claim, provider,
 * bus mastering), BAR mappings, config space access, reset, removal, detach.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env/pci_allow.h"
#include "env/pci_provider.h"
#include "env/pci_sigbus.h"
#include "env/pci_sysfs.h"

#define SRT_LOG_COMPONENT "pci"
#include "util/log.h"

#define CFG_COMMAND 0x04
#define CMD_MEMORY_SPACE 0x0002
#define CMD_BUS_MASTER 0x0004

/* Attach and detach are serialised: claims and provider state change together. */
static pthread_mutex_t g_attach_lock = PTHREAD_MUTEX_INITIALIZER;

/* The provider of a function bound to `driver`, or a negative errno (the reason logged). */
static int provider_for_driver(const char *name, const char *driver,
			       const struct srt_pci_provider **provider)
{
	static const struct {
		const char *driver;
		const struct srt_pci_provider *provider;
	} table[] = {
		{ "vfio-pci", &srt_pci_vfio_provider },
		{ "uio_pci_generic", &srt_pci_uio_provider },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(driver, table[i].driver) != 0)
			continue;
		if (table[i].provider == NULL) {
			SRT_ERR("%s: the %s provider is not available in this build", name, driver);
			return -ENOTSUP;
		}
		*provider = table[i].provider;
		return 0;
	}
	if (driver[0] == '\0') {
		SRT_ERR("%s is bound to no driver: run `spdkrt-setup config` to bind it to "
			"vfio-pci or uio_pci_generic",
			name);
		return -ENXIO;
	}
	SRT_ERR("%s is bound to the kernel driver %s: run `spdkrt-setup config` to hand it to "
		"spdkrt (vfio-pci or uio_pci_generic)",
		name, driver);
	return -EBUSY;
}

/* Fills dev's ids and provider for a function sysfs shows, and claims it. */
static int prepare_sysfs_function(struct srt_pci_device *dev, const char *name)
{
	char driver[64];
	int rc = srt_pci_sysfs_read_id(&dev->addr, &dev->id);

	if (rc == -ENODEV)
		SRT_ERR("%s: no such PCI function", name);
	if (rc != 0)
		return rc;
	rc = srt_pci_sysfs_numa_node(&dev->addr, &dev->numa_node);
	if (rc == 0)
		rc = srt_pci_sysfs_driver(&dev->addr, driver, sizeof(driver));
	if (rc != 0) {
		SRT_ERR("%s: cannot read its sysfs attributes: %s", name, strerror(-rc));
		return rc;
	}
	rc = provider_for_driver(name, driver, &dev->provider);
	if (rc != 0)
		return rc;
	return srt_pci_claim(&dev->addr, &dev->claim_fd);
}

static int enable_bus_master(struct srt_pci_device *dev)
{
	uint16_t cmd;
	int rc = srt_pci_cfg_read16(dev, &cmd, CFG_COMMAND);

	if (rc == 0 &&
	    (cmd & (CMD_MEMORY_SPACE | CMD_BUS_MASTER)) != (CMD_MEMORY_SPACE | CMD_BUS_MASTER))
		rc = srt_pci_cfg_write16(dev, cmd | CMD_MEMORY_SPACE | CMD_BUS_MASTER, CFG_COMMAND);
	return rc;
}

int srt_pci_device_attach(const struct spdkrt_pci_addr *addr, struct srt_pci_device **out)
{
	char name[SPDKRT_PCI_ADDR_STRLEN];
	struct srt_pci_device *dev;
	bool opened = false;
	int rc;

	if (addr == NULL || out == NULL || spdkrt_pci_addr_fmt(name, sizeof(name), addr) != 0) {
		SRT_ERR("srt_pci_device_attach: NULL or invalid argument");
		return -EINVAL;
	}
	if (!srt_pci_allowed(addr)) {
		SRT_ERR("%s is not in the environment's PCI allow list (pci_allowed)", name);
		return -EACCES;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL)
		return -ENOMEM;
	dev->addr = *addr;
	dev->claim_fd = -1;
	dev->cfg_size = 256;
	pthread_mutex_lock(&g_attach_lock);
	if (srt_pci_model_lookup(addr, &dev->id, &dev->numa_node) == 0) {
		dev->provider = &srt_pci_model_provider;
		rc = 0;
	} else
		rc = prepare_sysfs_function(dev, name);
	if (rc == 0) {
		rc = dev->provider->open(dev);
		opened = rc == 0;
	}
	if (rc == 0) {
		rc = enable_bus_master(dev);
		if (rc != 0)
			SRT_ERR("%s: cannot enable bus mastering: %s", name, strerror(-rc));
	}
	if (rc != 0) {
		if (opened)
			dev->provider->close(dev);
		srt_pci_unclaim(dev->claim_fd);
		pthread_mutex_unlock(&g_attach_lock);
		free(dev);
		return rc;
	}
	pthread_mutex_unlock(&g_attach_lock);
	SRT_INFO("%s attached through the %s provider", name, dev->provider->name);
	*out = dev;
	return 0;
}

void srt_pci_device_detach(struct srt_pci_device *dev)
{
	if (dev == NULL)
		return;
	pthread_mutex_lock(&g_attach_lock);
	for (uint32_t bar = 0; bar < SRT_PCI_NUM_BARS; bar++)
		srt_pci_device_unmap_bar(dev, bar);
	dev->provider->close(dev);
	srt_pci_unclaim(dev->claim_fd);
	pthread_mutex_unlock(&g_attach_lock);
	free(dev);
}

const struct spdkrt_pci_addr *srt_pci_device_addr(const struct srt_pci_device *dev)
{
	return &dev->addr;
}

const struct spdkrt_pci_id *srt_pci_device_id(const struct srt_pci_device *dev)
{
	return &dev->id;
}

int srt_pci_device_numa_node(const struct srt_pci_device *dev)
{
	return dev->numa_node;
}

const char *srt_pci_device_provider(const struct srt_pci_device *dev)
{
	return dev->provider->name;
}

int srt_pci_device_map_bar(struct srt_pci_device *dev, uint32_t bar, void **va, uint64_t *size)
{
	struct srt_pci_bar_mapping *m;
	int rc;

	if (dev == NULL || va == NULL || size == NULL || bar >= SRT_PCI_NUM_BARS)
		return -EINVAL;
	m = &dev->bars[bar];
	if (m->va == NULL) {
		rc = dev->provider->map_bar(dev, bar, &m->va, &m->size);
		if (rc != 0) {
			m->va = NULL;
			return rc;
		}
		/* A SIGBUS there once the function is gone reads all ones instead (logged if not). */
		srt_pci_sigbus_register(m->va, (size_t)m->size);
	}
	*va = m->va;
	*size = m->size;
	return 0;
}

void srt_pci_device_unmap_bar(struct srt_pci_device *dev, uint32_t bar)
{
	struct srt_pci_bar_mapping *m;

	if (dev == NULL || bar >= SRT_PCI_NUM_BARS)
		return;
	m = &dev->bars[bar];
	if (m->va != NULL) {
		srt_pci_sigbus_unregister(m->va);
		dev->provider->unmap_bar(dev, bar, m->va, m->size);
	}
	m->va = NULL;
	m->size = 0;
}

static int cfg_check(struct srt_pci_device *dev, const void *value, uint32_t len, uint32_t offset)
{
	if (dev == NULL || value == NULL || offset % len != 0 || offset >= dev->cfg_size ||
	    dev->cfg_size - offset < len)
		return -EINVAL;
	return 0;
}

static int cfg_read(struct srt_pci_device *dev, void *value, uint32_t len, uint32_t offset)
{
	int rc = cfg_check(dev, value, len, offset);

	return rc != 0 ? rc : dev->provider->cfg_read(dev, value, len, offset);
}

static int cfg_write(struct srt_pci_device *dev, const void *value, uint32_t len, uint32_t offset)
{
	int rc = cfg_check(dev, value, len, offset);

	return rc != 0 ? rc : dev->provider->cfg_write(dev, value, len, offset);
}

int srt_pci_cfg_read8(struct srt_pci_device *dev, uint8_t *value, uint32_t offset)
{
	return cfg_read(dev, value, sizeof(*value), offset);
}

int srt_pci_cfg_read16(struct srt_pci_device *dev, uint16_t *value, uint32_t offset)
{
	return cfg_read(dev, value, sizeof(*value), offset);
}

int srt_pci_cfg_read32(struct srt_pci_device *dev, uint32_t *value, uint32_t offset)
{
	return cfg_read(dev, value, sizeof(*value), offset);
}

int srt_pci_cfg_write16(struct srt_pci_device *dev, uint16_t value, uint32_t offset)
{
	return cfg_write(dev, &value, sizeof(value), offset);
}

int srt_pci_cfg_write32(struct srt_pci_device *dev, uint32_t value, uint32_t offset)
{
	return cfg_write(dev, &value, sizeof(value), offset);
}

int srt_pci_device_reset(struct srt_pci_device *dev)
{
	if (dev == NULL)
		return -EINVAL;
	return dev->provider->reset != NULL ? dev->provider->reset(dev) : -ENOTSUP;
}

bool srt_pci_device_is_removed(struct srt_pci_device *dev)
{
	uint16_t vendor = 0xffff;

	if (dev == NULL)
		return true;
	for (uint32_t bar = 0; bar < SRT_PCI_NUM_BARS; bar++) {
		char name[SPDKRT_PCI_ADDR_STRLEN];

		if (!srt_pci_sigbus_replaced(dev->bars[bar].va))
			continue;
		/* An access raised SIGBUS: the BAR is gone (the handler made it read all ones). */
		if (!atomic_exchange(&dev->bar_fault_logged, true)) {
			spdkrt_pci_addr_fmt(name, sizeof(name), &dev->addr);
			SRT_WARN("%s: an access to BAR %u raised SIGBUS: the device is gone", name,
				 bar);
		}
		return true;
	}
	if (dev->provider->is_removed != NULL)
		return dev->provider->is_removed(dev);
	return dev->provider->cfg_read(dev, &vendor, sizeof(vendor), 0) != 0 || vendor == 0xffff;
}

int srt_pci_cfg_fd_read(int fd, uint64_t base, void *value, uint32_t len, uint32_t offset)
{
	ssize_t n = pread(fd, value, len, (off_t)(base + offset));

	return n == (ssize_t)len ? 0 : (n < 0 ? -errno : -EIO);
}

int srt_pci_cfg_fd_write(int fd, uint64_t base, const void *value, uint32_t len, uint32_t offset)
{
	ssize_t n = pwrite(fd, value, len, (off_t)(base + offset));

	return n == (ssize_t)len ? 0 : (n < 0 ? -errno : -EIO);
}
