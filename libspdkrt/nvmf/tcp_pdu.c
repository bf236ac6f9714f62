/* SPDX-License-Identifier: BSD-3-Clause */
/* Checks on received NVMe/TCP common headers: nothing in a header is trusted before this. */
#include "nvmf/tcp_pdu.h"

#include <stddef.h>
#include <string.h>

const char *srt_tcp_pdu_type_name(uint8_t type)
{
	switch (type) {
	case SRT_TCP_PDU_ICREQ:
		return "ICReq";
	case SRT_TCP_PDU_ICRESP:
		return "ICResp";
	case SRT_TCP_PDU_H2C_TERM_REQ:
		return "H2CTermReq";
	case SRT_TCP_PDU_C2H_TERM_REQ:
		return "C2HTermReq";
	case SRT_TCP_PDU_CAPSULE_CMD:
		return "CapsuleCmd";
	case SRT_TCP_PDU_CAPSULE_RESP:
		return "CapsuleResp";
	case SRT_TCP_PDU_H2C_DATA:
		return "H2CData";
	case SRT_TCP_PDU_C2H_DATA:
		return "C2HData";
	case SRT_TCP_PDU_R2T:
		return "R2T";
	default:
		return "unknown";
	}
}

void srt_tcp_ch_init(struct srt_tcp_ch *ch, enum srt_tcp_pdu_type type, uint8_t flags, uint8_t hlen,
		     uint8_t pdo, uint32_t plen)
{
	ch->pdu_type = (uint8_t)type;
	ch->flags = flags;
	ch->hlen = hlen;
	ch->pdo = pdo;
	ch->plen = plen;
}

/* Header length of each PDU type one side may send; 0 for types it never sends. */
static uint32_t pdu_hlen(uint8_t type, bool from_host)
{
	switch (type) {
	case SRT_TCP_PDU_ICREQ:
		return from_host ? sizeof(struct srt_tcp_ic_req) : 0;
	case SRT_TCP_PDU_H2C_TERM_REQ:
		return from_host ? sizeof(struct srt_tcp_term_req) : 0;
	case SRT_TCP_PDU_CAPSULE_CMD:
		return from_host ? sizeof(struct srt_tcp_capsule_cmd) : 0;
	case SRT_TCP_PDU_H2C_DATA:
		return from_host ? sizeof(struct srt_tcp_data_hdr) : 0;
	case SRT_TCP_PDU_ICRESP:
		return from_host ? 0 : sizeof(struct srt_tcp_ic_resp);
	case SRT_TCP_PDU_C2H_TERM_REQ:
		return from_host ? 0 : sizeof(struct srt_tcp_term_req);
	case SRT_TCP_PDU_CAPSULE_RESP:
		return from_host ? 0 : sizeof(struct srt_tcp_capsule_resp);
	case SRT_TCP_PDU_C2H_DATA:
		return from_host ? 0 : sizeof(struct srt_tcp_data_hdr);
	case SRT_TCP_PDU_R2T:
		return from_host ? 0 : sizeof(struct srt_tcp_r2t);
	default:
		return 0;
	}
}

#define FIELD(f) ((uint32_t)offsetof(struct srt_tcp_ch, f))

static int pdu_check(const struct srt_tcp_ch *ch, const struct srt_tcp_pdu_limits *limits,
		     struct srt_tcp_pdu_layout *layout, uint32_t *fei, bool from_host)
{
	uint32_t hlen = pdu_hlen(ch->pdu_type, from_host), hdgst_len = 0, ddgst_len = 0;
	bool is_ic = ch->pdu_type == (from_host ? SRT_TCP_PDU_ICREQ : SRT_TCP_PDU_ICRESP);
	bool is_term = ch->pdu_type ==
		       (from_host ? SRT_TCP_PDU_H2C_TERM_REQ : SRT_TCP_PDU_C2H_TERM_REQ);
	bool is_data = ch->pdu_type == (from_host ? SRT_TCP_PDU_H2C_DATA : SRT_TCP_PDU_C2H_DATA);
	/* Only capsule commands and data PDUs carry a data segment with a pdo. */
	bool may_carry_data = is_data || ch->pdu_type == SRT_TCP_PDU_CAPSULE_CMD;

