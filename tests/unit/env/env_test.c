/* SPDX-License-Identifier: BSD-3-Clause */
/* spdkrt_env_* over the heap backend: validation, lifetime, memory, cores, worker launch. */
#include <errno.h>
#include <stdbool.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>

#include "env/backend.h"

static struct spdkrt_env_opts g_opts;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	spdkrt_env_opts_init(&g_opts, sizeof(g_opts));
	g_opts.core_mask = "0";
	log_capture_start();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	spdkrt_env_fini();
	log_capture_stop();
	return 0;
}

static void test_opts_init(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	memset(&opts, 0xff, sizeof(opts));
	assert_int_equal(spdkrt_env_opts_init(&opts, sizeof(opts)), 0);
	assert_int_equal(opts.size, sizeof(opts));
	assert_string_equal(opts.name, "spdkrt");
	assert_int_equal(opts.main_core, -1);
	assert_false(opts.no_huge);
	assert_null(opts.core_mask);
	assert_int_equal(spdkrt_env_opts_init(NULL, sizeof(opts)), -EINVAL);
	assert_int_equal(spdkrt_env_opts_init(&opts, 2), -EINVAL);
}

/* An older caller's smaller struct: only its fields are written and read. */
static void test_opts_init_short_struct(void **state)
{
	struct spdkrt_env_opts opts;
	size_t short_size = offsetof(struct spdkrt_env_opts, main_core);

	(void)state;
	memset(&opts, 0xab, sizeof(opts));
	assert_int_equal(spdkrt_env_opts_init(&opts, short_size), 0);
	assert_int_equal(opts.size, short_size);
	assert_int_equal(opts.main_core, (int)0xabababab);
	opts.core_mask = "0";
	assert_int_equal(spdkrt_env_init(&opts), 0);
	assert_int_equal(spdkrt_env_get_main_core(), 0);
}

struct bad_case {
	const char *what;
	void (*apply)(struct spdkrt_env_opts *opts);
	const char *logged;
};

static const char *const g_null_arg[] = { NULL };
static const char *const g_bad_pci[] = { "00:1f.9" };
static void bad_mask(struct spdkrt_env_opts *o)
{
	o->core_mask = "0xg";
}
static void empty_mask(struct spdkrt_env_opts *o)
{
	o->core_mask = "0x0";
}
static void bad_list(struct spdkrt_env_opts *o)
{
	o->core_mask = "3-1";
}
static void huge_core(struct spdkrt_env_opts *o)
{
	o->core_mask = "1000";
}
static void main_not_in_mask(struct spdkrt_env_opts *o)
{
	o->main_core = 1;
}
static void empty_name(struct spdkrt_env_opts *o)
{
	o->name = "";
}
static void bad_iova(struct spdkrt_env_opts *o)
{
	o->iova_mode = (enum spdkrt_iova_mode)7;
}
static void pa_no_huge(struct spdkrt_env_opts *o)
{
	o->no_huge = true;
	o->iova_mode = SPDKRT_IOVA_MODE_PA;
}
static void bad_socket_mem(struct spdkrt_env_opts *o)
{
	o->socket_mem = "1024,,5";
}
static void more_than_the_machine(struct spdkrt_env_opts *o)
{
	o->mem_size_mb = 999999999;
}
static void socket_mem_and_mem(struct spdkrt_env_opts *o)
{
	o->socket_mem = "64";
	o->mem_size_mb = 64;
}
static void bad_prefix(struct spdkrt_env_opts *o)
{
	o->file_prefix = "a/b";
}
static void missing_hugedir(struct spdkrt_env_opts *o)
{
	o->hugepage_dir = "/nonexistent/huge";
}
static void null_eal_arg(struct spdkrt_env_opts *o)
{
	o->eal_args = g_null_arg;
	o->num_eal_args = 1;
}
static void count_without_array(struct spdkrt_env_opts *o)
{
	o->num_pci_allowed = 2;
}
static void bad_pci(struct spdkrt_env_opts *o)
{
	o->pci_allowed = g_bad_pci;
	o->num_pci_allowed = 1;
}
static void zero_size(struct spdkrt_env_opts *o)
{
	o->size = 0;
}

