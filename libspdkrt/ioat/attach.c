/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finding, attaching and detaching channels. One PCI function is one channel; the functions are
 * matched by the device-id table spdkrt-setup uses too (env/pci_ids.h), never by class alone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "env/pci_ids.h"
#include "ioat/internal.h"

#define SRT_LOG_COMPONENT "ioat"
#include "util/log.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, spdkrt_ioat_chan) g_attached = TAILQ_HEAD_INITIALIZER(g_attached);

/* The ids spdkrt-setup binds too (env/pci_ids.h), any subsystem, any class. */
#define IOAT_ID_ENTRY(device)                                                                      \
	{ SRT_PCI_VENDOR_INTEL, device, SPDKRT_PCI_ANY_ID, SPDKRT_PCI_ANY_ID, 0 },
static const struct spdkrt_pci_id g_ioat_ids[] = { SRT_IOAT_DEVICE_IDS(IOAT_ID_ENTRY){ 0 } };
#undef IOAT_ID_ENTRY

static const struct srt_pci_match g_ioat_match = {
	.class_code = 0,
	.class_mask = 0,
	.ids = g_ioat_ids,
};

/* Call with g_lock held. */
static bool is_attached(const struct spdkrt_pci_addr *addr)
{
	struct spdkrt_ioat_chan *chan;

	TAILQ_FOREACH(chan, &g_attached, link)
		if (spdkrt_pci_addr_compare(srt_pci_device_addr(chan->pci), addr) == 0)
			return true;
	return false;
}

static void chan_free(struct spdkrt_ioat_chan *chan)
{
	ioat_channel_fini(chan);
	srt_pci_device_detach(chan->pci);
	free(chan);
}

static int attach_locked(const struct spdkrt_pci_addr *addr, const char *name,
			 struct spdkrt_ioat_chan **out)
{
	struct spdkrt_ioat_chan *chan;
	int rc;

	if (is_attached(addr)) {
		SRT_ERR("%s: the I/OAT channel is attached already", name);
		return -EBUSY;
	}
	chan = calloc(1, sizeof(*chan));
	if (chan == NULL)
		return -ENOMEM;
	rc = srt_pci_device_attach(addr, &chan->pci);
	if (rc != 0) {
		SRT_ERR("%s: cannot attach the PCI device: %s", name, spdkrt_strerror(rc));
		free(chan);
		return rc;
	}
	if (!srt_pci_match(&g_ioat_match, srt_pci_device_id(chan->pci))) {
		SRT_ERR("%s: device %04x:%04x is not an I/OAT channel", name,
			srt_pci_device_id(chan->pci)->vendor_id,
			srt_pci_device_id(chan->pci)->device_id);
		srt_pci_device_detach(chan->pci);
		free(chan);
		return -ENODEV;
	}
	rc = ioat_channel_init(chan);
	if (rc == 0)
		rc = ioat_channel_reset(chan);
	if (rc == 0)
		rc = ioat_channel_start(chan);
	if (rc != 0) {
		/* A start that timed out leaves the ring programmed: stop the channel first. */
		if (chan->programmed && chan->regs != NULL)
			ioat_channel_reset(chan);
		chan_free(chan);
		return rc;
	}
	TAILQ_INSERT_TAIL(&g_attached, chan, link);
	*out = chan;
	return 0;
}

SPDKRT_API int spdkrt_ioat_attach(const struct spdkrt_pci_addr *addr,
				  struct spdkrt_ioat_chan **chan)
{
	char name[SPDKRT_PCI_ADDR_STRLEN];
	int rc;

	if (addr == NULL || chan == NULL) {
		SRT_ERR("spdkrt_ioat_attach: %s is NULL", addr == NULL ? "addr" : "chan");
		return -EINVAL;
	}
	rc = spdkrt_pci_addr_fmt(name, sizeof(name), addr);
	if (rc != 0) {
		SRT_ERR("spdkrt_ioat_attach: invalid PCI address");
		return rc;
	}
	pthread_mutex_lock(&g_lock);
	rc = attach_locked(addr, name, chan);
	pthread_mutex_unlock(&g_lock);
	return rc;
}

struct found {
	struct spdkrt_pci_addr *addrs;
	struct spdkrt_pci_id *ids;
	size_t count, cap;
};

