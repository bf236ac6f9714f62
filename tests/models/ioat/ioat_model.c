/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The I/OAT channel model: BAR0 is plain memory the driver maps; each poll looks at CHANCMD
 * (reset, suspend) and, while the channel runs, processes descriptors until its own count
 * catches up with DMACOUNT (16 bits, wrapping), following each descriptor's next pointer from
 * CHAINADDR. All device accesses go through IOVAs (srt_dma_iova_to_vaddr), so a driver that
 * hands it a virtual address halts it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env/dma.h"
#include "env/mmio.h"
#include "env/pci.h"
#include "env/pci_ids.h"
#include "ioat/spec.h"
#include "ioat_model.h"

#define MODEL_BAR_SIZE 0x4000

struct ioat_model {
	struct spdkrt_pci_addr addr;
	uint8_t *bar;
	struct ioat_model_opts opts;
	uint64_t max_xfer;
	uint16_t done_count; /* descriptors processed since reset (DMACOUNT's counterpart) */
	uint64_t next_desc;  /* IOVA of the next descriptor to fetch */
	bool chain_from_reg; /* after a reset, fetch from CHAINADDR */
	uint64_t last_completed;
	bool reset_stuck;
	bool unplugged;
	bool inject;
	uint32_t inject_after;
	uint32_t inject_bit;
	struct ioat_model_stats stats;
};

/* Registers through env/mmio.h, as the driver's side does (its stores release, these acquire). */
static uint8_t reg8(struct ioat_model *m, uint32_t off)
{
	return srt_mmio_read8(m->bar + off);
}

static uint16_t reg16(struct ioat_model *m, uint32_t off)
{
	return srt_mmio_read16(m->bar + off);
}

static uint32_t reg32(struct ioat_model *m, uint32_t off)
{
	return srt_mmio_read32(m->bar + off);
}

uint64_t ioat_model_reg64(const struct ioat_model *model, uint32_t offset)
{
	return srt_mmio_read64(model->bar + offset);
}

static void set8(struct ioat_model *m, uint32_t off, uint8_t v)
{
	srt_mmio_write8(m->bar + off, v);
}

static void set16(struct ioat_model *m, uint32_t off, uint16_t v)
{
	srt_mmio_write16(m->bar + off, v);
}

static void set32(struct ioat_model *m, uint32_t off, uint32_t v)
{
	srt_mmio_write32(m->bar + off, v);
}

static void set64(struct ioat_model *m, uint32_t off, uint64_t v)
{
	srt_mmio_write64(m->bar + off, v);
}

static uint64_t state(struct ioat_model *m)
{
	return ioat_model_reg64(m, IOAT_REG_CHANSTS) & IOAT_CHANSTS_STATE_MASK;
}

static void set_state(struct ioat_model *m, uint64_t st)
{
	set64(m, IOAT_REG_CHANSTS, m->last_completed | st);
}

/* The CHANSTS image goes to CHANCMP; false when that address is not DMA memory. */
static bool write_back(struct ioat_model *m)
{
	uint64_t *wb = srt_dma_iova_to_vaddr(ioat_model_reg64(m, IOAT_REG_CHANCMP), 8);

	if (wb == NULL)
		return false;
	/* Release: the data written before it is visible to whoever sees the write-back. */
	__atomic_store_n(wb, ioat_model_reg64(m, IOAT_REG_CHANSTS), __ATOMIC_RELEASE);
	m->stats.write_backs++;
	return true;
}

static void halt(struct ioat_model *m, uint32_t chanerr_bit)
{
	set32(m, IOAT_REG_CHANERR, reg32(m, IOAT_REG_CHANERR) | chanerr_bit);
	set_state(m, IOAT_CHANSTS_HALTED);
	m->stats.halts++;
	if (reg16(m, IOAT_REG_CHANCTRL) & IOAT_CHANCTRL_ERR_COMPLETION_EN)
		write_back(m);
}

