/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bdevperf's parts: the hot path (io.c), job lifetime on the job's thread (job.c), the app
 * thread (run.c) and the options (options.c). See options.c for what the tool does.
 */
#ifndef SPDKRT_BDEVPERF_H
#define SPDKRT_BDEVPERF_H

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

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

/* The workloads, indexed by enum workload (options.c). */
struct workload_info {
	const char *name;
	bool random;
	bool writes; /* needs a writable descriptor (the library wants one for flush, reset) */
};
extern const struct workload_info g_workloads[];
extern const size_t g_num_workloads;

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

/* Options (options.c). */
extern uint32_t g_queue_depth;
extern uint64_t g_io_size;
extern enum workload g_workload;
extern int g_rwmix;
extern uint64_t g_time_s;
extern uint64_t g_stats_period_s;
extern const char *g_bdev_specs[MAX_BDEVS];
extern uint32_t g_num_bdev_specs;
extern bool g_json;
extern uint32_t g_corrupt_every;

/* Run state shared with the job threads (run.c). */
extern struct spdkrt_thread *g_app_thread;

/* The hot path (io.c). */
void job_fail(struct job *j, int rc);
void task_next(struct task *t);

/* Job lifetime, on the job's thread (job.c). */
void job_done(struct job *j);
void job_setup(void *ctx);
void job_go(void *ctx);
void job_stop(void *ctx);

/* The app thread (run.c). */
void post(struct spdkrt_thread *thread, spdkrt_msg_fn fn, void *ctx);
void job_finished(void *ctx);
void request_stop(void *ctx);
void on_shutdown(void *ctx);
void job_ready(void *ctx);
void start(void *ctx);

#endif
