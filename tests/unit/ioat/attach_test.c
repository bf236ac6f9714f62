/* SPDX-License-Identifier: BSD-3-Clause */
/* Probe, attach and detach (libspdkrt/ioat/attach.c, channel.c) against the channel model. */
#include "ioat_fixture.h"

#include "ioat/spec.h"

static void test_attach_programs_the_channel(void **state)
{
	struct ioat_model_stats st;
	struct ioat_rig rig;
	uint64_t chancmp, chainaddr;

	(void)state;
	rig_up(&rig, &g_addr0, NULL);
	ioat_model_get_stats(rig.model, &st);
	/* The model starts ACTIVE, as firmware may leave it: suspended, reset once, started. */
	assert_int_equal(st.resets, 1);
	assert_int_equal(st.nulls, 1);
	assert_int_equal(st.write_backs, 1);
	assert_int_equal(ioat_model_reg64(rig.model, IOAT_REG_CHANSTS) & IOAT_CHANSTS_STATE_MASK,
			 IOAT_CHANSTS_IDLE);
	chancmp = ioat_model_reg64(rig.model, IOAT_REG_CHANCMP);
	chainaddr = ioat_model_reg64(rig.model, IOAT_REG_CHAINADDR);
	assert_true(chancmp != 0 && chancmp % 64 == 0);
	assert_true(chainaddr != 0 && chainaddr % 64 == 0);
	assert_int_equal(spdkrt_ioat_get_capabilities(rig.chan),
			 SPDKRT_IOAT_CAP_COPY | SPDKRT_IOAT_CAP_FILL);
	assert_true(spdkrt_ioat_get_max_descriptors(rig.chan) >= 1024);
	assert_int_equal(spdkrt_pci_addr_compare(spdkrt_ioat_get_pci_addr(rig.chan), &g_addr0), 0);

	/* Detach resets the hardware: nothing runs afterwards. */
	assert_int_equal(spdkrt_ioat_detach(rig.chan), 0);
	ioat_model_get_stats(rig.model, &st);
	assert_int_equal(st.resets, 2);
	assert_int_equal(ioat_model_poll(rig.model), 0);

	/* Attach after detach works. */
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, &rig.chan), 0);
	rig_down(&rig);
}

static void test_attach_bad_input(void **state)
{
	struct spdkrt_ioat_chan *chan = NULL, *again = NULL;
	struct ioat_model *model;
	struct ioat_model_opts opts = { .device_id = 0x1234 };

	(void)state;
	assert_int_equal(spdkrt_ioat_attach(NULL, &chan), -EINVAL);
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, NULL), -EINVAL);
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, &chan), -ENODEV);
	assert_int_equal(spdkrt_ioat_detach(NULL), 0);
	assert_null(spdkrt_ioat_get_pci_addr(NULL));
	assert_int_equal(spdkrt_ioat_get_capabilities(NULL), 0);
	assert_int_equal(spdkrt_ioat_get_max_descriptors(NULL), 0);
	assert_int_equal(spdkrt_ioat_process_events(NULL), -EINVAL);
	assert_int_equal(spdkrt_ioat_flush(NULL), -EINVAL);

	/* A function that is not in the I/OAT id table. */
	assert_int_equal(ioat_model_create(&g_addr0, &opts, &model), 0);
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, &chan), -ENODEV);
	assert_logged("not an I/OAT channel");
	ioat_model_destroy(model);

	/* Attached twice. */
	assert_int_equal(ioat_model_create(&g_addr0, NULL, &model), 0);
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, &chan), 0);
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, &again), -EBUSY);
	assert_null(again);
	assert_int_equal(spdkrt_ioat_detach(chan), 0);
	ioat_model_destroy(model);
}

static void test_attach_checks_the_hardware(void **state)
{
	struct ioat_model_opts old = { .cbver = 0x20 };
	struct ioat_model_opts tiny_xfer = { .xfercap = 5 };
	struct ioat_model_opts no_fill = { .no_fill = true };
	struct spdkrt_ioat_chan *chan = NULL;
	struct ioat_model *model;
	char buf[64];

	(void)state;
	assert_int_equal(ioat_model_create(&g_addr0, &old, &model), 0);
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, &chan), -ENOTSUP);
	assert_logged("version 2.0 is not supported");
	ioat_model_destroy(model);

	assert_int_equal(ioat_model_create(&g_addr0, &tiny_xfer, &model), 0);
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, &chan), -ENOTSUP);
	assert_logged("invalid XFERCAP 5");
	ioat_model_destroy(model);

	assert_int_equal(ioat_model_create(&g_addr0, &no_fill, &model), 0);
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, &chan), 0);
	assert_int_equal(spdkrt_ioat_get_capabilities(chan), SPDKRT_IOAT_CAP_COPY);
	assert_int_equal(spdkrt_ioat_build_fill(chan, NULL, NULL, buf, 0, sizeof(buf)), -ENOTSUP);
	assert_logged("no block-fill capability");
	assert_int_equal(spdkrt_ioat_detach(chan), 0);
	ioat_model_destroy(model);
}

