/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvmf_io PORT NQN [digests] [psk=KEY]: a test host against a running spdkrt-nvmf-tgt on
 * 127.0.0.1: connects an admin and an I/O queue (over TLS 1.3 with the PSK KEY when given),
 * checks Identify, writes 64 KiB (R2T) and 4 KiB (in-capsule) and reads them back. Exit status
 * 0 when all of it worked.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../unit/nvmf/test_host.h"

static int run(uint16_t port, const char *nqn, bool digests, const char *psk)
{
	struct test_host admin, io;
	struct spdkrt_nvme_cpl cpl;
	struct spdkrt_nvme_cmd c;
	static uint8_t buf[65536], back[65536], id[4096];
	const struct spdkrt_nvme_ns_data *nd = (const void *)id;
	uint32_t block;

	if (psk != NULL ? host_attach_tls(&admin, &io, port, nqn, digests, psk) != 0 :
			  (host_attach(&admin, port, nqn, 5000, digests) != 0 ||
			   host_attach_io(&io, &admin, port, nqn, 1, digests) != 0)) {
		fprintf(stderr, "nvmf_io: cannot connect to %s on port %u\n", nqn, port);
		return 1;
	}
	memset(&c, 0, sizeof(c));
	c.opc = SPDKRT_NVME_OPC_IDENTIFY;
	c.nsid = 1;
	if (host_cmd(&admin, &c, NULL, 0, false, id, sizeof(id), &cpl) != 0 ||
	    spdkrt_nvme_cpl_is_error(&cpl) || nd->nsze == 0) {
		fprintf(stderr, "nvmf_io: Identify Namespace 1 failed\n");
		return 1;
	}
	block = 1u << nd->lbaf[0].lbads;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + port);
	for (int pass = 0; pass < 2; pass++) {
		uint32_t len = pass == 0 ? sizeof(buf) : 4096;

		memset(&c, 0, sizeof(c));
		c.opc = SPDKRT_NVME_OPC_WRITE;
		c.nsid = 1;
		c.cdw12 = len / block - 1;
		if (host_cmd(&io, &c, buf, len, pass == 1, NULL, 0, &cpl) != 0 ||
		    spdkrt_nvme_cpl_is_error(&cpl)) {
			fprintf(stderr, "nvmf_io: write of %u bytes failed\n", len);
			return 1;
		}
		memset(&c, 0, sizeof(c));
		c.opc = SPDKRT_NVME_OPC_READ;
		c.nsid = 1;
		c.cdw12 = len / block - 1;
		memset(back, 0, sizeof(back));
		if (host_cmd(&io, &c, NULL, 0, false, back, len, &cpl) != 0 ||
		    spdkrt_nvme_cpl_is_error(&cpl) || memcmp(buf, back, len) != 0) {
			fprintf(stderr, "nvmf_io: read back of %u bytes differs\n", len);
			return 1;
		}
	}
	host_close(&io);
	host_close(&admin);
	printf("nvmf_io: %s: %lu blocks of %u bytes, write and read back ok\n", nqn,
	       (unsigned long)nd->nsze, block);
	return 0;
}

int main(int argc, char **argv)
{
	const char *psk = NULL;
	bool digests = false;

	if (argc < 3) {
		fprintf(stderr, "usage: nvmf_io PORT NQN [digests] [psk=KEY]\n");
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (strncmp(argv[i], "psk=", 4) == 0)
			psk = argv[i] + 4;
		else
			digests = strcmp(argv[i], "digests") == 0;
	}
	return run((uint16_t)atoi(argv[1]), argv[2], digests, psk);
}
