/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The NVMe driver: controllers attached by transport ID (PCIe functions bound to vfio-pci or
 * uio_pci_generic; later NVMe/TCP), namespaces, I/O queue pairs and every command, all
 * asynchronous. Completions arrive from spdkrt_nvme_qpair_process_completions() (I/O) and
 * spdkrt_nvme_ctrlr_process_admin_completions() (admin, asynchronous events, keep alive,
 * timeouts, controller failure and removal): call the latter periodically.
 *
 * Threading: a controller (its admin functions) is used by one thread at a time; each I/O queue
 * pair by one thread at a time. Callbacks run inside the process call of the queue they belong to,
 * never inside the call that submitted. Multi-process sharing of a controller (DPDK primary and
 * secondary processes) is not supported.
 *
 * Buffers handed to commands must be DMA-safe (spdkrt_dma_malloc() or spdkrt_mem_register()),
 * except where a function says it copies (log pages, features, identify, DSM ranges).
 */
#ifndef SPDKRT_NVME_H
#define SPDKRT_NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <spdkrt/api.h>
#include <spdkrt/nvme_spec.h>

SPDKRT_BEGIN_DECLS

/** An attached NVMe controller (opaque). */
struct spdkrt_nvme_ctrlr;
/** An active namespace of a controller (opaque; valid until the controller detaches). */
struct spdkrt_nvme_ns;
/** A queue pair: the admin queue or an I/O queue (opaque). */
struct spdkrt_nvme_qpair;
/** An asynchronous probe or connect in progress (opaque). */
struct spdkrt_nvme_probe_ctx;
/** An asynchronous detach in progress (opaque). */
struct spdkrt_nvme_detach_ctx;

/** Transports. */
enum spdkrt_nvme_transport_type {
	SPDKRT_NVME_TRANSPORT_PCIE = 256,                   /**< local PCIe function */
	SPDKRT_NVME_TRANSPORT_TCP = SPDKRT_NVMF_TRTYPE_TCP, /**< NVMe/TCP */
};

/** Longest transport address, service id and NQN text, with the NUL. */
#define SPDKRT_NVME_TRADDR_MAX 257
/** Longest transport service id with the NUL. */
#define SPDKRT_NVME_TRSVCID_MAX 33
/** Longest NQN with the NUL. */
#define SPDKRT_NVME_NQN_MAX 224
/** Longest NVMe TLS PSK interchange-format text, with the NUL. */
#define SPDKRT_NVME_TLS_PSK_MAX 128

/** Where a controller is: SPDK's transport ID. */
struct spdkrt_nvme_transport_id {
	enum spdkrt_nvme_transport_type trtype; /**< transport */
	enum spdkrt_nvmf_adrfam adrfam;         /**< address family (fabrics) */
	char traddr[SPDKRT_NVME_TRADDR_MAX];    /**< PCI address "0000:00:04.0", or an IP address */
	char trsvcid[SPDKRT_NVME_TRSVCID_MAX];  /**< port (fabrics) */
	char subnqn[SPDKRT_NVME_NQN_MAX];       /**< subsystem NQN (fabrics) */
};

/**
 * Parses SPDK's text form, whitespace-separated `key:value` pairs, keys case-insensitive:
 * `trtype:PCIe traddr:0000:00:04.0` or
 * `trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:4420 subnqn:nqn...`.
 * @return 0, or -EINVAL (logged) on NULL, an unknown key or transport, or a value too long.
 */
SPDKRT_API int spdkrt_nvme_transport_id_parse(struct spdkrt_nvme_transport_id *trid,
					      const char *text);
/**
 * Formats @p trid in the form spdkrt_nvme_transport_id_parse() reads.
 * @return 0, -EINVAL on NULL, -ENOSPC when @p size is too small.
 */
SPDKRT_API int spdkrt_nvme_transport_id_fmt(const struct spdkrt_nvme_transport_id *trid, char *buf,
					    size_t size);
/**
 * Compares two transport IDs (PCIe addresses as addresses, so "00:04.0" equals
 * "0000:00:04.0"). @return <0, 0 or >0.
 */
SPDKRT_API int spdkrt_nvme_transport_id_compare(const struct spdkrt_nvme_transport_id *a,
						const struct spdkrt_nvme_transport_id *b);

