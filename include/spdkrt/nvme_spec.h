/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * NVMe 1.4 structures and constants that the spdkrt NVMe API exposes: controller registers,
 * submission and completion entries, status codes, identify data, log pages, features,
 * reservations and the NVMe over Fabrics structures.
 *
 * Layouts are those of the specification (little-endian); every structure's size and the offsets
 * the driver relies on are checked at compile time. Bit fields inside a word are described with
 * a `_SHIFT`/`_MASK` pair per field (the mask applies after shifting) and read or built with
 * SPDKRT_NVME_GET() / SPDKRT_NVME_SET(), so the layout never depends on a compiler's bitfield
 * order. This header declares no functions.
 */
#ifndef SPDKRT_NVME_SPEC_H
#define SPDKRT_NVME_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <spdkrt/api.h>

SPDKRT_BEGIN_DECLS

/** Extracts field @p name (a `_SHIFT`/`_MASK` pair) from @p value. */
#define SPDKRT_NVME_GET(value, name) (((value) >> name##_SHIFT) & name##_MASK)
/** Places @p field_value into the position of field @p name (masked to its width). */
#define SPDKRT_NVME_SET(name, field_value) (((field_value)&name##_MASK) << name##_SHIFT)

/* ---------------------------------------------------------------------------------------------
 * Controller registers (BAR0 for PCIe; Property Get/Set for fabrics)
 * ------------------------------------------------------------------------------------------- */

/** Register offsets in BAR0 (and property offsets over fabrics). */
enum spdkrt_nvme_reg_offset {
	SPDKRT_NVME_REG_CAP = 0x00,        /**< Controller Capabilities, 64-bit */
	SPDKRT_NVME_REG_VS = 0x08,         /**< Version */
	SPDKRT_NVME_REG_INTMS = 0x0C,      /**< Interrupt Mask Set */
	SPDKRT_NVME_REG_INTMC = 0x10,      /**< Interrupt Mask Clear */
	SPDKRT_NVME_REG_CC = 0x14,         /**< Controller Configuration */
	SPDKRT_NVME_REG_CSTS = 0x1C,       /**< Controller Status */
	SPDKRT_NVME_REG_NSSR = 0x20,       /**< NVM Subsystem Reset */
	SPDKRT_NVME_REG_AQA = 0x24,        /**< Admin Queue Attributes */
	SPDKRT_NVME_REG_ASQ = 0x28,        /**< Admin Submission Queue base, 64-bit */
	SPDKRT_NVME_REG_ACQ = 0x30,        /**< Admin Completion Queue base, 64-bit */
	SPDKRT_NVME_REG_CMBLOC = 0x38,     /**< Controller Memory Buffer Location */
	SPDKRT_NVME_REG_CMBSZ = 0x3C,      /**< Controller Memory Buffer Size */
	SPDKRT_NVME_REG_BPINFO = 0x40,     /**< Boot Partition Information */
	SPDKRT_NVME_REG_BPRSEL = 0x44,     /**< Boot Partition Read Select */
	SPDKRT_NVME_REG_BPMBL = 0x48,      /**< Boot Partition Memory Buffer Location, 64-bit */
	SPDKRT_NVME_REG_CMBMSC = 0x50,     /**< CMB Memory Space Control, 64-bit */
	SPDKRT_NVME_REG_CMBSTS = 0x58,     /**< CMB Status */
	SPDKRT_NVME_REG_PMRCAP = 0xE00,    /**< Persistent Memory Region Capabilities */
	SPDKRT_NVME_REG_DOORBELL = 0x1000, /**< first doorbell (admin SQ tail) */
};

/** Byte offset of submission queue @p qid's tail doorbell; @p dstrd is CAP.DSTRD. */
#define SPDKRT_NVME_SQ_TDBL(qid, dstrd)                                                            \
	(SPDKRT_NVME_REG_DOORBELL + (2u * (uint32_t)(qid)) * (4u << (dstrd)))
/** Byte offset of completion queue @p qid's head doorbell; @p dstrd is CAP.DSTRD. */
#define SPDKRT_NVME_CQ_HDBL(qid, dstrd)                                                            \
	(SPDKRT_NVME_REG_DOORBELL + (2u * (uint32_t)(qid) + 1u) * (4u << (dstrd)))

/** The register file at the start of BAR0, as memory. */
struct spdkrt_nvme_registers {
	uint64_t cap;                      /**< 0x00 CAP */
	uint32_t vs;                       /**< 0x08 VS */
	uint32_t intms;                    /**< 0x0C INTMS */
	uint32_t intmc;                    /**< 0x10 INTMC */
	uint32_t cc;                       /**< 0x14 CC */
	uint32_t reserved1;                /**< 0x18 */
	uint32_t csts;                     /**< 0x1C CSTS */
	uint32_t nssr;                     /**< 0x20 NSSR */
	uint32_t aqa;                      /**< 0x24 AQA */
	uint64_t asq;                      /**< 0x28 ASQ */
	uint64_t acq;                      /**< 0x30 ACQ */
	uint32_t cmbloc;                   /**< 0x38 CMBLOC */
	uint32_t cmbsz;                    /**< 0x3C CMBSZ */
	uint32_t bpinfo;                   /**< 0x40 BPINFO */
	uint32_t bprsel;                   /**< 0x44 BPRSEL */
	uint64_t bpmbl;                    /**< 0x48 BPMBL */
	uint64_t cmbmsc;                   /**< 0x50 CMBMSC */
	uint32_t cmbsts;                   /**< 0x58 CMBSTS */
	uint8_t reserved2[0xE00 - 0x5C];   /**< 0x5C..0xDFF */
	uint32_t pmrcap;                   /**< 0xE00 PMRCAP */
	uint8_t reserved3[0x1000 - 0xE04]; /**< 0xE04..0xFFF: PMR and command-set registers */
	uint32_t doorbell[2]; /**< 0x1000: admin SQ tail, admin CQ head (with stride 0) */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_registers) == 0x1008, "registers");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_registers, cc) == SPDKRT_NVME_REG_CC, "cc");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_registers, csts) == SPDKRT_NVME_REG_CSTS, "csts");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_registers, aqa) == SPDKRT_NVME_REG_AQA, "aqa");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_registers, asq) == SPDKRT_NVME_REG_ASQ, "asq");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_registers, acq) == SPDKRT_NVME_REG_ACQ, "acq");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_registers, cmbsz) == SPDKRT_NVME_REG_CMBSZ,
		     "cmbsz");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_registers, cmbsts) == SPDKRT_NVME_REG_CMBSTS,
		     "cmbsts");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_registers, pmrcap) == SPDKRT_NVME_REG_PMRCAP,
		     "pmrcap");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_registers, doorbell) == SPDKRT_NVME_REG_DOORBELL,
		     "doorbell");

/* CAP (64-bit) */
#define SPDKRT_NVME_CAP_MQES_SHIFT 0        /**< CAP.MQES: maximum queue entries, 0-based */
#define SPDKRT_NVME_CAP_MQES_MASK 0xFFFFull /**< CAP.MQES width */
#define SPDKRT_NVME_CAP_CQR_SHIFT 16        /**< CAP.CQR: contiguous queues required */
#define SPDKRT_NVME_CAP_CQR_MASK 0x1ull     /**< CAP.CQR width */
#define SPDKRT_NVME_CAP_AMS_SHIFT 17        /**< CAP.AMS: bit 0 WRR, bit 1 vendor specific */
#define SPDKRT_NVME_CAP_AMS_MASK 0x3ull     /**< CAP.AMS width */
#define SPDKRT_NVME_CAP_TO_SHIFT 24         /**< CAP.TO: ready timeout in 500 ms units */
#define SPDKRT_NVME_CAP_TO_MASK 0xFFull     /**< CAP.TO width */
#define SPDKRT_NVME_CAP_DSTRD_SHIFT 32      /**< CAP.DSTRD: doorbell stride is 4 << DSTRD bytes */
#define SPDKRT_NVME_CAP_DSTRD_MASK 0xFull   /**< CAP.DSTRD width */
#define SPDKRT_NVME_CAP_NSSRS_SHIFT 36      /**< CAP.NSSRS: subsystem reset supported */
#define SPDKRT_NVME_CAP_NSSRS_MASK 0x1ull   /**< CAP.NSSRS width */
#define SPDKRT_NVME_CAP_CSS_SHIFT 37        /**< CAP.CSS: command sets, bit 0 NVM */
#define SPDKRT_NVME_CAP_CSS_MASK 0xFFull    /**< CAP.CSS width */
#define SPDKRT_NVME_CAP_BPS_SHIFT 45        /**< CAP.BPS: boot partitions supported */
#define SPDKRT_NVME_CAP_BPS_MASK 0x1ull     /**< CAP.BPS width */
#define SPDKRT_NVME_CAP_MPSMIN_SHIFT 48     /**< CAP.MPSMIN: minimum page size is 2^(12+MPSMIN) */
#define SPDKRT_NVME_CAP_MPSMIN_MASK 0xFull  /**< CAP.MPSMIN width */
#define SPDKRT_NVME_CAP_MPSMAX_SHIFT 52     /**< CAP.MPSMAX: maximum page size is 2^(12+MPSMAX) */
#define SPDKRT_NVME_CAP_MPSMAX_MASK 0xFull  /**< CAP.MPSMAX width */
#define SPDKRT_NVME_CAP_PMRS_SHIFT 56       /**< CAP.PMRS: persistent memory region supported */
#define SPDKRT_NVME_CAP_PMRS_MASK 0x1ull    /**< CAP.PMRS width */
#define SPDKRT_NVME_CAP_CMBS_SHIFT 57       /**< CAP.CMBS: CMB memory space control supported */
#define SPDKRT_NVME_CAP_CMBS_MASK 0x1ull    /**< CAP.CMBS width */
#define SPDKRT_NVME_CAP_AMS_WRR 0x1u        /**< CAP.AMS bit: weighted round robin */
#define SPDKRT_NVME_CAP_AMS_VS 0x2u         /**< CAP.AMS bit: vendor specific arbitration */
#define SPDKRT_NVME_CAP_CSS_NVM 0x1u        /**< CAP.CSS bit: NVM command set */

/* VS */
#define SPDKRT_NVME_VS_TER_SHIFT 0      /**< VS.TER: tertiary version */
#define SPDKRT_NVME_VS_TER_MASK 0xFFu   /**< VS.TER width */
#define SPDKRT_NVME_VS_MNR_SHIFT 8      /**< VS.MNR: minor version */
#define SPDKRT_NVME_VS_MNR_MASK 0xFFu   /**< VS.MNR width */
#define SPDKRT_NVME_VS_MJR_SHIFT 16     /**< VS.MJR: major version */
#define SPDKRT_NVME_VS_MJR_MASK 0xFFFFu /**< VS.MJR width */
/** The VS value of version @p mjr.@p mnr.@p ter. */
#define SPDKRT_NVME_VERSION(mjr, mnr, ter)                                                         \
	(((uint32_t)(mjr) << 16) | ((uint32_t)(mnr) << 8) | (uint32_t)(ter))

/* CC */
#define SPDKRT_NVME_CC_EN_SHIFT 0    /**< CC.EN: enable */
#define SPDKRT_NVME_CC_EN_MASK 0x1u  /**< CC.EN width */
#define SPDKRT_NVME_CC_CSS_SHIFT 4   /**< CC.CSS: I/O command set selected (0 = NVM) */
#define SPDKRT_NVME_CC_CSS_MASK 0x7u /**< CC.CSS width */
#define SPDKRT_NVME_CC_MPS_SHIFT 7   /**< CC.MPS: memory page size is 2^(12+MPS) */
#define SPDKRT_NVME_CC_MPS_MASK 0xFu /**< CC.MPS width */
#define SPDKRT_NVME_CC_AMS_SHIFT 11  /**< CC.AMS: arbitration mechanism (enum spdkrt_nvme_cc_ams) */
#define SPDKRT_NVME_CC_AMS_MASK 0x7u /**< CC.AMS width */
#define SPDKRT_NVME_CC_SHN_SHIFT 14  /**< CC.SHN: shutdown notification (enum spdkrt_nvme_cc_shn) */
#define SPDKRT_NVME_CC_SHN_MASK 0x3u /**< CC.SHN width */
#define SPDKRT_NVME_CC_IOSQES_SHIFT 16  /**< CC.IOSQES: I/O SQ entry size is 2^IOSQES (6) */
#define SPDKRT_NVME_CC_IOSQES_MASK 0xFu /**< CC.IOSQES width */
#define SPDKRT_NVME_CC_IOCQES_SHIFT 20  /**< CC.IOCQES: I/O CQ entry size is 2^IOCQES (4) */
#define SPDKRT_NVME_CC_IOCQES_MASK 0xFu /**< CC.IOCQES width */

/** CC.AMS values. */
enum spdkrt_nvme_cc_ams {
	SPDKRT_NVME_CC_AMS_RR = 0,  /**< round robin */
	SPDKRT_NVME_CC_AMS_WRR = 1, /**< weighted round robin with urgent priority class */
	SPDKRT_NVME_CC_AMS_VS = 7,  /**< vendor specific */
};

/** CC.SHN values. */
enum spdkrt_nvme_cc_shn {
	SPDKRT_NVME_CC_SHN_NONE = 0,   /**< no notification */
	SPDKRT_NVME_CC_SHN_NORMAL = 1, /**< normal shutdown */
	SPDKRT_NVME_CC_SHN_ABRUPT = 2, /**< abrupt shutdown */
};

