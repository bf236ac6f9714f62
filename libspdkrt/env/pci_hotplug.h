/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SPDKRT_ENV_PCI_HOTPLUG_H
#define SPDKRT_ENV_PCI_HOTPLUG_H

#include <stddef.h>

#include <spdkrt/pci.h>

/*
 * The process's own PCI hot-plug event stream, which drivers drain (spdkrt_nvme_probe): the
 * kernel's uevents on one socket, and uevent messages a test injected ahead of them. Any thread;
 * one lock.
 */

/*
 * Opens the uevent socket once (later calls return at once).
 * @return 0, or the negative errno of the first, failed, attempt (logged once: removal is then
 *	seen only through the device itself, e.g. all-ones register reads).
 */
int srt_pci_hotplug_open(void);

/* @return 1 and *event (injected messages first), 0 when none is waiting, or a negative errno. */
int srt_pci_hotplug_next(struct spdkrt_pci_event *event);

/*
 * Tests only: queues one raw uevent message (strings each ended by a NUL, as the kernel sends
 * them), read by srt_pci_hotplug_next() through the same parser, whether the socket opened or not.
 * @return 0, -EINVAL (NULL, or longer than a uevent can be) or -ENOMEM.
 */
int srt_pci_hotplug_inject(const void *msg, size_t len);

/* Closes the socket and drops injected messages (env fini); a later open starts again. */
void srt_pci_hotplug_close(void);

#endif
