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

/**
 * Called by spdkrt_pci_enumerate() for each function that matches.
 * @return 0 to go on, > 0 to stop, < 0 to stop and make spdkrt_pci_enumerate() return it.
 */
typedef int (*spdkrt_pci_enum_cb)(void *ctx, const struct spdkrt_pci_addr *addr,
				  const struct spdkrt_pci_id *id);

/**
 * Calls @p cb for every PCI function (in address order) whose class matches and that one entry
 * of @p ids matches, skipping functions outside spdkrt_env_opts.pci_allowed. Functions come from
 * sysfs; a machine without a PCI bus has none. The callback may attach what it is given.
 *
 * @param ids NULL (any id) or a table ended by an entry with vendor_id 0; in an entry,
 *	SPDKRT_PCI_ANY_ID matches any vendor/device/subsystem value and class_code 0 any class
 * @param class_code 24-bit class, subclass and programming interface to match
 * @param class_mask bits of class_code compared (0: any class; 0xFFFF00: class and subclass)
 * @param cb called for each function; must not be NULL
 * @param ctx passed to @p cb
 * @return 0, the callback's negative value, -EINVAL (NULL cb), or another negative errno
 *	(sysfs unreadable; logged).
 */
SPDKRT_API int spdkrt_pci_enumerate(const struct spdkrt_pci_id *ids, uint32_t class_code,
				    uint32_t class_mask, spdkrt_pci_enum_cb cb, void *ctx);

/**
 * Reads the ids of a function.
 * @return 0, -EINVAL (NULL argument), -ENODEV (no such function), -EIO (malformed sysfs data).
 */
SPDKRT_API int spdkrt_pci_get_id(const struct spdkrt_pci_addr *addr, struct spdkrt_pci_id *id);

/**
 * Names the kernel driver a function is bound to ("nvme", "vfio-pci", "uio_pci_generic", ...),
 * or "" when none. spdkrt drives only functions bound to vfio-pci or uio_pci_generic.
 * @return 0, -EINVAL, -ENODEV (no such function), -ENOSPC (@p size too small).
 */
SPDKRT_API int spdkrt_pci_get_driver(const struct spdkrt_pci_addr *addr, char *buf, size_t size);

/**
 * The NUMA node a function is attached to.
 * @param node receives the node, or -1 when the platform does not say
 * @return 0, -EINVAL or -ENODEV (no such function).
 */
SPDKRT_API int spdkrt_pci_get_numa_node(const struct spdkrt_pci_addr *addr, int *node);

/** What happened to a PCI function (spdkrt_pci_get_event()). */
enum spdkrt_pci_event_type {
	SPDKRT_PCI_EVENT_ADD = 1, /**< the function appeared on the bus (no driver yet) */
	SPDKRT_PCI_EVENT_BIND,    /**< the function was bound to a driver (event's driver) */
	SPDKRT_PCI_EVENT_UNBIND,  /**< the function was unbound from its driver */
	SPDKRT_PCI_EVENT_REMOVE,  /**< the function left the bus (hot removal) */
};

/** A PCI hot-plug event. */
struct spdkrt_pci_event {
	enum spdkrt_pci_event_type type; /**< what happened */
	struct spdkrt_pci_addr addr;     /**< to which function */
	char driver[32];                 /**< SPDKRT_PCI_EVENT_BIND: the driver ("vfio-pci", ...) */
};

/**
 * Listens for PCI hot-plug events: the kernel's uevents. spdkrt drives a function once it is
 * bound to vfio-pci or uio_pci_generic, so a BIND to one of them is the time to probe again
 * (spdkrt_nvme_probe() attaches what is new).
 * @return a non-blocking file descriptor (poll it for POLLIN; close() it when done), or a
 *	negative errno, logged (e.g. -EPERM or -EPROTONOSUPPORT where netlink uevents are not
 *	available, as in some containers: then probe on a timer).
 */
SPDKRT_API int spdkrt_pci_event_listen(void);

/**
 * The next PCI event waiting on @p fd (from spdkrt_pci_event_listen()); other uevents are read
 * and skipped.
 * @return 1 and *event; 0 when none is waiting; -EINVAL (@p fd < 0 or NULL @p event); or another
 *	negative errno from the socket.
 */
SPDKRT_API int spdkrt_pci_get_event(int fd, struct spdkrt_pci_event *event);

SPDKRT_END_DECLS

#endif /* SPDKRT_PCI_H */
