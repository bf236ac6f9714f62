/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe over Fabrics discovery, host side: discovery log entries to transport IDs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>
#include <spdkrt/nvme.h>
#include <spdkrt/thread.h>

static int env_setup(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.no_huge = true;
	opts.core_mask = "0";
	return spdkrt_env_init(&opts);
}

static int env_teardown(void **state)
{
	(void)state;
	spdkrt_env_fini();
	return 0;
}

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

	/* A field filling its whole width has no NUL: the NQN (256) is longer than a trid's. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_to_trid),
	};

	return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
