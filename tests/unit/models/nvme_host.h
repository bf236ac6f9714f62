/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A minimal NVMe host for the model's own tests: it writes registers, builds commands with PRPs
 * and SGLs from IOVAs (spdkrt_vtophys), rings doorbells and reaps completions by phase, polling
 * the model in between. Deliberately simple and separate from libspdkrt/nvme: it checks the model,
 * the model then checks the driver.
 */
#ifndef NVME_HOST_H
#define NVME_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "../../models/nvme/nvme_model.h"

#define HOST_MAX_QUEUES 8
#define HOST_QUEUE_SIZE 64

struct host_queue {
	uint8_t *sq, *cq; /* contiguous DMA memory */
	uint16_t size, sq_tail, cq_head;
	bool phase;
};

struct host {
	struct nvme_model *model;
	volatile uint8_t *bar;
	uint32_t dstrd;
	struct host_queue q[HOST_MAX_QUEUES];
	uint16_t next_cid;
	uint8_t *prp_list;           /* two pages for PRP lists and SGL segments */
	bool model_polled_elsewhere; /* another OS thread runs the model: wait, never poll it */
};

struct host_cpl {
	uint32_t cdw0;
	uint16_t sqhd, sqid, cid, status; /* status without the phase bit */
	uint8_t sct, sc;
	bool dnr;
};

/* Create the model (opts may be NULL) with the env already initialised on the heap backend. */
int host_init(struct host *h, const struct nvme_model_opts *opts);
void host_fini(struct host *h);

uint32_t host_read32(struct host *h, unsigned off);
uint64_t host_read64(struct host *h, unsigned off);
void host_write32(struct host *h, unsigned off, uint32_t v);
void host_write64(struct host *h, unsigned off, uint64_t v);
/* Give addresses in [va, va + size) as cba + offset from now on (NULL: none), as a driver does
 * for the controller memory buffer once CMBMSC.CMSE is set. */
void host_use_cmb(const void *va, uint64_t size, uint64_t cba);

/* Poll the model up to max_polls times until CSTS.RDY == ready. Returns polls used or -1. */
int host_wait_ready(struct host *h, bool ready, int max_polls);
/* AQA/ASQ/ACQ, then CC.EN with ams; waits for RDY. 0 or -1. */
int host_enable(struct host *h, uint32_t ams);
int host_disable(struct host *h);

/* Build a command with a fresh cid. */
void host_cmd(struct host *h, uint8_t *sqe, uint8_t opc, uint32_t nsid);
/* PRP1/PRP2 (and a PRP list in h->prp_list) for buf (DMA memory). */
void host_set_prps(struct host *h, uint8_t *sqe, void *buf, size_t len);
/* An SGL: one data block per page run (several: a last segment in h->prp_list). */
void host_set_sgl(struct host *h, uint8_t *sqe, void *buf, size_t len);

void host_submit(struct host *h, uint16_t qid, const uint8_t *sqe);
/* Poll until one completion on qid; false after max_polls. Moves the CQ head doorbell. */
bool host_reap(struct host *h, uint16_t qid, struct host_cpl *cpl, int max_polls);
/* Submit and reap; returns the status (sct << 8 | sc), or -1 if nothing came. */
int host_exec(struct host *h, uint16_t qid, const uint8_t *sqe, struct host_cpl *cpl);

/* Admin helpers; they return host_exec's value. */
int host_identify(struct host *h, uint8_t cns, uint32_t nsid, void *buf4k);
int host_set_queues(struct host *h, uint16_t nsq, uint16_t ncq, struct host_cpl *cpl);
int host_create_ioq(struct host *h, uint16_t qid, uint16_t size, uint8_t prio);
int host_delete_ioq(struct host *h, uint16_t qid);
/* I/O with PRPs: read/write/compare, nlb blocks. */
int host_rw(struct host *h, uint16_t qid, uint8_t opc, uint32_t nsid, uint64_t slba, uint32_t nlb,
	    void *buf, size_t len, uint32_t cdw12_flags);

/* Enable with every I/O queue 1..n created (size HOST_QUEUE_SIZE). */
int host_bring_up(struct host *h, uint16_t n);

#define STATUS(sct, sc) ((int)((sct) << 8 | (sc)))

#endif
