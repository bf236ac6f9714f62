/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The automatic reconnect policy (reconnect_delay_ms, ctrlr_loss_timeout_ms, like SPDK's
 * bdev_nvme reconnect_delay_sec and ctrlr_loss_timeout_sec): a controller that failed without
 * being removed - a fabrics connection lost, or a reset that could not reconnect - is reset by
 * the admin poll, at once and then every reconnect_delay_ms, until an attempt succeeds or the
 * loss timeout has passed; then it is failed for good and its remove callback runs (once).
 */
#include <errno.h>

#include <spdkrt/thread.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

int nvme_reconnect_opts_check(const struct spdkrt_nvme_ctrlr_opts *o)
{
	if (o->ctrlr_loss_timeout_ms < -1) {
		SRT_ERR("%s: ctrlr_loss_timeout_ms %d: -1 (forever), 0 or a time in ms", __func__,
			o->ctrlr_loss_timeout_ms);
		return -EINVAL;
	}
	if (o->reconnect_delay_ms == 0 && o->ctrlr_loss_timeout_ms != 0) {
		SRT_ERR("%s: ctrlr_loss_timeout_ms %d needs a reconnect_delay_ms", __func__,
			o->ctrlr_loss_timeout_ms);
		return -EINVAL;
	}
	if (o->reconnect_delay_ms != 0 && o->ctrlr_loss_timeout_ms == 0) {
		SRT_ERR("%s: reconnect_delay_ms %u needs a ctrlr_loss_timeout_ms (-1: forever)",
			__func__, o->reconnect_delay_ms);
		return -EINVAL;
	}
	if (o->ctrlr_loss_timeout_ms > 0 &&
	    o->reconnect_delay_ms > (uint32_t)o->ctrlr_loss_timeout_ms) {
		SRT_ERR("%s: reconnect_delay_ms %u is longer than ctrlr_loss_timeout_ms %d",
			__func__, o->reconnect_delay_ms, o->ctrlr_loss_timeout_ms);
		return -EINVAL;
	}
	return 0;
}

static void attempt_done(void *arg, struct spdkrt_nvme_ctrlr *ctrlr, int status)
{
	(void)arg;
	if (status == 0) {
		SRT_NOTICE("nvme %s: reconnect: attempt %u succeeded", ctrlr->trid.traddr,
			   ctrlr->reconnect_attempts);
		ctrlr->loss_start = 0;
		ctrlr->reconnect_attempts = 0;
		return;
	}
	SRT_WARN("nvme %s: reconnect: attempt %u failed (%d); next in %u ms", ctrlr->trid.traddr,
		 ctrlr->reconnect_attempts, status, ctrlr->opts.reconnect_delay_ms);
	ctrlr->next_reconnect = nvme_deadline_after_us(ctrlr->opts.reconnect_delay_ms * 1000ull);
}

void nvme_ctrlr_reconnect_poll(struct spdkrt_nvme_ctrlr *ctrlr)
{
	const struct spdkrt_nvme_ctrlr_opts *o = &ctrlr->opts;
	uint64_t now = spdkrt_get_ticks();
	int rc;

	if (o->reconnect_delay_ms == 0 || ctrlr->is_removed || ctrlr->reset_requested)
		return;
	if (ctrlr->loss_start == 0) {
		SRT_WARN("nvme %s: reconnect: the controller failed; reconnecting every %u ms "
			 "(loss timeout %d ms)",
			 ctrlr->trid.traddr, o->reconnect_delay_ms, o->ctrlr_loss_timeout_ms);
		ctrlr->loss_start = now;
		ctrlr->next_reconnect = now;
		ctrlr->reconnect_attempts = 0;
	}
	if (o->ctrlr_loss_timeout_ms > 0 &&
	    now - ctrlr->loss_start >= nvme_us_to_ticks(o->ctrlr_loss_timeout_ms * 1000ull)) {
		SRT_ERR("nvme %s: reconnect: not reconnected within ctrlr_loss_timeout_ms %d after "
			"%u attempts: the controller is failed for good",
			ctrlr->trid.traddr, o->ctrlr_loss_timeout_ms, ctrlr->reconnect_attempts);
		nvme_ctrlr_fail(ctrlr, true);
		return;
	}
	if (now < ctrlr->next_reconnect)
		return;
	ctrlr->reconnect_attempts++;
	SRT_NOTICE("nvme %s: reconnect: attempt %u", ctrlr->trid.traddr, ctrlr->reconnect_attempts);
	rc = spdkrt_nvme_ctrlr_reset_async(ctrlr, attempt_done, NULL);
	if (rc != 0)
		attempt_done(NULL, ctrlr, rc);
}
