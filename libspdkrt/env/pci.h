/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCI layer's driver-facing seam (internal, never installed). Drivers (nvme, ioat) see one
 * device object; providers behind it are vfio-pci (through DPDK's public VFIO calls), uio_pci_generic
 * (sysfs resource files, IOVA = PA) and model devices that unit tests register (BARs in ordinary
 * memory, run by a poll function). Users see only addresses and ids (include/spdkrt/pci.h).
 *
 * Threading: enumeration, attach and detach from any one thread at a time (a global lock);
 * a device handle belongs to its driver.
 */
#ifndef SRT_ENV_PCI_H
#define SRT_ENV_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spdkrt/env.h>
#include <spdkrt/pci.h>

#define SRT_PCI_NUM_BARS 6

/* A PCI function the layer has attached (claimed, mapped on demand). Opaque to drivers. */
struct srt_pci_device;

/* Which functions a driver takes: a class match and/or an id table (0xFFFF = any field). */
struct srt_pci_match {
	uint32_t class_code; /* 24-bit class/subclass/prog-if, compared under class_mask */
	uint32_t class_mask; /* 0: class not compared */
	const struct spdkrt_pci_id *ids; /* NULL or an array ended by vendor_id == 0 */
};

/*
 * True when id matches (class and, if given, one entry of the id table). In a table entry
 * 0xFFFF matches any vendor/device/subsystem value and class_code 0 any class.
 */
bool srt_pci_match(const struct srt_pci_match *match, const struct spdkrt_pci_id *id);

/*
 * Enumerate functions that match (sysfs and registered models), honouring the env's PCI allow
 * list. cb returns 0 to go on, > 0 to stop, < 0 to stop with that error.
 * @return 0, the callback's negative value, or a negative errno (logged).
 */
int srt_pci_enumerate(const struct srt_pci_match *match,
		      int (*cb)(void *ctx, const struct spdkrt_pci_addr *addr,
				const struct spdkrt_pci_id *id),
		      void *ctx);

/*
 * For spdkrt_env_init with iova_mode AUTO: PA when the allowed functions bound for spdkrt are all
 * on uio_pci_generic (which cannot translate), else AUTO (DPDK picks VA when there is an IOMMU).
 */
enum spdkrt_iova_mode srt_pci_iova_mode_hint(void);

/*
 * Attach one function: checks the allow list, refuses a function bound to a kernel driver
 * other than vfio-pci/uio_pci_generic (-EBUSY, log says to run `spdkrt-setup config`), takes the
 * exclusive cross-process claim (-EBUSY when another process holds it), opens the provider,
 * enables bus mastering. A model device needs no claim file.
 * @return 0 and *dev, -ENODEV (no such function), -EACCES (not allowed), -EBUSY (bound to a
 *	kernel driver, claimed by another process, or a model already attached), -ENXIO (bound to
 *	no driver), -ENOTSUP (no provider for its driver in this build), or another negative errno.
 *	Every failure is logged.
 */
int srt_pci_device_attach(const struct spdkrt_pci_addr *addr, struct srt_pci_device **dev);

/* Unmap every BAR, release the provider and the claim. NULL is ignored. Attach may follow. */
void srt_pci_device_detach(struct srt_pci_device *dev);

const struct spdkrt_pci_addr *srt_pci_device_addr(const struct srt_pci_device *dev);
const struct spdkrt_pci_id *srt_pci_device_id(const struct srt_pci_device *dev);
int srt_pci_device_numa_node(const struct srt_pci_device *dev); /* -1 when unknown */
/* "vfio", "uio" or "model". */
const char *srt_pci_device_provider(const struct srt_pci_device *dev);

/*
 * Map BAR `bar` (idempotent: a second call returns the same mapping).
 * @return 0 with *va and *size, -EINVAL (no such BAR / I/O-port BAR), or a negative errno.
 */
int srt_pci_device_map_bar(struct srt_pci_device *dev, uint32_t bar, void **va, uint64_t *size);
void srt_pci_device_unmap_bar(struct srt_pci_device *dev, uint32_t bar);

/* Config space access; offset + width must lie inside config space. 0 or a negative errno. */
int srt_pci_cfg_read8(struct srt_pci_device *dev, uint8_t *value, uint32_t offset);
int srt_pci_cfg_read16(struct srt_pci_device *dev, uint16_t *value, uint32_t offset);
int srt_pci_cfg_read32(struct srt_pci_device *dev, uint32_t *value, uint32_t offset);
int srt_pci_cfg_write16(struct srt_pci_device *dev, uint16_t value, uint32_t offset);
int srt_pci_cfg_write32(struct srt_pci_device *dev, uint32_t value, uint32_t offset);

/* Function-level reset where the provider can (vfio: VFIO_DEVICE_RESET); -ENOTSUP otherwise. */
int srt_pci_device_reset(struct srt_pci_device *dev);

/*
 * Surprise removal: true once the provider saw the device go (a model unregistered, a vfio
 * device request, a uio remove uevent, or a config read of all ones).
 */
bool srt_pci_device_is_removed(struct srt_pci_device *dev);

/*
 * Model devices for unit tests. A model owns its BAR memory and config space; the driver maps
 * the BAR and sees that memory. The model's poll function runs whenever model devices are polled:
 * from a poller that srt_pci_model_register() adds to the calling spdkrt thread (if any), and from
 * srt_pci_model_poll_all(), which tests call to run every model deterministically. Polls and
 * config callbacks run under one lock, so a model never runs on two threads at once; they must
 * not call srt_pci_model_* themselves. Models read and write their registers with the
 * env/mmio.h helpers (the driver's doorbell store is a release, the model's load an acquire) and
 * reach DMA memory through srt_dma_iova_to_vaddr() (env/dma.h), never through a VA.
 * A model registered at the address of a real function shadows it.
 */
struct srt_pci_model_ops {
	/* Process register writes, run queues; returns > 0 when it did work. */
	int (*poll)(void *model);
	/* Optional: a config-space write (e.g. the command register) or a function reset. */
	void (*cfg_written)(void *model, uint32_t offset, uint32_t width);
	void (*reset)(void *model);
};

struct srt_pci_model_desc {
	struct spdkrt_pci_addr addr;
	struct spdkrt_pci_id id;
	void *bar[SRT_PCI_NUM_BARS]; /* NULL: BAR absent */
	uint64_t bar_size[SRT_PCI_NUM_BARS];
	int numa_node;
	const struct srt_pci_model_ops *ops;
	void *model;
};

/*
 * -EEXIST for an address already registered, -EINVAL for a bad description. The config space
 * (4 KiB) is built from the id and BARs; the command register and offsets from 0x40 are
 * writable. Registering on an spdkrt thread adds the poller there; unregister removes it (from
 * another thread, through a message to the poller's thread).
 */
int srt_pci_model_register(const struct srt_pci_model_desc *desc);
/* Hot removal of a model: an attached device then reports is_removed. -ENOENT if unknown. */
int srt_pci_model_unregister(const struct spdkrt_pci_addr *addr);
/* Run every registered model's poll once; returns the number that did work. */
int srt_pci_model_poll_all(void);

#endif
