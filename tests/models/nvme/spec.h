/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe 1.4 facts the controller model needs, as byte offsets and values. The model keeps its own
 * reading of the specification on purpose: it is the oracle the driver (and its public
 * include/spdkrt/nvme_spec.h) is tested against, so a mistake in that header cannot hide itself.
 */
#ifndef NVME_MODEL_SPEC_H
#define NVME_MODEL_SPEC_H

#include <stdint.h>
#include <string.h>

/* Controller registers (BAR0 offsets). */
#define REG_CAP 0x00
#define REG_VS 0x08
#define REG_INTMS 0x0C
#define REG_INTMC 0x10
#define REG_CC 0x14
#define REG_CSTS 0x1C
#define REG_NSSR 0x20
#define REG_AQA 0x24
#define REG_ASQ 0x28
#define REG_ACQ 0x30
#define REG_CMBLOC 0x38
#define REG_CMBSZ 0x3C
#define REG_CMBMSC 0x50 /* 64-bit: CRE bit 0, CMSE bit 1, CBA bits 63:12 */
#define CMBMSC_CRE 0x1u
#define CMBMSC_CMSE 0x2u
#define CMBSZ_SQS 0x01u
#define CMBSZ_CQS 0x02u
#define CMBSZ_LISTS 0x04u
#define CMBSZ_RDS 0x08u
#define CMBSZ_WDS 0x10u
#define REG_DOORBELL 0x1000

#define CC_EN (1u << 0)
#define CC_CSS(cc) (((cc) >> 4) & 0x7)
#define CC_MPS(cc) (((cc) >> 7) & 0xF)
#define CC_AMS(cc) (((cc) >> 11) & 0x7)
#define CC_SHN(cc) (((cc) >> 14) & 0x3)
#define CC_IOSQES(cc) (((cc) >> 16) & 0xF)
#define CC_IOCQES(cc) (((cc) >> 20) & 0xF)
#define CSTS_RDY (1u << 0)
#define CSTS_CFS (1u << 1)
#define CSTS_SHST_SHIFT 2
#define CSTS_SHST_COMPLETE (2u << CSTS_SHST_SHIFT)
#define CSTS_SHST_OCCURRING (1u << CSTS_SHST_SHIFT)
#define CSTS_NSSRO (1u << 4)
#define NSSR_MAGIC 0x4E564D65u /* "NVMe" */
#define AMS_RR 0
#define AMS_WRR 1

/* Submission queue entry. */
#define SQE_SIZE 64
#define CQE_SIZE 16
#define SQE_OPC 0
#define SQE_FLAGS 1 /* bits 7:6 PSDT, 1:0 fused */
#define SQE_CID 2
#define SQE_NSID 4
#define SQE_MPTR 16
#define SQE_PRP1 24
#define SQE_PRP2 32
#define SQE_SGL1 24
#define SQE_CDW10 40
#define SQE_CDW11 44
#define SQE_CDW12 48
#define SQE_CDW13 52
#define SQE_CDW14 56
#define SQE_CDW15 60
#define PSDT(flags) (((flags) >> 6) & 0x3)
#define PSDT_PRP 0
#define PSDT_SGL_MPTR_CONTIG 1
#define PSDT_SGL_MPTR_SGL 2

/* Completion queue entry. */
#define CQE_CDW0 0
#define CQE_SQHD 8
#define CQE_SQID 10
#define CQE_CID 12
#define CQE_STATUS 14 /* bit 0 phase, 8:1 SC, 11:9 SCT, 13:12 CRD, 14 M, 15 DNR */

/* SGL descriptors (16 bytes: address, length, 3 reserved, type << 4 | subtype). */
#define SGL_DESC_SIZE 16
#define SGL_TYPE_DATA_BLOCK 0x0
#define SGL_TYPE_BIT_BUCKET 0x1
#define SGL_TYPE_SEGMENT 0x2
#define SGL_TYPE_LAST_SEGMENT 0x3

