/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Copies and fills (libspdkrt/ioat/submit.c) through the real driver and the channel model:
 * every size from 1 byte to many MiB, splits at XFERCAP and at IOVA discontinuities (the heap
 * env gives every 4 KiB page of a buffer its own IOVA), unaligned buffers, ring wrap and full
 * ring, batching with flush, and bad input that must be refused before reaching the device.
 */
#include "ioat_fixture.h"

#define MIB (1024 * 1024)

static struct ioat_rig g_rig;

static int rig_setup(void **state)
{
	struct ioat_model_opts opts = { .xfercap = 16 }; /* 64 KiB: splits come early */

	(void)state;
	rig_up(&g_rig, &g_addr0, &opts);
	return 0;
}

static int rig_teardown(void **state)
{
	(void)state;
	rig_down(&g_rig);
	return 0;
}

static uint64_t model_descriptors(void)
{
	struct ioat_model_stats st;

	ioat_model_get_stats(g_rig.model, &st);
	return st.descriptors;
}

/* Copy n bytes between buffers at the given offsets; check every byte and the split. */
static void copy_and_check(size_t n, size_t src_off, size_t dst_off)
{
	char *src = spdkrt_dma_malloc(n + src_off + 1, 64, SPDKRT_ENV_SOCKET_ANY);
	char *dst = spdkrt_dma_malloc(n + dst_off + 1, 64, SPDKRT_ENV_SOCKET_ANY);
	uint64_t before = model_descriptors(), used;
	size_t pages = (n + 4095) / 4096;
	struct req r = { 0 };

	assert_non_null(src);
	assert_non_null(dst);
	fill_random(src, n + src_off + 1, (unsigned)n);
	memset(dst, 0x5A, n + dst_off + 1);
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &r, req_done, dst + dst_off,
						 src + src_off, n),
			 0);
	run_until(&g_rig, r.calls > 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.status, 0);
	assert_memory_equal(dst + dst_off, src + src_off, n);
	for (size_t i = 0; i < dst_off; i++)
		assert_int_equal(dst[i], 0x5A);
	assert_int_equal(dst[dst_off + n], 0x5A);
	/* One descriptor per piece: at most one per page of either buffer and per maximum
	 * transfer (64 KiB), at least as many as the maximum transfer needs. */
	used = model_descriptors() - before;
	assert_true(used >= (n + 65535) / 65536);
	assert_true(used <= 2 * (pages + 1) + n / 65536);
	spdkrt_dma_free(src);
	spdkrt_dma_free(dst);
}

static void test_copy_every_size(void **state)
{
	static const size_t sizes[] = { 1,           2,       3,           7,     8,     9,
					63,          64,      65,          511,   4095,  4096,
					4097,        8191,    8192,        65535, 65536, 65537,
					1 * MIB + 3, 3 * MIB, 9 * MIB + 11 };
	size_t i;

	(void)state;
	for (i = 1; i <= 300; i++)
		copy_and_check(i, 0, 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		copy_and_check(sizes[i], 0, 0);
		copy_and_check(sizes[i], 3, 61);
		copy_and_check(sizes[i], 4093, 7);
	}
}

static void test_copy_splits_at_page_boundaries(void **state)
{
	char *src = spdkrt_dma_malloc(3 * 4096, 4096, SPDKRT_ENV_SOCKET_ANY);
	char *dst = spdkrt_dma_malloc(3 * 4096, 4096, SPDKRT_ENV_SOCKET_ANY);
	uint64_t before = model_descriptors();
	struct req r = { 0 };

	(void)state;
	fill_random(src, 3 * 4096, 7);
	/* 4 KiB crossing one page boundary of each buffer, at different places: 3 pieces. */
	assert_int_equal(
		spdkrt_ioat_submit_copy(g_rig.chan, &r, req_done, dst + 1000, src + 2000, 4096), 0);
	run_until(&g_rig, r.calls > 0);
	assert_int_equal(r.status, 0);
	assert_memory_equal(dst + 1000, src + 2000, 4096);
	assert_int_equal(model_descriptors() - before, 3);
	spdkrt_dma_free(src);
	spdkrt_dma_free(dst);
}

