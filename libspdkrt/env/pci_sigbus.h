/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A SIGBUS on a removed device's BAR must not kill the process: once a function is gone (hot
 * removal, unbind), an access to its mapped BAR can raise SIGBUS. Mapped BARs are registered here;
 * the process's SIGBUS handler (installed at the first registration) replaces a faulting BAR
 * with anonymous memory filled with all ones, so the access completes reading ~0 and the
 * driver's surprise-removal path (all-ones registers -> -ENXIO, remove callback) runs. A SIGBUS
 * anywhere else goes to the handler that was there before (or the default action).
 */
#ifndef SPDKRT_ENV_PCI_SIGBUS_H
#define SPDKRT_ENV_PCI_SIGBUS_H

#include <stdbool.h>
#include <stddef.h>

/* Watches [va, va + len); installs the handler once. 0, -EINVAL, -ENOSPC (too many BARs, logged). */
int srt_pci_sigbus_register(void *va, size_t len);
/* Stops watching the range that starts at @p va (before it is unmapped). */
void srt_pci_sigbus_unregister(void *va);
/* True when an access faulted in the range that starts at @p va and it now reads all ones. */
bool srt_pci_sigbus_replaced(const void *va);

#endif
