/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The asynchronous controller reset against the model: driven by the admin poll, its callback
 * never inside the call, commands in flight end with ABORTED_SQ_DELETION, queue pairs come back
 * with their ids; a queue pair owned by another thread is handed over by that thread (its own
 * poll fails its commands, then the admin poll re-creates it); a failed controller is seen by
 * each owner at its next poll, the admin thread never touching the others' pairs.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "fixture.h"

struct reset_result {
	bool done;
	unsigned calls;
	int status;
};

static void reset_done(void *arg, struct spdkrt_nvme_ctrlr *ctrlr, int status)
{
	struct reset_result *r = arg;

	assert_ptr_equal(ctrlr, g_ctrlr);
	r->done = true;
	r->calls++;
	r->status = status;
}

/* Drives an asynchronous reset to its end: its callback ran once, with success. */
static void finish_reset(struct reset_result *rr)
{
	for (int i = 0; i < 1000 && !rr->done; i++) {
		srt_pci_model_poll_all();
		spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr);
	}
	assert_true(rr->done);
	assert_int_equal(rr->calls, 1);
	assert_int_equal(rr->status, 0);
}

static uint8_t *dma_buf(size_t size)
{
	uint8_t *buf = spdkrt_dma_zmalloc(size, 4096, SPDKRT_ENV_SOCKET_ANY);

	assert_non_null(buf);
	return buf;
}

static void drop_next_read(uint16_t qid)
{
	struct nvme_model_fault drop = { .kind = NVME_MODEL_FAULT_DROP,
					 .qid = qid,
					 .opcode = SPDKRT_NVME_OPC_READ,
					 .count = 1 };

	assert_int_equal(nvme_model_inject(g_model, &drop), 0);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(spdkrt_nvme_ctrlr_reset_async(NULL, reset_done, NULL), -EINVAL);
}

/* One thread: the reset hands the thread's own pair over itself. */
static void test_async_reset_one_thread(void **state)
{
	struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512);
	struct reset_result rr = { 0 };
	struct io_result r = { 0 }, r2 = { 0 };
	struct nvme_model_stats before, after;
	uint8_t *buf = dma_buf(4096);

	(void)state;
	nvme_model_get_stats(g_model, &before);
	drop_next_read(1);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r, 0), 0);
	assert_false(poll_until(&r.done, 20));
	assert_int_equal(spdkrt_nvme_ctrlr_reset_async(g_ctrlr, reset_done, &rr), 0);
	assert_false(rr.done); /* never from the call */
	assert_int_equal(spdkrt_nvme_ctrlr_reset_async(g_ctrlr, reset_done, &rr), -EBUSY);
	assert_logged("one is in progress");
	/* Submitted before the controller is disabled: it is in flight, so it ends once. */
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 8, 1, io_done, &r2, 0), 0);
	finish_reset(&rr);
	assert_true(r.done);
	assert_int_equal(r.calls, 1);
	assert_int_equal(cpl_sct(&r.cpl), SPDKRT_NVME_SCT_GENERIC);
	assert_int_equal(cpl_sc(&r.cpl), SPDKRT_NVME_SC_ABORTED_SQ_DELETION);
	assert_true(r2.done);
	assert_int_equal(r2.calls, 1);
	assert_true(!spdkrt_nvme_cpl_is_error(&r2.cpl) ||
		    cpl_sc(&r2.cpl) == SPDKRT_NVME_SC_ABORTED_SQ_DELETION);
	/* The pair works again, with the same id. */
	memset(&r2, 0, sizeof(r2));
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 8, 1, io_done, &r2, 0), 0);
	assert_true(poll_until(&r2.done, 100));
	assert_false(spdkrt_nvme_cpl_is_error(&r2.cpl));
	assert_int_equal(spdkrt_nvme_qpair_get_id(g_qpair), 1);
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.enables, before.enables + 1);
	/* A second reset after the first ended is accepted. */
	memset(&rr, 0, sizeof(rr));
	assert_int_equal(spdkrt_nvme_ctrlr_reset_async(g_ctrlr, NULL, NULL), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_reset(g_ctrlr), -EBUSY);
	for (int i = 0; i < 1000; i++) {
		srt_pci_model_poll_all();
		spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr);
	}
	assert_int_equal(spdkrt_nvme_ctrlr_reset(g_ctrlr), 0);
	spdkrt_dma_free(buf);
}

/* An admin command's callback run by the reset's start (timeout_action=reset's failed Abort). */
struct nested_reset {
	bool done;
	uint16_t sc;
	int reset_rc;
};

static void ask_for_reset(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct nested_reset *n = arg;

	n->done = true;
	n->sc = cpl_sc(cpl);
	n->reset_rc = spdkrt_nvme_ctrlr_reset_async(g_ctrlr, NULL, NULL);
}

