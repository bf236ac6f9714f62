/* SPDX-License-Identifier: BSD-3-Clause */
/* The NVMe model's state, shared by its files (regs, queues, transfer, admin, io, ...). */
#ifndef NVME_MODEL_INTERNAL_H
#define NVME_MODEL_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nvme_model.h"
#include "spec.h"

#define MODEL_MAX_FAULTS 16
#define MODEL_MAX_EVENTS 16
#define MODEL_MAX_ERRORS 16
#define MODEL_TRACE_LEN 256
#define MODEL_MAX_REGISTRANTS 8
#define MODEL_FW_IMAGE_MAX (1u << 20)

struct model_sq {
	bool exists;
	uint16_t cqid;
	uint64_t base; /* IOVA */
	uint32_t size;
	uint32_t head, tail;
	uint8_t prio; /* 0 urgent .. 3 low */
};

struct model_cq {
	bool exists;
	uint64_t base;
	uint32_t size;
	uint32_t tail, head;
	bool phase;
	uint32_t sq_refs;
};

/* A completion not posted yet: delayed, held (dropped or an AER), or waiting for CQ room. */
struct model_pending {
	struct model_pending *next;
	uint16_t sqid, cqid, cid;
	uint8_t opcode;
	uint8_t cqe[CQE_SIZE]; /* without phase */
	uint32_t polls_left;
	bool held; /* never posted until aborted, reset or an event completes it */
	bool is_aer;
	bool duplicate;
	bool wrong_phase;
};

struct model_registrant {
	uint64_t host_id;
	uint64_t key;
};

struct model_ns {
	bool exists;
	bool attached;
	uint64_t num_blocks;
	uint8_t lbaf;
	bool extended;
	uint8_t pi_type;
	bool pi_first;
	uint8_t *data;          /* num_blocks * block_size */
	uint8_t *metadata;      /* num_blocks * md_size (extended or not: stored separately) */
	uint8_t *uncorrectable; /* one byte per block */
	uint8_t identify[IDENTIFY_SIZE];
	/* reservations */
	uint32_t generation;
	struct model_registrant registrants[MODEL_MAX_REGISTRANTS];
	unsigned num_registrants;
	uint64_t holder; /* host id holding the reservation (valid if rtype != 0) */
	uint8_t rtype;
};

struct model_fault_rule {
	struct nvme_model_fault f;
	uint32_t hits;
	bool active;
};

struct model_event {
	uint8_t type, info, log_page;
};

struct nvme_model {
	struct nvme_model_opts opts;
	bool registered;
	atomic_bool removed; /* set by whichever thread removes it; read by the poller */

	uint8_t *bar0; /* a shared mapping of bar0_fd */
	uint64_t bar0_size;
	int bar0_fd;
	uint8_t *cmb;     /* BAR2 memory (not DMA memory: reached only through CMBMSC.CBA) */
	uint64_t cmbmsc;  /* CMBMSC as last seen */
	uint64_t cmb_cba; /* controller address of the CMB while CMBMSC.CMSE is set */
	bool cmb_cmse;

	/* register shadows */
	uint64_t cap;
	uint32_t vs, cc, csts;
	uint32_t db_shadow[2 * NVME_MODEL_MAX_QUEUES];
	uint32_t page_size; /* from CC.MPS at enable */

	/* slow controller */
	uint32_t ready_delay, ready_countdown;
	bool ready_stuck;
	bool ready_transition; /* CSTS.RDY must follow CC.EN */
	uint32_t shutdown_delay, shutdown_countdown;
	bool shutdown_pending;
	bool fatal;

	struct model_sq sq[NVME_MODEL_MAX_QUEUES];
	struct model_cq cq[NVME_MODEL_MAX_QUEUES];
	struct model_pending *pending; /* FIFO */
	uint16_t rr_next;              /* arbitration: the I/O SQ served last */
	uint32_t burst_left;           /* commands the current SQ may still give (round robin) */
	unsigned wrr_class;            /* weighted round robin: 0 high, 1 medium, 2 low */
	uint32_t wrr_credit[4];        /* by priority: commands the class may still give */

	struct model_ns ns[NVME_MODEL_MAX_NS + 1];
	uint8_t identify_ctrlr[IDENTIFY_SIZE];

	/* features */
	uint32_t features[256];
	bool queues_set;               /* Number of Queues may be set once per enable */
	uint16_t nsq_alloc, ncq_alloc; /* 0-based */
	uint64_t timestamp;
	uint8_t host_id[16];
	bool host_id_set;

	/* asynchronous events */
	struct model_event events[MODEL_MAX_EVENTS];
	unsigned num_events;
	uint8_t masked_types; /* bit per type: an event of that type waits for its log page */
	unsigned aers_outstanding;
	uint32_t changed_ns[1024];
	unsigned num_changed_ns;

	/* logs */
	uint8_t errors[MODEL_MAX_ERRORS][ERROR_ENTRY_SIZE];
	unsigned num_errors;
	uint64_t error_count;
	unsigned aborts_outstanding;

	/* firmware */
	char fw_rev[NVME_MODEL_FW_SLOTS + 1][9]; /* 8 ASCII bytes and a NUL */
	uint8_t fw_active, fw_next;
	uint8_t *fw_image;
	uint32_t fw_image_len;

	/* security protocol 0xEF (test protocol): receive returns what was last sent */
	uint8_t security_buf[512];
	uint32_t security_len;

