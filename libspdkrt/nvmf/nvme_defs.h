/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe base and NVMe-oF structures the target reads and writes (NVMe 1.4, NVMe-oF 1.1),
 * private until the public nvme_spec.h lands. All fields little-endian (x86 and arm64 hosts).
 */
#ifndef SRT_NVMF_NVME_DEFS_H
#define SRT_NVMF_NVME_DEFS_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* SGL descriptor (16 bytes); type in the high nibble of the last byte, subtype in the low. */
struct srt_nvme_sgl {
	uint64_t address;
	uint32_t length;
	uint8_t keyed_length_hi[3];
	uint8_t type_subtype;
} __attribute__((packed));
static_assert(sizeof(struct srt_nvme_sgl) == 16, "SGL descriptor size");

#define SRT_NVME_SGL_TYPE_DATA_BLOCK 0x0
#define SRT_NVME_SGL_TYPE_TRANSPORT_DATA_BLOCK 0x5
#define SRT_NVME_SGL_SUBTYPE_ADDRESS 0x0
#define SRT_NVME_SGL_SUBTYPE_OFFSET 0x1
#define SRT_NVME_SGL_SUBTYPE_TRANSPORT 0xa

/* Submission queue entry (64 bytes). Fabrics commands overlay it (srt_nvmf_*_cmd). */
struct srt_nvme_cmd {
	uint8_t opc;
	uint8_t flags; /* FUSE 1:0, PSDT 7:6 */
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2;
	uint32_t cdw3;
	uint64_t mptr;
	struct srt_nvme_sgl sgl1;
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
} __attribute__((packed));
static_assert(sizeof(struct srt_nvme_cmd) == 64, "SQE size");

/* Completion queue entry (16 bytes). status: P bit 0, SC 8:1, SCT 11:9, MORE 14, DNR 15. */
struct srt_nvme_cpl {
	uint32_t cdw0;
	uint32_t cdw1;
	uint16_t sqhd;
	uint16_t sqid;
	uint16_t cid;
	uint16_t status;
} __attribute__((packed));
static_assert(sizeof(struct srt_nvme_cpl) == 16, "CQE size");

#define SRT_NVME_STATUS(sct, sc) ((uint16_t)((((sct)&0x7u) << 9) | (((sc)&0xffu) << 1)))
#define SRT_NVME_STATUS_DNR 0x8000u
#define SRT_NVME_STATUS_SCT(st) (((st) >> 9) & 0x7u)
#define SRT_NVME_STATUS_SC(st) (((st) >> 1) & 0xffu)

enum srt_nvme_sct {
	SRT_NVME_SCT_GENERIC = 0,
	SRT_NVME_SCT_COMMAND_SPECIFIC = 1,
	SRT_NVME_SCT_MEDIA = 2,
};

enum srt_nvme_generic_sc {
	SRT_NVME_SC_SUCCESS = 0x00,
	SRT_NVME_SC_INVALID_OPCODE = 0x01,
	SRT_NVME_SC_INVALID_FIELD = 0x02,
	SRT_NVME_SC_DATA_TRANSFER_ERROR = 0x04,
	SRT_NVME_SC_ABORTED_BY_REQUEST = 0x07,
	SRT_NVME_SC_INTERNAL_DEVICE_ERROR = 0x06,
	SRT_NVME_SC_INVALID_NAMESPACE = 0x0b,
	SRT_NVME_SC_COMMAND_SEQUENCE_ERROR = 0x0c,
	SRT_NVME_SC_DATA_SGL_LENGTH_INVALID = 0x0f,
	SRT_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID = 0x11,
	SRT_NVME_SC_SGL_OFFSET_INVALID = 0x16,
	SRT_NVME_SC_LBA_OUT_OF_RANGE = 0x80,
	SRT_NVME_SC_CAPACITY_EXCEEDED = 0x81,
	SRT_NVME_SC_NAMESPACE_NOT_READY = 0x82,
};

enum srt_nvme_command_specific_sc {
	SRT_NVME_SC_INVALID_QUEUE_IDENTIFIER = 0x01,
	SRT_NVME_SC_ASYNC_EVENT_LIMIT_EXCEEDED = 0x05,
	SRT_NVME_SC_INVALID_LOG_PAGE = 0x09,
	SRT_NVME_SC_FEATURE_NOT_CHANGEABLE = 0x0e,
	SRT_NVME_SC_FEATURE_NOT_SAVEABLE = 0x0d,
	/* Fabrics Connect */
	SRT_NVMF_SC_CONNECT_INCOMPATIBLE_FORMAT = 0x80,
	SRT_NVMF_SC_CONNECT_CONTROLLER_BUSY = 0x81,
	SRT_NVMF_SC_CONNECT_INVALID_PARAMETERS = 0x82,
	SRT_NVMF_SC_CONNECT_INVALID_HOST = 0x84,
};

