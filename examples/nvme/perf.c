/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * perf (installed as spdkrt-nvme-perf): keeps -q I/Os of -o bytes in flight on every active
 * namespace of every controller (or -r), for -t seconds, from one thread with one I/O queue pair
 * per controller; prints IOPS, MiB/s and latency (average, min, max; percentiles with -L) per
 * namespace and in total, or one JSON object with --json.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>

#include "nvme_tool.h"

#define MAX_NS 64
#define MAX_DEPTH 4096
#define HIST_BUCKETS 64 /* latency histogram: bucket b holds [2^b, 2^(b+1)) ns */

struct perf_ns;

struct task {
	struct perf_ns *pns;
	void *buf;
	uint64_t start;
};

struct perf_ns {
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct spdkrt_nvme_ns *ns;
	struct spdkrt_nvme_qpair *qpair;
	struct task *tasks;
	uint64_t blocks_per_io, num_ios_in_ns, seq_next;
	uint64_t ios, bytes, errors, lat_sum, lat_min, lat_max;
	uint64_t hist[HIST_BUCKETS];
	unsigned inflight;
	uint32_t io_flags; /* PRACT on a namespace with 8-byte PI */
};

static struct {
	unsigned depth;
	uint64_t io_size;
	struct nvme_tool_pattern pattern;
	double seconds;
	bool latency;
	bool json;
	bool stopping;
} g = { .depth = 32,
	.io_size = 4096,
	.pattern = { .random = true, .read_pct = 100, .seed = 0x9E3779B97F4A7C15ull } };

static struct perf_ns g_ns[MAX_NS];
static unsigned g_num_ns;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: spdkrt-nvme-perf -t SECONDS [options]\n"
		"Measures NVMe I/O: every active namespace keeps a queue of I/Os in flight.\n"
		"\n"
		"  -t SECONDS        how long to run (required)\n"
		"  -q DEPTH          I/Os in flight per namespace (default 32, at most %d)\n"
		"  -o SIZE           bytes per I/O, a multiple of the block size (default 4096)\n"
		"  -w PATTERN        read, write, randread, randwrite, rw, randrw (default randread)\n"
		"  -M PERCENT        reads in rw/randrw, 0..100 (default 50)\n"
		"  -r TRID           one controller, e.g. 'trtype:PCIe traddr:0000:00:04.0'\n"
		"  -L                latency percentiles too\n"
		"      --json        print the results as one JSON object\n"
		"      --cmb-sqs     I/O submission queues in the controller memory buffer (PCIe,\n"
		"                    when CMBSZ.SQS allows; else host memory, with a log line)\n" NVME_TOOL_USAGE_COMMON
		"\n"
		"Writes destroy data on the namespaces. Controllers must be bound to vfio-pci or\n"
		"uio_pci_generic (spdkrt-setup config).\n"
		"Exit status: 0 on success, 1 on any error (bad usage, no controller, a failed I/O).\n",
		MAX_DEPTH);
}

static unsigned bucket_of(uint64_t ns)
{
	unsigned b = 0;

	while (ns > 1 && b < HIST_BUCKETS - 1) {
		ns >>= 1;
		b++;
	}
	return b;
}

static void io_done(void *arg, const struct spdkrt_nvme_cpl *cpl);

static int task_submit(struct task *t)
{
	struct perf_ns *p = t->pns;
	bool read;
	uint64_t lba = nvme_tool_next_io(&g.pattern, p->num_ios_in_ns, &p->seq_next, &read) *
		       p->blocks_per_io;
	int rc;

	t->start = spdkrt_get_ticks();
	if (read)
		rc = spdkrt_nvme_ns_cmd_read(p->ns, p->qpair, t->buf, lba,
					     (uint32_t)p->blocks_per_io, io_done, t, p->io_flags);
	else
		rc = spdkrt_nvme_ns_cmd_write(p->ns, p->qpair, t->buf, lba,
					      (uint32_t)p->blocks_per_io, io_done, t, p->io_flags);
	if (rc == 0)
		p->inflight++;
	return rc;
}

