/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small blocking NVMe/TCP host for tests, written from the transport specification: it
 * runs on its own OS thread against the real target over 127.0.0.1 (the test's main thread
 * polls the target), and can also send malformed PDUs on purpose. Over TLS (host_open_tls) it
 * goes through the library's TLS client socket instead of a plain blocking fd.
 */
#ifndef SPDKRT_TEST_NVMF_HOST_H
#define SPDKRT_TEST_NVMF_HOST_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <spdkrt/nvme_spec.h>

#include "nvmf/tcp_pdu.h"
#include "sock/tls.h"
#include "util/crc32c.h"

struct test_host {
	int fd;
	/* Set instead of fd for a TLS connection. */
	struct srt_sock *tls;
	bool hdgst;
	bool ddgst;
	uint32_t maxh2cdata;
	uint16_t next_cid;
	uint16_t cntlid;
	/* CAP.MQES of the controller (0-based): I/O queues are no bigger. */
	uint16_t mqes;
	/* Corrupt the next data digest this host sends (for the digest test). */
	bool corrupt_ddgst;
	/* Host PDU data alignment asked for in ICReq ((hpda + 1) * 4 bytes; set after host_open),
	 * and the data offset (PDO) of the last C2HData received. */
	uint8_t hpda;
	uint8_t last_c2h_pdo;
	/* The byte the host id of its Connects is made of (0: 0x5a); set after host_open. */
	uint8_t hostid_fill;
	/* The last C2HTermReq received. */
	uint16_t term_fes;
	uint32_t term_fei;
};

#define TEST_HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-1111-2222-3333-444444444444"
#define TEST_HOST_TIMEOUT_MS 10000

static inline int host_open(struct test_host *h, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = TEST_HOST_TIMEOUT_MS / 1000 };
	int one = 1;

	memset(h, 0, sizeof(*h));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	h->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (h->fd < 0)
		return -errno;
	setsockopt(h->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(h->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int rc = -errno;

		close(h->fd);
		h->fd = -1;
		return rc;
	}
	return 0;
}

/* Connect over TLS with a configured PSK and finish the handshake: 0, or its error. */
static inline int host_open_tls(struct test_host *h, uint16_t port, const char *psk,
				const char *hostnqn, const char *subnqn)
{
	char p[16];
	int rc;

	memset(h, 0, sizeof(*h));
	h->fd = -1;
	snprintf(p, sizeof(p), "%u", port);
	rc = srt_sock_connect("127.0.0.1", p, TEST_HOST_TIMEOUT_MS, &h->tls);
	if (rc == 0)
		rc = srt_sock_tls_client_start(h->tls, psk, hostnqn, subnqn);
	if (rc != 0)
		return rc;
	for (int i = 0; i < TEST_HOST_TIMEOUT_MS * 10; i++) {
		rc = srt_sock_tls_handshake(h->tls);
		if (rc != -EAGAIN)
			break;
		usleep(100);
	}
	return rc;
}

static inline void host_close(struct test_host *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	srt_sock_close(&h->tls);
}

/* TLS: send or receive all of len bytes through the non-blocking socket, within the timeout.
 * It spins (yielding) rather than sleeps: the load generator measures latency through it. */
