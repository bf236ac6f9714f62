/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ioat_perf (installed as spdkrt-ioat-perf): I/OAT copy throughput. Each channel keeps -q copies
 * of -s bytes in flight for -t seconds, a new copy built from each completion and the batch
 * flushed once per poll; prints per-channel and total operations/s and GiB/s (--json: one JSON
 * object on stdout).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>

#include "ioat_tool.h"

#define MAX_QUEUE_DEPTH 4096

struct perf_chan;

struct perf_task {
	struct perf_chan *pc;
	char *src, *dst;
};

struct perf_chan {
	struct ioat_tool_load load; /* chan, inflight, stopping */
	struct perf_task *tasks;
	uint64_t size;
	uint64_t ops;
	uint64_t errors;
};

static bool g_json;

static void usage(FILE *out)
{
	fprintf(out, "Usage: spdkrt-ioat-perf -t SECONDS [options]\n"
		     "Measures I/OAT DMA copy throughput: each channel keeps a queue of copies in "
		     "flight.\n"
		     "\n");
	ioat_tool_usage_common(out);
	fprintf(out,
		"  -s SIZE           bytes per copy, with k/m/g suffixes (default 4k)\n"
		"  -q DEPTH          copies in flight per channel (default 32, at most %d)\n"
		"      --json        print the results as one JSON object\n",
		MAX_QUEUE_DEPTH);
	ioat_tool_usage_end(out);
	fprintf(out, "Exit status: 0 on success, 1 on any error (bad usage, no I/OAT channel, a "
		     "failed copy).\n");
}

static void copy_done(void *arg, int status);

static int task_submit(struct perf_task *t)
{
	struct perf_chan *pc = t->pc;
	int rc = spdkrt_ioat_build_copy(pc->load.chan, t, copy_done, t->dst, t->src, pc->size);

	if (rc == 0)
		pc->load.inflight++;
	return rc;
}

static void copy_done(void *arg, int status)
{
	struct perf_task *t = arg;
	struct perf_chan *pc = t->pc;

	pc->load.inflight--;
	if (status != 0)
		pc->errors++;
	else
		pc->ops++;
	if (!pc->load.stopping && task_submit(t) != 0)
		pc->errors++;
}

static bool perf_chan_init(struct perf_chan *pc, struct spdkrt_ioat_chan *chan, uint64_t size,
			   unsigned depth)
{
	pc->load.chan = chan;
	pc->size = size;
	pc->tasks = calloc(depth, sizeof(*pc->tasks));
	if (pc->tasks == NULL)
		return false;
	for (unsigned i = 0; i < depth; i++) {
		pc->tasks[i].pc = pc;
		pc->tasks[i].src = spdkrt_dma_malloc(size, 4096, SPDKRT_ENV_SOCKET_ANY);
		pc->tasks[i].dst = spdkrt_dma_malloc(size, 4096, SPDKRT_ENV_SOCKET_ANY);
		if (pc->tasks[i].src == NULL || pc->tasks[i].dst == NULL)
			return false;
		memset(pc->tasks[i].src, (int)i, size);
	}
	return true;
}

static void perf_chan_fini(struct perf_chan *pc, unsigned depth)
{
	for (unsigned i = 0; pc->tasks != NULL && i < depth; i++) {
		spdkrt_dma_free(pc->tasks[i].src);
		spdkrt_dma_free(pc->tasks[i].dst);
	}
	free(pc->tasks);
}

