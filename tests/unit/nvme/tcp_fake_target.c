/* SPDX-License-Identifier: BSD-3-Clause */
/* The fake NVMe/TCP target of the host tests (see tcp_fake_target.h). */
#include "tcp_fake_target.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <spdkrt/env.h>
#include <spdkrt/nvme_spec.h>

#include "nvmf/tcp_pdu.h"
#include "util/crc32c.h"

#define FAKE_BLOCK 512u
#define FAKE_MAX_PDU (1u << 20)
#define FAKE_NUM_QUEUES 4u

struct fake_conn {
	struct fake_target *t;
	int fd;
	bool hdgst;
	bool ddgst;
	uint16_t qid;
	uint32_t cc;
	bool discovery; /* connected to the discovery NQN */
	uint32_t kato_ms;
	uint64_t kato_deadline; /* ms on the monotonic clock; 0: no keep-alive timer */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void note(struct fake_target *t, uint32_t *counter, uint32_t add)
{
	pthread_mutex_lock(&t->lock);
	*counter += add;
	pthread_mutex_unlock(&t->lock);
}

/* A Keep Alive (or Connect) restarts the keep-alive timer. */
static void kato_restart(struct fake_conn *c)
{
	if (c->kato_ms != 0 && c->t->opts.enforce_kato)
		c->kato_deadline = now_ms() + c->kato_ms;
}

/* Waits for the next PDU; -1 when the keep-alive timer expires first (the target drops the
 * controller, as the spec says), or the target stops. */
static int wait_next_pdu(struct fake_conn *c)
{
	while (!atomic_load(&c->t->stop)) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

		if (c->kato_deadline != 0 && now_ms() > c->kato_deadline) {
			fprintf(stderr, "fake target: keep alive timeout (%u ms) expired\n",
				c->kato_ms);
			note(c->t, &c->t->kato_expired, 1);
			shutdown(c->fd, SHUT_RDWR); /* the host sees the controller go */
			return -1;
		}
		if (poll(&pfd, 1, 10) > 0)
			return 0;
	}
	return -1;
}

