/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe/TCP host driver against a hostile target (tcp_fake_target.c over 127.0.0.1): bad
 * ICResp fields, PDUs with wrong lengths, offsets, command ids or digests, a TermReq, a huge
 * plen, a connection closed mid-PDU, silence, and an R2T beyond its command. Each must end in a
 * negative errno or an error completion and a log line: never a crash, an overflow (the ASan
 * build runs this too) or a hang. A well-behaved run of the same target shows the faults are
 * what fails.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>
#include <spdkrt/nvme.h>
#include <spdkrt/thread.h>

#include "tcp_fake_target.h"

/* Connects to a fake target with fo; the attach result. Digests when asked. */
static int connect_to(struct fake_target *t, const struct fake_target_opts *fo, bool digests,
		      struct spdkrt_nvme_ctrlr **ctrlr)
{
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr_opts opts;
	char text[256];

	assert_int_equal(fake_target_start(t, fo), 0);
	fake_target_trid(t, text, sizeof(text));
	assert_int_equal(spdkrt_nvme_transport_id_parse(&trid, text), 0);
	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.admin_timeout_us = 2u * 1000 * 1000; /* bounds the silent target */
	opts.keep_alive_timeout_ms = 0;
	opts.header_digest = digests;
	opts.data_digest = digests;
	*ctrlr = NULL;
	return spdkrt_nvme_connect(&trid, &opts, ctrlr);
}

/* An attach the target spoils: a negative errno and a log line, nothing attached. */
static void expect_attach_fails(const struct fake_target_opts *fo, bool digests)
{
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct fake_target t;
	uint64_t start = spdkrt_get_ticks();
	int rc;

	log_capture_start();
	rc = connect_to(&t, fo, digests, &ctrlr);
	log_capture_stop();
	if (rc == 0)
		spdkrt_nvme_detach(ctrlr);
	fake_target_stop(&t);
	if (rc >= 0)
		fail_msg("fault %d: attach succeeded", fo->fault);
	assert_null(ctrlr);
	assert_true(g_log_capture.lines > 0);
	/* bounded: the admin timeout (2 s) plus slack, never a hang */
	assert_true(spdkrt_get_ticks() - start < 20 * spdkrt_get_ticks_hz());
}

static void test_well_behaved(void **state)
{
	struct fake_target_opts fo = { 0 };
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct fake_target t;

	(void)state;
	assert_int_equal(connect_to(&t, &fo, true, &ctrlr), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_get_data(ctrlr)->cntrltype, 1);
	assert_int_equal(spdkrt_nvme_ctrlr_get_first_active_ns(ctrlr), 1);
	assert_int_equal(spdkrt_nvme_detach(ctrlr), 0);
	fake_target_stop(&t);
}

static void test_bad_icresp(void **state)
{
	struct fake_target_opts fo;

	(void)state;
	fo = (struct fake_target_opts){ .pfv = 1 };
	expect_attach_fails(&fo, false);
	assert_logged("format version");
	fo = (struct fake_target_opts){ .cpda = 32 };
	expect_attach_fails(&fo, false);
	assert_logged("CPDA");
	fo = (struct fake_target_opts){ .maxh2cdata = 100 };
	expect_attach_fails(&fo, false);
	assert_logged("MAXH2CDATA");
	fo = (struct fake_target_opts){ .flip_digests = true };
	expect_attach_fails(&fo, false);
	assert_logged("digests");
	fo = (struct fake_target_opts){ .icresp_type = 0x05 };
	expect_attach_fails(&fo, false);
	assert_logged("ICResp");
	fo = (struct fake_target_opts){ .icresp_plen = 64 };
	expect_attach_fails(&fo, false);
}

/* Faults in the data of Identify Controller, the first transfer of an attach. */
static void test_bad_pdus_at_attach(void **state)
{
	static const enum fake_fault faults[] = {
		FAKE_FAULT_C2H_BEYOND_BUFFER, FAKE_FAULT_C2H_BAD_OFFSET, FAKE_FAULT_C2H_UNKNOWN_CID,
		FAKE_FAULT_RESP_UNKNOWN_CID,  FAKE_FAULT_HUGE_PLEN,      FAKE_FAULT_BAD_HLEN,
		FAKE_FAULT_BAD_PDO,           FAKE_FAULT_CLOSE_MID_PDU,  FAKE_FAULT_SUCCESS_NO_LAST,
		FAKE_FAULT_TERM_REQ,          FAKE_FAULT_UNKNOWN_PDU,    FAKE_FAULT_SILENT,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		struct fake_target_opts fo = { .fault = faults[i] };

		print_message("fault %d\n", faults[i]);
		expect_attach_fails(&fo, false);
	}
}

static void test_bad_digests(void **state)
{
	struct fake_target_opts fo = { .fault = FAKE_FAULT_BAD_HDGST };

	(void)state;
	expect_attach_fails(&fo, true);
	assert_logged("digest");
	fo.fault = FAKE_FAULT_BAD_DDGST;
	expect_attach_fails(&fo, true);
	assert_logged("digest");
}

