/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message stress: two OS threads each send 10^7 messages to one spdkrt thread that a third OS
 * thread polls, retrying on a full ring. Every message must arrive exactly once and each
 * sender's messages in the order it sent them. Also run under ThreadSanitizer
 * (scripts/test-tsan.sh). SPDKRT_STRESS_MESSAGES overrides the count per sender.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "../common/test_common.h"

#include <spdkrt/thread.h>

#define SENDERS 2
#define DEFAULT_MESSAGES 10000000ull
/* Generous: a healthy run takes a few seconds, even with sanitizers. */
#define DEADLINE_S 300

/* A message's ctx: the sender in the top bits, its sequence number below. */
#define SENDER_SHIFT 48
#define SEQ_MASK ((1ull << SENDER_SHIFT) - 1)

static uint64_t g_messages;
static struct spdkrt_thread *g_receiver;

/* Written by the receiving OS thread only; read by the test after joining it. */
static uint64_t g_next_seq[SENDERS];
static uint64_t g_out_of_order, g_bad_sender;
static _Atomic uint64_t g_received;

static _Atomic bool g_senders_done;
static _Atomic bool g_give_up;
static uint64_t g_full_retries[SENDERS];

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static void receive(void *ctx)
{
	uint64_t value = (uint64_t)(uintptr_t)ctx;
	uint64_t sender = value >> SENDER_SHIFT;

	if (sender >= SENDERS) {
		g_bad_sender++;
		return;
	}
	if ((value & SEQ_MASK) != g_next_seq[sender])
		g_out_of_order++;
	g_next_seq[sender] = (value & SEQ_MASK) + 1;
	atomic_fetch_add_explicit(&g_received, 1, memory_order_relaxed);
}

static void *sender_main(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;
	uint64_t retries = 0;

	for (uint64_t seq = 0; seq < g_messages; seq++) {
		void *ctx = (void *)(uintptr_t)((id << SENDER_SHIFT) | seq);
		int rc;

		while ((rc = spdkrt_thread_send_msg(g_receiver, receive, ctx)) == -ENOMEM) {
			retries++;
			if (atomic_load_explicit(&g_give_up, memory_order_relaxed))
				goto out;
			sched_yield(); /* two cores, three busy threads: let the receiver run */
		}
		if (rc != 0)
			break; /* counted as missing messages by the test */
	}
out:
	g_full_retries[id] = retries;
	return NULL;
}

static void *receiver_main(void *arg)
{
	uint64_t deadline = now_s() + DEADLINE_S;

	(void)arg;
	for (;;) {
		if (spdkrt_thread_poll(g_receiver, 0, 0) == 0) {
			/* idle: finished once the senders are and the ring is drained */
			if (atomic_load(&g_senders_done) && spdkrt_thread_is_idle(g_receiver))
				break;
			if (now_s() > deadline) {
				atomic_store(&g_give_up, true);
				if (atomic_load(&g_senders_done))
					break;
			}
			sched_yield();
		}
	}
	return NULL;
}

static void test_two_senders_one_receiver(void **state)
{
	pthread_t senders[SENDERS], receiver;
	const char *env = getenv("SPDKRT_STRESS_MESSAGES");
	struct timespec t0, t1;
	double seconds;

	(void)state;
	g_messages = env != NULL ? strtoull(env, NULL, 10) : DEFAULT_MESSAGES;
	assert_true(g_messages > 0 && g_messages <= SEQ_MASK);
	assert_int_equal(spdkrt_thread_create("receiver", &g_receiver), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pthread_create(&receiver, NULL, receiver_main, NULL), 0);
	for (uintptr_t i = 0; i < SENDERS; i++)
		assert_int_equal(pthread_create(&senders[i], NULL, sender_main, (void *)i), 0);
	for (int i = 0; i < SENDERS; i++)
		pthread_join(senders[i], NULL);
	atomic_store(&g_senders_done, true);
	pthread_join(receiver, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	print_message("%llu messages in %.2f s (%.1f M/s); full-ring retries: %llu, %llu\n",
		      (unsigned long long)atomic_load(&g_received), seconds,
		      (double)atomic_load(&g_received) / seconds / 1e6,
		      (unsigned long long)g_full_retries[0], (unsigned long long)g_full_retries[1]);
	assert_false(atomic_load(&g_give_up));
	assert_int_equal(g_bad_sender, 0);
	assert_int_equal(g_out_of_order, 0);
	for (int i = 0; i < SENDERS; i++)
		assert_int_equal(g_next_seq[i], g_messages);
	/* exactly once: the total excludes duplicates that the order check would also catch */
	assert_int_equal(atomic_load(&g_received), SENDERS * g_messages);
	assert_true(spdkrt_thread_is_idle(g_receiver));
	assert_int_equal(spdkrt_thread_destroy(g_receiver), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_senders_one_receiver),
	};

	return cmocka_run_group_tests_name("thread/msg_stress", tests, NULL, NULL);
}
