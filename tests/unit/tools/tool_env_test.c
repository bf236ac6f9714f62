/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The options every tool shares (examples/common/tool_env.c): -m, -s, -L, --no-huge parsed in
 * one place with their errors, and the memory a run without hugepages asks for when -s is not
 * given: the env default, or what the malloc bdevs of the specs need plus headroom.
 */
#include "../common/test_common.h"

#include "../../../examples/common/tool_env.h"

static void shared_options(void **state)
{
	struct tool_env t;

	(void)state;
	tool_env_init(&t);
	assert_null(t.core_mask);
	assert_int_equal(t.log_level, -1);
	assert_int_equal(tool_env_option(&t, 'm', "0x3", "test"), 1);
	assert_string_equal(t.core_mask, "0x3");
	assert_int_equal(tool_env_option(&t, 's', "512", "test"), 1);
	assert_int_equal(t.mem_size_mb, 512);
	assert_int_equal(tool_env_option(&t, 'L', "debug", "test"), 1);
	assert_int_equal(t.log_level, SPDKRT_LOG_DEBUG);
	assert_int_equal(tool_env_option(&t, TOOL_ENV_OPT_NO_HUGE, NULL, "test"), 1);
	assert_true(t.no_huge);
	/* Not a shared option: left to the tool. */
	assert_int_equal(tool_env_option(&t, 'q', "8", "test"), 0);
}

static void bad_values(void **state)
{
	struct tool_env t;

	(void)state;
	tool_env_init(&t);
	assert_int_equal(tool_env_option(&t, 's', "0", "test"), -1);
	assert_int_equal(tool_env_option(&t, 's', "12x", "test"), -1);
	assert_int_equal(tool_env_option(&t, 's', "-5", "test"), -1);
	assert_int_equal(tool_env_option(&t, 's', "99999999999999999999", "test"), -1);
	assert_int_equal(tool_env_option(&t, 's', NULL, "test"), -1);
	assert_int_equal(t.mem_size_mb, 0);
	assert_int_equal(tool_env_option(&t, 'L', "loud", "test"), -1);
	assert_int_equal(t.log_level, -1);
}

static void memory_of_specs(void **state)
{
	const char *specs[] = {
		"malloc:name=M0,size_mb=300",
		"null:name=N0,size_mb=100000",                    /* discards: no memory */
		"malloc:name=M1,num_blocks=2048,block_size=4096", /* 8 MiB */
		"malloc:name=M2,block_size=512,num_blocks=1",     /* rounds up to 1 MiB */
		"malloc:name=Bad,size_mb=oops",                   /* refused later by the library */
		"crypto:name=C0,base=M0,cipher=AES_XTS,key=00,key2=11",
	};

	(void)state;
	assert_int_equal(tool_env_specs_mb(specs, 1), 300);
	assert_int_equal(tool_env_specs_mb(specs, 6), 309);
	assert_int_equal(tool_env_specs_mb(NULL, 0), 0);
	assert_int_equal(tool_env_spec_list_mb("malloc:name=A,size_mb=10;malloc:name=B,size_mb=20",
					       ';'),
			 30);
	assert_int_equal(tool_env_spec_list_mb(NULL, ';'), 0);
	assert_int_equal(tool_env_spec_list_mb("", ';'), 0);
}

static void memory_to_run_with(void **state)
{
	const char *small[] = { "malloc:name=M0,size_mb=64" };
	const char *big[] = { "malloc:name=M0,size_mb=2048", "malloc:name=M1,size_mb=100" };
	struct tool_env t;

	(void)state;
	tool_env_init(&t);
	/* With hugepages: the env default (DPDK takes hugepages on demand). */
	assert_int_equal(tool_env_mem_mb(&t, big, 2), 0);
	t.no_huge = true;
	/* Small enough for the env's no_huge default: left to it. */
	assert_int_equal(tool_env_mem_mb(&t, small, 1), 0);
	/* Larger: what the bdevs take plus 256 MiB of headroom. */
	assert_int_equal(tool_env_mem_mb(&t, big, 2), 2048 + 100 + 256);
	/* -s always wins. */
	t.mem_size_mb = 64;
	assert_int_equal(tool_env_mem_mb(&t, big, 2), 64);
}

static void app_opts(void **state)
{
	const char *big[] = { "malloc:name=M0,size_mb=4096" };
	struct spdkrt_app_opts opts;
	struct tool_env t;

	(void)state;
	tool_env_init(&t);
	t.no_huge = true;
	t.core_mask = "0";
	spdkrt_app_opts_init(&opts, sizeof(opts));
	tool_env_to_app_opts(&t, big, 1, &opts);
	assert_true(opts.no_huge);
	assert_string_equal(opts.core_mask, "0");
	assert_int_equal(opts.mem_size_mb, 4096 + 256);
	assert_int_equal(opts.log_level, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shared_options),  cmocka_unit_test(bad_values),
		cmocka_unit_test(memory_of_specs), cmocka_unit_test(memory_to_run_with),
		cmocka_unit_test(app_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
