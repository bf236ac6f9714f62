/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An out-of-tree program that uses spdkrt as a distribution user would: built with nothing but
 *     cc consumer.c $(pkg-config --cflags --libs spdkrt)
 * by tests/abi/install.sh (against `make install DESTDIR=...`) and scripts/test-packages.sh
 * (against the installed packages), dynamically and statically.
 *
 * It checks the library version against the headers, then initialises the environment without
 * hugepages, creates a malloc bdev, opens it on an spdkrt thread it polls itself, writes a
 * pattern, reads it back, verifies it, and tears everything down. Built with
 * -DCONSUMER_NO_BDEV it stops after the version and thread checks (for a library whose bdev
 * layer is not there yet).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spdkrt.h>

#define BDEV_NAME "Malloc0"
#define IO_BLOCKS 64

static struct spdkrt_thread *g_thread;

static int fail(const char *what, int rc)
{
	printf("FAIL: %s: %s\n", what, rc < 0 ? spdkrt_strerror(rc) : "unexpected result");
	return 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#ifndef CONSUMER_NO_BDEV
/* Polls the thread until *flag is set; 0, or -1 after 10 seconds. */
static int poll_until(const volatile int *flag)
{
	double deadline = now_s() + 10.0;

	while (!*flag) {
		spdkrt_thread_poll(g_thread, 0, 0);
		if (now_s() > deadline)
			return -1;
	}
	return 0;
}

struct io_state {
	int done;
	int status;
};

static void io_done(void *cb_arg, int status)
{
	struct io_state *st = cb_arg;

	st->status = status;
	st->done = 1;
}

static void event_cb(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	(void)bdev;
	(void)ctx;
	printf("note: bdev event %d\n", (int)type);
}

static int bdev_roundtrip(void)
{
	struct spdkrt_bdev *bdev = NULL;
	struct spdkrt_bdev_desc *desc = NULL;
	struct spdkrt_io_channel *ch;
	struct io_state st;
	uint32_t bs;
	size_t len, align;
	unsigned char *wbuf, *rbuf;
	int rc, ret = 1;

	rc = spdkrt_bdev_create("malloc:name=" BDEV_NAME ",size_mb=8", &bdev);
	if (rc != 0)
		return fail("spdkrt_bdev_create", rc);
	bs = spdkrt_bdev_get_block_size(bdev);
	if (bs == 0 || spdkrt_bdev_get_num_blocks(bdev) * bs != 8u << 20)
		return fail("malloc bdev geometry", 0);
	rc = spdkrt_bdev_open(BDEV_NAME, true, event_cb, NULL, &desc);
	if (rc != 0)
		return fail("spdkrt_bdev_open", rc);
	ch = spdkrt_bdev_get_io_channel(desc);
	if (ch == NULL) {
		spdkrt_bdev_close(desc);
		return fail("spdkrt_bdev_get_io_channel", 0);
	}
	len = (size_t)IO_BLOCKS * bs;
	align = spdkrt_bdev_get_buf_align(bdev);
	wbuf = spdkrt_dma_malloc(len, align, SPDKRT_ENV_SOCKET_ANY);
	rbuf = spdkrt_dma_zmalloc(len, align, SPDKRT_ENV_SOCKET_ANY);
	if (wbuf == NULL || rbuf == NULL) {
		fail("spdkrt_dma_malloc", 0);
		goto out;
	}
	for (size_t i = 0; i < len; i++)
		wbuf[i] = (unsigned char)(i * 31 + 7);

	memset(&st, 0, sizeof(st));
	rc = spdkrt_bdev_write_blocks(desc, ch, wbuf, 128, IO_BLOCKS, io_done, &st);
	if (rc != 0) {
		fail("spdkrt_bdev_write_blocks", rc);
		goto out;
	}
	if (st.done) {
		fail("write completion ran inside the submit call", 0);
		goto out;
	}
	if (poll_until(&st.done) != 0 || st.status != 0) {
		fail("write completion", st.done ? st.status : 0);
		goto out;
	}
	memset(&st, 0, sizeof(st));
	rc = spdkrt_bdev_read_blocks(desc, ch, rbuf, 128, IO_BLOCKS, io_done, &st);
	if (rc != 0) {
		fail("spdkrt_bdev_read_blocks", rc);
		goto out;
	}
	if (poll_until(&st.done) != 0 || st.status != 0) {
		fail("read completion", st.done ? st.status : 0);
		goto out;
	}
	if (memcmp(wbuf, rbuf, len) != 0) {
		fail("data read back differs from data written", 0);
		goto out;
	}
	printf("ok: malloc bdev %s: wrote, read back and verified %zu bytes\n", BDEV_NAME, len);
	ret = 0;
out:
	spdkrt_dma_free(wbuf);
	spdkrt_dma_free(rbuf);
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	/* Let the thread release the channel before the bdev goes. */
	for (int i = 0; i < 10; i++)
		spdkrt_thread_poll(g_thread, 0, 0);
	memset(&st, 0, sizeof(st));
	rc = spdkrt_bdev_destroy(BDEV_NAME, io_done, &st);
	if (rc != 0)
		return fail("spdkrt_bdev_destroy", rc);
	if (poll_until(&st.done) != 0 || st.status != 0)
		return fail("destroy completion", st.done ? st.status : 0);
	if (spdkrt_bdev_get_by_name(BDEV_NAME) != NULL)
		return fail("bdev still registered after destroy", 0);
	return ret;
}
#endif

int main(void)
{
	struct spdkrt_env_opts opts;
	volatile int exited = 0;
	int rc, ret;

	printf("spdkrt library %s, headers %s\n", spdkrt_version(), SPDKRT_VERSION_STRING);
	if (strncmp(spdkrt_version(), SPDKRT_VERSION_STRING, strlen(SPDKRT_VERSION_STRING)) != 0)
		return fail("library and header versions differ", 0);

	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.name = "consumer";
	opts.no_huge = true;
	opts.mem_size_mb = 64;
	rc = spdkrt_env_init(&opts);
	if (rc != 0)
		return fail("spdkrt_env_init (no hugepages)", rc);

	rc = spdkrt_thread_create("consumer", &g_thread);
	if (rc != 0)
		return fail("spdkrt_thread_create", rc);
	spdkrt_set_thread(g_thread);

#ifndef CONSUMER_NO_BDEV
	ret = bdev_roundtrip();
#else
	printf("SKIP: bdev round trip (built with CONSUMER_NO_BDEV)\n");
	ret = 0;
#endif

	rc = spdkrt_thread_exit(g_thread);
	if (rc != 0)
		return fail("spdkrt_thread_exit", rc);
	for (double deadline = now_s() + 10.0; !exited && now_s() < deadline;) {
		spdkrt_thread_poll(g_thread, 0, 0);
		exited = spdkrt_thread_is_exited(g_thread);
	}
	if (!exited)
		return fail("thread did not exit", 0);
	spdkrt_set_thread(NULL);
	rc = spdkrt_thread_destroy(g_thread);
	if (rc != 0)
		return fail("spdkrt_thread_destroy", rc);
	spdkrt_env_fini();
	if (ret == 0)
		printf("ok: consumer done\n");
	return ret;
}