enum srt_nvme_media_sc {
	SRT_NVME_SC_WRITE_FAULT = 0x80,
	SRT_NVME_SC_UNRECOVERED_READ_ERROR = 0x81,
	SRT_NVME_SC_COMPARE_FAILURE = 0x85,
};

enum srt_nvme_admin_opc {
	SRT_NVME_OPC_GET_LOG_PAGE = 0x02,
	SRT_NVME_OPC_IDENTIFY = 0x06,
	SRT_NVME_OPC_ABORT = 0x08,
	SRT_NVME_OPC_SET_FEATURES = 0x09,
	SRT_NVME_OPC_GET_FEATURES = 0x0a,
	SRT_NVME_OPC_ASYNC_EVENT_REQUEST = 0x0c,
	SRT_NVME_OPC_KEEP_ALIVE = 0x18,
	SRT_NVME_OPC_FABRICS = 0x7f,
};

enum srt_nvme_io_opc {
	SRT_NVME_OPC_FLUSH = 0x00,
	SRT_NVME_OPC_WRITE = 0x01,
	SRT_NVME_OPC_READ = 0x02,
	SRT_NVME_OPC_COMPARE = 0x05,
	SRT_NVME_OPC_WRITE_ZEROES = 0x08,
	SRT_NVME_OPC_DATASET_MANAGEMENT = 0x09,
};

/* Data direction from the opcode's low two bits. */
#define SRT_NVME_OPC_XFER(opc) ((opc)&0x3u)
#define SRT_NVME_XFER_NONE 0
#define SRT_NVME_XFER_HOST_TO_CTRLR 1
#define SRT_NVME_XFER_CTRLR_TO_HOST 2

/* Identify CNS values. */
#define SRT_NVME_CNS_NAMESPACE 0x00
#define SRT_NVME_CNS_CONTROLLER 0x01
#define SRT_NVME_CNS_ACTIVE_NS_LIST 0x02
#define SRT_NVME_CNS_NS_ID_DESCRIPTORS 0x03

/* Log pages. */
#define SRT_NVME_LOG_ERROR 0x01
#define SRT_NVME_LOG_SMART 0x02
#define SRT_NVME_LOG_FIRMWARE_SLOT 0x03
#define SRT_NVME_LOG_CHANGED_NS_LIST 0x04
#define SRT_NVME_LOG_DISCOVERY 0x70

/* Features. */
#define SRT_NVME_FEAT_ARBITRATION 0x01
#define SRT_NVME_FEAT_POWER_MANAGEMENT 0x02
#define SRT_NVME_FEAT_TEMPERATURE_THRESHOLD 0x04
#define SRT_NVME_FEAT_ERROR_RECOVERY 0x05
#define SRT_NVME_FEAT_VOLATILE_WRITE_CACHE 0x06
#define SRT_NVME_FEAT_NUMBER_OF_QUEUES 0x07
#define SRT_NVME_FEAT_WRITE_ATOMICITY 0x0a
#define SRT_NVME_FEAT_ASYNC_EVENT_CONFIG 0x0b
#define SRT_NVME_FEAT_KEEP_ALIVE_TIMER 0x0f
#define SRT_NVME_FEAT_HOST_IDENTIFIER 0x81

/* Asynchronous event: type notice, info "namespace attribute changed", log 04h. */
#define SRT_NVME_AER_NS_CHANGED (0x2u | ((uint32_t)SRT_NVME_LOG_CHANGED_NS_LIST << 16))
#define SRT_NVME_AEC_NS_ATTRIBUTE (1u << 8)

/* Controller properties (registers) a fabrics host reads and writes. */
#define SRT_NVME_PROP_CAP 0x00
#define SRT_NVME_PROP_VS 0x08
#define SRT_NVME_PROP_CC 0x14
#define SRT_NVME_PROP_CSTS 0x1c
#define SRT_NVME_CC_EN 0x1u
#define SRT_NVME_CC_SHN_SHIFT 14
#define SRT_NVME_CC_SHN_MASK (0x3u << SRT_NVME_CC_SHN_SHIFT)
#define SRT_NVME_CSTS_RDY 0x1u
#define SRT_NVME_CSTS_CFS 0x2u
#define SRT_NVME_CSTS_SHST_SHIFT 2
#define SRT_NVME_CSTS_SHST_MASK (0x3u << SRT_NVME_CSTS_SHST_SHIFT)
#define SRT_NVME_CSTS_SHST_COMPLETE (0x2u << SRT_NVME_CSTS_SHST_SHIFT)

