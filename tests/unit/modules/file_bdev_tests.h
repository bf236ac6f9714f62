/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tests the aio and io_uring bdevs share (they promise the same semantics): the includer
 * defines MODULE ("aio" or "uring") and lists FILE_BDEV_TESTS in its main().
 *
 * Files live on /tmp (a disk filesystem: O_DIRECT and fallocate), /dev/shm (tmpfs) and, mounted
 * by the tests (root), a ramfs (no O_DIRECT, no fallocate), a 1 MiB tmpfs (fills up) and a loop
 * device with 4096-byte sectors.
 */
#ifndef SPDKRT_TEST_MODULES_FILE_BDEV_TESTS_H
#define SPDKRT_TEST_MODULES_FILE_BDEV_TESTS_H

#include <pthread.h>
#include <stdio.h>

#include "harness.h"

#ifndef MODULE
#error "define MODULE before including file_bdev_tests.h"
#endif

#define KiB 1024ull
#define MiB (1024ull * 1024)

static int create_spec(char *spec, size_t len, const char *name, const char *path,
		       const char *extra)
{
	struct spdkrt_bdev *bdev = NULL;

	snprintf(spec, len, "%s:name=%s,filename=%s%s%s", MODULE, name, path,
		 extra != NULL ? "," : "", extra != NULL ? extra : "");
	return spdkrt_bdev_create(spec, &bdev);
}

static int create(const char *name, const char *path, const char *extra)
{
	char spec[8192];

	return create_spec(spec, sizeof(spec), name, path, extra);
}

/* ---- I/O jobs: a queue of I/Os kept full by their completion callbacks ---- */

struct job;

struct slot {
	struct job *job;
	char *buf;
	uint64_t lba;
};

struct job {
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	uint32_t bs;
	uint64_t first, count; /* the region, in blocks */
	uint32_t seed;
	uint32_t qd;
	uint64_t reads; /* random reads after the region is written */
	bool writing;
	uint64_t submitted, completed, errors, mismatches;
	uint64_t rng;
	struct slot *slots;
	char *bufs;
	_Atomic bool done;
	bool own_channel; /* gets and puts its channel on its thread */
};

static void job_submit(struct slot *s);

static uint64_t job_phase_total(const struct job *j)
{
	return j->writing ? j->count : j->reads;
}

static void job_complete(void *arg, int status)
{
	struct slot *s = arg;
	struct job *j = s->job;

	if (status != 0)
		j->errors++;
	else if (!j->writing && ((uint32_t *)s->buf)[0] != j->seed)
		j->mismatches++;
	else if (!j->writing && ((uint32_t *)s->buf)[1] != (uint32_t)(s->lba * j->bs))
		j->mismatches++;
	j->completed++;
	if (j->submitted < job_phase_total(j)) {
		job_submit(s);
		return;
	}
	if (j->completed < job_phase_total(j))
		return;
	if (j->writing && j->reads > 0) {
		/* The region is written: now random reads that check what they find. */
		j->writing = false;
		j->submitted = 0;
		j->completed = 0;
		for (uint32_t i = 0; i < j->qd && j->submitted < j->reads; i++)
			job_submit(&j->slots[i]);
		return;
	}
	if (j->own_channel)
		spdkrt_put_io_channel(j->ch);
	atomic_store(&j->done, true);
}

static void job_submit(struct slot *s)
{
	struct job *j = s->job;
	int rc;

	j->submitted++;
	if (j->writing) {
		s->lba = j->first + j->submitted - 1;
		fill_pattern(s->buf, j->bs, j->seed, s->lba * j->bs);
		rc = spdkrt_bdev_write_blocks(j->desc, j->ch, s->buf, s->lba, 1, job_complete, s);
	} else {
		j->rng = j->rng * 6364136223846793005ull + 1442695040888963407ull;
		s->lba = j->first + (j->rng >> 33) % j->count;
		memset(s->buf, 0, j->bs);
		rc = spdkrt_bdev_read_blocks(j->desc, j->ch, s->buf, s->lba, 1, job_complete, s);
	}
	if (rc != 0) {
		j->errors++;
		j->completed++;
	}
}

