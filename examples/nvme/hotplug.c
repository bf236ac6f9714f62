/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hotplug (installed as spdkrt-nvme-hotplug): watches NVMe controllers come and go while I/O
 * runs. Like SPDK's hotplug example it only probes every -i ms: the driver acts on the kernel's
 * uevents in each probe (a bind to vfio-pci or uio_pci_generic attaches the function, a remove
 * or unbind calls the remove callback) and its scan finds what uevents missed. It keeps reads in
 * flight on each new controller's first usable namespace; a controller's remove callback (a
 * uevent, all-ones registers, SIGBUS on its BAR, the VFIO device request) ends its reads, frees
 * its queue pair and detaches it. Prints a line per insertion and removal, then a summary. Built
 * with NVME_TOOL_MODELS (tests), a controller model is inserted, then removed by a uevent.
 */
#include <getopt.h>
#include <inttypes.h>

#include "nvme_tool.h"
#ifdef NVME_TOOL_MODELS
#include "env/pci_hotplug.h"
#endif

#define MAX_DEPTH 128u
#define READ_SPAN 65536u /* reads go to the first blocks of the namespace */

struct hot_ctrlr;

struct read_slot {
	struct hot_ctrlr *hc;
	uint32_t index;
};

struct hot_ctrlr {
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct spdkrt_nvme_qpair *qpair;
	struct spdkrt_nvme_ns *ns;
	char traddr[SPDKRT_NVME_TRADDR_MAX];
	uint8_t *buf; /* one block per read in flight */
	uint32_t block, span, io_flags;
	uint64_t reads, failed;
	bool removed; /* the remove callback ran: no more reads */
	bool at_start;
	struct read_slot slots[MAX_DEPTH]; /* the reads' callback arguments */
};

static struct {
	struct nvme_tool t;
	struct hot_ctrlr *ctrlrs[NVME_TOOL_MAX_CTRLRS];
	unsigned num;
	uint32_t depth, interval_ms, seconds;
	uint32_t want_inserts, want_removals;
	bool expect_inserts, expect_removals, json, starting, model_removed, model_gone;
	bool has_want;
	struct spdkrt_pci_addr want; /* -r */
	uint32_t inserts, removals, attach_failures;
	uint64_t reads_gone, failed_gone, failed_live;
	uint64_t start_tick;
	struct nvme_tool_pattern lbas; /* random reads */
} g = { .depth = 4,
	.interval_ms = 100,
	.seconds = 30,
	.lbas = { .random = true, .read_pct = 100, .seed = 0x9e3779b97f4a7c15ull } };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: spdkrt-nvme-hotplug [options]\n"
		"Watches NVMe controllers being inserted and removed while reads run: attaches\n"
		"every controller bound to vfio-pci or uio_pci_generic (or the one of -r) when it\n"
		"appears, keeps reads in flight on its first namespace, and detaches it when it is\n"
		"removed. Prints a line per insertion and removal, then a summary.\n"
		"\n"
		"  -r TRID           only this controller, e.g. 'trtype:PCIe traddr:0000:01:00.0'\n"
		"  -t SECONDS        run time (default 30)\n"
		"  -i MS             how often to probe (default 100): each probe acts on the\n"
		"                    kernel's uevents and scans for new controllers\n"
		"  -q DEPTH          reads in flight per controller (default 4, at most 128)\n"
		"      --inserts N   insertions expected: end once they (and --removals) were seen\n"
		"      --removals N  removals expected\n"
		"      --json        print the summary as one JSON object\n" NVME_TOOL_USAGE_COMMON
		"\n"
		"Controllers present at the start are attached too (not counted as insertions).\n"
		"Exit status: 0 when the expected insertions and removals were seen and no read\n"
		"failed on a controller that was not removed; 1 otherwise.\n");
}

static double elapsed_s(void)
{
	return (double)(spdkrt_get_ticks() - g.start_tick) / (double)spdkrt_get_ticks_hz();
}

static void read_done(void *arg, const struct spdkrt_nvme_cpl *cpl);

static int submit_read(struct read_slot *s)
{
	struct hot_ctrlr *hc = s->hc;
	uint64_t lba = nvme_tool_random(&g.lbas) % hc->span;

	return spdkrt_nvme_ns_cmd_read(hc->ns, hc->qpair, hc->buf + (size_t)s->index * hc->block,
				       lba, 1, read_done, s, hc->io_flags);
}

static void read_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct read_slot *s = arg;
	struct hot_ctrlr *hc = s->hc;

	if (spdkrt_nvme_cpl_is_error(cpl))
		hc->failed++;
	else
		hc->reads++;
	/* A failed read on a controller still here ends its reads too: the summary says so. */
	if (!hc->removed && !spdkrt_nvme_cpl_is_error(cpl) && submit_read(s) != 0)
		hc->failed++;
}

