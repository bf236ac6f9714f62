/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handles used wrongly: freed twice, used from a thread that does not own them, a thread polled
 * from inside its own poll or by two OS threads, a clock at the end of time. Each is refused
 * with an errno and a log line (or ignored, as documented); none reads freed memory (the ASan
 * pass of this test is what proves that) or hangs (alarm() turns a hang into a failure).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../bdev/bdev_fixture.h"

#include <spdkrt/bdev_module.h>

static int setup(void **state)
{
	fixture_setup(state);
	log_capture_start();
	alarm(60);
	return 0;
}

static int teardown(void **state)
{
	alarm(0);
	return fixture_teardown(state);
}

/* Creates the malloc bdev M (16 blocks), opens it for writing and gets a channel of it. */
static struct spdkrt_io_channel *open_m(struct spdkrt_bdev_desc **desc)
{
	struct spdkrt_io_channel *ch;

	assert_int_equal(spdkrt_bdev_create("malloc:name=M,num_blocks=16", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("M", true, ignore_event, NULL, desc), 0);
	ch = spdkrt_bdev_get_io_channel(*desc);
	assert_non_null(ch);
	return ch;
}

static void test_thread_destroyed_twice(void **state)
{
	struct spdkrt_thread *t;

	(void)state;
	assert_int_equal(spdkrt_thread_create("twice", &t), 0);
	assert_int_equal(spdkrt_thread_destroy(t), 0);
	assert_int_equal(spdkrt_thread_destroy(t), -EINVAL);
	assert_logged("not a live thread");
}

static void test_descriptor_closed_twice(void **state)
{
	struct spdkrt_bdev_desc *desc;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=M,num_blocks=16", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("M", true, ignore_event, NULL, &desc), 0);
	spdkrt_bdev_close(desc);
	spdkrt_bdev_close(desc);
	assert_logged("not an open descriptor");
	destroy_and_wait("M");
}

static void test_channel_put_after_release(void **state)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;

	(void)state;
	ch = open_m(&desc);
	spdkrt_put_io_channel(ch);
	poll_n(3); /* released and freed */
	spdkrt_put_io_channel(ch);
	assert_logged("not a channel of the current thread");
	spdkrt_bdev_close(desc);
	destroy_and_wait("M");
}

static int idle_poller(void *ctx)
{
	(void)ctx;
	return SPDKRT_POLLER_IDLE;
}

static void test_poller_used_after_unregister_or_from_another_thread(void **state)
{
	struct spdkrt_poller *p, *stale;
	struct spdkrt_thread *other;

	(void)state;
	assert_int_equal(spdkrt_poller_register(idle_poller, NULL, 0, &p), 0);
	assert_int_equal(spdkrt_thread_create("other", &other), 0);
	spdkrt_set_thread(other);
	assert_int_equal(spdkrt_poller_pause(p), -EINVAL);
	assert_logged("not a registered poller of the current thread");
	assert_int_equal(spdkrt_poller_resume(p), -EINVAL);
	assert_logged("not a registered poller of the current thread");
	spdkrt_set_thread(g_thread);
	assert_int_equal(spdkrt_thread_destroy(other), 0);

	stale = p;
	spdkrt_poller_unregister(&p);
	assert_int_equal(spdkrt_poller_pause(stale), -EINVAL);
	assert_logged("not a registered poller");
	spdkrt_poller_unregister(&stale);
	assert_logged("not a poller of the current thread");
}

static void ignore_wait(void *arg)
{
	(void)arg;
}

struct nested {
	int inner_rc;
	int other_os_thread_rc;
	struct spdkrt_poller *poller;
	struct spdkrt_poller *victim;
};

static void *poll_from_another_os_thread(void *arg)
{
	struct nested *n = arg;

	n->other_os_thread_rc = spdkrt_thread_poll(g_thread, 0, 0);
	return NULL;
}