static void job_init(struct job *j, struct spdkrt_bdev_desc *desc, uint64_t first, uint64_t count,
		     uint32_t qd, uint64_t reads, uint32_t seed)
{
	memset(j, 0, sizeof(*j));
	j->desc = desc;
	j->bs = spdkrt_bdev_get_block_size(spdkrt_bdev_desc_get_bdev(desc));
	j->first = first;
	j->count = count;
	j->qd = qd;
	j->reads = reads;
	j->seed = seed;
	j->rng = seed;
	j->slots = calloc(qd, sizeof(*j->slots));
	j->bufs = buf_alloc((size_t)qd * j->bs);
	for (uint32_t i = 0; i < qd; i++) {
		j->slots[i].job = j;
		j->slots[i].buf = j->bufs + (size_t)i * j->bs;
	}
}

static void job_free(struct job *j)
{
	free(j->slots);
	free(j->bufs);
}

/* Runs on the job's thread: write the region with qd I/Os in flight, then read it back. */
static void job_start(void *arg)
{
	struct job *j = arg;

	if (j->own_channel)
		j->ch = spdkrt_bdev_get_io_channel(j->desc);
	if (j->ch == NULL) { /* no cmocka assert here: this may run on another OS thread */
		j->errors++;
		atomic_store(&j->done, true);
		return;
	}
	j->writing = true;
	for (uint32_t i = 0; i < j->qd && j->submitted < j->count; i++)
		job_submit(&j->slots[i]);
}

static void job_check(const struct job *j)
{
	if (j->errors != 0 || j->mismatches != 0)
		fail_msg("job of seed %u: %llu errors, %llu mismatched blocks", j->seed,
			 (unsigned long long)j->errors, (unsigned long long)j->mismatches);
}

/* ---- tests ---- */

static int setup(void **state)
{
	(void)state;
	return harness_setup();
}

static int teardown(void **state)
{
	(void)state;
	harness_teardown();
	return 0;
}

static void test_create_errors(void **state)
{
	char dir[256], path[4096], small[4096];

	(void)state;
	make_dir("/tmp", dir, sizeof(dir));
	make_file(dir, "disk", 1 * MiB, path, sizeof(path));
	make_file(dir, "small", 100, small, sizeof(small));

	assert_int_equal(spdkrt_bdev_create(MODULE ":name=F0", NULL), -EINVAL);
	assert_logged("'filename' is required");
	assert_int_equal(create("F0", "/nonexistent/spdkrt-disk", NULL), -ENOENT);
	assert_logged("cannot open '/nonexistent/spdkrt-disk'");
	assert_true(create("F0", dir, NULL) < 0);
	assert_logged("cannot open");
	assert_int_equal(create("F0", "/dev/null", NULL), -EINVAL);
	assert_logged("neither a regular file nor a block device");
	assert_int_equal(create("F0", path, "block_size=1000"), -EINVAL);
	assert_logged("not a power of two");
	assert_int_equal(create("F0", path, "block_size=256"), -EINVAL);
	assert_logged("outside");
	assert_int_equal(create("F0", path, "colour=blue"), -EINVAL);
	assert_logged("unknown key 'colour'");
	assert_int_equal(create("F0", small, NULL), -EINVAL);
	assert_logged("smaller than one block");
	assert_int_equal(create("F0", path, NULL), 0);
	assert_int_equal(create("F0", path, NULL), -EEXIST);
	assert_logged("already exists");
	destroy_bdev("F0");
	unlink(small);
	remove_tree(dir, "disk");
}