/* CSTS */
#define SPDKRT_NVME_CSTS_RDY_SHIFT 0   /**< CSTS.RDY: ready */
#define SPDKRT_NVME_CSTS_RDY_MASK 0x1u /**< CSTS.RDY width */
#define SPDKRT_NVME_CSTS_CFS_SHIFT 1   /**< CSTS.CFS: controller fatal status */
#define SPDKRT_NVME_CSTS_CFS_MASK 0x1u /**< CSTS.CFS width */
#define SPDKRT_NVME_CSTS_SHST_SHIFT                                                                \
	2 /**< CSTS.SHST: shutdown status (enum spdkrt_nvme_csts_shst) */
#define SPDKRT_NVME_CSTS_SHST_MASK 0x3u  /**< CSTS.SHST width */
#define SPDKRT_NVME_CSTS_NSSRO_SHIFT 4   /**< CSTS.NSSRO: subsystem reset occurred */
#define SPDKRT_NVME_CSTS_NSSRO_MASK 0x1u /**< CSTS.NSSRO width */
#define SPDKRT_NVME_CSTS_PP_SHIFT 5      /**< CSTS.PP: processing paused */
#define SPDKRT_NVME_CSTS_PP_MASK 0x1u    /**< CSTS.PP width */

/** CSTS.SHST values. */
enum spdkrt_nvme_csts_shst {
	SPDKRT_NVME_CSTS_SHST_NORMAL = 0,    /**< normal operation */
	SPDKRT_NVME_CSTS_SHST_OCCURRING = 1, /**< shutdown processing occurring */
	SPDKRT_NVME_CSTS_SHST_COMPLETE = 2,  /**< shutdown processing complete */
};

/** Value of NSSR that starts an NVM subsystem reset ("NVMe"). */
#define SPDKRT_NVME_NSSR_RESET 0x4E564D65u

/* AQA */
#define SPDKRT_NVME_AQA_ASQS_SHIFT 0     /**< AQA.ASQS: admin SQ size, 0-based */
#define SPDKRT_NVME_AQA_ASQS_MASK 0xFFFu /**< AQA.ASQS width */
#define SPDKRT_NVME_AQA_ACQS_SHIFT 16    /**< AQA.ACQS: admin CQ size, 0-based */
#define SPDKRT_NVME_AQA_ACQS_MASK 0xFFFu /**< AQA.ACQS width */

/* CMBLOC */
#define SPDKRT_NVME_CMBLOC_BIR_SHIFT 0        /**< CMBLOC.BIR: BAR holding the CMB */
#define SPDKRT_NVME_CMBLOC_BIR_MASK 0x7u      /**< CMBLOC.BIR width */
#define SPDKRT_NVME_CMBLOC_OFST_SHIFT 12      /**< CMBLOC.OFST: offset in CMBSZ.SZU units */
#define SPDKRT_NVME_CMBLOC_OFST_MASK 0xFFFFFu /**< CMBLOC.OFST width */

/* CMBSZ */
#define SPDKRT_NVME_CMBSZ_SQS_SHIFT 0      /**< CMBSZ.SQS: submission queues supported */
#define SPDKRT_NVME_CMBSZ_SQS_MASK 0x1u    /**< CMBSZ.SQS width */
#define SPDKRT_NVME_CMBSZ_CQS_SHIFT 1      /**< CMBSZ.CQS: completion queues supported */
#define SPDKRT_NVME_CMBSZ_CQS_MASK 0x1u    /**< CMBSZ.CQS width */
#define SPDKRT_NVME_CMBSZ_LISTS_SHIFT 2    /**< CMBSZ.LISTS: PRP/SGL lists supported */
#define SPDKRT_NVME_CMBSZ_LISTS_MASK 0x1u  /**< CMBSZ.LISTS width */
#define SPDKRT_NVME_CMBSZ_RDS_SHIFT 3      /**< CMBSZ.RDS: read data supported */
#define SPDKRT_NVME_CMBSZ_RDS_MASK 0x1u    /**< CMBSZ.RDS width */
#define SPDKRT_NVME_CMBSZ_WDS_SHIFT 4      /**< CMBSZ.WDS: write data supported */
#define SPDKRT_NVME_CMBSZ_WDS_MASK 0x1u    /**< CMBSZ.WDS width */
#define SPDKRT_NVME_CMBSZ_SZU_SHIFT 8      /**< CMBSZ.SZU: size unit is 2^(12+4*SZU) bytes */
#define SPDKRT_NVME_CMBSZ_SZU_MASK 0xFu    /**< CMBSZ.SZU width */
#define SPDKRT_NVME_CMBSZ_SZ_SHIFT 12      /**< CMBSZ.SZ: size in SZU units */
#define SPDKRT_NVME_CMBSZ_SZ_MASK 0xFFFFFu /**< CMBSZ.SZ width */

/* ---------------------------------------------------------------------------------------------
 * Submission and completion queue entries
 * ------------------------------------------------------------------------------------------- */

/** SGL descriptor types (high nibble of the identifier byte). */
enum spdkrt_nvme_sgl_type {
	SPDKRT_NVME_SGL_TYPE_DATA_BLOCK = 0x0,       /**< data block */
	SPDKRT_NVME_SGL_TYPE_BIT_BUCKET = 0x1,       /**< bit bucket */
	SPDKRT_NVME_SGL_TYPE_SEGMENT = 0x2,          /**< segment (points to more descriptors) */
	SPDKRT_NVME_SGL_TYPE_LAST_SEGMENT = 0x3,     /**< last segment */
	SPDKRT_NVME_SGL_TYPE_KEYED_DATA_BLOCK = 0x4, /**< keyed data block (RDMA) */
	SPDKRT_NVME_SGL_TYPE_TRANSPORT_DATA_BLOCK = 0x5, /**< transport data block (TCP) */
};

/** SGL descriptor subtypes (low nibble of the identifier byte). */
enum spdkrt_nvme_sgl_subtype {
	SPDKRT_NVME_SGL_SUBTYPE_ADDRESS = 0x0,   /**< address is a memory address */
	SPDKRT_NVME_SGL_SUBTYPE_OFFSET = 0x1,    /**< address is an offset (in-capsule data) */
	SPDKRT_NVME_SGL_SUBTYPE_TRANSPORT = 0xA, /**< transport specific */
};

/** The identifier byte of an SGL descriptor of @p type and @p subtype. */
#define SPDKRT_NVME_SGL_ID(type, subtype) ((uint8_t)(((type) << 4) | ((subtype)&0xF)))

/** One SGL descriptor (data block, segment, bit bucket or transport data block). */
struct spdkrt_nvme_sgl_descriptor {
	uint64_t address;    /**< IOVA (or offset for SUBTYPE_OFFSET) */
	uint32_t length;     /**< length in bytes (keyed: low 24 bits, key in the next bytes) */
	uint8_t reserved[3]; /**< keyed data block: key bytes 8..10 */
	uint8_t id;          /**< SPDKRT_NVME_SGL_ID(type, subtype) */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_sgl_descriptor) == 16, "sgl descriptor");

/** PRP entries of a command's data pointer. */
struct spdkrt_nvme_prp_pair {
	uint64_t prp1; /**< first page (may carry an offset) */
	uint64_t prp2; /**< second page, or the IOVA of a PRP list */
};

/** Data pointer of a command: PRPs or SGL1 (CDW6..9). */
union spdkrt_nvme_dptr {
	struct spdkrt_nvme_prp_pair prp;        /**< PSDT = PRP */
	struct spdkrt_nvme_sgl_descriptor sgl1; /**< PSDT = SGL */
};
SPDKRT_STATIC_ASSERT(sizeof(union spdkrt_nvme_dptr) == 16, "dptr");

/* Flags byte (CDW0 bits 15:8) */
#define SPDKRT_NVME_CMD_FUSE_SHIFT 0   /**< FUSE: fused operation (1 first, 2 second) */
#define SPDKRT_NVME_CMD_FUSE_MASK 0x3u /**< FUSE width */
#define SPDKRT_NVME_CMD_PSDT_SHIFT 6   /**< PSDT: PRP or SGL (enum spdkrt_nvme_psdt) */
#define SPDKRT_NVME_CMD_PSDT_MASK 0x3u /**< PSDT width */

/** PSDT values. */
enum spdkrt_nvme_psdt {
	SPDKRT_NVME_PSDT_PRP = 0,             /**< PRPs for data */
	SPDKRT_NVME_PSDT_SGL_MPTR_CONTIG = 1, /**< SGL for data, MPTR is a contiguous buffer */
	SPDKRT_NVME_PSDT_SGL_MPTR_SGL = 2,    /**< SGL for data, MPTR points to an SGL descriptor */
};

/** A 64-byte submission queue entry. */
struct spdkrt_nvme_cmd {
	uint8_t opc;                 /**< opcode */
	uint8_t flags;               /**< FUSE and PSDT */
	uint16_t cid;                /**< command identifier (set by the driver) */
	uint32_t nsid;               /**< namespace id */
	uint32_t cdw2;               /**< command specific */
	uint32_t cdw3;               /**< command specific */
	uint64_t mptr;               /**< metadata pointer (IOVA) */
	union spdkrt_nvme_dptr dptr; /**< data pointer */
	uint32_t cdw10;              /**< command specific */
	uint32_t cdw11;              /**< command specific */
	uint32_t cdw12;              /**< command specific */
	uint32_t cdw13;              /**< command specific */
	uint32_t cdw14;              /**< command specific */
	uint32_t cdw15;              /**< command specific */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_cmd) == 64, "cmd");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_cmd, mptr) == 16, "cmd.mptr");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_cmd, dptr) == 24, "cmd.dptr");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_cmd, cdw10) == 40, "cmd.cdw10");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_cmd, cdw15) == 60, "cmd.cdw15");

/* Completion status word (bits 15:0 of DW3) */
#define SPDKRT_NVME_STATUS_P_SHIFT 0     /**< phase tag */
#define SPDKRT_NVME_STATUS_P_MASK 0x1u   /**< phase tag width */
#define SPDKRT_NVME_STATUS_SC_SHIFT 1    /**< status code */
#define SPDKRT_NVME_STATUS_SC_MASK 0xFFu /**< status code width */
#define SPDKRT_NVME_STATUS_SCT_SHIFT 9   /**< status code type (enum spdkrt_nvme_sct) */
#define SPDKRT_NVME_STATUS_SCT_MASK 0x7u /**< status code type width */
#define SPDKRT_NVME_STATUS_CRD_SHIFT 12  /**< command retry delay index */
#define SPDKRT_NVME_STATUS_CRD_MASK 0x3u /**< command retry delay width */
#define SPDKRT_NVME_STATUS_M_SHIFT 14    /**< more information in the error log */
#define SPDKRT_NVME_STATUS_M_MASK 0x1u   /**< more width */
#define SPDKRT_NVME_STATUS_DNR_SHIFT 15  /**< do not retry */
#define SPDKRT_NVME_STATUS_DNR_MASK 0x1u /**< do not retry width */

/** A 16-byte completion queue entry. */
struct spdkrt_nvme_cpl {
	uint32_t cdw0;   /**< command specific result */
	uint32_t cdw1;   /**< command specific (reserved for most) */
	uint16_t sqhd;   /**< submission queue head pointer */
	uint16_t sqid;   /**< submission queue id */
	uint16_t cid;    /**< command identifier */
	uint16_t status; /**< phase, SC, SCT, CRD, M, DNR (SPDKRT_NVME_STATUS_*) */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_cpl) == 16, "cpl");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_cpl, sqhd) == 8, "cpl.sqhd");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_cpl, cid) == 12, "cpl.cid");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_cpl, status) == 14, "cpl.status");

/** Status code types. */
enum spdkrt_nvme_sct {
	SPDKRT_NVME_SCT_GENERIC = 0x0,          /**< generic command status */
	SPDKRT_NVME_SCT_COMMAND_SPECIFIC = 0x1, /**< command specific status */
	SPDKRT_NVME_SCT_MEDIA_ERROR = 0x2,      /**< media and data integrity errors */
	SPDKRT_NVME_SCT_PATH = 0x3,             /**< path related status */
	SPDKRT_NVME_SCT_VENDOR_SPECIFIC = 0x7,  /**< vendor specific */
};

