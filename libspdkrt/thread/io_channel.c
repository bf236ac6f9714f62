/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * I/O devices and their per-thread channels. A device is any object identified by its address;
 * each thread that asks gets one reference-counted channel per device. A channel's last put only
 * schedules its release on its own thread, so a get that follows soon reuses it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thread/internal.h"

#define SRT_LOG_COMPONENT "thread"
#include "util/log.h"

struct srt_io_device {
	TAILQ_ENTRY(srt_io_device) link;
	void *io_device;
	spdkrt_io_channel_create_cb create_cb;
	spdkrt_io_channel_destroy_cb destroy_cb;
	size_t ctx_size;
	char name[64];
	uint32_t num_channels;
	_Atomic bool unregistered; /* read without the lock by channel lookups */
	spdkrt_io_device_unregister_cb unregister_done;
	struct spdkrt_thread *unregister_thread;
};

/* Keeps the channel's allocation size (header + context) far from wrapping. */
#define SRT_IO_CHANNEL_CTX_MAX (1u << 30)

static pthread_mutex_t g_devices_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, srt_io_device) g_devices = TAILQ_HEAD_INITIALIZER(g_devices);

static struct srt_io_device *find_device(void *io_device)
{
	struct srt_io_device *d;

	TAILQ_FOREACH(d, &g_devices, link) {
		if (d->io_device == io_device)
			return d;
	}
	return NULL;
}

bool srt_io_device_is_registered(void *io_device)
{
	bool found;

	pthread_mutex_lock(&g_devices_lock);
	found = find_device(io_device) != NULL;
	pthread_mutex_unlock(&g_devices_lock);
	return found;
}

