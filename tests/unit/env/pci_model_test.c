/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model provider through the driver seam: registration, enumeration, attach, BARs, config
 * space, polling (deterministic and from an spdkrt poller), a DMA the model performs through
 * IOVAs, surprise removal, and attach after detach.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>
#include <spdkrt/pci.h>
#include <spdkrt/thread.h>

#include "env/backend.h"
#include "env/dma.h"
#include "env/mmio.h"
#include "env/pci.h"
#include "env/pci_allow.h"
#include "env/pci_sysfs.h"

/*
 * A tiny device: the driver writes an IOVA and a length, then rings the doorbell with a sequence
 * number; the model fills that many bytes at the IOVA with the sequence number and reports it
 * done (or an error when the IOVA does not translate, as an IOMMU fault would).
 */
enum {
	REG_DOORBELL = 0x00,
	REG_DONE = 0x04,
	REG_ERROR = 0x08,
	REG_ADDR = 0x10,
	REG_LEN = 0x18
};

struct toy {
	uint8_t bar0[4096] __attribute__((aligned(8)));
	uint32_t seen;
	unsigned polls, resets, cfg_writes;
	uint32_t last_cfg_offset;
};

static int toy_poll(void *model)
{
	struct toy *t = model;
	uint32_t bell = srt_mmio_read32(t->bar0 + REG_DOORBELL);
	uint64_t iova;
	uint32_t len;
	uint8_t *dst;

	t->polls++;
	if (bell == t->seen)
		return 0;
	t->seen = bell;
	iova = srt_mmio_read64(t->bar0 + REG_ADDR);
	len = srt_mmio_read32(t->bar0 + REG_LEN);
	dst = srt_dma_iova_to_vaddr(iova, len);
	if (dst == NULL) {
		srt_mmio_write32(t->bar0 + REG_ERROR, bell);
		return 1;
	}
	memset(dst, (int)(bell & 0xff), len);
	srt_mmio_write32(t->bar0 + REG_DONE, bell);
	return 1;
}

static void toy_cfg_written(void *model, uint32_t offset, uint32_t width)
{
	struct toy *t = model;

	(void)width;
	t->cfg_writes++;
	t->last_cfg_offset = offset;
}

static void toy_reset(void *model)
{
	((struct toy *)model)->resets++;
}

static const struct srt_pci_model_ops g_toy_ops = {
	.poll = toy_poll,
	.cfg_written = toy_cfg_written,
	.reset = toy_reset,
};

static const struct srt_pci_model_ops g_toy_ops_no_reset = { .poll = toy_poll };

static struct toy g_toy;
static struct srt_pci_model_desc g_desc;

static int setup(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	memset(&g_toy, 0, sizeof(g_toy));
	g_desc = (struct srt_pci_model_desc){
		.addr = { .domain = 0, .bus = 0x42, .dev = 3, .func = 1 },
		.id = { 0x1b36, 0x0010, 0x1af4, 0x1100, 0x010802 },
		.bar = { g_toy.bar0 },
		.bar_size = { sizeof(g_toy.bar0) },
		.numa_node = 1,
		.ops = &g_toy_ops,
		.model = &g_toy,
	};
	/* No real functions in these tests: sysfs points at a directory that does not exist. */
	assert_int_equal(srt_pci_sysfs_set_root("/nonexistent-spdkrt-sysfs"), 0);
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	log_capture_start();
	return spdkrt_env_init(&opts);
}

static int teardown(void **state)
{
	(void)state;
	srt_pci_model_unregister(&g_desc.addr);
	spdkrt_env_fini();
	srt_pci_sysfs_set_root(NULL);
	log_capture_stop();
	return 0;
}

