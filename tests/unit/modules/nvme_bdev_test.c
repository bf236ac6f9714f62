/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The nvme bdev module (modules/nvme_*.c) through the public bdev API, over the real NVMe
 * driver and the register-level controller model: attach by spec, one bdev per namespace with
 * its geometry, data through iovecs, write zeroes, unmap, flush, compare, passthrough, NVMe
 * status carried to the completion, reset during I/O, hot removal during I/O, spec errors.
 */
#include "harness.h"

#include <spdkrt/bdev_module.h>
#include <spdkrt/nvme_spec.h>

#include "env/pci_sysfs.h"
#include "../../models/nvme/nvme_model.h"

#define SPEC "nvme:name=Nvme0,trtype=pcie,traddr=0000:0e:00.0,admin_poll_us=0"
#define NS_BLOCKS 4096

static struct nvme_model *g_model;

struct create_wait {
	bool done;
	int status;
	size_t count;
	char names[4][64];
};

static void create_cb(void *ctx, int status, struct spdkrt_bdev *const *bdevs, size_t count)
{
	struct create_wait *w = ctx;

	w->done = true;
	w->status = status;
	w->count = count;
	for (size_t i = 0; i < count && i < 4; i++)
		snprintf(w->names[i], sizeof(w->names[i]), "%s", spdkrt_bdev_get_name(bdevs[i]));
}

static void model_add(uint32_t nsid, uint8_t lbaf, uint8_t pi_type)
{
	struct nvme_model_ns_opts o = {
		.nsid = nsid, .num_blocks = NS_BLOCKS, .lbaf = lbaf, .pi_type = pi_type
	};

	assert_int_equal(nvme_model_add_ns(g_model, &o), 0);
}

static int setup(void **state)
{
	(void)state;
	/* No real PCI functions: only the model is seen. */
	assert_int_equal(srt_pci_sysfs_set_root("/nonexistent-spdkrt-sysfs"), 0);
	harness_setup();
	/* Created on the test thread: the model runs from a poller there. */
	assert_int_equal(nvme_model_create(NULL, &g_model), 0);
	model_add(1, 0, 0); /* 512 */
	model_add(2, 3, 0); /* 4096 */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nvme_model_destroy(g_model);
	g_model = NULL;
	harness_teardown();
	return 0;
}

static void attach(const char *spec, struct create_wait *w)
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(spdkrt_bdev_create_async(spec, create_cb, w), 0);
	poll_until(w->done);
}

/* Destroys every bdev of Nvme0 and waits for the controller to detach. */
static void detach_all(void)
{
	log_capture_clear();
	if (spdkrt_bdev_get_by_name("Nvme0n1") != NULL)
		destroy_bdev("Nvme0n1");
	if (spdkrt_bdev_get_by_name("Nvme0n2") != NULL)
		destroy_bdev("Nvme0n2");
	poll_until(strstr(g_log_capture.text, "controller detached") != NULL);
}

static void *dma_buf(size_t size)
{
	void *p = spdkrt_dma_malloc(size, 4096, SPDKRT_ENV_SOCKET_ANY);

	assert_non_null(p);
	return p;
}

static void test_attach_geometry(void **state)
{
	struct create_wait w;
	struct spdkrt_bdev *b1, *b2;

	(void)state;
	attach(SPEC, &w);
	assert_int_equal(w.status, 0);
	assert_int_equal(w.count, 2);
	assert_string_equal(w.names[0], "Nvme0n1");
	assert_string_equal(w.names[1], "Nvme0n2");
	b1 = spdkrt_bdev_get_by_name("Nvme0n1");
	b2 = spdkrt_bdev_get_by_name("Nvme0n2");
	assert_non_null(b1);
	assert_non_null(b2);
	assert_int_equal(spdkrt_bdev_get_block_size(b1), 512);
	assert_int_equal(spdkrt_bdev_get_num_blocks(b1), NS_BLOCKS);
	assert_int_equal(spdkrt_bdev_get_block_size(b2), 4096);
	assert_true(spdkrt_bdev_io_type_supported(b1, SPDKRT_BDEV_IO_UNMAP));
	assert_true(spdkrt_bdev_io_type_supported(b1, SPDKRT_BDEV_IO_RESET));
	assert_true(spdkrt_bdev_io_type_supported(b1, SPDKRT_BDEV_IO_NVME_IO));
	assert_false(spdkrt_bdev_io_type_supported(b1, SPDKRT_BDEV_IO_COMPARE_AND_WRITE));
	/* a second attach of the same name is refused at once */
	assert_int_equal(spdkrt_bdev_create_async(SPEC, create_cb, &w), -EEXIST);
	detach_all();
	assert_null(spdkrt_bdev_get_by_name("Nvme0n1"));
}

