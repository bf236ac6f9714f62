/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe driver's internals: requests, queue pairs, controllers, namespaces, and the transport
 * interface that separates the transport-independent core (controller state machine, admin
 * commands, namespaces, splitting, retries, timeouts, failure) from PCIe (and later TCP).
 */
#ifndef SRT_NVME_INTERNAL_H
#define SRT_NVME_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <spdkrt/nvme.h>
#include <spdkrt/pci.h>

#define NVME_IDENTIFY_SIZE 4096u
/* Asynchronous event requests the driver keeps posted (at most AERL + 1). */
#define NVME_MAX_AERS 4u
/* Quirks (quirks.c) */
#define NVME_QUIRK_INTEL_READ_LATENCY 0x1u
#define NVME_QUIRK_INTEL_WRITE_LATENCY 0x2u
#define NVME_QUIRK_DELAY_BEFORE_CHK_RDY 0x4u
#define NVME_QUIRK_INTEL_STRIPING 0x8u
uint32_t nvme_quirks_lookup(const struct spdkrt_pci_id *id);

/* Active namespaces the driver tracks (identify pages of 1024 ids). */
#define NVME_MAX_ACTIVE_NS 4096u

enum nvme_payload_type {
	NVME_PAYLOAD_NONE,
	NVME_PAYLOAD_CONTIG,
	NVME_PAYLOAD_SGL,
};

/* The data of a request: a contiguous buffer (plus separate metadata) or a caller's SGL. */
struct nvme_payload {
	enum nvme_payload_type type;
	void *buf;
	void *md;
	spdkrt_nvme_req_reset_sgl_cb reset_sgl;
	spdkrt_nvme_req_next_sge_cb next_sge;
	void *sgl_arg;
};

/* A position in a caller's iovec array, with the caller's completion. */
struct nvme_iov_cursor {
	const struct iovec *iov;
	int iovcnt;
	int index;
	size_t offset;
	spdkrt_nvme_cmd_cb cb;
	void *cb_arg;
};

struct nvme_request {
	/* cmd up to md_len is cleared by nvme_request_alloc(): keep them first. */
	struct spdkrt_nvme_cmd cmd;
	struct nvme_payload payload;
	uint32_t payload_offset; /* where this request's data starts in the payload */
	uint32_t payload_size;
	uint32_t md_offset;
	uint32_t md_len;
	spdkrt_nvme_cmd_cb cb_fn;
	void *cb_arg;
	struct spdkrt_nvme_qpair *qpair;
	/* Split I/O: children point at their parent, which completes after its last child. */
	struct nvme_request *parent;
	uint32_t children_left;
	struct spdkrt_nvme_cpl parent_cpl;
	uint32_t retries;
	/* Outstanding on the hardware (submit order, for timeouts) or queued in software. */
	TAILQ_ENTRY(nvme_request) link;
	uint64_t submit_tick;
	bool timeout_reported;
	bool is_aer;
	bool outstanding; /* on qpair->outstanding */
	uint16_t cid;     /* transport's command id while outstanding */
	/* Admin data through a DMA bounce buffer: copied to/from user_buf. */
	void *bounce;
	void *user_buf;
	uint32_t user_len;
	bool copy_out;
	/* The iovec form of readv/writev: the caller's array walked by the SGL callbacks. */
	struct nvme_iov_cursor iov_cursor;
};

TAILQ_HEAD(nvme_request_list, nvme_request);

struct nvme_transport;

