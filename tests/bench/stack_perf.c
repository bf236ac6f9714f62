/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stack_perf: bdevperf's measurement on the top of a stack of bdevs (a vbdev over its base),
 * for tests/bench/modules.sh while bdevperf runs a job on every -b bdev (the claimed base
 * included). Every -b creates a bdev, in order; one job on the app thread keeps -q I/Os of -o
 * bytes in flight on the last one for -t seconds; the bdevs are destroyed in reverse order.
 * Prints {"iops":..,"mibps":..} like bdevperf --json's "total". Public API only.
 *
 * usage: stack_perf -q DEPTH -o SIZE -w write|read|randwrite|randread -t SECONDS
 *                   [-m CORE_MASK] [-s MEM_MB] -b SPEC [-b SPEC ...]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

#define MAX_SPECS 8

static const char *g_specs[MAX_SPECS];
static char *g_names[MAX_SPECS];
static uint32_t g_num_specs, g_num_created;
static uint32_t g_qd = 128;
static uint64_t g_io_size = 4096;
static uint64_t g_time_s = 10;
static bool g_write, g_random;

static struct spdkrt_bdev_desc *g_desc;
static struct spdkrt_io_channel *g_ch;
static char *g_bufs;
static uint64_t g_blocks_per_io, g_slots, g_next, g_rng = 88172645463325252ull;
static uint64_t g_done, g_errors, g_start, g_end;
static uint32_t g_outstanding;
static bool g_stopping;
static struct spdkrt_poller *g_timer;
static int g_rc;

static void destroy_next(void *ctx, int status);

static void io_done(void *arg, int status);

static void submit_one(char *buf)
{
	uint64_t slot;
	int rc;

	if (g_random) {
		g_rng ^= g_rng << 13;
		g_rng ^= g_rng >> 7;
		g_rng ^= g_rng << 17;
		slot = g_rng % g_slots;
	} else {
		slot = g_next++;
		if (g_next == g_slots)
			g_next = 0;
	}
	rc = g_write ? spdkrt_bdev_write_blocks(g_desc, g_ch, buf, slot * g_blocks_per_io,
						g_blocks_per_io, io_done, buf) :
		       spdkrt_bdev_read_blocks(g_desc, g_ch, buf, slot * g_blocks_per_io,
					       g_blocks_per_io, io_done, buf);
	if (rc != 0) {
		fprintf(stderr, "stack_perf: submit: %s\n", spdkrt_strerror(rc));
		g_errors++;
		g_stopping = true;
		return;
	}
	g_outstanding++;
}

static void finish(void)
{
	double s = (double)(g_end - g_start) / (double)spdkrt_get_ticks_hz();
	double iops = s > 0 ? (double)g_done / s : 0;

	printf("{\"iops\":%.2f,\"mibps\":%.2f,\"errors\":%" PRIu64 "}\n", iops,
	       iops * (double)g_io_size / (1024.0 * 1024.0), g_errors);
	fflush(stdout);
	spdkrt_put_io_channel(g_ch);
	spdkrt_bdev_close(g_desc);
	spdkrt_dma_free(g_bufs);
	destroy_next(NULL, 0);
}

static void io_done(void *arg, int status)
{
	g_outstanding--;
	if (status != 0)
		g_errors++;
	else if (!g_stopping)
		g_done++;
	if (!g_stopping) {
		submit_one(arg);
		return;
	}
	if (g_outstanding == 0)
		finish();
}

static int timer(void *ctx)
{
	(void)ctx;
	if (spdkrt_get_ticks() - g_start < g_time_s * spdkrt_get_ticks_hz())
		return SPDKRT_POLLER_IDLE;
	g_end = spdkrt_get_ticks();
	g_stopping = true;
	spdkrt_poller_unregister(&g_timer);
	if (g_outstanding == 0)
		finish();
	return SPDKRT_POLLER_BUSY;
}

