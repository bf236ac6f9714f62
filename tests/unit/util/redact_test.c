/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto keys never reach a log line or a shown spec, whatever typo the spec has: a space after
 * a comma, a misspelt or unknown key, a missing '=', a key given without its name, a short key.
 */
#include <errno.h>

#include "../bdev/bdev_fixture.h"

#include "util/redact.h"

#define KEY1 "00112233445566778899aabbccddeeff"
#define KEY2 "ffeeddccbbaa99887766554433221100"

/* Fails when text holds any 17-character piece of either key. */
static void assert_no_key_material(const char *text, const char *what)
{
	const char *keys[] = { KEY1, KEY2 };

	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i + SRT_REDACT_HEX_RUN <= strlen(keys[k]); i++) {
			char piece[SRT_REDACT_HEX_RUN + 1];

			memcpy(piece, keys[k] + i, SRT_REDACT_HEX_RUN);
			piece[SRT_REDACT_HEX_RUN] = '\0';
			if (strstr(text, piece) != NULL)
				fail_msg("%s: key material '%s' shown in:\n%s", what, piece, text);
		}
	}
}

static const char *const g_typo_specs[] = {
	"crypto:name=C,base=M,cipher=AES_XTS,key=" KEY1 ", key2=" KEY2,
	"crypto:name=C,base=M,cipher=AES_XTS, key=" KEY1 ",key2=" KEY2,
	"crypto:name=C,base=M,cipher=AES_XTS,kye=" KEY1 ",key2=" KEY2,
	"crypto:name=C,base=M,cipher=AES_XTS,key" KEY1 ",key2=" KEY2,
	"crypto:name=C,base=M,cipher=AES_XTS," KEY1 "," KEY2,
	"crypto:name=C,base=M,cipher=AES_XTS,KEY=" KEY1 ",Key2=" KEY2,
	"crypto:name=C,base=Nosuch,cipher=AES_XTS,key=" KEY1 ",key2=" KEY2,
	"crypto:name=C,base=M,cipher=AES_XTS,key=" KEY1 "0,key2=" KEY2,
	"crypto:name=C,base=M,cipher=AES_XTS,key=" KEY1 ",key2=" KEY2 ",colour=red",
	"crypto:name=" KEY1 ",base=" KEY2 ",cipher=AES_XTS",
	"crypto:name=C,base=M,cipher=" KEY1 ",key=" KEY1 ",key2=" KEY2,
	"crypto:name=C,base=M,block_size=" KEY1 ",key=" KEY1 ",key2=" KEY2,
	"crypto:name=C,base=M,cipher=AES_XTS,key=" KEY1 ",key2=" KEY2 ",key2=" KEY2,
	"crypto:name=C,base=M,cipher=AES_XTS,key=" KEY1 ",key2=" KEY2 ",=" KEY1,
	"crypto:name=C,base=M,cipher=AES_XTS,key=" KEY1 ",key2=" KEY2 "," KEY1 "=1",
	"malloc:name=X,size_mb=" KEY1,
	"crypto " KEY1 ":name=C",
	"crypto:=AES_XTS,key" KEY1 ")ipher=AES_XTS,key" KEY1 ",key2=" KEY2, /* found by spec_fuzz */
};

static void test_create_with_typos_never_logs_a_key(void **state)
{
	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=M,num_blocks=64", NULL), 0);
	for (size_t i = 0; i < sizeof(g_typo_specs) / sizeof(g_typo_specs[0]); i++) {
		char shown[512];

		log_capture_clear();
		assert_int_not_equal(spdkrt_bdev_create(g_typo_specs[i], NULL), 0);
		if (g_log_capture.lines == 0)
			fail_msg("spec %zu was refused without a log line", i);
		assert_no_key_material(g_log_capture.text, "log");
		assert_no_key_material(spdkrt_spec_redact(g_typo_specs[i], shown, sizeof(shown)),
				       "spdkrt_spec_redact");
	}
	destroy_and_wait("M");
}

static void test_spec_redact_keeps_what_is_not_secret(void **state)
{
	char buf[256];

	(void)state;
	assert_string_equal(spdkrt_spec_redact("crypto:name=C,base=M,key=" KEY1 ", Key2=" KEY2, buf,
					       sizeof(buf)),
			    "crypto:name=C,base=M,key=***, Key2=***");
	assert_string_equal(spdkrt_spec_redact("malloc:name=M,size_mb=64", buf, sizeof(buf)),
			    "malloc:name=M,size_mb=64");
	assert_string_equal(spdkrt_spec_redact("x:" KEY1 ",keyword", buf, sizeof(buf)),
			    "x:***,key***");
	assert_string_equal(spdkrt_spec_redact(NULL, buf, sizeof(buf)), "(null)");
	assert_string_equal(spdkrt_spec_redact("x:a=b", NULL, 4), "");
	assert_string_equal(spdkrt_spec_redact("x:a=b", buf, 0), "");
	assert_string_equal(spdkrt_spec_redact("crypto:name=C,key=" KEY1, buf, 12), "crypto:name");
}

static void test_hex_runs(void **state)
{
	char text[128];

	(void)state;
	snprintf(text, sizeof(text), "CAP 0x%016llx key " KEY1 "!", 0x2028010fffULL);
	srt_redact_hex_runs(text, false);
	assert_string_equal(text, "CAP 0x0000002028010fff key ***!");
	snprintf(text, sizeof(text), "cut at the end: 0011223344");
	srt_redact_hex_runs(text, true);
	assert_string_equal(text, "cut at the end: ***");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_with_typos_never_logs_a_key,
						fixture_setup, fixture_teardown),
		cmocka_unit_test(test_spec_redact_keeps_what_is_not_secret),
		cmocka_unit_test(test_hex_runs),
	};

	log_capture_start();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
