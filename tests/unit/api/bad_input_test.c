/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every exported function against bad input: NULL handles and callbacks, zero and huge sizes,
 * overflowing offset+length, opts whose size is 0 or too small, calls before the environment
 * exists. Each must give its documented error (a negative errno, NULL, 0 or "") and, where it
 * reports a failure, a log line; never a crash.
 *
 * The list of functions comes from libspdkrt/libspdkrt.map: a function exported without a row
 * here fails test_every_export_has_a_row. Adding one is one line in g_rows (in map order):
 *	ROW(spdkrt_new_function),    with a probe_spdkrt_new_function(void) above it, written by
 *	                             hand or with PROBE_NULL_GIVES(fn, value) for a NULL-tolerant
 *	                             query, or
 *	NO_BAD_INPUT(spdkrt_new_function, "why it has none"),
 * Probes check with want_rc/want_null (result plus a part of the log line), want_value and
 * want_ignored. They run on one thread with an open malloc bdev (g_desc, g_ch) in a heap env.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "../common/test_common.h"

#include <spdkrt.h>

#include "env/backend.h"

/* What the probes get: a heap environment, a current thread, a bdev open for writing. */
static struct spdkrt_thread *g_thread;
static struct spdkrt_bdev *g_bdev;
static struct spdkrt_bdev_desc *g_desc;
static struct spdkrt_io_channel *g_ch;
static char g_buf[4096] __attribute__((aligned(4096)));

static void poll_a_little(void)
{
	for (int i = 0; i < 100; i++)
		spdkrt_thread_poll(g_thread, 0, 0);
}

/* Failures are counted, not fatal, so that one run lists every broken case. */
static unsigned g_failures;

static void check_rc(const char *call, long long got, long long want, const char *logged)
{
	if (got != want) {
		print_error("%s returned %lld, expected %lld\n", call, got, want);
		g_failures++;
	} else if (logged != NULL && strstr(g_log_capture.text, logged) == NULL) {
		print_error("%s: expected a log line containing '%s'; log was:\n%s", call, logged,
			    g_log_capture.text);
		g_failures++;
	}
	log_capture_clear();
}

static void assert_no_failures(void)
{
	unsigned n = g_failures;

	g_failures = 0;
	if (n != 0)
		fail_msg("%u bad-input case(s) failed (listed above)", n);
}

/* A failing call: its return value and a log line that says why (a part of it). */
#define want_rc(call, want, logged) check_rc(#call, (long long)(call), (want), (logged))
/* A failing call that returns a pointer: NULL and a log line. */
#define want_null(call, logged) check_rc(#call, (call) != NULL, 0, (logged))
/* A query with a documented answer for bad input; no log line needed. */
#define want_value(call, want) check_rc(#call, (long long)(call), (long long)(want), NULL)
/* A void call that must ignore bad input with a log line. */
#define want_ignored(call, logged) check_rc(#call, ((call), 0), 0, (logged))

/* Queries whose documented answer for a NULL handle is a value (no log line needed). */
#define PROBE_NULL_GIVES(fn, want)                                                                 \
	static void probe_##fn(void)                                                               \
	{                                                                                          \
		want_value(fn(NULL), want);                                                        \
	}
#define PROBE_NULL_GIVES_NULL(fn)                                                                  \
	static void probe_##fn(void)                                                               \
	{                                                                                          \
		want_value(fn(NULL) == NULL, 1);                                                   \
	}

static void noop_msg(void *ctx)
{
	(void)ctx;
}
static int noop_poller(void *ctx)
{
	(void)ctx;
	return SPDKRT_POLLER_IDLE;
}
static void noop_io(void *arg, int status)
{
	(void)arg;
	(void)status;
}
static void noop_event(enum spdkrt_bdev_event_type t, struct spdkrt_bdev *b, void *ctx)
{
	(void)t;
	(void)b;
	(void)ctx;
}
static int noop_create(void *dev, void *ctx)
{
	(void)dev;
	(void)ctx;
	return 0;
}
static void noop_destroy(void *dev, void *ctx)
{
	(void)dev;
	(void)ctx;
}
static void noop_channel(struct spdkrt_io_channel_iter *i)
{
	(void)i;
}
static void noop_channel_done(struct spdkrt_io_channel_iter *i, int s)
{
	(void)i;
	(void)s;
}
static void noop_done(void *ctx, int status)
{
	(void)ctx;
	(void)status;
}

/* ---- app ---- */
static void probe_spdkrt_app_get_thread(void)
{
	want_value(spdkrt_app_get_thread() == NULL, 1);
}

static void probe_spdkrt_app_opts_init(void)
{
	struct spdkrt_app_opts opts;

	want_rc(spdkrt_app_opts_init(NULL, sizeof(opts)), -EINVAL, "opts is NULL");
	want_rc(spdkrt_app_opts_init(&opts, 0), -EINVAL, "too small");
	want_rc(spdkrt_app_opts_init(&opts, 1), -EINVAL, "too small");
}

static void probe_spdkrt_app_run(void)
{
	struct spdkrt_app_opts opts;

	spdkrt_app_opts_init(&opts, sizeof(opts));
	want_rc(spdkrt_app_run(NULL, noop_msg, NULL), -EINVAL, "spdkrt_app_run");
	want_rc(spdkrt_app_run(&opts, NULL, NULL), -EINVAL, "spdkrt_app_run");
	opts.size = 0;
	want_rc(spdkrt_app_run(&opts, noop_msg, NULL), -EINVAL, "spdkrt_app_run");
}

static void probe_spdkrt_app_stop(void)
{
	want_ignored(spdkrt_app_stop(0), "no application is running");
}

static void probe_spdkrt_app_thread_create(void)
{
	want_rc(spdkrt_app_thread_create("x", 0, NULL), -EINVAL, "thread is NULL");
}

static void probe_spdkrt_app_thread_get_core(void)
{
	want_value(spdkrt_app_thread_get_core(NULL), SPDKRT_ENV_CORE_INVALID);
}

/* ---- bdev ---- */
static void probe_spdkrt_bdev_channel_get_stats(void)
{
	struct spdkrt_bdev_stats s;

	want_rc(spdkrt_bdev_channel_get_stats(NULL, &s, sizeof(s)), -EINVAL, "NULL channel");
	want_rc(spdkrt_bdev_channel_get_stats(g_ch, NULL, sizeof(s)), -EINVAL, "NULL channel");
	want_rc(spdkrt_bdev_channel_get_stats(g_ch, &s, 0), -EINVAL, "size 0");
}

static void probe_spdkrt_bdev_close(void)
{
	want_value((spdkrt_bdev_close(NULL), 0), 0);
}

static void probe_spdkrt_bdev_create(void)
{
	struct spdkrt_bdev *b = NULL;

	want_rc(spdkrt_bdev_create(NULL, &b), -EINVAL, "spec is NULL");
	want_rc(spdkrt_bdev_create("", &b), -EINVAL, "MODULE:key=value");
	want_rc(spdkrt_bdev_create("nosuch:name=x", &b), -ENODEV, "unknown module");
	want_rc(spdkrt_bdev_create("malloc:name=bad0,num_blocks=8", &b), -EEXIST, "bad0");
	want_rc(spdkrt_bdev_create("malloc:name=huge,num_blocks=18446744073709551615", &b), -EINVAL,
		"num_blocks");
	assert_null(b);
}

static void probe_spdkrt_bdev_desc_get_bdev(void)
{
	want_value(spdkrt_bdev_desc_get_bdev(NULL) == NULL, 1);
}

static void probe_spdkrt_bdev_destroy(void)
{
	want_rc(spdkrt_bdev_destroy(NULL, noop_done, NULL), -EINVAL, "spdkrt_bdev_destroy");
	want_rc(spdkrt_bdev_destroy("nosuch", noop_done, NULL), -ENODEV, "nosuch");
}

static void probe_spdkrt_bdev_first(void)
{
	want_value(spdkrt_bdev_first() == g_bdev, 1);
}

/* The checks the block-range calls share: handles, callback, range and overflow. */
#define PROBE_RANGE(fn)                                                                            \
	static void probe_##fn(void)                                                               \
	{                                                                                          \
		want_rc(fn(NULL, g_ch, 0, 1, noop_io, NULL), -EINVAL, "NULL");                     \
		want_rc(fn(g_desc, NULL, 0, 1, noop_io, NULL), -EINVAL, "NULL");                   \
		want_rc(fn(g_desc, g_ch, 0, 1, NULL, NULL), -EINVAL, "NULL");                      \
		want_rc(fn(g_desc, g_ch, 0, 0, noop_io, NULL), -EINVAL, "outside");                \
		want_rc(fn(g_desc, g_ch, 64, 1, noop_io, NULL), -EINVAL, "outside");               \
		want_rc(fn(g_desc, g_ch, UINT64_MAX, 2, noop_io, NULL), -EINVAL, "outside");       \
		want_rc(fn(g_desc, g_ch, 1, UINT64_MAX, noop_io, NULL), -EINVAL, "outside");       \
	}
PROBE_RANGE(spdkrt_bdev_flush_blocks)
PROBE_RANGE(spdkrt_bdev_unmap_blocks)
PROBE_RANGE(spdkrt_bdev_write_zeroes_blocks)

PROBE_NULL_GIVES(spdkrt_bdev_get_block_size, 0)
PROBE_NULL_GIVES(spdkrt_bdev_get_buf_align, 1)
PROBE_NULL_GIVES(spdkrt_bdev_get_max_io_blocks, 0)
PROBE_NULL_GIVES(spdkrt_bdev_get_num_blocks, 0)
PROBE_NULL_GIVES(spdkrt_bdev_get_optimal_io_boundary, 0)
PROBE_NULL_GIVES(spdkrt_bdev_get_write_unit_size, 0)
PROBE_NULL_GIVES(spdkrt_bdev_is_claimed, false)
PROBE_NULL_GIVES_NULL(spdkrt_bdev_next)

static void probe_spdkrt_bdev_get_module_name(void)
{
	want_value(strcmp(spdkrt_bdev_get_module_name(NULL), ""), 0);
}

static void probe_spdkrt_bdev_get_name(void)
{
	want_value(strcmp(spdkrt_bdev_get_name(NULL), ""), 0);
}

static void probe_spdkrt_bdev_get_product_name(void)
{
	want_value(strcmp(spdkrt_bdev_get_product_name(NULL), ""), 0);
}

static void probe_spdkrt_bdev_get_by_name(void)
{
	want_value(spdkrt_bdev_get_by_name(NULL) == NULL, 1);
	want_value(spdkrt_bdev_get_by_name("nosuch") == NULL, 1);
}

static void probe_spdkrt_bdev_get_io_channel(void)
{
	want_null(spdkrt_bdev_get_io_channel(NULL), "spdkrt_bdev_get_io_channel");
}

static void probe_spdkrt_bdev_get_io_channel_ext(void)
{
	struct spdkrt_io_channel *ch = g_ch;

	want_rc(spdkrt_bdev_get_io_channel_ext(NULL, &ch), -EINVAL, "desc is NULL");
	assert_null(ch);
	want_rc(spdkrt_bdev_get_io_channel_ext(g_desc, NULL), -EINVAL,
		"spdkrt_bdev_get_io_channel_ext");
}

static void probe_spdkrt_bdev_get_stats(void)
{
	struct spdkrt_bdev_stats s;

	want_rc(spdkrt_bdev_get_stats(NULL, &s, sizeof(s)), -EINVAL, "NULL bdev");
	want_rc(spdkrt_bdev_get_stats(g_bdev, NULL, sizeof(s)), -EINVAL, "NULL bdev");
	want_rc(spdkrt_bdev_get_stats(g_bdev, &s, 0), -EINVAL, "size 0");
}

static void probe_spdkrt_bdev_io_type_supported(void)
{
	want_value(spdkrt_bdev_io_type_supported(NULL, SPDKRT_BDEV_IO_READ), false);
	want_value(spdkrt_bdev_io_type_supported(g_bdev, (enum spdkrt_bdev_io_type)99), false);
	want_value(spdkrt_bdev_io_type_supported(g_bdev, (enum spdkrt_bdev_io_type) - 1), false);
}

static void probe_spdkrt_bdev_open(void)
{
	struct spdkrt_bdev_desc *d = NULL;

	want_rc(spdkrt_bdev_open(NULL, false, noop_event, NULL, &d), -EINVAL, "NULL name");
	want_rc(spdkrt_bdev_open("bad0", false, NULL, NULL, &d), -EINVAL, "NULL name");
	want_rc(spdkrt_bdev_open("bad0", false, noop_event, NULL, NULL), -EINVAL, "NULL name");
	want_rc(spdkrt_bdev_open("nosuch", false, noop_event, NULL, &d), -ENODEV, "nosuch");
	assert_null(d);
}

static void probe_spdkrt_bdev_opts_init(void)
{
	struct spdkrt_bdev_opts opts;

	want_rc(spdkrt_bdev_opts_init(NULL, sizeof(opts)), -EINVAL, "spdkrt_bdev_opts_init");
	want_rc(spdkrt_bdev_opts_init(&opts, 0), -EINVAL, "spdkrt_bdev_opts_init");
}

