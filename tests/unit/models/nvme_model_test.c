/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe controller model against a minimal host (nvme_host.c): registers, queues, admin and
 * NVM commands, PRPs and SGLs from IOVAs, metadata and protection information, arbitration,
 * namespace management, firmware, reservations, and every fault it injects on demand.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>

#include "env/backend.h"
#include "env/pci.h"
#include "env/pci_sysfs.h"
#include "nvme_host.h"
#include "../../models/nvme/spec.h"

#define NS_512 1 /* 512-byte blocks, no metadata */
#define NS_4K 2  /* 4096-byte blocks */
#define POLLS 20

static struct host g_h;
static uint8_t *g_buf; /* 256 KiB of DMA memory, page aligned */
#define BUF_SIZE (256u << 10)

static void add_ns(uint32_t nsid, uint64_t blocks, uint8_t lbaf, bool extended, uint8_t pi)
{
	struct nvme_model_ns_opts o = { .nsid = nsid,
					.num_blocks = blocks,
					.lbaf = lbaf,
					.extended = extended,
					.pi_type = pi };

	assert_int_equal(nvme_model_add_ns(g_h.model, &o), 0);
}

static void start(const struct nvme_model_opts *opts)
{
	assert_int_equal(host_init(&g_h, opts), 0);
	add_ns(NS_512, 1024, 0, false, 0);
	add_ns(NS_4K, 256, 3, false, 0);
}

static int setup(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	assert_int_equal(srt_pci_sysfs_set_root("/nonexistent-spdkrt-sysfs"), 0);
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	assert_int_equal(spdkrt_env_init(&opts), 0);
	g_buf = spdkrt_dma_zmalloc(BUF_SIZE, 4096, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(g_buf);
	log_capture_start();
	start(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	host_fini(&g_h);
	spdkrt_dma_free(g_buf);
	spdkrt_env_fini();
	srt_pci_sysfs_set_root(NULL);
	log_capture_stop();
	return 0;
}

static void restart(const struct nvme_model_opts *opts)
{
	host_fini(&g_h);
	start(opts);
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 9));
}

/* ---- registers and controller state ---- */

static void test_registers_at_reset(void **state)
{
	uint64_t cap = host_read64(&g_h, REG_CAP);

	(void)state;
	assert_int_equal(cap & 0xFFFF, 1023);     /* MQES */
	assert_true(cap & (1ull << 16));          /* CQR */
	assert_int_equal((cap >> 24) & 0xFF, 10); /* TO */
	assert_int_equal((cap >> 32) & 0xF, 0);   /* DSTRD */
	assert_true(cap & (1ull << 37));          /* NVM command set */
	assert_int_equal((cap >> 52) & 0xF, 4);   /* MPSMAX */
	assert_int_equal(host_read32(&g_h, REG_VS), 0x00010400);
	assert_int_equal(host_read32(&g_h, REG_CSTS), 0);
	assert_int_equal(host_read32(&g_h, REG_CMBSZ), 0);
	/* read-only registers come back after a write */
	host_write32(&g_h, REG_VS, 0xdead);
	nvme_model_poll(g_h.model);
	assert_int_equal(host_read32(&g_h, REG_VS), 0x00010400);
}

static void test_enable_disable_shutdown(void **state)
{
	struct nvme_model_stats st;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(host_disable(&g_h), 0);
	assert_int_equal(host_enable(&g_h, 0), 0);
	host_write32(&g_h, REG_CC, host_read32(&g_h, REG_CC) | 1u << 14); /* SHN normal */
	nvme_model_poll(g_h.model);
	assert_int_equal(host_read32(&g_h, REG_CSTS) & (3u << 2), CSTS_SHST_COMPLETE);
	nvme_model_get_stats(g_h.model, &st);
	assert_int_equal(st.enables, 2);
	assert_int_equal(st.disables, 1);
	assert_int_equal(st.shutdowns, 1);
}

static void test_enable_bad_config_is_fatal(void **state)
{
	(void)state;
	host_write32(&g_h, REG_AQA, 0); /* one-entry admin queues */
	host_write64(&g_h, REG_ASQ, 0x1000);
	host_write64(&g_h, REG_ACQ, 0x2000);
	host_write32(&g_h, REG_CC, CC_EN);
	nvme_model_poll(g_h.model);
	assert_true(host_read32(&g_h, REG_CSTS) & CSTS_CFS);
	assert_false(host_read32(&g_h, REG_CSTS) & CSTS_RDY);
	assert_logged("admin queue sizes");
	/* a disable clears it; a good enable then works */
	assert_int_equal(host_disable(&g_h), 0);
	nvme_model_poll(g_h.model);
	assert_false(host_read32(&g_h, REG_CSTS) & CSTS_CFS);
	assert_int_equal(host_enable(&g_h, 0), 0);
	/* weighted round robin is refused when CAP.AMS does not offer it */
	assert_int_equal(host_disable(&g_h), 0);
	assert_int_equal(host_enable(&g_h, AMS_WRR), -1);
	assert_logged("CC.AMS");
}

static void test_slow_and_stuck_ready(void **state)
{
	(void)state;
	nvme_model_set_ready_delay(g_h.model, 7);
	host_write32(&g_h, REG_AQA, 0x003F003F);
	host_write64(&g_h, REG_ASQ, spdkrt_vtophys(g_h.q[0].sq, NULL));
	host_write64(&g_h, REG_ACQ, spdkrt_vtophys(g_h.q[0].cq, NULL));
	host_write32(&g_h, REG_CC, CC_EN | 6u << 16 | 4u << 20);
	assert_int_equal(host_wait_ready(&g_h, true, 100), 8);
	nvme_model_set_ready_delay(g_h.model, 0);
	nvme_model_set_ready_stuck(g_h.model, true);
	host_write32(&g_h, REG_CC, 0);
	assert_int_equal(host_wait_ready(&g_h, false, 50), -1);
	nvme_model_set_ready_stuck(g_h.model, false);
	assert_true(host_wait_ready(&g_h, false, 5) >= 0);
}

static void test_shutdown_delay_and_never(void **state)
{
	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	nvme_model_set_shutdown_delay(g_h.model, UINT32_MAX);
	host_write32(&g_h, REG_CC, host_read32(&g_h, REG_CC) | 1u << 14);
	for (int i = 0; i < 30; i++)
		nvme_model_poll(g_h.model);
	assert_int_equal(host_read32(&g_h, REG_CSTS) & (3u << 2), CSTS_SHST_OCCURRING);
}

static void test_fatal_stops_processing(void **state)
{
	uint8_t sqe[SQE_SIZE];
	struct host_cpl cpl;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	nvme_model_set_fatal(g_h.model);
	assert_true(host_read32(&g_h, REG_CSTS) & CSTS_CFS);
	host_cmd(&g_h, sqe, ADMIN_KEEP_ALIVE, 0);
	host_submit(&g_h, 0, sqe);
	assert_false(host_reap(&g_h, 0, &cpl, POLLS));
	/* reset recovers */
	assert_int_equal(host_disable(&g_h), 0);
	assert_int_equal(host_enable(&g_h, 0), 0);
	host_cmd(&g_h, sqe, ADMIN_KEEP_ALIVE, 0);
	assert_int_equal(host_exec(&g_h, 0, sqe, NULL), 0);
}

static void test_doorbell_stride_and_nssr(void **state)
{
	struct nvme_model_opts o;

	(void)state;
	nvme_model_opts_init(&o);
	o.dstrd = 2;
	restart(&o);
	assert_int_equal(g_h.dstrd, 2);
	assert_int_equal(host_bring_up(&g_h, 3), 0);
	assert_int_equal(host_rw(&g_h, 3, IO_WRITE, NS_512, 0, 1, g_buf, 512, 0), 0);
	/* NVM subsystem reset: the controller goes back to disabled with NSSRO */
	host_write32(&g_h, REG_NSSR, NSSR_MAGIC);
	assert_true(host_wait_ready(&g_h, false, 5) >= 0);
	assert_true(host_read32(&g_h, REG_CSTS) & CSTS_NSSRO);
	assert_int_equal(host_read32(&g_h, REG_CC), 0);
}

/* ---- identify ---- */

static void test_identify_controller(void **state)
{
	uint8_t *id = g_buf;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(host_identify(&g_h, CNS_CONTROLLER, 0, id), 0);
	assert_int_equal(get16(id, IDC_VID), NVME_MODEL_VENDOR_ID);
	assert_int_equal(id[IDC_MDTS], 5);
	assert_int_equal(get16(id, IDC_CNTLID), NVME_MODEL_CNTLID);
	assert_int_equal(get32(id, IDC_NN), NVME_MODEL_MAX_NS);
	assert_int_equal(id[IDC_SQES], 0x66);
	assert_int_equal(id[IDC_CQES], 0x44);
	assert_true(get32(id, IDC_SGLS) & 1);
	assert_memory_equal(id + IDC_MN, "spdkrt NVMe model", 17);
	assert_memory_equal(id + IDC_FR, "MODEL1.0", 8);
}

static void test_identify_namespaces_and_lists(void **state)
{
	uint8_t *id = g_buf;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(host_identify(&g_h, CNS_NAMESPACE, NS_512, id), 0);
	assert_int_equal(get64(id, IDN_NSZE), 1024);
	assert_int_equal(id[IDN_FLBAS] & 0xF, 0);
	assert_int_equal((get32(id, IDN_LBAF0) >> 16) & 0xFF, 9);
	assert_int_equal(host_identify(&g_h, CNS_NAMESPACE, NS_4K, id), 0);
	assert_int_equal(get64(id, IDN_NSZE), 256);
	assert_int_equal(id[IDN_FLBAS] & 0xF, 3);
	assert_int_equal((get32(id, IDN_LBAF0 + 12) >> 16) & 0xFF, 12);
	assert_int_equal(get32(id, IDN_LBAF0 + 20) & 0xFFFF, 64); /* 4096+64 */
	/* an inactive namespace reads zeroes; one out of range is invalid */
	assert_int_equal(host_identify(&g_h, CNS_NAMESPACE, 7, id), 0);
	assert_int_equal(get64(id, IDN_NSZE), 0);
	assert_int_equal(host_identify(&g_h, CNS_NAMESPACE, 1000, id),
			 STATUS(SCT_GENERIC, SC_INVALID_NAMESPACE));
	/* active list: ids above the one given */
	assert_int_equal(host_identify(&g_h, CNS_ACTIVE_NS_LIST, 0, id), 0);
	assert_int_equal(get32(id, 0), 1);
	assert_int_equal(get32(id, 4), 2);
	assert_int_equal(get32(id, 8), 0);
	assert_int_equal(host_identify(&g_h, CNS_ACTIVE_NS_LIST, 1, id), 0);
	assert_int_equal(get32(id, 0), 2);
	assert_int_equal(get32(id, 4), 0);
	/* namespace identification descriptors: EUI64 then NGUID */
	assert_int_equal(host_identify(&g_h, CNS_NS_ID_DESCRIPTORS, NS_4K, id), 0);
	assert_int_equal(id[0], NIDT_EUI64);
	assert_int_equal(id[12], NIDT_NGUID);
	/* unknown CNS */
	assert_int_equal(host_identify(&g_h, 0x55, 0, id), STATUS(SCT_GENERIC, SC_INVALID_FIELD));
}

