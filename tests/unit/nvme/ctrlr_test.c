/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller against the model: attach (also after a detach, with firmware's controller left
 * enabled, with a controller that never gets ready or drops admin commands), identify data,
 * admin commands with data both ways, asynchronous events and namespace changes, reset, fatal
 * status, surprise removal, timeouts reported once, retries, bogus completions.
 */
#include <string.h>

#include "fixture.h"

static void test_transport_id(void **state)
{
	struct spdkrt_nvme_transport_id a, b;
	char text[128];

	(void)state;
	assert_int_equal(spdkrt_nvme_transport_id_parse(&a, "trtype:PCIe traddr:0000:00:04.0"), 0);
	assert_int_equal(a.trtype, SPDKRT_NVME_TRANSPORT_PCIE);
	assert_string_equal(a.traddr, "0000:00:04.0");
	assert_int_equal(spdkrt_nvme_transport_id_parse(&b, "  TRTYPE:pcie   traddr:00:04.0 "), 0);
	assert_int_equal(spdkrt_nvme_transport_id_compare(&a, &b), 0);
	assert_int_equal(spdkrt_nvme_transport_id_fmt(&a, text, sizeof(text)), 0);
	assert_string_equal(text, "trtype:PCIe traddr:0000:00:04.0");
	assert_int_equal(spdkrt_nvme_transport_id_fmt(&a, text, 8), -ENOSPC);
	assert_int_equal(spdkrt_nvme_transport_id_parse(&b,
							"trtype:TCP adrfam:IPv4 traddr:127.0.0.1 "
							"trsvcid:4420 subnqn:nqn.x"),
			 0);
	assert_int_equal(b.adrfam, SPDKRT_NVMF_ADRFAM_IPV4);
	assert_string_equal(b.trsvcid, "4420");
	assert_true(spdkrt_nvme_transport_id_compare(&a, &b) != 0);

	log_capture_start();
	assert_int_equal(spdkrt_nvme_transport_id_parse(&a, "trtype:FC traddr:x"), -EINVAL);
	assert_logged("unknown trtype");
	assert_int_equal(spdkrt_nvme_transport_id_parse(&a, "traddr:0000:00:04.0"), -EINVAL);
	assert_int_equal(spdkrt_nvme_transport_id_parse(&a, "trtype:PCIe bogus:1"), -EINVAL);
	assert_logged("unknown key");
	assert_int_equal(spdkrt_nvme_transport_id_parse(&a, "trtype:PCIe traddr"), -EINVAL);
	assert_int_equal(spdkrt_nvme_transport_id_parse(NULL, "trtype:PCIe"), -EINVAL);
	assert_int_equal(spdkrt_nvme_transport_id_parse(&a, NULL), -EINVAL);
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text, "trtype:TCP subnqn:", 18);
	assert_int_equal(spdkrt_nvme_transport_id_parse(&a, text), 0);
	log_capture_stop();
}

static void test_attach_and_identify(void **state)
{
	const struct spdkrt_nvme_ctrlr_data *cdata = spdkrt_nvme_ctrlr_get_data(g_ctrlr);
	struct spdkrt_nvme_ns *ns;
	struct nvme_model_stats stats;

	(void)state;
	assert_non_null(cdata);
	assert_int_equal(cdata->vid, NVME_MODEL_VENDOR_ID);
	assert_int_equal(cdata->cntlid, NVME_MODEL_CNTLID);
	assert_int_equal(spdkrt_nvme_ctrlr_get_max_xfer_size(g_ctrlr), 128 * 1024); /* MDTS 5 */
	assert_int_equal(
		SPDKRT_NVME_GET(spdkrt_nvme_ctrlr_get_regs_csts(g_ctrlr), SPDKRT_NVME_CSTS_RDY), 1);
	assert_int_equal(SPDKRT_NVME_GET(spdkrt_nvme_ctrlr_get_regs_cap(g_ctrlr),
					 SPDKRT_NVME_CAP_MQES),
			 1023);
	assert_true(spdkrt_nvme_ctrlr_get_regs_vs(g_ctrlr) >= SPDKRT_NVME_VERSION(1, 1, 0));
	assert_int_equal(spdkrt_nvme_ctrlr_get_first_active_ns(g_ctrlr), NS_512);
	assert_int_equal(spdkrt_nvme_ctrlr_get_next_active_ns(g_ctrlr, NS_512), NS_4K);
	assert_int_equal(spdkrt_nvme_ctrlr_get_next_active_ns(g_ctrlr, NS_4K), 0);
	assert_null(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, 3));
	ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_4K);
	assert_non_null(ns);
	assert_int_equal(spdkrt_nvme_ns_get_id(ns), NS_4K);
	assert_ptr_equal(spdkrt_nvme_ns_get_ctrlr(ns), g_ctrlr);
	assert_int_equal(spdkrt_nvme_ns_get_sector_size(ns), 4096);
	assert_int_equal(spdkrt_nvme_ns_get_num_sectors(ns), NS_BLOCKS);
	assert_int_equal(spdkrt_nvme_ns_get_size(ns), (uint64_t)NS_BLOCKS * 4096);
	assert_int_equal(spdkrt_nvme_ns_get_max_io_sectors(ns), 32);
	assert_int_equal(spdkrt_nvme_ns_get_md_size(ns), 0);
	assert_false(spdkrt_nvme_ns_supports_extended_lba(ns));
	assert_int_equal(spdkrt_nvme_ns_get_pi_type(ns), 0);
	assert_int_equal(spdkrt_nvme_ns_get_data(ns)->nsze, NS_BLOCKS);
	assert_int_equal(spdkrt_nvme_qpair_get_id(g_qpair), 1);
	nvme_model_get_stats(g_model, &stats);
	assert_int_equal(stats.dma_errors, 0);
	assert_int_equal(stats.io_queues_created, 2);     /* a CQ and an SQ */
	assert_int_equal(stats.num_queues_requested, 63); /* 64 asked, 0-based */
}

