/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The discovery log page (70h): one entry per (subsystem the host may connect to, listener),
 * built when asked, and served at any offset and length (zero past its end). The generation
 * counter changes whenever subsystems, hosts or listeners do, so hosts know to read it again.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

static void fill_entry(struct spdkrt_nvmf_discovery_log_entry *e,
		       const struct spdkrt_nvmf_subsystem *s, const struct srt_nvmf_listener *l,
		       uint32_t admin_depth)
{
	e->trtype = SPDKRT_NVMF_TRTYPE_TCP;
	e->adrfam = l->adrfam;
	e->subtype = SPDKRT_NVMF_SUBTYPE_NVME;
	/* TREQ bits 1:0: 01b secure channel required, 10b not required. */
	e->treq = l->secure ? 0x1 : 0x2;
	e->portid = l->portid;
	e->cntlid = 0xffff; /* dynamic controllers */
	e->asqsz = (uint16_t)admin_depth;
	srt_nvmf_pad_copy(e->trsvcid, sizeof(e->trsvcid), l->trsvcid);
	strncpy(e->subnqn, s->nqn, sizeof(e->subnqn) - 1);
	srt_nvmf_pad_copy(e->traddr, sizeof(e->traddr), l->traddr);
	e->tsas.sectype = l->secure ? 2 : 0; /* 2: TLS 1.3 */
}

void srt_nvmf_discovery_log(struct spdkrt_nvmf_tgt *tgt, const char *hostnqn, uint64_t offset,
			    uint8_t *buf, uint32_t len)
{
	struct spdkrt_nvmf_discovery_log_page *hdr;
	const struct spdkrt_nvmf_subsystem *s;
	const struct srt_nvmf_listener *l;
	uint64_t n = 0, page_len;
	uint8_t *page;

	memset(buf, 0, len);
	pthread_mutex_lock(&tgt->lock);
	TAILQ_FOREACH(s, &tgt->subsystems, link)
		if (srt_nvmf_subsystem_host_allowed((struct spdkrt_nvmf_subsystem *)s, hostnqn))
			TAILQ_FOREACH(l, &tgt->listeners, link)
				n += srt_nvmf_subsystem_listens_on_locked(s, l->portid);
	page_len = sizeof(*hdr) + n * sizeof(struct spdkrt_nvmf_discovery_log_entry);
	page = calloc(1, page_len);
	if (page == NULL) {
		pthread_mutex_unlock(&tgt->lock);
		SRT_ERR("no memory for a discovery log of %lu entries", (unsigned long)n);
		return;
	}
	hdr = (void *)page;
	hdr->genctr = tgt->discovery_genctr;
	hdr->numrec = n;
	hdr->recfmt = 0;
	n = 0;
	TAILQ_FOREACH(s, &tgt->subsystems, link) {
		if (!srt_nvmf_subsystem_host_allowed((struct spdkrt_nvmf_subsystem *)s, hostnqn))
			continue;
		TAILQ_FOREACH(l, &tgt->listeners, link) {
			struct spdkrt_nvmf_discovery_log_entry *e;

			if (!srt_nvmf_subsystem_listens_on_locked(s, l->portid))
				continue;
			e = (void *)(page + sizeof(*hdr) + n++ * sizeof(*e));

			fill_entry(e, s, l, tgt->opts.max_admin_queue_depth);
		}
	}
	pthread_mutex_unlock(&tgt->lock);
	if (offset < page_len)
		memcpy(buf, page + offset, page_len - offset < len ? page_len - offset : len);
	free(page);
}
