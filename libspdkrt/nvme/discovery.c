/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe over Fabrics discovery, host side: the discovery log page (70h) read whole in pieces (the
 * header, then the entries a chunk at a time, so any number of entries fits any transfer limit),
 * read again when the generation counter moved during the read; and probing through a discovery
 * controller, which attaches every NVM subsystem the log lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

/* Entries per Get Log Page: 4 KiB, within any controller's transfer limit. */
#define DISCOVERY_CHUNK_ENTRIES 4u
/* A log claiming more entries than this is refused: it would be a hostile allocation (16 MiB). */
#define DISCOVERY_MAX_ENTRIES 16384u
/* Reads started over because the log changed under us, before giving up. */
#define DISCOVERY_MAX_ATTEMPTS 8u

#define HDR_SIZE sizeof(struct spdkrt_nvmf_discovery_log_page)
#define ENTRY_SIZE sizeof(struct spdkrt_nvmf_discovery_log_entry)

enum discovery_phase {
	DISCOVERY_READ_HEADER,  /* how many entries, which generation */
	DISCOVERY_READ_ENTRIES, /* the next chunk of entries */
	DISCOVERY_CHECK_HEADER, /* the generation again: unchanged means the entries are whole */
	DISCOVERY_READ_WHOLE,   /* no offsets (LPA.EDLP clear): header and entries in one read */
};

struct discovery_read {
	struct spdkrt_nvme_ctrlr *ctrlr;
	spdkrt_nvme_discovery_log_cb cb;
	void *cb_arg;
	enum discovery_phase phase;
	struct spdkrt_nvmf_discovery_log_page hdr;   /* the generation being read */
	struct spdkrt_nvmf_discovery_log_page check; /* the header read after the entries */
	uint8_t *page;                               /* header + numrec entries */
	uint64_t next;                               /* entries read so far */
	unsigned attempts;
};

static void step_done(void *arg, const struct spdkrt_nvme_cpl *cpl);

static void finish(struct discovery_read *d, int rc)
{
	if (rc == 0) {
		memcpy(d->page, &d->hdr, HDR_SIZE);
		d->cb(d->cb_arg, 0, (const void *)d->page, (const void *)(d->page + HDR_SIZE));
	} else {
		d->cb(d->cb_arg, rc, NULL, NULL);
	}
	free(d->page);
	free(d);
}

static int read_log(struct discovery_read *d, void *buf, uint32_t size, uint64_t offset)
{
	return spdkrt_nvme_ctrlr_cmd_get_log_page(d->ctrlr, SPDKRT_NVME_LOG_DISCOVERY, 0, buf, size,
						  offset, 0, false, step_done, d);
}

static bool offsets_supported(const struct discovery_read *d)
{
	return (d->ctrlr->cdata.lpa & SPDKRT_NVME_LPA_EDLP) != 0;
}

/* Size the buffer for hdr.numrec entries; the first read of a generation. */
static int begin_generation(struct discovery_read *d)
{
	uint64_t numrec = d->hdr.numrec;
	uint8_t *page;

	if (numrec > DISCOVERY_MAX_ENTRIES) {
		SRT_ERR("nvme %s: discovery log claims %llu entries (at most %u are read)",
			d->ctrlr->trid.traddr, (unsigned long long)numrec, DISCOVERY_MAX_ENTRIES);
		return -EPROTO;
	}
	if (d->hdr.recfmt != 0) {
		SRT_ERR("nvme %s: discovery log record format %u is unknown", d->ctrlr->trid.traddr,
			d->hdr.recfmt);
		return -EPROTO;
	}
	page = realloc(d->page, HDR_SIZE + numrec * ENTRY_SIZE);
	if (page == NULL)
		return -ENOMEM;
	d->page = page;
	d->next = 0;
	if (!offsets_supported(d)) {
		uint64_t whole = HDR_SIZE + numrec * ENTRY_SIZE;

		if (whole > spdkrt_nvme_ctrlr_get_max_xfer_size(d->ctrlr)) {
			SRT_ERR("nvme %s: discovery log of %llu entries needs offsets, which the "
				"controller does not take (LPA.EDLP clear)",
				d->ctrlr->trid.traddr, (unsigned long long)numrec);
			return -ENOTSUP;
		}
		d->phase = DISCOVERY_READ_WHOLE;
		return read_log(d, d->page, (uint32_t)whole, 0);
	}
	d->phase = DISCOVERY_READ_ENTRIES;
	return 0;
}

