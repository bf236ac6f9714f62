/* SPDX-License-Identifier: BSD-3-Clause */
#include "app/subsystems.h"
#include "bdev/module.h"

#include <stdlib.h>

struct subsystems_fini {
	void (*done)(void *ctx);
	void *ctx;
};

/* Every bdev is gone: now the modules may go (their fini runs). */
static void bdevs_destroyed(void *arg)
{
	struct subsystems_fini *f = arg;
	void (*done)(void *ctx) = f->done;
	void *ctx = f->ctx;

	free(f);
	srt_bdev_modules_fini(done, ctx);
}

void srt_subsystems_fini(void (*done)(void *ctx), void *ctx)
{
	struct subsystems_fini *f = malloc(sizeof(*f));

	if (f == NULL) {
		srt_bdev_destroy_all(done, ctx);
		return;
	}
	f->done = done;
	f->ctx = ctx;
	srt_bdev_destroy_all(bdevs_destroyed, f);
}