static void test_geometry(void **state)
{
	char dir[256], path[4096];
	struct spdkrt_bdev *b;

	(void)state;
	make_dir("/tmp", dir, sizeof(dir));
	make_file(dir, "disk", 1 * MiB + 100, path, sizeof(path));
	assert_int_equal(create("F0", path, NULL), 0);
	b = spdkrt_bdev_get_by_name("F0");
	assert_non_null(b);
	assert_string_equal(spdkrt_bdev_get_module_name(b), MODULE);
	/* O_DIRECT on a disk filesystem: its logical block size, aligned buffers. */
	assert_true(spdkrt_bdev_get_block_size(b) >= 512);
	assert_int_equal(spdkrt_bdev_get_buf_align(b), spdkrt_bdev_get_block_size(b));
	assert_int_equal(spdkrt_bdev_get_num_blocks(b), 1 * MiB / spdkrt_bdev_get_block_size(b));
	for (int t = SPDKRT_BDEV_IO_READ; t <= SPDKRT_BDEV_IO_WRITE_ZEROES; t++)
		assert_true(spdkrt_bdev_io_type_supported(b, (enum spdkrt_bdev_io_type)t));
	destroy_bdev("F0");

	assert_int_equal(create("F1", path, "block_size=4096"), 0);
	b = spdkrt_bdev_get_by_name("F1");
	assert_int_equal(spdkrt_bdev_get_block_size(b), 4096);
	assert_int_equal(spdkrt_bdev_get_num_blocks(b), 256);
	destroy_bdev("F1");
	remove_tree(dir, "disk");
}

/* Single buffers, odd iovec layouts written one way and read another, the last block. */
static void data_round_trip(const char *base_dir)
{
	char dir[256], path[4096];
	struct open_bdev o;
	char *wbuf = buf_alloc(64 * KiB), *rbuf = buf_alloc(64 * KiB);
	uint64_t last;

	make_dir(base_dir, dir, sizeof(dir));
	make_file(dir, "disk", 4 * MiB, path, sizeof(path));
	assert_int_equal(create("D0", path, "block_size=512"), 0);
	open_bdev("D0", true, &o);
	last = spdkrt_bdev_get_num_blocks(o.bdev) - 1;

	fill_pattern(wbuf, 64 * KiB, 1, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, wbuf, 8, 128, IO_CB)), 0);
	memset(rbuf, 0, 64 * KiB);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, rbuf, 8, 128, IO_CB)), 0);
	assert_memory_equal(wbuf, rbuf, 64 * KiB);

	/* Five iovecs of uneven sizes (multiples of the 512-byte sector O_DIRECT wants)... */
	{
		struct iovec w[5] = {
			{ wbuf, 512 },         { wbuf + 4096, 1536 },  { wbuf + 8192, 2048 },
			{ wbuf + 12288, 512 }, { wbuf + 16384, 3584 },
		};
		struct iovec r[3] = {
			{ rbuf, 4096 },
			{ rbuf + 8192, 1024 },
			{ rbuf + 16384, 3072 },
		};
		char *flat = buf_alloc(8 * KiB);
		size_t at = 0;

		fill_pattern(wbuf, 64 * KiB, 2, 0);
		assert_int_equal(
			SYNC_IO(spdkrt_bdev_writev_blocks(o.desc, o.ch, w, 5, 200, 16, IO_CB)), 0);
		/* ...read back through three others, and as one buffer. */
		memset(rbuf, 0, 64 * KiB);
		assert_int_equal(
			SYNC_IO(spdkrt_bdev_readv_blocks(o.desc, o.ch, r, 3, 200, 16, IO_CB)), 0);
		assert_int_equal(
			SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, flat, 200, 16, IO_CB)), 0);
		for (int i = 0; i < 5; i++) {
			assert_memory_equal(flat + at, w[i].iov_base, w[i].iov_len);
			at += w[i].iov_len;
		}
		at = 0;
		for (int i = 0; i < 3; i++) {
			assert_memory_equal(r[i].iov_base, flat + at, r[i].iov_len);
			at += r[i].iov_len;
		}
		free(flat);
	}

	/* The last block of the device. */
	fill_pattern(wbuf, 512, 3, last * 512);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, wbuf, last, 1, IO_CB)), 0);
	memset(rbuf, 0, 512);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, rbuf, last, 1, IO_CB)), 0);
	assert_memory_equal(wbuf, rbuf, 512);

	close_bdev(&o);
	destroy_bdev("D0");
	remove_tree(dir, "disk");
	free(wbuf);
	free(rbuf);
}

static void test_data_on_disk_fs(void **state)
{
	(void)state;
	data_round_trip("/tmp");
}

static void test_data_on_tmpfs(void **state)
{
	(void)state;
	data_round_trip("/dev/shm");
}

