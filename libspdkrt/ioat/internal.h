/* SPDX-License-Identifier: BSD-3-Clause */
/* The I/OAT channel object shared by the driver's files (never installed). */
#ifndef SRT_IOAT_INTERNAL_H
#define SRT_IOAT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <spdkrt/ioat.h>

#include "env/mmio.h"
#include "env/pci.h"
#include "ioat/spec.h"

/* Idle polls with work outstanding between two looks for a removed function (an MMIO read). */
#define IOAT_REMOVAL_CHECK_POLLS 4096

/* 2^13 descriptors: 512 KiB of ring, 8191 outstanding (a 4 KiB-paged 16 MiB copy fits). */
#define IOAT_RING_ORDER 13
#define IOAT_RING_ENTRIES (1u << IOAT_RING_ORDER)

/* Software side of one ring slot. The callback sits on a request's last descriptor only. */
struct ioat_slot {
	spdkrt_ioat_req_cb cb_fn;
	void *cb_arg;
	uint64_t iova; /* of the hardware descriptor in this slot */
};

/* A request taken off the ring to be failed (halt, detach). */
struct ioat_failed_req {
	spdkrt_ioat_req_cb cb_fn;
	void *cb_arg;
};

struct spdkrt_ioat_chan {
	struct srt_pci_device *pci;
	volatile uint8_t *regs;
	struct ioat_desc *ring; /* DMA memory, translated per page (never assumed contiguous) */
	struct ioat_slot *slots;
	struct ioat_failed_req *failed; /* room for every slot: failing needs no allocation */
	volatile uint64_t *comp_update; /* the CHANSTS image the channel writes back */
	uint64_t comp_update_iova;
	/* Running counts: slot index = count & (IOAT_RING_ENTRIES - 1). */
	uint32_t head;           /* next slot to build */
	uint32_t flushed;        /* head when DMACOUNT was last written */
	uint32_t tail;           /* oldest slot not yet completed */
	uint32_t dmacount_base;  /* head when the hardware's DMACOUNT was last reset to 0 */
	uint64_t last_completed; /* descriptor IOVA of the last write-back handled */
	uint64_t max_xfer;
	uint32_t caps;
	bool out_of_service; /* a halt could not be recovered, or detach has begun */
	bool failing;        /* inside the callbacks of failed requests (no nested recovery) */
	bool programmed;     /* the hardware holds addresses of our memory */
	bool removed;        /* the function is gone (surprise removal) */
	uint32_t idle_polls; /* process_events calls without progress, work outstanding */
	TAILQ_ENTRY(spdkrt_ioat_chan) link;
};

/* Register access through env/mmio.h: single accesses, stores release and loads acquire. */
static inline uint8_t ioat_read8(const struct spdkrt_ioat_chan *chan, uint32_t off)
{
	return srt_mmio_read8(chan->regs + off);
}

static inline uint32_t ioat_read32(const struct spdkrt_ioat_chan *chan, uint32_t off)
{
	return srt_mmio_read32(chan->regs + off);
}

static inline uint64_t ioat_read64(const struct spdkrt_ioat_chan *chan, uint32_t off)
{
	return srt_mmio_read64(chan->regs + off);
}

static inline void ioat_write8(struct spdkrt_ioat_chan *chan, uint32_t off, uint8_t v)
{
	srt_mmio_write8(chan->regs + off, v);
}

static inline void ioat_write16(struct spdkrt_ioat_chan *chan, uint32_t off, uint16_t v)
{
	srt_mmio_write16(chan->regs + off, v);
}

static inline void ioat_write32(struct spdkrt_ioat_chan *chan, uint32_t off, uint32_t v)
{
	srt_mmio_write32(chan->regs + off, v);
}

static inline void ioat_write64(struct spdkrt_ioat_chan *chan, uint32_t off, uint64_t v)
{
	srt_mmio_write64(chan->regs + off, v);
}

static inline uint32_t ioat_ring_index(uint32_t count)
{
	return count & (IOAT_RING_ENTRIES - 1);
}

/* Slots free for building: one stays empty so that a full ring differs from an empty one. */
static inline uint32_t ioat_ring_space(const struct spdkrt_ioat_chan *chan)
{
	return IOAT_RING_ENTRIES - 1 - (chan->head - chan->tail);
}

/* channel.c: the hardware's life cycle. */
/* Map BAR0, check version and XFERCAP, allocate and link the ring: 0 or a negative errno. */
int ioat_channel_init(struct spdkrt_ioat_chan *chan);
/* Suspend, clear CHANERR, reset and check that it cleared: 0 or -ETIMEDOUT (logged). */
int ioat_channel_reset(struct spdkrt_ioat_chan *chan);
/*
 * Program CHANCTRL, CHANCMP and CHAINADDR (at the current head) and run a null descriptor
 * through: 0 or -ETIMEDOUT (logged).
 */
int ioat_channel_start(struct spdkrt_ioat_chan *chan);
/* Free what init allocated; the hardware must be quiet (or never programmed). */
void ioat_channel_fini(struct spdkrt_ioat_chan *chan);

/* submit.c: a null descriptor (with completion write-back) in the next slot. -ENOMEM if full. */
int ioat_build_null(struct spdkrt_ioat_chan *chan, spdkrt_ioat_req_cb cb_fn, void *cb_arg);

/* completion.c */
/* The CHANSTS image the device last wrote back (acquire: its data writes are visible). */
uint64_t ioat_read_write_back(const struct spdkrt_ioat_chan *chan);
/* Complete, with status 0, the requests up to the descriptor the image sts names. */
uint32_t ioat_complete_up_to(struct spdkrt_ioat_chan *chan, uint64_t sts);
/* Take every outstanding request off the ring (into chan->failed); returns how many. */
uint32_t ioat_take_outstanding(struct spdkrt_ioat_chan *chan);
/* Call the callbacks of the n requests taken with status. */
void ioat_fail_taken(struct spdkrt_ioat_chan *chan, uint32_t n, int status);

#endif
