/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * I/O against the model, checked on the model's backing store: read/write of every size class
 * (one command, split at MDTS with no child limit), scattered payloads as PRP lists and as SGLs
 * (and split where PRPs cannot describe them), write zeroes beyond 65 536 blocks, dataset
 * management, flush, compare, raw I/O, a full queue, and bad arguments.
 */
#include <string.h>
#include <sys/mman.h>

#include "fixture.h"

#define BIG (1u << 20)

static uint8_t *g_buf;

static int io_setup(void **state)
{
	ctrlr_setup(state);
	g_buf = spdkrt_dma_zmalloc(2 * BIG, 4096, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(g_buf);
	return 0;
}

static int io_teardown(void **state)
{
	spdkrt_dma_free(g_buf);
	return ctrlr_teardown(state);
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

static struct spdkrt_nvme_ns *ns_of(uint32_t nsid)
{
	struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, nsid);

	assert_non_null(ns);
	return ns;
}

static void run(int rc, struct io_result *r)
{
	assert_int_equal(rc, 0);
	assert_false(r->done); /* never from inside the submit call */
	assert_true(poll_until(&r->done, 2000));
	assert_int_equal(r->calls, 1);
	if (spdkrt_nvme_cpl_is_error(&r->cpl))
		fail_msg("I/O failed: %s", spdkrt_nvme_cpl_status_string(&r->cpl));
}

static void test_write_read_on_the_medium(void **state)
{
	struct spdkrt_nvme_ns *ns = ns_of(NS_4K);
	struct io_result r = { 0 };
	struct nvme_model_stats stats;
	uint8_t *medium;
	size_t size;

	(void)state;
	fill(g_buf, 8 * 4096, 1);
	run(spdkrt_nvme_ns_cmd_write(ns, g_qpair, g_buf, 10, 8, io_done, &r, 0), &r);
	medium = nvme_model_ns_data(g_model, NS_4K, &size);
	assert_memory_equal(medium + 10 * 4096, g_buf, 8 * 4096);
	memset(&r, 0, sizeof(r));
	memset(g_buf + BIG, 0, 8 * 4096);
	run(spdkrt_nvme_ns_cmd_read(ns, g_qpair, g_buf + BIG, 10, 8, io_done, &r,
				    SPDKRT_NVME_IO_FLAGS_FUA),
	    &r);
	assert_memory_equal(g_buf + BIG, g_buf, 8 * 4096);
	/* An unaligned (dword) start: PRP1 carries an offset. */
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_write(ns_of(NS_512), g_qpair, g_buf + 100, 0, 9, io_done, &r, 0),
	    &r);
	medium = nvme_model_ns_data(g_model, NS_512, &size);
	assert_memory_equal(medium, g_buf + 100, 9 * 512);
	nvme_model_get_stats(g_model, &stats);
	assert_int_equal(stats.dma_errors, 0);
}

static void test_large_io_splits_at_mdts(void **state)
{
	struct spdkrt_nvme_ns *ns = ns_of(NS_512);
	struct io_result r = { 0 };
	struct nvme_model_stats before, after;
	uint8_t *medium;
	size_t size;
	uint32_t blocks = (2 * BIG) / 512; /* 2 MiB: 16 commands of 128 KiB */

	(void)state;
	fill(g_buf, 2 * BIG, 3);
	nvme_model_get_stats(g_model, &before);
	run(spdkrt_nvme_ns_cmd_write(ns, g_qpair, g_buf, 0, blocks, io_done, &r, 0), &r);
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.io_commands - before.io_commands, 16);
	medium = nvme_model_ns_data(g_model, NS_512, &size);
	assert_memory_equal(medium, g_buf, 2 * BIG);
	memset(&r, 0, sizeof(r));
	memset(g_buf, 0, 2 * BIG);
	run(spdkrt_nvme_ns_cmd_read(ns, g_qpair, g_buf, 0, blocks, io_done, &r, 0), &r);
	assert_memory_equal(medium, g_buf, 2 * BIG);
}

