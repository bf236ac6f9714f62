/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core-level reset: freeze every channel of the bdev (new I/O waits in the core), wait until
 * no channel has I/O in the module, hand the reset to the module with nothing in flight, then
 * unfreeze (the waiting I/O go on) and call the user back. Resets of one bdev run one at a time.
 * No module writes its own quiescing loop.
 */
#include <errno.h>
#include <stdlib.h>

#include "bdev/core.h"

#define SRT_LOG_COMPONENT "bdev"
#include "util/log.h"

struct srt_bdev_reset {
	STAILQ_ENTRY(srt_bdev_reset) link;
	struct spdkrt_bdev_io *io; /* held on its channel until every channel is drained */
	struct srt_bdev_channel *ch;
	spdkrt_bdev_io_cb cb;
	void *cb_arg;
	int status;
	/* the drain of the channel being visited */
	struct spdkrt_poller *poller;
	struct spdkrt_io_channel_iter *iter;
	struct spdkrt_io_channel *waiting; /* a reference keeps it while its I/O drains */
};

static uint64_t in_module(const struct srt_bdev_channel *ch)
{
	return ch->outstanding - ch->held;
}

static int drain_poll(void *arg)
{
	struct srt_bdev_reset *r = arg;

	if (in_module(srt_bdev_channel_of(r->waiting)) != 0)
		return SPDKRT_POLLER_IDLE;
	spdkrt_poller_unregister(&r->poller);
	spdkrt_put_io_channel(r->waiting);
	r->waiting = NULL;
	spdkrt_for_each_channel_continue(r->iter, 0);
	return SPDKRT_POLLER_BUSY;
}

/* On each channel's thread: freeze it, then go on once the module has none of its I/O. */
static void freeze_visit(struct spdkrt_io_channel_iter *iter)
{
	struct srt_bdev_reset *r = spdkrt_io_channel_iter_get_ctx(iter);
	struct spdkrt_io_channel *io_ch = spdkrt_io_channel_iter_get_channel(iter);
	struct srt_bdev_channel *ch = srt_bdev_channel_of(io_ch);
	int rc;

	ch->frozen = true;
	if (in_module(ch) == 0) {
		spdkrt_for_each_channel_continue(iter, 0);
		return;
	}
	r->waiting = spdkrt_get_io_channel(spdkrt_io_channel_iter_get_io_device(iter));
	r->iter = iter;
	rc = r->waiting != NULL ? spdkrt_poller_register(drain_poll, r, 0, &r->poller) : -ENOMEM;
	if (rc != 0) {
		spdkrt_put_io_channel(r->waiting);
		r->waiting = NULL;
		spdkrt_for_each_channel_continue(iter, rc);
	}
}

static void unfreeze_visit(struct spdkrt_io_channel_iter *iter)
{
	struct srt_bdev_channel *ch = srt_bdev_channel_of(spdkrt_io_channel_iter_get_channel(iter));
	struct srt_bdev_io_list batch = STAILQ_HEAD_INITIALIZER(batch);
	struct spdkrt_bdev_io *io;

	ch->frozen = false;
	STAILQ_CONCAT(&batch, &ch->frozen_queue);
	while ((io = STAILQ_FIRST(&batch)) != NULL) {
		STAILQ_REMOVE_HEAD(&batch, link);
		ch->held--;
		srt_bdev_launch(ch, io);
	}
	spdkrt_for_each_channel_continue(iter, 0);
}

static void reset_start(void *arg);

/* Every channel runs again: tell the user, then start the next reset of the bdev, if any. */
static void unfreeze_done(struct spdkrt_io_channel_iter *iter, int status)
{
	struct srt_bdev_reset *r = spdkrt_io_channel_iter_get_ctx(iter);
	struct spdkrt_bdev *bdev = r->ch->bdev;
	struct srt_bdev_reset *next;

	(void)status;
	r->cb(r->cb_arg, r->status);
	pthread_mutex_lock(&srt_bdev_lock);
	next = STAILQ_FIRST(&bdev->reset_queue);
	if (next != NULL)
		STAILQ_REMOVE_HEAD(&bdev->reset_queue, link);
	bdev->reset_active = next;
	pthread_mutex_unlock(&srt_bdev_lock);
	free(r);
	if (next != NULL)
		srt_thread_send_msg_retry(next->ch->thread, reset_start, next);
}