/* Status code types and codes. */
#define SCT_GENERIC 0x0
#define SCT_COMMAND_SPECIFIC 0x1
#define SCT_MEDIA 0x2
#define SC_SUCCESS 0x00
#define SC_INVALID_OPCODE 0x01
#define SC_INVALID_FIELD 0x02
#define SC_CID_CONFLICT 0x03
#define SC_DATA_TRANSFER_ERROR 0x04
#define SC_INTERNAL_DEVICE_ERROR 0x06
#define SC_ABORTED_BY_REQUEST 0x07
#define SC_ABORTED_SQ_DELETION 0x08
#define SC_INVALID_NAMESPACE 0x0B
#define SC_COMMAND_SEQUENCE_ERROR 0x0C
#define SC_INVALID_SGL_SEGMENT 0x0D
#define SC_INVALID_NUM_SGL_DESC 0x0E
#define SC_DATA_SGL_LENGTH_INVALID 0x0F
#define SC_SGL_DESC_TYPE_INVALID 0x11
#define SC_INVALID_CMB_USE 0x12
#define SC_INVALID_PRP_OFFSET 0x13
#define SC_SGL_DATA_BLOCK_GRANULARITY_INVALID 0x1E
#define SC_LBA_OUT_OF_RANGE 0x80
#define SC_CAPACITY_EXCEEDED 0x81
#define SC_NAMESPACE_NOT_READY 0x82
#define SC_RESERVATION_CONFLICT 0x83
/* command specific */
#define SC_COMPLETION_QUEUE_INVALID 0x00
#define SC_INVALID_QUEUE_IDENTIFIER 0x01
#define SC_INVALID_QUEUE_SIZE 0x02
#define SC_ABORT_COMMAND_LIMIT_EXCEEDED 0x03
#define SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED 0x05
#define SC_INVALID_FIRMWARE_SLOT 0x06
#define SC_INVALID_FIRMWARE_IMAGE 0x07
#define SC_INVALID_LOG_PAGE 0x09
#define SC_INVALID_FORMAT 0x0A
#define SC_FIRMWARE_REQ_CONVENTIONAL_RESET 0x0B
#define SC_INVALID_QUEUE_DELETION 0x0C
#define SC_FEATURE_NOT_SAVEABLE 0x0D
#define SC_NAMESPACE_INSUFFICIENT_CAPACITY 0x15
#define SC_NAMESPACE_ID_UNAVAILABLE 0x16
#define SC_NAMESPACE_ALREADY_ATTACHED 0x18
#define SC_NAMESPACE_NOT_ATTACHED 0x1A
#define SC_CONTROLLER_LIST_INVALID 0x1C
#define SC_CONFLICTING_ATTRIBUTES 0x80
#define SC_INVALID_PROTECTION_INFO 0x81
/* media */
#define SC_UNRECOVERED_READ_ERROR 0x81
#define SC_GUARD_CHECK_ERROR 0x82
#define SC_APPTAG_CHECK_ERROR 0x83
#define SC_REFTAG_CHECK_ERROR 0x84
#define SC_COMPARE_FAILURE 0x85

/* Admin opcodes. */
#define ADMIN_DELETE_IO_SQ 0x00
#define ADMIN_CREATE_IO_SQ 0x01
#define ADMIN_GET_LOG_PAGE 0x02
#define ADMIN_DELETE_IO_CQ 0x04
#define ADMIN_CREATE_IO_CQ 0x05
#define ADMIN_IDENTIFY 0x06
#define ADMIN_ABORT 0x08
#define ADMIN_SET_FEATURES 0x09
#define ADMIN_GET_FEATURES 0x0A
#define ADMIN_ASYNC_EVENT_REQUEST 0x0C
#define ADMIN_NS_MANAGEMENT 0x0D
#define ADMIN_FIRMWARE_COMMIT 0x10
#define ADMIN_FIRMWARE_DOWNLOAD 0x11
#define ADMIN_NS_ATTACHMENT 0x15
#define ADMIN_KEEP_ALIVE 0x18
#define ADMIN_FORMAT_NVM 0x80
#define ADMIN_SECURITY_SEND 0x81
#define ADMIN_SECURITY_RECEIVE 0x82

