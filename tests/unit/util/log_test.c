/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <unistd.h>

#include "../common/test_common.h"

#include <spdkrt/version.h>

#define SRT_LOG_COMPONENT "test"
#include "util/log.h"

static void test_version_matches_headers(void **state)
{
	char expected[32];

	(void)state;
	snprintf(expected, sizeof(expected), "%d.%d.%d", SPDKRT_VERSION_MAJOR, SPDKRT_VERSION_MINOR,
		 SPDKRT_VERSION_PATCH);
	assert_string_equal(spdkrt_version(), expected);
	assert_string_equal(spdkrt_version(), SPDKRT_VERSION_STRING);
}

static void test_set_level(void **state)
{
	(void)state;
	assert_int_equal(spdkrt_log_set_level(SPDKRT_LOG_DEBUG), 0);
	assert_int_equal(spdkrt_log_get_level(), SPDKRT_LOG_DEBUG);
	assert_int_equal(spdkrt_log_set_level((enum spdkrt_log_level)5), -EINVAL);
	assert_int_equal(spdkrt_log_set_level((enum spdkrt_log_level) - 1), -EINVAL);
	assert_int_equal(spdkrt_log_get_level(), SPDKRT_LOG_DEBUG);
	assert_int_equal(spdkrt_log_set_level(SPDKRT_LOG_NOTICE), 0);
}

static void test_level_names(void **state)
{
	enum spdkrt_log_level level;

	(void)state;
	assert_string_equal(spdkrt_log_level_name(SPDKRT_LOG_ERROR), "error");
	assert_string_equal(spdkrt_log_level_name(SPDKRT_LOG_DEBUG), "debug");
	assert_string_equal(spdkrt_log_level_name((enum spdkrt_log_level)9), "unknown");
	assert_int_equal(spdkrt_log_level_from_name("INFO", &level), 0);
	assert_int_equal(level, SPDKRT_LOG_INFO);
	assert_int_equal(spdkrt_log_level_from_name("warning", &level), 0);
	assert_int_equal(level, SPDKRT_LOG_WARN);
	assert_int_equal(spdkrt_log_level_from_name("0", &level), 0);
	assert_int_equal(level, SPDKRT_LOG_ERROR);
	assert_int_equal(spdkrt_log_level_from_name("loud", &level), -EINVAL);
	assert_int_equal(spdkrt_log_level_from_name("5", &level), -EINVAL);
	assert_int_equal(spdkrt_log_level_from_name(NULL, &level), -EINVAL);
	assert_int_equal(spdkrt_log_level_from_name("info", NULL), -EINVAL);
}

static void test_sink_receives_lines_at_or_above_level(void **state)
{
	(void)state;
	log_capture_start();
	spdkrt_log_set_level(SPDKRT_LOG_WARN);
	SRT_ERR("disk %d failed", 3);
	SRT_INFO("not shown");
	assert_int_equal(g_log_capture.lines, 1);
	assert_logged("error [test] disk 3 failed");
	spdkrt_log_set_level(SPDKRT_LOG_DEBUG);
	SRT_DEBUG("now shown");
	assert_logged("debug [test] now shown");
	spdkrt_log_set_level(SPDKRT_LOG_NOTICE);
	log_capture_stop();
}

static void test_long_line_is_truncated_not_overflowed(void **state)
{
	char big[4096];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_capture_start();
	SRT_ERR("%s", big);
	assert_int_equal(g_log_capture.lines, 1);
	assert_true(g_log_capture.len > 1000 && g_log_capture.len < 1100);
	log_capture_stop();
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(spdkrt_strerror(-ENOMEM), "Cannot allocate memory");
	assert_string_equal(spdkrt_strerror(ENOMEM), "Cannot allocate memory");
	assert_string_equal(spdkrt_strerror(0), "Success");
	assert_string_equal(spdkrt_strerror(-100000), "Unknown error");
	assert_non_null(spdkrt_strerror(-2147483647));
}

struct reentrant_sink {
	unsigned calls;
};

/* A sink that logs and uninstalls itself: before, both deadlocked on the sink's lock. */
static void reentrant_sink_fn(void *ctx, enum spdkrt_log_level level, const char *component,
			      const char *message)
{
	struct reentrant_sink *s = ctx;

	(void)level;
	(void)component;
	(void)message;
	s->calls++;
	srt_log(SPDKRT_LOG_ERROR, "test", "logged from inside the sink (goes to stderr)");
	spdkrt_log_set_sink(NULL, NULL);
}

static void test_sink_may_call_back_into_spdkrt(void **state)
{
	struct reentrant_sink s = { 0 };

	(void)state;
	alarm(30); /* a deadlock fails the test instead of hanging it */
	spdkrt_log_set_sink(reentrant_sink_fn, &s);
	srt_log(SPDKRT_LOG_ERROR, "test", "first line");
	srt_log(SPDKRT_LOG_ERROR, "test", "second line: the sink is gone, stderr has it");
	alarm(0);
	assert_int_equal(s.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_matches_headers),
		cmocka_unit_test(test_set_level),
		cmocka_unit_test(test_level_names),
		cmocka_unit_test(test_sink_receives_lines_at_or_above_level),
		cmocka_unit_test(test_long_line_is_truncated_not_overflowed),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_sink_may_call_back_into_spdkrt),
	};

	return cmocka_run_group_tests_name("util/log", tests, NULL, NULL);
}
