/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Lightweight user-space threads, pollers, cross-thread messages and per-thread I/O channels.
 *
 * An spdkrt thread is not an OS thread: it is a queue of work that runs only while some OS thread
 * calls spdkrt_thread_poll() on it, either a reactor of spdkrt_app_run() or the embedding
 * application's own loop:
 *
 *     while (running)
 *             spdkrt_thread_poll(thread, 0, 0);
 *
 * Every handle belongs to one spdkrt thread; only spdkrt_thread_send_msg() and
 * spdkrt_for_each_thread() may be called from any OS thread.
 */
#ifndef SPDKRT_THREAD_H
#define SPDKRT_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spdkrt/api.h>

SPDKRT_BEGIN_DECLS

struct spdkrt_thread;
struct spdkrt_poller;
struct spdkrt_io_channel;
struct spdkrt_io_channel_iter;

/** A message or a completion notice: runs on the receiving thread with its ctx. */
typedef void (*spdkrt_msg_fn)(void *ctx);

/** A poller returns SPDKRT_POLLER_BUSY when it did work, SPDKRT_POLLER_IDLE otherwise. */
typedef int (*spdkrt_poller_fn)(void *ctx);
/** Poller result: nothing to do this time. */
#define SPDKRT_POLLER_IDLE 0
/** Poller result: did some work. */
#define SPDKRT_POLLER_BUSY 1

/** Capacity of each thread's message ring; spdkrt_thread_send_msg() gives -ENOMEM when full. */
#define SPDKRT_THREAD_MSG_RING_SIZE 16384

/**
 * Create a thread. Nothing polls it until someone calls spdkrt_thread_poll() (inside
 * spdkrt_app_run() a reactor does; see spdkrt_app_thread_create() to choose the core).
 *
 * @param name a name for logs (copied); NULL gives "thread<N>"
 * @param thread receives the handle
 * @return 0, -EINVAL, or -ENOMEM
 */
SPDKRT_API int spdkrt_thread_create(const char *name, struct spdkrt_thread **thread);

/**
 * Ask a thread to exit. It keeps running messages and pollers until it has no poller and no
 * I/O channel left and its message ring is empty; then spdkrt_thread_is_exited() is true.
 *
 * @return 0, or -EINVAL for NULL
 */
SPDKRT_API int spdkrt_thread_exit(struct spdkrt_thread *thread);

/** @return true once an exiting thread has released everything. */
SPDKRT_API bool spdkrt_thread_is_exited(struct spdkrt_thread *thread);

/**
 * Free an exited thread (or one that never had a poller, channel or message).
 *
 * @return 0; -EBUSY when it still has pollers, channels or messages (call spdkrt_thread_exit()
 *	and poll it until spdkrt_thread_is_exited()); -EINVAL for NULL, a thread being polled, or
 *	a handle that is no live thread (destroyed already).
 */
SPDKRT_API int spdkrt_thread_destroy(struct spdkrt_thread *thread);

/**
 * Run one iteration of a thread on the calling OS thread: up to max_msgs messages, the
 * deferred work (e.g. bdev completions) present when the call started, every active poller, and
 * the timed pollers that are due.
 *
 * @param thread the thread; only one OS thread may poll a given thread at a time
 * @param max_msgs most messages to run; 0: the default batch (64)
 * @param now the current time in ticks (spdkrt_get_ticks()); 0: read the clock
 * @return the amount of work done (0: idle), -EINVAL for NULL, or -EBUSY when the thread is
 *	being polled already (from inside one of its own callbacks, or by another OS thread)
 */
SPDKRT_API int spdkrt_thread_poll(struct spdkrt_thread *thread, uint32_t max_msgs, uint64_t now);

/** @return true when the thread has no message, deferred work, or active untimed poller. */
SPDKRT_API bool spdkrt_thread_is_idle(struct spdkrt_thread *thread);

/**
 * The spdkrt thread whose poll is running on this OS thread, or the one set with
 * spdkrt_set_thread(); NULL otherwise.
 */
SPDKRT_API struct spdkrt_thread *spdkrt_get_thread(void);

/**
 * Make thread the current spdkrt thread of this OS thread outside spdkrt_thread_poll(), so that
 * calls that act on "the current thread" (pollers, channels, bdev open) work from an embedding
 * application's own code. NULL clears it.
 */
SPDKRT_API void spdkrt_set_thread(struct spdkrt_thread *thread);

/** @return the thread's name ("" for NULL). */
SPDKRT_API const char *spdkrt_thread_get_name(const struct spdkrt_thread *thread);

/** @return a process-unique id (> 0), or 0 for NULL. */
SPDKRT_API uint64_t spdkrt_thread_get_id(const struct spdkrt_thread *thread);

/**
 * Send a message: fn(ctx) runs on thread during one of its polls. Safe from any OS thread,
 * lock-free; messages from one sender run in the order sent.
 *
 * @return 0; -ENOMEM when the thread's ring is full (nothing is dropped: the message was not
 *	queued); -EINVAL for a NULL thread or fn, or a thread that has exited.
 */
SPDKRT_API int spdkrt_thread_send_msg(struct spdkrt_thread *thread, spdkrt_msg_fn fn, void *ctx);

/**
 * Run fn(ctx) on every thread, one after the other, then done(ctx) on the calling thread.
 * Must be called from an spdkrt thread.
 *
 * @return 0, -EINVAL (NULL fn or done, or no current thread), or -ENOMEM
 */
SPDKRT_API int spdkrt_for_each_thread(spdkrt_msg_fn fn, void *ctx, spdkrt_msg_fn done);