static void test_identify_garbage_on_demand(void **state)
{
	uint8_t *id = g_buf;

	(void)state;
	put32(nvme_model_identify_ctrlr(g_h.model), IDC_NN, 0xFFFFFFFF);
	nvme_model_identify_ctrlr(g_h.model)[IDC_MDTS] = 0;
	nvme_model_identify_ns(g_h.model, NS_512)[IDN_FLBAS] = 0xF;
	put32(nvme_model_identify_ns(g_h.model, NS_512), IDN_LBAF0, 0x00FF0000); /* 2^255 bytes */
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(host_identify(&g_h, CNS_CONTROLLER, 0, id), 0);
	assert_int_equal(get32(id, IDC_NN), 0xFFFFFFFF);
	assert_int_equal(id[IDC_MDTS], 0);
	assert_int_equal(host_identify(&g_h, CNS_NAMESPACE, NS_512, id), 0);
	assert_int_equal(id[IDN_FLBAS], 0xF);
	/* the model itself still behaves: its namespace keeps 512-byte blocks */
	assert_int_equal(host_set_queues(&g_h, 1, 1, NULL), 0);
	assert_int_equal(host_create_ioq(&g_h, 1, 16, 0), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, NS_512, 1023, 1, g_buf, 512, 0), 0);
	nvme_model_rebuild_identify(g_h.model);
	assert_int_equal(get32(nvme_model_identify_ctrlr(g_h.model), IDC_NN), NVME_MODEL_MAX_NS);
}

/* ---- queues ---- */

static void test_number_of_queues(void **state)
{
	struct host_cpl cpl;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(host_set_queues(&g_h, 4, 2, &cpl), 0);
	assert_int_equal(cpl.cdw0, 1u << 16 | 3);
	assert_int_equal(host_set_queues(&g_h, 1000, 1000, &cpl), 0);
	assert_int_equal(cpl.cdw0, 62u << 16 | 62);
	assert_int_equal(host_set_queues(&g_h, 0, 0, &cpl), /* 0-based 0xFFFF */
			 STATUS(SCT_GENERIC, SC_INVALID_FIELD));
	assert_int_equal(host_create_ioq(&g_h, 1, 16, 0), 0);
	assert_int_equal(host_set_queues(&g_h, 2, 2, &cpl),
			 STATUS(SCT_GENERIC, SC_COMMAND_SEQUENCE_ERROR));
}

static int raw_create(uint8_t opc, uint32_t cdw10, uint32_t cdw11, uint64_t prp1)
{
	uint8_t sqe[SQE_SIZE];

	host_cmd(&g_h, sqe, opc, 0);
	put32(sqe, SQE_CDW10, cdw10);
	put32(sqe, SQE_CDW11, cdw11);
	put64(sqe, SQE_PRP1, prp1);
	return host_exec(&g_h, 0, sqe, NULL);
}

static void test_queue_create_delete_errors(void **state)
{
	uint64_t cq = spdkrt_vtophys(g_h.q[1].cq, NULL), sq = spdkrt_vtophys(g_h.q[1].sq, NULL);
	struct nvme_model_stats st;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(host_set_queues(&g_h, 2, 2, NULL), 0);
	/* qid 0, beyond the allocated count, size 1, size > MQES, PC = 0, unaligned */
	assert_int_equal(raw_create(ADMIN_CREATE_IO_CQ, 15u << 16, 1, cq),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_IDENTIFIER));
	assert_int_equal(raw_create(ADMIN_CREATE_IO_CQ, 15u << 16 | 3, 1, cq),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_IDENTIFIER));
	assert_int_equal(raw_create(ADMIN_CREATE_IO_CQ, 0u << 16 | 1, 1, cq),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_SIZE));
	assert_int_equal(raw_create(ADMIN_CREATE_IO_CQ, 1024u << 16 | 1, 1, cq),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_SIZE));
	assert_int_equal(raw_create(ADMIN_CREATE_IO_CQ, 15u << 16 | 1, 0, cq),
			 STATUS(SCT_GENERIC, SC_INVALID_FIELD));
	assert_int_equal(raw_create(ADMIN_CREATE_IO_CQ, 15u << 16 | 1, 1, cq + 64),
			 STATUS(SCT_GENERIC, SC_INVALID_FIELD));
	/* a virtual address instead of an IOVA */
	assert_int_equal(raw_create(ADMIN_CREATE_IO_CQ, 15u << 16 | 1, 1,
				    (uint64_t)(uintptr_t)g_h.q[1].cq),
			 STATUS(SCT_GENERIC, SC_DATA_TRANSFER_ERROR));
	assert_logged("not DMA memory");
	/* an SQ needs its CQ */
	assert_int_equal(raw_create(ADMIN_CREATE_IO_SQ, 15u << 16 | 1, 1u << 16 | 1, sq),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_COMPLETION_QUEUE_INVALID));
	assert_int_equal(raw_create(ADMIN_CREATE_IO_CQ, 15u << 16 | 1, 1, cq), 0);
	assert_int_equal(raw_create(ADMIN_CREATE_IO_CQ, 15u << 16 | 1, 1, cq),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_IDENTIFIER));
	assert_int_equal(raw_create(ADMIN_CREATE_IO_SQ, 15u << 16 | 1, 1u << 16 | 1, sq), 0);
	/* the CQ cannot go while its SQ exists; deleting twice is invalid */
	assert_int_equal(raw_create(ADMIN_DELETE_IO_CQ, 1, 0, 0),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_DELETION));
	assert_int_equal(raw_create(ADMIN_DELETE_IO_SQ, 1, 0, 0), 0);
	assert_int_equal(raw_create(ADMIN_DELETE_IO_SQ, 1, 0, 0),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_IDENTIFIER));
	assert_int_equal(raw_create(ADMIN_DELETE_IO_CQ, 1, 0, 0), 0);
	nvme_model_get_stats(g_h.model, &st);
	assert_int_equal(st.io_queues_created, 2);
	assert_int_equal(st.io_queues_deleted, 2);
}

/* Enabled, with I/O queue pair 1 of `entries` entries. */
static void one_io_queue(uint16_t entries)
{
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(host_set_queues(&g_h, 1, 1, NULL), 0);
	assert_int_equal(host_create_ioq(&g_h, 1, entries, 0), 0);
}

static void test_phase_wraps(void **state)
{
	struct host_cpl cpl;
	uint8_t sqe[SQE_SIZE];

	(void)state;
	one_io_queue(4);
	/* 4-entry queues: three passes over the CQ flip the phase each time */
	for (int i = 0; i < 13; i++) {
		host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
		assert_int_equal(host_exec(&g_h, 1, sqe, &cpl), 0);
		assert_int_equal(cpl.sqid, 1);
		assert_int_equal(cpl.cid, get16(sqe, SQE_CID));
		assert_int_equal(cpl.sqhd, (i + 1) % 4);
	}
}

static void test_cq_full_waits_for_head(void **state)
{
	struct host_cpl cpl;
	uint8_t sqe[SQE_SIZE];

	(void)state;
	one_io_queue(4);
	/* 3 in flight fill a 4-entry CQ (one slot stays empty) */
	for (int i = 0; i < 3; i++) {
		host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
		host_submit(&g_h, 1, sqe);
	}
	nvme_model_poll(g_h.model);
	host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
	host_submit(&g_h, 1, sqe);
	nvme_model_poll(g_h.model);
	/* the fourth waits in the SQ until the host frees a CQ slot */
	for (int i = 0; i < 4; i++)
		assert_true(host_reap(&g_h, 1, &cpl, POLLS));
	assert_false(host_reap(&g_h, 1, &cpl, 3));
}

static void test_invalid_doorbell_raises_event(void **state)
{
	struct host_cpl cpl;
	uint8_t sqe[SQE_SIZE];
	struct nvme_model_stats st;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	host_cmd(&g_h, sqe, ADMIN_ASYNC_EVENT_REQUEST, 0);
	host_submit(&g_h, 0, sqe);
	nvme_model_poll(g_h.model);
	host_write32(&g_h, REG_DOORBELL + 8 * 5, 3); /* SQ 5 does not exist */
	assert_true(host_reap(&g_h, 0, &cpl, POLLS));
	assert_int_equal(cpl.cdw0 & 7, AER_TYPE_ERROR);
	assert_int_equal((cpl.cdw0 >> 8) & 0xFF, AER_INFO_ERROR_INVALID_DOORBELL);
	assert_int_equal((cpl.cdw0 >> 16) & 0xFF, LOG_ERROR);
	nvme_model_get_stats(g_h.model, &st);
	assert_int_equal(st.invalid_doorbells, 1);
	assert_logged("invalid doorbell write");
}

/* ---- data path ---- */

static void test_write_read_both_block_sizes(void **state)
{
	uint8_t *w = g_buf, *r = g_buf + 64 * 1024;
	size_t size;
	uint8_t *store;

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 2), 0);
	fill(w, 16384, 3);
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, NS_512, 10, 32, w, 16384, 0), 0);
	store = nvme_model_ns_data(g_h.model, NS_512, &size);
	assert_int_equal(size, 1024 * 512);
	assert_memory_equal(store + 10 * 512, w, 16384);
	assert_int_equal(host_rw(&g_h, 2, IO_READ, NS_512, 10, 32, r, 16384, 0), 0);
	assert_memory_equal(r, w, 16384);
	fill(w, 8192, 9);
	assert_int_equal(host_rw(&g_h, 2, IO_WRITE, NS_4K, 255, 1, w, 4096, RW_FUA), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_READ, NS_4K, 255, 1, r, 4096, 0), 0);
	assert_memory_equal(r, w, 4096);
	store = nvme_model_ns_data(g_h.model, NS_4K, NULL);
	assert_memory_equal(store + 255 * 4096, w, 4096);
}