/* A poller that waits synchronously: polls its own thread, and lets another OS thread try. */
static int waiting_poller(void *ctx)
{
	struct nested *n = ctx;
	pthread_t other;

	n->inner_rc = spdkrt_thread_poll(g_thread, 0, 0);
	assert_int_equal(pthread_create(&other, NULL, poll_from_another_os_thread, n), 0);
	pthread_join(other, NULL);
	spdkrt_poller_unregister(&n->poller);
	return SPDKRT_POLLER_BUSY;
}

static int unregistered_by_a_nested_poll(void *ctx)
{
	(void)ctx;
	return SPDKRT_POLLER_IDLE;
}

static void test_nested_and_concurrent_polls_are_refused(void **state)
{
	struct nested n = { .inner_rc = 1, .other_os_thread_rc = 1 };

	(void)state;
	assert_int_equal(spdkrt_poller_register(waiting_poller, &n, 0, &n.poller), 0);
	assert_int_equal(spdkrt_poller_register(unregistered_by_a_nested_poll, NULL, 0, &n.victim),
			 0);
	poll_n(1);
	assert_int_equal(n.inner_rc, -EBUSY);
	assert_int_equal(n.other_os_thread_rc, -EBUSY);
	assert_logged("is already being polled");
	assert_null(n.poller);
	spdkrt_poller_unregister(&n.victim);
	/* the thread is intact: messages still flow */
	assert_int_equal(spdkrt_thread_send_msg(g_thread, ignore_wait, NULL), 0);
	poll_n(2);
	assert_true(spdkrt_thread_is_idle(g_thread));
}

static int counting_poller(void *ctx)
{
	(*(int *)ctx)++;
	return SPDKRT_POLLER_BUSY;
}

static void test_timed_poller_at_the_end_of_time(void **state)
{
	struct spdkrt_poller *p;
	int runs = 0;

	(void)state;
	assert_int_equal(spdkrt_poller_register(counting_poller, &runs, 10, &p), 0);
	/* before: the deadline wrapped below now and one poll ran the poller forever */
	spdkrt_thread_poll(g_thread, 0, UINT64_MAX - 5);
	assert_int_equal(runs, 1);
	spdkrt_thread_poll(g_thread, 0, UINT64_MAX);
	assert_int_equal(runs, 2);
	spdkrt_poller_unregister(&p);
}

static void test_io_wait_with_free_io_objects_is_refused(void **state)
{
	struct spdkrt_bdev_io_wait_entry entry = { .cb_fn = ignore_wait };
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	struct spdkrt_bdev *bdev;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=M,num_blocks=16", &bdev), 0);
	assert_int_equal(spdkrt_bdev_open("M", true, ignore_event, NULL, &desc), 0);
	ch = spdkrt_bdev_get_io_channel(desc);
	/* nothing is in flight: the callback would never run */
	assert_int_equal(spdkrt_bdev_queue_io_wait(bdev, ch, &entry), -EINVAL);
	assert_logged("submit now");
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	destroy_and_wait("M");
}

static void test_io_from_a_thread_that_does_not_own_the_channel(void **state)
{
	static char buf[512] __attribute__((aligned(64)));
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	struct spdkrt_thread *other;
	int status = 1;

	(void)state;
	ch = open_m(&desc);
	assert_int_equal(spdkrt_thread_create("other", &other), 0);
	spdkrt_set_thread(other);
	assert_int_equal(spdkrt_bdev_write_blocks(desc, ch, buf, 0, 1, store_status, &status),
			 -EINVAL);
	assert_logged("not a channel of the current thread");
	spdkrt_set_thread(g_thread);
	assert_int_equal(spdkrt_thread_destroy(other), 0);
	assert_int_equal(spdkrt_bdev_write_blocks(desc, ch, buf, 0, 1, store_status, &status), 0);
	poll_until(status == 0);
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	destroy_and_wait("M");
}