static const struct bad_case g_bad_cases[] = {
	{ "malformed hex mask", bad_mask, "invalid core mask '0xg'" },
	{ "empty mask", empty_mask, "invalid core mask '0x0'" },
	{ "reversed range", bad_list, "invalid core mask '3-1'" },
	{ "core beyond the machine", huge_core, "core 1000" },
	{ "main core outside the mask", main_not_in_mask, "main core 1 is not in the core mask" },
	{ "empty name", empty_name, "name is empty" },
	{ "unknown IOVA mode", bad_iova, "invalid iova_mode 7" },
	{ "PA without hugepages", pa_no_huge, "no_huge memory has no physical addresses" },
	{ "malformed socket_mem", bad_socket_mem, "socket_mem '1024,,5'" },
	{ "socket_mem with mem_size_mb", socket_mem_and_mem, "cannot be combined" },
	{ "more memory than the machine", more_than_the_machine,
	  "more than this machine's memory" },
	{ "file prefix with a slash", bad_prefix, "file_prefix 'a/b'" },
	{ "missing hugepage dir", missing_hugedir, "'/nonexistent/huge' is not a directory" },
	{ "NULL EAL argument", null_eal_arg, "eal_args[0] is NULL" },
	{ "count without array", count_without_array, "its array is NULL" },
	{ "bad PCI address", bad_pci, "invalid PCI address '00:1f.9'" },
	{ "size 0", zero_size, "call spdkrt_env_opts_init() first" },
};

static void test_bad_options_are_rejected_with_a_log_line(void **state)
{
	(void)state;
	assert_int_equal(spdkrt_env_init(NULL), -EINVAL);
	assert_logged("opts is NULL");
	for (size_t i = 0; i < sizeof(g_bad_cases) / sizeof(g_bad_cases[0]); i++) {
		struct spdkrt_env_opts opts = g_opts;

		g_bad_cases[i].apply(&opts);
		if (spdkrt_env_init(&opts) != -EINVAL)
			fail_msg("case '%s' was not rejected with -EINVAL", g_bad_cases[i].what);
		if (strstr(g_log_capture.text, g_bad_cases[i].logged) == NULL)
			fail_msg("case '%s': no log line with '%s' in:\n%s", g_bad_cases[i].what,
				 g_bad_cases[i].logged, g_log_capture.text);
		log_capture_clear();
		assert_false(spdkrt_env_is_initialized());
	}
}

static void test_init_twice_is_ealready(void **state)
{
	(void)state;
	assert_int_equal(spdkrt_env_init(&g_opts), 0);
	assert_true(spdkrt_env_is_initialized());
	assert_int_equal(spdkrt_env_init(&g_opts), -EALREADY);
	assert_logged("already initialised");
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), -EBUSY);
	spdkrt_env_fini();
	assert_false(spdkrt_env_is_initialized());
	spdkrt_env_fini(); /* harmless */
}