/* Identify Controller (4096 bytes): the fields the target fills. */
struct srt_nvme_ctrlr_data {
	uint16_t vid;
	uint16_t ssvid;
	char sn[20];
	char mn[40];
	char fr[8];
	uint8_t rab;
	uint8_t ieee[3];
	uint8_t cmic;
	uint8_t mdts;
	uint16_t cntlid;
	uint32_t ver;
	uint32_t rtd3r;
	uint32_t rtd3e;
	uint32_t oaes;
	uint32_t ctratt;
	uint8_t rsvd100[11];
	uint8_t cntrltype;
	uint8_t fguid[16];
	uint8_t rsvd128[128];
	uint16_t oacs;
	uint8_t acl;
	uint8_t aerl;
	uint8_t frmw;
	uint8_t lpa;
	uint8_t elpe;
	uint8_t npss;
	uint8_t avscc;
	uint8_t apsta;
	uint16_t wctemp;
	uint16_t cctemp;
	uint8_t rsvd270[50];
	uint16_t kas;
	uint8_t rsvd322[190];
	uint8_t sqes;
	uint8_t cqes;
	uint16_t maxcmd;
	uint32_t nn;
	uint16_t oncs;
	uint16_t fuses;
	uint8_t fna;
	uint8_t vwc;
	uint16_t awun;
	uint16_t awupf;
	uint8_t nvscc;
	uint8_t nwpc;
	uint16_t acwu;
	uint16_t rsvd534;
	uint32_t sgls;
	uint32_t mnan;
	uint8_t rsvd544[224];
	char subnqn[256];
	uint8_t rsvd1024[768];
	uint32_t ioccsz;
	uint32_t iorcsz;
	uint16_t icdoff;
	uint8_t fcatt;
	uint8_t msdbd;
	uint16_t ofcs;
	uint8_t rsvd1806[242];
	uint8_t psd[32][32];
	uint8_t vs[1024];
} __attribute__((packed));
static_assert(sizeof(struct srt_nvme_ctrlr_data) == 4096, "Identify Controller size");
static_assert(offsetof(struct srt_nvme_ctrlr_data, kas) == 320, "KAS offset");
static_assert(offsetof(struct srt_nvme_ctrlr_data, sqes) == 512, "SQES offset");
static_assert(offsetof(struct srt_nvme_ctrlr_data, sgls) == 536, "SGLS offset");
static_assert(offsetof(struct srt_nvme_ctrlr_data, subnqn) == 768, "SUBNQN offset");
static_assert(offsetof(struct srt_nvme_ctrlr_data, ioccsz) == 1792, "IOCCSZ offset");

/* ONCS bits. */
#define SRT_NVME_ONCS_COMPARE (1u << 0)
#define SRT_NVME_ONCS_DSM (1u << 2)
#define SRT_NVME_ONCS_WRITE_ZEROES (1u << 3)

/* Identify Namespace (4096 bytes). */
struct srt_nvme_ns_data {
	uint64_t nsze;
	uint64_t ncap;
	uint64_t nuse;
	uint8_t nsfeat;
	uint8_t nlbaf;
	uint8_t flbas;
	uint8_t mc;
	uint8_t dpc;
	uint8_t dps;
	uint8_t nmic;
	uint8_t rescap;
	uint8_t fpi;
	uint8_t dlfeat;
	uint16_t nawun;
	uint16_t nawupf;
	uint16_t nacwu;
	uint16_t nabsn;
	uint16_t nabo;
	uint16_t nabspf;
	uint16_t noiob;
	uint8_t nvmcap[16];
	uint8_t rsvd64[40];
	uint8_t nguid[16];
	uint8_t eui64[8];
	uint32_t lbaf[16]; /* MS 15:0, LBADS 23:16, RP 25:24 */
	uint8_t rsvd192[3904];
} __attribute__((packed));
static_assert(sizeof(struct srt_nvme_ns_data) == 4096, "Identify Namespace size");
static_assert(offsetof(struct srt_nvme_ns_data, nguid) == 104, "NGUID offset");
static_assert(offsetof(struct srt_nvme_ns_data, lbaf) == 128, "LBAF offset");