int spdkrt_io_device_register(void *io_device, spdkrt_io_channel_create_cb create_cb,
			      spdkrt_io_channel_destroy_cb destroy_cb, size_t ctx_size,
			      const char *name)
{
	struct srt_io_device *d;

	if (io_device == NULL || create_cb == NULL || destroy_cb == NULL) {
		SRT_ERR("spdkrt_io_device_register: io_device, create_cb or destroy_cb is NULL");
		return -EINVAL;
	}
	if (ctx_size > SRT_IO_CHANNEL_CTX_MAX) {
		SRT_ERR("spdkrt_io_device_register: context size %zu is too large (at most %u)",
			ctx_size, SRT_IO_CHANNEL_CTX_MAX);
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->io_device = io_device;
	d->create_cb = create_cb;
	d->destroy_cb = destroy_cb;
	d->ctx_size = ctx_size;
	snprintf(d->name, sizeof(d->name), "%s", name != NULL ? name : "io_device");
	pthread_mutex_lock(&g_devices_lock);
	if (find_device(io_device) != NULL) {
		pthread_mutex_unlock(&g_devices_lock);
		SRT_ERR("spdkrt_io_device_register: %p ('%s') is already registered", io_device,
			d->name);
		free(d);
		return -EEXIST;
	}
	TAILQ_INSERT_TAIL(&g_devices, d, link);
	pthread_mutex_unlock(&g_devices_lock);
	return 0;
}

static void unregister_done_msg(void *arg)
{
	struct srt_io_device *d = arg;

	d->unregister_thread->num_pending--;
	if (d->unregister_done != NULL)
		d->unregister_done(d->io_device);
	free(d);
}

int spdkrt_io_device_unregister(void *io_device, spdkrt_io_device_unregister_cb done)
{
	struct spdkrt_thread *t = srt_current_thread;
	struct srt_io_device *d;
	bool finished;

	if (t == NULL) {
		SRT_ERR("spdkrt_io_device_unregister: not called on an spdkrt thread");
		return -EINVAL;
	}
	pthread_mutex_lock(&g_devices_lock);
	d = find_device(io_device);
	if (d == NULL) {
		pthread_mutex_unlock(&g_devices_lock);
		SRT_ERR("spdkrt_io_device_unregister: %p is not a registered device", io_device);
		return -ENOENT;
	}
	TAILQ_REMOVE(&g_devices, d, link);
	atomic_store(&d->unregistered, true);
	d->unregister_done = done;
	d->unregister_thread = t;
	t->num_pending++; /* t must not exit before done has run on it */
	finished = d->num_channels == 0;
	pthread_mutex_unlock(&g_devices_lock);
	if (finished)
		srt_thread_send_msg_retry(t, unregister_done_msg, d);
	return 0;
}

struct spdkrt_io_channel *srt_thread_find_channel(struct spdkrt_thread *t, void *io_device)
{
	struct spdkrt_io_channel *ch;

	/* A channel of an unregistered device is only waiting for its last put. */
	TAILQ_FOREACH(ch, &t->channels, link) {
		if (ch->io_device == io_device &&
		    !atomic_load_explicit(&ch->device->unregistered, memory_order_relaxed))
			return ch;
	}
	return NULL;
}

static void channel_release(struct srt_thread_work *work);

int srt_get_io_channel(void *io_device, struct spdkrt_io_channel **chp)
{
	struct spdkrt_thread *t = srt_current_thread;
	struct spdkrt_io_channel *ch;
	struct srt_io_device *d;
	int rc;

	*chp = NULL;
	if (t == NULL) {
		SRT_ERR("spdkrt_get_io_channel: not called on an spdkrt thread");
		return -EINVAL;
	}
	ch = srt_thread_find_channel(t, io_device);
	if (ch != NULL) {
		ch->ref++;
		*chp = ch;
		return 0;
	}
	pthread_mutex_lock(&g_devices_lock);
	d = find_device(io_device);
	if (d != NULL)
		d->num_channels++;
	pthread_mutex_unlock(&g_devices_lock);
	if (d == NULL) {
		SRT_ERR("spdkrt_get_io_channel: %p is not a registered device", io_device);
		return -ENODEV;
	}
	ch = aligned_alloc(64, (sizeof(*ch) + d->ctx_size + 63) & ~(size_t)63);
	if (ch == NULL) {
		SRT_ERR("spdkrt_get_io_channel: '%s': out of memory for a channel", d->name);
		rc = -ENOMEM;
	} else {
		memset(ch, 0, sizeof(*ch) + d->ctx_size);
		ch->thread = t;
		ch->device = d;
		ch->io_device = io_device;
		ch->ref = 1;
		ch->release.fn = channel_release;
		/* Listed before create_cb so that a nested get on this thread finds it. */
		TAILQ_INSERT_TAIL(&t->channels, ch, link);
		t->num_channels++;
		rc = d->create_cb(io_device, ch->ctx);
		if (rc == 0) {
			*chp = ch;
			return 0;
		}
		TAILQ_REMOVE(&t->channels, ch, link);
		t->num_channels--;
		SRT_ERR("spdkrt_get_io_channel: '%s' refused a channel: %s", d->name,
			spdkrt_strerror(rc));
		free(ch);
		/* A create_cb that fails without a negative errno still fails the call. */
		if (rc > 0)
			rc = -rc;
	}
	pthread_mutex_lock(&g_devices_lock);
	d->num_channels--;
	pthread_mutex_unlock(&g_devices_lock);
	return rc;
}

struct spdkrt_io_channel *spdkrt_get_io_channel(void *io_device)
{
	struct spdkrt_io_channel *ch;

	srt_get_io_channel(io_device, &ch);
	return ch;
}

/* Found by address among the current thread's channels: a stale handle is not dereferenced. */
static bool channel_of_current_thread(const struct spdkrt_io_channel *ch)
{
	struct spdkrt_io_channel *it;

	if (srt_current_thread == NULL)
		return false;
	TAILQ_FOREACH(it, &srt_current_thread->channels, link) {
		if (it == ch)
			return true;
	}
	return false;
}

bool srt_io_channel_find_mine(const struct spdkrt_io_channel *ch)
{
	if (ch == NULL || !channel_of_current_thread(ch) || ch->ref == 0)
		return false;
	srt_current_thread->checked_channel = ch;
	return true;
}

void spdkrt_put_io_channel(struct spdkrt_io_channel *ch)
{
	if (ch == NULL)
		return;
	if (!channel_of_current_thread(ch)) {
		SRT_MISUSE(
			"spdkrt_put_io_channel: %p is not a channel of the current thread (another "
			"thread's, or released already); ignored",
			(void *)ch);
		return;
	}
	if (ch->ref == 0) {
		SRT_MISUSE("spdkrt_put_io_channel: channel of '%s' put more often than got",
			   ch->device->name);
		return;
	}
	if (--ch->ref == 0) {
		if (ch->thread->checked_channel == ch)
			ch->thread->checked_channel = NULL;
		srt_thread_schedule(ch->thread, &ch->release);
	}
}

static void channel_release(struct srt_thread_work *work)
{
	struct spdkrt_io_channel *ch = container_of(work, struct spdkrt_io_channel, release);
	struct spdkrt_thread *t = ch->thread;
	struct srt_io_device *d = ch->device;
	bool finished;

	if (ch->ref != 0)
		return; /* taken again since the last put */
	/*
	 * Unlisted before destroy_cb: what destroy_cb runs (a bdev channel delivers its last
	 * completions) may get a channel of the same device, and must get a new one, not this.
	 */
	TAILQ_REMOVE(&t->channels, ch, link);
	if (t->checked_channel == ch)
		t->checked_channel = NULL;
	d->destroy_cb(ch->io_device, ch->ctx);
	t->num_channels--;
	free(ch);

	pthread_mutex_lock(&g_devices_lock);
	finished = --d->num_channels == 0 && d->unregistered;
	pthread_mutex_unlock(&g_devices_lock);
	if (finished)
		srt_thread_send_msg_retry(d->unregister_thread, unregister_done_msg, d);
}

void *spdkrt_io_channel_get_ctx(struct spdkrt_io_channel *ch)
{
	return ch != NULL ? ch->ctx : NULL;
}

struct spdkrt_thread *spdkrt_io_channel_get_thread(struct spdkrt_io_channel *ch)
{
	return ch != NULL ? ch->thread : NULL;
}

void *spdkrt_io_channel_get_io_device(struct spdkrt_io_channel *ch)
{
	return ch != NULL ? ch->io_device : NULL;
}
