/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bdevperf: measures bdev I/O performance. Every core of -m runs one job per bdev, each on its
 * own spdkrt thread; a job keeps -q I/Os of -o bytes in flight and submits the next I/O straight
 * from each completion callback (the library's deferred-completion path keeps the stack flat).
 *
 * The hot path (task_next, task_issue, the completion callbacks) does no allocation, no clock
 * read, no lock and no division: time is only read by a timed poller on the app thread.
 *
 * Control flow, all by messages: the app thread creates the bdevs and the jobs; each job opens
 * its bdev on its thread and answers "ready"; the app thread then sends "go" and starts the
 * timer; at the end (timer, SIGINT, or a job's fatal error) it sends "stop" to every job, each
 * job drains its I/O, releases everything and answers "finished"; the app thread prints the
 * results, destroys the bdevs it created and stops the app.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

#include "../common/tool_env.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define MAX_QUEUE_DEPTH 65536u
#define MAX_IO_SIZE (1ull << 30)
#define MAX_BDEVS 64
#define TIMER_PERIOD_US 10000
#define RESET_PERIOD_US 1000000

enum workload {
	WL_READ,
	WL_WRITE,
	WL_RANDREAD,
	WL_RANDWRITE,
	WL_RW,
	WL_RANDRW,
	WL_VERIFY,
	WL_UNMAP,
	WL_WRITE_ZEROES,
	WL_FLUSH,
	WL_RESET,
};

static const struct {
	const char *name;
	bool random;
	bool writes; /* needs a writable descriptor (the library wants one for flush, reset) */
} g_workloads[] = {
	[WL_READ] = { "read", false, false },
	[WL_WRITE] = { "write", false, true },
	[WL_RANDREAD] = { "randread", true, false },
	[WL_RANDWRITE] = { "randwrite", true, true },
	[WL_RW] = { "rw", false, true },
	[WL_RANDRW] = { "randrw", true, true },
	[WL_VERIFY] = { "verify", false, true },
	[WL_UNMAP] = { "unmap", false, true },
	[WL_WRITE_ZEROES] = { "write_zeroes", false, true },
	[WL_FLUSH] = { "flush", false, true },
	/* reset: random reads, plus one reset per job every second */
	[WL_RESET] = { "reset", true, true },
};

/* What a task does next; the verify ops chain write -> (corrupt) -> read -> compare. */
enum task_op {
	OP_READ,
	OP_WRITE,
	OP_UNMAP,
	OP_WRITE_ZEROES,
	OP_FLUSH,
	OP_VERIFY_WRITE,
	OP_VERIFY_CORRUPT,
	OP_VERIFY_READ,
};

struct job;

struct task {
	struct job *job;
	void *buf;  /* data; for verify, what was written */
	void *rbuf; /* verify: what was read back */
	uint64_t offset_blocks;
	enum task_op op;
	uint32_t index;
	uint64_t seed;      /* verify: tag of the last write */
	uint64_t next_slot; /* verify: this task's next slot (tasks own disjoint slots) */
	struct spdkrt_bdev_io_wait_entry wait;
};

struct job {
	/* Hot: read on every I/O. */
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	uint64_t rng;
	uint64_t io_blocks;
	uint64_t base_blocks;    /* first block of this job's range */
	uint64_t num_slots;      /* io-sized slots in the range */
	uint64_t seq_offset;     /* next sequential offset, relative to base_blocks */
	uint64_t seq_limit;      /* num_slots * io_blocks */
	uint32_t read_threshold; /* rw/randrw: read when a 32-bit random value is below it */
	enum workload workload;
	bool random;
	bool stopping;
	uint32_t outstanding;          /* I/Os submitted or waiting for an I/O object */
	_Atomic uint64_t io_completed; /* written by the job thread only; read by the timer */
	uint64_t errors;
	uint64_t seed_counter;
	uint32_t corrupt_every;
	uint32_t writes_since_corrupt;

	/* Cold. */
	struct spdkrt_bdev *bdev;
	const char *bdev_name;
	uint32_t core;
	uint32_t index;
	uint32_t queue_depth;
	uint64_t io_size;
	size_t stride;
	uint32_t block_size;
	struct spdkrt_thread *thread;
	struct task *tasks;
	void *bufs;
	struct spdkrt_bdev_desc *corrupt_desc;
	struct spdkrt_io_channel *corrupt_ch;
	void *corrupt_buf;
	struct spdkrt_poller *reset_poller;
	bool reset_outstanding;
	uint64_t resets;
	bool stop_received;
	bool failed;
	int setup_rc;
	uint64_t start_ticks;
	uint64_t end_ticks;
	uint64_t completed_at_stop;
	uint64_t prev_completed; /* app thread: for -S */
};

/* Options. */
static uint32_t g_queue_depth;
static uint64_t g_io_size;
static enum workload g_workload;
static bool g_workload_set;
static int g_rwmix = -1;
static uint64_t g_time_s;
static uint64_t g_stats_period_s;
static const char *g_bdev_specs[MAX_BDEVS];
static uint32_t g_num_bdev_specs;
static bool g_json;
static uint32_t g_corrupt_every;

/* Run state, owned by the app thread. */
enum phase {
	PHASE_SETUP,
	PHASE_RUN,
	PHASE_STOP,
	PHASE_CLEANUP
};
static enum phase g_phase;
static bool g_stop_pending;
static bool g_ran;
static int g_rc;
static struct spdkrt_thread *g_app_thread;
static struct job **g_jobs;
static uint32_t g_num_jobs;
static uint32_t g_num_ready;
static uint32_t g_num_finished;
static char *g_bdev_names[MAX_BDEVS]; /* bdevs we created, destroyed at the end */
static uint32_t g_num_created;
static uint32_t g_next_destroy;
static struct spdkrt_poller *g_timer;
static uint64_t g_hz;
static uint64_t g_end_ticks;
static uint64_t g_stats_ticks;
static uint64_t g_next_stats;
static uint64_t g_prev_stats;
static uint64_t g_run_start;

static void request_stop(void *ctx);
static void job_finished(void *ctx);

static void post(struct spdkrt_thread *thread, spdkrt_msg_fn fn, void *ctx)
{
	int rc = spdkrt_thread_send_msg(thread, fn, ctx);

	/* The rings hold 16384 messages and we send a handful: a failure is a bug. */
	if (rc != 0) {
		fprintf(stderr, "bdevperf: spdkrt_thread_send_msg: %s\n", spdkrt_strerror(rc));
		abort();
	}
}

/* ---- the hot path ---- */

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
static void job_done(struct job *j);

static void task_retire(struct task *t)
{
	struct job *j = t->job;

	if (--j->outstanding == 0 && j->stop_received)
		job_done(j);
}

static void job_fail(struct job *j, int rc)
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
static void task_next(struct task *t)
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

/* ---- job lifetime, on the job's thread ---- */

static void reset_done(void *arg, int status)
{
	struct job *j = arg;

	j->reset_outstanding = false;
	if (status == 0)
		j->resets++;
	else
		j->errors++;
	if (--j->outstanding == 0 && j->stop_received)
		job_done(j);
}

static int reset_poll(void *arg)
{
	struct job *j = arg;
	int rc;

	if (j->stopping || j->reset_outstanding)
		return SPDKRT_POLLER_IDLE;
	rc = spdkrt_bdev_reset(j->desc, j->ch, reset_done, j);
	if (rc == 0) {
		j->reset_outstanding = true;
		j->outstanding++;
	} else if (rc != -ENOMEM) {
		fprintf(stderr, "bdevperf: submitting a reset to bdev %s failed: %s\n",
			j->bdev_name, spdkrt_strerror(rc));
		j->errors++;
		job_fail(j, 1);
	}
	return SPDKRT_POLLER_BUSY;
}

static void job_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	struct job *j = ctx;

	if (type == SPDKRT_BDEV_EVENT_REMOVE) {
		fprintf(stderr, "bdevperf: bdev %s is being removed; stopping\n",
			spdkrt_bdev_get_name(bdev));
		job_fail(j, 1);
	}
}

/* Releases what job_setup acquired; safe on a partly set up job. */
static void job_release(struct job *j)
{
	spdkrt_poller_unregister(&j->reset_poller);
	if (j->corrupt_ch != NULL)
		spdkrt_put_io_channel(j->corrupt_ch);
	j->corrupt_ch = NULL;
	spdkrt_bdev_close(j->corrupt_desc);
	j->corrupt_desc = NULL;
	if (j->ch != NULL)
		spdkrt_put_io_channel(j->ch);
	j->ch = NULL;
	spdkrt_bdev_close(j->desc);
	j->desc = NULL;
	spdkrt_dma_free(j->bufs);
	j->bufs = NULL;
	spdkrt_dma_free(j->corrupt_buf);
	j->corrupt_buf = NULL;
}

/* Stopped and drained: release everything and tell the app thread (the job's last message). */
static void job_done(struct job *j)
{
	job_release(j);
	post(g_app_thread, job_finished, j);
}

static void job_ready(void *ctx);

static void job_setup(void *ctx)
{
	struct job *j = ctx;
	bool write = g_workloads[j->workload].writes;
	size_t align = spdkrt_bdev_get_buf_align(j->bdev);
	size_t per_task = g_workload == WL_VERIFY ? 2 : 1;
	int socket = spdkrt_env_get_socket_id(j->core);
	int rc;

	if (align < 64)
		align = 64;
	if (socket < 0)
		socket = SPDKRT_ENV_SOCKET_ANY;
	j->stride = (j->io_size + align - 1) & ~(align - 1);

	rc = spdkrt_bdev_open(j->bdev_name, write, job_event, j, &j->desc);
	if (rc != 0) {
		fprintf(stderr, "bdevperf: cannot open bdev %s: %s\n", j->bdev_name,
			spdkrt_strerror(rc));
		goto fail;
	}
	j->ch = spdkrt_bdev_get_io_channel(j->desc);
	if (j->ch == NULL) {
		fprintf(stderr, "bdevperf: cannot get an I/O channel for bdev %s\n", j->bdev_name);
		rc = -ENOMEM;
		goto fail;
	}
	j->bufs = spdkrt_dma_zmalloc(j->stride * per_task * j->queue_depth, align, socket);
	if (j->bufs == NULL) {
		fprintf(stderr,
			"bdevperf: cannot allocate %zu bytes of DMA memory for bdev %s's buffers "
			"(raise -s)\n",
			j->stride * per_task * j->queue_depth, j->bdev_name);
		rc = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < j->queue_depth; i++) {
		struct task *t = &j->tasks[i];

		t->job = j;
		t->index = i;
		t->next_slot = i;
		t->buf = (char *)j->bufs + (size_t)i * per_task * j->stride;
		if (per_task == 2)
			t->rbuf = (char *)t->buf + j->stride;
	}
	if (j->corrupt_every != 0) {
		rc = spdkrt_bdev_open(j->bdev_name, true, job_event, j, &j->corrupt_desc);
		if (rc == 0) {
			j->corrupt_ch = spdkrt_bdev_get_io_channel(j->corrupt_desc);
			j->corrupt_buf = spdkrt_dma_malloc(j->block_size, align, socket);
			if (j->corrupt_ch == NULL || j->corrupt_buf == NULL)
				rc = -ENOMEM;
			else
				memset(j->corrupt_buf, 0x5a, j->block_size);
		}
		if (rc != 0) {
			fprintf(stderr, "bdevperf: cannot set up corruption injection: %s\n",
				spdkrt_strerror(rc));
			goto fail;
		}
	}
	if (j->workload == WL_RESET) {
		rc = spdkrt_poller_register(reset_poll, j, RESET_PERIOD_US, &j->reset_poller);
		if (rc != 0)
			goto fail;
	}
	j->setup_rc = 0;
	post(g_app_thread, job_ready, j);
	return;
fail:
	job_release(j);
	j->setup_rc = rc;
	post(g_app_thread, job_ready, j);
}

static void job_go(void *ctx)
{
	struct job *j = ctx;

	j->start_ticks = spdkrt_get_ticks();
	/* No completion runs inside a submit call, so this loop never recurses. */
	for (uint32_t i = 0; i < j->queue_depth && !j->stopping; i++) {
		j->outstanding++;
		task_next(&j->tasks[i]);
	}
}

static void job_stop(void *ctx)
{
	struct job *j = ctx;

	j->stop_received = true;
	if (!j->stopping) {
		j->stopping = true;
		j->end_ticks = spdkrt_get_ticks();
		j->completed_at_stop = atomic_load_explicit(&j->io_completed, memory_order_relaxed);
	}
	spdkrt_poller_unregister(&j->reset_poller);
	if (j->outstanding == 0)
		job_done(j);
}

/* ---- the app thread: setup, timing, results, cleanup ---- */

static double job_runtime_s(const struct job *j)
{
	return j->end_ticks > j->start_ticks ? (double)(j->end_ticks - j->start_ticks) / g_hz : 0;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_results(void)
{
	double total_iops = 0, total_mibps = 0, total_fails = 0, total_qd = 0;
	uint64_t total_errors = 0;

	if (!g_json) {
		printf("\n%-20s %4s %10s %14s %10s %9s %13s\n", "Job", "Core", "Runtime(s)", "IOPS",
		       "MiB/s", "Fail/s", "Avg lat(us)");
	} else {
		printf("{\"workload\":\"%s\",\"queue_depth\":%u,\"io_size\":%" PRIu64
		       ",\"time_s\":%" PRIu64 ",\"jobs\":[",
		       g_workloads[g_workload].name, g_queue_depth, g_io_size, g_time_s);
	}
	for (uint32_t i = 0; i < g_num_jobs; i++) {
		const struct job *j = g_jobs[i];
		double rt = job_runtime_s(j);
		double iops = rt > 0 ? (double)j->completed_at_stop / rt : 0;
		double mibps = iops * (double)j->io_size / (1024.0 * 1024.0);
		double fails = rt > 0 ? (double)j->errors / rt : 0;
		/* Little's law: time in the system = number in the system / throughput. */
		double lat = iops > 0 ? (double)j->queue_depth * 1e6 / iops : 0;

		total_iops += iops;
		total_mibps += mibps;
		total_fails += fails;
		total_errors += j->errors;
		total_qd += j->queue_depth;
		if (!g_json) {
			printf("%-20s %4u %10.2f %14.2f %10.2f %9.2f %13.2f\n", j->bdev_name,
			       j->core, rt, iops, mibps, fails, lat);
			continue;
		}
		printf("%s{\"bdev\":", i > 0 ? "," : "");
		json_string(j->bdev_name);
		printf(",\"core\":%u,\"runtime_s\":%.6f,\"io_completed\":%" PRIu64
		       ",\"iops\":%.2f,\"mibps\":%.2f,\"avg_lat_us\":%.3f,\"errors\":%" PRIu64,
		       j->core, rt, j->completed_at_stop, iops, mibps, lat, j->errors);
		if (j->workload == WL_RESET)
			printf(",\"resets\":%" PRIu64, j->resets);
		putchar('}');
	}
	if (!g_json) {
		for (int i = 0; i < 86; i++)
			putchar('=');
		putchar('\n');
		printf("%-20s %4s %10s %14.2f %10.2f %9.2f %13.2f\n", "Total", "", "", total_iops,
		       total_mibps, total_fails, total_iops > 0 ? total_qd * 1e6 / total_iops : 0);
	} else {
		printf("],\"total\":{\"iops\":%.2f,\"mibps\":%.2f,\"avg_lat_us\":%.3f,"
		       "\"errors\":%" PRIu64 "}}\n",
		       total_iops, total_mibps, total_iops > 0 ? total_qd * 1e6 / total_iops : 0,
		       total_errors);
	}
	fflush(stdout);
}

static void free_jobs(void)
{
	for (uint32_t i = 0; i < g_num_jobs; i++) {
		free(g_jobs[i]->tasks);
		free(g_jobs[i]);
	}
	free(g_jobs);
	g_jobs = NULL;
	g_num_jobs = 0;
}

static void destroy_next_bdev(void *ctx, int status);

static void finish(void)
{
	g_phase = PHASE_CLEANUP;
	g_next_destroy = 0;
	destroy_next_bdev(NULL, 0);
}

/*
 * Destroys the bdevs created by -b one after the other, last created first (a virtual bdev
 * goes before the base it claims), then stops the app.
 */
static void destroy_next_bdev(void *ctx, int status)
{
	(void)ctx;
	if (status != 0)
		fprintf(stderr, "bdevperf: destroying bdev %s: %s\n",
			g_bdev_names[g_num_created - g_next_destroy], spdkrt_strerror(status));
	while (g_next_destroy < g_num_created) {
		const char *name = g_bdev_names[g_num_created - 1 - g_next_destroy++];
		int rc = spdkrt_bdev_destroy(name, destroy_next_bdev, NULL);

		if (rc == 0)
			return;
		fprintf(stderr, "bdevperf: cannot destroy bdev %s: %s\n", name,
			spdkrt_strerror(rc));
	}
	for (uint32_t i = 0; i < g_num_created; i++)
		free(g_bdev_names[i]);
	g_num_created = 0;
	free_jobs();
	spdkrt_app_stop(g_rc);
}

static void begin_stop(void)
{
	g_phase = PHASE_STOP;
	spdkrt_poller_unregister(&g_timer);
	for (uint32_t i = 0; i < g_num_jobs; i++)
		post(g_jobs[i]->thread, job_stop, g_jobs[i]);
}

static void job_finished(void *ctx)
{
	(void)ctx;
	if (++g_num_finished < g_num_jobs)
		return;
	if (g_ran)
		print_results();
	finish();
}

/* From a job's fatal error (ctx: the exit code) or SIGINT/SIGTERM (ctx: 0). */
static void request_stop(void *ctx)
{
	int rc = (int)(intptr_t)ctx;

	if (rc != 0)
		g_rc = rc;
	if (g_phase == PHASE_SETUP)
		g_stop_pending = true;
	else if (g_phase == PHASE_RUN)
		begin_stop();
}

static void on_shutdown(void *ctx)
{
	(void)ctx;
	if (!g_json)
		fprintf(stderr, "bdevperf: interrupted; stopping\n");
	request_stop(NULL);
}

static uint64_t total_completed(void)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < g_num_jobs; i++)
		n += atomic_load_explicit(&g_jobs[i]->io_completed, memory_order_relaxed);
	return n;
}

