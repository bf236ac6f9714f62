/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs an unmodified spdkrt application (bdevperf, in tests) over I/OAT channel models: linked
 * with -Wl,--wrap=spdkrt_app_run, it selects the heap environment (IOVA != VA) and registers
 * SPDKRT_IOAT_MODELS channel models (default 1) on the app thread before the application's own
 * start function runs, so that `malloc:...,copy=ioat` finds channels and the PCI layer's poller
 * on that thread runs them. With -Wl,--wrap=spdkrt_app_stop as well, the models go (and say how
 * many descriptors they ran) when the application stops, so the app thread can exit.
 * No emulator of I/OAT exists: these models are the device.
 */
#include <stdio.h>
#include <stdlib.h>

#include <spdkrt/app.h>

#include "env/backend.h"
#include "ioat_model.h"

#define MAX_MODELS 8

int __real_spdkrt_app_run(const struct spdkrt_app_opts *opts, spdkrt_msg_fn start, void *ctx);
int __wrap_spdkrt_app_run(const struct spdkrt_app_opts *opts, spdkrt_msg_fn start, void *ctx);
void __real_spdkrt_app_stop(int rc);
void __wrap_spdkrt_app_stop(int rc);

struct app_start {
	spdkrt_msg_fn start;
	void *ctx;
};

static struct ioat_model *g_models[MAX_MODELS];
static unsigned g_num_models;

static void start_with_models(void *arg)
{
	const struct app_start *s = arg;
	const char *env = getenv("SPDKRT_IOAT_MODELS");
	unsigned want = env != NULL ? (unsigned)atoi(env) : 1;

	for (unsigned i = 0; i < want && i < MAX_MODELS; i++) {
		struct spdkrt_pci_addr addr = { 0, 0x80, 4, (uint8_t)i };

		if (ioat_model_create(&addr, NULL, &g_models[g_num_models]) != 0) {
			fprintf(stderr, "app_with_models: cannot register channel model %u\n", i);
			break;
		}
		g_num_models++;
	}
	s->start(s->ctx);
}

static void destroy_models(void)
{
	struct ioat_model_stats st;

	for (unsigned i = 0; i < g_num_models; i++) {
		ioat_model_get_stats(g_models[i], &st);
		fprintf(stderr,
			"app_with_models: channel model %u ran %llu descriptors (%llu copies, "
			"%llu fills)\n",
			i, (unsigned long long)st.descriptors, (unsigned long long)st.copies,
			(unsigned long long)st.fills);
		ioat_model_destroy(g_models[i]);
	}
	g_num_models = 0;
}

void __wrap_spdkrt_app_stop(int rc)
{
	destroy_models();
	__real_spdkrt_app_stop(rc);
}

int __wrap_spdkrt_app_run(const struct spdkrt_app_opts *opts, spdkrt_msg_fn start, void *ctx)
{
	struct app_start s = { start, ctx };
	int rc;

	if (srt_env_set_backend(&srt_env_heap_backend) != 0)
		return -1;
	rc = __real_spdkrt_app_run(opts, start_with_models, &s);
	destroy_models();
	return rc;
}