/* tmpfs copies through the page cache even with O_DIRECT: any iovec length works there. */
static void test_odd_lengths_on_tmpfs(void **state)
{
	char dir[256], path[4096];
	struct open_bdev o;
	char *wbuf = buf_alloc(16 * KiB), *rbuf = buf_alloc(16 * KiB);
	struct iovec w[4] = {
		{ wbuf, 700 },
		{ wbuf + 1024, 3 },
		{ wbuf + 2048, 1000 },
		{ wbuf + 4096, 2393 },
	};
	struct iovec r[2] = { { rbuf, 1 }, { rbuf + 4096, 4095 } };

	(void)state;
	make_dir("/dev/shm", dir, sizeof(dir));
	make_file(dir, "disk", 1 * MiB, path, sizeof(path));
	assert_int_equal(create("D0", path, "block_size=4096"), 0);
	open_bdev("D0", true, &o);
	fill_pattern(wbuf, 16 * KiB, 4, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_writev_blocks(o.desc, o.ch, w, 4, 3, 1, IO_CB)), 0);
	memset(rbuf, 0, 16 * KiB);
	assert_int_equal(SYNC_IO(spdkrt_bdev_readv_blocks(o.desc, o.ch, r, 2, 3, 1, IO_CB)), 0);
	{
		char flat_w[4096], flat_r[4096];
		size_t at = 0;

		for (int i = 0; i < 4; i++) {
			memcpy(flat_w + at, w[i].iov_base, w[i].iov_len);
			at += w[i].iov_len;
		}
		memcpy(flat_r, rbuf, 1);
		memcpy(flat_r + 1, rbuf + 4096, 4095);
		assert_memory_equal(flat_w, flat_r, 4096);
	}
	close_bdev(&o);
	destroy_bdev("D0");
	remove_tree(dir, "disk");
	free(wbuf);
	free(rbuf);
}

/*
 * More I/O in flight than a channel's kernel queue holds (the rest waits in the channel), and
 * enough of it that the completion ring wraps around many times.
 */
static void test_wrap_around(void **state)
{
	char dir[256], path[4096];
	struct open_bdev o;
	struct job j;

	(void)state;
	make_dir("/dev/shm", dir, sizeof(dir));
	make_file(dir, "disk", 8 * MiB, path, sizeof(path));
	assert_int_equal(create("W0", path, "block_size=4096"), 0);
	open_bdev("W0", true, &o);
	job_init(&j, o.desc, 0, 2048, 700, 30000, 77);
	j.ch = o.ch;
	job_start(&j);
	poll_until(atomic_load(&j.done));
	job_check(&j);
	job_free(&j);
	close_bdev(&o);
	destroy_bdev("W0");
	remove_tree(dir, "disk");
}

struct poller_thread {
	struct spdkrt_thread *thread;
	_Atomic bool stop;
	pthread_t tid;
};

/* A second OS thread that polls a second spdkrt thread until it has exited. */
static void *poller_main(void *arg)
{
	struct poller_thread *p = arg;

	while (!spdkrt_thread_is_exited(p->thread)) {
		spdkrt_thread_poll(p->thread, 0, 0);
		if (atomic_load(&p->stop))
			spdkrt_thread_exit(p->thread);
	}
	return NULL;
}

/* Two threads, each with its own channel and region, at the same time. */
static void two_thread_run(const char *base_dir)
{
	char dir[256], path[4096];
	struct poller_thread p = { 0 };
	struct open_bdev o;
	struct job mine, theirs;
	char *buf;

	make_dir(base_dir, dir, sizeof(dir));
	make_file(dir, "disk", 8 * MiB, path, sizeof(path));
	assert_int_equal(create("T0", path, "block_size=4096"), 0);
	open_bdev("T0", true, &o);
	assert_int_equal(spdkrt_thread_create("second", &p.thread), 0);
	assert_int_equal(pthread_create(&p.tid, NULL, poller_main, &p), 0);

	job_init(&mine, o.desc, 0, 1024, 64, 8000, 11);
	mine.ch = o.ch;
	job_init(&theirs, o.desc, 1024, 1024, 64, 8000, 22);
	theirs.own_channel = true;
	assert_int_equal(spdkrt_thread_send_msg(p.thread, job_start, &theirs), 0);
	job_start(&mine);
	poll_until(atomic_load(&mine.done) && atomic_load(&theirs.done));
	job_check(&mine);
	job_check(&theirs);
	atomic_store(&p.stop, true);
	pthread_join(p.tid, NULL);
	assert_int_equal(spdkrt_thread_destroy(p.thread), 0);

	/* What the second thread wrote is there for the first one. */
	buf = buf_alloc(4096);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 1500, 1, IO_CB)), 0);
	assert_int_equal(((uint32_t *)buf)[0], 22);
	free(buf);
	job_free(&mine);
	job_free(&theirs);
	close_bdev(&o);
	destroy_bdev("T0");
	remove_tree(dir, "disk");
}