static void fill_and_check(size_t n, size_t off, uint64_t pattern)
{
	uint8_t *dst = spdkrt_dma_malloc(n + off + 1, 64, SPDKRT_ENV_SOCKET_ANY);
	struct req r = { 0 };

	assert_non_null(dst);
	memset(dst, 0xA5, n + off + 1);
	assert_int_equal(spdkrt_ioat_submit_fill(g_rig.chan, &r, req_done, dst + off, pattern, n),
			 0);
	run_until(&g_rig, r.calls > 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.status, 0);
	for (size_t i = 0; i < n; i++)
		if (dst[off + i] != (uint8_t)(pattern >> (8 * (i % 8))))
			fail_msg("fill of %zu at +%zu: byte %zu is 0x%02x", n, off, i,
				 dst[off + i]);
	for (size_t i = 0; i < off; i++)
		assert_int_equal(dst[i], 0xA5);
	assert_int_equal(dst[off + n], 0xA5);
	spdkrt_dma_free(dst);
}

static void test_fill_every_size(void **state)
{
	static const size_t sizes[] = { 1,    5,     8,     9,     4095,        4096,   4097,
					8193, 65535, 65536, 65541, 2 * MIB + 5, 5 * MIB };
	const uint64_t pattern = 0x0123456789abcdefull;
	size_t i;

	(void)state;
	for (i = 1; i <= 100; i++)
		fill_and_check(i, 0, pattern);
	/* Unaligned starts split at page boundaries at every phase of the 8-byte pattern. */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill_and_check(sizes[i], 0, pattern);
		fill_and_check(sizes[i], 3, pattern);
		fill_and_check(sizes[i], 4090, ~pattern);
	}
}

static void test_zero_bytes_is_a_null_descriptor(void **state)
{
	char buf[8] = "abcdefg";
	char *dma = spdkrt_dma_malloc(64, 64, SPDKRT_ENV_SOCKET_ANY);
	struct req r = { 0 };

	(void)state;
	memcpy(dma, buf, sizeof(buf));
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &r, req_done, dma + 16, dma, 0), 0);
	run_until(&g_rig, r.calls > 0);
	assert_int_equal(r.status, 0);
	spdkrt_dma_free(dma);
}

static void test_build_waits_for_flush(void **state)
{
	char *src = spdkrt_dma_malloc(4096, 64, SPDKRT_ENV_SOCKET_ANY);
	char *dst = spdkrt_dma_zmalloc(4096, 64, SPDKRT_ENV_SOCKET_ANY);
	struct req r[3] = { 0 };
	int i;

	(void)state;
	fill_random(src, 4096, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(spdkrt_ioat_build_copy(g_rig.chan, &r[i], req_done, dst + i * 1000,
							src + i * 1000, 1000),
				 0);
	/* Built but not flushed: the device does not see them. */
	for (i = 0; i < 10; i++) {
		assert_int_equal(ioat_model_poll(g_rig.model), 0);
		assert_int_equal(spdkrt_ioat_process_events(g_rig.chan), 0);
	}
	assert_int_equal(spdkrt_ioat_flush(g_rig.chan), 0);
	run_until(&g_rig, r[2].calls > 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].status, 0);
	}
	assert_memory_equal(dst, src, 3000);
	spdkrt_dma_free(src);
	spdkrt_dma_free(dst);
}

