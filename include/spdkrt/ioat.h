/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Intel I/OAT (QuickData, Crystal Beach) DMA channels: memory copy and fill offloaded to the
 * chipset's DMA engine, driven from user space and polled for completion.
 *
 * Each PCI function is one channel. A channel must be bound to vfio-pci or uio_pci_generic first
 * (`spdkrt-setup config`). Buffers must be DMA-safe: from spdkrt_dma_malloc() or registered with
 * the environment; any other memory is refused with -EINVAL (never sent to the device).
 *
 * Threading: a channel belongs to one thread at a time (no locks on the submit path); different
 * channels may be used on different threads at once. Probe, attach and detach may be called from
 * any thread, one at a time per channel. Completion callbacks run inside
 * spdkrt_ioat_process_events() on the channel's thread (or inside spdkrt_ioat_detach()).
 */
#ifndef SPDKRT_IOAT_H
#define SPDKRT_IOAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spdkrt/api.h>
#include <spdkrt/pci.h>

SPDKRT_BEGIN_DECLS

/** An attached I/OAT channel (opaque). */
struct spdkrt_ioat_chan;

/** The channel copies memory (every channel can). */
#define SPDKRT_IOAT_CAP_COPY (1u << 0)
/** The channel fills memory with an 8-byte pattern (block fill). */
#define SPDKRT_IOAT_CAP_FILL (1u << 1)

/**
 * Completion of one request (one copy or fill, however many descriptors it took).
 *
 * @param cb_arg the argument given with the request
 * @param status 0, -EIO when the channel halted before the request completed (the channel was
 *	reset and is usable again), -ECANCELED when the channel was detached first, or -ENODEV
 *	when the PCI function was removed
 */
typedef void (*spdkrt_ioat_req_cb)(void *cb_arg, int status);

/**
 * Called by spdkrt_ioat_probe() for each I/OAT function found.
 *
 * @return true to attach the function.
 */
typedef bool (*spdkrt_ioat_probe_cb)(void *cb_ctx, const struct spdkrt_pci_addr *addr,
				     const struct spdkrt_pci_id *id);

/** Called by spdkrt_ioat_probe() for each channel it attached; the caller owns @p chan. */
typedef void (*spdkrt_ioat_attach_cb)(void *cb_ctx, const struct spdkrt_pci_addr *addr,
				      struct spdkrt_ioat_chan *chan);

/**
 * Find the I/OAT functions (vendor 8086, the Crystal Beach device ids of every Xeon generation
 * from Sandy Bridge on) that are not attached yet and attach those @p probe_cb accepts (all when
 * it is NULL). A function that fails to attach is logged and skipped; the others still attach.
 *
 * @param cb_ctx passed to both callbacks
 * @param probe_cb chooses functions, or NULL for all
 * @param attach_cb receives each attached channel; must not be NULL
 * @return the number of channels attached (0 when there is no I/OAT function: the log says so),
 *	-EINVAL when @p attach_cb is NULL, or a negative errno when enumeration fails.
 */
SPDKRT_API int spdkrt_ioat_probe(void *cb_ctx, spdkrt_ioat_probe_cb probe_cb,
				 spdkrt_ioat_attach_cb attach_cb);

/**
 * Attach the channel at one PCI address: reset it (checking that the reset completed), program
 * its descriptor ring and completion address, and start it with a null descriptor.
 *
 * @param addr the PCI function
 * @param chan receives the channel
 * @return 0; -EINVAL on NULL arguments; -ENODEV when the function is not an I/OAT channel or
 *	does not exist; -EBUSY when it is attached already or bound to a kernel driver; -ENOTSUP
 *	for an unsupported version (before v3.0) or transfer size; -ETIMEDOUT when the channel
 *	did not reset or start; -ENOMEM. Every failure is logged.
 */
SPDKRT_API int spdkrt_ioat_attach(const struct spdkrt_pci_addr *addr,
				  struct spdkrt_ioat_chan **chan);

/**
 * Stop the channel and release it: the hardware is suspended and reset before its memory is
 * freed, so nothing is written after this returns. Requests still outstanding complete with
 * -ECANCELED from inside this call. NULL is ignored. Not from one of the channel's own
 * completion callbacks (the channel is still in use there).
 *
 * @return 0, or -ETIMEDOUT when the channel did not stop (logged; it is released anyway and its
 *	ring memory is kept, not freed, since the device may still write it).
 */
