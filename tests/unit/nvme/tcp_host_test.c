/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe driver's TCP transport against the real spdkrt NVMe/TCP target over 127.0.0.1: the
 * target runs on this thread (a malloc bdev behind it), the driver on a host thread, through
 * the public API only. Connect and identify, reads and writes verified with in-capsule data and
 * R2T, digests, several queue pairs, refused Connects, and a target that goes away mid-I/O.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../bdev/bdev_fixture.h"
#include "../common/host_thread.h"

#include <spdkrt/nvme.h>
#include <spdkrt/nvmf.h>

#define NQN "nqn.2016-06.io.spdkrt:tcp-host"
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:7e57c0de-0000-4000-8000-000000000001"
#define BLOCK 512u
#define NUM_BLOCKS 16384u

static struct spdkrt_nvmf_tgt *g_tgt;
static struct spdkrt_nvmf_subsystem *g_subsys;
static char g_port[32];
static bool g_tgt_destroyed;

enum main_action {
	ACTION_NONE,
	ACTION_DESTROY_TARGET,
	ACTION_TARGET_AWAY, /* drop the host's connections and stop listening */
	ACTION_TARGET_BACK, /* listen on the same port and allow the host again */
};
static atomic_int g_action;
static int g_destroy_done;

static void destroyed(void *ctx, int status)
{
	*(int *)ctx = status == 0 ? 1 : -1;
}

/* The main thread does what a host thread asked (the target lives on the main thread). */
static void main_do_action(void)
{
	int a = atomic_load(&g_action);

	if (a == ACTION_DESTROY_TARGET && !g_tgt_destroyed) {
		assert_int_equal(spdkrt_nvmf_tgt_destroy(g_tgt, destroyed, &g_destroy_done), 0);
		g_tgt_destroyed = true;
	}
	if (a == ACTION_TARGET_AWAY) {
		assert_int_equal(spdkrt_nvmf_subsystem_remove_host(g_subsys, HOSTNQN), 0);
		assert_int_equal(spdkrt_nvmf_tgt_stop_listen(g_tgt, "tcp", "127.0.0.1", g_port), 0);
	}
	if (a == ACTION_TARGET_BACK) {
		assert_int_equal(spdkrt_nvmf_tgt_listen(g_tgt, "tcp", "127.0.0.1", g_port), 0);
		assert_int_equal(spdkrt_nvmf_subsystem_add_host(g_subsys, HOSTNQN), 0);
	}
	if (a != ACTION_NONE)
		atomic_store(&g_action, ACTION_NONE);
}

static void poll_target(void)
{
	spdkrt_thread_poll(g_thread, 0, 0);
	main_do_action();
}

/* Runs fn on a host thread while this thread polls the target; returns fn's result. */
static int run_host(int (*fn)(void))
{
	int rc = run_on_host_thread(fn, poll_target);

	/* Let the target notice closed connections. */
	poll_n(2000);
	return rc;
}

static int setup_target(bool c2h_success)
{
	struct spdkrt_nvmf_tgt_opts o;
	char addr[64];

	fixture_setup(NULL);
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=Malloc0,num_blocks=16384,block_size=512", NULL), 0);
	spdkrt_nvmf_tgt_opts_init(&o, sizeof(o));
	o.c2h_success = c2h_success;
	assert_int_equal(spdkrt_nvmf_tgt_create(&o, &g_tgt), 0);
	assert_int_equal(spdkrt_nvmf_tgt_add_poll_group(g_tgt), 0);
	assert_int_equal(spdkrt_nvmf_tgt_listen(g_tgt, "tcp", "127.0.0.1", "0"), 0);
	assert_int_equal(spdkrt_nvmf_tgt_get_listener(g_tgt, 0, addr, sizeof(addr), g_port,
						      sizeof(g_port)),
			 0);
	assert_int_equal(spdkrt_nvmf_subsystem_create(g_tgt, NQN, &g_subsys), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_add_host(g_subsys, HOSTNQN), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_add_ns(g_subsys, "Malloc0", NULL, NULL), 0);
	g_tgt_destroyed = false;
	g_destroy_done = 0;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_target(false);
}

static int setup_c2h_success(void **state)
{
	(void)state;
	return setup_target(true);
}

static int teardown(void **state)
{
	if (!g_tgt_destroyed)
		assert_int_equal(spdkrt_nvmf_tgt_destroy(g_tgt, destroyed, &g_destroy_done), 0);
	poll_until(g_destroy_done != 0);
	assert_int_equal(g_destroy_done, 1);
	destroy_and_wait("Malloc0");
	return fixture_teardown(state);
}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "host check failed at line %d: %s\n", __LINE__, #cond);    \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Keep-alive timeout of the next connects, ms (0: the default). */
static uint32_t g_kato_ms;

/* The reconnect policy connect_on() asks for (0: none). */
static uint32_t g_reconnect_delay_ms;
static int32_t g_ctrlr_loss_timeout_ms;

/* The target's address as the host names it (the IPv6 test changes it). */
static const char *g_host_addr = "adrfam:IPv4 traddr:127.0.0.1";

