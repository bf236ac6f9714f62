/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe over Fabrics discovery, host side: discovery log entries to transport
 * IDs, and the real driver over TCP against the fake target
 * (tcp_fake_target.c): a log of many entries read in pieces, a log that changes
 * during the read (read again), one that never stops changing, one that claims
 * a hostile number of entries, a controller without log page offsets, and a
 * probe through the discovery service attaching every subsystem it lists.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>
#include <spdkrt/nvme.h>
#include <spdkrt/thread.h>

#include "tcp_fake_target.h"

static void make_entry(struct spdkrt_nvmf_discovery_log_entry *e, const char *traddr,
		       const char *trsvcid, const char *subnqn)
{
	memset(e, 0, sizeof(*e));
	e->trtype = SPDKRT_NVMF_TRTYPE_TCP;
	e->adrfam = SPDKRT_NVMF_ADRFAM_IPV4;
	e->subtype = SPDKRT_NVMF_SUBTYPE_NVME;
	memset(e->traddr, ' ', sizeof(e->traddr));
	memcpy(e->traddr, traddr, strlen(traddr));
	memset(e->trsvcid, ' ', sizeof(e->trsvcid));
	memcpy(e->trsvcid, trsvcid, strlen(trsvcid));
	snprintf(e->subnqn, sizeof(e->subnqn), "%s", subnqn);
}

static void test_entry_to_trid(void **state)
{
	struct spdkrt_nvmf_discovery_log_entry e;
	struct spdkrt_nvme_transport_id trid;

	(void)state;
	make_entry(&e, "127.0.0.1", "4420", "nqn.2026-12.io.spdkrt:a");
	assert_int_equal(spdkrt_nvme_discovery_entry_to_trid(&e, &trid), 0);
	assert_int_equal(trid.trtype, SPDKRT_NVME_TRANSPORT_TCP);
	assert_int_equal(trid.adrfam, SPDKRT_NVMF_ADRFAM_IPV4);
	assert_string_equal(trid.traddr, "127.0.0.1");
	assert_string_equal(trid.trsvcid, "4420");
	assert_string_equal(trid.subnqn, "nqn.2026-12.io.spdkrt:a");

	/* A field filling its whole width has no NUL: the NQN (256) is longer than a
   * trid's. */
	memset(e.subnqn, 'q', sizeof(e.subnqn));
	log_capture_start();
	assert_int_equal(spdkrt_nvme_discovery_entry_to_trid(&e, &trid), -EINVAL);
	assert_logged("too long");
	/* Empty address */
	make_entry(&e, "", "4420", "nqn.2026-12.io.spdkrt:a");
	assert_int_equal(spdkrt_nvme_discovery_entry_to_trid(&e, &trid), -EINVAL);
	/* RDMA and an unknown address family are not ours */
	make_entry(&e, "127.0.0.1", "4420", "nqn.2026-12.io.spdkrt:a");
	e.trtype = SPDKRT_NVMF_TRTYPE_RDMA;
	assert_int_equal(spdkrt_nvme_discovery_entry_to_trid(&e, &trid), -ENOTSUP);
	assert_logged("not TCP");
	e.trtype = SPDKRT_NVMF_TRTYPE_TCP;
	e.adrfam = 9;
	assert_int_equal(spdkrt_nvme_discovery_entry_to_trid(&e, &trid), -ENOTSUP);
	assert_int_equal(spdkrt_nvme_discovery_entry_to_trid(NULL, &trid), -EINVAL);
	assert_int_equal(spdkrt_nvme_discovery_entry_to_trid(&e, NULL), -EINVAL);
	assert_int_equal(spdkrt_nvme_ctrlr_get_discovery_log(NULL, NULL, NULL), -EINVAL);
	log_capture_stop();
}

/* What a discovery read delivered. */
struct log_result {
	bool done;
	int rc;
	uint64_t genctr;
	uint64_t numrec;
	bool entries_ok;
};

static void log_read(void *arg, int rc, const struct spdkrt_nvmf_discovery_log_page *hdr,
		     const struct spdkrt_nvmf_discovery_log_entry *entries)
{
	struct log_result *r = arg;

	r->done = true;
	r->rc = rc;
	if (rc != 0) {
		assert_null(hdr);
		assert_null(entries);
		return;
	}
	r->genctr = hdr->genctr;
	r->numrec = hdr->numrec;
	r->entries_ok = true;
	for (uint64_t i = 0; i < hdr->numrec; i++) {
		char want[64];

		snprintf(want, sizeof(want), "nqn.2026-12.io.spdkrt:sub%llu",
			 (unsigned long long)i);
		if (strcmp(entries[i].subnqn, want) != 0 || entries[i].portid != i)
			r->entries_ok = false;
	}
}

/* Connects to the fake's discovery controller and reads the log; the result in
 * *r. */
static void read_log(const struct fake_target_opts *fo, struct log_result *r, struct fake_target *t)
{
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr *ctrlr;
	uint64_t end;
	char text[256];

	memset(r, 0, sizeof(*r));
	assert_int_equal(fake_target_start(t, fo), 0);
	fake_target_trid(t, text, sizeof(text));
	assert_int_equal(spdkrt_nvme_transport_id_parse(&trid, text), 0);
	assert_int_equal(spdkrt_nvme_connect(&trid, NULL, &ctrlr), 0);
	assert_int_equal(spdkrt_nvme_ctrlr_get_data(ctrlr)->cntrltype, 2);
	assert_int_equal(spdkrt_nvme_ctrlr_get_discovery_log(ctrlr, log_read, r), 0);
	end = spdkrt_get_ticks() + 10 * spdkrt_get_ticks_hz();
	while (!r->done && spdkrt_get_ticks() < end)
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
	assert_true(r->done);
	assert_int_equal(spdkrt_nvme_detach(ctrlr), 0);
	fake_target_stop(t);
}

