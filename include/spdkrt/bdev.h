/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Block devices (bdevs): create from a spec string, open, and do I/O through per-thread channels.
 *
 * Completion contract: a completion callback is never invoked from inside the call that
 * submitted the I/O, whatever the module. Completions a module makes while a submit call is on
 * the stack go to the channel's deferred-completion queue and are delivered, in order, at the
 * owning thread's next spdkrt_thread_poll(); so a callback may submit the next I/O at once and
 * the stack stays bounded. I/O objects are internal and recycled: callers never free anything.
 *
 * Threading: a descriptor belongs to the thread that opened it (its events run there, and it is
 * closed there), but I/O may go through it from channels of any thread: a target opens a
 * namespace once and submits from every poller thread. A channel belongs to the thread that got
 * it; an I/O is submitted on a channel's thread and completes there.
 *
 * Data buffers: a bdev whose device reads and writes memory itself (NVMe over PCIe) needs
 * DMA-safe buffers: from spdkrt_dma_malloc() and its variants, or inside a region registered
 * with spdkrt_mem_register(); spdkrt_vtophys() tells whether memory is. Such a bdev fails an I/O
 * on other memory with a negative errno and a log line, unless its spec string documents a bounce
 * buffer. Every other bdev (malloc, whose I/OAT copies fall back to the CPU for such memory;
 * null, aio, uring, crypto, NVMe over TCP) accepts any memory.
 */
#ifndef SPDKRT_BDEV_H
#define SPDKRT_BDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <spdkrt/api.h>
#include <spdkrt/thread.h>

SPDKRT_BEGIN_DECLS

struct spdkrt_bdev;
struct spdkrt_bdev_desc;
struct spdkrt_nvme_cmd; /* <spdkrt/nvme_spec.h> */

/** Kinds of I/O. */
enum spdkrt_bdev_io_type {
	SPDKRT_BDEV_IO_READ = 0,
	SPDKRT_BDEV_IO_WRITE = 1,
	SPDKRT_BDEV_IO_UNMAP = 2,
	SPDKRT_BDEV_IO_FLUSH = 3,
	SPDKRT_BDEV_IO_RESET = 4,
	SPDKRT_BDEV_IO_WRITE_ZEROES = 5,
	/** Compare data with the blocks (mismatch: -EILSEQ). */
	SPDKRT_BDEV_IO_COMPARE = 6,
	/** Compare, and write only when the blocks matched, atomically. */
	SPDKRT_BDEV_IO_COMPARE_AND_WRITE = 7,
	/** NVMe admin command passed through to the controller (not in per-type statistics). */
	SPDKRT_BDEV_IO_NVME_ADMIN = 8,
	/** NVMe I/O command passed through to the namespace (not in per-type statistics). */
	SPDKRT_BDEV_IO_NVME_IO = 9,
};
/** Number of enum spdkrt_bdev_io_type slots in struct spdkrt_bdev_stats (room to grow). */
#define SPDKRT_BDEV_IO_TYPE_SLOTS 8

/** Events delivered to a descriptor's event callback, on the descriptor's thread. */
enum spdkrt_bdev_event_type {
	/** The bdev is going away: close the descriptor (after putting its channels). */
	SPDKRT_BDEV_EVENT_REMOVE = 0,
	/** The number of blocks changed. */
	SPDKRT_BDEV_EVENT_RESIZE = 1,
};

/** Receives events of an open descriptor. */
typedef void (*spdkrt_bdev_event_cb)(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev,
				     void *event_ctx);

/** Completion of one I/O: status is 0 or a negative errno. */
typedef void (*spdkrt_bdev_io_cb)(void *cb_arg, int status);

/** Completion of an asynchronous management call (destroy). */
typedef void (*spdkrt_bdev_done_cb)(void *ctx, int status);