static void test_two_threads_tmpfs(void **state)
{
	(void)state;
	two_thread_run("/dev/shm");
}

static void test_two_threads_disk_fs(void **state)
{
	(void)state;
	two_thread_run("/tmp");
}

/*
 * Write zeroes (one range larger than the 1 MiB zero buffer), unmap, flush and reset on a file
 * in dir; they read back as zeroes around untouched data.
 */
static void zero_run(const char *dir, const char *extra_log)
{
	char path[4096];
	struct open_bdev o;
	char *buf = buf_alloc(4 * MiB), *expect = buf_alloc(4 * MiB);
	const uint64_t blocks = 1024; /* 4 MiB of 4 KiB blocks */

	make_file(dir, "disk", 8 * MiB, path, sizeof(path));
	assert_int_equal(create("Z0", path, "block_size=4096"), 0);
	if (extra_log != NULL)
		assert_logged(extra_log);
	open_bdev("Z0", true, &o);
	fill_pattern(expect, 4 * MiB, 5, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, expect, 0, blocks, IO_CB)),
			 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_zeroes_blocks(o.desc, o.ch, 8, 8, IO_CB)), 0);
	memset(expect + 8 * 4096, 0, 8 * 4096);
	assert_int_equal(SYNC_IO(spdkrt_bdev_unmap_blocks(o.desc, o.ch, 24, 8, IO_CB)), 0);
	memset(expect + 24 * 4096, 0, 8 * 4096);
	/* 3 MiB: more than one write of the zero buffer where zeroes are written. */
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_zeroes_blocks(o.desc, o.ch, 100, 768, IO_CB)),
			 0);
	memset(expect + 100 * 4096, 0, 768 * 4096);
	assert_int_equal(SYNC_IO(spdkrt_bdev_flush_blocks(o.desc, o.ch, 0, blocks, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_reset(o.desc, o.ch, IO_CB)), 0);
	memset(buf, 0xee, 4 * MiB);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 0, blocks, IO_CB)), 0);
	for (uint64_t b = 0; b < blocks; b++) {
		if (memcmp(buf + b * 4096, expect + b * 4096, 4096) != 0)
			fail_msg("block %llu differs after write-zeroes/unmap",
				 (unsigned long long)b);
	}
	close_bdev(&o);
	destroy_bdev("Z0");
	unlink(path);
	free(buf);
	free(expect);
}

static void test_zeroes_on_disk_fs(void **state)
{
	char dir[256];

	(void)state;
	make_dir("/tmp", dir, sizeof(dir));
	zero_run(dir, NULL);
	rmdir(dir);
}

/* tmpfs punches holes but has no ZERO_RANGE: write-zeroes falls back to written zeroes. */
static void test_zeroes_on_tmpfs(void **state)
{
	char dir[256];

	(void)state;
	make_dir("/dev/shm", dir, sizeof(dir));
	zero_run(dir, NULL);
	rmdir(dir);
}

/* ramfs refuses O_DIRECT and fallocate: buffered I/O, written zeroes for both. */
static void test_ramfs_fallbacks(void **state)
{
	char dir[256];

	(void)state;
	if (!mount_fs("ramfs", NULL, dir, sizeof(dir))) {
		print_message("cannot mount a ramfs (not root?): skipped\n");
		skip();
	}
	zero_run(dir, "refuses O_DIRECT; using buffered I/O");
	unmount_fs(dir);
}

