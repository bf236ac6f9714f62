/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reservations, kept by the target for each namespace over any bdev: hosts (by host id)
 * register keys, one acquires a reservation of a type, others are kept from reading or writing
 * as the type says (a reservation conflict status), preempt, release, clear, and a report
 * listing registrants (extended format: fabrics host ids are 128 bits). Not persistent across
 * restarts (RESCAP has no PTPL). The state is under ns->resv_lock; the I/O path looks at it only
 * while a reservation is held (ns->resv_held).
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <string.h>

#include "util/log.h"

/* Reservation Report, extended data structure: one registrant (64 bytes). */
struct resv_report_entry {
	uint16_t cntlid;
	uint8_t rcsts;
	uint8_t reserved1[5];
	uint64_t rkey;
	uint8_t hostid[16];
	uint8_t reserved2[32];
};
_Static_assert(sizeof(struct resv_report_entry) == 64, "extended registrant entry");

/* Report header: 24 bytes, then 40 reserved in the extended format. */
#define REPORT_EXT_HEADER_LEN 64u
#define CNTLID_DYNAMIC 0xffffu

static bool all_registrants_type(uint8_t rtype)
{
	return rtype == SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE_ALL_REGS ||
	       rtype == SPDKRT_NVME_RESERVE_EXCLUSIVE_ACCESS_ALL_REGS;
}

static int find_reg(const struct srt_nvmf_ns *ns, const uint8_t *hostid)
{
	for (unsigned i = 0; i < ns->num_regs; i++)
		if (memcmp(ns->regs[i].hostid, hostid, 16) == 0)
			return (int)i;
	return -1;
}

static bool is_holder(const struct srt_nvmf_ns *ns, const uint8_t *hostid)
{
	if (ns->rtype == 0)
		return false;
	if (all_registrants_type(ns->rtype))
		return find_reg(ns, hostid) >= 0;
	return memcmp(ns->holder_hostid, hostid, 16) == 0;
}

static void set_reservation(struct srt_nvmf_ns *ns, uint8_t rtype, const uint8_t *holder)
{
	ns->rtype = rtype;
	if (holder != NULL)
		memcpy(ns->holder_hostid, holder, 16);
	else
		memset(ns->holder_hostid, 0, 16);
	atomic_store(&ns->resv_held, rtype != 0);
}

/* Drop registrant i; a reservation it held goes with it (all-registrants: with the last). */
static void remove_reg(struct srt_nvmf_ns *ns, unsigned i)
{
	bool held = ns->rtype != 0 && !all_registrants_type(ns->rtype) &&
		    memcmp(ns->holder_hostid, ns->regs[i].hostid, 16) == 0;

	ns->regs[i] = ns->regs[--ns->num_regs];
	if (held || (all_registrants_type(ns->rtype) && ns->num_regs == 0))
		set_reservation(ns, 0, NULL);
}

bool srt_nvmf_resv_conflict(struct srt_nvmf_ns *ns, const struct srt_nvmf_qpair *q, bool write)
{
	const uint8_t *hostid = q->ctrlr->hostid;
	bool registrant, conflict;

	if (!atomic_load_explicit(&ns->resv_held, memory_order_relaxed))
		return false;
	pthread_mutex_lock(&ns->resv_lock);
	registrant = find_reg(ns, hostid) >= 0;
	switch (ns->rtype) {
	case 0:
		conflict = false;
		break;
	case SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE:
		conflict = write && !is_holder(ns, hostid);
		break;
	case SPDKRT_NVME_RESERVE_EXCLUSIVE_ACCESS:
		conflict = !is_holder(ns, hostid);
		break;
	case SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE_REG_ONLY:
	case SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE_ALL_REGS:
		conflict = write && !registrant;
		break;
	default: /* exclusive access, registrants only or all registrants */
		conflict = !registrant;
		break;
	}
	pthread_mutex_unlock(&ns->resv_lock);
	return conflict;
}