static struct hot_ctrlr *find(struct spdkrt_nvme_ctrlr *ctrlr)
{
	for (unsigned i = 0; i < g.num; i++)
		if (g.ctrlrs[i]->ctrlr == ctrlr)
			return g.ctrlrs[i];
	return NULL;
}

static bool usable_driver(const char *driver)
{
	return strcmp(driver, "vfio-pci") == 0 || strcmp(driver, "uio_pci_generic") == 0 ||
	       strcmp(driver, "spdkrt-model") == 0;
}

/* Only functions handed to spdkrt: probing the kernel's own disks would fail (and log) every -i. */
static bool hot_probe(void *ctx, const struct spdkrt_nvme_transport_id *trid,
		      struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct spdkrt_pci_addr addr;
	char driver[64];

	(void)ctx;
	if (spdkrt_pci_addr_parse(&addr, trid->traddr) != 0 ||
	    (g.has_want && spdkrt_pci_addr_compare(&addr, &g.want) != 0) ||
	    spdkrt_pci_get_driver(&addr, driver, sizeof(driver)) != 0)
		return false;
	if (!usable_driver(driver))
		return false;
	nvme_fabric_apply(&g.t.fabric, opts);
	return true;
}

/* Reads on the first namespace plain reads can use (no separate metadata buffer needed). */
static bool start_reads(struct hot_ctrlr *hc)
{
	for (uint32_t nsid = spdkrt_nvme_ctrlr_get_first_active_ns(hc->ctrlr); nsid != 0;
	     nsid = spdkrt_nvme_ctrlr_get_next_active_ns(hc->ctrlr, nsid)) {
		struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(hc->ctrlr, nsid);

		if (ns != NULL && nvme_tool_data_io_flags(ns, &hc->io_flags)) {
			hc->ns = ns;
			break;
		}
	}
	if (hc->ns == NULL) {
		fprintf(stderr, "%s: %s: no namespace to read\n", g.t.prog, hc->traddr);
		return false;
	}
	hc->block = spdkrt_nvme_ns_get_extended_sector_size(hc->ns);
	hc->span = spdkrt_nvme_ns_get_num_sectors(hc->ns) < READ_SPAN ?
			   (uint32_t)spdkrt_nvme_ns_get_num_sectors(hc->ns) :
			   READ_SPAN;
	hc->buf = spdkrt_dma_zmalloc((size_t)hc->block * g.depth, 4096, SPDKRT_ENV_SOCKET_ANY);
	if (hc->buf == NULL || hc->span == 0 ||
	    spdkrt_nvme_ctrlr_alloc_io_qpair(hc->ctrlr, NULL, &hc->qpair) != 0) {
		fprintf(stderr, "%s: %s: no DMA memory or I/O queue pair for the reads\n", g.t.prog,
			hc->traddr);
		return false;
	}
	for (uint32_t i = 0; i < g.depth; i++) {
		struct read_slot *s = &hc->slots[i];

		*s = (struct read_slot){ .hc = hc, .index = i };
		if (submit_read(s) != 0) {
			fprintf(stderr, "%s: %s: cannot submit a read\n", g.t.prog, hc->traddr);
			return false;
		}
	}
	return true;
}

/* Ends the reads: freeing the queue pair completes those in flight (aborted), none resubmits. */
static void stop_reads(struct hot_ctrlr *hc)
{
	hc->removed = true;
	if (hc->qpair != NULL)
		spdkrt_nvme_ctrlr_free_io_qpair(hc->qpair);
	hc->qpair = NULL;
}

/* Detaches and frees @p hc; the last controller of the list takes its place. */
static void forget(struct hot_ctrlr *hc)
{
	unsigned i;

	for (i = 0; i < g.num && g.ctrlrs[i] != hc; i++)
		;
	if (i < g.num)
		g.ctrlrs[i] = g.ctrlrs[--g.num];
	stop_reads(hc);
	spdkrt_nvme_detach(hc->ctrlr);
	spdkrt_dma_free(hc->buf);
	free(hc);
}

static void hot_attached(void *ctx, const struct spdkrt_nvme_transport_id *trid,
			 struct spdkrt_nvme_ctrlr *ctrlr, const struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct hot_ctrlr *hc;

	(void)ctx;
	(void)opts;
	hc = g.num < NVME_TOOL_MAX_CTRLRS ? calloc(1, sizeof(*hc)) : NULL;
	if (hc == NULL) {
		fprintf(stderr, "%s: %s: too many controllers: left alone\n", g.t.prog,
			trid->traddr);
		g.attach_failures++;
		spdkrt_nvme_detach(ctrlr);
		return;
	}
	hc->ctrlr = ctrlr;
	hc->at_start = g.starting;
	snprintf(hc->traddr, sizeof(hc->traddr), "%s", trid->traddr);
	g.ctrlrs[g.num++] = hc;
	if (!start_reads(hc)) {
		g.attach_failures++;
		forget(hc);
		return;
	}
	if (!hc->at_start)
		g.inserts++;
	printf("[%7.3f s] %s %s: reads at depth %u on namespace %u\n", elapsed_s(),
	       hc->at_start ? "attached" : "inserted", hc->traddr, g.depth,
	       spdkrt_nvme_ns_get_id(hc->ns));
	fflush(stdout);
}

