/* SPDX-License-Identifier: BSD-3-Clause */
#include <spdkrt/version.h>

const char *spdkrt_version(void)
{
	return SPDKRT_VERSION_STRING;
}