/** Controller options; initialise with spdkrt_nvme_ctrlr_opts_init(). */
struct spdkrt_nvme_ctrlr_opts {
	/** sizeof as the caller knows it; set by spdkrt_nvme_ctrlr_opts_init(). */
	size_t size;
	/** I/O queue pairs to ask for (Number of Queues feature); default 64. */
	uint32_t num_io_queues;
	/** Entries of each I/O queue; default 256, clamped to [2, CAP.MQES + 1]. */
	uint32_t io_queue_size;
	/** Requests per I/O queue pair (split I/O uses one per child); default 512. */
	uint32_t io_queue_requests;
	/** Admin queue entries; default 64, clamped to [2, 4096]. */
	uint32_t admin_queue_size;
	/** Arbitration mechanism (enum spdkrt_nvme_cc_ams); WRR must be in CAP.AMS. */
	uint32_t arb_mechanism;
	/** Weighted round robin: weights (1..256) and burst (log2, 7 = no limit). */
	uint16_t arb_high_weight;
	/** Medium priority weight (1..256). */
	uint16_t arb_medium_weight;
	/** Low priority weight (1..256). */
	uint16_t arb_low_weight;
	/** Arbitration burst, log2 0..7: 2^N commands an SQ may give in a row, under either
	 *  mechanism (Set Features Arbitration at attach); 7 (the default) = no limit, and the
	 *  feature is left as the controller has it unless weighted round robin is asked for. */
	uint8_t arb_burst;
	/**
	 * Put I/O submission queues in the controller memory buffer (PCIe) when CMBSZ.SQS allows;
	 * cleared at attach (with a log line) when it does not. A queue that finds the CMB full
	 * takes host memory (logged); a deleted queue gives its CMB space back.
	 */
	bool use_cmb_sqs;
	/** Keep alive timeout in ms (0 = off); keep alive is sent every kato/2. Default 10000. */
	uint32_t keep_alive_timeout_ms;
	/** Retries of a retryable status (DNR clear); default 4. */
	uint32_t retry_count;
	/** Timeout of each admin command the driver waits on during attach/reset, us. 10 s. */
	uint64_t admin_timeout_us;
	/** Bound on a CC.SHN shutdown when RTD3E is 0, us; default 5 s. */
	uint64_t shutdown_timeout_us;
	/** Host NQN (fabrics). */
	char hostnqn[SPDKRT_NVME_NQN_MAX];
	/** NVMe/TCP: ask for header digests in ICReq (the target may refuse); default false. */
	bool header_digest;
	/** NVMe/TCP: ask for data digests in ICReq (the target may refuse); default false. */
	bool data_digest;
	/** Fabrics host identifier sent in Connect (a UUID); all zeroes by default. */
	uint8_t hostid[16];
	/**
	 * NVMe/TCP secure channel: a TLS pre-shared key in the NVMe TLS PSK interchange format
	 * ("NVMeTLSkey-1:01:<base64 of key and CRC-32>:"; hash 00, 01 or 02). Empty (default):
	 * plain TCP. With a key every queue runs TLS 1.3 (NVMe TP 8011) before ICReq, with the
	 * PSK identity "NVMe0R0<h> <hostnqn> <subnqn>" and the retained and TLS PSKs derived from
	 * the key; a key the target refuses fails the connect with -EACCES.
	 */
	char psk[SPDKRT_NVME_TLS_PSK_MAX];
	/**
	 * Automatic reconnect (fabrics; any controller that fails without being removed): the
	 * admin poll (spdkrt_nvme_ctrlr_process_admin_completions) resets the controller at once
	 * and then every reconnect_delay_ms until a reset succeeds or ctrlr_loss_timeout_ms has
	 * passed since the failure. Meanwhile commands fail: in flight with TRANSIENT TRANSPORT
	 * ERROR, new ones with -ENXIO; queue pair and namespace handles stay valid. 0 (default):
	 * no automatic reconnect (spdkrt_nvme_ctrlr_reset() still reconnects). Like SPDK's
	 * reconnect_delay_sec.
	 */
	uint32_t reconnect_delay_ms;
	/**
	 * How long the automatic reconnect keeps trying, ms, like SPDK's ctrlr_loss_timeout_sec:
	 * -1 forever; 0 (default) no automatic reconnect (reconnect_delay_ms must be 0 too); > 0:
	 * after that long the controller is failed for good, as if removed: its remove callback
	 * runs once and reset is refused (-ENXIO). Must be at least reconnect_delay_ms; connect
	 * refuses other combinations with -EINVAL.
	 */
	int32_t ctrlr_loss_timeout_ms;
};

/**
 * Fills @p opts with the defaults.
 * @return 0, or -EINVAL on NULL or a @p size below sizeof(size_t).
 */
SPDKRT_API int spdkrt_nvme_ctrlr_opts_init(struct spdkrt_nvme_ctrlr_opts *opts, size_t size);

/** I/O queue pair options; initialise with spdkrt_nvme_io_qpair_opts_init(). */
struct spdkrt_nvme_io_qpair_opts {
	/** sizeof as the caller knows it. */
	size_t size;
	/** Priority under weighted round robin (enum spdkrt_nvme_qprio); 0 with round robin. */
	uint32_t qprio;
	/** Entries; 0 = the controller's io_queue_size. */
	uint32_t io_queue_size;
	/** Requests; 0 = the controller's io_queue_requests. */
	uint32_t io_queue_requests;
};

/**
 * Fills @p opts with the defaults.
 * @return 0, or -EINVAL on NULL or a @p size below sizeof(size_t).
 */
SPDKRT_API int spdkrt_nvme_io_qpair_opts_init(struct spdkrt_nvme_io_qpair_opts *opts, size_t size);

/** Completion of any command: @p cpl is valid only during the call. */
typedef void (*spdkrt_nvme_cmd_cb)(void *cb_arg, const struct spdkrt_nvme_cpl *cpl);

/** Probe: return true to attach the controller at @p trid, after adjusting @p opts. */
typedef bool (*spdkrt_nvme_probe_cb)(void *cb_ctx, const struct spdkrt_nvme_transport_id *trid,
				     struct spdkrt_nvme_ctrlr_opts *opts);
/** A controller finished attaching; @p opts are the negotiated ones. */
typedef void (*spdkrt_nvme_attach_cb)(void *cb_ctx, const struct spdkrt_nvme_transport_id *trid,
				      struct spdkrt_nvme_ctrlr *ctrlr,
				      const struct spdkrt_nvme_ctrlr_opts *opts);
/**
 * A controller was removed (hot remove, or given up after its loss timeout): stop I/O and detach
 * it. Called once per controller, from whichever call saw it first: a later PCIe
 * spdkrt_nvme_probe() (a remove uevent) or spdkrt_nvme_ctrlr_process_admin_completions()
 * (registers read all ones, SIGBUS on its BAR, the VFIO device request). It may detach the
 * controller itself; do not detach it on another thread while a probe may be running.
 */
typedef void (*spdkrt_nvme_remove_cb)(void *cb_ctx, struct spdkrt_nvme_ctrlr *ctrlr);

