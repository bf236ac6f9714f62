/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Completions and errors (libspdkrt/ioat/completion.c, detach): a halted channel fails what it
 * did not finish with -EIO and works again; a bad descriptor halts it with a CHANERR bit; a
 * failed recovery takes it out of service; detach with work in flight stops the hardware before
 * freeing; two channels run on two threads at once.
 */
#include <pthread.h>

#include "ioat_fixture.h"

#include "ioat/internal.h"

#define NREQ 16

static struct ioat_rig g_rig;
static char *g_src, *g_dst;

static int rig_setup(void **state)
{
	(void)state;
	rig_up(&g_rig, &g_addr0, NULL);
	g_src = spdkrt_dma_malloc(NREQ * 512, 4096, SPDKRT_ENV_SOCKET_ANY);
	g_dst = spdkrt_dma_zmalloc(NREQ * 512, 4096, SPDKRT_ENV_SOCKET_ANY);
	fill_random(g_src, NREQ * 512, 11);
	return 0;
}

static int rig_teardown(void **state)
{
	(void)state;
	rig_down(&g_rig);
	spdkrt_dma_free(g_src);
	spdkrt_dma_free(g_dst);
	return 0;
}

static void submit_all(struct req *reqs, int n)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(spdkrt_ioat_build_copy(g_rig.chan, &reqs[i], req_done,
							g_dst + i * 512, g_src + i * 512, 512),
				 0);
	assert_int_equal(spdkrt_ioat_flush(g_rig.chan), 0);
}

/* The channel works: one more copy completes with 0 and the right bytes. */
static void check_usable(void)
{
	struct req r = { 0 };

	memset(g_dst, 0, 512);
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &r, req_done, g_dst, g_src, 512), 0);
	run_until(&g_rig, r.calls > 0);
	assert_int_equal(r.status, 0);
	assert_memory_equal(g_dst, g_src, 512);
}

static void test_halt_fails_the_rest_and_recovers(void **state)
{
	struct ioat_model_stats st;
	struct req reqs[NREQ] = { 0 };
	int i, done = 0;

	(void)state;
	ioat_model_inject_error(g_rig.model, 5, IOAT_CHANERR_READ_DATA);
	submit_all(reqs, NREQ);
	assert_true(ioat_model_poll(g_rig.model) > 0);
	done = spdkrt_ioat_process_events(g_rig.chan);
	/* All NREQ complete in this call: 5 that the hardware finished, the rest failed. */
	assert_int_equal(done, NREQ);
	for (i = 0; i < NREQ; i++) {
		assert_int_equal(reqs[i].calls, 1);
		assert_int_equal(reqs[i].status, i < 5 ? 0 : -EIO);
	}
	assert_memory_equal(g_dst, g_src, 5 * 512);
	assert_logged("halted: CHANERR 0x100 (read data)");
	ioat_model_get_stats(g_rig.model, &st);
	assert_int_equal(st.halts, 1);
	assert_int_equal(st.resets, 2);
	check_usable();
}

static void test_bad_descriptor_halts(void **state)
{
	struct spdkrt_ioat_chan *chan = g_rig.chan;
	struct req reqs[3] = { 0 };

	(void)state;
	submit_all(reqs, 2);
	run_until(&g_rig, reqs[1].calls > 0);
	/* Corrupt the next descriptor after building it, as a stray write would: size 0. */
	assert_int_equal(spdkrt_ioat_build_copy(chan, &reqs[2], req_done, g_dst, g_src, 64), 0);
	chan->ring[ioat_ring_index(chan->head - 1)].size = 0;
	assert_int_equal(spdkrt_ioat_flush(chan), 0);
	run_until(&g_rig, reqs[2].calls > 0);
	assert_int_equal(reqs[2].status, -EIO);
	assert_logged("transfer length");
	check_usable();

	/* An operation the channel does not know: descriptor control error. */
	memset(reqs, 0, sizeof(reqs));
	assert_int_equal(spdkrt_ioat_build_copy(chan, &reqs[0], req_done, g_dst, g_src, 64), 0);
	chan->ring[ioat_ring_index(chan->head - 1)].control |= 0x7Fu << IOAT_DESC_OP_SHIFT;
	assert_int_equal(spdkrt_ioat_flush(chan), 0);
	run_until(&g_rig, reqs[0].calls > 0);
	assert_int_equal(reqs[0].status, -EIO);
	assert_logged("descriptor control");
	check_usable();
}

static void test_failed_recovery_is_out_of_service(void **state)
{
	struct req reqs[4] = { 0 };
	int i;

	(void)state;
	ioat_model_inject_error(g_rig.model, 1, IOAT_CHANERR_WRITE_DATA);
	ioat_model_set_reset_stuck(g_rig.model, true);
	submit_all(reqs, 4);
	ioat_model_poll(g_rig.model);
	assert_int_equal(spdkrt_ioat_process_events(g_rig.chan), -EIO);
	assert_logged("out of service");
	for (i = 0; i < 4; i++) {
		assert_int_equal(reqs[i].calls, 1);
		assert_int_equal(reqs[i].status, i < 1 ? 0 : -EIO);
	}
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &reqs[0], req_done, g_dst, g_src, 8),
			 -EIO);
	assert_int_equal(spdkrt_ioat_process_events(g_rig.chan), -EIO);
	/* Detach can stop it once the reset works again (teardown detaches). */
	ioat_model_set_reset_stuck(g_rig.model, false);
}

