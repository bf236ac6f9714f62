/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Claims across processes: one holder per function, the holder named in the error, release on
 * unclaim and on the holder's death.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/test_common.h"

#include "env/pci_provider.h"

static char g_dir[] = "/tmp/spdkrt-claim-test-XXXXXX";
static struct spdkrt_pci_addr g_addr = { .domain = 0, .bus = 0x5e, .dev = 0, .func = 0 };

static int setup(void **state)
{
	(void)state;
	strcpy(g_dir + strlen(g_dir) - 6, "XXXXXX");
	assert_non_null(mkdtemp(g_dir));
	assert_int_equal(srt_pci_claim_set_dir(g_dir), 0);
	log_capture_start();
	return 0;
}

static int teardown(void **state)
{
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/spdkrt_pci_0000:5e:00.0.lock", g_dir);
	unlink(path);
	rmdir(g_dir);
	srt_pci_claim_set_dir(NULL);
	log_capture_stop();
	return 0;
}

/* In a child: try to claim; exit 0 if claimed, 1 if busy, 2 otherwise. */
static pid_t child_claim(int hold_fd_write, bool hold)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd, rc = srt_pci_claim(&g_addr, &fd);

		if (rc == 0 && hold) {
			char c = 'x';

			if (write(hold_fd_write, &c, 1) != 1)
				_exit(3);
			pause(); /* until killed */
		}
		_exit(rc == 0 ? 0 : rc == -EBUSY ? 1 : 2);
	}
	return pid;
}

static int child_status(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_one_holder_across_processes(void **state)
{
	int fd, fd2;
	char expected[64];

	(void)state;
	assert_int_equal(srt_pci_claim(&g_addr, &fd), 0);
	/* A second claim, in this process or another, is refused and names the holder. */
	assert_int_equal(srt_pci_claim(&g_addr, &fd2), -EBUSY);
	snprintf(expected, sizeof(expected), "claimed by process %ld", (long)getpid());
	assert_logged(expected);
	assert_int_equal(child_status(child_claim(-1, false)), 1);
	srt_pci_unclaim(fd);
	assert_int_equal(child_status(child_claim(-1, false)), 0);
	/* The child's claim died with it. */
	assert_int_equal(srt_pci_claim(&g_addr, &fd), 0);
	srt_pci_unclaim(fd);
	srt_pci_unclaim(-1); /* ignored */
}

static void test_killed_holder_releases(void **state)
{
	int pipefd[2], fd;
	pid_t pid;
	char c;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	pid = child_claim(pipefd[1], true);
	assert_int_equal(read(pipefd[0], &c, 1), 1); /* the child holds the claim */
	assert_int_equal(srt_pci_claim(&g_addr, &fd), -EBUSY);
	kill(pid, SIGKILL);
	assert_int_equal(child_status(pid), -1);
	assert_int_equal(srt_pci_claim(&g_addr, &fd), 0);
	srt_pci_unclaim(fd);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_bad_directory(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(srt_pci_claim_set_dir("/nonexistent-spdkrt-dir"), 0);
	assert_int_equal(srt_pci_claim(&g_addr, &fd), -ENOENT);
	assert_logged("cannot open the claim file");
	assert_int_equal(srt_pci_claim_set_dir(g_dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_holder_across_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_holder_releases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_directory, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