/**
 * Create a bdev from a spec "MODULE:key=value,key=value,...". Built-in modules:
 *
 * - `malloc:name=N,size_mb=M[,block_size=512|...|65536][,num_blocks=K][,optimal_io_boundary=B]
 *   [,copy=cpu|ioat]` RAM-backed (DMA memory: needs an initialised environment); data persists
 *   until destroyed. copy=cpu (default) copies with the CPU inside the submit call; copy=ioat
 *   offloads copies and zeroing to I/OAT DMA channels (it attaches every I/OAT channel, one per
 *   thread; creation fails with -ENODEV when there is none; a thread beyond the channel count,
 *   and a buffer that is not DMA-safe, are served by the CPU).
 * - `null:name=N,size_mb=M[,block_size=B][,num_blocks=K][,complete=submit|poller]`
 *   discards writes, reads return without touching the buffer. complete=submit (default)
 *   completes inside the submit call (through the deferred queue); complete=poller from a
 *   per-channel poller.
 *
 * Either size_mb or num_blocks gives the size; block_size defaults to 512.
 *
 * - `aio:name=N,filename=PATH[,block_size=B]` a regular file or block device through Linux AIO,
 *   one io_context per thread. Opened with O_DIRECT (buffers then need spdkrt_bdev_get_buf_align()
 *   alignment, and each iovec should be a multiple of the device's logical block size); when the
 *   filesystem refuses O_DIRECT it falls back to buffered I/O with a warning. block_size defaults
 *   to the device's logical block size and may not be smaller. The size is the file's; it grows
 *   or shrinks with spdkrt_bdev_rescan(). Write-zeroes and unmap use fallocate where the file
 *   supports it, else written zeroes; flush is fdatasync, done by the kernel in the background.
 *   I/O errors complete with the errno (-ENOSPC for a full filesystem); a transfer that stops
 *   short without an errno completes with -EIO.
 * - `uring:name=N,filename=PATH[,block_size=B]` the same over io_uring, one ring per thread
 *   (only when spdkrt was built with liburing).
 * - `crypto:name=N,base=BDEV,cipher=AES_XTS,key=HEX,key2=HEX` a virtual bdev that encrypts every
 *   block of BDEV with AES-XTS (IEEE 1619: one data unit per block, the LBA as the tweak). key and
 *   key2 are 32 hex digits each (AES-128) or 64 (AES-256), and must differ. It claims BDEV
 *   (nobody else may write to it or destroy it first) and goes away with it. Unmap passes
 *   through: unmapped blocks read back as undefined data. Keys are never logged and are wiped
 *   from memory when the vbdev is destroyed.
 *
 * @param spec the spec string
 * @param bdev receives the new bdev (may be NULL if the caller does not need it)
 * @return 0; -EINVAL for a malformed spec, an unknown key or a bad number; -ENODEV for an
 *	unknown module; -EEXIST for a duplicate name; -ENOMEM. The log names the problem.
 */
SPDKRT_API int spdkrt_bdev_create(const char *spec, struct spdkrt_bdev **bdev);

/**
 * Destroy a bdev. Open descriptors get SPDKRT_BDEV_EVENT_REMOVE; the bdev is released once
 * every descriptor is closed and every channel put, then done(ctx, 0) runs on the calling thread.
 * Must be called from an spdkrt thread.
 *
 * @return 0; -ENODEV for an unknown name; -EBUSY when another bdev claimed it (destroy that one
 *	first) or it is already being destroyed; -EINVAL (NULL, no current thread).
 */
SPDKRT_API int spdkrt_bdev_destroy(const char *name, spdkrt_bdev_done_cb done, void *ctx);

/**
 * Ask the module to measure its bdev again, for the bdevs whose backing store can change size
 * (aio, uring: the file or device grew or shrank). When the number of blocks changed, every open
 * descriptor gets SPDKRT_BDEV_EVENT_RESIZE. Callable from any thread.
 *
 * @return 0 (also when the size did not change); -ENODEV for an unknown name or a bdev being
 *	destroyed; -ENOTSUP when the module has no rescan; -EINVAL for NULL or a backing store now
 *	smaller than one block; another negative errno when measuring failed. The log says why.
 */
SPDKRT_API int spdkrt_bdev_rescan(const char *name);

/**
 * Open a bdev. Must be called from an spdkrt thread; events run on it.
 *
 * @param write open for writing (refused with -EPERM when another bdev claimed it)
 * @param event_cb receives remove and resize events (required)
 * @return 0; -ENODEV (unknown or being destroyed); -EINVAL; -EPERM; -ENOMEM
 */
SPDKRT_API int spdkrt_bdev_open(const char *name, bool write, spdkrt_bdev_event_cb event_cb,
				void *event_ctx, struct spdkrt_bdev_desc **desc);

