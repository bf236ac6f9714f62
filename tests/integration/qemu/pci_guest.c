/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs inside the QEMU guest (tests/integration/qemu/run.sh) against QEMU's NVMe controller, through
 * the real provider the function is bound to: enumeration with ids and class, attach, config
 * space, BAR0's CAP and VS, and a DMA the device performs: an Identify Controller page written
 * into a buffer from spdkrt_dma_malloc_contig(), checked byte by byte (QEMU reports success even
 * when an IOMMU blocked the transfer), into registered application memory, and with vfio into
 * memory no longer registered (blocked). Then detach, attach again, detach; with uio, the kernel
 * removes the function under an attached device (the caller rescans and binds it again).
 *
 * Usage: pci_guest vfio|uio. Prints "ok: ..." per check, "FAIL: ..." on the first failure, and
 * "PASS: pci_guest <provider>" at the end; exits non-zero on failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <spdkrt.h>

#include "env/mmio.h"
#include "env/pci.h"
#include "env/pci_ids.h"

/* NVMe controller registers (NVMe 1.4, section 3.1) and the admin queue layout. */
#define NVME_CAP 0x00
#define NVME_VS 0x08
#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30
#define NVME_DOORBELLS 0x1000
#define CC_ENABLE 0x1u
#define CC_IOSQES_64 (6u << 16)
#define CC_IOCQES_16 (4u << 20)
#define CSTS_RDY 0x1u
#define CSTS_CFS 0x2u
#define ADMIN_ENTRIES 8
#define OPC_IDENTIFY 0x06
#define CNS_CONTROLLER 0x01
#define QEMU_NVME_VENDOR 0x1b36
#define QEMU_NVME_DEVICE 0x0010
#define QEMU_SUBSYS_VENDOR 0x1af4

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("FAIL: " __VA_ARGS__);                                              \
			printf(" (%s:%d)\n", __FILE__, __LINE__);                                  \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct found {
	unsigned count;
	struct spdkrt_pci_addr addr;
	struct spdkrt_pci_id id;
};

static int first_nvme(void *ctx, const struct spdkrt_pci_addr *addr, const struct spdkrt_pci_id *id)
{
	struct found *f = ctx;

	if (f->count++ == 0) {
		f->addr = *addr;
		f->id = *id;
	}
	return 0;
}

static void wait_ready(volatile uint8_t *bar, uint32_t want, double timeout_s)
{
	double deadline = now_s() + timeout_s;
	uint32_t csts;

	do {
		csts = srt_mmio_read32(bar + NVME_CSTS);
		CHECK(!(csts & CSTS_CFS), "controller fatal status (CSTS 0x%x)", csts);
		if ((csts & CSTS_RDY) == want)
			return;
	} while (now_s() < deadline);
	CHECK(0, "CSTS.RDY did not become %u within %.1f s", want, timeout_s);
}

/* The admin queue pair spdkrt sets up on the controller (which SeaBIOS left enabled). */
struct admin {
	volatile uint8_t *bar;
	uint32_t *sq, *cq;
	uint32_t tail, head, phase, stride;
	uint16_t cid;
	double timeout_s;
};

static void admin_enable(struct admin *a, volatile uint8_t *bar)
{
	uint64_t cap = srt_mmio_read64(bar + NVME_CAP);

	memset(a, 0, sizeof(*a));
	a->bar = bar;
	a->stride = 4u << ((cap >> 32) & 0xf);
	a->timeout_s = (double)((cap >> 24) & 0xff) * 0.5 + 1.0;
	a->phase = 1;
	a->sq = spdkrt_dma_zmalloc_contig(ADMIN_ENTRIES * 64, 4096, SPDKRT_ENV_SOCKET_ANY);
	a->cq = spdkrt_dma_zmalloc_contig(ADMIN_ENTRIES * 16, 4096, SPDKRT_ENV_SOCKET_ANY);
	CHECK(a->sq != NULL && a->cq != NULL, "admin queues");
	srt_mmio_write32(bar + NVME_CC, 0); /* SeaBIOS's queues go first */
	wait_ready(bar, 0, a->timeout_s);
	srt_mmio_write32(bar + NVME_AQA, (ADMIN_ENTRIES - 1) | ((ADMIN_ENTRIES - 1) << 16));
	srt_mmio_write64(bar + NVME_ASQ, spdkrt_vtophys(a->sq, NULL));
	srt_mmio_write64(bar + NVME_ACQ, spdkrt_vtophys(a->cq, NULL));
	srt_mmio_write32(bar + NVME_CC, CC_ENABLE | CC_IOSQES_64 | CC_IOCQES_16);
	wait_ready(bar, CSTS_RDY, a->timeout_s);
	printf("ok: controller enabled with spdkrt's admin queues\n");
}

