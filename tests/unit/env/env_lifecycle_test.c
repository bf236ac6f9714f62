/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process's one DPDK init over a life with mistakes: an option error that spdkrt finds
 * before DPDK runs leaves the init available (before, the corrected retry got -ENOTSUP), and
 * the runtime files a killed process left behind are removed by the next init. One process,
 * in order: DPDK's EAL initialises once per process.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>

static char g_runtime[] = "/tmp/spdkrt-lifecycle-XXXXXX";
static pid_t g_killed_pid;

static void init_opts(struct spdkrt_env_opts *opts)
{
	spdkrt_env_opts_init(opts, sizeof(*opts));
	opts->no_huge = true;
	opts->mem_size_mb = 64;
	opts->core_mask = "0";
}

static bool exists(pid_t pid)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/dpdk/spdkrt%ld", g_runtime, (long)pid);
	return stat(path, &st) == 0;
}

/* A child that inits and is killed: its runtime directory stays behind. */
static void test_killed_process_leaves_its_runtime_files(void **state)
{
	struct spdkrt_env_opts opts;
	int status;

	(void)state;
	g_killed_pid = fork();
	assert_true(g_killed_pid >= 0);
	if (g_killed_pid == 0) {
		init_opts(&opts);
		if (spdkrt_env_init(&opts) != 0)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(g_killed_pid, &status, 0), g_killed_pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_true(exists(g_killed_pid));
}

static void test_rejected_options_leave_the_init_available(void **state)
{
	const char *many[300];
	struct spdkrt_env_opts opts;

	(void)state;
	for (size_t i = 0; i < 300; i++)
		many[i] = "--no-telemetry";
	init_opts(&opts);
	opts.eal_args = many;
	opts.num_eal_args = 300;
	assert_int_equal(spdkrt_env_init(&opts), -E2BIG);
	assert_logged("too many EAL arguments");
	init_opts(&opts);
	assert_int_equal(spdkrt_env_init(&opts), 0);
	assert_true(spdkrt_env_is_initialized());
}

static void test_init_removed_what_the_killed_process_left(void **state)
{
	(void)state;
	assert_false(exists(g_killed_pid));
	assert_logged("ended spdkrt process(es) left");
	assert_true(exists(getpid()));
	spdkrt_env_fini();
	assert_false(exists(getpid()));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_process_leaves_its_runtime_files),
		cmocka_unit_test(test_rejected_options_leave_the_init_available),
		cmocka_unit_test(test_init_removed_what_the_killed_process_left),
	};
	char dpdk_dir[64];
	int rc;

	if (mkdtemp(g_runtime) == NULL)
		return 1;
	setenv("RUNTIME_DIRECTORY", g_runtime, 1);
	log_capture_start();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(dpdk_dir, sizeof(dpdk_dir), "%s/dpdk", g_runtime);
	rmdir(dpdk_dir);
	rmdir(g_runtime);
	return rc;
}