static void test_attach_twice_then_again_after_detach(void **state)
{
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr *other = NULL;

	(void)state;
	test_trid(&trid);
	assert_int_equal(spdkrt_nvme_connect(&trid, NULL, &other), -EEXIST);
	assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(g_qpair), 0);
	g_qpair = NULL;
	assert_int_equal(spdkrt_nvme_detach(g_ctrlr), 0);
	g_ctrlr = NULL;
	assert_int_equal(spdkrt_nvme_connect(&trid, NULL, &g_ctrlr), 0);
	assert_non_null(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512));
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
}

struct probe_seen {
	unsigned probed, attached;
	struct spdkrt_nvme_ctrlr *ctrlr;
	uint32_t asked_queues;
};

static bool probe_cb(void *ctx, const struct spdkrt_nvme_transport_id *trid,
		     struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct probe_seen *s = ctx;

	s->probed++;
	assert_string_equal(trid->traddr, TEST_TRADDR);
	opts->num_io_queues = 4;
	return true;
}

static void attach_cb(void *ctx, const struct spdkrt_nvme_transport_id *trid,
		      struct spdkrt_nvme_ctrlr *ctrlr, const struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct probe_seen *s = ctx;

	(void)trid;
	s->attached++;
	s->ctrlr = ctrlr;
	s->asked_queues = opts->num_io_queues;
}

static void test_probe_enumerates_the_model(void **state)
{
	struct probe_seen seen = { 0 };
	struct nvme_model_stats stats;

	(void)state;
	log_capture_start();
	model_start(NULL);
	assert_int_equal(spdkrt_nvme_probe(NULL, &seen, probe_cb, attach_cb, NULL), 0);
	assert_int_equal(seen.probed, 1);
	assert_int_equal(seen.attached, 1);
	assert_int_equal(seen.asked_queues, 4);
	nvme_model_get_stats(g_model, &stats);
	assert_int_equal(stats.num_queues_requested, 3);
	/* Attached controllers are skipped by the next probe. */
	assert_int_equal(spdkrt_nvme_probe(NULL, &seen, probe_cb, attach_cb, NULL), 0);
	assert_int_equal(seen.probed, 1);
	g_ctrlr = seen.ctrlr;
	ctrlr_teardown(state);
}

static void test_firmware_left_it_enabled(void **state)
{
	volatile uint8_t *bar;
	struct nvme_model_stats stats;

	(void)state;
	log_capture_start();
	model_start(NULL);
	/* What SeaBIOS does: the controller is enabled (queues of its own) before we start. */
	bar = nvme_model_bar0(g_model);
	*(volatile uint32_t *)(bar + SPDKRT_NVME_REG_AQA) = 0x000F000F;
	*(volatile uint32_t *)(bar + SPDKRT_NVME_REG_CC) =
		SPDKRT_NVME_SET(SPDKRT_NVME_CC_EN, 1u) |
		SPDKRT_NVME_SET(SPDKRT_NVME_CC_IOSQES, 6u) |
		SPDKRT_NVME_SET(SPDKRT_NVME_CC_IOCQES, 4u);
	for (int i = 0; i < 10; i++)
		nvme_model_poll(g_model);
	assert_int_equal(connect_with(NULL), 0);
	nvme_model_get_stats(g_model, &stats);
	assert_true(stats.disables >= 1);
	assert_int_equal(stats.enables, 2);
	ctrlr_teardown(state);
}

static void test_never_ready_times_out(void **state)
{
	struct nvme_model_opts mopts;
	uint64_t start, hz = spdkrt_get_ticks_hz();

	(void)state;
	log_capture_start();
	nvme_model_opts_init(&mopts);
	mopts.timeout = 1; /* CAP.TO: 500 ms */
	model_start(&mopts);
	nvme_model_set_ready_stuck(g_model, true);
	start = spdkrt_get_ticks();
	assert_int_equal(connect_with(NULL), -ETIMEDOUT);
	assert_true(spdkrt_get_ticks() - start < 20 * hz); /* bounded (a loaded machine is slow) */
	assert_logged("CSTS.RDY did not follow CC.EN");
	assert_null(g_ctrlr);
	ctrlr_teardown(state);
}

static void test_dropped_admin_command_times_out(void **state)
{
	struct spdkrt_nvme_ctrlr_opts opts;
	struct nvme_model_fault drop = { .kind = NVME_MODEL_FAULT_DROP,
					 .qid = 0,
					 .opcode = SPDKRT_NVME_OPC_IDENTIFY };

	(void)state;
	log_capture_start();
	model_start(NULL);
	assert_int_equal(nvme_model_inject(g_model, &drop), 0);
	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.admin_timeout_us = 50 * 1000;
	assert_int_equal(connect_with(&opts), -ETIMEDOUT);
	assert_logged("got no completion in time");
	ctrlr_teardown(state);
}