struct spdkrt_nvme_qpair {
	struct spdkrt_nvme_ctrlr *ctrlr;
	uint16_t id;
	uint8_t qprio;
	uint32_t num_entries;
	/*
	 * The reset handshake with the owner thread (reset.c). gate: written by the admin side,
	 * epoch << 1 while closed for a reset, | 1 once the queue is re-created. gate_seen: the open
	 * gate the owner works under. acked: the closed gate the owner has let go of the ring for.
	 * The admin queue's gate never moves.
	 */
	_Atomic uint32_t gate;
	uint32_t gate_seen;
	_Atomic uint32_t acked;
	/* nvme_thread_token() of the thread that owns the pair; read by the admin side too. */
	_Atomic(const void *) owner;
	bool enabled;       /* rings usable by the owner; false during a reset */
	bool in_completion; /* inside process_completions: a free is deferred */
	bool free_pending;
	struct nvme_request *requests; /* pool, num_requests entries */
	uint32_t num_requests;
	struct nvme_request_list free_req;
	struct nvme_request_list outstanding; /* submitted to the transport, oldest first */
	struct nvme_request_list queued;      /* waiting for room in the queue */
	TAILQ_ENTRY(spdkrt_nvme_qpair) link;  /* controller's I/O qpair list */
	uint32_t num_outstanding;
};

/* The transport interface: everything the core needs of PCIe, TCP or any other transport. */
struct nvme_transport {
	const char *name;
	enum spdkrt_nvme_transport_type type;
	/* Registers cost a network round trip: the core does not poll CSTS on every admin poll. */
	bool remote_regs;
	/* Build a controller (allocates the transport's larger struct); no register access yet. */
	int (*ctrlr_construct)(const struct spdkrt_nvme_transport_id *trid,
			       const struct spdkrt_nvme_ctrlr_opts *opts,
			       struct spdkrt_nvme_ctrlr **ctrlr);
	void (*ctrlr_destruct)(struct spdkrt_nvme_ctrlr *ctrlr);
	int (*get_reg_4)(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint32_t *value);
	int (*get_reg_8)(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint64_t *value);
	int (*set_reg_4)(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint32_t value);
	int (*set_reg_8)(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint64_t value);
	/* True when the device is gone (surprise removal). */
	bool (*ctrlr_is_removed)(struct spdkrt_nvme_ctrlr *ctrlr);
	uint32_t (*max_xfer_size)(struct spdkrt_nvme_ctrlr *ctrlr);
	/* Program the admin queue before CC.EN = 1 (PCIe: AQA/ASQ/ACQ). */
	int (*ctrlr_enable)(struct spdkrt_nvme_ctrlr *ctrlr);
	/* Fabrics: a reset's first step, a new admin connection (a new controller on the target),
	 * before any register is read. NULL: the admin queue survives a reset (PCIe). */
	int (*ctrlr_reconnect)(struct spdkrt_nvme_ctrlr *ctrlr);
	/* Allocate a queue pair's memory; id 0 is the admin queue. */
	int (*qpair_create)(struct spdkrt_nvme_ctrlr *ctrlr, uint16_t id, uint32_t entries,
			    uint32_t num_requests, uint8_t qprio, struct spdkrt_nvme_qpair **qpair);
	void (*qpair_destroy)(struct spdkrt_nvme_qpair *qpair);
	/* Reset the rings to empty (after a controller reset, before re-creating). */
	void (*qpair_reset)(struct spdkrt_nvme_qpair *qpair);
	/* Create an I/O queue pair on the controller (PCIe: Create CQ/SQ). cb gets 0 or -errno. */
	int (*qpair_connect)(struct spdkrt_nvme_qpair *qpair, void (*cb)(void *arg, int rc),
			     void *arg);
	/* Delete it from the controller (PCIe: Delete SQ/CQ). */
	int (*qpair_disconnect)(struct spdkrt_nvme_qpair *qpair, void (*cb)(void *arg, int rc),
				void *arg);
	/* Put a request on the wire: 0, -EAGAIN (no room: the core queues it), or -errno. */
	int (*qpair_submit)(struct spdkrt_nvme_qpair *qpair, struct nvme_request *req);
	/* Reap completions (calling nvme_request_complete for each). */
	int32_t (*qpair_process)(struct spdkrt_nvme_qpair *qpair, uint32_t max);
	/* Forget a request that the core completes itself (abort on failure or reset). */
	void (*qpair_release)(struct spdkrt_nvme_qpair *qpair, struct nvme_request *req);
	/* Called while a blocking call waits (PCIe: lets model devices run). */
	void (*idle)(void);
	/* Calls cb with the traddr of every controller the transport can see. */
	int (*enumerate)(int (*cb)(void *ctx, const char *traddr), void *ctx);
	/* Controller memory buffer for I/O data (NULL: the transport has none). */
	void *(*cmb_alloc)(struct spdkrt_nvme_ctrlr *ctrlr, size_t size);
	int (*cmb_free)(struct spdkrt_nvme_ctrlr *ctrlr, void *buf, size_t size);
	/* PCI ids for the quirks table (NULL: not PCI). */
	const struct spdkrt_pci_id *(*pci_id)(struct spdkrt_nvme_ctrlr *ctrlr);
};

