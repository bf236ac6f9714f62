/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A register-level model of one I/OAT (Crystal Beach v3) DMA channel, registered as a model PCI
 * function. It is the hardware stand-in of the unit tests (no emulator of I/OAT exists): it
 * implements the registers of ioat/spec.h and walks the driver's 64-byte descriptor chain
 * through IOVAs, as the device would, only when polled. Faults on demand: a descriptor that
 * halts the channel with a CHANERR bit, a reset that does not clear, a per-poll work budget.
 */
#ifndef SRT_TESTS_IOAT_MODEL_H
#define SRT_TESTS_IOAT_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <spdkrt/pci.h>

struct ioat_model;

struct ioat_model_opts {
	uint16_t device_id; /* default 0x2021 (Skylake-SP) */
	uint8_t cbver;      /* default 0x33 */
	uint8_t xfercap;    /* log2 of the largest transfer; default 20 (1 MiB) */
	bool no_fill;       /* clear the block-fill capability */
	uint32_t budget;    /* descriptors processed per poll; 0: all that are pending */
};

/* Create and register a channel at addr; opts may be NULL. 0 or a negative errno. */
int ioat_model_create(const struct spdkrt_pci_addr *addr, const struct ioat_model_opts *opts,
		      struct ioat_model **model);
/* Unregister (hot removal for an attached driver) and free. NULL is ignored. */
void ioat_model_destroy(struct ioat_model *model);

/*
 * Surprise removal: the function leaves the PCI layer and its registers read all ones, as a
 * removed device's do; the memory stays until ioat_model_destroy() (the driver may still read).
 */
void ioat_model_unplug(struct ioat_model *model);

/* Run the model once, as its poller would: > 0 when it did work. */
int ioat_model_poll(struct ioat_model *model);

/* After `after` more good descriptors, the next one halts the channel with chanerr_bit. */
void ioat_model_inject_error(struct ioat_model *model, uint32_t after, uint32_t chanerr_bit);
/* While set, a reset command never clears (the driver must time out, not hang). */
void ioat_model_set_reset_stuck(struct ioat_model *model, bool stuck);
void ioat_model_set_budget(struct ioat_model *model, uint32_t budget);

struct ioat_model_stats {
	uint64_t descriptors; /* processed, null ones included */
	uint64_t copies, fills, nulls;
	uint64_t bytes;
	uint64_t resets, halts, write_backs;
	uint64_t since_reset; /* descriptors processed since the last reset */
};
void ioat_model_get_stats(const struct ioat_model *model, struct ioat_model_stats *stats);

/* Register access for tests that check what the driver programmed. */
uint64_t ioat_model_reg64(const struct ioat_model *model, uint32_t offset);

#endif
