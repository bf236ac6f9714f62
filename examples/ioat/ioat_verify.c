/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ioat_verify (installed as spdkrt-ioat-verify): random copies and fills on every channel, each
 * result checked byte by byte (and the bytes around it left untouched). Per channel, -q requests
 * are in flight, each in its own 512 KiB source/destination pair, at random offsets and lengths.
 * Exit status 1 when any byte is wrong or any request fails.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>

#include "ioat_tool.h"

#define BUF_SIZE (512 * 1024)
#define GUARD 64 /* bytes before and after a transfer that must stay as they were */
#define GUARD_BYTE 0xC3
#define MAX_QUEUE_DEPTH 256

struct verify_chan;

struct verify_task {
	struct verify_chan *vc;
	uint8_t *src, *dst;
	size_t off, len;
	bool fill;
	uint64_t pattern;
};

struct verify_chan {
	struct ioat_tool_load load; /* chan, inflight, stopping */
	struct verify_task *tasks;
	uint64_t seed;
	bool can_fill;
	uint64_t copies, fills, failed;
};

static uint64_t next_random(uint64_t *state)
{
	/* xorshift64*: fast and good enough to choose sizes and bytes. */
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1Dull;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: spdkrt-ioat-verify -t SECONDS [options]\n"
		     "Checks I/OAT DMA channels: random copies and fills, every byte verified.\n"
		     "\n");
	ioat_tool_usage_common(out);
	fprintf(out,
		"  -q DEPTH          requests in flight per channel (default 8, at most %d)\n"
		"  -S SEED           random seed (default: from the clock; printed)\n",
		MAX_QUEUE_DEPTH);
	ioat_tool_usage_end(out);
	fprintf(out,
		"Exit status: 0 when every byte was right, 1 otherwise (a wrong byte, a failed "
		"request,\n"
		"no I/OAT channel, bad usage).\n");
}

static void request_done(void *arg, int status);

static int task_start(struct verify_task *t)
{
	struct verify_chan *vc = t->vc;
	uint64_t r = next_random(&vc->seed);
	int rc;

	t->fill = vc->can_fill && (r & 1);
	t->len = 1 + (size_t)((r >> 1) % (BUF_SIZE - 2 * GUARD - 1));
	t->off = GUARD + (size_t)((r >> 24) % (BUF_SIZE - 2 * GUARD - t->len + 1));
	memset(t->dst + t->off - GUARD, GUARD_BYTE, t->len + 2 * GUARD);
	if (t->fill) {
		t->pattern = next_random(&vc->seed);
		rc = spdkrt_ioat_build_fill(vc->load.chan, t, request_done, t->dst + t->off,
					    t->pattern, t->len);
	} else {
		for (size_t i = 0; i < t->len; i += 8) {
			uint64_t v = next_random(&vc->seed);

			memcpy(t->src + t->off + i, &v, t->len - i < 8 ? t->len - i : 8);
		}
		rc = spdkrt_ioat_build_copy(vc->load.chan, t, request_done, t->dst + t->off,
					    t->src + t->off, t->len);
	}
	if (rc == 0)
		vc->load.inflight++;
	return rc;
}

static bool task_check(const struct verify_task *t)
{
	for (size_t i = 0; i < GUARD; i++)
		if (t->dst[t->off - GUARD + i] != GUARD_BYTE ||
		    t->dst[t->off + t->len + i] != GUARD_BYTE)
			return false;
	if (!t->fill)
		return memcmp(t->dst + t->off, t->src + t->off, t->len) == 0;
	for (size_t i = 0; i < t->len; i++)
		if (t->dst[t->off + i] != (uint8_t)(t->pattern >> (8 * (i % 8))))
			return false;
	return true;
}

static void request_done(void *arg, int status)
{
	struct verify_task *t = arg;
	struct verify_chan *vc = t->vc;
	char name[SPDKRT_PCI_ADDR_STRLEN];

	vc->load.inflight--;
	if (status != 0 || !task_check(t)) {
		vc->failed++;
		fprintf(stderr, "spdkrt-ioat-verify: %s: %s of %zu bytes at +%zu %s\n",
			ioat_tool_chan_name(vc->load.chan, name, sizeof(name)),
			t->fill ? "fill" : "copy", t->len, t->off,
			status != 0 ? spdkrt_strerror(status) : "has wrong bytes");
	} else if (t->fill) {
		vc->fills++;
	} else {
		vc->copies++;
	}
	if (!vc->load.stopping && task_start(t) != 0)
		vc->failed++;
}

