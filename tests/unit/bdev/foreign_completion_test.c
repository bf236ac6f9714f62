/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Completions made on another OS thread than the submitter's, as an out-of-tree module that
 * completes from its own worker or interrupt thread does. The module here uses public headers
 * only: its submit hands the I/O to a worker pthread, which completes it (plain, with an NVMe
 * status, or "no resources") once the test opens the gate. Every user callback must still run
 * on the submitting spdkrt thread, from its poll, with the data and status the worker left.
 * Run under ASan and TSan (scripts/test-tsan.sh).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bdev_fixture.h"

#include <spdkrt/bdev_module.h>

#define BS 512
#define BLOCKS 256
#define QD 64

enum worker_action {
	WORKER_COMPLETE,
	WORKER_NVME_ERROR,  /* complete with an NVMe media error */
	WORKER_NOMEM_FIRST, /* refuse the first `refuse_left` I/O for lack of resources */
};

struct xio {
	struct spdkrt_bdev_io *io;
	struct xio *next;
};

/* The module: a RAM disk served by one worker pthread. */
static struct {
	struct spdkrt_bdev_module *module;
	struct spdkrt_bdev *bdev;
	char data[BLOCKS * BS];
	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct xio *head, **tail; /* under lock */
	bool gate_open, stop;     /* under lock */
	enum worker_action action;
	unsigned refuse_left;                       /* worker only */
	_Atomic unsigned refused;                   /* after each refusal is handed to the core */
	struct spdkrt_thread *worker_spdkrt_thread; /* set as the worker's current thread, or NULL */
	unsigned submits;                           /* on the spdkrt thread */
	unsigned destructed;
} g_x;

static void x_submit(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct xio *x = spdkrt_bdev_io_get_driver_ctx(io);

	(void)module_ch;
	g_x.submits++;
	x->io = io;
	x->next = NULL;
	pthread_mutex_lock(&g_x.lock);
	*g_x.tail = x;
	g_x.tail = &x->next;
	pthread_cond_signal(&g_x.wake);
	pthread_mutex_unlock(&g_x.lock);
}

static void x_serve(struct xio *x)
{
	struct spdkrt_bdev_io *io = x->io;
	char *at = g_x.data + spdkrt_bdev_io_get_offset_blocks(io) * BS;
	struct spdkrt_bdev_nvme_status st = { .sct = SPDKRT_NVME_SCT_MEDIA_ERROR,
					      .sc = SPDKRT_NVME_SC_UNRECOVERED_READ_ERROR,
					      .cdw0 = 0x1234 };
	int iovcnt;
	struct iovec *iov = spdkrt_bdev_io_get_iovs(io, &iovcnt);

	if (g_x.action == WORKER_NVME_ERROR) {
		spdkrt_bdev_io_complete_nvme(io, &st);
		return;
	}
	if (g_x.action == WORKER_NOMEM_FIRST && g_x.refuse_left > 0) {
		g_x.refuse_left--;
		spdkrt_bdev_io_complete_nomem(io);
		atomic_fetch_add(&g_x.refused, 1);
		return;
	}
	for (int i = 0; i < iovcnt; i++) {
		if (spdkrt_bdev_io_get_type(io) == SPDKRT_BDEV_IO_READ)
			memcpy(iov[i].iov_base, at, iov[i].iov_len);
		else
			memcpy(at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	spdkrt_bdev_io_complete(io, 0);
}

static void *x_worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&g_x.lock);
	spdkrt_set_thread(g_x.worker_spdkrt_thread);
	for (;;) {
		struct xio *x;

		while (!g_x.stop && (!g_x.gate_open || g_x.head == NULL))
			pthread_cond_wait(&g_x.wake, &g_x.lock);
		if (g_x.stop)
			break;
		x = g_x.head;
		g_x.head = x->next;
		if (g_x.head == NULL)
			g_x.tail = &g_x.head;
		pthread_mutex_unlock(&g_x.lock);
		x_serve(x); /* outside the lock: the I/O is the core's again after this */
		pthread_mutex_lock(&g_x.lock);
	}
	pthread_mutex_unlock(&g_x.lock);
	return NULL;
}

static void gate(bool open)
{
	pthread_mutex_lock(&g_x.lock);
	g_x.gate_open = open;
	pthread_cond_signal(&g_x.wake);
	pthread_mutex_unlock(&g_x.lock);
}

static bool x_supported(void *ctx, enum spdkrt_bdev_io_type type)
{
	(void)ctx;
	return type == SPDKRT_BDEV_IO_READ || type == SPDKRT_BDEV_IO_WRITE;
}

static void x_destruct(struct spdkrt_bdev *bdev, spdkrt_bdev_destruct_done_cb done)
{
	g_x.destructed++;
	done(bdev);
}