static void test_prp_list_offsets_and_chain(void **state)
{
	uint8_t sqe[SQE_SIZE];
	uint8_t *w = g_buf + 100, *r = g_buf + 128 * 1024 + 512;
	uint64_t list;

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	/* 64 KiB at an offset: PRP1 with offset and a PRP list */
	fill(w, 65536, 1);
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, NS_512, 0, 128, w, 65536, 0), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_READ, NS_512, 0, 128, r, 65536, 0), 0);
	assert_memory_equal(r, w, 65536);
	/* a list that starts 16 bytes before its page end: its second slot chains to the next */
	r = g_buf + 192 * 1024;
	memset(r, 0, 5 * 4096);
	host_cmd(&g_h, sqe, IO_READ, NS_512);
	put32(sqe, SQE_CDW12, 40 - 1);
	put64(sqe, SQE_PRP1, spdkrt_vtophys(r, NULL));
	list = spdkrt_vtophys(g_h.prp_list, NULL) + 4096 - 16;
	put64(g_h.prp_list, 4096 - 16, spdkrt_vtophys(r + 4096, NULL));
	put64(g_h.prp_list, 4096 - 8, spdkrt_vtophys(g_h.prp_list, NULL)); /* chain */
	put64(g_h.prp_list, 0, spdkrt_vtophys(r + 2 * 4096, NULL));
	put64(g_h.prp_list, 8, spdkrt_vtophys(r + 3 * 4096, NULL));
	put64(g_h.prp_list, 16, spdkrt_vtophys(r + 4 * 4096, NULL));
	put64(sqe, SQE_PRP2, list);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), 0);
	assert_memory_equal(r, w, 5 * 4096);
	/* a chain pointer into the last slot of a page, pointing at itself: refused, no loop */
	put64(g_h.prp_list, 4096 - 8, spdkrt_vtophys(g_h.prp_list, NULL) + 4096 - 8);
	put64(sqe, SQE_PRP2, spdkrt_vtophys(g_h.prp_list, NULL) + 4096 - 8);
	put16(sqe, SQE_CID, 0x3030);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), STATUS(SCT_GENERIC, SC_INVALID_PRP_OFFSET));
}

static void test_prp_errors(void **state)
{
	uint8_t sqe[SQE_SIZE];
	struct nvme_model_stats st;

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	/* PRP1 not dword aligned */
	host_cmd(&g_h, sqe, IO_READ, NS_512);
	put64(sqe, SQE_PRP1, spdkrt_vtophys(g_buf, NULL) + 2);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), STATUS(SCT_GENERIC, SC_INVALID_PRP_OFFSET));
	/* PRP2 with an offset for the second page */
	host_cmd(&g_h, sqe, IO_READ, NS_512);
	put32(sqe, SQE_CDW12, 15);
	put64(sqe, SQE_PRP1, spdkrt_vtophys(g_buf, NULL));
	put64(sqe, SQE_PRP2, spdkrt_vtophys(g_buf + 4096, NULL) + 512);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), STATUS(SCT_GENERIC, SC_INVALID_PRP_OFFSET));
	/* a virtual address where the IOVA belongs */
	host_cmd(&g_h, sqe, IO_READ, NS_512);
	put64(sqe, SQE_PRP1, (uint64_t)(uintptr_t)g_buf);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL),
			 STATUS(SCT_GENERIC, SC_DATA_TRANSFER_ERROR));
	nvme_model_get_stats(g_h.model, &st);
	assert_true(st.dma_errors >= 1);
	assert_logged("a virtual address given as IOVA?");
}

static void test_sgl(void **state)
{
	uint8_t sqe[SQE_SIZE];
	uint8_t *w = g_buf, *r = g_buf + 128 * 1024;
	uint8_t *seg = g_h.prp_list;

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	fill(w, 3 * 4096, 5);
	/* 3 pages of scattered IOVA: a last segment with one data block per page */
	host_cmd(&g_h, sqe, IO_WRITE, NS_512);
	put32(sqe, SQE_CDW12, 24 - 1);
	host_set_sgl(&g_h, sqe, w, 3 * 4096);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), 0);
	host_cmd(&g_h, sqe, IO_READ, NS_512);
	put32(sqe, SQE_CDW12, 24 - 1);
	host_set_sgl(&g_h, sqe, r, 3 * 4096);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), 0);
	assert_memory_equal(r, w, 3 * 4096);
	/* segment -> last segment chain, with a bit bucket that drops the first block on read */
	memset(r, 0, 4096);
	host_cmd(&g_h, sqe, IO_READ, NS_512);
	put32(sqe, SQE_CDW12, 2 - 1);
	sqe[SQE_FLAGS] = PSDT_SGL_MPTR_CONTIG << 6;
	put64(sqe, SQE_SGL1, spdkrt_vtophys(seg, NULL));
	put32(sqe, SQE_SGL1 + 8, 32);
	sqe[SQE_SGL1 + 15] = SGL_TYPE_SEGMENT << 4;
	memset(seg, 0, 64);
	put32(seg, 8, 512);
	seg[15] = SGL_TYPE_BIT_BUCKET << 4;
	put64(seg, 16, spdkrt_vtophys(seg + 256, NULL));
	put32(seg, 24, 16);
	seg[31] = SGL_TYPE_LAST_SEGMENT << 4;
	memset(seg + 256, 0, 16);
	put64(seg + 256, 0, spdkrt_vtophys(r, NULL));
	put32(seg + 256, 8, 512);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), 0);
	assert_memory_equal(r, w + 512, 512);
	/* a bit bucket on a write is invalid; an SGL shorter than the data too */
	sqe[SQE_OPC] = IO_WRITE;
	put16(sqe, SQE_CID, 0x777);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL),
			 STATUS(SCT_GENERIC, SC_SGL_DESC_TYPE_INVALID));
	host_cmd(&g_h, sqe, IO_READ, NS_512);
	put32(sqe, SQE_CDW12, 2 - 1);
	sqe[SQE_FLAGS] = PSDT_SGL_MPTR_CONTIG << 6;
	put64(sqe, SQE_SGL1, spdkrt_vtophys(r, NULL));
	put32(sqe, SQE_SGL1 + 8, 512);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL),
			 STATUS(SCT_GENERIC, SC_DATA_SGL_LENGTH_INVALID));
	/* keyed descriptors (subtype) are not offered */
	sqe[SQE_SGL1 + 15] = 0x4 << 4 | 1;
	put16(sqe, SQE_CID, 0x778);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL),
			 STATUS(SCT_GENERIC, SC_SGL_DESC_TYPE_INVALID));
	/* admin commands take PRPs only */
	host_cmd(&g_h, sqe, ADMIN_IDENTIFY, 0);
	put32(sqe, SQE_CDW10, CNS_CONTROLLER);
	host_set_sgl(&g_h, sqe, r, 4096);
	assert_int_equal(host_exec(&g_h, 0, sqe, NULL), STATUS(SCT_GENERIC, SC_INVALID_FIELD));
}

static void test_sgl_off_and_mdts(void **state)
{
	struct nvme_model_opts o;
	uint8_t sqe[SQE_SIZE];

	(void)state;
	/* dword-aligned SGLs only: a data block at an odd address is refused */
	nvme_model_opts_init(&o);
	o.sgl_dword_aligned = true;
	restart(&o);
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	assert_int_equal(get32(nvme_model_identify_ctrlr(g_h.model), IDC_SGLS) & 3, 2);
	host_cmd(&g_h, sqe, IO_READ, NS_512);
	host_set_sgl(&g_h, sqe, g_buf + 2, 512);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL),
			 STATUS(SCT_GENERIC, SC_SGL_DATA_BLOCK_GRANULARITY_INVALID));
	host_cmd(&g_h, sqe, IO_READ, NS_512);
	host_set_sgl(&g_h, sqe, g_buf + 8, 512);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), 0);

	nvme_model_opts_init(&o);
	o.sgl = false;
	o.mdts = 1; /* 8 KiB */
	restart(&o);
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	host_cmd(&g_h, sqe, IO_READ, NS_512);
	host_set_sgl(&g_h, sqe, g_buf, 512);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), STATUS(SCT_GENERIC, SC_INVALID_FIELD));
	assert_int_equal(host_rw(&g_h, 1, IO_READ, NS_512, 0, 16, g_buf, 8192, 0), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_READ, NS_512, 0, 17, g_buf, 8704, 0),
			 STATUS(SCT_GENERIC, SC_INVALID_FIELD));
	assert_logged("exceeds MDTS");
}

static void test_io_errors(void **state)
{
	uint8_t sqe[SQE_SIZE];

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_READ, NS_512, 1023, 2, g_buf, 1024, 0),
			 STATUS(SCT_GENERIC, SC_LBA_OUT_OF_RANGE));
	assert_int_equal(host_rw(&g_h, 1, IO_READ, NS_512, UINT64_MAX, 1, g_buf, 512, 0),
			 STATUS(SCT_GENERIC, SC_LBA_OUT_OF_RANGE));
	assert_int_equal(host_rw(&g_h, 1, IO_READ, 9, 0, 1, g_buf, 512, 0),
			 STATUS(SCT_GENERIC, SC_INVALID_NAMESPACE));
	host_cmd(&g_h, sqe, 0x7E, NS_512);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), STATUS(SCT_GENERIC, SC_INVALID_OPCODE));
	host_cmd(&g_h, sqe, 0xEE, 0);
	assert_int_equal(host_exec(&g_h, 0, sqe, NULL), STATUS(SCT_GENERIC, SC_INVALID_OPCODE));
	/* PI flags on a namespace without PI */
	assert_int_equal(host_rw(&g_h, 1, IO_READ, NS_512, 0, 1, g_buf, 512, RW_PRINFO_PRCHK_GUARD),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_PROTECTION_INFO));
	/* flush of every namespace */
	host_cmd(&g_h, sqe, IO_FLUSH, 0xFFFFFFFF);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), 0);
}

static void test_zeroes_uncorrectable_dsm_compare(void **state)
{
	uint8_t sqe[SQE_SIZE];
	uint8_t *w = g_buf, *r = g_buf + 65536, *ranges = g_buf + 131072;
	uint8_t *store = nvme_model_ns_data(g_h.model, NS_512, NULL);

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	fill(w, 8192, 11);
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, NS_512, 0, 16, w, 8192, 0), 0);
	/* compare: equal, then different */
	assert_int_equal(host_rw(&g_h, 1, IO_COMPARE, NS_512, 0, 16, w, 8192, 0), 0);
	w[100] ^= 1;
	assert_int_equal(host_rw(&g_h, 1, IO_COMPARE, NS_512, 0, 16, w, 8192, 0),
			 STATUS(SCT_MEDIA, SC_COMPARE_FAILURE));
	/* write zeroes of blocks 2..3 */
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE_ZEROES, NS_512, 2, 2, NULL, 0, 0), 0);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(store[1024 + i], 0);
	assert_int_equal(store[512], w[512]);
	/* write zeroes' NLB is 16 bits: 65536 blocks is one command (and out of range here) */
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE_ZEROES, NS_512, 0, 65536, NULL, 0, 0),
			 STATUS(SCT_GENERIC, SC_LBA_OUT_OF_RANGE));
	/* write uncorrectable: reads fail until a write */
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE_UNCORRECTABLE, NS_512, 5, 1, NULL, 0, 0), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_READ, NS_512, 4, 2, r, 1024, 0),
			 STATUS(SCT_MEDIA, SC_UNRECOVERED_READ_ERROR));
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, NS_512, 5, 1, w, 512, 0), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_READ, NS_512, 4, 2, r, 1024, 0), 0);
	/* dataset management: deallocate two ranges; out of range fails */
	memset(ranges, 0, 64);
	put32(ranges, 4, 1);
	put64(ranges, 8, 0);
	put32(ranges, 16 + 4, 2);
	put64(ranges, 16 + 8, 8);
	host_cmd(&g_h, sqe, IO_DATASET_MANAGEMENT, NS_512);
	put32(sqe, SQE_CDW10, 1);
	put32(sqe, SQE_CDW11, 1u << 2);
	host_set_prps(&g_h, sqe, ranges, 32);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), 0);
	assert_int_equal(store[0] | store[511] | store[8 * 512] | store[10 * 512 - 1], 0);
	assert_int_equal(store[512], w[512]);
	put64(ranges, 16 + 8, 1023);
	put16(sqe, SQE_CID, 0x999);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), STATUS(SCT_GENERIC, SC_LBA_OUT_OF_RANGE));
}

