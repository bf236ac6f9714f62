/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the real NVMe driver against the controller model, which serves what the
 * input says: identify controller and namespace data patched with arbitrary bytes, arbitrary log
 * pages, arbitrary completion entries posted on the admin and I/O queues while commands are in
 * flight, and faults (error statuses, wrong command or queue ids, duplicates, garbage dword 0).
 * The driver must attach or refuse, run its commands, and detach, with no crash, hang or
 * sanitizer report, whatever the device says.
 *
 * Input: a sequence of records, each starting with a type byte (see enum record). Built and run
 * by scripts/fuzz-nvme.sh.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/env.h>
#include <spdkrt/log.h>
#include <spdkrt/nvme.h>

#include "env/backend.h"
#include "env/pci.h"
#include "env/pci_sysfs.h"
#include "../models/nvme/nvme_model.h"

#define TRADDR "trtype:PCIe traddr:0000:0e:00.0"
#define MAX_CQES 8
#define MAX_LOGS 4
#define POLL_ROUNDS 64
#define IO_BYTES 8192

enum record {
	REC_PATCH_CTRLR, /* offset (2), length (1), bytes: identify controller */
	REC_PATCH_NS,    /* nsid (1), offset (2), length (1), bytes: identify namespace */
	REC_LOG_PAGE,    /* lid (1), length (2), bytes */
	REC_ADMIN_CQE,   /* 16 bytes posted on the admin CQ */
	REC_IO_CQE,      /* 16 bytes posted on the I/O CQ */
	REC_FAULT,       /* kind, qid, opcode, count, sct, sc, dnr, cdw0 (4) */
	REC_RESET,       /* reset the controller after the commands (identify stays patched) */
	REC_EVENT,       /* type, info, log id: an asynchronous event after attach */
	REC_NS_CHANGE,   /* nsid (1): add or remove that namespace after attach */
	REC_TYPES,
};

struct input {
	const uint8_t *p;
	size_t left;
};

struct plan {
	uint8_t admin_cqe[MAX_CQES][16], io_cqe[MAX_CQES][16];
	unsigned num_admin_cqes, num_io_cqes;
	uint8_t log_ids[MAX_LOGS];
	unsigned num_logs;
	uint8_t events[MAX_CQES][3];
	unsigned num_events;
	uint8_t ns_changes[MAX_CQES];
	unsigned num_ns_changes;
	bool reset;
};

static uint8_t *g_buf; /* DMA memory for I/O, freed never (one per process) */
static unsigned g_completions;

static void discard_log(void *ctx, enum spdkrt_log_level level, const char *component,
			const char *message)
{
	(void)ctx;
	(void)level;
	(void)component;
	(void)message;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct spdkrt_env_opts opts;

	(void)argc;
	(void)argv;
	spdkrt_log_set_sink(getenv("NVME_FUZZ_LOG") ? NULL : discard_log, NULL);
	if (srt_pci_sysfs_set_root("/nonexistent-spdkrt-sysfs") != 0 ||
	    srt_env_set_backend(&srt_env_heap_backend) != 0)
		abort();
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	if (spdkrt_env_init(&opts) != 0)
		abort();
	g_buf = spdkrt_dma_zmalloc(IO_BYTES, 4096, SPDKRT_ENV_SOCKET_ANY);
	if (g_buf == NULL)
		abort();
	return 0;
}