/* Writes through two iovecs, reads back through three, checks the model's media. */
static void rw_roundtrip(const char *name, uint32_t bs)
{
	struct open_bdev o;
	size_t len = 8 * (size_t)bs;
	uint8_t *w = dma_buf(len), *r = dma_buf(len), *media;
	struct iovec wiov[2] = { { w, 3 * (size_t)bs }, { w + 3 * bs, 5 * (size_t)bs } };
	struct iovec riov[3] = { { r, (size_t)bs },
				 { r + bs, 4 * (size_t)bs },
				 { r + 5 * bs, 3 * (size_t)bs } };
	size_t size;

	open_bdev(name, true, &o);
	fill_pattern(w, len, bs, 0);
	memset(r, 0xee, len);
	assert_int_equal(SYNC_IO(spdkrt_bdev_writev_blocks(o.desc, o.ch, wiov, 2, 100, 8, IO_CB)),
			 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_readv_blocks(o.desc, o.ch, riov, 3, 100, 8, IO_CB)),
			 0);
	assert_memory_equal(w, r, len);
	media = nvme_model_ns_data(g_model, (uint32_t)(name[strlen(name) - 1] - '0'), &size);
	assert_memory_equal(media + 100 * (size_t)bs, w, len);
	/* beyond the end: refused by the core */
	assert_int_not_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, r, NS_BLOCKS, 1, IO_CB)),
			     0);
	close_bdev(&o);
	spdkrt_dma_free(w);
	spdkrt_dma_free(r);
}

static void test_read_write(void **state)
{
	struct create_wait w;

	(void)state;
	attach(SPEC, &w);
	assert_int_equal(w.status, 0);
	rw_roundtrip("Nvme0n1", 512);
	rw_roundtrip("Nvme0n2", 4096);
	detach_all();
}

/* A large read is one bdev I/O that the driver splits at MDTS (128 KiB in the model). */
static void test_large_io(void **state)
{
	struct create_wait w;
	struct open_bdev o;
	size_t len = 1024 * 512;
	uint8_t *wb, *rb;

	(void)state;
	attach(SPEC, &w);
	open_bdev("Nvme0n1", true, &o);
	wb = dma_buf(len);
	rb = dma_buf(len);
	fill_pattern(wb, len, 7, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, wb, 0, 1024, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, rb, 0, 1024, IO_CB)), 0);
	assert_memory_equal(wb, rb, len);
	close_bdev(&o);
	spdkrt_dma_free(wb);
	spdkrt_dma_free(rb);
	detach_all();
}

static void test_zeroes_unmap_flush_compare(void **state)
{
	struct create_wait w;
	struct open_bdev o;
	uint8_t *buf, *media;
	size_t size;
	struct spdkrt_bdev_range ranges[2] = { { 20, 4 }, { 40, 2 } };

	(void)state;
	attach(SPEC, &w);
	open_bdev("Nvme0n1", true, &o);
	buf = dma_buf(64 * 512);
	media = nvme_model_ns_data(g_model, 1, &size);
	memset(buf, 0x5a, 64 * 512);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, buf, 0, 64, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_zeroes_blocks(o.desc, o.ch, 4, 8, IO_CB)), 0);
	assert_true(is_zero(media + 4 * 512, 8 * 512));
	assert_int_equal(media[3 * 512], 0x5a);
	assert_int_equal(media[12 * 512], 0x5a);
	assert_int_equal(SYNC_IO(spdkrt_bdev_unmap_ranges(o.desc, o.ch, ranges, 2, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_flush_blocks(o.desc, o.ch, 0, NS_BLOCKS, IO_CB)), 0);
	/* compare: equal, then different (COMPARE FAILURE is -EILSEQ) */
	memset(buf, 0x5a, 512);
	assert_int_equal(SYNC_IO(spdkrt_bdev_compare_blocks(o.desc, o.ch, buf, 60, 1, IO_CB)), 0);
	buf[17] = 0;
	assert_int_equal(SYNC_IO(spdkrt_bdev_compare_blocks(o.desc, o.ch, buf, 60, 1, IO_CB)),
			 -EILSEQ);
	close_bdev(&o);
	spdkrt_dma_free(buf);
	detach_all();
}

