/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fatal misuse mode, for debugging: with SPDKRT_FATAL_MISUSE=1 in the environment, a misuse
 * the library detects (SRT_MISUSE: a stale, freed-twice or another thread's handle) abort()s
 * where it happens, so that the core dump shows the caller. Off by default: logged and refused.
 */
#include <stdlib.h>
#include <string.h>

#define SRT_LOG_COMPONENT "misuse"
#include "util/log.h"

void srt_misuse_seen(void)
{
	/* read at each misuse (rare, never on a good path): a test may set it in a child */
	const char *mode = getenv("SPDKRT_FATAL_MISUSE");

	if (mode == NULL || strcmp(mode, "1") != 0)
		return;
	srt_log_line(SPDKRT_LOG_ERROR, SRT_LOG_COMPONENT,
		     "SPDKRT_FATAL_MISUSE=1: aborting at the misuse logged above (see the core "
		     "dump for the caller)");
	abort();
}
