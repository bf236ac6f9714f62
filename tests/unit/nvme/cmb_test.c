/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller memory buffer against the model, which (like a device) takes an address as
 * CMB only after CMBMSC.CMSE and only in [CBA, CBA + size): I/O submission queues in it
 * (commands fetched from it, space given back on delete, host memory when it is full or
 * CMBSZ.SQS is clear), and I/O data buffers in it (read and write checked on the medium, the
 * RDS/WDS rules, bad arguments).
 */
#include <string.h>

#include "fixture.h"

#define CMB_SIZE (2u << 20)
#define BIG_QUEUE 1024 /* entries: a 64 KiB SQ, 32 of them fill the CMB */

static struct nvme_model_opts g_mopts;

static void cmb_model(bool no_sqs, bool no_rds, bool no_wds)
{
	nvme_model_opts_init(&g_mopts);
	g_mopts.cmb_size = CMB_SIZE;
	g_mopts.cmb_no_sqs = no_sqs;
	g_mopts.cmb_no_rds = no_rds;
	g_mopts.cmb_no_wds = no_wds;
	log_capture_start();
	model_start(&g_mopts);
}

static void connect_cmb(bool use_cmb_sqs, uint32_t queue_size)
{
	struct spdkrt_nvme_ctrlr_opts opts;

	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.use_cmb_sqs = use_cmb_sqs;
	if (queue_size != 0)
		opts.io_queue_size = queue_size;
	assert_int_equal(connect_with(&opts), 0);
}

static struct nvme_model_stats stats(void)
{
	struct nvme_model_stats s;

	nvme_model_get_stats(g_model, &s);
	return s;
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

/* A write then a read of 8 blocks of 4 KiB through qpair, checked on the medium. */
static void write_read(struct spdkrt_nvme_qpair *qpair, void *wbuf, void *rbuf, uint64_t lba,
		       unsigned seed)
{
	struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_4K);
	struct spdkrt_nvme_qpair *saved = g_qpair;
	struct io_result r = { 0 };
	uint8_t *medium;
	size_t size;

	g_qpair = qpair;
	fill(wbuf, 8 * 4096, seed);
	assert_int_equal(spdkrt_nvme_ns_cmd_write(ns, qpair, wbuf, lba, 8, io_done, &r, 0), 0);
	assert_true(poll_until(&r.done, 2000));
	assert_false(spdkrt_nvme_cpl_is_error(&r.cpl));
	medium = nvme_model_ns_data(g_model, NS_4K, &size);
	assert_memory_equal(medium + lba * 4096, wbuf, 8 * 4096);
	memset(&r, 0, sizeof(r));
	memset(rbuf, 0, 8 * 4096);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, qpair, rbuf, lba, 8, io_done, &r, 0), 0);
	assert_true(poll_until(&r.done, 2000));
	assert_false(spdkrt_nvme_cpl_is_error(&r.cpl));
	assert_memory_equal(rbuf, medium + lba * 4096, 8 * 4096);
	g_qpair = saved;
}

static uint8_t *g_wbuf, *g_rbuf;

static int bufs_setup(void **state)
{
	(void)state;
	g_wbuf = spdkrt_dma_zmalloc(8 * 4096, 4096, SPDKRT_ENV_SOCKET_ANY);
	g_rbuf = spdkrt_dma_zmalloc(8 * 4096, 4096, SPDKRT_ENV_SOCKET_ANY);
	return g_wbuf != NULL && g_rbuf != NULL ? 0 : -1;
}

static int bufs_teardown(void **state)
{
	spdkrt_dma_free(g_wbuf);
	spdkrt_dma_free(g_rbuf);
	g_wbuf = g_rbuf = NULL;
	return ctrlr_teardown(state);
}