/* One I/O whose answer the target spoils: an error completion, or a failed queue; no hang. */
static void expect_io_fails(enum fake_fault fault, bool write, uint32_t blocks)
{
	struct fake_target_opts fo = { .fault = fault, .fault_on_io = true };
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct spdkrt_nvme_qpair *qpair;
	struct cmd_wait w = { 0 };
	struct fake_target t;
	uint64_t end;
	void *buf;
	int rc;

	print_message("I/O fault %d (%s of %u blocks)\n", fault, write ? "write" : "read", blocks);
	assert_int_equal(connect_to(&t, &fo, fault == FAKE_FAULT_BAD_DDGST, &ctrlr), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qpair), 0);
	buf = spdkrt_dma_zmalloc(blocks * 512u, 4096, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(buf);
	log_capture_start();
	rc = write ? spdkrt_nvme_ns_cmd_write(spdkrt_nvme_ctrlr_get_ns(ctrlr, 1), qpair, buf, 0,
					      blocks, cmd_wait_done, &w, 0) :
		     spdkrt_nvme_ns_cmd_read(spdkrt_nvme_ctrlr_get_ns(ctrlr, 1), qpair, buf, 0,
					     blocks, cmd_wait_done, &w, 0);
	assert_int_equal(rc, 0);
	end = spdkrt_get_ticks() + 15 * spdkrt_get_ticks_hz();
	while (!w.done && spdkrt_get_ticks() < end) {
		spdkrt_nvme_qpair_process_completions(qpair, 0);
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
	}
	log_capture_stop();
	assert_true(w.done);
	assert_true(w.error);
	assert_true(g_log_capture.lines > 0);
	spdkrt_dma_free(buf);
	spdkrt_nvme_ctrlr_free_io_qpair(qpair);
	spdkrt_nvme_detach(ctrlr);
	fake_target_stop(&t);
}

static void test_bad_pdus_during_io(void **state)
{
	(void)state;
	expect_io_fails(FAKE_FAULT_C2H_BEYOND_BUFFER, false, 8);
	expect_io_fails(FAKE_FAULT_C2H_BAD_OFFSET, false, 8);
	expect_io_fails(FAKE_FAULT_C2H_UNKNOWN_CID, false, 8);
	expect_io_fails(FAKE_FAULT_HUGE_PLEN, false, 8);
	expect_io_fails(FAKE_FAULT_CLOSE_MID_PDU, false, 8);
	expect_io_fails(FAKE_FAULT_BAD_DDGST, false, 8);
	expect_io_fails(FAKE_FAULT_TERM_REQ, false, 8);
	expect_io_fails(FAKE_FAULT_SUCCESS_SHORT, false, 8);
	/* 128 KiB: most of the data is received straight into the buffer, its digest after */
	expect_io_fails(FAKE_FAULT_BAD_DDGST, false, 256);
	expect_io_fails(FAKE_FAULT_C2H_BEYOND_BUFFER, false, 256);
	/* 8 KiB writes go through R2T (the fake takes 4 KiB in the capsule) */
	expect_io_fails(FAKE_FAULT_R2T_BEYOND, true, 16);
	expect_io_fails(FAKE_FAULT_R2T_UNKNOWN_CID, true, 16);
}

static void test_io_roundtrip(void **state)
{
	/* The same path without a fault: what is written through R2T reads back. */
	struct fake_target_opts fo = { 0 };
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct spdkrt_nvme_qpair *qpair;
	struct fake_target t;
	uint8_t *wbuf, *rbuf;

	(void)state;
	assert_int_equal(connect_to(&t, &fo, true, &ctrlr), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qpair), 0);
	wbuf = spdkrt_dma_zmalloc(16384, 4096, SPDKRT_ENV_SOCKET_ANY);
	rbuf = spdkrt_dma_zmalloc(16384, 4096, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(wbuf);
	assert_non_null(rbuf);
	for (unsigned i = 0; i < 16384; i++)
		wbuf[i] = (uint8_t)(i * 7 + 3);
	for (int pass = 0; pass < 2; pass++) {
		struct cmd_wait w = { 0 };
		uint64_t end = spdkrt_get_ticks() + 10 * spdkrt_get_ticks_hz();
		struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);

		assert_int_equal(pass == 0 ? spdkrt_nvme_ns_cmd_write(ns, qpair, wbuf, 8, 32,
								      cmd_wait_done, &w, 0) :
					     spdkrt_nvme_ns_cmd_read(ns, qpair, rbuf, 8, 32,
								     cmd_wait_done, &w, 0),
				 0);
		while (!w.done && spdkrt_get_ticks() < end)
			spdkrt_nvme_qpair_process_completions(qpair, 0);
		assert_true(w.done);
		assert_false(w.error);
	}
	assert_memory_equal(wbuf, rbuf, 16384);
	assert_memory_equal(t.blocks + 8 * 512, wbuf, 16384);
	spdkrt_dma_free(wbuf);
	spdkrt_dma_free(rbuf);
	spdkrt_nvme_ctrlr_free_io_qpair(qpair);
	spdkrt_nvme_detach(ctrlr);
	fake_target_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_behaved), cmocka_unit_test(test_io_roundtrip),
		cmocka_unit_test(test_bad_icresp),   cmocka_unit_test(test_bad_pdus_at_attach),
		cmocka_unit_test(test_bad_digests),  cmocka_unit_test(test_bad_pdus_during_io),
	};

	return cmocka_run_group_tests(tests, fake_target_env_setup, fake_target_env_teardown);
}