static void test_ring_wraps_and_fills(void **state)
{
	uint32_t max = spdkrt_ioat_get_max_descriptors(g_rig.chan);
	uint8_t *src = spdkrt_dma_malloc(max, 64, SPDKRT_ENV_SOCKET_ANY);
	uint8_t *dst = spdkrt_dma_zmalloc(max, 64, SPDKRT_ENV_SOCKET_ANY);
	struct req *reqs = calloc(max, sizeof(*reqs));
	struct req extra = { 0 };
	uint32_t i, round;

	(void)state;
	assert_non_null(reqs);
	for (i = 0; i < max; i++)
		src[i] = (uint8_t)(i * 7);
	/* Three times around the ring: each round fills it exactly, then one more is refused. */
	for (round = 0; round < 3; round++) {
		int first = g_completions;

		memset(reqs, 0, max * sizeof(*reqs));
		memset(dst, 0, max);
		for (i = 0; i < max; i++)
			assert_int_equal(spdkrt_ioat_build_copy(g_rig.chan, &reqs[i], req_done,
								dst + i, src + i, 1),
					 0);
		assert_int_equal(spdkrt_ioat_build_copy(g_rig.chan, &extra, req_done, dst, src, 1),
				 -ENOMEM);
		assert_int_equal(spdkrt_ioat_flush(g_rig.chan), 0);
		run_until(&g_rig, reqs[max - 1].calls > 0);
		for (i = 0; i < max; i++) {
			assert_int_equal(reqs[i].calls, 1);
			assert_int_equal(reqs[i].status, 0);
			assert_int_equal(reqs[i].order, first + (int)i); /* in submission order */
		}
		assert_memory_equal(dst, src, max);
	}
	assert_int_equal(extra.calls, 0);
	free(reqs);
	spdkrt_dma_free(src);
	spdkrt_dma_free(dst);
}

static void test_request_too_big_for_the_ring(void **state)
{
	uint32_t max = spdkrt_ioat_get_max_descriptors(g_rig.chan);
	/* Every page is its own piece: more pieces than the ring holds. */
	size_t n = ((size_t)max + 2) * 4096;
	char *src = spdkrt_dma_malloc(n, 4096, SPDKRT_ENV_SOCKET_ANY);
	char *dst = spdkrt_dma_malloc(n, 4096, SPDKRT_ENV_SOCKET_ANY);
	uint64_t before = model_descriptors();
	struct req r = { 0 };

	(void)state;
	assert_non_null(src);
	assert_non_null(dst);
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &r, req_done, dst, src, n), -ENOMEM);
	/* Nothing of it was left in the ring: the next request is the only one run. */
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &r, req_done, dst, src, 100), 0);
	run_until(&g_rig, r.calls > 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(model_descriptors() - before, 1);
	spdkrt_dma_free(src);
	spdkrt_dma_free(dst);
}

static void test_bad_buffers_are_refused(void **state)
{
	char *dma = spdkrt_dma_malloc(8192, 64, SPDKRT_ENV_SOCKET_ANY);
	char *heap = malloc(4096);
	uint64_t before = model_descriptors();
	struct req r = { 0 };

	(void)state;
	assert_int_equal(spdkrt_ioat_submit_copy(NULL, &r, req_done, dma, dma + 4096, 8), -EINVAL);
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &r, req_done, NULL, dma, 8), -EINVAL);
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &r, req_done, dma, NULL, 8), -EINVAL);
	assert_int_equal(spdkrt_ioat_submit_fill(g_rig.chan, &r, req_done, NULL, 0, 8), -EINVAL);
	assert_int_equal(spdkrt_ioat_submit_fill(NULL, &r, req_done, dma, 0, 8), -EINVAL);
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &r, req_done, dma + 10, dma, 100),
			 -EINVAL);
	assert_logged("overlap");
	/* Memory that is not DMA-safe never reaches the device (v17.03 sent it ~0 addresses). */
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &r, req_done, heap, dma, 100),
			 -EINVAL);
	assert_logged("not DMA-safe");
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &r, req_done, dma, heap, 100),
			 -EINVAL);
	assert_logged("source buffer");
	assert_int_equal(spdkrt_ioat_submit_fill(g_rig.chan, &r, req_done, heap, 0, 100), -EINVAL);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(ioat_model_poll(g_rig.model), 0);
		assert_int_equal(spdkrt_ioat_process_events(g_rig.chan), 0);
	}
	assert_int_equal(r.calls, 0);
	assert_int_equal(model_descriptors(), before);
	free(heap);
	spdkrt_dma_free(dma);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy_every_size, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_copy_splits_at_page_boundaries, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_fill_every_size, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_zero_bytes_is_a_null_descriptor, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_build_waits_for_flush, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_ring_wraps_and_fills, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_request_too_big_for_the_ring, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_bad_buffers_are_refused, rig_setup,
						rig_teardown),
	};

	return cmocka_run_group_tests(tests, ioat_env_setup, ioat_env_teardown);
}
