/* SPDX-License-Identifier: BSD-3-Clause */
/* Fault rules: which command (queue, opcode, after `skip`, `count` times) gets which fault. */
#include <errno.h>
#include <string.h>

#include "internal.h"

int nvme_model_inject(struct nvme_model *m, const struct nvme_model_fault *f)
{
	if (m == NULL || f == NULL || f->kind > NVME_MODEL_FAULT_GARBAGE_CDW0 ||
	    (f->opcode > 0xFF && f->opcode != NVME_MODEL_ANY_OPCODE) ||
	    (f->qid >= NVME_MODEL_MAX_QUEUES && f->qid != NVME_MODEL_ANY_QID))
		return -EINVAL;
	for (unsigned i = 0; i < MODEL_MAX_FAULTS; i++) {
		if (!m->faults[i].active) {
			m->faults[i] = (struct model_fault_rule){ .f = *f, .active = true };
			return 0;
		}
	}
	return -ENOSPC;
}

void nvme_model_clear_faults(struct nvme_model *m)
{
	memset(m->faults, 0, sizeof(m->faults));
}

const struct nvme_model_fault *model_fault_match(struct nvme_model *m, uint16_t qid, uint8_t opcode)
{
	for (unsigned i = 0; i < MODEL_MAX_FAULTS; i++) {
		struct model_fault_rule *rule = &m->faults[i];

		if (!rule->active || (rule->f.qid != NVME_MODEL_ANY_QID && rule->f.qid != qid) ||
		    (rule->f.opcode != NVME_MODEL_ANY_OPCODE && rule->f.opcode != opcode))
			continue;
		if (rule->f.skip > 0) {
			rule->f.skip--;
			continue;
		}
		if (rule->f.count != 0 && ++rule->hits == rule->f.count)
			rule->active = false; /* last hit: the rule stays readable until reused */
		return &rule->f;
	}
	return NULL;
}
