/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The uio_pci_generic provider on a fake function built in a temporary sysfs root: config space
 * through the config file, BARs through resourceN (sized by fstat, I/O BARs refused), reset,
 * removal, the claim across processes, attach after detach, the IOVA = PA requirement and the
 * IOVA mode hint.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>

#include "env/backend.h"
#include "env/mmio.h"
#include "env/pci.h"
#include "env/pci_provider.h"
#include "env/pci_sysfs.h"

#define BAR0_SIZE 16384

static char g_root[] = "/tmp/spdkrt-uio-test-XXXXXX";
static char g_fn[256];
static struct spdkrt_pci_addr g_addr = { .domain = 0, .bus = 5, .dev = 0, .func = 0 };

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	write_file(dir, name, text, strlen(text));
}

static void read_file(const char *name, void *data, size_t len, off_t off)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", g_fn, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, data, len, off), (ssize_t)len);
	close(fd);
}

/* A function as sysfs shows a QEMU NVMe controller bound to a driver. */
static void make_function(const char *addr, const char *driver)
{
	uint8_t cfg[256] = { 0x36, 0x1b, 0x10, 0x00 };
	uint8_t *bar = calloc(1, BAR0_SIZE);
	char dir[256], link[PATH_MAX], target[64];

	assert_non_null(bar);
	cfg[0x0b] = 0x01;
	cfg[0x0a] = 0x08;
	cfg[0x09] = 0x02;
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", g_root, addr);
	assert_int_equal(mkdir(dir, 0755), 0);
	write_text(dir, "vendor", "0x1b36\n");
	write_text(dir, "device", "0x0010\n");
	write_text(dir, "subsystem_vendor", "0x1af4\n");
	write_text(dir, "subsystem_device", "0x1100\n");
	write_text(dir, "class", "0x010802\n");
	write_text(dir, "numa_node", "-1\n");
	write_file(dir, "config", cfg, sizeof(cfg));
	memcpy(bar, "\x7f\x00\x00\x00\x00\x00\x00\x00", 8); /* something to read back */
	write_file(dir, "resource0", bar, BAR0_SIZE);
	write_file(dir, "resource1", bar, 256);
	write_text(dir, "resource",
		   "0x00000000fe000000 0x00000000fe003fff 0x0000000000140204\n"
		   "0x000000000000c000 0x000000000000c0ff 0x0000000000040101\n"
		   "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	snprintf(link, sizeof(link), "%s/driver", dir);
	snprintf(target, sizeof(target), "../../drivers/%s", driver);
	assert_int_equal(symlink(target, link), 0);
	free(bar);
}

static int setup(void **state)
{
	char dir[PATH_MAX];

	(void)state;
	strcpy(g_root + strlen(g_root) - 6, "XXXXXX");
	assert_non_null(mkdtemp(g_root));
	snprintf(dir, sizeof(dir), "%s/bus", g_root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/bus/pci", g_root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices", g_root);
	assert_int_equal(mkdir(dir, 0755), 0);
	make_function("0000:05:00.0", "uio_pci_generic");
	snprintf(g_fn, sizeof(g_fn), "%s/bus/pci/devices/0000:05:00.0", g_root);
	assert_int_equal(srt_pci_sysfs_set_root(g_root), 0);
	assert_int_equal(srt_pci_claim_set_dir(g_root), 0);
	log_capture_start();
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	spdkrt_env_fini();
	srt_pci_sysfs_set_root(NULL);
	srt_pci_claim_set_dir(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_root);
	assert_int_equal(system(cmd), 0);
	log_capture_stop();
	return 0;
}

static void test_config_and_bars(void **state)
{
	struct srt_pci_device *dev;
	uint32_t v32;
	uint16_t cmd;
	void *va;
	uint64_t size;
	uint8_t file_byte;

	(void)state;
	assert_int_equal(srt_pci_device_attach(&g_addr, &dev), 0);
	assert_string_equal(srt_pci_device_provider(dev), "uio");
	assert_int_equal(srt_pci_device_id(dev)->class_code, 0x010802);
	assert_int_equal(srt_pci_device_numa_node(dev), -1);
	assert_int_equal(srt_pci_cfg_read32(dev, &v32, 0), 0);
	assert_int_equal(v32, 0x00101b36);
	/* Attach enabled memory space and bus mastering in the config file itself. */
	read_file("config", &cmd, sizeof(cmd), 4);
	assert_int_equal(cmd & 0x6, 0x6);
	assert_int_equal(srt_pci_cfg_read32(dev, &v32, 256), -EINVAL); /* 256-byte config */

	assert_int_equal(srt_pci_device_map_bar(dev, 0, &va, &size), 0);
	assert_int_equal(size, BAR0_SIZE); /* from fstat */
	assert_int_equal(srt_mmio_read32(va), 0x7f);
	srt_mmio_write32((uint8_t *)va + 0x1000, 0xa5a5a5a5); /* reaches the "device" */
	read_file("resource0", &file_byte, 1, 0x1000);
	assert_int_equal(file_byte, 0xa5);
	assert_int_equal(srt_pci_device_map_bar(dev, 1, &va, &size), -EINVAL);
	assert_logged("I/O port BAR");
	assert_int_equal(srt_pci_device_map_bar(dev, 2, &va, &size), -EINVAL);

	assert_int_equal(srt_pci_device_reset(dev), -ENOTSUP);
	write_text(g_fn, "reset", "");
	assert_int_equal(srt_pci_device_reset(dev), 0);
	read_file("reset", &file_byte, 1, 0);
	assert_int_equal(file_byte, '1');
	assert_false(srt_pci_device_is_removed(dev));
	srt_pci_device_detach(dev);
}

static void test_removed_function(void **state)
{
	static const uint8_t gone[4] = { 0xff, 0xff, 0xff, 0xff };
	struct srt_pci_device *dev;
	char path[PATH_MAX];
	int fd;

	(void)state;
	assert_int_equal(srt_pci_device_attach(&g_addr, &dev), 0);
	snprintf(path, sizeof(path), "%s/config", g_fn);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, gone, sizeof(gone), 0), 4);
	close(fd);
	assert_true(srt_pci_device_is_removed(dev));
	srt_pci_device_detach(dev);
}

static void test_claim_across_processes_and_reattach(void **state)
{
	struct srt_pci_device *dev;
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(srt_pci_device_attach(&g_addr, &dev), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct srt_pci_device *other;

		_exit(srt_pci_device_attach(&g_addr, &other) == -EBUSY ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	srt_pci_device_detach(dev);
	/* Detach released everything: attach works again, and again. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(srt_pci_device_attach(&g_addr, &dev), 0);
		srt_pci_device_detach(dev);
	}
}

static void test_needs_iova_pa(void **state)
{
	struct spdkrt_env_opts opts;
	struct srt_pci_device *dev;

	(void)state;
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	assert_int_equal(spdkrt_env_init(&opts), 0);
	assert_int_equal(srt_pci_device_attach(&g_addr, &dev), -EINVAL);
	assert_logged("needs IOVA = PA");
}

static void test_iova_mode_hint(void **state)
{
	(void)state;
	assert_int_equal(srt_pci_iova_mode_hint(), SPDKRT_IOVA_MODE_PA);
	make_function("0000:06:00.0", "vfio-pci");
	assert_int_equal(srt_pci_iova_mode_hint(), SPDKRT_IOVA_MODE_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_and_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_function, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_across_processes_and_reattach, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_needs_iova_pa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iova_mode_hint, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
