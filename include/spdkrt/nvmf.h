/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * NVMe over Fabrics target: export bdevs to NVMe/TCP hosts (the Linux kernel's nvme-tcp,
 * SPDK, nvme-cli) as namespaces of NVM subsystems, with a discovery service.
 *
 * Threading: a target belongs to the spdkrt thread that created it (its "management" thread):
 * every function here is called on it, except spdkrt_nvmf_tgt_add_poll_group(), which runs on
 * each thread that is to carry connections. Accepted connections are spread over those poll
 * groups, and each command runs on the thread that owns its queue pair, through that thread's
 * channel of the namespace's bdev. Namespaces' bdevs are opened on the management thread.
 */
#ifndef SPDKRT_NVMF_H
#define SPDKRT_NVMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spdkrt/api.h>

SPDKRT_BEGIN_DECLS

struct spdkrt_nvmf_tgt;
struct spdkrt_nvmf_subsystem;

/** Target options; initialise with spdkrt_nvmf_tgt_opts_init(). */
struct spdkrt_nvmf_tgt_opts {
	/** sizeof(struct spdkrt_nvmf_tgt_opts) of the caller. */
	size_t size;
	/** Entries of an I/O queue a host may ask for (CAP.MQES + 1): 2..1024, default 128. */
	uint32_t max_queue_depth;
	/** Entries of an admin queue: 2..4096, default 32. */
	uint32_t max_admin_queue_depth;
	/** I/O queues per controller: 1..1024, default 16. */
	uint32_t max_io_queues;
	/** In-capsule data on I/O queues, bytes: 4096..131072, a multiple of 16, default 8192. */
	uint32_t in_capsule_data_size;
	/** Largest transfer of one command, bytes: 4096..4 MiB, a power of two, default 128 KiB. */
	uint32_t max_io_size;
	/** Finish reads with C2HData SUCCESS instead of a separate CapsuleResp (default false). */
	bool c2h_success;
	/** Smallest keep-alive timeout, ms, a host may set; shorter requests are raised to it
	 *  (default 1000). 0 in Connect still means "no keep-alive". */
	uint32_t min_keep_alive_ms;
};

/** Fill opts with defaults. @return 0, or -EINVAL for NULL or a size too small. */
SPDKRT_API int spdkrt_nvmf_tgt_opts_init(struct spdkrt_nvmf_tgt_opts *opts, size_t size);

/**
 * Create a target on the calling spdkrt thread, which becomes its management thread.
 *
 * @param opts options (NULL: defaults)
 * @param tgt receives the target
 * @return 0; -EINVAL for bad options (the log names the field); -EPERM off an spdkrt thread;
 *	-ENOMEM.
 */
SPDKRT_API int spdkrt_nvmf_tgt_create(const struct spdkrt_nvmf_tgt_opts *opts,
				      struct spdkrt_nvmf_tgt **tgt);

/**
 * Make the calling spdkrt thread carry connections of tgt (call once on each such thread,
 * which may be the management thread). Safe from any spdkrt thread while tgt lives.
 * @return 0; -EEXIST when this thread already has a poll group; -EPERM off an spdkrt thread.
 */
SPDKRT_API int spdkrt_nvmf_tgt_add_poll_group(struct spdkrt_nvmf_tgt *tgt);

/** Called once a target is gone. */
typedef void (*spdkrt_nvmf_done_cb)(void *ctx, int status);

/**
 * Destroy a target: stop listening, disconnect every host (in-flight commands finish), release
 * the poll groups on their threads (keep polling them), close the bdevs; then done(ctx, 0) on
 * the management thread. @return 0 or -EINVAL.
 */
SPDKRT_API int spdkrt_nvmf_tgt_destroy(struct spdkrt_nvmf_tgt *tgt, spdkrt_nvmf_done_cb done,
				       void *ctx);

/**
 * Listen for hosts. A subsystem is reachable through every listener until
 * spdkrt_nvmf_subsystem_add_listener() names its own; the discovery log lists each
 * (subsystem, listener) pair a host may use.
 *
 * @param trtype "tcp" (case-insensitive); other transports are not built
 * @param traddr numeric IPv4 or IPv6 address
 * @param trsvcid port, decimal ("4420"; "0": any free port, see spdkrt_nvmf_tgt_get_listener)
 * @return 0; -EINVAL; -EEXIST for a duplicate; -EPROTONOSUPPORT for another transport; or the
 *	socket errno (-EADDRINUSE...).
 */
SPDKRT_API int spdkrt_nvmf_tgt_listen(struct spdkrt_nvmf_tgt *tgt, const char *trtype,
				      const char *traddr, const char *trsvcid);