/* A 1 MiB tmpfs under a larger sparse file: writes fail with -ENOSPC, and lose nothing. */
static void test_full_filesystem(void **state)
{
	char dir[256], path[4096];
	struct open_bdev o;
	char *buf = buf_alloc(16 * KiB);
	uint64_t written = 0;
	int rc = 0;

	(void)state;
	if (!mount_fs("tmpfs", "size=1m", dir, sizeof(dir))) {
		print_message("cannot mount a tmpfs (not root?): skipped\n");
		skip();
	}
	make_file(dir, "disk", 4 * MiB, path, sizeof(path));
	assert_int_equal(create("S0", path, "block_size=4096"), 0);
	open_bdev("S0", true, &o);
	while (written < 1024) {
		fill_pattern(buf, 4096, 6, written * 4096);
		rc = SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, buf, written, 1, IO_CB));
		if (rc != 0)
			break;
		written++;
	}
	assert_int_equal(rc, -ENOSPC);
	if (written <= 16 || written > 256)
		fail_msg("%llu blocks fitted in a 1 MiB filesystem", (unsigned long long)written);
	/* A write that starts on allocated blocks and runs into the full part: -ENOSPC too. */
	fill_pattern(buf, 16 * KiB, 7, 0);
	assert_int_equal(
		SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, buf, written - 1, 4, IO_CB)),
		-ENOSPC);
	/* Everything written before is intact, and overwriting it still works. */
	for (uint64_t b = 0; b + 1 < written; b++) {
		assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, b, 1, IO_CB)),
				 0);
		assert_int_equal(((uint32_t *)buf)[0], 6);
		assert_int_equal(((uint32_t *)buf)[1], (uint32_t)(b * 4096));
	}
	fill_pattern(buf, 4096, 8, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, buf, 0, 1, IO_CB)), 0);
	close_bdev(&o);
	destroy_bdev("S0");
	unlink(path);
	unmount_fs(dir);
	free(buf);
}

/* The file is unlinked under the bdev: the bdev keeps the open file; rescan says so. */
static void test_file_removed(void **state)
{
	char dir[256], path[4096];
	struct open_bdev o;
	char *buf = buf_alloc(4096);

	(void)state;
	make_dir("/tmp", dir, sizeof(dir));
	make_file(dir, "disk", 1 * MiB, path, sizeof(path));
	assert_int_equal(create("R0", path, "block_size=4096"), 0);
	open_bdev("R0", true, &o);
	fill_pattern(buf, 4096, 9, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, buf, 5, 1, IO_CB)), 0);
	assert_int_equal(unlink(path), 0);
	memset(buf, 0, 4096);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 5, 1, IO_CB)), 0);
	assert_int_equal(((uint32_t *)buf)[0], 9);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, buf, 6, 1, IO_CB)), 0);
	assert_int_equal(spdkrt_bdev_rescan("R0"), 0);
	assert_logged("was removed or replaced");
	close_bdev(&o);
	destroy_bdev("R0");
	rmdir(dir);
	free(buf);
}

/* Past the end: refused at submission; a file that shrank under the bdev gives -EIO. */
static void test_read_beyond_end(void **state)
{
	char dir[256], path[4096];
	struct open_bdev o;
	char *buf = buf_alloc(8192);

	(void)state;
	make_dir("/tmp", dir, sizeof(dir));
	make_file(dir, "disk", 1 * MiB, path, sizeof(path));
	assert_int_equal(create("E0", path, "block_size=4096"), 0);
	open_bdev("E0", true, &o);
	assert_int_equal(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 256, 1, io_wait_cb, NULL),
			 -EINVAL);
	assert_logged("outside");
	assert_int_equal(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 255, 2, io_wait_cb, NULL),
			 -EINVAL);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 255, 1, IO_CB)), 0);
	resize_file(path, 512 * KiB);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 255, 1, IO_CB)), -EIO);
	/* Half of this read is in the file: still -EIO, never a silent short read. */
	resize_file(path, 512 * KiB + 4096);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, buf, 128, 2, IO_CB)), -EIO);
	close_bdev(&o);
	destroy_bdev("E0");
	remove_tree(dir, "disk");
	free(buf);
}

