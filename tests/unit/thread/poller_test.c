/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pollers (poller.c): untimed and timed pollers against a controlled clock (the `now` argument
 * of spdkrt_thread_poll), unregistering from inside a poller, pause and resume, and exit.
 */
#include <errno.h>
#include <stdbool.h>

#include "../common/test_common.h"

#include <spdkrt/thread.h>

#include "thread/internal.h"

/* The controlled clock starts far from 0, which spdkrt_thread_poll reads as "use the TSC". */
#define T0 1000000000ull

static struct spdkrt_thread *g_thread;
static uint64_t g_ticks_per_ms;

/* The poller's own conversion, so that due times are exact whatever the tick rate. */
static uint64_t us_to_ticks(uint64_t us)
{
	return us * spdkrt_get_ticks_hz() / 1000000;
}

static int setup(void **state)
{
	(void)state;
	log_capture_start();
	g_ticks_per_ms = us_to_ticks(1000);
	assert_int_equal(spdkrt_thread_create("pollers", &g_thread), 0);
	/* the first poll sets the thread's notion of now; registers count from it */
	spdkrt_thread_poll(g_thread, 0, T0);
	spdkrt_set_thread(g_thread);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	spdkrt_set_thread(NULL);
	assert_int_equal(spdkrt_thread_exit(g_thread), 0);
	spdkrt_thread_poll(g_thread, 0, T0);
	assert_true(spdkrt_thread_is_exited(g_thread));
	assert_int_equal(spdkrt_thread_destroy(g_thread), 0);
	log_capture_stop();
	return 0;
}

/* Each poller counts its runs and can act on a chosen run. */
struct counter {
	int runs;
	int result;
	int unregister_at; /* unregister *self on this run */
	struct spdkrt_poller **self;
	int victim_at; /* unregister *victim on this run */
	struct spdkrt_poller **victim;
	int pause_at; /* pause itself on this run */
	struct spdkrt_poller *handle;
	int *order; /* shared log of which poller ran */
	int *order_len;
	int id;
};

static int counter_poll(void *ctx)
{
	struct counter *c = ctx;

	c->runs++;
	assert_ptr_equal(spdkrt_get_thread(), g_thread);
	if (c->order != NULL)
		c->order[(*c->order_len)++] = c->id;
	if (c->runs == c->unregister_at)
		spdkrt_poller_unregister(c->self);
	if (c->runs == c->victim_at)
		spdkrt_poller_unregister(c->victim);
	if (c->runs == c->pause_at)
		assert_int_equal(spdkrt_poller_pause(c->handle), 0);
	return c->result;
}

static void test_untimed_poller_runs_every_poll(void **state)
{
	struct counter c = { .result = SPDKRT_POLLER_BUSY };
	struct spdkrt_poller *p;

	(void)state;
	assert_int_equal(spdkrt_poller_register(counter_poll, &c, 0, &p), 0);
	assert_non_null(p);
	assert_false(spdkrt_thread_is_idle(g_thread));
	for (int i = 0; i < 5; i++)
		assert_int_equal(spdkrt_thread_poll(g_thread, 0, T0), 1);
	assert_int_equal(c.runs, 5);
	/* an idle poller ran but did no work */
	c.result = SPDKRT_POLLER_IDLE;
	assert_int_equal(spdkrt_thread_poll(g_thread, 0, T0), 0);
	assert_int_equal(c.runs, 6);
	spdkrt_poller_unregister(&p);
	assert_null(p);
	spdkrt_thread_poll(g_thread, 0, T0);
	assert_int_equal(c.runs, 6);
	assert_true(spdkrt_thread_is_idle(g_thread));
}