static void reset(struct ioat_model *m)
{
	m->done_count = 0;
	m->chain_from_reg = true;
	m->last_completed = 0;
	m->inject = false;
	m->stats.resets++;
	m->stats.since_reset = 0;
	set32(m, IOAT_REG_CHANERR, 0);
	set16(m, IOAT_REG_DMACOUNT, 0);
	set16(m, IOAT_REG_CHANCTRL, 0);
	set_state(m, IOAT_CHANSTS_IDLE);
}

/* Carry out one descriptor's transfer; 0 or the CHANERR bit of what is wrong with it. */
static uint32_t transfer(struct ioat_model *m, const struct ioat_desc *d)
{
	uint32_t op = ioat_desc_op(d->control);
	void *dst;

	if (d->control & IOAT_DESC_NULL) {
		m->stats.nulls++;
		return 0;
	}
	if (d->size == 0 || d->size > m->max_xfer)
		return IOAT_CHANERR_LENGTH;
	if (op != IOAT_OP_COPY && (op != IOAT_OP_FILL || m->opts.no_fill))
		return IOAT_CHANERR_CONTROL;
	dst = srt_dma_iova_to_vaddr(d->dst, d->size);
	if (dst == NULL)
		return IOAT_CHANERR_DST_ADDR;
	if (op == IOAT_OP_COPY) {
		const void *src = srt_dma_iova_to_vaddr(d->src, d->size);

		if (src == NULL)
			return IOAT_CHANERR_SRC_ADDR;
		memmove(dst, src, d->size);
		m->stats.copies++;
	} else {
		uint8_t pattern[8];
		uint32_t i;

		for (i = 0; i < 8; i++)
			pattern[i] = (uint8_t)(d->src >> (8 * i));
		for (i = 0; i < d->size; i++)
			((uint8_t *)dst)[i] = pattern[i % 8];
		m->stats.fills++;
	}
	m->stats.bytes += d->size;
	return 0;
}

/* Fetch and run the next descriptor: false when the channel halted. */
static bool process_one(struct ioat_model *m)
{
	uint64_t at = m->chain_from_reg ? ioat_model_reg64(m, IOAT_REG_CHAINADDR) : m->next_desc;
	uint32_t first_err = m->chain_from_reg ? IOAT_CHANERR_CHAIN_ADDR : IOAT_CHANERR_NEXT_ADDR;
	const struct ioat_desc *desc;
	struct ioat_desc d;
	uint32_t err;

	if (at & (IOAT_DESC_SIZE - 1)) {
		halt(m, m->chain_from_reg ? IOAT_CHANERR_CHAIN_ADDR : IOAT_CHANERR_NEXT_DESC_ALIGN);
		return false;
	}
	desc = srt_dma_iova_to_vaddr(at, sizeof(*desc));
	if (desc == NULL) {
		halt(m, first_err);
		return false;
	}
	memcpy(&d, desc, sizeof(d));
	if (m->inject && m->inject_after == 0) {
		m->inject = false;
		halt(m, m->inject_bit);
		return false;
	}
	err = transfer(m, &d);
	if (err != 0) {
		halt(m, err);
		return false;
	}
	if (m->inject)
		m->inject_after--;
	m->chain_from_reg = false;
	m->next_desc = d.next;
	m->last_completed = at;
	m->done_count++;
	m->stats.descriptors++;
	m->stats.since_reset++;
	set_state(m, m->done_count == reg16(m, IOAT_REG_DMACOUNT) ? IOAT_CHANSTS_IDLE :
								    IOAT_CHANSTS_ACTIVE);
	if ((d.control & IOAT_DESC_COMPLETION_UPDATE) && !write_back(m)) {
		halt(m, IOAT_CHANERR_COMPLETION_ADDR);
		return false;
	}
	return true;
}