static void test_garbage_identify(void **state)
{
	struct spdkrt_nvme_ctrlr_data *cd;
	struct spdkrt_nvme_ns_data *nd;

	(void)state;
	log_capture_start();
	model_start(NULL);
	/* NN huge, MDTS 0 (no limit), an impossible LBA format on namespace 2. */
	cd = (struct spdkrt_nvme_ctrlr_data *)nvme_model_identify_ctrlr(g_model);
	cd->nn = UINT32_MAX;
	cd->mdts = 0;
	nd = (struct spdkrt_nvme_ns_data *)nvme_model_identify_ns(g_model, NS_4K);
	nd->lbaf[nd->flbas & 0xF].lbads = 40;
	assert_int_equal(connect_with(NULL), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_get_max_xfer_size(g_ctrlr), 2u << 20);
	assert_non_null(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512));
	assert_null(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_4K));
	assert_logged("impossible LBA format");
	ctrlr_teardown(state);
}

static void test_features_and_log_pages_carry_data(void **state)
{
	struct io_result r = { 0 };
	uint64_t stamp = 0x0000123456789ABCull, got = 0;
	struct spdkrt_nvme_health_information_page health;
	struct spdkrt_nvme_ctrlr_data cdata;

	(void)state;
	/* Set Features with its data (v17.03 dropped the buffer), then Get Features reads it. */
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_set_feature(g_ctrlr, SPDKRT_NVME_FEAT_TIMESTAMP, 0,
							   0, 0, &stamp, 8, io_done, &r),
			 0);
	assert_true(poll_until(&r.done, 100));
	assert_false(spdkrt_nvme_cpl_is_error(&r.cpl));
	memset(&r, 0, sizeof(r));
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_get_feature(g_ctrlr, SPDKRT_NVME_FEAT_TIMESTAMP,
							   SPDKRT_NVME_FEAT_SEL_CURRENT, 0, 0, &got,
							   8, io_done, &r),
			 0);
	assert_true(poll_until(&r.done, 100));
	assert_false(spdkrt_nvme_cpl_is_error(&r.cpl));
	assert_true((got & 0xFFFFFFFFFFFFull) >= stamp);

	memset(&r, 0, sizeof(r));
	memset(&health, 0xAA, sizeof(health));
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_get_log_page(
				 g_ctrlr, SPDKRT_NVME_LOG_HEALTH_INFORMATION, SPDKRT_NVME_NSID_ALL,
				 &health, sizeof(health), 0, 0, false, io_done, &r),
			 0);
	assert_true(poll_until(&r.done, 100));
	assert_false(spdkrt_nvme_cpl_is_error(&r.cpl));
	assert_int_equal(health.critical_warning, 0);

	memset(&r, 0, sizeof(r));
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_identify(g_ctrlr, SPDKRT_NVME_IDENTIFY_CTRLR, 0, 0,
							&cdata, sizeof(cdata), io_done, &r),
			 0);
	assert_true(poll_until(&r.done, 100));
	assert_memory_equal(&cdata, spdkrt_nvme_ctrlr_get_data(g_ctrlr), sizeof(cdata));

	/* Bad arguments: logged, no command. */
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_get_log_page(g_ctrlr, 2, 0, &health, 3, 0, 0, false,
							    io_done, &r),
			 -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_get_log_page(g_ctrlr, 2, 0, NULL, 4, 0, 0, false,
							    io_done, &r),
			 -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_identify(g_ctrlr, 1, 0, 0, &cdata, 8192, io_done,
							&r),
			 -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_set_feature(g_ctrlr, 1, 0, 0, 0, NULL, 8, io_done,
							   &r),
			 -EINVAL);
}

static void test_raw_admin_and_unknown_opcode(void **state)
{
	struct io_result r = { 0 };
	struct spdkrt_nvme_cmd cmd = { 0 };
	uint8_t page[4096];

	(void)state;
	cmd.opc = SPDKRT_NVME_OPC_IDENTIFY;
	cmd.cdw10 = SPDKRT_NVME_IDENTIFY_ACTIVE_NS_LIST;
	assert_int_equal(
		spdkrt_nvme_ctrlr_cmd_admin_raw(g_ctrlr, &cmd, page, sizeof(page), io_done, &r), 0);
	assert_true(poll_until(&r.done, 100));
	assert_false(spdkrt_nvme_cpl_is_error(&r.cpl));
	assert_int_equal(((uint32_t *)page)[0], NS_512);
	assert_int_equal(((uint32_t *)page)[1], NS_4K);
	assert_int_equal(((uint32_t *)page)[2], 0);

	memset(&r, 0, sizeof(r));
	cmd.opc = 0xC3; /* vendor specific, unknown to the model */
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_admin_raw(g_ctrlr, &cmd, NULL, 0, io_done, &r), 0);
	assert_true(poll_until(&r.done, 100));
	assert_int_equal(cpl_sc(&r.cpl), SPDKRT_NVME_SC_INVALID_OPCODE);
	assert_string_equal(spdkrt_nvme_cpl_status_string(&r.cpl), "INVALID OPCODE (00/01) DNR");
}