/** Options of a listener; initialise with spdkrt_nvmf_listen_opts_init(). */
struct spdkrt_nvmf_listen_opts {
	/** sizeof(struct spdkrt_nvmf_listen_opts) of the caller. */
	size_t size;
	/**
	 * Secure channel required (NVMe TP 8011): every connection must be TLS 1.3 with the PSK
	 * added for its host on the subsystem it connects to (spdkrt_nvmf_subsystem_add_host_ext),
	 * cipher suite TLS_AES_128_GCM_SHA256 or TLS_AES_256_GCM_SHA384. The discovery log reports
	 * TREQ "secure channel required" and sectype TLS 1.3 for it. Default false.
	 */
	bool secure_channel;
};

/** Fill opts with defaults. @return 0, or -EINVAL for NULL or a size too small. */
SPDKRT_API int spdkrt_nvmf_listen_opts_init(struct spdkrt_nvmf_listen_opts *opts, size_t size);

/**
 * Listen for hosts, with options (spdkrt_nvmf_tgt_listen() is this with defaults).
 *
 * @param opts options (NULL: defaults)
 * @return as spdkrt_nvmf_tgt_listen(); -EINVAL also for a bad opts size.
 */
SPDKRT_API int spdkrt_nvmf_tgt_listen_ext(struct spdkrt_nvmf_tgt *tgt, const char *trtype,
					  const char *traddr, const char *trsvcid,
					  const struct spdkrt_nvmf_listen_opts *opts);

/** @return whether listener number index requires a secure channel (false past the last). */
SPDKRT_API bool spdkrt_nvmf_tgt_listener_is_secure(struct spdkrt_nvmf_tgt *tgt, unsigned index);

/** Stop a listener (connected hosts stay connected). @return 0, -EINVAL or -ENOENT. */
SPDKRT_API int spdkrt_nvmf_tgt_stop_listen(struct spdkrt_nvmf_tgt *tgt, const char *trtype,
					   const char *traddr, const char *trsvcid);

/**
 * Describe listener number index (0-based, in creation order).
 * @return 0, -ENOENT past the last, -EINVAL for NULL or buffers too small (64 and 32 bytes
 *	are always enough).
 */
SPDKRT_API int spdkrt_nvmf_tgt_get_listener(struct spdkrt_nvmf_tgt *tgt, unsigned index,
					    char *traddr, size_t traddr_len, char *trsvcid,
					    size_t trsvcid_len);

/**
 * Create an NVM subsystem. It starts with no namespace and no allowed host.
 * @param nqn an NVMe qualified name ("nqn.2016-06.io.spdk:cnode1"), at most 223 bytes
 * @return 0; -EINVAL for a malformed NQN or the discovery NQN; -EEXIST; -ENOMEM.
 */
SPDKRT_API int spdkrt_nvmf_subsystem_create(struct spdkrt_nvmf_tgt *tgt, const char *nqn,
					    struct spdkrt_nvmf_subsystem **subsystem);

/**
 * Destroy a subsystem: its controllers are disconnected and its namespaces removed.
 * @return 0 or -EINVAL.
 */
SPDKRT_API int spdkrt_nvmf_subsystem_destroy(struct spdkrt_nvmf_subsystem *subsystem);

/** @return the subsystem with this NQN, or NULL. */
SPDKRT_API struct spdkrt_nvmf_subsystem *spdkrt_nvmf_tgt_find_subsystem(struct spdkrt_nvmf_tgt *tgt,
									const char *nqn);

/** @return the first subsystem (creation order) after prev (NULL: the first), or NULL. */
SPDKRT_API struct spdkrt_nvmf_subsystem *
spdkrt_nvmf_subsystem_next(struct spdkrt_nvmf_tgt *tgt, struct spdkrt_nvmf_subsystem *prev);

/** @return the subsystem's NQN ("" for NULL). */
SPDKRT_API const char *spdkrt_nvmf_subsystem_get_nqn(const struct spdkrt_nvmf_subsystem *subsystem);

/** Set the serial number (ASCII, at most 20 characters). @return 0 or -EINVAL. */
SPDKRT_API int spdkrt_nvmf_subsystem_set_serial_number(struct spdkrt_nvmf_subsystem *subsystem,
						       const char *sn);

/** @return the serial number ("" for NULL). */
SPDKRT_API const char *
spdkrt_nvmf_subsystem_get_serial_number(const struct spdkrt_nvmf_subsystem *subsystem);