/** Close a descriptor on its thread. I/O still in flight completes normally. NULL is ignored. */
SPDKRT_API void spdkrt_bdev_close(struct spdkrt_bdev_desc *desc);

/** @return the bdev of a descriptor, or NULL. */
SPDKRT_API struct spdkrt_bdev *spdkrt_bdev_desc_get_bdev(struct spdkrt_bdev_desc *desc);

/** @return the bdev with this name, or NULL. */
SPDKRT_API struct spdkrt_bdev *spdkrt_bdev_get_by_name(const char *name);

/** @return the first registered bdev (in creation order), or NULL. */
SPDKRT_API struct spdkrt_bdev *spdkrt_bdev_first(void);

/** @return the bdev after prev, or NULL. */
SPDKRT_API struct spdkrt_bdev *spdkrt_bdev_next(struct spdkrt_bdev *prev);

/** @return the bdev's name ("" for NULL). */
SPDKRT_API const char *spdkrt_bdev_get_name(const struct spdkrt_bdev *bdev);

/** @return a product name such as "Malloc disk" ("" for NULL). */
SPDKRT_API const char *spdkrt_bdev_get_product_name(const struct spdkrt_bdev *bdev);

/** @return the name of the module that made the bdev ("malloc", ...; "" for NULL). */
SPDKRT_API const char *spdkrt_bdev_get_module_name(const struct spdkrt_bdev *bdev);

/** @return the logical block size in bytes (0 for NULL). */
SPDKRT_API uint32_t spdkrt_bdev_get_block_size(const struct spdkrt_bdev *bdev);

/** @return the number of blocks (0 for NULL). */
SPDKRT_API uint64_t spdkrt_bdev_get_num_blocks(const struct spdkrt_bdev *bdev);

/** @return the alignment in bytes data buffers must have (1: none). */
SPDKRT_API size_t spdkrt_bdev_get_buf_align(const struct spdkrt_bdev *bdev);

/** @return the optimal I/O boundary in blocks (0: none); I/O crossing it is split. */
SPDKRT_API uint32_t spdkrt_bdev_get_optimal_io_boundary(const struct spdkrt_bdev *bdev);

/** @return the write unit in blocks: writes are a multiple of it (1 usually). */
SPDKRT_API uint32_t spdkrt_bdev_get_write_unit_size(const struct spdkrt_bdev *bdev);

/** @return the largest I/O in blocks a module takes at once (0: no limit); larger I/O is split. */
SPDKRT_API uint32_t spdkrt_bdev_get_max_io_blocks(const struct spdkrt_bdev *bdev);

/** Copy the bdev's RFC 4122 UUID into uuid. @return 0 or -EINVAL (NULL). */
SPDKRT_API int spdkrt_bdev_get_uuid(const struct spdkrt_bdev *bdev, uint8_t uuid[16]);
/** @return the largest unmap per range in blocks (0: no limit). */
SPDKRT_API uint32_t spdkrt_bdev_get_max_unmap_blocks(const struct spdkrt_bdev *bdev);
/** @return the most ranges spdkrt_bdev_unmap_ranges() takes at once (at least 1). */
SPDKRT_API uint32_t spdkrt_bdev_get_max_unmap_ranges(const struct spdkrt_bdev *bdev);
/** @return the largest write zeroes in blocks (0: no limit). */
SPDKRT_API uint32_t spdkrt_bdev_get_max_write_zeroes_blocks(const struct spdkrt_bdev *bdev);
/** @return the largest iovec segment in bytes the module takes (0: no limit). */
SPDKRT_API uint32_t spdkrt_bdev_get_max_segment_size(const struct spdkrt_bdev *bdev);
/** @return the most iovec segments per I/O (0: no limit). */
SPDKRT_API uint32_t spdkrt_bdev_get_max_segments(const struct spdkrt_bdev *bdev);
/** @return the largest compare-and-write in blocks (at least 1). */
SPDKRT_API uint32_t spdkrt_bdev_get_max_compare_and_write_blocks(const struct spdkrt_bdev *bdev);
/**
 * @return whether a bdev built on this one (a virtual bdev such as crypto) has claimed it:
 *	it cannot then be opened for writing or destroyed until that bdev is gone.
 */
SPDKRT_API bool spdkrt_bdev_is_claimed(const struct spdkrt_bdev *bdev);

