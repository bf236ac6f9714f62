/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Enumeration and queries on a captured sysfs tree (tests/unit/env/sysfs, see its README):
 * address order, class and id-table filters, the allow list, malformed entries, bound drivers,
 * NUMA nodes, attach refusals, and a model shadowing a real function.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "../common/test_common.h"

#include <spdkrt/pci.h>

#include "env/pci.h"
#include "env/pci_allow.h"
#include "env/pci_ids.h"
#include "env/pci_provider.h"
#include "env/pci_sysfs.h"

#define MAX_FOUND 32

struct found {
	unsigned count;
	char names[MAX_FOUND][SPDKRT_PCI_ADDR_STRLEN];
	struct spdkrt_pci_id ids[MAX_FOUND];
	int stop_after; /* > 0: return stop_value from that call on */
	int stop_value;
};

static struct found g_found;
static char g_claims[] = "/tmp/spdkrt-claims-XXXXXX";

static int record(void *ctx, const struct spdkrt_pci_addr *addr, const struct spdkrt_pci_id *id)
{
	struct found *f = ctx;

	assert_true(f->count < MAX_FOUND);
	spdkrt_pci_addr_fmt(f->names[f->count], SPDKRT_PCI_ADDR_STRLEN, addr);
	f->ids[f->count] = *id;
	f->count++;
	if (f->stop_after > 0 && (int)f->count >= f->stop_after)
		return f->stop_value;
	return 0;
}

static void assert_found(const char *const *expected, unsigned n)
{
	if (g_found.count != n) {
		for (unsigned i = 0; i < g_found.count; i++)
			print_message("found %s\n", g_found.names[i]);
		fail_msg("expected %u functions, found %u", n, g_found.count);
	}
	for (unsigned i = 0; i < n; i++)
		assert_string_equal(g_found.names[i], expected[i]);
}

static int setup(void **state)
{
	char root[PATH_MAX];
	const char *top = getenv("top_srcdir");

	(void)state;
	snprintf(root, sizeof(root), "%s/tests/unit/env/sysfs", top != NULL ? top : ".");
	assert_int_equal(srt_pci_sysfs_set_root(root), 0);
	strcpy(g_claims + strlen(g_claims) - 6, "XXXXXX");
	assert_non_null(mkdtemp(g_claims));
	assert_int_equal(srt_pci_claim_set_dir(g_claims), 0);
	memset(&g_found, 0, sizeof(g_found));
	log_capture_start();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	srt_pci_sysfs_set_root(NULL);
	srt_pci_claim_set_dir(NULL);
	rmdir(g_claims); /* nothing gets claimed here: every attach is refused before */
	srt_pci_allow_set(NULL, 0);
	log_capture_stop();
	return 0;
}

static void test_enumerate_all_in_order(void **state)
{
	static const char *const all[] = {
		"0000:00:00.0", "0000:00:01.0", "0000:00:02.0", "0000:00:03.0",
		"0000:00:04.0", "0000:00:05.0", "0000:01:00.0", "0000:02:00.0",
		"0000:03:00.0", "0000:80:04.0", "0000:80:05.2", "0001:00:00.0",
	};

	(void)state;
	/* 04:00.0 (malformed vendor) and not-an-address are skipped. */
	assert_int_equal(spdkrt_pci_enumerate(NULL, 0, 0, record, &g_found), 0);
	assert_found(all, sizeof(all) / sizeof(all[0]));
	assert_int_equal(g_found.ids[1].vendor_id, 0x1af4);
	assert_int_equal(g_found.ids[1].device_id, 0x1045);
	assert_int_equal(g_found.ids[1].class_code, 0xffff00);
	assert_int_equal(g_found.ids[6].subvendor_id, 0x1af4);
	assert_int_equal(g_found.ids[6].subdevice_id, 0x1100);
}

