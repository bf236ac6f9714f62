/* SPDX-License-Identifier: BSD-3-Clause */
/* Ticks (ticks.c): monotonic, and the rate agrees with CLOCK_MONOTONIC. */
#include <time.h>

#include "../common/test_common.h"

#include <spdkrt/thread.h>

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_ticks_are_monotonic(void **state)
{
	uint64_t prev = spdkrt_get_ticks();

	(void)state;
	assert_int_not_equal(prev, 0);
	for (int i = 0; i < 100000; i++) {
		uint64_t now = spdkrt_get_ticks();

		assert_true(now >= prev);
		prev = now;
	}
}

/*
 * The rate is stable (same value twice) and converts a 200 ms interval to 200 ms. The bound
 * is wide (a factor of 2) so that a preempted test on a loaded machine cannot fail it; a wrong
 * unit (ns against TSC ticks, or a calibration gone wrong) is off by far more.
 */
static void test_rate_matches_the_monotonic_clock(void **state)
{
	uint64_t hz = spdkrt_get_ticks_hz();
	struct timespec pause = { .tv_sec = 0, .tv_nsec = 200000000 };
	uint64_t t0, n0, t1, n1;
	double measured;

	(void)state;
	assert_true(hz >= 1000000); /* at least 1 MHz: 1 tick <= 1 us */
	assert_int_equal(spdkrt_get_ticks_hz(), hz);
	t0 = spdkrt_get_ticks();
	n0 = monotonic_ns();
	nanosleep(&pause, NULL);
	t1 = spdkrt_get_ticks();
	n1 = monotonic_ns();
	measured = (double)(t1 - t0) / (double)hz * 1e9 / (double)(n1 - n0);
	if (measured < 0.5 || measured > 2.0)
		fail_msg("%llu ticks at %llu Hz over %llu ns (ratio %.3f)",
			 (unsigned long long)(t1 - t0), (unsigned long long)hz,
			 (unsigned long long)(n1 - n0), measured);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticks_are_monotonic),
		cmocka_unit_test(test_rate_matches_the_monotonic_clock),
	};

	return cmocka_run_group_tests_name("thread/ticks", tests, NULL, NULL);
}