static const struct spdkrt_bdev_fn_table g_x_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = x_submit,
	.io_type_supported = x_supported,
	.destruct = x_destruct,
};

static int x_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
		    struct spdkrt_bdev **bdev)
{
	struct spdkrt_bdev_info info;
	const char *name;
	int rc = spdkrt_bdev_spec_get_str(spec, "name", &name);

	if (rc == 0)
		rc = spdkrt_bdev_spec_check_all_used(spec);
	if (rc != 0)
		return rc;
	spdkrt_bdev_info_init(&info, sizeof(info));
	info.name = name;
	info.module = module;
	info.fn = &g_x_fn;
	info.block_size = BS;
	info.num_blocks = BLOCKS;
	return spdkrt_bdev_register(&info, bdev);
}

static int start(bool worker_has_spdkrt_thread)
{
	struct spdkrt_bdev_module_ops ops;

	fixture_setup(NULL);
	memset(&g_x, 0, sizeof(g_x));
	pthread_mutex_init(&g_x.lock, NULL);
	pthread_cond_init(&g_x.wake, NULL);
	g_x.tail = &g_x.head;
	if (worker_has_spdkrt_thread)
		assert_int_equal(spdkrt_thread_create("completer", &g_x.worker_spdkrt_thread), 0);
	assert_int_equal(spdkrt_bdev_module_ops_init(&ops, sizeof(ops)), 0);
	ops.name = "xthread";
	ops.io_ctx_size = sizeof(struct xio);
	ops.create = x_create;
	assert_int_equal(spdkrt_bdev_module_register(&ops, &g_x.module), 0);
	assert_int_equal(spdkrt_bdev_create("xthread:name=x0", &g_x.bdev), 0);
	assert_int_equal(pthread_create(&g_x.worker, NULL, x_worker, NULL), 0);
	return 0;
}

static int setup_plain_worker(void **state)
{
	(void)state;
	return start(false);
}

static int setup_spdkrt_worker(void **state)
{
	(void)state;
	return start(true);
}

static void unregistered(void *ctx)
{
	*(int *)ctx = 1;
}

static int teardown(void **state)
{
	int done = 0;

	pthread_mutex_lock(&g_x.lock);
	g_x.stop = true;
	pthread_cond_signal(&g_x.wake);
	pthread_mutex_unlock(&g_x.lock);
	assert_int_equal(pthread_join(g_x.worker, NULL), 0);
	assert_null(g_x.head); /* every I/O was served */
	if (spdkrt_bdev_get_by_name("x0") != NULL)
		destroy_and_wait("x0");
	assert_int_equal(g_x.destructed, 1);
	assert_int_equal(spdkrt_bdev_module_unregister(g_x.module, unregistered, &done), 0);
	poll_until(done);
	/* never polled, never given anything: destroyed as it is */
	if (g_x.worker_spdkrt_thread != NULL)
		assert_int_equal(spdkrt_thread_destroy(g_x.worker_spdkrt_thread), 0);
	pthread_cond_destroy(&g_x.wake);
	pthread_mutex_destroy(&g_x.lock);
	return fixture_teardown(state);
}

/* One user I/O: where its callback ran and what it got. */
struct done {
	int status;
	bool called;
	struct spdkrt_thread *on;
	bool had_nvme;
	struct spdkrt_bdev_nvme_status nvme;
	struct spdkrt_io_channel *ch;
};

static void io_done(void *arg, int status)
{
	struct done *d = arg;

	d->status = status;
	d->on = spdkrt_get_thread();
	if (d->ch != NULL) {
		assert_int_equal(spdkrt_bdev_get_nvme_status(d->ch, status, &d->nvme), 0);
		d->had_nvme = true;
	}
	d->called = true;
}

static bool all_called(const struct done *d, int n)
{
	for (int i = 0; i < n; i++)
		if (!d[i].called)
			return false;
	return true;
}

static void open_x(struct spdkrt_bdev_desc **desc, struct spdkrt_io_channel **ch)
{
	assert_int_equal(spdkrt_bdev_open("x0", true, ignore_event, NULL, desc), 0);
	*ch = spdkrt_bdev_get_io_channel(*desc);
	assert_non_null(*ch);
}

