/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Completions: the channel writes a CHANSTS image (completed descriptor address | state) to the
 * write-back word after each descriptor that asks for it, and on an error. A halted channel's
 * finished requests complete with 0, the others with -EIO; then it is reset and restarted.
 */
#include <errno.h>
#include <stdio.h>

#include "ioat/internal.h"

#define SRT_LOG_COMPONENT "ioat"
#include "util/log.h"

uint64_t ioat_read_write_back(const struct spdkrt_ioat_chan *chan)
{
	/* The device writes a descriptor's data before the write-back that names it. */
	uint64_t sts = __atomic_load_n(chan->comp_update, __ATOMIC_ACQUIRE);

	/* Later reads of that data (in callbacks) stay after this load; pairs with that order. */
	srt_rmb();
	return sts;
}

uint32_t ioat_complete_up_to(struct spdkrt_ioat_chan *chan, uint64_t sts)
{
	uint64_t completed = sts & IOAT_CHANSTS_COMPLETED_MASK;
	uint32_t count, end, n = 0;

	if (completed == chan->last_completed || chan->tail == chan->flushed)
		return 0;
	/* Find the named descriptor among those handed to the hardware. */
	for (end = chan->tail; end != chan->flushed; end++)
		if (chan->slots[ioat_ring_index(end)].iova == completed)
			break;
	if (end == chan->flushed) {
		SRT_ERR("write-back names descriptor 0x%llx, which is not outstanding; ignored",
			(unsigned long long)completed);
		chan->last_completed = completed;
		return 0;
	}
	chan->last_completed = completed;
	for (count = end - chan->tail + 1; count > 0; count--) {
		struct ioat_slot *slot = &chan->slots[ioat_ring_index(chan->tail)];
		spdkrt_ioat_req_cb cb_fn = slot->cb_fn;
		void *cb_arg = slot->cb_arg;

		/* Free the slot before the callback, which may submit again. */
		chan->tail++;
		if (cb_fn != NULL) {
			cb_fn(cb_arg, 0);
			n++;
		}
	}
	return n;
}

uint32_t ioat_take_outstanding(struct spdkrt_ioat_chan *chan)
{
	uint32_t n = 0;

	for (; chan->tail != chan->head; chan->tail++) {
		struct ioat_slot *slot = &chan->slots[ioat_ring_index(chan->tail)];

		if (slot->cb_fn != NULL) {
			chan->failed[n].cb_fn = slot->cb_fn;
			chan->failed[n].cb_arg = slot->cb_arg;
			n++;
		}
	}
	chan->flushed = chan->head;
	return n;
}

void ioat_fail_taken(struct spdkrt_ioat_chan *chan, uint32_t n, int status)
{
	uint32_t i;

	chan->failing = true;
	for (i = 0; i < n; i++)
		chan->failed[i].cb_fn(chan->failed[i].cb_arg, status);
	chan->failing = false;
}

static void log_halt(const struct spdkrt_ioat_chan *chan, uint32_t chanerr)
{
	char addr[SPDKRT_PCI_ADDR_STRLEN] = "?";
	static const struct {
		uint32_t bit;
		const char *what;
	} bits[] = {
		{ IOAT_CHANERR_SRC_ADDR, "source address" },
		{ IOAT_CHANERR_DST_ADDR, "destination address" },
		{ IOAT_CHANERR_NEXT_ADDR, "next descriptor address" },
		{ IOAT_CHANERR_NEXT_DESC_ALIGN, "descriptor alignment" },
		{ IOAT_CHANERR_CHAIN_ADDR, "chain address" },
		{ IOAT_CHANERR_CHANCMD, "channel command" },
		{ IOAT_CHANERR_READ_DATA, "read data" },
		{ IOAT_CHANERR_WRITE_DATA, "write data" },
		{ IOAT_CHANERR_CONTROL, "descriptor control" },
		{ IOAT_CHANERR_LENGTH, "transfer length" },
		{ IOAT_CHANERR_COMPLETION_ADDR, "completion address" },
	};
	char what[256] = "";
	size_t i, used = 0;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if ((chanerr & bits[i].bit) && used < sizeof(what)) {
			int w = snprintf(what + used, sizeof(what) - used, "%s%s",
					 used > 0 ? ", " : "", bits[i].what);
			used += w > 0 ? (size_t)w : 0;
		}
	}
	spdkrt_pci_addr_fmt(addr, sizeof(addr), srt_pci_device_addr(chan->pci));
	SRT_ERR("channel %s halted: CHANERR 0x%x (%s); failing its outstanding requests with "
		"-EIO and resetting it",
		addr, chanerr, used > 0 ? what : "no known bit");
}

/* The channel halted: fail what it did not finish, reset and restart it. */
static int recover(struct spdkrt_ioat_chan *chan)
{
	uint32_t n;
	int rc;

	log_halt(chan, ioat_read32(chan, IOAT_REG_CHANERR));
	rc = ioat_channel_reset(chan);
	n = ioat_take_outstanding(chan);
	if (rc == 0)
		rc = ioat_channel_start(chan);
	if (rc != 0) {
		chan->out_of_service = true;
		SRT_ERR("channel could not be restarted after a halt: out of service (detach it)");
	}
	/* After the restart, so that callbacks may submit again. */
	ioat_fail_taken(chan, n, -EIO);
	return rc != 0 ? -EIO : (int)n;
}

/*
 * A channel that makes no progress may be gone: a removed function reads all ones. Looked at
 * once per IOAT_REMOVAL_CHECK_POLLS idle polls, so the poll loop stays free of MMIO reads.
 * Returns -ENODEV after failing the outstanding requests, else 0.
 */
static int check_removed(struct spdkrt_ioat_chan *chan)
{
	char addr[SPDKRT_PCI_ADDR_STRLEN] = "?";
	uint32_t n;

	if (++chan->idle_polls < IOAT_REMOVAL_CHECK_POLLS)
		return 0;
	chan->idle_polls = 0;
	if (ioat_read64(chan, IOAT_REG_CHANSTS) != UINT64_MAX ||
	    !srt_pci_device_is_removed(chan->pci))
		return 0;
	spdkrt_pci_addr_fmt(addr, sizeof(addr), srt_pci_device_addr(chan->pci));
	SRT_ERR("channel %s was removed: failing its outstanding requests with -ENODEV (detach it)",
		addr);
	chan->removed = true;
	chan->out_of_service = true;
	chan->programmed = false; /* a device that is gone writes no memory */
	n = ioat_take_outstanding(chan);
	ioat_fail_taken(chan, n, -ENODEV);
	return -ENODEV;
}

SPDKRT_API int spdkrt_ioat_process_events(struct spdkrt_ioat_chan *chan)
{
	uint64_t sts;
	uint32_t n;
	int rc;

	if (chan == NULL) {
		SRT_ERR("spdkrt_ioat_process_events: chan is NULL");
		return -EINVAL;
	}
	if (chan->out_of_service)
		return chan->removed ? -ENODEV : -EIO;
	if (chan->tail == chan->flushed || chan->failing)
		return 0;
	/* One read: a halted image names the last descriptor that did complete. */
	sts = ioat_read_write_back(chan);
	n = ioat_complete_up_to(chan, sts);
	if ((sts & IOAT_CHANSTS_STATE_MASK) != IOAT_CHANSTS_HALTED) {
		if (n > 0) {
			chan->idle_polls = 0;
			return (int)n;
		}
		return check_removed(chan);
	}
	rc = recover(chan);
	return rc < 0 ? rc : (int)n + rc;
}
