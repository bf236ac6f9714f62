/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "../common/test_common.h"

#include "env/cores.h"

static void expect(const char *text, const char *formatted, uint32_t count)
{
	struct srt_core_set set;
	char buf[128];

	assert_int_equal(srt_core_set_parse(text, &set), 0);
	assert_int_equal(srt_core_set_count(&set), count);
	assert_int_equal(srt_core_set_format(&set, buf, sizeof(buf)), 0);
	assert_string_equal(buf, formatted);
}

static void test_parse_forms(void **state)
{
	(void)state;
	expect("0x1", "0", 1);
	expect("0X3", "0-1", 2);
	expect("0xF0", "4-7", 4);
	expect("0x10000000000000001", "0,64", 2);
	expect("0-2,5,7-8", "0-2,5,7-8", 6);
	expect("[1,3]", "1,3", 2);
	expect("9", "9", 1);
}

static void test_parse_rejects_garbage(void **state)
{
	const char *bad[] = { "",
			      "0x",
			      "0x0",
			      "x3",
			      "1-",
			      "-1",
			      "1,,2",
			      "3-1",
			      "1024",
			      "[]",
			      "[1",
			      "1 2",
			      "0x12345678901234567890123456789012345678901234567890123456"
			      "789012345678901234567890123456789012345678901234567890123456"
			      "789012345678901234567890123456789012345678901234567890123456"
			      "789012345678901234567890123456789012345678901234567890123456"
			      "789012345678901234567890" };
	struct srt_core_set set;

	(void)state;
	log_capture_start();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (srt_core_set_parse(bad[i], &set) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
	assert_int_equal(srt_core_set_parse(NULL, &set), -EINVAL);
	assert_logged("core mask is NULL");
	log_capture_stop();
}

static void test_iterate_and_format_overflow(void **state)
{
	struct srt_core_set set;
	char small[3];

	(void)state;
	assert_int_equal(srt_core_set_parse("1,5,1023", &set), 0);
	assert_int_equal(srt_core_set_next(&set, UINT32_MAX), 1);
	assert_int_equal(srt_core_set_next(&set, 1), 5);
	assert_int_equal(srt_core_set_next(&set, 5), 1023);
	assert_int_equal(srt_core_set_next(&set, 1023), UINT32_MAX);
	assert_false(srt_core_set_has(&set, 4096));
	assert_int_equal(srt_core_set_format(&set, small, sizeof(small)), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_rejects_garbage),
		cmocka_unit_test(test_iterate_and_format_overflow),
	};

	return cmocka_run_group_tests_name("env/cores", tests, NULL, NULL);
}
