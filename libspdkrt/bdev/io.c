/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * I/O submission and completion. The contract (DESIGN.md): a completion callback never runs
 * inside the call that submitted the I/O. Every submit raises the thread's submit depth; a
 * completion that arrives while it is raised goes to the channel's deferred queue (intrusive,
 * no allocation) and is delivered at the thread's next poll.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bdev/core.h"

#define SRT_LOG_COMPONENT "bdev"
#include "util/log.h"

#include "util/compiler.h"
#include "util/iov.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

#define MAX_IOVCNT 1024
/* Children of one split request in flight at once. */
#define SPLIT_MAX_OUTSTANDING 32

static void split_continue(struct spdkrt_bdev_io *parent);
static int check_supported(const char *fn, struct spdkrt_bdev *bdev, enum spdkrt_bdev_io_type type);

static inline void module_submit(struct srt_bdev_channel *ch, struct spdkrt_bdev_io *io)
{
	ch->mgmt->in_submit++;
	ch->submit(ch->module_ch, io);
	ch->mgmt->in_submit--;
}

static void split_child_done(struct spdkrt_bdev_io *child);

/* Stale or foreign handles: logged off the hot path. */
static __attribute__((noinline, cold)) int stale_desc(const char *fn,
						      const struct spdkrt_bdev_desc *desc)
{
	SRT_MISUSE("%s: %p is not an open descriptor (closed already?)", fn, (const void *)desc);
	return -EINVAL;
}

static __attribute__((noinline, cold)) int foreign_channel(const char *fn,
							   const struct spdkrt_io_channel *ch)
{
	SRT_MISUSE("%s: %p is not a channel of the current thread (another thread's, or put "
		   "already)",
		   fn, (const void *)ch);
	return -EINVAL;
}

/* Runs a completed I/O's callback (a parent's for a split child) and recycles it. */
static inline void deliver(struct spdkrt_bdev_io *io)
{
	struct srt_bdev_channel *ch = io->ch;
	struct srt_bdev_mgmt *mgmt = ch->mgmt;
	spdkrt_bdev_io_cb cb;
	void *cb_arg;
	int status;

	if (io->parent != NULL) {
		split_child_done(io);
		return;
	}
	srt_bdev_stats_account(ch, io);
	cb = io->cb;
	cb_arg = io->cb_arg;
	status = io->status;
	ch->outstanding--;
	/* Recycled before the callback so that the callback's next submit finds it free. */
	srt_bdev_io_put(mgmt, io);
	if (unlikely(io->has_nvme_status)) { /* read before the callback may reuse io */
		mgmt->completing_nvme = io->nvme_status;
		mgmt->completing_has_nvme = true;
		cb(cb_arg, status);
		mgmt->completing_has_nvme = false;
	} else {
		cb(cb_arg, status);
	}
	if (unlikely(mgmt->wait_head != NULL))
		srt_bdev_mgmt_run_waiters(mgmt);
	if (unlikely(!STAILQ_EMPTY(&mgmt->nomem)))
		srt_bdev_mgmt_retry_nomem(mgmt);
	/* Freed from its own work item: the caller may still be walking this channel's queue. */
	if (unlikely(ch->orphaned) && ch->outstanding == 0)
		srt_thread_schedule(ch->thread, &ch->drain);
}

/*
 * A completion made on another thread than the submitter's (a module's own worker, an
 * out-of-tree module that completes from its interrupt thread) finishes on the submitter's
 * thread: the message carries the I/O, its status is in io->status. The message ring's
 * release/acquire orders what the completing thread wrote into the I/O before the owner reads it.
 */
static void complete_forwarded(void *arg)
{
	struct spdkrt_bdev_io *io = arg;

	spdkrt_bdev_io_complete(io, io->status);
}

static void complete_nomem_forwarded(void *arg)
{
	spdkrt_bdev_io_complete_nomem(arg);
}

/* Whether the calling thread is not the one the I/O must complete on. */
static inline bool completing_elsewhere(const struct spdkrt_bdev_io *io)
{
	return unlikely(srt_current_thread != io->ch->thread);
}

void spdkrt_bdev_io_complete(struct spdkrt_bdev_io *io, int status)
{
	struct srt_bdev_channel *ch;

	if (unlikely(io == NULL)) {
		SRT_ERR("spdkrt_bdev_io_complete: io is NULL");
		return;
	}
	ch = io->ch;
	if (completing_elsewhere(io)) {
		io->status = status;
		/* Never dropped: a full ring is retried; only an exited thread refuses (logged). */
		srt_thread_send_msg_retry(ch->thread, complete_forwarded, io);
		return;
	}
	io->status = status;
	if (ch->mgmt->in_submit != 0) {
		bool was_empty = STAILQ_EMPTY(&ch->deferred);

		STAILQ_INSERT_TAIL(&ch->deferred, io, link);
		if (was_empty)
			srt_thread_schedule(ch->thread, &ch->drain);
		return;
	}
	deliver(io);
}

/* Delivers the completions queued when the drain starts; later ones wait for the next poll. */
void srt_bdev_drain_deferred(struct srt_bdev_channel *ch)
{
	struct srt_bdev_io_list batch = STAILQ_HEAD_INITIALIZER(batch);
	struct spdkrt_bdev_io *io;

	STAILQ_CONCAT(&batch, &ch->deferred);
	while ((io = STAILQ_FIRST(&batch)) != NULL) {
		STAILQ_REMOVE_HEAD(&batch, link);
		deliver(io);
	}
}

