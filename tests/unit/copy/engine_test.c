/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The copy engine (libspdkrt/copy): engines by name, the CPU backend, and the I/OAT backend over
 * channel models: a pool attached on first use, one channel per open, completions from the
 * thread's poller, CPU for what the device cannot take, channels detached on the last put.
 */
#include "../modules/harness.h"

#include "copy/engine.h"
#include "../../models/ioat/ioat_model.h"

static const struct spdkrt_pci_addr g_addrs[2] = { { 0, 0x80, 4, 0 }, { 0, 0x80, 4, 1 } };
static struct ioat_model *g_models[2];
/* Models registered on the test thread run from its poll loop, as hardware beside the driver. */
static int setup(void **state)
{
	(void)state;
	return harness_setup();
}

static int teardown(void **state)
{
	(void)state;
	harness_teardown();
	return 0;
}

static void add_models(void)
{
	for (int i = 0; i < 2; i++)
		assert_int_equal(ioat_model_create(&g_addrs[i], NULL, &g_models[i]), 0);
}

static void remove_models(void)
{
	for (int i = 0; i < 2; i++) {
		ioat_model_destroy(g_models[i]);
		g_models[i] = NULL;
	}
}

static void test_engine_names(void **state)
{
	struct srt_copy_engine *engine = NULL;

	(void)state;
	assert_int_equal(srt_copy_engine_get("dma-by-pigeon", &engine), -EINVAL);
	assert_logged("unknown copy engine 'dma-by-pigeon'");
	assert_int_equal(srt_copy_engine_get(NULL, &engine), -EINVAL);
	/* No I/OAT function: a clear error, nothing held. */
	assert_int_equal(srt_copy_engine_get("ioat", &engine), -ENODEV);
	assert_logged("no I/OAT channel could be attached");
	assert_null(engine);
}

static void test_cpu_engine(void **state)
{
	struct srt_copy_engine *engine;
	struct srt_copy_channel *ch;
	char src[100], dst[100];
	struct io_wait w = { 0 };

	(void)state;
	assert_int_equal(srt_copy_engine_get("cpu", &engine), 0);
	assert_string_equal(srt_copy_engine_name(engine), "cpu");
	assert_int_equal(srt_copy_channel_open(engine, &ch), 0);
	memset(src, 7, sizeof(src));
	assert_int_equal(srt_copy_submit_copy(ch, dst, src, sizeof(dst), io_wait_cb, &w), 0);
	assert_true(w.done); /* the CPU completes inside the call */
	assert_memory_equal(dst, src, sizeof(dst));
	w.done = false;
	assert_int_equal(srt_copy_submit_fill(ch, dst, 0, sizeof(dst), io_wait_cb, &w), 0);
	assert_true(w.done && is_zero(dst, sizeof(dst)));
	srt_copy_channel_close(ch);
	srt_copy_engine_put(engine);
}

static uint64_t model_copies(void)
{
	struct ioat_model_stats a, b;

	ioat_model_get_stats(g_models[0], &a);
	ioat_model_get_stats(g_models[1], &b);
	return a.copies + b.copies + a.fills + b.fills;
}

static void test_ioat_engine(void **state)
{
	struct srt_copy_engine *engine, *again;
	struct srt_copy_channel *ch[3];
	size_t len = 256 * 1024;
	char *src, *dst, *plain = malloc(4096);
	struct io_wait w = { 0 };
	struct ioat_model_stats st;
	uint64_t before;

	(void)state;
	add_models();
	assert_int_equal(srt_copy_engine_get("ioat", &engine), 0);
	assert_int_equal(srt_copy_engine_get("ioat", &again), 0); /* counted, not attached again */
	assert_ptr_equal(engine, again);
	srt_copy_engine_put(again);
	src = spdkrt_dma_malloc(len, 4096, SPDKRT_ENV_SOCKET_ANY);
	dst = spdkrt_dma_zmalloc(len, 4096, SPDKRT_ENV_SOCKET_ANY);
	fill_pattern(src, len, 3, 0);

	/* Two channels get the two hardware channels, the third copies with the CPU. */
	assert_int_equal(srt_copy_channel_open(engine, &ch[0]), 0);
	assert_int_equal(srt_copy_channel_open(engine, &ch[1]), 0);
	assert_int_equal(srt_copy_channel_open(engine, &ch[2]), 0);
	assert_logged("this thread copies with the CPU");
	assert_ptr_equal(ch[0]->backend, &srt_copy_ioat_backend);
	assert_ptr_equal(ch[2]->backend, &srt_copy_cpu_backend);

	for (int i = 0; i < 2; i++) {
		before = model_copies();
		memset(dst, 0, len);
		w.done = false;
		assert_int_equal(srt_copy_submit_copy(ch[i], dst, src, len, io_wait_cb, &w), 0);
		srt_copy_flush(ch[i]);
		assert_false(w.done); /* the device completes it later, from the poller */
		poll_until(w.done);
		assert_int_equal(w.status, 0);
		assert_memory_equal(dst, src, len);
		assert_true(model_copies() > before);

		w.done = false;
		assert_int_equal(srt_copy_submit_fill(ch[i], dst + 5, 0, len - 10, io_wait_cb, &w),
				 0);
		srt_copy_flush(ch[i]);
		poll_until(w.done);
		assert_true(is_zero(dst + 5, len - 10));
		assert_memory_equal(dst, src, 5);
	}
	/* Memory the device cannot reach is copied by the CPU, inside the call. */
	before = model_copies();
	w.done = false;
	assert_int_equal(srt_copy_submit_copy(ch[0], plain, src, 4096, io_wait_cb, &w), 0);
	assert_true(w.done);
	assert_memory_equal(plain, src, 4096);
	assert_int_equal(model_copies(), before);

	for (int i = 0; i < 3; i++)
		srt_copy_channel_close(ch[i]);
	/* The last put detaches the channels: their hardware is reset. */
	ioat_model_get_stats(g_models[0], &st);
	srt_copy_engine_put(engine);
	before = st.resets;
	ioat_model_get_stats(g_models[0], &st);
	assert_int_equal(st.resets, before + 1);
	remove_models();
	spdkrt_dma_free(src);
	spdkrt_dma_free(dst);
	free(plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_names),
		cmocka_unit_test(test_cpu_engine),
		cmocka_unit_test(test_ioat_engine),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
