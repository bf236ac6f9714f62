/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The deferred-completion contract (DESIGN.md): a completion callback never runs inside the
 * call that submitted the I/O; deferred completions are delivered FIFO at the next poll; one
 * drain delivers only what was queued when it started; a released channel delivers first.
 */
#include <errno.h>
#include <pthread.h>

#include "bdev_fixture.h"

#define CHAIN_IOS 10000000L

struct chain {
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	char *buf;
	long left;
	long completed;
	long violations; /* callbacks that ran while a submit was on the stack */
	int failures;
	bool in_submit;
	uintptr_t stack_top;
	uintptr_t deepest;
};

static void chain_cb(void *arg, int status);

static void chain_submit(struct chain *c)
{
	int rc;

	c->left--;
	c->in_submit = true;
	rc = spdkrt_bdev_read_blocks(c->desc, c->ch, c->buf, (uint64_t)c->left % 64, 1, chain_cb,
				     c);
	c->in_submit = false;
	if (rc != 0)
		c->failures++;
}

static void chain_cb(void *arg, int status)
{
	struct chain *c = arg;
	char marker;

	if (c->in_submit)
		c->violations++;
	if (status != 0)
		c->failures++;
	if ((uintptr_t)&marker < c->deepest)
		c->deepest = (uintptr_t)&marker;
	c->completed++;
	if (c->left > 0)
		chain_submit(c);
}

static void open_chain(struct chain *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(spdkrt_bdev_open(name, false, ignore_event, NULL, &c->desc), 0);
	c->ch = spdkrt_bdev_get_io_channel(c->desc);
	assert_non_null(c->ch);
	c->buf = spdkrt_dma_malloc(4096, 4096, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(c->buf);
}

static void close_chain(struct chain *c)
{
	spdkrt_put_io_channel(c->ch);
	spdkrt_bdev_close(c->desc);
	spdkrt_dma_free(c->buf);
}

/* The seed scenario: 10^7 I/Os chained through callbacks, polled on a 64 KiB stack. */
static void *chain_thread(void *arg)
{
	struct chain *c = arg;
	char top;

	spdkrt_set_thread(g_thread);
	c->stack_top = (uintptr_t)&top;
	c->deepest = c->stack_top;
	c->left = CHAIN_IOS;
	chain_submit(c);
	while (c->completed < CHAIN_IOS && c->failures == 0)
		spdkrt_thread_poll(g_thread, 0, 0);
	spdkrt_set_thread(NULL);
	return NULL;
}

static void test_ten_million_chained_ios_on_a_small_stack(void **state)
{
	struct chain c;
	pthread_attr_t attr;
	pthread_t tid;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("null:name=Null0,size_mb=1,block_size=4096", NULL), 0);
	open_chain(&c, "Null0");
	spdkrt_set_thread(NULL);
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, 64 * 1024), 0);
	assert_int_equal(pthread_create(&tid, &attr, chain_thread, &c), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
	pthread_attr_destroy(&attr);
	spdkrt_set_thread(g_thread);

	assert_int_equal(c.failures, 0);
	assert_int_equal(c.completed, CHAIN_IOS);
	assert_int_equal(c.violations, 0);
	/* the stack did not grow with the chain: far less than 64 KiB was ever used */
	assert_true(c.stack_top - c.deepest < 16 * 1024);
	close_chain(&c);
	destroy_and_wait("Null0");
}

static struct {
	int next_expected;
	int out_of_order;
	int delivered;
} g_order;

static void fifo_cb(void *arg, int status)
{
	int index = (int)(uintptr_t)arg;

	if (status != 0 || index != g_order.next_expected)
		g_order.out_of_order++;
	g_order.next_expected = index + 1;
	g_order.delivered++;
}

static void check_fifo(const char *spec, const char *name)
{
	struct chain c;

	assert_int_equal(spdkrt_bdev_create(spec, NULL), 0);
	open_chain(&c, name);
	memset(&g_order, 0, sizeof(g_order));
	for (int i = 0; i < 200; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(c.desc, c.ch, c.buf, (uint64_t)i % 8, 1,
							 fifo_cb, (void *)(uintptr_t)i),
				 0);
	assert_int_equal(g_order.delivered, 0); /* nothing ran inside the submits */
	spdkrt_thread_poll(g_thread, 0, 0);
	assert_int_equal(g_order.delivered, 200);
	assert_int_equal(g_order.out_of_order, 0);
	close_chain(&c);
	destroy_and_wait(name);
}

static void test_deferred_completions_are_fifo(void **state)
{
	(void)state;
	check_fifo("null:name=N,size_mb=1", "N");
	check_fifo("malloc:name=M,size_mb=1", "M");
}

static int g_poller_runs;

static int counting_poller(void *ctx)
{
	(void)ctx;
	g_poller_runs++;
	return SPDKRT_POLLER_BUSY;
}

/* A chain that resubmits forever must not starve other pollers: one drain per poll. */
static void test_drain_delivers_only_what_was_queued(void **state)
{
	struct spdkrt_poller *poller;
	struct chain c;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("null:name=Fair,size_mb=1", NULL), 0);
	open_chain(&c, "Fair");
	g_poller_runs = 0;
	assert_int_equal(spdkrt_poller_register(counting_poller, NULL, 0, &poller), 0);
	c.left = 1000000;
	chain_submit(&c);
	chain_submit(&c);
	for (int i = 1; i <= 10; i++) {
		spdkrt_thread_poll(g_thread, 0, 0);
		/* two chains: each poll delivers the two completions queued before it */
		assert_int_equal(c.completed, 2 * i);
		assert_int_equal(g_poller_runs, i);
	}
	assert_int_equal(c.violations, 0);
	c.left = 0;
	poll_n(2);
	spdkrt_poller_unregister(&poller);
	close_chain(&c);
	destroy_and_wait("Fair");
}

static int g_delivered;

static void count_cb(void *arg, int status)
{
	(void)arg;
	if (status == 0)
		g_delivered++;
}

/* Releasing a channel delivers its deferred completions before it goes. */
static void test_put_channel_with_pending_completions(void **state)
{
	struct chain c;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=Put,size_mb=1", NULL), 0);
	open_chain(&c, "Put");
	g_delivered = 0;
	for (int i = 0; i < 5; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(c.desc, c.ch, c.buf, 0, 1, count_cb, NULL),
				 0);
	spdkrt_put_io_channel(c.ch);
	assert_int_equal(g_delivered, 0);
	spdkrt_thread_poll(g_thread, 0, 0);
	assert_int_equal(g_delivered, 5);
	spdkrt_bdev_close(c.desc);
	spdkrt_dma_free(c.buf);
	destroy_and_wait("Put");
}

/* complete=poller: completions come from the module's poller, never from inside submit. */
static void test_poller_completions_are_not_inline_either(void **state)
{
	struct chain c;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("null:name=P,size_mb=1,complete=poller", NULL), 0);
	open_chain(&c, "P");
	c.left = 10000;
	chain_submit(&c);
	poll_until(c.completed == 10000);
	assert_int_equal(c.violations, 0);
	assert_int_equal(c.failures, 0);
	close_chain(&c);
	destroy_and_wait("P");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ten_million_chained_ios_on_a_small_stack,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_deferred_completions_are_fifo, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_drain_delivers_only_what_was_queued,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_put_channel_with_pending_completions,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_poller_completions_are_not_inline_either,
						fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests_name("bdev/deferred", tests, NULL, NULL);
}