static void admin_disable(struct admin *a)
{
	srt_mmio_write32(a->bar + NVME_CC, 0);
	wait_ready(a->bar, 0, a->timeout_s);
	spdkrt_dma_free(a->sq);
	spdkrt_dma_free(a->cq);
}

/* Identify Controller into the page at page_iova; returns the completion status. */
static uint32_t admin_identify(struct admin *a, uint64_t page_iova)
{
	uint32_t *sqe = a->sq + a->tail * 16, *cqe = a->cq + a->head * 4;
	uint16_t cid = ++a->cid;
	double deadline = now_s() + 5.0;

	memset(sqe, 0, 64);
	sqe[0] = OPC_IDENTIFY | ((uint32_t)cid << 16);
	sqe[6] = (uint32_t)page_iova; /* PRP1 */
	sqe[7] = (uint32_t)(page_iova >> 32);
	sqe[10] = CNS_CONTROLLER;
	a->tail = (a->tail + 1) % ADMIN_ENTRIES;
	srt_mmio_doorbell32(a->bar + NVME_DOORBELLS, a->tail); /* SQ 0 tail */
	/* The completion's phase bit flips when the device writes it. */
	while (((__atomic_load_n(&cqe[3], __ATOMIC_ACQUIRE) >> 16) & 1) != a->phase)
		CHECK(now_s() < deadline, "no completion for Identify within 5 s");
	srt_rmb(); /* the completion before the data it announces */
	CHECK((cqe[3] & 0xffff) == cid, "completion for command id %u", cqe[3] & 0xffff);
	a->head = (a->head + 1) % ADMIN_ENTRIES;
	if (a->head == 0)
		a->phase ^= 1;
	srt_mmio_write32(a->bar + NVME_DOORBELLS + a->stride, a->head); /* CQ 0 head */
	return (cqe[3] >> 17) & 0x7fff;
}

static void check_identify_page(const uint8_t *page, const struct spdkrt_pci_id *id)
{
	static const char model[] = "QEMU NVMe Ctrl";
	unsigned untouched = 0;

	/* VID and SSVID are the PCI ids; SN and MN are ASCII, padded with spaces. */
	CHECK(page[0] == (id->vendor_id & 0xff) && page[1] == id->vendor_id >> 8,
	      "Identify VID %02x%02x", page[1], page[0]);
	CHECK(page[2] == (id->subvendor_id & 0xff) && page[3] == id->subvendor_id >> 8,
	      "Identify SSVID %02x%02x", page[3], page[2]);
	for (int i = 4; i < 64; i++)
		CHECK(page[i] >= 0x20 && page[i] < 0x7f, "Identify SN/MN byte %d is 0x%02x", i,
		      page[i]);
	CHECK(memcmp(page + 24, model, sizeof(model) - 1) == 0, "Identify MN '%.40s'",
	      (const char *)page + 24);
	for (int i = 0; i < 4096; i++)
		untouched += page[i] == 0xa5;
	CHECK(untouched < 4096 / 2, "%u of 4096 bytes still hold the fill pattern", untouched);
	printf("ok: Identify page written by the device's DMA: VID %04x SSVID %04x, SN '%.20s', "
	       "MN '%.40s'\n",
	       id->vendor_id, id->subvendor_id, (const char *)page + 4, (const char *)page + 24);
}

/*
 * Identify pages written by the device into contig DMA memory and into a registered hugepage
 * region; with vfio, into that region again after unregistering it: the IOMMU must block it.
 */