	struct model_fault_rule faults[MODEL_MAX_FAULTS];
	uint8_t *log_override[256]; /* 4096 bytes each when set */
	size_t log_override_len[256];

	struct nvme_model_cmd_record history[NVME_MODEL_HISTORY];
	uint64_t history_count;
	uint16_t trace[MODEL_TRACE_LEN];
	uint64_t trace_count;
	struct nvme_model_stats stats;
	bool did_work;
};

/* What running one command decided. */
struct model_result {
	uint32_t cdw0;
	uint8_t sct, sc;
	bool dnr;
	bool held; /* the command completes later (AER) */
};

static inline void result_status(struct model_result *r, uint8_t sct, uint8_t sc, bool dnr)
{
	r->sct = sct;
	r->sc = sc;
	r->dnr = dnr;
}

/* regs.c */
void model_regs_init(struct nvme_model *m);
int model_regs_poll(struct nvme_model *m);
volatile uint32_t *model_doorbell(struct nvme_model *m, uint16_t qid, bool cq);
void model_controller_reset(struct nvme_model *m);
void model_regs_fill(struct nvme_model *m, unsigned off, uint32_t v);

/* queue.c */
int model_queues_poll(struct nvme_model *m);
void model_queue_reset_all(struct nvme_model *m);
int model_create_cq(struct nvme_model *m, uint16_t qid, uint64_t base, uint32_t size);
int model_create_sq(struct nvme_model *m, uint16_t qid, uint16_t cqid, uint64_t base, uint32_t size,
		    uint8_t prio);
void model_delete_sq(struct nvme_model *m, uint16_t qid);
void model_delete_cq(struct nvme_model *m, uint16_t qid);
void model_complete_held(struct nvme_model *m, struct model_pending *p, uint32_t cdw0, uint8_t sct,
			 uint8_t sc);
struct model_pending *model_find_pending(struct nvme_model *m, uint16_t sqid, uint16_t cid);
void model_deliver_events(struct nvme_model *m);
/* Queue an event; it reaches an AER at the end of the poll, after the command's completion. */
void model_queue_event(struct nvme_model *m, uint8_t type, uint8_t info, uint8_t log_page);

/* transfer.c: move data between a command's PRPs/SGL and a linear buffer. */
enum model_dir {
	MODEL_TO_HOST,
	MODEL_FROM_HOST
};
/* Returns a status code (SCT generic) or 0. len may be 0. */
int model_transfer(struct nvme_model *m, const uint8_t *sqe, bool admin, void *buf, size_t len,
		   enum model_dir dir, uint8_t *sct);
int model_transfer_metadata(struct nvme_model *m, const uint8_t *sqe, void *buf, size_t len,
			    enum model_dir dir);
void *model_dma(struct nvme_model *m, uint64_t iova, size_t len);
/* The CMB memory behind [addr, addr + len) when it all lies in the enabled CMB, else NULL. */
uint8_t *model_cmb_addr(const struct nvme_model *m, uint64_t addr, size_t len);
/* CMBSZ's support bits (SQS, CQS, LISTS, RDS, WDS) under the options. */
uint32_t model_cmbsz_flags(const struct nvme_model *m);
uint32_t model_max_transfer(const struct nvme_model *m);

/* admin.c / identify.c / features.c / log_page.c */
void model_admin(struct nvme_model *m, const uint8_t *sqe, struct model_result *r);
void model_identify(struct nvme_model *m, const uint8_t *sqe, struct model_result *r);
void model_identify_build(struct nvme_model *m);
void model_features(struct nvme_model *m, const uint8_t *sqe, bool set, struct model_result *r);
void model_features_reset(struct nvme_model *m);
void model_get_log_page(struct nvme_model *m, const uint8_t *sqe, struct model_result *r);
void model_record_error(struct nvme_model *m, uint16_t sqid, uint16_t cid, uint8_t sct, uint8_t sc);
void model_ns_management(struct nvme_model *m, const uint8_t *sqe, bool attach,
			 struct model_result *r);
void model_format(struct nvme_model *m, const uint8_t *sqe, struct model_result *r);
void model_firmware(struct nvme_model *m, const uint8_t *sqe, bool commit, struct model_result *r);

/* namespace.c */
struct model_ns *model_ns_get(struct nvme_model *m, uint32_t nsid); /* attached only */
int model_ns_alloc(struct nvme_model *m, uint32_t nsid, const struct nvme_model_ns_opts *o);
void model_ns_free(struct model_ns *ns);
uint32_t model_lbaf_data_size(uint8_t lbaf);
uint16_t model_lbaf_md_size(uint8_t lbaf);
void model_ns_changed(struct nvme_model *m, uint32_t nsid);

/* io.c / pi.c / reservation.c */
void model_io(struct nvme_model *m, const uint8_t *sqe, struct model_result *r);
void model_reservation(struct nvme_model *m, struct model_ns *ns, const uint8_t *sqe,
		       struct model_result *r);
bool model_reservation_allows(struct nvme_model *m, const struct model_ns *ns, uint8_t opcode);

/* fault.c */
const struct nvme_model_fault *model_fault_match(struct nvme_model *m, uint16_t qid,
						 uint8_t opcode);

#define MODEL_HOST_ID_SELF 0 /* the host behind the driver, until it sets Host Identifier */
uint64_t model_self_host_id(const struct nvme_model *m);

#endif
