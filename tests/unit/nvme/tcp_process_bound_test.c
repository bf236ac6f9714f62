/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A target that answers as fast as the host submits cannot keep the host inside one
 * spdkrt_nvme_qpair_process_completions(qpair, 0) call: that call returns after at most a
 * queue's worth of completions, as over PCIe, so the caller's other pollers still run. (Inside
 * a QEMU guest, the kernel's nvmet-tcp did exactly this to bdevperf, whose run-end timer then
 * never ran.) The test plays the target itself on the I/O queue's socket (the fake target hands
 * it over after Connect), in step with its callbacks: each completion submits a Flush and its
 * answer is on the socket before the host's next receive.
 */
#include <string.h>
#include <sys/socket.h>

#include "../common/test_common.h"

#include <spdkrt/nvme.h>
#include <spdkrt/thread.h>

#include "nvmf/tcp_pdu.h"
#include "tcp_fake_target.h"

#define QUEUE_SIZE 32u /* 31 commands at a time */
#define CHAIN 2000u    /* Flushes in the chain */

struct chain {
	struct spdkrt_nvme_ns *ns;
	struct spdkrt_nvme_qpair *qpair;
	int fd; /* the target's end of the I/O queue */
	uint16_t cid;
	uint32_t done;
	uint32_t errors;
	uint32_t submit_errors;
};

/* The target's CapsuleResp for c->cid, and what the host sent is read away (capsules only). */
static void answer(struct chain *c)
{
	struct srt_tcp_capsule_resp r = { .ch.pdu_type = SRT_TCP_PDU_CAPSULE_RESP };
	uint8_t sink[4096];

	while (recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	r.ch.hlen = sizeof(r);
	r.ch.plen = sizeof(r);
	r.rccqe.cid = c->cid;
	r.rccqe.sqid = 1;
	assert_int_equal(fake_target_send_all(c->fd, &r, sizeof(r)), 0);
}

static void flush_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct chain *c = arg;

	c->done++;
	if (spdkrt_nvme_cpl_is_error(cpl))
		c->errors++;
	if (c->done == CHAIN)
		return;
	if (spdkrt_nvme_ns_cmd_flush(c->ns, c->qpair, flush_done, c) != 0) {
		c->submit_errors++;
		return;
	}
	/* The command id just freed is the one taken again (the host's free ids are a stack):
	 * its answer waits on the socket before the host has even sent the command. */
	answer(c);
}

static void test_process_returns_while_target_keeps_answering(void **state)
{
	struct fake_target_opts fo = { .hand_over_io = true };
	struct spdkrt_nvme_io_qpair_opts qo;
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr_opts opts;
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct chain c = { 0 };
	struct fake_target t;
	struct srt_tcp_capsule_cmd cmd;
	char text[256];
	int32_t first;

	(void)state;
	assert_int_equal(fake_target_start(&t, &fo), 0);
	fake_target_trid(&t, text, sizeof(text));
	assert_int_equal(spdkrt_nvme_transport_id_parse(&trid, text), 0);
	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.keep_alive_timeout_ms = 0;
	assert_int_equal(spdkrt_nvme_connect(&trid, &opts, &ctrlr), 0);
	spdkrt_nvme_io_qpair_opts_init(&qo, sizeof(qo));
	qo.io_queue_size = QUEUE_SIZE;
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, &qo, &c.qpair), 0);
	pthread_mutex_lock(&t.lock);
	c.fd = t.hand_fd;
	pthread_mutex_unlock(&t.lock);
	assert_true(c.fd >= 0);
	c.ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	assert_non_null(c.ns);

	/* The first Flush goes out; its command id comes from the capsule. */
	assert_int_equal(spdkrt_nvme_ns_cmd_flush(c.ns, c.qpair, flush_done, &c), 0);
	assert_int_equal(spdkrt_nvme_qpair_process_completions(c.qpair, 0), 0);
	assert_int_equal(recv(c.fd, &cmd, sizeof(cmd), MSG_WAITALL), (ssize_t)sizeof(cmd));
	assert_int_equal(cmd.ch.pdu_type, SRT_TCP_PDU_CAPSULE_CMD);
	assert_int_equal(cmd.ccsqe.opc, SPDKRT_NVME_OPC_FLUSH);
	c.cid = cmd.ccsqe.cid;
	answer(&c);

	/* The chain never runs dry, yet the call returns with at most a queue's worth. */
	first = spdkrt_nvme_qpair_process_completions(c.qpair, 0);
	print_message("one call completed %d of a chain of %u\n", first, CHAIN);
	assert_true(first > 0);
	assert_true(first <= (int32_t)(QUEUE_SIZE - 1));
	assert_int_equal(c.done, (uint32_t)first);

	/* Nothing was lost: later calls finish the chain, every Flush succeeded. */
	for (uint32_t i = 0; i < 10 * CHAIN && c.done < CHAIN; i++)
		assert_true(spdkrt_nvme_qpair_process_completions(c.qpair, 0) >= 0);
	assert_int_equal(c.done, CHAIN);
	assert_int_equal(c.errors, 0);
	assert_int_equal(c.submit_errors, 0);

	assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(c.qpair), 0);
	assert_int_equal(spdkrt_nvme_detach(ctrlr), 0);
	fake_target_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_returns_while_target_keeps_answering),
	};

	return cmocka_run_group_tests(tests, fake_target_env_setup, fake_target_env_teardown);
}