/**
 * Starts probing: every NVMe function (class 010802) when @p trid is NULL or has an empty traddr,
 * else the one controller. A TCP @p trid whose subnqn is SPDKRT_NVMF_DISCOVERY_NQN names a
 * discovery service: its log is read (blocking) and every NVM subsystem it lists is probed.
 * Controllers @p probe_cb accepts start their initialisation; poll with
 * spdkrt_nvme_probe_poll_async(). Controllers already attached are skipped.
 *
 * PCI hot plug (Linux uevents; vfio-pci and uio_pci_generic alike): the first PCIe probe
 * (@p trid NULL or PCIe) given a @p remove_cb opens the process's uevent socket; from then on
 * every PCIe probe first acts on what the kernel said since the last one. A remove or unbind
 * of a function whose controller is attached fails that controller as removed (outstanding
 * commands complete with an error at their queue pair's next process call, new ones get
 * -ENXIO, no register is touched again, detach skips the shutdown) and calls its remove
 * callback, from this call. A bind to vfio-pci or uio_pci_generic of a function this probe
 * covers probes it (probe_cb, then attach_cb when ready). Other uevents, and malformed ones,
 * are ignored. So an application that probes periodically (as SPDK's hotplug example does)
 * sees insertions and removals without a uevent socket of its own. Where uevents are not
 * available (some containers) this is logged once, and removal is seen by the admin poll only.
 * @return 0 and *ctx, or a negative errno (logged).
 */
SPDKRT_API int spdkrt_nvme_probe_async(const struct spdkrt_nvme_transport_id *trid, void *cb_ctx,
				       spdkrt_nvme_probe_cb probe_cb,
				       spdkrt_nvme_attach_cb attach_cb,
				       spdkrt_nvme_remove_cb remove_cb,
				       struct spdkrt_nvme_probe_ctx **ctx);
/**
 * Advances every controller of @p ctx; attach_cb runs for each one that becomes ready, a failed
 * one is logged and released. @return -EAGAIN while some are initialising; then 0 (@p ctx
 * freed), or the first error when no controller attached (@p ctx freed).
 */
SPDKRT_API int spdkrt_nvme_probe_poll_async(struct spdkrt_nvme_probe_ctx *ctx);
/** spdkrt_nvme_probe_async() polled to the end. @return as spdkrt_nvme_probe_poll_async(). */
SPDKRT_API int spdkrt_nvme_probe(const struct spdkrt_nvme_transport_id *trid, void *cb_ctx,
				 spdkrt_nvme_probe_cb probe_cb, spdkrt_nvme_attach_cb attach_cb,
				 spdkrt_nvme_remove_cb remove_cb);
/**
 * Attaches the one controller at @p trid with @p opts (NULL: defaults), blocking until ready or
 * failed (every wait bounded by CAP.TO or the admin timeout).
 * @return 0 and *ctrlr, -ENODEV, -EEXIST (already attached), -ETIMEDOUT, -EIO, ...
 */
SPDKRT_API int spdkrt_nvme_connect(const struct spdkrt_nvme_transport_id *trid,
				   const struct spdkrt_nvme_ctrlr_opts *opts,
				   struct spdkrt_nvme_ctrlr **ctrlr);

/**
 * Starts detaching: deletes I/O queues (the caller has freed them), shuts the controller down
 * (CC.SHN, bounded by RTD3E) unless it was removed. @return 0 and *ctx, or -EINVAL.
 */
SPDKRT_API int spdkrt_nvme_detach_async(struct spdkrt_nvme_ctrlr *ctrlr,
					struct spdkrt_nvme_detach_ctx **ctx);
/** Advances a detach. @return -EAGAIN, then 0 when the controller is freed (@p ctx freed). */
SPDKRT_API int spdkrt_nvme_detach_poll_async(struct spdkrt_nvme_detach_ctx *ctx);
/** Detaches and frees @p ctrlr (I/O queue pairs still allocated are freed). NULL: -EINVAL. */
SPDKRT_API int spdkrt_nvme_detach(struct spdkrt_nvme_ctrlr *ctrlr);

/**
 * Processes admin completions, asynchronous events, keep alive, timeouts, a failed or removed
 * controller and a reset in progress. @return completions processed, or -ENXIO once failed.
 */
SPDKRT_API int32_t spdkrt_nvme_ctrlr_process_admin_completions(struct spdkrt_nvme_ctrlr *ctrlr);

/**
 * Resets the controller and waits: outstanding commands complete with ABORTED_SQ_DELETION,
 * the controller is disabled and re-initialised, I/O queue pairs are re-created with the same
 * ids. Over a fabric (TCP) every queue's connection is closed and made again: the admin queue
 * first (ICReq, Connect with the same host NQN and host id; the target gives a new controller
 * id), then the enable sequence through Property Get/Set, then each I/O queue pair (Connect
 * with the new controller id); queue pair and namespace handles stay valid. A failed (not
 * removed) controller can be reset: that is how a lost connection is reconnected.
 * @return 0, or a negative errno (the controller is then failed, -ENXIO for commands, until a
 * later reset succeeds).
 */
SPDKRT_API int spdkrt_nvme_ctrlr_reset(struct spdkrt_nvme_ctrlr *ctrlr);

/** End of an asynchronous reset: @p status 0, or a negative errno (the controller has failed). */
typedef void (*spdkrt_nvme_reset_cb)(void *cb_arg, struct spdkrt_nvme_ctrlr *ctrlr, int status);
/**
 * Starts a reset driven by spdkrt_nvme_ctrlr_process_admin_completions(), which calls @p cb
 * (may be NULL) when it ends, never from this call. Admin commands in flight complete with
 * ABORTED_SQ_DELETION at once. Each I/O queue pair is handed over by its own thread: at its
 * next process call after the controller is disabled, the commands it had in flight complete
 * with ABORTED_SQ_DELETION (GENERIC, DNR set); commands submitted meanwhile wait in software and
 * go out once the pair is re-created with the same id. Pairs owned by the calling thread are
 * handed over by the reset itself; a pair of another thread is re-created by an admin poll
 * after that thread's next process call, so @p cb may come before it is (its commands wait).
 * A queue pair belongs to the thread that allocated it until another thread processes it.
 * @return 0; -EBUSY when a reset started by this function is in progress; -ENXIO (removed, or
 * given up after the controller loss timeout); -EINVAL (NULL).
 */
