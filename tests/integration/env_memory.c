/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Initialises the environment through the shared library (with --no-huge or on hugepages),
 * allocates DMA memory, translates it, writes it, frees it, finalises; device DMA (contig
 * memory, spdkrt_vtophys lengths, registered application memory) and PCI enumeration of this
 * machine's functions. Prints one line per step and exits non-zero on any failure. With --expect-no-hugepages, init must fail with -ENOMEM
 * and say how to reserve hugepages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

static char g_log[8192];

static void capture(void *ctx, enum spdkrt_log_level level, const char *component, const char *msg)
{
	(void)ctx;
	(void)level;
	snprintf(g_log + strlen(g_log), sizeof(g_log) - strlen(g_log), "[%s] %s\n", component, msg);
}

static int count_function(void *ctx, const struct spdkrt_pci_addr *addr,
			  const struct spdkrt_pci_id *id)
{
	(void)addr;
	(void)id;
	(*(unsigned *)ctx)++;
	return 0;
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("FAIL: " __VA_ARGS__);                                              \
			printf("\nlog:\n%s", g_log);                                               \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

int main(int argc, char **argv)
{
	struct spdkrt_env_opts opts;
	bool no_huge = false, expect_none = false;
	const char *huge_dir = NULL;
	void *bufs[16];
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-huge") == 0)
			no_huge = true;
		else if (strcmp(argv[i], "--expect-no-hugepages") == 0)
			expect_none = true;
		else if (strncmp(argv[i], "--huge-dir=", 11) == 0)
			huge_dir = argv[i] + 11;
	}
	spdkrt_log_set_sink(capture, NULL);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.name = "env_memory";
	opts.core_mask = "0";
	opts.no_huge = no_huge;
	opts.hugepage_dir = huge_dir;
	opts.mem_size_mb = no_huge ? 64 : 0;
	rc = spdkrt_env_init(&opts);
	if (expect_none) {
		CHECK(rc == -ENOMEM, "init without hugepages gave %d, expected -ENOMEM", rc);
		CHECK(strstr(g_log, "nr_hugepages") != NULL && strstr(g_log, "no_huge") != NULL,
		      "the error does not say how to reserve hugepages or to use no_huge");
		printf("PASS: no hugepages -> -ENOMEM with advice\n");
		return 0;
	}
	CHECK(rc == 0, "spdkrt_env_init: %s", spdkrt_strerror(rc));
	printf("PASS: env init (%s)\n", no_huge ? "no hugepages" : "hugepages");
	for (int i = 0; i < 16; i++) {
		size_t size = (size_t)(i + 1) * 64 * 1024;
		uint64_t iova;

		bufs[i] = spdkrt_dma_zmalloc(size, 4096, SPDKRT_ENV_SOCKET_ANY);
		CHECK(bufs[i] != NULL, "dma_zmalloc(%zu)", size);
		iova = spdkrt_dma_iova(bufs[i]);
		CHECK(iova != SPDKRT_IOVA_INVALID && iova % 4096 == 0, "iova of buffer %d", i);
		CHECK(spdkrt_dma_iova((char *)bufs[i] + size - 1) != SPDKRT_IOVA_INVALID,
		      "iova of the last byte of buffer %d", i);
		memset(bufs[i], i, size);
	}
	CHECK(spdkrt_dma_iova(&rc) == SPDKRT_IOVA_INVALID, "a stack address has an IOVA");
	printf("PASS: 16 DMA buffers allocated, translated, written\n");
	for (int i = 0; i < 16; i++)
		spdkrt_dma_free(bufs[i]);

	{
		const size_t mib = (size_t)1 << 20;
		char *contig = spdkrt_dma_malloc_contig(mib, 4096, SPDKRT_ENV_SOCKET_ANY);
		char *region = aligned_alloc(2 * mib, 4 * mib);
		size_t len = mib;
		unsigned functions = 0;

		CHECK(contig != NULL && region != NULL, "contig buffer / region");
		CHECK(spdkrt_vtophys(contig, &len) != SPDKRT_IOVA_INVALID && len == mib,
		      "vtophys of a 1 MiB contig buffer: %zu contiguous bytes", len);
		spdkrt_dma_free(contig);
		memset(region, 0, 4 * mib);
		rc = spdkrt_mem_register(region, 4 * mib);
		if (rc == 0) {
			len = 4 * mib;
			CHECK(spdkrt_vtophys(region + 100, &len) != SPDKRT_IOVA_INVALID &&
				      len >= 100,
			      "vtophys of registered memory");
			CHECK(spdkrt_mem_unregister(region, 4 * mib) == 0, "mem_unregister");
			CHECK(spdkrt_vtophys(region, NULL) == SPDKRT_IOVA_INVALID,
			      "unregistered memory still has an IOVA");
			printf("PASS: contig memory and registered application memory translate\n");
		} else {
			/* IOVA = PA: only hugepage-backed memory can be registered, and it says so. */
			CHECK(!no_huge && rc == -EINVAL && strstr(g_log, "hugepage-backed") != NULL,
			      "mem_register: %s", spdkrt_strerror(rc));
			printf("PASS: contig memory translates; IOVA = PA refuses ordinary pages\n");
		}
		free(region);
		rc = spdkrt_pci_enumerate(NULL, 0, 0, count_function, &functions);
		CHECK(rc == 0, "spdkrt_pci_enumerate: %s", spdkrt_strerror(rc));
		printf("PASS: %u PCI functions on this machine\n", functions);
	}
	spdkrt_env_fini();
	CHECK(!spdkrt_env_is_initialized(), "still initialised after fini");
	printf("PASS: freed and finalised\n");
	return 0;
}
