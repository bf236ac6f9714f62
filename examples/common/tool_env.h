/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The environment options every tool takes, parsed in one place: -m/--cpumask, -s/--mem-size,
 * -L/--log-level and --no-huge; and the memory a run without hugepages needs when -s is not
 * given, sized from the bdev specs it will create.
 */
#ifndef SPDKRT_TOOL_ENV_H
#define SPDKRT_TOOL_ENV_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include <spdkrt.h>

/* getopt letters and long options of the shared options; --no-huge has no letter. */
#define TOOL_ENV_SHORT_OPTS "m:s:L:"
#define TOOL_ENV_OPT_NO_HUGE 0x1001
/* One option per line. */
/* clang-format off */
#define TOOL_ENV_LONG_OPTS                                                                         \
	{ "cpumask", required_argument, NULL, 'm' },                                               \
	{ "mem-size", required_argument, NULL, 's' },                                              \
	{ "log-level", required_argument, NULL, 'L' },                                             \
	{ "no-huge", no_argument, NULL, TOOL_ENV_OPT_NO_HUGE }
/* clang-format on */
#define TOOL_ENV_USAGE                                                                             \
	"  -m, --cpumask MASK       cores: \"0x3\" or \"0-1\" (default: the first core)\n"         \
	"  -s, --mem-size MB        memory to reserve in MiB (default with --no-huge: 1024,\n"     \
	"                           or more when the bdevs need it)\n"                             \
	"      --no-huge            use ordinary memory, not hugepages (no real devices)\n"        \
	"  -L, --log-level LEVEL    error, warn, notice, info, debug\n"

/* The shared options as parsed. */
struct tool_env {
	const char *core_mask; /* NULL: the default */
	size_t mem_size_mb;    /* 0: the default */
	bool no_huge;
	int log_level; /* -1: leave it */
};

/* Initialises t to the defaults. */
void tool_env_init(struct tool_env *t);

/*
 * Applies option c (a getopt result) with its argument when it is one of the shared options.
 * @return 1 when it was one, 0 when it is not, -1 for a bad value (a message naming prog is on
 *	stderr).
 */
int tool_env_option(struct tool_env *t, int c, const char *arg, const char *prog);

/*
 * MiB of DMA memory the bdevs of these specs take (malloc: its size; others: none), 0 for specs
 * that create nothing in memory.
 */
size_t tool_env_specs_mb(const char *const *specs, size_t num_specs);

/* tool_env_specs_mb() of a list of specs separated by separator ("a;b"). */
size_t tool_env_spec_list_mb(const char *list, char separator);

/*
 * The memory to run with when the bdevs take bdev_mb MiB: -s when given; with --no-huge and
 * bdevs larger than the env default leaves room for, bdev_mb plus 256 MiB for buffers and pools
 * (ordinary pages cost nothing until touched); else 0 (the env default).
 */
size_t tool_env_mem_for(const struct tool_env *t, size_t bdev_mb);

/* tool_env_mem_for() the bdevs of these specs. */
size_t tool_env_mem_mb(const struct tool_env *t, const char *const *specs, size_t num_specs);

/* Copies the options into app options (memory sized for the specs). */
void tool_env_to_app_opts(const struct tool_env *t, const char *const *specs, size_t num_specs,
			  struct spdkrt_app_opts *opts);

#endif