static void io_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct task *t = arg;
	struct perf_ns *p = t->pns;
	uint64_t ticks = spdkrt_get_ticks() - t->start;
	uint64_t ns = (uint64_t)((double)ticks * 1e9 / (double)spdkrt_get_ticks_hz());

	p->inflight--;
	if (spdkrt_nvme_cpl_is_error(cpl)) {
		p->errors++;
	} else {
		p->ios++;
		p->bytes += g.io_size;
		p->lat_sum += ns;
		p->lat_min = p->ios == 1 || ns < p->lat_min ? ns : p->lat_min;
		p->lat_max = ns > p->lat_max ? ns : p->lat_max;
		p->hist[bucket_of(ns)]++;
	}
	if (!g.stopping && task_submit(t) != 0)
		p->errors++;
}

static uint64_t percentile(const struct perf_ns *p, double pct)
{
	uint64_t want = (uint64_t)ceil((double)p->ios * pct / 100.0), seen = 0;

	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += p->hist[b];
		if (seen >= want && want > 0) {
			uint64_t bound = (uint64_t)1 << (b + 1); /* upper bound of the bucket */

			return bound < p->lat_max ? bound : p->lat_max;
		}
	}
	return p->lat_max;
}

static int setup_ns(struct nvme_tool *t)
{
	for (unsigned c = 0; c < t->num_ctrlrs; c++) {
		struct spdkrt_nvme_ctrlr *ctrlr = t->ctrlrs[c];
		struct spdkrt_nvme_io_qpair_opts qo;
		struct spdkrt_nvme_qpair *qpair;
		uint32_t nsid;

		spdkrt_nvme_io_qpair_opts_init(&qo, sizeof(qo));
		qo.io_queue_requests = 4 * MAX_DEPTH;
		if (spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, &qo, &qpair) != 0) {
			fprintf(stderr, "%s: %s: cannot allocate an I/O queue pair\n", t->prog,
				nvme_tool_name(ctrlr));
			return -1;
		}
		for (nsid = spdkrt_nvme_ctrlr_get_first_active_ns(ctrlr);
		     nsid != 0 && g_num_ns < MAX_NS;
		     nsid = spdkrt_nvme_ctrlr_get_next_active_ns(ctrlr, nsid)) {
			struct perf_ns *p = &g_ns[g_num_ns];
			uint32_t block;

			p->ctrlr = ctrlr;
			p->ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, nsid);
			p->qpair = qpair;
			if (!nvme_tool_data_io_flags(p->ns, &p->io_flags)) {
				fprintf(stderr,
					"%s: %s namespace %u: separate metadata that is not 8-byte "
					"PI: skipped\n",
					t->prog, nvme_tool_name(ctrlr), nsid);
				continue;
			}
			block = spdkrt_nvme_ns_get_extended_sector_size(p->ns);
			if (g.io_size % block != 0) {
				fprintf(stderr,
					"%s: %s namespace %u: -o %" PRIu64 " is not a multiple of "
					"its %u-byte blocks: skipped\n",
					t->prog, nvme_tool_name(ctrlr), nsid, g.io_size, block);
				continue;
			}
			p->blocks_per_io = g.io_size / block;
			p->num_ios_in_ns = spdkrt_nvme_ns_get_num_sectors(p->ns) / p->blocks_per_io;
			if (p->num_ios_in_ns == 0)
				continue;
			p->tasks = calloc(g.depth, sizeof(*p->tasks));
			if (p->tasks == NULL)
				return -1;
			for (unsigned i = 0; i < g.depth; i++) {
				p->tasks[i].pns = p;
				p->tasks[i].buf =
					spdkrt_dma_zmalloc(g.io_size, 4096, SPDKRT_ENV_SOCKET_ANY);
				if (p->tasks[i].buf == NULL) {
					fprintf(stderr, "%s: out of DMA memory\n", t->prog);
					return -1;
				}
			}
			g_num_ns++;
		}
	}
	if (g_num_ns == 0) {
		fprintf(stderr, "%s: no namespace to run on\n", t->prog);
		return -1;
	}
	return 0;
}