static void split_child_done(struct spdkrt_bdev_io *child)
{
	struct spdkrt_bdev_io *parent = child->parent;
	struct srt_bdev_mgmt *mgmt = child->ch->mgmt;

	if (child->status != 0 && parent->status == 0) {
		parent->status = child->status;
		parent->has_nvme_status = child->has_nvme_status;
		parent->nvme_status = child->nvme_status;
	}
	parent->split.outstanding--;
	srt_bdev_io_put(mgmt, child);
	if (parent->split.next_offset < parent->offset_blocks + parent->num_blocks &&
	    parent->status == 0)
		split_continue(parent);
	else if (parent->split.outstanding == 0)
		deliver(parent);
}

void srt_bdev_mgmt_run_waiters(struct srt_bdev_mgmt *mgmt)
{
	while (mgmt->wait_head != NULL && !STAILQ_EMPTY(&mgmt->free)) {
		struct spdkrt_bdev_io_wait_entry *entry = mgmt->wait_head;

		mgmt->wait_head = entry->reserved[0];
		if (mgmt->wait_head == NULL)
			mgmt->wait_tail = NULL;
		entry->reserved[0] = NULL;
		entry->cb_fn(entry->cb_arg);
	}
}

/* Submits again what modules refused for lack of resources; a refusal now waits once more. */
void srt_bdev_mgmt_retry_nomem(struct srt_bdev_mgmt *mgmt)
{
	struct srt_bdev_io_list batch = STAILQ_HEAD_INITIALIZER(batch);
	struct spdkrt_bdev_io *io;

	STAILQ_CONCAT(&batch, &mgmt->nomem);
	while ((io = STAILQ_FIRST(&batch)) != NULL) {
		STAILQ_REMOVE_HEAD(&batch, link);
		module_submit(io->ch, io);
	}
}

void spdkrt_bdev_io_complete_nomem(struct spdkrt_bdev_io *io)
{
	if (io == NULL) {
		SRT_ERR("spdkrt_bdev_io_complete_nomem: io is NULL");
		return;
	}
	if (completing_elsewhere(io)) {
		srt_thread_send_msg_retry(io->ch->thread, complete_nomem_forwarded, io);
		return;
	}
	STAILQ_INSERT_TAIL(&io->ch->mgmt->nomem, io, link);
}

void spdkrt_bdev_module_resume_io(void)
{
	struct srt_bdev_mgmt *mgmt = srt_bdev_current_mgmt();

	if (mgmt != NULL && !STAILQ_EMPTY(&mgmt->nomem))
		srt_bdev_mgmt_retry_nomem(mgmt);
}

void spdkrt_bdev_io_complete_nvme(struct spdkrt_bdev_io *io,
				  const struct spdkrt_bdev_nvme_status *status)
{
	if (io == NULL) {
		SRT_ERR("spdkrt_bdev_io_complete_nvme: io is NULL");
		return;
	}
	if (status == NULL) {
		SRT_ERR("spdkrt_bdev_io_complete_nvme: status is NULL; completing with -EIO");
		spdkrt_bdev_io_complete(io, -EIO);
		return;
	}
	io->nvme_status = *status;
	io->has_nvme_status = true;
	spdkrt_bdev_io_complete(io, spdkrt_bdev_nvme_status_to_errno(status));
}

int spdkrt_bdev_get_nvme_status(struct spdkrt_io_channel *io_ch, int status,
				struct spdkrt_bdev_nvme_status *nvme)
{
	struct srt_bdev_mgmt *mgmt;

	if (io_ch == NULL || nvme == NULL) {
		SRT_ERR("spdkrt_bdev_get_nvme_status: NULL argument");
		return -EINVAL;
	}
	if (!srt_io_channel_is_mine(io_ch))
		return foreign_channel(__func__, io_ch);
	if (!srt_bdev_is_known(io_ch->io_device)) {
		SRT_ERR("spdkrt_bdev_get_nvme_status: not a bdev channel");
		return -EINVAL;
	}
	mgmt = srt_bdev_channel_of(io_ch)->mgmt;
	if (mgmt->completing_has_nvme)
		*nvme = mgmt->completing_nvme;
	else
		spdkrt_bdev_nvme_status_from_errno(status, nvme);
	return 0;
}

static void queue_wait(struct srt_bdev_mgmt *mgmt, struct spdkrt_bdev_io_wait_entry *entry)
{
	entry->reserved[0] = NULL;
	if (mgmt->wait_tail != NULL)
		mgmt->wait_tail->reserved[0] = entry;
	else
		mgmt->wait_head = entry;
	mgmt->wait_tail = entry;
}

int spdkrt_bdev_queue_io_wait(struct spdkrt_bdev *bdev, struct spdkrt_io_channel *io_ch,
			      struct spdkrt_bdev_io_wait_entry *entry)
{
	struct srt_bdev_channel *ch;

	if (bdev == NULL || io_ch == NULL || entry == NULL || entry->cb_fn == NULL) {
		SRT_ERR("spdkrt_bdev_queue_io_wait: NULL bdev, channel, entry or entry->cb_fn");
		return -EINVAL;
	}
	if (!srt_io_channel_is_mine(io_ch))
		return foreign_channel(__func__, io_ch);
	if (io_ch->io_device != bdev) {
		SRT_MISUSE("spdkrt_bdev_queue_io_wait: the channel belongs to another bdev than %p",
			   (void *)bdev);
		return -EINVAL;
	}
	ch = srt_bdev_channel_of(io_ch);
	/* Only a freed I/O object wakes waiters: with some free now, none would ever come. */
	if (!srt_bdev_mgmt_exhausted(ch->mgmt)) {
		SRT_MISUSE(
			"spdkrt_bdev_queue_io_wait: I/O objects of '%s' are free: submit now (wait "
			"only after a submission gave -ENOMEM)",
			bdev->name);
		return -EINVAL;
	}
	queue_wait(ch->mgmt, entry);
	return 0;
}

