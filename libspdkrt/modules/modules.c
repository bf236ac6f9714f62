/* SPDX-License-Identifier: BSD-3-Clause */
/* The built-in bdev modules, registered on first use like any other module. */
#include <stddef.h>

#include "bdev/module.h"

extern const struct srt_bdev_module srt_bdev_malloc_module;
extern const struct srt_bdev_module srt_bdev_null_module;
extern const struct srt_bdev_module srt_bdev_aio_module;
extern const struct srt_bdev_module srt_bdev_crypto_module;
extern const struct srt_bdev_module srt_bdev_nvme_module;
#ifdef SPDKRT_HAVE_URING
extern const struct srt_bdev_module srt_bdev_uring_module;
#endif

const struct srt_bdev_module *const srt_bdev_builtin_modules[] = {
	&srt_bdev_malloc_module, &srt_bdev_null_module, &srt_bdev_aio_module,
#ifdef SPDKRT_HAVE_URING
	&srt_bdev_uring_module,
#endif
	&srt_bdev_crypto_module, &srt_bdev_nvme_module, NULL,
};
