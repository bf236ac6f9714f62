/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe over Fabrics command builders: Connect, Property Get/Set (transport-independent). */
#include <errno.h>
#include <string.h>

#include "nvme/fabrics.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

/* Fabrics commands always describe data with an SGL (PSDT 01b). */
static void fabrics_cmd_init(struct spdkrt_nvme_cmd *cmd, uint8_t fctype)
{
	struct spdkrt_nvmf_capsule_cmd *c = (struct spdkrt_nvmf_capsule_cmd *)(void *)cmd;

	memset(cmd, 0, sizeof(*cmd));
	c->opcode = SPDKRT_NVME_OPC_FABRIC;
	c->reserved1 = SPDKRT_NVME_PSDT_SGL_MPTR_CONTIG << SPDKRT_NVME_CMD_PSDT_SHIFT;
	c->fctype = fctype;
}

void nvme_fabrics_connect_cmd(struct spdkrt_nvme_cmd *cmd, uint16_t qid, uint32_t entries,
			      uint32_t kato_ms)
{
	struct spdkrt_nvmf_connect_cmd *c = (struct spdkrt_nvmf_connect_cmd *)(void *)cmd;

	fabrics_cmd_init(cmd, SPDKRT_NVMF_FCTYPE_CONNECT);
	c->qid = qid;
	c->sqsize = (uint16_t)(entries - 1);
	/* Keep alive belongs to the controller: only the admin queue carries it. */
	c->kato = qid == 0 ? kato_ms : 0;
}

static int copy_nqn(char *dst, const char *src, const char *what)
{
	size_t len = src == NULL ? 0 : strnlen(src, SPDKRT_NVMF_NQN_MAX_LEN + 1);

	if (len == 0 || len > SPDKRT_NVMF_NQN_MAX_LEN) {
		SRT_ERR("nvme fabrics: the %s is empty or longer than %u bytes", what,
			SPDKRT_NVMF_NQN_MAX_LEN);
		return -EINVAL;
	}
	memcpy(dst, src, len);
	return 0;
}

int nvme_fabrics_connect_data(struct spdkrt_nvmf_connect_data *data, const uint8_t hostid[16],
			      uint16_t cntlid, const char *subnqn, const char *hostnqn)
{
	memset(data, 0, sizeof(*data));
	memcpy(data->hostid, hostid, sizeof(data->hostid));
	data->cntlid = cntlid;
	if (copy_nqn(data->subnqn, subnqn, "subsystem NQN") != 0 ||
	    copy_nqn(data->hostnqn, hostnqn, "host NQN") != 0)
		return -EINVAL;
	return 0;
}

void nvme_fabrics_prop_get_cmd(struct spdkrt_nvme_cmd *cmd, uint32_t offset, bool eight)
{
	struct spdkrt_nvmf_property_get_cmd *c = (struct spdkrt_nvmf_property_get_cmd *)(void *)cmd;

	fabrics_cmd_init(cmd, SPDKRT_NVMF_FCTYPE_PROPERTY_GET);
	c->attrib = eight ? SPDKRT_NVMF_PROP_SIZE_8 : SPDKRT_NVMF_PROP_SIZE_4;
	c->ofst = offset;
}

void nvme_fabrics_prop_set_cmd(struct spdkrt_nvme_cmd *cmd, uint32_t offset, bool eight,
			       uint64_t value)
{
	struct spdkrt_nvmf_property_set_cmd *c = (struct spdkrt_nvmf_property_set_cmd *)(void *)cmd;

	fabrics_cmd_init(cmd, SPDKRT_NVMF_FCTYPE_PROPERTY_SET);
	c->attrib = eight ? SPDKRT_NVMF_PROP_SIZE_8 : SPDKRT_NVMF_PROP_SIZE_4;
	c->ofst = offset;
	c->value = eight ? value : (uint32_t)value;
}

uint64_t nvme_fabrics_prop_value(const struct spdkrt_nvme_cpl *cpl, bool eight)
{
	return eight ? (uint64_t)cpl->cdw1 << 32 | cpl->cdw0 : cpl->cdw0;
}