extern const struct nvme_transport g_nvme_transport_pcie;
extern const struct nvme_transport g_nvme_transport_tcp;
const struct nvme_transport *nvme_transport_get(enum spdkrt_nvme_transport_type type);

struct spdkrt_nvme_ns {
	struct spdkrt_nvme_ctrlr *ctrlr;
	uint32_t id;
	struct spdkrt_nvme_ns_data data;
	uint32_t sector_size;
	uint32_t md_size;
	uint32_t extended_lba_size;
	uint32_t sectors_per_max_io;
	uint32_t sectors_per_stripe;
	uint64_t num_sectors;
	uint32_t pi_type;
	bool extended;
	bool usable; /* identify data made sense */
};

enum nvme_ctrlr_state {
	NVME_CTRLR_STATE_INIT,
	NVME_CTRLR_STATE_DISABLE_WAIT_RDY1,
	NVME_CTRLR_STATE_DISABLE_WAIT_RDY0,
	NVME_CTRLR_STATE_ENABLE,
	NVME_CTRLR_STATE_ENABLE_WAIT_RDY1,
	NVME_CTRLR_STATE_IDENTIFY,
	NVME_CTRLR_STATE_SET_NUM_QUEUES,
	NVME_CTRLR_STATE_SET_ARBITRATION,
	NVME_CTRLR_STATE_READ_CHANGED_NS_LOG,
	NVME_CTRLR_STATE_IDENTIFY_ACTIVE_NS,
	NVME_CTRLR_STATE_IDENTIFY_NS,
	NVME_CTRLR_STATE_CONFIGURE_AER,
	NVME_CTRLR_STATE_SET_KEEP_ALIVE,
	NVME_CTRLR_STATE_RECREATE_QPAIRS,
	NVME_CTRLR_STATE_READY,
	NVME_CTRLR_STATE_FAILED,
};

struct spdkrt_nvme_ctrlr {
	const struct nvme_transport *transport;
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr_opts opts;
	TAILQ_ENTRY(spdkrt_nvme_ctrlr) link; /* attached controllers */

	enum nvme_ctrlr_state state;
	uint64_t state_deadline; /* ticks; 0: none */
	bool cmd_pending;        /* the state waits for an admin completion */
	bool cmd_done;           /* ... which arrived: init_cpl holds it */
	uint64_t cmd_deadline;
	struct spdkrt_nvme_cpl init_cpl;
	bool rescanning;     /* the namespace states run for an event, not an attach */
	int init_rc;         /* set by a failing step */
	uint32_t init_index; /* step-specific progress (namespace index, qpair walk) */
	bool resetting;
	/* Set by any thread (an I/O poll may see the removal); the admin side acts on them. */
	atomic_bool is_failed;
	atomic_bool is_removed;
	/* A fabrics I/O connection was lost (set by its owner thread); the admin poll fails the
	 * controller, or reconnects it under the reconnect policy (reconnect.c). */
	atomic_bool conn_lost;
	bool fail_logged;
	/* The remove callback ran (or is running): taken by whichever thread saw the removal
	 * first, the admin poll or a probe that read a remove uevent. */
	atomic_bool remove_notified;
	/* Probes telling of its removal right now (probe.c): detach waits for them. */
	atomic_uint removal_tellers;
	/* Reset (reset.c): the caller's callback, delivered from the admin poll. */
	bool reset_requested; /* by spdkrt_nvme_ctrlr_reset_async(), until its callback */
	spdkrt_nvme_reset_cb reset_cb;
	void *reset_arg;
	bool reset_done;
	int reset_status;
	uint32_t reset_epoch;
	bool gates_closed;      /* this reset has closed the I/O queue pairs' gates */
	bool reconnect_pending; /* some gate is closed: queue pairs wait for re-creation */
	struct spdkrt_nvme_qpair *reconnecting; /* its Create CQ/SQ are in flight */
	uint64_t reconnect_deadline;
	int reconnect_rc;

