/* SPDX-License-Identifier: BSD-3-Clause */
/* spdkrt_for_each_channel: visit every thread's channel of a device, one thread at a time. */
#include <errno.h>
#include <stdlib.h>

#include "thread/internal.h"

#define SRT_LOG_COMPONENT "thread"
#include "util/log.h"

struct spdkrt_io_channel_iter {
	void *io_device;
	spdkrt_channel_msg_fn fn;
	void *ctx;
	spdkrt_channel_done_fn done;
	struct spdkrt_thread *origin;
	uint64_t last_id;
	struct spdkrt_io_channel *ch;
	int status;
};

static void iter_step(void *arg);

static void iter_finish(void *arg)
{
	struct spdkrt_io_channel_iter *iter = arg;

	iter->ch = NULL;
	iter->origin->num_pending--;
	iter->done(iter, iter->status);
	free(iter);
}

static void iter_advance(struct spdkrt_io_channel_iter *iter)
{
	if (iter->status != 0 || !srt_thread_send_to_next(&iter->last_id, iter_step, iter))
		srt_thread_send_msg_retry(iter->origin, iter_finish, iter);
}

static void iter_step(void *arg)
{
	struct spdkrt_io_channel_iter *iter = arg;

	iter->ch = srt_thread_find_channel(srt_current_thread, iter->io_device);
	if (iter->ch != NULL)
		iter->fn(iter);
	else
		iter_advance(iter);
}

int spdkrt_for_each_channel(void *io_device, spdkrt_channel_msg_fn fn, void *ctx,
			    spdkrt_channel_done_fn done)
{
	struct spdkrt_io_channel_iter *iter;

	if (io_device == NULL || fn == NULL || done == NULL || srt_current_thread == NULL) {
		SRT_ERR("spdkrt_for_each_channel: NULL argument, or not called on an spdkrt "
			"thread");
		return -EINVAL;
	}
	if (!srt_io_device_is_registered(io_device)) {
		SRT_ERR("spdkrt_for_each_channel: %p is not a registered device", io_device);
		return -ENOENT;
	}
	iter = calloc(1, sizeof(*iter));
	if (iter == NULL)
		return -ENOMEM;
	iter->io_device = io_device;
	iter->fn = fn;
	iter->ctx = ctx;
	iter->done = done;
	iter->origin = srt_current_thread;
	iter->origin->num_pending++;
	iter_advance(iter);
	return 0;
}

void spdkrt_for_each_channel_continue(struct spdkrt_io_channel_iter *iter, int status)
{
	if (iter == NULL) {
		SRT_ERR("spdkrt_for_each_channel_continue: iter is NULL; ignored");
		return;
	}
	iter->status = status;
	iter->ch = NULL;
	iter_advance(iter);
}

struct spdkrt_io_channel *spdkrt_io_channel_iter_get_channel(struct spdkrt_io_channel_iter *iter)
{
	return iter != NULL ? iter->ch : NULL;
}

void *spdkrt_io_channel_iter_get_io_device(struct spdkrt_io_channel_iter *iter)
{
	return iter != NULL ? iter->io_device : NULL;
}

void *spdkrt_io_channel_iter_get_ctx(struct spdkrt_io_channel_iter *iter)
{
	return iter != NULL ? iter->ctx : NULL;
}
