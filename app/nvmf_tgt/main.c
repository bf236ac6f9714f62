/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spdkrt-nvmf-tgt: an NVMe over Fabrics (TCP) target daemon. It starts from a JSON
 * configuration file, runs one connection poll group per core, takes run-time changes over
 * JSON-RPC on a Unix socket (spdkrt-rpc is its client), and stops cleanly on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

#define DEFAULT_RPC_PATH "/var/tmp/spdkrt-nvmf.sock"

struct daemon g_daemon;
static struct json_object *g_config;
static int g_exit_code;

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s -c CONFIG.json [options]\n"
		"\n"
		"An NVMe over Fabrics target: exports bdevs to NVMe/TCP hosts (Linux nvme-cli and\n"
		"nvme-tcp, SPDK). CONFIG.json lists bdevs (spec strings), listeners and subsystems;\n"
		"spdkrt-rpc changes them at run time and save_config writes them back.\n"
		"\n"
		"options:\n"
		"  -c, --config FILE   JSON configuration to start from\n"
		"  -r, --rpc PATH      JSON-RPC Unix socket (default %s)\n"
		"  -m, --cores MASK    cores to run on, as a mask (0x3) or list (0-1); one poll\n"
		"                      group of connections per core\n"
		"  -s, --mem MB        memory for the environment, MiB\n"
		"      --no-huge       use ordinary memory, not hugepages (no real devices)\n"
		"  -L, --log-level N   0 error .. 4 debug\n"
		"  -h, --help          this text\n"
		"\n"
		"Example configuration:\n"
		"  { \"bdevs\": [ \"malloc:name=Malloc0,size_mb=64\" ],\n"
		"    \"listeners\": [ { \"trtype\": \"tcp\", \"traddr\": \"127.0.0.1\",\n"
		"                     \"trsvcid\": \"4420\" } ],\n"
		"    \"subsystems\": [ { \"nqn\": \"nqn.2016-06.io.spdk:cnode1\",\n"
		"                      \"allow_any_host\": true,\n"
		"                      \"namespaces\": [ { \"bdev\": \"Malloc0\" } ] } ] }\n",
		prog, DEFAULT_RPC_PATH);
}

static void poll_group_add(void *ctx)
{
	(void)ctx;
	if (spdkrt_nvmf_tgt_add_poll_group(g_daemon.tgt) != 0)
		fprintf(stderr, "spdkrt-nvmf-tgt: a core could not take connections\n");
}

static int start_poll_groups(void)
{
	for (uint32_t core = spdkrt_env_get_first_core(); core != SPDKRT_ENV_CORE_INVALID;
	     core = spdkrt_env_get_next_core(core)) {
		struct spdkrt_thread *t;
		char name[32];
		int rc;

		snprintf(name, sizeof(name), "nvmf_pg%u", core);
		rc = spdkrt_app_thread_create(name, core, &t);
		if (rc == 0)
			rc = spdkrt_thread_send_msg(t, poll_group_add, NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void bdevs_gone(void *ctx)
{
	(void)ctx;
	spdkrt_app_stop(g_exit_code);
}

static void tgt_gone(void *ctx, int status)
{
	(void)ctx;
	(void)status;
	g_daemon.tgt = NULL;
	daemon_host_keys_free();
	daemon_bdevs_destroy_all(bdevs_gone, NULL);
}

static void shutdown_daemon(void *ctx)
{
	(void)ctx;
	if (g_daemon.stopping)
		return;
	g_daemon.stopping = true;
	rpc_server_stop();
	if (g_daemon.tgt == NULL || spdkrt_nvmf_tgt_destroy(g_daemon.tgt, tgt_gone, NULL) != 0)
		tgt_gone(NULL, 0);
}

static void fail_start(int rc)
{
	g_exit_code = 1;
	(void)rc;
	shutdown_daemon(NULL);
}

static void start(void *ctx)
{
	int rc;

	(void)ctx;
	rc = daemon_config_tgt_opts(g_config, &g_daemon.tgt_opts);
	if (rc == 0)
		rc = spdkrt_nvmf_tgt_create(&g_daemon.tgt_opts, &g_daemon.tgt);
	if (rc != 0) {
		fprintf(stderr, "spdkrt-nvmf-tgt: cannot create the target: %s\n", strerror(-rc));
		fail_start(rc);
		return;
	}
	rc = start_poll_groups();
	if (rc == 0 && g_config != NULL)
		rc = daemon_config_apply(g_config);
	if (rc == 0)
		rc = rpc_server_start(g_daemon.rpc_path);
	if (rc != 0) {
		fail_start(rc);
		return;
	}
	printf("spdkrt-nvmf-tgt: ready (RPC on %s)\n", g_daemon.rpc_path);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = { { "config", required_argument, NULL, 'c' },
						   { "rpc", required_argument, NULL, 'r' },
						   { "cores", required_argument, NULL, 'm' },
						   { "mem", required_argument, NULL, 's' },
						   { "no-huge", no_argument, NULL, 'H' },
						   { "log-level", required_argument, NULL, 'L' },
						   { "help", no_argument, NULL, 'h' },
						   { NULL, 0, NULL, 0 } };
	struct spdkrt_app_opts opts;
	int c, rc;

	if (argc < 2) {
		usage(stdout, argv[0]);
		return 0;
	}
	spdkrt_app_opts_init(&opts, sizeof(opts));
	opts.name = "spdkrt_nvmf_tgt";
	opts.shutdown_cb = shutdown_daemon;
	spdkrt_nvmf_tgt_opts_init(&g_daemon.tgt_opts, sizeof(g_daemon.tgt_opts));
	g_daemon.rpc_path = DEFAULT_RPC_PATH;
	while ((c = getopt_long(argc, argv, "c:r:m:s:L:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			g_daemon.config_path = optarg;
			break;
		case 'r':
			g_daemon.rpc_path = optarg;
			break;
		case 'm':
			opts.core_mask = optarg;
			break;
		case 's':
			opts.mem_size_mb = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			opts.no_huge = true;
			break;
		case 'L':
			opts.log_level = atoi(optarg);
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (g_daemon.config_path != NULL) {
		g_config = json_object_from_file(g_daemon.config_path);
		if (g_config == NULL) {
			fprintf(stderr, "spdkrt-nvmf-tgt: cannot read %s: %s\n",
				g_daemon.config_path, json_util_get_last_err());
			return 1;
		}
	}
	rc = spdkrt_app_run(&opts, start, NULL);
	json_object_put(g_config);
	if (rc != 0 && g_exit_code == 0)
		g_exit_code = 1;
	return g_exit_code;
}