static void test_timed_poller_follows_the_clock(void **state)
{
	struct counter c = { .result = SPDKRT_POLLER_BUSY };
	uint64_t period = us_to_ticks(10000);
	struct spdkrt_poller *p;

	(void)state;
	assert_int_equal(spdkrt_poller_register(counter_poll, &c, 10000, &p), 0);
	/* a timed poller alone leaves the thread idle */
	assert_true(spdkrt_thread_is_idle(g_thread));
	assert_int_equal(spdkrt_thread_poll(g_thread, 0, T0 + period - 1), 0);
	assert_int_equal(c.runs, 0);
	assert_int_equal(spdkrt_thread_poll(g_thread, 0, T0 + period), 1);
	assert_int_equal(c.runs, 1);
	/* not again at the same time, nor before the next period */
	assert_int_equal(spdkrt_thread_poll(g_thread, 0, T0 + period), 0);
	assert_int_equal(spdkrt_thread_poll(g_thread, 0, T0 + 2 * period - 1), 0);
	assert_int_equal(c.runs, 1);
	assert_int_equal(spdkrt_thread_poll(g_thread, 0, T0 + 2 * period), 1);
	assert_int_equal(c.runs, 2);
	/* late by five periods: it runs once, not five times, and counts from then */
	assert_int_equal(spdkrt_thread_poll(g_thread, 0, T0 + 7 * period), 1);
	assert_int_equal(c.runs, 3);
	assert_int_equal(spdkrt_thread_poll(g_thread, 0, T0 + 8 * period - 1), 0);
	assert_int_equal(spdkrt_thread_poll(g_thread, 0, T0 + 8 * period), 1);
	assert_int_equal(c.runs, 4);
	spdkrt_poller_unregister(&p);
	assert_int_equal(spdkrt_thread_poll(g_thread, 0, T0 + 100 * period), 0);
	assert_int_equal(c.runs, 4);
}

static void test_timed_pollers_with_different_periods(void **state)
{
	int order[64], order_len = 0;
	struct counter fast = { .id = 1, .order = order, .order_len = &order_len };
	struct counter slow = { .id = 3, .order = order, .order_len = &order_len };
	struct spdkrt_poller *pf, *ps;
	/* 3 ms may round to a little more than 3 * 1 ms: step 1 ms + 1 tick */
	uint64_t step = us_to_ticks(1000) + 1;

	(void)state;
	/* slow is registered first, but due times decide who runs first */
	assert_int_equal(spdkrt_poller_register(counter_poll, &slow, 3000, &ps), 0);
	assert_int_equal(spdkrt_poller_register(counter_poll, &fast, 1000, &pf), 0);
	for (uint64_t k = 1; k <= 12; k++)
		spdkrt_thread_poll(g_thread, 0, T0 + k * step);
	assert_int_equal(fast.runs, 12);
	assert_int_equal(slow.runs, 4);
	assert_int_equal(order_len, 16);
	/* at the third step slow (due since 3 ms) runs before fast (due 1 ms after step 2) */
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 3);
	assert_int_equal(order[3], 1);
	spdkrt_poller_unregister(&pf);
	spdkrt_poller_unregister(&ps);
}

static void test_poller_unregisters_itself(void **state)
{
	struct spdkrt_poller *untimed, *timed;
	struct counter cu = { .unregister_at = 3, .self = &untimed };
	struct counter ct = { .unregister_at = 2, .self = &timed };
	uint64_t now = T0;

	(void)state;
	assert_int_equal(spdkrt_poller_register(counter_poll, &cu, 0, &untimed), 0);
	assert_int_equal(spdkrt_poller_register(counter_poll, &ct, 1000, &timed), 0);
	for (int i = 0; i < 10; i++) {
		now += g_ticks_per_ms;
		spdkrt_thread_poll(g_thread, 0, now);
	}
	assert_int_equal(cu.runs, 3);
	assert_int_equal(ct.runs, 2);
	assert_null(untimed);
	assert_null(timed);
	/* nothing is left: the thread can exit (teardown checks it) */
	assert_int_equal(g_thread->num_pollers, 0);
}

