/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The internal interface between the bdev core and bdev modules (malloc, null, aio, crypto...).
 * A module fills a struct spdkrt_bdev (usually embedded in its own object) and registers it;
 * the core validates and splits I/O, hands each request to fn->submit on the module's channel,
 * and the module completes it with srt_bdev_io_complete(), from inside submit or later.
 */
#ifndef SRT_BDEV_MODULE_H
#define SRT_BDEV_MODULE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <spdkrt/bdev.h>

#include "util/spec.h"

struct srt_bdev_io;
struct srt_bdev_channel;

/* A module: creates bdevs from parsed specs. */
struct srt_bdev_module {
	const char *name;
	/*
	 * Create and register a bdev from spec: read the keys with the srt_spec_get_* helpers,
	 * call srt_spec_check_all_used() before making anything (unknown keys are errors), then
	 * srt_bdev_register(). Returns 0 or a negative errno after logging why.
	 */
	int (*create)(struct srt_spec *spec, struct spdkrt_bdev **bdev);
};

/* What a module does for each of its bdevs. */
struct srt_bdev_fn_table {
	/* Submit an I/O; complete it now or later with srt_bdev_io_complete(). */
	void (*submit)(struct spdkrt_io_channel *module_ch, struct srt_bdev_io *io);
	bool (*io_type_supported)(void *ctx, enum spdkrt_bdev_io_type type);
	/* Channel for the calling thread, or NULL when the module needs none. */
	struct spdkrt_io_channel *(*get_io_channel)(void *ctx);
	/*
	 * Release the bdev once nothing uses it; call done(bdev) when finished (at once or
	 * later, on this thread). The core does not touch bdev after done.
	 */
	void (*destruct)(struct spdkrt_bdev *bdev, void (*done)(struct spdkrt_bdev *bdev));
	/*
	 * Optional (spdkrt_bdev_rescan): measure the backing store again and set *num_blocks.
	 * Called with the registry lock held, on any thread: only measure, never call the core.
	 */
	int (*rescan)(struct spdkrt_bdev *bdev, uint64_t *num_blocks);
};

struct spdkrt_bdev_desc;

/* Filled by the module before srt_bdev_register(); the core owns the fields below "core". */
struct spdkrt_bdev {
	char name[64];
	const char *product_name;
	const struct srt_bdev_module *module;
	const struct srt_bdev_fn_table *fn;
	void *ctx;
	uint32_t block_size;
	_Atomic uint64_t num_blocks;
	size_t buf_align;             /* power of two; 1: any */
	uint32_t optimal_io_boundary; /* blocks; 0: none */
	uint32_t write_unit_size;     /* blocks; 0 means 1 */
	uint32_t max_io_blocks;       /* 0: no limit */

	/* core */
	TAILQ_ENTRY(spdkrt_bdev) link;
	TAILQ_HEAD(, spdkrt_bdev_desc) descs;
	TAILQ_HEAD(, srt_bdev_channel) channels;
	struct spdkrt_bdev_stats released_stats; /* of channels already released */
	struct spdkrt_bdev *claimed_by;
	_Atomic bool removing;
	spdkrt_bdev_done_cb destroy_done;
	void *destroy_ctx;
	struct spdkrt_thread *destroy_thread;
	struct spdkrt_thread *unregister_thread; /* where channels_released ran */
	bool channels_released; /* every io_channel is gone; orphans may remain */
	uint32_t block_shift;
};

/* Module-private bytes in each I/O (e.g. an iocb). */
#define SRT_BDEV_IO_MODULE_CTX 128
/* iovec slots of a split child: a child spans at most this many pieces of the parent's iovecs. */
#define SRT_BDEV_CHILD_IOVS 8

struct srt_bdev_io {
	struct srt_bdev_channel *ch;
	struct spdkrt_bdev *bdev;
	spdkrt_bdev_io_cb cb;
	void *cb_arg;
	uint64_t offset_blocks;
	uint64_t num_blocks;
	struct iovec *iovs;
	int iovcnt;
	int status;
	enum spdkrt_bdev_io_type type;
	uint64_t submit_ticks;
	STAILQ_ENTRY(srt_bdev_io) link;
	struct iovec iov; /* the buffer of the single-buffer calls */

	/* splitting: a parent keeps its progress, a child points to its parent */
	struct srt_bdev_io *parent;
	struct {
		uint64_t next_offset;  /* first block not yet handed to a child */
		uint32_t outstanding;  /* children in flight */
		int iov_index;         /* position in the parent's iovecs */
		size_t iov_offset;
		struct spdkrt_bdev_io_wait_entry wait;
	} split;
	struct iovec child_iovs[SRT_BDEV_CHILD_IOVS];

	_Alignas(16) char module_ctx[SRT_BDEV_IO_MODULE_CTX];
};

/* Registers a filled bdev: -EINVAL (bad geometry, logged), -EEXIST (name taken), -ENOMEM. */
int srt_bdev_register(struct spdkrt_bdev *bdev);

/* Completes an I/O with 0 or a negative errno; safe inside submit (it is deferred then). */
void srt_bdev_io_complete(struct srt_bdev_io *io, int status);

/* Bytes covered by an I/O. */
static inline uint64_t srt_bdev_io_bytes(const struct srt_bdev_io *io)
{
	return io->num_blocks << io->bdev->block_shift;
}

/* Copies between an I/O's iovecs and a flat buffer. */
void srt_bdev_io_copy_to_iovs(struct srt_bdev_io *io, const void *src);
void srt_bdev_io_copy_from_iovs(struct srt_bdev_io *io, void *dst);

/*
 * Claims a bdev for a module that builds on it (a virtual bdev): nobody else can open it for
 * writing or destroy it until the claim is released. -EPERM when claimed or opened for writing
 * by another descriptor than `by_desc`.
 */
int srt_bdev_claim(struct spdkrt_bdev *bdev, struct spdkrt_bdev_desc *by_desc,
		   struct spdkrt_bdev *claimer);
void srt_bdev_release_claim(struct spdkrt_bdev *bdev);

/* Changes the size and sends SPDKRT_BDEV_EVENT_RESIZE to every descriptor. */
int srt_bdev_notify_resize(struct spdkrt_bdev *bdev, uint64_t num_blocks);

/* The module table (libspdkrt/modules/modules.c). */
const struct srt_bdev_module *srt_bdev_find_module(const char *name);
/* Comma-separated module names, for error messages. */
const char *srt_bdev_module_names(void);

/* Destroys every bdev (virtual ones first), then done(ctx). For the app runner's shutdown. */
void srt_bdev_destroy_all(void (*done)(void *ctx), void *ctx);

#endif