struct status_wait {
	bool done;
	int status;
	struct spdkrt_io_channel *ch;
	struct spdkrt_bdev_nvme_status nvme;
};

static void status_cb(void *arg, int status)
{
	struct status_wait *s = arg;

	s->done = true;
	s->status = status;
	assert_int_equal(spdkrt_bdev_get_nvme_status(s->ch, status, &s->nvme), 0);
}

static void test_passthru_and_status(void **state)
{
	struct create_wait w;
	struct open_bdev o;
	struct spdkrt_nvme_cmd cmd;
	struct status_wait s;
	struct nvme_model_fault f = { .kind = NVME_MODEL_FAULT_STATUS,
				      .qid = NVME_MODEL_ANY_QID,
				      .opcode = SPDKRT_NVME_OPC_READ,
				      .count = 1,
				      .sct = SPDKRT_NVME_SCT_MEDIA_ERROR,
				      .sc = 0x81,
				      .dnr = true };
	uint8_t *buf, *media;
	size_t size;

	(void)state;
	attach(SPEC, &w);
	open_bdev("Nvme0n2", true, &o);
	buf = dma_buf(4096);
	/* admin passthrough: Identify Controller */
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = SPDKRT_NVME_OPC_IDENTIFY;
	cmd.cdw10 = SPDKRT_NVME_IDENTIFY_CTRLR;
	assert_int_equal(
		SYNC_IO(spdkrt_bdev_nvme_admin_passthru(o.desc, o.ch, &cmd, buf, 4096, IO_CB)), 0);
	assert_memory_equal(buf, nvme_model_identify_ctrlr(g_model), 4096);
	/* I/O passthrough: a raw write of block 9; the nsid is the bdev's whatever was given */
	memset(buf, 0xc3, 4096);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = SPDKRT_NVME_OPC_WRITE;
	cmd.nsid = 1;
	cmd.cdw10 = 9;
	assert_int_equal(
		SYNC_IO(spdkrt_bdev_nvme_io_passthru(o.desc, o.ch, &cmd, buf, 4096, IO_CB)), 0);
	media = nvme_model_ns_data(g_model, 2, &size);
	assert_int_equal(media[9 * 4096], 0xc3);
	assert_int_equal(media[9 * 4096 + 4095], 0xc3);
	/* an NVMe error reaches the user with its status */
	assert_int_equal(nvme_model_inject(g_model, &f), 0);
	memset(&s, 0, sizeof(s));
	s.ch = o.ch;
	assert_int_equal(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 0, 1, status_cb, &s), 0);
	poll_until(s.done);
	assert_int_equal(s.status, -EIO);
	assert_int_equal(s.nvme.sct, SPDKRT_NVME_SCT_MEDIA_ERROR);
	assert_int_equal(s.nvme.sc, 0x81);
	assert_int_equal(s.nvme.dnr, 1);
	close_bdev(&o);
	spdkrt_dma_free(buf);
	detach_all();
}

struct many {
	int done;
	int failed;
};

static void many_cb(void *arg, int status)
{
	struct many *m = arg;

	m->done++;
	if (status != 0)
		m->failed++;
}

/* A reset while I/O is queued: the core drains, the controller resets, I/O goes on. */
static void test_reset_during_io(void **state)
{
	struct create_wait w;
	struct open_bdev o;
	struct many m = { 0, 0 };
	struct io_wait rw = { false, 0 };
	uint8_t *buf;

	(void)state;
	attach(SPEC, &w);
	open_bdev("Nvme0n1", true, &o);
	buf = dma_buf(16 * 4096);
	for (int i = 0; i < 16; i++)
		assert_int_equal(spdkrt_bdev_write_blocks(o.desc, o.ch, buf + i * 4096, i * 8, 8,
							  many_cb, &m),
				 0);
	assert_int_equal(spdkrt_bdev_reset(o.desc, o.ch, io_wait_cb, &rw), 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(o.desc, o.ch, buf + i * 4096, i * 8, 8,
							 many_cb, &m),
				 0);
	poll_until(rw.done && m.done == 32);
	assert_int_equal(rw.status, 0);
	assert_int_equal(m.failed, 0);
	assert_logged("resetting");
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 0, 8, IO_CB)), 0);
	close_bdev(&o);
	spdkrt_dma_free(buf);
	detach_all();
}

