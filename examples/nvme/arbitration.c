/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arbitration (installed as spdkrt-nvme-arbitration): shows how a controller shares its work
 * among I/O queues of different priority. On every controller (or -r), one I/O queue pair per
 * priority class in use (high, medium, low; urgent with --urgent), each kept at -q I/Os over
 * all the controller's namespaces, for -t seconds or -n I/Os in total. With -a wrr the
 * controller runs weighted round robin (CC.AMS) with the --weights and --burst of the
 * Arbitration feature; with -a rr (the default) plain round robin. Prints per queue its I/Os,
 * IOPS and share of the total. All queues are polled from one thread, so that the device's
 * arbiter, not the host, decides the shares.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>

#include "nvme_tool.h"

#define MAX_NS 32
#define MAX_DEPTH 1024
#define NUM_CLASSES 4 /* indexed by enum spdkrt_nvme_qprio */
#define MAX_QUEUES (NVME_TOOL_MAX_CTRLRS * NUM_CLASSES)
#define STALL_SECONDS 10 /* no completion for this long: the device is stuck */

enum {
	OPT_JSON = 0x300,
	OPT_WEIGHTS,
	OPT_BURST,
	OPT_URGENT,
};

static const char *const g_class_name[NUM_CLASSES] = { "urgent", "high", "medium", "low" };

struct arb_ns {
	struct spdkrt_nvme_ns *ns;
	uint64_t blocks_per_io, num_ios, seq_next;
	uint32_t io_flags;
};

struct arb_ctrlr {
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct arb_ns ns[MAX_NS];
	unsigned num_ns;
};

struct arb_queue;

struct arb_task {
	struct arb_queue *queue;
	void *buf;
};

struct arb_queue {
	struct arb_ctrlr *ctrlr;
	struct spdkrt_nvme_qpair *qpair;
	unsigned prio; /* enum spdkrt_nvme_qprio: the class it stands for */
	struct arb_task *tasks;
	unsigned next_ns, inflight;
	uint64_t ios, errors;
};

static struct {
	unsigned depth;
	uint64_t io_size;
	struct nvme_tool_pattern pattern;
	double seconds;
	uint64_t max_ios; /* -n; 0: -t only */
	bool wrr, urgent, json;
	uint16_t weight[NUM_CLASSES]; /* high, medium, low (1..256) */
	uint8_t burst;                /* log2; 7: no limit */
	bool weights_given;
	bool wrr_enabled; /* the controllers are attached with CC.AMS weighted round robin */
	/* run state */
	bool stopping;
	uint64_t submitted, completed;
} g = { .depth = 64,
	.io_size = 4096,
	.pattern = { .random = true, .read_pct = 100, .seed = 0x9E3779B97F4A7C15ull },
	.weight = { 0, 1, 1, 1 },
	.burst = 7 };

static struct arb_ctrlr g_ctrlr[NVME_TOOL_MAX_CTRLRS];
static struct arb_queue g_queue[MAX_QUEUES];
static unsigned g_num_queues;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: spdkrt-nvme-arbitration (-t SECONDS | -n IOS) [options]\n"
		"Shows how a controller shares its work among I/O queues of different priority:\n"
		"one queue pair per class (high, medium, low; urgent with --urgent) on every\n"
		"controller, each kept at -q I/Os over all its namespaces.\n"
		"\n"
		"  -t SECONDS        how long to run\n"
		"  -n IOS            how many I/Os to submit in total, then stop (a fixed amount of\n"
		"                    work: the shares do not depend on timing); with -t, whichever\n"
		"                    comes first\n"
		"  -a rr|wrr         arbitration: round robin (default) or weighted round robin with\n"
		"                    an urgent class (the controller must have it in CAP.AMS)\n"
		"      --weights H,M,L\n"
		"                    weighted round robin: weights of the high, medium and low\n"
		"                    classes, each 1..256 (default 1,1,1)\n"
		"      --burst N     arbitration burst: a queue gives up to 2^N commands in a row,\n"
		"                    N 0..6, or 7 for no limit (default 7: with rr the controller's\n"
		"                    setting is left as it is)\n"
		"      --urgent      weighted round robin: an urgent-class queue too (served before\n"
		"                    any other)\n"
		"  -q DEPTH          I/Os in flight per queue (default 64, at most %d)\n"
		"  -o SIZE           bytes per I/O, a multiple of the block size (default 4096)\n"
		"  -w PATTERN        read, write, randread, randwrite, rw, randrw (default randread)\n"
		"  -M PERCENT        reads in rw/randrw, 0..100 (default 50)\n"
		"  -r TRID           one controller, e.g. 'trtype:PCIe traddr:0000:00:04.0'\n"
		"      --json        print the results as one JSON object\n" NVME_TOOL_USAGE_COMMON
		"\n"
		"Writes destroy data on the namespaces. Controllers must be bound to vfio-pci or\n"
		"uio_pci_generic (spdkrt-setup config). With -a wrr every controller is attached\n"
		"twice: once to read CAP.AMS, then with weighted round robin enabled.\n"
		"Exit status: 0 on success, 1 on any error (bad usage, no controller, weighted round\n"
		"robin not supported, a failed I/O).\n",
		MAX_DEPTH);
}

