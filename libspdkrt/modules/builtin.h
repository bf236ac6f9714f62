/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built-in bdev modules. Each describes itself in a struct spdkrt_bdev_module_ops and is
 * registered through the public module interface, like an out-of-tree module; the bdev core
 * knows none of them by name.
 */
#ifndef SRT_MODULES_BUILTIN_H
#define SRT_MODULES_BUILTIN_H

#include <spdkrt/bdev_module.h>

extern const struct spdkrt_bdev_module_ops srt_bdev_malloc_ops;
extern const struct spdkrt_bdev_module_ops srt_bdev_null_ops;
extern const struct spdkrt_bdev_module_ops srt_bdev_aio_ops;
#ifdef SPDKRT_HAVE_URING
extern const struct spdkrt_bdev_module_ops srt_bdev_uring_ops;
#endif
extern const struct spdkrt_bdev_module_ops srt_bdev_crypto_ops;
extern const struct spdkrt_bdev_module_ops srt_bdev_nvme_ops;

/*
 * Registers every built-in module, once per process (later calls do nothing). spdkrt_env_init()
 * calls it: explicitly, not from a constructor, which a static link would drop.
 */
void srt_bdev_builtin_modules_register(void);

#endif
