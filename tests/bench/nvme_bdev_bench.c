/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bdev layer's overhead on top of the NVMe driver: 4 KiB reads through the raw driver
 * (submit + process_completions) and through an nvme bdev (submit + thread poll: core, module,
 * channel poller, deferred completion), each against its own controller model. Queue depth 1,
 * or --qd Q: batches of Q reads submitted together, then reaped (the polls' fixed cost shared).
 * The models' work (srt_pci_model_poll_all) runs between the timed parts and is not counted.
 * Paired rounds in one run; prints ns per I/O and the ratio bdev / driver (target <= 1.2).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

#include "env/backend.h"
#include "env/pci.h"
#include "env/pci_sysfs.h"
#include "../models/nvme/nvme_model.h"

#define ROUNDS 5

static struct spdkrt_thread *g_thread;
static struct spdkrt_nvme_ctrlr *g_ctrlr;
static struct spdkrt_nvme_qpair *g_qpair;
static struct spdkrt_nvme_ns *g_ns;
static unsigned g_left; /* reads of the current batch not completed yet */
static unsigned g_qd = 1;

static void die(const char *what)
{
	fprintf(stderr, "nvme_bdev_bench: %s\n", what);
	exit(1);
}

static void driver_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	(void)arg;
	if (spdkrt_nvme_cpl_is_error(cpl))
		die("driver read failed");
	g_left--;
}

static void bdev_done(void *arg, int status)
{
	(void)arg;
	if (status != 0)
		die("bdev read failed");
	g_left--;
}

/* The timed parts, one function each so that callgrind can count inside them only
 * (--toggle-collect=bench_driver_* or bench_bdev_*). */
static __attribute__((noinline)) void bench_driver_submit(void *buf, unsigned i)
{
	if (spdkrt_nvme_ns_cmd_read(g_ns, g_qpair, buf, (i * 8) % 4096, 8, driver_done, NULL, 0) !=
	    0)
		die("driver submit failed");
}

static __attribute__((noinline)) void bench_driver_reap(void)
{
	spdkrt_nvme_qpair_process_completions(g_qpair, 0);
}

static __attribute__((noinline)) void bench_bdev_submit(struct spdkrt_bdev_desc *desc,
							struct spdkrt_io_channel *ch, void *buf,
							unsigned i)
{
	if (spdkrt_bdev_read_blocks(desc, ch, buf, (i * 8) % 4096, 8, bdev_done, NULL) != 0)
		die("bdev submit failed");
}

static __attribute__((noinline)) void bench_bdev_reap(void)
{
	spdkrt_thread_poll(g_thread, 0, 0);
}

/* n reads (a multiple of the queue depth), in batches of g_qd. */
static uint64_t driver_loop(void *buf, unsigned n)
{
	uint64_t spent = 0;

	for (unsigned i = 0; i < n; i += g_qd) {
		uint64_t t0 = spdkrt_get_ticks();

		g_left = g_qd;
		for (unsigned k = 0; k < g_qd; k++)
			bench_driver_submit(buf, i + k);
		spent += spdkrt_get_ticks() - t0;
		while (g_left > 0) {
			srt_pci_model_poll_all();
			t0 = spdkrt_get_ticks();
			bench_driver_reap();
			spent += spdkrt_get_ticks() - t0;
		}
	}
	return spent;
}

static uint64_t bdev_loop(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch, void *buf,
			  unsigned n)
{
	uint64_t spent = 0;

	for (unsigned i = 0; i < n; i += g_qd) {
		uint64_t t0 = spdkrt_get_ticks();

		g_left = g_qd;
		for (unsigned k = 0; k < g_qd; k++)
			bench_bdev_submit(desc, ch, buf, i + k);
		spent += spdkrt_get_ticks() - t0;
		while (g_left > 0) {
			srt_pci_model_poll_all();
			t0 = spdkrt_get_ticks();
			bench_bdev_reap();
			spent += spdkrt_get_ticks() - t0;
		}
	}
	return spent;
}

/* callgrind's --zero-before mark: what ran before (the warm-up) is not counted. */
static __attribute__((noinline)) void bench_counting_starts(void)
{
	__asm__ volatile("" ::: "memory");
}

static void created(void *ctx, int status, struct spdkrt_bdev *const *bdevs, size_t count)
{
	(void)bdevs;
	*(int *)ctx = status == 0 && count == 1 ? 1 : -1;
}

static void no_events(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	(void)type;
	(void)bdev;
	(void)ctx;
}

static void destroyed(void *ctx, int status)
{
	(void)status;
	*(int *)ctx = 1;
}

static struct nvme_model *model_at(uint8_t dev)
{
	struct nvme_model_ns_opts ns_opts = { .nsid = 1, .num_blocks = 8192, .lbaf = 0 };
	struct nvme_model_opts opts;
	struct nvme_model *model;