struct aer_seen {
	unsigned events, ns_changes;
	uint32_t cdw0;
};

static void aer_cb(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct aer_seen *s = arg;

	s->events++;
	s->cdw0 = cpl->cdw0;
}

static void ns_change_cb(void *arg, struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct aer_seen *s = arg;

	assert_ptr_equal(ctrlr, g_ctrlr);
	s->ns_changes++;
}

static void test_namespace_event_rescans(void **state)
{
	struct aer_seen seen = { 0 };
	struct spdkrt_nvme_ns *kept = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512);
	bool changed = false;

	(void)state;
	spdkrt_nvme_ctrlr_register_aer_callback(g_ctrlr, aer_cb, &seen);
	spdkrt_nvme_ctrlr_register_ns_change_callback(g_ctrlr, ns_change_cb, &seen);
	model_add_ns(3, 64, 0); /* raises the namespace attribute changed notice */
	for (int i = 0; i < 200 && !changed; i++) {
		poll_until(&changed, 1);
		changed = seen.ns_changes > 0;
	}
	assert_int_equal(seen.ns_changes, 1);
	assert_true(seen.events >= 1);
	assert_int_equal(SPDKRT_NVME_GET(seen.cdw0, SPDKRT_NVME_AER_TYPE),
			 SPDKRT_NVME_AER_TYPE_NOTICE);
	assert_non_null(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, 3));
	assert_int_equal(spdkrt_nvme_ns_get_num_sectors(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, 3)), 64);
	/* Namespaces that stay keep their handle. */
	assert_ptr_equal(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512), kept);

	/* Removal: the namespace goes away on the next event. */
	seen.ns_changes = 0;
	changed = false;
	assert_int_equal(nvme_model_remove_ns(g_model, 3), 0);
	for (int i = 0; i < 200 && !changed; i++) {
		poll_until(&changed, 1);
		changed = seen.ns_changes > 0;
	}
	assert_null(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, 3));
}

static uint8_t *dma_buf(size_t size)
{
	uint8_t *buf = spdkrt_dma_zmalloc(size, 4096, SPDKRT_ENV_SOCKET_ANY);

	assert_non_null(buf);
	return buf;
}

static void test_reset_aborts_and_recovers(void **state)
{
	struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512);
	struct nvme_model_fault drop = {
		.kind = NVME_MODEL_FAULT_DROP, .qid = 1, .opcode = SPDKRT_NVME_OPC_READ, .count = 1
	};
	struct io_result r = { 0 }, r2 = { 0 };
	uint8_t *buf = dma_buf(4096);

	(void)state;
	assert_int_equal(nvme_model_inject(g_model, &drop), 0);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r, 0), 0);
	assert_false(poll_until(&r.done, 20));
	assert_int_equal(spdkrt_nvme_ctrlr_reset(g_ctrlr), 0);
	assert_true(r.done);
	assert_int_equal(r.calls, 1);
	assert_int_equal(cpl_sc(&r.cpl), SPDKRT_NVME_SC_ABORTED_SQ_DELETION);
	/* The queue pair works again, with the same id. */
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r2, 0), 0);
	assert_true(poll_until(&r2.done, 100));
	assert_false(spdkrt_nvme_cpl_is_error(&r2.cpl));
	assert_int_equal(spdkrt_nvme_qpair_get_id(g_qpair), 1);
	spdkrt_dma_free(buf);
}

static void test_fatal_status_resets(void **state)
{
	struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512);
	struct io_result r = { 0 };
	uint8_t *buf = dma_buf(4096);
	struct nvme_model_stats before, after;

	(void)state;
	nvme_model_get_stats(g_model, &before);
	nvme_model_set_fatal(g_model);
	for (int i = 0; i < 100; i++) {
		srt_pci_model_poll_all();
		spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr);
	}
	assert_logged("controller fatal status");
	assert_false(spdkrt_nvme_ctrlr_is_failed(g_ctrlr));
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.enables, before.enables + 1);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r, 0), 0);
	assert_true(poll_until(&r.done, 100));
	assert_false(spdkrt_nvme_cpl_is_error(&r.cpl));
	spdkrt_dma_free(buf);
}

static unsigned g_removed;

static void remove_cb(void *ctx, struct spdkrt_nvme_ctrlr *ctrlr)
{
	(void)ctx;
	(void)ctrlr;
	g_removed++;
}