/** @return whether the bdev supports an I/O type. */
SPDKRT_API bool spdkrt_bdev_io_type_supported(const struct spdkrt_bdev *bdev,
					      enum spdkrt_bdev_io_type type);

/**
 * Get the calling thread's I/O channel for a descriptor's bdev; release it with
 * spdkrt_put_io_channel(). @return the channel, or NULL (logged).
 */
SPDKRT_API struct spdkrt_io_channel *spdkrt_bdev_get_io_channel(struct spdkrt_bdev_desc *desc);

/**
 * Get the calling thread's I/O channel for a descriptor's bdev, as spdkrt_bdev_get_io_channel(),
 * saying why it failed; release the channel with spdkrt_put_io_channel().
 *
 * @param desc an open descriptor
 * @param ch receives the channel (NULL on failure)
 * @return 0; -EINVAL for a NULL argument or when not called on an spdkrt thread; -ENODEV when the
 *	bdev is gone; -ENOMEM; or the negative errno with which the bdev's module refused the channel.
 */
SPDKRT_API int spdkrt_bdev_get_io_channel_ext(struct spdkrt_bdev_desc *desc,
					      struct spdkrt_io_channel **ch);

/**
 * @name I/O submission
 * Every submission call returns 0 when the I/O was accepted: cb then runs later, exactly once, on
 * the channel's thread, from spdkrt_thread_poll() (never inside the submitting call). Otherwise
 * it returns a negative errno from this table, and cb never runs:
 *
 * | errno     | cause |
 * |-----------|-------|
 * | -EINVAL   | NULL desc, ch, cb or buffer; zero length; a range outside the bdev; a misaligned buffer (spdkrt_bdev_get_buf_align()); a byte form whose offset or length is not a multiple of the block size; a channel of another bdev or of another thread than the current one; an iovec of length 0, or iovec lengths whose sum overflows or differs from the request |
 * | -EBADF    | anything but a read or a compare through a read-only descriptor |
 * | -ENOTSUP  | the bdev does not support the I/O type (spdkrt_bdev_io_type_supported()) |
 * | -ENODEV   | the bdev is being removed (logged once per bdev, not per I/O) |
 * | -ENOMEM   | no free I/O object on this thread: see spdkrt_bdev_queue_io_wait() |
 *
 * The status given to cb is 0 or a negative errno; for an NVMe-backed bdev it follows the table
 * of spdkrt_bdev_nvme_status_to_errno(), and spdkrt_bdev_get_nvme_status() gives the NVMe status
 * itself inside cb.
 * @{
 */