/* Connect to port as hostnqn, over TLS with the configured PSK psk unless it is NULL. */
static int connect_on(const char *port, const char *psk, const char *subnqn, const char *hostnqn,
		      bool hdgst, bool ddgst, struct spdkrt_nvme_ctrlr **ctrlr)
{
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr_opts opts;
	char text[512];

	snprintf(text, sizeof(text), "trtype:TCP %s trsvcid:%s subnqn:%s", g_host_addr, port,
		 subnqn);
	if (spdkrt_nvme_transport_id_parse(&trid, text) != 0)
		return -EINVAL;
	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	snprintf(opts.hostnqn, sizeof(opts.hostnqn), "%s", hostnqn);
	opts.header_digest = hdgst;
	opts.data_digest = ddgst;
	opts.admin_timeout_us = 5u * 1000 * 1000;
	if (g_kato_ms != 0)
		opts.keep_alive_timeout_ms = g_kato_ms;
	memset(opts.hostid, 0x5a, sizeof(opts.hostid));
	if (psk != NULL)
		snprintf(opts.psk, sizeof(opts.psk), "%s", psk);
	opts.reconnect_delay_ms = g_reconnect_delay_ms;
	opts.ctrlr_loss_timeout_ms = g_ctrlr_loss_timeout_ms;
	return spdkrt_nvme_connect(&trid, &opts, ctrlr);
}

static int connect_as(const char *subnqn, const char *hostnqn, bool hdgst, bool ddgst,
		      struct spdkrt_nvme_ctrlr **ctrlr)
{
	return connect_on(g_port, NULL, subnqn, hostnqn, hdgst, ddgst, ctrlr);
}

struct io_wait {
	int outstanding;
	int errors;
	struct spdkrt_nvme_cpl last;
};

static void io_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct io_wait *w = arg;

	w->outstanding--;
	w->last = *cpl;
	if (spdkrt_nvme_cpl_is_error(cpl))
		w->errors++;
}

/* Polls until every command of w completed (bounded: a hang fails the check). */
static int wait_io(struct spdkrt_nvme_qpair *qpair, struct io_wait *w)
{
	double deadline = now_s() + 10;

	while (w->outstanding > 0 && now_s() < deadline)
		spdkrt_nvme_qpair_process_completions(qpair, 0);
	return w->outstanding == 0 ? 0 : -ETIMEDOUT;
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 9));
}

/* Writes len bytes at lba, reads them back into a clean buffer and compares. */
static int write_read_verify(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
			     uint64_t lba, uint32_t len, unsigned seed)
{
	uint8_t *out = malloc(len), *in = calloc(1, len);
	struct io_wait w = { 0 };
	int rc = -1;

	if (out == NULL || in == NULL)
		goto done;
	fill(out, len, seed);
	w.outstanding = 1;
	if (spdkrt_nvme_ns_cmd_write(ns, qpair, out, lba, len / BLOCK, io_done, &w, 0) != 0 ||
	    wait_io(qpair, &w) != 0 || w.errors != 0)
		goto done;
	w.outstanding = 1;
	if (spdkrt_nvme_ns_cmd_read(ns, qpair, in, lba, len / BLOCK, io_done, &w, 0) != 0 ||
	    wait_io(qpair, &w) != 0 || w.errors != 0)
		goto done;
	rc = memcmp(in, out, len) == 0 ? 0 : -1;
done:
	if (rc != 0)
		fprintf(stderr, "write/read of %u bytes at lba %lu failed (errors %d)\n", len,
			(unsigned long)lba, w.errors);
	free(out);
	free(in);
	return rc;
}

static int host_identify(void)
{
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	const struct spdkrt_nvme_ctrlr_data *cd;
	struct spdkrt_nvme_ns *ns;

	CHECK(connect_as(NQN, HOSTNQN, false, false, &ctrlr) == 0);
	cd = spdkrt_nvme_ctrlr_get_data(ctrlr);
	CHECK(strcmp(cd->subnqn, NQN) == 0);
	CHECK(cd->cntlid != 0);
	CHECK(spdkrt_nvme_ctrlr_get_regs_vs(ctrlr) == SPDKRT_NVME_VERSION(1, 3, 0));
	CHECK(SPDKRT_NVME_GET(spdkrt_nvme_ctrlr_get_regs_csts(ctrlr), SPDKRT_NVME_CSTS_RDY) == 1);
	CHECK(spdkrt_nvme_ctrlr_get_first_active_ns(ctrlr) == 1);
	ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	CHECK(ns != NULL);
	CHECK(spdkrt_nvme_ns_get_sector_size(ns) == BLOCK);
	CHECK(spdkrt_nvme_ns_get_num_sectors(ns) == NUM_BLOCKS);
	/* The same controller cannot be attached twice. */
	{
		struct spdkrt_nvme_ctrlr *again = NULL;

		CHECK(connect_as(NQN, HOSTNQN, false, false, &again) == -EEXIST);
	}
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	return 0;
}

static void test_connect_identify(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_identify), 0);
}

static int rw_with_digests(bool hdgst, bool ddgst)
{
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	struct spdkrt_nvme_qpair *qpair = NULL;
	struct spdkrt_nvme_ns *ns;

	CHECK(connect_as(NQN, HOSTNQN, hdgst, ddgst, &ctrlr) == 0);
	ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	CHECK(ns != NULL);
	CHECK(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qpair) == 0);
	/* In-capsule data (up to the target's 8 KiB), then R2T/H2CData, then a split I/O. */
	CHECK(write_read_verify(ns, qpair, 0, 512, 1) == 0);
	CHECK(write_read_verify(ns, qpair, 8, 4096, 2) == 0);
	CHECK(write_read_verify(ns, qpair, 100, 8192, 3) == 0);
	CHECK(write_read_verify(ns, qpair, 200, 8704, 4) == 0);
	CHECK(write_read_verify(ns, qpair, 1000, 65536, 5) == 0);
	CHECK(write_read_verify(ns, qpair, 2000, 128 * 1024, 6) == 0);
	CHECK(write_read_verify(ns, qpair, 4000, 512 * 1024, 7) == 0);
	CHECK(spdkrt_nvme_ctrlr_free_io_qpair(qpair) == 0);
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	return 0;
}

