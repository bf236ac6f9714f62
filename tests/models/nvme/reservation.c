/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reservations: register/unregister/replace, acquire/preempt, release/clear, report (NUMD is
 * 0-based: exactly (NUMD + 1) dwords move), and enforcement of the six reservation types on the
 * driver's host. A second host exists only through the test API (nvme_model_other_host_*).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define RTYPE_WRITE_EXCLUSIVE 1
#define RTYPE_EXCLUSIVE_ACCESS 2
#define RTYPE_WE_REGISTRANTS_ONLY 3
#define RTYPE_EA_REGISTRANTS_ONLY 4
#define RTYPE_WE_ALL_REGISTRANTS 5
#define RTYPE_EA_ALL_REGISTRANTS 6
#define REPORT_HEADER 24
#define REPORT_ENTRY 24
#define REPORT_ENTRY_EXTENDED 64
#define REPORT_HEADER_EXTENDED 64

uint64_t model_self_host_id(const struct nvme_model *m)
{
	return get64(m->host_id, 0);
}

static struct model_registrant *find(struct model_ns *ns, uint64_t host_id)
{
	for (unsigned i = 0; i < ns->num_registrants; i++)
		if (ns->registrants[i].host_id == host_id)
			return &ns->registrants[i];
	return NULL;
}

static void drop(struct model_ns *ns, struct model_registrant *reg)
{
	unsigned i = (unsigned)(reg - ns->registrants);

	memmove(&ns->registrants[i], &ns->registrants[i + 1],
		(ns->num_registrants - i - 1) * sizeof(*reg));
	ns->num_registrants--;
}

static bool all_registrants(uint8_t rtype)
{
	return rtype == RTYPE_WE_ALL_REGISTRANTS || rtype == RTYPE_EA_ALL_REGISTRANTS;
}

static bool holds(const struct model_ns *ns, uint64_t host_id, bool registered)
{
	if (ns->rtype == 0)
		return false;
	return all_registrants(ns->rtype) ? registered : ns->holder == host_id;
}

static bool is_write(uint8_t opcode)
{
	return opcode == IO_WRITE || opcode == IO_WRITE_ZEROES ||
	       opcode == IO_WRITE_UNCORRECTABLE || opcode == IO_DATASET_MANAGEMENT ||
	       opcode == IO_FLUSH;
}

bool model_reservation_allows(struct nvme_model *m, const struct model_ns *ns, uint8_t opcode)
{
	uint64_t self = model_self_host_id(m);
	bool registered = find((struct model_ns *)ns, self) != NULL;

	if (ns->rtype == 0 || holds(ns, self, registered) || opcode == IO_RESERVATION_REGISTER ||
	    opcode == IO_RESERVATION_REPORT || opcode == IO_RESERVATION_ACQUIRE ||
	    opcode == IO_RESERVATION_RELEASE)
		return true;
	switch (ns->rtype) {
	case RTYPE_WRITE_EXCLUSIVE:
		return !is_write(opcode);
	case RTYPE_EXCLUSIVE_ACCESS:
		return false;
	case RTYPE_WE_REGISTRANTS_ONLY:
	case RTYPE_WE_ALL_REGISTRANTS:
		return registered || !is_write(opcode);
	default:
		return registered;
	}
}

static uint8_t do_register(struct model_ns *ns, uint64_t host, uint8_t action, bool iekey,
			   uint64_t crkey, uint64_t nrkey)
{
	struct model_registrant *reg = find(ns, host);

	switch (action) {
	case 0: /* register */
		if (reg != NULL)
			return reg->key == nrkey ? SC_SUCCESS : SC_RESERVATION_CONFLICT;
		if (ns->num_registrants == MODEL_MAX_REGISTRANTS)
			return SC_CAPACITY_EXCEEDED;
		ns->registrants[ns->num_registrants++] = (struct model_registrant){ host, nrkey };
		break;
	case 1: /* unregister */
		if (reg == NULL || (!iekey && reg->key != crkey))
			return SC_RESERVATION_CONFLICT;
		if (ns->rtype != 0 && !all_registrants(ns->rtype) && ns->holder == host)
			ns->rtype = 0;
		drop(ns, reg);
		if (ns->num_registrants == 0)
			ns->rtype = 0;
		break;
	case 2: /* replace */
		if (reg == NULL || (!iekey && reg->key != crkey))
			return SC_RESERVATION_CONFLICT;
		reg->key = nrkey;
		break;
	default:
		return SC_INVALID_FIELD;
	}
	ns->generation++;
	return SC_SUCCESS;
}

static uint8_t do_acquire(struct model_ns *ns, uint64_t host, uint8_t action, bool iekey,
			  uint8_t rtype, uint64_t crkey, uint64_t prkey)
{
	struct model_registrant *reg = find(ns, host);

	if (rtype < 1 || rtype > 6 || action > 2)
		return SC_INVALID_FIELD;
	if (reg == NULL || (!iekey && reg->key != crkey))
		return SC_RESERVATION_CONFLICT;
	if (action == 0) {
		if (ns->rtype == 0) {
			ns->rtype = rtype;
			ns->holder = host;
			return SC_SUCCESS;
		}
		return holds(ns, host, true) && ns->rtype == rtype ? SC_SUCCESS :
								     SC_RESERVATION_CONFLICT;
	}
	/* preempt (and abort: nothing is in flight in the model): registrants of prkey go */
	{
		struct model_registrant *victim;
		bool took = false;

		if (ns->rtype != 0 && !all_registrants(ns->rtype) && find(ns, ns->holder) != NULL &&
		    find(ns, ns->holder)->key == prkey) {
			ns->rtype = rtype;
			ns->holder = host;
			took = true;
		}
		while ((victim = NULL, true)) {
			for (unsigned i = 0; i < ns->num_registrants; i++)
				if (ns->registrants[i].key == prkey &&
				    ns->registrants[i].host_id != host)
					victim = &ns->registrants[i];
			if (victim == NULL)
				break;
			drop(ns, victim);
		}
		if (!took && ns->rtype == 0 && prkey == 0)
			return SC_INVALID_FIELD;
	}
	ns->generation++;
	return SC_SUCCESS;
}