/* Namespace identification descriptor types (CNS 03h). */
#define SRT_NVME_NIDT_EUI64 0x1
#define SRT_NVME_NIDT_NGUID 0x2
#define SRT_NVME_NIDT_UUID 0x3

/* Dataset Management range (16 bytes). */
struct srt_nvme_dsm_range {
	uint32_t attributes;
	uint32_t length;
	uint64_t slba;
} __attribute__((packed));
static_assert(sizeof(struct srt_nvme_dsm_range) == 16, "DSM range size");
#define SRT_NVME_DSM_ATTR_DEALLOCATE (1u << 2)

/* Fabrics command types. */
#define SRT_NVMF_FCTYPE_PROPERTY_SET 0x00
#define SRT_NVMF_FCTYPE_CONNECT 0x01
#define SRT_NVMF_FCTYPE_PROPERTY_GET 0x04
#define SRT_NVMF_FCTYPE_AUTH_SEND 0x05
#define SRT_NVMF_FCTYPE_AUTH_RECV 0x06
#define SRT_NVMF_FCTYPE_DISCONNECT 0x08

/* Connect command. */
struct srt_nvmf_connect_cmd {
	uint8_t opcode;
	uint8_t rsvd1;
	uint16_t cid;
	uint8_t fctype;
	uint8_t rsvd5[19];
	struct srt_nvme_sgl sgl1;
	uint16_t recfmt;
	uint16_t qid;
	uint16_t sqsize;
	uint8_t cattr;
	uint8_t rsvd47;
	uint32_t kato;
	uint8_t rsvd52[12];
} __attribute__((packed));
static_assert(sizeof(struct srt_nvmf_connect_cmd) == 64, "Connect command size");

/* Connect data (1024 bytes, the capsule's data). */
struct srt_nvmf_connect_data {
	uint8_t hostid[16];
	uint16_t cntlid;
	uint8_t rsvd18[238];
	char subnqn[256];
	char hostnqn[256];
	uint8_t rsvd768[256];
} __attribute__((packed));
static_assert(sizeof(struct srt_nvmf_connect_data) == 1024, "Connect data size");
static_assert(offsetof(struct srt_nvmf_connect_data, hostnqn) == 512, "HOSTNQN offset");

/* Property Get/Set command: attrib bits 2:0 size (0: 4 bytes, 1: 8 bytes). */
struct srt_nvmf_property_cmd {
	uint8_t opcode;
	uint8_t rsvd1;
	uint16_t cid;
	uint8_t fctype;
	uint8_t rsvd5[35];
	uint8_t attrib;
	uint8_t rsvd41[3];
	uint32_t ofst;
	uint64_t value;
	uint8_t rsvd56[8];
} __attribute__((packed));
static_assert(sizeof(struct srt_nvmf_property_cmd) == 64, "Property command size");

/* Discovery log page (header and entries 1024 bytes each). */
struct srt_nvmf_discovery_log_header {
	uint64_t genctr;
	uint64_t numrec;
	uint16_t recfmt;
	uint8_t rsvd18[1006];
} __attribute__((packed));
static_assert(sizeof(struct srt_nvmf_discovery_log_header) == 1024, "Discovery header size");

struct srt_nvmf_discovery_entry {
	uint8_t trtype;
	uint8_t adrfam;
	uint8_t subtype;
	uint8_t treq;
	uint16_t portid;
	uint16_t cntlid;
	uint16_t asqsz;
	uint8_t rsvd10[22];
	char trsvcid[32];
	uint8_t rsvd64[192];
	char subnqn[256];
	char traddr[256];
	uint8_t tsas[256];
} __attribute__((packed));
static_assert(sizeof(struct srt_nvmf_discovery_entry) == 1024, "Discovery entry size");

#define SRT_NVMF_TRTYPE_TCP 3
#define SRT_NVMF_ADRFAM_IPV4 1
#define SRT_NVMF_ADRFAM_IPV6 2
#define SRT_NVMF_SUBTYPE_DISCOVERY 1
#define SRT_NVMF_SUBTYPE_NVME 2
#define SRT_NVMF_TREQ_SECURE_CHANNEL_NOT_REQUIRED 0x2

#define SRT_NVMF_DISCOVERY_NQN "nqn.2014-08.org.nvmexpress.discovery"
#define SRT_NVMF_NQN_MAX_LEN 223

#endif