	uint64_t cap;
	uint32_t vs;
	uint32_t page_size;
	uint32_t max_xfer_size;
	uint32_t quirks;
	struct spdkrt_nvme_ctrlr_data cdata;
	void *identify_buf; /* DMA, NVME_IDENTIFY_SIZE */

	struct spdkrt_nvme_qpair *adminq;
	uint32_t num_io_queues; /* granted */
	uint8_t *qid_in_use;    /* [num_io_queues + 1] */
	TAILQ_HEAD(, spdkrt_nvme_qpair) io_qpairs;

	uint32_t *active_ns_ids; /* sorted */
	uint32_t num_active_ns;
	struct spdkrt_nvme_ns **ns; /* parallel to active_ns_ids */
	uint32_t *new_ns_ids;       /* the list being read */
	uint32_t num_new_ns;
	struct spdkrt_nvme_ns **new_ns;
	bool ns_rescan_pending;

	spdkrt_nvme_aer_cb aer_cb;
	void *aer_arg;
	spdkrt_nvme_ns_change_cb ns_change_cb;
	void *ns_change_arg;
	uint32_t num_aers;

	spdkrt_nvme_timeout_cb timeout_cb;
	void *timeout_arg;
	uint64_t io_timeout_ticks;
	uint64_t admin_timeout_ticks;

	spdkrt_nvme_remove_cb remove_cb;
	void *remove_ctx;

	/* The reconnect policy (reconnect.c): the failure being reconnected. */
	uint64_t loss_start; /* ticks; 0: none */
	uint64_t next_reconnect;
	uint32_t reconnect_attempts;

	uint64_t keep_alive_interval; /* ticks; 0: off */
	uint64_t next_keep_alive;
	bool keep_alive_pending;
};

/* bad_arg.c: logs "fn: what" and returns -EINVAL. */
int nvme_bad_arg(const char *fn, const char *what);

/* request.c */
int nvme_qpair_init_requests(struct spdkrt_nvme_qpair *qpair, uint32_t num_requests);
void nvme_qpair_fini_requests(struct spdkrt_nvme_qpair *qpair);
/* Inline below: every I/O takes one and gives it back. */
static inline struct nvme_request *nvme_request_alloc(struct spdkrt_nvme_qpair *qpair,
						      spdkrt_nvme_cmd_cb cb_fn, void *cb_arg)
{
	struct nvme_request *req = TAILQ_FIRST(&qpair->free_req);

	if (req == NULL)
		return NULL;
	TAILQ_REMOVE(&qpair->free_req, req, link);
	/* Not the whole request: children_left and parent_cpl matter only to a parent (set there). */
	memset(req, 0, offsetof(struct nvme_request, cb_fn));
	req->cb_fn = cb_fn;
	req->cb_arg = cb_arg;
	req->qpair = qpair;
	req->parent = NULL;
	req->retries = 0;
	req->submit_tick = 0;
	req->timeout_reported = false;
	req->is_aer = false;
	req->outstanding = false;
	req->cid = 0;
	req->bounce = NULL;
	req->user_buf = NULL;
	req->user_len = 0;
	req->copy_out = false;
	return req;
}

