/* SPDX-License-Identifier: BSD-3-Clause */
/* The NVMe/TCP receive-path fuzz target, shared by the libFuzzer build and the replayer. */
#ifndef SPDKRT_TEST_FUZZ_NVMF_FUZZ_H
#define SPDKRT_TEST_FUZZ_NVMF_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_NQN "nqn.2016-06.io.spdk:fuzz"
/* The controller the harness keeps connected; inputs connect I/O queues to it. */
#define FUZZ_CNTLID 1

/* Send data as one host's whole byte stream; aborts when an invariant breaks. */
int nvmf_fuzz_one(const uint8_t *data, size_t size);
/* Destroy the target and the environment (for leak checkers at exit). */
void nvmf_fuzz_cleanup(void);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
