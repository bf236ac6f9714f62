/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spdkrt_env_* over the real DPDK backend, without hugepages. The cases run in order in one
 * process because DPDK's EAL initialises once per process.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>

static struct spdkrt_env_opts g_opts;

static int setup(void **state)
{
	(void)state;
	spdkrt_env_opts_init(&g_opts, sizeof(g_opts));
	g_opts.no_huge = true;
	g_opts.mem_size_mb = 64;
	g_opts.core_mask = "0";
	log_capture_start();
	return 0;
}

/* Bad options must be refused before DPDK runs, so the one init is still available. */
static void test_bad_options_do_not_consume_the_init(void **state)
{
	struct spdkrt_env_opts opts = g_opts;

	(void)state;
	opts.core_mask = "zz";
	assert_int_equal(spdkrt_env_init(&opts), -EINVAL);
	assert_logged("invalid core mask 'zz'");
	opts = g_opts;
	opts.iova_mode = SPDKRT_IOVA_MODE_PA;
	assert_int_equal(spdkrt_env_init(&opts), -EINVAL);
	assert_false(spdkrt_env_is_initialized());
}

/* Device DMA over DPDK: contig memzones, vtophys across pages, application memory (IOVA = VA). */
static void check_device_dma(void)
{
	const size_t chunk = (size_t)2 << 20;
	char *buf = spdkrt_dma_malloc(1 << 20, 4096, SPDKRT_ENV_SOCKET_ANY);
	char *contig = spdkrt_dma_zmalloc_contig(256 * 1024, 64 * 1024, SPDKRT_ENV_SOCKET_ANY);
	char *region = aligned_alloc(chunk, 2 * chunk);
	size_t len = 1 << 20;

	assert_non_null(buf);
	assert_non_null(contig);
	assert_non_null(region);
	/* --no-huge memory is 4 KiB memsegs, all IOVA = VA: the walk crosses every page. */
	assert_int_equal(spdkrt_vtophys(buf, &len), (uint64_t)(uintptr_t)buf);
	assert_int_equal(len, 1 << 20);
	assert_int_equal((uintptr_t)contig % (64 * 1024), 0);
	assert_int_equal(contig[256 * 1024 - 1], 0);
	len = 256 * 1024;
	assert_int_equal(spdkrt_vtophys(contig, &len), (uint64_t)(uintptr_t)contig);
	assert_int_equal(len, 256 * 1024);
	spdkrt_dma_free(contig);
	spdkrt_dma_free(buf);

	len = 100;
	assert_int_equal(spdkrt_vtophys(region, &len), SPDKRT_IOVA_INVALID);
	assert_int_equal(len, 0);
	assert_int_equal(spdkrt_mem_register(region, 2 * chunk), 0);
	len = 2 * chunk;
	assert_int_equal(spdkrt_vtophys(region + 5, &len), (uint64_t)(uintptr_t)(region + 5));
	assert_int_equal(len, 2 * chunk - 5);
	assert_int_equal(spdkrt_mem_unregister(region, chunk), -EINVAL);
	assert_int_equal(spdkrt_mem_unregister(region, 2 * chunk), 0);
	assert_int_equal(spdkrt_vtophys(region, NULL), SPDKRT_IOVA_INVALID);
	free(region);
}

static void test_init_restores_affinity_and_serves_memory(void **state)
{
	cpu_set_t before, after;
	char path[256];
	struct stat st;
	int on_stack = 0;
	char *buf;

	(void)state;
	assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof(before), &before), 0);
	log_capture_clear();
	assert_int_equal(spdkrt_env_init(&g_opts), 0);
	assert_true(spdkrt_env_is_initialized());
	assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof(after), &after), 0);
	assert_true(CPU_EQUAL(&before, &after));
	/* a healthy init logs nothing at the default level */
	assert_int_equal(g_log_capture.lines, 0);

	snprintf(path, sizeof(path), "/var/run/dpdk/spdkrt%ld", (long)getpid());
	if (getuid() == 0)
		assert_int_equal(stat(path, &st), 0);

	buf = spdkrt_dma_zmalloc(1 << 20, 4096, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(buf);
	assert_int_equal((uintptr_t)buf % 4096, 0);
	assert_int_equal(buf[12345], 0);
	assert_int_not_equal(spdkrt_dma_iova(buf), SPDKRT_IOVA_INVALID);
	/* --no-huge: IOVA = VA */
	assert_int_equal(spdkrt_dma_iova(buf + 100), (uint64_t)(uintptr_t)(buf + 100));
	assert_int_equal(spdkrt_dma_iova(&on_stack), SPDKRT_IOVA_INVALID);
	/* 64 MiB of memory: a 1 GiB request fails cleanly */
	assert_null(spdkrt_dma_malloc((size_t)1 << 30, 0, SPDKRT_ENV_SOCKET_ANY));
	assert_logged("out of DMA memory");
	spdkrt_dma_free(buf);
	check_device_dma();

	assert_int_equal(spdkrt_env_get_core_count(), 1);
	assert_int_equal(spdkrt_env_get_main_core(), 0);
	assert_int_equal(spdkrt_env_get_first_core(), 0);
	assert_int_equal(spdkrt_env_get_current_core(), 0);
	assert_true(spdkrt_env_get_socket_id(0) >= 0);
	assert_int_equal(spdkrt_env_get_socket_id(1), -EINVAL);

	assert_int_equal(spdkrt_env_init(&g_opts), -EALREADY);
	assert_logged("already initialised");

	spdkrt_env_fini();
	assert_false(spdkrt_env_is_initialized());
	if (getuid() == 0)
		assert_int_not_equal(stat(path, &st), 0); /* runtime directory removed */
}

static void test_second_init_after_fini_is_refused(void **state)
{
	(void)state;
	assert_int_equal(spdkrt_env_init(&g_opts), -ENOTSUP);
	assert_logged("once per process");
	assert_null(spdkrt_dma_malloc(64, 0, SPDKRT_ENV_SOCKET_ANY));
	assert_logged("not initialised");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_options_do_not_consume_the_init),
		cmocka_unit_test(test_init_restores_affinity_and_serves_memory),
		cmocka_unit_test(test_second_init_after_fini_is_refused),
	};

	return cmocka_run_group_tests_name("env/dpdk", tests, setup, NULL);
}
