/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme_spec.h: the field macros read and build the words the specification defines (sizes and
 * offsets are checked at compile time in the header itself).
 */
#include "../common/test_common.h"

#include <spdkrt/nvme_spec.h>

static void test_cap_fields(void **state)
{
	/* MQES 1023, CQR, AMS=WRR, TO=20 (10 s), DSTRD 2, CSS NVM, MPSMIN 0, MPSMAX 4, CMBS */
	uint64_t cap = 1023ull | (1ull << 16) | (1ull << 17) | (20ull << 24) | (2ull << 32) |
		       (1ull << 37) | (4ull << 52) | (1ull << 57);

	(void)state;
	assert_int_equal(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_MQES), 1023);
	assert_int_equal(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_CQR), 1);
	assert_int_equal(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_AMS), SPDKRT_NVME_CAP_AMS_WRR);
	assert_int_equal(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_TO), 20);
	assert_int_equal(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_DSTRD), 2);
	assert_int_equal(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_CSS), SPDKRT_NVME_CAP_CSS_NVM);
	assert_int_equal(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_MPSMIN), 0);
	assert_int_equal(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_MPSMAX), 4);
	assert_int_equal(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_CMBS), 1);
	assert_int_equal(SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_NSSRS), 0);
}

static void test_cc_build(void **state)
{
	uint32_t cc = SPDKRT_NVME_SET(SPDKRT_NVME_CC_EN, 1u) |
		      SPDKRT_NVME_SET(SPDKRT_NVME_CC_AMS, SPDKRT_NVME_CC_AMS_WRR) |
		      SPDKRT_NVME_SET(SPDKRT_NVME_CC_IOSQES, 6u) |
		      SPDKRT_NVME_SET(SPDKRT_NVME_CC_IOCQES, 4u) |
		      SPDKRT_NVME_SET(SPDKRT_NVME_CC_SHN, SPDKRT_NVME_CC_SHN_NORMAL);

	(void)state;
	/* The value a controller expects: EN bit 0, AMS 13:11, SHN 15:14, IOSQES 19:16, IOCQES 23:20 */
	assert_int_equal(cc, 0x00464801u);
	/* SET masks to the field's width: an oversized value cannot spill into the next field */
	assert_int_equal(SPDKRT_NVME_SET(SPDKRT_NVME_CC_MPS, 0x1Fu), 0xFu << 7);
}

static void test_doorbells_follow_the_stride(void **state)
{
	(void)state;
	assert_int_equal(SPDKRT_NVME_SQ_TDBL(0, 0), 0x1000);
	assert_int_equal(SPDKRT_NVME_CQ_HDBL(0, 0), 0x1004);
	assert_int_equal(SPDKRT_NVME_SQ_TDBL(3, 0), 0x1018);
	assert_int_equal(SPDKRT_NVME_CQ_HDBL(3, 0), 0x101C);
	/* DSTRD 2: 16-byte stride */
	assert_int_equal(SPDKRT_NVME_SQ_TDBL(1, 2), 0x1020);
	assert_int_equal(SPDKRT_NVME_CQ_HDBL(1, 2), 0x1030);
}

static void test_status_word(void **state)
{
	struct spdkrt_nvme_cpl cpl = { 0 };

	(void)state;
	/* phase 1, SCT media, SC compare failure, DNR */
	cpl.status = (uint16_t)(1u | (SPDKRT_NVME_SC_COMPARE_FAILURE << 1) |
				(SPDKRT_NVME_SCT_MEDIA_ERROR << 9) | (1u << 15));
	assert_int_equal(SPDKRT_NVME_GET(cpl.status, SPDKRT_NVME_STATUS_P), 1);
	assert_int_equal(SPDKRT_NVME_GET(cpl.status, SPDKRT_NVME_STATUS_SC),
			 SPDKRT_NVME_SC_COMPARE_FAILURE);
	assert_int_equal(SPDKRT_NVME_GET(cpl.status, SPDKRT_NVME_STATUS_SCT),
			 SPDKRT_NVME_SCT_MEDIA_ERROR);
	assert_int_equal(SPDKRT_NVME_GET(cpl.status, SPDKRT_NVME_STATUS_DNR), 1);
	assert_true(spdkrt_nvme_cpl_is_error(&cpl));
	cpl.status = 1; /* phase only: success */
	assert_false(spdkrt_nvme_cpl_is_error(&cpl));
}

static void test_command_layout_by_bytes(void **state)
{
	struct spdkrt_nvme_cmd cmd;
	const uint8_t *b = (const uint8_t *)&cmd;

	(void)state;
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = SPDKRT_NVME_OPC_READ;
	cmd.flags =
		(uint8_t)SPDKRT_NVME_SET(SPDKRT_NVME_CMD_PSDT, SPDKRT_NVME_PSDT_SGL_MPTR_CONTIG);
	cmd.cid = 0x1234;
	cmd.dptr.sgl1.id = SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_LAST_SEGMENT,
					      SPDKRT_NVME_SGL_SUBTYPE_ADDRESS);
	cmd.cdw10 = 0xAABBCCDDu;
	assert_int_equal(b[0], 0x02);
	assert_int_equal(b[1], 0x40); /* PSDT in bits 7:6 of byte 1 */
	assert_int_equal(b[2], 0x34);
	assert_int_equal(b[3], 0x12);
	assert_int_equal(b[39], 0x30); /* SGL identifier is the last byte of SGL1 */
	assert_int_equal(b[40], 0xDD);
	assert_int_equal(b[43], 0xAA);
}

static void test_feature_and_log_words(void **state)
{
	uint32_t arb =
		SPDKRT_NVME_SET(SPDKRT_NVME_ARB_AB, 3u) | SPDKRT_NVME_SET(SPDKRT_NVME_ARB_LPW, 1u) |
		SPDKRT_NVME_SET(SPDKRT_NVME_ARB_MPW, 3u) | SPDKRT_NVME_SET(SPDKRT_NVME_ARB_HPW, 7u);
	uint32_t numd = 4096 / 4 - 1;
	uint32_t cdw10 = SPDKRT_NVME_SET(SPDKRT_NVME_LOG_LID, SPDKRT_NVME_LOG_ERROR) |
			 SPDKRT_NVME_SET(SPDKRT_NVME_LOG_RAE, 1u) |
			 SPDKRT_NVME_SET(SPDKRT_NVME_LOG_NUMDL, numd);
	uint32_t aer = 0x00040102u; /* notice, FW activation, log page 04h */

	(void)state;
	assert_int_equal(arb, 0x07030103u);
	assert_int_equal(cdw10, 0x03FF8001u);
	assert_int_equal(SPDKRT_NVME_GET(aer, SPDKRT_NVME_AER_TYPE), SPDKRT_NVME_AER_TYPE_NOTICE);
	assert_int_equal(SPDKRT_NVME_GET(aer, SPDKRT_NVME_AER_INFO),
			 SPDKRT_NVME_AER_NOTICE_FW_ACTIVATION);
	assert_int_equal(SPDKRT_NVME_GET(aer, SPDKRT_NVME_AER_LID),
			 SPDKRT_NVME_LOG_CHANGED_NS_LIST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_fields),
		cmocka_unit_test(test_cc_build),
		cmocka_unit_test(test_doorbells_follow_the_stride),
		cmocka_unit_test(test_status_word),
		cmocka_unit_test(test_command_layout_by_bytes),
		cmocka_unit_test(test_feature_and_log_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