/** Generic command status codes (SCT 0). */
enum spdkrt_nvme_generic_sc {
	SPDKRT_NVME_SC_SUCCESS = 0x00,                     /**< successful completion */
	SPDKRT_NVME_SC_INVALID_OPCODE = 0x01,              /**< invalid command opcode */
	SPDKRT_NVME_SC_INVALID_FIELD = 0x02,               /**< invalid field in command */
	SPDKRT_NVME_SC_COMMAND_ID_CONFLICT = 0x03,         /**< command id conflict */
	SPDKRT_NVME_SC_DATA_TRANSFER_ERROR = 0x04,         /**< data transfer error */
	SPDKRT_NVME_SC_ABORTED_POWER_LOSS = 0x05,          /**< aborted: power loss */
	SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR = 0x06,       /**< internal error */
	SPDKRT_NVME_SC_ABORTED_BY_REQUEST = 0x07,          /**< aborted: abort requested */
	SPDKRT_NVME_SC_ABORTED_SQ_DELETION = 0x08,         /**< aborted: SQ deleted */
	SPDKRT_NVME_SC_ABORTED_FAILED_FUSED = 0x09,        /**< aborted: failed fused command */
	SPDKRT_NVME_SC_ABORTED_MISSING_FUSED = 0x0A,       /**< aborted: missing fused command */
	SPDKRT_NVME_SC_INVALID_NAMESPACE_OR_FORMAT = 0x0B, /**< invalid namespace or format */
	SPDKRT_NVME_SC_COMMAND_SEQUENCE_ERROR = 0x0C,      /**< command sequence error */
	SPDKRT_NVME_SC_INVALID_SGL_SEG_DESCRIPTOR = 0x0D,  /**< invalid SGL segment descriptor */
	SPDKRT_NVME_SC_INVALID_NUM_SGL_DESCRIPTORS = 0x0E, /**< invalid number of SGL descriptors */
	SPDKRT_NVME_SC_DATA_SGL_LENGTH_INVALID = 0x0F,     /**< data SGL length invalid */
	SPDKRT_NVME_SC_METADATA_SGL_LENGTH_INVALID = 0x10, /**< metadata SGL length invalid */
	SPDKRT_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID = 0x11, /**< SGL descriptor type invalid */
	SPDKRT_NVME_SC_INVALID_CONTROLLER_MEM_BUF = 0x12,  /**< invalid use of the CMB */
	SPDKRT_NVME_SC_INVALID_PRP_OFFSET = 0x13,          /**< PRP offset invalid */
	SPDKRT_NVME_SC_ATOMIC_WRITE_UNIT_EXCEEDED = 0x14,  /**< atomic write unit exceeded */
	SPDKRT_NVME_SC_OPERATION_DENIED = 0x15,            /**< operation denied */
	SPDKRT_NVME_SC_INVALID_SGL_OFFSET = 0x16,          /**< SGL offset invalid */
	SPDKRT_NVME_SC_HOSTID_INCONSISTENT_FORMAT =
		0x18,                               /**< host identifier inconsistent format */
	SPDKRT_NVME_SC_KEEP_ALIVE_EXPIRED = 0x19,   /**< keep alive timer expired */
	SPDKRT_NVME_SC_KEEP_ALIVE_INVALID = 0x1A,   /**< keep alive timeout invalid */
	SPDKRT_NVME_SC_ABORTED_PREEMPT = 0x1B,      /**< aborted: preempt and abort */
	SPDKRT_NVME_SC_SANITIZE_FAILED = 0x1C,      /**< sanitize failed */
	SPDKRT_NVME_SC_SANITIZE_IN_PROGRESS = 0x1D, /**< sanitize in progress */
	SPDKRT_NVME_SC_SGL_DATA_BLOCK_GRANULARITY_INVALID = 0x1E, /**< SGL data block granularity */
	SPDKRT_NVME_SC_COMMAND_INVALID_IN_CMB = 0x1F, /**< command not supported for the CMB */
	SPDKRT_NVME_SC_NAMESPACE_IS_WRITE_PROTECTED = 0x20, /**< namespace is write protected */
	SPDKRT_NVME_SC_COMMAND_INTERRUPTED = 0x21,          /**< command interrupted (retry) */
	SPDKRT_NVME_SC_TRANSIENT_TRANSPORT_ERROR = 0x22,    /**< transient transport error */
	SPDKRT_NVME_SC_LBA_OUT_OF_RANGE = 0x80,             /**< LBA out of range */
	SPDKRT_NVME_SC_CAPACITY_EXCEEDED = 0x81,            /**< capacity exceeded */
	SPDKRT_NVME_SC_NAMESPACE_NOT_READY = 0x82,          /**< namespace not ready */
	SPDKRT_NVME_SC_RESERVATION_CONFLICT = 0x83,         /**< reservation conflict */
	SPDKRT_NVME_SC_FORMAT_IN_PROGRESS = 0x84,           /**< format in progress */
};

/** Command specific status codes (SCT 1). */
enum spdkrt_nvme_command_specific_sc {
	SPDKRT_NVME_SC_COMPLETION_QUEUE_INVALID = 0x00,     /**< completion queue invalid */
	SPDKRT_NVME_SC_INVALID_QUEUE_IDENTIFIER = 0x01,     /**< invalid queue identifier */
	SPDKRT_NVME_SC_INVALID_QUEUE_SIZE = 0x02,           /**< invalid queue size */
	SPDKRT_NVME_SC_ABORT_COMMAND_LIMIT_EXCEEDED = 0x03, /**< abort command limit exceeded */
	SPDKRT_NVME_SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED = 0x05, /**< AER limit exceeded */
	SPDKRT_NVME_SC_INVALID_FIRMWARE_SLOT = 0x06,              /**< invalid firmware slot */
	SPDKRT_NVME_SC_INVALID_FIRMWARE_IMAGE = 0x07,             /**< invalid firmware image */
	SPDKRT_NVME_SC_INVALID_INTERRUPT_VECTOR = 0x08,           /**< invalid interrupt vector */
	SPDKRT_NVME_SC_INVALID_LOG_PAGE = 0x09,                   /**< invalid log page */
	SPDKRT_NVME_SC_INVALID_FORMAT = 0x0A,                     /**< invalid format */
	SPDKRT_NVME_SC_FIRMWARE_REQ_CONVENTIONAL_RESET = 0x0B,    /**< activation needs a reset */
	SPDKRT_NVME_SC_INVALID_QUEUE_DELETION = 0x0C,             /**< invalid queue deletion */
	SPDKRT_NVME_SC_FEATURE_ID_NOT_SAVEABLE = 0x0D,            /**< feature not saveable */
	SPDKRT_NVME_SC_FEATURE_NOT_CHANGEABLE = 0x0E,             /**< feature not changeable */
	SPDKRT_NVME_SC_FEATURE_NOT_NAMESPACE_SPECIFIC = 0x0F, /**< feature not namespace specific */
	SPDKRT_NVME_SC_FIRMWARE_REQ_NVM_RESET = 0x10, /**< activation needs a subsystem reset */
	SPDKRT_NVME_SC_FIRMWARE_REQ_RESET = 0x11,     /**< activation needs a controller reset */
	SPDKRT_NVME_SC_FIRMWARE_REQ_MAX_TIME_VIOLATION = 0x12, /**< activation exceeds MTFA */
	SPDKRT_NVME_SC_FIRMWARE_ACTIVATION_PROHIBITED = 0x13,  /**< activation prohibited */
	SPDKRT_NVME_SC_OVERLAPPING_RANGE = 0x14,               /**< overlapping range */
	SPDKRT_NVME_SC_NAMESPACE_INSUFFICIENT_CAPACITY =
		0x15,                                     /**< namespace insufficient capacity */
	SPDKRT_NVME_SC_NAMESPACE_ID_UNAVAILABLE = 0x16,   /**< namespace id unavailable */
	SPDKRT_NVME_SC_NAMESPACE_ALREADY_ATTACHED = 0x18, /**< namespace already attached */
	SPDKRT_NVME_SC_NAMESPACE_IS_PRIVATE = 0x19,       /**< namespace is private */
	SPDKRT_NVME_SC_NAMESPACE_NOT_ATTACHED = 0x1A,     /**< namespace not attached */
	SPDKRT_NVME_SC_THIN_PROVISIONING_NOT_SUPPORTED = 0x1B, /**< thin provisioning unsupported */
	SPDKRT_NVME_SC_CONTROLLER_LIST_INVALID = 0x1C,         /**< controller list invalid */
	SPDKRT_NVME_SC_DEVICE_SELF_TEST_IN_PROGRESS = 0x1D,    /**< device self-test in progress */
	SPDKRT_NVME_SC_BOOT_PARTITION_WRITE_PROHIBITED =
		0x1E,                                  /**< boot partition write prohibited */
	SPDKRT_NVME_SC_INVALID_CTRLR_ID = 0x1F,        /**< invalid controller identifier */
	SPDKRT_NVME_SC_ANA_GROUP_ID_INVALID = 0x24,    /**< ANA group id invalid */
	SPDKRT_NVME_SC_ANA_ATTACH_FAILED = 0x25,       /**< ANA attach failed */
	SPDKRT_NVME_SC_CONFLICTING_ATTRIBUTES = 0x80,  /**< NVM: conflicting attributes */
	SPDKRT_NVME_SC_INVALID_PROTECTION_INFO = 0x81, /**< NVM: invalid protection information */
	SPDKRT_NVME_SC_ATTEMPTED_WRITE_TO_RO_RANGE = 0x82, /**< NVM: write to read-only range */
};

/** Fabrics command specific status codes (SCT 1, Connect and Property commands). */
enum spdkrt_nvmf_fabric_sc {
	SPDKRT_NVMF_SC_INCOMPATIBLE_FORMAT = 0x80,   /**< incompatible record format */
	SPDKRT_NVMF_SC_CONTROLLER_BUSY = 0x81,       /**< controller busy */
	SPDKRT_NVMF_SC_INVALID_PARAM = 0x82,         /**< connect invalid parameters */
	SPDKRT_NVMF_SC_RESTART_DISCOVERY = 0x83,     /**< restart discovery */
	SPDKRT_NVMF_SC_INVALID_HOST = 0x84,          /**< connect invalid host */
	SPDKRT_NVMF_SC_LOG_RESTART_DISCOVERY = 0x90, /**< discovery restart */
	SPDKRT_NVMF_SC_AUTH_REQUIRED = 0x91,         /**< authentication required */
};

/** Media and data integrity status codes (SCT 2). */
enum spdkrt_nvme_media_error_sc {
	SPDKRT_NVME_SC_WRITE_FAULTS = 0x80,                /**< write fault */
	SPDKRT_NVME_SC_UNRECOVERED_READ_ERROR = 0x81,      /**< unrecovered read error */
	SPDKRT_NVME_SC_GUARD_CHECK_ERROR = 0x82,           /**< end-to-end guard check error */
	SPDKRT_NVME_SC_APPLICATION_TAG_CHECK_ERROR = 0x83, /**< end-to-end application tag error */
	SPDKRT_NVME_SC_REFERENCE_TAG_CHECK_ERROR = 0x84,   /**< end-to-end reference tag error */
	SPDKRT_NVME_SC_COMPARE_FAILURE = 0x85,             /**< compare failure */
	SPDKRT_NVME_SC_ACCESS_DENIED = 0x86,               /**< access denied */
	SPDKRT_NVME_SC_DEALLOCATED_OR_UNWRITTEN_BLOCK = 0x87, /**< deallocated or unwritten block */
};

/** Path related status codes (SCT 3). */
enum spdkrt_nvme_path_sc {
	SPDKRT_NVME_SC_INTERNAL_PATH_ERROR = 0x00,   /**< internal path error */
	SPDKRT_NVME_SC_ANA_PERSISTENT_LOSS = 0x01,   /**< asymmetric access persistent loss */
	SPDKRT_NVME_SC_ANA_INACCESSIBLE = 0x02,      /**< asymmetric access inaccessible */
	SPDKRT_NVME_SC_ANA_TRANSITION = 0x03,        /**< asymmetric access transition */
	SPDKRT_NVME_SC_CONTROLLER_PATH_ERROR = 0x60, /**< controller pathing error */
	SPDKRT_NVME_SC_HOST_PATH_ERROR = 0x70,       /**< host pathing error */
	SPDKRT_NVME_SC_ABORTED_BY_HOST = 0x71,       /**< command aborted by host */
};

/** True when @p cpl reports anything but generic success. */
static inline int spdkrt_nvme_cpl_is_error(const struct spdkrt_nvme_cpl *cpl)
{
	return (cpl->status & 0xFFFEu) != 0;
}

/* ---------------------------------------------------------------------------------------------
 * Opcodes
 * ------------------------------------------------------------------------------------------- */

/** Admin command opcodes. */
enum spdkrt_nvme_admin_opcode {
	SPDKRT_NVME_OPC_DELETE_IO_SQ = 0x00,              /**< Delete I/O Submission Queue */
	SPDKRT_NVME_OPC_CREATE_IO_SQ = 0x01,              /**< Create I/O Submission Queue */
	SPDKRT_NVME_OPC_GET_LOG_PAGE = 0x02,              /**< Get Log Page */
	SPDKRT_NVME_OPC_DELETE_IO_CQ = 0x04,              /**< Delete I/O Completion Queue */
	SPDKRT_NVME_OPC_CREATE_IO_CQ = 0x05,              /**< Create I/O Completion Queue */
	SPDKRT_NVME_OPC_IDENTIFY = 0x06,                  /**< Identify */
	SPDKRT_NVME_OPC_ABORT = 0x08,                     /**< Abort */
	SPDKRT_NVME_OPC_SET_FEATURES = 0x09,              /**< Set Features */
	SPDKRT_NVME_OPC_GET_FEATURES = 0x0A,              /**< Get Features */
	SPDKRT_NVME_OPC_ASYNC_EVENT_REQUEST = 0x0C,       /**< Asynchronous Event Request */
	SPDKRT_NVME_OPC_NS_MANAGEMENT = 0x0D,             /**< Namespace Management */
	SPDKRT_NVME_OPC_FIRMWARE_COMMIT = 0x10,           /**< Firmware Commit */
	SPDKRT_NVME_OPC_FIRMWARE_IMAGE_DOWNLOAD = 0x11,   /**< Firmware Image Download */
	SPDKRT_NVME_OPC_DEVICE_SELF_TEST = 0x14,          /**< Device Self-test */
	SPDKRT_NVME_OPC_NS_ATTACHMENT = 0x15,             /**< Namespace Attachment */
	SPDKRT_NVME_OPC_KEEP_ALIVE = 0x18,                /**< Keep Alive */
	SPDKRT_NVME_OPC_DIRECTIVE_SEND = 0x19,            /**< Directive Send */
	SPDKRT_NVME_OPC_DIRECTIVE_RECEIVE = 0x1A,         /**< Directive Receive */
	SPDKRT_NVME_OPC_VIRTUALIZATION_MANAGEMENT = 0x1C, /**< Virtualization Management */
	SPDKRT_NVME_OPC_NVME_MI_SEND = 0x1D,              /**< NVMe-MI Send */
	SPDKRT_NVME_OPC_NVME_MI_RECEIVE = 0x1E,           /**< NVMe-MI Receive */
	SPDKRT_NVME_OPC_DOORBELL_BUFFER_CONFIG = 0x7C,    /**< Doorbell Buffer Config */
	SPDKRT_NVME_OPC_FABRIC = 0x7F,                    /**< Fabrics command (see fctype) */
	SPDKRT_NVME_OPC_FORMAT_NVM = 0x80,                /**< Format NVM */
	SPDKRT_NVME_OPC_SECURITY_SEND = 0x81,             /**< Security Send */
	SPDKRT_NVME_OPC_SECURITY_RECEIVE = 0x82,          /**< Security Receive */
	SPDKRT_NVME_OPC_SANITIZE = 0x84,                  /**< Sanitize */
	SPDKRT_NVME_OPC_GET_LBA_STATUS = 0x86,            /**< Get LBA Status */
};

