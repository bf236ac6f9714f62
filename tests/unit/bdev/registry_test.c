/* SPDX-License-Identifier: BSD-3-Clause */
/* Bdev lifetime: specs, lookup, getters, descriptors, events, claims, destroy, hot-remove. */
#include <errno.h>

#include "bdev_fixture.h"

#include "bdev/module.h"

struct bad_spec {
	const char *spec;
	int rc;
	const char *logged;
};

static const struct bad_spec g_bad_specs[] = {
	{ "", -EINVAL, "expected MODULE:key=value" },
	{ "bogus:name=X,size_mb=1", -ENODEV, "unknown module 'bogus' (known: malloc, null" },
	{ "malloc:size_mb=1", -EINVAL, "'name' is required" },
	{ "malloc:name=X", -EINVAL, "exactly one of size_mb and num_blocks" },
	{ "malloc:name=X,size_mb=1,num_blocks=8", -EINVAL,
	  "exactly one of size_mb and num_blocks" },
	{ "malloc:name=X,size_mb=abc", -EINVAL, "size_mb='abc' is not a number" },
	{ "malloc:name=X,size_mb=-1", -EINVAL, "size_mb='-1' is not a number" },
	{ "malloc:name=X,size_mb=99999999999999999999", -EINVAL, "is not a number" },
	{ "malloc:name=X,size_mb=0", -EINVAL, "size_mb=0 is outside" },
	{ "malloc:name=X,size_mb=1,block_size=1000", -EINVAL, "block_size 1000 is not a power" },
	{ "malloc:name=X,size_mb=1,block_size=256", -EINVAL, "block_size=256 is outside" },
	{ "malloc:name=X,size_mb=1,colour=red", -EINVAL, "unknown key 'colour'" },
	{ "malloc:name=X,size_mb=1,size_mb=2", -EINVAL, "key 'size_mb' given twice" },
	{ "malloc:name=X,size_mb", -EINVAL, "'size_mb' is not key=value" },
	{ "malloc:name=X,=1", -EINVAL, "'=1' is not key=value" },
	{ "malloc:name=X,size mb=1", -EINVAL, "invalid key 'size mb'" },
	{ "malloc:name=0123456789012345678901234567890123456789012345678901234567890123,size_mb=1",
	  -EINVAL, "longer than 63 characters" },
	{ "null:name=X,size_mb=1,complete=later", -EINVAL, "complete='later' is not" },
	{ "null:name=X,num_blocks=4,block_size=512,optimal_io_boundary=2", -EINVAL,
	  "unknown key 'optimal_io_boundary'" },
};

static void test_bad_specs_are_refused_with_a_reason(void **state)
{
	struct spdkrt_bdev *bdev = NULL;

	(void)state;
	log_capture_start();
	assert_int_equal(spdkrt_bdev_create(NULL, &bdev), -EINVAL);
	assert_logged("bdev spec is NULL");
	for (size_t i = 0; i < sizeof(g_bad_specs) / sizeof(g_bad_specs[0]); i++) {
		int rc = spdkrt_bdev_create(g_bad_specs[i].spec, &bdev);

		if (rc != g_bad_specs[i].rc)
			fail_msg("spec '%s' gave %d, expected %d", g_bad_specs[i].spec, rc,
				 g_bad_specs[i].rc);
		if (strstr(g_log_capture.text, g_bad_specs[i].logged) == NULL)
			fail_msg("spec '%s': no log line with '%s' in:\n%s", g_bad_specs[i].spec,
				 g_bad_specs[i].logged, g_log_capture.text);
		log_capture_clear();
	}
	assert_null(bdev);
	assert_null(spdkrt_bdev_first()); /* nothing half-made was left registered */
}

static void test_duplicate_name_is_eexist(void **state)
{
	(void)state;
	log_capture_start();
	assert_int_equal(spdkrt_bdev_create("malloc:name=Dup,size_mb=1", NULL), 0);
	assert_int_equal(spdkrt_bdev_create("null:name=Dup,size_mb=1", NULL), -EEXIST);
	assert_logged("a bdev named 'Dup' already exists");
	destroy_and_wait("Dup");
	assert_null(spdkrt_bdev_get_by_name("Dup"));
	/* the name is free again */
	assert_int_equal(spdkrt_bdev_create("null:name=Dup,size_mb=1", NULL), 0);
	destroy_and_wait("Dup");
}