/**
 * Read num_blocks blocks at offset_blocks into buf.
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param buf the data buffer, aligned as the bdev requires
 * @param offset_blocks first block
 * @param num_blocks number of blocks (> 0)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_read_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
				       void *buf, uint64_t offset_blocks, uint64_t num_blocks,
				       spdkrt_bdev_io_cb cb, void *cb_arg);

/**
 * Write num_blocks blocks from buf at offset_blocks.
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param buf the data buffer, aligned as the bdev requires
 * @param offset_blocks first block
 * @param num_blocks number of blocks (> 0)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_write_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
					const void *buf, uint64_t offset_blocks,
					uint64_t num_blocks, spdkrt_bdev_io_cb cb, void *cb_arg);

/**
 * Read into an iovec array; the iovecs must add up to num_blocks blocks.
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param iov the data buffers
 * @param iovcnt number of iovecs (1..1024)
 * @param offset_blocks first block
 * @param num_blocks number of blocks (> 0)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_readv_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
					const struct iovec *iov, int iovcnt, uint64_t offset_blocks,
					uint64_t num_blocks, spdkrt_bdev_io_cb cb, void *cb_arg);

/**
 * Write from an iovec array; the iovecs must add up to num_blocks blocks.
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param iov the data buffers
 * @param iovcnt number of iovecs (1..1024)
 * @param offset_blocks first block
 * @param num_blocks number of blocks (> 0)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_writev_blocks(struct spdkrt_bdev_desc *desc,
					 struct spdkrt_io_channel *ch, const struct iovec *iov,
					 int iovcnt, uint64_t offset_blocks, uint64_t num_blocks,
					 spdkrt_bdev_io_cb cb, void *cb_arg);

/**
 * Write zeroes to a range of blocks.
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param offset_blocks first block
 * @param num_blocks number of blocks (> 0)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_write_zeroes_blocks(struct spdkrt_bdev_desc *desc,
					       struct spdkrt_io_channel *ch, uint64_t offset_blocks,
					       uint64_t num_blocks, spdkrt_bdev_io_cb cb,
					       void *cb_arg);

/**
 * Unmap (trim) a range of blocks; they read back as zeroes where the module says so.
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param offset_blocks first block
 * @param num_blocks number of blocks (> 0)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_unmap_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
					uint64_t offset_blocks, uint64_t num_blocks,
					spdkrt_bdev_io_cb cb, void *cb_arg);

/**
 * Make written data in a range durable.
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param offset_blocks first block
 * @param num_blocks number of blocks (> 0)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_flush_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
					uint64_t offset_blocks, uint64_t num_blocks,
					spdkrt_bdev_io_cb cb, void *cb_arg);

/**
 * Reset the device, in the core: every channel of the bdev is frozen (I/O submitted meanwhile
 * waits in the core), the I/O the module holds drain, the module resets the device with nothing
 * in flight, then the channels run again (the waiting I/O go on) and cb runs. Resets of one
 * bdev run one after the other.
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_reset(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
				 spdkrt_bdev_io_cb cb, void *cb_arg);

/**
 * Read nbytes at byte offset; both must be multiples of the block size.
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param buf the data buffer, aligned as the bdev requires
 * @param offset byte offset (a multiple of the block size)
 * @param nbytes bytes (a multiple of the block size)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_read(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
				void *buf, uint64_t offset, uint64_t nbytes, spdkrt_bdev_io_cb cb,
				void *cb_arg);

/**
 * Write nbytes at byte offset; both must be multiples of the block size.
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param buf the data buffer, aligned as the bdev requires
 * @param offset byte offset (a multiple of the block size)
 * @param nbytes bytes (a multiple of the block size)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_write(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
				 const void *buf, uint64_t offset, uint64_t nbytes,
				 spdkrt_bdev_io_cb cb, void *cb_arg);

/**
 * Compare num_blocks blocks at offset_blocks with buf; a mismatch completes with -EILSEQ.
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param buf the data buffer, aligned as the bdev requires
 * @param offset_blocks first block
 * @param num_blocks number of blocks (> 0)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_compare_blocks(struct spdkrt_bdev_desc *desc,
					  struct spdkrt_io_channel *ch, const void *buf,
					  uint64_t offset_blocks, uint64_t num_blocks,
					  spdkrt_bdev_io_cb cb, void *cb_arg);

/**
 * Compare the blocks with compare_buf and, only if they match, write write_buf there, as one
 * atomic step (-EILSEQ and nothing written on a mismatch). num_blocks is at most
 * spdkrt_bdev_get_max_compare_and_write_blocks().
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param compare_buf the data the blocks must hold
 * @param write_buf the data written when they do
 * @param offset_blocks first block
 * @param num_blocks number of blocks (> 0)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_compare_and_write_blocks(struct spdkrt_bdev_desc *desc,
						    struct spdkrt_io_channel *ch,
						    const void *compare_buf, const void *write_buf,
						    uint64_t offset_blocks, uint64_t num_blocks,
						    spdkrt_bdev_io_cb cb, void *cb_arg);

/** One range of blocks. */
struct spdkrt_bdev_range {
	uint64_t offset_blocks; /**< first block */
	uint64_t num_blocks;    /**< number of blocks */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_bdev_range) == 16, "spdkrt_bdev_range is ABI");

