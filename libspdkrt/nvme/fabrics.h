/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe over Fabrics command builders, transport-independent: Connect (command and its 1024-byte
 * data), Property Get and Property Set. A fabrics transport sends what these build.
 */
#ifndef SRT_NVME_FABRICS_H
#define SRT_NVME_FABRICS_H

#include <stdbool.h>
#include <stdint.h>

#include <spdkrt/nvme_spec.h>

/* Controller id a host asks for on the admin queue: the target picks one. */
#define NVME_FABRICS_CNTLID_DYNAMIC 0xFFFFu

/* Connect for queue qid with sqsize entries (1-based here, 0-based on the wire) and kato ms. */
void nvme_fabrics_connect_cmd(struct spdkrt_nvme_cmd *cmd, uint16_t qid, uint32_t entries,
			      uint32_t kato_ms);

/* Connect data. @return 0, or -EINVAL when an NQN does not fit its field (logged). */
int nvme_fabrics_connect_data(struct spdkrt_nvmf_connect_data *data, const uint8_t hostid[16],
			      uint16_t cntlid, const char *subnqn, const char *hostnqn);

/* Property Get of a 4- or 8-byte register. */
void nvme_fabrics_prop_get_cmd(struct spdkrt_nvme_cmd *cmd, uint32_t offset, bool eight);

/* Property Set of a 4- or 8-byte register. */
void nvme_fabrics_prop_set_cmd(struct spdkrt_nvme_cmd *cmd, uint32_t offset, bool eight,
			       uint64_t value);

/* The value a Property Get returned (CDW0 and CDW1 of its completion). */
uint64_t nvme_fabrics_prop_value(const struct spdkrt_nvme_cpl *cpl, bool eight);

/* Data direction of a command: fabrics commands keep it in the fctype. The NVMe/TCP host and
 * target both ask it once per command, hence inline. */
#define NVME_XFER_NONE 0u
#define NVME_XFER_H2C 1u
#define NVME_XFER_C2H 2u
static inline unsigned nvme_cmd_xfer(const struct spdkrt_nvme_cmd *cmd)
{
	if (cmd->opc == SPDKRT_NVME_OPC_FABRIC)
		return ((const struct spdkrt_nvmf_capsule_cmd *)(const void *)cmd)->fctype & 0x3u;
	return cmd->opc & 0x3u;
}

#endif