/* NVM command set opcodes. */
#define IO_FLUSH 0x00
#define IO_WRITE 0x01
#define IO_READ 0x02
#define IO_WRITE_UNCORRECTABLE 0x04
#define IO_COMPARE 0x05
#define IO_WRITE_ZEROES 0x08
#define IO_DATASET_MANAGEMENT 0x09
#define IO_RESERVATION_REGISTER 0x0D
#define IO_RESERVATION_REPORT 0x0E
#define IO_RESERVATION_ACQUIRE 0x11
#define IO_RESERVATION_RELEASE 0x15

/* CDW12 of read/write/compare/write zeroes. */
#define RW_PRINFO_PRCHK_REFTAG (1u << 26)
#define RW_PRINFO_PRCHK_APPTAG (1u << 27)
#define RW_PRINFO_PRCHK_GUARD (1u << 28)
#define RW_PRINFO_PRACT (1u << 29)
#define RW_FUA (1u << 30)
#define RW_LIMITED_RETRY (1u << 31)
#define WZ_DEAC (1u << 25)

/* Identify. */
#define CNS_NAMESPACE 0x00
#define CNS_CONTROLLER 0x01
#define CNS_ACTIVE_NS_LIST 0x02
#define CNS_NS_ID_DESCRIPTORS 0x03
#define CNS_ALLOCATED_NS_LIST 0x10
#define CNS_ALLOCATED_NAMESPACE 0x11
#define CNS_NS_CTRLR_LIST 0x12
#define CNS_CTRLR_LIST 0x13
#define IDENTIFY_SIZE 4096

/* Identify Controller offsets. */
#define IDC_VID 0
#define IDC_SSVID 2
#define IDC_SN 4
#define IDC_MN 24
#define IDC_FR 64
#define IDC_RAB 72
#define IDC_CMIC 76
#define IDC_MDTS 77
#define IDC_CNTLID 78
#define IDC_VER 80
#define IDC_RTD3E 88
#define IDC_OAES 92
#define IDC_OACS 256
#define IDC_ACL 258
#define IDC_AERL 259
#define IDC_FRMW 260
#define IDC_LPA 261
#define IDC_ELPE 262
#define IDC_NPSS 263
#define IDC_WCTEMP 266
#define IDC_CCTEMP 268
#define IDC_KAS 320
#define IDC_SQES 512
#define IDC_CQES 513
#define IDC_MAXCMD 514
#define IDC_NN 516
#define IDC_ONCS 520
#define IDC_FNA 524
#define IDC_VWC 525
#define IDC_SGLS 536
#define IDC_MNAN 540
#define IDC_SUBNQN 768
#define IDC_PSD0 2048
#define OACS_SECURITY (1u << 0)
#define OACS_FORMAT (1u << 1)
#define OACS_FIRMWARE (1u << 2)
#define OACS_NS_MANAGEMENT (1u << 3)
#define ONCS_COMPARE (1u << 0)
#define ONCS_WRITE_UNCORRECTABLE (1u << 1)
#define ONCS_DSM (1u << 2)
#define ONCS_WRITE_ZEROES (1u << 3)
#define ONCS_SAVE_SELECT (1u << 4)
#define ONCS_RESERVATIONS (1u << 5)
#define ONCS_TIMESTAMP (1u << 6)
#define OAES_NS_ATTRIBUTE (1u << 8)
#define OAES_FW_ACTIVATION (1u << 9)
#define LPA_CMD_EFFECTS (1u << 1)
#define LPA_EXTENDED_DATA (1u << 2)

