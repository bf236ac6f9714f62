/* SPDX-License-Identifier: BSD-3-Clause */
/* The PCI allow list of spdkrt_env_opts: which functions spdkrt's drivers may claim. */
#ifndef SRT_ENV_PCI_ALLOW_H
#define SRT_ENV_PCI_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct srt_pci_addr {
	uint32_t domain;
	uint8_t bus, dev, func;
};

/* Parses "DDDD:BB:DD.F" or "BB:DD.F" (hex digits only); -EINVAL when malformed. */
int srt_pci_addr_parse(const char *text, struct srt_pci_addr *addr);
/* Replaces the list (NULL/0 clears it: any function allowed); -EINVAL (logged) on a bad entry. */
int srt_pci_allow_set(const char *const *addrs, size_t count);
/* True when the list is empty or names addr. */
bool srt_pci_allowed(const struct srt_pci_addr *addr);

#endif