static int timer_poll(void *ctx)
{
	uint64_t now = spdkrt_get_ticks();

	(void)ctx;
	if (g_stats_ticks != 0 && now >= g_next_stats) {
		double dt = (double)(now - g_prev_stats) / g_hz;
		uint64_t n = total_completed();
		uint64_t delta = 0;
		double iops;

		for (uint32_t i = 0; i < g_num_jobs; i++) {
			uint64_t c = atomic_load_explicit(&g_jobs[i]->io_completed,
							  memory_order_relaxed);

			delta += c - g_jobs[i]->prev_completed;
			g_jobs[i]->prev_completed = c;
		}
		iops = dt > 0 ? (double)delta / dt : 0;
		/* Interim lines go to stderr with --json so that stdout stays one object. */
		fprintf(g_json ? stderr : stdout,
			"[%7.2f s] Total: %14.2f IOPS %10.2f MiB/s (%" PRIu64 " I/Os)\n",
			(double)(now - g_run_start) / g_hz, iops,
			iops * (double)g_io_size / (1024.0 * 1024.0), n);
		fflush(g_json ? stderr : stdout);
		g_prev_stats = now;
		g_next_stats += g_stats_ticks;
	}
	if (now >= g_end_ticks) {
		begin_stop();
		return SPDKRT_POLLER_BUSY;
	}
	return SPDKRT_POLLER_IDLE;
}

