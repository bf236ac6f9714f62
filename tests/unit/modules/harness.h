/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the bdev module tests share: the heap env, one spdkrt thread driven by polling from the
 * test, bounded waits that fail clearly, synchronous wrappers around the I/O calls, and mounts
 * of small filesystems for the error cases.
 */
#ifndef SPDKRT_TEST_MODULES_HARNESS_H
#define SPDKRT_TEST_MODULES_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/test_common.h"

#include <spdkrt/bdev.h>
#include <spdkrt/env.h>
#include <spdkrt/thread.h>

#include "env/backend.h"

/* A completion that has not come within this time never will. */
#define WAIT_SECONDS 30

static struct spdkrt_thread *g_thread;

static inline int harness_setup(void)
{
	struct spdkrt_env_opts opts;

	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	assert_int_equal(spdkrt_env_init(&opts), 0);
	assert_int_equal(spdkrt_thread_create("test", &g_thread), 0);
	spdkrt_set_thread(g_thread);
	log_capture_start();
	return 0;
}

static inline void harness_teardown(void)
{
	uint64_t deadline = spdkrt_get_ticks() + WAIT_SECONDS * spdkrt_get_ticks_hz();

	spdkrt_thread_exit(g_thread);
	while (!spdkrt_thread_is_exited(g_thread)) {
		spdkrt_thread_poll(g_thread, 0, 0);
		if (spdkrt_get_ticks() > deadline)
			fail_msg("the test thread did not exit: something still holds a channel");
	}
	spdkrt_set_thread(NULL);
	assert_int_equal(spdkrt_thread_destroy(g_thread), 0);
	g_thread = NULL;
	log_capture_stop();
	spdkrt_env_fini();
}

/* Polls the test thread until cond holds; fails the test when it does not within the limit. */
#define poll_until(cond)                                                                           \
	do {                                                                                       \
		uint64_t deadline_ = spdkrt_get_ticks() + WAIT_SECONDS * spdkrt_get_ticks_hz();    \
		while (!(cond)) {                                                                  \
			spdkrt_thread_poll(g_thread, 0, 0);                                        \
			if (spdkrt_get_ticks() > deadline_)                                        \
				fail_msg("%s:%d: waited %d s for '%s'", __FILE__, __LINE__,        \
					 WAIT_SECONDS, #cond);                                     \
		}                                                                                  \
	} while (0)

/* A few polls, for work that needs a poll to happen (deferred releases). */
static inline void poll_a_little(void)
{
	for (int i = 0; i < 16; i++)
		spdkrt_thread_poll(g_thread, 0, 0);
}

struct io_wait {
	bool done;
	int status;
};

static inline void io_wait_cb(void *arg, int status)
{
	struct io_wait *w = arg;

	w->done = true;
	w->status = status;
}

/* Runs one submission to its completion: the submit's error, or the completion status. */
#define SYNC_IO(call)                                                                              \
	({                                                                                         \
		struct io_wait w_ = { false, 0 };                                                  \
		int rc_ = (call);                                                                  \
		if (rc_ == 0) {                                                                    \
			poll_until(w_.done);                                                       \
			rc_ = w_.status;                                                           \
		}                                                                                  \
		rc_;                                                                               \
	})
#define IO_CB io_wait_cb, &w_

struct events {
	int removes;
	int resizes;
	uint64_t size_at_resize;
};

static inline void events_cb(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	struct events *e = ctx;

	if (e == NULL)
		return;
	if (type == SPDKRT_BDEV_EVENT_REMOVE) {
		e->removes++;
	} else {
		e->resizes++;
		e->size_at_resize = spdkrt_bdev_get_num_blocks(bdev);
	}
}

/* An open bdev and the test thread's channel. */
struct open_bdev {
	struct spdkrt_bdev *bdev;
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	struct events events;
};

static inline void open_bdev(const char *name, bool write, struct open_bdev *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(spdkrt_bdev_open(name, write, events_cb, &o->events, &o->desc), 0);
	o->bdev = spdkrt_bdev_desc_get_bdev(o->desc);
	o->ch = spdkrt_bdev_get_io_channel(o->desc);
	assert_non_null(o->ch);
}

static inline void close_bdev(struct open_bdev *o)
{
	spdkrt_put_io_channel(o->ch);
	spdkrt_bdev_close(o->desc);
	poll_a_little();
	memset(o, 0, sizeof(*o));
}

static inline void destroy_done_cb(void *ctx, int status)
{
	*(int *)ctx = status + 1; /* 1: done with 0 */
}

static inline void destroy_bdev(const char *name)
{
	int done = 0;

	assert_int_equal(spdkrt_bdev_destroy(name, destroy_done_cb, &done), 0);
	poll_until(done != 0);
	assert_int_equal(done, 1);
	assert_null(spdkrt_bdev_get_by_name(name));
}

/* Buffers aligned for O_DIRECT. */
static inline void *buf_alloc(size_t size)
{
	void *p = aligned_alloc(4096, (size + 4095) & ~(size_t)4095);

	assert_non_null(p);
	return p;
}

/* A recognisable pattern: every 8 bytes hold (seed, offset). */
static inline void fill_pattern(void *buf, size_t len, uint32_t seed, uint64_t offset)
{
	uint32_t *p = buf;

	for (size_t i = 0; i < len / 8; i++) {
		p[2 * i] = seed;
		p[2 * i + 1] = (uint32_t)(offset + i * 8);
	}
}

static inline bool is_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

/* A file of `size` bytes (sparse) in dir; returns its path in path. */
static inline void make_file(const char *dir, const char *name, off_t size, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

static inline void resize_file(const char *path, off_t size)
{
	assert_int_equal(truncate(path, size), 0);
}

/* A fresh directory under base (for files, or a mount point). */
static inline void make_dir(const char *base, char *dir, size_t len)
{
	snprintf(dir, len, "%s/spdkrt-test-XXXXXX", base);
	assert_non_null(mkdtemp(dir));
}

/* Mounts fstype (tmpfs, ramfs) on a fresh directory; false (and no directory) if not allowed. */
static inline bool mount_fs(const char *fstype, const char *options, char *dir, size_t len)
{
	make_dir("/tmp", dir, len);
	if (mount("spdkrt-test", dir, fstype, 0, options) == 0)
		return true;
	rmdir(dir);
	return false;
}

static inline void unmount_fs(const char *dir)
{
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

static inline void remove_tree(const char *dir, const char *file)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	unlink(path);
	rmdir(dir);
}

#endif
