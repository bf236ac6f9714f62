/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe-oF target's objects and what its files share.
 *
 * Ownership and locking: the target, its subsystems, namespaces, hosts and listeners are
 * changed only on the management thread, under tgt->lock; poll-group threads read them under
 * the same lock (on Connect, Identify, the discovery log, a namespace's first use). A queue
 * pair (one TCP connection) and its requests belong to its poll group's thread. A controller's
 * registers and AERs belong to its admin queue pair's thread; what other threads look at
 * (failed, ready, the changed-namespace list, refs) is atomic or under tgt->lock.
 */
#ifndef SRT_NVMF_INTERNAL_H
#define SRT_NVMF_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <spdkrt/bdev.h>
#include <spdkrt/nvme_spec.h>
#include <spdkrt/nvmf.h>
#include <spdkrt/thread.h>

#include "nvme/fabrics.h" /* nvme_cmd_xfer */
#include "nvmf/tcp_pdu.h"
#include "sock/sock.h"
#include "sock/tls_psk.h"

struct srt_nvmf_qpair;
struct srt_nvmf_req;
struct srt_nvmf_pgroup;

/* Admin and fabrics commands carry at most this much in-capsule data (Connect's 1024). */
#define SRT_NVMF_ADMIN_ICD_SIZE 8192u
/* Error Information log entries a controller keeps (ELPE + 1), the newest ones. */
#define SRT_NVMF_ERROR_LOG_ENTRIES 16u
/* Time a new connection has for its TLS handshake, ICReq and Connect (as Linux nvmet's TLS
 * handshake timeout). */
#define SRT_NVMF_CONNECT_TIMEOUT_MS 10000u
/* Outstanding AERs a controller keeps (AERL + 1). */
#define SRT_NVMF_MAX_AERS 4u
#define SRT_NVMF_NQN_SIZE (SPDKRT_NVMF_NQN_MAX_LEN + 1)

struct srt_nvmf_listener {
	TAILQ_ENTRY(srt_nvmf_listener) link;
	struct srt_sock *sock;
	char traddr[SRT_SOCK_ADDR_LEN];
	char trsvcid[32];
	uint8_t adrfam;
	uint16_t portid;
	/* TLS 1.3 PSK required (TREQ "required", sectype TLS 1.3 in the discovery log). */
	bool secure;
};

struct srt_nvmf_host {
	TAILQ_ENTRY(srt_nvmf_host) link;
	char nqn[SRT_NVMF_NQN_SIZE];
	/* The configured TLS PSK of this host on this subsystem: it then connects over TLS only. */
	bool has_psk;
	struct srt_tls_psk psk;
};

/* Hosts a namespace keeps reservation registrations for. */
#define SRT_NVMF_MAX_REGISTRANTS 16u

/* A host registered with a namespace's reservation (hosts are told apart by host id). */
struct srt_nvmf_registrant {
	uint8_t hostid[16];
	uint64_t rkey;
};

struct srt_nvmf_ns {
	struct spdkrt_nvmf_tgt *tgt;
	/* Valid while the namespace is active (!removing). */
	struct spdkrt_nvmf_subsystem *subsys;
	uint32_t nsid;
	struct spdkrt_bdev_desc *desc;
	char bdev_name[64];
	uint32_t block_size;
	uint64_t num_blocks;
	uint8_t uuid[16];
	uint8_t nguid[16];
	/*
	 * Being removed: no longer in subsys->ns, waiting for the poll groups. Atomic because poll
	 * groups read it before their drop message arrives (release store in take_ns_locked pairs
	 * with the acquire load in srt_nvmf_pgroup_get_ns): I/O after remove_ns returns is refused.
	 */
	atomic_bool removing;
	/* Poll groups that have not yet dropped their channel of a namespace being removed. */
	atomic_uint groups_pending;
	/* Reservations (resv.c), under resv_lock; resv_held mirrors rtype != 0 so that I/O
	 * takes the lock only while a reservation exists. A lock of its own: I/O checking a
	 * held reservation contends with nothing but this namespace's reservation commands. */
	pthread_mutex_t resv_lock;
	struct srt_nvmf_registrant regs[SRT_NVMF_MAX_REGISTRANTS];
	unsigned num_regs;
	uint8_t rtype;
	uint8_t holder_hostid[16]; /* unused by the all-registrants types */
	uint32_t resv_gen;
	atomic_bool resv_held;
};

struct spdkrt_nvmf_subsystem {
	TAILQ_ENTRY(spdkrt_nvmf_subsystem) link;
	struct spdkrt_nvmf_tgt *tgt;
	char nqn[SRT_NVMF_NQN_SIZE];
	char sn[21];
	char mn[41];
	bool discovery;
	bool allow_any_host;
	TAILQ_HEAD(, srt_nvmf_host) hosts;
	struct srt_nvmf_ns *ns[SPDKRT_NVMF_MAX_NAMESPACES]; /* index nsid - 1 */
	TAILQ_HEAD(, srt_nvmf_ctrlr) ctrlrs;
	/* Port ids of the target listeners it is reachable on (none: every one); under lock. */
	uint16_t listener_portids[SPDKRT_NVMF_MAX_SUBSYSTEM_LISTENERS];
	unsigned num_listeners;
	uint16_t next_cntlid;
	/* Controllers still pointing here; a destroyed subsystem is freed at the last one. */
	unsigned refs;
	bool destroyed;
};

struct srt_nvmf_ctrlr {
	TAILQ_ENTRY(srt_nvmf_ctrlr) link; /* subsys->ctrlrs, while live */
	struct spdkrt_nvmf_subsystem *subsys;
	uint16_t cntlid;
	char hostnqn[SRT_NVMF_NQN_SIZE];
	uint8_t hostid[16];
	/* Queue pairs that point at this controller (admin included); under tgt->lock. */
	unsigned refs;
	/* Set when the admin queue goes away: the I/O queue pairs then close themselves. */
	atomic_bool failed;
	/* In subsys->ctrlrs (under tgt->lock). */
	bool linked;
	/* CSTS.RDY, for I/O queue Connects on other threads. */
	atomic_bool ready;
	/* The queue pair of each I/O queue id in use (index qid; NULL: free); under tgt->lock.
	 * An entry is cleared before its queue pair is freed, on that queue pair's thread. */
	struct srt_nvmf_qpair **io_qpairs;
	uint32_t num_io_queues;
	/* Admin queue thread only. */
	struct srt_nvmf_qpair *admin_qpair;
	uint32_t cc;
	uint32_t csts;
	uint32_t kato_ms;
	uint64_t last_keep_alive;
	uint32_t async_event_config;
	bool volatile_write_cache;
	struct srt_nvmf_req *aers[SRT_NVMF_MAX_AERS];
	unsigned num_aers;
	/* A namespace notice was sent and the host has not read the changed list yet. */
	bool ns_notice_masked;
	/* Changed namespace ids since the host last read log page 04h; under tgt->lock. */
	uint32_t changed_ns[SPDKRT_NVMF_MAX_NAMESPACES];
	unsigned num_changed_ns;
	atomic_bool ns_changed;
	/* Failed commands of every queue, a ring (next at error_count % entries); under
	 * tgt->lock since I/O queues on other threads add to it. */
	struct spdkrt_nvme_error_information_entry errors[SRT_NVMF_ERROR_LOG_ENTRIES];
	uint64_t error_count;
};

/* One poll group's channel of one namespace. */
struct srt_nvmf_pg_ns {
	TAILQ_ENTRY(srt_nvmf_pg_ns) link;
	struct srt_nvmf_ns *ns;
	struct spdkrt_io_channel *ch;
	unsigned inflight;
	bool dropping;
};

struct srt_nvmf_pgroup {
	TAILQ_ENTRY(srt_nvmf_pgroup) link;
	struct spdkrt_nvmf_tgt *tgt;
	struct spdkrt_thread *thread;
	struct srt_sock_group *sock_group;
	struct spdkrt_poller *poller;
	TAILQ_HEAD(, srt_nvmf_qpair) qpairs;
	TAILQ_HEAD(, srt_nvmf_pg_ns) ns_chs;
	bool stopping;
};

struct spdkrt_nvmf_tgt {
	struct spdkrt_nvmf_tgt_opts opts;
	struct spdkrt_thread *thread;
	pthread_mutex_t lock;
	TAILQ_HEAD(, spdkrt_nvmf_subsystem) subsystems;
	struct spdkrt_nvmf_subsystem *discovery;
	TAILQ_HEAD(, srt_nvmf_listener) listeners;
	uint16_t next_portid;
	struct spdkrt_poller *accept_poller;
	TAILQ_HEAD(, srt_nvmf_pgroup) pgroups; /* under lock */
	unsigned num_pgroups;
	struct srt_nvmf_pgroup *next_pgroup;
	uint64_t discovery_genctr;
	bool destroying;
	unsigned pgroups_left;
	/* Subsystems and namespaces not yet freed (destroy waits for them); under lock. */
	unsigned live_subsys;
	unsigned live_ns;
	spdkrt_nvmf_done_cb destroy_done;
	void *destroy_ctx;
	/* Counters, bumped from any thread. */
	atomic_uint_fast64_t stat_accepted, stat_open, stat_ctrlrs, stat_commands, stat_errors,
		stat_read, stat_written, stat_protocol_errors, stat_kato_expired;
};

/* --- queue pairs (tcp_conn.c, tcp_send.c) --- */

enum srt_nvmf_req_state {
	SRT_NVMF_REQ_FREE = 0,
	SRT_NVMF_REQ_NEED_DATA, /* R2T sent, waiting for H2CData */
	SRT_NVMF_REQ_EXECUTING,
	SRT_NVMF_REQ_AER,     /* parked Asynchronous Event Request */
	SRT_NVMF_REQ_SENDING, /* response queued */
};

/* One PDU on a queue pair's send queue. */
struct srt_nvmf_out {
	TAILQ_ENTRY(srt_nvmf_out) link;
	struct iovec iov[5]; /* header, digest, padding, data, digest */
	int iovcnt;
	size_t len;
	size_t sent;
	uint32_t hdgst;
	uint32_t ddgst;
	struct srt_nvmf_req *req;
	/* Called once the PDU has been fully written (or the connection closed). */
	void (*done)(struct srt_nvmf_out *out);
};

struct srt_nvmf_req {
	struct srt_nvmf_qpair *qpair;
	enum srt_nvmf_req_state state;
	struct spdkrt_nvme_cmd cmd;
	struct spdkrt_nvme_cpl cpl;
	uint8_t *buf;
	uint32_t buf_cap;
	/* Bytes the command moves (its SGL length). */
	uint32_t xfer_len;
	/* H2C data received so far (in order). */
	uint32_t h2c_received;
	/* A data digest or range problem: complete with this status once the data is in. */
	uint16_t deferred_status;
	/* An Abort caught it before it ran: it completes as aborted instead of running. */
	bool aborted;
	/* Waiting for a free bdev I/O (not yet submitted: an Abort may still stop it). */
	bool io_waiting;
	struct srt_nvmf_pg_ns *pg_ns;
	/* Compare reads into this second buffer. */
	uint8_t *cmp_buf;
	uint32_t cmp_cap;
	/* Bdev I/Os of this command still out (Dataset Management has one per range). */
	unsigned bdev_ios;
	int bdev_status;
	/* The NVMe status of the first failed bdev I/O, as the bdev layer gives it. */
	struct spdkrt_bdev_nvme_status bdev_nvme_status;
	struct spdkrt_bdev_io_wait_entry io_wait;
	struct srt_tcp_r2t r2t;
	struct srt_tcp_data_hdr c2h;
	struct srt_tcp_capsule_resp rsp;
	struct srt_nvmf_out r2t_out;
	struct srt_nvmf_out c2h_out;
	struct srt_nvmf_out rsp_out;
	TAILQ_ENTRY(srt_nvmf_req) link;
};

enum srt_nvmf_recv_state {
	SRT_NVMF_RECV_HEADER,
	SRT_NVMF_RECV_DATA,
	SRT_NVMF_RECV_STOPPED, /* after a fatal error: nothing more is read */
};

struct srt_nvmf_qpair {
	TAILQ_ENTRY(srt_nvmf_qpair) link;
	struct srt_nvmf_pgroup *group;
	struct spdkrt_nvmf_tgt *tgt;
	struct srt_sock *sock;
	char peer[SRT_SOCK_ADDR_LEN + 8];
	/* The target listener that accepted it. */
	uint16_t portid;
	/* Ticks when accepted: without a controller (Connect) by SRT_NVMF_CONNECT_TIMEOUT_MS it
	 * is closed, so a stalled TLS handshake, ICReq or Connect cannot hold it forever. */
	uint64_t accepted_at;
	/* Negotiated at ICReq. */
	bool ic_done;
	bool hdgst;
	bool ddgst;
	/* Host PDU data alignment: C2H data at a multiple of (hpda + 1) * 4 bytes. */
	uint8_t hpda;
	struct srt_tcp_pdu_limits limits;
	/* Receive staging buffer. */
	uint8_t *rbuf;
	uint32_t rbuf_len;
	uint32_t rbuf_off;
	/* The PDU being received. */
	enum srt_nvmf_recv_state recv_state;
	uint8_t hdr[SRT_TCP_MAX_HDR_LEN];
	uint32_t hdr_got;
	struct srt_tcp_pdu_layout layout;
	uint32_t data_got; /* bytes of the data segment (pad, data, digest) consumed */
	uint8_t *data_dst; /* where the data goes; NULL: discarded */
	uint32_t data_crc;
	uint8_t ddgst_recv[4];
	struct srt_nvmf_req *data_req;
	/* Connected state. */
	struct srt_nvmf_ctrlr *ctrlr;
	uint16_t qid;
	uint32_t sq_entries;
	uint16_t sqhd;
	struct srt_nvmf_req *reqs;
	uint32_t num_reqs;
	TAILQ_HEAD(, srt_nvmf_req) free_reqs;
	uint32_t reqs_in_use;
	unsigned bdev_ios;
	/* Abort commands of this (admin) queue waiting for another thread's answer. */
	unsigned aborts_out;
	/* Send queue. */
	TAILQ_HEAD(, srt_nvmf_out) sendq;
	struct srt_tcp_ic_resp ic_resp;
	struct srt_tcp_term_req term;
	uint8_t term_data[SRT_TCP_MAX_HDR_LEN];
	struct srt_nvmf_out ic_out;
	struct srt_nvmf_out term_out;
	/* Set once the connection should end: close when the send queue drains. */
	bool closing;
	bool closed;
};

/* tcp_conn.c: a new connection on the calling poll group's thread. */
int srt_nvmf_qpair_create(struct srt_nvmf_pgroup *group, struct srt_sock *sock, uint16_t portid);
/* Read and process what the socket has. */
void srt_nvmf_qpair_recv(struct srt_nvmf_qpair *qpair);
/* Per-poll work: send, keep-alive, events; frees the qpair once it is closed and idle.
 * @return true when the qpair was freed. */
bool srt_nvmf_qpair_poll(struct srt_nvmf_qpair *qpair, uint64_t now);
/* End the connection now (host vanished, teardown): no more receive or send. */
void srt_nvmf_qpair_disconnect(struct srt_nvmf_qpair *qpair, const char *why);
/* Fatal protocol error: send a C2HTermReq, then close. */
void srt_nvmf_qpair_fatal(struct srt_nvmf_qpair *qpair, enum srt_tcp_fes fes, uint32_t fei);

/* tcp_send.c */
void srt_nvmf_send(struct srt_nvmf_qpair *qpair, struct srt_nvmf_out *out);
int srt_nvmf_flush(struct srt_nvmf_qpair *qpair);
void srt_nvmf_send_r2t(struct srt_nvmf_req *req);
/* Send the response (and read data) of a finished request; it is freed when sent. */
void srt_nvmf_req_complete(struct srt_nvmf_req *req);
void srt_nvmf_req_complete_status(struct srt_nvmf_req *req, uint8_t sct, uint8_t sc);
void srt_nvmf_req_free(struct srt_nvmf_req *req);
/* Make req->buf hold at least len bytes. */
int srt_nvmf_req_buf_reserve(struct srt_nvmf_req *req, uint32_t len);

/* --- commands --- */
/* Dispatch a received command whose data (if any) is in req->buf. */
void srt_nvmf_req_execute(struct srt_nvmf_req *req);
/* fabrics.c */
void srt_nvmf_fabrics_execute(struct srt_nvmf_req *req);
/* admin.c */
void srt_nvmf_admin_execute(struct srt_nvmf_req *req);
/* io.c */
void srt_nvmf_io_execute(struct srt_nvmf_req *req);
/* resv.c: Reservation Register, Acquire, Release and Report on the request's namespace. */
void srt_nvmf_resv_execute(struct srt_nvmf_req *req, struct srt_nvmf_ns *ns);
/* resv.c: whether a reservation keeps this queue's host from reading or writing ns. */
bool srt_nvmf_resv_conflict(struct srt_nvmf_ns *ns, const struct srt_nvmf_qpair *q, bool write);
/* abort.c: the Abort admin command (CDW0 bit 0 clear when the command was aborted). */
void srt_nvmf_abort_execute(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr);
/* discovery.c: fill buf with the log page bytes [offset, offset+len) for a host. */
void srt_nvmf_discovery_log(struct spdkrt_nvmf_tgt *tgt, const char *hostnqn, uint64_t offset,
			    uint8_t *buf, uint32_t len);

/* --- controllers (ctrlr.c) --- */
/* Take a queue pair's reference on ctrlr (qid > 0: an I/O queue, whose id is then free). */
void srt_nvmf_ctrlr_put(struct srt_nvmf_ctrlr *ctrlr, uint16_t qid);
/* Under tgt->lock: a subsystem's controller reference is gone; frees a destroyed one. */
void srt_nvmf_subsystem_unref_locked(struct spdkrt_nvmf_subsystem *subsys);
/* The admin queue went away: detach from the subsystem and fail the I/O queues. */
void srt_nvmf_ctrlr_fail(struct srt_nvmf_ctrlr *ctrlr);
/* Admin thread: deliver a pending namespace notice if an AER waits; check keep-alive. */
void srt_nvmf_ctrlr_poll(struct srt_nvmf_ctrlr *ctrlr, uint64_t now);
/* error_log.c: any queue's thread: a command of this controller failed. */
void srt_nvmf_ctrlr_record_error(struct srt_nvmf_ctrlr *ctrlr, const struct srt_nvmf_req *req);
/* Admin thread: the Error Information log page, newest entry first. */
void srt_nvmf_ctrlr_error_log(struct srt_nvmf_ctrlr *ctrlr,
			      struct spdkrt_nvme_error_information_entry *page);
/* Management thread, under tgt->lock: note a changed namespace for every controller. */
void srt_nvmf_subsystem_ns_changed(struct spdkrt_nvmf_subsystem *subsys, uint32_t nsid);
bool srt_nvmf_subsystem_host_allowed(struct spdkrt_nvmf_subsystem *subsys, const char *hostnqn);
/* subsys_listener.c, under tgt->lock: whether subsys is reachable on target listener portid. */
bool srt_nvmf_subsystem_listens_on_locked(const struct spdkrt_nvmf_subsystem *subsys,
					  uint16_t portid);
/* Under tgt->lock: the host entry of hostnqn on subsys, or NULL. */
struct srt_nvmf_host *srt_nvmf_subsystem_find_host_locked(struct spdkrt_nvmf_subsystem *subsys,
							  const char *hostnqn);

/* --- secure channel (secure_channel.c) --- */
/* TLS server callback of a secure listener's connections: the TLS PSK of a PSK identity. */
int srt_nvmf_tls_find_psk(void *tgt, const char *identity, uint8_t *key, size_t *key_len);
/* Under tgt->lock, at Connect: may this queue pair's transport carry hostnqn to subsys? A TLS
 * connection only for the host and subsystem of its PSK identity; a host with a PSK only over
 * TLS. Logs why not. */
bool srt_nvmf_secure_channel_allows(struct srt_nvmf_qpair *q, struct spdkrt_nvmf_subsystem *subsys,
				    const char *hostnqn);
struct spdkrt_nvmf_subsystem *srt_nvmf_find_subsystem_locked(struct spdkrt_nvmf_tgt *tgt,
							     const char *nqn);

/* --- poll groups (pgroup.c) --- */
/* The calling group's channel of a namespace (NULL: no such namespace). */
struct srt_nvmf_pg_ns *srt_nvmf_pgroup_get_ns(struct srt_nvmf_pgroup *group,
					      struct spdkrt_nvmf_subsystem *subsys, uint32_t nsid);
/* A command on pg_ns finished; drops the channel of a namespace being removed. */
void srt_nvmf_pgroup_ns_io_done(struct srt_nvmf_pgroup *group, struct srt_nvmf_pg_ns *pg_ns);
/* Management thread: every group drops its channel of ns, then ns is closed and freed. */
void srt_nvmf_pgroups_release_ns(struct spdkrt_nvmf_tgt *tgt, struct srt_nvmf_ns *ns);
void srt_nvmf_ns_free(struct srt_nvmf_ns *ns);
/* Management thread: stop every poll group (each on its thread, after its connections end). */
void srt_nvmf_pgroups_stop(struct spdkrt_nvmf_tgt *tgt);
/* Management thread: finish a destroy once groups, subsystems and namespaces are all gone. */
void srt_nvmf_tgt_maybe_finish_destroy(struct spdkrt_nvmf_tgt *tgt);

/* A public function refuses its arguments: log "fn: why" and return -EINVAL. */
int srt_nvmf_bad_arg(const char *fn, const char *why);

/* Copy a string into a fixed, space-padded field (Identify SN, MN, FR). */
void srt_nvmf_pad_copy(void *dst, size_t dst_len, const char *src);

#endif