/* Before: fini unmapped the memory under the bdev and the next I/O faulted. */
static void test_env_fini_refused_while_bdevs_exist(void **state)
{
	static char buf[512] __attribute__((aligned(64)));
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	int status = 1;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=M,num_blocks=16", NULL), 0);
	spdkrt_env_fini();
	assert_logged("bdevs 'M' still exist");
	assert_true(spdkrt_env_is_initialized());
	assert_int_equal(spdkrt_bdev_open("M", true, ignore_event, NULL, &desc), 0);
	ch = spdkrt_bdev_get_io_channel(desc);
	assert_int_equal(spdkrt_bdev_write_blocks(desc, ch, buf, 0, 1, store_status, &status), 0);
	poll_until(status == 0);
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	destroy_and_wait("M");
}

/* Before: the I/O path read the closed descriptor's freed memory (ASan: heap-use-after-free). */
static void test_io_on_a_closed_descriptor(void **state)
{
	static char buf[512] __attribute__((aligned(64)));
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	int status = 1;

	(void)state;
	ch = open_m(&desc);
	spdkrt_bdev_close(desc);
	assert_int_equal(spdkrt_bdev_write_blocks(desc, ch, buf, 0, 1, store_status, &status),
			 -EINVAL);
	assert_logged("not an open descriptor");
	assert_int_equal(spdkrt_bdev_read(desc, ch, buf, 0, 512, store_status, &status), -EINVAL);
	assert_logged("not an open descriptor");
	assert_int_equal(spdkrt_bdev_reset(desc, ch, store_status, &status), -EINVAL);
	assert_logged("not an open descriptor");
	assert_null(spdkrt_bdev_desc_get_bdev(desc));
	assert_logged("not an open descriptor");
	assert_null(spdkrt_bdev_get_io_channel(desc));
	assert_logged("not an open descriptor");
	assert_int_equal(status, 1); /* no callback ran */
	spdkrt_put_io_channel(ch);
	destroy_and_wait("M");
}

/* Before: a channel put (and released) was read through by the next submission. */
static void test_io_on_a_put_or_released_channel(void **state)
{
	static char buf[512] __attribute__((aligned(64)));
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	int status = 1;

	(void)state;
	ch = open_m(&desc);
	/* a good I/O first: the channel is the one the check remembers */
	assert_int_equal(spdkrt_bdev_write_blocks(desc, ch, buf, 0, 1, store_status, &status), 0);
	poll_until(status == 0);
	spdkrt_put_io_channel(ch); /* put, not released yet */
	status = 1;
	assert_int_equal(spdkrt_bdev_write_blocks(desc, ch, buf, 0, 1, store_status, &status),
			 -EINVAL);
	assert_logged("not a channel of the current thread");
	poll_n(3); /* released and freed */
	assert_int_equal(spdkrt_bdev_read_blocks(desc, ch, buf, 0, 1, store_status, &status),
			 -EINVAL);
	assert_logged("not a channel of the current thread");
	assert_int_equal(status, 1);
	spdkrt_bdev_close(desc);
	destroy_and_wait("M");
}