static void unfreeze(struct srt_bdev_reset *r)
{
	struct spdkrt_bdev *bdev = r->ch->bdev;
	int rc;

	atomic_store(&bdev->frozen, false);
	rc = spdkrt_for_each_channel(bdev, unfreeze_visit, r, unfreeze_done);
	if (rc != 0) /* out of memory for the walk: nothing else can unfreeze the channels */
		SRT_ERR("bdev '%s': cannot unfreeze its channels after a reset: %s", bdev->name,
			spdkrt_strerror(rc));
}

/* The module finished the reset (deliver recycled the I/O already). */
static void module_reset_done(void *arg, int status)
{
	struct srt_bdev_reset *r = arg;

	r->status = status;
	unfreeze(r);
}

static void freeze_done(struct spdkrt_io_channel_iter *iter, int status)
{
	struct srt_bdev_reset *r = spdkrt_io_channel_iter_get_ctx(iter);
	struct srt_bdev_channel *ch = r->ch;

	ch->held--; /* the reset itself goes to the module now */
	if (status != 0) {
		SRT_ERR("bdev '%s': reset could not quiesce its channels: %s", ch->bdev->name,
			spdkrt_strerror(status));
		spdkrt_bdev_io_complete(r->io, status);
		return;
	}
	srt_bdev_launch(ch, r->io);
}

static void reset_start(void *arg)
{
	struct srt_bdev_reset *r = arg;
	struct spdkrt_bdev *bdev = r->ch->bdev;
	int rc;

	atomic_store(&bdev->frozen, true);
	rc = spdkrt_for_each_channel(bdev, freeze_visit, r, freeze_done);
	if (rc != 0) {
		r->ch->held--;
		spdkrt_bdev_io_complete(r->io, rc);
	}
}

void srt_bdev_reset_submit(struct srt_bdev_channel *ch, struct spdkrt_bdev_io *io,
			   spdkrt_bdev_io_cb cb, void *cb_arg)
{
	struct spdkrt_bdev *bdev = ch->bdev;
	struct srt_bdev_reset *r = calloc(1, sizeof(*r));
	bool start;

	ch->outstanding++;
	if (r == NULL) { /* completes like any I/O: from the next poll, never inline */
		io->cb = cb;
		io->cb_arg = cb_arg;
		ch->mgmt->in_submit++;
		spdkrt_bdev_io_complete(io, -ENOMEM);
		ch->mgmt->in_submit--;
		return;
	}
	r->io = io;
	r->ch = ch;
	r->cb = cb;
	r->cb_arg = cb_arg;
	io->cb = module_reset_done;
	io->cb_arg = r;
	ch->held++;
	pthread_mutex_lock(&srt_bdev_lock);
	start = bdev->reset_active == NULL;
	if (start)
		bdev->reset_active = r;
	else
		STAILQ_INSERT_TAIL(&bdev->reset_queue, r, link);
	pthread_mutex_unlock(&srt_bdev_lock);
	/* From the thread's next poll: the walk's callbacks then never run inside this call. */
	if (start)
		srt_thread_send_msg_retry(ch->thread, reset_start, r);
}

void srt_bdev_cancel_held(struct srt_bdev_channel *ch)
{
	struct srt_bdev_io_list batch = STAILQ_HEAD_INITIALIZER(batch);
	struct spdkrt_bdev_io *io;

	SRT_WARN("bdev '%s': channel released during a reset: its waiting I/O are cancelled",
		 ch->bdev->name);
	STAILQ_CONCAT(&batch, &ch->frozen_queue);
	while ((io = STAILQ_FIRST(&batch)) != NULL) {
		STAILQ_REMOVE_HEAD(&batch, link);
		ch->held--;
		spdkrt_bdev_io_complete(io, -ECANCELED);
	}
}