static void job_ready(void *ctx)
{
	struct job *j = ctx;
	int rc;

	if (j->setup_rc != 0)
		g_rc = 1;
	if (++g_num_ready < g_num_jobs)
		return;
	if (g_rc != 0 || g_stop_pending) {
		/* Nothing ran: stop every job (each answers finished) without results. */
		g_phase = PHASE_RUN;
		begin_stop();
		return;
	}
	g_hz = spdkrt_get_ticks_hz();
	g_run_start = spdkrt_get_ticks();
	g_end_ticks = g_run_start + g_time_s * g_hz;
	g_stats_ticks = g_stats_period_s * g_hz;
	g_next_stats = g_run_start + g_stats_ticks;
	g_prev_stats = g_run_start;
	rc = spdkrt_poller_register(timer_poll, NULL, TIMER_PERIOD_US, &g_timer);
	if (rc != 0) {
		fprintf(stderr, "bdevperf: cannot register the timer: %s\n", spdkrt_strerror(rc));
		g_rc = 1;
		g_phase = PHASE_RUN;
		begin_stop();
		return;
	}
	if (!g_json)
		printf("Running %s for %" PRIu64 " s: %u job(s), queue depth %u, I/O size %" PRIu64
		       " bytes\n",
		       g_workloads[g_workload].name, g_time_s, g_num_jobs, g_queue_depth,
		       g_io_size);
	fflush(stdout);
	g_ran = true;
	g_phase = PHASE_RUN;
	for (uint32_t i = 0; i < g_num_jobs; i++)
		post(g_jobs[i]->thread, job_go, g_jobs[i]);
}