static void test_separate_and_extended_metadata(void **state)
{
	uint8_t sqe[SQE_SIZE];
	uint8_t *w = g_buf, *md = g_buf + 65536, *r = g_buf + 131072;
	uint8_t *store, *mstore;

	(void)state;
	add_ns(3, 64, 2, false, 0); /* 512 + 16 separate */
	add_ns(4, 64, 5, true, 0);  /* 4096 + 64 interleaved */
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	fill(w, 2048, 1);
	fill(md, 64, 2);
	host_cmd(&g_h, sqe, IO_WRITE, 3);
	put32(sqe, SQE_CDW12, 3);
	host_set_prps(&g_h, sqe, w, 2048);
	put64(sqe, SQE_MPTR, spdkrt_vtophys(md, NULL));
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), 0);
	mstore = nvme_model_ns_metadata(g_h.model, 3, NULL);
	assert_memory_equal(mstore, md, 64);
	memset(r, 0, 64);
	sqe[SQE_OPC] = IO_READ;
	put16(sqe, SQE_CID, 0x4444);
	put64(sqe, SQE_MPTR, spdkrt_vtophys(r, NULL));
	host_set_prps(&g_h, sqe, r + 4096, 2048);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), 0);
	assert_memory_equal(r, md, 64);
	assert_memory_equal(r + 4096, w, 2048);
	/* extended: 2 blocks of 4096 + 64 in one buffer */
	fill(w, 2 * 4160, 7);
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, 4, 1, 2, w, 2 * 4160, 0), 0);
	store = nvme_model_ns_data(g_h.model, 4, NULL);
	mstore = nvme_model_ns_metadata(g_h.model, 4, NULL);
	assert_memory_equal(store + 4096, w, 4096);
	assert_memory_equal(mstore + 64, w + 4096, 64);
	assert_memory_equal(store + 8192, w + 4160, 4096);
	assert_int_equal(host_rw(&g_h, 1, IO_READ, 4, 1, 2, r, 2 * 4160, 0), 0);
	assert_memory_equal(r, w, 2 * 4160);
}

static void put_pi(uint8_t *pi, uint16_t guard, uint16_t app, uint32_t ref)
{
	pi[0] = (uint8_t)(guard >> 8);
	pi[1] = (uint8_t)guard;
	pi[2] = (uint8_t)(app >> 8);
	pi[3] = (uint8_t)app;
	pi[4] = (uint8_t)(ref >> 24);
	pi[5] = (uint8_t)(ref >> 16);
	pi[6] = (uint8_t)(ref >> 8);
	pi[7] = (uint8_t)ref;
}

static int pi_io(uint8_t opc, uint32_t nsid, uint64_t slba, uint32_t nlb, void *buf, size_t len,
		 uint32_t flags, uint32_t reftag, uint16_t app, uint16_t mask)
{
	uint8_t sqe[SQE_SIZE];

	host_cmd(&g_h, sqe, opc, nsid);
	put64(sqe, SQE_CDW10, slba);
	put32(sqe, SQE_CDW12, (nlb - 1) | flags);
	put32(sqe, SQE_CDW14, reftag);
	put32(sqe, SQE_CDW15, (uint32_t)mask << 16 | app);
	host_set_prps(&g_h, sqe, buf, len);
	return host_exec(&g_h, 1, sqe, NULL);
}

static void test_protection_information(void **state)
{
	const uint32_t chk = RW_PRINFO_PRCHK_GUARD | RW_PRINFO_PRCHK_APPTAG |
			     RW_PRINFO_PRCHK_REFTAG;
	uint8_t *w = g_buf, *r = g_buf + 65536;
	uint8_t *mstore;

	(void)state;
	add_ns(5, 64, 1, true, 1); /* 512 + 8, PI type 1, extended */
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	/* PRACT with 8-byte metadata: the host sends data only, the controller inserts PI */
	fill(w, 1024, 3);
	assert_int_equal(pi_io(IO_WRITE, 5, 10, 2, w, 1024, RW_PRINFO_PRACT, 10, 0x1234, 0xFFFF),
			 0);
	mstore = nvme_model_ns_metadata(g_h.model, 5, NULL);
	assert_int_equal(mstore[80] << 8 | mstore[81], nvme_model_crc16_t10dif(w, 512));
	assert_int_equal(mstore[82] << 8 | mstore[83], 0x1234);
	assert_int_equal(mstore[87], 10);
	assert_int_equal(mstore[95], 11);
	/* read with checks, PI stripped */
	assert_int_equal(
		pi_io(IO_READ, 5, 10, 2, r, 1024, RW_PRINFO_PRACT | chk, 10, 0x1234, 0xFFFF), 0);
	assert_memory_equal(r, w, 1024);
	/* read with PI passed through: 520-byte blocks */
	assert_int_equal(pi_io(IO_READ, 5, 10, 2, r, 1040, chk, 10, 0x1234, 0xFFFF), 0);
	assert_memory_equal(r, w, 512);
	assert_memory_equal(r + 512, mstore + 80, 8);
	/* wrong reference tag, wrong application tag (masked bits only), bad guard */
	assert_int_equal(pi_io(IO_READ, 5, 10, 2, r, 1040, chk, 11, 0x1234, 0xFFFF),
			 STATUS(SCT_MEDIA, SC_REFTAG_CHECK_ERROR));
	assert_int_equal(pi_io(IO_READ, 5, 10, 2, r, 1040, chk, 10, 0x1235, 0xFFFF),
			 STATUS(SCT_MEDIA, SC_APPTAG_CHECK_ERROR));
	assert_int_equal(pi_io(IO_READ, 5, 10, 2, r, 1040, chk, 10, 0x1235, 0xFFF0), 0);
	memcpy(r, w, 512);
	put_pi(r + 512, 0xBAD, 0x1234, 20);
	assert_int_equal(pi_io(IO_WRITE, 5, 20, 1, r, 520, chk, 20, 0x1234, 0xFFFF),
			 STATUS(SCT_MEDIA, SC_GUARD_CHECK_ERROR));
	put_pi(r + 512, nvme_model_crc16_t10dif(w, 512), 0x1234, 20);
	assert_int_equal(pi_io(IO_WRITE, 5, 20, 1, r, 520, chk, 20, 0x1234, 0xFFFF), 0);
	/* the escape application tag disables checking */
	put_pi(r + 512, 0xBAD, 0xFFFF, 99);
	assert_int_equal(pi_io(IO_WRITE, 5, 21, 1, r, 520, chk, 21, 0x1234, 0xFFFF), 0);
}

/* ---- features, logs, events ---- */

static int feature(bool set, uint8_t fid, uint32_t cdw10_extra, uint32_t cdw11, void *buf,
		   size_t len, struct host_cpl *cpl)
{
	uint8_t sqe[SQE_SIZE];

	host_cmd(&g_h, sqe, set ? ADMIN_SET_FEATURES : ADMIN_GET_FEATURES, 0);
	put32(sqe, SQE_CDW10, fid | cdw10_extra);
	put32(sqe, SQE_CDW11, cdw11);
	if (len)
		host_set_prps(&g_h, sqe, buf, len);
	return host_exec(&g_h, 0, sqe, cpl);
}

static void test_features_with_data(void **state)
{
	struct host_cpl cpl;
	uint8_t *b = g_buf;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(feature(true, FEAT_ARBITRATION, 0, 0x03020107, NULL, 0, NULL), 0);
	assert_int_equal(feature(false, FEAT_ARBITRATION, 0, 0, NULL, 0, &cpl), 0);
	assert_int_equal(cpl.cdw0, 0x03020107);
	assert_int_equal(nvme_model_feature(g_h.model, FEAT_ARBITRATION), 0x03020107);
	/* select: default, and capabilities */
	assert_int_equal(feature(false, FEAT_ARBITRATION, 1u << 8, 0, NULL, 0, &cpl), 0);
	assert_int_equal(cpl.cdw0, 0);
	assert_int_equal(feature(false, FEAT_TEMPERATURE_THRESHOLD, 3u << 8, 0, NULL, 0, &cpl), 0);
	assert_int_equal(cpl.cdw0, 1u << 2);
	/* timestamp: 8 bytes from the host, then back */
	put64(b, 0, 0x0000123456789ABCull);
	assert_int_equal(feature(true, FEAT_TIMESTAMP, 0, 0, b, 8, NULL), 0);
	memset(b, 0, 8);
	assert_int_equal(feature(false, FEAT_TIMESTAMP, 0, 0, b, 8, NULL), 0);
	assert_int_equal(get64(b, 0), 0x0000123456789ABCull);
	/* host identifier, 128-bit */
	fill(b, 16, 0x40);
	assert_int_equal(feature(true, FEAT_HOST_IDENTIFIER, 0, 1, b, 16, NULL), 0);
	memset(b + 100, 0, 16);
	assert_int_equal(feature(false, FEAT_HOST_IDENTIFIER, 0, 1, b + 100, 16, NULL), 0);
	assert_memory_equal(b + 100, b, 16);
	/* errors: unknown feature, saving, a power state that does not exist */
	assert_int_equal(feature(true, 0x7F, 0, 0, NULL, 0, NULL),
			 STATUS(SCT_GENERIC, SC_INVALID_FIELD));
	assert_int_equal(feature(true, FEAT_ARBITRATION, 1u << 31, 0, NULL, 0, NULL),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_FEATURE_NOT_SAVEABLE));
	assert_int_equal(feature(true, FEAT_POWER_MANAGEMENT, 0, 3, NULL, 0, NULL),
			 STATUS(SCT_GENERIC, SC_INVALID_FIELD));
}

