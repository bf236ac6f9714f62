/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvmf_load PORT NQN [QD] [SECONDS] [BLOCK_SIZE] [psk=KEY]: an NVMe/TCP load generator for
 * the target benchmark (until the NVMe/TCP host's perf tool exists): one I/O queue (over TLS
 * 1.3 with the PSK KEY when given), 4 KiB random reads kept at QD outstanding for SECONDS;
 * prints IOPS and the mean latency.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../unit/nvmf/test_host.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t g_rand = 88172645463325252ull;

static uint64_t next_rand(void)
{
	g_rand ^= g_rand << 13;
	g_rand ^= g_rand >> 7;
	g_rand ^= g_rand << 17;
	return g_rand;
}

static int send_read(struct test_host *h, uint16_t cid, uint64_t num_blocks, uint32_t len,
		     uint32_t block)
{
	struct srt_tcp_capsule_cmd cap;
	uint64_t nlb = len / block;

	memset(&cap, 0, sizeof(cap));
	cap.ch.pdu_type = SRT_TCP_PDU_CAPSULE_CMD;
	cap.ccsqe.opc = SPDKRT_NVME_OPC_READ;
	cap.ccsqe.cid = cid;
	cap.ccsqe.nsid = 1;
	cap.ccsqe.flags =
		(uint8_t)SPDKRT_NVME_SET(SPDKRT_NVME_CMD_PSDT, SPDKRT_NVME_PSDT_SGL_MPTR_CONTIG);
	cap.ccsqe.dptr.sgl1.id = SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_TRANSPORT_DATA_BLOCK,
						    SPDKRT_NVME_SGL_SUBTYPE_TRANSPORT);
	cap.ccsqe.dptr.sgl1.length = len;
	uint64_t lba = (next_rand() % (num_blocks / nlb)) * nlb;
	cap.ccsqe.cdw10 = (uint32_t)lba;
	cap.ccsqe.cdw11 = (uint32_t)(lba >> 32);
	cap.ccsqe.cdw12 = (uint32_t)(nlb - 1);
	return host_send_pdu(h, &cap, sizeof(cap), NULL, 0);
}

int main(int argc, char **argv)
{
	struct test_host admin, io;
	struct spdkrt_nvme_cmd c;
	struct spdkrt_nvme_cpl cpl;
	static uint8_t id[4096], data[1 << 20];
	const struct spdkrt_nvme_ns_data *nd = (const void *)id;
	const char *psk = argc > 6 && strncmp(argv[6], "psk=", 4) == 0 ? argv[6] + 4 : NULL;
	uint16_t port;
	unsigned qd;
	double seconds, t0, t_end, lat_sum = 0, sent_at[1024];
	uint32_t len, block;
	uint64_t done = 0;

	if (argc < 3) {
		fprintf(stderr,
			"usage: nvmf_load PORT NQN [QD] [SECONDS] [BLOCK_SIZE] [psk=KEY]\n");
		return 2;
	}
	port = (uint16_t)atoi(argv[1]);
	qd = argc > 3 ? (unsigned)atoi(argv[3]) : 128;
	seconds = argc > 4 ? atof(argv[4]) : 5;
	len = argc > 5 ? (uint32_t)atoi(argv[5]) : 4096;
	if (qd < 1 || qd > 1024 || len < 512 || len > sizeof(data))
		return 2;
	if (psk != NULL ? host_attach_tls(&admin, &io, port, argv[2], false, psk) != 0 :
			  (host_attach(&admin, port, argv[2], 0, false) != 0 ||
			   host_attach_io(&io, &admin, port, argv[2], 1, false) != 0)) {
		fprintf(stderr, "nvmf_load: cannot connect\n");
		return 1;
	}
	if (qd > (unsigned)admin.mqes)
		qd = admin.mqes;
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_IDENTIFY;
	c.nsid = 1;
	if (host_cmd(&admin, &c, NULL, 0, false, id, sizeof(id), &cpl) != 0 || nd->nsze == 0)
		return 1;
	block = 1u << nd->lbaf[0].lbads;
	t0 = now_s();
	t_end = t0 + seconds;
	for (uint16_t cid = 0; cid < qd; cid++) {
		sent_at[cid] = now_s();
		if (send_read(&io, cid, nd->nsze, len, block) != 0)
			return 1;
	}
	for (unsigned outstanding = qd; outstanding > 0;) {
		uint8_t hdr[SRT_TCP_MAX_HDR_LEN];
		struct srt_tcp_ch *ch = (struct srt_tcp_ch *)hdr;

		if (host_recv(&io, hdr, sizeof(*ch)) != 0 ||
		    host_recv(&io, hdr + sizeof(*ch), ch->hlen - sizeof(*ch)) != 0)
			return 1;
		if (ch->pdu_type == SRT_TCP_PDU_C2H_DATA) {
			const struct srt_tcp_data_hdr *d = (const void *)hdr;

			if (d->datal > sizeof(data) || host_recv(&io, data, d->datal) != 0)
				return 1;
			if (!(ch->flags & SRT_TCP_FLAG_SUCCESS))
				continue;
			cpl.cid = d->cccid;
			cpl.status = 0;
		} else if (ch->pdu_type == SRT_TCP_PDU_CAPSULE_RESP) {
			memcpy(&cpl, hdr + sizeof(*ch), sizeof(cpl));
		} else {
			fprintf(stderr, "nvmf_load: unexpected PDU 0x%02x\n", ch->pdu_type);
			return 1;
		}
		if (spdkrt_nvme_cpl_is_error(&cpl) || cpl.cid >= qd) {
			fprintf(stderr, "nvmf_load: read failed\n");
			return 1;
		}
		double t = now_s();

		done++;
		lat_sum += t - sent_at[cpl.cid];
		if (t < t_end) {
			sent_at[cpl.cid] = t;
			if (send_read(&io, cpl.cid, nd->nsze, len, block) != 0)
				return 1;
		} else {
			outstanding--;
		}
	}
	t_end = now_s();
	printf("nvmf_load: %u-byte random reads, QD %u: %.0f IOPS, mean latency %.1f us, "
	       "%lu I/Os in %.2f s\n",
	       len, qd, (double)done / (t_end - t0), lat_sum / (double)done * 1e6,
	       (unsigned long)done, t_end - t0);
	host_close(&io);
	host_close(&admin);
	return 0;
}