static void test_surprise_removal(void **state)
{
	struct spdkrt_nvme_ns *ns;
	struct nvme_model_fault drop = { .kind = NVME_MODEL_FAULT_DROP,
					 .qid = 1,
					 .opcode = SPDKRT_NVME_OPC_READ };
	struct io_result r = { 0 }, r2 = { 0 };
	struct probe_seen seen = { 0 };
	uint8_t *buf = dma_buf(4096);

	(void)state;
	log_capture_start();
	model_start(NULL);
	g_removed = 0;
	assert_int_equal(spdkrt_nvme_probe(NULL, &seen, NULL, attach_cb, remove_cb), 0);
	g_ctrlr = seen.ctrlr;
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512);
	assert_int_equal(nvme_model_inject(g_model, &drop), 0);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r, 0), 0);
	assert_false(poll_until(&r.done, 10));
	nvme_model_surprise_remove(g_model);
	/* The admin poll notices, fails what is outstanding, and tells the application. */
	assert_int_equal(spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr), -ENXIO);
	assert_int_equal(g_removed, 1);
	assert_true(spdkrt_nvme_ctrlr_is_failed(g_ctrlr));
	assert_int_equal(spdkrt_nvme_qpair_process_completions(g_qpair, 0), -ENXIO);
	assert_true(r.done);
	assert_int_equal(r.calls, 1);
	assert_true(spdkrt_nvme_cpl_is_error(&r.cpl));
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r2, 0), -ENXIO);
	assert_int_equal(spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr), -ENXIO);
	assert_int_equal(g_removed, 1);
	assert_int_equal(spdkrt_nvme_ctrlr_reset(g_ctrlr), -ENXIO);
	spdkrt_dma_free(buf);
	ctrlr_teardown(state);
}

struct timeout_seen {
	unsigned calls;
	uint16_t cid;
	struct spdkrt_nvme_qpair *qpair;
};

static void timeout_cb(void *arg, struct spdkrt_nvme_ctrlr *ctrlr, struct spdkrt_nvme_qpair *qpair,
		       uint16_t cid)
{
	struct timeout_seen *t = arg;

	(void)ctrlr;
	t->calls++;
	t->cid = cid;
	t->qpair = qpair;
}

static void test_timeout_reported_once_then_abort(void **state)
{
	struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512);
	struct nvme_model_fault drop = {
		.kind = NVME_MODEL_FAULT_DROP, .qid = 1, .opcode = SPDKRT_NVME_OPC_READ, .count = 1
	};
	struct timeout_seen t = { 0 };
	struct io_result r = { 0 }, ab = { 0 };
	uint8_t *buf = dma_buf(4096);
	uint64_t end;

	(void)state;
	spdkrt_nvme_ctrlr_register_timeout_callback(g_ctrlr, 2000, 0, timeout_cb, &t);
	assert_int_equal(nvme_model_inject(g_model, &drop), 0);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r, 0), 0);
	end = spdkrt_get_ticks() + spdkrt_get_ticks_hz() / 20; /* 50 ms: many polls */
	while (spdkrt_get_ticks() < end)
		poll_until(&r.done, 1);
	assert_false(r.done);
	assert_int_equal(t.calls, 1); /* v17.03 called it on every poll */
	assert_ptr_equal(t.qpair, g_qpair);
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_abort(g_ctrlr, g_qpair, t.cid, io_done, &ab), 0);
	assert_true(poll_until(&r.done, 200));
	assert_true(ab.done || poll_until(&ab.done, 100));
	assert_int_equal(cpl_sc(&r.cpl), SPDKRT_NVME_SC_ABORTED_BY_REQUEST);
	assert_int_equal(r.calls, 1);
	spdkrt_nvme_ctrlr_register_timeout_callback(g_ctrlr, 0, 0, NULL, NULL);
	spdkrt_dma_free(buf);
}

static void test_retryable_status_is_retried(void **state)
{
	struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512);
	struct nvme_model_fault busy = { .kind = NVME_MODEL_FAULT_STATUS,
					 .qid = 1,
					 .opcode = SPDKRT_NVME_OPC_READ,
					 .count = 2,
					 .sct = SPDKRT_NVME_SCT_GENERIC,
					 .sc = SPDKRT_NVME_SC_NAMESPACE_NOT_READY };
	struct io_result r = { 0 };
	uint8_t *buf = dma_buf(4096);
	struct nvme_model_stats before, after;

	(void)state;
	nvme_model_get_stats(g_model, &before);
	assert_int_equal(nvme_model_inject(g_model, &busy), 0);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r, 0), 0);
	assert_true(poll_until(&r.done, 100));
	assert_false(spdkrt_nvme_cpl_is_error(&r.cpl));
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.io_commands - before.io_commands, 3);

	/* More failures than retry_count (4): the caller sees the status. */
	memset(&r, 0, sizeof(r));
	busy.count = 10;
	nvme_model_clear_faults(g_model);
	assert_int_equal(nvme_model_inject(g_model, &busy), 0);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r, 0), 0);
	assert_true(poll_until(&r.done, 100));
	assert_int_equal(cpl_sc(&r.cpl), SPDKRT_NVME_SC_NAMESPACE_NOT_READY);
	/* With DNR set there is no retry at all. */
	memset(&r, 0, sizeof(r));
	nvme_model_clear_faults(g_model);
	busy.dnr = true;
	busy.count = 1;
	assert_int_equal(nvme_model_inject(g_model, &busy), 0);
	nvme_model_get_stats(g_model, &before);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r, 0), 0);
	assert_true(poll_until(&r.done, 100));
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.io_commands - before.io_commands, 1);
	assert_true(spdkrt_nvme_cpl_is_error(&r.cpl));
	nvme_model_clear_faults(g_model);
	spdkrt_dma_free(buf);
}

