/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libspdkrt_nvme_model.so, for the Python package's NVMe tests only (never installed): the whole
 * library (every spdkrt_* function, the same code as libspdkrt.so.1) plus the NVMe controller
 * model (tests/models/nvme), so python/tests/test_nvme.py drives the real driver from Python
 * against a controller on a machine without NVMe. The model is internal API; these few
 * functions are all Python needs of it.
 */
#include <errno.h>
#include <stdint.h>

#include <spdkrt/api.h>

#include "env/backend.h"
#include "env/pci_sysfs.h"
#include "../models/nvme/nvme_model.h"

SPDKRT_API int spdkrt_test_model_prepare(void);
SPDKRT_API int spdkrt_test_model_start(uint64_t blocks, struct nvme_model **model);
SPDKRT_API void spdkrt_test_model_stop(struct nvme_model *model);
SPDKRT_API uint64_t spdkrt_test_model_io_commands(struct nvme_model *model);
SPDKRT_API int spdkrt_test_model_drop(struct nvme_model *model, uint16_t qid, uint16_t opcode,
				      uint32_t count);
SPDKRT_API void spdkrt_test_model_clear_faults(struct nvme_model *model);
SPDKRT_API int spdkrt_test_model_other_host_register(struct nvme_model *model, uint32_t nsid,
						     uint64_t host_id, uint64_t key);
SPDKRT_API int spdkrt_test_model_other_host_acquire(struct nvme_model *model, uint32_t nsid,
						    uint64_t host_id, uint64_t key, uint8_t rtype);

/* Before spdkrt_env_init(): no real PCI functions, and DMA memory whose IOVAs are not VAs. */
SPDKRT_API int spdkrt_test_model_prepare(void)
{
	int rc = srt_pci_sysfs_set_root("/nonexistent-spdkrt-sysfs");

	return rc != 0 ? rc : srt_env_set_backend(&srt_env_heap_backend);
}

/*
 * A controller at the model's default address 0000:0e:00.0 with namespaces 1 (512-byte blocks)
 * and 2 (4 KiB blocks) of @p blocks blocks each. Called on an spdkrt thread, the model runs from
 * that thread's polls too. @return 0 and *model, or a negative errno.
 */
SPDKRT_API int spdkrt_test_model_start(uint64_t blocks, struct nvme_model **model)
{
	struct nvme_model_ns_opts ns512 = { .nsid = 1, .num_blocks = blocks, .lbaf = 0 };
	struct nvme_model_ns_opts ns4k = { .nsid = 2, .num_blocks = blocks, .lbaf = 3 };
	int rc;

	if (model == NULL || blocks == 0)
		return -EINVAL;
	rc = nvme_model_create(NULL, model);
	if (rc == 0)
		rc = nvme_model_add_ns(*model, &ns512);
	if (rc == 0)
		rc = nvme_model_add_ns(*model, &ns4k);
	if (rc != 0) {
		nvme_model_destroy(*model);
		*model = NULL;
	}
	return rc;
}

/* The driver must have detached. NULL is ignored. */
SPDKRT_API void spdkrt_test_model_stop(struct nvme_model *model)
{
	nvme_model_destroy(model);
}

/* I/O commands the model has run: proof that the I/O reached the device. */
SPDKRT_API uint64_t spdkrt_test_model_io_commands(struct nvme_model *model)
{
	struct nvme_model_stats s;

	nvme_model_get_stats(model, &s);
	return s.io_commands;
}

/*
 * The next @p count commands with @p opcode on queue @p qid run and are never completed (a
 * command that times out; an Abort or a reset ends it). @return 0 or a negative errno.
 */
SPDKRT_API int spdkrt_test_model_drop(struct nvme_model *model, uint16_t qid, uint16_t opcode,
				      uint32_t count)
{
	struct nvme_model_fault drop = {
		.kind = NVME_MODEL_FAULT_DROP, .qid = qid, .opcode = opcode, .count = count
	};

	return model == NULL ? -EINVAL : nvme_model_inject(model, &drop);
}

SPDKRT_API void spdkrt_test_model_clear_faults(struct nvme_model *model)
{
	if (model != NULL)
		nvme_model_clear_faults(model);
}

/* A second host registers @p key on @p nsid (reservation tests need another registrant). */
SPDKRT_API int spdkrt_test_model_other_host_register(struct nvme_model *model, uint32_t nsid,
						     uint64_t host_id, uint64_t key)
{
	return model == NULL ? -EINVAL : nvme_model_other_host_register(model, nsid, host_id, key);
}

/* The second host acquires a reservation of @p rtype with its registered @p key. */
SPDKRT_API int spdkrt_test_model_other_host_acquire(struct nvme_model *model, uint32_t nsid,
						    uint64_t host_id, uint64_t key, uint8_t rtype)
{
	return model == NULL ? -EINVAL :
			       nvme_model_other_host_acquire(model, nsid, host_id, key, rtype);
}