static void test_many_entries(void **state)
{
	struct fake_target_opts fo = { .discovery = true, .numrec = 11 };
	struct fake_target t;
	struct log_result r;

	(void)state;
	read_log(&fo, &r, &t);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.numrec, 11);
	assert_true(r.entries_ok);
	/* header, 3 chunks of at most 4 entries, header again */
	assert_int_equal(t.log_reads, 5);
}

static void test_empty_log(void **state)
{
	struct fake_target_opts fo = { .discovery = true, .numrec = 0 };
	struct fake_target t;
	struct log_result r;

	(void)state;
	read_log(&fo, &r, &t);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.numrec, 0);
}

static void test_genctr_changes(void **state)
{
	/* The log gains an entry after the second read (the first chunk): read again.
   */
	struct fake_target_opts fo = { .discovery = true, .numrec = 6, .genctr_bump_reads = 2 };
	struct fake_target t;
	struct log_result r;

	(void)state;
	read_log(&fo, &r, &t);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.genctr, 2);
	assert_int_equal(r.numrec, 7);
	assert_true(r.entries_ok);
	/* header, 2 chunks, header (changed); 2 chunks of the new generation, header */
	assert_int_equal(t.log_reads, 7);
}

static void test_genctr_never_settles(void **state)
{
	struct fake_target_opts fo = { .discovery = true, .numrec = 2, .genctr_bump_always = 1 };
	struct fake_target t;
	struct log_result r;

	(void)state;
	log_capture_start();
	read_log(&fo, &r, &t);
	assert_int_equal(r.rc, -EAGAIN);
	assert_logged("kept changing");
	log_capture_stop();
}

static void test_hostile_numrec(void **state)
{
	struct fake_target_opts fo = { .discovery = true,
				       .numrec = 1,
				       .claimed_numrec = 1ull << 40 };
	struct fake_target t;
	struct log_result r;

	(void)state;
	log_capture_start();
	read_log(&fo, &r, &t);
	assert_int_equal(r.rc, -EPROTO);
	assert_logged("claims");
	log_capture_stop();
}

static void test_no_offsets(void **state)
{
	/* LPA.EDLP clear: the header and the entries come in one read. */
	struct fake_target_opts fo = { .discovery = true, .numrec = 5, .no_edlp = true };
	struct fake_target t;
	struct log_result r;

	(void)state;
	read_log(&fo, &r, &t);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.numrec, 5);
	assert_true(r.entries_ok);
	assert_int_equal(t.log_reads, 2);
}

struct attached {
	struct spdkrt_nvme_ctrlr *ctrlrs[8];
	unsigned n;
};

static void attach_cb(void *ctx, const struct spdkrt_nvme_transport_id *trid,
		      struct spdkrt_nvme_ctrlr *ctrlr, const struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct attached *a = ctx;

	(void)opts;
	assert_string_not_equal(trid->subnqn, SPDKRT_NVMF_DISCOVERY_NQN);
	assert_true(a->n < 8);
	a->ctrlrs[a->n++] = ctrlr;
}

static void test_probe_through_discovery(void **state)
{
	/* Three subsystems listed, each pointing back at the fake (an I/O
   * controller). */
	struct fake_target_opts fo = { .discovery = true, .numrec = 3 };
	struct spdkrt_nvme_transport_id trid;
	struct attached a = { .n = 0 };
	struct fake_target t;
	char text[256];

	(void)state;
	assert_int_equal(fake_target_start(&t, &fo), 0);
	fake_target_trid(&t, text, sizeof(text));
	assert_int_equal(spdkrt_nvme_transport_id_parse(&trid, text), 0);
	assert_int_equal(spdkrt_nvme_probe(&trid, &a, NULL, attach_cb, NULL), 0);
	assert_int_equal(a.n, 3);
	for (unsigned i = 0; i < a.n; i++) {
		const struct spdkrt_nvme_transport_id *got =
			spdkrt_nvme_ctrlr_get_transport_id(a.ctrlrs[i]);

		assert_non_null(strstr(got->subnqn, "nqn.2026-12.io.spdkrt:sub"));
		assert_int_equal(spdkrt_nvme_ctrlr_get_data(a.ctrlrs[i])->cntrltype, 1);
		assert_int_equal(spdkrt_nvme_ctrlr_get_first_active_ns(a.ctrlrs[i]), 1);
	}
	/* Probing again attaches nothing new: they are all attached. */
	assert_int_equal(spdkrt_nvme_probe(&trid, &a, NULL, attach_cb, NULL), 0);
	assert_int_equal(a.n, 3);
	for (unsigned i = 0; i < a.n; i++)
		assert_int_equal(spdkrt_nvme_detach(a.ctrlrs[i]), 0);
	fake_target_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_to_trid),
		cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_empty_log),
		cmocka_unit_test(test_genctr_changes),
		cmocka_unit_test(test_genctr_never_settles),
		cmocka_unit_test(test_hostile_numrec),
		cmocka_unit_test(test_no_offsets),
		cmocka_unit_test(test_probe_through_discovery),
	};

	return cmocka_run_group_tests(tests, fake_target_env_setup, fake_target_env_teardown);
}
