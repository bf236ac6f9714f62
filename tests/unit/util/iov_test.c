/* SPDX-License-Identifier: BSD-3-Clause */
/* The iovec cursor: pieces, peeks, gathers and scatters across iovec boundaries and at the end. */
#include "../common/test_common.h"

#include "util/iov.h"

static void test_next_walks_pieces_and_stops_at_the_end(void **state)
{
	char a[3], b[5], c[2];
	struct iovec iov[4] = { { a, 3 }, { b, 5 }, { NULL, 0 }, { c, 2 } };
	struct srt_iov_cursor cur;
	void *base;

	(void)state;
	srt_iov_cursor_init(&cur, iov, 4);
	assert_int_equal(srt_iov_cursor_next(&cur, 2, &base), 2);
	assert_ptr_equal(base, a);
	assert_int_equal(srt_iov_cursor_next(&cur, 100, &base), 1); /* the rest of a */
	assert_ptr_equal(base, a + 2);
	assert_int_equal(srt_iov_cursor_next(&cur, 100, &base), 5);
	assert_ptr_equal(base, b);
	assert_int_equal(srt_iov_cursor_next(&cur, 100, &base), 2); /* the empty iovec is passed */
	assert_ptr_equal(base, c);
	assert_int_equal(srt_iov_cursor_next(&cur, 100, &base), 0);
	assert_int_equal(srt_iov_cursor_next(&cur, 0, &base), 0);
}

static void test_gather_scatter_peek_advance(void **state)
{
	char a[4], b[4], c[4], flat[12], back[12];
	struct iovec iov[3] = { { a, 4 }, { b, 4 }, { c, 4 } };
	struct srt_iov_cursor cur, at;

	(void)state;
	for (int i = 0; i < 12; i++)
		flat[i] = (char)('A' + i);
	srt_iov_cursor_init(&cur, iov, 3);
	assert_int_equal(srt_iov_cursor_scatter(&cur, flat, 12), 12);
	assert_memory_equal(a, "ABCD", 4);
	assert_memory_equal(c, "IJKL", 4);
	assert_int_equal(srt_iov_cursor_scatter(&cur, flat, 1), 0); /* at the end */

	srt_iov_cursor_init(&cur, iov, 3);
	assert_int_equal(srt_iov_cursor_advance(&cur, 2), 2);
	assert_non_null(srt_iov_cursor_peek(&cur, 2));
	assert_null(srt_iov_cursor_peek(&cur, 3)); /* crosses into b */
	at = cur;
	assert_int_equal(srt_iov_cursor_gather(&cur, back, 6), 6);
	assert_memory_equal(back, "CDEFGH", 6);
	assert_int_equal(srt_iov_cursor_gather(&at, back, 100), 10); /* fewer at the end */
	assert_int_equal(srt_iov_cursor_advance(&cur, 100), 4);
	assert_null(srt_iov_cursor_peek(&cur, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_walks_pieces_and_stops_at_the_end),
		cmocka_unit_test(test_gather_scatter_peek_advance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
