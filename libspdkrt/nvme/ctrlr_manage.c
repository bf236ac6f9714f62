/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Managing the controller: namespace management and attachment, format, firmware download and
 * commit (the caller chooses the commit action), security send and receive. Commands that change
 * the namespaces ask for a rescan of the active set when they succeed.
 */
#include <errno.h>
#include <stdlib.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

struct rescan_ctx {
	struct spdkrt_nvme_ctrlr *ctrlr;
	spdkrt_nvme_cmd_cb cb;
	void *cb_arg;
};

static void rescan_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct rescan_ctx *ctx = arg;
	spdkrt_nvme_cmd_cb cb = ctx->cb;
	void *cb_arg = ctx->cb_arg;

	if (!spdkrt_nvme_cpl_is_error(cpl))
		ctx->ctrlr->ns_rescan_pending = true;
	free(ctx);
	if (cb != NULL)
		cb(cb_arg, cpl);
}

/* Submits an admin command that changes namespaces; a rescan follows its success. */
static int submit_changing(struct spdkrt_nvme_ctrlr *ctrlr, const struct spdkrt_nvme_cmd *cmd,
			   void *data, uint32_t len, spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct rescan_ctx *ctx = malloc(sizeof(*ctx));
	int rc;

	if (ctx == NULL)
		return -ENOMEM;
	ctx->ctrlr = ctrlr;
	ctx->cb = cb;
	ctx->cb_arg = cb_arg;
	rc = nvme_ctrlr_submit_admin(ctrlr, cmd, data, len, len, len > 0, false, rescan_done, ctx);
	if (rc != 0)
		free(ctx);
	return rc;
}

static int need(struct spdkrt_nvme_ctrlr *ctrlr, uint16_t oacs_bit, const char *fn)
{
	if (ctrlr == NULL)
		return nvme_bad_arg(fn, "ctrlr is NULL");
	if (!(ctrlr->cdata.oacs & oacs_bit)) {
		SRT_ERR("%s: the controller does not support it (OACS 0x%x)", fn,
			ctrlr->cdata.oacs);
		return -ENOTSUP;
	}
	return 0;
}

int spdkrt_nvme_ctrlr_create_ns(struct spdkrt_nvme_ctrlr *ctrlr,
				const struct spdkrt_nvme_ns_data *data, spdkrt_nvme_cmd_cb cb,
				void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { .opc = SPDKRT_NVME_OPC_NS_MANAGEMENT };
	int rc = need(ctrlr, SPDKRT_NVME_OACS_NS_MANAGE, __func__);

	if (rc != 0)
		return rc;
	if (data == NULL)
		return nvme_bad_arg(__func__, "data is NULL");
	cmd.cdw10 = SPDKRT_NVME_NS_MANAGEMENT_CREATE;
	/* Not attached yet: no rescan needed, a plain admin command. */
	return nvme_ctrlr_submit_admin(ctrlr, &cmd, (void *)(uintptr_t)data, sizeof(*data),
				       sizeof(*data), true, false, cb, cb_arg);
}

int spdkrt_nvme_ctrlr_delete_ns(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t nsid,
				spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { .opc = SPDKRT_NVME_OPC_NS_MANAGEMENT };
	int rc = need(ctrlr, SPDKRT_NVME_OACS_NS_MANAGE, __func__);

	if (rc != 0)
		return rc;
	if (nsid == 0)
		return nvme_bad_arg(__func__, "nsid 0");
	cmd.nsid = nsid;
	cmd.cdw10 = SPDKRT_NVME_NS_MANAGEMENT_DELETE;
	return submit_changing(ctrlr, &cmd, NULL, 0, cb, cb_arg);
}

static int attachment(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t nsid,
		      const struct spdkrt_nvme_ctrlr_list *list, uint32_t sel,
		      spdkrt_nvme_cmd_cb cb, void *cb_arg, const char *fn)
{
	struct spdkrt_nvme_cmd cmd = { .opc = SPDKRT_NVME_OPC_NS_ATTACHMENT };
	int rc = need(ctrlr, SPDKRT_NVME_OACS_NS_MANAGE, fn);

	if (rc != 0)
		return rc;
	if (list == NULL || nsid == 0 || nsid == SPDKRT_NVME_NSID_ALL)
		return nvme_bad_arg(fn, "needs a namespace id and a controller list");
	cmd.nsid = nsid;
	cmd.cdw10 = sel;
	return submit_changing(ctrlr, &cmd, (void *)(uintptr_t)list, sizeof(*list), cb, cb_arg);
}