/** Set the model number (ASCII, at most 40 characters). @return 0 or -EINVAL. */
SPDKRT_API int spdkrt_nvmf_subsystem_set_model_number(struct spdkrt_nvmf_subsystem *subsystem,
						      const char *mn);

/** @return the model number ("" for NULL). */
SPDKRT_API const char *
spdkrt_nvmf_subsystem_get_model_number(const struct spdkrt_nvmf_subsystem *subsystem);

/** Let any host connect (true) or only the added hosts (false, the default). @return 0. */
SPDKRT_API int spdkrt_nvmf_subsystem_set_allow_any_host(struct spdkrt_nvmf_subsystem *subsystem,
							bool allow);

/** @return whether any host may connect. */
SPDKRT_API bool
spdkrt_nvmf_subsystem_get_allow_any_host(const struct spdkrt_nvmf_subsystem *subsystem);

/** Allow a host NQN. @return 0, -EINVAL, -EEXIST or -ENOMEM. */
SPDKRT_API int spdkrt_nvmf_subsystem_add_host(struct spdkrt_nvmf_subsystem *subsystem,
					      const char *hostnqn);

/** Options of an allowed host; initialise with spdkrt_nvmf_host_opts_init(). */
struct spdkrt_nvmf_host_opts {
	/** sizeof(struct spdkrt_nvmf_host_opts) of the caller. */
	size_t size;
	/**
	 * The host's configured TLS PSK in the NVMe TLS PSK interchange format
	 * ("NVMeTLSkey-1:01:<base64 of key and CRC-32>:"; hash 00, 01 or 02), copied; NULL: none
	 * (default). A host with a PSK connects only over TLS, through a secure-channel
	 * listener, with the PSK identity "NVMe0R0<h> <hostnqn> <subnqn>"; its retained and TLS
	 * PSKs are derived as TP 8011 says.
	 */
	const char *psk;
};

/** Fill opts with defaults. @return 0, or -EINVAL for NULL or a size too small. */
SPDKRT_API int spdkrt_nvmf_host_opts_init(struct spdkrt_nvmf_host_opts *opts, size_t size);

/**
 * Allow a host NQN, with options (spdkrt_nvmf_subsystem_add_host() is this with defaults).
 * @return 0; -EINVAL for a bad NQN, opts size or PSK (bad prefix, hash, length or CRC: the
 *	log says which, never the key); -EEXIST; -ENOMEM.
 */
SPDKRT_API int spdkrt_nvmf_subsystem_add_host_ext(struct spdkrt_nvmf_subsystem *subsystem,
						  const char *hostnqn,
						  const struct spdkrt_nvmf_host_opts *opts);

/** @return whether allowed host hostnqn has a TLS PSK (false for NULL or an unknown host). */
SPDKRT_API bool spdkrt_nvmf_subsystem_host_has_psk(const struct spdkrt_nvmf_subsystem *subsystem,
						   const char *hostnqn);

/**
 * Disallow a host NQN; its controllers on this subsystem are disconnected.
 * @return 0, -EINVAL or -ENOENT.
 */
SPDKRT_API int spdkrt_nvmf_subsystem_remove_host(struct spdkrt_nvmf_subsystem *subsystem,
						 const char *hostnqn);

/**
 * Make a subsystem reachable on one of its target's listeners (spdkrt_nvmf_tgt_listen first;
 * trsvcid as spdkrt_nvmf_tgt_get_listener reports it). Once a subsystem has listeners, hosts
 * can Connect to it only through them, and the discovery log lists it only there; a
 * subsystem with none is reachable on every listener. Management thread.
 * @return 0, -EINVAL, -ENOENT (no such target listener), -EEXIST or -ENOSPC (more than
 *	SPDKRT_NVMF_MAX_SUBSYSTEM_LISTENERS).
 */
SPDKRT_API int spdkrt_nvmf_subsystem_add_listener(struct spdkrt_nvmf_subsystem *subsystem,
						  const char *trtype, const char *traddr,
						  const char *trsvcid);

/**
 * Take a listener off a subsystem (connected hosts stay connected). Removing the last one
 * makes the subsystem reachable on every listener again. Management thread.
 * @return 0, -EINVAL or -ENOENT.
 */
SPDKRT_API int spdkrt_nvmf_subsystem_remove_listener(struct spdkrt_nvmf_subsystem *subsystem,
						     const char *trtype, const char *traddr,
						     const char *trsvcid);

/**
 * Describe the subsystem's listener number index (0-based, in the order added).
 * @return 0, -ENOENT past the last (or when its target listener is gone), -EINVAL for NULL or
 *	buffers too small (64 and 32 bytes are always enough).
 */
