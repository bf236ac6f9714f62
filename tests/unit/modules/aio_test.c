/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The aio bdev (modules/aio.c, with modules/file.c and file_io.c): the file bdev tests of
 * file_bdev_tests.h over Linux AIO, plus what is particular to aio.
 */
#define MODULE "aio"
#include "file_bdev_tests.h"

/* The channel reads the kernel's completion ring itself rather than calling io_getevents(). */
static void test_reaps_from_the_ring(void **state)
{
	char dir[256], path[4096];
	struct open_bdev o;
	char *buf = buf_alloc(4096);

	(void)state;
	make_dir("/dev/shm", dir, sizeof(dir));
	make_file(dir, "disk", 1 * MiB, path, sizeof(path));
	assert_int_equal(create("A0", path, "block_size=4096"), 0);
	open_bdev("A0", true, &o);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 0, 1, IO_CB)), 0);
	if (strstr(g_log_capture.text, "unknown completion ring layout") != NULL)
		fail_msg("the aio channel fell back to io_getevents():\n%s", g_log_capture.text);
	close_bdev(&o);
	destroy_bdev("A0");
	remove_tree(dir, "disk");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FILE_BDEV_TESTS,
		cmocka_unit_test_setup_teardown(test_reaps_from_the_ring, setup, teardown),
	};

	return cmocka_run_group_tests_name("modules/aio", tests, NULL, NULL);
}