/* Copies between an I/O's iovecs and a flat buffer of the I/O's size. */
void srt_bdev_io_copy_to_iovs(struct spdkrt_bdev_io *io, const void *src)
{
	struct srt_iov_cursor c;

	srt_iov_cursor_init(&c, io->iovs, io->iovcnt);
	srt_iov_cursor_scatter(&c, src, srt_bdev_io_bytes(io));
}

void srt_bdev_io_copy_from_iovs(struct spdkrt_bdev_io *io, void *dst)
{
	struct srt_iov_cursor c;

	srt_iov_cursor_init(&c, io->iovs, io->iovcnt);
	srt_iov_cursor_gather(&c, dst, srt_bdev_io_bytes(io));
}

/* The most blocks one request of this type may cover (0: no limit); max_io_blocks by default. */
static uint32_t max_blocks(const struct spdkrt_bdev *bdev, enum spdkrt_bdev_io_type type)
{
	if (type == SPDKRT_BDEV_IO_UNMAP && bdev->max_unmap_blocks != 0)
		return bdev->max_unmap_blocks;
	if (type == SPDKRT_BDEV_IO_WRITE_ZEROES && bdev->max_write_zeroes_blocks != 0)
		return bdev->max_write_zeroes_blocks;
	return bdev->max_io_blocks;
}

/* Whether the I/O's buffers break the module's max_segments or max_segment_size. */
static bool segments_exceed(const struct spdkrt_bdev *bdev, const struct spdkrt_bdev_io *io)
{
	if (io->iovs == NULL)
		return false;
	if (bdev->max_segments != 0 && (uint32_t)io->iovcnt > bdev->max_segments)
		return true;
	if (bdev->max_segment_size != 0) {
		for (int i = 0; i < io->iovcnt; i++)
			if (io->iovs[i].iov_len > bdev->max_segment_size)
				return true;
	}
	return false;
}

static bool must_split(const struct spdkrt_bdev *bdev, const struct spdkrt_bdev_io *io)
{
	uint64_t b = bdev->optimal_io_boundary;
	uint64_t offset = io->offset_blocks, num = io->num_blocks;
	uint32_t max = max_blocks(bdev, io->type);

	if (io->type == SPDKRT_BDEV_IO_RESET || io->type == SPDKRT_BDEV_IO_COMPARE_AND_WRITE)
		return false;
	if (max != 0 && num > max)
		return true;
	if (b != 0 && offset / b != (offset + num - 1) / b)
		return true;
	return segments_exceed(bdev, io);
}

/* The next piece of a child: at most want bytes and the module's max_segment_size. */
static inline size_t child_piece(const struct spdkrt_bdev *bdev, struct srt_iov_cursor *c,
				 uint64_t want, void **base)
{
	if (bdev->max_segment_size != 0 && want > bdev->max_segment_size)
		want = bdev->max_segment_size;
	return srt_iov_cursor_next(c, want, base);
}

/* Where the split has got to in the parent's iovecs. */
static struct srt_iov_cursor split_cursor(const struct spdkrt_bdev_io *parent)
{
	struct srt_iov_cursor c = {
		.iov = parent->iovs,
		.iovcnt = parent->iovcnt,
		.idx = parent->split.iov_index,
		.off = parent->split.iov_offset,
	};

	return c;
}

/* Blocks of the next child: up to the boundary, the size limit and the child's iovec slots. */
static uint64_t child_blocks(struct spdkrt_bdev_io *parent)
{
	const struct spdkrt_bdev *bdev = parent->bdev;
	uint64_t offset = parent->split.next_offset;
	uint64_t left = parent->offset_blocks + parent->num_blocks - offset;
	uint64_t n = left;
	uint64_t bytes = 0;
	uint32_t max = max_blocks(bdev, parent->type);
	struct srt_iov_cursor c;
	void *base;

	if (bdev->optimal_io_boundary != 0) {
		uint64_t b = bdev->optimal_io_boundary;
		uint64_t to_boundary = b - offset % b;

		if (n > to_boundary)
			n = to_boundary;
	}
	if (max != 0 && n > max)
		n = max;
	if (parent->iovs == NULL)
		return n;
	/* What the child's pieces of the parent's iovecs can hold, in whole blocks. */
	c = split_cursor(parent);
	for (int k = 0; k < srt_bdev_child_slots(bdev) && bytes < (n << bdev->block_shift); k++) {
		size_t piece = child_piece(bdev, &c, (n << bdev->block_shift) - bytes, &base);

		if (piece == 0)
			break;
		bytes += piece;
	}
	return bytes >> bdev->block_shift;
}