/**
 * Unmap several ranges in one request (an NVMe Dataset Management deallocate). The ranges stay
 * the caller's and must stay valid until cb; count is at most spdkrt_bdev_get_max_unmap_ranges()
 * and each range within the bdev and spdkrt_bdev_get_max_unmap_blocks().
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param ranges the ranges (the caller's until cb)
 * @param count number of ranges
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_unmap_ranges(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
					const struct spdkrt_bdev_range *ranges, uint32_t count,
					spdkrt_bdev_io_cb cb, void *cb_arg);

/**
 * Pass an NVMe admin command through to the controller behind the bdev (bdevs that support
 * SPDKRT_BDEV_IO_NVME_ADMIN). cmd is copied; buf (nbytes, may be NULL with 0) stays the caller's
 * until cb. The NVMe status is available in cb through spdkrt_bdev_get_nvme_status().
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param cmd the NVMe command (copied)
 * @param buf the data buffer, or NULL for none
 * @param nbytes its length in bytes (0 with a NULL buf)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_nvme_admin_passthru(struct spdkrt_bdev_desc *desc,
					       struct spdkrt_io_channel *ch,
					       const struct spdkrt_nvme_cmd *cmd, void *buf,
					       size_t nbytes, spdkrt_bdev_io_cb cb, void *cb_arg);

/**
 * Like spdkrt_bdev_nvme_admin_passthru() for an NVMe I/O command (SPDKRT_BDEV_IO_NVME_IO).
 *
 * @param desc an open descriptor of the bdev (for writing, except reads and compares)
 * @param ch the calling thread's channel of the bdev (spdkrt_bdev_get_io_channel())
 * @param cmd the NVMe command (copied)
 * @param buf the data buffer, or NULL for none
 * @param nbytes its length in bytes (0 with a NULL buf)
 * @param cb completion callback
 * @param cb_arg its argument
 * @return 0, or a negative errno from the submission table (cb then never runs)
 */
SPDKRT_API int spdkrt_bdev_nvme_io_passthru(struct spdkrt_bdev_desc *desc,
					    struct spdkrt_io_channel *ch,
					    const struct spdkrt_nvme_cmd *cmd, void *buf,
					    size_t nbytes, spdkrt_bdev_io_cb cb, void *cb_arg);

/** An NVMe completion status, as a module gives it or a target forwards it. */
struct spdkrt_bdev_nvme_status {
	uint32_t cdw0;    /**< command specific result (DW0) */
	uint8_t sct;      /**< status code type (enum spdkrt_nvme_sct) */
	uint8_t sc;       /**< status code */
	uint8_t dnr;      /**< do not retry (0 or 1) */
	uint8_t reserved; /**< zero */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_bdev_nvme_status) == 8, "nvme status is ABI");

/**
 * Inside an I/O completion callback running on ch's thread: the NVMe status of the I/O being
 * completed, as its module gave it (an NVMe bdev), or else mapped from the callback's status by
 * the table of spdkrt_bdev_nvme_status_to_errno(). For a target that forwards it to its host.
 *
 * @param status the status the callback got
 * @return 0, or -EINVAL (NULL)
 */
SPDKRT_API int spdkrt_bdev_get_nvme_status(struct spdkrt_io_channel *ch, int status,
					   struct spdkrt_bdev_nvme_status *nvme);

/**
 * The mapping between NVMe statuses and the errnos bdev callbacks get (one table, both ways):
 *
 * | NVMe status (SCT/SC)                                   | errno        |
 * |--------------------------------------------------------|--------------|
 * | 0/0x00 success                                         | 0            |
 * | 0/0x01 invalid opcode                                  | -EOPNOTSUPP  |
 * | 0/0x02 invalid field                                   | -EINVAL      |
 * | 0/0x07, 0/0x08 aborted, 3/0x71 aborted by host         | -ECANCELED   |
 * | 0/0x0B invalid namespace or format                     | -ENODEV      |
 * | 0/0x20 write protected, 2/0x86 access denied           | -EACCES      |
 * | 0/0x80 LBA out of range                                | -ERANGE      |
 * | 0/0x81 capacity exceeded                               | -ENOSPC      |
 * | 0/0x82 namespace not ready                             | -EAGAIN      |
 * | 0/0x83 reservation conflict                            | -EBUSY       |
 * | 2/0x85 compare failure                                 | -EILSEQ      |
 * | 0/0x06 internal error, and every status not listed     | -EIO         |
 *
 * @return the errno for an NVMe status (0 for success, -EINVAL for NULL)
 */
SPDKRT_API int spdkrt_bdev_nvme_status_to_errno(const struct spdkrt_bdev_nvme_status *status);

/**
 * The NVMe status for an errno by the same table (the first row that gives that errno; -EIO and
 * errnos not in it: 0/0x06; -ENOMEM: 0/0x06 retryable). dnr is 0 for -ENOMEM, -EAGAIN and
 * -ECANCELED, 1 otherwise (0 for success); cdw0 is 0.
 */