static void test_filters(void **state)
{
	static const char *const nvme[] = { "0000:01:00.0", "0000:02:00.0", "0000:03:00.0",
					    "0001:00:00.0" };
	static const char *const storage[] = { "0000:00:02.0", "0000:01:00.0", "0000:02:00.0",
					       "0000:03:00.0", "0001:00:00.0" };
	static const char *const ioat[] = { "0000:80:04.0" };
	static const char *const intel_nvme[] = { "0001:00:00.0" };
	static const struct spdkrt_pci_id ioat_ids[] = {
		{ 0x8086, 0x0e20, SPDKRT_PCI_ANY_ID, SPDKRT_PCI_ANY_ID, 0 },
		{ 0x8086, 0x2021, SPDKRT_PCI_ANY_ID, SPDKRT_PCI_ANY_ID, 0 },
		{ 0 },
	};
	static const struct spdkrt_pci_id any_intel_nvme[] = {
		{ 0x8086, SPDKRT_PCI_ANY_ID, SPDKRT_PCI_ANY_ID, SPDKRT_PCI_ANY_ID, 0x010802 },
		{ 0 },
	};

	(void)state;
	assert_int_equal(spdkrt_pci_enumerate(NULL, 0x010802, 0xffffff, record, &g_found), 0);
	assert_found(nvme, 4);
	memset(&g_found, 0, sizeof(g_found));
	assert_int_equal(spdkrt_pci_enumerate(NULL, 0x010000, 0xff0000, record, &g_found), 0);
	assert_found(storage, 5);
	/* I/OAT by id table: the other Intel class-0880 function is not taken. */
	memset(&g_found, 0, sizeof(g_found));
	assert_int_equal(spdkrt_pci_enumerate(ioat_ids, 0, 0, record, &g_found), 0);
	assert_found(ioat, 1);
	memset(&g_found, 0, sizeof(g_found));
	assert_int_equal(spdkrt_pci_enumerate(any_intel_nvme, 0, 0, record, &g_found), 0);
	assert_found(intel_nvme, 1);
}

#define IOAT_ENTRY(id) { SRT_PCI_VENDOR_INTEL, id, SPDKRT_PCI_ANY_ID, SPDKRT_PCI_ANY_ID, 0 },

/* The shared I/OAT id table takes the channel and leaves the other class-0880 function alone. */
static void test_ioat_id_table(void **state)
{
	static const struct spdkrt_pci_id table[] = { SRT_IOAT_DEVICE_IDS(IOAT_ENTRY){ 0 } };
	static const char *const ioat[] = { "0000:80:04.0" };

	(void)state;
	assert_int_equal(sizeof(table) / sizeof(table[0]), 50 + 1); /* SNB..ICX */
	assert_int_equal(spdkrt_pci_enumerate(table, 0, 0, record, &g_found), 0);
	assert_found(ioat, 1);
}

static void test_allow_list_and_stop(void **state)
{
	static const char *const allowed[] = { "0000:02:00.0", "0000:80:04.0" };
	static const char *const one[] = { "0000:02:00.0" };

	(void)state;
	assert_int_equal(srt_pci_allow_set(allowed, 2), 0);
	assert_int_equal(spdkrt_pci_enumerate(NULL, 0x010802, 0xffffff, record, &g_found), 0);
	assert_found(one, 1);
	assert_int_equal(srt_pci_allow_set(NULL, 0), 0);

	memset(&g_found, 0, sizeof(g_found));
	g_found.stop_after = 2;
	g_found.stop_value = 1;
	assert_int_equal(spdkrt_pci_enumerate(NULL, 0, 0, record, &g_found), 0);
	assert_int_equal(g_found.count, 2);
	memset(&g_found, 0, sizeof(g_found));
	g_found.stop_after = 3;
	g_found.stop_value = -ECANCELED;
	assert_int_equal(spdkrt_pci_enumerate(NULL, 0, 0, record, &g_found), -ECANCELED);
	assert_int_equal(g_found.count, 3);
}