SPDKRT_API int spdkrt_nvmf_subsystem_get_listener(const struct spdkrt_nvmf_subsystem *subsystem,
						  unsigned index, char *traddr, size_t traddr_len,
						  char *trsvcid, size_t trsvcid_len);

/** @return allowed host number index (creation order), or NULL past the last. */
SPDKRT_API const char *spdkrt_nvmf_subsystem_get_host(const struct spdkrt_nvmf_subsystem *subsystem,
						      unsigned index);

/** Largest namespace id of a subsystem (and its Identify NN). */
#define SPDKRT_NVMF_MAX_NAMESPACES 32
/** Listeners a subsystem can name (spdkrt_nvmf_subsystem_add_listener). */
#define SPDKRT_NVMF_MAX_SUBSYSTEM_LISTENERS 16

/** Options of a namespace; initialise with spdkrt_nvmf_ns_opts_init(). */
struct spdkrt_nvmf_ns_opts {
	/** sizeof(struct spdkrt_nvmf_ns_opts) of the caller. */
	size_t size;
	/** Namespace id, 1..SPDKRT_NVMF_MAX_NAMESPACES; 0 (default): the lowest free one. */
	uint32_t nsid;
	/** UUID reported to hosts; all zero (default): derived from the NQN and the bdev name. */
	uint8_t uuid[16];
	/** NGUID reported to hosts; all zero (default): the UUID's bytes. */
	uint8_t nguid[16];
};

/** Fill opts with defaults. @return 0 or -EINVAL. */
SPDKRT_API int spdkrt_nvmf_ns_opts_init(struct spdkrt_nvmf_ns_opts *opts, size_t size);

/**
 * Export a bdev as a namespace (opened for writing on the management thread). Connected hosts
 * get a namespace-attribute-changed asynchronous event.
 *
 * @param opts options (NULL: defaults)
 * @param nsid receives the namespace id (may be NULL)
 * @return 0; -ENODEV for an unknown bdev; -EEXIST for a used NSID; -ENOSPC when all are used;
 *	-EINVAL; or the bdev open errno (-EPERM for a claimed bdev).
 */
SPDKRT_API int spdkrt_nvmf_subsystem_add_ns(struct spdkrt_nvmf_subsystem *subsystem,
					    const char *bdev_name,
					    const struct spdkrt_nvmf_ns_opts *opts, uint32_t *nsid);

/**
 * Remove a namespace. New commands to it fail with Invalid Namespace at once; the bdev is
 * closed once the commands in flight finish. Connected hosts get an asynchronous event.
 * @return 0, -EINVAL or -ENOENT.
 */
SPDKRT_API int spdkrt_nvmf_subsystem_remove_ns(struct spdkrt_nvmf_subsystem *subsystem,
					       uint32_t nsid);

/** @return the active namespace id after prev (0: the first), or 0 past the last. */
SPDKRT_API uint32_t spdkrt_nvmf_subsystem_next_nsid(const struct spdkrt_nvmf_subsystem *subsystem,
						    uint32_t prev);

/** @return the name of namespace nsid's bdev, or NULL. */
SPDKRT_API const char *
spdkrt_nvmf_subsystem_get_ns_bdev_name(const struct spdkrt_nvmf_subsystem *subsystem,
				       uint32_t nsid);

/** Target-wide counters (all since creation); fields only ever appended. */
struct spdkrt_nvmf_stats {
	/** sizeof(struct spdkrt_nvmf_stats) of the caller. */
	size_t size;
	/** TCP connections accepted. */
	uint64_t connections_accepted;
	/** TCP connections currently open. */
	uint64_t connections_open;
	/** Controllers currently connected (admin queues). */
	uint64_t controllers;
	/** Commands completed. */
	uint64_t commands;
	/** Commands completed with an error status. */
	uint64_t command_errors;
	/** Bytes of data hosts read. */
	uint64_t bytes_read;
	/** Bytes of data hosts wrote. */
	uint64_t bytes_written;
	/** Connections ended for a protocol error (TermReq sent or received). */
	uint64_t protocol_errors;
	/** Controllers torn down because their keep-alive timer expired. */
	uint64_t keep_alive_expirations;
};

/** Read the counters. @return 0 or -EINVAL. */
SPDKRT_API int spdkrt_nvmf_tgt_get_stats(struct spdkrt_nvmf_tgt *tgt,
					 struct spdkrt_nvmf_stats *stats, size_t size);

SPDKRT_END_DECLS

#endif /* SPDKRT_NVMF_H */