static int get_log(uint8_t lid, uint32_t len, uint64_t offset, bool rae, void *buf)
{
	uint8_t sqe[SQE_SIZE];
	uint32_t numd = len / 4 - 1;

	host_cmd(&g_h, sqe, ADMIN_GET_LOG_PAGE, 0xFFFFFFFF);
	put32(sqe, SQE_CDW10, lid | (rae ? 1u << 15 : 0) | (numd & 0xFFFF) << 16);
	put32(sqe, SQE_CDW11, numd >> 16);
	put32(sqe, SQE_CDW12, (uint32_t)offset);
	put32(sqe, SQE_CDW13, (uint32_t)(offset >> 32));
	host_set_prps(&g_h, sqe, buf, len);
	return host_exec(&g_h, 0, sqe, NULL);
}

static void test_log_pages(void **state)
{
	uint8_t *b = g_buf;

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_READ, 9, 0, 1, b, 512, 0),
			 STATUS(SCT_GENERIC, SC_INVALID_NAMESPACE));
	/* the error log's newest entry is that command */
	assert_int_equal(get_log(LOG_ERROR, 64, 0, false, b), 0);
	assert_true(get64(b, 0) >= 1);
	assert_int_equal(get16(b, 8), 1);
	assert_int_equal(get16(b, 12) >> 1, SC_INVALID_NAMESPACE);
	/* SMART, firmware slots with an offset, command effects */
	assert_int_equal(get_log(LOG_HEALTH, 512, 0, false, b), 0);
	assert_int_equal(b[3], 100);
	assert_int_equal(get_log(LOG_FIRMWARE_SLOT, 8, 8, false, b), 0);
	assert_memory_equal(b, "MODEL1.0", 8);
	assert_int_equal(get_log(LOG_COMMAND_EFFECTS, 4096, 0, false, b), 0);
	assert_int_equal(get32(b, 4 * ADMIN_IDENTIFY) & 1, 1);
	assert_int_equal(get32(b, 1024 + 4 * IO_WRITE), 3);
	/* errors: unknown page, offset not dword aligned, offset past the page */
	assert_int_equal(get_log(0x70, 64, 0, false, b),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_LOG_PAGE));
	assert_int_equal(get_log(LOG_HEALTH, 64, 2, false, b),
			 STATUS(SCT_GENERIC, SC_INVALID_FIELD));
	assert_int_equal(get_log(LOG_HEALTH, 64, 4096, false, b),
			 STATUS(SCT_GENERIC, SC_INVALID_FIELD));
}

static void submit_aer(void)
{
	uint8_t sqe[SQE_SIZE];

	host_cmd(&g_h, sqe, ADMIN_ASYNC_EVENT_REQUEST, 0);
	host_submit(&g_h, 0, sqe);
}

static void test_async_events_and_changed_ns(void **state)
{
	struct host_cpl cpl;
	uint8_t *b = g_buf;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(
		feature(true, FEAT_ASYNC_EVENT_CONFIG, 0, OAES_NS_ATTRIBUTE, NULL, 0, NULL), 0);
	for (int i = 0; i < 4; i++)
		submit_aer();
	submit_aer(); /* AERL 3: the fifth is over the limit */
	assert_true(host_reap(&g_h, 0, &cpl, POLLS));
	assert_int_equal(STATUS(cpl.sct, cpl.sc),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED));
	/* a namespace appears: one notice, then that type waits for its log page */
	add_ns(6, 8, 0, false, 0);
	add_ns(7, 8, 0, false, 0);
	assert_true(host_reap(&g_h, 0, &cpl, POLLS));
	assert_int_equal(cpl.cdw0, AER_TYPE_NOTICE | LOG_CHANGED_NS_LIST << 16);
	assert_false(host_reap(&g_h, 0, &cpl, 3));
	assert_int_equal(get_log(LOG_CHANGED_NS_LIST, 4096, 0, false, b), 0);
	assert_int_equal(get32(b, 0), 6);
	assert_int_equal(get32(b, 4), 7);
	assert_int_equal(get32(b, 8), 0);
	/* reading re-armed the notice: the queued second event comes (its list is now empty) */
	assert_true(host_reap(&g_h, 0, &cpl, POLLS));
	assert_int_equal(cpl.cdw0 & 7, AER_TYPE_NOTICE);
	assert_int_equal(get_log(LOG_CHANGED_NS_LIST, 4096, 0, true, b), 0);
	assert_int_equal(get32(b, 0), 0);
	/* a raised SMART event, delivered at once */
	nvme_model_raise_event(g_h.model, AER_TYPE_SMART, 0x1, LOG_HEALTH);
	assert_true(host_reap(&g_h, 0, &cpl, POLLS));
	assert_int_equal(cpl.cdw0, AER_TYPE_SMART | 1u << 8 | LOG_HEALTH << 16);
}

static void test_abort_and_keep_alive(void **state)
{
	struct nvme_model_fault f = {
		.kind = NVME_MODEL_FAULT_DROP, .qid = 1, .opcode = IO_READ, .count = 1
	};
	struct nvme_model_stats st;
	uint8_t sqe[SQE_SIZE], abort_sqe[SQE_SIZE];
	struct host_cpl cpl;

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	assert_int_equal(nvme_model_inject(g_h.model, &f), 0);
	host_cmd(&g_h, sqe, IO_READ, NS_512);
	host_set_prps(&g_h, sqe, g_buf, 512);
	host_submit(&g_h, 1, sqe);
	assert_false(host_reap(&g_h, 1, &cpl, POLLS)); /* never completes by itself */
	host_cmd(&g_h, abort_sqe, ADMIN_ABORT, 0);
	put32(abort_sqe, SQE_CDW10, (uint32_t)get16(sqe, SQE_CID) << 16 | 1);
	assert_int_equal(host_exec(&g_h, 0, abort_sqe, &cpl), 0);
	assert_int_equal(cpl.cdw0 & 1, 0); /* aborted */
	assert_true(host_reap(&g_h, 1, &cpl, POLLS));
	assert_int_equal(STATUS(cpl.sct, cpl.sc), STATUS(SCT_GENERIC, SC_ABORTED_BY_REQUEST));
	/* nothing left to abort */
	put16(abort_sqe, SQE_CID, 0x5555);
	assert_int_equal(host_exec(&g_h, 0, abort_sqe, &cpl), 0);
	assert_int_equal(cpl.cdw0 & 1, 1);
	host_cmd(&g_h, sqe, ADMIN_KEEP_ALIVE, 0);
	assert_int_equal(host_exec(&g_h, 0, sqe, NULL), 0);
	assert_int_equal(feature(true, FEAT_KEEP_ALIVE_TIMER, 0, 5000, NULL, 0, NULL), 0);
	/* the history holds what the host sent */
	assert_true(nvme_model_last_command(g_h.model, 0, ADMIN_ABORT, sqe));
	assert_int_equal(get16(sqe, SQE_CID), 0x5555);
	assert_true(nvme_model_last_command(g_h.model, NVME_MODEL_ANY_QID, IO_READ, sqe));
	assert_int_equal(get32(sqe, SQE_NSID), NS_512);
	assert_false(nvme_model_last_command(g_h.model, 1, IO_WRITE, sqe));
	{
		struct nvme_model_cmd_record rec[2];

		assert_int_equal(nvme_model_command_history(g_h.model, rec, 2), 2);
		assert_int_equal(rec[0].sqe[SQE_OPC], ADMIN_KEEP_ALIVE);
		assert_int_equal(rec[1].sqe[SQE_OPC], ADMIN_SET_FEATURES);
		assert_int_equal(get32(rec[1].sqe, SQE_CDW11), 5000);
	}
	nvme_model_get_stats(g_h.model, &st);
	assert_int_equal(st.keep_alives, 1);
	assert_int_equal(st.aborts_done, 1);
}

static void test_sq_deletion_aborts_held(void **state)
{
	struct nvme_model_fault f = {
		.kind = NVME_MODEL_FAULT_DROP, .qid = 1, .opcode = NVME_MODEL_ANY_OPCODE, .count = 2
	};
	uint8_t sqe[SQE_SIZE];
	struct host_cpl cpl;

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	assert_int_equal(nvme_model_inject(g_h.model, &f), 0);
	for (int i = 0; i < 2; i++) {
		host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
		host_submit(&g_h, 1, sqe);
	}
	nvme_model_poll(g_h.model);
	host_cmd(&g_h, sqe, ADMIN_DELETE_IO_SQ, 0);
	put32(sqe, SQE_CDW10, 1);
	assert_int_equal(host_exec(&g_h, 0, sqe, NULL), 0);
	for (int i = 0; i < 2; i++) {
		assert_true(host_reap(&g_h, 1, &cpl, POLLS));
		assert_int_equal(cpl.sc, SC_ABORTED_SQ_DELETION);
	}
}

/* ---- faults ---- */

static void test_fault_status_skip_count(void **state)
{
	struct nvme_model_fault f = { .kind = NVME_MODEL_FAULT_STATUS,
				      .qid = NVME_MODEL_ANY_QID,
				      .opcode = IO_WRITE,
				      .count = 2,
				      .skip = 1,
				      .sct = SCT_MEDIA,
				      .sc = 0x80,
				      .dnr = true };
	struct host_cpl cpl;
	uint8_t sqe[SQE_SIZE];

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	assert_int_equal(nvme_model_inject(g_h.model, &f), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, NS_512, 0, 1, g_buf, 512, 0), 0);
	for (int i = 0; i < 2; i++) {
		host_cmd(&g_h, sqe, IO_WRITE, NS_512);
		host_set_prps(&g_h, sqe, g_buf, 512);
		assert_int_equal(host_exec(&g_h, 1, sqe, &cpl), STATUS(SCT_MEDIA, 0x80));
		assert_true(cpl.dnr);
	}
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, NS_512, 0, 1, g_buf, 512, 0), 0);
	f.kind = 99;
	assert_int_equal(nvme_model_inject(g_h.model, &f), -EINVAL);
	f.kind = NVME_MODEL_FAULT_STATUS;
	for (int i = 0; i < 16; i++)
		assert_int_equal(nvme_model_inject(g_h.model, &f), 0);
	assert_int_equal(nvme_model_inject(g_h.model, &f), -ENOSPC);
	nvme_model_clear_faults(g_h.model);
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, NS_512, 0, 1, g_buf, 512, 0), 0);
}