static void fill_child_iovs(struct spdkrt_bdev_io *parent, struct spdkrt_bdev_io *child)
{
	uint64_t left = child->num_blocks << parent->bdev->block_shift;
	struct srt_iov_cursor c = split_cursor(parent);
	int slots = srt_bdev_child_slots(parent->bdev);
	int k = 0;

	while (left > 0 && k < slots) {
		void *base;
		size_t n = child_piece(parent->bdev, &c, left, &base);

		if (n == 0)
			break;
		child->child_iovs[k].iov_base = base;
		child->child_iovs[k].iov_len = n;
		k++;
		left -= n;
	}
	parent->split.iov_index = c.idx;
	parent->split.iov_offset = c.off;
	child->iovs = child->child_iovs;
	child->iovcnt = k;
}

static void split_wait_cb(void *arg)
{
	split_continue(arg);
}

/* Hands out children until the request is covered, the window is full or the pool is dry. */
static void split_continue(struct spdkrt_bdev_io *parent)
{
	struct srt_bdev_channel *ch = parent->ch;
	uint64_t end = parent->offset_blocks + parent->num_blocks;

	while (parent->split.next_offset < end &&
	       parent->split.outstanding < SPLIT_MAX_OUTSTANDING) {
		struct spdkrt_bdev_io *child;
		uint64_t n = child_blocks(parent);

		if (n == 0) { /* tiny iovecs: more than the child's slots for one block */
			SRT_ERR("bdev '%s': an iovec piece set cannot be split at block boundaries "
				"within %d entries",
				parent->bdev->name, srt_bdev_child_slots(parent->bdev));
			parent->status = -EINVAL;
			parent->split.next_offset = end;
			break;
		}
		child = srt_bdev_io_get(ch->mgmt);
		if (child == NULL) {
			if (parent->split.outstanding == 0) {
				parent->split.wait.cb_fn = split_wait_cb;
				parent->split.wait.cb_arg = parent;
				queue_wait(ch->mgmt, &parent->split.wait);
			}
			return; /* a completing child or a freed I/O resumes the split */
		}
		child->ch = ch;
		child->bdev = parent->bdev;
		child->type = parent->type;
		child->parent = parent;
		child->offset_blocks = parent->split.next_offset;
		child->num_blocks = n;
		child->status = 0;
		child->has_nvme_status = false;
		child->iovs = NULL;
		child->iovcnt = 0;
		if (parent->iovs != NULL) {
			fill_child_iovs(parent, child);
		} else { /* unmap, write zeroes: the child's own range */
			child->unsplit.range.offset_blocks = child->offset_blocks;
			child->unsplit.range.num_blocks = n;
			child->unsplit.ranges = &child->unsplit.range;
			child->unsplit.num_ranges = 1;
		}
		parent->split.next_offset += n;
		parent->split.outstanding++;
		module_submit(ch, child);
	}
	if (parent->split.outstanding == 0 && parent->split.next_offset >= end)
		spdkrt_bdev_io_complete(parent, parent->status);
}

static void submit_split(struct spdkrt_bdev_io *parent)
{
	parent->split.next_offset = parent->offset_blocks;
	parent->split.outstanding = 0;
	parent->split.iov_index = 0;
	parent->split.iov_offset = 0;
	parent->ch->mgmt->in_submit++;
	split_continue(parent);
	parent->ch->mgmt->in_submit--;
}

/* Once per bdev: at hot-remove rates a line per refused I/O would serialise on the log lock. */
static inline int check_removing(const char *fn, struct spdkrt_bdev *bdev)
{
	if (likely(!atomic_load_explicit(&bdev->removing, memory_order_relaxed)))
		return 0;
	if (!atomic_exchange_explicit(&bdev->removal_logged, true, memory_order_relaxed))
		SRT_ERR("%s: '%s' is being removed (I/O refused with -ENODEV; not logged again)",
			fn, bdev->name);
	return -ENODEV;
}

/* The checks every submission shares; returns 0 or the errno for the caller. */
static ALWAYS_INLINE int check_request(const char *fn, struct spdkrt_bdev_desc *desc,
				       struct spdkrt_io_channel *io_ch, spdkrt_bdev_io_cb cb,
				       enum spdkrt_bdev_io_type type, uint64_t offset, uint64_t num)
{
	struct spdkrt_bdev *bdev;
	uint64_t size;

	if (unlikely(desc == NULL || io_ch == NULL || cb == NULL)) {
		SRT_ERR("%s: desc, channel or callback is NULL", fn);
		return -EINVAL;
	}
	/* Neither handle is read through before it is known live (closed or released: -EINVAL). */
	if (unlikely(!srt_bdev_desc_is_open(desc)))
		return stale_desc(fn, desc);
	if (unlikely(!srt_io_channel_is_mine(io_ch)))
		return foreign_channel(fn, io_ch);
	bdev = desc->bdev;
	if (unlikely(io_ch->io_device != bdev)) {
		SRT_MISUSE("%s: the channel belongs to another bdev than '%s'", fn, bdev->name);
		return -EINVAL;
	}
	if (unlikely(type != SPDKRT_BDEV_IO_READ && type != SPDKRT_BDEV_IO_COMPARE &&
		     !desc->write)) {
		SRT_ERR("%s: '%s' was opened read-only", fn, bdev->name);
		return -EBADF;
	}
	size = atomic_load_explicit(&bdev->num_blocks, memory_order_relaxed);
	if (unlikely(num == 0 || offset >= size || num > size - offset)) {
		SRT_ERR("%s: blocks %llu+%llu are outside '%s' (%llu blocks)", fn,
			(unsigned long long)offset, (unsigned long long)num, bdev->name,
			(unsigned long long)size);
		return -EINVAL;
	}
	return check_removing(fn, bdev);
}