/**
 * Register a poller on the current thread.
 *
 * @param fn called each iteration (period_us == 0) or every period_us microseconds
 * @param poller receives the handle
 * @return 0, -EINVAL (NULL fn or poller, no current thread), or -ENOMEM
 */
SPDKRT_API int spdkrt_poller_register(spdkrt_poller_fn fn, void *ctx, uint64_t period_us,
				      struct spdkrt_poller **poller);

/**
 * Unregister a poller and set *poller to NULL; safe from inside the poller itself. Must be
 * called on the poller's thread. NULL or *poller == NULL is ignored.
 */
SPDKRT_API void spdkrt_poller_unregister(struct spdkrt_poller **poller);

/**
 * Stop running a poller until spdkrt_poller_resume(). Must be called on the poller's thread.
 * @return 0, or -EINVAL (NULL, unregistered, or not a poller of the current thread).
 */
SPDKRT_API int spdkrt_poller_pause(struct spdkrt_poller *poller);

/** Run a paused poller again, on its thread. @return 0 or -EINVAL (as spdkrt_poller_pause()). */
SPDKRT_API int spdkrt_poller_resume(struct spdkrt_poller *poller);

/** @return a monotonic tick count (the CPU's time-stamp counter where it is usable). */
SPDKRT_API uint64_t spdkrt_get_ticks(void);

/** @return ticks per second. */
SPDKRT_API uint64_t spdkrt_get_ticks_hz(void);

/** Creates the per-thread context of a channel; return 0, or a negative errno to refuse. */
typedef int (*spdkrt_io_channel_create_cb)(void *io_device, void *ctx_buf);
/** Destroys the per-thread context of a channel. */
typedef void (*spdkrt_io_channel_destroy_cb)(void *io_device, void *ctx_buf);
/** Called when an unregistered device has no channel left. */
typedef void (*spdkrt_io_device_unregister_cb)(void *io_device);

/**
 * Register any object (identified by its address) as an I/O device: each thread that asks
 * gets its own channel with ctx_size bytes of context made by create_cb.
 *
 * @return 0; -EEXIST when io_device is already registered; -EINVAL for NULL arguments;
 *	-ENOMEM
 */
SPDKRT_API int spdkrt_io_device_register(void *io_device, spdkrt_io_channel_create_cb create_cb,
					 spdkrt_io_channel_destroy_cb destroy_cb, size_t ctx_size,
					 const char *name);

/**
 * Unregister an I/O device. No new channel can be made; done(io_device) runs on the calling
 * thread once every existing channel has been released. Must be called from an spdkrt thread.
 *
 * @return 0, -ENOENT for an unknown device, -EINVAL when there is no current thread.
 */
SPDKRT_API int spdkrt_io_device_unregister(void *io_device, spdkrt_io_device_unregister_cb done);

/**
 * Get the current thread's channel for io_device, creating it on first use; the channel is
 * reference counted (one spdkrt_put_io_channel() per get).
 *
 * @return the channel, or NULL (no current thread, unknown or unregistered device, create_cb
 *	refused, out of memory; logged).
 */
SPDKRT_API struct spdkrt_io_channel *spdkrt_get_io_channel(void *io_device);

/**
 * Drop a reference. The channel is destroyed at its thread's next poll if no reference was
 * taken again meanwhile. Must be called on the channel's thread.
 */
SPDKRT_API void spdkrt_put_io_channel(struct spdkrt_io_channel *ch);

/** @return the channel's context (ctx_size bytes), or NULL for NULL. */
SPDKRT_API void *spdkrt_io_channel_get_ctx(struct spdkrt_io_channel *ch);

/** @return the thread that owns the channel. */
SPDKRT_API struct spdkrt_thread *spdkrt_io_channel_get_thread(struct spdkrt_io_channel *ch);

/** @return the device the channel belongs to. */
SPDKRT_API void *spdkrt_io_channel_get_io_device(struct spdkrt_io_channel *ch);

/** Visits one channel; must eventually call spdkrt_for_each_channel_continue(). */
typedef void (*spdkrt_channel_msg_fn)(struct spdkrt_io_channel_iter *iter);
/** Runs after the last channel (or the first failure) with the status. */
typedef void (*spdkrt_channel_done_fn)(struct spdkrt_io_channel_iter *iter, int status);

/**
 * Call fn on the thread of each channel of io_device, one at a time; then done on the calling
 * thread. fn continues the walk with spdkrt_for_each_channel_continue(iter, 0); a non-zero
 * status stops it and is passed to done.
 *
 * @return 0, -EINVAL (NULL arguments or no current thread), -ENOENT (unknown device), -ENOMEM
 */
SPDKRT_API int spdkrt_for_each_channel(void *io_device, spdkrt_channel_msg_fn fn, void *ctx,
				       spdkrt_channel_done_fn done);

/** Continue a spdkrt_for_each_channel() walk from inside fn (possibly later, asynchronously). */
SPDKRT_API void spdkrt_for_each_channel_continue(struct spdkrt_io_channel_iter *iter, int status);

/** @return the channel being visited (NULL in done). */
SPDKRT_API struct spdkrt_io_channel *
spdkrt_io_channel_iter_get_channel(struct spdkrt_io_channel_iter *iter);

/** @return the device of the walk. */
SPDKRT_API void *spdkrt_io_channel_iter_get_io_device(struct spdkrt_io_channel_iter *iter);

/** @return the ctx given to spdkrt_for_each_channel(). */
SPDKRT_API void *spdkrt_io_channel_iter_get_ctx(struct spdkrt_io_channel_iter *iter);

SPDKRT_END_DECLS

#endif /* SPDKRT_THREAD_H */