static void test_fault_delay(void **state)
{
	struct nvme_model_fault f = { .kind = NVME_MODEL_FAULT_DELAY,
				      .qid = 1,
				      .opcode = NVME_MODEL_ANY_OPCODE,
				      .count = 1,
				      .delay_polls = 10 };
	uint8_t sqe[SQE_SIZE];
	struct host_cpl cpl;

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	assert_int_equal(nvme_model_inject(g_h.model, &f), 0);
	host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
	host_submit(&g_h, 1, sqe);
	host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
	host_submit(&g_h, 1, sqe);
	/* the second overtakes the first */
	assert_true(host_reap(&g_h, 1, &cpl, 2));
	assert_int_equal(cpl.cid, get16(sqe, SQE_CID));
	assert_false(host_reap(&g_h, 1, &cpl, 5));
	assert_true(host_reap(&g_h, 1, &cpl, 10));
	assert_int_equal(cpl.cid, get16(sqe, SQE_CID) - 1);
}

static void test_fault_bogus_completions(void **state)
{
	struct nvme_model_fault f = { .qid = 1, .opcode = IO_FLUSH, .count = 1 };
	uint8_t sqe[SQE_SIZE], raw[16] = { 0 };
	struct host_cpl cpl;

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	f.kind = NVME_MODEL_FAULT_WRONG_CID;
	assert_int_equal(nvme_model_inject(g_h.model, &f), 0);
	host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
	host_exec(&g_h, 1, sqe, &cpl);
	assert_int_equal(cpl.cid, get16(sqe, SQE_CID) ^ 0x8000);
	f.kind = NVME_MODEL_FAULT_WRONG_SQID;
	assert_int_equal(nvme_model_inject(g_h.model, &f), 0);
	host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
	host_exec(&g_h, 1, sqe, &cpl);
	assert_int_not_equal(cpl.sqid, 1);
	f.kind = NVME_MODEL_FAULT_GARBAGE_CDW0;
	f.cdw0_value = 0xC0FFEE;
	assert_int_equal(nvme_model_inject(g_h.model, &f), 0);
	host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
	host_exec(&g_h, 1, sqe, &cpl);
	assert_int_equal(cpl.cdw0, 0xC0FFEE);
	f.kind = NVME_MODEL_FAULT_DUPLICATE;
	assert_int_equal(nvme_model_inject(g_h.model, &f), 0);
	host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
	host_exec(&g_h, 1, sqe, &cpl);
	assert_true(host_reap(&g_h, 1, &cpl, POLLS));
	assert_int_equal(cpl.cid, get16(sqe, SQE_CID));
	/* a raw entry posted by the test, with the current phase */
	put16(raw, CQE_CID, 0xABCD);
	put16(raw, CQE_SQID, 1);
	assert_int_equal(nvme_model_post_raw_cqe(g_h.model, 1, raw, false), 0);
	assert_true(host_reap(&g_h, 1, &cpl, 0));
	assert_int_equal(cpl.cid, 0xABCD);
	assert_int_equal(nvme_model_post_raw_cqe(g_h.model, 9, raw, false), -ENOENT);
	/* wrong phase: the host never sees it (a lost completion) */
	f.kind = NVME_MODEL_FAULT_WRONG_PHASE;
	assert_int_equal(nvme_model_inject(g_h.model, &f), 0);
	host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
	assert_int_equal(host_exec(&g_h, 1, sqe, &cpl), -1);
}

static void test_surprise_removal(void **state)
{
	struct srt_pci_device *dev;
	void *bar;
	uint64_t size;

	(void)state;
	assert_int_equal(srt_pci_device_attach(&(struct spdkrt_pci_addr){ 0, 0x0e, 0, 0 }, &dev),
			 0);
	assert_int_equal(srt_pci_device_map_bar(dev, 0, &bar, &size), 0);
	assert_ptr_equal(bar, (void *)nvme_model_bar0(g_h.model));
	assert_int_equal(size, nvme_model_bar0_size(g_h.model));
	assert_false(srt_pci_device_is_removed(dev));
	assert_int_equal(host_enable(&g_h, 0), 0);
	nvme_model_surprise_remove(g_h.model);
	assert_true(srt_pci_device_is_removed(dev));
	assert_int_equal(host_read32(&g_h, REG_CSTS), 0xFFFFFFFF);
	assert_int_equal(host_read64(&g_h, REG_CAP), UINT64_MAX);
	assert_int_equal(nvme_model_poll(g_h.model), 0);
	srt_pci_device_detach(dev);
}

static sigjmp_buf g_sigbus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(g_sigbus_jmp, 1);
}

static void test_surprise_removal_sigbus(void **state)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	volatile int faulted = 0;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	nvme_model_surprise_remove_sigbus(g_h.model);
	assert_int_equal(nvme_model_poll(g_h.model), 0);
	assert_int_equal(sigaction(SIGBUS, &sa, &old), 0);
	if (sigsetjmp(g_sigbus_jmp, 1) == 0)
		(void)host_read32(&g_h, REG_CSTS);
	else
		faulted = 1;
	assert_int_equal(sigaction(SIGBUS, &old, NULL), 0);
	assert_int_equal(faulted, 1);
	assert_false(srt_pci_model_poll_all() > 0);
}

static int count_nvme(void *ctx, const struct spdkrt_pci_addr *addr, const struct spdkrt_pci_id *id)
{
	(void)addr;
	if (id->class_code == NVME_MODEL_CLASS)
		(*(int *)ctx)++;
	return 0;
}

static void test_pci_registration_and_poll_all(void **state)
{
	struct srt_pci_match match = { .class_code = NVME_MODEL_CLASS, .class_mask = 0xFFFFFF };
	int found = 0;

	(void)state;
	assert_int_equal(srt_pci_enumerate(&match, count_nvme, &found), 0);
	assert_int_equal(found, 1);
	/* the PCI layer's poll runs the model: enable through it */
	host_write32(&g_h, REG_AQA, 0x003F003F);
	host_write64(&g_h, REG_ASQ, spdkrt_vtophys(g_h.q[0].sq, NULL));
	host_write64(&g_h, REG_ACQ, spdkrt_vtophys(g_h.q[0].cq, NULL));
	host_write32(&g_h, REG_CC, CC_EN | 6u << 16 | 4u << 20);
	assert_true(srt_pci_model_poll_all() >= 1);
	assert_true(host_read32(&g_h, REG_CSTS) & CSTS_RDY);
	/* a second model at the same address is refused */
	{
		struct nvme_model *dup;

		assert_int_equal(nvme_model_create(NULL, &dup), -EEXIST);
	}
}

static bool g_stop_polling;

static void *poll_models(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&g_stop_polling, __ATOMIC_ACQUIRE))
		srt_pci_model_poll_all();
	return NULL;
}

/*
 * The model on its own OS thread, as hardware beside the CPU: only the doorbells' release and
 * acquire and the phase bit order queue entries and data (the TSan pass checks this test).
 */
static void test_model_on_its_own_thread(void **state)
{
	uint8_t *w = g_buf, *r = g_buf + 128 * 1024;
	struct nvme_model_stats st;
	pthread_t poller;

	(void)state;
	g_h.model_polled_elsewhere = true;
	__atomic_store_n(&g_stop_polling, false, __ATOMIC_RELEASE);
	assert_int_equal(pthread_create(&poller, NULL, poll_models, NULL), 0);
	assert_int_equal(host_bring_up(&g_h, 2), 0);
	for (uint32_t i = 0; i < 200; i++) {
		uint16_t qid = (uint16_t)(1 + i % 2);

		fill(w, 8192, (uint8_t)i);
		assert_int_equal(host_rw(&g_h, qid, IO_WRITE, NS_4K, i % 256, 2, w, 8192, 0), 0);
		assert_int_equal(host_rw(&g_h, qid, IO_READ, NS_4K, i % 256, 2, r, 8192, 0), 0);
		assert_memory_equal(r, w, 8192);
	}
	__atomic_store_n(&g_stop_polling, true, __ATOMIC_RELEASE);
	pthread_join(poller, NULL);
	g_h.model_polled_elsewhere = false;
	nvme_model_get_stats(g_h.model, &st);
	assert_int_equal(st.io_commands, 400);
	assert_int_equal(st.dma_errors, 0);
}

/* ---- arbitration ---- */

static void queue_flushes(uint16_t qid, int n)
{
	uint8_t sqe[SQE_SIZE];

	for (int i = 0; i < n; i++) {
		host_cmd(&g_h, sqe, IO_FLUSH, NS_512);
		host_submit(&g_h, qid, sqe);
	}
}

static void test_round_robin_burst(void **state)
{
	uint16_t trace[12];

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 2), 0);
	assert_int_equal(feature(true, FEAT_ARBITRATION, 0, 1 /* burst 2 */, NULL, 0, NULL), 0);
	nvme_model_reset_trace(g_h.model);
	queue_flushes(1, 4);
	queue_flushes(2, 4);
	nvme_model_poll(g_h.model);
	assert_int_equal(nvme_model_exec_trace(g_h.model, trace, 8), 8);
	assert_int_equal(trace[0], 1);
	assert_int_equal(trace[1], 1);
	assert_int_equal(trace[2], 2);
	assert_int_equal(trace[3], 2);
	assert_int_equal(trace[4], 1);
	assert_int_equal(trace[6], 2);
}

static void test_weighted_round_robin(void **state)
{
	struct nvme_model_opts o;
	uint16_t trace[16];
	int high = 0;

	(void)state;
	nvme_model_opts_init(&o);
	o.wrr = true;
	restart(&o);
	assert_int_equal(host_enable(&g_h, AMS_WRR), 0);
	assert_int_equal(host_set_queues(&g_h, 3, 3, NULL), 0);
	assert_int_equal(host_create_ioq(&g_h, 1, 16, 0), 0); /* urgent */
	assert_int_equal(host_create_ioq(&g_h, 2, 16, 1), 0); /* high */
	assert_int_equal(host_create_ioq(&g_h, 3, 16, 3), 0); /* low */
	/* high weight 3 (0-based 2), low weight 1 */
	assert_int_equal(feature(true, FEAT_ARBITRATION, 0, 2u << 24 | 0u << 8, NULL, 0, NULL), 0);
	nvme_model_reset_trace(g_h.model);
	queue_flushes(3, 4);
	queue_flushes(2, 6);
	queue_flushes(1, 2);
	nvme_model_poll(g_h.model);
	assert_int_equal(nvme_model_exec_trace(g_h.model, trace, 12), 12);
	/* urgent first, then three high for each low */
	assert_int_equal(trace[0], 1);
	assert_int_equal(trace[1], 1);
	for (int i = 2; i < 6; i++)
		high += trace[i] == 2;
	assert_int_equal(high, 3);
	assert_int_equal(trace[5], 3);
}

/* ---- namespace management, format, firmware, security, reservations ---- */

static int ns_admin(uint8_t opc, uint32_t nsid, uint32_t sel, void *buf, struct host_cpl *cpl)
{
	uint8_t sqe[SQE_SIZE];

	host_cmd(&g_h, sqe, opc, nsid);
	put32(sqe, SQE_CDW10, sel);
	if (buf != NULL)
		host_set_prps(&g_h, sqe, buf, 4096);
	return host_exec(&g_h, 0, sqe, cpl);
}

