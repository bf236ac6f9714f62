/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * I/O devices and channels (io_channel.c): one reference-counted channel per device per thread,
 * release deferred to the owning thread's poll, device unregister completing only after the
 * last channel is gone, nested channels, and the errors.
 */
#include <errno.h>
#include <stdbool.h>

#include "../common/test_common.h"

#include <spdkrt/thread.h>

#include "thread/internal.h"

#define CTX_MAGIC 0x5ca1ab1eu

struct device {
	int creates;
	int destroys;
	int refuse; /* create_cb returns this when non-zero */
	/* for nesting: each channel of this device holds a channel of `inner` */
	struct device *inner;
	int unregister_done;
	struct spdkrt_thread *done_thread;
	int destroys_at_done; /* destroys seen when done ran */
};

struct channel_ctx {
	uint32_t magic;
	struct spdkrt_thread *thread;
	struct spdkrt_io_channel *inner_ch;
};

static struct spdkrt_thread *g_t1, *g_t2;

static int create_cb(void *io_device, void *buf)
{
	struct device *d = io_device;
	struct channel_ctx *ctx = buf;

	/* the context comes zeroed and aligned for any use */
	assert_int_equal(ctx->magic, 0);
	assert_int_equal((uintptr_t)buf % 64, 0);
	if (d->refuse != 0)
		return d->refuse;
	d->creates++;
	ctx->magic = CTX_MAGIC;
	ctx->thread = spdkrt_get_thread();
	if (d->inner != NULL) {
		ctx->inner_ch = spdkrt_get_io_channel(d->inner);
		assert_non_null(ctx->inner_ch);
	}
	return 0;
}

static void destroy_cb(void *io_device, void *buf)
{
	struct device *d = io_device;
	struct channel_ctx *ctx = buf;

	assert_int_equal(ctx->magic, CTX_MAGIC);
	assert_ptr_equal(ctx->thread, spdkrt_get_thread());
	d->destroys++;
	if (ctx->inner_ch != NULL)
		spdkrt_put_io_channel(ctx->inner_ch);
	ctx->magic = 0;
}

static void unregister_done(void *io_device)
{
	struct device *d = io_device;

	d->unregister_done++;
	d->done_thread = spdkrt_get_thread();
	d->destroys_at_done = d->destroys;
}

static int setup(void **state)
{
	(void)state;
	log_capture_start();
	assert_int_equal(spdkrt_thread_create("t1", &g_t1), 0);
	assert_int_equal(spdkrt_thread_create("t2", &g_t2), 0);
	return 0;
}

static void exit_and_destroy(struct spdkrt_thread *t)
{
	assert_int_equal(spdkrt_thread_exit(t), 0);
	for (int i = 0; i < 100 && !spdkrt_thread_is_exited(t); i++)
		spdkrt_thread_poll(t, 0, 0);
	assert_true(spdkrt_thread_is_exited(t));
	assert_int_equal(spdkrt_thread_destroy(t), 0);
}

static int teardown(void **state)
{
	(void)state;
	spdkrt_set_thread(NULL);
	exit_and_destroy(g_t1);
	exit_and_destroy(g_t2);
	log_capture_stop();
	return 0;
}

static void poll_both(int rounds)
{
	for (int i = 0; i < rounds; i++) {
		spdkrt_thread_poll(g_t1, 0, 0);
		spdkrt_thread_poll(g_t2, 0, 0);
	}
}

/* Unregisters d from t1 and polls until its done callback has run. */
static void unregister_and_wait(struct device *d)
{
	spdkrt_set_thread(g_t1);
	assert_int_equal(spdkrt_io_device_unregister(d, unregister_done), 0);
	spdkrt_set_thread(NULL);
	poll_both(5);
	assert_int_equal(d->unregister_done, 1);
}