/* QD writes then QD reads, each completed by the worker: data round-trips, callbacks run here. */
static void test_worker_completes_reads_and_writes(void **state)
{
	static char out[QD][BS], in[QD][BS];
	struct done w[QD] = { 0 }, r[QD] = { 0 };
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;

	(void)state;
	open_x(&desc, &ch);
	for (int i = 0; i < QD; i++) {
		memset(out[i], 'a' + i % 26, BS);
		assert_int_equal(spdkrt_bdev_write_blocks(desc, ch, out[i], (uint64_t)i * 3, 1,
							  io_done, &w[i]),
				 0);
	}
	/* Nothing completes before the worker runs, nor from inside a poll without it. */
	poll_n(5);
	for (int i = 0; i < QD; i++)
		assert_false(w[i].called);
	gate(true);
	poll_until(all_called(w, QD));
	for (int i = 0; i < QD; i++) {
		assert_int_equal(w[i].status, 0);
		assert_ptr_equal(w[i].on, g_thread);
		assert_int_equal(spdkrt_bdev_read_blocks(desc, ch, in[i], (uint64_t)i * 3, 1,
							 io_done, &r[i]),
				 0);
	}
	poll_until(all_called(r, QD));
	for (int i = 0; i < QD; i++) {
		assert_int_equal(r[i].status, 0);
		assert_ptr_equal(r[i].on, g_thread);
		assert_memory_equal(in[i], out[i], BS);
	}
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
}

/* An NVMe status set on the worker reaches the callback, as errno and as the status itself. */
static void test_worker_completes_with_nvme_status(void **state)
{
	static char buf[BS];
	struct done d = { 0 };
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;

	(void)state;
	open_x(&desc, &ch);
	g_x.action = WORKER_NVME_ERROR;
	d.ch = ch;
	assert_int_equal(spdkrt_bdev_read_blocks(desc, ch, buf, 0, 1, io_done, &d), 0);
	gate(true);
	poll_until(d.called);
	assert_ptr_equal(d.on, g_thread);
	assert_int_equal(d.status, -EIO);
	assert_true(d.had_nvme);
	assert_int_equal(d.nvme.sct, SPDKRT_NVME_SCT_MEDIA_ERROR);
	assert_int_equal(d.nvme.sc, SPDKRT_NVME_SC_UNRECOVERED_READ_ERROR);
	assert_int_equal(d.nvme.cdw0, 0x1234);
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
}

/*
 * "No resources" from the worker: the core keeps each I/O on the submitting thread and
 * resubmits it after the next completion there; the user never sees -ENOMEM.
 */
static void test_worker_refuses_for_lack_of_resources(void **state)
{
	static char buf[4][BS];
	struct done d[4] = { 0 };
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;

	(void)state;
	open_x(&desc, &ch);
	g_x.action = WORKER_NOMEM_FIRST;
	g_x.refuse_left = 4;
	for (int i = 0; i < 4; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(desc, ch, buf[i], (uint64_t)i, 1, io_done,
							 &d[i]),
				 0);
	gate(true);
	/*
	 * Every I/O was refused: no completion triggers a retry, so the module resumes once the
	 * refusals (each queued as a message before the count) have reached this thread.
	 */
	poll_until(atomic_load(&g_x.refused) == 4);
	poll_n(10);
	assert_int_equal(g_x.submits, 4);
	for (int i = 0; i < 4; i++)
		assert_false(d[i].called);
	spdkrt_bdev_module_resume_io();
	poll_until(all_called(d, 4));
	assert_int_equal(g_x.submits, 8);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(d[i].status, 0);
		assert_ptr_equal(d[i].on, g_thread);
	}
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
}

/*
 * The channel is put and the bdev destroyed while the worker still holds the I/O: the
 * completions arrive afterwards from the worker, the orphaned channel delivers them on its
 * thread, then it and the bdev go.
 */
static void test_worker_completes_after_channel_put(void **state)
{
	static char buf[8][BS];
	struct done d[8] = { 0 };
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	int destroyed = 0;

	(void)state;
	open_x(&desc, &ch);
	for (int i = 0; i < 8; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(desc, ch, buf[i], (uint64_t)i, 1, io_done,
							 &d[i]),
				 0);
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	assert_int_equal(spdkrt_bdev_destroy("x0", destroy_done, &destroyed), 0);
	poll_n(20);
	assert_int_equal(destroyed, 0); /* kept alive by the orphaned channel's I/O */
	assert_int_equal(g_x.destructed, 0);
	gate(true);
	poll_until(all_called(d, 8) && destroyed != 0);
	assert_int_equal(destroyed, 1);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(d[i].status, 0);
		assert_ptr_equal(d[i].on, g_thread);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_worker_completes_reads_and_writes,
						setup_plain_worker, teardown),
		cmocka_unit_test_setup_teardown(test_worker_completes_reads_and_writes,
						setup_spdkrt_worker, teardown),
		cmocka_unit_test_setup_teardown(test_worker_completes_with_nvme_status,
						setup_plain_worker, teardown),
		cmocka_unit_test_setup_teardown(test_worker_refuses_for_lack_of_resources,
						setup_plain_worker, teardown),
		cmocka_unit_test_setup_teardown(test_worker_completes_after_channel_put,
						setup_spdkrt_worker, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
