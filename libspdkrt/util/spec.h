/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Spec strings "module:key=value,key=value": the one way tools, config files and FFI users
 * name a bdev. Getters mark keys as used so that unknown keys can be reported afterwards.
 */
#ifndef SRT_UTIL_SPEC_H
#define SRT_UTIL_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRT_SPEC_MAX_KEYS 32

struct srt_spec {
	char *module;
	unsigned num_keys;
	size_t text_len;
	struct {
		char *key;
		char *value;
		bool used;
	} kv[SRT_SPEC_MAX_KEYS];
	char text[]; /* the copy the pointers point into */
};

/* Parses text; -EINVAL (logged) when malformed, a key repeats, or there are too many keys. */
int srt_spec_parse(const char *text, struct srt_spec **spec);
/* Frees a spec, wiping its text first (values may be secrets). */
void srt_spec_free(struct srt_spec *spec);

/* The value of key (marked used), or NULL. */
const char *srt_spec_get(struct srt_spec *spec, const char *key);
/* Required string: -EINVAL (logged) when missing or empty. */
int srt_spec_get_str(struct srt_spec *spec, const char *key, const char **value);
/*
 * Unsigned number (decimal or 0x hex) into *value; leaves *value alone when the key is absent.
 * -EINVAL (logged) for a malformed number or one outside [min, max].
 */
int srt_spec_get_u64(struct srt_spec *spec, const char *key, uint64_t min, uint64_t max,
		     uint64_t *value);
/* true/false/1/0/yes/no; -EINVAL when malformed. Absent: *value unchanged. */
int srt_spec_get_bool(struct srt_spec *spec, const char *key, bool *value);
/* -EINVAL (logged, naming the key) when a key was never read. */
int srt_spec_check_all_used(struct srt_spec *spec);
/* Overwrites the value of key with zero bytes (a secret read): 0, or -ENOENT when absent. */
int srt_spec_wipe(struct srt_spec *spec, const char *key);

#endif
