/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bdevperf: measures bdev I/O performance. Every core of -m runs one job per bdev, each on its
 * own spdkrt thread; a job keeps -q I/Os of -o bytes in flight and submits the next I/O straight
 * from each completion callback (the library's deferred-completion path keeps the stack flat).
 *
 * The hot path (task_next, task_issue, the completion callbacks) does no allocation, no clock
 * read, no lock and no division: time is only read by a timed poller on the app thread.
 *
 * Control flow, all by messages: the app thread creates the bdevs and the jobs; each job opens
 * its bdev on its thread and answers "ready"; the app thread then sends "go" and starts the
 * timer; at the end (timer, SIGINT, or a job's fatal error) it sends "stop" to every job, each
 * job drains its I/O, releases everything and answers "finished"; the app thread prints the
 * results, destroys the bdevs it created and stops the app.
 *
 * This file: the options and main(); bdevperf.h lists the other parts.
 */
#include <getopt.h>
#include <stdarg.h>

#include "bdevperf.h"

#include "../../common/tool_env.h"

uint32_t g_queue_depth;
uint64_t g_io_size;
enum workload g_workload;
static bool g_workload_set;
int g_rwmix = -1;
uint64_t g_time_s;
uint64_t g_stats_period_s;
const char *g_bdev_specs[MAX_BDEVS];
uint32_t g_num_bdev_specs;
bool g_json;
uint32_t g_corrupt_every;

const struct workload_info g_workloads[] = {
	[WL_READ] = { "read", false, false },
	[WL_WRITE] = { "write", false, true },
	[WL_RANDREAD] = { "randread", true, false },
	[WL_RANDWRITE] = { "randwrite", true, true },
	[WL_RW] = { "rw", false, true },
	[WL_RANDRW] = { "randrw", true, true },
	[WL_VERIFY] = { "verify", false, true },
	[WL_UNMAP] = { "unmap", false, true },
	[WL_WRITE_ZEROES] = { "write_zeroes", false, true },
	[WL_FLUSH] = { "flush", false, true },
	/* reset: random reads, plus one reset per job every second */
	[WL_RESET] = { "reset", true, true },
};
const size_t g_num_workloads = sizeof(g_workloads) / sizeof(g_workloads[0]);

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s -q DEPTH -o SIZE -w WORKLOAD -t SECONDS -b SPEC [options]\n"
		"\n"
		"Measures bdev I/O performance: each core of -m runs one job per bdev;\n"
		"a job keeps DEPTH I/Os of SIZE bytes in flight for SECONDS seconds.\n"
		"\n"
		"  -q, --queue-depth DEPTH  I/Os in flight per job (1-%u)\n"
		"  -o, --io-size SIZE       I/O size in bytes (k, m suffixes: 4k)\n"
		"  -w, --workload TYPE      read, write, randread, randwrite, rw, randrw,\n"
		"                           verify, unmap, write_zeroes, flush, reset\n"
		"                           (reset: random reads, a reset per job each second)\n"
		"  -M, --rwmixread PCT      read percentage of rw and randrw (0-100, required)\n"
		"  -t, --time SECONDS       run time\n"
		"  -b, --bdev SPEC          create a bdev and run on it (repeatable, required):\n"
		"                           malloc:name=Malloc0,size_mb=128[,block_size=4096]\n"
		"                           null:name=Null0,size_mb=1024[,complete=submit|poller]\n"
		"                           or the NAME of a bdev an earlier -b made (e.g. Nvme0n2\n"
		"                           after -b nvme:name=Nvme0,...): run on it as well\n"
		"  -C                       every core runs every bdev (always the case here)\n"
		"  -S, --stats-period SEC   print interim totals every SEC seconds\n" TOOL_ENV_USAGE
		"      --json               print the results as one JSON object on stdout\n"
		"      --inject-corruption N  test aid for verify: after every Nth write,\n"
		"                           overwrite a block through a second descriptor\n"
		"                           (so verify must fail)\n"
		"  -h, --help               print this help\n"
		"\n"
		"Exit status: 0 on success; 1 for bad options, setup failures, I/O errors\n"
		"or a verify mismatch.\n",
		prog, MAX_QUEUE_DEPTH);
}

/* Parses a decimal number with an optional k/m/g (x1024) suffix when allowed. */
static bool parse_u64(const char *s, bool suffix, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (suffix && *p != '\0' && p[1] == '\0') {
		switch (*p) {
		case 'k':
		case 'K':
			mult = 1ull << 10;
			break;
		case 'm':
		case 'M':
			mult = 1ull << 20;
			break;
		case 'g':
		case 'G':
			mult = 1ull << 30;
			break;
		default:
			return false;
		}
		p++;
	}
	if (*p != '\0' || (v != 0 && mult > UINT64_MAX / v))
		return false;
	*out = v * mult;
	return true;
}

__attribute__((format(printf, 2, 3))) static int bad_option(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	return 1;
}

enum {
	OPT_JSON = 256,
	OPT_CORRUPT
};