/* Destroys the bdevs top first (a vbdev before its base), then stops the app. */
static void destroy_next(void *ctx, int status)
{
	(void)ctx;
	if (status != 0)
		g_rc = 1;
	while (g_num_created > 0) {
		char *name = g_names[--g_num_created];
		int rc = spdkrt_bdev_destroy(name, destroy_next, NULL);

		free(name);
		if (rc == 0)
			return;
		g_rc = 1;
	}
	spdkrt_app_stop(g_rc != 0 || g_errors != 0);
}

static void event_cb(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	(void)type;
	(void)bdev;
	(void)ctx;
}

static void start(void *ctx)
{
	struct spdkrt_bdev *bdev = NULL;
	uint32_t bs;
	int rc;

	(void)ctx;
	for (uint32_t i = 0; i < g_num_specs; i++) {
		rc = spdkrt_bdev_create(g_specs[i], &bdev);
		if (rc != 0) {
			fprintf(stderr, "stack_perf: cannot create '%s': %s\n", g_specs[i],
				spdkrt_strerror(rc));
			goto fail;
		}
		g_names[g_num_created++] = strdup(spdkrt_bdev_get_name(bdev));
	}
	rc = spdkrt_bdev_open(spdkrt_bdev_get_name(bdev), g_write, event_cb, NULL, &g_desc);
	if (rc != 0)
		goto fail;
	bs = spdkrt_bdev_get_block_size(bdev);
	if (g_io_size % bs != 0) {
		fprintf(stderr, "stack_perf: -o is not a multiple of the block size %u\n", bs);
		spdkrt_bdev_close(g_desc);
		goto fail;
	}
	g_blocks_per_io = g_io_size / bs;
	g_slots = spdkrt_bdev_get_num_blocks(bdev) / g_blocks_per_io;
	g_ch = spdkrt_bdev_get_io_channel(g_desc);
	g_bufs = spdkrt_dma_zmalloc((size_t)g_qd * g_io_size, 4096, SPDKRT_ENV_SOCKET_ANY);
	if (g_ch == NULL || g_bufs == NULL || g_slots == 0) {
		fprintf(stderr, "stack_perf: no channel, no memory (raise -s) or too small a "
				"bdev\n");
		exit(1);
	}
	if (spdkrt_poller_register(timer, NULL, 10000, &g_timer) != 0)
		exit(1);
	g_start = spdkrt_get_ticks();
	for (uint32_t i = 0; i < g_qd && !g_stopping; i++)
		submit_one(g_bufs + (size_t)i * g_io_size);
	return;
fail:
	g_rc = 1;
	destroy_next(NULL, 0);
}

int main(int argc, char **argv)
{
	struct spdkrt_app_opts opts;
	const char *workload = NULL;
	int c;

	spdkrt_app_opts_init(&opts, sizeof(opts));
	opts.name = "stack_perf";
	opts.no_huge = true;
	opts.mem_size_mb = 512;
	while ((c = getopt(argc, argv, "q:o:w:t:m:s:b:")) != -1) {
		switch (c) {
		case 'q':
			g_qd = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'o':
			g_io_size = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			workload = optarg;
			break;
		case 't':
			g_time_s = strtoull(optarg, NULL, 0);
			break;
		case 'm':
			opts.core_mask = optarg;
			break;
		case 's':
			opts.mem_size_mb = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			if (g_num_specs == MAX_SPECS)
				return 1;
			g_specs[g_num_specs++] = optarg;
			break;
		default:
			return 1;
		}
	}
	if (workload == NULL || g_num_specs == 0 || g_qd == 0 || g_io_size == 0) {
		fprintf(stderr,
			"usage: %s -q DEPTH -o SIZE -w write|read|randwrite|randread "
			"-t SECONDS [-m MASK] [-s MB] -b SPEC...\n",
			argv[0]);
		return 1;
	}
	g_write = strstr(workload, "write") != NULL;
	g_random = strncmp(workload, "rand", 4) == 0;
	return spdkrt_app_run(&opts, start, NULL) == 0 ? 0 : 1;
}
