/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints the layout of the public structures the Python package (python/spdkrt/_lib.py)
 * mirrors, as "struct field offset" and "struct sizeof size" lines, for test_spdkrt.py --layout.
 * A field renamed in a header fails this build: the binding must follow.
 */
#include <stddef.h>
#include <stdio.h>

#include <spdkrt.h>

#define FIELD(s, f) printf("%s %s %zu\n", #s, #f, offsetof(struct s, f))
#define SIZE(s) printf("%s sizeof %zu\n", #s, sizeof(struct s))

int main(void)
{
	FIELD(spdkrt_env_opts, size);
	FIELD(spdkrt_env_opts, name);
	FIELD(spdkrt_env_opts, core_mask);
	FIELD(spdkrt_env_opts, main_core);
	FIELD(spdkrt_env_opts, mem_size_mb);
	FIELD(spdkrt_env_opts, no_huge);
	FIELD(spdkrt_env_opts, hugepage_dir);
	FIELD(spdkrt_env_opts, iova_mode);
	FIELD(spdkrt_env_opts, socket_mem);
	FIELD(spdkrt_env_opts, pci_allowed);
	FIELD(spdkrt_env_opts, num_pci_allowed);
	FIELD(spdkrt_env_opts, file_prefix);
	FIELD(spdkrt_env_opts, eal_args);
	FIELD(spdkrt_env_opts, num_eal_args);
	SIZE(spdkrt_env_opts);

	FIELD(spdkrt_app_opts, size);
	FIELD(spdkrt_app_opts, name);
	FIELD(spdkrt_app_opts, core_mask);
	FIELD(spdkrt_app_opts, mem_size_mb);
	FIELD(spdkrt_app_opts, no_huge);
	FIELD(spdkrt_app_opts, log_level);
	FIELD(spdkrt_app_opts, shutdown_cb);
	FIELD(spdkrt_app_opts, shutdown_ctx);
	FIELD(spdkrt_app_opts, env_opts);
	SIZE(spdkrt_app_opts);

	FIELD(spdkrt_bdev_stats, ops);
	FIELD(spdkrt_bdev_stats, bytes);
	FIELD(spdkrt_bdev_stats, latency_ticks);
	FIELD(spdkrt_bdev_stats, max_latency_ticks);
	FIELD(spdkrt_bdev_stats, errors);
	FIELD(spdkrt_bdev_stats, ticks_hz);
	SIZE(spdkrt_bdev_stats);
	return 0;
}
