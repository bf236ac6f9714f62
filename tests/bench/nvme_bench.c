/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe driver's own cost per read (submit + completion processing) against the register-level
 * controller model, beside a raw loop on a queue of the same controller that only writes a
 * submission entry, rings the doorbell and reaps the completion entry. Queue depth 1, 4 KiB and
 * 64 KiB (a PRP list). The model's work (srt_pci_model_poll_all) runs between the timed parts
 * and is not counted, in both loops. Prints ns per I/O and the ratio driver / raw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

#include "env/backend.h"
#include "env/mmio.h"
#include "env/pci.h"
#include "env/pci_sysfs.h"
#include "../models/nvme/nvme_model.h"

#define RAW_QID 40
#define RAW_ENTRIES 64
#define PAGE 4096u

static struct spdkrt_nvme_ctrlr *g_ctrlr;
static struct spdkrt_nvme_qpair *g_qpair;
static struct spdkrt_nvme_ns *g_ns;
static bool g_done;

static void done_cb(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	(void)arg;
	if (spdkrt_nvme_cpl_is_error(cpl)) {
		fprintf(stderr, "read failed: %s\n", spdkrt_nvme_cpl_status_string(cpl));
		exit(1);
	}
	g_done = true;
}

/*
 * The timed parts are functions of their own (never inlined): nvme.sh counts the instructions
 * executed inside them with callgrind (--toggle-collect), so the count excludes the model too.
 */
static __attribute__((noinline)) void bench_driver_submit(void *buf, uint32_t blocks, unsigned i)
{
	g_done = false;
	if (spdkrt_nvme_ns_cmd_read(g_ns, g_qpair, buf, (i * blocks) % 1024, blocks, done_cb, NULL,
				    0) != 0) {
		fprintf(stderr, "submit failed\n");
		exit(1);
	}
}

static __attribute__((noinline)) bool bench_driver_reap(void)
{
	spdkrt_nvme_qpair_process_completions(g_qpair, 0);
	return g_done;
}

/* Driver: ticks spent in the driver's calls only. */
static uint64_t driver_loop(void *buf, uint32_t blocks, unsigned n)
{
	uint64_t spent = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = spdkrt_get_ticks();
		bool done;

		bench_driver_submit(buf, blocks, i);
		spent += spdkrt_get_ticks() - t0;
		do {
			srt_pci_model_poll_all();
			t0 = spdkrt_get_ticks();
			done = bench_driver_reap();
			spent += spdkrt_get_ticks() - t0;
		} while (!done);
	}
	return spent;
}

struct raw_queue {
	struct spdkrt_nvme_cmd *sq;
	struct spdkrt_nvme_cpl *cq;
	uint64_t *prp_list;
	uint64_t prp_list_iova;
	volatile uint32_t *sq_db, *cq_db;
	uint32_t tail, head;
	uint16_t phase;
};

static void admin_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	*(int *)arg = spdkrt_nvme_cpl_is_error(cpl) ? 1 : 2;
}

static void admin(struct spdkrt_nvme_cmd *cmd)
{
	int state = 0;

	if (spdkrt_nvme_ctrlr_cmd_admin_raw(g_ctrlr, cmd, NULL, 0, admin_done, &state) != 0)
		exit(1);
	while (state == 0) {
		srt_pci_model_poll_all();
		spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr);
	}
	if (state != 2) {
		fprintf(stderr, "raw queue creation failed\n");
		exit(1);
	}
}

static uint64_t iova_of(void *p)
{
	size_t len = 1;

	return spdkrt_vtophys(p, &len);
}

static void raw_create(struct raw_queue *q, struct nvme_model *model)
{
	struct spdkrt_nvme_cmd cmd;
	volatile uint8_t *bar = nvme_model_bar0(model);

	q->sq = spdkrt_dma_zmalloc_contig(RAW_ENTRIES * 64, PAGE, SPDKRT_ENV_SOCKET_ANY);
	q->cq = spdkrt_dma_zmalloc_contig(RAW_ENTRIES * 16, PAGE, SPDKRT_ENV_SOCKET_ANY);
	q->prp_list = spdkrt_dma_zmalloc(PAGE, PAGE, SPDKRT_ENV_SOCKET_ANY);
	q->prp_list_iova = iova_of(q->prp_list);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = SPDKRT_NVME_OPC_CREATE_IO_CQ;
	cmd.dptr.prp.prp1 = iova_of(q->cq);
	cmd.cdw10 = (RAW_ENTRIES - 1) << 16 | RAW_QID;
	cmd.cdw11 = 1;
	admin(&cmd);
	cmd.opc = SPDKRT_NVME_OPC_CREATE_IO_SQ;
	cmd.dptr.prp.prp1 = iova_of(q->sq);
	cmd.cdw11 = RAW_QID << 16 | 1;
	admin(&cmd);
	q->sq_db = (volatile uint32_t *)(bar + SPDKRT_NVME_SQ_TDBL(RAW_QID, 0));
	q->cq_db = (volatile uint32_t *)(bar + SPDKRT_NVME_CQ_HDBL(RAW_QID, 0));
	q->phase = 1;
}

static __attribute__((noinline)) void bench_raw_submit(struct raw_queue *q, const uint64_t *prp,
						       uint32_t bytes, unsigned i)
{
	uint32_t pages = bytes / PAGE;
	struct spdkrt_nvme_cmd *sqe = &q->sq[q->tail];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opc = SPDKRT_NVME_OPC_READ;
	sqe->cid = (uint16_t)i;
	sqe->nsid = 1;
	sqe->dptr.prp.prp1 = prp[0];
	sqe->dptr.prp.prp2 = pages == 1 ? 0 : (pages == 2 ? prp[1] : q->prp_list_iova);
	sqe->cdw10 = (i * (bytes / 512)) % 1024;
	sqe->cdw12 = bytes / 512 - 1;
	q->tail = (q->tail + 1) % RAW_ENTRIES;
	srt_mmio_doorbell32(q->sq_db, q->tail);
}