/* Surprise removal with I/O in flight: errors, REMOVE, bdevs gone, controller detached. */
static void test_hot_remove_during_io(void **state)
{
	struct create_wait w;
	struct open_bdev o1, o2;
	struct many m = { 0, 0 };
	uint8_t *buf;

	(void)state;
	attach(SPEC, &w);
	open_bdev("Nvme0n1", true, &o1);
	open_bdev("Nvme0n2", false, &o2);
	buf = dma_buf(8 * 4096);
	for (int i = 0; i < 8; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(o1.desc, o1.ch, buf + i * 4096, i * 8, 8,
							 many_cb, &m),
				 0);
	log_capture_clear();
	nvme_model_surprise_remove(g_model);
	poll_until(m.done == 8 && o1.events.removes == 1 && o2.events.removes == 1);
	assert_int_equal(m.failed, 8);
	/* new I/O fails at once */
	assert_int_not_equal(SYNC_IO(spdkrt_bdev_read_blocks(o1.desc, o1.ch, buf, 0, 1, IO_CB)), 0);
	close_bdev(&o1);
	close_bdev(&o2);
	poll_until(strstr(g_log_capture.text, "controller detached") != NULL);
	assert_null(spdkrt_bdev_get_by_name("Nvme0n1"));
	assert_null(spdkrt_bdev_get_by_name("Nvme0n2"));
	spdkrt_dma_free(buf);
}

/*
 * Two threads, two namespaces each: one I/O queue pair per thread for the controller (not per
 * bdev). Each thread writes then reads back its own blocks of both bdevs at queue depth 8.
 */
#define VERIFY_IOS 8

struct thread_io {
	struct spdkrt_thread *thread;
	struct open_bdev o[2];
	uint8_t *wbuf[2], *rbuf[2];
	struct many m;
};

/* Polls both threads until their I/O counts reach want. */
static void poll_both(struct thread_io *t, int want)
{
	uint64_t deadline = spdkrt_get_ticks() + WAIT_SECONDS * spdkrt_get_ticks_hz();

	while (t[0].m.done + t[1].m.done < want) {
		spdkrt_set_thread(t[1].thread);
		spdkrt_thread_poll(t[1].thread, 0, 0);
		spdkrt_set_thread(g_thread);
		spdkrt_thread_poll(g_thread, 0, 0);
		if (spdkrt_get_ticks() > deadline)
			fail_msg("two-thread I/O did not finish");
	}
}