static bool workload_supported(struct spdkrt_bdev *bdev)
{
	switch (g_workload) {
	case WL_READ:
	case WL_RANDREAD:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_READ);
	case WL_WRITE:
	case WL_RANDWRITE:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_WRITE);
	case WL_RW:
	case WL_RANDRW:
	case WL_VERIFY:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_READ) &&
		       spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_WRITE);
	case WL_UNMAP:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_UNMAP);
	case WL_WRITE_ZEROES:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_WRITE_ZEROES);
	case WL_FLUSH:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_FLUSH);
	case WL_RESET:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_READ) &&
		       spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_RESET);
	}
	return false;
}

/* Checks that the workload fits a bdev shared by `jobs` jobs. @return 0 or -EINVAL (printed). */
static int check_bdev(struct spdkrt_bdev *bdev, uint32_t jobs)
{
	const char *name = spdkrt_bdev_get_name(bdev);
	uint32_t bs = spdkrt_bdev_get_block_size(bdev);
	uint32_t wu = spdkrt_bdev_get_write_unit_size(bdev);
	uint64_t slots;

	if (bs == 0 || g_io_size % bs != 0) {
		fprintf(stderr,
			"bdevperf: -o %" PRIu64 " is not a multiple of bdev %s's block "
			"size %u\n",
			g_io_size, name, bs);
		return -EINVAL;
	}
	if (g_workload == WL_VERIFY && bs % sizeof(uint64_t) != 0) {
		fprintf(stderr, "bdevperf: verify needs a block size that is a multiple of 8\n");
		return -EINVAL;
	}
	if (!workload_supported(bdev)) {
		fprintf(stderr, "bdevperf: bdev %s (%s) does not support the %s workload\n", name,
			spdkrt_bdev_get_module_name(bdev), g_workloads[g_workload].name);
		return -EINVAL;
	}
	if (g_workloads[g_workload].writes && wu > 1 && (g_io_size / bs) % wu != 0) {
		fprintf(stderr,
			"bdevperf: -o %" PRIu64 " is not a multiple of bdev %s's write "
			"unit of %u blocks\n",
			g_io_size, name, wu);
		return -EINVAL;
	}
	slots = spdkrt_bdev_get_num_blocks(bdev) / (g_io_size / bs) / jobs;
	if (slots == 0) {
		fprintf(stderr,
			"bdevperf: bdev %s is too small for %u job(s) of %" PRIu64 "-byte I/O\n",
			name, jobs, g_io_size);
		return -EINVAL;
	}
	if (g_workload == WL_VERIFY && slots < g_queue_depth) {
		fprintf(stderr,
			"bdevperf: verify needs at least -q x -o bytes of bdev per job: bdev %s "
			"gives each of its %u job(s) %" PRIu64 " I/O slots, -q is %u\n",
			name, jobs, slots, g_queue_depth);
		return -EINVAL;
	}
	return 0;
}

