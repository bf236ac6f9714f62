/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What spdkrt-ioat-perf and spdkrt-ioat-verify share: the environment, one spdkrt thread that
 * drives every channel, probing up to N channels (and saying clearly when there is none), a
 * poll step, and the command line: the options both take (-t, -q, -n, --no-huge, --mem) and
 * their usage lines. Built with IOAT_TOOL_MODELS (tests only), the tools first register I/OAT
 * channel models (tests/models/ioat) as PCI functions, so that their whole logic runs in
 * `make check` on machines without I/OAT.
 */
#ifndef SPDKRT_EXAMPLES_IOAT_TOOL_H
#define SPDKRT_EXAMPLES_IOAT_TOOL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

#ifdef IOAT_TOOL_MODELS
#include "env/backend.h"
#include "env/pci.h"
#include "../../tests/models/ioat/ioat_model.h"
#endif

#define IOAT_TOOL_MAX_CHANNELS 64

/* Codes of the long options every tool takes; a tool numbers its own from IOAT_TOOL_OPT_OWN. */
enum {
	IOAT_TOOL_OPT_NO_HUGE = 256,
	IOAT_TOOL_OPT_MEM,
	IOAT_TOOL_OPT_OWN
};
/* The long options every tool takes (and --help), to start a tool's table with (one per line:
 * clang-format would fold them). */
/* clang-format off */
#define IOAT_TOOL_LONGOPTS                                             \
	{ "help", no_argument, NULL, 'h' },                            \
	{ "no-huge", no_argument, NULL, IOAT_TOOL_OPT_NO_HUGE },       \
	{ "mem", required_argument, NULL, IOAT_TOOL_OPT_MEM }
/* clang-format on */

/* What ioat_tool_drive() needs of a tool's per-channel state (embedded there as .load). */
struct ioat_tool_load {
	struct spdkrt_ioat_chan *chan;
	unsigned inflight; /* requests submitted and not completed yet */
	bool stopping;     /* set at the end (or on a failed channel): submit no new request */
};

struct ioat_tool {
	const char *prog;
	bool no_huge;
	size_t mem_mb;
	unsigned max_channels; /* 0: all */
	double seconds;        /* -t */
	unsigned depth;        /* -q: requests in flight per channel (the tool sets the default) */
	unsigned max_depth;    /* the largest -q */
	struct spdkrt_thread *thread;
	struct spdkrt_ioat_chan *chans[IOAT_TOOL_MAX_CHANNELS];
	unsigned num_chans;
#ifdef IOAT_TOOL_MODELS
	struct ioat_model *models[IOAT_TOOL_MAX_CHANNELS];
	unsigned num_models;
#endif
};

static inline bool ioat_tool_want(void *ctx, const struct spdkrt_pci_addr *addr,
				  const struct spdkrt_pci_id *id)
{
	struct ioat_tool *t = ctx;

	(void)addr;
	(void)id;
	return t->num_chans < IOAT_TOOL_MAX_CHANNELS &&
	       (t->max_channels == 0 || t->num_chans < t->max_channels);
}

static inline void ioat_tool_attached(void *ctx, const struct spdkrt_pci_addr *addr,
				      struct spdkrt_ioat_chan *chan)
{
	struct ioat_tool *t = ctx;

	(void)addr;
	t->chans[t->num_chans++] = chan;
}

#ifdef IOAT_TOOL_MODELS
/* Models stand in for the hardware; the environment variable says how many. */
static inline int ioat_tool_add_models(struct ioat_tool *t)
{
	const char *n = getenv("SPDKRT_IOAT_TOOL_MODELS");
	unsigned count = n != NULL ? (unsigned)atoi(n) : 2;

	for (unsigned i = 0; i < count && i < IOAT_TOOL_MAX_CHANNELS; i++) {
		struct spdkrt_pci_addr addr = { 0, 0x80, (uint8_t)(i / 8), (uint8_t)(i % 8) };

		if (ioat_model_create(&addr, NULL, &t->models[t->num_models]) != 0)
			return -1;
		t->num_models++;
	}
	return 0;
}
#endif

