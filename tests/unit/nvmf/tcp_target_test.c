/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe/TCP target over 127.0.0.1 against a test host on another OS thread: the whole real
 * path (sockets, PDUs, fabrics, admin and I/O commands on a malloc bdev), and the protocol
 * errors a hostile host can make, each of which must end in an error, never a crash.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "../bdev/bdev_fixture.h"
#include "../common/host_thread.h"
#include "test_host.h"

#include <spdkrt/nvmf.h>

#define NQN "nqn.2016-06.io.spdk:cnode1"
#define BLOCK 512u
#define NUM_BLOCKS 16384u

static struct spdkrt_nvmf_tgt *g_tgt;
static struct spdkrt_nvmf_subsystem *g_subsys;
static uint16_t g_port;

/* A host thread asks the main (target) thread to do something, then waits. */
enum main_action {
	ACTION_NONE,
	ACTION_ADD_NS2,
	ACTION_REMOVE_NS2
};
static atomic_int g_action;

static void main_do_action(void)
{
	int a = atomic_load(&g_action);

	if (a == ACTION_ADD_NS2) {
		struct spdkrt_nvmf_ns_opts o;

		spdkrt_nvmf_ns_opts_init(&o, sizeof(o));
		o.nsid = 2;
		assert_int_equal(spdkrt_nvmf_subsystem_add_ns(g_subsys, "Malloc1", &o, NULL), 0);
	} else if (a == ACTION_REMOVE_NS2) {
		assert_int_equal(spdkrt_nvmf_subsystem_remove_ns(g_subsys, 2), 0);
	}
	if (a != ACTION_NONE)
		atomic_store(&g_action, ACTION_NONE);
}

static void host_request(int action)
{
	atomic_store(&g_action, action);
	while (atomic_load(&g_action) != ACTION_NONE)
		usleep(1000);
}

static void poll_target(void)
{
	spdkrt_thread_poll(g_thread, 0, 0);
	main_do_action();
}

/* Run fn on a host thread while this thread polls the target; returns fn's result. */
static int run_host(int (*fn)(void))
{
	int rc = run_on_host_thread(fn, poll_target);

	/* Let the target notice closed connections. */
	poll_n(2000);
	return rc;
}

static int setup(void **state)
{
	char addr[64], port[32];

	fixture_setup(state);
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=Malloc0,num_blocks=16384,block_size=512", NULL), 0);
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=Malloc1,num_blocks=2048,block_size=4096", NULL), 0);
	assert_int_equal(spdkrt_nvmf_tgt_create(NULL, &g_tgt), 0);
	assert_int_equal(spdkrt_nvmf_tgt_add_poll_group(g_tgt), 0);
	assert_int_equal(spdkrt_nvmf_tgt_add_poll_group(g_tgt), -EEXIST);
	assert_int_equal(spdkrt_nvmf_tgt_listen(g_tgt, "tcp", "127.0.0.1", "0"), 0);
	assert_int_equal(
		spdkrt_nvmf_tgt_get_listener(g_tgt, 0, addr, sizeof(addr), port, sizeof(port)), 0);
	g_port = (uint16_t)atoi(port);
	assert_int_equal(spdkrt_nvmf_subsystem_create(g_tgt, NQN, &g_subsys), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_add_host(g_subsys, TEST_HOSTNQN), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_add_ns(g_subsys, "Malloc0", NULL, NULL), 0);
	return 0;
}

static void destroyed(void *ctx, int status)
{
	*(int *)ctx = status == 0 ? 1 : -1;
}

static int teardown(void **state)
{
	struct spdkrt_nvmf_stats st = { 0 };
	int done = 0;

	assert_int_equal(spdkrt_nvmf_tgt_get_stats(g_tgt, &st, sizeof(st)), 0);
	assert_int_equal(st.connections_open, 0);
	assert_int_equal(spdkrt_nvmf_tgt_destroy(g_tgt, destroyed, &done), 0);
	poll_until(done != 0);
	assert_int_equal(done, 1);
	destroy_and_wait("Malloc0");
	destroy_and_wait("Malloc1");
	return fixture_teardown(state);
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 9));
}

static int rw(struct test_host *h, uint8_t opc, uint32_t nsid, uint64_t slba, uint32_t nlb,
	      void *buf, uint32_t len, bool icd, struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_nvme_cmd c;

	memset(&c, 0, sizeof(c));
	c.opc = opc;
	c.nsid = nsid;
	c.cdw10 = (uint32_t)slba;
	c.cdw11 = (uint32_t)(slba >> 32);
	c.cdw12 = nlb - 1;
	if (opc == SPDKRT_NVME_OPC_READ)
		return host_cmd(h, &c, NULL, 0, false, buf, len, cpl);
	return host_cmd(h, &c, buf, len, icd, NULL, 0, cpl);
}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "host check failed at line %d: %s\n", __LINE__, #cond);    \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

static int identify(struct test_host *h, uint8_t cns, uint32_t nsid, void *buf,
		    struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_nvme_cmd c;

	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_IDENTIFY;
	c.nsid = nsid;
	c.cdw10 = cns;
	return host_cmd(h, &c, NULL, 0, false, buf, 4096, cpl);
}

