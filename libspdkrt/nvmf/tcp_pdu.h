/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe/TCP transport PDUs (NVMe/TCP transport specification 1.0): layouts, and the checks a
 * receiver makes on a common header before it trusts any length in it.
 */
#ifndef SRT_NVMF_TCP_PDU_H
#define SRT_NVMF_TCP_PDU_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include <spdkrt/nvme_spec.h>

enum srt_tcp_pdu_type {
	SRT_TCP_PDU_ICREQ = 0x00,
	SRT_TCP_PDU_ICRESP = 0x01,
	SRT_TCP_PDU_H2C_TERM_REQ = 0x02,
	SRT_TCP_PDU_C2H_TERM_REQ = 0x03,
	SRT_TCP_PDU_CAPSULE_CMD = 0x04,
	SRT_TCP_PDU_CAPSULE_RESP = 0x05,
	SRT_TCP_PDU_H2C_DATA = 0x06,
	SRT_TCP_PDU_C2H_DATA = 0x07,
	SRT_TCP_PDU_R2T = 0x09,
};

/* Common header flags. */
#define SRT_TCP_FLAG_HDGSTF 0x01u
#define SRT_TCP_FLAG_DDGSTF 0x02u
#define SRT_TCP_FLAG_LAST_PDU 0x04u /* H2CData, C2HData */
#define SRT_TCP_FLAG_SUCCESS 0x08u  /* C2HData: no CapsuleResp follows */

/* ICReq/ICResp digest bits. */
#define SRT_TCP_DGST_HDGST 0x01u
#define SRT_TCP_DGST_DDGST 0x02u

#define SRT_TCP_DIGEST_LEN 4u
#define SRT_TCP_TERM_REQ_MAX_DATA 128u

/* Fatal error status of a TermReq. */
enum srt_tcp_fes {
	SRT_TCP_FES_INVALID_HEADER_FIELD = 0x01,
	SRT_TCP_FES_PDU_SEQUENCE_ERROR = 0x02,
	SRT_TCP_FES_HDGST_ERROR = 0x03,
	SRT_TCP_FES_DATA_OUT_OF_RANGE = 0x04,
	SRT_TCP_FES_R2T_LIMIT_EXCEEDED = 0x05,
	SRT_TCP_FES_UNSUPPORTED_PARAMETER = 0x06,
};

struct srt_tcp_ch {
	uint8_t pdu_type;
	uint8_t flags;
	uint8_t hlen;
	uint8_t pdo;
	uint32_t plen;
} __attribute__((packed));
static_assert(sizeof(struct srt_tcp_ch) == 8, "common header size");

struct srt_tcp_ic_req {
	struct srt_tcp_ch ch;
	uint16_t pfv;
	uint8_t hpda;
	uint8_t dgst;
	uint32_t maxr2t;
	uint8_t rsvd[112];
} __attribute__((packed));
static_assert(sizeof(struct srt_tcp_ic_req) == 128, "ICReq size");

struct srt_tcp_ic_resp {
	struct srt_tcp_ch ch;
	uint16_t pfv;
	uint8_t cpda;
	uint8_t dgst;
	uint32_t maxh2cdata;
	uint8_t rsvd[112];
} __attribute__((packed));
static_assert(sizeof(struct srt_tcp_ic_resp) == 128, "ICResp size");

struct srt_tcp_term_req {
	struct srt_tcp_ch ch;
	uint16_t fes;
	uint32_t fei;
	uint8_t rsvd[10];
} __attribute__((packed));
static_assert(sizeof(struct srt_tcp_term_req) == 24, "TermReq header size");

struct srt_tcp_capsule_cmd {
	struct srt_tcp_ch ch;
	struct spdkrt_nvme_cmd ccsqe;
} __attribute__((packed));
static_assert(sizeof(struct srt_tcp_capsule_cmd) == 72, "CapsuleCmd header size");

struct srt_tcp_capsule_resp {
	struct srt_tcp_ch ch;
	struct spdkrt_nvme_cpl rccqe;
} __attribute__((packed));
static_assert(sizeof(struct srt_tcp_capsule_resp) == 24, "CapsuleResp size");

/* H2CData and C2HData share one header layout. */
struct srt_tcp_data_hdr {
	struct srt_tcp_ch ch;
	uint16_t cccid;
	uint16_t ttag;
	uint32_t datao;
	uint32_t datal;
	uint32_t rsvd;
} __attribute__((packed));
static_assert(sizeof(struct srt_tcp_data_hdr) == 24, "data PDU header size");

struct srt_tcp_r2t {
	struct srt_tcp_ch ch;
	uint16_t cccid;
	uint16_t ttag;
	uint32_t r2to;
	uint32_t r2tl;
	uint32_t rsvd;
} __attribute__((packed));
static_assert(sizeof(struct srt_tcp_r2t) == 24, "R2T size");

/* Largest PDU header plus its digest: a receive buffer of this size holds any header. */
#define SRT_TCP_MAX_HDR_LEN (128u + SRT_TCP_DIGEST_LEN)

/* What a connection has negotiated, for checking received headers. */
struct srt_tcp_pdu_limits {
	bool ic_done;      /* ICReq/ICResp exchanged */
	bool hdgst;        /* header digests on */
	bool ddgst;        /* data digests on */
	uint32_t max_data; /* largest data segment accepted in one PDU */
};

/* Where a received PDU's parts are, once its common header is checked. */
struct srt_tcp_pdu_layout {
	uint32_t hdr_len;  /* hlen plus the header digest */
	uint32_t data_off; /* where data starts (pdo), 0 when no data */
	uint32_t data_len; /* data bytes, without the data digest */
	bool ddgst;        /* a data digest follows the data */
};

/*
 * Check the common header of a PDU the controller (target) received. @return 0 and fill
 * layout, or an srt_tcp_fes code with *fei the offset of the bad field (for a TermReq).
 */
int srt_tcp_pdu_check_h2c(const struct srt_tcp_ch *ch, const struct srt_tcp_pdu_limits *limits,
			  struct srt_tcp_pdu_layout *layout, uint32_t *fei);

/* The same check of a PDU the host received from the controller (the NVMe/TCP host uses it). */
int srt_tcp_pdu_check_c2h(const struct srt_tcp_ch *ch, const struct srt_tcp_pdu_limits *limits,
			  struct srt_tcp_pdu_layout *layout, uint32_t *fei);

/* @return the PDU type's name for log lines ("unknown" for others). */
const char *srt_tcp_pdu_type_name(uint8_t type);

/* Fill a common header for a PDU to send. */
void srt_tcp_ch_init(struct srt_tcp_ch *ch, enum srt_tcp_pdu_type type, uint8_t flags, uint8_t hlen,
		     uint8_t pdo, uint32_t plen);

#endif