SPDKRT_API int spdkrt_nvme_ctrlr_reset_async(struct spdkrt_nvme_ctrlr *ctrlr,
					     spdkrt_nvme_reset_cb cb, void *cb_arg);
/** True once the controller has failed (or was removed); commands return -ENXIO. */
SPDKRT_API bool spdkrt_nvme_ctrlr_is_failed(const struct spdkrt_nvme_ctrlr *ctrlr);

/** Identify Controller data, cached at attach (NULL for NULL). */
SPDKRT_API const struct spdkrt_nvme_ctrlr_data *
spdkrt_nvme_ctrlr_get_data(const struct spdkrt_nvme_ctrlr *ctrlr);
/** The transport ID the controller was attached with. */
SPDKRT_API const struct spdkrt_nvme_transport_id *
spdkrt_nvme_ctrlr_get_transport_id(const struct spdkrt_nvme_ctrlr *ctrlr);
/** CAP, as read at attach. */
SPDKRT_API uint64_t spdkrt_nvme_ctrlr_get_regs_cap(const struct spdkrt_nvme_ctrlr *ctrlr);
/** VS, read now. */
SPDKRT_API uint32_t spdkrt_nvme_ctrlr_get_regs_vs(const struct spdkrt_nvme_ctrlr *ctrlr);
/** CSTS, read now (all ones when the device is gone). */
SPDKRT_API uint32_t spdkrt_nvme_ctrlr_get_regs_csts(const struct spdkrt_nvme_ctrlr *ctrlr);
/** CMBSZ, read now (0: no controller memory buffer). */
SPDKRT_API uint32_t spdkrt_nvme_ctrlr_get_regs_cmbsz(const struct spdkrt_nvme_ctrlr *ctrlr);
/**
 * I/O data buffer in the controller memory buffer (PCIe, CMBSZ.RDS or WDS): @p size bytes,
 * rounded up to 4 KiB pages, taken from the CMB's free pages (the I/O submission queues of
 * use_cmb_sqs share them). Read and write commands given (parts of) it carry the controller's
 * own CMB address, not a host IOVA; a command's data must lie wholly in the CMB or wholly in
 * host memory, and in a direction CMBSZ allows (WDS: writes, RDS: reads), else the command
 * fails with -EINVAL. The mapping is uncached device memory: slow for the CPU to read.
 * Free every buffer before detaching the controller.
 * @return the buffer, or NULL (logged) for a NULL controller, size 0, a controller without a
 *	usable CMB (or not PCIe), a CMB that holds neither read nor write data, or no free run of
 *	that size.
 */
SPDKRT_API void *spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(struct spdkrt_nvme_ctrlr *ctrlr,
						       size_t size);
/**
 * Gives back a buffer of spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(), with the size asked for.
 * @return 0, or -EINVAL (logged) for NULL arguments or anything that is not such a buffer.
 */
SPDKRT_API int spdkrt_nvme_ctrlr_free_cmb_io_buffer(struct spdkrt_nvme_ctrlr *ctrlr, void *buf,
						    size_t size);
/** Largest transfer of one command in bytes (MDTS and the transport's limit). */
SPDKRT_API uint32_t spdkrt_nvme_ctrlr_get_max_xfer_size(const struct spdkrt_nvme_ctrlr *ctrlr);
/** Identify NN: the largest namespace id. */
SPDKRT_API uint32_t spdkrt_nvme_ctrlr_get_num_ns(const struct spdkrt_nvme_ctrlr *ctrlr);
/** The first active namespace id, 0 if none. */
SPDKRT_API uint32_t spdkrt_nvme_ctrlr_get_first_active_ns(const struct spdkrt_nvme_ctrlr *ctrlr);
/** The active namespace id after @p prev_nsid, 0 at the end. */
SPDKRT_API uint32_t spdkrt_nvme_ctrlr_get_next_active_ns(const struct spdkrt_nvme_ctrlr *ctrlr,
							 uint32_t prev_nsid);
/** The namespace @p nsid if active, else NULL. */
SPDKRT_API struct spdkrt_nvme_ns *spdkrt_nvme_ctrlr_get_ns(struct spdkrt_nvme_ctrlr *ctrlr,
							   uint32_t nsid);

/** Asynchronous event callback: the raw completion of an Asynchronous Event Request. */
typedef void (*spdkrt_nvme_aer_cb)(void *cb_arg, const struct spdkrt_nvme_cpl *cpl);
/** Calls @p cb for every asynchronous event (NULL: none). */
SPDKRT_API void spdkrt_nvme_ctrlr_register_aer_callback(struct spdkrt_nvme_ctrlr *ctrlr,
							spdkrt_nvme_aer_cb cb, void *cb_arg);
/** Called after a namespace-attribute-changed event rescanned the active namespaces. */
typedef void (*spdkrt_nvme_ns_change_cb)(void *cb_arg, struct spdkrt_nvme_ctrlr *ctrlr);
/** Registers @p cb for namespace changes (NULL: none). */
SPDKRT_API void spdkrt_nvme_ctrlr_register_ns_change_callback(struct spdkrt_nvme_ctrlr *ctrlr,
							      spdkrt_nvme_ns_change_cb cb,
							      void *cb_arg);

/**
 * Timeout callback: called once per command that exceeds its timeout. @p qpair is NULL for an
 * admin command. It may call spdkrt_nvme_ctrlr_cmd_abort() or start a reset.
 */