static void test_io_sqs_in_cmb(void **state)
{
	struct nvme_model_stats s;

	(void)state;
	cmb_model(false, false, false);
	connect_cmb(true, 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	s = stats();
	assert_int_equal(s.cmb_sqs, 1);
	write_read(g_qpair, g_wbuf, g_rbuf, 3, 1);
	s = stats();
	/* Every I/O command came from the CMB; the admin queue stays in host memory. */
	assert_int_equal(s.io_commands, 2);
	assert_int_equal(s.cmb_sqe_fetches, 2);
	assert_true(s.admin_commands > 0);
	assert_int_equal(s.dma_errors, 0);
	/* A reset re-creates the queue in the same place, and I/O goes on. */
	assert_int_equal(spdkrt_nvme_ctrlr_reset(g_ctrlr), 0);
	write_read(g_qpair, g_wbuf, g_rbuf, 20, 2);
	s = stats();
	assert_int_equal(s.cmb_sqs, 2);
	assert_int_equal(s.cmb_sqe_fetches, 4);
}

/* SPDK's bump allocator leaked each queue's space: here 100 re-creations of a 64 KiB SQ in a
 * 2 MiB CMB (room for 32) all land in the CMB. */
static void test_recreate_does_not_exhaust(void **state)
{
	struct nvme_model_stats s;

	(void)state;
	cmb_model(false, false, false);
	connect_cmb(true, BIG_QUEUE);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
		if (i % 25 == 0)
			write_read(g_qpair, g_wbuf, g_rbuf, (uint64_t)i, (unsigned)i);
		assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(g_qpair), 0);
		g_qpair = NULL;
	}
	s = stats();
	assert_int_equal(s.cmb_sqs, 100);
	assert_int_equal(s.io_queues_deleted, 200);
	assert_int_equal(s.cmb_sqe_fetches, 8);
}

/* Room for two default queues (16 KiB SQs) left beside a data buffer: the third goes to host
 * memory with a log line, and a freed CMB queue's place is taken again. */
static void test_full_cmb_falls_back(void **state)
{
	struct spdkrt_nvme_qpair *q[3];
	size_t hog_size = CMB_SIZE - 2 * 256 * 64;
	void *hog;

	(void)state;
	cmb_model(false, false, false);
	connect_cmb(true, 256);
	hog = spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(g_ctrlr, hog_size);
	assert_non_null(hog);
	for (int i = 0; i < 2; i++)
		assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &q[i]), 0);
	assert_int_equal(stats().cmb_sqs, 2);
	log_capture_clear();
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &q[2]), 0);
	assert_logged("controller memory buffer full");
	assert_int_equal(stats().cmb_sqs, 2);
	write_read(q[2], g_wbuf, g_rbuf, 0, 3); /* the host-memory SQ works */
	write_read(q[1], g_wbuf, g_rbuf, 8, 4); /* and so do the CMB ones */
	assert_int_equal(stats().cmb_sqe_fetches, 2);
	assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(q[0]), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &q[0]), 0);
	assert_int_equal(stats().cmb_sqs, 3);
	write_read(q[0], g_wbuf, g_rbuf, 16, 5);
	assert_int_equal(stats().cmb_sqe_fetches, 4);
	for (int i = 0; i < 3; i++)
		assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(q[i]), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, hog, hog_size), 0);
}

static void test_no_sqs_support_keeps_host_memory(void **state)
{
	(void)state;
	cmb_model(true, false, false);
	connect_cmb(true, 0);
	assert_logged("CMBSZ.SQS is clear");
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	write_read(g_qpair, g_wbuf, g_rbuf, 0, 5);
	assert_int_equal(stats().cmb_sqs, 0);
	assert_int_equal(stats().cmb_sqe_fetches, 0);
}

static void test_not_asked_or_no_cmb(void **state)
{
	(void)state;
	/* A CMB, not asked for: host memory. */
	cmb_model(false, false, false);
	connect_cmb(false, 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	write_read(g_qpair, g_wbuf, g_rbuf, 0, 6);
	assert_int_equal(stats().cmb_sqs, 0);
	ctrlr_teardown(state);
	/* Asked for, no CMB at all. */
	log_capture_start();
	model_start(NULL);
	connect_cmb(true, 0);
	assert_logged("no usable controller memory buffer");
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	write_read(g_qpair, g_wbuf, g_rbuf, 0, 7);
	assert_int_equal(stats().cmb_sqs, 0);
}

static void test_data_buffers_in_cmb(void **state)
{
	uint8_t *wcmb, *rcmb;
	struct nvme_model_stats s;

	(void)state;
	cmb_model(false, false, false);
	connect_cmb(true, 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	wcmb = spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(g_ctrlr, 8 * 4096);
	rcmb = spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(g_ctrlr, 8 * 4096 - 100); /* rounds up */
	assert_non_null(wcmb);
	assert_non_null(rcmb);
	write_read(g_qpair, wcmb, rcmb, 40, 8);
	s = stats();
	assert_int_equal(s.cmb_data_bytes, 2 * 8 * 4096);
	assert_int_equal(s.dma_errors, 0);
	/* CMB write, host read, and the reverse. */
	write_read(g_qpair, wcmb, g_rbuf, 50, 9);
	write_read(g_qpair, g_wbuf, rcmb, 60, 10);
	assert_int_equal(stats().cmb_data_bytes, 4 * 8 * 4096);
	/* The same through an unaligned start (PRP1 with an offset) into the CMB. */
	write_read(g_qpair, g_wbuf, rcmb + 512, 70, 11);
	/* One command's data half in the CMB, half in host memory: refused before the device. */
	{
		struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_4K);
		struct iovec iov[2] = { { wcmb, 4096 }, { g_wbuf, 4096 } };
		struct io_result r = { 0 };

		log_capture_clear();
		assert_int_equal(spdkrt_nvme_ns_cmd_writev_iov(ns, g_qpair, iov, 2, 0, 2, io_done,
							       &r, 0),
				 -EINVAL);
		assert_logged("mixes controller memory buffer and host memory");
	}
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, wcmb, 8 * 4096), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, rcmb, 8 * 4096 - 100), 0);
	/* Freed space is reused: the whole CMB minus the SQ is one free run again. */
	wcmb = spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(g_ctrlr, CMB_SIZE - 64 * 256);
	assert_non_null(wcmb);
	assert_null(spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(g_ctrlr, 4096));
	assert_logged("no free run");
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, wcmb, CMB_SIZE - 64 * 256),
			 0);
}