static void test_lookup_iteration_and_getters(void **state)
{
	struct spdkrt_bdev *m, *n;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=M0,num_blocks=100,block_size=4096,"
					    "optimal_io_boundary=16",
					    &m),
			 0);
	assert_int_equal(spdkrt_bdev_create("null:name=N0,size_mb=2", &n), 0);
	assert_ptr_equal(spdkrt_bdev_get_by_name("M0"), m);
	assert_ptr_equal(spdkrt_bdev_get_by_name("N0"), n);
	assert_null(spdkrt_bdev_get_by_name("nope"));
	assert_null(spdkrt_bdev_get_by_name(NULL));
	assert_ptr_equal(spdkrt_bdev_first(), m);
	assert_ptr_equal(spdkrt_bdev_next(m), n);
	assert_null(spdkrt_bdev_next(n));
	assert_null(spdkrt_bdev_next(NULL));

	assert_string_equal(spdkrt_bdev_get_name(m), "M0");
	assert_string_equal(spdkrt_bdev_get_product_name(m), "Malloc disk");
	assert_string_equal(spdkrt_bdev_get_module_name(m), "malloc");
	assert_int_equal(spdkrt_bdev_get_block_size(m), 4096);
	assert_int_equal(spdkrt_bdev_get_num_blocks(m), 100);
	assert_int_equal(spdkrt_bdev_get_optimal_io_boundary(m), 16);
	assert_int_equal(spdkrt_bdev_get_write_unit_size(m), 1);
	assert_int_equal(spdkrt_bdev_get_buf_align(m), 1);
	assert_int_equal(spdkrt_bdev_get_max_io_blocks(m), 0);
	assert_true(spdkrt_bdev_io_type_supported(m, SPDKRT_BDEV_IO_UNMAP));
	assert_false(spdkrt_bdev_io_type_supported(m, (enum spdkrt_bdev_io_type)42));
	assert_string_equal(spdkrt_bdev_get_product_name(n), "Null disk");
	assert_int_equal(spdkrt_bdev_get_block_size(n), 512);
	assert_int_equal(spdkrt_bdev_get_num_blocks(n), 4096);

	assert_string_equal(spdkrt_bdev_get_name(NULL), "");
	assert_string_equal(spdkrt_bdev_get_product_name(NULL), "");
	assert_string_equal(spdkrt_bdev_get_module_name(NULL), "");
	assert_int_equal(spdkrt_bdev_get_block_size(NULL), 0);
	assert_int_equal(spdkrt_bdev_get_num_blocks(NULL), 0);
	assert_false(spdkrt_bdev_io_type_supported(NULL, SPDKRT_BDEV_IO_READ));
	destroy_and_wait("M0");
	destroy_and_wait("N0");
	assert_null(spdkrt_bdev_first());
}

