/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the NVMe tools share: the environment, attaching the controllers (-r TRID, or every NVMe
 * function bound to vfio-pci/uio_pci_generic) with a clear message when there is none, and a poll
 * step. Built with NVME_TOOL_MODELS (tests only), the tools first register an NVMe controller
 * model (tests/models/nvme) as a PCI function, so their whole logic runs in `make check` on
 * machines without NVMe.
 */
#ifndef SPDKRT_EXAMPLES_NVME_TOOL_H
#define SPDKRT_EXAMPLES_NVME_TOOL_H

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

#include "fabric_opts.h"

#ifdef NVME_TOOL_MODELS
#include "env/backend.h"
#include "env/pci.h"
#include "env/pci_sysfs.h"
#include "../../tests/models/nvme/nvme_model.h"
#endif

#define NVME_TOOL_MAX_CTRLRS 16

/* getopt values of the long-only options (beyond any character). */
enum {
	NVME_TOOL_OPT_NO_HUGE = 0x100,
	NVME_TOOL_OPT_MEM,
};

/* The short options every tool takes, to start its getopt string with. */
#define NVME_TOOL_SHORTOPTS "hr:" NVME_FABRIC_SHORTOPTS

/* The long options every tool takes, to start its table with (one per line: clang-format would
 * fold them); nvme_tool_common_opt() applies them, and -r and the NVMe/TCP ones. */
/* clang-format off */
#define NVME_TOOL_LONGOPTS                                              \
	{ "help", no_argument, NULL, 'h' },                             \
	{ "no-huge", no_argument, NULL, NVME_TOOL_OPT_NO_HUGE },        \
	{ "mem", required_argument, NULL, NVME_TOOL_OPT_MEM },          \
	NVME_FABRIC_LONGOPTS
/* clang-format on */

/* Their usage lines, to end a tool's option list with. */
#define NVME_TOOL_USAGE_COMMON                                                                     \
	"      --no-huge     use ordinary pages (no DMA to real devices)\n"                        \
	"      --mem MB      memory to reserve\n"                                                  \
	"  -h, --help        this text\n"                                                          \
	"\n" NVME_FABRIC_USAGE

struct nvme_tool {
	const char *prog;
	bool no_huge;
	size_t mem_mb;
	const char *trid_text;                /* -r; NULL: every controller */
	struct spdkrt_nvme_transport_id trid; /* -r parsed, by nvme_tool_start_env() */
	spdkrt_nvme_remove_cb remove_cb;      /* NULL: none; called with this nvme_tool */
	/* NULL: none; else called with this nvme_tool on the options of every controller attached */
	void (*ctrlr_opts)(void *tool, struct spdkrt_nvme_ctrlr_opts *opts);
	bool cmb_sqs; /* --cmb-sqs (perf, hello_world): use_cmb_sqs on every controller */
	/* Commands the test build's model executes per poll (0: no limit): a bottleneck on the
	 * device side, so that its arbiter, not the host, decides which queue goes first. */
	unsigned model_commands_per_poll;
	struct nvme_fabric_opts fabric;
	struct spdkrt_nvme_ctrlr *ctrlrs[NVME_TOOL_MAX_CTRLRS];
	unsigned num_ctrlrs;
#ifdef NVME_TOOL_MODELS
	struct nvme_model *model;
#endif
};

/*
 * An option every tool takes (-r TRID, --no-huge, --mem MB, the NVMe/TCP ones): 1 when @p opt
 * was one of them
 * (applied to @p t), 0 when it is the tool's own, -1 after saying why its argument is wrong.
 */
static inline int nvme_tool_common_opt(struct nvme_tool *t, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case 'r':
		t->trid_text = arg;
		return 1;
	case NVME_TOOL_OPT_NO_HUGE:
		t->no_huge = true;
		return 1;
	case NVME_TOOL_OPT_MEM:
		t->mem_mb = strtoul(arg, &end, 10);
		if (end == arg || *end != '\0' || arg[0] == '-' || t->mem_mb == 0) {
			fprintf(stderr, "%s: --mem needs megabytes, not '%s'\n", t->prog, arg);
			return -1;
		}
		return 1;
	default:
		return nvme_fabric_opt(&t->fabric, t->prog, opt, arg);
	}
}

/* nvme_tool_getopt()'s value when the tool must end now, with *exit_status. */
#define NVME_TOOL_OPT_STOP (-2)

/*
 * The tool's next own option (getopt_long's value), the common ones applied on the way; -1 after
 * the last option. NVME_TOOL_OPT_STOP when the tool must end now with *exit_status: 0 after -h
 * (usage(stdout) printed), 1 after a common option's bad argument (said).
 */
static inline int nvme_tool_getopt(struct nvme_tool *t, int argc, char **argv,
				   const char *shortopts, const struct option *longopts,
				   void (*usage)(FILE *out), int *exit_status)
{
	int c, common;

	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		common = nvme_tool_common_opt(t, c, optarg);
		if (common > 0)
			continue;
		if (common < 0 || c == 'h') {
			if (common == 0)
				usage(stdout);
			*exit_status = common < 0 ? 1 : 0;
			return NVME_TOOL_OPT_STOP;
		}
		return c;
	}
	return -1;
}