int spdkrt_nvme_ctrlr_attach_ns(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t nsid,
				const struct spdkrt_nvme_ctrlr_list *list, spdkrt_nvme_cmd_cb cb,
				void *cb_arg)
{
	return attachment(ctrlr, nsid, list, SPDKRT_NVME_NS_CTRLR_ATTACH, cb, cb_arg, __func__);
}

int spdkrt_nvme_ctrlr_detach_ns(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t nsid,
				const struct spdkrt_nvme_ctrlr_list *list, spdkrt_nvme_cmd_cb cb,
				void *cb_arg)
{
	return attachment(ctrlr, nsid, list, SPDKRT_NVME_NS_CTRLR_DETACH, cb, cb_arg, __func__);
}

int spdkrt_nvme_ctrlr_format(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t nsid, uint32_t format,
			     spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { .opc = SPDKRT_NVME_OPC_FORMAT_NVM };
	int rc = need(ctrlr, SPDKRT_NVME_OACS_FORMAT, __func__);

	if (rc != 0)
		return rc;
	if (nsid == 0 || format >> 12 != 0)
		return nvme_bad_arg(__func__, "nsid 0 or format bits above SES");
	cmd.nsid = nsid;
	cmd.cdw10 = format;
	return submit_changing(ctrlr, &cmd, NULL, 0, cb, cb_arg);
}

int spdkrt_nvme_ctrlr_fw_image_download(struct spdkrt_nvme_ctrlr *ctrlr, const void *image,
					uint32_t size, uint32_t offset, spdkrt_nvme_cmd_cb cb,
					void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { .opc = SPDKRT_NVME_OPC_FIRMWARE_IMAGE_DOWNLOAD };
	int rc = need(ctrlr, SPDKRT_NVME_OACS_FIRMWARE, __func__);

	if (rc != 0)
		return rc;
	if (image == NULL || size == 0 || size % 4 != 0 || offset % 4 != 0 ||
	    size > ctrlr->max_xfer_size)
		return nvme_bad_arg(__func__, "image NULL, or size/offset not multiples of 4, or "
					      "size above the largest transfer");
	cmd.cdw10 = size / 4 - 1; /* NUMD, 0-based */
	cmd.cdw11 = offset / 4;
	return nvme_ctrlr_submit_admin(ctrlr, &cmd, (void *)(uintptr_t)image, size, size, true,
				       false, cb, cb_arg);
}

int spdkrt_nvme_ctrlr_fw_commit(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t slot, uint8_t action,
				spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { .opc = SPDKRT_NVME_OPC_FIRMWARE_COMMIT };
	int rc = need(ctrlr, SPDKRT_NVME_OACS_FIRMWARE, __func__);

	if (rc != 0)
		return rc;
	if (slot > 7 || action > 7)
		return nvme_bad_arg(__func__, "slot and action are 0..7");
	cmd.cdw10 = SPDKRT_NVME_SET(SPDKRT_NVME_FW_COMMIT_FS, (uint32_t)slot) |
		    SPDKRT_NVME_SET(SPDKRT_NVME_FW_COMMIT_CA, (uint32_t)action);
	return nvme_ctrlr_submit_admin(ctrlr, &cmd, NULL, 0, 0, false, false, cb, cb_arg);
}

static int security(struct spdkrt_nvme_ctrlr *ctrlr, bool send, uint8_t secp, uint16_t spsp,
		    uint8_t nssf, void *payload, uint32_t size, spdkrt_nvme_cmd_cb cb, void *cb_arg,
		    const char *fn)
{
	struct spdkrt_nvme_cmd cmd = { 0 };
	int rc = need(ctrlr, SPDKRT_NVME_OACS_SECURITY, fn);

	if (rc != 0)
		return rc;
	if (payload == NULL || size == 0)
		return nvme_bad_arg(fn, "payload is NULL or size 0");
	cmd.opc = send ? SPDKRT_NVME_OPC_SECURITY_SEND : SPDKRT_NVME_OPC_SECURITY_RECEIVE;
	cmd.cdw10 = (uint32_t)secp << 24 | (uint32_t)spsp << 8 | nssf;
	cmd.cdw11 = size;
	return nvme_ctrlr_submit_admin(ctrlr, &cmd, payload, size, size, send, !send, cb, cb_arg);
}

int spdkrt_nvme_ctrlr_security_send(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t secp, uint16_t spsp,
				    uint8_t nssf, const void *payload, uint32_t size,
				    spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	return security(ctrlr, true, secp, spsp, nssf, (void *)(uintptr_t)payload, size, cb, cb_arg,
			__func__);
}

int spdkrt_nvme_ctrlr_security_receive(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t secp, uint16_t spsp,
				       uint8_t nssf, void *payload, uint32_t size,
				       spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	return security(ctrlr, false, secp, spsp, nssf, payload, size, cb, cb_arg, __func__);
}
