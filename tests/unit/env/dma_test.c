/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device DMA over the heap backend: IOVAs differ from VAs, ordinary buffers change IOVA at every
 * page, contig buffers are one run, spdkrt_vtophys gives the contiguous length, registered
 * regions translate per 2 MiB chunk, and models map IOVAs back.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>

#include "env/backend.h"
#include "env/dma.h"

#define PAGE 4096u
#define CHUNK ((size_t)2 << 20)

static int setup(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	log_capture_start();
	return spdkrt_env_init(&opts);
}

static int teardown(void **state)
{
	(void)state;
	spdkrt_env_fini();
	log_capture_stop();
	return 0;
}

static void test_iova_is_not_va(void **state)
{
	char *buf = spdkrt_dma_malloc(100, 0, SPDKRT_ENV_SOCKET_ANY);
	uint64_t iova;

	(void)state;
	assert_non_null(buf);
	iova = spdkrt_dma_iova(buf);
	assert_int_not_equal(iova, SPDKRT_IOVA_INVALID);
	assert_int_not_equal(iova, (uint64_t)(uintptr_t)buf);
	/* The page offset is kept, as an IOMMU or physical memory would. */
	assert_int_equal(iova % PAGE, (uintptr_t)buf % PAGE);
	assert_int_equal(spdkrt_dma_iova(buf + 99), iova + 99);
	assert_int_equal(spdkrt_dma_iova(buf + 100), SPDKRT_IOVA_INVALID); /* past the buffer */
	/* A VA used as an IOVA does not translate. */
	assert_null(srt_dma_iova_to_vaddr((uint64_t)(uintptr_t)buf, 1));
	assert_ptr_equal(srt_dma_iova_to_vaddr(iova, 100), buf);
	spdkrt_dma_free(buf);
	assert_int_equal(spdkrt_dma_iova(buf), SPDKRT_IOVA_INVALID);
	assert_null(srt_dma_iova_to_vaddr(iova, 1));
}

static void test_ordinary_buffer_breaks_at_pages(void **state)
{
	char *buf = spdkrt_dma_malloc(3 * PAGE, PAGE, SPDKRT_ENV_SOCKET_ANY);
	size_t len;
	uint64_t iova0, iova1, iova2;

	(void)state;
	assert_non_null(buf);
	len = 3 * PAGE;
	iova0 = spdkrt_vtophys(buf, &len);
	assert_int_equal(len, PAGE);
	len = 0;
	iova1 = spdkrt_vtophys(buf + PAGE, &len);
	assert_int_equal(len, PAGE);
	iova2 = spdkrt_vtophys(buf + 2 * PAGE, NULL);
	assert_int_not_equal(iova1, iova0 + PAGE); /* a driver assuming contiguity must fail */
	assert_int_not_equal(iova2, iova1 + PAGE);
	len = 0;
	assert_int_equal(spdkrt_vtophys(buf + 100, &len), iova0 + 100);
	assert_int_equal(len, PAGE - 100);
	/* Within one page a model sees the buffer; across pages the VA run is not an IOVA run. */
	assert_ptr_equal(srt_dma_iova_to_vaddr(iova1 + 8, PAGE - 8), buf + PAGE + 8);
	assert_null(srt_dma_iova_to_vaddr(iova1, PAGE + 1));
	spdkrt_dma_free(buf);
}

