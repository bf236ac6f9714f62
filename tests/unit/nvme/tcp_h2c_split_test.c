/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes through R2T when the target's MAXH2CDATA is smaller than the write, and when the target
 * asks for the data in several R2Ts (R2TO != 0): the real host driver against the fake target
 * (tcp_fake_target.c), which checks every H2CData PDU it gets (offset, length within MAXH2CDATA,
 * transfer tag, LAST_PDU on exactly the last PDU of each R2T, data digest) and counts them. The
 * spdkrt target grants MAXH2CDATA = its largest I/O, so only a target like this one makes the
 * host split.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>
#include <spdkrt/nvme.h>
#include <spdkrt/thread.h>

#include "tcp_fake_target.h"

#define WRITE_BLOCKS 128u /* 64 KiB: larger than the fake's 4 KiB of in-capsule data */
#define WRITE_LEN (WRITE_BLOCKS * 512u)
#define WRITE_LBA 64u

static void wait_io(struct spdkrt_nvme_qpair *qpair, struct cmd_wait *w)
{
	uint64_t end = spdkrt_get_ticks() + 10 * spdkrt_get_ticks_hz();

	while (!w->done && spdkrt_get_ticks() < end)
		spdkrt_nvme_qpair_process_completions(qpair, 0);
	assert_true(w->done);
	assert_false(w->error);
}

struct split_case {
	uint32_t maxh2cdata;
	uint32_t r2t_chunk; /* 0: one R2T for the whole write */
	bool digests;
	uint32_t piece; /* 0: one buffer; else the write comes from iovecs of this size */
	uint32_t want_r2ts;
	uint32_t want_pdus;
};

/* Writes 64 KiB under c, then checks the target's counters, its blocks and a read back. */
static void run_split(const struct split_case *c)
{
	struct fake_target_opts fo = { .maxh2cdata = c->maxh2cdata, .r2t_chunk = c->r2t_chunk };
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr_opts opts;
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct spdkrt_nvme_qpair *qpair;
	struct spdkrt_nvme_ns *ns;
	struct iovec iov[WRITE_LEN / 512u];
	struct cmd_wait w = { 0 };
	struct fake_target t;
	uint8_t *wbuf, *rbuf;
	char text[256];
	int iovcnt = 0;

	print_message("MAXH2CDATA %u, R2T chunk %u, digests %d, pieces %u\n", c->maxh2cdata,
		      c->r2t_chunk, c->digests, c->piece);
	assert_int_equal(fake_target_start(&t, &fo), 0);
	fake_target_trid(&t, text, sizeof(text));
	assert_int_equal(spdkrt_nvme_transport_id_parse(&trid, text), 0);
	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.keep_alive_timeout_ms = 0;
	opts.header_digest = c->digests;
	opts.data_digest = c->digests;
	assert_int_equal(spdkrt_nvme_connect(&trid, &opts, &ctrlr), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qpair), 0);
	ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	wbuf = spdkrt_dma_zmalloc(WRITE_LEN, 4096, SPDKRT_ENV_SOCKET_ANY);
	rbuf = spdkrt_dma_zmalloc(WRITE_LEN, 4096, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(wbuf);
	assert_non_null(rbuf);
	for (uint32_t i = 0; i < WRITE_LEN; i++)
		wbuf[i] = (uint8_t)(i * 13 + (i >> 8) + 1);
	if (c->piece != 0) {
		for (uint32_t off = 0; off < WRITE_LEN; off += c->piece) {
			iov[iovcnt].iov_base = wbuf + off;
			iov[iovcnt++].iov_len = c->piece;
		}
		assert_int_equal(spdkrt_nvme_ns_cmd_writev_iov(ns, qpair, iov, iovcnt, WRITE_LBA,
							       WRITE_BLOCKS, cmd_wait_done, &w, 0),
				 0);
	} else {
		assert_int_equal(spdkrt_nvme_ns_cmd_write(ns, qpair, wbuf, WRITE_LBA, WRITE_BLOCKS,
							  cmd_wait_done, &w, 0),
				 0);
	}
	wait_io(qpair, &w);

	pthread_mutex_lock(&t.lock);
	assert_int_equal(t.h2c_errors, 0);
	assert_int_equal(t.r2ts, c->want_r2ts);
	assert_int_equal(t.h2c_pdus, c->want_pdus);
	assert_true(t.h2c_max_datal <= c->maxh2cdata);
	pthread_mutex_unlock(&t.lock);
	assert_memory_equal(t.blocks + WRITE_LBA * 512u, wbuf, WRITE_LEN);

	memset(&w, 0, sizeof(w));
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, qpair, rbuf, WRITE_LBA, WRITE_BLOCKS,
						 cmd_wait_done, &w, 0),
			 0);
	wait_io(qpair, &w);
	assert_memory_equal(rbuf, wbuf, WRITE_LEN);

	spdkrt_dma_free(wbuf);
	spdkrt_dma_free(rbuf);
	spdkrt_nvme_ctrlr_free_io_qpair(qpair);
	assert_int_equal(spdkrt_nvme_detach(ctrlr), 0);
	fake_target_stop(&t);
}

/* MAXH2CDATA 4 KiB: one R2T for 64 KiB is answered by 16 PDUs of 4 KiB. */
static void test_split_at_maxh2cdata(void **state)
{
	const struct split_case plain = { .maxh2cdata = 4096, .want_r2ts = 1, .want_pdus = 16 };
	struct split_case digests = plain;

	(void)state;
	run_split(&plain);
	digests.digests = true;
	run_split(&digests);
}

/* A MAXH2CDATA that is not a divisor of the write: 15 PDUs of 4100 bytes and one of 4036. */
static void test_split_uneven(void **state)
{
	const struct split_case c = {
		.maxh2cdata = 4100, .digests = true, .want_r2ts = 1, .want_pdus = 16
	};

	(void)state;
	run_split(&c);
}

/* The target asks for 16 KiB per R2T (R2TO 0, 16K, 32K, 48K), MAXH2CDATA 6 KiB: each R2T is
 * answered by 6 + 6 + 4 KiB, LAST_PDU on the third. */
static void test_r2t_parts(void **state)
{
	const struct split_case c = {
		.maxh2cdata = 6144, .r2t_chunk = 16384, .want_r2ts = 4, .want_pdus = 12
	};
	struct split_case d = c;

	(void)state;
	run_split(&c);
	d.digests = true;
	run_split(&d);
}

/* The same from 128 iovecs of 512 bytes: a PDU's data spans several of the caller's pieces. */
static void test_split_from_iovecs(void **state)
{
	const struct split_case c = { .maxh2cdata = 4096,
				      .r2t_chunk = 24576,
				      .digests = true,
				      .piece = 512,
				      .want_r2ts = 3,
				      .want_pdus = 16 };

	(void)state;
	run_split(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_at_maxh2cdata),
		cmocka_unit_test(test_split_uneven),
		cmocka_unit_test(test_r2t_parts),
		cmocka_unit_test(test_split_from_iovecs),
	};

	return cmocka_run_group_tests(tests, fake_target_env_setup, fake_target_env_teardown);
}