int ioat_model_poll(struct ioat_model *m)
{
	uint8_t cmd = reg8(m, IOAT_REG_CHANCMD);
	uint32_t budget = m->opts.budget;
	int work = 0;

	if (m->unplugged)
		return 0;
	if (cmd & IOAT_CHANCMD_RESET) {
		if (m->reset_stuck)
			return 0;
		reset(m);
		set8(m, IOAT_REG_CHANCMD, 0);
		return 1;
	}
	if (cmd & IOAT_CHANCMD_SUSPEND) {
		set8(m, IOAT_REG_CHANCMD, cmd & (uint8_t)~IOAT_CHANCMD_SUSPEND);
		if (state(m) == IOAT_CHANSTS_ACTIVE || state(m) == IOAT_CHANSTS_IDLE)
			set_state(m, IOAT_CHANSTS_SUSPENDED);
		work = 1;
	}
	if (state(m) != IOAT_CHANSTS_ACTIVE && state(m) != IOAT_CHANSTS_IDLE)
		return work;
	while (m->done_count != reg16(m, IOAT_REG_DMACOUNT)) {
		if (!process_one(m))
			return 1;
		work = 1;
		if (budget != 0 && --budget == 0)
			break;
	}
	return work;
}

static int model_poll(void *model)
{
	return ioat_model_poll(model);
}

static void model_reset(void *model)
{
	reset(model);
}

static const struct srt_pci_model_ops g_ioat_model_ops = {
	.poll = model_poll,
	.reset = model_reset,
};

int ioat_model_create(const struct spdkrt_pci_addr *addr, const struct ioat_model_opts *opts,
		      struct ioat_model **model)
{
	struct srt_pci_model_desc desc = { 0 };
	struct ioat_model *m;
	int rc;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->bar = aligned_alloc(4096, MODEL_BAR_SIZE);
	if (m->bar == NULL) {
		free(m);
		return -ENOMEM;
	}
	memset(m->bar, 0, MODEL_BAR_SIZE);
	if (opts != NULL)
		m->opts = *opts;
	if (m->opts.device_id == 0)
		m->opts.device_id = 0x2021;
	if (m->opts.cbver == 0)
		m->opts.cbver = 0x33;
	if (m->opts.xfercap == 0)
		m->opts.xfercap = 20;
	m->max_xfer = 1ull << (m->opts.xfercap & IOAT_XFERCAP_MASK);
	m->addr = *addr;
	set8(m, IOAT_REG_XFERCAP, m->opts.xfercap);
	set8(m, IOAT_REG_CBVER, m->opts.cbver);
	set32(m, IOAT_REG_DMACAPABILITY, m->opts.no_fill ? 0 : IOAT_DMACAP_BFILL);
	reset(m);
	m->stats.resets = 0;
	/* Left as firmware might: running, so the driver has to suspend it first. */
	set_state(m, IOAT_CHANSTS_ACTIVE);

	desc.addr = *addr;
	desc.id.vendor_id = SRT_PCI_VENDOR_INTEL;
	desc.id.device_id = m->opts.device_id;
	desc.id.subvendor_id = SRT_PCI_VENDOR_INTEL;
	desc.id.subdevice_id = 0;
	desc.id.class_code = 0x088000;
	desc.bar[0] = m->bar;
	desc.bar_size[0] = MODEL_BAR_SIZE;
	desc.numa_node = 0;
	desc.ops = &g_ioat_model_ops;
	desc.model = m;
	rc = srt_pci_model_register(&desc);
	if (rc != 0) {
		free(m->bar);
		free(m);
		return rc;
	}
	*model = m;
	return 0;
}

void ioat_model_unplug(struct ioat_model *model)
{
	srt_pci_model_unregister(&model->addr);
	model->unplugged = true;
	memset(model->bar, 0xFF, MODEL_BAR_SIZE);
}

void ioat_model_destroy(struct ioat_model *model)
{
	if (model == NULL)
		return;
	if (!model->unplugged)
		srt_pci_model_unregister(&model->addr);
	free(model->bar);
	free(model);
}

void ioat_model_inject_error(struct ioat_model *model, uint32_t after, uint32_t chanerr_bit)
{
	model->inject = true;
	model->inject_after = after;
	model->inject_bit = chanerr_bit;
}

void ioat_model_set_reset_stuck(struct ioat_model *model, bool stuck)
{
	model->reset_stuck = stuck;
}

void ioat_model_set_budget(struct ioat_model *model, uint32_t budget)
{
	model->opts.budget = budget;
}

void ioat_model_get_stats(const struct ioat_model *model, struct ioat_model_stats *stats)
{
	*stats = model->stats;
}