/** NVM command set I/O opcodes. */
enum spdkrt_nvme_nvm_opcode {
	SPDKRT_NVME_OPC_FLUSH = 0x00,                /**< Flush */
	SPDKRT_NVME_OPC_WRITE = 0x01,                /**< Write */
	SPDKRT_NVME_OPC_READ = 0x02,                 /**< Read */
	SPDKRT_NVME_OPC_WRITE_UNCORRECTABLE = 0x04,  /**< Write Uncorrectable */
	SPDKRT_NVME_OPC_COMPARE = 0x05,              /**< Compare */
	SPDKRT_NVME_OPC_WRITE_ZEROES = 0x08,         /**< Write Zeroes */
	SPDKRT_NVME_OPC_DATASET_MANAGEMENT = 0x09,   /**< Dataset Management */
	SPDKRT_NVME_OPC_VERIFY = 0x0C,               /**< Verify */
	SPDKRT_NVME_OPC_RESERVATION_REGISTER = 0x0D, /**< Reservation Register */
	SPDKRT_NVME_OPC_RESERVATION_REPORT = 0x0E,   /**< Reservation Report */
	SPDKRT_NVME_OPC_RESERVATION_ACQUIRE = 0x11,  /**< Reservation Acquire */
	SPDKRT_NVME_OPC_RESERVATION_RELEASE = 0x15,  /**< Reservation Release */
};

/** Fabrics command types (byte 4 of a fabrics command). */
enum spdkrt_nvmf_fabric_cmd_type {
	SPDKRT_NVMF_FCTYPE_PROPERTY_SET = 0x00,        /**< Property Set */
	SPDKRT_NVMF_FCTYPE_CONNECT = 0x01,             /**< Connect */
	SPDKRT_NVMF_FCTYPE_PROPERTY_GET = 0x04,        /**< Property Get */
	SPDKRT_NVMF_FCTYPE_AUTHENTICATION_SEND = 0x05, /**< Authentication Send */
	SPDKRT_NVMF_FCTYPE_AUTHENTICATION_RECV = 0x06, /**< Authentication Receive */
	SPDKRT_NVMF_FCTYPE_DISCONNECT = 0x08,          /**< Disconnect */
};

/** The namespace id meaning "every namespace". */
#define SPDKRT_NVME_NSID_ALL 0xFFFFFFFFu
/** Largest number of I/O queues a controller can have. */
#define SPDKRT_NVME_MAX_IO_QUEUES 65535u

/* ---------------------------------------------------------------------------------------------
 * Admin command fields
 * ------------------------------------------------------------------------------------------- */

/* Create I/O CQ / SQ, CDW10 and CDW11 */
#define SPDKRT_NVME_CREATE_QID_SHIFT 0        /**< CDW10: queue id */
#define SPDKRT_NVME_CREATE_QID_MASK 0xFFFFu   /**< queue id width */
#define SPDKRT_NVME_CREATE_QSIZE_SHIFT 16     /**< CDW10: queue size, 0-based */
#define SPDKRT_NVME_CREATE_QSIZE_MASK 0xFFFFu /**< queue size width */
#define SPDKRT_NVME_CREATE_PC_SHIFT 0         /**< CDW11: physically contiguous */
#define SPDKRT_NVME_CREATE_PC_MASK 0x1u       /**< physically contiguous width */
#define SPDKRT_NVME_CREATE_CQ_IEN_SHIFT 1     /**< CDW11 (CQ): interrupts enabled */
#define SPDKRT_NVME_CREATE_CQ_IEN_MASK 0x1u   /**< interrupts enabled width */
#define SPDKRT_NVME_CREATE_CQ_IV_SHIFT 16     /**< CDW11 (CQ): interrupt vector */
#define SPDKRT_NVME_CREATE_CQ_IV_MASK 0xFFFFu /**< interrupt vector width */
#define SPDKRT_NVME_CREATE_SQ_QPRIO_SHIFT 1   /**< CDW11 (SQ): priority (enum spdkrt_nvme_qprio) */
#define SPDKRT_NVME_CREATE_SQ_QPRIO_MASK 0x3u /**< priority width */
#define SPDKRT_NVME_CREATE_SQ_CQID_SHIFT 16   /**< CDW11 (SQ): completion queue id */
#define SPDKRT_NVME_CREATE_SQ_CQID_MASK 0xFFFFu /**< completion queue id width */

/** Submission queue priorities under weighted round robin. */
enum spdkrt_nvme_qprio {
	SPDKRT_NVME_QPRIO_URGENT = 0, /**< urgent */
	SPDKRT_NVME_QPRIO_HIGH = 1,   /**< high */
	SPDKRT_NVME_QPRIO_MEDIUM = 2, /**< medium */
	SPDKRT_NVME_QPRIO_LOW = 3,    /**< low */
};

/** Identify CNS values (CDW10 bits 7:0). */
enum spdkrt_nvme_identify_cns {
	SPDKRT_NVME_IDENTIFY_NS = 0x00,                    /**< namespace data of NSID */
	SPDKRT_NVME_IDENTIFY_CTRLR = 0x01,                 /**< controller data */
	SPDKRT_NVME_IDENTIFY_ACTIVE_NS_LIST = 0x02,        /**< active NSIDs greater than NSID */
	SPDKRT_NVME_IDENTIFY_NS_ID_DESCRIPTOR_LIST = 0x03, /**< namespace id descriptors of NSID */
	SPDKRT_NVME_IDENTIFY_NVM_SET_LIST = 0x04,          /**< NVM set list */
	SPDKRT_NVME_IDENTIFY_ALLOCATED_NS_LIST = 0x10,     /**< allocated NSIDs greater than NSID */
	SPDKRT_NVME_IDENTIFY_ALLOCATED_NS = 0x11, /**< namespace data of an allocated NSID */
	SPDKRT_NVME_IDENTIFY_NS_ATTACHED_CTRLR_LIST = 0x12, /**< controllers attached to NSID */
	SPDKRT_NVME_IDENTIFY_CTRLR_LIST = 0x13,             /**< controllers in the subsystem */
};

/* Get Log Page, CDW10..CDW11 */
#define SPDKRT_NVME_LOG_LID_SHIFT 0        /**< CDW10: log page id */
#define SPDKRT_NVME_LOG_LID_MASK 0xFFu     /**< log page id width */
#define SPDKRT_NVME_LOG_LSP_SHIFT 8        /**< CDW10: log specific field */
#define SPDKRT_NVME_LOG_LSP_MASK 0xFu      /**< log specific field width */
#define SPDKRT_NVME_LOG_RAE_SHIFT 15       /**< CDW10: retain asynchronous event */
#define SPDKRT_NVME_LOG_RAE_MASK 0x1u      /**< retain asynchronous event width */
#define SPDKRT_NVME_LOG_NUMDL_SHIFT 16     /**< CDW10: dwords to read, 0-based, low 16 bits */
#define SPDKRT_NVME_LOG_NUMDL_MASK 0xFFFFu /**< NUMDL width */
#define SPDKRT_NVME_LOG_NUMDU_SHIFT 0      /**< CDW11: dwords to read, high 16 bits */
#define SPDKRT_NVME_LOG_NUMDU_MASK 0xFFFFu /**< NUMDU width */
#define SPDKRT_NVME_LOG_LSI_SHIFT 16       /**< CDW11: log specific identifier */
#define SPDKRT_NVME_LOG_LSI_MASK 0xFFFFu   /**< LSI width */

/** Log page identifiers. */
enum spdkrt_nvme_log_page {
	SPDKRT_NVME_LOG_ERROR = 0x01,                       /**< error information */
	SPDKRT_NVME_LOG_HEALTH_INFORMATION = 0x02,          /**< SMART / health information */
	SPDKRT_NVME_LOG_FIRMWARE_SLOT = 0x03,               /**< firmware slot information */
	SPDKRT_NVME_LOG_CHANGED_NS_LIST = 0x04,             /**< changed namespace list */
	SPDKRT_NVME_LOG_COMMAND_EFFECTS = 0x05,             /**< commands supported and effects */
	SPDKRT_NVME_LOG_DEVICE_SELF_TEST = 0x06,            /**< device self-test */
	SPDKRT_NVME_LOG_TELEMETRY_HOST_INITIATED = 0x07,    /**< telemetry host-initiated */
	SPDKRT_NVME_LOG_TELEMETRY_CTRLR_INITIATED = 0x08,   /**< telemetry controller-initiated */
	SPDKRT_NVME_LOG_ENDURANCE_GROUP_INFORMATION = 0x09, /**< endurance group information */
	SPDKRT_NVME_LOG_ASYMMETRIC_NAMESPACE_ACCESS = 0x0C, /**< ANA */
	SPDKRT_NVME_LOG_PERSISTENT_EVENT = 0x0D,            /**< persistent event log */
	SPDKRT_NVME_LOG_LBA_STATUS = 0x0E,                  /**< LBA status information */
	SPDKRT_NVME_LOG_DISCOVERY = 0x70,                   /**< fabrics discovery */
	SPDKRT_NVME_LOG_RESERVATION_NOTIFICATION = 0x80,    /**< reservation notification */
	SPDKRT_NVME_LOG_SANITIZE_STATUS = 0x81,             /**< sanitize status */
	SPDKRT_NVME_LOG_INTEL_LOG_PAGE_DIRECTORY = 0xC0,    /**< Intel: log page directory */
	SPDKRT_NVME_LOG_INTEL_READ_CMD_LATENCY = 0xC1,      /**< Intel: read command latency */
	SPDKRT_NVME_LOG_INTEL_WRITE_CMD_LATENCY = 0xC2,     /**< Intel: write command latency */
	SPDKRT_NVME_LOG_INTEL_TEMPERATURE = 0xC5,           /**< Intel: temperature */
	SPDKRT_NVME_LOG_INTEL_SMART = 0xCA,                 /**< Intel: additional SMART */
	SPDKRT_NVME_LOG_INTEL_MARKETING_DESCRIPTION = 0xDD, /**< Intel: marketing description */
};

/** Feature identifiers (Get/Set Features CDW10 bits 7:0). */
enum spdkrt_nvme_feature {
	SPDKRT_NVME_FEAT_ARBITRATION = 0x01,                    /**< arbitration (weights, burst) */
	SPDKRT_NVME_FEAT_POWER_MANAGEMENT = 0x02,               /**< power management */
	SPDKRT_NVME_FEAT_LBA_RANGE_TYPE = 0x03,                 /**< LBA range type (data buffer) */
	SPDKRT_NVME_FEAT_TEMPERATURE_THRESHOLD = 0x04,          /**< temperature threshold */
	SPDKRT_NVME_FEAT_ERROR_RECOVERY = 0x05,                 /**< error recovery */
	SPDKRT_NVME_FEAT_VOLATILE_WRITE_CACHE = 0x06,           /**< volatile write cache */
	SPDKRT_NVME_FEAT_NUMBER_OF_QUEUES = 0x07,               /**< number of queues */
	SPDKRT_NVME_FEAT_INTERRUPT_COALESCING = 0x08,           /**< interrupt coalescing */
	SPDKRT_NVME_FEAT_INTERRUPT_VECTOR_CONFIGURATION = 0x09, /**< interrupt vector config */
	SPDKRT_NVME_FEAT_WRITE_ATOMICITY = 0x0A,                /**< write atomicity normal */
	SPDKRT_NVME_FEAT_ASYNC_EVENT_CONFIGURATION = 0x0B, /**< asynchronous event configuration */
	SPDKRT_NVME_FEAT_AUTONOMOUS_POWER_STATE_TRANSITION = 0x0C,  /**< APST (data buffer) */
	SPDKRT_NVME_FEAT_HOST_MEM_BUFFER = 0x0D,                    /**< host memory buffer */
	SPDKRT_NVME_FEAT_TIMESTAMP = 0x0E,                          /**< timestamp (data buffer) */
	SPDKRT_NVME_FEAT_KEEP_ALIVE_TIMER = 0x0F,                   /**< keep alive timer (ms) */
	SPDKRT_NVME_FEAT_HOST_CONTROLLED_THERMAL_MANAGEMENT = 0x10, /**< thermal management */
	SPDKRT_NVME_FEAT_NON_OPERATIONAL_POWER_STATE_CONFIG = 0x11, /**< non-op power state */
	SPDKRT_NVME_FEAT_HOST_BEHAVIOR_SUPPORT = 0x16,    /**< host behavior (data buffer) */
	SPDKRT_NVME_FEAT_SOFTWARE_PROGRESS_MARKER = 0x80, /**< software progress marker */
	SPDKRT_NVME_FEAT_HOST_IDENTIFIER = 0x81,          /**< host identifier (data buffer) */
	SPDKRT_NVME_FEAT_HOST_RESERVE_MASK = 0x82,        /**< reservation notification mask */
	SPDKRT_NVME_FEAT_HOST_RESERVE_PERSIST = 0x83,     /**< reservation persistence */
};

