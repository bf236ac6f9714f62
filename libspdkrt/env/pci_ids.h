/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI ids shared by the drivers and scripts/setup.sh. setup.sh binds exactly the I/OAT functions
 * the driver takes: it reads the SRT_IOAT_ID(...) entries of this file (in the source tree, or
 * substituted into spdkrt-setup at install), so keep one entry per line in that form.
 * Class 0x0880 ("system peripheral") alone must never select I/OAT: many Intel functions that
 * are not DMA engines share it.
 */
#ifndef SRT_ENV_PCI_IDS_H
#define SRT_ENV_PCI_IDS_H

#define SRT_PCI_VENDOR_INTEL 0x8086

/* NVMe: mass storage, non-volatile memory, NVM Express programming interface. */
#define SRT_PCI_CLASS_NVME 0x010802

/*
 * Intel QuickData (I/OAT, "Crystal Beach" DMA) channel device ids, vendor 0x8086, from Sandy
 * Bridge-EP on. X(id) for each; e.g. build a struct spdkrt_pci_id table with
 * #define ENTRY(id) { SRT_PCI_VENDOR_INTEL, id, 0xFFFF, 0xFFFF, 0 },
 */
#define SRT_IOAT_DEVICE_IDS(X)                                                                     \
	X(0x3c20) /* SRT_IOAT_ID(0x3c20) Sandy Bridge-EP (SNB0) */                                 \
	X(0x3c21) /* SRT_IOAT_ID(0x3c21) SNB1 */                                                   \
	X(0x3c22) /* SRT_IOAT_ID(0x3c22) SNB2 */                                                   \
	X(0x3c23) /* SRT_IOAT_ID(0x3c23) SNB3 */                                                   \
	X(0x3c24) /* SRT_IOAT_ID(0x3c24) SNB4 */                                                   \
	X(0x3c25) /* SRT_IOAT_ID(0x3c25) SNB5 */                                                   \
	X(0x3c26) /* SRT_IOAT_ID(0x3c26) SNB6 */                                                   \
	X(0x3c27) /* SRT_IOAT_ID(0x3c27) SNB7 */                                                   \
	X(0x3c2e) /* SRT_IOAT_ID(0x3c2e) SNB8 */                                                   \
	X(0x3c2f) /* SRT_IOAT_ID(0x3c2f) SNB9 (SPDK v17.03's driver table missed it) */            \
	X(0x0e20) /* SRT_IOAT_ID(0x0e20) Ivy Bridge-EP (IVB0) */                                   \
	X(0x0e21) /* SRT_IOAT_ID(0x0e21) IVB1 */                                                   \
	X(0x0e22) /* SRT_IOAT_ID(0x0e22) IVB2 */                                                   \
	X(0x0e23) /* SRT_IOAT_ID(0x0e23) IVB3 */                                                   \
	X(0x0e24) /* SRT_IOAT_ID(0x0e24) IVB4 */                                                   \
	X(0x0e25) /* SRT_IOAT_ID(0x0e25) IVB5 */                                                   \
	X(0x0e26) /* SRT_IOAT_ID(0x0e26) IVB6 */                                                   \
	X(0x0e27) /* SRT_IOAT_ID(0x0e27) IVB7 */                                                   \
	X(0x0e2e) /* SRT_IOAT_ID(0x0e2e) IVB8 */                                                   \
	X(0x0e2f) /* SRT_IOAT_ID(0x0e2f) IVB9 */                                                   \
	X(0x2f20) /* SRT_IOAT_ID(0x2f20) Haswell-EP (HSW0) */                                      \
	X(0x2f21) /* SRT_IOAT_ID(0x2f21) HSW1 */                                                   \
	X(0x2f22) /* SRT_IOAT_ID(0x2f22) HSW2 */                                                   \
	X(0x2f23) /* SRT_IOAT_ID(0x2f23) HSW3 */                                                   \
	X(0x2f24) /* SRT_IOAT_ID(0x2f24) HSW4 */                                                   \
	X(0x2f25) /* SRT_IOAT_ID(0x2f25) HSW5 */                                                   \
	X(0x2f26) /* SRT_IOAT_ID(0x2f26) HSW6 */                                                   \
	X(0x2f27) /* SRT_IOAT_ID(0x2f27) HSW7 */                                                   \
	X(0x2f2e) /* SRT_IOAT_ID(0x2f2e) HSW8 */                                                   \
	X(0x2f2f) /* SRT_IOAT_ID(0x2f2f) HSW9 */                                                   \
	X(0x0c50) /* SRT_IOAT_ID(0x0c50) Avoton/Rangeley (BWD0) */                                 \
	X(0x0c51) /* SRT_IOAT_ID(0x0c51) BWD1 */                                                   \
	X(0x0c52) /* SRT_IOAT_ID(0x0c52) BWD2 */                                                   \
	X(0x0c53) /* SRT_IOAT_ID(0x0c53) BWD3 */                                                   \
	X(0x6f50) /* SRT_IOAT_ID(0x6f50) Broadwell-DE (BDXDE0) */                                  \
	X(0x6f51) /* SRT_IOAT_ID(0x6f51) BDXDE1 */                                                 \
	X(0x6f52) /* SRT_IOAT_ID(0x6f52) BDXDE2 */                                                 \
	X(0x6f53) /* SRT_IOAT_ID(0x6f53) BDXDE3 */                                                 \
	X(0x6f20) /* SRT_IOAT_ID(0x6f20) Broadwell-EP (BDX0) */                                    \
	X(0x6f21) /* SRT_IOAT_ID(0x6f21) BDX1 */                                                   \
	X(0x6f22) /* SRT_IOAT_ID(0x6f22) BDX2 */                                                   \
	X(0x6f23) /* SRT_IOAT_ID(0x6f23) BDX3 */                                                   \
	X(0x6f24) /* SRT_IOAT_ID(0x6f24) BDX4 */                                                   \
	X(0x6f25) /* SRT_IOAT_ID(0x6f25) BDX5 */                                                   \
	X(0x6f26) /* SRT_IOAT_ID(0x6f26) BDX6 */                                                   \
	X(0x6f27) /* SRT_IOAT_ID(0x6f27) BDX7 */                                                   \
	X(0x6f2e) /* SRT_IOAT_ID(0x6f2e) BDX8 */                                                   \
	X(0x6f2f) /* SRT_IOAT_ID(0x6f2f) BDX9 */                                                   \
	X(0x2021) /* SRT_IOAT_ID(0x2021) Skylake-SP (SKX) */                                       \
	X(0x0b00) /* SRT_IOAT_ID(0x0b00) Ice Lake-SP (ICX) */

#endif