static void test_register_rejects(void **state)
{
	struct srt_pci_model_desc d = g_desc;

	(void)state;
	assert_int_equal(srt_pci_model_register(NULL), -EINVAL);
	d.ops = NULL;
	assert_int_equal(srt_pci_model_register(&d), -EINVAL);
	assert_logged("invalid model description");
	d = g_desc;
	d.addr.dev = 32;
	assert_int_equal(srt_pci_model_register(&d), -EINVAL);
	d = g_desc;
	d.bar_size[0] = 0;
	assert_int_equal(srt_pci_model_register(&d), -EINVAL);
	d = g_desc;
	d.bar_size[2] = 64; /* a size without memory */
	assert_int_equal(srt_pci_model_register(&d), -EINVAL);
	assert_int_equal(srt_pci_model_register(&g_desc), 0);
	assert_int_equal(srt_pci_model_register(&g_desc), -EEXIST);
	assert_int_equal(srt_pci_model_unregister(&g_desc.addr), 0);
	assert_int_equal(srt_pci_model_unregister(&g_desc.addr), -ENOENT);
	assert_int_equal(srt_pci_model_unregister(NULL), -EINVAL);
}

struct found {
	unsigned count;
	struct spdkrt_pci_addr addr;
	struct spdkrt_pci_id id;
};

static int record(void *ctx, const struct spdkrt_pci_addr *addr, const struct spdkrt_pci_id *id)
{
	struct found *f = ctx;

	f->count++;
	f->addr = *addr;
	f->id = *id;
	return 0;
}

static void test_enumerate_and_query(void **state)
{
	static const struct spdkrt_pci_id ioat_ids[] = { { 0x8086, 0x2021, 0xffff, 0xffff, 0 },
							 { 0 } };
	static const struct spdkrt_pci_id qemu_nvme[] = { { 0x1b36, 0x0010, 0xffff, 0xffff, 0 },
							  { 0 } };
	static const char *const other[] = { "0000:00:04.0" };
	struct found f = { 0 };
	char driver[32];
	struct spdkrt_pci_id id;
	int node;

	(void)state;
	assert_int_equal(srt_pci_model_register(&g_desc), 0);
	assert_int_equal(spdkrt_pci_enumerate(NULL, 0x010802, 0xffffff, record, &f), 0);
	assert_int_equal(f.count, 1);
	assert_int_equal(spdkrt_pci_addr_compare(&f.addr, &g_desc.addr), 0);
	assert_memory_equal(&f.id, &g_desc.id, sizeof(f.id));
	f.count = 0;
	assert_int_equal(spdkrt_pci_enumerate(ioat_ids, 0, 0, record, &f), 0);
	assert_int_equal(f.count, 0);
	assert_int_equal(spdkrt_pci_enumerate(qemu_nvme, 0x010000, 0xff0000, record, &f), 0);
	assert_int_equal(f.count, 1);
	assert_int_equal(spdkrt_pci_enumerate(NULL, 0, 0, NULL, NULL), -EINVAL);

	/* The allow list hides what it does not name. */
	assert_int_equal(srt_pci_allow_set(other, 1), 0);
	f.count = 0;
	assert_int_equal(spdkrt_pci_enumerate(NULL, 0, 0, record, &f), 0);
	assert_int_equal(f.count, 0);
	assert_int_equal(srt_pci_allow_set(NULL, 0), 0);

	assert_int_equal(spdkrt_pci_get_id(&g_desc.addr, &id), 0);
	assert_int_equal(id.class_code, 0x010802);
	assert_int_equal(spdkrt_pci_get_driver(&g_desc.addr, driver, sizeof(driver)), 0);
	assert_string_equal(driver, "spdkrt-model");
	assert_int_equal(spdkrt_pci_get_driver(&g_desc.addr, driver, 4), -ENOSPC);
	assert_int_equal(spdkrt_pci_get_numa_node(&g_desc.addr, &node), 0);
	assert_int_equal(node, 1);
	assert_int_equal(spdkrt_pci_get_id(NULL, &id), -EINVAL);
}

