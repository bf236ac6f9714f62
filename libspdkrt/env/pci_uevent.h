/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SPDKRT_ENV_PCI_UEVENT_H
#define SPDKRT_ENV_PCI_UEVENT_H

#include <stddef.h>

#include <spdkrt/pci.h>

/* The largest uevent message read (the kernel's own limit is 2 KiB of strings). */
#define SRT_PCI_UEVENT_MAX 8192

/*
 * One kernel uevent message ("ACTION@DEVPATH" then KEY=VALUE strings, each ended by a NUL) as a
 * PCI event. @return 1 and *event for an add, bind, unbind or remove of a PCI function; 0 for
 * anything else (another subsystem or action, a message without a usable PCI_SLOT_NAME).
 */
int srt_pci_uevent_parse(const char *msg, size_t len, struct spdkrt_pci_event *event);

#endif
