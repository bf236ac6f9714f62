/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs an unmodified spdkrt application (bdevperf, in tests) over an NVMe controller model:
 * linked with -Wl,--wrap=spdkrt_app_run, it selects the heap environment (IOVA != VA) and
 * registers a model at 0000:0e:00.0 (namespace 1: 512-byte blocks, 2: 4 KiB blocks, 16 MiB
 * each) on the app thread before the application's start function runs, so that
 * `nvme:name=Nvme0,trtype=pcie,traddr=0000:0e:00.0` attaches to it. With -Wl,--wrap=
 * spdkrt_app_stop as well, the model goes once the application is stopping and the controller
 * has been shut down (the nvme bdevs detach it while the app stops, and the model must answer
 * that), so that the app thread, where the model's poller runs, can exit.
 */
#include <stdio.h>

#include <spdkrt/app.h>
#include <spdkrt/thread.h>

#include "env/backend.h"
#include "env/pci_sysfs.h"
#include "nvme_model.h"

#define MODEL_NS_BYTES (16u << 20)
/* A controller that is never shut down (attach failed, or a stuck detach) does not keep it. */
#define SHUTDOWN_WAIT_SECONDS 10

int __real_spdkrt_app_run(const struct spdkrt_app_opts *opts, spdkrt_msg_fn start, void *ctx);
int __wrap_spdkrt_app_run(const struct spdkrt_app_opts *opts, spdkrt_msg_fn start, void *ctx);
void __real_spdkrt_app_stop(int rc);
void __wrap_spdkrt_app_stop(int rc);

struct app_start {
	spdkrt_msg_fn start;
	void *ctx;
};

static struct nvme_model *g_model;
static struct spdkrt_poller *g_reaper;
static uint64_t g_reap_deadline;

static void destroy_model(void)
{
	struct nvme_model_stats st;

	if (g_model == NULL)
		return;
	nvme_model_get_stats(g_model, &st);
	fprintf(stderr, "app_with_models: the NVMe model ran %llu I/O commands, %llu shutdown(s)\n",
		(unsigned long long)st.io_commands, (unsigned long long)st.shutdowns);
	nvme_model_destroy(g_model);
	g_model = NULL;
}

/* Runs on the stopping app thread until the controller was shut down (or it waited enough). */
static int reap_model(void *arg)
{
	struct nvme_model_stats st;

	(void)arg;
	nvme_model_get_stats(g_model, &st);
	if ((st.enables != 0 && st.shutdowns == 0) && spdkrt_get_ticks() < g_reap_deadline)
		return SPDKRT_POLLER_IDLE;
	destroy_model();
	spdkrt_poller_unregister(&g_reaper);
	return SPDKRT_POLLER_BUSY;
}

void __wrap_spdkrt_app_stop(int rc)
{
	if (g_model != NULL && g_reaper == NULL) {
		g_reap_deadline =
			spdkrt_get_ticks() + SHUTDOWN_WAIT_SECONDS * spdkrt_get_ticks_hz();
		if (spdkrt_poller_register(reap_model, NULL, 1000, &g_reaper) != 0)
			fprintf(stderr,
				"app_with_models: cannot wait for the controller's shutdown\n");
	}
	__real_spdkrt_app_stop(rc);
}

static void start_with_model(void *arg)
{
	const struct app_start *s = arg;
	struct nvme_model_ns_opts ns512 = { .nsid = 1, .num_blocks = MODEL_NS_BYTES / 512 };
	struct nvme_model_ns_opts ns4k = { .nsid = 2,
					   .num_blocks = MODEL_NS_BYTES / 4096,
					   .lbaf = 3 };

	if (nvme_model_create(NULL, &g_model) != 0 || nvme_model_add_ns(g_model, &ns512) != 0 ||
	    nvme_model_add_ns(g_model, &ns4k) != 0)
		fprintf(stderr, "app_with_models: cannot register the NVMe controller model\n");
	s->start(s->ctx);
}

int __wrap_spdkrt_app_run(const struct spdkrt_app_opts *opts, spdkrt_msg_fn start, void *ctx)
{
	struct app_start s = { start, ctx };
	int rc;

	/* Only the model is seen: no real PCI function of this machine is touched. */
	if (srt_pci_sysfs_set_root("/nonexistent-spdkrt-sysfs") != 0 ||
	    srt_env_set_backend(&srt_env_heap_backend) != 0)
		return -1;
	rc = __real_spdkrt_app_run(opts, start_with_model, &s);
	destroy_model();
	return rc;
}