static void test_reference_counting_and_deferred_release(void **state)
{
	struct device d = { 0 };
	struct spdkrt_io_channel *a, *b, *c;

	(void)state;
	assert_int_equal(spdkrt_io_device_register(&d, create_cb, destroy_cb,
						   sizeof(struct channel_ctx), "dev"),
			 0);
	spdkrt_set_thread(g_t1);
	a = spdkrt_get_io_channel(&d);
	b = spdkrt_get_io_channel(&d);
	assert_non_null(a);
	assert_ptr_equal(a, b); /* one channel per device per thread */
	assert_int_equal(d.creates, 1);
	assert_ptr_equal(spdkrt_io_channel_get_thread(a), g_t1);
	assert_ptr_equal(spdkrt_io_channel_get_io_device(a), &d);
	assert_int_equal(((struct channel_ctx *)spdkrt_io_channel_get_ctx(a))->magic, CTX_MAGIC);

	spdkrt_put_io_channel(a);
	spdkrt_thread_poll(g_t1, 0, 0);
	assert_int_equal(d.destroys, 0); /* one reference left */

	/* the last put only schedules the release: nothing happens before the next poll */
	spdkrt_put_io_channel(b);
	assert_int_equal(d.destroys, 0);
	assert_false(spdkrt_thread_is_idle(g_t1));
	spdkrt_thread_poll(g_t1, 0, 0);
	assert_int_equal(d.destroys, 1);
	assert_true(spdkrt_thread_is_idle(g_t1));

	/* a get between the last put and the poll takes the channel back */
	c = spdkrt_get_io_channel(&d);
	assert_int_equal(d.creates, 2);
	spdkrt_put_io_channel(c);
	assert_ptr_equal(spdkrt_get_io_channel(&d), c);
	spdkrt_thread_poll(g_t1, 0, 0);
	assert_int_equal(d.destroys, 1);
	assert_int_equal(d.creates, 2);
	spdkrt_put_io_channel(c);
	spdkrt_thread_poll(g_t1, 0, 0);
	assert_int_equal(d.destroys, 2);

	/* a put too many is refused */
	c = spdkrt_get_io_channel(&d);
	spdkrt_put_io_channel(c);
	spdkrt_put_io_channel(c);
	assert_logged("put more often than got");
	spdkrt_thread_poll(g_t1, 0, 0);
	assert_int_equal(d.destroys, 3);
	spdkrt_set_thread(NULL);

	assert_null(spdkrt_io_channel_get_ctx(NULL));
	assert_null(spdkrt_io_channel_get_thread(NULL));
	assert_null(spdkrt_io_channel_get_io_device(NULL));
	spdkrt_put_io_channel(NULL);
	unregister_and_wait(&d);
}

static void test_each_thread_has_its_own_channel(void **state)
{
	struct device d = { 0 };
	struct spdkrt_io_channel *c1, *c2;

	(void)state;
	assert_int_equal(spdkrt_io_device_register(&d, create_cb, destroy_cb,
						   sizeof(struct channel_ctx), "dev"),
			 0);
	spdkrt_set_thread(g_t1);
	c1 = spdkrt_get_io_channel(&d);
	spdkrt_set_thread(g_t2);
	c2 = spdkrt_get_io_channel(&d);
	assert_non_null(c1);
	assert_non_null(c2);
	assert_ptr_not_equal(c1, c2);
	assert_ptr_equal(spdkrt_io_channel_get_thread(c2), g_t2);
	assert_ptr_equal(((struct channel_ctx *)spdkrt_io_channel_get_ctx(c1))->thread, g_t1);
	assert_ptr_equal(((struct channel_ctx *)spdkrt_io_channel_get_ctx(c2))->thread, g_t2);
	assert_int_equal(d.creates, 2);

	/* only the owner may put */
	spdkrt_put_io_channel(c1);
	assert_logged("not a channel of the current thread");
	spdkrt_set_thread(g_t1);
	spdkrt_put_io_channel(c1);
	spdkrt_set_thread(g_t2);
	spdkrt_put_io_channel(c2);
	spdkrt_set_thread(NULL);
	poll_both(1);
	assert_int_equal(d.destroys, 2);
	unregister_and_wait(&d);
}