/* What the rarer I/O types carry besides a range and a buffer. */
struct submit_extra {
	const void *write_buf;                  /* compare-and-write */
	const struct spdkrt_bdev_range *ranges; /* multi-range unmap */
	uint32_t num_ranges;
	const struct spdkrt_nvme_cmd *nvme_cmd; /* passthrough */
	void *data;                             /* passthrough data (NULL: none) */
	size_t nbytes;
};

static void apply_extra(struct spdkrt_bdev_io *io, const struct submit_extra *extra)
{
	if (extra->write_buf != NULL) {
		io->unsplit.write_iov.iov_base = (void *)extra->write_buf;
		io->unsplit.write_iov.iov_len = io->num_blocks << io->bdev->block_shift;
	}
	if (extra->ranges != NULL) {
		io->unsplit.ranges = extra->ranges;
		io->unsplit.num_ranges = extra->num_ranges;
	}
	if (extra->nvme_cmd != NULL) {
		io->nvme_cmd = *extra->nvme_cmd;
		io->iov.iov_base = extra->data;
		io->iov.iov_len = extra->nbytes;
		io->iovs = &io->iov;
		io->iovcnt = extra->data != NULL ? 1 : 0;
	}
}

/* Takes an I/O from the pool and fills it; NULL when the pool is dry. */
static ALWAYS_INLINE struct spdkrt_bdev_io *
io_prepare(struct srt_bdev_channel *ch, enum spdkrt_bdev_io_type type, const struct iovec *iovs,
	   int iovcnt, void *buf, uint64_t offset, uint64_t num, spdkrt_bdev_io_cb cb, void *cb_arg)
{
	struct spdkrt_bdev *bdev = ch->bdev;
	struct spdkrt_bdev_io *io = srt_bdev_io_get(ch->mgmt);

	if (unlikely(io == NULL))
		return NULL;
	io->ch = ch;
	io->bdev = bdev;
	io->cb = cb;
	io->cb_arg = cb_arg;
	io->type = type;
	io->offset_blocks = offset;
	io->num_blocks = num;
	io->status = 0;
	io->has_nvme_status = false;
	io->no_split = false;
	io->parent = NULL;
	io->submit_ticks = ch->thread->now;
	if (buf != NULL) {
		io->iov.iov_base = buf;
		io->iov.iov_len = num << bdev->block_shift;
		io->iovs = &io->iov;
		io->iovcnt = 1;
	} else {
		io->iovs = (struct iovec *)iovs;
		io->iovcnt = iovcnt;
	}
	return io;
}

/* An accepted I/O: held in the core during a reset, else split or handed to the module. */
static ALWAYS_INLINE void io_accept(struct srt_bdev_channel *ch, struct spdkrt_bdev_io *io)
{
	struct spdkrt_bdev *bdev = ch->bdev;

	ch->outstanding++;
	if (unlikely(ch->frozen)) { /* a reset is in progress: it goes on afterwards */
		STAILQ_INSERT_TAIL(&ch->frozen_queue, io, link);
		ch->held++;
		return;
	}
	if (unlikely(bdev->may_split) && !io->no_split && must_split(bdev, io))
		submit_split(io);
	else
		module_submit(ch, io);
}

static ALWAYS_INLINE int submit(struct spdkrt_io_channel *io_ch, enum spdkrt_bdev_io_type type,
				const struct iovec *iovs, int iovcnt, void *buf, uint64_t offset,
				uint64_t num, spdkrt_bdev_io_cb cb, void *cb_arg)
{
	struct srt_bdev_channel *ch = srt_bdev_channel_of(io_ch);
	struct spdkrt_bdev_io *io =
		io_prepare(ch, type, iovs, iovcnt, buf, offset, num, cb, cb_arg);

	if (unlikely(io == NULL))
		return -ENOMEM;
	if (type == SPDKRT_BDEV_IO_UNMAP || type == SPDKRT_BDEV_IO_WRITE_ZEROES) {
		io->unsplit.range.offset_blocks = offset;
		io->unsplit.range.num_blocks = num;
		io->unsplit.ranges = &io->unsplit.range;
		io->unsplit.num_ranges = 1;
	}
	io_accept(ch, io);
	return 0;
}

/* The rarer types (compare-and-write, ranges, passthrough): never split, off the hot path. */
static __attribute__((noinline)) int submit_extra(struct spdkrt_io_channel *io_ch,
						  enum spdkrt_bdev_io_type type, void *buf,
						  uint64_t offset, uint64_t num,
						  spdkrt_bdev_io_cb cb, void *cb_arg,
						  const struct submit_extra *extra)
{
	struct srt_bdev_channel *ch = srt_bdev_channel_of(io_ch);
	struct spdkrt_bdev_io *io = io_prepare(ch, type, NULL, 0, buf, offset, num, cb, cb_arg);

	if (io == NULL)
		return -ENOMEM;
	io->no_split = true;
	apply_extra(io, extra);
	io_accept(ch, io);
	return 0;
}

void srt_bdev_launch(struct srt_bdev_channel *ch, struct spdkrt_bdev_io *io)
{
	struct spdkrt_bdev *bdev = ch->bdev;

	if (bdev->may_split && !io->no_split && must_split(bdev, io))
		submit_split(io);
	else
		module_submit(ch, io);
}

