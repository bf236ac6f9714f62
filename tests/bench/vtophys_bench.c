/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cost of address translation for device DMA, through libspdkrt.so over DPDK (--no-huge: 4 KiB
 * memsegs, the worst case for a walk): spdkrt_vtophys for one 4 KiB page (a PRP entry) and for a
 * 128 KiB run (an SGL element, 32 memsegs walked), as ratios to spdkrt_dma_iova (the IOVA alone,
 * no length) measured in the same run.
 * Usage: vtophys_bench [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <spdkrt.h>

#define BUF_SIZE ((size_t)1 << 20)
#define PAGE 4096

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile uint64_t g_sink;

static double per_call_ns(char *buf, long iterations, int kind)
{
	double start = now_ns();

	for (long i = 0; i < iterations; i++) {
		char *p = buf + (size_t)(i % (BUF_SIZE / PAGE)) * PAGE;
		size_t len = kind == 1 ? PAGE : 128 * 1024;

		if (kind == 0)
			g_sink += spdkrt_dma_iova(p);
		else
			g_sink += spdkrt_vtophys(kind == 2 ? buf : p, &len) + len;
	}
	return (now_ns() - start) / (double)iterations;
}

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? atol(argv[1]) : 2000000;
	struct spdkrt_env_opts opts;
	double base, page, run;
	char *buf;

	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.name = "vtophys_bench";
	opts.core_mask = "0";
	opts.no_huge = true;
	opts.mem_size_mb = 64;
	if (iterations <= 0 || spdkrt_env_init(&opts) != 0) {
		fprintf(stderr, "usage: %s [iterations > 0]; the environment must initialise\n",
			argv[0]);
		return 1;
	}
	buf = spdkrt_dma_malloc(BUF_SIZE, PAGE, SPDKRT_ENV_SOCKET_ANY);
	if (buf == NULL)
		return 1;
	per_call_ns(buf, iterations / 10, 1); /* warm up */
	base = per_call_ns(buf, iterations, 0);
	page = per_call_ns(buf, iterations, 1);
	run = per_call_ns(buf, iterations / 8, 2);
	printf("spdkrt_dma_iova (baseline, no length)   %8.1f ns/call\n", base);
	printf("spdkrt_vtophys, 4 KiB (a PRP entry)     %8.1f ns/call  %5.2fx baseline\n", page,
	       page / base);
	printf("spdkrt_vtophys, 128 KiB (32 memsegs)    %8.1f ns/call  %5.2fx baseline\n", run,
	       run / base);
	spdkrt_dma_free(buf);
	spdkrt_env_fini();
	return 0;
}
