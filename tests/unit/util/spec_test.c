/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "../common/test_common.h"

#include "util/spec.h"

static void test_parse_module_and_keys(void **state)
{
	struct srt_spec *spec;
	uint64_t n = 7;
	bool flag = false;
	const char *s;

	(void)state;
	assert_int_equal(srt_spec_parse("malloc:name=M0,size_mb=0x40,fast=yes", &spec), 0);
	assert_string_equal(spec->module, "malloc");
	assert_int_equal(spec->num_keys, 3);
	assert_int_equal(srt_spec_get_str(spec, "name", &s), 0);
	assert_string_equal(s, "M0");
	assert_int_equal(srt_spec_get_u64(spec, "size_mb", 1, 100, &n), 0);
	assert_int_equal(n, 64);
	assert_int_equal(srt_spec_get_u64(spec, "absent", 1, 100, &n), 0);
	assert_int_equal(n, 64); /* untouched */
	assert_int_equal(srt_spec_get_bool(spec, "fast", &flag), 0);
	assert_true(flag);
	assert_int_equal(srt_spec_check_all_used(spec), 0);
	srt_spec_free(spec);

	assert_int_equal(srt_spec_parse("null", &spec), 0);
	assert_string_equal(spec->module, "null");
	assert_int_equal(spec->num_keys, 0);
	srt_spec_free(spec);
	assert_int_equal(srt_spec_parse("null:", &spec), 0);
	assert_int_equal(spec->num_keys, 0);
	srt_spec_free(spec);
}

static void test_values_keep_colons_and_equals(void **state)
{
	struct srt_spec *spec;

	(void)state;
	assert_int_equal(srt_spec_parse("aio:filename=/a:b=c", &spec), 0);
	assert_string_equal(srt_spec_get(spec, "filename"), "/a:b=c");
	srt_spec_free(spec);
}

static void test_errors_are_logged(void **state)
{
	struct srt_spec *spec;
	char long_spec[5000];
	uint64_t n;
	bool b;

	(void)state;
	log_capture_start();
	assert_int_equal(srt_spec_parse(NULL, &spec), -EINVAL);
	assert_int_equal(srt_spec_parse(":name=x", &spec), -EINVAL);
	assert_logged("expected MODULE:key=value");
	assert_int_equal(srt_spec_parse("m:a=1,,b=2", &spec), -EINVAL);
	memset(long_spec, 'a', sizeof(long_spec) - 1);
	long_spec[sizeof(long_spec) - 1] = '\0';
	assert_int_equal(srt_spec_parse(long_spec, &spec), -EINVAL);
	assert_logged("longer than 4096");

	assert_int_equal(srt_spec_parse("m:a=1,b=x,c=maybe,d=,e=500", &spec), 0);
	assert_int_equal(srt_spec_get_u64(spec, "b", 0, 10, &n), -EINVAL);
	assert_logged("b='x' is not a number");
	assert_int_equal(srt_spec_get_bool(spec, "c", &b), -EINVAL);
	assert_logged("c='maybe' is not true or false");
	assert_int_equal(srt_spec_get_u64(spec, "d", 0, 10, &n), -EINVAL);
	assert_int_equal(srt_spec_get_u64(spec, "e", 0, 10, &n), -EINVAL);
	assert_logged("e=500 is outside 0..10");
	assert_int_equal(srt_spec_check_all_used(spec), -EINVAL);
	assert_logged("unknown key 'a'");
	srt_spec_free(spec);
	log_capture_stop();
}

static void test_too_many_keys(void **state)
{
	char text[1024] = "m:";
	struct srt_spec *spec;

	(void)state;
	for (int i = 0; i <= SRT_SPEC_MAX_KEYS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%sk%d=1", i ? "," : "",
			 i);
	log_capture_start();
	assert_int_equal(srt_spec_parse(text, &spec), -EINVAL);
	assert_logged("more than 32 keys");
	log_capture_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_module_and_keys),
		cmocka_unit_test(test_values_keep_colons_and_equals),
		cmocka_unit_test(test_errors_are_logged),
		cmocka_unit_test(test_too_many_keys),
	};

	return cmocka_run_group_tests_name("util/spec", tests, NULL, NULL);
}