SPDKRT_API void spdkrt_bdev_nvme_status_from_errno(int error,
						   struct spdkrt_bdev_nvme_status *status);

/** @} */

/** Called when an I/O object frees up after -ENOMEM. */
typedef void (*spdkrt_bdev_io_wait_cb)(void *cb_arg);

/** Caller-owned wait entry for spdkrt_bdev_queue_io_wait(); keep it alive until cb_fn runs. */
struct spdkrt_bdev_io_wait_entry {
	spdkrt_bdev_io_wait_cb cb_fn; /**< set by the caller */
	void *cb_arg;                 /**< set by the caller */
	void *reserved[2];            /**< internal link */
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_bdev_io_wait_entry) == 4 * sizeof(void *),
		     "spdkrt_bdev_io_wait_entry is part of the ABI");

/**
 * After a submission returned -ENOMEM: call entry->cb_fn(entry->cb_arg) on ch's thread once an
 * I/O object is free again (the caller then resubmits).
 *
 * @return 0, or -EINVAL (NULL arguments, no cb_fn, channel of another bdev, or I/O objects are
 *	free on this thread: only a freed one wakes waiters, so submit instead)
 */
SPDKRT_API int spdkrt_bdev_queue_io_wait(struct spdkrt_bdev *bdev, struct spdkrt_io_channel *ch,
					 struct spdkrt_bdev_io_wait_entry *entry);

/**
 * I/O statistics. Latencies are measured in ticks (spdkrt_get_ticks_hz per second) at poll
 * granularity: from the poll iteration that submitted to the one that completed.
 */
struct spdkrt_bdev_stats {
	/** I/O completed successfully, per enum spdkrt_bdev_io_type. */
	uint64_t ops[SPDKRT_BDEV_IO_TYPE_SLOTS];
	/** Bytes moved (read, written) or covered (unmap, write zeroes, flush). */
	uint64_t bytes[SPDKRT_BDEV_IO_TYPE_SLOTS];
	/** Sum of latencies of the successful I/O, in ticks. */
	uint64_t latency_ticks[SPDKRT_BDEV_IO_TYPE_SLOTS];
	/** Largest latency seen, in ticks. */
	uint64_t max_latency_ticks[SPDKRT_BDEV_IO_TYPE_SLOTS];
	/** I/O completed with an error. */
	uint64_t errors;
	/** spdkrt_get_ticks_hz(), to convert the tick counts. */
	uint64_t ticks_hz;
};
SPDKRT_STATIC_ASSERT(sizeof(struct spdkrt_bdev_stats) == (4 * SPDKRT_BDEV_IO_TYPE_SLOTS + 2) * 8,
		     "spdkrt_bdev_stats is part of the ABI");

/**
 * Statistics of a bdev since it was created: every channel, live or released.
 *
 * @param size sizeof(*stats) as the caller knows it; only that much is written
 * @return 0 or -EINVAL
 */
SPDKRT_API int spdkrt_bdev_get_stats(struct spdkrt_bdev *bdev, struct spdkrt_bdev_stats *stats,
				     size_t size);

/** Statistics of one channel (call on the channel's thread). @return 0 or -EINVAL. */
SPDKRT_API int spdkrt_bdev_channel_get_stats(struct spdkrt_io_channel *ch,
					     struct spdkrt_bdev_stats *stats, size_t size);

/** Layer-wide options; initialise with spdkrt_bdev_opts_init(). */
struct spdkrt_bdev_opts {
	/** sizeof(struct spdkrt_bdev_opts) as the caller knows it. */
	size_t size;
	/** I/O objects per thread (shared by its channels; split I/O uses one per part). */
	uint32_t io_pool_size;
};

/** Fill opts with the current values. @return 0 or -EINVAL. */
SPDKRT_API int spdkrt_bdev_opts_init(struct spdkrt_bdev_opts *opts, size_t size);

/**
 * Set layer-wide options; only before the first channel is made.
 *
 * @return 0, -EINVAL (bad value: io_pool_size 16..1048576), -EBUSY (channels exist)
 */
SPDKRT_API int spdkrt_bdev_set_opts(const struct spdkrt_bdev_opts *opts);

SPDKRT_END_DECLS

#endif /* SPDKRT_BDEV_H */
