/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The application runner: environment, one reactor per core, signals, orderly shutdown.
 *
 * spdkrt_app_run() initialises the environment, starts one reactor on each core (a DPDK lcore
 * that polls the spdkrt threads placed on it), runs the start function on the app thread of the
 * main core, and blocks until spdkrt_app_stop(). SIGINT and SIGTERM call the shutdown callback
 * (or spdkrt_app_stop(0) when there is none); a further signal before the app stops calls
 * spdkrt_app_stop(0). Using the runner is optional: a library user may initialise the
 * environment and poll threads itself.
 *
 * During the app, spdkrt_thread_create() places the new thread on the reactor of the calling
 * OS thread (the main core's from any other OS thread). A reactor destroys each of its threads
 * once it has exited (spdkrt_thread_exit()); spdkrt_thread_destroy() refuses them.
 */
#ifndef SPDKRT_APP_H
#define SPDKRT_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spdkrt/api.h>
#include <spdkrt/env.h>
#include <spdkrt/thread.h>

SPDKRT_BEGIN_DECLS

/** Options of spdkrt_app_run(); initialise with spdkrt_app_opts_init(). */
struct spdkrt_app_opts {
	/** sizeof(struct spdkrt_app_opts) as the caller knows it. */
	size_t size;
	/** Application name (logs, DPDK). Default "spdkrt_app". */
	const char *name;
	/** Cores for reactors: "0x3" or "0-1"; NULL: the first core the process may use. */
	const char *core_mask;
	/** Memory in MiB; 0: the env default. */
	size_t mem_size_mb;
	/** Run without hugepages (no real devices). */
	bool no_huge;
	/** Log level to set, or -1 (default) to leave it as it is. */
	int log_level;
	/** Called on the app thread on SIGINT/SIGTERM; NULL: spdkrt_app_stop(0). */
	spdkrt_msg_fn shutdown_cb;
	/** ctx of shutdown_cb. */
	void *shutdown_ctx;
	/**
	 * Full environment options for experts (file prefix, PCI allow list, ...). When set, its
	 * fields are used and name/core_mask/mem_size_mb/no_huge above are ignored.
	 */
	const struct spdkrt_env_opts *env_opts;
};

/** Fill opts with the defaults. @return 0, or -EINVAL (NULL, size too small). */
SPDKRT_API int spdkrt_app_opts_init(struct spdkrt_app_opts *opts, size_t size);

/**
 * Run an application: blocks until spdkrt_app_stop().
 *
 * @param start called once on the app thread (main core) when every reactor runs
 * @return the rc given to spdkrt_app_stop(); -EINVAL for bad options; -EALREADY when an app
 *	already ran or runs in this process; another negative errno when the environment fails.
 */
SPDKRT_API int spdkrt_app_run(const struct spdkrt_app_opts *opts, spdkrt_msg_fn start, void *ctx);

/**
 * Stop the running application: the subsystems are released on the app thread, every thread
 * is asked to exit, the reactors stop once they have, and spdkrt_app_run() returns rc (that of
 * the first call). Safe from any OS thread. A thread that has not exited after 5 s is named in
 * a warning; after 30 s it is abandoned (logged, its memory leaked) so that the app can end.
 */
SPDKRT_API void spdkrt_app_stop(int rc);

/**
 * Create a thread polled by the reactor of core (SPDKRT_ENV_CORE_INVALID: the reactor with the
 * fewest threads). Outside spdkrt_app_run() this is spdkrt_thread_create().
 *
 * @return 0, -EINVAL (core not in the app's cores), -ESHUTDOWN (the app is stopping), or
 *	-ENOMEM
 */
SPDKRT_API int spdkrt_app_thread_create(const char *name, uint32_t core,
					struct spdkrt_thread **thread);

/** @return the app thread (where start and shutdown_cb run), or NULL outside an app. */
SPDKRT_API struct spdkrt_thread *spdkrt_app_get_thread(void);

/** @return the core a thread's reactor runs on, or SPDKRT_ENV_CORE_INVALID. */
SPDKRT_API uint32_t spdkrt_app_thread_get_core(const struct spdkrt_thread *thread);

SPDKRT_END_DECLS

#endif /* SPDKRT_APP_H */