static bool take(struct input *in, void *out, size_t n)
{
	if (in->left < n)
		return false;
	if (out != NULL)
		memcpy(out, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

static uint16_t take16(struct input *in)
{
	uint8_t b[2] = { 0, 0 };

	take(in, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

static uint8_t take8(struct input *in)
{
	uint8_t b = 0;

	take(in, &b, 1);
	return b;
}

/* Write up to len input bytes into page at off (clipped to the page). */
static void patch(uint8_t *page, struct input *in, uint16_t off, uint8_t len)
{
	off %= 4096;
	if (len > 4096 - off)
		len = (uint8_t)(4096 - off);
	if (len > in->left)
		len = (uint8_t)in->left;
	if (page != NULL)
		memcpy(page + off, in->p, len);
	take(in, NULL, len);
}

static void apply_fault(struct nvme_model *model, struct input *in)
{
	struct nvme_model_fault f = { 0 };
	uint8_t kind = take8(in);

	/* never DROP, DELAY or WRONG_PHASE: those only wait for the driver's timeouts */
	static const enum nvme_model_fault_kind kinds[] = {
		NVME_MODEL_FAULT_STATUS,       NVME_MODEL_FAULT_WRONG_CID,
		NVME_MODEL_FAULT_WRONG_SQID,   NVME_MODEL_FAULT_DUPLICATE,
		NVME_MODEL_FAULT_GARBAGE_CDW0,
	};
	f.kind = kinds[kind % (sizeof(kinds) / sizeof(kinds[0]))];
	f.qid = take8(in) % 3;
	f.opcode = take8(in);
	f.count = 1 + take8(in) % 4;
	f.sct = take8(in) & 7;
	f.sc = take8(in);
	f.dnr = take8(in) & 1;
	take(in, &f.cdw0_value, 4);
	nvme_model_inject(model, &f);
}

/* Read the records: patches and faults go to the model now, the rest into the plan. */
static void parse(struct nvme_model *model, struct input *in, struct plan *plan)
{
	while (in->left > 0) {
		uint8_t type = take8(in) % REC_TYPES;

		switch (type) {
		case REC_PATCH_CTRLR: {
			uint16_t off = take16(in);

			patch(nvme_model_identify_ctrlr(model), in, off, take8(in));
			break;
		}
		case REC_PATCH_NS: {
			uint8_t nsid = 1 + take8(in) % 2;
			uint16_t off = take16(in);

			patch(nvme_model_identify_ns(model, nsid), in, off, take8(in));
			break;
		}
		case REC_LOG_PAGE: {
			uint8_t lid = take8(in);
			size_t len = take16(in) % 4097;

			if (len > in->left)
				len = in->left;
			nvme_model_set_log_page(model, lid, in->p, len);
			take(in, NULL, len);
			if (plan->num_logs < MAX_LOGS)
				plan->log_ids[plan->num_logs++] = lid;
			break;
		}
		case REC_ADMIN_CQE:
			if (plan->num_admin_cqes < MAX_CQES &&
			    take(in, plan->admin_cqe[plan->num_admin_cqes], 16))
				plan->num_admin_cqes++;
			break;
		case REC_IO_CQE:
			if (plan->num_io_cqes < MAX_CQES &&
			    take(in, plan->io_cqe[plan->num_io_cqes], 16))
				plan->num_io_cqes++;
			break;
		case REC_RESET:
			plan->reset = true;
			break;
		case REC_EVENT:
			if (plan->num_events < MAX_CQES &&
			    take(in, plan->events[plan->num_events], 3))
				plan->num_events++;
			break;
		case REC_NS_CHANGE:
			if (plan->num_ns_changes < MAX_CQES)
				plan->ns_changes[plan->num_ns_changes++] = 1 + take8(in) % 4;
			break;
		default:
			apply_fault(model, in);
			break;
		}
	}
}

static void count_completion(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	(void)arg;
	(void)cpl;
	g_completions++;
}

static void run_model_and_driver(struct spdkrt_nvme_ctrlr *ctrlr, struct spdkrt_nvme_qpair *qpair)
{
	for (int i = 0; i < POLL_ROUNDS; i++) {
		srt_pci_model_poll_all();
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
		if (qpair != NULL)
			spdkrt_nvme_qpair_process_completions(qpair, 0);
	}
}

/* Commands with data both ways, then the planned completion entries while they are in flight. */
static void exercise(struct nvme_model *model, struct spdkrt_nvme_ctrlr *ctrlr,
		     struct spdkrt_nvme_qpair *qpair, const struct plan *plan)
{
	static uint8_t log[4096], id[4096];

	for (unsigned i = 0; i < plan->num_logs; i++)
		spdkrt_nvme_ctrlr_cmd_get_log_page(ctrlr, plan->log_ids[i], 0xFFFFFFFF, log,
						   sizeof(log), 0, 0, false, count_completion,
						   NULL);
	spdkrt_nvme_ctrlr_cmd_identify(ctrlr, 0x02, 0, 0, id, sizeof(id), count_completion, NULL);
	for (uint32_t nsid = spdkrt_nvme_ctrlr_get_first_active_ns(ctrlr); nsid != 0 && qpair;
	     nsid = spdkrt_nvme_ctrlr_get_next_active_ns(ctrlr, nsid)) {
		struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, nsid);
		uint32_t bs = ns != NULL ? spdkrt_nvme_ns_get_extended_sector_size(ns) : 0;

		if (bs == 0 || bs > IO_BYTES / 2)
			continue;
		spdkrt_nvme_ns_cmd_write(ns, qpair, g_buf, 0, 1, count_completion, NULL, 0);
		spdkrt_nvme_ns_cmd_read(ns, qpair, g_buf + IO_BYTES / 2, 0, 1, count_completion,
					NULL, 0);
	}
	for (unsigned i = 0; i < plan->num_events; i++)
		nvme_model_raise_event(model, plan->events[i][0] & 7, plan->events[i][1],
				       plan->events[i][2]);
	for (unsigned i = 0; i < plan->num_ns_changes; i++) {
		struct nvme_model_ns_opts ns = { .nsid = plan->ns_changes[i], .num_blocks = 16 };

		if (nvme_model_remove_ns(model, ns.nsid) != 0)
			nvme_model_add_ns(model, &ns);
	}
	for (unsigned i = 0; i < plan->num_admin_cqes; i++)
		nvme_model_post_raw_cqe(model, 0, plan->admin_cqe[i], false);
	for (unsigned i = 0; qpair != NULL && i < plan->num_io_cqes; i++)
		nvme_model_post_raw_cqe(model, spdkrt_nvme_qpair_get_id(qpair), plan->io_cqe[i],
					false);
	run_model_and_driver(ctrlr, qpair);
	if (plan->reset) {
		spdkrt_nvme_ctrlr_reset(ctrlr);
		run_model_and_driver(ctrlr, qpair);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr_opts opts;
	struct nvme_model_ns_opts ns1 = { .nsid = 1, .num_blocks = 64, .lbaf = 0 };
	struct nvme_model_ns_opts ns2 = { .nsid = 2, .num_blocks = 64, .lbaf = 1, .pi_type = 1 };
	struct nvme_model_opts mopts;
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	struct spdkrt_nvme_qpair *qpair = NULL;
	struct nvme_model *model;
	struct plan plan = { 0 };

	nvme_model_opts_init(&mopts);
	mopts.timeout = 1; /* CAP.TO: 500 ms at most for a ready that never comes */
	if (nvme_model_create(&mopts, &model) != 0)
		abort();
	if (nvme_model_add_ns(model, &ns1) != 0 || nvme_model_add_ns(model, &ns2) != 0)
		abort();
	parse(model, &in, &plan);

	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.admin_timeout_us = 20000; /* a command the garbage made the driver lose: 20 ms */
	opts.shutdown_timeout_us = 20000;
	opts.keep_alive_timeout_ms = 0;
	if (spdkrt_nvme_transport_id_parse(&trid, TRADDR) != 0)
		abort();
	if (spdkrt_nvme_connect(&trid, &opts, &ctrlr) == 0) {
		spdkrt_nvme_ctrlr_register_aer_callback(ctrlr, count_completion, NULL);
		if (spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qpair) != 0)
			qpair = NULL;
		exercise(model, ctrlr, qpair, &plan);
		if (qpair != NULL)
			spdkrt_nvme_ctrlr_free_io_qpair(qpair);
		spdkrt_nvme_detach(ctrlr);
	}
	nvme_model_destroy(model);
	return 0;
}
