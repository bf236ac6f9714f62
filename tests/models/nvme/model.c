/* SPDX-License-Identifier: BSD-3-Clause */
/* The model's lifetime: options, BARs, PCI registration, the poll entry point, statistics. */
#define SRT_LOG_COMPONENT "nvme_model"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <spdkrt/env.h>

#include "env/mmio.h"
#include "env/pci.h"
#include "internal.h"
#include "util/log.h"

void nvme_model_opts_init(struct nvme_model_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->addr = (struct spdkrt_pci_addr){ .domain = 0, .bus = 0x0e, .dev = 0, .func = 0 };
	opts->id = (struct spdkrt_pci_id){ .vendor_id = NVME_MODEL_VENDOR_ID,
					   .device_id = NVME_MODEL_DEVICE_ID,
					   .subvendor_id = NVME_MODEL_VENDOR_ID,
					   .subdevice_id = 0x1100,
					   .class_code = NVME_MODEL_CLASS };
	opts->mqes = 1023;
	opts->timeout = 10;
	opts->mpsmax = 4;
	opts->mdts = 5;
	opts->num_io_queues = NVME_MODEL_MAX_QUEUES - 1;
	opts->sgl = true;
	opts->aerl = 3;
	opts->acl = 3;
	opts->kas = 1;
	opts->rtd3e = 1000000;
}

#define CMB_ALIGN (2u << 20)

/* BAR2: plain memory, reached by the controller only through CMBMSC.CBA (model_cmb_addr). */
static int cmb_create(struct nvme_model *m)
{
	m->cmb = aligned_alloc(CMB_ALIGN, m->opts.cmb_size);
	if (m->cmb == NULL)
		return -ENOMEM;
	memset(m->cmb, 0, m->opts.cmb_size);
	return 0;
}

static void cmb_destroy(struct nvme_model *m)
{
	free(m->cmb);
	m->cmb = NULL;
}

/*
 * BAR0 is a shared mapping of a memory file, zero-filled: truncating the file later makes every
 * access to the BAR raise SIGBUS, as a removed device's BAR does.
 */
static int bar0_create(struct nvme_model *m)
{
	void *va;

	m->bar0_fd = memfd_create("spdkrt-nvme-model-bar0", MFD_CLOEXEC);
	if (m->bar0_fd < 0)
		return -errno;
	if (ftruncate(m->bar0_fd, (off_t)m->bar0_size) != 0) {
		close(m->bar0_fd);
		return -errno;
	}
	va = mmap(NULL, m->bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->bar0_fd, 0);
	if (va == MAP_FAILED) {
		close(m->bar0_fd);
		return -errno;
	}
	m->bar0 = va;
	return 0;
}

static void model_free(struct nvme_model *m)
{
	cmb_destroy(m);
	for (unsigned lid = 0; lid < 256; lid++)
		free(m->log_override[lid]);
	free(m->fw_image);
	munmap(m->bar0, m->bar0_size);
	close(m->bar0_fd);
	free(m);
}

static int model_pci_poll(void *model)
{
	return nvme_model_poll(model);
}

static void model_pci_reset(void *model)
{
	model_controller_reset(model);
}

static const struct srt_pci_model_ops g_model_pci_ops = {
	.poll = model_pci_poll,
	.reset = model_pci_reset,
};

static int validate_opts(const struct nvme_model_opts *o)
{
	if (o->mqes < 1 || o->dstrd > 8 || o->mpsmin > o->mpsmax || o->mpsmax > 15 ||
	    o->num_io_queues < 1 || o->num_io_queues >= NVME_MODEL_MAX_QUEUES ||
	    o->cmb_size % CMB_ALIGN != 0) {
		SRT_ERR("model options out of range");
		return -EINVAL;
	}
	return 0;
}

int nvme_model_create(const struct nvme_model_opts *opts, struct nvme_model **model)
{
	struct nvme_model_opts defaults;
	struct nvme_model *m;
	struct srt_pci_model_desc desc;
	int rc;

	if (model == NULL)
		return -EINVAL;
	if (opts == NULL) {
		nvme_model_opts_init(&defaults);
		opts = &defaults;
	}
	rc = validate_opts(opts);
	if (rc != 0)
		return rc;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->opts = *opts;
	m->opts.id.class_code = NVME_MODEL_CLASS;
	/* registers, then doorbells for every queue, rounded to 4 KiB pages */
	m->bar0_size = REG_DOORBELL + 2ull * NVME_MODEL_MAX_QUEUES * (4u << opts->dstrd);
	m->bar0_size = (m->bar0_size + 4095) & ~4095ull;
	rc = bar0_create(m);
	if (rc != 0) {
		free(m);
		return rc;
	}
	if (opts->cmb_size != 0) {
		rc = cmb_create(m);
		if (rc != 0) {
			model_free(m);
			return rc;
		}
	}
	strcpy(m->fw_rev[1], "MODEL1.0");
	m->fw_active = 1;
	model_regs_init(m);
	model_queue_reset_all(m);
	model_features_reset(m);
	model_identify_build(m);

	memset(&desc, 0, sizeof(desc));
	desc.addr = m->opts.addr;
	desc.id = m->opts.id;
	desc.bar[0] = m->bar0;
	desc.bar_size[0] = m->bar0_size;
	if (m->cmb != NULL) {
		desc.bar[2] = m->cmb;
		desc.bar_size[2] = opts->cmb_size;
	}
	desc.numa_node = -1;
	desc.ops = &g_model_pci_ops;
	desc.model = m;
	rc = srt_pci_model_register(&desc);
	if (rc != 0) {
		SRT_ERR("cannot register the model PCI function: %d", rc);
		model_free(m);
		return rc;
	}
	m->registered = true;
	*model = m;
	return 0;
}