/* @return -1 to run, else the exit code. */
static int parse_args(int argc, char **argv, struct tool_env *env)
{
	static const struct option long_opts[] = {
		{ "queue-depth", required_argument, NULL, 'q' },
		{ "io-size", required_argument, NULL, 'o' },
		{ "workload", required_argument, NULL, 'w' },
		{ "rwmixread", required_argument, NULL, 'M' },
		{ "time", required_argument, NULL, 't' },
		{ "bdev", required_argument, NULL, 'b' },
		{ "stats-period", required_argument, NULL, 'S' },
		TOOL_ENV_LONG_OPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "inject-corruption", required_argument, NULL, OPT_CORRUPT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = argv[0];
	uint64_t v;
	size_t w;
	int c, shared;

	if (argc < 2) {
		usage(stderr, prog);
		return 1;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":q:o:w:M:t:b:CS:h" TOOL_ENV_SHORT_OPTS, long_opts,
				NULL)) != -1) {
		shared = tool_env_option(env, c, optarg, prog);
		if (shared < 0) {
			fprintf(stderr, "Try '%s --help' for more information.\n", prog);
			return 1;
		}
		if (shared > 0)
			continue;
		switch (c) {
		case 'q':
			if (!parse_u64(optarg, false, &v) || v == 0 || v > MAX_QUEUE_DEPTH)
				return bad_option(prog, "invalid queue depth '%s' (-q 1-%u)",
						  optarg, MAX_QUEUE_DEPTH);
			g_queue_depth = (uint32_t)v;
			break;
		case 'o':
			if (!parse_u64(optarg, true, &v) || v == 0 || v > MAX_IO_SIZE)
				return bad_option(prog, "invalid I/O size '%s' (-o 512, 4k, ...)",
						  optarg);
			g_io_size = v;
			break;
		case 'w':
			for (w = 0; w < g_num_workloads; w++)
				if (strcmp(optarg, g_workloads[w].name) == 0)
					break;
			if (w == g_num_workloads)
				return bad_option(prog, "unknown workload '%s' (see --help)",
						  optarg);
			g_workload = (enum workload)w;
			g_workload_set = true;
			break;
		case 'M':
			if (!parse_u64(optarg, false, &v) || v > 100)
				return bad_option(prog, "invalid read percentage '%s' (-M 0-100)",
						  optarg);
			g_rwmix = (int)v;
			break;
		case 't':
			if (!parse_u64(optarg, false, &v) || v == 0 || v > 1000000)
				return bad_option(prog, "invalid run time '%s' (-t SECONDS, > 0)",
						  optarg);
			g_time_s = v;
			break;
		case 'b':
			if (g_num_bdev_specs == MAX_BDEVS)
				return bad_option(prog, "too many -b (at most %d)", MAX_BDEVS);
			g_bdev_specs[g_num_bdev_specs++] = optarg;
			break;
		case 'C':
			break;
		case 'S':
			if (!parse_u64(optarg, false, &v) || v == 0 || v > 1000000)
				return bad_option(prog, "invalid stats period '%s' (-S SECONDS)",
						  optarg);
			g_stats_period_s = v;
			break;
		case OPT_JSON:
			g_json = true;
			break;
		case OPT_CORRUPT:
			if (!parse_u64(optarg, false, &v) || v == 0 || v > UINT32_MAX)
				return bad_option(prog, "invalid --inject-corruption '%s' (N > 0)",
						  optarg);
			g_corrupt_every = (uint32_t)v;
			break;
		case 'h':
			usage(stdout, prog);
			return 0;
		case ':':
			return bad_option(prog, "option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt != 0)
				return bad_option(prog, "unknown option '-%c'", optopt);
			return bad_option(prog, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_option(prog, "unexpected argument '%s'", argv[optind]);
	if (g_queue_depth == 0)
		return bad_option(prog, "%s", "missing -q (queue depth)");
	if (g_io_size == 0)
		return bad_option(prog, "%s", "missing -o (I/O size in bytes)");
	if (!g_workload_set)
		return bad_option(prog, "%s", "missing -w (workload)");
	if (g_time_s == 0)
		return bad_option(prog, "%s", "missing -t (run time in seconds)");
	if (g_num_bdev_specs == 0)
		return bad_option(prog, "%s",
				  "missing -b (a bdev: -b malloc:name=Malloc0,size_mb=128)");
	if ((g_workload == WL_RW || g_workload == WL_RANDRW) && g_rwmix < 0)
		return bad_option(prog, "%s", "-w rw and randrw need -M (read percentage, 0-100)");
	if (g_rwmix >= 0 && g_workload != WL_RW && g_workload != WL_RANDRW)
		return bad_option(prog, "-M applies only to rw and randrw, not to %s",
				  g_workloads[g_workload].name);
	if (g_corrupt_every != 0 && g_workload != WL_VERIFY)
		return bad_option(prog, "%s", "--inject-corruption applies only to -w verify");
	/* Pure mixes are the plain workloads, without a random draw per I/O. */
	if (g_rwmix == 100)
		g_workload = g_workload == WL_RW ? WL_READ : WL_RANDREAD;
	else if (g_rwmix == 0)
		g_workload = g_workload == WL_RW ? WL_WRITE : WL_RANDWRITE;
	return -1;
}

int main(int argc, char **argv)
{
	struct spdkrt_app_opts opts;
	struct tool_env env;
	int rc;

	tool_env_init(&env);
	rc = parse_args(argc, argv, &env);
	if (rc >= 0)
		return rc;
	spdkrt_app_opts_init(&opts, sizeof(opts));
	opts.name = "bdevperf";
	opts.shutdown_cb = on_shutdown;
	/* Without hugepages and -s, the memory follows the bdevs asked for. */
	tool_env_to_app_opts(&env, g_bdev_specs, g_num_bdev_specs, &opts);
	rc = spdkrt_app_run(&opts, start, NULL);
	if (rc < 0) {
		fprintf(stderr, "bdevperf: cannot run: %s\n", spdkrt_strerror(rc));
		return 1;
	}
	return rc == 0 ? 0 : 1;
}