static void report(struct ioat_tool *tool, struct perf_chan *pcs, double seconds, uint64_t size,
		   unsigned depth)
{
	uint64_t total_ops = 0, total_errors = 0;
	char name[SPDKRT_PCI_ADDR_STRLEN];
	const double gib = 1024.0 * 1024.0 * 1024.0;

	if (g_json)
		printf("{\"transfer_size\": %" PRIu64 ", \"queue_depth\": %u, \"seconds\": %.3f, "
		       "\"channels\": [",
		       size, depth, seconds);
	else
		printf("%-14s %14s %10s %8s\n", "Channel", "Operations/s", "GiB/s", "Errors");
	for (unsigned i = 0; i < tool->num_chans; i++) {
		double ops = (double)pcs[i].ops / seconds;

		ioat_tool_chan_name(pcs[i].load.chan, name, sizeof(name));
		total_ops += pcs[i].ops;
		total_errors += pcs[i].errors;
		if (g_json)
			printf("%s{\"pci_addr\": \"%s\", \"ops_per_sec\": %.1f, \"gib_per_sec\": "
			       "%.4f, \"errors\": %" PRIu64 "}",
			       i > 0 ? ", " : "", name, ops, ops * (double)size / gib,
			       pcs[i].errors);
		else
			printf("%-14s %14.1f %10.4f %8" PRIu64 "\n", name, ops,
			       ops * (double)size / gib, pcs[i].errors);
	}
	if (g_json)
		printf("], \"total\": {\"ops_per_sec\": %.1f, \"gib_per_sec\": %.4f, \"errors\": "
		       "%" PRIu64 "}}\n",
		       (double)total_ops / seconds,
		       (double)total_ops / seconds * (double)size / gib, total_errors);
	else
		printf("%-14s %14.1f %10.4f %8" PRIu64 "\n", "Total", (double)total_ops / seconds,
		       (double)total_ops / seconds * (double)size / gib, total_errors);
}

static int run(struct ioat_tool *tool, uint64_t size, unsigned depth, double seconds)
{
	struct perf_chan *pcs = calloc(tool->num_chans, sizeof(*pcs));
	struct ioat_tool_load *loads[IOAT_TOOL_MAX_CHANNELS];
	uint64_t hz = spdkrt_get_ticks_hz(), start, end;
	uint64_t errors = 0;
	unsigned i;
	int rc = 0;

	if (pcs == NULL)
		return 1;
	for (i = 0; i < tool->num_chans; i++) {
		loads[i] = &pcs[i].load;
		if (!perf_chan_init(&pcs[i], tool->chans[i], size, depth)) {
			fprintf(stderr,
				"spdkrt-ioat-perf: out of DMA memory for %u x %" PRIu64
				" bytes (raise --mem)\n",
				depth, size);
			rc = 1;
			goto out;
		}
	}
	for (i = 0; i < tool->num_chans; i++) {
		for (unsigned d = 0; d < depth; d++) {
			int r = task_submit(&pcs[i].tasks[d]);

			if (r != 0) {
				fprintf(stderr, "spdkrt-ioat-perf: cannot queue a copy: %s\n",
					spdkrt_strerror(r));
				rc = 1;
				break;
			}
		}
		spdkrt_ioat_flush(pcs[i].load.chan);
	}
	start = spdkrt_get_ticks();
	end = start + (uint64_t)(seconds * (double)hz);
	ioat_tool_drive(tool, loads, end);
	seconds = (double)(spdkrt_get_ticks() - start) / (double)hz;
	report(tool, pcs, seconds, size, depth);
	for (i = 0; i < tool->num_chans; i++)
		errors += pcs[i].errors + pcs[i].load.inflight;
	if (errors != 0) {
		fprintf(stderr, "spdkrt-ioat-perf: %" PRIu64 " copies failed\n", errors);
		rc = 1;
	}
out:
	for (i = 0; i < tool->num_chans; i++)
		perf_chan_fini(&pcs[i], depth);
	free(pcs);
	return rc;
}

enum {
	OPT_JSON = IOAT_TOOL_OPT_OWN
};

/* -s and --json. */
static int perf_opt(void *ctx, int opt, const char *arg)
{
	uint64_t *size = ctx;

	switch (opt) {
	case 's':
		if (!ioat_tool_parse_size(arg, size) || *size == 0 || *size > (1ull << 30)) {
			fprintf(stderr, "spdkrt-ioat-perf: -s needs 1 byte to 1g\n");
			return -1;
		}
		return 0;
	case OPT_JSON:
		g_json = true;
		return 0;
	default:
		usage(stderr);
		return -1;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		IOAT_TOOL_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	struct ioat_tool tool = { .prog = "spdkrt-ioat-perf",
				  .depth = 32,
				  .max_depth = MAX_QUEUE_DEPTH };
	uint64_t size = 4096;
	int rc = ioat_tool_getopt(&tool, argc, argv, "s:", longopts, usage, perf_opt, &size);

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	rc = ioat_tool_start(&tool) ? run(&tool, size, tool.depth, tool.seconds) : 1;
	ioat_tool_stop(&tool);
	return rc;
}