/* A reset asked for while the reset's start aborts the admin queue is refused: one reset. */
static void test_reset_asked_from_aborted_admin_command(void **state)
{
	struct reset_result rr = { 0 };
	struct nested_reset n = { 0 };
	struct nvme_model_stats before, after;

	(void)state;
	nvme_model_get_stats(g_model, &before);
	/* Not polled: still in flight when the reset starts. */
	assert_int_equal(spdkrt_nvme_ctrlr_cmd_get_feature(g_ctrlr,
							   SPDKRT_NVME_FEAT_NUMBER_OF_QUEUES, 0, 0,
							   0, NULL, 0, ask_for_reset, &n),
			 0);
	assert_int_equal(spdkrt_nvme_ctrlr_reset_async(g_ctrlr, reset_done, &rr), 0);
	assert_true(n.done);
	assert_int_equal(n.sc, SPDKRT_NVME_SC_ABORTED_SQ_DELETION);
	assert_int_equal(n.reset_rc, -EBUSY);
	finish_reset(&rr);
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.enables, before.enables + 1);
}

/*
 * A queue pair of another thread: that thread allocates it, has a read in flight the device
 * never completes, and polls. The admin thread resets; the owner's poll fails the read and lets
 * go of the ring; the admin poll re-creates the queue; the owner's next read succeeds.
 */
struct owner {
	pthread_t tid;
	struct spdkrt_nvme_qpair *qpair;
	uint8_t *buf;
	atomic_int stage; /* 1: read in flight, 2: done */
	atomic_bool stop;
	int alloc_rc;
	struct io_result first, second;
	int32_t last_poll_rc;
};

static bool owner_poll_until(struct owner *o, const bool *done)
{
	while (!*done && !atomic_load(&o->stop)) {
		srt_pci_model_poll_all();
		o->last_poll_rc = spdkrt_nvme_qpair_process_completions(o->qpair, 0);
	}
	return *done;
}

static void *owner_main(void *arg)
{
	struct owner *o = arg;
	struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_4K);

	/* The admin thread waits meanwhile: the controller is used by one thread at a time. */
	o->alloc_rc = spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &o->qpair);
	if (o->alloc_rc != 0) {
		atomic_store(&o->stage, 2);
		return NULL;
	}
	if (spdkrt_nvme_ns_cmd_read(ns, o->qpair, o->buf, 0, 1, io_done, &o->first, 0) == 0) {
		atomic_store(&o->stage, 1);
		if (owner_poll_until(o, &o->first.done) &&
		    spdkrt_nvme_ns_cmd_read(ns, o->qpair, o->buf, 1, 1, io_done, &o->second, 0) ==
			    0)
			owner_poll_until(o, &o->second.done);
	}
	atomic_store(&o->stage, 2);
	return NULL;
}

static void start_owner(struct owner *o)
{
	memset(o, 0, sizeof(*o));
	o->buf = dma_buf(4096);
	drop_next_read(2);
	assert_int_equal(pthread_create(&o->tid, NULL, owner_main, o), 0);
	while (atomic_load(&o->stage) == 0)
		;
	assert_int_equal(o->alloc_rc, 0);
}

static void join_owner(struct owner *o)
{
	uint64_t deadline = spdkrt_get_ticks() + 10 * spdkrt_get_ticks_hz();

	while (atomic_load(&o->stage) != 2 && spdkrt_get_ticks() < deadline) {
		srt_pci_model_poll_all();
		spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr);
	}
	atomic_store(&o->stop, true);
	assert_int_equal(pthread_join(o->tid, NULL), 0);
}

static void test_async_reset_other_thread(void **state)
{
	struct reset_result rr = { 0 };
	struct owner o;

	(void)state;
	start_owner(&o);
	assert_int_equal(spdkrt_nvme_qpair_get_id(o.qpair), 2);
	assert_int_equal(spdkrt_nvme_ctrlr_reset_async(g_ctrlr, reset_done, &rr), 0);
	join_owner(&o);
	assert_true(rr.done);
	assert_int_equal(rr.status, 0);
	assert_true(o.first.done);
	assert_int_equal(o.first.calls, 1);
	assert_int_equal(cpl_sc(&o.first.cpl), SPDKRT_NVME_SC_ABORTED_SQ_DELETION);
	assert_true(o.second.done);
	assert_false(spdkrt_nvme_cpl_is_error(&o.second.cpl));
	assert_logged("commands in flight end with ABORTED_SQ_DELETION");
	/* The pair is handed back: freed here, its queues deleted on the controller. */
	assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(o.qpair), 0);
	spdkrt_dma_free(o.buf);
}

/* A removal seen by the admin thread: the other thread's pair fails its read at its own poll. */
static void test_failure_seen_by_each_owner(void **state)
{
	struct owner o;

	(void)state;
	start_owner(&o);
	nvme_model_surprise_remove(g_model);
	assert_int_equal(spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr), -ENXIO);
	join_owner(&o);
	assert_true(o.first.done);
	assert_int_equal(o.first.calls, 1);
	assert_true(spdkrt_nvme_cpl_is_error(&o.first.cpl));
	assert_int_equal(o.last_poll_rc, -ENXIO);
	assert_false(o.second.done);
	assert_int_equal(spdkrt_nvme_ctrlr_reset_async(g_ctrlr, reset_done, NULL), -ENXIO);
	assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(o.qpair), 0);
	spdkrt_dma_free(o.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test_setup_teardown(test_async_reset_one_thread, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_reset_asked_from_aborted_admin_command,
						ctrlr_setup, ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_async_reset_other_thread, ctrlr_setup,
						ctrlr_teardown),
		cmocka_unit_test_setup_teardown(test_failure_seen_by_each_owner, ctrlr_setup,
						ctrlr_teardown),
	};

	return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