static void io_done(void *arg, const struct spdkrt_nvme_cpl *cpl);

static bool may_submit(void)
{
	return !g.stopping && (g.max_ios == 0 || g.submitted < g.max_ios);
}

/* The task's next I/O, on the queue's namespaces in turn. */
static int task_submit(struct arb_task *t)
{
	struct arb_queue *q = t->queue;
	struct arb_ns *n = &q->ctrlr->ns[q->next_ns++ % q->ctrlr->num_ns];
	bool read;
	uint64_t lba =
		nvme_tool_next_io(&g.pattern, n->num_ios, &n->seq_next, &read) * n->blocks_per_io;
	int rc;

	if (read)
		rc = spdkrt_nvme_ns_cmd_read(n->ns, q->qpair, t->buf, lba,
					     (uint32_t)n->blocks_per_io, io_done, t, n->io_flags);
	else
		rc = spdkrt_nvme_ns_cmd_write(n->ns, q->qpair, t->buf, lba,
					      (uint32_t)n->blocks_per_io, io_done, t, n->io_flags);
	if (rc != 0) {
		q->errors++;
		return rc;
	}
	q->inflight++;
	g.submitted++;
	return 0;
}

static void io_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct arb_task *t = arg;
	struct arb_queue *q = t->queue;

	q->inflight--;
	g.completed++;
	if (spdkrt_nvme_cpl_is_error(cpl))
		q->errors++;
	else
		q->ios++;
	if (may_submit())
		task_submit(t);
}

/* The namespaces plain data I/O of -o bytes can run on. */
static void setup_ctrlr(struct nvme_tool *t, struct arb_ctrlr *c)
{
	for (uint32_t nsid = spdkrt_nvme_ctrlr_get_first_active_ns(c->ctrlr);
	     nsid != 0 && c->num_ns < MAX_NS;
	     nsid = spdkrt_nvme_ctrlr_get_next_active_ns(c->ctrlr, nsid)) {
		struct arb_ns *n = &c->ns[c->num_ns];
		uint32_t block;

		n->ns = spdkrt_nvme_ctrlr_get_ns(c->ctrlr, nsid);
		if (!nvme_tool_data_io_flags(n->ns, &n->io_flags)) {
			fprintf(stderr,
				"%s: %s namespace %u: separate metadata that is not 8-byte PI: "
				"skipped\n",
				t->prog, nvme_tool_name(c->ctrlr), nsid);
			continue;
		}
		block = spdkrt_nvme_ns_get_extended_sector_size(n->ns);
		if (g.io_size % block != 0) {
			fprintf(stderr,
				"%s: %s namespace %u: -o %" PRIu64 " is not a multiple of its "
				"%u-byte blocks: skipped\n",
				t->prog, nvme_tool_name(c->ctrlr), nsid, g.io_size, block);
			continue;
		}
		n->blocks_per_io = g.io_size / block;
		n->num_ios = spdkrt_nvme_ns_get_num_sectors(n->ns) / n->blocks_per_io;
		if (n->num_ios != 0)
			c->num_ns++;
	}
	if (c->num_ns == 0)
		fprintf(stderr, "%s: %s: no namespace to run on: skipped\n", t->prog,
			nvme_tool_name(c->ctrlr));
}

