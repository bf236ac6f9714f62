/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the PCI layer: the device object and the provider interface behind it (model, vfio,
 * uio). Drivers use env/pci.h; only the PCI layer's own files include this.
 */
#ifndef SRT_ENV_PCI_PROVIDER_H
#define SRT_ENV_PCI_PROVIDER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "env/pci.h"

struct srt_pci_provider {
	const char *name; /* "vfio", "uio", "model" */
	/* Open the function (dev->addr, dev->id set); may set dev->priv. */
	int (*open)(struct srt_pci_device *dev);
	/* Release everything open() took; BARs are already unmapped. */
	void (*close)(struct srt_pci_device *dev);
	int (*map_bar)(struct srt_pci_device *dev, uint32_t bar, void **va, uint64_t *size);
	void (*unmap_bar)(struct srt_pci_device *dev, uint32_t bar, void *va, uint64_t size);
	/* len is 1, 2 or 4 and offset + len lies inside config space (checked by the caller). */
	int (*cfg_read)(struct srt_pci_device *dev, void *value, uint32_t len, uint32_t offset);
	int (*cfg_write)(struct srt_pci_device *dev, const void *value, uint32_t len,
			 uint32_t offset);
	int (*reset)(struct srt_pci_device *dev); /* NULL: -ENOTSUP */
	/* NULL: removed when config reads fail or return all ones, as they do for a gone function */
	bool (*is_removed)(struct srt_pci_device *dev);
};

/* Config space through a file descriptor at base (vfio's config region, sysfs's config file). */
int srt_pci_cfg_fd_read(int fd, uint64_t base, void *value, uint32_t len, uint32_t offset);
int srt_pci_cfg_fd_write(int fd, uint64_t base, const void *value, uint32_t len, uint32_t offset);

struct srt_pci_bar_mapping {
	void *va;
	uint64_t size;
};

struct srt_pci_device {
	struct spdkrt_pci_addr addr;
	struct spdkrt_pci_id id;
	int numa_node;
	uint32_t cfg_size; /* 256 (conventional) or 4096 (extended) */
	const struct srt_pci_provider *provider;
	void *priv;
	int claim_fd; /* -1: no claim (models) */
	struct srt_pci_bar_mapping bars[SRT_PCI_NUM_BARS];
	atomic_bool bar_fault_logged; /* a SIGBUS on a BAR was reported (once) */
};

extern const struct srt_pci_provider srt_pci_model_provider;
extern const struct srt_pci_provider srt_pci_vfio_provider;
extern const struct srt_pci_provider srt_pci_uio_provider;

/* True when a model is registered at addr (models shadow sysfs functions at the same address). */
bool srt_pci_model_exists(const struct spdkrt_pci_addr *addr);
/* The models' ids, for enumeration: cb for each in address order (a snapshot; no lock held). */
int srt_pci_model_foreach(int (*cb)(void *ctx, const struct spdkrt_pci_addr *addr,
				    const struct spdkrt_pci_id *id),
			  void *ctx);
/* Id and NUMA node of a registered model; -ENODEV if none. */
int srt_pci_model_lookup(const struct spdkrt_pci_addr *addr, struct spdkrt_pci_id *id,
			 int *numa_node);

/*
 * Exclusive claim of a function across processes: a lock file per address (flock), held until
 * srt_pci_unclaim. -EBUSY (logged, with the holder's pid when known) if another holder exists.
 */
int srt_pci_claim(const struct spdkrt_pci_addr *addr, int *fd);
void srt_pci_unclaim(int fd);
/* Tests only: directory of the lock files (NULL: /var/tmp). The string is copied. */
int srt_pci_claim_set_dir(const char *dir);

#endif