static void test_many_children_beyond_255(void **state)
{
	struct spdkrt_nvme_ctrlr_opts opts;
	struct nvme_model_opts mopts;
	struct spdkrt_nvme_io_qpair_opts qo;
	struct io_result r = { 0 };
	struct nvme_model_stats before, after;
	uint8_t *medium;
	size_t size;

	(void)state;
	io_teardown(state);
	log_capture_start();
	nvme_model_opts_init(&mopts);
	mopts.mdts = 1;
	model_start(&mopts);
	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.io_queue_requests = 1024;
	assert_int_equal(connect_with(&opts), 0);
	spdkrt_nvme_io_qpair_opts_init(&qo, sizeof(qo));
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, &qo, &g_qpair), 0);
	g_buf = spdkrt_dma_zmalloc(2 * BIG, 4096, SPDKRT_ENV_SOCKET_ANY);
	fill(g_buf, 2 * BIG, 9);
	nvme_model_get_stats(g_model, &before);
	/* 2 MiB in 8 KiB commands: 256 children (a uint8_t count would wrap to 0). */
	run(spdkrt_nvme_ns_cmd_write(ns_of(NS_512), g_qpair, g_buf, 0, NS_BLOCKS, io_done, &r, 0),
	    &r);
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.io_commands - before.io_commands, 256);
	medium = nvme_model_ns_data(g_model, NS_512, &size);
	assert_memory_equal(medium, g_buf, (size_t)NS_BLOCKS * 512);
	/* More children than the pool holds: -ENOMEM at once, nothing sent. */
	spdkrt_nvme_ctrlr_free_io_qpair(g_qpair);
	qo.io_queue_requests = 64;
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, &qo, &g_qpair), 0);
	nvme_model_get_stats(g_model, &before);
	memset(&r, 0, sizeof(r));
	assert_int_equal(spdkrt_nvme_ns_cmd_write(ns_of(NS_512), g_qpair, g_buf, 0, NS_BLOCKS,
						  io_done, &r, 0),
			 -ENOMEM);
	assert_false(poll_until(&r.done, 10));
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.io_commands, before.io_commands);
}

struct sgl_ctx {
	struct io_result r; /* first: io_done's argument is the same cb_arg */
	struct iovec iov[64];
	int iovcnt;
	int index;
	size_t offset;
};

static void sgl_reset(void *arg, uint32_t offset)
{
	struct sgl_ctx *c = arg;

	c->index = 0;
	while (offset >= c->iov[c->index].iov_len) {
		offset -= (uint32_t)c->iov[c->index].iov_len;
		c->index++;
	}
	c->offset = offset;
}

static int sgl_next(void *arg, void **addr, uint32_t *len)
{
	struct sgl_ctx *c = arg;

	if (c->index >= c->iovcnt)
		return -1;
	*addr = (uint8_t *)c->iov[c->index].iov_base + c->offset;
	*len = (uint32_t)(c->iov[c->index].iov_len - c->offset);
	c->index++;
	c->offset = 0;
	return 0;
}

/* 3 elements that meet on page boundaries, then one ending inside a page. */
static int scattered(struct iovec *iov, uint8_t *base)
{
	iov[0] = (struct iovec){ base + 512, 4096 - 512 };      /* ends on a page */
	iov[1] = (struct iovec){ base + 3 * 4096, 8192 };       /* whole pages */
	iov[2] = (struct iovec){ base + 7 * 4096, 1024 };       /* ends inside a page */
	iov[3] = (struct iovec){ base + 9 * 4096 + 512, 2048 }; /* starts inside a page */
	return 4;
}