static void test_namespace_management(void **state)
{
	uint8_t *b = g_buf, *id = g_buf + 8192;
	struct host_cpl cpl;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	memset(b, 0, 4096);
	put64(b, IDN_NSZE, 100);
	put64(b, IDN_NCAP, 100);
	b[IDN_FLBAS] = 3;
	assert_int_equal(ns_admin(ADMIN_NS_MANAGEMENT, 0, 0, b, &cpl), 0);
	assert_int_equal(cpl.cdw0, 3);
	/* allocated, not active yet */
	assert_int_equal(host_identify(&g_h, CNS_NAMESPACE, 3, id), 0);
	assert_int_equal(get64(id, IDN_NSZE), 0);
	assert_int_equal(host_identify(&g_h, CNS_ALLOCATED_NAMESPACE, 3, id), 0);
	assert_int_equal(get64(id, IDN_NSZE), 100);
	memset(b, 0, 4096);
	put16(b, 0, 1);
	put16(b, 2, 7); /* not this controller */
	assert_int_equal(ns_admin(ADMIN_NS_ATTACHMENT, 3, 0, b, NULL),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_CONTROLLER_LIST_INVALID));
	put16(b, 2, NVME_MODEL_CNTLID);
	assert_int_equal(ns_admin(ADMIN_NS_ATTACHMENT, 3, 0, b, NULL), 0);
	assert_int_equal(ns_admin(ADMIN_NS_ATTACHMENT, 3, 0, b, NULL),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_NAMESPACE_ALREADY_ATTACHED));
	assert_int_equal(host_identify(&g_h, CNS_ACTIVE_NS_LIST, 2, id), 0);
	assert_int_equal(get32(id, 0), 3);
	assert_int_equal(host_identify(&g_h, CNS_NS_CTRLR_LIST, 3, id), 0);
	assert_int_equal(get16(id, 0), 1);
	assert_int_equal(ns_admin(ADMIN_NS_ATTACHMENT, 3, 1, b, NULL), 0);
	assert_int_equal(ns_admin(ADMIN_NS_ATTACHMENT, 3, 1, b, NULL),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_NAMESPACE_NOT_ATTACHED));
	assert_int_equal(ns_admin(ADMIN_NS_MANAGEMENT, 3, 1, NULL, NULL), 0);
	assert_int_equal(ns_admin(ADMIN_NS_MANAGEMENT, 3, 1, NULL, NULL),
			 STATUS(SCT_GENERIC, SC_INVALID_NAMESPACE));
	/* impossible requests: a format that does not exist, more than the capacity */
	memset(b, 0, 4096);
	put64(b, IDN_NSZE, 100);
	b[IDN_FLBAS] = 9;
	assert_int_equal(ns_admin(ADMIN_NS_MANAGEMENT, 0, 0, b, NULL),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_FORMAT));
	b[IDN_FLBAS] = 0;
	put64(b, IDN_NSZE, 1ull << 40);
	assert_int_equal(ns_admin(ADMIN_NS_MANAGEMENT, 0, 0, b, NULL),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_NAMESPACE_INSUFFICIENT_CAPACITY));
}

static void test_format(void **state)
{
	uint8_t *id = g_buf;

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	fill(g_buf + 8192, 512, 1);
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, NS_512, 0, 1, g_buf + 8192, 512, 0), 0);
	/* to 4096 + 8 with PI type 1 in the first bytes: 1024 x 512 -> 128 blocks, zeroed */
	assert_int_equal(ns_admin(ADMIN_FORMAT_NVM, NS_512, 4 | 1u << 5 | 1u << 8, NULL, NULL), 0);
	assert_int_equal(host_identify(&g_h, CNS_NAMESPACE, NS_512, id), 0);
	assert_int_equal(get64(id, IDN_NSZE), 128);
	assert_int_equal(id[IDN_FLBAS], 4);
	assert_int_equal(id[IDN_DPS], 1 | DPS_PI_FIRST);
	assert_int_equal(nvme_model_ns_data(g_h.model, NS_512, NULL)[0], 0);
	assert_int_equal(ns_admin(ADMIN_FORMAT_NVM, NS_512, 9, NULL, NULL),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_FORMAT));
	assert_int_equal(ns_admin(ADMIN_FORMAT_NVM, NS_512, 3 | 1u << 5, NULL,
				  NULL), /* PI, no md */
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_FORMAT));
	assert_int_equal(ns_admin(ADMIN_FORMAT_NVM, NS_512, 3 | 2u << 9, NULL, NULL),
			 STATUS(SCT_GENERIC, SC_INVALID_FIELD));
	assert_int_equal(ns_admin(ADMIN_FORMAT_NVM, 0xFFFFFFFF, 0, NULL, NULL), 0);
	assert_int_equal(host_identify(&g_h, CNS_NAMESPACE, NS_4K, id), 0);
	assert_int_equal(get64(id, IDN_NSZE), 2048);
}

static int fw(uint8_t opc, uint32_t cdw10, uint32_t cdw11, void *buf, size_t len)
{
	uint8_t sqe[SQE_SIZE];

	host_cmd(&g_h, sqe, opc, 0);
	put32(sqe, SQE_CDW10, cdw10);
	put32(sqe, SQE_CDW11, cdw11);
	if (len)
		host_set_prps(&g_h, sqe, buf, len);
	return host_exec(&g_h, 0, sqe, NULL);
}

static void test_firmware(void **state)
{
	uint8_t *img = g_buf;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	fill(img, 8192, 0);
	memcpy(img, "NEWFW2.0", 8);
	/* two pieces, then replace slot 2 without activation */
	assert_int_equal(fw(ADMIN_FIRMWARE_DOWNLOAD, 4096 / 4 - 1, 0, img, 4096), 0);
	assert_int_equal(fw(ADMIN_FIRMWARE_DOWNLOAD, 4096 / 4 - 1, 4096 / 4, img + 4096, 4096), 0);
	assert_int_equal(fw(ADMIN_FIRMWARE_COMMIT, 2, 0, NULL, 0), 0);
	assert_string_equal(nvme_model_fw_revision(g_h.model, 2), "NEWFW2.0");
	assert_int_equal(nvme_model_fw_active_slot(g_h.model), 1);
	/* activate slot 2 at the next reset */
	assert_int_equal(fw(ADMIN_FIRMWARE_COMMIT, 2 | 2u << 3, 0, NULL, 0), 0);
	assert_int_equal(nvme_model_fw_active_slot(g_h.model), 1);
	assert_int_equal(host_disable(&g_h), 0);
	assert_int_equal(nvme_model_fw_active_slot(g_h.model), 2);
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(host_identify(&g_h, CNS_CONTROLLER, 0, img + 8192), 0);
	assert_memory_equal(img + 8192 + IDC_FR, "NEWFW2.0", 8);
	/* replace and activate now (slot 3) */
	memcpy(img, "NOWFW3.0", 8);
	assert_int_equal(fw(ADMIN_FIRMWARE_DOWNLOAD, 1, 0, img, 8), 0);
	assert_int_equal(fw(ADMIN_FIRMWARE_COMMIT, 3 | 3u << 3, 0, NULL, 0), 0);
	assert_int_equal(nvme_model_fw_active_slot(g_h.model), 3);
	/* errors: slot 7, no image, an action that does not exist */
	assert_int_equal(fw(ADMIN_FIRMWARE_COMMIT, 7, 0, NULL, 0),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_FIRMWARE_SLOT));
	assert_int_equal(fw(ADMIN_FIRMWARE_COMMIT, 2, 0, NULL, 0),
			 STATUS(SCT_COMMAND_SPECIFIC, SC_INVALID_FIRMWARE_IMAGE));
	assert_int_equal(fw(ADMIN_FIRMWARE_COMMIT, 2 | 6u << 3, 0, NULL, 0),
			 STATUS(SCT_GENERIC, SC_INVALID_FIELD));
}

static void test_security_send_receive(void **state)
{
	uint8_t *b = g_buf;

	(void)state;
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(fw(ADMIN_SECURITY_RECEIVE, 0x00u << 24, 16, b, 16), 0);
	assert_int_equal(b[7], 2);
	assert_int_equal(b[9], 0xEF);
	fill(b, 64, 9);
	assert_int_equal(fw(ADMIN_SECURITY_SEND, 0xEFu << 24, 64, b, 64), 0);
	memset(b + 1024, 0, 64);
	assert_int_equal(fw(ADMIN_SECURITY_RECEIVE, 0xEFu << 24, 64, b + 1024, 64), 0);
	assert_memory_equal(b + 1024, b, 64);
	assert_int_equal(fw(ADMIN_SECURITY_SEND, 0x01u << 24, 64, b, 64),
			 STATUS(SCT_GENERIC, SC_INVALID_FIELD));
}

static int resv(uint8_t opc, uint32_t cdw10, uint64_t k1, uint64_t k2)
{
	uint8_t sqe[SQE_SIZE];
	uint8_t *keys = g_buf + 200 * 1024;

	put64(keys, 0, k1);
	put64(keys, 8, k2);
	host_cmd(&g_h, sqe, opc, NS_512);
	put32(sqe, SQE_CDW10, cdw10);
	host_set_prps(&g_h, sqe, keys, opc == IO_RESERVATION_RELEASE ? 8 : 16);
	return host_exec(&g_h, 1, sqe, NULL);
}