	memset(layout, 0, sizeof(*layout));
	*fei = FIELD(pdu_type);
	if (hlen == 0)
		return SRT_TCP_FES_INVALID_HEADER_FIELD;
	/* ICReq first and only once; a TermReq may come at any time. */
	if (!is_term && is_ic == limits->ic_done)
		return SRT_TCP_FES_PDU_SEQUENCE_ERROR;
	*fei = FIELD(hlen);
	if (ch->hlen != hlen)
		return SRT_TCP_FES_INVALID_HEADER_FIELD;
	*fei = FIELD(flags);
	if (is_ic || is_term) {
		if ((ch->flags & (SRT_TCP_FLAG_HDGSTF | SRT_TCP_FLAG_DDGSTF)) != 0)
			return SRT_TCP_FES_INVALID_HEADER_FIELD;
	} else {
		if (((ch->flags & SRT_TCP_FLAG_HDGSTF) != 0) != limits->hdgst)
			return SRT_TCP_FES_INVALID_HEADER_FIELD;
		if ((ch->flags & SRT_TCP_FLAG_DDGSTF) != 0 && !limits->ddgst)
			return SRT_TCP_FES_INVALID_HEADER_FIELD;
		hdgst_len = limits->hdgst ? SRT_TCP_DIGEST_LEN : 0;
		ddgst_len = (ch->flags & SRT_TCP_FLAG_DDGSTF) != 0 ? SRT_TCP_DIGEST_LEN : 0;
	}
	*fei = FIELD(plen);
	if (is_ic) {
		layout->hdr_len = hlen;
		return ch->plen == hlen ? 0 : SRT_TCP_FES_INVALID_HEADER_FIELD;
	}
	if (ch->plen < hlen + hdgst_len)
		return SRT_TCP_FES_INVALID_HEADER_FIELD;
	layout->hdr_len = hlen + hdgst_len;
	if (ch->plen == layout->hdr_len) {
		/* No data: no data digest flag, and a data PDU must carry data. */
		*fei = ddgst_len != 0 ? FIELD(flags) : FIELD(plen);
		if (ddgst_len != 0 || is_data)
			return SRT_TCP_FES_INVALID_HEADER_FIELD;
		return 0;
	}
	/* A data segment: it starts at pdo, after the header and its digest. */
	*fei = FIELD(pdo);
	if (is_term) {
		/* TermReq data (the offending header) has no pdo and no digest. */
		*fei = FIELD(plen);
		if (ch->plen - hlen > SRT_TCP_TERM_REQ_MAX_DATA + SRT_TCP_MAX_HDR_LEN)
			return SRT_TCP_FES_INVALID_HEADER_FIELD;
		layout->data_off = hlen;
		layout->data_len = ch->plen - hlen;
		return 0;
	}
	if (!may_carry_data || ch->pdo < layout->hdr_len || ch->pdo > ch->plen)
		return SRT_TCP_FES_INVALID_HEADER_FIELD;
	*fei = FIELD(plen);
	if (ch->plen - ch->pdo < ddgst_len)
		return SRT_TCP_FES_INVALID_HEADER_FIELD;
	*fei = FIELD(flags);
	if (limits->ddgst && ddgst_len == 0)
		return SRT_TCP_FES_INVALID_HEADER_FIELD;
	*fei = FIELD(plen);
	layout->data_off = ch->pdo;
	layout->data_len = ch->plen - ch->pdo - ddgst_len;
	layout->ddgst = ddgst_len != 0;
	if (layout->data_len == 0 || layout->data_len > limits->max_data)
		return SRT_TCP_FES_DATA_OUT_OF_RANGE;
	return 0;
}

int srt_tcp_pdu_check_h2c(const struct srt_tcp_ch *ch, const struct srt_tcp_pdu_limits *limits,
			  struct srt_tcp_pdu_layout *layout, uint32_t *fei)
{
	return pdu_check(ch, limits, layout, fei, true);
}

int srt_tcp_pdu_check_c2h(const struct srt_tcp_ch *ch, const struct srt_tcp_pdu_limits *limits,
			  struct srt_tcp_pdu_layout *layout, uint32_t *fei)
{
	return pdu_check(ch, limits, layout, fei, false);
}