static void check_scattered(const uint8_t *medium, struct iovec *iov, int n)
{
	size_t off = 0;

	for (int i = 0; i < n; i++) {
		assert_memory_equal(medium + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
}

static void scattered_roundtrip(bool sgl)
{
	struct spdkrt_nvme_ns *ns = ns_of(NS_512);
	struct io_result r = { 0 };
	struct iovec iov[4];
	int n = scattered(iov, g_buf);
	size_t total = 0, size;
	struct nvme_model_stats before, after;
	uint8_t *medium = nvme_model_ns_data(g_model, NS_512, &size);

	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	fill(g_buf, BIG, sgl ? 5 : 6);
	nvme_model_get_stats(g_model, &before);
	run(spdkrt_nvme_ns_cmd_writev_iov(ns, g_qpair, iov, n, 64, (uint32_t)(total / 512), io_done,
					  &r, 0),
	    &r);
	nvme_model_get_stats(g_model, &after);
	/* PRPs: cut after the element that ends inside a page (the next one starts inside one):
	 * 25 + 4 blocks. SGLs: one command. */
	assert_int_equal(after.io_commands - before.io_commands, sgl ? 1 : 2);
	check_scattered(medium + 64 * 512, iov, n);
	memset(g_buf, 0, BIG);
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_readv_iov(ns, g_qpair, iov, n, 64, (uint32_t)(total / 512), io_done,
					 &r, 0),
	    &r);
	check_scattered(medium + 64 * 512, iov, n);
}

/* One iovec that holds the transfer takes the plain path: one command, the data where it
 * belongs; one that is too short is refused before anything is sent. */
static void test_single_iovec(void **state)
{
	struct spdkrt_nvme_ns *ns = ns_of(NS_512);
	struct iovec one = { g_buf + 4, 8 * 512 }, short_one = { g_buf, 7 * 512 };
	struct nvme_model_stats before, after;
	struct io_result r = { 0 };
	size_t size;
	uint8_t *medium = nvme_model_ns_data(g_model, NS_512, &size);

	(void)state;
	fill(g_buf + 4, 8 * 512, 9);
	nvme_model_get_stats(g_model, &before);
	run(spdkrt_nvme_ns_cmd_writev_iov(ns, g_qpair, &one, 1, 200, 8, io_done, &r, 0), &r);
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.io_commands - before.io_commands, 1);
	assert_memory_equal(medium + 200 * 512, g_buf + 4, 8 * 512);
	one.iov_base = g_buf + BIG / 2;
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_readv_iov(ns, g_qpair, &one, 1, 200, 8, io_done, &r, 0), &r);
	assert_memory_equal(g_buf + BIG / 2, medium + 200 * 512, 8 * 512);

	nvme_model_get_stats(g_model, &before);
	assert_true(spdkrt_nvme_ns_cmd_readv_iov(ns, g_qpair, &short_one, 1, 200, 8, io_done, &r,
						 0) < 0);
	assert_true(spdkrt_nvme_qpair_process_completions(g_qpair, 0) >= 0);
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.io_commands - before.io_commands, 0);
}

static void test_scattered_with_sgl(void **state)
{
	(void)state;
	scattered_roundtrip(true);
}