static void test_open_close_bad_input(void **state)
{
	struct spdkrt_bdev_desc *desc = NULL;

	(void)state;
	log_capture_start();
	assert_int_equal(spdkrt_bdev_create("malloc:name=O,size_mb=1", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("missing", true, ignore_event, NULL, &desc), -ENODEV);
	assert_logged("no bdev named 'missing'");
	assert_int_equal(spdkrt_bdev_open(NULL, true, ignore_event, NULL, &desc), -EINVAL);
	assert_int_equal(spdkrt_bdev_open("O", true, NULL, NULL, &desc), -EINVAL);
	assert_int_equal(spdkrt_bdev_open("O", true, ignore_event, NULL, NULL), -EINVAL);
	spdkrt_set_thread(NULL);
	assert_int_equal(spdkrt_bdev_open("O", true, ignore_event, NULL, &desc), -EINVAL);
	assert_logged("not called on an spdkrt thread");
	spdkrt_set_thread(g_thread);
	assert_null(desc);
	assert_null(spdkrt_bdev_get_io_channel(NULL));
	assert_null(spdkrt_bdev_desc_get_bdev(NULL));
	spdkrt_bdev_close(NULL);

	assert_int_equal(spdkrt_bdev_open("O", false, ignore_event, NULL, &desc), 0);
	assert_ptr_equal(spdkrt_bdev_desc_get_bdev(desc), spdkrt_bdev_get_by_name("O"));
	spdkrt_bdev_close(desc);
	assert_int_equal(spdkrt_bdev_destroy("missing", NULL, NULL), -ENODEV);
	assert_int_equal(spdkrt_bdev_destroy(NULL, NULL, NULL), -EINVAL);
	destroy_and_wait("O");
}

struct events {
	int removes;
	int resizes;
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	bool close_on_remove;
};

static void record_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	struct events *ev = ctx;

	(void)bdev;
	if (type == SPDKRT_BDEV_EVENT_REMOVE) {
		ev->removes++;
		if (ev->close_on_remove) {
			if (ev->ch != NULL)
				spdkrt_put_io_channel(ev->ch);
			spdkrt_bdev_close(ev->desc);
		}
	} else if (type == SPDKRT_BDEV_EVENT_RESIZE) {
		ev->resizes++;
	}
}

static void test_destroy_with_open_descriptor_sends_remove(void **state)
{
	struct events ev = { 0 };
	int done = 0;

	(void)state;
	log_capture_start();
	assert_int_equal(spdkrt_bdev_create("malloc:name=R,size_mb=1", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("R", true, record_event, &ev, &ev.desc), 0);
	assert_int_equal(spdkrt_bdev_destroy("R", destroy_done, &done), 0);
	assert_int_equal(spdkrt_bdev_destroy("R", destroy_done, &done), -EBUSY);
	assert_logged("already being destroyed");
	assert_int_equal(spdkrt_bdev_open("R", false, ignore_event, NULL, &ev.desc), -ENODEV);
	poll_n(5);
	assert_int_equal(ev.removes, 1);
	assert_int_equal(done, 0); /* still open */
	spdkrt_bdev_close(ev.desc);
	poll_until(done != 0);
	assert_int_equal(done, 1);
	assert_null(spdkrt_bdev_get_by_name("R"));
}

/* Hot remove while I/O is in flight: the I/O completes, new I/O is refused. */
static void test_hot_remove_during_io(void **state)
{
	struct events ev = { .close_on_remove = true };
	char *buf = spdkrt_dma_zmalloc(512, 0, SPDKRT_ENV_SOCKET_ANY);
	int status[8];
	int done = 0;

	(void)state;
	log_capture_start();
	assert_int_equal(spdkrt_bdev_create("null:name=H,size_mb=1,complete=poller", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("H", true, record_event, &ev, &ev.desc), 0);
	ev.ch = spdkrt_bdev_get_io_channel(ev.desc);
	assert_non_null(ev.ch);
	for (int i = 0; i < 8; i++) {
		status[i] = 1;
		assert_int_equal(spdkrt_bdev_write_blocks(ev.desc, ev.ch, buf, (uint64_t)i, 1,
							  store_status, &status[i]),
				 0);
	}
	assert_int_equal(spdkrt_bdev_destroy("H", destroy_done, &done), 0);
	assert_int_equal(spdkrt_bdev_read_blocks(ev.desc, ev.ch, buf, 0, 1, store_status,
						 &status[0]),
			 -ENODEV);
	assert_logged("'H' is being removed");
	poll_until(done != 0);
	assert_int_equal(ev.removes, 1);
	for (int i = 0; i < 8; i++)
		assert_int_equal(status[i], 0);
	spdkrt_dma_free(buf);
}

/* Closing a descriptor does not lose the completions of its I/O in flight. */
static void test_close_with_io_in_flight(void **state)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	char *buf = spdkrt_dma_zmalloc(4096, 0, SPDKRT_ENV_SOCKET_ANY);
	int status[4] = { 1, 1, 1, 1 };

	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=C,size_mb=1", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("C", true, ignore_event, NULL, &desc), 0);
	ch = spdkrt_bdev_get_io_channel(desc);
	for (int i = 0; i < 4; i++)
		assert_int_equal(
			spdkrt_bdev_write_blocks(desc, ch, buf, 0, 8, store_status, &status[i]), 0);
	spdkrt_bdev_close(desc);
	spdkrt_put_io_channel(ch);
	poll_n(2);
	for (int i = 0; i < 4; i++)
		assert_int_equal(status[i], 0);
	destroy_and_wait("C");
	spdkrt_dma_free(buf);
}

static void test_claims_block_writers_and_destroy(void **state)
{
	struct spdkrt_bdev *base, *claimer;
	struct spdkrt_bdev_desc *own, *other;

	(void)state;
	log_capture_start();
	assert_int_equal(spdkrt_bdev_create("malloc:name=Base,size_mb=1", &base), 0);
	assert_int_equal(spdkrt_bdev_create("null:name=Upper,size_mb=1", &claimer), 0);
	assert_int_equal(spdkrt_bdev_open("Base", true, ignore_event, NULL, &own), 0);
	assert_int_equal(spdkrt_bdev_open("Base", true, ignore_event, NULL, &other), 0);
	assert_int_equal(srt_bdev_claim(base, own, claimer), -EPERM);
	assert_logged("open for writing elsewhere");
	spdkrt_bdev_close(other);
	assert_int_equal(srt_bdev_claim(base, own, claimer), 0);
	assert_int_equal(srt_bdev_claim(base, own, claimer), -EPERM);
	assert_logged("already claimed by 'Upper'");
	assert_int_equal(spdkrt_bdev_open("Base", true, ignore_event, NULL, &other), -EPERM);
	assert_logged("claimed by 'Upper'");
	assert_int_equal(spdkrt_bdev_open("Base", false, ignore_event, NULL, &other), 0);
	spdkrt_bdev_close(other);
	assert_int_equal(spdkrt_bdev_destroy("Base", NULL, NULL), -EBUSY);
	assert_logged("claimed by another bdev");
	srt_bdev_release_claim(base);
	spdkrt_bdev_close(own);
	destroy_and_wait("Base");
	destroy_and_wait("Upper");
}

static void test_resize_event(void **state)
{
	struct events ev = { 0 };
	struct spdkrt_bdev *bdev;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("null:name=Z,num_blocks=100", &bdev), 0);
	assert_int_equal(spdkrt_bdev_open("Z", false, record_event, &ev, &ev.desc), 0);
	assert_int_equal(srt_bdev_notify_resize(bdev, 0), -EINVAL);
	assert_int_equal(srt_bdev_notify_resize(bdev, 200), 0);
	poll_n(2);
	assert_int_equal(ev.resizes, 1);
	assert_int_equal(spdkrt_bdev_get_num_blocks(bdev), 200);
	spdkrt_bdev_close(ev.desc);
	destroy_and_wait("Z");
}

