/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spdkrt_thread_send_msg racing thread exit: senders on other OS threads send to a thread until
 * they are refused, while its owner exits it, polls it until it has exited and destroys it.
 * Whatever the timing, every accepted message must have run before the thread counts as
 * exited (none dropped, none left in a ring that destroy frees). Many short rounds, so the
 * window between a sender's check and its push is hit; also run under ThreadSanitizer
 * (scripts/test-tsan.sh). SPDKRT_RACE_ROUNDS overrides the number of rounds.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "../common/test_common.h"

#include <spdkrt/thread.h>

#define SENDERS 2
#define DEFAULT_ROUNDS 2000
#define MAX_PER_SENDER 4096

struct round {
	struct spdkrt_thread *target;
	_Atomic bool go;
	_Atomic uint64_t accepted;
	uint64_t received; /* by the polling (main) OS thread only */
	_Atomic uint64_t bad_refusals;
};

static void receive(void *ctx)
{
	struct round *r = ctx;

	r->received++;
}

static void *sender_main(void *arg)
{
	struct round *r = arg;

	while (!atomic_load(&r->go))
		sched_yield();
	/* Bounded: a thread exits once its ring is empty, which endless senders could postpone. */
	for (int n = 0; n < MAX_PER_SENDER; n++) {
		int rc = spdkrt_thread_send_msg(r->target, receive, r);

		if (rc == 0)
			atomic_fetch_add(&r->accepted, 1);
		else if (rc == -EINVAL)
			break; /* refused: the thread has exited */
		else if (rc == -ENOMEM)
			sched_yield();
		else
			atomic_fetch_add(&r->bad_refusals, 1);
	}
	return NULL;
}

static void run_round(int round)
{
	pthread_t senders[SENDERS];
	struct round r = { 0 };
	long polls = 0;

	assert_int_equal(spdkrt_thread_create("target", &r.target), 0);
	for (int i = 0; i < SENDERS; i++)
		assert_int_equal(pthread_create(&senders[i], NULL, sender_main, &r), 0);
	atomic_store(&r.go, true);
	/* Let some messages through first on odd rounds, exit at once on even ones. */
	if (round % 2 != 0)
		for (int i = 0; i < 3; i++)
			spdkrt_thread_poll(r.target, 0, 0);
	assert_int_equal(spdkrt_thread_exit(r.target), 0);
	while (!spdkrt_thread_is_exited(r.target)) {
		spdkrt_thread_poll(r.target, 0, 0);
		if (++polls > 100000000L)
			fail_msg("round %d: the thread never exited", round);
	}
	for (int i = 0; i < SENDERS; i++)
		assert_int_equal(pthread_join(senders[i], NULL), 0);
	/* Every message the library accepted ran before the thread counted as exited. */
	if (r.received != atomic_load(&r.accepted))
		fail_msg("round %d: %llu messages accepted but %llu delivered", round,
			 (unsigned long long)atomic_load(&r.accepted),
			 (unsigned long long)r.received);
	assert_int_equal(atomic_load(&r.bad_refusals), 0);
	assert_int_equal(spdkrt_thread_destroy(r.target), 0);
}

static void test_senders_racing_exit_lose_nothing(void **state)
{
	const char *env = getenv("SPDKRT_RACE_ROUNDS");
	int rounds = env != NULL ? atoi(env) : DEFAULT_ROUNDS;

	(void)state;
	log_capture_start(); /* each refusal logs an error line: keep them off the output */
	for (int round = 0; round < rounds; round++)
		run_round(round);
	log_capture_stop();
}

/* A thread that was never polled but has a message queued is not destroyed with it. */
static void test_destroy_refuses_queued_messages(void **state)
{
	struct spdkrt_thread *t;
	struct round r = { 0 };

	(void)state;
	assert_int_equal(spdkrt_thread_create("queued", &t), 0);
	assert_int_equal(spdkrt_thread_send_msg(t, receive, &r), 0);
	assert_int_equal(spdkrt_thread_destroy(t), -EBUSY);
	/* refused, not closed: the message still arrives */
	assert_int_equal(spdkrt_thread_send_msg(t, receive, &r), 0);
	spdkrt_thread_poll(t, 0, 0);
	assert_int_equal(r.received, 2);
	assert_int_equal(spdkrt_thread_destroy(t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_senders_racing_exit_lose_nothing),
		cmocka_unit_test(test_destroy_refuses_queued_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