static void test_bogus_and_duplicate_completions(void **state)
{
	struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512);
	struct nvme_model_fault dup = { .kind = NVME_MODEL_FAULT_DUPLICATE,
					.qid = 1,
					.opcode = SPDKRT_NVME_OPC_READ,
					.count = 1 };
	struct nvme_model_fault wrong = { .kind = NVME_MODEL_FAULT_WRONG_CID,
					  .qid = 1,
					  .opcode = SPDKRT_NVME_OPC_READ,
					  .count = 1 };
	struct nvme_model_fault sqid = { .kind = NVME_MODEL_FAULT_WRONG_SQID,
					 .qid = 1,
					 .opcode = SPDKRT_NVME_OPC_READ,
					 .count = 1 };
	struct io_result r = { 0 };
	uint8_t *buf = dma_buf(4096);

	(void)state;
	assert_int_equal(nvme_model_inject(g_model, &dup), 0);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r, 0), 0);
	assert_true(poll_until(&r.done, 100));
	poll_until(&(bool){ false }, 20);
	assert_int_equal(r.calls, 1);
	assert_logged("matches no outstanding command");

	for (int k = 0; k < 2; k++) {
		memset(&r, 0, sizeof(r));
		assert_int_equal(nvme_model_inject(g_model, k == 0 ? &wrong : &sqid), 0);
		assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r, 0),
				 0);
		assert_false(poll_until(&r.done, 30)); /* its real completion never came */
		assert_logged("matches no outstanding command");
		/* A reset ends it, exactly once. */
		assert_int_equal(spdkrt_nvme_ctrlr_reset(g_ctrlr), 0);
		assert_int_equal(r.calls, 1);
	}
	spdkrt_dma_free(buf);
}

static void test_qpair_priority_needs_wrr(void **state)
{
	struct spdkrt_nvme_io_qpair_opts o;
	struct spdkrt_nvme_qpair *q = NULL;

	(void)state;
	spdkrt_nvme_io_qpair_opts_init(&o, sizeof(o));
	o.qprio = SPDKRT_NVME_QPRIO_HIGH;
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, &o, &q), -EINVAL);
	o.qprio = 0;
	o.io_queue_size = 4;
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, &o, &q), 0);
	assert_int_equal(spdkrt_nvme_qpair_get_id(q), 2);
	assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(q), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(NULL, &o, &q), -EINVAL);
}

static void test_wrr_attach(void **state)
{
	struct nvme_model_opts mopts;
	struct spdkrt_nvme_ctrlr_opts opts;
	struct spdkrt_nvme_io_qpair_opts qo;
	struct spdkrt_nvme_qpair *q = NULL;

	(void)state;
	log_capture_start();
	nvme_model_opts_init(&mopts);
	model_start(&mopts); /* no WRR in CAP.AMS */
	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.arb_mechanism = SPDKRT_NVME_CC_AMS_WRR;
	assert_int_equal(connect_with(&opts), -EINVAL);
	assert_logged("not in CAP.AMS");
	nvme_model_destroy(g_model);
	mopts.wrr = true;
	model_start(&mopts);
	/* Weights and burst outside the Arbitration feature's fields are refused, not wrapped. */
	opts.arb_high_weight = 0;
	assert_int_equal(connect_with(&opts), -EINVAL);
	assert_logged("arbitration weights 0,1,1");
	opts.arb_high_weight = 8;
	opts.arb_low_weight = 257;
	assert_int_equal(connect_with(&opts), -EINVAL);
	opts.arb_low_weight = 1;
	opts.arb_burst = 8;
	assert_int_equal(connect_with(&opts), -EINVAL);
	assert_logged("arbitration burst 8");
	opts.arb_medium_weight = 256;
	opts.arb_burst = 3;
	assert_int_equal(connect_with(&opts), 0);
	/* Applied: HPW 7, MPW 255, LPW 0 (0-based) and burst 3 in the controller's feature. */
	assert_int_equal(nvme_model_feature(g_model, SPDKRT_NVME_FEAT_ARBITRATION),
			 7u << 24 | 255u << 16 | 0u << 8 | 3u);
	spdkrt_nvme_io_qpair_opts_init(&qo, sizeof(qo));
	qo.qprio = SPDKRT_NVME_QPRIO_HIGH;
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, &qo, &q), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(q), 0);
	ctrlr_teardown(state);
}

static void test_bad_arguments(void **state)
{
	struct spdkrt_nvme_ctrlr_opts opts;

	(void)state;
	assert_int_equal(spdkrt_nvme_ctrlr_opts_init(NULL, sizeof(opts)), -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_opts_init(&opts, 1), -EINVAL);
	assert_int_equal(spdkrt_nvme_connect(NULL, NULL, &g_ctrlr), -EINVAL);
	assert_int_equal(spdkrt_nvme_detach(NULL), -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_process_admin_completions(NULL), -EINVAL);
	assert_int_equal(spdkrt_nvme_qpair_process_completions(NULL, 0), -EINVAL);
	assert_null(spdkrt_nvme_ctrlr_get_data(NULL));
	assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(NULL), 0);
	assert_true(spdkrt_nvme_ctrlr_is_failed(NULL));
}