typedef void (*spdkrt_nvme_timeout_cb)(void *cb_arg, struct spdkrt_nvme_ctrlr *ctrlr,
				       struct spdkrt_nvme_qpair *qpair, uint16_t cid);
/**
 * Per-command timeouts in microseconds (0: off) for I/O and admin commands, checked from the
 * process calls. Asynchronous event requests never time out.
 */
SPDKRT_API void spdkrt_nvme_ctrlr_register_timeout_callback(struct spdkrt_nvme_ctrlr *ctrlr,
							    uint64_t io_timeout_us,
							    uint64_t admin_timeout_us,
							    spdkrt_nvme_timeout_cb cb,
							    void *cb_arg);

/**
 * Allocates an I/O queue pair (Create I/O CQ and SQ, waited for). @p opts may be NULL.
 * @return 0 and *qpair; -EINVAL (bad priority), -EBUSY (no queue id left), -ENXIO, -EIO.
 */
SPDKRT_API int spdkrt_nvme_ctrlr_alloc_io_qpair(struct spdkrt_nvme_ctrlr *ctrlr,
						const struct spdkrt_nvme_io_qpair_opts *opts,
						struct spdkrt_nvme_qpair **qpair);
/**
 * Deletes the queues and frees @p qpair; outstanding commands complete with
 * ABORTED_SQ_DELETION first. NULL is ignored. @return 0 or a negative errno.
 */
SPDKRT_API int spdkrt_nvme_ctrlr_free_io_qpair(struct spdkrt_nvme_qpair *qpair);
/**
 * Processes up to @p max_completions completions of @p qpair (0, or more than the queue holds:
 * at most a queue's worth, so that a controller answering as fast as the callbacks submit
 * cannot keep the caller in this call).
 * @return completions processed, or -ENXIO when the controller failed (outstanding commands
 * have then been completed with an error).
 */
SPDKRT_API int32_t spdkrt_nvme_qpair_process_completions(struct spdkrt_nvme_qpair *qpair,
							 uint32_t max_completions);
/** The queue id of @p qpair (0 for the admin queue). */
SPDKRT_API uint16_t spdkrt_nvme_qpair_get_id(const struct spdkrt_nvme_qpair *qpair);

/** Text for a completion status, e.g. "INVALID FIELD (00/02)". Never NULL. */
SPDKRT_API const char *spdkrt_nvme_cpl_status_string(const struct spdkrt_nvme_cpl *cpl);

/* Admin commands */

/**
 * Sends an admin command as given (opcode, nsid, cdw2..15); the driver sets cid and the data
 * pointer from @p buf (DMA-safe, contiguous or not) of @p len bytes.
 * @return 0 (@p cb will run), -EINVAL, -ENOMEM (queue full), -ENXIO (failed).
 */
SPDKRT_API int spdkrt_nvme_ctrlr_cmd_admin_raw(struct spdkrt_nvme_ctrlr *ctrlr,
					       const struct spdkrt_nvme_cmd *cmd, void *buf,
					       uint32_t len, spdkrt_nvme_cmd_cb cb, void *cb_arg);
/**
 * Identify with @p cns for @p nsid and @p cntid into @p payload (any memory, @p size bytes up
 * to 4096, copied from a DMA bounce buffer at completion).
 */
SPDKRT_API int spdkrt_nvme_ctrlr_cmd_identify(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t cns,
					      uint16_t cntid, uint32_t nsid, void *payload,
					      size_t size, spdkrt_nvme_cmd_cb cb, void *cb_arg);
/**
 * Get Log Page @p lid for @p nsid: @p size bytes (a multiple of 4) from byte @p offset (a
 * multiple of 4; needs LPA.EDLP when not 0) into @p payload (any memory, copied), with the
 * log-specific field @p lsp and retain-asynchronous-event @p rae.
 */
SPDKRT_API int spdkrt_nvme_ctrlr_cmd_get_log_page(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t lid,
						  uint32_t nsid, void *payload, uint32_t size,
						  uint64_t offset, uint8_t lsp, bool rae,
						  spdkrt_nvme_cmd_cb cb, void *cb_arg);

/**
 * A discovery log read whole: its header @p hdr (genctr, numrec) and its numrec @p entries, both
 * valid only during the call. On failure @p rc is a negative errno and both are NULL.
 */
typedef void (*spdkrt_nvme_discovery_log_cb)(void *cb_arg, int rc,
					     const struct spdkrt_nvmf_discovery_log_page *hdr,
					     const struct spdkrt_nvmf_discovery_log_entry *entries);
/**
 * Reads the whole discovery log page (70h) of a discovery controller in pieces (the header, then
 * the entries 4 KiB at a time: any number of entries up to 16384), and reads it again when its
 * generation counter changed meanwhile. @p cb runs from spdkrt_nvme_ctrlr_process_admin_completions()
 * with 0, -EIO (a command failed), -EPROTO (a malformed header), -EAGAIN (the log kept changing)
 * or -ENXIO. @return 0 (then @p cb runs exactly once), or a negative errno (logged; no call).
 */
SPDKRT_API int spdkrt_nvme_ctrlr_get_discovery_log(struct spdkrt_nvme_ctrlr *ctrlr,
						   spdkrt_nvme_discovery_log_cb cb, void *cb_arg);
/**
 * The transport ID a discovery log @p entry names (space padding removed).
 * @return 0; -ENOTSUP for a transport other than TCP or an address family other than IPv4/IPv6;
 * -EINVAL (logged) for NULL or an empty or overlong address, service id or NQN.
 */
SPDKRT_API int
spdkrt_nvme_discovery_entry_to_trid(const struct spdkrt_nvmf_discovery_log_entry *entry,
				    struct spdkrt_nvme_transport_id *trid);