/* Each returns an NVMe status code (generic set): 0, or why the command fails. */
static uint8_t do_register(struct srt_nvmf_ns *ns, const uint8_t *hostid, uint32_t cdw10,
			   const struct spdkrt_nvme_reservation_register_data *d)
{
	unsigned action = SPDKRT_NVME_GET(cdw10, SPDKRT_NVME_RESV_ACTION);
	bool iekey = SPDKRT_NVME_GET(cdw10, SPDKRT_NVME_RESV_IEKEY) != 0;
	int i = find_reg(ns, hostid);

	switch (action) {
	case SPDKRT_NVME_RESERVE_REGISTER_KEY:
		if (i >= 0)
			return ns->regs[i].rkey == d->nrkey ? 0 :
							      SPDKRT_NVME_SC_RESERVATION_CONFLICT;
		if (ns->num_regs == SRT_NVMF_MAX_REGISTRANTS)
			return SPDKRT_NVME_SC_RESERVATION_CONFLICT;
		memcpy(ns->regs[ns->num_regs].hostid, hostid, 16);
		ns->regs[ns->num_regs++].rkey = d->nrkey;
		ns->resv_gen++;
		return 0;
	case SPDKRT_NVME_RESERVE_UNREGISTER_KEY:
		if (i < 0 || (!iekey && ns->regs[i].rkey != d->crkey))
			return SPDKRT_NVME_SC_RESERVATION_CONFLICT;
		remove_reg(ns, (unsigned)i);
		ns->resv_gen++;
		return 0;
	case SPDKRT_NVME_RESERVE_REPLACE_KEY:
		if (i < 0 || (!iekey && ns->regs[i].rkey != d->crkey))
			return SPDKRT_NVME_SC_RESERVATION_CONFLICT;
		ns->regs[i].rkey = d->nrkey;
		return 0;
	default:
		return SPDKRT_NVME_SC_INVALID_FIELD;
	}
}

/* Preempt: registrants holding prkey lose their registration (and a reservation they held). */
static uint8_t preempt(struct srt_nvmf_ns *ns, const uint8_t *hostid, uint8_t rtype, uint64_t prkey)
{
	int h = ns->rtype != 0 && !all_registrants_type(ns->rtype) ?
			find_reg(ns, ns->holder_hostid) :
			-1;
	bool took_holder = h >= 0 && ns->regs[h].rkey == prkey;
	bool all_regs_clear = all_registrants_type(ns->rtype) && prkey == 0;
	unsigned removed = 0;

	for (unsigned i = 0; i < ns->num_regs;) {
		bool self = memcmp(ns->regs[i].hostid, hostid, 16) == 0;

		if (!self && (all_regs_clear || ns->regs[i].rkey == prkey)) {
			remove_reg(ns, i);
			removed++;
			continue;
		}
		i++;
	}
	if (removed == 0 && !all_regs_clear)
		return SPDKRT_NVME_SC_RESERVATION_CONFLICT;
	/* The preempted holder's reservation passes to this host. */
	if (took_holder || all_regs_clear)
		set_reservation(ns, rtype, hostid);
	ns->resv_gen++;
	return 0;
}

static uint8_t do_acquire(struct srt_nvmf_ns *ns, const uint8_t *hostid, uint32_t cdw10,
			  const struct spdkrt_nvme_reservation_acquire_data *d)
{
	unsigned action = SPDKRT_NVME_GET(cdw10, SPDKRT_NVME_RESV_ACTION);
	bool iekey = SPDKRT_NVME_GET(cdw10, SPDKRT_NVME_RESV_IEKEY) != 0;
	uint8_t rtype = (uint8_t)SPDKRT_NVME_GET(cdw10, SPDKRT_NVME_RESV_RTYPE);
	int i = find_reg(ns, hostid);

	if (rtype < SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE ||
	    rtype > SPDKRT_NVME_RESERVE_EXCLUSIVE_ACCESS_ALL_REGS)
		return SPDKRT_NVME_SC_INVALID_FIELD;
	if (i < 0 || (!iekey && ns->regs[i].rkey != d->crkey))
		return SPDKRT_NVME_SC_RESERVATION_CONFLICT;
	switch (action) {
	case SPDKRT_NVME_RESERVE_ACQUIRE:
		if (ns->rtype == 0) {
			set_reservation(ns, rtype, hostid);
			return 0;
		}
		return is_holder(ns, hostid) && ns->rtype == rtype ?
			       0 :
			       SPDKRT_NVME_SC_RESERVATION_CONFLICT;
	case SPDKRT_NVME_RESERVE_PREEMPT:
	case SPDKRT_NVME_RESERVE_PREEMPT_ABORT: /* no command is aborted: they run to the end */
		return preempt(ns, hostid, rtype, d->prkey);
	default:
		return SPDKRT_NVME_SC_INVALID_FIELD;
	}
}

static uint8_t do_release(struct srt_nvmf_ns *ns, const uint8_t *hostid, uint32_t cdw10,
			  const struct spdkrt_nvme_reservation_key_data *d)
{
	unsigned action = SPDKRT_NVME_GET(cdw10, SPDKRT_NVME_RESV_ACTION);
	bool iekey = SPDKRT_NVME_GET(cdw10, SPDKRT_NVME_RESV_IEKEY) != 0;
	uint8_t rtype = (uint8_t)SPDKRT_NVME_GET(cdw10, SPDKRT_NVME_RESV_RTYPE);
	int i = find_reg(ns, hostid);

	if (i < 0 || (!iekey && ns->regs[i].rkey != d->crkey))
		return SPDKRT_NVME_SC_RESERVATION_CONFLICT;
	switch (action) {
	case SPDKRT_NVME_RESERVE_RELEASE:
		if (!is_holder(ns, hostid))
			return 0; /* nothing of this host's to release */
		if (rtype != ns->rtype)
			return SPDKRT_NVME_SC_INVALID_FIELD;
		set_reservation(ns, 0, NULL);
		return 0;
	case SPDKRT_NVME_RESERVE_CLEAR:
		ns->num_regs = 0;
		set_reservation(ns, 0, NULL);
		ns->resv_gen++;
		return 0;
	default:
		return SPDKRT_NVME_SC_INVALID_FIELD;
	}
}

