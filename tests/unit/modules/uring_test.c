/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The io_uring bdev (modules/uring.c, with modules/file.c and file_io.c): the file bdev tests of
 * file_bdev_tests.h over io_uring; it promises the same semantics as aio.
 */
#define MODULE "uring"
#include "file_bdev_tests.h"

int main(void)
{
	const struct CMUnitTest tests[] = {
		FILE_BDEV_TESTS,
	};

	return cmocka_run_group_tests_name("modules/uring", tests, NULL, NULL);
}