static int collect(void *ctx, const struct spdkrt_pci_addr *addr, const struct spdkrt_pci_id *id)
{
	struct found *f = ctx;

	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct spdkrt_pci_addr *a = realloc(f->addrs, cap * sizeof(*a));
		struct spdkrt_pci_id *i;

		if (a == NULL)
			return -ENOMEM;
		f->addrs = a;
		i = realloc(f->ids, cap * sizeof(*i));
		if (i == NULL)
			return -ENOMEM;
		f->ids = i;
		f->cap = cap;
	}
	f->addrs[f->count] = *addr;
	f->ids[f->count] = *id;
	f->count++;
	return 0;
}

SPDKRT_API int spdkrt_ioat_probe(void *cb_ctx, spdkrt_ioat_probe_cb probe_cb,
				 spdkrt_ioat_attach_cb attach_cb)
{
	struct found f = { 0 };
	int attached = 0, rc;
	size_t i;

	if (attach_cb == NULL) {
		SRT_ERR("spdkrt_ioat_probe: attach_cb is NULL");
		return -EINVAL;
	}
	/* Collect first: attaching inside the enumeration would nest the PCI layer's lock. */
	rc = srt_pci_enumerate(&g_ioat_match, collect, &f);
	for (i = 0; rc == 0 && i < f.count; i++) {
		char name[SPDKRT_PCI_ADDR_STRLEN];
		struct spdkrt_ioat_chan *chan;
		bool skip;

		spdkrt_pci_addr_fmt(name, sizeof(name), &f.addrs[i]);
		pthread_mutex_lock(&g_lock);
		skip = is_attached(&f.addrs[i]);
		pthread_mutex_unlock(&g_lock);
		if (skip || (probe_cb != NULL && !probe_cb(cb_ctx, &f.addrs[i], &f.ids[i])))
			continue;
		pthread_mutex_lock(&g_lock);
		rc = attach_locked(&f.addrs[i], name, &chan);
		pthread_mutex_unlock(&g_lock);
		if (rc != 0) {
			SRT_ERR("%s: I/OAT channel not attached: %s", name, spdkrt_strerror(rc));
			rc = 0;
			continue;
		}
		attached++;
		attach_cb(cb_ctx, &f.addrs[i], chan);
	}
	free(f.addrs);
	free(f.ids);
	if (rc < 0) {
		SRT_ERR("I/OAT probe: PCI enumeration failed: %s", spdkrt_strerror(rc));
		return rc;
	}
	if (f.count == 0)
		SRT_NOTICE("no I/OAT channel found (none present, or not bound with spdkrt-setup "
			   "config)");
	return attached;
}

SPDKRT_API int spdkrt_ioat_detach(struct spdkrt_ioat_chan *chan)
{
	uint32_t n;
	int rc;

	if (chan == NULL)
		return 0;
	pthread_mutex_lock(&g_lock);
	TAILQ_REMOVE(&g_attached, chan, link);
	pthread_mutex_unlock(&g_lock);
	/* Quiet the hardware before anything it may write is freed (a removed one writes nothing). */
	chan->out_of_service = true;
	if (chan->removed || srt_pci_device_is_removed(chan->pci)) {
		chan->programmed = false;
		rc = 0;
	} else {
		rc = ioat_channel_reset(chan);
	}
	ioat_complete_up_to(chan, ioat_read_write_back(chan));
	n = ioat_take_outstanding(chan);
	ioat_fail_taken(chan, n, -ECANCELED);
	chan_free(chan);
	return rc;
}

SPDKRT_API const struct spdkrt_pci_addr *
spdkrt_ioat_get_pci_addr(const struct spdkrt_ioat_chan *chan)
{
	return chan != NULL ? srt_pci_device_addr(chan->pci) : NULL;
}

SPDKRT_API uint32_t spdkrt_ioat_get_capabilities(const struct spdkrt_ioat_chan *chan)
{
	return chan != NULL ? chan->caps : 0;
}

SPDKRT_API uint32_t spdkrt_ioat_get_max_descriptors(const struct spdkrt_ioat_chan *chan)
{
	return chan != NULL ? IOAT_RING_ENTRIES - 1 : 0;
}