void nvme_request_free(struct nvme_request *req);
/* Everything but a plain success: retries, children, bounce copies, AERs, then the callback. */
void nvme_request_complete_other(struct nvme_request *req, const struct spdkrt_nvme_cpl *cpl);

/* Called by transports for each completion; the common case (success of a plain I/O) inline. */
static inline void nvme_request_complete(struct nvme_request *req,
					 const struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_nvme_qpair *qpair = req->qpair;
	spdkrt_nvme_cmd_cb cb = req->cb_fn;
	void *arg = req->cb_arg;

	if (spdkrt_nvme_cpl_is_error(cpl) || req->parent != NULL || req->is_aer ||
	    req->bounce != NULL) {
		nvme_request_complete_other(req, cpl);
		return;
	}
	if (req->outstanding) {
		TAILQ_REMOVE(&qpair->outstanding, req, link);
		req->outstanding = false;
		qpair->num_outstanding--;
	}
	/* Freed first: the callback may submit again and find the request available. */
	TAILQ_INSERT_HEAD(&qpair->free_req, req, link);
	if (cb != NULL)
		cb(arg, cpl);
}
/* A completion with a status the driver made up (sct/sc, DNR set). */
void nvme_cpl_make_error(struct spdkrt_nvme_cpl *cpl, uint16_t sqid, uint16_t cid, uint8_t sct,
			 uint8_t sc);
/* Complete with a status the driver made up (sct/sc, DNR set). */
void nvme_request_fail(struct nvme_request *req, uint8_t sct, uint8_t sc);

/* qpair.c */
int nvme_qpair_submit(struct spdkrt_nvme_qpair *qpair, struct nvme_request *req);
void nvme_qpair_submit_queued(struct spdkrt_nvme_qpair *qpair);
void nvme_qpair_check_timeouts(struct spdkrt_nvme_qpair *qpair);
/* Complete every outstanding and queued request with sct/sc (DNR set). */
void nvme_qpair_abort_all(struct spdkrt_nvme_qpair *qpair, uint8_t sct, uint8_t sc,
			  bool include_queued);
void nvme_qpair_destroy(struct spdkrt_nvme_qpair *qpair);

/* reset.c: the reset handshake with the queue pairs' owner threads. */
const void *nvme_thread_token(void);
void nvme_ctrlr_start_reset(struct spdkrt_nvme_ctrlr *ctrlr);
void nvme_ctrlr_close_gates(struct spdkrt_nvme_ctrlr *ctrlr);
/* Re-creates acknowledged queue pairs, one at a time. -EAGAIN: one in flight; 0; or -errno. */
int nvme_ctrlr_reconnect_qpairs(struct spdkrt_nvme_ctrlr *ctrlr);
/* The reset ended (0 or -errno): its callback runs from the next admin poll. */
void nvme_ctrlr_reset_finished(struct spdkrt_nvme_ctrlr *ctrlr, int status);
void nvme_ctrlr_deliver_reset(struct spdkrt_nvme_ctrlr *ctrlr);
/* The calling thread becomes the pair's owner. */
void nvme_qpair_claim(struct spdkrt_nvme_qpair *qpair);
/* Whether the calling thread owns the pair and is not inside its completion processing. */
bool nvme_qpair_owned_here(const struct spdkrt_nvme_qpair *qpair);
/* Owner side: follows a moved gate. @return true when the rings are usable. */
bool nvme_qpair_follow_gate(struct spdkrt_nvme_qpair *qpair);
static inline bool nvme_qpair_gate_moved(struct spdkrt_nvme_qpair *qpair)
{
	/* Acquire: pairs with the release stores of reset.c (close and re-open). */
	return atomic_load_explicit(&qpair->gate, memory_order_acquire) != qpair->gate_seen;
}

/* Arbitration burst (log2) that means no limit: the controller's default, left alone. */
#define NVME_ARB_BURST_UNLIMITED 7u