static void probe_spdkrt_bdev_queue_io_wait(void)
{
	struct spdkrt_bdev_io_wait_entry e = { .cb_fn = noop_msg };

	want_rc(spdkrt_bdev_queue_io_wait(NULL, g_ch, &e), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_queue_io_wait(g_bdev, NULL, &e), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_queue_io_wait(g_bdev, g_ch, NULL), -EINVAL, "NULL");
	e.cb_fn = NULL;
	want_rc(spdkrt_bdev_queue_io_wait(g_bdev, g_ch, &e), -EINVAL, "NULL");
}

/* Byte-addressed forms: the block checks plus whole-block offsets and lengths. */
#define PROBE_BYTES(fn)                                                                            \
	static void probe_##fn(void)                                                               \
	{                                                                                          \
		want_rc(fn(NULL, g_ch, g_buf, 0, 512, noop_io, NULL), -EINVAL, "NULL");            \
		want_rc(fn(g_desc, g_ch, g_buf, 1, 512, noop_io, NULL), -EINVAL, "multiples");     \
		want_rc(fn(g_desc, g_ch, g_buf, 0, 100, noop_io, NULL), -EINVAL, "multiples");     \
		want_rc(fn(g_desc, g_ch, g_buf, 0, 0, noop_io, NULL), -EINVAL, "outside");         \
		want_rc(fn(g_desc, g_ch, NULL, 0, 512, noop_io, NULL), -EINVAL, "NULL");           \
		want_rc(fn(g_desc, g_ch, g_buf, UINT64_MAX - 511, 1024, noop_io, NULL), -EINVAL,   \
			"outside");                                                                \
	}
PROBE_BYTES(spdkrt_bdev_read)
PROBE_BYTES(spdkrt_bdev_write)

/* Buffer forms: the range checks plus a NULL buffer. */
#define PROBE_BUF(fn)                                                                              \
	static void probe_##fn(void)                                                               \
	{                                                                                          \
		want_rc(fn(NULL, g_ch, g_buf, 0, 1, noop_io, NULL), -EINVAL, "NULL");              \
		want_rc(fn(g_desc, NULL, g_buf, 0, 1, noop_io, NULL), -EINVAL, "NULL");            \
		want_rc(fn(g_desc, g_ch, g_buf, 0, 1, NULL, NULL), -EINVAL, "NULL");               \
		want_rc(fn(g_desc, g_ch, NULL, 0, 1, noop_io, NULL), -EINVAL, "NULL");             \
		want_rc(fn(g_desc, g_ch, g_buf, 0, 0, noop_io, NULL), -EINVAL, "outside");         \
		want_rc(fn(g_desc, g_ch, g_buf, UINT64_MAX, 2, noop_io, NULL), -EINVAL,            \
			"outside");                                                                \
		want_rc(fn(g_desc, g_ch, g_buf, 2, UINT64_MAX - 1, noop_io, NULL), -EINVAL,        \
			"outside");                                                                \
	}
PROBE_BUF(spdkrt_bdev_read_blocks)
PROBE_BUF(spdkrt_bdev_write_blocks)

/* Vector forms: the range checks plus iovec counts and lengths (a sum that wraps to the size). */
#define PROBE_IOV(fn)                                                                              \
	static void probe_##fn(void)                                                               \
	{                                                                                          \
		struct iovec iov[2] = { { g_buf, 512 }, { g_buf, 512 } };                          \
		struct iovec wrap[2] = { { g_buf, SIZE_MAX }, { g_buf, 513 } };                    \
		struct iovec zero[2] = { { g_buf, 512 }, { g_buf, 0 } };                           \
                                                                                                   \
		want_rc(fn(NULL, g_ch, iov, 1, 0, 1, noop_io, NULL), -EINVAL, "NULL");             \
		want_rc(fn(g_desc, g_ch, NULL, 1, 0, 1, noop_io, NULL), -EINVAL, "iovcnt");        \
		want_rc(fn(g_desc, g_ch, iov, 0, 0, 1, noop_io, NULL), -EINVAL, "iovcnt");         \
		want_rc(fn(g_desc, g_ch, iov, -1, 0, 1, noop_io, NULL), -EINVAL, "iovcnt");        \
		want_rc(fn(g_desc, g_ch, iov, INT_MAX, 0, 1, noop_io, NULL), -EINVAL, "iovcnt");   \
		want_rc(fn(g_desc, g_ch, iov, 2, 0, 1, noop_io, NULL), -EINVAL, "iovecs hold");    \
		want_rc(fn(g_desc, g_ch, wrap, 2, 0, 1, noop_io, NULL), -EINVAL, "overflow");      \
		want_rc(fn(g_desc, g_ch, zero, 2, 0, 1, noop_io, NULL), -EINVAL, "length 0");      \
		want_rc(fn(g_desc, g_ch, iov, 1, UINT64_MAX, 2, noop_io, NULL), -EINVAL,           \
			"outside");                                                                \
	}
PROBE_IOV(spdkrt_bdev_readv_blocks)
PROBE_IOV(spdkrt_bdev_writev_blocks)

static void probe_spdkrt_bdev_rescan(void)
{
	want_rc(spdkrt_bdev_rescan(NULL), -EINVAL, "spdkrt_bdev_rescan");
	want_rc(spdkrt_bdev_rescan("nosuch"), -ENODEV, "nosuch");
}

static void probe_spdkrt_bdev_reset(void)
{
	want_rc(spdkrt_bdev_reset(NULL, g_ch, noop_io, NULL), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_reset(g_desc, NULL, noop_io, NULL), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_reset(g_desc, g_ch, NULL, NULL), -EINVAL, "NULL");
}

static void probe_spdkrt_bdev_set_opts(void)
{
	struct spdkrt_bdev_opts opts;

	want_rc(spdkrt_bdev_set_opts(NULL), -EINVAL, "spdkrt_bdev_set_opts");
	spdkrt_bdev_opts_init(&opts, sizeof(opts));
	opts.size = 0;
	want_rc(spdkrt_bdev_set_opts(&opts), -EINVAL, "spdkrt_bdev_set_opts");
}

/* ---- env and DMA memory ---- */
static void probe_spdkrt_dma_free(void)
{
	want_value((spdkrt_dma_free(NULL), 0), 0);
}

static void probe_spdkrt_dma_iova(void)
{
	want_value(spdkrt_dma_iova(NULL), SPDKRT_IOVA_INVALID);
}

