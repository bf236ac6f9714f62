/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The copy engine (internal): memory copies and fills for modules such as the malloc bdev,
 * done by the CPU or offloaded to an I/OAT channel. An engine is reference counted; each thread
 * opens its own channel on it (for I/OAT: one hardware channel per thread, taken from the pool
 * the engine attached, polled by a poller on that thread).
 *
 * Completion callbacks may run inside the submit call (CPU) or later from the thread's poller
 * (I/OAT); callers count outstanding work accordingly.
 */
#ifndef SRT_COPY_ENGINE_H
#define SRT_COPY_ENGINE_H

#include <stddef.h>
#include <stdint.h>

typedef void (*srt_copy_cb)(void *cb_arg, int status);

struct srt_copy_engine;
struct srt_copy_channel;

/* What a backend provides; the engine adds reference counting and dispatch. */
struct srt_copy_backend {
	const char *name;
	/* First reference: get the resources (I/OAT: attach channels); 0 or a negative errno. */
	int (*acquire)(void);
	/* Last reference: release them. Every channel is closed by then. */
	void (*release)(void);
	/* A channel for the calling thread; 0 or a negative errno. */
	int (*open)(struct srt_copy_channel **ch);
	/* Waits for the channel's outstanding work, then frees it. */
	void (*close)(struct srt_copy_channel *ch);
	int (*copy)(struct srt_copy_channel *ch, void *dst, const void *src, size_t n,
		    srt_copy_cb cb, void *cb_arg);
	int (*fill)(struct srt_copy_channel *ch, void *dst, uint8_t byte, size_t n, srt_copy_cb cb,
		    void *cb_arg);
	void (*flush)(struct srt_copy_channel *ch);
};

/* Every channel starts with its backend, so the engine can dispatch on it. */
struct srt_copy_channel {
	const struct srt_copy_backend *backend;
};

extern const struct srt_copy_backend srt_copy_cpu_backend;
extern const struct srt_copy_backend srt_copy_ioat_backend;

/* Names of the engines, for error messages: "cpu, ioat". */
#define SRT_COPY_ENGINE_NAMES "cpu, ioat"

/*
 * Take a reference on the engine called name ("cpu" or "ioat"). -EINVAL for an unknown name,
 * -ENODEV when "ioat" finds no channel (both logged), or the backend's error.
 */
int srt_copy_engine_get(const char *name, struct srt_copy_engine **engine);
void srt_copy_engine_put(struct srt_copy_engine *engine);
const char *srt_copy_engine_name(const struct srt_copy_engine *engine);

/* A channel on the calling thread, used only there. */
int srt_copy_channel_open(struct srt_copy_engine *engine, struct srt_copy_channel **ch);
void srt_copy_channel_close(struct srt_copy_channel *ch);

/* Queue a copy / fill (bytes of `byte`); flush hands the queue to the hardware. */
static inline int srt_copy_submit_copy(struct srt_copy_channel *ch, void *dst, const void *src,
				       size_t n, srt_copy_cb cb, void *cb_arg)
{
	return ch->backend->copy(ch, dst, src, n, cb, cb_arg);
}

static inline int srt_copy_submit_fill(struct srt_copy_channel *ch, void *dst, uint8_t byte,
				       size_t n, srt_copy_cb cb, void *cb_arg)
{
	return ch->backend->fill(ch, dst, byte, n, cb, cb_arg);
}

static inline void srt_copy_flush(struct srt_copy_channel *ch)
{
	if (ch->backend->flush != NULL)
		ch->backend->flush(ch);
}

#endif