/* The file grows and shrinks; spdkrt_bdev_rescan() follows and tells the descriptors. */
static void test_rescan_resize(void **state)
{
	char dir[256], path[4096];
	struct open_bdev o;
	char *buf = buf_alloc(4096);

	(void)state;
	make_dir("/tmp", dir, sizeof(dir));
	make_file(dir, "disk", 1 * MiB, path, sizeof(path));
	assert_int_equal(create("G0", path, "block_size=4096"), 0);
	open_bdev("G0", true, &o);
	assert_int_equal(spdkrt_bdev_get_num_blocks(o.bdev), 256);

	resize_file(path, 2 * MiB);
	assert_int_equal(spdkrt_bdev_get_num_blocks(o.bdev), 256); /* not before a rescan */
	assert_int_equal(spdkrt_bdev_rescan("G0"), 0);
	assert_int_equal(spdkrt_bdev_get_num_blocks(o.bdev), 512);
	poll_until(o.events.resizes == 1);
	assert_int_equal(o.events.size_at_resize, 512);
	fill_pattern(buf, 4096, 10, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, buf, 400, 1, IO_CB)), 0);

	assert_int_equal(spdkrt_bdev_rescan("G0"), 0); /* unchanged: no event */
	poll_a_little();
	assert_int_equal(o.events.resizes, 1);

	resize_file(path, 1 * MiB + 100);
	assert_int_equal(spdkrt_bdev_rescan("G0"), 0);
	poll_until(o.events.resizes == 2);
	assert_int_equal(spdkrt_bdev_get_num_blocks(o.bdev), 256);

	resize_file(path, 100);
	assert_int_equal(spdkrt_bdev_rescan("G0"), -EINVAL);
	assert_logged("smaller than one block");
	assert_int_equal(spdkrt_bdev_get_num_blocks(o.bdev), 256);

	assert_int_equal(spdkrt_bdev_rescan("nonexistent"), -ENODEV);
	assert_int_equal(spdkrt_bdev_rescan(NULL), -EINVAL);
	assert_int_equal(spdkrt_bdev_create("null:name=N0,size_mb=1", NULL), 0);
	assert_int_equal(spdkrt_bdev_rescan("N0"), -ENOTSUP);
	assert_logged("cannot be rescanned");
	destroy_bdev("N0");
	close_bdev(&o);
	destroy_bdev("G0");
	remove_tree(dir, "disk");
	free(buf);
}

struct reset_order {
	int reads_done;
	int reads_done_at_reset;
	bool reset_done;
	int reset_status;
};

static void reset_order_read_cb(void *arg, int status)
{
	struct reset_order *ro = arg;

	assert_int_equal(status, 0);
	ro->reads_done++;
}

static void reset_order_reset_cb(void *arg, int status)
{
	struct reset_order *ro = arg;

	ro->reads_done_at_reset = ro->reads_done;
	ro->reset_status = status;
	ro->reset_done = true;
}

/* A reset completes only after every I/O submitted before it. */
static void test_reset_waits_for_io(void **state)
{
	char dir[256], path[4096];
	struct reset_order ro = { 0 };
	struct open_bdev o;
	char *buf = buf_alloc(64 * 4096);

	(void)state;
	make_dir("/dev/shm", dir, sizeof(dir));
	make_file(dir, "disk", 1 * MiB, path, sizeof(path));
	assert_int_equal(create("X0", path, "block_size=4096"), 0);
	open_bdev("X0", true, &o);
	for (int i = 0; i < 64; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(o.desc, o.ch, buf + i * 4096, i, 1,
							 reset_order_read_cb, &ro),
				 0);
	assert_int_equal(spdkrt_bdev_reset(o.desc, o.ch, reset_order_reset_cb, &ro), 0);
	poll_until(ro.reset_done);
	assert_int_equal(ro.reset_status, 0);
	assert_int_equal(ro.reads_done_at_reset, 64);
	close_bdev(&o);
	destroy_bdev("X0");
	remove_tree(dir, "disk");
	free(buf);
}

/* Runs cmd and returns its first output line in out; false when it failed. */
static bool run_cmd(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	bool ok;

	if (f == NULL)
		return false;
	ok = fgets(out, (int)len, f) != NULL;
	ok = pclose(f) == 0 && ok;
	out[strcspn(out, "\n")] = '\0';
	return ok;
}

