/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Layers above the env keep objects in its memory (bdevs and their I/O pools). Each registers a
 * check; spdkrt_env_fini() refuses, naming them, while one reports objects still alive, instead
 * of unmapping the memory under them.
 */
#ifndef SRT_ENV_USERS_H
#define SRT_ENV_USERS_H

#include <stdbool.h>
#include <stddef.h>

/* Writes what is still alive into buf ("bdevs 'M0', 'C0'") and returns true; false if none. */
typedef bool (*srt_env_user_alive_fn)(char *buf, size_t size);

/* Register a check (at load time, from a constructor); up to 4. */
void srt_env_add_user_check(srt_env_user_alive_fn fn);

#endif