/**
 * Set Features @p fid with @p cdw11, @p cdw12 and, when @p payload is not NULL, its @p size
 * bytes of data (copied to a DMA buffer), for @p nsid (0: controller).
 */
SPDKRT_API int spdkrt_nvme_ctrlr_cmd_set_feature(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t fid,
						 uint32_t cdw11, uint32_t cdw12, uint32_t nsid,
						 const void *payload, uint32_t size,
						 spdkrt_nvme_cmd_cb cb, void *cb_arg);
/**
 * Get Features @p fid (select @p sel) with @p cdw11; its data, when @p payload is not NULL, is
 * copied into @p payload (@p size bytes) before @p cb runs. The value is the cpl's cdw0.
 */
SPDKRT_API int spdkrt_nvme_ctrlr_cmd_get_feature(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t fid,
						 uint8_t sel, uint32_t cdw11, uint32_t nsid,
						 void *payload, uint32_t size,
						 spdkrt_nvme_cmd_cb cb, void *cb_arg);
/** Abort command @p cid of queue @p qpair (NULL: the admin queue). */
SPDKRT_API int spdkrt_nvme_ctrlr_cmd_abort(struct spdkrt_nvme_ctrlr *ctrlr,
					   struct spdkrt_nvme_qpair *qpair, uint16_t cid,
					   spdkrt_nvme_cmd_cb cb, void *cb_arg);

/* Namespace management, format, firmware, security (admin; data copied through DMA buffers) */

/**
 * Namespace Management create from @p data (NSZE, NCAP, FLBAS, DPS, NMIC used; copied). The new
 * namespace id is the cpl's cdw0; it is not attached yet (spdkrt_nvme_ctrlr_attach_ns()).
 * Needs OACS namespace management (-ENOTSUP).
 */
SPDKRT_API int spdkrt_nvme_ctrlr_create_ns(struct spdkrt_nvme_ctrlr *ctrlr,
					   const struct spdkrt_nvme_ns_data *data,
					   spdkrt_nvme_cmd_cb cb, void *cb_arg);
/** Namespace Management delete of @p nsid (SPDKRT_NVME_NSID_ALL: all). The active set is rescanned. */
SPDKRT_API int spdkrt_nvme_ctrlr_delete_ns(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t nsid,
					   spdkrt_nvme_cmd_cb cb, void *cb_arg);
/**
 * Namespace Attachment of @p nsid to the controllers of @p list (copied). On success the active
 * namespaces are rescanned (the namespace-changed callback runs).
 */
SPDKRT_API int spdkrt_nvme_ctrlr_attach_ns(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t nsid,
					   const struct spdkrt_nvme_ctrlr_list *list,
					   spdkrt_nvme_cmd_cb cb, void *cb_arg);
/** Namespace Attachment detach; as spdkrt_nvme_ctrlr_attach_ns(). */
SPDKRT_API int spdkrt_nvme_ctrlr_detach_ns(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t nsid,
					   const struct spdkrt_nvme_ctrlr_list *list,
					   spdkrt_nvme_cmd_cb cb, void *cb_arg);
/**
 * Format NVM of @p nsid (SPDKRT_NVME_NSID_ALL: all) with @p format, the CDW10 fields built with
 * SPDKRT_NVME_SET(SPDKRT_NVME_FORMAT_LBAF, ...) and friends. Namespace data is re-read after.
 */
SPDKRT_API int spdkrt_nvme_ctrlr_format(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t nsid,
					uint32_t format, spdkrt_nvme_cmd_cb cb, void *cb_arg);
/**
 * Firmware Image Download of @p size bytes of @p image (copied) at byte @p offset of the image;
 * both multiples of 4, size at most the largest transfer. Call once per piece, in any order.
 */
SPDKRT_API int spdkrt_nvme_ctrlr_fw_image_download(struct spdkrt_nvme_ctrlr *ctrlr,
						   const void *image, uint32_t size,
						   uint32_t offset, spdkrt_nvme_cmd_cb cb,
						   void *cb_arg);
/**
 * Firmware Commit to @p slot (0: the controller chooses) with commit @p action (enum
 * spdkrt_nvme_fw_commit_action): the caller decides whether and when the image is activated.
 */
SPDKRT_API int spdkrt_nvme_ctrlr_fw_commit(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t slot,
					   uint8_t action, spdkrt_nvme_cmd_cb cb, void *cb_arg);
/** Security Send: @p size bytes of @p payload (copied) for protocol @p secp / @p spsp. */
SPDKRT_API int spdkrt_nvme_ctrlr_security_send(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t secp,
					       uint16_t spsp, uint8_t nssf, const void *payload,
					       uint32_t size, spdkrt_nvme_cmd_cb cb, void *cb_arg);
/** Security Receive into @p payload (any memory, @p size bytes, copied before @p cb). */
SPDKRT_API int spdkrt_nvme_ctrlr_security_receive(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t secp,
						  uint16_t spsp, uint8_t nssf, void *payload,
						  uint32_t size, spdkrt_nvme_cmd_cb cb,
						  void *cb_arg);

/* Namespaces */

