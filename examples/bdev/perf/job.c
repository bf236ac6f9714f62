/* SPDX-License-Identifier: BSD-3-Clause */
/* bdevperf: job lifetime, on the job's thread. */
#include "bdevperf.h"

static void reset_done(void *arg, int status)
{
	struct job *j = arg;

	j->reset_outstanding = false;
	if (status == 0)
		j->resets++;
	else
		j->errors++;
	if (--j->outstanding == 0 && j->stop_received)
		job_done(j);
}

static int reset_poll(void *arg)
{
	struct job *j = arg;
	int rc;

	if (j->stopping || j->reset_outstanding)
		return SPDKRT_POLLER_IDLE;
	rc = spdkrt_bdev_reset(j->desc, j->ch, reset_done, j);
	if (rc == 0) {
		j->reset_outstanding = true;
		j->outstanding++;
	} else if (rc != -ENOMEM) {
		fprintf(stderr, "bdevperf: submitting a reset to bdev %s failed: %s\n",
			j->bdev_name, spdkrt_strerror(rc));
		j->errors++;
		job_fail(j, 1);
	}
	return SPDKRT_POLLER_BUSY;
}

static void job_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	struct job *j = ctx;

	if (type == SPDKRT_BDEV_EVENT_REMOVE) {
		fprintf(stderr, "bdevperf: bdev %s is being removed; stopping\n",
			spdkrt_bdev_get_name(bdev));
		job_fail(j, 1);
	}
}

/* Releases what job_setup acquired; safe on a partly set up job. */
static void job_release(struct job *j)
{
	spdkrt_poller_unregister(&j->reset_poller);
	if (j->corrupt_ch != NULL)
		spdkrt_put_io_channel(j->corrupt_ch);
	j->corrupt_ch = NULL;
	spdkrt_bdev_close(j->corrupt_desc);
	j->corrupt_desc = NULL;
	if (j->ch != NULL)
		spdkrt_put_io_channel(j->ch);
	j->ch = NULL;
	spdkrt_bdev_close(j->desc);
	j->desc = NULL;
	spdkrt_dma_free(j->bufs);
	j->bufs = NULL;
	spdkrt_dma_free(j->corrupt_buf);
	j->corrupt_buf = NULL;
}

/* Stopped and drained: release everything and tell the app thread (the job's last message). */
void job_done(struct job *j)
{
	job_release(j);
	post(g_app_thread, job_finished, j);
}

void job_setup(void *ctx)
{
	struct job *j = ctx;
	bool write = g_workloads[j->workload].writes;
	size_t align = spdkrt_bdev_get_buf_align(j->bdev);
	size_t per_task = g_workload == WL_VERIFY ? 2 : 1;
	int socket = spdkrt_env_get_socket_id(j->core);
	int rc;

	if (align < 64)
		align = 64;
	if (socket < 0)
		socket = SPDKRT_ENV_SOCKET_ANY;
	j->stride = (j->io_size + align - 1) & ~(align - 1);

	rc = spdkrt_bdev_open(j->bdev_name, write, job_event, j, &j->desc);
	if (rc != 0) {
		fprintf(stderr, "bdevperf: cannot open bdev %s: %s\n", j->bdev_name,
			spdkrt_strerror(rc));
		goto fail;
	}
	j->ch = spdkrt_bdev_get_io_channel(j->desc);
	if (j->ch == NULL) {
		fprintf(stderr, "bdevperf: cannot get an I/O channel for bdev %s\n", j->bdev_name);
		rc = -ENOMEM;
		goto fail;
	}
	j->bufs = spdkrt_dma_zmalloc(j->stride * per_task * j->queue_depth, align, socket);
	if (j->bufs == NULL) {
		fprintf(stderr,
			"bdevperf: cannot allocate %zu bytes of DMA memory for bdev %s's buffers "
			"(raise -s)\n",
			j->stride * per_task * j->queue_depth, j->bdev_name);
		rc = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < j->queue_depth; i++) {
		struct task *t = &j->tasks[i];

		t->job = j;
		t->index = i;
		t->next_slot = i;
		t->buf = (char *)j->bufs + (size_t)i * per_task * j->stride;
		if (per_task == 2)
			t->rbuf = (char *)t->buf + j->stride;
	}
	if (j->corrupt_every != 0) {
		rc = spdkrt_bdev_open(j->bdev_name, true, job_event, j, &j->corrupt_desc);
		if (rc == 0) {
			j->corrupt_ch = spdkrt_bdev_get_io_channel(j->corrupt_desc);
			j->corrupt_buf = spdkrt_dma_malloc(j->block_size, align, socket);
			if (j->corrupt_ch == NULL || j->corrupt_buf == NULL)
				rc = -ENOMEM;
			else
				memset(j->corrupt_buf, 0x5a, j->block_size);
		}
		if (rc != 0) {
			fprintf(stderr, "bdevperf: cannot set up corruption injection: %s\n",
				spdkrt_strerror(rc));
			goto fail;
		}
	}
	if (j->workload == WL_RESET) {
		rc = spdkrt_poller_register(reset_poll, j, RESET_PERIOD_US, &j->reset_poller);
		if (rc != 0)
			goto fail;
	}
	j->setup_rc = 0;
	post(g_app_thread, job_ready, j);
	return;
fail:
	job_release(j);
	j->setup_rc = rc;
	post(g_app_thread, job_ready, j);
}

void job_go(void *ctx)
{
	struct job *j = ctx;

	j->start_ticks = spdkrt_get_ticks();
	/* No completion runs inside a submit call, so this loop never recurses. */
	for (uint32_t i = 0; i < j->queue_depth && !j->stopping; i++) {
		j->outstanding++;
		task_next(&j->tasks[i]);
	}
}

void job_stop(void *ctx)
{
	struct job *j = ctx;

	j->stop_received = true;
	if (!j->stopping) {
		j->stopping = true;
		j->end_ticks = spdkrt_get_ticks();
		j->completed_at_stop = atomic_load_explicit(&j->io_completed, memory_order_relaxed);
	}
	spdkrt_poller_unregister(&j->reset_poller);
	if (j->outstanding == 0)
		job_done(j);
}
