/* SPDX-License-Identifier: BSD-3-Clause */
/* The table of bdev modules that spdkrt_bdev_create() knows. */
#include <pthread.h>
#include <string.h>

#include "bdev/module.h"

extern const struct srt_bdev_module srt_bdev_malloc_module;
extern const struct srt_bdev_module srt_bdev_null_module;
extern const struct srt_bdev_module srt_bdev_aio_module;
extern const struct srt_bdev_module srt_bdev_crypto_module;
#ifdef SPDKRT_HAVE_URING
extern const struct srt_bdev_module srt_bdev_uring_module;
#endif

static const struct srt_bdev_module *const g_modules[] = {
	&srt_bdev_malloc_module,
	&srt_bdev_null_module,
	&srt_bdev_aio_module,
#ifdef SPDKRT_HAVE_URING
	&srt_bdev_uring_module,
#endif
	&srt_bdev_crypto_module,
};

const struct srt_bdev_module *srt_bdev_find_module(const char *name)
{
	for (size_t i = 0; i < sizeof(g_modules) / sizeof(g_modules[0]); i++) {
		if (strcmp(g_modules[i]->name, name) == 0)
			return g_modules[i];
	}
	return NULL;
}

static char g_names[256];
static pthread_once_t g_names_once = PTHREAD_ONCE_INIT;

static void list_names(void)
{
	for (size_t i = 0; i < sizeof(g_modules) / sizeof(g_modules[0]); i++) {
		if (i > 0)
			strncat(g_names, ", ", sizeof(g_names) - strlen(g_names) - 1);
		strncat(g_names, g_modules[i]->name, sizeof(g_names) - strlen(g_names) - 1);
	}
}

const char *srt_bdev_module_names(void)
{
	pthread_once(&g_names_once, list_names);
	return g_names;
}