static int create_job(struct spdkrt_bdev *bdev, uint32_t core, uint32_t k, uint32_t jobs_per_bdev)
{
	struct job *j;
	char name[96];
	uint64_t io_blocks, slots, seed;
	int rc;

	/* Own cache lines: the timer reads io_completed from another core. */
	j = aligned_alloc(64, (sizeof(*j) + 63) & ~(size_t)63);
	if (j == NULL)
		return -ENOMEM;
	memset(j, 0, sizeof(*j));
	j->tasks = calloc(g_queue_depth, sizeof(*j->tasks));
	if (j->tasks == NULL) {
		free(j);
		return -ENOMEM;
	}
	j->bdev = bdev;
	j->bdev_name = spdkrt_bdev_get_name(bdev);
	j->core = core;
	j->index = g_num_jobs;
	j->workload = g_workload;
	j->random = g_workloads[g_workload].random;
	j->queue_depth = g_queue_depth;
	j->io_size = g_io_size;
	j->block_size = spdkrt_bdev_get_block_size(bdev);
	io_blocks = g_io_size / j->block_size;
	/* Jobs sharing a bdev get disjoint ranges, so verify jobs cannot overwrite each other. */
	slots = spdkrt_bdev_get_num_blocks(bdev) / io_blocks / jobs_per_bdev;
	j->io_blocks = io_blocks;
	j->num_slots = slots;
	j->seq_limit = slots * io_blocks;
	j->base_blocks = (uint64_t)k * slots * io_blocks;
	j->corrupt_every = g_workload == WL_VERIFY ? g_corrupt_every : 0;
	if (g_workload == WL_RW || g_workload == WL_RANDRW)
		j->read_threshold = (uint32_t)(((uint64_t)g_rwmix << 32) / 100);
	seed = spdkrt_get_ticks() ^ ((uint64_t)(g_num_jobs + 1) * 0x9e3779b97f4a7c15ull);
	j->rng = seed != 0 ? seed : 1;
	g_jobs[g_num_jobs++] = j;

	snprintf(name, sizeof(name), "bdevperf_%s_c%u", j->bdev_name, core);
	rc = spdkrt_app_thread_create(name, core, &j->thread);
	if (rc != 0) {
		fprintf(stderr, "bdevperf: cannot create a thread on core %u: %s\n", core,
			spdkrt_strerror(rc));
		g_num_jobs--;
		free(j->tasks);
		free(j);
		return rc;
	}
	return 0;
}