static void test_scattered_with_prps(void **state)
{
	struct nvme_model_opts mopts;

	io_teardown(state);
	log_capture_start();
	nvme_model_opts_init(&mopts);
	mopts.sgl = false;
	model_start(&mopts);
	assert_int_equal(connect_with(NULL), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	g_buf = spdkrt_dma_zmalloc(2 * BIG, 4096, SPDKRT_ENV_SOCKET_ANY);
	scattered_roundtrip(false);

	/* A cut that falls inside a block cannot be split: -EINVAL, logged, nothing sent. */
	{
		struct iovec iov[2] = { { g_buf + 100, 300 }, { g_buf + 4096, 212 } };
		struct io_result r = { 0 };

		assert_int_equal(spdkrt_nvme_ns_cmd_writev_iov(ns_of(NS_512), g_qpair, iov, 2, 0, 1,
							       io_done, &r, 0),
				 -EINVAL);
		assert_logged("cannot be split on a block boundary");
		assert_false(poll_until(&r.done, 10));
	}
}

static void test_callback_sgl_form(void **state)
{
	struct sgl_ctx c = { 0 };
	size_t size;
	uint8_t *medium = nvme_model_ns_data(g_model, NS_4K, &size);

	(void)state;
	c.iovcnt = 3;
	c.iov[0] = (struct iovec){ g_buf, 4096 };
	c.iov[1] = (struct iovec){ g_buf + 5 * 4096, 4096 };
	c.iov[2] = (struct iovec){ g_buf + 2 * 4096, 8192 };
	fill(g_buf, BIG, 11);
	run(spdkrt_nvme_ns_cmd_writev(ns_of(NS_4K), g_qpair, 3, 4, io_done, &c, 0, sgl_reset,
				      sgl_next),
	    &c.r);
	check_scattered(medium + 3 * 4096, c.iov, 3);
	memset(medium + 3 * 4096, 0, 4 * 4096);
	memset(&c.r, 0, sizeof(c.r));
	run(spdkrt_nvme_ns_cmd_readv(ns_of(NS_4K), g_qpair, 3, 4, io_done, &c, 0, sgl_reset,
				     sgl_next),
	    &c.r);
	/* The read brought zeroes into the elements. */
	assert_int_equal(g_buf[0], 0);
	assert_int_equal(g_buf[5 * 4096 + 17], 0);
	/* A callback that runs out of elements: -EINVAL, logged. */
	c.iovcnt = 1;
	memset(&c.r, 0, sizeof(c.r));
	assert_int_equal(spdkrt_nvme_ns_cmd_writev(ns_of(NS_4K), g_qpair, 3, 4, io_done, &c, 0,
						   sgl_reset, sgl_next),
			 -EINVAL);
	assert_logged("next_sge");
}

static void test_write_zeroes_splits_at_65536(void **state)
{
	struct spdkrt_nvme_ns *ns;
	struct io_result r = { 0 };
	struct nvme_model_stats before, after;
	uint8_t *medium;
	size_t size;

	(void)state;
	io_teardown(state);
	log_capture_start();
	assert_int_equal(nvme_model_create(NULL, &g_model), 0);
	model_add_ns(NS_512, 70000, 0);
	assert_int_equal(connect_with(NULL), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	g_buf = spdkrt_dma_zmalloc(2 * BIG, 4096, SPDKRT_ENV_SOCKET_ANY);
	ns = ns_of(NS_512);
	medium = nvme_model_ns_data(g_model, NS_512, &size);
	memset(medium, 0xA5, size);
	nvme_model_get_stats(g_model, &before);
	run(spdkrt_nvme_ns_cmd_write_zeroes(ns, g_qpair, 1, 69998, io_done, &r, 0), &r);
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.io_commands - before.io_commands, 2);
	assert_int_equal(medium[511], 0xA5);
	assert_int_equal(medium[512], 0);
	assert_int_equal(medium[69999 * 512 - 1], 0);
	assert_int_equal(medium[69999 * 512], 0xA5);
}

static void test_dsm_flush_compare(void **state)
{
	struct spdkrt_nvme_ns *ns = ns_of(NS_512);
	struct spdkrt_nvme_dsm_range ranges[2] = {
		{ .length = 8, .starting_lba = 0 },
		{ .length = 8, .starting_lba = 100 },
	};
	struct io_result r = { 0 };

	(void)state;
	run(spdkrt_nvme_ns_cmd_dataset_management(ns, g_qpair, SPDKRT_NVME_DSM_ATTR_DEALLOCATE,
						  ranges, 2, io_done, &r),
	    &r);
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_flush(ns, g_qpair, io_done, &r), &r);

	fill(g_buf, 4096, 21);
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_write(ns, g_qpair, g_buf, 200, 8, io_done, &r, 0), &r);
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_compare(ns, g_qpair, g_buf, 200, 8, io_done, &r, 0), &r);
	g_buf[1000] ^= 1;
	memset(&r, 0, sizeof(r));
	assert_int_equal(spdkrt_nvme_ns_cmd_compare(ns, g_qpair, g_buf, 200, 8, io_done, &r, 0), 0);
	assert_true(poll_until(&r.done, 100));
	assert_int_equal(cpl_sct(&r.cpl), SPDKRT_NVME_SCT_MEDIA_ERROR);
	assert_int_equal(cpl_sc(&r.cpl), SPDKRT_NVME_SC_COMPARE_FAILURE);

	assert_int_equal(spdkrt_nvme_ns_cmd_dataset_management(ns, g_qpair, 0, ranges, 0, io_done,
							       &r),
			 -EINVAL);
	assert_int_equal(spdkrt_nvme_ns_cmd_dataset_management(ns, g_qpair, 0, ranges, 257, io_done,
							       &r),
			 -EINVAL);
}

static void test_raw_io(void **state)
{
	struct spdkrt_nvme_cmd cmd = { 0 };
	struct io_result r = { 0 };
	size_t size;
	uint8_t *medium = nvme_model_ns_data(g_model, NS_512, &size);

	(void)state;
	fill(g_buf, 1024, 33);
	cmd.opc = SPDKRT_NVME_OPC_WRITE;
	cmd.nsid = NS_512;
	cmd.cdw10 = 7;
	cmd.cdw12 = 1; /* two blocks */
	run(spdkrt_nvme_ctrlr_cmd_io_raw(g_ctrlr, g_qpair, &cmd, g_buf, 1024, NULL, io_done, &r),
	    &r);
	assert_memory_equal(medium + 7 * 512, g_buf, 1024);
}

