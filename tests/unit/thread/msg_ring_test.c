/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bounded MPSC message ring (msg_ring.c) on its own: capacity rules, FIFO order, full ring,
 * many laps around the slots, and what "empty" means while a slot is claimed.
 */
#include <errno.h>
#include <stdbool.h>

#include "../common/test_common.h"

#include "thread/msg_ring.h"

static void msg_a(void *ctx)
{
	(void)ctx;
}

static void msg_b(void *ctx)
{
	(void)ctx;
}

static void test_capacity_must_be_a_power_of_two(void **state)
{
	struct srt_msg_ring ring;

	(void)state;
	assert_int_equal(srt_msg_ring_init(&ring, 0), -EINVAL);
	assert_int_equal(srt_msg_ring_init(&ring, 1), -EINVAL);
	assert_int_equal(srt_msg_ring_init(&ring, 6), -EINVAL);
	assert_int_equal(srt_msg_ring_init(&ring, 2), 0);
	srt_msg_ring_fini(&ring);
	assert_null(ring.slots);
}

static void test_fifo_full_and_laps(void **state)
{
	struct srt_msg_ring ring;
	spdkrt_msg_fn fn;
	void *ctx;
	uintptr_t next_push = 0, next_pop = 0;

	(void)state;
	assert_int_equal(srt_msg_ring_init(&ring, 8), 0);
	assert_true(srt_msg_ring_empty(&ring));
	assert_false(srt_msg_ring_pop(&ring, &fn, &ctx));

	for (int i = 0; i < 8; i++)
		assert_int_equal(
			srt_msg_ring_push(&ring, (i & 1) ? msg_b : msg_a, (void *)next_push++), 0);
	assert_int_equal(srt_msg_ring_push(&ring, msg_a, NULL), -ENOMEM);
	assert_false(srt_msg_ring_empty(&ring));
	for (int i = 0; i < 8; i++) {
		assert_true(srt_msg_ring_pop(&ring, &fn, &ctx));
		assert_ptr_equal(fn, (i & 1) ? msg_b : msg_a);
		assert_int_equal((uintptr_t)ctx, next_pop++);
	}
	assert_true(srt_msg_ring_empty(&ring));

	/* uneven pushes and pops wrap the indexes around many times */
	for (int lap = 0; lap < 1000; lap++) {
		int pushes = 1 + lap % 8, pops = 1 + (lap * 5) % 8;

		for (int i = 0; i < pushes; i++) {
			if (srt_msg_ring_push(&ring, msg_a, (void *)next_push) == 0)
				next_push++;
			else
				assert_int_equal(next_push - next_pop, 8);
		}
		for (int i = 0; i < pops && srt_msg_ring_pop(&ring, &fn, &ctx); i++)
			assert_int_equal((uintptr_t)ctx, next_pop++);
	}
	while (srt_msg_ring_pop(&ring, &fn, &ctx))
		assert_int_equal((uintptr_t)ctx, next_pop++);
	assert_int_equal(next_pop, next_push);
	assert_true(next_push > 4000);
	srt_msg_ring_fini(&ring);
}

/* A producer that claimed a slot but has not published it yet blocks the consumer there. */
static void test_claimed_slot_is_not_empty_and_not_poppable(void **state)
{
	struct srt_msg_ring ring;
	spdkrt_msg_fn fn;
	void *ctx;

	(void)state;
	assert_int_equal(srt_msg_ring_init(&ring, 4), 0);
	atomic_store(&ring.tail, 1); /* what a producer's claim does before it writes the slot */
	assert_false(srt_msg_ring_empty(&ring));
	assert_false(srt_msg_ring_pop(&ring, &fn, &ctx));
	/* the next producer queues behind it */
	assert_int_equal(srt_msg_ring_push(&ring, msg_b, (void *)2), 0);
	assert_false(srt_msg_ring_pop(&ring, &fn, &ctx));
	/* the first producer publishes: both come out, in slot order */
	ring.slots[0].fn = msg_a;
	ring.slots[0].ctx = (void *)1;
	atomic_store(&ring.slots[0].seq, 1);
	assert_true(srt_msg_ring_pop(&ring, &fn, &ctx));
	assert_ptr_equal(fn, msg_a);
	assert_true(srt_msg_ring_pop(&ring, &fn, &ctx));
	assert_ptr_equal(fn, msg_b);
	assert_int_equal((uintptr_t)ctx, 2);
	assert_true(srt_msg_ring_empty(&ring));
	srt_msg_ring_fini(&ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity_must_be_a_power_of_two),
		cmocka_unit_test(test_fifo_full_and_laps),
		cmocka_unit_test(test_claimed_slot_is_not_empty_and_not_poppable),
	};

	return cmocka_run_group_tests_name("thread/msg_ring", tests, NULL, NULL);
}