static int host_rw_plain(void)
{
	return rw_with_digests(false, false);
}

static int host_rw_digests(void)
{
	return rw_with_digests(true, true);
}

static void test_rw_verify(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_rw_plain), 0);
}

static void test_rw_digests(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_rw_digests), 0);
}

/* The same over IPv6 (::1): the target listens there too, the host names it with adrfam IPv6. */
static void test_rw_ipv6(void **state)
{
	char addr[64], port[32], saved[32];
	int rc;

	(void)state;
	if (spdkrt_nvmf_tgt_listen(g_tgt, "tcp", "::1", "0") != 0)
		skip(); /* a machine without IPv6 on loopback */
	assert_int_equal(
		spdkrt_nvmf_tgt_get_listener(g_tgt, 1, addr, sizeof(addr), port, sizeof(port)), 0);
	assert_string_equal(addr, "::1");
	snprintf(saved, sizeof(saved), "%s", g_port);
	snprintf(g_port, sizeof(g_port), "%s", port);
	g_host_addr = "adrfam:IPv6 traddr:::1";
	rc = run_host(host_rw_digests);
	g_host_addr = "adrfam:IPv4 traddr:127.0.0.1";
	snprintf(g_port, sizeof(g_port), "%s", saved);
	assert_int_equal(rc, 0);
}

/* Scattered buffers whose pieces are not block multiples, both directions, in parallel. */
static int host_iov_and_queue_depth(void)
{
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	struct spdkrt_nvme_qpair *q1 = NULL, *q2 = NULL;
	static uint8_t out[64][16384], in[64][16384];
	struct io_wait w1 = { 0 }, w2 = { 0 };
	struct spdkrt_nvme_ns *ns;

	CHECK(connect_as(NQN, HOSTNQN, false, true, &ctrlr) == 0);
	ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	CHECK(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &q1) == 0);
	CHECK(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &q2) == 0);
	CHECK(spdkrt_nvme_qpair_get_id(q1) != spdkrt_nvme_qpair_get_id(q2));
	/* 64 writes of 16 KiB in flight, half on each queue pair, from three iovecs each. */
	for (int i = 0; i < 64; i++) {
		struct iovec iov[3] = { { out[i], 1000 },
					{ out[i] + 1000, 7000 },
					{ out[i] + 8000, 8384 } };
		struct spdkrt_nvme_qpair *q = i % 2 ? q2 : q1;
		struct io_wait *w = i % 2 ? &w2 : &w1;

		fill(out[i], sizeof(out[i]), (unsigned)i + 10);
		w->outstanding++;
		CHECK(spdkrt_nvme_ns_cmd_writev_iov(ns, q, iov, 3, (uint64_t)i * 32, 32, io_done, w,
						    0) == 0);
	}
	CHECK(wait_io(q1, &w1) == 0 && wait_io(q2, &w2) == 0);
	CHECK(w1.errors == 0 && w2.errors == 0);
	for (int i = 0; i < 64; i++) {
		struct iovec iov[2] = { { in[i], 4000 }, { in[i] + 4000, 12384 } };
		struct spdkrt_nvme_qpair *q = i % 2 ? q1 : q2;
		struct io_wait *w = i % 2 ? &w1 : &w2;

		w->outstanding++;
		CHECK(spdkrt_nvme_ns_cmd_readv_iov(ns, q, iov, 2, (uint64_t)i * 32, 32, io_done, w,
						   0) == 0);
	}
	CHECK(wait_io(q1, &w1) == 0 && wait_io(q2, &w2) == 0);
	CHECK(w1.errors == 0 && w2.errors == 0);
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	/* One write in more pieces than one writev takes (128 of 512 bytes, through R2T). */
	{
		struct iovec many[128], back = { in[0], 65536 };

		for (int i = 0; i < 128; i++)
			many[i] = (struct iovec){ out[1] + i * 512, 512 };
		memset(in[0], 0, 65536);
		w1.outstanding = 1;
		CHECK(spdkrt_nvme_ns_cmd_writev_iov(ns, q1, many, 128, 4096, 128, io_done, &w1,
						    0) == 0);
		CHECK(wait_io(q1, &w1) == 0 && w1.errors == 0);
		w1.outstanding = 1;
		CHECK(spdkrt_nvme_ns_cmd_readv_iov(ns, q1, &back, 1, 4096, 128, io_done, &w1, 0) ==
		      0);
		CHECK(wait_io(q1, &w1) == 0 && w1.errors == 0);
		CHECK(memcmp(in[0], out[1], 65536) == 0);
	}
	CHECK(spdkrt_nvme_ctrlr_free_io_qpair(q1) == 0);
	CHECK(spdkrt_nvme_ctrlr_free_io_qpair(q2) == 0);
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	return 0;
}

static void test_iov_multi_qpair(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_iov_and_queue_depth), 0);
}