/* A decimal number in [min, max] from an option's argument; false after saying what is wrong. */
static inline bool nvme_tool_parse_number(const char *prog, const char *what, const char *s,
					  uint64_t min, uint64_t max, uint64_t *out)
{
	char *end = NULL;

	errno = 0;
	if (s[0] >= '0' && s[0] <= '9')
		*out = strtoull(s, &end, 10);
	if (end == NULL || *end != '\0' || errno != 0 || *out < min || *out > max) {
		fprintf(stderr, "%s: %s needs a number %" PRIu64 "..%" PRIu64 ", not '%s'\n", prog,
			what, min, max, s);
		return false;
	}
	return true;
}

static inline bool nvme_tool_probe(void *ctx, const struct spdkrt_nvme_transport_id *trid,
				   struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct nvme_tool *t = ctx;

	(void)trid;
	nvme_fabric_apply(&t->fabric, opts);
	opts->use_cmb_sqs = t->cmb_sqs;
	if (t->ctrlr_opts != NULL)
		t->ctrlr_opts(t, opts);
	return true;
}

static inline void nvme_tool_attached(void *ctx, const struct spdkrt_nvme_transport_id *trid,
				      struct spdkrt_nvme_ctrlr *ctrlr,
				      const struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct nvme_tool *t = ctx;

	(void)trid;
	(void)opts;
	if (t->num_ctrlrs < NVME_TOOL_MAX_CTRLRS)
		t->ctrlrs[t->num_ctrlrs++] = ctrlr;
	else
		spdkrt_nvme_detach(ctrlr);
}

#ifdef NVME_TOOL_MODELS
/* A model with two namespaces (512-byte and 4 KiB blocks) stands in for the hardware. */
static inline int nvme_tool_add_model(struct nvme_tool *t)
{
	struct nvme_model_ns_opts a = { .nsid = 1, .num_blocks = 8192, .lbaf = 0 };
	struct nvme_model_ns_opts b = { .nsid = 2, .num_blocks = 1024, .lbaf = 3 };
	struct nvme_model_opts o;

	if (getenv("SPDKRT_NVME_TOOL_NO_MODEL") != NULL)
		return 0;
	nvme_model_opts_init(&o);
	o.cmb_size = 2u << 20; /* for --cmb-sqs and CMB data buffers */
	o.wrr = getenv("SPDKRT_NVME_TOOL_MODEL_NO_WRR") == NULL; /* CAP.AMS: WRR unless told */
	o.commands_per_poll = t->model_commands_per_poll;
	if (nvme_model_create(&o, &t->model) != 0 || nvme_model_add_ns(t->model, &a) != 0 ||
	    nvme_model_add_ns(t->model, &b) != 0)
		return -1;
	return 0;
}
#endif

/*
 * Attaches the controllers (-r, or every one) after the environment is up; prints why and
 * returns false when there is none. Also after nvme_tool_detach(), e.g. with other options.
 */
static inline bool nvme_tool_attach(struct nvme_tool *t)
{
	int rc = spdkrt_nvme_probe(t->trid_text != NULL ? &t->trid : NULL, t, nvme_tool_probe,
				   nvme_tool_attached, t->remove_cb);

	if (t->num_ctrlrs == 0) {
		fprintf(stderr,
			"%s: no NVMe controller%s%s: none is bound to vfio-pci or uio_pci_generic "
			"(run spdkrt-setup config as root), or attaching failed (%s)\n",
			t->prog, t->trid_text ? " at " : "", t->trid_text ? t->trid_text : "",
			rc != 0 ? spdkrt_strerror(rc) : "none found");
		return false;
	}
	return true;
}

/* Detaches every controller (the environment stays). */
static inline void nvme_tool_detach(struct nvme_tool *t)
{
	for (unsigned i = 0; i < t->num_ctrlrs; i++)
		spdkrt_nvme_detach(t->ctrlrs[i]);
	t->num_ctrlrs = 0;
}

/* -r parsed into t->trid, and the environment; prints why and returns false on failure. */
static inline bool nvme_tool_start_env(struct nvme_tool *t)
{
	struct spdkrt_env_opts opts;
	int rc;

	if (t->trid_text != NULL &&
	    nvme_fabric_parse_trid(&t->fabric, t->prog, t->trid_text, &t->trid) != 0)
		return false;
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.name = t->prog;
	opts.no_huge = t->no_huge;
	opts.mem_size_mb = t->mem_mb;
#ifdef NVME_TOOL_MODELS
	srt_pci_sysfs_set_root("/nonexistent-spdkrt-sysfs");
	srt_env_set_backend(&srt_env_heap_backend);
#endif
	rc = spdkrt_env_init(&opts);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot initialise the environment: %s\n", t->prog,
			spdkrt_strerror(rc));
		return false;
	}
	return true;
}

/* Environment and controllers; prints why and returns false on failure. */
static inline bool nvme_tool_start(struct nvme_tool *t)
{
	if (!nvme_tool_start_env(t))
		return false;
#ifdef NVME_TOOL_MODELS
	if (nvme_tool_add_model(t) != 0) {
		fprintf(stderr, "%s: cannot register the controller model\n", t->prog);
		return false;
	}
#endif
	return nvme_tool_attach(t);
}

