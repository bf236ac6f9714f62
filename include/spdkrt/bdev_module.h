/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The bdev module interface: write a block device module (a driver, or a virtual bdev built on
 * other bdevs) against a stable, versioned ABI. The built-in modules use the same interface.
 *
 * A module registers itself with spdkrt_bdev_module_register() (explicitly: no constructor, so
 * static linking keeps it), then spdkrt_bdev_create() and spdkrt_bdev_create_async() hand it the
 * specs that name it. It makes bdevs with spdkrt_bdev_register(), describing each one in a
 * size-prefixed struct spdkrt_bdev_info and serving its I/O through a size-prefixed struct
 * spdkrt_bdev_fn_table.
 *
 * I/O: the core validates and splits requests, then calls fn->submit(module_ch, io) on the
 * submitting thread with module_ch from fn->get_io_channel. struct spdkrt_bdev_io is opaque:
 * the module reads it with the spdkrt_bdev_io_get_*() accessors, keeps its own per-I/O state in
 * spdkrt_bdev_io_get_driver_ctx() (io_ctx_size bytes it asked for at registration), and finishes
 * it exactly once with spdkrt_bdev_io_complete(), spdkrt_bdev_io_complete_nvme() or
 * spdkrt_bdev_io_complete_nomem(), from inside submit or later. Completing on the thread that
 * submitted it is cheapest; a completion made on any other OS thread (the module's own worker
 * or interrupt thread) is forwarded to the submitting thread with one message and finishes
 * there, so user callbacks always run on the submitting thread. A completion made inside submit
 * is deferred by the core, so a module never has to defer itself.
 *
 * Lifetime: spdkrt_bdev_destroy() (the user) or spdkrt_bdev_unregister() (the module, e.g. on
 * hot remove) sends SPDKRT_BDEV_EVENT_REMOVE to every descriptor; new I/O then fails with
 * -ENODEV; once every descriptor is closed and every channel released (including channels put
 * with I/O still in flight) the core calls fn->destruct, and the module calls
 * spdkrt_bdev_destruct_done() when it has released the bdev.
 */
#ifndef SPDKRT_BDEV_MODULE_H
#define SPDKRT_BDEV_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <spdkrt/api.h>
#include <spdkrt/bdev.h>
#include <spdkrt/nvme_spec.h>
#include <spdkrt/thread.h>

SPDKRT_BEGIN_DECLS

/** Version of this interface; spdkrt_bdev_module_api_version() gives the library's. */
#define SPDKRT_BDEV_MODULE_API_VERSION 1

/** Largest io_ctx_size a module may ask for in this release. */
#define SPDKRT_BDEV_IO_DRIVER_CTX_MAX 128

/** One I/O handed to a module (opaque: read it with the accessors below). */
struct spdkrt_bdev_io;
/** A registered module. */
struct spdkrt_bdev_module;
/** A parsed spec "module:key=value,...", valid only during the create call it is given to. */
struct spdkrt_bdev_spec;

/** Ends an asynchronous module step (fini). */
typedef void (*spdkrt_bdev_module_done_cb)(void *ctx);

/**
 * Ends an asynchronous creation: status 0 and the bdevs made (count may be 0, e.g. a controller
 * without namespaces), or a negative errno and no bdev. The array is valid during the call only.
 */
typedef void (*spdkrt_bdev_create_cb)(void *ctx, int status, struct spdkrt_bdev *const *bdevs,
				      size_t count);

