/* SPDX-License-Identifier: BSD-3-Clause */
/* bdevperf: the hot path. No allocation, no clock read, no lock and no division per I/O. */
#include "bdevperf.h"

static inline uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state; /* xorshift64* */

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A value in [0, n) from a 64-bit random number: a multiply instead of a modulo. */
static inline uint64_t bounded(uint64_t r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)r * n) >> 64);
}

static inline uint64_t job_next_offset(struct job *j)
{
	uint64_t off;

	if (j->random)
		return j->base_blocks + bounded(rng_next(&j->rng), j->num_slots) * j->io_blocks;
	off = j->seq_offset;
	j->seq_offset += j->io_blocks;
	if (j->seq_offset >= j->seq_limit)
		j->seq_offset = 0;
	return j->base_blocks + off;
}

static void task_issue(struct task *t);
static void task_submit_failed(struct task *t, int rc);
static void read_done(void *arg, int status);
static void write_done(void *arg, int status);

/*
 * Pure reads and writes, the workloads people compare, go straight from their completion
 * callback to the next submit: no per-I/O dispatch on the workload or the operation.
 */
static inline void task_read_next(struct task *t)
{
	struct job *j = t->job;
	int rc;

	t->offset_blocks = job_next_offset(j);
	rc = spdkrt_bdev_read_blocks(j->desc, j->ch, t->buf, t->offset_blocks, j->io_blocks,
				     read_done, t);
	if (unlikely(rc != 0))
		task_submit_failed(t, rc);
}

static inline void task_write_next(struct task *t)
{
	struct job *j = t->job;
	int rc;

	t->offset_blocks = job_next_offset(j);
	rc = spdkrt_bdev_write_blocks(j->desc, j->ch, t->buf, t->offset_blocks, j->io_blocks,
				      write_done, t);
	if (unlikely(rc != 0))
		task_submit_failed(t, rc);
}

static void task_retire(struct task *t)
{
	struct job *j = t->job;

	if (--j->outstanding == 0 && j->stop_received)
		job_done(j);
}

void job_fail(struct job *j, int rc)
{
	j->failed = true;
	if (!j->stopping) {
		j->stopping = true;
		j->end_ticks = spdkrt_get_ticks();
		j->completed_at_stop = atomic_load_explicit(&j->io_completed, memory_order_relaxed);
		post(g_app_thread, request_stop, (void *)(intptr_t)rc);
	}
}

static void verify_fill(struct task *t)
{
	struct job *j = t->job;
	size_t words = j->block_size / sizeof(uint64_t);

	t->seed = ((uint64_t)(j->index + 1) << 40) | ++j->seed_counter;
	for (uint64_t b = 0; b < j->io_blocks; b++) {
		uint64_t *w = (uint64_t *)((char *)t->buf + b * j->block_size);
		uint64_t lba = t->offset_blocks + b;
		uint64_t mix = (lba * 0x9e3779b97f4a7c15ull) ^ t->seed;

		/* Readable in a dump: the LBA, then the write's tag, then a mix of both. */
		w[0] = lba;
		w[1] = t->seed;
		for (size_t k = 2; k < words; k++)
			w[k] = mix + k;
	}
}

/* @return whether the read-back matches; the job's first mismatch is printed. */
static bool verify_check(struct task *t)
{
	struct job *j = t->job;

	if (likely(memcmp(t->buf, t->rbuf, j->io_size) == 0))
		return true;
	if (j->failed)
		return false;
	for (uint64_t b = 0; b < j->io_blocks; b++) {
		const uint64_t *want = (const uint64_t *)((char *)t->buf + b * j->block_size);
		const uint64_t *got = (const uint64_t *)((char *)t->rbuf + b * j->block_size);

		if (memcmp(want, got, j->block_size) != 0) {
			fprintf(stderr,
				"bdevperf: verify failed on bdev %s (core %u) at LBA %" PRIu64
				": expected lba %" PRIu64 " tag 0x%" PRIx64 ", read 0x%" PRIx64
				" 0x%" PRIx64 "\n",
				j->bdev_name, j->core, t->offset_blocks + b, want[0], want[1],
				got[0], got[1]);
			break;
		}
	}
	return false;
}

/* Picks the task's next operation and offset, then submits it. */
void task_next(struct task *t)
{
	struct job *j = t->job;

	switch (j->workload) {
	case WL_READ:
	case WL_RANDREAD:
	case WL_RESET:
		t->op = OP_READ;
		task_read_next(t);
		return;
	case WL_WRITE:
	case WL_RANDWRITE:
		t->op = OP_WRITE;
		task_write_next(t);
		return;
	case WL_RW:
	case WL_RANDRW:
		t->op = (uint32_t)(rng_next(&j->rng) >> 32) < j->read_threshold ? OP_READ :
										  OP_WRITE;
		break;
	case WL_UNMAP:
		t->op = OP_UNMAP;
		break;
	case WL_WRITE_ZEROES:
		t->op = OP_WRITE_ZEROES;
		break;
	case WL_FLUSH:
		t->op = OP_FLUSH;
		break;
	case WL_VERIFY:
		/* Each task owns the slots index, index + q, ...: no two writes overlap. */
		t->op = OP_VERIFY_WRITE;
		t->offset_blocks = j->base_blocks + t->next_slot * j->io_blocks;
		t->next_slot += j->queue_depth;
		if (t->next_slot >= j->num_slots)
			t->next_slot = t->index;
		verify_fill(t);
		task_issue(t);
		return;
	}
	t->offset_blocks = job_next_offset(j);
	task_issue(t);
}