static void hot_removed(void *ctx, struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct hot_ctrlr *hc = find(ctrlr);

	(void)ctx;
	if (hc != NULL && !hc->removed) {
		hc->removed = true;
		g.removals++;
	}
}

/* Controllers whose removal was announced: counted, printed, detached. */
static void reap_removed(void)
{
	for (unsigned i = 0; i < g.num;) {
		struct hot_ctrlr *hc = g.ctrlrs[i];

		if (!hc->removed) {
			i++;
			continue;
		}
		stop_reads(hc); /* its reads still in flight fail here: counted with it */
		printf("[%7.3f s] removed %s after %" PRIu64 " reads (%" PRIu64
		       " failed as it went)\n",
		       elapsed_s(), hc->traddr, hc->reads, hc->failed);
		fflush(stdout);
		g.reads_gone += hc->reads;
		g.failed_gone += hc->failed;
		forget(hc);
	}
}

#ifdef NVME_TOOL_MODELS
/* The kernel's uevents of a hot removal (pciehp unbinds the driver, then removes the function),
 * handed to the driver's event stream: a test cannot send the kernel's own. */
static void model_uevents_of_removal(void)
{
	static const char *const actions[] = { "unbind", "remove" };

	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		char msg[256];
		int n = snprintf(msg, sizeof(msg),
				 "%s@/devices/pci0000:00/0000:00:03.0/0000:0e:00.0%cACTION=%s%c"
				 "SUBSYSTEM=pci%cPCI_SLOT_NAME=0000:0e:00.0",
				 actions[i], '\0', actions[i], '\0', '\0');

		if (srt_pci_hotplug_inject(msg, (size_t)n + 1) != 0)
			fprintf(stderr, "%s: cannot inject a uevent\n", g.t.prog);
	}
}

/* The model is inserted at 0.2 s; at 0.7 s its removal's uevents come while its registers still
 * answer (as a uio function's do), and it leaves the bus once the tool has let go of it. */
static void model_script(void)
{
	struct nvme_model_ns_opts ns = { .nsid = 1, .num_blocks = 8192, .lbaf = 0 };
	double now = elapsed_s();

	if (g.t.model == NULL && now >= 0.2) {
		if (nvme_model_create(NULL, &g.t.model) != 0 ||
		    nvme_model_add_ns(g.t.model, &ns) != 0)
			fprintf(stderr, "%s: cannot create the controller model\n", g.t.prog);
	} else if (g.t.model != NULL && now >= 0.7 && !g.model_removed) {
		model_uevents_of_removal();
		g.model_removed = true;
	} else if (g.model_removed && !g.model_gone && g.removals > 0 && g.num == 0) {
		nvme_model_surprise_remove(
			g.t.model); /* unregisters it: the scan no longer sees it */
		g.model_gone = true;
	}
	srt_pci_model_poll_all();
}
#endif

static bool expected_seen(void)
{
	return (g.expect_inserts || g.expect_removals) &&
	       (!g.expect_inserts || g.inserts >= g.want_inserts) &&
	       (!g.expect_removals || g.removals >= g.want_removals);
}

/* Probes every -i ms (hot_probe picks the functions): probing -r's address itself would fail,
 * and say so, every time while nothing is there. */
static void run(void)
{
	uint64_t hz = spdkrt_get_ticks_hz(), end, next_probe;
	struct spdkrt_nvme_probe_ctx *probing = NULL;

	g.start_tick = spdkrt_get_ticks();
	end = g.start_tick + (uint64_t)g.seconds * hz;
	next_probe = g.start_tick;
	g.starting = true;
	while (spdkrt_get_ticks() < end && !expected_seen()) {
		if (probing == NULL && spdkrt_get_ticks() >= next_probe) {
			next_probe += (uint64_t)g.interval_ms * hz / 1000;
			if (spdkrt_nvme_probe_async(NULL, NULL, hot_probe, hot_attached,
						    hot_removed, &probing) != 0)
				probing = NULL;
		}
		if (probing != NULL && spdkrt_nvme_probe_poll_async(probing) != -EAGAIN) {
			probing = NULL;
			g.starting = false;
		}
		for (unsigned i = 0; i < g.num; i++) {
			struct hot_ctrlr *hc = g.ctrlrs[i];

			/* -ENXIO: failed or removed; the admin poll then calls hot_removed. */
			spdkrt_nvme_qpair_process_completions(hc->qpair, 0);
			spdkrt_nvme_ctrlr_process_admin_completions(hc->ctrlr);
		}
		reap_removed();
#ifdef NVME_TOOL_MODELS
		model_script();
#endif
	}
	while (probing != NULL && spdkrt_nvme_probe_poll_async(probing) == -EAGAIN)
		;
}