static void test_detach_with_work_in_flight(void **state)
{
	struct ioat_model_stats st;
	struct req reqs[NREQ] = { 0 };
	int i;

	(void)state;
	ioat_model_set_budget(g_rig.model, 3);
	memset(g_dst, 0, NREQ * 512);
	submit_all(reqs, NREQ);
	ioat_model_poll(g_rig.model); /* 3 descriptors done, 13 still queued in hardware */
	assert_int_equal(spdkrt_ioat_detach(g_rig.chan), 0);
	g_rig.chan = NULL;
	/* Finished ones complete with 0, the others are cancelled; none is lost. */
	for (i = 0; i < NREQ; i++) {
		assert_int_equal(reqs[i].calls, 1);
		assert_int_equal(reqs[i].status, i < 3 ? 0 : -ECANCELED);
	}
	/* The hardware was reset before the ring was freed: it does nothing more. */
	ioat_model_get_stats(g_rig.model, &st);
	assert_int_equal(st.since_reset, 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(ioat_model_poll(g_rig.model), 0);
	assert_memory_equal(g_dst, g_src, 3 * 512);
	for (i = 3 * 512; i < NREQ * 512; i++)
		assert_int_equal(g_dst[i], 0);
	/* Teardown attaches nothing: give it a channel to detach. */
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, &g_rig.chan), 0);
}

static void test_surprise_removal(void **state)
{
	struct req reqs[4] = { 0 };
	int i, rc = 0;

	(void)state;
	submit_all(reqs, 4);
	ioat_model_unplug(g_rig.model); /* gone before it ran anything */
	/* Noticed after a bounded number of idle polls, never a hang. */
	for (i = 0; i < 100000 && rc == 0; i++)
		rc = spdkrt_ioat_process_events(g_rig.chan);
	assert_int_equal(rc, -ENODEV);
	assert_logged("was removed");
	for (i = 0; i < 4; i++) {
		assert_int_equal(reqs[i].calls, 1);
		assert_int_equal(reqs[i].status, -ENODEV);
	}
	assert_int_equal(spdkrt_ioat_submit_copy(g_rig.chan, &reqs[0], req_done, g_dst, g_src, 8),
			 -ENODEV);
	assert_int_equal(spdkrt_ioat_process_events(g_rig.chan), -ENODEV);
	/* Detach does not wait for a reset that cannot happen, and frees everything. */
	assert_int_equal(spdkrt_ioat_detach(g_rig.chan), 0);
	ioat_model_destroy(g_rig.model);
	/* Teardown's detach: a fresh model and channel. */
	rig_up(&g_rig, &g_addr0, NULL);
}

struct worker {
	struct ioat_rig rig;
	int copies;
	int errors;
};

static void worker_done(void *arg, int status)
{
	int *pending = arg;

	if (status != 0)
		(*pending) += 1000000;
	(*pending)--;
}

/* Random copies on one channel, from its own thread; every byte checked. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	size_t len = 64 * 1024;
	char *src = spdkrt_dma_malloc(len, 64, SPDKRT_ENV_SOCKET_ANY);
	char *dst = spdkrt_dma_malloc(len, 64, SPDKRT_ENV_SOCKET_ANY);
	unsigned seed = (unsigned)(uintptr_t)w;
	int i;

	for (i = 0; i < w->copies; i++) {
		size_t n, off;
		int pending = 1;

		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 8) % (len / 2);
		off = (seed >> 4) % (len / 2);
		fill_random(src + off, n, seed);
		if (spdkrt_ioat_submit_copy(w->rig.chan, &pending, worker_done, dst + off,
					    src + off, n) != 0) {
			w->errors++;
			break;
		}
		while (pending > 0) {
			ioat_model_poll(w->rig.model);
			spdkrt_ioat_process_events(w->rig.chan);
		}
		if (pending != 0 || memcmp(dst + off, src + off, n) != 0)
			w->errors++;
	}
	spdkrt_dma_free(src);
	spdkrt_dma_free(dst);
	return NULL;
}

static void test_two_channels_two_threads(void **state)
{
	struct worker w[2] = { { .copies = 300 }, { .copies = 300 } };
	pthread_t t[2];
	int i;

	(void)state;
	rig_up(&w[0].rig, &g_addr1, NULL);
	rig_up(&w[1].rig, &(struct spdkrt_pci_addr){ 0, 0x80, 4, 2 }, NULL);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].errors, 0);
	}
	rig_down(&w[0].rig);
	rig_down(&w[1].rig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_halt_fails_the_rest_and_recovers, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_bad_descriptor_halts, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_failed_recovery_is_out_of_service, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_detach_with_work_in_flight, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_two_channels_two_threads, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_surprise_removal, rig_setup, rig_teardown),
	};

	return cmocka_run_group_tests(tests, ioat_env_setup, ioat_env_teardown);
}
