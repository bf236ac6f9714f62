/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * env_info: initialises the spdkrt environment and prints what it found: version, cores, NUMA
 * nodes, and a DMA buffer with its device address.
 * Usage: env_info [--no-huge] [-m MASK] [-s MEM_MB]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

#include "../common/tool_env.h"

static void usage(const char *prog)
{
	printf("usage: %s [--no-huge] [-m CORE_MASK] [-s MEM_MB] [-L LOG_LEVEL]\n" TOOL_ENV_USAGE
	       "  -h, --help               print this help\n",
	       prog);
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = { TOOL_ENV_LONG_OPTS,
						   { "help", no_argument, NULL, 'h' },
						   { NULL, 0, NULL, 0 } };
	struct spdkrt_env_opts opts;
	struct tool_env env;
	void *buf;
	int c, rc;

	tool_env_init(&env);
	while ((c = getopt_long(argc, argv, "h" TOOL_ENV_SHORT_OPTS, long_opts, NULL)) != -1) {
		rc = tool_env_option(&env, c, optarg, "env_info");
		if (rc < 0)
			return 1;
		if (rc > 0)
			continue;
		switch (c) {
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return 1;
		}
	}

	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.name = "env_info";
	opts.core_mask = env.core_mask;
	opts.no_huge = env.no_huge;
	opts.mem_size_mb = tool_env_mem_mb(&env, NULL, 0);
	if (env.log_level >= 0)
		spdkrt_log_set_level((enum spdkrt_log_level)env.log_level);
	printf("spdkrt %s (headers %s)\n", spdkrt_version(), SPDKRT_VERSION_STRING);
	rc = spdkrt_env_init(&opts);
	if (rc != 0) {
		fprintf(stderr, "spdkrt_env_init: %s\n", spdkrt_strerror(rc));
		return 1;
	}
	printf("hugepages:   %s\n", opts.no_huge ? "no (ordinary memory, IOVA = VA)" : "yes");
	printf("cores:       %u (main core %u):", spdkrt_env_get_core_count(),
	       spdkrt_env_get_main_core());
	for (uint32_t core = spdkrt_env_get_first_core(); core != SPDKRT_ENV_CORE_INVALID;
	     core = spdkrt_env_get_next_core(core))
		printf(" %u(socket %d)", core, spdkrt_env_get_socket_id(core));
	printf("\nNUMA nodes:  %u\n", spdkrt_env_get_numa_node_count());
	buf = spdkrt_dma_zmalloc(1 << 20, 4096, SPDKRT_ENV_SOCKET_ANY);
	if (buf == NULL) {
		fprintf(stderr, "spdkrt_dma_zmalloc failed\n");
		spdkrt_env_fini();
		return 1;
	}
	printf("DMA buffer:  1 MiB at %p, IOVA 0x%llx\n", buf,
	       (unsigned long long)spdkrt_dma_iova(buf));
	spdkrt_dma_free(buf);
	spdkrt_env_fini();
	return 0;
}