static void test_dma_memory(void **state)
{
	char *buf, *zbuf;
	int on_stack;

	(void)state;
	assert_null(spdkrt_dma_malloc(64, 0, SPDKRT_ENV_SOCKET_ANY));
	assert_logged("not initialised");
	assert_int_equal(spdkrt_dma_iova(&on_stack), SPDKRT_IOVA_INVALID);

	assert_int_equal(spdkrt_env_init(&g_opts), 0);
	buf = spdkrt_dma_malloc(8192, 4096, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(buf);
	assert_int_equal((uintptr_t)buf % 4096, 0);
	memset(buf, 0x5a, 8192);
	/* The heap backend's IOVAs are not VAs (dma_test covers its page mapping). */
	assert_int_not_equal(spdkrt_dma_iova(buf), SPDKRT_IOVA_INVALID);
	assert_int_not_equal(spdkrt_dma_iova(buf), (uint64_t)(uintptr_t)buf);
	assert_int_equal(spdkrt_dma_iova(buf + 4095), spdkrt_dma_iova(buf) + 4095);
	assert_int_not_equal(spdkrt_dma_iova(buf + 8191), SPDKRT_IOVA_INVALID);
	assert_int_equal(spdkrt_dma_iova(&on_stack), SPDKRT_IOVA_INVALID);
	assert_int_equal(spdkrt_dma_iova(NULL), SPDKRT_IOVA_INVALID);

	zbuf = spdkrt_dma_zmalloc(100, 0, 0);
	assert_non_null(zbuf);
	assert_int_equal((uintptr_t)zbuf % 64, 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(zbuf[i], 0);

	assert_null(spdkrt_dma_malloc(0, 0, SPDKRT_ENV_SOCKET_ANY));
	assert_logged("invalid size 0");
	assert_null(spdkrt_dma_malloc(64, 3, SPDKRT_ENV_SOCKET_ANY));
	assert_logged("alignment 3");
	assert_null(spdkrt_dma_zmalloc(64, 0, -5));
	assert_logged("socket -5");

	spdkrt_dma_free(buf);
	spdkrt_dma_free(zbuf);
	spdkrt_dma_free(NULL);
	assert_int_equal(spdkrt_dma_iova(buf), SPDKRT_IOVA_INVALID);
}

static void test_core_queries(void **state)
{
	struct spdkrt_env_opts opts = g_opts;

	(void)state;
	assert_int_equal(spdkrt_env_get_core_count(), 0);
	assert_int_equal(spdkrt_env_get_first_core(), SPDKRT_ENV_CORE_INVALID);
	assert_int_equal(spdkrt_env_get_main_core(), SPDKRT_ENV_CORE_INVALID);
	assert_int_equal(spdkrt_env_get_current_core(), SPDKRT_ENV_CORE_INVALID);
	assert_int_equal(spdkrt_env_get_socket_id(0), -EINVAL);

	opts.core_mask = "0x3";
	opts.main_core = 1;
	assert_int_equal(spdkrt_env_init(&opts), 0);
	assert_int_equal(spdkrt_env_get_core_count(), 2);
	assert_int_equal(spdkrt_env_get_first_core(), 0);
	assert_int_equal(spdkrt_env_get_next_core(0), 1);
	assert_int_equal(spdkrt_env_get_next_core(1), SPDKRT_ENV_CORE_INVALID);
	assert_int_equal(spdkrt_env_get_main_core(), 1);
	assert_int_equal(spdkrt_env_get_current_core(), 1);
	assert_int_equal(spdkrt_env_get_socket_id(0), 0);
	assert_int_equal(spdkrt_env_get_socket_id(7), -EINVAL);
	assert_true(spdkrt_env_get_numa_node_count() >= 1);
}

static int record_core(void *arg)
{
	*(uint32_t *)arg = spdkrt_env_get_current_core();
	return 42;
}

static void test_launch_on_worker_core(void **state)
{
	struct spdkrt_env_opts opts = g_opts;
	uint32_t seen = SPDKRT_ENV_CORE_INVALID;

	(void)state;
	opts.core_mask = "[0,1]";
	assert_int_equal(spdkrt_env_init(&opts), 0);
	assert_int_equal(srt_env_launch(0, record_core, &seen), -EINVAL); /* the main core */
	assert_int_equal(srt_env_launch(5, record_core, &seen), -EINVAL);
	assert_int_equal(srt_env_launch(1, record_core, &seen), 0);
	assert_int_equal(srt_env_wait(1), 42);
	assert_int_equal(seen, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_opts_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_init_short_struct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_options_are_rejected_with_a_log_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_twice_is_ealready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_core_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_launch_on_worker_core, setup, teardown),
	};

	return cmocka_run_group_tests_name("env", tests, NULL, NULL);
}