	nvme_model_opts_init(&opts);
	opts.addr.dev = dev;
	if (nvme_model_create(&opts, &model) != 0 || nvme_model_add_ns(model, &ns_opts) != 0)
		die("cannot build a controller model");
	return model;
}

/* nvme_bdev_bench [--qd Q] [reads]: paired timed rounds. nvme_bdev_bench [--qd Q] --count N: N
 * reads on each path, untimed, for callgrind. */
int main(int argc, char **argv)
{
	bool count_only = false;
	unsigned n = 100000;
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_env_opts opts;
	struct nvme_model *raw_model, *bdev_model;
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	double hz, d_sum = 0, b_sum = 0;
	int created_state = 0;
	void *buf;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0)
			count_only = true;
		else if (strcmp(argv[i], "--qd") == 0 && i + 1 < argc)
			g_qd = (unsigned)strtoul(argv[++i], NULL, 0);
		else
			n = (unsigned)strtoul(argv[i], NULL, 0);
	}
	if (g_qd == 0 || g_qd > 128 || n < 10 * g_qd)
		die("usage: nvme_bdev_bench [--qd 1..128] [--count] [reads >= 10 * qd]");
	n -= n % g_qd;

	srt_pci_sysfs_set_root("/nonexistent-spdkrt-sysfs");
	srt_env_set_backend(&srt_env_heap_backend);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	if (spdkrt_env_init(&opts) != 0)
		die("env init failed");
	spdkrt_log_set_level(SPDKRT_LOG_WARN);
	/* Models built with no current thread: only srt_pci_model_poll_all() runs them. */
	raw_model = model_at(1);
	bdev_model = model_at(2);
	if (spdkrt_thread_create("bench", &g_thread) != 0)
		die("thread");
	spdkrt_set_thread(g_thread);
	spdkrt_nvme_transport_id_parse(&trid, "trtype:PCIe traddr:0000:0e:01.0");
	if (spdkrt_nvme_connect(&trid, NULL, &g_ctrlr) != 0 ||
	    spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair) != 0)
		die("raw driver attach failed");
	g_ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, 1);
	if (spdkrt_bdev_create_async("nvme:name=Nvme0,trtype=pcie,traddr=0000:0e:02.0,"
				     "admin_poll_us=100000",
				     created, &created_state) != 0)
		die("bdev create failed");
	while (created_state == 0) {
		srt_pci_model_poll_all();
		spdkrt_thread_poll(g_thread, 0, 0);
	}
	if (created_state < 0 || spdkrt_bdev_open("Nvme0n1", false, no_events, NULL, &desc) != 0 ||
	    (ch = spdkrt_bdev_get_io_channel(desc)) == NULL)
		die("nvme bdev attach failed");
	buf = spdkrt_dma_malloc(4096, 4096, SPDKRT_ENV_SOCKET_ANY);
	if (buf == NULL)
		die("no DMA buffer");
	hz = (double)spdkrt_get_ticks_hz();
	driver_loop(buf, n / 10 / g_qd * g_qd); /* warm up both: pools grown, caches filled */
	bdev_loop(desc, ch, buf, n / 10 / g_qd * g_qd);
	if (count_only) {
		bench_counting_starts();
		driver_loop(buf, n);
		bdev_loop(desc, ch, buf, n);
	}
	for (int r = 0; r < ROUNDS && !count_only; r++) {
		double d = (double)driver_loop(buf, n) * 1e9 / hz / n;
		double b = (double)bdev_loop(desc, ch, buf, n) * 1e9 / hz / n;

		if (r == 0)
			printf("%-6s %14s %14s %8s   (4 KiB reads, queue depth %u, %u each, model "
			       "excluded)\n",
			       "round", "driver ns/IO", "bdev ns/IO", "bdev/drv", g_qd, n);
		d_sum += d;
		b_sum += b;
		printf("%-6d %14.1f %14.1f %7.2fx\n", r + 1, d, b, b / d);
	}
	if (!count_only)
		printf("%-6s %14.1f %14.1f %7.2fx\n", "mean", d_sum / ROUNDS, b_sum / ROUNDS,
		       b_sum / d_sum);
	spdkrt_dma_free(buf);
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	spdkrt_nvme_ctrlr_free_io_qpair(g_qpair);
	spdkrt_nvme_detach(g_ctrlr);
	nvme_model_destroy(raw_model);
	created_state = 0;
	if (spdkrt_bdev_destroy("Nvme0n1", destroyed, &created_state) != 0)
		die("bdev destroy failed");
	/* the controller detaches after the bdev is gone: a few more polls */
	for (int i = 0; i < 1000 || created_state == 0; i++) {
		srt_pci_model_poll_all();
		spdkrt_thread_poll(g_thread, 0, 0);
	}
	nvme_model_destroy(bdev_model);
	return 0;
}