/* Issue the next read of the entries phase, or the check of the header after the last one. */
static int read_next_chunk(struct discovery_read *d)
{
	uint64_t left = d->hdr.numrec - d->next;
	uint64_t n = left < DISCOVERY_CHUNK_ENTRIES ? left : DISCOVERY_CHUNK_ENTRIES;

	if (n == 0) {
		d->phase = DISCOVERY_CHECK_HEADER;
		return read_log(d, &d->check, HDR_SIZE, 0);
	}
	return read_log(d, d->page + HDR_SIZE + d->next * ENTRY_SIZE, (uint32_t)(n * ENTRY_SIZE),
			HDR_SIZE + d->next * ENTRY_SIZE);
}

/* The log changed while it was read: start over with the header just read. */
static int restart(struct discovery_read *d, const struct spdkrt_nvmf_discovery_log_page *now)
{
	if (++d->attempts >= DISCOVERY_MAX_ATTEMPTS) {
		SRT_ERR("nvme %s: discovery log kept changing during %u reads; giving up",
			d->ctrlr->trid.traddr, d->attempts);
		return -EAGAIN;
	}
	SRT_INFO("nvme %s: discovery log changed (generation %llu -> %llu); reading it again",
		 d->ctrlr->trid.traddr, (unsigned long long)d->hdr.genctr,
		 (unsigned long long)now->genctr);
	d->hdr = *now;
	return begin_generation(d);
}

/* Advance after a completed read. 1: the log is whole; 0: a read is in flight; <0: failed. */
static int advance(struct discovery_read *d)
{
	int rc;

	switch (d->phase) {
	case DISCOVERY_READ_HEADER:
		rc = begin_generation(d);
		if (rc != 0 || d->phase == DISCOVERY_READ_WHOLE)
			return rc;
		return read_next_chunk(d);
	case DISCOVERY_READ_ENTRIES: {
		uint64_t left = d->hdr.numrec - d->next;

		d->next += left < DISCOVERY_CHUNK_ENTRIES ? left : DISCOVERY_CHUNK_ENTRIES;
		return read_next_chunk(d);
	}
	case DISCOVERY_CHECK_HEADER:
		if (d->check.genctr == d->hdr.genctr && d->check.numrec == d->hdr.numrec)
			return 1;
		rc = restart(d, &d->check);
		if (rc != 0 || d->phase == DISCOVERY_READ_WHOLE)
			return rc;
		return read_next_chunk(d);
	case DISCOVERY_READ_WHOLE: {
		struct spdkrt_nvmf_discovery_log_page now;

		/* One read is consistent unless the header in it is another generation. */
		memcpy(&now, d->page, HDR_SIZE);
		if (now.genctr == d->hdr.genctr && now.numrec == d->hdr.numrec)
			return 1;
		return restart(d, &now);
	}
	}
	return -EINVAL;
}

static void step_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct discovery_read *d = arg;
	int rc;

	if (spdkrt_nvme_cpl_is_error(cpl)) {
		SRT_ERR("nvme %s: get log page discovery failed: %s", d->ctrlr->trid.traddr,
			spdkrt_nvme_cpl_status_string(cpl));
		finish(d, -EIO);
		return;
	}
	rc = advance(d);
	if (rc != 0)
		finish(d, rc > 0 ? 0 : rc);
}

int spdkrt_nvme_ctrlr_get_discovery_log(struct spdkrt_nvme_ctrlr *ctrlr,
					spdkrt_nvme_discovery_log_cb cb, void *cb_arg)
{
	struct discovery_read *d;
	int rc;

	if (ctrlr == NULL || cb == NULL)
		return nvme_bad_arg(__func__, "ctrlr or cb is NULL");
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->ctrlr = ctrlr;
	d->cb = cb;
	d->cb_arg = cb_arg;
	d->phase = DISCOVERY_READ_HEADER;
	rc = read_log(d, &d->hdr, HDR_SIZE, 0);
	if (rc != 0) {
		SRT_ERR("nvme %s: cannot read the discovery log: %d", ctrlr->trid.traddr, rc);
		free(d);
	}
	return rc;
}

