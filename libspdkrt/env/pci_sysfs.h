/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI functions as sysfs shows them (<root>/bus/pci/devices/DDDD:BB:DD.F). The root is /sys;
 * tests point it at a captured tree.
 */
#ifndef SRT_ENV_PCI_SYSFS_H
#define SRT_ENV_PCI_SYSFS_H

#include <stddef.h>

#include <spdkrt/pci.h>

/* Tests only: read sysfs below root instead of /sys (NULL restores /sys). The string is copied. */
int srt_pci_sysfs_set_root(const char *root);

/* "<root>/bus/pci/devices/<addr>[/<attr>]" into buf; -ENAMETOOLONG if it does not fit. */
int srt_pci_sysfs_path(char *buf, size_t size, const struct spdkrt_pci_addr *addr,
		       const char *attr);

/* Every function sysfs lists, sorted by address; free(*addrs). 0 or a negative errno. */
int srt_pci_sysfs_list(struct spdkrt_pci_addr **addrs, size_t *count);

/* The ids of a function: -ENODEV when sysfs has no such function, -EIO on malformed files. */
int srt_pci_sysfs_read_id(const struct spdkrt_pci_addr *addr, struct spdkrt_pci_id *id);

/* The bound kernel driver's name, "" when none. -ENODEV, -ENOSPC (buffer too small). */
int srt_pci_sysfs_driver(const struct spdkrt_pci_addr *addr, char *buf, size_t size);

/* NUMA node of the function, -1 when the platform does not say. -ENODEV when absent. */
int srt_pci_sysfs_numa_node(const struct spdkrt_pci_addr *addr, int *node);

#endif