/** Get Features SEL (CDW10 bits 10:8). */
enum spdkrt_nvme_feat_sel {
	SPDKRT_NVME_FEAT_SEL_CURRENT = 0,   /**< current value */
	SPDKRT_NVME_FEAT_SEL_DEFAULT = 1,   /**< default value */
	SPDKRT_NVME_FEAT_SEL_SAVED = 2,     /**< saved value */
	SPDKRT_NVME_FEAT_SEL_SUPPORTED = 3, /**< supported capabilities */
};
#define SPDKRT_NVME_FEAT_FID_SHIFT 0    /**< CDW10: feature id */
#define SPDKRT_NVME_FEAT_FID_MASK 0xFFu /**< feature id width */
#define SPDKRT_NVME_FEAT_SEL_SHIFT 8    /**< CDW10 (get): select */
#define SPDKRT_NVME_FEAT_SEL_MASK 0x7u  /**< select width */
#define SPDKRT_NVME_FEAT_SV_SHIFT 31    /**< CDW10 (set): save */
#define SPDKRT_NVME_FEAT_SV_MASK 0x1u   /**< save width */

/* Arbitration feature, CDW11 */
#define SPDKRT_NVME_ARB_AB_SHIFT 0     /**< arbitration burst, 2^AB commands (7 = no limit) */
#define SPDKRT_NVME_ARB_AB_MASK 0x7u   /**< burst width */
#define SPDKRT_NVME_ARB_LPW_SHIFT 8    /**< low priority weight, 0-based */
#define SPDKRT_NVME_ARB_LPW_MASK 0xFFu /**< low weight width */
#define SPDKRT_NVME_ARB_MPW_SHIFT 16   /**< medium priority weight, 0-based */
#define SPDKRT_NVME_ARB_MPW_MASK 0xFFu /**< medium weight width */
#define SPDKRT_NVME_ARB_HPW_SHIFT 24   /**< high priority weight, 0-based */
#define SPDKRT_NVME_ARB_HPW_MASK 0xFFu /**< high weight width */

/* Number of Queues feature, CDW11 and CDW0 of the completion (both 0-based) */
#define SPDKRT_NVME_NUMQ_NSQ_SHIFT 0      /**< submission queues, 0-based */
#define SPDKRT_NVME_NUMQ_NSQ_MASK 0xFFFFu /**< submission queues width */
#define SPDKRT_NVME_NUMQ_NCQ_SHIFT 16     /**< completion queues, 0-based */
#define SPDKRT_NVME_NUMQ_NCQ_MASK 0xFFFFu /**< completion queues width */

/* Asynchronous Event Configuration feature, CDW11 */
#define SPDKRT_NVME_AEC_CRIT_WARNING_SHIFT 0    /**< SMART critical warnings to report */
#define SPDKRT_NVME_AEC_CRIT_WARNING_MASK 0xFFu /**< critical warning width */
#define SPDKRT_NVME_AEC_NS_ATTR_SHIFT 8         /**< namespace attribute notices */
#define SPDKRT_NVME_AEC_NS_ATTR_MASK 0x1u       /**< namespace attribute width */
#define SPDKRT_NVME_AEC_FW_ACTIVATION_SHIFT 9   /**< firmware activation notices */
#define SPDKRT_NVME_AEC_FW_ACTIVATION_MASK 0x1u /**< firmware activation width */

/* Asynchronous event completion CDW0 */
#define SPDKRT_NVME_AER_TYPE_SHIFT 0    /**< event type (enum spdkrt_nvme_aer_type) */
#define SPDKRT_NVME_AER_TYPE_MASK 0x7u  /**< event type width */
#define SPDKRT_NVME_AER_INFO_SHIFT 8    /**< event information */
#define SPDKRT_NVME_AER_INFO_MASK 0xFFu /**< event information width */
#define SPDKRT_NVME_AER_LID_SHIFT 16    /**< associated log page id */
#define SPDKRT_NVME_AER_LID_MASK 0xFFu  /**< log page id width */

/** Asynchronous event types. */
enum spdkrt_nvme_aer_type {
	SPDKRT_NVME_AER_TYPE_ERROR = 0,  /**< error status */
	SPDKRT_NVME_AER_TYPE_SMART = 1,  /**< SMART / health status */
	SPDKRT_NVME_AER_TYPE_NOTICE = 2, /**< notice */
	SPDKRT_NVME_AER_TYPE_IO = 6,     /**< I/O command set specific */
	SPDKRT_NVME_AER_TYPE_VENDOR = 7, /**< vendor specific */
};

/** Asynchronous event information for notices (type 2). */
enum spdkrt_nvme_aer_notice {
	SPDKRT_NVME_AER_NOTICE_NS_ATTR_CHANGED = 0x00,  /**< namespace attribute changed */
	SPDKRT_NVME_AER_NOTICE_FW_ACTIVATION = 0x01,    /**< firmware activation starting */
	SPDKRT_NVME_AER_NOTICE_TELEMETRY = 0x02,        /**< telemetry log changed */
	SPDKRT_NVME_AER_NOTICE_ANA_CHANGE = 0x03,       /**< ANA change */
	SPDKRT_NVME_AER_NOTICE_DISCOVERY_CHANGE = 0xF0, /**< discovery log page changed */
};

/* Abort, CDW10 */
#define SPDKRT_NVME_ABORT_SQID_SHIFT 0      /**< submission queue id */
#define SPDKRT_NVME_ABORT_SQID_MASK 0xFFFFu /**< submission queue id width */
#define SPDKRT_NVME_ABORT_CID_SHIFT 16      /**< command id */
#define SPDKRT_NVME_ABORT_CID_MASK 0xFFFFu  /**< command id width */

/* Format NVM, CDW10 */
#define SPDKRT_NVME_FORMAT_LBAF_SHIFT 0   /**< LBA format index */
#define SPDKRT_NVME_FORMAT_LBAF_MASK 0xFu /**< LBA format width */
#define SPDKRT_NVME_FORMAT_MSET_SHIFT 4   /**< metadata settings: 1 = extended LBA */
#define SPDKRT_NVME_FORMAT_MSET_MASK 0x1u /**< metadata settings width */
#define SPDKRT_NVME_FORMAT_PI_SHIFT 5     /**< protection information type */
#define SPDKRT_NVME_FORMAT_PI_MASK 0x7u   /**< protection information width */
#define SPDKRT_NVME_FORMAT_PIL_SHIFT 8    /**< PI location: 1 = first bytes of metadata */
#define SPDKRT_NVME_FORMAT_PIL_MASK 0x1u  /**< PI location width */
#define SPDKRT_NVME_FORMAT_SES_SHIFT 9    /**< secure erase settings */
#define SPDKRT_NVME_FORMAT_SES_MASK 0x7u  /**< secure erase width */

/* Firmware Commit, CDW10 */
#define SPDKRT_NVME_FW_COMMIT_FS_SHIFT 0   /**< firmware slot (0 = controller chooses) */
#define SPDKRT_NVME_FW_COMMIT_FS_MASK 0x7u /**< firmware slot width */
#define SPDKRT_NVME_FW_COMMIT_CA_SHIFT 3   /**< commit action (enum spdkrt_nvme_fw_commit_action) */
#define SPDKRT_NVME_FW_COMMIT_CA_MASK 0x7u /**< commit action width */
#define SPDKRT_NVME_FW_COMMIT_BPID_SHIFT 31  /**< boot partition id */
#define SPDKRT_NVME_FW_COMMIT_BPID_MASK 0x1u /**< boot partition id width */

/** Firmware commit actions. */
enum spdkrt_nvme_fw_commit_action {
	SPDKRT_NVME_FW_COMMIT_REPLACE_IMG = 0, /**< replace the slot's image, no activation */
	SPDKRT_NVME_FW_COMMIT_REPLACE_AND_ENABLE = 1,      /**< replace, activate at next reset */
	SPDKRT_NVME_FW_COMMIT_ENABLE_IMG = 2,              /**< activate the slot at next reset */
	SPDKRT_NVME_FW_COMMIT_RUN_IMG = 3,                 /**< replace and activate now */
	SPDKRT_NVME_FW_COMMIT_REPLACE_BOOT_PARTITION = 6,  /**< replace a boot partition */
	SPDKRT_NVME_FW_COMMIT_ACTIVATE_BOOT_PARTITION = 7, /**< mark a boot partition active */
};

/** Namespace Management / Attachment select values (CDW10 bits 3:0). */
enum spdkrt_nvme_ns_sel {
	SPDKRT_NVME_NS_MANAGEMENT_CREATE = 0, /**< create (management) */
	SPDKRT_NVME_NS_MANAGEMENT_DELETE = 1, /**< delete (management) */
	SPDKRT_NVME_NS_CTRLR_ATTACH = 0,      /**< attach (attachment) */
	SPDKRT_NVME_NS_CTRLR_DETACH = 1,      /**< detach (attachment) */
};

/* ---------------------------------------------------------------------------------------------
 * I/O command fields
 * ------------------------------------------------------------------------------------------- */

/* Read / Write / Compare / Write Zeroes CDW12 (NLB in bits 15:0, 0-based) */
#define SPDKRT_NVME_IO_NLB_MASK 0xFFFFu              /**< CDW12 number of logical blocks, 0-based */
#define SPDKRT_NVME_IO_FLAGS_DEAC (1u << 25)         /**< write zeroes: deallocate */
#define SPDKRT_NVME_IO_FLAGS_PRCHK_REFTAG (1u << 26) /**< check the reference tag */
#define SPDKRT_NVME_IO_FLAGS_PRCHK_APPTAG (1u << 27) /**< check the application tag */
#define SPDKRT_NVME_IO_FLAGS_PRCHK_GUARD (1u << 28)  /**< check the guard */
#define SPDKRT_NVME_IO_FLAGS_PRACT (1u << 29)        /**< controller inserts/strips PI */
#define SPDKRT_NVME_IO_FLAGS_FUA (1u << 30)          /**< force unit access */
#define SPDKRT_NVME_IO_FLAGS_LIMITED_RETRY (1u << 31) /**< limited retry */
/** Every flag a caller may pass in an I/O's io_flags (CDW12 bits 31:25). */
#define SPDKRT_NVME_IO_FLAGS_VALID_MASK 0xFE000000u
/** The largest block count of one Write Zeroes / Read / Write command (NLB is 16 bits). */
#define SPDKRT_NVME_MAX_NLB 65536u

/* CDW15 of protected I/O */
#define SPDKRT_NVME_IO_APPTAG_SHIFT 0           /**< expected application tag */
#define SPDKRT_NVME_IO_APPTAG_MASK 0xFFFFu      /**< application tag width */
#define SPDKRT_NVME_IO_APPTAG_MASK_SHIFT 16     /**< application tag mask */
#define SPDKRT_NVME_IO_APPTAG_MASK_MASK 0xFFFFu /**< application tag mask width */

/** Dataset Management attributes (CDW11). */
enum spdkrt_nvme_dsm_attribute {
	SPDKRT_NVME_DSM_ATTR_INTEGRAL_READ = 0x1,  /**< IDR */
	SPDKRT_NVME_DSM_ATTR_INTEGRAL_WRITE = 0x2, /**< IDW */
	SPDKRT_NVME_DSM_ATTR_DEALLOCATE = 0x4,     /**< AD: deallocate the ranges */
};

/** Largest number of ranges in one Dataset Management command. */
#define SPDKRT_NVME_DSM_MAX_RANGES 256u

/** One Dataset Management range. */
struct spdkrt_nvme_dsm_range {
	uint32_t attributes;   /**< context attributes */
	uint32_t length;       /**< number of logical blocks */
	uint64_t starting_lba; /**< first LBA */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_dsm_range) == 16, "dsm range");

/** End-to-end protection information, 8 bytes per block (big-endian on the medium). */
struct spdkrt_nvme_protection_info {
	uint16_t guard;   /**< CRC-16 of the block data, big-endian */
	uint16_t app_tag; /**< application tag, big-endian */
	uint32_t ref_tag; /**< reference tag, big-endian */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_protection_info) == 8, "pi");

/* ---------------------------------------------------------------------------------------------
 * Reservations
 * ------------------------------------------------------------------------------------------- */

/** Reservation types (RTYPE). */
enum spdkrt_nvme_reservation_type {
	SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE = 1,          /**< write exclusive */
	SPDKRT_NVME_RESERVE_EXCLUSIVE_ACCESS = 2,         /**< exclusive access */
	SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE_REG_ONLY = 3, /**< write exclusive, registrants only */
	SPDKRT_NVME_RESERVE_EXCLUSIVE_ACCESS_REG_ONLY =
		4,                                        /**< exclusive access, registrants only */
	SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE_ALL_REGS = 5, /**< write exclusive, all registrants */
	SPDKRT_NVME_RESERVE_EXCLUSIVE_ACCESS_ALL_REGS = 6, /**< exclusive access, all registrants */
};

