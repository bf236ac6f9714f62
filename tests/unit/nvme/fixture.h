/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe driver's tests run the real driver (libspdkrt/nvme) against the register-level model
 * (tests/models/nvme) on the heap DMA backend, whose IOVAs differ from virtual addresses.
 */
#ifndef NVME_TEST_FIXTURE_H
#define NVME_TEST_FIXTURE_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>
#include <spdkrt/nvme.h>
#include <spdkrt/thread.h>

#include "env/backend.h"
#include "env/pci.h"
#include "env/pci_sysfs.h"
#include "../../models/nvme/nvme_model.h"

#define TEST_TRADDR "0000:0e:00.0"
#define NS_512 1 /* 512-byte blocks */
#define NS_4K 2  /* 4096-byte blocks */
#define NS_BLOCKS 4096

static struct nvme_model *g_model;
static struct spdkrt_nvme_ctrlr *g_ctrlr;
static struct spdkrt_nvme_qpair *g_qpair;

static inline int env_setup(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	/* No real PCI functions: only the model is seen. */
	if (srt_pci_sysfs_set_root("/nonexistent-spdkrt-sysfs") != 0 ||
	    srt_env_set_backend(&srt_env_heap_backend) != 0)
		return -1;
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	return spdkrt_env_init(&opts);
}

static inline int env_teardown(void **state)
{
	(void)state;
	spdkrt_env_fini();
	return 0;
}

static inline void model_add_ns(uint32_t nsid, uint64_t blocks, uint8_t lbaf)
{
	struct nvme_model_ns_opts o = { .nsid = nsid, .num_blocks = blocks, .lbaf = lbaf };

	assert_int_equal(nvme_model_add_ns(g_model, &o), 0);
}

static inline void model_start(const struct nvme_model_opts *opts)
{
	assert_int_equal(nvme_model_create(opts, &g_model), 0);
	model_add_ns(NS_512, NS_BLOCKS, 0);
	model_add_ns(NS_4K, NS_BLOCKS, 3);
}

static inline void test_trid(struct spdkrt_nvme_transport_id *trid)
{
	assert_int_equal(spdkrt_nvme_transport_id_parse(trid, "trtype:PCIe traddr:" TEST_TRADDR),
			 0);
}

static inline int connect_with(const struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct spdkrt_nvme_transport_id trid;

	test_trid(&trid);
	return spdkrt_nvme_connect(&trid, opts, &g_ctrlr);
}

/* Model + controller + one I/O queue pair. */
static inline int ctrlr_setup(void **state)
{
	(void)state;
	log_capture_start();
	model_start(NULL);
	assert_int_equal(connect_with(NULL), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	return 0;
}

static inline int ctrlr_teardown(void **state)
{
	(void)state;
	if (g_qpair != NULL)
		spdkrt_nvme_ctrlr_free_io_qpair(g_qpair);
	g_qpair = NULL;
	if (g_ctrlr != NULL)
		assert_int_equal(spdkrt_nvme_detach(g_ctrlr), 0);
	g_ctrlr = NULL;
	nvme_model_destroy(g_model);
	g_model = NULL;
	log_capture_stop();
	return 0;
}

struct io_result {
	bool done;
	unsigned calls;
	struct spdkrt_nvme_cpl cpl;
};

static inline void io_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct io_result *r = arg;

	r->done = true;
	r->calls++;
	r->cpl = *cpl;
}

/* Runs the model and the driver until *done or `polls` rounds pass. */
static inline bool poll_until(const bool *done, int polls)
{
	for (int i = 0; i < polls && !*done; i++) {
		srt_pci_model_poll_all();
		if (g_qpair != NULL)
			spdkrt_nvme_qpair_process_completions(g_qpair, 0);
		if (g_ctrlr != NULL)
			spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr);
	}
	return *done;
}

static inline uint16_t cpl_sc(const struct spdkrt_nvme_cpl *cpl)
{
	return (uint16_t)SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SC);
}

static inline uint16_t cpl_sct(const struct spdkrt_nvme_cpl *cpl)
{
	return (uint16_t)SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SCT);
}

#endif
