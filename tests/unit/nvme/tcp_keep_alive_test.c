/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keep alive over NVMe/TCP: the real host driver against the fake target (tcp_fake_target.c)
 * enforcing the KATO of Connect like a real controller (no Keep Alive within KATO: the admin
 * connection is dropped). A controller with a 1 s KATO stays connected while idle for several
 * KATO periods and the target counts the Keep Alives; a host that stops polling is dropped,
 * which shows the timer the first test survives is real.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>
#include <spdkrt/nvme.h>
#include <spdkrt/thread.h>

#include "tcp_fake_target.h"

#define KATO_MS 1000u

static void connect_kato(struct fake_target *t, struct spdkrt_nvme_ctrlr **ctrlr)
{
	struct fake_target_opts fo = { .enforce_kato = true };
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr_opts opts;
	char text[256];

	assert_int_equal(fake_target_start(t, &fo), 0);
	fake_target_trid(t, text, sizeof(text));
	assert_int_equal(spdkrt_nvme_transport_id_parse(&trid, text), 0);
	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.keep_alive_timeout_ms = KATO_MS;
	opts.admin_timeout_us = 2u * 1000 * 1000;
	assert_int_equal(spdkrt_nvme_connect(&trid, &opts, ctrlr), 0);
}

static uint32_t read_counter(struct fake_target *t, const uint32_t *counter)
{
	uint32_t v;

	pthread_mutex_lock(&t->lock);
	v = *counter;
	pthread_mutex_unlock(&t->lock);
	return v;
}

/* Polls the admin queue (as an application's admin poller does) for ms milliseconds. */
static void poll_admin_for(struct spdkrt_nvme_ctrlr *ctrlr, uint64_t ms)
{
	uint64_t end = spdkrt_get_ticks() + ms * spdkrt_get_ticks_hz() / 1000;

	while (spdkrt_get_ticks() < end) {
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
		usleep(1000);
	}
}

/* Get Features Number of Queues, answered: the admin connection is still there. */
static bool admin_alive(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct cmd_wait w = { 0 };
	uint64_t end = spdkrt_get_ticks() + 5 * spdkrt_get_ticks_hz();

	if (spdkrt_nvme_ctrlr_cmd_get_feature(ctrlr, SPDKRT_NVME_FEAT_NUMBER_OF_QUEUES, 0, 0, 0,
					      NULL, 0, cmd_wait_done, &w) != 0)
		return false;
	while (!w.done && spdkrt_get_ticks() < end)
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
	return w.done && !w.error && !spdkrt_nvme_ctrlr_is_failed(ctrlr);
}

static void test_idle_past_kato(void **state)
{
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct fake_target t;
	uint32_t sent;

	(void)state;
	connect_kato(&t, &ctrlr);
	assert_int_equal(read_counter(&t, &t.kato_ms), KATO_MS);
	/* Four KATO periods with no command of the application's. */
	poll_admin_for(ctrlr, 4 * KATO_MS);
	sent = read_counter(&t, &t.keep_alives);
	print_message("%u keep alives in %u ms (KATO %u ms)\n", sent, 4 * KATO_MS, KATO_MS);
	assert_int_equal(read_counter(&t, &t.kato_expired), 0);
	/* One every KATO/2: 8 in 4 s; a loaded machine may lose a few to scheduling. */
	assert_true(sent >= 4);
	assert_true(admin_alive(ctrlr));
	assert_int_equal(spdkrt_nvme_detach(ctrlr), 0);
	fake_target_stop(&t);
}

static void test_silent_host_dropped(void **state)
{
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct fake_target t;
	uint64_t end;

	(void)state;
	connect_kato(&t, &ctrlr);
	/* No polling, so no Keep Alive: the target ends the controller after KATO. */
	end = spdkrt_get_ticks() + 10 * spdkrt_get_ticks_hz();
	while (read_counter(&t, &t.kato_expired) == 0 && spdkrt_get_ticks() < end)
		usleep(10000);
	assert_int_equal(read_counter(&t, &t.kato_expired), 1);
	log_capture_start();
	assert_false(admin_alive(ctrlr));
	log_capture_stop();
	assert_true(spdkrt_nvme_ctrlr_is_failed(ctrlr));
	spdkrt_nvme_detach(ctrlr);
	fake_target_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_past_kato),
		cmocka_unit_test(test_silent_host_dropped),
	};

	return cmocka_run_group_tests(tests, fake_target_env_setup, fake_target_env_teardown);
}
