/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe/TCP transport's internals, shared by its files: tcp.c (transport operations and
 * registers), tcp_conn.c (socket, ICReq/ICResp, Fabrics Connect), tcp_send.c (capsules and
 * H2CData through a send queue that survives partial writes) and tcp_recv.c (the receive PDU
 * state machine: one recv is never assumed to be one PDU).
 */
#ifndef SRT_NVME_TCP_H
#define SRT_NVME_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include "nvme/internal.h"
#include "nvmf/tcp_pdu.h"
#include "sock/sock.h"

/* Data segments of one command's payload (a caller's SGL with more is refused). */
#define NVME_TCP_MAX_SGE 256u
/* In-capsule data on the admin queue (Connect data included): NVMe/TCP's fixed 8 KiB. */
#define NVME_TCP_ADMIN_ICD 8192u
/* Admin queue entries asked for in Connect: targets accept 32 (Linux's fabrics depth). */
#define NVME_TCP_ADMIN_ENTRIES 32u
/* Receive staging buffer: several PDUs per recv at queue depth. */
#define NVME_TCP_RBUF_SIZE (128u * 1024u)
/* Largest transfer the transport splits to (MDTS lowers it). */
#define NVME_TCP_MAX_XFER (1024u * 1024u)

/* Largest pdo of a PDU the host sends: data aligned to (CPDA + 1) * 4 <= 128 bytes. */
#define NVME_TCP_MAX_PDO 128u

struct nvme_tcp_req;

/* One PDU on the send queue: header (with digest), a slice of the request's data, its digest. */
struct nvme_tcp_out {
	TAILQ_ENTRY(nvme_tcp_out) link;
	struct nvme_tcp_req *treq;
	uint8_t hdr[NVME_TCP_MAX_PDO]; /* header, its digest, padding up to the CPDA */
	uint32_t hdr_len;
	uint32_t data_off;
	uint32_t data_len;
	uint32_t ddgst; /* valid when has_ddgst */
	bool has_ddgst;
	bool queued;
	uint32_t len;  /* all of it */
	uint32_t sent; /* bytes written so far */
	void (*sent_cb)(struct nvme_tcp_out *out);
};

/* A command in flight on a connection; its index is the command id. */
struct nvme_tcp_req {
	struct nvme_request *req; /* NULL: free */
	uint16_t cid;
	uint16_t next_free;
	unsigned xfer; /* NVME_XFER_* */
	uint32_t data_len;
	bool icd;
	struct iovec iov[NVME_TCP_MAX_SGE];
	int iovcnt;
	/* Writes: what R2Ts asked for and what was queued of it. */
	bool r2t_active;
	uint16_t ttag;
	uint32_t h2c_queued;
	uint32_t r2t_end;
	/* Reads: bytes received so far (C2HData comes in order). */
	uint32_t c2h_received;
	struct nvme_tcp_out capsule;
	struct nvme_tcp_out h2c;
};

enum nvme_tcp_recv_state {
	NVME_TCP_RECV_CH,   /* the 8-byte common header */
	NVME_TCP_RECV_HDR,  /* the rest of the header and its digest */
	NVME_TCP_RECV_PAD,  /* padding up to pdo */
	NVME_TCP_RECV_DATA, /* data into the request's buffer */
	NVME_TCP_RECV_DDGST /* the data digest */
};

struct nvme_tcp_qpair {
	struct spdkrt_nvme_qpair qpair;
	struct srt_sock *sock;
	bool lost;       /* connection closed or broken: everything fails */
	bool failed_all; /* ... and its commands were failed */
	bool processing;
	/* Negotiated in ICReq/ICResp */
	bool hdgst;
	bool ddgst;
	uint32_t maxh2cdata;
	uint32_t cpda;
	uint32_t icd_max; /* in-capsule data limit for writes */
	/* Commands by id */
	struct nvme_tcp_req *treqs;
	uint32_t num_treqs;
	uint32_t free_treq; /* num_treqs: none */
	TAILQ_HEAD(, nvme_tcp_out) send_queue;
	/* Receive */
	uint8_t *rbuf;
	uint32_t rhead, rtail;
	enum nvme_tcp_recv_state rstate;
	uint8_t hdr[SRT_TCP_MAX_HDR_LEN];
	uint32_t hdr_got;
	struct srt_tcp_pdu_layout layout;
	uint32_t skip_left;
	struct nvme_tcp_req *data_treq;
	uint32_t data_pos;  /* offset in the request's data */
	uint32_t data_left; /* bytes of this PDU's data still to come */
	uint32_t crc;
	uint8_t ddgst_buf[SRT_TCP_DIGEST_LEN];
	uint32_t ddgst_got;
	uint32_t completed; /* by the current process call */
	/* The one blocking command (Connect, Property Get/Set): outside the pair's request pool,
	 * which belongs to the owner thread while a reset re-connects the pair from the admin
	 * side. Completed by nvme_tcp_finish_req(), never by the core (no retry, no pool). */
	struct nvme_request sync_req;
	bool sync_busy;
};