static void test_queries(void **state)
{
	struct spdkrt_pci_addr a;
	struct spdkrt_pci_id id;
	char driver[32];
	int node;

	(void)state;
	assert_int_equal(spdkrt_pci_addr_parse(&a, "0000:01:00.0"), 0);
	assert_int_equal(spdkrt_pci_get_driver(&a, driver, sizeof(driver)), 0);
	assert_string_equal(driver, "vfio-pci");
	assert_int_equal(spdkrt_pci_get_numa_node(&a, &node), 0);
	assert_int_equal(node, 0);
	assert_int_equal(spdkrt_pci_get_driver(&a, driver, 4), -ENOSPC);
	assert_int_equal(spdkrt_pci_addr_parse(&a, "0000:80:04.0"), 0);
	assert_int_equal(spdkrt_pci_get_driver(&a, driver, sizeof(driver)), 0);
	assert_string_equal(driver, "ioatdma");
	assert_int_equal(spdkrt_pci_get_numa_node(&a, &node), 0);
	assert_int_equal(node, 1);
	assert_int_equal(spdkrt_pci_get_id(&a, &id), 0);
	assert_int_equal(id.device_id, 0x2021);
	assert_int_equal(id.class_code, 0x088000);
	assert_int_equal(spdkrt_pci_addr_parse(&a, "0000:03:00.0"), 0);
	assert_int_equal(spdkrt_pci_get_driver(&a, driver, sizeof(driver)), 0);
	assert_string_equal(driver, "");
	assert_int_equal(spdkrt_pci_get_numa_node(&a, &node), 0);
	assert_int_equal(node, -1);
	assert_int_equal(spdkrt_pci_addr_parse(&a, "0000:04:00.0"), 0);
	assert_int_equal(spdkrt_pci_get_id(&a, &id), -EIO);
	assert_logged("malformed sysfs attribute");
	assert_int_equal(spdkrt_pci_addr_parse(&a, "0000:09:00.0"), 0);
	assert_int_equal(spdkrt_pci_get_id(&a, &id), -ENODEV);
	assert_int_equal(spdkrt_pci_get_driver(&a, driver, sizeof(driver)), -ENODEV);
	assert_int_equal(spdkrt_pci_get_numa_node(&a, &node), -ENODEV);
	assert_int_equal(spdkrt_pci_get_numa_node(NULL, &node), -EINVAL);
	assert_int_equal(spdkrt_pci_get_driver(&a, NULL, 4), -EINVAL);
}

static void test_attach_refusals(void **state)
{
	struct spdkrt_pci_addr a;
	struct srt_pci_device *dev = NULL;

	(void)state;
	assert_int_equal(spdkrt_pci_addr_parse(&a, "0000:02:00.0"), 0);
	assert_int_equal(srt_pci_device_attach(&a, &dev), -EBUSY);
	assert_logged("bound to the kernel driver nvme: run `spdkrt-setup config`");
	assert_int_equal(spdkrt_pci_addr_parse(&a, "0000:03:00.0"), 0);
	assert_int_equal(srt_pci_device_attach(&a, &dev), -ENXIO);
	assert_logged("bound to no driver");
	assert_int_equal(spdkrt_pci_addr_parse(&a, "0000:09:00.0"), 0);
	assert_int_equal(srt_pci_device_attach(&a, &dev), -ENODEV);
	assert_logged("no such PCI function");
	assert_null(dev);
}

static int toy_poll(void *model)
{
	(void)model;
	return 0;
}

static void test_model_shadows_function(void **state)
{
	static const struct srt_pci_model_ops ops = { .poll = toy_poll };
	static uint8_t bar[64];
	struct srt_pci_model_desc d = {
		.id = { 0x8086, 0x2021, 0x8086, 0, 0x088000 },
		.bar = { bar },
		.bar_size = { sizeof(bar) },
		.numa_node = 3,
		.ops = &ops,
	};
	static const char *const nvme[] = { "0000:01:00.0", "0000:03:00.0", "0001:00:00.0" };
	struct srt_pci_device *dev;
	int node;

	(void)state;
	assert_int_equal(spdkrt_pci_addr_parse(&d.addr, "0000:02:00.0"), 0);
	assert_int_equal(srt_pci_model_register(&d), 0);
	assert_int_equal(spdkrt_pci_enumerate(NULL, 0x010802, 0xffffff, record, &g_found), 0);
	assert_found(nvme, 3);
	assert_int_equal(spdkrt_pci_get_numa_node(&d.addr, &node), 0);
	assert_int_equal(node, 3);
	assert_int_equal(srt_pci_device_attach(&d.addr, &dev), 0);
	assert_string_equal(srt_pci_device_provider(dev), "model");
	srt_pci_device_detach(dev);
	assert_int_equal(srt_pci_model_unregister(&d.addr), 0);
}

static void test_sysfs_root_missing(void **state)
{
	(void)state;
	assert_int_equal(srt_pci_sysfs_set_root("/nonexistent-spdkrt-sysfs"), 0);
	assert_int_equal(spdkrt_pci_enumerate(NULL, 0, 0, record, &g_found), 0);
	assert_int_equal(g_found.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enumerate_all_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioat_id_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_list_and_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_shadows_function, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_root_missing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
