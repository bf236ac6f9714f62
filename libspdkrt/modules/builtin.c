/* SPDX-License-Identifier: BSD-3-Clause */
/* Registers the built-in bdev modules through the public module interface, once per process. */
#include <pthread.h>
#include <stddef.h>

#include "bdev/module.h"
#include "modules/builtin.h"

#define SRT_LOG_COMPONENT "bdev"
#include "util/log.h"

static const struct spdkrt_bdev_module_ops *const g_builtin_ops[] = {
	&srt_bdev_malloc_ops, &srt_bdev_null_ops, &srt_bdev_aio_ops,
#ifdef SPDKRT_HAVE_URING
	&srt_bdev_uring_ops,
#endif
	&srt_bdev_crypto_ops, &srt_bdev_nvme_ops, NULL,
};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void register_all(void)
{
	for (size_t i = 0; g_builtin_ops[i] != NULL; i++) {
		struct spdkrt_bdev_module *module;

		/* A failure is logged by the registration (e.g. a user module took the name). */
		if (spdkrt_bdev_module_register(g_builtin_ops[i], &module) == 0)
			srt_bdev_module_keep(module);
		else
			SRT_ERR("built-in bdev module '%s' is not available",
				g_builtin_ops[i]->name);
	}
}

void srt_bdev_builtin_modules_register(void)
{
	pthread_once(&g_once, register_all);
}