struct nvme_tcp_ctrlr {
	struct spdkrt_nvme_ctrlr ctrlr;
	struct nvme_tcp_qpair *admin; /* connected in construct, handed to the core later */
	uint16_t cntlid;
	char port[SPDKRT_NVME_TRSVCID_MAX];
};

static inline struct nvme_tcp_qpair *nvme_tcp_qpair(struct spdkrt_nvme_qpair *qpair)
{
	return (struct nvme_tcp_qpair *)qpair;
}

static inline struct nvme_tcp_ctrlr *nvme_tcp_ctrlr(struct spdkrt_nvme_ctrlr *ctrlr)
{
	return (struct nvme_tcp_ctrlr *)ctrlr;
}

/* tcp_conn.c */
struct nvme_tcp_qpair *nvme_tcp_qpair_alloc(struct spdkrt_nvme_ctrlr *ctrlr, uint16_t id,
					    uint32_t entries, uint32_t num_requests);
void nvme_tcp_qpair_free(struct nvme_tcp_qpair *tq);
/* Socket, ICReq/ICResp and Fabrics Connect, blocking up to the admin timeout. */
int nvme_tcp_qpair_connect_sync(struct nvme_tcp_qpair *tq);
/* Runs one command on tq and waits for it (up to the admin timeout). 0 and *cpl, or -errno. */
int nvme_tcp_cmd_sync(struct nvme_tcp_qpair *tq, const struct spdkrt_nvme_cmd *cmd, void *buf,
		      uint32_t len, struct spdkrt_nvme_cpl *cpl);
/* The connection is gone: log why and close it (no callbacks run here: the next process call
 * fails the commands, see nvme_tcp_fail_all). */
void nvme_tcp_qpair_lost(struct nvme_tcp_qpair *tq, const char *why);
/* Fail every command of a lost connection (transient transport error); the admin queue's owner
 * fails the controller, an I/O pair's owner sets ctrlr->conn_lost for the admin poll. */
void nvme_tcp_fail_all(struct nvme_tcp_qpair *tq);
/* Back to a fresh, unconnected queue (socket closed, receive state empty) for a reconnect. */
void nvme_tcp_conn_reset(struct nvme_tcp_qpair *tq);

/* Completes a request of this connection: the core's, or the blocking command's. */
void nvme_tcp_finish_req(struct nvme_tcp_qpair *tq, struct nvme_request *req,
			 const struct spdkrt_nvme_cpl *cpl);

/* tcp_send.c */
int nvme_tcp_submit(struct spdkrt_nvme_qpair *qpair, struct nvme_request *req);
/* Write what the send queue holds, as far as the socket takes it. 0 or -errno (lost). */
int nvme_tcp_flush(struct nvme_tcp_qpair *tq);
void nvme_tcp_send_queue(struct nvme_tcp_qpair *tq, struct nvme_tcp_out *out);
/* Answer an R2T: queue H2CData PDUs of at most MAXH2CDATA for [r2to, r2to + r2tl). */
void nvme_tcp_start_h2c(struct nvme_tcp_qpair *tq, struct nvme_tcp_req *treq, uint16_t ttag,
			uint32_t r2to, uint32_t r2tl);
/* The iovecs of [off, off + len) of a request's data, appended to iov (at most max). */
int nvme_tcp_data_slice(const struct nvme_tcp_req *treq, uint32_t off, uint32_t len,
			struct iovec *iov, int max);
/* Put a command id back (its PDUs must be off the send queue). */
void nvme_tcp_treq_put(struct nvme_tcp_qpair *tq, struct nvme_tcp_req *treq);
/* A header digest over a header of hlen bytes, stored after it. */
void nvme_tcp_put_hdgst(uint8_t *hdr, uint32_t hlen);

/* tcp_recv.c */
/* Receive and handle PDUs until the socket is empty or max completions (0: no limit). */
int32_t nvme_tcp_process(struct spdkrt_nvme_qpair *qpair, uint32_t max);

extern const struct nvme_transport g_nvme_transport_tcp;

#endif
