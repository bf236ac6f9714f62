/* SPDX-License-Identifier: BSD-3-Clause */
/* The PCI allow list that spdkrt_env_opts.pci_allowed fills for spdkrt's own PCI drivers. */
#include <errno.h>

#include "../common/test_common.h"

#include "env/pci_allow.h"

static void test_parse_both_forms(void **state)
{
	struct spdkrt_pci_addr a;

	(void)state;
	assert_int_equal(spdkrt_pci_addr_parse(&a, "0000:00:04.0"), 0);
	assert_int_equal(a.domain, 0);
	assert_int_equal(a.bus, 0);
	assert_int_equal(a.dev, 4);
	assert_int_equal(a.func, 0);
	assert_int_equal(spdkrt_pci_addr_parse(&a, "1f:1c.7"), 0);
	assert_int_equal(a.domain, 0);
	assert_int_equal(a.bus, 0x1f);
	assert_int_equal(a.dev, 0x1c);
	assert_int_equal(a.func, 7);
	assert_int_equal(spdkrt_pci_addr_parse(&a, "10000:00:00.0"), -EINVAL);
	assert_int_equal(spdkrt_pci_addr_parse(&a, "00:20.0"), -EINVAL); /* device > 0x1f */
	assert_int_equal(spdkrt_pci_addr_parse(&a, "00:1f.8"), -EINVAL); /* function > 7 */
	assert_int_equal(spdkrt_pci_addr_parse(&a, "00:1f.0x"), -EINVAL);
	assert_int_equal(spdkrt_pci_addr_parse(&a, "0x1:00.0"), -EINVAL);
	assert_int_equal(spdkrt_pci_addr_parse(&a, " 1:00.0"), -EINVAL);
	assert_int_equal(spdkrt_pci_addr_parse(&a, "00:04.0:1"), -EINVAL);
	assert_int_equal(spdkrt_pci_addr_parse(&a, ""), -EINVAL);
	assert_int_equal(spdkrt_pci_addr_parse(&a, NULL), -EINVAL);
}

static void test_format_and_order(void **state)
{
	struct spdkrt_pci_addr a = { .domain = 0x1d, .bus = 0xab, .dev = 0x1f, .func = 7 }, b;
	char buf[SPDKRT_PCI_ADDR_STRLEN];

	(void)state;
	assert_int_equal(spdkrt_pci_addr_fmt(buf, sizeof(buf), &a), 0);
	assert_string_equal(buf, "001d:ab:1f.7");
	assert_int_equal(spdkrt_pci_addr_parse(&b, buf), 0);
	assert_int_equal(spdkrt_pci_addr_compare(&a, &b), 0);
	assert_int_equal(spdkrt_pci_addr_fmt(buf, sizeof(buf) - 1, &a), -ENOSPC);
	assert_int_equal(spdkrt_pci_addr_fmt(NULL, sizeof(buf), &a), -EINVAL);
	b.func = 8;
	assert_int_equal(spdkrt_pci_addr_fmt(buf, sizeof(buf), &b), -EINVAL);
	b.func = 6;
	assert_true(spdkrt_pci_addr_compare(&b, &a) < 0);
	assert_true(spdkrt_pci_addr_compare(&a, &b) > 0);
	b.func = 7;
	b.domain = 0x1e;
	b.bus = 0;
	assert_true(spdkrt_pci_addr_compare(&a, &b) < 0); /* domain first */
	assert_true(spdkrt_pci_addr_compare(NULL, &a) < 0);
	assert_int_equal(spdkrt_pci_addr_compare(NULL, NULL), 0);
}

static void test_allow_list(void **state)
{
	const char *const list[] = { "0000:00:04.0", "01:00.1" };
	const char *const bad[] = { "0000:00:04.0", "nonsense" };
	struct spdkrt_pci_addr in, out;

	(void)state;
	assert_int_equal(spdkrt_pci_addr_parse(&in, "00:04.0"), 0);
	assert_int_equal(spdkrt_pci_addr_parse(&out, "00:05.0"), 0);
	assert_true(srt_pci_allowed(&out)); /* empty list: everything */
	assert_int_equal(srt_pci_allow_set(list, 2), 0);
	assert_true(srt_pci_allowed(&in));
	assert_false(srt_pci_allowed(&out));
	log_capture_start();
	assert_int_equal(srt_pci_allow_set(bad, 2), -EINVAL);
	assert_logged("invalid PCI address 'nonsense'");
	log_capture_stop();
	assert_false(srt_pci_allowed(&out)); /* a refused list leaves the old one */
	assert_int_equal(srt_pci_allow_set(NULL, 0), 0);
	assert_true(srt_pci_allowed(&out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_both_forms),
		cmocka_unit_test(test_format_and_order),
		cmocka_unit_test(test_allow_list),
	};

	return cmocka_run_group_tests_name("env/pci_allow", tests, NULL, NULL);
}