/* Reads completed by C2HData with SUCCESS (no CapsuleResp). */
static int host_c2h_success(void)
{
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	struct spdkrt_nvme_qpair *qpair = NULL;
	struct spdkrt_nvme_ns *ns;

	CHECK(connect_as(NQN, HOSTNQN, true, false, &ctrlr) == 0);
	ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	CHECK(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qpair) == 0);
	CHECK(write_read_verify(ns, qpair, 64, 4096, 21) == 0);
	CHECK(write_read_verify(ns, qpair, 640, 96 * 1024, 22) == 0);
	CHECK(spdkrt_nvme_ctrlr_free_io_qpair(qpair) == 0);
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	return 0;
}

static void test_c2h_success(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_c2h_success), 0);
}

/* A 1 s KATO (the target's minimum), idle for 3.5 KATO periods with only the admin queue
 * polled: the keep alives hold the controller, and the I/O queue still works after. */
static int host_keep_alive(void)
{
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	struct spdkrt_nvme_qpair *qpair = NULL;
	double end;
	int rc;

	g_kato_ms = 1000;
	rc = connect_as(NQN, HOSTNQN, false, false, &ctrlr);
	g_kato_ms = 0;
	CHECK(rc == 0);
	CHECK(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qpair) == 0);
	end = now_s() + 3.5;
	while (now_s() < end) {
		CHECK(spdkrt_nvme_ctrlr_process_admin_completions(ctrlr) >= 0);
		usleep(1000);
	}
	CHECK(!spdkrt_nvme_ctrlr_is_failed(ctrlr));
	CHECK(write_read_verify(spdkrt_nvme_ctrlr_get_ns(ctrlr, 1), qpair, 300, 4096, 9) == 0);
	CHECK(spdkrt_nvme_ctrlr_free_io_qpair(qpair) == 0);
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	return 0;
}

static void test_keep_alive(void **state)
{
	struct spdkrt_nvmf_stats st;

	(void)state;
	assert_int_equal(run_host(host_keep_alive), 0);
	assert_int_equal(spdkrt_nvmf_tgt_get_stats(g_tgt, &st, sizeof(st)), 0);
	assert_int_equal(st.keep_alive_expirations, 0);
}

static int host_refused(void)
{
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	struct spdkrt_nvme_transport_id trid;

	/* A subsystem that does not exist, a host that is not allowed. */
	CHECK(connect_as("nqn.2016-06.io.spdkrt:nope", HOSTNQN, false, false, &ctrlr) < 0);
	CHECK(ctrlr == NULL);
	CHECK(connect_as(NQN, "nqn.2014-08.org.nvmexpress:uuid:not-allowed", false, false,
			 &ctrlr) == -EACCES);
	CHECK(ctrlr == NULL);
	/* No subnqn, a port nobody listens on. */
	CHECK(spdkrt_nvme_transport_id_parse(&trid, "trtype:TCP traddr:127.0.0.1 trsvcid:1") == 0);
	CHECK(spdkrt_nvme_connect(&trid, NULL, &ctrlr) == -EINVAL);
	snprintf(trid.subnqn, sizeof(trid.subnqn), "%s", NQN);
	CHECK(spdkrt_nvme_connect(&trid, NULL, &ctrlr) == -ECONNREFUSED);
	return 0;
}

static void test_refused(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_refused), 0);
}

/* TLS 1.3 PSK (NVMe TP 8011) against the target's secure-channel listener. */
#define SECURE_NQN "nqn.2016-06.io.spdkrt:tcp-host-tls"
#define TLS_KEY "NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:"
#define TLS_KEY48                                                                                  \
	"NVMeTLSkey-1:02:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vcSEgBQ==:"
#define TLS_OTHER_KEY "NVMeTLSkey-1:01:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOeXryU:"
static char g_tls_port[32];

static int host_tls(void)
{
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	struct spdkrt_nvme_qpair *qpair = NULL;
	struct spdkrt_nvme_ns *ns;

	/* The right key: admin and I/O queues over TLS, with digests inside. */
	CHECK(connect_on(g_tls_port, TLS_KEY, SECURE_NQN, HOSTNQN, true, true, &ctrlr) == 0);
	ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	CHECK(ns != NULL);
	CHECK(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qpair) == 0);
	CHECK(write_read_verify(ns, qpair, 0, 4096, 21) == 0);
	CHECK(write_read_verify(ns, qpair, 64, 65536, 22) == 0);
	CHECK(write_read_verify(ns, qpair, 512, 512 * 1024, 23) == 0);
	CHECK(spdkrt_nvme_ctrlr_free_io_qpair(qpair) == 0);
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	/* A wrong key, a key of the other hash, a malformed key: refused, nothing attached. */
	ctrlr = NULL;
	CHECK(connect_on(g_tls_port, TLS_OTHER_KEY, SECURE_NQN, HOSTNQN, false, false, &ctrlr) ==
	      -EACCES);
	CHECK(connect_on(g_tls_port, TLS_KEY48, SECURE_NQN, HOSTNQN, false, false, &ctrlr) < 0);
	CHECK(connect_on(g_tls_port, "NVMeTLSkey-1:01:short:", SECURE_NQN, HOSTNQN, false, false,
			 &ctrlr) == -EINVAL);
	/* Plain TCP to the secure listener; TLS to the plain listener. */
	CHECK(connect_on(g_tls_port, NULL, SECURE_NQN, HOSTNQN, false, false, &ctrlr) < 0);
	CHECK(connect_on(g_port, TLS_KEY, NQN, HOSTNQN, false, false, &ctrlr) < 0);
	CHECK(ctrlr == NULL);
	/* The right key still works after all that. */
	CHECK(connect_on(g_tls_port, TLS_KEY, SECURE_NQN, HOSTNQN, false, false, &ctrlr) == 0);
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	return 0;
}