static void test_two_threads_one_qpair_each(void **state)
{
	static const char *const names[2] = { "Nvme0n1", "Nvme0n2" };
	struct thread_io t[2];
	struct create_wait w;
	struct nvme_model_stats st;
	uint16_t qids[64];
	size_t n;
	bool seen[3] = { false, false, false };
	int total = 0;

	(void)state;
	attach(SPEC, &w);
	memset(t, 0, sizeof(t));
	t[0].thread = g_thread;
	assert_int_equal(spdkrt_thread_create("second", &t[1].thread), 0);
	for (int i = 0; i < 2; i++) {
		spdkrt_set_thread(t[i].thread);
		for (int b = 0; b < 2; b++) {
			open_bdev(names[b], true, &t[i].o[b]);
			t[i].wbuf[b] = dma_buf(VERIFY_IOS * 4096);
			t[i].rbuf[b] = dma_buf(VERIFY_IOS * 4096);
			fill_pattern(t[i].wbuf[b], VERIFY_IOS * 4096, (uint32_t)(i * 2 + b), 0);
		}
	}
	spdkrt_set_thread(g_thread);
	nvme_model_get_stats(g_model, &st);
	assert_int_equal(st.io_queues_created, 4); /* a CQ and an SQ per thread */
	nvme_model_reset_trace(g_model);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 2; i++) {
			spdkrt_set_thread(t[i].thread);
			for (int b = 0; b < 2; b++) {
				uint32_t bs = b == 0 ? 512 : 4096;
				uint32_t per = 4096 / bs;

				for (int k = 0; k < VERIFY_IOS; k++) {
					uint64_t lba = (uint64_t)(i * VERIFY_IOS + k) * per;
					uint8_t *buf = (pass == 0 ? t[i].wbuf[b] : t[i].rbuf[b]) +
						       k * 4096;
					int rc = pass == 0 ?
							 spdkrt_bdev_write_blocks(t[i].o[b].desc,
										  t[i].o[b].ch, buf,
										  lba, per, many_cb,
										  &t[i].m) :
							 spdkrt_bdev_read_blocks(t[i].o[b].desc,
										 t[i].o[b].ch, buf,
										 lba, per, many_cb,
										 &t[i].m);

					assert_int_equal(rc, 0);
					total++;
				}
			}
		}
		spdkrt_set_thread(g_thread);
		poll_both(t, total);
	}
	assert_int_equal(t[0].m.failed + t[1].m.failed, 0);
	for (int i = 0; i < 2; i++)
		for (int b = 0; b < 2; b++)
			assert_memory_equal(t[i].wbuf[b], t[i].rbuf[b], VERIFY_IOS * 4096);
	n = nvme_model_exec_trace(g_model, qids, 64);
	assert_true(n > 0);
	for (size_t k = 0; k < n; k++) {
		assert_true(qids[k] >= 1 && qids[k] <= 2);
		seen[qids[k]] = true;
	}
	assert_true(seen[1] && seen[2]);
	for (int i = 0; i < 2; i++) {
		spdkrt_set_thread(t[i].thread);
		for (int b = 0; b < 2; b++) {
			spdkrt_put_io_channel(t[i].o[b].ch);
			spdkrt_bdev_close(t[i].o[b].desc);
			spdkrt_dma_free(t[i].wbuf[b]);
			spdkrt_dma_free(t[i].rbuf[b]);
		}
	}
	spdkrt_set_thread(t[1].thread);
	spdkrt_thread_exit(t[1].thread);
	while (!spdkrt_thread_is_exited(t[1].thread)) {
		spdkrt_thread_poll(t[1].thread, 0, 0);
		spdkrt_set_thread(g_thread);
		spdkrt_thread_poll(g_thread, 0, 0);
		spdkrt_set_thread(t[1].thread);
	}
	spdkrt_set_thread(NULL);
	assert_int_equal(spdkrt_thread_destroy(t[1].thread), 0);
	spdkrt_set_thread(g_thread);
	detach_all();
}

/* A command the controller never completes: the I/O timeout aborts it, the user sees it end. */
static void test_timeout_abort(void **state)
{
	struct create_wait w;
	struct open_bdev o;
	struct status_wait s;
	struct nvme_model_fault f = { .kind = NVME_MODEL_FAULT_DROP,
				      .qid = NVME_MODEL_ANY_QID,
				      .opcode = SPDKRT_NVME_OPC_READ,
				      .count = 1 };
	struct nvme_model_stats st;
	uint8_t *buf;

	(void)state;
	attach(SPEC ",timeout_us=20000,timeout_action=abort", &w);
	assert_int_equal(w.status, 0);
	open_bdev("Nvme0n1", false, &o);
	buf = dma_buf(4096);
	assert_int_equal(nvme_model_inject(g_model, &f), 0);
	memset(&s, 0, sizeof(s));
	s.ch = o.ch;
	assert_int_equal(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 0, 8, status_cb, &s), 0);
	poll_until(s.done);
	assert_int_equal(s.status, -ECANCELED);
	assert_logged("timed out");
	nvme_model_get_stats(g_model, &st);
	assert_int_equal(st.aborts_done, 1);
	/* the bdev goes on */
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 0, 8, IO_CB)), 0);
	close_bdev(&o);
	spdkrt_dma_free(buf);
	detach_all();
}

static uint64_t model_enables(void)
{
	struct nvme_model_stats st;

	nvme_model_get_stats(g_model, &st);
	return st.enables;
}

/*
 * timeout_action=reset: a read the controller never completes times out; the abort runs but
 * its completion is lost (the admin timeout fires for it), so the controller is reset: the
 * read ends once with an error, the channel's queue pair comes back, I/O goes on.
 */