static void test_contig_buffer_is_one_run(void **state)
{
	size_t size = 5 * PAGE + 123, len;
	char *buf = spdkrt_dma_zmalloc_contig(size, 64 * 1024, SPDKRT_ENV_SOCKET_ANY);
	uint64_t iova;

	(void)state;
	assert_non_null(buf);
	assert_int_equal((uintptr_t)buf % (64 * 1024), 0);
	for (size_t i = 0; i < size; i++)
		assert_int_equal(buf[i], 0);
	len = 0;
	iova = spdkrt_vtophys(buf, &len);
	assert_int_not_equal(iova, SPDKRT_IOVA_INVALID);
	assert_int_equal(len, size); /* to the end of the buffer, not beyond */
	len = 100;
	assert_int_equal(spdkrt_vtophys(buf + 2 * PAGE + 10, &len), iova + 2 * PAGE + 10);
	assert_int_equal(len, 100); /* capped at what was asked */
	len = size;
	assert_int_equal(spdkrt_vtophys(buf + 3 * PAGE, &len), iova + 3 * PAGE);
	assert_int_equal(len, size - 3 * PAGE);
	assert_ptr_equal(srt_dma_iova_to_vaddr(iova, size), buf);
	assert_ptr_equal(srt_dma_iova_to_vaddr(iova + PAGE + 1, 4 * PAGE), buf + PAGE + 1);
	spdkrt_dma_free(buf);

	buf = spdkrt_dma_malloc_contig(64, 0, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(buf);
	assert_int_not_equal(spdkrt_dma_iova(buf), SPDKRT_IOVA_INVALID);
	spdkrt_dma_free(buf);
}

static void test_vtophys_rejects(void **state)
{
	int on_stack = 0;
	size_t len = 77;

	(void)state;
	assert_int_equal(spdkrt_vtophys(&on_stack, &len), SPDKRT_IOVA_INVALID);
	assert_int_equal(len, 0);
	len = 5;
	assert_int_equal(spdkrt_vtophys(NULL, &len), SPDKRT_IOVA_INVALID);
	assert_int_equal(len, 0);
	assert_null(srt_dma_iova_to_vaddr(SPDKRT_IOVA_INVALID, 1));
	assert_null(srt_dma_iova_to_vaddr(0, 1));
	assert_null(spdkrt_dma_malloc_contig(0, 0, SPDKRT_ENV_SOCKET_ANY));
	assert_logged("invalid size 0");
	spdkrt_env_fini();
	len = 5;
	assert_int_equal(spdkrt_vtophys(&on_stack, &len), SPDKRT_IOVA_INVALID);
	assert_int_equal(len, 0);
	assert_null(spdkrt_dma_malloc_contig(64, 0, SPDKRT_ENV_SOCKET_ANY));
	assert_logged("not initialised");
	assert_int_equal(spdkrt_mem_register(&on_stack, CHUNK), -ENODEV);
}

/* Two adjacent registered regions of two chunks each, in one 2 MiB-aligned allocation. */
static void test_registered_regions(void **state)
{
	char *mem = aligned_alloc(CHUNK, 4 * CHUNK);
	char *r1 = mem, *r2 = mem + 2 * CHUNK;
	uint64_t a, b, c, d;
	size_t len;

	(void)state;
	assert_non_null(mem);
	assert_int_equal(spdkrt_vtophys(r1, NULL), SPDKRT_IOVA_INVALID);
	assert_int_equal(spdkrt_mem_register(r1, 2 * CHUNK), 0);
	assert_int_equal(spdkrt_mem_register(r2, 2 * CHUNK), 0);
	assert_int_equal(spdkrt_mem_register(r1 + CHUNK, 2 * CHUNK), -EEXIST);
	assert_logged("overlaps");
	assert_int_equal(spdkrt_mem_register(r1 + 4096, CHUNK), -EINVAL);
	assert_logged("multiples of 2 MiB");
	assert_int_equal(spdkrt_mem_register(r1, 100), -EINVAL);
	assert_int_equal(spdkrt_mem_register(NULL, CHUNK), -EINVAL);

	len = 4 * CHUNK;
	a = spdkrt_vtophys(r1, &len);
	assert_int_not_equal(a, SPDKRT_IOVA_INVALID);
	assert_int_not_equal(a, (uint64_t)(uintptr_t)r1);
	assert_int_equal(len, CHUNK); /* one chunk is one run */
	len = 0;
	b = spdkrt_vtophys(r1 + CHUNK + 5, &len);
	assert_int_equal(len, CHUNK - 5);
	assert_int_not_equal(b, a + CHUNK + 5); /* across a chunk boundary */
	c = spdkrt_vtophys(r1 + 2 * CHUNK - 1, NULL);
	d = spdkrt_vtophys(r2, NULL);
	assert_int_not_equal(d, c + 1); /* across a region boundary */
	memset(r2 + 10, 0xab, 16);
	assert_ptr_equal(srt_dma_iova_to_vaddr(d + 10, 16), r2 + 10);
	assert_null(srt_dma_iova_to_vaddr(b - 5, CHUNK + 1));

	assert_int_equal(spdkrt_mem_unregister(r1, CHUNK), -EINVAL);
	assert_logged("not a registered region");
	assert_int_equal(spdkrt_mem_unregister(r1, 2 * CHUNK), 0);
	assert_int_equal(spdkrt_vtophys(r1, NULL), SPDKRT_IOVA_INVALID);
	assert_null(srt_dma_iova_to_vaddr(a, 1));
	assert_int_equal(spdkrt_mem_unregister(r1, 2 * CHUNK), -EINVAL);
	/* r2 stays registered: fini drops it. */
	spdkrt_env_fini();
	free(mem);
}

/* The arena honours mem_size_mb: a request larger than it fails cleanly. */
static void test_arena_exhaustion(void **state)
{
	struct spdkrt_env_opts opts;
	void *a, *b;

	(void)state;
	spdkrt_env_fini();
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	opts.mem_size_mb = 1;
	assert_int_equal(spdkrt_env_init(&opts), 0);
	assert_null(spdkrt_dma_malloc(2 << 20, 0, SPDKRT_ENV_SOCKET_ANY));
	assert_logged("out of DMA memory");
	a = spdkrt_dma_malloc_contig(512 * 1024, 0, SPDKRT_ENV_SOCKET_ANY);
	b = spdkrt_dma_malloc(512 * 1024, 0, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(spdkrt_dma_malloc(PAGE, 0, SPDKRT_ENV_SOCKET_ANY));
	spdkrt_dma_free(a);
	a = spdkrt_dma_malloc(PAGE, 0, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(a);
	spdkrt_dma_free(a);
	spdkrt_dma_free(b);
}

/* Many buffers of mixed kinds: every translation stays inside its own buffer. */
static void test_many_buffers(void **state)
{
	enum {
		N = 64
	};
	char *bufs[N];
	size_t sizes[N];

	(void)state;
	for (int i = 0; i < N; i++) {
		sizes[i] = (size_t)(i * 1237 % 20000) + 1;
		bufs[i] = i % 3 == 0 ? spdkrt_dma_malloc_contig(sizes[i], 0, 0) :
				       spdkrt_dma_malloc(sizes[i], 0, 0);
		assert_non_null(bufs[i]);
		memset(bufs[i], i, sizes[i]);
	}
	for (int i = 0; i < N; i++) {
		for (size_t off = 0; off < sizes[i]; off += 1000) {
			size_t len = 0;
			uint64_t iova = spdkrt_vtophys(bufs[i] + off, &len);
			char *back = srt_dma_iova_to_vaddr(iova, len);

			assert_ptr_equal(back, bufs[i] + off);
			assert_true(off + len <= sizes[i]);
			assert_int_equal(back[len - 1], (char)i);
		}
	}
	for (int i = 0; i < N; i += 2)
		spdkrt_dma_free(bufs[i]);
	for (int i = 1; i < N; i += 2)
		assert_ptr_equal(srt_dma_iova_to_vaddr(spdkrt_dma_iova(bufs[i]), 1), bufs[i]);
	for (int i = 1; i < N; i += 2)
		spdkrt_dma_free(bufs[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_iova_is_not_va, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ordinary_buffer_breaks_at_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_contig_buffer_is_one_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vtophys_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registered_regions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arena_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_buffers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
