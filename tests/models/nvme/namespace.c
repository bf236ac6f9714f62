/* SPDX-License-Identifier: BSD-3-Clause */
/* RAM namespaces: the LBA format table, backing store, hot add/remove and the change list. */
#define SRT_LOG_COMPONENT "nvme_model"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/log.h"

static const struct {
	uint32_t data;
	uint16_t md;
} g_lbaf[NVME_MODEL_NUM_LBAF] = {
	{ 512, 0 }, { 512, 8 }, { 512, 16 }, { 4096, 0 }, { 4096, 8 }, { 4096, 64 }, { 4096, 128 },
};

uint32_t model_lbaf_data_size(uint8_t lbaf)
{
	return lbaf < NVME_MODEL_NUM_LBAF ? g_lbaf[lbaf].data : 0;
}

uint16_t model_lbaf_md_size(uint8_t lbaf)
{
	return lbaf < NVME_MODEL_NUM_LBAF ? g_lbaf[lbaf].md : 0;
}

struct model_ns *model_ns_get(struct nvme_model *m, uint32_t nsid)
{
	if (nsid < 1 || nsid > NVME_MODEL_MAX_NS || !m->ns[nsid].exists || !m->ns[nsid].attached)
		return NULL;
	return &m->ns[nsid];
}

void model_ns_free(struct model_ns *ns)
{
	free(ns->data);
	free(ns->metadata);
	free(ns->uncorrectable);
	memset(ns, 0, sizeof(*ns));
}

static int validate(const struct nvme_model_ns_opts *o)
{
	uint16_t md = model_lbaf_md_size(o->lbaf);

	if (o->lbaf >= NVME_MODEL_NUM_LBAF || o->num_blocks == 0 ||
	    o->num_blocks * model_lbaf_data_size(o->lbaf) > (1ull << 32) || o->pi_type > 3 ||
	    (o->pi_type != 0 && md < 8))
		return -EINVAL;
	return 0;
}

/* Allocate the backing store (zeroed: a fresh namespace reads zeroes). */
int model_ns_alloc(struct nvme_model *m, uint32_t nsid, const struct nvme_model_ns_opts *o)
{
	struct model_ns *ns = &m->ns[nsid];
	uint16_t md = model_lbaf_md_size(o->lbaf);

	if (validate(o) != 0)
		return -EINVAL;
	memset(ns, 0, sizeof(*ns));
	ns->num_blocks = o->num_blocks;
	ns->lbaf = o->lbaf;
	ns->extended = o->extended && md != 0;
	ns->pi_type = o->pi_type;
	ns->pi_first = o->pi_first;
	ns->data = calloc(o->num_blocks, model_lbaf_data_size(o->lbaf));
	ns->metadata = md ? calloc(o->num_blocks, md) : NULL;
	ns->uncorrectable = calloc(o->num_blocks, 1);
	if (ns->data == NULL || (md && ns->metadata == NULL) || ns->uncorrectable == NULL) {
		model_ns_free(ns);
		return -ENOMEM;
	}
	ns->exists = true;
	ns->attached = !o->detached;
	return 0;
}

/* A namespace changed: list it for the Changed Namespace List log and raise the notice. */
void model_ns_changed(struct nvme_model *m, uint32_t nsid)
{
	bool listed = false;

	model_identify_build(m);
	if (!(m->cc & CC_EN))
		return; /* what exists at enable is not a change */
	for (unsigned i = 0; i < m->num_changed_ns; i++)
		listed |= m->changed_ns[i] == nsid;
	if (!listed) {
		if (m->num_changed_ns < 1024)
			m->changed_ns[m->num_changed_ns++] = nsid;
		else
			m->changed_ns[0] =
				0xFFFFFFFF; /* more than 1024 changed: the spec's overflow */
	}
	if (m->features[FEAT_ASYNC_EVENT_CONFIG] & OAES_NS_ATTRIBUTE)
		model_queue_event(m, AER_TYPE_NOTICE, AER_INFO_NOTICE_NS_ATTR_CHANGED,
				  LOG_CHANGED_NS_LIST);
}

int nvme_model_add_ns(struct nvme_model *m, const struct nvme_model_ns_opts *o)
{
	int rc;

	if (m == NULL || o == NULL || o->nsid < 1 || o->nsid > NVME_MODEL_MAX_NS)
		return -EINVAL;
	if (m->ns[o->nsid].exists)
		return -EEXIST;
	rc = model_ns_alloc(m, o->nsid, o);
	if (rc != 0) {
		SRT_ERR("namespace %u: bad options", o->nsid);
		return rc;
	}
	model_ns_changed(m, o->nsid);
	return 0;
}

int nvme_model_remove_ns(struct nvme_model *m, uint32_t nsid)
{
	if (nsid < 1 || nsid > NVME_MODEL_MAX_NS || !m->ns[nsid].exists)
		return -ENOENT;
	model_ns_free(&m->ns[nsid]);
	model_ns_changed(m, nsid);
	return 0;
}

uint8_t *nvme_model_ns_data(struct nvme_model *m, uint32_t nsid, size_t *size)
{
	struct model_ns *ns;

	if (nsid < 1 || nsid > NVME_MODEL_MAX_NS || !m->ns[nsid].exists)
		return NULL;
	ns = &m->ns[nsid];
	if (size != NULL)
		*size = ns->num_blocks * model_lbaf_data_size(ns->lbaf);
	return ns->data;
}

uint8_t *nvme_model_ns_metadata(struct nvme_model *m, uint32_t nsid, size_t *size)
{
	struct model_ns *ns;

	if (nsid < 1 || nsid > NVME_MODEL_MAX_NS || !m->ns[nsid].exists)
		return NULL;
	ns = &m->ns[nsid];
	if (size != NULL)
		*size = ns->num_blocks * model_lbaf_md_size(ns->lbaf);
	return ns->metadata;
}
