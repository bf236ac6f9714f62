/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random operation sequences against the driver and the channel model: copies and fills of
 * random sizes and offsets, flushes, model polls with random work budgets, completions, injected
 * descriptor errors (halts), and detach/attach with work in flight. Invariants: every request
 * completes exactly once; one that completes with 0 has exactly the right bytes and left the
 * bytes around it alone; a failed one says -EIO (halt) or -ECANCELED (detach); the channel
 * always works again. Seeds are fixed (SPDKRT_IOAT_FUZZ_SEED adds one) so failures replay.
 */
#include "ioat_fixture.h"

#include "ioat/spec.h"

#define SLOTS 24
#define SLOT_SIZE (96 * 1024)
#define GUARD 16
#define STEPS 3000

struct fuzz_req {
	bool busy;
	int calls;
	int status;
	bool fill;
	size_t off, len;
	uint64_t pattern;
	uint8_t *dst; /* SLOT_SIZE bytes, this slot's own */
};

static struct fuzz_req g_reqs[SLOTS];
static uint8_t *g_src;
static uint64_t g_state;
static unsigned g_ok, g_eio, g_canceled;

static uint64_t rnd(void)
{
	g_state ^= g_state >> 12;
	g_state ^= g_state << 25;
	g_state ^= g_state >> 27;
	return g_state * 0x2545F4914F6CDD1Dull;
}

static void check_done(struct fuzz_req *r)
{
	for (size_t i = 0; i < GUARD; i++) {
		if (r->dst[r->off - GUARD + i] != 0xEE || r->dst[r->off + r->len + i] != 0xEE)
			fail_msg("a request wrote outside its %zu bytes at +%zu", r->len, r->off);
	}
	for (size_t i = 0; i < r->len; i++) {
		uint8_t want = r->fill ? (uint8_t)(r->pattern >> (8 * (i % 8))) : g_src[r->off + i];

		if (r->dst[r->off + i] != want)
			fail_msg("%s of %zu bytes at +%zu: byte %zu is 0x%02x, not 0x%02x",
				 r->fill ? "fill" : "copy", r->len, r->off, i, r->dst[r->off + i],
				 want);
	}
}

static void fuzz_done(void *arg, int status)
{
	struct fuzz_req *r = arg;

	r->calls++;
	r->status = status;
	if (r->calls != 1)
		fail_msg("a request completed %d times", r->calls);
	if (status == 0) {
		check_done(r);
		g_ok++;
	} else if (status == -EIO) {
		g_eio++;
	} else if (status == -ECANCELED) {
		g_canceled++;
	} else {
		fail_msg("unexpected completion status %d", status);
	}
	r->busy = false;
}

static void start_request(struct ioat_rig *rig)
{
	struct fuzz_req *r = &g_reqs[rnd() % SLOTS];
	int rc;

	if (r->busy)
		return;
	r->fill = rnd() % 3 == 0;
	r->len = 1 + rnd() % (rnd() % 4 == 0 ? SLOT_SIZE - 2 * GUARD - 1 : 300);
	r->off = GUARD + rnd() % (SLOT_SIZE - 2 * GUARD - r->len + 1);
	r->pattern = rnd();
	r->calls = 0;
	memset(r->dst + r->off - GUARD, 0xEE, r->len + 2 * GUARD);
	rc = r->fill ? spdkrt_ioat_build_fill(rig->chan, r, fuzz_done, r->dst + r->off, r->pattern,
					      r->len) :
		       spdkrt_ioat_build_copy(rig->chan, r, fuzz_done, r->dst + r->off,
					      g_src + r->off, r->len);
	if (rc == 0)
		r->busy = true;
	else if (rc != -ENOMEM)
		fail_msg("build failed: %d", rc);
}

static bool any_busy(void)
{
	for (int i = 0; i < SLOTS; i++)
		if (g_reqs[i].busy)
			return true;
	return false;
}

static void run_seed(uint64_t seed)
{
	struct ioat_model_opts opts = { .xfercap = (uint8_t)(12 + seed % 9) };
	struct ioat_rig rig;
	int step;

	g_state = seed * 0x9E3779B97F4A7C15ull + 1;
	rig_up(&rig, &g_addr0, &opts);
	for (step = 0; step < STEPS; step++) {
		switch (rnd() % 16) {
		case 0 ... 5:
			start_request(&rig);
			break;
		case 6 ... 7:
			assert_int_equal(spdkrt_ioat_flush(rig.chan), 0);
			break;
		case 8 ... 10:
			ioat_model_set_budget(rig.model, (uint32_t)(rnd() % 6));
			ioat_model_poll(rig.model);
			break;
		case 11 ... 13:
			assert_true(spdkrt_ioat_process_events(rig.chan) >= 0);
			break;
		case 14:
			if (rnd() % 4 == 0)
				ioat_model_inject_error(rig.model, (uint32_t)(rnd() % 8),
							rnd() % 2 ? IOAT_CHANERR_READ_DATA :
								    IOAT_CHANERR_WRITE_DATA);
			break;
		case 15:
			if (rnd() % 8 == 0) {
				assert_int_equal(spdkrt_ioat_detach(rig.chan), 0);
				assert_false(any_busy()); /* every request got its completion */
				assert_int_equal(spdkrt_ioat_attach(&g_addr0, &rig.chan), 0);
			}
			break;
		}
	}
	/* Drain: everything still outstanding completes. */
	assert_int_equal(spdkrt_ioat_flush(rig.chan), 0);
	ioat_model_set_budget(rig.model, 0);
	run_until(&rig, !any_busy());
	rig_down(&rig);
}

static void test_fuzz(void **state)
{
	const char *extra = getenv("SPDKRT_IOAT_FUZZ_SEED");
	uint64_t seeds[] = { 1, 2, 3, 4, 5, 6, 7, 8, 0 };
	size_t n = sizeof(seeds) / sizeof(seeds[0]) - 1;

	(void)state;
	if (extra != NULL)
		seeds[n++] = strtoull(extra, NULL, 0);
	g_src = spdkrt_dma_malloc(SLOT_SIZE, 4096, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(g_src);
	fill_random(g_src, SLOT_SIZE, 99);
	for (int i = 0; i < SLOTS; i++) {
		g_reqs[i].dst = spdkrt_dma_malloc(SLOT_SIZE, 4096, SPDKRT_ENV_SOCKET_ANY);
		assert_non_null(g_reqs[i].dst);
	}
	for (size_t i = 0; i < n; i++)
		run_seed(seeds[i]);
	print_message("fuzz: %u completed, %u failed by halts, %u cancelled by detach\n", g_ok,
		      g_eio, g_canceled);
	assert_true(g_ok > 0 && g_eio > 0 && g_canceled > 0);
	for (int i = 0; i < SLOTS; i++)
		spdkrt_dma_free(g_reqs[i].dst);
	spdkrt_dma_free(g_src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, ioat_env_setup, ioat_env_teardown);
}
