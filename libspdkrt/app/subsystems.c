/* SPDX-License-Identifier: BSD-3-Clause */
#include "app/subsystems.h"

void srt_subsystems_fini(void (*done)(void *ctx), void *ctx)
{
	done(ctx);
}