static int setup_queue(struct nvme_tool *t, struct arb_ctrlr *c, unsigned prio)
{
	struct arb_queue *q = &g_queue[g_num_queues];
	struct spdkrt_nvme_io_qpair_opts qo;
	int rc;

	spdkrt_nvme_io_qpair_opts_init(&qo, sizeof(qo));
	qo.qprio = g.wrr ? prio : SPDKRT_NVME_QPRIO_URGENT; /* round robin: every queue the same */
	qo.io_queue_requests = 4 * g.depth;
	rc = spdkrt_nvme_ctrlr_alloc_io_qpair(c->ctrlr, &qo, &q->qpair);
	if (rc != 0) {
		fprintf(stderr, "%s: %s: cannot allocate the %s-priority I/O queue pair: %s\n",
			t->prog, nvme_tool_name(c->ctrlr), g_class_name[prio], spdkrt_strerror(rc));
		return -1;
	}
	q->ctrlr = c;
	q->prio = prio;
	g_num_queues++;
	q->tasks = calloc(g.depth, sizeof(*q->tasks));
	if (q->tasks == NULL) {
		fprintf(stderr, "%s: out of memory\n", t->prog);
		return -1;
	}
	for (unsigned i = 0; i < g.depth; i++) {
		q->tasks[i].queue = q;
		q->tasks[i].buf = spdkrt_dma_zmalloc(g.io_size, 4096, SPDKRT_ENV_SOCKET_ANY);
		if (q->tasks[i].buf == NULL) {
			fprintf(stderr, "%s: out of DMA memory\n", t->prog);
			return -1;
		}
	}
	return 0;
}

static int setup(struct nvme_tool *t)
{
	for (unsigned i = 0; i < t->num_ctrlrs; i++) {
		struct arb_ctrlr *c = &g_ctrlr[i];

		c->ctrlr = t->ctrlrs[i];
		setup_ctrlr(t, c);
		if (c->num_ns == 0)
			continue;
		for (unsigned prio = g.urgent ? SPDKRT_NVME_QPRIO_URGENT : SPDKRT_NVME_QPRIO_HIGH;
		     prio < NUM_CLASSES; prio++)
			if (setup_queue(t, c, prio) != 0)
				return -1;
	}
	if (g_num_queues == 0) {
		fprintf(stderr, "%s: no namespace to run on\n", t->prog);
		return -1;
	}
	return 0;
}

static void teardown(void)
{
	for (unsigned i = 0; i < g_num_queues; i++) {
		struct arb_queue *q = &g_queue[i];

		for (unsigned k = 0; q->tasks != NULL && k < g.depth; k++)
			spdkrt_dma_free(q->tasks[k].buf);
		free(q->tasks);
		spdkrt_nvme_ctrlr_free_io_qpair(q->qpair);
	}
	g_num_queues = 0;
}

static bool poll_all(struct nvme_tool *t)
{
	nvme_tool_poll(t);
	for (unsigned i = 0; i < g_num_queues; i++)
		if (spdkrt_nvme_qpair_process_completions(g_queue[i].qpair, 0) < 0)
			return false;
	return true;
}

static unsigned inflight(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < g_num_queues; i++)
		n += g_queue[i].inflight;
	return n;
}

/*
 * Keeps every queue at -q until -t or -n says stop, then waits for what is in flight. False
 * when the device stopped completing (no completion for STALL_SECONDS) or a queue failed.
 */
static bool run(struct nvme_tool *t, double *secs)
{
	uint64_t hz = spdkrt_get_ticks_hz(), start = spdkrt_get_ticks();
	uint64_t end = g.seconds > 0 ? start + (uint64_t)(g.seconds * (double)hz) : UINT64_MAX;
	uint64_t last_progress = start, seen = 0;

	/* Task k of every queue before task k + 1 of any: -n smaller than the total depth is
	 * spread evenly. */
	for (unsigned k = 0; k < g.depth; k++)
		for (unsigned i = 0; i < g_num_queues && may_submit(); i++)
			task_submit(&g_queue[i].tasks[k]);
	while (inflight() > 0) {
		uint64_t now;

		if (!poll_all(t)) {
			fprintf(stderr, "%s: polling an I/O queue pair failed\n", t->prog);
			return false;
		}
		now = spdkrt_get_ticks();
		if (now >= end)
			g.stopping = true;
		if (g.completed != seen) {
			seen = g.completed;
			last_progress = now;
		} else if (now - last_progress > STALL_SECONDS * hz) {
			fprintf(stderr, "%s: no I/O completed for %d s (%u still in flight)\n",
				t->prog, STALL_SECONDS, inflight());
			return false;
		}
	}
	*secs = (double)(spdkrt_get_ticks() - start) / (double)hz;
	return true;
}

