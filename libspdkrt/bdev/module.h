/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bdev core's structures behind the public module interface (<spdkrt/bdev_module.h>): the
 * bdev and the I/O. Built-in modules still fill a struct spdkrt_bdev embedded in their own
 * object and register it with srt_bdev_register(); public modules describe theirs in a struct
 * spdkrt_bdev_info and the core allocates it. Both serve I/O through the public fn table.
 */
#ifndef SRT_BDEV_MODULE_H
#define SRT_BDEV_MODULE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <spdkrt/bdev.h>
#include <spdkrt/bdev_module.h>

#include "util/spec.h"

struct spdkrt_bdev_io;
struct srt_bdev_channel;

/*
 * Statistics as the I/O path counts them: everything a completion of one type updates on one
 * cache line (two types per line), unlike the public struct spdkrt_bdev_stats, which is
 * arranged by field. stats.c converts.
 */
struct srt_bdev_type_stats {
	uint64_t ops;
	uint64_t bytes;
	uint64_t latency_ticks;
	uint64_t max_latency_ticks;
};

struct srt_bdev_stats {
	struct srt_bdev_type_stats type[SPDKRT_BDEV_IO_TYPE_SLOTS];
	uint64_t errors;
};
struct srt_bdev_reset;

/* The name record every bdev of a registered module points to. */
struct srt_bdev_module {
	const char *name;
};

struct spdkrt_bdev_desc;

/* Filled by the module before srt_bdev_register(); the core owns the fields below "core". */
struct spdkrt_bdev {
	/* read by every I/O: together at the start (the first cache line of the object) */
	const struct spdkrt_bdev_fn_table *fn;
	void *ctx;
	_Atomic uint64_t num_blocks;
	size_t buf_align; /* power of two; 1: any */
	uint32_t block_size;
	uint32_t block_shift;         /* core: log2(block_size) */
	uint32_t optimal_io_boundary; /* blocks; 0: none */
	uint32_t max_io_blocks;       /* 0: no limit */
	_Atomic bool removing;        /* core */
	bool may_split;               /* core: a boundary or a size limit: check whether to split */

	char name[64];
	const char *product_name;
	const struct srt_bdev_module *module;
	uint32_t write_unit_size;  /* blocks; 0 means 1 */
	uint32_t max_unmap_blocks; /* 0: no limit */
	uint32_t max_unmap_ranges; /* 0 means 1 */
	uint32_t max_write_zeroes_blocks;
	uint32_t max_segment_size;
	uint32_t max_segments;
	uint32_t max_compare_and_write_blocks; /* 0 means 1 */
	uint8_t uuid[16];                      /* all zero: the core makes one at registration */

	/* core */
	struct spdkrt_bdev_module *public_module; /* registered through the public interface */
	struct spdkrt_bdev_fn_table fn_copy;      /* the public module's table, copied */
	bool core_allocated;                      /* spdkrt_bdev_register made it: free it */
	TAILQ_ENTRY(spdkrt_bdev) link;
	TAILQ_HEAD(, spdkrt_bdev_desc) descs;
	TAILQ_HEAD(, srt_bdev_channel) channels;
	struct srt_bdev_stats released_stats; /* of channels already released */
	struct spdkrt_bdev *claimed_by;
	_Atomic bool removal_logged; /* the first refused I/O said why; the rest are quiet */
	_Atomic bool frozen;         /* a reset is in progress: channels made now start frozen */
	struct srt_bdev_reset *reset_active; /* under srt_bdev_lock */
	STAILQ_HEAD(, srt_bdev_reset) reset_queue;
	spdkrt_bdev_done_cb destroy_done;
	void *destroy_ctx;
	struct spdkrt_thread *destroy_thread;
	struct spdkrt_thread *unregister_thread; /* where channels_released ran */
	bool channels_released;                  /* every io_channel is gone; orphans may remain */
};

/* Module-private bytes in each I/O (e.g. an iocb). */
#define SRT_BDEV_IO_MODULE_CTX 128
/* iovec slots of a split child: a child spans at most this many pieces of the parent's iovecs. */
#define SRT_BDEV_CHILD_IOVS 8