/** What a module is; initialise with spdkrt_bdev_module_ops_init(). */
struct spdkrt_bdev_module_ops {
	/** sizeof(struct spdkrt_bdev_module_ops) as the module knows it. */
	size_t size;
	/** The name specs use ("malloc", "nvme", ...): letters, digits, '_'; unique. */
	const char *name;
	/** Bytes of per-I/O driver context (0..SPDKRT_BDEV_IO_DRIVER_CTX_MAX). */
	size_t io_ctx_size;
	/** The module's own pointer, returned by spdkrt_bdev_module_get_ctx(). */
	void *ctx;
	/** Optional: runs once inside spdkrt_bdev_module_register(); non-zero refuses it. */
	int (*init)(struct spdkrt_bdev_module *module);
	/**
	 * Optional: runs when the module is unregistered (its bdevs are destroyed first); call
	 * done(done_ctx) once finished, at once or later on the same thread.
	 */
	void (*fini)(struct spdkrt_bdev_module *module, spdkrt_bdev_module_done_cb done,
		     void *done_ctx);
	/**
	 * Make one bdev from a spec, synchronously: read keys with spdkrt_bdev_spec_get_*(), call
	 * spdkrt_bdev_spec_check_all_used() before making anything, then spdkrt_bdev_register().
	 * Returns 0 (and *bdev) or a negative errno after logging why. At least one of create and
	 * create_async is required.
	 */
	int (*create)(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
		      struct spdkrt_bdev **bdev);
	/**
	 * Make bdevs asynchronously (an attach that is a state machine and ends in one bdev per
	 * namespace): copy what is needed from spec (it is freed when this returns), return 0
	 * and call cb(cb_ctx, ...) exactly once later on the calling thread, or return a
	 * negative errno and never call cb. Without it, spdkrt_bdev_create_async() uses create.
	 */
	int (*create_async)(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
			    spdkrt_bdev_create_cb cb, void *cb_ctx);
	/**
	 * Optional: told of every bdev registered after this module (on the registering thread,
	 * after the bdev is visible), so a virtual bdev can attach to a base that appears later.
	 */
	void (*examine)(struct spdkrt_bdev_module *module, struct spdkrt_bdev *bdev);
};

/** Zero ops and set ops->size. @return 0 or -EINVAL (NULL, size too small). */
SPDKRT_API int spdkrt_bdev_module_ops_init(struct spdkrt_bdev_module_ops *ops, size_t size);

/**
 * Register a module (the ops are copied). Runs ops->init.
 *
 * @param module receives the handle
 * @return 0; -EINVAL (NULL, no name, neither create nor create_async, io_ctx_size too large,
 *	bad size); -EEXIST (name taken); -ENOMEM; or what init returned. Logged.
 */
SPDKRT_API int spdkrt_bdev_module_register(const struct spdkrt_bdev_module_ops *ops,
					   struct spdkrt_bdev_module **module);

/**
 * Unregister a module: its bdevs must all be gone (-EBUSY otherwise). Runs ops->fini, then
 * done(ctx) on the calling spdkrt thread.
 *
 * @return 0, -EINVAL (NULL, not on an spdkrt thread, unknown module), -EBUSY
 */
SPDKRT_API int spdkrt_bdev_module_unregister(struct spdkrt_bdev_module *module,
					     spdkrt_bdev_module_done_cb done, void *ctx);

/** @return the module registered under name, or NULL. */
SPDKRT_API struct spdkrt_bdev_module *spdkrt_bdev_module_find(const char *name);
/** @return the module's name ("" for NULL). */
SPDKRT_API const char *spdkrt_bdev_module_get_name(const struct spdkrt_bdev_module *module);
/** @return ops->ctx as registered (NULL for NULL). */
SPDKRT_API void *spdkrt_bdev_module_get_ctx(const struct spdkrt_bdev_module *module);
/** @return SPDKRT_BDEV_MODULE_API_VERSION as the library was built. */
SPDKRT_API int spdkrt_bdev_module_api_version(void);

/**
 * Create bdevs from a spec asynchronously (see spdkrt_bdev_create() for the spec syntax). On an
 * spdkrt thread; cb runs later on it, exactly once, when 0 was returned.
 *
 * @return 0; -EINVAL (NULL, malformed spec, not on an spdkrt thread); -ENODEV (unknown module);
 *	or the module's error. The log names the problem.
 */
SPDKRT_API int spdkrt_bdev_create_async(const char *spec, spdkrt_bdev_create_cb cb, void *ctx);

/**
 * @name Spec accessors (for create and create_async)
 * Each getter marks its key as used; spdkrt_bdev_spec_check_all_used() then refuses the rest.
 * @{
 */
