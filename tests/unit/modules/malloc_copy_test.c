/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The malloc bdev over the copy engine: copy=ioat runs its reads, writes and zeroing through
 * I/OAT channel models (the real driver), fails creation clearly without a channel, and passes a
 * verify workload (random writes read back and compared, many in flight) like bdevperf's.
 */
#include "harness.h"

#include "../../models/ioat/ioat_model.h"

#define BS 512
#define NUM_BLOCKS 8192

static const struct spdkrt_pci_addr g_addr = { 0, 0x80, 4, 0 };
static struct ioat_model *g_model;
/* The model, registered on the test thread, runs from its poll loop (the PCI layer's poller). */
static int setup(void **state)
{
	(void)state;
	return harness_setup();
}

static int teardown(void **state)
{
	(void)state;
	harness_teardown();
	return 0;
}

static uint64_t model_transfers(void)
{
	struct ioat_model_stats st;

	ioat_model_get_stats(g_model, &st);
	return st.copies + st.fills;
}

static void test_copy_option(void **state)
{
	struct spdkrt_bdev *bdev;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=M0,size_mb=1,copy=abacus", &bdev),
			 -EINVAL);
	assert_logged("unknown copy engine 'abacus'");
	/* No I/OAT channel: creation fails and says why. */
	assert_int_equal(spdkrt_bdev_create("malloc:name=M0,size_mb=1,copy=ioat", &bdev), -ENODEV);
	assert_logged("copy=ioat is not available");
	assert_null(spdkrt_bdev_get_by_name("M0"));
	/* copy=cpu is the default, and may be named. */
	assert_int_equal(spdkrt_bdev_create("malloc:name=M0,size_mb=1,copy=cpu", &bdev), 0);
	destroy_bdev("M0");
}

static void test_io_through_ioat(void **state)
{
	size_t len = 64 * 1024;
	char *wbuf = spdkrt_dma_malloc(len, 4096, SPDKRT_ENV_SOCKET_ANY);
	char *rbuf = spdkrt_dma_malloc(len, 4096, SPDKRT_ENV_SOCKET_ANY);
	char *plain = buf_alloc(len);
	struct iovec iov[3];
	struct spdkrt_bdev *bdev;
	struct open_bdev o;
	uint64_t before;

	(void)state;
	assert_int_equal(ioat_model_create(&g_addr, NULL, &g_model), 0);
	assert_int_equal(spdkrt_bdev_create("malloc:name=M1,size_mb=4,copy=ioat", &bdev), 0);
	open_bdev("M1", true, &o);

	fill_pattern(wbuf, len, 1, 0);
	before = model_transfers();
	assert_int_equal(SYNC_IO(spdkrt_bdev_write(o.desc, o.ch, wbuf, 4096, len, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read(o.desc, o.ch, rbuf, 4096, len, IO_CB)), 0);
	assert_memory_equal(rbuf, wbuf, len);
	assert_true(model_transfers() >= before + 2); /* the device moved the data */

	/* Several iovecs, one copy each, one completion. */
	memset(rbuf, 0, len);
	iov[0] = (struct iovec){ rbuf, 1000 };
	iov[1] = (struct iovec){ rbuf + 20000, 3000 };
	iov[2] = (struct iovec){ rbuf + 40000, 8192 - 4000 };
	assert_int_equal(SYNC_IO(spdkrt_bdev_readv_blocks(o.desc, o.ch, iov, 3, 8, 16, IO_CB)), 0);
	assert_memory_equal(rbuf, wbuf, 1000);
	assert_memory_equal(rbuf + 20000, wbuf + 1000, 3000);
	assert_memory_equal(rbuf + 40000, wbuf + 4000, 8192 - 4000);

	/* Zeroing by fill descriptors. */
	before = model_transfers();
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_zeroes_blocks(o.desc, o.ch, 10, 20, IO_CB)), 0);
	assert_true(model_transfers() > before);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read(o.desc, o.ch, rbuf, 4096, len, IO_CB)), 0);
	assert_memory_equal(rbuf, wbuf, 1024);
	assert_true(is_zero(rbuf + 1024, 20 * BS));
	assert_memory_equal(rbuf + 1024 + 20 * BS, wbuf + 1024 + 20 * BS, len - 1024 - 20 * BS);

	/* An application's plain memory still works (the CPU copies it). */
	fill_pattern(plain, len, 9, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write(o.desc, o.ch, plain, 0, len, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read(o.desc, o.ch, rbuf, 0, len, IO_CB)), 0);
	assert_memory_equal(rbuf, plain, len);

	close_bdev(&o);
	destroy_bdev("M1");
	ioat_model_destroy(g_model);
	g_model = NULL;
	spdkrt_dma_free(wbuf);
	spdkrt_dma_free(rbuf);
	free(plain);
}