static void test_no_such_device(void **state)
{
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr *c = NULL;

	(void)state;
	log_capture_start();
	assert_int_equal(spdkrt_nvme_transport_id_parse(&trid, "trtype:PCIe traddr:0000:0f:00.0"),
			 0);
	assert_true(spdkrt_nvme_connect(&trid, NULL, &c) < 0);
	assert_null(c);
	assert_int_equal(spdkrt_nvme_transport_id_parse(&trid, "trtype:PCIe traddr:zz"), 0);
	assert_int_equal(spdkrt_nvme_connect(&trid, NULL, &c), -EINVAL);
	/* TCP exists: a transport ID without subnqn is refused before any connection. */
	assert_int_equal(spdkrt_nvme_transport_id_parse(&trid, "trtype:TCP traddr:127.0.0.1"), 0);
	assert_int_equal(spdkrt_nvme_connect(&trid, NULL, &c), -EINVAL);
	log_capture_stop();
}

static void wait_ns_change(struct aer_seen *seen, unsigned want)
{
	for (int i = 0; i < 400 && seen->ns_changes < want; i++) {
		bool no = false;

		poll_until(&no, 1);
	}
}

static void run_admin(int rc, struct io_result *r)
{
	assert_int_equal(rc, 0);
	assert_true(poll_until(&r->done, 400));
	if (spdkrt_nvme_cpl_is_error(&r->cpl))
		fail_msg("admin command failed: %s", spdkrt_nvme_cpl_status_string(&r->cpl));
}

static void test_namespace_management_and_format(void **state)
{
	struct spdkrt_nvme_ns_data nd;
	struct spdkrt_nvme_ctrlr_list list;
	struct aer_seen seen = { 0 };
	struct io_result r = { 0 };
	uint32_t nsid;

	(void)state;
	spdkrt_nvme_ctrlr_register_ns_change_callback(g_ctrlr, ns_change_cb, &seen);
	memset(&nd, 0, sizeof(nd));
	nd.nsze = nd.ncap = 128;
	nd.flbas = 3; /* 4096-byte blocks */
	run_admin(spdkrt_nvme_ctrlr_create_ns(g_ctrlr, &nd, io_done, &r), &r);
	nsid = r.cpl.cdw0;
	assert_true(nsid >= 3);
	assert_null(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, nsid)); /* created, not attached */
	memset(&list, 0, sizeof(list));
	list.ctrlr_count = 1;
	list.ctrlr_list[0] = spdkrt_nvme_ctrlr_get_data(g_ctrlr)->cntlid;
	memset(&r, 0, sizeof(r));
	run_admin(spdkrt_nvme_ctrlr_attach_ns(g_ctrlr, nsid, &list, io_done, &r), &r);
	wait_ns_change(&seen, 1);
	assert_non_null(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, nsid));
	assert_int_equal(spdkrt_nvme_ns_get_sector_size(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, nsid)),
			 4096);

	/* Format it to 512-byte blocks: the same handle reports the new format. */
	memset(&r, 0, sizeof(r));
	seen.ns_changes = 0;
	run_admin(spdkrt_nvme_ctrlr_format(
			  g_ctrlr, nsid, SPDKRT_NVME_SET(SPDKRT_NVME_FORMAT_LBAF, 0u), io_done, &r),
		  &r);
	wait_ns_change(&seen, 1);
	assert_int_equal(spdkrt_nvme_ns_get_sector_size(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, nsid)),
			 512);

	memset(&r, 0, sizeof(r));
	seen.ns_changes = 0;
	run_admin(spdkrt_nvme_ctrlr_detach_ns(g_ctrlr, nsid, &list, io_done, &r), &r);
	wait_ns_change(&seen, 1);
	assert_null(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, nsid));
	memset(&r, 0, sizeof(r));
	run_admin(spdkrt_nvme_ctrlr_delete_ns(g_ctrlr, nsid, io_done, &r), &r);
	assert_int_equal(spdkrt_nvme_ctrlr_attach_ns(g_ctrlr, 0, &list, io_done, &r), -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_format(g_ctrlr, 1, 1u << 20, io_done, &r), -EINVAL);
}

static void test_firmware_download_and_commit(void **state)
{
	struct spdkrt_nvme_firmware_page fw;
	struct io_result r = { 0 };
	char image[4096];

	(void)state;
	memset(image, 0, sizeof(image));
	memcpy(image, "SPDKRT02", 8);
	run_admin(spdkrt_nvme_ctrlr_fw_image_download(g_ctrlr, image, 2048, 0, io_done, &r), &r);
	memset(&r, 0, sizeof(r));
	run_admin(spdkrt_nvme_ctrlr_fw_image_download(g_ctrlr, image + 2048, 2048, 2048, io_done,
						      &r),
		  &r);
	/* The caller chooses the action: replace slot 2 and activate at the next reset. */
	memset(&r, 0, sizeof(r));
	run_admin(spdkrt_nvme_ctrlr_fw_commit(g_ctrlr, 2, SPDKRT_NVME_FW_COMMIT_REPLACE_AND_ENABLE,
					      io_done, &r),
		  &r);
	memset(&r, 0, sizeof(r));
	run_admin(spdkrt_nvme_ctrlr_cmd_get_log_page(g_ctrlr, SPDKRT_NVME_LOG_FIRMWARE_SLOT,
						     SPDKRT_NVME_NSID_ALL, &fw, sizeof(fw), 0, 0,
						     false, io_done, &r),
		  &r);
	assert_memory_equal(fw.revision[1], "SPDKRT02", 8);
	assert_int_equal((fw.afi >> 4) & 7, 2); /* next reset runs slot 2 */
	assert_int_equal(spdkrt_nvme_ctrlr_fw_image_download(g_ctrlr, image, 3, 0, io_done, &r),
			 -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_fw_commit(g_ctrlr, 9, 0, io_done, &r), -EINVAL);
}