int fake_target_send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly len bytes; -1 on close, error, or the target stopping. */
static int recv_all(struct fake_conn *c, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (atomic_load(&c->t->stop))
			return -1;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = recv(c->fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Whether this command is the one to misbehave at (once). */
static bool take_fault(struct fake_conn *c, const struct spdkrt_nvme_cmd *cmd)
{
	struct fake_target *t = c->t;
	bool io = c->qid != 0 &&
		  (cmd->opc == SPDKRT_NVME_OPC_READ || cmd->opc == SPDKRT_NVME_OPC_WRITE);
	bool admin = c->qid == 0 && cmd->opc == SPDKRT_NVME_OPC_IDENTIFY &&
		     (cmd->cdw10 & 0xFFu) == SPDKRT_NVME_IDENTIFY_CTRLR;
	bool hit;

	if (t->opts.fault == FAKE_FAULT_NONE || !(t->opts.fault_on_io ? io : admin))
		return false;
	pthread_mutex_lock(&t->lock);
	hit = !t->fault_done;
	t->fault_done = true;
	pthread_mutex_unlock(&t->lock);
	return hit;
}

/* Sends a PDU: header (hlen bytes) + optional header digest, data at pdo + optional digest. */
static int send_pdu(struct fake_conn *c, void *hdr, uint8_t hlen, const void *data, uint32_t len,
		    bool bad_hdgst, bool bad_ddgst)
{
	struct srt_tcp_ch *ch = hdr;
	uint8_t buf[SRT_TCP_MAX_HDR_LEN];
	uint32_t hl = hlen + (c->hdgst ? SRT_TCP_DIGEST_LEN : 0);
	uint32_t crc;

	ch->hlen = hlen;
	if (c->hdgst)
		ch->flags |= SRT_TCP_FLAG_HDGSTF;
	if (len > 0) {
		if (c->ddgst)
			ch->flags |= SRT_TCP_FLAG_DDGSTF;
		ch->pdo = (uint8_t)hl;
		ch->plen = hl + len + (c->ddgst ? SRT_TCP_DIGEST_LEN : 0);
	} else {
		ch->pdo = 0;
		ch->plen = hl;
	}
	memcpy(buf, hdr, hlen);
	if (c->hdgst) {
		crc = srt_crc32c(buf, hlen) ^ (bad_hdgst ? 0xdeadu : 0);
		memcpy(buf + hlen, &crc, sizeof(crc));
	}
	if (fake_target_send_all(c->fd, buf, hl) != 0)
		return -1;
	if (len == 0)
		return 0;
	if (fake_target_send_all(c->fd, data, len) != 0)
		return -1;
	if (c->ddgst) {
		crc = srt_crc32c(data, len) ^ (bad_ddgst ? 0xbeefu : 0);
		if (fake_target_send_all(c->fd, &crc, sizeof(crc)) != 0)
			return -1;
	}
	return 0;
}

static int send_resp(struct fake_conn *c, uint16_t cid, uint32_t cdw0, uint8_t sct, uint8_t sc,
		     bool fault)
{
	struct srt_tcp_capsule_resp r = { .ch.pdu_type = SRT_TCP_PDU_CAPSULE_RESP };

	r.rccqe.cdw0 = cdw0;
	r.rccqe.cid = cid;
	r.rccqe.sqid = c->qid;
	r.rccqe.status = (uint16_t)(sc << 1 | (sct & 7u) << 9);
	if (fault && c->t->opts.fault == FAKE_FAULT_RESP_UNKNOWN_CID)
		r.rccqe.cid = cid ^ 0x5a5a;
	if (fault && c->t->opts.fault == FAKE_FAULT_BAD_HLEN) {
		r.ch.hlen = 16;
		r.ch.plen = sizeof(r);
		return fake_target_send_all(c->fd, &r, sizeof(r));
	}
	return send_pdu(c, &r, sizeof(r), NULL, 0, false, false);
}

/* The faults that replace the whole answer. 1: handled (answer done), 0: not one of these. */
static int send_fault_instead(struct fake_conn *c, uint16_t cid)
{
	struct srt_tcp_data_hdr d = { .ch.pdu_type = SRT_TCP_PDU_C2H_DATA };
	struct srt_tcp_term_req term = { .ch.pdu_type = SRT_TCP_PDU_C2H_TERM_REQ };

	switch (c->t->opts.fault) {
	case FAKE_FAULT_HUGE_PLEN:
		d.ch.hlen = sizeof(d);
		d.ch.pdo = c->hdgst ? sizeof(d) + SRT_TCP_DIGEST_LEN : sizeof(d);
		d.ch.plen = 0x80000000u;
		d.ch.flags = SRT_TCP_FLAG_LAST_PDU;
		d.cccid = cid;
		d.datal = 0x7fffff00u;
		fake_target_send_all(c->fd, &d, sizeof(d));
		return 1; /* and then nothing: the host must not wait for 2 GiB */
	case FAKE_FAULT_CLOSE_MID_PDU:
		d.ch.hlen = sizeof(d);
		d.ch.plen = sizeof(d) + 4096;
		fake_target_send_all(c->fd, &d, 12);
		shutdown(c->fd, SHUT_RDWR);
		return 1;
	case FAKE_FAULT_TERM_REQ:
		term.fes = SRT_TCP_FES_INVALID_HEADER_FIELD;
		send_pdu(c, &term, sizeof(term), NULL, 0, false, false);
		return 1;
	case FAKE_FAULT_UNKNOWN_PDU:
		d.ch.pdu_type = 0x42;
		send_pdu(c, &d, sizeof(d), NULL, 0, false, false);
		return 1;
	case FAKE_FAULT_SILENT:
		return 1;
	default:
		return 0;
	}
}

/* Returns data to the host (C2HData then CapsuleResp), misbehaving when fault is set. */
static int send_data(struct fake_conn *c, uint16_t cid, const void *data, uint32_t len, bool fault)
{
	struct srt_tcp_data_hdr d = { .ch.pdu_type = SRT_TCP_PDU_C2H_DATA };
	enum fake_fault f = fault ? c->t->opts.fault : FAKE_FAULT_NONE;
	uint8_t *big = NULL;
	int rc;

	if (fault && send_fault_instead(c, cid))
		return 0;
	d.ch.flags = SRT_TCP_FLAG_LAST_PDU;
	d.cccid = cid;
	d.datal = len;
	switch (f) {
	case FAKE_FAULT_C2H_BEYOND_BUFFER:
		big = calloc(1, len + 4096);
		if (big == NULL)
			return -1;
		memcpy(big, data, len);
		data = big;
		len += 4096;
		d.datal = len;
		break;
	case FAKE_FAULT_C2H_BAD_OFFSET:
		d.datao = 512;
		break;
	case FAKE_FAULT_C2H_UNKNOWN_CID:
		d.cccid = cid ^ 0x5a5a;
		break;
	case FAKE_FAULT_SUCCESS_NO_LAST:
		d.ch.flags = SRT_TCP_FLAG_SUCCESS;
		break;
	case FAKE_FAULT_SUCCESS_SHORT:
		d.ch.flags = SRT_TCP_FLAG_SUCCESS | SRT_TCP_FLAG_LAST_PDU;
		len /= 2;
		d.datal = len;
		break;
	case FAKE_FAULT_BAD_PDO: {
		uint8_t raw[sizeof(d) + 64] = { 0 };

		d.ch.hlen = sizeof(d);
		d.ch.pdo = 8; /* inside the header */
		d.ch.plen = sizeof(raw);
		d.datal = 64;
		memcpy(raw, &d, sizeof(d));
		return fake_target_send_all(c->fd, raw, sizeof(raw));
	}
	default:
		break;
	}
	rc = send_pdu(c, &d, sizeof(d), data, len, f == FAKE_FAULT_BAD_HDGST,
		      f == FAKE_FAULT_BAD_DDGST);
	free(big);
	if (rc != 0)
		return rc;
	return send_resp(c, cid, 0, 0, 0, fault);
}

static void fill_cdata(struct fake_conn *c, struct spdkrt_nvme_ctrlr_data *cd)
{
	const struct fake_target_opts *o = &c->t->opts;

	memset(cd, 0, sizeof(*cd));
	memcpy(cd->sn, "FAKE0001            ", sizeof(cd->sn));
	memcpy(cd->mn, "spdkrt fake NVMe/TCP target             ", sizeof(cd->mn));
	memcpy(cd->fr, "1.0     ", sizeof(cd->fr));
	cd->mdts = 5; /* 128 KiB */
	cd->cntlid = 1;
	cd->ver = 0x00010300;
	cd->cntrltype = c->discovery ? 2 : 1;
	cd->lpa = o->no_edlp ? 0 : SPDKRT_NVME_LPA_EDLP;
	cd->kas = 10;
	cd->sqes = 0x66;
	cd->cqes = 0x44;
	cd->maxcmd = 128;
	cd->nn = c->discovery ? 0 : 1;
	cd->sgls = 0x1 | SPDKRT_NVME_SGLS_OFFSET;
	snprintf(cd->subnqn, sizeof(cd->subnqn), "%s",
		 c->discovery ? SPDKRT_NVMF_DISCOVERY_NQN : FAKE_TARGET_NQN);
	cd->nvmf_specific.ioccsz = 4 + 4096 / 16; /* 4 KiB in-capsule data */
	cd->nvmf_specific.iorcsz = 1;
	cd->nvmf_specific.msdbd = 1;
}

static void fill_nsdata(struct fake_conn *c, struct spdkrt_nvme_ns_data *nd)
{
	uint64_t blocks = c->t->opts.num_blocks ? c->t->opts.num_blocks : 1024;

	memset(nd, 0, sizeof(*nd));
	nd->nsze = nd->ncap = nd->nuse = blocks;
	nd->nlbaf = 0;
	nd->flbas = 0;
	/* LBA format 0: 512-byte blocks (LBADS 9 at bits 23:16 of the first format dword). */
	{
		uint32_t lbaf0 = 9u << 16;

		memcpy((uint8_t *)nd + 128, &lbaf0, 4);
	}
}

/* The discovery log as it is now; a bump adds an entry and a generation. */
static uint8_t *build_log(struct fake_target *t, uint64_t *len_out)
{
	struct spdkrt_nvmf_discovery_log_page *hdr;
	uint64_t len;
	uint8_t *page;
	char port[8];

	/* Every entry points back here: probing through the log attaches to this target. */
	snprintf(port, sizeof(port), "%u", t->port);
	pthread_mutex_lock(&t->lock);
	t->log_reads++;
	if ((t->opts.genctr_bump_reads != 0 && t->log_reads == t->opts.genctr_bump_reads) ||
	    t->opts.genctr_bump_always) {
		t->genctr++;
		t->numrec++;
	}
	len = sizeof(*hdr) + (uint64_t)t->numrec * sizeof(struct spdkrt_nvmf_discovery_log_entry);
	page = calloc(1, len);
	if (page != NULL) {
		hdr = (void *)page;
		hdr->genctr = t->genctr;
		hdr->numrec = t->opts.claimed_numrec ? t->opts.claimed_numrec : t->numrec;
		for (uint32_t i = 0; i < t->numrec; i++) {
			struct spdkrt_nvmf_discovery_log_entry *e =
				(void *)(page + sizeof(*hdr) + i * sizeof(*e));

			e->trtype = SPDKRT_NVMF_TRTYPE_TCP;
			e->adrfam = SPDKRT_NVMF_ADRFAM_IPV4;
			e->subtype = SPDKRT_NVMF_SUBTYPE_NVME;
			e->portid = (uint16_t)i;
			e->cntlid = 0xffff;
			memset(e->trsvcid, ' ', sizeof(e->trsvcid));
			memcpy(e->trsvcid, port, strlen(port));
			memset(e->traddr, ' ', sizeof(e->traddr));
			memcpy(e->traddr, "127.0.0.1", 9);
			snprintf(e->subnqn, sizeof(e->subnqn), "nqn.2026-12.io.spdkrt:sub%u", i);
		}
	}
	pthread_mutex_unlock(&t->lock);
	*len_out = len;
	return page;
}

static uint32_t cmd_data_len(const struct spdkrt_nvme_cmd *cmd)
{
	uint32_t len;

	memcpy(&len, (const uint8_t *)cmd + 32, sizeof(len)); /* SGL1 length */
	return len;
}

static int admin_cmd(struct fake_conn *c, const struct spdkrt_nvme_cmd *cmd)
{
	uint32_t len = cmd_data_len(cmd);
	bool fault = take_fault(c, cmd);
	uint8_t buf[4096];

	switch (cmd->opc) {
	case SPDKRT_NVME_OPC_IDENTIFY:
		memset(buf, 0, sizeof(buf));
		if ((cmd->cdw10 & 0xFFu) == SPDKRT_NVME_IDENTIFY_CTRLR)
			fill_cdata(c, (void *)buf);
		else if ((cmd->cdw10 & 0xFFu) == SPDKRT_NVME_IDENTIFY_NS && cmd->nsid == 1)
			fill_nsdata(c, (void *)buf);
		else if ((cmd->cdw10 & 0xFFu) == SPDKRT_NVME_IDENTIFY_ACTIVE_NS_LIST &&
			 cmd->nsid == 0 && !c->discovery)
			buf[0] = 1;
		return send_data(c, cmd->cid, buf, len < sizeof(buf) ? len : sizeof(buf), fault);
	case SPDKRT_NVME_OPC_GET_LOG_PAGE: {
		uint64_t offset = (uint64_t)cmd->cdw13 << 32 | cmd->cdw12, page_len;
		uint8_t *page, *out;
		int rc;

		if ((cmd->cdw10 & 0xFFu) != SPDKRT_NVME_LOG_DISCOVERY || len > FAKE_MAX_PDU) {
			memset(buf, 0, sizeof(buf));
			return send_data(c, cmd->cid, buf, len < sizeof(buf) ? len : sizeof(buf),
					 fault);
		}
		page = build_log(c->t, &page_len);
		out = calloc(1, len ? len : 1);
		if (page == NULL || out == NULL) {
			free(page);
			free(out);
			return -1;
		}
		if (offset < page_len)
			memcpy(out, page + offset,
			       page_len - offset < len ? page_len - offset : len);
		rc = send_data(c, cmd->cid, out, len, fault);
		free(page);
		free(out);
		return rc;
	}
	case SPDKRT_NVME_OPC_SET_FEATURES:
		if ((cmd->cdw10 & 0xFFu) == SPDKRT_NVME_FEAT_NUMBER_OF_QUEUES)
			return send_resp(c, cmd->cid,
					 (FAKE_NUM_QUEUES - 1) | (FAKE_NUM_QUEUES - 1) << 16, 0, 0,
					 false);
		return send_resp(c, cmd->cid, 0, 0, 0, false);
	case SPDKRT_NVME_OPC_ASYNC_EVENT_REQUEST:
		return 0; /* held: nothing happens here */
	case SPDKRT_NVME_OPC_KEEP_ALIVE:
		note(c->t, &c->t->keep_alives, 1);
		kato_restart(c);
		return send_resp(c, cmd->cid, 0, 0, 0, false);
	default:
		if (len > 0 && len <= sizeof(buf)) {
			memset(buf, 0, sizeof(buf));
			return send_data(c, cmd->cid, buf, len, false);
		}
		return send_resp(c, cmd->cid, 0, 0, 0, false);
	}
}

static int fabrics_cmd(struct fake_conn *c, const struct spdkrt_nvme_cmd *cmd, const uint8_t *icd,
		       uint32_t icd_len)
{
	const struct spdkrt_nvmf_capsule_cmd *fc = (const void *)cmd;

	switch (fc->fctype) {
	case SPDKRT_NVMF_FCTYPE_CONNECT: {
		const struct spdkrt_nvmf_connect_cmd *cc = (const void *)cmd;

		c->qid = cc->qid;
		if (cc->qid == 0) {
			c->kato_ms = cc->kato;
			pthread_mutex_lock(&c->t->lock);
			c->t->kato_ms = cc->kato;
			pthread_mutex_unlock(&c->t->lock);
			kato_restart(c);
		}
		/* Which controller: the discovery one, or the NVM subsystem (any other NQN). */
		if (icd_len >= sizeof(struct spdkrt_nvmf_connect_data)) {
			const struct spdkrt_nvmf_connect_data *cd = (const void *)icd;

			c->discovery = strncmp(cd->subnqn, SPDKRT_NVMF_DISCOVERY_NQN,
					       sizeof(cd->subnqn)) == 0;
		}
		if (cc->qid != 0 && c->t->opts.hand_over_io) {
			/* Handed over before the answer, so that the test finds it once its
			 * Connect returns; this thread then leaves the connection alone. */
			pthread_mutex_lock(&c->t->lock);
			c->t->hand_fd = c->fd;
			pthread_mutex_unlock(&c->t->lock);
			return send_resp(c, cmd->cid, 1, 0, 0, false) == 0 ? 1 : -1;
		}
		return send_resp(c, cmd->cid, 1 /* cntlid */, 0, 0, false);
	}
	case SPDKRT_NVMF_FCTYPE_PROPERTY_GET: {
		const struct spdkrt_nvmf_property_get_cmd *pg = (const void *)cmd;
		uint64_t v = 0;
		struct srt_tcp_capsule_resp r = { .ch.pdu_type = SRT_TCP_PDU_CAPSULE_RESP };

		if (pg->ofst == SPDKRT_NVME_REG_CAP)
			v = 127u | 1u << 16 | 10ull << 24 | 1ull << 37; /* MQES, CQR, TO 5 s, NVM */
		else if (pg->ofst == SPDKRT_NVME_REG_VS)
			v = 0x00010300;
		else if (pg->ofst == SPDKRT_NVME_REG_CC)
			v = c->cc;
		else if (pg->ofst == SPDKRT_NVME_REG_CSTS)
			v = (c->cc & 1u) | ((c->cc >> 14) & 3u ? 2u << 2 : 0);
		memcpy(&r.rccqe, &v, sizeof(v));
		r.rccqe.cid = cmd->cid;
		return send_pdu(c, &r, sizeof(r), NULL, 0, false, false);
	}
	case SPDKRT_NVMF_FCTYPE_PROPERTY_SET: {
		const struct spdkrt_nvmf_property_set_cmd *ps = (const void *)cmd;

		if (ps->ofst == SPDKRT_NVME_REG_CC)
			c->cc = (uint32_t)ps->value;
		return send_resp(c, cmd->cid, 0, 0, 0, false);
	}
	default:
		return send_resp(c, cmd->cid, 0, SPDKRT_NVME_SCT_GENERIC,
				 SPDKRT_NVME_SC_INVALID_OPCODE, false);
	}
}

/* An H2CData PDU that breaks the rules of its R2T: counted, logged, and the connection ends. */
static int h2c_error(struct fake_conn *c, const char *what)
{
	fprintf(stderr, "fake target: bad H2CData: %s\n", what);
	note(c->t, &c->t->h2c_errors, 1);
	return -1;
}

/* Receives the H2CData PDUs answering the R2T [r2to, r2to + r2tl) of ttag into dst (the
 * command's whole buffer), checking each against MAXH2CDATA, the offsets, LAST_PDU on the last
 * one only, and the data digest. 0 or -1. */
static int recv_h2c(struct fake_conn *c, uint8_t *dst, uint16_t ttag, uint32_t r2to, uint32_t r2tl)
{
	uint32_t maxh2cdata = c->t->opts.maxh2cdata ? c->t->opts.maxh2cdata : 128u * 1024;
	uint32_t got = 0;

	while (got < r2tl) {
		struct srt_tcp_data_hdr h;
		uint8_t skip[SRT_TCP_DIGEST_LEN * 2];
		uint32_t pad, crc;
		bool last;

		if (recv_all(c, &h, sizeof(h)) != 0 || h.ch.pdu_type != SRT_TCP_PDU_H2C_DATA ||
		    h.ch.pdo < sizeof(h))
			return h2c_error(c, "not an H2CData PDU");
		if (h.ttag != ttag)
			return h2c_error(c, "wrong transfer tag");
		if (h.datao != r2to + got || h.datal == 0 || h.datal > r2tl - got)
			return h2c_error(c, "offset or length outside the R2T");
		if (h.datal > maxh2cdata)
			return h2c_error(c, "longer than MAXH2CDATA");
		last = (h.ch.flags & SRT_TCP_FLAG_LAST_PDU) != 0;
		if (last != (got + h.datal == r2tl))
			return h2c_error(c, "LAST_PDU flag not on exactly the last PDU of the R2T");
		pad = h.ch.pdo - sizeof(h);
		if (pad > sizeof(skip) || recv_all(c, skip, pad) != 0 ||
		    recv_all(c, dst + h.datao, h.datal) != 0)
			return -1;
		if (c->ddgst) {
			if (recv_all(c, &crc, sizeof(crc)) != 0)
				return -1;
			if (crc != srt_crc32c(dst + h.datao, h.datal))
				return h2c_error(c, "data digest mismatch");
		}
		pthread_mutex_lock(&c->t->lock);
		c->t->h2c_pdus++;
		if (h.datal > c->t->h2c_max_datal)
			c->t->h2c_max_datal = h.datal;
		pthread_mutex_unlock(&c->t->lock);
		got += h.datal;
	}
	return 0;
}

static int io_cmd(struct fake_conn *c, const struct spdkrt_nvme_cmd *cmd, const uint8_t *icd,
		  uint32_t icd_len)
{
	struct fake_target *t = c->t;
	uint64_t blocks = t->opts.num_blocks ? t->opts.num_blocks : 1024;
	uint64_t slba = (uint64_t)cmd->cdw11 << 32 | cmd->cdw10;
	uint32_t nlb = (cmd->cdw12 & 0xFFFFu) + 1, len = nlb * FAKE_BLOCK;
	bool fault = take_fault(c, cmd);

	if (cmd->opc != SPDKRT_NVME_OPC_READ && cmd->opc != SPDKRT_NVME_OPC_WRITE)
		return send_resp(c, cmd->cid, 0, 0, 0, false);
	if (cmd->nsid != 1 || slba + nlb > blocks || cmd_data_len(cmd) != len)
		return send_resp(c, cmd->cid, 0, SPDKRT_NVME_SCT_GENERIC,
				 SPDKRT_NVME_SC_INVALID_FIELD, false);
	if (cmd->opc == SPDKRT_NVME_OPC_READ)
		return send_data(c, cmd->cid, t->blocks + slba * FAKE_BLOCK, len, fault);
	if (icd_len > 0) {
		if (icd_len != len)
			return -1;
		memcpy(t->blocks + slba * FAKE_BLOCK, icd, len);
	} else {
		uint32_t chunk = t->opts.r2t_chunk ? t->opts.r2t_chunk : len;

		if (fault && send_fault_instead(c, cmd->cid))
			return 0;
		/* One R2T at a time (the host's MAXR2T is 0), each for the next part. */
		for (uint32_t off = 0; off < len; off += chunk) {
			struct srt_tcp_r2t r2t = { .ch.pdu_type = SRT_TCP_PDU_R2T };

			r2t.cccid = cmd->cid;
			r2t.ttag = (uint16_t)(1 + off / chunk);
			r2t.r2to = off;
			r2t.r2tl = len - off < chunk ? len - off : chunk;
			if (fault && t->opts.fault == FAKE_FAULT_R2T_BEYOND)
				r2t.r2tl = len + 65536;
			if (fault && t->opts.fault == FAKE_FAULT_R2T_UNKNOWN_CID)
				r2t.cccid = cmd->cid ^ 0x5a5a;
			if (send_pdu(c, &r2t, sizeof(r2t), NULL, 0, false, false) != 0)
				return -1;
			if (fault)
				return 0; /* the host must refuse; whatever it sends is not data */
			note(t, &t->r2ts, 1);
			if (recv_h2c(c, t->blocks + slba * FAKE_BLOCK, r2t.ttag, off, r2t.r2tl) !=
			    0)
				return -1;
		}
	}
	return send_resp(c, cmd->cid, 0, 0, 0, false);
}

static int icresp(struct fake_conn *c)
{
	struct srt_tcp_ic_req req;
	struct srt_tcp_ic_resp resp = { 0 };
	const struct fake_target_opts *o = &c->t->opts;

	if (recv_all(c, &req, sizeof(req)) != 0 || req.ch.pdu_type != SRT_TCP_PDU_ICREQ)
		return -1;
	resp.ch.pdu_type = o->icresp_type ? o->icresp_type : SRT_TCP_PDU_ICRESP;
	resp.ch.hlen = sizeof(resp);
	resp.ch.plen = o->icresp_plen ? o->icresp_plen : sizeof(resp);
	resp.pfv = o->pfv;
	resp.cpda = o->cpda;
	resp.dgst = o->flip_digests ? (uint8_t)(req.dgst ^ 3u) : req.dgst;
	resp.maxh2cdata = o->maxh2cdata ? o->maxh2cdata : 128u * 1024;
	c->hdgst = req.dgst & SRT_TCP_DGST_HDGST;
	c->ddgst = req.dgst & SRT_TCP_DGST_DDGST;
	return fake_target_send_all(c->fd, &resp, sizeof(resp));
}

static void serve(struct fake_conn *c)
{
	uint8_t *pdu = malloc(FAKE_MAX_PDU);

	if (pdu == NULL || icresp(c) != 0)
		goto out;
	for (;;) {
		struct srt_tcp_ch *ch = (void *)pdu;
		const struct spdkrt_nvme_cmd *cmd = (const void *)(pdu + sizeof(*ch));
		uint32_t icd_len = 0;
		int rc;

		if (wait_next_pdu(c) != 0 || recv_all(c, pdu, sizeof(*ch)) != 0 ||
		    ch->plen < sizeof(*ch) || ch->plen > FAKE_MAX_PDU ||
		    recv_all(c, pdu + sizeof(*ch), ch->plen - sizeof(*ch)) != 0)
			break;
		if (ch->pdu_type != SRT_TCP_PDU_CAPSULE_CMD || ch->hlen != 72)
			break; /* H2CData arrives only inside io_cmd; anything else ends it */
		if (ch->pdo != 0 && ch->pdo < ch->plen)
			icd_len = ch->plen - ch->pdo - (c->ddgst ? SRT_TCP_DIGEST_LEN : 0);
		if (cmd->opc == SPDKRT_NVME_OPC_FABRIC)
			rc = fabrics_cmd(c, cmd, icd_len ? pdu + ch->pdo : NULL, icd_len);
		else if (c->qid == 0)
			rc = admin_cmd(c, cmd);
		else
			rc = io_cmd(c, cmd, icd_len ? pdu + ch->pdo : NULL, icd_len);
		if (rc != 0)
			break;
	}
out:
	free(pdu);
}

static void *conn_thread(void *arg)
{
	struct fake_conn *c = arg;

	serve(c);
	free(c);
	return NULL;
}

static void *acceptor(void *arg)
{
	struct fake_target *t = arg;

	while (!atomic_load(&t->stop)) {
		struct pollfd pfd = { .fd = t->listen_fd, .events = POLLIN };
		struct fake_conn *c;
		int fd, one = 1;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		fd = accept(t->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		pthread_mutex_lock(&t->lock);
		if (c == NULL ||
		    t->threads == sizeof(t->conn_threads) / sizeof(t->conn_threads[0])) {
			pthread_mutex_unlock(&t->lock);
			free(c);
			close(fd);
			continue;
		}
		c->t = t;
		c->fd = fd;
		t->conn_fds[t->threads] = fd;
		if (pthread_create(&t->conn_threads[t->threads], NULL, conn_thread, c) != 0) {
			free(c);
			close(fd);
		} else {
			t->threads++;
			t->connections++;
		}
		pthread_mutex_unlock(&t->lock);
	}
	return NULL;
}

int fake_target_start(struct fake_target *t, const struct fake_target_opts *opts)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	uint64_t blocks;
	int one = 1;

	memset(t, 0, sizeof(*t));
	t->opts = *opts;
	t->numrec = opts->numrec;
	t->genctr = 1;
	t->hand_fd = -1;
	pthread_mutex_init(&t->lock, NULL);
	blocks = opts->num_blocks ? opts->num_blocks : 1024;
	t->blocks = calloc(blocks, FAKE_BLOCK);
	if (t->blocks == NULL)
		return -ENOMEM;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (t->listen_fd < 0)
		return -errno;
	setsockopt(t->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(t->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(t->listen_fd, 16) != 0 ||
	    getsockname(t->listen_fd, (struct sockaddr *)&sa, &sl) != 0) {
		int rc = -errno;

		close(t->listen_fd);
		return rc;
	}
	t->port = ntohs(sa.sin_port);
	if (pthread_create(&t->acceptor, NULL, acceptor, t) != 0) {
		close(t->listen_fd);
		return -EAGAIN;
	}
	return 0;
}

void fake_target_stop(struct fake_target *t)
{
	atomic_store(&t->stop, true);
	pthread_join(t->acceptor, NULL);
	for (unsigned i = 0; i < t->threads; i++) {
		shutdown(t->conn_fds[i], SHUT_RDWR);
		pthread_join(t->conn_threads[i], NULL);
		close(t->conn_fds[i]);
	}
	close(t->listen_fd);
	free(t->blocks);
	pthread_mutex_destroy(&t->lock);
}

void fake_target_trid(const struct fake_target *t, char *buf, size_t size)
{
	snprintf(buf, size, "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:%u subnqn:%s", t->port,
		 t->opts.discovery ? SPDKRT_NVMF_DISCOVERY_NQN : FAKE_TARGET_NQN);
}

int fake_target_env_setup(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.no_huge = true;
	opts.core_mask = "0";
	return spdkrt_env_init(&opts);
}

int fake_target_env_teardown(void **state)
{
	(void)state;
	spdkrt_env_fini();
	return 0;
}
