/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The channel's hardware life cycle: map and check, reset (suspend first; the reset must be seen
 * to clear), start (ring and write-back addresses, a null descriptor run through), and the memory
 * the device may write, freed only when it is quiet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/env.h>
#include <spdkrt/thread.h>

#include "ioat/internal.h"

#define SRT_LOG_COMPONENT "ioat"
#include "util/log.h"

/* Bounds on waiting for the hardware (real channels take microseconds). */
#define IOAT_SUSPEND_TIMEOUT_US 20000
#define IOAT_RESET_TIMEOUT_US 20000
#define IOAT_START_TIMEOUT_US 10000

static const char *chan_name(const struct spdkrt_ioat_chan *chan)
{
	static _Thread_local char buf[SPDKRT_PCI_ADDR_STRLEN];

	if (spdkrt_pci_addr_fmt(buf, sizeof(buf), srt_pci_device_addr(chan->pci)) != 0)
		return "?";
	return buf;
}

/*
 * Give the device time to act. A model device acts only when polled, so waiting on one runs
 * the models; real hardware needs nothing but time.
 */
static void ioat_let_device_run(struct spdkrt_ioat_chan *chan)
{
	if (strcmp(srt_pci_device_provider(chan->pci), "model") == 0)
		srt_pci_model_poll_all();
	else
		__builtin_ia32_pause();
}

/* Poll done(chan) until it is true or timeout_us passes: 0 or -ETIMEDOUT. */
static int ioat_wait(struct spdkrt_ioat_chan *chan, bool (*done)(struct spdkrt_ioat_chan *chan),
		     uint64_t timeout_us)
{
	uint64_t hz = spdkrt_get_ticks_hz();
	uint64_t deadline = spdkrt_get_ticks() + timeout_us * hz / 1000000;

	while (!done(chan)) {
		if (spdkrt_get_ticks() > deadline)
			return done(chan) ? 0 : -ETIMEDOUT;
		ioat_let_device_run(chan);
	}
	return 0;
}

static uint64_t chan_state(const struct spdkrt_ioat_chan *chan)
{
	return ioat_read64(chan, IOAT_REG_CHANSTS) & IOAT_CHANSTS_STATE_MASK;
}

static bool chan_is_running(uint64_t state)
{
	return state == IOAT_CHANSTS_ACTIVE || state == IOAT_CHANSTS_IDLE;
}

static bool chan_stopped(struct spdkrt_ioat_chan *chan)
{
	return !chan_is_running(chan_state(chan));
}

static bool chan_reset_done(struct spdkrt_ioat_chan *chan)
{
	return (ioat_read8(chan, IOAT_REG_CHANCMD) & IOAT_CHANCMD_RESET) == 0;
}

/* Idle with the null descriptor (the slot before head) completed. */
static bool chan_started(struct spdkrt_ioat_chan *chan)
{
	uint64_t sts = ioat_read64(chan, IOAT_REG_CHANSTS);

	return (sts & IOAT_CHANSTS_STATE_MASK) == IOAT_CHANSTS_IDLE &&
	       (sts & IOAT_CHANSTS_COMPLETED_MASK) ==
		       chan->slots[ioat_ring_index(chan->head - 1)].iova;
}

int ioat_channel_reset(struct spdkrt_ioat_chan *chan)
{
	uint32_t chanerr;

	if (chan_is_running(chan_state(chan))) {
		ioat_write8(chan, IOAT_REG_CHANCMD, IOAT_CHANCMD_SUSPEND);
		if (ioat_wait(chan, chan_stopped, IOAT_SUSPEND_TIMEOUT_US) != 0)
			SRT_WARN("channel %s did not suspend (CHANSTS 0x%llx); resetting it anyway",
				 chan_name(chan),
				 (unsigned long long)ioat_read64(chan, IOAT_REG_CHANSTS));
	}
	chanerr = ioat_read32(chan, IOAT_REG_CHANERR);
	ioat_write32(chan, IOAT_REG_CHANERR, chanerr); /* write 1 to clear */
	/* Errors also latched in config space would survive the reset: clear them too. */
	if (srt_pci_cfg_read32(chan->pci, &chanerr, IOAT_PCI_CHANERR_INT) == 0 && chanerr != 0 &&
	    chanerr != UINT32_MAX)
		srt_pci_cfg_write32(chan->pci, chanerr, IOAT_PCI_CHANERR_INT);
	ioat_write8(chan, IOAT_REG_CHANCMD, IOAT_CHANCMD_RESET);
	if (ioat_wait(chan, chan_reset_done, IOAT_RESET_TIMEOUT_US) != 0) {
		SRT_ERR("channel %s did not reset: CHANCMD still 0x%x after %u ms", chan_name(chan),
			ioat_read8(chan, IOAT_REG_CHANCMD), IOAT_RESET_TIMEOUT_US / 1000);
		return -ETIMEDOUT;
	}
	/* The reset cleared the hardware's descriptor count: DMACOUNT counts from here. */
	chan->dmacount_base = chan->head;
	chan->flushed = chan->head;
	chan->programmed = false;
	return 0;
}