static void test_full_queue_and_requests(void **state)
{
	struct spdkrt_nvme_io_qpair_opts qo;
	struct spdkrt_nvme_qpair *q;
	struct io_result r[8];
	int accepted = 0, rc = 0;

	(void)state;
	memset(r, 0, sizeof(r));
	spdkrt_nvme_io_qpair_opts_init(&qo, sizeof(qo));
	qo.io_queue_size = 4;     /* 3 commands on the ring */
	qo.io_queue_requests = 4; /* ... and one more waiting in software */
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, &qo, &q), 0);
	for (int i = 0; i < 8 && rc == 0; i++) {
		rc = spdkrt_nvme_ns_cmd_read(ns_of(NS_512), q, g_buf + i * 4096, (uint64_t)i, 1,
					     io_done, &r[i], 0);
		if (rc == 0)
			accepted++;
	}
	assert_int_equal(rc, -ENOMEM); /* at once, never blocking */
	assert_int_equal(accepted, 4);
	for (int i = 0; i < 100; i++) {
		srt_pci_model_poll_all();
		spdkrt_nvme_qpair_process_completions(q, 0);
	}
	for (int i = 0; i < accepted; i++) {
		assert_true(r[i].done);
		assert_false(spdkrt_nvme_cpl_is_error(&r[i].cpl));
	}
	assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(q), 0);
}

static void test_bad_io_arguments(void **state)
{
	struct spdkrt_nvme_ns *ns = ns_of(NS_512);
	struct io_result r = { 0 };
	uint8_t *heap = malloc(4096);
	struct nvme_model_stats before, after;

	(void)state;
	nvme_model_get_stats(g_model, &before);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, g_buf, NS_BLOCKS, 1, io_done, &r, 0),
			 -EINVAL);
	assert_logged("outside namespace");
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, g_buf, NS_BLOCKS - 1, 2, io_done, &r,
						 0),
			 -EINVAL);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, g_buf, UINT64_MAX, 2, io_done, &r, 0),
			 -EINVAL);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, g_buf, 0, 0, io_done, &r, 0),
			 -EINVAL);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, NULL, 0, 1, io_done, &r, 0), -EINVAL);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, g_buf, 0, 1, io_done, &r, 0xFFFF),
			 -EINVAL);
	assert_logged("io_flags");
	assert_int_equal(spdkrt_nvme_ns_cmd_read(NULL, g_qpair, g_buf, 0, 1, io_done, &r, 0),
			 -EINVAL);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, NULL, g_buf, 0, 1, io_done, &r, 0), -EINVAL);
	assert_int_equal(spdkrt_nvme_ns_cmd_readv(ns, g_qpair, 0, 1, io_done, &r, 0, NULL, NULL),
			 -EINVAL);
	/* Memory that is not DMA-safe: refused at submission, no callback (reported once). */
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, heap, 0, 1, io_done, &r, 0), -EFAULT);
	assert_logged("not DMA-safe");
	assert_false(poll_until(&r.done, 10));
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.io_commands, before.io_commands);
	free(heap);
}

/* Registers @p key on @p ns and acquires a reservation of @p rtype with it. */
static void register_and_acquire(struct spdkrt_nvme_ns *ns, uint64_t key, uint8_t rtype)
{
	struct spdkrt_nvme_reservation_register_data reg = { .crkey = 0, .nrkey = key };
	struct spdkrt_nvme_reservation_acquire_data acq = { .crkey = key };
	struct io_result r = { 0 };

	run(spdkrt_nvme_ns_cmd_reservation_register(
		    ns, g_qpair, &reg, false, SPDKRT_NVME_RESERVE_REGISTER_KEY,
		    SPDKRT_NVME_RESERVE_PTPL_NO_CHANGES, io_done, &r),
	    &r);
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_reservation_acquire(ns, g_qpair, &acq, false,
						   SPDKRT_NVME_RESERVE_ACQUIRE, rtype, io_done, &r),
	    &r);
}

