/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ioat_bench: what the I/OAT driver itself costs, against the channel model (no I/OAT hardware
 * here). For each size, batches of copies go through build + flush + process_events; only the
 * time inside those driver calls is counted (the model's work, the device's share, is not), and
 * divided by the descriptors used. Beside it, in the same run, CPU memcpy of the same size. The
 * ratio driver/memcpy says what offloading one copy costs the submitting core.
 *
 * Usage: ioat_bench [seconds per size, default 1]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spdkrt/env.h>
#include <spdkrt/ioat.h>

#include "env/backend.h"
#include "../models/ioat/ioat_model.h"

#define BATCH 32

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned g_done;

static void copy_done(void *arg, int status)
{
	(void)arg;
	if (status != 0) {
		fprintf(stderr, "ioat_bench: a copy failed: %d\n", status);
		exit(1);
	}
	g_done++;
}

/* Driver ns per descriptor and per copy for copies of size bytes. */
static void bench_driver(struct spdkrt_ioat_chan *chan, struct ioat_model *model, char *src,
			 char *dst, size_t size, double seconds, double *ns_per_desc,
			 double *ns_per_copy)
{
	uint64_t driver_ns = 0, copies = 0, t0, end = now_ns() + (uint64_t)(seconds * 1e9);
	struct ioat_model_stats before, after;

	ioat_model_get_stats(model, &before);
	while (now_ns() < end) {
		t0 = now_ns();
		for (unsigned i = 0; i < BATCH; i++)
			if (spdkrt_ioat_build_copy(chan, NULL, copy_done, dst + i * size,
						   src + i * size, size) != 0) {
				fprintf(stderr, "ioat_bench: build_copy failed\n");
				exit(1);
			}
		spdkrt_ioat_flush(chan);
		driver_ns += now_ns() - t0;
		g_done = 0;
		while (g_done < BATCH) {
			ioat_model_poll(model); /* the device: not counted */
			t0 = now_ns();
			spdkrt_ioat_process_events(chan);
			driver_ns += now_ns() - t0;
		}
		copies += BATCH;
	}
	ioat_model_get_stats(model, &after);
	*ns_per_desc = (double)driver_ns / (double)(after.descriptors - before.descriptors);
	*ns_per_copy = (double)driver_ns / (double)copies;
}

static double bench_memcpy(char *src, char *dst, size_t size, double seconds)
{
	uint64_t copies = 0, t0 = now_ns(), end = t0 + (uint64_t)(seconds * 1e9), t;

	do {
		for (unsigned i = 0; i < BATCH; i++)
			memcpy(dst + i * size, src + i * size, size);
		/* Keep the copies from being optimised away. */
		__asm__ volatile("" : : "r"(dst) : "memory");
		copies += BATCH;
		t = now_ns();
	} while (t < end);
	return (double)(t - t0) / (double)copies;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 64, 512, 4096, 65536, 1 << 20 };
	static const struct spdkrt_pci_addr addr = { 0, 0x80, 4, 0 };
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	struct spdkrt_ioat_chan *chan;
	struct ioat_model *model;
	struct spdkrt_env_opts opts;
	size_t max = sizes[sizeof(sizes) / sizeof(sizes[0]) - 1];
	char *src, *dst;

	if (!(seconds > 0)) {
		fprintf(stderr, "usage: ioat_bench [seconds per size]\n");
		return 1;
	}
	srt_env_set_backend(&srt_env_heap_backend);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.mem_size_mb = 256;
	if (spdkrt_env_init(&opts) != 0 || ioat_model_create(&addr, NULL, &model) != 0 ||
	    spdkrt_ioat_attach(&addr, &chan) != 0) {
		fprintf(stderr,
			"ioat_bench: cannot set up the environment and the channel model\n");
		return 1;
	}
	/* IOVA-contiguous buffers: one descriptor per copy below the 1 MiB XFERCAP of the model. */
	src = spdkrt_dma_malloc_contig(BATCH * max, 4096, SPDKRT_ENV_SOCKET_ANY);
	dst = spdkrt_dma_malloc_contig(BATCH * max, 4096, SPDKRT_ENV_SOCKET_ANY);
	if (src == NULL || dst == NULL) {
		fprintf(stderr, "ioat_bench: out of DMA memory\n");
		return 1;
	}
	memset(src, 1, BATCH * max);
	memset(dst, 2, BATCH * max);
	printf("I/OAT driver cost per descriptor against the channel model (device work not "
	       "counted), beside CPU memcpy; %.1f s per size, batches of %d\n",
	       seconds, BATCH);
	printf("%10s %16s %16s %14s %18s\n", "size", "driver ns/desc", "driver ns/copy",
	       "memcpy ns", "driver/memcpy");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double per_desc, per_copy, cpu;

		bench_driver(chan, model, src, dst, sizes[i], seconds, &per_desc, &per_copy);
		cpu = bench_memcpy(src, dst, sizes[i], seconds);
		printf("%10zu %16.1f %16.1f %14.1f %18.3f\n", sizes[i], per_desc, per_copy, cpu,
		       per_copy / cpu);
	}
	spdkrt_ioat_detach(chan);
	ioat_model_destroy(model);
	spdkrt_dma_free(src);
	spdkrt_dma_free(dst);
	spdkrt_env_fini();
	return 0;
}