/** Reservation Register actions (RREGA). */
enum spdkrt_nvme_reservation_register_action {
	SPDKRT_NVME_RESERVE_REGISTER_KEY = 0,   /**< register a key */
	SPDKRT_NVME_RESERVE_UNREGISTER_KEY = 1, /**< unregister */
	SPDKRT_NVME_RESERVE_REPLACE_KEY = 2,    /**< replace the key */
};

/** Change Persist Through Power Loss state (CPTPL, Reservation Register CDW10 bits 31:30). */
enum spdkrt_nvme_reservation_register_cptpl {
	SPDKRT_NVME_RESERVE_PTPL_NO_CHANGES = 0,         /**< no change */
	SPDKRT_NVME_RESERVE_PTPL_CLEAR_POWER_ON = 2,     /**< reservations released at power loss */
	SPDKRT_NVME_RESERVE_PTPL_PERSIST_POWER_LOSS = 3, /**< reservations persist */
};

/** Reservation Acquire actions (RACQA). */
enum spdkrt_nvme_reservation_acquire_action {
	SPDKRT_NVME_RESERVE_ACQUIRE = 0,       /**< acquire */
	SPDKRT_NVME_RESERVE_PREEMPT = 1,       /**< preempt */
	SPDKRT_NVME_RESERVE_PREEMPT_ABORT = 2, /**< preempt and abort */
};

/** Reservation Release actions (RRELA). */
enum spdkrt_nvme_reservation_release_action {
	SPDKRT_NVME_RESERVE_RELEASE = 0, /**< release */
	SPDKRT_NVME_RESERVE_CLEAR = 1,   /**< clear */
};

/* Reservation command CDW10 fields */
#define SPDKRT_NVME_RESV_ACTION_SHIFT 0   /**< RREGA / RACQA / RRELA */
#define SPDKRT_NVME_RESV_ACTION_MASK 0x7u /**< action width */
#define SPDKRT_NVME_RESV_IEKEY_SHIFT 3    /**< ignore existing key */
#define SPDKRT_NVME_RESV_IEKEY_MASK 0x1u  /**< ignore existing key width */
#define SPDKRT_NVME_RESV_RTYPE_SHIFT 8    /**< reservation type (acquire, release) */
#define SPDKRT_NVME_RESV_RTYPE_MASK 0xFFu /**< reservation type width */
#define SPDKRT_NVME_RESV_CPTPL_SHIFT 30   /**< change persist through power loss (register) */
#define SPDKRT_NVME_RESV_CPTPL_MASK 0x3u  /**< CPTPL width */

/** Reservation Register data. */
struct spdkrt_nvme_reservation_register_data {
	uint64_t crkey; /**< current reservation key */
	uint64_t nrkey; /**< new reservation key */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_reservation_register_data) == 16, "resv reg");

/** Reservation Acquire data. */
struct spdkrt_nvme_reservation_acquire_data {
	uint64_t crkey; /**< current reservation key */
	uint64_t prkey; /**< preempt reservation key */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_reservation_acquire_data) == 16, "resv acq");

/** Reservation Release data. */
struct spdkrt_nvme_reservation_key_data {
	uint64_t crkey; /**< current reservation key */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_reservation_key_data) == 8, "resv key");

/** Reservation Report header (regctl and ptpls are unaligned in the spec: byte arrays). */
struct spdkrt_nvme_reservation_status_data {
	uint32_t gen;          /**< generation */
	uint8_t rtype;         /**< reservation type held */
	uint8_t regctl[2];     /**< number of registered controllers, little-endian */
	uint8_t reserved1[2];  /**< reserved */
	uint8_t ptpls;         /**< persist through power loss state */
	uint8_t reserved2[14]; /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_reservation_status_data) == 24, "resv status");

/** One registered controller in a Reservation Report (64-bit host id). */
struct spdkrt_nvme_registered_ctrlr_data {
	uint16_t cntlid;     /**< controller id (0xFFFF: dynamic) */
	uint8_t rcsts;       /**< bit 0: holds the reservation */
	uint8_t reserved[5]; /**< reserved */
	uint64_t hostid;     /**< host identifier */
	uint64_t rkey;       /**< reservation key */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_registered_ctrlr_data) == 24, "resv ctrlr");

/** Reservation Report CDW11 bit 0 (EDS): the extended data structure, 128-bit host ids. */
#define SPDKRT_NVME_RESV_REPORT_EDS 0x1u
/** Extended Reservation Report: the status header padded to 64 bytes, then the registrants. */
#define SPDKRT_NVME_RESV_REPORT_EXT_HEADER_LEN 64u

/** One registered controller in an extended Reservation Report (128-bit host id). */
struct spdkrt_nvme_registered_ctrlr_extended_data {
	uint16_t cntlid;       /**< controller id (0xFFFF: dynamic) */
	uint8_t rcsts;         /**< bit 0: holds the reservation */
	uint8_t reserved[5];   /**< reserved */
	uint64_t rkey;         /**< reservation key */
	uint8_t hostid[16];    /**< host identifier */
	uint8_t reserved2[32]; /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_registered_ctrlr_extended_data) == 64,
		     "resv ctrlr ext");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_registered_ctrlr_extended_data, hostid) == 16,
		     "resv ctrlr ext hostid");

/* ---------------------------------------------------------------------------------------------
 * Identify data
 * ------------------------------------------------------------------------------------------- */

/** One power state descriptor. */
struct spdkrt_nvme_power_state {
	uint16_t mp;          /**< maximum power, centiwatts (or 0.0001 W with MXPS) */
	uint8_t reserved1;    /**< reserved */
	uint8_t flags;        /**< bit 0 MXPS, bit 1 NOPS */
	uint32_t enlat;       /**< entry latency, us */
	uint32_t exlat;       /**< exit latency, us */
	uint8_t rrt;          /**< relative read throughput */
	uint8_t rrl;          /**< relative read latency */
	uint8_t rwt;          /**< relative write throughput */
	uint8_t rwl;          /**< relative write latency */
	uint16_t idlp;        /**< idle power */
	uint8_t ips;          /**< idle power scale, bits 7:6 */
	uint8_t reserved2;    /**< reserved */
	uint16_t actp;        /**< active power */
	uint8_t apw_aps;      /**< active power workload 2:0, scale 7:6 */
	uint8_t reserved3[9]; /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_power_state) == 32, "power state");

/* Identify controller: OACS bits */
#define SPDKRT_NVME_OACS_SECURITY (1u << 0)         /**< Security Send/Receive */
#define SPDKRT_NVME_OACS_FORMAT (1u << 1)           /**< Format NVM */
#define SPDKRT_NVME_OACS_FIRMWARE (1u << 2)         /**< Firmware Commit/Download */
#define SPDKRT_NVME_OACS_NS_MANAGE (1u << 3)        /**< Namespace Management/Attachment */
#define SPDKRT_NVME_OACS_DEVICE_SELF_TEST (1u << 4) /**< Device Self-test */
#define SPDKRT_NVME_OACS_DIRECTIVES (1u << 5)       /**< Directives */
#define SPDKRT_NVME_OACS_NVME_MI (1u << 6)          /**< NVMe-MI Send/Receive */
#define SPDKRT_NVME_OACS_VIRTUALIZATION (1u << 7)   /**< Virtualization Management */
#define SPDKRT_NVME_OACS_DOORBELL_BUFFER (1u << 8)  /**< Doorbell Buffer Config */
#define SPDKRT_NVME_OACS_GET_LBA_STATUS (1u << 9)   /**< Get LBA Status */

/* Identify controller: ONCS bits */
#define SPDKRT_NVME_ONCS_COMPARE (1u << 0)             /**< Compare */
#define SPDKRT_NVME_ONCS_WRITE_UNCORRECTABLE (1u << 1) /**< Write Uncorrectable */
#define SPDKRT_NVME_ONCS_DSM (1u << 2)                 /**< Dataset Management */
#define SPDKRT_NVME_ONCS_WRITE_ZEROES (1u << 3)        /**< Write Zeroes */
#define SPDKRT_NVME_ONCS_SAVE_SELECT (1u << 4)         /**< Save field and select in features */
#define SPDKRT_NVME_ONCS_RESERVATIONS (1u << 5)        /**< Reservations */
#define SPDKRT_NVME_ONCS_TIMESTAMP (1u << 6)           /**< Timestamp feature */
#define SPDKRT_NVME_ONCS_VERIFY (1u << 7)              /**< Verify */

/* Identify controller: LPA bits */
#define SPDKRT_NVME_LPA_NS_SMART (1u << 0)         /**< per-namespace SMART log */
#define SPDKRT_NVME_LPA_CMD_EFFECTS (1u << 1)      /**< commands supported and effects log */
#define SPDKRT_NVME_LPA_EDLP (1u << 2)             /**< extended data for Get Log Page (offsets) */
#define SPDKRT_NVME_LPA_TELEMETRY (1u << 3)        /**< telemetry logs */
#define SPDKRT_NVME_LPA_PERSISTENT_EVENT (1u << 4) /**< persistent event log */

/* Identify controller: SGLS */
#define SPDKRT_NVME_SGLS_SUPPORT_SHIFT 0       /**< 0 none, 1 any alignment, 2 dword aligned */
#define SPDKRT_NVME_SGLS_SUPPORT_MASK 0x3u     /**< SGL support width */
#define SPDKRT_NVME_SGLS_KEYED (1u << 2)       /**< keyed SGL data block */
#define SPDKRT_NVME_SGLS_BIT_BUCKET (1u << 16) /**< bit bucket descriptor */
#define SPDKRT_NVME_SGLS_MPTR_SGL (1u << 19)   /**< MPTR may hold one SGL descriptor */
#define SPDKRT_NVME_SGLS_OFFSET (1u << 20)     /**< address field may be an offset */

/** Fabrics-specific area of the identify controller data (bytes 1792..2047). */
struct spdkrt_nvme_cdata_nvmf_specific {
	uint32_t ioccsz;       /**< I/O queue command capsule size, 16-byte units */
	uint32_t iorcsz;       /**< I/O queue response capsule size, 16-byte units */
	uint16_t icdoff;       /**< in-capsule data offset, 16-byte units */
	uint8_t fcatt;         /**< fabrics controller attributes */
	uint8_t msdbd;         /**< maximum SGL data block descriptors */
	uint16_t ofcs;         /**< optional fabrics commands supported */
	uint8_t reserved[242]; /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_cdata_nvmf_specific) == 256, "nvmf specific");

