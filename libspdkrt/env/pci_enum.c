/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Enumeration of PCI functions (sysfs and registered models, in address order, filtered by class
 * and id table, honouring the allow list) and the public per-function queries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env/pci_allow.h"
#include "env/pci_provider.h"
#include "env/pci_sysfs.h"

#define SRT_LOG_COMPONENT "pci"
#include "util/log.h"

#define MODEL_DRIVER_NAME "spdkrt-model"

static bool field_matches(uint16_t want, uint16_t have)
{
	return want == SPDKRT_PCI_ANY_ID || want == have;
}

static bool id_entry_matches(const struct spdkrt_pci_id *e, const struct spdkrt_pci_id *id)
{
	return field_matches(e->vendor_id, id->vendor_id) &&
	       field_matches(e->device_id, id->device_id) &&
	       field_matches(e->subvendor_id, id->subvendor_id) &&
	       field_matches(e->subdevice_id, id->subdevice_id) &&
	       (e->class_code == 0 || e->class_code == id->class_code);
}

bool srt_pci_match(const struct srt_pci_match *match, const struct spdkrt_pci_id *id)
{
	if (match == NULL)
		return true;
	if ((id->class_code & match->class_mask) != (match->class_code & match->class_mask))
		return false;
	if (match->ids == NULL)
		return true;
	for (const struct spdkrt_pci_id *e = match->ids; e->vendor_id != 0; e++) {
		if (id_entry_matches(e, id))
			return true;
	}
	return false;
}

struct candidate {
	struct spdkrt_pci_addr addr;
	struct spdkrt_pci_id id;
};

struct candidates {
	const struct srt_pci_match *match;
	struct candidate *list;
	size_t count, cap;
};

static int add_candidate(void *ctx, const struct spdkrt_pci_addr *addr,
			 const struct spdkrt_pci_id *id)
{
	struct candidates *c = ctx;

	if (!srt_pci_match(c->match, id) || !srt_pci_allowed(addr))
		return 0;
	if (c->count == c->cap) {
		size_t cap = c->cap == 0 ? 16 : c->cap * 2;
		struct candidate *bigger = realloc(c->list, cap * sizeof(*bigger));

		if (bigger == NULL)
			return -ENOMEM;
		c->list = bigger;
		c->cap = cap;
	}
	c->list[c->count++] = (struct candidate){ *addr, *id };
	return 0;
}

static int collect_sysfs(struct candidates *c)
{
	struct spdkrt_pci_addr *addrs;
	size_t n;
	int rc = srt_pci_sysfs_list(&addrs, &n);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct spdkrt_pci_id id;

		if (srt_pci_model_exists(&addrs[i]))
			continue; /* a model at the same address stands in for it */
		/* A function that vanished or has malformed files is skipped, not fatal. */
		if (srt_pci_sysfs_read_id(&addrs[i], &id) != 0)
			continue;
		rc = add_candidate(c, &addrs[i], &id);
	}
	free(addrs);
	return rc;
}

static int compare_candidates(const void *a, const void *b)
{
	return spdkrt_pci_addr_compare(&((const struct candidate *)a)->addr,
				       &((const struct candidate *)b)->addr);
}

int srt_pci_enumerate(const struct srt_pci_match *match,
		      int (*cb)(void *ctx, const struct spdkrt_pci_addr *addr,
				const struct spdkrt_pci_id *id),
		      void *ctx)
{
	struct candidates c = { .match = match };
	int rc;

	if (cb == NULL)
		return -EINVAL;
	rc = collect_sysfs(&c);
	if (rc == 0)
		rc = srt_pci_model_foreach(add_candidate, &c);
	if (rc != 0) {
		SRT_ERR("PCI enumeration failed: %s", strerror(-rc));
		free(c.list);
		return rc;
	}
	if (c.count > 1)
		qsort(c.list, c.count, sizeof(*c.list), compare_candidates);
	/* The callback runs with no lock held: it may attach what it is given. */
	for (size_t i = 0; i < c.count; i++) {
		rc = cb(ctx, &c.list[i].addr, &c.list[i].id);
		if (rc != 0)
			break;
	}
	free(c.list);
	return rc < 0 ? rc : 0;
}

int spdkrt_pci_enumerate(const struct spdkrt_pci_id *ids, uint32_t class_code, uint32_t class_mask,
			 spdkrt_pci_enum_cb cb, void *ctx)
{
	struct srt_pci_match match = {
		.class_code = class_code,
		.class_mask = class_mask,
		.ids = ids,
	};

	if (cb == NULL) {
		SRT_ERR("spdkrt_pci_enumerate: cb is NULL");
		return -EINVAL;
	}
	return srt_pci_enumerate(&match, cb, ctx);
}

int spdkrt_pci_get_id(const struct spdkrt_pci_addr *addr, struct spdkrt_pci_id *id)
{
	int node;

	if (addr == NULL || id == NULL) {
		SRT_ERR("spdkrt_pci_get_id: addr or id is NULL");
		return -EINVAL;
	}
	if (srt_pci_model_lookup(addr, id, &node) == 0)
		return 0;
	return srt_pci_sysfs_read_id(addr, id);
}

int spdkrt_pci_get_driver(const struct spdkrt_pci_addr *addr, char *buf, size_t size)
{
	struct spdkrt_pci_id id;
	int node;

	if (addr == NULL || buf == NULL || size == 0) {
		SRT_ERR("spdkrt_pci_get_driver: addr or buf is NULL, or size is 0");
		return -EINVAL;
	}
	if (srt_pci_model_lookup(addr, &id, &node) == 0) {
		if (size <= strlen(MODEL_DRIVER_NAME))
			return -ENOSPC;
		strcpy(buf, MODEL_DRIVER_NAME);
		return 0;
	}
	return srt_pci_sysfs_driver(addr, buf, size);
}

int spdkrt_pci_get_numa_node(const struct spdkrt_pci_addr *addr, int *node)
{
	struct spdkrt_pci_id id;

	if (addr == NULL || node == NULL) {
		SRT_ERR("spdkrt_pci_get_numa_node: addr or node is NULL");
		return -EINVAL;
	}
	if (srt_pci_model_lookup(addr, &id, node) == 0)
		return 0;
	return srt_pci_sysfs_numa_node(addr, node);
}

enum spdkrt_iova_mode srt_pci_iova_mode_hint(void)
{
	struct spdkrt_pci_addr *addrs;
	unsigned vfio = 0, uio = 0;
	size_t n;

	if (srt_pci_sysfs_list(&addrs, &n) != 0)
		return SPDKRT_IOVA_MODE_AUTO;
	for (size_t i = 0; i < n; i++) {
		char driver[64];

		if (!srt_pci_allowed(&addrs[i]) ||
		    srt_pci_sysfs_driver(&addrs[i], driver, sizeof(driver)) != 0)
			continue;
		vfio += strcmp(driver, "vfio-pci") == 0;
		uio += strcmp(driver, "uio_pci_generic") == 0;
	}
	free(addrs);
	if (uio > 0 && vfio == 0) {
		SRT_INFO("functions bound to uio_pci_generic: IOVA = PA");
		return SPDKRT_IOVA_MODE_PA;
	}
	return SPDKRT_IOVA_MODE_AUTO;
}