/** @return the value of key, or NULL when absent. */
SPDKRT_API const char *spdkrt_bdev_spec_get(struct spdkrt_bdev_spec *spec, const char *key);
/** Required string. @return 0, or -EINVAL (logged) when missing or empty. */
SPDKRT_API int spdkrt_bdev_spec_get_str(struct spdkrt_bdev_spec *spec, const char *key,
					const char **value);
/**
 * Unsigned number (decimal or 0x hex) in [min, max]; *value is left alone when key is absent.
 * @return 0 or -EINVAL (logged)
 */
SPDKRT_API int spdkrt_bdev_spec_get_u64(struct spdkrt_bdev_spec *spec, const char *key,
					uint64_t min, uint64_t max, uint64_t *value);
/** Boolean (true/false/1/0/yes/no); absent: unchanged. @return 0 or -EINVAL (logged). */
SPDKRT_API int spdkrt_bdev_spec_get_bool(struct spdkrt_bdev_spec *spec, const char *key,
					 bool *value);
/** @return 0, or -EINVAL (logged, naming it) when a key was never read. */
SPDKRT_API int spdkrt_bdev_spec_check_all_used(struct spdkrt_bdev_spec *spec);
/**
 * Overwrite the value of key with zero bytes once it has been read (a secret: a key, a
 * password), so that no copy of it stays in the library's memory after create returns. Values
 * read before point to the wiped bytes.
 * @return 0; -ENOENT (key absent, not logged); -EINVAL (NULL, logged)
 */
SPDKRT_API int spdkrt_bdev_spec_wipe(struct spdkrt_bdev_spec *spec, const char *key);
/** @} */

/** Called by a module when it has released a bdev (ends fn->destruct). */
typedef void (*spdkrt_bdev_destruct_done_cb)(struct spdkrt_bdev *bdev);

/** What a module does for each of its bdevs. Unused entries are NULL. */
struct spdkrt_bdev_fn_table {
	/** sizeof(struct spdkrt_bdev_fn_table) as the module knows it. */
	size_t size;
	/** Required: serve an I/O (see the file comment). */
	void (*submit)(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io);
	/** Required: whether the bdev serves an I/O type (ctx: spdkrt_bdev_info.ctx). */
	bool (*io_type_supported)(void *ctx, enum spdkrt_bdev_io_type type);
	/** Optional: the module's channel for the calling thread (NULL: refuse the channel). */
	struct spdkrt_io_channel *(*get_io_channel)(void *ctx);
	/**
	 * Required: release the bdev once nothing uses it, then call done(bdev) (at once or
	 * later, on this thread). The core does not touch the bdev after done.
	 */
	void (*destruct)(struct spdkrt_bdev *bdev, spdkrt_bdev_destruct_done_cb done);
	/**
	 * Optional (spdkrt_bdev_rescan): measure the backing store again into *num_blocks
	 * (ctx: spdkrt_bdev_info.ctx). Called with the registry lock held, on any thread: only
	 * measure, never call the core (not even its getters).
	 */
	int (*rescan)(void *ctx, uint64_t *num_blocks);
};