static uint8_t do_release(struct model_ns *ns, uint64_t host, uint8_t action, bool iekey,
			  uint8_t rtype, uint64_t crkey)
{
	struct model_registrant *reg = find(ns, host);

	if (reg == NULL || (!iekey && reg->key != crkey))
		return SC_RESERVATION_CONFLICT;
	if (action == 1) { /* clear */
		ns->num_registrants = 0;
		ns->rtype = 0;
		ns->generation++;
		return SC_SUCCESS;
	}
	if (action != 0)
		return SC_INVALID_FIELD;
	if (ns->rtype == 0 || !holds(ns, host, true))
		return SC_SUCCESS;
	if (ns->rtype != rtype)
		return SC_INVALID_FIELD;
	ns->rtype = 0;
	return SC_SUCCESS;
}

static void report(struct nvme_model *m, struct model_ns *ns, const uint8_t *sqe,
		   struct model_result *r)
{
	size_t len = ((size_t)get32(sqe, SQE_CDW10) + 1) * 4;
	bool extended = get32(sqe, SQE_CDW11) & 1;
	size_t entry = extended ? REPORT_ENTRY_EXTENDED : REPORT_ENTRY;
	/* the extended header is the same 24 bytes padded with reserved ones to 64 */
	size_t header = extended ? REPORT_HEADER_EXTENDED : REPORT_HEADER;
	uint8_t buf[REPORT_HEADER_EXTENDED + MODEL_MAX_REGISTRANTS * REPORT_ENTRY_EXTENDED] = { 0 };
	uint8_t out[4096] = { 0 }, sct;
	int sc;

	if (len > sizeof(out)) {
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	put32(buf, 0, ns->generation);
	buf[4] = ns->rtype;
	put16(buf, 5, (uint16_t)ns->num_registrants);
	for (unsigned i = 0; i < ns->num_registrants; i++) {
		uint8_t *e = buf + header + i * entry;
		const struct model_registrant *reg = &ns->registrants[i];

		/* the driver's host is this controller; other hosts sit on controller 0xFFFF */
		put16(e, 0, reg->host_id == model_self_host_id(m) ? NVME_MODEL_CNTLID : 0xFFFF);
		e[2] = holds(ns, reg->host_id, true) ? 1 : 0;
		if (extended) {
			put64(e, 8, reg->key);
			put64(e, 16, reg->host_id);
		} else {
			put64(e, 8, reg->host_id);
			put64(e, 16, reg->key);
		}
	}
	memcpy(out, buf, len < sizeof(buf) ? len : sizeof(buf));
	sc = model_transfer(m, sqe, false, out, len, MODEL_TO_HOST, &sct);
	if (sc != SC_SUCCESS)
		result_status(r, sct, (uint8_t)sc, true);
}

void model_reservation(struct nvme_model *m, struct model_ns *ns, const uint8_t *sqe,
		       struct model_result *r)
{
	uint32_t cdw10 = get32(sqe, SQE_CDW10);
	uint8_t action = cdw10 & 7, rtype = (cdw10 >> 8) & 0xFF, keys[16] = { 0 }, sct, sc;
	bool iekey = cdw10 & (1u << 3);
	uint64_t self = model_self_host_id(m);
	uint8_t opc = sqe[SQE_OPC];
	int tsc;

	if (opc == IO_RESERVATION_REPORT) {
		report(m, ns, sqe, r);
		return;
	}
	tsc = model_transfer(m, sqe, false, keys, opc == IO_RESERVATION_RELEASE ? 8 : 16,
			     MODEL_FROM_HOST, &sct);
	if (tsc != SC_SUCCESS) {
		result_status(r, sct, (uint8_t)tsc, true);
		return;
	}
	if (opc == IO_RESERVATION_REGISTER)
		sc = do_register(ns, self, action, iekey, get64(keys, 0), get64(keys, 8));
	else if (opc == IO_RESERVATION_ACQUIRE)
		sc = do_acquire(ns, self, action, iekey, rtype, get64(keys, 0), get64(keys, 8));
	else
		sc = do_release(ns, self, action, iekey, rtype, get64(keys, 0));
	if (sc != SC_SUCCESS)
		result_status(r, SCT_GENERIC, sc, true);
}

int nvme_model_other_host_register(struct nvme_model *m, uint32_t nsid, uint64_t host_id,
				   uint64_t key)
{
	struct model_ns *ns = model_ns_get(m, nsid);

	if (ns == NULL)
		return -ENOENT;
	return do_register(ns, host_id, 0, false, 0, key) == SC_SUCCESS ? 0 : -EBUSY;
}

int nvme_model_other_host_acquire(struct nvme_model *m, uint32_t nsid, uint64_t host_id,
				  uint64_t key, uint8_t rtype)
{
	struct model_ns *ns = model_ns_get(m, nsid);

	if (ns == NULL)
		return -ENOENT;
	return do_acquire(ns, host_id, 0, false, rtype, key, 0) == SC_SUCCESS ? 0 : -EBUSY;
}
