/* SPDX-License-Identifier: BSD-3-Clause */
/* The PCI allow list of spdkrt_env_opts: which functions spdkrt's drivers may claim. */
#ifndef SRT_ENV_PCI_ALLOW_H
#define SRT_ENV_PCI_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spdkrt/pci.h>

/* Replaces the list (NULL/0 clears it: any function allowed); -EINVAL (logged) on a bad entry. */
int srt_pci_allow_set(const char *const *addrs, size_t count);
/* True when the list is empty or names addr. */
bool srt_pci_allowed(const struct spdkrt_pci_addr *addr);

#endif
