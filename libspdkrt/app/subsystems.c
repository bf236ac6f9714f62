/* SPDX-License-Identifier: BSD-3-Clause */
#include "app/subsystems.h"
#include "bdev/module.h"

void srt_subsystems_fini(void (*done)(void *ctx), void *ctx)
{
	srt_bdev_destroy_all(done, ctx);
}