static void start(void *ctx)
{
	struct spdkrt_bdev *bdevs[MAX_BDEVS];
	uint32_t num_cores = spdkrt_env_get_core_count();
	int rc;

	(void)ctx;
	g_app_thread = spdkrt_get_thread();
	for (uint32_t i = 0; i < g_num_bdev_specs; i++) {
		rc = spdkrt_bdev_create(g_bdev_specs[i], &bdevs[i]);
		if (rc != 0) {
			fprintf(stderr, "bdevperf: cannot create a bdev from '%s': %s%s\n",
				g_bdev_specs[i], spdkrt_strerror(rc),
				rc == -ENOMEM ? " (raise -s)" : "");
			goto fail;
		}
		g_bdev_names[g_num_created] = strdup(spdkrt_bdev_get_name(bdevs[i]));
		if (g_bdev_names[g_num_created] == NULL)
			goto fail;
		g_num_created++;
		if (check_bdev(bdevs[i], num_cores) != 0)
			goto fail;
	}
	g_jobs = calloc((size_t)num_cores * g_num_bdev_specs, sizeof(*g_jobs));
	if (g_jobs == NULL)
		goto fail;
	for (uint32_t b = 0; b < g_num_bdev_specs; b++) {
		uint32_t k = 0;

		/* A base claimed by a virtual bdev given later (-b crypto:base=...) is only
		 * reached through that bdev, as in SPDK's bdevperf. */
		if (spdkrt_bdev_is_claimed(bdevs[b])) {
			/* With --json, stdout carries the JSON object only. */
			fprintf(g_json ? stderr : stdout,
				"bdevperf: %s is claimed by another bdev; no job runs on it\n",
				spdkrt_bdev_get_name(bdevs[b]));
			continue;
		}
		for (uint32_t core = spdkrt_env_get_first_core(); core != SPDKRT_ENV_CORE_INVALID;
		     core = spdkrt_env_get_next_core(core)) {
			if (create_job(bdevs[b], core, k++, num_cores) != 0)
				goto fail_jobs;
		}
	}
	g_phase = PHASE_SETUP;
	for (uint32_t i = 0; i < g_num_jobs; i++)
		post(g_jobs[i]->thread, job_setup, g_jobs[i]);
	return;

fail_jobs:
	if (g_num_jobs > 0) {
		/* The threads exist: let them set up and stop through the normal path. */
		g_rc = 1;
		g_phase = PHASE_SETUP;
		for (uint32_t i = 0; i < g_num_jobs; i++)
			post(g_jobs[i]->thread, job_setup, g_jobs[i]);
		return;
	}
fail:
	g_rc = 1;
	finish();
}