SPDKRT_API int spdkrt_ioat_detach(struct spdkrt_ioat_chan *chan);

/** @return the channel's PCI address, or NULL for a NULL channel. */
SPDKRT_API const struct spdkrt_pci_addr *
spdkrt_ioat_get_pci_addr(const struct spdkrt_ioat_chan *chan);

/** @return SPDKRT_IOAT_CAP_* bits, 0 for a NULL channel. */
SPDKRT_API uint32_t spdkrt_ioat_get_capabilities(const struct spdkrt_ioat_chan *chan);

/**
 * @return the number of descriptors the channel can hold outstanding (a request takes one per
 *	maximum transfer and per IOVA-contiguous piece of its buffers), 0 for a NULL channel.
 */
SPDKRT_API uint32_t spdkrt_ioat_get_max_descriptors(const struct spdkrt_ioat_chan *chan);

/**
 * Queue a copy without handing it to the hardware; spdkrt_ioat_flush() does that, so a batch of
 * requests costs one doorbell write. Transfers larger than the channel's maximum, and buffers
 * that are not IOVA-contiguous, are split into several descriptors with one completion.
 * @p nbytes 0 queues a null descriptor that completes like any request.
 *
 * @param chan the channel
 * @param cb_arg passed to @p cb_fn
 * @param cb_fn called once with the request's status, or NULL
 * @param dst destination, DMA-safe
 * @param src source, DMA-safe; must not overlap @p dst
 * @param nbytes bytes to copy
 * @return 0; -EINVAL for a NULL channel or buffer, overlapping buffers, or memory that is not
 *	DMA-safe (logged); -ENOMEM when the ring has no room (process events, then retry); -EIO
 *	when the channel is out of service after a failed recovery, -ENODEV when its function was
 *	removed. On error nothing is queued.
 */
SPDKRT_API int spdkrt_ioat_build_copy(struct spdkrt_ioat_chan *chan, void *cb_arg,
				      spdkrt_ioat_req_cb cb_fn, void *dst, const void *src,
				      size_t nbytes);

/**
 * Queue a fill without handing it to the hardware: @p nbytes bytes at @p dst receive the
 * little-endian bytes of @p fill_pattern repeated (byte i = byte i % 8 of the pattern).
 *
 * @return as spdkrt_ioat_build_copy(); -ENOTSUP when the channel has no fill capability.
 */
SPDKRT_API int spdkrt_ioat_build_fill(struct spdkrt_ioat_chan *chan, void *cb_arg,
				      spdkrt_ioat_req_cb cb_fn, void *dst, uint64_t fill_pattern,
				      size_t nbytes);

/**
 * Hand every queued descriptor to the hardware (one doorbell write).
 *
 * @return 0, or -EINVAL for a NULL channel.
 */
SPDKRT_API int spdkrt_ioat_flush(struct spdkrt_ioat_chan *chan);

/** spdkrt_ioat_build_copy() then spdkrt_ioat_flush(). */
SPDKRT_API int spdkrt_ioat_submit_copy(struct spdkrt_ioat_chan *chan, void *cb_arg,
				       spdkrt_ioat_req_cb cb_fn, void *dst, const void *src,
				       size_t nbytes);

/** spdkrt_ioat_build_fill() then spdkrt_ioat_flush(). */
SPDKRT_API int spdkrt_ioat_submit_fill(struct spdkrt_ioat_chan *chan, void *cb_arg,
				       spdkrt_ioat_req_cb cb_fn, void *dst, uint64_t fill_pattern,
				       size_t nbytes);

/**
 * Complete the requests the hardware has finished, calling their callbacks in order. When the
 * channel has halted on an error, the requests it finished complete with 0 and every other
 * outstanding request with -EIO; CHANERR is logged and the channel is reset and restarted.
 *
 * A channel whose PCI function was removed (surprise removal) is noticed while requests wait:
 * they complete with -ENODEV.
 *
 * @return the number of requests completed (successfully or not), -EINVAL for a NULL channel,
 *	-EIO when a halted channel could not be restarted, or -ENODEV when its function was
 *	removed (in both cases it is out of service: detach it).
 */
SPDKRT_API int spdkrt_ioat_process_events(struct spdkrt_ioat_chan *chan);

SPDKRT_END_DECLS

#endif /* SPDKRT_IOAT_H */
