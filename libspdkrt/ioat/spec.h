/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * I/OAT (Crystal Beach v3) channel registers and descriptors: hardware facts shared by the
 * driver and the unit tests' channel model. One PCI function is one channel; BAR0 holds the
 * device registers below 0x80 and the channel registers from 0x80.
 */
#ifndef SRT_IOAT_SPEC_H
#define SRT_IOAT_SPEC_H

#include <stdint.h>

/* Register offsets in BAR0 (width in the comment). */
#define IOAT_REG_XFERCAP 0x01       /* u8: log2 of the largest transfer; 0 = 4 GiB */
#define IOAT_REG_CBVER 0x08         /* u8: major.minor in nibbles, 0x30 = v3.0 */
#define IOAT_REG_DMACAPABILITY 0x10 /* u32 */
#define IOAT_REG_CHANCTRL 0x80      /* u16 */
#define IOAT_REG_CHANCMD 0x84       /* u8 */
#define IOAT_REG_DMACOUNT 0x86      /* u16: descriptors handed to hardware, cumulative, wraps */
#define IOAT_REG_CHANSTS 0x88       /* u64: state in the low bits, completed descriptor above */
#define IOAT_REG_CHAINADDR 0x90     /* u64: IOVA of the first descriptor */
#define IOAT_REG_CHANCMP 0x98       /* u64: IOVA the CHANSTS image is written back to */
#define IOAT_REG_CHANERR 0xA8       /* u32: error bits, write 1 to clear */
#define IOAT_REGS_SIZE 0xB0         /* bytes of BAR0 the driver uses */

/* PCI config space: the internal copy of CHANERR (write 1 to clear), which a reset keeps. */
#define IOAT_PCI_CHANERR_INT 0x180

#define IOAT_CBVER_MIN 0x30 /* the v3 descriptor format */
#define IOAT_XFERCAP_MASK 0x1F
#define IOAT_XFERCAP_MIN 12 /* smaller values are invalid */

#define IOAT_DMACAP_BFILL (1u << 6) /* block fill */

#define IOAT_CHANCTRL_ERR_COMPLETION_EN 0x0004 /* write CHANSTS back to CHANCMP on an error */
#define IOAT_CHANCTRL_ANY_ERR_ABORT_EN 0x0008  /* any descriptor error halts the channel */

#define IOAT_CHANCMD_SUSPEND 0x04
#define IOAT_CHANCMD_RESET 0x20

#define IOAT_CHANSTS_STATE_MASK 0x7ull
#define IOAT_CHANSTS_ACTIVE 0x0ull
#define IOAT_CHANSTS_IDLE 0x1ull
#define IOAT_CHANSTS_SUSPENDED 0x2ull
#define IOAT_CHANSTS_HALTED 0x3ull
#define IOAT_CHANSTS_ARMED 0x4ull
/* Descriptors are 64-byte aligned: the bits above the state are the completed descriptor. */
#define IOAT_CHANSTS_COMPLETED_MASK (~0x3Full)

/* CHANERR bits. */
#define IOAT_CHANERR_SRC_ADDR (1u << 0)
#define IOAT_CHANERR_DST_ADDR (1u << 1)
#define IOAT_CHANERR_NEXT_ADDR (1u << 2)
#define IOAT_CHANERR_NEXT_DESC_ALIGN (1u << 3)
#define IOAT_CHANERR_CHAIN_ADDR (1u << 4)
#define IOAT_CHANERR_CHANCMD (1u << 5)
#define IOAT_CHANERR_READ_DATA (1u << 8)
#define IOAT_CHANERR_WRITE_DATA (1u << 9)
#define IOAT_CHANERR_CONTROL (1u << 10)
#define IOAT_CHANERR_LENGTH (1u << 11)
#define IOAT_CHANERR_COMPLETION_ADDR (1u << 12)

/* Descriptor control word. */
#define IOAT_DESC_COMPLETION_UPDATE (1u << 3)
#define IOAT_DESC_NULL (1u << 5)
#define IOAT_DESC_OP_SHIFT 24
#define IOAT_OP_COPY 0x00u
#define IOAT_OP_FILL 0x01u

#define IOAT_DESC_SIZE 64

/* A copy, fill or null descriptor; for a fill, src holds the 8-byte pattern. */
struct ioat_desc {
	uint32_t size;
	uint32_t control;
	uint64_t src;
	uint64_t dst;
	uint64_t next;
	uint64_t reserved[4];
};
_Static_assert(sizeof(struct ioat_desc) == IOAT_DESC_SIZE, "an I/OAT descriptor is 64 bytes");

static inline uint32_t ioat_desc_op(uint32_t control)
{
	return control >> IOAT_DESC_OP_SHIFT;
}

#endif
