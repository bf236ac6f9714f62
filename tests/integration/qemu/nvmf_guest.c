/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvmf_guest: helpers for the NVMe/TCP interop test in the QEMU guest (no Python, no nvme-cli
 * there):
 *   nvmf_guest rpc SOCKET JSON          one JSON-RPC request to spdkrt-nvmf-tgt; prints the answer,
 *                                       exit 1 when it is an error
 *   nvmf_guest discover /dev/nvmeX      the discovery log page through the kernel's discovery
 *                                       controller: one "subnqn traddr trsvcid" line per entry
 *   nvmf_guest silent-host PORT NQN     a user-space host that connects with a 1 s keep-alive and
 *                                       then says nothing: exit 0 once the target hangs up
 */
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/un.h>

#include "../../unit/nvmf/test_host.h"

static int rpc(const char *path, const char *json)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[65536];
	size_t got = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("nvmf_guest rpc: connect");
		return 1;
	}
	if (write(fd, json, strlen(json)) != (ssize_t)strlen(json)) {
		perror("nvmf_guest rpc: write");
		return 1;
	}
	/* The answer is one line. */
	while (got < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got) != NULL)
			break;
	}
	buf[got] = '\0';
	close(fd);
	printf("%s", buf);
	return strstr(buf, "\"error\"") != NULL || got == 0 ? 1 : 0;
}

static void trim_print(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0'))
		n--;
	printf("%.*s", (int)n, s);
}

static int discover(const char *dev)
{
	static uint8_t log[4096];
	struct nvme_admin_cmd cmd;
	const struct spdkrt_nvmf_discovery_log_page *hdr = (const void *)log;
	int fd = open(dev, O_RDWR);

	if (fd < 0) {
		perror(dev);
		return 1;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = SPDKRT_NVME_OPC_GET_LOG_PAGE;
	cmd.addr = (uintptr_t)log;
	cmd.data_len = sizeof(log);
	cmd.cdw10 = SPDKRT_NVME_LOG_DISCOVERY | ((sizeof(log) / 4 - 1) << 16);
	if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) != 0) {
		perror("discovery log page");
		return 1;
	}
	close(fd);
	for (uint64_t i = 0; i < hdr->numrec && i < 3; i++) {
		const struct spdkrt_nvmf_discovery_log_entry *e =
			(const void *)(log + 1024 * (i + 1));

		trim_print(e->subnqn, sizeof(e->subnqn));
		printf(" ");
		trim_print(e->traddr, sizeof(e->traddr));
		printf(" ");
		trim_print(e->trsvcid, sizeof(e->trsvcid));
		printf("\n");
	}
	return 0;
}

static int silent_host(uint16_t port, const char *nqn)
{
	struct test_host h;

	if (host_attach(&h, port, nqn, 1000, false) != 0) {
		fprintf(stderr, "nvmf_guest: cannot connect\n");
		return 1;
	}
	/* No Keep Alive from here on: the target must end the connection. */
	if (!host_sees_close(&h)) {
		fprintf(stderr, "nvmf_guest: the target kept a silent host\n");
		return 1;
	}
	host_close(&h);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "rpc") == 0)
		return rpc(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "discover") == 0)
		return discover(argv[2]);
	if (argc == 4 && strcmp(argv[1], "silent-host") == 0)
		return silent_host((uint16_t)atoi(argv[2]), argv[3]);
	fprintf(stderr,
		"usage: nvmf_guest rpc SOCKET JSON | discover DEV | silent-host PORT NQN\n");
	return 2;
}