static ALWAYS_INLINE int submit_buf(const char *fn, struct spdkrt_bdev_desc *desc,
				    struct spdkrt_io_channel *io_ch, enum spdkrt_bdev_io_type type,
				    void *buf, uint64_t offset, uint64_t num, spdkrt_bdev_io_cb cb,
				    void *cb_arg)
{
	int rc = check_request(fn, desc, io_ch, cb, type, offset, num);

	if (unlikely(rc != 0))
		return rc;
	if (unlikely(buf == NULL || ((uintptr_t)buf & (desc->bdev->buf_align - 1)) != 0)) {
		SRT_ERR("%s: buffer %p is NULL or not aligned to %zu bytes as '%s' requires", fn,
			buf, desc->bdev->buf_align, desc->bdev->name);
		return -EINVAL;
	}
	return submit(io_ch, type, NULL, 0, buf, offset, num, cb, cb_arg);
}

static int submit_iov(const char *fn, struct spdkrt_bdev_desc *desc,
		      struct spdkrt_io_channel *io_ch, enum spdkrt_bdev_io_type type,
		      const struct iovec *iov, int iovcnt, uint64_t offset, uint64_t num,
		      spdkrt_bdev_io_cb cb, void *cb_arg)
{
	int rc = check_request(fn, desc, io_ch, cb, type, offset, num);
	uint64_t total = 0;
	size_t align;

	if (rc != 0)
		return rc;
	if (iov == NULL || iovcnt <= 0 || iovcnt > MAX_IOVCNT) {
		SRT_ERR("%s: iov is NULL or iovcnt %d is outside 1..%d", fn, iovcnt, MAX_IOVCNT);
		return -EINVAL;
	}
	align = desc->bdev->buf_align;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_base == NULL || ((uintptr_t)iov[i].iov_base & (align - 1)) != 0) {
			SRT_ERR("%s: iov[%d] is NULL or not aligned to %zu bytes", fn, i, align);
			return -EINVAL;
		}
		/* an empty piece would stall the modules that walk pieces; a wrapped sum lies */
		if (iov[i].iov_len == 0 || iov[i].iov_len > UINT64_MAX - total) {
			SRT_ERR("%s: iov[%d] has length 0, or the iovec lengths overflow 64 bits",
				fn, i);
			return -EINVAL;
		}
		total += iov[i].iov_len;
	}
	if (total != num << desc->bdev->block_shift) {
		SRT_ERR("%s: the iovecs hold %llu bytes but %llu blocks of %u bytes were asked", fn,
			(unsigned long long)total, (unsigned long long)num, desc->bdev->block_size);
		return -EINVAL;
	}
	return submit(io_ch, type, iov, iovcnt, NULL, offset, num, cb, cb_arg);
}

static int submit_range(const char *fn, struct spdkrt_bdev_desc *desc,
			struct spdkrt_io_channel *io_ch, enum spdkrt_bdev_io_type type,
			uint64_t offset, uint64_t num, spdkrt_bdev_io_cb cb, void *cb_arg)
{
	int rc = check_request(fn, desc, io_ch, cb, type, offset, num);

	if (rc != 0)
		return rc;
	if (!spdkrt_bdev_io_type_supported(desc->bdev, type)) {
		SRT_ERR("%s: '%s' does not support this I/O type", fn, desc->bdev->name);
		return -ENOTSUP;
	}
	return submit(io_ch, type, NULL, 0, NULL, offset, num, cb, cb_arg);
}

int spdkrt_bdev_read_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch, void *buf,
			    uint64_t offset_blocks, uint64_t num_blocks, spdkrt_bdev_io_cb cb,
			    void *cb_arg)
{
	return submit_buf(__func__, desc, ch, SPDKRT_BDEV_IO_READ, buf, offset_blocks, num_blocks,
			  cb, cb_arg);
}

int spdkrt_bdev_write_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
			     const void *buf, uint64_t offset_blocks, uint64_t num_blocks,
			     spdkrt_bdev_io_cb cb, void *cb_arg)
{
	return submit_buf(__func__, desc, ch, SPDKRT_BDEV_IO_WRITE, (void *)buf, offset_blocks,
			  num_blocks, cb, cb_arg);
}

int spdkrt_bdev_readv_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
			     const struct iovec *iov, int iovcnt, uint64_t offset_blocks,
			     uint64_t num_blocks, spdkrt_bdev_io_cb cb, void *cb_arg)
{
	return submit_iov(__func__, desc, ch, SPDKRT_BDEV_IO_READ, iov, iovcnt, offset_blocks,
			  num_blocks, cb, cb_arg);
}

int spdkrt_bdev_writev_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
			      const struct iovec *iov, int iovcnt, uint64_t offset_blocks,
			      uint64_t num_blocks, spdkrt_bdev_io_cb cb, void *cb_arg)
{
	return submit_iov(__func__, desc, ch, SPDKRT_BDEV_IO_WRITE, iov, iovcnt, offset_blocks,
			  num_blocks, cb, cb_arg);
}

int spdkrt_bdev_write_zeroes_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
				    uint64_t offset_blocks, uint64_t num_blocks,
				    spdkrt_bdev_io_cb cb, void *cb_arg)
{
	return submit_range(__func__, desc, ch, SPDKRT_BDEV_IO_WRITE_ZEROES, offset_blocks,
			    num_blocks, cb, cb_arg);
}

int spdkrt_bdev_unmap_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
			     uint64_t offset_blocks, uint64_t num_blocks, spdkrt_bdev_io_cb cb,
			     void *cb_arg)
{
	return submit_range(__func__, desc, ch, SPDKRT_BDEV_IO_UNMAP, offset_blocks, num_blocks, cb,
			    cb_arg);
}