/* Unregister with channels on two threads: done runs on the caller after the last release. */
static void test_unregister_waits_for_every_channel(void **state)
{
	struct device d = { 0 };
	struct spdkrt_io_channel *c1, *c2;

	(void)state;
	assert_int_equal(spdkrt_io_device_register(&d, create_cb, destroy_cb,
						   sizeof(struct channel_ctx), "dev"),
			 0);
	spdkrt_set_thread(g_t1);
	c1 = spdkrt_get_io_channel(&d);
	spdkrt_set_thread(g_t2);
	c2 = spdkrt_get_io_channel(&d);

	spdkrt_set_thread(g_t1);
	assert_int_equal(spdkrt_io_device_unregister(&d, unregister_done), 0);
	/* no new channel, and the existing one is not handed out again */
	assert_null(spdkrt_get_io_channel(&d));
	assert_logged("is not a registered device");
	spdkrt_set_thread(g_t2);
	assert_null(spdkrt_get_io_channel(&d));
	assert_logged("is not a registered device");
	/* unregistering again: it is gone from the registry */
	assert_int_equal(spdkrt_io_device_unregister(&d, unregister_done), -ENOENT);
	assert_logged("is not a registered device");
	spdkrt_set_thread(NULL);

	/* t1, which waits for the done callback, cannot exit meanwhile */
	assert_int_equal(spdkrt_thread_exit(g_t1), 0);
	poll_both(5);
	assert_int_equal(d.unregister_done, 0);

	spdkrt_set_thread(g_t1);
	spdkrt_put_io_channel(c1);
	spdkrt_set_thread(NULL);
	poll_both(5);
	assert_int_equal(d.destroys, 1);
	assert_int_equal(d.unregister_done, 0);
	assert_false(spdkrt_thread_is_exited(g_t1));

	spdkrt_set_thread(g_t2);
	spdkrt_put_io_channel(c2);
	spdkrt_set_thread(NULL);
	/* t2 releases, then sends the done to t1 */
	spdkrt_thread_poll(g_t2, 0, 0);
	assert_int_equal(d.destroys, 2);
	assert_int_equal(d.unregister_done, 0);
	spdkrt_thread_poll(g_t1, 0, 0);
	assert_int_equal(d.unregister_done, 1);
	assert_ptr_equal(d.done_thread, g_t1);
	assert_int_equal(d.destroys_at_done, 2);
	assert_true(spdkrt_thread_is_exited(g_t1));
}

static void test_unregister_without_channels_completes_later(void **state)
{
	struct device d = { 0 };

	(void)state;
	assert_int_equal(spdkrt_io_device_register(&d, create_cb, destroy_cb, 0, NULL), 0);
	spdkrt_set_thread(g_t2);
	assert_int_equal(spdkrt_io_device_unregister(&d, unregister_done), 0);
	/* never from inside the call */
	assert_int_equal(d.unregister_done, 0);
	spdkrt_set_thread(NULL);
	spdkrt_thread_poll(g_t2, 0, 0);
	assert_int_equal(d.unregister_done, 1);
	assert_ptr_equal(d.done_thread, g_t2);

	/* the address can be registered again; done may be NULL */
	assert_int_equal(spdkrt_io_device_register(&d, create_cb, destroy_cb, 0, NULL), 0);
	spdkrt_set_thread(g_t2);
	assert_int_equal(spdkrt_io_device_unregister(&d, NULL), 0);
	spdkrt_set_thread(NULL);
	spdkrt_thread_poll(g_t2, 0, 0);
	assert_int_equal(d.unregister_done, 1);
}

/* A channel of an old registration does not serve the new one at the same address. */
static void test_register_again_while_an_old_channel_lives(void **state)
{
	struct device d = { 0 };
	struct spdkrt_io_channel *old_ch, *new_ch;

	(void)state;
	assert_int_equal(spdkrt_io_device_register(&d, create_cb, destroy_cb,
						   sizeof(struct channel_ctx), "old"),
			 0);
	spdkrt_set_thread(g_t1);
	old_ch = spdkrt_get_io_channel(&d);
	assert_int_equal(spdkrt_io_device_unregister(&d, unregister_done), 0);
	spdkrt_set_thread(NULL);
	assert_int_equal(spdkrt_io_device_register(&d, create_cb, destroy_cb,
						   sizeof(struct channel_ctx), "new"),
			 0);
	spdkrt_set_thread(g_t1);
	new_ch = spdkrt_get_io_channel(&d);
	assert_non_null(new_ch);
	assert_ptr_not_equal(new_ch, old_ch);
	assert_ptr_equal(srt_thread_find_channel(g_t1, &d), new_ch);
	spdkrt_put_io_channel(old_ch);
	spdkrt_set_thread(NULL);
	spdkrt_thread_poll(g_t1, 0, 0);
	spdkrt_thread_poll(g_t1, 0, 0);
	assert_int_equal(d.unregister_done, 1); /* the old registration is finished */
	d.unregister_done = 0;
	spdkrt_set_thread(g_t1);
	spdkrt_put_io_channel(new_ch);
	spdkrt_set_thread(NULL);
	unregister_and_wait(&d);
	assert_int_equal(d.creates, 2);
	assert_int_equal(d.destroys, 2);
}