/* A command's end, for nvme_tool_wait(): nvme_tool_op_done as callback, the op as argument. */
struct nvme_tool_op {
	bool done;
	struct spdkrt_nvme_cpl cpl;
};

static inline void nvme_tool_op_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct nvme_tool_op *op = arg;

	op->done = true;
	op->cpl = *cpl;
}

/* One step of the device side: in tests, the model runs here. */
static inline void nvme_tool_poll(struct nvme_tool *t)
{
	(void)t;
#ifdef NVME_TOOL_MODELS
	srt_pci_model_poll_all();
#endif
}

static inline void nvme_tool_stop(struct nvme_tool *t)
{
	nvme_tool_detach(t);
#ifdef NVME_TOOL_MODELS
	nvme_model_destroy(t->model);
	t->model = NULL;
#endif
	if (spdkrt_env_is_initialized())
		spdkrt_env_fini();
}

/* Waits for *done while polling the admin queue (and qpair when not NULL). */
static inline bool nvme_tool_wait(struct nvme_tool *t, struct spdkrt_nvme_ctrlr *ctrlr,
				  struct spdkrt_nvme_qpair *qpair, const bool *done)
{
	uint64_t end = spdkrt_get_ticks() + 10 * spdkrt_get_ticks_hz();

	while (!*done && spdkrt_get_ticks() < end) {
		nvme_tool_poll(t);
		if (qpair != NULL && spdkrt_nvme_qpair_process_completions(qpair, 0) < 0)
			return false;
		if (spdkrt_nvme_ctrlr_process_admin_completions(ctrlr) < 0)
			return false;
	}
	return *done;
}

/*
 * The I/O flags for plain data I/O (no metadata buffer) on @p ns: a namespace whose separate
 * metadata is exactly its 8-byte protection information gets PRACT (the controller inserts and
 * strips it); any other separate metadata needs a metadata buffer the tools do not have: false.
 */
static inline bool nvme_tool_data_io_flags(struct spdkrt_nvme_ns *ns, uint32_t *flags)
{
	uint32_t md = spdkrt_nvme_ns_get_md_size(ns);

	*flags = 0;
	if (md == 0 || spdkrt_nvme_ns_supports_extended_lba(ns))
		return true;
	if (md == 8 && spdkrt_nvme_ns_get_pi_type(ns) != 0) {
		*flags = SPDKRT_NVME_IO_FLAGS_PRACT;
		return true;
	}
	return false;
}

static inline const char *nvme_tool_name(struct spdkrt_nvme_ctrlr *ctrlr)
{
	return spdkrt_nvme_ctrlr_get_transport_id(ctrlr)->traddr;
}

/* Copies a space-padded identify string into a NUL-terminated, trimmed one. */
static inline void nvme_tool_str(char *dst, const int8_t *src, size_t len)
{
	memcpy(dst, src, len);
	dst[len] = '\0';
	while (len > 0 && (dst[len - 1] == ' ' || dst[len - 1] == '\0'))
		dst[--len] = '\0';
}

/* -w: the I/O pattern of perf and arbitration (read, write, randread, randwrite, rw, randrw). */
struct nvme_tool_pattern {
	bool random;
	unsigned read_pct; /* reads in percent */
	bool mixed;        /* rw/randrw: -M may set read_pct */
	uint64_t seed;     /* of the random LBAs and the read/write choice */
};

static inline bool nvme_tool_parse_pattern(const char *s, struct nvme_tool_pattern *out)
{
	static const struct {
		const char *name;
		bool random;
		unsigned read;
		bool mixed;
	} p[] = {
		{ "read", false, 100, false },    { "write", false, 0, false },
		{ "randread", true, 100, false }, { "randwrite", true, 0, false },
		{ "rw", false, 50, true },        { "randrw", true, 50, true },
	};

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		if (strcmp(s, p[i].name) == 0) {
			out->random = p[i].random;
			out->read_pct = p[i].read;
			out->mixed = p[i].mixed;
			return true;
		}
	}
	return false;
}

static inline uint64_t nvme_tool_random(struct nvme_tool_pattern *p)
{
	/* xorshift64*: cheap and good enough to spread LBAs. */
	p->seed ^= p->seed >> 12;
	p->seed ^= p->seed << 25;
	p->seed ^= p->seed >> 27;
	return p->seed * 0x2545F4914F6CDD1Dull;
}

/* The next I/O of the pattern among @p num_ios slots (sequential from *seq_next): its slot and
 * whether it is a read. */
static inline uint64_t nvme_tool_next_io(struct nvme_tool_pattern *p, uint64_t num_ios,
					 uint64_t *seq_next, bool *read)
{
	uint64_t index = p->random ? nvme_tool_random(p) % num_ios : (*seq_next)++ % num_ios;

	*read = p->read_pct == 100 || (p->read_pct != 0 && nvme_tool_random(p) % 100 < p->read_pct);
	return index;
}

#endif