/* ---- options ---- */

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s -q DEPTH -o SIZE -w WORKLOAD -t SECONDS -b SPEC [options]\n"
		"\n"
		"Measures bdev I/O performance: each core of -m runs one job per bdev;\n"
		"a job keeps DEPTH I/Os of SIZE bytes in flight for SECONDS seconds.\n"
		"\n"
		"  -q, --queue-depth DEPTH  I/Os in flight per job (1-%u)\n"
		"  -o, --io-size SIZE       I/O size in bytes (k, m suffixes: 4k)\n"
		"  -w, --workload TYPE      read, write, randread, randwrite, rw, randrw,\n"
		"                           verify, unmap, write_zeroes, flush, reset\n"
		"                           (reset: random reads, a reset per job each second)\n"
		"  -M, --rwmixread PCT      read percentage of rw and randrw (0-100, required)\n"
		"  -t, --time SECONDS       run time\n"
		"  -b, --bdev SPEC          create a bdev and run on it (repeatable, required):\n"
		"                           malloc:name=Malloc0,size_mb=128[,block_size=4096]\n"
		"                           null:name=Null0,size_mb=1024[,complete=submit|poller]\n"
		"  -C                       every core runs every bdev (always the case here)\n"
		"  -S, --stats-period SEC   print interim totals every SEC seconds\n" TOOL_ENV_USAGE
		"      --json               print the results as one JSON object on stdout\n"
		"      --inject-corruption N  test aid for verify: after every Nth write,\n"
		"                           overwrite a block through a second descriptor\n"
		"                           (so verify must fail)\n"
		"  -h, --help               print this help\n"
		"\n"
		"Exit status: 0 on success; 1 for bad options, setup failures, I/O errors\n"
		"or a verify mismatch.\n",
		prog, MAX_QUEUE_DEPTH);
}

/* Parses a decimal number with an optional k/m/g (x1024) suffix when allowed. */
static bool parse_u64(const char *s, bool suffix, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (suffix && *p != '\0' && p[1] == '\0') {
		switch (*p) {
		case 'k':
		case 'K':
			mult = 1ull << 10;
			break;
		case 'm':
		case 'M':
			mult = 1ull << 20;
			break;
		case 'g':
		case 'G':
			mult = 1ull << 30;
			break;
		default:
			return false;
		}
		p++;
	}
	if (*p != '\0' || (v != 0 && mult > UINT64_MAX / v))
		return false;
	*out = v * mult;
	return true;
}

__attribute__((format(printf, 2, 3))) static int bad_option(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	return 1;
}

enum {
	OPT_JSON = 256,
	OPT_CORRUPT
};