/* Sizes, alignments and sockets: zero, huge, not a power of two, above 32 bits, nonexistent. */
#define PROBE_DMA(fn)                                                                              \
	static void probe_##fn(void)                                                               \
	{                                                                                          \
		void *buf;                                                                         \
                                                                                                   \
		want_null(fn(0, 64, SPDKRT_ENV_SOCKET_ANY), "invalid size");                       \
		want_null(fn(SIZE_MAX, 64, SPDKRT_ENV_SOCKET_ANY), #fn);                           \
		want_null(fn(4096, 3, SPDKRT_ENV_SOCKET_ANY), "alignment");                        \
		want_null(fn(4096, 64, -2), "socket");                                             \
		want_null(fn(4096, 64, 4096), "socket");                                           \
		buf = fn(64, (size_t)1 << 33, SPDKRT_ENV_SOCKET_ANY);                              \
		if (buf != NULL) {                                                                 \
			assert_int_equal((uintptr_t)buf &(((uintptr_t)1 << 33) - 1), 0);           \
			spdkrt_dma_free(buf);                                                      \
		} else {                                                                           \
			assert_logged("alignment");                                                \
		}                                                                                  \
		log_capture_clear();                                                               \
	}
PROBE_DMA(spdkrt_dma_malloc)
PROBE_DMA(spdkrt_dma_zmalloc)
PROBE_DMA(spdkrt_dma_malloc_contig)
PROBE_DMA(spdkrt_dma_zmalloc_contig)

static void probe_spdkrt_vtophys(void)
{
	size_t len = 4096;

	want_value(spdkrt_vtophys(NULL, NULL), SPDKRT_IOVA_INVALID);
	want_value(spdkrt_vtophys(g_buf, &len), SPDKRT_IOVA_INVALID); /* not DMA memory */
	want_value(len, 0);
}

#define TWO_MIB ((size_t)2 << 20)

static void probe_spdkrt_mem_register(void)
{
	want_rc(spdkrt_mem_register(NULL, TWO_MIB), -EINVAL, "multiples of 2 MiB");
	/* g_buf + 64: g_buf itself is 2 MiB aligned in one run of 512 (ASLR) */
	want_rc(spdkrt_mem_register(g_buf + 64, TWO_MIB), -EINVAL, "multiples of 2 MiB");
	want_rc(spdkrt_mem_register((void *)TWO_MIB, 0), -EINVAL, "multiples of 2 MiB");
	want_rc(spdkrt_mem_register((void *)TWO_MIB, 4096), -EINVAL, "multiples of 2 MiB");
	want_rc(spdkrt_mem_register((void *)(uintptr_t)(UINTPTR_MAX - TWO_MIB + 1), 2 * TWO_MIB),
		-EINVAL, "multiples of 2 MiB"); /* wraps */
}

static void probe_spdkrt_mem_unregister(void)
{
	want_rc(spdkrt_mem_unregister(NULL, TWO_MIB), -EINVAL, "multiples of 2 MiB");
	want_rc(spdkrt_mem_unregister((void *)TWO_MIB, TWO_MIB), -EINVAL,
		"not a registered region");
}

static void probe_spdkrt_env_get_next_core(void)
{
	want_value(spdkrt_env_get_next_core(SPDKRT_ENV_CORE_INVALID - 1), SPDKRT_ENV_CORE_INVALID);
}

static void probe_spdkrt_env_get_socket_id(void)
{
	want_rc(spdkrt_env_get_socket_id(SPDKRT_ENV_CORE_INVALID), -EINVAL, "not a core");
	want_rc(spdkrt_env_get_socket_id(100000), -EINVAL, "not a core");
}

static void probe_spdkrt_env_init(void)
{
	struct spdkrt_env_opts opts;

	spdkrt_env_opts_init(&opts, sizeof(opts));
	want_rc(spdkrt_env_init(NULL), -EINVAL, "opts is NULL");
	want_rc(spdkrt_env_init(&opts), -EALREADY, "already");
}

static void probe_spdkrt_env_opts_init(void)
{
	struct spdkrt_env_opts opts;

	want_rc(spdkrt_env_opts_init(NULL, sizeof(opts)), -EINVAL, "opts is NULL");
	want_rc(spdkrt_env_opts_init(&opts, 0), -EINVAL, "too small");
	want_rc(spdkrt_env_opts_init(&opts, 1), -EINVAL, "too small");
}

/* ---- threads, pollers, messages, I/O channels ---- */
static void probe_spdkrt_for_each_channel(void)
{
	want_rc(spdkrt_for_each_channel(NULL, noop_channel, NULL, noop_channel_done), -EINVAL,
		"spdkrt_for_each_channel");
	want_rc(spdkrt_for_each_channel(g_buf, noop_channel, NULL, noop_channel_done), -ENOENT,
		"spdkrt_for_each_channel");
	want_rc(spdkrt_for_each_channel(g_bdev, NULL, NULL, noop_channel_done), -EINVAL,
		"spdkrt_for_each_channel");
	want_rc(spdkrt_for_each_channel(g_bdev, noop_channel, NULL, NULL), -EINVAL,
		"spdkrt_for_each_channel");
}

static void probe_spdkrt_for_each_channel_continue(void)
{
	want_ignored(spdkrt_for_each_channel_continue(NULL, 0), "spdkrt_for_each_channel_continue");
}

static void probe_spdkrt_for_each_thread(void)
{
	want_rc(spdkrt_for_each_thread(NULL, NULL, noop_msg), -EINVAL, "fn or done is NULL");
	want_rc(spdkrt_for_each_thread(noop_msg, NULL, NULL), -EINVAL, "fn or done is NULL");
}

static void probe_spdkrt_get_io_channel(void)
{
	want_null(spdkrt_get_io_channel(NULL), "spdkrt_get_io_channel");
	want_null(spdkrt_get_io_channel(g_buf), "spdkrt_get_io_channel");
}

PROBE_NULL_GIVES_NULL(spdkrt_io_channel_get_ctx)
PROBE_NULL_GIVES_NULL(spdkrt_io_channel_get_io_device)
PROBE_NULL_GIVES_NULL(spdkrt_io_channel_get_thread)
PROBE_NULL_GIVES_NULL(spdkrt_io_channel_iter_get_channel)
PROBE_NULL_GIVES_NULL(spdkrt_io_channel_iter_get_ctx)
PROBE_NULL_GIVES_NULL(spdkrt_io_channel_iter_get_io_device)

static void probe_spdkrt_io_device_register(void)
{
	static char dev;

	want_rc(spdkrt_io_device_register(NULL, noop_create, noop_destroy, 8, "x"), -EINVAL,
		"NULL");
	want_rc(spdkrt_io_device_register(&dev, NULL, noop_destroy, 8, "x"), -EINVAL, "NULL");
	want_rc(spdkrt_io_device_register(&dev, noop_create, NULL, 8, "x"), -EINVAL, "NULL");
	want_rc(spdkrt_io_device_register(&dev, noop_create, noop_destroy, SIZE_MAX - 8, "x"),
		-EINVAL, "context size");
	want_rc(spdkrt_io_device_register(g_bdev, noop_create, noop_destroy, 8, "x"), -EEXIST,
		"already registered");
}

static void probe_spdkrt_io_device_unregister(void)
{
	want_rc(spdkrt_io_device_unregister(NULL, NULL), -ENOENT, "not a registered device");
	want_rc(spdkrt_io_device_unregister(g_buf, NULL), -ENOENT, "not a registered device");
}

static void probe_spdkrt_log_level_from_name(void)
{
	enum spdkrt_log_level level;

	want_rc(spdkrt_log_level_from_name(NULL, &level), -EINVAL, "name or level is NULL");
	want_rc(spdkrt_log_level_from_name("error", NULL), -EINVAL, "name or level is NULL");
	want_rc(spdkrt_log_level_from_name("loud", &level), -EINVAL, "unknown log level 'loud'");
	want_rc(spdkrt_log_level_from_name("", &level), -EINVAL, "unknown log level ''");
}

static void probe_spdkrt_log_level_name(void)
{
	want_value(strcmp(spdkrt_log_level_name((enum spdkrt_log_level)99), "unknown"), 0);
	want_value(strcmp(spdkrt_log_level_name((enum spdkrt_log_level) - 1), "unknown"), 0);
}

static void probe_spdkrt_log_set_level(void)
{
	want_rc(spdkrt_log_set_level((enum spdkrt_log_level)99), -EINVAL, "99 is not a level");
	want_rc(spdkrt_log_set_level((enum spdkrt_log_level) - 1), -EINVAL, "-1 is not a level");
	want_value(spdkrt_log_get_level(), SPDKRT_LOG_NOTICE);
}

static void probe_spdkrt_poller_pause(void)
{
	want_rc(spdkrt_poller_pause(NULL), -EINVAL, "spdkrt_poller_pause");
}

static void probe_spdkrt_poller_register(void)
{
	struct spdkrt_poller *p = NULL;

	want_rc(spdkrt_poller_register(NULL, NULL, 0, &p), -EINVAL, "fn or poller is NULL");
	want_rc(spdkrt_poller_register(noop_poller, NULL, 0, NULL), -EINVAL, "fn or poller");
	want_rc(spdkrt_poller_register(noop_poller, NULL, UINT64_MAX, &p), -EINVAL, "too long");
	assert_null(p);
}

static void probe_spdkrt_poller_resume(void)
{
	want_rc(spdkrt_poller_resume(NULL), -EINVAL, "spdkrt_poller_resume");
}

static void probe_spdkrt_poller_unregister(void)
{
	struct spdkrt_poller *p = NULL;

	want_value((spdkrt_poller_unregister(NULL), 0), 0);
	want_value((spdkrt_poller_unregister(&p), 0), 0);
}

static void probe_spdkrt_put_io_channel(void)
{
	want_value((spdkrt_put_io_channel(NULL), 0), 0);
}

static void probe_spdkrt_strerror(void)
{
	want_value(spdkrt_strerror(INT_MIN) != NULL, 1);
	want_value(spdkrt_strerror(INT_MAX) != NULL, 1);
	want_value(spdkrt_strerror(-100000) != NULL, 1);
}

static void probe_spdkrt_thread_create(void)
{
	want_rc(spdkrt_thread_create("x", NULL), -EINVAL, "thread is NULL");
}

static void probe_spdkrt_thread_destroy(void)
{
	want_rc(spdkrt_thread_destroy(NULL), -EINVAL, "spdkrt_thread_destroy");
}

static void probe_spdkrt_thread_exit(void)
{
	want_rc(spdkrt_thread_exit(NULL), -EINVAL, "spdkrt_thread_exit");
}

PROBE_NULL_GIVES(spdkrt_thread_get_id, 0)
PROBE_NULL_GIVES(spdkrt_thread_is_exited, false)
PROBE_NULL_GIVES(spdkrt_thread_is_idle, true)

static void probe_spdkrt_thread_get_name(void)
{
	want_value(strcmp(spdkrt_thread_get_name(NULL), ""), 0);
}

static void probe_spdkrt_thread_poll(void)
{
	want_rc(spdkrt_thread_poll(NULL, 0, 0), -EINVAL, "spdkrt_thread_poll");
}

static void probe_spdkrt_thread_send_msg(void)
{
	want_rc(spdkrt_thread_send_msg(NULL, noop_msg, NULL), -EINVAL, "NULL");
	want_rc(spdkrt_thread_send_msg(g_thread, NULL, NULL), -EINVAL, "NULL");
}

/* ---- pci ---- */
static void probe_spdkrt_pci_addr_compare(void)
{
	struct spdkrt_pci_addr a = { 0 };

	want_value(spdkrt_pci_addr_compare(&a, &a), 0);
	want_value(spdkrt_pci_addr_compare(NULL, NULL), 0);
	want_value(spdkrt_pci_addr_compare(NULL, &a) < 0, 1);
	want_value(spdkrt_pci_addr_compare(&a, NULL) > 0, 1);
}

static void probe_spdkrt_pci_addr_fmt(void)
{
	struct spdkrt_pci_addr a = { 0 };
	char buf[SPDKRT_PCI_ADDR_STRLEN];

	want_value(spdkrt_pci_addr_fmt(NULL, sizeof(buf), &a), -EINVAL);
	want_value(spdkrt_pci_addr_fmt(buf, sizeof(buf), NULL), -EINVAL);
	want_value(spdkrt_pci_addr_fmt(buf, 0, &a), -ENOSPC);
	want_value(spdkrt_pci_addr_fmt(buf, 5, &a), -ENOSPC);
}

static int count_function(void *ctx, const struct spdkrt_pci_addr *addr,
			  const struct spdkrt_pci_id *id)
{
	(void)addr;
	(void)id;
	(*(unsigned *)ctx)++;
	return 0;
}

static void probe_spdkrt_pci_enumerate(void)
{
	static const struct spdkrt_pci_id no_ids[] = { { 0 } };
	unsigned n = 0;

	want_rc(spdkrt_pci_enumerate(NULL, 0, 0, NULL, NULL), -EINVAL, "cb is NULL");
	/* An empty table matches nothing. */
	want_value(spdkrt_pci_enumerate(no_ids, 0, 0, count_function, &n), 0);
	want_value(n, 0);
}

static void probe_spdkrt_pci_get_driver(void)
{
	struct spdkrt_pci_addr a = { .domain = 0xffff, .bus = 0xff, .dev = 31, .func = 7 };
	char buf[32];

	want_rc(spdkrt_pci_get_driver(NULL, buf, sizeof(buf)), -EINVAL, "spdkrt_pci_get_driver");
	want_rc(spdkrt_pci_get_driver(&a, NULL, sizeof(buf)), -EINVAL, "spdkrt_pci_get_driver");
	want_rc(spdkrt_pci_get_driver(&a, buf, 0), -EINVAL, "spdkrt_pci_get_driver");
	want_value(spdkrt_pci_get_driver(&a, buf, sizeof(buf)), -ENODEV);
}

static void probe_spdkrt_pci_get_event(void)
{
	struct spdkrt_pci_event ev;

	want_rc(spdkrt_pci_get_event(-1, &ev), -EINVAL, "spdkrt_pci_get_event");
	want_rc(spdkrt_pci_get_event(0, NULL), -EINVAL, "spdkrt_pci_get_event");
}

static void probe_spdkrt_pci_get_id(void)
{
	struct spdkrt_pci_addr a = { .domain = 0xffff, .bus = 0xff, .dev = 31, .func = 7 };
	struct spdkrt_pci_id id;

	want_rc(spdkrt_pci_get_id(NULL, &id), -EINVAL, "spdkrt_pci_get_id");
	want_rc(spdkrt_pci_get_id(&a, NULL), -EINVAL, "spdkrt_pci_get_id");
	want_value(spdkrt_pci_get_id(&a, &id), -ENODEV);
}

static void probe_spdkrt_pci_get_numa_node(void)
{
	struct spdkrt_pci_addr a = { .domain = 0xffff, .bus = 0xff, .dev = 31, .func = 7 };
	int node;

	want_rc(spdkrt_pci_get_numa_node(NULL, &node), -EINVAL, "spdkrt_pci_get_numa_node");
	want_rc(spdkrt_pci_get_numa_node(&a, NULL), -EINVAL, "spdkrt_pci_get_numa_node");
	want_value(spdkrt_pci_get_numa_node(&a, &node), -ENODEV);
}

static void probe_spdkrt_pci_addr_parse(void)
{
	struct spdkrt_pci_addr a;

	want_value(spdkrt_pci_addr_parse(NULL, "0000:00:01.0"), -EINVAL);
	want_value(spdkrt_pci_addr_parse(&a, NULL), -EINVAL);
	want_value(spdkrt_pci_addr_parse(&a, ""), -EINVAL);
	want_value(spdkrt_pci_addr_parse(&a, "0000:00:20.0"), -EINVAL);
	want_value(spdkrt_pci_addr_parse(&a, "0000:00:01.8"), -EINVAL);
}

/*
 * ---- nvmf target: NULL handles and arguments ----
 * (first rows for this area, every argument NULL or 0; its owner may add sharper cases)
 */
static void probe_spdkrt_nvmf_host_opts_init(void)
{
	want_rc(spdkrt_nvmf_host_opts_init(NULL, 0), -EINVAL, "spdkrt_nvmf_host_opts_init: ");
}

static void probe_spdkrt_nvmf_listen_opts_init(void)
{
	want_rc(spdkrt_nvmf_listen_opts_init(NULL, 0), -EINVAL, "spdkrt_nvmf_listen_opts_init: ");
}

static void probe_spdkrt_nvmf_subsystem_add_host_ext(void)
{
	want_rc(spdkrt_nvmf_subsystem_add_host_ext(NULL, NULL, NULL), -EINVAL,
		"spdkrt_nvmf_subsystem_add_host_ext: subsystem is NULL");
}

static void probe_spdkrt_nvmf_subsystem_host_has_psk(void)
{
	want_value(spdkrt_nvmf_subsystem_host_has_psk(NULL, NULL), 0);
}

static void probe_spdkrt_nvmf_tgt_listen_ext(void)
{
	want_rc(spdkrt_nvmf_tgt_listen_ext(NULL, NULL, NULL, NULL, NULL), -EINVAL,
		"spdkrt_nvmf_tgt_listen_ext: ");
}

static void probe_spdkrt_nvmf_tgt_listener_is_secure(void)
{
	want_value(spdkrt_nvmf_tgt_listener_is_secure(NULL, 0), 0);
}

static void probe_spdkrt_nvmf_ns_opts_init(void)
{
	want_rc(spdkrt_nvmf_ns_opts_init(NULL, 0), -EINVAL, "spdkrt_nvmf_ns_opts_init: ");
}

static void probe_spdkrt_nvmf_subsystem_add_host(void)
{
	want_rc(spdkrt_nvmf_subsystem_add_host(NULL, NULL), -EINVAL,
		"spdkrt_nvmf_subsystem_add_host_ext: subsystem is NULL");
}

static void probe_spdkrt_nvmf_subsystem_add_listener(void)
{
	want_rc(spdkrt_nvmf_subsystem_add_listener(NULL, "tcp", "127.0.0.1", "4420"), -EINVAL,
		"spdkrt_nvmf_subsystem_add_listener: ");
}

static void probe_spdkrt_nvmf_subsystem_add_ns(void)
{
	want_rc(spdkrt_nvmf_subsystem_add_ns(NULL, NULL, NULL, NULL), -EINVAL,
		"spdkrt_nvmf_subsystem_add_ns: ");
}

static void probe_spdkrt_nvmf_subsystem_create(void)
{
	want_rc(spdkrt_nvmf_subsystem_create(NULL, NULL, NULL), -EINVAL,
		"spdkrt_nvmf_subsystem_create: ");
}

static void probe_spdkrt_nvmf_subsystem_destroy(void)
{
	want_rc(spdkrt_nvmf_subsystem_destroy(NULL), -EINVAL, "spdkrt_nvmf_subsystem_destroy: ");
}

static void probe_spdkrt_nvmf_subsystem_get_allow_any_host(void)
{
	want_value(spdkrt_nvmf_subsystem_get_allow_any_host(NULL), 0);
}

static void probe_spdkrt_nvmf_subsystem_get_host(void)
{
	want_value(spdkrt_nvmf_subsystem_get_host(NULL, 0) == NULL, 1);
}

static void probe_spdkrt_nvmf_subsystem_get_listener(void)
{
	char a[64], p[32];

	want_rc(spdkrt_nvmf_subsystem_get_listener(NULL, 0, a, sizeof(a), p, sizeof(p)), -EINVAL,
		"spdkrt_nvmf_subsystem_get_listener: ");
}

static void probe_spdkrt_nvmf_subsystem_get_model_number(void)
{
	want_value(spdkrt_nvmf_subsystem_get_model_number(NULL) != NULL, 1);
}

static void probe_spdkrt_nvmf_subsystem_get_nqn(void)
{
	want_value(spdkrt_nvmf_subsystem_get_nqn(NULL) != NULL, 1);
}

static void probe_spdkrt_nvmf_subsystem_get_ns_bdev_name(void)
{
	want_value(spdkrt_nvmf_subsystem_get_ns_bdev_name(NULL, 0) == NULL, 1);
}

static void probe_spdkrt_nvmf_subsystem_get_serial_number(void)
{
	want_value(spdkrt_nvmf_subsystem_get_serial_number(NULL) != NULL, 1);
}

static void probe_spdkrt_nvmf_subsystem_next(void)
{
	want_value(spdkrt_nvmf_subsystem_next(NULL, NULL) == NULL, 1);
}

static void probe_spdkrt_nvmf_subsystem_next_nsid(void)
{
	want_value(spdkrt_nvmf_subsystem_next_nsid(NULL, 0), 0);
}

static void probe_spdkrt_nvmf_subsystem_remove_host(void)
{
	want_rc(spdkrt_nvmf_subsystem_remove_host(NULL, NULL), -EINVAL,
		"spdkrt_nvmf_subsystem_remove_host: ");
}

static void probe_spdkrt_nvmf_subsystem_remove_listener(void)
{
	want_rc(spdkrt_nvmf_subsystem_remove_listener(NULL, "tcp", "127.0.0.1", "4420"), -EINVAL,
		"spdkrt_nvmf_subsystem_remove_listener: ");
}

static void probe_spdkrt_nvmf_subsystem_remove_ns(void)
{
	want_rc(spdkrt_nvmf_subsystem_remove_ns(NULL, 0), -EINVAL,
		"spdkrt_nvmf_subsystem_remove_ns: ");
}

static void probe_spdkrt_nvmf_subsystem_set_allow_any_host(void)
{
	want_rc(spdkrt_nvmf_subsystem_set_allow_any_host(NULL, 0), -EINVAL,
		"spdkrt_nvmf_subsystem_set_allow_any_host: ");
}

static void probe_spdkrt_nvmf_subsystem_set_model_number(void)
{
	want_rc(spdkrt_nvmf_subsystem_set_model_number(NULL, NULL), -EINVAL,
		"spdkrt_nvmf_subsystem_set_model_number: ");
}

static void probe_spdkrt_nvmf_subsystem_set_serial_number(void)
{
	want_rc(spdkrt_nvmf_subsystem_set_serial_number(NULL, NULL), -EINVAL,
		"spdkrt_nvmf_subsystem_set_serial_number: ");
}

static void probe_spdkrt_nvmf_tgt_add_poll_group(void)
{
	want_rc(spdkrt_nvmf_tgt_add_poll_group(NULL), -EINVAL, "spdkrt_nvmf_tgt_add_poll_group: ");
}

static void probe_spdkrt_nvmf_tgt_create(void)
{
	want_rc(spdkrt_nvmf_tgt_create(NULL, NULL), -EINVAL, "spdkrt_nvmf_tgt_create: ");
}

static void probe_spdkrt_nvmf_tgt_destroy(void)
{
	want_rc(spdkrt_nvmf_tgt_destroy(NULL, NULL, NULL), -EINVAL, "spdkrt_nvmf_tgt_destroy: ");
}

static void probe_spdkrt_nvmf_tgt_find_subsystem(void)
{
	want_value(spdkrt_nvmf_tgt_find_subsystem(NULL, NULL) == NULL, 1);
}

static void probe_spdkrt_nvmf_tgt_get_listener(void)
{
	want_rc(spdkrt_nvmf_tgt_get_listener(NULL, 0, NULL, 0, NULL, 0), -EINVAL,
		"spdkrt_nvmf_tgt_get_listener: ");
}

static void probe_spdkrt_nvmf_tgt_get_stats(void)
{
	want_rc(spdkrt_nvmf_tgt_get_stats(NULL, NULL, 0), -EINVAL, "spdkrt_nvmf_tgt_get_stats: ");
}

static void probe_spdkrt_nvmf_tgt_listen(void)
{
	want_rc(spdkrt_nvmf_tgt_listen(NULL, NULL, NULL, NULL), -EINVAL,
		"spdkrt_nvmf_tgt_listen_ext: ");
}

static void probe_spdkrt_nvmf_tgt_opts_init(void)
{
	want_rc(spdkrt_nvmf_tgt_opts_init(NULL, 0), -EINVAL, "spdkrt_nvmf_tgt_opts_init: ");
}

static void probe_spdkrt_nvmf_tgt_stop_listen(void)
{
	want_rc(spdkrt_nvmf_tgt_stop_listen(NULL, NULL, NULL, NULL), -EINVAL,
		"spdkrt_nvmf_tgt_stop_listen: ");
}

/* ---- hardening ---- */
static void probe_spdkrt_spec_redact(void)
{
	char buf[8];

	want_value(strcmp(spdkrt_spec_redact("x:a=b", NULL, 8), ""), 0);
	want_value(strcmp(spdkrt_spec_redact("x:a=b", buf, 0), ""), 0);
	want_value(strcmp(spdkrt_spec_redact(NULL, buf, sizeof(buf)), "(null)"), 0);
	want_value(strcmp(spdkrt_spec_redact("crypto:key=0123456789abcdef0", buf, sizeof(buf)),
			  "crypto:"),
		   0);
}

/* ---- ioat ---- */
static void ioat_noop(void *arg, int status)
{
	(void)arg;
	(void)status;
}

static void ioat_attached(void *ctx, const struct spdkrt_pci_addr *addr,
			  struct spdkrt_ioat_chan *chan)
{
	(void)ctx;
	(void)addr;
	spdkrt_ioat_detach(chan);
}

static void probe_spdkrt_ioat_attach(void)
{
	struct spdkrt_pci_addr a = { .domain = 0xffff, .bus = 0xff, .dev = 31, .func = 7 };
	struct spdkrt_pci_addr bad = { .domain = 0x10000 };
	struct spdkrt_ioat_chan *chan;

	want_rc(spdkrt_ioat_attach(NULL, &chan), -EINVAL, "spdkrt_ioat_attach");
	want_rc(spdkrt_ioat_attach(&a, NULL), -EINVAL, "spdkrt_ioat_attach");
	want_rc(spdkrt_ioat_attach(&bad, &chan), -EINVAL, "invalid PCI address");
	want_rc(spdkrt_ioat_attach(&a, &chan), -ENODEV, "cannot attach the PCI device");
}

static void probe_spdkrt_ioat_build_copy(void)
{
	want_rc(spdkrt_ioat_build_copy(NULL, NULL, ioat_noop, g_buf, g_buf + 8, 8), -EINVAL,
		"chan is NULL");
}

static void probe_spdkrt_ioat_build_fill(void)
{
	want_rc(spdkrt_ioat_build_fill(NULL, NULL, ioat_noop, g_buf, 0, 8), -EINVAL,
		"chan is NULL");
}

static void probe_spdkrt_ioat_detach(void)
{
	want_value(spdkrt_ioat_detach(NULL), 0);
}

static void probe_spdkrt_ioat_flush(void)
{
	want_rc(spdkrt_ioat_flush(NULL), -EINVAL, "chan is NULL");
}

PROBE_NULL_GIVES(spdkrt_ioat_get_capabilities, 0)
PROBE_NULL_GIVES(spdkrt_ioat_get_max_descriptors, 0)
PROBE_NULL_GIVES_NULL(spdkrt_ioat_get_pci_addr)

static void probe_spdkrt_ioat_probe(void)
{
	want_rc(spdkrt_ioat_probe(NULL, NULL, NULL), -EINVAL, "attach_cb is NULL");
	/* No I/OAT channel in this process: none attached, and the log says so. */
	want_rc(spdkrt_ioat_probe(NULL, NULL, ioat_attached), 0, "no I/OAT channel found");
}

static void probe_spdkrt_ioat_process_events(void)
{
	want_rc(spdkrt_ioat_process_events(NULL), -EINVAL, "chan is NULL");
}

static void probe_spdkrt_ioat_submit_copy(void)
{
	want_rc(spdkrt_ioat_submit_copy(NULL, NULL, ioat_noop, g_buf, g_buf + 8, 8), -EINVAL,
		"chan is NULL");
}

static void probe_spdkrt_ioat_submit_fill(void)
{
	want_rc(spdkrt_ioat_submit_fill(NULL, NULL, ioat_noop, g_buf, 0, 8), -EINVAL,
		"chan is NULL");
}

struct row {
	const char *name;
	void (*probe)(void); /* NULL: the function takes no input that can be bad */
	const char *why_none;
};

/* ---- nvme (no controller here: NULL handles and malformed arguments) ---- */
static void nvme_noop_cpl(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	(void)arg;
	(void)cpl;
}

static void nvme_noop_reset(void *arg, uint32_t offset)
{
	(void)arg;
	(void)offset;
}

static int nvme_noop_next(void *arg, void **addr, uint32_t *len)
{
	(void)arg;
	(void)addr;
	(void)len;
	return -1;
}

static void probe_spdkrt_nvme_connect(void)
{
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr *c;

	memset(&trid, 0, sizeof(trid));
	want_rc(spdkrt_nvme_connect(NULL, NULL, &c), -EINVAL, "spdkrt_nvme_connect");
	want_rc(spdkrt_nvme_connect(&trid, NULL, &c), -EINVAL, "spdkrt_nvme_connect");
	spdkrt_nvme_transport_id_parse(&trid, "trtype:PCIe traddr:nonsense");
	want_rc(spdkrt_nvme_connect(&trid, NULL, NULL), -EINVAL, "spdkrt_nvme_connect");
	want_rc(spdkrt_nvme_connect(&trid, NULL, &c), -EINVAL, "not a PCI address");
}

/* NULL here; zero, oversize and foreign buffers against a controller in tests/unit/nvme/cmb_test. */
static void probe_spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(void)
{
	want_null(spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(NULL, 4096), "ctrlr is NULL or size is 0");
	want_null(spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(NULL, 0), "ctrlr is NULL or size is 0");
	want_null(spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(NULL, SIZE_MAX),
		  "ctrlr is NULL or size is 0");
}

static void probe_spdkrt_nvme_ctrlr_alloc_io_qpair(void)
{
	struct spdkrt_nvme_qpair *q;

	want_rc(spdkrt_nvme_ctrlr_alloc_io_qpair(NULL, NULL, &q), -EINVAL, "ctrlr or qpair");
}

static void probe_spdkrt_nvme_ctrlr_cmd_abort(void)
{
	want_rc(spdkrt_nvme_ctrlr_cmd_abort(NULL, NULL, 0, nvme_noop_cpl, NULL), -EINVAL,
		"ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_cmd_admin_raw(void)
{
	struct spdkrt_nvme_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	want_rc(spdkrt_nvme_ctrlr_cmd_admin_raw(NULL, &cmd, NULL, 0, nvme_noop_cpl, NULL), -EINVAL,
		"invalid arguments");
}

static void probe_spdkrt_nvme_ctrlr_cmd_get_feature(void)
{
	want_rc(spdkrt_nvme_ctrlr_cmd_get_feature(NULL, 1, 0, 0, 0, NULL, 0, nvme_noop_cpl, NULL),
		-EINVAL, "spdkrt_nvme_ctrlr_cmd_get_feature");
}

static void probe_spdkrt_nvme_ctrlr_cmd_get_log_page(void)
{
	want_rc(spdkrt_nvme_ctrlr_cmd_get_log_page(NULL, 1, 0, g_buf, 64, 0, 0, false,
						   nvme_noop_cpl, NULL),
		-EINVAL, "multiples of 4");
}

static void probe_spdkrt_nvme_ctrlr_get_discovery_log(void)
{
	want_rc(spdkrt_nvme_ctrlr_get_discovery_log(NULL, NULL, NULL), -EINVAL,
		"ctrlr or cb is NULL");
}

static void probe_spdkrt_nvme_discovery_entry_to_trid(void)
{
	struct spdkrt_nvmf_discovery_log_entry e;
	struct spdkrt_nvme_transport_id t;

	want_rc(spdkrt_nvme_discovery_entry_to_trid(NULL, &t), -EINVAL, "entry or trid is NULL");
	memset(&e, 0, sizeof(e));
	e.trtype = SPDKRT_NVMF_TRTYPE_TCP;
	e.adrfam = SPDKRT_NVMF_ADRFAM_IPV4;
	want_rc(spdkrt_nvme_discovery_entry_to_trid(&e, &t), -EINVAL, "empty or too long");
	e.trtype = 0xAB;
	want_rc(spdkrt_nvme_discovery_entry_to_trid(&e, &t), -ENOTSUP, "is not TCP");
}

static void probe_spdkrt_nvme_ctrlr_cmd_identify(void)
{
	want_rc(spdkrt_nvme_ctrlr_cmd_identify(NULL, 1, 0, 0, g_buf, 4096, nvme_noop_cpl, NULL),
		-EINVAL, "1..4096 bytes");
}

static void probe_spdkrt_nvme_ctrlr_cmd_io_raw(void)
{
	struct spdkrt_nvme_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	want_rc(spdkrt_nvme_ctrlr_cmd_io_raw(NULL, NULL, &cmd, NULL, 0, NULL, nvme_noop_cpl, NULL),
		-EINVAL, "invalid arguments");
}

static void probe_spdkrt_nvme_ctrlr_cmd_set_feature(void)
{
	want_rc(spdkrt_nvme_ctrlr_cmd_set_feature(NULL, 1, 0, 0, 0, NULL, 0, nvme_noop_cpl, NULL),
		-EINVAL, "spdkrt_nvme_ctrlr_cmd_set_feature");
}

static void probe_spdkrt_nvme_ctrlr_free_cmb_io_buffer(void)
{
	want_rc(spdkrt_nvme_ctrlr_free_cmb_io_buffer(NULL, g_buf, 4096), -EINVAL,
		"ctrlr or buf is NULL");
	want_rc(spdkrt_nvme_ctrlr_free_cmb_io_buffer(NULL, NULL, 0), -EINVAL,
		"ctrlr or buf is NULL");
}

static void probe_spdkrt_nvme_ctrlr_free_io_qpair(void)
{
	want_value(spdkrt_nvme_ctrlr_free_io_qpair(NULL), 0);
}

PROBE_NULL_GIVES_NULL(spdkrt_nvme_ctrlr_get_data)
PROBE_NULL_GIVES(spdkrt_nvme_ctrlr_get_first_active_ns, 0)
PROBE_NULL_GIVES(spdkrt_nvme_ctrlr_get_max_xfer_size, 0)

static void probe_spdkrt_nvme_ctrlr_get_next_active_ns(void)
{
	want_value(spdkrt_nvme_ctrlr_get_next_active_ns(NULL, 1), 0);
}

static void probe_spdkrt_nvme_ctrlr_get_ns(void)
{
	want_value(spdkrt_nvme_ctrlr_get_ns(NULL, 1) == NULL, 1);
}

PROBE_NULL_GIVES(spdkrt_nvme_ctrlr_get_num_ns, 0)
PROBE_NULL_GIVES(spdkrt_nvme_ctrlr_get_regs_cap, 0)
PROBE_NULL_GIVES(spdkrt_nvme_ctrlr_get_regs_cmbsz, UINT32_MAX)
PROBE_NULL_GIVES(spdkrt_nvme_ctrlr_get_regs_csts, UINT32_MAX)
PROBE_NULL_GIVES(spdkrt_nvme_ctrlr_get_regs_vs, UINT32_MAX)
PROBE_NULL_GIVES_NULL(spdkrt_nvme_ctrlr_get_transport_id)
PROBE_NULL_GIVES(spdkrt_nvme_ctrlr_is_failed, true)

static void probe_spdkrt_nvme_ctrlr_opts_init(void)
{
	struct spdkrt_nvme_ctrlr_opts opts;

	want_rc(spdkrt_nvme_ctrlr_opts_init(NULL, sizeof(opts)), -EINVAL, "opts is NULL");
	want_rc(spdkrt_nvme_ctrlr_opts_init(&opts, 1), -EINVAL, "too small");
}

static void probe_spdkrt_nvme_ctrlr_process_admin_completions(void)
{
	want_rc(spdkrt_nvme_ctrlr_process_admin_completions(NULL), -EINVAL, "ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_register_aer_callback(void)
{
	want_ignored(spdkrt_nvme_ctrlr_register_aer_callback(NULL, NULL, NULL), "ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_register_ns_change_callback(void)
{
	want_ignored(spdkrt_nvme_ctrlr_register_ns_change_callback(NULL, NULL, NULL),
		     "ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_register_timeout_callback(void)
{
	want_ignored(spdkrt_nvme_ctrlr_register_timeout_callback(NULL, 1, 1, NULL, NULL),
		     "ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_reset(void)
{
	want_rc(spdkrt_nvme_ctrlr_reset(NULL), -EINVAL, "ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_reset_async(void)
{
	want_rc(spdkrt_nvme_ctrlr_reset_async(NULL, NULL, NULL), -EINVAL, "ctrlr is NULL");
}

static void probe_spdkrt_nvme_cpl_status_string(void)
{
	want_value(strcmp(spdkrt_nvme_cpl_status_string(NULL), "NULL COMPLETION"), 0);
}

static void probe_spdkrt_nvme_detach(void)
{
	want_rc(spdkrt_nvme_detach(NULL), -EINVAL, "ctrlr or ctx is NULL");
}

static void probe_spdkrt_nvme_detach_async(void)
{
	struct spdkrt_nvme_detach_ctx *ctx;

	want_rc(spdkrt_nvme_detach_async(NULL, &ctx), -EINVAL, "ctrlr or ctx is NULL");
}

static void probe_spdkrt_nvme_detach_poll_async(void)
{
	want_rc(spdkrt_nvme_detach_poll_async(NULL), -EINVAL, "ctx is NULL");
}

static void probe_spdkrt_nvme_io_qpair_opts_init(void)
{
	struct spdkrt_nvme_io_qpair_opts opts;

	want_rc(spdkrt_nvme_io_qpair_opts_init(NULL, sizeof(opts)), -EINVAL, "opts is NULL");
	want_rc(spdkrt_nvme_io_qpair_opts_init(&opts, 1), -EINVAL, "too small");
}

static void probe_spdkrt_nvme_ns_cmd_compare(void)
{
	want_rc(spdkrt_nvme_ns_cmd_compare(NULL, NULL, g_buf, 0, 1, nvme_noop_cpl, NULL, 0),
		-EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_dataset_management(void)
{
	struct spdkrt_nvme_dsm_range r;

	memset(&r, 0, sizeof(r));
	want_rc(spdkrt_nvme_ns_cmd_dataset_management(NULL, NULL, 0, &r, 1, nvme_noop_cpl, NULL),
		-EINVAL, "1..256 ranges");
}

static void probe_spdkrt_nvme_ns_cmd_flush(void)
{
	want_rc(spdkrt_nvme_ns_cmd_flush(NULL, NULL, nvme_noop_cpl, NULL), -EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_read(void)
{
	want_rc(spdkrt_nvme_ns_cmd_read(NULL, NULL, g_buf, 0, 1, nvme_noop_cpl, NULL, 0), -EINVAL,
		"is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_read_with_md(void)
{
	want_rc(spdkrt_nvme_ns_cmd_read_with_md(NULL, NULL, g_buf, NULL, 0, 1, nvme_noop_cpl, NULL,
						0, 0, 0),
		-EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_readv(void)
{
	want_rc(spdkrt_nvme_ns_cmd_readv(NULL, NULL, 0, 1, nvme_noop_cpl, NULL, 0, nvme_noop_reset,
					 nvme_noop_next),
		-EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_readv_iov(void)
{
	want_rc(spdkrt_nvme_ns_cmd_readv_iov(NULL, NULL, NULL, 0, 0, 1, nvme_noop_cpl, NULL, 0),
		-EINVAL, "iov is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_write(void)
{
	want_rc(spdkrt_nvme_ns_cmd_write(NULL, NULL, g_buf, 0, 1, nvme_noop_cpl, NULL, 0), -EINVAL,
		"is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_write_uncorrectable(void)
{
	want_rc(spdkrt_nvme_ns_cmd_write_uncorrectable(NULL, NULL, 0, 1, nvme_noop_cpl, NULL),
		-EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_write_with_md(void)
{
	want_rc(spdkrt_nvme_ns_cmd_write_with_md(NULL, NULL, g_buf, NULL, 0, 1, nvme_noop_cpl, NULL,
						 0, 0, 0),
		-EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_write_zeroes(void)
{
	want_rc(spdkrt_nvme_ns_cmd_write_zeroes(NULL, NULL, 0, 1, nvme_noop_cpl, NULL, 0), -EINVAL,
		"is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_writev(void)
{
	want_rc(spdkrt_nvme_ns_cmd_writev(NULL, NULL, 0, 1, nvme_noop_cpl, NULL, 0, nvme_noop_reset,
					  nvme_noop_next),
		-EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_writev_iov(void)
{
	want_rc(spdkrt_nvme_ns_cmd_writev_iov(NULL, NULL, NULL, 0, 0, 1, nvme_noop_cpl, NULL, 0),
		-EINVAL, "iov is NULL");
}

PROBE_NULL_GIVES_NULL(spdkrt_nvme_ns_get_ctrlr)
PROBE_NULL_GIVES_NULL(spdkrt_nvme_ns_get_data)
PROBE_NULL_GIVES(spdkrt_nvme_ns_get_extended_sector_size, 0)
PROBE_NULL_GIVES(spdkrt_nvme_ns_get_id, 0)
PROBE_NULL_GIVES(spdkrt_nvme_ns_get_max_io_sectors, 0)
PROBE_NULL_GIVES(spdkrt_nvme_ns_get_md_size, 0)
PROBE_NULL_GIVES(spdkrt_nvme_ns_get_num_sectors, 0)
PROBE_NULL_GIVES(spdkrt_nvme_ns_get_pi_type, 0)
PROBE_NULL_GIVES(spdkrt_nvme_ns_get_sector_size, 0)
PROBE_NULL_GIVES(spdkrt_nvme_ns_get_size, 0)
PROBE_NULL_GIVES(spdkrt_nvme_ns_supports_extended_lba, false)

static void probe_spdkrt_nvme_probe(void)
{
	struct spdkrt_nvme_transport_id trid;

	spdkrt_nvme_transport_id_parse(&trid, "trtype:TCP traddr:127.0.0.1");
	want_rc(spdkrt_nvme_probe(&trid, NULL, NULL, NULL, NULL), -EINVAL, "has no subnqn");
}

static void probe_spdkrt_nvme_probe_async(void)
{
	want_rc(spdkrt_nvme_probe_async(NULL, NULL, NULL, NULL, NULL, NULL), -EINVAL,
		"ctx is NULL");
}

static void probe_spdkrt_nvme_probe_poll_async(void)
{
	want_rc(spdkrt_nvme_probe_poll_async(NULL), -EINVAL, "ctx is NULL");
}

PROBE_NULL_GIVES(spdkrt_nvme_qpair_get_id, 0)

static void probe_spdkrt_nvme_qpair_process_completions(void)
{
	want_rc(spdkrt_nvme_qpair_process_completions(NULL, 0), -EINVAL, "qpair is NULL");
}

static void probe_spdkrt_nvme_transport_id_compare(void)
{
	struct spdkrt_nvme_transport_id t;

	memset(&t, 0, sizeof(t));
	want_value(spdkrt_nvme_transport_id_compare(NULL, NULL), 0);
	want_value(spdkrt_nvme_transport_id_compare(NULL, &t) < 0, 1);
}

static void probe_spdkrt_nvme_transport_id_fmt(void)
{
	struct spdkrt_nvme_transport_id t;
	char buf[8];

	spdkrt_nvme_transport_id_parse(&t, "trtype:PCIe traddr:0000:00:04.0");
	want_rc(spdkrt_nvme_transport_id_fmt(NULL, buf, sizeof(buf)), -EINVAL, "is NULL");
	want_value(spdkrt_nvme_transport_id_fmt(&t, buf, sizeof(buf)), -ENOSPC);
}

static void probe_spdkrt_nvme_ctrlr_create_ns(void)
{
	want_rc(spdkrt_nvme_ctrlr_create_ns(NULL, NULL, nvme_noop_cpl, NULL), -EINVAL,
		"ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_delete_ns(void)
{
	want_rc(spdkrt_nvme_ctrlr_delete_ns(NULL, 1, nvme_noop_cpl, NULL), -EINVAL,
		"ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_attach_ns(void)
{
	want_rc(spdkrt_nvme_ctrlr_attach_ns(NULL, 1, NULL, nvme_noop_cpl, NULL), -EINVAL,
		"ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_detach_ns(void)
{
	want_rc(spdkrt_nvme_ctrlr_detach_ns(NULL, 1, NULL, nvme_noop_cpl, NULL), -EINVAL,
		"ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_format(void)
{
	want_rc(spdkrt_nvme_ctrlr_format(NULL, 1, 0, nvme_noop_cpl, NULL), -EINVAL,
		"ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_fw_commit(void)
{
	want_rc(spdkrt_nvme_ctrlr_fw_commit(NULL, 1, 0, nvme_noop_cpl, NULL), -EINVAL,
		"ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_fw_image_download(void)
{
	want_rc(spdkrt_nvme_ctrlr_fw_image_download(NULL, g_buf, 4, 0, nvme_noop_cpl, NULL),
		-EINVAL, "ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_security_receive(void)
{
	want_rc(spdkrt_nvme_ctrlr_security_receive(NULL, 0, 0, 0, g_buf, 4, nvme_noop_cpl, NULL),
		-EINVAL, "ctrlr is NULL");
}

static void probe_spdkrt_nvme_ctrlr_security_send(void)
{
	want_rc(spdkrt_nvme_ctrlr_security_send(NULL, 0, 0, 0, g_buf, 4, nvme_noop_cpl, NULL),
		-EINVAL, "ctrlr is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_reservation_acquire(void)
{
	want_rc(spdkrt_nvme_ns_cmd_reservation_acquire(NULL, NULL, NULL, false, 0, 1, nvme_noop_cpl,
						       NULL),
		-EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_reservation_register(void)
{
	want_rc(spdkrt_nvme_ns_cmd_reservation_register(NULL, NULL, NULL, false, 0, 0,
							nvme_noop_cpl, NULL),
		-EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_reservation_release(void)
{
	want_rc(spdkrt_nvme_ns_cmd_reservation_release(NULL, NULL, NULL, false, 0, 1, nvme_noop_cpl,
						       NULL),
		-EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_reservation_report(void)
{
	want_rc(spdkrt_nvme_ns_cmd_reservation_report(NULL, NULL, g_buf, 64, nvme_noop_cpl, NULL),
		-EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_ns_cmd_reservation_report_ext(void)
{
	want_rc(spdkrt_nvme_ns_cmd_reservation_report_ext(NULL, NULL, g_buf, 64, true,
							  nvme_noop_cpl, NULL),
		-EINVAL, "is NULL");
}

static void probe_spdkrt_nvme_transport_id_parse(void)
{
	struct spdkrt_nvme_transport_id t;

	want_rc(spdkrt_nvme_transport_id_parse(NULL, "trtype:PCIe"), -EINVAL, "NULL argument");
	want_rc(spdkrt_nvme_transport_id_parse(&t, "trtype:XYZ"), -EINVAL, "unknown trtype");
	want_rc(spdkrt_nvme_transport_id_parse(&t, "traddr:1"), -EINVAL, "no trtype");
	want_rc(spdkrt_nvme_transport_id_parse(&t, "nokey"), -EINVAL, "not key:value");
}
/* ---- bdev 1.1: the module interface and the I/O types a target needs ---- */
PROBE_NULL_GIVES(spdkrt_bdev_get_max_compare_and_write_blocks, 0)
PROBE_NULL_GIVES(spdkrt_bdev_get_max_segment_size, 0)
PROBE_NULL_GIVES(spdkrt_bdev_get_max_segments, 0)
PROBE_NULL_GIVES(spdkrt_bdev_get_max_unmap_blocks, 0)
PROBE_NULL_GIVES(spdkrt_bdev_get_max_unmap_ranges, 0)
PROBE_NULL_GIVES(spdkrt_bdev_get_max_write_zeroes_blocks, 0)
PROBE_NULL_GIVES_NULL(spdkrt_bdev_get_module_ctx)
PROBE_NULL_GIVES_NULL(spdkrt_bdev_module_get_ctx)
PROBE_NULL_GIVES_NULL(spdkrt_bdev_module_find)
PROBE_NULL_GIVES(spdkrt_bdev_io_get_offset_blocks, 0)
PROBE_NULL_GIVES(spdkrt_bdev_io_get_num_blocks, 0)
PROBE_NULL_GIVES_NULL(spdkrt_bdev_io_get_bdev)
PROBE_NULL_GIVES_NULL(spdkrt_bdev_io_get_module_ctx)
PROBE_NULL_GIVES_NULL(spdkrt_bdev_io_get_driver_ctx)
PROBE_NULL_GIVES_NULL(spdkrt_bdev_io_get_io_channel)
PROBE_NULL_GIVES_NULL(spdkrt_bdev_io_get_nvme_cmd)
PROBE_NULL_GIVES_NULL(spdkrt_bdev_io_get_thread)
PROBE_NULL_GIVES(spdkrt_bdev_io_get_type, SPDKRT_BDEV_IO_READ)

static void probe_spdkrt_bdev_io_get_iovs(void)
{
	int n = 5;

	want_value(spdkrt_bdev_io_get_iovs(NULL, &n) == NULL, 1);
	want_value(n, 0);
}

static void probe_spdkrt_bdev_io_get_write_iovs(void)
{
	int n = 5;

	want_value(spdkrt_bdev_io_get_write_iovs(NULL, &n) == NULL, 1);
	want_value(n, 0);
}

static void probe_spdkrt_bdev_io_get_ranges(void)
{
	uint32_t n = 5;

	want_value(spdkrt_bdev_io_get_ranges(NULL, &n) == NULL, 1);
	want_value(n, 0);
}

static void probe_spdkrt_bdev_io_complete(void)
{
	want_ignored(spdkrt_bdev_io_complete(NULL, 0), "io is NULL");
}

static void probe_spdkrt_bdev_io_complete_nomem(void)
{
	want_ignored(spdkrt_bdev_io_complete_nomem(NULL), "io is NULL");
}

static void probe_spdkrt_bdev_io_complete_nvme(void)
{
	struct spdkrt_bdev_nvme_status st = { 0 };

	want_ignored(spdkrt_bdev_io_complete_nvme(NULL, &st), "io is NULL");
}

static void probe_spdkrt_bdev_module_get_name(void)
{
	want_value(strcmp(spdkrt_bdev_module_get_name(NULL), ""), 0);
}

static void probe_spdkrt_bdev_module_ops_init(void)
{
	struct spdkrt_bdev_module_ops ops;

	want_rc(spdkrt_bdev_module_ops_init(NULL, sizeof(ops)), -EINVAL, "ops is NULL");
	want_rc(spdkrt_bdev_module_ops_init(&ops, 0), -EINVAL, "too small");
}

static int noop_module_create(struct spdkrt_bdev_module *m, struct spdkrt_bdev_spec *spec,
			      struct spdkrt_bdev **bdev)
{
	(void)m;
	(void)spec;
	(void)bdev;
	return -ENOTSUP;
}

static void probe_spdkrt_bdev_module_register(void)
{
	struct spdkrt_bdev_module_ops ops;
	struct spdkrt_bdev_module *m = NULL;

	spdkrt_bdev_module_ops_init(&ops, sizeof(ops));
	want_rc(spdkrt_bdev_module_register(NULL, &m), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_module_register(&ops, NULL), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_module_register(&ops, &m), -EINVAL, "module name");
	ops.name = "x y";
	want_rc(spdkrt_bdev_module_register(&ops, &m), -EINVAL, "module name");
	ops.name = "probe";
	want_rc(spdkrt_bdev_module_register(&ops, &m), -EINVAL, "neither create");
	ops.create = noop_module_create;
	ops.io_ctx_size = SIZE_MAX;
	want_rc(spdkrt_bdev_module_register(&ops, &m), -EINVAL, "context per I/O");
	ops.io_ctx_size = 0;
	ops.name = "malloc";
	want_rc(spdkrt_bdev_module_register(&ops, &m), -EEXIST, "already registered");
	ops.size = 0;
	want_rc(spdkrt_bdev_module_register(&ops, &m), -EINVAL, "ops->size");
	assert_null(m);
}

static void probe_spdkrt_bdev_module_unregister(void)
{
	want_rc(spdkrt_bdev_module_unregister(NULL, NULL, NULL), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_module_unregister(spdkrt_bdev_module_find("malloc"), NULL, NULL),
		-EINVAL, "built in");
}

static void probe_spdkrt_bdev_create_async(void)
{
	want_rc(spdkrt_bdev_create_async(NULL, NULL, NULL), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_create_async("nosuch:name=a", NULL, NULL), -EINVAL, "NULL");
}

static void probe_spdkrt_bdev_spec_get(void)
{
	want_value(spdkrt_bdev_spec_get(NULL, "name") == NULL, 1);
}

static void probe_spdkrt_bdev_spec_get_str(void)
{
	const char *v;

	want_rc(spdkrt_bdev_spec_get_str(NULL, "name", &v), -EINVAL, "NULL");
}

static void probe_spdkrt_bdev_spec_get_u64(void)
{
	uint64_t v;

	want_rc(spdkrt_bdev_spec_get_u64(NULL, "size", 0, 1, &v), -EINVAL, "NULL");
}

static void probe_spdkrt_bdev_spec_get_bool(void)
{
	bool v;

	want_rc(spdkrt_bdev_spec_get_bool(NULL, "on", &v), -EINVAL, "NULL");
}

static void probe_spdkrt_bdev_spec_check_all_used(void)
{
	want_rc(spdkrt_bdev_spec_check_all_used(NULL), -EINVAL, "spec is NULL");
}

static void probe_spdkrt_bdev_spec_wipe(void)
{
	want_rc(spdkrt_bdev_spec_wipe(NULL, "key"), -EINVAL, "spec or key is NULL");
}

static void probe_spdkrt_bdev_info_init(void)
{
	struct spdkrt_bdev_info info;

	want_rc(spdkrt_bdev_info_init(NULL, sizeof(info)), -EINVAL, "info is NULL");
	want_rc(spdkrt_bdev_info_init(&info, 0), -EINVAL, "too small");
}

static void probe_spdkrt_bdev_register(void)
{
	struct spdkrt_bdev_info info;
	struct spdkrt_bdev *b = NULL;

	spdkrt_bdev_info_init(&info, sizeof(info));
	want_rc(spdkrt_bdev_register(NULL, &b), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_register(&info, NULL), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_register(&info, &b), -EINVAL, "no module");
	info.size = 0;
	want_rc(spdkrt_bdev_register(&info, &b), -EINVAL, "info->size");
	assert_null(b);
}

static void probe_spdkrt_bdev_unregister(void)
{
	int not_a_bdev;

	want_rc(spdkrt_bdev_unregister(NULL, NULL, NULL), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_unregister((struct spdkrt_bdev *)&not_a_bdev, NULL, NULL), -EINVAL,
		"not registered");
}

static void probe_spdkrt_bdev_module_claim_bdev(void)
{
	want_rc(spdkrt_bdev_module_claim_bdev(NULL, g_desc, g_bdev), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_module_claim_bdev(g_bdev, NULL, g_bdev), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_module_claim_bdev(g_bdev, g_desc, NULL), -EINVAL, "NULL");
}

static void probe_spdkrt_bdev_module_release_bdev(void)
{
	want_ignored(spdkrt_bdev_module_release_bdev(NULL), "bdev is NULL");
}

static void probe_spdkrt_bdev_notify_resize(void)
{
	want_rc(spdkrt_bdev_notify_resize(NULL, 8), -EINVAL, "bdev is NULL");
	want_rc(spdkrt_bdev_notify_resize(g_bdev, 0), -EINVAL, "not a usable size");
	want_rc(spdkrt_bdev_notify_resize(g_bdev, UINT64_MAX), -EINVAL, "not a usable size");
}

static void probe_spdkrt_bdev_get_uuid(void)
{
	uint8_t uuid[16];

	want_rc(spdkrt_bdev_get_uuid(NULL, uuid), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_get_uuid(g_bdev, NULL), -EINVAL, "NULL");
}

static void probe_spdkrt_bdev_get_nvme_status(void)
{
	struct spdkrt_bdev_nvme_status st;

	want_rc(spdkrt_bdev_get_nvme_status(NULL, 0, &st), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_get_nvme_status(g_ch, 0, NULL), -EINVAL, "NULL");
}

static void probe_spdkrt_bdev_nvme_status_to_errno(void)
{
	want_rc(spdkrt_bdev_nvme_status_to_errno(NULL), -EINVAL, "status is NULL");
}

static void probe_spdkrt_bdev_nvme_status_from_errno(void)
{
	want_ignored(spdkrt_bdev_nvme_status_from_errno(-EIO, NULL), "status is NULL");
}

static void probe_spdkrt_bdev_compare_blocks(void)
{
	want_rc(spdkrt_bdev_compare_blocks(NULL, g_ch, g_buf, 0, 1, noop_io, NULL), -EINVAL,
		"NULL");
	want_rc(spdkrt_bdev_compare_blocks(g_desc, g_ch, NULL, 0, 1, noop_io, NULL), -EINVAL,
		"NULL");
	want_rc(spdkrt_bdev_compare_blocks(g_desc, g_ch, g_buf, 64, 1, noop_io, NULL), -EINVAL,
		"outside");
	want_rc(spdkrt_bdev_compare_blocks(g_desc, g_ch, g_buf, 1, UINT64_MAX, noop_io, NULL),
		-EINVAL, "outside");
}

static void probe_spdkrt_bdev_compare_and_write_blocks(void)
{
	want_rc(spdkrt_bdev_compare_and_write_blocks(NULL, g_ch, g_buf, g_buf, 0, 1, noop_io, NULL),
		-EINVAL, "NULL");
	want_rc(spdkrt_bdev_compare_and_write_blocks(g_desc, g_ch, NULL, g_buf, 0, 1, noop_io,
						     NULL),
		-EINVAL, "NULL");
	want_rc(spdkrt_bdev_compare_and_write_blocks(g_desc, g_ch, g_buf, NULL, 0, 1, noop_io,
						     NULL),
		-EINVAL, "NULL");
	want_rc(spdkrt_bdev_compare_and_write_blocks(g_desc, g_ch, g_buf, g_buf, 64, 1, noop_io,
						     NULL),
		-EINVAL, "outside");
}

static void probe_spdkrt_bdev_unmap_ranges(void)
{
	struct spdkrt_bdev_range r[2] = { { 0, 1 }, { UINT64_MAX, 2 } };

	want_rc(spdkrt_bdev_unmap_ranges(g_desc, g_ch, NULL, 1, noop_io, NULL), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_unmap_ranges(g_desc, g_ch, r, 0, noop_io, NULL), -EINVAL, "count");
	want_rc(spdkrt_bdev_unmap_ranges(NULL, g_ch, r, 1, noop_io, NULL), -EINVAL, "NULL");
	want_rc(spdkrt_bdev_unmap_ranges(g_desc, g_ch, r, 2, noop_io, NULL), -EINVAL, "outside");
	want_rc(spdkrt_bdev_unmap_ranges(g_desc, g_ch, r, UINT32_MAX, noop_io, NULL), -EINVAL,
		"outside");
}

#define PROBE_PASSTHRU(fn)                                                                         \
	static void probe_##fn(void)                                                               \
	{                                                                                          \
		struct spdkrt_nvme_cmd cmd = { 0 };                                                \
                                                                                                   \
		want_rc(fn(NULL, g_ch, &cmd, NULL, 0, noop_io, NULL), -EINVAL, "NULL");            \
		want_rc(fn(g_desc, NULL, &cmd, NULL, 0, noop_io, NULL), -EINVAL, "NULL");          \
		want_rc(fn(g_desc, g_ch, &cmd, NULL, 0, NULL, NULL), -EINVAL, "NULL");             \
		/* malloc has no NVMe controller behind it */                                      \
		want_rc(fn(g_desc, g_ch, &cmd, NULL, 0, noop_io, NULL), -ENOTSUP, "support");      \
	}
PROBE_PASSTHRU(spdkrt_bdev_nvme_admin_passthru)
PROBE_PASSTHRU(spdkrt_bdev_nvme_io_passthru)

#define ROW(fn)                                                                                    \
	{                                                                                          \
#fn, probe_##fn, NULL                                                              \
	}
#define NO_BAD_INPUT(fn, why)                                                                      \
	{                                                                                          \
#fn, NULL, why                                                                     \
	}

/* One row per exported function, sorted by name within each map node. */
static const struct row g_rows[] = {
	ROW(spdkrt_app_get_thread),
	ROW(spdkrt_app_opts_init),
	ROW(spdkrt_app_run),
	ROW(spdkrt_app_stop),
	ROW(spdkrt_app_thread_create),
	ROW(spdkrt_app_thread_get_core),
	ROW(spdkrt_bdev_channel_get_stats),
	ROW(spdkrt_bdev_close),
	ROW(spdkrt_bdev_create),
	ROW(spdkrt_bdev_desc_get_bdev),
	ROW(spdkrt_bdev_destroy),
	ROW(spdkrt_bdev_first),
	ROW(spdkrt_bdev_flush_blocks),
	ROW(spdkrt_bdev_get_block_size),
	ROW(spdkrt_bdev_get_buf_align),
	ROW(spdkrt_bdev_get_by_name),
	ROW(spdkrt_bdev_get_io_channel),
	ROW(spdkrt_bdev_get_io_channel_ext),
	ROW(spdkrt_bdev_get_max_io_blocks),
	ROW(spdkrt_bdev_get_module_name),
	ROW(spdkrt_bdev_get_name),
	ROW(spdkrt_bdev_get_num_blocks),
	ROW(spdkrt_bdev_get_optimal_io_boundary),
	ROW(spdkrt_bdev_get_product_name),
	ROW(spdkrt_bdev_get_stats),
	ROW(spdkrt_bdev_get_write_unit_size),
	ROW(spdkrt_bdev_io_type_supported),
	ROW(spdkrt_bdev_is_claimed),
	ROW(spdkrt_bdev_next),
	ROW(spdkrt_bdev_open),
	ROW(spdkrt_bdev_opts_init),
	ROW(spdkrt_bdev_queue_io_wait),
	ROW(spdkrt_bdev_read),
	ROW(spdkrt_bdev_read_blocks),
	ROW(spdkrt_bdev_readv_blocks),
	ROW(spdkrt_bdev_rescan),
	ROW(spdkrt_bdev_reset),
	ROW(spdkrt_bdev_set_opts),
	ROW(spdkrt_bdev_unmap_blocks),
	ROW(spdkrt_bdev_write),
	ROW(spdkrt_bdev_write_blocks),
	ROW(spdkrt_bdev_write_zeroes_blocks),
	ROW(spdkrt_bdev_writev_blocks),
	ROW(spdkrt_dma_free),
	ROW(spdkrt_dma_iova),
	ROW(spdkrt_dma_malloc),
	ROW(spdkrt_dma_zmalloc),
	NO_BAD_INPUT(spdkrt_env_fini, "no argument; test_env_calls_before_init_and_after_fini"),
	NO_BAD_INPUT(spdkrt_env_get_core_count, "no argument"),
	NO_BAD_INPUT(spdkrt_env_get_current_core, "no argument"),
	NO_BAD_INPUT(spdkrt_env_get_first_core, "no argument"),
	NO_BAD_INPUT(spdkrt_env_get_main_core, "no argument"),
	ROW(spdkrt_env_get_next_core),
	NO_BAD_INPUT(spdkrt_env_get_numa_node_count, "no argument"),
	ROW(spdkrt_env_get_socket_id),
	ROW(spdkrt_env_init),
	NO_BAD_INPUT(spdkrt_env_is_initialized, "no argument"),
	ROW(spdkrt_env_opts_init),
	ROW(spdkrt_for_each_channel),
	ROW(spdkrt_for_each_channel_continue),
	ROW(spdkrt_for_each_thread),
	ROW(spdkrt_get_io_channel),
	NO_BAD_INPUT(spdkrt_get_thread, "no argument"),
	NO_BAD_INPUT(spdkrt_get_ticks, "no argument"),
	NO_BAD_INPUT(spdkrt_get_ticks_hz, "no argument"),
	ROW(spdkrt_io_channel_get_ctx),
	ROW(spdkrt_io_channel_get_io_device),
	ROW(spdkrt_io_channel_get_thread),
	ROW(spdkrt_io_channel_iter_get_channel),
	ROW(spdkrt_io_channel_iter_get_ctx),
	ROW(spdkrt_io_channel_iter_get_io_device),
	ROW(spdkrt_io_device_register),
	ROW(spdkrt_io_device_unregister),
	NO_BAD_INPUT(spdkrt_log_get_level, "no argument"),
	ROW(spdkrt_log_level_from_name),
	ROW(spdkrt_log_level_name),
	ROW(spdkrt_log_set_level),
	NO_BAD_INPUT(spdkrt_log_set_sink, "any fn (NULL: stderr) and ctx are valid"),
	ROW(spdkrt_poller_pause),
	ROW(spdkrt_poller_register),
	ROW(spdkrt_poller_resume),
	ROW(spdkrt_poller_unregister),
	ROW(spdkrt_put_io_channel),
	NO_BAD_INPUT(spdkrt_set_thread, "any thread, NULL included, is valid"),
	ROW(spdkrt_strerror),
	ROW(spdkrt_thread_create),
	ROW(spdkrt_thread_destroy),
	ROW(spdkrt_thread_exit),
	ROW(spdkrt_thread_get_id),
	ROW(spdkrt_thread_get_name),
	ROW(spdkrt_thread_is_exited),
	ROW(spdkrt_thread_is_idle),
	ROW(spdkrt_thread_poll),
	ROW(spdkrt_thread_send_msg),
	NO_BAD_INPUT(spdkrt_version, "no argument"),
	/* LIBSPDKRT_1.1 */
	ROW(spdkrt_dma_malloc_contig),
	ROW(spdkrt_dma_zmalloc_contig),
	ROW(spdkrt_ioat_attach),
	ROW(spdkrt_ioat_build_copy),
	ROW(spdkrt_ioat_build_fill),
	ROW(spdkrt_ioat_detach),
	ROW(spdkrt_ioat_flush),
	ROW(spdkrt_ioat_get_capabilities),
	ROW(spdkrt_ioat_get_max_descriptors),
	ROW(spdkrt_ioat_get_pci_addr),
	ROW(spdkrt_ioat_probe),
	ROW(spdkrt_ioat_process_events),
	ROW(spdkrt_ioat_submit_copy),
	ROW(spdkrt_ioat_submit_fill),
	ROW(spdkrt_mem_register),
	ROW(spdkrt_mem_unregister),
	ROW(spdkrt_nvme_connect),
	ROW(spdkrt_nvme_cpl_status_string),
	ROW(spdkrt_nvme_ctrlr_alloc_cmb_io_buffer),
	ROW(spdkrt_nvme_ctrlr_alloc_io_qpair),
	ROW(spdkrt_nvme_ctrlr_attach_ns),
	ROW(spdkrt_nvme_ctrlr_cmd_abort),
	ROW(spdkrt_nvme_ctrlr_cmd_admin_raw),
	ROW(spdkrt_nvme_ctrlr_cmd_get_feature),
	ROW(spdkrt_nvme_ctrlr_cmd_get_log_page),
	ROW(spdkrt_nvme_ctrlr_cmd_identify),
	ROW(spdkrt_nvme_ctrlr_cmd_io_raw),
	ROW(spdkrt_nvme_ctrlr_cmd_set_feature),
	ROW(spdkrt_nvme_ctrlr_create_ns),
	ROW(spdkrt_nvme_ctrlr_delete_ns),
	ROW(spdkrt_nvme_ctrlr_detach_ns),
	ROW(spdkrt_nvme_ctrlr_format),
	ROW(spdkrt_nvme_ctrlr_free_cmb_io_buffer),
	ROW(spdkrt_nvme_ctrlr_free_io_qpair),
	ROW(spdkrt_nvme_ctrlr_fw_commit),
	ROW(spdkrt_nvme_ctrlr_fw_image_download),
	ROW(spdkrt_nvme_ctrlr_get_discovery_log),
	ROW(spdkrt_nvme_ctrlr_get_data),
	ROW(spdkrt_nvme_ctrlr_get_first_active_ns),
	ROW(spdkrt_nvme_ctrlr_get_max_xfer_size),
	ROW(spdkrt_nvme_ctrlr_get_next_active_ns),
	ROW(spdkrt_nvme_ctrlr_get_ns),
	ROW(spdkrt_nvme_ctrlr_get_num_ns),
	ROW(spdkrt_nvme_ctrlr_get_regs_cap),
	ROW(spdkrt_nvme_ctrlr_get_regs_cmbsz),
	ROW(spdkrt_nvme_ctrlr_get_regs_csts),
	ROW(spdkrt_nvme_ctrlr_get_regs_vs),
	ROW(spdkrt_nvme_ctrlr_get_transport_id),
	ROW(spdkrt_nvme_ctrlr_is_failed),
	ROW(spdkrt_nvme_ctrlr_opts_init),
	ROW(spdkrt_nvme_ctrlr_process_admin_completions),
	ROW(spdkrt_nvme_ctrlr_register_aer_callback),
	ROW(spdkrt_nvme_ctrlr_register_ns_change_callback),
	ROW(spdkrt_nvme_ctrlr_register_timeout_callback),
	ROW(spdkrt_nvme_ctrlr_reset),
	ROW(spdkrt_nvme_ctrlr_reset_async),
	ROW(spdkrt_nvme_ctrlr_security_receive),
	ROW(spdkrt_nvme_ctrlr_security_send),
	ROW(spdkrt_nvme_detach),
	ROW(spdkrt_nvme_detach_async),
	ROW(spdkrt_nvme_detach_poll_async),
	ROW(spdkrt_nvme_discovery_entry_to_trid),
	ROW(spdkrt_nvme_io_qpair_opts_init),
	ROW(spdkrt_nvme_ns_cmd_compare),
	ROW(spdkrt_nvme_ns_cmd_dataset_management),
	ROW(spdkrt_nvme_ns_cmd_flush),
	ROW(spdkrt_nvme_ns_cmd_read),
	ROW(spdkrt_nvme_ns_cmd_read_with_md),
	ROW(spdkrt_nvme_ns_cmd_readv),
	ROW(spdkrt_nvme_ns_cmd_readv_iov),
	ROW(spdkrt_nvme_ns_cmd_reservation_acquire),
	ROW(spdkrt_nvme_ns_cmd_reservation_register),
	ROW(spdkrt_nvme_ns_cmd_reservation_release),
	ROW(spdkrt_nvme_ns_cmd_reservation_report),
	ROW(spdkrt_nvme_ns_cmd_reservation_report_ext),
	ROW(spdkrt_nvme_ns_cmd_write),
	ROW(spdkrt_nvme_ns_cmd_write_uncorrectable),
	ROW(spdkrt_nvme_ns_cmd_write_with_md),
	ROW(spdkrt_nvme_ns_cmd_write_zeroes),
	ROW(spdkrt_nvme_ns_cmd_writev),
	ROW(spdkrt_nvme_ns_cmd_writev_iov),
	ROW(spdkrt_nvme_ns_get_ctrlr),
	ROW(spdkrt_nvme_ns_get_data),
	ROW(spdkrt_nvme_ns_get_extended_sector_size),
	ROW(spdkrt_nvme_ns_get_id),
	ROW(spdkrt_nvme_ns_get_max_io_sectors),
	ROW(spdkrt_nvme_ns_get_md_size),
	ROW(spdkrt_nvme_ns_get_num_sectors),
	ROW(spdkrt_nvme_ns_get_pi_type),
	ROW(spdkrt_nvme_ns_get_sector_size),
	ROW(spdkrt_nvme_ns_get_size),
	ROW(spdkrt_nvme_ns_supports_extended_lba),
	ROW(spdkrt_nvme_probe),
	ROW(spdkrt_nvme_probe_async),
	ROW(spdkrt_nvme_probe_poll_async),
	ROW(spdkrt_nvme_qpair_get_id),
	ROW(spdkrt_nvme_qpair_process_completions),
	ROW(spdkrt_nvme_transport_id_compare),
	ROW(spdkrt_nvme_transport_id_fmt),
	ROW(spdkrt_nvme_transport_id_parse),
	ROW(spdkrt_pci_addr_compare),
	ROW(spdkrt_pci_addr_fmt),
	ROW(spdkrt_pci_addr_parse),
	ROW(spdkrt_pci_enumerate),
	NO_BAD_INPUT(spdkrt_pci_event_listen, "no argument"),
	ROW(spdkrt_pci_get_driver),
	ROW(spdkrt_pci_get_event),
	ROW(spdkrt_pci_get_id),
	ROW(spdkrt_pci_get_numa_node),
	ROW(spdkrt_vtophys),
	/* bdev module interface */
	ROW(spdkrt_bdev_compare_and_write_blocks),
	ROW(spdkrt_bdev_compare_blocks),
	ROW(spdkrt_bdev_create_async),
	ROW(spdkrt_bdev_get_max_compare_and_write_blocks),
	ROW(spdkrt_bdev_get_max_segment_size),
	ROW(spdkrt_bdev_get_max_segments),
	ROW(spdkrt_bdev_get_max_unmap_blocks),
	ROW(spdkrt_bdev_get_max_unmap_ranges),
	ROW(spdkrt_bdev_get_max_write_zeroes_blocks),
	ROW(spdkrt_bdev_get_module_ctx),
	ROW(spdkrt_bdev_get_nvme_status),
	ROW(spdkrt_bdev_get_uuid),
	ROW(spdkrt_bdev_info_init),
	ROW(spdkrt_bdev_io_complete),
	ROW(spdkrt_bdev_io_complete_nomem),
	ROW(spdkrt_bdev_io_complete_nvme),
	ROW(spdkrt_bdev_io_get_bdev),
	ROW(spdkrt_bdev_io_get_module_ctx),
	ROW(spdkrt_bdev_io_get_driver_ctx),
	ROW(spdkrt_bdev_io_get_io_channel),
	ROW(spdkrt_bdev_io_get_iovs),
	ROW(spdkrt_bdev_io_get_num_blocks),
	ROW(spdkrt_bdev_io_get_nvme_cmd),
	ROW(spdkrt_bdev_io_get_offset_blocks),
	ROW(spdkrt_bdev_io_get_ranges),
	ROW(spdkrt_bdev_io_get_thread),
	ROW(spdkrt_bdev_io_get_type),
	ROW(spdkrt_bdev_io_get_write_iovs),
	NO_BAD_INPUT(spdkrt_bdev_module_api_version, "no argument"),
	ROW(spdkrt_bdev_module_claim_bdev),
	ROW(spdkrt_bdev_module_find),
	ROW(spdkrt_bdev_module_get_ctx),
	ROW(spdkrt_bdev_module_get_name),
	ROW(spdkrt_bdev_module_ops_init),
	ROW(spdkrt_bdev_module_register),
	ROW(spdkrt_bdev_module_release_bdev),
	NO_BAD_INPUT(spdkrt_bdev_module_resume_io, "no argument; module_test"),
	ROW(spdkrt_bdev_module_unregister),
	ROW(spdkrt_bdev_notify_resize),
	ROW(spdkrt_bdev_nvme_admin_passthru),
	ROW(spdkrt_bdev_nvme_io_passthru),
	ROW(spdkrt_bdev_nvme_status_from_errno),
	ROW(spdkrt_bdev_nvme_status_to_errno),
	ROW(spdkrt_bdev_register),
	ROW(spdkrt_bdev_spec_check_all_used),
	ROW(spdkrt_bdev_spec_get),
	ROW(spdkrt_bdev_spec_get_bool),
	ROW(spdkrt_bdev_spec_get_str),
	ROW(spdkrt_bdev_spec_get_u64),
	ROW(spdkrt_bdev_spec_wipe),
	ROW(spdkrt_bdev_unmap_ranges),
	ROW(spdkrt_bdev_unregister),
	ROW(spdkrt_nvmf_host_opts_init),
	ROW(spdkrt_nvmf_listen_opts_init),
	ROW(spdkrt_nvmf_ns_opts_init),
	ROW(spdkrt_nvmf_subsystem_add_host),
	ROW(spdkrt_nvmf_subsystem_add_host_ext),
	ROW(spdkrt_nvmf_subsystem_add_listener),
	ROW(spdkrt_nvmf_subsystem_add_ns),
	ROW(spdkrt_nvmf_subsystem_create),
	ROW(spdkrt_nvmf_subsystem_destroy),
	ROW(spdkrt_nvmf_subsystem_get_allow_any_host),
	ROW(spdkrt_nvmf_subsystem_get_host),
	ROW(spdkrt_nvmf_subsystem_get_listener),
	ROW(spdkrt_nvmf_subsystem_get_model_number),
	ROW(spdkrt_nvmf_subsystem_get_nqn),
	ROW(spdkrt_nvmf_subsystem_get_ns_bdev_name),
	ROW(spdkrt_nvmf_subsystem_get_serial_number),
	ROW(spdkrt_nvmf_subsystem_host_has_psk),
	ROW(spdkrt_nvmf_subsystem_next),
	ROW(spdkrt_nvmf_subsystem_next_nsid),
	ROW(spdkrt_nvmf_subsystem_remove_host),
	ROW(spdkrt_nvmf_subsystem_remove_listener),
	ROW(spdkrt_nvmf_subsystem_remove_ns),
	ROW(spdkrt_nvmf_subsystem_set_allow_any_host),
	ROW(spdkrt_nvmf_subsystem_set_model_number),
	ROW(spdkrt_nvmf_subsystem_set_serial_number),
	ROW(spdkrt_nvmf_tgt_add_poll_group),
	ROW(spdkrt_nvmf_tgt_create),
	ROW(spdkrt_nvmf_tgt_destroy),
	ROW(spdkrt_nvmf_tgt_find_subsystem),
	ROW(spdkrt_nvmf_tgt_get_listener),
	ROW(spdkrt_nvmf_tgt_get_stats),
	ROW(spdkrt_nvmf_tgt_listen),
	ROW(spdkrt_nvmf_tgt_listen_ext),
	ROW(spdkrt_nvmf_tgt_listener_is_secure),
	ROW(spdkrt_nvmf_tgt_opts_init),
	ROW(spdkrt_nvmf_tgt_stop_listen),
	ROW(spdkrt_spec_redact),
};

#define NUM_ROWS (sizeof(g_rows) / sizeof(g_rows[0]))

static const struct row *find_row(const char *name)
{
	for (size_t i = 0; i < NUM_ROWS; i++) {
		if (strcmp(g_rows[i].name, name) == 0)
			return &g_rows[i];
	}
	return NULL;
}

/* Calls fn(name) for each function the version script exports; returns how many. */
static size_t for_each_export(void (*fn)(const char *name, void *ctx), void *ctx)
{
	const char *top = getenv("top_srcdir");
	char path[4096], line[512];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/libspdkrt/libspdkrt.map", top != NULL ? top : ".");
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s (run through make check, which sets top_srcdir)", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[256];

		if (sscanf(line, " %255[a-z0-9_];", name) == 1 &&
		    strncmp(name, "spdkrt_", 7) == 0) {
			fn(name, ctx);
			n++;
		}
	}
	fclose(f);
	return n;
}

static void require_row(const char *name, void *ctx)
{
	(void)ctx;
	if (find_row(name) == NULL)
		fail_msg("%s is exported but has no bad-input row: add a row for %s in "
			 "tests/unit/api/bad_input_test.c (ROW(%s) with a probe_%s, or "
			 "NO_BAD_INPUT(%s, \"why\"))",
			 name, name, name, name, name);
}

static void mark_exported(const char *name, void *ctx)
{
	bool *exported = ctx;
	const struct row *r = find_row(name);

	if (r != NULL)
		exported[r - g_rows] = true;
}

static void test_every_export_has_a_row(void **state)
{
	bool exported[NUM_ROWS] = { false };

	(void)state;
	assert_true(for_each_export(require_row, NULL) > 90);
	for_each_export(mark_exported, exported);
	for (size_t i = 0; i < NUM_ROWS; i++) {
		if (!exported[i])
			fail_msg("row %s: the map does not export it; remove the row from "
				 "tests/unit/api/bad_input_test.c",
				 g_rows[i].name);
		if (g_rows[i].probe == NULL && g_rows[i].why_none == NULL)
			fail_msg("row %s: say why it takes no bad input", g_rows[i].name);
	}
}

static int fixture_setup(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	assert_int_equal(spdkrt_env_init(&opts), 0);
	assert_int_equal(spdkrt_thread_create("bad_input", &g_thread), 0);
	spdkrt_set_thread(g_thread);
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=bad0,num_blocks=64,block_size=512", &g_bdev), 0);
	assert_int_equal(spdkrt_bdev_open("bad0", true, noop_event, NULL, &g_desc), 0);
	g_ch = spdkrt_bdev_get_io_channel(g_desc);
	assert_non_null(g_ch);
	log_capture_start();
	return 0;
}

static void destroyed(void *ctx, int status)
{
	*(int *)ctx = status == 0 ? 1 : status;
}

static int fixture_teardown(void **state)
{
	int done = 0;

	(void)state;
	log_capture_stop();
	spdkrt_put_io_channel(g_ch);
	spdkrt_bdev_close(g_desc);
	assert_int_equal(spdkrt_bdev_destroy("bad0", destroyed, &done), 0);
	for (int i = 0; i < 100000 && done == 0; i++)
		spdkrt_thread_poll(g_thread, 0, 0);
	assert_int_equal(done, 1);
	spdkrt_thread_exit(g_thread);
	for (int i = 0; i < 100000 && !spdkrt_thread_is_exited(g_thread); i++)
		spdkrt_thread_poll(g_thread, 0, 0);
	assert_int_equal(spdkrt_thread_destroy(g_thread), 0);
	spdkrt_set_thread(NULL);
	spdkrt_env_fini();
	return 0;
}

static void store_status(void *arg, int status)
{
	*(int *)arg = status;
}

/* Every row's probe, then a check that the fixture still works: nothing was damaged. */
static void test_every_row_with_bad_input(void **state)
{
	int status = 1;

	(void)state;
	for (size_t i = 0; i < NUM_ROWS; i++) {
		if (g_rows[i].probe == NULL)
			continue;
		log_capture_clear();
		g_rows[i].probe();
		poll_a_little();
	}
	assert_no_failures();
	assert_int_equal(spdkrt_bdev_write_blocks(g_desc, g_ch, g_buf, 0, 1, store_status, &status),
			 0);
	poll_a_little();
	assert_int_equal(status, 0);
	assert_true(spdkrt_thread_is_idle(g_thread));
}

/* The calls that need an environment, before there is one and after it is gone. */
static void check_without_env(void)
{
	struct spdkrt_bdev *b = NULL;

	want_null(spdkrt_dma_malloc(4096, 64, SPDKRT_ENV_SOCKET_ANY), "not initialised");
	want_null(spdkrt_dma_zmalloc(4096, 64, SPDKRT_ENV_SOCKET_ANY), "not initialised");
	want_value(spdkrt_dma_iova(g_buf), SPDKRT_IOVA_INVALID);
	want_value((spdkrt_dma_free(NULL), 0), 0);
	want_value(spdkrt_env_get_core_count(), 0);
	want_value(spdkrt_env_get_first_core(), SPDKRT_ENV_CORE_INVALID);
	want_value(spdkrt_env_get_main_core(), SPDKRT_ENV_CORE_INVALID);
	want_value(spdkrt_env_get_current_core(), SPDKRT_ENV_CORE_INVALID);
	want_rc(spdkrt_env_get_socket_id(0), -EINVAL, "not initialised");
	want_value(spdkrt_env_is_initialized(), false);
	want_value((spdkrt_env_fini(), 0), 0);
	want_rc(spdkrt_bdev_create("malloc:name=noenv,num_blocks=8", &b), -ENOMEM,
		"not initialised");
	assert_null(b);
}

static void test_env_calls_before_init_and_after_fini(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	log_capture_start();
	check_without_env();
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	opts.size = 0;
	want_rc(spdkrt_env_init(&opts), -EINVAL, "opts.size");
	opts.size = 2;
	want_rc(spdkrt_env_init(&opts), -EINVAL, "opts.size");
	opts.size = sizeof(opts) + 64; /* a newer caller: the fields we know are read */
	want_rc(spdkrt_env_init(&opts), 0, NULL);
	spdkrt_env_fini();
	check_without_env();
	log_capture_stop();
	assert_no_failures();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_export_has_a_row),
		cmocka_unit_test_setup_teardown(test_every_row_with_bad_input, fixture_setup,
						fixture_teardown),
		cmocka_unit_test(test_env_calls_before_init_and_after_fini),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