/* Copies a space-padded fixed field into a C string; -EINVAL when empty or too long. */
static int unpad(char *dst, size_t size, const char *src, size_t src_len)
{
	size_t len = strnlen(src, src_len);

	while (len > 0 && src[len - 1] == ' ')
		len--;
	if (len == 0 || len >= size)
		return -EINVAL;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int spdkrt_nvme_discovery_entry_to_trid(const struct spdkrt_nvmf_discovery_log_entry *entry,
					struct spdkrt_nvme_transport_id *trid)
{
	if (entry == NULL || trid == NULL)
		return nvme_bad_arg(__func__, "entry or trid is NULL");
	memset(trid, 0, sizeof(*trid));
	if (entry->trtype != SPDKRT_NVMF_TRTYPE_TCP) {
		SRT_ERR("%s: transport type %u is not TCP", __func__, entry->trtype);
		return -ENOTSUP;
	}
	if (entry->adrfam != SPDKRT_NVMF_ADRFAM_IPV4 && entry->adrfam != SPDKRT_NVMF_ADRFAM_IPV6) {
		SRT_ERR("%s: address family %u is neither IPv4 nor IPv6", __func__, entry->adrfam);
		return -ENOTSUP;
	}
	trid->trtype = SPDKRT_NVME_TRANSPORT_TCP;
	trid->adrfam = (enum spdkrt_nvmf_adrfam)entry->adrfam;
	if (unpad(trid->traddr, sizeof(trid->traddr), entry->traddr, sizeof(entry->traddr)) != 0 ||
	    unpad(trid->trsvcid, sizeof(trid->trsvcid), entry->trsvcid, sizeof(entry->trsvcid)) !=
		    0 ||
	    unpad(trid->subnqn, sizeof(trid->subnqn), entry->subnqn, sizeof(entry->subnqn)) != 0) {
		SRT_ERR("%s: the entry's address, service id or NQN is empty or too long",
			__func__);
		memset(trid, 0, sizeof(*trid));
		return -EINVAL;
	}
	return 0;
}

/* Probing through a discovery controller */

struct discovery_wait {
	bool done;
	int rc;
	nvme_discovery_trid_cb each;
	void *arg;
	unsigned listed;
};

static void attach_listed(void *arg, int rc, const struct spdkrt_nvmf_discovery_log_page *hdr,
			  const struct spdkrt_nvmf_discovery_log_entry *entries)
{
	struct discovery_wait *w = arg;

	w->done = true;
	w->rc = rc;
	if (rc != 0)
		return;
	for (uint64_t i = 0; i < hdr->numrec; i++) {
		struct spdkrt_nvme_transport_id trid;

		/* Referrals and the discovery controller itself are not NVM subsystems. */
		if (entries[i].subtype != SPDKRT_NVMF_SUBTYPE_NVME)
			continue;
		if (spdkrt_nvme_discovery_entry_to_trid(&entries[i], &trid) != 0) {
			SRT_WARN("nvme: discovery log entry %llu skipped", (unsigned long long)i);
			continue;
		}
		w->listed++;
		w->each(w->arg, &trid);
	}
}

int nvme_discovery_probe(const struct spdkrt_nvme_transport_id *discovery_trid,
			 const struct spdkrt_nvme_ctrlr_opts *opts, nvme_discovery_trid_cb each,
			 void *arg)
{
	struct discovery_wait w = { .each = each, .arg = arg };
	struct spdkrt_nvme_ctrlr *ctrlr;
	int rc;

	rc = spdkrt_nvme_connect(discovery_trid, opts, &ctrlr);
	if (rc != 0) {
		SRT_ERR("nvme %s:%s: cannot connect to the discovery controller: %d",
			discovery_trid->traddr, discovery_trid->trsvcid, rc);
		return rc;
	}
	rc = spdkrt_nvme_ctrlr_get_discovery_log(ctrlr, attach_listed, &w);
	if (rc == 0)
		rc = nvme_ctrlr_wait(ctrlr, &w.done, 2 * ctrlr->opts.admin_timeout_us);
	if (rc == 0)
		rc = w.rc;
	if (rc == 0 && !w.done)
		rc = -ETIMEDOUT;
	if (!w.done) /* the read still refers to w: failing the controller completes it */
		nvme_ctrlr_fail(ctrlr, false);
	spdkrt_nvme_detach(ctrlr);
	if (rc == 0)
		SRT_INFO("nvme %s:%s: discovery lists %u NVM subsystem(s)", discovery_trid->traddr,
			 discovery_trid->trsvcid, w.listed);
	return rc;
}

bool nvme_trid_is_discovery(const struct spdkrt_nvme_transport_id *trid)
{
	return trid->trtype == SPDKRT_NVME_TRANSPORT_TCP &&
	       strcmp(trid->subnqn, SPDKRT_NVMF_DISCOVERY_NQN) == 0;
}