/* A CMB with only one of RDS/WDS: a buffer in it serves that direction, the other is refused. */
static void one_direction_only(void **state, bool writes)
{
	struct spdkrt_nvme_ns *ns;
	struct io_result r = { 0 };
	uint8_t *buf;
	int rc;

	cmb_model(false, writes, !writes);
	connect_cmb(false, 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_4K);
	buf = spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(g_ctrlr, 8 * 4096);
	assert_non_null(buf);
	write_read(g_qpair, writes ? buf : g_wbuf, writes ? g_rbuf : buf, 0, writes ? 12 : 13);
	log_capture_clear();
	rc = writes ? spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 8, io_done, &r, 0) :
		      spdkrt_nvme_ns_cmd_write(ns, g_qpair, buf, 0, 8, io_done, &r, 0);
	assert_int_equal(rc, -EINVAL);
	assert_logged(writes ? "CMBSZ.RDS clear" : "CMBSZ.WDS clear");
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, buf, 8 * 4096), 0);
	ctrlr_teardown(state);
}

static void test_data_buffer_rules(void **state)
{
	/* Neither RDS nor WDS: no buffer at all. */
	cmb_model(false, true, true);
	connect_cmb(false, 0);
	assert_null(spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(g_ctrlr, 4096));
	assert_logged("RDS and WDS clear");
	ctrlr_teardown(state);
	one_direction_only(state, true);
	one_direction_only(state, false);
}

static void test_bad_arguments(void **state)
{
	uint8_t *buf;

	(void)state;
	cmb_model(false, false, false);
	connect_cmb(false, 0);
	assert_null(spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(NULL, 4096));
	assert_null(spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(g_ctrlr, 0));
	assert_null(spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(g_ctrlr, CMB_SIZE + 1));
	assert_null(spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(g_ctrlr, SIZE_MAX));
	buf = spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(g_ctrlr, 3 * 4096);
	assert_non_null(buf);
	log_capture_clear();
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(NULL, buf, 3 * 4096), -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, NULL, 4096), -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, g_wbuf, 4096), -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, buf + 4096, 4096), -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, buf, 4096), -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, buf, 4 * 4096), -EINVAL);
	assert_logged("not match a controller memory buffer allocation");
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, buf, 3 * 4096), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_free_cmb_io_buffer(g_ctrlr, buf, 3 * 4096), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_io_sqs_in_cmb, bufs_setup, bufs_teardown),
		cmocka_unit_test_setup_teardown(test_recreate_does_not_exhaust, bufs_setup,
						bufs_teardown),
		cmocka_unit_test_setup_teardown(test_full_cmb_falls_back, bufs_setup,
						bufs_teardown),
		cmocka_unit_test_setup_teardown(test_no_sqs_support_keeps_host_memory, bufs_setup,
						bufs_teardown),
		cmocka_unit_test_setup_teardown(test_not_asked_or_no_cmb, bufs_setup,
						bufs_teardown),
		cmocka_unit_test_setup_teardown(test_data_buffers_in_cmb, bufs_setup,
						bufs_teardown),
		cmocka_unit_test_setup_teardown(test_data_buffer_rules, bufs_setup, bufs_teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, bufs_setup, bufs_teardown),
	};

	return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