/* Environment, thread and channels; prints why and returns false on failure. */
static inline bool ioat_tool_start(struct ioat_tool *t)
{
	struct spdkrt_env_opts opts;
	int rc;

	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.name = t->prog;
	opts.no_huge = t->no_huge;
	opts.mem_size_mb = t->mem_mb;
#ifdef IOAT_TOOL_MODELS
	srt_env_set_backend(&srt_env_heap_backend);
#endif
	rc = spdkrt_env_init(&opts);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot initialise the environment: %s\n", t->prog,
			spdkrt_strerror(rc));
		return false;
	}
	rc = spdkrt_thread_create(t->prog, &t->thread);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot create a thread: %s\n", t->prog, spdkrt_strerror(rc));
		return false;
	}
	spdkrt_set_thread(t->thread);
#ifdef IOAT_TOOL_MODELS
	if (ioat_tool_add_models(t) != 0) {
		fprintf(stderr, "%s: cannot register the channel models\n", t->prog);
		return false;
	}
#endif
	rc = spdkrt_ioat_probe(t, ioat_tool_want, ioat_tool_attached);
	if (rc < 0) {
		fprintf(stderr, "%s: probing I/OAT channels failed: %s\n", t->prog,
			spdkrt_strerror(rc));
		return false;
	}
	if (t->num_chans == 0) {
		fprintf(stderr,
			"%s: no I/OAT channel: this machine has none, or none is bound to vfio-pci "
			"or uio_pci_generic (run spdkrt-setup config as root)\n",
			t->prog);
		return false;
	}
	return true;
}

/* One step of the device side: the thread's pollers (and, in tests, the models). */
static inline void ioat_tool_poll(struct ioat_tool *t)
{
	spdkrt_thread_poll(t->thread, 0, 0);
#ifdef IOAT_TOOL_MODELS
	srt_pci_model_poll_all();
#endif
}

/*
 * Runs every channel until @p end (ticks): completions processed, each batch flushed, the device
 * side polled; then stops them and waits (at most 10 s) for the requests in flight, which
 * loads[i]->inflight still counts if they never completed.
 */
static inline void ioat_tool_drive(struct ioat_tool *t, struct ioat_tool_load *const *loads,
				   uint64_t end)
{
	uint64_t give_up = end + 10 * spdkrt_get_ticks_hz();
	unsigned busy;

	do {
		busy = 0;
		for (unsigned i = 0; i < t->num_chans; i++) {
			if (spdkrt_get_ticks() >= end)
				loads[i]->stopping = true;
			if (spdkrt_ioat_process_events(loads[i]->chan) < 0)
				loads[i]->stopping = true;
			spdkrt_ioat_flush(loads[i]->chan);
			busy += loads[i]->inflight;
		}
		ioat_tool_poll(t);
	} while (busy > 0 && spdkrt_get_ticks() < give_up);
}

static inline void ioat_tool_stop(struct ioat_tool *t)
{
	for (unsigned i = 0; i < t->num_chans; i++)
		spdkrt_ioat_detach(t->chans[i]);
	t->num_chans = 0;
#ifdef IOAT_TOOL_MODELS
	for (unsigned i = 0; i < t->num_models; i++)
		ioat_model_destroy(t->models[i]);
	t->num_models = 0;
#endif
	if (t->thread != NULL) {
		spdkrt_thread_exit(t->thread);
		while (!spdkrt_thread_is_exited(t->thread))
			spdkrt_thread_poll(t->thread, 0, 0);
		spdkrt_set_thread(NULL);
		spdkrt_thread_destroy(t->thread);
		t->thread = NULL;
	}
	if (spdkrt_env_is_initialized())
		spdkrt_env_fini();
}

static inline const char *ioat_tool_chan_name(struct spdkrt_ioat_chan *chan, char *buf, size_t size)
{
	if (spdkrt_pci_addr_fmt(buf, size, spdkrt_ioat_get_pci_addr(chan)) != 0)
		snprintf(buf, size, "?");
	return buf;
}

