/* SPDX-License-Identifier: BSD-3-Clause */
/* Reservations: register, acquire, release, report (NUMD 0-based; extended or not). */
#include <errno.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

static int check(const struct spdkrt_nvme_ns *ns, const struct spdkrt_nvme_qpair *qpair,
		 const void *data, const char *fn)
{
	if (ns == NULL || qpair == NULL || qpair->id == 0 || data == NULL)
		return nvme_bad_arg(fn, "namespace, I/O queue pair or data is NULL");
	if (!(ns->ctrlr->cdata.oncs & SPDKRT_NVME_ONCS_RESERVATIONS)) {
		SRT_ERR("%s: the controller has no reservations (ONCS)", fn);
		return -ENOTSUP;
	}
	return 0;
}

static uint32_t cdw10(uint8_t action, bool ignore_key, uint8_t type_or_cptpl, bool is_cptpl)
{
	return SPDKRT_NVME_SET(SPDKRT_NVME_RESV_ACTION, (uint32_t)action) |
	       SPDKRT_NVME_SET(SPDKRT_NVME_RESV_IEKEY, ignore_key ? 1u : 0u) |
	       (is_cptpl ? SPDKRT_NVME_SET(SPDKRT_NVME_RESV_CPTPL, (uint32_t)type_or_cptpl) :
			   SPDKRT_NVME_SET(SPDKRT_NVME_RESV_RTYPE, (uint32_t)type_or_cptpl));
}

/* Register, acquire and release: @p data (@p size bytes) goes to the controller through a DMA
 * bounce buffer, so the caller's copy may live anywhere. */
static int send_resv(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair, uint8_t opc,
		     uint32_t cdw10_value, const void *data, uint32_t size, spdkrt_nvme_cmd_cb cb,
		     void *cb_arg, const char *fn)
{
	struct spdkrt_nvme_cmd cmd = { .opc = opc, .cdw10 = cdw10_value };
	int rc = check(ns, qpair, data, fn);

	if (rc != 0)
		return rc;
	return nvme_ns_submit_bounced(ns, qpair, &cmd, (void *)(uintptr_t)data, size, true, false,
				      cb, cb_arg);
}

int spdkrt_nvme_ns_cmd_reservation_register(
	struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
	const struct spdkrt_nvme_reservation_register_data *data, bool ignore_key, uint8_t action,
	uint8_t cptpl, spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	return send_resv(ns, qpair, SPDKRT_NVME_OPC_RESERVATION_REGISTER,
			 cdw10(action, ignore_key, cptpl, true), data, sizeof(*data), cb, cb_arg,
			 __func__);
}

int spdkrt_nvme_ns_cmd_reservation_acquire(struct spdkrt_nvme_ns *ns,
					   struct spdkrt_nvme_qpair *qpair,
					   const struct spdkrt_nvme_reservation_acquire_data *data,
					   bool ignore_key, uint8_t action, uint8_t type,
					   spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	return send_resv(ns, qpair, SPDKRT_NVME_OPC_RESERVATION_ACQUIRE,
			 cdw10(action, ignore_key, type, false), data, sizeof(*data), cb, cb_arg,
			 __func__);
}

int spdkrt_nvme_ns_cmd_reservation_release(struct spdkrt_nvme_ns *ns,
					   struct spdkrt_nvme_qpair *qpair,
					   const struct spdkrt_nvme_reservation_key_data *data,
					   bool ignore_key, uint8_t action, uint8_t type,
					   spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	return send_resv(ns, qpair, SPDKRT_NVME_OPC_RESERVATION_RELEASE,
			 cdw10(action, ignore_key, type, false), data, sizeof(*data), cb, cb_arg,
			 __func__);
}

int spdkrt_nvme_ns_cmd_reservation_report(struct spdkrt_nvme_ns *ns,
					  struct spdkrt_nvme_qpair *qpair, void *payload,
					  uint32_t size, spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	return spdkrt_nvme_ns_cmd_reservation_report_ext(ns, qpair, payload, size, false, cb,
							 cb_arg);
}

int spdkrt_nvme_ns_cmd_reservation_report_ext(struct spdkrt_nvme_ns *ns,
					      struct spdkrt_nvme_qpair *qpair, void *payload,
					      uint32_t size, bool extended, spdkrt_nvme_cmd_cb cb,
					      void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { .opc = SPDKRT_NVME_OPC_RESERVATION_REPORT };
	int rc = check(ns, qpair, payload, __func__);

	if (rc != 0)
		return rc;
	if (size % 4 != 0 || size < sizeof(struct spdkrt_nvme_reservation_status_data)) {
		SRT_ERR("%s: size %u must be a multiple of 4 and at least 24", __func__, size);
		return -EINVAL;
	}
	cmd.cdw10 = size / 4 - 1; /* NUMD is 0-based */
	cmd.cdw11 = extended ? SPDKRT_NVME_RESV_REPORT_EDS : 0;
	return nvme_ns_submit_bounced(ns, qpair, &cmd, payload, size, false, true, cb, cb_arg);
}