static void report(double secs)
{
	uint64_t total = 0, errors = 0;

	for (unsigned i = 0; i < g_num_queues; i++) {
		total += g_queue[i].ios;
		errors += g_queue[i].errors;
	}
	if (g.json)
		printf("{\"arbitration\": \"%s\", \"weights\": {\"high\": %u, \"medium\": %u, "
		       "\"low\": %u}, \"burst\": %u, \"seconds\": %.3f, \"io_size\": %" PRIu64
		       ", \"queue_depth\": %u, \"queues\": [",
		       g.wrr ? "wrr" : "rr", g.weight[1], g.weight[2], g.weight[3], g.burst, secs,
		       g.io_size, g.depth);
	else if (g.wrr)
		printf("Arbitration: weighted round robin, weights high %u medium %u low %u, "
		       "burst %u\n",
		       g.weight[1], g.weight[2], g.weight[3], g.burst);
	else
		printf("Arbitration: round robin, burst %u\n", g.burst);
	if (!g.json)
		printf("%u queue(s) of depth %u, %" PRIu64 "-byte I/Os, %.3f s\n"
		       "%-24s %-7s %12s %12s %8s\n",
		       g_num_queues, g.depth, g.io_size, secs, "Controller", "Class", "I/Os",
		       "IOPS", "Share");
	for (unsigned i = 0; i < g_num_queues; i++) {
		const struct arb_queue *q = &g_queue[i];
		double share = total ? 100.0 * (double)q->ios / (double)total : 0;

		if (g.json)
			printf("%s{\"controller\": \"%s\", \"class\": \"%s\", \"ios\": %" PRIu64
			       ", \"iops\": %.1f, \"share_pct\": %.2f, \"errors\": %" PRIu64 "}",
			       i ? ", " : "", nvme_tool_name(q->ctrlr->ctrlr),
			       g_class_name[q->prio], q->ios, (double)q->ios / secs, share,
			       q->errors);
		else
			printf("%-24s %-7s %12" PRIu64 " %12.1f %7.2f%%\n",
			       nvme_tool_name(q->ctrlr->ctrlr), g_class_name[q->prio], q->ios,
			       (double)q->ios / secs, share);
	}
	if (g.json)
		printf("], \"total\": {\"ios\": %" PRIu64 ", \"iops\": %.1f, \"errors\": %" PRIu64
		       "}}\n",
		       total, (double)total / secs, errors);
	else
		printf("%-24s %-7s %12" PRIu64 " %12.1f %7.2f%%\n", "Total", "", total,
		       (double)total / secs, total ? 100.0 : 0.0);
}

static void arbitration_opts(void *tool, struct spdkrt_nvme_ctrlr_opts *opts)
{
	(void)tool;
	opts->arb_burst = g.burst; /* the driver sets it under either mechanism */
	if (!g.wrr_enabled)
		return;
	opts->arb_mechanism = SPDKRT_NVME_CC_AMS_WRR;
	opts->arb_high_weight = g.weight[SPDKRT_NVME_QPRIO_HIGH];
	opts->arb_medium_weight = g.weight[SPDKRT_NVME_QPRIO_MEDIUM];
	opts->arb_low_weight = g.weight[SPDKRT_NVME_QPRIO_LOW];
}

/* Weighted round robin needs CAP.AMS to say so, then an attach with CC.AMS set. */
static bool enable_wrr(struct nvme_tool *t)
{
	for (unsigned i = 0; i < t->num_ctrlrs; i++) {
		uint64_t cap = spdkrt_nvme_ctrlr_get_regs_cap(t->ctrlrs[i]);

		if (!(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_AMS) & SPDKRT_NVME_CAP_AMS_WRR)) {
			fprintf(stderr,
				"%s: %s does not support weighted round robin arbitration "
				"(CAP.AMS); use -a rr\n",
				t->prog, nvme_tool_name(t->ctrlrs[i]));
			return false;
		}
	}
	nvme_tool_detach(t);
	g.wrr_enabled = true;
	return nvme_tool_attach(t);
}

static bool parse_weights(const char *prog, const char *s)
{
	const char *p = s;

	for (unsigned prio = SPDKRT_NVME_QPRIO_HIGH; prio <= SPDKRT_NVME_QPRIO_LOW; prio++) {
		char *end;
		unsigned long w;

		errno = 0;
		w = *p >= '0' && *p <= '9' ? strtoul(p, &end, 10) : 0;
		if (w < 1 || w > 256 || errno != 0 ||
		    *end != (prio == SPDKRT_NVME_QPRIO_LOW ? '\0' : ',')) {
			fprintf(stderr,
				"%s: --weights needs HIGH,MEDIUM,LOW, each 1..256, not '%s'\n",
				prog, s);
			return false;
		}
		g.weight[prio] = (uint16_t)w;
		p = end + 1;
	}
	return true;
}

