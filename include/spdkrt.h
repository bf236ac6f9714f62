/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * spdkrt: user-space, polled-mode storage and DMA drivers with a stable C ABI.
 * This umbrella header includes every public header.
 */
#ifndef SPDKRT_H
#define SPDKRT_H

#include <spdkrt/version.h>
#include <spdkrt/log.h>
#include <spdkrt/env.h>
#include <spdkrt/thread.h>
#include <spdkrt/app.h>
#include <spdkrt/bdev.h>
#include <spdkrt/bdev_module.h>
#include <spdkrt/pci.h>
#include <spdkrt/ioat.h>
#include <spdkrt/nvmf.h>
#include <spdkrt/nvme_spec.h>
#include <spdkrt/nvme.h>

#endif /* SPDKRT_H */
