/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: bdev spec strings through spdkrt_bdev_create(), on a heap environment with a
 * base bdev "M" that crypto specs can stack on. In the input, "@1" and "@2" stand for two AES
 * keys (substituted before the call), so the fuzzer can put key material anywhere: after a
 * space, under a misspelt key, without a key name. Every log line and the redacted spec are
 * checked for any 17-character piece of either key; a leak, a crash or a hang is a finding.
 * Bdevs that get created are destroyed again, so runs do not accumulate.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/bdev.h>
#include <spdkrt/env.h>
#include <spdkrt/log.h>
#include <spdkrt/thread.h>

#include "env/backend.h"
#include "util/redact.h"

#define KEY1 "00112233445566778899aabbccddeeff"
#define KEY2 "ffeeddccbbaa99887766554433221100"
#define MAX_SPEC 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct spdkrt_thread *g_thread;

static void check_no_key_material(const char *text, const char *where)
{
	static const char *const keys[] = { KEY1, KEY2 };

	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i + SRT_REDACT_HEX_RUN <= strlen(keys[k]); i++) {
			if (memmem(text, strlen(text), keys[k] + i, SRT_REDACT_HEX_RUN) != NULL) {
				fprintf(stderr, "spec_fuzz: key material in %s: %s\n", where, text);
				abort();
			}
		}
	}
}

static void checking_sink(void *ctx, enum spdkrt_log_level level, const char *component,
			  const char *message)
{
	(void)ctx;
	(void)level;
	(void)component;
	check_no_key_material(message, "a log line");
}

static void setup_once(void)
{
	struct spdkrt_env_opts opts;

	if (g_thread != NULL)
		return;
	spdkrt_log_set_sink(checking_sink, NULL);
	if (srt_env_set_backend(&srt_env_heap_backend) != 0)
		abort();
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	if (spdkrt_env_init(&opts) != 0 || spdkrt_thread_create("fuzz", &g_thread) != 0)
		abort();
	spdkrt_set_thread(g_thread);
	if (spdkrt_bdev_create("malloc:name=M,num_blocks=64", NULL) != 0)
		abort();
}

/* The input with @1/@2 replaced by the keys; false when it does not fit. */
static int expand(const uint8_t *data, size_t size, char *out, size_t room)
{
	size_t o = 0;

	for (size_t i = 0; i < size; i++) {
		const char *piece = NULL;

		if (data[i] == '\0')
			return 0;
		if (data[i] == '@' && i + 1 < size && (data[i + 1] == '1' || data[i + 1] == '2'))
			piece = data[++i] == '1' ? KEY1 : KEY2;
		if (piece != NULL) {
			if (o + strlen(piece) >= room)
				return 0;
			memcpy(out + o, piece, strlen(piece));
			o += strlen(piece);
		} else {
			if (o + 1 >= room)
				return 0;
			out[o++] = (char)data[i];
		}
	}
	out[o] = '\0';
	return 1;
}

/* Modules that touch files or devices, and sizes that would exhaust memory, are not fuzzed. */
static int out_of_scope(const char *spec)
{
	static const char *const sizes[] = { "size_mb=", "num_blocks=" };

	if (strncmp(spec, "aio", 3) == 0 || strncmp(spec, "uring", 5) == 0 ||
	    strncmp(spec, "nvme", 4) == 0)
		return 1;
	for (size_t i = 0; i < 2; i++) {
		for (const char *p = strstr(spec, sizes[i]); p != NULL;
		     p = strstr(p + 1, sizes[i])) {
			if (strtoull(p + strlen(sizes[i]), NULL, 0) > 65536)
				return 1;
		}
	}
	return 0;
}

static void destroyed(void *ctx, int status)
{
	(void)status;
	*(int *)ctx = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[MAX_SPEC], shown[MAX_SPEC];
	struct spdkrt_bdev *bdev = NULL;

	setup_once();
	if (!expand(data, size, spec, sizeof(spec)) || out_of_scope(spec))
		return 0;
	check_no_key_material(spdkrt_spec_redact(spec, shown, sizeof(shown)), "the redacted spec");
	if (spdkrt_bdev_create(spec, &bdev) == 0) {
		char name[128];
		int done = 0;

		snprintf(name, sizeof(name), "%s", spdkrt_bdev_get_name(bdev));
		if (spdkrt_bdev_destroy(name, destroyed, &done) != 0)
			abort();
		for (long i = 0; i < 1000000 && !done; i++)
			spdkrt_thread_poll(g_thread, 0, 0);
		if (!done)
			abort(); /* a destroy that never finishes is a hang */
	}
	for (int i = 0; i < 4; i++)
		spdkrt_thread_poll(g_thread, 0, 0);
	return 0;
}