/** Identify Controller data (CNS 01h), 4096 bytes. */
struct spdkrt_nvme_ctrlr_data {
	uint16_t vid;           /**< PCI vendor id */
	uint16_t ssvid;         /**< PCI subsystem vendor id */
	int8_t sn[20];          /**< serial number, ASCII, space padded */
	int8_t mn[40];          /**< model number, ASCII, space padded */
	int8_t fr[8];           /**< firmware revision, ASCII */
	uint8_t rab;            /**< recommended arbitration burst */
	uint8_t ieee[3];        /**< IEEE OUI */
	uint8_t cmic;           /**< multi-path I/O and namespace sharing */
	uint8_t mdts;           /**< max data transfer size: 2^MDTS min pages, 0 = no limit */
	uint16_t cntlid;        /**< controller id */
	uint32_t ver;           /**< version (as VS) */
	uint32_t rtd3r;         /**< RTD3 resume latency, us */
	uint32_t rtd3e;         /**< RTD3 entry latency, us: bounds a shutdown */
	uint32_t oaes;          /**< optional asynchronous events supported */
	uint32_t ctratt;        /**< controller attributes */
	uint16_t rrls;          /**< read recovery levels supported */
	uint8_t reserved1[9];   /**< reserved */
	uint8_t cntrltype;      /**< controller type (1 I/O, 2 discovery, 3 admin) */
	uint8_t fguid[16];      /**< FRU GUID */
	uint16_t crdt[3];       /**< command retry delay times, 100 ms units */
	uint8_t reserved2[122]; /**< reserved, NVMe-MI */
	uint16_t oacs;          /**< optional admin commands (SPDKRT_NVME_OACS_*) */
	uint8_t acl;            /**< abort command limit, 0-based */
	uint8_t aerl;           /**< asynchronous event request limit, 0-based */
	uint8_t frmw;           /**< firmware updates: bit 0 slot 1 RO, 3:1 slots, 4 activation */
	uint8_t lpa;            /**< log page attributes (SPDKRT_NVME_LPA_*) */
	uint8_t elpe;           /**< error log page entries, 0-based */
	uint8_t npss;           /**< number of power states, 0-based */
	uint8_t avscc;          /**< admin vendor specific command configuration */
	uint8_t apsta;          /**< autonomous power state transition attributes */
	uint16_t wctemp;        /**< warning composite temperature threshold, K */
	uint16_t cctemp;        /**< critical composite temperature threshold, K */
	uint16_t mtfa;          /**< maximum time for firmware activation, 100 ms */
	uint32_t hmpre;         /**< host memory buffer preferred size, 4 KiB */
	uint32_t hmmin;         /**< host memory buffer minimum size, 4 KiB */
	uint64_t tnvmcap[2];    /**< total NVM capacity, bytes (128-bit) */
	uint64_t unvmcap[2];    /**< unallocated NVM capacity, bytes (128-bit) */
	uint32_t rpmbs;         /**< replay protected memory block support */
	uint16_t edstt;         /**< extended device self-test time, minutes */
	uint8_t dsto;           /**< device self-test options */
	uint8_t fwug;           /**< firmware update granularity, 4 KiB units */
	uint16_t kas;           /**< keep alive support, 100 ms granularity; 0 = none */
	uint16_t hctma;         /**< host controlled thermal management attributes */
	uint16_t mntmt;         /**< minimum thermal management temperature */
	uint16_t mxtmt;         /**< maximum thermal management temperature */
	uint32_t sanicap;       /**< sanitize capabilities */
	uint32_t hmminds;       /**< host memory buffer minimum descriptor entry size */
	uint16_t hmmaxd;        /**< host memory maximum descriptors entries */
	uint16_t nsetidmax;     /**< NVM set identifier maximum */
	uint16_t endgidmax;     /**< endurance group identifier maximum */
	uint8_t anatt;          /**< ANA transition time */
	uint8_t anacap;         /**< ANA capabilities */
	uint32_t anagrpmax;     /**< ANA group identifier maximum */
	uint32_t nanagrpid;     /**< number of ANA group identifiers */
	uint32_t pels;          /**< persistent event log size */
	uint8_t reserved3[156]; /**< reserved */
	uint8_t sqes;           /**< SQ entry size: 3:0 required, 7:4 maximum (log2) */
	uint8_t cqes;           /**< CQ entry size: 3:0 required, 7:4 maximum (log2) */
	uint16_t maxcmd;        /**< maximum outstanding commands (fabrics) */
	uint32_t nn;            /**< number of namespaces (largest NSID) */
	uint16_t oncs;          /**< optional NVM commands (SPDKRT_NVME_ONCS_*) */
	uint16_t fuses;         /**< fused operations supported */
	uint8_t fna;            /**< format NVM attributes */
	uint8_t vwc;            /**< volatile write cache present (bit 0) */
	uint16_t awun;          /**< atomic write unit normal, 0-based blocks */
	uint16_t awupf;         /**< atomic write unit power fail, 0-based blocks */
	uint8_t nvscc;          /**< NVM vendor specific command configuration */
	uint8_t nwpc;           /**< namespace write protection capabilities */
	uint16_t acwu;          /**< atomic compare and write unit */
	uint16_t reserved4;     /**< reserved */
	uint32_t sgls;          /**< SGL support (SPDKRT_NVME_SGLS_*) */
	uint32_t mnan;          /**< maximum number of allowed namespaces */
	uint8_t reserved5[224]; /**< reserved */
	char subnqn[256];       /**< NVM subsystem NQN, NUL terminated */
	uint8_t reserved6[768]; /**< reserved */
	struct spdkrt_nvme_cdata_nvmf_specific nvmf_specific; /**< fabrics only */
	struct spdkrt_nvme_power_state psd[32];               /**< power state descriptors */
	uint8_t vs[1024]; /**< vendor specific (Intel: vs[3] is the stripe size, log2 pages) */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_ctrlr_data) == 4096, "ctrlr data");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, mdts) == 77, "cdata.mdts");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, cntlid) == 78, "cdata.cntlid");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, rtd3e) == 88, "cdata.rtd3e");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, crdt) == 128, "cdata.crdt");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, oacs) == 256, "cdata.oacs");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, kas) == 320, "cdata.kas");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, pels) == 352, "cdata.pels");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, sqes) == 512, "cdata.sqes");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, nn) == 516, "cdata.nn");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, oncs) == 520, "cdata.oncs");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, sgls) == 536, "cdata.sgls");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, subnqn) == 768, "cdata.subnqn");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, nvmf_specific) == 1792,
		     "cdata.nvmf_specific");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, psd) == 2048, "cdata.psd");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ctrlr_data, vs) == 3072, "cdata.vs");

/** One LBA format of a namespace. */
struct spdkrt_nvme_lba_format {
	uint16_t ms;   /**< metadata bytes per block */
	uint8_t lbads; /**< data size, log2 bytes (>= 9) */
	uint8_t rp;    /**< relative performance, bits 1:0 */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_lba_format) == 4, "lba format");

/* Identify namespace: FLBAS, MC, DPC, DPS */
#define SPDKRT_NVME_FLBAS_FORMAT_SHIFT 0     /**< FLBAS: index of the format in use */
#define SPDKRT_NVME_FLBAS_FORMAT_MASK 0xFu   /**< format index width */
#define SPDKRT_NVME_FLBAS_EXTENDED_SHIFT 4   /**< FLBAS: metadata at the end of each block */
#define SPDKRT_NVME_FLBAS_EXTENDED_MASK 0x1u /**< extended width */
#define SPDKRT_NVME_MC_EXTENDED (1u << 0)    /**< MC: extended LBA metadata supported */
#define SPDKRT_NVME_MC_POINTER (1u << 1)     /**< MC: separate metadata buffer supported */
#define SPDKRT_NVME_DPC_PIT1 (1u << 0)       /**< DPC: PI type 1 supported */
#define SPDKRT_NVME_DPC_PIT2 (1u << 1)       /**< DPC: PI type 2 supported */
#define SPDKRT_NVME_DPC_PIT3 (1u << 2)       /**< DPC: PI type 3 supported */
#define SPDKRT_NVME_DPC_MD_START (1u << 3)   /**< DPC: PI in the first metadata bytes */
#define SPDKRT_NVME_DPC_MD_END (1u << 4)     /**< DPC: PI in the last metadata bytes */
#define SPDKRT_NVME_DPS_PIT_SHIFT 0          /**< DPS: PI type enabled (enum spdkrt_nvme_pi_type) */
#define SPDKRT_NVME_DPS_PIT_MASK 0x7u        /**< PI type width */
#define SPDKRT_NVME_DPS_MD_START_SHIFT 3     /**< DPS: PI in the first 8 metadata bytes */
#define SPDKRT_NVME_DPS_MD_START_MASK 0x1u   /**< PI location width */

/** Protection information types. */
enum spdkrt_nvme_pi_type {
	SPDKRT_NVME_PI_DISABLED = 0, /**< no protection information */
	SPDKRT_NVME_PI_TYPE1 = 1,    /**< type 1 (reference tag = LBA) */
	SPDKRT_NVME_PI_TYPE2 = 2,    /**< type 2 */
	SPDKRT_NVME_PI_TYPE3 = 3,    /**< type 3 (no reference tag check) */
};

/* Identify namespace: RESCAP bits */
#define SPDKRT_NVME_RESCAP_PERSIST (1u << 0)                   /**< persist through power loss */
#define SPDKRT_NVME_RESCAP_WRITE_EXCLUSIVE (1u << 1)           /**< write exclusive */
#define SPDKRT_NVME_RESCAP_EXCLUSIVE_ACCESS (1u << 2)          /**< exclusive access */
#define SPDKRT_NVME_RESCAP_WRITE_EXCLUSIVE_REG_ONLY (1u << 3)  /**< write excl. registrants only */
#define SPDKRT_NVME_RESCAP_EXCLUSIVE_ACCESS_REG_ONLY (1u << 4) /**< excl. access registrants only */
#define SPDKRT_NVME_RESCAP_WRITE_EXCLUSIVE_ALL_REGS (1u << 5)  /**< write excl. all registrants */
#define SPDKRT_NVME_RESCAP_EXCLUSIVE_ACCESS_ALL_REGS (1u << 6) /**< excl. access all registrants */
#define SPDKRT_NVME_RESCAP_IEKEY (1u << 7)                     /**< ignore existing key semantics */

/** Identify Namespace data (CNS 00h), 4096 bytes. */
struct spdkrt_nvme_ns_data {
	uint64_t nsze;         /**< namespace size, blocks */
	uint64_t ncap;         /**< namespace capacity, blocks */
	uint64_t nuse;         /**< namespace utilization, blocks */
	uint8_t nsfeat;        /**< features: bit 0 thin provisioning, bit 2 DAE */
	uint8_t nlbaf;         /**< number of LBA formats, 0-based (at most 15) */
	uint8_t flbas;         /**< formatted LBA size (SPDKRT_NVME_FLBAS_*) */
	uint8_t mc;            /**< metadata capabilities (SPDKRT_NVME_MC_*) */
	uint8_t dpc;           /**< protection capabilities (SPDKRT_NVME_DPC_*) */
	uint8_t dps;           /**< protection settings (SPDKRT_NVME_DPS_*) */
	uint8_t nmic;          /**< multi-path and sharing: bit 0 shared */
	uint8_t rescap;        /**< reservation capabilities (SPDKRT_NVME_RESCAP_*) */
	uint8_t fpi;           /**< format progress indicator */
	uint8_t dlfeat;        /**< deallocate features: 2:0 read value, 3 write zeroes DEAC */
	uint16_t nawun;        /**< namespace atomic write unit normal */
	uint16_t nawupf;       /**< namespace atomic write unit power fail */
	uint16_t nacwu;        /**< namespace atomic compare and write unit */
	uint16_t nabsn;        /**< namespace atomic boundary size normal */
	uint16_t nabo;         /**< namespace atomic boundary offset */
	uint16_t nabspf;       /**< namespace atomic boundary size power fail */
	uint16_t noiob;        /**< namespace optimal I/O boundary, blocks */
	uint64_t nvmcap[2];    /**< NVM capacity, bytes (128-bit) */
	uint16_t npwg;         /**< preferred write granularity, 0-based */
	uint16_t npwa;         /**< preferred write alignment, 0-based */
	uint16_t npdg;         /**< preferred deallocate granularity, 0-based */
	uint16_t npda;         /**< preferred deallocate alignment, 0-based */
	uint16_t nows;         /**< optimal write size, 0-based */
	uint8_t reserved1[18]; /**< reserved */
	uint32_t anagrpid;     /**< ANA group id */
	uint8_t reserved2[3];  /**< reserved */
	uint8_t nsattr;        /**< namespace attributes: bit 0 write protected */
	uint16_t nvmsetid;     /**< NVM set id */
	uint16_t endgid;       /**< endurance group id */
	uint8_t nguid[16];     /**< namespace globally unique id */
	uint8_t eui64[8];      /**< IEEE extended unique id */
	struct spdkrt_nvme_lba_format lbaf[16]; /**< LBA formats */
	uint8_t reserved3[192];                 /**< reserved */
	uint8_t vendor_specific[3712];          /**< vendor specific */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_ns_data) == 4096, "ns data");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ns_data, flbas) == 26, "nsdata.flbas");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ns_data, dps) == 29, "nsdata.dps");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ns_data, rescap) == 31, "nsdata.rescap");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ns_data, noiob) == 46, "nsdata.noiob");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ns_data, anagrpid) == 92, "nsdata.anagrpid");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ns_data, nguid) == 104, "nsdata.nguid");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ns_data, lbaf) == 128, "nsdata.lbaf");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_ns_data, vendor_specific) == 384,
		     "nsdata.vendor_specific");

/** Number of entries in an active/allocated namespace list or a changed namespace list. */
#define SPDKRT_NVME_NS_LIST_ENTRIES 1024u

/** Namespace list (identify CNS 02h/10h, changed namespace log page). 0 ends the list. */
struct spdkrt_nvme_ns_list {
	uint32_t ns_list[SPDKRT_NVME_NS_LIST_ENTRIES]; /**< NSIDs in increasing order */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_ns_list) == 4096, "ns list");

/** Controller list (namespace attachment data, identify CNS 12h/13h). */
struct spdkrt_nvme_ctrlr_list {
	uint16_t ctrlr_count;      /**< number of entries */
	uint16_t ctrlr_list[2047]; /**< controller ids */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_ctrlr_list) == 4096, "ctrlr list");

/** Namespace identification descriptor types. */
enum spdkrt_nvme_nidt {
	SPDKRT_NVME_NIDT_EUI64 = 0x01, /**< IEEE EUI-64, 8 bytes */
	SPDKRT_NVME_NIDT_NGUID = 0x02, /**< NGUID, 16 bytes */
	SPDKRT_NVME_NIDT_UUID = 0x03,  /**< UUID, 16 bytes */
	SPDKRT_NVME_NIDT_CSI = 0x04,   /**< command set identifier, 1 byte */
};

/** Header of one namespace identification descriptor (CNS 03h: a 4096-byte list of them). */
struct spdkrt_nvme_ns_id_desc {
	uint8_t nidt;        /**< type (enum spdkrt_nvme_nidt); 0 ends the list */
	uint8_t nidl;        /**< length of the identifier that follows */
	uint8_t reserved[2]; /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_ns_id_desc) == 4, "ns id desc");

/* ---------------------------------------------------------------------------------------------
 * Log pages
 * ------------------------------------------------------------------------------------------- */

/** One Error Information log entry. */
struct spdkrt_nvme_error_information_entry {
	uint64_t error_count;      /**< unique, increasing error count (0 = empty) */
	uint16_t sqid;             /**< submission queue id */
	uint16_t cid;              /**< command id */
	uint16_t status;           /**< status field (as in a completion, phase bit included) */
	uint16_t error_location;   /**< byte and bit of the parameter in error */
	uint64_t lba;              /**< first LBA with the error */
	uint32_t nsid;             /**< namespace */
	uint8_t vendor_specific;   /**< vendor specific log page id */
	uint8_t trtype;            /**< transport type */
	uint8_t reserved1[2];      /**< reserved */
	uint64_t command_specific; /**< command specific information */
	uint16_t trtype_specific;  /**< transport type specific */
	uint8_t reserved2[22];     /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_error_information_entry) == 64, "error entry");

/* SMART critical warning bits */
#define SPDKRT_NVME_CRIT_WARN_SPARE (1u << 0)           /**< spare below threshold */
#define SPDKRT_NVME_CRIT_WARN_TEMPERATURE (1u << 1)     /**< temperature out of range */
#define SPDKRT_NVME_CRIT_WARN_RELIABILITY (1u << 2)     /**< reliability degraded */
#define SPDKRT_NVME_CRIT_WARN_READ_ONLY (1u << 3)       /**< media read only */
#define SPDKRT_NVME_CRIT_WARN_VOLATILE_BACKUP (1u << 4) /**< volatile memory backup failed */
#define SPDKRT_NVME_CRIT_WARN_PMR_READ_ONLY (1u << 5)   /**< PMR read only */

