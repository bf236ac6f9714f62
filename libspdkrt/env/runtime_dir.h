/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK's runtime directories of spdkrt's own file prefixes ("spdkrt<pid>"): a process that ends
 * without spdkrt_env_fini() (a crash, kill -9) leaves ~3 MB behind; the next init removes the
 * directories of processes that no longer exist.
 */
#ifndef SRT_ENV_RUNTIME_DIR_H
#define SRT_ENV_RUNTIME_DIR_H

/* The prefix of the per-process file prefixes spdkrt makes up. */
#define SRT_RUNTIME_PREFIX "spdkrt"

/* Removes path and everything below it (errors ignored: best effort). */
void srt_runtime_dir_remove(const char *path);

/* Removes the spdkrt<pid> directories, in DPDK's runtime base, of pids that do not exist. */
void srt_runtime_dir_remove_stale(void);

#endif