static void test_attach_bar_and_config(void **state)
{
	struct srt_pci_device *dev, *again;
	uint16_t v16;
	uint32_t v32;
	uint8_t v8;
	void *va;
	uint64_t size;

	(void)state;
	assert_int_equal(srt_pci_device_attach(&g_desc.addr, &dev), -ENODEV);
	assert_int_equal(srt_pci_model_register(&g_desc), 0);
	assert_int_equal(srt_pci_device_attach(&g_desc.addr, &dev), 0);
	assert_string_equal(srt_pci_device_provider(dev), "model");
	assert_int_equal(srt_pci_device_numa_node(dev), 1);
	assert_int_equal(srt_pci_device_id(dev)->device_id, 0x0010);
	assert_int_equal(spdkrt_pci_addr_compare(srt_pci_device_addr(dev), &g_desc.addr), 0);
	assert_int_equal(srt_pci_device_attach(&g_desc.addr, &again), -EBUSY);

	assert_int_equal(srt_pci_device_map_bar(dev, 0, &va, &size), 0);
	assert_ptr_equal(va, g_toy.bar0);
	assert_int_equal(size, sizeof(g_toy.bar0));
	va = NULL;
	assert_int_equal(srt_pci_device_map_bar(dev, 0, &va, &size), 0); /* idempotent */
	assert_ptr_equal(va, g_toy.bar0);
	assert_int_equal(srt_pci_device_map_bar(dev, 1, &va, &size), -EINVAL);
	assert_int_equal(srt_pci_device_map_bar(dev, 6, &va, &size), -EINVAL);
	assert_int_equal(srt_pci_device_map_bar(dev, 0, NULL, &size), -EINVAL);

	assert_int_equal(srt_pci_cfg_read32(dev, &v32, 0), 0);
	assert_int_equal(v32, 0x00101b36);
	assert_int_equal(srt_pci_cfg_read32(dev, &v32, 8), 0);
	assert_int_equal(v32 >> 8, 0x010802);
	assert_int_equal(srt_pci_cfg_read16(dev, &v16, 0x2c), 0);
	assert_int_equal(v16, 0x1af4);
	assert_int_equal(srt_pci_cfg_read8(dev, &v8, 0x0b), 0);
	assert_int_equal(v8, 0x01);
	/* Attach turned on memory space and bus mastering, and the model saw the write. */
	assert_int_equal(srt_pci_cfg_read16(dev, &v16, 4), 0);
	assert_int_equal(v16 & 0x6, 0x6);
	assert_int_equal(g_toy.cfg_writes, 1);
	assert_int_equal(g_toy.last_cfg_offset, 4);
	/* Read-only fields stay; device-specific space is writable. */
	assert_int_equal(srt_pci_cfg_write16(dev, 0xdead, 0), 0);
	assert_int_equal(srt_pci_cfg_read16(dev, &v16, 0), 0);
	assert_int_equal(v16, 0x1b36);
	assert_int_equal(srt_pci_cfg_write32(dev, 0x12345678, 0x100), 0);
	assert_int_equal(srt_pci_cfg_read32(dev, &v32, 0x100), 0);
	assert_int_equal(v32, 0x12345678);
	/* Bad offsets and widths. */
	assert_int_equal(srt_pci_cfg_read32(dev, &v32, 4096), -EINVAL);
	assert_int_equal(srt_pci_cfg_read32(dev, &v32, 4094), -EINVAL);
	assert_int_equal(srt_pci_cfg_read16(dev, &v16, 3), -EINVAL);
	assert_int_equal(srt_pci_cfg_read32(dev, NULL, 0), -EINVAL);
	assert_int_equal(srt_pci_cfg_read32(NULL, &v32, 0), -EINVAL);

	assert_int_equal(srt_pci_device_reset(dev), 0);
	assert_int_equal(g_toy.resets, 1);
	assert_int_equal(srt_pci_cfg_read16(dev, &v16, 4), 0);
	assert_int_equal(v16, 0); /* a function reset clears the command register */
	assert_false(srt_pci_device_is_removed(dev));
	srt_pci_device_detach(dev);
	srt_pci_device_detach(NULL);
}

