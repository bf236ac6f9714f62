/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * PCI functions as users see them: addresses, ids, enumeration. Drivers (NVMe, I/OAT) attach
 * functions through spdkrt's own PCI layer (vfio-pci or uio_pci_generic); a function must be
 * bound to one of those first (`spdkrt-setup config`).
 */
#ifndef SPDKRT_PCI_H
#define SPDKRT_PCI_H

#include <stddef.h>
#include <stdint.h>

#include <spdkrt/api.h>

SPDKRT_BEGIN_DECLS

/** A PCI function address: domain:bus:device.function. */
struct spdkrt_pci_addr {
	uint32_t domain; /**< PCI domain (segment) */
	uint8_t bus;     /**< bus number */
	uint8_t dev;     /**< device number, 0..31 */
	uint8_t func;    /**< function number, 0..7 */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_pci_addr) == 8, "spdkrt_pci_addr is 8 bytes");

/** A PCI function's identity. 0xFFFF in a match table means "any". */
struct spdkrt_pci_id {
	uint16_t vendor_id;    /**< vendor */
	uint16_t device_id;    /**< device */
	uint16_t subvendor_id; /**< subsystem vendor */
	uint16_t subdevice_id; /**< subsystem device */
	uint32_t class_code;   /**< 24-bit class, subclass, programming interface */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_pci_id) == 12, "spdkrt_pci_id is 12 bytes");

/** Length of the text form "DDDD:BB:DD.F" with its terminating NUL. */
#define SPDKRT_PCI_ADDR_STRLEN 13

/** Wildcard value in a spdkrt_pci_id used for matching. */
#define SPDKRT_PCI_ANY_ID 0xFFFF

/**
 * Parses "DDDD:BB:DD.F" or "BB:DD.F" (domain 0), hex digits only.
 * @return 0, or -EINVAL when @p text or @p addr is NULL or the text is malformed.
 */
SPDKRT_API int spdkrt_pci_addr_parse(struct spdkrt_pci_addr *addr, const char *text);

/**
 * Formats @p addr as "DDDD:BB:DD.F" into @p buf (at least SPDKRT_PCI_ADDR_STRLEN bytes).
 * @return 0, -EINVAL on NULL or an out-of-range field, -ENOSPC when @p size is too small.
 */
SPDKRT_API int spdkrt_pci_addr_fmt(char *buf, size_t size, const struct spdkrt_pci_addr *addr);

/**
 * Orders two addresses by domain, bus, device, function.
 * @return <0, 0 or >0 like strcmp; NULL sorts first.
 */
SPDKRT_API int spdkrt_pci_addr_compare(const struct spdkrt_pci_addr *a,
					  const struct spdkrt_pci_addr *b);

SPDKRT_END_DECLS

#endif /* SPDKRT_PCI_H */