static void test_refused_channel(void **state)
{
	struct device d = { .refuse = -ENODEV };

	(void)state;
	assert_int_equal(spdkrt_io_device_register(&d, create_cb, destroy_cb,
						   sizeof(struct channel_ctx), "picky"),
			 0);
	spdkrt_set_thread(g_t1);
	assert_null(spdkrt_get_io_channel(&d));
	assert_logged("'picky' refused a channel");
	assert_int_equal(g_t1->num_channels, 0);
	assert_null(srt_thread_find_channel(g_t1, &d));
	spdkrt_set_thread(NULL);
	/* no channel was counted: the unregister completes at once */
	unregister_and_wait(&d);
	assert_int_equal(d.destroys, 0);
}

static void test_nested_channels_release_in_order(void **state)
{
	struct device inner = { 0 };
	struct device outer = { .inner = &inner };
	struct spdkrt_io_channel *ch;

	(void)state;
	assert_int_equal(spdkrt_io_device_register(&inner, create_cb, destroy_cb,
						   sizeof(struct channel_ctx), "inner"),
			 0);
	assert_int_equal(spdkrt_io_device_register(&outer, create_cb, destroy_cb,
						   sizeof(struct channel_ctx), "outer"),
			 0);
	spdkrt_set_thread(g_t1);
	ch = spdkrt_get_io_channel(&outer);
	assert_non_null(ch);
	assert_int_equal(inner.creates, 1);
	assert_int_equal(g_t1->num_channels, 2);
	/* the thread exits only after both are gone */
	assert_int_equal(spdkrt_thread_exit(g_t1), 0);
	spdkrt_put_io_channel(ch);
	spdkrt_set_thread(NULL);
	spdkrt_thread_poll(g_t1, 0, 0);
	/* outer's destroy put inner's channel: inner goes at the next poll */
	assert_int_equal(outer.destroys, 1);
	assert_int_equal(inner.destroys, 0);
	assert_false(spdkrt_thread_is_exited(g_t1));
	spdkrt_thread_poll(g_t1, 0, 0);
	assert_int_equal(inner.destroys, 1);
	assert_true(spdkrt_thread_is_exited(g_t1));

	spdkrt_set_thread(g_t2);
	assert_int_equal(spdkrt_io_device_unregister(&outer, NULL), 0);
	assert_int_equal(spdkrt_io_device_unregister(&inner, NULL), 0);
	spdkrt_set_thread(NULL);
	spdkrt_thread_poll(g_t2, 0, 0);
}

static void test_bad_arguments(void **state)
{
	struct device d = { 0 };

	(void)state;
	assert_int_equal(spdkrt_io_device_register(NULL, create_cb, destroy_cb, 0, NULL), -EINVAL);
	assert_logged("io_device, create_cb or destroy_cb is NULL");
	assert_int_equal(spdkrt_io_device_register(&d, NULL, destroy_cb, 0, NULL), -EINVAL);
	assert_logged("is NULL");
	assert_int_equal(spdkrt_io_device_register(&d, create_cb, NULL, 0, NULL), -EINVAL);
	assert_logged("is NULL");
	assert_int_equal(spdkrt_io_device_register(&d, create_cb, destroy_cb, 0, "d"), 0);
	assert_int_equal(spdkrt_io_device_register(&d, create_cb, destroy_cb, 0, "d2"), -EEXIST);
	assert_logged("('d2') is already registered");

	/* no current thread */
	assert_null(spdkrt_get_io_channel(&d));
	assert_logged("not called on an spdkrt thread");
	assert_int_equal(spdkrt_io_device_unregister(&d, NULL), -EINVAL);
	assert_logged("not called on an spdkrt thread");

	spdkrt_set_thread(g_t1);
	assert_null(spdkrt_get_io_channel(&g_t1));
	assert_logged("is not a registered device");
	assert_int_equal(spdkrt_io_device_unregister(&g_t1, NULL), -ENOENT);
	assert_logged("is not a registered device");
	spdkrt_set_thread(NULL);
	unregister_and_wait(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reference_counting_and_deferred_release, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_each_thread_has_its_own_channel, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unregister_waits_for_every_channel, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unregister_without_channels_completes_later,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_again_while_an_old_channel_lives,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_channel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_channels_release_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};

	return cmocka_run_group_tests_name("thread/io_channel", tests, NULL, NULL);
}