int ioat_channel_start(struct spdkrt_ioat_chan *chan)
{
	int rc;

	ioat_write16(chan, IOAT_REG_CHANCTRL,
		     IOAT_CHANCTRL_ANY_ERR_ABORT_EN | IOAT_CHANCTRL_ERR_COMPLETION_EN);
	__atomic_store_n(chan->comp_update, 0, __ATOMIC_RELAXED);
	chan->last_completed = 0;
	ioat_write64(chan, IOAT_REG_CHANCMP, chan->comp_update_iova);
	ioat_write64(chan, IOAT_REG_CHAINADDR, chan->slots[ioat_ring_index(chan->head)].iova);
	chan->programmed = true;
	rc = ioat_build_null(chan, NULL, NULL);
	if (rc == 0)
		rc = spdkrt_ioat_flush(chan);
	if (rc == 0)
		rc = ioat_wait(chan, chan_started, IOAT_START_TIMEOUT_US);
	if (rc != 0) {
		SRT_ERR("could not start channel %s: CHANSTS 0x%llx, CHANERR 0x%x", chan_name(chan),
			(unsigned long long)ioat_read64(chan, IOAT_REG_CHANSTS),
			ioat_read32(chan, IOAT_REG_CHANERR));
		return -ETIMEDOUT;
	}
	ioat_complete_up_to(chan, ioat_read_write_back(chan));
	return 0;
}

static int check_hardware(struct spdkrt_ioat_chan *chan)
{
	uint8_t version = ioat_read8(chan, IOAT_REG_CBVER);
	uint8_t xfercap = ioat_read8(chan, IOAT_REG_XFERCAP) & IOAT_XFERCAP_MASK;

	if (version < IOAT_CBVER_MIN) {
		SRT_ERR("channel %s: I/OAT version %u.%u is not supported (3.0 or later needed)",
			chan_name(chan), version >> 4, version & 0xF);
		return -ENOTSUP;
	}
	if (xfercap == 0) {
		chan->max_xfer = 1ull << 32;
	} else if (xfercap < IOAT_XFERCAP_MIN) {
		SRT_ERR("channel %s: invalid XFERCAP %u", chan_name(chan), xfercap);
		return -ENOTSUP;
	} else {
		chan->max_xfer = 1ull << xfercap;
	}
	/* The descriptor's size field is 32 bits wide. */
	if (chan->max_xfer > (1ull << 31))
		chan->max_xfer = 1ull << 31;
	chan->caps = SPDKRT_IOAT_CAP_COPY;
	if (ioat_read32(chan, IOAT_REG_DMACAPABILITY) & IOAT_DMACAP_BFILL)
		chan->caps |= SPDKRT_IOAT_CAP_FILL;
	return 0;
}

/* Give every slot its descriptor's IOVA (per page) and chain the descriptors into a ring. */
static int link_ring(struct spdkrt_ioat_chan *chan)
{
	uint32_t i;

	for (i = 0; i < IOAT_RING_ENTRIES; i++) {
		size_t len = IOAT_DESC_SIZE;

		chan->slots[i].iova = spdkrt_vtophys(&chan->ring[i], &len);
		if (chan->slots[i].iova == SPDKRT_IOVA_INVALID || len < IOAT_DESC_SIZE) {
			SRT_ERR("channel %s: descriptor ring memory has no device address",
				chan_name(chan));
			return -ENOMEM;
		}
	}
	for (i = 0; i < IOAT_RING_ENTRIES; i++)
		chan->ring[i].next = chan->slots[ioat_ring_index(i + 1)].iova;
	return 0;
}

int ioat_channel_init(struct spdkrt_ioat_chan *chan)
{
	size_t len = sizeof(uint64_t);
	uint64_t bar_size;
	void *bar;
	int rc;

	rc = srt_pci_device_map_bar(chan->pci, 0, &bar, &bar_size);
	if (rc != 0) {
		SRT_ERR("channel %s: cannot map BAR0: %s", chan_name(chan), spdkrt_strerror(rc));
		return rc;
	}
	if (bar_size < IOAT_REGS_SIZE) {
		SRT_ERR("channel %s: BAR0 is %llu bytes, too small for I/OAT registers",
			chan_name(chan), (unsigned long long)bar_size);
		return -ENODEV;
	}
	chan->regs = bar;
	rc = check_hardware(chan);
	if (rc != 0)
		return rc;
	chan->comp_update = spdkrt_dma_zmalloc(IOAT_DESC_SIZE, IOAT_DESC_SIZE,
					       srt_pci_device_numa_node(chan->pci));
	chan->ring = spdkrt_dma_zmalloc(IOAT_RING_ENTRIES * sizeof(*chan->ring), 4096,
					srt_pci_device_numa_node(chan->pci));
	chan->slots = calloc(IOAT_RING_ENTRIES, sizeof(*chan->slots));
	chan->failed = calloc(IOAT_RING_ENTRIES, sizeof(*chan->failed));
	if (chan->comp_update == NULL || chan->ring == NULL || chan->slots == NULL ||
	    chan->failed == NULL) {
		SRT_ERR("channel %s: out of memory for the descriptor ring", chan_name(chan));
		return -ENOMEM;
	}
	chan->comp_update_iova = spdkrt_vtophys((const void *)chan->comp_update, &len);
	if (chan->comp_update_iova == SPDKRT_IOVA_INVALID) {
		SRT_ERR("channel %s: completion write-back memory has no device address",
			chan_name(chan));
		return -ENOMEM;
	}
	return link_ring(chan);
}

void ioat_channel_fini(struct spdkrt_ioat_chan *chan)
{
	if (chan->programmed) {
		/* The device may still write the ring and the write-back: keep them. */
		SRT_ERR("channel %s: hardware not stopped; its ring memory is not freed",
			chan_name(chan));
	} else {
		spdkrt_dma_free(chan->ring);
		spdkrt_dma_free((void *)chan->comp_update);
	}
	free(chan->slots);
	free(chan->failed);
	chan->ring = NULL;
	chan->comp_update = NULL;
	chan->slots = NULL;
	chan->failed = NULL;
	if (chan->regs != NULL)
		srt_pci_device_unmap_bar(chan->pci, 0);
	chan->regs = NULL;
}