int spdkrt_bdev_flush_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
			     uint64_t offset_blocks, uint64_t num_blocks, spdkrt_bdev_io_cb cb,
			     void *cb_arg)
{
	return submit_range(__func__, desc, ch, SPDKRT_BDEV_IO_FLUSH, offset_blocks, num_blocks, cb,
			    cb_arg);
}

int spdkrt_bdev_reset(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *io_ch,
		      spdkrt_bdev_io_cb cb, void *cb_arg)
{
	struct srt_bdev_channel *ch;
	struct spdkrt_bdev_io *io;
	/* A reset covers the whole device. */
	int rc = check_request(__func__, desc, io_ch, cb, SPDKRT_BDEV_IO_RESET, 0, 1);

	if (rc == 0)
		rc = check_supported(__func__, desc->bdev, SPDKRT_BDEV_IO_RESET);
	if (rc != 0)
		return rc;
	ch = srt_bdev_channel_of(io_ch);
	io = srt_bdev_io_get(ch->mgmt);
	if (io == NULL)
		return -ENOMEM;
	io->ch = ch;
	io->bdev = ch->bdev;
	io->type = SPDKRT_BDEV_IO_RESET;
	io->offset_blocks = 0;
	io->num_blocks = atomic_load_explicit(&ch->bdev->num_blocks, memory_order_relaxed);
	io->iovs = NULL;
	io->iovcnt = 0;
	io->status = 0;
	io->has_nvme_status = false;
	io->no_split = true;
	io->parent = NULL;
	io->submit_ticks = ch->thread->now;
	srt_bdev_reset_submit(ch, io, cb, cb_arg);
	return 0;
}

/* Byte forms: offset and length must be whole blocks. */
static int bytes_to_blocks(const char *fn, struct spdkrt_bdev_desc *desc, uint64_t offset,
			   uint64_t nbytes, uint64_t *offset_blocks, uint64_t *num_blocks)
{
	uint32_t bs;

	if (desc == NULL) {
		SRT_ERR("%s: desc is NULL", fn);
		return -EINVAL;
	}
	if (!srt_bdev_desc_is_open(desc))
		return stale_desc(fn, desc);
	bs = desc->bdev->block_size;
	if (((offset | nbytes) & (bs - 1)) != 0) {
		SRT_ERR("%s: offset %llu and length %llu must be multiples of the block size %u",
			fn, (unsigned long long)offset, (unsigned long long)nbytes, bs);
		return -EINVAL;
	}
	*offset_blocks = offset >> desc->bdev->block_shift;
	*num_blocks = nbytes >> desc->bdev->block_shift;
	return 0;
}

int spdkrt_bdev_read(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch, void *buf,
		     uint64_t offset, uint64_t nbytes, spdkrt_bdev_io_cb cb, void *cb_arg)
{
	uint64_t off, num;
	int rc = bytes_to_blocks(__func__, desc, offset, nbytes, &off, &num);

	return rc != 0 ? rc :
			 submit_buf(__func__, desc, ch, SPDKRT_BDEV_IO_READ, buf, off, num, cb,
				    cb_arg);
}

int spdkrt_bdev_write(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch, const void *buf,
		      uint64_t offset, uint64_t nbytes, spdkrt_bdev_io_cb cb, void *cb_arg)
{
	uint64_t off, num;
	int rc = bytes_to_blocks(__func__, desc, offset, nbytes, &off, &num);

	return rc != 0 ? rc :
			 submit_buf(__func__, desc, ch, SPDKRT_BDEV_IO_WRITE, (void *)buf, off, num,
				    cb, cb_arg);
}

static int check_supported(const char *fn, struct spdkrt_bdev *bdev, enum spdkrt_bdev_io_type type)
{
	if (!spdkrt_bdev_io_type_supported(bdev, type)) {
		SRT_ERR("%s: '%s' (%s) does not support this I/O type", fn, bdev->name,
			bdev->module->name);
		return -ENOTSUP;
	}
	return 0;
}

static int check_buf(const char *fn, struct spdkrt_bdev *bdev, const void *buf)
{
	if (buf == NULL || ((uintptr_t)buf & (bdev->buf_align - 1)) != 0) {
		SRT_ERR("%s: buffer %p is NULL or not aligned to %zu bytes as '%s' requires", fn,
			buf, bdev->buf_align, bdev->name);
		return -EINVAL;
	}
	return 0;
}

int spdkrt_bdev_compare_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
			       const void *buf, uint64_t offset_blocks, uint64_t num_blocks,
			       spdkrt_bdev_io_cb cb, void *cb_arg)
{
	int rc = check_request(__func__, desc, ch, cb, SPDKRT_BDEV_IO_COMPARE, offset_blocks,
			       num_blocks);

	if (rc == 0)
		rc = check_supported(__func__, desc->bdev, SPDKRT_BDEV_IO_COMPARE);
	if (rc == 0)
		rc = check_buf(__func__, desc->bdev, buf);
	if (rc != 0)
		return rc;
	return submit(ch, SPDKRT_BDEV_IO_COMPARE, NULL, 0, (void *)buf, offset_blocks, num_blocks,
		      cb, cb_arg);
}

