/* SPDX-License-Identifier: BSD-3-Clause */
#include <limits.h>
#include <string.h>

#include <spdkrt/log.h>

const char *spdkrt_strerror(int negative_errno)
{
	int e;
	const char *text;

	if (negative_errno == INT_MIN)
		return "Unknown error";
	e = negative_errno < 0 ? -negative_errno : negative_errno;
	if (e == 0)
		return "Success";
	text = strerrordesc_np(e);
	return text != NULL ? text : "Unknown error";
}