static inline int host_tls_io(struct test_host *h, void *buf, size_t len, bool send)
{
	struct timespec now, end;
	uint8_t *p = buf;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += TEST_HOST_TIMEOUT_MS / 1000;
	while (len > 0) {
		struct iovec iov = { p, len };
		ssize_t n = send ? srt_sock_writev(h->tls, &iov, 1) : srt_sock_recv(h->tls, p, len);

		if (n == -EAGAIN) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > end.tv_sec ||
			    (now.tv_sec == end.tv_sec && now.tv_nsec > end.tv_nsec))
				return -ETIMEDOUT;
			sched_yield();
			continue;
		}
		if (n < 0)
			return send ? -EPIPE : (int)n;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static inline int host_send(struct test_host *h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (h->tls != NULL)
		return host_tls_io(h, (void *)(uintptr_t)buf, len, true);

	while (len > 0) {
		ssize_t n = send(h->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Receive exactly len bytes: 0, -ECONNRESET when the target closed, -ETIMEDOUT. */
static inline int host_recv(struct test_host *h, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (h->tls != NULL)
		return host_tls_io(h, buf, len, false);
	while (len > 0) {
		ssize_t n = recv(h->fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* @return true when the target has closed the connection (EOF) within the timeout. */
static inline bool host_sees_close(struct test_host *h)
{
	uint8_t b[256];

	if (h->tls != NULL)
		return host_tls_io(h, b, sizeof(b), false) != -ETIMEDOUT;
	for (;;) {
		ssize_t n = recv(h->fd, b, sizeof(b), 0);

		if (n == 0)
			return true;
		if (n < 0)
			return errno == ECONNRESET;
	}
}

static inline int host_icreq(struct test_host *h, bool hdgst, bool ddgst)
{
	struct srt_tcp_ic_req req;
	struct srt_tcp_ic_resp resp;
	int rc;

	memset(&req, 0, sizeof(req));
	srt_tcp_ch_init(&req.ch, SRT_TCP_PDU_ICREQ, 0, sizeof(req), 0, sizeof(req));
	req.dgst = (uint8_t)((hdgst ? SRT_TCP_DGST_HDGST : 0) | (ddgst ? SRT_TCP_DGST_DDGST : 0));
	req.hpda = h->hpda;
	rc = host_send(h, &req, sizeof(req));
	if (rc == 0)
		rc = host_recv(h, &resp, sizeof(resp));
	if (rc != 0)
		return rc;
	if (resp.ch.pdu_type != SRT_TCP_PDU_ICRESP || resp.ch.plen != 128 || resp.pfv != 0 ||
	    resp.cpda != 0 || resp.dgst != req.dgst || resp.maxh2cdata < 4096)
		return -EPROTO;
	h->hdgst = hdgst;
	h->ddgst = ddgst;
	h->maxh2cdata = resp.maxh2cdata;
	return 0;
}

/* Send one PDU: header (+ digest), optional data (+ digest). */
static inline int host_send_pdu(struct test_host *h, void *hdr, uint32_t hlen, const void *data,
				uint32_t dlen)
{
	struct srt_tcp_ch *ch = hdr;
	uint32_t hd = h->hdgst ? 4 : 0, dd = h->ddgst && dlen > 0 ? 4 : 0;
	uint8_t buf[256];
	int rc;

	ch->flags |= (uint8_t)((hd ? SRT_TCP_FLAG_HDGSTF : 0) | (dd ? SRT_TCP_FLAG_DDGSTF : 0));
	ch->hlen = (uint8_t)hlen;
	ch->pdo = dlen > 0 ? (uint8_t)(hlen + hd) : 0;
	ch->plen = hlen + hd + dlen + dd;
	memcpy(buf, hdr, hlen);
	if (hd) {
		uint32_t crc = srt_crc32c(buf, hlen);

		memcpy(buf + hlen, &crc, 4);
	}
	rc = host_send(h, buf, hlen + hd);
	if (rc == 0 && dlen > 0)
		rc = host_send(h, data, dlen);
	if (rc == 0 && dd) {
		uint32_t crc = srt_crc32c(data, dlen);

		if (h->corrupt_ddgst) {
			crc ^= 1;
			h->corrupt_ddgst = false;
		}
		rc = host_send(h, &crc, 4);
	}
	return rc;
}

/* Answer an R2T with H2CData PDUs of at most maxh2cdata bytes. */
static inline int host_answer_r2t(struct test_host *h, const struct srt_tcp_r2t *r2t,
				  const uint8_t *wdata)
{
	uint32_t off = r2t->r2to, end = r2t->r2to + r2t->r2tl;

	while (off < end) {
		struct srt_tcp_data_hdr d;
		uint32_t n = end - off < h->maxh2cdata ? end - off : h->maxh2cdata;
		int rc;

		memset(&d, 0, sizeof(d));
		d.ch.pdu_type = SRT_TCP_PDU_H2C_DATA;
		d.ch.flags = off + n == end ? SRT_TCP_FLAG_LAST_PDU : 0;
		d.cccid = r2t->cccid;
		d.ttag = r2t->ttag;
		d.datao = off;
		d.datal = n;
		rc = host_send_pdu(h, &d, sizeof(d), wdata + off, n);
		if (rc != 0)
			return rc;
		off += n;
	}
	return 0;
}

/*
 * Run one command. Write data goes in the capsule when icd, else by R2T; read data lands in
 * rdata. The completion lands in cpl. @return 0, -EPROTO after a C2HTermReq, or an errno.
 */
static inline int host_cmd(struct test_host *h, struct spdkrt_nvme_cmd *cmd, const void *wdata,
			   uint32_t wlen, bool icd, void *rdata, uint32_t rlen,
			   struct spdkrt_nvme_cpl *cpl)
{
	struct srt_tcp_capsule_cmd cap;
	uint8_t hdr[SRT_TCP_MAX_HDR_LEN];
	int rc;

	memset(&cap, 0, sizeof(cap));
	cap.ch.pdu_type = SRT_TCP_PDU_CAPSULE_CMD;
	cmd->cid = h->next_cid++;
	cmd->flags =
		(uint8_t)SPDKRT_NVME_SET(SPDKRT_NVME_CMD_PSDT, SPDKRT_NVME_PSDT_SGL_MPTR_CONTIG);
	if (wlen > 0 && icd) {
		cmd->dptr.sgl1.id = SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_DATA_BLOCK,
						       SPDKRT_NVME_SGL_SUBTYPE_OFFSET);
		cmd->dptr.sgl1.length = wlen;
		cmd->dptr.sgl1.address = 0;
	} else if (wlen > 0 || rlen > 0) {
		cmd->dptr.sgl1.id = SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_TRANSPORT_DATA_BLOCK,
						       SPDKRT_NVME_SGL_SUBTYPE_TRANSPORT);
		cmd->dptr.sgl1.length = wlen > 0 ? wlen : rlen;
	}
	cap.ccsqe = *cmd;
	rc = host_send_pdu(h, &cap, sizeof(cap), wlen > 0 && icd ? wdata : NULL,
			   wlen > 0 && icd ? wlen : 0);
	if (rc != 0)
		return rc;
	for (;;) {
		struct srt_tcp_ch *ch = (struct srt_tcp_ch *)hdr;
		uint32_t hd;

		rc = host_recv(h, hdr, sizeof(*ch));
		if (rc != 0)
			return rc;
		if (ch->hlen < sizeof(*ch) || ch->hlen > 128)
			return -EPROTO;
		hd = (ch->flags & SRT_TCP_FLAG_HDGSTF) ? 4 : 0;
		rc = host_recv(h, hdr + sizeof(*ch), ch->hlen - sizeof(*ch) + hd);
		if (rc != 0)
			return rc;
		if (hd) {
			uint32_t got;

			memcpy(&got, hdr + ch->hlen, 4);
			if (got != srt_crc32c(hdr, ch->hlen))
				return -EBADMSG;
		}
		switch (ch->pdu_type) {
		case SRT_TCP_PDU_R2T:
			rc = host_answer_r2t(h, (const struct srt_tcp_r2t *)hdr, wdata);
			if (rc != 0)
				return rc;
			continue;
		case SRT_TCP_PDU_C2H_DATA: {
			const struct srt_tcp_data_hdr *d = (const struct srt_tcp_data_hdr *)hdr;
			uint32_t dd = (ch->flags & SRT_TCP_FLAG_DDGSTF) ? 4 : 0, crc;
			uint8_t pad[128];

			if (d->datao + d->datal > rlen || d->cccid != cmd->cid ||
			    ch->pdo < ch->hlen + hd || ch->pdo - ch->hlen - hd > sizeof(pad))
				return -EPROTO;
			h->last_c2h_pdo = ch->pdo;
			/* Padding up to the data offset the host's alignment asked for. */
			rc = host_recv(h, pad, ch->pdo - ch->hlen - hd);
			if (rc == 0)
				rc = host_recv(h, (uint8_t *)rdata + d->datao, d->datal);
			if (rc == 0 && dd)
				rc = host_recv(h, &crc, 4);
			if (rc != 0)
				return rc;
			if (dd && crc != srt_crc32c((uint8_t *)rdata + d->datao, d->datal))
				return -EBADMSG;
			if (ch->flags & SRT_TCP_FLAG_SUCCESS) {
				memset(cpl, 0, sizeof(*cpl));
				cpl->cid = cmd->cid;
				return 0;
			}
			continue;
		}
		case SRT_TCP_PDU_CAPSULE_RESP:
			memcpy(cpl, hdr + sizeof(*ch), sizeof(*cpl));
			return cpl->cid == cmd->cid ? 0 : -EPROTO;
		case SRT_TCP_PDU_C2H_TERM_REQ: {
			const struct srt_tcp_term_req *t = (const struct srt_tcp_term_req *)hdr;

			h->term_fes = t->fes;
			h->term_fei = t->fei;
			return -EPROTO;
		}
		default:
			return -EPROTO;
		}
	}
}

/* Wait for one unsolicited PDU header (an AER's CapsuleResp, a TermReq). */
static inline int host_recv_resp(struct test_host *h, struct spdkrt_nvme_cpl *cpl)
{
	uint8_t hdr[SRT_TCP_MAX_HDR_LEN];
	struct srt_tcp_ch *ch = (struct srt_tcp_ch *)hdr;
	int rc = host_recv(h, hdr, sizeof(*ch));

	if (rc == 0)
		rc = host_recv(h, hdr + sizeof(*ch),
			       ch->hlen - sizeof(*ch) +
				       ((ch->flags & SRT_TCP_FLAG_HDGSTF) ? 4 : 0));
	if (rc != 0)
		return rc;
	if (ch->pdu_type == SRT_TCP_PDU_C2H_TERM_REQ) {
		const struct srt_tcp_term_req *t = (const struct srt_tcp_term_req *)hdr;

		h->term_fes = t->fes;
		h->term_fei = t->fei;
		return -EPROTO;
	}
	if (ch->pdu_type != SRT_TCP_PDU_CAPSULE_RESP)
		return -EPROTO;
	memcpy(cpl, hdr + sizeof(*ch), sizeof(*cpl));
	return 0;
}

static inline uint16_t cpl_sct_sc(const struct spdkrt_nvme_cpl *cpl)
{
	return (uint16_t)((SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SCT) << 8) |
			  SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SC));
}
#define SCT_SC(sct, sc) ((uint16_t)(((sct) << 8) | (sc)))

/* Fabrics Connect; qid 0 makes a controller (cntlid stored), others join h->cntlid. */
static inline int host_connect(struct test_host *h, const char *subnqn, const char *hostnqn,
			       uint16_t qid, uint16_t sqsize, uint32_t kato, uint16_t cntlid,
			       struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_nvmf_connect_cmd c;
	struct spdkrt_nvmf_connect_data d;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	c.opcode = SPDKRT_NVME_OPC_FABRIC;
	c.fctype = SPDKRT_NVMF_FCTYPE_CONNECT;
	c.qid = qid;
	c.sqsize = sqsize;
	c.kato = kato;
	memset(d.hostid, h->hostid_fill != 0 ? h->hostid_fill : 0x5a, sizeof(d.hostid));
	d.cntlid = cntlid;
	strncpy(d.subnqn, subnqn, sizeof(d.subnqn) - 1);
	strncpy(d.hostnqn, hostnqn, sizeof(d.hostnqn) - 1);
	rc = host_cmd(h, (struct spdkrt_nvme_cmd *)&c, &d, sizeof(d), true, NULL, 0, cpl);
	if (rc == 0 && qid == 0 && !spdkrt_nvme_cpl_is_error(cpl))
		h->cntlid = (uint16_t)cpl->cdw0;
	return rc;
}

static inline int host_prop_get(struct test_host *h, uint32_t ofst, bool eight, uint64_t *value)
{
	struct spdkrt_nvmf_property_get_cmd c;
	struct spdkrt_nvme_cpl cpl;
	int rc;

	memset(&c, 0, sizeof(c));
	c.opcode = SPDKRT_NVME_OPC_FABRIC;
	c.fctype = SPDKRT_NVMF_FCTYPE_PROPERTY_GET;
	c.attrib = eight ? SPDKRT_NVMF_PROP_SIZE_8 : SPDKRT_NVMF_PROP_SIZE_4;
	c.ofst = ofst;
	rc = host_cmd(h, (struct spdkrt_nvme_cmd *)&c, NULL, 0, false, NULL, 0, &cpl);
	if (rc != 0)
		return rc;
	if (spdkrt_nvme_cpl_is_error(&cpl))
		return -EIO;
	*value = (uint64_t)cpl.cdw1 << 32 | cpl.cdw0;
	return 0;
}

static inline int host_prop_set_cc(struct test_host *h, uint32_t cc)
{
	struct spdkrt_nvmf_property_set_cmd c;
	struct spdkrt_nvme_cpl cpl;
	int rc;

	memset(&c, 0, sizeof(c));
	c.opcode = SPDKRT_NVME_OPC_FABRIC;
	c.fctype = SPDKRT_NVMF_FCTYPE_PROPERTY_SET;
	c.attrib = SPDKRT_NVMF_PROP_SIZE_4;
	c.ofst = SPDKRT_NVME_REG_CC;
	c.value = cc;
	rc = host_cmd(h, (struct spdkrt_nvme_cmd *)&c, NULL, 0, false, NULL, 0, &cpl);
	return rc != 0 ? rc : spdkrt_nvme_cpl_is_error(&cpl) ? -EIO : 0;
}

/* ICReq, admin Connect, CC.EN = 1 and CSTS.RDY on an open connection (plain or TLS). */
static inline int host_attach_opened(struct test_host *h, const char *subnqn, uint32_t kato,
				     bool digests)
{
	struct spdkrt_nvme_cpl cpl;
	uint64_t csts = 0, cap = 0;
	int rc = host_icreq(h, digests, digests);

	if (rc == 0)
		rc = host_connect(h, subnqn, TEST_HOSTNQN, 0, 31, kato, 0xffff, &cpl);
	if (rc == 0 && spdkrt_nvme_cpl_is_error(&cpl))
		rc = -EACCES;
	if (rc == 0)
		rc = host_prop_set_cc(h, SPDKRT_NVME_SET(SPDKRT_NVME_CC_EN, 1u) |
						 SPDKRT_NVME_SET(SPDKRT_NVME_CC_IOSQES, 6u) |
						 SPDKRT_NVME_SET(SPDKRT_NVME_CC_IOCQES, 4u));
	if (rc == 0)
		rc = host_prop_get(h, SPDKRT_NVME_REG_CSTS, false, &csts);
	if (rc == 0 && !(csts & 1))
		rc = -EIO;
	if (rc == 0)
		rc = host_prop_get(h, SPDKRT_NVME_REG_CAP, true, &cap);
	h->mqes = (uint16_t)SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_MQES);
	return rc;
}

/* ICReq, admin Connect, CC.EN = 1 and CSTS.RDY: what a host does before any admin command. */
static inline int host_attach(struct test_host *h, uint16_t port, const char *subnqn, uint32_t kato,
			      bool digests)
{
	int rc = host_open(h, port);

	return rc != 0 ? rc : host_attach_opened(h, subnqn, kato, digests);
}

/* The same, asking for C2H data aligned to (hpda + 1) * 4 bytes. */
static inline int host_attach_aligned(struct test_host *h, uint16_t port, const char *subnqn,
				      uint32_t kato, bool digests, uint8_t hpda)
{
	int rc = host_open(h, port);

	h->hpda = hpda;
	return rc != 0 ? rc : host_attach_opened(h, subnqn, kato, digests);
}

/* An I/O queue of the controller h attached. */
static inline int host_attach_io(struct test_host *io, const struct test_host *admin, uint16_t port,
				 const char *subnqn, uint16_t qid, bool digests)
{
	struct spdkrt_nvme_cpl cpl;
	int rc = host_open(io, port);

	if (rc == 0)
		rc = host_icreq(io, digests, digests);
	if (rc == 0)
		rc = host_connect(io, subnqn, TEST_HOSTNQN, qid,
				  admin->mqes < 127 ? admin->mqes : 127, 0, admin->cntlid, &cpl);
	if (rc == 0 && spdkrt_nvme_cpl_is_error(&cpl))
		rc = -EACCES;
	return rc;
}

/* An admin and an I/O queue (qid 1) over TLS with the configured PSK psk, as TEST_HOSTNQN. */
static inline int host_attach_tls(struct test_host *admin, struct test_host *io, uint16_t port,
				  const char *subnqn, bool digests, const char *psk)
{
	struct spdkrt_nvme_cpl cpl;

	if (host_open_tls(admin, port, psk, TEST_HOSTNQN, subnqn) != 0 ||
	    host_attach_opened(admin, subnqn, 5000, digests) != 0 ||
	    host_open_tls(io, port, psk, TEST_HOSTNQN, subnqn) != 0 ||
	    host_icreq(io, digests, digests) != 0 ||
	    host_connect(io, subnqn, TEST_HOSTNQN, 1, admin->mqes < 127 ? admin->mqes : 127, 0,
			 admin->cntlid, &cpl) != 0 ||
	    spdkrt_nvme_cpl_is_error(&cpl))
		return -1;
	return 0;
}

#endif