/* The options; false after saying what is wrong. */
static bool parse_args(struct nvme_tool *t, int argc, char **argv, bool *help)
{
	static const struct option longopts[] = {
		NVME_TOOL_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "weights", required_argument, NULL, OPT_WEIGHTS },
		{ "burst", required_argument, NULL, OPT_BURST },
		{ "urgent", no_argument, NULL, OPT_URGENT },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c, common, mix = -1;

	while ((c = getopt_long(argc, argv, NVME_TOOL_SHORTOPTS "q:o:w:M:t:n:a:", longopts,
				NULL)) != -1) {
		common = nvme_tool_common_opt(t, c, optarg);
		if (common < 0)
			return false;
		if (common > 0)
			continue;
		switch (c) {
		case 'h':
			*help = true;
			return true;
		case 'q':
			if (!nvme_tool_parse_number(t->prog, "-q", optarg, 1, MAX_DEPTH, &v))
				return false;
			g.depth = (unsigned)v;
			break;
		case 'o':
			if (!nvme_tool_parse_number(t->prog, "-o", optarg, 1, 1u << 30, &g.io_size))
				return false;
			break;
		case 'w':
			if (!nvme_tool_parse_pattern(optarg, &g.pattern)) {
				fprintf(stderr, "%s: unknown pattern '%s'\n", t->prog, optarg);
				return false;
			}
			break;
		case 'M':
			if (!nvme_tool_parse_number(t->prog, "-M", optarg, 0, 100, &v))
				return false;
			mix = (int)v;
			break;
		case 't':
			g.seconds = atof(optarg);
			if (g.seconds <= 0) {
				fprintf(stderr, "%s: -t needs seconds, not '%s'\n", t->prog,
					optarg);
				return false;
			}
			break;
		case 'n':
			if (!nvme_tool_parse_number(t->prog, "-n", optarg, 1, UINT64_MAX,
						    &g.max_ios))
				return false;
			break;
		case 'a':
			if (strcmp(optarg, "rr") != 0 && strcmp(optarg, "wrr") != 0) {
				fprintf(stderr, "%s: -a is rr or wrr, not '%s'\n", t->prog, optarg);
				return false;
			}
			g.wrr = strcmp(optarg, "wrr") == 0;
			break;
		case OPT_WEIGHTS:
			if (!parse_weights(t->prog, optarg))
				return false;
			g.weights_given = true;
			break;
		case OPT_BURST:
			if (!nvme_tool_parse_number(t->prog, "--burst", optarg, 0, 7, &v))
				return false;
			g.burst = (uint8_t)v;
			break;
		case OPT_URGENT:
			g.urgent = true;
			break;
		case OPT_JSON:
			g.json = true;
			break;
		default:
			usage(stderr);
			return false;
		}
	}
	if (g.pattern.mixed && mix >= 0)
		g.pattern.read_pct = (unsigned)mix;
	if (!g.wrr && (g.weights_given || g.urgent)) {
		fprintf(stderr, "%s: --weights and --urgent need -a wrr\n", t->prog);
		return false;
	}
	if (optind != argc || (g.seconds <= 0 && g.max_ios == 0) || g.io_size == 0) {
		usage(stderr);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct nvme_tool t = { .prog = "spdkrt-nvme-arbitration" };
	bool help = false;
	double secs = 0;
	uint64_t errors = 0;
	int rc = 1;

	/* The test build's model executes one command per poll: its arbiter picks each one. */
	t.model_commands_per_poll = 1;
	t.ctrlr_opts = arbitration_opts;
	if (!parse_args(&t, argc, argv, &help))
		return 1;
	if (help) {
		usage(stdout);
		return 0;
	}
	if (!nvme_tool_start(&t) || (g.wrr && !enable_wrr(&t)) || setup(&t) != 0)
		goto out;
	if (!run(&t, &secs))
		goto out;
	report(secs > 0 ? secs : 1e-9);
	for (unsigned i = 0; i < g_num_queues; i++)
		errors += g_queue[i].errors;
	if (errors != 0)
		fprintf(stderr, "%s: %" PRIu64 " I/O errors\n", t.prog, errors);
	rc = errors == 0 ? 0 : 1;
out:
	teardown();
	nvme_tool_stop(&t);
	return rc;
}