static void test_reservations(void **state)
{
	struct spdkrt_nvme_ns *ns = ns_of(NS_512);
	struct spdkrt_nvme_reservation_key_data key = { .crkey = 0xABCD };
	struct io_result r = { 0 };
	uint8_t report[64];
	const struct spdkrt_nvme_reservation_status_data *st = (const void *)report;
	const struct spdkrt_nvme_registered_ctrlr_data *rc = (const void *)(report + sizeof(*st));

	(void)state;
	register_and_acquire(ns, 0xABCD, SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE);
	/* A report exactly the size of one registrant: NUMD 0-based, no overrun. */
	memset(report, 0xEE, sizeof(report));
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_reservation_report(ns, g_qpair, report, 48, io_done, &r), &r);
	assert_int_equal(st->rtype, SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE);
	assert_int_equal(st->regctl[0] | st->regctl[1] << 8, 1);
	assert_int_equal(rc->rkey, 0xABCD);
	assert_int_equal(rc->rcsts & 1, 1);
	assert_int_equal(report[48], 0xEE); /* nothing past the buffer */
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_reservation_release(
		    ns, g_qpair, &key, false, SPDKRT_NVME_RESERVE_RELEASE,
		    SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE, io_done, &r),
	    &r);
	/* A wrong key is a reservation conflict. */
	key.crkey = 1;
	memset(&r, 0, sizeof(r));
	assert_int_equal(spdkrt_nvme_ns_cmd_reservation_release(ns, g_qpair, &key, false,
								SPDKRT_NVME_RESERVE_CLEAR, 0,
								io_done, &r),
			 0);
	assert_true(poll_until(&r.done, 100));
	assert_int_equal(cpl_sc(&r.cpl), SPDKRT_NVME_SC_RESERVATION_CONFLICT);
	assert_int_equal(spdkrt_nvme_ns_cmd_reservation_report(ns, g_qpair, report, 22, io_done,
							       &r),
			 -EINVAL);
}

/* The extended report (EDS) with a 128-bit host id: entries after a 64-byte header, the whole
 * host id in each; another host's registration shows beside ours. */
static void test_reservation_report_extended(void **state)
{
	static const uint8_t hostid[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
					    0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xF0, 0x0F };
	struct spdkrt_nvme_ns *ns = ns_of(NS_512);
	const size_t hdr = SPDKRT_NVME_RESV_REPORT_EXT_HEADER_LEN;
	struct io_result r = { 0 };
	uint8_t report[64 + 2 * 64 + 8];
	const struct spdkrt_nvme_reservation_status_data *st = (const void *)report;
	const struct spdkrt_nvme_registered_ctrlr_extended_data *e = (const void *)(report + hdr);

	(void)state;
	/* Set Features Host Identifier, EXHID: a 128-bit host id. */
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_set_feature(g_ctrlr,
							   SPDKRT_NVME_FEAT_HOST_IDENTIFIER, 1, 0,
							   0, hostid, sizeof(hostid), io_done, &r),
			 0);
	assert_true(poll_until(&r.done, 2000));
	assert_false(spdkrt_nvme_cpl_is_error(&r.cpl));
	assert_int_equal(nvme_model_other_host_register(g_model, NS_512, 0x0BAD, 0x7777), 0);
	register_and_acquire(ns, 0x5EED, SPDKRT_NVME_RESERVE_EXCLUSIVE_ACCESS);
	memset(report, 0xEE, sizeof(report));
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_reservation_report_ext(ns, g_qpair, report, sizeof(report) - 8, true,
						      io_done, &r),
	    &r);
	assert_int_equal(st->rtype, SPDKRT_NVME_RESERVE_EXCLUSIVE_ACCESS);
	assert_int_equal(st->regctl[0] | st->regctl[1] << 8, 2);
	for (size_t i = sizeof(*st); i < hdr; i++)
		assert_int_equal(report[i], 0); /* reserved, not a registrant */
	assert_int_equal(e[0].rkey, 0x7777);
	assert_int_equal(e[0].rcsts & 1, 0);
	assert_int_equal(e[1].rkey, 0x5EED);
	assert_int_equal(e[1].rcsts & 1, 1);
	assert_memory_equal(e[1].hostid, hostid, 8);        /* the model keeps 64 bits of it */
	assert_int_equal(report[sizeof(report) - 8], 0xEE); /* nothing past the buffer */
	/* The plain form still has 24-byte entries right after the 24-byte header. */
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_reservation_report_ext(ns, g_qpair, report, 72, false, io_done, &r),
	    &r);
	assert_int_equal(((const struct spdkrt_nvme_registered_ctrlr_data *)(report + 24))->rkey,
			 0x7777);
	assert_int_equal(((const struct spdkrt_nvme_registered_ctrlr_data *)(report + 48))->rkey,
			 0x5EED);
	assert_int_equal(spdkrt_nvme_ns_cmd_reservation_report_ext(ns, g_qpair, report, 30, true,
								   io_done, &r),
			 -EINVAL);
}