/* reconnect.c: the automatic reconnect policy of the options. */
int nvme_reconnect_opts_check(const struct spdkrt_nvme_ctrlr_opts *opts);
/* Admin poll of a failed, not removed controller: the next reset attempt, or giving up. */
void nvme_ctrlr_reconnect_poll(struct spdkrt_nvme_ctrlr *ctrlr);

/* ctrlr.c */
uint64_t nvme_deadline_after_us(uint64_t us);
bool nvme_past(uint64_t deadline);
int nvme_ctrlr_process_init(struct spdkrt_nvme_ctrlr *ctrlr);
void nvme_ctrlr_fail(struct spdkrt_nvme_ctrlr *ctrlr, bool removed);
/* Calls the remove callback of a removed controller, once whoever calls (any thread). */
void nvme_ctrlr_notify_removed(struct spdkrt_nvme_ctrlr *ctrlr);
void nvme_ctrlr_destruct(struct spdkrt_nvme_ctrlr *ctrlr);
int nvme_ctrlr_start_init(struct spdkrt_nvme_ctrlr *ctrlr);
/* Submit an admin command with an optional DMA buffer; bounce copies when user memory. */
int nvme_ctrlr_submit_admin(struct spdkrt_nvme_ctrlr *ctrlr, const struct spdkrt_nvme_cmd *cmd,
			    void *user_buf, uint32_t len, uint32_t dma_len, bool copy_in,
			    bool copy_out, spdkrt_nvme_cmd_cb cb, void *cb_arg);
/* Blocking helper: poll the admin queue (and model devices) until *done or the deadline. */
int nvme_ctrlr_wait(struct spdkrt_nvme_ctrlr *ctrlr, const bool *done, uint64_t timeout_us);
/* A discovery controller (CNTRLTYPE 2, or reached through the discovery NQN). */
bool nvme_ctrlr_is_discovery(const struct spdkrt_nvme_ctrlr *ctrlr);
void nvme_ctrlr_aer_completed(struct spdkrt_nvme_ctrlr *ctrlr, const struct spdkrt_nvme_cpl *cpl);

/* ns_cmd.c: an I/O command whose data goes through a DMA bounce buffer (copied in/out). */
int nvme_ns_submit_bounced(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
			   const struct spdkrt_nvme_cmd *cmd, void *user_buf, uint32_t len,
			   bool copy_in, bool copy_out, spdkrt_nvme_cmd_cb cb, void *cb_arg);

/* discovery.c */
typedef void (*nvme_discovery_trid_cb)(void *arg, const struct spdkrt_nvme_transport_id *trid);
/* A TCP transport ID naming the discovery service (its well-known NQN). */
bool nvme_trid_is_discovery(const struct spdkrt_nvme_transport_id *trid);
/* Connects to the discovery controller, reads its whole log and calls each() with every NVM
 * subsystem listed (TCP), then detaches. 0 or -errno (logged). Blocking. */
int nvme_discovery_probe(const struct spdkrt_nvme_transport_id *discovery_trid,
			 const struct spdkrt_nvme_ctrlr_opts *opts, nvme_discovery_trid_cb each,
			 void *arg);

/* ns.c */
int nvme_ns_update(struct spdkrt_nvme_ns *ns, const struct spdkrt_nvme_ns_data *data);

/* payload.c: walk the payload as IOVA segments. */
struct nvme_sge_iter {
	const struct nvme_payload *payload;
	uint32_t offset;   /* bytes of the payload consumed so far */
	void *cur;         /* SGL: current element */
	uint32_t cur_left; /* SGL: bytes left in it */
};
int nvme_sge_iter_init(struct nvme_sge_iter *it, const struct nvme_payload *payload,
		       uint32_t offset);
/* The next virtual segment of at most max bytes. 0 or -errno. */
int nvme_sge_iter_next(struct nvme_sge_iter *it, uint32_t max, void **va, uint32_t *len);

/* Time */
uint64_t nvme_us_to_ticks(uint64_t us);

#endif