/* A block device with 4096-byte logical blocks (a loop device): detected, and enforced. */
static void test_block_device(void **state)
{
	char dir[256], path[4096], dev[256], cmd[8192];
	struct open_bdev o;
	char *buf = buf_alloc(64 * KiB), *rbuf = buf_alloc(64 * KiB);
	struct spdkrt_bdev *b;

	(void)state;
	make_dir("/tmp", dir, sizeof(dir));
	make_file(dir, "disk", 16 * MiB, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "losetup -f --show -b 4096 %s 2>/dev/null", path);
	if (!run_cmd(cmd, dev, sizeof(dev))) {
		remove_tree(dir, "disk");
		print_message("cannot set up a loop device (not root?): skipped\n");
		skip();
	}
	assert_int_equal(create("B0", dev, "block_size=512"), -EINVAL);
	assert_logged("smaller than the logical block size 4096");
	assert_int_equal(create("B0", dev, NULL), 0);
	b = spdkrt_bdev_get_by_name("B0");
	assert_int_equal(spdkrt_bdev_get_block_size(b), 4096);
	assert_int_equal(spdkrt_bdev_get_buf_align(b), 4096);
	assert_int_equal(spdkrt_bdev_get_num_blocks(b), 4096);
	open_bdev("B0", true, &o);
	fill_pattern(buf, 64 * KiB, 12, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(o.desc, o.ch, buf, 4080, 16, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_zeroes_blocks(o.desc, o.ch, 4082, 2, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_unmap_blocks(o.desc, o.ch, 4090, 2, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_flush_blocks(o.desc, o.ch, 0, 4096, IO_CB)), 0);
	memset(buf + 2 * 4096, 0, 2 * 4096);
	memset(buf + 10 * 4096, 0, 2 * 4096);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(o.desc, o.ch, rbuf, 4080, 16, IO_CB)), 0);
	assert_memory_equal(buf, rbuf, 64 * KiB);
	/* O_DIRECT: a buffer not aligned to the device's blocks is refused up front. */
	assert_int_equal(spdkrt_bdev_read_blocks(o.desc, o.ch, rbuf + 512, 0, 1, io_wait_cb, NULL),
			 -EINVAL);
	assert_logged("not aligned");
	close_bdev(&o);
	destroy_bdev("B0");
	snprintf(cmd, sizeof(cmd), "losetup -d %s", dev);
	assert_int_equal(system(cmd), 0);
	remove_tree(dir, "disk");
	free(buf);
	free(rbuf);
}

#define FILE_BDEV_TESTS                                                                            \
	cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),                      \
		cmocka_unit_test_setup_teardown(test_geometry, setup, teardown),                   \
		cmocka_unit_test_setup_teardown(test_data_on_disk_fs, setup, teardown),            \
		cmocka_unit_test_setup_teardown(test_data_on_tmpfs, setup, teardown),              \
		cmocka_unit_test_setup_teardown(test_odd_lengths_on_tmpfs, setup, teardown),       \
		cmocka_unit_test_setup_teardown(test_wrap_around, setup, teardown),                \
		cmocka_unit_test_setup_teardown(test_two_threads_tmpfs, setup, teardown),          \
		cmocka_unit_test_setup_teardown(test_two_threads_disk_fs, setup, teardown),        \
		cmocka_unit_test_setup_teardown(test_zeroes_on_disk_fs, setup, teardown),          \
		cmocka_unit_test_setup_teardown(test_zeroes_on_tmpfs, setup, teardown),            \
		cmocka_unit_test_setup_teardown(test_ramfs_fallbacks, setup, teardown),            \
		cmocka_unit_test_setup_teardown(test_full_filesystem, setup, teardown),            \
		cmocka_unit_test_setup_teardown(test_file_removed, setup, teardown),               \
		cmocka_unit_test_setup_teardown(test_read_beyond_end, setup, teardown),            \
		cmocka_unit_test_setup_teardown(test_rescan_resize, setup, teardown),              \
		cmocka_unit_test_setup_teardown(test_reset_waits_for_io, setup, teardown),         \
		cmocka_unit_test_setup_teardown(test_block_device, setup, teardown)

#endif