static void test_tls(void **state)
{
	struct spdkrt_nvmf_subsystem *s;
	struct spdkrt_nvmf_listen_opts lo;
	struct spdkrt_nvmf_host_opts ho;
	char addr[64];

	(void)state;
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=Malloc1,num_blocks=4096,block_size=512", NULL), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_create(g_tgt, SECURE_NQN, &s), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_add_ns(s, "Malloc1", NULL, NULL), 0);
	spdkrt_nvmf_host_opts_init(&ho, sizeof(ho));
	ho.psk = TLS_KEY;
	assert_int_equal(spdkrt_nvmf_subsystem_add_host_ext(s, HOSTNQN, &ho), 0);
	spdkrt_nvmf_listen_opts_init(&lo, sizeof(lo));
	lo.secure_channel = true;
	assert_int_equal(spdkrt_nvmf_tgt_listen_ext(g_tgt, "tcp", "127.0.0.1", "0", &lo), 0);
	assert_int_equal(spdkrt_nvmf_tgt_get_listener(g_tgt, 1, addr, sizeof(addr), g_tls_port,
						      sizeof(g_tls_port)),
			 0);
	log_capture_start();
	{
		int rc = run_host(host_tls);

		if (rc != 0)
			fprintf(stderr, "%s", g_log_capture.text);
		assert_int_equal(rc, 0);
	}
	/* Both ends say why the wrong key failed. */
	assert_non_null(strstr(g_log_capture.text, "the target refused the PSK"));
	assert_logged("PSK was refused");
	log_capture_stop();
	assert_int_equal(spdkrt_nvmf_subsystem_destroy(s), 0);
	poll_n(2000);
	destroy_and_wait("Malloc1");
}

/* Keeps 32 reads in flight until the target goes away; every one must end, none hang. */
struct stream {
	struct spdkrt_nvme_ns *ns;
	struct spdkrt_nvme_qpair *qpair;
	uint8_t bufs[32][4096];
	int outstanding;
	int ok;
	int failed;
	bool stop;
};

static void stream_done(void *arg, const struct spdkrt_nvme_cpl *cpl);

static void stream_submit(struct stream *s, int slot)
{
	if (s->stop)
		return;
	if (spdkrt_nvme_ns_cmd_read(s->ns, s->qpair, s->bufs[slot], (uint64_t)slot * 8, 8,
				    stream_done, s, 0) == 0) {
		s->outstanding++;
		return;
	}
	s->stop = true; /* the controller failed: new commands are refused */
}

static void stream_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct stream *s = arg;

	s->outstanding--;
	if (spdkrt_nvme_cpl_is_error(cpl)) {
		s->failed++;
		s->stop = true;
		return;
	}
	s->ok++;
	stream_submit(s, s->ok % 32);
}

static int host_target_gone(void)
{
	static struct stream s;
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	double deadline;

	memset(&s, 0, sizeof(s));
	CHECK(connect_as(NQN, HOSTNQN, false, false, &ctrlr) == 0);
	s.ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	CHECK(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &s.qpair) == 0);
	for (int i = 0; i < 32; i++)
		stream_submit(&s, i);
	CHECK(s.outstanding == 32);
	deadline = now_s() + 10;
	while (s.ok < 2000 && now_s() < deadline)
		spdkrt_nvme_qpair_process_completions(s.qpair, 0);
	CHECK(s.ok >= 2000);
	atomic_store(&g_action, ACTION_DESTROY_TARGET);
	deadline = now_s() + 15;
	while ((s.outstanding > 0 || !spdkrt_nvme_ctrlr_is_failed(ctrlr)) && now_s() < deadline) {
		spdkrt_nvme_qpair_process_completions(s.qpair, 0);
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
	}
	CHECK(s.outstanding == 0);
	CHECK(spdkrt_nvme_ctrlr_is_failed(ctrlr));
	CHECK(spdkrt_nvme_qpair_process_completions(s.qpair, 0) == -ENXIO);
	{
		uint8_t buf[512];

		CHECK(spdkrt_nvme_ns_cmd_read(s.ns, s.qpair, buf, 0, 1, stream_done, &s, 0) ==
		      -ENXIO);
	}
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	return 0;
}

static void test_target_gone(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_target_gone), 0);
}

/* run_host() with the log captured (and printed if the host fails); the capture stays on. */
static void run_host_captured(int (*fn)(void))
{
	int rc;

	log_capture_start();
	rc = run_host(fn);
	if (rc != 0)
		fprintf(stderr, "%s", g_log_capture.text);
	assert_int_equal(rc, 0);
}

/* Asks the main thread for an action and waits until it is done. */
static int target_action(enum main_action a)
{
	double deadline;

	atomic_store(&g_action, a);
	deadline = now_s() + 10;
	while (atomic_load(&g_action) != ACTION_NONE && now_s() < deadline)
		sched_yield();
	return atomic_load(&g_action) == ACTION_NONE ? 0 : -ETIMEDOUT;
}

