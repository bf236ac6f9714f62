/* SPDX-License-Identifier: BSD-3-Clause */
/* Bad input to a public function: one log line that names the function, then -EINVAL. */
#include <errno.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

int nvme_bad_arg(const char *fn, const char *what)
{
	SRT_ERR("%s: %s", fn, what);
	return -EINVAL;
}