static void test_timeout_reset(void **state)
{
	struct create_wait w;
	struct open_bdev o;
	struct status_wait s;
	struct nvme_model_fault read_lost = { .kind = NVME_MODEL_FAULT_DROP,
					      .qid = NVME_MODEL_ANY_QID,
					      .opcode = SPDKRT_NVME_OPC_READ,
					      .count = 1 };
	struct nvme_model_fault abort_lost = {
		.kind = NVME_MODEL_FAULT_DROP, .qid = 0, .opcode = SPDKRT_NVME_OPC_ABORT, .count = 1
	};
	struct nvme_model_stats before, after;
	uint8_t *buf;

	(void)state;
	attach(SPEC ",timeout_us=20000,timeout_action=reset", &w);
	assert_int_equal(w.status, 0);
	open_bdev("Nvme0n1", false, &o);
	buf = dma_buf(4096);
	nvme_model_get_stats(g_model, &before);
	assert_int_equal(nvme_model_inject(g_model, &read_lost), 0);
	assert_int_equal(nvme_model_inject(g_model, &abort_lost), 0);
	memset(&s, 0, sizeof(s));
	s.ch = o.ch;
	assert_int_equal(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 0, 8, status_cb, &s), 0);
	poll_until(s.done);
	assert_int_not_equal(s.status, 0);
	assert_int_equal(s.nvme.sct, SPDKRT_NVME_SCT_GENERIC);
	assert_int_equal(s.nvme.sc, SPDKRT_NVME_SC_ABORTED_BY_REQUEST);
	poll_until(strstr(g_log_capture.text, "resetting the controller") != NULL);
	poll_until(model_enables() == before.enables + 1);
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.aborts_done, before.aborts_done + 1);
	/* the queue pair is re-created and the bdev goes on */
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 0, 8, IO_CB)), 0);
	/* The reset ended the lost Abort: that asks for no second reset. */
	assert_null(strstr(g_log_capture.text, "the abort of a timed-out command failed"));
	assert_null(strstr(g_log_capture.text, "reset refused"));
	assert_int_equal(model_enables(), before.enables + 1);
	close_bdev(&o);
	spdkrt_dma_free(buf);
	detach_all();
}

/* Namespaces added and removed at run time (namespace-attribute-changed events) follow. */
static void test_namespace_hot_add_remove(void **state)
{
	struct create_wait w;
	struct open_bdev o;

	(void)state;
	attach(SPEC, &w);
	assert_int_equal(w.count, 2);
	model_add(3, 0, 0);
	poll_until(spdkrt_bdev_get_by_name("Nvme0n3") != NULL);
	rw_roundtrip("Nvme0n3", 512);
	open_bdev("Nvme0n1", false, &o);
	assert_int_equal(nvme_model_remove_ns(g_model, 1), 0);
	poll_until(o.events.removes == 1);
	close_bdev(&o);
	poll_until(spdkrt_bdev_get_by_name("Nvme0n1") == NULL);
	assert_non_null(spdkrt_bdev_get_by_name("Nvme0n2"));
	destroy_bdev("Nvme0n3");
	detach_all();
}

/* spdkrt_bdev_create() (bdevperf, the target's config) attaches synchronously: the first bdev. */
static void test_sync_create(void **state)
{
	struct spdkrt_bdev *bdev = NULL;

	(void)state;
	assert_int_equal(spdkrt_bdev_create(SPEC, &bdev), 0);
	assert_non_null(bdev);
	assert_string_equal(spdkrt_bdev_get_name(bdev), "Nvme0n1");
	assert_non_null(spdkrt_bdev_get_by_name("Nvme0n2"));
	rw_roundtrip("Nvme0n2", 4096);
	assert_int_not_equal(
		spdkrt_bdev_create("nvme:name=Y,trtype=pcie,traddr=0000:0f:00.0", &bdev), 0);
	detach_all();
}