static void test_reset_that_does_not_clear(void **state)
{
	struct spdkrt_ioat_chan *chan = NULL;
	struct ioat_model *model;

	(void)state;
	assert_int_equal(ioat_model_create(&g_addr0, NULL, &model), 0);
	ioat_model_set_reset_stuck(model, true);
	/* Bounded: the attach fails with a clear error instead of hanging or going on. */
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, &chan), -ETIMEDOUT);
	assert_logged("did not reset");
	assert_null(chan);

	ioat_model_set_reset_stuck(model, false);
	assert_int_equal(spdkrt_ioat_attach(&g_addr0, &chan), 0);
	assert_int_equal(spdkrt_ioat_detach(chan), 0);
	ioat_model_destroy(model);
}

struct probe_ctx {
	struct spdkrt_ioat_chan *chans[4];
	int attached;
	int offered;
	bool take_func1;
};

static bool probe_cb(void *cb_ctx, const struct spdkrt_pci_addr *addr,
		     const struct spdkrt_pci_id *id)
{
	struct probe_ctx *ctx = cb_ctx;

	assert_int_equal(id->vendor_id, 0x8086);
	ctx->offered++;
	return addr->func == 0 || ctx->take_func1;
}

static void attach_cb(void *cb_ctx, const struct spdkrt_pci_addr *addr,
		      struct spdkrt_ioat_chan *chan)
{
	struct probe_ctx *ctx = cb_ctx;

	assert_int_equal(spdkrt_pci_addr_compare(addr, spdkrt_ioat_get_pci_addr(chan)), 0);
	ctx->chans[ctx->attached++] = chan;
}

static void test_probe(void **state)
{
	static const struct spdkrt_pci_addr other_addr = { 0, 0x81, 0, 0 };
	struct ioat_model_opts not_ioat = { .device_id = 0x0953 };
	struct ioat_model *m0, *m1, *other;
	struct probe_ctx ctx = { 0 };
	int i;

	(void)state;
	/* No channel at all: 0, and the log says so. */
	assert_int_equal(spdkrt_ioat_probe(&ctx, NULL, attach_cb), 0);
	assert_logged("no I/OAT channel found");
	assert_int_equal(spdkrt_ioat_probe(&ctx, NULL, NULL), -EINVAL);

	assert_int_equal(ioat_model_create(&g_addr0, NULL, &m0), 0);
	assert_int_equal(ioat_model_create(&g_addr1, NULL, &m1), 0);
	assert_int_equal(ioat_model_create(&other_addr, &not_ioat, &other), 0);

	/* The probe callback sees only I/OAT ids and chooses. */
	assert_int_equal(spdkrt_ioat_probe(&ctx, probe_cb, attach_cb), 1);
	assert_int_equal(ctx.offered, 2);
	assert_int_equal(ctx.attached, 1);
	/* Attached channels are not offered again. */
	ctx.take_func1 = true;
	assert_int_equal(spdkrt_ioat_probe(&ctx, probe_cb, attach_cb), 1);
	assert_int_equal(ctx.offered, 3);
	assert_int_equal(ctx.attached, 2);
	assert_int_equal(spdkrt_ioat_probe(&ctx, NULL, attach_cb), 0);

	for (i = 0; i < ctx.attached; i++)
		assert_int_equal(spdkrt_ioat_detach(ctx.chans[i]), 0);
	ioat_model_destroy(m0);
	ioat_model_destroy(m1);
	ioat_model_destroy(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_programs_the_channel),
		cmocka_unit_test(test_attach_bad_input),
		cmocka_unit_test(test_attach_checks_the_hardware),
		cmocka_unit_test(test_reset_that_does_not_clear),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, ioat_env_setup, ioat_env_teardown);
}