/* Identify Namespace offsets. */
#define IDN_NSZE 0
#define IDN_NCAP 8
#define IDN_NUSE 16
#define IDN_NSFEAT 24
#define IDN_NLBAF 25
#define IDN_FLBAS 26
#define IDN_MC 27
#define IDN_DPC 28
#define IDN_DPS 29
#define IDN_NMIC 30
#define IDN_RESCAP 31
#define IDN_DLFEAT 33
#define IDN_NGUID 104
#define IDN_EUI64 120
#define IDN_LBAF0 128
#define FLBAS_EXTENDED (1u << 4)
#define DPS_PI_FIRST (1u << 3)

/* Namespace identification descriptor types. */
#define NIDT_EUI64 0x1
#define NIDT_NGUID 0x2
#define NIDT_UUID 0x3

/* Log pages. */
#define LOG_ERROR 0x01
#define LOG_HEALTH 0x02
#define LOG_FIRMWARE_SLOT 0x03
#define LOG_CHANGED_NS_LIST 0x04
#define LOG_COMMAND_EFFECTS 0x05
#define LOG_RESERVATION_NOTIFICATION 0x80
#define ERROR_ENTRY_SIZE 64

/* Features. */
#define FEAT_ARBITRATION 0x01
#define FEAT_POWER_MANAGEMENT 0x02
#define FEAT_TEMPERATURE_THRESHOLD 0x04
#define FEAT_ERROR_RECOVERY 0x05
#define FEAT_VOLATILE_WRITE_CACHE 0x06
#define FEAT_NUMBER_OF_QUEUES 0x07
#define FEAT_INTERRUPT_COALESCING 0x08
#define FEAT_INTERRUPT_VECTOR_CONFIG 0x09
#define FEAT_WRITE_ATOMICITY 0x0A
#define FEAT_ASYNC_EVENT_CONFIG 0x0B
#define FEAT_AUTONOMOUS_POWER_STATE 0x0C
#define FEAT_TIMESTAMP 0x0E
#define FEAT_KEEP_ALIVE_TIMER 0x0F
#define FEAT_HOST_IDENTIFIER 0x81
#define FEAT_RESERVATION_NOTIFICATION_MASK 0x82
#define FEAT_RESERVATION_PERSISTENCE 0x83

/* Asynchronous event types (completion dword 0 bits 2:0) and infos. */
#define AER_TYPE_ERROR 0x0
#define AER_TYPE_SMART 0x1
#define AER_TYPE_NOTICE 0x2
#define AER_TYPE_IO 0x6
#define AER_INFO_ERROR_INVALID_DOORBELL 0x00
#define AER_INFO_ERROR_INVALID_DOORBELL_VALUE 0x01
#define AER_INFO_NOTICE_NS_ATTR_CHANGED 0x00
#define AER_INFO_NOTICE_FW_ACTIVATION 0x01
#define AER_INFO_IO_RESERVATION_LOG 0x00

/* Little-endian field access in spec structures (the model runs on little-endian hosts). */
static inline uint16_t get16(const void *p, unsigned off)
{
	uint16_t v;

	memcpy(&v, (const uint8_t *)p + off, sizeof(v));
	return v;
}

static inline uint32_t get32(const void *p, unsigned off)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)p + off, sizeof(v));
	return v;
}

static inline uint64_t get64(const void *p, unsigned off)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)p + off, sizeof(v));
	return v;
}

static inline void put16(void *p, unsigned off, uint16_t v)
{
	memcpy((uint8_t *)p + off, &v, sizeof(v));
}

static inline void put32(void *p, unsigned off, uint32_t v)
{
	memcpy((uint8_t *)p + off, &v, sizeof(v));
}

static inline void put64(void *p, unsigned off, uint64_t v)
{
	memcpy((uint8_t *)p + off, &v, sizeof(v));
}

#endif