static void dma_round_trips(volatile uint8_t *bar, const struct found *f, const char *provider)
{
	const size_t huge = (size_t)2 << 20;
	uint8_t *page = spdkrt_dma_malloc_contig(4096, 4096, SPDKRT_ENV_SOCKET_ANY);
	uint8_t *region, *target;
	struct admin a;
	uint64_t iova;
	size_t len = 4096;
	uint32_t status;
	int rc;

	CHECK(page != NULL, "identify buffer");
	admin_enable(&a, bar);
	memset(page, 0xa5, 4096);
	iova = spdkrt_vtophys(page, &len);
	CHECK(iova != SPDKRT_IOVA_INVALID && len == 4096, "identify buffer IOVA (len %zu)", len);
	status = admin_identify(&a, iova);
	CHECK(status == 0, "Identify status 0x%x", status);
	check_identify_page(page, &f->id);
	spdkrt_dma_free(page);

	region = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
		      -1, 0);
	CHECK(region != MAP_FAILED, "a 2 MiB hugepage for the application's own memory");
	memset(region, 0xa5, huge);
	target = region + huge - 4096;
	CHECK(spdkrt_vtophys(target, NULL) == SPDKRT_IOVA_INVALID,
	      "unregistered memory has an IOVA");
	rc = spdkrt_mem_register(region, huge);
	CHECK(rc == 0, "spdkrt_mem_register: %s", spdkrt_strerror(rc));
	len = 4096;
	iova = spdkrt_vtophys(target, &len);
	CHECK(iova != SPDKRT_IOVA_INVALID && len == 4096, "registered memory IOVA (len %zu)", len);
	status = admin_identify(&a, iova);
	CHECK(status == 0, "Identify into registered memory: status 0x%x", status);
	check_identify_page(target, &f->id);
	printf("ok: the device wrote into spdkrt_mem_register()ed application memory\n");
	rc = spdkrt_mem_unregister(region, huge);
	CHECK(rc == 0, "spdkrt_mem_unregister: %s", spdkrt_strerror(rc));
	if (strcmp(provider, "vfio") == 0) {
		unsigned untouched = 0;

		memset(target, 0xa5, 4096);
		status = admin_identify(&a, iova);
		for (int i = 0; i < 4096; i++)
			untouched += target[i] == 0xa5;
		CHECK(untouched == 4096, "DMA reached unregistered memory (%u bytes untouched)",
		      untouched);
		printf("ok: the IOMMU blocked DMA into memory no longer registered (the device said "
		       "status 0x%x: check data, not status)\n",
		       status);
	}
	munmap(region, huge);
	admin_disable(&a);
}

static void attach_and_check(const struct found *f, const char *provider, bool identify)
{
	struct srt_pci_device *dev;
	uint32_t v32;
	uint16_t cmd;
	void *bar;
	uint64_t size, cap;
	uint32_t vs;
	int rc = srt_pci_device_attach(&f->addr, &dev);

	CHECK(rc == 0, "attach: %s", spdkrt_strerror(rc));
	CHECK(strcmp(srt_pci_device_provider(dev), provider) == 0, "provider %s, expected %s",
	      srt_pci_device_provider(dev), provider);
	CHECK(srt_pci_cfg_read32(dev, &v32, 0) == 0 &&
		      v32 == ((uint32_t)QEMU_NVME_DEVICE << 16 | QEMU_NVME_VENDOR),
	      "config vendor/device 0x%08x", v32);
	CHECK(srt_pci_cfg_read32(dev, &v32, 8) == 0 && v32 >> 8 == SRT_PCI_CLASS_NVME,
	      "config class 0x%06x", v32 >> 8);
	CHECK(srt_pci_cfg_read16(dev, &cmd, 4) == 0 && (cmd & 0x6) == 0x6,
	      "command register 0x%04x lacks memory space or bus master", cmd);
	printf("ok: %s provider: config space ids, class and bus mastering\n", provider);
	rc = srt_pci_device_map_bar(dev, 0, &bar, &size);
	CHECK(rc == 0, "map BAR0: %s", spdkrt_strerror(rc));
	CHECK(size >= 0x2000, "BAR0 size %llu", (unsigned long long)size);
	cap = srt_mmio_read64(bar);
	vs = srt_mmio_read32((uint8_t *)bar + NVME_VS);
	CHECK((cap & 0xffff) >= 1 && (cap >> 37 & 1) && ((cap >> 24) & 0xff) > 0, "CAP 0x%016llx",
	      (unsigned long long)cap);
	CHECK(vs >> 16 >= 1 && vs >> 16 <= 2, "VS 0x%08x", vs);
	printf("ok: BAR0 (%llu bytes): CAP 0x%016llx (MQES %u, DSTRD %u), VS %u.%u\n",
	       (unsigned long long)size, (unsigned long long)cap, (unsigned)(cap & 0xffff) + 1,
	       (unsigned)(cap >> 32 & 0xf), vs >> 16, (vs >> 8) & 0xff);
	if (identify)
		dma_round_trips(bar, f, provider);
	srt_pci_device_detach(dev);
}