/* The driver's side of the toy: one command, then poll the models until it is done. */
static uint32_t toy_command(volatile uint8_t *bar, uint64_t iova, uint32_t len, uint32_t seq)
{
	srt_mmio_write64(bar + REG_ADDR, iova);
	srt_mmio_write32(bar + REG_LEN, len);
	srt_mmio_doorbell32(bar + REG_DOORBELL, seq);
	return seq;
}

static void test_model_dma_through_iova(void **state)
{
	struct srt_pci_device *dev;
	uint8_t *buf = spdkrt_dma_malloc_contig(3 * 4096, 0, SPDKRT_ENV_SOCKET_ANY);
	void *va;
	uint64_t size;
	size_t len = 3 * 4096;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(srt_pci_model_register(&g_desc), 0);
	assert_int_equal(srt_pci_device_attach(&g_desc.addr, &dev), 0);
	assert_int_equal(srt_pci_device_map_bar(dev, 0, &va, &size), 0);

	toy_command(va, spdkrt_vtophys(buf, &len), (uint32_t)len, 0x5a);
	assert_int_equal(len, 3 * 4096);
	assert_int_equal(srt_pci_model_poll_all(), 1);
	assert_int_equal(srt_mmio_read32((uint8_t *)va + REG_DONE), 0x5a);
	for (size_t i = 0; i < 3 * 4096; i++)
		assert_int_equal(buf[i], 0x5a);
	assert_int_equal(srt_pci_model_poll_all(), 0); /* nothing new */

	/* A driver that hands the device a VA gets a fault, not silent success. */
	toy_command(va, (uint64_t)(uintptr_t)buf, 16, 0x5b);
	assert_int_equal(srt_pci_model_poll_all(), 1);
	assert_int_equal(srt_mmio_read32((uint8_t *)va + REG_ERROR), 0x5b);
	assert_int_equal(buf[0], 0x5a);

	srt_pci_device_detach(dev);
	spdkrt_dma_free(buf);
}

static void test_poller_on_spdkrt_thread(void **state)
{
	struct spdkrt_thread *thread;
	struct srt_pci_device *dev;
	uint8_t *buf = spdkrt_dma_zmalloc(64, 0, SPDKRT_ENV_SOCKET_ANY);
	void *va;
	uint64_t size;
	unsigned polls;

	(void)state;
	assert_int_equal(spdkrt_thread_create("models", &thread), 0);
	spdkrt_set_thread(thread);
	assert_int_equal(srt_pci_model_register(&g_desc), 0);
	assert_int_equal(srt_pci_device_attach(&g_desc.addr, &dev), 0);
	assert_int_equal(srt_pci_device_map_bar(dev, 0, &va, &size), 0);
	toy_command(va, spdkrt_dma_iova(buf), 64, 7);
	for (int i = 0; i < 10 && srt_mmio_read32((uint8_t *)va + REG_DONE) != 7; i++)
		spdkrt_thread_poll(thread, 0, 0);
	assert_int_equal(srt_mmio_read32((uint8_t *)va + REG_DONE), 7);
	assert_int_equal(buf[63], 7);
	srt_pci_device_detach(dev);

	/* Unregistered from another thread: the poller goes through a message. */
	spdkrt_set_thread(NULL);
	assert_int_equal(srt_pci_model_unregister(&g_desc.addr), 0);
	polls = g_toy.polls;
	spdkrt_set_thread(thread);
	spdkrt_thread_poll(thread, 0, 0);
	spdkrt_thread_poll(thread, 0, 0);
	assert_int_equal(g_toy.polls, polls); /* no poll after unregister */
	assert_int_equal(spdkrt_thread_exit(thread), 0);
	for (int i = 0; i < 10 && !spdkrt_thread_is_exited(thread); i++)
		spdkrt_thread_poll(thread, 0, 0);
	assert_true(spdkrt_thread_is_exited(thread));
	spdkrt_set_thread(NULL);
	assert_int_equal(spdkrt_thread_destroy(thread), 0);
	spdkrt_dma_free(buf);
}