static inline void job_count_completion(struct job *j)
{
	/* Single writer: a relaxed load and store, not a locked increment. */
	atomic_store_explicit(&j->io_completed,
			      atomic_load_explicit(&j->io_completed, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static void io_error(struct task *t, int status)
{
	struct job *j = t->job;

	j->errors++;
	/* A reset may fail the I/O it interrupts: that is expected, count it and go on. */
	if (j->workload == WL_RESET && !j->stopping) {
		task_next(t);
		return;
	}
	if (!j->failed)
		fprintf(stderr,
			"bdevperf: I/O on bdev %s (core %u) at block %" PRIu64 " failed: %s\n",
			j->bdev_name, j->core, t->offset_blocks, spdkrt_strerror(status));
	job_fail(j, 1);
	task_retire(t);
}

/* Accounts a completion; false when the task must not go on (it failed, or the job stops). */
static inline bool task_completed(struct task *t, int status)
{
	if (unlikely(status != 0)) {
		io_error(t, status);
		return false;
	}
	job_count_completion(t->job);
	if (unlikely(t->job->stopping)) {
		task_retire(t);
		return false;
	}
	return true;
}

static void io_done(void *arg, int status)
{
	if (task_completed(arg, status))
		task_next(arg);
}

static void read_done(void *arg, int status)
{
	if (task_completed(arg, status))
		task_read_next(arg);
}

static void write_done(void *arg, int status)
{
	if (task_completed(arg, status))
		task_write_next(arg);
}

static void verify_read_done(void *arg, int status)
{
	struct task *t = arg;
	struct job *j = t->job;

	if (unlikely(status != 0)) {
		io_error(t, status);
		return;
	}
	job_count_completion(j);
	if (!verify_check(t)) {
		j->errors++;
		job_fail(j, 1);
	}
	if (unlikely(j->stopping)) {
		task_retire(t);
		return;
	}
	task_next(t);
}

static void verify_write_done(void *arg, int status)
{
	struct task *t = arg;
	struct job *j = t->job;

	if (unlikely(status != 0)) {
		io_error(t, status);
		return;
	}
	job_count_completion(j);
	/* A started pair finishes even when stopping, so every write is checked. */
	if (unlikely(j->corrupt_every != 0) && ++j->writes_since_corrupt >= j->corrupt_every) {
		j->writes_since_corrupt = 0;
		t->op = OP_VERIFY_CORRUPT;
	} else {
		t->op = OP_VERIFY_READ;
	}
	task_issue(t);
}

static void verify_corrupt_done(void *arg, int status)
{
	struct task *t = arg;

	if (unlikely(status != 0)) {
		io_error(t, status);
		return;
	}
	t->op = OP_VERIFY_READ;
	task_issue(t);
}

static void task_resume(void *arg)
{
	struct task *t = arg;

	/* Woken after -ENOMEM; verify pairs complete even when stopping. */
	if (t->job->stopping && t->op != OP_VERIFY_READ && t->op != OP_VERIFY_CORRUPT) {
		task_retire(t);
		return;
	}
	task_issue(t);
}

static void task_issue(struct task *t)
{
	struct job *j = t->job;
	int rc;

	switch (t->op) {
	case OP_READ:
		rc = spdkrt_bdev_read_blocks(j->desc, j->ch, t->buf, t->offset_blocks, j->io_blocks,
					     io_done, t);
		break;
	case OP_WRITE:
		rc = spdkrt_bdev_write_blocks(j->desc, j->ch, t->buf, t->offset_blocks,
					      j->io_blocks, io_done, t);
		break;
	case OP_UNMAP:
		rc = spdkrt_bdev_unmap_blocks(j->desc, j->ch, t->offset_blocks, j->io_blocks,
					      io_done, t);
		break;
	case OP_WRITE_ZEROES:
		rc = spdkrt_bdev_write_zeroes_blocks(j->desc, j->ch, t->offset_blocks, j->io_blocks,
						     io_done, t);
		break;
	case OP_FLUSH:
		rc = spdkrt_bdev_flush_blocks(j->desc, j->ch, t->offset_blocks, j->io_blocks,
					      io_done, t);
		break;
	case OP_VERIFY_WRITE:
		rc = spdkrt_bdev_write_blocks(j->desc, j->ch, t->buf, t->offset_blocks,
					      j->io_blocks, verify_write_done, t);
		break;
	case OP_VERIFY_CORRUPT:
		/* Test aid: overwrite the first block through a second descriptor. */
		rc = spdkrt_bdev_write_blocks(j->corrupt_desc, j->corrupt_ch, j->corrupt_buf,
					      t->offset_blocks, 1, verify_corrupt_done, t);
		break;
	case OP_VERIFY_READ:
	default:
		rc = spdkrt_bdev_read_blocks(j->desc, j->ch, t->rbuf, t->offset_blocks,
					     j->io_blocks, verify_read_done, t);
		break;
	}
	if (unlikely(rc != 0))
		task_submit_failed(t, rc);
}

/* A submit was refused: wait for an I/O object after -ENOMEM, else the job fails. */
static void task_submit_failed(struct task *t, int rc)
{
	struct job *j = t->job;

	if (rc == -ENOMEM) {
		t->wait.cb_fn = task_resume;
		t->wait.cb_arg = t;
		rc = spdkrt_bdev_queue_io_wait(j->bdev, j->ch, &t->wait);
		if (rc == 0)
			return;
	}
	if (!j->failed)
		fprintf(stderr, "bdevperf: submitting I/O to bdev %s (core %u) failed: %s\n",
			j->bdev_name, j->core, spdkrt_strerror(rc));
	j->errors++;
	job_fail(j, 1);
	task_retire(t);
}