static void test_spec_errors(void **state)
{
	struct create_wait w = { 0 };

	(void)state;
	assert_int_equal(spdkrt_bdev_create_async("nvme:name=X,trtype=pcie", create_cb, &w),
			 -EINVAL);
	assert_logged("traddr");
	assert_int_equal(
		spdkrt_bdev_create_async("nvme:name=X,trtype=pcie,traddr=0000:0e:00.0,bogus=1",
					 create_cb, &w),
		-EINVAL);
	assert_logged("bogus");
	assert_int_equal(spdkrt_bdev_create_async("nvme:name=X,trtype=rdma,traddr=1.2.3.4",
						  create_cb, &w),
			 -ENOTSUP);
	assert_int_equal(
		spdkrt_bdev_create_async(
			"nvme:name=X,trtype=pcie,traddr=0000:0e:00.0,timeout_action=explode",
			create_cb, &w),
		-EINVAL);
	assert_int_equal(spdkrt_bdev_create_async(
				 "nvme:name=X,trtype=pcie,traddr=0000:0e:00.0,io_queue_size=1",
				 create_cb, &w),
			 -EINVAL);
	/* The NVMe/TCP form: everything that names the subsystem is required and checked. */
	assert_int_equal(spdkrt_bdev_create_async("nvme:name=X,trtype=tcp,traddr=127.0.0.1,"
						  "trsvcid=4420",
						  create_cb, &w),
			 -EINVAL);
	assert_logged("subnqn");
	assert_int_equal(spdkrt_bdev_create_async("nvme:name=X,trtype=tcp,adrfam=ipx,"
						  "traddr=127.0.0.1,trsvcid=4420,subnqn=nqn.a:b",
						  create_cb, &w),
			 -EINVAL);
	assert_logged("adrfam");
	assert_int_equal(
		spdkrt_bdev_create_async("nvme:name=X,trtype=tcp,traddr=127.0.0.1,trsvcid=4420,"
					 "subnqn=nqn.2014-08.org.nvmexpress.discovery",
					 create_cb, &w),
		-EINVAL);
	assert_logged("discovery NQN");
	assert_int_equal(spdkrt_bdev_create_async("nvme:name=X,trtype=tcp,traddr=127.0.0.1,"
						  "trsvcid=4420,subnqn=nqn.a:b,hdgst=maybe",
						  create_cb, &w),
			 -EINVAL);
	assert_logged("hdgst");
	/* Reconnect options: SPDK's names, -1 only for the loss timeout, fast fail within it. */
	assert_int_equal(spdkrt_bdev_create_async("nvme:name=X,trtype=tcp,traddr=127.0.0.1,"
						  "trsvcid=4420,subnqn=nqn.a:b,"
						  "ctrlr_loss_timeout_sec=-2",
						  create_cb, &w),
			 -EINVAL);
	assert_logged("ctrlr_loss_timeout_sec");
	assert_int_equal(spdkrt_bdev_create_async("nvme:name=X,trtype=tcp,traddr=127.0.0.1,"
						  "trsvcid=4420,subnqn=nqn.a:b,"
						  "reconnect_delay_sec=-1",
						  create_cb, &w),
			 -EINVAL);
	assert_logged("reconnect_delay_sec");
	assert_int_equal(spdkrt_bdev_create_async("nvme:name=X,trtype=tcp,traddr=127.0.0.1,"
						  "trsvcid=4420,subnqn=nqn.a:b,"
						  "reconnect_delay_sec=1,ctrlr_loss_timeout_sec=5,"
						  "fast_io_fail_timeout_sec=6",
						  create_cb, &w),
			 -EINVAL);
	assert_logged("fast_io_fail_timeout_sec");
	assert_false(w.done);
	/* no controller at that address: the creation fails later, through the callback */
	attach("nvme:name=X,trtype=pcie,traddr=0000:0f:00.0", &w);
	assert_true(w.status < 0);
	assert_int_equal(w.count, 0);
	assert_null(spdkrt_bdev_get_by_name("Xn1"));
}

/* A namespace the bdev layer cannot express (extended LBA) is skipped; the others work. */
static void test_unsupported_namespace_skipped(void **state)
{
	struct create_wait w;
	struct nvme_model_ns_opts o = {
		.nsid = 3, .num_blocks = NS_BLOCKS, .lbaf = 1, .extended = true
	};

	(void)state;
	assert_int_equal(nvme_model_add_ns(g_model, &o), 0);
	attach(SPEC, &w);
	assert_int_equal(w.status, 0);
	assert_int_equal(w.count, 2);
	assert_null(spdkrt_bdev_get_by_name("Nvme0n3"));
	assert_logged("Nvme0n3");
	rw_roundtrip("Nvme0n2", 4096);
	detach_all();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attach_geometry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zeroes_unmap_flush_compare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passthru_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_during_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_remove_during_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_threads_one_qpair_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_namespace_hot_add_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spec_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_namespace_skipped, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