static __attribute__((noinline)) bool bench_raw_reap(struct raw_queue *q)
{
	if ((__atomic_load_n(&q->cq[q->head].status, __ATOMIC_ACQUIRE) & 1u) != q->phase)
		return false;
	srt_rmb();
	if (spdkrt_nvme_cpl_is_error(&q->cq[q->head]))
		exit(1);
	if (++q->head == RAW_ENTRIES) {
		q->head = 0;
		q->phase ^= 1u;
	}
	srt_mmio_write32(q->cq_db, q->head);
	return true;
}

/* Raw: one SQE (PRPs from IOVAs looked up beforehand), doorbell, reap by phase, doorbell. */
static uint64_t raw_loop(struct raw_queue *q, void *buf, uint32_t bytes, unsigned n)
{
	uint32_t pages = bytes / PAGE;
	uint64_t prp[16];
	uint64_t spent = 0;

	for (uint32_t p = 0; p < pages; p++)
		prp[p] = iova_of((uint8_t *)buf + p * PAGE);
	for (uint32_t p = 1; p < pages; p++)
		q->prp_list[p - 1] = prp[p];
	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = spdkrt_get_ticks();
		bool done;

		bench_raw_submit(q, prp, bytes, i);
		spent += spdkrt_get_ticks() - t0;
		do {
			srt_pci_model_poll_all();
			t0 = spdkrt_get_ticks();
			done = bench_raw_reap(q);
			spent += spdkrt_get_ticks() - t0;
		} while (!done);
	}
	return spent;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Many short rounds: on a shared machine a round that was preempted is an outlier the median drops. */
#define ROUNDS 41

/*
 * nvme_bench [N]: ns per I/O, medians of ROUNDS alternating rounds of N / ROUNDS reads per size.
 * nvme_bench --count SIZE N: only N reads of SIZE bytes on each path, untimed (for callgrind).
 */
int main(int argc, char **argv)
{
	bool count_only = argc > 1 && strcmp(argv[1], "--count") == 0;
	unsigned n =
		(unsigned)atoi(argc > 1 + 2 * count_only ? argv[1 + 2 * count_only] : "200000");
	struct nvme_model_ns_opts ns_opts = { .nsid = 1, .num_blocks = 4096, .lbaf = 0 };
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_env_opts opts;
	struct nvme_model *model;
	struct raw_queue raw = { 0 };
	double tick_ns;
	void *buf;
	static const uint32_t sizes[] = { 4096, 65536 };

	if (n < ROUNDS ||
	    (count_only && (argc < 4 || (atoi(argv[2]) != 4096 && atoi(argv[2]) != 65536)))) {
		fprintf(stderr, "usage: %s [reads >= %d] | --count 4096|65536 reads\n", argv[0],
			ROUNDS);
		return 2;
	}
	srt_pci_sysfs_set_root("/nonexistent-spdkrt-sysfs");
	srt_env_set_backend(&srt_env_heap_backend);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	if (spdkrt_env_init(&opts) != 0 || nvme_model_create(NULL, &model) != 0 ||
	    nvme_model_add_ns(model, &ns_opts) != 0)
		return 1;
	spdkrt_nvme_transport_id_parse(&trid, "trtype:PCIe traddr:0000:0e:00.0");
	if (spdkrt_nvme_connect(&trid, NULL, &g_ctrlr) != 0 ||
	    spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair) != 0)
		return 1;
	g_ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, 1);
	raw_create(&raw, model);
	buf = spdkrt_dma_zmalloc(65536, PAGE, SPDKRT_ENV_SOCKET_ANY);
	tick_ns = 1e9 / (double)spdkrt_get_ticks_hz();
	if (count_only) {
		uint32_t bytes = (uint32_t)atoi(argv[2]);

		driver_loop(buf, bytes / 512, n);
		raw_loop(&raw, buf, bytes, n);
	} else {
		printf("%-10s %14s %14s %8s   (queue depth 1, medians of %d rounds x %u reads, model "
		       "time excluded)\n",
		       "read size", "driver ns/IO", "raw ns/IO", "ratio", ROUNDS, n / ROUNDS);
	}
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]) && !count_only; s++) {
		uint32_t bytes = sizes[s];
		double d[ROUNDS], r[ROUNDS], ratio[ROUNDS];

		driver_loop(buf, bytes / 512, n / 10); /* warm up */
		raw_loop(&raw, buf, bytes, n / 10);
		/* Alternating rounds; the ratio is taken per round (same machine load), then the median. */
		for (int round = 0; round < ROUNDS; round++) {
			d[round] = (double)driver_loop(buf, bytes / 512, n / ROUNDS) * tick_ns /
				   (n / ROUNDS);
			r[round] = (double)raw_loop(&raw, buf, bytes, n / ROUNDS) * tick_ns /
				   (n / ROUNDS);
			ratio[round] = d[round] / r[round];
		}
		printf("%-10u %14.1f %14.1f %7.2fx\n", bytes, median(d, ROUNDS), median(r, ROUNDS),
		       median(ratio, ROUNDS));
	}
	spdkrt_nvme_ctrlr_free_io_qpair(g_qpair);
	spdkrt_nvme_detach(g_ctrlr);
	nvme_model_destroy(model);
	spdkrt_env_fini();
	return 0;
}