static bool verify_chan_init(struct verify_chan *vc, struct spdkrt_ioat_chan *chan, unsigned depth,
			     uint64_t seed)
{
	vc->load.chan = chan;
	vc->seed = seed | 1;
	vc->can_fill = spdkrt_ioat_get_capabilities(chan) & SPDKRT_IOAT_CAP_FILL;
	vc->tasks = calloc(depth, sizeof(*vc->tasks));
	if (vc->tasks == NULL)
		return false;
	for (unsigned i = 0; i < depth; i++) {
		vc->tasks[i].vc = vc;
		vc->tasks[i].src = spdkrt_dma_malloc(BUF_SIZE, 4096, SPDKRT_ENV_SOCKET_ANY);
		vc->tasks[i].dst = spdkrt_dma_malloc(BUF_SIZE, 4096, SPDKRT_ENV_SOCKET_ANY);
		if (vc->tasks[i].src == NULL || vc->tasks[i].dst == NULL)
			return false;
	}
	return true;
}

static void verify_chan_fini(struct verify_chan *vc, unsigned depth)
{
	for (unsigned i = 0; vc->tasks != NULL && i < depth; i++) {
		spdkrt_dma_free(vc->tasks[i].src);
		spdkrt_dma_free(vc->tasks[i].dst);
	}
	free(vc->tasks);
}

static int run(struct ioat_tool *tool, unsigned depth, double seconds, uint64_t seed)
{
	struct verify_chan *vcs = calloc(tool->num_chans, sizeof(*vcs));
	struct ioat_tool_load *loads[IOAT_TOOL_MAX_CHANNELS];
	uint64_t hz = spdkrt_get_ticks_hz(), end, failed = 0;
	char name[SPDKRT_PCI_ADDR_STRLEN];
	unsigned i;
	int rc = 0;

	if (vcs == NULL)
		return 1;
	printf("seed %" PRIu64 ", %u channel(s), %u requests in flight each\n", seed,
	       tool->num_chans, depth);
	for (i = 0; i < tool->num_chans; i++) {
		loads[i] = &vcs[i].load;
		if (!verify_chan_init(&vcs[i], tool->chans[i], depth, seed + i)) {
			fprintf(stderr, "spdkrt-ioat-verify: out of DMA memory (raise --mem)\n");
			rc = 1;
			goto out;
		}
		for (unsigned d = 0; d < depth; d++)
			if (task_start(&vcs[i].tasks[d]) != 0)
				vcs[i].failed++;
		spdkrt_ioat_flush(vcs[i].load.chan);
	}
	end = spdkrt_get_ticks() + (uint64_t)(seconds * (double)hz);
	ioat_tool_drive(tool, loads, end);
	printf("%-14s %10s %10s %8s\n", "Channel", "Copies", "Fills", "Failed");
	for (i = 0; i < tool->num_chans; i++) {
		printf("%-14s %10" PRIu64 " %10" PRIu64 " %8" PRIu64 "%s\n",
		       ioat_tool_chan_name(vcs[i].load.chan, name, sizeof(name)), vcs[i].copies,
		       vcs[i].fills, vcs[i].failed + vcs[i].load.inflight,
		       vcs[i].can_fill ? "" : "  (no fill capability)");
		failed += vcs[i].failed + vcs[i].load.inflight;
	}
	if (failed != 0) {
		printf("FAILED: %" PRIu64 " request(s)\n", failed);
		rc = 1;
	} else {
		printf("PASSED\n");
	}
out:
	for (i = 0; i < tool->num_chans; i++)
		verify_chan_fini(&vcs[i], depth);
	free(vcs);
	return rc;
}

/* -S. */
static int verify_opt(void *ctx, int opt, const char *arg)
{
	if (opt == 'S' && ioat_tool_parse_size(arg, ctx))
		return 0;
	if (opt == 'S')
		fprintf(stderr, "spdkrt-ioat-verify: -S needs a number\n");
	else
		usage(stderr);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		IOAT_TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ioat_tool tool = { .prog = "spdkrt-ioat-verify",
				  .depth = 8,
				  .max_depth = MAX_QUEUE_DEPTH };
	uint64_t seed = 0;
	int rc = ioat_tool_getopt(&tool, argc, argv, "S:", longopts, usage, verify_opt, &seed);

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (seed == 0)
		seed = spdkrt_get_ticks();
	rc = ioat_tool_start(&tool) ? run(&tool, tool.depth, tool.seconds, seed) : 1;
	ioat_tool_stop(&tool);
	return rc;
}
