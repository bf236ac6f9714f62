/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading PCI functions from sysfs: the list, ids, bound driver, NUMA node. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env/pci_sysfs.h"

#define SRT_LOG_COMPONENT "pci"
#include "util/log.h"

static pthread_mutex_t g_root_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_root[PATH_MAX] = "/sys";

int srt_pci_sysfs_set_root(const char *root)
{
	int rc = 0;

	pthread_mutex_lock(&g_root_lock);
	if (root == NULL)
		root = "/sys";
	if (strlen(root) >= sizeof(g_root))
		rc = -ENAMETOOLONG;
	else
		snprintf(g_root, sizeof(g_root), "%s", root);
	pthread_mutex_unlock(&g_root_lock);
	return rc;
}

int srt_pci_sysfs_path(char *buf, size_t size, const struct spdkrt_pci_addr *addr, const char *attr)
{
	char name[SPDKRT_PCI_ADDR_STRLEN];
	int n;

	if (spdkrt_pci_addr_fmt(name, sizeof(name), addr) != 0)
		return -EINVAL;
	pthread_mutex_lock(&g_root_lock);
	n = snprintf(buf, size, "%s/bus/pci/devices/%s%s%s", g_root, name, attr ? "/" : "",
		     attr ? attr : "");
	pthread_mutex_unlock(&g_root_lock);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int compare_addrs(const void *a, const void *b)
{
	return spdkrt_pci_addr_compare(a, b);
}

int srt_pci_sysfs_list(struct spdkrt_pci_addr **addrs, size_t *count)
{
	char dir_path[PATH_MAX + 32];
	struct spdkrt_pci_addr *list = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;

	pthread_mutex_lock(&g_root_lock);
	snprintf(dir_path, sizeof(dir_path), "%s/bus/pci/devices", g_root);
	pthread_mutex_unlock(&g_root_lock);
	*addrs = NULL;
	*count = 0;
	dir = opendir(dir_path);
	if (dir == NULL) {
		if (errno == ENOENT)
			return 0; /* no PCI bus (a container, some VMs): nothing to enumerate */
		SRT_ERR("cannot list PCI functions in %s: %s", dir_path, strerror(errno));
		return -errno;
	}
	while ((de = readdir(dir)) != NULL) {
		struct spdkrt_pci_addr addr;

		if (de->d_name[0] == '.' || spdkrt_pci_addr_parse(&addr, de->d_name) != 0)
			continue;
		if (n == cap) {
			size_t new_cap = cap == 0 ? 16 : cap * 2;
			struct spdkrt_pci_addr *bigger = realloc(list, new_cap * sizeof(*list));

			if (bigger == NULL) {
				closedir(dir);
				free(list);
				return -ENOMEM;
			}
			list = bigger;
			cap = new_cap;
		}
		list[n++] = addr;
	}
	closedir(dir);
	if (n > 0)
		qsort(list, n, sizeof(*list), compare_addrs);
	*addrs = list;
	*count = n;
	return 0;
}

/* One hexadecimal or decimal number from a sysfs attribute file. */
static int read_number(const struct spdkrt_pci_addr *addr, const char *attr, long long *value)
{
	char path[PATH_MAX], text[64], *end;
	size_t len;
	FILE *f;
	int rc = srt_pci_sysfs_path(path, sizeof(path), addr, attr);

	if (rc != 0)
		return rc;
	f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT ? -ENODEV : -errno;
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	errno = 0;
	*value = strtoll(text, &end, 0);
	if (end == text || errno != 0 || (*end != '\0' && *end != '\n')) {
		SRT_ERR("malformed sysfs attribute %s: '%.20s'", path, text);
		return -EIO;
	}
	return 0;
}

static int read_field(const struct spdkrt_pci_addr *addr, const char *attr, long long max,
		      uint32_t *out)
{
	long long v;
	int rc = read_number(addr, attr, &v);

	if (rc != 0)
		return rc;
	if (v < 0 || v > max) {
		SRT_ERR("sysfs attribute %s of a PCI function is out of range: %lld", attr, v);
		return -EIO;
	}
	*out = (uint32_t)v;
	return 0;
}

int srt_pci_sysfs_read_id(const struct spdkrt_pci_addr *addr, struct spdkrt_pci_id *id)
{
	uint32_t vendor, device, subvendor, subdevice, class_code;
	int rc;

	rc = read_field(addr, "vendor", 0xffff, &vendor);
	if (rc == 0)
		rc = read_field(addr, "device", 0xffff, &device);
	if (rc == 0)
		rc = read_field(addr, "subsystem_vendor", 0xffff, &subvendor);
	if (rc == 0)
		rc = read_field(addr, "subsystem_device", 0xffff, &subdevice);
	if (rc == 0)
		rc = read_field(addr, "class", 0xffffff, &class_code);
	if (rc != 0)
		return rc;
	*id = (struct spdkrt_pci_id){
		.vendor_id = (uint16_t)vendor,
		.device_id = (uint16_t)device,
		.subvendor_id = (uint16_t)subvendor,
		.subdevice_id = (uint16_t)subdevice,
		.class_code = class_code,
	};
	return 0;
}

int srt_pci_sysfs_driver(const struct spdkrt_pci_addr *addr, char *buf, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *name;
	struct stat st;
	ssize_t len;
	int rc = srt_pci_sysfs_path(path, sizeof(path), addr, NULL);

	if (rc != 0)
		return rc;
	if (stat(path, &st) != 0)
		return -ENODEV;
	rc = srt_pci_sysfs_path(path, sizeof(path), addr, "driver");
	if (rc != 0)
		return rc;
	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0) {
		if (errno != ENOENT)
			return -errno;
		target[0] = '\0'; /* no driver bound */
		len = 0;
	}
	target[len] = '\0';
	name = strrchr(target, '/');
	name = name != NULL ? name + 1 : target;
	if (strlen(name) >= size)
		return -ENOSPC;
	snprintf(buf, size, "%s", name);
	return 0;
}

int srt_pci_sysfs_numa_node(const struct spdkrt_pci_addr *addr, int *node)
{
	char path[PATH_MAX];
	struct stat st;
	long long v;
	int rc = srt_pci_sysfs_path(path, sizeof(path), addr, NULL);

	if (rc != 0)
		return rc;
	if (stat(path, &st) != 0)
		return -ENODEV;
	rc = read_number(addr, "numa_node", &v);
	if (rc != 0 && rc != -ENODEV && rc != -EIO)
		return rc;
	/* Kernels without NUMA have no such file; a nonsense value means "unknown" too. */
	*node = rc == 0 && v >= -1 && v < 4096 ? (int)v : -1;
	return 0;
}