/* @return -1 to run, else the exit code. */
static int parse_args(int argc, char **argv, struct tool_env *env)
{
	static const struct option long_opts[] = {
		{ "queue-depth", required_argument, NULL, 'q' },
		{ "io-size", required_argument, NULL, 'o' },
		{ "workload", required_argument, NULL, 'w' },
		{ "rwmixread", required_argument, NULL, 'M' },
		{ "time", required_argument, NULL, 't' },
		{ "bdev", required_argument, NULL, 'b' },
		{ "stats-period", required_argument, NULL, 'S' },
		TOOL_ENV_LONG_OPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "inject-corruption", required_argument, NULL, OPT_CORRUPT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = argv[0];
	uint64_t v;
	size_t w;
	int c, shared;

	if (argc < 2) {
		usage(stderr, prog);
		return 1;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":q:o:w:M:t:b:CS:h" TOOL_ENV_SHORT_OPTS, long_opts,
				NULL)) != -1) {
		shared = tool_env_option(env, c, optarg, prog);
		if (shared < 0) {
			fprintf(stderr, "Try '%s --help' for more information.\n", prog);
			return 1;
		}
		if (shared > 0)
			continue;
		switch (c) {
		case 'q':
			if (!parse_u64(optarg, false, &v) || v == 0 || v > MAX_QUEUE_DEPTH)
				return bad_option(prog, "invalid queue depth '%s' (-q 1-%u)",
						  optarg, MAX_QUEUE_DEPTH);
			g_queue_depth = (uint32_t)v;
			break;
		case 'o':
			if (!parse_u64(optarg, true, &v) || v == 0 || v > MAX_IO_SIZE)
				return bad_option(prog, "invalid I/O size '%s' (-o 512, 4k, ...)",
						  optarg);
			g_io_size = v;
			break;
		case 'w':
			for (w = 0; w < sizeof(g_workloads) / sizeof(g_workloads[0]); w++)
				if (strcmp(optarg, g_workloads[w].name) == 0)
					break;
			if (w == sizeof(g_workloads) / sizeof(g_workloads[0]))
				return bad_option(prog, "unknown workload '%s' (see --help)",
						  optarg);
			g_workload = (enum workload)w;
			g_workload_set = true;
			break;
		case 'M':
			if (!parse_u64(optarg, false, &v) || v > 100)
				return bad_option(prog, "invalid read percentage '%s' (-M 0-100)",
						  optarg);
			g_rwmix = (int)v;
			break;
		case 't':
			if (!parse_u64(optarg, false, &v) || v == 0 || v > 1000000)
				return bad_option(prog, "invalid run time '%s' (-t SECONDS, > 0)",
						  optarg);
			g_time_s = v;
			break;
		case 'b':
			if (g_num_bdev_specs == MAX_BDEVS)
				return bad_option(prog, "too many -b (at most %d)", MAX_BDEVS);
			g_bdev_specs[g_num_bdev_specs++] = optarg;
			break;
		case 'C':
			break;
		case 'S':
			if (!parse_u64(optarg, false, &v) || v == 0 || v > 1000000)
				return bad_option(prog, "invalid stats period '%s' (-S SECONDS)",
						  optarg);
			g_stats_period_s = v;
			break;
		case OPT_JSON:
			g_json = true;
			break;
		case OPT_CORRUPT:
			if (!parse_u64(optarg, false, &v) || v == 0 || v > UINT32_MAX)
				return bad_option(prog, "invalid --inject-corruption '%s' (N > 0)",
						  optarg);
			g_corrupt_every = (uint32_t)v;
			break;
		case 'h':
			usage(stdout, prog);
			return 0;
		case ':':
			return bad_option(prog, "option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt != 0)
				return bad_option(prog, "unknown option '-%c'", optopt);
			return bad_option(prog, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_option(prog, "unexpected argument '%s'", argv[optind]);
	if (g_queue_depth == 0)
		return bad_option(prog, "%s", "missing -q (queue depth)");
	if (g_io_size == 0)
		return bad_option(prog, "%s", "missing -o (I/O size in bytes)");
	if (!g_workload_set)
		return bad_option(prog, "%s", "missing -w (workload)");
	if (g_time_s == 0)
		return bad_option(prog, "%s", "missing -t (run time in seconds)");
	if (g_num_bdev_specs == 0)
		return bad_option(prog, "%s",
				  "missing -b (a bdev: -b malloc:name=Malloc0,size_mb=128)");
	if ((g_workload == WL_RW || g_workload == WL_RANDRW) && g_rwmix < 0)
		return bad_option(prog, "%s", "-w rw and randrw need -M (read percentage, 0-100)");
	if (g_rwmix >= 0 && g_workload != WL_RW && g_workload != WL_RANDRW)
		return bad_option(prog, "-M applies only to rw and randrw, not to %s",
				  g_workloads[g_workload].name);
	if (g_corrupt_every != 0 && g_workload != WL_VERIFY)
		return bad_option(prog, "%s", "--inject-corruption applies only to -w verify");
	/* Pure mixes are the plain workloads, without a random draw per I/O. */
	if (g_rwmix == 100)
		g_workload = g_workload == WL_RW ? WL_READ : WL_RANDREAD;
	else if (g_rwmix == 0)
		g_workload = g_workload == WL_RW ? WL_WRITE : WL_RANDWRITE;
	return -1;
}

int main(int argc, char **argv)
{
	struct spdkrt_app_opts opts;
	struct tool_env env;
	int rc;

	tool_env_init(&env);
	rc = parse_args(argc, argv, &env);
	if (rc >= 0)
		return rc;
	spdkrt_app_opts_init(&opts, sizeof(opts));
	opts.name = "bdevperf";
	opts.shutdown_cb = on_shutdown;
	/* Without hugepages and -s, the memory follows the bdevs asked for. */
	tool_env_to_app_opts(&env, g_bdev_specs, g_num_bdev_specs, &opts);
	rc = spdkrt_app_run(&opts, start, NULL);
	if (rc < 0) {
		fprintf(stderr, "bdevperf: cannot run: %s\n", spdkrt_strerror(rc));
		return 1;
	}
	return rc == 0 ? 0 : 1;
}