static int g_all_destroyed;

static void all_destroyed(void *ctx)
{
	(void)ctx;
	g_all_destroyed = 1;
}

/* A crypto vbdev claims its base: destroy-all must take the vbdev first, then the base. */
static void test_destroy_all_handles_virtual_bdevs_first(void **state)
{
	struct spdkrt_bdev *base;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=B1,size_mb=1", &base), 0);
	assert_int_equal(spdkrt_bdev_create("crypto:name=V1,base=B1,cipher=AES_XTS,"
					    "key=000102030405060708090a0b0c0d0e0f,"
					    "key2=f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
					    NULL),
			 0);
	assert_true(spdkrt_bdev_is_claimed(base));
	assert_int_equal(spdkrt_bdev_destroy("B1", NULL, NULL), -EBUSY);
	g_all_destroyed = 0;
	srt_bdev_destroy_all(all_destroyed, NULL);
	poll_until(g_all_destroyed);
	assert_null(spdkrt_bdev_first());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_specs_are_refused_with_a_reason,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_name_is_eexist, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_lookup_iteration_and_getters, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_open_close_bad_input, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_with_open_descriptor_sends_remove,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_hot_remove_during_io, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_close_with_io_in_flight, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_claims_block_writers_and_destroy,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_resize_event, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_all_handles_virtual_bdevs_first,
						fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests_name("bdev/registry", tests, NULL, NULL);
}