/* A read on each pair while the target drops the connections: both fail, transiently. */
static int io_fails_transiently(struct spdkrt_nvme_ctrlr *ctrlr, struct spdkrt_nvme_ns *ns,
				struct spdkrt_nvme_qpair **qp, int nq)
{
	static uint8_t buf[4][4096];
	struct io_wait w[4] = { 0 };
	double deadline = now_s() + 10;

	for (int i = 0; i < nq; i++) {
		w[i].outstanding = 1;
		CHECK(spdkrt_nvme_ns_cmd_read(ns, qp[i], buf[i], 0, 8, io_done, &w[i], 0) == 0);
	}
	CHECK(target_action(ACTION_TARGET_AWAY) == 0);
	for (int i = 0; i < nq; i++) {
		/* The read may have completed before the drop: read until one fails. */
		while (w[i].errors == 0 && now_s() < deadline) {
			spdkrt_nvme_qpair_process_completions(qp[i], 0);
			if (w[i].outstanding == 0 && w[i].errors == 0) {
				w[i].outstanding = 1;
				if (spdkrt_nvme_ns_cmd_read(ns, qp[i], buf[i], 0, 8, io_done, &w[i],
							    0) != 0)
					break; /* refused at once: the controller is failed */
			}
		}
		CHECK(w[i].outstanding == 0 || w[i].errors > 0);
		if (w[i].errors > 0)
			CHECK(SPDKRT_NVME_GET(w[i].last.status, SPDKRT_NVME_STATUS_SC) ==
			      SPDKRT_NVME_SC_TRANSIENT_TRANSPORT_ERROR);
	}
	while (!spdkrt_nvme_ctrlr_is_failed(ctrlr) && now_s() < deadline)
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
	CHECK(spdkrt_nvme_ctrlr_is_failed(ctrlr));
	return 0;
}

/*
 * Reset over TCP: of a working controller (new connections, new controller id), of one whose
 * target dropped every connection (refused while the target is away, then reconnected), with
 * the same queue pair and namespace handles working after each.
 */
static int host_reset_reconnect(void)
{
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	struct spdkrt_nvme_qpair *qp[2] = { NULL, NULL };
	struct spdkrt_nvme_ns *ns;
	uint16_t cntlid;

	CHECK(connect_as(NQN, HOSTNQN, true, true, &ctrlr) == 0);
	ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	CHECK(ns != NULL);
	for (int i = 0; i < 2; i++)
		CHECK(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qp[i]) == 0);
	CHECK(write_read_verify(ns, qp[0], 0, 4096, 31) == 0);
	CHECK(write_read_verify(ns, qp[1], 64, 65536, 32) == 0);
	cntlid = spdkrt_nvme_ctrlr_get_data(ctrlr)->cntlid;

	CHECK(spdkrt_nvme_ctrlr_reset(ctrlr) == 0);
	CHECK(spdkrt_nvme_ctrlr_get_data(ctrlr)->cntlid != cntlid);
	CHECK(spdkrt_nvme_ctrlr_get_ns(ctrlr, 1) == ns);
	CHECK(write_read_verify(ns, qp[0], 8, 4096, 33) == 0);
	CHECK(write_read_verify(ns, qp[1], 256, 65536, 34) == 0);

	CHECK(io_fails_transiently(ctrlr, ns, qp, 2) == 0);
	/* Away: the reset fails with the reason, the controller stays failed. */
	CHECK(spdkrt_nvme_ctrlr_reset(ctrlr) == -ECONNREFUSED);
	CHECK(spdkrt_nvme_ctrlr_is_failed(ctrlr));
	{
		uint8_t buf[512];
		struct io_wait w = { 0 };

		CHECK(spdkrt_nvme_ns_cmd_read(ns, qp[0], buf, 0, 1, io_done, &w, 0) == -ENXIO);
	}
	CHECK(target_action(ACTION_TARGET_BACK) == 0);
	cntlid = spdkrt_nvme_ctrlr_get_data(ctrlr)->cntlid;
	CHECK(spdkrt_nvme_ctrlr_reset(ctrlr) == 0);
	CHECK(!spdkrt_nvme_ctrlr_is_failed(ctrlr));
	CHECK(spdkrt_nvme_ctrlr_get_data(ctrlr)->cntlid != cntlid);
	/* What was written before the loss is there; both pairs work again. */
	{
		static uint8_t want[65536], got[65536];
		struct io_wait w = { 0 };

		fill(want, sizeof(want), 34);
		w.outstanding = 1;
		CHECK(spdkrt_nvme_ns_cmd_read(ns, qp[1], got, 256, 128, io_done, &w, 0) == 0);
		CHECK(wait_io(qp[1], &w) == 0 && w.errors == 0);
		CHECK(memcmp(want, got, sizeof(want)) == 0);
	}
	CHECK(write_read_verify(ns, qp[0], 16, 8192, 35) == 0);
	CHECK(write_read_verify(ns, qp[1], 512, 128 * 1024, 36) == 0);
	for (int i = 0; i < 2; i++)
		CHECK(spdkrt_nvme_ctrlr_free_io_qpair(qp[i]) == 0);
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	return 0;
}

/* An I/O pair owned by another OS thread, reading without pause through resets and a loss. */
struct reader {
	struct spdkrt_nvme_ns *ns;
	struct spdkrt_nvme_qpair *qpair;
	uint8_t buf[4096];
	struct io_wait w;
	atomic_int ok;
	atomic_int failed; /* reads that completed with an error, or were refused with -ENXIO */
	atomic_bool stop;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint64_t lba = 0;