/** The namespace id. */
SPDKRT_API uint32_t spdkrt_nvme_ns_get_id(const struct spdkrt_nvme_ns *ns);
/** The controller of @p ns. */
SPDKRT_API struct spdkrt_nvme_ctrlr *spdkrt_nvme_ns_get_ctrlr(const struct spdkrt_nvme_ns *ns);
/** Identify Namespace data, cached (refreshed at reset and namespace change events). */
SPDKRT_API const struct spdkrt_nvme_ns_data *
spdkrt_nvme_ns_get_data(const struct spdkrt_nvme_ns *ns);
/** Data bytes per block. */
SPDKRT_API uint32_t spdkrt_nvme_ns_get_sector_size(const struct spdkrt_nvme_ns *ns);
/** Bytes per block in the host buffer: data plus metadata for an extended-LBA format. */
SPDKRT_API uint32_t spdkrt_nvme_ns_get_extended_sector_size(const struct spdkrt_nvme_ns *ns);
/** Metadata bytes per block. */
SPDKRT_API uint32_t spdkrt_nvme_ns_get_md_size(const struct spdkrt_nvme_ns *ns);
/** True when metadata is interleaved with data (extended LBA). */
SPDKRT_API bool spdkrt_nvme_ns_supports_extended_lba(const struct spdkrt_nvme_ns *ns);
/** Protection information type in use (enum spdkrt_nvme_pi_type). */
SPDKRT_API uint32_t spdkrt_nvme_ns_get_pi_type(const struct spdkrt_nvme_ns *ns);
/** Blocks in the namespace (NSZE). */
SPDKRT_API uint64_t spdkrt_nvme_ns_get_num_sectors(const struct spdkrt_nvme_ns *ns);
/** Size in bytes (blocks x data bytes per block). */
SPDKRT_API uint64_t spdkrt_nvme_ns_get_size(const struct spdkrt_nvme_ns *ns);
/** Largest I/O in blocks that is not split (MDTS); larger I/O is split by the driver. */
SPDKRT_API uint32_t spdkrt_nvme_ns_get_max_io_sectors(const struct spdkrt_nvme_ns *ns);

/* I/O commands. io_flags: SPDKRT_NVME_IO_FLAGS_* (others: -EINVAL). lba_count >= 1. */

/** Restart the caller's scatter list at byte @p offset of the payload. */
typedef void (*spdkrt_nvme_req_reset_sgl_cb)(void *cb_arg, uint32_t offset);
/** Next element of the caller's scatter list: its virtual address and length. 0 or -errno. */
typedef int (*spdkrt_nvme_req_next_sge_cb)(void *cb_arg, void **address, uint32_t *length);

/**
 * Reads @p lba_count blocks from @p lba into the contiguous @p buf (extended size per block).
 * Larger than MDTS (or crossing a stripe) is split inside the driver; @p cb runs once.
 * @return 0, -EINVAL (bad arguments, logged), -ENOMEM (queue pair out of requests: retry after
 * completions), -ENXIO (controller failed).
 */
SPDKRT_API int spdkrt_nvme_ns_cmd_read(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
				       void *buf, uint64_t lba, uint32_t lba_count,
				       spdkrt_nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags);
/** Writes; as spdkrt_nvme_ns_cmd_read(). */
SPDKRT_API int spdkrt_nvme_ns_cmd_write(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
					void *buf, uint64_t lba, uint32_t lba_count,
					spdkrt_nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags);
/**
 * Read with a separate metadata buffer @p md (md_size per block; NULL for none) and protection
 * information: @p apptag_mask and @p apptag go in CDW15, the initial reference tag is the LBA
 * (PI types 1 and 2).
 */
SPDKRT_API int spdkrt_nvme_ns_cmd_read_with_md(struct spdkrt_nvme_ns *ns,
					       struct spdkrt_nvme_qpair *qpair, void *buf, void *md,
					       uint64_t lba, uint32_t lba_count,
					       spdkrt_nvme_cmd_cb cb, void *cb_arg,
					       uint32_t io_flags, uint16_t apptag_mask,
					       uint16_t apptag);
/** Write with metadata; as spdkrt_nvme_ns_cmd_read_with_md(). */
SPDKRT_API int spdkrt_nvme_ns_cmd_write_with_md(struct spdkrt_nvme_ns *ns,
						struct spdkrt_nvme_qpair *qpair, void *buf,
						void *md, uint64_t lba, uint32_t lba_count,
						spdkrt_nvme_cmd_cb cb, void *cb_arg,
						uint32_t io_flags, uint16_t apptag_mask,
						uint16_t apptag);
/**
 * Scattered read through the caller's scatter list callbacks (called until lba_count blocks
 * are covered). PRP lists, or SGLs when the controller supports them; an element that cannot
 * be part of a PRP list splits the I/O there.
 */
SPDKRT_API int spdkrt_nvme_ns_cmd_readv(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
					uint64_t lba, uint32_t lba_count, spdkrt_nvme_cmd_cb cb,
					void *cb_arg, uint32_t io_flags,
					spdkrt_nvme_req_reset_sgl_cb reset_sgl_fn,
					spdkrt_nvme_req_next_sge_cb next_sge_fn);
/** Scattered write; as spdkrt_nvme_ns_cmd_readv(). */
SPDKRT_API int spdkrt_nvme_ns_cmd_writev(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
					 uint64_t lba, uint32_t lba_count, spdkrt_nvme_cmd_cb cb,
					 void *cb_arg, uint32_t io_flags,
					 spdkrt_nvme_req_reset_sgl_cb reset_sgl_fn,
					 spdkrt_nvme_req_next_sge_cb next_sge_fn);
/** Scattered read from an iovec array (kept by the caller until @p cb runs). */
SPDKRT_API int spdkrt_nvme_ns_cmd_readv_iov(struct spdkrt_nvme_ns *ns,
					    struct spdkrt_nvme_qpair *qpair,
					    const struct iovec *iov, int iovcnt, uint64_t lba,
					    uint32_t lba_count, spdkrt_nvme_cmd_cb cb, void *cb_arg,
					    uint32_t io_flags);
/** Scattered write from an iovec array (kept by the caller until @p cb runs). */
SPDKRT_API int spdkrt_nvme_ns_cmd_writev_iov(struct spdkrt_nvme_ns *ns,
					     struct spdkrt_nvme_qpair *qpair,
					     const struct iovec *iov, int iovcnt, uint64_t lba,
					     uint32_t lba_count, spdkrt_nvme_cmd_cb cb,
					     void *cb_arg, uint32_t io_flags);
