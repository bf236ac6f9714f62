/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the I/OAT driver tests share: the heap env (IOVA != VA), channel models registered as PCI
 * functions, the real driver attached to them, and a loop that runs model and driver until a
 * condition holds (failing, not hanging, when it never does).
 */
#ifndef SPDKRT_TEST_IOAT_FIXTURE_H
#define SPDKRT_TEST_IOAT_FIXTURE_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../common/test_common.h"

#include <spdkrt/env.h>
#include <spdkrt/ioat.h>

#include "env/backend.h"
#include "../../models/ioat/ioat_model.h"

static const struct spdkrt_pci_addr g_addr0 = { 0, 0x80, 4, 0 };
static const struct spdkrt_pci_addr g_addr1 = { 0, 0x80, 4, 1 };

static inline int ioat_env_setup(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	opts.mem_size_mb = 256;
	assert_int_equal(spdkrt_env_init(&opts), 0);
	log_capture_start();
	return 0;
}

static inline int ioat_env_teardown(void **state)
{
	(void)state;
	log_capture_stop();
	spdkrt_env_fini();
	return 0;
}

/* A model at addr and the driver attached to it. */
struct ioat_rig {
	struct ioat_model *model;
	struct spdkrt_ioat_chan *chan;
};

static inline void rig_up(struct ioat_rig *rig, const struct spdkrt_pci_addr *addr,
			  const struct ioat_model_opts *opts)
{
	assert_int_equal(ioat_model_create(addr, opts, &rig->model), 0);
	assert_int_equal(spdkrt_ioat_attach(addr, &rig->chan), 0);
	assert_non_null(rig->chan);
}

static inline void rig_down(struct ioat_rig *rig)
{
	assert_int_equal(spdkrt_ioat_detach(rig->chan), 0);
	ioat_model_destroy(rig->model);
	rig->chan = NULL;
	rig->model = NULL;
}

/* Run the model and the driver's completions until cond holds; fail after a bound. */
#define run_until(rig, cond)                                                                       \
	do {                                                                                       \
		long runs_left_ = 10000000;                                                        \
		while (!(cond) && --runs_left_ > 0) {                                              \
			ioat_model_poll((rig)->model);                                             \
			assert_true(spdkrt_ioat_process_events((rig)->chan) >= 0);                 \
		}                                                                                  \
		if (!(cond))                                                                       \
			fail_msg("timed out waiting for: %s", #cond);                              \
	} while (0)

/* One request's completion. */
struct req {
	int calls;
	int status;
	int order; /* completion sequence number */
};

static int g_completions;

static inline void req_done(void *arg, int status)
{
	struct req *r = arg;

	r->calls++;
	r->status = status;
	r->order = g_completions++;
}

static inline void fill_random(void *buf, size_t len, unsigned seed)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

#endif