	while (!atomic_load(&r->stop) || r->w.outstanding > 0) {
		if (r->w.outstanding == 0 && !atomic_load(&r->stop)) {
			r->w.errors = 0;
			int rc = spdkrt_nvme_ns_cmd_read(r->ns, r->qpair, r->buf, lba, 8, io_done,
							 &r->w, 0);

			if (rc == 0) {
				r->w.outstanding = 1;
			} else {
				if (rc == -ENXIO) /* failed controller: until a reset */
					atomic_fetch_add(&r->failed, 1);
				sched_yield();
			}
			lba = (lba + 8) % 4096;
		}
		spdkrt_nvme_qpair_process_completions(r->qpair, 0);
		if (r->w.outstanding == 0 && r->w.errors > 0) {
			atomic_fetch_add(&r->failed, 1);
			r->w.errors = 0;
		} else if (r->w.outstanding == 0 && r->w.last.status == 0) {
			atomic_fetch_add(&r->ok, 1);
			r->w.last.status = 0xffff; /* counted */
		}
	}
	return NULL;
}

/* Polls the admin queue until the reader has done n more reads (bounded). */
static int reader_progresses(struct spdkrt_nvme_ctrlr *ctrlr, struct reader *r, int n)
{
	int want = atomic_load(&r->ok) + n;
	double deadline = now_s() + 10;

	while (atomic_load(&r->ok) < want && now_s() < deadline)
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
	return atomic_load(&r->ok) >= want ? 0 : -ETIMEDOUT;
}

static int host_reset_other_thread(void)
{
	static struct reader r;
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	double deadline;
	pthread_t t;

	memset(&r, 0, sizeof(r));
	CHECK(connect_as(NQN, HOSTNQN, false, false, &ctrlr) == 0);
	r.ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	CHECK(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &r.qpair) == 0);
	r.w.last.status = 0xffff;
	CHECK(pthread_create(&t, NULL, reader_main, &r) == 0);
	CHECK(reader_progresses(ctrlr, &r, 100) == 0);
	for (int i = 0; i < 3; i++) {
		CHECK(spdkrt_nvme_ctrlr_reset(ctrlr) == 0);
		CHECK(reader_progresses(ctrlr, &r, 100) == 0);
	}
	CHECK(target_action(ACTION_TARGET_AWAY) == 0);
	deadline = now_s() + 10;
	while (!spdkrt_nvme_ctrlr_is_failed(ctrlr) && now_s() < deadline)
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
	CHECK(spdkrt_nvme_ctrlr_is_failed(ctrlr));
	/* The reader sees the failure (a read failed or refused) before the controller is back:
	 * with the reader descheduled for the whole outage, it would otherwise see nothing. */
	deadline = now_s() + 10;
	while (atomic_load(&r.failed) == 0 && now_s() < deadline)
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
	CHECK(atomic_load(&r.failed) >= 1);
	CHECK(spdkrt_nvme_ctrlr_reset(ctrlr) < 0);
	CHECK(target_action(ACTION_TARGET_BACK) == 0);
	CHECK(spdkrt_nvme_ctrlr_reset(ctrlr) == 0);
	CHECK(reader_progresses(ctrlr, &r, 100) == 0);
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	/* The pair comes back to this thread to be freed. */
	CHECK(spdkrt_nvme_ctrlr_free_io_qpair(r.qpair) == 0);
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	return 0;
}

static void test_reset_other_thread(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_reset_other_thread), 0);
}

/* Polls the admin queue for ms milliseconds. */
static void poll_admin_for(struct spdkrt_nvme_ctrlr *ctrlr, double ms)
{
	double end = now_s() + ms / 1000;

	while (now_s() < end)
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
}

/* The target goes away and comes back within the loss timeout: the admin poll reconnects. */
static int host_auto_reconnect(void)
{
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	struct spdkrt_nvme_qpair *qp = NULL;
	struct spdkrt_nvme_ns *ns;
	double deadline;

	g_reconnect_delay_ms = 100;
	g_ctrlr_loss_timeout_ms = 20000;
	CHECK(connect_as(NQN, HOSTNQN, false, false, &ctrlr) == 0);
	ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	CHECK(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qp) == 0);
	CHECK(write_read_verify(ns, qp, 0, 4096, 41) == 0);
	CHECK(io_fails_transiently(ctrlr, ns, &qp, 1) == 0);
	/* Several attempts fail while the target is away (counted in the log). Not failed is
	 * not asserted here: during an attempt the controller is resetting, not failed. */
	poll_admin_for(ctrlr, 650);
	CHECK(target_action(ACTION_TARGET_BACK) == 0);
	/* A read waits in the pair (the attempt in progress) and completes once reconnected. */
	deadline = now_s() + 10;
	while (spdkrt_nvme_ctrlr_is_failed(ctrlr) && now_s() < deadline)
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
	CHECK(!spdkrt_nvme_ctrlr_is_failed(ctrlr));
	{
		static uint8_t buf[4096];
		struct io_wait w = { .outstanding = 1 };

		CHECK(spdkrt_nvme_ns_cmd_read(ns, qp, buf, 0, 8, io_done, &w, 0) == 0);
		while (w.outstanding > 0 && now_s() < deadline) {
			spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
			spdkrt_nvme_qpair_process_completions(qp, 0);
		}
		CHECK(w.outstanding == 0 && w.errors == 0);
	}
	CHECK(write_read_verify(ns, qp, 8, 65536, 42) == 0);
	CHECK(spdkrt_nvme_ctrlr_free_io_qpair(qp) == 0);
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	return 0;
}