/* The verify workload: each slot writes a block run, reads it back, compares, again. */
struct verify_slot {
	struct open_bdev *o;
	char *wbuf, *rbuf;
	uint64_t base; /* each slot has a region of its own: slots never overlap */
	uint64_t lba;
	uint32_t blocks;
	bool reading;
	int rounds;
	int *finished;
	int *errors;
	uint32_t seed;
};

#define SLOTS 16

static void slot_next(struct verify_slot *s);

static void slot_done(void *arg, int status)
{
	struct verify_slot *s = arg;

	if (status != 0)
		(*s->errors)++;
	if (!s->reading) {
		s->reading = true;
		memset(s->rbuf, 0, (size_t)s->blocks * BS);
		if (spdkrt_bdev_read_blocks(s->o->desc, s->o->ch, s->rbuf, s->lba, s->blocks,
					    slot_done, s) != 0)
			(*s->errors)++;
		return;
	}
	if (memcmp(s->rbuf, s->wbuf, (size_t)s->blocks * BS) != 0)
		(*s->errors)++;
	if (--s->rounds > 0)
		slot_next(s);
	else
		(*s->finished)++;
}

static void slot_next(struct verify_slot *s)
{
	s->seed = s->seed * 1103515245u + 12345u;
	s->blocks = 1 + (s->seed >> 8) % 64;
	s->lba = s->base + (s->seed >> 4) % (NUM_BLOCKS / SLOTS - 64);
	s->reading = false;
	fill_pattern(s->wbuf, (size_t)s->blocks * BS, s->seed, s->lba);
	if (spdkrt_bdev_write_blocks(s->o->desc, s->o->ch, s->wbuf, s->lba, s->blocks, slot_done,
				     s) != 0)
		(*s->errors)++;
}

static void test_verify_workload(void **state)
{
	struct verify_slot slots[SLOTS];
	int finished = 0, errors = 0;
	struct spdkrt_bdev *bdev;
	struct open_bdev o;

	(void)state;
	assert_int_equal(ioat_model_create(&g_addr, NULL, &g_model), 0);
	assert_int_equal(spdkrt_bdev_create("malloc:name=M2,num_blocks=8192,block_size=512,"
					    "copy=ioat",
					    &bdev),
			 0);
	open_bdev("M2", true, &o);
	for (int i = 0; i < SLOTS; i++) {
		slots[i] = (struct verify_slot){ .o = &o,
						 .base = (uint64_t)i * (NUM_BLOCKS / SLOTS),
						 .rounds = 25,
						 .finished = &finished,
						 .errors = &errors,
						 .seed = (uint32_t)i + 1 };
		slots[i].wbuf = spdkrt_dma_malloc(64 * BS, 4096, SPDKRT_ENV_SOCKET_ANY);
		slots[i].rbuf = spdkrt_dma_malloc(64 * BS, 4096, SPDKRT_ENV_SOCKET_ANY);
	}
	for (int i = 0; i < SLOTS; i++)
		slot_next(&slots[i]);
	poll_until(finished == SLOTS);
	assert_int_equal(errors, 0);
	close_bdev(&o);
	destroy_bdev("M2");
	ioat_model_destroy(g_model);
	g_model = NULL;
	for (int i = 0; i < SLOTS; i++) {
		spdkrt_dma_free(slots[i].wbuf);
		spdkrt_dma_free(slots[i].rbuf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_option),
		cmocka_unit_test(test_io_through_ioat),
		cmocka_unit_test(test_verify_workload),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