static void report(struct srt_nvmf_req *req, struct srt_nvmf_ns *ns)
{
	uint32_t len = ((req->cmd.cdw10) + 1u) * 4u;
	struct spdkrt_nvme_reservation_status_data hdr;
	uint8_t *out = req->buf;

	if (len > req->xfer_len)
		len = req->xfer_len;
	memset(out, 0, req->xfer_len);
	memset(&hdr, 0, sizeof(hdr));
	pthread_mutex_lock(&ns->resv_lock);
	hdr.gen = ns->resv_gen;
	hdr.rtype = ns->rtype;
	hdr.regctl[0] = (uint8_t)ns->num_regs;
	memcpy(out, &hdr, len < sizeof(hdr) ? len : sizeof(hdr));
	for (unsigned i = 0; i < ns->num_regs; i++) {
		struct resv_report_entry e;
		uint32_t at = REPORT_EXT_HEADER_LEN + i * (uint32_t)sizeof(e);

		if (at >= len)
			break;
		memset(&e, 0, sizeof(e));
		e.cntlid = CNTLID_DYNAMIC;
		e.rcsts = is_holder(ns, ns->regs[i].hostid) ? 1 : 0;
		e.rkey = ns->regs[i].rkey;
		memcpy(e.hostid, ns->regs[i].hostid, 16);
		memcpy(out + at, &e, len - at < sizeof(e) ? len - at : sizeof(e));
	}
	pthread_mutex_unlock(&ns->resv_lock);
	srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
}

static const char *resv_name(uint8_t opc)
{
	switch (opc) {
	case SPDKRT_NVME_OPC_RESERVATION_REGISTER:
		return "Reservation Register";
	case SPDKRT_NVME_OPC_RESERVATION_ACQUIRE:
		return "Reservation Acquire";
	case SPDKRT_NVME_OPC_RESERVATION_REPORT:
		return "Reservation Report";
	default:
		return "Reservation Release";
	}
}

void srt_nvmf_resv_execute(struct srt_nvmf_req *req, struct srt_nvmf_ns *ns)
{
	struct srt_nvmf_qpair *q = req->qpair;
	const uint8_t *hostid = q->ctrlr->hostid;
	uint32_t need, cdw10 = req->cmd.cdw10;
	uint8_t sc;

	/* Report: at least one dword back (NUMD 0); Register and Acquire: two keys; Release: one. */
	need = req->cmd.opc == SPDKRT_NVME_OPC_RESERVATION_REPORT  ? 4u :
	       req->cmd.opc == SPDKRT_NVME_OPC_RESERVATION_RELEASE ? 8u :
								     16u;
	if (req->xfer_len < need) {
		SRT_ERR("%s: %s with %u bytes of data (%u needed)", q->peer,
			resv_name(req->cmd.opc), req->xfer_len, need);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_DATA_SGL_LENGTH_INVALID);
		return;
	}
	if (req->cmd.opc == SPDKRT_NVME_OPC_RESERVATION_REPORT) {
		if ((req->cmd.cdw11 & 1u) == 0) {
			SRT_ERR("%s: Reservation Report without the extended format (host ids "
				"are 128 bits over fabrics)",
				q->peer);
			srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
						     SPDKRT_NVME_SC_HOSTID_INCONSISTENT_FORMAT);
			return;
		}
		report(req, ns);
		return;
	}
	pthread_mutex_lock(&ns->resv_lock);
	if (req->cmd.opc == SPDKRT_NVME_OPC_RESERVATION_REGISTER)
		sc = do_register(ns, hostid, cdw10, (const void *)req->buf);
	else if (req->cmd.opc == SPDKRT_NVME_OPC_RESERVATION_ACQUIRE)
		sc = do_acquire(ns, hostid, cdw10, (const void *)req->buf);
	else
		sc = do_release(ns, hostid, cdw10, (const void *)req->buf);
	pthread_mutex_unlock(&ns->resv_lock);
	if (sc != 0)
		SRT_ERR("%s: %s (cdw10 0x%08x) on namespace %u of %s refused: status 0x%02x",
			q->peer, resv_name(req->cmd.opc), cdw10, ns->nsid, q->ctrlr->subsys->nqn,
			sc);
	srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC, sc);
}
