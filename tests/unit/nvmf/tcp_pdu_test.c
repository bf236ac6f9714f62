/* SPDX-License-Identifier: BSD-3-Clause */
/* Common-header checks of PDUs a target receives: every rule, and the field each one names. */
#include "../common/test_common.h"

#include "nvmf/tcp_pdu.h"

static const struct srt_tcp_pdu_limits g_before_ic = { .max_data = 8192 };
static const struct srt_tcp_pdu_limits g_plain = { .ic_done = true, .max_data = 8192 };
static const struct srt_tcp_pdu_limits g_digests = {
	.ic_done = true, .hdgst = true, .ddgst = true, .max_data = 8192
};

static int check(const struct srt_tcp_pdu_limits *lim, uint8_t type, uint8_t flags, uint8_t hlen,
		 uint8_t pdo, uint32_t plen, struct srt_tcp_pdu_layout *layout, uint32_t *fei)
{
	struct srt_tcp_ch ch;

	srt_tcp_ch_init(&ch, type, flags, hlen, pdo, plen);
	return srt_tcp_pdu_check_h2c(&ch, lim, layout, fei);
}

static void test_icreq(void **state)
{
	struct srt_tcp_pdu_layout l;
	uint32_t fei;

	(void)state;
	assert_int_equal(check(&g_before_ic, SRT_TCP_PDU_ICREQ, 0, 128, 0, 128, &l, &fei), 0);
	assert_int_equal(l.hdr_len, 128);
	assert_int_equal(l.data_len, 0);
	/* Wrong plen, hlen, digest flags; a second ICReq; a capsule before ICReq. */
	assert_int_equal(check(&g_before_ic, SRT_TCP_PDU_ICREQ, 0, 128, 0, 129, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	assert_int_equal(fei, 4);
	assert_int_equal(check(&g_before_ic, SRT_TCP_PDU_ICREQ, 0, 72, 0, 128, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	assert_int_equal(fei, 2);
	assert_int_equal(check(&g_before_ic, SRT_TCP_PDU_ICREQ, 1, 128, 0, 128, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	assert_int_equal(fei, 1);
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_ICREQ, 0, 128, 0, 128, &l, &fei),
			 SRT_TCP_FES_PDU_SEQUENCE_ERROR);
	assert_int_equal(check(&g_before_ic, SRT_TCP_PDU_CAPSULE_CMD, 0, 72, 0, 72, &l, &fei),
			 SRT_TCP_FES_PDU_SEQUENCE_ERROR);
	assert_int_equal(fei, 0);
}

static void test_types_a_host_never_sends(void **state)
{
	static const uint8_t types[] = { SRT_TCP_PDU_ICRESP,
					 SRT_TCP_PDU_C2H_TERM_REQ,
					 SRT_TCP_PDU_CAPSULE_RESP,
					 SRT_TCP_PDU_C2H_DATA,
					 SRT_TCP_PDU_R2T,
					 0x08,
					 0x0a,
					 0xff };
	struct srt_tcp_pdu_layout l;
	uint32_t fei;

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		assert_int_equal(check(&g_plain, types[i], 0, 24, 0, 24, &l, &fei),
				 SRT_TCP_FES_INVALID_HEADER_FIELD);
		assert_int_equal(fei, 0);
	}
	assert_string_equal(srt_tcp_pdu_type_name(0xff), "unknown");
	assert_string_equal(srt_tcp_pdu_type_name(SRT_TCP_PDU_R2T), "R2T");
}

static void test_capsule(void **state)
{
	struct srt_tcp_pdu_layout l;
	uint32_t fei;

	(void)state;
	/* Without data, with 4 KiB of in-capsule data. */
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_CAPSULE_CMD, 0, 72, 0, 72, &l, &fei), 0);
	assert_int_equal(l.hdr_len, 72);
	assert_int_equal(l.data_len, 0);
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_CAPSULE_CMD, 0, 72, 72, 72 + 4096, &l, &fei),
			 0);
	assert_int_equal(l.data_off, 72);
	assert_int_equal(l.data_len, 4096);
	assert_false(l.ddgst);
	/* Digests: 4 bytes after the header and after the data. */
	assert_int_equal(
		check(&g_digests, SRT_TCP_PDU_CAPSULE_CMD, 3, 72, 76, 76 + 4096 + 4, &l, &fei), 0);
	assert_int_equal(l.hdr_len, 76);
	assert_int_equal(l.data_off, 76);
	assert_int_equal(l.data_len, 4096);
	assert_true(l.ddgst);
	assert_int_equal(check(&g_digests, SRT_TCP_PDU_CAPSULE_CMD, 1, 72, 0, 76, &l, &fei), 0);
	/* Header digest flag missing, or present when not negotiated. */
	assert_int_equal(check(&g_digests, SRT_TCP_PDU_CAPSULE_CMD, 0, 72, 0, 72, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	assert_int_equal(fei, 1);
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_CAPSULE_CMD, 1, 72, 0, 76, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	/* Data without the negotiated data digest. */
	assert_int_equal(check(&g_digests, SRT_TCP_PDU_CAPSULE_CMD, 1, 72, 76, 76 + 512, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	assert_int_equal(fei, 1);
	/* plen shorter than the header, pdo inside the header or past plen. */
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_CAPSULE_CMD, 0, 72, 0, 40, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	assert_int_equal(fei, 4);
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_CAPSULE_CMD, 0, 72, 8, 100, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	assert_int_equal(fei, 3);
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_CAPSULE_CMD, 0, 72, 200, 100, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	/* More data than the connection accepts, and a huge plen. */
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_CAPSULE_CMD, 0, 72, 72, 72 + 8193, &l, &fei),
			 SRT_TCP_FES_DATA_OUT_OF_RANGE);
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_CAPSULE_CMD, 0, 72, 72, 0xffffffffu, &l, &fei),
			 SRT_TCP_FES_DATA_OUT_OF_RANGE);
}

static void test_h2c_data_and_term_req(void **state)
{
	struct srt_tcp_pdu_layout l;
	uint32_t fei;

	(void)state;
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_H2C_DATA, 4, 24, 24, 24 + 4096, &l, &fei), 0);
	assert_int_equal(l.data_len, 4096);
	/* A data PDU with no data. */
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_H2C_DATA, 4, 24, 0, 24, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	/* TermReq: header, then up to the offending header as data, no digests. */
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_H2C_TERM_REQ, 0, 24, 0, 24, &l, &fei), 0);
	assert_int_equal(check(&g_before_ic, SRT_TCP_PDU_H2C_TERM_REQ, 0, 24, 0, 24 + 72, &l, &fei),
			 0);
	assert_int_equal(l.data_len, 72);
	assert_int_equal(check(&g_digests, SRT_TCP_PDU_H2C_TERM_REQ, 1, 24, 0, 28, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	assert_int_equal(check(&g_plain, SRT_TCP_PDU_H2C_TERM_REQ, 0, 24, 0, 24 + 100000, &l, &fei),
			 SRT_TCP_FES_INVALID_HEADER_FIELD);
	assert_int_equal(fei, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icreq),
		cmocka_unit_test(test_types_a_host_never_sends),
		cmocka_unit_test(test_capsule),
		cmocka_unit_test(test_h2c_data_and_term_req),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