/* Parses a positive integer with an optional k/m/g suffix (powers of 1024); false if bad. */
static inline bool ioat_tool_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s || s[0] == '-')
		return false;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	default:
		break;
	}
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

/* The usage lines of the options every tool takes (but -q); a tool prints its own after them. */
static inline void ioat_tool_usage_common(FILE *out)
{
	fprintf(out,
		"  -t SECONDS        how long to run (required)\n"
		"  -n CHANNELS       channels to use (default: all)\n"
		"      --no-huge     use ordinary pages (no DMA to real devices: for trying it out)\n"
		"      --mem MB      memory to reserve\n");
}

/* The closing lines of every tool's usage. */
static inline void ioat_tool_usage_end(FILE *out)
{
	fprintf(out,
		"  -h, --help        this text\n"
		"\n"
		"Channels must be bound to vfio-pci or uio_pci_generic first (spdkrt-setup config).\n");
}

/* A tool's own option: 0 when applied, -1 after saying why its argument is wrong (or, for an
 * option it does not know, after printing the usage). */
typedef int (*ioat_tool_opt_fn)(void *ctx, int opt, const char *arg);

/* An option every tool takes (-t, -q, -n, --no-huge, --mem): 1 when applied, 0 when @p opt is
 * not one of them, -1 after saying why its argument is wrong. */
static inline int ioat_tool_common_opt(struct ioat_tool *t, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case 't':
		t->seconds = strtod(arg, NULL);
		if (!(t->seconds > 0 && t->seconds <= 86400)) {
			fprintf(stderr, "%s: -t needs seconds > 0\n", t->prog);
			return -1;
		}
		return 1;
	case 'q':
		if (!ioat_tool_parse_size(arg, &v) || v == 0 || v > t->max_depth) {
			fprintf(stderr, "%s: -q needs 1 to %u\n", t->prog, t->max_depth);
			return -1;
		}
		t->depth = (unsigned)v;
		return 1;
	case 'n':
		if (!ioat_tool_parse_size(arg, &v) || v == 0 || v > IOAT_TOOL_MAX_CHANNELS) {
			fprintf(stderr, "%s: -n needs 1 to %d\n", t->prog, IOAT_TOOL_MAX_CHANNELS);
			return -1;
		}
		t->max_channels = (unsigned)v;
		return 1;
	case IOAT_TOOL_OPT_NO_HUGE:
		t->no_huge = true;
		return 1;
	case IOAT_TOOL_OPT_MEM:
		if (!ioat_tool_parse_size(arg, &v) || v == 0) {
			fprintf(stderr, "%s: --mem needs megabytes\n", t->prog);
			return -1;
		}
		t->mem_mb = (size_t)v;
		return 1;
	default:
		return 0;
	}
}

/*
 * Parses the command line: the options every tool takes into @p t, the tool's own (its short
 * options @p own_shortopts; @p longopts starts with IOAT_TOOL_LONGOPTS) through @p own.
 * @return 0 to run, 1 to exit with status 0 (--help printed), -1 to exit with status 1 (the
 * usage or what is wrong printed).
 */
static inline int ioat_tool_getopt(struct ioat_tool *t, int argc, char **argv,
				   const char *own_shortopts, const struct option *longopts,
				   void (*usage)(FILE *out), ioat_tool_opt_fn own, void *ctx)
{
	char shortopts[64];
	int opt, rc;

	if (argc == 1) {
		usage(stderr);
		return -1;
	}
	snprintf(shortopts, sizeof(shortopts), "ht:q:n:%s", own_shortopts);
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 1;
		}
		if (opt == '?') { /* getopt said what is wrong */
			usage(stderr);
			return -1;
		}
		rc = ioat_tool_common_opt(t, opt, optarg);
		if (rc == 0)
			rc = own(ctx, opt, optarg) == 0 ? 1 : -1;
		if (rc < 0)
			return -1;
	}
	if (optind < argc || t->seconds == 0) {
		fprintf(stderr, "%s: %s\n", t->prog,
			optind < argc ? "unexpected argument" : "-t SECONDS is required");
		usage(stderr);
		return -1;
	}
	return 0;
}

#endif