static void teardown_ns(struct nvme_tool *t)
{
	struct spdkrt_nvme_qpair *last = NULL;

	(void)t;
	for (unsigned i = 0; i < g_num_ns; i++) {
		struct perf_ns *p = &g_ns[i];

		for (unsigned k = 0; p->tasks != NULL && k < g.depth; k++)
			spdkrt_dma_free(p->tasks[k].buf);
		free(p->tasks);
		if (p->qpair != last)
			spdkrt_nvme_ctrlr_free_io_qpair(p->qpair);
		last = p->qpair;
	}
}

static void poll_all(struct nvme_tool *t)
{
	struct spdkrt_nvme_qpair *last = NULL;

	nvme_tool_poll(t);
	for (unsigned i = 0; i < g_num_ns; i++) {
		if (g_ns[i].qpair != last)
			spdkrt_nvme_qpair_process_completions(g_ns[i].qpair, 0);
		last = g_ns[i].qpair;
	}
}

static void report(double secs)
{
	uint64_t ios = 0, bytes = 0, errors = 0, lat_sum = 0, lat_min = UINT64_MAX, lat_max = 0;

	if (g.json)
		printf("{\"seconds\": %.3f, \"io_size\": %" PRIu64 ", \"queue_depth\": %u, "
		       "\"namespaces\": [",
		       secs, g.io_size, g.depth);
	else
		printf("%-28s %12s %10s %10s %10s %10s\n", "Device", "IOPS", "MiB/s", "avg us",
		       "min us", "max us");
	for (unsigned i = 0; i < g_num_ns; i++) {
		struct perf_ns *p = &g_ns[i];
		double avg = p->ios ? (double)p->lat_sum / (double)p->ios / 1000.0 : 0;
		char name[SPDKRT_NVME_TRADDR_MAX + 32];

		snprintf(name, sizeof(name), "%s ns %u", nvme_tool_name(p->ctrlr),
			 spdkrt_nvme_ns_get_id(p->ns));
		if (g.json) {
			printf("%s{\"device\": \"%s\", \"iops\": %.1f, \"mib_per_sec\": %.2f, "
			       "\"avg_us\": %.2f, \"min_us\": %.2f, \"max_us\": %.2f, "
			       "\"errors\": %" PRIu64,
			       i ? ", " : "", name, (double)p->ios / secs,
			       (double)p->bytes / secs / 1048576.0, avg,
			       (double)p->lat_min / 1000.0, (double)p->lat_max / 1000.0, p->errors);
			if (g.latency)
				printf(", \"p50_us\": %.2f, \"p99_us\": %.2f, \"p999_us\": %.2f",
				       (double)percentile(p, 50) / 1000.0,
				       (double)percentile(p, 99) / 1000.0,
				       (double)percentile(p, 99.9) / 1000.0);
			printf("}");
		} else {
			printf("%-28s %12.1f %10.2f %10.2f %10.2f %10.2f\n", name,
			       (double)p->ios / secs, (double)p->bytes / secs / 1048576.0, avg,
			       (double)p->lat_min / 1000.0, (double)p->lat_max / 1000.0);
			if (g.latency)
				printf("  percentiles (us, bucket upper bounds): 50%% %.2f  99%% %.2f  "
				       "99.9%% %.2f\n",
				       (double)percentile(p, 50) / 1000.0,
				       (double)percentile(p, 99) / 1000.0,
				       (double)percentile(p, 99.9) / 1000.0);
		}
		ios += p->ios;
		bytes += p->bytes;
		errors += p->errors;
		lat_sum += p->lat_sum;
		lat_min = p->ios && p->lat_min < lat_min ? p->lat_min : lat_min;
		lat_max = p->lat_max > lat_max ? p->lat_max : lat_max;
	}
	if (lat_min == UINT64_MAX)
		lat_min = 0;
	if (g.json)
		printf("], \"total\": {\"iops\": %.1f, \"mib_per_sec\": %.2f, \"avg_us\": %.2f, "
		       "\"min_us\": %.2f, \"max_us\": %.2f, \"errors\": %" PRIu64 "}}\n",
		       (double)ios / secs, (double)bytes / secs / 1048576.0,
		       ios ? (double)lat_sum / (double)ios / 1000.0 : 0, (double)lat_min / 1000.0,
		       (double)lat_max / 1000.0, errors);
	else
		printf("%-28s %12.1f %10.2f %10.2f %10.2f %10.2f\n", "Total", (double)ios / secs,
		       (double)bytes / secs / 1048576.0,
		       ios ? (double)lat_sum / (double)ios / 1000.0 : 0, (double)lat_min / 1000.0,
		       (double)lat_max / 1000.0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		NVME_TOOL_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ "cmb-sqs", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct nvme_tool t = { .prog = "spdkrt-nvme-perf" };
	int mix = -1, c, status = 0, rc = 1;
	uint64_t start, end, errors = 0;

	while ((c = nvme_tool_getopt(&t, argc, argv, NVME_TOOL_SHORTOPTS "q:o:w:M:t:L", longopts,
				     usage, &status)) != -1) {
		switch (c) {
		case NVME_TOOL_OPT_STOP:
			return status;
		case 'q':
			g.depth = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			g.io_size = strtoull(optarg, NULL, 10);
			break;
		case 'w':
			if (!nvme_tool_parse_pattern(optarg, &g.pattern)) {
				fprintf(stderr, "%s: unknown pattern '%s'\n", t.prog, optarg);
				return 1;
			}
			break;
		case 'M':
			mix = atoi(optarg);
			break;
		case 't':
			g.seconds = atof(optarg);
			break;
		case 'L':
			g.latency = true;
			break;
		case 'j':
			g.json = true;
			break;
		case 'C':
			t.cmb_sqs = true;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (g.pattern.mixed && mix >= 0)
		g.pattern.read_pct = (unsigned)mix;
	if (optind != argc || g.seconds <= 0 || g.depth == 0 || g.depth > MAX_DEPTH ||
	    g.io_size == 0 || g.io_size > (1u << 30) || mix > 100) {
		usage(stderr);
		return 1;
	}
	if (!nvme_tool_start(&t))
		goto out;
	if (setup_ns(&t) != 0)
		goto out;
	start = spdkrt_get_ticks();
	end = start + (uint64_t)(g.seconds * (double)spdkrt_get_ticks_hz());
	for (unsigned i = 0; i < g_num_ns; i++) {
		for (unsigned k = 0; k < g.depth; k++) {
			if (task_submit(&g_ns[i].tasks[k]) != 0)
				g_ns[i].errors++;
		}
	}
	while (spdkrt_get_ticks() < end)
		poll_all(&t);
	end = spdkrt_get_ticks();
	g.stopping = true;
	for (unsigned i = 0; i < g_num_ns; i++) {
		uint64_t deadline = spdkrt_get_ticks() + 10 * spdkrt_get_ticks_hz();

		while (g_ns[i].inflight > 0 && spdkrt_get_ticks() < deadline)
			poll_all(&t);
	}
	report((double)(end - start) / (double)spdkrt_get_ticks_hz());
	for (unsigned i = 0; i < g_num_ns; i++)
		errors += g_ns[i].errors + g_ns[i].inflight;
	rc = errors == 0 ? 0 : 1;
	if (errors != 0)
		fprintf(stderr, "%s: %" PRIu64 " I/O errors\n", t.prog, errors);
out:
	teardown_ns(&t);
	nvme_tool_stop(&t);
	return rc;
}