/** The geometry and limits of a bdev; initialise with spdkrt_bdev_info_init(). */
struct spdkrt_bdev_info {
	/** sizeof(struct spdkrt_bdev_info) as the module knows it. */
	size_t size;
	/** Unique name, at most 63 characters (copied). */
	const char *name;
	/** e.g. "NVMe disk" (must outlive the bdev; NULL: ""). */
	const char *product_name;
	/** The registering module. */
	struct spdkrt_bdev_module *module;
	/** The module's functions (copied). */
	const struct spdkrt_bdev_fn_table *fn;
	/** Given back to the table's functions and by spdkrt_bdev_get_module_ctx(). */
	void *ctx;
	/** Logical block size: a power of two in 512..65536. */
	uint32_t block_size;
	/** Number of blocks (> 0). */
	uint64_t num_blocks;
	/** Alignment buffers need, a power of two (0 or 1: none). */
	size_t buf_align;
	/** Blocks; I/O crossing a multiple is split (0: none). */
	uint32_t optimal_io_boundary;
	/** Blocks; writes are a multiple of it (0 means 1). */
	uint32_t write_unit_size;
	/** Largest read/write in blocks the module takes (0: no limit); larger ones are split. */
	uint32_t max_io_blocks;
	/** Largest unmap in blocks per range (0: no limit). */
	uint32_t max_unmap_blocks;
	/** Most ranges in one unmap (0: 1). */
	uint32_t max_unmap_ranges;
	/** Largest write zeroes in blocks (0: no limit). */
	uint32_t max_write_zeroes_blocks;
	/**
	 * Largest iovec segment in bytes the module takes (0: no limit). The core splits a read,
	 * write or compare whose buffers break this or max_segments into children that keep both
	 * (at most 8 segments per child); a compare-and-write buffer over it is refused with
	 * -EINVAL; NVMe passthrough buffers are handed over as given. max_segment_size times
	 * min(max_segments, 8) must hold one block.
	 */
	uint32_t max_segment_size;
	/** Most iovec segments per I/O (0: no limit); see max_segment_size. */
	uint32_t max_segments;
	/** Largest compare-and-write in blocks (0: 1). */
	uint32_t max_compare_and_write_blocks;
	/** RFC 4122 UUID; all zero: the core makes a random one. */
	uint8_t uuid[16];
};

/** Zero info and set info->size. @return 0 or -EINVAL. */
SPDKRT_API int spdkrt_bdev_info_init(struct spdkrt_bdev_info *info, size_t size);

/**
 * Register a bdev described by info (copied); on success examine runs for every module that has
 * one, and the bdev can be opened.
 *
 * @param bdev receives the new bdev
 * @return 0; -EINVAL (bad geometry, missing functions: logged); -EEXIST (name taken); -ENOMEM
 */
SPDKRT_API int spdkrt_bdev_register(const struct spdkrt_bdev_info *info, struct spdkrt_bdev **bdev);

/**
 * Module-initiated removal (hot remove): like spdkrt_bdev_destroy() but by handle and ignoring
 * claims. Descriptors get SPDKRT_BDEV_EVENT_REMOVE, new I/O fails with -ENODEV, the module
 * should abort what it has in flight; fn->destruct runs when the last channel is gone, then
 * done(ctx, 0) on the calling thread (done may be NULL).
 *
 * @return 0; -EINVAL (NULL, not on an spdkrt thread); -EBUSY (already being removed)
 */
SPDKRT_API int spdkrt_bdev_unregister(struct spdkrt_bdev *bdev, spdkrt_bdev_done_cb done,
				      void *ctx);

/** @return the ctx given in spdkrt_bdev_info (NULL for NULL). */
SPDKRT_API void *spdkrt_bdev_get_module_ctx(const struct spdkrt_bdev *bdev);

/**
 * Claim a bdev for a module that builds on it (a virtual bdev): nobody else may open it for
 * writing or destroy it until spdkrt_bdev_module_release_bdev().
 *
 * @param desc the claimer's own descriptor of bdev (it may be open for writing)
 * @param claimer the bdev built on it, named in error messages
 * @return 0, -EINVAL (NULL), -EPERM (claimed, or open for writing by another descriptor)
 */
SPDKRT_API int spdkrt_bdev_module_claim_bdev(struct spdkrt_bdev *bdev,
					     struct spdkrt_bdev_desc *desc,
					     struct spdkrt_bdev *claimer);
/** Release a claim. */
SPDKRT_API void spdkrt_bdev_module_release_bdev(struct spdkrt_bdev *bdev);

/**
 * Change the size and send SPDKRT_BDEV_EVENT_RESIZE to every descriptor.
 * @return 0 or -EINVAL (NULL, zero or too large)
 */
SPDKRT_API int spdkrt_bdev_notify_resize(struct spdkrt_bdev *bdev, uint64_t num_blocks);

/**
 * @name I/O accessors (for the module serving the I/O)
 * @{
 */