/* Admin path: registers, Identify, features, log pages, keep-alive. */
static int host_admin(void)
{
	struct test_host h;
	struct spdkrt_nvme_cpl cpl;
	static struct spdkrt_nvme_ctrlr_data cd;
	static struct spdkrt_nvme_ns_data nd;
	static uint8_t buf[4096];
	struct spdkrt_nvme_cmd c;
	uint64_t cap = 0, vs = 0;

	CHECK(host_attach(&h, g_port, NQN, 0, false) == 0);
	CHECK(host_prop_get(&h, SPDKRT_NVME_REG_CAP, true, &cap) == 0);
	CHECK(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_MQES) == 127);
	CHECK(host_prop_get(&h, SPDKRT_NVME_REG_VS, false, &vs) == 0);
	CHECK(vs == SPDKRT_NVME_VERSION(1, 3, 0));
	/* CAP is 8 bytes: a 4-byte read of it is refused. */
	CHECK(host_prop_get(&h, SPDKRT_NVME_REG_CAP, false, &cap) == -EIO);
	CHECK(identify(&h, SPDKRT_NVME_IDENTIFY_CTRLR, 0, &cd, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(strcmp(cd.subnqn, NQN) == 0);
	CHECK(cd.cntlid == h.cntlid);
	CHECK(cd.nvmf_specific.ioccsz == (64 + 8192) / 16);
	CHECK(cd.nvmf_specific.iorcsz == 1 && cd.nvmf_specific.icdoff == 0);
	CHECK(cd.nn == SPDKRT_NVMF_MAX_NAMESPACES && cd.mdts == 5 && cd.kas > 0);
	CHECK((cd.sgls & 3) == 1);
	CHECK(identify(&h, SPDKRT_NVME_IDENTIFY_NS, 1, &nd, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(nd.nsze == NUM_BLOCKS && nd.lbaf[0].lbads == 9);
	/* Inactive namespace: zeroes; NSID 0: invalid. */
	CHECK(identify(&h, SPDKRT_NVME_IDENTIFY_NS, 7, &nd, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && nd.nsze == 0);
	CHECK(identify(&h, SPDKRT_NVME_IDENTIFY_NS, 0, &nd, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_INVALID_NAMESPACE_OR_FORMAT));
	CHECK(identify(&h, SPDKRT_NVME_IDENTIFY_ACTIVE_NS_LIST, 0, buf, &cpl) == 0);
	CHECK(((uint32_t *)buf)[0] == 1 && ((uint32_t *)buf)[1] == 0);
	CHECK(identify(&h, SPDKRT_NVME_IDENTIFY_NS_ID_DESCRIPTOR_LIST, 1, buf, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(buf[0] == SPDKRT_NVME_NIDT_NGUID && buf[1] == 16 && buf[20] == SPDKRT_NVME_NIDT_UUID);
	/* Features Linux sets at connect. */
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_SET_FEATURES;
	c.cdw10 = SPDKRT_NVME_FEAT_NUMBER_OF_QUEUES;
	c.cdw11 = 0x003f003f;
	CHECK(host_cmd(&h, &c, NULL, 0, false, NULL, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && cpl.cdw0 == 0x000f000f);
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_SET_FEATURES;
	c.cdw10 = SPDKRT_NVME_FEAT_ASYNC_EVENT_CONFIGURATION;
	c.cdw11 = 1u << 8;
	CHECK(host_cmd(&h, &c, NULL, 0, false, NULL, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_GET_FEATURES;
	c.cdw10 = SPDKRT_NVME_FEAT_ASYNC_EVENT_CONFIGURATION;
	CHECK(host_cmd(&h, &c, NULL, 0, false, NULL, 0, &cpl) == 0);
	CHECK(cpl.cdw0 == 1u << 8);
	/* Log pages: SMART, firmware slot, and an unknown one. */
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_GET_LOG_PAGE;
	c.cdw10 = SPDKRT_NVME_LOG_HEALTH_INFORMATION | ((512 / 4 - 1) << 16);
	CHECK(host_cmd(&h, &c, NULL, 0, false, buf, 512, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && buf[3] == 100);
	c.cdw10 = 0x7e | ((512 / 4 - 1) << 16);
	CHECK(host_cmd(&h, &c, NULL, 0, false, buf, 512, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(1, SPDKRT_NVME_SC_INVALID_LOG_PAGE));
	/* Unknown admin opcode, Keep Alive. */
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_CREATE_IO_SQ;
	CHECK(host_cmd(&h, &c, NULL, 0, false, NULL, 0, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_INVALID_OPCODE));
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_KEEP_ALIVE;
	CHECK(host_cmd(&h, &c, NULL, 0, false, NULL, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	host_close(&h);
	return 0;
}

static void test_admin(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_admin), 0);
}

/* I/O path, with and without digests: in-capsule writes, R2T writes, reads, the other
 * commands, and the errors an I/O can get. */
static int host_io(bool digests)
{
	struct test_host h, io;
	struct spdkrt_nvme_cpl cpl;
	struct spdkrt_nvme_cmd c;
	static uint8_t wbuf[128 * 1024], rbuf[128 * 1024];
	struct spdkrt_nvme_dsm_range range = { .length = 8, .starting_lba = 100 };

	CHECK(host_attach(&h, g_port, NQN, 0, digests) == 0);
	CHECK(host_attach_io(&io, &h, g_port, NQN, 1, digests) == 0);
	/* 4 KiB in the capsule, 128 KiB through R2T, read both back. */
	fill(wbuf, sizeof(wbuf), digests);
	CHECK(rw(&io, SPDKRT_NVME_OPC_WRITE, 1, 8, 8, wbuf, 4096, true, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(rw(&io, SPDKRT_NVME_OPC_WRITE, 1, 1000, 256, wbuf, sizeof(wbuf), false, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 1, 8, 8, rbuf, 4096, false, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && memcmp(rbuf, wbuf, 4096) == 0);
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 1, 1000, 256, rbuf, sizeof(rbuf), false, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && memcmp(rbuf, wbuf, sizeof(wbuf)) == 0);
	/* Compare: equal, then different. */
	CHECK(rw(&io, SPDKRT_NVME_OPC_COMPARE, 1, 8, 8, wbuf, 4096, true, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(rw(&io, SPDKRT_NVME_OPC_COMPARE, 1, 9, 8, wbuf, 4096, true, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(2, SPDKRT_NVME_SC_COMPARE_FAILURE));
	/* Write zeroes and deallocate read back as zeroes (malloc bdev). */
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_WRITE_ZEROES;
	c.nsid = 1;
	c.cdw10 = 8;
	c.cdw12 = 7;
	CHECK(host_cmd(&io, &c, NULL, 0, false, NULL, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 1, 8, 8, rbuf, 4096, false, &cpl) == 0);
	for (int i = 0; i < 4096; i++)
		CHECK(rbuf[i] == 0);
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_DATASET_MANAGEMENT;
	c.nsid = 1;
	c.cdw11 = SPDKRT_NVME_DSM_ATTR_DEALLOCATE;
	CHECK(host_cmd(&io, &c, &range, sizeof(range), true, NULL, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_FLUSH;
	c.nsid = 1;
	CHECK(host_cmd(&io, &c, NULL, 0, false, NULL, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	/* Errors: past the end, a namespace that does not exist, a length mismatch. */
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 1, NUM_BLOCKS - 4, 8, rbuf, 4096, false, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_LBA_OUT_OF_RANGE));
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 9, 0, 8, rbuf, 4096, false, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_INVALID_NAMESPACE_OR_FORMAT));
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 1, 0, 8, rbuf, 2048, false, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_DATA_SGL_LENGTH_INVALID));
	/* Property Get is an admin-queue command. */
	{
		uint64_t v;

		CHECK(host_prop_get(&io, SPDKRT_NVME_REG_CAP, true, &v) == -EIO);
	}
	host_close(&io);
	host_close(&h);
	return 0;
}

static int host_io_plain(void)
{
	return host_io(false);
}

static int host_io_digests(void)
{
	return host_io(true);
}

static void test_io(void **state)
{
	struct spdkrt_nvmf_stats st = { 0 };

	(void)state;
	assert_int_equal(run_host(host_io_plain), 0);
	assert_int_equal(run_host(host_io_digests), 0);
	assert_int_equal(spdkrt_nvmf_tgt_get_stats(g_tgt, &st, sizeof(st)), 0);
	assert_true(st.bytes_written >= 2 * (4096 + 128 * 1024));
	assert_true(st.bytes_read >= 2 * (4096 + 128 * 1024));
	assert_true(st.command_errors > 0);
	assert_int_equal(st.protocol_errors, 0);
}

/* A namespace added while connected raises an event; the changed list names it. */
static int host_hot_add(void)
{
	struct test_host h, io;
	struct spdkrt_nvme_cpl cpl, aer;
	struct spdkrt_nvme_cmd c, aer_cmd;
	static uint32_t list[1024];
	static uint8_t buf[8192];

	CHECK(host_attach(&h, g_port, NQN, 0, false) == 0);
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_SET_FEATURES;
	c.cdw10 = SPDKRT_NVME_FEAT_ASYNC_EVENT_CONFIGURATION;
	c.cdw11 = 1u << 8;
	CHECK(host_cmd(&h, &c, NULL, 0, false, NULL, 0, &cpl) == 0);
	/* The AER stays outstanding: send its capsule by hand and go on. */
	memset(&aer_cmd, 0, sizeof(aer_cmd));
	aer_cmd.opc = SPDKRT_NVME_OPC_ASYNC_EVENT_REQUEST;
	aer_cmd.cid = 0x7000;
	{
		struct srt_tcp_capsule_cmd cap;

		memset(&cap, 0, sizeof(cap));
		cap.ch.pdu_type = SRT_TCP_PDU_CAPSULE_CMD;
		cap.ccsqe = aer_cmd;
		CHECK(host_send_pdu(&h, &cap, sizeof(cap), NULL, 0) == 0);
	}
	host_request(ACTION_ADD_NS2);
	CHECK(host_recv_resp(&h, &aer) == 0);
	CHECK(aer.cid == 0x7000 && !spdkrt_nvme_cpl_is_error(&aer));
	CHECK(SPDKRT_NVME_GET(aer.cdw0, SPDKRT_NVME_AER_TYPE) == SPDKRT_NVME_AER_TYPE_NOTICE);
	CHECK(SPDKRT_NVME_GET(aer.cdw0, SPDKRT_NVME_AER_LID) == SPDKRT_NVME_LOG_CHANGED_NS_LIST);
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_GET_LOG_PAGE;
	c.cdw10 = SPDKRT_NVME_LOG_CHANGED_NS_LIST | ((4096 / 4 - 1) << 16);
	CHECK(host_cmd(&h, &c, NULL, 0, false, list, 4096, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && list[0] == 2 && list[1] == 0);
	/* The new namespace (4 KiB blocks) takes I/O. */
	CHECK(host_attach_io(&io, &h, g_port, NQN, 1, false) == 0);
	fill(buf, sizeof(buf), 3);
	CHECK(rw(&io, SPDKRT_NVME_OPC_WRITE, 2, 5, 2, buf, 8192, true, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	memset(buf, 0, sizeof(buf));
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 2, 5, 2, buf, 8192, false, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	{
		static uint8_t want[8192];

		fill(want, sizeof(want), 3);
		CHECK(memcmp(buf, want, sizeof(buf)) == 0);
	}
	/* Removed: I/O to it fails at once. */
	host_request(ACTION_REMOVE_NS2);
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 2, 5, 2, buf, 8192, false, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_INVALID_NAMESPACE_OR_FORMAT));
	host_close(&io);
	host_close(&h);
	return 0;
}

static void test_hot_add(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_hot_add), 0);
}

/* Connect refusals: unknown subsystem, a host not on the list, an I/O queue of no controller,
 * commands before Connect. */
static int host_refusals(void)
{
	struct test_host h;
	struct spdkrt_nvme_cpl cpl;
	struct spdkrt_nvme_cmd c;
	static uint8_t buf[4096];

	CHECK(host_open(&h, g_port) == 0);
	CHECK(host_icreq(&h, false, false) == 0);
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_IDENTIFY;
	c.cdw10 = SPDKRT_NVME_IDENTIFY_CTRLR;
	CHECK(host_cmd(&h, &c, NULL, 0, false, buf, 4096, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_COMMAND_SEQUENCE_ERROR));
	CHECK(host_connect(&h, "nqn.2016-06.io.spdk:nothere", TEST_HOSTNQN, 0, 31, 0, 0xffff,
			   &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(1, SPDKRT_NVMF_SC_INVALID_PARAM));
	CHECK(cpl.cdw0 == ((1u << 16) | 256)); /* subnqn, in the data */
	CHECK(host_connect(&h, NQN, "nqn.2014-08.org.example:intruder", 0, 31, 0, 0xffff, &cpl) ==
	      0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(1, SPDKRT_NVMF_SC_INVALID_HOST));
	CHECK(host_connect(&h, NQN, TEST_HOSTNQN, 1, 31, 0, 77, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(1, SPDKRT_NVMF_SC_INVALID_PARAM));
	CHECK(host_connect(&h, NQN, TEST_HOSTNQN, 0, 5000, 0, 0xffff, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(1, SPDKRT_NVMF_SC_INVALID_PARAM));
	/* After all that, a good Connect still works on the same queue. */
	CHECK(host_connect(&h, NQN, TEST_HOSTNQN, 0, 31, 0, 0xffff, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	host_close(&h);
	return 0;
}

static void test_refusals(void **state)
{
	(void)state;
	log_capture_start();
	assert_int_equal(run_host(host_refusals), 0);
	assert_logged("is not allowed on");
	log_capture_stop();
}

/* Discovery: the log lists the subsystem on the listener, at any offset. */
static int host_discovery(void)
{
	struct test_host h;
	struct spdkrt_nvme_cpl cpl;
	struct spdkrt_nvme_cmd c;
	static uint8_t log[3072];
	const struct spdkrt_nvmf_discovery_log_page *hdr = (const void *)log;
	const struct spdkrt_nvmf_discovery_log_entry *e = (const void *)(log + 1024);
	char port[8];

	CHECK(host_attach(&h, g_port, SPDKRT_NVMF_DISCOVERY_NQN, 0, false) == 0);
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_GET_LOG_PAGE;
	c.cdw10 = SPDKRT_NVME_LOG_DISCOVERY | ((sizeof(log) / 4 - 1) << 16);
	CHECK(host_cmd(&h, &c, NULL, 0, false, log, sizeof(log), &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(hdr->numrec == 1 && hdr->genctr > 0);
	CHECK(e->trtype == SPDKRT_NVMF_TRTYPE_TCP && e->adrfam == SPDKRT_NVMF_ADRFAM_IPV4);
	CHECK(e->subtype == SPDKRT_NVMF_SUBTYPE_NVME && strcmp(e->subnqn, NQN) == 0);
	CHECK(strncmp(e->traddr, "127.0.0.1 ", 10) == 0);
	snprintf(port, sizeof(port), "%u", g_port);
	CHECK(strncmp(e->trsvcid, port, strlen(port)) == 0);
	/* The entry alone, by offset; and past the end: zeroes. */
	c.cdw10 = SPDKRT_NVME_LOG_DISCOVERY | ((1024 / 4 - 1) << 16);
	c.cdw12 = 1024;
	memset(log, 0xff, sizeof(log));
	CHECK(host_cmd(&h, &c, NULL, 0, false, log, 1024, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && strcmp(((const char *)log) + 256, NQN) == 0);
	c.cdw12 = 4096;
	CHECK(host_cmd(&h, &c, NULL, 0, false, log, 1024, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && log[0] == 0 && log[1023] == 0);
	/* No I/O queue on a discovery controller. */
	{
		struct test_host io;

		CHECK(host_open(&io, g_port) == 0);
		CHECK(host_icreq(&io, false, false) == 0);
		CHECK(host_connect(&io, SPDKRT_NVMF_DISCOVERY_NQN, TEST_HOSTNQN, 1, 31, 0, h.cntlid,
				   &cpl) == 0);
		CHECK(cpl_sct_sc(&cpl) == SCT_SC(1, SPDKRT_NVMF_SC_INVALID_PARAM));
		host_close(&io);
	}
	host_close(&h);
	return 0;
}

static void test_discovery(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_discovery), 0);
}

/* Send raw bytes after an optional ICReq; expect a C2HTermReq with fes/fei and a close. */
static int expect_term(bool icreq, bool digests, const void *pdu, size_t len, uint16_t fes,
		       uint32_t fei)
{
	struct test_host h;
	struct spdkrt_nvme_cpl cpl;

	CHECK(host_open(&h, g_port) == 0);
	if (icreq)
		CHECK(host_icreq(&h, digests, digests) == 0);
	CHECK(host_send(&h, pdu, len) == 0);
	CHECK(host_recv_resp(&h, &cpl) == -EPROTO);
	if (h.term_fes != fes || h.term_fei != fei)
		fprintf(stderr, "TermReq fes %u fei %u, expected %u %u\n", h.term_fes, h.term_fei,
			fes, fei);
	CHECK(h.term_fes == fes && h.term_fei == fei);
	CHECK(host_sees_close(&h));
	host_close(&h);
	return 0;
}

static int host_hostile(void)
{
	struct srt_tcp_capsule_cmd cap;
	struct srt_tcp_ic_req icreq;
	struct srt_tcp_data_hdr d;
	uint8_t raw[128];

	/* A capsule before ICReq. */
	memset(&cap, 0, sizeof(cap));
	srt_tcp_ch_init(&cap.ch, SRT_TCP_PDU_CAPSULE_CMD, 0, 72, 0, 72);
	CHECK(expect_term(false, false, &cap, sizeof(cap), SRT_TCP_FES_PDU_SEQUENCE_ERROR, 0) == 0);
	/* ICReq with a protocol version the target does not speak. */
	memset(&icreq, 0, sizeof(icreq));
	srt_tcp_ch_init(&icreq.ch, SRT_TCP_PDU_ICREQ, 0, 128, 0, 128);
	icreq.pfv = 1;
	CHECK(expect_term(false, false, &icreq, sizeof(icreq), SRT_TCP_FES_INVALID_HEADER_FIELD,
			  8) == 0);
	/* A PDU type hosts never send, a wrong hlen, an absurd plen. */
	memset(raw, 0, sizeof(raw));
	srt_tcp_ch_init((struct srt_tcp_ch *)raw, SRT_TCP_PDU_R2T, 0, 24, 0, 24);
	CHECK(expect_term(true, false, raw, 24, SRT_TCP_FES_INVALID_HEADER_FIELD, 0) == 0);
	srt_tcp_ch_init(&cap.ch, SRT_TCP_PDU_CAPSULE_CMD, 0, 64, 0, 72);
	CHECK(expect_term(true, false, &cap, sizeof(cap), SRT_TCP_FES_INVALID_HEADER_FIELD, 2) ==
	      0);
	srt_tcp_ch_init(&cap.ch, SRT_TCP_PDU_CAPSULE_CMD, 0, 72, 72, 0x7fffffff);
	CHECK(expect_term(true, false, &cap, sizeof(cap), SRT_TCP_FES_DATA_OUT_OF_RANGE, 4) == 0);
	/* A header digest that does not match. */
	memset(raw, 0, sizeof(raw));
	srt_tcp_ch_init((struct srt_tcp_ch *)raw, SRT_TCP_PDU_CAPSULE_CMD, SRT_TCP_FLAG_HDGSTF, 72,
			0, 76);
	CHECK(expect_term(true, true, raw, 76, SRT_TCP_FES_HDGST_ERROR, 0) == 0);
	/* H2CData no R2T asked for. */
	memset(&d, 0, sizeof(d));
	srt_tcp_ch_init(&d.ch, SRT_TCP_PDU_H2C_DATA, SRT_TCP_FLAG_LAST_PDU, 24, 24, 24 + 16);
	d.datal = 16;
	memset(raw, 0, sizeof(raw));
	memcpy(raw, &d, sizeof(d));
	CHECK(expect_term(true, false, raw, 40, SRT_TCP_FES_INVALID_HEADER_FIELD,
			  offsetof(struct srt_tcp_data_hdr, cccid)) == 0);
	return 0;
}

static void test_hostile_pdus(void **state)
{
	struct spdkrt_nvmf_stats st = { 0 };

	(void)state;
	log_capture_start();
	assert_int_equal(run_host(host_hostile), 0);
	assert_logged("protocol error");
	log_capture_stop();
	assert_int_equal(spdkrt_nvmf_tgt_get_stats(g_tgt, &st, sizeof(st)), 0);
	assert_int_equal(st.protocol_errors, 7);
}

/* H2CData outside its R2T; a data digest that does not match (the command fails, the
 * connection stays); a host that vanishes with a write half sent. */
static int host_data_errors(void)
{
	struct test_host h, io;
	struct spdkrt_nvme_cpl cpl;
	struct spdkrt_nvme_cmd c;
	struct srt_tcp_capsule_cmd cap;
	struct srt_tcp_r2t r2t;
	struct srt_tcp_data_hdr d;
	static uint8_t buf[65536];

	CHECK(host_attach(&h, g_port, NQN, 0, true) == 0);
	CHECK(host_attach_io(&io, &h, g_port, NQN, 1, true) == 0);
	io.corrupt_ddgst = true;
	CHECK(rw(&io, SPDKRT_NVME_OPC_WRITE, 1, 0, 8, buf, 4096, true, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_TRANSIENT_TRANSPORT_ERROR));
	CHECK(rw(&io, SPDKRT_NVME_OPC_WRITE, 1, 0, 8, buf, 4096, true, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	/* A 64 KiB write: take the R2T, then send data at the wrong offset. */
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_WRITE;
	c.nsid = 1;
	c.cdw12 = 127;
	c.cid = 0x55;
	c.dptr.sgl1.id = SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_TRANSPORT_DATA_BLOCK,
					    SPDKRT_NVME_SGL_SUBTYPE_TRANSPORT);
	c.dptr.sgl1.length = sizeof(buf);
	memset(&cap, 0, sizeof(cap));
	cap.ch.pdu_type = SRT_TCP_PDU_CAPSULE_CMD;
	cap.ccsqe = c;
	CHECK(host_send_pdu(&io, &cap, sizeof(cap), NULL, 0) == 0);
	CHECK(host_recv(&io, &r2t, sizeof(r2t)) == 0 && host_recv(&io, buf, 4) == 0);
	CHECK(r2t.ch.pdu_type == SRT_TCP_PDU_R2T && r2t.r2tl == sizeof(buf) && r2t.cccid == 0x55);
	memset(&d, 0, sizeof(d));
	d.ch.pdu_type = SRT_TCP_PDU_H2C_DATA;
	d.cccid = 0x55;
	d.ttag = r2t.ttag;
	d.datao = 4096;
	d.datal = 4096;
	CHECK(host_send_pdu(&io, &d, sizeof(d), buf, 4096) == 0);
	CHECK(host_recv_resp(&io, &cpl) == -EPROTO);
	CHECK(io.term_fes == SRT_TCP_FES_DATA_OUT_OF_RANGE);
	CHECK(host_sees_close(&io));
	host_close(&io);
	/* A new I/O queue (same id: the old one is released) that vanishes mid-write. */
	CHECK(host_attach_io(&io, &h, g_port, NQN, 1, true) == 0);
	c.cid = 0x56;
	cap.ccsqe = c;
	CHECK(host_send_pdu(&io, &cap, sizeof(cap), NULL, 0) == 0);
	CHECK(host_recv(&io, &r2t, sizeof(r2t)) == 0);
	d.cccid = 0x56;
	d.datao = 0;
	d.ttag = r2t.ttag;
	io.ddgst = false; /* the digest is cut off anyway */
	CHECK(host_send_pdu(&io, &d, sizeof(d), buf, 1000) == 0);
	host_close(&io);
	host_close(&h);
	return 0;
}

static void test_data_errors(void **state)
{
	(void)state;
	log_capture_start();
	assert_int_equal(run_host(host_data_errors), 0);
	assert_logged("data digest");
	log_capture_stop();
}

static int host_keep_alive_expiry(void)
{
	struct test_host h;

	/* Keep-alive 1 s (the target's minimum), then silence: the target must hang up. */
	int rc = host_attach(&h, g_port, NQN, 1000, false);

	if (rc != 0)
		fprintf(stderr, "attach: %d\n", rc);
	CHECK(rc == 0);
	CHECK(host_sees_close(&h));
	host_close(&h);
	return 0;
}

/* TLS 1.3 PSK (NVMe TP 8011): a secure listener and a subsystem whose host has a key. */
#define SECURE_NQN "nqn.2016-06.io.spdk:secure1"
#define TLS_KEY "NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:"
#define TLS_OTHER_KEY "NVMeTLSkey-1:01:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOeXryU:"
static uint16_t g_tls_port;

/* The discovery entry of the listener on port, or NULL. */
static const struct spdkrt_nvmf_discovery_log_entry *find_entry(const uint8_t *log, uint16_t port)
{
	const struct spdkrt_nvmf_discovery_log_page *hdr = (const void *)log;
	char want[8];

	snprintf(want, sizeof(want), "%u ", port);
	for (uint64_t i = 0; i < hdr->numrec && i < 3; i++) {
		const struct spdkrt_nvmf_discovery_log_entry *e =
			(const void *)(log + 1024 * (i + 1));

		if (strncmp(e->trsvcid, want, strlen(want)) == 0)
			return e;
	}
	return NULL;
}

static int host_tls_data(void)
{
	struct test_host h, io;
	struct spdkrt_nvme_cpl cpl;
	static uint8_t wbuf[32768], rbuf[32768];

	/* Admin and I/O queues over TLS, with digests inside; ICD and R2T writes, reads. */
	CHECK(host_open_tls(&h, g_tls_port, TLS_KEY, TEST_HOSTNQN, SECURE_NQN) == 0);
	CHECK(host_attach_opened(&h, SECURE_NQN, 0, true) == 0);
	CHECK(host_open_tls(&io, g_tls_port, TLS_KEY, TEST_HOSTNQN, SECURE_NQN) == 0);
	CHECK(host_icreq(&io, true, true) == 0);
	CHECK(host_connect(&io, SECURE_NQN, TEST_HOSTNQN, 1, 31, 0, h.cntlid, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	fill(wbuf, sizeof(wbuf), 11);
	CHECK(rw(&io, SPDKRT_NVME_OPC_WRITE, 1, 8, 8, wbuf, 4096, true, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(rw(&io, SPDKRT_NVME_OPC_WRITE, 1, 16, 64, wbuf, 32768, false, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 1, 16, 64, rbuf, 32768, false, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && memcmp(rbuf, wbuf, 32768) == 0);
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 1, 8, 8, rbuf, 4096, false, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && memcmp(rbuf, wbuf, 4096) == 0);
	host_close(&io);
	host_close(&h);
	return 0;
}

static int host_tls_refusals(void)
{
	struct test_host h;
	struct spdkrt_nvme_cpl cpl;
	static uint8_t log[4096];
	const struct spdkrt_nvmf_discovery_log_entry *e;
	struct spdkrt_nvme_cmd c;
	int rc;

	/* Discovery (plain listener) reports the secure listener's requirements. */
	CHECK(host_attach(&h, g_port, SPDKRT_NVMF_DISCOVERY_NQN, 0, false) == 0);
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_GET_LOG_PAGE;
	c.cdw10 = SPDKRT_NVME_LOG_DISCOVERY | ((sizeof(log) / 4 - 1) << 16);
	CHECK(host_cmd(&h, &c, NULL, 0, false, log, sizeof(log), &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	e = find_entry(log, g_tls_port);
	CHECK(e != NULL && e->treq == 0x1 && e->tsas.sectype == 2);
	e = find_entry(log, g_port);
	CHECK(e != NULL && e->treq == 0x2 && e->tsas.sectype == 0);
	host_close(&h);
	/* A wrong key and an unknown host: the handshake fails. */
	rc = host_open_tls(&h, g_tls_port, TLS_OTHER_KEY, TEST_HOSTNQN, SECURE_NQN);
	host_close(&h);
	CHECK(rc < 0 && rc != -EAGAIN);
	rc = host_open_tls(&h, g_tls_port, TLS_KEY, "nqn.2014-08.org.example:stranger", SECURE_NQN);
	host_close(&h);
	CHECK(rc < 0 && rc != -EAGAIN);
	/* The right key for one subsystem does not open another on that connection. */
	CHECK(host_open_tls(&h, g_tls_port, TLS_KEY, TEST_HOSTNQN, SECURE_NQN) == 0);
	CHECK(host_icreq(&h, false, false) == 0);
	CHECK(host_connect(&h, NQN, TEST_HOSTNQN, 0, 31, 0, 0xffff, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(1, SPDKRT_NVMF_SC_INVALID_HOST));
	host_close(&h);
	/* Plaintext NVMe/TCP to the secure listener: the connection ends. */
	CHECK(host_open(&h, g_tls_port) == 0);
	CHECK(host_icreq(&h, false, false) != 0);
	host_close(&h);
	/* A host that has a key may not connect without TLS. */
	CHECK(host_open(&h, g_port) == 0);
	CHECK(host_icreq(&h, false, false) == 0);
	CHECK(host_connect(&h, SECURE_NQN, TEST_HOSTNQN, 0, 31, 0, 0xffff, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(1, SPDKRT_NVMF_SC_INVALID_HOST));
	host_close(&h);
	/* After all that, the right key still works. */
	CHECK(host_open_tls(&h, g_tls_port, TLS_KEY, TEST_HOSTNQN, SECURE_NQN) == 0);
	CHECK(host_attach_opened(&h, SECURE_NQN, 0, false) == 0);
	host_close(&h);
	return 0;
}

/* A peer that starts a TLS handshake and stalls: the target hangs up once its 10 s are over. */
static int host_tls_stall(void)
{
	/* A handshake record of 512 bytes announced, never sent. */
	static const uint8_t record_start[] = { 0x16, 0x03, 0x01, 0x02, 0x00 };
	struct timeval tv = { .tv_sec = 30 }; /* well beyond the target's 10 s */
	struct test_host h;

	CHECK(host_open(&h, g_tls_port) == 0);
	setsockopt(h.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	CHECK(send(h.fd, record_start, sizeof(record_start), 0) == (ssize_t)sizeof(record_start));
	CHECK(host_sees_close(&h));
	host_close(&h);
	return 0;
}

static void test_tls(void **state)
{
	struct spdkrt_nvmf_subsystem *s;
	struct spdkrt_nvmf_listen_opts lo;
	struct spdkrt_nvmf_host_opts ho;
	char addr[64], port[32];

	(void)state;
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=Malloc2,num_blocks=4096,block_size=512", NULL), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_create(g_tgt, SECURE_NQN, &s), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_add_ns(s, "Malloc2", NULL, NULL), 0);
	assert_int_equal(spdkrt_nvmf_host_opts_init(&ho, sizeof(ho)), 0);
	assert_null(ho.psk);
	/* Keys are checked when added. */
	ho.psk = "NVMeTLSkey-1:01:WRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:";
	assert_int_equal(spdkrt_nvmf_subsystem_add_host_ext(s, TEST_HOSTNQN, &ho), -EINVAL);
	ho.psk = TLS_KEY;
	assert_int_equal(spdkrt_nvmf_subsystem_add_host_ext(s, TEST_HOSTNQN, &ho), 0);
	assert_true(spdkrt_nvmf_subsystem_host_has_psk(s, TEST_HOSTNQN));
	assert_false(spdkrt_nvmf_subsystem_host_has_psk(g_subsys, TEST_HOSTNQN));
	assert_int_equal(spdkrt_nvmf_listen_opts_init(&lo, sizeof(lo)), 0);
	assert_false(lo.secure_channel);
	lo.secure_channel = true;
	assert_int_equal(spdkrt_nvmf_tgt_listen_ext(g_tgt, "tcp", "127.0.0.1", "0", &lo), 0);
	assert_int_equal(
		spdkrt_nvmf_tgt_get_listener(g_tgt, 1, addr, sizeof(addr), port, sizeof(port)), 0);
	assert_false(spdkrt_nvmf_tgt_listener_is_secure(g_tgt, 0));
	assert_true(spdkrt_nvmf_tgt_listener_is_secure(g_tgt, 1));
	g_tls_port = (uint16_t)atoi(port);

	assert_int_equal(run_host(host_tls_data), 0);
	log_capture_start();
	assert_int_equal(run_host(host_tls_refusals), 0);
	/* Each refusal says why (assert_logged clears the capture: check the others first). */
	assert_non_null(strstr(g_log_capture.text, "PSK was refused"));
	assert_non_null(strstr(g_log_capture.text, "no TLS PSK for host "
						   "nqn.2014-08.org.example:stranger"));
	assert_non_null(strstr(g_log_capture.text, "of another host or subsystem"));
	assert_logged("must connect over TLS");
	log_capture_stop();
	log_capture_start();
	assert_int_equal(run_host(host_tls_stall), 0);
	assert_logged("no Connect within 10000 ms");
	log_capture_stop();

	assert_int_equal(spdkrt_nvmf_tgt_stop_listen(g_tgt, "tcp", "127.0.0.1", port), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_destroy(s), 0);
	poll_n(2000);
	destroy_and_wait("Malloc2");
}

static void test_keep_alive_expiry(void **state)
{
	struct spdkrt_nvmf_stats st = { 0 };

	(void)state;
	log_capture_start();
	assert_int_equal(run_host(host_keep_alive_expiry), 0);
	assert_logged("no Keep Alive within 1000 ms");
	log_capture_stop();
	assert_int_equal(spdkrt_nvmf_tgt_get_stats(g_tgt, &st, sizeof(st)), 0);
	assert_int_equal(st.keep_alive_expirations, 1);
}

/* A capsule sent by hand (so that its answer can be read later), with a fixed command id. */
static int send_capsule(struct test_host *h, struct spdkrt_nvme_cmd *c)
{
	struct srt_tcp_capsule_cmd cap;

	memset(&cap, 0, sizeof(cap));
	cap.ch.pdu_type = SRT_TCP_PDU_CAPSULE_CMD;
	c->flags = (uint8_t)SPDKRT_NVME_SET(SPDKRT_NVME_CMD_PSDT, SPDKRT_NVME_PSDT_SGL_MPTR_CONTIG);
	cap.ccsqe = *c;
	return host_send_pdu(h, &cap, sizeof(cap), NULL, 0);
}

static void abort_cmd(struct spdkrt_nvme_cmd *c, uint16_t sqid, uint16_t cid)
{
	memset(c, 0, sizeof(*c));
	c->opc = SPDKRT_NVME_OPC_ABORT;
	c->cdw10 = sqid | (uint32_t)cid << 16;
}

static int read_error_log(struct test_host *h, struct spdkrt_nvme_error_information_entry *log)
{
	struct spdkrt_nvme_cmd c;
	struct spdkrt_nvme_cpl cpl;

	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_GET_LOG_PAGE;
	c.cdw10 = SPDKRT_NVME_LOG_ERROR | ((16 * 64 / 4 - 1) << 16);
	if (host_cmd(h, &c, NULL, 0, false, log, 16 * 64, &cpl) != 0 ||
	    spdkrt_nvme_cpl_is_error(&cpl))
		return -EIO;
	return 0;
}

/*
 * Abort: a write still waiting for its R2T data is aborted (and its data never lands), a
 * parked AER is aborted, a command that is not there is not; and the Error Information log
 * lists the failed commands, newest first.
 */
static int host_abort(void)
{
	struct test_host h, io;
	struct spdkrt_nvme_cpl cpl;
	struct spdkrt_nvme_cmd c;
	struct srt_tcp_r2t r2t;
	static struct spdkrt_nvme_error_information_entry log[16];
	static struct spdkrt_nvme_ctrlr_data cd;
	static uint8_t old[4096], new[4096], back[4096];

	CHECK(host_attach(&h, g_port, NQN, 0, false) == 0);
	CHECK(host_attach_io(&io, &h, g_port, NQN, 1, false) == 0);
	CHECK(identify(&h, SPDKRT_NVME_IDENTIFY_CTRLR, 0, &cd, &cpl) == 0);
	CHECK(cd.elpe == 15);
	CHECK(read_error_log(&h, log) == 0 && log[0].error_count == 0);
	fill(old, sizeof(old), 5);
	fill(new, sizeof(new), 6);
	CHECK(rw(&io, SPDKRT_NVME_OPC_WRITE, 1, 200, 8, old, 4096, true, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	/* A write without in-capsule data: the target asks for the data and waits. */
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_WRITE;
	c.nsid = 1;
	c.cdw10 = 200;
	c.cdw12 = 7;
	c.cid = 0x7077;
	c.dptr.sgl1.id = SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_TRANSPORT_DATA_BLOCK,
					    SPDKRT_NVME_SGL_SUBTYPE_TRANSPORT);
	c.dptr.sgl1.length = sizeof(new);
	CHECK(send_capsule(&io, &c) == 0);
	CHECK(host_recv(&io, &r2t, sizeof(r2t)) == 0);
	CHECK(r2t.ch.pdu_type == SRT_TCP_PDU_R2T && r2t.cccid == 0x7077);
	/* Aborted while it waits (CDW0 bit 0 clear); the data still comes, and is dropped. */
	abort_cmd(&c, 1, 0x7077);
	CHECK(host_cmd(&h, &c, NULL, 0, false, NULL, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && (cpl.cdw0 & 1) == 0);
	CHECK(host_answer_r2t(&io, &r2t, new) == 0);
	CHECK(host_recv_resp(&io, &cpl) == 0 && cpl.cid == 0x7077);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_ABORTED_BY_REQUEST));
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 1, 200, 8, back, 4096, false, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && memcmp(back, old, sizeof(old)) == 0);
	/* Nothing to abort: a finished command, an unknown one, a queue that is not there. */
	abort_cmd(&c, 1, 0x7077);
	CHECK(host_cmd(&h, &c, NULL, 0, false, NULL, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && (cpl.cdw0 & 1) == 1);
	abort_cmd(&c, 5, 1);
	CHECK(host_cmd(&h, &c, NULL, 0, false, NULL, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && (cpl.cdw0 & 1) == 1);
	/* A parked Asynchronous Event Request: it completes as aborted, before the Abort. */
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_ASYNC_EVENT_REQUEST;
	c.cid = 0x7001;
	CHECK(send_capsule(&h, &c) == 0);
	abort_cmd(&c, 0, 0x7001);
	c.cid = 0x7002;
	CHECK(send_capsule(&h, &c) == 0);
	CHECK(host_recv_resp(&h, &cpl) == 0 && cpl.cid == 0x7001);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_ABORTED_BY_REQUEST));
	CHECK(host_recv_resp(&h, &cpl) == 0 && cpl.cid == 0x7002 && (cpl.cdw0 & 1) == 0);
	/* The error log: newest first, counts one apart, the failed read's LBA. */
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 1, NUM_BLOCKS - 4, 8, back, 4096, false, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_LBA_OUT_OF_RANGE));
	CHECK(read_error_log(&h, log) == 0);
	CHECK(log[0].error_count == 3 && log[0].sqid == 1 && log[0].cid == cpl.cid);
	CHECK(log[0].lba == NUM_BLOCKS - 4 && log[0].nsid == 1);
	CHECK(SPDKRT_NVME_GET(log[0].status, SPDKRT_NVME_STATUS_SC) ==
	      SPDKRT_NVME_SC_LBA_OUT_OF_RANGE);
	CHECK(log[1].error_count == 2 && log[1].sqid == 0 && log[1].cid == 0x7001);
	CHECK(log[2].error_count == 1 && log[2].sqid == 1 && log[2].cid == 0x7077);
	CHECK(log[3].error_count == 0);
	host_close(&io);
	host_close(&h);
	return 0;
}

static void test_abort(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_abort), 0);
}

/* Host PDU data alignment: C2H data starts where the host's HPDA asked, with or without
 * digests, on the admin queue (Identify) and an I/O queue (a read). */
static int host_hpda_once(bool digests)
{
	struct test_host h, io;
	struct spdkrt_nvme_cpl cpl;
	static struct spdkrt_nvme_ctrlr_data cd;
	static uint8_t data[4096], back[4096];

	CHECK(host_attach_aligned(&h, g_port, NQN, 0, digests, 3) == 0);
	CHECK(identify(&h, SPDKRT_NVME_IDENTIFY_CTRLR, 0, &cd, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && strcmp(cd.subnqn, NQN) == 0);
	CHECK(h.last_c2h_pdo == 32); /* 24 (+4) rounded up to 16 */
	CHECK(host_open(&io, g_port) == 0);
	io.hpda = 31;
	CHECK(host_icreq(&io, digests, digests) == 0);
	CHECK(host_connect(&io, NQN, TEST_HOSTNQN, 1, 31, 0, h.cntlid, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	fill(data, sizeof(data), 9);
	CHECK(rw(&io, SPDKRT_NVME_OPC_WRITE, 1, 300, 8, data, 4096, true, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(rw(&io, SPDKRT_NVME_OPC_READ, 1, 300, 8, back, 4096, false, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && memcmp(back, data, sizeof(data)) == 0);
	CHECK(io.last_c2h_pdo == 128);
	host_close(&io);
	host_close(&h);
	return 0;
}

static int host_hpda(void)
{
	CHECK(host_hpda_once(false) == 0);
	CHECK(host_hpda_once(true) == 0);
	return 0;
}

static void test_hpda(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_hpda), 0);
}

/* Per-subsystem listeners: NQN2 names only a second listener. */
#define NQN2 "nqn.2016-06.io.spdk:only-on-port2"
static uint16_t g_port2;

static int host_subsys_listeners(void)
{
	struct test_host h;
	struct spdkrt_nvme_cpl cpl;
	struct spdkrt_nvme_cmd c;
	static uint8_t log[1024 + 4 * 1024];
	const struct spdkrt_nvmf_discovery_log_page *hdr = (const void *)log;
	const struct spdkrt_nvmf_discovery_log_entry *e = (const void *)(log + 1024);
	char port2[8];
	unsigned nqn_entries = 0;

	/* Through the first listener, NQN2 is not there; through its own, it is. */
	CHECK(host_open(&h, g_port) == 0);
	CHECK(host_icreq(&h, false, false) == 0);
	CHECK(host_connect(&h, NQN2, TEST_HOSTNQN, 0, 31, 0, 0xffff, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(1, SPDKRT_NVMF_SC_INVALID_PARAM));
	host_close(&h);
	CHECK(host_attach(&h, g_port2, NQN2, 0, false) == 0);
	host_close(&h);
	/* The discovery log: NQN on both listeners, NQN2 only on the second. */
	CHECK(host_attach(&h, g_port, SPDKRT_NVMF_DISCOVERY_NQN, 0, false) == 0);
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_GET_LOG_PAGE;
	c.cdw10 = SPDKRT_NVME_LOG_DISCOVERY | ((sizeof(log) / 4 - 1) << 16);
	CHECK(host_cmd(&h, &c, NULL, 0, false, log, sizeof(log), &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(hdr->numrec == 3);
	snprintf(port2, sizeof(port2), "%u", g_port2);
	for (unsigned i = 0; i < 3; i++) {
		if (strcmp(e[i].subnqn, NQN) == 0) {
			nqn_entries++;
			continue;
		}
		CHECK(strcmp(e[i].subnqn, NQN2) == 0);
		CHECK(strncmp(e[i].trsvcid, port2, strlen(port2)) == 0);
	}
	CHECK(nqn_entries == 2);
	host_close(&h);
	return 0;
}

static void test_subsys_listeners(void **state)
{
	struct spdkrt_nvmf_subsystem *s2;
	char addr[64], port[32], port1[32];

	(void)state;
	snprintf(port1, sizeof(port1), "%u", g_port);
	assert_int_equal(spdkrt_nvmf_tgt_listen(g_tgt, "tcp", "127.0.0.1", "0"), 0);
	assert_int_equal(
		spdkrt_nvmf_tgt_get_listener(g_tgt, 1, addr, sizeof(addr), port, sizeof(port)), 0);
	g_port2 = (uint16_t)atoi(port);
	assert_int_equal(spdkrt_nvmf_subsystem_create(g_tgt, NQN2, &s2), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_set_allow_any_host(s2, true), 0);
	log_capture_start();
	/* Only the target's own listeners can be named, once each. */
	assert_int_equal(spdkrt_nvmf_subsystem_add_listener(s2, "tcp", "127.0.0.1", "1"), -ENOENT);
	assert_logged("does not listen on 127.0.0.1 port 1");
	assert_int_equal(spdkrt_nvmf_subsystem_add_listener(s2, "tcp", "127.0.0.1", port), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_add_listener(s2, "tcp", "127.0.0.1", port), -EEXIST);
	assert_int_equal(spdkrt_nvmf_subsystem_add_listener(s2, "rdma", "127.0.0.1", port),
			 -EINVAL);
	assert_int_equal(spdkrt_nvmf_subsystem_get_listener(s2, 0, addr, sizeof(addr), port1,
							    sizeof(port1)),
			 0);
	assert_string_equal(addr, "127.0.0.1");
	assert_string_equal(port1, port);
	assert_int_equal(spdkrt_nvmf_subsystem_get_listener(s2, 1, addr, sizeof(addr), port1,
							    sizeof(port1)),
			 -ENOENT);
	assert_int_equal(run_host(host_subsys_listeners), 0);
	assert_logged("which does not listen where this connection came in");
	log_capture_stop();
	assert_int_equal(spdkrt_nvmf_subsystem_remove_listener(s2, "tcp", "127.0.0.1", port), 0);
	assert_int_equal(spdkrt_nvmf_subsystem_remove_listener(s2, "tcp", "127.0.0.1", port),
			 -ENOENT);
	assert_int_equal(spdkrt_nvmf_subsystem_destroy(s2), 0);
	assert_int_equal(spdkrt_nvmf_tgt_stop_listen(g_tgt, "tcp", "127.0.0.1", port), 0);
	poll_n(100);
}

/* A reservation command on namespace 1: key data in the capsule, or the report read back. */
static int resv(struct test_host *h, uint8_t opc, uint32_t cdw10, uint64_t k1, uint64_t k2,
		struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_nvme_cmd c;
	uint64_t keys[2] = { k1, k2 };

	memset(&c, 0, sizeof(c));
	c.opc = opc;
	c.nsid = 1;
	c.cdw10 = cdw10;
	return host_cmd(h, &c, keys, opc == SPDKRT_NVME_OPC_RESERVATION_RELEASE ? 8 : 16, true,
			NULL, 0, cpl);
}

#define RESV(action, rtype) ((uint32_t)(action) | (uint32_t)(rtype) << 8)
#define CONFLICT SCT_SC(0, SPDKRT_NVME_SC_RESERVATION_CONFLICT)

/* The status of a 4 KiB read or write at LBA 400 by io. */
static uint16_t io_status(struct test_host *io, uint8_t opc)
{
	static uint8_t buf[4096];
	struct spdkrt_nvme_cpl cpl;

	if (rw(io, opc, 1, 400, 8, buf, sizeof(buf), opc == SPDKRT_NVME_OPC_WRITE, &cpl) != 0)
		return 0xffff;
	return cpl_sct_sc(&cpl);
}

static int report(struct test_host *h, bool eds, uint8_t *buf, uint32_t len,
		  struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_nvme_cmd c;

	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_RESERVATION_REPORT;
	c.nsid = 1;
	c.cdw10 = len / 4 - 1;
	c.cdw11 = eds ? 1 : 0;
	return host_cmd(h, &c, NULL, 0, false, buf, len, cpl);
}

/* Two hosts (host ids 0x5a.. and 0x6b..) share namespace 1 under reservations. */
static int host_reservations(void)
{
	struct test_host a, aio, b, bio;
	struct spdkrt_nvme_cpl cpl;
	static struct spdkrt_nvme_ns_data nd;
	static uint8_t rep[64 + 2 * 64];
	const struct spdkrt_nvme_reservation_status_data *st = (const void *)rep;

	CHECK(host_attach(&a, g_port, NQN, 0, false) == 0);
	CHECK(host_attach_io(&aio, &a, g_port, NQN, 1, false) == 0);
	CHECK(host_open(&b, g_port) == 0);
	b.hostid_fill = 0x6b;
	CHECK(host_attach_opened(&b, NQN, 0, false) == 0);
	CHECK(host_open(&bio, g_port) == 0);
	bio.hostid_fill = 0x6b;
	CHECK(host_icreq(&bio, false, false) == 0);
	CHECK(host_connect(&bio, NQN, TEST_HOSTNQN, 1, 31, 0, b.cntlid, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(identify(&a, SPDKRT_NVME_IDENTIFY_NS, 1, &nd, &cpl) == 0);
	CHECK((nd.rescap & SPDKRT_NVME_RESCAP_WRITE_EXCLUSIVE) != 0);
	/* A Report with no buffer to fill (the queue's first command: no buffer yet) is refused. */
	CHECK(report(&aio, true, NULL, 0, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_DATA_SGL_LENGTH_INVALID));
	/* Both register; the report lists them (extended format only). */
	CHECK(resv(&aio, SPDKRT_NVME_OPC_RESERVATION_REGISTER, 0, 0, 0xA1, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(resv(&bio, SPDKRT_NVME_OPC_RESERVATION_REGISTER, 0, 0, 0xB2, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(report(&aio, false, rep, sizeof(rep), &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_HOSTID_INCONSISTENT_FORMAT));
	CHECK(report(&aio, true, rep, sizeof(rep), &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl) && st->regctl[0] == 2 && st->rtype == 0);
	/* A takes Write Exclusive; B cannot (nor A with a wrong key). */
	CHECK(resv(&aio, SPDKRT_NVME_OPC_RESERVATION_ACQUIRE, RESV(0, 1), 0xA1, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(resv(&bio, SPDKRT_NVME_OPC_RESERVATION_ACQUIRE, RESV(0, 1), 0xB2, 0, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == CONFLICT);
	CHECK(resv(&aio, SPDKRT_NVME_OPC_RESERVATION_ACQUIRE, RESV(0, 1), 0xA2, 0, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == CONFLICT);
	/* B may read, not write; A does both. */
	CHECK(io_status(&bio, SPDKRT_NVME_OPC_WRITE) == CONFLICT);
	CHECK(io_status(&bio, SPDKRT_NVME_OPC_READ) == 0);
	CHECK(io_status(&aio, SPDKRT_NVME_OPC_WRITE) == 0);
	CHECK(report(&bio, true, rep, sizeof(rep), &cpl) == 0);
	CHECK(st->rtype == 1 && rep[64 + 2] + rep[128 + 2] == 1); /* one holder */
	/* Release needs the type held; then B writes. */
	CHECK(resv(&aio, SPDKRT_NVME_OPC_RESERVATION_RELEASE, RESV(0, 2), 0xA1, 0, &cpl) == 0);
	CHECK(cpl_sct_sc(&cpl) == SCT_SC(0, SPDKRT_NVME_SC_INVALID_FIELD));
	CHECK(resv(&aio, SPDKRT_NVME_OPC_RESERVATION_RELEASE, RESV(0, 1), 0xA1, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(io_status(&bio, SPDKRT_NVME_OPC_WRITE) == 0);
	/* Exclusive Access keeps B from reading; B preempts A, who is then unregistered. */
	CHECK(resv(&aio, SPDKRT_NVME_OPC_RESERVATION_ACQUIRE, RESV(0, 2), 0xA1, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(io_status(&bio, SPDKRT_NVME_OPC_READ) == CONFLICT);
	CHECK(resv(&bio, SPDKRT_NVME_OPC_RESERVATION_ACQUIRE, RESV(1, 1), 0xB2, 0xA1, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(io_status(&aio, SPDKRT_NVME_OPC_WRITE) == CONFLICT);
	CHECK(io_status(&aio, SPDKRT_NVME_OPC_READ) == 0);
	CHECK(report(&aio, true, rep, sizeof(rep), &cpl) == 0);
	CHECK(st->regctl[0] == 1 && st->rtype == 1 && rep[64 + 2] == 1 && rep[64 + 16] == 0x6b);
	/* Clear: no registrant, no reservation. */
	CHECK(resv(&bio, SPDKRT_NVME_OPC_RESERVATION_RELEASE, RESV(1, 0), 0xB2, 0, &cpl) == 0);
	CHECK(!spdkrt_nvme_cpl_is_error(&cpl));
	CHECK(io_status(&aio, SPDKRT_NVME_OPC_WRITE) == 0);
	CHECK(report(&aio, true, rep, sizeof(rep), &cpl) == 0);
	CHECK(st->regctl[0] == 0 && st->rtype == 0);
	host_close(&bio);
	host_close(&b);
	host_close(&aio);
	host_close(&a);
	return 0;
}

static void test_reservations(void **state)
{
	(void)state;
	assert_int_equal(run_host(host_reservations), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admin),        cmocka_unit_test(test_io),
		cmocka_unit_test(test_hot_add),      cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_discovery),    cmocka_unit_test(test_hostile_pdus),
		cmocka_unit_test(test_data_errors),  cmocka_unit_test(test_keep_alive_expiry),
		cmocka_unit_test(test_abort),        cmocka_unit_test(test_hpda),
		cmocka_unit_test(test_tls),          cmocka_unit_test(test_subsys_listeners),
		cmocka_unit_test(test_reservations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
