/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model provider: PCI functions that unit tests register, with BARs in ordinary memory and a
 * config space built from their ids. A model runs when polled, as hardware would run beside the
 * CPU: from a poller on the spdkrt thread that registered it, and from srt_pci_model_poll_all().
 * Every poll and config callback runs under the registry lock, so a model never runs on two
 * threads at once.
 *
 * An entry lives while any of these holds it: the registry (until unregister), an attached device
 * (until detach), its poller (until removed on its thread). Unregistering while attached is a
 * surprise removal: the device reports is_removed and its config reads return all ones.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/thread.h>

#include "env/pci_provider.h"

#define SRT_LOG_COMPONENT "pci"
#include "util/log.h"

#define MODEL_CFG_SIZE 4096
#define CFG_COMMAND 0x04
#define CFG_DEVICE_SPECIFIC 0x40 /* models may keep capabilities from here on */

struct model_entry {
	struct model_entry *next;
	struct srt_pci_model_desc desc;
	uint8_t cfg[MODEL_CFG_SIZE];
	unsigned refs;
	bool registered;
	bool attached;
	struct spdkrt_thread *thread; /* the poller's thread */
	struct spdkrt_poller *poller;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct model_entry *g_models; /* registered, sorted by address */

/* Drops one reference; frees the entry with the last. Called with g_lock held. */
static void entry_put(struct model_entry *e)
{
	if (--e->refs == 0)
		free(e);
}

static struct model_entry *find_registered(const struct spdkrt_pci_addr *addr)
{
	for (struct model_entry *e = g_models; e != NULL; e = e->next) {
		if (spdkrt_pci_addr_compare(&e->desc.addr, addr) == 0)
			return e;
	}
	return NULL;
}

static void put16(uint8_t *cfg, uint32_t off, uint16_t v)
{
	cfg[off] = (uint8_t)v;
	cfg[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *cfg, uint32_t off, uint32_t v)
{
	put16(cfg, off, (uint16_t)v);
	put16(cfg, off + 2, (uint16_t)(v >> 16));
}

/* A type-0 header: ids, class, one 32-bit memory BAR per present BAR (addresses are made up). */
static void build_config(struct model_entry *e)
{
	const struct spdkrt_pci_id *id = &e->desc.id;

	memset(e->cfg, 0, sizeof(e->cfg));
	put16(e->cfg, 0x00, id->vendor_id);
	put16(e->cfg, 0x02, id->device_id);
	put32(e->cfg, 0x08, id->class_code << 8); /* revision 0 */
	for (uint32_t i = 0; i < SRT_PCI_NUM_BARS; i++) {
		if (e->desc.bar[i] != NULL)
			put32(e->cfg, 0x10 + 4 * i, (i + 1) << 28);
	}
	put16(e->cfg, 0x2c, id->subvendor_id);
	put16(e->cfg, 0x2e, id->subdevice_id);
}

static int poll_entry(struct model_entry *e)
{
	return e->registered ? e->desc.ops->poll(e->desc.model) : 0;
}

static int model_poller(void *ctx)
{
	struct model_entry *e = ctx;
	int rc;

	pthread_mutex_lock(&g_lock);
	rc = poll_entry(e);
	pthread_mutex_unlock(&g_lock);
	return rc > 0 ? SPDKRT_POLLER_BUSY : SPDKRT_POLLER_IDLE;
}

static bool valid_desc(const struct srt_pci_model_desc *d)
{
	if (d->ops == NULL || d->ops->poll == NULL || d->addr.dev > 31 || d->addr.func > 7 ||
	    d->addr.domain > 0xffff || d->id.vendor_id == 0xffff || d->id.class_code > 0xffffff)
		return false;
	for (uint32_t i = 0; i < SRT_PCI_NUM_BARS; i++) {
		if ((d->bar[i] == NULL) != (d->bar_size[i] == 0))
			return false;
	}
	return true;
}

int srt_pci_model_register(const struct srt_pci_model_desc *desc)
{
	struct model_entry *e, **link;
	struct spdkrt_thread *thread = spdkrt_get_thread();

	if (desc == NULL || !valid_desc(desc)) {
		SRT_ERR("srt_pci_model_register: invalid model description (ops->poll, address, "
			"vendor, class or a BAR without size)");
		return -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->desc = *desc;
	e->registered = true;
	e->refs = 1;
	build_config(e);
	if (thread != NULL) {
		/* Registered before the entry is visible, so nothing can poll it yet. */
		if (spdkrt_poller_register(model_poller, e, 0, &e->poller) != 0) {
			free(e);
			return -ENOMEM;
		}
		e->thread = thread;
		e->refs++;
	}
	pthread_mutex_lock(&g_lock);
	if (find_registered(&desc->addr) != NULL) {
		pthread_mutex_unlock(&g_lock);
		spdkrt_poller_unregister(&e->poller);
		free(e);
		return -EEXIST;
	}
	for (link = &g_models; *link != NULL; link = &(*link)->next) {
		if (spdkrt_pci_addr_compare(&(*link)->desc.addr, &desc->addr) > 0)
			break;
	}
	e->next = *link;
	*link = e;
	pthread_mutex_unlock(&g_lock);
	return 0;
}

/* Runs on the poller's thread: pollers are removed there only. */
static void remove_poller(void *ctx)
{
	struct model_entry *e = ctx;

	spdkrt_poller_unregister(&e->poller);
	pthread_mutex_lock(&g_lock);
	entry_put(e);
	pthread_mutex_unlock(&g_lock);
}

int srt_pci_model_unregister(const struct spdkrt_pci_addr *addr)
{
	struct model_entry **link, *e = NULL;

	if (addr == NULL)
		return -EINVAL;
	pthread_mutex_lock(&g_lock);
	for (link = &g_models; *link != NULL; link = &(*link)->next) {
		if (spdkrt_pci_addr_compare(&(*link)->desc.addr, addr) == 0) {
			e = *link;
			*link = e->next;
			break;
		}
	}
	if (e == NULL) {
		pthread_mutex_unlock(&g_lock);
		return -ENOENT;
	}
	e->registered = false;
	if (e->attached)
		SRT_NOTICE("model function removed while attached (surprise removal)");
	pthread_mutex_unlock(&g_lock);

	if (e->thread != NULL) {
		if (e->thread == spdkrt_get_thread()) {
			remove_poller(e);
		} else if (spdkrt_thread_send_msg(e->thread, remove_poller, e) != 0) {
			SRT_ERR("cannot reach the thread of a model's poller; the model stays "
				"allocated");
		}
	}
	pthread_mutex_lock(&g_lock);
	entry_put(e);
	pthread_mutex_unlock(&g_lock);
	return 0;
}

int srt_pci_model_poll_all(void)
{
	int busy = 0;

	pthread_mutex_lock(&g_lock);
	for (struct model_entry *e = g_models; e != NULL; e = e->next) {
		if (poll_entry(e) > 0)
			busy++;
	}
	pthread_mutex_unlock(&g_lock);
	return busy;
}

bool srt_pci_model_exists(const struct spdkrt_pci_addr *addr)
{
	bool found;

	pthread_mutex_lock(&g_lock);
	found = find_registered(addr) != NULL;
	pthread_mutex_unlock(&g_lock);
	return found;
}

int srt_pci_model_lookup(const struct spdkrt_pci_addr *addr, struct spdkrt_pci_id *id,
			 int *numa_node)
{
	struct model_entry *e;

	pthread_mutex_lock(&g_lock);
	e = find_registered(addr);
	if (e != NULL) {
		*id = e->desc.id;
		*numa_node = e->desc.numa_node;
	}
	pthread_mutex_unlock(&g_lock);
	return e != NULL ? 0 : -ENODEV;
}

int srt_pci_model_foreach(int (*cb)(void *ctx, const struct spdkrt_pci_addr *addr,
				    const struct spdkrt_pci_id *id),
			  void *ctx)
{
	struct snapshot {
		struct spdkrt_pci_addr addr;
		struct spdkrt_pci_id id;
	} *list = NULL;
	size_t n = 0, count = 0;
	int rc = 0;

	pthread_mutex_lock(&g_lock);
	for (struct model_entry *e = g_models; e != NULL; e = e->next)
		count++;
	if (count > 0) {
		list = calloc(count, sizeof(*list));
		if (list == NULL) {
			pthread_mutex_unlock(&g_lock);
			return -ENOMEM;
		}
	}
	for (struct model_entry *e = g_models; e != NULL; e = e->next)
		list[n++] = (struct snapshot){ e->desc.addr, e->desc.id };
	pthread_mutex_unlock(&g_lock);
	/* Without the lock: the callback may attach the function. */
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = cb(ctx, &list[i].addr, &list[i].id);
	free(list);
	return rc;
}

static int model_open(struct srt_pci_device *dev)
{
	struct model_entry *e;
	int rc = 0;

	pthread_mutex_lock(&g_lock);
	e = find_registered(&dev->addr);
	if (e == NULL)
		rc = -ENODEV;
	else if (e->attached)
		rc = -EBUSY;
	else {
		e->attached = true;
		e->refs++;
		dev->priv = e;
		dev->cfg_size = MODEL_CFG_SIZE;
	}
	pthread_mutex_unlock(&g_lock);
	if (rc == -EBUSY)
		SRT_ERR("model function is already attached");
	return rc;
}

static void model_close(struct srt_pci_device *dev)
{
	struct model_entry *e = dev->priv;

	pthread_mutex_lock(&g_lock);
	e->attached = false;
	entry_put(e);
	pthread_mutex_unlock(&g_lock);
}

static int model_map_bar(struct srt_pci_device *dev, uint32_t bar, void **va, uint64_t *size)
{
	struct model_entry *e = dev->priv;

	/* desc is immutable after registration: no lock needed. */
	if (e->desc.bar[bar] == NULL)
		return -EINVAL;
	*va = e->desc.bar[bar];
	*size = e->desc.bar_size[bar];
	return 0;
}

static void model_unmap_bar(struct srt_pci_device *dev, uint32_t bar, void *va, uint64_t size)
{
	(void)dev;
	(void)bar;
	(void)va;
	(void)size; /* the model owns its BAR memory */
}

static int model_cfg_read(struct srt_pci_device *dev, void *value, uint32_t len, uint32_t offset)
{
	struct model_entry *e = dev->priv;
	int rc = 0;

	pthread_mutex_lock(&g_lock);
	if (e->registered)
		memcpy(value, e->cfg + offset, len);
	else {
		memset(value, 0xff, len); /* what a removed function answers */
		rc = -ENODEV;
	}
	pthread_mutex_unlock(&g_lock);
	return rc;
}

static int model_cfg_write(struct srt_pci_device *dev, const void *value, uint32_t len,
			   uint32_t offset)
{
	struct model_entry *e = dev->priv;
	bool writable = (offset >= CFG_COMMAND && offset + len <= CFG_COMMAND + 2) ||
			offset >= CFG_DEVICE_SPECIFIC;
	int rc = 0;

	pthread_mutex_lock(&g_lock);
	if (!e->registered)
		rc = -ENODEV;
	else if (writable) { /* other header fields are read-only, as in hardware */
		memcpy(e->cfg + offset, value, len);
		if (e->desc.ops->cfg_written != NULL)
			e->desc.ops->cfg_written(e->desc.model, offset, len);
	}
	pthread_mutex_unlock(&g_lock);
	return rc;
}

static int model_reset(struct srt_pci_device *dev)
{
	struct model_entry *e = dev->priv;
	int rc = 0;

	pthread_mutex_lock(&g_lock);
	if (!e->registered)
		rc = -ENODEV;
	else if (e->desc.ops->reset == NULL)
		rc = -ENOTSUP;
	else {
		put16(e->cfg, CFG_COMMAND, 0); /* a function reset clears the command register */
		e->desc.ops->reset(e->desc.model);
	}
	pthread_mutex_unlock(&g_lock);
	return rc;
}

static bool model_is_removed(struct srt_pci_device *dev)
{
	struct model_entry *e = dev->priv;
	bool removed;

	pthread_mutex_lock(&g_lock);
	removed = !e->registered;
	pthread_mutex_unlock(&g_lock);
	return removed;
}

const struct srt_pci_provider srt_pci_model_provider = {
	.name = "model",
	.open = model_open,
	.close = model_close,
	.map_bar = model_map_bar,
	.unmap_bar = model_unmap_bar,
	.cfg_read = model_cfg_read,
	.cfg_write = model_cfg_write,
	.reset = model_reset,
	.is_removed = model_is_removed,
};