static void test_auto_reconnect(void **state)
{
	(void)state;
	run_host_captured(host_auto_reconnect);
	/* At least one attempt failed while the target was away (how many depends on load). */
	if (strstr(g_log_capture.text, "reconnect: attempt 1 failed") == NULL)
		fprintf(stderr, "%s", g_log_capture.text);
	assert_non_null(strstr(g_log_capture.text, "reconnect: attempt 1 failed"));
	assert_logged("succeeded");
	log_capture_stop();
	g_reconnect_delay_ms = 0;
	g_ctrlr_loss_timeout_ms = 0;
}

/* The target never comes back: after the loss timeout the controller is gone, said once. */
static int g_removals;

static bool loss_probe_cb(void *ctx, const struct spdkrt_nvme_transport_id *trid,
			  struct spdkrt_nvme_ctrlr_opts *opts)
{
	(void)ctx;
	(void)trid;
	snprintf(opts->hostnqn, sizeof(opts->hostnqn), "%s", HOSTNQN);
	opts->reconnect_delay_ms = 100;
	opts->ctrlr_loss_timeout_ms = 700;
	return true;
}

static void loss_attach_cb(void *ctx, const struct spdkrt_nvme_transport_id *trid,
			   struct spdkrt_nvme_ctrlr *ctrlr,
			   const struct spdkrt_nvme_ctrlr_opts *opts)
{
	(void)trid;
	(void)opts;
	*(struct spdkrt_nvme_ctrlr **)ctx = ctrlr;
}

static void loss_remove_cb(void *ctx, struct spdkrt_nvme_ctrlr *ctrlr)
{
	(void)ctx;
	(void)ctrlr;
	g_removals++;
}

static int host_loss_timeout(void)
{
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;
	struct spdkrt_nvme_qpair *qp = NULL;
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ns *ns;
	char text[256];
	double start, deadline;

	g_removals = 0;
	snprintf(text, sizeof(text), "trtype:TCP traddr:127.0.0.1 trsvcid:%s subnqn:%s", g_port,
		 NQN);
	CHECK(spdkrt_nvme_transport_id_parse(&trid, text) == 0);
	CHECK(spdkrt_nvme_probe(&trid, &ctrlr, loss_probe_cb, loss_attach_cb, loss_remove_cb) == 0);
	CHECK(ctrlr != NULL);
	ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, 1);
	CHECK(spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qp) == 0);
	CHECK(write_read_verify(ns, qp, 0, 4096, 51) == 0);
	CHECK(io_fails_transiently(ctrlr, ns, &qp, 1) == 0);
	start = now_s();
	deadline = start + 10;
	while (g_removals == 0 && now_s() < deadline)
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
	CHECK(g_removals == 1);
	/* Not before the timeout (counted from the failure, seen a little after the drop). */
	CHECK(now_s() - start >= 0.5);
	poll_admin_for(ctrlr, 300);
	CHECK(g_removals == 1);
	CHECK(spdkrt_nvme_ctrlr_is_failed(ctrlr));
	CHECK(spdkrt_nvme_ctrlr_reset(ctrlr) == -ENXIO);
	CHECK(spdkrt_nvme_qpair_process_completions(qp, 0) == -ENXIO);
	CHECK(spdkrt_nvme_ctrlr_free_io_qpair(qp) == 0);
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	CHECK(target_action(ACTION_TARGET_BACK) == 0);
	return 0;
}

static void test_loss_timeout(void **state)
{
	(void)state;
	run_host_captured(host_loss_timeout);
	assert_logged("the controller is failed for good");
	log_capture_stop();
}

/* Combinations SPDK refuses are refused too, before any connection. */
static int host_bad_reconnect_opts(void)
{
	static const int32_t combos[][2] = { { 0, 1000 }, { 100, 0 }, { 2000, 1000 }, { 100, -2 } };
	struct spdkrt_nvme_ctrlr *ctrlr = NULL;

	for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		g_reconnect_delay_ms = (uint32_t)combos[i][0];
		g_ctrlr_loss_timeout_ms = combos[i][1];
		CHECK(connect_as(NQN, HOSTNQN, false, false, &ctrlr) == -EINVAL);
		CHECK(ctrlr == NULL);
	}
	g_reconnect_delay_ms = 100;
	g_ctrlr_loss_timeout_ms = -1;
	CHECK(connect_as(NQN, HOSTNQN, false, false, &ctrlr) == 0);
	CHECK(spdkrt_nvme_detach(ctrlr) == 0);
	g_reconnect_delay_ms = 0;
	g_ctrlr_loss_timeout_ms = 0;
	return 0;
}

static void test_bad_reconnect_opts(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_bad_reconnect_opts), 0);
}

static void test_reset_reconnect(void **state)
{
	(void)state;
	run_host_captured(host_reset_reconnect);
	assert_non_null(strstr(g_log_capture.text, "admin queue reconnected"));
	assert_logged("cannot reconnect the admin queue");
	log_capture_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_identify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_digests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iov_multi_qpair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_c2h_success, setup_c2h_success, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_alive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_other_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_reconnect_opts, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