/** SMART / Health Information log page (02h). Temperature is unaligned: a byte pair. */
struct spdkrt_nvme_health_information_page {
	uint8_t critical_warning;                 /**< SPDKRT_NVME_CRIT_WARN_* */
	uint8_t temperature[2];                   /**< composite temperature, K, little-endian */
	uint8_t available_spare;                  /**< percent */
	uint8_t available_spare_threshold;        /**< percent */
	uint8_t percentage_used;                  /**< percent of life used */
	uint8_t endurance_group_critical_warning; /**< endurance group summary */
	uint8_t reserved1[25];                    /**< reserved */
	uint64_t data_units_read[2];              /**< 1000 x 512 bytes units (128-bit) */
	uint64_t data_units_written[2];           /**< 1000 x 512 bytes units (128-bit) */
	uint64_t host_read_commands[2];           /**< 128-bit */
	uint64_t host_write_commands[2];          /**< 128-bit */
	uint64_t controller_busy_time[2];         /**< minutes (128-bit) */
	uint64_t power_cycles[2];                 /**< 128-bit */
	uint64_t power_on_hours[2];               /**< 128-bit */
	uint64_t unsafe_shutdowns[2];             /**< 128-bit */
	uint64_t media_errors[2];                 /**< 128-bit */
	uint64_t num_error_info_log_entries[2];   /**< 128-bit */
	uint32_t warning_temp_time;               /**< minutes above the warning threshold */
	uint32_t critical_temp_time;              /**< minutes above the critical threshold */
	uint16_t temp_sensor[8];                  /**< temperature sensors 1..8, K */
	uint32_t thermal_mgmt_t1_count; /**< thermal management temperature 1 transitions */
	uint32_t thermal_mgmt_t2_count; /**< thermal management temperature 2 transitions */
	uint32_t thermal_mgmt_t1_time;  /**< seconds in temperature 1 management */
	uint32_t thermal_mgmt_t2_time;  /**< seconds in temperature 2 management */
	uint8_t reserved2[280];         /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_health_information_page) == 512, "health");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_health_information_page, data_units_read) == 32,
		     "health.data_units_read");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvme_health_information_page, warning_temp_time) == 192,
		     "health.warning_temp_time");

/** Firmware Slot Information log page (03h). */
struct spdkrt_nvme_firmware_page {
	uint8_t afi;            /**< active slot 2:0, slot for next reset 6:4 */
	uint8_t reserved1[7];   /**< reserved */
	uint8_t revision[7][8]; /**< revision of slots 1..7, ASCII (0 = empty) */
	uint8_t reserved2[448]; /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_firmware_page) == 512, "firmware page");

/* Commands supported and effects entry bits */
#define SPDKRT_NVME_CMD_EFFECT_CSUPP (1u << 0) /**< command supported */
#define SPDKRT_NVME_CMD_EFFECT_LBCC (1u << 1)  /**< logical block content change */
#define SPDKRT_NVME_CMD_EFFECT_NCC (1u << 2)   /**< namespace capability change */
#define SPDKRT_NVME_CMD_EFFECT_NIC (1u << 3)   /**< namespace inventory change */
#define SPDKRT_NVME_CMD_EFFECT_CCC (1u << 4)   /**< controller capability change */

/** Commands Supported and Effects log page (05h). */
struct spdkrt_nvme_cmds_and_effect_log_page {
	uint32_t admin_cmds_supported[256]; /**< one entry per admin opcode */
	uint32_t io_cmds_supported[256];    /**< one entry per I/O opcode */
	uint8_t reserved[2048];             /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvme_cmds_and_effect_log_page) == 4096, "effects");

/* ---------------------------------------------------------------------------------------------
 * NVMe over Fabrics
 * ------------------------------------------------------------------------------------------- */

/** Transport types (TRTYPE). */
enum spdkrt_nvmf_trtype {
	SPDKRT_NVMF_TRTYPE_RDMA = 0x1,        /**< RDMA */
	SPDKRT_NVMF_TRTYPE_FC = 0x2,          /**< Fibre Channel */
	SPDKRT_NVMF_TRTYPE_TCP = 0x3,         /**< TCP */
	SPDKRT_NVMF_TRTYPE_INTRA_HOST = 0xFE, /**< intra-host (loopback) */
};

/** Address families (ADRFAM). */
enum spdkrt_nvmf_adrfam {
	SPDKRT_NVMF_ADRFAM_IPV4 = 0x1,        /**< IPv4 */
	SPDKRT_NVMF_ADRFAM_IPV6 = 0x2,        /**< IPv6 */
	SPDKRT_NVMF_ADRFAM_IB = 0x3,          /**< InfiniBand */
	SPDKRT_NVMF_ADRFAM_FC = 0x4,          /**< Fibre Channel */
	SPDKRT_NVMF_ADRFAM_INTRA_HOST = 0xFE, /**< intra-host */
};

/** Discovery log entry subsystem types. */
enum spdkrt_nvmf_subtype {
	SPDKRT_NVMF_SUBTYPE_DISCOVERY_REFERRAL =
		0x1,                                 /**< a referral to another discovery service */
	SPDKRT_NVMF_SUBTYPE_NVME = 0x2,              /**< an NVM subsystem */
	SPDKRT_NVMF_SUBTYPE_DISCOVERY_CURRENT = 0x3, /**< this discovery controller */
};

/** Well-known NQN of the discovery service. */
#define SPDKRT_NVMF_DISCOVERY_NQN "nqn.2014-08.org.nvmexpress.discovery"
/** Maximum NQN length, without the terminating NUL. */
#define SPDKRT_NVMF_NQN_MAX_LEN 223u

/** Generic fabrics command capsule (opcode 7Fh). */
struct spdkrt_nvmf_capsule_cmd {
	uint8_t opcode;                         /**< SPDKRT_NVME_OPC_FABRIC */
	uint8_t reserved1;                      /**< flags (PSDT must be SGL) */
	uint16_t cid;                           /**< command id */
	uint8_t fctype;                         /**< enum spdkrt_nvmf_fabric_cmd_type */
	uint8_t reserved2[19];                  /**< reserved */
	struct spdkrt_nvme_sgl_descriptor sgl1; /**< data SGL */
	uint8_t fabric_specific[24];            /**< type specific */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvmf_capsule_cmd) == 64, "capsule cmd");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_capsule_cmd, sgl1) == 24, "capsule.sgl1");

/** Connect command. */
struct spdkrt_nvmf_connect_cmd {
	uint8_t opcode;                         /**< SPDKRT_NVME_OPC_FABRIC */
	uint8_t reserved1;                      /**< flags */
	uint16_t cid;                           /**< command id */
	uint8_t fctype;                         /**< SPDKRT_NVMF_FCTYPE_CONNECT */
	uint8_t reserved2[19];                  /**< reserved */
	struct spdkrt_nvme_sgl_descriptor sgl1; /**< connect data (1024 bytes) */
	uint16_t recfmt;                        /**< record format, 0 */
	uint16_t qid;                           /**< queue id (0 = admin) */
	uint16_t sqsize;                        /**< submission queue size, 0-based */
	uint8_t cattr;                          /**< connect attributes */
	uint8_t reserved3;                      /**< reserved */
	uint32_t kato;                          /**< keep alive timeout, ms */
	uint8_t reserved4[12];                  /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvmf_connect_cmd) == 64, "connect cmd");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_connect_cmd, recfmt) == 40, "connect.recfmt");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_connect_cmd, kato) == 48, "connect.kato");

/** Connect command data. */
struct spdkrt_nvmf_connect_data {
	uint8_t hostid[16];     /**< host identifier (UUID) */
	uint16_t cntlid;        /**< controller id, 0xFFFF = dynamic */
	uint8_t reserved1[238]; /**< reserved */
	char subnqn[256];       /**< subsystem NQN */
	char hostnqn[256];      /**< host NQN */
	uint8_t reserved2[256]; /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvmf_connect_data) == 1024, "connect data");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_connect_data, cntlid) == 16, "cd.cntlid");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_connect_data, subnqn) == 256, "cd.subnqn");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_connect_data, hostnqn) == 512, "cd.hostnqn");

/** Connect response (a completion whose CDW0 carries the controller id). */
struct spdkrt_nvmf_connect_rsp {
	uint16_t cntlid;    /**< controller id */
	uint16_t authreq;   /**< authentication requirements */
	uint32_t reserved1; /**< reserved */
	uint16_t sqhd;      /**< submission queue head */
	uint16_t reserved2; /**< reserved */
	uint16_t cid;       /**< command id */
	uint16_t status;    /**< status (as in spdkrt_nvme_cpl) */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvmf_connect_rsp) == 16, "connect rsp");

/** Property size in a Property Get/Set attribute byte. */
enum spdkrt_nvmf_prop_size {
	SPDKRT_NVMF_PROP_SIZE_4 = 0, /**< 4-byte property */
	SPDKRT_NVMF_PROP_SIZE_8 = 1, /**< 8-byte property */
};

/** Property Get command. */
struct spdkrt_nvmf_property_get_cmd {
	uint8_t opcode;        /**< SPDKRT_NVME_OPC_FABRIC */
	uint8_t reserved1;     /**< flags */
	uint16_t cid;          /**< command id */
	uint8_t fctype;        /**< SPDKRT_NVMF_FCTYPE_PROPERTY_GET */
	uint8_t reserved2[35]; /**< reserved (no data) */
	uint8_t attrib;        /**< bits 2:0 size (enum spdkrt_nvmf_prop_size) */
	uint8_t reserved3[3];  /**< reserved */
	uint32_t ofst;         /**< property offset (enum spdkrt_nvme_reg_offset) */
	uint8_t reserved4[16]; /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvmf_property_get_cmd) == 64, "prop get");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_property_get_cmd, attrib) == 40, "pg.attrib");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_property_get_cmd, ofst) == 44, "pg.ofst");

/** Property Get response. */
struct spdkrt_nvmf_property_get_rsp {
	uint64_t value;    /**< property value (4-byte properties in the low half) */
	uint16_t sqhd;     /**< submission queue head */
	uint16_t reserved; /**< reserved */
	uint16_t cid;      /**< command id */
	uint16_t status;   /**< status */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvmf_property_get_rsp) == 16, "prop get rsp");

/** Property Set command. */
struct spdkrt_nvmf_property_set_cmd {
	uint8_t opcode;        /**< SPDKRT_NVME_OPC_FABRIC */
	uint8_t reserved1;     /**< flags */
	uint16_t cid;          /**< command id */
	uint8_t fctype;        /**< SPDKRT_NVMF_FCTYPE_PROPERTY_SET */
	uint8_t reserved2[35]; /**< reserved (no data) */
	uint8_t attrib;        /**< bits 2:0 size (enum spdkrt_nvmf_prop_size) */
	uint8_t reserved3[3];  /**< reserved */
	uint32_t ofst;         /**< property offset */
	uint64_t value;        /**< value to set */
	uint8_t reserved4[8];  /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvmf_property_set_cmd) == 64, "prop set");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_property_set_cmd, value) == 48, "ps.value");

/** TCP transport specific address subtype (tsas) of a discovery entry. */
struct spdkrt_nvmf_tcp_tsas {
	uint8_t sectype;       /**< security type: 0 none, 1 TLS 1.2, 2 TLS 1.3 */
	uint8_t reserved[255]; /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvmf_tcp_tsas) == 256, "tcp tsas");

/** One discovery log page entry. */
struct spdkrt_nvmf_discovery_log_entry {
	uint8_t trtype;                   /**< enum spdkrt_nvmf_trtype */
	uint8_t adrfam;                   /**< enum spdkrt_nvmf_adrfam */
	uint8_t subtype;                  /**< enum spdkrt_nvmf_subtype */
	uint8_t treq;                     /**< transport requirements */
	uint16_t portid;                  /**< port id */
	uint16_t cntlid;                  /**< controller id (0xFFFF: dynamic) */
	uint16_t asqsz;                   /**< admin max SQ size */
	uint8_t reserved1[22];            /**< reserved */
	char trsvcid[32];                 /**< transport service id, space padded */
	uint8_t reserved2[192];           /**< reserved */
	char subnqn[256];                 /**< subsystem NQN */
	char traddr[256];                 /**< transport address, space padded */
	struct spdkrt_nvmf_tcp_tsas tsas; /**< transport specific (TCP form) */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvmf_discovery_log_entry) == 1024, "disc entry");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_discovery_log_entry, trsvcid) == 32, "de.trsvcid");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_discovery_log_entry, subnqn) == 256, "de.subnqn");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_discovery_log_entry, traddr) == 512, "de.traddr");
SPDKRT_STATIC_ASSERT(offsetof(struct spdkrt_nvmf_discovery_log_entry, tsas) == 768, "de.tsas");

/** Discovery log page header; numrec entries (spdkrt_nvmf_discovery_log_entry) follow it. */
struct spdkrt_nvmf_discovery_log_page {
	uint64_t genctr;        /**< generation counter */
	uint64_t numrec;        /**< number of records */
	uint16_t recfmt;        /**< record format, 0 */
	uint8_t reserved[1006]; /**< reserved */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_nvmf_discovery_log_page) == 1024, "disc header");

SPDKRT_END_DECLS

#endif /* SPDKRT_NVME_SPEC_H */