/* Pieces a split child may have: the module's max_segments, at most the child's iovec slots. */
static inline int srt_bdev_child_slots(const struct spdkrt_bdev *bdev)
{
	return bdev->max_segments != 0 && bdev->max_segments < SRT_BDEV_CHILD_IOVS ?
		       (int)bdev->max_segments :
		       SRT_BDEV_CHILD_IOVS;
}

struct spdkrt_bdev_io {
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
	bool has_nvme_status; /* completed with spdkrt_bdev_io_complete_nvme() */
	bool no_split;        /* the types that go to the module whole */
	uint64_t submit_ticks;
	STAILQ_ENTRY(spdkrt_bdev_io) link;
	struct iovec iov; /* the buffer of the single-buffer calls */

	/* splitting: a parent keeps its progress, a child points to its parent */
	struct spdkrt_bdev_io *parent;
	union {
		struct {
			uint64_t next_offset; /* first block not yet handed to a child */
			uint32_t outstanding; /* children in flight */
			int iov_index;        /* position in the parent's iovecs */
			size_t iov_offset;
			struct spdkrt_bdev_io_wait_entry wait;
		} split;
		/* the types that are never split */
		struct {
			struct iovec write_iov; /* compare-and-write: the data to write */
			const struct spdkrt_bdev_range *ranges; /* unmap */
			uint32_t num_ranges;
			struct spdkrt_bdev_range range; /* of a one-range unmap */
		} unsplit;
	};
	struct spdkrt_bdev_nvme_status nvme_status;
	union {
		struct iovec child_iovs[SRT_BDEV_CHILD_IOVS];
		struct spdkrt_nvme_cmd nvme_cmd; /* passthrough: the caller's command, copied */
	};

	_Alignas(16) char module_ctx[SRT_BDEV_IO_MODULE_CTX];
};

/* Registers a filled bdev: -EINVAL (bad geometry, logged), -EEXIST (name taken), -ENOMEM. */
int srt_bdev_register(struct spdkrt_bdev *bdev);

/* Bytes covered by an I/O. */
static inline uint64_t srt_bdev_io_bytes(const struct spdkrt_bdev_io *io)
{
	return io->num_blocks << io->bdev->block_shift;
}

/* Copies between an I/O's iovecs and a flat buffer. */
void srt_bdev_io_copy_to_iovs(struct spdkrt_bdev_io *io, const void *src);
void srt_bdev_io_copy_from_iovs(struct spdkrt_bdev_io *io, void *dst);

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

/* module_registry.c: the module registered under name, or NULL. */
struct spdkrt_bdev_module *srt_bdev_module_lookup(const char *name);
/* Comma-separated names of the registered modules, for error messages (into buf). */
const char *srt_bdev_module_names(char *buf, size_t size);
/* Creates through a registered module. */
int srt_bdev_module_create(struct spdkrt_bdev_module *module, struct srt_spec *spec,
			   struct spdkrt_bdev **bdev);
/* Creates through a registered module, asynchronously (a synchronous create is adapted). */
int srt_bdev_module_create_async(struct spdkrt_bdev_module *module, struct srt_spec *spec,
				 spdkrt_bdev_create_cb cb, void *ctx);
/* Tells every module with an examine of a newly registered bdev. */
void srt_bdev_module_examine(struct spdkrt_bdev *bdev);
/* The name record every bdev of a registered module points to. */
const struct srt_bdev_module *srt_bdev_module_base(struct spdkrt_bdev_module *module);
size_t srt_bdev_module_io_ctx_size(const struct spdkrt_bdev_module *module);
/* A built-in module stays registered for the life of the process (never unregistered). */
void srt_bdev_module_keep(struct spdkrt_bdev_module *module);
/* registry.c: whether a bdev of this module is still being released. */
bool srt_bdev_module_has_releasing(const struct srt_bdev_module *module);

/*
 * Unregisters every module but the built-in ones (their fini runs), last registered first, then
 * done(ctx).
 * After srt_bdev_destroy_all, for the app runner's shutdown.
 */
void srt_bdev_modules_fini(void (*done)(void *ctx), void *ctx);

/* Destroys every bdev (virtual ones first), then done(ctx). For the app runner's shutdown. */
void srt_bdev_destroy_all(void (*done)(void *ctx), void *ctx);

#endif