int spdkrt_bdev_compare_and_write_blocks(struct spdkrt_bdev_desc *desc,
					 struct spdkrt_io_channel *ch, const void *compare_buf,
					 const void *write_buf, uint64_t offset_blocks,
					 uint64_t num_blocks, spdkrt_bdev_io_cb cb, void *cb_arg)
{
	struct submit_extra extra = { .write_buf = write_buf };
	int rc = check_request(__func__, desc, ch, cb, SPDKRT_BDEV_IO_COMPARE_AND_WRITE,
			       offset_blocks, num_blocks);

	if (rc == 0)
		rc = check_supported(__func__, desc->bdev, SPDKRT_BDEV_IO_COMPARE_AND_WRITE);
	if (rc == 0)
		rc = check_buf(__func__, desc->bdev, compare_buf);
	if (rc == 0)
		rc = check_buf(__func__, desc->bdev, write_buf);
	/* never split: each buffer is one segment, which must fit the module's limit */
	if (rc == 0 && desc->bdev->max_segment_size != 0 &&
	    (num_blocks << desc->bdev->block_shift) > desc->bdev->max_segment_size) {
		SRT_ERR("%s: %llu blocks make a segment larger than the %u bytes '%s' takes",
			__func__, (unsigned long long)num_blocks, desc->bdev->max_segment_size,
			desc->bdev->name);
		rc = -EINVAL;
	}
	if (rc == 0 && num_blocks > desc->bdev->max_compare_and_write_blocks) {
		SRT_ERR("%s: %llu blocks; '%s' compares and writes at most %u at once", __func__,
			(unsigned long long)num_blocks, desc->bdev->name,
			desc->bdev->max_compare_and_write_blocks);
		rc = -EINVAL;
	}
	if (rc != 0)
		return rc;
	return submit_extra(ch, SPDKRT_BDEV_IO_COMPARE_AND_WRITE, (void *)compare_buf,
			    offset_blocks, num_blocks, cb, cb_arg, &extra);
}

int spdkrt_bdev_unmap_ranges(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
			     const struct spdkrt_bdev_range *ranges, uint32_t count,
			     spdkrt_bdev_io_cb cb, void *cb_arg)
{
	struct submit_extra extra = { .ranges = ranges, .num_ranges = count };
	uint64_t total = 0;
	int rc;

	if (ranges == NULL || count == 0) {
		SRT_ERR("%s: ranges is NULL or count is 0", __func__);
		return -EINVAL;
	}
	/* Every range is checked like a one-range request; the first gives the I/O's offset. */
	for (uint32_t i = 0; i < count; i++) {
		rc = check_request(__func__, desc, ch, cb, SPDKRT_BDEV_IO_UNMAP,
				   ranges[i].offset_blocks, ranges[i].num_blocks);
		if (rc != 0)
			return rc;
		if (desc->bdev->max_unmap_blocks != 0 &&
		    ranges[i].num_blocks > desc->bdev->max_unmap_blocks) {
			SRT_ERR("%s: range %u has %llu blocks; '%s' unmaps at most %u per range",
				__func__, i, (unsigned long long)ranges[i].num_blocks,
				desc->bdev->name, desc->bdev->max_unmap_blocks);
			return -EINVAL;
		}
		total += ranges[i].num_blocks;
	}
	if (count > desc->bdev->max_unmap_ranges) {
		SRT_ERR("%s: %u ranges; '%s' takes at most %u at once", __func__, count,
			desc->bdev->name, desc->bdev->max_unmap_ranges);
		return -EINVAL;
	}
	rc = check_supported(__func__, desc->bdev, SPDKRT_BDEV_IO_UNMAP);
	if (rc != 0)
		return rc;
	return submit_extra(ch, SPDKRT_BDEV_IO_UNMAP, NULL, ranges[0].offset_blocks, total, cb,
			    cb_arg, &extra);
}

static int nvme_passthru(const char *fn, enum spdkrt_bdev_io_type type,
			 struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
			 const struct spdkrt_nvme_cmd *cmd, void *buf, size_t nbytes,
			 spdkrt_bdev_io_cb cb, void *cb_arg)
{
	struct submit_extra extra = { .nvme_cmd = cmd, .data = buf, .nbytes = nbytes };
	int rc;

	/* The range check is the one-block request every bdev has; passthrough has no range. */
	rc = check_request(fn, desc, ch, cb, type, 0, 1);
	if (rc == 0)
		rc = check_supported(fn, desc->bdev, type);
	if (rc == 0 && (cmd == NULL || (buf == NULL) != (nbytes == 0))) {
		SRT_ERR("%s: cmd is NULL, or buf and nbytes disagree (%p, %zu)", fn, buf, nbytes);
		rc = -EINVAL;
	}
	if (rc == 0 && buf != NULL)
		rc = check_buf(fn, desc->bdev, buf);
	if (rc != 0)
		return rc;
	return submit_extra(ch, type, NULL, 0, 0, cb, cb_arg, &extra);
}

int spdkrt_bdev_nvme_admin_passthru(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
				    const struct spdkrt_nvme_cmd *cmd, void *buf, size_t nbytes,
				    spdkrt_bdev_io_cb cb, void *cb_arg)
{
	return nvme_passthru(__func__, SPDKRT_BDEV_IO_NVME_ADMIN, desc, ch, cmd, buf, nbytes, cb,
			     cb_arg);
}

int spdkrt_bdev_nvme_io_passthru(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch,
				 const struct spdkrt_nvme_cmd *cmd, void *buf, size_t nbytes,
				 spdkrt_bdev_io_cb cb, void *cb_arg)
{
	return nvme_passthru(__func__, SPDKRT_BDEV_IO_NVME_IO, desc, ch, cmd, buf, nbytes, cb,
			     cb_arg);
}