/* Two channels used in turn on one thread: each is checked right, the released one refused. */
static void test_two_channels_in_turn(void **state)
{
	static char buf[512] __attribute__((aligned(64)));
	struct spdkrt_bdev_desc *d1, *d2;
	struct spdkrt_io_channel *c1, *c2;
	int s1 = 1, s2 = 1;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=M,num_blocks=16", NULL), 0);
	assert_int_equal(spdkrt_bdev_create("malloc:name=N,num_blocks=16", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("M", true, ignore_event, NULL, &d1), 0);
	assert_int_equal(spdkrt_bdev_open("N", true, ignore_event, NULL, &d2), 0);
	c1 = spdkrt_bdev_get_io_channel(d1);
	c2 = spdkrt_bdev_get_io_channel(d2);
	for (int i = 0; i < 4; i++) {
		s1 = s2 = 1;
		assert_int_equal(spdkrt_bdev_write_blocks(d1, c1, buf, 0, 1, store_status, &s1), 0);
		assert_int_equal(spdkrt_bdev_write_blocks(d2, c2, buf, 0, 1, store_status, &s2), 0);
		poll_until(s1 == 0 && s2 == 0);
	}
	/* a channel of the other bdev */
	assert_int_equal(spdkrt_bdev_write_blocks(d1, c2, buf, 0, 1, store_status, &s1), -EINVAL);
	assert_logged("another bdev");
	spdkrt_put_io_channel(c1);
	poll_n(3);
	assert_int_equal(spdkrt_bdev_write_blocks(d1, c1, buf, 0, 1, store_status, &s1), -EINVAL);
	assert_logged("not a channel of the current thread");
	s2 = 1;
	assert_int_equal(spdkrt_bdev_write_blocks(d2, c2, buf, 0, 1, store_status, &s2), 0);
	poll_until(s2 == 0);
	spdkrt_put_io_channel(c2);
	spdkrt_bdev_close(d1);
	spdkrt_bdev_close(d2);
	destroy_and_wait("M");
	destroy_and_wait("N");
}

/* Before: every getter read the destroyed bdev's freed memory. */
static void test_getters_on_a_destroyed_bdev(void **state)
{
	struct spdkrt_bdev_stats stats;
	struct spdkrt_bdev *bdev;
	uint8_t uuid[16];

	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=M,num_blocks=16", &bdev), 0);
	assert_string_equal(spdkrt_bdev_get_name(bdev), "M");
	assert_int_equal(spdkrt_bdev_get_num_blocks(bdev), 16);
	destroy_and_wait("M");
	assert_string_equal(spdkrt_bdev_get_name(bdev), "");
	assert_logged("not a registered bdev");
	assert_int_equal(spdkrt_bdev_get_num_blocks(bdev), 0);
	assert_logged("not a registered bdev");
	assert_int_equal(spdkrt_bdev_get_block_size(bdev), 0);
	assert_null(spdkrt_bdev_get_module_ctx(bdev));
	assert_false(spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_READ));
	assert_false(spdkrt_bdev_is_claimed(bdev));
	assert_int_equal(spdkrt_bdev_get_uuid(bdev, uuid), -ENODEV);
	assert_int_equal(spdkrt_bdev_get_stats(bdev, &stats, sizeof(stats)), -ENODEV);
	assert_int_equal(spdkrt_bdev_notify_resize(bdev, 8), -ENODEV);
	assert_logged("not a registered bdev");
}

/* In a child: destroys a thread twice with SPDKRT_FATAL_MISUSE set to mode (NULL: unset). */
static int destroy_twice_in_child(const char *mode)
{
	struct rlimit no_core = { 0, 0 };
	struct spdkrt_thread *t;
	int wstatus;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &no_core); /* the test needs the signal, not the core */
		if (mode != NULL)
			setenv("SPDKRT_FATAL_MISUSE", mode, 1);
		else
			unsetenv("SPDKRT_FATAL_MISUSE");
		if (spdkrt_thread_create("twice", &t) != 0 || spdkrt_thread_destroy(t) != 0)
			_exit(3);
		_exit(spdkrt_thread_destroy(t) == -EINVAL ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	return wstatus;
}

/* Off by default (and for any value but 1): logged and refused; SPDKRT_FATAL_MISUSE=1: abort. */
static void test_fatal_misuse_mode(void **state)
{
	int wstatus;

	(void)state;
	wstatus = destroy_twice_in_child(NULL);
	assert_true(WIFEXITED(wstatus));
	assert_int_equal(WEXITSTATUS(wstatus), 0);
	wstatus = destroy_twice_in_child("0");
	assert_true(WIFEXITED(wstatus));
	assert_int_equal(WEXITSTATUS(wstatus), 0);
	wstatus = destroy_twice_in_child("1");
	assert_true(WIFSIGNALED(wstatus));
	assert_int_equal(WTERMSIG(wstatus), SIGABRT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_thread_destroyed_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_descriptor_closed_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_put_after_release, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_poller_used_after_unregister_or_from_another_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_and_concurrent_polls_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_timed_poller_at_the_end_of_time, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_io_wait_with_free_io_objects_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_io_from_a_thread_that_does_not_own_the_channel,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_fini_refused_while_bdevs_exist, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_io_on_a_closed_descriptor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_on_a_put_or_released_channel, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_two_channels_in_turn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getters_on_a_destroyed_bdev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fatal_misuse_mode, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