/*
 * uio only (vfio-pci holds a removal until the user lets go): the kernel removes the function
 * under an attached device, which must then report it removed and still detach cleanly.
 */
static void surprise_removal(const struct found *f, const char *name)
{
	struct srt_pci_device *dev;
	char path[128];
	FILE *fp;
	int rc = srt_pci_device_attach(&f->addr, &dev);

	CHECK(rc == 0, "attach: %s", spdkrt_strerror(rc));
	CHECK(!srt_pci_device_is_removed(dev), "%s reported removed before removal", name);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", name);
	fp = fopen(path, "w");
	CHECK(fp != NULL && fputs("1", fp) >= 0 && fclose(fp) == 0, "removing %s through sysfs",
	      name);
	CHECK(srt_pci_device_is_removed(dev), "%s removed but not reported removed", name);
	srt_pci_device_detach(dev);
	printf("ok: a function removed under an attached device is reported removed; detach "
	       "cleans up\n");
}

int main(int argc, char **argv)
{
	static const struct spdkrt_pci_id qemu_nvme[] = {
		{ QEMU_NVME_VENDOR, QEMU_NVME_DEVICE, SPDKRT_PCI_ANY_ID, SPDKRT_PCI_ANY_ID, 0 },
		{ 0 },
	};
	struct spdkrt_env_opts opts;
	struct found f = { 0 };
	char name[SPDKRT_PCI_ADDR_STRLEN], driver[64];
	const char *provider = argc > 1 ? argv[1] : "vfio";
	const char *want_driver = strcmp(provider, "uio") == 0 ? "uio_pci_generic" : "vfio-pci";
	int rc, node;

	setvbuf(stdout, NULL, _IOLBF, 0);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.name = "pci_guest";
	opts.core_mask = "0";
	opts.mem_size_mb = 64;
	rc = spdkrt_env_init(&opts);
	CHECK(rc == 0, "spdkrt_env_init: %s", spdkrt_strerror(rc));

	rc = spdkrt_pci_enumerate(qemu_nvme, SRT_PCI_CLASS_NVME, 0xffffff, first_nvme, &f);
	CHECK(rc == 0 && f.count >= 1, "enumeration found %u QEMU NVMe functions (rc %d)", f.count,
	      rc);
	spdkrt_pci_addr_fmt(name, sizeof(name), &f.addr);
	CHECK(f.id.class_code == SRT_PCI_CLASS_NVME && f.id.subvendor_id == QEMU_SUBSYS_VENDOR,
	      "ids of %s", name);
	CHECK(spdkrt_pci_get_driver(&f.addr, driver, sizeof(driver)) == 0 &&
		      strcmp(driver, want_driver) == 0,
	      "%s is bound to '%s', expected %s", name, driver, want_driver);
	CHECK(spdkrt_pci_get_numa_node(&f.addr, &node) == 0, "NUMA node of %s", name);
	printf("ok: enumeration: %s %04x:%04x subsystem %04x:%04x class %06x, driver %s, node %d\n",
	       name, f.id.vendor_id, f.id.device_id, f.id.subvendor_id, f.id.subdevice_id,
	       f.id.class_code, driver, node);

	attach_and_check(&f, provider, true);
	/* Detach released everything: the same function attaches again (SPDK issue #138). */
	attach_and_check(&f, provider, false);
	printf("ok: detach, attach again, detach\n");
	if (strcmp(provider, "uio") == 0)
		surprise_removal(&f, name);
	spdkrt_env_fini();
	printf("PASS: pci_guest %s\n", provider);
	return 0;
}
