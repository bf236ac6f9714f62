/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs the passthru example module: registers it, stacks "passthru:name=PT0,base=Malloc0" on a
 * malloc bdev, writes a pattern over the whole passthru bdev and reads it back verified, at a
 * queue depth the per-thread I/O pool cannot hold twice over (so the module's back-pressure
 * path is taken), then tears everything down. Exit status 0 when every block verified.
 *
 * Build against an installed spdkrt:
 *   cc passthru.c passthru_verify.c $(pkg-config --cflags --libs spdkrt) -o passthru_verify
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

#include "passthru.h"

#define NUM_BLOCKS 2048
#define BLOCK 512
#define IO_BLOCKS 8
#define QUEUE_DEPTH 12
#define POOL 16 /* < 2 * QUEUE_DEPTH: each passthru I/O also needs one for the base */

struct job {
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	char *buf;
	bool writing;
	uint64_t next, done_blocks, errors, mismatches, in_flight;
};

struct slot {
	struct job *job;
	uint64_t offset;
	char *buf;
	struct spdkrt_bdev_io_wait_entry wait;
};

static struct slot g_slots[QUEUE_DEPTH];

static void fill(char *buf, uint64_t block)
{
	for (int i = 0; i < BLOCK; i++)
		buf[i] = (char)(block * 7 + (uint64_t)i);
}

static void start(struct slot *s);

static void io_done(void *arg, int status)
{
	struct slot *s = arg;
	struct job *j = s->job;
	char want[BLOCK];

	j->in_flight--;
	if (status != 0) {
		j->errors++;
	} else if (!j->writing) {
		for (uint64_t b = 0; b < IO_BLOCKS; b++) {
			fill(want, s->offset + b);
			if (memcmp(s->buf + b * BLOCK, want, BLOCK) != 0)
				j->mismatches++;
		}
	}
	j->done_blocks += IO_BLOCKS;
	start(s);
}

/* Submits the slot's I/O; when the thread's I/O pool is dry, again once one is free. */
static void issue(void *arg)
{
	struct slot *s = arg;
	struct job *j = s->job;
	int rc;

	if (j->writing)
		rc = spdkrt_bdev_write_blocks(j->desc, j->ch, s->buf, s->offset, IO_BLOCKS, io_done,
					      s);
	else
		rc = spdkrt_bdev_read_blocks(j->desc, j->ch, s->buf, s->offset, IO_BLOCKS, io_done,
					     s);
	if (rc == -ENOMEM) {
		s->wait.cb_fn = issue;
		s->wait.cb_arg = s;
		spdkrt_bdev_queue_io_wait(spdkrt_bdev_desc_get_bdev(j->desc), j->ch, &s->wait);
		return;
	}
	if (rc != 0) {
		j->errors++;
		j->done_blocks += IO_BLOCKS;
		return;
	}
	j->in_flight++;
}

static void start(struct slot *s)
{
	struct job *j = s->job;

	if (j->next >= NUM_BLOCKS)
		return;
	s->offset = j->next;
	j->next += IO_BLOCKS;
	if (j->writing)
		for (uint64_t b = 0; b < IO_BLOCKS; b++)
			fill(s->buf + b * BLOCK, s->offset + b);
	issue(s);
}

static void ignore(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	(void)type;
	(void)bdev;
	(void)ctx;
}

static void set_flag(void *ctx, int status)
{
	*(int *)ctx = status == 0 ? 1 : -1;
}

static void module_gone(void *ctx)
{
	*(int *)ctx = 1;
}

static void poll_until(struct spdkrt_thread *t, const int *flag)
{
	for (long i = 0; *flag == 0 && i < 100000000L; i++)
		spdkrt_thread_poll(t, 0, 0);
}