static void summary(void)
{
	uint64_t reads = g.reads_gone, failed_live = 0;

	for (unsigned i = 0; i < g.num; i++) {
		reads += g.ctrlrs[i]->reads;
		failed_live += g.ctrlrs[i]->failed;
	}
	g.failed_live = failed_live;
	if (g.json) {
		printf("{\"seconds\": %.3f, \"insertions\": %u, \"removals\": %u, "
		       "\"attached_at_end\": %u, \"reads\": %" PRIu64
		       ", \"failed_on_removed\": %" PRIu64 ", \"failed_on_present\": %" PRIu64
		       ", \"attach_failures\": %u}\n",
		       elapsed_s(), g.inserts, g.removals, g.num, reads, g.failed_gone, failed_live,
		       g.attach_failures);
		return;
	}
	printf("%u insertion(s), %u removal(s), %u controller(s) attached at the end, %" PRIu64
	       " reads; failed: %" PRIu64 " on removed controllers, %" PRIu64
	       " on present ones; %u attach failure(s)\n",
	       g.inserts, g.removals, g.num, reads, g.failed_gone, failed_live, g.attach_failures);
}

/* Long-only options, beyond the shared ones (nvme_tool.h 0x100, fabric_opts.h 0x200). */
enum {
	OPT_INSERTS = 0x300,
	OPT_REMOVALS,
	OPT_JSON
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		NVME_TOOL_LONGOPTS,
		{ "inserts", required_argument, NULL, OPT_INSERTS },
		{ "removals", required_argument, NULL, OPT_REMOVALS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v = 0;
	int c, status = 0;
	bool ok;

	g.t.prog = "spdkrt-nvme-hotplug";
	while ((c = nvme_tool_getopt(&g.t, argc, argv, NVME_TOOL_SHORTOPTS "t:i:q:", longopts,
				     usage, &status)) != -1) {
		switch (c) {
		case NVME_TOOL_OPT_STOP:
			return status;
		case 't':
			ok = nvme_tool_parse_number(g.t.prog, "-t", optarg, 1, 86400, &v);
			g.seconds = (uint32_t)v;
			break;
		case 'i':
			ok = nvme_tool_parse_number(g.t.prog, "-i", optarg, 1, 60000, &v);
			g.interval_ms = (uint32_t)v;
			break;
		case 'q':
			ok = nvme_tool_parse_number(g.t.prog, "-q", optarg, 1, MAX_DEPTH, &v);
			g.depth = (uint32_t)v;
			break;
		case OPT_INSERTS:
			ok = nvme_tool_parse_number(g.t.prog, "--inserts", optarg, 0, 1000, &v);
			g.want_inserts = (uint32_t)v;
			g.expect_inserts = true;
			break;
		case OPT_REMOVALS:
			ok = nvme_tool_parse_number(g.t.prog, "--removals", optarg, 0, 1000, &v);
			g.want_removals = (uint32_t)v;
			g.expect_removals = true;
			break;
		case OPT_JSON:
			g.json = true;
			ok = true;
			break;
		default:
			usage(stderr);
			return 1;
		}
		if (!ok)
			return 1;
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (!nvme_tool_start_env(&g.t)) {
		nvme_tool_stop(&g.t);
		return 1;
	}
	g.has_want = g.t.trid_text != NULL;
	if (g.has_want && (g.t.trid.trtype != SPDKRT_NVME_TRANSPORT_PCIE ||
			   spdkrt_pci_addr_parse(&g.want, g.t.trid.traddr) != 0)) {
		fprintf(stderr, "%s: -r must name a PCIe controller (hot plug is a PCI matter)\n",
			g.t.prog);
		nvme_tool_stop(&g.t);
		return 1;
	}
	run();
	summary();
	ok = (!g.expect_inserts || g.inserts >= g.want_inserts) &&
	     (!g.expect_removals || g.removals >= g.want_removals) && g.failed_live == 0 &&
	     g.attach_failures == 0;
	if (!ok && (g.expect_inserts || g.expect_removals) && !expected_seen())
		fprintf(stderr, "%s: expected %u insertion(s) and %u removal(s) within %u s\n",
			g.t.prog, g.want_inserts, g.want_removals, g.seconds);
	while (g.num > 0)
		forget(g.ctrlrs[0]);
	nvme_tool_stop(&g.t);
	return ok ? 0 : 1;
}