static void test_surprise_removal_then_reattach(void **state)
{
	struct srt_pci_device *dev;
	struct srt_pci_model_desc d = g_desc;
	uint32_t v32 = 0;

	(void)state;
	assert_int_equal(srt_pci_model_register(&g_desc), 0);
	assert_int_equal(srt_pci_device_attach(&g_desc.addr, &dev), 0);
	assert_int_equal(srt_pci_model_unregister(&g_desc.addr), 0);
	assert_logged("surprise removal");
	assert_true(srt_pci_device_is_removed(dev));
	assert_int_equal(srt_pci_cfg_read32(dev, &v32, 0), -ENODEV);
	assert_int_equal(v32, 0xffffffff);
	assert_int_equal(srt_pci_cfg_write16(dev, 6, 4), -ENODEV);
	assert_int_equal(srt_pci_device_reset(dev), -ENODEV);
	assert_int_equal(srt_pci_model_poll_all(), 0);
	srt_pci_device_detach(dev);

	/* Hot-added again, attached again: detach released everything. */
	d.ops = &g_toy_ops_no_reset;
	assert_int_equal(srt_pci_model_register(&d), 0);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(srt_pci_device_attach(&g_desc.addr, &dev), 0);
		assert_false(srt_pci_device_is_removed(dev));
		assert_int_equal(srt_pci_device_reset(dev), -ENOTSUP);
		srt_pci_device_detach(dev);
	}
}

static bool g_stop_polling;

static void *poll_models_thread(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&g_stop_polling, __ATOMIC_ACQUIRE))
		srt_pci_model_poll_all();
	return NULL;
}

/*
 * The model runs on its own OS thread, as hardware runs beside the CPU: the doorbell's release
 * and the completion register's acquire are all that order the data (TSan checks this).
 */
static void test_model_on_another_os_thread(void **state)
{
	struct srt_pci_device *dev;
	uint8_t *buf = spdkrt_dma_malloc(4096, 4096, SPDKRT_ENV_SOCKET_ANY);
	pthread_t poller;
	void *va;
	uint64_t size;

	(void)state;
	assert_int_equal(srt_pci_model_register(&g_desc), 0);
	assert_int_equal(srt_pci_device_attach(&g_desc.addr, &dev), 0);
	assert_int_equal(srt_pci_device_map_bar(dev, 0, &va, &size), 0);
	__atomic_store_n(&g_stop_polling, false, __ATOMIC_RELEASE);
	assert_int_equal(pthread_create(&poller, NULL, poll_models_thread, NULL), 0);
	for (uint32_t seq = 1; seq <= 200; seq++) {
		size_t len = 4096;

		toy_command(va, spdkrt_vtophys(buf, &len), (uint32_t)len, seq);
		while (srt_mmio_read32((uint8_t *)va + REG_DONE) != seq)
			;
		assert_int_equal(buf[seq % 4096], (uint8_t)seq);
		assert_int_equal(buf[4095], (uint8_t)seq);
	}
	__atomic_store_n(&g_stop_polling, true, __ATOMIC_RELEASE);
	pthread_join(poller, NULL);
	srt_pci_device_detach(dev);
	spdkrt_dma_free(buf);
}

static void test_allow_list_refuses_attach(void **state)
{
	static const char *const other[] = { "0000:00:04.0" };
	struct srt_pci_device *dev;

	(void)state;
	assert_int_equal(srt_pci_model_register(&g_desc), 0);
	assert_int_equal(srt_pci_allow_set(other, 1), 0);
	assert_int_equal(srt_pci_device_attach(&g_desc.addr, &dev), -EACCES);
	assert_logged("allow list");
	assert_int_equal(srt_pci_allow_set(NULL, 0), 0);
	assert_int_equal(srt_pci_device_attach(NULL, &dev), -EINVAL);
	assert_int_equal(srt_pci_device_attach(&g_desc.addr, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enumerate_and_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_bar_and_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_dma_through_iova, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poller_on_spdkrt_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_surprise_removal_then_reattach, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_model_on_another_os_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_list_refuses_attach, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