static void add_ns_full(uint32_t nsid, uint8_t lbaf, bool extended, uint8_t pi)
{
	struct nvme_model_ns_opts o = {
		.nsid = nsid, .num_blocks = 2048, .lbaf = lbaf, .extended = extended, .pi_type = pi
	};
	struct spdkrt_nvme_ns *ns = NULL;

	assert_int_equal(nvme_model_add_ns(g_model, &o), 0);
	for (int i = 0; i < 400 && ns == NULL; i++) {
		bool no = false;

		poll_until(&no, 1);
		ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, nsid);
	}
	assert_non_null(ns);
}

static void test_metadata_and_protection(void **state)
{
	struct spdkrt_nvme_ns *sep, *ext, *pi;
	struct io_result r = { 0 };
	uint8_t *md = spdkrt_dma_zmalloc(600 * 8, 64, SPDKRT_ENV_SOCKET_ANY);
	uint8_t *medium, *meta;
	size_t size;

	(void)state;
	add_ns_full(3, 1, false, 0); /* 512 + 8, separate metadata */
	add_ns_full(4, 2, true, 0);  /* 512 + 16 interleaved (extended LBA) */
	add_ns_full(5, 1, false, 1); /* 512 + 8, PI type 1 */
	sep = ns_of(3);
	ext = ns_of(4);
	pi = ns_of(5);
	assert_int_equal(spdkrt_nvme_ns_get_md_size(sep), 8);
	assert_true(spdkrt_nvme_ns_supports_extended_lba(ext));
	assert_int_equal(spdkrt_nvme_ns_get_extended_sector_size(ext), 528);
	assert_int_equal(spdkrt_nvme_ns_get_pi_type(pi), SPDKRT_NVME_PI_TYPE1);

	/* Separate metadata, split at MDTS (256 blocks per command): the metadata follows. */
	fill(g_buf, 600 * 512, 41);
	fill(md, 600 * 8, 42);
	run(spdkrt_nvme_ns_cmd_write_with_md(sep, g_qpair, g_buf, md, 7, 600, io_done, &r, 0, 0, 0),
	    &r);
	medium = nvme_model_ns_data(g_model, 3, &size);
	meta = nvme_model_ns_metadata(g_model, 3, &size);
	assert_memory_equal(medium + 7 * 512, g_buf, 600 * 512);
	assert_memory_equal(meta + 7 * 8, md, 600 * 8);
	memset(md, 0, 600 * 8);
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_read_with_md(sep, g_qpair, g_buf, md, 7, 600, io_done, &r, 0, 0, 0),
	    &r);
	assert_memory_equal(meta + 7 * 8, md, 600 * 8);

	/* Extended LBA: 528 bytes per block in the buffer. */
	fill(g_buf, 3 * 528, 43);
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_write(ext, g_qpair, g_buf, 2, 3, io_done, &r, 0), &r);
	medium = nvme_model_ns_data(g_model, 4, &size);
	meta = nvme_model_ns_metadata(g_model, 4, &size);
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(medium + (2 + i) * 512, g_buf + i * 528, 512);
		assert_memory_equal(meta + (2 + i) * 16, g_buf + i * 528 + 512, 16);
	}

	/* PI type 1: the controller generates it (PRACT), a checked read needs the LBA as the
	 * initial reference tag in CDW14, and the metadata read back carries it. */
	fill(g_buf, 4 * 512, 44);
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_write_with_md(pi, g_qpair, g_buf, NULL, 100, 4, io_done, &r,
					     SPDKRT_NVME_IO_FLAGS_PRACT, 0, 0),
	    &r);
	memset(md, 0, 32);
	memset(&r, 0, sizeof(r));
	run(spdkrt_nvme_ns_cmd_read_with_md(
		    pi, g_qpair, g_buf + BIG, md, 100, 4, io_done, &r,
		    SPDKRT_NVME_IO_FLAGS_PRCHK_GUARD | SPDKRT_NVME_IO_FLAGS_PRCHK_REFTAG, 0, 0),
	    &r);
	assert_memory_equal(g_buf + BIG, g_buf, 4 * 512);
	for (int i = 0; i < 4; i++) {
		const struct spdkrt_nvme_protection_info *p = (const void *)(md + 8 * i);

		assert_int_equal(__builtin_bswap32(p->ref_tag), 100 + i);
	}
	spdkrt_dma_free(md);
}

struct nested {
	struct io_result r;
	int rc_io, rc_admin, rc_free;
};