static void test_poller_unregisters_another(void **state)
{
	struct spdkrt_poller *a, *b, *c;
	/* a removes b (after it in the list); c removes a (before it) */
	struct counter ca = { .victim_at = 1, .victim = &b };
	struct counter cb = { 0 };
	struct counter cc = { .victim_at = 2, .victim = &a };

	(void)state;
	assert_int_equal(spdkrt_poller_register(counter_poll, &ca, 0, &a), 0);
	assert_int_equal(spdkrt_poller_register(counter_poll, &cb, 0, &b), 0);
	assert_int_equal(spdkrt_poller_register(counter_poll, &cc, 0, &c), 0);
	for (int i = 0; i < 4; i++)
		spdkrt_thread_poll(g_thread, 0, T0);
	assert_int_equal(ca.runs, 2);
	assert_int_equal(cb.runs, 0);
	assert_int_equal(cc.runs, 4);
	assert_null(a);
	assert_null(b);
	spdkrt_poller_unregister(&c);
	spdkrt_poller_unregister(&c); /* NULL handle: ignored */
	spdkrt_poller_unregister(NULL);
	assert_int_equal(g_thread->num_pollers, 0);
}

static void test_pause_and_resume(void **state)
{
	struct counter cu = { 0 }, ct = { 0 };
	struct spdkrt_poller *untimed, *timed;
	uint64_t period = g_ticks_per_ms;

	(void)state;
	assert_int_equal(spdkrt_poller_register(counter_poll, &cu, 0, &untimed), 0);
	assert_int_equal(spdkrt_poller_register(counter_poll, &ct, 1000, &timed), 0);
	cu.handle = untimed;
	cu.pause_at = 2; /* pauses itself on its second run */
	assert_int_equal(spdkrt_poller_pause(timed), 0);
	assert_int_equal(spdkrt_poller_pause(timed), 0); /* twice: still paused */
	for (int i = 1; i <= 5; i++)
		spdkrt_thread_poll(g_thread, 0, T0 + (uint64_t)i * period);
	assert_int_equal(cu.runs, 2);
	assert_int_equal(ct.runs, 0);
	assert_true(spdkrt_thread_is_idle(g_thread));

	/* a paused poller still keeps its thread from exiting */
	assert_int_equal(spdkrt_thread_exit(g_thread), 0);
	spdkrt_thread_poll(g_thread, 0, T0 + 5 * period);
	assert_false(spdkrt_thread_is_exited(g_thread));

	/* resumed, a timed poller is due one period after the resume */
	assert_int_equal(spdkrt_poller_resume(untimed), 0);
	assert_int_equal(spdkrt_poller_resume(untimed), 0); /* already active: no change */
	assert_int_equal(spdkrt_poller_resume(timed), 0);
	spdkrt_thread_poll(g_thread, 0, T0 + 6 * period - 1);
	assert_int_equal(cu.runs, 3);
	assert_int_equal(ct.runs, 0);
	spdkrt_thread_poll(g_thread, 0, T0 + 6 * period);
	assert_int_equal(cu.runs, 4);
	assert_int_equal(ct.runs, 1);

	assert_int_equal(spdkrt_poller_pause(NULL), -EINVAL);
	assert_int_equal(spdkrt_poller_resume(NULL), -EINVAL);
	spdkrt_poller_unregister(&untimed);
	spdkrt_poller_unregister(&timed);
	spdkrt_thread_poll(g_thread, 0, T0 + 7 * period);
	assert_true(spdkrt_thread_is_exited(g_thread));
}

static void test_register_rejects_bad_arguments(void **state)
{
	struct spdkrt_poller *p = NULL;
	struct counter c = { 0 };

	(void)state;
	assert_int_equal(spdkrt_poller_register(NULL, &c, 0, &p), -EINVAL);
	assert_logged("fn or poller is NULL");
	assert_int_equal(spdkrt_poller_register(counter_poll, &c, 0, NULL), -EINVAL);
	assert_logged("fn or poller is NULL");
	assert_int_equal(spdkrt_poller_register(counter_poll, &c, UINT64_MAX, &p), -EINVAL);
	assert_logged("is too long");
	spdkrt_set_thread(NULL);
	assert_int_equal(spdkrt_poller_register(counter_poll, &c, 0, &p), -EINVAL);
	assert_logged("no current spdkrt thread");
	assert_null(p);
	spdkrt_set_thread(g_thread);
}