static void test_security_send_receive(void **state)
{
	struct io_result r = { 0 };
	char out[64] = "a secret for the echo protocol", in[64];

	(void)state;
	run_admin(spdkrt_nvme_ctrlr_security_send(g_ctrlr, 0xEF, 0, 0, out, sizeof(out), io_done,
						  &r),
		  &r);
	memset(&r, 0, sizeof(r));
	memset(in, 0, sizeof(in));
	run_admin(spdkrt_nvme_ctrlr_security_receive(g_ctrlr, 0xEF, 0, 0, in, sizeof(in), io_done,
						     &r),
		  &r);
	assert_string_equal(in, out);
	assert_int_equal(spdkrt_nvme_ctrlr_security_send(g_ctrlr, 0xEF, 0, 0, NULL, 4, io_done, &r),
			 -EINVAL);
}

static void test_keep_alive_is_sent(void **state)
{
	struct spdkrt_nvme_ctrlr_opts opts;
	struct nvme_model_stats stats;
	uint64_t start, end, elapsed_ms;

	(void)state;
	log_capture_start();
	model_start(NULL);
	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.keep_alive_timeout_ms = 20; /* one every 10 ms */
	assert_int_equal(connect_with(&opts), 0);
	/* Until three were sent (a loaded machine may not run us for a while): never more
	 * than one per interval. */
	start = spdkrt_get_ticks();
	end = start + 5 * spdkrt_get_ticks_hz();
	do {
		srt_pci_model_poll_all();
		spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr);
		nvme_model_get_stats(g_model, &stats);
	} while (stats.keep_alives < 3 && spdkrt_get_ticks() < end);
	elapsed_ms = (spdkrt_get_ticks() - start) * 1000 / spdkrt_get_ticks_hz();
	assert_true(stats.keep_alives >= 3);
	assert_true(stats.keep_alives <= elapsed_ms / 10 + 2);
	ctrlr_teardown(state);
}

static void test_intel_stripe_split(void **state)
{
	struct nvme_model_opts mopts;
	struct spdkrt_nvme_ctrlr_data *cd;
	struct nvme_model_stats before, after;
	struct io_result r = { 0 };
	uint8_t *buf;

	(void)state;
	log_capture_start();
	nvme_model_opts_init(&mopts);
	mopts.id.vendor_id = 0x8086; /* the quirks table: P3700 stripes at vs[3] pages */
	mopts.id.device_id = 0x0953;
	mopts.id.subvendor_id = 0x8086;
	mopts.id.subdevice_id = 0x3702;
	model_start(&mopts);
	cd = (struct spdkrt_nvme_ctrlr_data *)nvme_model_identify_ctrlr(g_model);
	cd->vs[3] = 1; /* 8 KiB stripes: 16 blocks of 512 bytes */
	assert_int_equal(connect_with(NULL), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	buf = spdkrt_dma_zmalloc(40 * 512, 4096, SPDKRT_ENV_SOCKET_ANY);
	nvme_model_get_stats(g_model, &before);
	assert_int_equal(spdkrt_nvme_ns_cmd_write(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512),
						  g_qpair, buf, 10, 40, io_done, &r, 0),
			 0);
	assert_true(poll_until(&r.done, 200));
	assert_false(spdkrt_nvme_cpl_is_error(&r.cpl));
	nvme_model_get_stats(g_model, &after);
	/* [10, 16) [16, 32) [32, 48) [48, 50): never across a stripe boundary */
	assert_int_equal(after.io_commands - before.io_commands, 4);
	spdkrt_dma_free(buf);
	ctrlr_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transport_id),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_no_such_device),
		cmocka_unit_test_setup_teardown(test_attach_and_identify, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_attach_twice_then_again_after_detach,
						ctrlr_setup, ctrlr_teardown),
		cmocka_unit_test(test_probe_enumerates_the_model),
		cmocka_unit_test(test_firmware_left_it_enabled),
		cmocka_unit_test(test_never_ready_times_out),
		cmocka_unit_test(test_dropped_admin_command_times_out),
		cmocka_unit_test(test_garbage_identify),
		cmocka_unit_test_setup_teardown(test_features_and_log_pages_carry_data, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_raw_admin_and_unknown_opcode, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_namespace_event_rescans, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_reset_aborts_and_recovers, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_fatal_status_resets, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test(test_surprise_removal),
		cmocka_unit_test_setup_teardown(test_timeout_reported_once_then_abort, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_retryable_status_is_retried, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_bogus_and_duplicate_completions, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_qpair_priority_needs_wrr, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test(test_wrr_attach),
		cmocka_unit_test_setup_teardown(test_namespace_management_and_format, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_firmware_download_and_commit, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_security_send_receive, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test(test_keep_alive_is_sent),
		cmocka_unit_test(test_intel_stripe_split),
	};

	return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