static void nested_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct nested *n = arg;

	/* Processing the same queue from its own callback does nothing (no reentry), and the
	 * queue pair's free is deferred to the end of the outer call. */
	n->rc_io = spdkrt_nvme_qpair_process_completions(g_qpair, 0);
	n->rc_admin = spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr);
	n->rc_free = spdkrt_nvme_ctrlr_free_io_qpair(g_qpair);
	io_done(&n->r, cpl);
}

/*
 * The driver keeps recent translations per queue pair: memory freed, unregistered and mapped
 * again at the same address with another IOVA must not be read through a stale one.
 */
static void test_translation_after_remap(void **state)
{
	const size_t two_mib = (size_t)2 << 20;
	struct spdkrt_nvme_ns *ns = ns_of(NS_4K);
	struct nvme_model_stats stats;
	uint8_t *raw, *region, *medium;
	uint64_t iova[2];
	size_t size;

	(void)state;
	raw = mmap(NULL, 2 * two_mib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(raw != MAP_FAILED);
	region = (uint8_t *)(((uintptr_t)raw + two_mib - 1) & ~(two_mib - 1));
	medium = nvme_model_ns_data(g_model, NS_4K, &size);
	fill(medium, 16 * 4096, 9);
	for (int round = 0; round < 2; round++) {
		struct io_result r = { 0 };

		assert_int_equal(spdkrt_mem_register(region, two_mib), 0);
		iova[round] = spdkrt_vtophys(region, NULL);
		memset(region, 0, 16 * 4096);
		run(spdkrt_nvme_ns_cmd_read(ns, g_qpair, region, 0, 16, io_done, &r, 0), &r);
		assert_memory_equal(region, medium, 16 * 4096);
		assert_int_equal(spdkrt_mem_unregister(region, two_mib), 0);
	}
	assert_true(iova[0] != iova[1]); /* otherwise the test proves nothing */
	nvme_model_get_stats(g_model, &stats);
	assert_int_equal(stats.dma_errors, 0);
	/* The same for a DMA buffer freed and allocated again (the heap reuses the address). */
	for (int round = 0; round < 2; round++) {
		struct io_result r = { 0 };
		uint8_t *buf = spdkrt_dma_zmalloc(16 * 4096, 4096, SPDKRT_ENV_SOCKET_ANY);

		assert_non_null(buf);
		run(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 16, io_done, &r, 0), &r);
		assert_memory_equal(buf, medium, 16 * 4096);
		spdkrt_dma_free(buf);
	}
	nvme_model_get_stats(g_model, &stats);
	assert_int_equal(stats.dma_errors, 0);
	munmap(raw, 2 * two_mib);
}

static void test_callbacks_may_poll_and_free(void **state)
{
	struct nested n = { 0 };

	(void)state;
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns_of(NS_512), g_qpair, g_buf, 0, 1, nested_done,
						 &n, 0),
			 0);
	for (int i = 0; i < 100 && !n.r.done; i++) {
		srt_pci_model_poll_all();
		spdkrt_nvme_qpair_process_completions(g_qpair, 0);
	}
	assert_true(n.r.done);
	assert_int_equal(n.rc_io, 0);
	assert_true(n.rc_admin >= 0);
	assert_int_equal(n.rc_free, 0);
	g_qpair = NULL; /* freed when the outer call returned */
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
	assert_int_equal(spdkrt_nvme_qpair_get_id(g_qpair), 1); /* its id was given back */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read_on_the_medium, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_large_io_splits_at_mdts, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_many_children_beyond_255, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_single_iovec, io_setup, io_teardown),
		cmocka_unit_test_setup_teardown(test_scattered_with_sgl, io_setup, io_teardown),
		cmocka_unit_test_setup_teardown(test_scattered_with_prps, io_setup, io_teardown),
		cmocka_unit_test_setup_teardown(test_callback_sgl_form, io_setup, io_teardown),
		cmocka_unit_test_setup_teardown(test_write_zeroes_splits_at_65536, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_dsm_flush_compare, io_setup, io_teardown),
		cmocka_unit_test_setup_teardown(test_raw_io, io_setup, io_teardown),
		cmocka_unit_test_setup_teardown(test_full_queue_and_requests, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_bad_io_arguments, io_setup, io_teardown),
		cmocka_unit_test_setup_teardown(test_reservations, io_setup, io_teardown),
		cmocka_unit_test_setup_teardown(test_reservation_report_extended, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_metadata_and_protection, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_translation_after_remap, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_callbacks_may_poll_and_free, io_setup,
						io_teardown),
	};

	return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