void nvme_model_destroy(struct nvme_model *m)
{
	if (m == NULL)
		return;
	if (m->registered)
		srt_pci_model_unregister(&m->opts.addr);
	model_queue_reset_all(m);
	for (uint32_t nsid = 1; nsid <= NVME_MODEL_MAX_NS; nsid++)
		model_ns_free(&m->ns[nsid]);
	model_free(m);
}

int nvme_model_set_log_page(struct nvme_model *m, uint8_t lid, const void *data, size_t len)
{
	if (m == NULL || len > 4096)
		return -EINVAL;
	free(m->log_override[lid]);
	m->log_override[lid] = NULL;
	m->log_override_len[lid] = 0;
	if (data == NULL)
		return 0;
	m->log_override[lid] = calloc(1, 4096);
	if (m->log_override[lid] == NULL)
		return -ENOMEM;
	memcpy(m->log_override[lid], data, len);
	m->log_override_len[lid] = len;
	return 0;
}

int nvme_model_poll(struct nvme_model *m)
{
	int work;

	if (m == NULL || m->removed)
		return 0;
	work = model_regs_poll(m);
	if ((m->csts & CSTS_RDY) && !m->fatal && !m->shutdown_pending)
		work += model_queues_poll(m);
	return work;
}

volatile void *nvme_model_bar0(struct nvme_model *m)
{
	return m->bar0;
}

uint64_t nvme_model_bar0_size(const struct nvme_model *m)
{
	return m->bar0_size;
}

static void remove_function(struct nvme_model *m)
{
	atomic_store(&m->removed, true);
	/* Unregistering waits for a poll in progress: the device state is ours afterwards. */
	if (m->registered) {
		srt_pci_model_unregister(&m->opts.addr);
		m->registered = false;
	}
}

void nvme_model_surprise_remove(struct nvme_model *m)
{
	if (m->removed)
		return;
	remove_function(m);
	/* what a read of a vanished function returns */
	model_regs_fill(m, 0, 0xFFFFFFFF);
}

void nvme_model_surprise_remove_sigbus(struct nvme_model *m)
{
	if (m->removed)
		return;
	remove_function(m);
	if (ftruncate(m->bar0_fd, 0) != 0)
		SRT_ERR("cannot revoke BAR0: %s", strerror(errno));
}

void nvme_model_get_stats(const struct nvme_model *m, struct nvme_model_stats *stats)
{
	*stats = m->stats;
}

size_t nvme_model_exec_trace(const struct nvme_model *m, uint16_t *qids, size_t n)
{
	uint64_t have = m->trace_count < MODEL_TRACE_LEN ? m->trace_count : MODEL_TRACE_LEN;
	uint64_t first;

	if (n > have)
		n = have;
	first = m->trace_count - n;
	for (size_t i = 0; i < n; i++)
		qids[i] = m->trace[(first + i) % MODEL_TRACE_LEN];
	return n;
}

size_t nvme_model_command_history(const struct nvme_model *m, struct nvme_model_cmd_record *out,
				  size_t n)
{
	uint64_t have = m->history_count < NVME_MODEL_HISTORY ? m->history_count :
								NVME_MODEL_HISTORY;
	uint64_t first;

	if (n > have)
		n = have;
	first = m->history_count - n;
	for (size_t i = 0; i < n; i++)
		out[i] = m->history[(first + i) % NVME_MODEL_HISTORY];
	return n;
}

bool nvme_model_last_command(const struct nvme_model *m, uint16_t qid, uint8_t opcode,
			     uint8_t sqe[64])
{
	uint64_t have = m->history_count < NVME_MODEL_HISTORY ? m->history_count :
								NVME_MODEL_HISTORY;

	for (uint64_t i = 1; i <= have; i++) {
		const struct nvme_model_cmd_record *rec =
			&m->history[(m->history_count - i) % NVME_MODEL_HISTORY];

		if (rec->sqe[SQE_OPC] == opcode && (qid == NVME_MODEL_ANY_QID || rec->qid == qid)) {
			memcpy(sqe, rec->sqe, SQE_SIZE);
			return true;
		}
	}
	return false;
}

void nvme_model_reset_trace(struct nvme_model *m)
{
	m->trace_count = 0;
}

uint32_t nvme_model_feature(const struct nvme_model *m, uint8_t fid)
{
	return m->features[fid];
}

const char *nvme_model_fw_revision(const struct nvme_model *m, uint8_t slot)
{
	if (slot < 1 || slot > NVME_MODEL_FW_SLOTS)
		return NULL;
	return m->fw_rev[slot];
}

uint8_t nvme_model_fw_active_slot(const struct nvme_model *m)
{
	return m->fw_active;
}

void nvme_model_set_fatal(struct nvme_model *m)
{
	m->fatal = true;
	m->csts |= CSTS_CFS;
	srt_mmio_write32(m->bar0 + REG_CSTS, m->csts);
}

void nvme_model_set_ready_delay(struct nvme_model *m, uint32_t polls)
{
	m->ready_delay = polls;
}

void nvme_model_set_ready_stuck(struct nvme_model *m, bool stuck)
{
	m->ready_stuck = stuck;
}

void nvme_model_set_shutdown_delay(struct nvme_model *m, uint32_t polls)
{
	m->shutdown_delay = polls;
}

uint8_t *nvme_model_identify_ctrlr(struct nvme_model *m)
{
	return m->identify_ctrlr;
}

uint8_t *nvme_model_identify_ns(struct nvme_model *m, uint32_t nsid)
{
	if (nsid < 1 || nsid > NVME_MODEL_MAX_NS || !m->ns[nsid].exists)
		return NULL;
	return m->ns[nsid].identify;
}

void nvme_model_rebuild_identify(struct nvme_model *m)
{
	model_identify_build(m);
}