/** Compare @p buf with the blocks (a mismatch completes with COMPARE FAILURE). */
SPDKRT_API int spdkrt_nvme_ns_cmd_compare(struct spdkrt_nvme_ns *ns,
					  struct spdkrt_nvme_qpair *qpair, void *buf, uint64_t lba,
					  uint32_t lba_count, spdkrt_nvme_cmd_cb cb, void *cb_arg,
					  uint32_t io_flags);
/**
 * Write Zeroes, split at the command's 65 536-block limit; needs ONCS write zeroes (-ENOTSUP).
 * io_flags may include SPDKRT_NVME_IO_FLAGS_DEAC.
 */
SPDKRT_API int spdkrt_nvme_ns_cmd_write_zeroes(struct spdkrt_nvme_ns *ns,
					       struct spdkrt_nvme_qpair *qpair, uint64_t lba,
					       uint32_t lba_count, spdkrt_nvme_cmd_cb cb,
					       void *cb_arg, uint32_t io_flags);
/** Write Uncorrectable (ONCS, -ENOTSUP otherwise); at most 65 536 blocks. */
SPDKRT_API int spdkrt_nvme_ns_cmd_write_uncorrectable(struct spdkrt_nvme_ns *ns,
						      struct spdkrt_nvme_qpair *qpair, uint64_t lba,
						      uint32_t lba_count, spdkrt_nvme_cmd_cb cb,
						      void *cb_arg);
/**
 * Dataset Management with 1..256 @p ranges (copied) and @p attributes
 * (enum spdkrt_nvme_dsm_attribute); needs ONCS DSM (-ENOTSUP).
 */
SPDKRT_API int spdkrt_nvme_ns_cmd_dataset_management(struct spdkrt_nvme_ns *ns,
						     struct spdkrt_nvme_qpair *qpair,
						     uint32_t attributes,
						     const struct spdkrt_nvme_dsm_range *ranges,
						     uint16_t num_ranges, spdkrt_nvme_cmd_cb cb,
						     void *cb_arg);
/** Flush the volatile write cache of the namespace. */
SPDKRT_API int spdkrt_nvme_ns_cmd_flush(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
					spdkrt_nvme_cmd_cb cb, void *cb_arg);
/**
 * Sends an I/O command as given on @p qpair (nsid included); the driver sets cid and the data
 * pointer from @p buf (DMA-safe) of @p len bytes; @p md (NULL: none) goes in MPTR.
 */
SPDKRT_API int spdkrt_nvme_ctrlr_cmd_io_raw(struct spdkrt_nvme_ctrlr *ctrlr,
					    struct spdkrt_nvme_qpair *qpair,
					    const struct spdkrt_nvme_cmd *cmd, void *buf,
					    uint32_t len, void *md, spdkrt_nvme_cmd_cb cb,
					    void *cb_arg);

/* Reservations (data copied; needs ONCS reservations: -ENOTSUP) */

/**
 * Reservation Register: @p action (enum spdkrt_nvme_reservation_register_action) with the keys
 * of @p data, @p ignore_key (IEKEY) and @p cptpl (enum spdkrt_nvme_reservation_register_cptpl).
 */
SPDKRT_API int
spdkrt_nvme_ns_cmd_reservation_register(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
					const struct spdkrt_nvme_reservation_register_data *data,
					bool ignore_key, uint8_t action, uint8_t cptpl,
					spdkrt_nvme_cmd_cb cb, void *cb_arg);
/** Reservation Acquire: @p action (acquire, preempt, preempt and abort) of @p type. */
SPDKRT_API int
spdkrt_nvme_ns_cmd_reservation_acquire(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
				       const struct spdkrt_nvme_reservation_acquire_data *data,
				       bool ignore_key, uint8_t action, uint8_t type,
				       spdkrt_nvme_cmd_cb cb, void *cb_arg);
/** Reservation Release: @p action (release, clear) of @p type with the key of @p data. */
SPDKRT_API int
spdkrt_nvme_ns_cmd_reservation_release(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
				       const struct spdkrt_nvme_reservation_key_data *data,
				       bool ignore_key, uint8_t action, uint8_t type,
				       spdkrt_nvme_cmd_cb cb, void *cb_arg);
/**
 * Reservation Report into @p payload (any memory, @p size bytes, a multiple of 4, at least 24):
 * a spdkrt_nvme_reservation_status_data header, then one spdkrt_nvme_registered_ctrlr_data per
 * registrant. NUMD is 0-based (v17.03 asked for one dword too many).
 */
SPDKRT_API int spdkrt_nvme_ns_cmd_reservation_report(struct spdkrt_nvme_ns *ns,
						     struct spdkrt_nvme_qpair *qpair, void *payload,
						     uint32_t size, spdkrt_nvme_cmd_cb cb,
						     void *cb_arg);
/**
 * Reservation Report as spdkrt_nvme_ns_cmd_reservation_report(), in the extended data structure
 * when @p extended (CDW11 EDS): a header of SPDKRT_NVME_RESV_REPORT_EXT_HEADER_LEN bytes (the
 * status data, then reserved bytes), then one spdkrt_nvme_registered_ctrlr_extended_data
 * (128-bit host id) per registrant. Over fabrics host ids are 128 bits and targets accept only
 * this form; over PCIe it goes with a 128-bit Host Identifier (Set Features with EXHID).
 */
SPDKRT_API int spdkrt_nvme_ns_cmd_reservation_report_ext(struct spdkrt_nvme_ns *ns,
							 struct spdkrt_nvme_qpair *qpair,
							 void *payload, uint32_t size,
							 bool extended, spdkrt_nvme_cmd_cb cb,
							 void *cb_arg);

SPDKRT_END_DECLS

#endif /* SPDKRT_NVME_H */