/** @return the I/O type. */
SPDKRT_API enum spdkrt_bdev_io_type spdkrt_bdev_io_get_type(const struct spdkrt_bdev_io *io);
/** @return the bdev. */
SPDKRT_API struct spdkrt_bdev *spdkrt_bdev_io_get_bdev(const struct spdkrt_bdev_io *io);
/**
 * @return the module context of the I/O's bdev, as spdkrt_bdev_get_module_ctx() gives it, for
 * the I/O path: an I/O in a module's hands always has a registered bdev, so there is no
 * registry check. NULL when io is NULL (logged).
 */
SPDKRT_API void *spdkrt_bdev_io_get_module_ctx(const struct spdkrt_bdev_io *io);
/** @return the first block (read, write, compare, write zeroes, flush, one-range unmap). */
SPDKRT_API uint64_t spdkrt_bdev_io_get_offset_blocks(const struct spdkrt_bdev_io *io);
/** @return the number of blocks. */
SPDKRT_API uint64_t spdkrt_bdev_io_get_num_blocks(const struct spdkrt_bdev_io *io);
/**
 * The data buffers: read into / write from them (read, write, compare: the data to compare;
 * compare-and-write: the data to compare; NVMe passthrough: the data, possibly none).
 * @param iovcnt receives their number
 */
SPDKRT_API struct iovec *spdkrt_bdev_io_get_iovs(const struct spdkrt_bdev_io *io, int *iovcnt);
/** Compare-and-write: the data to write once the compare matched. */
SPDKRT_API struct iovec *spdkrt_bdev_io_get_write_iovs(const struct spdkrt_bdev_io *io,
						       int *iovcnt);
/** Unmap: its ranges (one for spdkrt_bdev_unmap_blocks). @param count receives their number */
SPDKRT_API const struct spdkrt_bdev_range *
spdkrt_bdev_io_get_ranges(const struct spdkrt_bdev_io *io, uint32_t *count);
/** NVMe passthrough: the raw command (NULL for other types). */
SPDKRT_API const struct spdkrt_nvme_cmd *
spdkrt_bdev_io_get_nvme_cmd(const struct spdkrt_bdev_io *io);
/** @return the module's per-I/O context (io_ctx_size bytes, 16-byte aligned, not zeroed). */
SPDKRT_API void *spdkrt_bdev_io_get_driver_ctx(struct spdkrt_bdev_io *io);
/**
 * @return the bdev channel the I/O was submitted on (NULL once that channel was put while
 *	the I/O was in flight); its thread is the one the user's callback runs on.
 */
SPDKRT_API struct spdkrt_io_channel *spdkrt_bdev_io_get_io_channel(const struct spdkrt_bdev_io *io);
/** @return the thread the I/O was submitted on, where its user callback runs. */
SPDKRT_API struct spdkrt_thread *spdkrt_bdev_io_get_thread(const struct spdkrt_bdev_io *io);
/** @} */

/**
 * Complete an I/O with 0 or a negative errno (-EILSEQ: compare mismatch). Exactly once, from
 * any OS thread: on another than the submitting one it is forwarded there (one message; the
 * I/O must not be touched after this call); safe inside submit (the core defers it).
 */
SPDKRT_API void spdkrt_bdev_io_complete(struct spdkrt_bdev_io *io, int status);

/**
 * Complete an I/O with an NVMe status. The user's callback gets the errno that
 * spdkrt_bdev_nvme_status_to_errno() maps it to; spdkrt_bdev_get_nvme_status() inside that
 * callback gives the status itself.
 */
SPDKRT_API void spdkrt_bdev_io_complete_nvme(struct spdkrt_bdev_io *io,
					     const struct spdkrt_bdev_nvme_status *status);

/**
 * Back-pressure: the module is out of resources (a full queue). The core keeps the I/O and
 * submits it again after the next completion on the thread, or when the module calls
 * spdkrt_bdev_module_resume_io(); the user never sees -ENOMEM for it. From any OS thread, like
 * spdkrt_bdev_io_complete().
 */
SPDKRT_API void spdkrt_bdev_io_complete_nomem(struct spdkrt_bdev_io *io);

/** Resubmit, on the calling thread, the I/O that were completed with ..._nomem(). */
SPDKRT_API void spdkrt_bdev_module_resume_io(void);

SPDKRT_END_DECLS

#endif /* SPDKRT_BDEV_MODULE_H */
