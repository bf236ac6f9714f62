/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIGBUS handler for mapped BARs, on the host: a file mapped MAP_SHARED and then truncated
 * raises SIGBUS on access, as a removed device's BAR does. A registered range then reads all ones
 * and counts as replaced; a SIGBUS elsewhere goes to the handler installed before ours, or kills
 * the process with SIGBUS as it would have without us (both in forked children).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/test_common.h"

#include "env/pci_sigbus.h"

#define MAP_LEN (2 * 4096)

/* A MAP_SHARED mapping of a file of MAP_LEN bytes, then the file cut to 0: every access faults. */
static volatile uint32_t *truncated_mapping(void)
{
	char path[] = "/tmp/spdkrt-sigbus-test-XXXXXX";
	int fd = mkstemp(path);
	void *va;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, MAP_LEN), 0);
	va = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(va != MAP_FAILED);
	((uint32_t *)va)[0] = 0x12345678;
	assert_int_equal(ftruncate(fd, 0), 0);
	close(fd);
	return va;
}

static void test_registered_range_reads_all_ones(void **state)
{
	volatile uint32_t *bar = truncated_mapping();

	(void)state;
	assert_int_equal(srt_pci_sigbus_register((void *)bar, MAP_LEN), 0);
	assert_false(srt_pci_sigbus_replaced((void *)bar));
	assert_int_equal(bar[1024 + 3], UINT32_MAX); /* second page: the whole range is replaced */
	assert_int_equal(bar[0], UINT32_MAX);
	bar[4] = 0; /* a doorbell write to a removed device goes nowhere */
	assert_true(srt_pci_sigbus_replaced((void *)bar));
	srt_pci_sigbus_unregister((void *)bar);
	assert_false(srt_pci_sigbus_replaced((void *)bar));
	assert_int_equal(munmap((void *)bar, MAP_LEN), 0);
}

static void test_bad_arguments(void **state)
{
	char c;

	(void)state;
	assert_int_equal(srt_pci_sigbus_register(NULL, 4096), -EINVAL);
	assert_int_equal(srt_pci_sigbus_register(&c, 0), -EINVAL);
	srt_pci_sigbus_unregister(NULL);
	srt_pci_sigbus_unregister(&c); /* never registered: nothing happens */
	assert_false(srt_pci_sigbus_replaced(NULL));
	assert_false(srt_pci_sigbus_replaced(&c));
}

static void previous_handler(int sig, siginfo_t *info, void *uctx)
{
	(void)sig;
	(void)info;
	(void)uctx;
	_exit(42);
}

/*
 * In a child: @p earlier (or the default action) is the SIGBUS disposition before ours, a BAR is
 * registered, then an access faults outside it. Returns the child's wait status.
 */
static int fault_outside_in_child(const struct sigaction *earlier)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		volatile uint32_t *bar, *other;

		sigaction(SIGBUS, earlier, NULL);
		bar = truncated_mapping();
		other = truncated_mapping();
		if (srt_pci_sigbus_register((void *)bar, MAP_LEN) != 0)
			_exit(1);
		(void)other[0];
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* A fault outside every registered range reaches the earlier handler (exit 42). */
static void test_other_faults_are_chained(void **state)
{
	struct sigaction sa = { .sa_sigaction = previous_handler, .sa_flags = SA_SIGINFO };
	int status;

	(void)state;
	sigemptyset(&sa.sa_mask);
	status = fault_outside_in_child(&sa);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
}

/* With no earlier handler, a fault outside the ranges ends the process with SIGBUS. */
static void test_default_action_kept(void **state)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	int status;

	(void)state;
	sigemptyset(&sa.sa_mask);
	status = fault_outside_in_child(&sa);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* The children first: the handler is installed once per process, at the first
		 * registration, after the disposition each child sets. */
		cmocka_unit_test(test_other_faults_are_chained),
		cmocka_unit_test(test_default_action_kept),
		cmocka_unit_test(test_registered_range_reads_all_ones),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