static void test_unregister_from_another_thread_is_refused(void **state)
{
	struct spdkrt_thread *other;
	struct counter c = { 0 };
	struct spdkrt_poller *p, *copy;

	(void)state;
	assert_int_equal(spdkrt_poller_register(counter_poll, &c, 0, &p), 0);
	copy = p;
	assert_int_equal(spdkrt_thread_create("other", &other), 0);
	spdkrt_set_thread(other);
	spdkrt_poller_unregister(&copy);
	assert_logged("not a poller of the current thread");
	assert_ptr_equal(copy, p); /* the handle survives for its owner */
	spdkrt_set_thread(g_thread);
	spdkrt_thread_poll(g_thread, 0, T0);
	assert_int_equal(c.runs, 1);
	spdkrt_poller_unregister(&p);
	assert_int_equal(spdkrt_thread_destroy(other), 0);
}

/* A poller that registers another from inside its run. */
static struct spdkrt_poller *g_child;
static struct counter g_child_counter;

static int spawning_poll(void *ctx)
{
	struct counter *c = ctx;

	if (c->runs++ == 0)
		assert_int_equal(
			spdkrt_poller_register(counter_poll, &g_child_counter, 1000, &g_child), 0);
	return SPDKRT_POLLER_IDLE;
}

static void test_register_from_inside_a_poller(void **state)
{
	struct counter c = { 0 };
	struct spdkrt_poller *p;
	uint64_t now = T0 + 50 * g_ticks_per_ms;

	(void)state;
	memset(&g_child_counter, 0, sizeof(g_child_counter));
	assert_int_equal(spdkrt_poller_register(spawning_poll, &c, 0, &p), 0);
	spdkrt_thread_poll(g_thread, 0, now);
	assert_non_null(g_child);
	assert_int_equal(g_child_counter.runs, 0);
	/* the child counts its period from the poll that registered it */
	spdkrt_thread_poll(g_thread, 0, now + g_ticks_per_ms - 1);
	assert_int_equal(g_child_counter.runs, 0);
	spdkrt_thread_poll(g_thread, 0, now + g_ticks_per_ms);
	assert_int_equal(g_child_counter.runs, 1);
	spdkrt_poller_unregister(&p);
	spdkrt_poller_unregister(&g_child);
}

/* Destroying an exited thread frees pollers; destroying one with pollers is refused. */
static void test_destroy_with_pollers(void **state)
{
	struct spdkrt_thread *t;
	struct spdkrt_poller *p;
	struct counter c = { 0 };

	(void)state;
	assert_int_equal(spdkrt_thread_create("with-poller", &t), 0);
	spdkrt_set_thread(t);
	assert_int_equal(spdkrt_poller_register(counter_poll, &c, 0, &p), 0);
	spdkrt_set_thread(g_thread);
	assert_int_equal(spdkrt_thread_destroy(t), -EBUSY);
	assert_logged("1 pollers");
	spdkrt_set_thread(t);
	spdkrt_poller_unregister(&p);
	spdkrt_set_thread(g_thread);
	assert_int_equal(spdkrt_thread_destroy(t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_untimed_poller_runs_every_poll, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_timed_poller_follows_the_clock, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_timed_pollers_with_different_periods, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_poller_unregisters_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poller_unregisters_another, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_and_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_rejects_bad_arguments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unregister_from_another_thread_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_from_inside_a_poller, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_destroy_with_pollers, setup, teardown),
	};

	return cmocka_run_group_tests_name("thread/poller", tests, NULL, NULL);
}