static int run_phase(struct spdkrt_thread *t, struct job *j, bool writing)
{
	j->writing = writing;
	j->next = 0;
	j->done_blocks = 0;
	for (int i = 0; i < QUEUE_DEPTH; i++)
		start(&g_slots[i]);
	for (long i = 0; j->done_blocks < NUM_BLOCKS && i < 100000000L; i++)
		spdkrt_thread_poll(t, 0, 0);
	printf("%s: %llu blocks, %llu errors, %llu mismatches\n", writing ? "write" : "verify",
	       (unsigned long long)j->done_blocks, (unsigned long long)j->errors,
	       (unsigned long long)j->mismatches);
	return j->done_blocks == NUM_BLOCKS && j->errors == 0 && j->mismatches == 0 ? 0 : 1;
}

int main(void)
{
	struct spdkrt_env_opts env;
	struct spdkrt_bdev_opts opts;
	struct spdkrt_thread *t;
	struct job j = { 0 };
	int rc, failed = 0, done = 0;

	spdkrt_env_opts_init(&env, sizeof(env));
	env.name = "passthru_verify";
	env.no_huge = true;
	env.mem_size_mb = 64;
	rc = spdkrt_env_init(&env);
	if (rc != 0 || spdkrt_thread_create("main", &t) != 0) {
		fprintf(stderr, "environment: %s\n", spdkrt_strerror(rc));
		return 1;
	}
	spdkrt_set_thread(t);
	spdkrt_bdev_opts_init(&opts, sizeof(opts));
	opts.io_pool_size = POOL;
	if (spdkrt_bdev_set_opts(&opts) != 0 || passthru_register() != 0 ||
	    spdkrt_bdev_create("malloc:name=Malloc0,num_blocks=2048", NULL) != 0 ||
	    spdkrt_bdev_create("passthru:name=PT0,base=Malloc0", NULL) != 0 ||
	    spdkrt_bdev_open("PT0", true, ignore, NULL, &j.desc) != 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	printf("PT0 on Malloc0: module '%s', %llu blocks; Malloc0 claimed: %s\n",
	       spdkrt_bdev_get_module_name(spdkrt_bdev_desc_get_bdev(j.desc)),
	       (unsigned long long)spdkrt_bdev_get_num_blocks(spdkrt_bdev_desc_get_bdev(j.desc)),
	       spdkrt_bdev_is_claimed(spdkrt_bdev_get_by_name("Malloc0")) ? "yes" : "no");
	j.ch = spdkrt_bdev_get_io_channel(j.desc);
	j.buf = spdkrt_dma_malloc((size_t)QUEUE_DEPTH * IO_BLOCKS * BLOCK, 4096,
				  SPDKRT_ENV_SOCKET_ANY);
	for (int i = 0; i < QUEUE_DEPTH; i++) {
		g_slots[i].job = &j;
		g_slots[i].buf = j.buf + (size_t)i * IO_BLOCKS * BLOCK;
	}
	failed |= run_phase(t, &j, true);
	failed |= run_phase(t, &j, false);

	spdkrt_put_io_channel(j.ch);
	spdkrt_bdev_close(j.desc);
	if (spdkrt_bdev_destroy("Malloc0", set_flag, &done) != -EBUSY) {
		fprintf(stderr, "the claimed base could be destroyed first\n");
		failed = 1;
	}
	done = 0;
	spdkrt_bdev_destroy("PT0", set_flag, &done);
	poll_until(t, &done);
	done = 0;
	spdkrt_bdev_destroy("Malloc0", set_flag, &done);
	poll_until(t, &done);
	done = 0;
	if (passthru_unregister(module_gone, &done) != 0)
		failed = 1;
	poll_until(t, &done);
	spdkrt_dma_free(j.buf);
	spdkrt_thread_exit(t);
	while (!spdkrt_thread_is_exited(t))
		spdkrt_thread_poll(t, 0, 0);
	spdkrt_thread_destroy(t);
	spdkrt_env_fini();
	printf("%s\n", failed ? "FAILED" : "passthru verify passed");
	return failed;
}
