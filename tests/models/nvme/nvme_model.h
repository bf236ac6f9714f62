/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A register-level NVMe controller model for tests (never in the library). It registers as a
 * model PCI function (env/pci.h) with a BAR0 it owns; each poll reads the registers and doorbells
 * the driver wrote, runs the admin and I/O queues from DMA memory and posts completions with
 * phase tags. Every address it receives is an IOVA, resolved with srt_dma_iova_to_vaddr(): a
 * driver that hands it a virtual address gets a data transfer error (and a log line).
 *
 * What it implements: CAP/VS/CC/CSTS/AQA/ASQ/ACQ/CMBLOC/CMBSZ/NSSR, doorbells with any stride,
 * enable/disable/shutdown, admin (identify CNS 0/1/2/3/0x10-0x13, create/delete I/O SQ/CQ,
 * get/set features with data buffers, get log page with offset/LSP/RAE, abort, asynchronous
 * events, keep alive, namespace management and attachment, format, firmware download/commit,
 * security send/receive), the NVM command set (read, write, flush, write zeroes, write
 * uncorrectable, compare, dataset management, reservations) on RAM namespaces with any LBA
 * format, extended or separate metadata and protection information, PRPs and SGLs, MDTS,
 * round-robin and weighted round-robin arbitration. And faults on demand (nvme_model_fault).
 *
 * The controller memory buffer (BAR2, CAP.CMBS) works as on a real device: the controller takes
 * an address as its own memory only with CMBMSC.CMSE set and the address in [CMBMSC.CBA,
 * CBA + size) (CMBLOC/CMBSZ read as set from the start, as before NVMe 1.4's CMBMSC.CRE). The buffer is not DMA
 * memory: a driver that gives the env's IOVA (or a virtual address) of the mapped BAR gets a
 * data transfer error. Submission queues (fetched from it), PRP lists and data placed there
 * work as CMBSZ allows (else Invalid Use of Controller Memory Buffer), and the model counts them.
 *
 * Threading: one thread drives a model (the one that polls it and injects faults).
 */
#ifndef NVME_MODEL_H
#define NVME_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spdkrt/pci.h>

struct nvme_model;

#define NVME_MODEL_VENDOR_ID 0x1b36 /* QEMU's NVMe vendor/device, so quirk tables miss it */
#define NVME_MODEL_DEVICE_ID 0x0010
#define NVME_MODEL_CLASS 0x010802
#define NVME_MODEL_MAX_QUEUES 64 /* queue ids 0..63 */
#define NVME_MODEL_MAX_NS 32     /* namespace ids 1..32 */
#define NVME_MODEL_FW_SLOTS 3
#define NVME_MODEL_CNTLID 1

/* The LBA formats every namespace offers (index: data bytes + metadata bytes). */
#define NVME_MODEL_NUM_LBAF 7
/* 0: 512+0, 1: 512+8, 2: 512+16, 3: 4096+0, 4: 4096+8, 5: 4096+64, 6: 4096+128 */

struct nvme_model_opts {
	struct spdkrt_pci_addr addr;
	struct spdkrt_pci_id id; /* class code forced to NVME_MODEL_CLASS */
	uint16_t mqes;           /* CAP.MQES: max queue entries, 0-based (default 1023) */
	uint8_t dstrd;           /* CAP.DSTRD: doorbell stride 4 << dstrd bytes (default 0) */
	uint8_t timeout;         /* CAP.TO in 500 ms units (default 10) */
	uint8_t mpsmin, mpsmax;  /* CAP.MPSMIN/MPSMAX (default 0 and 4) */
	bool wrr;                /* CAP.AMS: weighted round robin with urgent class */
	uint8_t mdts;            /* identify MDTS, 2^n min pages (default 5 = 128 KiB; 0 none) */
	uint16_t num_io_queues;  /* I/O queue pairs the controller offers (default 63) */
	bool sgl;                /* SGLs for I/O commands (default true) */
	bool sgl_dword_aligned;  /* SGLS support 10b: data blocks must be dword aligned */
	uint8_t aerl;            /* async event request limit, 0-based (default 3) */
	uint8_t acl;             /* abort command limit, 0-based (default 3) */
	uint16_t kas;            /* keep alive support granularity in 100 ms (default 1; 0 none) */
	uint32_t cmb_size;       /* controller memory buffer in BAR2: 0 or a multiple of 2 MiB */
	bool cmb_no_sqs;         /* CMBSZ.SQS clear: submission queues may not live in the CMB */
	bool cmb_no_rds;         /* CMBSZ.RDS clear: no read (controller-to-host) data in the CMB */
	bool cmb_no_wds;         /* CMBSZ.WDS clear: no write (host-to-controller) data in it */
	uint32_t rtd3e;          /* RTD3 entry latency in microseconds */
	uint32_t commands_per_poll; /* at most this many commands per poll (default 0: no limit) */
};

/* Defaults described above; address 0000:0e:00.0. */
void nvme_model_opts_init(struct nvme_model_opts *opts);

/*
 * Build a model and register it as a PCI function at opts->addr (NULL: defaults).
 * @return 0 and *model, or a negative errno.
 */
int nvme_model_create(const struct nvme_model_opts *opts, struct nvme_model **model);

/* Unregister (if still registered) and free. The driver must have detached. NULL is ignored. */
void nvme_model_destroy(struct nvme_model *model);

struct nvme_model_ns_opts {
	uint32_t nsid; /* 1..NVME_MODEL_MAX_NS */
	uint64_t num_blocks;
	uint8_t lbaf;    /* index in the table above */
	bool extended;   /* metadata interleaved with data (FLBAS bit 4) */
	uint8_t pi_type; /* 0 none, 1, 2, 3 (needs metadata >= 8) */
	bool pi_first;   /* PI in the first 8 metadata bytes (else the last 8) */
	bool detached;   /* allocated but not attached to the controller */
};

/* Add a RAM namespace (hot add: raises a namespace-attribute-changed event when enabled). */
int nvme_model_add_ns(struct nvme_model *model, const struct nvme_model_ns_opts *opts);
/* Remove a namespace (raises the event too). -ENOENT if absent. */
int nvme_model_remove_ns(struct nvme_model *model, uint32_t nsid);

/* The namespace's backing store: data (num_blocks * block size) and separate metadata. */
uint8_t *nvme_model_ns_data(struct nvme_model *model, uint32_t nsid, size_t *size);
uint8_t *nvme_model_ns_metadata(struct nvme_model *model, uint32_t nsid, size_t *size);

/*
 * Process register writes and doorbells once. Model PCI functions are also polled by
 * srt_pci_model_poll_all(). @return > 0 if it did anything.
 */
int nvme_model_poll(struct nvme_model *model);

/* BAR0 as the driver sees it (tests that play the driver write registers here). */
volatile void *nvme_model_bar0(struct nvme_model *model);
uint64_t nvme_model_bar0_size(const struct nvme_model *model);

/*
 * The identify pages the model serves: writable, so tests can serve garbage (NN huge, MDTS 0,
 * impossible LBA formats...). The model's own behaviour does not change. ns: NULL if absent.
 * Rebuilt from the model's state by nvme_model_rebuild_identify() and after namespace changes.
 */
uint8_t *nvme_model_identify_ctrlr(struct nvme_model *model);
uint8_t *nvme_model_identify_ns(struct nvme_model *model, uint32_t nsid);
void nvme_model_rebuild_identify(struct nvme_model *model);

/* Faults. A rule applies to the next `count` matching commands (0 = every one, until cleared). */
enum nvme_model_fault_kind {
	NVME_MODEL_FAULT_STATUS,       /* complete with sct/sc/dnr instead of running the command */
	NVME_MODEL_FAULT_DROP,         /* run it, never complete it (abort or reset ends it) */
	NVME_MODEL_FAULT_DELAY,        /* run it, complete it `delay_polls` polls later */
	NVME_MODEL_FAULT_WRONG_CID,    /* complete with cid ^ 0x8000 (unknown to the driver) */
	NVME_MODEL_FAULT_WRONG_SQID,   /* complete with an sqid that is not the command's */
	NVME_MODEL_FAULT_DUPLICATE,    /* complete twice */
	NVME_MODEL_FAULT_WRONG_PHASE,  /* post with the phase of the previous pass (invisible) */
	NVME_MODEL_FAULT_GARBAGE_CDW0, /* complete with cdw0 = cdw0_value */
};

#define NVME_MODEL_ANY_QID 0xFFFF
#define NVME_MODEL_ANY_OPCODE 0xFFFF

struct nvme_model_fault {
	enum nvme_model_fault_kind kind;
	uint16_t qid;    /* 0 admin, 1.. I/O, or NVME_MODEL_ANY_QID */
	uint16_t opcode; /* or NVME_MODEL_ANY_OPCODE */
	uint32_t count;  /* matching commands to hit; 0 = unlimited */
	uint32_t skip;   /* matching commands to let through first */
	uint8_t sct, sc; /* FAULT_STATUS */
	bool dnr;
	uint32_t delay_polls; /* FAULT_DELAY */
	uint32_t cdw0_value;  /* FAULT_GARBAGE_CDW0 */
};

/* Add a rule (up to 16). -ENOSPC when full, -EINVAL on a bad rule. */
int nvme_model_inject(struct nvme_model *model, const struct nvme_model_fault *fault);
void nvme_model_clear_faults(struct nvme_model *model);

/* Controller fatal status: CSTS.CFS = 1, command processing stops until CC.EN goes to 0. */
void nvme_model_set_fatal(struct nvme_model *model);
/* CSTS.RDY follows CC.EN only `polls` polls later (slow controller); 0 = at once. */
void nvme_model_set_ready_delay(struct nvme_model *model, uint32_t polls);
/* CSTS.RDY never follows CC.EN (a controller that hangs on enable/disable). */
void nvme_model_set_ready_stuck(struct nvme_model *model, bool stuck);
/* Shutdown (CC.SHN) completes `polls` polls later; UINT32_MAX: never. */
void nvme_model_set_shutdown_delay(struct nvme_model *model, uint32_t polls);

/*
 * Post a raw 16-byte completion on CQ cqid as the controller would (the phase bit is set
 * to the current phase unless keep_phase). For fuzzing and bogus-completion tests.
 * @return 0, -ENOENT (no such CQ), -ENOSPC (CQ full).
 */
int nvme_model_post_raw_cqe(struct nvme_model *model, uint16_t cqid, const uint8_t cqe[16],
			    bool keep_phase);

/*
 * Serve `len` bytes of `data` as log page `lid` instead of the model's own (fuzzing, garbage
 * logs); data NULL restores the model's page. -EINVAL for len > 4096.
 */
int nvme_model_set_log_page(struct nvme_model *model, uint8_t lid, const void *data, size_t len);

/* Queue an asynchronous event (delivered to an outstanding AER). */
void nvme_model_raise_event(struct nvme_model *model, uint8_t type, uint8_t info, uint8_t log_page);

/*
 * Surprise removal: the BAR reads all ones from now on, the model stops, and it unregisters
 * from the PCI layer (an attached device then reports is_removed). Destroy still frees it.
 */
void nvme_model_surprise_remove(struct nvme_model *model);
/*
 * Surprise removal as vfio shows it: unregistered, and any access to BAR0 (by the driver's
 * mapping) raises SIGBUS from now on, until the driver maps something else there.
 */
void nvme_model_surprise_remove_sigbus(struct nvme_model *model);

/* What the model saw, for assertions. */
struct nvme_model_stats {
	uint64_t admin_commands;
	uint64_t io_commands;
	uint64_t completions;
	uint64_t enables;  /* CC.EN 0 -> 1 */
	uint64_t disables; /* CC.EN 1 -> 0 */
	uint64_t shutdowns;
	uint64_t keep_alives;
	uint64_t dma_errors; /* IOVAs that were not DMA memory */
	uint64_t invalid_doorbells;
	uint64_t aborts_done; /* commands aborted by an Abort */
	uint64_t io_queues_created;
	uint64_t cmb_sqs;         /* I/O SQs created in the controller memory buffer */
	uint64_t cmb_sqe_fetches; /* commands fetched from an SQ in the CMB */
	uint64_t cmb_data_bytes;  /* data moved to or from the CMB by commands */
	uint64_t io_queues_deleted;
	uint64_t max_outstanding; /* most commands fetched and not completed at once */
	uint32_t outstanding;
	uint32_t num_queues_requested; /* last Set Features Number of Queues (NSQR, 0-based) */
};
void nvme_model_get_stats(const struct nvme_model *model, struct nvme_model_stats *stats);

/* A command as the model fetched it, for asserting what the driver sent. */
struct nvme_model_cmd_record {
	uint16_t qid;
	uint8_t sqe[64];
};
#define NVME_MODEL_HISTORY 256

/*
 * The last `n` commands fetched (admin and I/O, oldest first, at most NVME_MODEL_HISTORY).
 * @return how many were copied.
 */
size_t nvme_model_command_history(const struct nvme_model *model, struct nvme_model_cmd_record *out,
				  size_t n);
/* The last command with this opcode on this queue (qid NVME_MODEL_ANY_QID: any); false if none. */
bool nvme_model_last_command(const struct nvme_model *model, uint16_t qid, uint8_t opcode,
			     uint8_t sqe[64]);

/* The queue ids of the last `n` I/O commands executed, oldest first (arbitration tests). */
size_t nvme_model_exec_trace(const struct nvme_model *model, uint16_t *qids, size_t n);
void nvme_model_reset_trace(struct nvme_model *model);

/* Current value of a feature (cdw0 a Get Features would return). */
uint32_t nvme_model_feature(const struct nvme_model *model, uint8_t fid);

/* Firmware: the revision in a slot (1-based) and the active slot. */
const char *nvme_model_fw_revision(const struct nvme_model *model, uint8_t slot);
uint8_t nvme_model_fw_active_slot(const struct nvme_model *model);

/* Reservations from another host: register a key for host_id on nsid (as a second host would). */
int nvme_model_other_host_register(struct nvme_model *model, uint32_t nsid, uint64_t host_id,
				   uint64_t key);
/* Other host takes the reservation (type 1..6). */
int nvme_model_other_host_acquire(struct nvme_model *model, uint32_t nsid, uint64_t host_id,
				  uint64_t key, uint8_t rtype);

/* The T10 DIF guard (CRC-16, polynomial 0x8BB7) the model computes for protection information. */
uint16_t nvme_model_crc16_t10dif(const void *buf, size_t len);

#endif
