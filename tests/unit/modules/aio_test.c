/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The aio bdev (modules/aio.c, with modules/file.c and file_io.c): the file bdev tests of
 * file_bdev_tests.h over Linux AIO, plus what is particular to aio.
 */
#define MODULE "aio"
#include "file_bdev_tests.h"

#include <pthread.h>
#include <sys/syscall.h>

/*
 * Every fallocate the library makes lands here (the executable's definition wins over libc's):
 * it records the OS thread that made the call. The completion that follows is forwarded to the
 * test's thread through its message ring, which orders these stores before the test reads them.
 */
static pthread_t g_fallocate_thread;
static _Atomic unsigned g_fallocate_calls;

int fallocate(int fd, int mode, off_t offset, off_t len)
{
	g_fallocate_thread = pthread_self();
	atomic_fetch_add(&g_fallocate_calls, 1);
	return syscall(SYS_fallocate, fd, mode, offset, len) == 0 ? 0 : -1;
}

/* Unmap and write-zeroes call fallocate, which may block: never on the polling thread. */
static void test_fallocate_off_the_polling_thread(void **state)
{
	char dir[256], path[4096];
	struct open_bdev o;
	char *buf = buf_alloc(16 * 4096);

	(void)state;
	make_dir("/dev/shm", dir, sizeof(dir));
	make_file(dir, "disk", 1 * MiB, path, sizeof(path));
	assert_int_equal(create("A0", path, "block_size=4096"), 0);
	open_bdev("A0", true, &o);
	memset(buf, 0xa5, 16 * 4096);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, buf, 0, 16, IO_CB)), 0);
	atomic_store(&g_fallocate_calls, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_unmap_blocks(o.desc, o.ch, 4, 8, IO_CB)), 0);
	assert_true(atomic_load(&g_fallocate_calls) >= 1);
	assert_false(pthread_equal(g_fallocate_thread, pthread_self()));
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 0, 16, IO_CB)), 0);
	assert_true(is_zero(buf + 4 * 4096, 8 * 4096));
	assert_int_equal((unsigned char)buf[0], 0xa5);
	assert_int_equal((unsigned char)buf[12 * 4096], 0xa5);
	close_bdev(&o);
	destroy_bdev("A0");
	remove_tree(dir, "disk");
	free(buf);
}

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
		cmocka_unit_test_setup_teardown(test_fallocate_off_the_polling_thread, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("modules/aio", tests, NULL, NULL);
}