static void test_reservations(void **state)
{
	uint8_t sqe[SQE_SIZE];
	uint8_t *report = g_buf;

	(void)state;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	put64(g_buf + 4096, 0, 0x1111);
	assert_int_equal(feature(true, FEAT_HOST_IDENTIFIER, 0, 0, g_buf + 4096, 8, NULL), 0);
	assert_int_equal(resv(IO_RESERVATION_REGISTER, 0, 0, 0xAAAA), 0);
	assert_int_equal(nvme_model_other_host_register(g_h.model, NS_512, 0x2222, 0xBBBB), 0);
	/* acquire write exclusive with the wrong key, then the right one */
	assert_int_equal(resv(IO_RESERVATION_ACQUIRE, 1u << 8, 0xAAAB, 0),
			 STATUS(SCT_GENERIC, SC_RESERVATION_CONFLICT));
	assert_int_equal(resv(IO_RESERVATION_ACQUIRE, 1u << 8, 0xAAAA, 0), 0);
	/* report: NUMD is 0-based, the header plus two 24-byte entries = 18 dwords */
	memset(report, 0xEE, 128);
	host_cmd(&g_h, sqe, IO_RESERVATION_REPORT, NS_512);
	put32(sqe, SQE_CDW10, 72 / 4 - 1);
	host_set_prps(&g_h, sqe, report, 72);
	assert_int_equal(host_exec(&g_h, 1, sqe, NULL), 0);
	assert_int_equal(get32(report, 0), 2); /* generation */
	assert_int_equal(report[4], 1);
	assert_int_equal(get16(report, 5), 2);
	assert_int_equal(get16(report, 24), NVME_MODEL_CNTLID);
	assert_int_equal(report[26], 1);
	assert_int_equal(get64(report, 24 + 8), 0x1111);
	assert_int_equal(get64(report, 24 + 16), 0xAAAA);
	assert_int_equal(get64(report, 48 + 16), 0xBBBB);
	assert_int_equal(report[72], 0xEE); /* not one byte more */
	/* release, then the other host takes exclusive access: our reads conflict */
	assert_int_equal(resv(IO_RESERVATION_RELEASE, 1u << 8, 0xAAAA, 0), 0);
	assert_int_equal(nvme_model_other_host_acquire(g_h.model, NS_512, 0x2222, 0xBBBB, 2), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_READ, NS_512, 0, 1, g_buf, 512, 0),
			 STATUS(SCT_GENERIC, SC_RESERVATION_CONFLICT));
	/* preempt it with its key */
	assert_int_equal(resv(IO_RESERVATION_ACQUIRE, 1 | 1u << 8, 0xAAAA, 0xBBBB), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_READ, NS_512, 0, 1, g_buf, 512, 0), 0);
	/* clear */
	assert_int_equal(resv(IO_RESERVATION_RELEASE, 1, 0xAAAA, 0), 0);
	assert_int_equal(resv(IO_RESERVATION_RELEASE, 0, 0xAAAA, 0),
			 STATUS(SCT_GENERIC, SC_RESERVATION_CONFLICT));
}

#define CMB_CBA 0x30000000ull /* what the model PCI layer shows in BAR2 */

static void test_cmb_queue_and_data(void **state)
{
	struct nvme_model_opts o;
	struct srt_pci_device *dev;
	struct nvme_model_stats st;
	uint8_t *cmb, *sq_saved;
	uint64_t size;

	(void)state;
	nvme_model_opts_init(&o);
	o.cmb_size = 3 << 20;
	assert_int_equal(nvme_model_create(&o, &(struct nvme_model *){ NULL }), -EINVAL);
	o.cmb_size = 2 << 20;
	restart(&o);
	nvme_model_poll(g_h.model);
	assert_int_equal(host_read32(&g_h, REG_CMBLOC) & 7, 2);
	assert_int_equal(host_read32(&g_h, REG_CMBSZ) >> 12, 512);
	assert_int_equal(srt_pci_device_attach(&o.addr, &dev), 0);
	assert_int_equal(srt_pci_device_map_bar(dev, 2, (void **)&cmb, &size), 0);
	assert_int_equal(size, 2 << 20);
	/* not DMA memory: the controller reaches it only at CMBMSC.CBA */
	assert_int_equal(spdkrt_vtophys(cmb, NULL), SPDKRT_IOVA_INVALID);
	assert_true((host_read64(&g_h, REG_CAP) >> 57) & 1); /* CAP.CMBS */
	host_write64(&g_h, REG_CMBMSC, CMB_CBA | CMBMSC_CRE | CMBMSC_CMSE);
	nvme_model_poll(g_h.model);
	host_use_cmb(cmb, size, CMB_CBA);
	/* the I/O SQ lives in the CMB, and so does the data */
	sq_saved = g_h.q[1].sq;
	g_h.q[1].sq = cmb;
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	fill(cmb + 65536, 4096, 4);
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, NS_4K, 3, 1, cmb + 65536, 4096, 0), 0);
	assert_memory_equal(nvme_model_ns_data(g_h.model, NS_4K, NULL) + 3 * 4096, cmb + 65536,
			    4096);
	nvme_model_get_stats(g_h.model, &st);
	assert_int_equal(st.cmb_sqs, 1);
	assert_int_equal(st.cmb_sqe_fetches, 1);
	assert_int_equal(st.cmb_data_bytes, 4096);
	g_h.q[1].sq = sq_saved;
	host_use_cmb(NULL, 0, 0);
	srt_pci_device_detach(dev);
}

static void test_log_page_override(void **state)
{
	uint8_t page[512], *b = g_buf;

	(void)state;
	memset(page, 0xA5, sizeof(page));
	assert_int_equal(nvme_model_set_log_page(g_h.model, LOG_HEALTH, page, sizeof(page)), 0);
	assert_int_equal(nvme_model_set_log_page(g_h.model, 0xC0, page, 16), 0);
	assert_int_equal(nvme_model_set_log_page(g_h.model, LOG_HEALTH, page, 8192), -EINVAL);
	assert_int_equal(host_enable(&g_h, 0), 0);
	assert_int_equal(get_log(LOG_HEALTH, 512, 0, false, b), 0);
	assert_memory_equal(b, page, 512);
	/* a vendor page the model does not know, served as given (zeroes past its length) */
	assert_int_equal(get_log(0xC0, 32, 0, false, b), 0);
	assert_memory_equal(b, page, 16);
	assert_int_equal(b[16] | b[31], 0);
	assert_int_equal(nvme_model_set_log_page(g_h.model, LOG_HEALTH, NULL, 0), 0);
	assert_int_equal(get_log(LOG_HEALTH, 512, 0, false, b), 0);
	assert_int_equal(b[3], 100);
}

/* xorshift: the same "random" commands every run */
static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* A random IOVA-ish value: inside the DMA buffer, at its edges, a VA, or anything. */
static uint64_t random_address(uint64_t *x)
{
	uint64_t r = next_random(x);

	switch (r % 4) {
	case 0:
		return spdkrt_vtophys(g_buf + (r >> 8) % BUF_SIZE, NULL);
	case 1:
		return spdkrt_vtophys(g_buf + BUF_SIZE - 8, NULL) + (r >> 60);
	case 2:
		return (uint64_t)(uintptr_t)g_buf;
	default:
		return r >> 3;
	}
}

/*
 * A hostile host: thousands of commands with random opcodes, fields, PRPs and SGLs on both
 * queues. The model answers every one (an error is fine), never crashes or loops, and still
 * works afterwards.
 */
static void test_random_commands_never_crash(void **state)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;
	struct host_cpl cpl;
	uint8_t sqe[SQE_SIZE];

	(void)state;
	add_ns(3, 64, 5, true, 1);
	add_ns(4, 64, 2, false, 3);
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	log_capture_stop(); /* thousands of expected error lines */
	for (int i = 0; i < 4000; i++) {
		uint16_t qid = (uint16_t)(next_random(&x) % 2);
		uint8_t ops[] = { 0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x0D,
				  0x0E, 0x10, 0x11, 0x15, 0x18, 0x80, 0x81, 0x82, 0x7F };
		uint8_t opc = ops[next_random(&x) % sizeof(ops)];

		for (unsigned b = 0; b < SQE_SIZE; b += 8)
			put64(sqe, b, next_random(&x));
		sqe[SQE_OPC] = opc;
		sqe[SQE_FLAGS] &= 0xC0; /* PSDT random, no fused */
		put16(sqe, SQE_CID, (uint16_t)i);
		put32(sqe, SQE_NSID, (uint32_t)(next_random(&x) % 6));
		put64(sqe, SQE_PRP1, random_address(&x));
		put64(sqe, SQE_PRP2, random_address(&x));
		put64(sqe, SQE_MPTR, random_address(&x));
		if (qid == 0 && (opc == ADMIN_DELETE_IO_SQ || opc == ADMIN_DELETE_IO_CQ ||
				 opc == ADMIN_CREATE_IO_CQ || opc == ADMIN_CREATE_IO_SQ))
			put32(sqe, SQE_CDW10, get32(sqe, SQE_CDW10) | 0xF); /* not queue 1 */
		if (qid == 0 && opc == ADMIN_NS_MANAGEMENT)
			put32(sqe, SQE_NSID, 5); /* keep the namespaces the test uses */
		if (qid == 1) /* small transfers: most commands reach the data path */
			put32(sqe, SQE_CDW12, get32(sqe, SQE_CDW12) & 0xFFFF000F);
		host_submit(&g_h, qid, sqe);
		/* AERs and dropped-by-nothing commands may stay outstanding: do not wait long */
		(void)host_reap(&g_h, qid, &cpl, 3);
	}
	log_capture_start();
	/* still alive: a reset and a round trip work (on a namespace the commands never named:
	 * they may well have formatted the others) */
	assert_int_equal(host_disable(&g_h), 0);
	add_ns(6, 64, 0, false, 0);
	assert_int_equal(host_bring_up(&g_h, 1), 0);
	fill(g_buf, 512, 1);
	assert_int_equal(host_rw(&g_h, 1, IO_WRITE, 6, 7, 1, g_buf, 512, 0), 0);
	assert_int_equal(host_rw(&g_h, 1, IO_READ, 6, 7, 1, g_buf + 4096, 512, 0), 0);
	assert_memory_equal(g_buf + 4096, g_buf, 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_registers_at_reset),
		T(test_enable_disable_shutdown),
		T(test_enable_bad_config_is_fatal),
		T(test_slow_and_stuck_ready),
		T(test_shutdown_delay_and_never),
		T(test_fatal_stops_processing),
		T(test_doorbell_stride_and_nssr),
		T(test_identify_controller),
		T(test_identify_namespaces_and_lists),
		T(test_identify_garbage_on_demand),
		T(test_number_of_queues),
		T(test_queue_create_delete_errors),
		T(test_phase_wraps),
		T(test_cq_full_waits_for_head),
		T(test_invalid_doorbell_raises_event),
		T(test_write_read_both_block_sizes),
		T(test_prp_list_offsets_and_chain),
		T(test_prp_errors),
		T(test_sgl),
		T(test_sgl_off_and_mdts),
		T(test_io_errors),
		T(test_zeroes_uncorrectable_dsm_compare),
		T(test_separate_and_extended_metadata),
		T(test_protection_information),
		T(test_features_with_data),
		T(test_log_pages),
		T(test_async_events_and_changed_ns),
		T(test_abort_and_keep_alive),
		T(test_sq_deletion_aborts_held),
		T(test_fault_status_skip_count),
		T(test_fault_delay),
		T(test_fault_bogus_completions),
		T(test_surprise_removal),
		T(test_surprise_removal_sigbus),
		T(test_pci_registration_and_poll_all),
		T(test_model_on_its_own_thread),
		T(test_round_robin_burst),
		T(test_weighted_round_robin),
		T(test_namespace_management),
		T(test_format),
		T(test_firmware),
		T(test_security_send_receive),
		T(test_reservations),
		T(test_cmb_queue_and_data),
		T(test_log_page_override),
		T(test_random_commands_never_crash),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
